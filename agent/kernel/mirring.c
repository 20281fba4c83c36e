// SPDX-License-Identifier: GPL-2.0-only
/*
 * The ring reader of the DPI mirror (see mirring.h). The ring is read as the kernel lays
 * it out (uapi bpf.h, kernel/bpf/ringbuf.c): a page with the consumer position (ours to
 * write), a page with the producer position, then the data, mapped twice in a row so that
 * a record that wraps is contiguous. Each record is an 8-byte header (its length, with a
 * busy and a discard bit) and the record, rounded up to 8 bytes. libbpf's ring_buffer
 * gives each record back as soon as its callback returns; a batch needs them all until
 * the engine is done, so the positions are kept here.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include "bpf/ztos_common.h"
#include "config/config.h"
#include "kernel/mirring.h"
#include "kernel/rxbatch.h"

/* A reader that saw copies lately looks every 2 ms for a second (see wait_rx). */
#define RECENT_POLL_MS 2
#define RECENT_POLLS 500

struct mirring {
	int fd;
	size_t page, size;		/* the data's size: a power of two */
	_Atomic uint64_t *cons;		/* the consumer position (read-write page) */
	const _Atomic uint64_t *prod;	/* the producer position (read-only) */
	const uint8_t *data;		/* size bytes, mapped twice */
	void *ro;			/* the read-only mapping: producer page and data */
	uint64_t pos;			/* the next record to read; *cons lags until a flush */
	unsigned int idle_polls;	/* waits without a record since the last one */
	afxdp_batch_fn fn;
	void *ctx;
	struct rxbatch batch;
	struct afxdp_pkt *pkts;		/* the batch being collected */
	atomic_uint_fast64_t packets, bytes, batches, not_parsed, cut;
};

/* ---- mapping ---- */

static int map_ring(struct mirring *r, struct ztos_err *e)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	void *cons;

	if (bpf_obj_get_info_by_fd(r->fd, &info, &len))
		return ztos_errmsg(e, -errno, "DPI ring: read the map's info: %s", strerror(errno));
	if (info.type != BPF_MAP_TYPE_RINGBUF)
		return ztos_errmsg(e, -EINVAL, "DPI ring: map %s is not a ring buffer", info.name);
	r->page = (size_t)sysconf(_SC_PAGESIZE);
	r->size = info.max_entries;
	cons = mmap(NULL, r->page, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
	if (cons == MAP_FAILED)
		return ztos_errmsg(e, -errno, "DPI ring: map its consumer page: %s", strerror(errno));
	r->cons = cons;
	r->ro = mmap(NULL, r->page + 2 * r->size, PROT_READ, MAP_SHARED, r->fd, (off_t)r->page);
	if (r->ro == MAP_FAILED) {
		r->ro = NULL;
		return ztos_errmsg(e, -errno, "DPI ring: map its data: %s", strerror(errno));
	}
	r->prod = r->ro;
	r->data = (const uint8_t *)r->ro + r->page;
	r->pos = atomic_load_explicit(r->cons, memory_order_acquire);
	return 0;
}

static void unmap_ring(struct mirring *r)
{
	if (r->ro)
		munmap(r->ro, r->page + 2 * r->size);
	if (r->cons)
		munmap((void *)r->cons, r->page);
}

/* ---- reading ---- */

/* A record's header as TC's bpf_ringbuf_submit left it. */
static uint32_t rec_len(const struct mirring *r, uint64_t pos)
{
	return atomic_load_explicit((const _Atomic uint32_t *)(r->data + (pos & (r->size - 1))),
				    memory_order_acquire);
}

/* The record at pos, parsed into p: 0, or -EINVAL when it holds no IP frame. */
static int parse_rec(struct mirring *r, const uint8_t *body, uint32_t len, struct afxdp_pkt *p)
{
	const struct ztos_mirror_rec *m = (const void *)body;

	if (len < sizeof(*m) || m->len > len - sizeof(*m) ||
	    afxdp_parse(body + sizeof(*m), m->len, p))
		return -EINVAL;
	p->key.vni = m->vni;
	p->has_vni = 1;
	if (m->frame_len > m->len)
		atomic_fetch_add_explicit(&r->cut, 1, memory_order_relaxed);
	return 0;
}

/*
 * Parse the records after r->pos into the batch at n, up to max of them; r->pos moves
 * past what was read (a record still being written stops it). Returns how many it took.
 */
