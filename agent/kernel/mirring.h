/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ring reader of the DPI mirror (dpi.transport: ring): TC writes each copy into the
 * BPF ring buffer dpi_ring (bpf/ztos_tc.bpf.c), this maps the ring and hands the copies,
 * parsed as the AF_XDP reader parses its frames (afxdp.h), to the same batch callback,
 * in batches of up to batch_size packets or batch_timeout_us. The copies are read where
 * TC wrote them: a batch's records go back to the ring once the callback returned.
 *
 * The reader never pushes back on the datapath: when the ring is full, TC drops the copy
 * and counts it mirror_failed.
 */
#ifndef ZTOS_MIRRING_H
#define ZTOS_MIRRING_H

#include <stdint.h>

#include "err.h"
#include "kernel/afxdp.h"

struct mirring;

struct mirring_opts {
	int ring_fd;			/* the BPF_MAP_TYPE_RINGBUF TC writes */
	unsigned int batch_size;	/* 1..ZTOS_DPI_BATCH_MAX */
	unsigned int batch_timeout_us;
	afxdp_batch_fn fn;
	void *ctx;
};

struct mirring_stats {
	uint64_t packets, bytes, batches;
	uint64_t not_parsed;		/* records that are not IPv4/IPv6 (or cut short) */
	uint64_t cut;			/* frames longer than the largest record, cut there */
	uint64_t thread_cpu_ns;		/* the reader thread's CPU time, callback included */
};

/* Ring mapped, thread running; on error err says what and why. */
int mirring_start(const struct mirring_opts *opts, struct mirring **out, struct ztos_err *e);
/* Takes effect at the next batch. */
void mirring_set_batch(struct mirring *r, unsigned int batch_size, unsigned int batch_timeout_us);
/* From any thread. */
void mirring_stats(struct mirring *r, struct mirring_stats *st);
/* Stop the thread, unmap the ring, free everything. NULL is fine. */
void mirring_stop(struct mirring *r);

#endif
