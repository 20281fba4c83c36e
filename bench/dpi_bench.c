// SPDX-License-Identifier: GPL-2.0-only
/*
 * DPI engine figures on a generated corpus (bench/dpi_corpus.h). Prints "name value".
 *
 *   dpi_bench engine [-k http|random] [-s SIZE] [-r RULES] [-t SECONDS]
 *       raw Hyperscan block mode on the same literals, driven both ways (each literal
 *       reported once per scan, HS_FLAG_SINGLEMATCH, as Suricata's pattern matcher
 *       asks: hs_singlematch_gbps; every end reported, as our cpu engine asks:
 *       hs_allmatch_gbps), the better of the two (hs_engine_gbps), and the literals
 *       through our engine interface (ztos_engine_gbps), one core, in turns in one run,
 *       and the share of batches whose literals the automaton found (ztos_automaton_share)
 *   dpi_bench throughput -e ENGINE [-j THREADS] [-b BATCH] [-k ...] [-s ...] [-t ...]
 *       host memory -> matches through the interface: Gbps, Mpps, p50/p99 batch latency;
 *       for cuda also the matcher alone (GPU kernel time, transfers excluded)
 *   dpi_bench compare -e A -E B
 *       identical match sets of two engines (TAP) on the differential corpus
 *   dpi_bench probe
 *       can the CUDA engine run here? Prints why (exit 0: yes, 1: no)
 * -F: packets without flow ids (block mode, no stream state).
 * -f: the cpu engine's literal finder (auto, the default: the cheaper of the two).
 */
#include <errno.h>
#include <getopt.h>
#include <hs.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dpi_corpus.h"
#include "gpu/engine.h"

struct opts {
	enum corpus_kind kind;
	uint32_t size, rules, batch, threads;
	double seconds;
	enum dpi_engine_kind e1, e2;
	enum dpi_finder finder;
	bool no_flows;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *what, const char *why)
{
	fprintf(stderr, "dpi_bench: %s: %s\n", what, why);
	exit(1);
}

/* Packets: n payloads of one kind and size, flow id 0 (block mode) unless flows. */
static struct dpi_pkt *packets(const struct opts *o, uint32_t n, uint8_t **mem, bool flows)
{
	struct corpus_rng r = { 12345 };
	struct dpi_pkt *p = calloc(n, sizeof(*p));

	*mem = malloc((size_t)n * o->size);
	if (!p || !*mem)
		die("packets", strerror(ENOMEM));
	for (uint32_t i = 0; i < n; i++) {
		corpus_payload(&r, o->kind, *mem + (size_t)i * o->size, o->size);
		p[i] = (struct dpi_pkt){ .data = *mem + (size_t)i * o->size, .len = o->size,
					 .flow_id = flows ? 1 + i % 4096 : 0 };
	}
	return p;
}

static void load_rules(struct dpi_ruleset *rs, struct corpus_rules *cr, const struct opts *o,
		       bool modifiers, uint32_t n_pcre)
{
	corpus_rules_make(cr, o->rules, n_pcre, modifiers ? CORPUS_MIXED : o->kind, modifiers,
			  7);
	dpi_ruleset_init(rs);
	if (dpi_rules_load_text(rs, "corpus.rules", cr->text, cr->len) || rs->n_errors)
		die("corpus rules", rs->n_errors ? rs->errors[0] : "cannot load");
}

static struct dpi_db *compile(enum dpi_engine_kind k, const struct dpi_ruleset *rs,
			      struct dpi_engine **e)
{
	char why[512], err[512];
	struct dpi_db *db;

	if (dpi_engine_create(k, e, why, sizeof(why)))
		die("engine", why);
	fprintf(stderr, "dpi_bench: engine %s\n", why);
	if (dpi_db_compile(*e, rs, &db, err, sizeof(err)))
		die("compile", err);
	return db;
}

/* ---- engine: raw Hyperscan vs the interface, one core ---- */

static int count_cb(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *ctx)
{
	(*(uint64_t *)ctx)++;
	return 0;
}

