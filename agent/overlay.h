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

/*
 * Reconcile the kernel with cfg: read the links and FDB, change only the difference.
 * A transaction: when a step fails, the steps before it are undone, and errs gets one
 * error naming the object, the step and the kernel's reason. old (may be NULL) is the
 * config that was applied before. Returns 0, -EIO when the kernel refused, or -errno.
 */
int overlay_apply(const struct ztos_config *old, const struct ztos_config *cfg,
		  struct cfg_errors *errs);

/* Every few seconds: tenant interfaces missing at the last apply that now exist join. */
void overlay_tick(const struct ztos_config *cfg);

/* Delete every device ztos made in this network namespace; prints what it removed. */
int overlay_cleanup(void);

/* The subsystem's state for GET /api/v1/status ("running", "error", ...). */
cJSON *overlay_subsystem(const struct ztos_config *cfg);

/* What the kernel has, per tenant of cfg: devices, bridge ports, FDB entries, VRF. */
cJSON *overlay_state(const struct ztos_config *cfg);

#endif
