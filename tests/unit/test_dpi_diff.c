// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DPI engines against each other, without a GPU: the core engine (the host build of
 * the matching step the CUDA kernel runs, cut into the kernel's segments) and the cpu
 * engine (Hyperscan, streaming per flow) must report identical match sets on a generated
 * corpus: >= 2000 literal rules with every modifier plus pcre rules, payloads of 64, 512
 * and 1500 bytes, HTTP-like and random, match rates 0, 1% and 100%, signatures split
 * across two segments of a flow. A third, naive reference written here from the
 * semantics in engine.h checks both on part of each corpus. Then bad input: floods of
 * matches against a small result buffer, empty and oversized payloads, flow eviction.
 */
#include <errno.h>
#include <hs.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "gpu/engine.h"
#include "bench/dpi_corpus.h"

#define N_LIT 2000
#define N_PCRE 120
#define BATCH 256

struct world {
	struct dpi_ruleset rs;
	struct corpus_rules cr;
	struct dpi_engine *hs, *core;
	struct dpi_db *hs_db, *core_db;
	hs_database_t **pcre;	/* per rule with a pcre: the naive reference's own */
	hs_scratch_t *scratch;
};

static struct world W;

/* An engine, and for the cpu engine the literal finder it is held to. */
struct contender {
	struct dpi_engine *e;
	enum dpi_finder finder;
};

/* ---- running the engines ---- */

