// SPDX-License-Identifier: GPL-2.0-only
/*
 * A property test of the datapath: over a million random and mutated packets through
 * BPF_PROG_RUN (ztos_xdp_ingress and ztos_tc_underlay with whole underlay packets,
 * ztos_tc_ingress with tenant frames at a tenant port), against an oracle that reads
 * each packet the way the kernel's stack would deliver it (IPv4 options and fragments,
 * IPv6 extension headers, VLAN tags), independently of bpf/lib/parse.h:
 *
 *   - a VXLAN packet (UDP to 4789) whose VNI has no tenant is never passed;
 *   - one from a VTEP not allowed to send its VNI is never passed;
 *   - one whose VXLAN header is cut short or lacks the I flag is never passed;
 *   - a tenant frame of a flow with verdict BLOCK is never passed, either way;
 *   - every verdict is one of the hook's documented two (XDP_DROP/XDP_PASS,
 *     TC_ACT_SHOT/TC_ACT_OK).
 *
 * Packets are built from templates (the allowed and the forbidden VNIs and VTEPs, the
 * blocked flows' tuples, tags, options, extension headers), then half of them mutated
 * (bytes flipped, cut, grown). The generator is seeded (PROPERTY_SEED, else the time; the
 * seed is printed) so a failure can be run again; the first few counterexamples are
 * printed as hex. PROPERTY_SHARE=N runs N % of the packets (the VM suite, where qemu's
 * emulation makes the million take minutes; make test on the host runs them all). Prints
 * TAP; runs in its own namespaces (sandbox.h).
 */
#include <arpa/inet.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/ztos_common.h"
#include "bpf/ztos_tc.skel.h"
#include "bpf/ztos_xdp.skel.h"
#include "subsys/flowtab.h"
#include "sandbox.h"

#define PIN_ROOT "/sys/fs/bpf/ztos-property"
#define PORT "ztos-p0"
#define FLOWS_MAX 65536
#define FT_BUCKETS (4 * FLOWS_MAX / ZTOS_FT_WAYS)
#define FT_SEED 0x9e3779b97f4a7c15ULL
#define BATCH 8192		/* packets between resets of the flow table (no eviction, see load()) */
#define N_XDP 600000
#define N_TC_UNDERLAY 200000
#define N_TC_PORT 300000
#define N_MIN 1000000		/* what issue 12 asks for */
#define PKT_MAX 600
#define PKT_MIN 14		/* BPF_PROG_RUN refuses less than an Ethernet header */
#define SHOW_MAX 5

#define XDP_DROP 1
#define XDP_PASS 2
#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

/* The config the maps hold: two tenants, their VTEPs, a few blocked flows of VNI 100. */
#define VNI_A 100
#define VNI_B 101
static const char *const vteps_a[] = { "192.0.2.2", "2001:db8::2" };
static const char *const vteps_b[] = { "192.0.2.3" };
static const char *const others[] = { "192.0.2.9", "2001:db8::9", "192.0.2.3", "10.0.0.1" };

struct tuple {
	int family;
	uint8_t proto;
	const char *a, *b;
	uint16_t pa, pb;
};

static const struct tuple blocked[] = {
	{ 4, 6, "10.100.0.1", "10.100.0.2", 40000, 80 },
	{ 4, 17, "10.100.0.3", "10.100.0.2", 5353, 53 },
	{ 6, 6, "fd00::1", "fd00::2", 40001, 443 },
	{ 6, 17, "fd00::3", "fd00::2", 9999, 4789 },
};
#define N_BLOCKED (sizeof(blocked) / sizeof(blocked[0]))

static struct ztos_xdp *xdp;
static struct ztos_tc *tc;
static struct flowtab ft;	/* the flow table as the agent maps it */
static int port_ifindex;
static uint64_t rng_state;

/* ---- random numbers (xorshift64*: seeded, the same run again from the seed) ---- */

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint32_t below(uint32_t n)
{
	return (uint32_t)(rnd() % n);
}

static bool chance(unsigned int percent)
{
	return below(100) < percent;
}

/* ---- building packets ---- */

struct buf {
	uint8_t b[PKT_MAX];
	size_t len;
};

static uint8_t *put(struct buf *p, size_t n)
{
	uint8_t *at = p->b + p->len;

	if (p->len + n > PKT_MAX)
		n = PKT_MAX - p->len;
	memset(at, 0, n);
	p->len += n;
	return at;
}

