/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * WireGuard between hosts: the device of the config's wireguard: section, in the kernel
 * (generic netlink family "wireguard") or, where the kernel has none, in wireguard-go
 * (its UAPI socket). Reconciled, not rebuilt: the device is read back, compared with the
 * config, and only the difference is changed, so peers that stay keep their sessions.
 */
#ifndef ZTOS_WIREGUARD_H
#define ZTOS_WIREGUARD_H

#include <cjson/cJSON.h>

#include "config/config.h"
#include "subsys.h"

struct wg_txn;
/* The subsystem's own state (the priv of its table entry). */
struct wireguard;

/*
 * Bring the kernel to cfg's wireguard: section; old is the config running now (NULL at
 * start: adopt what is there). A failed step undoes the earlier ones and fills e (where
 * "wireguard") naming the object, the step and the kernel's reason.
 * On success *txn (NULL when nothing was to do) can still undo the change, until
 * wg_txn_free(): the caller undoes it when a later step of the same change fails.
 */
int wg_update(struct wireguard *w, const struct ztos_config *old, const struct ztos_config *cfg,
	      struct wg_txn **txn, struct ztos_err *e);
void wg_txn_undo(struct wg_txn *txn);	/* undoes and frees; NULL is fine */
void wg_txn_free(struct wg_txn *txn);
/* Add the live state to the API's wireguard object (peers by public key). Never keys. */
void wg_status(struct wireguard *w, const struct ztos_config *cfg, cJSON *o);
void wg_metrics(const struct ztos_config *cfg, cJSON *list);

/*
 * Its entry in the subsystem table. Every 5 s its tick restarts a wireguard-go that
 * died and puts back what was changed behind its back; --cleanup stops wireguard-go and
 * deletes the devices ztos made.
 */
extern const struct subsys_ops wireguard_subsys;

#endif
