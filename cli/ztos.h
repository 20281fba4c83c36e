/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ztos command-line client: what the command files share.
 *
 * Every function returns 0 or -errno. -EINVAL is kept for one meaning, "the
 * command line is wrong" (main() exits 2 on it, after the function that found
 * the mistake has said which and pointed to --help); every other failure exits 1.
 */
#ifndef ZTOS_CLI_H
#define ZTOS_CLI_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cjson/cJSON.h>

#define ZTOS_DEFAULT_SOCKET "/run/ztos/api.sock"
#define ZTOS_DEFAULT_TOKEN_FILE "/etc/ztos/token"

#define __printf(a, b) __attribute__((format(printf, a, b)))

struct ztos_ctx {
	const char *api;	/* base URL ("http://127.0.0.1:8080"); NULL: use socket */
	const char *socket;	/* unix socket path, used when api is NULL */
	const char *token;
	const char *token_file;
	const char *cacert;	/* CA bundle for an https:// agent; NULL: the system's */
	/* The settings file (settings.c) that named api or socket, and its token. */
	const char *settings;
	const char *settings_token, *settings_token_file;
	bool json;
	char cmd[64];		/* "ztos network configure", for messages */
};

struct command {
	const char *name;
	int (*fn)(struct ztos_ctx *ctx, int argc, char **argv);
	const char *help;
};

/* Run the entry of table named by argv[0]; prefix names the group ("ztos network"). */
int dispatch(struct ztos_ctx *ctx, const char *prefix, const struct command *table, size_t n,
	     const char *usage, int argc, char **argv);

/*
 * Where the agent is when no --api, --socket or ZTOS_API says (settings.c): the CLI's
 * settings file, if there is one. Returns 0 (also when there is none) or -errno after
 * saying what is wrong with the file.
 */
int settings_load(struct ztos_ctx *ctx);

/* ---- command line helpers (util.c) ---- */

/* Say what is wrong with the command line, point to --help; returns -EINVAL. */
int usage_error(const struct ztos_ctx *ctx, const char *fmt, ...) __printf(2, 3);
/* Turn getopt_long's '?' or ':' into a message; returns -EINVAL. */
int opt_error(const struct ztos_ctx *ctx, int c, char **argv);
/* Reject operands a command does not take; returns 0 or -EINVAL. */
int no_operands(const struct ztos_ctx *ctx, int argc, char **argv);
/*
 * Options of a command that takes only --json and --help. Returns 1 when --help was
 * asked for and printed (the command is done), 0 to go on, -EINVAL on a mistake.
 */
int read_opts(struct ztos_ctx *ctx, int argc, char **argv, const char *help);
/* Parse a decimal number in min..max; on error says which option; -EINVAL. */
int parse_u32(const struct ztos_ctx *ctx, const char *opt, const char *s, uint32_t min,
	      uint32_t max, uint32_t *out);

/* Growable string. Errors are sticky: check sb.err once, after the last append. */
struct strbuf {
	char *s;
	size_t len, cap;
	int err;
};

void sb_printf(struct strbuf *sb, const char *fmt, ...) __printf(2, 3);
void sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap) __printf(2, 0);
void sb_append(struct strbuf *sb, const char *s, size_t len);
const char *sb_str(const struct strbuf *sb);	/* "" when empty */
void sb_free(struct strbuf *sb);

/* "45s", "3m12s", "2h5m", "4d3h" */
void sb_duration(struct strbuf *sb, double secs);
/* Append "&key=VALUE" (first one "?key=VALUE") with VALUE URL-encoded; NULL skips. */
void query_add(struct strbuf *q, const char *key, const char *value);

/* ---- tables (table.c) ---- */

#define TABLE_MAX_COLS 12

/*
 * Cells are added left to right, top to bottom; columns are sized to their content.
 * Errors are sticky like strbuf's: table_print() returns the first one.
 */
struct table {
	size_t ncols, ncells, cap;
	const char *head[TABLE_MAX_COLS];
	char **cells;
	unsigned int hide_empty;	/* bit n: drop column n when no row has a value */
	int err;
};

