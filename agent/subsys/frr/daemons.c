// SPDX-License-Identifier: GPL-2.0-only
/*
 * FRR's folders and daemons for one pathspace. Several FRRs share the machine's
 * binaries (one per network namespace in tests and the demo), so a daemon is only
 * ever found, checked and stopped through the pid file of its own pathspace, and
 * /proc must agree (the same program, alive) before a pid is trusted.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "subsys/frr/internal.h"

const char *const frr_daemon_names[FRR_N_DAEMONS] = { "zebra", "bgpd", "bfdd" };

extern char **environ;

/* FNV-1a: a short, stable name per state_dir, so two agents never share an FRR. */
static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

const char *frr_pathspace(const struct ztos_config *cfg, char *buf, size_t len)
{
	if (cfg->frr.pathspace[0])
		snprintf(buf, len, "%s", cfg->frr.pathspace);
	else if (!strcmp(cfg->state_dir, "/var/lib/ztos"))
		snprintf(buf, len, "ztos");
	else
		snprintf(buf, len, "ztos-%08x", fnv1a(cfg->state_dir));
	return buf;
}

/* p's folders and files for the pathspace p->name. */
static void paths_of_name(struct frr_paths *p)
{
	p->default_instance = !strcmp(p->name, "default");
	if (p->default_instance) {
		snprintf(p->run_dir, sizeof(p->run_dir), "/var/run/frr");
		snprintf(p->conf_dir, sizeof(p->conf_dir), "/etc/frr");
	} else {
		snprintf(p->run_dir, sizeof(p->run_dir), "/var/run/frr/%s", p->name);
		snprintf(p->conf_dir, sizeof(p->conf_dir), "/etc/frr/%s", p->name);
	}
	snprintf(p->conf, sizeof(p->conf), "%.200s/frr.conf", p->conf_dir);
	snprintf(p->candidate, sizeof(p->candidate), "%.200s/frr.conf.ztos-new", p->conf_dir);
	snprintf(p->owner, sizeof(p->owner), "%.200s/ztos.owner", p->run_dir);
}

int frr_paths_init(const struct ztos_config *cfg, struct frr_paths *p)
{
	memset(p, 0, sizeof(*p));
	if (strlen(cfg->state_dir) > FRR_PATH - 64 || strlen(cfg->frr.dir) > FRR_PATH - 64)
		return -ENAMETOOLONG;
	frr_pathspace(cfg, p->name, sizeof(p->name));
	paths_of_name(p);
	snprintf(p->bin_dir, sizeof(p->bin_dir), "%s", cfg->frr.dir);
	snprintf(p->state_dir, sizeof(p->state_dir), "%s", cfg->state_dir);
	return 0;
}

int frr_owned_elsewhere(const struct frr_paths *p, struct frr_paths **out, size_t *n)
{
	DIR *d = opendir("/var/run/frr");
	const struct dirent *de;
	struct frr_paths *v = NULL, *nv;

	*out = NULL;
	*n = 0;
	while (d && (de = readdir(d))) {
		struct frr_paths q = *p;

		if (de->d_name[0] == '.' || !strcmp(de->d_name, p->name) ||
		    strlen(de->d_name) > ZTOS_FRR_NAME_MAX)
			continue;
		snprintf(q.name, sizeof(q.name), "%s", de->d_name);
		paths_of_name(&q);
		if (!frr_owned(&q))
			continue;
		nv = realloc(v, (*n + 1) * sizeof(*nv));
		if (!nv)
			break;
		v = nv;
		v[(*n)++] = q;
	}
	if (d)
		closedir(d);
	*out = v;
	return 0;
}

bool frr_installed(const struct frr_paths *p, char *why, size_t len)
{
	static const char *const tools[] = { "zebra", "bgpd", "frr-reload.py" };
	char path[FRR_PATH + 32];

	for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", p->bin_dir, tools[i]);
		if (access(path, X_OK)) {
			snprintf(why, len, "FRR is not installed: %s: %s (install the frr and "
				 "frr-pythontools packages, or set agent.frr.dir)", path,
				 strerror(errno));
			return false;
		}
	}
	if (access("/usr/bin/vtysh", X_OK)) {
		snprintf(why, len, "FRR is not installed: /usr/bin/vtysh: %s (install the frr "
			 "package)", strerror(errno));
		return false;
	}
	return true;
}

