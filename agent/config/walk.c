// SPDX-License-Identifier: GPL-2.0-only
/* The schema walker's machinery: paths, error reports, key tables, typed getters. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "walk.h"

size_t path_push_key(struct bctx *c, const char *key)
{
	size_t saved = c->plen;

	snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "%s%s", c->plen ? "." : "", key);
	c->plen = strlen(c->path);
	return saved;
}

size_t path_push_index(struct bctx *c, size_t i)
{
	size_t saved = c->plen;

	snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "[%zu]", i);
	c->plen = strlen(c->path);
	return saved;
}

void path_pop(struct bctx *c, size_t saved)
{
	c->plen = saved;
	c->path[saved] = '\0';
}

int b_err(struct bctx *c, const struct cfg_node *n, const char *fmt, ...)
{
	char where[4096], *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (n && n->file) {
		cfg_node_where(n, where, sizeof(where));
		/* a file position alone does not name the field: the message does */
		if (!msg || cfg_error_add(c->errs, where, "%s%s%s", c->path, c->plen ? ": " : "",
					  msg))
			c->err = -ENOMEM;
	} else {
		snprintf(where, sizeof(where), "%s", c->plen ? c->path : "(top level)");
		if (!msg || cfg_error_add(c->errs, where, "%s", msg))
			c->err = -ENOMEM;
	}
	free(msg);
	return c->err ? c->err : -EINVAL;
}

static const struct field *field_find(const struct field *fields, const char *key)
{
	for (; fields->key; fields++)
		if (!strcmp(fields->key, key))
			return fields;
	return NULL;
}

/* The known key closest to a typo: within two edits, or one a prefix of the other. */
static const char *suggest(const struct field *fields, const char *key)
{
	const char *best = NULL;
	unsigned int d, best_d = 3;
	size_t klen = strlen(key), flen;

	for (; fields->key; fields++) {
		d = cfg_edit_distance(key, fields->key);
		flen = strlen(fields->key);
		if (d > 2 && klen >= 3 &&
		    !strncasecmp(key, fields->key, klen < flen ? klen : flen))
			d = 2;
		if (d < best_d) {
			best = fields->key;
			best_d = d;
		}
	}
	return best;
}

static int unknown_key(struct bctx *c, const struct cfg_node *key, const struct field *fields)
{
	const char *s = suggest(fields, key->text);
	char known[512] = "";
	size_t len = 0;

	if (s)
		return b_err(c, key, "unknown key '%s'; did you mean '%s'?", key->text, s);
	for (; fields->key && len < sizeof(known); fields++)
		len += (size_t)snprintf(known + len, sizeof(known) - len, "%s%s", len ? ", " : "",
					fields->key);
	return b_err(c, key, "unknown key '%s'; the keys here are: %s", key->text, known);
}

static int expect_type(struct bctx *c, const struct cfg_node *v, enum cfg_type type)
{
	char buf[80];

	if (v->type == type)
		return 0;
	return b_err(c, v, "expected %s, got %s", type == CFG_MAP ? "a map (key: value)" : "a list",
		     cfg_node_describe(v, buf, sizeof(buf)));
}

int expect_seq(struct bctx *c, const struct cfg_node *v)
{
	return expect_type(c, v, CFG_SEQ);
}

static void walk_entry(struct bctx *c, const struct cfg_node *key, const struct cfg_node *val,
		       const struct field *fields, void *obj)
{
	const struct field *f = field_find(fields, key->text);
	size_t saved = path_push_key(c, key->text);

	if (!f)
		unknown_key(c, key, fields);
	else if (!cfg_is_null(val))
		f->parse(c, val, obj);
	else if (f->required)
		b_err(c, val, "has no value; %s", f->required);
	path_pop(c, saved);
}

int walk_map(struct bctx *c, const struct cfg_node *map, const struct field *fields, void *obj)
{
	const struct field *f;
	size_t i, saved;
	int err = expect_type(c, map, CFG_MAP);

	if (err)
		return err;
	for (i = 0; i < map->n; i++)
		walk_entry(c, map->keys[i], map->items[i], fields, obj);
	for (f = fields; f->key; f++) {
		if (!f->required || !cfg_map_index(map, f->key, &i))
			continue;
		saved = path_push_key(c, f->key);
		b_err(c, map, "missing; %s", f->required);
		path_pop(c, saved);
	}
	return c->err;
}

int walk_list(struct bctx *c, const struct cfg_node *seq, size_t size, void **arr, size_t *n,
	      field_fn fn)
{
	size_t i, saved;
	char *a;
	int err = expect_seq(c, seq);

	if (err || !seq->n)
		return err;
	a = calloc(seq->n, size);
	if (!a)
		return c->err = -ENOMEM;
	*arr = a;
	*n = seq->n;
	for (i = 0; i < seq->n; i++) {
		saved = path_push_index(c, i);
		fn(c, seq->items[i], a + i * size);
		path_pop(c, saved);
	}
	return c->err;
}

