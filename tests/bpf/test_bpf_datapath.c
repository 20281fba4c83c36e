// SPDX-License-Identifier: GPL-2.0-only
/*
 * The eBPF datapath under BPF_PROG_RUN: crafted packets into ztos_xdp_ingress, the TC
 * programs and ztos_dpi_redirect, then the return code, the counters, the flow entry
 * and the events checked. Prints TAP. Runs as root in its own network and mount
 * namespaces: a private bpffs over /sys/fs/bpf holds the pinned maps (the XDP and TC
 * objects share them the way the agent's loader makes them), and nothing of it
 * outlives the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <net/if.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/ztos_common.h"
#include "subsys/dpmap.h"
#include "subsys/flowtab.h"
#include "kernel/mirring.h"
#include "bpf/ztos_xdp.skel.h"
#include "bpf/ztos_tc.skel.h"
#include "bpf/ztos_dpi.skel.h"
#include "pkt.h"
#include "sandbox.h"
#include "tap.h"

#define PIN_ROOT "/sys/fs/bpf/ztos-test"
#define FLOWS_MAX 4096		/* what the loader's bpf_map__set_max_entries() would do */
#define FLOW_SEED 0x5eed0fd1ce5eed01ULL	/* flowtab4's hash seed, as the loader makes one */
/* Long enough that a busy machine's scheduling hiccup does not open a second window. */
#define DROP_EVENT_INTERVAL_NS 200000000ULL
#define PORT "ztos-t0"		/* a tenant port for the TC programs (veth) */
#define DPI "ztos-t1"		/* a stand-in for ztos-dpi0 (veth) */

#define VNI 100
#define TENANT 7
#define FOREIGN_VNI 200
#define VTEP4 "192.0.2.2"
#define VTEP6 "2001:db8::2"
#define A4 "10.100.0.1"		/* the lower inner address: endpoint a of canonical keys */
#define B4 "10.100.0.2"
#define A6 "fd00::1"
#define B6 "fd00::2"

#define TCP_SYN 0x02
#define TCP_ACK 0x10

static struct ztos_xdp *xdp;
static struct ztos_xdp *xdp_l3;	/* the same program loaded with l3_device = 1 */
static struct ztos_tc *tc;
static struct flowtab ft;	/* the flow table as the agent maps it */
static struct ztos_dpi *dpi;
static struct ring_buffer *rb;
static int ncpus;
static int port_ifindex, dpi_ifindex;

static struct ztos_event evs[64];	/* the first events since reset() */
static int n_evs;
static int ev_total[4];			/* every event since reset(), by type */


/* ---- maps ---- */

static void clear_hash(struct bpf_map *map)
{
	char key[64], next[64];
	int fd = bpf_map__fd(map);

	while (!bpf_map_get_next_key(fd, NULL, next)) {
		memcpy(key, next, sizeof(key));
		if (bpf_map_delete_elem(fd, key))
			break;
	}
}

static void clear_percpu_array(struct bpf_map *map)
{
	size_t sz = ((bpf_map__value_size(map) + 7) / 8 * 8) * ncpus;
	void *zero = calloc(1, sz);

	for (__u32 i = 0; i < bpf_map__max_entries(map); i++)
		bpf_map_update_elem(bpf_map__fd(map), &i, zero, BPF_ANY);
	free(zero);
}

/* The objects' .bss is mapped into this process: plain stores reach BPF at once. */
static void clear_bss(void)
{
	memset(xdp->bss, 0, sizeof(*xdp->bss));
	memset(xdp_l3->bss, 0, sizeof(*xdp_l3->bss));
	memset(tc->bss, 0, sizeof(*tc->bss));
}

static int on_event(void *ctx, void *data, size_t size)
{
	const struct ztos_event *e = data;

	if (size >= sizeof(*e) && e->type < 4)
		ev_total[e->type]++;
	if (n_evs < (int)(sizeof(evs) / sizeof(evs[0])) && size >= sizeof(struct ztos_event))
		memcpy(&evs[n_evs++], data, sizeof(struct ztos_event));
	return 0;
}

static void drain_events(void)
{
	ring_buffer__consume(rb);
}

/*
 * What the agent does after changing tenants or vteps to make the change immediate:
 * without it, the per-CPU caches in front of them answer for the rest of the jiffy.
 */
static void clear_caches(void)
{
	clear_percpu_array(xdp->maps.tenant_cache);
	clear_percpu_array(xdp->maps.vtep_cache);
	memset(xdp->bss->ztos_vni_absent, 0, sizeof(xdp->bss->ztos_vni_absent));
	memset(xdp_l3->bss->ztos_vni_absent, 0, sizeof(xdp_l3->bss->ztos_vni_absent));
	memset(tc->bss->ztos_vni_absent, 0, sizeof(tc->bss->ztos_vni_absent));
}

/* Every map back to empty: each case starts from nothing but what it sets up. */
static void reset(void)
{
	__u32 zero = 0;

	clear_hash(xdp->maps.tenants);
	clear_hash(xdp->maps.vteps);
	clear_hash(xdp->maps.policy);
	clear_hash(xdp->maps.flows);
	memset(ft.b4, 0, (size_t)(ft.mask4 + 1) * sizeof(*ft.b4));
	clear_hash(xdp->maps.ports);
	clear_percpu_array(xdp->maps.stats);
	clear_percpu_array(xdp->maps.tenant_stats);
	clear_caches();
	/* The event rate limits: each object's own globals. */
	clear_bss();
	bpf_map_update_elem(bpf_map__fd(xdp->maps.dpi_target), &zero, &zero, BPF_ANY);
	drain_events();
	n_evs = 0;
	memset(ev_total, 0, sizeof(ev_total));
}

static __u64 counter(__u32 idx)
{
	__u64 v[ncpus], sum = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(xdp->maps.stats), &idx, v))
		return ~0ULL;
	for (int i = 0; i < ncpus; i++)
		sum += v[i];
	return sum;
}

static struct ztos_tenant_stats tenant_stats(__u32 tenant_id)
{
	struct ztos_tenant_stats v[ncpus], sum = { 0 };

	if (bpf_map_lookup_elem(bpf_map__fd(xdp->maps.tenant_stats), &tenant_id, v))
		return sum;
	for (int i = 0; i < ncpus; i++) {
		sum.packets += v[i].packets;
		sum.bytes += v[i].bytes;
		sum.drops += v[i].drops;
		sum.inspected += v[i].inspected;
	}
	return sum;
}

/*
 * exp: pairs of (counter, value), ended by -1. Every counter not named must be 0:
 * a case also proves it counted nothing else.
 */
static void expect_counters(const int *exp)
{
	__u64 want[ZTOS_CNT_MAX] = { 0 };

	for (int i = 0; exp[i] >= 0; i += 2)
		want[exp[i]] = (__u64)exp[i + 1];
	for (__u32 c = 0; c < ZTOS_CNT_MAX; c++) {
		__u64 got = counter(c);

		if (got != want[c]) {
			note("counter %s: got %llu, want %llu\n", ztos_counter_names[c],
			     (unsigned long long)got, (unsigned long long)want[c]);
			case_failed = true;
		}
	}
}

#define COUNTERS(...) expect_counters((const int[]){ __VA_ARGS__, -1 })
#define NO_COUNTERS() expect_counters((const int[]){ -1 })

static void add_tenant(__u32 vni, __u32 tenant_id, __u32 gen)
{
	struct ztos_tenant_info t = { .tenant_id = tenant_id, .policy_gen = gen };

	bpf_map_update_elem(bpf_map__fd(xdp->maps.tenants), &vni, &t, BPF_ANY);
	clear_caches();
}

static struct ztos_addr addr_of(const char *text)
{
	struct ztos_addr a = { .family = strchr(text, ':') ? AF_INET6 : AF_INET };

	inet_pton(a.family, text, a.family == AF_INET ? (void *)&a.v4 : (void *)&a.v6);
	return a;
}

/* The entry the loader writes for a VTEP (agent/subsys/dpmap.c). */
static void allow_vtep(__u32 vni, const char *addr)
{
	struct ztos_addr a = addr_of(addr);
	struct ztos_vtep_key k;
	__u32 one = 1;

	dpmap_vtep_key(vni, &a, &k);
	bpf_map_update_elem(bpf_map__fd(xdp->maps.vteps), &k, &one, BPF_ANY);
	clear_caches();
}

/* The usual tenant: VNI 100, tenant 7, generation 1, VTEPs 192.0.2.2 and 2001:db8::2. */
static void std_tenant(void)
{
	add_tenant(VNI, TENANT, 1);
	allow_vtep(VNI, VTEP4);
	allow_vtep(VNI, VTEP6);
}

static struct ztos_rule rule(__u8 action, __u8 proto, __u16 dport)
{
	struct ztos_rule r = { .action = action, .proto = proto, .dport = dport };

	return r;
}

/* A rule on an IPv4 prefix: "src" or "dst" side, "10.0.0.0/24" style; made as the
 * loader makes it from the config's rule (agent/subsys/dpmap.c). */
static struct ztos_rule rule4(__u8 action, const char *side, const char *cidr)
{
	struct ztos_policy_rule pr = { 0 };
	struct ztos_cidr *c = !strcmp(side, "src") ? &pr.src : &pr.dst;
	struct ztos_rule r;
	char buf[64];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", cidr);
	slash = strchr(buf, '/');
	*slash = 0;
	c->addr = addr_of(buf);
	c->prefixlen = (uint8_t)atoi(slash + 1);
	pr.has_src = c == &pr.src;
	pr.has_dst = c == &pr.dst;
	pr.action = action == ZTOS_VERDICT_DENY ? ZTOS_DENY : action == ZTOS_VERDICT_INSPECT
								? ZTOS_INSPECT : ZTOS_ALLOW;
	dpmap_rule(&pr, &r);
	return r;
}

static void set_policy(__u32 tenant_id, __u8 dflt, const struct ztos_rule *rules, int n)
{
	struct ztos_policy *p = calloc(1, sizeof(*p));

	p->default_verdict = dflt;
	p->n_rules = n;
	for (int i = 0; i < n; i++)
		p->rules[i] = rules[i];
	bpf_map_update_elem(bpf_map__fd(xdp->maps.policy), &tenant_id, p, BPF_ANY);
	free(p);
}

static struct ztos_flow_key key4(__u8 proto, const char *a, __u16 pa, const char *b, __u16 pb)
{
	struct ztos_flow_key k = { .vni = VNI, .family = ZTOS_AF4, .proto = proto };

	inet_pton(AF_INET, a, k.addr_a);
	inet_pton(AF_INET, b, k.addr_b);
	k.port_a = pa;
	k.port_b = pb;
	return k;
}

static struct ztos_flow_key key6(__u8 proto, const char *a, __u16 pa, const char *b, __u16 pb)
{
	struct ztos_flow_key k = { .vni = VNI, .family = ZTOS_AF6, .proto = proto };

	inet_pton(AF_INET6, a, k.addr_a);
	inet_pton(AF_INET6, b, k.addr_b);
	k.port_a = pa;
	k.port_b = pb;
	return k;
}

/* The flow table as the agent reads it (flowtab4 for IPv4 flows, flows for IPv6). */
static struct flowtab flowtab(void)
{
	return ft;
}

static bool get_flow(const struct ztos_flow_key *k, struct ztos_flow *f)
{
	struct flowtab t = flowtab();

	return !flowtab_lookup(&t, k, f);
}

static void put_flow(const struct ztos_flow_key *k, const struct ztos_flow *f)
{
	struct flowtab t = flowtab();

	CHECK_EQ(flowtab_update(&t, k, f, BPF_EXIST), 0);
}

/* How many entries the hash map holds (flows apart from flowtab4). */
static int n_entries(struct bpf_map *map)
{
	__u8 k[sizeof(struct ztos_flow_key)], next[sizeof(k)];
	int n = 0, fd = bpf_map__fd(map);

	for (int err = bpf_map_get_next_key(fd, NULL, next); !err;
	     err = bpf_map_get_next_key(fd, k, next)) {
		memcpy(k, next, sizeof(k));
		n++;
	}
	return n;
}

static int n_flows(void)
{
	struct flowtab t = flowtab();
	struct flowtab_walk w = { 0 };
	struct ztos_flow_key k, next;
	int n = 0;

	for (int err = flowtab_next(&t, &w, NULL, &next); !err;
	     err = flowtab_next(&t, &w, &k, &next)) {
		k = next;
		n++;
	}
	return n;
}

/* ---- running programs ---- */

static int run_xdp_prog(struct bpf_program *prog, const void *data, size_t len, int repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data, .data_size_in = (__u32)len,
		    .repeat = repeat);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);

	if (err) {
		note("BPF_PROG_RUN of %s: %s\n", bpf_program__name(prog), strerror(errno));
		case_failed = true;
		return -1;
	}
	return (int)o.retval;
}

static int run_xdp(const struct pkt *p)
{
	return run_xdp_prog(xdp->progs.ztos_xdp_ingress, p->b, p->len, 1);
}

/* repeat: the program runs that many times on the frame (each run as a packet). */
static int run_tc_times(struct bpf_program *prog, const void *data, size_t len, int ifindex,
			int repeat)
{
	struct __sk_buff ctx = { .ifindex = (__u32)ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = data, .data_size_in = (__u32)len,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = repeat);
	int err = bpf_prog_test_run_opts(bpf_program__fd(prog), &o);

	if (err) {
		note("BPF_PROG_RUN of %s: %s\n", bpf_program__name(prog), strerror(errno));
		case_failed = true;
		return -1;
	}
	return (int)o.retval;
}

