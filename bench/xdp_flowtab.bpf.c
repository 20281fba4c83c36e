// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Issue 9's prototype: ztos_xdp_ingress with its IPv4 flow table swapped for one of our
 * own (bench/xdp_flowtab.h) in a BPF ARRAY, everything else the datapath's own code
 * (parsing, admission, policy evaluation, counters, the new-flow event). Measured by
 * bench/xdp_bench.c beside the real program; not part of the datapath.
 *
 * The swap: lib/flow.h comes in first, then ztos_flow_verdict is renamed for
 * bpf/ztos_xdp.bpf.c (included whole at the end), whose ztos_classify() so calls
 * ft_flow_verdict() below: the program is ztos_xdp_ingress with its IPv4 flows here.
 * IPv6 flows still take the real ztos_flow_verdict() (the flows LRU hash).
 */
#include "lib/ztos.h"
#include "lib/flow.h"
#include "xdp_flowtab.h"

const volatile __u32 ft_mask = 0;	/* buckets - 1, a power of two: set by the loader */
/*
 * 1: a new flow is the table's work alone (for the bench's breakdown): no policy
 * evaluation (the verdict is allow), no clock (the jiffy, in ns about), no event.
 */
const volatile __u8 ft_table_only = 0;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, ZTOS_FLOWS_DEFAULT / FT_WAYS);
	__type(key, __u32);
	__type(value, struct ft_bucket);
} flowtab SEC(".maps");

/* Racy plain counters (one CPU runs BPF_PROG_RUN): for the bench's correctness check. */
__u64 ft_evicted;	/* new flows that took a live flow's way */
__u64 ft_unrecorded;	/* new flows that found every way of their bucket busy */

#define FT_READ(x) (*(volatile __u64 *)&(x))

static __always_inline bool ft_key_eq(const struct ztos_flow4_key *a,
				      const struct ztos_flow4_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1];
}

/*
 * The way of b holding key k (tag: its hash's high half), or -1. The state word is read
 * again after the key: a writer that claimed the way meanwhile changed it.
 */
static __always_inline int ft_find(struct ft_bucket *b, const struct ztos_flow4_key *k, __u32 tag)
{
#pragma unroll
	for (int i = 0; i < FT_WAYS; i++) {
		__u64 s = FT_READ(b->head.state[i]);

		if ((s & FT_STATE_MASK) != FT_VALID || b->head.tag[i] != tag)
			continue;
		if (ft_key_eq(&b->slot[i].key, k) && FT_READ(b->head.state[i]) == s)
			return i;
	}
	return -1;
}

/*
 * The way a new flow takes: the first empty one, else the one seen longest ago (ways
 * another CPU is writing are skipped); -1 when all are busy. *state: its state word.
 */
static __always_inline int ft_victim(struct ft_bucket *b, __u32 stamp, __u64 *state)
{
	__u32 oldest = 0;
	int victim = -1;

#pragma unroll
	for (int i = 0; i < FT_WAYS; i++) {
		__u64 s = FT_READ(b->head.state[i]);
		__u32 age;

		if (s & FT_BUSY)
			continue;
		if (!(s & FT_VALID)) {
			*state = s;
			return i;
		}
		age = stamp - b->head.stamp[i];
		if (victim < 0 || age > oldest) {
			victim = i;
			oldest = age;
			*state = s;
		}
	}
	return victim;
}

/*
 * As ztos_flow_new(), into bucket b: the flow's entry, the event. A way lost to another
 * CPU's claim is looked for once more. Two CPUs making the same flow at once may both
 * publish it (in two ways): lookups find the first, the other ages out.
 */
static __always_inline int ft_flow_new(const struct ztos_pkt *p, struct ft_bucket *b,
				       const struct ztos_flow4_key *k, __u32 tag,
				       const struct ztos_tenant_info *t)
{
	__u64 now = ft_table_only ? (__u64)p->jiffies << 22 : bpf_ktime_get_ns();
	__u32 stamp = (__u32)(now >> FT_STAMP_SHIFT);
	__u64 s = 0;
	struct ft_slot *slot;
	struct ztos_flow *f;
	int verdict, w = -1;

	verdict = ft_table_only ? ZTOS_VERDICT_ALLOW
				: ztos_policy_eval(&p->key, t->tenant_id, !p->reverse);
#pragma unroll
	for (int tries = 0; tries < 2 && w < 0; tries++) {
		w = ft_victim(b, stamp, &s);
		if (w >= 0 &&
		    __sync_val_compare_and_swap(&b->head.state[w & (FT_WAYS - 1)], s,
						ft_claimed(s)) != s)
			w = -1;
	}
	if (w < 0) {
		ft_unrecorded++;
		return verdict;
	}
	w &= FT_WAYS - 1;
	if (s & FT_VALID)
		ft_evicted++;
	slot = &b->slot[w];
	f = &slot->flow;
	__builtin_memset(f, 0, sizeof(*f));
	f->packets[ZTOS_DIR_FWD] = 1;
	f->bytes[ZTOS_DIR_FWD] = p->len;
	f->first_seen_ns = now;
	f->last_seen_ns = now;
	f->tenant_id = t->tenant_id;
	f->policy_gen = t->policy_gen;
	f->verdict = verdict;
	f->opener_is_a = !p->reverse;
	f->tcp_flags = p->tcp_flags;
	ztos_flow_seen_jiffies(f) = p->jiffies;
	slot->key = *k;
	b->head.tag[w] = tag;
	b->head.stamp[w] = stamp;
	/* FT_BUSY + 1 = FT_VALID: readers see the way only now (a locked add on x86). */
	__sync_fetch_and_add(&b->head.state[w], 1);
	ztos_count(ZTOS_CNT_NEW_FLOWS);
	if (!ft_table_only)
		ztos_emit(p, ZTOS_EV_NEW_FLOW, 0, verdict, now);
	return verdict;
}

/* ztos_flow_verdict() over the prototype table for IPv4 flows. */
static __always_inline int ft_flow_verdict(struct ztos_pkt *p, const struct ztos_tenant_info *t)
{
	struct ztos_flow4_key k4 __attribute__((aligned(8)));
	struct ft_bucket *b;
	struct ztos_flow *f;
	__u32 idx, tag, stamp;
	int w;
	__u64 h;

	if (!ztos_flow_key_is4(&p->key))
		return ztos_flow_verdict(p, t);
	ztos_flow4_key_of(&p->key, &k4);
	h = ft_hash(&k4);
	idx = (__u32)h & ft_mask;
	tag = (__u32)(h >> 32);
	b = bpf_map_lookup_elem(&flowtab, &idx);
	if (!b)
		return ZTOS_VERDICT_DENY;
	w = ft_find(b, &k4, tag);
	if (w < 0)
		return ft_flow_new(p, b, &k4, tag, t);
	w &= FT_WAYS - 1;
	f = &b->slot[w].flow;
	if (!p->enforce_only) {
		ztos_flow_account(f, p);
		/* The age the eviction compares, written when last_seen_ns moved (once a jiffy). */
		stamp = (__u32)(f->last_seen_ns >> FT_STAMP_SHIFT);
		if (b->head.stamp[w] != stamp)
			b->head.stamp[w] = stamp;
	}
	return ztos_flow_known_verdict(f, p, t);
}

/* The datapath's own program, its IPv4 flows in the table above. */
#define ztos_flow_verdict ft_flow_verdict
#include "ztos_xdp.bpf.c"
