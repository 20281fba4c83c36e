// SPDX-License-Identifier: GPL-2.0-only
/*
 * cfg_diff: what changes between two configs, for dry runs and the event log.
 * Sections compare field by field; tenants and peers are matched by their key
 * (name, address, MAC) so that a change reads "vni 100 -> 200", not remove + add.
 * Key files appear by path only: the config never holds key material.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct sbuf {
	char *s;
	size_t len;
	bool oom;
};

struct dctx {
	struct cfg_change *v;
	size_t n;
	int err;
};

/* Append to b, after sep unless b is empty. */
__attribute__((format(printf, 3, 0)))
static void sb_vappend(struct sbuf *b, const char *sep, const char *fmt, va_list ap)
{
	char *item = NULL, *s = NULL;
	int len = vasprintf(&item, fmt, ap);

	if (len >= 0)
		s = realloc(b->s, b->len + strlen(sep) + (size_t)len + 1);
	if (!s) {
		b->oom = true;
		if (len >= 0)
			free(item);
		return;
	}
	b->len += (size_t)sprintf(s + b->len, "%s%s", b->len ? sep : "", item);
	b->s = s;
	free(item);
}

__attribute__((format(printf, 3, 4)))
static void sb_append(struct sbuf *b, const char *sep, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vappend(b, sep, fmt, ap);
	va_end(ap);
}

/* One "; "-separated item of a change's detail. */
__attribute__((format(printf, 2, 3)))
static void sb_item(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vappend(b, "; ", fmt, ap);
	va_end(ap);
}

/* Record a change; takes detail (which may be empty: then NULL is stored). */
__attribute__((format(printf, 4, 5)))
static void add_change(struct dctx *d, enum cfg_change_op op, struct sbuf *detail,
		       const char *fmt, ...)
{
	struct cfg_change *v, ch = { .op = op };
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&ch.object, fmt, ap) < 0)
		ch.object = NULL;
	va_end(ap);
	ch.detail = detail ? detail->s : NULL;
	v = ch.object && !(detail && detail->oom) ? reallocarray(d->v, d->n + 1, sizeof(*v)) : NULL;
	if (!v) {
		free(ch.object);
		free(ch.detail);
		d->err = -ENOMEM;
		return;
	}
	v[d->n++] = ch;
	d->v = v;
}

/* A CHANGE when anything was noted, else nothing. */
__attribute__((format(printf, 3, 4)))
static void add_if_changed(struct dctx *d, struct sbuf *b, const char *fmt, ...)
{
	char *object = NULL;
	va_list ap;

	if (!b->len && !b->oom)
		return;
	va_start(ap, fmt);
	if (vasprintf(&object, fmt, ap) < 0)
		object = NULL;
	va_end(ap);
	if (!object) {
		free(b->s);
		d->err = -ENOMEM;
		return;
	}
	add_change(d, CFG_CHANGE, b, "%s", object);
	free(object);
}

static const char *or_none(const char *s)
{
	return s ? s : "(none)";
}

static void d_str(struct sbuf *b, const char *name, const char *x, const char *y)
{
	if (x != y && (!x || !y || strcmp(x, y)))
		sb_item(b, "%s %s -> %s", name, or_none(x), or_none(y));
}

static void d_u64(struct sbuf *b, const char *name, uint64_t x, uint64_t y)
{
	if (x != y)
		sb_item(b, "%s %" PRIu64 " -> %" PRIu64, name, x, y);
}

static void d_bool(struct sbuf *b, const char *name, bool x, bool y)
{
	if (x != y)
		sb_item(b, "%s %s -> %s", name, x ? "true" : "false", y ? "true" : "false");
}

static void d_addr(struct sbuf *b, const char *name, const struct ztos_addr *x,
		   const struct ztos_addr *y)
{
	char s1[INET6_ADDRSTRLEN], s2[INET6_ADDRSTRLEN];

	d_str(b, name, ztos_addr_str(x, s1, sizeof(s1)), ztos_addr_str(y, s2, sizeof(s2)));
}

