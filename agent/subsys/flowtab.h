/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The flow table as user space sees it: one table keyed by struct ztos_flow_key, kept
 * by the datapath in two maps (flows4 for IPv4 flows under a short key, flows for the
 * others; bpf/ztos_common.h). The agent and the BPF tests read it here.
 */
#ifndef ZTOS_SUBSYS_FLOWTAB_H
#define ZTOS_SUBSYS_FLOWTAB_H

#include <stdbool.h>

#include "bpf/ztos_common.h"

struct flowtab {
	int fd;		/* flows */
	int fd4;	/* flows4 */
};

/* Where a walk is: start it zeroed. */
struct flowtab_walk {
	bool in_flows;	/* flows4 done, now in flows */
};

/* 0, or -errno (-ENOENT: no such flow). flags as bpf_map_update_elem()'s. */
int flowtab_lookup(const struct flowtab *t, const struct ztos_flow_key *k, struct ztos_flow *f);
int flowtab_update(const struct flowtab *t, const struct ztos_flow_key *k,
		   const struct ztos_flow *f, __u64 flags);
int flowtab_delete(const struct flowtab *t, const struct ztos_flow_key *k);

/*
 * The key after prev (NULL: the first) in a walk over flows4, then flows; 0, or -ENOENT
 * past the last. As with bpf_map_get_next_key(), a prev deleted meanwhile restarts the
 * walk of its map.
 */
int flowtab_next(const struct flowtab *t, struct flowtab_walk *w,
		 const struct ztos_flow_key *prev, struct ztos_flow_key *next);

/*
 * Deletes what an older ztos left in flows: its IPv4 flows, which the programs now
 * look up in flows4 only. Returns how many, or -errno.
 */
int flowtab_drop_stale4(const struct flowtab *t);

#endif
