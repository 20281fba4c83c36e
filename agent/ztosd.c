// SPDX-License-Identifier: GPL-2.0-only
/*
 * ztosd: turns ztos.yaml into kernel state and keeps it there.
 *
 *   ztosd [--config FILE]            run (default /etc/ztos/ztos.yaml)
 *   ztosd --check-config FILE        validate only: exit 0, or 1 with FILE:LINE:COL errors
 *   ztosd --cleanup [--config FILE]  remove everything ztos put in the kernel
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "api/api.h"
#include "gpu/rules.h"
#include "report/eventlog.h"
#include "report/log.h"

#define DEFAULT_CONFIG "/etc/ztos/ztos.yaml"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: ztosd [--config FILE] [--log-level warn|info|debug]\n"
		"       ztosd --check-config FILE\n"
		"       ztosd --cleanup [--config FILE]\n"
		"\n"
		"  -c, --config FILE        config to run (default " DEFAULT_CONFIG ")\n"
		"      --check-config FILE  validate FILE; exit 0, or 1 with FILE:LINE:COL errors\n"
		"      --cleanup            detach and unpin everything ztos put in the kernel\n"
		"  -l, --log-level LEVEL    diagnostics on stderr (overrides agent.log.level)\n"
		"      --list-routes        print the REST routes this binary serves\n"
		"  -V, --version            print the version\n"
		"  -h, --help               this help\n"
		"\n"
		"Signals: SIGHUP reloads the config (a config with errors is refused and the\n"
		"running one kept), SIGTERM/SIGINT stop the agent.\n");
}

/*
 * The DPI rule files of cfg, as the agent will load them: a rule with bad syntax or a file
 * that cannot be read is an error; a rule with a keyword we do not support is skipped
 * with a warning, as the agent does.
 */
static int check_rules(const struct ztos_config *cfg, struct cfg_errors *errs)
{
	struct dpi_ruleset rs;
	int err = 0;

	if (!cfg->has_dpi || !cfg->dpi.enabled)
		return 0;
	for (size_t i = 0; i < cfg->dpi.n_rules; i++) {
		bool bad;

		dpi_ruleset_init(&rs);
		bad = dpi_rules_load_file(&rs, cfg->dpi.rules[i]) || rs.invalid;
		for (size_t j = 0; j < rs.n_errors; j++) {
			/* "FILE:LINE:COL: message", kept in that shape for the error list */
			const char *sep = strstr(rs.errors[j], ": ");

			if (bad && sep)
				cfg_error_add(errs, strndupa(rs.errors[j], sep - rs.errors[j]), "%s",
					      sep + 2);
			else if (bad)
				cfg_error_add(errs, cfg->dpi.rules[i], "%s", rs.errors[j]);
			else
				fprintf(stderr, "warning: %s (the rule is skipped)\n", rs.errors[j]);
		}
		if (bad)
			err = -EINVAL;
		dpi_ruleset_free(&rs);
	}
	return err;
}

static int check_config(const char *path)
{
	struct cfg_errors errs = { 0 };
	struct ztos_config *cfg = NULL;
	struct cfg_node *tree = NULL;
	int err;

	err = cfg_load_file(path, &tree, &cfg, &errs);
	if (!err)
		err = check_rules(cfg, &errs);
	if (err) {
		cfg_errors_print(stderr, &errs);
		fprintf(stderr, "%s: %zu error%s; nothing was applied\n", path, errs.n,
			errs.n == 1 ? "" : "s");
	} else {
		printf("%s: ok\n", path);
	}
	cfg_errors_free(&errs);
	cfg_node_free(tree);
	cfg_free(cfg);
	return err ? 1 : 0;
}

