/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The tenant overlay in the kernel: per tenant a VXLAN device (ztvx<vni>) in a bridge
 * (ztbr<vni>) with the tenant's interfaces, head-end replication FDB entries to its
 * VTEPs, and optionally a VRF (ztvrf<table>) holding the bridge. Every device ztos
 * makes carries the alias "ztos:tenant=<name>"; only such devices are ever changed or
 * deleted, and a device with one of these names but without the mark stops an apply.
 */
#ifndef ZTOS_OVERLAY_H
#define ZTOS_OVERLAY_H

#include <cjson/cJSON.h>

#include "config/config.h"
#include "subsys.h"

/* The subsystem's own state (the priv of its table entry). */
struct overlay;

/*
 * Reconcile the kernel with cfg: read the links and FDB, change only the difference.
 * A transaction: when a step fails, the steps before it are undone, and e names the
 * object, the step and the kernel's reason. old (may be NULL) is the config that was
 * applied before. Returns 0, -EIO when the kernel refused, or -errno.
 */
int overlay_apply(struct overlay *ov, const struct ztos_config *old, const struct ztos_config *cfg,
		  struct ztos_err *e);

/* What the kernel has, per tenant of cfg: devices, bridge ports, FDB entries, VRF; and
 * the subsystem's state. */
cJSON *overlay_state(struct overlay *ov, const struct ztos_config *cfg);

/*
 * Its entry in the subsystem table. Every 5 s its tick lets tenant interfaces that were
 * missing at the last apply join their bridge; --cleanup deletes every device ztos made
 * in this network namespace.
 */
extern const struct subsys_ops overlay_subsys;

#endif