static int run_tc_buf(struct bpf_program *prog, const void *data, size_t len, int ifindex)
{
	return run_tc_times(prog, data, len, ifindex, 1);
}

static int run_tc_prog(struct bpf_program *prog, const struct pkt *p, int ifindex)
{
	return run_tc_buf(prog, p->b, p->len, ifindex);
}

#define TC_ACT_OK 0
#define TC_ACT_SHOT 2

/* ---- packets ---- */

/* VXLAN (outer IPv4 from vtep) carrying Ethernet + IPv4 + UDP src:sport -> dst:dport. */
static struct pkt vx_udp4(const char *vtep, __u32 vni, const char *src, __u16 sport,
			  const char *dst, __u16 dport)
{
	struct pkt p = { 0 };

	pkt_vxlan4_outer(&p, vtep, ZTOS_VXLAN_PORT, vni);
	pkt_inner_udp4(&p, src, sport, dst, dport);
	pkt_fix_lengths(&p);
	return p;
}

static struct pkt vx_tcp4(const char *src, __u16 sport, const char *dst, __u16 dport,
			  __u8 flags)
{
	struct pkt p = { 0 };

	pkt_vxlan4_outer(&p, VTEP4, ZTOS_VXLAN_PORT, VNI);
	pkt_eth(&p, NULL, 0, 0x0800);
	pkt_ip4(&p, src, dst, IPPROTO_TCP);
	pkt_tcp(&p, sport, dport, flags);
	pkt_bytes(&p, 32);
	pkt_fix_lengths(&p);
	return p;
}

/* Outer IPv6 from VTEP6, inner IPv6 TCP. */
static struct pkt vx6_tcp6(__u8 flags)
{
	struct pkt p = { 0 };

	pkt_eth(&p, NULL, 0, 0x86dd);
	pkt_ip6(&p, VTEP6, "2001:db8::1", IPPROTO_UDP);
	pkt_udp(&p, 49152, ZTOS_VXLAN_PORT);
	pkt_vxlan(&p, 0x08, VNI);
	pkt_eth(&p, NULL, 0, 0x86dd);
	pkt_ip6(&p, B6, A6, IPPROTO_TCP);
	pkt_tcp(&p, 40000, 443, flags);
	pkt_bytes(&p, 16);
	pkt_fix_lengths(&p);
	return p;
}

/* The tenant frame at a tenant port: Ethernet + IPv4 + TCP. */
static struct pkt frame_tcp4(const char *src, __u16 sport, const char *dst, __u16 dport)
{
	struct pkt p = { 0 };

	pkt_eth(&p, NULL, 0, 0x0800);
	pkt_ip4(&p, src, dst, IPPROTO_TCP);
	pkt_tcp(&p, sport, dport, TCP_SYN);
	pkt_bytes(&p, 32);
	pkt_fix_lengths(&p);
	return p;
}

/* Bytes the flow and tenant counters count: the tenant frame, from its Ethernet header. */
static __u64 inner_len(const struct pkt *p)
{
	return p->len - (p->outer_udp_off + 16);
}

static void expect_flow(const struct ztos_flow_key *k, __u8 verdict, __u64 fwd, __u64 rev,
			__u8 opener_is_a)
{
	struct ztos_flow f;

	if (!get_flow(k, &f)) {
		note("no flow entry for the expected key\n");
		case_failed = true;
		return;
	}
	CHECK_EQ(f.verdict, verdict);
	CHECK_EQ(f.packets[ZTOS_DIR_FWD], fwd);
	CHECK_EQ(f.packets[ZTOS_DIR_REV], rev);
	CHECK_EQ(f.opener_is_a, opener_is_a);
	CHECK_EQ(f.tenant_id, TENANT);
	CHECK(f.first_seen_ns && f.last_seen_ns >= f.first_seen_ns, "first %llu last %llu",
	      (unsigned long long)f.first_seen_ns, (unsigned long long)f.last_seen_ns);
}

/* ---- cases ---- */

static void t_maps_shared(void)
{
	struct bpf_map_info a = { 0 }, b = { 0 };
	__u32 la = sizeof(a), lb = sizeof(b);

	bpf_obj_get_info_by_fd(bpf_map__fd(xdp->maps.flows), &a, &la);
	bpf_obj_get_info_by_fd(bpf_map__fd(tc->maps.flows), &b, &lb);
	CHECK(a.id && a.id == b.id, "xdp flows id %u, tc flows id %u", a.id, b.id);
	CHECK_EQ(a.max_entries, FLOWS_MAX);
	CHECK(access(PIN_ROOT "/flows", F_OK) == 0, "%s/flows not pinned", PIN_ROOT);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	bpf_obj_get_info_by_fd(bpf_map__fd(xdp->maps.flowtab4), &a, &la);
	bpf_obj_get_info_by_fd(bpf_map__fd(tc->maps.flowtab4), &b, &lb);
	CHECK(a.id && a.id == b.id, "xdp flowtab4 id %u, tc flowtab4 id %u", a.id, b.id);
	CHECK_EQ(a.type, BPF_MAP_TYPE_ARRAY);
	CHECK_EQ(a.map_flags, BPF_F_MMAPABLE);
	CHECK_EQ(a.max_entries * ZTOS_FT_WAYS, FLOWS_MAX);
	CHECK_EQ(a.value_size, sizeof(struct ztos_ft_bucket));
	CHECK(access(PIN_ROOT "/flowtab4", F_OK) == 0, "%s/flowtab4 not pinned", PIN_ROOT);
	CHECK(access(PIN_ROOT "/flow_seed", F_OK) == 0, "%s/flow_seed not pinned", PIN_ROOT);
	CHECK_EQ(ft.seed, FLOW_SEED);
}

static void t_foreign_vni(void)
{
	struct pkt p = vx_udp4(VTEP4, FOREIGN_VNI, A4, 1000, B4, 53);

	std_tenant();
	CHECK_EQ(run_xdp(&p), XDP_DROP);
	COUNTERS(ZTOS_DROP_UNKNOWN_VNI, 1);
	CHECK_EQ(n_flows(), 0);
	CHECK_EQ(tenant_stats(TENANT).packets, 0);
}

static void t_spoofed_vtep(void)
{
	struct pkt p = vx_udp4("192.0.2.66", VNI, A4, 1000, B4, 53);

	std_tenant();
	allow_vtep(FOREIGN_VNI, "192.0.2.66");	/* allowed, but for another VNI */
	CHECK_EQ(run_xdp(&p), XDP_DROP);
	COUNTERS(ZTOS_DROP_VTEP, 1);
	CHECK_EQ(n_flows(), 0);
	CHECK_EQ(tenant_stats(TENANT).drops, 1);
}

/*
 * An IPv4 flow sits in flowtab4 alone: in the bucket and under the tag its seeded hash
 * names, under the short key as bpftool shows it (built here by hand, not with
 * ztos_flow4_key_of()), and the walk gives back k byte for byte.
 */
static void expect_in_flowtab4(const struct ztos_flow_key *k)
{
	struct flowtab t = flowtab();
	struct flowtab_walk w = { 0 };
	struct ztos_flow4_key k4 = { .vni_proto = VNI << 8 | k->proto, .addr_a = k->addr_a[0],
				     .addr_b = k->addr_b[0], .port_a = k->port_a,
				     .port_b = k->port_b };
	__u64 h = ztos_ft_hash(&k4, FLOW_SEED);
	const struct ztos_ft_bucket *b = &ft.b4[(__u32)h & ft.mask4];
	struct ztos_flow_key back;
	int ways = 0;

	CHECK_EQ(n_entries(xdp->maps.flows), 0);
	CHECK_EQ(flowtab_count4(&t), 1);
	for (int i = 0; i < ZTOS_FT_WAYS; i++)
		ways += (b->head.state[i] & ZTOS_FT_STATE_MASK) == ZTOS_FT_VALID &&
			b->head.tag[i] == (__u32)(h >> 32) &&
			!memcmp(&b->slot[i].key, &k4, sizeof(k4));
	CHECK(ways == 1, "the flow is in %d ways of its bucket, not 1", ways);
	CHECK_EQ(flowtab_next(&t, &w, NULL, &back), 0);
	CHECK(!memcmp(&back, k, sizeof(back)), "the walk's key differs from the parsed one");
}

/* An older ztos kept IPv4 flows in flows: they are dropped, and walks still end. */
static void t_stale_ipv4_in_flows(void)
{
	struct flowtab t = flowtab();
	struct ztos_flow_key k4 = key4(IPPROTO_UDP, A4, 1000, B4, 53);
	struct ztos_flow_key k6 = key6(IPPROTO_TCP, A6, 443, B6, 40000);
	struct ztos_flow f = { .verdict = ZTOS_VERDICT_ALLOW, .opener_is_a = 1 };

	CHECK_EQ(bpf_map_update_elem(t.fd, &k4, &f, BPF_NOEXIST), 0);
	CHECK_EQ(bpf_map_update_elem(t.fd, &k6, &f, BPF_NOEXIST), 0);
	CHECK_EQ(flowtab_update(&t, &k4, &f, BPF_NOEXIST), 0);	/* the same flow in flowtab4 */
	CHECK_EQ(n_flows(), 3);	/* the walk goes through the stale entry and ends */
	CHECK_EQ(flowtab_drop_stale4(&t), 1);
	CHECK_EQ(n_entries(xdp->maps.flows), 1);
	CHECK(!bpf_map_lookup_elem(t.fd, &k6, &f), "the IPv6 flow went too");
	CHECK_EQ(n_flows(), 2);
}

/* ---- flowtab4, the IPv4 table ---- */

/* The bucket of the UDP flow A4:port -> B4:53 of VNI. */
static __u32 bucket_of_port(__u16 port)
{
	struct ztos_flow_key k = key4(IPPROTO_UDP, A4, port, B4, 53);
	struct ztos_flow4_key k4;

	ztos_flow4_key_of(&k, &k4);
	return (__u32)ztos_ft_hash(&k4, FLOW_SEED) & ft.mask4;
}

/* n source ports (from 1000 up) whose flows to B4:53 share one bucket. */
static void ports_in_one_bucket(__u16 *ports, int n)
{
	__u32 want = bucket_of_port(1000);
	int got = 0;

	for (__u32 port = 1000; got < n && port < 65536; port++)
		if (bucket_of_port((__u16)port) == want)
			ports[got++] = (__u16)port;
	CHECK_EQ(got, n);
}

/* The age stamp of CLOCK_MONOTONIC (bpf_ktime_get_ns()) now. */
static __u32 stamp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ztos_ft_stamp((__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec, 0);
}

/* Waits until the clock is in a new age stamp: a condition, not a sleep. */
static void next_stamp(void)
{
	__u32 first = stamp_now();

	while (stamp_now() == first)
		;
}

/*
 * Nine flows into one bucket of eight ways, each in a stamp of its own: the ninth takes
 * the way of the first (the oldest), which is gone; the other eight are all there, each
 * once. The first one's next packet is a new flow again and takes the second's way.
 */
static void t_flowtab4_eviction(void)
{
	__u16 ports[ZTOS_FT_WAYS + 1];
	struct ztos_flow f;

	std_tenant();
	ports_in_one_bucket(ports, ZTOS_FT_WAYS + 1);
	for (int i = 0; i <= ZTOS_FT_WAYS; i++) {
		struct pkt p = vx_udp4(VTEP4, VNI, A4, ports[i], B4, 53);

		next_stamp();
		CHECK_EQ(run_xdp(&p), XDP_PASS);
	}
	COUNTERS(ZTOS_CNT_ALLOWED, ZTOS_FT_WAYS + 1, ZTOS_CNT_NEW_FLOWS, ZTOS_FT_WAYS + 1,
		 ZTOS_CNT_FLOWS_EVICTED, 1);
	CHECK_EQ(flowtab_count4(&ft), ZTOS_FT_WAYS);
	for (int i = 0; i <= ZTOS_FT_WAYS; i++) {
		struct ztos_flow_key k = key4(IPPROTO_UDP, A4, ports[i], B4, 53);

		CHECK(get_flow(&k, &f) == (i > 0), "flow %d (port %u): %s", i, ports[i],
		      i ? "evicted, not the oldest" : "still there, the oldest");
	}
	{
		struct pkt p = vx_udp4(VTEP4, VNI, A4, ports[0], B4, 53);
		struct ztos_flow_key k0 = key4(IPPROTO_UDP, A4, ports[0], B4, 53);
		struct ztos_flow_key k1 = key4(IPPROTO_UDP, A4, ports[1], B4, 53);

		next_stamp();
		CHECK_EQ(run_xdp(&p), XDP_PASS);
		CHECK(get_flow(&k0, &f) && f.packets[ZTOS_DIR_FWD] == 1, "flow 0 not made again");
		CHECK(!get_flow(&k1, &f), "flow 1, now the oldest, was not the one evicted");
		CHECK_EQ(counter(ZTOS_CNT_FLOWS_EVICTED), 2);
	}
}

/* A flow blocked as the agent blocks one (datapath_block_flow()). */
static void block4(__u16 port)
{
	struct ztos_flow_key k = key4(IPPROTO_UDP, A4, port, B4, 53);
	struct ztos_flow f;

	CHECK(get_flow(&k, &f), "flow of port %u not there to block", port);
	f.verdict = ZTOS_VERDICT_BLOCK;
	CHECK_EQ(flowtab_update(&ft, &k, &f, BPF_EXIST), 0);
}

static bool has4(__u16 port)
{
	struct ztos_flow_key k = key4(IPPROTO_UDP, A4, port, B4, 53);
	struct ztos_flow f;

	return get_flow(&k, &f);
}

