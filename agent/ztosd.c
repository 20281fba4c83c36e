// SPDX-License-Identifier: GPL-2.0-only
/*
 * ztosd: turns ztos.yaml into kernel state and keeps it there.
 *
 *   ztosd [--config FILE]            run (default /etc/ztos/ztos.yaml)
 *   ztosd --check-config FILE        validate only: exit 0, or 1 with FILE:LINE:COL errors
 *   ztosd --cleanup [--config FILE]  remove everything ztos put in the kernel
 */
#include <arpa/inet.h>
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
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "api/api.h"
#include "datapath.h"
#include "dpi.h"
#include "kernel.h"
#include "rules.h"
#include "eventlog.h"
#include "frr/frr.h"
#include "log.h"
#include "netlink/macsec.h"
#include "overlay.h"
#include "netlink/wireguard.h"

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
	char path[PATH_MAX], pid[32] = "";
	int fd;

	if (mkdir(state_dir, 0700) && errno != EEXIST) {
		pr_warn("cannot create state_dir %s: %s", state_dir, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/ztosd.lock", state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		pr_warn("cannot open lock %s: %s", path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		int err = errno;

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

static cJSON *errors_json(const struct cfg_errors *errs)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < errs->n; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "location", errs->v[i].where);
		cJSON_AddStringToObject(e, "message", errs->v[i].message);
		cJSON_AddItemToArray(arr, e);
	}
	return arr;
}

static cJSON *changes_json(const struct cfg_change *changes, size_t n)
{
	cJSON *arr = cJSON_CreateArray();

	for (size_t i = 0; i < n; i++) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "op", cfg_change_op_str(changes[i].op));
		cJSON_AddStringToObject(c, "object", changes[i].object);
		if (changes[i].detail)
			cJSON_AddStringToObject(c, "detail", changes[i].detail);
		cJSON_AddItemToArray(arr, c);
	}
	return arr;
}

/*
 * The kernel side of a config change, before the config is swapped in: the datapath
 * applies it as a transaction, so a refusal leaves maps and config as they were.
 */
static int datapath_update(struct agent *a, const struct ztos_config *cfg,
			   struct cfg_errors *errs)
{
	struct datapath *dp = NULL;
	char msg[512] = "";
	int err;

	if (a->dp) {
		err = datapath_apply(a->dp, a->cfg, cfg, msg, sizeof(msg));
	} else if (datapath_wanted(cfg)) {
		err = datapath_start(cfg, &dp, msg, sizeof(msg));
		if (!err) {
			pthread_rwlock_wrlock(&a->lock);
			a->dp = dp;
			a->dp_error[0] = '\0';
			pthread_rwlock_unlock(&a->lock);
		}
	} else {
		return 0;
	}
	if (err) {
		cfg_error_add(errs, "datapath", "%s", msg);
		pr_warn("%s; nothing was changed", msg);
		return -EIO;
	}
	return 0;
}

/* MACsec before the datapath (which may attach to its link); undone if a later step fails. */
static int macsec_update(struct agent *a, const struct ztos_config *cfg, struct cfg_errors *errs,
			 struct macsec_txn **txn)
{
	char msg[600] = "";
	int err = macsec_prepare(a->macsec, a->cfg, cfg, txn, msg, sizeof(msg));

	if (err) {
		cfg_error_add(errs, "macsec", "%s", msg);
		pr_warn("%s; nothing was changed", msg);
		return -EIO;
	}
	if (msg[0])
		pr_warn("%s", msg);
	return 0;
}

/*
 * DPI after a config change (or at start), once the datapath is in place: a failure
 * here (no AF_XDP socket, say) is reported in status and the event log; the config
 * stands. p: cfg's rules, prepared before anything was changed (taken).
 */
static void dpi_update(struct agent *a, const struct ztos_config *cfg, struct dpi_prepared *p)
{
	char msg[sizeof(a->dpi_error)] = "";
	int err;

	pthread_rwlock_wrlock(&a->lock);
	err = dpi_apply(&a->dpi, a->dp, cfg, p, msg, sizeof(msg));
	snprintf(a->dpi_error, sizeof(a->dpi_error), "%s", err ? msg : "");
	pthread_rwlock_unlock(&a->lock);
	if (err) {
		cJSON *body = cJSON_CreateObject();

		pr_warn("%s", msg);
		cJSON_AddStringToObject(body, "action", "start");
		cJSON_AddStringToObject(body, "result", "error");
		cJSON_AddStringToObject(body, "error", msg);
		event_emit("dpi", 0, NULL, body);
	}
}