static void put16(struct buf *p, uint16_t v)
{
	uint8_t *h = put(p, 2);

	h[0] = v >> 8;
	h[1] = (uint8_t)v;
}

static void eth(struct buf *p, uint16_t type)
{
	static const uint16_t tpids[] = { 0x8100, 0x88a8 };
	int tags = chance(80) ? 0 : (int)below(3);

	put(p, 12)[0] = 0x02;
	for (int i = 0; i < tags; i++) {
		put16(p, tpids[below(2)]);
		put16(p, (uint16_t)below(4096));
	}
	put16(p, type);
}

/* IPv4 with options sometimes and a fragment offset rarely; total length fixed later. */
static size_t ip4(struct buf *p, const char *src, const char *dst, uint8_t proto)
{
	size_t at = p->len;
	int opt_words = chance(85) ? 0 : (int)below(11);
	uint8_t *h = put(p, 20);

	h[0] = (uint8_t)(0x40 | (5 + opt_words));
	h[8] = 64;
	h[9] = proto;
	if (chance(5))
		h[6] = chance(50) ? 0x20 : (uint8_t)below(256);	/* MF, or an offset */
	inet_pton(AF_INET, src, h + 12);
	inet_pton(AF_INET, dst, h + 16);
	for (int i = 0; i < opt_words * 4; i++)
		put(p, 1)[0] = i ? 0 : 1;	/* NOP, then padding */
	return at;
}

/* IPv6, with extension headers (hop-by-hop, destination options, routing, a fragment
 * header) before proto sometimes. */
static size_t ip6(struct buf *p, const char *src, const char *dst, uint8_t proto)
{
	static const uint8_t kinds[] = { 0, 60, 43, 44 };
	size_t at = p->len;
	int n_ext = chance(75) ? 0 : 1 + (int)below(3);
	uint8_t *h = put(p, 40), *prev = h + 6;

	h[0] = 0x60;
	h[7] = 64;
	inet_pton(AF_INET6, src, h + 8);
	inet_pton(AF_INET6, dst, h + 24);
	for (int i = 0; i < n_ext; i++) {
		uint8_t kind = kinds[below(4)], *x;

		*prev = kind;
		if (kind == 44) {
			x = put(p, 8);
			if (chance(10))
				x[3] = 0x08;	/* a later fragment */
		} else {
			int len8 = (int)below(3);

			x = put(p, 8 + 8 * len8);
			x[1] = (uint8_t)len8;
		}
		prev = x;
	}
	*prev = proto;
	return at;
}

static void l4(struct buf *p, uint8_t proto, uint16_t sport, uint16_t dport)
{
	uint8_t *h;
	size_t n;

	if (proto == 6) {
		put16(p, sport);
		put16(p, dport);
		h = put(p, 16);
		h[8] = 5 << 4;
		h[9] = (uint8_t)below(64);
	} else if (proto == 17) {
		put16(p, sport);
		put16(p, dport);
		put(p, 4);
	} else {
		put(p, 8)[0] = 8;	/* ICMP echo, or a transport we do not know */
	}
	n = below(40);
	h = put(p, n);
	for (size_t i = 0; i < n; i++)
		h[i] = (uint8_t)rnd();
}

/* Total and payload lengths of the IP headers at ip4_at / ip6_at (0: none). */
static void fix_len(struct buf *p, size_t at, int family)
{
	size_t n = p->len - at - (family == 4 ? 0 : 40);

	p->b[at + (family == 4 ? 2 : 4)] = (uint8_t)(n >> 8);
	p->b[at + (family == 4 ? 3 : 5)] = (uint8_t)n;
}

