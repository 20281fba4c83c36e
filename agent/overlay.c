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

#include "eventlog.h"
#include "kernel.h"
#include "log.h"
#include "netlink/nl.h"
#include "netlink/vxlan.h"
#include "overlay.h"

#define VXLAN_OVERHEAD_V4 50	/* outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 */
#define VXLAN_OVERHEAD_V6 70	/* outer IPv6 40 + ... */

enum step_op { ST_CREATE, ST_DELETE, ST_SET, ST_FDB_ADD, ST_FDB_DEL };

struct step {
	enum step_op op;
	unsigned int what;	/* ST_SET: OVL_SET_* */
	struct ovl_dev dev;	/* CREATE: as wanted; DELETE: as it was; SET: the new values */
	struct ovl_dev old;	/* SET: the values before */
	struct ztos_addr addr;	/* FDB: the remote VTEP */
	char tenant[ZTOS_NAME_MAX + 1];
	bool done;		/* the kernel did it (or began to): undo it on failure */
	bool failed;
};

struct plan {
	struct step *v;
	size_t n, cap;
};

/* What the last apply did, for status. */
static struct {
	pthread_mutex_t lock;
	bool applied;
	int result;
	char error[768];
	double ms, read_ms;
	size_t steps, messages, flushes;
	int64_t at_us;
} last = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Tenant interfaces that did not exist at the last apply: overlay_tick() looks for them. */
static struct {
	pthread_mutex_t lock;
	char (*names)[IF_NAMESIZE];
	size_t n;
} missing = { .lock = PTHREAD_MUTEX_INITIALIZER };

/*
 * The head-end entries ztos wrote (the config's static VTEPs), kept in
 * state_dir/overlay-fdb across restarts. zebra writes the same form for the VTEPs
 * EVPN learns, and nothing in the kernel tells them apart: with bgp: configured, an
 * entry the config does not want is deleted only if it is one of these.
 */
static struct {
	pthread_mutex_t lock;
	bool loaded;
	struct owned_fdb {
		uint32_t vni;
		struct ztos_addr addr;
	} *v;
	size_t n;
} owned = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The kernel's VRF support, probed once (agent/kernel.c), the first time a VRF is wanted. */
static cJSON *vrf_support;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool vrf_supported(const char **reason)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	const cJSON *f;

	pthread_mutex_lock(&lock);
	if (!vrf_support)
		vrf_support = kernel_support();
	pthread_mutex_unlock(&lock);
	f = cJSON_GetObjectItem(vrf_support, "vrf");
	*reason = cJSON_GetStringValue(cJSON_GetObjectItem(f, "reason"));
	if (!*reason)
		*reason = "the kernel's VRF support could not be probed";
	return cJSON_IsTrue(cJSON_GetObjectItem(f, "supported"));
}

/* ---- the plan ---- */

static struct step *plan_add(struct plan *p, enum step_op op, const char *tenant)
{
	struct step *s;

	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct step *v = realloc(p->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		p->v = v;
		p->cap = cap;
	}
	s = &p->v[p->n++];
	memset(s, 0, sizeof(*s));
	s->op = op;
	snprintf(s->tenant, sizeof(s->tenant), "%s", tenant ? tenant : "");
	return s;
}

static int plan_concat(struct plan *dst, struct plan *src)
{
	for (size_t i = 0; i < src->n; i++) {
		struct step *s = plan_add(dst, ST_CREATE, NULL);

		if (!s)
			return -ENOMEM;
		*s = src->v[i];
	}
	free(src->v);
	*src = (struct plan){ 0 };
	return 0;
}

enum phase { PH_RECREATE, PH_VRF, PH_BRIDGE, PH_VXLAN, PH_PORTS, PH_FDB, PH_RELEASE, PH_STALE,
	     PH_N };

struct planner {
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
	uint32_t mtu;
	int err;
};

