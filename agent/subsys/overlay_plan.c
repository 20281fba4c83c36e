// SPDX-License-Identifier: GPL-2.0-only
/*
 * The overlay's planner: what the config wants against what the kernel has (a read
 * view, struct ovl_kernel), as a list of steps in phases. Pure but for the FDB entries
 * of a VXLAN device it reads on demand when they were not read yet (pl->nl).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/log.h"
#include "subsys/overlay_plan.h"

#define VXLAN_OVERHEAD_V4 50	/* outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 */
#define VXLAN_OVERHEAD_V6 70	/* outer IPv6 40 + ... */

bool ovl_vrf_supported(const cJSON *kernel, const char **reason)
{
	const cJSON *f = cJSON_GetObjectItem(kernel, "vrf");

	*reason = cJSON_GetStringValue(cJSON_GetObjectItem(f, "reason"));
	if (!*reason)
		*reason = "the kernel's VRF support could not be probed";
	return cJSON_IsTrue(cJSON_GetObjectItem(f, "supported"));
}

struct step *ovl_plan_add(struct plan *p, enum step_op op, const char *tenant)
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
		struct step *s = ovl_plan_add(dst, ST_CREATE, NULL);

		if (!s)
			return -ENOMEM;
		*s = src->v[i];
	}
	free(src->v);
	*src = (struct plan){ 0 };
	return 0;
}

static bool addr_eq(const struct ztos_addr *a, const struct ztos_addr *b)
{
	if (a->family != b->family)
		return false;
	return a->family == AF_INET ? a->v4.s_addr == b->v4.s_addr
				    : !memcmp(&a->v6, &b->v6, sizeof(a->v6));
}

bool ovl_owned_has(const struct ovl_owned *o, uint32_t vni, const struct ztos_addr *a)
{
	for (size_t i = 0; o && i < o->n; i++)
		if (o->v[i].vni == vni && addr_eq(&o->v[i].addr, a))
			return true;
	return false;
}

static void nomem(struct planner *pl)
{
	pl->err = -ENOMEM;
}

/* d with its FDB entries read (one dump filtered by its ifindex when not yet), or NULL. */
static const struct ovl_dev *with_fdb(struct planner *pl, struct ovl_dev *d)
{
	struct ztos_err e = { 0 };

	if (!d || d->fdb_read || d->kind != OVL_VXLAN)
		return d;
	if (ovl_kernel_read_fdb(pl->nl, pl->k, d, &e)) {
		cfg_error_add(pl->errs, "overlay", "%s: %s", d->name, e.msg);
		pl->err = pl->err ? pl->err : -EIO;
		return NULL;
	}
	return d;
}

/* d with its IPv4 addresses read (one dump filtered by its ifindex when not yet), or NULL. */
static const struct ovl_dev *with_addrs(struct planner *pl, struct ovl_dev *d)
{
	struct ztos_err e = { 0 };

	if (!d || d->addrs_read)
		return d;
	if (ovl_kernel_read_addrs(pl->nl, pl->k, d, &e)) {
		cfg_error_add(pl->errs, "overlay", "%s: %s", d->name, e.msg);
		pl->err = pl->err ? pl->err : -EIO;
		return NULL;
	}
	return d;
}

static void add_addr(struct planner *pl, enum step_op op, const char *br,
		     const struct ztos_cidr *a, const char *tenant, enum phase ph)
{
	struct step *s = ovl_plan_add(&pl->ph[ph], op, tenant);

	if (!s)
		return nomem(pl);
	snprintf(s->dev.name, sizeof(s->dev.name), "%s", br);
	s->cidr = *a;
}

static void add_fdb(struct planner *pl, enum step_op op, const char *vx, const struct ztos_addr *a,
		    const char *tenant, enum phase ph)
{
	struct step *s = ovl_plan_add(&pl->ph[ph], op, tenant);

	if (!s)
		return nomem(pl);
	snprintf(s->dev.name, sizeof(s->dev.name), "%s", vx);
	s->addr = *a;
}

static void add_set(struct planner *pl, const struct ovl_dev *want, const struct ovl_dev *was,
		    unsigned int what, const char *tenant, enum phase ph)
{
	struct step *s = ovl_plan_add(&pl->ph[ph], ST_SET, tenant);

	if (!s)
		return nomem(pl);
	s->dev = *want;
	s->old = *was;
	s->dev.fdb = s->old.fdb = NULL;
	s->dev.n_fdb = s->old.n_fdb = 0;
	s->dev.addrs = s->old.addrs = NULL;
	s->dev.n_addrs = s->old.n_addrs = 0;
	s->what = what;
}