static void d_cidr(struct sbuf *b, const char *name, bool hx, const struct ztos_cidr *x, bool hy,
		   const struct ztos_cidr *y)
{
	char s1[INET6_ADDRSTRLEN + 4], s2[INET6_ADDRSTRLEN + 4];

	d_str(b, name, hx ? ztos_cidr_str(x, s1, sizeof(s1)) : NULL,
	      hy ? ztos_cidr_str(y, s2, sizeof(s2)) : NULL);
}

/* ---- sets: "vteps +192.0.2.3 -192.0.2.2" ---- */

#define ITEM_MAX 4200		/* a path, or a rule rendered as text */

typedef const char *(*fmt_fn)(const void *elem, char *buf, size_t len);

struct set {
	const void *v;
	size_t n, size;
	fmt_fn fmt;
};

static const void *set_at(const struct set *s, size_t i)
{
	return (const char *)s->v + i * s->size;
}

static bool set_has(const struct set *s, const char *want)
{
	char buf[ITEM_MAX];
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->fmt(set_at(s, i), buf, sizeof(buf)), want))
			return true;
	return false;
}

/* Note the elements of from missing in other, each as SIGN+element. */
static void set_missing(struct sbuf *acc, const struct set *from, const struct set *other,
			char sign)
{
	char buf[ITEM_MAX];
	size_t i;

	for (i = 0; i < from->n; i++) {
		from->fmt(set_at(from, i), buf, sizeof(buf));
		if (!set_has(other, buf))
			sb_append(acc, " ", "%c%s", sign, buf);
	}
}

static void d_set(struct sbuf *b, const char *name, const struct set *x, const struct set *y)
{
	struct sbuf acc = { 0 };

	set_missing(&acc, y, x, '+');
	set_missing(&acc, x, y, '-');
	if (acc.oom)
		b->oom = true;
	else if (acc.len)
		sb_item(b, "%s %s", name, acc.s);
	free(acc.s);
}

static const char *addr_fmt(const void *e, char *buf, size_t len)
{
	return ztos_addr_str(e, buf, len);
}

static const char *cidr_fmt(const void *e, char *buf, size_t len)
{
	return ztos_cidr_str(e, buf, len);
}

static const char *ifname_fmt(const void *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s", (const char *)e);
	return buf;
}

static const char *path_fmt(const void *e, char *buf, size_t len)
{
	snprintf(buf, len, "%s", *(char *const *)e);
	return buf;
}

/* "inspect tcp src 10.0.0.0/8 dport 80": a rule as one comparable word group */
static const char *rule_fmt(const void *e, char *buf, size_t len)
{
	const struct ztos_policy_rule *r = e;
	char src[INET6_ADDRSTRLEN + 4] = "", dst[INET6_ADDRSTRLEN + 4] = "";

	if (r->has_src)
		ztos_cidr_str(&r->src, src, sizeof(src));
	if (r->has_dst)
		ztos_cidr_str(&r->dst, dst, sizeof(dst));
	snprintf(buf, len, "%s %s%s%s%s%s sport %u dport %u", ztos_action_str(r->action),
		 ztos_proto_str(r->proto), r->has_src ? " src " : "", src, r->has_dst ? " dst " : "", dst,
		 r->sport, r->dport);
	return buf;
}

/* Rules are ordered (first match wins): any difference changes the policy. */
static void d_rules(struct sbuf *b, const struct ztos_tenant *x, const struct ztos_tenant *y)
{
	char r1[ITEM_MAX], r2[ITEM_MAX];
	size_t i;

	for (i = 0; x->n_rules == y->n_rules && i < x->n_rules; i++)
		if (strcmp(rule_fmt(&x->rules[i], r1, sizeof(r1)),
			   rule_fmt(&y->rules[i], r2, sizeof(r2))))
			break;
	if (x->n_rules != y->n_rules || i < x->n_rules)
		sb_item(b, "policy rules changed (%zu -> %zu rules)", x->n_rules, y->n_rules);
}

/* ---- agent and underlay ---- */

