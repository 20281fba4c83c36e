/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Crafted packets for BPF_PROG_RUN: a buffer and one append function per header, so a
 * test reads like the packet it builds. Lengths and checksums are filled in where the
 * kernel's test harness or a reader could care; the ztos programs check neither.
 * Shared by tests/bpf/ and bench/ so that every measurement uses the same packets.
 */
#ifndef ZTOS_TESTS_BPF_PKT_H
#define ZTOS_TESTS_BPF_PKT_H

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#define PKT_MAX 512

struct pkt {
	uint8_t b[PKT_MAX];
	size_t len;
	size_t l3_off;		/* where the last IP header starts, for pkt_fix_lengths() */
	size_t l4_off;		/* where the last UDP header starts (0: none) */
	size_t outer_ip_off;	/* first IP header, and its UDP header (the VXLAN one) */
	size_t outer_udp_off;
	int outer_ip_family;
	int ip_family;
};

static inline void *pkt_put(struct pkt *p, size_t n)
{
	void *at = p->b + p->len;

	memset(at, 0, n);
	p->len += n;
	return at;
}

static inline void pkt_put16(struct pkt *p, uint16_t v)
{
	v = htons(v);
	memcpy(pkt_put(p, 2), &v, 2);
}

/* Ethernet, then one tag per entry of tpids (0x88a8 or 0x8100), then ethertype. */
static inline void pkt_eth(struct pkt *p, const uint16_t *tpids, int n_tags, uint16_t ethertype)
{
	static const uint8_t dst[6] = { 0x02, 0, 0, 0, 0, 0x01 };
	static const uint8_t src[6] = { 0x02, 0, 0, 0, 0, 0x02 };

	memcpy(pkt_put(p, 6), dst, 6);
	memcpy(pkt_put(p, 6), src, 6);
	for (int i = 0; i < n_tags; i++) {
		pkt_put16(p, tpids[i]);
		pkt_put16(p, 100 + i);	/* VLAN id */
	}
	pkt_put16(p, ethertype);
}

static inline uint32_t pkt_ip4_addr(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return a.s_addr;
}

static inline void pkt_ip4(struct pkt *p, const char *src, const char *dst, uint8_t proto)
{
	uint8_t *h;
	uint32_t a;

	if (!p->outer_ip_family) {
		p->outer_ip_family = 4;
		p->outer_ip_off = p->len;
	}
	p->ip_family = 4;
	p->l3_off = p->len;
	h = pkt_put(p, 20);
	h[0] = 0x45;
	h[8] = 64;
	h[9] = proto;
	a = pkt_ip4_addr(src);
	memcpy(h + 12, &a, 4);
	a = pkt_ip4_addr(dst);
	memcpy(h + 16, &a, 4);
}

static inline void pkt_ip6(struct pkt *p, const char *src, const char *dst, uint8_t nexthdr)
{
	uint8_t *h;

	if (!p->outer_ip_family) {
		p->outer_ip_family = 6;
		p->outer_ip_off = p->len;
	}
	p->ip_family = 6;
	p->l3_off = p->len;
	h = pkt_put(p, 40);
	h[0] = 0x60;
	h[6] = nexthdr;
	h[7] = 64;
	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, dst, h + 24);
}

static inline void pkt_udp(struct pkt *p, uint16_t sport, uint16_t dport)
{
	if (!p->outer_udp_off)
		p->outer_udp_off = p->len;
	p->l4_off = p->len;
	pkt_put16(p, sport);
	pkt_put16(p, dport);
	pkt_put(p, 4);		/* length (pkt_fix_lengths) and checksum 0 */
}

static inline void pkt_tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags)
{
	uint8_t *h;

	pkt_put16(p, sport);
	pkt_put16(p, dport);
	h = pkt_put(p, 16);
	h[8] = 5 << 4;		/* data offset */
	h[9] = flags;
	h[10] = 0xff;		/* window */
}

static inline void pkt_icmp_echo(struct pkt *p)
{
	uint8_t *h = pkt_put(p, 8);

	h[0] = p->ip_family == 6 ? 128 : 8;
}

static inline void pkt_vxlan(struct pkt *p, uint8_t flags, uint32_t vni)
{
	uint8_t *h = pkt_put(p, 8);

	h[0] = flags;
	h[4] = vni >> 16;
	h[5] = vni >> 8;
	h[6] = vni;
}

static inline void pkt_bytes(struct pkt *p, size_t n)
{
	uint8_t *h = pkt_put(p, n);

	for (size_t i = 0; i < n; i++)
		h[i] = (uint8_t)i;
}

static inline uint16_t pkt_csum(const uint8_t *h, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)h[i] << 8 | h[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static inline void pkt_fix_ip(struct pkt *p, size_t off, int family)
{
	uint8_t *h = p->b + off;
	uint16_t v;

	if (family == 4) {
		v = htons((uint16_t)(p->len - off));
		memcpy(h + 2, &v, 2);
		h[10] = h[11] = 0;
		v = htons(pkt_csum(h, 20));
		memcpy(h + 10, &v, 2);
	} else {
		v = htons((uint16_t)(p->len - off - 40));
		memcpy(h + 4, &v, 2);
	}
}

/* IP total/payload lengths, IPv4 header checksums and UDP lengths, outer and inner. */
static inline void pkt_fix_lengths(struct pkt *p)
{
	uint16_t v;

	if (p->outer_ip_family)
		pkt_fix_ip(p, p->outer_ip_off, p->outer_ip_family);
	if (p->l3_off != p->outer_ip_off)
		pkt_fix_ip(p, p->l3_off, p->ip_family);
	if (p->outer_udp_off) {
		v = htons((uint16_t)(p->len - p->outer_udp_off));
		memcpy(p->b + p->outer_udp_off + 4, &v, 2);
	}
	if (p->l4_off && p->l4_off != p->outer_udp_off) {
		v = htons((uint16_t)(p->len - p->l4_off));
		memcpy(p->b + p->l4_off + 4, &v, 2);
	}
}

/* The usual VXLAN packet: Ethernet, IPv4 from vtep to 192.0.2.1, UDP to dport, VXLAN. */
static inline void pkt_vxlan4_outer(struct pkt *p, const char *vtep, uint16_t dport, uint32_t vni)
{
	pkt_eth(p, NULL, 0, 0x0800);
	pkt_ip4(p, vtep, "192.0.2.1", 17);
	pkt_udp(p, 49152, dport);
	pkt_vxlan(p, 0x08, vni);
}

/* The inner frame: Ethernet, IPv4 src -> dst, UDP sport -> dport, 64 bytes of payload. */
static inline void pkt_inner_udp4(struct pkt *p, const char *src, uint16_t sport, const char *dst,
				  uint16_t dport)
{
	pkt_eth(p, NULL, 0, 0x0800);
	pkt_ip4(p, src, dst, 17);
	pkt_udp(p, sport, dport);
	pkt_bytes(p, 64);
}

#endif
