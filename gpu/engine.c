// SPDX-License-Identifier: GPL-2.0-only
/*
 * The engine interface: picking an engine, compiling a db (the flat rules and automaton
 * every engine shares, the pcres in Hyperscan), scanners with their flow states, and the
 * last step every engine shares: pcres, rule headers, bounded results.
 */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

__attribute__((format(printf, 3, 4)))
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!buf || !len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

int dpi_engine_kind_parse(const char *s, enum dpi_engine_kind *kind)
{
	static const struct {
		const char *name;
		enum dpi_engine_kind kind;
	} names[] = {
		{ "auto", DPI_ENGINE_AUTO }, { "cpu", DPI_ENGINE_CPU },
		{ "hyperscan", DPI_ENGINE_CPU }, { "cuda", DPI_ENGINE_CUDA },
		{ "core", DPI_ENGINE_CORE }, { "noop", DPI_ENGINE_NOOP },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(s, names[i].name)) {
			*kind = names[i].kind;
			return 0;
		}
	}
	return -EINVAL;
}

/* ---- engines ---- */

/* libztosdpi_cuda.so: $ZTOS_DPI_CUDA_LIB, next to the program, or the loader's path. */
static int cuda_open(struct dpi_engine *e, char *why, size_t why_len)
{
	char path[PATH_MAX + 32], self[PATH_MAX], dev[256];
	const char *env = getenv("ZTOS_DPI_CUDA_LIB");
	dpi_cuda_api_fn fn;
	void *h = NULL;
	ssize_t n;
	int r;

	if (env && *env) {
		h = dlopen(env, RTLD_NOW | RTLD_LOCAL);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n > 0) {
			char *slash;

			self[n] = 0;
			slash = strrchr(self, '/');
			if (slash) {
				*slash = 0;
				snprintf(path, sizeof(path), "%s/libztosdpi_cuda.so", self);
				h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
			}
		}
		if (!h)
			h = dlopen("libztosdpi_cuda.so", RTLD_NOW | RTLD_LOCAL);
	}
	if (!h) {
		say(why, why_len, "no CUDA engine: cannot load libztosdpi_cuda.so: %s", dlerror());
		return -ENODEV;
	}
	fn = (dpi_cuda_api_fn)dlsym(h, DPI_CUDA_SYMBOL);
	if (!fn || !fn() || fn()->version != DPI_CUDA_API_VERSION) {
		say(why, why_len, "no CUDA engine: libztosdpi_cuda.so has no %s version %d",
		    DPI_CUDA_SYMBOL, DPI_CUDA_API_VERSION);
		dlclose(h);
		return -ENODEV;
	}
	r = fn()->probe(dev, sizeof(dev));
	if (r) {
		say(why, why_len, "no CUDA device: %s", dev);
		dlclose(h);
		return r;
	}
	e->cuda_lib = h;
	e->cuda = fn();
	say(why, why_len, "cuda: %s", dev);
	return 0;
}

int dpi_engine_create(enum dpi_engine_kind kind, struct dpi_engine **out, char *why,
		      size_t why_len)
{
	struct dpi_engine *e = calloc(1, sizeof(*e));
	char cwhy[384] = "";
	int r;

	if (!e)
		return -ENOMEM;
	switch (kind) {
	case DPI_ENGINE_AUTO:
	case DPI_ENGINE_CUDA:
		r = cuda_open(e, cwhy, sizeof(cwhy));
		if (!r) {
			e->kind = DPI_ENGINE_CUDA;
			e->be = &dpi_backend_cuda;
			say(why, why_len, "%s", cwhy);
			break;
		}
		if (kind == DPI_ENGINE_CUDA) {
			say(why, why_len, "%s", cwhy);
			free(e);
			return r;
		}
		e->kind = DPI_ENGINE_CPU;
		e->be = &dpi_backend_hs;
		say(why, why_len, "cpu (Hyperscan): %s", cwhy);
		break;
	case DPI_ENGINE_CPU:
		e->kind = kind;
		e->be = &dpi_backend_hs;
		say(why, why_len, "cpu (Hyperscan): asked for");
		break;
	case DPI_ENGINE_CORE:
		e->kind = kind;
		e->be = &dpi_backend_core;
		say(why, why_len, "core (host build of the CUDA matcher): asked for");
		break;
	case DPI_ENGINE_NOOP:
		e->kind = kind;
		e->be = &dpi_backend_noop;
		say(why, why_len, "noop: asked for (matches nothing)");
		break;
	default:
		free(e);
		say(why, why_len, "unknown engine kind %d", kind);
		return -EINVAL;
	}
	*out = e;
	return 0;
}

