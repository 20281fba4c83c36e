// SPDX-License-Identifier: GPL-2.0-only
/*
 * The overlay reconcile: what the config wants (per tenant ztvrf<table>, ztbr<vni>,
 * ztvx<vni>, its interfaces in the bridge, one FDB entry per VTEP) against what one link
 * dump and one FDB dump say the kernel has; the difference becomes a list of steps,
 * each with its inverse, sent many per sendmsg(). When a step fails, every step the
 * kernel did is undone in reverse order: an apply happens whole or not at all.
 *
 * Steps run in phases so that a message names links by ifindex: links made in a batch
 * get theirs from the kernel's echo before a later step needs it, which costs one
 * round trip per phase (about four), not one per link.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <linux/rtnetlink.h>

#include "kernel/nl.h"
#include "kernel/probe.h"
#include "kernel/vxlan.h"
#include "report/eventlog.h"
#include "report/log.h"
#include "subsys/overlay.h"
#include "subsys/overlay_plan.h"

/* The subsystem's own state (the priv of its table entry). */
struct overlay {
	pthread_mutex_t lock;	/* API threads read last while the main loop applies */
	/* What the last apply did, for status. */
	struct {
		bool applied;
		int result;
		char error[ZTOS_ERR_MSG];
		double ms, read_ms;
		size_t steps, messages, flushes;
		int64_t at_us;
	} last;
	/* Tenant interfaces that did not exist at the last apply: the tick looks for them. */
	char (*missing)[IF_NAMESIZE];
	size_t n_missing;
	/* The FDB entries ztos wrote, kept in state_dir/overlay-fdb across restarts. */
	struct ovl_owned owned;
	bool owned_loaded;
	const cJSON *kernel;	/* the kernel's support, probed once at start (subsys_env) */
	const struct subsys_env *env;	/* for EVPN's word on a static VTEP's entry */
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* ---- running steps ---- */

struct exec {
	struct ztnl *nl;
	struct ovl_kernel *k;
	struct plan *p;
	size_t *qstep;		/* the step of each queued message */
	bool *qfirst;		/* the step's main message (its result says "done") */
	size_t nq, capq;
	size_t messages, flushes;
	int failed;		/* the first failed step, -1 */
	int ferr;
	char fext[256];
};

static void fail_step(struct exec *x, size_t s, int err, const char *ext)
{
	x->p->v[s].failed = true;
	if (x->failed >= 0 && (size_t)x->failed <= s)
		return;
	x->failed = (int)s;
	x->ferr = err;
	snprintf(x->fext, sizeof(x->fext), "%s", ext ? ext : "");
}

static int flush(struct exec *x)
{
	int ret;

	if (!x->nq)
		return 0;
	ztnl_flush(x->nl);
	x->flushes++;
	for (size_t q = 0; q < x->nq; q++) {
		struct step *s = &x->p->v[x->qstep[q]];
		const char *ext = NULL;
		int r = ztnl_result(x->nl, q, &ext);

		if (x->qfirst[q] && !r)
			s->done = true;
		if (r)
			fail_step(x, x->qstep[q], r, ext);
	}
	for (size_t q = 0; q < x->nq; q++) {
		struct step *s = &x->p->v[x->qstep[q]];
		const struct ovl_dev *d;

		if (!x->qfirst[q])
			continue;
		if (s->op == ST_CREATE) {
			int idx = s->done ? ztnl_ifindex(x->nl, s->dev.name) : 0;

			ovl_kernel_update(x->k, s->dev.name, idx > 0 ? idx : 0);
		} else if (s->op == ST_DELETE && s->done) {
			/* Unless the batch made the name anew after deleting it. */
			d = ovl_find(x->k, s->dev.name);
			if (d && d->ifindex == s->dev.ifindex)
				ovl_kernel_update(x->k, s->dev.name, 0);
		}
	}
	x->nq = 0;
	ret = x->failed >= 0 ? -EIO : 0;
	return ret;
}

/* The ifindex of name, flushing first when name is being made in this batch. */
static int resolve(struct exec *x, const char *name, bool keep_going)
{
	struct ovl_dev *d = ovl_find(x->k, name);

	if (d && d->ifindex < 0) {
		if (flush(x) && !keep_going)
			return -EIO;
		d = ovl_find(x->k, name);
	}
	return d && d->ifindex > 0 ? d->ifindex : -ENODEV;
}

/* first: the step's main message; a later one goes in the same sendmsg() as it. */
static int queue(struct exec *x, size_t s, struct nl_msg *msg, bool first)
{
	int q;

	if (x->nq == x->capq) {
		size_t cap = x->capq ? x->capq * 2 : 256;
		size_t *qs = realloc(x->qstep, cap * sizeof(*qs));
		bool *qf = qs ? realloc(x->qfirst, cap * sizeof(*qf)) : NULL;

		if (qs)
			x->qstep = qs;
		if (!qf) {
			nlmsg_free(msg);
			return -ENOMEM;
		}
		x->qfirst = qf;
		x->capq = cap;
	}
	q = first ? ztnl_queue(x->nl, msg, NULL, NULL)
		  : ztnl_queue_with_prev(x->nl, msg, NULL, NULL);
	if (q < 0)
		return q;
	x->qstep[x->nq] = s;
	x->qfirst[x->nq] = first;
	x->nq++;
	x->messages++;
	return 0;
}

static int run_step(struct exec *x, size_t i, bool keep_going)
{
	struct step *s = &x->p->v[i];
	int idx = 0, dev = 0, master = 0, ret;

	/* Every name first: resolving may flush, and a flush may say an earlier step failed. */
	if (s->op == ST_CREATE) {
		if (s->dev.kind == OVL_VXLAN && (dev = resolve(x, s->dev.dev, keep_going)) < 0)
			return dev;
		if (s->dev.master[0] && (master = resolve(x, s->dev.master, keep_going)) < 0)
			return master;
	} else {
		idx = resolve(x, s->dev.name, keep_going);
		if (idx < 0)
			return idx;
		if (s->op == ST_SET && (s->what & OVL_SET_MASTER) && s->dev.master[0] &&
		    (master = resolve(x, s->dev.master, keep_going)) < 0)
			return master;
	}
	if (x->failed >= 0 && !keep_going)
		return -EIO;
	switch (s->op) {
	case ST_CREATE:
		ret = queue(x, i, ovl_msg_create(&s->dev, dev, master), true);
		if (!ret)
			ret = ovl_kernel_update(x->k, s->dev.name, -1);
		/* The mark in the same sendmsg(): a kill in between leaves no unmarked link. */
		if (!ret)
			ret = queue(x, i, ovl_msg_set(0, s->dev.name, &s->dev, OVL_SET_ALIAS, 0),
				    false);
		return ret;
	case ST_DELETE:
		s->dev.ifindex = idx;
		return queue(x, i, ovl_msg_delete(idx, NULL), true);
	case ST_SET:
		return queue(x, i, ovl_msg_set(idx, NULL, &s->dev, s->what, master), true);
	case ST_FDB_ADD:
	case ST_FDB_DEL:
		return queue(x, i, ovl_msg_fdb(s->op == ST_FDB_ADD ? RTM_NEWNEIGH : RTM_DELNEIGH,
					       idx, &s->addr), true);
	case ST_ADDR_ADD:
	case ST_ADDR_DEL:
		return queue(x, i, ovl_msg_addr(s->op == ST_ADDR_ADD ? RTM_NEWADDR : RTM_DELADDR,
						idx, &s->cidr), true);
	}
	return -EINVAL;
}

/* Run p's steps; stop at the first failure unless keep_going (an undo does all it can). */
static int execute(struct exec *x, bool keep_going)
{
	for (size_t i = 0; i < x->p->n; i++) {
		int ret = run_step(x, i, keep_going);

		if (ret && ret != -EIO)
			fail_step(x, i, ret, NULL);
		if ((ret || x->failed >= 0) && !keep_going)
			break;
	}
	flush(x);
	return x->failed >= 0 ? -EIO : 0;
}

/* The inverse of every step the kernel did, last first. */
static int undo_plan(const struct plan *p, struct plan *u)
{
	for (size_t i = p->n; i-- > 0;) {
		const struct step *s = &p->v[i];
		static const enum step_op inverse[] = {
			[ST_CREATE] = ST_DELETE, [ST_DELETE] = ST_CREATE, [ST_SET] = ST_SET,
			[ST_FDB_ADD] = ST_FDB_DEL, [ST_FDB_DEL] = ST_FDB_ADD,
			[ST_ADDR_ADD] = ST_ADDR_DEL, [ST_ADDR_DEL] = ST_ADDR_ADD,
		};
		struct step *r;

		if (!s->done)
			continue;
		r = ovl_plan_add(u, inverse[s->op], s->tenant);
		if (!r)
			return -ENOMEM;
		*r = *s;
		r->op = inverse[s->op];
		r->done = r->failed = false;
		if (s->op == ST_SET) {
			r->dev = s->old;
			r->old = s->dev;
		}
	}
	return 0;
}

static const char *step_str(const struct step *s, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN + 4];

