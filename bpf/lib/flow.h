/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The flow table. A known flow costs one lookup, two atomic adds and a few stores;
 * the policy runs only for a new flow, or when the tenant's policy_gen moved on.
 * IPv4 flows live in flowtab4, a table of our own (its layout and protocol are in
 * ztos_common.h), the others in the LRU hash flows under their 44-byte key.
 */
#ifndef ZTOS_LIB_FLOW_H
#define ZTOS_LIB_FLOW_H

#include "lib/ztos.h"
#include "lib/maps.h"
#include "lib/knobs.h"
#include "lib/events.h"
#include "lib/parse.h"
#include "lib/policy.h"

/*
 * Two things of BPF's own live in struct ztos_flow's padding:
 * pad[0]: a FLOW_BLOCKED event was sent for this flow. User space writing
 *   ZTOS_VERDICT_BLOCK leaves it 0 (or clears it to have the block reported again).
 * pad[1..4] (offset 60, aligned): the low 32 bits of bpf_jiffies64() when
 *   last_seen_ns was last written, see ztos_flow_account().
 */
#define ztos_flow_block_reported(f) ((f)->pad[0])
#define ztos_flow_seen_jiffies(f) (*(__u32 *)&(f)->pad[1])

/* The direction of p in flow f: from the endpoint that opened it, or back. */
static __always_inline __u32 ztos_flow_dir(const struct ztos_flow *f, const struct ztos_pkt *p)
{
	__u8 src_is_a = !p->reverse;

	return src_is_a == f->opener_is_a ? ZTOS_DIR_FWD : ZTOS_DIR_REV;
}

static __always_inline void ztos_flow_account(struct ztos_flow *f, const struct ztos_pkt *p)
{
	__u32 dir = ztos_flow_dir(f, p);
	__u32 jiffies = p->jiffies;

	/* Other CPUs add to the same flow: atomic adds (BPF_XADD), plain stores else. */
	__sync_fetch_and_add(&f->packets[dir], 1);
	__sync_fetch_and_add(&f->bytes[dir], p->len);
	/*
	 * bpf_ktime_get_ns() costs more than the rest of this function (tens of ns in a VM);
	 * bpf_jiffies64() is inlined as one load. last_seen_ns is for idle ageing, so
	 * one reading of the clock per jiffy and flow is exact enough: a flow's
	 * last_seen_ns is the time of its first packet in the jiffy of its last packet.
	 */
	if (ztos_flow_seen_jiffies(f) != jiffies) {
		ztos_flow_seen_jiffies(f) = jiffies;
		f->last_seen_ns = bpf_ktime_get_ns();
	}
	/* Write the flags only when they change: no cache line bouncing for nothing. */
	if ((f->tcp_flags | p->tcp_flags) != f->tcp_flags)
		f->tcp_flags |= p->tcp_flags;
}

/* A new flow's entry. */
static __always_inline void ztos_flow_init(struct ztos_flow *f, const struct ztos_pkt *p,
					   const struct ztos_tenant_info *t, int verdict, __u64 now)
{
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
}

/* ---- IPv6 (and any other family): the LRU hash flows ---- */

/*
 * Insert the flow opened by this packet into flows. Returns the verdict, or -EEXIST
 * when another CPU inserted the same flow first (the caller then takes the known-flow
 * path).
 */
static __always_inline int ztos_flow6_new(const struct ztos_pkt *p,
					  const struct ztos_tenant_info *t)
{
	__u64 now = bpf_ktime_get_ns();
	struct ztos_flow f;
	int verdict, err;

	verdict = ztos_policy_eval(&p->key, t->tenant_id, !p->reverse);
	ztos_flow_init(&f, p, t, verdict, now);
	err = bpf_map_update_elem(&flows, &p->key, &f, BPF_NOEXIST);
	if (err == -EEXIST)
		return err;
	/* On another error (no memory) the flow goes unrecorded; the verdict still holds. */
	if (err) {
		ztos_count(ZTOS_CNT_FLOWS_UNRECORDED);
	} else {
		ztos_count(ZTOS_CNT_NEW_FLOWS);
		ztos_emit(p, ZTOS_EV_NEW_FLOW, 0, verdict, now);
	}
	return verdict;
}

/* ---- IPv4: flowtab4 ---- */

#define ZTOS_FT_READ(x) (*(volatile __u64 *)&(x))

static __always_inline bool ztos_ft_key_eq(const struct ztos_flow4_key *a,
					   const struct ztos_flow4_key *b)
{
	const __u64 *x = (const __u64 *)a, *y = (const __u64 *)b;

	return x[0] == y[0] && x[1] == y[1];
}

