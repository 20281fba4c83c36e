// SPDX-License-Identifier: GPL-2.0-only
/*
 * FRR's JSON (8.4) into typed state: pure, no I/O, so the parsers run on recorded
 * output in the unit tests. A field FRR did not print stays unset (has_* false, ""):
 * nothing here is guessed. Shapes, as EVPN.md records them:
 *   show bgp summary json            {"l2VpnEvpn": {"routerId", "as", "peers": {ADDR: {...}}}}
 *   show bgp neighbors json          {ADDR: {"bgpState", "lastResetDueTo", ...}}
 *   show bfd peers json              [{"peer", "status", ...}]
 *   show evpn vni json               {"100": {"vni", "type", "vxlanIf", "numMacs", "remoteVteps"}}
 *   show evpn mac vni all json       {"100": {"numMacs", "macs": {MAC: {"type": "local"}}}}
 *   show bgp l2vpn evpn route vni all json
 *                                    {"100": {"vni", PREFIX: {"paths": [[{"routeType", "ip"}]]}}}
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "subsys/frr/internal.h"

static const cJSON *num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsNumber(v) ? v : NULL;
}

/* A number that is a whole uint32 (an AS), or false: converting any other is undefined. */
static bool u32_of(const cJSON *o, const char *key, uint32_t *out)
{
	const cJSON *v = num(o, key);

	if (!v || !(v->valuedouble >= 0 && v->valuedouble <= UINT32_MAX) ||
	    v->valuedouble != (double)(uint32_t)v->valuedouble)
		return false;
	*out = (uint32_t)v->valuedouble;
	return true;
}

static const char *str(const cJSON *o, const char *key)
{
	return cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static cJSON *parse_object(const char *json)
{
	cJSON *root = json ? cJSON_Parse(json) : NULL;

	if (root && !cJSON_IsObject(root) && !cJSON_IsArray(root)) {
		cJSON_Delete(root);
		root = NULL;
	}
	return root;
}

struct frr_peer *frr_state_peer(struct frr_state *st, const char *address)
{
	struct frr_peer *v;

	for (size_t i = 0; i < st->n_peers; i++)
		if (!strcmp(st->peers[i].address, address))
			return &st->peers[i];
	v = realloc(st->peers, (st->n_peers + 1) * sizeof(*v));
	if (!v)
		return NULL;
	st->peers = v;
	memset(&v[st->n_peers], 0, sizeof(*v));
	snprintf(v[st->n_peers].address, sizeof(v->address), "%s", address);
	return &v[st->n_peers++];
}

struct frr_vni *frr_state_vni(struct frr_state *st, uint32_t vni)
{
	struct frr_vni *v;

	for (size_t i = 0; i < st->n_vnis; i++)
		if (st->vnis[i].vni == vni)
			return &st->vnis[i];
	v = realloc(st->vnis, (st->n_vnis + 1) * sizeof(*v));
	if (!v)
		return NULL;
	st->vnis = v;
	memset(&v[st->n_vnis], 0, sizeof(*v));
	v[st->n_vnis].vni = vni;
	return &v[st->n_vnis++];
}

void frr_state_free(struct frr_state *st)
{
	for (size_t i = 0; i < st->n_vnis; i++) {
		free(st->vnis[i].remote_vteps);
		free(st->vnis[i].type3_from);
	}
	free(st->vnis);
	free(st->peers);
	memset(st, 0, sizeof(*st));
}

/* ---- BGP ---- */

static void peer_from_summary(struct frr_peer *p, const cJSON *o)
{
	const cJSON *v;
	const char *s = str(o, "state");

	if (s)
		snprintf(p->state, sizeof(p->state), "%s", s);
	if (u32_of(o, "remoteAs", &p->remote_as))
		p->has_remote_as = true;
	if ((v = num(o, "peerUptimeMsec"))) {
		p->has_uptime = true;
		p->uptime_s = v->valuedouble / 1000;
	}
	if (num(o, "pfxRcd") && num(o, "pfxSnt")) {
		p->has_prefixes = true;
		p->prefixes_received = num(o, "pfxRcd")->valuedouble;
		p->prefixes_sent = num(o, "pfxSnt")->valuedouble;
	}
	if (num(o, "connectionsEstablished") && num(o, "connectionsDropped")) {
		p->has_counts = true;
		p->established = num(o, "connectionsEstablished")->valuedouble;
		p->dropped = num(o, "connectionsDropped")->valuedouble;
	}
}

int frr_parse_summary(const char *json, struct frr_state *st)
{
	cJSON *root = parse_object(json);
	const cJSON *af, *peers, *p;
	int ret = 0;

	if (!root || !cJSON_IsObject(root)) {
		ret = -EINVAL;
		goto out;
	}
	/* {} when no peer has l2vpn evpn active */
	af = cJSON_GetObjectItemCaseSensitive(root, "l2VpnEvpn");
	if (!af)
		goto out;
	if (str(af, "routerId"))
		snprintf(st->router_id, sizeof(st->router_id), "%s", str(af, "routerId"));
	u32_of(af, "as", &st->as);
	peers = cJSON_GetObjectItemCaseSensitive(af, "peers");
	cJSON_ArrayForEach(p, peers) {
		struct frr_peer *fp = p->string ? frr_state_peer(st, p->string) : NULL;

		if (!fp) {
			ret = p->string ? -ENOMEM : -EINVAL;
			break;
		}
		peer_from_summary(fp, p);
	}
out:
	cJSON_Delete(root);
	return ret;
}

int frr_parse_neighbors(const char *json, struct frr_state *st)
{
	cJSON *root = parse_object(json);
	const cJSON *n;

	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return -EINVAL;
	}
	cJSON_ArrayForEach(n, root) {
		const char *why = str(n, "lastResetDueTo"), *state = str(n, "bgpState");
		struct frr_peer *p = NULL;

		/* only peers the summary has (l2vpn evpn); others are not ztos's. By index:
		 * with no peers, peers is NULL, and NULL + 0 is undefined (fuzz_frr found it). */
		for (size_t i = 0; i < st->n_peers && !p; i++)
			if (n->string && !strcmp(st->peers[i].address, n->string))
				p = &st->peers[i];
		if (!p)
			continue;
		if (why)
			snprintf(p->last_reset, sizeof(p->last_reset), "%s", why);
		if (str(n, "lastNotificationReason"))
			snprintf(p->notification, sizeof(p->notification), "%s",
				 str(n, "lastNotificationReason"));
		if (state && !p->state[0])
			snprintf(p->state, sizeof(p->state), "%s", state);
		if (!p->has_counts && num(n, "connectionsEstablished") &&
		    num(n, "connectionsDropped")) {
			p->has_counts = true;
			p->established = num(n, "connectionsEstablished")->valuedouble;
			p->dropped = num(n, "connectionsDropped")->valuedouble;
		}
	}
	cJSON_Delete(root);
	return 0;
}