	switch (s->op) {
	case ST_CREATE:
		if (s->dev.kind == OVL_VXLAN)
			snprintf(buf, len, "create vxlan (VNI %u, local %s, dstport %u, dev %s, "
				 "mtu %u, master %s)", s->dev.vni,
				 ztos_addr_str(&s->dev.local, a, sizeof(a)), s->dev.port,
				 s->dev.dev, s->dev.mtu, s->dev.master);
		else if (s->dev.kind == OVL_VRF)
			snprintf(buf, len, "create vrf (table %u)", s->dev.table);
		else
			snprintf(buf, len, "create bridge (mtu %u%s%s)", s->dev.mtu,
				 s->dev.master[0] ? ", master " : "", s->dev.master);
		break;
	case ST_DELETE:
		snprintf(buf, len, "delete %s", ovl_kind_str(s->dev.kind));
		break;
	case ST_SET:
		snprintf(buf, len, "set%s%s%s%s%s%s%s%s", (s->what & OVL_SET_MTU) ? " mtu" : "",
			 (s->what & OVL_SET_MASTER) ? (s->dev.master[0] ? " master " : " nomaster")
						    : "",
			 (s->what & OVL_SET_MASTER) ? s->dev.master : "",
			 (s->what & OVL_SET_ALIAS) ? " alias " : "",
			 (s->what & OVL_SET_ALIAS) ? s->dev.alias : "",
			 (s->what & OVL_SET_UP) ? (s->dev.up ? " up" : " down") : "",
			 (s->what & OVL_SET_MAC) ? " address (the gateway MAC)" : "",
			 (s->what & OVL_SET_FORWARD) ? (s->dev.forwarding ? " IPv4 forwarding on"
									  : " IPv4 forwarding off")
						     : "");
		break;
	case ST_ADDR_ADD:
	case ST_ADDR_DEL:
		snprintf(buf, len, "%s gateway address %s", s->op == ST_ADDR_ADD ? "add" : "delete",
			 ztos_cidr_str(&s->cidr, b, sizeof(b)));
		break;
	case ST_FDB_ADD:
	case ST_FDB_DEL:
		snprintf(buf, len, "%s FDB entry 00:00:00:00:00:00 dst %s",
			 s->op == ST_FDB_ADD ? "add" : "delete",
			 ztos_addr_str(&s->addr, b, sizeof(b)));
		break;
	}
	return buf;
}