/* A device goes, with what hangs on it first, so that its undo puts everything back. */
static void add_delete(struct planner *pl, struct ovl_dev *dev, const char *tenant,
		       enum phase ph)
{
	const struct ovl_dev *d = with_fdb(pl, dev);
	struct step *s;

	if (d && d->kind == OVL_BRIDGE)
		d = with_addrs(pl, dev);
	if (!d)
		return;

	for (size_t i = 0; d->kind == OVL_VXLAN && i < d->n_fdb; i++)
		add_fdb(pl, ST_FDB_DEL, d->name, &d->fdb[i], tenant, ph);
	/* its gateways, so that an undo puts them back on the bridge it makes again */
	for (size_t i = 0; d->kind == OVL_BRIDGE && i < d->n_addrs; i++)
		if (d->addrs[i].ours)
			add_addr(pl, ST_ADDR_DEL, d->name, &d->addrs[i].cidr, tenant, ph);
	s = ovl_plan_add(&pl->ph[ph], ST_DELETE, tenant);
	if (!s)
		return nomem(pl);
	s->dev = *d;
	s->dev.fdb = NULL;
	s->dev.n_fdb = 0;
	s->dev.addrs = NULL;
	s->dev.n_addrs = 0;
}

static void add_create(struct planner *pl, const struct ovl_dev *want, const char *tenant,
		       enum phase ph)
{
	struct step *s = ovl_plan_add(&pl->ph[ph], ST_CREATE, tenant);

	if (!s)
		return nomem(pl);
	s->dev = *want;
}

/* A new link forwards as conf/default/forwarding says: a bridge's is ztos's to set. */
static void forwarding_after_create(struct planner *pl, const struct ovl_dev *want,
				    const char *tenant)
{
	struct ovl_dev was = *want;

	if (want->kind != OVL_BRIDGE || want->forwarding == pl->fwd_default)
		return;
	was.forwarding = pl->fwd_default;
	add_set(pl, want, &was, OVL_SET_FORWARD, tenant, PH_PORTS);
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
		forwarding_after_create(pl, want, tenant);
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
		forwarding_after_create(pl, want, tenant);
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
	if (want->has_mac && memcmp(d->mac, want->mac, sizeof(d->mac)))
		what |= OVL_SET_MAC;
	if (want->kind == OVL_BRIDGE && d->forwarding != want->forwarding)
		what |= OVL_SET_FORWARD;
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

/*
 * Whether the flood entry to a of vni is ztos's to delete. With EVPN, zebra's are zebra's:
 * only those ztos wrote go, and of those not one EVPN announces too (the kernel holds one
 * entry for both: deleting it would take zebra's away).
 */
static bool fdb_ours(const struct planner *pl, uint32_t vni, const struct ztos_addr *a)
{
	if (!pl->cfg->has_bgp)
		return true;
	if (!ovl_owned_has(pl->owned, vni, a))
		return false;
	return !pl->evpn_announces || !pl->evpn_announces(pl->evpn_ctx, vni, a);
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
		if (!wanted && fdb_ours(pl, t->vni, &d->fdb[j]))
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

void ovl_gateway_mac(uint32_t vni, uint8_t mac[6])
{
	mac[0] = 0x02;	/* locally administered, unicast */
	mac[1] = 0x7a;
	mac[2] = 0x74;
	mac[3] = (uint8_t)(vni >> 16);
	mac[4] = (uint8_t)(vni >> 8);
	mac[5] = (uint8_t)vni;
}

static bool same_cidrs(const struct ztos_cidr *a, size_t na, const struct ztos_cidr *b, size_t nb)
{
	if (na != nb)
		return false;
	for (size_t i = 0; i < na; i++)
		if (a[i].prefixlen != b[i].prefixlen || !addr_eq(&a[i].addr, &b[i].addr))
			return false;
	return true;
}

static bool has_cidr(const struct ztos_cidr *v, size_t n, const struct ztos_cidr *c)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].prefixlen == c->prefixlen && addr_eq(&v[i].addr, &c->addr))
			return true;
	return false;
}

/*
 * The gateways on the tenant's bridge: added where missing (an address that is there
 * already, put by whoever, is left as it is), and those ztos put that are not wanted
 * (gw false: none are) deleted. After a successful apply, a tenant whose gateways did
 * not change is not read.
 */