const char *dpi_engine_name(const struct dpi_engine *e)
{
	return e->be->name;
}

void dpi_engine_destroy(struct dpi_engine *e)
{
	if (!e)
		return;
	if (e->cuda_lib)
		dlclose(e->cuda_lib);
	free(e);
}

/* ---- db ---- */

static void *dup_mem(const void *p, size_t n)
{
	void *q;

	if (!p || !n)
		return NULL;
	q = malloc(n);
	if (q)
		memcpy(q, p, n);
	return q;
}

static int rule_copy(struct dpi_rule *d, const struct dpi_rule *s)
{
	bool ok = true;

	*d = *s;
	d->src.v = dup_mem(s->src.v, s->src.n * sizeof(*s->src.v));
	d->dst.v = dup_mem(s->dst.v, s->dst.n * sizeof(*s->dst.v));
	d->sport.v = dup_mem(s->sport.v, s->sport.n * sizeof(*s->sport.v));
	d->dport.v = dup_mem(s->dport.v, s->dport.n * sizeof(*s->dport.v));
	d->msg = strdup(s->msg ? s->msg : "");
	d->classtype = strdup(s->classtype ? s->classtype : "");
	d->file = strdup(s->file ? s->file : "");
	for (int i = 0; i < s->n_contents; i++) {
		d->contents[i].bytes = dup_mem(s->contents[i].bytes, s->contents[i].len);
		ok &= d->contents[i].bytes != NULL;
	}
	for (int i = 0; i < s->n_pcres; i++) {
		d->pcres[i].expr = strdup(s->pcres[i].expr);
		ok &= d->pcres[i].expr != NULL;
	}
	ok &= (d->src.v || !s->src.n) && (d->dst.v || !s->dst.n) && (d->sport.v || !s->sport.n) &&
	      (d->dport.v || !s->dport.n) && d->msg && d->classtype && d->file;
	if (!ok) {
		dpi_rule_free(d);
		return -ENOMEM;
	}
	return 0;
}

static unsigned int pcre_hs_flags(uint32_t f)
{
	unsigned int flags = HS_FLAG_SINGLEMATCH | HS_FLAG_ALLOWEMPTY;

	if (f & DPI_PCRE_CASELESS)
		flags |= HS_FLAG_CASELESS;
	if (f & DPI_PCRE_DOTALL)
		flags |= HS_FLAG_DOTALL;
	if (f & DPI_PCRE_MULTILINE)
		flags |= HS_FLAG_MULTILINE;
	return flags;
}

static int compile_pcres(struct dpi_db *db, char *err, size_t err_len)
{
	const char **exprs = NULL;
	unsigned int *flags = NULL, *ids = NULL;
	hs_compile_error_t *cerr = NULL;
	uint32_t n = 0;
	int r = -ENOMEM;

	db->pcre_first = calloc(db->n_rules + 1, sizeof(*db->pcre_first));
	if (!db->pcre_first)
		goto out;
	for (size_t i = 0; i < db->n_rules; i++) {
		db->pcre_first[i] = n;
		n += db->rules[i].n_pcres;
	}
	db->n_pcres = n;
	if (!n) {
		r = 0;
		goto out;
	}
	exprs = calloc(n, sizeof(*exprs));
	flags = calloc(n, sizeof(*flags));
	ids = calloc(n, sizeof(*ids));
	if (!exprs || !flags || !ids)
		goto out;
	for (size_t i = 0; i < db->n_rules; i++) {
		for (int k = 0; k < db->rules[i].n_pcres; k++) {
			uint32_t id = db->pcre_first[i] + (uint32_t)k;

			exprs[id] = db->rules[i].pcres[k].expr;
			flags[id] = pcre_hs_flags(db->rules[i].pcres[k].flags);
			ids[id] = id;
		}
	}
	if (hs_compile_multi(exprs, flags, ids, n, HS_MODE_BLOCK, NULL, &db->pcre_db, &cerr) !=
	    HS_SUCCESS) {
		int bad = cerr && cerr->expression >= 0 ? cerr->expression : 0;

		say(err, err_len, "Hyperscan cannot compile the pcres: /%s/: %s", exprs[bad],
		    cerr ? cerr->message : "unknown error");
		hs_free_compile_error(cerr);
		r = -EINVAL;
		goto out;
	}
	r = 0;
out:
	if (r == -ENOMEM)
		say(err, err_len, "out of memory compiling the pcres");
	free(exprs);
	free(flags);
	free(ids);
	return r;
}

