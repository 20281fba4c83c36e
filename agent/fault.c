// SPDX-License-Identifier: GPL-2.0-only
/* Fault injection for tests (fault.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "kernel/nl.h"
#include "report/log.h"

#define FAULTS_MAX 16

struct fault {
	char where[32];		/* a subsystem, "agent" or "netlink" */
	char step[16];		/* prepare, apply, commit; for netlink the request number */
	int err;		/* negative errno */
	bool fired;
};

static struct fault faults[FAULTS_MAX];
static unsigned int n_faults;

static const struct {
	const char *name;
	int code;
} errnos[] = {
	{ "ENOMEM", ENOMEM }, { "EBUSY", EBUSY }, { "EIO", EIO }, { "EPERM", EPERM },
	{ "EEXIST", EEXIST }, { "ENOSPC", ENOSPC }, { "EINVAL", EINVAL }, { "EAGAIN", EAGAIN },
	{ "ENODEV", ENODEV }, { "E2BIG", E2BIG }, { "ETIMEDOUT", ETIMEDOUT },
};

static int parse_errno(const char *s, int *out)
{
	char *end;
	long v;

	if (!strcmp(s, "KILL")) {
		*out = ZTNL_FAULT_KILL;
		return 0;
	}
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (!strcmp(s, errnos[i].name)) {
			*out = -errnos[i].code;
			return 0;
		}
	v = strtol(s, &end, 10);
	if (!*s || *end || v <= 0 || v > 4095)
		return -EINVAL;
	*out = (int)-v;
	return 0;
}

static int parse_one(char *item, struct fault *f)
{
	char *where = strtok(item, ":"), *step = strtok(NULL, ":"), *err = strtok(NULL, ":");
	char *end;

	if (!where || !step || strtok(NULL, ":") || strlen(where) >= sizeof(f->where) ||
	    strlen(step) >= sizeof(f->step))
		return -EINVAL;
	*f = (struct fault){ .err = -EIO };
	snprintf(f->where, sizeof(f->where), "%s", where);
	snprintf(f->step, sizeof(f->step), "%s", step);
	if (err && parse_errno(err, &f->err))
		return -EINVAL;
	if (!strcmp(where, "netlink"))
		return strtoul(step, &end, 10) > 0 && !*end ? 0 : -EINVAL;
	if (f->err == ZTNL_FAULT_KILL)
		return -EINVAL;	/* only a netlink fault can kill */
	if (!strcmp(where, "agent"))
		return strcmp(step, "commit") ? -EINVAL : 0;
	return strcmp(step, "prepare") && strcmp(step, "apply") ? -EINVAL : 0;
}

int fault_init(void)
{
	const char *env = getenv("ZTOSD_FAULT");
	char buf[512], *save = NULL, *item;

	if (!env || !*env)
		return 0;
	if (strlen(env) >= sizeof(buf))
		goto bad;
	snprintf(buf, sizeof(buf), "%s", env);
	for (item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		if (n_faults == FAULTS_MAX || parse_one(item, &faults[n_faults]))
			goto bad;
		n_faults++;
	}
	pr_warn("ZTOSD_FAULT=%s: faults will be injected (for tests only)", env);
	return 0;
bad:
	pr_warn("ZTOSD_FAULT='%.200s' is not a list of SUBSYSTEM:prepare|apply[:ERRNO], "
		"agent:commit, netlink:N[:ERRNO] (agent/fault.h)", env);
	return -EINVAL;
}

/* Faults fire in the order given: only the first one not fired yet is armed. */
static struct fault *next_fault(void)
{
	for (unsigned int i = 0; i < n_faults; i++)
		if (!faults[i].fired)
			return &faults[i];
	return NULL;
}

static struct fault *next_netlink(void)
{
	struct fault *f = next_fault();

	return f && !strcmp(f->where, "netlink") ? f : NULL;
}

void fault_change_begin(void)
{
	struct fault *f = next_netlink();

	if (f)
		ztnl_fault(strtoul(f->step, NULL, 10), f->err);
}

void fault_change_end(void)
{
	struct fault *f = next_netlink();

	if (f && ztnl_fault_fired())
		f->fired = true;
	ztnl_fault(0, 0);
}

bool fault_fires(const char *name, const char *step, struct ztos_err *e)
{
	struct fault *f = next_fault();

	if (!f || strcmp(f->where, name) || strcmp(f->step, step))
		return false;
	f->fired = true;
	ztos_errf(e, f->err, name, "%s: %s: fault injected (ZTOSD_FAULT)", name, step);
	pr_warn("%s", e->msg);
	return true;
}
