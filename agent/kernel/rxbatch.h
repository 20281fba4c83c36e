/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The batching loop the DPI readers share (afxdp.c, mirring.c): take what came, hand a
 * batch on once it holds batch_size packets or its first packet is batch_timeout_us old,
 * sleep out the rest of a batch's time rather than wake for every packet, and sleep in
 * the reader's own wait while nothing comes. The reader says how to take, wait and flush.
 */
#ifndef ZTOS_RXBATCH_H
#define ZTOS_RXBATCH_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* How often an idle reader's wait looks at the stop flag, at the latest. */
#define RXBATCH_IDLE_POLL_MS 100

struct rxbatch_ops {
	/* Take up to max packets into the batch at n; returns how many it took. */
	unsigned int (*take)(void *reader, unsigned int n, unsigned int max);
	/* Nothing came: sleep until something may have, or a while (the stop flag). */
	void (*wait)(void *reader);
	/* Hand the batch's n packets on (n >= 1). */
	void (*flush)(void *reader, unsigned int n);
};

struct rxbatch {
	atomic_uint size, timeout_us;
	atomic_bool stop;
	bool running;
	pthread_t thread;
	const struct rxbatch_ops *ops;
	void *reader;
};

/* Clamped to 1..ZTOS_DPI_BATCH_MAX packets and at least 1 µs; takes effect at the next batch. */
void rxbatch_set(struct rxbatch *b, unsigned int batch_size, unsigned int batch_timeout_us);
/* The loop on a thread of its own called name: 0 or -errno. */
int rxbatch_start(struct rxbatch *b, const struct rxbatch_ops *ops, void *reader,
		  const char *name);
/* The thread stopped, what was left in the batch flushed. Fine on one never started. */
void rxbatch_stop(struct rxbatch *b);
/* The thread's CPU time in ns (0 when it does not run). */
uint64_t rxbatch_cpu_ns(const struct rxbatch *b);

#endif
