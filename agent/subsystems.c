// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the agent knows of each subsystem. A subsystem that this build does not have
 * says so ("not loaded" and why); it never reports state it cannot see.
 */
#include "agent.h"
#include "datapath.h"
#include "dpi.h"
#include "eventlog.h"
#include "frr/frr.h"
#include "netlink/macsec.h"
#include "overlay.h"
#include "netlink/wireguard.h"

const char *const not_built_reason =
	"not built into ztosd " ZTOS_VERSION " yet: its config is validated and kept, "
	"nothing is applied to the kernel";

cJSON *agent_subsystem_state(const char *state, const char *reason)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "state", state);
	if (reason)
		cJSON_AddStringToObject(o, "reason", reason);
	return o;
}

static cJSON *configured_only(bool configured)
{
	return configured ? agent_subsystem_state("not loaded", not_built_reason)
			  : agent_subsystem_state("not configured", NULL);
}

/* Call with a->lock held for reading. */
cJSON *agent_datapath_state(struct agent *a)
{
	if (a->dp)
		return datapath_state(a->dp);
	if (a->dp_error[0])
		return agent_subsystem_state("error", a->dp_error);
	return agent_subsystem_state("not configured", NULL);
}

/* Call with a->lock held for reading. */
cJSON *agent_dpi_state(struct agent *a)
{
	const struct ztos_config *c = a->cfg;

	if (a->dpi)
		return dpi_state(a->dpi);
	if (a->dpi_error[0])
		return agent_subsystem_state("error", a->dpi_error);
	if (c->has_dpi && !c->dpi.enabled)
		return agent_subsystem_state("disabled", NULL);
	if (c->has_dpi)
		return agent_subsystem_state("not loaded", "DPI reads what the datapath mirrors: "
					     "configure tenants (or an underlay) too");
	return agent_subsystem_state("not configured", NULL);
}

/* Call with a->lock held for reading. */
cJSON *agent_subsystems(struct agent *a)
{
	const struct ztos_config *c = a->cfg;
	cJSON *s = cJSON_CreateObject(), *o;

	o = agent_subsystem_state("running", NULL);
	cJSON_AddStringToObject(o, "file", a->config_path);
	cJSON_AddNumberToObject(o, "generation", (double)a->generation);
	cJSON_AddItemToObject(s, "config", o);

	o = agent_subsystem_state("running", NULL);
	if (c->api.listen && *c->api.listen)
		cJSON_AddStringToObject(o, "listen", c->api.listen);
	if (c->api.socket && *c->api.socket)
		cJSON_AddStringToObject(o, "socket", c->api.socket);
	cJSON_AddBoolToObject(o, "tls", c->api.tls_cert != NULL);
	cJSON_AddItemToObject(s, "api", o);

	o = agent_subsystem_state("running", NULL);
	if (c->log.file)
		cJSON_AddStringToObject(o, "file", c->log.file);
	cJSON_AddBoolToObject(o, "syslog", c->log.syslog);
	cJSON_AddItemToObject(s, "event_log", o);

	cJSON_AddItemToObject(s, "datapath", agent_datapath_state(a));
	cJSON_AddItemToObject(s, "overlay", overlay_subsystem(c));
	cJSON_AddItemToObject(s, "wireguard", c->has_wireguard ? wg_state(c)
							       : configured_only(false));
	cJSON_AddItemToObject(s, "macsec", macsec_subsystem(a->macsec, c));
	cJSON_AddItemToObject(s, "bgp", a->frr ? frr_status(a->frr, c) : configured_only(c->has_bgp));
	cJSON_AddItemToObject(s, "dpi", agent_dpi_state(a));
	return s;
}
