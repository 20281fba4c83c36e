/* SPDX-License-Identifier: GPL-2.0-only */
/* Diagnostics for operators (stderr, so journald keeps them); events go to eventlog.h. */
#ifndef ZTOS_LOG_H
#define ZTOS_LOG_H

enum log_level { LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_set_level(enum log_level level);
int log_parse_level(const char *s, enum log_level *level);
/* libbpf's messages, through the same levels and the same stream. */
void log_route_libbpf(void);
/*
 * The kernel's words (an extended ack) that libbpf would print for a failure the calling
 * thread expects and handles, e.g. "Exclusivity flag on, cannot modify" for the -EEXIST
 * of a clsact qdisc that is there already: while set, libbpf's report of exactly those
 * words is dropped, every other message still goes out. NULL ends it.
 */
void log_libbpf_expect(const char *kernel_msg);
void log_print(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pr_warn(...) log_print(LOG_LEVEL_WARN, __VA_ARGS__)
#define pr_info(...) log_print(LOG_LEVEL_INFO, __VA_ARGS__)
#define pr_debug(...) log_print(LOG_LEVEL_DEBUG, __VA_ARGS__)

#endif
