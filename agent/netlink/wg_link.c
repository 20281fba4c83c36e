// SPDX-License-Identifier: GPL-2.0-only
/*
 * The rtnetlink side of a WireGuard device: the link itself (kind "wireguard", or the
 * TUN device of wireguard-go), its alias that marks it as ztos's, MTU, up, addresses,
 * and the route lookup that the MTU is derived from.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <linux/rtnetlink.h>

#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "wg_internal.h"

static int send_route(struct nl_msg *msg, const char *what, const char *ifname, struct wg_err *e)
{
	struct nl_sock *sk = wg_nl_socket(NETLINK_ROUTE);
	char extack[256] = "";
	int err;

	if (!sk) {
		nlmsg_free(msg);
		return wg_errf(e, -ENOMEM, "wireguard %s: %s: no rtnetlink socket", ifname, what);
	}
	err = wg_nl_transact(sk, msg, NULL, NULL, extack, sizeof(extack));
	nl_socket_free(sk);
	if (err)
		wg_errf(e, err, "wireguard %s: %s: %s%s%s", ifname, what, strerror(-err),
			*extack ? ": " : "", extack);
	return err;
}

int wg_link_get(const char *ifname, struct wg_link *l, struct wg_err *e)
{
	struct nl_sock *sk = wg_nl_socket(NETLINK_ROUTE);
	struct rtnl_link *link = NULL;
	const char *alias, *kind;
	int err;

	memset(l, 0, sizeof(*l));
	if (!sk)
		return wg_errf(e, -ENOMEM, "wireguard %s: no rtnetlink socket", ifname);
	err = rtnl_link_get_kernel(sk, 0, ifname, &link);
	nl_socket_free(sk);
	if (err == -NLE_OBJ_NOTFOUND || err == -NLE_NODEV)
		return -ENODEV;
	if (err)
		return wg_errf(e, -EIO, "wireguard %s: read the link: %s", ifname, nl_geterror(err));
	l->ifindex = rtnl_link_get_ifindex(link);
	alias = rtnl_link_get_ifalias(link);
	kind = rtnl_link_get_type(link);
	snprintf(l->kind, sizeof(l->kind), "%s", kind ? kind : "");
	l->ours = alias && !strcmp(alias, WG_ALIAS);
	l->up = rtnl_link_get_flags(link) & IFF_UP;
	l->mtu = rtnl_link_get_mtu(link);
	rtnl_link_put(link);
	return 0;
}

int wg_link_create(const char *ifname, struct wg_err *e)
{
	struct rtnl_link *link = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	int err = -ENOMEM;

	if (!link || rtnl_link_set_type(link, "wireguard"))
		goto out;
	rtnl_link_set_name(link, ifname);
	if (rtnl_link_build_add_request(link, NLM_F_CREATE | NLM_F_EXCL, &msg))
		goto out;
	err = send_route(msg, "create the link (RTM_NEWLINK kind wireguard)", ifname, e);
out:
	rtnl_link_put(link);
	if (err == -ENOMEM && !*e->msg)
		wg_errf(e, err, "wireguard %s: create the link: out of memory", ifname);
	return err;
}

static int change(const char *ifname, struct rtnl_link *changes, const char *what,
		  struct wg_err *e)
{
	struct rtnl_link *orig = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	int err;

	if (!orig)
		return wg_errf(e, -ENOMEM, "wireguard %s: %s: out of memory", ifname, what);
	rtnl_link_set_name(orig, ifname);
	rtnl_link_set_ifindex(orig, (int)if_nametoindex(ifname));
	err = rtnl_link_build_change_request(orig, changes, 0, &msg);
	rtnl_link_put(orig);
	if (err)
		return wg_errf(e, -ENOMEM, "wireguard %s: %s: %s", ifname, what, nl_geterror(err));
	return send_route(msg, what, ifname, e);
}

int wg_link_mark(const char *ifname, struct wg_err *e)
{
	struct rtnl_link *c = rtnl_link_alloc();
	int err;

	if (!c)
		return -ENOMEM;
	rtnl_link_set_ifalias(c, WG_ALIAS);
	err = change(ifname, c, "mark the link as ztos's (IFLA_IFALIAS)", e);
	rtnl_link_put(c);
	return err;
}

int wg_link_set(const char *ifname, unsigned int mtu, bool up, struct wg_err *e)
{
	struct rtnl_link *c = rtnl_link_alloc();
	char what[64];
	int err;

	if (!c)
		return -ENOMEM;
	if (mtu)
		rtnl_link_set_mtu(c, mtu);
	if (up)
		rtnl_link_set_flags(c, IFF_UP);
	else
		rtnl_link_unset_flags(c, IFF_UP);
	if (mtu)
		snprintf(what, sizeof(what), "set mtu %u and %s", mtu, up ? "up" : "down");
	else
		snprintf(what, sizeof(what), "set %s", up ? "up" : "down");
	err = change(ifname, c, what, e);
	rtnl_link_put(c);
	return err;
}

int wg_link_delete(const char *ifname, struct wg_err *e)
{
	struct rtnl_link *link = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	int err;

	if (!link)
		return -ENOMEM;
	rtnl_link_set_name(link, ifname);
	err = rtnl_link_build_delete_request(link, &msg);
	rtnl_link_put(link);
	if (err)
		return wg_errf(e, -ENOMEM, "wireguard %s: delete: %s", ifname, nl_geterror(err));
	return send_route(msg, "delete the link (RTM_DELLINK)", ifname, e);
}

int wg_link_list_ours(char (**names)[IF_NAMESIZE], size_t *n)
{
	struct nl_sock *sk = wg_nl_socket(NETLINK_ROUTE);
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int err;

	*names = NULL;
	*n = 0;
	if (!sk)
		return -ENOMEM;
	err = rtnl_link_alloc_cache(sk, AF_UNSPEC, &cache);
	nl_socket_free(sk);
	if (err)
		return -EIO;
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_link *l = (struct rtnl_link *)o;
		const char *alias = rtnl_link_get_ifalias(l);
		char (*nv)[IF_NAMESIZE];

		if (!alias || strcmp(alias, WG_ALIAS))
			continue;
		nv = realloc(*names, (*n + 1) * sizeof(*nv));
		if (!nv) {
			err = -ENOMEM;
			break;
		}
		*names = nv;
		snprintf(nv[(*n)++], IF_NAMESIZE, "%s", rtnl_link_get_name(l));
	}
	nl_cache_free(cache);
	return err;
}

int wg_addr_list(int ifindex, struct ztos_cidr **out, size_t *n, struct wg_err *e)
{
	struct nl_sock *sk = wg_nl_socket(NETLINK_ROUTE);
	struct nl_cache *cache = NULL;
	struct nl_object *o;
	int err;

	*out = NULL;
	*n = 0;
	if (!sk)
		return -ENOMEM;
	err = rtnl_addr_alloc_cache(sk, &cache);
	nl_socket_free(sk);
	if (err)
		return wg_errf(e, -EIO, "wireguard: read addresses: %s", nl_geterror(err));
	for (o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *a = (struct rtnl_addr *)o;
		struct nl_addr *local = rtnl_addr_get_local(a);
		struct ztos_cidr c = { 0 }, *nv;

		if (rtnl_addr_get_ifindex(a) != ifindex || !local)
			continue;
		c.addr.family = nl_addr_get_family(local);
		c.prefixlen = (uint8_t)rtnl_addr_get_prefixlen(a);
		if (c.addr.family == AF_INET && nl_addr_get_len(local) == 4)
			memcpy(&c.addr.v4, nl_addr_get_binary_addr(local), 4);
		else if (c.addr.family == AF_INET6 && nl_addr_get_len(local) == 16)
			memcpy(&c.addr.v6, nl_addr_get_binary_addr(local), 16);
		else
			continue;
		if (c.addr.family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&c.addr.v6))
			continue;
		nv = realloc(*out, (*n + 1) * sizeof(*nv));
		if (!nv) {
			err = -ENOMEM;
			break;
		}
		*out = nv;
		nv[(*n)++] = c;
	}
	nl_cache_free(cache);
	return err;
}

int wg_addr_change(const char *ifname, int ifindex, const struct ztos_cidr *c, bool add,
		   struct wg_err *e)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	char buf[INET6_ADDRSTRLEN + 4], what[96];
	struct nl_addr *local;
	struct nl_msg *msg = NULL;
	int err;

	local = nl_addr_build(c->addr.family, (void *)&c->addr.v6, c->addr.family == AF_INET ? 4 : 16);
	if (!a || !local) {
		rtnl_addr_put(a);
		nl_addr_put(local);
		return -ENOMEM;
	}
	nl_addr_set_prefixlen(local, c->prefixlen);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, c->prefixlen);
	nl_addr_put(local);
	err = add ? rtnl_addr_build_add_request(a, NLM_F_CREATE | NLM_F_EXCL, &msg)
		  : rtnl_addr_build_delete_request(a, 0, &msg);
	rtnl_addr_put(a);
	if (err)
		return wg_errf(e, -ENOMEM, "wireguard %s: address: %s", ifname, nl_geterror(err));
	snprintf(what, sizeof(what), "%s address %s (%s)", add ? "add" : "remove",
		 ztos_cidr_str(c, buf, sizeof(buf)), add ? "RTM_NEWADDR" : "RTM_DELADDR");
	return send_route(msg, what, ifname, e);
}

struct route_ans {
	int oif;
	unsigned int mtu;
};

static int route_cb(struct nlmsghdr *nh, void *arg)
{
	struct route_ans *r = arg;
	struct nlattr *tb[RTA_MAX + 1], *mx[RTAX_MAX + 1];

	if (nh->nlmsg_type != RTM_NEWROUTE ||
	    nlmsg_parse(nh, sizeof(struct rtmsg), tb, RTA_MAX, NULL))
		return 0;
	if (tb[RTA_OIF])
		r->oif = (int)nla_get_u32(tb[RTA_OIF]);
	if (tb[RTA_METRICS] && !nla_parse_nested(mx, RTAX_MAX, tb[RTA_METRICS], NULL) && mx[RTAX_MTU])
		r->mtu = nla_get_u32(mx[RTAX_MTU]);
	return 0;
}

int wg_route_mtu(const struct ztos_addr *addr, const char *self, struct wg_err *e)
{
	struct rtmsg rtm = { .rtm_family = (unsigned char)addr->family };
	struct route_ans r = { 0 };
	char buf[INET6_ADDRSTRLEN], dev[IF_NAMESIZE] = "";
	struct nl_sock *sk = wg_nl_socket(NETLINK_ROUTE);
	struct rtnl_link *link = NULL;
	struct nl_msg *msg;
	char extack[256] = "";
	int err;

	ztos_addr_str(addr, buf, sizeof(buf));
	rtm.rtm_dst_len = addr->family == AF_INET ? 32 : 128;
	msg = nlmsg_alloc_simple(RTM_GETROUTE, 0);
	if (!sk || !msg || nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) ||
	    nla_put(msg, RTA_DST, addr->family == AF_INET ? 4 : 16, &addr->v6)) {
		nlmsg_free(msg);
		err = -ENOMEM;
		goto out;
	}
	err = wg_nl_transact(sk, msg, route_cb, &r, extack, sizeof(extack));
	if (err) {
		wg_errf(e, err, "wireguard %s: no route to endpoint %s to derive the MTU from (RTM_GETROUTE): %s%s%s",
			self, buf, strerror(-err), *extack ? ": " : "", extack);
		goto out;
	}
	if (!r.oif || !if_indextoname((unsigned int)r.oif, dev)) {
		err = wg_errf(e, -ENETUNREACH, "wireguard %s: the route to endpoint %s has no device",
			      self, buf);
		goto out;
	}
	if (!strcmp(dev, self)) {
		err = wg_errf(e, -ELOOP, "wireguard %s: the route to endpoint %s goes through %s itself; route the endpoint through the underlay",
			      self, buf, self);
		goto out;
	}
	if (!r.mtu) {
		/* libnl's own sequence check on a socket we used: a fresh one */
		nl_socket_free(sk);
		sk = wg_nl_socket(NETLINK_ROUTE);
		err = sk ? rtnl_link_get_kernel(sk, r.oif, NULL, &link) : -NLE_NOMEM;
		if (err) {
			err = wg_errf(e, -EIO, "wireguard %s: read the MTU of %s: %s", self, dev,
				      nl_geterror(err));
			goto out;
		}
		r.mtu = rtnl_link_get_mtu(link);
		rtnl_link_put(link);
	}
	err = (int)r.mtu;
out:
	nl_socket_free(sk);
	return err;
}
