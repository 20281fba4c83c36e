/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The two decisions every hook makes, written once for XDP and TC alike (both hand
 * in packet pointers): ztos_underlay() filters VXLAN arriving on the underlay and
 * classifies the tenant frame inside it; ztos_classify() classifies a tenant frame
 * (also what a tenant port sees). Both return an enum ztos_action; the entry points
 * turn it into their hook's return code.
 */
#ifndef ZTOS_LIB_CLASSIFY_H
#define ZTOS_LIB_CLASSIFY_H

#include "lib/ztos.h"
#include "lib/knobs.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/events.h"
#include "lib/flow.h"
#include "lib/cache.h"

enum ztos_action {
	ZTOS_ACT_PASS = 0,
	ZTOS_ACT_DROP,
	ZTOS_ACT_INSPECT,	/* pass, and mirror where the hook can (tenant ports) */
	ZTOS_ACT_PAST_DEPTH,	/* an inspect flow's frame past dpi.inspect_depth: pass */
};

/* A tenant frame of tenant t, at c->pos; p carries vni, hook, len and the outer source. */
static __always_inline int ztos_classify(struct ztos_cursor *c, struct ztos_pkt *p,
					 const struct ztos_tenant_info *t)
{
	__u32 tenant_id = t->tenant_id;
	int verdict;

	switch (ztos_parse_frame(c, p)) {
	case ZTOS_PARSE_OK:
		break;
	case ZTOS_PARSE_NOT_IP:
		if (!p->enforce_only) {
			ztos_count(ZTOS_CNT_INNER_OTHER);
			ztos_tenant_count(tenant_id, p->len, 0, 0);
		}
		return ZTOS_ACT_PASS;
	default:
		ztos_drop(p, ZTOS_DROP_MALFORMED);
		ztos_tenant_count(tenant_id, p->len, 1, 0);
		return ZTOS_ACT_DROP;
	}
	ztos_flow_key_canon(p);
	verdict = ztos_flow_verdict(p, t);
	switch (verdict) {
	case ZTOS_VERDICT_ALLOW:
		if (!p->enforce_only) {
			ztos_count(ZTOS_CNT_ALLOWED);
			ztos_tenant_count(tenant_id, p->len, 0, 0);
		}
		return ZTOS_ACT_PASS;
	case ZTOS_VERDICT_INSPECT:
		if (!p->enforce_only) {
			ztos_count(ZTOS_CNT_INSPECTED);
			ztos_tenant_count(tenant_id, p->len, 0, 1);
		}
		return p->past_depth ? ZTOS_ACT_PAST_DEPTH : ZTOS_ACT_INSPECT;
	case ZTOS_VERDICT_BLOCK:
		ztos_drop(p, ZTOS_DROP_BLOCKED);
		break;
	default:
		ztos_drop(p, ZTOS_DROP_POLICY);
		break;
	}
	ztos_tenant_count(tenant_id, p->len, 1, 0);
	return ZTOS_ACT_DROP;
}

/* Not VXLAN to our port (or not knowably so): none of our business. */
static __always_inline int ztos_pass_other(void)
{
	ztos_count(ZTOS_CNT_PASS_OTHER);
	return ZTOS_ACT_PASS;
}

/*
 * The outer IPv4/IPv6 header (and IPv6's extension headers) up to the UDP header, the
 * VTEP into outer. Returns ZTOS_PARSE_NOT_IP when it is not UDP in IP, or not knowably
 * (a header too short to tell is another protocol's problem); ZTOS_PARSE_TRUNC for an
 * IPv6 extension header chain that cannot be followed to its end.
 */