static void diff_agent(struct dctx *d, const struct ztos_config *x, const struct ztos_config *y)
{
	struct sbuf api = { 0 }, top = { 0 }, log = { 0 };

	d_str(&api, "listen", x->api.listen, y->api.listen);
	d_str(&api, "socket", x->api.socket, y->api.socket);
	d_str(&api, "token_file", x->api.token_file, y->api.token_file);
	d_str(&api, "tls.cert", x->api.tls_cert, y->api.tls_cert);
	d_str(&api, "tls.key", x->api.tls_key, y->api.tls_key);
	d_u64(&api, "header_timeout", x->api.header_timeout_s, y->api.header_timeout_s);
	d_u64(&api, "max_followers", x->api.max_followers, y->api.max_followers);
	add_if_changed(d, &api, "agent.api");
	d_str(&top, "state_dir", x->state_dir, y->state_dir);
	d_str(&top, "bpffs", x->bpffs, y->bpffs);
	d_str(&top, "wireguard_go", x->wireguard_go, y->wireguard_go);
	d_str(&top, "frr.pathspace", x->frr.pathspace, y->frr.pathspace);
	d_str(&top, "frr.dir", x->frr.dir, y->frr.dir);
	d_u64(&top, "frr.mode", x->frr.mode, y->frr.mode);
	add_if_changed(d, &top, "agent");
	d_str(&log, "file", x->log.file, y->log.file);
	d_bool(&log, "syslog", x->log.syslog, y->log.syslog);
	d_u64(&log, "max_size", x->log.max_bytes, y->log.max_bytes);
	d_u64(&log, "keep", x->log.keep, y->log.keep);
	d_str(&log, "level", x->log.level, y->log.level);
	add_if_changed(d, &log, "agent.log");
}

/* ADD or REMOVE when a section comes or goes; true when both have it. */
static bool section(struct dctx *d, const char *name, bool hx, bool hy)
{
	if (hx != hy)
		add_change(d, hy ? CFG_ADD : CFG_REMOVE, NULL, "%s", name);
	return hx && hy;
}

static void diff_underlay(struct dctx *d, const struct ztos_config *x, const struct ztos_config *y)
{
	struct sbuf b = { 0 };

	if (!section(d, "underlay", x->has_underlay, y->has_underlay))
		return;
	d_str(&b, "interface", x->underlay.interface, y->underlay.interface);
	d_addr(&b, "address", &x->underlay.address, &y->underlay.address);
	d_str(&b, "xdp_mode", ztos_xdp_mode_str(x->underlay.xdp_mode),
	      ztos_xdp_mode_str(y->underlay.xdp_mode));
	d_u64(&b, "vxlan_port", x->underlay.vxlan_port, y->underlay.vxlan_port);
	d_u64(&b, "flow_table_size", x->underlay.flow_table_size, y->underlay.flow_table_size);
	add_if_changed(d, &b, "underlay");
}

/* ---- tenants ---- */

static const struct ztos_tenant *tenant_find(const struct ztos_config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->n_tenants; i++)
		if (!strcmp(c->tenants[i].name, name))
			return &c->tenants[i];
	return NULL;
}

static void d_vrf(struct sbuf *b, const struct ztos_tenant *x, const struct ztos_tenant *y)
{
	if (x->has_vrf != y->has_vrf) {
		sb_item(b, "vrf %s", y->has_vrf ? "added" : "removed");
		return;
	}
	d_u64(b, "vrf.table", x->vrf_table, y->vrf_table);
	d_u64(b, "vrf.l3vni", x->l3vni, y->l3vni);
}

static const char *rt_fmt(const void *elem, char *buf, size_t len)
{
	snprintf(buf, len, "%s", (const char *)elem);
	return buf;
}