static void record(struct overlay *ov, int result, const char *error, double ms, double read_ms,
		   size_t steps, const struct exec *x)
{
	pthread_mutex_lock(&ov->lock);
	ov->last.applied = true;
	ov->last.result = result;
	snprintf(ov->last.error, sizeof(ov->last.error), "%s", error ? error : "");
	ov->last.ms = ms;
	ov->last.read_ms = read_ms;
	ov->last.steps = steps;
	ov->last.messages = x ? x->messages : 0;
	ov->last.flushes = x ? x->flushes : 0;
	ov->last.at_us = eventlog_now_us();
	pthread_mutex_unlock(&ov->lock);
}

/* The kernel refused step k: undo 1..k-1 (and whatever else of the batch it did). */
static void roll_back(struct exec *x, struct ovl_kernel *k, struct cfg_errors *errs)
{
	const struct step *s = &x->p->v[x->failed];
	struct plan u = { 0 };
	struct exec ux = { .nl = x->nl, .k = k, .p = &u, .failed = -1 };
	char what[256], why[512], msg[2048];
	size_t undone = 0;
	int ret;

	ztnl_strerror(x->ferr, x->fext, why, sizeof(why));
	step_str(s, what, sizeof(what));
	ret = undo_plan(x->p, &u);
	undone = u.n;
	if (!ret)
		ret = execute(&ux, true);
	if (!ret)
		snprintf(msg, sizeof(msg), "%s%s%s%s: %s: %s; %zu earlier step%s undone, nothing "
			 "was applied", s->dev.name, s->tenant[0] ? " (tenant " : "", s->tenant,
			 s->tenant[0] ? ")" : "", what, why, undone, undone == 1 ? "" : "s");
	else
		snprintf(msg, sizeof(msg), "%s%s%s%s: %s: %s; undoing the %zu earlier steps "
			 "failed too (%s: %s), the overlay may be half applied: run the apply "
			 "again", s->dev.name, s->tenant[0] ? " (tenant " : "", s->tenant,
			 s->tenant[0] ? ")" : "", what, why, undone,
			 ux.failed >= 0 ? u.v[ux.failed].dev.name : "?",
			 strerror(ux.ferr < 0 ? -ux.ferr : EIO));
	cfg_error_add(errs, "overlay", "%s", msg);
	pr_warn("overlay: %s", msg);
	free(u.v);
	free(ux.qstep);
	free(ux.qfirst);
}

