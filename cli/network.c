// SPDX-License-Identifier: GPL-2.0-only
/*
 * ztos network show:      GET /api/v1/network
 * ztos network configure: POST /api/v1/network/configure (a partial config as JSON)
 */

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "ztos.h"

static const char group_help[] =
	"Usage: ztos network COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n";

static const char show_help[] =
	"Usage: ztos network show [--bgp] [--json]\n"
	"\n"
	"Show tenants (VNI, VTEPs allowed with their origin, subnets, interfaces, VRF,\n"
	"policy), the underlay, BGP EVPN and the state of the overlay and datapath.\n"
	"\n"
	"  --bgp    BGP EVPN only: the peers (state, uptime, prefixes, last error) and\n"
	"           per VNI the remote VTEPs (static or learned through EVPN) and MACs\n"
	"  --json   print the agent's answer as JSON (with --bgp: its bgp object)\n";

static const char configure_help[] =
	"Usage: ztos network configure [--dry-run] --tenant NAME [--vni N] [--vtep ADDR]...\n"
	"                              [--subnet CIDR]... [--interface IF]... [--remove]\n"
	"       ztos network configure [--dry-run] --bgp [--local-as N] [--router-id ADDR]\n"
	"                              [--peer ADDR [--as N] [--rr-client] [--bfd]]...\n"
	"                              [--remove-peer ADDR]... [--remove]\n"
	"\n"
	"Change the running agent's config: the options make a partial config that the\n"
	"agent merges into its own, validates and applies. Prints what changed.\n"
	"\n"
	"Tenants (merged by name; repeated --vtep, --subnet, --interface make lists,\n"
	"which replace the tenant's lists):\n"
	"  --tenant NAME       the tenant to add or change\n"
	"  --vni N             its VXLAN network identifier (1-16777215)\n"
	"  --vtep ADDR         a remote VTEP allowed to send this VNI\n"
	"  --subnet CIDR       a subnet of the tenant, e.g. 10.100.0.0/24\n"
	"  --interface IF      a host-side interface of the tenant's workloads\n"
	"  --remove            remove the tenant instead\n"
	"\n"
	"BGP EVPN (peers merged by address):\n"
	"  --bgp               change the bgp section\n"
	"  --local-as N        this host's AS number\n"
	"  --router-id ADDR    this host's BGP router id (IPv4)\n"
	"  --peer ADDR         add or change a peer\n"
	"  --as N              the AS number of the --peer before it\n"
	"  --rr-client         the --peer before it is a route-reflector client\n"
	"  --bfd               the --peer before it is watched by BFD\n"
	"  --remove-peer ADDR  remove a peer\n"
	"  --remove            with --peer ADDR: remove that peer; alone: remove bgp:\n"
	"\n"
	"  --dry-run           show what would change, apply nothing\n"
	"  --json              print the agent's answer as JSON\n"
	"\n"
	"Examples:\n"
	"  ztos network configure --tenant blue --vni 100 --vtep 192.0.2.2\n"
	"  ztos network configure --bgp --peer 10.1.1.1 --as 64512\n"
	"  ztos network configure --bgp --peer 10.1.1.1 --remove --dry-run\n"
	"  ztos network configure --tenant blue --remove --dry-run\n";

/* ---- show ---- */

static void rule_str(struct strbuf *sb, const cJSON *rule)
{
	const char *proto = json_str(rule, "proto");
	double port;

	sb_printf(sb, "%s", json_str(rule, "action") ?: "?");
	if (proto && strcmp(proto, "any"))
		sb_printf(sb, " %s", proto);
	if (json_str(rule, "src"))
		sb_printf(sb, " src %s", json_str(rule, "src"));
	if (json_str(rule, "dst"))
		sb_printf(sb, " dst %s", json_str(rule, "dst"));
	if (json_num(rule, "sport", &port) && port)
		sb_printf(sb, " sport %.0f", port);
	if (json_num(rule, "dport", &port) && port)
		sb_printf(sb, " dport %.0f", port);
}

