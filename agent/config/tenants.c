// SPDX-License-Identifier: GPL-2.0-only
/* The tenants: list: VNIs, VTEPs, ports, subnets, VRFs and policy. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bpf/ztos_common.h"
#include "walk.h"

static int t_name(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_tenant *t = obj;

	return get_name(c, v, t->name);
}

static int t_vni(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_tenant *t = obj;
	uint64_t x;
	int err = get_uint(c, v, 1, ZTOS_VNI_MAX, "a VNI", &x);

	if (!err)
		t->vni = (uint32_t)x;
	return err;
}

static int addr_item(struct bctx *c, const struct cfg_node *v, void *elem)
{
	return get_addr(c, v, elem);
}

static void addr_key(const void *elem, char *buf, size_t len)
{
	const struct ztos_addr *a = elem;

	buf[0] = '\0';
	if (a->family)
		ztos_addr_str(a, buf, len);
}

static int t_vteps(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_tenant *t = obj;
	void *arr = NULL;
	int err = walk_list(c, v, sizeof(*t->vteps), &arr, &t->n_vteps, addr_item);

	t->vteps = arr;
	unique_by(c, v, NULL, t->vteps, t->n_vteps, sizeof(*t->vteps), addr_key);
	return err;
}

static int ifname_item(struct bctx *c, const struct cfg_node *v, void *elem)
{
	return get_ifname(c, v, elem);
}

static int t_interfaces(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_tenant *t = obj;
	void *arr = NULL;
	int err = walk_list(c, v, sizeof(*t->interfaces), &arr, &t->n_interfaces, ifname_item);

	t->interfaces = arr;
	return err;
}

static int subnet_item(struct bctx *c, const struct cfg_node *v, void *elem)
{
	return get_cidr(c, v, true, elem);
}

static int t_subnets(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_tenant *t = obj;
	void *arr = NULL;
	int err = walk_list(c, v, sizeof(*t->subnets), &arr, &t->n_subnets, subnet_item);

	t->subnets = arr;
	return err;
}

/* A gateway's address; its prefix length comes from its subnet (gateways_check()). */
static int gateway_item(struct bctx *c, const struct cfg_node *v, void *elem)
{
	return get_addr(c, v, &((struct ztos_cidr *)elem)->addr);
}

static int t_gateways(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_tenant *t = obj;
	void *arr = NULL;
	int err = walk_list(c, v, sizeof(*t->gateways), &arr, &t->n_gateways, gateway_item);

	t->gateways = arr;
	return err;
}

static int vrf_table(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_tenant *t = obj;
	uint64_t x;
	int err = get_uint(c, v, 1, UINT32_MAX, "a routing table", &x);

	if (err)
		return err;
	if (x >= 253 && x <= 255)
		return b_err(c, v, "table %s is reserved (253 default, 254 main, 255 local); pick another",
			     v->text);
	t->vrf_table = (uint32_t)x;
	return 0;
}

static int vrf_l3vni(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_tenant *t = obj;
	uint64_t x;
	int err = get_uint(c, v, 1, ZTOS_VNI_MAX, "an L3 VNI", &x);

	if (!err)
		t->l3vni = (uint32_t)x;
	return err;
}

static const struct field vrf_fields[] = {
	{ "table", vrf_table, "add the VRF's routing table (1..4294967295, not 253..255)" },
	{ "l3vni", vrf_l3vni, NULL },
	{ 0 },
};

static int t_vrf(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_tenant *t = obj;

	t->has_vrf = true;
	return walk_map(c, v, vrf_fields, t);
}

/* ---- evpn: route distinguisher and route targets ---- */

/*
 * "ASN:NN" (a 2-byte ASN with a 4-byte number, or a 4-byte ASN with a 2-byte one) or
 * "A.B.C.D:NN" (a 2-byte number), as RFC 4364 types 0, 1 and 2 have them.
 */
