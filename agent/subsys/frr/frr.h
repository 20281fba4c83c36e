/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * BGP L2EVPN through FRRouting: the bgp: section (and the tenants) rendered into an
 * frr.conf, applied to an FRR of ztos's own (zebra, bgpd, bfdd started in the agent's
 * network namespace under a pathspace of its own, supervised) or to the host's FRR
 * (only ztos's part of its config is touched); FRR's JSON read back for status and
 * metrics; the remote VTEPs zebra installs (all-zeros FDB entries on a tenant's VXLAN
 * device) followed through netlink events and handed to whoever registered a sink.
 *
 * The calls have the shape of one entry of the agent's subsystem table: wanted,
 * prepare (applies, undoable), commit, undo, tick, status, metrics, cleanup. This
 * header knows the config model only: the datapath is reached through the sink.
 */
#ifndef ZTOS_FRR_H
#define ZTOS_FRR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config/config.h"
#include "subsys.h"

struct frr;
struct frr_txn;

/* A remote VTEP that EVPN taught this host for a VNI. */
struct frr_vtep {
	uint32_t vni;
	struct ztos_addr addr;
};

/*
 * Where learned VTEPs go (the core points it at the datapath's allowlist). learned():
 * one VTEP came or went, called from frr_events()/frr_tick(). sync(): the whole set,
 * after a start, a resync or a config change; entries not in it are no longer learned.
 * The sink decides what a VNI this host does not serve gets: nothing.
 */
struct frr_vtep_sink {
	void (*learned)(void *ctx, const struct frr_vtep *v, bool add);
	void (*sync)(void *ctx, const struct frr_vtep *v, size_t n);
	void *ctx;
};

/* A config with a bgp: section. */
bool frr_wanted(const struct ztos_config *cfg);

/* The pathspace cfg's FRR runs under (agent.frr.pathspace, or made from state_dir). */
const char *frr_pathspace(const struct ztos_config *cfg, char *buf, size_t len);

struct frr *frr_new(const struct frr_vtep_sink *sink);
/* Close handles; the daemons and their sessions stay up (a restarted ztosd adopts them). */
void frr_free(struct frr *f);

/*
 * Bring FRR from old (NULL at start) to cfg: render, validate (vtysh -C), start the
 * daemons when none serve this host, apply the difference (frr-reload.py). A refusal
 * puts FRR's running config back as it was and fills e (where "bgp") with FRR's own
 * words and the line they concern. Returns 0 (*txn for commit or undo; NULL: nothing
 * to do), -EINVAL (invalid), -EIO (FRR refused or failed) or -errno.
 */
int frr_prepare(struct frr *f, const struct ztos_config *old, const struct ztos_config *cfg,
		struct frr_txn **txn, struct ztos_err *e);
/* Keep what prepare applied as the last good config (txn NULL: nothing). */
void frr_commit(struct frr *f, struct frr_txn *txn);
/* Put back the config prepare replaced, stop daemons it started (txn NULL: nothing). */
void frr_undo(struct frr *f, struct frr_txn *txn);

/*
 * A dry run: validate cfg's rendering and append to changes (a JSON array of config
 * changes) one {"op", "object": "frr", "detail", "lines": {"delete", "add"}} with the
 * lines FRR would get. Returns 0, -EIO (FRR refused a line: e says which and why) or
 * -errno.
 */
int frr_dry_run(struct frr *f, const struct ztos_config *old, const struct ztos_config *cfg,
		cJSON *changes, struct ztos_err *e);

/*
 * The learned VTEPs, once cfg (the running config) is in place: a fresh FDB read
 * handed to sink->sync(). Call after a config change is committed.
 */
void frr_resync(struct frr *f, const struct ztos_config *cfg);

/*
 * Whether zebra has vtep as a remote VTEP of vni now (a type-3 route EVPN took): asked
 * of zebra itself (show evpn vni json), as the kernel's one entry for a VTEP that is
 * also static says nothing. False without FRR, or when zebra does not answer.
 */
bool frr_evpn_announces(struct frr *f, uint32_t vni, const struct ztos_addr *vtep);

/* Netlink FDB events and timers, for the agent's epoll loop (-1 while not following). */
int frr_events_fd(struct frr *f);
void frr_events(struct frr *f);

/* Every second: restart daemons that died (counted), let held VTEPs go when due. */
void frr_tick(struct frr *f, const struct ztos_config *cfg);

/* The subsystem's state for GET /api/v1/status: running, degraded (a peer down), ... */
void frr_status(struct frr *f, const struct ztos_config *cfg, struct subsys_status *st);
/*
 * The bgp object of GET /api/v1/network: the config, and what FRR says now: peers
 * (state, uptime, prefixes, last error), VNIs (remote VTEPs with their origin, MACs).
 */
cJSON *frr_network(struct frr *f, const struct ztos_config *cfg);
/* ztos_bgp_peer_up, ztos_bgp_prefixes_received, ztos_evpn_remote_vteps, ... */
void frr_metrics(struct frr *f, const struct ztos_config *cfg, cJSON *families);

/*
 * ztosd --cleanup: stop the daemons ztos started for cfg (by their pid files) and
 * remove their folders; with the host's FRR, take ztos's part out of its config.
 */
int frr_cleanup(const struct ztos_config *cfg);

/*
 * Its entry in the subsystem table ("bgp"): learned VTEPs go to subsys_env.datapath's
 * allowlist (agent/subsys/frr/subsys.c). The frr of the entry's priv, for the API.
 */
extern const struct subsys_ops frr_subsys;
struct frr *frr_of(void *priv);

#endif
