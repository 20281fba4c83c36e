// SPDX-License-Identifier: GPL-2.0-only
/*
 * XDP programs on one crafted VXLAN packet under BPF_PROG_RUN: ztos_xdp_ingress on
 * each of its paths, a bare XDP_PASS program, and xdp-tools' xdp-filter programs as
 * the peer. Each figure is the kernel's own mean ns per run over REPEAT runs. The
 * programs take turns, one batch of REPEAT each per round, and the median of ROUNDS
 * rounds is printed: on a shared machine every program sees the same interference.
 * Used by bench/xdp.sh.
 *
 * Usage: xdp_bench [-n REPEAT] [-k ROUNDS] [-f FLOW_TABLE_SIZE] [-u XDPFILT_DNY_UDP.o]
 *                  [-a XDPFILT_DNY_ALL.o] [-N]
 * -N: the new flows only, wrapper not subtracted, for perf.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/ztos_common.h"
#include "bpf/ztos_xdp.skel.h"
#include "xdp_pass.skel.h"
#include "xdp_newflow.skel.h"
#include "xdp_cold.skel.h"
#include "agent/subsys/flowtab.h"
#include "bench/bpf_count.h"
#include "tests/bpf/pkt.h"

#define VNI 100
#define VTEP "192.0.2.2"
#define MAX_ROUNDS 64
#define FLOW_SEED 0x2545f4914f6cdd1dULL	/* flowtab4's hash seed, as the loader makes one */

static unsigned int repeat = 1000000, rounds = 7, flows_max = ZTOS_FLOWS_DEFAULT;

struct subject {
	const char *name;
	int fd;
	__u32 want;		/* the return code of the path meant: anything else is an error */
	__u32 ns[MAX_ROUNDS];
	__u32 median;
};

static int cmp_u32(const void *a, const void *b)
{
	__u32 x = *(const __u32 *)a, y = *(const __u32 *)b;

	return x < y ? -1 : x > y;
}

static int run(struct subject *s, const struct pkt *p, unsigned int round)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b, .data_size_in = (__u32)p->len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(s->fd, &o)) {
		fprintf(stderr, "xdp_bench: BPF_PROG_RUN of %s: %s\n", s->name, strerror(errno));
		return -1;
	}
	if (o.retval != s->want) {
		fprintf(stderr, "xdp_bench: %s returned %u, not %u: not the path meant\n", s->name,
			o.retval, s->want);
		return -1;
	}
	s->ns[round] = o.duration;
	return 0;
}

static void summarize(struct subject *s)
{
	__u32 d[MAX_ROUNDS];

	memcpy(d, s->ns, sizeof(d));
	qsort(d, rounds, sizeof(d[0]), cmp_u32);
	s->median = d[rounds / 2];
	printf("# %-22s %u rounds of %u runs: min %u, median %u, max %u ns\n", s->name, rounds,
	       repeat, d[0], s->median, d[rounds - 1]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * a over b, round by round (the two ran back to back), the median of the rounds: a
 * machine that speeds up or slows down between rounds moves both alike.
 */
static double round_ratio(const struct subject *a, const struct subject *b)
{
	double r[MAX_ROUNDS];

	for (unsigned int i = 0; i < rounds; i++)
		r[i] = b->ns[i] ? (double)a->ns[i] / b->ns[i] : 0;
	qsort(r, rounds, sizeof(r[0]), cmp_double);
	return r[rounds / 2];
}

/* Private maps: nothing under /sys/fs/bpf, nothing shared with a running agent. */
static void no_pinning(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
		bpf_map__set_pin_path(map, NULL);
}

static __u64 counter(struct bpf_object *obj, __u32 idx)
{
	int ncpus = libbpf_num_possible_cpus();
	__u64 v[ncpus], sum = 0;

	if (bpf_map_lookup_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, "stats")), &idx, v))
		return 0;
	for (int i = 0; i < ncpus; i++)
		sum += v[i];
	return sum;
}

