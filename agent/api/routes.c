// SPDX-License-Identifier: GPL-2.0-only
/* The route table (the contract in ARCHITECTURE.md; agent/openapi.yaml describes it). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "datapath.h"
#include "dpi.h"
#include "eventlog.h"
#include "internal.h"

const struct api_route api_routes[] = {
	{ "GET", "/api/v1/status", api_status },
	{ "POST", "/api/v1/network/configure", api_configure },
	{ "GET", "/api/v1/network", api_network },
	{ "GET", "/api/v1/security/status", api_security },
	{ "POST", "/api/v1/security/macsec/rotate", api_macsec_rotate },
	{ "GET", "/api/v1/flows", api_flows },
	{ "GET", "/api/v1/alerts", api_alerts },
	{ "GET", "/api/v1/monitoring/logs", api_logs },
	{ "GET", "/api/v1/monitoring/metrics", api_metrics_json },
	{ "GET", "/metrics", api_metrics_prometheus },
	{ "GET", "/", api_web },
	{ 0 }
};

void api_list_routes(FILE *f)
{
	for (const struct api_route *rt = api_routes; rt->path; rt++)
		fprintf(f, "%s %s\n", rt->method, rt->path);
}

void api_status(struct api_request *req, struct api_response *resp)
{
	struct agent *a = req->agent;
	char started[48], loaded[48];
	cJSON *o = cJSON_CreateObject(), *c, *subs, *s;
	const char *health = "ok";

	eventlog_timestamp(a->started_us, started, sizeof(started));
	cJSON_AddStringToObject(o, "version", ZTOS_VERSION);
	cJSON_AddNumberToObject(o, "pid", getpid());
	cJSON_AddNumberToObject(o, "uptime_s", (double)((eventlog_now_us() - a->started_us) / 1000000));
	cJSON_AddStringToObject(o, "started", started);

	pthread_rwlock_rdlock(&a->lock);
	eventlog_timestamp(a->config_loaded_us, loaded, sizeof(loaded));
	c = cJSON_AddObjectToObject(o, "config");
	cJSON_AddStringToObject(c, "file", a->config_path);
	cJSON_AddNumberToObject(c, "generation", (double)a->generation);
	cJSON_AddStringToObject(c, "loaded", loaded);
	subs = agent_subsystems(a);
	pthread_rwlock_unlock(&a->lock);

	/* Degraded: something is configured that this agent does not (yet) put in place. */
	cJSON_ArrayForEach(s, subs) {
		const char *st = cJSON_GetObjectItem(s, "state")->valuestring;

		if (!strcmp(st, "error"))
			health = "error";
		else if ((!strcmp(st, "not loaded") || !strcmp(st, "not supported")) &&
			 strcmp(health, "error"))
			health = "degraded";
	}
	cJSON_AddStringToObject(o, "health", health);
	cJSON_AddItemToObject(o, "subsystems", subs);
	resp->json = o;
}

static int parse_uint(struct api_request *req, struct api_response *resp, const char *key,
		      unsigned long max, unsigned long *out)
{
	const char *s = api_query(req, key);
	char *end;

	if (!s)
		return 0;
	*out = strtoul(s, &end, 10);
	if (!*s || *end || *out == 0 || *out > max) {
		api_error(resp, 400, "bad_request", "%s: '%.40s' is not a number in 1..%lu", key, s,
			  max);
		return -1;
	}
	return 0;
}

void api_flows(struct api_request *req, struct api_response *resp)
{
	static const char *const verdicts[] = { "none", "allow", "deny", "inspect", "block" };
	struct agent *a = req->agent;
	struct flow_filter f = { .tenant = api_query(req, "tenant"), .verdict = -1, .limit = 1000 };
	const char *v = api_query(req, "verdict");
	unsigned long vni = 0, limit = 1000;

	if (parse_uint(req, resp, "vni", ZTOS_VNI_MAX, &vni) ||
	    parse_uint(req, resp, "limit", 100000, &limit))
		return;
	for (int i = 1; v && i < 5; i++)
		if (!strcmp(v, verdicts[i]))
			f.verdict = i;
	if (v && f.verdict < 0) {
		api_error(resp, 400, "bad_request",
			  "verdict: '%.40s' is not one of allow, deny, inspect, block", v);
		return;
	}
	f.vni = vni;
	f.limit = limit;
	pthread_rwlock_rdlock(&a->lock);
	if (a->dp) {
		resp->json = datapath_flows(a->dp, a->cfg, &f);
	} else {
		resp->json = cJSON_CreateObject();
		cJSON_AddItemToObject(resp->json, "datapath", agent_datapath_state(a));
	}
	pthread_rwlock_unlock(&a->lock);
}

void api_alerts(struct api_request *req, struct api_response *resp)
{
	struct agent *a = req->agent;
	struct alert_filter f = { .tenant = api_query(req, "tenant"), .limit = 100 };
	unsigned long sid = 0, limit = 100;

	if (parse_uint(req, resp, "sid", UINT32_MAX, &sid) ||
	    parse_uint(req, resp, "limit", 1024, &limit))
		return;
	f.sid = (uint32_t)sid;
	f.limit = (unsigned int)limit;
	pthread_rwlock_rdlock(&a->lock);
	if (a->dpi) {
		resp->json = dpi_alerts(a->dpi, &f);
	} else {
		resp->json = cJSON_CreateObject();
		cJSON_AddItemToObject(resp->json, "dpi", agent_dpi_state(a));
	}
	pthread_rwlock_unlock(&a->lock);
}
