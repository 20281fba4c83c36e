// SPDX-License-Identifier: GPL-2.0-only
/*
 * The core: the desired state and the loops over the subsystem table (subsys.h) that
 * bring the kernel to it, keep it there and report it. Nothing here knows what a
 * subsystem does; the table's order is the order of every change.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent.h"
#include "fault.h"
#include "kernel/probe.h"
#include "report/eventlog.h"
#include "report/log.h"
#include "report/metrics.h"

/* ---- life cycle ---- */

int agent_init_subsystems(struct agent *a)
{
	int ret = fault_init();

	if (ret)
		return ret;
	a->env.kernel = kernel_support();
	a->subs = calloc(subsys_count, sizeof(*a->subs));
	if (!a->subs)
		return -ENOMEM;
	a->n_subs = subsys_count;
	for (unsigned int i = 0; i < a->n_subs; i++) {
		struct subsys_slot *s = &a->subs[i];
		int err;

		s->ops = subsys_table[i];
		s->priv = calloc(1, s->ops->priv_size ? s->ops->priv_size : 1);
		err = !s->priv ? -ENOMEM : s->ops->init ? s->ops->init(s->priv, &a->env) : 0;
		if (err) {
			pr_warn("%s: cannot start: %s", s->ops->name, strerror(-err));
			return err;
		}
	}
	return 0;
}

void agent_stop_subsystems(struct agent *a)
{
	for (unsigned int i = a->n_subs; i-- > 0;) {
		if (a->subs[i].ops->fini && a->subs[i].priv)
			a->subs[i].ops->fini(a->subs[i].priv);
		free(a->subs[i].priv);
	}
	free(a->subs);
	a->subs = NULL;
	a->n_subs = 0;
	cJSON_Delete((cJSON *)a->env.kernel);
	a->env.kernel = NULL;
}

static void refused(struct subsys_slot *s, const struct ztos_err *e)
{
	s->err = *e;
	if (!s->err.where[0])
		snprintf(s->err.where, sizeof(s->err.where), "%s", s->ops->name);
	atomic_fetch_add(&s->refusals, 1);
}

/* One subsystem from nothing to cfg; its refusal is its own, the others go on. */
static void start_one(struct agent *a, struct subsys_slot *s)
{
	const struct subsys_ops *o = s->ops;
	struct ztos_err e = { 0 };
	void *txn = NULL;
	int err;

	err = o->prepare ? o->prepare(s->priv, NULL, a->cfg, &txn, &e) : 0;
	if (!err && o->apply)
		err = o->apply(s->priv, NULL, a->cfg, &txn, &e);
	if (err && o->discard)
		o->discard(s->priv, txn);
	if (err) {
		refused(s, &e);
		s->start_failed = true;
		subsys_report_error(o->name, "start", &s->err);
		return;
	}
	pthread_rwlock_wrlock(&a->lock);
	if (o->commit)
		o->commit(s->priv, NULL, a->cfg, txn);
	else if (o->discard)
		o->discard(s->priv, txn);
	pthread_rwlock_unlock(&a->lock);
}

void agent_start_subsystems(struct agent *a)
{
	for (unsigned int i = 0; i < a->n_subs; i++)
		start_one(a, &a->subs[i]);
}

void agent_cleanup_subsystems(const struct ztos_config *cfg)
{
	for (unsigned int i = subsys_count; i-- > 0;)
		if (subsys_table[i]->cleanup)
			subsys_table[i]->cleanup(cfg);
}

void *agent_subsys(struct agent *a, const struct subsys_ops *ops)
{
	for (unsigned int i = 0; i < a->n_subs; i++)
		if (a->subs[i].ops == ops)
			return a->subs[i].priv;
	return NULL;
}

/* ---- a change ---- */

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

static void discard_from(struct agent *a, unsigned int from)
{
	for (unsigned int i = from; i < a->n_subs; i++) {
		struct subsys_slot *s = &a->subs[i];

		if (s->ops->discard)
			s->ops->discard(s->priv, s->txn);
		s->txn = NULL;
	}
}

