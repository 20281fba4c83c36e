// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cpu engine's second literal finder: the core automaton (core_build.c) walked on
 * the CPU, several buffers at once. One walk is a chain of dependent loads, each waiting
 * on the cache; walking DPI_DFA_LANES buffers in one loop keeps that many loads in
 * flight. Its cost per byte does not depend on how often literals occur, where
 * Hyperscan's grows with the reports (HTTP-like traffic: bench/results/dpi.md), so
 * engine_hs.c measures both and takes the cheaper. States are stored multiplied by the
 * number of byte classes: no multiply on the chain.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

#define DFA_MAX_BYTES (64u << 20)	/* larger automata: Hyperscan alone */

int dpi_lit_dfa_build(struct dpi_lit_dfa *d, const struct dpi_core_db *db)
{
	uint64_t cells = (uint64_t)db->n_states * db->n_classes;

	*d = (struct dpi_lit_dfa){ 0 };
	if (!db->n_lits || !cells || cells * sizeof(*d->delta) > DFA_MAX_BYTES)
		return 0;
	d->delta = malloc(cells * sizeof(*d->delta));
	if (!d->delta)
		return -ENOMEM;
	for (uint64_t i = 0; i < cells; i++) {
		uint32_t t = db->delta[i];

		d->delta[i] = (t & DPI_CORE_STATE) * db->n_classes | (t & DPI_CORE_OUT);
	}
	d->classmap = db->classmap;
	d->n_classes = db->n_classes;
	return 0;
}

void dpi_lit_dfa_free(struct dpi_lit_dfa *d)
{
	free(d->delta);
	*d = (struct dpi_lit_dfa){ 0 };
}

/* The automaton is in an output state after b[end - 1]: keep where, and which state. */
static inline void push(const struct dpi_lit_dfa *d, struct dpi_dfa_lane *l, uint32_t end,
			uint32_t s)
{
	l->ev[l->n_ev++] = end;
	l->ev[l->n_ev++] = (s & DPI_CORE_STATE) / d->n_classes;
}

static void walk_one(const struct dpi_lit_dfa *d, struct dpi_dfa_lane *l, uint32_t from,
		     uint32_t s)
{
	const uint32_t *delta = d->delta;
	const uint8_t *cm = d->classmap, *b = l->b;

	for (uint32_t i = from; i < l->len; i++) {
		s = delta[(s & DPI_CORE_STATE) + cm[b[i]]];
		if (s & DPI_CORE_OUT)
			push(d, l, i + 1, s);
	}
}

static void walk_four(const struct dpi_lit_dfa *d, struct dpi_dfa_lane *l)
{
	const uint32_t *delta = d->delta;
	const uint8_t *cm = d->classmap;
	const uint8_t *b0 = l[0].b, *b1 = l[1].b, *b2 = l[2].b, *b3 = l[3].b;
	uint32_t s0 = 0, s1 = 0, s2 = 0, s3 = 0, m = l[0].len, i;

	for (int k = 1; k < 4; k++)
		m = l[k].len < m ? l[k].len : m;
	for (i = 0; i < m; i++) {
		s0 = delta[(s0 & DPI_CORE_STATE) + cm[b0[i]]];
		s1 = delta[(s1 & DPI_CORE_STATE) + cm[b1[i]]];
		s2 = delta[(s2 & DPI_CORE_STATE) + cm[b2[i]]];
		s3 = delta[(s3 & DPI_CORE_STATE) + cm[b3[i]]];
		if (__builtin_expect(!((s0 | s1 | s2 | s3) & DPI_CORE_OUT), 1))
			continue;
		if (s0 & DPI_CORE_OUT)
			push(d, &l[0], i + 1, s0);
		if (s1 & DPI_CORE_OUT)
			push(d, &l[1], i + 1, s1);
		if (s2 & DPI_CORE_OUT)
			push(d, &l[2], i + 1, s2);
		if (s3 & DPI_CORE_OUT)
			push(d, &l[3], i + 1, s3);
	}
	/* The longer buffers' rest, one at a time, from where their walk stands. */
	walk_one(d, &l[0], m, s0);
	walk_one(d, &l[1], m, s1);
	walk_one(d, &l[2], m, s2);
	walk_one(d, &l[3], m, s3);
}

void dpi_lit_dfa_walk(const struct dpi_lit_dfa *d, struct dpi_dfa_lane *l, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		l[k].n_ev = 0;
	if (n == DPI_DFA_LANES) {
		walk_four(d, l);
		return;
	}
	for (uint32_t k = 0; k < n; k++)
		walk_one(d, &l[k], 0, 0);
}
