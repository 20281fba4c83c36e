// SPDX-License-Identifier: GPL-2.0-only
/*
 * ztos monitoring logs:    GET /api/v1/monitoring/logs (with --follow: Server-Sent Events)
 * ztos monitoring metrics: GET /api/v1/monitoring/metrics
 */

#include <errno.h>
#include <getopt.h>
#include <string.h>

#include "ztos.h"

static const char group_help[] =
	"Usage: ztos monitoring COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n";

static const char logs_help[] =
	"Usage: ztos monitoring logs [--since TIME] [--type EVENT_TYPE] [--limit N] [--follow]\n"
	"                            [--json]\n"
	"\n"
	"Show the agent's event log (eve.json-style events), one line each:\n"
	"TIMESTAMP EVENT_TYPE key=value ...\n"
	"\n"
	"  --since TIME       only events at or after TIME (RFC 3339)\n"
	"  --type EVENT_TYPE  only events of this type (alert, flow, config, ...)\n"
	"  --limit N          at most N events\n"
	"  --follow           keep printing events as they happen, until Ctrl-C\n"
	"  --json             print each event as the agent's JSON\n";

static const char metrics_help[] =
	"Usage: ztos monitoring metrics [--json]\n"
	"\n"
	"Show the agent's metrics (the same as GET /metrics for Prometheus).\n"
	"\n"
	"  --json   print the agent's answer as JSON\n";

/* ---- logs ---- */

static int log_line(struct strbuf *sb, const cJSON *event)
{
	const char *type = json_str(event, "event_type");
	const char *const skip[] = { "timestamp", "event_type", type, NULL };

	sb_printf(sb, "%s %s", json_str(event, "timestamp") ?: "-", type ?: "-");
	/* The details live under the type's name; flow fields (src_ip, ...) beside it. */
	if (type)
		json_flatten_around(sb, " ", json_get(event, type), NULL, "");
	json_flatten_around(sb, " ", event, skip, "");
	sb_printf(sb, "\n");
	return sb->err;
}

static int render_logs(const cJSON *root)
{
	struct strbuf sb = {};
	const cJSON *event;
	int ret = 0;

	cJSON_ArrayForEach(event, json_get(root, "events")) {
		sb.len = 0;
		ret = log_line(&sb, event);
		if (ret)
			break;
		fputs(sb_str(&sb), stdout);
	}
	sb_free(&sb);
	return ret;
}

/*
 * Server-Sent Events: "data: {json}" lines, a blank line ends an event, lines
 * starting with ':' are keepalive comments. Chunks split lines anywhere, so a
 * partial line waits in buf for the next chunk.
 */
struct sse {
	bool json;
	struct strbuf buf, data;
};

static int sse_event(struct sse *s)
{
	struct strbuf line = {};
	cJSON *event;
	int ret = 0;

	if (!s->data.len)
		return 0;
	event = s->json ? NULL : cJSON_ParseWithLength(s->data.s, s->data.len);
	if (event)
		ret = log_line(&line, event);
	if (!ret)
		printf("%s%s", event ? sb_str(&line) : s->data.s, event ? "" : "\n");
	if (!ret && fflush(stdout))
		ret = -errno;
	cJSON_Delete(event);
	sb_free(&line);
	s->data.len = 0;
	return ret;
}

static int sse_line(struct sse *s, char *line)
{
	size_t n = strlen(line);

	if (n && line[n - 1] == '\r')
		line[--n] = '\0';
	if (!n)
		return sse_event(s);
	if (strncmp(line, "data:", 5))
		return 0;	/* ": keepalive", "event:", "id:", "retry:" */
	line += line[5] == ' ' ? 6 : 5;
	if (s->data.len)
		sb_append(&s->data, "\n", 1);
	sb_append(&s->data, line, strlen(line));
	return s->data.err;
}

static int sse_chunk(const char *data, size_t len, void *arg)
{
	struct sse *s = arg;
	char *line, *nl;
	size_t used = 0;
	int ret = 0;

	sb_append(&s->buf, data, len);
	if (s->buf.err)
		return s->buf.err;
	for (line = s->buf.s; !ret && (nl = memchr(line, '\n', s->buf.len - used)); line = nl + 1) {
		*nl = '\0';
		used += nl + 1 - line;
		ret = sse_line(s, line);
	}
	memmove(s->buf.s, s->buf.s + used, s->buf.len - used + 1);
	s->buf.len -= used;
	return ret;
}

