// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "err.h"

int ztos_errf(struct ztos_err *e, int code, const char *where, const char *fmt, ...)
{
	va_list ap;
	int n;

	e->code = code ? code : -EINVAL;
	if (where)
		snprintf(e->where, sizeof(e->where), "%s", where);
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (code < 0 && n >= 0 && (size_t)n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", strerror(-code));
	e->extack[0] = '\0';
	return e->code;
}

int ztos_errmsg(struct ztos_err *e, int code, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	e->code = code;
	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	e->extack[0] = '\0';
	return code;
}

int ztos_err_set(struct ztos_err *e, int code, const char *where, const char *msg)
{
	e->code = code ? code : -EINVAL;
	if (where)
		snprintf(e->where, sizeof(e->where), "%s", where);
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	e->extack[0] = '\0';
	return e->code;
}

void ztos_err_extack(struct ztos_err *e, const char *extack)
{
	size_t n = strlen(e->msg);

	if (!extack || !*extack)
		return;
	snprintf(e->extack, sizeof(e->extack), "%s", extack);
	if (n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, " (kernel: %s)", extack);
}

void ztos_err_prefix(struct ztos_err *e, const char *fmt, ...)
{
	char old[sizeof(e->msg)];
	va_list ap;
	int n;

	memcpy(old, e->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(e->msg))
		snprintf(e->msg + n, sizeof(e->msg) - n, ": %s", old);
}
