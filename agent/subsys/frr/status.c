// SPDX-License-Identifier: GPL-2.0-only
/*
 * What FRR says, for status, GET /api/v1/network and /metrics: read through vtysh at
 * most once a second (a scrape and a dashboard do not each cost six vtysh runs), and
 * shown as FRR said it: a field FRR did not print is absent, never zero.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report/eventlog.h"
#include "subsys/frr/frr_impl.h"
#include "report/metrics.h"

#define STATE_MAX_AGE_MS 1000

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef int (*parse_fn)(const char *json, struct frr_state *st);

static int ask(const struct frr_paths *p, const char *cmd, parse_fn parse, struct frr_state *st,
	       char *err, size_t len)
{
	char *out = NULL;
	int ret = frr_vtysh(p, cmd, &out);

	if (!ret)
		ret = parse(out, st);
	if (ret && !err[0])
		snprintf(err, len, "%s: %s%s%.200s", cmd, ret == -EINVAL ? "not FRR's JSON"
			 : strerror(-ret), out && *out ? ": " : "", out ? out : "");
	free(out);
	return ret;
}

static void refresh(struct frr *f, const struct frr_paths *p, bool bfd)
{
	struct frr_state st = { 0 };
	char err[512] = "";
	int ret;

	ret = ask(p, "show bgp summary json", frr_parse_summary, &st, err, sizeof(err));
	if (!ret)
		ret = ask(p, "show bgp neighbors json", frr_parse_neighbors, &st, err, sizeof(err));
	if (!ret && bfd)
		ask(p, "show bfd peers json", frr_parse_bfd, &st, err, sizeof(err));
	if (!ret)
		ret = ask(p, "show evpn vni json", frr_parse_vnis, &st, err, sizeof(err));
	if (!ret)
		ret = ask(p, "show evpn mac vni all json", frr_parse_macs, &st, err, sizeof(err));
	if (!ret)
		ret = ask(p, "show bgp l2vpn evpn route vni all json", frr_parse_vni_routes, &st,
			  err, sizeof(err));
	frr_state_free(&f->st);
	f->st = st;
	f->st_ok = !ret;
	snprintf(f->st_error, sizeof(f->st_error), "%s", ret ? err : "");
	f->st_at_ms = mono_ms();
}

/* f->st fresh (st_lock held by the caller); false when there is no FRR to ask. */
static bool state(struct frr *f, const struct ztos_config *cfg)
{
	struct frr_paths p;

	if (!frr_serving(f, &p))
		return false;
	if (!f->st_at_ms || mono_ms() - f->st_at_ms >= STATE_MAX_AGE_MS)
		refresh(f, &p, frr_needs_bfd(cfg));
	return true;
}

/* ---- what zebra announces ---- */

static bool addr_eq(const struct ztos_addr *a, const struct ztos_addr *b)
{
	return a->family == b->family &&
	       !memcmp(&a->v6, &b->v6, a->family == AF_INET ? sizeof(a->v4) : sizeof(a->v6));
}

bool frr_evpn_announces(struct frr *f, uint32_t vni, const struct ztos_addr *vtep)
{
	struct frr_state st = { 0 };
	const struct frr_vni *v = NULL;
	struct frr_paths p;
	char err[256] = "";
	bool yes = false;

	if (!frr_serving(f, &p) ||
	    ask(&p, "show evpn vni json", frr_parse_vnis, &st, err, sizeof(err)))
		goto out;
	for (size_t i = 0; i < st.n_vnis && !v; i++)
		if (st.vnis[i].vni == vni)
			v = &st.vnis[i];
	for (size_t i = 0; v && i < v->n_remote_vteps && !yes; i++)
		yes = addr_eq(&v->remote_vteps[i], vtep);
out:
	frr_state_free(&st);
	return yes;
}

/* ---- peers ---- */

static bool established(const struct frr_peer *p)
{
	return p && !strcmp(p->state, "Established");
}

static struct frr_peer *peer_of(struct frr *f, const struct ztos_bgp_peer *c)
{
	char a[INET6_ADDRSTRLEN];

