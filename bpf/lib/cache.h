/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Caches in front of the tenants and vteps hash maps. A hash lookup is a helper call,
 * a jhash and a key compare: with return thunks (SRSO) and a VM's costs it is the
 * bulk of a packet's time, and every VXLAN packet needed two of them before its flow
 * lookup. Direct-mapped slots (array lookups the verifier inlines, no call) answer
 * instead for the rest of the jiffy they were filled in: tenant_cache (per CPU) for
 * VNIs with a tenant, ztos_vni_absent (.bss, shared) for VNIs without, vtep_cache
 * (per CPU) for both answers about a VTEP. A change to tenants or vteps reaches every
 * packet within one jiffy (<= 10 ms), at once if the agent zeroes the three after it.
 * A flood of ever-new VNIs or VTEP addresses misses the caches and pays the hash
 * lookup, as without them; a flood of one pays it once per jiffy.
 */
#ifndef ZTOS_LIB_CACHE_H
#define ZTOS_LIB_CACHE_H

#include "lib/ztos.h"
#include "lib/maps.h"

/*
 * A zeroed slot (never filled, or zeroed by the agent) is never valid: its jiffy is 0,
 * and jiffies_64 starts at INITIAL_JIFFIES, 2^32 - 300 * HZ on 64-bit, and never wraps.
 */
enum ztos_slot_state {
	ZTOS_SLOT_EMPTY = 0,
	ZTOS_SLOT_FOUND,
	ZTOS_SLOT_ABSENT,	/* the hash map has no such key */
};

/* Whether vni is remembered, this jiffy, as a VNI without a tenant: one load. */
static __always_inline bool ztos_vni_absent_now(__u32 vni, __u64 jiffies, __u64 **slot)
{
	__u32 idx = vni;

	/*
	 * Verifier workaround: left alone, clang re-derives the index for the store
	 * below from a register the verifier knows no bound of. The empty asm makes
	 * the masked index the only one there is.
	 */
	asm volatile("" : "+r"(idx));
	idx &= ZTOS_CACHE_SLOTS - 1;
	*slot = &ztos_vni_absent[idx];
	return **slot == (jiffies << 24 | vni);	/* VNIs are 24 bits */
}

/*
 * The tenant of vni into *out, or false when vni has none. A VNI without a tenant is
 * remembered in ztos_vni_absent, shared by all CPUs as one u64 written and read
 * whole (never torn): the answer to a flood of one foreign VNI is one load.
 */
static __always_inline bool ztos_tenant(__u32 vni, __u64 jiffies, struct ztos_tenant_info *out)
{
	__u32 idx = vni & (ZTOS_CACHE_SLOTS - 1);
	const struct ztos_tenant_info *t;
	struct ztos_tenant_slot *s;
	__u64 *absent;

	if (ztos_vni_absent_now(vni, jiffies, &absent))
		return false;
	s = bpf_map_lookup_elem(&tenant_cache, &idx);
	if (s && s->jiffies == jiffies && s->vni == vni) {
		*out = s->info;
		return true;
	}
	t = bpf_map_lookup_elem(&tenants, &vni);
	if (!t) {
		*absent = jiffies << 24 | vni;
		return false;
	}
	*out = *t;
	if (s) {
		s->jiffies = jiffies;
		s->vni = vni;
		s->info = *t;
	}
	return true;
}

static __always_inline bool ztos_vtep_key_eq(const struct ztos_vtep_key *a,
					     const struct ztos_vtep_key *b)
{
	return a->vni == b->vni && a->family == b->family && a->addr[0] == b->addr[0] &&
	       a->addr[1] == b->addr[1] && a->addr[2] == b->addr[2] && a->addr[3] == b->addr[3];
}

/*
 * Whether the VTEP of k may send k's VNI, and the VNI's tenant into *t: 0, or the drop
 * reason (ZTOS_DROP_UNKNOWN_VNI: *t is not set; ZTOS_DROP_VTEP: it is). One slot of
 * vtep_cache answers both questions for a known pair: a packet of a tenant's traffic
 * makes one cache lookup, not one per map in front of it.
 */
static __always_inline int ztos_admit(const struct ztos_vtep_key *k, __u64 jiffies,
				      struct ztos_tenant_info *t)
{
	__u32 h = (k->vni ^ k->addr[0] ^ k->addr[1] ^ k->addr[2] ^ k->addr[3]) * 0x9E3779B1U;
	__u32 idx = h >> 24;	/* the top bits mix best; 8 bits for 256 slots */
	struct ztos_vtep_slot *s;
	__u64 *absent;
	bool allowed;

	if (ztos_vni_absent_now(k->vni, jiffies, &absent))
		return ZTOS_DROP_UNKNOWN_VNI;
	s = bpf_map_lookup_elem(&vtep_cache, &idx);
	if (s && s->jiffies == jiffies && ztos_vtep_key_eq(&s->key, k)) {
		*t = s->info;
		return s->state == ZTOS_SLOT_FOUND ? 0 : ZTOS_DROP_VTEP;
	}
	if (!ztos_tenant(k->vni, jiffies, t))
		return ZTOS_DROP_UNKNOWN_VNI;
	allowed = bpf_map_lookup_elem(&vteps, k) != NULL;
	if (s) {
		s->state = allowed ? ZTOS_SLOT_FOUND : ZTOS_SLOT_ABSENT;
		s->jiffies = jiffies;
		s->key = *k;
		s->info = *t;
	}
	return allowed ? 0 : ZTOS_DROP_VTEP;
}

#endif
