// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the API does about the clients it refuses, so that a client without the token
 * cannot spend the agent's memory, its event history or its disk.
 *
 * Denials: every one is counted (metrics); a few per client and window are logged as
 * auth events, with the URL cut to URL_LOGGED_MAX bytes; the rest of a window is summed
 * up in one event per client when the window ends. A global budget per window holds the
 * same for a flood from many addresses.
 *
 * Slow clients: a TCP connection has header_timeout to send its first request's headers,
 * however slowly it keeps sending (MHD's own timeout restarts on every byte); and at most
 * PENDING_MAX connections wait for theirs, the oldest cut off to make room, so that a
 * client with the token finds a place beside any number of slow ones.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/eventlog.h"
#include "report/metrics.h"
#include "internal.h"

#define WINDOW_US (10 * 1000000LL)
#define LOGGED_PER_CLIENT 5	/* auth events per client and window */
#define LOGGED_ALL 50		/* auth events per window, all clients together */
#define CLIENTS 64		/* clients followed at once; the oldest makes room */
#define URL_LOGGED_MAX 256	/* bytes of a refused request's URL in its event */
#define TICK_MS 250
#define PENDING_MAX 256		/* of the API_TCP_CONNECTIONS the API takes */

/* A TCP connection from its accept until its first request's headers are in. */
struct pending {
	int fd;
	int64_t since_us;
	bool listed;		/* on the pending list: headers not in, not cut off */
	struct pending *prev, *next;
};

struct client {
	char name[64];		/* "192.0.2.7", "unix:uid=1000"; "" for a free slot */
	char reason[32];	/* of the last denial */
	int64_t since_us;	/* window start */
	unsigned int logged;
	uint64_t suppressed;
};

/* A summary waiting to be emitted, out of the lock. */
struct summary {
	char name[64], reason[32];
	uint64_t suppressed;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake;
	struct client c[CLIENTS];
	int64_t all_since_us;
	unsigned int all_logged;
	bool running, stopping;
	pthread_t thread;
	/* pending connections, oldest first */
	struct pending *head, *tail;
	unsigned int n_pending;
	int64_t header_timeout_us;
	unsigned int n_open, peak_open;	/* TCP connections, and the most since the last trim */
	uint64_t n_full;		/* connections closed at once: API_TCP_CONNECTIONS open */
	uint64_t n_cut_timeout, n_cut_pending;	/* cut off: header_timeout, PENDING_MAX */
} guard = { .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static int64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void emit_summary(const struct summary *s)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "result", "denied");
	cJSON_AddStringToObject(body, "reason", s->reason);
	cJSON_AddStringToObject(body, "client", s->name);
	cJSON_AddNumberToObject(body, "suppressed", (double)s->suppressed);
	cJSON_AddNumberToObject(body, "window_s", WINDOW_US / 1000000);
	event_emit("auth", 0, NULL, body);
}

/* Under the lock: the client's window is over; what it held back goes to *s. */
static bool close_window(struct client *c, struct summary *s)
{
	bool any = c->suppressed > 0;

	if (any) {
		memcpy(s->name, c->name, sizeof(s->name));
		memcpy(s->reason, c->reason, sizeof(s->reason));
		s->suppressed = c->suppressed;
	}
	c->logged = 0;
	c->suppressed = 0;
	return any;
}

/* Under the lock: the slot of name, or a free one, or the oldest (its window closed). */
static struct client *slot_of(const char *name, int64_t now, struct summary *s, bool *have_s)
{
	struct client *oldest = &guard.c[0];

	for (int i = 0; i < CLIENTS; i++) {
		struct client *c = &guard.c[i];

		if (!strcmp(c->name, name))
			return c;
		if (!c->name[0] || (oldest->name[0] && c->since_us < oldest->since_us))
			oldest = c;
	}
	if (oldest->name[0])
		*have_s = close_window(oldest, s);
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->name, sizeof(oldest->name), "%s", name);
	oldest->since_us = now;
	return oldest;
}

