/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The metrics model: a JSON list of families {name, type, help, samples: [{labels,
 * value}]}, rendered as JSON by the API and as Prometheus text for /metrics.
 */
#ifndef ZTOS_METRICS_H
#define ZTOS_METRICS_H

#include <cjson/cJSON.h>

/* Append a family to list; returns it, for metrics_sample(). */
cJSON *metrics_family(cJSON *list, const char *name, const char *type, const char *help);
/* A sample with one label (label NULL: none). */
void metrics_sample(cJSON *family, double value, const char *label, const char *label_value);

/* Prometheus text exposition format 0.0.4 of a metrics model (malloc'd). */
char *metrics_prometheus(const cJSON *metrics);

#endif
