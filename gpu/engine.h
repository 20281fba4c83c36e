/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DPI engine interface: compile a rule set into a database, scan batches of
 * payloads with their flow ids, get matches (sid, packet, offset).
 *
 * Engines:
 *   cpu   Hyperscan (block mode for packets without a flow, streaming mode per flow)
 *   cuda  Aho-Corasick automaton on an NVIDIA GPU (libztosdpi_cuda.so, loaded with
 *         dlopen so that ztosd never needs libcudart where there is no GPU)
 *   core  the host build of the matching core the CUDA kernel runs (tests, fallback)
 *   noop  scans nothing, matches nothing: measures the pipeline around the engine
 *   auto  cuda when cudaGetDeviceCount() finds a device, else cpu; why() says which
 *
 * Semantics, the same for every engine (tests/unit/test_dpi_diff.c checks it):
 * a packet with a flow id (!= 0) is scanned as the continuation of its flow direction's
 * stream; the inspection buffer is the last DPI_STREAM_WINDOW bytes of that stream seen
 * before (the "tail") followed by the packet. offset/depth count from the stream's first
 * byte. A rule fires on a packet when its contents and pcres are satisfied in the buffer
 * and were not already satisfied in the tail alone; then one match is reported for the
 * (rule, packet), offset = where the rule's last-ending content ends in the packet.
 * A packet with flow id 0 is scanned alone (block mode).
 *
 * Threads: a db is read-only and shared; a scanner (scratch, flow states, match
 * buffer) belongs to one thread at a time. One scanner per thread.
 */
#ifndef ZTOS_GPU_ENGINE_H
#define ZTOS_GPU_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules.h"

#define DPI_STREAM_WINDOW 512	/* bytes of a flow's past kept for the next packet */
#define DPI_MAX_PAYLOAD 9216	/* longer payloads are scanned up to this length */

enum dpi_engine_kind {
	DPI_ENGINE_AUTO = 0,
	DPI_ENGINE_CPU,		/* Hyperscan */
	DPI_ENGINE_CUDA,
	DPI_ENGINE_CORE,
	DPI_ENGINE_NOOP,
};

/* "auto", "cpu", "cuda", "core", "noop" (also "hyperscan" for cpu): 0 or -EINVAL. */
int dpi_engine_kind_parse(const char *s, enum dpi_engine_kind *kind);

enum dpi_dir {
	DPI_DIR_TO_SERVER = 0,
	DPI_DIR_TO_CLIENT = 1,
};

/* One packet of a batch. data may be NULL when len is 0. */
struct dpi_pkt {
	const uint8_t *data;
	uint32_t len;
	uint8_t dir;		/* enum dpi_dir */
	uint8_t pad[3];
	uint64_t flow_id;	/* 0: no stream state, scanned alone */
	const struct dpi_tuple *tuple; /* NULL: the rules' headers are not checked */
};

struct dpi_match {
	uint32_t sid;
	uint32_t rule;		/* index in the compiled rule set: dpi_db_rule() */
	uint32_t pkt;		/* index in the batch */
	uint32_t offset;	/* end of the match in the packet, 1..len */
};

/* Matches of one dpi_scan() call: bounded; what does not fit is counted, not kept. */
struct dpi_results {
	struct dpi_match *m;
	uint32_t n, cap;
	uint64_t overflow;	/* matches dropped because m[] was full */
};

struct dpi_engine;
struct dpi_db;
struct dpi_scanner;

/*
 * Create an engine. why (may be NULL) receives one line saying which engine and why
 * (e.g. "cuda: NVIDIA H100 (sm_90)", "cpu: no CUDA device: libcudart.so not found").
 * Asking for cuda where there is none fails with -ENODEV and says why.
 */
int dpi_engine_create(enum dpi_engine_kind kind, struct dpi_engine **out, char *why,
		      size_t why_len);
const char *dpi_engine_name(const struct dpi_engine *e);	/* "cpu", "cuda", ... */
void dpi_engine_destroy(struct dpi_engine *e);

/*
 * Compile rules into a database. The rule set is copied: it may be freed after.
 * err receives why compiling failed. Returns 0 or -errno.
 */
int dpi_db_compile(struct dpi_engine *e, const struct dpi_ruleset *rs, struct dpi_db **out,
		   char *err, size_t err_len);
void dpi_db_free(struct dpi_db *db);
size_t dpi_db_rules(const struct dpi_db *db);
const struct dpi_rule *dpi_db_rule(const struct dpi_db *db, uint32_t idx);

/*
 * How the cpu engine finds literals: Hyperscan, or the automaton walked several
 * packets at once. AUTO measures both on the traffic and takes the cheaper per batch,
 * trying the other now and then; the matches are the same either way.
 */
enum dpi_finder { DPI_FINDER_AUTO, DPI_FINDER_HYPERSCAN, DPI_FINDER_AUTOMATON };

struct dpi_scanner_opts {
	uint32_t max_flows;	/* flow directions with stream state; LRU beyond; 0 = 16384 */
	uint32_t max_batch;	/* packets per dpi_scan() call; 0 = 1024 */
	enum dpi_finder finder;	/* cpu engine only */
};

int dpi_scanner_create(struct dpi_db *db, const struct dpi_scanner_opts *opts,
		       struct dpi_scanner **out, char *err, size_t err_len);
void dpi_scanner_destroy(struct dpi_scanner *s);

/*
 * Scan n packets (n <= max_batch) in order; packets of one flow direction are stream
 * continuations in the order given. Matches are appended to res (res->n is not reset).
 * Returns 0 or -errno (-E2BIG: n > max_batch).
 */
int dpi_scan(struct dpi_scanner *s, const struct dpi_pkt *pkts, uint32_t n,
	     struct dpi_results *res);

/* Forget a flow's stream state (both directions), e.g. when the flow ends. */
void dpi_scanner_flow_end(struct dpi_scanner *s, uint64_t flow_id);

struct dpi_scanner_stats {
	uint64_t packets, bytes, batches;
	uint64_t matches, overflow;	/* overflow: matches not kept (results full) */
	uint64_t truncated;		/* payloads longer than DPI_MAX_PAYLOAD */
	uint64_t flows, flow_evictions;	/* flow directions held now; evicted by LRU */
	uint64_t pcre_checks;		/* candidates confirmed on the CPU with Hyperscan */
	uint64_t device_ns;		/* cuda: GPU time of the matching kernels */
	uint64_t hs_batches, dfa_batches; /* cpu: batches each literal finder scanned */
};

void dpi_scanner_stats(const struct dpi_scanner *s, struct dpi_scanner_stats *st);

#endif
