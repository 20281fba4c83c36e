// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DPI subsystem (see dpi.h). One reader thread (afxdp.c) calls on_batch(); it alone
 * scans. Rules are swapped in under scan_lock between two batches, so a batch is
 * scanned with one rule set from start to end.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include "gpu/engine.h"
#include "gpu/rules.h"
#include "kernel/afxdp.h"
#include "kernel/dpilink.h"
#include "kernel/mirring.h"
#include "report/eve.h"
#include "report/eventlog.h"
#include "report/log.h"
#include "report/metrics.h"
#include "subsys/datapath.h"
#include "subsys/dpi.h"

#define ALERT_RING 1024		/* recent alerts kept for GET /api/v1/alerts */
#define ALERTS_PER_S 1000	/* alert events written at most; the rest are counted */
#define MATCHES_MAX 4096	/* matches kept per batch; more are counted by the engine */
#define DIR_CACHE 4096		/* flows whose client side the reader remembers */
#define TCP_SYN 0x02
#define TCP_ACK 0x10
#define SEVERITY_DEFAULT 3	/* Suricata's for a rule without priority */

/* The compiled rules and what reports on them: swapped whole. */
struct dpi_prepared {
	struct dpi_engine *engine;	/* set when this set brought its own engine */
	enum ztos_dpi_engine kind;
	char why[256];			/* which engine and why */
	struct dpi_db *db;
	struct dpi_scanner *scanner;
	size_t files, loaded, invalid, unsupported, duplicate;
	char **errors;			/* "FILE:LINE:COL: message" of skipped rules */
	size_t n_errors;
};

struct alert {
	int64_t ts_us;
	uint64_t flow_id;
	struct ztos_flow_key key;
	uint8_t reverse;
	bool blocked, drop_rule;
	uint32_t sid, rev, severity;
	char tenant[ZTOS_NAME_MAX + 1];
	char signature[256];
	char category[64];
};

struct tenant_name {
	uint32_t vni;
	char name[ZTOS_NAME_MAX + 1];
};

struct dpi {
	struct datapath *dp;
	struct afxdp *rx;		/* dpi.transport afxdp */
	struct mirring *mring;		/* dpi.transport ring */
	enum ztos_dpi_transport transport;
	/* Held by the reader for a batch; by dpi_apply to swap the set, names, on_alert. */
	pthread_mutex_t scan_lock;
	struct dpi_prepared *set;
	struct dpi_engine *engine;	/* the engine set->db belongs to */
	struct tenant_name *names;
	size_t n_names;
	bool block_all;			/* on_alert: block */
	unsigned int batch_size, batch_timeout_us;
	uint64_t inspect_depth;		/* what the datapath's mirror copies, for status */
	/* reader-only scratch */
	struct dpi_pkt *dpkts;
	struct dpi_tuple *tuples;
	struct dpi_results res;
	uint64_t dir_cache[DIR_CACHE];	/* flow_id << 1 | client_is_a; 0: empty */
	int64_t rate_second;
	unsigned int rate_count;
	/* counters */
	atomic_uint_fast64_t engine_ns, scan_errors, alerts, blocked, block_failed, suppressed;
	atomic_uint_fast64_t reloads;
	/* the alert ring */
	pthread_mutex_t ring_lock;
	struct alert ring[ALERT_RING];
	uint64_t ring_head;		/* alerts ever put in */
};

bool dpi_wanted(const struct ztos_config *cfg)
{
	return cfg->has_dpi && cfg->dpi.enabled;
}

static enum dpi_engine_kind engine_kind(enum ztos_dpi_engine e)
{
	switch (e) {
	case ZTOS_DPI_CPU: return DPI_ENGINE_CPU;
	case ZTOS_DPI_CUDA: return DPI_ENGINE_CUDA;
	case ZTOS_DPI_NOOP: return DPI_ENGINE_NOOP;
	default: return DPI_ENGINE_AUTO;
	}
}

/* ---- rules ---- */

void dpi_prepared_free(struct dpi_prepared *p)
{
	if (!p)
		return;
	dpi_scanner_destroy(p->scanner);
	dpi_db_free(p->db);
	if (p->engine)
		dpi_engine_destroy(p->engine);
	for (size_t i = 0; i < p->n_errors; i++)
		free(p->errors[i]);
	free(p->errors);
	free(p);
}

/* The first few error lines of rs, "; "-joined, after prefix. */
static void join_errors(const struct dpi_ruleset *rs, char *err, size_t len)
{
	size_t n = strlen(err);

	for (size_t i = 0; i < rs->n_errors && i < 5 && n + 3 < len; i++)
		n += (size_t)snprintf(err + n, len - n, "%s%s", i ? "; " : "", rs->errors[i]);
	if (rs->n_errors > 5 && n + 16 < len)
		snprintf(err + n, len - n, "; and %zu more", rs->n_errors - 5);
}

