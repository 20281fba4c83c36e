// SPDX-License-Identifier: GPL-2.0-only
/* User space over the prototype flow table, and its correctness check (flowtab_user.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bench/flowtab_user.h"

#define CHECK_FLOWS 4096	/* in the big table (no bucket overflows) and the small one */
#define SMALL_SLOTS 1024

int ft_open(struct ft_table *t, int map_fd, __u32 n_buckets)
{
	long page = sysconf(_SC_PAGESIZE);
	void *m;

	t->n_buckets = n_buckets;
	t->len = ((size_t)n_buckets * sizeof(struct ft_bucket) + (size_t)page - 1) &
		 ~((size_t)page - 1);
	m = mmap(NULL, t->len, PROT_READ | PROT_WRITE, MAP_SHARED, map_fd, 0);
	if (m == MAP_FAILED) {
		t->b = NULL;
		return -errno;
	}
	t->b = m;
	return 0;
}

void ft_close(struct ft_table *t)
{
	if (t->b)
		munmap(t->b, t->len);
	t->b = NULL;
}

static __u64 ft_state(const struct ft_bucket *b, int w)
{
	return __atomic_load_n(&b->head.state[w], __ATOMIC_ACQUIRE);
}

__u64 ft_count(const struct ft_table *t)
{
	__u64 n = 0;

	for (__u32 i = 0; i < t->n_buckets; i++)
		for (int w = 0; w < FT_WAYS; w++)
			n += (ft_state(&t->b[i], w) & FT_STATE_MASK) == FT_VALID;
	return n;
}

/* Deletes way w of b if it still holds the flow published as state s: as BPF claims. */
static bool ft_delete_way(struct ft_bucket *b, int w, __u64 s)
{
	return __sync_bool_compare_and_swap(&b->head.state[w], s, ft_claimed(s) - FT_BUSY);
}

long ft_expire(struct ft_table *t, __u8 octet)
{
	long n = 0;

	for (__u32 i = 0; i < t->n_buckets; i++)
		for (int w = 0; w < FT_WAYS; w++) {
			struct ft_bucket *b = &t->b[i];
			__u64 s = ft_state(b, w);

			if ((s & FT_STATE_MASK) == FT_VALID &&
			    ((const __u8 *)&b->slot[w].key.addr_b)[0] == octet &&
			    ft_delete_way(b, w, s))
				n++;
		}
	return n;
}

/* The way of t holding k (*bucket: its bucket), or -1; checks that it holds it once. */
static int ft_lookup(const struct ft_table *t, const struct ztos_flow4_key *k,
		     struct ft_bucket **bucket)
{
	__u64 h = ft_hash(k);
	struct ft_bucket *b = &t->b[(__u32)h & (t->n_buckets - 1)];
	int found = -1;

	*bucket = b;
	for (int w = 0; w < FT_WAYS; w++) {
		if ((ft_state(b, w) & FT_STATE_MASK) != FT_VALID ||
		    memcmp(&b->slot[w].key, k, sizeof(*k)))
			continue;
		if (found >= 0 || b->head.tag[w] != (__u32)(h >> 32))
			return -2;	/* twice, or under the wrong tag */
		found = w;
	}
	return found;
}

/* The canonical key of p's flow, as lib/parse.h makes it; *opener_is_a as BPF sets it. */
static struct ztos_flow4_key key_of(const struct pkt *p, __u32 vni, __u8 *opener_is_a)
{
	struct ztos_flow4_key k = { .vni_proto = vni << 8 | 17 };
	__u32 s, d;
	__u16 sp, dp;

	memcpy(&s, p->b + p->l3_off + 12, 4);
	memcpy(&d, p->b + p->l3_off + 16, 4);
	memcpy(&sp, p->b + p->l4_off, 2);
	memcpy(&dp, p->b + p->l4_off + 2, 2);
	*opener_is_a = ntohl(s) < ntohl(d) || (s == d && ntohs(sp) <= ntohs(dp));
	k.addr_a = *opener_is_a ? s : d;
	k.addr_b = *opener_is_a ? d : s;
	k.port_a = ntohs(*opener_is_a ? sp : dp);
	k.port_b = ntohs(*opener_is_a ? dp : sp);
	return k;
}