/* One agent per host: a lock file in state_dir, held for the agent's life. */
static int take_lock(const char *state_dir, int *fd_out)
{
	char path[PATH_MAX], pid[32] = "", why[PATH_MAX + 128];
	int fd, err;

	err = cfg_dir_own(state_dir, 0700, why, sizeof(why));
	if (err) {
		pr_warn("state_dir: %s", why);
		return err;
	}
	snprintf(path, sizeof(path), "%s/ztosd.lock", state_dir);
	/* not through a link: the lock is truncated and written */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600);
	if (fd < 0) {
		err = errno;
		pr_warn("cannot open lock %s: %s%s", path, strerror(err),
			err == ELOOP ? " (it is a symbolic link: remove it)" : "");
		return -err;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno;

		if (read(fd, pid, sizeof(pid) - 1) < 0)
			pid[0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		pr_warn("another ztosd is running (pid %s, lock %s): %s", pid[0] ? pid : "?",
			path, strerror(err));
		close(fd);
		return -err;
	}
	if (ftruncate(fd, 0) == 0) {
		int n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());

		if (pwrite(fd, pid, n, 0) != n)
			pr_debug("lock %s: cannot record pid", path);
	}
	*fd_out = fd;
	return 0;
}

static void emit_agent_event(const char *action, cJSON *extra)
{
	cJSON *body = extra ? extra : cJSON_CreateObject();

	cJSON_AddStringToObject(body, "action", action);
	cJSON_AddStringToObject(body, "version", ZTOS_VERSION);
	cJSON_AddNumberToObject(body, "pid", getpid());
	event_emit("agent", 0, NULL, body);
}

static void reload(struct agent *a)
{
	struct cfg_errors errs = { 0 };
	cJSON *changes = NULL;
	int err;

	pr_info("SIGHUP: reloading %s", a->config_path);
	err = agent_update(a, NULL, false, &changes, &errs);
	if (err) {
		cJSON *body = cJSON_CreateObject();

		cfg_errors_print(stderr, &errs);
		pr_warn("reload of %s refused (%s); the running config (generation %llu) stays",
			a->config_path, err == -EINVAL ? "invalid config"
				       : err == -EIO ? "the kernel refused it" : strerror(-err),
			(unsigned long long)a->generation);
		cJSON_AddStringToObject(body, "action", "reload");
		cJSON_AddStringToObject(body, "result", "error");
		cJSON_AddItemToObject(body, "errors", cfg_errors_json(&errs));
		event_emit("config", 0, NULL, body);
		atomic_fetch_add(&a->metrics.reloads_failed, 1);
	} else {
		pr_info("reloaded %s: generation %llu, %d change%s", a->config_path,
			(unsigned long long)a->generation, cJSON_GetArraySize(changes),
			cJSON_GetArraySize(changes) == 1 ? "" : "s");
		atomic_fetch_add(&a->metrics.reloads_ok, 1);
	}
	cJSON_Delete(changes);
	cfg_errors_free(&errs);
}

static int make_fds(int *sfd, int *tfd, int *efd)
{
	struct itimerspec tick = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	/* Blocked in every thread (the API threads inherit the mask); read via signalfd. */
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	*sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	*tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	*efd = epoll_create1(EPOLL_CLOEXEC);
	if (*sfd < 0 || *tfd < 0 || *efd < 0 || timerfd_settime(*tfd, 0, &tick, NULL))
		return -errno;
	ev.data.fd = *sfd;
	if (epoll_ctl(*efd, EPOLL_CTL_ADD, *sfd, &ev))
		return -errno;
	ev.data.fd = *tfd;
	if (epoll_ctl(*efd, EPOLL_CTL_ADD, *tfd, &ev))
		return -errno;
	return 0;
}

/* The subsystems' event descriptors come and go (a datapath starts later): follow them. */
static void watch_subsystems(struct agent *a, int efd, int *watched, unsigned int n)
{
	int fds[n];

	agent_event_fds(a, fds, n);
	for (unsigned int i = 0; i < n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.fd = fds[i] };

		if (fds[i] == watched[i])
			continue;
		if (watched[i] >= 0)
			epoll_ctl(efd, EPOLL_CTL_DEL, watched[i], NULL);
		watched[i] = fds[i] >= 0 && !epoll_ctl(efd, EPOLL_CTL_ADD, fds[i], &ev) ? fds[i] : -1;
	}
}

