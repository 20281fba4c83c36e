/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Fault injection, for tests only (tests/netns/fault-test.sh): never set it where the
 * agent does real work. ZTOSD_FAULT, read once at start, is a comma-separated list of
 * faults; each fires once, in the order given: the first change (reload or configure)
 * that reaches the first fault's step fires it, and the next fault waits for a later one.
 *
 *   SUBSYSTEM:prepare[:ERRNO]  that subsystem's prepare refuses (nothing was applied)
 *   SUBSYSTEM:apply[:ERRNO]    that subsystem applies the change, then refuses it: it and
 *                              every subsystem applied before it undo theirs
 *   agent:commit               out of memory where the new config is swapped in: every
 *                              subsystem undoes its apply
 *   netlink:N[:ERRNO]          the Nth netlink request of the change (1 = the first) is
 *                              not sent; it is answered ERRNO, as a kernel refusal would be
 *   netlink:N:KILL             the agent kills itself (SIGKILL) before the sendmsg() that
 *                              would carry the Nth request: a crash in the middle of a change
 *
 * ERRNO: a name (ENOMEM, EBUSY, EIO, ...) or a number; EIO when left out. A list that does
 * not parse stops the agent at start, saying why.
 */
#ifndef ZTOS_FAULT_H
#define ZTOS_FAULT_H

#include <stdbool.h>

#include "err.h"

/* Parse ZTOSD_FAULT (absent or empty: no faults). 0, or -EINVAL having said why. */
int fault_init(void);

/* A change begins (arms the netlink fault, if any) or ends. */
void fault_change_begin(void);
void fault_change_end(void);

/*
 * Whether a fault of subsystem name at step ("prepare", "apply", "commit") fires now;
 * then e says so, naming the subsystem, the step and the error, and it is spent.
 */
bool fault_fires(const char *name, const char *step, struct ztos_err *e);

#endif