/*
 * The way of b holding key k (tag: its hash's high half), or -1; a published way, or
 * one that user space is rewriting in place. The state word is read again after the
 * key: a writer that claimed the way meanwhile changed it.
 */
static __always_inline int ztos_ft_find(struct ztos_ft_bucket *b, const struct ztos_flow4_key *k,
					__u32 tag)
{
#pragma unroll
	for (int i = 0; i < ZTOS_FT_WAYS; i++) {
		__u64 s = ZTOS_FT_READ(b->head.state[i]);

		if (!(s & ZTOS_FT_VALID) || b->head.tag[i] != tag)
			continue;
		if (ztos_ft_key_eq(&b->slot[i].key, k) &&
		    ztos_ft_same_flow(ZTOS_FT_READ(b->head.state[i]), s))
			return i;
	}
	return -1;
}

/*
 * The way a new flow takes: the first empty one, else the fittest to evict (ways
 * another CPU or user space is writing are skipped); -1 when all are busy. *state: its
 * state word.
 */
static __always_inline int ztos_ft_victim(struct ztos_ft_bucket *b, __u32 stamp, __u64 *state)
{
	__u32 best = 0;
	int victim = -1;

#pragma unroll
	for (int i = 0; i < ZTOS_FT_WAYS; i++) {
		__u64 s = ZTOS_FT_READ(b->head.state[i]);
		__u32 fit;

		if (s & ZTOS_FT_BUSY)
			continue;
		if (!(s & ZTOS_FT_VALID)) {
			*state = s;
			return i;
		}
		fit = ztos_ft_evictable(stamp, b->head.stamp[i]);
		if (victim < 0 || fit > best) {
			victim = i;
			best = fit;
			*state = s;
		}
	}
	return victim;
}

/* Way w of b claimed from state s (ztos_common.h); false when another CPU was first. */
static __always_inline bool ztos_ft_take(struct ztos_ft_bucket *b, int w, __u64 s)
{
	return w >= 0 && __sync_val_compare_and_swap(&b->head.state[w & (ZTOS_FT_WAYS - 1)], s,
						     ztos_ft_claimed(s)) == s;
}

/* A way of b claimed for a new flow, *state its word before, or -1: lost twice, or all busy. */
static __always_inline int ztos_ft_claim(struct ztos_ft_bucket *b, __u32 stamp, __u64 *state)
{
	int w = ztos_ft_victim(b, stamp, state);

	if (ztos_ft_take(b, w, *state))
		return w;
	w = ztos_ft_victim(b, stamp, state);
	return ztos_ft_take(b, w, *state) ? w : -1;
}

/*
 * As ztos_flow6_new(), into bucket b: the flow's entry, the event. Two CPUs making the
 * same flow at once may both publish it (in two ways): lookups find the first, the
 * other ages out.
 */
static __always_inline int ztos_flow4_new(const struct ztos_pkt *p, struct ztos_ft_bucket *b,
					  const struct ztos_flow4_key *k, __u32 tag,
					  const struct ztos_tenant_info *t)
{
	__u64 now = bpf_ktime_get_ns(), s = 0;
	__u32 stamp = ztos_ft_stamp(now, 0);
	struct ztos_ft_slot *slot;
	int verdict, w;

	verdict = ztos_policy_eval(&p->key, t->tenant_id, !p->reverse);
	w = ztos_ft_claim(b, stamp, &s);
	if (w < 0) {
		ztos_count(ZTOS_CNT_FLOWS_UNRECORDED);	/* the verdict still holds */
		return verdict;
	}
	w &= ZTOS_FT_WAYS - 1;
	if (s & ZTOS_FT_VALID)
		ztos_count(ZTOS_CNT_FLOWS_EVICTED);
	slot = &b->slot[w];
	ztos_flow_init(&slot->flow, p, t, verdict, now);
	slot->key = *k;
	b->head.tag[w] = tag;
	b->head.stamp[w] = stamp;
	/* ZTOS_FT_BUSY + 1 = ZTOS_FT_VALID: readers see the way only now (a locked add). */
	__sync_fetch_and_add(&b->head.state[w], 1);
	ztos_count(ZTOS_CNT_NEW_FLOWS);
	ztos_emit(p, ZTOS_EV_NEW_FLOW, 0, verdict, now);
	return verdict;
}

