/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One error type for every subsystem and kernel adapter: what failed (the object), why
 * (a sentence an operator can act on), the -errno, and the kernel's own reason when it
 * gave one (netlink's extended ack). Filled once where the failure is seen, passed up
 * unchanged, rendered once (API error, event, log line): no fixed buffers to adapt, no
 * prefixes to strip on the way.
 */
#ifndef ZTOS_ERR_H
#define ZTOS_ERR_H

#define ZTOS_ERR_WHERE 128
#define ZTOS_ERR_MSG 768
#define ZTOS_ERR_EXTACK 256

struct ztos_err {
	int code;			/* -errno; 0: no error */
	char where[ZTOS_ERR_WHERE];	/* "ztvx100 (tenant blue)", "wireguard ztwg0", "dpi" */
	char msg[ZTOS_ERR_MSG];		/* what failed and why, whole */
	char extack[ZTOS_ERR_EXTACK];	/* the kernel's reason, "" when it gave none */
};

/*
 * Fill e: where (may be NULL: keep what is there), the message from fmt. A negative
 * code adds ": strerror" to the message unless it already ends with the kernel's words.
 * Returns code (or -EINVAL when code is 0), so that `return ztos_errf(e, ...)` works.
 */
int ztos_errf(struct ztos_err *e, int code, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * The message exactly as fmt makes it (it names the object and says why already); e
 * may be NULL. Returns code as it is.
 */
int ztos_errmsg(struct ztos_err *e, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Fill e with a message that is whole already (nothing appended). Returns code. */
int ztos_err_set(struct ztos_err *e, int code, const char *where, const char *msg);

/* The kernel's reason (may be NULL or ""), kept apart and appended to the message. */
void ztos_err_extack(struct ztos_err *e, const char *extack);

/* Put "prefix: " before the message (a caller adding where it was in a larger step). */
void ztos_err_prefix(struct ztos_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static inline void ztos_err_clear(struct ztos_err *e)
{
	e->code = 0;
	e->where[0] = e->msg[0] = e->extack[0] = '\0';
}

#endif