static int load_rules(const struct ztos_config *cfg, struct dpi_ruleset *rs, char *err,
		      size_t len)
{
	for (size_t i = 0; i < cfg->dpi.n_rules; i++) {
		int ret = dpi_rules_load_file(rs, cfg->dpi.rules[i]);

		if (ret) {
			snprintf(err, len, "dpi: rules %s: ", cfg->dpi.rules[i]);
			join_errors(rs, err, len);
			return ret;
		}
	}
	if (rs->invalid) {
		snprintf(err, len, "dpi: %zu rule%s with errors; the rules in use stay: ",
			 rs->invalid, rs->invalid == 1 ? "" : "s");
		join_errors(rs, err, len);
		return -EINVAL;
	}
	return 0;
}

/*
 * The running engine when it is of kind: it compiles the new database too (a database is
 * read-only once compiled, so compiling aside while the reader scans is safe).
 */
static struct dpi_engine *running_engine(struct dpi *d, enum ztos_dpi_engine kind, char *why,
					 size_t len)
{
	struct dpi_engine *e = NULL;

	if (!d)
		return NULL;
	pthread_mutex_lock(&d->scan_lock);
	if (d->set && d->set->kind == kind) {
		e = d->engine;
		snprintf(why, len, "%s", d->set->why);
	}
	pthread_mutex_unlock(&d->scan_lock);
	return e;
}

int dpi_prepare(struct dpi *d, const struct ztos_config *cfg, struct dpi_prepared **out,
		struct ztos_err *e)
{
	char *err = e->msg;
	size_t len = sizeof(e->msg);
	struct dpi_prepared *p = calloc(1, sizeof(*p));
	struct dpi_scanner_opts so = { .max_batch = ZTOS_DPI_BATCH_MAX };
	struct dpi_engine *engine;
	struct dpi_ruleset rs;
	int ret;

	*out = NULL;
	dpi_ruleset_init(&rs);
	if (!p) {
		ret = -ENOMEM;
		snprintf(err, len, "dpi: out of memory");
		goto fail;
	}
	ret = load_rules(cfg, &rs, err, len);
	if (ret)
		goto fail;
	p->kind = cfg->dpi.engine;
	engine = running_engine(d, p->kind, p->why, sizeof(p->why));
	if (!engine) {
		ret = dpi_engine_create(engine_kind(p->kind), &p->engine, p->why, sizeof(p->why));
		if (ret) {
			snprintf(err, len, "dpi: engine %s: %s", ztos_dpi_engine_str(p->kind),
				 p->why[0] ? p->why : strerror(-ret));
			goto fail;
		}
		engine = p->engine;
	}
	ret = dpi_db_compile(engine, &rs, &p->db, err, len);
	if (!ret)
		ret = dpi_scanner_create(p->db, &so, &p->scanner, err, len);
	if (ret)
		goto fail;
	p->files = cfg->dpi.n_rules;
	p->loaded = rs.n;
	p->invalid = rs.invalid;
	p->unsupported = rs.unsupported;
	p->duplicate = rs.duplicate;
	p->errors = calloc(rs.n_errors ? rs.n_errors : 1, sizeof(*p->errors));
	for (size_t i = 0; p->errors && i < rs.n_errors; i++)
		if ((p->errors[i] = strdup(rs.errors[i])))
			p->n_errors++;
	dpi_ruleset_free(&rs);
	*out = p;
	return 0;
fail:
	dpi_ruleset_free(&rs);
	dpi_prepared_free(p);
	e->code = ret;
	snprintf(e->where, sizeof(e->where), "dpi");
	return ret;
}

/* ---- alerts ---- */

static const char *tenant_of(const struct dpi *d, uint32_t vni)
{
	for (size_t i = 0; i < d->n_names; i++)
		if (d->names[i].vni == vni)
			return d->names[i].name;
	return NULL;
}

/* The top-level fields of an alert: the packet's own direction, as eve.json has it. */
static void alert_fields(cJSON *o, const struct alert *a)
{
	eve_tuple(o, &a->key, !a->reverse, a->tenant[0] ? a->tenant : NULL);
}

static cJSON *alert_body(const struct alert *a)
{
	cJSON *o = cJSON_CreateObject();

	/* Suricata's words: "blocked" when the flow is dropped from here on. */
	cJSON_AddStringToObject(o, "action", a->blocked ? "blocked" : "allowed");
	cJSON_AddNumberToObject(o, "signature_id", a->sid);
	cJSON_AddNumberToObject(o, "rev", a->rev);
	cJSON_AddStringToObject(o, "signature", a->signature);
	cJSON_AddStringToObject(o, "category", a->category);
	cJSON_AddNumberToObject(o, "severity", a->severity);
	return o;
}

