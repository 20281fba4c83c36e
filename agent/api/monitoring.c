// SPDX-License-Identifier: GPL-2.0-only
/* The event log (query and Server-Sent Events) and metrics (JSON and Prometheus). */
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "report/eventlog.h"
#include "report/metrics.h"

#define LOGS_DEFAULT_LIMIT 1000
#define LOGS_MAX_LIMIT 4096
#define KEEPALIVE_US (15 * 1000000LL)

/*
 * Followers of the event stream (?follow=1). The API runs on a small thread pool, so a
 * follower with nothing to send must not hold a thread: its connection is suspended,
 * and one waker thread resumes the suspended ones when an event arrives (and once a
 * second, for keepalives, disconnects and shutdown).
 */
struct follower {
	struct MHD_Connection *conn;
	uint64_t seq;
	uint64_t backlog_end;	/* the head when it came: the backlog is what is before */
	bool live;		/* said so, once past the backlog */
	uint64_t lost;
	char type_match[64];	/* "\"event_type\":\"alert\"" or "" for all */
	char *pending;		/* a frame not yet handed to MHD in full */
	size_t off, len;
	int64_t last_write_us;
	int fd;			/* the connection's socket, -1 if MHD did not say */
	struct follower *next;	/* on the suspended list */
	bool suspended;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t gone;	/* signalled when a follower's stream is freed */
	unsigned int active;
	unsigned int max;	/* agent.api.max_followers */
	uint64_t refused;	/* streams refused at the cap */
	struct follower *suspended;
	bool stopping;
	bool running;
	pthread_t waker;
} followers = { .lock = PTHREAD_MUTEX_INITIALIZER, .gone = PTHREAD_COND_INITIALIZER };

/* Call with followers.lock held. */
static void resume_all(void)
{
	for (struct follower *f = followers.suspended; f; f = f->next) {
		f->suspended = false;
		MHD_resume_connection(f->conn);
	}
	followers.suspended = NULL;
}

static void *waker(void *arg)
{
	uint64_t seen = eventlog_head();

	for (;;) {
		seen = eventlog_wait(seen, 1000);
		pthread_mutex_lock(&followers.lock);
		resume_all();
		bool stop = followers.stopping;
		pthread_mutex_unlock(&followers.lock);
		if (stop)
			return NULL;
	}
}

int api_followers_start(unsigned int max)
{
	int err;

	followers.max = max;
	err = pthread_create(&followers.waker, NULL, waker, NULL);

	followers.running = !err;
	return -err;
}

/*
 * Before MHD_stop_daemon: no connection may stay suspended. Followers get a moment to
 * send what is left (the agent's stop event) and end their streams cleanly.
 */
void api_followers_stop(void)
{
	struct timespec deadline;

	eventlog_shutdown();
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 2;
	pthread_mutex_lock(&followers.lock);
	followers.stopping = true;
	resume_all();
	while (followers.active)
		if (pthread_cond_timedwait(&followers.gone, &followers.lock, &deadline))
			break;
	pthread_mutex_unlock(&followers.lock);
	if (followers.running)
		pthread_join(followers.waker, NULL);
	followers.running = false;
}

static int parse_limit(struct api_request *req, struct api_response *resp, unsigned int *limit)
{
	const char *s = api_query(req, "limit");
	char *end;
	unsigned long v;

	*limit = LOGS_DEFAULT_LIMIT;
	if (!s)
		return 0;
	v = strtoul(s, &end, 10);
	if (*end || !*s || v == 0 || v > LOGS_MAX_LIMIT) {
		api_error(resp, 400, "bad_request", "limit: '%s' is not a number in 1..%d", s,
			  LOGS_MAX_LIMIT);
		return -1;
	}
	*limit = v;
	return 0;
}

/* The one marker between backlog and live events. */
static bool live_marker(struct follower *f)
{
	static const char marker[] = ": following the event log\n\n";

	if (f->live || f->seq < f->backlog_end)
		return false;
	f->live = true;
	free(f->pending);
	f->pending = strdup(marker);
	f->len = f->pending ? sizeof(marker) - 1 : 0;
	f->off = 0;
	return f->pending != NULL;
}