/* Raw Hyperscan over the corpus' first literals, each compiled with flags. */
static hs_database_t *raw_db(const struct corpus_rules *cr, uint32_t n, unsigned int flag)
{
	const char **exprs = calloc(n, sizeof(*exprs));
	unsigned int *flags = calloc(n, sizeof(*flags));
	unsigned int *ids = calloc(n, sizeof(*ids));
	size_t *lens = calloc(n, sizeof(*lens));
	hs_compile_error_t *cerr;
	hs_database_t *db;

	if (!exprs || !flags || !ids || !lens)
		die("raw Hyperscan", "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		exprs[i] = (const char *)cr->sigs[i].part[0];
		lens[i] = cr->sigs[i].len[0];
		ids[i] = i;
		flags[i] = flag;
	}
	if (hs_compile_lit_multi(exprs, flags, ids, lens, n, HS_MODE_BLOCK, NULL, &db, &cerr) !=
	    HS_SUCCESS)
		die("raw Hyperscan compile", cerr->message);
	free(exprs);
	free(flags);
	free(ids);
	free(lens);
	return db;
}

enum { RAW_SINGLE, RAW_ALL, ZTOS, N_CONTENDERS };

struct contenders {
	hs_database_t *raw[2];	/* RAW_SINGLE, RAW_ALL */
	hs_scratch_t *scratch;
	struct dpi_scanner *s;
	struct dpi_match *m;
	uint64_t hits[2], zmatch;
};

/* One pass of contender k over the n packets; returns the seconds it took. */
static double engine_pass(struct contenders *c, int k, const struct dpi_pkt *p, uint32_t n)
{
	double t0 = now();

	if (k == ZTOS) {
		for (uint32_t i = 0; i < n; i += 256) {
			struct dpi_results res = { .m = c->m, .cap = 1u << 16 };

			dpi_scan(c->s, p + i, 256, &res);
			c->zmatch += res.n;
		}
	} else {
		for (uint32_t i = 0; i < n; i++)
			hs_scan(c->raw[k], (const char *)p[i].data, p[i].len, 0, c->scratch,
				count_cb, &c->hits[k]);
	}
	return now() - t0;
}

static int cmd_engine(const struct opts *o)
{
	const uint32_t n = 16384;
	struct dpi_ruleset rs;
	struct corpus_rules cr;
	struct dpi_engine *e;
	struct dpi_db *db;
	struct contenders c = { .m = calloc(1u << 16, sizeof(*c.m)) };
	uint8_t *mem;
	struct dpi_pkt *p = packets(o, n, &mem, false);
	double best[N_CONTENDERS] = { 0 }, best_hs;
	struct dpi_scanner_stats st;
	unsigned int rounds = 0;
	uint64_t bytes = 0;
	char err[256];

	load_rules(&rs, &cr, o, false, 0);
	c.raw[RAW_SINGLE] = raw_db(&cr, o->rules, HS_FLAG_SINGLEMATCH);
	c.raw[RAW_ALL] = raw_db(&cr, o->rules, 0);
	if (hs_alloc_scratch(c.raw[RAW_SINGLE], &c.scratch) != HS_SUCCESS ||
	    hs_alloc_scratch(c.raw[RAW_ALL], &c.scratch) != HS_SUCCESS)
		die("raw Hyperscan", "no scratch");
	db = compile(DPI_ENGINE_CPU, &rs, &e);
	if (dpi_scanner_create(db, &(struct dpi_scanner_opts){ .max_batch = 256,
							      .finder = o->finder },
			       &c.s, err, sizeof(err)))
		die("scanner", err);
	for (uint32_t i = 0; i < n; i++)
		bytes += p[i].len;

	/* Short rounds in turns, the order rotating: none gets the warmer caches. */
	for (double end = now() + o->seconds; now() < end; rounds++) {
		for (int j = 0; j < N_CONTENDERS; j++) {
			int k = (j + rounds) % N_CONTENDERS;
			double gbps = bytes * 8 / engine_pass(&c, k, p, n) / 1e9;

			if (gbps > best[k])
				best[k] = gbps;
		}
	}
	best_hs = best[RAW_ALL] > best[RAW_SINGLE] ? best[RAW_ALL] : best[RAW_SINGLE];
	printf("hs_singlematch_gbps %.2f\n", best[RAW_SINGLE]);
	printf("hs_allmatch_gbps %.2f\n", best[RAW_ALL]);
	printf("hs_engine_gbps %.2f\n", best_hs);
	printf("ztos_engine_gbps %.2f\n", best[ZTOS]);
	printf("ztos_vs_hs %.3f\n", best[ZTOS] / best_hs);
	dpi_scanner_stats(c.s, &st);
	/* Which literal finder the cpu engine chose (gpu/engine_hs.c measures both). */
	printf("ztos_automaton_share %.3f\n",
	       st.batches ? (double)st.dfa_batches / (double)st.batches : 0.0);
	fprintf(stderr, "dpi_bench: %u %s literals, %u B payloads: raw literal hits %llu "
		"(single match) %llu (all), matches %llu\n", o->rules,
		o->kind == CORPUS_HTTP ? "http" : "random", o->size,
		(unsigned long long)c.hits[RAW_SINGLE], (unsigned long long)c.hits[RAW_ALL],
		(unsigned long long)c.zmatch);
	dpi_scanner_destroy(c.s);
	dpi_db_free(db);
	dpi_engine_destroy(e);
	hs_free_scratch(c.scratch);
	hs_free_database(c.raw[RAW_SINGLE]);
	hs_free_database(c.raw[RAW_ALL]);
	dpi_ruleset_free(&rs);
	corpus_rules_free(&cr);
	free(c.m);
	free(p);
	free(mem);
	return 0;
}

