// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of the config path the API and SIGHUP take: a YAML file and a JSON
 * patch, split at the first NUL byte (no NUL: the input is both), each parsed; the YAML
 * built, the patch merged into its tree, the result built, and the two configs diffed.
 * Relative paths have no folder to resolve against (as over the API), so key and rules
 * files are only those the input names absolutely.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void build_and_diff(const struct cfg_node *base_tree, const struct cfg_node *patch)
{
	struct cfg_errors errs = { 0 };
	struct ztos_config *old = NULL, *new = NULL;
	struct cfg_node *tree = cfg_node_clone(base_tree);
	struct cfg_change *changes = NULL;
	size_t n = 0;

	cfg_build(base_tree, NULL, &old, &errs);
	if (tree && patch && !cfg_merge(tree, patch))
		cfg_build(tree, NULL, &new, &errs);
	if (old && new && !cfg_diff(old, new, &changes, &n))
		cfg_changes_free(changes, n);
	/* every error says where it is */
	for (size_t i = 0; i < errs.n; i++)
		if (!errs.v[i].where[0] || !errs.v[i].message[0])
			__builtin_trap();
	cfg_errors_free(&errs);
	cfg_free(old);
	cfg_free(new);
	cfg_node_free(tree);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	const char *nul = memchr(text, '\0', size);
	size_t ylen = nul ? (size_t)(nul - text) : size;
	const char *json = nul ? nul + 1 : text;
	size_t jlen = nul ? size - ylen - 1 : size;
	struct cfg_errors errs = { 0 };
	struct cfg_node *base = NULL, *patch = NULL;

	cfg_parse_yaml("fuzz.yaml", text, ylen, &base, &errs);
	cfg_parse_json(json, jlen, &patch, &errs);
	if (base)
		build_and_diff(base, patch);
	else if (patch)
		build_and_diff(patch, patch);
	cfg_errors_free(&errs);
	cfg_node_free(base);
	cfg_node_free(patch);
	return 0;
}