static void vrf_cell(struct table *t, const cJSON *vrf)
{
	double table = 0, l3vni = 0;

	if (!cJSON_IsObject(vrf)) {
		table_cell(t, "-");
		return;
	}
	json_num(vrf, "table", &table);
	json_num(vrf, "l3vni", &l3vni);
	if (l3vni)
		table_cell(t, "table %.0f, l3vni %.0f", table, l3vni);
	else
		table_cell(t, "table %.0f", table);
}

static void policy_cell(struct table *t, const cJSON *policy)
{
	int n = cJSON_GetArraySize(json_get(policy, "rules"));

	if (!cJSON_IsObject(policy))
		table_cell(t, "-");
	else if (n)
		table_cell(t, "%s, %d rule%s", json_str(policy, "default") ?: "?", n,
			   n == 1 ? "" : "s");
	else
		table_cell(t, "%s", json_str(policy, "default") ?: "?");
}

/* [{"address", "origin"}] as "192.0.2.2 (evpn), 192.0.2.3 (static)". */
static void origin_cell(struct table *t, const cJSON *list)
{
	const cJSON *e;
	struct strbuf sb = {};

	cJSON_ArrayForEach(e, list)
		sb_printf(&sb, "%s%s (%s%s)", e == list->child ? "" : ", ",
			  json_str(e, "address") ?: "?", json_str(e, "origin") ?: "?",
			  cJSON_IsTrue(json_get(e, "held")) ? ", held" : "");
	table_cell(t, "%s", cJSON_GetArraySize(list) ? sb_str(&sb) : "-");
	sb_free(&sb);
}

/* What XDP allows, when the agent says (it has a datapath); else the config's VTEPs. */
static void vteps_cell(struct table *t, const cJSON *tenant)
{
	const cJSON *allow = json_get(tenant, "allowlist");

	if (cJSON_IsArray(allow))
		origin_cell(t, allow);
	else
		table_cell_json(t, json_get(tenant, "vteps"));
}

static void tenant_row(struct table *t, const cJSON *tenant)
{
	table_cell(t, "%s", json_str(tenant, "name") ?: "?");
	table_cell_json(t, json_get(tenant, "vni"));
	vteps_cell(t, tenant);
	table_cell_json(t, json_get(tenant, "subnets"));
	table_cell_json(t, json_get(tenant, "interfaces"));
	vrf_cell(t, json_get(tenant, "vrf"));
	policy_cell(t, json_get(tenant, "policy"));
}

static void policies(struct strbuf *sb, const cJSON *tenants)
{
	const cJSON *tenant, *rule;

	cJSON_ArrayForEach(tenant, tenants) {
		const cJSON *policy = json_get(tenant, "policy");

		if (!cJSON_GetArraySize(json_get(policy, "rules")))
			continue;
		sb_printf(sb, "\npolicy of %s (default %s):\n", json_str(tenant, "name") ?: "?",
			  json_str(policy, "default") ?: "?");
		cJSON_ArrayForEach(rule, json_get(policy, "rules")) {
			sb_printf(sb, "  ");
			rule_str(sb, rule);
			sb_printf(sb, "\n");
		}
	}
}

static void underlay_line(struct strbuf *sb, const cJSON *u)
{
	double port = 0;

	if (!cJSON_IsObject(u)) {
		sb_printf(sb, "underlay: not configured\n");
		return;
	}
	json_num(u, "vxlan_port", &port);
	sb_printf(sb, "underlay: %s, address %s, xdp %s, vxlan port %.0f\n",
		  json_str(u, "interface") ?: "?", json_str(u, "address") ?: "?",
		  json_str(u, "xdp_mode") ?: "?", port);
}

