// SPDX-License-Identifier: GPL-2.0-only
/* ztos config validate FILE: check a config file here, with no agent. */

#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "config/config.h"
#include "ztos.h"

static const char group_help[] =
	"Usage: ztos config COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n";

static const char validate_help[] =
	"Usage: ztos config validate [--json] FILE\n"
	"\n"
	"Check FILE the way ztosd would load it (syntax, schema, values, key files),\n"
	"without an agent. Prints \"FILE: ok\" and what it configures, or each error\n"
	"as FILE:LINE:COL: MESSAGE on stderr. Exits 0 when valid, 1 when not.\n"
	"\n"
	"  --json   print {\"file\",\"valid\",\"errors\":[{\"location\",\"message\"}]}\n";

/* "2 tenants, wireguard, macsec, bgp, dpi" */
static void summary(struct strbuf *sb, const struct ztos_config *cfg)
{
	sb_printf(sb, "%zu tenant%s", cfg->n_tenants, cfg->n_tenants == 1 ? "" : "s");
	if (cfg->has_wireguard)
		sb_printf(sb, ", wireguard");
	if (cfg->has_macsec)
		sb_printf(sb, ", macsec");
	if (cfg->has_bgp)
		sb_printf(sb, ", bgp");
	if (cfg->has_dpi)
		sb_printf(sb, ", dpi%s", cfg->dpi.enabled ? "" : " (disabled)");
}

static int print_json(const char *file, const struct ztos_config *cfg,
		      const struct cfg_errors *errs)
{
	cJSON *root = cJSON_CreateObject(), *list, *e;
	struct strbuf sb = {};
	char *text = NULL;

	cJSON_AddStringToObject(root, "file", file);
	cJSON_AddBoolToObject(root, "valid", cfg != NULL);
	if (cfg) {
		summary(&sb, cfg);
		cJSON_AddStringToObject(root, "summary", sb_str(&sb));
	}
	list = cJSON_AddArrayToObject(root, "errors");
	for (size_t i = 0; i < errs->n; i++) {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(e, "location", errs->v[i].where);
		cJSON_AddStringToObject(e, "message", errs->v[i].message);
		cJSON_AddItemToArray(list, e);
	}
	text = sb.err ? NULL : cJSON_Print(root);
	if (text)
		json_pretty(stdout, text, strlen(text));
	cJSON_free(text);
	cJSON_Delete(root);
	sb_free(&sb);
	return text ? 0 : -ENOMEM;
}

static int print_text(const char *file, const struct ztos_config *cfg,
		      const struct cfg_errors *errs, int err)
{
	struct strbuf sb = {};

	if (!cfg) {
		cfg_errors_print(stderr, errs);
		if (!errs->n)
			fprintf(stderr, "%s: %s\n", file, strerror(-err));
		return 0;
	}
	summary(&sb, cfg);
	if (!sb.err)
		printf("%s: ok\n%s\n", file, sb_str(&sb));
	sb_free(&sb);
	return sb.err;
}

static int validate(struct ztos_ctx *ctx, const char *file)
{
	struct cfg_errors errs = {};
	struct ztos_config *cfg = NULL;
	struct cfg_node *tree = NULL;
	int err, ret;

	err = cfg_load_file(file, &tree, &cfg, &errs);
	if (err)
		cfg = NULL;
	if (ctx->json)
		ret = print_json(file, cfg, &errs);
	else
		ret = print_text(file, cfg, &errs, err);
	cfg_free(cfg);
	cfg_node_free(tree);
	cfg_errors_free(&errs);
	/* An invalid file is a failure, not a usage error: keep -EINVAL away from main. */
	return ret ?: (err ? -EBADMSG : 0);
}

static const struct option validate_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{}
};

static int validate_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	int c;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", validate_opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(validate_help, stdout);
			return 0;
		}
		if (c != 'j')
			return opt_error(ctx, c, argv);
		ctx->json = true;
	}
	if (optind == argc)
		return usage_error(ctx, "which file? ztos config validate FILE");
	if (optind + 1 < argc)
		return usage_error(ctx, "one file at a time ('%s' is extra)", argv[optind + 1]);
	return validate(ctx, argv[optind]);
}

static const struct command config_commands[] = {
	{ "validate", validate_main, "Check a config file (no agent needed)" },
};

int config_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	return dispatch(ctx, "ztos config", config_commands,
			sizeof(config_commands) / sizeof(config_commands[0]), group_help,
			argc - 1, argv + 1);
}
