// SPDX-License-Identifier: GPL-2.0-only
/*
 * The HTTP side of the API: listeners, authentication, body limits, routing and the
 * error format. Handlers (routes.c and friends) see only api_request/api_response.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "api.h"
#include "api/web.h"
#include "internal.h"
#include "report/eventlog.h"
#include "report/log.h"

#define TOKEN_BYTES 32
/* TCP connections from one address: more than a CLI, a browser and a scraper need; a slow
 * client needs many addresses to fill the pending half (guard.c). */
#define PER_IP_LIMIT 32
#define TOKEN_HEX (2 * TOKEN_BYTES)

struct api;

/* What MHD hands back to handle(): which listener a request came in on. */
struct listener {
	struct api *api;
	bool tcp;
};

struct api {
	struct agent *agent;
	struct listener tcp_l, unix_l;
	struct MHD_Daemon *tcp;
	struct MHD_Daemon *unix_sock;
	char *socket_path;
	char token[TOKEN_HEX + 1];
};

/* Per-connection request state, between MHD's calls for one request. */
struct req_state {
	const struct api_route *route;
	char *body;
	size_t len;
	bool too_large;
	bool denied;
	bool started;		/* first_call done */
	const char *uri;	/* the request target as it arrived, and its length then */
	size_t uri_len;
};

void api_error(struct api_response *resp, unsigned int status, const char *code, const char *fmt,
	       ...)
{
	char msg[1024];
	va_list ap;
	cJSON *err;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cJSON_Delete(resp->json);
	resp->json = cJSON_CreateObject();
	err = cJSON_AddObjectToObject(resp->json, "error");
	cJSON_AddStringToObject(err, "code", code);
	cJSON_AddStringToObject(err, "message", msg);
	resp->status = status;
}