/* The same shape as the event in the log (the API's model of an alert). */
static cJSON *alert_json(const struct alert *a)
{
	cJSON *o = cJSON_CreateObject();
	char stamp[48];

	eventlog_timestamp(a->ts_us, stamp, sizeof(stamp));
	cJSON_AddStringToObject(o, "timestamp", stamp);
	cJSON_AddStringToObject(o, "event_type", "alert");
	cJSON_AddNumberToObject(o, "flow_id", (double)a->flow_id);
	alert_fields(o, a);
	cJSON_AddItemToObject(o, "alert", alert_body(a));
	return o;
}

/* A flood of matching traffic writes ALERTS_PER_S events a second; the rest are counted. */
static bool rate_ok(struct dpi *d, int64_t now_us)
{
	if (now_us / 1000000 != d->rate_second) {
		d->rate_second = now_us / 1000000;
		d->rate_count = 0;
	}
	return d->rate_count++ < ALERTS_PER_S;
}

static void raise_alert(struct dpi *d, const struct afxdp_pkt *p, const struct dpi_rule *r)
{
	struct alert a = { .ts_us = eventlog_now_us(), .reverse = p->reverse, .key = p->key };
	const char *tenant = tenant_of(d, p->key.vni);
	cJSON *fields;

	a.flow_id = datapath_flow_id(&p->key);
	a.sid = r->sid;
	a.rev = r->rev;
	a.severity = r->priority ? r->priority : SEVERITY_DEFAULT;
	a.drop_rule = r->action == DPI_ACTION_DROP;
	snprintf(a.signature, sizeof(a.signature), "%s", r->msg);
	snprintf(a.category, sizeof(a.category), "%s", r->classtype);
	if (tenant)
		snprintf(a.tenant, sizeof(a.tenant), "%s", tenant);
	atomic_fetch_add(&d->alerts, 1);
	if (a.drop_rule || d->block_all) {
		/* Without the tenant's VNI the key would miss the flow: nothing to block. */
		int ret = p->has_vni ? datapath_block_flow(d->dp, &p->key) : -ENOENT;

		a.blocked = ret >= 0;
		if (ret == 0)
			atomic_fetch_add(&d->blocked, 1);
		if (ret < 0)
			atomic_fetch_add(&d->block_failed, 1);
	}
	pthread_mutex_lock(&d->ring_lock);
	d->ring[d->ring_head++ % ALERT_RING] = a;
	pthread_mutex_unlock(&d->ring_lock);
	if (!rate_ok(d, a.ts_us)) {
		atomic_fetch_add(&d->suppressed, 1);
		return;
	}
	fields = cJSON_CreateObject();
	alert_fields(fields, &a);
	event_emit("alert", a.flow_id, fields, alert_body(&a));
}

/* ---- the reader's callback ---- */

/*
 * Which side of the flow is the client: learnt from a SYN, else guessed from the ports
 * (the lower one serves), and remembered per flow. Rules with flow:to_server need it.
 */
static bool sender_is_client(struct dpi *d, const struct afxdp_pkt *p, uint64_t flow_id)
{
	uint64_t *slot = &d->dir_cache[flow_id % DIR_CACHE];
	uint16_t sport = p->reverse ? p->key.port_b : p->key.port_a;
	uint16_t dport = p->reverse ? p->key.port_a : p->key.port_b;
	bool client_is_a;

	if (p->key.proto == IPPROTO_TCP && (p->tcp_flags & TCP_SYN)) {
		bool sender_client = !(p->tcp_flags & TCP_ACK);

		client_is_a = sender_client == !p->reverse;
		*slot = flow_id << 1 | client_is_a;
	} else if (*slot >> 1 == (flow_id & (UINT64_MAX >> 1))) {
		client_is_a = *slot & 1;
	} else {
		client_is_a = (sport >= dport) == !p->reverse;
		*slot = flow_id << 1 | client_is_a;
	}
	return client_is_a == !p->reverse;
}

static void to_dpi_pkt(struct dpi *d, const struct afxdp_pkt *p, struct dpi_pkt *o,
		       struct dpi_tuple *t)
{
	const struct ztos_flow_key *k = &p->key;
	size_t alen = k->family == ZTOS_AF4 ? 4 : 16;