/* Tenant VNI 100 (VTEP 192.0.2.2) in a loaded object's maps; inspect: UDP is inspected. */
static void tenant_setup(struct bpf_object *obj, __u8 inspect)
{
	struct ztos_tenant_info tenant = { .tenant_id = 1, .policy_gen = 1 };
	struct ztos_vtep_key vk = { .vni = VNI, .family = ZTOS_AF4 };
	struct ztos_policy *pol;
	__u32 vni = VNI, one = 1;

	bpf_map_update_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, "tenants")), &vni,
			    &tenant, BPF_ANY);
	inet_pton(AF_INET, VTEP, vk.addr);
	bpf_map_update_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, "vteps")), &vk, &one,
			    BPF_ANY);
	if (inspect) {
		pol = calloc(1, sizeof(*pol));
		pol->default_verdict = ZTOS_VERDICT_ALLOW;
		pol->n_rules = 1;
		pol->rules[0].action = ZTOS_VERDICT_INSPECT;
		pol->rules[0].proto = IPPROTO_UDP;
		bpf_map_update_elem(bpf_map__fd(bpf_object__find_map_by_name(obj, "policy")),
				    &tenant.tenant_id, pol, BPF_ANY);
		free(pol);
	}
}

/*
 * A ztos_xdp instance of its own: with tenant VNI 100 (VTEP 192.0.2.2) or with none,
 * its flow table sized and seeded as the agent does it (agent/subsys/datapath.c).
 */
static struct ztos_xdp *ztos_instance(bool with_tenant, __u8 inspect)
{
	__u32 buckets = flowtab_buckets(flows_max);
	struct ztos_xdp *z;

	z = ztos_xdp__open();
	if (!z)
		return NULL;
	no_pinning(z->obj);
	/* The size the agent loads by default: the new-flow rounds fill it. */
	bpf_map__set_max_entries(z->maps.flows, flows_max);
	bpf_map__set_max_entries(z->maps.flowtab4, buckets);
	z->rodata->ztos_ft_mask = buckets - 1;
	z->rodata->ztos_ft_seed = FLOW_SEED;
	if (ztos_xdp__load(z) || flowtab_seed_store(bpf_map__fd(z->maps.flow_seed), FLOW_SEED)) {
		ztos_xdp__destroy(z);
		return NULL;
	}
	if (with_tenant)
		tenant_setup(z->obj, inspect);
	return z;
}

/* The peer: an xdp-filter program, its maps empty, so every lookup misses. */
static struct bpf_object *peer(const char *path, int *fd)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);
	int err;

	if (!obj) {
		fprintf(stderr, "xdp_bench: opening %s: %s\n", path, strerror(errno));
		return NULL;
	}
	no_pinning(obj);
	err = bpf_object__load(obj);
	if (err) {
		fprintf(stderr, "xdp_bench: loading %s: %s\n", path, strerror(-err));
		bpf_object__close(obj);
		return NULL;
	}
	*fd = bpf_program__fd(bpf_object__next_program(obj, NULL));
	return obj;
}

/* The agent drains the ring buffer while flows are made, as ztosd would: on wakeups
 * and on a timer. */
static atomic_bool draining;

static int on_event(void *ctx, void *data, size_t size)
{
	(*(__u64 *)ctx)++;
	return 0;
}

static void *drain(void *rb)
{
	while (atomic_load(&draining)) {
		ring_buffer__poll(rb, 10);
		ring_buffer__consume(rb);
	}
	ring_buffer__consume(rb);
	return NULL;
}

/*
 * What the agent's idle expiry does, untimed: deletes the flows whose endpoint b has
 * first octet octet (the new-flow packets' bumped source, 11.0.0.1 and up, is above
 * their destination 10.100.0.2: endpoint b). Returns how many.
 */
static long expire(const struct flowtab *t, __u8 octet)
{
	struct flowtab_walk w = { 0 };
	struct ztos_flow_key k;
	struct ztos_flow f;
	long deleted = 0;

	while (flowtab_next4(t, &w, &k, &f))
		if (((const __u8 *)k.addr_b)[0] == octet && !flowtab_delete(t, &k))
			deleted++;
	return deleted;
}

/* A program whose new flows new_flow() times: ztos_xdp_ingress. */
struct flow_target {
	const char *name, *full_name;	/* its two figures' subjects */
	struct bpf_object *obj;
	int prog_fd;
	struct flowtab ft;		/* its flow table, mapped */
};