static bool rt_ok(const char *s)
{
	const char *colon = strrchr(s, ':');
	struct in_addr a;
	char head[INET_ADDRSTRLEN], *end;
	unsigned long long x, y;

	if (!colon || colon == s || (size_t)(colon - s) >= sizeof(head) || !colon[1])
		return false;
	memcpy(head, s, colon - s);
	head[colon - s] = '\0';
	errno = 0;
	y = strtoull(colon + 1, &end, 10);
	if (*end || errno || colon[1] == '-' || colon[1] == '+')
		return false;
	if (inet_pton(AF_INET, head, &a) == 1)
		return y <= 65535;
	x = strtoull(head, &end, 10);
	if (*end || errno || head[0] == '-' || head[0] == '+' || x > UINT32_MAX)
		return false;
	return x <= 65535 ? y <= UINT32_MAX : y <= 65535;
}

static int get_rt(struct bctx *c, const struct cfg_node *v, const char *what, char *out)
{
	const char *s;
	int err = get_str(c, v, &s);

	if (err)
		return err;
	if (strlen(s) >= ZTOS_EVPN_RT_MAX || !rt_ok(s))
		return b_err(c, v, "'%.40s' is not %s: write ASN:NN (64512:100) or IPv4:NN "
			     "(192.0.2.1:100)", s, what);
	snprintf(out, ZTOS_EVPN_RT_MAX, "%s", s);
	return 0;
}

static int ev_rd(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_rt(c, v, "a route distinguisher", ((struct ztos_tenant *)obj)->evpn_rd);
}

static int rt_item(struct bctx *c, const struct cfg_node *v, void *elem)
{
	return get_rt(c, v, "a route target", elem);
}

/* Appends to *list: evpn.rt goes into both import and export. */
static int rt_list(struct bctx *c, const struct cfg_node *v, ztos_rt **list, size_t *n)
{
	void *arr = NULL;
	size_t k = 0;
	int err = walk_list(c, v, sizeof(ztos_rt), &arr, &k, rt_item);
	ztos_rt *grown;

	if (err || !k) {
		free(arr);
		return err;
	}
	grown = realloc(*list, (*n + k) * sizeof(ztos_rt));
	if (!grown) {
		free(arr);
		return c->err = -ENOMEM;
	}
	memcpy(grown + *n, arr, k * sizeof(ztos_rt));
	*list = grown;
	*n += k;
	free(arr);
	return 0;
}

static int ev_rt(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_tenant *t = obj;

	return rt_list(c, v, &t->rt_import, &t->n_rt_import) ?:
	       rt_list(c, v, &t->rt_export, &t->n_rt_export);
}

static int ev_rt_import(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_tenant *t = obj;

	return rt_list(c, v, &t->rt_import, &t->n_rt_import);
}

static int ev_rt_export(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_tenant *t = obj;

	return rt_list(c, v, &t->rt_export, &t->n_rt_export);
}

static const struct field evpn_fields[] = {
	{ "rd", ev_rd, NULL },
	{ "rt", ev_rt, NULL },
	{ "rt_import", ev_rt_import, NULL },
	{ "rt_export", ev_rt_export, NULL },
	{ 0 },
};

static int t_evpn(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return walk_map(c, v, evpn_fields, obj);
}

/* ---- policy ---- */

static const char *const action_names[] = { "allow", "deny", "inspect", NULL };
static const char *const default_names[] = { "allow", "deny", NULL };
static const char *const proto_names[] = { "any", "tcp", "udp", "icmp", "icmpv6", NULL };
static const uint8_t proto_numbers[] = { 0, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
					 IPPROTO_ICMPV6 };

static int r_action(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_policy_rule *r = obj;
	int i, err = get_enum(c, v, action_names, &i);

	if (!err)
		r->action = (enum ztos_action)i;
	return err;
}

static int r_proto(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_policy_rule *r = obj;
	int i, err = get_enum(c, v, proto_names, &i);

	if (!err)
		r->proto = proto_numbers[i];
	return err;
}

static int r_src(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_policy_rule *r = obj;
	int err = get_cidr(c, v, true, &r->src);

	r->has_src = !err;
	return err;
}

static int r_dst(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_policy_rule *r = obj;
	int err = get_cidr(c, v, true, &r->dst);

	r->has_dst = !err;
	return err;
}

static int get_port(struct bctx *c, const struct cfg_node *v, uint16_t *port)
{
	uint64_t x;
	int err = get_uint(c, v, 1, 65535, "a port", &x);

	if (!err)
		*port = (uint16_t)x;
	return err;
}

