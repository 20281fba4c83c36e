// SPDX-License-Identifier: GPL-2.0-only
/*
 * One output path for every command: with --json the agent's answer is printed as
 * it came (re-indented only), otherwise the command's render function makes text
 * from the same parsed answer.
 */

#include <errno.h>

#include "ztos.h"

int output(const struct ztos_ctx *ctx, const struct http_response *resp, render_fn render)
{
	int ret = 0;

	if (ctx->json)
		json_pretty(stdout, resp->body, resp->len);
	else
		ret = render(resp->json);
	if (fflush(stdout) && !ret) {
		ret = -errno;
		fprintf(stderr, "%s: cannot write output: %m\n", ctx->cmd);
	}
	return ret;
}

int show(struct ztos_ctx *ctx, const char *path, const char *query, render_fn render)
{
	struct http_response resp;
	int ret;

	ret = api_request(ctx, path, query, NULL, &resp);
	if (!ret)
		ret = output(ctx, &resp, render);
	http_response_free(&resp);
	return ret;
}

void state_str(struct strbuf *sb, const cJSON *obj)
{
	const char *state = json_str(obj, "state");
	const char *reason = json_str(obj, "reason");

	sb_printf(sb, "%s", state ?: "unknown");
	if (reason && *reason)
		sb_printf(sb, " (%s)", reason);
}

bool unavailable(const cJSON *root, const char *name)
{
	const cJSON *obj = json_get(root, name);

	if (!cJSON_IsObject(obj))
		return false;
	printf("%s %s: %s\n", name, json_str(obj, "state") ?: "unavailable",
	       json_str(obj, "reason") ?: "no reason given");
	return true;
}
