// SPDX-License-Identifier: GPL-2.0-only
/*
 * The generic config tree: maps, lists and scalars with their source location,
 * and the merge used by POST /api/v1/network/configure.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

struct cfg_node *cfg_node_new(enum cfg_type type, const char *file, unsigned int line,
			      unsigned int col)
{
	struct cfg_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->type = type;
	n->line = line;
	n->col = col;
	if (file) {
		n->file = strdup(file);
		if (!n->file) {
			free(n);
			return NULL;
		}
	}
	return n;
}

struct cfg_node *cfg_scalar_new(enum cfg_kind kind, const char *text, size_t len,
				const char *file, unsigned int line, unsigned int col)
{
	struct cfg_node *n = cfg_node_new(CFG_SCALAR, file, line, col);

	if (!n)
		return NULL;
	n->kind = kind;
	n->len = len;
	n->text = malloc(len + 1);
	if (!n->text) {
		cfg_node_free(n);
		return NULL;
	}
	memcpy(n->text, text, len);
	n->text[len] = '\0';
	return n;
}

void cfg_node_free(struct cfg_node *n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i < n->n; i++) {
		if (n->keys)
			cfg_node_free(n->keys[i]);
		cfg_node_free(n->items[i]);
	}
	free(n->keys);
	free(n->items);
	free(n->index);
	free(n->text);
	free(n->file);
	free(n);
}

static int grow(struct cfg_node *n)
{
	size_t cap = n->cap ? n->cap * 2 : 4;
	struct cfg_node **items, **keys;

	if (n->n < n->cap)
		return 0;
	items = reallocarray(n->items, cap, sizeof(*items));
	if (!items)
		return -ENOMEM;
	n->items = items;
	if (n->type == CFG_MAP) {
		keys = reallocarray(n->keys, cap, sizeof(*keys));
		if (!keys)
			return -ENOMEM;
		n->keys = keys;
	}
	n->cap = cap;
	return 0;
}

int cfg_seq_append(struct cfg_node *seq, struct cfg_node *item)
{
	if (grow(seq)) {
		cfg_node_free(item);
		return -ENOMEM;
	}
	seq->items[seq->n++] = item;
	return 0;
}

#define INDEX_FROM 16	/* keys: fewer are scanned */

static uint32_t key_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* The slot of key in map's index: its item's, or the empty one it would take. */
static size_t index_slot(const struct cfg_node *map, const char *key)
{
	size_t mask = map->index_cap - 1, s = key_hash(key) & mask;

	while (map->index[s] && strcmp(map->keys[map->index[s] - 1]->text, key))
		s = (s + 1) & mask;
	return s;
}

/* Item k into the index; a key seen before keeps its first item (as a scan finds it). */
static void index_put(struct cfg_node *map, size_t k)
{
	size_t s = index_slot(map, map->keys[k]->text);

	if (!map->index[s])
		map->index[s] = (uint32_t)(k + 1);
}

/* Sized for n keys and filled; without memory the map is scanned, as a small one is. */
static void index_build(struct cfg_node *map)
{
	size_t cap = 2 * INDEX_FROM;

	while (cap < 2 * map->n)
		cap *= 2;
	free(map->index);
	map->index = calloc(cap, sizeof(*map->index));
	map->index_cap = map->index ? cap : 0;
	for (size_t k = 0; map->index && k < map->n; k++)
		index_put(map, k);
}

int cfg_map_append(struct cfg_node *map, struct cfg_node *key, struct cfg_node *value)
{
	if (grow(map)) {
		cfg_node_free(key);
		cfg_node_free(value);
		return -ENOMEM;
	}
	map->keys[map->n] = key;
	map->items[map->n++] = value;
	if (map->n >= INDEX_FROM && (!map->index || 2 * map->n > map->index_cap))
		index_build(map);
	else if (map->index)
		index_put(map, map->n - 1);
	return 0;
}

struct cfg_node *cfg_node_wrap(const char *key, const struct cfg_node *value)
{
	struct cfg_node *map = cfg_node_new(CFG_MAP, NULL, 0, 0);
	struct cfg_node *k = cfg_scalar_new(CFG_STRING, key, strlen(key), NULL, 0, 0);
	struct cfg_node *v = cfg_node_clone(value);

