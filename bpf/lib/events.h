/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Counters (the "stats" table of ztos_common.h), per-tenant counters and ring buffer events. */
#ifndef ZTOS_LIB_EVENTS_H
#define ZTOS_LIB_EVENTS_H

#include "lib/ztos.h"
#include "lib/knobs.h"
#include "lib/maps.h"
#include "lib/parse.h"

/* Per-CPU slots: no atomics needed, user space sums the CPUs. */
static __always_inline void ztos_count(__u32 counter)
{
	__u64 *v = bpf_map_lookup_elem(&stats, &counter);

	if (v)
		*v += 1;
}

static __always_inline void ztos_tenant_count(__u32 tenant_id, __u32 len, __u64 drop,
					      __u64 inspected)
{
	struct ztos_tenant_stats *ts = bpf_map_lookup_elem(&tenant_stats, &tenant_id);

	if (!ts)
		return;
	ts->packets += 1;
	ts->bytes += len;
	ts->drops += drop;
	ts->inspected += inspected;
}

/*
 * Wake the reader once per jiffy, and once per half a ring of records sent since the
 * last wakeup. A wakeup is an irq_work, a self-IPI: in a VM each costs microseconds,
 * and with the default (wake whenever the reader has caught up) a fast reader is
 * woken for nearly every record. Asking the ring how full it is would cost a helper
 * call per record, and once the reader lags past half the ring, an IPI per record
 * until it caught up: the count of records since the last wakeup costs neither. The
 * count is a plain global shared by the CPUs: a race loses an increment or two, which
 * only moves a wakeup by as much. Records sent without a wakeup wait for the next one,
 * so the agent also drains the ring on a timer.
 */
#define ZTOS_EVENTS_WAKE_EVERY (ZTOS_EVENTS_SIZE / 2 / (sizeof(struct ztos_event) + 8))

/* The policy above for a ring whose clock and count are last and unwoken. */
static __always_inline __u64 ztos_ring_wake_flag(__u64 *last, __u64 *unwoken, __u64 every)
{
	__u64 jiffies = bpf_jiffies64();

	if (*last != jiffies || ++*unwoken >= every) {
		*last = jiffies;
		*unwoken = 0;
		return BPF_RB_FORCE_WAKEUP;
	}
	return BPF_RB_NO_WAKEUP;
}

static __always_inline __u64 ztos_wakeup_flag(void)
{
	return ztos_ring_wake_flag(&ztos_wakeup_jiffies, &ztos_events_unwoken,
				   ZTOS_EVENTS_WAKE_EVERY);
}

/*
 * An event about a packet of VXLAN VNI outer->vni from VTEP outer (family 0: from a
 * tenant port). key: the flow, or NULL before the inner frame was parsed.
 */
static __always_inline void ztos_emit_raw(__u32 type, __u32 reason, __u8 verdict, __u64 now,
					  const struct ztos_hook *hook,
					  const struct ztos_vtep_key *outer,
					  const struct ztos_flow_key *key)
{
	struct ztos_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		ztos_count(ZTOS_CNT_EVENTS_LOST);
		return;
	}
	/* Ring buffer memory is not zeroed: every byte is written, padding included. */
	e->ts_ns = now;
	e->type = type;
	e->reason = reason;
	e->ifindex = ztos_hook_ifindex(hook);
	e->verdict = verdict;
	e->outer_family = outer->family;
	e->pad[0] = 0;
	e->pad[1] = 0;
	__builtin_memcpy(e->outer_src, outer->addr, sizeof(e->outer_src));
	if (key) {
		__builtin_memcpy(&e->key, key, sizeof(e->key));
	} else {
		__builtin_memset(&e->key, 0, sizeof(e->key));
		e->key.vni = outer->vni;
	}
	bpf_ringbuf_submit(e, ztos_wakeup_flag());
}

static __always_inline void ztos_emit(const struct ztos_pkt *p, __u32 type, __u32 reason,
				      __u8 verdict, __u64 now)
{
	ztos_emit_raw(type, reason, verdict, now, &p->hook, &p->outer, &p->key);
}

/*
 * Count a drop and report it: at most one event per drop_event_interval_ns, and per
 * jiffy, per reason. A flood of garbage must not flood the ring buffer. The clocks
 * are globals shared by all CPUs (see maps.h): every CPU reads them on every drop
 * and writes them at most once per jiffy, so the cache line stays shared; a race
 * between CPUs can at worst let two events through where one was due.
 *
 * bpf_ktime_get_ns() costs more than the rest of a drop (~40 ns in a VM),
 * bpf_jiffies64() next to nothing (the verifier inlines it as one load). The clock
 * is read at most once per jiffy and CPU: when it says "too soon", or an event goes
 * out, the rest of that jiffy is quiet. An event can come up to a jiffy late.
 */
static __always_inline void ztos_drop_at(__u32 reason, __u64 jiffies,
					 const struct ztos_hook *hook,
					 const struct ztos_vtep_key *outer,
					 const struct ztos_flow_key *key)
{
	__u64 now;

	ztos_count(reason);
	if (reason >= ZTOS_DROP_MAX)
		return;
	if (drop_event_interval_ns) {
		if (ztos_drop_quiet_jiffies[reason] == jiffies)
			return;
		ztos_drop_quiet_jiffies[reason] = jiffies;
	}
	now = bpf_ktime_get_ns();
	if (ztos_drop_last_ns[reason] && now - ztos_drop_last_ns[reason] < drop_event_interval_ns)
		return;
	ztos_drop_last_ns[reason] = now;
	ztos_emit_raw(ZTOS_EV_DROP, reason, ZTOS_VERDICT_DENY, now, hook, outer, key);
}

/* A drop before the jiffy was read; key: NULL before the inner frame was parsed. */
static __always_inline void ztos_drop_raw(__u32 reason, const struct ztos_hook *hook,
					  const struct ztos_vtep_key *outer,
					  const struct ztos_flow_key *key)
{
	ztos_drop_at(reason, bpf_jiffies64(), hook, outer, key);
}

static __always_inline void ztos_drop(const struct ztos_pkt *p, __u32 reason)
{
	ztos_drop_raw(reason, &p->hook, &p->outer, &p->key);
}

#endif
