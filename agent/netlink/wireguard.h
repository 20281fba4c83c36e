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

struct wg_txn;

/*
 * Bring the kernel to cfg's wireguard: section; old is the config running now (NULL at
 * start: adopt what is there). A failed step undoes the earlier ones and adds an error
 * naming the object, the step and the kernel's reason to errs (where "wireguard").
 * On success *txn (NULL when nothing was to do) can still undo the change, until
 * wg_txn_free(): the caller undoes it when a later step of the same change fails.
 */
int wg_update(const struct ztos_config *old, const struct ztos_config *cfg, struct wg_txn **txn,
	      struct cfg_errors *errs);
void wg_txn_undo(struct wg_txn *txn);	/* undoes and frees; NULL is fine */
void wg_txn_free(struct wg_txn *txn);

/* Keep it there: restart a wireguard-go that died, put back what was changed behind us. */
void wg_supervise(const struct ztos_config *cfg);

/* Add the live state to the API's wireguard object (peers by public key). Never keys. */
void wg_status(const struct ztos_config *cfg, cJSON *o);
/* The subsystem's line in GET /api/v1/status: state (running | error), reason, implementation. */
cJSON *wg_state(const struct ztos_config *cfg);
void wg_metrics(const struct ztos_config *cfg, cJSON *list);

/* ztosd --cleanup: stop wireguard-go, delete the device ztos made; prints what it did. */
void wg_cleanup(const struct ztos_config *cfg);

#endif
