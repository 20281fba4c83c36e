/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DPI subsystem: rules (gpu/rules.h) compiled by an engine (gpu/engine.h), fed by
 * the AF_XDP reader of the DPI link (afxdp.h); matches become alerts (events, a ring of
 * recent ones for the API) and, for drop rules or with on_alert: block, a BLOCK verdict
 * in the flow table (datapath_block_flow) that XDP and TC enforce.
 */
#ifndef ZTOS_DPI_H
#define ZTOS_DPI_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "config/config.h"
#include "subsys.h"

struct dpi;
struct dpi_prepared;
struct datapath;

/* Whether cfg wants DPI running. */
bool dpi_wanted(const struct ztos_config *cfg);

/*
 * Read and compile cfg's rules aside, changing nothing that runs. A rule file that
 * cannot be read, or holds a rule with bad syntax, fails: err names FILE:LINE:COL, and
 * the rules in use stay. Rules with keywords ztos does not support are skipped and
 * counted (status), not fatal. d may be NULL (DPI not running yet).
 */
int dpi_prepare(struct dpi *d, const struct ztos_config *cfg, struct dpi_prepared **out,
		struct ztos_err *e);
void dpi_prepared_free(struct dpi_prepared *p);

/*
 * Bring DPI to cfg with the prepared rules (taken, even on error): start it (*d NULL),
 * swap rules and knobs in, or stop it (cfg does not want it; p NULL). dp: the datapath
 * with the DPI link, which must outlive *d.
 */
int dpi_apply(struct dpi **d, struct datapath *dp, const struct ztos_config *cfg,
	      struct dpi_prepared *p, struct ztos_err *e);
void dpi_stop(struct dpi *d);

void dpi_metrics(struct dpi *d, cJSON *families);

struct alert_filter {
	const char *tenant;	/* NULL: any */
	uint32_t sid;		/* 0: any */
	unsigned int limit;
};

/* Recent alerts, oldest first, newest limit; each shaped as its event. */
cJSON *dpi_alerts(struct dpi *d, const struct alert_filter *f);

/*
 * Its entry in the subsystem table. Its prepare reads and compiles the rules (a dry run
 * finds their errors); its commit starts, changes or stops DPI once the config is in
 * force, on the datapath of subsys_env; its status line holds the engine and why, the
 * rules, packets, batches, losses and alerts.
 */
extern const struct subsys_ops dpi_subsys;
/* The running DPI of the entry's priv, or NULL. */
struct dpi *dpi_of(void *priv);

#endif