/* A tenant frame: a blocked flow's tuple (either way) or a random one. */
static void tenant_frame(struct buf *p)
{
	static const char *const any4[] = { "10.100.0.1", "10.100.0.2", "10.100.0.3", "10.9.9.9" };
	static const char *const any6[] = { "fd00::1", "fd00::2", "fd00::3", "fd00::99" };
	static const uint8_t protos[] = { 6, 17, 1, 58, 47 };
	struct tuple t;
	size_t at;

	if (chance(50)) {
		t = blocked[below(N_BLOCKED)];
		if (chance(50)) {
			const char *s = t.a;
			uint16_t sp = t.pa;

			t.a = t.b, t.b = s, t.pa = t.pb, t.pb = sp;
		}
	} else {
		t.family = chance(50) ? 4 : 6;
		t.proto = protos[below(sizeof(protos))];
		t.a = t.family == 4 ? any4[below(4)] : any6[below(4)];
		t.b = t.family == 4 ? any4[below(4)] : any6[below(4)];
		t.pa = chance(50) ? (uint16_t)below(65536) : 40000;
		t.pb = chance(50) ? 80 : (uint16_t)below(65536);
	}
	if (chance(3)) {
		eth(p, 0x0806);		/* ARP */
		put(p, 28);
		return;
	}
	eth(p, t.family == 4 ? 0x0800 : 0x86dd);
	at = t.family == 4 ? ip4(p, t.a, t.b, t.proto) : ip6(p, t.a, t.b, t.proto);
	l4(p, t.proto, t.pa, t.pb);
	fix_len(p, at, t.family);
}

static const char *pick_vtep(uint32_t vni)
{
	if (chance(40))
		return others[below(4)];
	if (vni == VNI_B)
		return vteps_b[0];
	return vteps_a[below(2)];
}

/* A packet on the underlay: VXLAN (IPv4 or IPv6 outer) most of the time, or other UDP,
 * TCP, or bytes that are not IP at all. */
static void underlay_packet(struct buf *p)
{
	uint32_t vni = chance(35) ? VNI_A : chance(50) ? VNI_B : below(1 << 24);
	const char *vtep = pick_vtep(vni);
	int family = strchr(vtep, ':') ? 6 : 4;
	uint16_t dport = chance(90) ? ZTOS_VXLAN_PORT : (uint16_t)below(65536);
	size_t at, udp;
	uint8_t *v;

	p->len = 0;
	if (chance(3)) {
		p->len = PKT_MIN + below(PKT_MAX - PKT_MIN);
		for (size_t i = 0; i < p->len; i++)
			p->b[i] = (uint8_t)rnd();
		return;
	}
	eth(p, family == 4 ? 0x0800 : 0x86dd);
	at = family == 4 ? ip4(p, vtep, "192.0.2.1", 17) : ip6(p, vtep, "2001:db8::1", 17);
	udp = p->len;
	put16(p, 49152);
	put16(p, dport);
	put(p, 4);
	v = put(p, 8);
	v[0] = chance(95) ? 0x08 : (uint8_t)rnd();
	v[4] = (uint8_t)(vni >> 16);
	v[5] = (uint8_t)(vni >> 8);
	v[6] = (uint8_t)vni;
	tenant_frame(p);
	fix_len(p, at, family);
	p->b[udp + 4] = (uint8_t)((p->len - udp) >> 8);
	p->b[udp + 5] = (uint8_t)(p->len - udp);
}

/* Half of them changed: bytes flipped, the end cut (never below PKT_MIN), bytes added. */
static void mutate(struct buf *p)
{
	int n = (int)below(4);

	if (chance(50))
		return;
	for (int i = 0; i < n && p->len; i++)
		p->b[below((uint32_t)p->len)] ^= (uint8_t)(1 + below(255));
	if (chance(25) && p->len > PKT_MIN)
		p->len = PKT_MIN + below((uint32_t)(p->len - PKT_MIN) + 1);
	if (chance(10))
		while (p->len < PKT_MAX && chance(90))
			p->b[p->len++] = (uint8_t)rnd();
}

/* ---- the oracle: the packet as the kernel's stack reads it ---- */

struct cursor {
	const uint8_t *b;
	size_t len, off;
};

static bool have(const struct cursor *c, size_t n)
{
	return c->off + n <= c->len;
}

static uint16_t rd16(const struct cursor *c, size_t at)
{
	return (uint16_t)(c->b[c->off + at] << 8 | c->b[c->off + at + 1]);
}

/* Ethernet and up to two VLAN tags: the ethertype, or 0 when cut short or tagged deeper. */
static uint16_t see_eth(struct cursor *c)
{
	uint16_t type;

	if (!have(c, 14))
		return 0;
	type = rd16(c, 12);
	c->off += 14;
	for (int i = 0; i < 2 && (type == 0x8100 || type == 0x88a8); i++) {
		if (!have(c, 4))
			return 0;
		type = rd16(c, 2);
		c->off += 4;
	}
	return type == 0x8100 || type == 0x88a8 ? 0 : type;
}

