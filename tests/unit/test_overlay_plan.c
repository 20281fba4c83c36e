// SPDX-License-Identifier: GPL-2.0-only
/*
 * The overlay's planner (agent/subsys/overlay_plan.c) on kernel views made by hand:
 * what it plans for a new tenant, for a kernel that has it all (nothing), for a device
 * of our name that is not ours (refused, nothing planned), for a tenant removed, a VTEP
 * changed and an interface that is not there yet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "subsys/overlay_plan.h"

static const char base[] = "version: 1\n"
			   "underlay: {interface: eth0, address: 192.0.2.1}\n";

static struct ztos_config *load(const char *tenants)
{
	struct cfg_errors e = { 0 };
	struct ztos_config *cfg = NULL;
	struct cfg_node *tree = NULL;
	char yaml[1024];
	int err;

	snprintf(yaml, sizeof(yaml), "%s%s", base, tenants);
	err = cfg_parse_yaml("t.yaml", yaml, strlen(yaml), &tree, &e);
	if (!err)
		err = cfg_build(tree, ".", &cfg, &e);
	if (err)
		cfg_errors_print(stderr, &e);
	assert_int_equal(err, 0);
	cfg_errors_free(&e);
	cfg_node_free(tree);
	return cfg;
}

static struct ovl_dev *dev(struct ovl_kernel *k, const char *name, enum ovl_kind kind, int ifindex)
{
	struct ovl_dev *d;

	assert_int_equal(ovl_kernel_update(k, name, ifindex), 0);
	d = ovl_find(k, name);
	assert_non_null(d);
	d->kind = kind;
	d->up = true;
	d->mtu = 1500;
	d->addrs_read = true;	/* no addresses */
	return d;
}

static struct ztos_addr addr(const char *text)
{
	struct ztos_addr a = { .family = AF_INET };

	assert_int_equal(inet_pton(AF_INET, text, &a.v4), 1);
	return a;
}

/* A kernel with the underlay eth0 and the workload port vb0. */
static void bare(struct ovl_kernel *k)
{
	*k = (struct ovl_kernel){ 0 };
	dev(k, "eth0", OVL_OTHER, 2);
	dev(k, "vb0", OVL_OTHER, 3);
}

/* What ztosd makes of tenant blue (VNI 100, VTEP vtep, port vb0): as the kernel has it. */
static void blue_made(struct ovl_kernel *k, const char *vtep)
{
	struct ovl_dev *br = dev(k, "ztbr100", OVL_BRIDGE, 10);
	struct ovl_dev *vx = dev(k, "ztvx100", OVL_VXLAN, 11);
	struct ovl_dev *port = ovl_find(k, "vb0");

	snprintf(br->alias, sizeof(br->alias), "ztos:tenant=blue");
	snprintf(vx->alias, sizeof(vx->alias), "ztos:tenant=blue");
	vx->mtu = 1450;
	vx->vni = 100;
	vx->local = addr("192.0.2.1");
	vx->port = 4789;
	snprintf(vx->dev, sizeof(vx->dev), "eth0");
	vx->dev_ifindex = 2;
	snprintf(vx->master, sizeof(vx->master), "ztbr100");
	vx->master_ifindex = 10;
	vx->fdb = calloc(1, sizeof(*vx->fdb));
	assert_non_null(vx->fdb);
	vx->fdb[0] = addr(vtep);
	vx->n_fdb = 1;
	vx->fdb_read = true;
	snprintf(port->master, sizeof(port->master), "ztbr100");
	port->master_ifindex = 10;
}

struct run {
	struct planner pl;
	struct plan p;
	struct cfg_errors errs;
	int ret;
};

static void plan(struct run *r, struct ovl_kernel *k, const struct ztos_config *old,
		 const struct ztos_config *cfg)
{
	memset(r, 0, sizeof(*r));
	r->pl = (struct planner){ .cfg = cfg, .old = old, .k = k, .errs = &r->errs, .full = true };
	r->ret = ovl_plan_build(&r->pl, &r->p);
}

static void run_free(struct run *r, struct ovl_kernel *k)
{
	for (int i = 0; i < PH_N; i++)
		free(r->pl.ph[i].v);
	free(r->pl.keep);
	free(r->pl.missing);
	free(r->p.v);
	cfg_errors_free(&r->errs);
	ovl_kernel_free(k);
}

/* The step for name of op, or NULL; *at its position. */
static const struct step *find(const struct run *r, enum step_op op, const char *name, size_t *at)
{
	for (size_t i = 0; i < r->p.n; i++) {
		if (r->p.v[i].op == op && !strcmp(r->p.v[i].dev.name, name)) {
			if (at)
				*at = i;
			return &r->p.v[i];
		}
	}
	return NULL;
}

