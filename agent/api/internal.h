/* SPDX-License-Identifier: GPL-2.0-only */
/* What the API's route handlers share with the server. */
#ifndef ZTOS_API_INTERNAL_H
#define ZTOS_API_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "agent.h"

#define API_BODY_MAX (1024 * 1024)

struct api_request {
	struct agent *agent;
	struct MHD_Connection *conn;
	const char *method;
	const char *path;
	const char *body;
	size_t body_len;
	bool local;		/* on the root-only unix socket */
};

/* A handler fills exactly one of json, text or raw. */
struct api_response {
	unsigned int status;
	cJSON *json;
	char *text;		/* malloc'd, with content_type */
	const char *content_type;
	struct MHD_Response *raw;	/* streamed responses (SSE) */
	bool close;		/* end the connection after it (a request framed badly) */
};

typedef void (*api_handler_fn)(struct api_request *req, struct api_response *resp);

struct api_route {
	const char *method;
	const char *path;
	api_handler_fn fn;
};

extern const struct api_route api_routes[];

void api_error(struct api_response *resp, unsigned int status, const char *code, const char *fmt,
	       ...) __attribute__((format(printf, 4, 5)));
/* A query parameter, or NULL. */
const char *api_query(struct api_request *req, const char *key);
/* key's value into *out when it is there: 0; -1 after a 400 when it is not a number in 1..max. */
int api_query_uint(struct api_request *req, struct api_response *resp, const char *key,
		   unsigned long max, unsigned long *out);

/*
 * guard.c: what a refused or slow client may cost: denials counted always, logged in
 * bounded amounts; TCP connections cut off when their headers take longer than
 * header_timeout_s (api_guard_notify is MHD's connection callback, api_guard_headers_in
 * says a request's headers are in).
 */
int api_guard_start(unsigned int header_timeout_s);
void api_guard_stop(void);
void api_guard_denied(const char *client, const char *url, const char *why);
#define API_TCP_CONNECTIONS 512	/* open TCP connections, all workers together */
enum MHD_Result api_guard_admit(void *cls, const struct sockaddr *addr, socklen_t addrlen);
/* Into the /metrics families list: TCP connections open, and those closed for want of room. */
void api_guard_metrics(cJSON *list);
void api_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		      enum MHD_ConnectionNotificationCode toe);
void api_guard_headers_in(struct MHD_Connection *conn);

/* The waker of suspended event-stream followers (monitoring.c). */
int api_followers_start(unsigned int max);
void api_followers_stop(void);

/* The flows route's cache of rendered pages and the thread that renders them (flows.c). */
int api_flows_start(struct agent *a);
void api_flows_stop(void);

void api_status(struct api_request *req, struct api_response *resp);
void api_network(struct api_request *req, struct api_response *resp);
void api_configure(struct api_request *req, struct api_response *resp);
void api_security(struct api_request *req, struct api_response *resp);
void api_macsec_rotate(struct api_request *req, struct api_response *resp);
void api_flows(struct api_request *req, struct api_response *resp);
void api_alerts(struct api_request *req, struct api_response *resp);
void api_logs(struct api_request *req, struct api_response *resp);
void api_metrics_json(struct api_request *req, struct api_response *resp);
void api_metrics_prometheus(struct api_request *req, struct api_response *resp);
void api_web(struct api_request *req, struct api_response *resp);

#endif