static int apply(struct overlay *ov, const struct ztos_config *old, const struct ztos_config *cfg,
		 struct cfg_errors *errs);

/* The IPv4 forwarding a new link gets in this network namespace (the host's choice). */
static bool forwarding_default(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/conf/default/forwarding", "re");
	int on = 0;

	if (f && fscanf(f, "%d", &on) != 1)
		on = 0;
	if (f)
		fclose(f);
	return on;
}

static void owned_path(const struct ztos_config *cfg, char *buf, size_t len)
{
	snprintf(buf, len, "%s/overlay-fdb", cfg->state_dir);
}

/* What an earlier agent recorded; with ov->lock held. */
static void owned_load(struct overlay *ov, const struct ztos_config *cfg)
{
	char path[PATH_MAX], a[INET6_ADDRSTRLEN + 1];
	unsigned int vni;
	FILE *f;

	if (ov->owned_loaded)
		return;
	ov->owned_loaded = true;
	owned_path(cfg, path, sizeof(path));
	f = fopen(path, "re");
	while (f && fscanf(f, "%u %46s", &vni, a) == 2) {
		struct ovl_owned_fdb *nv = realloc(ov->owned.v, (ov->owned.n + 1) * sizeof(*nv));
		struct ztos_addr addr = { .family = AF_INET };

		if (!nv)
			break;
		ov->owned.v = nv;
		if (inet_pton(AF_INET, a, &addr.v4) != 1) {
			addr.family = AF_INET6;
			if (inet_pton(AF_INET6, a, &addr.v6) != 1)
				continue;
		}
		ov->owned.v[ov->owned.n++] = (struct ovl_owned_fdb){ .vni = vni, .addr = addr };
	}
	if (f)
		fclose(f);
}

/* After an apply: every static VTEP of cfg has its entry, written by ztos (or adopted). */
static void owned_save(struct overlay *ov, const struct ztos_config *cfg)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], a[INET6_ADDRSTRLEN];
	struct ovl_owned_fdb *v;
	size_t n = 0;
	FILE *f;

	for (size_t i = 0; i < cfg->n_tenants; i++)
		n += cfg->tenants[i].n_vteps;
	v = calloc(n + 1, sizeof(*v));
	if (!v)
		return;
	n = 0;
	for (size_t i = 0; i < cfg->n_tenants; i++)
		for (size_t k = 0; k < cfg->tenants[i].n_vteps; k++)
			v[n++] = (struct ovl_owned_fdb){ cfg->tenants[i].vni, cfg->tenants[i].vteps[k] };
	owned_path(cfg, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	for (size_t i = 0; f && i < n; i++)
		fprintf(f, "%u %s\n", v[i].vni, ztos_addr_str(&v[i].addr, a, sizeof(a)));
	if (f && (fclose(f) || rename(tmp, path)))
		pr_warn("overlay: cannot record the FDB entries ztos wrote in %s: %s", path,
			strerror(errno));
	pthread_mutex_lock(&ov->lock);
	free(ov->owned.v);
	ov->owned.v = v;
	ov->owned.n = n;
	ov->owned_loaded = true;
	pthread_mutex_unlock(&ov->lock);
}

/* The missing interfaces of an apply (taken) become the ones the tick looks for. */
static void keep_missing(struct overlay *ov, struct planner *pl)
{
	pthread_mutex_lock(&ov->lock);
	/* An incremental apply looked at some tenants only: the others' missing stay. */
	for (size_t i = 0; !pl->full && i < ov->n_missing; i++) {
		bool dup = false;

		for (size_t j = 0; j < pl->n_missing && !dup; j++)
			dup = !strcmp(pl->missing[j], ov->missing[i]);
		if (!dup) {
			char (*v)[IF_NAMESIZE] = realloc(pl->missing, (pl->n_missing + 1) *
								     sizeof(*v));

			if (!v)
				break;
			memcpy(v[pl->n_missing++], ov->missing[i], IF_NAMESIZE);
			pl->missing = v;
		}
	}
	free(ov->missing);
	ov->missing = pl->missing;
	ov->n_missing = pl->n_missing;
	pl->missing = NULL;
	pthread_mutex_unlock(&ov->lock);
}

