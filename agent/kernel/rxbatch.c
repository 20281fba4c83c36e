// SPDX-License-Identifier: GPL-2.0-only
/* The DPI readers' batching loop (see rxbatch.h). */
#include <sys/prctl.h>
#include <time.h>

#include "config/config.h"
#include "kernel/rxbatch.h"

#define GATHER_MAX_US 1000	/* longest sleep while a batch fills: the rings hold more */

void rxbatch_set(struct rxbatch *b, unsigned int batch_size, unsigned int batch_timeout_us)
{
	if (batch_size < 1)
		batch_size = 1;
	if (batch_size > ZTOS_DPI_BATCH_MAX)
		batch_size = ZTOS_DPI_BATCH_MAX;
	atomic_store(&b->size, batch_size);
	atomic_store(&b->timeout_us, batch_timeout_us ? batch_timeout_us : 1);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * A batch begun and not full: sleep out the rest of its time and take what came
 * meanwhile in one go. Waking for every packet (poll) would cost a wakeup per packet,
 * microseconds each in a VM, at rates that leave batches short.
 */
static void gather(uint64_t us)
{
	struct timespec ts = { .tv_nsec = (long)(us < GATHER_MAX_US ? us : GATHER_MAX_US) * 1000 };

	nanosleep(&ts, NULL);
}

static void *run(void *arg)
{
	struct rxbatch *b = arg;
	const struct rxbatch_ops *ops = b->ops;
	void *reader = b->reader;
	unsigned int n = 0;
	uint64_t first = 0;

	/* Sleeps of a batch timeout (µs) are meant as given, not 50 µs later. */
	prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
	while (!atomic_load_explicit(&b->stop, memory_order_relaxed)) {
		unsigned int size = atomic_load_explicit(&b->size, memory_order_relaxed);
		uint64_t timeout = atomic_load_explicit(&b->timeout_us, memory_order_relaxed);
		unsigned int before = n;
		uint64_t now;

		if (n < size)
			n += ops->take(reader, n, size - n);
		if (!n) {
			ops->wait(reader);
			continue;
		}
		now = now_us();
		if (!before)
			first = now;
		if (n >= size || now - first >= timeout) {
			ops->flush(reader, n);
			n = 0;
			continue;
		}
		gather(timeout - (now - first));
	}
	if (n)
		ops->flush(reader, n);
	return NULL;
}

int rxbatch_start(struct rxbatch *b, const struct rxbatch_ops *ops, void *reader,
		  const char *name)
{
	int ret;

	b->ops = ops;
	b->reader = reader;
	atomic_store(&b->stop, false);
	ret = pthread_create(&b->thread, NULL, run, b);
	if (ret)
		return -ret;
	pthread_setname_np(b->thread, name);
	b->running = true;
	return 0;
}

void rxbatch_stop(struct rxbatch *b)
{
	if (!b->running)
		return;
	atomic_store(&b->stop, true);
	pthread_join(b->thread, NULL);
	b->running = false;
}

uint64_t rxbatch_cpu_ns(const struct rxbatch *b)
{
	clockid_t cid;
	struct timespec ts;

	if (!b->running || pthread_getcpuclockid(b->thread, &cid) || clock_gettime(cid, &ts))
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}
