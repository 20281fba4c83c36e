// SPDX-License-Identifier: GPL-2.0-only
/* ztos alerts: GET /api/v1/alerts?tenant=&sid=&limit= */

#include <getopt.h>

#include "ztos.h"

static const char help[] =
	"Usage: ztos alerts [--tenant NAME] [--sid N] [--limit N] [--json]\n"
	"\n"
	"Show the alerts of deep packet inspection, newest last.\n"
	"\n"
	"  --tenant NAME  only this tenant's alerts\n"
	"  --sid N        only alerts of the rule with this signature id\n"
	"  --limit N      at most N alerts (the newest)\n"
	"  --json         print the agent's answer as JSON\n";

enum { OPT_LIMIT = 256, OPT_JSON, OPT_TENANT, OPT_SID };

static const struct option opts[] = {
	{ "tenant", required_argument, NULL, OPT_TENANT },
	{ "sid", required_argument, NULL, OPT_SID },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{}
};

static void alert_row(struct table *t, const cJSON *a)
{
	const cJSON *alert = json_get(a, "alert");

	table_cell_json(t, json_get(a, "timestamp"));
	table_cell_json(t, json_get(a, "tenant"));
	table_cell_json(t, json_get(a, "proto"));
	table_cell_endpoint(t, a, "src_ip", "src_port");
	table_cell_endpoint(t, a, "dest_ip", "dest_port");
	table_cell_json(t, json_get(alert, "action"));
	table_cell_json(t, json_get(alert, "severity"));
	table_cell_json(t, json_get(alert, "signature_id"));
	table_cell_json(t, json_get(alert, "signature"));
}

static int render(const cJSON *root)
{
	const cJSON *alerts = json_get(root, "alerts"), *a;
	struct table t;
	int ret = 0;

	if (unavailable(root, "dpi"))
		return 0;
	table_init(&t, "TIME", "TENANT", "PROTO", "SOURCE", "DESTINATION", "ACTION",
		   "SEVERITY", "SID", "SIGNATURE", NULL);
	cJSON_ArrayForEach(a, alerts)
		alert_row(&t, a);
	if (cJSON_GetArraySize(alerts))
		ret = table_print(&t, stdout);
	else
		printf("no alerts\n");
	if (!ret && json_get(root, "total"))
		printf("\n%.0f alerts since ztosd started\n", json_get(root, "total")->valuedouble);
	table_free(&t);
	return ret;
}

int alerts_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	struct strbuf query = {};
	const char *limit = NULL, *tenant = NULL, *sid = NULL;
	uint32_t n;
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(help, stdout);
			return 0;
		case OPT_JSON:
			ctx->json = true;
			break;
		case OPT_TENANT:
			tenant = optarg;
			break;
		case OPT_SID:
			sid = optarg;
			ret = parse_u32(ctx, "--sid", optarg, 1, UINT32_MAX, &n);
			if (ret)
				return ret;
			break;
		case OPT_LIMIT:
			limit = optarg;
			ret = parse_u32(ctx, "--limit", optarg, 1, UINT32_MAX, &n);
			if (ret)
				return ret;
			break;
		default:
			return opt_error(ctx, c, argv);
		}
	}
	ret = no_operands(ctx, argc, argv);
	if (ret)
		return ret;
	query_add(&query, "tenant", tenant);
	query_add(&query, "sid", sid);
	query_add(&query, "limit", limit);
	ret = query.err ?: show(ctx, "/api/v1/alerts", query.s, render);
	sb_free(&query);
	return ret;
}
