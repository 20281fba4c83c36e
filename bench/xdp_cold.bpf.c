// SPDX-License-Identifier: GPL-2.0-only
/*
 * The machine's floor under a new flow: what one access to a random place in a table
 * of the flow table's size costs a BPF program, against the same access to one place
 * (warm). A new flow cannot cost less than the cold accesses it needs (the hash bucket,
 * the entry taken from the free list): bench/xdp_bench.c prints the new flow in units
 * of this figure beside its ns. The area is an ARRAY of 128-byte values, about the
 * size of a flow entry in the kernel's LRU hash (its hash and LRU nodes, key, value);
 * the loader sizes it like the flow table.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

const volatile __u32 random_index = 0;	/* 0: always slot 0 (warm), 1: a random slot */
const volatile __u32 mask = 0;		/* max_entries - 1, a power of two */

struct slot {
	__u64 words[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct slot);
} area SEC(".maps");

SEC("xdp")
int xdp_cold(struct xdp_md *ctx)
{
	/* The random number is drawn in both modes, so only the access differs. */
	__u32 i = bpf_get_prandom_u32() & mask;
	struct slot *s;

	if (!random_index)
		i = 0;
	s = bpf_map_lookup_elem(&area, &i);
	if (!s)
		return XDP_ABORTED;
	s->words[0]++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