static void plan_gateways(struct planner *pl, const struct ztos_tenant *t, size_t ti,
			  const char *br, bool made, bool gw)
{
	const struct ztos_tenant *o = old_tenant(pl, ti);
	const struct ovl_dev *d = NULL;

	if (!made && !pl->full && o && o->has_vrf == t->has_vrf &&
	    same_cidrs(o->gateways, o->n_gateways, t->gateways, t->n_gateways))
		return;
	if (!made && !(d = with_addrs(pl, ovl_find(pl->k, br))) && pl->err)
		return;
	for (size_t i = 0; gw && i < t->n_gateways; i++) {
		bool have = false;

		for (size_t j = 0; d && j < d->n_addrs && !have; j++)
			have = d->addrs[j].cidr.prefixlen == t->gateways[i].prefixlen &&
			       addr_eq(&d->addrs[j].cidr.addr, &t->gateways[i].addr);
		if (!have)
			add_addr(pl, ST_ADDR_ADD, br, &t->gateways[i], t->name, PH_FDB);
	}
	for (size_t j = 0; d && j < d->n_addrs; j++)
		if (d->addrs[j].ours &&
		    !(gw && has_cidr(t->gateways, t->n_gateways, &d->addrs[j].cidr)))
			add_addr(pl, ST_ADDR_DEL, br, &d->addrs[j].cidr, t->name, PH_FDB);
}

/*
 * The L3 VNI of the tenant's VRF (symmetric routing between hosts through EVPN): a VXLAN
 * device ztvx<l3vni> in a bridge ztbr<l3vni> in the VRF, which zebra takes as the L3
 * VNI's interface; the bridge routes (forwarding on) what arrives from other hosts.
 */
static void plan_l3vni(struct planner *pl, const struct ztos_tenant *t, const struct ovl_dev *vrf,
		       const struct ovl_dev *tvx)
{
	struct ovl_dev br = { .kind = OVL_BRIDGE, .up = true, .forwarding = true };
	struct ovl_dev vx = *tvx;

	snprintf(br.name, sizeof(br.name), "ztbr%u", t->l3vni);
	snprintf(br.master, sizeof(br.master), "%s", vrf->name);
	memcpy(br.alias, vrf->alias, sizeof(br.alias));
	snprintf(vx.name, sizeof(vx.name), "ztvx%u", t->l3vni);
	snprintf(vx.master, sizeof(vx.master), "%s", br.name);
	vx.vni = t->l3vni;
	plan_device(pl, &br, t->name, PH_BRIDGE);
	plan_device(pl, &vx, t->name, PH_VXLAN);
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

	/* gateways route, so only in the tenant's VRF: never where the host's tables are */
	bool in_vrf = t->has_vrf && pl->vrf_ok, gw = in_vrf && t->n_gateways;

	if (in_vrf) {
		plan_device(pl, &vrf, t->name, PH_VRF);
		memcpy(br.master, vrf.name, sizeof(br.master));
	} else if (t->has_vrf && vrf_is_new(pl, t)) {
		pr_warn("overlay: tenant %s: no VRF (table %u): %s; %s is not in a VRF, and has "
			"neither its gateways nor its L3 VNI; the rest of the tenant applies",
			t->name, t->vrf_table, pl->vrf_reason, br.name);
	}
	br.forwarding = gw;
	br.has_mac = gw;
	ovl_gateway_mac(t->vni, br.mac);
	br_made = plan_device(pl, &br, t->name, PH_BRIDGE);
	vx_made = plan_device(pl, &vx, t->name, PH_VXLAN);
	if (in_vrf && t->l3vni)
		plan_l3vni(pl, t, &vrf, &vx);
	plan_fdb(pl, t, ti, vx.name, vx_made);
	plan_gateways(pl, t, ti, br.name, br_made, gw);
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

int ovl_plan_build(struct planner *pl, struct plan *out)
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
				pl->vrf_ok = ovl_vrf_supported(pl->kernel, &pl->vrf_reason);
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

/* ---- what an incremental apply reads ---- */

#define INCREMENTAL_MAX 64	/* tenants changed at most; past it one dump is cheaper */


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
	if (!ret && t->has_vrf && t->l3vni)
		ret = names_add(nm, "ztvx%u", t->l3vni) ?: names_add(nm, "ztbr%u", t->l3vni);
	for (size_t i = 0; !ret && i < t->n_interfaces; i++)
		ret = names_add(nm, "%s", t->interfaces[i]);
	return ret;
}

static bool tenant_changed(const struct ztos_tenant *a, const struct ztos_tenant *b)
{
	if (!same_vteps(a, b) || a->n_interfaces != b->n_interfaces ||
	    a->has_vrf != b->has_vrf ||
	    (a->has_vrf && (a->vrf_table != b->vrf_table || a->l3vni != b->l3vni)) ||
	    !same_cidrs(a->gateways, a->n_gateways, b->gateways, b->n_gateways))
		return true;
	for (size_t i = 0; i < a->n_interfaces; i++)
		if (strcmp(a->interfaces[i], b->interfaces[i]))
			return true;
	return false;
}

bool ovl_underlay_changed(const struct ztos_config *a, const struct ztos_config *b)
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
int ovl_incremental_scope(struct planner *pl, struct names *nm)
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