	o->data = p->payload;
	o->len = p->payload_len;
	o->flow_id = datapath_flow_id(k);
	o->dir = sender_is_client(d, p, o->flow_id) ? DPI_DIR_TO_SERVER : DPI_DIR_TO_CLIENT;
	t->family = k->family;
	t->proto = k->proto;
	t->sport = p->reverse ? k->port_b : k->port_a;
	t->dport = p->reverse ? k->port_a : k->port_b;
	memcpy(t->saddr, p->reverse ? k->addr_b : k->addr_a, alen);
	memcpy(t->daddr, p->reverse ? k->addr_a : k->addr_b, alen);
	o->tuple = t;
}

static uint64_t thread_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void on_batch(void *ctx, const struct afxdp_pkt *pkts, unsigned int n)
{
	struct dpi *d = ctx;
	uint64_t t0, t1;
	int ret;

	pthread_mutex_lock(&d->scan_lock);
	for (unsigned int i = 0; i < n; i++)
		to_dpi_pkt(d, &pkts[i], &d->dpkts[i], &d->tuples[i]);
	d->res.n = 0;
	t0 = thread_ns();
	ret = dpi_scan(d->set->scanner, d->dpkts, n, &d->res);
	t1 = thread_ns();
	atomic_fetch_add_explicit(&d->engine_ns, t1 - t0, memory_order_relaxed);
	if (ret)
		atomic_fetch_add(&d->scan_errors, 1);
	for (uint32_t i = 0; i < d->res.n; i++) {
		const struct dpi_match *m = &d->res.m[i];
		const struct dpi_rule *r = dpi_db_rule(d->set->db, m->rule);

		if (r && m->pkt < n)
			raise_alert(d, &pkts[m->pkt], r);
	}
	pthread_mutex_unlock(&d->scan_lock);
}

/* ---- life cycle ---- */

static int set_names(struct dpi *d, const struct ztos_config *cfg)
{
	struct tenant_name *names = calloc(cfg->n_tenants ? cfg->n_tenants : 1, sizeof(*names));

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < cfg->n_tenants; i++) {
		names[i].vni = cfg->tenants[i].vni;
		snprintf(names[i].name, sizeof(names[i].name), "%s", cfg->tenants[i].name);
	}
	free(d->names);
	d->names = names;
	d->n_names = cfg->n_tenants;
	return 0;
}

/* Under scan_lock: the rules, names and knobs of cfg. Returns the set it replaced. */
static struct dpi_prepared *swap_in(struct dpi *d, const struct ztos_config *cfg,
				    struct dpi_prepared *p, struct dpi_engine **old_engine)
{
	struct dpi_prepared *old = NULL;

	*old_engine = NULL;
	if (p) {
		old = d->set;
		d->set = p;
		if (p->engine) {
			*old_engine = d->engine;
			d->engine = p->engine;
		}
	}
	set_names(d, cfg);
	d->block_all = cfg->dpi.on_alert == ZTOS_ON_ALERT_BLOCK;
	d->batch_size = cfg->dpi.batch_size;
	d->batch_timeout_us = cfg->dpi.batch_timeout_us;
	d->inspect_depth = cfg->dpi.inspect_depth;
	return old;
}

/*
 * A replaced set, without its engine: d->engine owns that (the new set compiled with it,
 * or dpi_apply destroys it after the set that used it is gone).
 */
static void free_replaced(struct dpi_prepared *old)
{
	if (!old)
		return;
	old->engine = NULL;
	dpi_prepared_free(old);
}

/* ---- the reader: the AF_XDP sockets of the DPI link, or the mirror's ring ---- */

static const char *reader_name(const struct dpi *d)
{
	return d->transport == ZTOS_DPI_RING ? "the mirror's ring buffer" : DPI_LINK_RX;
}

static int reader_start(struct dpi *d, enum ztos_dpi_transport t, struct ztos_err *e)
{
	d->transport = t;
	if (t == ZTOS_DPI_RING) {
		struct mirring_opts o = { .ring_fd = datapath_dpi_ring_fd(d->dp), .fn = on_batch,
					  .ctx = d, .batch_size = d->batch_size,
					  .batch_timeout_us = d->batch_timeout_us };

		if (o.ring_fd < 0)
			return ztos_errmsg(e, -ENODEV, "dpi: the datapath's mirror has no ring");
		return mirring_start(&o, &d->mring, e);
	} else {
		struct afxdp_opts o = { .ifname = DPI_LINK_RX, .fn = on_batch, .ctx = d,
					.xsks_fd = datapath_xsks_fd(d->dp),
					.batch_size = d->batch_size,
					.batch_timeout_us = d->batch_timeout_us };

		if (o.xsks_fd < 0)
			return ztos_errmsg(e, -ENODEV, "dpi: the datapath has no DPI link (%s)",
					   DPI_LINK_RX);
		return afxdp_start(&o, &d->rx, e);
	}
}

