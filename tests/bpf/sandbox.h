/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The BPF test runners' sandbox: their own network and mount namespaces, a private bpffs
 * over /sys/fs/bpf for the pinned maps (the XDP and TC objects share them as the agent's
 * loader makes them), libbpf's warnings as TAP comments, the process kept on one CPU (per-
 * CPU counters read back whole). Nothing of it outlives the process.
 */
#ifndef ZTOS_TESTS_BPF_SANDBOX_H
#define ZTOS_TESTS_BPF_SANDBOX_H

#include <errno.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include <bpf/libbpf.h>

static inline int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		fprintf(stderr, "# %s: exit %d\n", cmd, rc);
	return rc;
}

static inline int sandbox_enter(void)
{
	cpu_set_t cpus;

	if (unshare(CLONE_NEWNS | CLONE_NEWNET)) {
		fprintf(stderr, "# unshare: %s\n", strerror(errno));
		return -1;
	}
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL)) {
		fprintf(stderr, "# mounting a private bpffs on /sys/fs/bpf: %s\n", strerror(errno));
		return -1;
	}
	if (sh("ip link set lo up"))
		return -1;
	CPU_ZERO(&cpus);
	CPU_SET(sched_getcpu() < 0 ? 0 : sched_getcpu(), &cpus);
	sched_setaffinity(0, sizeof(cpus), &cpus);
	return 0;
}

/* libbpf's messages as TAP comments, each line of a verifier log whole (it can be long). */
static inline int sandbox_libbpf_print(enum libbpf_print_level level, const char *fmt,
				       va_list ap)
{
	char *msg = NULL, *line, *save = NULL;

	if (level == LIBBPF_DEBUG || vasprintf(&msg, fmt, ap) < 0)
		return 0;
	for (line = strtok_r(msg, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		fprintf(stderr, "# libbpf: %s\n", line);
	free(msg);
	return 0;
}

#endif
