/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Header parsing shared by every hook. Packet headers are wire formats, not kernel
 * types: they get their own structs here (no bitfields, no CO-RE relocations), and
 * every read is preceded by a bounds check against the end of the packet.
 */
#ifndef ZTOS_LIB_PARSE_H
#define ZTOS_LIB_PARSE_H

#include "lib/ztos.h"

struct ztos_cursor {
	void *pos;
	void *end;
};

struct ztos_eth {
	__u8 dst[6];
	__u8 src[6];
	__be16 proto;
};

struct ztos_vlan {
	__be16 tci;
	__be16 proto;
};

struct ztos_ip4 {
	__u8 vihl;		/* version << 4 | header length in 32-bit words */
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 proto;
	__be16 csum;
	__be32 saddr;
	__be32 daddr;
};

struct ztos_ip6 {
	__be32 vtc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__be32 saddr[4];
	__be32 daddr[4];
};

struct ztos_ports {		/* the first 4 bytes of TCP and UDP */
	__be16 src;
	__be16 dst;
};

struct ztos_udp {
	__be16 src;
	__be16 dst;
	__be16 len;
	__be16 csum;
};

struct ztos_tcp {
	__be16 src;
	__be16 dst;
	__be32 seq;
	__be32 ack;
	__u8 doff;
	__u8 flags;		/* FIN SYN RST PSH ACK URG ECE CWR, from bit 0 */
	__be16 window;
	__be16 csum;
	__be16 urg;
};

#define ZTOS_ICMP_HLEN 8	/* type, code, checksum and 4 bytes every ICMP message has */

struct ztos_vxlan {
	__u8 flags;
	__u8 rsvd[3];
	__be32 vni;		/* vni << 8 | reserved */
};

#define ZTOS_VXLAN_I 0x08	/* RFC 7348: the VNI is valid */

enum ztos_parse {
	ZTOS_PARSE_OK = 0,
	ZTOS_PARSE_NOT_IP,	/* a frame, but not IPv4/IPv6: ARP and the like */
	ZTOS_PARSE_TRUNC,	/* a header cut short or impossible */
};

/* Ethernet and up to two VLAN tags (802.1ad or 802.1Q outer, 802.1Q inner). */
static __always_inline int ztos_parse_eth(struct ztos_cursor *c, __be16 *proto)
{
	struct ztos_eth *eth = c->pos;
	struct ztos_vlan *vlan;

	if ((void *)(eth + 1) > c->end)
		return ZTOS_PARSE_TRUNC;
	*proto = eth->proto;
	c->pos = eth + 1;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (*proto != bpf_htons(ETH_P_8021Q) && *proto != bpf_htons(ETH_P_8021AD))
			break;
		vlan = c->pos;
		if ((void *)(vlan + 1) > c->end)
			return ZTOS_PARSE_TRUNC;
		*proto = vlan->proto;
		c->pos = vlan + 1;
	}
	return ZTOS_PARSE_OK;
}

/*
 * The hook a packet came through. Its ifindex is read only where an event needs it:
 * for XDP that is three dependent loads (xdp_buff -> rxq -> dev -> ifindex), too many
 * for a packet that is only dropped. kind is a constant at every entry point, so the
 * compiler keeps one branch.
 */
enum ztos_hook_kind {
	ZTOS_HOOK_XDP,
	ZTOS_HOOK_TC,
};

struct ztos_hook {
	void *ctx;		/* struct xdp_md or struct __sk_buff */
	__u32 kind;
};

static __always_inline __u32 ztos_hook_ifindex(const struct ztos_hook *h)
{
	if (h->kind == ZTOS_HOOK_XDP)
		return ztos_ctx_u32(h->ctx, struct xdp_md, ingress_ifindex);
	return ztos_ctx_u32(h->ctx, struct __sk_buff, ifindex);
}

/*
 * The packet seen by a hook: the flow key and what the counters and events need.
 * ztos_parse_l3() fills the key with the packet's own direction (a = source); then
 * ztos_flow_key_canon() puts the lower endpoint first and remembers the swap.
 */
