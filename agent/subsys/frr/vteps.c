// SPDX-License-Identifier: GPL-2.0-only
/*
 * The remote VTEPs EVPN teaches this host, followed where zebra puts them: one
 * "00:00:00:00:00:00 dst VTEP self permanent" FDB entry on a tenant's VXLAN device
 * (ztvx<vni>) per type-3 route. RTM_NEWNEIGH/RTM_DELNEIGH events (family AF_BRIDGE)
 * drive it, not polling; one dump at start and after an overrun fills the gaps.
 *
 * A bgpd restart makes zebra delete every entry BGP installed and put them back
 * seconds later (EVPN.md). So a deletion waits DEFER_MS; if bgpd is down by then (or
 * is a new bgpd, started after the deletion), the VTEP is held (still allowed) until
 * bgpd has been up GRACE_S and the entry is still missing, or HOLD_MAX_S passed. A
 * deletion while the same bgpd runs on is a withdrawal: the VTEP goes at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "subsys/frr/internal.h"
#include "report/log.h"
#include "kernel/nl.h"

/*
 * A deletion waits this long: is bgpd going down? zebra deletes once it has seen bgpd's
 * socket close, which the kernel does as the process exits; a few ms later /proc shows
 * it gone or a zombie. Every withdrawal pays it, so it is short.
 */
#define DEFER_MS 25
#define GRACE_S 20		/* bgpd up this long has had time to reinstall what it had */
#define HOLD_MAX_S 300		/* FRR down this long: its VTEPs are not held any more */
#define RCVBUF (8 << 20)

struct learned {
	uint32_t vni;
	int ifindex;
	struct ztos_addr addr;
	bool held;		/* the kernel lost it while bgpd restarted: still allowed */
	int64_t held_since_ms;
	bool pending;		/* deleted in the kernel, decision due at due_ms */
	int64_t due_ms;
	int64_t deleted_us;	/* when (CLOCK_REALTIME), to compare with bgpd's start */
};

struct frr_vteps {
	pthread_mutex_t lock;
	int sock, timer, ep;
	struct frr_vtep_sink sink;
	frr_bgpd_fn bgpd;
	void *bgpd_ctx;
	struct learned *v;
	size_t n;
	struct frr_vtep *statics;	/* the config's own VTEPs: not learned */
	size_t n_statics;
	struct frr_vtep_counts counts;
	bool active;		/* BGP is configured: without it, nothing is learned */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t real_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static bool addr_eq(const struct ztos_addr *a, const struct ztos_addr *b)
{
	return a->family == b->family &&
	       !memcmp(&a->v6, &b->v6, a->family == AF_INET ? sizeof(a->v4) : sizeof(a->v6));
}

/* ---- one neighbour message ---- */

struct flood_entry {
	int ifindex;
	uint32_t vni;
	struct ztos_addr dst;
};

/* ztvx<vni>, as agent/overlay.c names a tenant's VXLAN device; 0 for any other. */
static uint32_t vni_of(int ifindex)
{
	char name[IF_NAMESIZE], back[IF_NAMESIZE];
	unsigned int vni;

	if (!if_indextoname(ifindex, name) || sscanf(name, "ztvx%u", &vni) != 1 || !vni ||
	    vni > ZTOS_VNI_MAX)
		return 0;
	snprintf(back, sizeof(back), "ztvx%u", vni);
	return strcmp(back, name) ? 0 : vni;
}

/* Whether nlh is a flood entry (zero MAC, a dst, on the VXLAN device itself). */
static bool parse_flood(const struct nlmsghdr *nlh, struct flood_entry *e, bool need_vni)
{
	const struct ndmsg *nd = NLMSG_DATA(nlh);
	static const uint8_t zero[6];
	const struct rtattr *rta;
	bool zero_mac = false;
	int len;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*nd)) || nd->ndm_family != AF_BRIDGE ||
	    !(nd->ndm_flags & NTF_SELF))
		return false;
	memset(e, 0, sizeof(*e));
	e->ifindex = nd->ndm_ifindex;
	len = (int)nlh->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*nd));
	for (rta = (const struct rtattr *)((const char *)nd + NLMSG_ALIGN(sizeof(*nd)));
	     RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
		if (rta->rta_type == NDA_LLADDR && RTA_PAYLOAD(rta) == 6)
			zero_mac = !memcmp(RTA_DATA(rta), zero, 6);
		if (rta->rta_type == NDA_DST && RTA_PAYLOAD(rta) == 4) {
			e->dst.family = AF_INET;
			memcpy(&e->dst.v4, RTA_DATA(rta), 4);
		} else if (rta->rta_type == NDA_DST && RTA_PAYLOAD(rta) == 16) {
			e->dst.family = AF_INET6;
			memcpy(&e->dst.v6, RTA_DATA(rta), 16);
		}
	}
	if (!zero_mac || !e->dst.family)
		return false;
	if (!need_vni)
		return true;
	e->vni = vni_of(e->ifindex);
	return e->vni != 0;
}