/*
 * The IP header at c (its addresses into src/dst) and the transport protocol behind it,
 * the way the stack finds it: IPv4 options skipped, IPv6 extension headers followed.
 * *later: a fragment that is not the first. Returns -1 when cut short or impossible.
 */
static int see_ip(struct cursor *c, uint16_t type, uint32_t src[4], uint32_t dst[4],
		  uint8_t *family, bool *later)
{
	uint8_t next;

	*later = false;
	memset(src, 0, 16);
	memset(dst, 0, 16);
	if (type == 0x0800) {
		size_t hlen;

		if (!have(c, 20) || c->b[c->off] >> 4 != 4)
			return -1;
		hlen = (size_t)(c->b[c->off] & 15) * 4;
		if (hlen < 20 || !have(c, hlen))
			return -1;
		*family = ZTOS_AF4;
		memcpy(src, c->b + c->off + 12, 4);
		memcpy(dst, c->b + c->off + 16, 4);
		*later = (rd16(c, 6) & 0x1fff) != 0;
		next = c->b[c->off + 9];
		c->off += hlen;
		return next;
	}
	if (type != 0x86dd || !have(c, 40))
		return -1;
	*family = ZTOS_AF6;
	memcpy(src, c->b + c->off + 8, 16);
	memcpy(dst, c->b + c->off + 24, 16);
	next = c->b[c->off + 6];
	c->off += 40;
	for (int i = 0; i < 8; i++) {
		size_t hlen;

		if (next != 0 && next != 43 && next != 60 && next != 44 && next != 51)
			return next;
		if (!have(c, 8))
			return -1;
		if (next == 44) {
			*later |= (rd16(c, 2) >> 3) != 0;
			hlen = 8;
		} else {
			hlen = next == 51 ? ((size_t)c->b[c->off + 1] + 2) * 4
					  : ((size_t)c->b[c->off + 1] + 1) * 8;
		}
		if (!have(c, hlen))
			return -1;
		next = c->b[c->off];
		c->off += hlen;
	}
	return -1;
}

struct verdicts {
	bool vxlan;		/* UDP to the VXLAN port, as the stack would deliver it */
	bool must_drop;		/* and why, when it must be dropped */
	const char *why;
	bool has_key;		/* the tenant frame's flow, canonical */
	struct ztos_flow_key key;
};

static int addr_cmp(const uint32_t *a, const uint32_t *b)
{
	for (int i = 0; i < 4; i++)
		if (ntohl(a[i]) != ntohl(b[i]))
			return ntohl(a[i]) < ntohl(b[i]) ? -1 : 1;
	return 0;
}

/* The canonical flow key of the tenant frame at c, when it has one (IPv4/IPv6 and, for TCP
 * and UDP and ICMP, the whole transport header the datapath needs). */
static bool see_flow(struct cursor *c, uint32_t vni, struct ztos_flow_key *k)
{
	uint16_t type = see_eth(c);
	bool later;
	int proto;

	memset(k, 0, sizeof(*k));
	proto = see_ip(c, type, k->addr_a, k->addr_b, &k->family, &later);
	if (proto < 0)
		return false;
	k->vni = vni;
	k->proto = (uint8_t)proto;
	if (!later && (proto == 6 || proto == 17)) {
		if (!have(c, proto == 6 ? 20 : 8))
			return false;	/* the datapath drops it as malformed: no flow to check */
		k->port_a = rd16(c, 0);
		k->port_b = rd16(c, 2);
	}
	if (addr_cmp(k->addr_a, k->addr_b) > 0 ||
	    (!addr_cmp(k->addr_a, k->addr_b) && k->port_a > k->port_b)) {
		uint32_t t[4];
		uint16_t pt = k->port_a;

		memcpy(t, k->addr_a, 16);
		memcpy(k->addr_a, k->addr_b, 16);
		memcpy(k->addr_b, t, 16);
		k->port_a = k->port_b;
		k->port_b = pt;
	}
	return true;
}

static bool vtep_allowed(uint32_t vni, uint8_t family, const uint32_t src[4])
{
	const char *const *list = vni == VNI_A ? vteps_a : vteps_b;
	size_t n = vni == VNI_A ? 2 : 1;

	for (size_t i = 0; i < n; i++) {
		uint32_t a[4] = { 0 };
		int f = strchr(list[i], ':') ? 6 : 4;

		inet_pton(f == 4 ? AF_INET : AF_INET6, list[i], a);
		if (f == family && !memcmp(a, src, 16))
			return true;
	}
	return false;
}

