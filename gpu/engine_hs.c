// SPDX-License-Identifier: GPL-2.0-only
/*
 * The cpu engine: Hyperscan finds the automaton's literals in block mode, then the
 * shared dpi_core_rule_x() confirms the rules. A packet of a flow is scanned together
 * with its flow direction's tail (DPI_STREAM_WINDOW bytes, longer than any literal),
 * so a literal split across two segments is found without a Hyperscan stream per
 * flow; reports that end in the tail were the earlier packet's. Short packets without a flow are
 * scanned several at a time, one buffer for a run of them: Hyperscan's cost per call
 * weighs more than the bytes at 64 B. Literals are compiled without
 * HS_FLAG_SINGLEMATCH: keeping a literal's first end per packet is lit_record()'s job, and
 * Hyperscan's bookkeeping for it costs more than the repeated reports on HTTP-like
 * traffic (2.84 against 2.21 Gbps at 1500 B in bench/results/dpi.md).
 *
 * Hyperscan's cost grows with its reports; where literals occur every few dozen bytes
 * (HTTP-like traffic) the core automaton walked four packets at a time (lit_dfa.c) is
 * cheaper, and on sparse traffic Hyperscan is several times faster. So each batch goes
 * to the finder that has cost less per KiB so far, and the other is tried again now and
 * then (the wider the gap, the rarer); both give lit_record() the same reports, in order of
 * end, and the matches are the same (tests/unit/test_dpi_diff.c holds each to the core
 * engine).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

static int compile_lits(struct dpi_db *db, hs_database_t **out, char *err, size_t err_len)
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
	}
	if (hs_compile_lit_multi(exprs, flags, ids, lens, n, HS_MODE_BLOCK, NULL, out, &cerr) !=
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
	int r;

	if (!db->core.db.n_lits)
		return 0;
	r = compile_lits(db, &db->lit_block, err, err_len);
	if (!r && dpi_lit_dfa_build(&db->lit_dfa, &db->core.db)) {
		snprintf(err, err_len, "out of memory for the cpu engine's automaton");
		r = -ENOMEM;
	}
	return r;
}

static void hs_db_free(struct dpi_db *db)
{
	hs_free_database(db->lit_block);
	db->lit_block = NULL;
	dpi_lit_dfa_free(&db->lit_dfa);
}

/* A run of short flowless packets, scanned as one buffer (HS_GROUP_*). */
#define HS_GROUP_SMALL 512	/* packets shorter than this join a run */
#define HS_GROUP_BYTES 16384	/* a run's buffer */
#define HS_GROUP_PKTS 256	/* packets in a run */
#define HS_GROUP_REPORTS 8192	/* reports kept from one run; past it, one scan per packet */

struct hs_group {
	uint8_t buf[HS_GROUP_BYTES];
	uint32_t start[HS_GROUP_PKTS + 1];	/* where each packet starts in buf; then the end */
	uint32_t rep_id[HS_GROUP_REPORTS], rep_to[HS_GROUP_REPORTS];
	uint32_t n_rep;
	bool unusable;		/* too many reports, or not in order of end */
};

/* A packet of an automaton walk: its buffer is its lane's. */
struct dfa_pkt {
	struct dpi_flow *f;	/* NULL: flowless, the packet's own bytes */
	uint32_t ctx;		/* tail bytes before the packet */
};

/*
 * Which finder costs less (ns per KiB, averaged), and when to try the other again. A
 * try is TRY_LEN batches: the first after a change of finder finds the caches holding
 * the other one's tables and is not counted, or a finder would never win a try.
 */
struct finder_cost {
	uint64_t ns_per_kib[2];	/* FIND_HS, FIND_DFA; 0: not measured yet */
	uint32_t since_try;	/* batches since the last try */
	uint32_t trial;		/* batches left in the try under way */
	int trial_f, last;	/* the finder tried; the one of the last batch */
};

enum { FIND_HS, FIND_DFA };

