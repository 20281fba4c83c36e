// SPDX-License-Identifier: GPL-2.0-only
/* Errors, freeing, names of enums, and loading a config file in one call. */
#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "internal.h"

int cfg_error_add(struct cfg_errors *errs, const char *where, const char *fmt, ...)
{
	va_list ap;
	int err;

	va_start(ap, fmt);
	err = cfg_error_vadd(errs, where, fmt, ap);
	va_end(ap);
	return err;
}

int cfg_error_vadd(struct cfg_errors *errs, const char *where, const char *fmt, va_list ap)
{
	struct cfg_error *v, e = { 0 };

	if (vasprintf(&e.message, fmt, ap) < 0)
		return -ENOMEM;
	e.where = strdup(where);
	v = reallocarray(errs->v, errs->n + 1, sizeof(*v));
	if (!e.where || !v) {
		free(e.where);
		free(e.message);
		return -ENOMEM;
	}
	v[errs->n++] = e;
	errs->v = v;
	return 0;
}

/* "FILE:LINE:COL" split up; false for a path ("tenants[1].vni") */
static bool where_pos(const char *w, size_t *flen, unsigned long *line, unsigned long *col)
{
	const char *c2 = strrchr(w, ':'), *c1 = c2;
	char *end;

	while (c1 && c1 > w && *--c1 != ':')
		;
	if (!c2 || !c1 || c1 == c2 || *c1 != ':')
		return false;
	*line = strtoul(c1 + 1, &end, 10);
	if (end != c2 || end == c1 + 1)
		return false;
	*col = strtoul(c2 + 1, &end, 10);
	if (*end || end == c2 + 1)
		return false;
	*flen = (size_t)(c1 - w);
	return true;
}

/* File positions first, in file order; paths after them, as they came. */
static bool comes_before(const struct cfg_error *a, const struct cfg_error *b)
{
	unsigned long la, ca, lb, cb;
	size_t fa, fb;
	int cmp;

	if (!where_pos(a->where, &fa, &la, &ca))
		return false;
	if (!where_pos(b->where, &fb, &lb, &cb))
		return true;
	cmp = strncmp(a->where, b->where, fa < fb ? fa : fb);
	if (cmp || fa != fb)
		return cmp ? cmp < 0 : fa < fb;
	return la < lb || (la == lb && ca < cb);
}

void cfg_errors_sort(struct cfg_errors *errs, size_t from)
{
	struct cfg_error tmp;
	size_t i, j;

	/* insertion sort: stable, and a config has few errors */
	for (i = from + 1; i < errs->n; i++) {
		tmp = errs->v[i];
		for (j = i; j > from && comes_before(&tmp, &errs->v[j - 1]); j--)
			errs->v[j] = errs->v[j - 1];
		errs->v[j] = tmp;
	}
}

const char *cfg_node_where(const struct cfg_node *n, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%u:%u", n->file, n->line, n->col);
	return buf;
}

void cfg_errors_print(FILE *f, const struct cfg_errors *errs)
{
	for (size_t i = 0; i < errs->n; i++)
		fprintf(f, "%s: %s\n", errs->v[i].where, errs->v[i].message);
}

cJSON *cfg_errors_json(const struct cfg_errors *errs)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < errs->n; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "location", errs->v[i].where);
		cJSON_AddStringToObject(e, "message", errs->v[i].message);
		cJSON_AddItemToArray(arr, e);
	}
	return arr;
}

void cfg_errors_free(struct cfg_errors *errs)
{
	size_t i;

	if (!errs)
		return;
	for (i = 0; i < errs->n; i++) {
		free(errs->v[i].where);
		free(errs->v[i].message);
	}
	free(errs->v);
	errs->v = NULL;
	errs->n = 0;
}

static void tenant_free(struct ztos_tenant *t)
{
	free(t->vteps);
	free(t->interfaces);
	free(t->subnets);
	free(t->gateways);
	free(t->rules);
	free(t->rt_import);
	free(t->rt_export);
}

static void wireguard_free(struct ztos_wireguard *wg)
{
	size_t i;

	free(wg->private_key_file);
	for (i = 0; i < wg->n_peers; i++)
		free(wg->peers[i].allowed_ips);
	free(wg->peers);
}