struct ztos_pkt {
	struct ztos_flow_key key;
	struct ztos_vtep_key outer;	/* vni and the VTEP; family 0 at tenant ports */
	struct ztos_hook hook;
	__u32 jiffies;		/* the low 32 bits of bpf_jiffies64(), read once per packet */
	__u32 len;		/* bytes of the tenant frame, from its Ethernet header */
	__u8 tcp_flags;
	__u8 reverse;		/* the packet goes from endpoint b to endpoint a */
	/*
	 * Enforce the verdict, count nothing: the packet was counted where it entered the
	 * tenant network on this host (XDP on the underlay, or TC ingress on a tenant
	 * port), and TC egress towards a workload sees it a second time.
	 */
	__u8 enforce_only;
	/* Set by the flow lookup: an "inspect" flow's direction is past ztos_inspect_depth. */
	__u8 past_depth;
};

static __always_inline int ztos_parse_l4(struct ztos_cursor *c, struct ztos_pkt *p)
{
	struct ztos_ports *ports = c->pos;
	struct ztos_tcp *tcp = c->pos;

	switch (p->key.proto) {
	case IPPROTO_TCP:
		if ((void *)(tcp + 1) > c->end)
			return ZTOS_PARSE_TRUNC;
		p->tcp_flags = tcp->flags;
		break;
	case IPPROTO_UDP:
		if ((void *)((struct ztos_udp *)c->pos + 1) > c->end)
			return ZTOS_PARSE_TRUNC;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (c->pos + ZTOS_ICMP_HLEN > c->end)
			return ZTOS_PARSE_TRUNC;
		return ZTOS_PARSE_OK;
	default:
		/* Another transport: a flow of addresses and protocol only. */
		return ZTOS_PARSE_OK;
	}
	p->key.port_a = bpf_ntohs(ports->src);
	p->key.port_b = bpf_ntohs(ports->dst);
	return ZTOS_PARSE_OK;
}

static __always_inline int ztos_parse_ip4(struct ztos_cursor *c, struct ztos_pkt *p)
{
	struct ztos_ip4 *ip = c->pos;
	__u32 hlen;

	if ((void *)(ip + 1) > c->end)
		return ZTOS_PARSE_TRUNC;
	hlen = (ip->vihl & 0x0f) * 4;
	if ((ip->vihl >> 4) != 4 || hlen < sizeof(*ip))
		return ZTOS_PARSE_TRUNC;
	if (c->pos + hlen > c->end)
		return ZTOS_PARSE_TRUNC;
	p->key.family = ZTOS_AF4;
	p->key.proto = ip->proto;
	p->key.addr_a[0] = ip->saddr;
	p->key.addr_b[0] = ip->daddr;
	c->pos += hlen;
	/*
	 * A later fragment carries no transport header: it joins the flow of addresses
	 * and protocol (ports 0). Its first fragment decides whether the packet is ever
	 * reassembled, so this opens no way around a port rule.
	 */
	if (ip->frag_off & bpf_htons(IP_OFFSET))
		return ZTOS_PARSE_OK;
	return ztos_parse_l4(c, p);
}

struct ztos_ip6_ext {		/* hop-by-hop, routing, fragment, destination options, AH */
	__u8 nexthdr;
	__u8 len;		/* in 8-byte units after the first 8 (AH: 4-byte units - 2) */
	__be16 frag_off;	/* fragment header: offset << 3 | M */
	__be32 rest;
};

#define ZTOS_IP6_EXT_MAX 4	/* more than that in one packet: treated as malformed */

/*
 * IPv6 extension headers are followed to the transport header, as the kernel's stack
 * does: a header put before UDP or TCP must not hide VXLAN from the VNI filter, nor a
 * flow from its verdict (the property test, tests/bpf/test_bpf_property.c, found both).
 * *nexthdr in: the IPv6 header's; out: the transport protocol. *later: a fragment that
 * is not the first (no transport header). ZTOS_PARSE_TRUNC when cut short or too long.
 */