static void refuse(struct subsys_slot *s, const struct ztos_err *e, struct cfg_errors *errs)
{
	refused(s, e);
	cfg_error_add(errs, s->err.where, "%s", s->err.msg);
}

/* Every subsystem stages cfg; the first refusal refuses it (what it read stays unread). */
static int prepare_all(struct agent *a, const struct ztos_config *cfg, struct cfg_errors *errs)
{
	for (unsigned int i = 0; i < a->n_subs; i++) {
		struct subsys_slot *s = &a->subs[i];
		struct ztos_err e = { 0 };

		s->txn = NULL;
		if ((s->ops->prepare && s->ops->prepare(s->priv, a->cfg, cfg, &s->txn, &e)) ||
		    fault_fires(s->ops->name, "prepare", &e)) {
			/* Nothing ran yet: a config that cannot even be staged is invalid. */
			refuse(s, &e, errs);
			discard_from(a, 0);
			return e.code == -ENOMEM ? -ENOMEM : -EINVAL;
		}
	}
	return 0;
}

/* Entries 0..n-1 applied cfg: take it back, last first. */
static void undo_before(struct agent *a, const struct ztos_config *cfg, unsigned int n)
{
	while (n-- > 0) {
		struct subsys_slot *s = &a->subs[n];

		if (s->ops->apply && s->ops->undo)
			s->ops->undo(s->priv, a->cfg, cfg, s->txn);
		else if (s->ops->discard)
			s->ops->discard(s->priv, s->txn);
		s->txn = NULL;
	}
}

/* In order; a refusal undoes the applied ones in reverse and discards the rest. */
static int apply_all(struct agent *a, const struct ztos_config *cfg, struct cfg_errors *errs)
{
	for (unsigned int i = 0; i < a->n_subs; i++) {
		struct subsys_slot *s = &a->subs[i];
		struct ztos_err e = { 0 };

		if (!s->ops->apply || !s->ops->apply(s->priv, a->cfg, cfg, &s->txn, &e)) {
			if (!fault_fires(s->ops->name, "apply", &e))
				continue;
			/* A test's fault after the apply: this one is undone as well. */
			refuse(s, &e, errs);
			discard_from(a, i + 1);
			undo_before(a, cfg, i + 1);
			return -EIO;
		}
		refuse(s, &e, errs);
		pr_warn("%s; nothing was changed", s->err.msg);
		if (s->ops->discard)
			s->ops->discard(s->priv, s->txn);
		s->txn = NULL;
		discard_from(a, i + 1);
		undo_before(a, cfg, i);
		return -EIO;
	}
	return 0;
}

/* ---- the desired state ---- */

static struct agent_snapshot *snapshot_new(struct ztos_config *cfg, struct cfg_node *tree,
					   uint64_t generation)
{
	struct agent_snapshot *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	atomic_init(&s->refs, 1);
	s->cfg = cfg;
	s->tree = tree;
	s->generation = generation;
	s->loaded_us = eventlog_now_us();
	return s;
}

void agent_snapshot_put(struct agent_snapshot *s)
{
	if (!s || atomic_fetch_sub(&s->refs, 1) != 1)
		return;
	cfg_node_free(s->tree);
	cfg_free(s->cfg);
	free(s);
}

struct agent_snapshot *agent_snapshot(struct agent *a)
{
	struct agent_snapshot *s;

	pthread_rwlock_rdlock(&a->lock);
	s = a->cur;
	atomic_fetch_add(&s->refs, 1);
	pthread_rwlock_unlock(&a->lock);
	return s;
}

/* Call with the write lock held (or before any other thread runs). */
static void set_current(struct agent *a, struct agent_snapshot *s)
{
	a->cur = s;
	a->cfg = s->cfg;
	a->tree = s->tree;
	a->generation = s->generation;
	a->config_loaded_us = s->loaded_us;
}

void agent_set_config(struct agent *a, struct ztos_config *cfg, struct cfg_node *tree)
{
	struct agent_snapshot *s = snapshot_new(cfg, tree, 1);

	if (!s) {
		cfg_node_free(tree);
		cfg_free(cfg);
		abort();	/* out of memory before the agent runs: nothing to keep */
	}
	set_current(a, s);
}

