// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "config/config.h"
#include "report/eventlog.h"
#include "report/log.h"

#define RING_SIZE 4096
#define RING_BYTES_MAX (16u << 20)	/* the ring's lines together; the oldest make room */
#define EVENT_MAX_BYTES (64u << 10)	/* a line longer is kept as a stub saying its size */
#define TYPES_MAX 32
#define SYSLOG_WAIT_MS 50	/* a full syslog queue: how long one event waits for room */

struct ring_entry {
	uint64_t seq;
	int64_t ts_us;
	char type[24];
	char *line;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct ring_entry ring[RING_SIZE];
	uint64_t first_seq, next_seq;	/* the ring holds [first_seq, next_seq) */
	size_t ring_bytes;
	bool shutdown;
	char *file;
	int fd;
	uint64_t size;
	uint64_t max_bytes;
	uint32_t keep;
	int syslog_fd;
	uint64_t syslog_drops;	/* events syslog did not take */
	bool syslog_stalled;	/* its queue stayed full: no wait until it takes one */
	char hostname[256];
	struct {
		char name[24];
		uint64_t count;
	} types[TYPES_MAX];
} elog = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.cond = PTHREAD_COND_INITIALIZER,
	.fd = -1,
	.syslog_fd = -1,
};

int64_t eventlog_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void eventlog_timestamp(int64_t us, char *buf, unsigned long len)
{
	time_t sec = us / 1000000;
	struct tm tm;
	char base[32];

	gmtime_r(&sec, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06ld+0000", base, (long)(us % 1000000));
}

/* 9999-12-31T23:59:59Z: past it, seconds times 10^6 would overflow soon enough. */
#define TIME_MAX_S 253402300799LL

int eventlog_parse_time(const char *s, int64_t *us)
{
	struct tm tm = { 0 };
	const char *p;
	char *end;
	long frac = 0, scale = 1000000;

	if (!*s)
		return -EINVAL;
	errno = 0;
	long long secs = strtoll(s, &end, 10);
	if (!*end && end != s) {
		if (errno || secs < 0 || secs > TIME_MAX_S)
			return -ERANGE;
		*us = (int64_t)secs * 1000000;
		return 0;
	}
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -EINVAL;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++) {
			if (scale > 1) {
				scale /= 10;
				frac += (*p - '0') * scale;
			}
		}
	}
	long offset = 0;
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		int hh, mm, n = 0;

		if (sscanf(p + 1, "%2d:%2d%n", &hh, &mm, &n) != 2 &&
		    sscanf(p + 1, "%2d%2d%n", &hh, &mm, &n) != 2)
			return -EINVAL;
		offset = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
		p += 1 + n;
	}
	if (*p)
		return -EINVAL;
	secs = (long long)timegm(&tm) - offset;
	if (secs < 0 || secs > TIME_MAX_S)
		return -ERANGE;
	*us = (int64_t)secs * 1000000 + frac;
	return 0;
}

static int mkdir_parents(const char *file)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s", file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0750) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static int open_file(void)
{
	struct stat st;
	int err;

	err = mkdir_parents(elog.file);
	if (err)
		return err;
	/* not through a link: a link put there would have us append to any file */
	elog.fd = open(elog.file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY,
		       0640);
	if (elog.fd < 0)
		return -errno;
	elog.size = fstat(elog.fd, &st) ? 0 : (uint64_t)st.st_size;
	return 0;
}

static void rotate(void)
{
	char from[PATH_MAX], to[PATH_MAX];
	int err;

	close(elog.fd);
	elog.fd = -1;
	for (uint32_t k = elog.keep; k > 0; k--) {
		if (k == 1)
			snprintf(from, sizeof(from), "%s", elog.file);
		else
			snprintf(from, sizeof(from), "%s.%u", elog.file, k - 1);
		snprintf(to, sizeof(to), "%s.%u", elog.file, k);
		if (rename(from, to) && errno != ENOENT)
			pr_warn("event log: rename %s to %s: %s", from, to, strerror(errno));
	}
	if (!elog.keep && unlink(elog.file) && errno != ENOENT)
		pr_warn("event log: remove %s: %s", elog.file, strerror(errno));
	err = open_file();
	if (err)
		pr_warn("event log: reopen %s after rotation: %s", elog.file, strerror(-err));
}

