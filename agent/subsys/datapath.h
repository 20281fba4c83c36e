/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The datapath: the XDP and TC programs (bpf/), their maps pinned under agent.bpffs,
 * the config written into them, flows and counters read out of them.
 *
 * Programs stay attached and maps stay pinned when the agent stops: traffic keeps
 * its policy while ztosd restarts, and the next ztosd adopts them (no detach/attach
 * gap, no flush of flows). Only datapath_cleanup() takes them away.
 */
#ifndef ZTOS_DATAPATH_H
#define ZTOS_DATAPATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config/config.h"
#include "subsys.h"

struct datapath;
struct ztos_flow_key;

struct flow_filter {
	const char *tenant;	/* NULL: any */
	uint32_t vni;		/* 0: any */
	int verdict;		/* -1: any, else enum ztos_verdict */
	unsigned int limit;
	const struct ztos_flow_key *after;	/* a page's cursor; NULL: from the first */
};

/* A config that needs the datapath: an underlay or tenants. */
bool datapath_wanted(const struct ztos_config *cfg);

/*
 * Load the programs (reusing pinned maps and links), attach them where cfg says and
 * write cfg's tenants into the maps. On error, e says what failed and why.
 */
int datapath_start(const struct ztos_config *cfg, struct datapath **out, struct ztos_err *e);

/*
 * Bring the maps and attachments from old to cfg. A transaction: on error the maps
 * and attachments are as they were, and e names the object, the step and the reason.
 */
int datapath_apply(struct datapath *dp, const struct ztos_config *old,
		   const struct ztos_config *cfg, struct ztos_err *e);

/*
 * Learned VTEPs (BGP EVPN) beside the config's: each allowlist entry keeps its origin
 * (bpf/ztos_common.h, ZTOS_VTEP_*). A VNI cfg has no tenant for never gets one
 * (-ENOENT, counted). Safe from any thread while dp lives. 0 / -errno.
 */
struct datapath_vtep {
	uint32_t vni;
	struct ztos_addr addr;
};
int datapath_vtep_learned(struct datapath *dp, const struct ztos_config *cfg, uint32_t vni,
			  const struct ztos_addr *vtep, bool add);
/* The learned set as a whole: what is not in v is no longer learned. */
int datapath_vteps_learned_sync(struct datapath *dp, const struct ztos_config *cfg,
				const struct datapath_vtep *v, size_t n);
/* vni's allowlist, as [{"address", "origin": "static" | "evpn" | "static+evpn"}]. */
cJSON *datapath_vteps(struct datapath *dp, uint32_t vni);

/* eve.json's flow_id of a flow key: the same number in flow, drop and alert events. */
struct ztos_flow_key;
uint64_t datapath_flow_id(const struct ztos_flow_key *k);

/* The AF_XDP socket map of the DPI link (-1 without one), for agent/kernel/afxdp.c. */
int datapath_xsks_fd(struct datapath *dp);
/* The ring the mirror copies into (-1 unless dpi.transport is ring), for kernel/mirring.c. */
int datapath_dpi_ring_fd(struct datapath *dp);
/* A datapath counter (ztos_common.h's ZTOS_CNT_*), summed over the CPUs. */
uint64_t datapath_counter(struct datapath *dp, unsigned int id);

/*
 * Active response: verdict BLOCK for the flow of k (a canonical key), so XDP and TC
 * drop the rest of it both ways. Safe from any thread while dp lives. Returns 0, 1
 * when it was blocked already, or -errno.
 */
int datapath_block_flow(struct datapath *dp, const struct ztos_flow_key *k);

/* The ring buffer, for the agent's epoll loop; datapath_poll() turns records into events. */
int datapath_events_fd(struct datapath *dp);
void datapath_poll(struct datapath *dp, const struct ztos_config *cfg);

/*
 * Every few seconds: age idle flows out of the table (each with a "flow" event) and
 * attach tenant interfaces that have appeared since the last apply.
 */
void datapath_tick(struct datapath *dp, const struct ztos_config *cfg);

/* One page of the flow table (subsys/flowpage.h), or NULL when memory ran out. */
cJSON *datapath_flows(struct datapath *dp, const struct ztos_config *cfg,
		      const struct flow_filter *f);
void datapath_metrics(struct datapath *dp, const struct ztos_config *cfg, cJSON *families);

/* Close our handles; what is attached and pinned stays. */
void datapath_stop(struct datapath *dp);

/*
 * Its entry in the subsystem table (priv: see datapath_of()). It publishes the running
 * datapath in subsys_env.datapath; its events fd is the ring buffer; every 5 s its tick
 * ages idle flows and attaches tenant interfaces that appeared; --cleanup detaches and
 * unpins everything ztos put in the kernel for cfg.
 */
extern const struct subsys_ops datapath_subsys;
/* The running datapath of the entry's priv, or NULL. */
struct datapath *datapath_of(void *priv);

#endif