static int frr_ids(uid_t *uid, gid_t *gid)
{
	const struct passwd *pw = getpwnam("frr");

	if (!pw)
		return -ENOENT;
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

static int make_dir(const char *path, uid_t uid, gid_t gid, char *err, size_t len)
{
	if (mkdir(path, 0755) && errno != EEXIST)
		goto fail;
	if (chown(path, uid, gid))
		goto fail;
	return 0;
fail:
	snprintf(err, len, "create %s: %s", path, strerror(errno));
	return -errno;
}

int frr_dirs_make(const struct frr_paths *p, char *err, size_t len)
{
	char vtysh_conf[FRR_PATH + 16];
	uid_t uid;
	gid_t gid;
	int fd, ret;

	if (frr_ids(&uid, &gid)) {
		snprintf(err, len, "FRR's user 'frr' does not exist (install the frr package)");
		return -ENOENT;
	}
	ret = make_dir("/var/run/frr", uid, gid, err, len);
	if (!ret && !p->default_instance)
		ret = make_dir(p->run_dir, uid, gid, err, len);
	if (!ret && !p->default_instance)
		ret = make_dir(p->conf_dir, uid, gid, err, len);
	if (ret)
		return ret;
	/* An empty vtysh.conf: without one, every vtysh call complains on stderr. */
	snprintf(vtysh_conf, sizeof(vtysh_conf), "%s/vtysh.conf", p->conf_dir);
	fd = open(vtysh_conf, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 || fchown(fd, uid, gid)) {
		snprintf(err, len, "create %s: %s", vtysh_conf, strerror(errno));
		ret = -errno;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

/* FRR's folders are flat: pid files, sockets, config files. */
static void remove_flat(const char *path)
{
	DIR *d = opendir(path);
	const struct dirent *e;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(path);
}

void frr_dirs_remove(const struct frr_paths *p)
{
	if (p->default_instance)
		return;
	remove_flat(p->run_dir);
	remove_flat(p->conf_dir);
}

/* ---- processes ---- */

/* A small file (pid file, /proc/PID/stat, the owner mark) into buf; false if unreadable. */
static bool read_small(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return true;
}

static pid_t read_pid(const struct frr_paths *p, enum frr_daemon_id d)
{
	char path[FRR_PATH + 32], buf[32];

	snprintf(path, sizeof(path), "%s/%s.pid", p->run_dir, frr_daemon_names[d]);
	return read_small(path, buf, sizeof(buf)) ? (pid_t)atoi(buf) : 0;
}

/* Seconds since the epoch at which the machine booted: /proc/stat's btime. */
static int64_t boot_time(void)
{
	char line[256];
	long long bt = 0;
	FILE *f = fopen("/proc/stat", "re");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %lld", &bt) == 1)
			break;
	if (f)
		fclose(f);
	return bt;
}

/* pid is the daemon, alive (not a zombie): its comm is the daemon's name. */
static bool proc_is(pid_t pid, const char *name, int64_t *since_us)
{
	char path[64], buf[1024], *close_paren, state;
	unsigned long long start = 0;
	size_t nlen = strlen(name);

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if (!read_small(path, buf, sizeof(buf)))
		return false;
	close_paren = strrchr(buf, ')');
	if (!close_paren || !strchr(buf, '(') || (size_t)(close_paren - strchr(buf, '(') - 1) != nlen ||
	    strncmp(strchr(buf, '(') + 1, name, nlen))
		return false;
	/* after "(comm) ": state, then 18 fields up to starttime (field 22 of stat) */
	if (sscanf(close_paren + 2, "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s "
		   "%*s %*s %*s %*s %*s %llu", &state, &start) != 2)
		return false;
	if (state == 'Z' || state == 'X' || state == 'x')
		return false;
	*since_us = (boot_time() * 1000000) + (int64_t)(start * 1000000 / sysconf(_SC_CLK_TCK));
	return true;
}

struct frr_proc frr_daemon_find(const struct frr_paths *p, enum frr_daemon_id d)
{
	struct frr_proc r = { 0 };
	pid_t pid = read_pid(p, d);

	if (pid > 0 && proc_is(pid, frr_daemon_names[d], &r.since_us))
		r.pid = pid;
	return r;
}

static int wait_child(pid_t pid, int timeout_ms, int *status)
{
	for (int waited = 0; waited < timeout_ms; waited += 10) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return -errno;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, status, 0);
	return -ETIMEDOUT;
}

/* The last line the daemon wrote before it gave up, for the error message. */
static void last_words(const char *log, char *buf, size_t len)
{
	char line[300];
	FILE *f = fopen(log, "re");

	buf[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (*line && !strstr(line, "Disabling MPLS support"))
			snprintf(buf, len, "%s", line);
	}
	if (f)
		fclose(f);
}

int frr_daemon_start(const struct frr_paths *p, enum frr_daemon_id d, char *err, size_t len)
{
	const char *name = frr_daemon_names[d];
	char bin[FRR_PATH + 16], log[FRR_PATH + 32], words[400];
	char *argv[16];
	posix_spawn_file_actions_t fa;
	int argc = 0, status = 0, ret;
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/%s", p->bin_dir, name);
	snprintf(log, sizeof(log), "%s/frr-%s.log", p->state_dir, name);
	argv[argc++] = bin;
	argv[argc++] = "-d";
	if (!p->default_instance) {
		argv[argc++] = "-N";
		argv[argc++] = (char *)p->name;
	}
	argv[argc++] = "-F";
	argv[argc++] = "datacenter";
	argv[argc++] = "-P";	/* no TCP vty: vtysh talks over the pathspace's sockets */
	argv[argc++] = "0";
	if (d == FRR_ZEBRA) {
		/* a burst of netlink events (hundreds of VNIs at once) must not overrun it */
		argv[argc++] = "-s";
		argv[argc++] = "90000000";
	}
	argv[argc] = NULL;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	ret = posix_spawn(&pid, bin, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret) {
		snprintf(err, len, "start %s: %s: %s", name, bin, strerror(ret));
		return -ret;
	}
	/* With -d the first process returns once the daemon is up (or has failed). */
	ret = wait_child(pid, 15000, &status);
	if (!ret && WIFEXITED(status) && !WEXITSTATUS(status) && frr_daemon_find(p, d).pid)
		return 0;
	last_words(log, words, sizeof(words));
	if (ret)
		snprintf(err, len, "start %s: it did not come up in 15 s (%s)", name,
			 words[0] ? words : "no word in its log");
	else
		snprintf(err, len, "start %s: it exited (status %d): %s", name,
			 WIFEXITED(status) ? WEXITSTATUS(status) : -1,
			 words[0] ? words : "no word in its log");
	return ret ? ret : -EIO;
}

/* Gone: not that daemon any more (a daemon removes its pid file before it has exited). */
static bool wait_gone(pid_t pid, const char *name, int ms)
{
	int64_t since;

	for (int i = 0; i < ms / 10; i++) {
		if (!proc_is(pid, name, &since))
			return true;
		usleep(10000);
	}
	return !proc_is(pid, name, &since);
}

int frr_daemon_stop(const struct frr_paths *p, enum frr_daemon_id d)
{
	struct frr_proc pr = frr_daemon_find(p, d);

	if (!pr.pid)
		return 0;
	kill(pr.pid, SIGTERM);
	if (wait_gone(pr.pid, frr_daemon_names[d], 5000))
		return 0;
	kill(pr.pid, SIGKILL);
	return wait_gone(pr.pid, frr_daemon_names[d], 1000) ? 0 : -ETIMEDOUT;
}

bool frr_owned(const struct frr_paths *p)
{
	char buf[FRR_PATH] = "";

	if (!read_small(p->owner, buf, sizeof(buf)))
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return !strcmp(buf, p->state_dir);
}

int frr_own(const struct frr_paths *p)
{
	int fd = open(p->owner, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (dprintf(fd, "%s\n", p->state_dir) < 0)
		ret = -EIO;
	close(fd);
	return ret;
}