static bool addr_eq(const struct ztos_addr *a, const struct ztos_addr *b)
{
	if (a->family != b->family)
		return false;
	return a->family == AF_INET ? a->v4.s_addr == b->v4.s_addr
				    : !memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

static void nomem(struct planner *pl)
{
	pl->err = -ENOMEM;
}

/* d with its FDB entries read (one dump filtered by its ifindex when not yet), or NULL. */
static const struct ovl_dev *with_fdb(struct planner *pl, struct ovl_dev *d)
{
	char err[512];

	if (!d || d->fdb_read || d->kind != OVL_VXLAN)
		return d;
	if (ovl_kernel_read_fdb(pl->nl, pl->k, d, err, sizeof(err))) {
		cfg_error_add(pl->errs, "overlay", "%s: %s", d->name, err);
		pl->err = pl->err ? pl->err : -EIO;
		return NULL;
	}
	return d;
}

static void add_fdb(struct planner *pl, enum step_op op, const char *vx, const struct ztos_addr *a,
		    const char *tenant, enum phase ph)
{
	struct step *s = plan_add(&pl->ph[ph], op, tenant);

	if (!s)
		return nomem(pl);
	snprintf(s->dev.name, sizeof(s->dev.name), "%s", vx);
	s->addr = *a;
}

static void add_set(struct planner *pl, const struct ovl_dev *want, const struct ovl_dev *was,
		    unsigned int what, const char *tenant, enum phase ph)
{
	struct step *s = plan_add(&pl->ph[ph], ST_SET, tenant);

	if (!s)
		return nomem(pl);
	s->dev = *want;
	s->old = *was;
	s->dev.fdb = s->old.fdb = NULL;
	s->dev.n_fdb = s->old.n_fdb = 0;
	s->what = what;
}

/* A device goes, with what hangs on it first, so that its undo puts everything back. */
static void add_delete(struct planner *pl, struct ovl_dev *dev, const char *tenant,
		       enum phase ph)
{
	const struct ovl_dev *d = with_fdb(pl, dev);
	struct step *s;

	if (!d)
		return;

	for (size_t i = 0; d->kind == OVL_VXLAN && i < d->n_fdb; i++)
		add_fdb(pl, ST_FDB_DEL, d->name, &d->fdb[i], tenant, ph);
	s = plan_add(&pl->ph[ph], ST_DELETE, tenant);
	if (!s)
		return nomem(pl);
	s->dev = *d;
	s->dev.fdb = NULL;
	s->dev.n_fdb = 0;
}

static void add_create(struct planner *pl, const struct ovl_dev *want, const char *tenant,
		       enum phase ph)
{
	struct step *s = plan_add(&pl->ph[ph], ST_CREATE, tenant);

	if (!s)
		return nomem(pl);
	s->dev = *want;
}

static bool must_recreate(const struct ovl_dev *d, const struct ovl_dev *want)
{
	if (d->kind != want->kind)
		return true;
	if (d->kind == OVL_VXLAN)
		return d->vni != want->vni || !addr_eq(&d->local, &want->local) ||
		       d->port != want->port || strcmp(d->dev, want->dev) ||
		       d->learning != want->learning;
	return d->kind == OVL_VRF && d->table != want->table;
}

/*
 * One of our devices: made when missing, remade when what the kernel cannot change
 * differs, changed where it differs. Returns true when the device is (re)made.
 */
static bool plan_device(struct planner *pl, const struct ovl_dev *want, const char *tenant,
			enum phase ph)
{
	struct ovl_dev *d = ovl_find(pl->k, want->name);
	unsigned int what = 0;

	if (!d || d->ifindex <= 0) {
		add_create(pl, want, tenant, ph);
		return true;
	}
	if (!ovl_owned(d)) {
		cfg_error_add(pl->errs, "overlay",
			      "%s exists and is not ztos's (it has no \"%s...\" alias): rename or "
			      "delete it, or give tenant %s another %s; nothing was applied",
			      d->name, OVL_ALIAS_PREFIX, tenant,
			      want->kind == OVL_VRF ? "vrf.table" : "vni");
		pl->err = pl->err ? pl->err : -EEXIST;
		return false;
	}
	pl->keep[d - pl->k->v] = true;
	if (must_recreate(d, want)) {
		add_delete(pl, d, tenant, PH_RECREATE);
		add_create(pl, want, tenant, ph);
		return true;
	}
	if (want->mtu && d->mtu != want->mtu)
		what |= OVL_SET_MTU;
	if (strcmp(d->master, want->master))
		what |= OVL_SET_MASTER;
	if (strcmp(d->alias, want->alias))
		what |= OVL_SET_ALIAS;
	if (d->up != want->up)
		what |= OVL_SET_UP;
	if (what)
		add_set(pl, want, d, what, tenant, ph);
	return false;
}

/* The tenant as old had it, looked for at the same index first (the usual case). */
static const struct ztos_tenant *old_tenant(const struct planner *pl, size_t i)
{
	const struct ztos_tenant *t = &pl->cfg->tenants[i];

	if (!pl->old)
		return NULL;
	if (i < pl->old->n_tenants && !strcmp(pl->old->tenants[i].name, t->name))
		return &pl->old->tenants[i];
	for (size_t j = 0; j < pl->old->n_tenants; j++)
		if (!strcmp(pl->old->tenants[j].name, t->name))
			return &pl->old->tenants[j];
	return NULL;
}

static bool same_vteps(const struct ztos_tenant *a, const struct ztos_tenant *b)
{
	if (!a || !b || a->vni != b->vni || a->n_vteps != b->n_vteps)
		return false;
	for (size_t i = 0; i < a->n_vteps; i++)
		if (!addr_eq(&a->vteps[i], &b->vteps[i]))
			return false;
	return true;
}

static void owned_path(const struct ztos_config *cfg, char *buf, size_t len)
{
	snprintf(buf, len, "%s/overlay-fdb", cfg->state_dir);
}

/* Call with owned.lock held. */
static void owned_load(const struct ztos_config *cfg)
{
	char path[PATH_MAX], a[INET6_ADDRSTRLEN + 1];
	unsigned int vni;
	FILE *f;

	if (owned.loaded)
		return;
	owned.loaded = true;
	owned_path(cfg, path, sizeof(path));
	f = fopen(path, "re");
	while (f && fscanf(f, "%u %46s", &vni, a) == 2) {
		struct owned_fdb *nv = realloc(owned.v, (owned.n + 1) * sizeof(*nv));
		struct ztos_addr addr = { .family = AF_INET };

		if (!nv)
			break;
		owned.v = nv;
		if (inet_pton(AF_INET, a, &addr.v4) != 1) {
			addr.family = AF_INET6;
			if (inet_pton(AF_INET6, a, &addr.v6) != 1)
				continue;
		}
		owned.v[owned.n++] = (struct owned_fdb){ .vni = vni, .addr = addr };
	}
	if (f)
		fclose(f);
}

static bool owned_has(uint32_t vni, const struct ztos_addr *a)
{
	bool has = false;

	pthread_mutex_lock(&owned.lock);
	for (size_t i = 0; i < owned.n && !has; i++)
		has = owned.v[i].vni == vni && addr_eq(&owned.v[i].addr, a);
	pthread_mutex_unlock(&owned.lock);
	return has;
}

/* After an apply: every static VTEP of cfg has its entry, written by ztos (or adopted). */
static void owned_save(const struct ztos_config *cfg)
{
	char path[PATH_MAX], tmp[PATH_MAX + 8], a[INET6_ADDRSTRLEN];
	struct owned_fdb *v = NULL;
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
			v[n++] = (struct owned_fdb){ cfg->tenants[i].vni, cfg->tenants[i].vteps[k] };
	owned_path(cfg, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "we");
	for (size_t i = 0; f && i < n; i++)
		fprintf(f, "%u %s\n", v[i].vni, ztos_addr_str(&v[i].addr, a, sizeof(a)));
	if (f && !fclose(f) && rename(tmp, path))
		pr_warn("overlay: cannot record the FDB entries ztos wrote in %s: %s", path,
			strerror(errno));
	pthread_mutex_lock(&owned.lock);
	free(owned.v);
	owned.v = v;
	owned.n = n;
	owned.loaded = true;
	pthread_mutex_unlock(&owned.lock);
}

/*
 * The FDB entries of a tenant's VXLAN device. After a successful apply, a tenant whose
 * VTEPs did not change keeps its entries unread: an apply reads the FDB of what changes
 * (one filtered dump each), not the whole bridge FDB; a start, or an apply after a
 * failed one, reads all of it.
 */
static void plan_fdb(struct planner *pl, const struct ztos_tenant *t, size_t ti, const char *vx,
		     bool made)
{
	const struct ovl_dev *d = NULL;

	if (!made && !pl->full && same_vteps(t, old_tenant(pl, ti)))
		return;
	if (!made && !(d = with_fdb(pl, ovl_find(pl->k, vx))) && pl->err)
		return;

	for (size_t i = 0; i < t->n_vteps; i++) {
		bool have = false;

		for (size_t j = 0; d && j < d->n_fdb && !have; j++)
			have = addr_eq(&d->fdb[j], &t->vteps[i]);
		if (!have)
			add_fdb(pl, ST_FDB_ADD, vx, &t->vteps[i], t->name, PH_FDB);
	}
	for (size_t j = 0; d && j < d->n_fdb; j++) {
		bool wanted = false;

		for (size_t i = 0; i < t->n_vteps && !wanted; i++)
			wanted = addr_eq(&d->fdb[j], &t->vteps[i]);
		/* with EVPN, zebra's entries are zebra's: only ours go */
		if (!wanted && (!pl->cfg->has_bgp || owned_has(t->vni, &d->fdb[j])))
			add_fdb(pl, ST_FDB_DEL, vx, &d->fdb[j], t->name, PH_FDB);
	}
}

static void plan_ports(struct planner *pl, const struct ztos_tenant *t, const struct ovl_dev *br,
		       bool br_made)
{
	for (size_t i = 0; i < t->n_interfaces; i++) {
		struct ovl_dev *d = ovl_find(pl->k, t->interfaces[i]);
		const struct ovl_dev *m;

		if (!d || d->ifindex <= 0) {
			char (*v)[IF_NAMESIZE] = realloc(pl->missing, (pl->n_missing + 1) *
								   sizeof(*v));

			pr_warn("overlay: tenant %s: interface %s does not exist (yet): it "
				"joins %s when it appears", t->name, t->interfaces[i], br->name);
			if (!v)
				return nomem(pl);
			memcpy(v[pl->n_missing++], t->interfaces[i], IF_NAMESIZE);
			pl->missing = v;
			continue;
		}
		if (ovl_our_name(d->name) || !strcmp(d->name, pl->cfg->underlay.interface)) {
			cfg_error_add(pl->errs, "overlay",
				      "tenant %s: interface %s is %s, not a workload port; "
				      "remove it from the tenant's interfaces", t->name, d->name,
				      ovl_our_name(d->name) ? "one of ztos's own devices"
							    : "the underlay");
			pl->err = pl->err ? pl->err : -EINVAL;
			continue;
		}
		pl->keep[d - pl->k->v] = true;
		if (!br_made && !strcmp(d->master, br->name))
			continue;
		m = d->master[0] ? ovl_find(pl->k, d->master) : NULL;
		if (m && !(ovl_owned(m) && m->kind == OVL_BRIDGE)) {
			cfg_error_add(pl->errs, "overlay",
				      "tenant %s: interface %s is a port of %s, which is not "
				      "ztos's: take it out of %s first; nothing was applied",
				      t->name, d->name, m->name, m->name);
			pl->err = pl->err ? pl->err : -EBUSY;
			continue;
		}
		struct ovl_dev want = *d;

		snprintf(want.master, sizeof(want.master), "%s", br->name);
		add_set(pl, &want, d, OVL_SET_MASTER, t->name, PH_PORTS);
	}
}

static bool vrf_is_new(const struct planner *pl, const struct ztos_tenant *t)
{
	for (size_t i = 0; pl->old && i < pl->old->n_tenants; i++)
		if (!strcmp(pl->old->tenants[i].name, t->name))
			return !pl->old->tenants[i].has_vrf ||
			       pl->old->tenants[i].vrf_table != t->vrf_table;
	return true;
}

static void plan_tenant(struct planner *pl, size_t ti)
{
	const struct ztos_tenant *t = &pl->cfg->tenants[ti];
	const struct ztos_config *c = pl->cfg;
	struct ovl_dev vrf = { .kind = OVL_VRF, .up = true, .table = t->vrf_table };
	/* The bridge takes the smallest MTU of its ports (the kernel does it): not set here. */
	struct ovl_dev br = { .kind = OVL_BRIDGE, .up = true };
	struct ovl_dev vx = { .kind = OVL_VXLAN, .up = true, .mtu = pl->mtu, .vni = t->vni,
			      .local = c->underlay.address, .port = c->underlay.vxlan_port };
	bool br_made, vx_made;

	snprintf(vrf.name, sizeof(vrf.name), "ztvrf%u", t->vrf_table);
	snprintf(br.name, sizeof(br.name), "ztbr%u", t->vni);
	snprintf(vx.name, sizeof(vx.name), "ztvx%u", t->vni);
	snprintf(vx.dev, sizeof(vx.dev), "%s", c->underlay.interface);
	snprintf(vx.master, sizeof(vx.master), "%s", br.name);
	snprintf(vrf.alias, sizeof(vrf.alias), OVL_ALIAS_PREFIX "%s", t->name);
	memcpy(br.alias, vrf.alias, sizeof(br.alias));
	memcpy(vx.alias, vrf.alias, sizeof(vx.alias));

	if (t->has_vrf && pl->vrf_ok) {
		plan_device(pl, &vrf, t->name, PH_VRF);
		memcpy(br.master, vrf.name, sizeof(br.master));
	} else if (t->has_vrf && vrf_is_new(pl, t)) {
		pr_warn("overlay: tenant %s: no VRF (table %u): %s; %s is not in a VRF, the rest "
			"of the tenant applies", t->name, t->vrf_table, pl->vrf_reason, br.name);
	}
	br_made = plan_device(pl, &br, t->name, PH_BRIDGE);
	vx_made = plan_device(pl, &vx, t->name, PH_VXLAN);
	plan_fdb(pl, t, ti, vx.name, vx_made);
	plan_ports(pl, t, &br, br_made);
}

/* Ours and not wanted: deleted, vxlan first, bridges (their ports let go first), VRFs. */
static void plan_stale(struct planner *pl)
{
	static const enum ovl_kind order[] = { OVL_VXLAN, OVL_BRIDGE, OVL_VRF };
	struct ovl_kernel *k = pl->k;

	for (size_t i = 0; i < k->n; i++) {
		struct ovl_dev *d = &k->v[i], *m;

		if (d->ifindex <= 0 || pl->keep[i] || d->context || ovl_owned(d) || !d->master[0])
			continue;
		m = ovl_find(k, d->master);
		if (m && ovl_owned(m) && m->kind == OVL_BRIDGE) {
			struct ovl_dev want = *d;

			want.master[0] = '\0';
			add_set(pl, &want, d, OVL_SET_MASTER, m->alias + strlen(OVL_ALIAS_PREFIX),
				PH_RELEASE);
		}
	}
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++)
		for (size_t i = 0; i < k->n; i++)
			if (k->v[i].ifindex > 0 && !pl->keep[i] && !k->v[i].context &&
			    ovl_owned(&k->v[i]) && k->v[i].kind == order[o])
				add_delete(pl, &k->v[i],
					   k->v[i].alias + strlen(OVL_ALIAS_PREFIX), PH_STALE);
}