/* The planner's and the kernel's complaints, in one error: the first, then the others. */
static int join_errors(const struct cfg_errors *errs, int ret, struct ztos_err *e)
{
	size_t n;

	if (!ret)
		return 0;
	if (!errs->n)
		return ztos_errf(e, ret, "overlay", "overlay");
	ztos_err_set(e, ret, "overlay", errs->v[0].message);
	for (size_t i = 1; i < errs->n && (n = strlen(e->msg)) < sizeof(e->msg) - 1; i++)
		snprintf(e->msg + n, sizeof(e->msg) - n, "; also: %s", errs->v[i].message);
	return ret;
}

int overlay_apply(struct overlay *ov, const struct ztos_config *old, const struct ztos_config *cfg,
		  struct ztos_err *e)
{
	struct cfg_errors list = { 0 }, *errs = &list;
	int ret = apply(ov, old, cfg, errs);

	join_errors(errs, ret, e);
	cfg_errors_free(errs);
	return ret;
}

static int apply(struct overlay *ov, const struct ztos_config *old, const struct ztos_config *cfg,
		 struct cfg_errors *errs)
{
	struct names nm = { 0 };
	struct planner pl = { .kernel = ov->kernel, .cfg = cfg, .old = old, .errs = errs,
			      .evpn_announces = ov->env ? ov->env->evpn_announces : NULL,
			      .evpn_ctx = ov->env ? ov->env->evpn_ctx : NULL };
	struct ovl_kernel k = { 0 };
	struct plan p = { 0 };
	struct exec x = { .p = &p, .failed = -1 };
	double t0 = now_ms(), t_read = 0;
	struct ztos_err e = { 0 };
	int ret;

	/* No underlay, none before: there is no overlay, and nothing to look at. */
	if (!cfg->has_underlay && !(old && old->has_underlay))
		return 0;
	ret = ztnl_open(NETLINK_ROUTE, &x.nl);
	if (ret) {
		cfg_error_add(errs, "overlay", "open a netlink socket: %s", strerror(-ret));
		return ret;
	}
	pthread_mutex_lock(&ov->lock);
	pl.full = !old || !ov->last.applied || ov->last.result || ovl_underlay_changed(old, cfg) ||
		  !cfg->has_underlay;
	owned_load(ov, cfg);
	pl.owned = &ov->owned;
	pthread_mutex_unlock(&ov->lock);
	if (!pl.full) {
		ret = ovl_incremental_scope(&pl, &nm);
		if (ret < 0) {
			cfg_error_add(errs, "overlay", "plan the changes: %s", strerror(-ret));
			goto out;
		}
		pl.full = ret > 0;
	}
	pl.nl = x.nl;
	pl.fwd_default = forwarding_default();
	if (pl.full)
		ret = ovl_kernel_read(x.nl, &k, true, &e);
	else
		ret = ovl_kernel_read_links(x.nl, &k, nm.v, nm.n, &e);
	if (ret) {
		cfg_error_add(errs, "overlay", "overlay: %s", e.msg);
		goto out;
	}
	t_read = now_ms() - t0;
	pl.k = &k;
	ret = ovl_plan_build(&pl, &p);
	if (ret) {
		if (!errs->n)
			cfg_error_add(errs, "overlay", "plan the changes: %s", strerror(-ret));
		ret = ret == -ENOMEM ? ret : -EIO;
		goto out;
	}
	x.k = &k;
	ret = execute(&x, false);
	if (ret) {
		roll_back(&x, &k, errs);
		ret = -EIO;
		goto out;
	}
	owned_save(ov, cfg);
	if (p.n)
		pr_info("overlay: %zu tenant%s: %zu step%s (%zu netlink messages in %zu batches) "
			"in %.1f ms, the kernel's state read in %.1f ms", cfg->n_tenants,
			cfg->n_tenants == 1 ? "" : "s", p.n, p.n == 1 ? "" : "s", x.messages,
			x.flushes, now_ms() - t0, t_read);
	else
		pr_info("overlay: %zu tenant%s: the kernel has it all already (adopted, read in "
			"%.1f ms)", cfg->n_tenants, cfg->n_tenants == 1 ? "" : "s", t_read);
	keep_missing(ov, &pl);
out:
	record(ov, ret, ret && errs->n ? errs->v[errs->n - 1].message : NULL, now_ms() - t0, t_read,
	       p.n, &x);
	free(pl.missing);
	free(pl.changed);
	free(nm.v);
	for (int i = 0; i < PH_N; i++)
		free(pl.ph[i].v);
	free(pl.keep);
	free(p.v);
	free(x.qstep);
	free(x.qfirst);
	ovl_kernel_free(&k);
	ztnl_close(x.nl);
	return ret;
}