/* cfg's DPI rules read and compiled aside; a rule file with errors refuses cfg. */
static int dpi_rules_prepare(struct agent *a, const struct ztos_config *cfg,
			     struct dpi_prepared **p, struct cfg_errors *errs)
{
	char msg[1024] = "";
	int err;

	*p = NULL;
	if (!dpi_wanted(cfg))
		return 0;
	err = dpi_prepare(a->dpi, cfg, p, msg, sizeof(msg));
	if (err) {
		cfg_error_add(errs, "dpi", "%s", strncmp(msg, "dpi: ", 5) ? msg : msg + 5);
		pr_warn("%s", msg);
	}
	return err;
}

int agent_update(struct agent *a, const struct cfg_node *patch, bool dry_run, cJSON **changes_out,
		 struct cfg_errors *errs)
{
	struct ztos_config *cfg = NULL, *old;
	struct cfg_node *tree = NULL, *old_tree;
	struct cfg_change *changes = NULL;
	struct wg_txn *wg = NULL;
	struct timespec deadline;
	struct macsec_txn *mtxn = NULL;
	struct dpi_prepared *rules = NULL;
	struct frr_txn *ftxn = NULL;
	size_t n_changes = 0;
	int err;

	/* A few seconds' wait, not a refusal: the 5 s ticks hold the lock for a moment too. */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	if (pthread_mutex_timedlock(&a->configure_lock, &deadline))
		return -EBUSY;
	if (patch) {
		pthread_rwlock_rdlock(&a->lock);
		tree = cfg_node_clone(a->tree);
		pthread_rwlock_unlock(&a->lock);
		err = tree ? cfg_merge(tree, patch) : -ENOMEM;
		if (!err)
			err = cfg_build(tree, a->config_dir, &cfg, errs);
	} else {
		err = cfg_load_file(a->config_path, &tree, &cfg, errs);
	}
	if (err)
		goto out;

	pthread_rwlock_rdlock(&a->lock);
	err = cfg_diff(a->cfg, cfg, &changes, &n_changes);
	pthread_rwlock_unlock(&a->lock);
	if (err)
		goto out;
	if (changes_out)
		*changes_out = changes_json(changes, n_changes);
	/* Rule files are read and compiled aside, so a dry run finds their errors too. */
	err = dpi_rules_prepare(a, cfg, &rules, errs);
	/* FRR's part of a dry run: the lines it would get, checked by vtysh */
	if (!err && dry_run && changes_out)
		err = frr_dry_run(a->frr, a->cfg, cfg, *changes_out, errs);
	if (err || dry_run)
		goto out;
	/*
	 * MACsec first (on the physical link), then WireGuard (VXLAN rides on either),
	 * then the overlay (the datapath's ports are in its bridges), then the datapath; a
	 * refusal undoes every step before it (the undo_* labels, in reverse order).
	 */
	err = macsec_update(a, cfg, errs, &mtxn);
	if (err)
		goto out;
	err = wg_update(a->cfg, cfg, &wg, errs);
	if (err)
		goto undo_macsec;
	err = overlay_apply(a->cfg, cfg, errs);
	if (err)
		goto undo_wg;
	/* FRR after the overlay: its L3 VNIs name the overlay's VRFs */
	err = frr_prepare(a->frr, a->cfg, cfg, &ftxn, errs);
	if (err)
		goto undo_overlay;
	err = datapath_update(a, cfg, errs);
	if (err)
		goto undo_frr;
	wg_txn_free(wg);
	macsec_commit(a->macsec, mtxn);
	frr_commit(a->frr, ftxn);

