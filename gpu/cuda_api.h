/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Between libztosdpi.a and the CUDA engine's shared object, libztosdpi_cuda.so, which
 * the library opens with dlopen: ztosd never links libcudart. Plain C, no Hyperscan.
 */
#ifndef ZTOS_GPU_CUDA_API_H
#define ZTOS_GPU_CUDA_API_H

#include <stddef.h>
#include <stdint.h>

#include "dpi_core.h"

/* The automaton and the flat rules of dpi_core.h, owned on the host. */
struct dpi_core_owned {
	struct dpi_core_db db;	/* points into the arrays below */
	uint8_t *classmap;
	uint32_t *delta, *out_start, *out_lits, *lit_rules;
	struct dpi_core_lit *lits;
	struct dpi_core_rule *rules;
	struct dpi_core_content *contents;
	uint8_t *bytes;
	size_t n_delta, n_out, n_lit_rules, n_contents, n_bytes;
};

/* The CUDA engine's shared object (libztosdpi_cuda.so) exports this table. */
#define DPI_CUDA_API_VERSION 1
#define DPI_CUDA_SYMBOL "ztos_dpi_cuda_api"

/* A packet of a CUDA batch: its inspection buffer at staging[off..off+blen). */
struct dpi_cuda_pkt {
	uint32_t off, blen, ctx, pad;
	uint64_t base;
};

struct dpi_cuda_api {
	uint32_t version;
	/* 0 and the device's name, or -ENODEV and why. */
	int (*probe)(char *why, size_t why_len);
	int (*db_upload)(const struct dpi_core_owned *o, void **dev, char *err, size_t err_len);
	void (*db_free)(void *dev);
	int (*ctx_create)(void *dev, uint32_t max_pkts, uint32_t max_bytes, void **ctx, char *err,
			  size_t err_len);
	void (*ctx_destroy)(void *ctx);
	/* Pinned staging memory the host fills: max_bytes, and max_pkts descriptors. */
	uint8_t *(*staging)(void *ctx);
	struct dpi_cuda_pkt *(*descs)(void *ctx);
	/* Scan n packets of the staging area (their descriptors' pad is the .so's); hits
	 * of all packets to out[0..*n_hits), *n_hits <= cap; *lost counts what did not fit. */
	int (*scan)(void *ctx, uint32_t n, uint32_t bytes, struct dpi_core_hit *out, uint32_t cap,
		    uint32_t *n_hits, uint64_t *lost, char *err, size_t err_len);
	/* GPU time of the matching kernels so far (ns), transfers excluded. */
	uint64_t (*kernel_ns)(void *ctx);
};

typedef const struct dpi_cuda_api *(*dpi_cuda_api_fn)(void);

#endif