static int cmp_match(const void *a, const void *b)
{
	const struct dpi_match *x = a, *y = b;

	if (x->pkt != y->pkt)
		return x->pkt < y->pkt ? -1 : 1;
	if (x->sid != y->sid)
		return x->sid < y->sid ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

/* All matches of the traffic, sorted; the batch index made global. */
static struct dpi_match *run(struct dpi_db *db, enum dpi_finder finder,
			     const struct corpus_traffic *t, uint32_t *n_out,
			     struct dpi_scanner_stats *st)
{
	struct dpi_scanner_opts o = { .max_batch = BATCH, .max_flows = 4096, .finder = finder };
	struct dpi_scanner *s;
	struct dpi_results res = { .cap = 1u << 20 };
	char err[256];

	res.m = calloc(res.cap, sizeof(*res.m));
	assert_non_null(res.m);
	assert_int_equal(dpi_scanner_create(db, &o, &s, err, sizeof(err)), 0);
	for (uint32_t i = 0; i < t->n; i += BATCH) {
		uint32_t n = t->n - i < BATCH ? t->n - i : BATCH, first = res.n;

		assert_int_equal(dpi_scan(s, t->p + i, n, &res), 0);
		for (uint32_t k = first; k < res.n; k++)
			res.m[k].pkt += i;
	}
	assert_int_equal(res.overflow, 0);
	if (st)
		dpi_scanner_stats(s, st);
	dpi_scanner_destroy(s);
	qsort(res.m, res.n, sizeof(*res.m), cmp_match);
	*n_out = res.n;
	return res.m;
}

/* ---- the naive reference: the semantics of engine.h, written plainly ---- */

static bool occurs(const struct dpi_content *ct, const uint8_t *b, uint32_t e)
{
	if (e < ct->len)
		return false;
	for (uint32_t i = 0; i < ct->len; i++) {
		uint8_t x = b[e - ct->len + i], y = ct->bytes[i];

		if (ct->flags & DPI_C_NOCASE) {
			x = (uint8_t)((x >= 'A' && x <= 'Z') ? x + 32 : x);
			y = (uint8_t)((y >= 'A' && y <= 'Z') ? y + 32 : y);
		}
		if (x != y)
			return false;
	}
	return true;
}

/* Can content k end at e with everything before it in its chain satisfied? */
static bool valid_end(const struct dpi_rule *r, int k, const uint8_t *b, uint64_t base,
		      uint32_t e)
{
	const struct dpi_content *ct = &r->contents[k];

	if (!occurs(ct, b, e))
		return false;
	if (!(ct->flags & DPI_C_RELATIVE)) {
		uint64_t start = base + e - ct->len;

		if ((ct->flags & DPI_C_OFFSET) && start < ct->offset)
			return false;
		if ((ct->flags & DPI_C_DEPTH) && base + e > (uint64_t)ct->offset + ct->depth)
			return false;
		return true;
	}
	for (uint32_t p = 0; p + ct->distance + ct->len <= e; p++) {
		if ((ct->flags & DPI_C_WITHIN) && e > p + ct->distance + ct->within)
			continue;
		if (valid_end(r, k - 1, b, base, p))
			return true;
	}
	return false;
}

static uint32_t naive_x(const struct dpi_rule *r, const uint8_t *b, uint32_t blen, uint64_t base)
{
	uint32_t x = 0;

	for (int k = 0; k < r->n_contents; k++) {
		uint32_t e;

		if (k + 1 < r->n_contents && (r->contents[k + 1].flags & DPI_C_RELATIVE))
			continue;	/* not the last of its chain */
		for (e = 1; e <= blen; e++)
			if (valid_end(r, k, b, base, e))
				break;
		if (e > blen)
			return 0;
		if (e > x)
			x = e;
	}
	return x;
}

static int on_any(unsigned int id, unsigned long long from, unsigned long long to,
		  unsigned int flags, void *ctx)
{
	*(bool *)ctx = true;
	return 1;
}

struct ref_flow {
	uint64_t id;
	uint8_t dir;
	uint64_t off;
	uint32_t tail_len;
	uint8_t tail[DPI_STREAM_WINDOW];
};

/* The reference's matches for the first n packets (flows never evicted here). */
static struct dpi_match *reference(const struct corpus_traffic *t, uint32_t n, uint32_t *n_out)
{
	struct ref_flow *flows = calloc(t->n, sizeof(*flows));
	struct dpi_match *m = calloc(1u << 18, sizeof(*m));
	uint8_t *buf = malloc(DPI_STREAM_WINDOW + DPI_MAX_PAYLOAD);
	uint32_t nf = 0, nm = 0;

	for (uint32_t i = 0; i < n; i++) {
		const struct dpi_pkt *p = &t->p[i];
		struct ref_flow *f = NULL;
		uint32_t ctx = 0, blen;
		uint64_t base = 0;

		if (p->flow_id) {
			for (uint32_t k = 0; k < nf; k++)
				if (flows[k].id == p->flow_id && flows[k].dir == p->dir)
					f = &flows[k];
			if (!f) {
				f = &flows[nf++];
				f->id = p->flow_id;
				f->dir = p->dir;
			}
			ctx = f->tail_len;
			memcpy(buf, f->tail, ctx);
			base = f->off - ctx;
		}
		memcpy(buf + ctx, p->data, p->len);
		blen = ctx + p->len;
		for (size_t ri = 0; ri < W.rs.n; ri++) {
			const struct dpi_rule *r = &W.rs.rules[ri];
			uint32_t x;
			bool ok = true;

			if ((r->flow == DPI_FLOW_TO_SERVER && p->dir != DPI_DIR_TO_SERVER) ||
			    (r->flow == DPI_FLOW_TO_CLIENT && p->dir != DPI_DIR_TO_CLIENT))
				continue;
			x = naive_x(r, buf, blen, base);
			if (x <= ctx)
				continue;
			if (r->n_pcres) {
				bool hit = false;

				hs_scan(W.pcre[ri], (const char *)buf, blen, 0, W.scratch, on_any,
					&hit);
				ok = hit;
			}
			if (ok)
				m[nm++] = (struct dpi_match){ .sid = r->sid, .rule = (uint32_t)ri,
							      .pkt = i, .offset = x - ctx };
		}
		if (f) {
			/* the tail: the stream's last DPI_STREAM_WINDOW bytes */
			memcpy(buf, f->tail, f->tail_len);
			memcpy(buf + f->tail_len, p->data, p->len);
			blen = f->tail_len + p->len;
			f->tail_len = blen < DPI_STREAM_WINDOW ? blen : DPI_STREAM_WINDOW;
			memcpy(f->tail, buf + blen - f->tail_len, f->tail_len);
			f->off += p->len;
		}
	}
	free(flows);
	free(buf);
	qsort(m, nm, sizeof(*m), cmp_match);
	*n_out = nm;
	return m;
}

/* ---- setup ---- */

static int setup(void **state)
{
	char err[256];

	corpus_rules_make(&W.cr, N_LIT, N_PCRE, CORPUS_MIXED, true, 42);
	dpi_ruleset_init(&W.rs);
	if (dpi_rules_load_text(&W.rs, "corpus.rules", W.cr.text, W.cr.len) || W.rs.n_errors) {
		fprintf(stderr, "corpus rules: %s\n", W.rs.n_errors ? W.rs.errors[0] : "?");
		return -1;
	}
	if (dpi_engine_create(DPI_ENGINE_CPU, &W.hs, NULL, 0) ||
	    dpi_engine_create(DPI_ENGINE_CORE, &W.core, NULL, 0))
		return -1;
	if (dpi_db_compile(W.hs, &W.rs, &W.hs_db, err, sizeof(err)) ||
	    dpi_db_compile(W.core, &W.rs, &W.core_db, err, sizeof(err))) {
		fprintf(stderr, "compile: %s\n", err);
		return -1;
	}
	W.pcre = calloc(W.rs.n, sizeof(*W.pcre));
	for (size_t i = 0; i < W.rs.n; i++) {
		const struct dpi_pcre *p = &W.rs.rules[i].pcres[0];
		hs_compile_error_t *ce;
		unsigned int fl = 0;

		if (!W.rs.rules[i].n_pcres)
			continue;
		fl |= (p->flags & DPI_PCRE_CASELESS) ? HS_FLAG_CASELESS : 0;
		if (hs_compile(p->expr, fl, HS_MODE_BLOCK, NULL, &W.pcre[i], &ce) ||
		    hs_alloc_scratch(W.pcre[i], &W.scratch))
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	for (size_t i = 0; i < W.rs.n; i++)
		hs_free_database(W.pcre[i]);
	free(W.pcre);
	hs_free_scratch(W.scratch);
	dpi_db_free(W.hs_db);
	dpi_db_free(W.core_db);
	dpi_engine_destroy(W.hs);
	dpi_engine_destroy(W.core);
	dpi_ruleset_free(&W.rs);
	corpus_rules_free(&W.cr);
	return 0;
}

/* ---- the differential cases ---- */

static void expect_same(const char *what, const struct dpi_match *a, uint32_t na,
			const struct dpi_match *b, uint32_t nb)
{
	uint32_t i = 0, j = 0;

	while (i < na || j < nb) {
		int c = i == na ? 1 : j == nb ? -1 : cmp_match(&a[i], &b[j]);

		if (c)
			fail_msg("%s: packet %u sid %u offset %u only in the %s engine", what,
				 c < 0 ? a[i].pkt : b[j].pkt, c < 0 ? a[i].sid : b[j].sid,
				 c < 0 ? a[i].offset : b[j].offset, c < 0 ? "first" : "second");
		i++;
		j++;
	}
}

static void diff_case(enum corpus_kind kind, uint32_t len, double rate, uint32_t n,
		      uint32_t n_ref)
{
	struct corpus_traffic t;
	struct dpi_match *mh, *mc, *mr, *mf;
	uint32_t nh, nc, nr, nf, ref_in_hs = 0;
	struct dpi_scanner_stats st;
	char what[96];

	snprintf(what, sizeof(what), "%s %u B, rate %.2f",
		 kind == CORPUS_HTTP ? "http" : "random", len, rate);
	corpus_traffic_make(&t, &W.cr, N_LIT, kind, len, rate, n,
			    len * 31 + (uint64_t)(rate * 100) + kind * 7);
	mh = run(W.hs_db, DPI_FINDER_AUTO, &t, &nh, &st);
	mc = run(W.core_db, DPI_FINDER_AUTO, &t, &nc, NULL);
	print_message("# %s: %u packets, %u matches, %u split signatures\n", what, n, nh,
		      t.n_split);
	expect_same(what, mh, nh, mc, nc);
	/* auto measured both finders: the first batch Hyperscan, the second the automaton */
	assert_true(st.hs_batches >= 1 && st.dfa_batches >= 1);
	/* each finder alone, the cpu engine against the core engine */
	for (int f = DPI_FINDER_HYPERSCAN; f <= DPI_FINDER_AUTOMATON; f++) {
		char fwhat[128];

		snprintf(fwhat, sizeof(fwhat), "%s, cpu with %s only", what,
			 f == DPI_FINDER_HYPERSCAN ? "Hyperscan" : "the automaton");
		mf = run(W.hs_db, f, &t, &nf, &st);
		expect_same(fwhat, mf, nf, mc, nc);
		assert_int_equal(f == DPI_FINDER_HYPERSCAN ? st.dfa_batches : st.hs_batches, 0);
		assert_int_equal(st.hs_batches + st.dfa_batches, st.batches);
		free(mf);
	}

	/* The reference, on the first n_ref packets. */
	mr = reference(&t, n_ref, &nr);
	for (uint32_t i = 0; i < nh && mh[i].pkt < n_ref; i++)
		ref_in_hs++;
	expect_same(what, mh, ref_in_hs, mr, nr);

	/* Every signature cut in two is found on its second packet. */
	for (uint32_t s = 0; s < t.n_split; s++) {
		bool found = false;

		for (uint32_t i = 0; i < nh; i++)
			found |= mh[i].pkt == t.split_pkt[s] && mh[i].sid == t.split_sid[s];
		if (!found)
			fail_msg("%s: sid %u split across two segments not found on packet %u",
				 what, t.split_sid[s], t.split_pkt[s]);
	}
	if (rate >= 1.0)
		assert_true(nh >= n / 2);
	free(mh);
	free(mc);
	free(mr);
	corpus_traffic_free(&t);
}

static void test_diff_64(void **state)
{
	for (int k = 0; k < 2; k++) {
		diff_case(k ? CORPUS_RANDOM : CORPUS_HTTP, 64, 0.0, 1200, 150);
		diff_case(k ? CORPUS_RANDOM : CORPUS_HTTP, 64, 0.01, 1200, 150);
		diff_case(k ? CORPUS_RANDOM : CORPUS_HTTP, 64, 1.0, 1200, 150);
	}
}

static void test_diff_512(void **state)
{
	for (int k = 0; k < 2; k++) {
		diff_case(k ? CORPUS_RANDOM : CORPUS_HTTP, 512, 0.0, 600, 60);
		diff_case(k ? CORPUS_RANDOM : CORPUS_HTTP, 512, 0.01, 600, 60);
		diff_case(k ? CORPUS_RANDOM : CORPUS_HTTP, 512, 1.0, 600, 60);
	}
}

static void test_diff_1500(void **state)
{
	for (int k = 0; k < 2; k++) {
		diff_case(k ? CORPUS_RANDOM : CORPUS_HTTP, 1500, 0.0, 400, 30);
		diff_case(k ? CORPUS_RANDOM : CORPUS_HTTP, 1500, 0.01, 400, 30);
		diff_case(k ? CORPUS_RANDOM : CORPUS_HTTP, 1500, 1.0, 400, 30);
	}
}

/* ---- bad input ---- */

static void compile_text(struct dpi_engine *e, const char *text, struct dpi_db **db)
{
	struct dpi_ruleset rs;
	char err[256];

	dpi_ruleset_init(&rs);
	assert_int_equal(dpi_rules_load_text(&rs, "t.rules", text, strlen(text)), 0);
	assert_int_equal(rs.n_errors, 0);
	assert_int_equal(dpi_db_compile(e, &rs, db, err, sizeof(err)), 0);
	dpi_ruleset_free(&rs);
}

/* Every packet matches every rule: results are bounded, the rest is counted. */
static void test_flood(void **state)
{
	const struct contender engines[3] = { { W.hs, DPI_FINDER_HYPERSCAN },
					      { W.hs, DPI_FINDER_AUTOMATON },
					      { W.core, DPI_FINDER_AUTO } };
	char text[100 * 96] = "";
	uint8_t pay[1500];
	uint64_t matches[3];

	/* 100 rules: more than the matcher's per-call memory of confirmed rules */
	for (int i = 0; i < 100; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text),
			 "drop tcp any any -> any any (content:\"%.*s\"; %ssid:%d;)\n", 4 + i % 8,
			 "aaaaaaaaaaaaaaaa", i % 3 ? "" : "nocase; ", i + 1);
	memset(pay, 'a', sizeof(pay));
	for (int e = 0; e < 3; e++) {
		struct dpi_db *db;
		struct dpi_scanner *s;
		struct dpi_match m[100];
		struct dpi_results res = { .m = m, .cap = 100 };
		struct dpi_pkt p[64];
		struct dpi_scanner_stats st;

		compile_text(engines[e].e, text, &db);
		assert_int_equal(dpi_scanner_create(db,
						    &(struct dpi_scanner_opts){
							.max_batch = 64, .finder = engines[e].finder },
						    &s, NULL, 0), 0);
		for (int i = 0; i < 64; i++)
			p[i] = (struct dpi_pkt){ .data = pay, .len = sizeof(pay),
						 .flow_id = (uint64_t)(i % 4) };
		for (int round = 0; round < 3; round++)
			assert_int_equal(dpi_scan(s, p, 64, &res), 0);
		assert_int_equal(dpi_scan(s, p, 65, &res), -E2BIG);
		dpi_scanner_stats(s, &st);
		assert_int_equal(res.n, 100);
		assert_true(res.overflow > 0);
		assert_int_equal(st.matches, res.n + res.overflow);
		/* flow id 0 packets match all 64 rules each time; stream packets only while
		 * the rule is not satisfied in their tail already */
		assert_true(st.matches >= 3 * 16 * 100);
		matches[e] = st.matches;
		dpi_scanner_destroy(s);
		dpi_db_free(db);
	}
	assert_int_equal(matches[0], matches[2]);
	assert_int_equal(matches[1], matches[2]);
}

/* The rule header, when the packet gives its tuple; the flow direction. */
static void test_header(void **state)
{
	struct dpi_engine *engines[2] = { W.hs, W.core };

	for (int e = 0; e < 2; e++) {
		struct dpi_tuple in = { .family = 4, .proto = 6, .sport = 40000, .dport = 80,
					.saddr = { 10, 1, 2, 3 }, .daddr = { 192, 0, 2, 1 } };
		struct dpi_tuple out = in, udp = in;
		struct dpi_db *db;
		struct dpi_scanner *s;
		struct dpi_match m[16];
		struct dpi_results res = { .m = m, .cap = 16 };
		const uint8_t *x = (const uint8_t *)"GET /evil HTTP/1.1";
		struct dpi_pkt p[5] = {
			{ .data = x, .len = 18, .tuple = &in },
			{ .data = x, .len = 18, .tuple = &out },
			{ .data = x, .len = 18, .tuple = &udp },
			{ .data = x, .len = 18, .dir = DPI_DIR_TO_CLIENT },
			{ .data = x, .len = 18 },
		};

		out.saddr[0] = 11;
		udp.proto = 17;
		compile_text(engines[e],
			     "alert tcp 10.0.0.0/8 any -> any 80 (content:\"/evil\"; "
			     "flow:to_server; sid:7;)\n", &db);
		assert_int_equal(dpi_scanner_create(db, NULL, &s, NULL, 0), 0);
		assert_int_equal(dpi_scan(s, p, 5, &res), 0);
		assert_int_equal(res.n, 2);
		assert_int_equal(m[0].pkt, 0);
		assert_int_equal(m[0].offset, 9);
		assert_int_equal(m[1].pkt, 4);
		dpi_scanner_destroy(s);
		dpi_db_free(db);
	}
}

/*
 * A literal that is the whole of its only rule, one that two such rules share, one
 * shared with a rule of two contents (the ways confirm() finds a literal's rules): both engines, flowless and in a flow
 * whose second packet completes a split literal and repeats one the tail holds.
 */
static void test_shared_literals(void **state)
{
	struct dpi_engine *engines[2] = { W.hs, W.core };
	struct dpi_match got[2][16];
	uint32_t n[2];

	for (int e = 0; e < 2; e++) {
		const char *a = "xx evil yy root zz lone", *b = "ly evil lonely";
		struct dpi_db *db;
		struct dpi_scanner *s;
		struct dpi_results res = { .m = got[e], .cap = 16 };
		struct dpi_pkt p[3] = {
			{ .data = (const uint8_t *)a, .len = (uint32_t)strlen(a) },
			{ .data = (const uint8_t *)a, .len = (uint32_t)strlen(a), .flow_id = 5 },
			{ .data = (const uint8_t *)b, .len = (uint32_t)strlen(b), .flow_id = 5 },
		};

		compile_text(engines[e],
			     "alert tcp any any -> any any (content:\"evil\"; sid:1;)\n"
			     "alert tcp any any -> any any (content:\"evil\"; content:\"root\"; sid:2;)\n"
			     "alert tcp any any -> any any (content:\"lonely\"; sid:3;)\n"
			     "alert tcp any any -> any any (content:\"root\"; sid:4;)\n"
			     "alert tcp any any -> any any (content:\"lonely\"; sid:5;)\n", &db);
		assert_int_equal(dpi_scanner_create(db, NULL, &s, NULL, 0), 0);
		assert_int_equal(dpi_scan(s, p, 3, &res), 0);
		n[e] = res.n;
		qsort(got[e], res.n, sizeof(got[e][0]), cmp_match);
		dpi_scanner_destroy(s);
		dpi_db_free(db);
	}
	assert_int_equal(n[0], n[1]);
	for (uint32_t i = 0; i < n[0]; i++) {
		assert_int_equal(got[0][i].pkt, got[1][i].pkt);
		assert_int_equal(got[0][i].sid, got[1][i].sid);
		assert_int_equal(got[0][i].offset, got[1][i].offset);
	}
	/* packet 0 and 1: sids 1 (end 7), 2, 4 (end 14); packet 2: "lonely" across the
	 * two (end 2 in it) for sids 3 and 5, which share it, "evil" again (sid 1 and 2
	 * held in the tail already) */
	assert_int_equal(n[0], 8);
	assert_int_equal(got[0][0].sid, 1);
	assert_int_equal(got[0][0].offset, 7);
	for (int k = 6; k < 8; k++) {
		assert_int_equal(got[0][k].pkt, 2);
		assert_int_equal(got[0][k].sid, k == 6 ? 3 : 5);
		assert_int_equal(got[0][k].offset, 2);
	}
}

static void test_empty_and_oversized(void **state)
{
	struct dpi_engine *engines[3] = { W.hs, W.core, NULL };
	uint8_t *big = calloc(1, 20000);

	memcpy(big + 100, "needle-one", 10);
	memcpy(big + 15000, "needle-two", 10);
	assert_int_equal(dpi_engine_create(DPI_ENGINE_NOOP, &engines[2], NULL, 0), 0);
	assert_string_equal(dpi_engine_name(engines[2]), "noop");
	for (int e = 0; e < 3; e++) {
		struct dpi_db *db;
		struct dpi_scanner *s;
		struct dpi_match m[8];
		struct dpi_results res = { .m = m, .cap = 8 };
		struct dpi_scanner_stats st;
		struct dpi_pkt p[4] = {
			{ .data = NULL, .len = 0 },
			{ .data = NULL, .len = 0, .flow_id = 9 },
			{ .data = big, .len = 20000, .flow_id = 9 },
			{ .data = big, .len = 20000 },
		};

		compile_text(engines[e],
			     "alert tcp any any -> any any (content:\"needle-one\"; sid:1;)\n"
			     "alert tcp any any -> any any (content:\"needle-two\"; sid:2;)\n",
			     &db);
		assert_int_equal(dpi_db_rules(db), 2);
		assert_int_equal(dpi_db_rule(db, 1)->sid, 2);
		assert_null(dpi_db_rule(db, 2));
		assert_int_equal(dpi_scanner_create(db, NULL, &s, NULL, 0), 0);
		assert_int_equal(dpi_scan(s, p, 4, &res), 0);
		dpi_scanner_stats(s, &st);
		assert_int_equal(st.truncated, 2);
		assert_int_equal(st.packets, 4);
		if (e == 2) {
			assert_int_equal(res.n, 0);
		} else {
			/* needle-two lies beyond DPI_MAX_PAYLOAD: not scanned */
			assert_int_equal(res.n, 2);
			assert_int_equal(m[0].sid, 1);
			assert_int_equal(m[0].offset, 110);
			assert_int_equal(m[1].sid, 1);
		}
		dpi_scanner_destroy(s);
		dpi_db_free(db);
	}
	dpi_engine_destroy(engines[2]);
	free(big);
}

/* More flows than the scanner keeps: the oldest are evicted (and lose their tail), the
 * same way in both engines; a flow ended explicitly starts over. */
static void test_flow_eviction(void **state)
{
	const struct contender engines[3] = { { W.hs, DPI_FINDER_HYPERSCAN },
					      { W.hs, DPI_FINDER_AUTOMATON },
					      { W.core, DPI_FINDER_AUTO } };
	uint32_t found[3];

	for (int e = 0; e < 3; e++) {
		struct dpi_db *db;
		struct dpi_scanner *s;
		struct dpi_match m[64];
		struct dpi_results res = { .m = m, .cap = 64 };
		struct dpi_scanner_stats st;
		struct dpi_pkt p[8];

		compile_text(engines[e].e,
			     "alert tcp any any -> any any (content:\"split-me\"; sid:1;)\n", &db);
		assert_int_equal(dpi_scanner_create(db, &(struct dpi_scanner_opts){
							.max_batch = 4, .max_flows = 5,
							.finder = engines[e].finder },
						    &s, NULL, 0), 0);
		/* 8 flows: first halves, then second halves (all evicted but 5) */
		for (int round = 0; round < 2; round++) {
			/* second halves: the flows seen last first (found), then the
			 * evicted ones (not found: their tail is gone) */
			for (int bb = 0; bb < 2; bb++) {
				int b = round ? 1 - bb : bb;

				for (int i = 0; i < 4; i++)
					p[i] = (struct dpi_pkt){
						.data = (const uint8_t *)(round ? "me" : "split-"),
						.len = round ? 2 : 6, .flow_id = 100 + b * 4 + i };
				assert_int_equal(dpi_scan(s, p, 4, &res), 0);
			}
		}
		dpi_scanner_stats(s, &st);
		assert_true(st.flow_evictions >= 3);
		assert_true(st.flows <= 5);
		found[e] = res.n;
		/* flow_end: the tail is gone */
		res.n = 0;
		p[0] = (struct dpi_pkt){ .data = (const uint8_t *)"split-", .len = 6,
					 .flow_id = 1 };
		assert_int_equal(dpi_scan(s, p, 1, &res), 0);
		dpi_scanner_flow_end(s, 1);
		p[0].data = (const uint8_t *)"me";
		p[0].len = 2;
		assert_int_equal(dpi_scan(s, p, 1, &res), 0);
		assert_int_equal(res.n, 0);
		p[0].len = 2;
		dpi_scanner_destroy(s);
		dpi_db_free(db);
	}
	assert_int_equal(found[0], 4);
	assert_int_equal(found[1], 4);
	assert_int_equal(found[2], 4);
}

/* A literal finder that does not exist: refused, and the message says which there are. */
static void test_bad_finder(void **state)
{
	struct dpi_scanner *s = NULL;
	char err[256] = "";

	assert_int_equal(dpi_scanner_create(W.hs_db, &(struct dpi_scanner_opts){
						    .finder = (enum dpi_finder)7 },
					    &s, err, sizeof(err)), -EINVAL);
	assert_null(s);
	assert_non_null(strstr(err, "unknown literal finder 7"));
	assert_non_null(strstr(err, "automaton"));
}

/* auto: Hyperscan where there is no GPU, and it says why. */
static void test_auto(void **state)
{
	struct dpi_engine *e;
	char why[512];
	enum dpi_engine_kind k;

	assert_int_equal(dpi_engine_kind_parse("auto", &k), 0);
	assert_int_equal(k, DPI_ENGINE_AUTO);
	assert_int_equal(dpi_engine_kind_parse("hyperscan", &k), 0);
	assert_int_equal(k, DPI_ENGINE_CPU);
	assert_int_equal(dpi_engine_kind_parse("gpu", &k), -EINVAL);
	assert_int_equal(dpi_engine_create(DPI_ENGINE_AUTO, &e, why, sizeof(why)), 0);
	print_message("# auto: %s\n", why);
	if (!strcmp(dpi_engine_name(e), "cpu")) {
		assert_non_null(strstr(why, "cpu (Hyperscan): no CUDA"));
		dpi_engine_destroy(e);
		assert_int_equal(dpi_engine_create(DPI_ENGINE_CUDA, &e, why, sizeof(why)), -ENODEV);
		assert_non_null(strstr(why, "no CUDA"));
	} else {
		assert_string_equal(dpi_engine_name(e), "cuda");
		dpi_engine_destroy(e);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auto),
		cmocka_unit_test(test_diff_64),
		cmocka_unit_test(test_diff_512),
		cmocka_unit_test(test_diff_1500),
		cmocka_unit_test(test_flood),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_shared_literals),
		cmocka_unit_test(test_empty_and_oversized),
		cmocka_unit_test(test_flow_eviction),
		cmocka_unit_test(test_bad_finder),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