static int plan_build(struct planner *pl, struct plan *out)
{
	const struct ztos_config *c = pl->cfg;
	bool tenants = c->has_underlay && c->n_tenants;
	int ret;

	pl->keep = calloc(pl->k->n + 1, sizeof(bool));
	if (!pl->keep)
		return -ENOMEM;
	if (tenants) {
		const struct ovl_dev *ul = ovl_find(pl->k, c->underlay.interface);
		uint32_t overhead = c->underlay.address.family == AF_INET6 ? VXLAN_OVERHEAD_V6
									   : VXLAN_OVERHEAD_V4;

		if (!ul || ul->ifindex <= 0) {
			cfg_error_add(pl->errs, "overlay",
				      "underlay.interface %s: no such device in this network "
				      "namespace; the tenants' VXLAN devices ride on it; nothing "
				      "was applied", c->underlay.interface);
			return -ENODEV;
		}
		if (ul->mtu < 68 + overhead) {
			cfg_error_add(pl->errs, "overlay",
				      "underlay.interface %s: MTU %u leaves no room for VXLAN's %u "
				      "bytes; nothing was applied", ul->name, ul->mtu, overhead);
			return -EINVAL;
		}
		pl->mtu = ul->mtu - overhead;
		for (size_t i = 0; i < c->n_tenants && !pl->vrf_ok; i++)
			if (c->tenants[i].has_vrf)
				pl->vrf_ok = vrf_supported(&pl->vrf_reason);
		for (size_t i = 0; i < c->n_tenants; i++)
			if (pl->full || pl->changed[i])
				plan_tenant(pl, i);
	}
	if (pl->err)
		return pl->err;
	plan_stale(pl);
	for (int p = 0; p < PH_N && !pl->err; p++)
		pl->err = plan_concat(out, &pl->ph[p]);
	ret = pl->err;
	return ret;
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
	q = ztnl_queue(x->nl, msg, NULL, NULL);
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
		};
		struct step *r;

		if (!s->done)
			continue;
		r = plan_add(u, inverse[s->op], s->tenant);
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
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

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
		snprintf(buf, len, "set%s%s%s%s%s%s", (s->what & OVL_SET_MTU) ? " mtu" : "",
			 (s->what & OVL_SET_MASTER) ? (s->dev.master[0] ? " master " : " nomaster")
						    : "",
			 (s->what & OVL_SET_MASTER) ? s->dev.master : "",
			 (s->what & OVL_SET_ALIAS) ? " alias " : "",
			 (s->what & OVL_SET_ALIAS) ? s->dev.alias : "",
			 (s->what & OVL_SET_UP) ? (s->dev.up ? " up" : " down") : "");
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

