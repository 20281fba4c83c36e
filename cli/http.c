// SPDX-License-Identifier: GPL-2.0-only
/*
 * The one way ztos talks to ztosd: libcurl over the unix socket or TCP. Every
 * failure is explained here, once, so commands only pass the error on.
 */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>

#include "ztos.h"

#define START_HINT "is ztosd running? start it with: sudo systemctl start ztosd" \
		   "   (or: sudo ztosd --config /etc/ztos/ztos.yaml)"

struct request {
	struct ztos_ctx *ctx;
	const char *method, *path;
	CURL *curl;
	struct curl_slist *headers;
	char *token;
	const char *token_from;	/* where the token came from, for a 401 */
	struct strbuf url, body;
	char errbuf[CURL_ERROR_SIZE];
};

static const char *where(const struct ztos_ctx *ctx, char *buf, size_t len)
{
	int n;

	if (ctx->api)
		n = snprintf(buf, len, "%s", ctx->api);
	else
		n = snprintf(buf, len, "unix socket %s", ctx->socket);
	if (ctx->settings && n >= 0 && (size_t)n < len)
		snprintf(buf + n, len - n, " (as %s says)", ctx->settings);
	return buf;
}

static int read_token_file(const struct ztos_ctx *ctx, const char *path, char **token)
{
	char buf[4096];
	size_t n;
	FILE *f;
	int ret;

	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		fprintf(stderr, "%s: cannot read token file %s: %s%s\n", ctx->cmd, path,
			strerror(-ret), ret == -EACCES ? " (it is root's: run as root, or "
			"set ZTOS_TOKEN)" : "");
		return ret;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	while (n && strchr(" \t\r\n", buf[n - 1]))
		n--;
	buf[n] = '\0';
	if (!n) {
		fprintf(stderr, "%s: token file %s is empty\n", ctx->cmd, path);
		return -ENODATA;
	}
	*token = strdup(buf);
	return *token ? 0 : -ENOMEM;
}

/*
 * --token, then --token-file, then ZTOS_TOKEN, then the settings file's (only when the
 * agent came from it too); none is fine (the socket needs none).
 */
static int find_token(struct request *r)
{
	const struct ztos_ctx *ctx = r->ctx;
	const char *env = getenv("ZTOS_TOKEN");

	if (ctx->token) {
		r->token_from = "--token";
		r->token = strdup(ctx->token);
	} else if (ctx->token_file) {
		r->token_from = ctx->token_file;
		return read_token_file(ctx, ctx->token_file, &r->token);
	} else if (env && *env) {
		r->token_from = "ZTOS_TOKEN";
		r->token = strdup(env);
	} else if (ctx->settings_token) {
		r->token_from = ctx->settings;
		r->token = strdup(ctx->settings_token);
	} else if (ctx->settings_token_file) {
		r->token_from = ctx->settings_token_file;
		return read_token_file(ctx, ctx->settings_token_file, &r->token);
	} else {
		return 0;
	}
	return r->token ? 0 : -ENOMEM;
}

static size_t collect(char *data, size_t size, size_t n, void *arg)
{
	struct strbuf *sb = arg;

	sb_append(sb, data, size * n);
	return sb->err ? 0 : size * n;
}

static int add_header(struct request *r, const char *name, const char *value)
{
	struct strbuf h = {};
	struct curl_slist *l;

	sb_printf(&h, "%s: %s", name, value);
	l = h.err ? NULL : curl_slist_append(r->headers, sb_str(&h));
	if (l)
		r->headers = l;
	sb_free(&h);
	return l ? 0 : -ENOMEM;
}

static int add_token(struct request *r)
{
	struct strbuf auth = {};
	int ret;

	if (!r->token)
		return 0;
	sb_printf(&auth, "Bearer %s", r->token);
	ret = auth.err ?: add_header(r, "Authorization", sb_str(&auth));
	sb_free(&auth);
	return ret;
}

/* Over the unix socket the host in the URL is only for the Host header. */
static int build_url(struct request *r, const char *path, const char *query)
{
	const char *api = r->ctx->api;
	size_t base = api ? strlen(api) : 0;

	while (base && api[base - 1] == '/')
		base--;
	if (api)
		sb_printf(&r->url, "%.*s%s%s", (int)base, api, path, query ?: "");
	else
		sb_printf(&r->url, "http://localhost%s%s", path, query ?: "");
	return r->url.err;
}