/*
 * A flood of new flows does not free a blocked flow while other ways are there to take:
 * the oldest of eight is blocked, and the ninth flow takes the second oldest's way.
 * When all eight are blocked, the oldest of them goes.
 */
static void t_flowtab4_blocked_kept(void)
{
	__u16 ports[ZTOS_FT_WAYS + 2];

	std_tenant();
	ports_in_one_bucket(ports, ZTOS_FT_WAYS + 2);
	for (int i = 0; i < ZTOS_FT_WAYS; i++) {
		struct pkt p = vx_udp4(VTEP4, VNI, A4, ports[i], B4, 53);

		next_stamp();
		CHECK_EQ(run_xdp(&p), XDP_PASS);
	}
	block4(ports[0]);
	{
		struct pkt p = vx_udp4(VTEP4, VNI, A4, ports[ZTOS_FT_WAYS], B4, 53);

		next_stamp();
		CHECK_EQ(run_xdp(&p), XDP_PASS);
	}
	CHECK(has4(ports[0]), "the blocked flow, the oldest, was evicted");
	CHECK(!has4(ports[1]), "the second oldest, not blocked, is still there");
	for (int i = 2; i <= ZTOS_FT_WAYS; i++)
		block4(ports[i]);
	{
		struct pkt p = vx_udp4(VTEP4, VNI, A4, ports[ZTOS_FT_WAYS + 1], B4, 53);

		next_stamp();
		CHECK_EQ(run_xdp(&p), XDP_PASS);
	}
	CHECK(!has4(ports[0]), "all blocked: the oldest blocked flow still there");
	for (int i = 2; i <= ZTOS_FT_WAYS + 1; i++)
		CHECK(has4(ports[i]), "flow %d gone, not the oldest", i);
	CHECK_EQ(counter(ZTOS_CNT_FLOWS_EVICTED), 2);
}

/*
 * User space and the programs share the table: a flow written from user space is the
 * programs' known flow (no new flow), counted in place; deleted, its next packet makes
 * it again; written again whole, it keeps its way.
 */
static void t_flowtab4_user_space(void)
{
	struct ztos_flow_key k = key4(IPPROTO_UDP, A4, 1000, B4, 53);
	struct pkt p = vx_udp4(VTEP4, VNI, A4, 1000, B4, 53);
	struct ztos_flow f = { .verdict = ZTOS_VERDICT_ALLOW, .opener_is_a = 1, .policy_gen = 1,
			       .tenant_id = TENANT };

	std_tenant();
	CHECK_EQ(flowtab_update(&ft, &k, &f, BPF_EXIST), -ENOENT);
	CHECK_EQ(flowtab_update(&ft, &k, &f, BPF_NOEXIST), 0);
	CHECK_EQ(flowtab_update(&ft, &k, &f, BPF_NOEXIST), -EEXIST);
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	CHECK_EQ(counter(ZTOS_CNT_NEW_FLOWS), 0);
	CHECK(get_flow(&k, &f) && f.packets[ZTOS_DIR_FWD] == 1, "the packet not counted");
	f.verdict = ZTOS_VERDICT_DENY;
	CHECK_EQ(flowtab_update(&ft, &k, &f, BPF_EXIST), 0);
	CHECK_EQ(flowtab_count4(&ft), 1);
	CHECK_EQ(run_xdp(&p), XDP_DROP);
	CHECK_EQ(flowtab_delete(&ft, &k), 0);
	CHECK_EQ(flowtab_delete(&ft, &k), -ENOENT);
	CHECK_EQ(flowtab_count4(&ft), 0);
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	COUNTERS(ZTOS_CNT_ALLOWED, 2, ZTOS_DROP_POLICY, 1, ZTOS_CNT_NEW_FLOWS, 1);
	CHECK(get_flow(&k, &f) && f.packets[ZTOS_DIR_FWD] == 1 &&
	      f.verdict == ZTOS_VERDICT_ALLOW, "not made again by its next packet");
}

/* The way of bucket_of_port(port) holding the UDP flow A4:port -> B4:53, or -1. */
static int way_of_port(__u16 port)
{
	struct ztos_flow_key k = key4(IPPROTO_UDP, A4, port, B4, 53);
	const struct ztos_ft_bucket *b = &ft.b4[bucket_of_port(port)];
	struct ztos_flow4_key k4;

	ztos_flow4_key_of(&k, &k4);
	for (int i = 0; i < ZTOS_FT_WAYS; i++)
		if ((b->head.state[i] & ZTOS_FT_VALID) && !memcmp(&b->slot[i].key, &k4, sizeof(k4)))
			return i;
	return -1;
}

/*
 * A flow that user space rewrites in place (a DPI block) keeps its way meanwhile: the
 * update holds it with ZTOS_FT_BUSY beside ZTOS_FT_VALID and gives the word back as it
 * was. Held so (as if the agent were in the middle of the write), the oldest of a full
 * bucket is not the way a new flow takes, nor freed by a delete or taken by a second
 * writer, and its packets are still its own: counted, no new flow made.
 */
static void t_flowtab4_update_in_place(void)
{
	__u16 ports[ZTOS_FT_WAYS + 1];
	struct ztos_flow_key k0;
	struct ztos_ft_bucket *b;
	struct ztos_flow f;
	__u64 s;
	int w;

	std_tenant();
	ports_in_one_bucket(ports, ZTOS_FT_WAYS + 1);
	k0 = key4(IPPROTO_UDP, A4, ports[0], B4, 53);
	for (int i = 0; i < ZTOS_FT_WAYS; i++) {
		struct pkt p = vx_udp4(VTEP4, VNI, A4, ports[i], B4, 53);

		next_stamp();
		CHECK_EQ(run_xdp(&p), XDP_PASS);
	}
	w = way_of_port(ports[0]);
	CHECK(w >= 0, "flow 0 not in its bucket");
	if (w < 0)
		return;
	b = &ft.b4[bucket_of_port(ports[0])];
	s = b->head.state[w];
	CHECK(get_flow(&k0, &f), "flow 0 not found");
	f.tcp_flags = 0x10;
	CHECK_EQ(flowtab_update(&ft, &k0, &f, BPF_EXIST), 0);
	CHECK(b->head.state[w] == s, "the update left the word %#llx, not %#llx",
	      (unsigned long long)b->head.state[w], (unsigned long long)s);
	CHECK(get_flow(&k0, &f) && f.tcp_flags == 0x10, "the update was not written in place");

	b->head.state[w] = s | ZTOS_FT_BUSY;	/* a writer in the middle of its write */
	{
		struct pkt p = vx_udp4(VTEP4, VNI, A4, ports[ZTOS_FT_WAYS], B4, 53);

		next_stamp();
		CHECK_EQ(run_xdp(&p), XDP_PASS);
	}
	CHECK(way_of_port(ports[0]) == w, "a new flow took the way of flow 0 under its write");
	CHECK(!has4(ports[1]), "flow 1, the oldest not being written, is still there");
	CHECK_EQ(flowtab_delete(&ft, &k0), -EBUSY);
	CHECK_EQ(flowtab_update(&ft, &k0, &f, BPF_EXIST), -EBUSY);
	{
		struct pkt p = vx_udp4(VTEP4, VNI, A4, ports[0], B4, 53);

		CHECK_EQ(run_xdp(&p), XDP_PASS);
	}
	COUNTERS(ZTOS_CNT_ALLOWED, ZTOS_FT_WAYS + 2, ZTOS_CNT_NEW_FLOWS, ZTOS_FT_WAYS + 1,
		 ZTOS_CNT_FLOWS_EVICTED, 1);
	CHECK(b->slot[w].flow.packets[ZTOS_DIR_FWD] == 2, "flow 0's packet counted %llu, not 2",
	      (unsigned long long)b->slot[w].flow.packets[ZTOS_DIR_FWD]);
	b->head.state[w] = s;	/* the write done */
	CHECK_EQ(flowtab_delete(&ft, &k0), 0);
	CHECK_EQ(flowtab_count4(&ft), ZTOS_FT_WAYS - 1);
}

/* A table of another size (flow_table_size changed): each flow into its new bucket. */
static void t_flowtab4_rehash(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, o, .map_flags = BPF_F_MMAPABLE);
	int big = bpf_map_create(BPF_MAP_TYPE_ARRAY, "ft_big", sizeof(__u32),
				 sizeof(struct ztos_ft_bucket), 4 * (ft.mask4 + 1), &o);
	struct flowtab t2 = { 0 };
	struct ztos_flow f;
	int found = 0;

	std_tenant();
	for (__u16 i = 0; i < 1000; i++) {
		struct pkt p = vx_udp4(VTEP4, VNI, A4, 2000 + i, B4, 53);

		CHECK_EQ(run_xdp(&p), XDP_PASS);
	}
	CHECK(big >= 0, "create a table of 4x the buckets: %s", strerror(errno));
	if (big < 0)
		return;
	CHECK_EQ(flowtab_rehash4(bpf_map__fd(xdp->maps.flowtab4), big,
				 bpf_map__fd(xdp->maps.flow_seed)), (int)flowtab_count4(&ft));
	CHECK_EQ(flowtab_open(&t2, -1, big, bpf_map__fd(xdp->maps.flow_seed)), 0);
	if (t2.b4) {
		for (__u16 i = 0; i < 1000; i++) {
			struct ztos_flow_key k = key4(IPPROTO_UDP, A4, 2000 + i, B4, 53);

			found += !flowtab_lookup(&t2, &k, &f) && f.packets[ZTOS_DIR_FWD] == 1;
		}
		CHECK_EQ((size_t)found, flowtab_count4(&ft));
		CHECK_EQ(flowtab_count4(&t2), flowtab_count4(&ft));
	}
	/* 1000 flows in 4096 slots: one bucket of eight overflowing is most unlikely. */
	CHECK(found >= 990, "only %d of 1000 flows in the table", found);
	flowtab_close(&t2);
	close(big);
}

/* The LRU hash flows4 of an older ztos: its flows move into flowtab4, where BPF finds them. */
static void t_flowtab4_adopt_lru(void)
{
	int old = bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "flows4", sizeof(struct ztos_flow4_key),
				 sizeof(struct ztos_flow), 1024, NULL);
	struct ztos_flow f = { .verdict = ZTOS_VERDICT_ALLOW, .opener_is_a = 1, .policy_gen = 1,
			       .tenant_id = TENANT, .packets = { 5, 3 } };
	struct ztos_flow_key k = key4(IPPROTO_UDP, A4, 1000, B4, 53);
	struct pkt p = vx_udp4(VTEP4, VNI, A4, 1000, B4, 53);
	struct ztos_flow4_key k4;

	std_tenant();
	CHECK(old >= 0, "create an LRU flows4: %s", strerror(errno));
	if (old < 0)
		return;
	for (__u16 i = 0; i < 3; i++) {
		struct ztos_flow_key ki = key4(IPPROTO_UDP, A4, 1000 + i, B4, 53);

		ztos_flow4_key_of(&ki, &k4);
		CHECK_EQ(bpf_map_update_elem(old, &k4, &f, BPF_NOEXIST), 0);
	}
	CHECK_EQ(flowtab_adopt_lru4(&ft, old, sizeof(struct ztos_flow)), 3);
	CHECK_EQ(flowtab_count4(&ft), 3);
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	CHECK_EQ(counter(ZTOS_CNT_NEW_FLOWS), 0);
	CHECK(get_flow(&k, &f) && f.packets[ZTOS_DIR_FWD] == 6 && f.packets[ZTOS_DIR_REV] == 3,
	      "the adopted flow's counts did not go on");
	close(old);
}

/* The hash is keyed: another seed puts most flows in other buckets. */
static void t_flowtab4_seeded(void)
{
	int moved = 0;

	for (__u16 i = 0; i < 1000; i++) {
		struct ztos_flow_key k = key4(IPPROTO_UDP, A4, 3000 + i, B4, 53);
		struct ztos_flow4_key k4;

		ztos_flow4_key_of(&k, &k4);
		moved += ((__u32)ztos_ft_hash(&k4, FLOW_SEED) & ft.mask4) !=
			 ((__u32)ztos_ft_hash(&k4, FLOW_SEED ^ 1) & ft.mask4);
	}
	CHECK(moved > 950, "only %d of 1000 flows in another bucket under another seed", moved);
}

static void t_allowed_ipv4_outer(void)
{
	struct pkt p = vx_udp4(VTEP4, VNI, A4, 1000, B4, 53);
	struct ztos_flow_key k = key4(IPPROTO_UDP, A4, 1000, B4, 53);
	struct ztos_tenant_stats ts;
	struct ztos_flow f;

	std_tenant();
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	COUNTERS(ZTOS_CNT_ALLOWED, 1, ZTOS_CNT_NEW_FLOWS, 1);
	expect_flow(&k, ZTOS_VERDICT_ALLOW, 1, 0, 1);
	if (get_flow(&k, &f)) {
		CHECK_EQ(f.bytes[ZTOS_DIR_FWD], inner_len(&p));
		CHECK_EQ(f.policy_gen, 1);
		CHECK_EQ(f.tcp_flags, 0);
	}
	expect_in_flowtab4(&k);
	ts = tenant_stats(TENANT);
	CHECK_EQ(ts.packets, 1);
	CHECK_EQ(ts.bytes, inner_len(&p));
	CHECK_EQ(ts.drops, 0);
}