static void t_new_tenant(void **state)
{
	struct ztos_config *cfg = load("tenants:\n  - {name: blue, vni: 100, vteps: [192.0.2.2], "
				       "interfaces: [vb0]}\n");
	const struct step *br, *vx, *port, *fdb;
	size_t ibr = 0, ivx = 0, iport = 0, ifdb = 0;
	struct ovl_kernel k;
	struct run r;

	bare(&k);
	plan(&r, &k, NULL, cfg);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.errs.n, 0);
	br = find(&r, ST_CREATE, "ztbr100", &ibr);
	vx = find(&r, ST_CREATE, "ztvx100", &ivx);
	port = find(&r, ST_SET, "vb0", &iport);
	fdb = find(&r, ST_FDB_ADD, "ztvx100", &ifdb);
	assert_non_null(br);
	assert_non_null(vx);
	assert_non_null(port);
	assert_non_null(fdb);
	assert_int_equal(br->dev.kind, OVL_BRIDGE);
	assert_string_equal(br->tenant, "blue");
	assert_int_equal(vx->dev.kind, OVL_VXLAN);
	assert_int_equal(vx->dev.vni, 100);
	assert_int_equal(vx->dev.mtu, 1500 - 50);	/* the underlay's less VXLAN over IPv4 */
	assert_string_equal(vx->dev.dev, "eth0");
	assert_false(vx->dev.learning);
	assert_string_equal(port->dev.master, "ztbr100");
	assert_true(port->what & OVL_SET_MASTER);
	assert_int_equal(fdb->addr.v4.s_addr, addr("192.0.2.2").v4.s_addr);
	/* Phases: the bridge before the VXLAN device in it, ports and FDB after both. */
	assert_true(ibr < ivx && ivx < iport && ivx < ifdb);
	assert_int_equal(r.p.n, 4);
	run_free(&r, &k);
	cfg_free(cfg);
}

static void t_adopted(void **state)
{
	struct ztos_config *cfg = load("tenants:\n  - {name: blue, vni: 100, vteps: [192.0.2.2], "
				       "interfaces: [vb0]}\n");
	struct ovl_kernel k;
	struct run r;

	bare(&k);
	blue_made(&k, "192.0.2.2");
	plan(&r, &k, NULL, cfg);
	assert_int_equal(r.ret, 0);
	for (size_t i = 0; i < r.p.n; i++)
		print_message("# unexpected step %d on %s\n", r.p.v[i].op, r.p.v[i].dev.name);
	assert_int_equal(r.p.n, 0);
	run_free(&r, &k);
	cfg_free(cfg);
}

static void t_not_ours(void **state)
{
	struct ztos_config *cfg = load("tenants:\n  - {name: blue, vni: 100}\n");
	struct ovl_kernel k;
	struct run r;

	bare(&k);
	dev(&k, "ztvx100", OVL_BRIDGE, 12);	/* someone else's, without the alias */
	plan(&r, &k, NULL, cfg);
	assert_int_equal(r.ret, -EEXIST);
	assert_int_equal(r.p.n, 0);
	assert_int_equal(r.errs.n, 1);
	assert_non_null(strstr(r.errs.v[0].message, "ztvx100 exists and is not ztos's"));
	assert_non_null(strstr(r.errs.v[0].message, "nothing was applied"));
	run_free(&r, &k);
	cfg_free(cfg);
}

static void t_removed_and_vtep_changed(void **state)
{
	struct ztos_config *old = load("tenants:\n"
				       "  - {name: blue, vni: 100, vteps: [192.0.2.2], interfaces: [vb0]}\n"
				       "  - {name: red, vni: 200}\n");
	struct ztos_config *cfg = load("tenants:\n  - {name: blue, vni: 100, vteps: [192.0.2.3], "
				       "interfaces: [vb0]}\n");
	const struct step *add, *del;
	struct ovl_dev *red;
	struct ovl_kernel k;
	struct run r;

	bare(&k);
	blue_made(&k, "192.0.2.2");
	red = dev(&k, "ztbr200", OVL_BRIDGE, 20);
	snprintf(red->alias, sizeof(red->alias), "ztos:tenant=red");
	plan(&r, &k, old, cfg);
	assert_int_equal(r.ret, 0);
	add = find(&r, ST_FDB_ADD, "ztvx100", NULL);
	del = find(&r, ST_FDB_DEL, "ztvx100", NULL);
	assert_non_null(add);
	assert_non_null(del);
	assert_int_equal(add->addr.v4.s_addr, addr("192.0.2.3").v4.s_addr);
	assert_int_equal(del->addr.v4.s_addr, addr("192.0.2.2").v4.s_addr);
	assert_non_null(find(&r, ST_DELETE, "ztbr200", NULL));
	/* Blue's devices stay as they are. */
	assert_null(find(&r, ST_DELETE, "ztvx100", NULL));
	assert_null(find(&r, ST_CREATE, "ztbr100", NULL));
	run_free(&r, &k);
	cfg_free(old);
	cfg_free(cfg);
}

