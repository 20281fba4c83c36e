// SPDX-License-Identifier: GPL-2.0-only
/*
 * The CUDA engine, built into libztosdpi_cuda.so (cudart linked statically: the library
 * needs only the driver, libcuda.so.1). libztosdpi.a opens it with dlopen and calls it
 * through struct dpi_cuda_api (cuda_api.h).
 *
 * The automaton and the flat rules live in GPU memory. A batch is a pinned staging area
 * of inspection buffers (flow tail + payload) and their descriptors; it is cut into
 * chunks, each on its own CUDA stream, so that one chunk's copy-in overlaps another's
 * scan and copy-out. One thread walks one segment of one packet with dpi_core_scan(),
 * the same code the core engine runs on the host, and confirms the rules (offset, depth,
 * nocase, distance, within) on the GPU. Hits come back bounded; pcres are checked by
 * the host (Hyperscan) for those packets only.
 */
#include <cuda_runtime.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

extern "C" {
#include "cuda_api.h"
}

#define CHUNKS 4		/* streams: copy-in, scan and copy-out of chunks overlap */
#define EAGER_HITS 256		/* hits copied back with the count, without a second trip */
#define THREADS 128

struct dev_db {
	struct dpi_core_db db;	/* device pointers */
	void *mem[9];
};

struct chunk {
	cudaStream_t stream;
	uint32_t first, n;	/* packets */
	uint32_t segs;
	cudaEvent_t k0, k1;	/* around the kernel: matcher-only time */
	bool timed;
	uint32_t *d_count, *h_count;
	struct dpi_core_hit *d_hits, *h_hits;
	uint32_t cap;
};

struct cuda_ctx {
	struct dev_db *db;
	uint32_t max_pkts, max_bytes;
	uint8_t *h_stage, *d_stage;
	struct dpi_cuda_pkt *h_desc, *d_desc;
	struct chunk ch[CHUNKS];
	uint64_t kernel_ns;
};

static int cerr(char *err, size_t len, const char *what, cudaError_t e)
{
	if (err && len)
		snprintf(err, len, "%s: %s", what, cudaGetErrorString(e));
	return e == cudaErrorMemoryAllocation ? -ENOMEM : -EIO;
}

__global__ void scan_kernel(struct dpi_core_db db, const uint8_t *stage,
			    const struct dpi_cuda_pkt *desc, uint32_t first, uint32_t n,
			    uint32_t segs, uint32_t seg, struct dpi_core_hit *hits, uint32_t cap,
			    uint32_t *count)
{
	__shared__ uint8_t classmap[256];
	uint64_t bits[2 * DPI_CORE_BITWORDS];
	uint32_t t = blockIdx.x * blockDim.x + threadIdx.x;
	uint32_t lo = first, hi = first + n, p, s, from, to;
	const struct dpi_cuda_pkt *d;

	/* The byte classes are read once per byte: keep them in shared memory. */
	for (uint32_t i = threadIdx.x; i < 256; i += blockDim.x)
		classmap[i] = db.classmap[i];
	__syncthreads();
	db.classmap = classmap;
	if (t >= segs)
		return;
	/* The packet whose segments hold t: desc[].pad is its first segment. */
	while (hi - lo > 1) {
		uint32_t mid = (lo + hi) / 2;

		if (desc[mid].pad <= t)
			lo = mid;
		else
			hi = mid;
	}
	p = lo;
	d = &desc[p];
	s = t - d->pad;
	from = d->ctx + s * seg;
	to = from + seg < d->blen ? from + seg : d->blen;
	if (from >= to)
		return;
	dpi_core_scan(&db, stage + d->off, d->blen, d->ctx, d->base, from, to, p, bits, hits, cap,
		      count);
}

static int probe(char *why, size_t len)
{
	struct cudaDeviceProp prop;
	int n = 0, dev = 0;
	cudaError_t e = cudaGetDeviceCount(&n);

	if (e != cudaSuccess) {
		snprintf(why, len, "cudaGetDeviceCount: %s", cudaGetErrorString(e));
		return -ENODEV;
	}
	if (n == 0) {
		snprintf(why, len, "cudaGetDeviceCount found no device");
		return -ENODEV;
	}
	e = cudaGetDeviceProperties(&prop, dev);
	if (e != cudaSuccess) {
		snprintf(why, len, "cudaGetDeviceProperties: %s", cudaGetErrorString(e));
		return -ENODEV;
	}
	snprintf(why, len, "%s (sm_%d%d, %d SMs, %zu MiB), %d device(s)", prop.name, prop.major,
		 prop.minor, prop.multiProcessorCount, prop.totalGlobalMem >> 20, n);
	return 0;
}

static void db_free(void *p)
{
	struct dev_db *d = (struct dev_db *)p;

	if (!d)
		return;
	for (int i = 0; i < 9; i++)
		cudaFree(d->mem[i]);
	delete d;
}

