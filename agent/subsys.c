// SPDX-License-Identifier: GPL-2.0-only
/* The names of the subsystem states, and what every subsystem shares (subsys.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "report/eventlog.h"
#include "report/log.h"
#include "subsys.h"

static const char *const state_names[SUBSYS_N_STATES] = {
	[SUBSYS_NOT_CONFIGURED] = "not configured",
	[SUBSYS_DISABLED] = "disabled",
	[SUBSYS_NOT_LOADED] = "not loaded",
	[SUBSYS_NOT_SUPPORTED] = "not supported",
	[SUBSYS_RUNNING] = "running",
	[SUBSYS_DEGRADED] = "degraded",
	[SUBSYS_ERROR] = "error",
};

static const char *const health_names[] = {
	[HEALTH_OK] = "ok",
	[HEALTH_DEGRADED] = "degraded",
	[HEALTH_ERROR] = "error",
};

const char *subsys_state_name(enum subsys_state s)
{
	return s < SUBSYS_N_STATES ? state_names[s] : "unknown";
}

int subsys_state_parse(const char *name, enum subsys_state *out)
{
	for (int s = 0; s < SUBSYS_N_STATES; s++) {
		if (!strcmp(name, state_names[s])) {
			*out = (enum subsys_state)s;
			return 0;
		}
	}
	return -EINVAL;
}

const char *agent_health_name(enum agent_health h)
{
	return h <= HEALTH_ERROR ? health_names[h] : "unknown";
}

enum agent_health subsys_state_health(enum subsys_state s)
{
	switch (s) {
	case SUBSYS_ERROR:
		return HEALTH_ERROR;
	case SUBSYS_NOT_LOADED:
	case SUBSYS_NOT_SUPPORTED:
	case SUBSYS_DEGRADED:
		return HEALTH_DEGRADED;
	default:
		return HEALTH_OK;
	}
}

cJSON *subsys_status_json(struct subsys_status *st)
{
	cJSON *o = cJSON_CreateObject(), *f;

	cJSON_AddStringToObject(o, "state", subsys_state_name(st->state));
	if (st->reason[0])
		cJSON_AddStringToObject(o, "reason", st->reason);
	while (st->detail && (f = st->detail->child)) {
		cJSON_DetachItemViaPointer(st->detail, f);
		if (cJSON_HasObjectItem(o, f->string))
			cJSON_Delete(f);
		else
			cJSON_AddItemToObject(o, f->string, f);
	}
	cJSON_Delete(st->detail);
	st->detail = NULL;
	return o;
}

void subsys_report_error(const char *name, const char *action, const struct ztos_err *e)
{
	cJSON *body = cJSON_CreateObject();

	pr_warn("%s", e->msg);
	cJSON_AddStringToObject(body, "action", action);
	cJSON_AddStringToObject(body, "result", "error");
	cJSON_AddStringToObject(body, "error", e->msg);
	if (e->extack[0])
		cJSON_AddStringToObject(body, "kernel", e->extack);
	event_emit(name, 0, NULL, body);
}

