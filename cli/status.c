// SPDX-License-Identifier: GPL-2.0-only
/* ztos status: GET /api/v1/status */

#include "ztos.h"

static const char help[] =
	"Usage: ztos status [--json]\n"
	"\n"
	"Show the agent's version, uptime, loaded config and the state of each subsystem.\n"
	"\n"
	"  --json   print the agent's answer as JSON\n";

static void header(struct strbuf *sb, const cJSON *root)
{
	const cJSON *config = json_get(root, "config");
	double pid = 0, uptime = 0, gen = 0;

	json_num(root, "pid", &pid);
	json_num(root, "uptime_s", &uptime);
	sb_printf(sb, "ztosd %s, pid %.0f, up ", json_str(root, "version") ?: "?", pid);
	sb_duration(sb, uptime);
	if (json_str(root, "started"))
		sb_printf(sb, " (since %s)", json_str(root, "started"));
	if (json_str(root, "health"))
		sb_printf(sb, ", health %s", json_str(root, "health"));
	if (!cJSON_IsObject(config))
		return;
	json_num(config, "generation", &gen);
	sb_printf(sb, "\nconfig %s, generation %.0f", json_str(config, "file") ?: "-", gen);
	if (json_str(config, "loaded"))
		sb_printf(sb, ", loaded %s", json_str(config, "loaded"));
}

static int render(const cJSON *root)
{
	static const char *const skip[] = { "state", "reason", NULL };
	const cJSON *subsystems = json_get(root, "subsystems");
	struct strbuf sb = {};
	struct table t;
	const cJSON *s;
	int ret;

	header(&sb, root);
	table_init(&t, "SUBSYSTEM", "STATE", "DETAIL", NULL);
	cJSON_ArrayForEach(s, subsystems) {
		struct strbuf detail = {};

		sb_printf(&detail, "%s", json_str(s, "reason") ?: "");
		json_flatten_around(&detail, detail.len ? "; " : "", s, skip, "");
		table_cell(&t, "%s", s->string);
		table_cell(&t, "%s", json_str(s, "state") ?: "unknown");
		table_cell(&t, "%s", sb_str(&detail));
		t.err = t.err ?: detail.err;
		sb_free(&detail);
	}
	ret = sb.err;
	if (!ret) {
		printf("%s\n\n", sb_str(&sb));
		ret = table_print(&t, stdout);
	}
	table_free(&t);
	sb_free(&sb);
	return ret;
}

int status_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	int ret = read_opts(ctx, argc, argv, help);

	if (ret)
		return ret < 0 ? ret : 0;
	return show(ctx, "/api/v1/status", NULL, render);
}