static int follow(struct ztos_ctx *ctx, const char *query)
{
	struct sse s = { .json = ctx->json };
	int ret;

	ret = api_stream(ctx, "/api/v1/monitoring/logs", query, sse_chunk, &s);
	sb_free(&s.buf);
	sb_free(&s.data);
	return ret;
}

enum { OPT_SINCE = 256, OPT_TYPE, OPT_LIMIT, OPT_FOLLOW, OPT_JSON };

static const struct option logs_opts[] = {
	{ "since", required_argument, NULL, OPT_SINCE },
	{ "type", required_argument, NULL, OPT_TYPE },
	{ "limit", required_argument, NULL, OPT_LIMIT },
	{ "follow", no_argument, NULL, OPT_FOLLOW },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{}
};

struct logs_args {
	const char *since, *type, *limit;
	bool follow;
};

static int logs_opt(struct ztos_ctx *ctx, struct logs_args *a, int c, char **argv)
{
	uint32_t n;

	switch (c) {
	case OPT_SINCE: a->since = optarg; return 0;
	case OPT_TYPE: a->type = optarg; return 0;
	case OPT_LIMIT:
		a->limit = optarg;
		return parse_u32(ctx, "--limit", optarg, 1, UINT32_MAX, &n);
	case OPT_FOLLOW: a->follow = true; return 0;
	case OPT_JSON: ctx->json = true; return 0;
	}
	return opt_error(ctx, c, argv);
}

static int logs_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	struct strbuf query = {};
	struct logs_args a = {};
	int c, ret;

	optind = 0;
	while ((c = getopt_long(argc, argv, ":h", logs_opts, NULL)) != -1) {
		if (c == 'h') {
			fputs(logs_help, stdout);
			return 0;
		}
		ret = logs_opt(ctx, &a, c, argv);
		if (ret)
			return ret;
	}
	ret = no_operands(ctx, argc, argv);
	if (ret)
		return ret;
	query_add(&query, "since", a.since);
	query_add(&query, "event_type", a.type);
	query_add(&query, "limit", a.limit);
	query_add(&query, "follow", a.follow ? "1" : NULL);
	if (query.err)
		ret = query.err;
	else if (a.follow)
		ret = follow(ctx, query.s);
	else
		ret = show(ctx, "/api/v1/monitoring/logs", query.s, render_logs);
	sb_free(&query);
	return ret;
}

/* ---- metrics ---- */

static void sample_rows(struct table *t, const cJSON *metric)
{
	const cJSON *sample;

	cJSON_ArrayForEach(sample, json_get(metric, "samples")) {
		struct strbuf labels = {};
		const cJSON *l;

		cJSON_ArrayForEach(l, json_get(sample, "labels")) {
			sb_printf(&labels, "%s%s=", labels.len ? "," : "", l->string);
			json_scalar(&labels, l);
		}
		table_cell(t, "%s", json_str(metric, "name") ?: "?");
		table_cell(t, "%s", sb_str(&labels));
		table_cell_json(t, json_get(sample, "value"));
		t->err = t->err ?: labels.err;
		sb_free(&labels);
	}
}

static int render_metrics(const cJSON *root)
{
	const cJSON *metric;
	struct table t;
	int ret;

	table_init(&t, "NAME", "LABELS", "VALUE", NULL);
	cJSON_ArrayForEach(metric, json_get(root, "metrics"))
		sample_rows(&t, metric);
	ret = table_print(&t, stdout);
	table_free(&t);
	return ret;
}

static int metrics_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	int ret = read_opts(ctx, argc, argv, metrics_help);

	if (ret)
		return ret < 0 ? ret : 0;
	return show(ctx, "/api/v1/monitoring/metrics", NULL, render_metrics);
}

static const struct command monitoring_commands[] = {
	{ "logs", logs_main, "Show the event log, or follow it" },
	{ "metrics", metrics_main, "Show the agent's metrics" },
};

int monitoring_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	return dispatch(ctx, "ztos monitoring", monitoring_commands,
			sizeof(monitoring_commands) / sizeof(monitoring_commands[0]),
			group_help, argc - 1, argv + 1);
}
