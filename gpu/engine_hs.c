// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cpu engine: Hyperscan finds the automaton's literals (block mode for a packet
 * without a flow, one stream per flow direction otherwise, so a literal split across
 * two segments is found), then the shared dpi_core_rule_x() confirms the rules.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"

static int compile_lits(struct dpi_db *db, unsigned int mode, hs_database_t **out, char *err,
			size_t err_len)
{
	const struct dpi_core_owned *o = &db->core;
	uint32_t n = o->db.n_lits;
	const char **exprs = calloc(n + 1, sizeof(*exprs));
	unsigned int *flags = calloc(n + 1, sizeof(*flags)), *ids = calloc(n + 1, sizeof(*ids));
	size_t *lens = calloc(n + 1, sizeof(*lens));
	hs_compile_error_t *cerr = NULL;
	int r = -ENOMEM;

	if (!exprs || !flags || !ids || !lens) {
		snprintf(err, err_len, "out of memory compiling %u literals", n);
		goto out;
	}
	for (uint32_t i = 0; i < n; i++) {
		exprs[i] = (const char *)o->bytes + o->lits[i].bytes;
		lens[i] = o->lits[i].len;
		ids[i] = i;
		flags[i] = o->lits[i].nocase ? HS_FLAG_CASELESS : 0;
		/* One report per literal and packet is all the confirmation needs. */
		if (mode == HS_MODE_BLOCK)
			flags[i] |= HS_FLAG_SINGLEMATCH;
	}
	if (hs_compile_lit_multi(exprs, flags, ids, lens, n, mode, NULL, out, &cerr) !=
	    HS_SUCCESS) {
		snprintf(err, err_len, "Hyperscan cannot compile %u literals: %s", n,
			 cerr ? cerr->message : "unknown error");
		hs_free_compile_error(cerr);
		r = -EINVAL;
		goto out;
	}
	r = 0;
out:
	free(exprs);
	free(flags);
	free(ids);
	free(lens);
	return r;
}

static int hs_db_init(struct dpi_db *db, char *err, size_t err_len)
{
	if (!db->core.db.n_lits)
		return 0;
	return compile_lits(db, HS_MODE_BLOCK, &db->lit_block, err, err_len) ?:
	       compile_lits(db, HS_MODE_STREAM, &db->lit_stream, err,
			    err_len);
}

static void hs_db_free(struct dpi_db *db)
{
	hs_free_database(db->lit_block);
	hs_free_database(db->lit_stream);
	db->lit_block = db->lit_stream = NULL;
}

static int hs_scanner_init(struct dpi_scanner *s, char *err, size_t err_len)
{
	struct dpi_db *db = s->db;

	if ((db->lit_block && hs_alloc_scratch(db->lit_block, &s->bscratch) != HS_SUCCESS) ||
	    (db->lit_stream && hs_alloc_scratch(db->lit_stream, &s->scratch) != HS_SUCCESS)) {
		snprintf(err, err_len, "cannot allocate Hyperscan scratch for the literals");
		return -ENOMEM;
	}
	return 0;
}

static int on_lit(unsigned int id, unsigned long long from, unsigned long long to,
		  unsigned int flags, void *ctx)
{
	struct dpi_scanner *s = ctx;

	/* Hyperscan reports in order of end: the first report is the earliest end in the
	 * packet (s->lit_end is in packet bytes: "to" counts from the stream's start). */
	if (s->lit_gen[id] != s->gen) {
		s->lit_gen[id] = s->gen;
		s->cand[s->n_cand++] = id;
		s->lit_end[id] = (uint32_t)(to - s->pkt_off);
	}
	return 0;
}

/*
 * A rule of one content without offset/depth (most rules): its earliest end is the first
 * one in the tail, else the literal's first end in the packet, which Hyperscan gave:
 * no search of the packet. 0: not such a rule (or satisfied in the tail: x <= ctx).
 */