static unsigned int take(void *arg, unsigned int n, unsigned int max)
{
	struct mirring *r = arg;
	uint64_t prod = atomic_load_explicit(r->prod, memory_order_acquire), bad = 0;
	unsigned int kept = 0;

	while (r->pos < prod && kept < max) {
		uint32_t hdr = rec_len(r, r->pos);
		uint32_t len = hdr & ~(uint32_t)(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
		const uint8_t *body = r->data + (r->pos & (r->size - 1)) + BPF_RINGBUF_HDR_SZ;

		if (hdr & BPF_RINGBUF_BUSY_BIT)
			break;
		if (!(hdr & BPF_RINGBUF_DISCARD_BIT)) {
			if (parse_rec(r, body, len, &r->pkts[n + kept]))
				bad++;
			else
				kept++;
		}
		r->pos += (len + BPF_RINGBUF_HDR_SZ + 7) & ~7u;
	}
	if (bad)
		atomic_fetch_add_explicit(&r->not_parsed, bad, memory_order_relaxed);
	if (kept || bad)
		r->idle_polls = 0;
	return kept;
}

/* The records read so far go back to the ring. */
static void release(struct mirring *r)
{
	atomic_store_explicit(r->cons, r->pos, memory_order_release);
}

static void flush(void *arg, unsigned int n)
{
	struct mirring *r = arg;
	uint64_t bytes = 0;

	r->fn(r->ctx, r->pkts, n);
	for (unsigned int i = 0; i < n; i++)
		bytes += r->pkts[i].frame_len;
	release(r);
	atomic_fetch_add_explicit(&r->packets, n, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->bytes, bytes, memory_order_relaxed);
	atomic_fetch_add_explicit(&r->batches, 1, memory_order_relaxed);
}

/*
 * An idle reader sleeps until TC wakes it. TC wakes it for the first copy of a jiffy
 * and per half a ring (bpf/ztos_tc.bpf.c), not for every copy: one that came in the
 * jiffy of the last wakeup, after the reader went back to sleep, would wait for the
 * next copy. So for a second after the last copy the sleeps are short.
 */
static void wait_rx(void *arg)
{
	struct mirring *r = arg;
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };

	release(r);	/* records that held nothing to scan */
	poll(&pfd, 1, r->idle_polls++ < RECENT_POLLS ? RECENT_POLL_MS : RXBATCH_IDLE_POLL_MS);
}

static const struct rxbatch_ops ring_ops = {
	.take = take,
	.wait = wait_rx,
	.flush = flush,
};

/* ---- life cycle ---- */

int mirring_start(const struct mirring_opts *o, struct mirring **out, struct ztos_err *e)
{
	struct mirring *r = calloc(1, sizeof(*r));
	int ret;

	if (!r) {
		ztos_errmsg(e, -EIO, "DPI ring: out of memory");
		return -ENOMEM;
	}
	r->fd = o->ring_fd;
	r->fn = o->fn;
	r->ctx = o->ctx;
	mirring_set_batch(r, o->batch_size, o->batch_timeout_us);
	r->pkts = calloc(ZTOS_DPI_BATCH_MAX, sizeof(*r->pkts));
	if (!r->pkts) {
		ztos_errmsg(e, -EIO, "DPI ring: out of memory");
		ret = -ENOMEM;
		goto fail;
	}
	ret = map_ring(r, e);
	if (ret)
		goto fail;
	ret = rxbatch_start(&r->batch, &ring_ops, r, "ztos-dpiring");
	if (ret) {
		ztos_errmsg(e, -EIO, "DPI ring: start the reader thread: %s", strerror(-ret));
		goto fail;
	}
	*out = r;
	return 0;
fail:
	mirring_stop(r);
	return ret;
}

void mirring_set_batch(struct mirring *r, unsigned int batch_size, unsigned int batch_timeout_us)
{
	rxbatch_set(&r->batch, batch_size, batch_timeout_us);
}

void mirring_stats(struct mirring *r, struct mirring_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->packets = atomic_load(&r->packets);
	st->bytes = atomic_load(&r->bytes);
	st->batches = atomic_load(&r->batches);
	st->not_parsed = atomic_load(&r->not_parsed);
	st->cut = atomic_load(&r->cut);
	st->thread_cpu_ns = rxbatch_cpu_ns(&r->batch);
}

void mirring_stop(struct mirring *r)
{
	if (!r)
		return;
	rxbatch_stop(&r->batch);	/* first: no batch runs after this */
	unmap_ring(r);
	free(r->pkts);
	free(r);
}
