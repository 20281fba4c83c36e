/* SPDX-License-Identifier: GPL-2.0-only */
/* The FRR subsystem's own state, shared by frr.c (life), status.c (state) and host.c. */
#ifndef ZTOS_FRR_IMPL_H
#define ZTOS_FRR_IMPL_H

#include <pthread.h>

#include "subsys/frr/internal.h"

struct frr {
	pthread_mutex_t lock;		/* all but the state cache */
	struct frr_vtep_sink sink;
	struct frr_paths paths;		/* of the FRR in use, once have_paths */
	bool have_paths;
	bool own;			/* ztos started these daemons (else the host's FRR) */
	char *applied;			/* the config (own) or ztos's part (host) FRR has */
	char *host_prev;		/* host: ztos's part before the change in flight */
	char error[ZTOS_ERR_MSG];	/* why FRR does not serve; "" when it does */
	unsigned int restarts[FRR_N_DAEMONS];
	int64_t next_restart_ms[FRR_N_DAEMONS];	/* event loop only */
	uint64_t reloads_ok, reloads_failed;
	struct frr_vteps *vt;		/* made once, freed with f */
	char hostname[256];

	struct frr_state seen;		/* the peers at the last tick (event loop only) */

	pthread_mutex_t st_lock;	/* FRR's JSON, read at most once a second */
	struct frr_state st;
	bool st_ok;
	char st_error[512];
	int64_t st_at_ms;
};

/* The learned-VTEP follower (NULL until BGP was first applied); it lives as long as f. */
struct frr_vteps *frr_follower(struct frr *f);
/* Whether an FRR serves this config now (false: none yet, or why not is in f->error);
 * *p its paths. */
bool frr_serving(struct frr *f, struct frr_paths *p);

/* apply.c */
/* vtysh -f FILE: a file's commands to running daemons (a first start, a delta). */
int frr_apply_file(const struct frr_paths *p, const char *file, char *err, size_t len);
/* The lines a dry run shows: frr-reload.py's difference, or all of text without FRR. */
int frr_dry_run_lines(const struct frr_paths *p, const char *text, cJSON **del, cJSON **add,
		      char *err, size_t len);
/* Each config line of text (no "!", no exits) into *lines. */
int frr_text_lines(const char *text, cJSON **lines);

/* peers.c: every tick, a session that came up or went down is an event */
void frr_peers_watch(struct frr *f, const struct ztos_config *cfg);

/* host.c: the host's FRR, where only ztos's part of the config is ztos's */
int frr_host_prepare(struct frr *f, const struct ztos_config *cfg, const char *state_dir,
		     const struct frr_paths *p, char **part, struct ztos_err *e);
void frr_host_undo(struct frr *f, const struct frr_paths *p);
/* A dry run in the host's FRR: the commands ztos would give it. */
int frr_host_dry_run(const struct ztos_config *cfg, const struct frr_paths *p, cJSON **del,
		     cJSON **add, char *err, size_t len);
int frr_host_cleanup(const struct ztos_config *cfg, const struct frr_paths *p);

#endif