struct newflow {
	struct xdp_newflow *wpass, *wtarget;
	struct subject pass, target;
	struct pkt p;
};

/* Runs the wrapper of s for n new flows whose inner source starts at octet.0.0.1. */
static int newflow_run(struct newflow *nf, struct subject *s, __u8 octet, unsigned int n,
		       unsigned int round)
{
	uint32_t a = htonl((__u32)octet << 24 | 1);
	unsigned int saved = repeat;
	int err;

	memcpy(nf->p.b + nf->p.l3_off + 12, &a, 4);
	repeat = n;
	err = run(s, &nf->p, round);
	repeat = saved;
	return err;
}

/*
 * The rounds in use: each makes a quarter of the table's size in new flows, then they
 * go (untimed). The buckets overflow before the table is full (they evict then: older
 * flows go, and a round's flows may push out earlier ones): it says how many stayed.
 */
static int newflow_rounds(struct newflow *nf, const struct flow_target *t, __u32 size)
{
	__u32 quarter = size / 4;
	long gone = 0, expired;
	__u64 made;

	for (unsigned int r = 0; r < rounds; r++) {
		if (newflow_run(nf, &nf->pass, (__u8)(11 + r), quarter, r) ||
		    newflow_run(nf, &nf->target, (__u8)(11 + r), quarter, r))
			return -1;
		expired = expire(&t->ft, (__u8)(11 + r));
		gone += expired;
	}
	made = flowtab_count4(&t->ft);
	printf("# %s in use: %llu flows after the rounds (of %u made first), "
	       "%ld of the rounds' %u expired, the rest evicted\n",
	       t->name, (unsigned long long)made, size / 2, gone, rounds * quarter);
	return 0;
}

/*
 * A new flow on every run: xdp_newflow adds one to the inner source address (writes
 * to the packet persist across BPF_PROG_RUN repeats) and tail-calls the target program.
 * The wrapper's own cost is measured by tail-calling the bare XDP_PASS program instead,
 * and comes off. Two states of the table, the default size of the agent's:
 *  - in use (*ns): half full of other flows, as a busy host's is; each round makes a
 *    quarter of the table's size in new flows, and then (untimed) they go, as the
 *    agent's idle expiry takes flows that ended;
 *  - full (*full_ns): every entry taken by flows that have not ended (a flood, or more
 *    flows than the table holds); each round's new flows meet a full table. It is
 *    filled with as many flows as it has slots on top of the half: a bucket fills
 *    only once as many flows hashed to it as it has ways.
 */