/* Under the lock: whether this denial gets an event of its own. */
static bool take_budget(const char *client, const char *why, int64_t now, struct summary *s,
			bool *have_s)
{
	struct client *c = slot_of(client, now, s, have_s);

	/* (a slot just taken has a fresh window: at most one summary comes out) */
	if (now - c->since_us >= WINDOW_US) {
		*have_s = close_window(c, s);
		c->since_us = now;
	}
	if (now - guard.all_since_us >= WINDOW_US) {
		guard.all_since_us = now;
		guard.all_logged = 0;
	}
	snprintf(c->reason, sizeof(c->reason), "%s", why);
	if (c->logged < LOGGED_PER_CLIENT && guard.all_logged < LOGGED_ALL) {
		c->logged++;
		guard.all_logged++;
		return true;
	}
	c->suppressed++;
	return false;
}

void api_guard_denied(const char *client, const char *url, const char *why)
{
	char cut[URL_LOGGED_MAX + 1];
	size_t len = strlen(url);
	bool have_s = false, log;
	struct summary s;
	cJSON *body;

	pthread_mutex_lock(&guard.lock);
	log = take_budget(client, why, mono_us(), &s, &have_s);
	pthread_mutex_unlock(&guard.lock);
	if (have_s)
		emit_summary(&s);
	if (!log)
		return;
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "result", "denied");
	cJSON_AddStringToObject(body, "reason", why);
	cJSON_AddStringToObject(body, "client", client);
	/* cut at a byte: the event log mends what that splits, and any invalid UTF-8 */
	memcpy(cut, url, len < URL_LOGGED_MAX ? len : URL_LOGGED_MAX);
	cut[len < URL_LOGGED_MAX ? len : URL_LOGGED_MAX] = '\0';
	cJSON_AddStringToObject(body, "url", cut);
	if (len > URL_LOGGED_MAX)
		cJSON_AddNumberToObject(body, "url_bytes", (double)len);
	event_emit("auth", 0, NULL, body);
}

/* Under the lock. */
static void unlist(struct pending *p)
{
	if (!p->listed)
		return;
	if (p->prev)
		p->prev->next = p->next;
	else
		guard.head = p->next;
	if (p->next)
		p->next->prev = p->prev;
	else
		guard.tail = p->prev;
	p->prev = p->next = NULL;
	p->listed = false;
	guard.n_pending--;
}

/*
 * Under the lock: MHD sees the end of the stream and closes the connection itself. It
 * tells us (MHD_CONNECTION_NOTIFY_CLOSED, which takes this lock) before it closes the
 * descriptor, so fd is still this connection's here.
 */
static void cut_off(struct pending *p)
{
	shutdown(p->fd, SHUT_RDWR);
	unlist(p);
}

/*
 * A connection closed: whether a burst of them (BURST_OPEN or more at once) is over, down
 * to a quarter of its peak. What they took (MHD's 32 KiB pool each, their requests and
 * answers) was malloc'd in the workers' arenas, and glibc keeps what is freed there for
 * later: after 256 clients the agent stayed much larger (bench/results/reliability.md)
 * until malloc_trim() gives the free pages back. Under guard.lock.
 */
#define BURST_OPEN 64
static bool burst_over(void)
{
	if (guard.n_open)
		guard.n_open--;
	if (guard.peak_open < BURST_OPEN || guard.n_open > guard.peak_open / 4)
		return false;
	guard.peak_open = guard.n_open;
	return true;
}

/*
 * At most API_TCP_CONNECTIONS TCP connections in all, counted here across
 * libmicrohttpd's worker threads (its own limit is split among them; each may now hold
 * them all), and a refusal counted. Workers admitting at the same moment may go over by
 * one each.
 */
enum MHD_Result api_guard_admit(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	bool room;

	pthread_mutex_lock(&guard.lock);
	room = guard.n_open < API_TCP_CONNECTIONS;
	if (!room)
		guard.n_full++;
	pthread_mutex_unlock(&guard.lock);
	return room ? MHD_YES : MHD_NO;
}

void api_guard_metrics(cJSON *list)
{
	uint64_t full, cut_timeout, cut_pending;
	unsigned int open;
	cJSON *f;

	pthread_mutex_lock(&guard.lock);
	open = guard.n_open;
	full = guard.n_full;
	cut_timeout = guard.n_cut_timeout;
	cut_pending = guard.n_cut_pending;
	pthread_mutex_unlock(&guard.lock);
	f = metrics_family(list, "ztos_api_connections", "gauge", "TCP connections to the API open now.");
	metrics_sample(f, open, NULL, NULL);
	f = metrics_family(list, "ztos_api_connections_refused_total", "counter",
			   "TCP connections closed at once: the API's 512 were open.");
	metrics_sample(f, (double)full, NULL, NULL);
	f = metrics_family(list, "ztos_api_connections_cut_total", "counter",
			   "TCP connections cut off before their first request's headers were in.");
	metrics_sample(f, (double)cut_timeout, "reason", "header_timeout");
	metrics_sample(f, (double)cut_pending, "reason", "pending_full");
}

