// SPDX-License-Identifier: GPL-2.0-only
/*
 * GET /api/v1/flows, and the cache that lets 256 clients poll it at once.
 *
 * A page of the flow table costs a read of the whole table (the entry count and the page
 * come from one read: 35-65 ms at 100,000 flows) and its rendering. So a page rendered is
 * kept, per query, for every client that asks the same within FLOWS_FRESH_MS; after that
 * the next asker wakes the renderer and, while it renders, the old page is still given out
 * until it is FLOWS_MAX_AGE_MS old; older than that, askers wait for the new one. The
 * renderer is a thread of its own, so no HTTP worker ever stops serving to read the table.
 * Every answer says how old its data is (X-Ztos-Cache-Age-Ms: since the table read began).
 * The text is shared by the connections sending it (one copy, whatever the clients).
 * The root-only unix socket (the CLI, scripts that read right after a change) is answered
 * from the table as it is, never from the cache: its clients are few and local.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "report/log.h"
#include "subsys/datapath.h"
#include "subsys/dpmap.h"
#include "subsys/flowpage.h"

#define FLOWS_FRESH_MS 250
#define FLOWS_MAX_AGE_MS 1000
#define FLOWS_SLOTS 16
#define FLOWS_LIMIT_DEFAULT 100
#define FLOWS_LIMIT_MAX 100000
#define TENANT_KEY_MAX 64	/* a longer tenant filter is answered without the cache */

/* A rendered page, shared by the connections sending it. */
struct flows_text {
	atomic_uint refs;
	size_t len;
	char *s;
};

/* A query as the cache tells queries apart: compared as bytes, so zeroed before it is filled. */
struct flows_query {
	char tenant[TENANT_KEY_MAX + 1];
	bool has_tenant, has_after;
	uint32_t vni;
	int verdict;
	unsigned int limit;
	struct ztos_flow_key after;
};

struct slot {
	struct flows_query q;
	bool used;
	bool wanted;		/* the renderer is asked to render it */
	bool rendering;
	struct flows_text *text;	/* NULL until first rendered */
	uint64_t read_ns;	/* when the read behind text began */
	uint64_t asked_ns;	/* the last ask: the slot asked least recently is reused */
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t work, done;
	struct slot slots[FLOWS_SLOTS];
	struct agent *agent;
	pthread_t thread;
	bool running, quit;
} fc = { .lock = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER,
	 .done = PTHREAD_COND_INITIALIZER };

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void text_unref(void *cls)
{
	struct flows_text *t = cls;

	if (t && atomic_fetch_sub(&t->refs, 1) == 1) {
		free(t->s);
		free(t);
	}
}

static struct flows_text *text_ref(struct flows_text *t)
{
	atomic_fetch_add(&t->refs, 1);
	return t;
}

/* What q asks of the flow table; tenant: the name asked for (q keeps only short ones). */
static struct flow_filter filter_of(const struct flows_query *q, const char *tenant)
{
	return (struct flow_filter){ .tenant = tenant, .vni = q->vni, .verdict = q->verdict,
				     .limit = q->limit, .after = q->has_after ? &q->after : NULL };
}

/* The page f asks for as JSON text and a newline, or NULL when memory ran out. */
static struct flows_text *render(struct agent *a, const struct flow_filter *f)
{
	struct flows_text *t = calloc(1, sizeof(*t));
	cJSON *o = t ? agent_flows(a, f) : NULL;
	char *s = o ? cJSON_PrintUnformatted(o) : NULL, *nl;

	cJSON_Delete(o);
	if (!s) {
		free(t);
		return NULL;
	}
	t->len = strlen(s);
	nl = realloc(s, t->len + 2);
	if (nl) {
		s = nl;
		s[t->len++] = '\n';
		s[t->len] = '\0';
	}
	t->s = s;
	atomic_init(&t->refs, 1);
	return t;
}

static struct slot *wanted_slot(void)
{
	for (int i = 0; i < FLOWS_SLOTS; i++)
		if (fc.slots[i].used && fc.slots[i].wanted && !fc.slots[i].rendering)
			return &fc.slots[i];
	return NULL;
}

/* The renderer: one slot at a time, outside the lock (the HTTP workers serve meanwhile). */
static void *renderer(void *arg)
{
	pthread_mutex_lock(&fc.lock);
	while (!fc.quit) {
		struct slot *s = wanted_slot();
		struct flows_query q;
		struct flow_filter f;
		struct flows_text *t;
		uint64_t at;

		if (!s) {
			pthread_cond_wait(&fc.work, &fc.lock);
			continue;
		}
		s->rendering = true;
		q = s->q;
		pthread_mutex_unlock(&fc.lock);
		f = filter_of(&q, q.has_tenant ? q.tenant : NULL);
		at = now_ns();
		t = render(fc.agent, &f);
		pthread_mutex_lock(&fc.lock);
		s->rendering = false;
		s->wanted = false;
		if (t) {
			text_unref(s->text);
			s->text = t;
			s->read_ns = at;
		} else {
			pr_warn("api: flows: out of memory rendering a page");
		}
		pthread_cond_broadcast(&fc.done);
	}
	pthread_mutex_unlock(&fc.lock);
	return NULL;
}

/* q's slot, or a slot taken for it: an unused one, else the one asked least recently that
 * the renderer is not busy with; NULL when every slot is busy. Under fc.lock. */
static struct slot *slot_for(const struct flows_query *q)
{
	struct slot *victim = NULL;

