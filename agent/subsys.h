/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The subsystem interface. Each part of the agent that puts the config into the kernel
 * (MACsec, WireGuard, the overlay, the datapath, BGP EVPN, DPI) is one table of
 * callbacks, and one entry of subsys_table[] in the order changes are applied. The core
 * (agent/agent.c) is loops over that table:
 *
 *   start     every entry brought from nothing to the config (a refusal leaves that
 *             entry in state error, saying why, and the others go on);
 *   update    prepare every entry (a dry run stops here), apply them in order, undo the
 *             applied ones in reverse when one is refused, else commit them all;
 *   tick      once a second, each entry keeps its part in place (drift, ageing, retiring);
 *   status    one typed line per entry for /api/v1/status, health from the states;
 *   metrics   each entry's families for /metrics;
 *   cleanup   ztosd --cleanup, in reverse order.
 *
 * An entry needs only the callbacks it has a use for; every one may be NULL.
 */
#ifndef ZTOS_SUBSYS_H
#define ZTOS_SUBSYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config/config.h"
#include "err.h"

enum subsys_state {
	SUBSYS_NOT_CONFIGURED,	/* the config has no such section */
	SUBSYS_DISABLED,	/* configured, and switched off (dpi.enabled: false) */
	SUBSYS_NOT_LOADED,	/* configured, but not in place: the reason says why */
	SUBSYS_NOT_SUPPORTED,	/* configured, and the kernel lacks it */
	SUBSYS_RUNNING,
	SUBSYS_DEGRADED,	/* running, and not all of it works (a BGP peer down): the reason says why */
	SUBSYS_ERROR,		/* configured, and putting it in place failed: the reason says why */
	SUBSYS_N_STATES
};

/* "not configured", "disabled", ...: the names the API and the CLI show. */
const char *subsys_state_name(enum subsys_state s);
/* 0, or -EINVAL for a name that is none of them. */
int subsys_state_parse(const char *name, enum subsys_state *out);

/* Running, wholly or degraded: its part is in place. */
static inline bool subsys_state_runs(enum subsys_state s)
{
	return s == SUBSYS_RUNNING || s == SUBSYS_DEGRADED;
}

enum agent_health { HEALTH_OK, HEALTH_DEGRADED, HEALTH_ERROR };

const char *agent_health_name(enum agent_health h);
/* What a subsystem in state s makes of the agent's health: an error is an error; a part
 * that is configured but not (wholly) in place (not loaded, not supported, degraded)
 * degrades it. */
enum agent_health subsys_state_health(enum subsys_state s);

/* A subsystem's line in /api/v1/status. */
struct subsys_status {
	enum subsys_state state;
	char reason[ZTOS_ERR_MSG];	/* "" when there is nothing to say */
	cJSON *detail;			/* further fields of the line (an object), or NULL */
};

/* The line as JSON: {"state": name, "reason"?: ..., detail's fields}; takes st->detail. */
cJSON *subsys_status_json(struct subsys_status *st);

/*
 * A subsystem could not put its part in place (at start, or in a step that does not
 * refuse the config): a warning and one event of event_type name, {action, result:
 * "error", error}. The one place that shape is made.
 */
void subsys_report_error(const char *name, const char *action, const struct ztos_err *e);

struct datapath;

/*
 * What the core lends every subsystem: read it, and write only the fields that say so.
 * Subsystems that need each other meet here, not through each other's headers.
 */
struct subsys_env {
	const cJSON *kernel;		/* kernel support, probed once at start (kernel_support()) */
	struct datapath *datapath;	/* set by the datapath subsystem while it runs, else NULL */
	/*
	 * Set by the bgp subsystem at init: whether EVPN announces vtep for vni right now
	 * (zebra has it as a remote VTEP). The overlay asks before it deletes a flood entry
	 * it wrote for a static VTEP: zebra's entry is the same one, and stays when EVPN
	 * announces it too. NULL: nobody answers (no entry is zebra's).
	 */
	bool (*evpn_announces)(void *ctx, uint32_t vni, const struct ztos_addr *vtep);
	void *evpn_ctx;
};

struct subsys_ops {
	const char *name;	/* its key in /api/v1/status, its event_type, its metrics label */

	/*
	 * Its private state: priv_size zeroed bytes the core allocates and passes to every
	 * call. init sets it up at agent start, before the first change; fini closes its
	 * handles at agent stop (what is in the kernel stays: a restart adopts it).
	 */
	size_t priv_size;
	int (*init)(void *priv, struct subsys_env *env);
	void (*fini)(void *priv);

	/*
	 * A change goes from old (NULL at start: adopt what the kernel has) to cfg; every
	 * call of one change gets the same two, and one txn, the subsystem's own (NULL until
	 * it sets one).
	 *
	 * prepare: read and check what the change needs, compute it, change nothing that
	 *   runs. A dry run stops here (then discard).
	 * apply: make the change in the kernel; on error nothing of it is left there. It may
	 *   set *txn to what an undo or a commit needs.
	 * undo: a later subsystem refused the change: take this apply back, free txn.
	 * commit: every apply succeeded and cfg is in force (the core holds the agent's write
	 *   lock): finish (remove what goes away, swap what runs), free txn. What fails here
	 *   does not refuse cfg: the subsystem reports it in its status.
	 * discard: free a txn that was prepared and not applied.
	 */
	int (*prepare)(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		       void **txn, struct ztos_err *e);
	int (*apply)(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		     void **txn, struct ztos_err *e);
	void (*undo)(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		     void *txn);
	void (*commit)(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		       void *txn);
	void (*discard)(void *priv, void *txn);
	/*
	 * A dry run, after every prepare: what the change would do beyond the config diff,
	 * added to changes (the lines FRR would get); a refusal here refuses the dry run.
	 */
	int (*describe)(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
			void *txn, cJSON *changes, struct ztos_err *e);

	/* Once a second, with the configure lock held (cfg cannot change); n counts ticks. */
	void (*tick)(void *priv, const struct ztos_config *cfg, uint64_t n);
	/* A file descriptor for the event loop (-1: none now), and what to do when it is
	 * readable (also called once a tick, for what a burst left behind). */
	int (*events_fd)(void *priv);
	void (*on_events)(void *priv, const struct ztos_config *cfg);

	/* With the agent's read lock held. */
	void (*status)(void *priv, const struct ztos_config *cfg, struct subsys_status *st);
	void (*metrics)(void *priv, const struct ztos_config *cfg, cJSON *families);

	/* ztosd --cleanup: remove what ztos made for cfg; prints what it removed. */
	int (*cleanup)(const struct ztos_config *cfg);
};

/* The subsystems, in the order a change is applied (cleanup walks it backwards). */
extern const struct subsys_ops *const subsys_table[];
extern const unsigned int subsys_count;


#endif