static int request_init(struct request *r, const char *path, const char *query,
			const char *accept, const char *content_type)
{
	const struct ztos_ctx *ctx = r->ctx;
	int ret;

	ret = find_token(r);
	if (ret)
		return ret;
	r->curl = curl_easy_init();
	if (!r->curl)
		return -ENOMEM;
	ret = build_url(r, path, query) ?: add_header(r, "Accept", accept) ?: add_token(r);
	if (!ret && content_type)
		ret = add_header(r, "Content-Type", content_type);
	if (ret)
		return ret;
	curl_easy_setopt(r->curl, CURLOPT_URL, sb_str(&r->url));
	if (!ctx->api)
		curl_easy_setopt(r->curl, CURLOPT_UNIX_SOCKET_PATH, ctx->socket);
	if (ctx->cacert)
		curl_easy_setopt(r->curl, CURLOPT_CAINFO, ctx->cacert);
	curl_easy_setopt(r->curl, CURLOPT_HTTPHEADER, r->headers);
	curl_easy_setopt(r->curl, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(r->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(r->curl, CURLOPT_CONNECTTIMEOUT, 5L);
	curl_easy_setopt(r->curl, CURLOPT_USERAGENT, "ztos/" ZTOS_VERSION);
	return 0;
}

static void request_free(struct request *r)
{
	curl_easy_cleanup(r->curl);
	curl_slist_free_all(r->headers);
	free(r->token);
	sb_free(&r->url);
	sb_free(&r->body);
}

static bool connect_failed(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST ||
	       rc == CURLE_COULDNT_RESOLVE_PROXY;
}

static int report_curl_error(const struct request *r, CURLcode rc)
{
	const struct ztos_ctx *ctx = r->ctx;
	long os_errno = 0;
	char at[512];
	const char *why = r->errbuf[0] ? r->errbuf : curl_easy_strerror(rc);

	curl_easy_getinfo(r->curl, CURLINFO_OS_ERRNO, &os_errno);
	if (os_errno)
		why = strerror(os_errno);
	where(ctx, at, sizeof(at));
	if (!connect_failed(rc)) {
		fprintf(stderr, "%s: %s %s at %s failed: %s\n", ctx->cmd, r->method, r->path,
			at, why);
		return -EIO;
	}
	fprintf(stderr, "%s: cannot reach ztosd at %s: %s\n", ctx->cmd, at, why);
	if (!ctx->api && os_errno == EACCES)
		fprintf(stderr, "the unix socket is root's: run ztos as root (sudo ztos ...), or "
			"use --api URL with a token (ZTOS_TOKEN or --token-file %s)\n",
			ZTOS_DEFAULT_TOKEN_FILE);
	else if (ctx->settings)
		fprintf(stderr, "is that agent running? %s names it: remove the file, or change "
			"it, when that agent is gone (a demo that ended removes its own)\n",
			ctx->settings);
	else
		fprintf(stderr, "%s\n", START_HINT);
	return -ECONNREFUSED;
}

static void report_401(const struct request *r)
{
	const struct ztos_ctx *ctx = r->ctx;

	if (r->token)
		fprintf(stderr, "%s: the agent refused the token from %s\n", ctx->cmd,
			r->token_from);
	else
		fprintf(stderr, "%s: the agent wants a token and none was given\n", ctx->cmd);
	fprintf(stderr, "give it with ZTOS_TOKEN=... or --token-file %s (the agent's "
		"agent.api.token_file); the unix socket needs no token, but needs root\n",
		ZTOS_DEFAULT_TOKEN_FILE);
}

/* "LOCATION: MESSAGE" */
static void print_detail(const cJSON *d)
{
	fprintf(stderr, "%s: %s\n", json_str(d, "location") ?: "-", json_str(d, "message") ?: "-");
}

/* {"error":{"code","message","details":[{"location","message"}]}} */
static int report_agent_error(const struct request *r, long status)
{
	const char *cmd = r->ctx->cmd;
	cJSON *root = cJSON_ParseWithLength(sb_str(&r->body), r->body.len);
	const cJSON *err = json_get(root, "error");
	const cJSON *details = json_get(err, "details");
	const char *msg = json_str(err, "message");
	const cJSON *d;

	if (status == 401)
		report_401(r);
	else if (msg)
		fprintf(stderr, "%s: %s (HTTP %ld%s%s)\n", cmd, msg, status,
			json_str(err, "code") ? ", " : "", json_str(err, "code") ?: "");
	else
		fprintf(stderr, "%s: %s %s: the agent answered HTTP %ld: %.200s\n", cmd,
			r->method, r->path, status, sb_str(&r->body));
	cJSON_ArrayForEach(d, details)
		print_detail(d);
	cJSON_Delete(root);
	return status == 401 ? -EACCES : -EPROTO;
}

int api_request(struct ztos_ctx *ctx, const char *path, const char *query, const char *body,
		struct http_response *resp)
{
	struct request r = { .ctx = ctx, .method = body ? "POST" : "GET", .path = path };
	CURLcode rc;
	int ret;

	*resp = (struct http_response){};
	ret = request_init(&r, path, query, "application/json", body ? "application/json" : NULL);
	if (ret)
		goto cleanup;
	if (body)
		curl_easy_setopt(r.curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(r.curl, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(r.curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(r.curl, CURLOPT_WRITEDATA, &r.body);
	rc = curl_easy_perform(r.curl);
	if (rc != CURLE_OK) {
		ret = r.body.err ?: report_curl_error(&r, rc);
		goto cleanup;
	}
	curl_easy_getinfo(r.curl, CURLINFO_RESPONSE_CODE, &resp->status);
	if (resp->status >= 400) {
		ret = report_agent_error(&r, resp->status);
		goto cleanup;
	}
	resp->json = cJSON_ParseWithLength(sb_str(&r.body), r.body.len);
	if (!resp->json) {
		fprintf(stderr, "%s: %s %s: the agent's answer is not JSON: %.200s\n", ctx->cmd,
			r.method, path, sb_str(&r.body));
		ret = -EPROTO;
		goto cleanup;
	}
	resp->len = r.body.len;
	resp->body = r.body.s;
	r.body = (struct strbuf){};
cleanup:
	request_free(&r);
	return ret;
}

void http_response_free(struct http_response *resp)
{
	free(resp->body);
	cJSON_Delete(resp->json);
	*resp = (struct http_response){};
}

/* ---- streaming (Server-Sent Events for --follow) ---- */

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
	interrupted = 1;
}

struct stream {
	struct request *r;
	http_chunk_fn fn;
	void *arg;
	long status;
	int ret;
};

static size_t stream_write(char *data, size_t size, size_t n, void *arg)
{
	struct stream *s = arg;

	if (!s->status)
		curl_easy_getinfo(s->r->curl, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->status >= 400)	/* an error is JSON, not a stream: keep it whole */
		return collect(data, size, n, &s->r->body);
	s->ret = s->fn(data, size * n, s->arg);
	return s->ret ? 0 : size * n;
}

/* libcurl calls this at least once a second: that is how Ctrl-C ends a quiet stream. */
static int stream_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
			   curl_off_t un)
{
	return interrupted;
}

static int stream_end(struct request *r, struct stream *s, CURLcode rc)
{
	if (interrupted)
		return 0;
	if (s->ret)
		return s->ret;
	if (rc != CURLE_OK)
		return r->body.err ?: report_curl_error(r, rc);
	curl_easy_getinfo(r->curl, CURLINFO_RESPONSE_CODE, &s->status);
	if (s->status >= 400)
		return report_agent_error(r, s->status);
	fprintf(stderr, "%s: the agent ended the event stream\n", r->ctx->cmd);
	return -ECONNRESET;
}

int api_stream(struct ztos_ctx *ctx, const char *path, const char *query, http_chunk_fn fn,
	       void *arg)
{
	struct request r = { .ctx = ctx, .method = "GET", .path = path };
	struct stream s = { .r = &r, .fn = fn, .arg = arg };
	struct sigaction sa = { .sa_handler = on_sigint }, old_int, old_term;
	CURLcode rc;
	int ret;

	ret = request_init(&r, path, query, "text/event-stream", NULL);
	if (ret)
		goto cleanup;
	curl_easy_setopt(r.curl, CURLOPT_WRITEFUNCTION, stream_write);
	curl_easy_setopt(r.curl, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(r.curl, CURLOPT_XFERINFOFUNCTION, stream_progress);
	curl_easy_setopt(r.curl, CURLOPT_NOPROGRESS, 0L);
	/* No SA_RESTART: a signal wakes libcurl's poll() so the callback above runs. */
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = curl_easy_perform(r.curl);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	ret = stream_end(&r, &s, rc);
cleanup:
	request_free(&r);
	return ret;
}