/* "Established 2m, 4 prefixes" or "Active (last error: ...)": what the agent was told */
static void session_str(struct strbuf *sb, const cJSON *peer)
{
	double up = 0, pfx = 0;

	sb_printf(sb, "%s", json_str(peer, "state") ?: "state unknown");
	if (json_num(peer, "uptime_s", &up) && up > 0) {
		sb_printf(sb, " ");
		sb_duration(sb, up);
	}
	if (json_num(peer, "prefixes_received", &pfx))
		sb_printf(sb, ", %.0f prefix%s", pfx, pfx == 1 ? "" : "es");
	if (json_str(peer, "last_error"))
		sb_printf(sb, " (%s)", json_str(peer, "last_error"));
}

static void bgp_line(struct strbuf *sb, const cJSON *bgp)
{
	const cJSON *peer;
	double asn = 0;

	if (!cJSON_IsTrue(json_get(bgp, "configured"))) {
		sb_printf(sb, "bgp: not configured\n");
		return;
	}
	json_num(bgp, "asn", &asn);
	sb_printf(sb, "bgp: as %.0f, router-id %s, ", asn, json_str(bgp, "router_id") ?: "-");
	state_str(sb, bgp);
	sb_printf(sb, "\n");
	cJSON_ArrayForEach(peer, json_get(bgp, "peers")) {
		asn = 0;
		json_num(peer, "asn", &asn);
		sb_printf(sb, "  peer %s as %.0f: ", json_str(peer, "address") ?: "?", asn);
		session_str(sb, peer);
		sb_printf(sb, "\n");
	}
}

/* ztos network show --bgp: a table of peers, one of VNIs. */
static int render_bgp(const cJSON *root)
{
	const cJSON *bgp = json_get(root, "bgp"), *e, *v;
	struct strbuf sb = {};
	struct table peers, vnis;
	int ret;

	bgp_line(&sb, bgp);
	printf("%s", sb_str(&sb));
	sb_free(&sb);
	if (!cJSON_IsTrue(json_get(bgp, "configured")))
		return 0;
	table_init(&peers, "PEER", "AS", "TYPE", "STATE", "UPTIME", "PFX-RCVD", "LAST-ERROR", NULL);
	cJSON_ArrayForEach(e, json_get(bgp, "peers")) {
		double up;

		table_cell(&peers, "%s", json_str(e, "address") ?: "?");
		table_cell_json(&peers, json_get(e, "asn"));
		table_cell(&peers, "%s%s", json_str(e, "type") ?: "?",
			   cJSON_IsTrue(json_get(e, "route_reflector_client")) ? ", rr-client" : "");
		table_cell(&peers, "%s", json_str(e, "state") ?: "-");
		if (json_num(e, "uptime_s", &up)) {
			struct strbuf d = {};

			sb_duration(&d, up);
			table_cell(&peers, "%s", sb_str(&d));
			sb_free(&d);
		} else {
			table_cell(&peers, "-");
		}
		table_cell_json(&peers, json_get(e, "prefixes_received"));
		table_cell(&peers, "%s", json_str(e, "last_error") ?: "-");
	}
	table_init(&vnis, "VNI", "TENANT", "REMOTE-VTEPS", "MACS", "TYPE-2", "TYPE-3", NULL);
	cJSON_ArrayForEach(v, json_get(bgp, "vnis")) {
		const cJSON *r = json_get(v, "routes");

		table_cell_json(&vnis, json_get(v, "vni"));
		table_cell(&vnis, "%s", json_str(v, "tenant") ?: "-");
		origin_cell(&vnis, json_get(v, "remote_vteps"));
		table_cell_json(&vnis, json_get(v, "macs"));
		table_cell_json(&vnis, json_get(r, "type2"));
		table_cell_json(&vnis, json_get(r, "type3"));
	}
	printf("\n");
	ret = table_print(&peers, stdout);
	printf("\n");
	if (!ret)
		ret = table_print(&vnis, stdout);
	table_free(&peers);
	table_free(&vnis);
	return ret;
}

