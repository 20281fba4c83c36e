/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF test runners' case bookkeeping: each case collects diagnostics while it
 * runs; the runner prints "ok N - name" or "not ok N - name" and then the diagnostics
 * as "# " lines (TAP, read by tests/run.sh). Included by one runner each.
 */
#ifndef ZTOS_TESTS_BPF_TAP_H
#define ZTOS_TESTS_BPF_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

/* The current case: diagnostics collected, printed after its "ok"/"not ok" line. */
static char diag[8192];
static size_t diag_len;
static bool case_failed;
static bool case_skipped __attribute__((unused));	/* runners that skip cases set it */

static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (diag_len >= sizeof(diag) - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(diag + diag_len, sizeof(diag) - diag_len, fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n >= sizeof(diag) - diag_len)
		n = (int)(sizeof(diag) - diag_len - 1);
	if (n > 0)
		diag_len += (size_t)n;
}

#define CHECK(cond, ...)                                                                   \
	do {                                                                               \
		if (!(cond)) {                                                             \
			note("%s:%d: %s: ", __FILE__, __LINE__, #cond);                    \
			note(__VA_ARGS__);                                                 \
			note("\n");                                                        \
			case_failed = true;                                                \
		}                                                                          \
	} while (0)

#define CHECK_EQ(actual, expected)                                                         \
	do {                                                                               \
		unsigned long long __a = (unsigned long long)(actual);                     \
		unsigned long long __e = (unsigned long long)(expected);                   \
		CHECK(__a == __e, "got %llu, want %llu", __a, __e);                        \
	} while (0)

#endif