const char *api_query(struct api_request *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

int api_query_uint(struct api_request *req, struct api_response *resp, const char *key,
		   unsigned long max, unsigned long *out)
{
	const char *s = api_query(req, key);
	char *end;

	if (!s)
		return 0;
	*out = strtoul(s, &end, 10);
	if (!*s || *end || *out == 0 || *out > max) {
		api_error(resp, 400, "bad_request", "%s: '%.40s' is not a number in 1..%lu", key, s,
			  max);
		return -1;
	}
	return 0;
}

static enum MHD_Result queue(struct MHD_Connection *conn, struct api_response *resp,
			     const struct api_route *allow_for)
{
	struct MHD_Response *r = resp->raw;
	enum MHD_Result ret;

	if (!r) {
		char *body = resp->text;
		const char *type = resp->content_type;

		if (!body) {
			body = cJSON_PrintUnformatted(resp->json);
			type = "application/json";
		}
		if (!body)
			return MHD_NO;
		size_t len = strlen(body);

		if (!resp->text) {
			/* A newline after the JSON document: friendlier to curl and shells. */
			char *nl = realloc(body, len + 2);

			if (nl) {
				body = nl;
				body[len++] = '\n';
				body[len] = '\0';
			}
		}
		r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
		if (!r) {
			free(body);
			return MHD_NO;
		}
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
		resp->text = NULL;
	}
	/* API answers are never cached; the dashboard's files say how they may be (web.c). */
	if (!MHD_get_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (resp->close)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	if (resp->status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"ztos\"");
	if (allow_for) {
		char allow[64] = "";

		for (const struct api_route *rt = api_routes; rt->path; rt++) {
			if (strcmp(rt->path, allow_for->path))
				continue;
			if (*allow)
				strncat(allow, ", ", sizeof(allow) - strlen(allow) - 1);
			strncat(allow, rt->method, sizeof(allow) - strlen(allow) - 1);
		}
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	}
	ret = MHD_queue_response(conn, resp->status, r);
	MHD_destroy_response(r);
	cJSON_Delete(resp->json);
	resp->json = NULL;
	return ret;
}

static enum MHD_Result queue_error(struct api *api, struct MHD_Connection *conn,
				   unsigned int status, const char *code, const char *msg,
				   const struct api_route *allow_for)
{
	struct api_response resp = { 0 };

	api_error(&resp, status, code, "%s", msg);
	atomic_fetch_add(&api->agent->metrics.requests[status / 100], 1);
	return queue(conn, &resp, allow_for);
}

/* Constant time in the token's length: no early exit on the first differing byte. */
static bool token_ok(const struct api *api, const char *header)
{
	static const char prefix[] = "Bearer ";
	unsigned char diff = 0;

	if (!header || strncmp(header, prefix, sizeof(prefix) - 1))
		return false;
	header += sizeof(prefix) - 1;
	if (strlen(header) != TOKEN_HEX)
		return false;
	for (int i = 0; i < TOKEN_HEX; i++)
		diff |= (unsigned char)header[i] ^ (unsigned char)api->token[i];
	return diff == 0;
}

/*
 * The unix socket is root-only by its mode; check the peer as well, in case of a bind mount.
 * who: "unix:uid=N" for the denial's event.
 */
static bool peer_is_root(struct MHD_Connection *conn, char *who, size_t len)
{
	const union MHD_ConnectionInfo *ci;
	struct ucred cred;
	socklen_t clen = sizeof(cred);

	snprintf(who, len, "unix:uid=?");
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (!ci || getsockopt(ci->connect_fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen))
		return false;
	snprintf(who, len, "unix:uid=%u", (unsigned int)cred.uid);
	return cred.uid == 0;
}

static const struct api_route *find_route(const char *method, const char *url, bool *path_known)
{
	*path_known = false;
	for (const struct api_route *rt = api_routes; rt->path; rt++) {
		if (strcmp(rt->path, url))
			continue;
		*path_known = true;
		if (!strcmp(rt->method, method))
			return rt;
	}
	return NULL;
}

static void auth_event(struct MHD_Connection *conn, const char *url, const char *why)
{
	const union MHD_ConnectionInfo *ci;
	char host[NI_MAXHOST] = "-";

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci && ci->client_addr)
		getnameinfo(ci->client_addr, sizeof(struct sockaddr_in6), host, sizeof(host), NULL,
			    0, NI_NUMERICHOST);
	api_guard_denied(host, url, why);
}

/* The request's headers, as framing_problem counts them. */
struct framing {
	unsigned int content_length, transfer_encoding;
	bool odd_name;
};

static bool is_token(const char *s)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
				    "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

	return *s && strspn(s, tchar) == strlen(s);
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	struct framing *f = cls;

	f->content_length += !strcasecmp(key, MHD_HTTP_HEADER_CONTENT_LENGTH);
	f->transfer_encoding += !strcasecmp(key, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	f->odd_name |= !is_token(key);
	return MHD_YES;
}

/*
 * What libmicrohttpd 0.9.75 takes but a proxy in front may read otherwise (a way to
 * smuggle a request past it): two Content-Length headers (the first wins), Content-Length
 * with Transfer-Encoding, a header name that is no token ("Transfer-Encoding : chunked"),
 * and a NUL in the request target ("/api/v1/status\0junk" was /api/v1/status). For the
 * last: MHD parses the request line in place, so the version follows the target in the
 * same buffer, and the target's length as it arrived is version - 1 - target.
 */
static const char *framing_problem(struct MHD_Connection *conn, const struct req_state *st,
				   const char *version)
{
	struct framing f = { 0 };
	uintptr_t u = (uintptr_t)st->uri, v = (uintptr_t)version;

	MHD_get_connection_values(conn, MHD_HEADER_KIND, count_header, &f);
	if (f.content_length > 1)
		return "more than one Content-Length header";
	if (f.content_length && f.transfer_encoding)
		return "both Content-Length and Transfer-Encoding";
	if (f.transfer_encoding > 1)
		return "more than one Transfer-Encoding header";
	if (f.odd_name)
		return "a header name that is not a token (a space before the ':'?)";
	if (st->uri && v > u && v - u <= 65536 && v - u - 1 > st->uri_len)
		return "a NUL byte in the request target";
	return NULL;
}

static enum MHD_Result first_call(struct api *api, bool tcp, struct MHD_Connection *conn,
				  const char *url, const char *method, const char *version,
				  struct req_state *st)
{
	const char *bad = framing_problem(conn, st, version);
	const char *len_hdr, *auth;
	char who[32];
	bool path_known;

	st->started = true;
	if (bad) {
		struct api_response resp = { .close = true };

		st->denied = true;
		api_error(&resp, MHD_HTTP_BAD_REQUEST, "bad_request",
			  "the request is framed ambiguously: %s; no proxy may sit in front of "
			  "this API (see README, Security)", bad);
		atomic_fetch_add(&api->agent->metrics.requests[4], 1);
		return queue(conn, &resp, NULL);
	}
	/* The dashboard's files are public; the data they show is not (web.c says why). */
	if (api_web_path(url)) {
		const struct api_route *web = find_route("GET", "/", &path_known);

		if (tcp)
			api_guard_headers_in(conn);
		if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD)) {
			st->denied = true;
			return queue_error(api, conn, MHD_HTTP_METHOD_NOT_ALLOWED,
					   "method_not_allowed",
					   "the dashboard's files take GET and HEAD only", web);
		}
		st->route = web;
		return MHD_YES;
	}
	if (tcp) {
		api_guard_headers_in(conn);
		auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						   MHD_HTTP_HEADER_AUTHORIZATION);
		if (!token_ok(api, auth)) {
			st->denied = true;
			atomic_fetch_add(&api->agent->metrics.auth_failures, 1);
			auth_event(conn, url, auth ? "bad token" : "no token");
			return queue_error(api, conn, MHD_HTTP_UNAUTHORIZED, "unauthorized",
					   auth ? "the bearer token is not valid"
						: "missing 'Authorization: Bearer <token>'; the "
						  "token is in the agent's token_file",
					   NULL);
		}
	} else if (!peer_is_root(conn, who, sizeof(who))) {
		st->denied = true;
		atomic_fetch_add(&api->agent->metrics.auth_failures, 1);
		api_guard_denied(who, url, "not root");
		return queue_error(api, conn, MHD_HTTP_UNAUTHORIZED, "unauthorized",
				   "the API socket is for root only", NULL);
	}

	st->route = find_route(method, url, &path_known);
	if (!st->route && path_known) {
		const struct api_route *any = find_route("GET", url, &path_known);

		if (!any)
			any = find_route("POST", url, &path_known);
		st->denied = true;
		return queue_error(api, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method_not_allowed",
				   "this route does not take that method; see the Allow header",
				   any);
	}
	if (!st->route) {
		char msg[512];

		snprintf(msg, sizeof(msg), "no route %s %.400s; the routes are in agent/openapi.yaml",
			 method, url);
		st->denied = true;
		return queue_error(api, conn, MHD_HTTP_NOT_FOUND, "not_found", msg, NULL);
	}
	len_hdr = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					      MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (len_hdr && strtoull(len_hdr, NULL, 10) > API_BODY_MAX) {
		st->denied = true;
		return queue_error(api, conn, MHD_HTTP_CONTENT_TOO_LARGE, "payload_too_large",
				   "the body is larger than 1 MiB", NULL);
	}
	return MHD_YES;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	const struct listener *l = cls;
	struct api *api = l->api;
	bool tcp = l->tcp;
	struct req_state *st = *con_cls;
	struct api_response resp = { .status = MHD_HTTP_OK };

	if (!st) {
		st = calloc(1, sizeof(*st));
		if (!st)
			return MHD_NO;
		*con_cls = st;
	}
	if (!st->started)
		return first_call(api, tcp, conn, url, method, version, st);
	if (st->denied)
		return MHD_YES;
	if (*upload_data_size) {
		if (!st->too_large && st->len + *upload_data_size <= API_BODY_MAX) {
			char *b = realloc(st->body, st->len + *upload_data_size + 1);

			if (!b)
				return MHD_NO;
			memcpy(b + st->len, upload_data, *upload_data_size);
			st->body = b;
			st->len += *upload_data_size;
			st->body[st->len] = '\0';
		} else {
			st->too_large = true;
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (st->too_large)
		return queue_error(api, conn, MHD_HTTP_CONTENT_TOO_LARGE, "payload_too_large",
				   "the body is larger than 1 MiB", NULL);

	struct api_request req = {
		.agent = api->agent,
		.conn = conn,
		.method = method,
		.path = url,
		.body = st->body ? st->body : "",
		.body_len = st->len,
		.local = !tcp,
	};
	st->route->fn(&req, &resp);
	atomic_fetch_add(&api->agent->metrics.requests[resp.status / 100 % 6], 1);
	return queue(conn, &resp, NULL);
}

/* Before MHD splits and unescapes the target: what arrived, for framing_problem. */
static void *uri_seen(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct req_state *st = calloc(1, sizeof(*st));

	if (st) {
		st->uri = uri;
		st->uri_len = strlen(uri);
	}
	return st;
}

static void completed(void *cls, struct MHD_Connection *conn, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct req_state *st = *con_cls;

	if (st) {
		free(st->body);
		free(st);
		*con_cls = NULL;
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	pr_debug("api: %s", msg);
}

static int write_new_token(const char *path, char *token)
{
	unsigned char raw[TOKEN_BYTES];
	char dir[PATH_MAX], *slash;
	int fd, err = 0;

	if (getrandom(raw, sizeof(raw), 0) != sizeof(raw))
		return -EIO;
	for (int i = 0; i < TOKEN_BYTES; i++)
		sprintf(token + 2 * i, "%02x", raw[i]);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0700) && errno != EEXIST)
			return -errno;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (dprintf(fd, "%s\n", token) != TOKEN_HEX + 1)
		err = -EIO;
	if (close(fd) && !err)
		err = -errno;
	return err;
}