/* Every 5 s: tenant interfaces missing at the last apply that now exist join. */
static void tick(struct overlay *ov, const struct ztos_config *cfg)
{
	struct ztos_err e = { 0 };
	bool appeared = false;

	pthread_mutex_lock(&ov->lock);
	for (size_t i = 0; i < ov->n_missing && !appeared; i++) {
		appeared = if_nametoindex(ov->missing[i]);
		if (appeared)
			pr_info("overlay: tenant interface %s appeared: applying the overlay again",
				ov->missing[i]);
	}
	pthread_mutex_unlock(&ov->lock);
	if (appeared && overlay_apply(ov, NULL, cfg, &e))
		pr_warn("overlay: %s", e.msg);
}

/* Delete every device ztos made in this network namespace; prints what it removed. */
static int cleanup(const struct ztos_config *cfg)
{
	static const enum ovl_kind order[] = { OVL_VXLAN, OVL_BRIDGE, OVL_VRF };
	struct ovl_kernel k = { 0 };
	struct ztos_err e = { 0 };
	struct ztnl *nl = NULL;
	char why[320], extack[ZTOS_ERR_EXTACK];
	int ret;

	ret = ztnl_open(NETLINK_ROUTE, &nl);
	if (!ret)
		ret = ovl_kernel_read(nl, &k, false, &e);
	else
		ztos_errf(&e, ret, "overlay", "open a netlink socket");
	if (ret) {
		fprintf(stderr, "overlay: %s\n", e.msg);
		ztnl_close(nl);
		return ret;
	}
	for (size_t o = 0; o < 3; o++) {
		for (size_t i = 0; i < k.n; i++) {
			const struct ovl_dev *d = &k.v[i];
			int r;

			if (d->kind != order[o] || !ovl_owned(d))
				continue;
			r = ztnl_talk(nl, ovl_msg_delete(d->ifindex, NULL), NULL, NULL, extack,
				      sizeof(extack));
			if (r) {
				fprintf(stderr, "overlay: delete %s: %s\n", d->name,
					ztnl_strerror(r, extack, why, sizeof(why)));
				ret = r;
			} else {
				printf("removed %s %s (%s)\n", ovl_kind_str(d->kind), d->name,
				       d->alias);
			}
		}
	}
	ovl_kernel_free(&k);
	ztnl_close(nl);
	return ret;
}

/* ---- state ---- */

static void status(void *priv, const struct ztos_config *cfg, struct subsys_status *st)
{
	struct overlay *ov = priv;
	cJSON *a;

	if (!cfg->n_tenants)
		return;
	pthread_mutex_lock(&ov->lock);
	if (!cfg->has_underlay) {
		st->state = SUBSYS_NOT_LOADED;
		snprintf(st->reason, sizeof(st->reason),
			 "no underlay: the tenants' VXLAN devices need underlay.interface and "
			 "underlay.address");
	} else if (ov->last.applied && ov->last.result) {
		st->state = SUBSYS_ERROR;
		snprintf(st->reason, sizeof(st->reason), "%s", ov->last.error);
	} else {
		st->state = ov->last.applied ? SUBSYS_RUNNING : SUBSYS_NOT_LOADED;
	}
	if (ov->last.applied) {
		st->detail = cJSON_CreateObject();
		a = cJSON_AddObjectToObject(st->detail, "last_apply");
		cJSON_AddStringToObject(a, "result", ov->last.result ? "error" : "ok");
		cJSON_AddNumberToObject(a, "ms", ov->last.ms);
		cJSON_AddNumberToObject(a, "read_ms", ov->last.read_ms);
		cJSON_AddNumberToObject(a, "steps", (double)ov->last.steps);
		cJSON_AddNumberToObject(a, "messages", (double)ov->last.messages);
		cJSON_AddNumberToObject(a, "batches", (double)ov->last.flushes);
		cJSON_AddNumberToObject(a, "at_us", (double)ov->last.at_us);
	}
	pthread_mutex_unlock(&ov->lock);
}

