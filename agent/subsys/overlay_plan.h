/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the overlay subsystem: the plan of a reconcile (overlay_plan.c) and what runs it
 * (overlay.c). A plan is a list of steps, each with what undoes it, in phases so that a
 * later step can name the links an earlier one made by their ifindex.
 */
#ifndef ZTOS_SUBSYS_OVERLAY_PLAN_H
#define ZTOS_SUBSYS_OVERLAY_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config/config.h"
#include "kernel/vxlan.h"

enum step_op { ST_CREATE, ST_DELETE, ST_SET, ST_FDB_ADD, ST_FDB_DEL, ST_ADDR_ADD, ST_ADDR_DEL };

struct step {
	enum step_op op;
	unsigned int what;	/* ST_SET: OVL_SET_* */
	struct ovl_dev dev;	/* CREATE: as wanted; DELETE: as it was; SET: the new values */
	struct ovl_dev old;	/* SET: the values before */
	struct ztos_addr addr;	/* FDB: the remote VTEP */
	struct ztos_cidr cidr;	/* ADDR: a gateway address of the bridge dev.name */
	char tenant[ZTOS_NAME_MAX + 1];
	bool done;		/* the kernel did it (or began to): undo it on failure */
	bool failed;
};

struct plan {
	struct step *v;
	size_t n, cap;
};

enum phase { PH_RECREATE, PH_VRF, PH_BRIDGE, PH_VXLAN, PH_PORTS, PH_FDB, PH_RELEASE, PH_STALE,
	     PH_N };

/*
 * The head-end FDB entries ztos wrote (the config's static VTEPs). zebra writes the same
 * form for the VTEPs EVPN learns, and nothing in the kernel tells them apart: with bgp:
 * configured, an entry the config does not want is deleted only if it is one of these.
 */
struct ovl_owned {
	struct ovl_owned_fdb {
		uint32_t vni;
		struct ztos_addr addr;
	} *v;
	size_t n;
};

bool ovl_owned_has(const struct ovl_owned *o, uint32_t vni, const struct ztos_addr *a);

struct planner {
	const struct ovl_owned *owned;	/* NULL: none recorded */
	/* whether EVPN announces a VTEP too (subsys_env.evpn_announces), NULL: no one says */
	bool (*evpn_announces)(void *ctx, uint32_t vni, const struct ztos_addr *vtep);
	void *evpn_ctx;
	const cJSON *kernel;	/* the kernel\'s support (VRF): subsys_env.kernel */
	const struct ztos_config *cfg, *old;
	struct ovl_kernel *k;
	struct plan ph[PH_N];
	struct cfg_errors *errs;
	bool *keep;		/* per link of k: wanted (our device, or a tenant's port) */
	char (*missing)[IF_NAMESIZE];	/* tenant interfaces not (yet) in the kernel */
	size_t n_missing;
	struct ztnl *nl;	/* FDB entries are read as the plan needs them */
	bool full;		/* every link and FDB entry read; else what changed */
	bool *changed;		/* !full: per tenant of cfg, whether it is planned at all */
	bool vrf_ok;
	const char *vrf_reason;
	bool fwd_default;	/* IPv4 forwarding of a new device (conf/default/forwarding) */
	uint32_t mtu;
	int err;
};

/* The MAC of a tenant bridge with gateways, the same on every host: 02:7a:74 + the VNI. */
void ovl_gateway_mac(uint32_t vni, uint8_t mac[6]);

/*
 * The steps from pl->k to pl->cfg (pl->old: the config applied before, or NULL). Config
 * problems (a device of ours in name only, an interface that is ztos's own) go to
 * pl->errs; tenant interfaces that are not there yet to pl->missing. 0 or -errno.
 * The caller frees pl->keep, pl->missing, the phases and out->v.
 */
int ovl_plan_build(struct planner *pl, struct plan *out);
struct step *ovl_plan_add(struct plan *p, enum step_op op, const char *tenant);
/* Link names an incremental apply reads. */
struct names {
	char (*v)[IF_NAMESIZE];
	size_t n;
};
/*
 * Which tenants of pl->cfg changed from pl->old (pl->changed) and the links to read for
 * them (nm): 0, 1 when so much changed that a whole read is cheaper, or -errno.
 */
int ovl_incremental_scope(struct planner *pl, struct names *nm);
/* The underlay differs, so every tenant's devices may: a whole apply. */
bool ovl_underlay_changed(const struct ztos_config *a, const struct ztos_config *b);

/* Whether the kernel has VRFs (kernel: kernel_support()), and *reason when not. */
bool ovl_vrf_supported(const cJSON *kernel, const char **reason);

#endif