struct hs_be {
	struct hs_group group;
	struct dpi_dfa_lane lane[DPI_DFA_LANES];
	struct dfa_pkt lane_pkt[DPI_DFA_LANES];
	uint8_t *lane_buf;	/* DPI_DFA_LANES * DPI_CORE_MAX_BUF */
	uint32_t *lane_ev;	/* DPI_DFA_LANES * 2 * DPI_CORE_MAX_BUF */
	struct finder_cost cost;
};

static int hs_scanner_init(struct dpi_scanner *s, char *err, size_t err_len)
{
	struct dpi_db *db = s->db;
	struct hs_be *be;

	if (db->lit_block && hs_alloc_scratch(db->lit_block, &s->bscratch) != HS_SUCCESS) {
		snprintf(err, err_len, "cannot allocate Hyperscan scratch for the literals");
		return -ENOMEM;
	}
	be = calloc(1, sizeof(*be));
	s->be = be;
	if (be) {
		be->lane_buf = malloc((size_t)DPI_DFA_LANES * DPI_CORE_MAX_BUF);
		be->lane_ev = malloc((size_t)DPI_DFA_LANES * 2 * DPI_CORE_MAX_BUF *
				     sizeof(*be->lane_ev));
	}
	if (!be || !be->lane_buf || !be->lane_ev) {
		snprintf(err, err_len, "out of memory for the cpu engine's scan buffers");
		return -ENOMEM;
	}
	for (int k = 0; k < DPI_DFA_LANES; k++)
		be->lane[k].ev = be->lane_ev + (size_t)k * 2 * DPI_CORE_MAX_BUF;
	return 0;
}

/* The tail holds any literal whole: an end in the tail means the literal lies in it. */
_Static_assert(DPI_MAX_CONTENT_LEN <= DPI_STREAM_WINDOW, "a literal longer than the tail");

/* In lit_end: the literal also ends in the tail, so it lies in the tail whole. */
#define LIT_IN_TAIL 0x80000000u

/* Would a report of literal id ending at to change what lit_record() keeps? */
static inline bool lit_news(const struct dpi_scanner *s, uint32_t id, uint64_t to)
{
	return s->lit_gen[id] != s->gen || (to > s->pkt_off && s->lit_end[id] == LIT_IN_TAIL);
}

/*
 * A report that lit_news() let through. Reports come in order of end (Hyperscan's, and
 * the automaton walk's): the first is the earliest end. s->pkt_off bytes of tail come
 * first; an end there is remembered, not a candidate (the earlier packet's). s->lit_end
 * is in packet bytes.
 */
static void lit_record(struct dpi_scanner *s, uint32_t id, uint64_t to)
{
	if (to <= s->pkt_off) {
		s->lit_gen[id] = s->gen;
		s->lit_end[id] = LIT_IN_TAIL;
		return;
	}
	s->cand[s->n_cand++] = id;
	if (s->lit_gen[id] != s->gen) {
		s->lit_gen[id] = s->gen;
		s->lit_end[id] = (uint32_t)(to - s->pkt_off);
	} else {
		s->lit_end[id] |= (uint32_t)(to - s->pkt_off);	/* was LIT_IN_TAIL */
	}
}

static int on_lit(unsigned int id, unsigned long long from, unsigned long long to,
		  unsigned int flags, void *ctx)
{
	struct dpi_scanner *s = ctx;

	if (lit_news(s, id, to))
		lit_record(s, id, to);
	return 0;
}

/* A new packet's candidates: none yet; pkt_off bytes of tail come before it. */
static void pkt_begin(struct dpi_scanner *s, uint64_t pkt_off)
{
	dpi_next_gen(s);
	s->n_cand = 0;
	s->pkt_off = pkt_off;
}

/*
 * A rule of one content without offset/depth (most rules): the literal is the content
 * (literals are keyed by bytes and nocase), so its earliest end is the one Hyperscan
 * gave, in the tail (the whole tail is scanned) or else in the packet: no search of the
 * buffer. 0: not such a rule; at most ctx: satisfied in the tail already.
 */