static void diff_tenant(struct dctx *d, const struct ztos_tenant *x, const struct ztos_tenant *y)
{
	struct sbuf b = { 0 };

	d_u64(&b, "vni", x->vni, y->vni);
	d_set(&b, "vteps", &(struct set){ x->vteps, x->n_vteps, sizeof(*x->vteps), addr_fmt },
	      &(struct set){ y->vteps, y->n_vteps, sizeof(*y->vteps), addr_fmt });
	d_set(&b, "interfaces",
	      &(struct set){ x->interfaces, x->n_interfaces, sizeof(*x->interfaces), ifname_fmt },
	      &(struct set){ y->interfaces, y->n_interfaces, sizeof(*y->interfaces), ifname_fmt });
	d_set(&b, "subnets", &(struct set){ x->subnets, x->n_subnets, sizeof(*x->subnets), cidr_fmt },
	      &(struct set){ y->subnets, y->n_subnets, sizeof(*y->subnets), cidr_fmt });
	d_set(&b, "gateways",
	      &(struct set){ x->gateways, x->n_gateways, sizeof(*x->gateways), cidr_fmt },
	      &(struct set){ y->gateways, y->n_gateways, sizeof(*y->gateways), cidr_fmt });
	d_vrf(&b, x, y);
	d_str(&b, "policy.default", ztos_action_str(x->policy_default),
	      ztos_action_str(y->policy_default));
	d_rules(&b, x, y);
	d_str(&b, "evpn.rd", x->evpn_rd, y->evpn_rd);
	d_set(&b, "evpn.rt_import",
	      &(struct set){ x->rt_import, x->n_rt_import, sizeof(*x->rt_import), rt_fmt },
	      &(struct set){ y->rt_import, y->n_rt_import, sizeof(*y->rt_import), rt_fmt });
	d_set(&b, "evpn.rt_export",
	      &(struct set){ x->rt_export, x->n_rt_export, sizeof(*x->rt_export), rt_fmt },
	      &(struct set){ y->rt_export, y->n_rt_export, sizeof(*y->rt_export), rt_fmt });
	add_if_changed(d, &b, "tenant %s", y->name);
}

static void diff_tenants(struct dctx *d, const struct ztos_config *x, const struct ztos_config *y)
{
	const struct ztos_tenant *t, *other;
	struct sbuf b;
	size_t i;

	for (i = 0; i < x->n_tenants; i++) {
		t = &x->tenants[i];
		other = tenant_find(y, t->name);
		if (other)
			diff_tenant(d, t, other);
		else
			add_change(d, CFG_REMOVE, NULL, "tenant %s", t->name);
	}
	for (i = 0; i < y->n_tenants; i++) {
		t = &y->tenants[i];
		if (tenant_find(x, t->name))
			continue;
		b = (struct sbuf){ 0 };
		sb_item(&b, "vni %u", t->vni);
		add_change(d, CFG_ADD, &b, "tenant %s", t->name);
	}
}

/* ---- wireguard ---- */

static const struct ztos_wg_peer *wg_peer_find(const struct ztos_wireguard *wg, const char *name)
{
	size_t i;

	for (i = 0; i < wg->n_peers; i++)
		if (!strcmp(wg->peers[i].name, name))
			return &wg->peers[i];
	return NULL;
}

static const char *endpoint_str(const struct ztos_wg_peer *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	bool v6 = p->endpoint.addr.family == AF_INET6;

	if (!p->has_endpoint)
		return NULL;
	if (p->endpoint_host[0]) {
		snprintf(buf, len, "%s:%u", p->endpoint_host, p->endpoint.port);
		return buf;
	}
	snprintf(buf, len, "%s%s%s:%u", v6 ? "[" : "", ztos_addr_str(&p->endpoint.addr, a, sizeof(a)),
		 v6 ? "]" : "", p->endpoint.port);
	return buf;
}

static void diff_wg_peer(struct dctx *d, const struct ztos_wg_peer *x, const struct ztos_wg_peer *y)
{
	char e1[ZTOS_HOST_MAX + 10], e2[ZTOS_HOST_MAX + 10];
	struct sbuf b = { 0 };

	if (memcmp(x->public_key, y->public_key, sizeof(x->public_key)))
		sb_item(&b, "public_key changed");
	d_str(&b, "endpoint", endpoint_str(x, e1, sizeof(e1)), endpoint_str(y, e2, sizeof(e2)));
	d_set(&b, "allowed_ips",
	      &(struct set){ x->allowed_ips, x->n_allowed_ips, sizeof(*x->allowed_ips), cidr_fmt },
	      &(struct set){ y->allowed_ips, y->n_allowed_ips, sizeof(*y->allowed_ips), cidr_fmt });
	d_u64(&b, "persistent_keepalive", x->persistent_keepalive, y->persistent_keepalive);
	add_if_changed(d, &b, "wireguard peer %s", y->name);
}