void api_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
		      enum MHD_ConnectionNotificationCode toe)
{
	const union MHD_ConnectionInfo *ci;
	struct pending *p = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		bool trim;

		pthread_mutex_lock(&guard.lock);
		if (p)
			unlist(p);
		trim = burst_over();
		pthread_mutex_unlock(&guard.lock);
		free(p);
		*socket_context = NULL;
		if (trim)
			malloc_trim(0);
		return;
	}
	pthread_mutex_lock(&guard.lock);
	if (++guard.n_open > guard.peak_open)
		guard.peak_open = guard.n_open;
	pthread_mutex_unlock(&guard.lock);
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	p = ci ? calloc(1, sizeof(*p)) : NULL;
	*socket_context = p;
	if (!p)
		return;
	p->fd = ci->connect_fd;
	p->since_us = mono_us();
	pthread_mutex_lock(&guard.lock);
	if (guard.n_pending >= PENDING_MAX) {
		cut_off(guard.head);
		guard.n_cut_pending++;
	}
	p->prev = guard.tail;
	if (guard.tail)
		guard.tail->next = p;
	else
		guard.head = p;
	guard.tail = p;
	p->listed = true;
	guard.n_pending++;
	pthread_mutex_unlock(&guard.lock);
}

void api_guard_headers_in(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *ci;

	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (!ci || !ci->socket_context)
		return;
	pthread_mutex_lock(&guard.lock);
	unlist(ci->socket_context);
	pthread_mutex_unlock(&guard.lock);
}

/* Under the lock: connections past their header timeout, oldest first. */
static void reap(void)
{
	int64_t now = mono_us();

	while (guard.head && now - guard.head->since_us >= guard.header_timeout_us) {
		cut_off(guard.head);
		guard.n_cut_timeout++;
	}
}

/* Windows that ended: their summaries out. */
static void flush(void)
{
	struct summary s[CLIENTS];
	int64_t now = mono_us();
	int n = 0;

	pthread_mutex_lock(&guard.lock);
	for (int i = 0; i < CLIENTS; i++) {
		struct client *c = &guard.c[i];

		if (!c->name[0] || now - c->since_us < WINDOW_US)
			continue;
		if (close_window(c, &s[n]))
			n++;
		memset(c, 0, sizeof(*c));
	}
	pthread_mutex_unlock(&guard.lock);
	for (int i = 0; i < n; i++)
		emit_summary(&s[i]);
}

static void *housekeeper(void *arg)
{
	struct timespec t;

	pthread_mutex_lock(&guard.lock);
	while (!guard.stopping) {
		clock_gettime(CLOCK_REALTIME, &t);
		t.tv_nsec += TICK_MS * 1000000L;
		if (t.tv_nsec >= 1000000000L) {
			t.tv_sec++;
			t.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&guard.wake, &guard.lock, &t);
		reap();
		pthread_mutex_unlock(&guard.lock);
		flush();
		pthread_mutex_lock(&guard.lock);
	}
	pthread_mutex_unlock(&guard.lock);
	return NULL;
}

int api_guard_start(unsigned int header_timeout_s)
{
	int err;

	guard.header_timeout_us = (int64_t)header_timeout_s * 1000000;
	guard.stopping = false;
	err = pthread_create(&guard.thread, NULL, housekeeper, NULL);
	guard.running = !err;
	return -err;
}

void api_guard_stop(void)
{
	if (!guard.running)
		return;
	pthread_mutex_lock(&guard.lock);
	guard.stopping = true;
	pthread_cond_broadcast(&guard.wake);
	pthread_mutex_unlock(&guard.lock);
	pthread_join(guard.thread, NULL);
	guard.running = false;
	/* Windows still open are not summed up: the agent's stop event is its last; the
	 * metrics counted every denial. */
	memset(guard.c, 0, sizeof(guard.c));
}