/* ---- throughput: threads, each with its own scanner ---- */

struct worker {
	pthread_t th;
	struct dpi_db *db;
	const struct opts *o;
	struct dpi_pkt *p;
	uint32_t n;
	double t_end;
	uint64_t bytes, pkts, matches, batches;
	double *lat;		/* per batch, seconds */
	uint32_t n_lat, cap_lat;
	uint64_t device_ns;
	int err;
};

static void *work(void *arg)
{
	struct worker *w = arg;
	struct dpi_scanner *s;
	struct dpi_match *m = calloc(1u << 20, sizeof(*m));
	struct dpi_scanner_stats st;
	char err[256];
	uint32_t i = 0;

	if (dpi_scanner_create(w->db, &(struct dpi_scanner_opts){ .max_batch = w->o->batch,
								   .max_flows = 65536,
								   .finder = w->o->finder },
			       &s, err, sizeof(err))) {
		fprintf(stderr, "dpi_bench: scanner: %s\n", err);
		w->err = 1;
		free(m);
		return NULL;
	}
	while (now() < w->t_end) {
		struct dpi_results res = { .m = m, .cap = 1u << 20 };
		uint32_t n = w->n - i < w->o->batch ? w->n - i : w->o->batch;
		double t0 = now();

		if (dpi_scan(s, w->p + i, n, &res)) {
			w->err = 1;
			break;
		}
		if (w->n_lat < w->cap_lat)
			w->lat[w->n_lat++] = now() - t0;
		for (uint32_t k = 0; k < n; k++)
			w->bytes += w->p[i + k].len;
		w->pkts += n;
		w->matches += res.n;
		w->batches++;
		i = (i + n) % w->n;
	}
	dpi_scanner_stats(s, &st);
	w->device_ns = st.device_ns;
	dpi_scanner_destroy(s);
	free(m);
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int cmd_throughput(const struct opts *o)
{
	struct dpi_ruleset rs;
	struct corpus_rules cr;
	struct dpi_engine *e;
	struct dpi_db *db;
	uint32_t n = o->batch * 8 > 65536 ? o->batch * 8 : 65536;
	uint8_t *mem;
	struct dpi_pkt *p;
	struct worker *w = calloc(o->threads, sizeof(*w));
	uint64_t bytes = 0, pkts = 0, matches = 0, dev_ns = 0;
	double *lat, t0, t1;
	uint32_t n_lat = 0;
	const char *name;

	if ((uint64_t)n * o->size > (1ull << 31))
		n = (uint32_t)((1ull << 31) / o->size);
	p = packets(o, n, &mem, !o->no_flows);
	load_rules(&rs, &cr, o, false, 0);
	db = compile(o->e1, &rs, &e);
	name = dpi_engine_name(e);
	t0 = now();
	for (uint32_t t = 0; t < o->threads; t++) {
		w[t] = (struct worker){ .db = db, .o = o, .p = p, .n = n,
					.t_end = t0 + o->seconds, .cap_lat = 1u << 20 };
		w[t].lat = calloc(w[t].cap_lat, sizeof(double));
		/* each thread its own flows: a flow is one thread's */
		w[t].p = calloc(n, sizeof(*p));
		for (uint32_t i = 0; i < n; i++) {
			w[t].p[i] = p[i];
			if (p[i].flow_id)
				w[t].p[i].flow_id = p[i].flow_id + ((uint64_t)t << 32);
		}
		pthread_create(&w[t].th, NULL, work, &w[t]);
	}
	for (uint32_t t = 0; t < o->threads; t++)
		pthread_join(w[t].th, NULL);
	t1 = now();
	lat = calloc((size_t)o->threads << 20, sizeof(double));
	for (uint32_t t = 0; t < o->threads; t++) {
		if (w[t].err)
			die("throughput", "a scan failed");
		bytes += w[t].bytes;
		pkts += w[t].pkts;
		matches += w[t].matches;
		dev_ns += w[t].device_ns;
		memcpy(lat + n_lat, w[t].lat, w[t].n_lat * sizeof(double));
		n_lat += w[t].n_lat;
		free(w[t].lat);
		free(w[t].p);
	}
	qsort(lat, n_lat, sizeof(double), cmp_double);
	printf("%s_e2e_gbps %.2f\n", name, bytes * 8 / (t1 - t0) / 1e9);
	printf("%s_e2e_mpps %.3f\n", name, pkts / (t1 - t0) / 1e6);
	printf("%s_batch_p50_us %.1f\n", name, n_lat ? lat[n_lat / 2] * 1e6 : 0);
	printf("%s_batch_p99_us %.1f\n", name, n_lat ? lat[(size_t)(n_lat * 0.99)] * 1e6 : 0);
	if (dev_ns)
		printf("%s_matcher_gbps %.2f\n", name, bytes * 8 / (double)dev_ns);
	fprintf(stderr, "dpi_bench: %s, %u threads, batch %u, %u B %s%s, %u rules: %llu "
		"matches\n", name, o->threads, o->batch, o->size,
		o->kind == CORPUS_HTTP ? "http" : "random", o->no_flows ? " (block mode)" : "",
		o->rules, (unsigned long long)matches);
	free(lat);
	free(w);
	dpi_db_free(db);
	dpi_engine_destroy(e);
	dpi_ruleset_free(&rs);
	corpus_rules_free(&cr);
	free(p);
	free(mem);
	return 0;
}

/* ---- compare: two engines, the differential corpus, TAP ---- */

static int cmp_match(const void *a, const void *b)
{
	const struct dpi_match *x = a, *y = b;

	if (x->pkt != y->pkt)
		return x->pkt < y->pkt ? -1 : 1;
	if (x->sid != y->sid)
		return x->sid < y->sid ? -1 : 1;
	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static struct dpi_match *run_all(struct dpi_db *db, const struct corpus_traffic *t,
				 uint32_t batch, uint32_t *n_out)
{
	struct dpi_scanner *s;
	struct dpi_results res = { .cap = 1u << 22 };
	char err[256];

	res.m = calloc(res.cap, sizeof(*res.m));
	if (dpi_scanner_create(db, &(struct dpi_scanner_opts){ .max_batch = batch }, &s, err,
			       sizeof(err)))
		die("scanner", err);
	for (uint32_t i = 0; i < t->n; i += batch) {
		uint32_t n = t->n - i < batch ? t->n - i : batch, first = res.n;

		if (dpi_scan(s, t->p + i, n, &res))
			die("scan", "failed");
		for (uint32_t k = first; k < res.n; k++)
			res.m[k].pkt += i;
	}
	if (res.overflow)
		die("compare", "result buffer overflow");
	dpi_scanner_destroy(s);
	qsort(res.m, res.n, sizeof(*res.m), cmp_match);
	*n_out = res.n;
	return res.m;
}

static int cmd_compare(const struct opts *o)
{
	static const uint32_t sizes[] = { 64, 512, 1500 };
	static const double rates[] = { 0, 0.01, 1 };
	struct dpi_ruleset rs;
	struct corpus_rules cr;
	struct dpi_engine *ea, *eb;
	struct dpi_db *da, *db;
	int test = 0, failed = 0;

	load_rules(&rs, &cr, o, true, 120);
	da = compile(o->e1, &rs, &ea);
	db = compile(o->e2, &rs, &eb);
	printf("1..%zu\n", 2 * sizeof(sizes) / sizeof(sizes[0]) * sizeof(rates) / sizeof(rates[0]));
	for (int k = 0; k < 2; k++) {
		for (size_t si = 0; si < 3; si++) {
			for (size_t ri = 0; ri < 3; ri++) {
				struct corpus_traffic t;
				struct dpi_match *ma, *mb;
				uint32_t na, nb, n = 3000000 / sizes[si];
				bool same;

				corpus_traffic_make(&t, &cr, o->rules,
						    k ? CORPUS_RANDOM : CORPUS_HTTP, sizes[si],
						    rates[ri], n, 99 + si * 3 + ri);
				ma = run_all(da, &t, o->batch, &na);
				mb = run_all(db, &t, o->batch, &nb);
				same = na == nb && !memcmp(ma, mb, na * sizeof(*ma));
				printf("%sok %d - %s vs %s: %s %u B, rate %.2f: %u packets, %u vs "
				       "%u alerts%s\n", same ? "" : "not ", ++test,
				       dpi_engine_name(ea), dpi_engine_name(eb),
				       k ? "random" : "http", sizes[si], rates[ri], n, na, nb,
				       same ? ", identical" : "");
				failed += !same;
				free(ma);
				free(mb);
				corpus_traffic_free(&t);
			}
		}
	}
	dpi_db_free(da);
	dpi_db_free(db);
	dpi_engine_destroy(ea);
	dpi_engine_destroy(eb);
	dpi_ruleset_free(&rs);
	corpus_rules_free(&cr);
	return failed ? 1 : 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: dpi_bench engine|throughput|compare|probe [-e ENGINE] [-E ENGINE] "
		"[-k http|random] [-s SIZE] [-r RULES] [-b BATCH] [-j THREADS] [-t SECONDS] "
		"[-F] [-f auto|hyperscan|automaton]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = { .kind = CORPUS_RANDOM, .size = 1500, .rules = 2000, .batch = 1024,
			  .threads = 1, .seconds = 3, .e1 = DPI_ENGINE_CPU,
			  .e2 = DPI_ENGINE_CORE };
	const char *cmd;
	int c;

	if (argc < 2)
		usage();
	cmd = argv[1];
	optind = 2;
	while ((c = getopt(argc, argv, "e:E:k:s:r:b:j:t:Ff:")) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "hyperscan"))
				o.finder = DPI_FINDER_HYPERSCAN;
			else if (!strcmp(optarg, "automaton"))
				o.finder = DPI_FINDER_AUTOMATON;
			else if (strcmp(optarg, "auto"))
				usage();
			break;
		case 'F':
			o.no_flows = true;
			break;
		case 'e':
		case 'E':
			if (dpi_engine_kind_parse(optarg, c == 'e' ? &o.e1 : &o.e2))
				usage();
			break;
		case 'k':
			o.kind = !strcmp(optarg, "http") ? CORPUS_HTTP : CORPUS_RANDOM;
			break;
		case 's':
			o.size = (uint32_t)atoi(optarg);
			break;
		case 'r':
			o.rules = (uint32_t)atoi(optarg);
			break;
		case 'b':
			o.batch = (uint32_t)atoi(optarg);
			break;
		case 'j':
			o.threads = (uint32_t)atoi(optarg);
			break;
		case 't':
			o.seconds = atof(optarg);
			break;
		default:
			usage();
		}
	}
	if (!o.size || o.size > DPI_MAX_PAYLOAD || !o.rules || !o.batch || !o.threads)
		usage();
	if (!strcmp(cmd, "probe")) {
		struct dpi_engine *e;
		char why[512];
		int r = dpi_engine_create(DPI_ENGINE_CUDA, &e, why, sizeof(why));

		printf("%s\n", why);
		if (!r)
			dpi_engine_destroy(e);
		return r ? 1 : 0;
	}
	if (!strcmp(cmd, "engine"))
		return cmd_engine(&o);
	if (!strcmp(cmd, "throughput"))
		return cmd_throughput(&o);
	if (!strcmp(cmd, "compare"))
		return cmd_compare(&o);
	usage();
	return 2;
}