static uint32_t single_x(const struct dpi_db *d, uint32_t rule, uint32_t end, uint32_t ctx)
{
	if (!d->hot[rule].single)
		return 0;
	if (end & LIT_IN_TAIL)
		return ctx;
	return ctx + end;
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
			x = single_x(s->db, rule, s->lit_end[s->cand[c]], ctx);
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

static int scan_one(struct dpi_scanner *s, const struct dpi_pkt *p, uint32_t i)
{
	uint32_t len = dpi_pkt_len(p);

	pkt_begin(s, 0);
	if (!len)
		return 0;
	if (hs_scan(s->db->lit_block, (const char *)p->data, len, 0, s->bscratch, on_lit, s) !=
	    HS_SUCCESS)
		return -EIO;
	if (s->n_cand)
		confirm(s, p, i, p->data, len, 0, 0);
	return 0;
}

/*
 * A packet of a flow: its tail, then the packet, in one buffer. Scanning the whole tail
 * (not only the longest literal's reach into it) tells, for free, which literals lie in
 * the tail already: a one-content rule needs no search of the tail to know it fired
 * there before.
 */
static int scan_flow(struct dpi_scanner *s, const struct dpi_pkt *p, uint32_t i)
{
	uint32_t len = dpi_pkt_len(p), blen, ctx;
	struct dpi_flow *f;

	pkt_begin(s, 0);
	f = dpi_flow_get(s, p);
	if (!len)
		return 0;
	blen = dpi_flow_buf(f, p->data, len, s->buf, &ctx);
	s->pkt_off = ctx;
	if (hs_scan(s->db->lit_block, (const char *)s->buf, blen, 0, s->bscratch, on_lit, s) !=
	    HS_SUCCESS)
		return -EIO;
	if (s->n_cand)
		confirm(s, p, i, s->buf, blen, ctx, f->stream_off - ctx);
	dpi_flow_advance(f, p->data, len);
	return 0;
}

static int on_group(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *ctx)
{
	struct hs_group *g = ctx;

	if (g->n_rep == HS_GROUP_REPORTS || (g->n_rep && to < g->rep_to[g->n_rep - 1])) {
		g->unusable = true;
		return 1;	/* stop: the run is scanned packet by packet instead */
	}
	g->rep_id[g->n_rep] = id;
	g->rep_to[g->n_rep++] = (uint32_t)to;
	return 0;
}

/*
 * How many packets from pkts[0] form a run worth one scan: flowless, short, fitting
 * the buffer together. Fewer than two: none.
 */
static uint32_t group_len(const struct dpi_pkt *pkts, uint32_t n)
{
	uint32_t k = 0, bytes = 0;

	while (k < n && k < HS_GROUP_PKTS && !pkts[k].flow_id && pkts[k].len < HS_GROUP_SMALL &&
	       bytes + pkts[k].len <= HS_GROUP_BYTES)
		bytes += pkts[k++].len;
	return k;
}

/* The reports of packet k of the run become its candidates, as lit_record() makes them. */
static void group_cands(struct dpi_scanner *s, struct hs_group *g, uint32_t k, uint32_t *r)
{
	const struct dpi_core_lit *lits = s->db->core.db.lits;
	uint32_t start = g->start[k], end = g->start[k + 1];

	for (; *r < g->n_rep && g->rep_to[*r] <= end; (*r)++) {
		uint32_t id = g->rep_id[*r], to = g->rep_to[*r];

		/* Begun in the packet before: not this packet's. */
		if (to - lits[id].len < start || s->lit_gen[id] == s->gen)
			continue;
		s->lit_gen[id] = s->gen;
		s->cand[s->n_cand++] = id;
		s->lit_end[id] = to - start;
	}
}

static int scan_group(struct dpi_scanner *s, const struct dpi_pkt *pkts, uint32_t first,
		      uint32_t n)
{
	struct hs_group *g = &((struct hs_be *)s->be)->group;
	uint32_t off = 0, r = 0;

	for (uint32_t k = 0; k < n; k++) {
		g->start[k] = off;
		memcpy(g->buf + off, pkts[k].data, pkts[k].len);
		off += pkts[k].len;
	}
	g->start[n] = off;
	g->n_rep = 0;
	g->unusable = false;
	if (off) {
		hs_error_t err = hs_scan(s->db->lit_block, (const char *)g->buf, off, 0,
					 s->bscratch, on_group, g);

		if (err != HS_SUCCESS && err != HS_SCAN_TERMINATED)
			return -EIO;
	}
	for (uint32_t k = 0; k < n; k++) {
		if (g->unusable) {
			if (scan_one(s, &pkts[k], first + k))
				return -EIO;
			continue;
		}
		pkt_begin(s, 0);
		group_cands(s, g, k, &r);
		if (s->n_cand)
			confirm(s, &pkts[k], first + k, pkts[k].data, pkts[k].len, 0, 0);
	}
	return 0;
}

/* Hyperscan finds the literals: runs of short flowless packets in one call. */
static int hs_find_batch(struct dpi_scanner *s, const struct dpi_pkt *pkts, uint32_t n)
{
	uint32_t k;

	for (uint32_t i = 0; i < n; i += k) {
		k = group_len(pkts + i, n - i);
		if (k >= 2) {
			if (scan_group(s, pkts + i, i, k))
				return -EIO;
			continue;
		}
		k = 1;
		if ((pkts[i].flow_id ? scan_flow(s, &pkts[i], i) : scan_one(s, &pkts[i], i)))
			return -EIO;
	}
	return 0;
}

/*
 * How many packets from pkts[0] walk together: up to DPI_DFA_LANES, stopping before a
 * flow direction already among them (its second packet continues the first's tail).
 * Their flows are held at once: the LRU holds more than a batch (dpi_scanner_create()),
 * so getting one never evicts another.
 */
static uint32_t lanes_len(const struct dpi_pkt *pkts, uint32_t n)
{
	uint32_t k = 0;

	for (; k < n && k < DPI_DFA_LANES; k++)
		for (uint32_t j = 0; j < k && pkts[k].flow_id; j++)
			if (pkts[j].flow_id == pkts[k].flow_id && pkts[j].dir == pkts[k].dir)
				return k;
	return k;
}

/* Lane k's buffer: the packet alone, or its flow direction's tail and the packet. */
static void lane_fill(struct dpi_scanner *s, struct hs_be *be, uint32_t k,
		      const struct dpi_pkt *p)
{
	struct dpi_dfa_lane *l = &be->lane[k];
	struct dfa_pkt *lp = &be->lane_pkt[k];
	uint32_t len = dpi_pkt_len(p);

	lp->f = dpi_flow_get(s, p);
	lp->ctx = 0;
	l->b = p->data;
	l->len = len;
	if (lp->f && len) {
		uint8_t *buf = be->lane_buf + (size_t)k * DPI_CORE_MAX_BUF;

		l->len = dpi_flow_buf(lp->f, p->data, len, buf, &lp->ctx);
		l->b = buf;
	}
}

/* The walk's output states of lane l become candidates, as Hyperscan's reports do. */
static void lane_cands(struct dpi_scanner *s, const struct dpi_dfa_lane *l)
{
	const struct dpi_core_db *db = &s->db->core.db;

	for (uint32_t e = 0; e < l->n_ev; e += 2) {
		uint32_t end = l->ev[e], st = l->ev[e + 1];

		for (uint32_t o = db->out_start[st]; o < db->out_start[st + 1]; o++) {
			uint32_t id = db->out_lits[o];
			const struct dpi_core_lit *lit = &db->lits[id];

			if (!lit_news(s, id, end))
				continue;
			/* The automaton reads folded bytes: case as written is checked. */
			if (!lit->nocase && memcmp(l->b + end - lit->len, db->bytes + lit->bytes,
						   lit->len))
				continue;
			lit_record(s, id, end);
		}
	}
}

/* The automaton finds the literals, DPI_DFA_LANES packets per walk. */
static int dfa_find_batch(struct dpi_scanner *s, const struct dpi_pkt *pkts, uint32_t n)
{
	struct hs_be *be = s->be;
	uint32_t k;

	for (uint32_t i = 0; i < n; i += k) {
		k = lanes_len(pkts + i, n - i);
		for (uint32_t j = 0; j < k; j++)
			lane_fill(s, be, j, &pkts[i + j]);
		dpi_lit_dfa_walk(&s->db->lit_dfa, be->lane, k);
		for (uint32_t j = 0; j < k; j++) {
			const struct dpi_dfa_lane *l = &be->lane[j];
			const struct dfa_pkt *lp = &be->lane_pkt[j];
			uint64_t base = lp->f ? lp->f->stream_off - lp->ctx : 0;

			pkt_begin(s, lp->ctx);
			lane_cands(s, l);
			if (s->n_cand)
				confirm(s, &pkts[i + j], i + j, l->b, l->len, lp->ctx, base);
			if (lp->f)
				dpi_flow_advance(lp->f, pkts[i + j].data, dpi_pkt_len(&pkts[i + j]));
		}
	}
	return 0;
}

#define TRY_EVERY 256	/* batches between tries of the other finder, times its cost ratio */
#define TRY_MAX 8192
#define TRY_LEN 4

static int finder_try(struct finder_cost *c, int f)
{
	c->since_try = 0;
	c->trial_f = f;
	c->trial = TRY_LEN - 1;
	return f;
}

/* The finder for this batch: the one asked for, else the cheaper, now and then the other. */
static int finder_pick(struct dpi_scanner *s)
{
	struct finder_cost *c = &((struct hs_be *)s->be)->cost;
	uint64_t hs = c->ns_per_kib[FIND_HS], dfa = c->ns_per_kib[FIND_DFA], every;
	int best;

	if (!s->db->lit_dfa.delta || s->opts.finder == DPI_FINDER_HYPERSCAN)
		return FIND_HS;
	if (s->opts.finder == DPI_FINDER_AUTOMATON)
		return FIND_DFA;
	if (c->trial) {
		c->trial--;
		return c->trial_f;
	}
	if (!hs)
		return FIND_HS;
	if (!dfa)
		return finder_try(c, FIND_DFA);
	best = dfa < hs ? FIND_DFA : FIND_HS;
	/* A try costs the gap: the wider it is, the rarer the tries. */
	every = TRY_EVERY * c->ns_per_kib[!best] / c->ns_per_kib[best];
	if (++c->since_try < (every < TRY_MAX ? every : TRY_MAX))
		return best;
	return finder_try(c, !best);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A batch's cost per KiB, averaged with the finder's earlier ones. */
static void finder_cost_add(struct finder_cost *c, int f, uint64_t ns, uint64_t bytes)
{
	uint64_t x, *avg = &c->ns_per_kib[f];
	bool warm = f == c->last;

	c->last = f;
	if (!warm || bytes < 1024)
		return;
	x = ns * 1024 / bytes + 1;
	*avg = *avg ? (*avg * 3 + x) / 4 : x;
}

static int hs_scan_batch(struct dpi_scanner *s, const struct dpi_pkt *pkts, uint32_t n)
{
	struct hs_be *be = s->be;
	uint64_t t0;
	int f, r;

	if (!s->db->lit_block)
		return 0;
	f = finder_pick(s);
	t0 = now_ns();
	r = f == FIND_DFA ? dfa_find_batch(s, pkts, n) : hs_find_batch(s, pkts, n);
	if (s->opts.finder == DPI_FINDER_AUTO)
		finder_cost_add(&be->cost, f, now_ns() - t0, s->batch_bytes);
	if (f == FIND_DFA)
		s->st.dfa_batches++;
	else
		s->st.hs_batches++;
	return r;
}

static void hs_scanner_free(struct dpi_scanner *s)
{
	hs_free_scratch(s->bscratch);
	s->bscratch = NULL;
	if (s->be) {
		struct hs_be *be = s->be;

		free(be->lane_buf);
		free(be->lane_ev);
	}
	free(s->be);
	s->be = NULL;
}

const struct dpi_backend dpi_backend_hs = {
	.scanner_free = hs_scanner_free,
	.name = "cpu",
	.db_init = hs_db_init,
	.db_free = hs_db_free,
	.scanner_init = hs_scanner_init,
	.scan = hs_scan_batch,
};
