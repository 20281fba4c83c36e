/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The flow table. A known flow costs one lookup, two atomic adds and a few stores;
 * the policy runs only for a new flow, or when the tenant's policy_gen moved on.
 * IPv4 flows live in flows4 under a 16-byte key, the others in flows (44 bytes): the
 * kernel hashes the whole key on every lookup.
 */
#ifndef ZTOS_LIB_FLOW_H
#define ZTOS_LIB_FLOW_H

#include "lib/ztos.h"
#include "lib/maps.h"
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

/* IPv4 flows live in flows4 (short key), the others in flows. */
static __always_inline struct ztos_flow *ztos_flow_lookup(const struct ztos_pkt *p,
							  const struct ztos_flow4_key *k4)
{
	if (ztos_flow_key_is4(&p->key))
		return bpf_map_lookup_elem(&flows4, k4);
	return bpf_map_lookup_elem(&flows, &p->key);
}

static __always_inline long ztos_flow_insert(const struct ztos_pkt *p,
					     const struct ztos_flow4_key *k4,
					     const struct ztos_flow *f)
{
	if (ztos_flow_key_is4(&p->key))
		return bpf_map_update_elem(&flows4, k4, f, BPF_NOEXIST);
	return bpf_map_update_elem(&flows, &p->key, f, BPF_NOEXIST);
}

/*
 * Insert the flow opened by this packet. Returns the verdict, or -EEXIST when another
 * CPU inserted the same flow first (the caller then takes the known-flow path).
 */
static __always_inline int ztos_flow_new(const struct ztos_pkt *p, const struct ztos_flow4_key *k4,
					 const struct ztos_tenant_info *t)
{
	__u64 now = bpf_ktime_get_ns();
	struct ztos_flow f;
	int verdict, err;

	__builtin_memset(&f, 0, sizeof(f));
	verdict = ztos_policy_eval(&p->key, t->tenant_id, !p->reverse);
	f.packets[ZTOS_DIR_FWD] = 1;
	f.bytes[ZTOS_DIR_FWD] = p->len;
	f.first_seen_ns = now;
	f.last_seen_ns = now;
	f.tenant_id = t->tenant_id;
	f.policy_gen = t->policy_gen;
	f.verdict = verdict;
	f.opener_is_a = !p->reverse;
	f.tcp_flags = p->tcp_flags;
	ztos_flow_seen_jiffies(&f) = p->jiffies;
	err = ztos_flow_insert(p, k4, &f);
	if (err == -EEXIST)
		return err;
	/* On another error (no memory) the flow goes unrecorded; the verdict still holds. */
	if (!err) {
		ztos_count(ZTOS_CNT_NEW_FLOWS);
		ztos_emit(p, ZTOS_EV_NEW_FLOW, 0, verdict, now);
	}
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

/*
 * The verdict for this packet's flow, creating or updating its entry; p->past_depth
 * says whether an inspect flow's copy is due.
 */
static __always_inline int ztos_flow_verdict(struct ztos_pkt *p, const struct ztos_tenant_info *t)
{
	struct ztos_flow4_key k4;
	struct ztos_flow *f;
	int verdict;

	ztos_flow4_key_of(&p->key, &k4);
	f = ztos_flow_lookup(p, &k4);
	if (!f) {
		verdict = ztos_flow_new(p, &k4, t);
		if (verdict != -EEXIST)
			return verdict;
		f = ztos_flow_lookup(p, &k4);
		/* Inserted and evicted again at once: fail closed. */
		if (!f)
			return ZTOS_VERDICT_DENY;
	}
	if (!p->enforce_only)
		ztos_flow_account(f, p);
	return ztos_flow_known_verdict(f, p, t);
}

#endif