static __always_inline int ztos_skip_ip6_ext(struct ztos_cursor *c, __u8 *nexthdr, bool *later)
{
	struct ztos_ip6_ext *x;
	__u32 hlen;

	*later = false;
#pragma unroll
	for (int i = 0; i < ZTOS_IP6_EXT_MAX; i++) {
		__u8 nh = *nexthdr;

		if (nh != 0 && nh != 43 && nh != 44 && nh != 60 && nh != 51)
			return ZTOS_PARSE_OK;
		x = c->pos;
		if ((void *)(x + 1) > c->end)
			return ZTOS_PARSE_TRUNC;
		if (nh == 44) {
			*later |= (x->frag_off & bpf_htons(0xfff8)) != 0;
			hlen = sizeof(*x);
		} else {
			hlen = nh == 51 ? ((__u32)x->len + 2) * 4 : ((__u32)x->len + 1) * 8;
		}
		if (c->pos + hlen > c->end)
			return ZTOS_PARSE_TRUNC;
		*nexthdr = x->nexthdr;
		c->pos += hlen;
	}
	return ZTOS_PARSE_TRUNC;
}

static __always_inline int ztos_parse_ip6(struct ztos_cursor *c, struct ztos_pkt *p)
{
	struct ztos_ip6 *ip6 = c->pos;
	bool later;
	__u8 nexthdr;

	if ((void *)(ip6 + 1) > c->end)
		return ZTOS_PARSE_TRUNC;
	p->key.family = ZTOS_AF6;
	__builtin_memcpy(p->key.addr_a, ip6->saddr, sizeof(p->key.addr_a));
	__builtin_memcpy(p->key.addr_b, ip6->daddr, sizeof(p->key.addr_b));
	nexthdr = ip6->nexthdr;
	c->pos = ip6 + 1;
	if (ztos_skip_ip6_ext(c, &nexthdr, &later))
		return ZTOS_PARSE_TRUNC;
	p->key.proto = nexthdr;
	/* A later fragment joins the flow of addresses and protocol, as IPv4's do. */
	if (later)
		return ZTOS_PARSE_OK;
	return ztos_parse_l4(c, p);
}

/* A tenant frame: Ethernet (VLAN tags allowed), then IPv4/IPv6 and the transport ports. */
static __always_inline int ztos_parse_frame(struct ztos_cursor *c, struct ztos_pkt *p)
{
	__be16 proto;

	if (ztos_parse_eth(c, &proto))
		return ZTOS_PARSE_TRUNC;
	if (proto == bpf_htons(ETH_P_IP))
		return ztos_parse_ip4(c, p);
	if (proto == bpf_htons(ETH_P_IPV6))
		return ztos_parse_ip6(c, p);
	return ZTOS_PARSE_NOT_IP;
}

/* Network order compares as unsigned big-endian numbers: word by word after ntohl. */
static __always_inline int ztos_addr_cmp(const __u32 *a, const __u32 *b)
{
#pragma unroll
	for (int i = 0; i < 4; i++) {
		__u32 x = bpf_ntohl(a[i]), y = bpf_ntohl(b[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/*
 * Both directions of a connection share one key: endpoint a is the lower address,
 * or the lower port when the addresses are equal.
 */
static __always_inline void ztos_flow_key_canon(struct ztos_pkt *p)
{
	struct ztos_flow_key *k = &p->key;
	__u32 tmp[4];
	__u16 port;
	int cmp;

	if (k->family == ZTOS_AF4) {
		/* One word each: the others are 0. */
		__u32 a = bpf_ntohl(k->addr_a[0]), b = bpf_ntohl(k->addr_b[0]);

		if (a < b || (a == b && k->port_a <= k->port_b))
			return;
		k->addr_a[0] = k->addr_b[0];
		k->addr_b[0] = bpf_htonl(a);
		goto ports;
	}
	cmp = ztos_addr_cmp(k->addr_a, k->addr_b);
	if (cmp < 0 || (cmp == 0 && k->port_a <= k->port_b))
		return;
	__builtin_memcpy(tmp, k->addr_a, sizeof(tmp));
	__builtin_memcpy(k->addr_a, k->addr_b, sizeof(tmp));
	__builtin_memcpy(k->addr_b, tmp, sizeof(tmp));
ports:
	port = k->port_a;
	k->port_a = k->port_b;
	k->port_b = port;
	p->reverse = 1;
}

#endif