	pthread_rwlock_wrlock(&a->lock);
	old = a->cfg;
	old_tree = a->tree;
	a->cfg = cfg;
	a->tree = tree;
	a->generation++;
	a->config_loaded_us = eventlog_now_us();
	pthread_rwlock_unlock(&a->lock);
	dpi_update(a, cfg, rules);
	rules = NULL;
	/* learned VTEPs of tenants that just came, and none of those that went */
	frr_resync(a->frr, cfg);
	cfg = old;
	tree = old_tree;
	if (changes_out && n_changes) {
		cJSON *body = cJSON_CreateObject();

		cJSON_AddStringToObject(body, "action", patch ? "configure" : "reload");
		cJSON_AddNumberToObject(body, "generation", (double)a->generation);
		cJSON_AddItemToObject(body, "changes", cJSON_Duplicate(*changes_out, true));
		event_emit("config", 0, NULL, body);
	}
out:
	pthread_mutex_unlock(&a->configure_lock);
	dpi_prepared_free(rules);
	cfg_changes_free(changes, n_changes);
	cfg_node_free(tree);
	cfg_free(cfg);
	return err;

undo_frr:
	frr_undo(a->frr, ftxn);
undo_overlay:
	overlay_apply(cfg, a->cfg, errs);
undo_wg:
	wg_txn_undo(wg);
undo_macsec:
	macsec_undo(a->macsec, mtxn);
	goto out;
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
				       : err == -EIO ? "the kernel or FRR refused it" : strerror(-err),
			(unsigned long long)a->generation);
		cJSON_AddStringToObject(body, "action", "reload");
		cJSON_AddStringToObject(body, "result", "error");
		cJSON_AddItemToObject(body, "errors", errors_json(&errs));
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

/* A subsystem's fd joins the event loop once it has one. */
static void watch_fd(int efd, int fd, int *watched)
{
	struct epoll_event ev = { .events = EPOLLIN };

	if (fd < 0 || fd == *watched)
		return;
	ev.data.fd = fd;
	if (!epoll_ctl(efd, EPOLL_CTL_ADD, fd, &ev))
		*watched = fd;
}

/* The event loop: signals now; netlink, ring buffer and flow aging join it later. */
static void watch_datapath(struct agent *a, int efd, int *watched)
{
	watch_fd(efd, datapath_events_fd(a->dp), watched);
}

static void on_tick(struct agent *a, uint64_t *ticks)
{
	/* Replaced RX SAs retire; the config cannot change under configure_lock. */
	if (a->cfg->has_macsec && macsec_tick_wanted(a->macsec) &&
	    !pthread_mutex_trylock(&a->configure_lock)) {
		macsec_tick(a->macsec, a->cfg);
		pthread_mutex_unlock(&a->configure_lock);
	}
	if (!a->dp)
		return;
	/* The programs wake us at most once a jiffy: collect what a burst left behind. */
	pthread_rwlock_rdlock(&a->lock);
	datapath_poll(a->dp, a->cfg);
	pthread_rwlock_unlock(&a->lock);
	if (++*ticks % 5)
		return;
	/* Not while a change is being applied: both touch the datapath's attachments. */
	if (pthread_mutex_trylock(&a->configure_lock))
		return;
	pthread_rwlock_rdlock(&a->lock);
	overlay_tick(a->cfg);
	datapath_tick(a->dp, a->cfg);
	pthread_rwlock_unlock(&a->lock);
	pthread_mutex_unlock(&a->configure_lock);
}

/* Every second: FRR daemons that died are started again, held VTEPs let go when due. */
static void frr_tick_once(struct agent *a)
{
	if (!a->frr || pthread_mutex_trylock(&a->configure_lock))
		return;
	frr_tick(a->frr, a->cfg);
	pthread_mutex_unlock(&a->configure_lock);
}

/* Every 5 s: a wireguard-go that died is started again, drift is put right. */
static void wireguard_tick(struct agent *a)
{
	static unsigned int n;

	/* cfg changes only under configure_lock: holding it is enough to read it. */
	if (++n % 5 || pthread_mutex_trylock(&a->configure_lock))
		return;
	wg_supervise(a->cfg);
	pthread_mutex_unlock(&a->configure_lock);
}