/* cfg and tree in force (taken, NULL afterwards); the old state goes with its last holder. */
static int swap_in(struct agent *a, struct ztos_config **cfg, struct cfg_node **tree)
{
	struct agent_snapshot *next = snapshot_new(*cfg, *tree, a->generation + 1), *prev;
	const struct ztos_config *old = a->cfg;

	if (!next)
		return -ENOMEM;
	*cfg = NULL;
	*tree = NULL;
	pthread_rwlock_wrlock(&a->lock);
	prev = a->cur;
	set_current(a, next);
	for (unsigned int i = 0; i < a->n_subs; i++) {
		struct subsys_slot *s = &a->subs[i];

		if (s->ops->commit)
			s->ops->commit(s->priv, old, a->cfg, s->txn);
		else if (s->ops->discard)
			s->ops->discard(s->priv, s->txn);
		s->txn = NULL;
		s->start_failed = false;
		ztos_err_clear(&s->err);
	}
	pthread_rwlock_unlock(&a->lock);
	agent_snapshot_put(prev);
	return 0;
}

/* The new desired state, built aside: the API's patch merged into the tree, or the file. */
static int build(struct agent *a, const struct cfg_node *patch, struct cfg_node **tree,
		 struct ztos_config **cfg, struct cfg_errors *errs)
{
	int err;

	if (!patch)
		return cfg_load_file(a->config_path, tree, cfg, errs);
	pthread_rwlock_rdlock(&a->lock);
	*tree = cfg_node_clone(a->tree);
	pthread_rwlock_unlock(&a->lock);
	err = *tree ? cfg_merge(*tree, patch) : -ENOMEM;
	return err ? err : cfg_build(*tree, a->config_dir, cfg, errs);
}

/* A dry run's own checks and lines; the first refusal refuses it. */
static int describe_all(struct agent *a, const struct ztos_config *cfg, cJSON *changes,
			struct cfg_errors *errs)
{
	for (unsigned int i = 0; i < a->n_subs; i++) {
		struct subsys_slot *s = &a->subs[i];
		struct ztos_err e = { 0 };

		if (s->ops->describe &&
		    s->ops->describe(s->priv, a->cfg, cfg, s->txn, changes, &e)) {
			refuse(s, &e, errs);
			return e.code == -ENOMEM ? -ENOMEM : -EINVAL;
		}
	}
	return 0;
}

static void emit_changed(struct agent *a, bool api, const cJSON *changes)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "action", api ? "configure" : "reload");
	cJSON_AddNumberToObject(body, "generation", (double)a->generation);
	cJSON_AddItemToObject(body, "changes", cJSON_Duplicate(changes, true));
	event_emit("config", 0, NULL, body);
}

int agent_update(struct agent *a, const struct cfg_node *patch, bool dry_run, cJSON **changes_out,
		 struct cfg_errors *errs)
{
	struct ztos_config *cfg = NULL;
	struct cfg_node *tree = NULL;
	struct cfg_change *changes = NULL;
	struct timespec deadline;
	size_t n_changes = 0;
	int err;

	/* A few seconds' wait, not a refusal: the ticks hold the lock for a moment too. */
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 5;
	if (pthread_mutex_timedlock(&a->configure_lock, &deadline))
		return -EBUSY;
	err = build(a, patch, &tree, &cfg, errs);
	if (!err) {
		pthread_rwlock_rdlock(&a->lock);
		err = cfg_diff(a->cfg, cfg, &changes, &n_changes);
		pthread_rwlock_unlock(&a->lock);
	}
	if (err)
		goto out;
	if (changes_out)
		*changes_out = changes_json(changes, n_changes);
	err = prepare_all(a, cfg, errs);
	if (err)
		goto out;
	if (dry_run) {
		if (changes_out)
			err = describe_all(a, cfg, *changes_out, errs);
		discard_from(a, 0);
		goto out;
	}
	fault_change_begin();
	err = apply_all(a, cfg, errs);
	fault_change_end();
	if (err)
		goto out;
	err = fault_fires("agent", "commit", &(struct ztos_err){ 0 }) ? -ENOMEM
								       : swap_in(a, &cfg, &tree);
	if (err) {
		/* Out of memory at the last step: take the applied change back. */
		undo_before(a, cfg, a->n_subs);
		cfg_error_add(errs, "agent", "out of memory; nothing was changed");
		goto out;
	}
	if (changes_out && n_changes)
		emit_changed(a, patch != NULL, *changes_out);
out:
	pthread_mutex_unlock(&a->configure_lock);
	cfg_changes_free(changes, n_changes);
	cfg_node_free(tree);
	cfg_free(cfg);
	return err;
}

