// SPDX-License-Identifier: GPL-2.0-only
/*
 * BGP sessions watched: once a second bgpd says how each of ztos's peers stands (show
 * bgp neighbors json, over its vty socket: half a millisecond, no vtysh process), and a
 * session that reaches Established or leaves it is an event (event_type "bgp", action
 * "peer": the event log, its SSE followers and syslog) and a log line, with the reason
 * FRR gives for a session that went down. A peer first seen says nothing: there is no
 * change to tell (a restarted ztosd finds its sessions up). When bgpd dies its sessions
 * die with it: they go down with that reason, and come up again after its restart.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/eventlog.h"
#include "report/log.h"
#include "subsys/frr/frr_impl.h"

static void tell(const struct frr_peer *prev, const struct frr_peer *cur,
		 enum frr_peer_change what)
{
	cJSON *body = cJSON_CreateObject();
	char why[sizeof(cur->last_reset) + sizeof(cur->notification) + 4];
	bool up = what == FRR_PEER_UP;

	frr_peer_reason(cur, why, sizeof(why));
	cJSON_AddStringToObject(body, "action", "peer");
	cJSON_AddStringToObject(body, "peer", cur->address);
	cJSON_AddStringToObject(body, "state", cur->state);
	cJSON_AddStringToObject(body, "previous", what == FRR_PEER_FLAP ? "down" : prev->state);
	cJSON_AddBoolToObject(body, "up", what != FRR_PEER_DOWN);
	if (!up && why[0])
		cJSON_AddStringToObject(body, "reason", why);
	if (cur->has_counts)
		cJSON_AddNumberToObject(body, "connections_dropped", cur->dropped);
	event_emit("bgp", 0, NULL, body);
	if (what == FRR_PEER_UP)
		pr_info("bgp: peer %s is Established (was %s)", cur->address, prev->state);
	else if (what == FRR_PEER_DOWN)
		pr_warn("bgp: peer %s went down (%s): %s", cur->address, cur->state,
			why[0] ? why : "FRR gave no reason");
	else
		pr_warn("bgp: peer %s went down and came back within a second: %s", cur->address,
			why[0] ? why : "FRR gave no reason");
}

/* The peers of cfg as bgpd has them now: st's peers, FRR's words only. */
static int read_peers(const struct frr_paths *p, const struct ztos_config *cfg,
		      struct frr_state *st)
{
	char a[INET6_ADDRSTRLEN], *out = NULL;
	int ret;

	for (size_t i = 0; i < cfg->bgp.n_peers; i++)
		if (!frr_state_peer(st, ztos_addr_str(&cfg->bgp.peers[i].address, a, sizeof(a))))
			return -ENOMEM;
	ret = frr_vty(p, FRR_BGPD, "show bgp neighbors json", &out);
	if (!ret)
		ret = frr_parse_neighbors(out, st);
	free(out);
	return ret;
}

static void bgpd_gone(struct frr *f)
{
	for (size_t i = 0; i < f->seen.n_peers; i++) {
		struct frr_peer *prev = &f->seen.peers[i], cur = *prev;

		snprintf(cur.state, sizeof(cur.state), "(no bgpd)");
		snprintf(cur.last_reset, sizeof(cur.last_reset), "bgpd is not running");
		cur.notification[0] = '\0';
		if (frr_peer_change(prev, &cur) == FRR_PEER_DOWN)
			tell(prev, &cur, FRR_PEER_DOWN);
		*prev = cur;
	}
}

void frr_peers_watch(struct frr *f, const struct ztos_config *cfg)
{
	struct frr_state now = { 0 };
	struct frr_paths p;

	if (!frr_serving(f, &p) || !frr_wanted(cfg)) {
		frr_state_free(&f->seen);
		return;
	}
	if (read_peers(&p, cfg, &now)) {
		/* bgpd busy: the next tick asks again; bgpd gone: so are its sessions */
		frr_state_free(&now);
		if (!frr_daemon_find(&p, FRR_BGPD).pid)
			bgpd_gone(f);
		return;
	}
	for (size_t i = 0; i < now.n_peers; i++) {
		const struct frr_peer *cur = &now.peers[i], *prev = NULL;
		enum frr_peer_change what;

		for (size_t j = 0; j < f->seen.n_peers && !prev; j++)
			if (!strcmp(f->seen.peers[j].address, cur->address))
				prev = &f->seen.peers[j];
		what = frr_peer_change(prev, cur);
		if (what != FRR_PEER_SAME)
			tell(prev, cur, what);
	}
	frr_state_free(&f->seen);
	f->seen = now;
}
