// SPDX-License-Identifier: GPL-2.0-only
/*
 * Build the flat database of dpi_core.h from rules: the contents (bytes and modifiers),
 * the literals (the last content of each chain, deduplicated by bytes and case) and a
 * full Aho-Corasick DFA over case-folded bytes with byte classes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_DFA_BYTES (1u << 30)

__attribute__((format(printf, 3, 4)))
static int errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err && len) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

void dpi_core_free(struct dpi_core_owned *o)
{
	free(o->classmap);
	free(o->delta);
	free(o->out_start);
	free(o->out_lits);
	free(o->lit_rules);
	free(o->lits);
	free(o->rules);
	free(o->contents);
	free(o->bytes);
	memset(o, 0, sizeof(*o));
}

static bool chain_last(const struct dpi_rule *r, int i)
{
	return i + 1 == r->n_contents || !(r->contents[i + 1].flags & DPI_C_RELATIVE);
}

/* Literal deduplication: open addressing on (nocase, bytes as the automaton reads). */
struct lit_key {
	uint32_t lit;		/* index + 1; 0 = empty */
};

static uint64_t hash_lit(const uint8_t *b, uint32_t len, int nocase)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)nocase;

	for (uint32_t i = 0; i < len; i++) {
		h ^= nocase ? dpi_core_fold(b[i]) : b[i];
		h *= 1099511628211ull;
	}
	return h;
}

static bool same_lit(const struct dpi_core_owned *o, const struct dpi_core_lit *l,
		     const uint8_t *b, uint32_t len, int nocase)
{
	const uint8_t *lb = o->bytes + l->bytes;

	if (l->len != len || l->nocase != nocase)
		return false;
	if (!nocase)
		return !memcmp(lb, b, len);
	for (uint32_t i = 0; i < len; i++)
		if (dpi_core_fold(lb[i]) != dpi_core_fold(b[i]))
			return false;
	return true;
}

/* Rules per literal: a linked list while building. */
struct lr {
	uint32_t rule, next;	/* next: index + 1 */
};