static void diff_wg_peers(struct dctx *d, const struct ztos_wireguard *x,
			  const struct ztos_wireguard *y)
{
	const struct ztos_wg_peer *other;
	size_t i;

	for (i = 0; i < x->n_peers; i++) {
		other = wg_peer_find(y, x->peers[i].name);
		if (other)
			diff_wg_peer(d, &x->peers[i], other);
		else
			add_change(d, CFG_REMOVE, NULL, "wireguard peer %s", x->peers[i].name);
	}
	for (i = 0; i < y->n_peers; i++)
		if (!wg_peer_find(x, y->peers[i].name))
			add_change(d, CFG_ADD, NULL, "wireguard peer %s", y->peers[i].name);
}

static void diff_wireguard(struct dctx *d, const struct ztos_config *x,
			   const struct ztos_config *y)
{
	static const struct ztos_wireguard none;
	const struct ztos_wireguard *a = &x->wireguard, *b = &y->wireguard;
	struct sbuf s = { 0 };

	if (section(d, "wireguard", x->has_wireguard, y->has_wireguard)) {
		d_str(&s, "interface", a->interface, b->interface);
		d_str(&s, "private_key_file", a->private_key_file, b->private_key_file);
		d_u64(&s, "listen_port", a->listen_port, b->listen_port);
		d_cidr(&s, "address", a->has_address, &a->address, b->has_address, &b->address);
		add_if_changed(d, &s, "wireguard");
	}
	/* peers of a section that comes or goes are listed too: each is a kernel object */
	diff_wg_peers(d, x->has_wireguard ? a : &none, y->has_wireguard ? b : &none);
}

/* ---- macsec ---- */

static void d_sa(struct sbuf *b, const char *name, const struct ztos_macsec_sa *x,
		 const struct ztos_macsec_sa *y)
{
	if (x->an != y->an || x->key_id_len != y->key_id_len ||
	    memcmp(x->key_id, y->key_id, x->key_id_len) || strcmp(x->key_file ? x->key_file : "",
								   y->key_file ? y->key_file : ""))
		sb_item(b, "%s changed (an %u, key_file %s)", name, y->an, or_none(y->key_file));
}