static void syslog_open(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = "/dev/log" };

	elog.syslog_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (elog.syslog_fd < 0 || connect(elog.syslog_fd, (struct sockaddr *)&sa, sizeof(sa))) {
		pr_warn("event log: syslog enabled but /dev/log is not reachable: %s; "
			"events go to the file only", strerror(errno));
		if (elog.syslog_fd >= 0)
			close(elog.syslog_fd);
		elog.syslog_fd = -1;
	}
	gethostname(elog.hostname, sizeof(elog.hostname) - 1);
}

int eventlog_open(const struct eventlog_opts *opts)
{
	int err = 0;

	pthread_mutex_lock(&elog.lock);
	elog.max_bytes = opts->max_bytes;
	elog.keep = opts->keep;
	if (opts->file) {
		elog.file = strdup(opts->file);
		err = elog.file ? open_file() : -ENOMEM;
	}
	if (!err && opts->syslog)
		syslog_open();
	pthread_mutex_unlock(&elog.lock);
	return err;
}

void eventlog_close(void)
{
	eventlog_shutdown();
	pthread_mutex_lock(&elog.lock);
	if (elog.fd >= 0)
		close(elog.fd);
	if (elog.syslog_fd >= 0)
		close(elog.syslog_fd);
	elog.fd = elog.syslog_fd = -1;
	free(elog.file);
	elog.file = NULL;
	for (int i = 0; i < RING_SIZE; i++) {
		free(elog.ring[i].line);
		elog.ring[i].line = NULL;
	}
	elog.ring_bytes = 0;
	elog.first_seq = elog.next_seq;
	pthread_mutex_unlock(&elog.lock);
}

/*
 * A datagram to the syslog socket. A full queue (the daemon is slow to read; Linux queues
 * only net.unix.max_dgram_qlen, 10 by default) gets one short wait rather than losing the
 * line to a burst. A daemon that stays stalled gets no more waits until it takes a line
 * again: the events are still in the file and the ring, and every emitter goes on.
 */
static int syslog_write(const char *msg, int n)
{
	struct pollfd p = { .fd = elog.syslog_fd, .events = POLLOUT };

	if (send(elog.syslog_fd, msg, n, MSG_DONTWAIT) >= 0) {
		elog.syslog_stalled = false;
		return 0;
	}
	if (errno != EAGAIN || elog.syslog_stalled)
		return -1;
	if (poll(&p, 1, SYSLOG_WAIT_MS) > 0 && send(elog.syslog_fd, msg, n, MSG_DONTWAIT) >= 0)
		return 0;
	elog.syslog_stalled = true;
	errno = EAGAIN;
	return -1;
}

/* Said on stderr the first time and every 1000th after: a SOC must know lines are missing. */
static void syslog_dropped(int err)
{
	elog.syslog_drops++;
	if (elog.syslog_drops == 1 || elog.syslog_drops % 1000 == 0)
		pr_warn("event log: %llu event(s) not sent to syslog: %s (the event log file and "
			"the API still have them)", (unsigned long long)elog.syslog_drops,
			strerror(err));
}