/* No batch runs after this. */
static void reader_stop(struct dpi *d)
{
	afxdp_stop(d->rx);
	mirring_stop(d->mring);
	d->rx = NULL;
	d->mring = NULL;
}

static void reader_set_batch(struct dpi *d)
{
	if (d->rx)
		afxdp_set_batch(d->rx, d->batch_size, d->batch_timeout_us);
	if (d->mring)
		mirring_set_batch(d->mring, d->batch_size, d->batch_timeout_us);
}

/*
 * dpi.transport changed (or its reader failed to start): the datapath points the mirror
 * at the other way already (its commit runs first); the engine and rules stay, the
 * reader is replaced.
 */
static int reader_switch(struct dpi *d, enum ztos_dpi_transport t, struct ztos_err *e)
{
	int ret;

	if (t == d->transport && (d->rx || d->mring))
		return 0;
	reader_stop(d);
	ret = reader_start(d, t, e);
	if (!ret)
		pr_info("dpi: transport %s, reading %s", ztos_dpi_transport_str(t), reader_name(d));
	return ret;
}

static int dpi_start(struct dpi **out, struct datapath *dp, const struct ztos_config *cfg,
		     struct dpi_prepared *p, struct ztos_err *e)
{
	struct dpi *d = calloc(1, sizeof(*d));
	struct dpi_engine *unused;
	int ret;

	if (!d || !p) {
		dpi_prepared_free(p);
		free(d);
		ztos_errmsg(e, -EIO, "dpi: %s", p ? "out of memory" : "no rules prepared");
		return -ENOMEM;
	}
	pthread_mutex_init(&d->scan_lock, NULL);
	pthread_mutex_init(&d->ring_lock, NULL);
	d->dp = dp;
	d->engine = p->engine;
	swap_in(d, cfg, p, &unused);
	d->dpkts = calloc(ZTOS_DPI_BATCH_MAX, sizeof(*d->dpkts));
	d->tuples = calloc(ZTOS_DPI_BATCH_MAX, sizeof(*d->tuples));
	d->res.cap = MATCHES_MAX;
	d->res.m = calloc(MATCHES_MAX, sizeof(*d->res.m));
	if (!d->dpkts || !d->tuples || !d->res.m) {
		ztos_errmsg(e, -EIO, "dpi: out of memory");
		ret = -ENOMEM;
		goto fail;
	}
	ret = reader_start(d, cfg->dpi.transport, e);
	if (ret)
		goto fail;
	pr_info("dpi: %s; %zu rules loaded, %zu skipped; reading %s", d->set->why,
		d->set->loaded, d->set->unsupported + d->set->duplicate, reader_name(d));
	*out = d;
	return 0;
fail:
	dpi_stop(d);
	return ret;
}

int dpi_apply(struct dpi **dref, struct datapath *dp, const struct ztos_config *cfg,
	      struct dpi_prepared *p, struct ztos_err *e)
{
	struct dpi *d = *dref;
	struct dpi_prepared *old;
	struct dpi_engine *old_engine;
	int ret;

	if (!dpi_wanted(cfg) || !dp) {
		dpi_prepared_free(p);
		dpi_stop(d);
		*dref = NULL;
		return 0;
	}
	if (!d)
		return dpi_start(dref, dp, cfg, p, e);
	pthread_mutex_lock(&d->scan_lock);
	old = swap_in(d, cfg, p, &old_engine);
	pthread_mutex_unlock(&d->scan_lock);
	reader_set_batch(d);
	ret = reader_switch(d, cfg->dpi.transport, e);
	if (p) {
		atomic_fetch_add(&d->reloads, 1);
		pr_info("dpi: rules reloaded: %zu loaded, %zu skipped", p->loaded,
			p->unsupported + p->duplicate);
	}
	free_replaced(old);
	if (old_engine)
		dpi_engine_destroy(old_engine);
	return ret;
}

void dpi_stop(struct dpi *d)
{
	if (!d)
		return;
	reader_stop(d);	/* first: no batch runs after this */
	if (d->set)
		d->set->engine = NULL;
	dpi_prepared_free(d->set);
	if (d->engine)
		dpi_engine_destroy(d->engine);
	free(d->names);
	free(d->dpkts);
	free(d->tuples);
	free(d->res.m);
	pthread_mutex_destroy(&d->scan_lock);
	pthread_mutex_destroy(&d->ring_lock);
	free(d);
}

/* ---- reports ---- */

