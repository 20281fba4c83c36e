/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A prototype flow table of our own for IPv4 flows (issue 9: a new flow <= 250 ns), laid
 * out in one BPF_MAP_TYPE_ARRAY that user space mmaps (BPF_F_MMAPABLE). Shared by
 * bench/xdp_flowtab.bpf.c and the bench's user space: include bpf/ztos_common.h first.
 *
 * Set-associative: a flow's key hashes to one bucket of FT_WAYS ways. A bucket is one
 * array value: a 128-byte head (per way: state word, hash tag, age stamp), then the
 * ways' slots, 128 bytes each (struct ztos_flow, then its struct ztos_flow4_key). The
 * array's values start page-aligned (mmapable), so a head and a slot are each one
 * 128-byte aligned pair of cache lines, the pair the L2 prefetcher fetches together: a
 * known flow reads the head and its slot, a new flow the head and the slot it writes.
 * A full bucket evicts its way with the oldest stamp, whether or not the table is full.
 */
#ifndef ZTOS_BENCH_XDP_FLOWTAB_H
#define ZTOS_BENCH_XDP_FLOWTAB_H

#define FT_WAYS 8

/*
 * A way's state word: FT_BUSY while one writer (BPF making a flow, user space deleting
 * one) owns it, FT_VALID once published; the bits above count claims, so a reader that
 * reads the same word before and after comparing the key knows the slot was not
 * rewritten meanwhile. Claim: compare-and-swap from a word without FT_BUSY to
 * ft_claimed(word); publish: add 1 (FT_BUSY becomes FT_VALID); delete: compare-and-swap
 * from a FT_VALID word to ft_claimed(word) - FT_BUSY (empty, the count moved on).
 */
#define FT_BUSY 1ULL
#define FT_VALID 2ULL
#define FT_STATE_MASK 3ULL
#define ft_claimed(s) ((((s) & ~FT_STATE_MASK) + 4) | FT_BUSY)

struct ft_head {
	__u64 state[FT_WAYS];	/* 64 bits: clang 14 has 64-bit BPF atomics for cpu v2 */
	__u32 tag[FT_WAYS];	/* the hash's high 32 bits: most misses compare no key */
	__u32 stamp[FT_WAYS];	/* last_seen_ns >> 10 (about us, wraps in 73 minutes) */
} __attribute__((aligned(128)));

struct ft_slot {
	struct ztos_flow flow;
	struct ztos_flow4_key key;
} __attribute__((aligned(128)));

struct ft_bucket {
	struct ft_head head;
	struct ft_slot slot[FT_WAYS];
};

#define FT_STAMP_SHIFT 10

/*
 * Multiply-xor over the key's four words, then MurmurHash3's 64-bit finalizer (every
 * input bit moves every output bit: flows that differ in one byte of an address must
 * not share buckets). The low bits pick the bucket, the high 32 are the tag.
 */
static inline __u64 ft_hash(const struct ztos_flow4_key *k)
{
	__u64 h = ((__u64)k->vni_proto << 32 | k->addr_a) * 0x9e3779b97f4a7c15ULL;

	h ^= (__u64)k->addr_b << 32 | (__u32)k->port_a << 16 | k->port_b;
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

#endif