static void set_src(struct pkt *p, __u32 addr)
{
	__u32 a = htonl(addr);

	memcpy(p->b + p->l3_off + 12, &a, 4);
}

static int prog_run(const struct ft_target *t, const struct pkt *p, __u32 repeat)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = p->b, .data_size_in = (__u32)p->len,
		    .repeat = repeat);

	if (bpf_prog_test_run_opts(t->prog_fd, &o) || o.retval != XDP_PASS) {
		fprintf(stderr, "xdp_bench: proto check: BPF_PROG_RUN: %s, returned %u\n",
			strerror(errno), o.retval);
		return -1;
	}
	return 0;
}

static __u64 new_flows(const struct ft_target *t)
{
	int ncpus = libbpf_num_possible_cpus();
	__u32 idx = ZTOS_CNT_NEW_FLOWS;
	__u64 v[ncpus], sum = 0;

	if (bpf_map_lookup_elem(t->stats_fd, &idx, v))
		return 0;
	for (int i = 0; i < ncpus; i++)
		sum += v[i];
	return sum;
}

static int fail(const char *what, unsigned long a, unsigned long b)
{
	fprintf(stderr, "xdp_bench: proto check FAILED: %s (%lu, expected %lu)\n", what, a, b);
	return -1;
}

/* Flow i of the check (inner source base + i) holds packets and bytes in direction dir. */
static int check_flow(const struct ft_target *t, const struct pkt *p, __u32 vni, __u64 packets,
		      int dir)
{
	struct ft_bucket *b;
	struct ztos_flow4_key k;
	const struct ztos_flow *f;
	__u8 opener_is_a;
	int w;

	k = key_of(p, vni, &opener_is_a);
	w = ft_lookup(&t->table, &k, &b);
	if (w < 0)
		return fail(w == -1 ? "a flow made is not in the table"
				    : "a flow is in its bucket twice or under another tag",
			    ntohl(k.addr_b), 0);
	f = &b->slot[w].flow;
	if (f->packets[dir] != packets || f->bytes[dir] != packets * (p->len - (p->l3_off - 14)))
		return fail("a flow's packets", (unsigned long)f->packets[dir], packets);
	if (dir == ZTOS_DIR_FWD && f->opener_is_a != opener_is_a)
		return fail("a flow's opener", f->opener_is_a, opener_is_a);
	if (f->verdict != ZTOS_VERDICT_ALLOW || f->last_seen_ns < f->first_seen_ns)
		return fail("a flow's verdict or times", f->verdict, ZTOS_VERDICT_ALLOW);
	return 0;
}

/*
 * The big table: CHECK_FLOWS flows made once each, found, counted; hit three times more,
 * counted again; one reply; one deleted from user space and made again.
 */
static int check_lookups(struct ft_target *t, const struct pkt *fwd, const struct pkt *rev,
			 __u32 vni)
{
	const __u32 base = ntohl(inet_addr("11.0.0.1"));
	struct ft_bucket *b;
	struct ztos_flow4_key k;
	struct pkt p = *fwd;
	__u8 opener;
	int w;

	for (__u32 i = 0; i < CHECK_FLOWS; i++) {
		set_src(&p, base + i);
		if (prog_run(t, &p, 1))
			return -1;
	}
	if (new_flows(t) != CHECK_FLOWS || ft_count(&t->table) != CHECK_FLOWS || *t->evicted)
		return fail("new flows / flows in the table / evicted", (unsigned long)new_flows(t),
			    CHECK_FLOWS);
	for (__u32 i = 0; i < CHECK_FLOWS; i++) {
		set_src(&p, base + i);
		if (check_flow(t, &p, vni, 1, ZTOS_DIR_FWD) || prog_run(t, &p, 3))
			return -1;
	}
	for (__u32 i = 0; i < CHECK_FLOWS; i++) {
		set_src(&p, base + i);
		if (check_flow(t, &p, vni, 4, ZTOS_DIR_FWD))
			return -1;
	}
	/* The reply goes to 11.0.0.1: flow 0, the other direction. */
	set_src(&p, base);
	if (prog_run(t, rev, 1) || check_flow(t, &p, vni, 1, ZTOS_DIR_REV))
		return -1;
	if (new_flows(t) != CHECK_FLOWS)
		return fail("new flows after the hits and the reply", (unsigned long)new_flows(t),
			    CHECK_FLOWS);
	set_src(&p, base + 7);
	k = key_of(&p, vni, &opener);
	w = ft_lookup(&t->table, &k, &b);
	if (w < 0 || !ft_delete_way(b, w, ft_state(b, w)) || ft_lookup(&t->table, &k, &b) != -1)
		return fail("deleting a flow from user space", (unsigned long)w, 0);
	if (prog_run(t, &p, 1) || check_flow(t, &p, vni, 1, ZTOS_DIR_FWD) ||
	    new_flows(t) != CHECK_FLOWS + 1 || ft_count(&t->table) != CHECK_FLOWS)
		return fail("the deleted flow made again", (unsigned long)new_flows(t),
			    CHECK_FLOWS + 1);
	return 0;
}