/* The event loop: signals, the subsystems' event descriptors, a 1 s tick. */
static int run_loop(struct agent *a, int sfd, int tfd, int efd)
{
	struct epoll_event evs[8];
	int watched[a->n_subs];

	for (unsigned int i = 0; i < a->n_subs; i++)
		watched[i] = -1;
	for (;;) {
		int n;

		watch_subsystems(a, efd, watched, a->n_subs);
		n = epoll_wait(efd, evs, 8, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (int i = 0; i < n; i++) {
			struct signalfd_siginfo si;

			if (evs[i].data.fd == tfd) {
				uint64_t expirations;

				if (read(tfd, &expirations, sizeof(expirations)) < 0)
					pr_debug("timerfd read: %s", strerror(errno));
				agent_tick(a);
				continue;
			}
			if (evs[i].data.fd != sfd) {
				agent_on_events(a, evs[i].data.fd);
				continue;
			}
			if (read(sfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGHUP) {
				reload(a);
				continue;
			}
			pr_info("%s: stopping", strsignal(si.ssi_signo));
			return 0;
		}
	}
}

static int cleanup(const char *config_path)
{
	struct cfg_errors errs = { 0 };
	struct ztos_config *cfg = NULL;
	struct cfg_node *tree = NULL;
	int err;

	err = cfg_load_file(config_path, &tree, &cfg, &errs);
	if (err) {
		cfg_errors_print(stderr, &errs);
		fprintf(stderr, "%s: cannot read the config, so cannot tell what ztos created\n",
			config_path);
		goto out;
	}
	agent_cleanup_subsystems(cfg);
	if (!rmdir(cfg->bpffs))
		printf("removed %s\n", cfg->bpffs);
	else if (errno != ENOENT)
		fprintf(stderr, "%s: %s\n", cfg->bpffs, strerror(errno));
	if (cfg->api.socket && *cfg->api.socket && !unlink(cfg->api.socket))
		printf("removed %s\n", cfg->api.socket);
	printf("cleanup done\n");
out:
	cfg_errors_free(&errs);
	cfg_node_free(tree);
	cfg_free(cfg);
	return err ? 1 : 0;
}

static int load_initial(struct agent *a)
{
	struct cfg_errors errs = { 0 };
	struct ztos_config *cfg = NULL;
	struct cfg_node *tree = NULL;
	int err;

	err = cfg_load_file(a->config_path, &tree, &cfg, &errs);
	if (err) {
		cfg_errors_print(stderr, &errs);
		pr_warn("%s: %zu error%s; not starting", a->config_path, errs.n,
			errs.n == 1 ? "" : "s");
		cfg_node_free(tree);
		cfg_free(cfg);
	} else {
		agent_set_config(a, cfg, tree);
	}
	cfg_errors_free(&errs);
	return err;
}

/* Kernel support, reported, never assumed: a configured feature it lacks is a warning. */
static void warn_kernel(const struct agent *a)
{
	static const char *const sections[] = { "wireguard", "macsec", "vrf" };
	const struct ztos_config *c = a->cfg;
	bool has_vrf = false;

	for (size_t i = 0; i < c->n_tenants; i++)
		has_vrf |= c->tenants[i].has_vrf;
	for (size_t i = 0; i < 3; i++) {
		bool wanted = i == 0 ? c->has_wireguard : i == 1 ? c->has_macsec : has_vrf;
		const cJSON *f = cJSON_GetObjectItem(a->env.kernel, sections[i]);
		const char *reason = cJSON_GetStringValue(cJSON_GetObjectItem(f, "reason"));
		const char *fallback = cJSON_GetStringValue(cJSON_GetObjectItem(f, "fallback"));
		cJSON *body;

		if (!wanted || cJSON_IsTrue(cJSON_GetObjectItem(f, "supported")))
			continue;
		pr_warn("%s is configured but %s; %s%sthe rest of the config applies", sections[i],
			reason ?: "the kernel lacks it", fallback ?: "",
			fallback ? " stands in for it, " : "");
		body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "feature", sections[i]);
		cJSON_AddStringToObject(body, "severity", "warning");
		cJSON_AddStringToObject(body, "reason", reason ?: "");
		if (fallback)
			cJSON_AddStringToObject(body, "fallback", fallback);
		event_emit("kernel", 0, NULL, body);
	}
}

static int run(struct agent *a, const char *level_override)
{
	int sfd = -1, tfd = -1, efd = -1, lock_fd = -1, err;
	enum log_level level;

	err = load_initial(a);
	if (err)
		return 1;
	if (!level_override && !log_parse_level(a->cfg->log.level, &level))
		log_set_level(level);
	err = make_fds(&sfd, &tfd, &efd);
	if (err) {
		pr_warn("event loop setup: %s", strerror(-err));
		goto out;
	}
	err = take_lock(a->cfg->state_dir, &lock_fd);
	if (err)
		goto out;
	struct eventlog_opts eo = {
		.file = a->cfg->log.file,
		.syslog = a->cfg->log.syslog,
		.max_bytes = a->cfg->log.max_bytes,
		.keep = a->cfg->log.keep,
	};
	err = eventlog_open(&eo);
	if (err) {
		pr_warn("cannot open event log %s: %s (change agent.log.file)", eo.file,
			strerror(-err));
		goto out;
	}
	err = agent_init_subsystems(a);
	if (err)
		goto out_log;
	warn_kernel(a);
	agent_start_subsystems(a);
	err = api_start(a, &a->api);
	if (err)
		goto out_log;
	emit_agent_event("start", NULL);
	pr_info("ztosd %s running with %s (%zu tenant%s)", ZTOS_VERSION, a->config_path,
		a->cfg->n_tenants, a->cfg->n_tenants == 1 ? "" : "s");

	err = run_loop(a, sfd, tfd, efd);

	emit_agent_event("stop", NULL);
	api_stop(a->api);
out_log:
	/* What is attached and pinned stays: traffic keeps its policy until we are back. */
	agent_stop_subsystems(a);
	eventlog_close();
out:
	if (lock_fd >= 0)
		close(lock_fd);
	if (sfd >= 0)
		close(sfd);
	if (tfd >= 0)
		close(tfd);
	if (efd >= 0)
		close(efd);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'C' },
		{ "cleanup", no_argument, NULL, 'X' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "version", no_argument, NULL, 'V' },
		{ "list-routes", no_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	struct agent a = {
		.config_path = DEFAULT_CONFIG,
		.lock = PTHREAD_RWLOCK_INITIALIZER,
		.configure_lock = PTHREAD_MUTEX_INITIALIZER,
	};
	const char *check = NULL, *level_override = NULL;
	bool do_cleanup = false;
	enum log_level level;
	char dir[PATH_MAX];
	int c, ret;

	/* No core dump and no /proc/PID/mem for other processes of our user: the agent
	 * holds keys (WireGuard, MACsec, the API token) in its memory. */
	prctl(PR_SET_DUMPABLE, 0);
	while ((c = getopt_long(argc, argv, "c:l:Vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			a.config_path = optarg;
			break;
		case 'C':
			check = optarg;
			break;
		case 'X':
			do_cleanup = true;
			break;
		case 'l':
			if (log_parse_level(optarg, &level)) {
				fprintf(stderr, "ztosd: --log-level takes warn, info or debug, not '%s'\n",
					optarg);
				return 2;
			}
			log_set_level(level);
			level_override = optarg;
			break;
		case 'R':
			api_list_routes(stdout);
			return 0;
		case 'V':
			printf("ztosd %s\n", ZTOS_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ztosd: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (check)
		return check_config(check);
	if (do_cleanup)
		return cleanup(a.config_path);

	log_route_libbpf();
	snprintf(dir, sizeof(dir), "%s", a.config_path);
	a.config_dir = strdup(dirname(dir));
	a.started_us = eventlog_now_us();
	ret = run(&a, level_override);
	agent_snapshot_put(a.cur);
	free(a.config_dir);
	return ret;
}