/* ---- the set ---- */

static struct learned *find(struct frr_vteps *v, int ifindex, const struct ztos_addr *a)
{
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].ifindex == ifindex && addr_eq(&v->v[i].addr, a))
			return &v->v[i];
	return NULL;
}

static bool is_static(const struct frr_vteps *v, uint32_t vni, const struct ztos_addr *a)
{
	for (size_t i = 0; i < v->n_statics; i++)
		if (v->statics[i].vni == vni && addr_eq(&v->statics[i].addr, a))
			return true;
	return false;
}

static void tell(struct frr_vteps *v, const struct learned *l, bool add)
{
	struct frr_vtep t = { .vni = l->vni, .addr = l->addr };
	char buf[INET6_ADDRSTRLEN];

	pr_debug("evpn: VTEP %s %s VNI %u", ztos_addr_str(&l->addr, buf, sizeof(buf)),
		 add ? "learned for" : "withdrawn from", l->vni);
	if (v->sink.learned)
		v->sink.learned(v->sink.ctx, &t, add);
}

static void drop_at(struct frr_vteps *v, size_t i)
{
	v->v[i] = v->v[--v->n];
}

static void on_new(struct frr_vteps *v, const struct flood_entry *e)
{
	struct learned *l = find(v, e->ifindex, &e->dst), *nv;

	if (l) {
		/* back (a bgpd restart, a flap): the allowlist never lost it */
		l->held = l->pending = false;
		return;
	}
	if (is_static(v, e->vni, &e->dst))
		return;
	nv = realloc(v->v, (v->n + 1) * sizeof(*nv));
	if (!nv)
		return;
	v->v = nv;
	l = &v->v[v->n++];
	*l = (struct learned){ .vni = e->vni, .ifindex = e->ifindex, .addr = e->dst };
	v->counts.added++;
	tell(v, l, true);
}

static void arm(struct frr_vteps *v)
{
	struct itimerspec its = { 0 };
	int64_t first = 0, now = now_ms();

	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].pending && (!first || v->v[i].due_ms < first))
			first = v->v[i].due_ms;
	if (first) {
		int64_t in = first > now ? first - now : 1;

		its.it_value.tv_sec = in / 1000;
		its.it_value.tv_nsec = (in % 1000) * 1000000;
	}
	timerfd_settime(v->timer, 0, &its, NULL);
}

static void on_del(struct frr_vteps *v, const struct flood_entry *e)
{
	struct learned *l = find(v, e->ifindex, &e->dst);

	if (!l || l->pending || l->held)
		return;
	l->pending = true;
	l->due_ms = now_ms() + DEFER_MS;
	l->deleted_us = real_us();
	arm(v);
}

/* bgpd down, or newer than the deletion: what zebra deleted may come back. */
static bool frr_restarting(const struct frr_proc *p, const struct learned *l)
{
	return !p->pid || p->since_us >= l->deleted_us - 1000000;
}