/* With BGP EVPN, zebra's head-end entries are zebra's: only those ztos wrote go. */
static void t_evpn_keeps_zebras(void **state)
{
	struct ztos_config *cfg = load("tenants:\n  - {name: blue, vni: 100, interfaces: [vb0]}\n"
				       "bgp: {asn: 64512, router_id: 192.0.2.1, peers: "
				       "[{address: 192.0.2.9, asn: 64512}]}\n");
	struct ovl_owned_fdb mine = { .vni = 100, .addr = addr("192.0.2.7") };
	struct ovl_owned owned = { .v = &mine, .n = 1 };
	struct ovl_dev *vx;
	struct ovl_kernel k;
	struct run r;

	bare(&k);
	blue_made(&k, "192.0.2.2");	/* learned: zebra's */
	vx = ovl_find(&k, "ztvx100");
	vx->fdb = realloc(vx->fdb, 2 * sizeof(*vx->fdb));
	assert_non_null(vx->fdb);
	vx->fdb[1] = addr("192.0.2.7");	/* a static VTEP ztos wrote, now gone from the config */
	vx->n_fdb = 2;
	memset(&r, 0, sizeof(r));
	r.pl = (struct planner){ .cfg = cfg, .k = &k, .errs = &r.errs, .full = true, .owned = &owned };
	r.ret = ovl_plan_build(&r.pl, &r.p);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.p.n, 1);
	assert_int_equal(r.p.v[0].op, ST_FDB_DEL);
	assert_int_equal(r.p.v[0].addr.v4.s_addr, addr("192.0.2.7").v4.s_addr);
	run_free(&r, &k);
	cfg_free(cfg);
}

/* EVPN's answer: it announces 192.0.2.7 for VNI 100, and nothing else. */
static bool announces_7(void *ctx, uint32_t vni, const struct ztos_addr *vtep)
{
	int *asked = ctx;

	(*asked)++;
	return vni == 100 && vtep->v4.s_addr == addr("192.0.2.7").v4.s_addr;
}

/* A static VTEP that EVPN announces too: the config drops it, zebra's entry (the same) stays. */
static void t_evpn_static_also_announced(void **state)
{
	struct ztos_config *cfg = load("tenants:\n  - {name: blue, vni: 100, interfaces: [vb0]}\n"
				       "bgp: {asn: 64512, router_id: 192.0.2.1, peers: "
				       "[{address: 192.0.2.9, asn: 64512}]}\n");
	struct ovl_owned_fdb mine[] = { { .vni = 100, .addr = addr("192.0.2.7") },
					{ .vni = 100, .addr = addr("192.0.2.8") } };
	struct ovl_owned owned = { .v = mine, .n = 2 };
	struct ovl_dev *vx;
	struct ovl_kernel k;
	struct run r;
	int asked = 0;

	bare(&k);
	blue_made(&k, "192.0.2.7");	/* ztos wrote it, and EVPN announces it */
	vx = ovl_find(&k, "ztvx100");
	vx->fdb = realloc(vx->fdb, 2 * sizeof(*vx->fdb));
	assert_non_null(vx->fdb);
	vx->fdb[1] = addr("192.0.2.8");	/* ztos wrote it, EVPN does not announce it */
	vx->n_fdb = 2;
	memset(&r, 0, sizeof(r));
	r.pl = (struct planner){ .cfg = cfg, .k = &k, .errs = &r.errs, .full = true, .owned = &owned,
				 .evpn_announces = announces_7, .evpn_ctx = &asked };
	r.ret = ovl_plan_build(&r.pl, &r.p);
	assert_int_equal(r.ret, 0);
	assert_int_equal(asked, 2);
	assert_int_equal(r.p.n, 1);
	assert_int_equal(r.p.v[0].op, ST_FDB_DEL);
	assert_int_equal(r.p.v[0].addr.v4.s_addr, addr("192.0.2.8").v4.s_addr);
	run_free(&r, &k);
	cfg_free(cfg);
}

