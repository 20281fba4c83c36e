/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * User space over the prototype flow table (bench/xdp_flowtab.h): the array mmapped,
 * flows found, counted, deleted with the same compare-and-swap protocol as BPF, and the
 * correctness check bench/xdp_bench.c runs before it times the prototype.
 */
#ifndef ZTOS_BENCH_FLOWTAB_USER_H
#define ZTOS_BENCH_FLOWTAB_USER_H

#include <stddef.h>
#include <linux/types.h>

#include "bpf/ztos_common.h"
#include "bench/xdp_flowtab.h"
#include "tests/bpf/pkt.h"

struct ft_table {
	struct ft_bucket *b;	/* the map's values, mmapped */
	__u32 n_buckets;	/* a power of two */
	size_t len;
};

/* Maps the BPF_F_MMAPABLE array map_fd of n_buckets buckets. Returns 0 or -errno. */
int ft_open(struct ft_table *t, int map_fd, __u32 n_buckets);
void ft_close(struct ft_table *t);
/* The published flows. */
__u64 ft_count(const struct ft_table *t);
/* Deletes the flows whose addr_b has first octet octet; returns how many. */
long ft_expire(struct ft_table *t, __u8 octet);

/* A prototype program and what the check reads of it. */
struct ft_target {
	int prog_fd;
	int stats_fd;		/* its "stats" PERCPU_ARRAY */
	struct ft_table table;
	volatile __u64 *evicted, *unrecorded;	/* its .bss counters */
};

/*
 * Runs prototype programs on packets and checks their tables: big (no bucket overflows
 * with the flows the check makes) and small (1024 slots: it overflows and must evict,
 * oldest first). fwd: a packet whose inner source is bumped per flow, vni its VNI;
 * rev: the reply to fwd as it is. Prints why on failure. Returns 0 or -1.
 */
int ft_check(struct ft_target *big, struct ft_target *small, const struct pkt *fwd,
	     const struct pkt *rev, __u32 vni);

#endif