/* Deletions whose time has come: withdrawn, or held while FRR restarts. */
static void decide(struct frr_vteps *v)
{
	struct frr_proc bgpd = v->bgpd ? v->bgpd(v->bgpd_ctx) : (struct frr_proc){ 0 };
	int64_t now = now_ms();

	for (size_t i = 0; i < v->n;) {
		struct learned *l = &v->v[i];

		if (!l->pending || l->due_ms > now) {
			i++;
			continue;
		}
		l->pending = false;
		if (frr_restarting(&bgpd, l)) {
			l->held = true;
			l->held_since_ms = now;
			v->counts.held++;
			pr_info("evpn: VNI %u: zebra removed a VTEP while bgpd restarts: held "
				"(still allowed) until bgpd is back", l->vni);
			i++;
			continue;
		}
		v->counts.removed++;
		tell(v, l, false);
		drop_at(v, i);
	}
	arm(v);
}

/* ---- the socket ---- */

static void handle(struct frr_vteps *v, const struct nlmsghdr *nlh)
{
	struct flood_entry e;

	if (!v->active || (nlh->nlmsg_type != RTM_NEWNEIGH && nlh->nlmsg_type != RTM_DELNEIGH))
		return;
	/* a deleted device has no name left: find its entries by ifindex */
	if (!parse_flood(nlh, &e, nlh->nlmsg_type == RTM_NEWNEIGH))
		return;
	if (nlh->nlmsg_type == RTM_NEWNEIGH)
		on_new(v, &e);
	else
		on_del(v, &e);
}

static int read_events(struct frr_vteps *v)
{
	char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));

	for (;;) {
		ssize_t n = recv(v->sock, buf, sizeof(buf), MSG_DONTWAIT);
		const struct nlmsghdr *nlh;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS)
			return -ENOBUFS;	/* events were lost: read the whole FDB again */
		if (n <= 0)
			return 0;
		for (nlh = (const struct nlmsghdr *)buf; NLMSG_OK(nlh, (size_t)n);
		     nlh = NLMSG_NEXT(nlh, n))
			handle(v, nlh);
	}
}

static int open_socket(int *out)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1u << (RTNLGRP_NEIGH - 1) };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	int size = RCVBUF;

	if (fd < 0)
		return -errno;
	/* FORCE: past rmem_max, so a burst of hundreds of VNIs does not overrun it */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

/* ---- resync: one dump ---- */

struct dump {
	struct flood_entry *v;
	size_t n;
	int err;
};

static int dump_one(const struct nlmsghdr *nlh, void *arg)
{
	struct dump *d = arg;
	struct flood_entry e, *nv;

	if (nlh->nlmsg_type != RTM_NEWNEIGH || !parse_flood(nlh, &e, true))
		return 0;
	nv = realloc(d->v, (d->n + 1) * sizeof(*nv));
	if (!nv)
		return d->err = -ENOMEM;
	nv[d->n++] = e;
	d->v = nv;
	return 0;
}

static int dump_fdb(struct dump *d, char *err, size_t len)
{
	struct ndmsg nd = { .ndm_family = AF_BRIDGE };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETNEIGH, 0);
	struct ztnl *nl = NULL;
	char ext[256] = "";
	int ret;

	if (!msg || nlmsg_append(msg, &nd, sizeof(nd), NLMSG_ALIGNTO)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	ret = ztnl_open(NETLINK_ROUTE, &nl);
	if (ret) {
		nlmsg_free(msg);
		snprintf(err, len, "open a netlink socket: %s", strerror(-ret));
		return ret;
	}
	ret = ztnl_dump(nl, msg, dump_one, d, ext, sizeof(ext));
	if (!ret)
		ret = d->err;
	if (ret) {
		char why[320];

		snprintf(err, len, "read the FDB: %s", ztnl_strerror(ret, ext, why, sizeof(why)));
	}
	ztnl_close(nl);
	return ret;
}

static bool dumped(const struct dump *d, const struct learned *l)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].ifindex == l->ifindex && addr_eq(&d->v[i].dst, &l->addr))
			return true;
	return false;
}

