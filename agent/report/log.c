// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#include "report/log.h"

static enum log_level log_level = LOG_LEVEL_INFO;
static const char *const level_names[] = { "warn", "info", "debug" };

void log_set_level(enum log_level level)
{
	log_level = level;
}

int log_parse_level(const char *s, enum log_level *level)
{
	for (unsigned int i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (!strcmp(s, level_names[i])) {
			*level = i;
			return 0;
		}
	}
	return -EINVAL;
}

static void log_vprint(enum log_level level, const char *fmt, va_list ap)
{
	char stamp[32] = "";

	if (level > log_level)
		return;
	/* Under systemd, journald stamps lines itself; on a terminal, we do. */
	if (isatty(STDERR_FILENO)) {
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%H:%M:%S ", &tm);
	}
	flockfile(stderr);
	fprintf(stderr, "%sztosd %s: ", stamp, level_names[level]);
	vfprintf(stderr, fmt, ap);
	if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
		fputc('\n', stderr);
	funlockfile(stderr);
}

void log_print(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprint(level, fmt, ap);
	va_end(ap);
}

static _Thread_local const char *libbpf_expected;

void log_libbpf_expect(const char *kernel_msg)
{
	libbpf_expected = kernel_msg;
}

/* libbpf says "libbpf: Kernel error message: WORDS\n" for a netlink request's extack. */
static bool libbpf_is_expected(const char *fmt, va_list ap)
{
	static const char head[] = "libbpf: Kernel error message: ";
	char msg[512];
	va_list copy;
	size_t n;

	if (!libbpf_expected)
		return false;
	va_copy(copy, ap);
	vsnprintf(msg, sizeof(msg), fmt, copy);
	va_end(copy);
	n = strlen(msg);
	if (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	return !strncmp(msg, head, sizeof(head) - 1) &&
	       !strcmp(msg + sizeof(head) - 1, libbpf_expected);
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	static const enum log_level map[] = {
		[LIBBPF_WARN] = LOG_LEVEL_WARN,
		[LIBBPF_INFO] = LOG_LEVEL_INFO,
		[LIBBPF_DEBUG] = LOG_LEVEL_DEBUG,
	};

	if (libbpf_is_expected(fmt, ap))
		return 0;
	log_vprint(map[level], fmt, ap);
	return 0;
}

void log_route_libbpf(void)
{
	libbpf_set_print(libbpf_print);
}
