/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flow table as user space sees it: one table keyed by struct ztos_flow_key, kept
 * by the datapath in two maps: flowtab4 for IPv4 flows (a table of our own in an
 * mmapped array, its layout and protocol in bpf/ztos_common.h), flows (an LRU hash)
 * for the others. The agent and the BPF tests read and write it here.
 */
#ifndef ZTOS_SUBSYS_FLOWTAB_H
#define ZTOS_SUBSYS_FLOWTAB_H

#include <stdbool.h>
#include <stddef.h>

#include "bpf/ztos_common.h"

struct flowtab {
	int fd;				/* flows */
	struct ztos_ft_bucket *b4;	/* flowtab4's buckets, mapped */
	__u32 mask4;			/* its buckets - 1 */
	__u64 seed;			/* flow_seed's value */
	size_t len4;
};

/* Where a walk is: start it zeroed. */
struct flowtab_walk {
	__u32 bucket, way;	/* the next way of flowtab4 to look at */
	bool in_flows;		/* flowtab4 done, now in flows */
};

/* The buckets of a table of flows entries: flows / ZTOS_FT_WAYS, up to a power of two. */
__u32 flowtab_buckets(__u32 flows);

/*
 * The seed for a table about to be loaded under bpffs: the pinned flow_seed's (the
 * table pinned beside it was hashed with it), else a new random one. 0 or -errno.
 */
int flowtab_seed_for(const char *bpffs, __u64 *seed);
/* After the load: seed into flow_seed (seed_fd), where flowtab_open() reads it. */
int flowtab_seed_store(int seed_fd, __u64 seed);

/* t over flows (fd), flowtab4 (fd4, mapped here) and flow_seed (seed_fd). 0 or -errno. */
int flowtab_open(struct flowtab *t, int fd, int fd4, int seed_fd);
void flowtab_close(struct flowtab *t);

/*
 * 0, or -errno (-ENOENT: no such flow). flags as bpf_map_update_elem()'s. An IPv4 flow
 * that is there is written in place, its way held meanwhile so that the programs still
 * find it and no new flow takes it (the programs' counts in between may be lost to the
 * write; -EBUSY: another writer held it each time); a new one takes a way as the
 * programs do (-EBUSY: all its bucket's ways were being written).
 */
int flowtab_lookup(const struct flowtab *t, const struct ztos_flow_key *k, struct ztos_flow *f);
int flowtab_update(const struct flowtab *t, const struct ztos_flow_key *k,
		   const struct ztos_flow *f, __u64 flags);
int flowtab_delete(const struct flowtab *t, const struct ztos_flow_key *k);

/*
 * The key after prev (NULL: the first) in a walk over flowtab4, then flows; 0, or
 * -ENOENT past the last. flowtab4 is walked in place (w says where: prev is not used
 * there, and a flow deleted meanwhile changes nothing); in flows, as with
 * bpf_map_get_next_key(), a prev deleted meanwhile restarts the walk.
 */
int flowtab_next(const struct flowtab *t, struct flowtab_walk *w,
		 const struct ztos_flow_key *prev, struct ztos_flow_key *next);

/* The next IPv4 flow of a walk, key and flow read whole; false past flowtab4's last. */
bool flowtab_next4(const struct flowtab *t, struct flowtab_walk *w, struct ztos_flow_key *k,
		   struct ztos_flow *f);

/* The IPv4 flows in flowtab4. */
size_t flowtab_count4(const struct flowtab *t);

/*
 * Copies into t the IPv4 flows of old_fd: the LRU hash flows4 of an older ztos
 * (struct ztos_flow4_key keys, struct ztos_flow values of value_size bytes). Returns how
 * many, or -errno.
 */
int flowtab_adopt_lru4(const struct flowtab *t, int old_fd, __u32 value_size);

/*
 * Copies into new_fd's table the flows of old_fd's, another flowtab4 (another number of
 * buckets, the same seed: flow_seed's): each flow into its bucket in the new one.
 * Returns how many, or -errno.
 */
int flowtab_rehash4(int old_fd, int new_fd, int seed_fd);

/*
 * Deletes what an older ztos left in flows: its IPv4 flows, which the programs now
 * look up in flowtab4 only. Returns how many, or -errno.
 */
int flowtab_drop_stale4(const struct flowtab *t);

#endif