static int build_dfa(struct dpi_core_owned *o, char *err, size_t err_len)
{
	struct dpi_core_db *db = &o->db;
	uint32_t cls[256] = {0}, nc = 1, max_states = 1, n_states = 1;
	uint32_t *fail = NULL, *queue = NULL, *own = NULL, *own_next = NULL, *out_n = NULL;
	uint32_t *delta = NULL;
	size_t total_out = 0;
	int r = -ENOMEM;

	for (uint32_t l = 0; l < db->n_lits; l++) {
		const uint8_t *b = o->bytes + o->lits[l].bytes;

		for (uint32_t i = 0; i < o->lits[l].len; i++) {
			uint8_t f = dpi_core_fold(b[i]);

			if (!cls[f])
				cls[f] = nc++;
		}
		max_states += o->lits[l].len;
	}
	if ((uint64_t)max_states * nc * 4 > MAX_DFA_BYTES) {
		errf(err, err_len, "automaton too large: up to %u states x %u byte classes",
		     max_states, nc);
		return -E2BIG;
	}
	o->classmap = malloc(256);
	delta = calloc((size_t)max_states * nc, sizeof(*delta));
	fail = calloc(max_states, sizeof(*fail));
	queue = malloc(max_states * sizeof(*queue));
	own = calloc(max_states, sizeof(*own));		/* first own literal + 1 */
	own_next = calloc(db->n_lits + 1, sizeof(*own_next));
	out_n = calloc(max_states, sizeof(*out_n));
	if (!o->classmap || !delta || !fail || !queue || !own || !own_next || !out_n)
		goto fail;
	for (int c = 0; c < 256; c++)
		o->classmap[c] = (uint8_t)cls[dpi_core_fold((uint8_t)c)];

	/* The trie: 0 in delta means "no child" (the root is nobody's child). */
	for (uint32_t l = 0; l < db->n_lits; l++) {
		const uint8_t *b = o->bytes + o->lits[l].bytes;
		uint32_t s = 0;

		for (uint32_t i = 0; i < o->lits[l].len; i++) {
			uint32_t *t = &delta[(size_t)s * nc + o->classmap[b[i]]];

			if (!*t)
				*t = n_states++;
			s = *t;
		}
		own_next[l + 1] = own[s];
		own[s] = l + 1;
	}

	/* Breadth first: failure links, full transitions, output counts. */
	{
		uint32_t qh = 0, qt = 0;

		for (uint32_t c = 0; c < nc; c++) {
			uint32_t t = delta[c];

			if (t) {
				fail[t] = 0;
				queue[qt++] = t;
			}
		}
		while (qh < qt) {
			uint32_t s = queue[qh++], f = fail[s];

			for (uint32_t l = own[s]; l; l = own_next[l])
				out_n[s]++;
			out_n[s] += out_n[f];
			for (uint32_t c = 0; c < nc; c++) {
				uint32_t *t = &delta[(size_t)s * nc + c];

				if (*t) {
					fail[*t] = delta[(size_t)f * nc + c];
					queue[qt++] = *t;
				} else {
					*t = delta[(size_t)f * nc + c];
				}
			}
			total_out += out_n[s];
			if (total_out > (64u << 20)) {
				errf(err, err_len, "automaton has too many outputs");
				r = -E2BIG;
				goto fail;
			}
		}
		/* Outputs: a state's own literals, then its failure state's. */
		o->out_start = malloc((n_states + 1) * sizeof(uint32_t));
		o->out_lits = malloc((total_out + 1) * sizeof(uint32_t));
		if (!o->out_start || !o->out_lits)
			goto fail;
		/* By state id; a state's failure state comes first in BFS order. */
		o->out_start[0] = 0;
		for (uint32_t s = 0; s < n_states; s++)
			o->out_start[s + 1] = o->out_start[s] + out_n[s];
		for (uint32_t q = 0; q < qt; q++) {
			uint32_t s = queue[q], f = fail[s], pos = o->out_start[s];

			for (uint32_t l = own[s]; l; l = own_next[l])
				o->out_lits[pos++] = l - 1;
			for (uint32_t k = o->out_start[f]; k < o->out_start[f + 1]; k++)
				o->out_lits[pos++] = o->out_lits[k];
		}
		o->n_out = o->out_start[n_states];
	}
	/* Mark transitions into states with outputs. */
	for (size_t i = 0; i < (size_t)n_states * nc; i++)
		if (out_n[delta[i]])
			delta[i] |= DPI_CORE_OUT;
	o->delta = realloc(delta, (size_t)n_states * nc * sizeof(*delta));
	if (!o->delta) {
		o->delta = delta;
		goto fail;
	}
	delta = NULL;
	o->n_delta = (size_t)n_states * nc;
	db->n_states = n_states;
	db->n_classes = nc;
	r = 0;
fail:
	if (r == -ENOMEM)
		errf(err, err_len, "out of memory building the automaton");
	free(delta);
	free(fail);
	free(queue);
	free(own);
	free(own_next);
	free(out_n);
	return r;
}

