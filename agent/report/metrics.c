// SPDX-License-Identifier: GPL-2.0-only
/*
 * Metrics: one model (a JSON list of metric families), rendered as JSON for
 * /api/v1/monitoring/metrics and as Prometheus text for /metrics.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/metrics.h"

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