/* The kernel's support as subsys_env has it: with or without VRF. */
static cJSON *kernel_vrf(bool on)
{
	cJSON *k = cJSON_CreateObject(), *v = cJSON_AddObjectToObject(k, "vrf");

	cJSON_AddBoolToObject(v, "supported", on);
	if (!on)
		cJSON_AddStringToObject(v, "reason", "no vrf module");
	return k;
}

static size_t count(const struct run *r, enum step_op op, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < r->p.n; i++)
		n += r->p.v[i].op == op && !strcmp(r->p.v[i].dev.name, name);
	return n;
}

#define L3_TENANT "tenants:\n  - {name: blue, vni: 100, vteps: [192.0.2.2], interfaces: [vb0], subnets: " \
	"[10.1.0.0/24, 10.2.0.0/24], vrf: {table: 100, l3vni: 5100}"

/* An L3 VNI and two gateways: the VRF, the L3 VNI's VXLAN device and bridge in it, the
 * tenant bridge with the gateway MAC and addresses, both bridges routing. */
static void t_l3vni_gateways(void **state)
{
	struct ztos_config *cfg = load(L3_TENANT ", gateways: [10.1.0.1, 10.2.0.1]}\n");
	cJSON *kernel = kernel_vrf(true);
	const struct step *vrf, *br, *br3, *vx3, *fwd, *fwd3, *gw;
	size_t ivrf = 0, ibr = 0, ibr3 = 0, ivx3 = 0, igw = 0, ifwd = 0;
	char buf[INET6_ADDRSTRLEN + 4];
	struct ovl_kernel k;
	struct run r;

	bare(&k);
	memset(&r, 0, sizeof(r));
	r.pl = (struct planner){ .cfg = cfg, .k = &k, .errs = &r.errs, .full = true,
				 .kernel = kernel };
	r.ret = ovl_plan_build(&r.pl, &r.p);
	assert_int_equal(r.ret, 0);
	vrf = find(&r, ST_CREATE, "ztvrf100", &ivrf);
	br = find(&r, ST_CREATE, "ztbr100", &ibr);
	br3 = find(&r, ST_CREATE, "ztbr5100", &ibr3);
	vx3 = find(&r, ST_CREATE, "ztvx5100", &ivx3);
	fwd = find(&r, ST_SET, "ztbr100", &ifwd);
	fwd3 = find(&r, ST_SET, "ztbr5100", NULL);
	gw = find(&r, ST_ADDR_ADD, "ztbr100", &igw);
	assert_non_null(vrf);
	assert_non_null(br);
	assert_non_null(br3);
	assert_non_null(vx3);
	assert_non_null(fwd);
	assert_non_null(fwd3);
	assert_non_null(gw);
	assert_string_equal(br->dev.master, "ztvrf100");
	assert_true(br->dev.has_mac);
	assert_memory_equal(br->dev.mac, ((uint8_t[]){ 0x02, 0x7a, 0x74, 0, 0, 100 }), 6);
	assert_string_equal(br3->dev.master, "ztvrf100");
	assert_false(br3->dev.has_mac);	/* the router MAC is the host's own */
	assert_int_equal(vx3->dev.vni, 5100);
	assert_string_equal(vx3->dev.master, "ztbr5100");
	assert_string_equal(vx3->dev.dev, "eth0");
	assert_false(vx3->dev.learning);
	assert_true(fwd->what == OVL_SET_FORWARD && fwd->dev.forwarding);
	assert_true(fwd3->what == OVL_SET_FORWARD && fwd3->dev.forwarding);
	assert_string_equal(ztos_cidr_str(&gw->cidr, buf, sizeof(buf)), "10.1.0.1/24");
	assert_int_equal(count(&r, ST_ADDR_ADD, "ztbr100"), 2);
	assert_int_equal(count(&r, ST_ADDR_ADD, "ztbr5100"), 0);
	/* the VRF first, the bridges in it next, their addresses once they are in it */
	assert_true(ivrf < ibr && ivrf < ibr3 && ibr3 < ivx3 && ibr < igw && ibr < ifwd);
	run_free(&r, &k);
	cJSON_Delete(kernel);
	cfg_free(cfg);
}

/* Gateways dropped: those ztos put go (another address stays), the bridge stops routing;
 * without VRF support, no gateway and no L3 VNI are made at all. */