/*
 * Whether p, of an "inspect" flow f, comes after the first ztos_inspect_depth bytes of
 * its direction: the frame that reaches the depth is still copied, the next ones are
 * not. f's counters already hold p (counted here, or where it entered this host); a
 * count short of p (never expected) means copy, not skip. The depth is at most 2^40: no
 * overflow.
 */
static __always_inline bool ztos_flow_past_depth(const struct ztos_flow *f,
						 const struct ztos_pkt *p)
{
	__u64 depth = ztos_inspect_depth;

	return depth && f->bytes[ztos_flow_dir(f, p) & 1] >= depth + p->len;
}

/*
 * The verdict of a flow in the table (its packet already counted): the policy again if
 * it changed, the block reported once, p->past_depth for an inspect flow.
 */
static __always_inline int ztos_flow_known_verdict(struct ztos_flow *f, struct ztos_pkt *p,
						   const struct ztos_tenant_info *t)
{
	int verdict = f->verdict;

	/* A DPI block outlives policy changes; anything else follows the current policy. */
	if (verdict != ZTOS_VERDICT_BLOCK && f->policy_gen != t->policy_gen) {
		verdict = ztos_policy_eval(&p->key, t->tenant_id, f->opener_is_a);
		f->verdict = verdict;
		f->policy_gen = t->policy_gen;
	}
	if (verdict == ZTOS_VERDICT_BLOCK && !ztos_flow_block_reported(f)) {
		/* Two CPUs may both get here for one flow: a rare duplicate event, no harm. */
		ztos_flow_block_reported(f) = 1;
		ztos_emit(p, ZTOS_EV_FLOW_BLOCKED, ZTOS_DROP_BLOCKED, verdict, bpf_ktime_get_ns());
	}
	if (verdict == ZTOS_VERDICT_INSPECT)
		p->past_depth = ztos_flow_past_depth(f, p);
	return verdict;
}

/* ztos_flow_verdict() of an IPv4 packet. */
static __always_inline int ztos_flow4_verdict(struct ztos_pkt *p, const struct ztos_tenant_info *t)
{
	struct ztos_flow4_key k4 __attribute__((aligned(8)));
	struct ztos_ft_bucket *b;
	struct ztos_flow *f;
	__u32 idx, tag, stamp;
	int w, verdict;
	__u64 h;

	ztos_flow4_key_of(&p->key, &k4);
	h = ztos_ft_hash(&k4, ztos_ft_seed);
	idx = (__u32)h & ztos_ft_mask;
	tag = (__u32)(h >> 32);
	b = bpf_map_lookup_elem(&flowtab4, &idx);
	if (!b)
		return ZTOS_VERDICT_DENY;	/* the loader's mask is wrong: fail closed */
	w = ztos_ft_find(b, &k4, tag);
	if (w < 0)
		return ztos_flow4_new(p, b, &k4, tag, t);
	w &= ZTOS_FT_WAYS - 1;
	f = &b->slot[w].flow;
	if (p->enforce_only)
		return ztos_flow_known_verdict(f, p, t);
	ztos_flow_account(f, p);
	verdict = ztos_flow_known_verdict(f, p, t);
	/* What the eviction compares, written when it changed (last_seen_ns: once a jiffy). */
	stamp = ztos_ft_stamp(f->last_seen_ns, verdict);
	if (b->head.stamp[w] != stamp)
		b->head.stamp[w] = stamp;
	return verdict;
}

/* ztos_flow_verdict() of an IPv6 packet. */
static __always_inline int ztos_flow6_verdict(struct ztos_pkt *p, const struct ztos_tenant_info *t)
{
	struct ztos_flow *f = bpf_map_lookup_elem(&flows, &p->key);
	int verdict;

	if (!f) {
		verdict = ztos_flow6_new(p, t);
		if (verdict != -EEXIST)
			return verdict;
		f = bpf_map_lookup_elem(&flows, &p->key);
		/* Inserted and evicted again at once: fail closed. */
		if (!f)
			return ZTOS_VERDICT_DENY;
	}
	if (!p->enforce_only)
		ztos_flow_account(f, p);
	return ztos_flow_known_verdict(f, p, t);
}

/*
 * The verdict for this packet's flow, creating or updating its entry; p->past_depth
 * says whether an inspect flow's copy is due.
 */
static __always_inline int ztos_flow_verdict(struct ztos_pkt *p, const struct ztos_tenant_info *t)
{
	if (ztos_flow_key_is4(&p->key))
		return ztos_flow4_verdict(p, t);
	return ztos_flow6_verdict(p, t);
}

#endif