/* The set as the sink gets it: every learned VTEP, held ones included. */
static void sync_sink(struct frr_vteps *v)
{
	struct frr_vtep *all = calloc(v->n + 1, sizeof(*all));

	if (!all)
		return;
	for (size_t i = 0; i < v->n; i++)
		all[i] = (struct frr_vtep){ .vni = v->v[i].vni, .addr = v->v[i].addr };
	if (v->sink.sync)
		v->sink.sync(v->sink.ctx, all, v->n);
	free(all);
}

static int resync_locked(struct frr_vteps *v)
{
	struct dump d = { 0 };
	char err[512];
	int ret = dump_fdb(&d, err, sizeof(err));

	if (ret) {
		pr_warn("evpn: %s; the learned VTEPs stay as they were", err);
		free(d.v);
		return ret;
	}
	v->counts.resyncs++;
	/* gone while not watched: the same decision as a deletion event */
	for (size_t i = 0; i < v->n; i++) {
		struct learned *l = &v->v[i];

		if (!l->held && !l->pending && !dumped(&d, l)) {
			l->pending = true;
			l->due_ms = now_ms();
			l->deleted_us = real_us();
		}
	}
	for (size_t i = 0; i < d.n; i++)
		on_new(v, &d.v[i]);
	/* a static VTEP is the config's, not EVPN's */
	for (size_t i = 0; i < v->n;) {
		if (is_static(v, v->v[i].vni, &v->v[i].addr))
			drop_at(v, i);
		else
			i++;
	}
	decide(v);
	sync_sink(v);
	free(d.v);
	return 0;
}

/* ---- interface ---- */

int frr_vteps_open(const struct frr_vtep_sink *sink, frr_bgpd_fn bgpd, void *ctx,
		   struct frr_vteps **out, char *err, size_t len)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct frr_vteps *v = calloc(1, sizeof(*v));
	int ret;

	if (!v)
		return -ENOMEM;
	pthread_mutex_init(&v->lock, NULL);
	v->sock = v->timer = v->ep = -1;
	v->sink = *sink;
	v->bgpd = bgpd;
	v->bgpd_ctx = ctx;
	/* subscribed before the first dump: nothing falls between the two */
	ret = open_socket(&v->sock);
	if (ret) {
		snprintf(err, len, "subscribe to FDB events: %s", strerror(-ret));
		goto fail;
	}
	v->timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	v->ep = epoll_create1(EPOLL_CLOEXEC);
	ev.data.fd = v->sock;
	if (v->timer < 0 || v->ep < 0 || epoll_ctl(v->ep, EPOLL_CTL_ADD, v->sock, &ev)) {
		ret = -errno;
		snprintf(err, len, "event setup: %s", strerror(errno));
		goto fail;
	}
	ev.data.fd = v->timer;
	if (epoll_ctl(v->ep, EPOLL_CTL_ADD, v->timer, &ev)) {
		ret = -errno;
		snprintf(err, len, "event setup: %s", strerror(errno));
		goto fail;
	}
	*out = v;
	return 0;
fail:
	frr_vteps_close(v);
	return ret;
}

void frr_vteps_close(struct frr_vteps *v)
{
	if (!v)
		return;
	if (v->sock >= 0)
		close(v->sock);
	if (v->timer >= 0)
		close(v->timer);
	if (v->ep >= 0)
		close(v->ep);
	pthread_mutex_destroy(&v->lock);
	free(v->statics);
	free(v->v);
	free(v);
}

int frr_vteps_fd(struct frr_vteps *v)
{
	return v ? v->ep : -1;
}

void frr_vteps_events(struct frr_vteps *v)
{
	uint64_t expirations;

	pthread_mutex_lock(&v->lock);
	if (read_events(v) == -ENOBUFS) {
		v->counts.overruns++;
		pr_warn("evpn: FDB events were lost (the socket overran): reading the FDB again");
		resync_locked(v);
	}
	if (read(v->timer, &expirations, sizeof(expirations)) > 0)
		decide(v);
	pthread_mutex_unlock(&v->lock);
}