int get_str(struct bctx *c, const struct cfg_node *v, const char **out)
{
	/* a bare YAML number is text as written: "key_id: 01" means the string "01" */
	bool text = v->kind == CFG_STRING || (v->plain && v->kind == CFG_NUMBER);
	char buf[80];

	if (v->type != CFG_SCALAR || !text)
		return b_err(c, v, "expected a string, got %s", cfg_node_describe(v, buf, sizeof(buf)));
	if (strlen(v->text) != v->len)
		return b_err(c, v, "contains a NUL byte");
	*out = v->text;
	return 0;
}

static int integer_type_error(struct bctx *c, const struct cfg_node *v)
{
	uint64_t x;
	char buf[80];

	if (v->type == CFG_SCALAR && v->kind == CFG_STRING && !cfg_parse_u64(v->text, &x))
		return b_err(c, v, "expected an integer, got the string \"%s\"; write it without quotes",
			     v->text);
	if (v->type == CFG_SCALAR && v->kind == CFG_NUMBER)
		return b_err(c, v, "expected a whole number, got %s", v->text);
	return b_err(c, v, "expected an integer, got %s", cfg_node_describe(v, buf, sizeof(buf)));
}

int get_uint(struct bctx *c, const struct cfg_node *v, uint64_t min, uint64_t max,
	     const char *what, uint64_t *out)
{
	uint64_t x = 0;
	int err = -EINVAL;

	if (v->type == CFG_SCALAR && v->kind == CFG_NUMBER)
		err = cfg_parse_u64(v->text, &x);
	if (err == -EINVAL)
		return integer_type_error(c, v);
	if (err || x < min || x > max)
		return b_err(c, v, "%s is out of range; %s is %" PRIu64 "..%" PRIu64, v->text, what,
			     min, max);
	*out = x;
	return 0;
}

int get_bool(struct bctx *c, const struct cfg_node *v, bool *out)
{
	char buf[80];

	if (v->type == CFG_SCALAR && v->kind == CFG_BOOL) {
		*out = !strcmp(v->text, "true");
		return 0;
	}
	return b_err(c, v, "expected true or false, got %s", cfg_node_describe(v, buf, sizeof(buf)));
}

static void join_names(const char *const *names, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (; *names && n < len; names++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? ", " : "", *names);
}

int get_enum(struct bctx *c, const struct cfg_node *v, const char *const *names, int *out)
{
	const char *s, *best = NULL;
	char all[256];
	int i, err = get_str(c, v, &s);

	if (err)
		return err;
	for (i = 0; names[i]; i++) {
		if (!strcmp(s, names[i])) {
			*out = i;
			return 0;
		}
		if (!best && cfg_edit_distance(s, names[i]) <= 2)
			best = names[i];
	}
	join_names(names, all, sizeof(all));
	if (best)
		return b_err(c, v, "'%s' is not one of: %s; did you mean '%s'?", s, all, best);
	return b_err(c, v, "'%s' is not one of: %s", s, all);
}

int get_ifname(struct bctx *c, const struct cfg_node *v, char out[IF_NAMESIZE])
{
	const char *s, *why;
	int err = get_str(c, v, &s);

	if (err)
		return err;
	why = cfg_ifname_problem(s);
	if (why)
		return b_err(c, v, "'%.40s' is not a valid interface name: %s", s, why);
	snprintf(out, IF_NAMESIZE, "%s", s);
	return 0;
}

