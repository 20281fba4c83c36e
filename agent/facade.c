// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the API asks of the subsystems: one function per question, each taking the lock
 * it needs, so that api/ renders answers and never reaches into the agent's state.
 */
#include <errno.h>
#include <unistd.h>

#include "agent.h"
#include "subsys/datapath.h"
#include "subsys/dpi.h"
#include "subsys/frr/frr.h"
#include "subsys/macsec.h"
#include "subsys/overlay.h"
#include "subsys/wireguard.h"

uint64_t agent_generation(struct agent *a)
{
	uint64_t g;

	pthread_rwlock_rdlock(&a->lock);
	g = a->generation;
	pthread_rwlock_unlock(&a->lock);
	return g;
}

cJSON *agent_flows(struct agent *a, const struct flow_filter *f)
{
	struct datapath *dp;
	cJSON *o = NULL;

	pthread_rwlock_rdlock(&a->lock);
	dp = datapath_of(agent_subsys(a, &datapath_subsys));
	if (dp)
		o = datapath_flows(dp, a->cfg, f);
	pthread_rwlock_unlock(&a->lock);
	if (!dp) {
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "datapath", agent_subsystem(a, &datapath_subsys));
	}
	return o;
}

cJSON *agent_alerts(struct agent *a, const struct alert_filter *f)
{
	struct dpi *d;
	cJSON *o = NULL;

	pthread_rwlock_rdlock(&a->lock);
	d = dpi_of(agent_subsys(a, &dpi_subsys));
	if (d)
		o = dpi_alerts(d, f);
	pthread_rwlock_unlock(&a->lock);
	if (!o) {
		o = cJSON_CreateObject();
		cJSON_AddItemToObject(o, "dpi", agent_subsystem(a, &dpi_subsys));
	}
	return o;
}

/*
 * An agent without that subsystem (one whose table has none, as tests/fuzz/fuzz_http.c
 * runs the API) answers with its status line alone.
 */
cJSON *agent_overlay(struct agent *a)
{
	void *ov = agent_subsys(a, &overlay_subsys);
	cJSON *o;

	if (!ov)
		return agent_subsystem(a, &overlay_subsys) ?: cJSON_CreateObject();
	pthread_rwlock_rdlock(&a->lock);
	o = overlay_state(ov, a->cfg);
	pthread_rwlock_unlock(&a->lock);
	return o;
}

void agent_wireguard(struct agent *a, cJSON *o)
{
	void *w = agent_subsys(a, &wireguard_subsys);

	if (!w)
		return;
	pthread_rwlock_rdlock(&a->lock);
	wg_status(w, a->cfg, o);
	pthread_rwlock_unlock(&a->lock);
}

cJSON *agent_macsec(struct agent *a)
{
	void *ms = agent_subsys(a, &macsec_subsys);
	cJSON *o;

	if (!ms)
		return agent_subsystem(a, &macsec_subsys) ?: cJSON_CreateObject();
	pthread_rwlock_rdlock(&a->lock);
	o = macsec_status(ms, a->cfg);
	pthread_rwlock_unlock(&a->lock);
	return o;
}

bool agent_macsec_rotated(struct agent *a)
{
	void *ms = agent_subsys(a, &macsec_subsys);

	return ms && macsec_rotated(ms);
}

cJSON *agent_kernel_support(struct agent *a)
{
	return cJSON_Duplicate(a->env.kernel, true);
}

int agent_rotate_macsec(struct agent *a, const struct cfg_node *rotation, cJSON **changes,
			struct cfg_errors *errs)
{
	struct cfg_node *patch = cfg_node_wrap("macsec", rotation);
	int err = patch ? -EBUSY : -ENOMEM;

	/* The agent's 1 s tick holds the configure lock for a moment after a rotation. */
	for (int i = 0; err == -EBUSY && i < 10; i++) {
		err = agent_update(a, patch, false, changes, errs);
		if (err == -EBUSY)
			usleep(20000);
	}
	if (!err && agent_subsys(a, &macsec_subsys))
		macsec_mark_rotated(agent_subsys(a, &macsec_subsys));
	cfg_node_free(patch);
	return err;
}

cJSON *agent_bgp(struct agent *a)
{
	cJSON *o;

	pthread_rwlock_rdlock(&a->lock);
	o = frr_network(frr_of(agent_subsys(a, &frr_subsys)), a->cfg);
	pthread_rwlock_unlock(&a->lock);
	return o;
}

cJSON *agent_allowlist(struct agent *a, uint32_t vni)
{
	struct datapath *dp;
	cJSON *o = NULL;

	pthread_rwlock_rdlock(&a->lock);
	dp = datapath_of(agent_subsys(a, &datapath_subsys));
	if (dp)
		o = datapath_vteps(dp, vni);
	pthread_rwlock_unlock(&a->lock);
	return o;
}