static int new_flow(const struct pkt *p0, int pass_fd, __u32 pass_ns, const struct flow_target *t,
		    __u32 *ns, __u32 *full_ns)
{
	struct newflow nf = {
		.pass = { "newflow_wrapper+pass", -1, XDP_PASS, { 0 }, 0 },
		.target = { t->name, -1, XDP_PASS, { 0 }, 0 },
		.p = *p0,
	};
	struct subject full = { t->full_name, -1, XDP_PASS, { 0 }, 0 };
	struct ring_buffer *rb = NULL;
	__u32 zero = 0, fd, extra, size = flows_max, quarter = size / 4;
	__u64 events = 0, lost, lost_timed;
	pthread_t thread;
	int err = -1;

	nf.wpass = xdp_newflow__open();
	nf.wtarget = xdp_newflow__open();
	if (!nf.wpass || !nf.wtarget)
		goto out;
	nf.wpass->rodata->bump_off = nf.wtarget->rodata->bump_off = (__u32)(nf.p.l3_off + 12);
	if (xdp_newflow__load(nf.wpass) || xdp_newflow__load(nf.wtarget))
		goto out;
	fd = (__u32)pass_fd;
	bpf_map_update_elem(bpf_map__fd(nf.wpass->maps.next), &zero, &fd, BPF_ANY);
	fd = (__u32)t->prog_fd;
	bpf_map_update_elem(bpf_map__fd(nf.wtarget->maps.next), &zero, &fd, BPF_ANY);
	nf.pass.fd = bpf_program__fd(nf.wpass->progs.xdp_newflow);
	nf.target.fd = full.fd = bpf_program__fd(nf.wtarget->progs.xdp_newflow);
	rb = ring_buffer__new(bpf_map__fd(bpf_object__find_map_by_name(t->obj, "events")),
			      on_event, &events, NULL);
	if (!rb)
		goto out;

	atomic_store(&draining, true);
	pthread_create(&thread, NULL, drain, rb);
	/* Half full: flows from 200.0.0.1 on, which stay. */
	err = newflow_run(&nf, &nf.target, 200, size / 2, 0);
	lost = counter(t->obj, ZTOS_CNT_EVENTS_LOST);
	if (!err)
		err = newflow_rounds(&nf, t, size);
	lost_timed = counter(t->obj, ZTOS_CNT_EVENTS_LOST) - lost;
	/* Full: flows from 100.0.0.1 on take the rest, then each round meets it full. */
	if (!err)
		err = newflow_run(&nf, &nf.target, 100, size, 0);
	if (!err)
		printf("# %s full: %llu of %u slots taken\n", t->name,
		       (unsigned long long)flowtab_count4(&t->ft), size);
	lost = counter(t->obj, ZTOS_CNT_EVENTS_LOST);
	for (unsigned int r = 0; r < rounds && !err; r++)
		err = newflow_run(&nf, &full, (__u8)(101 + r), quarter, r);
	lost_timed += counter(t->obj, ZTOS_CNT_EVENTS_LOST) - lost;
	atomic_store(&draining, false);
	pthread_join(thread, NULL);
	if (err)
		goto out;
	summarize(&nf.pass);
	summarize(&nf.target);
	summarize(&full);
	printf("# %s new flows: %llu made, %llu evicted a flow, %llu unrecorded, %llu events "
	       "read, %llu lost (ring buffer full)\n",
	       t->name, (unsigned long long)counter(t->obj, ZTOS_CNT_NEW_FLOWS),
	       (unsigned long long)counter(t->obj, ZTOS_CNT_FLOWS_EVICTED),
	       (unsigned long long)counter(t->obj, ZTOS_CNT_FLOWS_UNRECORDED),
	       (unsigned long long)events,
	       (unsigned long long)counter(t->obj, ZTOS_CNT_EVENTS_LOST));
	/* A lost event is a cheaper new flow: the timed rounds' own losses, to weigh it. */
	printf("# %s timed rounds: %llu of their %u new flows' events lost (ring buffer full)\n",
	       t->name, (unsigned long long)lost_timed, 2 * rounds * quarter);
	extra = nf.pass.median > pass_ns ? nf.pass.median - pass_ns : 0;
	*ns = nf.target.median - extra;
	*full_ns = full.median - extra;
	err = 0;
out:
	if (err)
		fprintf(stderr, "xdp_bench: the new-flow measurement of %s failed\n", t->name);
	ring_buffer__free(rb);
	xdp_newflow__destroy(nf.wpass);
	xdp_newflow__destroy(nf.wtarget);
	return err;
}

/* new_flow() of ztos_xdp_ingress on an instance of its own. */
static int ztos_new_flow(const struct pkt *p, int pass_fd, __u32 pass_ns, __u32 *ns,
			 __u32 *full_ns)
{
	struct ztos_xdp *z = ztos_instance(true, 0);
	struct flow_target t = { .name = "newflow_wrapper+ztos", .full_name = "newflow_full_table" };
	int err;

	if (!z)
		return -1;
	t.obj = z->obj;
	t.prog_fd = bpf_program__fd(z->progs.ztos_xdp_ingress);
	err = flowtab_open(&t.ft, bpf_map__fd(z->maps.flows), bpf_map__fd(z->maps.flowtab4),
			   bpf_map__fd(z->maps.flow_seed));
	if (err)
		fprintf(stderr, "xdp_bench: map the flow table: %s\n", strerror(-err));
	else
		err = new_flow(p, pass_fd, pass_ns, &t, ns, full_ns);
	flowtab_close(&t.ft);
	ztos_xdp__destroy(z);
	return err;
}