static int render_network(const cJSON *root)
{
	const cJSON *tenants = json_get(root, "tenants"), *tenant;
	struct strbuf sb = {};
	struct table t;
	int ret = 0;

	table_init(&t, "TENANT", "VNI", "VTEPS", "SUBNETS", "INTERFACES", "VRF", "POLICY", NULL);
	cJSON_ArrayForEach(tenant, tenants)
		tenant_row(&t, tenant);
	policies(&sb, tenants);
	sb_printf(&sb, "\n");
	underlay_line(&sb, json_get(root, "underlay"));
	bgp_line(&sb, json_get(root, "bgp"));
	sb_printf(&sb, "overlay: ");
	state_str(&sb, json_get(root, "overlay"));
	sb_printf(&sb, "\ndatapath: ");
	state_str(&sb, json_get(root, "datapath"));
	if (sb.err)
		ret = sb.err;
	else if (cJSON_GetArraySize(tenants))
		ret = table_print(&t, stdout);
	else
		printf("no tenants configured\n");
	if (!ret)
		printf("%s\n", sb_str(&sb));
	table_free(&t);
	sb_free(&sb);
	return ret;
}

/* --bgp --json: the bgp object alone, as the agent gave it. */
static int show_bgp(struct ztos_ctx *ctx)
{
	struct http_response resp;
	char *text;
	int ret;

	if (!ctx->json)
		return show(ctx, "/api/v1/network", NULL, render_bgp);
	ret = api_request(ctx, "/api/v1/network", NULL, NULL, &resp);
	if (!ret) {
		text = cJSON_Print(json_get(resp.json, "bgp"));
		printf("%s\n", text ?: "null");
		free(text);
	}
	http_response_free(&resp);
	return ret;
}

static int show_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "bgp", no_argument, NULL, 'b' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	bool bgp = false;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'b') {
			bgp = true;
		} else if (c == 'j') {
			ctx->json = true;
		} else if (c == 'h') {
			fputs(show_help, stdout);
			return 0;
		} else {
			return opt_error(ctx, c, argv);
		}
	}
	ret = no_operands(ctx, argc, argv);
	if (ret)
		return ret;
	return bgp ? show_bgp(ctx) : show(ctx, "/api/v1/network", NULL, render_network);
}

/* ---- configure ---- */

struct configure {
	const char *tenant;
	bool has_vni, remove;
	uint32_t vni;
	cJSON *vteps, *subnets, *interfaces;
	const char *tenant_opt;	/* the first tenant option seen, for messages */

	bool bgp, has_asn;
	uint32_t asn;
	const char *router_id;
	cJSON *peers, *last_peer;
	const char *bgp_opt;

	bool dry_run;
};

enum {
	OPT_TENANT = 256, OPT_VNI, OPT_VTEP, OPT_SUBNET, OPT_INTERFACE, OPT_REMOVE,
	OPT_BGP, OPT_LOCAL_AS, OPT_ROUTER_ID, OPT_PEER, OPT_AS, OPT_REMOVE_PEER,
	OPT_RR_CLIENT, OPT_BFD, OPT_DRY_RUN, OPT_JSON,
};

static const struct option configure_opts[] = {
	{ "tenant", required_argument, NULL, OPT_TENANT },
	{ "vni", required_argument, NULL, OPT_VNI },
	{ "vtep", required_argument, NULL, OPT_VTEP },
	{ "subnet", required_argument, NULL, OPT_SUBNET },
	{ "interface", required_argument, NULL, OPT_INTERFACE },
	{ "remove", no_argument, NULL, OPT_REMOVE },
	{ "bgp", no_argument, NULL, OPT_BGP },
	{ "local-as", required_argument, NULL, OPT_LOCAL_AS },
	{ "router-id", required_argument, NULL, OPT_ROUTER_ID },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "as", required_argument, NULL, OPT_AS },
	{ "remove-peer", required_argument, NULL, OPT_REMOVE_PEER },
	{ "rr-client", no_argument, NULL, OPT_RR_CLIENT },
	{ "bfd", no_argument, NULL, OPT_BFD },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{}
};