int dpi_db_compile(struct dpi_engine *e, const struct dpi_ruleset *rs, struct dpi_db **out,
		   char *err, size_t err_len)
{
	struct dpi_db *db = calloc(1, sizeof(*db));
	int r = -ENOMEM;

	if (!db)
		goto fail;
	db->e = e;
	db->rules = calloc(rs->n + 1, sizeof(*db->rules));
	if (!db->rules)
		goto fail;
	for (size_t i = 0; i < rs->n; i++) {
		r = rule_copy(&db->rules[i], &rs->rules[i]);
		if (r)
			goto fail;
		db->n_rules++;
	}
	r = dpi_core_build(db->rules, db->n_rules, &db->core, err, err_len);
	if (r)
		goto fail_said;
	db->hot = calloc(db->n_rules + 1, sizeof(*db->hot));
	if (!db->hot) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < db->n_rules; i++) {
		const struct dpi_rule *ru = &db->rules[i];

		db->hot[i] = (struct dpi_rule_hot){
			.sid = ru->sid, .flow = (uint8_t)ru->flow, .n_pcres = (uint8_t)ru->n_pcres,
			.single = ru->n_contents == 1 &&
				  !(ru->contents[0].flags & (DPI_C_OFFSET | DPI_C_DEPTH)),
		};
	}
	r = compile_pcres(db, err, err_len);
	if (r)
		goto fail_said;
	if (e->be->db_init) {
		r = e->be->db_init(db, err, err_len);
		if (r)
			goto fail_said;
	}
	*out = db;
	return 0;
fail:
	say(err, err_len, "out of memory copying %zu rules", rs->n);
fail_said:
	dpi_db_free(db);
	return r;
}

void dpi_db_free(struct dpi_db *db)
{
	if (!db)
		return;
	if (db->e->be->db_free)
		db->e->be->db_free(db);
	for (size_t i = 0; i < db->n_rules; i++)
		dpi_rule_free(&db->rules[i]);
	free(db->rules);
	free(db->hot);
	dpi_core_free(&db->core);
	free(db->pcre_first);
	hs_free_database(db->pcre_db);
	free(db);
}

size_t dpi_db_rules(const struct dpi_db *db)
{
	return db->n_rules;
}

const struct dpi_rule *dpi_db_rule(const struct dpi_db *db, uint32_t idx)
{
	return idx < db->n_rules ? &db->rules[idx] : NULL;
}

/* ---- flows ---- */

static uint32_t flow_hash(uint64_t id, uint8_t dir, uint32_t n_buckets)
{
	uint64_t h = (id ^ ((uint64_t)dir << 63)) * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 32) & (n_buckets - 1);
}

static void lru_unlink(struct dpi_flows *fl, uint32_t i)
{
	struct dpi_flow *f = &fl->v[i];

	if (f->lru_prev)
		fl->v[f->lru_prev - 1].lru_next = f->lru_next;
	else
		fl->lru_head = f->lru_next;
	if (f->lru_next)
		fl->v[f->lru_next - 1].lru_prev = f->lru_prev;
	else
		fl->lru_tail = f->lru_prev;
	f->lru_prev = f->lru_next = 0;
}