static int db_upload(const struct dpi_core_owned *o, void **out, char *err, size_t len)
{
	const struct dpi_core_db *h = &o->db;
	struct dev_db *d = new dev_db();
	const void *src[9] = { o->classmap, o->delta, o->out_start, o->out_lits, o->lits,
			       o->lit_rules, o->rules, o->contents, o->bytes };
	size_t sz[9] = { 256, o->n_delta * 4, ((size_t)h->n_states + 1) * 4, o->n_out * 4,
			 h->n_lits * sizeof(*o->lits), o->n_lit_rules * 4,
			 h->n_rules * sizeof(*o->rules), o->n_contents * sizeof(*o->contents),
			 o->n_bytes };

	d->db = *h;
	for (int i = 0; i < 9; i++) {
		size_t n = sz[i] ? sz[i] : 8;
		cudaError_t e = cudaMalloc(&d->mem[i], n);

		if (e == cudaSuccess && sz[i])
			e = cudaMemcpy(d->mem[i], src[i], sz[i], cudaMemcpyHostToDevice);
		if (e != cudaSuccess) {
			int r = cerr(err, len, "uploading the automaton", e);

			db_free(d);
			return r;
		}
	}
	d->db.classmap = (const uint8_t *)d->mem[0];
	d->db.delta = (const uint32_t *)d->mem[1];
	d->db.out_start = (const uint32_t *)d->mem[2];
	d->db.out_lits = (const uint32_t *)d->mem[3];
	d->db.lits = (const struct dpi_core_lit *)d->mem[4];
	d->db.lit_rules = (const uint32_t *)d->mem[5];
	d->db.rules = (const struct dpi_core_rule *)d->mem[6];
	d->db.contents = (const struct dpi_core_content *)d->mem[7];
	d->db.bytes = (const uint8_t *)d->mem[8];
	*out = d;
	return 0;
}

static void ctx_destroy(void *p)
{
	struct cuda_ctx *c = (struct cuda_ctx *)p;

	if (!c)
		return;
	for (int i = 0; i < CHUNKS; i++) {
		if (c->ch[i].stream)
			cudaStreamDestroy(c->ch[i].stream);
		if (c->ch[i].k0)
			cudaEventDestroy(c->ch[i].k0);
		if (c->ch[i].k1)
			cudaEventDestroy(c->ch[i].k1);
		cudaFree(c->ch[i].d_count);
		cudaFree(c->ch[i].d_hits);
		cudaFreeHost(c->ch[i].h_count);
		cudaFreeHost(c->ch[i].h_hits);
	}
	cudaFreeHost(c->h_stage);
	cudaFreeHost(c->h_desc);
	cudaFree(c->d_stage);
	cudaFree(c->d_desc);
	delete c;
}

static int ctx_create(void *db, uint32_t max_pkts, uint32_t max_bytes, void **out, char *err,
		      size_t len)
{
	struct cuda_ctx *c = new cuda_ctx();
	cudaError_t e;
	uint32_t cap = max_pkts * 2 > 1024 ? max_pkts * 2 : 1024;

	c->db = (struct dev_db *)db;
	c->max_pkts = max_pkts;
	c->max_bytes = max_bytes;
	/* Not write-combined: the host reads it back for pcres. */
	e = cudaHostAlloc((void **)&c->h_stage, max_bytes, 0);
	if (e == cudaSuccess)
		e = cudaHostAlloc((void **)&c->h_desc, max_pkts * sizeof(*c->h_desc), 0);
	if (e == cudaSuccess)
		e = cudaMalloc((void **)&c->d_stage, max_bytes);
	if (e == cudaSuccess)
		e = cudaMalloc((void **)&c->d_desc, max_pkts * sizeof(*c->d_desc));
	for (int i = 0; i < CHUNKS && e == cudaSuccess; i++) {
		struct chunk *k = &c->ch[i];

		k->cap = cap;
		e = cudaStreamCreateWithFlags(&k->stream, cudaStreamNonBlocking);
		if (e == cudaSuccess)
			e = cudaEventCreate(&k->k0);
		if (e == cudaSuccess)
			e = cudaEventCreate(&k->k1);
		if (e == cudaSuccess)
			e = cudaMalloc((void **)&k->d_count, sizeof(uint32_t));
		if (e == cudaSuccess)
			e = cudaMalloc((void **)&k->d_hits, cap * sizeof(*k->d_hits));
		if (e == cudaSuccess)
			e = cudaHostAlloc((void **)&k->h_count, sizeof(uint32_t), 0);
		if (e == cudaSuccess)
			e = cudaHostAlloc((void **)&k->h_hits, cap * sizeof(*k->h_hits), 0);
	}
	if (e != cudaSuccess) {
		int r = cerr(err, len, "allocating pinned and device batch memory", e);

		ctx_destroy(c);
		return r;
	}
	*out = c;
	return 0;
}

static uint8_t *staging(void *p)
{
	return ((struct cuda_ctx *)p)->h_stage;
}

static struct dpi_cuda_pkt *descs(void *p)
{
	return ((struct cuda_ctx *)p)->h_desc;
}