	if (!map || !k || !v) {
		cfg_node_free(k);
		cfg_node_free(v);
		cfg_node_free(map);
		return NULL;
	}
	/* On failure the map takes key and value with it. */
	if (cfg_map_append(map, k, v)) {
		cfg_node_free(map);
		return NULL;
	}
	return map;
}

int cfg_map_index(const struct cfg_node *map, const char *key, size_t *i)
{
	size_t k;

	if (!map || map->type != CFG_MAP)
		return -ENOENT;
	if (map->index) {
		k = index_slot(map, key);
		if (!map->index[k])
			return -ENOENT;
		*i = map->index[k] - 1;
		return 0;
	}
	for (k = 0; k < map->n; k++) {
		if (!strcmp(map->keys[k]->text, key)) {
			*i = k;
			return 0;
		}
	}
	return -ENOENT;
}

bool cfg_node_has(const struct cfg_node *map, const char *key)
{
	return cfg_map_get(map, key) != NULL;
}

struct cfg_node *cfg_map_get(const struct cfg_node *map, const char *key)
{
	size_t i;

	return cfg_map_index(map, key, &i) ? NULL : map->items[i];
}

const struct cfg_node *cfg_map_path(const struct cfg_node *map, const char *dotted)
{
	char part[64];
	const char *dot;
	size_t len;

	while (map && (dot = strchr(dotted, '.'))) {
		len = (size_t)(dot - dotted);
		if (len >= sizeof(part))
			return NULL;
		memcpy(part, dotted, len);
		part[len] = '\0';
		map = cfg_map_get(map, part);
		dotted = dot + 1;
	}
	return cfg_map_get(map, dotted);
}

bool cfg_is_null(const struct cfg_node *n)
{
	return n && n->type == CFG_SCALAR && n->kind == CFG_NULL;
}

const char *cfg_node_describe(const struct cfg_node *n, char *buf, size_t len)
{
	if (n->type == CFG_MAP)
		return "a map";
	if (n->type == CFG_SEQ)
		return "a list";
	switch (n->kind) {
	case CFG_STRING:
		snprintf(buf, len, "the string '%.40s'", n->text);
		return buf;
	case CFG_NUMBER:
		snprintf(buf, len, "the number %.40s", n->text);
		return buf;
	case CFG_BOOL:
		snprintf(buf, len, "%s", n->text);
		return buf;
	case CFG_NULL:
		break;
	}
	return "nothing (null)";
}

struct cfg_node *cfg_node_clone(const struct cfg_node *n)
{
	struct cfg_node *c;
	struct cfg_node *k, *v;
	size_t i;

	if (n->type == CFG_SCALAR) {
		c = cfg_scalar_new(n->kind, n->text, n->len, n->file, n->line, n->col);
		if (c)
			c->plain = n->plain;
		return c;
	}
	c = cfg_node_new(n->type, n->file, n->line, n->col);
	for (i = 0; c && i < n->n; i++) {
		v = cfg_node_clone(n->items[i]);
		if (n->type == CFG_SEQ) {
			if (!v || cfg_seq_append(c, v))
				goto fail;
			continue;
		}
		k = cfg_node_clone(n->keys[i]);
		if (!k || !v) {
			cfg_node_free(k);
			cfg_node_free(v);
			goto fail;
		}
		if (cfg_map_append(c, k, v))
			goto fail;
	}
	return c;
fail:
	cfg_node_free(c);
	return NULL;
}

/* ---- merge ---- */

/*
 * The lists whose elements have an identity: a patch names the element it changes
 * instead of restating the whole list.
 */
static const struct keyed_list {
	const char *path, *id;
} keyed_lists[] = {
	{ "tenants", "name" },
	{ "wireguard.peers", "name" },
	{ "bgp.peers", "address" },
	{ "macsec.peers", "mac" },
};

static const char *list_id(const char *path)
{
	size_t i;

	for (i = 0; i < sizeof(keyed_lists) / sizeof(keyed_lists[0]); i++)
		if (!strcmp(keyed_lists[i].path, path))
			return keyed_lists[i].id;
	return NULL;
}

/*
 * An element's identity as text that compares with strcmp: an address as inet_ntop writes
 * it ("2001:db8::1" is "2001:DB8:0::1"), anything else (names, MACs) in lower case; "" when
 * the element has none.
 */
typedef char id_text[INET6_ADDRSTRLEN + 2];

