// SPDX-License-Identifier: GPL-2.0-only
/*
 * WireGuard reconcile: config -> wanted device; kernel -> current device; apply only
 * the difference, as a transaction that can be undone until the caller commits it.
 *
 * A peer that is added, removed or changed is the only peer touched (WGPEER_F_UPDATE_ONLY,
 * WGPEER_F_REMOVE_ME); WGDEVICE_F_REPLACE_PEERS is sent only when no current peer stays.
 * A peer's endpoint is where to reach it first: WireGuard moves it when the peer roams,
 * so it is set again only when the config's endpoint itself changed (or at adoption).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netdb.h>

#include <sodium.h>

#include "kernel/wg.h"
#include "report/log.h"
#include "report/metrics.h"
#include "subsys/wireguard.h"

#define MTU_OVERHEAD_V4 60	/* IPv4 20 + UDP 8 + WireGuard 32 */
#define MTU_OVERHEAD_V6 80	/* IPv6 40 + UDP 8 + WireGuard 32 */
#define KEY_FILE_MAX 256

static const struct ztos_wg_peer *cfg_peer(const struct ztos_wireguard *wg, const uint8_t *key)
{
	for (size_t i = 0; wg && i < wg->n_peers; i++)
		if (!memcmp(wg->peers[i].public_key, key, WG_KEY_LEN))
			return &wg->peers[i];
	return NULL;
}

/* ---- what the config wants ---- */

static int read_private_key(const char *ifname, const char *path, uint8_t key[WG_KEY_LEN],
			    struct ztos_err *e)
{
	char buf[KEY_FILE_MAX], why[PATH_MAX + 256];
	size_t len = 0, bin_len = 0;
	const char *text = buf;
	ssize_t r;
	int err = 0;

	/* as validation read it: a link or FIFO swapped in since is refused, not waited on */
	r = cfg_secret_read(path, false, buf, sizeof(buf), why, sizeof(why));
	if (r < 0)
		err = ztos_errmsg(e, (int)r, "wireguard %s: private_key_file: %s", ifname, why);
	if (!err) {
		len = (size_t)r;
		while (len && strchr(" \t\r\n", buf[len - 1]))
			len--;
		while (len && strchr(" \t\r\n", *text)) {
			text++;
			len--;
		}
		if (sodium_base642bin(key, WG_KEY_LEN, text, len, NULL, &bin_len, NULL,
				      sodium_base64_VARIANT_ORIGINAL) || bin_len != WG_KEY_LEN)
			err = ztos_errmsg(e, -EINVAL, "wireguard %s: private_key_file %s does not hold a WireGuard private key (44 base64 characters for 32 bytes, as 'ztos security wireguard genkey' writes)",
				      ifname, path);
	}
	explicit_bzero(buf, sizeof(buf));
	return err;
}