static void t_gateways_removed_and_no_vrf(void **state)
{
	struct ztos_config *cfg = load(L3_TENANT "}\n");
	struct ztos_config *gw = load(L3_TENANT ", gateways: [10.1.0.1]}\n");
	cJSON *kernel = kernel_vrf(true), *none = kernel_vrf(false);
	struct ovl_dev *br, *vrf, *br3, *vx3;
	char buf[INET6_ADDRSTRLEN + 4];
	const struct step *del, *fwd;
	struct ovl_kernel k;
	struct run r;

	bare(&k);
	blue_made(&k, "192.0.2.2");
	br = ovl_find(&k, "ztbr100");
	vrf = dev(&k, "ztvrf100", OVL_VRF, 12);
	br3 = dev(&k, "ztbr5100", OVL_BRIDGE, 13);
	vx3 = dev(&k, "ztvx5100", OVL_VXLAN, 14);
	br = ovl_find(&k, "ztbr100");
	vrf->table = 100;
	snprintf(vrf->alias, sizeof(vrf->alias), "ztos:tenant=blue");
	snprintf(br->master, sizeof(br->master), "ztvrf100");
	br->forwarding = br3->forwarding = true;
	snprintf(br3->master, sizeof(br3->master), "ztvrf100");
	snprintf(br3->alias, sizeof(br3->alias), "ztos:tenant=blue");
	*vx3 = *ovl_find(&k, "ztvx100");
	snprintf(vx3->name, sizeof(vx3->name), "ztvx5100");
	vx3->ifindex = 14;
	vx3->vni = 5100;
	vx3->fdb = NULL;
	vx3->n_fdb = 0;
	snprintf(vx3->master, sizeof(vx3->master), "ztbr5100");
	br->addrs = calloc(2, sizeof(*br->addrs));
	assert_non_null(br->addrs);
	br->addrs[0] = (struct ovl_addr){ { addr("10.1.0.1"), 24 }, true };
	br->addrs[1] = (struct ovl_addr){ { addr("192.168.9.1"), 24 }, false };
	br->n_addrs = 2;
	memset(&r, 0, sizeof(r));
	r.pl = (struct planner){ .cfg = cfg, .k = &k, .errs = &r.errs, .full = true,
				 .kernel = kernel };
	r.ret = ovl_plan_build(&r.pl, &r.p);
	assert_int_equal(r.ret, 0);
	del = find(&r, ST_ADDR_DEL, "ztbr100", NULL);
	fwd = find(&r, ST_SET, "ztbr100", NULL);
	assert_non_null(del);
	assert_string_equal(ztos_cidr_str(&del->cidr, buf, sizeof(buf)), "10.1.0.1/24");
	assert_int_equal(count(&r, ST_ADDR_DEL, "ztbr100"), 1);
	assert_non_null(fwd);
	assert_true((fwd->what & OVL_SET_FORWARD) && !fwd->dev.forwarding);
	assert_int_equal(r.p.n, 2);	/* the L3 VNI's devices are as wanted */
	for (int i = 0; i < PH_N; i++)
		free(r.pl.ph[i].v);
	free(r.pl.keep);
	free(r.p.v);
	/* no VRF in this kernel: gateways would route in the host's tables; none are made */
	bare(&k);
	memset(&r, 0, sizeof(r));
	r.pl = (struct planner){ .cfg = gw, .k = &k, .errs = &r.errs, .full = true,
				 .kernel = none };
	r.ret = ovl_plan_build(&r.pl, &r.p);
	assert_int_equal(r.ret, 0);
	assert_int_equal(count(&r, ST_ADDR_ADD, "ztbr100"), 0);
	assert_null(find(&r, ST_CREATE, "ztvx5100", NULL));
	assert_null(find(&r, ST_CREATE, "ztvrf100", NULL));
	assert_non_null(find(&r, ST_CREATE, "ztbr100", NULL));
	run_free(&r, &k);
	cJSON_Delete(kernel);
	cJSON_Delete(none);
	cfg_free(cfg);
	cfg_free(gw);
}

static void t_interface_later(void **state)
{
	struct ztos_config *cfg = load("tenants:\n  - {name: blue, vni: 100, interfaces: [vlate]}\n");
	struct ovl_kernel k;
	struct run r;

	bare(&k);
	plan(&r, &k, NULL, cfg);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.errs.n, 0);
	assert_int_equal(r.pl.n_missing, 1);
	assert_string_equal(r.pl.missing[0], "vlate");
	assert_non_null(find(&r, ST_CREATE, "ztbr100", NULL));
	run_free(&r, &k);
	cfg_free(cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_new_tenant),
		cmocka_unit_test(t_adopted),
		cmocka_unit_test(t_not_ours),
		cmocka_unit_test(t_removed_and_vtep_changed),
		cmocka_unit_test(t_evpn_keeps_zebras),
		cmocka_unit_test(t_evpn_static_also_announced),
		cmocka_unit_test(t_l3vni_gateways),
		cmocka_unit_test(t_gateways_removed_and_no_vrf),
		cmocka_unit_test(t_interface_later),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
