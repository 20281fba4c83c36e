// SPDX-License-Identifier: GPL-2.0-only
/* ztos flows: GET /api/v1/flows?tenant=&vni=&verdict=&limit=&cursor= */

#include <getopt.h>
#include <string.h>

#include "ztos.h"

static const char help[] =
	"Usage: ztos flows [--tenant NAME] [--vni N] [--verdict VERDICT] [--limit N]\n"
	"                  [--cursor CURSOR] [--json]\n"
	"\n"
	"Show the flow table of the datapath and its counters, one page at a time in the\n"
	"order of the flows' keys (100 flows unless --limit says otherwise).\n"
	"\n"
	"  --tenant NAME      only this tenant's flows\n"
	"  --vni N            only flows of this VNI\n"
	"  --verdict VERDICT  only flows with this verdict: allow, deny, inspect or block\n"
	"  --limit N          at most N flows (1 to 100000)\n"
	"  --cursor CURSOR    the page after the one that named CURSOR as its next page\n"
	"  --json             print the agent's answer as JSON\n";

static const char *const verdicts[] = { "allow", "deny", "inspect", "block", NULL };

enum { OPT_TENANT = 256, OPT_VNI, OPT_VERDICT, OPT_LIMIT, OPT_CURSOR, OPT_JSON };

static const struct option opts[] = {
	{ "tenant", required_argument, NULL, OPT_TENANT },
	{ "vni", required_argument, NULL, OPT_VNI },
	{ "verdict", required_argument, NULL, OPT_VERDICT },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "cursor", required_argument, NULL, OPT_CURSOR },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{}
};

static void flow_row(struct table *t, const cJSON *f)
{
	table_cell_json(t, json_get(f, "flow_id"));
	table_cell_json(t, json_get(f, "tenant"));
	table_cell_json(t, json_get(f, "vni"));
	table_cell_json(t, json_get(f, "proto"));
	table_cell_endpoint(t, f, "src_ip", "src_port");
	table_cell_endpoint(t, f, "dest_ip", "dest_port");
	table_cell_json(t, json_get(f, "packets"));
	table_cell_json(t, json_get(f, "bytes"));
	table_cell_json(t, json_get(f, "verdict"));
	table_cell_json(t, json_get(f, "last_seen"));
}

static int render(const cJSON *root)
{
	const cJSON *flows = json_get(root, "flows"), *f;
	struct strbuf counters = {};
	struct table t;
	int ret = 0;

	if (unavailable(root, "datapath"))
		return 0;
	table_init(&t, "FLOW", "TENANT", "VNI", "PROTO", "SOURCE", "DESTINATION", "PACKETS",
		   "BYTES", "VERDICT", "LAST SEEN", NULL);
	cJSON_ArrayForEach(f, flows)
		flow_row(&t, f);
	json_flatten(&counters, json_get(root, "counters"), NULL);
	if (cJSON_GetArraySize(flows))
		ret = table_print(&t, stdout);
	else
		printf("no flows\n");
	ret = ret ?: counters.err;
	if (!ret && counters.len)
		printf("\ncounters: %s\n", sb_str(&counters));
	if (!ret && cJSON_IsString(json_get(root, "next_cursor")))
		printf("\nmore flows: the next page is --cursor %s\n",
		       json_get(root, "next_cursor")->valuestring);
	table_free(&t);
	sb_free(&counters);
	return ret;
}

struct filter {
	const char *tenant, *vni, *verdict, *limit, *cursor;
};

static int check_verdict(const struct ztos_ctx *ctx, const char *v)
{
	for (const char *const *p = verdicts; *p; p++)
		if (!strcmp(v, *p))
			return 0;
	return usage_error(ctx, "--verdict %s: use allow, deny, inspect or block", v);
}

static int filter_opt(struct ztos_ctx *ctx, struct filter *f, int c, char **argv)
{
	uint32_t n;

	switch (c) {
	case OPT_TENANT: f->tenant = optarg; return 0;
	case OPT_VNI:
		f->vni = optarg;
		return parse_u32(ctx, "--vni", optarg, 1, 16777215, &n);
	case OPT_VERDICT: f->verdict = optarg; return check_verdict(ctx, optarg);
	case OPT_LIMIT:
		f->limit = optarg;
		return parse_u32(ctx, "--limit", optarg, 1, UINT32_MAX, &n);
	case OPT_CURSOR: f->cursor = optarg; return 0;
	case OPT_JSON: ctx->json = true; return 0;
	}
	return opt_error(ctx, c, argv);
}

int flows_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	struct strbuf query = {};
	struct filter f = {};
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(help, stdout);
			return 0;
		}
		ret = filter_opt(ctx, &f, c, argv);
		if (ret)
			return ret;
	}
	ret = no_operands(ctx, argc, argv);
	if (ret)
		return ret;
	query_add(&query, "tenant", f.tenant);
	query_add(&query, "vni", f.vni);
	query_add(&query, "verdict", f.verdict);
	query_add(&query, "limit", f.limit);
	query_add(&query, "cursor", f.cursor);
	ret = query.err ?: show(ctx, "/api/v1/flows", query.s, render);
	sb_free(&query);
	return ret;
}