static void judge_underlay(const struct buf *p, struct verdicts *v)
{
	struct cursor c = { .b = p->b, .len = p->len };
	uint32_t src[4], dst[4], vni;
	uint8_t family;
	bool later;
	int proto;

	memset(v, 0, sizeof(*v));
	proto = see_ip(&c, see_eth(&c), src, dst, &family, &later);
	if (proto != 17 || later || !have(&c, 4) || rd16(&c, 2) != ZTOS_VXLAN_PORT)
		return;
	v->vxlan = true;
	v->must_drop = true;
	c.off += 8;
	if (!have(&c, 8) || !(c.b[c.off] & 0x08)) {
		v->why = "a VXLAN header cut short or without the I flag";
		return;
	}
	vni = (uint32_t)c.b[c.off + 4] << 16 | (uint32_t)c.b[c.off + 5] << 8 | c.b[c.off + 6];
	c.off += 8;
	if (vni != VNI_A && vni != VNI_B) {
		v->why = "a VNI with no tenant";
		return;
	}
	if (!vtep_allowed(vni, family, src)) {
		v->why = "a VTEP not allowed to send its VNI";
		return;
	}
	v->must_drop = false;
	v->has_key = see_flow(&c, vni, &v->key);
}

static bool is_blocked(const struct ztos_flow_key *k)
{
	struct ztos_flow f;

	return !flowtab_lookup(&ft, k, &f) && f.verdict == ZTOS_VERDICT_BLOCK;
}

/* ---- the maps ---- */

static void put_vtep(uint32_t vni, const char *s)
{
	struct ztos_vtep_key k = { .vni = vni };
	__u32 one = 1;
	int f = strchr(s, ':') ? 6 : 4;

	k.family = f == 4 ? ZTOS_AF4 : ZTOS_AF6;
	inet_pton(f == 4 ? AF_INET : AF_INET6, s, k.addr);
	bpf_map_update_elem(bpf_map__fd(xdp->maps.vteps), &k, &one, BPF_ANY);
}

static void put_tenant(uint32_t vni, __u32 id)
{
	struct ztos_tenant_info t = { .tenant_id = id, .policy_gen = 1 };
	struct ztos_policy pol = { .default_verdict = ZTOS_VERDICT_ALLOW };

	bpf_map_update_elem(bpf_map__fd(xdp->maps.policy), &id, &pol, BPF_ANY);
	bpf_map_update_elem(bpf_map__fd(xdp->maps.tenants), &vni, &t, BPF_ANY);
}

static struct ztos_flow_key key_of(const struct tuple *t)
{
	struct ztos_flow_key k = { .vni = VNI_A, .proto = t->proto };
	int af = t->family == 4 ? AF_INET : AF_INET6;

	k.family = t->family == 4 ? ZTOS_AF4 : ZTOS_AF6;
	inet_pton(af, t->a, k.addr_a);
	inet_pton(af, t->b, k.addr_b);
	k.port_a = t->pa;
	k.port_b = t->pb;
	return k;
}

/* The flow table emptied, the blocked flows put back (each batch: never an eviction). */
static void reset_flows(void)
{
	struct ztos_flow f = { .verdict = ZTOS_VERDICT_BLOCK, .opener_is_a = 1, .policy_gen = 1 };
	struct ztos_flow_key k;
	__u8 raw[sizeof(k)];

	/* Both tables: flowtab4 (IPv4, in place) and flows (IPv6). */
	memset(ft.b4, 0, (size_t)(ft.mask4 + 1) * sizeof(*ft.b4));
	while (!bpf_map_get_next_key(ft.fd, NULL, raw))
		bpf_map_delete_elem(ft.fd, raw);
	for (size_t i = 0; i < N_BLOCKED; i++) {
		k = key_of(&blocked[i]);
		flowtab_update(&ft, &k, &f, BPF_ANY);
	}
}

static void setup_maps(void)
{
	__u32 vni = VNI_A;

	put_tenant(VNI_A, 7);
	put_tenant(VNI_B, 8);
	put_vtep(VNI_A, vteps_a[0]);
	put_vtep(VNI_A, vteps_a[1]);
	put_vtep(VNI_B, vteps_b[0]);
	bpf_map_update_elem(bpf_map__fd(xdp->maps.ports), &port_ifindex, &vni, BPF_ANY);
	reset_flows();
}