static const char *mac_str(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static const struct ztos_macsec_peer *macsec_peer_find(const struct ztos_macsec *m,
						       const uint8_t *mac)
{
	size_t i;

	for (i = 0; i < m->n_peers; i++)
		if (!memcmp(m->peers[i].mac, mac, 6))
			return &m->peers[i];
	return NULL;
}

static void diff_macsec_peers(struct dctx *d, const struct ztos_macsec *x,
			      const struct ztos_macsec *y)
{
	const struct ztos_macsec_peer *p, *other;
	char mac[18];
	struct sbuf b;
	size_t i;

	for (i = 0; i < x->n_peers; i++) {
		p = &x->peers[i];
		other = macsec_peer_find(y, p->mac);
		if (!other) {
			add_change(d, CFG_REMOVE, NULL, "macsec peer %s", mac_str(p->mac, mac, sizeof(mac)));
			continue;
		}
		b = (struct sbuf){ 0 };
		d_u64(&b, "port", p->port, other->port);
		d_sa(&b, "rx_sa", &p->rx_sa, &other->rx_sa);
		add_if_changed(d, &b, "macsec peer %s", mac_str(p->mac, mac, sizeof(mac)));
	}
	for (i = 0; i < y->n_peers; i++)
		if (!macsec_peer_find(x, y->peers[i].mac))
			add_change(d, CFG_ADD, NULL, "macsec peer %s",
				   mac_str(y->peers[i].mac, mac, sizeof(mac)));
}

static const char *cipher_str(enum ztos_macsec_cipher c)
{
	return c == ZTOS_GCM_AES_256 ? "gcm-aes-256" : "gcm-aes-128";
}

static void diff_macsec(struct dctx *d, const struct ztos_config *x, const struct ztos_config *y)
{
	static const struct ztos_macsec none;
	const struct ztos_macsec *a = &x->macsec, *b = &y->macsec;
	struct sbuf s = { 0 };

	if (section(d, "macsec", x->has_macsec, y->has_macsec)) {
		d_str(&s, "interface", a->interface, b->interface);
		d_str(&s, "parent", a->parent, b->parent);
		d_str(&s, "cipher", cipher_str(a->cipher), cipher_str(b->cipher));
		d_bool(&s, "encrypt", a->encrypt, b->encrypt);
		d_u64(&s, "replay_window", a->replay_window, b->replay_window);
		d_sa(&s, "tx_sa", &a->tx_sa, &b->tx_sa);
		add_if_changed(d, &s, "macsec");
	}
	diff_macsec_peers(d, x->has_macsec ? a : &none, y->has_macsec ? b : &none);
}

/* ---- bgp and dpi ---- */

static const struct ztos_bgp_peer *bgp_peer_find(const struct ztos_bgp *b,
						 const struct ztos_addr *a)
{
	size_t i;

	for (i = 0; i < b->n_peers; i++)
		if (cfg_addr_equal(&b->peers[i].address, a))
			return &b->peers[i];
	return NULL;
}

static void d_timers(struct sbuf *b, const char *name, const struct ztos_bgp_timers *x,
		     const struct ztos_bgp_timers *y)
{
	char s1[32] = "default", s2[32] = "default";

	if (x->set)
		snprintf(s1, sizeof(s1), "%u/%u", x->keepalive, x->hold);
	if (y->set)
		snprintf(s2, sizeof(s2), "%u/%u", y->keepalive, y->hold);
	d_str(b, name, s1, s2);
}

/* "100 ms x 3"; NULL: the peer takes bgp.bfd's */
static void d_bfd(struct sbuf *b, const char *name, const struct ztos_bfd_timing *x,
		  const struct ztos_bfd_timing *y)
{
	char s1[32] = "bgp.bfd's", s2[32] = "bgp.bfd's";

	if (x)
		snprintf(s1, sizeof(s1), "%u ms x %u", x->interval_ms, x->multiplier);
	if (y)
		snprintf(s2, sizeof(s2), "%u ms x %u", y->interval_ms, y->multiplier);
	d_str(b, name, s1, s2);
}

static void diff_bgp_peers(struct dctx *d, const struct ztos_bgp *x, const struct ztos_bgp *y)
{
	const struct ztos_bgp_peer *other;
	char a[INET6_ADDRSTRLEN];
	struct sbuf b;
	size_t i;

	for (i = 0; i < x->n_peers; i++) {
		ztos_addr_str(&x->peers[i].address, a, sizeof(a));
		other = bgp_peer_find(y, &x->peers[i].address);
		if (!other) {
			add_change(d, CFG_REMOVE, NULL, "bgp peer %s", a);
			continue;
		}
		b = (struct sbuf){ 0 };
		d_u64(&b, "asn", x->peers[i].asn, other->asn);
		d_bool(&b, "route_reflector_client", x->peers[i].route_reflector_client,
		       other->route_reflector_client);
		d_bool(&b, "bfd", x->peers[i].bfd, other->bfd);
		d_bfd(&b, "bfd timing", x->peers[i].has_bfd_timing ? &x->peers[i].bfd_timing : NULL,
		      other->has_bfd_timing ? &other->bfd_timing : NULL);
		d_timers(&b, "timers", &x->peers[i].timers, &other->timers);
		add_if_changed(d, &b, "bgp peer %s", a);
	}
	for (i = 0; i < y->n_peers; i++) {
		if (bgp_peer_find(x, &y->peers[i].address))
			continue;
		b = (struct sbuf){ 0 };
		sb_item(&b, "asn %u", y->peers[i].asn);
		add_change(d, CFG_ADD, &b, "bgp peer %s",
			   ztos_addr_str(&y->peers[i].address, a, sizeof(a)));
	}
}

static void diff_bgp(struct dctx *d, const struct ztos_config *x, const struct ztos_config *y)
{
	static const struct ztos_bgp none;
	char r1[INET_ADDRSTRLEN], r2[INET_ADDRSTRLEN];
	struct sbuf s = { 0 };

	if (section(d, "bgp", x->has_bgp, y->has_bgp)) {
		d_u64(&s, "asn", x->bgp.asn, y->bgp.asn);
		d_str(&s, "router_id", inet_ntop(AF_INET, &x->bgp.router_id, r1, sizeof(r1)),
		      inet_ntop(AF_INET, &y->bgp.router_id, r2, sizeof(r2)));
		d_bool(&s, "evpn.advertise_all_vni", x->bgp.advertise_all_vni,
		       y->bgp.advertise_all_vni);
		d_timers(&s, "timers", &x->bgp.timers, &y->bgp.timers);
		d_bfd(&s, "bfd", &x->bgp.bfd, &y->bgp.bfd);
		add_if_changed(d, &s, "bgp");
	}
	diff_bgp_peers(d, x->has_bgp ? &x->bgp : &none, y->has_bgp ? &y->bgp : &none);
}

static void diff_dpi(struct dctx *d, const struct ztos_config *x, const struct ztos_config *y)
{
	const struct ztos_dpi_cfg *a = &x->dpi, *b = &y->dpi;
	struct sbuf s = { 0 };

	if (!section(d, "dpi", x->has_dpi, y->has_dpi))
		return;
	d_bool(&s, "enabled", a->enabled, b->enabled);
	d_str(&s, "engine", ztos_dpi_engine_str(a->engine), ztos_dpi_engine_str(b->engine));
	d_str(&s, "transport", ztos_dpi_transport_str(a->transport),
	      ztos_dpi_transport_str(b->transport));
	d_set(&s, "rules", &(struct set){ a->rules, a->n_rules, sizeof(*a->rules), path_fmt },
	      &(struct set){ b->rules, b->n_rules, sizeof(*b->rules), path_fmt });
	d_str(&s, "on_alert", a->on_alert == ZTOS_ON_ALERT_BLOCK ? "block" : "log",
	      b->on_alert == ZTOS_ON_ALERT_BLOCK ? "block" : "log");
	d_u64(&s, "batch_size", a->batch_size, b->batch_size);
	d_u64(&s, "batch_timeout_us", a->batch_timeout_us, b->batch_timeout_us);
	d_u64(&s, "inspect_depth", a->inspect_depth, b->inspect_depth);
	add_if_changed(d, &s, "dpi");
}

int cfg_diff(const struct ztos_config *old, const struct ztos_config *new,
	     struct cfg_change **changes, size_t *n)
{
	struct dctx d = { 0 };

	*changes = NULL;
	*n = 0;
	if (!old || !new)
		return -EINVAL;
	diff_agent(&d, old, new);
	diff_underlay(&d, old, new);
	diff_tenants(&d, old, new);
	diff_wireguard(&d, old, new);
	diff_macsec(&d, old, new);
	diff_bgp(&d, old, new);
	diff_dpi(&d, old, new);
	if (d.err) {
		cfg_changes_free(d.v, d.n);
		return d.err;
	}
	*changes = d.v;
	*n = d.n;
	return 0;
}


static bool sa_equal(const struct ztos_macsec_sa *a, const struct ztos_macsec_sa *b)
{
	return a->an == b->an && a->key_id_len == b->key_id_len &&
	       !memcmp(a->key_id, b->key_id, a->key_id_len);
}

bool cfg_macsec_sas_equal(const struct ztos_config *a, const struct ztos_config *b)
{
	const struct ztos_macsec *x = &a->macsec, *y = &b->macsec;

	if (!a->has_macsec || !b->has_macsec)
		return a->has_macsec == b->has_macsec;
	if (!sa_equal(&x->tx_sa, &y->tx_sa) || x->n_peers != y->n_peers)
		return false;
	for (size_t i = 0; i < x->n_peers; i++)
		if (memcmp(x->peers[i].mac, y->peers[i].mac, 6) ||
		    !sa_equal(&x->peers[i].rx_sa, &y->peers[i].rx_sa))
			return false;
	return true;
}