/* A peer's endpoint given as a name: its first address (as wg(8) takes it). */
static int resolve(const struct ztos_wireguard *wg, const struct ztos_wg_peer *cp,
		   struct ztos_endpoint *ep, struct ztos_err *e)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM }, *res = NULL;
	int err = getaddrinfo(cp->endpoint_host, NULL, &hints, &res);

	if (err)
		return ztos_errmsg(e, -EHOSTUNREACH, "wireguard %s: peer %s: endpoint '%s:%u' does not resolve: %s; nothing was changed",
			       wg->interface, cp->name, cp->endpoint_host, cp->endpoint.port,
			       err == EAI_SYSTEM ? strerror(errno) : gai_strerror(err));
	ep->addr.family = res->ai_family;
	if (res->ai_family == AF_INET)
		ep->addr.v4 = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	else
		ep->addr.v6 = ((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
	freeaddrinfo(res);
	return 0;
}

static int want_from_cfg(const struct ztos_wireguard *wg, struct wg_dev *d, struct ztos_err *e)
{
	int err;

	memset(d, 0, sizeof(*d));
	if (sodium_init() < 0)
		return ztos_errmsg(e, -EIO, "wireguard %s: libsodium does not initialise", wg->interface);
	err = read_private_key(wg->interface, wg->private_key_file, d->private_key, e);
	if (err)
		return err;
	d->has_private_key = true;
	if (crypto_scalarmult_base(d->public_key, d->private_key)) {
		wg_dev_free(d);
		return ztos_errmsg(e, -EINVAL, "wireguard %s: private_key_file %s holds a key with no public key (all zeros?)",
			       wg->interface, wg->private_key_file);
	}
	d->port = wg->listen_port;
	for (size_t i = 0; i < wg->n_peers; i++) {
		const struct ztos_wg_peer *cp = &wg->peers[i];
		struct wg_peer *p = wg_dev_add_peer(d);

		if (!p)
			goto nomem;
		memcpy(p->key, cp->public_key, WG_KEY_LEN);
		p->has_endpoint = cp->has_endpoint;
		p->endpoint = cp->endpoint;
		p->endpoint_host = cp->endpoint_host[0] ? cp->endpoint_host : NULL;
		if (cp->has_endpoint && cp->endpoint_host[0] && resolve(wg, cp, &p->endpoint, e)) {
			wg_dev_free(d);
			return -EHOSTUNREACH;
		}
		p->keepalive = cp->persistent_keepalive;
		for (size_t k = 0; k < cp->n_allowed_ips; k++)
			if (wg_peer_add_ip(p, &cp->allowed_ips[k]))
				goto nomem;
	}
	return 0;
nomem:
	wg_dev_free(d);
	return ztos_errmsg(e, -ENOMEM, "wireguard %s: out of memory", wg->interface);
}

/* ---- the difference ---- */

static int cidr_cmp(const void *a, const void *b)
{
	const struct ztos_cidr *x = a, *y = b;

	if (x->addr.family != y->addr.family)
		return x->addr.family - y->addr.family;
	if (x->prefixlen != y->prefixlen)
		return x->prefixlen - y->prefixlen;
	return memcmp(&x->addr.v6, &y->addr.v6, x->addr.family == AF_INET ? 4 : 16);
}

static bool same_ips(struct wg_peer *a, struct wg_peer *b)
{
	if (a->n_ips != b->n_ips)
		return false;
	qsort(a->ips, a->n_ips, sizeof(*a->ips), cidr_cmp);
	qsort(b->ips, b->n_ips, sizeof(*b->ips), cidr_cmp);
	for (size_t i = 0; i < a->n_ips; i++)
		if (cidr_cmp(&a->ips[i], &b->ips[i]))
			return false;
	return true;
}

static bool same_endpoint(const struct wg_peer *a, const struct wg_peer *b)
{
	if (a->has_endpoint != b->has_endpoint)
		return false;
	if (!a->has_endpoint)
		return true;
	return a->endpoint.port == b->endpoint.port &&
	       a->endpoint.addr.family == b->endpoint.addr.family &&
	       !memcmp(&a->endpoint.addr.v6, &b->endpoint.addr.v6,
		       a->endpoint.addr.family == AF_INET ? 4 : 16);
}

/*
 * Whether the config speaks for a peer's endpoint now: a new peer, a changed endpoint
 * in the config, or no running config (adoption, undo). Otherwise WireGuard's roaming
 * is left alone.
 */
static bool endpoint_said(const struct ztos_wireguard *old, const struct wg_peer *want)
{
	const struct ztos_wg_peer *op = cfg_peer(old, want->key);
	struct wg_peer o = { 0 };

	if (!op)
		return true;
	/* a name: the config spoke only if the name or its port changed */
	if (op->endpoint_host[0] || want->endpoint_host)
		return !want->endpoint_host || strcmp(op->endpoint_host, want->endpoint_host) ||
		       op->endpoint.port != want->endpoint.port;
	o.has_endpoint = op->has_endpoint;
	o.endpoint = op->endpoint;
	return !same_endpoint(&o, want);
}

/* cur -> want; c->peers points into want. old: the config cur came from, or NULL. */
static int plan(const struct wg_dev *cur, struct wg_dev *want, const struct ztos_wireguard *old,
		struct wg_change *c)
{
	size_t stay = 0, n = 0;

	memset(c, 0, sizeof(*c));
	c->peers = calloc(cur->n_peers + want->n_peers + 1, sizeof(*c->peers));
	if (!c->peers)
		return -ENOMEM;
	if (want->has_private_key &&
	    (!cur->has_private_key || memcmp(cur->public_key, want->public_key, WG_KEY_LEN))) {
		c->set_private_key = true;
		c->private_key = want->private_key;
	}
	if (want->port && want->port != cur->port) {
		c->set_port = true;
		c->port = want->port;
	}
	for (size_t i = 0; i < cur->n_peers; i++)
		stay += wg_dev_find(want, cur->peers[i].key) != NULL;
	c->replace_peers = cur->n_peers && !stay;
	for (size_t i = 0; !c->replace_peers && i < cur->n_peers; i++)
		if (!wg_dev_find(want, cur->peers[i].key))
			c->peers[n++] = (struct wg_peer_change){ .op = WG_PEER_REMOVE,
								 .p = &cur->peers[i] };
	for (size_t i = 0; i < want->n_peers; i++) {
		struct wg_peer *w = &want->peers[i], *k = wg_dev_find(cur, w->key);
		struct wg_peer_change pc = { .op = WG_PEER_ADD, .p = w };

		if (!k || c->replace_peers) {
			pc.set_endpoint = w->has_endpoint;
			pc.set_keepalive = true;
			pc.replace_ips = true;
			c->peers[n++] = pc;
			continue;
		}
		pc.op = WG_PEER_UPDATE;
		pc.set_endpoint = w->has_endpoint && !same_endpoint(k, w) && endpoint_said(old, w);
		pc.set_keepalive = k->keepalive != w->keepalive;
		pc.replace_ips = !same_ips(k, w);
		if (pc.set_endpoint || pc.set_keepalive || pc.replace_ips)
			c->peers[n++] = pc;
	}
	c->n_peers = n;
	return 0;
}

/* ---- the back end of a device ---- */

static const struct wg_backend *backend_of(const struct wg_link *l)
{
	return !strcmp(l->kind, "wireguard") ? &wg_kernel : &wg_userspace;
}

/* The smallest path MTU to any peer's endpoint, less WireGuard's overhead; 0: no endpoint. */
static unsigned int derive_mtu(const char *ifname, const struct wg_dev *want)
{
	unsigned int best = 0;

	for (size_t i = 0; i < want->n_peers; i++) {
		const struct wg_peer *p = &want->peers[i];
		unsigned int over = p->endpoint.addr.family == AF_INET ? MTU_OVERHEAD_V4
								       : MTU_OVERHEAD_V6;
		struct ztos_err e = { 0 };
		int mtu;

		if (!p->has_endpoint)
			continue;
		mtu = wg_route_mtu(&p->endpoint.addr, ifname, &e);
		if (mtu < 0) {
			pr_debug("%s; its MTU is left out", e.msg);
			continue;
		}
		if ((unsigned int)mtu > over && (!best || (unsigned int)mtu - over < best))
			best = (unsigned int)mtu - over;
	}
	return best;
}

/* ---- the transaction ---- */

struct wg_txn {
	char ifname[IF_NAMESIZE];
	const char *go_path;	/* agent.wireguard_go of the config applied */
	const struct wg_backend *be;
	bool created;		/* undo: delete the device */
	bool had_device;	/* undo: put back before, addrs, mtu, up */
	struct wg_dev before;
	struct ztos_cidr *addrs;
	size_t n_addrs;
	unsigned int mtu;
	bool up;
	/* another device of the old config was removed: undo re-applies the old config */
	const struct ztos_config *removed_from;
	struct wireguard *w;
};

void wg_txn_free(struct wg_txn *t)
{
	if (!t)
		return;
	wg_dev_free(&t->before);
	free(t->addrs);
	free(t);
}

static int delete_device(const char *ifname, const struct wg_backend *be, struct ztos_err *e)
{
	int err = 0;

	if (be == &wg_userspace)
		err = wg_go_stop(ifname);
	if (err)
		pr_warn("wireguard %s: stop wireguard-go: %s", ifname, strerror(-err));
	/* wireguard-go takes its TUN device with it; whatever is left goes here. */
	err = wg_link_delete(ifname, e);
	return err == -ENODEV || err == -ENOENT ? 0 : err;
}

/* Addresses: those of the device not in want go, those of want not there come. */
static int sync_addrs(const char *ifname, int ifindex, const struct ztos_cidr *want, size_t n_want,
		      const struct ztos_cidr *have, size_t n_have, struct ztos_err *e)
{
	int err = 0;

	for (size_t i = 0; !err && i < n_have; i++) {
		bool keep = false;

		for (size_t k = 0; k < n_want; k++)
			keep |= !cidr_cmp(&have[i], &want[k]);
		if (!keep)
			err = wg_addr_change(ifname, ifindex, &have[i], false, e);
	}
	for (size_t k = 0; !err && k < n_want; k++) {
		bool there = false;

		for (size_t i = 0; i < n_have; i++)
			there |= !cidr_cmp(&have[i], &want[k]);
		if (!there)
			err = wg_addr_change(ifname, ifindex, &want[k], true, e);
	}
	return err;
}

/* Bring an existing device back to t's snapshot. */
static int restore(struct wg_txn *t, struct ztos_err *e)
{
	struct wg_dev cur = { 0 }, back = { 0 };
	struct ztos_cidr *have = NULL;
	struct wg_change c = { 0 };
	struct wg_link l;
	size_t n_have = 0;
	int err;

	err = wg_link_get(t->ifname, &l, e);
	if (!err)
		err = t->be->get(t->ifname, &cur, e);
	if (!err)
		err = wg_dev_copy(&back, &t->before);
	if (!err)
		err = plan(&cur, &back, NULL, &c);
	if (!err && !wg_change_empty(&c))
		err = t->be->set(t->ifname, &c, e);
	if (!err)
		err = wg_addr_list(l.ifindex, &have, &n_have, e);
	if (!err)
		err = sync_addrs(t->ifname, l.ifindex, t->addrs, t->n_addrs, have, n_have, e);
	if (!err && (l.mtu != t->mtu || l.up != t->up))
		err = wg_link_set(t->ifname, l.mtu != t->mtu ? t->mtu : 0, t->up, e);
	free(c.peers);
	free(have);
	wg_dev_free(&cur);
	wg_dev_free(&back);
	return err;
}

void wg_txn_undo(struct wg_txn *t)
{
	struct wg_txn *again = NULL;
	struct ztos_err e = { 0 };
	int err = 0;

	if (!t)
		return;
	if (t->created)
		err = delete_device(t->ifname, t->be, &e);
	else if (t->had_device)
		err = restore(t, &e);
	if (err)
		pr_warn("undo: %s", e.msg);
	else if (t->created || t->had_device)
		pr_info("wireguard %s: change undone", t->ifname);
	if (t->removed_from) {
		if (wg_update(t->w, NULL, t->removed_from, &again, &e))
			pr_warn("undo: wireguard: cannot bring back %s: %s",
				t->removed_from->wireguard.interface, e.msg);
		wg_txn_free(again);
	}
	wg_txn_free(t);
}

/* ---- the subsystem's own state ---- */

struct wireguard {
	pthread_mutex_t lock;
	char last_error[ZTOS_ERR_MSG];	/* the last refused change, "" after a good one */
	/* Supervisor passes done, reported: tests and operators wait on one, not on a clock. */
	atomic_ulong supervisor_passes;
};

static void set_last_error(struct wireguard *w, const char *msg)
{
	pthread_mutex_lock(&w->lock);
	snprintf(w->last_error, sizeof(w->last_error), "%s", msg ? msg : "");
	pthread_mutex_unlock(&w->lock);
}

/* ---- apply ---- */

static int ensure_link(struct wg_txn *t, struct wg_link *l, struct ztos_err *e)
{
	const char *ifname = t->ifname;
	int err = wg_link_get(ifname, l, e);

	if (err && err != -ENODEV)
		return err;
	if (!err && !l->ours)
		return ztos_errmsg(e, -EEXIST, "wireguard %s: a %s device of that name exists and ztos did not make it (its alias is not '%s'); ztos leaves it alone: choose another wireguard.interface or remove that device",
			       ifname, *l->kind ? l->kind : "network", WG_ALIAS);
	if (!err) {
		t->be = backend_of(l);
		/* A TUN device whose wireguard-go is gone serves nobody: make it again. */
		if (t->be == &wg_userspace && wg_uapi_pid(ifname) == -ENOENT) {
			err = wg_link_delete(ifname, e);
			if (err && err != -ENODEV)
				return err;
		} else {
			t->had_device = true;
			return 0;
		}
	}
	/* ZTOS_WG_USERSPACE=1: wireguard-go even where the kernel has WireGuard (tests). */
	t->be = wg_genl_available() && !getenv("ZTOS_WG_USERSPACE") ? &wg_kernel : &wg_userspace;
	if (t->be == &wg_userspace && wg_uapi_pid(ifname) == -EXDEV)
		return ztos_errmsg(e, -EEXIST, "wireguard %s: " WG_UAPI_DIR "/%s.sock is served by a wireguard-go of another network namespace; UAPI socket names are global, so give this host another wireguard.interface",
			       ifname, ifname);
	err = t->be == &wg_kernel ? wg_link_create(ifname, e) : wg_go_start(t->go_path, ifname, e);
	if (err)
		return err;
	t->created = true;
	err = wg_link_mark(ifname, e);
	if (!err)
		err = wg_link_get(ifname, l, e);
	return err;
}

static int snapshot(struct wg_txn *t, const struct wg_link *l, const struct wg_dev *cur,
		    struct ztos_err *e)
{
	int err;

	t->mtu = l->mtu;
	t->up = l->up;
	err = wg_dev_copy(&t->before, cur);
	if (!err)
		err = wg_addr_list(l->ifindex, &t->addrs, &t->n_addrs, e);
	return err;
}

static void log_change(const char *ifname, const struct wg_change *c, bool created)
{
	char key[45];

	if (created)
		pr_info("wireguard %s: created", ifname);
	if (c->set_private_key)
		pr_info("wireguard %s: private key set", ifname);
	if (c->set_port)
		pr_info("wireguard %s: listen port %u", ifname, c->port);
	if (c->replace_peers)
		pr_info("wireguard %s: peers replaced", ifname);
	for (size_t i = 0; i < c->n_peers; i++)
		pr_info("wireguard %s: peer %s %s", ifname,
			ztos_key_str(c->peers[i].p->key, key, sizeof(key)),
			c->peers[i].op == WG_PEER_ADD ? "added" :
			c->peers[i].op == WG_PEER_UPDATE ? "updated" : "removed");
}

static int apply_device(const struct ztos_wireguard *old, const struct ztos_wireguard *wg,
			struct wg_txn *t, struct ztos_err *e)
{
	struct wg_dev want = { 0 }, cur = { 0 };
	struct ztos_cidr *have = NULL;
	struct wg_change c = { 0 };
	unsigned int mtu;
	struct wg_link l;
	size_t n_have = 0;
	int err;

	/* Everything that can be refused without touching the kernel, first. */
	err = want_from_cfg(wg, &want, e);
	if (err)
		return err;
	err = ensure_link(t, &l, e);
	if (!err)
		err = t->be->get(t->ifname, &cur, e);
	if (!err && t->had_device)
		err = snapshot(t, &l, &cur, e);
	if (!err)
		err = plan(&cur, &want, t->created ? NULL : old, &c);
	if (!err && !wg_change_empty(&c))
		err = t->be->set(t->ifname, &c, e);
	if (!err)
		log_change(t->ifname, &c, t->created);
	if (!err)
		err = wg_addr_list(l.ifindex, &have, &n_have, e);
	if (!err)
		err = sync_addrs(t->ifname, l.ifindex, &wg->address, wg->has_address, have, n_have, e);
	mtu = err ? 0 : derive_mtu(t->ifname, &want);
	if (!err && (!l.up || (mtu && mtu != l.mtu)))
		err = wg_link_set(t->ifname, mtu != l.mtu ? mtu : 0, true, e);
	free(c.peers);
	free(have);
	wg_dev_free(&cur);
	wg_dev_free(&want);
	return err;
}

static int remove_device(const char *ifname, struct ztos_err *e)
{
	struct wg_link l;
	int err = wg_link_get(ifname, &l, e);

	if (err == -ENODEV)
		return 0;
	if (err)
		return err;
	if (!l.ours)
		return 0;	/* not ours: never touched */
	err = delete_device(ifname, backend_of(&l), e);
	if (!err)
		pr_info("wireguard %s: removed", ifname);
	return err;
}

int wg_update(struct wireguard *w, const struct ztos_config *old, const struct ztos_config *cfg,
	      struct wg_txn **txn, struct ztos_err *e)
{
	const struct ztos_wireguard *ow = old && old->has_wireguard ? &old->wireguard : NULL;
	struct wg_txn *t;
	int err = 0;

	*txn = NULL;
	if (!cfg->has_wireguard && !ow)
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return ztos_errf(e, -ENOMEM, "wireguard", "wireguard: stage the change");
	t->w = w;
	t->go_path = cfg->wireguard_go;
	if (cfg->has_wireguard) {
		snprintf(t->ifname, sizeof(t->ifname), "%s", cfg->wireguard.interface);
		err = apply_device(ow && !strcmp(ow->interface, t->ifname) ? ow : NULL,
				   &cfg->wireguard, t, e);
	}
	/* The old device goes last: until then, an undo has less to rebuild. */
	if (!err && ow && (!cfg->has_wireguard || strcmp(ow->interface, t->ifname))) {
		err = remove_device(ow->interface, e);
		if (!err)
			t->removed_from = old;
	}
	if (err) {
		struct ztos_err refused = *e;

		/* once per reason: the supervisor retries every few seconds */
		pthread_mutex_lock(&w->lock);
		if (strcmp(w->last_error, refused.msg))
			pr_warn("%s; what this change did is undone", refused.msg);
		pthread_mutex_unlock(&w->lock);
		wg_txn_undo(t);
		set_last_error(w, refused.msg);
		*e = refused;
		e->code = -EIO;
		snprintf(e->where, sizeof(e->where), "wireguard");
		return -EIO;
	}
	set_last_error(w, NULL);
	*txn = t;
	return 0;
}

/* Keep it there: restart a wireguard-go that died, put back what was changed behind us. */
static void supervise(struct wireguard *w, const struct ztos_config *cfg)
{
	struct ztos_err e = { 0 };
	struct wg_txn *t = NULL;

	if (!cfg->has_wireguard)
		return;
	/* Reconcile against itself: only drift (a dead wireguard-go, a peer removed
	 * behind our back) is changed; roamed endpoints stay where WireGuard put them. */
	if (!wg_update(w, cfg, cfg, &t, &e))
		wg_txn_free(t);
	atomic_fetch_add(&w->supervisor_passes, 1);
}

/* ---- status ---- */

static void add_endpoint(cJSON *o, const char *name, const struct ztos_endpoint *ep)
{
	char addr[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 16];

	ztos_addr_str(&ep->addr, addr, sizeof(addr));
	snprintf(buf, sizeof(buf), ep->addr.family == AF_INET6 ? "[%s]:%u" : "%s:%u", addr,
		 ep->port);
	cJSON_AddStringToObject(o, name, buf);
}

/* The live device, or -errno with e saying why. */
static int read_live(const char *ifname, struct wg_link *l, const struct wg_backend **be,
		     struct wg_dev *d, struct ztos_err *e)
{
	int err = wg_link_get(ifname, l, e);

	if (err == -ENODEV)
		return ztos_errmsg(e, err, "wireguard %s: no such device", ifname);
	if (err)
		return err;
	if (!l->ours)
		return ztos_errmsg(e, -EEXIST, "wireguard %s: the device of that name is not ztos's",
			       ifname);
	*be = backend_of(l);
	return (*be)->get(ifname, d, e);
}

/*
 * The device as it is, and the subsystem's state from it: running, or error with the
 * reason (the last refused change, else why the device cannot be read). st->detail gets
 * the implementation and the last refused change. 0, or -errno when it cannot be read.
 */
static int live_state(struct wireguard *w, const struct ztos_config *cfg, struct wg_link *l,
		      const struct wg_backend **be, struct wg_dev *d, struct subsys_status *st)
{
	struct ztos_err e = { 0 };
	char last[ZTOS_ERR_MSG];
	int err;

	err = read_live(cfg->wireguard.interface, l, be, d, &e);
	pthread_mutex_lock(&w->lock);
	snprintf(last, sizeof(last), "%s", w->last_error);
	pthread_mutex_unlock(&w->lock);
	st->detail = cJSON_CreateObject();
	cJSON_AddStringToObject(st->detail, "interface", cfg->wireguard.interface);
	if (err) {
		st->state = SUBSYS_ERROR;
		snprintf(st->reason, sizeof(st->reason), "%s", *last ? last : e.msg);
		return err;
	}
	st->state = SUBSYS_RUNNING;
	cJSON_AddStringToObject(st->detail, "implementation", (*be)->name);
	if (*last)
		cJSON_AddStringToObject(st->detail, "last_error", last);
	return 0;
}

void wg_status(struct wireguard *w, const struct ztos_config *cfg, cJSON *o)
{
	const struct ztos_wireguard *wg = &cfg->wireguard;
	const struct wg_backend *be = NULL;
	struct subsys_status st = { 0 };
	struct wg_dev d = { 0 };
	struct wg_link l;
	char key[45];
	cJSON *peers, *v;
	int err;

	err = live_state(w, cfg, &l, &be, &d, &st);
	cJSON_AddStringToObject(o, "state", subsys_state_name(st.state));
	if (st.reason[0])
		cJSON_AddStringToObject(o, "reason", st.reason);
	if ((v = cJSON_DetachItemFromObject(st.detail, "last_error")))
		cJSON_AddItemToObject(o, "last_error", v);
	cJSON_Delete(st.detail);
	if (err)
		return;
	cJSON_AddStringToObject(o, "implementation", be->name);
	cJSON_AddNumberToObject(o, "supervisor_passes",
				(double)atomic_load(&w->supervisor_passes));
	if (be == &wg_userspace && wg_uapi_pid(wg->interface) > 0)
		cJSON_AddNumberToObject(o, "pid", wg_uapi_pid(wg->interface));
	cJSON_AddNumberToObject(o, "ifindex", l.ifindex);
	cJSON_AddNumberToObject(o, "mtu", l.mtu);
	cJSON_AddBoolToObject(o, "up", l.up);
	cJSON_ReplaceItemInObject(o, "listen_port", cJSON_CreateNumber(d.port));
	cJSON_AddStringToObject(o, "public_key", ztos_key_str(d.public_key, key, sizeof(key)));
	peers = cJSON_GetObjectItem(o, "peers");
	for (cJSON *po = peers ? peers->child : NULL; po; po = po->next) {
		const char *pk = cJSON_GetStringValue(cJSON_GetObjectItem(po, "public_key"));
		struct wg_peer *p = NULL;

		for (size_t i = 0; pk && i < d.n_peers && !p; i++)
			if (!strcmp(pk, ztos_key_str(d.peers[i].key, key, sizeof(key))))
				p = &d.peers[i];
		cJSON_AddBoolToObject(po, "present", p != NULL);
		if (!p)
			continue;
		if (p->has_endpoint)
			add_endpoint(po, "current_endpoint", &p->endpoint);
		if (p->handshake_sec) {
			cJSON_AddNumberToObject(po, "last_handshake", (double)p->handshake_sec);
			cJSON_AddNumberToObject(po, "last_handshake_s",
						(double)(time(NULL) - p->handshake_sec));
		}
		cJSON_AddNumberToObject(po, "rx_bytes", (double)p->rx_bytes);
		cJSON_AddNumberToObject(po, "tx_bytes", (double)p->tx_bytes);
	}
	wg_dev_free(&d);
}

void wg_metrics(const struct ztos_config *cfg, cJSON *list)
{
	const struct ztos_wireguard *wg = &cfg->wireguard;
	const struct wg_backend *be = NULL;
	struct ztos_err e = { 0 };
	struct wg_dev d = { 0 };
	struct wg_link l;
	cJSON *rx, *tx, *hs, *up;

	if (!cfg->has_wireguard)
		return;
	up = metrics_family(list, "ztos_wireguard_up", "gauge",
			    "1 when the WireGuard device is there and readable.");
	if (read_live(wg->interface, &l, &be, &d, &e)) {
		metrics_sample(up, 0, "interface", wg->interface);
		return;
	}
	metrics_sample(up, 1, "interface", wg->interface);
	rx = metrics_family(list, "ztos_wireguard_peer_rx_bytes_total", "counter",
			    "Bytes received from a WireGuard peer.");
	tx = metrics_family(list, "ztos_wireguard_peer_tx_bytes_total", "counter",
			    "Bytes sent to a WireGuard peer.");
	hs = metrics_family(list, "ztos_wireguard_peer_last_handshake_seconds", "gauge",
			    "Unix time of a peer's last handshake (0: none yet).");
	for (size_t i = 0; i < d.n_peers; i++) {
		const struct ztos_wg_peer *cp = cfg_peer(wg, d.peers[i].key);
		char key[45];
		const char *name = cp ? cp->name : ztos_key_str(d.peers[i].key, key, sizeof(key));

		metrics_sample(rx, (double)d.peers[i].rx_bytes, "peer", name);
		metrics_sample(tx, (double)d.peers[i].tx_bytes, "peer", name);
		metrics_sample(hs, (double)d.peers[i].handshake_sec, "peer", name);
	}
	wg_dev_free(&d);
}

static void cleanup_one(const char *ifname)
{
	struct ztos_err e = { 0 };
	struct wg_link l;
	int err;

	err = wg_link_get(ifname, &l, &e);
	if (err == -ENODEV) {
		/* a wireguard-go whose TUN is gone still holds its socket */
		if (wg_uapi_pid(ifname) > 0 && !wg_go_stop(ifname))
			printf("stopped the wireguard-go of %s\n", ifname);
		return;
	}
	if (!err && !l.ours) {
		fprintf(stderr, "wireguard %s: not ztos's (no '%s' alias): left alone\n", ifname,
			WG_ALIAS);
		return;
	}
	if (!err)
		err = delete_device(ifname, backend_of(&l), &e);
	if (err)
		fprintf(stderr, "%s\n", e.msg);
	else
		printf("removed wireguard device %s (%s)\n", ifname, backend_of(&l)->name);
}

static int cleanup(const struct ztos_config *cfg)
{
	char (*names)[IF_NAMESIZE] = NULL;
	size_t n = 0;

	if (cfg->has_wireguard)
		cleanup_one(cfg->wireguard.interface);
	/* and any other device ztos marked, such as one of an earlier config */
	if (!wg_link_list_ours(&names, &n))
		for (size_t i = 0; i < n; i++)
			cleanup_one(names[i]);
	free(names);
	return 0;
}

/* ---- the subsystem (subsys.h) ---- */

static int wgs_init(void *priv, struct subsys_env *env)
{
	struct wireguard *w = priv;

	return -pthread_mutex_init(&w->lock, NULL);
}

static void wgs_fini(void *priv)
{
	struct wireguard *w = priv;

	pthread_mutex_destroy(&w->lock);
}

/* At start (old NULL) the device a previous run left is adopted: peers keep their sessions. */
static int wgs_apply(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		     void **txn, struct ztos_err *e)
{
	return wg_update(priv, old, cfg, (struct wg_txn **)txn, e);
}

static void wgs_undo(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		     void *txn)
{
	wg_txn_undo(txn);
}

static void wgs_commit(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		       void *txn)
{
	wg_txn_free(txn);
}

/* Every 5 s: a wireguard-go that died is started again, drift is put right. */
static void wgs_tick(void *priv, const struct ztos_config *cfg, uint64_t n)
{
	if (n % 5 == 0)
		supervise(priv, cfg);
}

static void wgs_status(void *priv, const struct ztos_config *cfg, struct subsys_status *st)
{
	const struct wg_backend *be = NULL;
	struct wg_dev d = { 0 };
	struct wg_link l;

	if (!cfg->has_wireguard)
		return;
	live_state(priv, cfg, &l, &be, &d, st);
	wg_dev_free(&d);
}

static void wgs_metrics(void *priv, const struct ztos_config *cfg, cJSON *families)
{
	wg_metrics(cfg, families);
}

const struct subsys_ops wireguard_subsys = {
	.name = "wireguard",
	.priv_size = sizeof(struct wireguard),
	.init = wgs_init,
	.fini = wgs_fini,
	.apply = wgs_apply,
	.undo = wgs_undo,
	.commit = wgs_commit,
	.tick = wgs_tick,
	.status = wgs_status,
	.metrics = wgs_metrics,
	.cleanup = cleanup,
};
