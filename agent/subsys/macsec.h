/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * MACsec (IEEE 802.1AE) on an underlay link, over netlink only: the link over rtnetlink
 * (kind "macsec", marked as ztos's by its alias), the TX SA and one RX SC per peer with
 * its RX SA over the generic netlink family "macsec".
 *
 * A change is a transaction in two halves: macsec_prepare() adds and changes (new link,
 * new SAs and SCs, settings, the encoding SA), so that traffic never stops; what goes
 * away (old TX SAs, SCs of removed peers, the link itself) waits for macsec_commit(),
 * called once every later step of the agent's update has succeeded. macsec_undo()
 * takes a prepared change back. An RX SA that the config no longer names is retired by
 * macsec_tick() once the SA that replaces it has carried traffic (plus a grace), so a
 * peer that has not switched its TX SA yet keeps getting through.
 *
 * Keys are read from their files when needed, wiped after use, never logged.
 */
#ifndef ZTOS_NETLINK_MACSEC_H
#define ZTOS_NETLINK_MACSEC_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "config/config.h"
#include "subsys.h"

/* What a stale RX SA waits for, after the new SA of its channel has carried traffic. */
#define MACSEC_RETIRE_GRACE_MS 2000
/* ... and at most this long, traffic or not: an old key must not live on forever. */
#define MACSEC_RETIRE_MAX_S 300

struct macsec;
struct macsec_txn;


/*
 * Bring the kernel from old (the config in force; NULL at start, when the kernel's
 * state is adopted as it is) towards cfg. On success *txn (never NULL then) must be
 * given to macsec_commit() or macsec_undo(). On error nothing is left changed and e
 * names the object, the step and the kernel's reason (extended ack included).
 * A kernel without MACsec is no error: status says so and nothing is done.
 */
int macsec_prepare(struct macsec *ms, const struct ztos_config *old,
		   const struct ztos_config *cfg, struct macsec_txn **txn, struct ztos_err *e);
void macsec_commit(struct macsec *ms, struct macsec_txn *txn);
void macsec_undo(struct macsec *ms, struct macsec_txn *txn);

/*
 * Once a second or so: retire the RX SAs that a rotation replaced. Only worth the
 * configure lock while macsec_tick_wanted() (after an apply, until none is left).
 */
bool macsec_tick_wanted(struct macsec *ms);
void macsec_tick(struct macsec *ms, const struct ztos_config *cfg);

/* The "macsec" object of GET /api/v1/security/status: config, kernel state, counters. */
cJSON *macsec_status(struct macsec *ms, const struct ztos_config *cfg);
/* Counter families for /metrics. */
void macsec_metrics(struct macsec *ms, const struct ztos_config *cfg, cJSON *families);

/*
 * A rotation came in over the API (the running SAs are no longer the file's); the
 * status compares the file again from now on.
 */
void macsec_mark_rotated(struct macsec *ms);
bool macsec_rotated(struct macsec *ms);

/* --cleanup: delete cfg's MACsec link if it is ztos's; prints what it removed. */
int macsec_cleanup(const struct ztos_config *cfg);

/* Its entry in the subsystem table: priv is the struct macsec. */
extern const struct subsys_ops macsec_subsys;

#endif