void table_init(struct table *t, ...);	/* column headings, then NULL */
void table_cell(struct table *t, const char *fmt, ...) __printf(2, 3);
void table_cell_json(struct table *t, const cJSON *v);	/* scalar or list; "-" if absent */
/* ip_key and port_key of obj as "10.0.0.1:80" or "[2001:db8::1]:80" */
void table_cell_endpoint(struct table *t, const cJSON *obj, const char *ip_key,
			 const char *port_key);
int table_print(struct table *t, FILE *f);
void table_free(struct table *t);

/* ---- JSON helpers (json.c) ---- */

static inline cJSON *json_get(const cJSON *obj, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(obj, key);	/* NULL obj is fine */
}

const char *json_str(const cJSON *obj, const char *key);	/* NULL if absent */
bool json_num(const cJSON *obj, const char *key, double *out);
/* A scalar as text: strings as they are, integers without ".0", lists joined with ",". */
void json_scalar(struct strbuf *sb, const cJSON *v);
/*
 * Append the members of obj as "key=value" pairs, space separated: nested objects as
 * "parent.key=value", lists of scalars as "a,b". Nulls, empty lists and names in skip
 * (a NULL terminated list, may be NULL) are left out; values with spaces are quoted.
 */
void json_flatten(struct strbuf *sb, const cJSON *obj, const char *const *skip);
/* The same between before and after, or nothing at all when there is no pair. */
void json_flatten_around(struct strbuf *sb, const char *before, const cJSON *obj,
			 const char *const *skip, const char *after);
/* Re-indent JSON text without touching a token: numbers keep every digit. */
void json_pretty(FILE *f, const char *text, size_t len);

/* ---- talking to the agent (http.c) ---- */

struct http_response {
	long status;
	char *body;
	size_t len;
	cJSON *json;	/* body parsed, when status < 400 */
};

/*
 * GET or POST (body non-NULL, JSON) path + query. Returns 0 with resp filled when the
 * agent answered with status < 400 and JSON. Otherwise says why on stderr (the
 * agent's error and details, or where ztos looked for the agent and how to start it)
 * and returns -ECONNREFUSED (unreachable), -EIO (the transfer failed), -EACCES (401),
 * -EPROTO (any other status >= 400, or an answer that is not JSON) or -ENOMEM.
 */
int api_request(struct ztos_ctx *ctx, const char *path, const char *query, const char *body,
		struct http_response *resp);

/* Called with each chunk of a streamed answer; return 0 to go on, < 0 to stop. */
typedef int (*http_chunk_fn)(const char *data, size_t len, void *arg);

/* GET with the answer streamed to fn until the agent ends it or SIGINT (0). */
int api_stream(struct ztos_ctx *ctx, const char *path, const char *query, http_chunk_fn fn,
	       void *arg);
void http_response_free(struct http_response *resp);

/* ---- output: --json prints the answer as sent; otherwise render() makes text ---- */

typedef int (*render_fn)(const cJSON *root);

/* GET path?query and print it through one path for text and JSON. */
int show(struct ztos_ctx *ctx, const char *path, const char *query, render_fn render);
int output(const struct ztos_ctx *ctx, const struct http_response *resp, render_fn render);
/*
 * The flows and alerts answers hold {"NAME":{"state","reason"}} instead of data when
 * the part of the agent behind them is not running: print "NAME STATE: REASON" and
 * return true then.
 */
bool unavailable(const cJSON *root, const char *name);
/* "STATE (REASON)" or "STATE" into sb, for the {"state","reason"} objects. */
void state_str(struct strbuf *sb, const cJSON *obj);

/* ---- commands ---- */

int status_main(struct ztos_ctx *ctx, int argc, char **argv);
int network_main(struct ztos_ctx *ctx, int argc, char **argv);
int security_main(struct ztos_ctx *ctx, int argc, char **argv);
int flows_main(struct ztos_ctx *ctx, int argc, char **argv);
int alerts_main(struct ztos_ctx *ctx, int argc, char **argv);
int monitoring_main(struct ztos_ctx *ctx, int argc, char **argv);
int config_main(struct ztos_ctx *ctx, int argc, char **argv);

#endif