static cJSON *rules_json(const struct dpi_prepared *p)
{
	cJSON *o = cJSON_CreateObject(), *errs;

	cJSON_AddNumberToObject(o, "files", (double)p->files);
	cJSON_AddNumberToObject(o, "loaded", (double)p->loaded);
	cJSON_AddNumberToObject(o, "skipped", (double)(p->invalid + p->unsupported + p->duplicate));
	cJSON_AddNumberToObject(o, "unsupported", (double)p->unsupported);
	cJSON_AddNumberToObject(o, "duplicate", (double)p->duplicate);
	errs = cJSON_AddArrayToObject(o, "errors");
	for (size_t i = 0; i < p->n_errors; i++)
		cJSON_AddItemToArray(errs, cJSON_CreateString(p->errors[i]));
	return o;
}

struct dpi_counts {
	struct afxdp_stats rx;	/* with the ring: what mirring_stats has of it */
	uint64_t ring_full;	/* copies TC could not put in the ring (mirror_failed) */
	uint64_t cut;		/* copies cut at the ring's largest record */
	struct dpi_scanner_stats scan;
	uint64_t engine_ns;
};

static void ring_counts(struct dpi *d, struct dpi_counts *c)
{
	struct mirring_stats st;

	mirring_stats(d->mring, &st);
	c->rx.packets = st.packets;
	c->rx.bytes = st.bytes;
	c->rx.batches = st.batches;
	c->rx.not_parsed = st.not_parsed;
	c->rx.thread_cpu_ns = st.thread_cpu_ns;
	c->cut = st.cut;
	c->ring_full = datapath_counter(d->dp, ZTOS_CNT_MIRROR_FAILED);
}

static void counts(struct dpi *d, struct dpi_counts *c)
{
	memset(c, 0, sizeof(*c));
	if (d->rx)
		afxdp_stats(d->rx, &c->rx);
	else if (d->mring)
		ring_counts(d, c);
	c->engine_ns = atomic_load(&d->engine_ns);
	pthread_mutex_lock(&d->scan_lock);
	dpi_scanner_stats(d->set->scanner, &c->scan);
	pthread_mutex_unlock(&d->scan_lock);
}

/*
 * Lost copies: the RX ring was full, or no frame was in the fill ring (afxdp); the ring
 * buffer was full (ring).
 */
static uint64_t lost(const struct dpi_counts *c)
{
	return c->rx.rx_dropped + c->rx.rx_ring_full + c->ring_full;
}

static void losses_json(const struct dpi *d, const struct dpi_counts *c, cJSON *o)
{
	cJSON *x = cJSON_AddObjectToObject(o, "losses");

	cJSON_AddNumberToObject(x, "total", (double)lost(c));
	if (d->transport == ZTOS_DPI_RING) {
		cJSON_AddNumberToObject(x, "ring_full", (double)c->ring_full);
		return;
	}
	cJSON_AddNumberToObject(x, "rx_dropped", (double)c->rx.rx_dropped);
	cJSON_AddNumberToObject(x, "rx_ring_full", (double)c->rx.rx_ring_full);
	cJSON_AddNumberToObject(x, "fill_ring_empty", (double)c->rx.fill_ring_empty);
	cJSON_AddNumberToObject(x, "rx_invalid", (double)c->rx.rx_invalid);
}

/* Where the copies come from: the DPI link's sockets, or the ring buffer. */
static void reader_json(const struct dpi *d, const struct dpi_counts *c, cJSON *o)
{
	cJSON_AddStringToObject(o, "transport", ztos_dpi_transport_str(d->transport));
	if (d->transport == ZTOS_DPI_RING) {
		cJSON_AddNumberToObject(o, "ring_bytes", ZTOS_DPI_RING_SIZE);
		cJSON_AddNumberToObject(o, "cut", (double)c->cut);
	} else {
		cJSON_AddStringToObject(o, "interface", DPI_LINK_RX);
		cJSON_AddNumberToObject(o, "queues", c->rx.queues);
	}
}

