/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the config library, shared between its files. The agent and the CLI
 * use config.h only: the tree stays opaque to them so that the schema walker is the
 * one place that knows what a config means.
 */
#ifndef ZTOS_CONFIG_INTERNAL_H
#define ZTOS_CONFIG_INTERNAL_H

#include <stdarg.h>

#include "config.h"

/* Nesting deeper than this is refused by the parsers: nothing in the schema needs
 * more than 6 levels, and the tree code recurses. */
#define CFG_DEPTH_MAX 64
/* Items in one list or map at most: far past any config (4096 tenants), and what keeps a
 * hostile document's checks short. The parsers refuse more. */
#define CFG_ITEMS_MAX 65536

enum cfg_type { CFG_MAP, CFG_SEQ, CFG_SCALAR };
enum cfg_kind { CFG_STRING, CFG_NUMBER, CFG_BOOL, CFG_NULL };

struct cfg_node {
	enum cfg_type type;
	enum cfg_kind kind;	/* scalars only */
	bool plain;		/* unquoted YAML scalar: a bare number is also usable as text */
	char *text;		/* scalars: NUL-terminated; len tells embedded NULs apart */
	size_t len;
	char *file;		/* NULL for nodes that came from JSON */
	unsigned int line, col;	/* 1-based, valid when file is set */
	struct cfg_node **keys;	/* maps: scalar key nodes, parallel to items */
	struct cfg_node **items;
	size_t n, cap;
	/* maps of many keys: a hash of key -> first item (1-based; 0 empty), kept by
	 * cfg_map_append, dropped when a key goes; lookups without it scan */
	uint32_t *index;
	size_t index_cap;	/* a power of two, at least twice n */
};

/* ---- tree.c ---- */

struct cfg_node *cfg_node_new(enum cfg_type type, const char *file, unsigned int line,
			      unsigned int col);
struct cfg_node *cfg_scalar_new(enum cfg_kind kind, const char *text, size_t len,
				const char *file, unsigned int line, unsigned int col);
/* Both take ownership of their nodes, also on failure (they are freed then). */
int cfg_seq_append(struct cfg_node *seq, struct cfg_node *item);
int cfg_map_append(struct cfg_node *map, struct cfg_node *key, struct cfg_node *value);
int cfg_map_index(const struct cfg_node *map, const char *key, size_t *i);
struct cfg_node *cfg_map_get(const struct cfg_node *map, const char *key);
/* "vrf.table": a value some maps down, or NULL */
const struct cfg_node *cfg_map_path(const struct cfg_node *map, const char *dotted);
bool cfg_is_null(const struct cfg_node *n);
/* "a map", "the string 'x'", "the number 5", ...: for "expected X, got Y" messages */
const char *cfg_node_describe(const struct cfg_node *n, char *buf, size_t len);

/* ---- util.c ---- */

int cfg_error_vadd(struct cfg_errors *errs, const char *where, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
/* Order errors[from..] by file position, so that a config reads top to bottom. */
void cfg_errors_sort(struct cfg_errors *errs, size_t from);
/* "FILE:LINE:COL" into buf */
const char *cfg_node_where(const struct cfg_node *n, char *buf, size_t len);

/* ---- values.c: syntax of single values, no error reporting ---- */

int cfg_parse_u64(const char *s, uint64_t *out);	/* -EINVAL: not an integer, -ERANGE */
int cfg_parse_size(const char *s, uint64_t *out);	/* "4096", "64K", "64M", "1G" */
int cfg_parse_addr(const char *s, struct ztos_addr *a);
int cfg_parse_cidr(const char *s, struct ztos_cidr *c);
int cfg_parse_port(const char *s, uint16_t *port);	/* 1..65535 */
/* "HOST:PORT" and "[V6]:PORT"; host is returned as written, without brackets */
int cfg_split_hostport(const char *s, char *host, size_t hostlen, bool *bracketed,
		       uint16_t *port);
int cfg_parse_mac(const char *s, uint8_t mac[6]);
/* NULL when s is a valid Linux interface name, else why not */
const char *cfg_ifname_problem(const char *s);
bool cfg_cidr_host_bits(const struct ztos_cidr *c, struct ztos_cidr *net);
bool cfg_cidr_overlap(const struct ztos_cidr *a, const struct ztos_cidr *b);
bool cfg_addr_equal(const struct ztos_addr *a, const struct ztos_addr *b);
/* Return the decoded length, or -EINVAL / -ENOSPC. */
int cfg_base64_decode(const char *s, size_t len, uint8_t *out, size_t cap);
int cfg_hex_decode(const char *s, size_t len, uint8_t *out, size_t cap);
/* base/p, made absolute against the working folder and without "." or ".." */
char *cfg_path_resolve(const char *base, const char *p);
unsigned int cfg_edit_distance(const char *a, const char *b);

#endif