/* Append s to *list, making the list on first use; a NULL list means out of memory. */
static int list_add(cJSON **list, const char *s)
{
	if (!*list)
		*list = cJSON_CreateArray();
	if (!*list || !cJSON_AddItemToArray(*list, cJSON_CreateString(s)))
		return -ENOMEM;
	return 0;
}

static int peer_add(struct configure *c, const char *address, bool remove)
{
	cJSON *peer = cJSON_CreateObject();

	if (!c->peers)
		c->peers = cJSON_CreateArray();
	if (!peer || !c->peers || !cJSON_AddStringToObject(peer, "address", address) ||
	    (remove && !cJSON_AddTrueToObject(peer, "remove"))) {
		cJSON_Delete(peer);
		return -ENOMEM;
	}
	cJSON_AddItemToArray(c->peers, peer);
	c->last_peer = remove ? NULL : peer;
	return 0;
}

static int peer_as(const struct ztos_ctx *ctx, struct configure *c, const char *arg)
{
	uint32_t asn;
	int ret;

	if (!c->last_peer || json_get(c->last_peer, "asn"))
		return usage_error(ctx, "--as %s: give it right after the --peer it belongs to",
				   arg);
	ret = parse_u32(ctx, "--as", arg, 1, UINT32_MAX, &asn);
	if (ret)
		return ret;
	return cJSON_AddNumberToObject(c->last_peer, "asn", asn) ? 0 : -ENOMEM;
}

static int tenant_option(const struct ztos_ctx *ctx, struct configure *c, int opt,
		      const char *arg)
{
	switch (opt) {
	case OPT_TENANT:
		if (c->tenant)
			return usage_error(ctx, "one --tenant at a time");
		c->tenant = arg;
		return 0;
	case OPT_VNI:
		c->has_vni = true;
		return parse_u32(ctx, "--vni", arg, 1, 16777215, &c->vni);
	case OPT_VTEP: return list_add(&c->vteps, arg);
	case OPT_SUBNET: return list_add(&c->subnets, arg);
	case OPT_INTERFACE: return list_add(&c->interfaces, arg);
	case OPT_REMOVE: c->remove = true; return 0;
	}
	return -ENOENT;
}

/* --rr-client, --bfd: a flag of the --peer before it. */
static int peer_flag(const struct ztos_ctx *ctx, struct configure *c, const char *opt,
		     const char *key)
{
	if (!c->last_peer || json_get(c->last_peer, key))
		return usage_error(ctx, "--%s: give it right after the --peer it belongs to", opt);
	return cJSON_AddTrueToObject(c->last_peer, key) ? 0 : -ENOMEM;
}

static int bgp_option(const struct ztos_ctx *ctx, struct configure *c, int opt, const char *arg)
{
	switch (opt) {
	case OPT_BGP: c->bgp = true; return 0;
	case OPT_RR_CLIENT: return peer_flag(ctx, c, "rr-client", "route_reflector_client");
	case OPT_BFD: return peer_flag(ctx, c, "bfd", "bfd");
	case OPT_LOCAL_AS:
		c->has_asn = true;
		return parse_u32(ctx, "--local-as", arg, 1, UINT32_MAX, &c->asn);
	case OPT_ROUTER_ID: c->router_id = arg; return 0;
	case OPT_PEER: return peer_add(c, arg, false);
	case OPT_AS: return peer_as(ctx, c, arg);
	case OPT_REMOVE_PEER: return peer_add(c, arg, true);
	}
	return -ENOENT;
}

/* The option word as typed ("--vni"), for messages about where it belongs. */
static const char *opt_name(int opt)
{
	for (const struct option *o = configure_opts; o->name; o++)
		if (o->val == opt)
			return o->name;
	return "?";
}