static void lru_push(struct dpi_flows *fl, uint32_t i)
{
	struct dpi_flow *f = &fl->v[i];

	f->lru_prev = 0;
	f->lru_next = fl->lru_head;
	if (fl->lru_head)
		fl->v[fl->lru_head - 1].lru_prev = i + 1;
	fl->lru_head = i + 1;
	if (!fl->lru_tail)
		fl->lru_tail = i + 1;
}

/* Take flow i out of the table and give it to the free list. */
static void flow_drop(struct dpi_scanner *s, uint32_t i)
{
	struct dpi_flows *fl = &s->flows;
	struct dpi_flow *f = &fl->v[i];
	uint32_t *pp = &fl->buckets[flow_hash(f->flow_id, f->dir, fl->n_buckets)];

	while (*pp && *pp != i + 1)
		pp = &fl->v[*pp - 1].hnext;
	if (*pp)
		*pp = f->hnext;
	lru_unlink(fl, i);
	if (s->db->e->be->flow_evict)
		s->db->e->be->flow_evict(s, f);
	f->used = 0;
	f->hnext = fl->free_head;
	fl->free_head = i + 1;
	fl->n--;
}

struct dpi_flow *dpi_flow_get(struct dpi_scanner *s, const struct dpi_pkt *p)
{
	struct dpi_flows *fl = &s->flows;
	uint32_t b, i;
	struct dpi_flow *f;

	if (!p->flow_id)
		return NULL;
	b = flow_hash(p->flow_id, p->dir, fl->n_buckets);
	for (i = fl->buckets[b]; i; i = fl->v[i - 1].hnext) {
		f = &fl->v[i - 1];
		if (f->flow_id == p->flow_id && f->dir == p->dir) {
			if (fl->lru_head != i) {
				lru_unlink(fl, i - 1);
				lru_push(fl, i - 1);
			}
			return f;
		}
	}
	if (!fl->free_head) {
		flow_drop(s, fl->lru_tail - 1);
		fl->evictions++;
	}
	i = fl->free_head - 1;
	f = &fl->v[i];
	fl->free_head = f->hnext;
	f->flow_id = p->flow_id;
	f->dir = p->dir;
	f->used = 1;
	f->stream_off = 0;
	f->tail_len = 0;
	f->hnext = fl->buckets[b];
	fl->buckets[b] = i + 1;
	lru_push(fl, i);
	fl->n++;
	return f;
}

uint32_t dpi_flow_buf(const struct dpi_flow *f, const uint8_t *data, uint32_t len, uint8_t *dst,
		      uint32_t *ctx)
{
	uint32_t t = f ? f->tail_len : 0;

	if (t)
		memcpy(dst, f->tail, t);
	if (len)
		memcpy(dst + t, data, len);
	*ctx = t;
	return t + len;
}

void dpi_flow_advance(struct dpi_flow *f, const uint8_t *data, uint32_t len)
{
	uint32_t keep;

	if (!f || !len)
		return;
	f->stream_off += len;
	if (len >= DPI_STREAM_WINDOW) {
		memcpy(f->tail, data + len - DPI_STREAM_WINDOW, DPI_STREAM_WINDOW);
		f->tail_len = DPI_STREAM_WINDOW;
		return;
	}
	keep = f->tail_len < DPI_STREAM_WINDOW - len ? f->tail_len : DPI_STREAM_WINDOW - len;
	memmove(f->tail, f->tail + f->tail_len - keep, keep);
	memcpy(f->tail + keep, data, len);
	f->tail_len = keep + len;
}

void dpi_scanner_flow_end(struct dpi_scanner *s, uint64_t flow_id)
{
	struct dpi_flows *fl = &s->flows;

	for (uint8_t dir = 0; dir < 2; dir++) {
		uint32_t b = flow_hash(flow_id, dir, fl->n_buckets);

		for (uint32_t i = fl->buckets[b]; i; i = fl->v[i - 1].hnext) {
			if (fl->v[i - 1].flow_id == flow_id && fl->v[i - 1].dir == dir) {
				flow_drop(s, i - 1);
				break;
			}
		}
	}
}