static bool is_up(const struct frr_peer *p)
{
	return !strcmp(p->state, "Established");
}

enum frr_peer_change frr_peer_change(const struct frr_peer *prev, const struct frr_peer *cur)
{
	if (!prev || !prev->state[0] || !cur->state[0])
		return FRR_PEER_SAME;
	if (is_up(prev) != is_up(cur))
		return is_up(cur) ? FRR_PEER_UP : FRR_PEER_DOWN;
	/* Established both times, and FRR counted a drop in between */
	if (is_up(cur) && prev->has_counts && cur->has_counts && cur->dropped > prev->dropped)
		return FRR_PEER_FLAP;
	return FRR_PEER_SAME;
}

const char *frr_peer_reason(const struct frr_peer *p, char *buf, size_t len)
{
	/* FRR keeps the last notification's words; they explain a notification's reset only */
	if (p->notification[0] && strstr(p->last_reset, "Notification"))
		snprintf(buf, len, "%s (%s)", p->last_reset, p->notification);
	else
		snprintf(buf, len, "%s", p->last_reset);
	return buf;
}

int frr_parse_bfd(const char *json, struct frr_state *st)
{
	cJSON *root = parse_object(json);
	const cJSON *s;

	if (!root || !cJSON_IsArray(root)) {
		cJSON_Delete(root);
		return -EINVAL;
	}
	cJSON_ArrayForEach(s, root) {
		const char *peer = str(s, "peer"), *status = str(s, "status");

		for (size_t i = 0; peer && status && i < st->n_peers; i++)
			if (!strcmp(st->peers[i].address, peer))
				snprintf(st->peers[i].bfd, sizeof(st->peers[i].bfd), "%s", status);
	}
	cJSON_Delete(root);
	return 0;
}

/* ---- EVPN ---- */

static int vni_key(const cJSON *item, uint32_t *vni)
{
	char *end;
	unsigned long x;

	if (!item->string || !*item->string)
		return -EINVAL;
	x = strtoul(item->string, &end, 10);
	if (*end || !x || x > ZTOS_VNI_MAX)
		return -EINVAL;
	*vni = (uint32_t)x;
	return 0;
}

