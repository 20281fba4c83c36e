// SPDX-License-Identifier: GPL-2.0-only
/*
 * Metrics: one model (a JSON list of metric families), rendered as JSON for
 * /api/v1/monitoring/metrics and as Prometheus text for /metrics.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent.h"
#include "datapath.h"
#include "dpi.h"
#include "frr/frr.h"
#include "metrics.h"
#include "netlink/macsec.h"
#include "eventlog.h"
#include "netlink/wireguard.h"

cJSON *metrics_family(cJSON *list, const char *name, const char *type, const char *help)
{
	cJSON *f = cJSON_CreateObject();

	cJSON_AddStringToObject(f, "name", name);
	cJSON_AddStringToObject(f, "type", type);
	cJSON_AddStringToObject(f, "help", help);
	cJSON_AddArrayToObject(f, "samples");
	cJSON_AddItemToArray(list, f);
	return f;
}

void metrics_sample(cJSON *family, double value, const char *label, const char *label_value)
{
	cJSON *s = cJSON_CreateObject();
	cJSON *labels = cJSON_AddObjectToObject(s, "labels");

	if (label)
		cJSON_AddStringToObject(labels, label, label_value);
	cJSON_AddNumberToObject(s, "value", value);
	cJSON_AddItemToArray(cJSON_GetObjectItem(family, "samples"), s);
}

cJSON *metrics_collect(struct agent *a)
{
	static const char *const classes[] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	static const char *const event_types[] = { "agent", "config", "auth", "alert", "flow",
						   "drop", "kernel", "datapath", "macsec", "dpi",
						   "wireguard", "overlay", "bgp" };
	struct agent_metrics *m = &a->metrics;
	cJSON *list = cJSON_CreateArray(), *f;

	f = metrics_family(list, "ztos_build_info", "gauge", "Version of the running ztosd.");
	metrics_sample(f, 1, "version", ZTOS_VERSION);
	f = metrics_family(list, "ztos_uptime_seconds", "gauge", "Seconds since ztosd started.");
	metrics_sample(f, (double)(eventlog_now_us() - a->started_us) / 1e6, NULL, NULL);

	pthread_rwlock_rdlock(&a->lock);
	f = metrics_family(list, "ztos_config_generation", "gauge",
		   "Generation of the desired state: 1 at start, +1 per reload or configure.");
	metrics_sample(f, (double)a->generation, NULL, NULL);
	f = metrics_family(list, "ztos_tenants", "gauge", "Tenants in the desired state.");
	metrics_sample(f, (double)a->cfg->n_tenants, NULL, NULL);
	if (a->dp)
		datapath_metrics(a->dp, a->cfg, list);
	wg_metrics(a->cfg, list);
	if (a->macsec)
		macsec_metrics(a->macsec, a->cfg, list);
	if (a->dpi)
		dpi_metrics(a->dpi, list);
	if (a->frr)
		frr_metrics(a->frr, a->cfg, list);
	pthread_rwlock_unlock(&a->lock);

	f = metrics_family(list, "ztos_config_reloads_total", "counter", "SIGHUP reloads by result.");
	metrics_sample(f, (double)m->reloads_ok, "result", "ok");
	metrics_sample(f, (double)m->reloads_failed, "result", "error");
	f = metrics_family(list, "ztos_config_api_changes_total", "counter",
		   "POST /api/v1/network/configure requests that changed or were refused.");
	metrics_sample(f, (double)m->configures_ok, "result", "ok");
	metrics_sample(f, (double)m->configures_failed, "result", "error");
	f = metrics_family(list, "ztos_api_requests_total", "counter", "API responses by status class.");
	for (int i = 1; i < 6; i++)
		metrics_sample(f, (double)m->requests[i], "code", classes[i]);
	f = metrics_family(list, "ztos_api_auth_failures_total", "counter",
		   "TCP requests refused for a missing or wrong token.");
	metrics_sample(f, (double)m->auth_failures, NULL, NULL);
	f = metrics_family(list, "ztos_events_total", "counter", "Events written, by event_type.");
	for (size_t i = 0; i < sizeof(event_types) / sizeof(event_types[0]); i++)
		metrics_sample(f, (double)eventlog_count(event_types[i]), "event_type", event_types[i]);
	return list;
}

static void append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void append(char **buf, size_t *len, size_t *cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*buf ? *buf + *len : NULL, *buf ? *cap - *len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (*buf && *len + n < *cap) {
			*len += n;
			return;
		}
		size_t ncap = (*cap ? *cap : 4096) * 2 + n;
		char *nb = realloc(*buf, ncap);

		if (!nb)
			return;
		*buf = nb;
		*cap = ncap;
	}
}

/* Prometheus text exposition format 0.0.4. Label values here never need escaping. */
char *metrics_prometheus(const cJSON *metrics)
{
	size_t len = 0, cap = 0;
	char *buf = NULL;
	const cJSON *f, *s, *l;

	cJSON_ArrayForEach(f, metrics) {
		const char *name = cJSON_GetObjectItem(f, "name")->valuestring;

		append(&buf, &len, &cap, "# HELP %s %s\n# TYPE %s %s\n", name,
		       cJSON_GetObjectItem(f, "help")->valuestring, name,
		       cJSON_GetObjectItem(f, "type")->valuestring);
		cJSON_ArrayForEach(s, cJSON_GetObjectItem(f, "samples")) {
			const cJSON *labels = cJSON_GetObjectItem(s, "labels");

			append(&buf, &len, &cap, "%s", name);
			if (labels->child) {
				append(&buf, &len, &cap, "{");
				cJSON_ArrayForEach(l, labels)
					append(&buf, &len, &cap, "%s%s=\"%s\"",
					       l == labels->child ? "" : ",", l->string,
					       l->valuestring);
				append(&buf, &len, &cap, "}");
			}
			append(&buf, &len, &cap, " %.17g\n",
			       cJSON_GetObjectItem(s, "value")->valuedouble);
		}
	}
	return buf;
}