static void t_allowed_ipv6_outer(void)
{
	struct pkt p = vx6_tcp6(TCP_SYN), p4;
	struct ztos_flow_key k = key6(IPPROTO_TCP, A6, 443, B6, 40000);
	struct ztos_flow f;

	std_tenant();
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	COUNTERS(ZTOS_CNT_ALLOWED, 1, ZTOS_CNT_NEW_FLOWS, 1);
	/* The opener (fd00::2) is the higher address: endpoint b. */
	expect_flow(&k, ZTOS_VERDICT_ALLOW, 1, 0, 0);
	if (get_flow(&k, &f))
		CHECK_EQ(f.tcp_flags, TCP_SYN);
	/* IPv6 flows keep the whole key, in flows. */
	CHECK_EQ(n_entries(xdp->maps.flows), 1);
	CHECK_EQ(flowtab_count4(&ft), 0);
	CHECK(!bpf_map_lookup_elem(bpf_map__fd(xdp->maps.flows), &k, &f), "not in flows");
	/* With an IPv4 flow beside it, the walk user space makes crosses both tables. */
	p4 = vx_udp4(VTEP4, VNI, A4, 1000, B4, 53);
	CHECK_EQ(run_xdp(&p4), XDP_PASS);
	CHECK_EQ(n_flows(), 2);
}

static void vlan_case(const uint16_t *tpids, int n)
{
	struct pkt p = { 0 };
	struct ztos_flow_key k = key4(IPPROTO_UDP, A4, 1000, B4, 53);

	std_tenant();
	pkt_eth(&p, tpids, n, 0x0800);
	pkt_ip4(&p, VTEP4, "192.0.2.1", IPPROTO_UDP);
	pkt_udp(&p, 49152, ZTOS_VXLAN_PORT);
	pkt_vxlan(&p, 0x08, VNI);
	pkt_inner_udp4(&p, A4, 1000, B4, 53);
	pkt_fix_lengths(&p);
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	COUNTERS(ZTOS_CNT_ALLOWED, 1, ZTOS_CNT_NEW_FLOWS, 1);
	expect_flow(&k, ZTOS_VERDICT_ALLOW, 1, 0, 1);

	/* The same, from a VNI this host does not serve: the tags do not hide it. */
	p.b[p.outer_udp_off + 8 + 6] ^= 0x01;
	CHECK_EQ(run_xdp(&p), XDP_DROP);
	CHECK_EQ(counter(ZTOS_DROP_UNKNOWN_VNI), 1);
}

static void t_outer_one_vlan(void)
{
	vlan_case((const uint16_t[]){ 0x8100 }, 1);
}

static void t_outer_two_vlans(void)
{
	vlan_case((const uint16_t[]){ 0x88a8, 0x8100 }, 2);
}

static void t_inner_vlan(void)
{
	struct pkt p = { 0 };
	struct ztos_flow_key k = key4(IPPROTO_UDP, A4, 1000, B4, 53);

	std_tenant();
	pkt_vxlan4_outer(&p, VTEP4, ZTOS_VXLAN_PORT, VNI);
	pkt_eth(&p, (const uint16_t[]){ 0x8100 }, 1, 0x0800);
	pkt_ip4(&p, A4, B4, IPPROTO_UDP);
	pkt_udp(&p, 1000, 53);
	pkt_fix_lengths(&p);
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	COUNTERS(ZTOS_CNT_ALLOWED, 1, ZTOS_CNT_NEW_FLOWS, 1);
	expect_flow(&k, ZTOS_VERDICT_ALLOW, 1, 0, 1);
}

static void t_vxlan_i_flag(void)
{
	struct pkt p = vx_udp4(VTEP4, VNI, A4, 1000, B4, 53);

	std_tenant();
	p.b[p.outer_udp_off + 8] = 0x00;
	CHECK_EQ(run_xdp(&p), XDP_DROP);
	COUNTERS(ZTOS_DROP_MALFORMED, 1);
	CHECK_EQ(n_flows(), 0);
}

/*
 * Cut the packet at every length from the Ethernet header to the end of the inner
 * transport header. Before the UDP destination port is complete the packet cannot be
 * known to be VXLAN: it passes as other traffic. From there on it must be dropped as
 * malformed. With the headers whole (no payload) it is an ordinary allowed packet.
 */
static void truncation_sweep(const struct pkt *whole, size_t l4_end, __u8 l3)
{
	size_t dport_end = whole->outer_udp_off + 4;
	struct bpf_program *prog = (l3 ? xdp_l3 : xdp)->progs.ztos_xdp_ingress;
	__u32 counted;
	int bad = 0;

	for (size_t cut = 14; cut <= l4_end; cut++) {
		bool known = cut >= dport_end, full = cut == l4_end;
		int want = known && !full ? XDP_DROP : XDP_PASS;

		counted = known ? ZTOS_DROP_MALFORMED : ZTOS_CNT_PASS_OTHER;
		int got;

		reset();
		std_tenant();
		got = run_xdp_prog(prog, whole->b, cut, 1);
		if (got != want) {
			note("cut at %zu of %zu: return %d, want %d\n", cut, l4_end, got, want);
			bad++;
		} else if (!full && counter(counted) != 1) {
			note("cut at %zu: counter %s is %llu, want 1\n", cut,
			     ztos_counter_names[counted], (unsigned long long)counter(counted));
			bad++;
		} else if (full && counter(ZTOS_CNT_ALLOWED) != 1) {
			note("whole headers: not counted allowed\n");
			bad++;
		} else if (!full && n_flows() != 0) {
			note("cut at %zu: a flow entry was made\n", cut);
			bad++;
		}
		if (bad > 5)
			break;
	}
	if (bad)
		case_failed = true;
}

static void t_trunc_vxlan4_udp4(void)
{
	struct pkt p = vx_udp4(VTEP4, VNI, A4, 1000, B4, 53);

	truncation_sweep(&p, p.l4_off + 8, 0);
}

static void t_trunc_vxlan4_tcp4(void)
{
	struct pkt p = vx_tcp4(A4, 40000, B4, 80, TCP_SYN);

	truncation_sweep(&p, p.l3_off + 20 + 20, 0);
}

static void t_trunc_vxlan6_tcp6(void)
{
	struct pkt p = vx6_tcp6(TCP_SYN);

	truncation_sweep(&p, p.l3_off + 40 + 20, 0);
}

/* Outer 802.1ad + 802.1Q, inner VLAN-tagged ICMP echo. */
static void t_trunc_vlans_icmp(void)
{
	struct pkt p = { 0 };

	pkt_eth(&p, (const uint16_t[]){ 0x88a8, 0x8100 }, 2, 0x0800);
	pkt_ip4(&p, VTEP4, "192.0.2.1", IPPROTO_UDP);
	pkt_udp(&p, 49152, ZTOS_VXLAN_PORT);
	pkt_vxlan(&p, 0x08, VNI);
	pkt_eth(&p, (const uint16_t[]){ 0x8100 }, 1, 0x0800);
	pkt_ip4(&p, A4, B4, IPPROTO_ICMP);
	pkt_icmp_echo(&p);
	pkt_fix_lengths(&p);
	truncation_sweep(&p, p.len, 0);
}

/* An outer IPv4 header with options: the UDP header is found through ihl. */
static void t_outer_ip_options(void)
{
	struct pkt p = { 0 };
	struct ztos_flow_key k = key4(IPPROTO_UDP, A4, 1000, B4, 53);

	std_tenant();
	pkt_eth(&p, NULL, 0, 0x0800);
	pkt_ip4(&p, VTEP4, "192.0.2.1", IPPROTO_UDP);
	p.b[p.l3_off] = 0x47;			/* 7 words: 8 bytes of options */
	memset(pkt_put(&p, 8), 0x01, 8);	/* NOP options */
	pkt_udp(&p, 49152, ZTOS_VXLAN_PORT);
	pkt_vxlan(&p, 0x08, VNI);
	pkt_inner_udp4(&p, A4, 1000, B4, 53);
	pkt_fix_lengths(&p);
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	COUNTERS(ZTOS_CNT_ALLOWED, 1, ZTOS_CNT_NEW_FLOWS, 1);
	expect_flow(&k, ZTOS_VERDICT_ALLOW, 1, 0, 1);
	truncation_sweep(&p, p.l4_off + 8, 0);
}

static void t_non_vxlan_udp(void)
{
	struct pkt p = { 0 };

	std_tenant();
	pkt_eth(&p, NULL, 0, 0x0800);
	pkt_ip4(&p, VTEP4, "192.0.2.1", IPPROTO_UDP);
	pkt_udp(&p, 4789, 53);		/* from the VXLAN port is not to it */
	pkt_vxlan(&p, 0x08, FOREIGN_VNI);
	pkt_fix_lengths(&p);
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	COUNTERS(ZTOS_CNT_PASS_OTHER, 1);
	CHECK_EQ(n_flows(), 0);
}

static void t_non_vxlan_tcp(void)
{
	struct pkt p = { 0 };

	std_tenant();
	pkt_eth(&p, NULL, 0, 0x0800);
	pkt_ip4(&p, VTEP4, "192.0.2.1", IPPROTO_TCP);
	pkt_tcp(&p, 40000, ZTOS_VXLAN_PORT, TCP_SYN);	/* TCP to 4789 is not VXLAN */
	pkt_fix_lengths(&p);
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	COUNTERS(ZTOS_CNT_PASS_OTHER, 1);

	/* Not IP at all: ARP on the underlay. */
	p.len = 0;
	pkt_eth(&p, NULL, 0, 0x0806);
	pkt_bytes(&p, 28);
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	COUNTERS(ZTOS_CNT_PASS_OTHER, 2);
}

static void t_inner_arp(void)
{
	struct pkt p = { 0 };

	std_tenant();
	set_policy(TENANT, ZTOS_VERDICT_DENY, NULL, 0);	/* ARP is not subject to policy */
	pkt_vxlan4_outer(&p, VTEP4, ZTOS_VXLAN_PORT, VNI);
	pkt_eth(&p, NULL, 0, 0x0806);
	pkt_bytes(&p, 28);
	pkt_fix_lengths(&p);
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	COUNTERS(ZTOS_CNT_INNER_OTHER, 1);
	CHECK_EQ(n_flows(), 0);
	CHECK_EQ(tenant_stats(TENANT).packets, 1);
}

static void t_inner_icmp(void)
{
	struct pkt p = { 0 };
	struct ztos_flow_key k = key4(IPPROTO_ICMP, A4, 0, B4, 0);

	std_tenant();
	pkt_vxlan4_outer(&p, VTEP4, ZTOS_VXLAN_PORT, VNI);
	pkt_eth(&p, NULL, 0, 0x0800);
	pkt_ip4(&p, B4, A4, IPPROTO_ICMP);
	pkt_icmp_echo(&p);
	pkt_fix_lengths(&p);
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	COUNTERS(ZTOS_CNT_ALLOWED, 1, ZTOS_CNT_NEW_FLOWS, 1);
	expect_flow(&k, ZTOS_VERDICT_ALLOW, 1, 0, 0);
}

static void t_policy_default_deny(void)
{
	struct ztos_rule r[] = { rule(ZTOS_VERDICT_ALLOW, IPPROTO_UDP, 53) };
	struct pkt dns = vx_udp4(VTEP4, VNI, A4, 1000, B4, 53);
	struct pkt other = vx_udp4(VTEP4, VNI, A4, 1000, B4, 54);
	struct ztos_flow_key kd = key4(IPPROTO_UDP, A4, 1000, B4, 53);
	struct ztos_flow_key ko = key4(IPPROTO_UDP, A4, 1000, B4, 54);

	std_tenant();
	set_policy(TENANT, ZTOS_VERDICT_DENY, r, 1);
	CHECK_EQ(run_xdp(&dns), XDP_PASS);
	CHECK_EQ(run_xdp(&other), XDP_DROP);
	CHECK_EQ(run_xdp(&other), XDP_DROP);
	COUNTERS(ZTOS_CNT_ALLOWED, 1, ZTOS_DROP_POLICY, 2, ZTOS_CNT_NEW_FLOWS, 2);
	expect_flow(&kd, ZTOS_VERDICT_ALLOW, 1, 0, 1);
	expect_flow(&ko, ZTOS_VERDICT_DENY, 2, 0, 1);
	CHECK_EQ(tenant_stats(TENANT).drops, 2);
	CHECK_EQ(tenant_stats(TENANT).packets, 3);
}

static void t_policy_default_allow(void)
{
	struct ztos_rule r[] = { rule4(ZTOS_VERDICT_DENY, "dst", "10.100.0.99/32") };
	struct pkt bad = vx_udp4(VTEP4, VNI, A4, 1000, "10.100.0.99", 53);
	struct pkt good = vx_udp4(VTEP4, VNI, A4, 1000, B4, 53);

	std_tenant();
	set_policy(TENANT, ZTOS_VERDICT_ALLOW, r, 1);
	CHECK_EQ(run_xdp(&bad), XDP_DROP);
	CHECK_EQ(run_xdp(&good), XDP_PASS);
	COUNTERS(ZTOS_CNT_ALLOWED, 1, ZTOS_DROP_POLICY, 1, ZTOS_CNT_NEW_FLOWS, 2);
	/* The rule names the opener's destination, even though it is endpoint b here. */
	struct ztos_flow_key kb = key4(IPPROTO_UDP, A4, 1000, "10.100.0.99", 53);
	expect_flow(&kb, ZTOS_VERDICT_DENY, 1, 0, 1);
}

