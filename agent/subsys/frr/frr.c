// SPDX-License-Identifier: GPL-2.0-only
/*
 * The FRR subsystem's life: a config change is rendered, checked by vtysh, and given
 * to FRR as only its difference (frr-reload.py); the file of the last change FRR took
 * (conf_dir/frr.conf) is what a refusal goes back to and what a restarted daemon
 * gets. Daemons ztos started are restarted when they die; the host's are its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report/eventlog.h"
#include "subsys/frr/frr_impl.h"
#include "report/log.h"

#define RESTART_BACKOFF_MS 2000	/* a daemon that dies at once is not restarted in a loop */

bool frr_wanted(const struct ztos_config *cfg)
{
	return cfg->has_bgp;
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void emit(const char *action, const char *result, const char *detail)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "action", action);
	if (result)
		cJSON_AddStringToObject(body, "result", result);
	if (detail)
		cJSON_AddStringToObject(body, "detail", detail);
	event_emit("bgp", 0, NULL, body);
}

static struct frr_proc bgpd_of(void *ctx)
{
	struct frr *f = ctx;
	struct frr_paths p;

	pthread_mutex_lock(&f->lock);
	p = f->paths;
	pthread_mutex_unlock(&f->lock);
	return frr_daemon_find(&p, FRR_BGPD);
}

struct frr *frr_new(const struct frr_vtep_sink *sink)
{
	struct frr *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	pthread_mutex_init(&f->lock, NULL);
	pthread_mutex_init(&f->st_lock, NULL);
	f->sink = *sink;
	if (gethostname(f->hostname, sizeof(f->hostname) - 1))
		f->hostname[0] = '\0';
	return f;
}

void frr_free(struct frr *f)
{
	if (!f)
		return;
	frr_vteps_close(f->vt);
	frr_state_free(&f->st);
	frr_state_free(&f->seen);
	free(f->applied);
	free(f->host_prev);
	pthread_mutex_destroy(&f->lock);
	pthread_mutex_destroy(&f->st_lock);
	free(f);
}

/* ---- files ---- */

