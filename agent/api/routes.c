// SPDX-License-Identifier: GPL-2.0-only
/* The route table (the contract in docs/ARCHITECTURE.md; agent/openapi.yaml describes it). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "internal.h"
#include "report/eventlog.h"
#include "subsys/datapath.h"
#include "subsys/dpi.h"
#include "subsys/dpmap.h"

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

/* The agent's own lines: its config, its API, its event log. */
static void core_lines(struct agent *a, const struct agent_snapshot *snap, cJSON *s)
{
	const struct ztos_config *c = snap->cfg;
	cJSON *o;

	o = cJSON_AddObjectToObject(s, "config");
	cJSON_AddStringToObject(o, "state", subsys_state_name(SUBSYS_RUNNING));
	cJSON_AddStringToObject(o, "file", a->config_path);
	cJSON_AddNumberToObject(o, "generation", (double)snap->generation);
	o = cJSON_AddObjectToObject(s, "api");
	cJSON_AddStringToObject(o, "state", subsys_state_name(SUBSYS_RUNNING));
	if (c->api.listen && *c->api.listen)
		cJSON_AddStringToObject(o, "listen", c->api.listen);
	if (c->api.socket && *c->api.socket)
		cJSON_AddStringToObject(o, "socket", c->api.socket);
	cJSON_AddBoolToObject(o, "tls", c->api.tls_cert != NULL);
	o = cJSON_AddObjectToObject(s, "event_log");
	cJSON_AddStringToObject(o, "state", subsys_state_name(SUBSYS_RUNNING));
	if (c->log.file)
		cJSON_AddStringToObject(o, "file", c->log.file);
	cJSON_AddBoolToObject(o, "syslog", c->log.syslog);
}

void api_status(struct api_request *req, struct api_response *resp)
{
	struct agent *a = req->agent;
	struct agent_snapshot *snap = agent_snapshot(a);
	char started[48], loaded[48];
	cJSON *o = cJSON_CreateObject(), *c, *subs, *s, *line;
	enum agent_health health;

	eventlog_timestamp(a->started_us, started, sizeof(started));
	cJSON_AddStringToObject(o, "version", ZTOS_VERSION);
	cJSON_AddNumberToObject(o, "pid", getpid());
	cJSON_AddNumberToObject(o, "uptime_s", (double)((eventlog_now_us() - a->started_us) / 1000000));
	cJSON_AddStringToObject(o, "started", started);

	eventlog_timestamp(snap->loaded_us, loaded, sizeof(loaded));
	c = cJSON_AddObjectToObject(o, "config");
	cJSON_AddStringToObject(c, "file", a->config_path);
	cJSON_AddNumberToObject(c, "generation", (double)snap->generation);
	cJSON_AddStringToObject(c, "loaded", loaded);
	s = cJSON_CreateObject();
	core_lines(a, snap, s);
	agent_snapshot_put(snap);
	subs = agent_subsystems(a, &health);
	while ((line = subs->child)) {
		cJSON_DetachItemViaPointer(subs, line);
		cJSON_AddItemToObject(s, line->string, line);
	}
	cJSON_Delete(subs);
	/* Degraded: something is configured that this agent does not (yet) put in place. */
	cJSON_AddStringToObject(o, "health", agent_health_name(health));
	cJSON_AddItemToObject(o, "subsystems", s);
	resp->json = o;
}

void api_alerts(struct api_request *req, struct api_response *resp)
{
	struct agent *a = req->agent;
	struct alert_filter f = { .tenant = api_query(req, "tenant"), .limit = 100 };
	unsigned long sid = 0, limit = 100;

	if (api_query_uint(req, resp, "sid", UINT32_MAX, &sid) ||
	    api_query_uint(req, resp, "limit", 1024, &limit))
		return;
	f.sid = (uint32_t)sid;
	f.limit = (unsigned int)limit;
	resp->json = agent_alerts(a, &f);
}