static void running(struct dpi *d, struct subsys_status *st)
{
	cJSON *o = cJSON_CreateObject(), *x, *y;
	struct dpi_counts c;

	st->state = SUBSYS_RUNNING;
	st->detail = o;
	counts(d, &c);
	pthread_mutex_lock(&d->scan_lock);
	cJSON_AddStringToObject(o, "engine", dpi_engine_name(d->engine));
	cJSON_AddStringToObject(o, "engine_reason", d->set->why);
	cJSON_AddStringToObject(o, "on_alert", d->block_all ? "block" : "log");
	cJSON_AddItemToObject(o, "rules", rules_json(d->set));
	cJSON_AddNumberToObject(o, "batch_size", d->batch_size);
	cJSON_AddNumberToObject(o, "batch_timeout_us", d->batch_timeout_us);
	cJSON_AddNumberToObject(o, "inspect_depth", (double)d->inspect_depth);
	pthread_mutex_unlock(&d->scan_lock);
	reader_json(d, &c, o);
	cJSON_AddNumberToObject(o, "packets", (double)c.rx.packets);
	cJSON_AddNumberToObject(o, "bytes", (double)c.rx.bytes);
	cJSON_AddNumberToObject(o, "batches", (double)c.rx.batches);
	cJSON_AddNumberToObject(o, "not_parsed", (double)c.rx.not_parsed);
	cJSON_AddNumberToObject(o, "no_vni", (double)c.rx.no_vni);
	losses_json(d, &c, o);
	x = cJSON_AddObjectToObject(o, "engine_stats");
	cJSON_AddNumberToObject(x, "packets", (double)c.scan.packets);
	cJSON_AddNumberToObject(x, "bytes", (double)c.scan.bytes);
	cJSON_AddNumberToObject(x, "matches", (double)c.scan.matches);
	cJSON_AddNumberToObject(x, "matches_overflow", (double)c.scan.overflow);
	cJSON_AddNumberToObject(x, "truncated", (double)c.scan.truncated);
	cJSON_AddNumberToObject(x, "flows", (double)c.scan.flows);
	cJSON_AddNumberToObject(x, "scan_errors", (double)atomic_load(&d->scan_errors));
	cJSON_AddNumberToObject(x, "cpu_ns", (double)c.engine_ns);
	/* The cpu engine: how many batches each literal finder scanned (gpu/engine_hs.c). */
	y = cJSON_AddObjectToObject(x, "literal_finder");
	cJSON_AddNumberToObject(y, "hyperscan_batches", (double)c.scan.hs_batches);
	cJSON_AddNumberToObject(y, "automaton_batches", (double)c.scan.dfa_batches);
	cJSON_AddNumberToObject(o, "reader_cpu_ns", (double)c.rx.thread_cpu_ns);
	/* CPU time per packet of the reader outside the engine: receive, batch, verdict. */
	cJSON_AddNumberToObject(o, "pipeline_ns_per_packet",
				c.rx.packets && c.rx.thread_cpu_ns > c.engine_ns
				? (double)(c.rx.thread_cpu_ns - c.engine_ns) / (double)c.rx.packets
				: 0);
	x = cJSON_AddObjectToObject(o, "alerts");
	cJSON_AddNumberToObject(x, "total", (double)atomic_load(&d->alerts));
	cJSON_AddNumberToObject(x, "flows_blocked", (double)atomic_load(&d->blocked));
	cJSON_AddNumberToObject(x, "block_failed", (double)atomic_load(&d->block_failed));
	cJSON_AddNumberToObject(x, "events_suppressed", (double)atomic_load(&d->suppressed));
	cJSON_AddNumberToObject(o, "rule_reloads", (double)atomic_load(&d->reloads));
}

void dpi_metrics(struct dpi *d, cJSON *families)
{
	struct dpi_counts c;
	cJSON *f;

	counts(d, &c);
	f = metrics_family(families, "ztos_dpi_packets_total", "counter",
			   "Copies read from the DPI link and handed to the engine.");
	metrics_sample(f, (double)c.rx.packets, NULL, NULL);
	f = metrics_family(families, "ztos_dpi_batches_total", "counter",
			   "Batches handed to the engine.");
	metrics_sample(f, (double)c.rx.batches, NULL, NULL);
	f = metrics_family(families, "ztos_dpi_lost_total", "counter",
			   "Copies lost on the way to the engine (engine behind), by reason.");
	if (d->transport == ZTOS_DPI_RING) {
		metrics_sample(f, (double)c.ring_full, "reason", "ring_full");
	} else {
		metrics_sample(f, (double)c.rx.rx_dropped, "reason", "rx_dropped");
		metrics_sample(f, (double)c.rx.rx_ring_full, "reason", "rx_ring_full");
	}
	f = metrics_family(families, "ztos_dpi_alerts_total", "counter", "DPI alerts.");
	metrics_sample(f, (double)atomic_load(&d->alerts), NULL, NULL);
	f = metrics_family(families, "ztos_dpi_flows_blocked_total", "counter",
			   "Flows given verdict BLOCK by an alert.");
	metrics_sample(f, (double)atomic_load(&d->blocked), NULL, NULL);
	f = metrics_family(families, "ztos_dpi_engine_cpu_seconds_total", "counter",
			   "CPU time spent in the engine.");
	metrics_sample(f, (double)c.engine_ns / 1e9, NULL, NULL);
	f = metrics_family(families, "ztos_dpi_reader_cpu_seconds_total", "counter",
			   "CPU time of the DPI reader thread, engine included.");
	metrics_sample(f, (double)c.rx.thread_cpu_ns / 1e9, NULL, NULL);
	pthread_mutex_lock(&d->scan_lock);
	f = metrics_family(families, "ztos_dpi_rules", "gauge", "DPI rules, by state.");
	metrics_sample(f, (double)d->set->loaded, "state", "loaded");
	metrics_sample(f, (double)(d->set->unsupported + d->set->duplicate), "state", "skipped");
	pthread_mutex_unlock(&d->scan_lock);
}

