// SPDX-License-Identifier: GPL-2.0-only
/* GET /api/v1/network and POST /api/v1/network/configure. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "subsys/datapath.h"

static cJSON *addrs(const struct ztos_addr *v, size_t n)
{
	char buf[INET6_ADDRSTRLEN];
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(ztos_addr_str(&v[i], buf, sizeof(buf))));
	return arr;
}

static cJSON *cidr_or_null(bool has, const struct ztos_cidr *c)
{
	char buf[INET6_ADDRSTRLEN + 4];

	return has ? cJSON_CreateString(ztos_cidr_str(c, buf, sizeof(buf))) : cJSON_CreateNull();
}

static cJSON *tenant_json(const struct ztos_tenant *t)
{
	cJSON *o = cJSON_CreateObject(), *arr, *pol, *rules;
	char buf[INET6_ADDRSTRLEN + 4];

	cJSON_AddStringToObject(o, "name", t->name);
	cJSON_AddNumberToObject(o, "vni", t->vni);
	cJSON_AddItemToObject(o, "vteps", addrs(t->vteps, t->n_vteps));
	arr = cJSON_AddArrayToObject(o, "interfaces");
	for (size_t i = 0; i < t->n_interfaces; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(t->interfaces[i]));
	arr = cJSON_AddArrayToObject(o, "subnets");
	for (size_t i = 0; i < t->n_subnets; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(ztos_cidr_str(&t->subnets[i], buf,
									  sizeof(buf))));
	arr = cJSON_AddArrayToObject(o, "gateways");
	for (size_t i = 0; i < t->n_gateways; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(ztos_cidr_str(&t->gateways[i], buf,
									  sizeof(buf))));
	if (t->has_vrf) {
		cJSON *vrf = cJSON_AddObjectToObject(o, "vrf");

		cJSON_AddNumberToObject(vrf, "table", t->vrf_table);
		if (t->l3vni)
			cJSON_AddNumberToObject(vrf, "l3vni", t->l3vni);
	} else {
		cJSON_AddNullToObject(o, "vrf");
	}
	pol = cJSON_AddObjectToObject(o, "policy");
	cJSON_AddStringToObject(pol, "default", ztos_action_str(t->policy_default));
	rules = cJSON_AddArrayToObject(pol, "rules");
	for (size_t i = 0; i < t->n_rules; i++) {
		const struct ztos_policy_rule *r = &t->rules[i];
		cJSON *ro = cJSON_CreateObject();

		cJSON_AddStringToObject(ro, "action", ztos_action_str(r->action));
		cJSON_AddStringToObject(ro, "proto", ztos_proto_str(r->proto));
		cJSON_AddItemToObject(ro, "src", cidr_or_null(r->has_src, &r->src));
		cJSON_AddItemToObject(ro, "dst", cidr_or_null(r->has_dst, &r->dst));
		cJSON_AddNumberToObject(ro, "sport", r->sport);
		cJSON_AddNumberToObject(ro, "dport", r->dport);
		cJSON_AddItemToArray(rules, ro);
	}
	return o;
}

void api_network(struct api_request *req, struct api_response *resp)
{
	struct agent *a = req->agent;
	struct agent_snapshot *snap = agent_snapshot(a);
	const struct ztos_config *c = snap->cfg;
	cJSON *o = cJSON_CreateObject(), *tenants;
	char buf[INET6_ADDRSTRLEN];

	if (c->has_underlay) {
		cJSON *u = cJSON_AddObjectToObject(o, "underlay");

		cJSON_AddStringToObject(u, "interface", c->underlay.interface);
		cJSON_AddStringToObject(u, "address", ztos_addr_str(&c->underlay.address, buf,
								     sizeof(buf)));
		cJSON_AddStringToObject(u, "xdp_mode", ztos_xdp_mode_str(c->underlay.xdp_mode));
		cJSON_AddNumberToObject(u, "vxlan_port", c->underlay.vxlan_port);
	} else {
		cJSON_AddNullToObject(o, "underlay");
	}
	tenants = cJSON_AddArrayToObject(o, "tenants");
	for (size_t i = 0; i < c->n_tenants; i++) {
		cJSON *t = tenant_json(&c->tenants[i]), *allow;

		/* What XDP allows, read from its map: static and learned, with their origin */
		if ((allow = agent_allowlist(a, c->tenants[i].vni)))
			cJSON_AddItemToObject(t, "allowlist", allow);
		cJSON_AddItemToArray(tenants, t);
	}
	cJSON_AddItemToObject(o, "bgp", agent_bgp(a));
	cJSON_AddNumberToObject(o, "generation", (double)snap->generation);
	agent_snapshot_put(snap);
	cJSON_AddItemToObject(o, "datapath", agent_subsystem(a, &datapath_subsys));
	/* What the kernel has, read now: not what the config says it should have. */
	cJSON_AddItemToObject(o, "overlay", agent_overlay(a));
	resp->json = o;
}