static int r_sport(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_port(c, v, &((struct ztos_policy_rule *)obj)->sport);
}

static int r_dport(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_port(c, v, &((struct ztos_policy_rule *)obj)->dport);
}

static const struct field rule_fields[] = {
	{ "action", r_action, "add allow, deny or inspect" },
	{ "proto", r_proto, NULL },
	{ "src", r_src, NULL },
	{ "dst", r_dst, NULL },
	{ "sport", r_sport, NULL },
	{ "dport", r_dport, NULL },
	{ 0 },
};

const char *ztos_proto_str(uint8_t proto)
{
	for (size_t i = 0; i < sizeof(proto_numbers); i++)
		if (proto_numbers[i] == proto)
			return proto_names[i];
	return "any";
}

/* What one key cannot say alone: ports need a protocol that has them. */
static void rule_check(struct bctx *c, const struct cfg_node *v, const struct ztos_policy_rule *r)
{
	static const char *const ports[] = { "sport", "dport" };
	const struct cfg_node *n;
	size_t i;

	for (i = 0; i < 2; i++) {
		n = cfg_map_get(v, ports[i]);
		if (n && !cfg_is_null(n) && r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP)
			b_err_at(c, n, i ? ".dport" : ".sport",
				 "a port needs proto tcp or udp (proto is %s)", ztos_proto_str(r->proto));
	}
	if (r->has_src && r->has_dst && r->src.addr.family != r->dst.addr.family)
		b_err_at(c, cfg_map_get(v, "dst"), ".dst",
			 "src and dst are of different address families; a rule matches one");
}

static int rule_item(struct bctx *c, const struct cfg_node *v, void *elem)
{
	int err = walk_map(c, v, rule_fields, elem);

	if (!err && v->type == CFG_MAP)
		rule_check(c, v, elem);
	return c->err;
}

static int p_default(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_tenant *t = obj;
	int i, err = get_enum(c, v, default_names, &i);

	if (!err)
		t->policy_default = (enum ztos_action)i;
	return err;
}

static int p_rules(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_tenant *t = obj;
	void *arr = NULL;
	int err = walk_list(c, v, sizeof(*t->rules), &arr, &t->n_rules, rule_item);

	t->rules = arr;
	if (!err && t->n_rules > ZTOS_MAX_RULES)
		return b_err(c, v, "%zu rules; the datapath holds %d per tenant: merge rules "
			     "with wider prefixes", t->n_rules, ZTOS_MAX_RULES);
	return err;
}

static const struct field policy_fields[] = {
	{ "default", p_default, NULL },
	{ "rules", p_rules, NULL },
	{ 0 },
};

static int t_policy(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return walk_map(c, v, policy_fields, obj);
}

static const struct field tenant_fields[] = {
	{ "name", t_name, "add a name (1 to 32 letters, digits, '_', '.' or '-')" },
	{ "vni", t_vni, "add the tenant's VNI (1..16777215)" },
	{ "vteps", t_vteps, NULL },
	{ "interfaces", t_interfaces, NULL },
	{ "subnets", t_subnets, NULL },
	{ "gateways", t_gateways, NULL },
	{ "vrf", t_vrf, NULL },
	{ "evpn", t_evpn, NULL },
	{ "policy", t_policy, NULL },
	{ 0 },
};

/* The subnet (of t's) that holds IPv4 address a, or NULL. */
static const struct ztos_cidr *subnet_of(const struct ztos_tenant *t, const struct ztos_addr *a)
{
	for (size_t i = 0; i < t->n_subnets; i++) {
		const struct ztos_cidr *s = &t->subnets[i];
		uint32_t mask = s->prefixlen ? htonl(~0u << (32 - s->prefixlen)) : 0;

		if (s->addr.family == AF_INET && !((a->v4.s_addr ^ s->addr.v4.s_addr) & mask))
			return s;
	}
	return NULL;
}