	for (int i = 0; i < FLOWS_SLOTS; i++) {
		struct slot *s = &fc.slots[i];

		if (s->used && !memcmp(&s->q, q, sizeof(*q)))
			return s;
		if (s->rendering || s->wanted)
			continue;
		if (!victim || !s->used || (victim->used && s->asked_ns < victim->asked_ns))
			victim = s;
	}
	if (!victim)
		return NULL;
	text_unref(victim->text);
	*victim = (struct slot){ .used = true };
	memcpy(&victim->q, q, sizeof(*q));	/* with its padding: slots are told apart by memcmp */
	return victim;
}

/*
 * The page of q, a reference for the caller, and how old its data is; rendered here
 * when the cache cannot take q (NULL: out of memory).
 */
static struct flows_text *flows_page(struct agent *a, const struct flows_query *q,
				     uint64_t *age_ms)
{
	struct flows_text *t = NULL;
	struct slot *s;

	pthread_mutex_lock(&fc.lock);
	while (fc.running && (s = slot_for(q))) {
		uint64_t now = now_ns(), age = s->text ? (now - s->read_ns) / 1000000 : UINT64_MAX;

		s->asked_ns = now;
		if (age >= FLOWS_FRESH_MS && !s->wanted) {
			s->wanted = true;
			pthread_cond_signal(&fc.work);
		}
		if (age < FLOWS_MAX_AGE_MS) {
			t = text_ref(s->text);
			*age_ms = age;
			break;
		}
		pthread_cond_wait(&fc.done, &fc.lock);
	}
	pthread_mutex_unlock(&fc.lock);
	if (!t) {
		struct flow_filter f = filter_of(q, q->has_tenant ? q->tenant : NULL);

		t = render(a, &f);
		*age_ms = 0;
	}
	return t;
}

/* req's query into q; -1 after a 400 naming the parameter. */
static int parse_query(struct api_request *req, struct api_response *resp,
		       struct flows_query *q, bool *cacheable)
{
	const char *tenant = api_query(req, "tenant"), *v = api_query(req, "verdict");
	const char *cur = api_query(req, "cursor");
	unsigned long vni = 0, limit = FLOWS_LIMIT_DEFAULT;

	memset(q, 0, sizeof(*q));
	if (api_query_uint(req, resp, "vni", ZTOS_VNI_MAX, &vni) ||
	    api_query_uint(req, resp, "limit", FLOWS_LIMIT_MAX, &limit))
		return -1;
	q->verdict = -1;
	if (v)
		q->verdict = dpmap_verdict_parse(v);
	if (v && q->verdict <= ZTOS_VERDICT_NONE) {
		api_error(resp, 400, "bad_request",
			  "verdict: '%.40s' is not one of allow, deny, inspect, block", v);
		return -1;
	}
	if (cur && flow_cursor_parse(cur, &q->after)) {
		api_error(resp, 400, "bad_request",
			  "cursor: '%.40s' is not a cursor (%zu hex digits, a page's next_cursor); "
			  "leave it out for the first page", cur, FLOW_CURSOR_LEN);
		return -1;
	}
	q->has_after = cur != NULL;
	q->vni = (uint32_t)vni;
	q->limit = (unsigned int)limit;
	*cacheable = !tenant || strlen(tenant) <= TENANT_KEY_MAX;
	q->has_tenant = tenant != NULL;
	if (tenant && *cacheable)
		strcpy(q->tenant, tenant);
	return 0;
}

void api_flows(struct api_request *req, struct api_response *resp)
{
	struct flows_query q;
	struct flows_text *t;
	bool cacheable;
	uint64_t age = 0;
	char hdr[24];

	if (parse_query(req, resp, &q, &cacheable))
		return;
	if (cacheable && !req->local) {
		t = flows_page(req->agent, &q, &age);
	} else {
		/* The unix socket, or a tenant name longer than any (it matches nothing). */
		struct flow_filter f = filter_of(&q, api_query(req, "tenant"));

		t = render(req->agent, &f);
	}
	if (t)
		resp->raw = MHD_create_response_from_buffer_with_free_callback_cls(t->len, t->s,
										     text_unref, t);
	if (!resp->raw) {
		text_unref(t);
		api_error(resp, 500, "internal", "out of memory rendering the flow table");
		return;
	}
	MHD_add_response_header(resp->raw, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	snprintf(hdr, sizeof(hdr), "%llu", (unsigned long long)age);
	MHD_add_response_header(resp->raw, "X-Ztos-Cache-Age-Ms", hdr);
}

int api_flows_start(struct agent *a)
{
	int err;

	pthread_mutex_lock(&fc.lock);
	fc.agent = a;
	fc.quit = false;
	err = -pthread_create(&fc.thread, NULL, renderer, NULL);
	fc.running = !err;
	pthread_mutex_unlock(&fc.lock);
	if (err)
		pr_warn("api: cannot start the flows renderer: %s", strerror(-err));
	return err;
}

void api_flows_stop(void)
{
	pthread_mutex_lock(&fc.lock);
	if (!fc.running) {
		pthread_mutex_unlock(&fc.lock);
		return;
	}
	fc.quit = true;
	fc.running = false;
	pthread_cond_broadcast(&fc.work);
	pthread_cond_broadcast(&fc.done);
	pthread_mutex_unlock(&fc.lock);
	pthread_join(fc.thread, NULL);
	for (int i = 0; i < FLOWS_SLOTS; i++) {
		text_unref(fc.slots[i].text);
		fc.slots[i] = (struct slot){ 0 };
	}
}