int get_name(struct bctx *c, const struct cfg_node *v, char out[ZTOS_NAME_MAX + 1])
{
	const char *s;
	size_t len;
	int err = get_str(c, v, &s);

	if (err)
		return err;
	len = strlen(s);
	if (!len || len > ZTOS_NAME_MAX ||
	    strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") != len)
		return b_err(c, v, "'%.40s' is not a valid name; use 1 to %d letters, digits, '_', '.' or '-'",
			     s, ZTOS_NAME_MAX);
	memcpy(out, s, len + 1);
	return 0;
}

int get_addr(struct bctx *c, const struct cfg_node *v, struct ztos_addr *out)
{
	const char *s;
	int err = get_str(c, v, &s);

	if (err)
		return err;
	if (strchr(s, '/'))
		return b_err(c, v, "'%.60s' is a prefix; give a single address, without the /length", s);
	if (cfg_parse_addr(s, out))
		return b_err(c, v, "'%.60s' is not an IPv4 or IPv6 address", s);
	return 0;
}

static int cidr_error(struct bctx *c, const struct cfg_node *v, const char *s, int err)
{
	struct ztos_addr a;

	if (err == -ERANGE)
		return b_err(c, v, "'%.60s': the prefix length is out of range (0..32 for IPv4, 0..128 for IPv6)",
			     s);
	if (!cfg_parse_addr(s, &a))
		return b_err(c, v, "'%.60s' has no prefix length; write %s/%d for this one address", s, s,
			     a.family == AF_INET ? 32 : 128);
	return b_err(c, v, "'%.60s' is not a prefix such as 10.0.0.0/24 or 2001:db8::/64", s);
}

int get_cidr(struct bctx *c, const struct cfg_node *v, bool strict, struct ztos_cidr *out)
{
	char buf[INET6_ADDRSTRLEN + 4];
	struct ztos_cidr net;
	const char *s;
	int err = get_str(c, v, &s);

	if (err)
		return err;
	err = cfg_parse_cidr(s, out);
	if (err)
		return cidr_error(c, v, s, err);
	if (strict && cfg_cidr_host_bits(out, &net))
		return b_err(c, v, "%s has host bits set; did you mean %s?", s,
			     ztos_cidr_str(&net, buf, sizeof(buf)));
	return 0;
}

int get_endpoint(struct bctx *c, const struct cfg_node *v, struct ztos_endpoint *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *s;
	bool v6;
	int err = get_str(c, v, &s);

	if (err)
		return err;
	err = cfg_split_hostport(s, host, sizeof(host), &v6, &out->port);
	if (err == -ERANGE)
		return b_err(c, v, "'%.60s': the port is out of range; a port is 1..65535", s);
	if (err)
		return b_err(c, v, "'%.60s' is not ADDRESS:PORT; write 192.0.2.2:51820 or [2001:db8::2]:51820",
			     s);
	if (cfg_parse_addr(host, &out->addr) || (out->addr.family == AF_INET6) != v6)
		return b_err(c, v, "'%.60s': '%s' is not an %s address%s", s, host, v6 ? "IPv6" : "IPv4",
			     v6 ? "" : " (an IPv6 address goes in brackets: [2001:db8::2]:51820)");
	return 0;
}

int get_path(struct bctx *c, const struct cfg_node *v, char **out)
{
	const char *s;
	char *p;
	int err = get_str(c, v, &s);

	if (err)
		return err;
	if (!*s)
		return b_err(c, v, "is empty; give a path");
	if (s[0] != '/' && !c->base_dir)
		return b_err(c, v, "'%s' is relative and there is no config file to resolve it against; give an absolute path",
			     s);
	p = cfg_path_resolve(c->base_dir, s);
	if (!p)
		return c->err = -ENOMEM;
	free(*out);
	*out = p;
	return 0;
}

int b_err_at(struct bctx *c, const struct cfg_node *n, const char *suffix, const char *fmt, ...)
{
	size_t saved = c->plen;
	char *msg = NULL;
	va_list ap;
	int err;

	/* formatted before the path changes: arguments may point into c->path */
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return c->err = -ENOMEM;
	snprintf(c->path + c->plen, sizeof(c->path) - c->plen, "%s", suffix);
	c->plen = strlen(c->path);
	err = b_err(c, n, "%s", msg);
	path_pop(c, saved);
	free(msg);
	return err;
}

static const char *list_key_text(const struct cfg_node *elem, const char *field)
{
	const struct cfg_node *n = field ? cfg_map_path(elem, field) : elem;

	return n && n->type == CFG_SCALAR ? n->text : "";
}

/* qsort's order for element indices: by key, then by place in the list. */
static const key_text *sort_keys;

static int by_key(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	int d = strcmp(sort_keys[x], sort_keys[y]);

	return d ? d : (x > y) - (x < y);
}


int first_of_each(const key_text *keys, size_t n, size_t *first)
{
	size_t *order = malloc(n * sizeof(*order));

	if (!order)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	sort_keys = keys;	/* the walk is single-threaded, as qsort wants no context */
	qsort(order, n, sizeof(*order), by_key);
	for (size_t i = 0; i < n; i++)
		first[order[i]] = i && !strcmp(keys[order[i]], keys[order[i - 1]]) ?
					  first[order[i - 1]] : order[i];
	free(order);
	return 0;
}

void unique_by(struct bctx *c, const struct cfg_node *seq, const char *field, const void *arr,
	       size_t n, size_t size, key_fn key_of)
{
	const struct cfg_node *at;
	char suffix[96];
	key_text *keys;
	size_t i, j, *first;

	if (!n || seq->type != CFG_SEQ || seq->n != n)
		return;
	keys = calloc(n, sizeof(*keys));
	first = malloc(n * sizeof(*first));
	for (i = 0; keys && i < n; i++)
		key_of((const char *)arr + i * size, keys[i], sizeof(keys[i]));
	if (!keys || !first || first_of_each(keys, n, first)) {
		free(keys);
		free(first);
		c->err = -ENOMEM;
		return;
	}
	for (i = 0; i < n; i++) {
		j = first[i];
		if (!keys[i][0] || j == i)
			continue;
		at = field ? cfg_map_path(seq->items[i], field) : seq->items[i];
		snprintf(suffix, sizeof(suffix), "[%zu]%s%s", i, field ? "." : "", field ? field : "");
		if (field)
			b_err_at(c, at ? at : seq->items[i], suffix, "%s is already used by %s[%zu]",
				 list_key_text(seq->items[i], field), c->path, j);
		else
			b_err_at(c, seq->items[i], suffix, "%s is listed twice (also at %s[%zu]); remove one",
				 list_key_text(seq->items[i], NULL), c->path, j);
	}
	free(keys);
	free(first);
}