static void t_policy_src_prefix_opener(void)
{
	/* Deny from 10.100.0.0/31 (A4 only... B4 is .2): the opener B4 is not denied. */
	struct ztos_rule r[] = { rule4(ZTOS_VERDICT_DENY, "src", "10.100.0.0/31") };
	struct pkt from_b = vx_udp4(VTEP4, VNI, B4, 1000, A4, 53);
	struct pkt from_a = vx_udp4(VTEP4, VNI, A4, 2000, B4, 53);

	std_tenant();
	set_policy(TENANT, ZTOS_VERDICT_ALLOW, r, 1);
	CHECK_EQ(run_xdp(&from_b), XDP_PASS);
	CHECK_EQ(run_xdp(&from_a), XDP_DROP);
	COUNTERS(ZTOS_CNT_ALLOWED, 1, ZTOS_DROP_POLICY, 1, ZTOS_CNT_NEW_FLOWS, 2);
}

static void t_policy_inspect(void)
{
	struct ztos_rule r[] = { rule(ZTOS_VERDICT_INSPECT, IPPROTO_TCP, 80) };
	struct pkt p = vx_tcp4(B4, 40000, A4, 80, TCP_SYN);
	struct ztos_flow_key k = key4(IPPROTO_TCP, A4, 80, B4, 40000);

	std_tenant();
	set_policy(TENANT, ZTOS_VERDICT_DENY, r, 1);
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	COUNTERS(ZTOS_CNT_INSPECTED, 1, ZTOS_CNT_NEW_FLOWS, 1);
	expect_flow(&k, ZTOS_VERDICT_INSPECT, 1, 0, 0);
	CHECK_EQ(tenant_stats(TENANT).inspected, 1);
}

static void t_policy_rule_order(void)
{
	struct ztos_rule deny_first[] = { rule4(ZTOS_VERDICT_DENY, "src", "10.100.0.0/24"),
					  rule(ZTOS_VERDICT_ALLOW, IPPROTO_TCP, 80) };
	struct ztos_rule allow_first[] = { deny_first[1], deny_first[0] };
	struct pkt p1 = vx_tcp4(A4, 40001, B4, 80, TCP_SYN);
	struct pkt p2 = vx_tcp4(A4, 40002, B4, 80, TCP_SYN);

	std_tenant();
	set_policy(TENANT, ZTOS_VERDICT_ALLOW, deny_first, 2);
	CHECK_EQ(run_xdp(&p1), XDP_DROP);
	set_policy(TENANT, ZTOS_VERDICT_DENY, allow_first, 2);
	CHECK_EQ(run_xdp(&p2), XDP_PASS);
	COUNTERS(ZTOS_CNT_ALLOWED, 1, ZTOS_DROP_POLICY, 1, ZTOS_CNT_NEW_FLOWS, 2);
}

static int count_events(__u32 type)
{
	drain_events();
	return type < 4 ? ev_total[type] : 0;
}

static void t_dpi_block(void)
{
	struct pkt p = vx_tcp4(A4, 40000, B4, 80, TCP_ACK);
	struct ztos_flow_key k = key4(IPPROTO_TCP, A4, 40000, B4, 80);
	struct ztos_flow f;

	std_tenant();
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	if (!get_flow(&k, &f)) {
		note("no flow after the first packet\n");
		case_failed = true;
		return;
	}
	f.verdict = ZTOS_VERDICT_BLOCK;	/* what the DPI engine does on an alert */
	put_flow(&k, &f);
	CHECK_EQ(run_xdp(&p), XDP_DROP);
	CHECK_EQ(run_xdp(&p), XDP_DROP);
	COUNTERS(ZTOS_CNT_ALLOWED, 1, ZTOS_CNT_NEW_FLOWS, 1, ZTOS_DROP_BLOCKED, 2);
	expect_flow(&k, ZTOS_VERDICT_BLOCK, 3, 0, 1);
	CHECK_EQ(count_events(ZTOS_EV_FLOW_BLOCKED), 1);
	for (int i = 0; i < n_evs; i++)
		if (evs[i].type == ZTOS_EV_FLOW_BLOCKED)
			CHECK(!memcmp(&evs[i].key, &k, sizeof(k)), "FLOW_BLOCKED key differs");

	/* A policy change does not lift a DPI block. */
	add_tenant(VNI, TENANT, 2);
	CHECK_EQ(run_xdp(&p), XDP_DROP);
	expect_flow(&k, ZTOS_VERDICT_BLOCK, 4, 0, 1);
}

static void t_reply_direction(void)
{
	struct pkt fwd = vx_tcp4(B4, 40000, A4, 80, TCP_SYN);
	struct pkt rev = vx_tcp4(A4, 80, B4, 40000, TCP_SYN | TCP_ACK);
	struct ztos_flow_key k = key4(IPPROTO_TCP, A4, 80, B4, 40000);
	struct ztos_flow f;

	std_tenant();
	CHECK_EQ(run_xdp(&fwd), XDP_PASS);
	CHECK_EQ(run_xdp(&rev), XDP_PASS);
	CHECK_EQ(run_xdp(&rev), XDP_PASS);
	COUNTERS(ZTOS_CNT_ALLOWED, 3, ZTOS_CNT_NEW_FLOWS, 1);
	CHECK_EQ(n_flows(), 1);
	expect_flow(&k, ZTOS_VERDICT_ALLOW, 1, 2, 0);
	if (get_flow(&k, &f)) {
		CHECK_EQ(f.bytes[ZTOS_DIR_REV], 2 * inner_len(&rev));
		CHECK_EQ(f.tcp_flags, TCP_SYN | TCP_ACK);
	}
}

static __u64 monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/*
 * last_seen_ns is read from the clock at most once a jiffy (bpf/lib/flow.h), so two runs
 * inside one tick may leave it where it was. What must hold: once the clock has moved
 * on, a packet moves it, to a time between the run's start and its end (bpf_ktime_get_ns
 * is CLOCK_MONOTONIC). Waits for the tick (bounded at 2 s), never assumes one passed.
 */
static void expect_last_seen_moves(const struct pkt *p, const struct ztos_flow_key *k,
				   __u64 last_seen)
{
	struct ztos_flow f = { 0 };
	__u64 t0 = 0, t1 = 0;

	for (int i = 0; i < 2000 && f.last_seen_ns <= last_seen; i++) {
		usleep(1000);
		t0 = monotonic_ns();
		CHECK_EQ(run_xdp(p), XDP_PASS);
		t1 = monotonic_ns();
		if (!get_flow(k, &f))
			return;
	}
	CHECK(f.last_seen_ns > last_seen, "last_seen did not move in 2 s of packets");
	CHECK(f.last_seen_ns >= t0 && f.last_seen_ns <= t1,
	      "last_seen %llu is not the time of the packet that moved it (%llu..%llu)",
	      (unsigned long long)f.last_seen_ns, (unsigned long long)t0,
	      (unsigned long long)t1);
}

static void t_counters_grow(void)
{
	struct pkt p = vx_udp4(VTEP4, VNI, A4, 1000, B4, 53);
	struct ztos_flow_key k = key4(IPPROTO_UDP, A4, 1000, B4, 53);
	struct ztos_flow f1, f2;

	std_tenant();
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	get_flow(&k, &f1);
	CHECK_EQ(run_xdp_prog(xdp->progs.ztos_xdp_ingress, p.b, p.len, 10), XDP_PASS);
	CHECK_EQ(run_xdp_prog(xdp->progs.ztos_xdp_ingress, p.b, p.len, 5), XDP_PASS);
	COUNTERS(ZTOS_CNT_ALLOWED, 16, ZTOS_CNT_NEW_FLOWS, 1);
	expect_flow(&k, ZTOS_VERDICT_ALLOW, 16, 0, 1);
	if (get_flow(&k, &f2)) {
		CHECK_EQ(f2.bytes[ZTOS_DIR_FWD], 16 * inner_len(&p));
		CHECK(f2.last_seen_ns >= f1.last_seen_ns, "last_seen went back");
		CHECK_EQ(f2.first_seen_ns, f1.first_seen_ns);
	}
	CHECK_EQ(tenant_stats(TENANT).packets, 16);
	CHECK_EQ(tenant_stats(TENANT).bytes, 16 * inner_len(&p));
	expect_last_seen_moves(&p, &k, f1.last_seen_ns);
}

static void t_policy_gen_bump(void)
{
	struct ztos_rule deny80[] = { rule(ZTOS_VERDICT_DENY, IPPROTO_TCP, 80) };
	struct pkt p = vx_tcp4(A4, 40000, B4, 80, TCP_ACK);
	struct pkt reply = vx_tcp4(B4, 80, A4, 40000, TCP_ACK);
	struct ztos_flow_key k = key4(IPPROTO_TCP, A4, 40000, B4, 80);
	struct ztos_flow f;

	std_tenant();
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	/* A new policy without a generation bump leaves known flows alone... */
	set_policy(TENANT, ZTOS_VERDICT_ALLOW, deny80, 1);
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	/* ...the bump re-evaluates them, from the opener's side even on a reply. */
	add_tenant(VNI, TENANT, 2);
	CHECK_EQ(run_xdp(&reply), XDP_DROP);
	CHECK_EQ(run_xdp(&p), XDP_DROP);
	COUNTERS(ZTOS_CNT_ALLOWED, 2, ZTOS_CNT_NEW_FLOWS, 1, ZTOS_DROP_POLICY, 2);
	expect_flow(&k, ZTOS_VERDICT_DENY, 3, 1, 1);
	if (get_flow(&k, &f))
		CHECK_EQ(f.policy_gen, 2);
}

/* Long enough for any HZ (100 at least): the next packet is in another jiffy. */
#define NEXT_JIFFY_US 25000

static void t_caches_expire(void)
{
	struct pkt p = vx_udp4(VTEP4, VNI, A4, 1000, B4, 53);
	struct ztos_rule deny_all[] = { rule(ZTOS_VERDICT_DENY, 0, 0) };
	struct ztos_vtep_key vk = { .vni = VNI, .family = ZTOS_AF4 };
	__u32 vni = VNI;
	struct ztos_tenant_info t = { .tenant_id = TENANT, .policy_gen = 2 };

	std_tenant();
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	/* A policy_gen bump written without clearing the caches: seen the next jiffy. */
	set_policy(TENANT, ZTOS_VERDICT_ALLOW, deny_all, 1);
	bpf_map_update_elem(bpf_map__fd(xdp->maps.tenants), &vni, &t, BPF_ANY);
	usleep(NEXT_JIFFY_US);
	CHECK_EQ(run_xdp(&p), XDP_DROP);
	CHECK_EQ(counter(ZTOS_DROP_POLICY), 1);
	/* A VTEP taken off the allowlist, likewise. */
	inet_pton(AF_INET, VTEP4, vk.addr);
	bpf_map_delete_elem(bpf_map__fd(xdp->maps.vteps), &vk);
	usleep(NEXT_JIFFY_US);
	CHECK_EQ(run_xdp(&p), XDP_DROP);
	CHECK_EQ(counter(ZTOS_DROP_VTEP), 1);
	/* And a tenant removed. */
	bpf_map_delete_elem(bpf_map__fd(xdp->maps.tenants), &vni);
	usleep(NEXT_JIFFY_US);
	CHECK_EQ(run_xdp(&p), XDP_DROP);
	CHECK_EQ(counter(ZTOS_DROP_UNKNOWN_VNI), 1);
}

static void t_tc_unknown_port(void)
{
	struct pkt p = frame_tcp4(A4, 40000, B4, 80);

	std_tenant();
	set_policy(TENANT, ZTOS_VERDICT_DENY, NULL, 0);
	CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_ingress, &p, port_ifindex), TC_ACT_OK);
	NO_COUNTERS();
	CHECK_EQ(n_flows(), 0);
}

static void add_port(void)
{
	__u32 ifindex = (__u32)port_ifindex, vni = VNI;

	bpf_map_update_elem(bpf_map__fd(xdp->maps.ports), &ifindex, &vni, BPF_ANY);
}

static void t_tc_ingress_deny(void)
{
	struct ztos_rule r[] = { rule(ZTOS_VERDICT_ALLOW, IPPROTO_TCP, 443) };
	struct pkt p = frame_tcp4(A4, 40000, B4, 80);
	struct pkt ok = frame_tcp4(A4, 40000, B4, 443);
	struct ztos_flow_key k = key4(IPPROTO_TCP, A4, 40000, B4, 80);
	struct ztos_flow f;

	std_tenant();
	add_port();
	set_policy(TENANT, ZTOS_VERDICT_DENY, r, 1);
	CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_ingress, &p, port_ifindex), TC_ACT_SHOT);
	CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_ingress, &ok, port_ifindex), TC_ACT_OK);
	COUNTERS(ZTOS_DROP_POLICY, 1, ZTOS_CNT_ALLOWED, 1, ZTOS_CNT_NEW_FLOWS, 2);
	expect_flow(&k, ZTOS_VERDICT_DENY, 1, 0, 1);
	if (get_flow(&k, &f))
		CHECK_EQ(f.bytes[ZTOS_DIR_FWD], p.len);
}

static void tc_inspect(__u32 target, int mirrored, int failed)
{
	struct ztos_rule r[] = { rule(ZTOS_VERDICT_INSPECT, IPPROTO_TCP, 80) };
	struct pkt p = frame_tcp4(A4, 40000, B4, 80);
	struct ztos_flow_key k = key4(IPPROTO_TCP, A4, 40000, B4, 80);
	__u32 zero = 0;

	std_tenant();
	add_port();
	set_policy(TENANT, ZTOS_VERDICT_ALLOW, r, 1);
	bpf_map_update_elem(bpf_map__fd(xdp->maps.dpi_target), &zero, &target, BPF_ANY);
	CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_ingress, &p, port_ifindex), TC_ACT_OK);
	COUNTERS(ZTOS_CNT_INSPECTED, 1, ZTOS_CNT_NEW_FLOWS, 1, ZTOS_CNT_MIRRORED, mirrored,
		 ZTOS_CNT_MIRROR_FAILED, failed);
	expect_flow(&k, ZTOS_VERDICT_INSPECT, 1, 0, 1);
}

