/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The schema walker: a context that knows where in the config it is (the dotted
 * path, for messages and for JSON locations), tables of known keys per map, and
 * getters that turn a node into a typed value or report why they cannot.
 *
 * Every getter and field function returns 0, -EINVAL after reporting an error (the
 * walk goes on, to find every error in one run), or -ENOMEM.
 */
#ifndef ZTOS_CONFIG_WALK_H
#define ZTOS_CONFIG_WALK_H

#include "internal.h"

struct bctx {
	struct cfg_errors *errs;
	char *base_dir;		/* absolute; NULL: relative paths are refused */
	char path[512];		/* "tenants[1].vni" */
	size_t plen;
	int err;		/* -ENOMEM once an allocation failed */
	/* macsec key files are checked against the cipher, wherever it is written */
	enum ztos_macsec_cipher cipher;
	bool cipher_known;
	/* dpi.rules_dir, made real: rules files named over the API must be in it */
	const char *rules_dir;
};

typedef int (*field_fn)(struct bctx *c, const struct cfg_node *v, void *obj);

struct field {
	const char *key;
	field_fn parse;
	const char *required;	/* NULL: optional; else what to write, for the message */
};

size_t path_push_key(struct bctx *c, const char *key);
size_t path_push_index(struct bctx *c, size_t i);
void path_pop(struct bctx *c, size_t saved);

/* Report at node n (its file position, else the current path). Returns -EINVAL. */
int b_err(struct bctx *c, const struct cfg_node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Check every key of map against fields, call the parser of each, report the missing. */
int walk_map(struct bctx *c, const struct cfg_node *map, const struct field *fields, void *obj);
/* Allocate n elements of size and call fn on each (with "[i]" on the path). */
int walk_list(struct bctx *c, const struct cfg_node *seq, size_t size, void **arr, size_t *n,
	      field_fn fn);

int get_str(struct bctx *c, const struct cfg_node *v, const char **out);
int get_uint(struct bctx *c, const struct cfg_node *v, uint64_t min, uint64_t max,
	     const char *what, uint64_t *out);
int get_bool(struct bctx *c, const struct cfg_node *v, bool *out);
/* names is NULL-terminated; *out is the index */
int get_enum(struct bctx *c, const struct cfg_node *v, const char *const *names, int *out);
int get_ifname(struct bctx *c, const struct cfg_node *v, char out[IF_NAMESIZE]);
int get_name(struct bctx *c, const struct cfg_node *v, char out[ZTOS_NAME_MAX + 1]);
int get_addr(struct bctx *c, const struct cfg_node *v, struct ztos_addr *out);
/* strict: host bits must be zero (a network, not an interface address) */
int get_cidr(struct bctx *c, const struct cfg_node *v, bool strict, struct ztos_cidr *out);
int get_endpoint(struct bctx *c, const struct cfg_node *v, struct ztos_endpoint *out);
/* An absolute path, resolved against the config's folder; replaces *out. */
int get_path(struct bctx *c, const struct cfg_node *v, char **out);
int expect_seq(struct bctx *c, const struct cfg_node *v);

/*
 * Report list elements whose key (rendered by key_of into text, "" to skip) repeats
 * an earlier one. field is the element's key ("vni", "vrf.table"), NULL for scalars.
 */
typedef void (*key_fn)(const void *elem, char *buf, size_t len);
typedef char key_text[80];
/*
 * first[i]: the first of the n keys equal to keys[i] (i itself when none is before it),
 * by sorting, not by comparing pairs: a list of 40,000 VTEPs took seconds. -ENOMEM or 0.
 */
int first_of_each(const key_text *keys, size_t n, size_t *first);
void unique_by(struct bctx *c, const struct cfg_node *seq, const char *field, const void *arr,
	       size_t n, size_t size, key_fn key_of);

/* secrets.c: files that hold secrets, checked but never echoed */
int check_secret_mode(struct bctx *c, const struct cfg_node *v, const char *path,
		      bool group_read);
int check_readable(struct bctx *c, const struct cfg_node *v, const char *path);
int check_wg_key_file(struct bctx *c, const struct cfg_node *v, const char *path);
int check_macsec_key_file(struct bctx *c, const struct cfg_node *v, const char *path);
int get_wg_public_key(struct bctx *c, const struct cfg_node *v, uint8_t key[32]);

/* Sections, one parser each (obj is the struct ztos_config). */
int f_tenants(struct bctx *c, const struct cfg_node *v, void *obj);
int f_wireguard(struct bctx *c, const struct cfg_node *v, void *obj);
int f_macsec(struct bctx *c, const struct cfg_node *v, void *obj);

/* Report err (as a message naming the item) at the item's node, path set for it. */
int b_err_at(struct bctx *c, const struct cfg_node *n, const char *suffix, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
