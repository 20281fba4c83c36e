// SPDX-License-Identifier: GPL-2.0-only
/*
 * BGP EVPN's entry in the subsystem table (subsys.h): the FRR subsystem (frr.h) on one
 * side, the datapath's allowlist on the other, through the sink frr.h defines. The
 * datapath is the one in subsys_env (NULL until it runs); the VNIs a learned VTEP may
 * be allowed for are those of the config of the call in progress.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/log.h"
#include "subsys/datapath.h"
#include "subsys/frr/frr.h"

struct frr_subsys {
	struct subsys_env *env;
	struct frr *f;
	const struct ztos_config *cfg;	/* the config the sink checks VNIs against */
};

static void learned(void *ctx, const struct frr_vtep *v, bool add)
{
	struct frr_subsys *p = ctx;
	char buf[INET6_ADDRSTRLEN];

	if (!p->env->datapath || !p->cfg)
		return;
	if (datapath_vtep_learned(p->env->datapath, p->cfg, v->vni, &v->addr, add) == -ENOENT)
		pr_warn("evpn: VTEP %s announced for VNI %u, which no tenant of this host has: "
			"not allowed", ztos_addr_str(&v->addr, buf, sizeof(buf)), v->vni);
}

static void sync_all(void *ctx, const struct frr_vtep *v, size_t n)
{
	struct frr_subsys *p = ctx;
	struct datapath_vtep *d;

	if (!p->env->datapath || !p->cfg)
		return;
	d = calloc(n + 1, sizeof(*d));
	if (!d)
		return;
	for (size_t i = 0; i < n; i++)
		d[i] = (struct datapath_vtep){ .vni = v[i].vni, .addr = v[i].addr };
	if (datapath_vteps_learned_sync(p->env->datapath, p->cfg, d, n))
		pr_warn("evpn: the learned VTEPs did not all reach the allowlist");
	free(d);
}

static bool announces(void *ctx, uint32_t vni, const struct ztos_addr *vtep)
{
	struct frr_subsys *p = ctx;

	return frr_evpn_announces(p->f, vni, vtep);
}

static int init(void *priv, struct subsys_env *env)
{
	struct frr_subsys *p = priv;
	const struct frr_vtep_sink sink = { learned, sync_all, p };

	p->env = env;
	p->f = frr_new(&sink);
	if (!p->f)
		return -ENOMEM;
	env->evpn_announces = announces;
	env->evpn_ctx = p;
	return 0;
}

/* The daemons and their sessions stay up, as the datapath does: a restart adopts them. */
static void fini(void *priv)
{
	struct frr_subsys *p = priv;

	frr_free(p->f);
}

/* Rendered, checked (vtysh -C) and applied as the difference; undone on a later refusal. */
static int apply(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		 void **txn, struct ztos_err *e)
{
	struct frr_subsys *p = priv;

	if (!old && !frr_wanted(cfg))
		return 0;
	return frr_prepare(p->f, old, cfg, (struct frr_txn **)txn, e);
}

static void undo(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		 void *txn)
{
	struct frr_subsys *p = priv;

	frr_undo(p->f, txn);
}

/* The last good config kept; the learned set read again for the tenants now in force. */
static void commit(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		   void *txn)
{
	struct frr_subsys *p = priv;

	frr_commit(p->f, txn);
	p->cfg = cfg;
	if (frr_wanted(cfg) || old)
		frr_resync(p->f, cfg);
}

/* A dry run shows the lines FRR would get, checked by vtysh. */
static int describe(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		    void *txn, cJSON *changes, struct ztos_err *e)
{
	struct frr_subsys *p = priv;

	if (!frr_wanted(cfg) && !(old && frr_wanted(old)))
		return 0;
	return frr_dry_run(p->f, old, cfg, changes, e);
}

/* Every second: daemons that died are started again, held VTEPs let go when due. */
static void tick(void *priv, const struct ztos_config *cfg, uint64_t n)
{
	struct frr_subsys *p = priv;

	p->cfg = cfg;
	frr_tick(p->f, cfg);
}

static int events_fd(void *priv)
{
	struct frr_subsys *p = priv;

	return frr_events_fd(p->f);
}

/* zebra's FDB entries, as netlink tells them: into the allowlist within the event. */
static void on_events(void *priv, const struct ztos_config *cfg)
{
	struct frr_subsys *p = priv;

	p->cfg = cfg;
	frr_events(p->f);
}

static void status(void *priv, const struct ztos_config *cfg, struct subsys_status *st)
{
	struct frr_subsys *p = priv;

	frr_status(p->f, cfg, st);
}

static void metrics(void *priv, const struct ztos_config *cfg, cJSON *families)
{
	struct frr_subsys *p = priv;

	if (frr_wanted(cfg))
		frr_metrics(p->f, cfg, families);
}

struct frr *frr_of(void *priv)
{
	return priv ? ((struct frr_subsys *)priv)->f : NULL;
}

const struct subsys_ops frr_subsys = {
	.name = "bgp",
	.priv_size = sizeof(struct frr_subsys),
	.init = init,
	.fini = fini,
	.apply = apply,
	.undo = undo,
	.commit = commit,
	.describe = describe,
	.tick = tick,
	.events_fd = events_fd,
	.on_events = on_events,
	.status = status,
	.metrics = metrics,
	.cleanup = frr_cleanup,
};