static void t_tc_inspect_no_target(void)
{
	tc_inspect(0, 0, 0);
}

static void t_tc_inspect_mirror(void)
{
	tc_inspect((__u32)dpi_ifindex, 1, 0);
}

static void t_tc_inspect_mirror_failed(void)
{
	tc_inspect(999999, 0, 1);	/* no such interface */
}

/* The records of dpi_ring, as the reader sees them. */
struct ring_seen {
	int n;
	size_t size;			/* of the last record */
	struct ztos_mirror_rec rec;	/* its header */
	__u8 data[4096];		/* and its frame */
};

static int ring_record(void *ctx, void *data, size_t size)
{
	struct ring_seen *s = ctx;

	s->n++;
	s->size = size;
	if (size >= sizeof(s->rec)) {
		memcpy(&s->rec, data, sizeof(s->rec));
		memcpy(s->data, (__u8 *)data + sizeof(s->rec),
		       s->rec.len < sizeof(s->data) ? s->rec.len : sizeof(s->data));
	}
	return 0;
}

static struct ring_seen ring_drain(void)
{
	struct ring_seen s = { 0 };
	struct ring_buffer *ring = ring_buffer__new(bpf_map__fd(tc->maps.dpi_ring), ring_record,
						    &s, NULL);

	if (!ring) {
		note("ring_buffer__new: %s\n", strerror(errno));
		case_failed = true;
		return s;
	}
	ring_buffer__consume(ring);
	ring_buffer__free(ring);
	return s;
}

/*
 * dpi.transport ring: the copy is a record in dpi_ring with the tenant's VNI and the whole
 * frame, in the smallest record it fits (the frame's own bytes, no stamp in its MAC); a
 * frame over an MTU goes whole into the next size (8 KiB).
 */
static void t_tc_inspect_ring(void)
{
	struct pkt p = frame_tcp4(A4, 40000, B4, 80);
	static __u8 big[3000];
	struct ring_seen s;

	ring_drain();
	tc_inspect(ZTOS_DPI_TARGET_RING, 1, 0);
	s = ring_drain();
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.size, ZTOS_MIRROR_REC_SMALL);
	CHECK_EQ(s.rec.vni, VNI);
	CHECK_EQ(s.rec.len, p.len);
	CHECK_EQ(s.rec.frame_len, p.len);
	CHECK(!memcmp(s.data, p.b, p.len), "the record holds the frame as it was sent");

	memcpy(big, p.b, p.len);
	for (size_t i = p.len; i < sizeof(big); i++)
		big[i] = (__u8)i;
	CHECK_EQ(run_tc_buf(tc->progs.ztos_tc_ingress, big, sizeof(big), port_ifindex), TC_ACT_OK);
	s = ring_drain();
	CHECK_EQ(s.n, 1);
	CHECK_EQ(s.size, ZTOS_MIRROR_REC_JUMBO);
	CHECK_EQ(s.rec.len, sizeof(big));
	CHECK_EQ(s.rec.frame_len, sizeof(big));
	CHECK(!memcmp(s.data, big, sizeof(big)), "the record holds the large frame whole");
	CHECK_EQ(counter(ZTOS_CNT_MIRRORED), 2);
}

/* What the ring reader handed on: packets, and those whose key or payload was not the frame's. */
struct ring_read {
	struct ztos_flow_key want;
	const __u8 *payload;
	uint32_t payload_len;
	atomic_uint n, wrong;
};

static void ring_batch(void *ctx, const struct afxdp_pkt *pkts, unsigned int n)
{
	struct ring_read *rr = ctx;

	for (unsigned int i = 0; i < n; i++)
		if (memcmp(&pkts[i].key, &rr->want, sizeof(rr->want)) || !pkts[i].has_vni ||
		    pkts[i].payload_len != rr->payload_len ||
		    memcmp(pkts[i].payload, rr->payload, rr->payload_len))
			atomic_fetch_add(&rr->wrong, 1);
	atomic_fetch_add(&rr->n, n);
}

static bool ring_read_all(struct ring_read *rr, unsigned int total)
{
	for (int i = 0; i < 20000 && atomic_load(&rr->n) < total; i++)
		usleep(1000);
	return atomic_load(&rr->n) == total;
}

/*
 * A frame of len bytes (len <= sizeof(buf)) of the flow of p, its IPv4 length the whole
 * frame, its payload a pattern of seed: what the reader hands on is compared with it.
 */
static void ring_frame(const struct pkt *p, __u8 *buf, size_t len, int seed, struct ring_read *rr)
{
	struct afxdp_pkt parsed;

	memcpy(buf, p->b, p->len);
	for (size_t i = p->len; i < len; i++)
		buf[i] = (__u8)(i * 7 + seed);
	buf[16] = (__u8)((len - 14) >> 8);
	buf[17] = (__u8)((len - 14) & 0xff);
	CHECK_EQ(afxdp_parse(buf, (uint32_t)len, &parsed), 0);
	CHECK(parsed.payload_len + 100 > len, "the payload is the frame's tail (%u of %zu bytes)",
	      parsed.payload_len, len);
	rr->payload = parsed.payload;
	rr->payload_len = parsed.payload_len;
}

/* rounds of per frames of len bytes through TC, each round read before the next. */
static void ring_rounds(struct ring_read *rr, const __u8 *frame, size_t len, int rounds, int per,
			unsigned int *total)
{
	for (int round = 0; round < rounds && !case_failed; round++) {
		CHECK_EQ(run_tc_times(tc->progs.ztos_tc_ingress, frame, len, port_ifindex, per),
			 TC_ACT_OK);
		*total += (unsigned int)per;
		CHECK(ring_read_all(rr, *total), "%zu B, round %d: %u of %u copies read", len,
		      round, atomic_load(&rr->n), *total);
	}
}

/*
 * The reader of dpi_ring (agent/kernel/mirring.c) on TC's records: every copy handed on
 * once, parsed to the flow's key with its VNI, its payload byte for byte. 6,000 frames of
 * 3,000 bytes in 8 KiB records (2,048 fill the 16 MiB ring), then 28,000 of 1,500 bytes
 * in MTU records (2 KiB), in rounds each read before the next: the ring wraps about six
 * times, and records straddle its end (read through its second mapping).
 */
static void t_tc_ring_reader(void)
{
	struct pkt p = frame_tcp4(A4, 40000, B4, 80);
	struct ring_read rr = { .want = key4(IPPROTO_TCP, A4, 40000, B4, 80) };
	struct mirring_opts o = { .ring_fd = bpf_map__fd(tc->maps.dpi_ring), .batch_size = 64,
				  .batch_timeout_us = 100, .fn = ring_batch, .ctx = &rr };
	static __u8 big[3000], mtu[1500];
	struct ztos_err e = { 0 };
	struct mirring *r = NULL;
	unsigned int total = 0;

	ring_drain();
	tc_inspect(ZTOS_DPI_TARGET_RING, 1, 0);
	ring_drain();
	if (mirring_start(&o, &r, &e)) {
		note("mirring_start: %s\n", e.msg);
		case_failed = true;
		return;
	}
	ring_frame(&p, big, sizeof(big), 0, &rr);
	ring_rounds(&rr, big, sizeof(big), 6, 1000, &total);
	ring_frame(&p, mtu, sizeof(mtu), 1, &rr);
	ring_rounds(&rr, mtu, sizeof(mtu), 7, 4000, &total);
	mirring_stop(r);
	CHECK_EQ(atomic_load(&rr.wrong), 0);
	CHECK_EQ(counter(ZTOS_CNT_MIRROR_FAILED), 0);
	CHECK_EQ(counter(ZTOS_CNT_MIRRORED), 1 + total);
	CHECK_EQ(ring_drain().n, 0);
}

/*
 * dpi.inspect_depth: each direction's frames are copied until the frame that brings its
 * bytes to the depth; the next ones are passed, counted inspect_past_depth, not copied.
 * The other direction has its own count. Depth 2 frames here.
 */
static void t_tc_inspect_depth(void)
{
	struct ztos_rule r[] = { rule(ZTOS_VERDICT_INSPECT, IPPROTO_TCP, 80) };
	struct pkt out = frame_tcp4(A4, 40000, B4, 80);
	struct pkt back = frame_tcp4(B4, 80, A4, 40000);
	struct ztos_flow_key k = key4(IPPROTO_TCP, A4, 40000, B4, 80);
	__u32 zero = 0, target = (__u32)dpi_ifindex;

	std_tenant();
	add_port();
	set_policy(TENANT, ZTOS_VERDICT_ALLOW, r, 1);
	bpf_map_update_elem(bpf_map__fd(xdp->maps.dpi_target), &zero, &target, BPF_ANY);
	tc->bss->ztos_inspect_depth = 2 * out.len;
	for (int i = 0; i < 4; i++)
		CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_ingress, &out, port_ifindex), TC_ACT_OK);
	COUNTERS(ZTOS_CNT_INSPECTED, 4, ZTOS_CNT_NEW_FLOWS, 1, ZTOS_CNT_MIRRORED, 2,
		 ZTOS_CNT_PAST_DEPTH, 2);
	/* The reply, from the same port (a stand-in for the other workload): its own count. */
	CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_ingress, &back, port_ifindex), TC_ACT_OK);
	COUNTERS(ZTOS_CNT_INSPECTED, 5, ZTOS_CNT_NEW_FLOWS, 1, ZTOS_CNT_MIRRORED, 3,
		 ZTOS_CNT_PAST_DEPTH, 2);
	expect_flow(&k, ZTOS_VERDICT_INSPECT, 4, 1, 1);
	/* Depth 0 again: every frame copied, whatever the flow carried before. */
	tc->bss->ztos_inspect_depth = 0;
	CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_ingress, &out, port_ifindex), TC_ACT_OK);
	CHECK_EQ(counter(ZTOS_CNT_MIRRORED), 4);
	CHECK_EQ(counter(ZTOS_CNT_PAST_DEPTH), 2);
}

/* A tenant TCP frame with `data` bytes after the TCP header, then `pad` bytes the IP
 * length does not count (Ethernet padding); IPv6 when v6. */
static struct pkt frame_tcp_data(bool v6, __u8 flags, size_t data, size_t pad)
{
	struct pkt p = { 0 };

	pkt_eth(&p, NULL, 0, v6 ? 0x86dd : 0x0800);
	if (v6)
		pkt_ip6(&p, A6, B6, IPPROTO_TCP);
	else
		pkt_ip4(&p, A4, B4, IPPROTO_TCP);
	pkt_tcp(&p, 40000, 80, flags);
	if (data)
		pkt_bytes(&p, data);
	pkt_fix_lengths(&p);
	memset(p.b + p.len, 0, pad);
	p.len += pad;
	return p;
}

/*
 * An inspect flow's segments without data (the handshake, pure ACKs) are counted
 * inspect_no_payload and not copied: the engine has nothing to scan in them. A segment
 * with one byte of data is copied; so is an ACK padded to 60 bytes (the frame's length
 * is what TC reads: padding counts as data, a copy too many rather than one too few).
 * IPv4 and IPv6 alike.
 */
static void t_tc_inspect_no_payload(void)
{
	struct ztos_rule r[] = { rule(ZTOS_VERDICT_INSPECT, IPPROTO_TCP, 80) };
	__u32 zero = 0, target = (__u32)dpi_ifindex;

	std_tenant();
	add_port();
	set_policy(TENANT, ZTOS_VERDICT_ALLOW, r, 1);
	bpf_map_update_elem(bpf_map__fd(xdp->maps.dpi_target), &zero, &target, BPF_ANY);
	for (int v6 = 0; v6 < 2; v6++) {
		struct pkt syn = frame_tcp_data(v6, TCP_SYN, 0, 0);
		struct pkt ack = frame_tcp_data(v6, TCP_ACK, 0, 0);
		struct pkt one = frame_tcp_data(v6, TCP_ACK, 1, 0);
		struct pkt padded = frame_tcp_data(v6, TCP_ACK, 0, 6);
		__u64 m0 = counter(ZTOS_CNT_MIRRORED), e0 = counter(ZTOS_CNT_NO_PAYLOAD);

		CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_ingress, &syn, port_ifindex), TC_ACT_OK);
		CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_ingress, &ack, port_ifindex), TC_ACT_OK);
		CHECK_EQ(counter(ZTOS_CNT_NO_PAYLOAD) - e0, 2);
		CHECK_EQ(counter(ZTOS_CNT_MIRRORED) - m0, 0);
		CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_ingress, &one, port_ifindex), TC_ACT_OK);
		CHECK_EQ(counter(ZTOS_CNT_MIRRORED) - m0, 1);
		CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_ingress, &padded, port_ifindex), TC_ACT_OK);
		CHECK_EQ(counter(ZTOS_CNT_MIRRORED) - m0, 2);
		CHECK_EQ(counter(ZTOS_CNT_NO_PAYLOAD) - e0, 2);
	}
	/* every segment was counted inspected, copied or not */
	CHECK_EQ(counter(ZTOS_CNT_INSPECTED), 8);
}

/*
 * Frames from another host are counted by XDP on the underlay and copied by TC egress
 * towards the workload: egress reads the depth off the counts XDP made.
 */