/*
 * The next frame from the ring, the backlog's too: a follower holds one frame at a time,
 * however long its backlog or however slowly it reads.
 */
static bool frame_next(struct follower *f)
{
	char *line;

	if (live_marker(f))
		return true;
	for (;;) {
		line = eventlog_next(&f->seq, &f->lost);
		if (!line)
			return false;
		if (!f->type_match[0] || strstr(line, f->type_match))
			break;
		free(line);
	}
	free(f->pending);
	f->pending = NULL;
	if (f->lost) {
		f->len = asprintf(&f->pending, ": %llu events were lost (reader too slow)\ndata: %s\n\n",
				  (unsigned long long)f->lost, line);
		f->lost = 0;
	} else {
		f->len = asprintf(&f->pending, "data: %s\n\n", line);
	}
	free(line);
	if ((ssize_t)f->len < 0) {
		f->pending = NULL;
		f->len = 0;
		return false;
	}
	f->off = 0;
	return true;
}

static ssize_t copy_out(struct follower *f, const char *src, size_t len, char *buf, size_t max)
{
	size_t n = len < max ? len : max;

	memcpy(buf, src, n);
	f->last_write_us = eventlog_now_us();
	return n;
}

/*
 * A client that closed its end: MHD does not read while it sends a response, so it
 * would notice only when a keepalive cannot be written (15 s and more), while the
 * stream counts against max_followers. Asked each time the stream is about to sleep
 * (an event, or the waker's second); a client that only shut down its sending side
 * counts as gone too: an event-stream client has nothing to send.
 */
static bool peer_gone(const struct follower *f)
{
	struct pollfd p = { .fd = f->fd, .events = POLLRDHUP };

	if (f->fd < 0 || poll(&p, 1, 0) <= 0)
		return false;
	return p.revents & (POLLRDHUP | POLLHUP | POLLERR);
}

/* Returns 0 after suspending the connection; the waker resumes it. */
static ssize_t suspend(struct follower *f)
{
	pthread_mutex_lock(&followers.lock);
	if (followers.stopping) {
		pthread_mutex_unlock(&followers.lock);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	/* An event that came after our look: don't sleep through it, MHD calls again. */
	if (eventlog_head() <= f->seq) {
		f->suspended = true;
		f->next = followers.suspended;
		followers.suspended = f;
		MHD_suspend_connection(f->conn);
	}
	pthread_mutex_unlock(&followers.lock);
	return 0;
}

static ssize_t follow_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	static const char keepalive[] = ": keepalive\n\n";
	struct follower *f = cls;
	ssize_t n;

	if (f->off < f->len || frame_next(f)) {
		n = copy_out(f, f->pending + f->off, f->len - f->off, buf, max);
		f->off += n;
		return n;
	}
	if (eventlog_stopped())
		return MHD_CONTENT_READER_END_OF_STREAM;
	if (eventlog_now_us() - f->last_write_us >= KEEPALIVE_US)
		return copy_out(f, keepalive, sizeof(keepalive) - 1, buf, max);
	if (peer_gone(f))
		return MHD_CONTENT_READER_END_WITH_ERROR;
	return suspend(f);
}

static void follow_free(void *cls)
{
	struct follower *f = cls;

	pthread_mutex_lock(&followers.lock);
	for (struct follower **p = &followers.suspended; *p; p = &(*p)->next) {
		if (*p == f) {
			*p = f->next;
			break;
		}
	}
	followers.active--;
	pthread_cond_broadcast(&followers.gone);
	pthread_mutex_unlock(&followers.lock);
	free(f->pending);
	free(f);
}

static int connection_fd(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);

	return ci ? ci->connect_fd : -1;
}

/*
 * Count a new follower in, unless max_followers are open: every follower holds a
 * connection, and the connections left must serve requests. Refused: 503, and false.
 */