/* ---- running ---- */

#define NOT_RUNNABLE (-2)

/*
 * BPF_PROG_RUN refuses (EINVAL) an skb whose Ethernet type says IPv4 or IPv6 with less
 * than that header behind it; such frames are judged at XDP only.
 */
static bool short_ip(const struct buf *p)
{
	uint16_t type = (uint16_t)(p->b[12] << 8 | p->b[13]);

	return (type == 0x0800 && p->len < 14 + 20) || (type == 0x86dd && p->len < 14 + 40);
}

static int run(struct bpf_program *prog, const struct buf *p, bool skb)
{
	struct __sk_buff ctx = { .ifindex = (__u32)port_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b, .data_size_in = (__u32)p->len,
		    .repeat = 1);

	if (skb) {
		o.ctx_in = &ctx;
		o.ctx_size_in = sizeof(ctx);
	}
	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &o))
		return skb && errno == EINVAL && short_ip(p) ? NOT_RUNNABLE : -1;
	return (int)o.retval;
}

static void show(const char *what, const struct buf *p, int verdict)
{
	printf("# counterexample (%s), verdict %d, %zu bytes:\n# ", what, verdict, p->len);
	for (size_t i = 0; i < p->len; i++)
		printf("%02x%s", p->b[i], i % 32 == 31 ? "\n# " : "");
	printf("\n");
}

struct tally {
	unsigned long runs, errors, not_runnable, odd_verdicts, passed_forbidden, passed_blocked;
	unsigned long vxlan, forbidden, blocked;
	unsigned int shown;
};

static void judge(struct tally *t, const struct buf *p, const struct verdicts *v, int verdict,
		  int pass, int drop)
{
	t->runs++;
	if (verdict == NOT_RUNNABLE) {
		t->not_runnable++;
		return;
	}
	if (verdict < 0) {
		t->errors++;
		return;
	}
	if (verdict != pass && verdict != drop) {
		if (t->odd_verdicts++ < SHOW_MAX)
			show("a verdict outside the documented set", p, verdict);
		return;
	}
	t->vxlan += v->vxlan;
	t->forbidden += v->must_drop;
	if (v->must_drop && verdict == pass && t->shown++ < SHOW_MAX)
		show(v->why, p, verdict);
	t->passed_forbidden += v->must_drop && verdict == pass;
	if (!v->must_drop && v->has_key && is_blocked(&v->key)) {
		t->blocked++;
		if (verdict == pass && t->shown++ < SHOW_MAX)
			show("a frame of a blocked flow", p, verdict);
		t->passed_blocked += verdict == pass;
	}
}

/* Whole underlay packets through prog (XDP, or TC at the underlay). */
static void underlay_run(struct bpf_program *prog, bool skb, unsigned long n, struct tally *t)
{
	struct buf p;
	struct verdicts v;

	for (unsigned long i = 0; i < n; i++) {
		if (i % BATCH == 0)
			reset_flows();
		underlay_packet(&p);
		mutate(&p);
		judge_underlay(&p, &v);
		judge(t, &p, &v, run(prog, &p, skb), skb ? TC_ACT_OK : XDP_PASS,
		      skb ? TC_ACT_SHOT : XDP_DROP);
	}
}

/* Tenant frames at the tenant port (VNI 100) through ztos_tc_ingress. */
static void port_run(unsigned long n, struct tally *t)
{
	struct buf p;
	struct verdicts v;
	struct cursor c;

	for (unsigned long i = 0; i < n; i++) {
		if (i % BATCH == 0)
			reset_flows();
		p.len = 0;
		tenant_frame(&p);
		mutate(&p);
		memset(&v, 0, sizeof(v));
		c = (struct cursor){ .b = p.b, .len = p.len };
		v.has_key = see_flow(&c, VNI_A, &v.key);
		judge(t, &p, &v, run(tc->progs.ztos_tc_ingress, &p, true), TC_ACT_OK, TC_ACT_SHOT);
	}
}