static void id_of(const struct cfg_node *elem, const char *id, id_text out)
{
	const struct cfg_node *v = cfg_map_get(elem, id);
	struct ztos_addr a;
	size_t i;

	out[0] = '\0';
	if (!v || v->type != CFG_SCALAR)
		return;
	if (!cfg_parse_addr(v->text, &a)) {
		out[0] = '@';	/* apart from every name */
		ztos_addr_str(&a, out + 1, sizeof(id_text) - 1);
		return;
	}
	/* (an id longer than this is no valid name: the schema says so) */
	for (i = 0; v->text[i] && i + 1 < sizeof(id_text); i++)
		out[i] = (char)tolower((unsigned char)v->text[i]);
	out[i] = '\0';
}

/*
 * The ids of a keyed list, hashed: a patch names each element it changes, and matching
 * them pairwise took seconds for thousands of tenants, under the configure lock.
 */
struct id_index {
	id_text *ids;		/* per base element; "" for removed ones */
	uint32_t *slot;		/* element + 1; 0 empty */
	size_t cap, n;
};

static size_t id_slot(const struct id_index *x, const char *id)
{
	size_t mask = x->cap - 1, s = key_hash(id) & mask;

	while (x->slot[s] && strcmp(x->ids[x->slot[s] - 1], id))
		s = (s + 1) & mask;
	return s;
}

static void id_put(struct id_index *x, size_t i)
{
	size_t s;

	if (!x->ids[i][0])
		return;
	s = id_slot(x, x->ids[i]);
	if (!x->slot[s])
		x->slot[s] = (uint32_t)(i + 1);
}

/* Room for base's elements and patch's (each may be appended). */
static int id_index_build(struct id_index *x, const struct cfg_node *base, size_t more,
			  const char *id)
{
	x->n = base->n;
	x->cap = 16;
	while (x->cap < 2 * (base->n + more))
		x->cap *= 2;
	x->ids = calloc(base->n + more, sizeof(*x->ids));
	x->slot = calloc(x->cap, sizeof(*x->slot));
	if (!x->ids || !x->slot)
		return -ENOMEM;
	for (size_t i = 0; i < base->n; i++) {
		id_of(base->items[i], id, x->ids[i]);
		id_put(x, i);
	}
	return 0;
}

/* The base element whose id is want's; removed ones are NULL in base and found by none. */
static struct cfg_node *find_by_id(const struct cfg_node *base, const struct id_index *x,
				   const char *want, size_t *at)
{
	size_t s;

	if (!want[0])
		return NULL;
	s = id_slot(x, want);
	if (!x->slot[s] || !base->items[x->slot[s] - 1])
		return NULL;
	*at = x->slot[s] - 1;
	return base->items[*at];
}

/* Removed elements are NULL until the merge ends: the others keep their places. */
static void seq_compact(struct cfg_node *seq)
{
	size_t o = 0;

	for (size_t i = 0; i < seq->n; i++)
		if (seq->items[i])
			seq->items[o++] = seq->items[i];
	seq->n = o;
}

static void seq_remove(struct cfg_node *seq, size_t i)
{
	cfg_node_free(seq->items[i]);
	memmove(&seq->items[i], &seq->items[i + 1], (seq->n - i - 1) * sizeof(seq->items[0]));
	seq->n--;
}

static void map_remove(struct cfg_node *map, size_t i)
{
	cfg_node_free(map->keys[i]);
	memmove(&map->keys[i], &map->keys[i + 1], (map->n - i - 1) * sizeof(map->keys[0]));
	seq_remove(map, i);
	/* the items after it moved: their places in the index are stale */
	free(map->index);
	map->index = NULL;
	map->index_cap = 0;
	if (map->n >= INDEX_FROM)
		index_build(map);
}

static bool is_bool(const struct cfg_node *n, const char *text)
{
	return n && n->type == CFG_SCALAR && n->kind == CFG_BOOL && !strcmp(n->text, text);
}

/* "remove: false" is a no-op; dropping it keeps the schema free of a patch-only key. */
static void drop_remove_false(struct cfg_node *elem)
{
	size_t i;

	if (!cfg_map_index(elem, "remove", &i) && is_bool(elem->items[i], "false"))
		map_remove(elem, i);
}

static int merge_node(struct cfg_node *base, const struct cfg_node *patch, const char *path);