static bool follower_admit(struct api_response *resp)
{
	unsigned int open, max;
	bool admit;

	pthread_mutex_lock(&followers.lock);
	open = followers.active;
	max = followers.max;
	admit = open < max;
	if (admit)
		followers.active++;
	else
		followers.refused++;
	pthread_mutex_unlock(&followers.lock);
	if (!admit)
		api_error(resp, 503, "unavailable",
			  "%u event streams are open, as many as agent.api.max_followers (%u) "
			  "allows: close one, or raise agent.api.max_followers", open, max);
	return admit;
}

/* backlog: ?since= was given (since_us, limit); the stream starts with those events. */
static void follow(struct api_request *req, struct api_response *resp, bool backlog,
		   int64_t since_us, unsigned int limit, const char *type)
{
	struct follower *f = calloc(1, sizeof(*f));

	if (!f) {
		api_error(resp, 500, "internal", "out of memory");
		return;
	}
	if (!follower_admit(resp)) {
		free(f);
		return;
	}
	f->conn = req->conn;
	f->fd = connection_fd(req->conn);
	f->backlog_end = eventlog_head();
	f->seq = backlog ? eventlog_backlog(since_us, type, limit) : f->backlog_end;
	f->last_write_us = eventlog_now_us();
	if (type)
		snprintf(f->type_match, sizeof(f->type_match), "\"event_type\":\"%s\"", type);
	/* counted in by follower_admit; counted out by follow_free when MHD lets it go */
	resp->raw = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, follow_read, f,
						      follow_free);
	if (!resp->raw) {
		follow_free(f);
		api_error(resp, 500, "internal", "cannot create the event stream");
		return;
	}
	MHD_add_response_header(resp->raw, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	resp->status = 200;
}

void api_logs(struct api_request *req, struct api_response *resp)
{
	const char *since = api_query(req, "since"), *type = api_query(req, "event_type");
	const char *fol = api_query(req, "follow");
	int64_t since_us = 0;
	unsigned int limit;
	cJSON *events;

	if (since && eventlog_parse_time(since, &since_us)) {
		api_error(resp, 400, "bad_request",
			  "since: '%.40s' is not a time from 1970 to 9999; use RFC 3339 "
			  "(2026-11-25T10:00:00Z) or seconds since the epoch", since);
		return;
	}
	if (type && (strlen(type) > 32 || strpbrk(type, "\"\\"))) {
		api_error(resp, 400, "bad_request", "event_type: not an event type name");
		return;
	}
	if (parse_limit(req, resp, &limit))
		return;
	if (fol && (!strcmp(fol, "1") || !strcmp(fol, "true"))) {
		follow(req, resp, since != NULL, since_us, limit, type);
		return;
	}
	events = eventlog_query(since_us, type, limit);
	resp->json = cJSON_CreateObject();
	cJSON_AddItemToObject(resp->json, "events", events);
}

/* The agent's metrics and the API's own. */
static cJSON *api_metrics(struct agent *a)
{
	cJSON *list = metrics_collect(a), *f;
	unsigned int n;
	uint64_t refused;

	pthread_mutex_lock(&followers.lock);
	n = followers.active;
	refused = followers.refused;
	pthread_mutex_unlock(&followers.lock);
	f = metrics_family(list, "ztos_api_event_followers", "gauge",
			   "Event streams (?follow=1) open now.");
	metrics_sample(f, n, NULL, NULL);
	f = metrics_family(list, "ztos_api_event_followers_refused_total", "counter",
			   "Event streams refused: agent.api.max_followers were open.");
	metrics_sample(f, (double)refused, NULL, NULL);
	api_guard_metrics(list);
	return list;
}

void api_metrics_json(struct api_request *req, struct api_response *resp)
{
	resp->json = cJSON_CreateObject();
	cJSON_AddItemToObject(resp->json, "metrics", api_metrics(req->agent));
}

void api_metrics_prometheus(struct api_request *req, struct api_response *resp)
{
	cJSON *m = api_metrics(req->agent);

	resp->text = metrics_prometheus(m);
	cJSON_Delete(m);
	if (!resp->text) {
		api_error(resp, 500, "internal", "out of memory");
		return;
	}
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
}