/* Waits until bpf_ktime_get_ns() (CLOCK_MONOTONIC) enters a new age stamp. */
static void next_stamp(void)
{
	static __u32 last;
	struct timespec ts;
	__u32 now;

	do {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		now = (__u32)(((__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec) >>
			      FT_STAMP_SHIFT);
	} while (now == last);
	last = now;
}

/*
 * The small table: four times as many flows as slots, each in a stamp of its own; every
 * one is made, the table ends full, and each bucket holds the last FT_WAYS flows that
 * hashed to it (evicted oldest first).
 */
static int check_eviction(struct ft_target *t, const struct pkt *fwd, __u32 vni)
{
	const __u32 base = ntohl(inet_addr("12.0.0.1")), n = 4 * SMALL_SLOTS;
	__u32 (*last)[FT_WAYS] = calloc(t->table.n_buckets, sizeof(*last));
	__u32 *seen = calloc(t->table.n_buckets, sizeof(*seen));
	struct pkt p = *fwd;
	int err = -1;

	if (!last || !seen) {
		fprintf(stderr, "xdp_bench: proto check: out of memory\n");
		goto out;
	}
	for (__u32 i = 0; i < n; i++) {
		struct ztos_flow4_key k;
		__u32 bi;
		__u8 opener;

		set_src(&p, base + i);
		k = key_of(&p, vni, &opener);
		bi = (__u32)ft_hash(&k) & (t->table.n_buckets - 1);
		last[bi][seen[bi]++ % FT_WAYS] = i;
		next_stamp();
		if (prog_run(t, &p, 1))
			goto out;
	}
	if (new_flows(t) != n || *t->unrecorded ||
	    ft_count(&t->table) != (__u64)t->table.n_buckets * FT_WAYS ||
	    *t->evicted != n - t->table.n_buckets * FT_WAYS) {
		err = fail("a full table: flows made / slots taken / evicted",
			   (unsigned long)new_flows(t), n);
		goto out;
	}
	for (__u32 bi = 0; bi < t->table.n_buckets; bi++)
		for (int w = 0; w < FT_WAYS; w++) {
			if (seen[bi] < FT_WAYS) {
				err = fail("a bucket with fewer flows than ways", seen[bi], FT_WAYS);
				goto out;
			}
			set_src(&p, base + last[bi][w]);
			if (check_flow(t, &p, vni, 1, ZTOS_DIR_FWD))
				goto out;
		}
	err = 0;
out:
	free(last);
	free(seen);
	return err;
}

int ft_check(struct ft_target *big, struct ft_target *small, const struct pkt *fwd,
	     const struct pkt *rev, __u32 vni)
{
	if (small->table.n_buckets * FT_WAYS != SMALL_SLOTS)
		return fail("the small table's slots", small->table.n_buckets * FT_WAYS,
			    SMALL_SLOTS);
	if (check_lookups(big, fwd, rev, vni) || check_eviction(small, fwd, vni))
		return -1;
	printf("# proto check: %d flows made, found, hit 3 more times, a reply, a delete "
	       "from user space; %d flows through %d slots, each bucket left with its "
	       "newest %d\n",
	       CHECK_FLOWS, 4 * SMALL_SLOTS, SMALL_SLOTS, FT_WAYS);
	printf("proto_check_ok 1\n");
	return 0;
}