static int report(int n, const char *name, const struct tally *t, bool underlay)
{
	bool ok = !t->errors && !t->odd_verdicts && !t->passed_forbidden && !t->passed_blocked &&
		  t->blocked > 0 && (!underlay || t->forbidden > 0);

	printf("%sok %d - %s: %lu packets, %lu VXLAN, %lu to drop, %lu of blocked flows; "
	       "passed of those: %lu, %lu; verdicts outside the set: %lu; run errors: %lu "
	       "(and %lu short IP frames BPF_PROG_RUN refuses for an skb)\n",
	       ok ? "" : "not ", n, name, t->runs, t->vxlan, t->forbidden, t->blocked,
	       t->passed_forbidden, t->passed_blocked, t->odd_verdicts, t->errors,
	       t->not_runnable);
	return ok ? 0 : 1;
}

static int load(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = PIN_ROOT);
	int err;

	mkdir(PIN_ROOT, 0700);
	xdp = ztos_xdp__open_opts(&opts);
	tc = ztos_tc__open_opts(&opts);
	if (!xdp || !tc)
		return -errno;
	bpf_map__set_max_entries(xdp->maps.flows, FLOWS_MAX);
	bpf_map__set_max_entries(tc->maps.flows, FLOWS_MAX);
	/*
	 * flowtab4 four times as large as a batch needs: a bucket of 8 ways then overflows
	 * (an eviction, which could take a blocked flow) about once in 10^6 batches.
	 */
	bpf_map__set_max_entries(xdp->maps.flowtab4, FT_BUCKETS);
	bpf_map__set_max_entries(tc->maps.flowtab4, FT_BUCKETS);
	xdp->rodata->ztos_ft_mask = tc->rodata->ztos_ft_mask = FT_BUCKETS - 1;
	xdp->rodata->ztos_ft_seed = tc->rodata->ztos_ft_seed = FT_SEED;
	err = ztos_xdp__load(xdp);
	if (!err)
		err = ztos_tc__load(tc);
	if (!err)
		err = flowtab_seed_store(bpf_map__fd(xdp->maps.flow_seed), FT_SEED);
	return err ? err : flowtab_open(&ft, bpf_map__fd(xdp->maps.flows),
					 bpf_map__fd(xdp->maps.flowtab4),
					 bpf_map__fd(xdp->maps.flow_seed));
}

int main(void)
{
	const char *seed_env = getenv("PROPERTY_SEED"), *share_env = getenv("PROPERTY_SHARE");
	unsigned long share;
	struct tally tx = { 0 }, tu = { 0 }, tp = { 0 };
	int failed = 0, err;
	unsigned long ran;
	uint64_t seed;

	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(sandbox_libbpf_print);
	if (geteuid() != 0) {
		printf("1..0 # SKIP BPF_PROG_RUN needs root\n");
		return 0;
	}
	if (sandbox_enter() ||
	    sh("ip link add " PORT " type veth peer name " PORT "p && ip link set " PORT " up"))
		return 1;
	port_ifindex = (int)if_nametoindex(PORT);
	err = load();
	if (err) {
		printf("not ok 1 - load the BPF objects\n# %s\n", strerror(-err));
		return 1;
	}
	seed = seed_env ? strtoull(seed_env, NULL, 0) : (uint64_t)time(NULL) ^ (uint64_t)getpid() << 32;
	rng_state = seed ? seed : 1;
	share = share_env ? strtoul(share_env, NULL, 10) : 100;
	if (share < 1 || share > 100)
		share = 100;
	printf("1..4\n# PROPERTY_SEED=%llu PROPERTY_SHARE=%lu\n", (unsigned long long)seed, share);
	setup_maps();
	underlay_run(xdp->progs.ztos_xdp_ingress, false, N_XDP * share / 100, &tx);
	failed |= report(1, "ztos_xdp_ingress", &tx, true);
	underlay_run(tc->progs.ztos_tc_underlay, true, N_TC_UNDERLAY * share / 100, &tu);
	failed |= report(2, "ztos_tc_underlay", &tu, true);
	port_run(N_TC_PORT * share / 100, &tp);
	failed |= report(3, "ztos_tc_ingress at a tenant port", &tp, false);
	ran = tx.runs + tu.runs + tp.runs - tx.not_runnable - tu.not_runnable - tp.not_runnable;
	printf("%sok 4 - at least %lu packets ran (%lu %% of %d): %lu\n",
	       ran >= N_MIN * share / 100 ? "" : "not ", N_MIN * share / 100, share, N_MIN, ran);
	failed |= ran < N_MIN * share / 100;
	ztos_tc__destroy(tc);
	ztos_xdp__destroy(xdp);
	umount2("/sys/fs/bpf", MNT_DETACH);
	return failed;
}