/* The event loop: signals, the datapath's ring buffer, a 1 s tick for flow aging. */
static int run_loop(struct agent *a, int sfd, int tfd, int efd)
{
	struct epoll_event evs[8];
	uint64_t ticks = 0;
	int rb_fd = -1, frr_fd = -1;

	for (;;) {
		int n;

		watch_datapath(a, efd, &rb_fd);
		watch_fd(efd, a->frr ? frr_events_fd(a->frr) : -1, &frr_fd);
		n = epoll_wait(efd, evs, 8, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == tfd) {
				uint64_t expirations;

				if (read(tfd, &expirations, sizeof(expirations)) < 0)
					pr_debug("timerfd read: %s", strerror(errno));
				on_tick(a, &ticks);
				wireguard_tick(a);
				frr_tick_once(a);
				continue;
			}
			if (evs[i].data.fd == frr_fd) {
				frr_events(a->frr);
				continue;
			}
			if (evs[i].data.fd == rb_fd) {
				pthread_rwlock_rdlock(&a->lock);
				datapath_poll(a->dp, a->cfg);
				pthread_rwlock_unlock(&a->lock);
				continue;
			}
			struct signalfd_siginfo si;

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
	/* FRR first: zebra would otherwise act on every device the overlay takes away */
	frr_cleanup(cfg);
	datapath_cleanup(cfg);
	overlay_cleanup();
	macsec_cleanup(cfg);
	wg_cleanup(cfg);
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
	int err;

	err = cfg_load_file(a->config_path, &a->tree, &a->cfg, &errs);
	if (err) {
		cfg_errors_print(stderr, &errs);
		pr_warn("%s: %zu error%s; not starting", a->config_path, errs.n,
			errs.n == 1 ? "" : "s");
	}
	cfg_errors_free(&errs);
	a->generation = 1;
	a->config_loaded_us = eventlog_now_us();
	return err;
}

/* Kernel support, reported, never assumed: a configured feature it lacks is a warning. */
static void probe_kernel(struct agent *a)
{
	static const char *const sections[] = { "wireguard", "macsec", "vrf" };
	const struct ztos_config *c = a->cfg;
	bool has_vrf = false;
	const cJSON *f;

	for (size_t i = 0; i < c->n_tenants; i++)
		has_vrf |= c->tenants[i].has_vrf;
	a->kernel = kernel_support();
	for (size_t i = 0; i < 3; i++) {
		bool wanted = i == 0 ? c->has_wireguard : i == 1 ? c->has_macsec : has_vrf;
		cJSON *body;

		f = cJSON_GetObjectItem(a->kernel, sections[i]);
		if (!wanted || cJSON_IsTrue(cJSON_GetObjectItem(f, "supported")))
			continue;
		pr_warn("%s is configured but %s; %s%sthe rest of the config applies", sections[i],
			cJSON_GetObjectItem(f, "reason")->valuestring,
			cJSON_GetStringValue(cJSON_GetObjectItem(f, "fallback")) ?: "",
			cJSON_GetObjectItem(f, "fallback") ? " stands in for it, " : "");
		body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "feature", sections[i]);
		cJSON_AddStringToObject(body, "severity", "warning");
		cJSON_AddStringToObject(body, "reason", cJSON_GetObjectItem(f, "reason")->valuestring);
		if (cJSON_GetObjectItem(f, "fallback"))
			cJSON_AddStringToObject(body, "fallback",
						cJSON_GetObjectItem(f, "fallback")->valuestring);
		event_emit("kernel", 0, NULL, body);
	}
}

/* Adopt the device a previous run left (peers keep their sessions), or make it. */
static void wireguard_start(struct agent *a)
{
	struct cfg_errors errs = { 0 };
	struct wg_txn *t = NULL;

	if (wg_update(NULL, a->cfg, &t, &errs) && errs.n) {
		cJSON *body = cJSON_CreateObject();

		cJSON_AddStringToObject(body, "action", "start");
		cJSON_AddStringToObject(body, "result", "error");
		cJSON_AddStringToObject(body, "error", errs.v[0].message);
		event_emit("wireguard", 0, NULL, body);
	}
	wg_txn_free(t);
	cfg_errors_free(&errs);
}

/* At start the kernel's MACsec state is adopted as it is, and brought to the config. */
static void macsec_start(struct agent *a)
{
	struct macsec_txn *txn = NULL;
	char msg[600] = "";
	cJSON *body;

	a->macsec = macsec_new();
	if (!a->macsec || !a->cfg->has_macsec)
		return;
	if (!macsec_prepare(a->macsec, NULL, a->cfg, &txn, msg, sizeof(msg))) {
		macsec_commit(a->macsec, txn);
		return;
	}
	pr_warn("%s", msg);
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "action", "start");
	cJSON_AddStringToObject(body, "result", "error");
	cJSON_AddStringToObject(body, "error", msg);
	event_emit("macsec", 0, NULL, body);
}

/* Learned VTEPs into the datapath's allowlist: the sink the FRR subsystem calls. */
static void vtep_learned(void *ctx, const struct frr_vtep *v, bool add)
{
	struct agent *a = ctx;
	char buf[INET6_ADDRSTRLEN];

	pthread_rwlock_rdlock(&a->lock);
	if (a->dp && datapath_vtep_learned(a->dp, a->cfg, v->vni, &v->addr, add) == -ENOENT)
		pr_warn("evpn: VTEP %s announced for VNI %u, which no tenant of this host has: "
			"not allowed", ztos_addr_str(&v->addr, buf, sizeof(buf)), v->vni);
	pthread_rwlock_unlock(&a->lock);
}