/* ---- keeping it there ---- */

void agent_tick(struct agent *a)
{
	uint64_t n = ++a->ticks;

	/* What a burst of events left behind, without waiting for a change to end. */
	pthread_rwlock_rdlock(&a->lock);
	for (unsigned int i = 0; i < a->n_subs; i++)
		if (a->subs[i].ops->on_events)
			a->subs[i].ops->on_events(a->subs[i].priv, a->cfg);
	pthread_rwlock_unlock(&a->lock);
	/* Not while a change is being applied: both touch the same kernel state. */
	if (pthread_mutex_trylock(&a->configure_lock))
		return;
	for (unsigned int i = 0; i < a->n_subs; i++)
		if (a->subs[i].ops->tick)
			a->subs[i].ops->tick(a->subs[i].priv, a->cfg, n);
	pthread_mutex_unlock(&a->configure_lock);
}

void agent_event_fds(struct agent *a, int *fds, unsigned int n)
{
	pthread_rwlock_rdlock(&a->lock);
	for (unsigned int i = 0; i < n; i++) {
		const struct subsys_slot *s = i < a->n_subs ? &a->subs[i] : NULL;

		fds[i] = s && s->ops->events_fd ? s->ops->events_fd(s->priv) : -1;
	}
	pthread_rwlock_unlock(&a->lock);
}

void agent_on_events(struct agent *a, int fd)
{
	pthread_rwlock_rdlock(&a->lock);
	for (unsigned int i = 0; i < a->n_subs; i++) {
		const struct subsys_slot *s = &a->subs[i];

		if (s->ops->events_fd && s->ops->on_events && s->ops->events_fd(s->priv) == fd)
			s->ops->on_events(s->priv, a->cfg);
	}
	pthread_rwlock_unlock(&a->lock);
}

/* ---- reports ---- */

static void slot_status(struct agent *a, struct subsys_slot *s, struct subsys_status *st)
{
	if (s->ops->status)
		s->ops->status(s->priv, a->cfg, st);
	/* A start that was refused left nothing running: that is the state, with its reason. */
	if (s->start_failed && !subsys_state_runs(st->state)) {
		st->state = SUBSYS_ERROR;
		snprintf(st->reason, sizeof(st->reason), "%s", s->err.msg);
	} else if (s->err.code && subsys_state_runs(st->state)) {
		/* A change it refused: the previous config still runs. */
		if (!st->detail)
			st->detail = cJSON_CreateObject();
		cJSON_AddStringToObject(st->detail, "last_refusal", s->err.msg);
	}
}

cJSON *agent_subsystems(struct agent *a, enum agent_health *health)
{
	cJSON *o = cJSON_CreateObject();

	*health = HEALTH_OK;
	pthread_rwlock_rdlock(&a->lock);
	for (unsigned int i = 0; i < a->n_subs; i++) {
		struct subsys_status st = { SUBSYS_NOT_CONFIGURED };
		enum agent_health h;

		slot_status(a, &a->subs[i], &st);
		h = subsys_state_health(st.state);
		if (h > *health)
			*health = h;
		cJSON_AddItemToObject(o, a->subs[i].ops->name, subsys_status_json(&st));
	}
	pthread_rwlock_unlock(&a->lock);
	return o;
}