static uint32_t single_x(const struct dpi_db *d, uint32_t rule, uint32_t end, const uint8_t *b,
			 uint32_t ctx)
{
	const struct dpi_core_db *db = &d->core.db;
	const struct dpi_core_content *ct;
	uint32_t e = 0;

	if (!d->hot[rule].single)
		return 0;
	if (!ctx)
		return end;
	ct = &db->contents[db->rules[rule].content];
	if (ctx >= ct->len)
		e = dpi_core_find(b, ct->len, ctx, db->bytes + ct->bytes, ct->len,
				  ct->flags & DPI_C_NOCASE, 1);
	return e ? e : ctx + end;
}

/* Confirm the rules of the literals seen; report those that fire. */
static void confirm(struct dpi_scanner *s, const struct dpi_pkt *p, uint32_t pkt,
		    const uint8_t *b, uint32_t blen, uint32_t ctx, uint64_t base)
{
	const struct dpi_core_db *db = &s->db->core.db;
	uint32_t nh = 0;

	for (uint32_t c = 0; c < s->n_cand; c++) {
		const struct dpi_core_lit *l = &db->lits[s->cand[c]];

		for (uint32_t k = 0; k < l->n_rules; k++) {
			uint32_t rule = db->lit_rules[l->rules + k], x;

			/* A rule of several literals is confirmed once. */
			if (s->conf_gen[rule] == s->gen)
				continue;
			s->conf_gen[rule] = s->gen;
			x = single_x(s->db, rule, s->lit_end[s->cand[c]], b, ctx);
			if (!x)
				x = dpi_core_rule_x(db, rule, b, blen, base, s->bits, 1);
			if (x <= ctx)
				continue;
			if (nh == DPI_HIT_CAP) {
				s->st.overflow++;
				continue;
			}
			s->hits[nh++] = (struct dpi_core_hit){ .rule = rule, .pkt = pkt,
							       .offset = x - ctx };
		}
	}
	dpi_emit_hits(s, p, pkt, s->hits, nh, b, blen);
}

static int hs_scan_batch(struct dpi_scanner *s, const struct dpi_pkt *pkts, uint32_t n)
{
	struct dpi_db *db = s->db;

	if (!db->lit_block)
		return 0;
	for (uint32_t i = 0; i < n; i++) {
		const struct dpi_pkt *p = &pkts[i];
		uint32_t len = dpi_pkt_len(p), blen, ctx;
		struct dpi_flow *f;
		hs_error_t err;

		dpi_next_gen(s);
		s->n_cand = 0;
		s->pkt_off = 0;
		if (!p->flow_id) {
			if (!len)
				continue;
			err = hs_scan(db->lit_block, (const char *)p->data, len, 0, s->bscratch,
				      on_lit, s);
			if (err != HS_SUCCESS)
				return -EIO;
			if (s->n_cand)
				confirm(s, p, i, p->data, len, 0, 0);
			continue;
		}
		f = dpi_flow_get(s, p);
		if (!len)
			continue;
		if (!f->hs && hs_open_stream(db->lit_stream, 0, &f->hs) != HS_SUCCESS)
			return -ENOMEM;
		s->pkt_off = f->stream_off;
		err = hs_scan_stream(f->hs, (const char *)p->data, len, 0, s->scratch, on_lit, s);
		if (err != HS_SUCCESS)
			return -EIO;
		if (s->n_cand) {
			blen = dpi_flow_buf(f, p->data, len, s->buf, &ctx);
			confirm(s, p, i, s->buf, blen, ctx, f->stream_off - ctx);
		}
		dpi_flow_advance(f, p->data, len);
	}
	return 0;
}

static void hs_flow_evict(struct dpi_scanner *s, struct dpi_flow *f)
{
	if (f->hs)
		hs_close_stream(f->hs, NULL, NULL, NULL);
	f->hs = NULL;
}

static void hs_scanner_free(struct dpi_scanner *s)
{
	hs_free_scratch(s->bscratch);
	s->bscratch = NULL;
}

const struct dpi_backend dpi_backend_hs = {
	.scanner_free = hs_scanner_free,
	.name = "cpu",
	.db_init = hs_db_init,
	.db_free = hs_db_free,
	.scanner_init = hs_scanner_init,
	.scan = hs_scan_batch,
	.flow_evict = hs_flow_evict,
};