/* ---- scanners ---- */

int dpi_scanner_create(struct dpi_db *db, const struct dpi_scanner_opts *opts,
		       struct dpi_scanner **out, char *err, size_t err_len)
{
	struct dpi_scanner *s = calloc(1, sizeof(*s));
	uint32_t nb = 16;
	int r = -ENOMEM;

	if (!s)
		goto fail;
	s->db = db;
	if (opts)
		s->opts = *opts;
	if (!s->opts.max_batch)
		s->opts.max_batch = 1024;
	if (!s->opts.max_flows)
		s->opts.max_flows = 16384;
	if ((unsigned int)s->opts.finder > DPI_FINDER_AUTOMATON) {
		say(err, err_len, "unknown literal finder %u (0 auto, 1 Hyperscan, 2 automaton)",
		    (unsigned int)s->opts.finder);
		r = -EINVAL;
		goto fail_said;
	}
	/* A batch's flows must never evict each other. */
	if (s->opts.max_flows <= s->opts.max_batch)
		s->opts.max_flows = s->opts.max_batch + 1;
	while (nb < s->opts.max_flows)
		nb *= 2;
	s->flows.cap = s->opts.max_flows;
	s->flows.n_buckets = nb;
	s->flows.v = calloc(s->flows.cap, sizeof(*s->flows.v));
	s->flows.buckets = calloc(nb, sizeof(*s->flows.buckets));
	s->buf = malloc(DPI_CORE_MAX_BUF);
	s->bits = calloc(2 * DPI_CORE_BITWORDS, sizeof(*s->bits));
	s->hits = calloc(DPI_HIT_CAP, sizeof(*s->hits));
	s->rule_gen = calloc(db->n_rules + 1, sizeof(*s->rule_gen));
	s->conf_gen = calloc(db->n_rules + 1, sizeof(*s->conf_gen));
	s->pcre_gen = calloc(db->n_pcres + 1, sizeof(*s->pcre_gen));
	s->lit_gen = calloc(db->core.db.n_lits + 1, sizeof(*s->lit_gen));
	s->cand = calloc(db->core.db.n_lits + 1, sizeof(*s->cand));
	s->lit_end = calloc(db->core.db.n_lits + 1, sizeof(*s->lit_end));
	if (!s->flows.v || !s->flows.buckets || !s->buf || !s->bits || !s->hits ||
	    !s->rule_gen || !s->conf_gen || !s->pcre_gen || !s->lit_gen || !s->cand ||
	    !s->lit_end)
		goto fail;
	for (uint32_t i = 0; i < s->flows.cap; i++)
		s->flows.v[i].hnext = i + 2 <= s->flows.cap ? i + 2 : 0;
	s->flows.free_head = 1;
	if (db->pcre_db && hs_alloc_scratch(db->pcre_db, &s->scratch) != HS_SUCCESS) {
		say(err, err_len, "cannot allocate Hyperscan scratch for the pcres");
		goto fail_said;
	}
	if (db->e->be->scanner_init) {
		r = db->e->be->scanner_init(s, err, err_len);
		if (r)
			goto fail_said;
	}
	*out = s;
	return 0;
fail:
	say(err, err_len, "out of memory for a scanner of %u flows", s ? s->opts.max_flows : 0);
fail_said:
	dpi_scanner_destroy(s);
	return r;
}

void dpi_scanner_destroy(struct dpi_scanner *s)
{
	if (!s)
		return;
	if (s->flows.v && s->flows.buckets) {
		while (s->flows.lru_head)
			flow_drop(s, s->flows.lru_head - 1);
	}
	if (s->db->e->be->scanner_free)
		s->db->e->be->scanner_free(s);
	hs_free_scratch(s->scratch);
	free(s->flows.v);
	free(s->flows.buckets);
	free(s->buf);
	free(s->bits);
	free(s->hits);
	free(s->rule_gen);
	free(s->conf_gen);
	free(s->pcre_gen);
	free(s->lit_gen);
	free(s->cand);
	free(s->lit_end);
	free(s);
}

