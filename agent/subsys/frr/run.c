// SPDX-License-Identifier: GPL-2.0-only
/*
 * Running FRR's tools (vtysh, frr-reload.py, the daemons' start) from a threaded agent:
 * posix_spawn, never a shell; output read with a deadline, the child killed past it.
 * And a daemon's vty socket spoken to directly, for what is asked every second.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "subsys/frr/internal.h"

#define OUT_MAX (64u << 20)	/* a route table of a large fleet fits; a runaway does not */

extern char **environ;

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int read_all(int fd, pid_t pid, int timeout_ms, char **out)
{
	int64_t deadline = mono_ms() + timeout_ms;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	int ret = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		int left = (int)(deadline - mono_ms()), n;

		if (left <= 0) {
			kill(pid, SIGKILL);
			ret = -ETIMEDOUT;
			break;
		}
		n = poll(&p, 1, left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			continue;
		if (cap - len < 4097) {
			size_t ncap = cap ? cap * 2 : 16384;
			char *nb = ncap <= OUT_MAX ? realloc(buf, ncap) : NULL;

			if (!nb) {
				kill(pid, SIGKILL);
				ret = -ENOMEM;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		ssize_t r = read(fd, buf + len, cap - len - 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	if (!buf)
		buf = calloc(1, 1);
	if (buf)
		buf[len] = '\0';
	*out = buf;
	return buf ? ret : -ENOMEM;
}

int frr_run(char *const argv[], int timeout_ms, char **out)
{
	posix_spawn_file_actions_t fa;
	int pipefd[2], status = 0, ret;
	pid_t pid;

	*out = NULL;
	if (pipe2(pipefd, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	ret = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (ret) {
		close(pipefd[0]);
		return -ret;
	}
	ret = read_all(pipefd[0], pid, timeout_ms, out);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (ret)
		return ret;
	if (WIFSIGNALED(status))
		return -EINTR;
	return WEXITSTATUS(status);
}

int frr_vtysh(const struct frr_paths *p, const char *cmd, char **out)
{
	char *argv[] = { "/usr/bin/vtysh", "-N", (char *)p->name, "-c", (char *)cmd, NULL };
	char *argv_default[] = { "/usr/bin/vtysh", "-c", (char *)cmd, NULL };
	int ret = frr_run(p->default_instance ? argv_default : argv, 10000, out);

	if (ret > 0)
		return -EIO;
	return ret;
}

#define VTY_TIMEOUT_MS 2000

/* Until the answer ends: three NULs and vtysh's status byte (0: the command succeeded). */
static int vty_read(int fd, char **out, size_t *len)
{
	int64_t deadline = mono_ms() + VTY_TIMEOUT_MS;
	size_t cap = 0;
	char *buf = NULL;

	*len = 0;
	for (;;) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		int left = (int)(deadline - mono_ms());
		ssize_t r;

		if (*len >= 4 && !memcmp(buf + *len - 4, "\0\0\0", 3))
			break;
		if (left <= 0 || poll(&pf, 1, left) == 0) {
			free(buf);
			return -ETIMEDOUT;
		}
		if (cap - *len < 4097) {
			char *nb = cap * 2 + 16384 <= OUT_MAX ? realloc(buf, cap * 2 + 16384) : NULL;

			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
			cap = cap * 2 + 16384;
		}
		r = read(fd, buf + *len, cap - *len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			return r ? -errno : -ECONNRESET;
		}
		*len += (size_t)r;
	}
	*out = buf;
	return 0;
}

int frr_vty(const struct frr_paths *p, enum frr_daemon_id d, const char *cmd, char **out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(cmd) + 1, len = 0;
	int fd, ret = 0, status;

	*out = NULL;
	if (strlen(p->run_dir) + 16 > sizeof(sa.sun_path))
		return -ENAMETOOLONG;	/* run_dir is /var/run/frr/NAME, NAME 40 at most */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%.90s/%s.vty", p->run_dir,
		 frr_daemon_names[d]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) || write(fd, cmd, n) != (ssize_t)n)
		ret = -errno;
	if (!ret)
		ret = vty_read(fd, out, &len);
	close(fd);
	if (ret)
		return ret;
	status = (unsigned char)(*out)[len - 1];
	(*out)[len - 4] = '\0';
	return status ? -EIO : 0;
}
