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

/* ZTOS_VERSION comes from common.mk, shared with the CLI. */

struct api;
struct datapath;
struct macsec;
struct dpi;
struct frr;

struct agent_metrics {
	atomic_uint_fast64_t requests[6];	/* by status class: 1xx..5xx, [0] other */
	atomic_uint_fast64_t auth_failures;
	atomic_uint_fast64_t reloads_ok, reloads_failed;
	atomic_uint_fast64_t configures_ok, configures_failed;
};

struct agent {
	const char *config_path;
	char *config_dir;

	/*
	 * The desired state. Readers (API threads) hold the read lock while they look
	 * at cfg; a reload or a configure builds the new config aside and swaps it in
	 * under the write lock, so nobody sees half a config.
	 */
	pthread_rwlock_t lock;
	struct ztos_config *cfg;
	struct cfg_node *tree;	/* the file's tree with the API's patches merged in */
	uint64_t generation;
	int64_t config_loaded_us;
	pthread_mutex_t configure_lock;	/* one configure or reload at a time */

	int64_t started_us;
	struct api *api;
	/* NULL while the config wants no datapath, or when it failed (dp_error says why) */
	struct datapath *dp;
	char dp_error[512];
	/* NULL while DPI is not wanted, or when it failed (dpi_error says why) */
	struct dpi *dpi;
	char dpi_error[1024];
	cJSON *kernel;		/* what the kernel supports, probed once at start */
	struct macsec *macsec;	/* the MACsec link kept (agent/netlink/macsec.h) */
	struct frr *frr;	/* BGP EVPN through FRR (agent/frr/frr.h) */
	struct agent_metrics metrics;
};

/*
 * Replace the desired state: validate patch merged into the current tree, or (patch
 * NULL) a fresh load of the config file. On success *changes lists the difference
 * (a JSON array). With dry_run nothing is applied. Returns 0, -EINVAL with errs filled,
 * -EBUSY when another change is in flight, or -errno.
 */
int agent_update(struct agent *a, const struct cfg_node *patch, bool dry_run, cJSON **changes,
		 struct cfg_errors *errs);

/* Subsystems: what the agent knows of each. */
cJSON *agent_subsystems(struct agent *a);
cJSON *agent_subsystem_state(const char *state, const char *reason);
/* Call with a->lock held for reading. */
cJSON *agent_datapath_state(struct agent *a);
cJSON *agent_dpi_state(struct agent *a);
extern const char *const not_built_reason;

cJSON *metrics_collect(struct agent *a);
char *metrics_prometheus(const cJSON *metrics);

#endif