/* An xdp_cold instance over a table of n slots (a power of two), warm or random. */
static struct xdp_cold *cold_instance(__u32 n, bool random_index)
{
	struct xdp_cold *c = xdp_cold__open();

	if (!c)
		return NULL;
	c->rodata->random_index = random_index;
	c->rodata->mask = n - 1;
	if (bpf_map__set_max_entries(c->maps.area, n) || xdp_cold__load(c)) {
		xdp_cold__destroy(c);
		return NULL;
	}
	return c;
}

/*
 * The floor: one access to a random slot of a table the flow table's size, less the
 * same access to one slot, in ns (*ns). Slots as many as the flow table's entries
 * (rounded down to a power of two), of 128 bytes.
 */
static int cold_access(const struct pkt *p, __u32 *ns)
{
	struct subject warm = { "cold_access_warm", -1, XDP_PASS, { 0 }, 0 };
	struct subject cold = { "cold_access_random", -1, XDP_PASS, { 0 }, 0 };
	struct xdp_cold *w, *c;
	__u32 n = 1;
	int err = -1;

	while (n * 2 <= flows_max)
		n *= 2;
	w = cold_instance(n, false);
	c = cold_instance(n, true);
	if (!w || !c)
		goto out;
	warm.fd = bpf_program__fd(w->progs.xdp_cold);
	cold.fd = bpf_program__fd(c->progs.xdp_cold);
	for (unsigned int r = 0; r < rounds; r++)
		if (run(&warm, p, r) || run(&cold, p, r))
			goto out;
	summarize(&warm);
	summarize(&cold);
	printf("# cold access: a table of %u slots of 128 bytes (%u MiB)\n", n, n / 8192);
	*ns = cold.median > warm.median ? cold.median - warm.median : 0;
	err = 0;
out:
	if (err)
		fprintf(stderr, "xdp_bench: the cold-access measurement failed\n");
	xdp_cold__destroy(w);
	xdp_cold__destroy(c);
	return err;
}

/*
 * The machine-independent figures of one path: bench/bpf_count.c runs prog on copies
 * of obj's maps as they are now, COUNT_RUNS times; bump_off (non-zero) adds one to the
 * 32-bit word there before each run, as xdp_newflow does, for a new flow every time.
 */
#define COUNT_RUNS 1000

static int count_path(const char *name, struct bpf_object *obj, const struct bpf_program *prog,
		      const struct pkt *p0, __u32 bump_off, __u32 want)
{
	struct bpfc *c = bpfc_new(obj);
	struct bpfc_counts n = { 0 };
	struct pkt p = *p0;
	__u32 retval = 0;
	int err = 0;

	if (!c) {
		fprintf(stderr, "xdp_bench: copying the maps of %s: %s\n", name, strerror(errno));
		return -1;
	}
	for (int i = 0; i < COUNT_RUNS && !err; i++) {
		if (bump_off) {
			__u32 w;

			memcpy(&w, p.b + bump_off, 4);
			w = htonl(ntohl(w) + 1);
			memcpy(p.b + bump_off, &w, 4);
		}
		err = bpfc_run(c, prog, p.b, p.len, &retval, &n);
		if (!err && retval != want) {
			fprintf(stderr, "xdp_bench: counting %s: returned %u, not %u\n", name,
				retval, want);
			err = -1;
		}
	}
	bpfc_free(c);
	if (err)
		return -1;
	printf("%s_insns %.1f\n", name, (double)n.insns / COUNT_RUNS);
	printf("%s_map_ops %.1f\n", name, (double)(n.hash_ops + n.array_ops) / COUNT_RUNS);
	printf("# %-22s per packet: %.1f insns, %.1f hash map ops (helper calls), %.1f array "
	       "lookups (inlined), %.1f global accesses, %.1f atomics, %.1f helper calls, "
	       "%.1f ring buffer records\n",
	       name, (double)n.insns / COUNT_RUNS, (double)n.hash_ops / COUNT_RUNS,
	       (double)n.array_ops / COUNT_RUNS, (double)n.global_ops / COUNT_RUNS,
	       (double)n.atomics / COUNT_RUNS, (double)n.helpers / COUNT_RUNS,
	       (double)n.ringbuf / COUNT_RUNS);
	return 0;
}

