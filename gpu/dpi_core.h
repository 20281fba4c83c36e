/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The matching step, written once for the host and the GPU: an Aho-Corasick automaton
 * walk over a packet and the confirmation of the rules its literals point at (nocase,
 * offset, depth, distance, within). nvcc compiles it into the CUDA kernel; cc compiles
 * it into the "core" engine, which the differential test checks against Hyperscan.
 *
 * Plain C with fixed-width types; no allocation, no libc beyond what both sides have.
 *
 * The inspection buffer b[0..blen) is the flow's tail (b[0..ctx)) then the packet;
 * base is the stream offset of b[0]. A rule's contents form chains: a content without
 * distance/within starts a chain, each relative content continues it. The earliest end
 * of a chain is where its last content can first end with the whole chain satisfied;
 * x (the rule's "earliest end") is the largest of its chains' earliest ends. The rule's
 * contents are satisfied in the tail alone iff x <= ctx, so a rule fires on the packet iff
 * x > ctx (and its pcres, checked on the host, match in b). Only the last content of
 * each chain can make x > ctx, so only those literals are in the automaton.
 */
#ifndef ZTOS_GPU_DPI_CORE_H
#define ZTOS_GPU_DPI_CORE_H

#include <stdint.h>
#include <string.h>

#ifdef __CUDACC__
#define DPI_HD static __host__ __device__ __forceinline__
#else
#define DPI_HD static inline
#endif

#define DPI_CORE_OUT	0x80000000u	/* in delta[]: the next state has outputs */
#define DPI_CORE_STATE	0x7fffffffu
#define DPI_CORE_SEEN	64		/* rules confirmed once per packet (then again) */
#define DPI_CORE_MAX_BUF (512 + 9216)	/* DPI_STREAM_WINDOW + DPI_MAX_PAYLOAD */
#define DPI_CORE_BITWORDS ((DPI_CORE_MAX_BUF + 1 + 63) / 64)

/* content flags: the same bits as rules.h's DPI_C_* */
#define DPI_CORE_NOCASE   (1u << 0)
#define DPI_CORE_OFFSET   (1u << 1)
#define DPI_CORE_DEPTH    (1u << 2)
#define DPI_CORE_DISTANCE (1u << 3)
#define DPI_CORE_WITHIN   (1u << 4)
#define DPI_CORE_RELATIVE (DPI_CORE_DISTANCE | DPI_CORE_WITHIN)

struct dpi_core_content {
	uint32_t bytes;		/* offset in db->bytes */
	uint16_t len, flags;
	uint32_t offset, depth, distance, within;
};

struct dpi_core_rule {
	uint32_t content;	/* first content in db->contents */
	uint16_t n_contents;
	uint16_t n_pcres;
};

/* A literal of the automaton: the last content of a chain (deduplicated). */
struct dpi_core_lit {
	uint32_t bytes;		/* offset in db->bytes */
	uint16_t len;
	uint16_t nocase;
	uint32_t rules, n_rules;	/* the rules it points at: db->lit_rules[rules..] */
};

/* Flat arrays: the same layout in host and GPU memory. */
struct dpi_core_db {
	uint32_t n_states, n_classes, n_lits, n_rules;
	uint32_t max_lit;		/* longest literal (>= 1) */
	const uint8_t *classmap;	/* [256]: byte -> class (case folded) */
	const uint32_t *delta;		/* [n_states * n_classes]: next | DPI_CORE_OUT */
	const uint32_t *out_start;	/* [n_states + 1]: outputs of a state in out_lits */
	const uint32_t *out_lits;
	const struct dpi_core_lit *lits;
	const uint32_t *lit_rules;
	const struct dpi_core_rule *rules;
	const struct dpi_core_content *contents;
	const uint8_t *bytes;
};

/* A candidate that fired on the contents (x > ctx): pcres and the header are next. */
struct dpi_core_hit {
	uint32_t rule;
	uint32_t pkt;
	uint32_t offset;	/* x - ctx: end of the match in the packet */
	uint32_t pad;
};

/* A slot in a bounded output: atomic on the GPU, where threads share it. */
DPI_HD uint32_t dpi_core_inc(uint32_t *n)
{
#ifdef __CUDA_ARCH__
	return atomicAdd(n, 1u);
#else
	return (*n)++;
#endif
}

DPI_HD uint8_t dpi_core_fold(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* Does the content end at b[end] (exclusive)? end >= len. */
DPI_HD int dpi_core_lit_at(const uint8_t *b, uint32_t end, const uint8_t *pat, uint32_t len,
			   int nocase)
{
	const uint8_t *s = b + end - len;
	uint32_t i;

	if (nocase) {
		for (i = 0; i < len; i++)
			if (dpi_core_fold(s[i]) != dpi_core_fold(pat[i]))
				return 0;
	} else {
		for (i = 0; i < len; i++)
			if (s[i] != pat[i])
				return 0;
	}
	return 1;
}

/* Any bit set in [lo, hi]? */
DPI_HD int dpi_core_any_bit(const uint64_t *bits, uint32_t lo, uint32_t hi)
{
	uint32_t w;

	if (lo > hi)
		return 0;
	for (w = lo / 64; w <= hi / 64; w++) {
		uint64_t m = bits[w];

		if (w == lo / 64)
			m &= ~0ull << (lo % 64);
		if (w == hi / 64 && hi % 64 != 63)
			m &= (1ull << (hi % 64 + 1)) - 1;
		if (m)
			return 1;
	}
	return 0;
}

DPI_HD void dpi_core_clear_bits(uint64_t *bits, uint32_t lo, uint32_t hi)
{
	uint32_t w;

	for (w = lo / 64; w <= hi / 64; w++)
		bits[w] = 0;
}

/*
 * The first end e in [lo, hi] where the content ends (0: none). fast (host only, a
 * constant at each call site): memmem for case-sensitive contents; the GPU and the core
 * engine walk byte by byte, and the differential test holds the two to the same answers.
 */
DPI_HD uint32_t dpi_core_find(const uint8_t *b, uint32_t lo, uint32_t hi, const uint8_t *pat,
			      uint32_t len, int nocase, int fast)
{
	uint32_t e;

#ifndef __CUDA_ARCH__
	if (fast && !nocase) {
		const uint8_t *m;

		if (lo > hi)
			return 0;
		m = (const uint8_t *)memmem(b + lo - len, hi - lo + len, pat, len);
		return m ? (uint32_t)(m - b) + len : 0;
	}
#endif
	for (e = lo; e <= hi; e++)
		if (dpi_core_lit_at(b, e, pat, len, nocase))
			return e;
	return 0;
}

/*
 * The rule's earliest end x in b[0..blen) (0: its contents are not satisfied).
 * bits: 2 * DPI_CORE_BITWORDS words of scratch.
 */
DPI_HD uint32_t dpi_core_rule_x(const struct dpi_core_db *db, uint32_t rule, const uint8_t *b,
				uint32_t blen, uint64_t base, uint64_t *bits, int fast)
{
	const struct dpi_core_rule *r = &db->rules[rule];
	uint64_t *prev = bits, *cur = bits + DPI_CORE_BITWORDS, *tmp;
	uint32_t x = 0, chain_min = 0, i;

	if (blen > DPI_CORE_MAX_BUF)
		blen = DPI_CORE_MAX_BUF;
	for (i = 0; i < r->n_contents; i++) {
		const struct dpi_core_content *ct = &db->contents[r->content + i];
		const uint8_t *pat = db->bytes + ct->bytes;
		int rel = (ct->flags & DPI_CORE_RELATIVE) != 0;
		int next_rel = i + 1 < r->n_contents &&
			       (db->contents[r->content + i + 1].flags & DPI_CORE_RELATIVE);
		uint32_t lo = ct->len, hi = blen, found = 0, e;

		if (!rel && i > 0) {
			/* A new chain: the previous one is done. */
			if (chain_min > x)
				x = chain_min;
		}
		if (!rel) {
			if (ct->flags & DPI_CORE_OFFSET) {
				uint64_t need = (uint64_t)ct->offset + ct->len; /* stream end >= */

				if (need > base && need - base > lo) {
					if (need - base > hi)
						return 0;
					lo = (uint32_t)(need - base);
				}
			}
			if (ct->flags & DPI_CORE_DEPTH) {
				uint64_t lim = (uint64_t)ct->offset + ct->depth; /* stream end <= */

				if (lim < base + lo)
					return 0;
				if (lim - base < hi)
					hi = (uint32_t)(lim - base);
			}
		} else {
			uint32_t need = chain_min + ct->distance + ct->len;

			if (need > lo)
				lo = need;
		}
		/* The next content asks any end in a window: clear all of it. */
		if (next_rel)
			dpi_core_clear_bits(cur, 0, hi);
		for (e = lo; e <= hi; e++) {
			e = dpi_core_find(b, e, hi, pat, ct->len, ct->flags & DPI_CORE_NOCASE,
					  fast);
			if (!e)
				break;
			if (rel) {
				uint32_t phi = e - ct->len - ct->distance, plo = 0;

				if (ct->flags & DPI_CORE_WITHIN) {
					uint32_t back = ct->distance + ct->within;

					plo = e > back ? e - back : 0;
				}
				if (!dpi_core_any_bit(prev, plo, phi))
					continue;
			}
			if (!found)
				found = e;
			if (!next_rel)
				break;
			cur[e / 64] |= 1ull << (e % 64);
		}
		if (!found)
			return 0;
		chain_min = found;
		tmp = prev;
		prev = cur;
		cur = tmp;
	}
	return chain_min > x ? chain_min : x;
}

/* The bytes one thread scans: the walk repeats max_lit - 1 bytes before each segment. */
DPI_HD uint32_t dpi_core_segment(const struct dpi_core_db *db)
{
	return db->max_lit * 4 > 256 ? db->max_lit * 4 : 256;
}

/*
 * Report the rules that fire for literals ending inside b[from..to) (ctx <= from <= to
 * <= blen). The walk starts from the automaton's root max_lit - 1 bytes earlier (or at
 * b[0]): every literal that ends in the range is found without carrying automaton state,
 * so a packet can be cut into segments scanned in parallel, and the flow's tail is the
 * only state carried between packets. Each rule is confirmed once per call (up to
 * DPI_CORE_SEEN rules; later ones may be reported twice: the host deduplicates). Fired
 * rules go to out[] (bounded: *n counts every one, the caller keeps min(*n, cap)).
 */
DPI_HD void dpi_core_scan(const struct dpi_core_db *db, const uint8_t *b, uint32_t blen,
			  uint32_t ctx, uint64_t base, uint32_t from, uint32_t to, uint32_t pkt,
			  uint64_t *bits, struct dpi_core_hit *out, uint32_t cap, uint32_t *n)
{
	uint32_t seen[DPI_CORE_SEEN];
	uint32_t n_seen = 0, state = 0, i, o, k;

	i = from > db->max_lit - 1 ? from - (db->max_lit - 1) : 0;
	for (; i < to; i++) {
		uint32_t next = db->delta[(uint64_t)state * db->n_classes + db->classmap[b[i]]];

		state = next & DPI_CORE_STATE;
		if (!(next & DPI_CORE_OUT) || i < from)
			continue;
		for (o = db->out_start[state]; o < db->out_start[state + 1]; o++) {
			const struct dpi_core_lit *l = &db->lits[db->out_lits[o]];

			/* The automaton reads folded bytes: a case-sensitive literal is
			 * checked as written. */
			if (!l->nocase &&
			    !dpi_core_lit_at(b, i + 1, db->bytes + l->bytes, l->len, 0))
				continue;
			for (k = 0; k < l->n_rules; k++) {
				uint32_t rule = db->lit_rules[l->rules + k], s, x, slot;

				for (s = 0; s < n_seen; s++)
					if (seen[s] == rule)
						break;
				if (s < n_seen)
					continue;
				if (n_seen < DPI_CORE_SEEN)
					seen[n_seen++] = rule;
				x = dpi_core_rule_x(db, rule, b, blen, base, bits, 0);
				if (x <= ctx)
					continue;
				slot = dpi_core_inc(n);
				if (slot < cap) {
					out[slot].rule = rule;
					out[slot].pkt = pkt;
					out[slot].offset = x - ctx;
					out[slot].pad = 0;
				}
			}
		}
	}
}

#endif