static int load_token(const char *path, char *token)
{
	char buf[TOKEN_HEX + 8], why[PATH_MAX + 256];
	ssize_t n;
	int err = -EINVAL;

	n = cfg_secret_read(path, false, buf, sizeof(buf) - 1, why, sizeof(why));
	if (n == -ENOENT) {
		err = write_new_token(path, token);
		if (err)
			pr_warn("cannot create token_file %s: %s", path, strerror(-err));
		else
			pr_info("api: generated a new token in %s (mode 0600)", path);
		return err;
	}
	if (n < 0) {
		pr_warn("token_file: %s", why);
		return (int)n;
	}
	buf[n] = '\0';
	buf[strcspn(buf, " \t\r\n")] = '\0';
	if (strlen(buf) != TOKEN_HEX || strspn(buf, "0123456789abcdef") != TOKEN_HEX) {
		pr_warn("token_file %s does not hold a token (64 lower-case hex digits); delete "
			"it and the agent makes a new one", path);
		goto out;
	}
	memcpy(token, buf, TOKEN_HEX + 1);
	err = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	return err;
}

#define TLS_KEY_MAX (64 * 1024)	/* a PEM key, even RSA-8192, is far smaller */

/* The TLS key as a secret (group-readable allowed); NULL after saying why. */
static char *read_tls_key(const char *path)
{
	char *buf = malloc(TLS_KEY_MAX), why[PATH_MAX + 256];
	ssize_t n = buf ? cfg_secret_read(path, true, buf, TLS_KEY_MAX, why, sizeof(why)) : -ENOMEM;

	if (n >= 0) {
		buf[n] = '\0';
		return buf;
	}
	pr_warn("api: TLS key: %s", n == -ENOMEM ? "out of memory" : why);
	free(buf);
	return NULL;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t size = 0;

	if (!f)
		return NULL;
	if (getdelim(&buf, &size, '\0', f) < 0) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static int parse_listen(const char *listen, struct sockaddr_storage *ss)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV };
	char host[256], *port;
	struct addrinfo *res;
	const char *h;

	snprintf(host, sizeof(host), "%s", listen);
	port = strrchr(host, ':');
	if (!port)
		return -EINVAL;
	*port++ = '\0';
	h = host;
	if (host[0] == '[') {
		host[strlen(host) - 1] = '\0';
		h = host + 1;
	}
	if (getaddrinfo(h, port, &hints, &res))
		return -EINVAL;
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return 0;
}

