// SPDX-License-Identifier: GPL-2.0-only
/*
 * The AF_XDP reader of the DPI link (see afxdp.h). Copy mode: ztos-dpi1 is a veth, and
 * the copies are clones already, so zero-copy would buy nothing.
 */
#include <dirent.h>
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <linux/if_ether.h>
#include <linux/if_xdp.h>
#include <netinet/in.h>
#include <xdp/xsk.h>

#include "config/config.h"
#include "kernel/afxdp.h"
#include "kernel/rxbatch.h"

#define MAX_QUEUES 16
#define FRAME_SIZE 2048		/* the smallest UMEM chunk: an MTU-sized copy fits */
#define RING_SIZE 8192		/* RX and fill rings: 5 ms of a 1.5 Mpps sender */
/* Every frame in the fill ring and a full batch held by the engine at once. */
#define NUM_FRAMES (RING_SIZE + ZTOS_DPI_BATCH_MAX)

struct queue {
	struct xsk_socket *xsk;
	struct xsk_umem *umem;
	struct xsk_ring_cons rx, comp;
	struct xsk_ring_prod fill;
	void *area;
	uint64_t *free;		/* frames with us: not in the fill ring nor in a batch */
	uint32_t n_free;
	uint32_t id;
};

struct slot {
	uint16_t queue;
	uint64_t addr;
};

struct afxdp {
	struct queue q[MAX_QUEUES];
	unsigned int n_queues;
	int xsks_fd;
	afxdp_batch_fn fn;
	void *ctx;
	struct rxbatch batch;
	struct afxdp_pkt *pkts;	/* the batch being collected */
	struct slot *slots;	/* the frame of each of its packets */
	atomic_uint_fast64_t packets, bytes, batches, not_parsed, no_vni;
};