static __always_inline int ztos_parse_outer_ip(struct ztos_cursor *c, struct ztos_vtep_key *outer,
					       __be16 proto)
{
	if (proto == bpf_htons(ETH_P_IP)) {
		struct ztos_ip4 *ip = c->pos;
		__u32 hlen;

		if ((void *)(ip + 1) > c->end)
			return ZTOS_PARSE_NOT_IP;
		hlen = (ip->vihl & 0x0f) * 4;
		if ((ip->vihl >> 4) != 4 || hlen < sizeof(*ip) || c->pos + hlen > c->end)
			return ZTOS_PARSE_NOT_IP;
		/* A later fragment has no UDP header; without its first it goes nowhere. */
		if (ip->proto != IPPROTO_UDP || (ip->frag_off & bpf_htons(IP_OFFSET)))
			return ZTOS_PARSE_NOT_IP;
		outer->family = ZTOS_AF4;
		outer->addr[0] = ip->saddr;
		c->pos += hlen;
		return ZTOS_PARSE_OK;
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ztos_ip6 *ip6 = c->pos;
		__u8 nexthdr;
		bool later;

		if ((void *)(ip6 + 1) > c->end)
			return ZTOS_PARSE_NOT_IP;
		nexthdr = ip6->nexthdr;
		c->pos = ip6 + 1;
		/* A chain cut short or too long to follow might hide VXLAN: it goes. */
		if (ztos_skip_ip6_ext(c, &nexthdr, &later))
			return ZTOS_PARSE_TRUNC;
		if (nexthdr != IPPROTO_UDP || later)
			return ZTOS_PARSE_NOT_IP;
		outer->family = ZTOS_AF6;
		__builtin_memcpy(outer->addr, ip6->saddr, sizeof(outer->addr));
		return ZTOS_PARSE_OK;
	}
	return ZTOS_PARSE_NOT_IP;
}

/*
 * A packet from the underlay through hook, [data, data_end) of wire_len bytes in all.
 * From the moment the UDP destination port says VXLAN, a packet that does not parse
 * to its inner transport header is dropped: a broken packet never reaches the overlay.
 * A foreign VNI is the path under attack: it writes no more of the stack than the
 * VTEP key it reports, and (cached) reads no hash map.
 */
static __always_inline int ztos_underlay(const struct ztos_hook *hook, void *data,
					 void *data_end, __u32 wire_len)
{
	struct ztos_cursor c = { .pos = data, .end = data_end };
	struct ztos_tenant_info t;
	struct ztos_vtep_key outer;
	struct ztos_ports *ports;
	struct ztos_vxlan *vx;
	struct ztos_pkt p;
	__u64 jiffies;
	__be16 proto;
	int reason;

	__builtin_memset(&outer, 0, sizeof(outer));
	if (l3_device) {
		__u8 *version = c.pos;

		if ((void *)(version + 1) > c.end)
			return ztos_pass_other();
		proto = (*version >> 4) == 4   ? bpf_htons(ETH_P_IP)
			: (*version >> 4) == 6 ? bpf_htons(ETH_P_IPV6)
					       : 0;
	} else if (ztos_parse_eth(&c, &proto)) {
		return ztos_pass_other();
	}
	switch (ztos_parse_outer_ip(&c, &outer, proto)) {
	case ZTOS_PARSE_OK:
		break;
	case ZTOS_PARSE_TRUNC:
		ztos_drop_raw(ZTOS_DROP_MALFORMED, hook, &outer, NULL);
		return ZTOS_ACT_DROP;
	default:
		return ztos_pass_other();
	}

	/* The destination port is known from the UDP header's fourth byte on. */
	ports = c.pos;
	if ((void *)(ports + 1) > c.end || ports->dst != bpf_htons(vxlan_port))
		return ztos_pass_other();
	vx = c.pos + sizeof(struct ztos_udp);
	if ((void *)(vx + 1) > c.end || !(vx->flags & ZTOS_VXLAN_I)) {
		ztos_drop_raw(ZTOS_DROP_MALFORMED, hook, &outer, NULL);
		return ZTOS_ACT_DROP;
	}
	outer.vni = bpf_ntohl(vx->vni) >> 8;
	c.pos = vx + 1;

	jiffies = bpf_jiffies64();
	reason = ztos_admit(&outer, jiffies, &t);
	if (reason) {
		ztos_drop_at(reason, jiffies, hook, &outer, NULL);
		if (reason == ZTOS_DROP_VTEP)
			ztos_tenant_count(t.tenant_id, wire_len - (__u32)(c.pos - data), 1, 0);
		return ZTOS_ACT_DROP;
	}

	/* Field by field: what memset would zero first is written anyway. */
	__builtin_memset(&p.key, 0, sizeof(p.key));
	p.key.vni = outer.vni;
	p.outer = outer;
	p.hook = *hook;
	p.jiffies = jiffies;
	p.len = wire_len - (__u32)(c.pos - data);
	p.tcp_flags = 0;
	p.reverse = 0;
	p.enforce_only = 0;
	p.past_depth = 0;
	return ztos_classify(&c, &p, &t);
}

#endif