/*
 * epoll and a pool of threads, one per core: followers of the event stream are
 * suspended while they wait (monitoring.c), so they hold no thread.
 */
static const unsigned int mhd_flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME |
				      MHD_USE_ERROR_LOG;

static unsigned int pool_size(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > 16 ? 16 : n;
}

static int start_tcp(struct api *api, const struct ztos_config *cfg)
{
	char *cert = NULL, *key = NULL;
	struct sockaddr_storage ss;
	unsigned int flags = mhd_flags;
	int err = 0;

	if (parse_listen(cfg->api.listen, &ss)) {
		pr_warn("api: cannot resolve agent.api.listen '%s'", cfg->api.listen);
		return -EINVAL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (cfg->api.tls_cert) {
		if (!MHD_is_feature_supported(MHD_FEATURE_TLS)) {
			pr_warn("api: agent.api.tls is set but this libmicrohttpd has no TLS");
			return -ENOTSUP;
		}
		cert = read_file(cfg->api.tls_cert);
		key = read_tls_key(cfg->api.tls_key);
		if (!cert || !key) {
			if (!cert)
				pr_warn("api: cannot read TLS cert %s", cfg->api.tls_cert);
			err = -EINVAL;
			goto out;
		}
		flags |= MHD_USE_TLS;
	}
	api->tcp = MHD_start_daemon(flags, 0, api_guard_admit, NULL, handle, &api->tcp_l,
				    MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				    MHD_OPTION_URI_LOG_CALLBACK, uri_seen, NULL,
				    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
				    MHD_OPTION_NOTIFY_CONNECTION, api_guard_notify, NULL,
				    /* per worker: api_guard_admit keeps the total */
				    MHD_OPTION_CONNECTION_LIMIT, API_TCP_CONNECTIONS * pool_size(),
				    MHD_OPTION_THREAD_POOL_SIZE, pool_size(),
				    MHD_OPTION_PER_IP_CONNECTION_LIMIT, PER_IP_LIMIT,
				    MHD_OPTION_CONNECTION_TIMEOUT, 120,
				    cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, cert,
				    MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_END);
	if (!api->tcp) {
		pr_warn("api: cannot listen on %s (is the port taken, or the address not on "
			"this host? change agent.api.listen)", cfg->api.listen);
		err = -EADDRINUSE;
	}
out:
	if (key)
		explicit_bzero(key, strlen(key));
	free(cert);
	free(key);
	return err;
}

static int unix_listener(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[PATH_MAX], *slash;
	struct stat st;
	mode_t old;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		char why[PATH_MAX + 128];
		int err;

		*slash = '\0';
		err = cfg_dir_own(dir, 0755, why, sizeof(why));
		if (err) {
			pr_warn("api: socket folder: %s", why);
			return err;
		}
	}
	/* We hold the single-instance lock, so a socket left there is stale. */
	if (!lstat(path, &st) && S_ISSOCK(st.st_mode))
		unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	old = umask(0177);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || listen(fd, 128)) {
		int err = -errno;

		umask(old);
		close(fd);
		return err;
	}
	umask(old);
	return fd;
}

