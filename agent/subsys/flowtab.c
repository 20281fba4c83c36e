// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>

#include "subsys/flowtab.h"

__u32 flowtab_buckets(__u32 flows)
{
	__u32 want = (flows + ZTOS_FT_WAYS - 1) / ZTOS_FT_WAYS, n = 1;

	while (n < want && n < (1u << 31))
		n <<= 1;
	return n;
}

int flowtab_seed_for(const char *bpffs, __u64 *seed)
{
	char path[PATH_MAX];
	__u32 zero = 0;
	int fd, ret;

	if (snprintf(path, sizeof(path), "%s/flow_seed", bpffs) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		ret = bpf_map_lookup_elem(fd, &zero, seed) ? -errno : 0;
		close(fd);
		if (ret || *seed)
			return ret;
	}
	if (getrandom(seed, sizeof(*seed), 0) != sizeof(*seed))
		return -errno;
	*seed |= 1;	/* 0 is the seed of a table made by no loader (the tests') */
	return 0;
}

int flowtab_seed_store(int seed_fd, __u64 seed)
{
	__u32 zero = 0;

	return bpf_map_update_elem(seed_fd, &zero, &seed, BPF_ANY) ? -errno : 0;
}

/* Maps flowtab4 (fd4) into *b of *len bytes, *mask its buckets - 1. */
static int map4(int fd4, struct ztos_ft_bucket **b, size_t *len, __u32 *mask)
{
	struct bpf_map_info info = { 0 };
	__u32 info_len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	void *m;

	if (bpf_obj_get_info_by_fd(fd4, &info, &info_len))
		return -errno;
	if (info.value_size != sizeof(struct ztos_ft_bucket) || !info.max_entries ||
	    (info.max_entries & (info.max_entries - 1)))
		return -EINVAL;
	*len = ((size_t)info.max_entries * sizeof(struct ztos_ft_bucket) + (size_t)page - 1) &
	       ~((size_t)page - 1);
	m = mmap(NULL, *len, PROT_READ | PROT_WRITE, MAP_SHARED, fd4, 0);
	if (m == MAP_FAILED)
		return -errno;
	*b = m;
	*mask = info.max_entries - 1;
	return 0;
}

int flowtab_open(struct flowtab *t, int fd, int fd4, int seed_fd)
{
	__u32 zero = 0;
	int ret;

	*t = (struct flowtab){ .fd = fd };
	if (bpf_map_lookup_elem(seed_fd, &zero, &t->seed))
		return -errno;
	ret = map4(fd4, &t->b4, &t->len4, &t->mask4);
	if (ret)
		t->b4 = NULL;
	return ret;
}

void flowtab_close(struct flowtab *t)
{
	if (t->b4)
		munmap(t->b4, t->len4);
	t->b4 = NULL;
}

/* ---- flowtab4 ---- */

static __u64 state_of(const struct ztos_ft_bucket *b, __u32 w)
{
	return __atomic_load_n(&b->head.state[w], __ATOMIC_ACQUIRE);
}

/* A flow is there: published, or being rewritten in place (ztos_common.h). */
static bool valid(__u64 s)
{
	return s & ZTOS_FT_VALID;
}

