/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The event log: one JSON object per line, in the spirit of Suricata's eve.json
 * ("timestamp", "event_type", "flow_id" where it applies, then an object named after
 * the event type). Written to a file with size-based rotation, optionally to syslog
 * (RFC 5424), and kept in a memory ring that the API serves and follows (SSE).
 * Safe to call from any thread. Bounded: the ring holds at most 4096 events and 16 MiB,
 * an event line longer than 64 KiB keeps its header and says its size instead.
 */
#ifndef ZTOS_EVENTLOG_H
#define ZTOS_EVENTLOG_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

struct eventlog_opts {
	const char *file;	/* NULL: memory ring only */
	bool syslog;
	uint64_t max_bytes;	/* rotate past this size */
	uint32_t keep;		/* rotated files kept */
};

int eventlog_open(const struct eventlog_opts *opts);
void eventlog_close(void);

/*
 * Emit an event. fields (may be NULL) holds top-level fields after "flow_id" (the
 * alert event has src_ip, dest_ip, ...); body is the object named after the event
 * type. Both are consumed. flow_id 0: the event is not about a flow.
 */
void event_emit(const char *event_type, uint64_t flow_id, cJSON *fields, cJSON *body);

/* Events at or after since_us (0: all), of one type (NULL: all), the newest limit. */
cJSON *eventlog_query(int64_t since_us, const char *type, unsigned int limit);

/*
 * Where a follower starts to read the backlog: the seq of the first of the newest limit
 * events at or after since_us (of type; NULL: all), or the head when there is none.
 */
uint64_t eventlog_backlog(int64_t since_us, const char *type, unsigned int limit);

/*
 * The event after *seq, or NULL when there is none yet: its JSON line (free it), and
 * *seq advanced. *lost counts events that scrolled out of the ring before the reader
 * got to them.
 */
char *eventlog_next(uint64_t *seq, uint64_t *lost);
uint64_t eventlog_head(void);	/* seq of the next event to come */
/* Wait up to timeout_ms for an event at or after seq (or shutdown); returns the head. */
uint64_t eventlog_wait(uint64_t seq, int timeout_ms);
void eventlog_shutdown(void);	/* wake every follower; eventlog_next returns NULL */
bool eventlog_stopped(void);
uint64_t eventlog_count(const char *type);	/* events emitted since start, by type */

/* "2026-11-25T23:24:06.123456+0000" */
void eventlog_timestamp(int64_t us, char *buf, unsigned long len);
int64_t eventlog_now_us(void);
/*
 * RFC 3339 (with optional fraction and Z or +hh:mm) or seconds since the epoch, from 1970
 * to 9999: -EINVAL for neither, -ERANGE for a time outside.
 */
int eventlog_parse_time(const char *s, int64_t *us);

#endif