static cJSON *dev_json(const struct ovl_dev *d)
{
	cJSON *o = cJSON_CreateObject();
	char buf[INET6_ADDRSTRLEN];

	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddNumberToObject(o, "ifindex", d->ifindex);
	cJSON_AddStringToObject(o, "kind", ovl_kind_str(d->kind));
	cJSON_AddNumberToObject(o, "mtu", d->mtu);
	cJSON_AddBoolToObject(o, "up", d->up);
	cJSON_AddStringToObject(o, "alias", d->alias);
	if (d->master[0])
		cJSON_AddStringToObject(o, "master", d->master);
	else
		cJSON_AddNullToObject(o, "master");
	if (d->kind == OVL_VXLAN) {
		cJSON_AddNumberToObject(o, "vni", d->vni);
		cJSON_AddStringToObject(o, "local", d->local.family ? ztos_addr_str(&d->local, buf,
										sizeof(buf)) : "");
		cJSON_AddNumberToObject(o, "dstport", d->port);
		cJSON_AddStringToObject(o, "dev", d->dev);
		cJSON_AddBoolToObject(o, "learning", d->learning);
	}
	if (d->kind == OVL_VRF)
		cJSON_AddNumberToObject(o, "table", d->table);
	if (d->kind == OVL_BRIDGE) {
		char mac[18], gw[INET6_ADDRSTRLEN + 4];
		cJSON *arr = cJSON_AddArrayToObject(o, "gateways");

		snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", d->mac[0], d->mac[1],
			 d->mac[2], d->mac[3], d->mac[4], d->mac[5]);
		cJSON_AddStringToObject(o, "mac", mac);
		cJSON_AddBoolToObject(o, "forwarding", d->forwarding);
		for (size_t i = 0; i < d->n_addrs; i++)
			if (d->addrs[i].ours)
				cJSON_AddItemToArray(arr, cJSON_CreateString(
					ztos_cidr_str(&d->addrs[i].cidr, gw, sizeof(gw))));
	}
	return o;
}

/* Our device called name, as JSON, or null (a device of that name that is not ours: null). */
static cJSON *ours_json(const struct ovl_kernel *k, const char *name)
{
	const struct ovl_dev *d = ovl_find(k, name);

	return d && d->ifindex > 0 && ovl_owned(d) ? dev_json(d) : cJSON_CreateNull();
}

/* Bridge ports in one pass over the links: the per-tenant lists are then O(1). */
static cJSON **bridge_ports(const struct ovl_kernel *k)
{
	cJSON **ports = calloc(k->n + 1, sizeof(*ports));

	for (size_t i = 0; ports && i < k->n; i++) {
		const struct ovl_dev *m = ovl_find_index(k, k->v[i].master_ifindex);

		if (!m || !ovl_owned(m))
			continue;
		if (!ports[m - k->v])
			ports[m - k->v] = cJSON_CreateArray();
		cJSON_AddItemToArray(ports[m - k->v], cJSON_CreateString(k->v[i].name));
	}
	return ports;
}

/* The head-end replication entries on the VXLAN device vx, if it is ours. */
static cJSON *fdb_json(const struct ovl_kernel *k, const char *vx)
{
	const struct ovl_dev *d = ovl_find(k, vx);
	cJSON *fdb = cJSON_CreateArray();
	char buf[INET6_ADDRSTRLEN];

	for (size_t j = 0; d && d->ifindex > 0 && ovl_owned(d) && j < d->n_fdb; j++) {
		cJSON *f = cJSON_CreateObject();

		cJSON_AddStringToObject(f, "mac", "00:00:00:00:00:00");
		cJSON_AddStringToObject(f, "dst", ztos_addr_str(&d->fdb[j], buf, sizeof(buf)));
		cJSON_AddStringToObject(f, "dev", d->name);
		cJSON_AddItemToArray(fdb, f);
	}
	return fdb;
}

/* The bridge of a VNI with its ports (taken out of ports, which keeps the rest). */
static cJSON *bridge_json(const struct ovl_kernel *k, uint32_t vni, cJSON **ports)
{
	char name[IF_NAMESIZE];
	const struct ovl_dev *d;
	cJSON *br;

	snprintf(name, sizeof(name), "ztbr%u", vni);
	br = ours_json(k, name);
	d = ovl_find(k, name);
	if (cJSON_IsObject(br)) {
		cJSON *pl = ports ? ports[d - k->v] : NULL;

		cJSON_AddItemToObject(br, "ports", pl ? pl : cJSON_CreateArray());
		if (ports)
			ports[d - k->v] = NULL;
	}
	return br;
}

static cJSON *l3vni_json(const struct ovl_kernel *k, const struct ztos_tenant *t)
{
	char name[IF_NAMESIZE];
	cJSON *l3;

	if (!t->has_vrf || !t->l3vni)
		return cJSON_CreateNull();
	l3 = cJSON_CreateObject();
	cJSON_AddNumberToObject(l3, "vni", t->l3vni);
	snprintf(name, sizeof(name), "ztvx%u", t->l3vni);
	cJSON_AddItemToObject(l3, "vxlan", ours_json(k, name));
	snprintf(name, sizeof(name), "ztbr%u", t->l3vni);
	cJSON_AddItemToObject(l3, "bridge", ours_json(k, name));
	return l3;
}