static void record(int result, const char *error, double ms, double read_ms, size_t steps,
		   const struct exec *x)
{
	pthread_mutex_lock(&last.lock);
	last.applied = true;
	last.result = result;
	snprintf(last.error, sizeof(last.error), "%s", error ? error : "");
	last.ms = ms;
	last.read_ms = read_ms;
	last.steps = steps;
	last.messages = x ? x->messages : 0;
	last.flushes = x ? x->flushes : 0;
	last.at_us = eventlog_now_us();
	pthread_mutex_unlock(&last.lock);
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

/* ---- what an incremental apply reads ---- */

#define INCREMENTAL_MAX 64	/* tenants changed at most; past it one dump is cheaper */

struct names {
	char (*v)[IF_NAMESIZE];
	size_t n;
};

static int names_add(struct names *nm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int names_add(struct names *nm, const char *fmt, ...)
{
	char name[IF_NAMESIZE], (*v)[IF_NAMESIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < nm->n; i++)	/* a few hundred names at most */
		if (!strcmp(nm->v[i], name))
			return 0;
	v = realloc(nm->v, (nm->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v[nm->n++], name, IF_NAMESIZE);
	nm->v = v;
	return 0;
}

static int tenant_names(struct names *nm, const struct ztos_tenant *t)
{
	int ret = names_add(nm, "ztvx%u", t->vni) ?: names_add(nm, "ztbr%u", t->vni);

	if (!ret && t->has_vrf)
		ret = names_add(nm, "ztvrf%u", t->vrf_table);
	for (size_t i = 0; !ret && i < t->n_interfaces; i++)
		ret = names_add(nm, "%s", t->interfaces[i]);
	return ret;
}

static bool tenant_changed(const struct ztos_tenant *a, const struct ztos_tenant *b)
{
	if (!same_vteps(a, b) || a->n_interfaces != b->n_interfaces ||
	    a->has_vrf != b->has_vrf || (a->has_vrf && a->vrf_table != b->vrf_table))
		return true;
	for (size_t i = 0; i < a->n_interfaces; i++)
		if (strcmp(a->interfaces[i], b->interfaces[i]))
			return true;
	return false;
}

static bool underlay_changed(const struct ztos_config *a, const struct ztos_config *b)
{
	return a->has_underlay != b->has_underlay ||
	       strcmp(a->underlay.interface, b->underlay.interface) ||
	       !addr_eq(&a->underlay.address, &b->underlay.address) ||
	       a->underlay.vxlan_port != b->underlay.vxlan_port;
}

/*
 * After a successful apply, a change of some tenants reads only their links (and those of
 * what they were), not every link: a dump of 2000 links costs the kernel tens of ms. The
 * whole kernel is compared at start, after a failed apply, when the underlay changes,
 * when many tenants change, and when overlay_tick() finds a missing interface.
 */
static int incremental_scope(struct planner *pl, struct names *nm)
{
	const struct ztos_config *c = pl->cfg, *old = pl->old;
	size_t n_changed = 0;
	int ret;

	pl->changed = calloc(c->n_tenants + 1, sizeof(bool));
	if (!pl->changed)
		return -ENOMEM;
	ret = names_add(nm, "%s", c->underlay.interface);
	for (size_t i = 0; !ret && i < c->n_tenants; i++) {
		const struct ztos_tenant *o = old_tenant(pl, i);

		if (o && !tenant_changed(o, &c->tenants[i]))
			continue;
		pl->changed[i] = true;
		if (++n_changed > INCREMENTAL_MAX)
			return 1;
		ret = tenant_names(nm, &c->tenants[i]) ?: (o ? tenant_names(nm, o) : 0);
	}
	/* Tenants that are gone: old's tenants that cfg does not have. */
	for (size_t j = 0; !ret && j < old->n_tenants; j++) {
		bool kept = j < c->n_tenants && !strcmp(c->tenants[j].name, old->tenants[j].name);

		for (size_t i = 0; !kept && i < c->n_tenants; i++)
			kept = !strcmp(c->tenants[i].name, old->tenants[j].name);
		if (kept)
			continue;
		if (++n_changed > INCREMENTAL_MAX)
			return 1;
		ret = tenant_names(nm, &old->tenants[j]);
	}
	return ret;
}

int overlay_apply(const struct ztos_config *old, const struct ztos_config *cfg,
		  struct cfg_errors *errs)
{
	struct names nm = { 0 };
	struct planner pl = { .cfg = cfg, .old = old, .errs = errs };
	struct ovl_kernel k = { 0 };
	struct plan p = { 0 };
	struct exec x = { .p = &p, .failed = -1 };
	double t0 = now_ms(), t_read = 0;
	char err[512] = "";
	int ret;

	/* No underlay, none before: there is no overlay, and nothing to look at. */
	if (!cfg->has_underlay && !(old && old->has_underlay))
		return 0;
	ret = ztnl_open(NETLINK_ROUTE, &x.nl);
	if (ret) {
		cfg_error_add(errs, "overlay", "open a netlink socket: %s", strerror(-ret));
		return ret;
	}
	pthread_mutex_lock(&last.lock);
	pl.full = !old || !last.applied || last.result || underlay_changed(old, cfg) ||
		  !cfg->has_underlay;
	pthread_mutex_unlock(&last.lock);
	pthread_mutex_lock(&owned.lock);
	owned_load(cfg);
	pthread_mutex_unlock(&owned.lock);
	if (!pl.full) {
		ret = incremental_scope(&pl, &nm);
		if (ret < 0) {
			cfg_error_add(errs, "overlay", "plan the changes: %s", strerror(-ret));
			goto out;
		}
		pl.full = ret > 0;
	}
	pl.nl = x.nl;
	if (pl.full)
		ret = ovl_kernel_read(x.nl, &k, true, err, sizeof(err));
	else
		ret = ovl_kernel_read_links(x.nl, &k, nm.v, nm.n, err, sizeof(err));
	if (ret) {
		cfg_error_add(errs, "overlay", "%s", err);
		goto out;
	}
	t_read = now_ms() - t0;
	pl.k = &k;
	ret = plan_build(&pl, &p);
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
	owned_save(cfg);
	if (p.n)
		pr_info("overlay: %zu tenant%s: %zu step%s (%zu netlink messages in %zu batches) "
			"in %.1f ms, the kernel's state read in %.1f ms", cfg->n_tenants,
			cfg->n_tenants == 1 ? "" : "s", p.n, p.n == 1 ? "" : "s", x.messages,
			x.flushes, now_ms() - t0, t_read);
	else
		pr_info("overlay: %zu tenant%s: the kernel has it all already (adopted, read in "
			"%.1f ms)", cfg->n_tenants, cfg->n_tenants == 1 ? "" : "s", t_read);
	pthread_mutex_lock(&missing.lock);
	/* An incremental apply looked at some tenants only: the others' missing stay. */
	for (size_t i = 0; !pl.full && i < missing.n; i++) {
		bool dup = false;

		for (size_t j = 0; j < pl.n_missing && !dup; j++)
			dup = !strcmp(pl.missing[j], missing.names[i]);
		if (!dup) {
			char (*v)[IF_NAMESIZE] = realloc(pl.missing, (pl.n_missing + 1) *
								    sizeof(*v));

			if (!v)
				break;
			memcpy(v[pl.n_missing++], missing.names[i], IF_NAMESIZE);
			pl.missing = v;
		}
	}
	free(missing.names);
	missing.names = pl.missing;
	missing.n = pl.n_missing;
	pl.missing = NULL;
	pthread_mutex_unlock(&missing.lock);
out:
	record(ret, ret && errs->n ? errs->v[errs->n - 1].message : NULL, now_ms() - t0, t_read,
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

void overlay_tick(const struct ztos_config *cfg)
{
	struct cfg_errors errs = { 0 };
	const char *appeared = NULL;

	pthread_mutex_lock(&missing.lock);
	for (size_t i = 0; i < missing.n && !appeared; i++)
		if (if_nametoindex(missing.names[i]))
			appeared = missing.names[i];
	if (appeared)
		pr_info("overlay: tenant interface %s appeared: applying the overlay again",
			appeared);
	pthread_mutex_unlock(&missing.lock);
	if (appeared && overlay_apply(NULL, cfg, &errs))
		cfg_errors_print(stderr, &errs);
	cfg_errors_free(&errs);
}

int overlay_cleanup(void)
{
	static const enum ovl_kind order[] = { OVL_VXLAN, OVL_BRIDGE, OVL_VRF };
	struct ovl_kernel k = { 0 };
	struct ztnl *nl = NULL;
	char err[512], why[320], extack[256];
	int ret;

	ret = ztnl_open(NETLINK_ROUTE, &nl);
	if (!ret)
		ret = ovl_kernel_read(nl, &k, false, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "open a netlink socket: %s", strerror(-ret));
	if (ret) {
		fprintf(stderr, "overlay: %s\n", err);
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

cJSON *overlay_subsystem(const struct ztos_config *cfg)
{
	cJSON *o = cJSON_CreateObject();

	pthread_mutex_lock(&last.lock);
	if (!cfg->n_tenants) {
		cJSON_AddStringToObject(o, "state", "not configured");
	} else if (!cfg->has_underlay) {
		cJSON_AddStringToObject(o, "state", "not loaded");
		cJSON_AddStringToObject(o, "reason",
					"no underlay: the tenants' VXLAN devices need "
					"underlay.interface and underlay.address");
	} else if (last.applied && last.result) {
		cJSON_AddStringToObject(o, "state", "error");
		cJSON_AddStringToObject(o, "reason", last.error);
	} else {
		cJSON_AddStringToObject(o, "state", last.applied ? "running" : "not loaded");
	}
	if (last.applied) {
		cJSON *a = cJSON_AddObjectToObject(o, "last_apply");

		cJSON_AddStringToObject(a, "result", last.result ? "error" : "ok");
		cJSON_AddNumberToObject(a, "ms", last.ms);
		cJSON_AddNumberToObject(a, "read_ms", last.read_ms);
		cJSON_AddNumberToObject(a, "steps", (double)last.steps);
		cJSON_AddNumberToObject(a, "messages", (double)last.messages);
		cJSON_AddNumberToObject(a, "batches", (double)last.flushes);
		cJSON_AddNumberToObject(a, "at_us", (double)last.at_us);
	}
	pthread_mutex_unlock(&last.lock);
	return o;
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
	return o;
}

/* Our device called name, as JSON, or null (a device of that name that is not ours: null). */
static cJSON *ours_json(const struct ovl_kernel *k, const char *name)
{
	const struct ovl_dev *d = ovl_find(k, name);

	return d && d->ifindex > 0 && ovl_owned(d) ? dev_json(d) : cJSON_CreateNull();
}

cJSON *overlay_state(const struct ztos_config *cfg)
{
	cJSON *o = overlay_subsystem(cfg), *tenants, **ports = NULL;
	struct ovl_kernel k = { 0 };
	struct ztnl *nl = NULL;
	char err[512] = "", name[IF_NAMESIZE], buf[INET6_ADDRSTRLEN];
	const char *reason = NULL;
	bool vrf_ok = false;

	tenants = cJSON_AddArrayToObject(o, "tenants");
	if (!cfg->has_underlay || !cfg->n_tenants)
		return o;
	if (ztnl_open(NETLINK_ROUTE, &nl) || ovl_kernel_read(nl, &k, true, err, sizeof(err))) {
		cJSON_AddStringToObject(o, "kernel_error", err[0] ? err : "no netlink socket");
		ztnl_close(nl);
		return o;
	}
	/* Bridge ports in one pass over the links: the per-tenant lists are then O(1). */
	ports = calloc(k.n + 1, sizeof(*ports));
	for (size_t i = 0; ports && i < k.n; i++) {
		const struct ovl_dev *m = ovl_find_index(&k, k.v[i].master_ifindex);

		if (!m || !ovl_owned(m))
			continue;
		if (!ports[m - k.v])
			ports[m - k.v] = cJSON_CreateArray();
		cJSON_AddItemToArray(ports[m - k.v], cJSON_CreateString(k.v[i].name));
	}
	for (size_t i = 0; i < cfg->n_tenants; i++)
		if (cfg->tenants[i].has_vrf)
			vrf_ok = vrf_supported(&reason);
	for (size_t i = 0; i < cfg->n_tenants; i++) {
		const struct ztos_tenant *t = &cfg->tenants[i];
		cJSON *e = cJSON_CreateObject(), *br, *fdb;
		const struct ovl_dev *d;

		cJSON_AddStringToObject(e, "name", t->name);
		cJSON_AddNumberToObject(e, "vni", t->vni);
		snprintf(name, sizeof(name), "ztvx%u", t->vni);
		cJSON_AddItemToObject(e, "vxlan", ours_json(&k, name));
		fdb = cJSON_AddArrayToObject(e, "fdb");
		d = ovl_find(&k, name);
		for (size_t j = 0; d && d->ifindex > 0 && ovl_owned(d) && j < d->n_fdb; j++) {
			cJSON *f = cJSON_CreateObject();

			cJSON_AddStringToObject(f, "mac", "00:00:00:00:00:00");
			cJSON_AddStringToObject(f, "dst",
						ztos_addr_str(&d->fdb[j], buf, sizeof(buf)));
			cJSON_AddStringToObject(f, "dev", d->name);
			cJSON_AddItemToArray(fdb, f);
		}
		snprintf(name, sizeof(name), "ztbr%u", t->vni);
		br = ours_json(&k, name);
		d = ovl_find(&k, name);
		if (cJSON_IsObject(br)) {
			cJSON *pl = ports ? ports[d - k.v] : NULL;

			cJSON_AddItemToObject(br, "ports", pl ? pl : cJSON_CreateArray());
			if (ports)
				ports[d - k.v] = NULL;
		}
		cJSON_AddItemToObject(e, "bridge", br);
		if (t->has_vrf) {
			cJSON *v;

			snprintf(name, sizeof(name), "ztvrf%u", t->vrf_table);
			v = ours_json(&k, name);
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
			cJSON_AddItemToObject(e, "vrf", v);
		} else {
			cJSON_AddNullToObject(e, "vrf");
		}
		cJSON_AddItemToArray(tenants, e);
	}
	for (size_t i = 0; ports && i < k.n; i++)
		cJSON_Delete(ports[i]);
	free(ports);
	ovl_kernel_free(&k);
	ztnl_close(nl);
	return o;
}