static int start_unix(struct api *api, const char *path)
{
	int fd = unix_listener(path);

	if (fd < 0) {
		pr_warn("api: cannot listen on unix socket %s: %s (change agent.api.socket)", path,
			strerror(-fd));
		return fd;
	}
	api->unix_sock = MHD_start_daemon(mhd_flags, 0, NULL, NULL, handle, &api->unix_l,
					  MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
					  MHD_OPTION_URI_LOG_CALLBACK, uri_seen, NULL,
					  MHD_OPTION_LISTEN_SOCKET, fd,
					  MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
					  MHD_OPTION_CONNECTION_LIMIT, 256,
					  MHD_OPTION_CONNECTION_TIMEOUT, 120, MHD_OPTION_END);
	if (!api->unix_sock) {
		close(fd);
		unlink(path);
		pr_warn("api: cannot serve unix socket %s", path);
		return -EIO;
	}
	api->socket_path = strdup(path);
	return 0;
}

int api_start(struct agent *a, struct api **out)
{
	const struct ztos_config *cfg = a->cfg;
	struct api *api = calloc(1, sizeof(*api));
	int err = 0;

	if (!api)
		return -ENOMEM;
	api->agent = a;
	api->tcp_l = (struct listener){ .api = api, .tcp = true };
	err = api_followers_start(cfg->api.max_followers);
	if (!err) {
		err = api_guard_start(cfg->api.header_timeout_s);
		if (err)
			api_followers_stop();
	}
	if (!err) {
		err = api_flows_start(a);
		if (err) {
			api_guard_stop();
			api_followers_stop();
		}
	}
	if (err) {
		free(api);
		return err;
	}
	api->unix_l = (struct listener){ .api = api, .tcp = false };
	if (cfg->api.listen && *cfg->api.listen) {
		err = load_token(cfg->api.token_file, api->token);
		if (!err)
			err = start_tcp(api, cfg);
	}
	if (!err && cfg->api.socket && *cfg->api.socket)
		err = start_unix(api, cfg->api.socket);
	if (err) {
		api_stop(api);
		return err;
	}
	if (api->tcp)
		pr_info("api: listening on %s%s (bearer token in %s)", cfg->api.listen,
			cfg->api.tls_cert ? " with TLS" : "", cfg->api.token_file);
	if (api->unix_sock)
		pr_info("api: listening on unix socket %s (root only)", cfg->api.socket);
	*out = api;
	return 0;
}

void api_stop(struct api *api)
{
	if (!api)
		return;
	api_followers_stop();
	if (api->tcp)
		MHD_stop_daemon(api->tcp);
	if (api->unix_sock)
		MHD_stop_daemon(api->unix_sock);
	api_flows_stop();	/* no request left that could wait on it */
	api_guard_stop();
	if (api->socket_path)
		unlink(api->socket_path);
	explicit_bzero(api->token, sizeof(api->token));
	free(api->socket_path);
	free(api);
}