	ztos_addr_str(&c->address, a, sizeof(a));
	for (size_t i = 0; i < f->st.n_peers; i++)
		if (!strcmp(f->st.peers[i].address, a))
			return &f->st.peers[i];
	return NULL;
}

static void peer_session(cJSON *o, const struct frr_peer *p)
{
	if (p->state[0])
		cJSON_AddStringToObject(o, "state", p->state);
	if (p->has_uptime)
		cJSON_AddNumberToObject(o, "uptime_s", p->uptime_s);
	if (p->has_prefixes) {
		cJSON_AddNumberToObject(o, "prefixes_received", p->prefixes_received);
		cJSON_AddNumberToObject(o, "prefixes_sent", p->prefixes_sent);
	}
	if (p->has_counts) {
		cJSON_AddNumberToObject(o, "connections_established", p->established);
		cJSON_AddNumberToObject(o, "connections_dropped", p->dropped);
	}
	/* FRR's lastResetDueTo: why the session last went down (or never came up) */
	if (p->last_reset[0])
		cJSON_AddStringToObject(o, "last_reset", p->last_reset);
	if (p->last_reset[0] && !established(p))
		cJSON_AddStringToObject(o, "last_error", p->last_reset);
	if (p->bfd[0])
		cJSON_AddStringToObject(o, "bfd_status", p->bfd);
}

static cJSON *peers_json(struct frr *f, const struct ztos_config *cfg, bool have)
{
	cJSON *arr = cJSON_CreateArray();
	char a[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < cfg->bgp.n_peers; i++) {
		const struct ztos_bgp_peer *c = &cfg->bgp.peers[i];
		const struct frr_peer *p = have ? peer_of(f, c) : NULL;
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "address", ztos_addr_str(&c->address, a, sizeof(a)));
		cJSON_AddNumberToObject(o, "asn", c->asn);
		cJSON_AddStringToObject(o, "type", c->asn == cfg->bgp.asn ? "ibgp" : "ebgp");
		cJSON_AddBoolToObject(o, "route_reflector_client", c->route_reflector_client);
		cJSON_AddBoolToObject(o, "bfd", c->bfd);
		if (p)
			peer_session(o, p);
		cJSON_AddItemToArray(arr, o);
	}
	return arr;
}

