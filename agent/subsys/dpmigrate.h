/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Pinned maps of another layout than this build's (a ztosd before or after an upgrade
 * pinned them): migrated, not flushed. Before an object is loaded, every map of it that
 * is pinned with another value size, number of entries or flags is moved aside
 * (<name>-migrating, in the same folder); the load then makes and pins this build's map
 * (with its BTF, so bpftool still reads it); the old entries are copied in (a value that
 * grew keeps its old bytes, the new fields are zero); at the end the old pins go.
 *
 * Refused with an error that says what to do: another map type or key size, values that
 * would shrink (a newer ztosd's maps: this build would cut them) and arrays that would
 * lose entries (but for a hash table in an array, which is copied by its own function). Maps that hold nothing of their own (caches, ring buffers, socket maps)
 * are dropped and made again instead.
 *
 * The programs a previous agent left attached keep running on the old maps until the
 * new programs take their place (an XDP link update, a TC filter replace): counts they
 * make in between stay in the old maps; packets are never dropped for it.
 */
#ifndef ZTOS_DPMIGRATE_H
#define ZTOS_DPMIGRATE_H

#include <bpf/libbpf.h>

#include "err.h"

struct dp_migration;

/*
 * A map whose entries sit where their content hashes to (a hash table of our own in an
 * array): of another size, copy() copies its entries, not index by index. copy returns
 * how many it kept, or -errno.
 */
struct dpmig_rehash {
	const char *name;	/* NULL ends a list */
	int (*copy)(int old_fd, int new_fd, void *ctx);
	void *ctx;
};

/*
 * Before bpf_object__load(obj): move aside the pins of obj's maps that this build cannot
 * reuse as they are. disposable: names of maps whose content may be dropped (NULL-ended);
 * rehash: the maps copied by their own function (ended by a NULL name; kept in *m).
 * *m is allocated on first use and collects every object's maps (NULL is fine until then).
 * A migration cut short (a crash between the steps) is taken up again.
 */
int dpmig_prepare(struct dp_migration **m, struct bpf_object *obj, const char *bpffs,
		  const char *const *disposable, const struct dpmig_rehash *rehash,
		  struct ztos_err *e);

/* After bpf_object__load(obj): copy the old entries into obj's new maps. */
int dpmig_copy(struct dp_migration *m, struct bpf_object *obj, struct ztos_err *e);

/* Everything loaded: unpin the old maps (they go with the last program holding them). */
void dpmig_finish(struct dp_migration *m);

/* A load failed: the old maps pinned again where they were, this build's unpinned. */
void dpmig_abort(struct dp_migration *m);

#endif