static void t_tc_inspect_depth_egress(void)
{
	struct ztos_rule r[] = { rule(ZTOS_VERDICT_INSPECT, IPPROTO_TCP, 80) };
	struct pkt vx_in = vx_tcp4(B4, 40000, A4, 80, TCP_ACK);
	struct pkt in = frame_tcp4(B4, 40000, A4, 80);
	__u32 zero = 0, target = (__u32)dpi_ifindex;

	std_tenant();
	add_port();
	set_policy(TENANT, ZTOS_VERDICT_ALLOW, r, 1);
	bpf_map_update_elem(bpf_map__fd(xdp->maps.dpi_target), &zero, &target, BPF_ANY);
	tc->bss->ztos_inspect_depth = in.len;
	for (int i = 0; i < 2; i++) {
		CHECK_EQ(run_xdp(&vx_in), XDP_PASS);
		CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_egress, &in, port_ifindex), TC_ACT_OK);
	}
	COUNTERS(ZTOS_CNT_INSPECTED, 2, ZTOS_CNT_NEW_FLOWS, 1, ZTOS_CNT_MIRRORED, 1,
		 ZTOS_CNT_PAST_DEPTH, 1);
}

/*
 * The copy on the DPI link carries the VNI in its destination MAC, the rest of the
 * frame as it was; the original (what TC hands on) keeps its own MAC. The copy is read
 * where it arrives: an AF_PACKET socket on the far end of the stand-in veth.
 */
static void t_tc_mirror_stamp(void)
{
	struct ztos_rule r[] = { rule(ZTOS_VERDICT_INSPECT, IPPROTO_TCP, 80) };
	struct pkt p = frame_tcp4(A4, 40000, B4, 80);
	struct sockaddr_ll ll = { .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL) };
	static const __u8 stamp[6] = { ZTOS_MIRROR_MAC0, ZTOS_MIRROR_MAC1, 0, 0, VNI, 0 };
	__u8 out[PKT_MAX], copy[PKT_MAX];
	struct __sk_buff ctx = { .ifindex = (__u32)port_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p.b, .data_size_in = (__u32)p.len,
		    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);
	__u32 zero = 0, target = (__u32)dpi_ifindex;
	struct timeval tv = { .tv_sec = 1 };
	int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
	ssize_t n = -1;

	ll.sll_ifindex = (int)if_nametoindex(DPI "p");
	if (fd < 0 || bind(fd, (struct sockaddr *)&ll, sizeof(ll)) ||
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		note("AF_PACKET socket on %sp: %s\n", DPI, strerror(errno));
		case_failed = true;
		goto out;
	}
	std_tenant();
	add_port();
	set_policy(TENANT, ZTOS_VERDICT_ALLOW, r, 1);
	bpf_map_update_elem(bpf_map__fd(xdp->maps.dpi_target), &zero, &target, BPF_ANY);
	if (bpf_prog_test_run_opts(bpf_program__fd(tc->progs.ztos_tc_ingress), &o)) {
		note("BPF_PROG_RUN: %s\n", strerror(errno));
		case_failed = true;
		goto out;
	}
	CHECK_EQ(o.retval, TC_ACT_OK);
	CHECK_EQ(counter(ZTOS_CNT_MIRRORED), 1);
	CHECK(o.data_size_out == p.len && !memcmp(out, p.b, p.len),
	      "the original frame changed (%u bytes out, %zu in)", o.data_size_out, p.len);
	/* Skip what the stack may send on its own (none expected: no addresses here). */
	for (int i = 0; i < 8; i++) {
		n = recv(fd, copy, sizeof(copy), 0);
		if (n < 0 || ((size_t)n == p.len && !memcmp(copy + 6, p.b + 6, p.len - 6)))
			break;
	}
	CHECK((size_t)n == p.len, "copy of %zd bytes on %sp, want %zu", n, DPI, p.len);
	if ((size_t)n == p.len) {
		CHECK(!memcmp(copy, stamp, 6), "copy's destination %02x:%02x:%02x:%02x:%02x:%02x",
		      copy[0], copy[1], copy[2], copy[3], copy[4], copy[5]);
		CHECK(!memcmp(copy + 6, p.b + 6, p.len - 6), "the copy's frame differs");
	}
out:
	if (fd >= 0)
		close(fd);
}

/*
 * A DPI block from user space on a flow first seen at a tenant port: TC drops the rest
 * both ways (ingress from the workload, egress towards it) and XDP drops what comes
 * from the other host over VXLAN: all three hooks share the one flow entry.
 */
static void t_tc_block(void)
{
	struct ztos_rule r[] = { rule(ZTOS_VERDICT_INSPECT, IPPROTO_TCP, 80) };
	struct pkt out = frame_tcp4(A4, 40000, B4, 80);
	struct pkt in = frame_tcp4(B4, 80, A4, 40000);
	struct pkt vx_in = vx_tcp4(B4, 80, A4, 40000, TCP_ACK);
	struct ztos_flow_key k = key4(IPPROTO_TCP, A4, 40000, B4, 80);
	struct ztos_flow f;

	std_tenant();
	add_port();
	set_policy(TENANT, ZTOS_VERDICT_ALLOW, r, 1);
	CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_ingress, &out, port_ifindex), TC_ACT_OK);
	if (!get_flow(&k, &f)) {
		note("no flow after the first packet\n");
		case_failed = true;
		return;
	}
	f.verdict = ZTOS_VERDICT_BLOCK;
	put_flow(&k, &f);
	CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_ingress, &out, port_ifindex), TC_ACT_SHOT);
	CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_egress, &in, port_ifindex), TC_ACT_SHOT);
	CHECK_EQ(run_xdp(&vx_in), XDP_DROP);
	COUNTERS(ZTOS_CNT_INSPECTED, 1, ZTOS_CNT_NEW_FLOWS, 1, ZTOS_DROP_BLOCKED, 3);
	expect_flow(&k, ZTOS_VERDICT_BLOCK, 2, 1, 1);
	CHECK_EQ(count_events(ZTOS_EV_FLOW_BLOCKED), 1);
}

/*
 * Towards a workload, TC egress sees packets that were counted where they entered
 * (XDP on the underlay, TC ingress on another port): it enforces, counts nothing.
 */
static void t_tc_egress_reply(void)
{
	struct pkt out = frame_tcp4(A4, 40000, B4, 80);
	struct pkt in = frame_tcp4(B4, 80, A4, 40000);
	struct pkt vx_in = vx_tcp4(B4, 80, A4, 40000, TCP_ACK);
	struct ztos_flow_key k = key4(IPPROTO_TCP, A4, 40000, B4, 80);

	std_tenant();
	add_port();
	CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_ingress, &out, port_ifindex), TC_ACT_OK);
	CHECK_EQ(run_xdp(&vx_in), XDP_PASS);
	CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_egress, &in, port_ifindex), TC_ACT_OK);
	COUNTERS(ZTOS_CNT_ALLOWED, 2, ZTOS_CNT_NEW_FLOWS, 1);
	expect_flow(&k, ZTOS_VERDICT_ALLOW, 1, 1, 1);
}

static void t_tc_egress_enforces(void)
{
	struct ztos_rule r[] = { rule(ZTOS_VERDICT_DENY, IPPROTO_TCP, 80) };
	struct pkt in = frame_tcp4(B4, 80, A4, 40000);
	struct ztos_flow_key k = key4(IPPROTO_TCP, A4, 40000, B4, 80);

	std_tenant();
	add_port();
	set_policy(TENANT, ZTOS_VERDICT_ALLOW, r, 1);
	/* A flow the egress hook is the first to see (no XDP on the underlay, say). */
	CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_egress, &in, port_ifindex), TC_ACT_OK);
	COUNTERS(ZTOS_CNT_NEW_FLOWS, 1);
	expect_flow(&k, ZTOS_VERDICT_ALLOW, 1, 0, 0);
	/* The policy changes: egress drops the flow's next packet. */
	set_policy(TENANT, ZTOS_VERDICT_DENY, NULL, 0);
	add_tenant(VNI, TENANT, 2);
	CHECK_EQ(run_tc_prog(tc->progs.ztos_tc_egress, &in, port_ifindex), TC_ACT_SHOT);
}

static void t_tc_underlay(void)
{
	struct pkt foreign = vx_udp4(VTEP4, FOREIGN_VNI, A4, 1000, B4, 53);
	struct pkt spoofed = vx_udp4("192.0.2.66", VNI, A4, 1000, B4, 53);
	struct pkt ok = vx_udp4(VTEP4, VNI, A4, 1000, B4, 53);
	struct pkt other = frame_tcp4(A4, 40000, B4, 80);
	struct ztos_flow_key k = key4(IPPROTO_UDP, A4, 1000, B4, 53);
	struct bpf_program *prog = tc->progs.ztos_tc_underlay;

	std_tenant();
	CHECK_EQ(run_tc_prog(prog, &foreign, 0), TC_ACT_SHOT);
	CHECK_EQ(run_tc_prog(prog, &spoofed, 0), TC_ACT_SHOT);
	CHECK_EQ(run_tc_prog(prog, &ok, 0), TC_ACT_OK);
	CHECK_EQ(run_tc_prog(prog, &other, 0), TC_ACT_OK);
	COUNTERS(ZTOS_DROP_UNKNOWN_VNI, 1, ZTOS_DROP_VTEP, 1, ZTOS_CNT_ALLOWED, 1,
		 ZTOS_CNT_NEW_FLOWS, 1, ZTOS_CNT_PASS_OTHER, 1);
	expect_flow(&k, ZTOS_VERDICT_ALLOW, 1, 0, 1);
	/* The XDP program on the same packets, for the same answers. */
	reset();
	std_tenant();
	CHECK_EQ(run_xdp(&foreign), XDP_DROP);
	CHECK_EQ(run_xdp(&spoofed), XDP_DROP);
	CHECK_EQ(run_xdp(&ok), XDP_PASS);
	CHECK_EQ(run_xdp(&other), XDP_PASS);
	COUNTERS(ZTOS_DROP_UNKNOWN_VNI, 1, ZTOS_DROP_VTEP, 1, ZTOS_CNT_ALLOWED, 1,
		 ZTOS_CNT_NEW_FLOWS, 1, ZTOS_CNT_PASS_OTHER, 1);
}

/* The underlay packet without its Ethernet header, as on a WireGuard device. */
static struct pkt l3_packet(const char *vtep, __u32 vni)
{
	struct pkt p = { 0 };

	if (strchr(vtep, ':'))
		pkt_ip6(&p, vtep, "2001:db8::1", IPPROTO_UDP);
	else
		pkt_ip4(&p, vtep, "192.0.2.1", IPPROTO_UDP);
	pkt_udp(&p, 49152, ZTOS_VXLAN_PORT);
	pkt_vxlan(&p, 0x08, vni);
	pkt_inner_udp4(&p, A4, 1000, B4, 53);
	pkt_fix_lengths(&p);
	return p;
}

static void t_l3_device(void)
{
	struct pkt ok = l3_packet(VTEP4, VNI), foreign = l3_packet(VTEP4, FOREIGN_VNI);
	struct pkt ok6 = l3_packet(VTEP6, VNI), spoofed6 = l3_packet("2001:db8::66", VNI);
	struct ztos_flow_key k = key4(IPPROTO_UDP, A4, 1000, B4, 53);
	struct bpf_program *prog = xdp_l3->progs.ztos_xdp_ingress;

	std_tenant();
	CHECK_EQ(run_xdp_prog(prog, ok.b, ok.len, 1), XDP_PASS);
	CHECK_EQ(run_xdp_prog(prog, foreign.b, foreign.len, 1), XDP_DROP);
	CHECK_EQ(run_xdp_prog(prog, ok6.b, ok6.len, 1), XDP_PASS);
	CHECK_EQ(run_xdp_prog(prog, spoofed6.b, spoofed6.len, 1), XDP_DROP);
	COUNTERS(ZTOS_CNT_ALLOWED, 2, ZTOS_CNT_NEW_FLOWS, 1, ZTOS_DROP_UNKNOWN_VNI, 1,
		 ZTOS_DROP_VTEP, 1);
	expect_flow(&k, ZTOS_VERDICT_ALLOW, 2, 0, 1);
	/* The Ethernet-framed program reads the same bytes as garbage: not VXLAN. */
	CHECK_EQ(run_xdp(&foreign), XDP_PASS);
	CHECK_EQ(counter(ZTOS_CNT_PASS_OTHER), 1);
}

static void t_l3_truncation(void)
{
	struct pkt p = l3_packet(VTEP4, VNI);

	truncation_sweep(&p, p.l4_off + 8, 1);
}

static void t_dpi_redirect(void)
{
	struct pkt p = frame_tcp4(A4, 40000, B4, 80);

	CHECK_EQ(run_xdp_prog(dpi->progs.ztos_dpi_redirect, p.b, p.len, 1), XDP_PASS);
	CHECK_EQ(bpf_map__max_entries(dpi->maps.xsks), 64);
	CHECK_EQ(bpf_map__type(dpi->maps.xsks), BPF_MAP_TYPE_XSKMAP);
}

static void t_event_new_flow(void)
{
	struct pkt p = vx_tcp4(B4, 40000, A4, 80, TCP_SYN);
	struct ztos_flow_key k = key4(IPPROTO_TCP, A4, 80, B4, 40000);
	__u32 vtep = pkt_ip4_addr(VTEP4);
	struct ztos_event *e = NULL;

	std_tenant();
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	CHECK_EQ(run_xdp(&p), XDP_PASS);
	CHECK_EQ(count_events(ZTOS_EV_NEW_FLOW), 1);
	for (int i = 0; i < n_evs; i++)
		if (evs[i].type == ZTOS_EV_NEW_FLOW)
			e = &evs[i];
	if (!e)
		return;
	CHECK(!memcmp(&e->key, &k, sizeof(k)), "event key differs from the canonical key");
	CHECK_EQ(e->key.vni, VNI);
	CHECK_EQ(e->verdict, ZTOS_VERDICT_ALLOW);
	CHECK_EQ(e->outer_family, ZTOS_AF4);
	CHECK_EQ(e->outer_src[0], vtep);
	CHECK_EQ(e->ifindex, 1);	/* BPF_PROG_RUN runs XDP on the namespace's lo */
	CHECK(e->ts_ns != 0, "no timestamp");
	COUNTERS(ZTOS_CNT_ALLOWED, 2, ZTOS_CNT_NEW_FLOWS, 1);
}