/* libbpf's warnings only: its notes on xdp-filter's libxdp sections are noise here. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, ap) : 0;
}

/* Each peer runs right after the path it is the goal of: round_ratio() pairs them. */
enum { PASS, FOREIGN, FILTER_UDP, KNOWN, FILTER_ALL, INSPECT, N_SUBJECTS };

int main(int argc, char **argv)
{
	const char *dny_udp = "/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_dny_udp.o";
	const char *dny_all = "/usr/lib/x86_64-linux-gnu/bpf/xdpfilt_dny_all.o";
	struct subject s[N_SUBJECTS] = {
		[PASS] = { "xdp_pass_floor", -1, XDP_PASS, { 0 }, 0 },
		[FOREIGN] = { "xdp_foreign_vni_drop", -1, XDP_DROP, { 0 }, 0 },
		[KNOWN] = { "xdp_known_flow", -1, XDP_PASS, { 0 }, 0 },
		[INSPECT] = { "xdp_inspect", -1, XDP_PASS, { 0 }, 0 },
		/* xdp-filter in deny mode: a packet matching nothing allowed is dropped. */
		[FILTER_UDP] = { "xdpfilter_udp", -1, XDP_DROP, { 0 }, 0 },
		[FILTER_ALL] = { "xdpfilter_all", -1, XDP_DROP, { 0 }, 0 },
	};
	struct ztos_xdp *foreign, *known, *inspect;
	struct bpf_object *udp, *all;
	struct xdp_pass *pass;
	__u32 fresh = 0, full = 0, cold = 0;
	struct pkt p = { 0 };
	bool newflow_only = false;	/* -N: the new flows alone, for perf */
	int opt;

	libbpf_set_print(libbpf_print);
	while ((opt = getopt(argc, argv, "n:k:u:a:f:N")) != -1) {
		switch (opt) {
		case 'n':
			repeat = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'k':
			rounds = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'u':
			dny_udp = optarg;
			break;
		case 'a':
			dny_all = optarg;
			break;
		case 'f':
			flows_max = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'N':
			newflow_only = true;
			break;
		default:
			fprintf(stderr,
				"usage: %s [-n REPEAT] [-k ROUNDS] [-f FLOW_TABLE_SIZE] [-u DNY_UDP.o] "
				"[-a DNY_ALL.o] [-N]\n",
				argv[0]);
			return 2;
		}
	}
	if (!repeat || !rounds || rounds > MAX_ROUNDS) {
		fprintf(stderr, "xdp_bench: REPEAT must be > 0 and ROUNDS 1..%d\n", MAX_ROUNDS);
		return 2;
	}
	/* flowtab4's slots are as many as the flows, in buckets of ZTOS_FT_WAYS. */
	if (flows_max < ZTOS_FT_WAYS || (flows_max & (flows_max - 1))) {
		fprintf(stderr, "xdp_bench: -f %u: the flow table's size must be a power of two "
			"of at least %d\n", flows_max, ZTOS_FT_WAYS);
		return 2;
	}

	/* The one packet: VXLAN from VTEP 192.0.2.2, VNI 100, inner UDP 10.100.0.1 -> .2:53. */
	pkt_vxlan4_outer(&p, VTEP, ZTOS_VXLAN_PORT, VNI);
	pkt_inner_udp4(&p, "10.100.0.1", 40000, "10.100.0.2", 53);
	pkt_fix_lengths(&p);
	printf("# packet: %zu bytes, VXLAN over IPv4, inner UDP\n", p.len);
	if (newflow_only) {
		pass = xdp_pass__open_and_load();
		if (!pass || ztos_new_flow(&p, bpf_program__fd(pass->progs.xdp_pass), 0, &fresh,
					   &full))
			return 1;
		printf("xdp_new_flow_ns %u\nxdp_new_flow_full_table_ns %u\n", fresh, full);
		xdp_pass__destroy(pass);
		return 0;
	}

	pass = xdp_pass__open_and_load();
	foreign = ztos_instance(false, 0);
	known = ztos_instance(true, 0);
	inspect = ztos_instance(true, 1);
	udp = peer(dny_udp, &s[FILTER_UDP].fd);
	all = peer(dny_all, &s[FILTER_ALL].fd);
	if (!pass || !foreign || !known || !inspect || !udp || !all) {
		fprintf(stderr, "xdp_bench: loading the programs failed\n");
		return 1;
	}
	s[PASS].fd = bpf_program__fd(pass->progs.xdp_pass);
	s[FOREIGN].fd = bpf_program__fd(foreign->progs.ztos_xdp_ingress);
	s[KNOWN].fd = bpf_program__fd(known->progs.ztos_xdp_ingress);
	s[INSPECT].fd = bpf_program__fd(inspect->progs.ztos_xdp_ingress);

	for (unsigned int r = 0; r < rounds; r++)
		for (int i = 0; i < N_SUBJECTS; i++)
			if (run(&s[i], &p, r))
				return 1;
	for (int i = 0; i < N_SUBJECTS; i++)
		summarize(&s[i]);
	/* The flows must have been made once and then found: known and inspect paths. */
	if (counter(known->obj, ZTOS_CNT_NEW_FLOWS) != 1 ||
	    counter(inspect->obj, ZTOS_CNT_NEW_FLOWS) != 1 ||
	    counter(inspect->obj, ZTOS_CNT_INSPECTED) != (__u64)rounds * repeat ||
	    counter(foreign->obj, ZTOS_DROP_UNKNOWN_VNI) != (__u64)rounds * repeat) {
		fprintf(stderr, "xdp_bench: the counters say another path was measured\n");
		return 1;
	}
	if (ztos_new_flow(&p, s[PASS].fd, s[PASS].median, &fresh, &full) || cold_access(&p, &cold))
		return 1;
	if (count_path("xdp_foreign_vni_drop", foreign->obj, foreign->progs.ztos_xdp_ingress, &p,
		       0, XDP_DROP) ||
	    count_path("xdp_known_flow", known->obj, known->progs.ztos_xdp_ingress, &p, 0,
		       XDP_PASS) ||
	    count_path("xdp_new_flow", known->obj, known->progs.ztos_xdp_ingress, &p,
		       (__u32)(p.l3_off + 12), XDP_PASS) ||
	    count_path("xdp_inspect", inspect->obj, inspect->progs.ztos_xdp_ingress, &p, 0,
		       XDP_PASS) ||
	    count_path("xdpfilter_udp", udp, bpf_object__next_program(udp, NULL), &p, 0,
		       XDP_DROP) ||
	    count_path("xdpfilter_all", all, bpf_object__next_program(all, NULL), &p, 0,
		       XDP_DROP))
		return 1;

	printf("xdp_pass_floor_ns %u\n", s[PASS].median);
	printf("xdp_foreign_vni_drop_ns %u\n", s[FOREIGN].median);
	printf("xdp_known_flow_ns %u\n", s[KNOWN].median);
	printf("xdp_new_flow_ns %u\n", fresh);
	printf("xdp_new_flow_full_table_ns %u\n", full);
	printf("xdp_inspect_ns %u\n", s[INSPECT].median);
	printf("xdp_cold_access_ns %u\n", cold);
	if (cold)
		printf("new_flow_in_cold_accesses %.1f\n", (double)fresh / cold);
	printf("xdpfilter_udp_ns %u\n", s[FILTER_UDP].median);
	printf("xdpfilter_all_ns %u\n", s[FILTER_ALL].median);
	/* The goals: known flow at or below xdp-filter all, in ns of the same run. */
	printf("new_flow_ns %u\n", fresh);
	printf("foreign_vni_vs_xdpfilter_udp_ratio %.2f\n",
	       round_ratio(&s[FOREIGN], &s[FILTER_UDP]));
	printf("known_flow_vs_xdpfilter_all_ratio %.2f\n", round_ratio(&s[KNOWN], &s[FILTER_ALL]));

	bpf_object__close(all);
	bpf_object__close(udp);
	ztos_xdp__destroy(inspect);
	ztos_xdp__destroy(known);
	ztos_xdp__destroy(foreign);
	xdp_pass__destroy(pass);
	return 0;
}
