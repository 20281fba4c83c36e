/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Tenant policy: the rules of struct ztos_policy in order, the first match wins, else
 * the default. Evaluated only when a flow is new or its tenant's policy_gen moved, so
 * it is kept out of line: a global function is verified once, on its own, instead of
 * once for every parse path that reaches it (the rule loop would multiply them).
 */
#ifndef ZTOS_LIB_POLICY_H
#define ZTOS_LIB_POLICY_H

#include "lib/ztos.h"
#include "lib/maps.h"

/* Addresses and rule networks are network order; a prefix longer than 32 runs on. */
static __always_inline bool ztos_prefix_match(const __u32 *addr, const __u32 *net, __u32 len)
{
	for (int i = 0; i < 4; i++) {
		int bits = (int)len - 32 * i;
		__u32 mask;

		if (bits <= 0)
			break;
		mask = bits >= 32 ? 0xffffffff : ~(0xffffffffU >> bits);
		if (bpf_ntohl(addr[i] ^ net[i]) & mask)
			return false;
	}
	return true;
}

/* Prefixes count only in a rule with a family: an address means nothing without one. */
static __always_inline bool ztos_rule_match(const struct ztos_rule *r, __u8 family, __u8 proto,
					    const __u32 *src, const __u32 *dst, __u16 sport,
					    __u16 dport)
{
	if (r->proto && r->proto != proto)
		return false;
	if (r->sport && r->sport != sport)
		return false;
	if (r->dport && r->dport != dport)
		return false;
	if (!r->family)
		return true;
	if (r->family != family)
		return false;
	return ztos_prefix_match(src, r->src, r->src_len) &&
	       ztos_prefix_match(dst, r->dst, r->dst_len);
}

/* Fail closed: anything but allow or inspect in a rule or default is deny. */
static __always_inline int ztos_policy_action(__u8 action)
{
	if (action == ZTOS_VERDICT_ALLOW || action == ZTOS_VERDICT_INSPECT)
		return action;
	return ZTOS_VERDICT_DENY;
}

/*
 * The verdict for flow k of tenant tenant_id, seen from the endpoint that opened it
 * (a when opener_is_a). A tenant without a policy entry has the config's default,
 * allow with no rules.
 */
__noinline int ztos_policy_eval(const struct ztos_flow_key *k, __u32 tenant_id,
				__u32 opener_is_a)
{
	const struct ztos_policy *pol;
	const __u32 *src, *dst;
	__u16 sport, dport;
	__u32 n;

	if (!k)
		return ZTOS_VERDICT_DENY;
	pol = bpf_map_lookup_elem(&policy, &tenant_id);
	if (!pol)
		return ZTOS_VERDICT_ALLOW;
	if (opener_is_a) {
		src = k->addr_a;
		dst = k->addr_b;
		sport = k->port_a;
		dport = k->port_b;
	} else {
		src = k->addr_b;
		dst = k->addr_a;
		sport = k->port_b;
		dport = k->port_a;
	}
	n = pol->n_rules;
	for (__u32 i = 0; i < ZTOS_MAX_RULES; i++) {
		const struct ztos_rule *r = &pol->rules[i];

		if (i >= n)
			break;
		if (ztos_rule_match(r, k->family, k->proto, src, dst, sport, dport))
			return ztos_policy_action(r->action);
	}
	return ztos_policy_action(pol->default_verdict);
}

#endif