static __u32 now_stamp(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ztos_ft_stamp((__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec, 0);
}

static struct ztos_ft_bucket *bucket_of(const struct ztos_ft_bucket *b4, __u32 mask, __u64 seed,
					const struct ztos_flow4_key *k, __u32 *tag)
{
	__u64 h = ztos_ft_hash(k, seed);

	*tag = (__u32)(h >> 32);
	return (struct ztos_ft_bucket *)&b4[(__u32)h & mask];
}

/* The way of b holding k published as *s, or -1. */
static int find4(const struct ztos_ft_bucket *b, const struct ztos_flow4_key *k, __u32 tag,
		 __u64 *s)
{
	for (__u32 w = 0; w < ZTOS_FT_WAYS; w++) {
		*s = state_of(b, w);
		if (valid(*s) && b->head.tag[w] == tag && !memcmp(&b->slot[w].key, k, sizeof(*k)) &&
		    ztos_ft_same_flow(state_of(b, w), *s))
			return (int)w;
	}
	return -1;
}

/* Way w's flow into *f when it is still the flow published as s (not rewritten meanwhile). */
static bool read_way(const struct ztos_ft_bucket *b, __u32 w, __u64 s, struct ztos_flow *f)
{
	memcpy(f, &b->slot[w].flow, sizeof(*f));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return ztos_ft_same_flow(state_of(b, w), s);
}

/*
 * act on the way of t holding k, as published (state word s): tried again while another
 * writer rewrote the way under it (act false), up to three times, then lost. 0, -ENOENT
 * when k is not there, or lost.
 */
static int on_way(const struct flowtab *t, const struct ztos_flow4_key *k,
		  bool (*act)(struct ztos_ft_bucket *b, __u32 w, __u64 s, void *arg), void *arg,
		  int lost)
{
	__u32 tag;
	struct ztos_ft_bucket *b = bucket_of(t->b4, t->mask4, t->seed, k, &tag);

	for (int tries = 0; tries < 3; tries++) {
		__u64 s;
		int w = find4(b, k, tag, &s);

		if (w < 0)
			return -ENOENT;
		if (act(b, (__u32)w, s, arg))
			return 0;
	}
	return lost;
}

static bool read_act(struct ztos_ft_bucket *b, __u32 w, __u64 s, void *f)
{
	return read_way(b, w, s, f);
}

/*
 * Empty, the claim count moved on: a reader of the old word sees the change. Not while
 * another writer rewrites the flow (false: tried again).
 */
static bool delete_act(struct ztos_ft_bucket *b, __u32 w, __u64 s, void *unused)
{
	return !(s & ZTOS_FT_BUSY) &&
	       __sync_bool_compare_and_swap(&b->head.state[w], s, ztos_ft_claimed(s) - ZTOS_FT_BUSY);
}

/*
 * The flow of way w written whole, in place: the way held with ZTOS_FT_BUSY beside
 * ZTOS_FT_VALID meanwhile, so the programs still find the flow (a way claimed anew would
 * send its packets to a new way) and no new flow takes the way under the write.
 */
static bool write_act(struct ztos_ft_bucket *b, __u32 w, __u64 s, void *f)
{
	const struct ztos_flow *flow = f;

	if ((s & ZTOS_FT_BUSY) ||
	    !__sync_bool_compare_and_swap(&b->head.state[w], s, s | ZTOS_FT_BUSY))
		return false;
	memcpy(&b->slot[w].flow, flow, sizeof(*flow));
	b->head.stamp[w] = ztos_ft_stamp(flow->last_seen_ns, flow->verdict);
	__atomic_fetch_sub(&b->head.state[w], ZTOS_FT_BUSY, __ATOMIC_RELEASE);
	return true;
}

static int lookup4(const struct flowtab *t, const struct ztos_flow4_key *k, struct ztos_flow *f)
{
	return on_way(t, k, read_act, f, -ENOENT);	/* rewritten three times: as good as gone */
}

/* As the programs pick a way for a new flow (lib/flow.h): empty, else the fittest. */
static int victim4(const struct ztos_ft_bucket *b, __u32 stamp, __u64 *state)
{
	__u32 best = 0;
	int victim = -1;

	for (__u32 w = 0; w < ZTOS_FT_WAYS; w++) {
		__u64 s = state_of(b, w);
		__u32 fit;

		if (s & ZTOS_FT_BUSY)
			continue;
		if (!(s & ZTOS_FT_VALID)) {
			*state = s;
			return (int)w;
		}
		fit = ztos_ft_evictable(stamp, b->head.stamp[w]);
		if (victim < 0 || fit > best) {
			victim = (int)w;
			best = fit;
			*state = s;
		}
	}
	return victim;
}

/* A new flow into bucket b (tag: its key's), as the programs make one. */
static int insert4(struct ztos_ft_bucket *b, __u32 tag, const struct ztos_flow4_key *k,
		   const struct ztos_flow *f)
{
	__u32 stamp = ztos_ft_stamp(f->last_seen_ns, f->verdict);
	__u64 s = 0;
	int w = -1;

	for (int tries = 0; tries < 3 && w < 0; tries++) {
		w = victim4(b, now_stamp(), &s);
		if (w >= 0 && !__sync_bool_compare_and_swap(&b->head.state[w], s, ztos_ft_claimed(s)))
			w = -1;
	}
	if (w < 0)
		return -EBUSY;
	b->slot[w].key = *k;
	memcpy(&b->slot[w].flow, f, sizeof(*f));
	b->head.tag[w] = tag;
	b->head.stamp[w] = stamp;
	__atomic_fetch_add(&b->head.state[w], 1, __ATOMIC_RELEASE);	/* BUSY + 1 = VALID */
	return 0;
}

static int update4(const struct flowtab *t, const struct ztos_flow4_key *k,
		   const struct ztos_flow *f, __u64 flags)
{
	__u32 tag;
	struct ztos_ft_bucket *b = bucket_of(t->b4, t->mask4, t->seed, k, &tag);
	__u64 s;
	int ret;

	if (flags == BPF_NOEXIST)
		return find4(b, k, tag, &s) >= 0 ? -EEXIST : insert4(b, tag, k, f);
	ret = on_way(t, k, write_act, (void *)f, -EBUSY);
	if (ret == -ENOENT && flags != BPF_EXIST)
		ret = insert4(b, tag, k, f);
	return ret;
}

static int delete4(const struct flowtab *t, const struct ztos_flow4_key *k)
{
	return on_way(t, k, delete_act, NULL, -EBUSY);
}

bool flowtab_next4(const struct flowtab *t, struct flowtab_walk *w, struct ztos_flow_key *k,
		   struct ztos_flow *f)
{
	for (; w->bucket <= t->mask4; w->bucket++, w->way = 0) {
		const struct ztos_ft_bucket *b = &t->b4[w->bucket];

		while (w->way < ZTOS_FT_WAYS) {
			__u32 way = w->way++;
			__u64 s = state_of(b, way);
			struct ztos_flow4_key k4;

			if (!valid(s))
				continue;
			k4 = b->slot[way].key;
			if (!read_way(b, way, s, f))
				continue;	/* rewritten meanwhile: a new flow, or none */
			ztos_flow_key_of4(&k4, k);
			return true;
		}
	}
	return false;
}

size_t flowtab_count4(const struct flowtab *t)
{
	size_t n = 0;

	for (__u32 i = 0; i <= t->mask4; i++)
		for (__u32 w = 0; w < ZTOS_FT_WAYS; w++)
			n += valid(state_of(&t->b4[i], w));
	return n;
}

/* ---- both ---- */

int flowtab_lookup(const struct flowtab *t, const struct ztos_flow_key *k, struct ztos_flow *f)
{
	struct ztos_flow4_key k4;

	if (!ztos_flow_key_is4(k))
		return bpf_map_lookup_elem(t->fd, k, f) ? -errno : 0;
	ztos_flow4_key_of(k, &k4);
	return lookup4(t, &k4, f);
}

int flowtab_update(const struct flowtab *t, const struct ztos_flow_key *k,
		   const struct ztos_flow *f, __u64 flags)
{
	struct ztos_flow4_key k4;

	if (!ztos_flow_key_is4(k))
		return bpf_map_update_elem(t->fd, k, f, flags) ? -errno : 0;
	ztos_flow4_key_of(k, &k4);
	return update4(t, &k4, f, flags);
}

int flowtab_delete(const struct flowtab *t, const struct ztos_flow_key *k)
{
	struct ztos_flow4_key k4;

	if (!ztos_flow_key_is4(k))
		return bpf_map_delete_elem(t->fd, k) ? -errno : 0;
	ztos_flow4_key_of(k, &k4);
	return delete4(t, &k4);
}

int flowtab_next(const struct flowtab *t, struct flowtab_walk *w,
		 const struct ztos_flow_key *prev, struct ztos_flow_key *next)
{
	struct ztos_flow f;

	if (!w->in_flows) {
		if (flowtab_next4(t, w, next, &f))
			return 0;
		w->in_flows = true;
		prev = NULL;	/* flows from its first key */
	}
	return bpf_map_get_next_key(t->fd, prev, next) ? -errno : 0;
}

/* ---- other tables into this one ---- */

int flowtab_adopt_lru4(const struct flowtab *t, int old_fd, __u32 value_size)
{
	struct ztos_flow4_key k, prev;
	bool have_prev = false;
	void *v = calloc(1, value_size);
	int n = 0, err = 0;

	if (!v)
		return -ENOMEM;
	while (!bpf_map_get_next_key(old_fd, have_prev ? &prev : NULL, &k)) {
		struct ztos_flow f = { 0 };

		prev = k;
		have_prev = true;
		if (bpf_map_lookup_elem(old_fd, &k, v))
			continue;	/* gone in between */
		memcpy(&f, v, value_size < sizeof(f) ? value_size : sizeof(f));
		n += !update4(t, &k, &f, BPF_NOEXIST);
	}
	if (errno != ENOENT)
		err = -errno;
	free(v);
	return err ? err : n;
}

int flowtab_rehash4(int old_fd, int new_fd, int seed_fd)
{
	struct flowtab old, new;
	struct flowtab_walk w = { 0 };
	struct ztos_flow_key k;
	struct ztos_flow f;
	int n = 0, ret;

	ret = flowtab_open(&old, -1, old_fd, seed_fd);
	if (ret)
		return ret;
	ret = flowtab_open(&new, -1, new_fd, seed_fd);
	if (ret) {
		flowtab_close(&old);
		return ret;
	}
	while (flowtab_next4(&old, &w, &k, &f))
		n += !flowtab_update(&new, &k, &f, BPF_ANY);
	flowtab_close(&old);
	flowtab_close(&new);
	return n;
}

int flowtab_drop_stale4(const struct flowtab *t)
{
	struct ztos_flow_key k, prev;
	bool have_prev = false;
	int n = 0;

	while (!bpf_map_get_next_key(t->fd, have_prev ? &prev : NULL, &k)) {
		if (ztos_flow_key_is4(&k) && !bpf_map_delete_elem(t->fd, &k)) {
			n++;
			continue;	/* prev still stands */
		}
		prev = k;
		have_prev = true;
	}
	return errno == ENOENT ? n : -errno;
}