enum refusal { BAD_JSON, BAD_CONFIG, KERNEL_REFUSED };

/* The subsystem's message says so already (the overlay's says how many steps it undid). */
static bool says_nothing_applied(const struct cfg_errors *errs)
{
	static const char tail[] = "nothing was applied";
	size_t n = errs->n ? strlen(errs->v[0].message) : 0;

	return n >= sizeof(tail) - 1 && !strcmp(errs->v[0].message + n - (sizeof(tail) - 1), tail);
}

static void invalid(struct api_response *resp, const struct cfg_errors *errs, enum refusal why)
{
	cJSON *details = cfg_errors_json(errs);

	if (why == BAD_JSON)
		api_error(resp, 400, "bad_request", "the body is not valid JSON: %s: %s",
			  errs->n ? errs->v[0].where : "?", errs->n ? errs->v[0].message : "?");
	else if (why == KERNEL_REFUSED)
		api_error(resp, 422, "apply_failed", "%s refused the change: %s%s",
			  errs->n && !strcmp(errs->v[0].where, "bgp") ? "FRR" : "the kernel",
			  errs->n ? errs->v[0].message : "?",
			  says_nothing_applied(errs) ? "" : "; nothing was applied");
	else
		api_error(resp, 422, "invalid_config",
			  "%zu error%s in the configuration; nothing was applied", errs->n,
			  errs->n == 1 ? "" : "s");
	cJSON_AddItemToObject(cJSON_GetObjectItem(resp->json, "error"), "details", details);
}

/* The agent's own settings come from its file only: an API client may not move them. */
static const char *forbidden_key(const struct cfg_node *patch)
{
	static const char *const keys[] = { "agent", "version" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (cfg_node_has(patch, keys[i]))
			return keys[i];
	return NULL;
}

void api_configure(struct api_request *req, struct api_response *resp)
{
	struct agent *a = req->agent;
	struct cfg_errors errs = { 0 };
	struct cfg_node *patch = NULL;
	const char *dry = api_query(req, "dry_run"), *bad;
	bool dry_run = dry && (!strcmp(dry, "1") || !strcmp(dry, "true"));
	cJSON *changes = NULL;
	int err;

	err = cfg_parse_json(req->body, req->body_len, &patch, &errs);
	if (err) {
		invalid(resp, &errs, BAD_JSON);
		goto out;
	}
	bad = forbidden_key(patch);
	if (bad) {
		api_error(resp, 422, "invalid_config",
			  "%s: is set in the agent's config file only, not over the API; remove "
			  "it from the request", bad);
		goto out;
	}
	err = agent_update(a, patch, dry_run, &changes, &errs);
	if (err == -EINVAL) {
		invalid(resp, &errs, BAD_CONFIG);
	} else if (err == -EIO) {
		invalid(resp, &errs, KERNEL_REFUSED);
	} else if (err == -EBUSY) {
		api_error(resp, 409, "conflict",
			  "another configuration change is being applied; retry");
	} else if (err) {
		api_error(resp, 500, "internal", "applying the configuration failed: %s",
			  strerror(-err));
	} else {
		resp->json = cJSON_CreateObject();
		cJSON_AddBoolToObject(resp->json, "dry_run", dry_run);
		cJSON_AddBoolToObject(resp->json, "applied", !dry_run);
		cJSON_AddNumberToObject(resp->json, "generation", (double)agent_generation(a));
		cJSON_AddItemToObject(resp->json, "changes", changes);
		changes = NULL;
	}
	if (!dry_run)
		atomic_fetch_add(err ? &a->metrics.configures_failed : &a->metrics.configures_ok, 1);
out:
	cJSON_Delete(changes);
	cfg_node_free(patch);
	cfg_errors_free(&errs);
}