static int configure_opt(struct ztos_ctx *ctx, struct configure *c, int opt,
			 char **argv)
{
	int ret;

	if (opt == OPT_DRY_RUN) {
		c->dry_run = true;
		return 0;
	}
	if (opt == OPT_JSON) {
		ctx->json = true;
		return 0;
	}
	ret = tenant_option(ctx, c, opt, optarg);
	if (ret != -ENOENT) {
		/* --remove is --bgp's too (configure_check) */
		if (opt != OPT_TENANT && opt != OPT_REMOVE && !c->tenant_opt)
			c->tenant_opt = opt_name(opt);
		return ret;
	}
	ret = bgp_option(ctx, c, opt, optarg);
	if (ret != -ENOENT) {
		if (opt != OPT_BGP && !c->bgp_opt)
			c->bgp_opt = opt_name(opt);
		return ret;
	}
	return opt_error(ctx, opt, argv);
}

static int bgp_remove_check(const struct ztos_ctx *ctx, const struct configure *c)
{
	const cJSON *p;

	if (c->has_asn || c->router_id)
		return usage_error(ctx, "--remove takes no --local-as or --router-id");
	cJSON_ArrayForEach(p, c->peers)
		if (json_get(p, "asn") || cJSON_GetArraySize(p) > 2)
			return usage_error(ctx, "--remove with --peer %s takes no other peer "
					   "options", json_str(p, "address") ?: "?");
	return 0;
}

/* The grammar in configure_help, checked once every option is in. */
static int configure_check(const struct ztos_ctx *ctx, const struct configure *c)
{
	if (c->tenant && c->bgp)
		return usage_error(ctx, "--tenant and --bgp go in separate commands");
	/* --remove belongs to --bgp as well: the whole section, or the peers named */
	if (c->bgp && c->remove)
		return bgp_remove_check(ctx, c);
	if (!c->tenant && c->tenant_opt)
		return usage_error(ctx, "--%s needs --tenant NAME", c->tenant_opt);
	if (!c->bgp && c->bgp_opt)
		return usage_error(ctx, "--%s needs --bgp", c->bgp_opt);
	if (!c->tenant && !c->bgp)
		return usage_error(ctx, "say what to configure: --tenant NAME or --bgp");
	if (c->remove && (c->has_vni || c->vteps || c->subnets || c->interfaces))
		return usage_error(ctx, "--remove takes no other tenant options");
	if (c->bgp && !c->bgp_opt && !c->remove)
		return usage_error(ctx, "--bgp needs --local-as, --router-id, --peer, "
				   "--remove-peer or --remove");
	return 0;
}

static void add_list(cJSON *obj, const char *key, cJSON **list)
{
	if (*list && cJSON_AddItemToObject(obj, key, *list))
		*list = NULL;
}

static cJSON *tenant_json(struct configure *c)
{
	cJSON *t = cJSON_CreateObject();

	cJSON_AddStringToObject(t, "name", c->tenant);
	if (c->remove)
		cJSON_AddTrueToObject(t, "remove");
	if (c->has_vni)
		cJSON_AddNumberToObject(t, "vni", c->vni);
	add_list(t, "vteps", &c->vteps);
	add_list(t, "subnets", &c->subnets);
	add_list(t, "interfaces", &c->interfaces);
	return t;
}

static cJSON *bgp_json(struct configure *c)
{
	cJSON *b = cJSON_CreateObject();

	if (c->has_asn)
		cJSON_AddNumberToObject(b, "asn", c->asn);
	if (c->router_id)
		cJSON_AddStringToObject(b, "router_id", c->router_id);
	add_list(b, "peers", &c->peers);
	return b;
}

/* --bgp --remove: {"bgp": null}, or the peers named, each with "remove": true */
static cJSON *bgp_remove_json(struct configure *c)
{
	cJSON *b, *p;

	if (!c->peers)
		return cJSON_CreateNull();
	cJSON_ArrayForEach(p, c->peers)
		if (!json_get(p, "remove"))
			cJSON_AddTrueToObject(p, "remove");
	b = cJSON_CreateObject();
	add_list(b, "peers", &c->peers);
	return b;
}