/* ---- parsing: the mirrored tenant frame, as bpf/lib/parse.h reads it ---- */

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Network order compares as unsigned big-endian numbers: word by word after ntohl. */
static int addr_cmp(const uint32_t *a, const uint32_t *b)
{
	for (int i = 0; i < 4; i++) {
		uint32_t x = ntohl(a[i]), y = ntohl(b[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/* Both directions of a connection share one key: the lower endpoint is a. */
static void canon(struct afxdp_pkt *p)
{
	struct ztos_flow_key *k = &p->key;
	int cmp = addr_cmp(k->addr_a, k->addr_b);
	uint32_t tmp[4];
	uint16_t port;

	if (cmp < 0 || (cmp == 0 && k->port_a <= k->port_b))
		return;
	memcpy(tmp, k->addr_a, sizeof(tmp));
	memcpy(k->addr_a, k->addr_b, sizeof(tmp));
	memcpy(k->addr_b, tmp, sizeof(tmp));
	port = k->port_a;
	k->port_a = k->port_b;
	k->port_b = port;
	p->reverse = 1;
}

/* The transport header at l4 (end: the end of the IP payload); sets ports and payload. */
static void parse_l4(struct afxdp_pkt *p, const uint8_t *l4, const uint8_t *end, bool first_frag)
{
	uint32_t hlen = 0;

	p->payload = end;
	p->payload_len = 0;
	if (!first_frag)
		return;
	switch (p->key.proto) {
	case IPPROTO_TCP:
		if (end - l4 < 20)
			return;
		hlen = (uint32_t)(l4[12] >> 4) * 4;
		p->tcp_flags = l4[13];
		break;
	case IPPROTO_UDP:
		hlen = 8;
		break;
	default:
		return;
	}
	if (end - l4 < 4)
		return;
	p->key.port_a = rd16(l4);
	p->key.port_b = rd16(l4 + 2);
	if (hlen < 8 || (size_t)(end - l4) < hlen)
		return;
	p->payload = l4 + hlen;
	p->payload_len = (uint32_t)(end - p->payload);
}

int afxdp_parse(const uint8_t *frame, uint32_t len, struct afxdp_pkt *p)
{
	const uint8_t *pos = frame + ETH_HLEN, *end = frame + len, *ip_end;
	uint16_t proto;

	memset(p, 0, sizeof(*p));
	p->frame_len = len;
	if (len < ETH_HLEN)
		return -EINVAL;
	if (frame[0] == ZTOS_MIRROR_MAC0 && frame[1] == ZTOS_MIRROR_MAC1) {
		p->key.vni = (uint32_t)frame[2] << 16 | (uint32_t)frame[3] << 8 | frame[4];
		p->has_vni = 1;
	}
	proto = rd16(frame + 12);
	for (int i = 0; i < 2 && (proto == ETH_P_8021Q || proto == ETH_P_8021AD); i++) {
		if (end - pos < 4)
			return -EINVAL;
		proto = rd16(pos + 2);
		pos += 4;
	}
	if (proto == ETH_P_IP) {
		uint32_t hlen, tot;

		if (end - pos < 20 || pos[0] >> 4 != 4)
			return -EINVAL;
		hlen = (uint32_t)(pos[0] & 0x0f) * 4;
		tot = rd16(pos + 2);
		if (hlen < 20 || tot < hlen || (size_t)(end - pos) < hlen)
			return -EINVAL;
		/* A frame padded to the Ethernet minimum: the payload ends where IP says. */
		ip_end = (size_t)(end - pos) > tot ? pos + tot : end;
		p->key.family = ZTOS_AF4;
		p->key.proto = pos[9];
		memcpy(&p->key.addr_a[0], pos + 12, 4);
		memcpy(&p->key.addr_b[0], pos + 16, 4);
		parse_l4(p, pos + hlen, ip_end, !(rd16(pos + 6) & 0x1fff));
	} else if (proto == ETH_P_IPV6) {
		uint32_t plen;

		if (end - pos < 40)
			return -EINVAL;
		plen = rd16(pos + 4);
		ip_end = (size_t)(end - pos - 40) > plen ? pos + 40 + plen : end;
		p->key.family = ZTOS_AF6;
		p->key.proto = pos[6];
		memcpy(p->key.addr_a, pos + 8, 16);
		memcpy(p->key.addr_b, pos + 24, 16);
		/* Extension headers are not followed, as in the datapath. */
		parse_l4(p, pos + 40, ip_end, true);
	} else {
		return -EINVAL;
	}
	canon(p);
	return 0;
}

/* ---- sockets ---- */

static unsigned int count_rx_queues(const char *ifname)
{
	char path[128];
	struct dirent *de;
	unsigned int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/sys/class/net/%s/queues", ifname);
	d = opendir(path);
	while (d && (de = readdir(d)))
		n += !strncmp(de->d_name, "rx-", 3);
	if (d)
		closedir(d);
	if (n > MAX_QUEUES)
		n = MAX_QUEUES;
	return n ? n : 1;
}

static void refill(struct queue *q)
{
	uint32_t n = xsk_prod_nb_free(&q->fill, q->n_free), idx;

	if (n > q->n_free)
		n = q->n_free;
	if (!n || xsk_ring_prod__reserve(&q->fill, n, &idx) != n)
		return;
	for (uint32_t i = 0; i < n; i++)
		*xsk_ring_prod__fill_addr(&q->fill, idx + i) = q->free[--q->n_free];
	xsk_ring_prod__submit(&q->fill, n);
}

static int queue_open(struct afxdp *x, struct queue *q, const char *ifname, uint32_t id,
		      struct ztos_err *e)
{
	struct xsk_umem_config ucfg = {
		.fill_size = RING_SIZE,
		.comp_size = 64,	/* nothing is sent: the ring only has to exist */
		.frame_size = FRAME_SIZE,
	};
	struct xsk_socket_config scfg = {
		.rx_size = RING_SIZE,
		.tx_size = 0,
		/* ztos_dpi_redirect is ours, loaded by the datapath: libxdp loads nothing. */
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.bind_flags = XDP_COPY,
	};
	size_t size = (size_t)NUM_FRAMES * FRAME_SIZE;
	int ret, fd;

	q->id = id;
	q->area = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q->area == MAP_FAILED) {
		q->area = NULL;
		ret = -errno;
		ztos_errmsg(e, -EIO, "AF_XDP: %s queue %u: map a UMEM of %zu bytes: %s", ifname, id,
			 size, strerror(-ret));
		return ret;
	}
	/*
	 * Reading a frame the kernel just wrote costs a cache miss anyway; with 4 KiB pages
	 * it also cost a TLB miss (a nested page walk in a VM) for nearly every frame.
	 */
	madvise(q->area, size, MADV_HUGEPAGE);
	q->free = malloc(NUM_FRAMES * sizeof(*q->free));
	if (!q->free) {
		ztos_errmsg(e, -EIO, "AF_XDP: %s queue %u: out of memory", ifname, id);
		return -ENOMEM;
	}
	ret = xsk_umem__create(&q->umem, q->area, size, &q->fill, &q->comp, &ucfg);
	if (ret) {
		ztos_errmsg(e, -EIO, "AF_XDP: %s queue %u: create the UMEM: %s", ifname, id,
			 strerror(-ret));
		return ret;
	}
	ret = xsk_socket__create(&q->xsk, ifname, id, q->umem, &q->rx, NULL, &scfg);
	if (ret) {
		ztos_errmsg(e, -EIO, "AF_XDP: %s queue %u: create the socket: %s (kernel without "
			 "CONFIG_XDP_SOCKETS?)", ifname, id, strerror(-ret));
		return ret;
	}
	for (q->n_free = 0; q->n_free < NUM_FRAMES; q->n_free++)
		q->free[q->n_free] = (uint64_t)q->n_free * FRAME_SIZE;
	refill(q);
	fd = xsk_socket__fd(q->xsk);
	if (bpf_map_update_elem(x->xsks_fd, &id, &fd, BPF_ANY)) {
		ret = -errno;
		ztos_errmsg(e, -EIO, "AF_XDP: put the socket of %s queue %u in the xsks map: %s",
			 ifname, id, strerror(-ret));
		return ret;
	}
	return 0;
}

static void queue_close(struct afxdp *x, struct queue *q)
{
	if (q->xsk) {
		bpf_map_delete_elem(x->xsks_fd, &q->id);
		xsk_socket__delete(q->xsk);
	}
	if (q->umem)
		xsk_umem__delete(q->umem);
	if (q->area)
		munmap(q->area, (size_t)NUM_FRAMES * FRAME_SIZE);
	free(q->free);
	memset(q, 0, sizeof(*q));
}

/* ---- the reader thread ---- */

static void flush(void *arg, unsigned int n)
{
	struct afxdp *x = arg;
	uint64_t bytes = 0;

	x->fn(x->ctx, x->pkts, n);
	for (unsigned int i = 0; i < n; i++) {
		struct queue *q = &x->q[x->slots[i].queue];

		bytes += x->pkts[i].frame_len;
		q->free[q->n_free++] = x->slots[i].addr;
	}
	for (unsigned int i = 0; i < x->n_queues; i++)
		refill(&x->q[i]);
	atomic_fetch_add_explicit(&x->packets, n, memory_order_relaxed);
	atomic_fetch_add_explicit(&x->bytes, bytes, memory_order_relaxed);
	atomic_fetch_add_explicit(&x->batches, 1, memory_order_relaxed);
}

#define PREFETCH_AHEAD 8	/* frames whose headers are on their way while one is parsed */

static const uint8_t *frame_data(const struct queue *q, const struct xdp_desc *d)
{
	return xsk_umem__get_data(q->area, xsk_umem__add_offset_to_addr(d->addr));
}

/* Take up to max frames of q's RX ring into the batch at n; returns how many it took. */
static unsigned int take(struct afxdp *x, struct queue *q, unsigned int n, unsigned int max)
{
	uint32_t idx, got = xsk_ring_cons__peek(&q->rx, max, &idx);
	unsigned int kept = 0;
	uint64_t bad = 0, no_vni = 0;

	/* The headers were written on another CPU: ask for them before they are read. */
	for (uint32_t i = 0; i < got && i < PREFETCH_AHEAD; i++)
		__builtin_prefetch(frame_data(q, xsk_ring_cons__rx_desc(&q->rx, idx + i)));
	for (uint32_t i = 0; i < got; i++) {
		const struct xdp_desc *d = xsk_ring_cons__rx_desc(&q->rx, idx + i);
		uint64_t addr = xsk_umem__extract_addr(d->addr);
		struct afxdp_pkt *p = &x->pkts[n + kept];

		if (i + PREFETCH_AHEAD < got) {
			uint32_t next = idx + i + PREFETCH_AHEAD;
			const uint8_t *ahead = frame_data(q, xsk_ring_cons__rx_desc(&q->rx, next));

			__builtin_prefetch(ahead);
			__builtin_prefetch(ahead + 64);
		}
		if (afxdp_parse(frame_data(q, d), d->len, p)) {
			bad++;
			q->free[q->n_free++] = addr;
			continue;
		}
		no_vni += !p->has_vni;
		x->slots[n + kept].queue = (uint16_t)(q - x->q);
		x->slots[n + kept].addr = addr;
		kept++;
	}
	if (got)
		xsk_ring_cons__release(&q->rx, got);
	if (bad) {
		atomic_fetch_add_explicit(&x->not_parsed, bad, memory_order_relaxed);
		refill(q);
	}
	if (no_vni)
		atomic_fetch_add_explicit(&x->no_vni, no_vni, memory_order_relaxed);
	return kept;
}

/* An idle reader sleeps until the first frame comes. */
static void wait_rx(void *arg)
{
	struct afxdp *x = arg;
	struct pollfd pfd[MAX_QUEUES];

	for (unsigned int i = 0; i < x->n_queues; i++)
		pfd[i] = (struct pollfd){ .fd = xsk_socket__fd(x->q[i].xsk), .events = POLLIN };
	poll(pfd, x->n_queues, RXBATCH_IDLE_POLL_MS);
}

/* The queues in turn, up to max frames in all. */
static unsigned int take_all(void *arg, unsigned int n, unsigned int max)
{
	struct afxdp *x = arg;
	unsigned int got = 0;

	for (unsigned int i = 0; i < x->n_queues && got < max; i++)
		got += take(x, &x->q[i], n + got, max - got);
	return got;
}

static const struct rxbatch_ops afxdp_ops = {
	.take = take_all,
	.wait = wait_rx,
	.flush = flush,
};

/* ---- life cycle ---- */

int afxdp_start(const struct afxdp_opts *o, struct afxdp **out, struct ztos_err *e)
{
	struct afxdp *x = calloc(1, sizeof(*x));
	unsigned int n = count_rx_queues(o->ifname);
	int ret = 0;

	if (!x) {
		ztos_errmsg(e, -EIO, "AF_XDP: out of memory");
		return -ENOMEM;
	}
	x->xsks_fd = o->xsks_fd;
	x->fn = o->fn;
	x->ctx = o->ctx;
	afxdp_set_batch(x, o->batch_size, o->batch_timeout_us);
	x->pkts = calloc(ZTOS_DPI_BATCH_MAX, sizeof(*x->pkts));
	x->slots = calloc(ZTOS_DPI_BATCH_MAX, sizeof(*x->slots));
	if (!x->pkts || !x->slots) {
		ztos_errmsg(e, -EIO, "AF_XDP: out of memory");
		ret = -ENOMEM;
		goto fail;
	}
	for (x->n_queues = 0; x->n_queues < n; x->n_queues++) {
		ret = queue_open(x, &x->q[x->n_queues], o->ifname, x->n_queues, e);
		if (ret) {
			x->n_queues++;	/* close the half-open one too */
			goto fail;
		}
	}
	ret = rxbatch_start(&x->batch, &afxdp_ops, x, "ztos-afxdp");
	if (ret) {
		ztos_errmsg(e, -EIO, "AF_XDP: start the reader thread: %s", strerror(-ret));
		goto fail;
	}
	*out = x;
	return 0;
fail:
	afxdp_stop(x);
	return ret;
}

void afxdp_set_batch(struct afxdp *x, unsigned int batch_size, unsigned int batch_timeout_us)
{
	rxbatch_set(&x->batch, batch_size, batch_timeout_us);
}

void afxdp_stats(struct afxdp *x, struct afxdp_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->queues = x->n_queues;
	st->packets = atomic_load(&x->packets);
	st->bytes = atomic_load(&x->bytes);
	st->batches = atomic_load(&x->batches);
	st->not_parsed = atomic_load(&x->not_parsed);
	st->no_vni = atomic_load(&x->no_vni);
	st->thread_cpu_ns = rxbatch_cpu_ns(&x->batch);
	for (unsigned int i = 0; i < x->n_queues; i++) {
		struct xdp_statistics xs = { 0 };
		socklen_t len = sizeof(xs);

		if (getsockopt(xsk_socket__fd(x->q[i].xsk), SOL_XDP, XDP_STATISTICS, &xs, &len))
			continue;
		st->rx_dropped += xs.rx_dropped;
		st->rx_invalid += xs.rx_invalid_descs;
		st->rx_ring_full += xs.rx_ring_full;
		st->fill_ring_empty += xs.rx_fill_ring_empty_descs;
	}
}

void afxdp_stop(struct afxdp *x)
{
	if (!x)
		return;
	rxbatch_stop(&x->batch);	/* first: no batch runs after this */
	for (unsigned int i = 0; i < x->n_queues; i++)
		queue_close(x, &x->q[i]);
	free(x->pkts);
	free(x->slots);
	free(x);
}