/* One gateway: an IPv4 host address of one of t's subnets, which has no other gateway. */
static void gateway_check(struct bctx *c, const struct cfg_node *n, struct ztos_tenant *t,
			  size_t k)
{
	struct ztos_cidr *g = &t->gateways[k];
	const struct ztos_cidr *s;
	char suffix[48], a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], net[INET6_ADDRSTRLEN + 4];
	uint32_t host;

	snprintf(suffix, sizeof(suffix), ".gateways[%zu]", k);
	ztos_addr_str(&g->addr, a, sizeof(a));
	if (g->addr.family != AF_INET) {
		b_err_at(c, n, suffix, "%s: IPv6 gateways are not supported yet (IPv6 forwarding "
			 "cannot be turned on for one device only); give an IPv4 address", a);
		return;
	}
	s = subnet_of(t, &g->addr);
	if (!s) {
		b_err_at(c, n, suffix, "%s is in none of tenant %s's subnets: add its subnet to "
			 "subnets, or give an address inside one", a, t->name);
		return;
	}
	ztos_cidr_str(s, net, sizeof(net));
	host = ntohl(g->addr.v4.s_addr) & (s->prefixlen ? ~(~0u << (32 - s->prefixlen)) : ~0u);
	if (s->prefixlen <= 30 && (!host || host == ~(~0u << (32 - s->prefixlen)))) {
		b_err_at(c, n, suffix, "%s is the %s address of %s: a gateway needs a host address",
			 a, host ? "broadcast" : "network", net);
		return;
	}
	g->prefixlen = s->prefixlen;
	for (size_t j = 0; j < k; j++) {
		if (t->gateways[j].prefixlen && subnet_of(t, &t->gateways[j].addr) == s) {
			b_err_at(c, n, suffix, "%s: %s has gateway %s already (gateways[%zu]): a "
				 "subnet has one gateway", a, net,
				 ztos_addr_str(&t->gateways[j].addr, b, sizeof(b)), j);
			g->prefixlen = 0;
			return;
		}
	}
}

/*
 * Gateways route the tenant's traffic, which stays in the tenant's own VRF: never in
 * the host's tables, where a workload could reach what is not its tenant's.
 */
static void gateways_check(struct bctx *c, const struct cfg_node *v, struct ztos_tenant *t)
{
	const struct cfg_node *seq = cfg_map_get(v, "gateways");

	if (!t->n_gateways)
		return;
	if (!t->has_vrf) {
		b_err_at(c, seq, ".gateways", "a gateway routes tenant %s's traffic, which ztos "
			 "keeps in the tenant's own VRF: add vrf: {table: N} (and l3vni, to route "
			 "between hosts)", t->name);
		return;
	}
	for (size_t k = 0; k < t->n_gateways; k++)
		gateway_check(c, seq && seq->type == CFG_SEQ && k < seq->n ? seq->items[k] : v, t, k);
}

static int tenant_item(struct bctx *c, const struct cfg_node *v, void *elem)
{
	struct ztos_tenant *t = elem;
	int err;

	t->policy_default = ZTOS_ALLOW;
	err = walk_map(c, v, tenant_fields, t);
	if (!err && v->type == CFG_MAP)
		gateways_check(c, v, t);
	return err ? err : c->err;
}

/* ---- checks across tenants ---- */

static void name_key(const void *elem, char *buf, size_t len)
{
	snprintf(buf, len, "%s", ((const struct ztos_tenant *)elem)->name);
}

/* "" (skipped) for 0, the value of a field that did not parse or is not set */
static void u32_key(uint32_t x, char *buf, size_t len)
{
	buf[0] = '\0';
	if (x)
		snprintf(buf, len, "%u", x);
}

static void vni_key(const void *elem, char *buf, size_t len)
{
	u32_key(((const struct ztos_tenant *)elem)->vni, buf, len);
}

static void table_key(const void *elem, char *buf, size_t len)
{
	u32_key(((const struct ztos_tenant *)elem)->vrf_table, buf, len);
}

static void l3vni_key(const void *elem, char *buf, size_t len)
{
	u32_key(((const struct ztos_tenant *)elem)->l3vni, buf, len);
}

/* An L3 VNI carries routed traffic of a VRF: it cannot also be some tenant's L2 VNI. */
static void l3vni_vs_vni(struct bctx *c, const struct cfg_node *seq, const struct ztos_tenant *t,
			 size_t n)
{
	char suffix[96];
	size_t i, j;

	for (i = 0; i < n; i++) {
		for (j = 0; t[i].l3vni && j < n && t[j].vni != t[i].l3vni; j++)
			;
		if (!t[i].l3vni || j == n)
			continue;
		snprintf(suffix, sizeof(suffix), "[%zu].vrf.l3vni", i);
		b_err_at(c, cfg_map_path(seq->items[i], "vrf.l3vni"), suffix,
			 "%u is already the VNI of tenant %s; an L3 VNI needs a number of its own",
			 t[i].l3vni, t[j].name);
	}
}