/* The tenant's VRF as the kernel has it, or as it would be where it is missing. */
static cJSON *vrf_json(const struct ovl_kernel *k, const struct ztos_tenant *t, bool vrf_ok,
		       const char *reason)
{
	char name[IF_NAMESIZE];
	cJSON *v;

	if (!t->has_vrf)
		return cJSON_CreateNull();
	snprintf(name, sizeof(name), "ztvrf%u", t->vrf_table);
	v = ours_json(k, name);
	if (!cJSON_IsObject(v)) {
		cJSON_Delete(v);
		v = cJSON_CreateObject();
		cJSON_AddStringToObject(v, "name", name);
		cJSON_AddNumberToObject(v, "table", t->vrf_table);
		cJSON_AddNullToObject(v, "ifindex");
	}
	cJSON_AddBoolToObject(v, "supported", vrf_ok);
	if (!vrf_ok)
		cJSON_AddStringToObject(v, "reason", reason);
	return v;
}

static cJSON *tenant_state(const struct ovl_kernel *k, const struct ztos_tenant *t, cJSON **ports,
			   bool vrf_ok, const char *reason)
{
	cJSON *e = cJSON_CreateObject();
	char name[IF_NAMESIZE];

	cJSON_AddStringToObject(e, "name", t->name);
	cJSON_AddNumberToObject(e, "vni", t->vni);
	snprintf(name, sizeof(name), "ztvx%u", t->vni);
	cJSON_AddItemToObject(e, "vxlan", ours_json(k, name));
	cJSON_AddItemToObject(e, "fdb", fdb_json(k, name));
	cJSON_AddItemToObject(e, "bridge", bridge_json(k, t->vni, ports));
	cJSON_AddItemToObject(e, "l3vni", l3vni_json(k, t));
	cJSON_AddItemToObject(e, "vrf", vrf_json(k, t, vrf_ok, reason));
	return e;
}

cJSON *overlay_state(struct overlay *ov, const struct ztos_config *cfg)
{
	struct subsys_status st = { 0 };
	cJSON *o, *tenants, **ports;
	struct ovl_kernel k = { 0 };
	struct ztnl *nl = NULL;
	struct ztos_err err = { 0 };
	const char *reason = NULL;
	bool vrf_ok = false;

	status(ov, cfg, &st);
	o = subsys_status_json(&st);
	tenants = cJSON_AddArrayToObject(o, "tenants");
	if (!cfg->has_underlay || !cfg->n_tenants)
		return o;
	if (ztnl_open(NETLINK_ROUTE, &nl) || ovl_kernel_read(nl, &k, true, &err)) {
		cJSON_AddStringToObject(o, "kernel_error", err.msg[0] ? err.msg : "no netlink socket");
		ztnl_close(nl);
		return o;
	}
	ports = bridge_ports(&k);
	for (size_t i = 0; i < cfg->n_tenants; i++)
		if (cfg->tenants[i].has_vrf)
			vrf_ok = ovl_vrf_supported(ov->kernel, &reason);
	for (size_t i = 0; i < cfg->n_tenants; i++)
		cJSON_AddItemToArray(tenants, tenant_state(&k, &cfg->tenants[i], ports, vrf_ok, reason));
	for (size_t i = 0; ports && i < k.n; i++)
		cJSON_Delete(ports[i]);
	free(ports);
	ovl_kernel_free(&k);
	ztnl_close(nl);
	return o;
}

/* ---- the subsystem (subsys.h) ---- */

static int init(void *priv, struct subsys_env *env)
{
	struct overlay *ov = priv;

	ov->kernel = env->kernel;
	ov->env = env;
	return -pthread_mutex_init(&ov->lock, NULL);
}

static void fini(void *priv)
{
	struct overlay *ov = priv;

	free(ov->missing);
	free(ov->owned.v);
	pthread_mutex_destroy(&ov->lock);
}

static int apply_change(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
			void **txn, struct ztos_err *e)
{
	return overlay_apply(priv, old, cfg, e);
}

/* The reconcile works both ways: undo is the apply from the new config to the old one. */
static void undo(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		 void *txn)
{
	struct ztos_err e = { 0 };

	if (overlay_apply(priv, cfg, old, &e))
		pr_warn("undo: overlay: %s", e.msg);
}

static void on_tick(void *priv, const struct ztos_config *cfg, uint64_t n)
{
	if (n % 5 == 0)
		tick(priv, cfg);
}

const struct subsys_ops overlay_subsys = {
	.name = "overlay",
	.priv_size = sizeof(struct overlay),
	.init = init,
	.fini = fini,
	.apply = apply_change,
	.undo = undo,
	.tick = on_tick,
	.status = status,
	.cleanup = cleanup,
};