/* {"tenants":[{...}]} or {"bgp":{...}}; NULL when out of memory. */
static char *configure_body(struct configure *c)
{
	cJSON *root = cJSON_CreateObject(), *tenants;
	char *body = NULL;

	if (!root)
		return NULL;
	if (c->tenant) {
		tenants = cJSON_AddArrayToObject(root, "tenants");
		cJSON_AddItemToArray(tenants, tenant_json(c));
	} else {
		cJSON_AddItemToObject(root, "bgp", c->remove ? bgp_remove_json(c) : bgp_json(c));
	}
	body = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return body;
}

/* A dry run's FRR difference, as frr-reload.py gives it: "- line" / "+ line". */
static void frr_lines(const cJSON *lines)
{
	const cJSON *l;

	cJSON_ArrayForEach(l, json_get(lines, "delete"))
		printf("    - %s\n", cJSON_GetStringValue(l) ?: "");
	cJSON_ArrayForEach(l, json_get(lines, "add"))
		printf("    + %s\n", cJSON_GetStringValue(l) ?: "");
}

static int render_changes(const cJSON *root)
{
	const cJSON *change;
	double gen = 0;
	int n = 0;

	cJSON_ArrayForEach(change, json_get(root, "changes")) {
		const char *op = json_str(change, "op") ?: "";
		const char *detail = json_str(change, "detail");

		printf("%c %s", !strcmp(op, "add") ? '+' : !strcmp(op, "remove") ? '-' : '~',
		       json_str(change, "object") ?: "?");
		if (detail && *detail)
			printf(" (%s)", detail);
		printf("\n");
		frr_lines(json_get(change, "lines"));
		n++;
	}
	if (!n)
		printf("no changes\n");
	json_num(root, "generation", &gen);
	if (cJSON_IsTrue(json_get(root, "dry_run")))
		printf("dry run: nothing applied\n");
	else if (cJSON_IsTrue(json_get(root, "applied")))
		printf("applied (generation %.0f)\n", gen);
	else
		printf("not applied (generation %.0f)\n", gen);
	return 0;
}

static int configure_parse(struct ztos_ctx *ctx, struct configure *c, int argc, char **argv)
{
	int opt, ret;

	optind = 0;
	while ((opt = getopt_long(argc, argv, ":h", configure_opts, NULL)) != -1) {
		if (opt == 'h') {
			fputs(configure_help, stdout);
			return 1;
		}
		ret = configure_opt(ctx, c, opt, argv);
		if (ret)
			return ret;
	}
	ret = no_operands(ctx, argc, argv);
	return ret ?: configure_check(ctx, c);
}

static int configure_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	struct configure c = {};
	struct http_response resp = {};
	char *body = NULL;
	int ret;

	ret = configure_parse(ctx, &c, argc, argv);
	if (ret)
		goto cleanup;
	body = configure_body(&c);
	ret = body ? 0 : -ENOMEM;
	if (!ret)
		ret = api_request(ctx, "/api/v1/network/configure",
				  c.dry_run ? "?dry_run=1" : NULL, body, &resp);
	if (!ret)
		ret = output(ctx, &resp, render_changes);
cleanup:
	http_response_free(&resp);
	free(body);
	cJSON_Delete(c.vteps);
	cJSON_Delete(c.subnets);
	cJSON_Delete(c.interfaces);
	cJSON_Delete(c.peers);
	return ret > 0 ? 0 : ret;
}

static const struct command network_commands[] = {
	{ "show", show_main, "Show tenants, underlay, BGP and kernel state" },
	{ "configure", configure_main, "Add, change or remove a tenant or BGP settings" },
};

int network_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	return dispatch(ctx, "ztos network", network_commands,
			sizeof(network_commands) / sizeof(network_commands[0]), group_help,
			argc - 1, argv + 1);
}
