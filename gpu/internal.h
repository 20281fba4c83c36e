/* SPDX-License-Identifier: GPL-2.0-only */
/* What the engines of gpu/ share: the db, the scanner, flow states, back ends. */
#ifndef ZTOS_GPU_INTERNAL_H
#define ZTOS_GPU_INTERNAL_H

#include <hs.h>

#include "cuda_api.h"
#include "engine.h"

int dpi_core_build(const struct dpi_rule *rules, size_t n, struct dpi_core_owned *out, char *err,
		   size_t err_len);
void dpi_core_free(struct dpi_core_owned *o);

/* A flow direction's stream state. */
struct dpi_flow {
	uint64_t flow_id;
	uint8_t dir, used;
	uint32_t hnext;			/* hash chain (index + 1; 0 ends) */
	uint32_t lru_prev, lru_next;	/* index + 1; 0 ends */
	uint64_t stream_off;		/* bytes of the stream scanned so far */
	uint32_t tail_len;
	uint8_t tail[DPI_STREAM_WINDOW];
};

struct dpi_flows {
	struct dpi_flow *v;
	uint32_t cap, n, n_buckets;
	uint32_t *buckets;		/* index + 1 */
	uint32_t lru_head, lru_tail;	/* head: most recent */
	uint32_t free_head;		/* index + 1, through hnext */
	uint64_t evictions;
};

struct dpi_scanner;

struct dpi_backend {
	const char *name;
	int (*db_init)(struct dpi_db *db, char *err, size_t err_len);
	void (*db_free)(struct dpi_db *db);
	int (*scanner_init)(struct dpi_scanner *s, char *err, size_t err_len);
	void (*scanner_free)(struct dpi_scanner *s);
	/* Scan the batch; report through dpi_emit_hits() per packet. */
	int (*scan)(struct dpi_scanner *s, const struct dpi_pkt *pkts, uint32_t n);
	void (*flow_evict)(struct dpi_scanner *s, struct dpi_flow *f);
	uint64_t (*device_ns)(const struct dpi_scanner *s);
};

extern const struct dpi_backend dpi_backend_hs, dpi_backend_core, dpi_backend_noop,
	dpi_backend_cuda;

struct dpi_engine {
	enum dpi_engine_kind kind;
	const struct dpi_backend *be;
	void *cuda_lib;			/* dlopen handle */
	const struct dpi_cuda_api *cuda;
};

/* What the scan touches of each rule, packed (a struct dpi_rule spans many lines). */
struct dpi_rule_hot {
	uint32_t sid;
	uint8_t flow;		/* enum dpi_flow_dir */
	uint8_t n_pcres;
	uint8_t single;		/* one content, no offset/depth: its literal gives x */
	uint8_t pad;
};

/*
 * The cpu engine's automaton walk (lit_dfa.c): the core automaton with each state
 * stored multiplied by n_classes. delta NULL: the automaton is too large, Hyperscan only.
 */
struct dpi_lit_dfa {
	uint32_t *delta;		/* [n_states * n_classes]: next * n_classes | OUT */
	const uint8_t *classmap;	/* the core db's */
	uint32_t n_classes;
};

#define DPI_DFA_LANES 4		/* buffers walked in one loop */

/* One buffer of a walk, and where the automaton was in an output state. */
struct dpi_dfa_lane {
	const uint8_t *b;
	uint32_t len;
	uint32_t n_ev;
	uint32_t *ev;		/* [2 * DPI_CORE_MAX_BUF]: pairs (end, state) in order of end */
};

int dpi_lit_dfa_build(struct dpi_lit_dfa *d, const struct dpi_core_db *db);
void dpi_lit_dfa_free(struct dpi_lit_dfa *d);
/* Walk n lanes (n <= DPI_DFA_LANES) from the root; fills each lane's ev. */
void dpi_lit_dfa_walk(const struct dpi_lit_dfa *d, struct dpi_dfa_lane *l, uint32_t n);

struct dpi_db {
	struct dpi_engine *e;
	struct dpi_rule_hot *hot;	/* [n_rules] */
	struct dpi_rule *rules;		/* deep copy */
	size_t n_rules;
	struct dpi_core_owned core;
	uint32_t *pcre_first;		/* [n_rules]: id of the rule's first pcre */
	uint32_t n_pcres;
	hs_database_t *pcre_db;		/* block mode, all pcres, id = pcre index */
	hs_database_t *lit_block;	/* cpu engine: the automaton's literals, block mode */
	struct dpi_lit_dfa lit_dfa;	/* cpu engine: the same literals, walked by automaton */
	void *cuda_db;
};

struct dpi_scanner {
	struct dpi_db *db;
	struct dpi_scanner_opts opts;
	struct dpi_flows flows;
	struct dpi_scanner_stats st;
	struct dpi_results *res;
	hs_scratch_t *scratch;		/* pcre */
	hs_scratch_t *bscratch;		/* the cpu engine's literals: its own, smaller */
	uint8_t *buf;			/* DPI_CORE_MAX_BUF: one packet's inspection buffer */
	uint64_t *bits;			/* 2 * DPI_CORE_BITWORDS */
	struct dpi_core_hit *hits;	/* one packet's candidates (HIT_CAP) */
	uint32_t n_hits;
	uint32_t *rule_gen;		/* [n_rules]: per packet deduplication */
	uint32_t *pcre_gen;		/* [n_pcres]: pcres matched in this packet's buffer */
	uint32_t *conf_gen;		/* [n_rules]: confirmed in this packet */
	uint32_t *lit_gen;		/* [n_lits] */
	uint32_t *cand;			/* [n_lits]: literals seen in this packet */
	uint32_t *lit_end;		/* [n_lits]: their first end in the packet */
	uint64_t pkt_off;		/* stream offset of the packet being scanned */
	uint32_t n_cand;
	uint32_t gen;
	uint64_t batch_bytes;		/* the batch being scanned: its payloads' bytes */
	void *be;			/* the back end's own state */
};

#define DPI_HIT_CAP 4096	/* candidates kept per packet (more are counted as overflow) */

/* A new packet: the *_gen markers of the last one no longer count. */
void dpi_next_gen(struct dpi_scanner *s);

/* The flow direction's state (created; LRU evicted), or NULL for flow id 0. */
struct dpi_flow *dpi_flow_get(struct dpi_scanner *s, const struct dpi_pkt *p);
/* Copy tail + payload to dst (DPI_CORE_MAX_BUF); *ctx = tail length; returns the length. */
uint32_t dpi_flow_buf(const struct dpi_flow *f, const uint8_t *data, uint32_t len, uint8_t *dst,
		      uint32_t *ctx);
/* The packet's bytes are scanned: keep the last DPI_STREAM_WINDOW bytes of the stream. */
void dpi_flow_advance(struct dpi_flow *f, const uint8_t *data, uint32_t len);
static inline uint32_t dpi_pkt_len(const struct dpi_pkt *p)
{
	return p->len > DPI_MAX_PAYLOAD ? DPI_MAX_PAYLOAD : p->len;
}

/*
 * One packet's candidates (their contents fire): deduplicate, check pcres on the
 * buffer b[0..blen) and the rule header, append the matches to the scan's results.
 */
void dpi_emit_hits(struct dpi_scanner *s, const struct dpi_pkt *p, uint32_t pkt,
		   struct dpi_core_hit *h, uint32_t nh, const uint8_t *b, uint32_t blen);

#endif
