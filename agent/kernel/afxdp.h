/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The AF_XDP reader of the DPI link: one socket per receive queue of ztos-dpi1 (libxdp,
 * copy mode), a UMEM each, one thread that collects frames into batches of up to
 * batch_size packets or batch_timeout_us and hands each batch, parsed to flow keys and
 * payloads, to a callback; then the frames go back to the fill ring.
 *
 * The reader never pushes back on the datapath: when the callback is slower than the
 * traffic, the RX ring fills and the kernel drops the copies, counted in the socket's
 * XDP_STATISTICS (afxdp_stats).
 */
#ifndef ZTOS_AFXDP_H
#define ZTOS_AFXDP_H

#include <stddef.h>
#include <stdint.h>

#include "bpf/ztos_common.h"
#include "err.h"

struct afxdp;

/* One mirrored frame, parsed. Pointers are valid until the callback returns. */
struct afxdp_pkt {
	struct ztos_flow_key key;	/* canonical, as the datapath keys the flow */
	uint8_t reverse;		/* the packet goes from endpoint b to endpoint a */
	uint8_t tcp_flags;
	uint8_t has_vni;		/* the copy carried the mirror stamp (ztos_common.h) */
	uint8_t pad;
	const uint8_t *payload;		/* the transport payload (may be empty) */
	uint32_t payload_len;
	uint32_t frame_len;
};

/* Called on the reader's thread, one batch at a time (n >= 1). */
typedef void (*afxdp_batch_fn)(void *ctx, const struct afxdp_pkt *pkts, unsigned int n);

struct afxdp_opts {
	const char *ifname;
	int xsks_fd;			/* the XSKMAP ztos_dpi_redirect redirects into */
	unsigned int batch_size;	/* 1..ZTOS_DPI_BATCH_MAX */
	unsigned int batch_timeout_us;
	afxdp_batch_fn fn;
	void *ctx;
};

struct afxdp_stats {
	unsigned int queues;
	uint64_t packets, bytes, batches;
	uint64_t not_parsed;		/* frames that are not IPv4/IPv6 (or cut short) */
	uint64_t no_vni;		/* frames without the mirror stamp: VNI unknown */
	uint64_t thread_cpu_ns;		/* the reader thread's CPU time, callback included */
	/* XDP_STATISTICS, summed over the sockets */
	uint64_t rx_dropped, rx_invalid, rx_ring_full, fill_ring_empty;
};

/* Sockets bound and in the map, thread running; on error err says what and why. */
int afxdp_start(const struct afxdp_opts *opts, struct afxdp **out, struct ztos_err *e);
/* Takes effect at the next batch. */
void afxdp_set_batch(struct afxdp *x, unsigned int batch_size, unsigned int batch_timeout_us);
/* From any thread. */
void afxdp_stats(struct afxdp *x, struct afxdp_stats *st);
/* Stop the thread, take the sockets out of the map, free everything. NULL is fine. */
void afxdp_stop(struct afxdp *x);

/* The parser alone (tests, benchmarks): 0, or -EINVAL when the frame is not IP. */
int afxdp_parse(const uint8_t *frame, uint32_t len, struct afxdp_pkt *p);

#endif