/* "peer 10.1.1.1 Active: Waiting for peer OPEN; ..." for the peers not Established. */
static void peers_reason(struct frr *f, const struct ztos_config *cfg, char *buf, size_t len)
{
	size_t n = 0;
	char a[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	for (size_t i = 0; i < cfg->bgp.n_peers && n < len; i++) {
		const struct frr_peer *p = peer_of(f, &cfg->bgp.peers[i]);

		if (established(p))
			continue;
		ztos_addr_str(&cfg->bgp.peers[i].address, a, sizeof(a));
		n += snprintf(buf + n, len - n, "%speer %s %s%s%s", n ? "; " : "", a,
			      p && p->state[0] ? p->state : "unknown to FRR",
			      p && p->last_reset[0] ? ": " : "", p ? p->last_reset : "");
	}
}

/* ---- the subsystem ---- */

static cJSON *daemons_json(struct frr *f, const struct frr_paths *p,
			   const struct ztos_config *cfg)
{
	cJSON *o = cJSON_CreateObject();
	int64_t now = eventlog_now_us();

	for (int d = 0; d < FRR_N_DAEMONS; d++) {
		struct frr_proc pr = frr_daemon_find(p, d);
		cJSON *e;

		if (d == FRR_BFDD && !frr_needs_bfd(cfg) && !pr.pid)
			continue;
		e = cJSON_AddObjectToObject(o, frr_daemon_names[d]);
		cJSON_AddStringToObject(e, "state", pr.pid ? "running" : "not running");
		if (pr.pid) {
			cJSON_AddNumberToObject(e, "pid", pr.pid);
			cJSON_AddNumberToObject(e, "up_s", (double)(now - pr.since_us) / 1e6);
		}
		cJSON_AddNumberToObject(e, "restarts", f->restarts[d]);
	}
	return o;
}

static cJSON *frr_json(struct frr *f, const struct ztos_config *cfg)
{
	cJSON *o = cJSON_CreateObject();
	char name[ZTOS_FRR_NAME_MAX + 1];
	struct frr_paths p;

	pthread_mutex_lock(&f->lock);
	p = f->paths;
	cJSON_AddStringToObject(o, "mode", !f->have_paths ? "none" : f->own ? "own" : "host");
	cJSON_AddStringToObject(o, "pathspace", frr_pathspace(cfg, name, sizeof(name)));
	cJSON_AddNumberToObject(o, "applies_ok", (double)f->reloads_ok);
	cJSON_AddNumberToObject(o, "applies_failed", (double)f->reloads_failed);
	if (f->have_paths)
		cJSON_AddItemToObject(o, "daemons", daemons_json(f, &p, cfg));
	pthread_mutex_unlock(&f->lock);
	return o;
}

/* state and reason; call with st_lock held, after state(). */
static void health(struct frr *f, const struct ztos_config *cfg, bool have,
		   struct subsys_status *st)
{
	char why[sizeof(st->reason)];

	pthread_mutex_lock(&f->lock);
	snprintf(why, sizeof(why), "%s", f->error);
	pthread_mutex_unlock(&f->lock);
	if (why[0]) {
		st->state = SUBSYS_ERROR;
		snprintf(st->reason, sizeof(st->reason), "%s", why);
		return;
	}
	if (!have) {
		st->state = SUBSYS_NOT_LOADED;
		snprintf(st->reason, sizeof(st->reason), "FRR has not been given this config yet");
		return;
	}
	if (!f->st_ok) {
		st->state = SUBSYS_DEGRADED;
		snprintf(st->reason, sizeof(st->reason), "%s", f->st_error);
		return;
	}
	peers_reason(f, cfg, why, sizeof(why));
	st->state = why[0] ? SUBSYS_DEGRADED : SUBSYS_RUNNING;
	snprintf(st->reason, sizeof(st->reason), "%s", why);
}

void frr_status(struct frr *f, const struct ztos_config *cfg, struct subsys_status *st)
{
	bool have;

	if (!frr_wanted(cfg))
		return;
	pthread_mutex_lock(&f->st_lock);
	have = state(f, cfg);
	health(f, cfg, have, st);
	pthread_mutex_unlock(&f->st_lock);
	st->detail = cJSON_CreateObject();
	cJSON_AddItemToObject(st->detail, "frr", frr_json(f, cfg));
}

/* ---- VNIs ---- */

static const struct ztos_tenant *tenant_of(const struct ztos_config *cfg, uint32_t vni)
{
	for (size_t i = 0; i < cfg->n_tenants; i++)
		if (cfg->tenants[i].vni == vni)
			return &cfg->tenants[i];
	return NULL;
}

static cJSON *addrs_json(const struct ztos_addr *v, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	char buf[INET6_ADDRSTRLEN];

	for (size_t i = 0; i < n; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(ztos_addr_str(&v[i], buf,
									   sizeof(buf))));
	return arr;
}

/* Per tenant: the static VTEPs, the learned ones, and what zebra and bgpd say of it. */
static cJSON *vni_json(struct frr *f, const struct ztos_tenant *t, const struct frr_vni *v)
{
	cJSON *o = cJSON_CreateObject(), *vteps;
	char buf[INET6_ADDRSTRLEN];

	cJSON_AddNumberToObject(o, "vni", t->vni);
	cJSON_AddStringToObject(o, "tenant", t->name);
	vteps = cJSON_AddArrayToObject(o, "remote_vteps");
	for (size_t i = 0; i < t->n_vteps; i++) {
		cJSON *e = cJSON_CreateObject();

		cJSON_AddStringToObject(e, "address", ztos_addr_str(&t->vteps[i], buf, sizeof(buf)));
		cJSON_AddStringToObject(e, "origin", "static");
		cJSON_AddItemToArray(vteps, e);
	}
	if (frr_follower(f))
		frr_vteps_json(frr_follower(f), t->vni, vteps);
	if (!v) {
		cJSON_AddBoolToObject(o, "known_to_frr", false);
		return o;
	}
	cJSON_AddBoolToObject(o, "known_to_frr", true);
	if (v->type[0])
		cJSON_AddStringToObject(o, "type", v->type);
	if (v->vxlan_if[0])
		cJSON_AddStringToObject(o, "vxlan_interface", v->vxlan_if);
	cJSON_AddItemToObject(o, "frr_remote_vteps", addrs_json(v->remote_vteps,
								v->n_remote_vteps));
	if (v->has_macs) {
		cJSON_AddNumberToObject(o, "macs", v->macs);
		cJSON_AddNumberToObject(o, "arp_nd", v->arp_nd);
	}
	if (v->has_mac_split) {
		cJSON_AddNumberToObject(o, "macs_local", v->macs_local);
		cJSON_AddNumberToObject(o, "macs_remote", v->macs_remote);
	}
	if (v->has_routes) {
		cJSON *r = cJSON_AddObjectToObject(o, "routes");

		cJSON_AddNumberToObject(r, "type2", v->routes_type2);
		cJSON_AddNumberToObject(r, "type3", v->routes_type3);
		cJSON_AddItemToObject(r, "type3_from", addrs_json(v->type3_from, v->n_type3_from));
	}
	return o;
}

cJSON *frr_network(struct frr *f, const struct ztos_config *cfg)
{
	struct subsys_status st = { SUBSYS_NOT_CONFIGURED };
	cJSON *o = cJSON_CreateObject(), *vnis;
	char rid[INET_ADDRSTRLEN];
	bool have;

	cJSON_AddBoolToObject(o, "configured", frr_wanted(cfg));
	if (!frr_wanted(cfg))
		return o;
	cJSON_AddNumberToObject(o, "asn", cfg->bgp.asn);
	cJSON_AddStringToObject(o, "router_id", inet_ntop(AF_INET, &cfg->bgp.router_id, rid,
							   sizeof(rid)));
	cJSON_AddBoolToObject(o, "advertise_all_vni", cfg->bgp.advertise_all_vni);
	pthread_mutex_lock(&f->st_lock);
	have = state(f, cfg);
	health(f, cfg, have, &st);
	cJSON_AddStringToObject(o, "state", subsys_state_name(st.state));
	if (st.reason[0])
		cJSON_AddStringToObject(o, "reason", st.reason);
	have = have && f->st_ok;
	cJSON_AddItemToObject(o, "peers", peers_json(f, cfg, have));
	vnis = cJSON_AddArrayToObject(o, "vnis");
	for (size_t i = 0; i < cfg->n_tenants; i++) {
		const struct frr_vni *v = NULL;

		for (size_t k = 0; have && k < f->st.n_vnis && !v; k++)
			if (f->st.vnis[k].vni == cfg->tenants[i].vni)
				v = &f->st.vnis[k];
		cJSON_AddItemToArray(vnis, vni_json(f, &cfg->tenants[i], v));
	}
	/* VNIs zebra has that no tenant has: FRR is told about devices ztos did not make */
	for (size_t k = 0; have && k < f->st.n_vnis; k++)
		if (!tenant_of(cfg, f->st.vnis[k].vni) && f->st.vnis[k].type[0])
			cJSON_AddItemToArray(cJSON_AddArrayToObject(o, "vnis_without_tenant"),
					     cJSON_CreateNumber(f->st.vnis[k].vni));
	pthread_mutex_unlock(&f->st_lock);
	cJSON_AddItemToObject(o, "frr", frr_json(f, cfg));
	if (frr_follower(f)) {
		struct frr_vtep_counts c;
		cJSON *e = cJSON_AddObjectToObject(o, "learned_vteps");

		frr_vteps_counts(frr_follower(f), &c);
		cJSON_AddNumberToObject(e, "added", (double)c.added);
		cJSON_AddNumberToObject(e, "removed", (double)c.removed);
		cJSON_AddNumberToObject(e, "held", (double)c.held);
		cJSON_AddNumberToObject(e, "released", (double)c.released);
		cJSON_AddNumberToObject(e, "resyncs", (double)c.resyncs);
		cJSON_AddNumberToObject(e, "overruns", (double)c.overruns);
	}
	return o;
}

/* ---- metrics ---- */

void frr_metrics(struct frr *f, const struct ztos_config *cfg, cJSON *families)
{
	cJSON *up, *pfx, *upt, *vteps, *macs, *ev, *dup, *drs;
	struct frr_paths p;
	char a[INET6_ADDRSTRLEN], vni[16];
	bool have;

	if (!frr_wanted(cfg))
		return;
	up = metrics_family(families, "ztos_bgp_peer_up", "gauge",
			    "1 while the BGP session to the peer is Established (as FRR says).");
	pfx = metrics_family(families, "ztos_bgp_prefixes_received", "gauge",
			     "L2VPN EVPN prefixes received from the peer.");
	upt = metrics_family(families, "ztos_bgp_peer_uptime_seconds", "gauge",
			     "Seconds the session to the peer has been Established.");
	vteps = metrics_family(families, "ztos_evpn_remote_vteps", "gauge",
			       "Remote VTEPs learned through EVPN, per VNI.");
	macs = metrics_family(families, "ztos_evpn_macs", "gauge", "MACs zebra has, per VNI.");
	pthread_mutex_lock(&f->st_lock);
	have = state(f, cfg) && f->st_ok;
	for (size_t i = 0; i < cfg->bgp.n_peers; i++) {
		const struct frr_peer *pe = have ? peer_of(f, &cfg->bgp.peers[i]) : NULL;

		ztos_addr_str(&cfg->bgp.peers[i].address, a, sizeof(a));
		if (have)
			metrics_sample(up, established(pe), "peer", a);
		if (pe && pe->has_prefixes)
			metrics_sample(pfx, pe->prefixes_received, "peer", a);
		if (pe && pe->has_uptime)
			metrics_sample(upt, pe->uptime_s, "peer", a);
	}
	for (size_t i = 0; i < cfg->n_tenants; i++) {
		const struct frr_vni *v = NULL;

		snprintf(vni, sizeof(vni), "%u", cfg->tenants[i].vni);
		if (frr_follower(f))
			metrics_sample(vteps, (double)frr_vteps_count(frr_follower(f),
								      cfg->tenants[i].vni),
				       "vni", vni);
		for (size_t k = 0; have && k < f->st.n_vnis && !v; k++)
			if (f->st.vnis[k].vni == cfg->tenants[i].vni)
				v = &f->st.vnis[k];
		if (v && v->has_macs)
			metrics_sample(macs, v->macs, "vni", vni);
	}
	pthread_mutex_unlock(&f->st_lock);
	ev = metrics_family(families, "ztos_evpn_vtep_events_total", "counter",
			    "Learned-VTEP changes: learned, withdrawn, held during an FRR restart, "
			    "released after one.");
	if (frr_follower(f)) {
		struct frr_vtep_counts c;

		frr_vteps_counts(frr_follower(f), &c);
		metrics_sample(ev, (double)c.added, "event", "learned");
		metrics_sample(ev, (double)c.removed, "event", "withdrawn");
		metrics_sample(ev, (double)c.held, "event", "held");
		metrics_sample(ev, (double)c.released, "event", "released");
	}
	dup = metrics_family(families, "ztos_frr_daemon_up", "gauge",
			     "1 while the FRR daemon runs (found by its pid file).");
	drs = metrics_family(families, "ztos_frr_daemon_restarts_total", "counter",
			     "FRR daemons ztosd started again after they died.");
	pthread_mutex_lock(&f->lock);
	p = f->paths;
	for (int d = 0; f->have_paths && d < FRR_N_DAEMONS; d++) {
		if (d == FRR_BFDD && !frr_needs_bfd(cfg))
			continue;
		metrics_sample(dup, frr_daemon_find(&p, d).pid ? 1 : 0, "daemon",
			       frr_daemon_names[d]);
		metrics_sample(drs, f->restarts[d], "daemon", frr_daemon_names[d]);
	}
	pthread_mutex_unlock(&f->lock);
}