int frr_vteps_resync(struct frr_vteps *v)
{
	int ret;

	pthread_mutex_lock(&v->lock);
	v->active = true;
	ret = resync_locked(v);
	pthread_mutex_unlock(&v->lock);
	return ret;
}

void frr_vteps_stop(struct frr_vteps *v)
{
	pthread_mutex_lock(&v->lock);
	v->active = false;
	v->n = 0;
	if (v->sink.sync)
		v->sink.sync(v->sink.ctx, NULL, 0);
	arm(v);
	pthread_mutex_unlock(&v->lock);
}

int frr_vteps_set_statics(struct frr_vteps *v, const struct ztos_config *cfg)
{
	struct frr_vtep *s = NULL;
	size_t n = 0;

	for (size_t i = 0; i < cfg->n_tenants; i++)
		n += cfg->tenants[i].n_vteps;
	s = calloc(n + 1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	n = 0;
	for (size_t i = 0; i < cfg->n_tenants; i++)
		for (size_t k = 0; k < cfg->tenants[i].n_vteps; k++)
			s[n++] = (struct frr_vtep){ .vni = cfg->tenants[i].vni,
						    .addr = cfg->tenants[i].vteps[k] };
	pthread_mutex_lock(&v->lock);
	free(v->statics);
	v->statics = s;
	v->n_statics = n;
	pthread_mutex_unlock(&v->lock);
	return 0;
}

void frr_vteps_tick(struct frr_vteps *v)
{
	struct frr_proc p = v->bgpd ? v->bgpd(v->bgpd_ctx) : (struct frr_proc){ 0 };
	int64_t now = now_ms();
	bool settled = p.pid && real_us() - p.since_us >= (int64_t)GRACE_S * 1000000;

	pthread_mutex_lock(&v->lock);
	for (size_t i = 0; i < v->n;) {
		struct learned *l = &v->v[i];

		if (!l->held || (!settled && now - l->held_since_ms < (int64_t)HOLD_MAX_S * 1000)) {
			i++;
			continue;
		}
		pr_info("evpn: VNI %u: a held VTEP did not come back %s: withdrawn", l->vni,
			settled ? "after bgpd's restart" : "while FRR stayed down");
		v->counts.released++;
		tell(v, l, false);
		drop_at(v, i);
	}
	pthread_mutex_unlock(&v->lock);
}

void frr_vteps_json(struct frr_vteps *v, uint32_t vni, cJSON *arr)
{
	char buf[INET6_ADDRSTRLEN];

	pthread_mutex_lock(&v->lock);
	for (size_t i = 0; i < v->n; i++) {
		cJSON *o;

		if (v->v[i].vni != vni)
			continue;
		o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "address", ztos_addr_str(&v->v[i].addr, buf,
								     sizeof(buf)));
		cJSON_AddStringToObject(o, "origin", "evpn");
		if (v->v[i].held)
			cJSON_AddBoolToObject(o, "held", true);
		cJSON_AddItemToArray(arr, o);
	}
	pthread_mutex_unlock(&v->lock);
}

size_t frr_vteps_count(struct frr_vteps *v, uint32_t vni)
{
	size_t n = 0;

	pthread_mutex_lock(&v->lock);
	for (size_t i = 0; i < v->n; i++)
		n += v->v[i].vni == vni;
	pthread_mutex_unlock(&v->lock);
	return n;
}

bool frr_vteps_has(struct frr_vteps *v, uint32_t vni, const struct ztos_addr *vtep)
{
	bool has = false;

	pthread_mutex_lock(&v->lock);
	for (size_t i = 0; i < v->n && !has; i++)
		has = v->v[i].vni == vni && addr_eq(&v->v[i].addr, vtep);
	pthread_mutex_unlock(&v->lock);
	return has;
}

void frr_vteps_counts(struct frr_vteps *v, struct frr_vtep_counts *c)
{
	pthread_mutex_lock(&v->lock);
	*c = v->counts;
	pthread_mutex_unlock(&v->lock);
}