void dpi_next_gen(struct dpi_scanner *s)
{
	if (++s->gen)
		return;
	memset(s->rule_gen, 0, (s->db->n_rules + 1) * sizeof(*s->rule_gen));
	memset(s->conf_gen, 0, (s->db->n_rules + 1) * sizeof(*s->conf_gen));
	memset(s->pcre_gen, 0, (s->db->n_pcres + 1) * sizeof(*s->pcre_gen));
	memset(s->lit_gen, 0, (s->db->core.db.n_lits + 1) * sizeof(*s->lit_gen));
	s->gen = 1;
}

static int on_pcre(unsigned int id, unsigned long long from, unsigned long long to,
		   unsigned int flags, void *ctx)
{
	struct dpi_scanner *s = ctx;

	s->pcre_gen[id] = s->gen;
	return 0;
}

void dpi_emit_hits(struct dpi_scanner *s, const struct dpi_pkt *p, uint32_t pkt,
		   struct dpi_core_hit *h, uint32_t nh, const uint8_t *b, uint32_t blen)
{
	const struct dpi_db *db = s->db;
	struct dpi_results *res = s->res;
	bool pcre_done = false;

	for (uint32_t i = 0; i < nh; i++) {
		const struct dpi_rule_hot *r = &db->hot[h[i].rule];
		bool ok = true;

		if (s->rule_gen[h[i].rule] == s->gen)
			continue;	/* reported twice by the matcher */
		s->rule_gen[h[i].rule] = s->gen;
		if ((r->flow == DPI_FLOW_TO_SERVER && p->dir != DPI_DIR_TO_SERVER) ||
		    (r->flow == DPI_FLOW_TO_CLIENT && p->dir != DPI_DIR_TO_CLIENT))
			continue;
		if (p->tuple && !dpi_rule_match_tuple(&db->rules[h[i].rule], p->tuple))
			continue;
		if (r->n_pcres) {
			if (!pcre_done) {
				pcre_done = true;
				s->st.pcre_checks++;
				hs_scan(db->pcre_db, (const char *)b, blen, 0, s->scratch, on_pcre,
					s);
			}
			for (int k = 0; k < r->n_pcres; k++)
				ok &= s->pcre_gen[db->pcre_first[h[i].rule] + (uint32_t)k] ==
				      s->gen;
			if (!ok)
				continue;
		}
		s->st.matches++;
		if (res->n >= res->cap) {
			res->overflow++;
			s->st.overflow++;
			continue;
		}
		res->m[res->n++] = (struct dpi_match){
			.sid = r->sid, .rule = h[i].rule, .pkt = pkt, .offset = h[i].offset,
		};
	}
}

int dpi_scan(struct dpi_scanner *s, const struct dpi_pkt *pkts, uint32_t n,
	     struct dpi_results *res)
{
	int r;

	if (n > s->opts.max_batch)
		return -E2BIG;
	s->res = res;
	s->st.batches++;
	s->st.packets += n;
	s->batch_bytes = 0;
	for (uint32_t i = 0; i < n; i++) {
		s->batch_bytes += pkts[i].len;
		if (pkts[i].len > DPI_MAX_PAYLOAD)
			s->st.truncated++;
	}
	s->st.bytes += s->batch_bytes;
	r = s->db->e->be->scan(s, pkts, n);
	s->res = NULL;
	return r;
}

void dpi_scanner_stats(const struct dpi_scanner *s, struct dpi_scanner_stats *st)
{
	*st = s->st;
	if (s->db->e->be->device_ns)
		st->device_ns = s->db->e->be->device_ns(s);
	st->flows = s->flows.n;
	st->flow_evictions = s->flows.evictions;
}

/* ---- the no-op engine: the pipeline's cost without matching ---- */

static int noop_scan(struct dpi_scanner *s, const struct dpi_pkt *pkts, uint32_t n)
{
	return 0;
}

const struct dpi_backend dpi_backend_noop = {
	.name = "noop",
	.scan = noop_scan,
};