static bool alert_matches(const struct alert *a, const struct alert_filter *f)
{
	if (f->sid && a->sid != f->sid)
		return false;
	return !f->tenant || !strcmp(a->tenant, f->tenant);
}

cJSON *dpi_alerts(struct dpi *d, const struct alert_filter *f)
{
	cJSON *o = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(o, "alerts");
	struct alert *picked = malloc(ALERT_RING * sizeof(*picked));
	size_t n = 0;
	uint64_t total;

	pthread_mutex_lock(&d->ring_lock);
	total = d->ring_head;
	/* Newest first, up to limit, then printed oldest first. */
	for (uint64_t i = total; picked && i > 0 && total - i < ALERT_RING && n < f->limit; i--) {
		const struct alert *a = &d->ring[(i - 1) % ALERT_RING];

		if (alert_matches(a, f))
			picked[n++] = *a;
	}
	pthread_mutex_unlock(&d->ring_lock);
	while (n)
		cJSON_AddItemToArray(arr, alert_json(&picked[--n]));
	free(picked);
	cJSON_AddNumberToObject(o, "total", (double)atomic_load(&d->alerts));
	cJSON_AddNumberToObject(o, "kept", total < ALERT_RING ? (double)total : ALERT_RING);
	return o;
}

/* ---- the subsystem (subsys.h) ---- */

struct dpi_subsys {
	struct subsys_env *env;
	struct dpi *d;			/* NULL while it does not run */
	char error[ZTOS_ERR_MSG];	/* why the last start or change failed, "" */
};

static int init(void *priv, struct subsys_env *env)
{
	struct dpi_subsys *p = priv;

	p->env = env;
	return 0;
}

static void fini(void *priv)
{
	struct dpi_subsys *p = priv;

	dpi_stop(p->d);
}

/*
 * The rules are read and compiled aside (the txn; NULL when cfg does not want DPI): a
 * rule file with errors refuses cfg, in a dry run too.
 */
static int prepare(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		   void **txn, struct ztos_err *e)
{
	struct dpi_subsys *p = priv;

	return dpi_wanted(cfg) ? dpi_prepare(p->d, cfg, (struct dpi_prepared **)txn, e) : 0;
}

/*
 * Once cfg is in force and the datapath in place: start, swap rules and knobs, or stop.
 * A failure here (no AF_XDP socket, say) is reported in status and the event log; the
 * config stands.
 */
static void commit(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		   void *txn)
{
	struct dpi_subsys *p = priv;
	struct ztos_err e = { 0 };

	if (dpi_apply(&p->d, p->env->datapath, cfg, txn, &e)) {
		snprintf(e.where, sizeof(e.where), "dpi");
		snprintf(p->error, sizeof(p->error), "%s", e.msg);
		subsys_report_error("dpi", "start", &e);
	} else {
		p->error[0] = '\0';
	}
}

static void discard(void *priv, void *txn)
{
	dpi_prepared_free(txn);
}

static void status(void *priv, const struct ztos_config *cfg, struct subsys_status *st)
{
	struct dpi_subsys *p = priv;

	if (p->d) {
		running(p->d, st);
	} else if (p->error[0]) {
		st->state = SUBSYS_ERROR;
		snprintf(st->reason, sizeof(st->reason), "%s", p->error);
	} else if (cfg->has_dpi && !cfg->dpi.enabled) {
		st->state = SUBSYS_DISABLED;
	} else if (cfg->has_dpi) {
		st->state = SUBSYS_NOT_LOADED;
		snprintf(st->reason, sizeof(st->reason), "DPI reads what the datapath mirrors: "
			 "configure tenants (or an underlay) too");
	}
}

static void metrics(void *priv, const struct ztos_config *cfg, cJSON *families)
{
	struct dpi_subsys *p = priv;

	if (p->d)
		dpi_metrics(p->d, families);
}

struct dpi *dpi_of(void *priv)
{
	return priv ? ((struct dpi_subsys *)priv)->d : NULL;
}

const struct subsys_ops dpi_subsys = {
	.name = "dpi",
	.priv_size = sizeof(struct dpi_subsys),
	.init = init,
	.fini = fini,
	.prepare = prepare,
	.commit = commit,
	.discard = discard,
	.status = status,
	.metrics = metrics,
};