cJSON *agent_subsystem(struct agent *a, const struct subsys_ops *ops)
{
	cJSON *line = NULL;

	pthread_rwlock_rdlock(&a->lock);
	for (unsigned int i = 0; i < a->n_subs && !line; i++) {
		struct subsys_status st = { SUBSYS_NOT_CONFIGURED };

		if (a->subs[i].ops != ops)
			continue;
		slot_status(a, &a->subs[i], &st);
		line = subsys_status_json(&st);
	}
	pthread_rwlock_unlock(&a->lock);
	return line;
}

void agent_subsystem_metrics(struct agent *a, cJSON *families)
{
	cJSON *up = metrics_family(families, "ztos_subsystem_up", "gauge",
				   "1 when the subsystem runs (state running or degraded), else 0.");
	cJSON *ref = metrics_family(families, "ztos_subsystem_refusals_total", "counter",
				    "Starts and changes a subsystem refused.");

	for (unsigned int i = 0; i < a->n_subs; i++) {
		struct subsys_slot *s = &a->subs[i];
		struct subsys_status st = { SUBSYS_NOT_CONFIGURED };

		slot_status(a, s, &st);
		cJSON_Delete(st.detail);
		metrics_sample(up, subsys_state_runs(st.state), "subsystem", s->ops->name);
		metrics_sample(ref, (double)atomic_load(&s->refusals), "subsystem", s->ops->name);
		if (s->ops->metrics)
			s->ops->metrics(s->priv, a->cfg, families);
	}
}

/* ---- the agent's own metrics, then every subsystem's ---- */

cJSON *metrics_collect(struct agent *a)
{
	static const char *const classes[] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	/* The agent's own event types; each subsystem's are its name. */
	static const char *const event_types[] = { "agent", "config", "auth", "alert", "flow",
						   "drop", "kernel" };
	struct agent_metrics *m = &a->metrics;
	cJSON *list = cJSON_CreateArray(), *f;

	f = metrics_family(list, "ztos_build_info", "gauge", "Version of the running ztosd.");
	metrics_sample(f, 1, "version", ZTOS_VERSION);
	f = metrics_family(list, "ztos_uptime_seconds", "gauge", "Seconds since ztosd started.");
	metrics_sample(f, (double)(eventlog_now_us() - a->started_us) / 1e6, NULL, NULL);

	pthread_rwlock_rdlock(&a->lock);
	f = metrics_family(list, "ztos_config_generation", "gauge",
		   "Generation of the desired state: 1 at start, +1 per reload or configure.");
	metrics_sample(f, (double)a->generation, NULL, NULL);
	f = metrics_family(list, "ztos_tenants", "gauge", "Tenants in the desired state.");
	metrics_sample(f, (double)a->cfg->n_tenants, NULL, NULL);
	agent_subsystem_metrics(a, list);
	pthread_rwlock_unlock(&a->lock);

	f = metrics_family(list, "ztos_config_reloads_total", "counter", "SIGHUP reloads by result.");
	metrics_sample(f, (double)m->reloads_ok, "result", "ok");
	metrics_sample(f, (double)m->reloads_failed, "result", "error");
	f = metrics_family(list, "ztos_config_api_changes_total", "counter",
		   "POST /api/v1/network/configure requests that changed or were refused.");
	metrics_sample(f, (double)m->configures_ok, "result", "ok");
	metrics_sample(f, (double)m->configures_failed, "result", "error");
	f = metrics_family(list, "ztos_api_requests_total", "counter", "API responses by status class.");
	for (int i = 1; i < 6; i++)
		metrics_sample(f, (double)m->requests[i], "code", classes[i]);
	f = metrics_family(list, "ztos_api_auth_failures_total", "counter",
		   "TCP requests refused for a missing or wrong token.");
	metrics_sample(f, (double)m->auth_failures, NULL, NULL);
	f = metrics_family(list, "ztos_events_total", "counter", "Events written, by event_type.");
	for (size_t i = 0; i < sizeof(event_types) / sizeof(event_types[0]); i++)
		metrics_sample(f, (double)eventlog_count(event_types[i]), "event_type", event_types[i]);
	for (unsigned int i = 0; i < a->n_subs; i++)
		metrics_sample(f, (double)eventlog_count(a->subs[i].ops->name), "event_type",
			       a->subs[i].ops->name);
	return list;
}