static int add_addr(struct ztos_addr **v, size_t *n, const char *s)
{
	struct ztos_addr a = { 0 }, *nv;

	if (inet_pton(AF_INET, s, &a.v4) == 1)
		a.family = AF_INET;
	else if (inet_pton(AF_INET6, s, &a.v6) == 1)
		a.family = AF_INET6;
	else
		return -EINVAL;
	for (size_t i = 0; i < *n; i++)
		if ((*v)[i].family == a.family && !memcmp(&(*v)[i].v6, &a.v6,
							  a.family == AF_INET ? 4 : 16))
			return 0;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = a;
	*v = nv;
	return 0;
}

static int vni_from_zebra(struct frr_vni *v, const cJSON *o)
{
	const cJSON *vteps = cJSON_GetObjectItemCaseSensitive(o, "remoteVteps"), *e;
	const char *s;
	int ret = 0;

	if ((s = str(o, "type")))
		snprintf(v->type, sizeof(v->type), "%s", s);
	if ((s = str(o, "vxlanIf")))
		snprintf(v->vxlan_if, sizeof(v->vxlan_if), "%s", s);
	if (num(o, "numMacs") && num(o, "numArpNd")) {
		v->has_macs = true;
		v->macs = num(o, "numMacs")->valuedouble;
		v->arp_nd = num(o, "numArpNd")->valuedouble;
	}
	if (!cJSON_IsArray(vteps))
		return 0;
	cJSON_ArrayForEach(e, vteps) {
		if (!cJSON_IsString(e))
			return -EINVAL;
		ret = add_addr(&v->remote_vteps, &v->n_remote_vteps, e->valuestring);
		if (ret)
			break;
	}
	return ret;
}

typedef int (*vni_fn)(struct frr_vni *v, const cJSON *o);

/* The commands keyed by VNI ({"100": {...}, "200": {...}}): fn on each VNI's object. */
static int each_vni(const char *json, struct frr_state *st, vni_fn fn)
{
	cJSON *root = parse_object(json);
	const cJSON *o;
	int ret = 0;

	if (!root || !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return -EINVAL;
	}
	cJSON_ArrayForEach(o, root) {
		struct frr_vni *v;
		uint32_t vni;

		ret = vni_key(o, &vni);
		if (!ret)
			ret = (v = frr_state_vni(st, vni)) ? fn(v, o) : -ENOMEM;
		if (ret)
			break;
	}
	cJSON_Delete(root);
	return ret;
}

int frr_parse_vnis(const char *json, struct frr_state *st)
{
	return each_vni(json, st, vni_from_zebra);
}

static int vni_macs(struct frr_vni *v, const cJSON *o)
{
	const cJSON *m;

	v->has_mac_split = true;
	cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(o, "macs")) {
		const char *type = str(m, "type");

		if (type && !strcmp(type, "local"))
			v->macs_local++;
		else if (type && !strcmp(type, "remote"))
			v->macs_remote++;
	}
	return 0;
}

int frr_parse_macs(const char *json, struct frr_state *st)
{
	return each_vni(json, st, vni_macs);
}

/* One route (prefix) of a VNI: counted by the type of its first path. */
static int vni_route(struct frr_vni *v, const cJSON *route)
{
	const cJSON *paths = cJSON_GetObjectItemCaseSensitive(route, "paths");
	const cJSON *first = cJSON_GetArrayItem(paths, 0), *path;
	const cJSON *type;

	/* paths is a list of lists (EVPN.md) */
	path = cJSON_IsArray(first) ? cJSON_GetArrayItem(first, 0) : first;
	type = num(path, "routeType");
	if (!type)
		return 0;
	if (type->valueint == 2)
		v->routes_type2++;
	if (type->valueint != 3)
		return 0;
	v->routes_type3++;
	return str(path, "ip") ? add_addr(&v->type3_from, &v->n_type3_from, str(path, "ip")) : 0;
}

/* The VNI's object: "vni", then its routes keyed by prefix ("[3]:[0]:[32]:[192.0.2.1]"). */
static int vni_routes(struct frr_vni *v, const cJSON *o)
{
	const cJSON *r;
	int ret = 0;

	v->has_routes = true;
	cJSON_ArrayForEach(r, o) {
		if (cJSON_IsObject(r) && r->string && r->string[0] == '[')
			ret = vni_route(v, r);
		if (ret)
			break;
	}
	return ret;
}

int frr_parse_vni_routes(const char *json, struct frr_state *st)
{
	return each_vni(json, st, vni_routes);
}