/* RFC 5424: <PRI>1 TIMESTAMP HOST APP PROCID MSGID STRUCTURED-DATA MSG */
static void syslog_send(const char *type, int64_t us, const char *line)
{
	int severity = !strcmp(type, "alert") ? 4 : 6;	/* warning : informational */
	int pri = 3 * 8 + severity;			/* facility daemon */
	char stamp[40], msg[65536];
	time_t sec = us / 1000000;
	struct tm tm;
	int n;

	gmtime_r(&sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	n = snprintf(msg, sizeof(msg), "<%d>1 %s.%06ldZ %s ztosd %d %s - %s", pri, stamp,
		     (long)(us % 1000000), elog.hostname[0] ? elog.hostname : "-", (int)getpid(),
		     type, line);
	if (n >= (int)sizeof(msg))
		n = sizeof(msg) - 1;
	if (syslog_write(msg, n))
		syslog_dropped(errno);
}

static void count_type(const char *type)
{
	for (int i = 0; i < TYPES_MAX; i++) {
		if (!elog.types[i].name[0])
			snprintf(elog.types[i].name, sizeof(elog.types[i].name), "%s", type);
		if (!strcmp(elog.types[i].name, type)) {
			elog.types[i].count++;
			return;
		}
	}
}

uint64_t eventlog_count(const char *type)
{
	uint64_t n = 0;

	pthread_mutex_lock(&elog.lock);
	for (int i = 0; i < TYPES_MAX && elog.types[i].name[0]; i++)
		if (!strcmp(elog.types[i].name, type))
			n = elog.types[i].count;
	pthread_mutex_unlock(&elog.lock);
	return n;
}

static void write_line(const char *line, size_t len)
{
	if (elog.fd < 0)
		return;
	if (elog.max_bytes && elog.size + len + 1 > elog.max_bytes && elog.size > 0)
		rotate();
	if (elog.fd < 0)
		return;
	/* One write per line: readers tailing the file never see half an event. */
	char *buf = malloc(len + 1);
	if (!buf)
		return;
	memcpy(buf, line, len);
	buf[len] = '\n';
	ssize_t n = write(elog.fd, buf, len + 1);
	free(buf);
	if (n < 0)
		pr_warn("event log: write %s: %s", elog.file, strerror(errno));
	else
		elog.size += n;
}

/*
 * cJSON prints strings byte for byte: a URL or name with invalid UTF-8 would make the
 * line invalid JSON. Each byte that starts no valid sequence becomes U+FFFD. Outside
 * strings cJSON writes ASCII only, so this mends strings and nothing else.
 */
static char *utf8_mend(char *line)
{
	size_t len = strlen(line), i = 0, o = 0, seq;
	char *out;

	while (i < len && (seq = ztos_utf8_seq(line + i, len - i)))
		i += seq;
	if (i == len)
		return line;
	out = malloc(3 * len + 1);	/* each bad byte: 3 bytes */
	if (!out) {
		free(line);
		return NULL;
	}
	memcpy(out, line, i);
	for (o = i; i < len;) {
		seq = ztos_utf8_seq(line + i, len - i);
		if (seq) {
			memcpy(out + o, line + i, seq);
			o += seq;
			i += seq;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	free(line);
	return out;
}

/* A line past EVENT_MAX_BYTES: the event keeps its header, its body says what it was. */
static char *stub_of(cJSON *ev, const char *event_type, char *line)
{
	cJSON *stub = cJSON_CreateObject();

	cJSON_AddBoolToObject(stub, "truncated", true);
	cJSON_AddNumberToObject(stub, "bytes", (double)strlen(line));
	free(line);
	cJSON_ReplaceItemInObject(ev, event_type, stub);
	return cJSON_PrintUnformatted(ev);
}

/* Under the lock: the oldest lines go until one more of len bytes fits. */
static void ring_make_room(size_t len)
{
	while (elog.first_seq < elog.next_seq &&
	       (elog.next_seq - elog.first_seq >= RING_SIZE ||
		elog.ring_bytes + len > RING_BYTES_MAX)) {
		struct ring_entry *old = &elog.ring[elog.first_seq % RING_SIZE];

		elog.ring_bytes -= strlen(old->line);
		free(old->line);
		old->line = NULL;
		elog.first_seq++;
	}
}

void event_emit(const char *event_type, uint64_t flow_id, cJSON *fields, cJSON *body)
{
	int64_t us = eventlog_now_us();
	cJSON *ev = cJSON_CreateObject();
	char stamp[48];
	char *line;

	eventlog_timestamp(us, stamp, sizeof(stamp));
	cJSON_AddStringToObject(ev, "timestamp", stamp);
	cJSON_AddStringToObject(ev, "event_type", event_type);
	if (flow_id)
		cJSON_AddNumberToObject(ev, "flow_id", (double)flow_id);
	while (fields && fields->child) {
		cJSON *item = cJSON_DetachItemViaPointer(fields, fields->child);
		cJSON_AddItemToObject(ev, item->string, item);
	}
	cJSON_Delete(fields);
	cJSON_AddItemToObject(ev, event_type, body ? body : cJSON_CreateObject());
	line = cJSON_PrintUnformatted(ev);
	if (line && strlen(line) > EVENT_MAX_BYTES)
		line = stub_of(ev, event_type, line);
	cJSON_Delete(ev);
	if (line)
		line = utf8_mend(line);
	if (!line)
		return;

	pthread_mutex_lock(&elog.lock);
	write_line(line, strlen(line));
	if (elog.syslog_fd >= 0)
		syslog_send(event_type, us, line);
	ring_make_room(strlen(line));
	struct ring_entry *e = &elog.ring[elog.next_seq % RING_SIZE];
	e->line = line;
	elog.ring_bytes += strlen(line);
	e->seq = elog.next_seq++;
	e->ts_us = us;
	snprintf(e->type, sizeof(e->type), "%s", event_type);
	count_type(event_type);
	pthread_cond_broadcast(&elog.cond);
	pthread_mutex_unlock(&elog.lock);
}

static uint64_t oldest_seq(void)
{
	return elog.first_seq;
}

/* Under the lock: the first of the newest limit matches; *n: how many there are. */
static uint64_t first_match(int64_t since_us, const char *type, unsigned int limit,
			    unsigned int *n)
{
	uint64_t first = elog.next_seq, seq;

	*n = 0;
	for (seq = elog.next_seq; seq > oldest_seq() && *n < limit; seq--) {
		struct ring_entry *e = &elog.ring[(seq - 1) % RING_SIZE];

		if (e->ts_us < since_us)
			break;
		if (type && strcmp(e->type, type))
			continue;
		first = seq - 1;
		(*n)++;
	}
	return first;
}

uint64_t eventlog_backlog(int64_t since_us, const char *type, unsigned int limit)
{
	unsigned int n;
	uint64_t seq;

	pthread_mutex_lock(&elog.lock);
	seq = first_match(since_us, type, limit, &n);
	pthread_mutex_unlock(&elog.lock);
	return seq;
}

cJSON *eventlog_query(int64_t since_us, const char *type, unsigned int limit)
{
	cJSON *arr = cJSON_CreateArray();
	uint64_t first, seq;
	unsigned int n;

	pthread_mutex_lock(&elog.lock);
	/* The newest `limit` matches, emitted oldest first. */
	first = first_match(since_us, type, limit, &n);
	for (seq = first; seq < elog.next_seq && n; seq++) {
		struct ring_entry *e = &elog.ring[seq % RING_SIZE];

		if (type && strcmp(e->type, type))
			continue;
		cJSON *item = cJSON_Parse(e->line);
		if (item)
			cJSON_AddItemToArray(arr, item);
		n--;
	}
	pthread_mutex_unlock(&elog.lock);
	return arr;
}

uint64_t eventlog_head(void)
{
	uint64_t seq;

	pthread_mutex_lock(&elog.lock);
	seq = elog.next_seq;
	pthread_mutex_unlock(&elog.lock);
	return seq;
}

static void deadline_in(struct timespec *t, int timeout_ms)
{
	clock_gettime(CLOCK_REALTIME, t);
	t->tv_sec += timeout_ms / 1000;
	t->tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

uint64_t eventlog_wait(uint64_t seq, int timeout_ms)
{
	struct timespec deadline;
	uint64_t head;

	deadline_in(&deadline, timeout_ms);
	pthread_mutex_lock(&elog.lock);
	while (!elog.shutdown && seq >= elog.next_seq)
		if (pthread_cond_timedwait(&elog.cond, &elog.lock, &deadline) == ETIMEDOUT)
			break;
	head = elog.next_seq;
	pthread_mutex_unlock(&elog.lock);
	return head;
}

char *eventlog_next(uint64_t *seq, uint64_t *lost)
{
	char *line = NULL;

	pthread_mutex_lock(&elog.lock);
	if (*seq < elog.next_seq) {
		if (*seq < oldest_seq()) {
			*lost += oldest_seq() - *seq;
			*seq = oldest_seq();
		}
		line = strdup(elog.ring[*seq % RING_SIZE].line);
		(*seq)++;
	}
	pthread_mutex_unlock(&elog.lock);
	return line;
}

void eventlog_shutdown(void)
{
	pthread_mutex_lock(&elog.lock);
	elog.shutdown = true;
	pthread_cond_broadcast(&elog.cond);
	pthread_mutex_unlock(&elog.lock);
}

bool eventlog_stopped(void)
{
	bool stopped;

	pthread_mutex_lock(&elog.lock);
	stopped = elog.shutdown;
	pthread_mutex_unlock(&elog.lock);
	return stopped;
}