static const struct cfg_node *list_item(const struct cfg_node *map, const char *key, size_t k)
{
	const struct cfg_node *seq = cfg_map_get(map, key);

	return seq && seq->type == CFG_SEQ && k < seq->n ? seq->items[k] : map;
}

/* An interface sits in one tenant's bridge: report where else it was claimed. */
static void interfaces_once(struct bctx *c, const struct cfg_node *seq,
			    const struct ztos_tenant *t, size_t n)
{
	size_t total = 0, e = 0, *first = NULL, *owner = NULL;
	key_text *names = NULL;
	char suffix[96];

	for (size_t i = 0; i < n; i++)
		total += t[i].n_interfaces;
	if (!total)
		return;
	names = calloc(total, sizeof(*names));
	first = calloc(total, sizeof(*first));
	owner = calloc(total, sizeof(*owner));	/* the tenant of each, in list order */
	for (size_t i = 0; names && owner && i < n; i++) {
		for (size_t k = 0; k < t[i].n_interfaces; k++, e++) {
			snprintf(names[e], sizeof(names[e]), "%s", t[i].interfaces[k]);
			owner[e] = i;
		}
	}
	if (!names || !first || !owner || first_of_each(names, total, first)) {
		c->err = -ENOMEM;
		goto out;
	}
	e = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t k = 0; k < t[i].n_interfaces; k++, e++) {
			if (!names[e][0] || first[e] == e)
				continue;
			snprintf(suffix, sizeof(suffix), "[%zu].interfaces[%zu]", i, k);
			b_err_at(c, list_item(seq->items[i], "interfaces", k), suffix,
				 "%s already belongs to tenant %s; an interface serves one tenant",
				 names[e], t[owner[first[e]]].name);
		}
	}
out:
	free(names);
	free(first);
	free(owner);
}

static void tenants_check(struct bctx *c, const struct cfg_node *seq, const struct ztos_tenant *t,
			  size_t n)
{
	unique_by(c, seq, "name", t, n, sizeof(*t), name_key);
	unique_by(c, seq, "vni", t, n, sizeof(*t), vni_key);
	unique_by(c, seq, "vrf.table", t, n, sizeof(*t), table_key);
	unique_by(c, seq, "vrf.l3vni", t, n, sizeof(*t), l3vni_key);
	l3vni_vs_vni(c, seq, t, n);
	interfaces_once(c, seq, t, n);
}

/* What the datapath's maps hold (bpf/ztos_common.h): refuse more here, not half-load it. */
static void map_limits(struct bctx *c, const struct cfg_node *v, const struct ztos_config *cfg)
{
	size_t vteps = 0, ports = 0;

	for (size_t i = 0; i < cfg->n_tenants; i++) {
		vteps += cfg->tenants[i].n_vteps;
		ports += cfg->tenants[i].n_interfaces;
	}
	if (cfg->n_tenants > ZTOS_MAX_TENANTS)
		b_err(c, v, "%zu tenants; the datapath holds %d", cfg->n_tenants, ZTOS_MAX_TENANTS);
	if (vteps > ZTOS_MAX_VTEPS)
		b_err(c, v, "%zu VTEP entries in all; the datapath holds %d", vteps, ZTOS_MAX_VTEPS);
	if (ports > ZTOS_MAX_PORTS)
		b_err(c, v, "%zu tenant interfaces in all; the datapath holds %d", ports,
		      ZTOS_MAX_PORTS);
}

int f_tenants(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_config *cfg = obj;
	void *arr = NULL;
	int err = walk_list(c, v, sizeof(*cfg->tenants), &arr, &cfg->n_tenants, tenant_item);

	cfg->tenants = arr;
	if (!err && cfg->n_tenants)
		tenants_check(c, v, cfg->tenants, cfg->n_tenants);
	if (!err)
		map_limits(c, v, cfg);
	return c->err;
}