static void t_drop_events_rate_limited(void)
{
	struct pkt p = vx_udp4(VTEP4, FOREIGN_VNI, A4, 1000, B4, 53);
	struct ztos_event *e = NULL;

	__u64 t0, windows;

	std_tenant();
	/*
	 * The process is pinned to one CPU: one per-CPU slot, one event per interval. The
	 * 101 drops take microseconds; should a loaded machine stretch them past an interval,
	 * each interval they span may report once more, and no more.
	 */
	t0 = monotonic_ns();
	CHECK_EQ(run_xdp_prog(xdp->progs.ztos_xdp_ingress, p.b, p.len, 100), XDP_DROP);
	CHECK_EQ(run_xdp(&p), XDP_DROP);
	windows = 1 + (monotonic_ns() - t0) / DROP_EVENT_INTERVAL_NS;
	COUNTERS(ZTOS_DROP_UNKNOWN_VNI, 101);
	CHECK(count_events(ZTOS_EV_DROP) >= 1 && (__u64)count_events(ZTOS_EV_DROP) <= windows,
	      "%d drop events for 101 drops in %llu interval(s)", count_events(ZTOS_EV_DROP),
	      (unsigned long long)windows);
	for (int i = 0; i < n_evs; i++)
		if (evs[i].type == ZTOS_EV_DROP)
			e = &evs[i];
	if (e) {
		CHECK_EQ(e->reason, ZTOS_DROP_UNKNOWN_VNI);
		CHECK_EQ(e->key.vni, FOREIGN_VNI);
		CHECK_EQ(e->outer_src[0], pkt_ip4_addr(VTEP4));
	}
	/* Another reason has its own budget. */
	struct pkt spoof = vx_udp4("192.0.2.66", VNI, A4, 1000, B4, 53);
	int before = count_events(ZTOS_EV_DROP);

	CHECK_EQ(run_xdp(&spoof), XDP_DROP);
	CHECK_EQ(count_events(ZTOS_EV_DROP), before + 1);
	/* After the interval, the next drop is reported again. */
	usleep(DROP_EVENT_INTERVAL_NS / 1000 + 50000);
	CHECK_EQ(run_xdp(&p), XDP_DROP);
	CHECK_EQ(count_events(ZTOS_EV_DROP), before + 2);
}

static void t_events_lost(void)
{
	/* 256 KiB of events and then some: the overflow is counted, not silent. */
	int n = 4000;

	std_tenant();
	for (int i = 0; i < n; i++) {
		struct pkt p = vx_udp4(VTEP4, VNI, A4, (__u16)(1000 + i), B4, 53);

		if (run_xdp(&p) != XDP_PASS) {
			note("packet %d not passed\n", i);
			case_failed = true;
			break;
		}
	}
	CHECK_EQ(counter(ZTOS_CNT_NEW_FLOWS), n);
	CHECK(counter(ZTOS_CNT_EVENTS_LOST) > 0, "no event lost out of %d", n);
	CHECK_EQ(counter(ZTOS_CNT_EVENTS_LOST) + (__u64)count_events(ZTOS_EV_NEW_FLOW), n);
}

struct test_case {
	const char *name;
	void (*fn)(void);
};

static const struct test_case cases[] = {
	{ "xdp and tc objects share the pinned maps", t_maps_shared },
	{ "xdp: foreign VNI dropped", t_foreign_vni },
	{ "xdp: spoofed VTEP (right VNI, wrong outer source) dropped", t_spoofed_vtep },
	{ "xdp: allowed VNI, IPv4 outer, new flow entry", t_allowed_ipv4_outer },
	{ "xdp: allowed VNI, IPv6 outer, inner IPv6 TCP", t_allowed_ipv6_outer },
	{ "xdp: one outer VLAN tag", t_outer_one_vlan },
	{ "xdp: two outer VLAN tags (802.1ad + 802.1Q)", t_outer_two_vlans },
	{ "xdp: inner VLAN tag", t_inner_vlan },
	{ "xdp: outer IPv4 options (ihl)", t_outer_ip_options },
	{ "xdp: VXLAN I flag missing is malformed", t_vxlan_i_flag },
	{ "xdp: truncation at every offset, IPv4 outer, inner UDP", t_trunc_vxlan4_udp4 },
	{ "xdp: truncation at every offset, IPv4 outer, inner TCP", t_trunc_vxlan4_tcp4 },
	{ "xdp: truncation at every offset, IPv6 outer, inner IPv6 TCP", t_trunc_vxlan6_tcp6 },
	{ "xdp: truncation at every offset, VLAN tags, inner ICMP", t_trunc_vlans_icmp },
	{ "xdp: non-VXLAN UDP passes", t_non_vxlan_udp },
	{ "xdp: non-VXLAN TCP and non-IP pass", t_non_vxlan_tcp },
	{ "xdp: inner ARP passes, counted inner_other", t_inner_arp },
	{ "xdp: inner ICMP, a flow with ports 0", t_inner_icmp },
	{ "policy: default deny, rule allows", t_policy_default_deny },
	{ "policy: default allow, rule denies", t_policy_default_allow },
	{ "policy: source prefix is the opener's", t_policy_src_prefix_opener },
	{ "policy: inspect", t_policy_inspect },
	{ "policy: rule order, first match wins", t_policy_rule_order },
	{ "flows: IPv4 flows an older ztos left in flows are dropped", t_stale_ipv4_in_flows },
	{ "flowtab4: a full bucket gives its oldest way to a new flow", t_flowtab4_eviction },
	{ "flowtab4: a blocked flow is evicted last", t_flowtab4_blocked_kept },
	{ "flowtab4: user space writes and deletes flows the programs count", t_flowtab4_user_space },
	{ "flowtab4: a flow written in place keeps its way", t_flowtab4_update_in_place },
	{ "flowtab4: a table of another size gets each flow in its bucket", t_flowtab4_rehash },
	{ "flowtab4: an older ztos's LRU flows4 moves into it", t_flowtab4_adopt_lru },
	{ "flowtab4: the hash is keyed by the table's seed", t_flowtab4_seeded },
	{ "flows: BLOCK from user space drops the rest, one FLOW_BLOCKED event", t_dpi_block },
	{ "flows: reply direction counted in packets[1] of the same entry", t_reply_direction },
	{ "flows: counters grow over repeated runs", t_counters_grow },
	{ "flows: policy_gen bump re-evaluates an existing flow", t_policy_gen_bump },
	{ "caches: tenant and VTEP changes apply within a jiffy uncleared", t_caches_expire },
	{ "tc: unknown port untouched", t_tc_unknown_port },
	{ "tc: ingress deny on a tenant port", t_tc_ingress_deny },
	{ "tc: ingress inspect, dpi_target 0", t_tc_inspect_no_target },
	{ "tc: ingress inspect mirrored to dpi_target", t_tc_inspect_mirror },
	{ "tc: dpi.inspect_depth: copies stop past the depth, per direction", t_tc_inspect_depth },
	{ "tc: dpi.inspect_depth at egress, from XDP's counts", t_tc_inspect_depth_egress },
	{ "tc: an inspect flow's segments without data are not copied", t_tc_inspect_no_payload },
	{ "tc: ingress inspect, mirror failure counted", t_tc_inspect_mirror_failed },
	{ "tc: ingress inspect, transport ring: the frame in dpi_ring", t_tc_inspect_ring },
	{ "tc: transport ring: the reader reads every copy, across the ring's end", t_tc_ring_reader },
	{ "tc: the mirrored copy carries the VNI in its MAC, the original does not",
	  t_tc_mirror_stamp },
	{ "tc: a DPI block drops at TC ingress, TC egress and XDP", t_tc_block },
	{ "tc: egress reply joins the flow, counted once (at XDP)", t_tc_egress_reply },
	{ "tc: egress enforces a policy change", t_tc_egress_enforces },
	{ "tc: ztos_tc_underlay answers like XDP", t_tc_underlay },
	{ "xdp: l3_device (no Ethernet header)", t_l3_device },
	{ "xdp: l3_device truncation at every offset", t_l3_truncation },
	{ "dpi: redirect with an empty xsks map passes", t_dpi_redirect },
	{ "events: new flow record with the canonical key", t_event_new_flow },
	{ "events: drop events rate-limited per reason", t_drop_events_rate_limited },
	{ "events: a full ring buffer counts events_lost", t_events_lost },
};

/* ---- setup ---- */

/* Devices of the sandbox: a tenant port and a stand-in for the DPI link. */
static int enter_sandbox(void)
{
	if (sandbox_enter() ||
	    sh("ip link add " PORT " type veth peer name " PORT "p && ip link set " PORT " up") ||
	    sh("ip link add " DPI " type veth peer name " DPI "p && ip link set " DPI " up && "
	       "ip link set " DPI "p up"))
		return -1;
	port_ifindex = (int)if_nametoindex(PORT);
	dpi_ifindex = (int)if_nametoindex(DPI);
	return 0;
}

static int load(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = PIN_ROOT);
	int err;

	mkdir(PIN_ROOT, 0700);
	xdp = ztos_xdp__open_opts(&opts);
	if (!xdp)
		return -errno;
	xdp->rodata->drop_event_interval_ns = DROP_EVENT_INTERVAL_NS;
	bpf_map__set_max_entries(xdp->maps.flows, FLOWS_MAX);
	bpf_map__set_max_entries(xdp->maps.flowtab4, FLOWS_MAX / ZTOS_FT_WAYS);
	xdp->rodata->ztos_ft_mask = FLOWS_MAX / ZTOS_FT_WAYS - 1;
	xdp->rodata->ztos_ft_seed = FLOW_SEED;
	err = ztos_xdp__load(xdp);
	if (err)
		return err;

	xdp_l3 = ztos_xdp__open_opts(&opts);
	if (!xdp_l3)
		return -errno;
	xdp_l3->rodata->l3_device = 1;
	xdp_l3->rodata->drop_event_interval_ns = DROP_EVENT_INTERVAL_NS;
	bpf_map__set_max_entries(xdp_l3->maps.flows, FLOWS_MAX);
	bpf_map__set_max_entries(xdp_l3->maps.flowtab4, FLOWS_MAX / ZTOS_FT_WAYS);
	xdp_l3->rodata->ztos_ft_mask = FLOWS_MAX / ZTOS_FT_WAYS - 1;
	xdp_l3->rodata->ztos_ft_seed = FLOW_SEED;
	err = ztos_xdp__load(xdp_l3);
	if (err)
		return err;

	tc = ztos_tc__open_opts(&opts);
	if (!tc)
		return -errno;
	tc->rodata->drop_event_interval_ns = DROP_EVENT_INTERVAL_NS;
	bpf_map__set_max_entries(tc->maps.flows, FLOWS_MAX);
	bpf_map__set_max_entries(tc->maps.flowtab4, FLOWS_MAX / ZTOS_FT_WAYS);
	tc->rodata->ztos_ft_mask = FLOWS_MAX / ZTOS_FT_WAYS - 1;
	tc->rodata->ztos_ft_seed = FLOW_SEED;
	err = ztos_tc__load(tc);
	if (err)
		return err;

	dpi = ztos_dpi__open_opts(&opts);
	if (!dpi)
		return -errno;
	err = ztos_dpi__load(dpi);
	if (err)
		return err;

	rb = ring_buffer__new(bpf_map__fd(xdp->maps.events), on_event, NULL, NULL);
	if (!rb)
		return -errno;
	/* As the agent: the seed the programs hash with, kept for user space. */
	err = flowtab_seed_store(bpf_map__fd(xdp->maps.flow_seed), FLOW_SEED);
	return err ? err : flowtab_open(&ft, bpf_map__fd(xdp->maps.flows),
					 bpf_map__fd(xdp->maps.flowtab4),
					 bpf_map__fd(xdp->maps.flow_seed));
}

int main(void)
{
	int failures = 0, n = (int)(sizeof(cases) / sizeof(cases[0]));
	int err;

	setvbuf(stdout, NULL, _IOLBF, 0);
	libbpf_set_print(sandbox_libbpf_print);
	if (geteuid() != 0) {
		printf("1..0 # SKIP BPF_PROG_RUN needs root\n");
		return 0;
	}
	if (enter_sandbox())
		return 1;
	ncpus = libbpf_num_possible_cpus();
	err = load();
	if (err) {
		printf("not ok 1 - load the BPF objects\n# %s\n", strerror(-err));
		return 1;
	}

	printf("1..%d\n", n);
	for (int i = 0; i < n; i++) {
		diag_len = 0;
		diag[0] = 0;
		case_failed = false;
		reset();
		cases[i].fn();
		printf("%sok %d - %s\n", case_failed ? "not " : "", i + 1, cases[i].name);
		if (case_failed) {
			failures++;
			for (char *line = strtok(diag, "\n"); line; line = strtok(NULL, "\n"))
				printf("# %s\n", line);
		}
	}

	ring_buffer__free(rb);
	ztos_dpi__destroy(dpi);
	ztos_tc__destroy(tc);
	ztos_xdp__destroy(xdp_l3);
	ztos_xdp__destroy(xdp);
	umount2("/sys/fs/bpf", MNT_DETACH);
	return failures ? 1 : 0;
}
