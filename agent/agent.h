/* SPDX-License-Identifier: GPL-2.0-only */
/* The agent's state, shared by the main loop and the API threads. */
#ifndef ZTOS_AGENT_H
#define ZTOS_AGENT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config/config.h"
#include "subsys.h"

/* ZTOS_VERSION comes from common.mk, shared with the CLI. */

struct api;

struct agent_metrics {
	atomic_uint_fast64_t requests[6];	/* by status class: 1xx..5xx, [0] other */
	atomic_uint_fast64_t auth_failures;
	atomic_uint_fast64_t reloads_ok, reloads_failed;
	atomic_uint_fast64_t configures_ok, configures_failed;
};

/* One entry of the subsystem table, as the core keeps it (agent.c). */
struct subsys_slot {
	const struct subsys_ops *ops;
	void *priv;
	void *txn;			/* during a change */
	bool start_failed;		/* its start was refused: nothing of it runs */
	struct ztos_err err;		/* its last refusal (code 0: none since) */
	atomic_uint_fast64_t refusals;
};

/*
 * One generation of the desired state, counted: an API thread that holds one reads it
 * without the agent's lock, however many changes come meanwhile (agent_snapshot()).
 */
struct agent_snapshot {
	atomic_uint refs;
	struct ztos_config *cfg;
	struct cfg_node *tree;
	uint64_t generation;
	int64_t loaded_us;
};

struct agent {
	const char *config_path;
	char *config_dir;

	/*
	 * The desired state. Readers (API threads) hold the read lock while they look
	 * at cfg or ask a subsystem; a reload or a configure builds the new config aside and
	 * swaps it in under the write lock, so nobody sees half a config.
	 */
	pthread_rwlock_t lock;
	struct agent_snapshot *cur;	/* holds cfg and tree; these are its fields, for short */
	struct ztos_config *cfg;
	struct cfg_node *tree;	/* the file's tree with the API's patches merged in */
	uint64_t generation;
	int64_t config_loaded_us;
	pthread_mutex_t configure_lock;	/* one configure, reload or tick at a time */

	int64_t started_us;
	struct api *api;
	struct subsys_env env;		/* what the subsystems share (kernel support, ...) */
	struct subsys_slot *subs;	/* subsys_table[], in its order */
	unsigned int n_subs;
	uint64_t ticks;
	struct agent_metrics metrics;
};

/* ---- the core (agent.c): loops over the subsystem table ---- */

/* The first desired state (taken): generation 1. */
void agent_set_config(struct agent *a, struct ztos_config *cfg, struct cfg_node *tree);
/* The desired state in force, held until agent_snapshot_put(); never NULL once running. */
struct agent_snapshot *agent_snapshot(struct agent *a);
void agent_snapshot_put(struct agent_snapshot *s);

/* Probe the kernel once, then give every subsystem its private state. */
int agent_init_subsystems(struct agent *a);
/* Bring every subsystem from nothing to a->cfg; one that refuses says why and the rest go
 * on (the agent runs to report it). */
void agent_start_subsystems(struct agent *a);
/* Handles closed in reverse order; what is in the kernel stays for the next agent. */
void agent_stop_subsystems(struct agent *a);

/*
 * Replace the desired state: validate patch merged into the current tree, or (patch
 * NULL) a fresh load of the config file. On success *changes lists the difference
 * (a JSON array). With dry_run nothing is applied. Returns 0, -EINVAL with errs filled,
 * -EIO when a subsystem refused it (errs names it; what went before is undone), -EBUSY
 * when another change is in flight, or -errno.
 */
int agent_update(struct agent *a, const struct cfg_node *patch, bool dry_run, cJSON **changes,
		 struct cfg_errors *errs);

/* Once a second (the event loop's timer). */
void agent_tick(struct agent *a);
/* The subsystems' event descriptors (fds[i] -1: none), and the one that is readable. */
void agent_event_fds(struct agent *a, int *fds, unsigned int n);
void agent_on_events(struct agent *a, int fd);

/* The "subsystems" object of /api/v1/status and the agent's health. */
cJSON *agent_subsystems(struct agent *a, enum agent_health *health);
/* One subsystem's line of it, or NULL for an entry not in the table. */
cJSON *agent_subsystem(struct agent *a, const struct subsys_ops *ops);
/* Every subsystem's metric families (read lock held). */
void agent_subsystem_metrics(struct agent *a, cJSON *families);
/* ztosd --cleanup: every subsystem's cleanup, last applied first. */
void agent_cleanup_subsystems(const struct ztos_config *cfg);
/* An entry's private state (ops: its table entry), or NULL. */
void *agent_subsys(struct agent *a, const struct subsys_ops *ops);

/* The metrics model (report/metrics.h) of the agent and its subsystems. */
cJSON *metrics_collect(struct agent *a);

/* ---- what the API asks of the subsystems (facade.c): each takes the lock it needs ---- */

struct flow_filter;
struct alert_filter;
/* The generation of the desired state in force. */
uint64_t agent_generation(struct agent *a);
/* A page of the flow table, or {"datapath": its status line} while no datapath runs;
 * NULL when memory ran out. */
cJSON *agent_flows(struct agent *a, const struct flow_filter *f);
/* Recent DPI alerts, or {"dpi": its status line} while DPI does not run. */
cJSON *agent_alerts(struct agent *a, const struct alert_filter *f);
/* What the kernel has of the overlay, per tenant, with the overlay's state. */
cJSON *agent_overlay(struct agent *a);
/* WireGuard's live state added to o (the API's view of the config's wireguard: section). */
void agent_wireguard(struct agent *a, cJSON *o);
/* MACsec: the config, the kernel's SecY, SAs and counters; and whether the SAs in force
 * came from a rotation over the API rather than the config file. */
cJSON *agent_macsec(struct agent *a);
bool agent_macsec_rotated(struct agent *a);
/*
 * The bgp object of /api/v1/network: the config and what FRR says now (peers, VNIs
 * with their remote VTEPs and origin, MACs); {"configured": false} without a bgp:.
 */
cJSON *agent_bgp(struct agent *a);
/* What XDP allows for vni, read from its map: [{address, origin}], or NULL (no datapath). */
cJSON *agent_allowlist(struct agent *a, uint32_t vni);
/* What the kernel supports (probed at start), a copy. */
cJSON *agent_kernel_support(struct agent *a);
/*
 * A MACsec key rotation: rotation is the new SAs, as the macsec: section spells them
 * ({tx_sa}, {peers: [{mac, rx_sa}]}), merged into the desired state and applied as any
 * change (agent_update()); the agent then says the SAs in force are not the file's.
 */
int agent_rotate_macsec(struct agent *a, const struct cfg_node *rotation, cJSON **changes,
			struct cfg_errors *errs);

#endif