static void vteps_sync(void *ctx, const struct frr_vtep *v, size_t n)
{
	struct datapath_vtep *d = calloc(n + 1, sizeof(*d));
	struct agent *a = ctx;

	if (!d)
		return;
	for (size_t i = 0; i < n; i++)
		d[i] = (struct datapath_vtep){ .vni = v[i].vni, .addr = v[i].addr };
	pthread_rwlock_rdlock(&a->lock);
	if (a->dp && datapath_vteps_learned_sync(a->dp, a->cfg, d, n))
		pr_warn("evpn: the learned VTEPs did not all reach the allowlist");
	pthread_rwlock_unlock(&a->lock);
	free(d);
}

/* FRR for the bgp: section: adopted when it runs, started when not; degraded, not fatal. */
static void frr_start(struct agent *a)
{
	const struct frr_vtep_sink sink = { vtep_learned, vteps_sync, a };
	struct cfg_errors errs = { 0 };
	struct frr_txn *t = NULL;

	a->frr = frr_new(&sink);
	if (!a->frr || !frr_wanted(a->cfg))
		return;
	if (frr_prepare(a->frr, NULL, a->cfg, &t, &errs)) {
		cJSON *body = cJSON_CreateObject();

		cJSON_AddStringToObject(body, "action", "start");
		cJSON_AddStringToObject(body, "result", "error");
		cJSON_AddStringToObject(body, "error", errs.n ? errs.v[0].message : "?");
		event_emit("bgp", 0, NULL, body);
	} else {
		frr_commit(a->frr, t);
	}
	frr_resync(a->frr, a->cfg);
	cfg_errors_free(&errs);
}

/* As with the datapath, a refusal at start leaves the agent running to say why. */
static void start_overlay(struct agent *a)
{
	struct cfg_errors errs = { 0 };

	if (overlay_apply(NULL, a->cfg, &errs) && errs.n) {
		cJSON *body = cJSON_CreateObject();

		cfg_errors_print(stderr, &errs);
		cJSON_AddStringToObject(body, "action", "start");
		cJSON_AddStringToObject(body, "result", "error");
		cJSON_AddStringToObject(body, "error", errs.v[0].message);
		event_emit("overlay", 0, NULL, body);
	}
	cfg_errors_free(&errs);
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
	macsec_start(a);
	/* First: the WireGuard device can be the underlay the datapath attaches to. */
	wireguard_start(a);
	start_overlay(a);
	if (datapath_wanted(a->cfg) &&
	    datapath_start(a->cfg, &a->dp, a->dp_error, sizeof(a->dp_error))) {
		/* The agent still runs: it says what failed in status and in the event log. */
		cJSON *body = cJSON_CreateObject();

		pr_warn("%s", a->dp_error);
		cJSON_AddStringToObject(body, "action", "start");
		cJSON_AddStringToObject(body, "result", "error");
		cJSON_AddStringToObject(body, "error", a->dp_error);
		event_emit("datapath", 0, NULL, body);
	}
	frr_start(a);
	if (dpi_wanted(a->cfg)) {
		struct dpi_prepared *rules = NULL;
		struct cfg_errors errs = { 0 };

		if (dpi_rules_prepare(a, a->cfg, &rules, &errs))
			snprintf(a->dpi_error, sizeof(a->dpi_error), "dpi: %s",
				 errs.n ? errs.v[0].message : "rules not loaded");
		else
			dpi_update(a, a->cfg, rules);
		cfg_errors_free(&errs);
	}
	probe_kernel(a);
	err = api_start(a, &a->api);
	if (err)
		goto out_log;
	emit_agent_event("start", NULL);
	pr_info("ztosd %s running with %s (%zu tenant%s)", ZTOS_VERSION, a->config_path,
		a->cfg->n_tenants, a->cfg->n_tenants == 1 ? "" : "s");

	err = run_loop(a, sfd, tfd, efd);

	emit_agent_event("stop", NULL);
	api_stop(a->api);
	dpi_stop(a->dpi);
	/* FRR and its sessions stay up, as the datapath does: a restarted ztosd adopts them */
	frr_free(a->frr);
	a->frr = NULL;
	/* What is attached and pinned stays: traffic keeps its policy until we are back. */
	datapath_stop(a->dp);
out_log:
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
	cfg_node_free(a.tree);
	cfg_free(a.cfg);
	free(a.config_dir);
	cJSON_Delete(a.kernel);
	macsec_free(a.macsec);
	return ret;
}