static void macsec_free(struct ztos_macsec *m)
{
	size_t i;

	free(m->tx_sa.key_file);
	for (i = 0; i < m->n_peers; i++)
		free(m->peers[i].rx_sa.key_file);
	free(m->peers);
}

static void dpi_free(struct ztos_dpi_cfg *d)
{
	size_t i;

	for (i = 0; i < d->n_rules; i++)
		free(d->rules[i]);
	free(d->rules);
	free(d->rules_dir);
}

void cfg_free(struct ztos_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	free(cfg->api.listen);
	free(cfg->api.socket);
	free(cfg->api.token_file);
	free(cfg->api.tls_cert);
	free(cfg->api.tls_key);
	free(cfg->state_dir);
	free(cfg->bpffs);
	free(cfg->wireguard_go);
	free(cfg->frr.dir);
	free(cfg->log.file);
	free(cfg->log.level);
	for (i = 0; i < cfg->n_tenants; i++)
		tenant_free(&cfg->tenants[i]);
	free(cfg->tenants);
	wireguard_free(&cfg->wireguard);
	macsec_free(&cfg->macsec);
	free(cfg->bgp.peers);
	dpi_free(&cfg->dpi);
	free(cfg);
}

void cfg_changes_free(struct cfg_change *changes, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(changes[i].object);
		free(changes[i].detail);
	}
	free(changes);
}

const char *cfg_change_op_str(enum cfg_change_op op)
{
	switch (op) {
	case CFG_ADD:
		return "add";
	case CFG_REMOVE:
		return "remove";
	case CFG_CHANGE:
		return "change";
	}
	return "?";
}

const char *ztos_action_str(enum ztos_action a)
{
	switch (a) {
	case ZTOS_ALLOW:
		return "allow";
	case ZTOS_DENY:
		return "deny";
	case ZTOS_INSPECT:
		return "inspect";
	}
	return "?";
}

const char *ztos_xdp_mode_str(enum ztos_xdp_mode m)
{
	switch (m) {
	case ZTOS_XDP_AUTO:
		return "auto";
	case ZTOS_XDP_NATIVE:
		return "native";
	case ZTOS_XDP_GENERIC:
		return "generic";
	}
	return "?";
}

const char *ztos_dpi_transport_str(enum ztos_dpi_transport t)
{
	return t == ZTOS_DPI_RING ? "ring" : "afxdp";
}

const char *ztos_dpi_engine_str(enum ztos_dpi_engine e)
{
	switch (e) {
	case ZTOS_DPI_AUTO:
		return "auto";
	case ZTOS_DPI_CPU:
		return "cpu";
	case ZTOS_DPI_CUDA:
		return "cuda";
	case ZTOS_DPI_NOOP:
		return "noop";
	}
	return "?";
}

const char *ztos_addr_str(const struct ztos_addr *a, char *buf, size_t len)
{
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    !inet_ntop(a->family, &a->v6, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *ztos_cidr_str(const struct ztos_cidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s/%u", ztos_addr_str(&c->addr, a, sizeof(a)), c->prefixlen);
	return buf;
}

/* Relative paths in a config are relative to its folder, wherever ztosd was started. */
static char *config_dir(const char *path)
{
	char *copy = strdup(path), *dir = NULL;

	if (copy)
		dir = cfg_path_resolve(NULL, dirname(copy));
	free(copy);
	return dir;
}

int cfg_load_file(const char *path, struct cfg_node **tree, struct ztos_config **out,
		  struct cfg_errors *errs)
{
	struct cfg_node *root = NULL;
	char *dir = NULL;
	int err;

	*out = NULL;
	if (tree)
		*tree = NULL;
	err = cfg_parse_yaml_file(path, &root, errs);
	if (err)
		goto cleanup;
	dir = config_dir(path);
	if (!dir) {
		err = -ENOMEM;
		goto cleanup;
	}
	err = cfg_build(root, dir, out, errs);
	if (!err && tree) {
		*tree = root;
		root = NULL;
	}
cleanup:
	cfg_node_free(root);
	free(dir);
	return err;
}