static int merge_keyed_elem(struct cfg_node *base, struct id_index *x,
			    const struct cfg_node *elem, const char *id)
{
	struct cfg_node *match = NULL, *copy;
	id_text want;
	size_t at = 0;
	int err;

	/* An element without its id is kept as is: the schema reports the missing key. */
	id_of(elem, id, want);
	match = find_by_id(base, x, want, &at);
	if (is_bool(cfg_map_get(elem, "remove"), "true")) {
		if (match) {
			cfg_node_free(match);
			base->items[at] = NULL;
		}
		return 0;
	}
	if (match && match->type == CFG_MAP && elem->type == CFG_MAP) {
		/* "-": no keyed list lives inside an element, its path needs no name */
		err = merge_node(match, elem, "-");
		drop_remove_false(match);
		return err;
	}
	copy = cfg_node_clone(elem);
	if (!copy)
		return -ENOMEM;
	drop_remove_false(copy);
	if (match) {
		cfg_node_free(base->items[at]);
		base->items[at] = copy;
		return 0;
	}
	err = cfg_seq_append(base, copy);
	if (!err && want[0]) {
		/* over the slot of a removed element of this id, if there is one */
		memcpy(x->ids[base->n - 1], want, sizeof(want));
		x->slot[id_slot(x, want)] = (uint32_t)base->n;
	}
	return err;
}

static int merge_keyed(struct cfg_node *base, const struct cfg_node *patch, const char *id)
{
	struct id_index x = { 0 };
	size_t i;
	int err = id_index_build(&x, base, patch->n, id);

	for (i = 0; !err && i < patch->n; i++)
		err = merge_keyed_elem(base, &x, patch->items[i], id);
	seq_compact(base);
	free(x.ids);
	free(x.slot);
	return err;
}

/* Move src's contents into dst (keeping dst's address) and free the emptied src. */
static void node_take(struct cfg_node *dst, struct cfg_node *src)
{
	struct cfg_node tmp = *dst;

	*dst = *src;
	*src = tmp;
	cfg_node_free(src);
}

/* Keyed lists sit at most two levels down: deeper paths need no name. */
static void child_path(char *buf, size_t len, const char *path, const char *key)
{
	if (!path[0])
		snprintf(buf, len, "%s", key);
	else if (strcmp(path, "-") && !strchr(path, '.'))
		snprintf(buf, len, "%s.%s", path, key);
	else
		snprintf(buf, len, "-");
}

static int merge_map_entry(struct cfg_node *base, const struct cfg_node *key,
			   const struct cfg_node *val, const char *path)
{
	struct cfg_node *k, *v;
	char child[80];
	size_t i;
	int err;

	child_path(child, sizeof(child), path, key->text);
	if (!cfg_map_index(base, key->text, &i)) {
		/* null removes a key, as in JSON merge patch: the only way to drop a section */
		if (cfg_is_null(val)) {
			map_remove(base, i);
			return 0;
		}
		return merge_node(base->items[i], val, child);
	}
	if (cfg_is_null(val))
		return 0;
	k = cfg_node_clone(key);
	/* Merging into an empty node, not copying, drops "remove" elements and nulls. */
	if (val->type == CFG_SCALAR)
		v = cfg_node_clone(val);
	else
		v = cfg_node_new(val->type, val->file, val->line, val->col);
	if (!k || !v) {
		cfg_node_free(k);
		cfg_node_free(v);
		return -ENOMEM;
	}
	err = cfg_map_append(base, k, v);
	if (!err && val->type != CFG_SCALAR)
		err = merge_node(v, val, child);
	return err;
}

static int merge_node(struct cfg_node *base, const struct cfg_node *patch, const char *path)
{
	const char *id = list_id(path);
	struct cfg_node *copy;
	size_t i;
	int err;

	if (base->type == CFG_MAP && patch->type == CFG_MAP) {
		for (i = 0; i < patch->n; i++) {
			err = merge_map_entry(base, patch->keys[i], patch->items[i], path);
			if (err)
				return err;
		}
		return 0;
	}
	if (id && base->type == CFG_SEQ && patch->type == CFG_SEQ)
		return merge_keyed(base, patch, id);
	copy = cfg_node_clone(patch);
	if (!copy)
		return -ENOMEM;
	node_take(base, copy);
	return 0;
}

int cfg_merge(struct cfg_node *base, const struct cfg_node *patch)
{
	if (!base || !patch)
		return -EINVAL;
	return merge_node(base, patch, "");
}