int dpi_core_build(const struct dpi_rule *rules, size_t n, struct dpi_core_owned *o, char *err,
		   size_t err_len)
{
	struct dpi_core_db *db = &o->db;
	size_t n_contents = 0, n_bytes = 0, cap_lits, n_buckets = 16;
	struct lr *lr = NULL;
	uint32_t *lr_head = NULL, *lr_tail = NULL;
	struct lit_key *ht = NULL;
	size_t n_lr = 0;
	int r = -ENOMEM;

	memset(o, 0, sizeof(*o));
	for (size_t i = 0; i < n; i++) {
		n_contents += rules[i].n_contents;
		for (int c = 0; c < rules[i].n_contents; c++)
			n_bytes += rules[i].contents[c].len;
	}
	cap_lits = n_contents + 1;
	while (n_buckets < cap_lits * 2)
		n_buckets *= 2;
	o->rules = calloc(n + 1, sizeof(*o->rules));
	o->contents = calloc(n_contents + 1, sizeof(*o->contents));
	o->bytes = malloc(n_bytes + 1);
	o->lits = calloc(cap_lits, sizeof(*o->lits));
	lr = calloc(n_contents + 1, sizeof(*lr));
	lr_head = calloc(cap_lits, sizeof(*lr_head));
	lr_tail = calloc(cap_lits, sizeof(*lr_tail));
	ht = calloc(n_buckets, sizeof(*ht));
	if (!o->rules || !o->contents || !o->bytes || !o->lits || !lr || !lr_head || !lr_tail ||
	    !ht)
		goto fail;

	for (size_t i = 0; i < n; i++) {
		const struct dpi_rule *ru = &rules[i];

		o->rules[i].content = (uint32_t)o->n_contents;
		o->rules[i].n_contents = ru->n_contents;
		o->rules[i].n_pcres = ru->n_pcres;
		for (int c = 0; c < ru->n_contents; c++) {
			const struct dpi_content *ct = &ru->contents[c];
			struct dpi_core_content *cc = &o->contents[o->n_contents++];
			int nocase = !!(ct->flags & DPI_C_NOCASE);
			uint64_t h;
			size_t b;
			uint32_t lit;

			cc->bytes = (uint32_t)o->n_bytes;
			cc->len = ct->len;
			cc->flags = ct->flags;
			cc->offset = ct->offset;
			cc->depth = ct->depth;
			cc->distance = ct->distance;
			cc->within = ct->within;
			memcpy(o->bytes + o->n_bytes, ct->bytes, ct->len);
			o->n_bytes += ct->len;
			if (ct->len > db->max_lit && chain_last(ru, c))
				db->max_lit = ct->len;
			if (!chain_last(ru, c))
				continue;
			h = hash_lit(ct->bytes, ct->len, nocase);
			for (b = h & (n_buckets - 1); ht[b].lit; b = (b + 1) & (n_buckets - 1))
				if (same_lit(o, &o->lits[ht[b].lit - 1], ct->bytes, ct->len,
					     nocase))
					break;
			if (!ht[b].lit) {
				lit = db->n_lits++;
				o->lits[lit].bytes = cc->bytes;
				o->lits[lit].len = ct->len;
				o->lits[lit].nocase = (uint16_t)nocase;
				ht[b].lit = lit + 1;
			}
			lit = ht[b].lit - 1;
			/* A rule once per literal (two chains may end with the same one). */
			if (lr_tail[lit] && lr[lr_tail[lit] - 1].rule == i)
				continue;
			lr[n_lr].rule = (uint32_t)i;
			if (lr_tail[lit])
				lr[lr_tail[lit] - 1].next = (uint32_t)n_lr + 1;
			else
				lr_head[lit] = (uint32_t)n_lr + 1;
			lr_tail[lit] = (uint32_t)n_lr + 1;
			n_lr++;
		}
	}
	if (db->max_lit == 0)
		db->max_lit = 1;
	o->lit_rules = malloc((n_lr + 1) * sizeof(uint32_t));
	if (!o->lit_rules)
		goto fail;
	for (uint32_t l = 0; l < db->n_lits; l++) {
		o->lits[l].rules = (uint32_t)o->n_lit_rules;
		for (uint32_t k = lr_head[l]; k; k = lr[k - 1].next)
			o->lit_rules[o->n_lit_rules++] = lr[k - 1].rule;
		o->lits[l].n_rules = (uint32_t)o->n_lit_rules - o->lits[l].rules;
	}
	db->n_rules = (uint32_t)n;
	r = build_dfa(o, err, err_len);
	if (r)
		goto fail;
	db->classmap = o->classmap;
	db->delta = o->delta;
	db->out_start = o->out_start;
	db->out_lits = o->out_lits;
	db->lits = o->lits;
	db->lit_rules = o->lit_rules;
	db->rules = o->rules;
	db->contents = o->contents;
	db->bytes = o->bytes;
	goto out;
fail:
	if (r == -ENOMEM)
		errf(err, err_len, "out of memory building the rule database");
	dpi_core_free(o);
out:
	free(lr);
	free(lr_head);
	free(lr_tail);
	free(ht);
	return r;
}