static int write_text(const char *path, const char *text, char *err, size_t len)
{
	const struct passwd *pw = getpwnam("frr");
	size_t n = strlen(text);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);

	if (fd < 0 || write(fd, text, n) != (ssize_t)n || (pw && fchown(fd, pw->pw_uid,
								       pw->pw_gid))) {
		snprintf(err, len, "write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	close(fd);
	return 0;
}

static char *render(struct frr *f, const struct ztos_config *cfg, const struct frr_paths *p)
{
	char log[FRR_PATH + 16], *text = NULL;
	struct frr_render_opts o = { .hostname = f->hostname, .log_file = log };

	snprintf(log, sizeof(log), "%s/frr.log", p->run_dir);
	if (p->default_instance)
		o.log_file = NULL;	/* the host's log settings are the host's */
	return frr_render(cfg, &o, &text) ? NULL : text;
}

/* ---- daemons ---- */

/* bfd: some peer has BFD (bfdd is needed) */
static bool wanted_daemon(bool bfd, enum frr_daemon_id d)
{
	return d != FRR_BFDD || bfd;
}

static bool all_running(const struct frr_paths *p, const struct ztos_config *cfg)
{
	for (int d = 0; d < FRR_N_DAEMONS; d++)
		if (wanted_daemon(frr_needs_bfd(cfg), d) && !frr_daemon_find(p, d).pid)
			return false;
	return true;
}

static bool none_running(const struct frr_paths *p)
{
	for (int d = 0; d < FRR_N_DAEMONS; d++)
		if (frr_daemon_find(p, d).pid)
			return false;
	return true;
}

/* Start the daemons that are wanted (bfdd with bfd) and not up; *started: some were. */
static int start_missing(const struct frr_paths *p, bool bfd, bool *started, char *err,
			 size_t len)
{
	int ret = frr_dirs_make(p, err, len);

	if (!ret && frr_own(p))
		pr_warn("frr: cannot write %s: a restarted ztosd will not know these are its",
			p->owner);
	for (int d = 0; !ret && d < FRR_N_DAEMONS; d++) {
		if (!wanted_daemon(bfd, d) || frr_daemon_find(p, d).pid)
			continue;
		ret = frr_daemon_start(p, d, err, len);
		if (!ret) {
			*started = true;
			pr_info("frr: started %s (pathspace %s, pid %d)", frr_daemon_names[d],
				p->name, (int)frr_daemon_find(p, d).pid);
		}
	}
	return ret;
}

static void stop_all(const struct frr_paths *p)
{
	/* bgpd first: its peers see a NOTIFICATION, not a hold-time expiry */
	static const enum frr_daemon_id order[] = { FRR_BGPD, FRR_BFDD, FRR_ZEBRA };

	for (size_t i = 0; i < FRR_N_DAEMONS; i++) {
		pid_t pid = frr_daemon_find(p, order[i]).pid;

		if (!pid)
			continue;
		if (frr_daemon_stop(p, order[i]))
			fprintf(stderr, "frr: %s (pid %d) does not stop\n",
				frr_daemon_names[order[i]], (int)pid);
		else
			printf("stopped FRR's %s (pathspace %s, pid %d)\n",
			       frr_daemon_names[order[i]], p->name, (int)pid);
	}
}

/* ---- prepare / commit / undo ---- */

struct frr_txn {
	struct frr_paths paths;
	char *text;		/* what FRR got */
	bool started;		/* prepare started daemons: undo stops them */
	bool stop;		/* bgp: went away: commit stops ztos's daemons */
	bool host;
	/* ztos's own FRR under the pathspace before (agent.frr.pathspace or state_dir
	 * changed): stopped by prepare, its files kept until commit removes them, started
	 * again by undo. prev_bfd: it ran bfdd. */
	bool moved, prev_bfd;
	struct frr_paths prev;
};

/* Which FRR serves cfg: ztos's own (false) or the host's (true); or why neither. */
static int choose(const struct ztos_config *cfg, const struct frr_paths *p, bool *host,
		  char *err, size_t len)
{
	struct frr_proc zebra = frr_daemon_find(p, FRR_ZEBRA);
	bool foreign = zebra.pid && !frr_owned(p);

	*host = cfg->frr.mode == ZTOS_FRR_HOST || (cfg->frr.mode == ZTOS_FRR_AUTO && foreign);
	if (cfg->frr.mode == ZTOS_FRR_OWN && foreign) {
		snprintf(err, len, "FRR pathspace %s is served by an FRR ztos did not start "
			 "(zebra pid %d): set agent.frr.mode: host to use it, or give "
			 "agent.frr.pathspace another name", p->name, (int)zebra.pid);
		return -EEXIST;
	}
	if (*host && !zebra.pid) {
		snprintf(err, len, "agent.frr.mode is host but no FRR serves pathspace %s (no "
			 "zebra in %s)", p->name, p->run_dir);
		return -ENOENT;
	}
	return 0;
}

/* FRR cannot serve (not installed, taken): degraded, said in status; the config stands. */
static void degraded(struct frr *f, const char *why)
{
	pthread_mutex_lock(&f->lock);
	if (strcmp(f->error, why)) {
		pr_warn("bgp: %s; the rest of the config applies", why);
		emit("start", "error", why);
	}
	snprintf(f->error, sizeof(f->error), "%s", why);
	pthread_mutex_unlock(&f->lock);
}

/* FRR's words (and the line they concern) are the message, whole: nothing is added. */
static int refuse(struct ztos_err *e, const char *msg)
{
	pr_warn("bgp: %s", msg);
	return ztos_err_set(e, -EIO, "bgp", msg);
}

/* Daemons up (or started now) and given txn->text: a first start or a reload. */
static int give(struct frr *f, struct frr_txn *t, const struct ztos_config *cfg, char *err,
		size_t len)
{
	const struct frr_paths *p = &t->paths;
	bool fresh = none_running(p);
	int ret;

	ret = start_missing(p, frr_needs_bfd(cfg), &t->started, err, len);
	if (ret)
		return ret;
	/* Fresh daemons have no config: the file goes in whole; else only the difference. */
	ret = fresh ? frr_apply_file(p, p->candidate, err, len)
		    : frr_reload(p, p->candidate, err, len);
	if (ret && !fresh && !access(p->conf, R_OK)) {
		char again[512];

		/* frr-reload.py stops at a refused line, after the lines before it */
		if (frr_reload(p, p->conf, again, sizeof(again)))
			pr_warn("bgp: putting FRR back to %s failed too: %s", p->conf, again);
	}
	return ret;
}

/* Whether a rendered config asks for BFD ("neighbor X bfd"). */
static bool frr_needs_bfd_text(const char *text)
{
	return text && strstr(text, " bfd\n");
}

/*
 * At start: FRRs ztos started for this state_dir under another pathspace (it changed
 * while ztosd was down) would share the network namespace with the new one: stopped.
 */
static int stop_orphans(const struct frr_paths *p)
{
	struct frr_paths *v;
	size_t n;
	char msg[2 * ZTOS_FRR_NAME_MAX + 96];

	frr_owned_elsewhere(p, &v, &n);
	for (size_t i = 0; i < n; i++) {
		if (none_running(&v[i])) {
			frr_dirs_remove(&v[i]);
			continue;
		}
		pr_warn("bgp: ztos's FRR of pathspace %s still runs for this state_dir: stopping "
			"it, pathspace %s serves now", v[i].name, p->name);
		stop_all(&v[i]);
		frr_dirs_remove(&v[i]);
		snprintf(msg, sizeof(msg), "FRR moved from pathspace %s to %s (at start)",
			 v[i].name, p->name);
		emit("move", "ok", msg);
	}
	free(v);
	return 0;
}

/*
 * The FRR in use serves another pathspace than cfg's: ztos's own is stopped (bgpd
 * first) before the new one starts, as two FRRs in one network namespace would fight
 * over bgpd's port and zebra's routes; its files stay for an undo until commit. ztos's
 * part in the host's FRR is refused: removing it is a change of its own.
 */
static int leave_previous(struct frr *f, struct frr_txn *t, struct ztos_err *e)
{
	struct frr_paths prev;
	bool have, own;

	pthread_mutex_lock(&f->lock);
	prev = f->paths;
	have = f->have_paths;
	own = f->own;
	t->prev_bfd = frr_needs_bfd_text(f->applied);
	pthread_mutex_unlock(&f->lock);
	if (!have)
		return stop_orphans(&t->paths);
	if (!strcmp(prev.name, t->paths.name))
		return 0;
	if (!own) {
		snprintf(e->where, sizeof(e->where), "bgp");
		return ztos_errmsg(e, -EINVAL, "agent.frr.pathspace would change from %s to %s "
				   "while ztos's part is in the host's FRR (pathspace %s): remove "
				   "bgp: first (that takes ztos's part out of it), then give bgp: "
				   "again with the new pathspace; nothing was changed", prev.name,
				   t->paths.name, prev.name);
	}
	pr_info("bgp: FRR moves from pathspace %s to %s: stopping the daemons of %s", prev.name,
		t->paths.name, prev.name);
	stop_all(&prev);
	t->prev = prev;
	t->moved = true;
	return 0;
}

/* A move that did not happen: the new daemons stopped, the old ones started with their config. */
static void back_to_previous(struct frr_txn *t)
{
	char err[512] = "";
	bool started = false;

	if (!t->moved)
		return;
	if (t->started)
		stop_all(&t->paths);
	if (!t->host)
		frr_dirs_remove(&t->paths);
	if (start_missing(&t->prev, t->prev_bfd, &started, err, sizeof(err)) ||
	    frr_apply_file(&t->prev, t->prev.conf, err, sizeof(err)))
		pr_warn("bgp: starting FRR again in pathspace %s failed: %s", t->prev.name, err);
	t->moved = t->started = false;
}

static void txn_free(struct frr_txn *t)
{
	if (!t)
		return;
	free(t->text);
	free(t);
}

/* The host's FRR gets ztos's part (host.c). */
static int prepare_host(struct frr *f, struct frr_txn *t, const struct ztos_config *cfg,
			struct ztos_err *e)
{
	int ret = leave_previous(f, t, e);

	if (!ret)
		ret = frr_host_prepare(f, cfg, t->paths.state_dir, &t->paths, &t->text, e);
	if (ret)
		back_to_previous(t);
	return ret;
}

/* ztos's own FRR: the rendering checked, the daemons started if they are not, the change
 * given; 1: nothing to do. A refusal leaves FRR as it was (and its old pathspace up). */
static int prepare_own(struct frr *f, struct frr_txn *t, const struct ztos_config *cfg,
		       struct ztos_err *e)
{
	char err[1024] = "";
	int ret;

	t->text = render(f, cfg, &t->paths);
	if (!t->text)
		return -ENOMEM;
	pthread_mutex_lock(&f->lock);
	/* Nothing changed for FRR (a tenant's VNI is zebra's to find): nothing to do. */
	ret = f->applied && !strcmp(f->applied, t->text) && !f->error[0] &&
	      all_running(&t->paths, cfg);
	pthread_mutex_unlock(&f->lock);
	if (ret)
		return 1;
	ret = frr_dirs_make(&t->paths, err, sizeof(err));
	if (!ret)
		ret = write_text(t->paths.candidate, t->text, err, sizeof(err));
	if (ret) {
		degraded(f, err);
		return 1;
	}
	ret = frr_validate(&t->paths, t->paths.candidate, err, sizeof(err));
	if (!ret)
		ret = leave_previous(f, t, e);
	if (ret == -EINVAL) {
		unlink(t->paths.candidate);
		frr_dirs_remove(&t->paths);
		return ret;
	}
	if (!ret)
		ret = give(f, t, cfg, err, sizeof(err));
	if (!ret)
		return 0;
	pthread_mutex_lock(&f->lock);
	f->reloads_failed++;
	pthread_mutex_unlock(&f->lock);
	unlink(t->paths.candidate);
	if (t->moved)
		back_to_previous(t);
	else if (t->started && !f->applied)
		stop_all(&t->paths);
	emit("apply", "error", err);
	return refuse(e, err);
}

int frr_prepare(struct frr *f, const struct ztos_config *old, const struct ztos_config *cfg,
		struct frr_txn **txn, struct ztos_err *e)
{
	struct frr_txn *t;
	char err[1024] = "";
	int ret;

	*txn = NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (!frr_wanted(cfg)) {
		pthread_mutex_lock(&f->lock);
		t->paths = f->paths;
		t->stop = f->have_paths && f->own;
		t->host = f->have_paths && !f->own;
		pthread_mutex_unlock(&f->lock);
		*txn = t;
		return 0;
	}
	if (frr_paths_init(cfg, &t->paths)) {
		degraded(f, "agent.state_dir or agent.frr.dir is too long for FRR's paths");
		txn_free(t);
		return 0;
	}
	if (!frr_installed(&t->paths, err, sizeof(err)) ||
	    choose(cfg, &t->paths, &t->host, err, sizeof(err))) {
		degraded(f, err);
		txn_free(t);
		return 0;
	}
	ret = t->host ? prepare_host(f, t, cfg, e) : prepare_own(f, t, cfg, e);
	if (ret) {
		txn_free(t);
		return ret > 0 ? 0 : ret;
	}
	*txn = t;
	return 0;
}

void frr_commit(struct frr *f, struct frr_txn *t)
{
	char err[512] = "";

	if (!t)
		return;
	if (t->stop) {
		stop_all(&t->paths);
		frr_dirs_remove(&t->paths);
		emit("stop", "ok", "bgp: was removed from the config");
	} else if (!t->host && rename(t->paths.candidate, t->paths.conf)) {
		pr_warn("frr: keep %s as %s: %s", t->paths.candidate, t->paths.conf,
			strerror(errno));
	}
	if (t->moved) {
		char msg[2 * ZTOS_FRR_NAME_MAX + 64];

		frr_dirs_remove(&t->prev);
		snprintf(msg, sizeof(msg), "FRR moved from pathspace %s to %s", t->prev.name,
			 t->paths.name);
		emit("move", "ok", msg);
	}
	/* no peer with BFD left: ztos's bfdd goes (the host's is the host's) */
	if (!t->stop && !t->host && !frr_needs_bfd_text(t->text) &&
	    frr_daemon_find(&t->paths, FRR_BFDD).pid)
		frr_daemon_stop(&t->paths, FRR_BFDD);
	pthread_mutex_lock(&f->lock);
	free(f->applied);
	f->applied = t->stop ? NULL : t->text;
	t->text = NULL;
	f->paths = t->paths;
	f->have_paths = !t->stop;
	f->own = !t->host;
	f->error[0] = '\0';
	f->reloads_ok++;
	if (f->have_paths && !f->vt &&
	    frr_vteps_open(&f->sink, bgpd_of, f, &f->vt, err, sizeof(err)) != 0)
		snprintf(f->error, sizeof(f->error), "evpn: %s", err);
	pthread_mutex_unlock(&f->lock);
	if (!t->stop)
		emit("apply", "ok", t->started ? "FRR started" : NULL);
	txn_free(t);
}

void frr_undo(struct frr *f, struct frr_txn *t)
{
	char err[512];

	if (!t)
		return;
	if (t->moved) {
		if (t->host)
			frr_host_undo(f, &t->paths);
		else
			unlink(t->paths.candidate);
		back_to_previous(t);
	} else if (t->host) {
		frr_host_undo(f, &t->paths);
	} else if (t->started && !f->applied) {
		stop_all(&t->paths);
	} else if (!t->stop && !access(t->paths.conf, R_OK) &&
		   frr_reload(&t->paths, t->paths.conf, err, sizeof(err))) {
		pr_warn("bgp: putting FRR back to %s failed: %s", t->paths.conf, err);
	}
	if (!t->host)
		unlink(t->paths.candidate);
	txn_free(t);
}

int frr_dry_run(struct frr *f, const struct ztos_config *old, const struct ztos_config *cfg,
		cJSON *changes, struct ztos_err *e)
{
	struct frr_paths p;
	cJSON *del = NULL, *add = NULL, *c, *lines;
	char err[1024] = "", *text = NULL, *prev = NULL;
	int ret = 0;

	bool host;

	if (!frr_wanted(cfg) && !(old && frr_wanted(old)))
		return 0;
	if (frr_paths_init(frr_wanted(cfg) ? cfg : old, &p))
		return 0;
	pthread_mutex_lock(&f->lock);
	host = f->have_paths && !f->own;
	prev = f->applied ? strdup(f->applied) : NULL;
	pthread_mutex_unlock(&f->lock);
	if (!host && frr_wanted(cfg) && !(text = render(f, cfg, &p))) {
		free(prev);
		return -ENOMEM;
	}
	if (text && prev && !strcmp(text, prev))
		goto out;
	if (host)
		ret = frr_host_dry_run(cfg, &p, &del, &add, err, sizeof(err));
	else
		ret = text ? frr_dry_run_lines(&p, text, &del, &add, err, sizeof(err))
			   : frr_text_lines(prev, &del);
	if (ret == -EIO) {
		ret = refuse(e, err);
		goto out;
	}
	if (ret || (!cJSON_GetArraySize(del) && !cJSON_GetArraySize(add)))
		goto out;
	c = cJSON_CreateObject();
	cJSON_AddStringToObject(c, "op", !frr_wanted(cfg) ? "remove" : prev ? "change" : "add");
	cJSON_AddStringToObject(c, "object", "frr");
	snprintf(err, sizeof(err), "pathspace %s: %d line%s to delete, %d to add", p.name,
		 cJSON_GetArraySize(del), cJSON_GetArraySize(del) == 1 ? "" : "s",
		 cJSON_GetArraySize(add));
	cJSON_AddStringToObject(c, "detail", err);
	lines = cJSON_AddObjectToObject(c, "lines");
	cJSON_AddItemToObject(lines, "delete", del ? del : cJSON_CreateArray());
	cJSON_AddItemToObject(lines, "add", add ? add : cJSON_CreateArray());
	del = add = NULL;
	cJSON_AddItemToArray(changes, c);
out:
	cJSON_Delete(del);
	cJSON_Delete(add);
	free(text);
	free(prev);
	return ret;
}

/* ---- learned VTEPs ---- */

/* The follower, once made, lives as long as f: the event loop may be inside it. */
struct frr_vteps *frr_follower(struct frr *f)
{
	struct frr_vteps *vt;

	pthread_mutex_lock(&f->lock);
	vt = f->vt;
	pthread_mutex_unlock(&f->lock);
	return vt;
}

bool frr_serving(struct frr *f, struct frr_paths *p)
{
	bool have;

	pthread_mutex_lock(&f->lock);
	*p = f->paths;
	have = f->have_paths && !f->error[0];
	pthread_mutex_unlock(&f->lock);
	return have;
}

void frr_resync(struct frr *f, const struct ztos_config *cfg)
{
	struct frr_vteps *vt = frr_follower(f);

	if (!vt)
		return;
	if (!frr_wanted(cfg)) {
		frr_vteps_stop(vt);
		return;
	}
	frr_vteps_set_statics(vt, cfg);
	frr_vteps_resync(vt);
}

int frr_events_fd(struct frr *f)
{
	return frr_vteps_fd(frr_follower(f));
}

void frr_events(struct frr *f)
{
	struct frr_vteps *vt = frr_follower(f);

	if (vt)
		frr_vteps_events(vt);
}

/* ---- supervision ---- */

static void restart(struct frr *f, const struct frr_paths *p, const struct ztos_config *cfg,
		    enum frr_daemon_id d)
{
	char err[512] = "", msg[768];
	bool started = false;
	int ret;

	pr_warn("frr: %s (pathspace %s) is not running: starting it again", frr_daemon_names[d],
		p->name);
	ret = start_missing(p, frr_needs_bfd(cfg), &started, err, sizeof(err));
	/* A restarted daemon has no config; the others keep theirs: reload what is missing. */
	if (!ret)
		ret = frr_reload(p, p->conf, err, sizeof(err));
	pthread_mutex_lock(&f->lock);
	f->restarts[d]++;
	if (ret)
		snprintf(f->error, sizeof(f->error), "restart %s: %s", frr_daemon_names[d], err);
	else if (!strncmp(f->error, "restart ", 8))
		f->error[0] = '\0';
	pthread_mutex_unlock(&f->lock);
	snprintf(msg, sizeof(msg), "%s died and was started again%s%s", frr_daemon_names[d],
		 ret ? ": " : "", ret ? err : "");
	emit("restart", ret ? "error" : "ok", msg);
}

void frr_tick(struct frr *f, const struct ztos_config *cfg)
{
	struct frr_paths p;
	bool own;
	int64_t now = mono_ms();

	pthread_mutex_lock(&f->lock);
	p = f->paths;
	own = f->have_paths && f->own;
	pthread_mutex_unlock(&f->lock);
	if (!frr_wanted(cfg) || !own)
		goto vteps;
	for (int d = 0; d < FRR_N_DAEMONS; d++) {
		if (!wanted_daemon(frr_needs_bfd(cfg), d) || frr_daemon_find(&p, d).pid ||
		    now < f->next_restart_ms[d])
			continue;
		f->next_restart_ms[d] = now + RESTART_BACKOFF_MS;
		restart(f, &p, cfg, d);
	}
vteps:
	if (frr_follower(f))
		frr_vteps_tick(frr_follower(f));
	frr_peers_watch(f, cfg);
}

/* ---- cleanup ---- */

int frr_cleanup(const struct ztos_config *cfg)
{
	struct frr_paths p;

	/* Whatever the config says of bgp now: daemons ztos started go. */
	if (frr_paths_init(cfg, &p))
		return 0;
	if (!frr_owned(&p)) {
		if (frr_wanted(cfg) && !none_running(&p))
			return frr_host_cleanup(cfg, &p);
		return 0;
	}
	stop_all(&p);
	frr_dirs_remove(&p);
	printf("removed %s and %s\n", p.run_dir, p.conf_dir);
	return 0;
}