static int scan(void *p, uint32_t n, uint32_t bytes, struct dpi_core_hit *out, uint32_t cap,
		uint32_t *n_hits, uint64_t *lost, char *err, size_t len)
{
	struct cuda_ctx *c = (struct cuda_ctx *)p;
	uint32_t seg = dpi_core_segment(&c->db->db), per = (n + CHUNKS - 1) / CHUNKS, got = 0;
	uint32_t total = 0;
	cudaError_t e = cudaSuccess;
	int used = 0;

	if (n > c->max_pkts || bytes > c->max_bytes) {
		snprintf(err, len, "batch of %u packets, %u bytes is larger than the context",
			 n, bytes);
		return -E2BIG;
	}
	if (per < 256)
		per = 256;	/* small batches: one chunk, no point in splitting */
	/* Segments of each chunk, numbered from 0 in desc[].pad. */
	for (uint32_t first = 0; first < n; first += per, used++) {
		struct chunk *k = &c->ch[used];
		uint32_t segs = 0;

		k->first = first;
		k->n = n - first < per ? n - first : per;
		for (uint32_t i = first; i < first + k->n; i++) {
			const struct dpi_cuda_pkt *d = &c->h_desc[i];

			c->h_desc[i].pad = segs;
			segs += d->blen > d->ctx ? (d->blen - d->ctx + seg - 1) / seg : 0;
		}
		k->segs = segs;
	}
	for (int i = 0; i < used && e == cudaSuccess; i++) {
		struct chunk *k = &c->ch[i];
		const struct dpi_cuda_pkt *d0 = &c->h_desc[k->first];
		const struct dpi_cuda_pkt *dl = &c->h_desc[k->first + k->n - 1];
		uint32_t b0 = d0->off, b1 = dl->off + dl->blen;

		e = cudaMemsetAsync(k->d_count, 0, sizeof(uint32_t), k->stream);
		if (e == cudaSuccess && b1 > b0)
			e = cudaMemcpyAsync(c->d_stage + b0, c->h_stage + b0, b1 - b0,
					    cudaMemcpyHostToDevice, k->stream);
		if (e == cudaSuccess)
			e = cudaMemcpyAsync(c->d_desc + k->first, d0, k->n * sizeof(*d0),
					    cudaMemcpyHostToDevice, k->stream);
		k->timed = false;
		if (e == cudaSuccess && k->segs) {
			k->timed = true;
			cudaEventRecord(k->k0, k->stream);
			scan_kernel<<<(k->segs + THREADS - 1) / THREADS, THREADS, 0, k->stream>>>(
				c->db->db, c->d_stage, c->d_desc, k->first, k->n, k->segs, seg,
				k->d_hits, k->cap, k->d_count);
			e = cudaGetLastError();
			if (e == cudaSuccess)
				e = cudaEventRecord(k->k1, k->stream);
		}
		if (e == cudaSuccess)
			e = cudaMemcpyAsync(k->h_count, k->d_count, sizeof(uint32_t),
					    cudaMemcpyDeviceToHost, k->stream);
		if (e == cudaSuccess)
			e = cudaMemcpyAsync(k->h_hits, k->d_hits, EAGER_HITS * sizeof(*k->h_hits),
					    cudaMemcpyDeviceToHost, k->stream);
	}
	for (int i = 0; i < used && e == cudaSuccess; i++) {
		struct chunk *k = &c->ch[i];
		uint32_t cnt, keep;

		e = cudaStreamSynchronize(k->stream);
		if (e != cudaSuccess)
			break;
		if (k->timed) {
			float ms = 0;

			if (cudaEventElapsedTime(&ms, k->k0, k->k1) == cudaSuccess)
				c->kernel_ns += (uint64_t)(ms * 1e6);
		}
		cnt = *k->h_count;
		total += cnt;
		keep = cnt < k->cap ? cnt : k->cap;
		if (keep > EAGER_HITS)
			e = cudaMemcpy(k->h_hits + EAGER_HITS, k->d_hits + EAGER_HITS,
				       (keep - EAGER_HITS) * sizeof(*k->h_hits),
				       cudaMemcpyDeviceToHost);
		for (uint32_t j = 0; j < keep && got < cap; j++)
			out[got++] = k->h_hits[j];
	}
	if (e != cudaSuccess)
		return cerr(err, len, "scanning a batch", e);
	/* What did not fit in a chunk's buffer or in out[] is counted, not kept. */
	*n_hits = got;
	*lost = total - got;
	return 0;
}

static uint64_t kernel_ns(void *p)
{
	return ((struct cuda_ctx *)p)->kernel_ns;
}

static const struct dpi_cuda_api api = {
	DPI_CUDA_API_VERSION, probe, db_upload, db_free, ctx_create, ctx_destroy, staging, descs,
	scan, kernel_ns,
};

extern "C" __attribute__((visibility("default"))) const struct dpi_cuda_api *
ztos_dpi_cuda_api(void)
{
	return &api;
}
