// SPDX-License-Identifier: GPL-2.0-only
/*
 * ztos: the command-line client of ztosd. A table of commands and a dispatch loop;
 * each command group lives in its own file and talks to the agent through http.c.
 */

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "ztos.h"

static int help_main(struct ztos_ctx *ctx, int argc, char **argv);

static const struct command commands[] = {
	{ "status", status_main, "Show the agent's version, uptime and subsystems" },
	{ "network", network_main, "Show tenants, VNIs, VTEPs and BGP; change them" },
	{ "security", security_main, "Show WireGuard, MACsec and kernel support" },
	{ "flows", flows_main, "Show the flow table" },
	{ "alerts", alerts_main, "Show DPI alerts" },
	{ "monitoring", monitoring_main, "Show the event log (or follow it) and metrics" },
	{ "config", config_main, "Check a config file (no agent needed)" },
	{ "help", help_main, "Show help for a command: ztos help network configure" },
};

static const char usage_head[] =
	"Usage: ztos [OPTIONS] COMMAND [ARGS]...\n"
	"\n"
	"Talk to ztosd, the ztos agent, over its REST API.\n"
	"\n"
	"Options:\n"
	"  --api URL          agent's TCP API, e.g. http://127.0.0.1:8080 (or ZTOS_API)\n"
	"  --socket PATH      agent's unix socket when no --api/ZTOS_API is given\n"
	"                     (default " ZTOS_DEFAULT_SOCKET "; root only, no token needed)\n"
	"  --token TOKEN      bearer token for the TCP API (or ZTOS_TOKEN)\n"
	"  --token-file FILE  read the token from FILE, e.g. " ZTOS_DEFAULT_TOKEN_FILE "\n"
	"  --cacert FILE      trust the agent's TLS certificate in FILE (or ZTOS_CACERT)\n"
	"  --json             print the agent's answers as JSON\n"
	"  -h, --help         show this help\n"
	"  --version          show the version\n"
	"\n"
	"Without --api, --socket or ZTOS_API, the settings file ZTOS_CLI_CONFIG, else\n"
	"~/.config/ztos/cli.conf, may name the agent (api = URL, token = ...; see cli/README.md).\n"
	"\n"
	"Commands:\n";

static void print_commands(FILE *f, const struct command *table, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fprintf(f, "  %-12s %s\n", table[i].name, table[i].help);
}

static void usage(FILE *f)
{
	fputs(usage_head, f);
	print_commands(f, commands, sizeof(commands) / sizeof(commands[0]));
	fputs("\nRun 'ztos COMMAND --help' for a command's options.\n", f);
}

int dispatch(struct ztos_ctx *ctx, const char *prefix, const struct command *table, size_t n,
	     const char *group_usage, int argc, char **argv)
{
	snprintf(ctx->cmd, sizeof(ctx->cmd), "%s", prefix);
	if (argc < 1) {
		fprintf(stderr, "%s: which command?\n%s", prefix, group_usage);
		print_commands(stderr, table, n);
		return -EINVAL;
	}
	if (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
		fputs(group_usage, stdout);
		print_commands(stdout, table, n);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		if (strcmp(argv[0], table[i].name))
			continue;
		snprintf(ctx->cmd, sizeof(ctx->cmd), "%s %s", prefix, table[i].name);
		return table[i].fn(ctx, argc, argv);
	}
	return usage_error(ctx, "unknown command '%s'", argv[0]);
}

static int run(struct ztos_ctx *ctx, int argc, char **argv)
{
	static const char head[] = "Commands:\n";

	return dispatch(ctx, "ztos", commands, sizeof(commands) / sizeof(commands[0]), head,
			argc, argv);
}

/* "ztos help network configure" is "ztos network configure --help". */
static int help_main(struct ztos_ctx *ctx, int argc, char **argv)
{
	char **args;
	int ret;

	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	args = calloc(argc + 1, sizeof(*args));
	if (!args)
		return -ENOMEM;
	memcpy(args, argv + 1, (argc - 1) * sizeof(*args));
	args[argc - 1] = "--help";
	ret = run(ctx, argc, args);
	free(args);
	return ret;
}

enum { OPT_API = 256, OPT_TOKEN, OPT_TOKEN_FILE, OPT_CACERT, OPT_SOCKET, OPT_JSON, OPT_VERSION };

static const struct option global_opts[] = {
	{ "api", required_argument, NULL, OPT_API },
	{ "token", required_argument, NULL, OPT_TOKEN },
	{ "token-file", required_argument, NULL, OPT_TOKEN_FILE },
	{ "cacert", required_argument, NULL, OPT_CACERT },
	{ "socket", required_argument, NULL, OPT_SOCKET },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{}
};

/* Returns 1 when the option was --help or --version and was answered. */
static int global_opt(struct ztos_ctx *ctx, int c, char **argv)
{
	switch (c) {
	case OPT_API: ctx->api = optarg; break;
	case OPT_TOKEN: ctx->token = optarg; break;
	case OPT_TOKEN_FILE: ctx->token_file = optarg; break;
	case OPT_CACERT: ctx->cacert = optarg; break;
	case OPT_SOCKET: ctx->socket = optarg; break;
	case OPT_JSON: ctx->json = true; break;
	case 'h': usage(stdout); return 1;
	case OPT_VERSION: printf("ztos %s\n", ZTOS_VERSION); return 1;
	default: return opt_error(ctx, c, argv);
	}
	return 0;
}

/*
 * --api beats everything; an explicit --socket beats ZTOS_API from the environment; the
 * settings file counts only when none of them is given; then the default socket.
 */
static int find_agent(struct ztos_ctx *ctx)
{
	int ret = 0;

	if (!ctx->cacert)
		ctx->cacert = getenv("ZTOS_CACERT");
	if (!ctx->api && !ctx->socket)
		ctx->api = getenv("ZTOS_API");
	if (ctx->api && !*ctx->api)
		ctx->api = NULL;
	if (!ctx->api && !ctx->socket)
		ret = settings_load(ctx);
	if (!ctx->api && !ctx->socket)
		ctx->socket = ZTOS_DEFAULT_SOCKET;
	return ret;
}

static int parse_globals(struct ztos_ctx *ctx, int argc, char **argv)
{
	int c, ret;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:h", global_opts, NULL)) != -1) {
		ret = global_opt(ctx, c, argv);
		if (ret)
			return ret;
	}
	if (optind == argc) {
		fprintf(stderr, "ztos: which command?\n");
		usage(stderr);
		return -EINVAL;
	}
	return find_agent(ctx);
}

int main(int argc, char **argv)
{
	struct ztos_ctx ctx = { .cmd = "ztos" };
	int ret;

	ret = parse_globals(&ctx, argc, argv);
	if (ret)
		return ret == -EINVAL ? 2 : ret < 0;
	if (curl_global_init(CURL_GLOBAL_DEFAULT)) {
		fprintf(stderr, "ztos: cannot initialise libcurl\n");
		return 1;
	}
	ret = run(&ctx, argc - optind, argv + optind);
	curl_global_cleanup();
	if (ret == -ENOMEM)
		fprintf(stderr, "%s: out of memory\n", ctx.cmd);
	if (ret == -EINVAL)
		return 2;
	return ret ? 1 : 0;
}
