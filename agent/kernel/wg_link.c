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

#include "kernel/nl.h"
#include "kernel/wg.h"

/* One request over the agent's netlink transport; e gets the kernel's reason. */
static int request(int protocol, struct nl_msg *msg, ztnl_reply_fn reply, void *arg,
		   char *extack, size_t len)
{
	struct ztnl *nl;
	int err = ztnl_open(protocol, &nl);

	if (err) {
		ztnl_msg_free(msg);
		return err;
	}
	err = msg ? ztnl_talk(nl, msg, reply, arg, extack, len) : -ENOMEM;
	ztnl_close(nl);
	return err;
}

static int send_route(struct nl_msg *msg, const char *what, const char *ifname, struct ztos_err *e)
{
	char extack[ZTOS_ERR_EXTACK] = "";
	int err = request(NETLINK_ROUTE, msg, NULL, NULL, extack, sizeof(extack));

	if (err) {
		ztos_errmsg(e, err, "wireguard %s: %s: %s", ifname, what, strerror(-err));
		ztos_err_extack(e, extack);
	}
	return err;
}

static int link_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct wg_link *l = arg;
	struct ztnl_link k;

	if (ztnl_link_parse(nlh, &k))
		return 0;
	l->ifindex = k.ifindex;
	snprintf(l->kind, sizeof(l->kind), "%s", k.kind ? k.kind : "");
	l->ours = k.alias && !strcmp(k.alias, WG_ALIAS);
	l->up = k.flags & IFF_UP;
	l->mtu = k.mtu;
	return 0;
}

/* The link of ifname (ifindex 0) or of ifindex: 0, -ENODEV, or -errno with extack. */
static int link_read(const char *ifname, int ifindex, struct wg_link *l, char *extack, size_t len)
{
	struct nl_msg *msg = ztnl_link_msg(RTM_GETLINK, 0, ifindex, ifindex ? NULL : ifname);
	int err;

	memset(l, 0, sizeof(*l));
	if (msg && nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)) {
		ztnl_msg_free(msg);
		msg = NULL;
	}
	err = request(NETLINK_ROUTE, msg, link_cb, l, extack, len);
	if (!err && !l->ifindex)
		err = -ENODEV;
	return err;
}

int wg_link_get(const char *ifname, struct wg_link *l, struct ztos_err *e)
{
	char extack[ZTOS_ERR_EXTACK] = "";
	int err = link_read(ifname, 0, l, extack, sizeof(extack));

	if (err == -ENODEV)
		return err;
	if (err) {
		ztos_errmsg(e, err, "wireguard %s: read the link: %s", ifname, strerror(-err));
		ztos_err_extack(e, extack);
	}
	return err;
}

int wg_link_create(const char *ifname, struct ztos_err *e)
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
		ztos_errmsg(e, err, "wireguard %s: create the link: out of memory", ifname);
	return err;
}

static int change(const char *ifname, struct rtnl_link *changes, const char *what,
		  struct ztos_err *e)
{
	struct rtnl_link *orig = rtnl_link_alloc();
	struct nl_msg *msg = NULL;
	int err;

	if (!orig)
		return ztos_errmsg(e, -ENOMEM, "wireguard %s: %s: out of memory", ifname, what);
	rtnl_link_set_name(orig, ifname);
	rtnl_link_set_ifindex(orig, (int)if_nametoindex(ifname));
	err = rtnl_link_build_change_request(orig, changes, 0, &msg);
	rtnl_link_put(orig);
	if (err)
		return ztos_errmsg(e, -ENOMEM, "wireguard %s: %s: %s", ifname, what, nl_geterror(err));
	return send_route(msg, what, ifname, e);
}

int wg_link_mark(const char *ifname, struct ztos_err *e)
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

int wg_link_set(const char *ifname, unsigned int mtu, bool up, struct ztos_err *e)
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

int wg_link_delete(const char *ifname, struct ztos_err *e)
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
		return ztos_errmsg(e, -ENOMEM, "wireguard %s: delete: %s", ifname, nl_geterror(err));
	return send_route(msg, "delete the link (RTM_DELLINK)", ifname, e);
}

struct ours {
	char (*names)[IF_NAMESIZE];
	size_t n;
};

static int ours_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct ours *o = arg;
	char (*nv)[IF_NAMESIZE];
	struct ztnl_link k;

	if (ztnl_link_parse(nlh, &k) || !k.alias || strcmp(k.alias, WG_ALIAS))
		return 0;
	nv = realloc(o->names, (o->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	o->names = nv;
	snprintf(nv[o->n++], IF_NAMESIZE, "%s", k.name);
	return 0;
}

int wg_link_list_ours(char (**names)[IF_NAMESIZE], size_t *n)
{
	struct ours o = { 0 };
	struct ztnl *nl;
	int err = ztnl_open(NETLINK_ROUTE, &nl);

	if (!err)
		err = ztnl_link_dump(nl, ours_cb, &o);
	ztnl_close(nl);
	*names = o.names;
	*n = o.n;
	return err;
}

struct addrs {
	int ifindex;
	struct ztos_cidr *v;
	size_t n;
};

static int addr_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(nlh);
	struct nlattr *tb[IFA_MAX + 1], *a;
	struct addrs *as = arg;
	struct ztos_cidr c = { 0 }, *nv;

	if (nlh->nlmsg_type != RTM_NEWADDR || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    (int)ifa->ifa_index != as->ifindex ||
	    nlmsg_parse((struct nlmsghdr *)nlh, sizeof(*ifa), tb, IFA_MAX, NULL))
		return 0;
	/* IFA_LOCAL is the address of a point-to-point link, IFA_ADDRESS of the others. */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	c.addr.family = ifa->ifa_family;
	c.prefixlen = ifa->ifa_prefixlen;
	if (a && c.addr.family == AF_INET && nla_len(a) == 4)
		memcpy(&c.addr.v4, nla_data(a), 4);
	else if (a && c.addr.family == AF_INET6 && nla_len(a) == 16)
		memcpy(&c.addr.v6, nla_data(a), 16);
	else
		return 0;
	if (c.addr.family == AF_INET6 && IN6_IS_ADDR_LINKLOCAL(&c.addr.v6))
		return 0;
	nv = realloc(as->v, (as->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	as->v = nv;
	nv[as->n++] = c;
	return 0;
}

int wg_addr_list(int ifindex, struct ztos_cidr **out, size_t *n, struct ztos_err *e)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_UNSPEC, .ifa_index = (unsigned int)ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETADDR, 0);
	struct addrs as = { .ifindex = ifindex };
	char extack[ZTOS_ERR_EXTACK] = "";
	struct ztnl *nl = NULL;
	int err = -ENOMEM;

	if (msg && !nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO))
		err = ztnl_open(NETLINK_ROUTE, &nl);
	if (!err) {
		err = ztnl_dump(nl, msg, addr_cb, &as, extack, sizeof(extack));
		msg = NULL;
	}
	ztnl_msg_free(msg);
	ztnl_close(nl);
	if (err) {
		free(as.v);
		ztos_errmsg(e, err, "wireguard: read the addresses (RTM_GETADDR): %s",
			    strerror(-err));
		ztos_err_extack(e, extack);
		return err;
	}
	*out = as.v;
	*n = as.n;
	return 0;
}

int wg_addr_change(const char *ifname, int ifindex, const struct ztos_cidr *c, bool add,
		   struct ztos_err *e)
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
		return ztos_errmsg(e, -ENOMEM, "wireguard %s: address: %s", ifname, nl_geterror(err));
	snprintf(what, sizeof(what), "%s address %s (%s)", add ? "add" : "remove",
		 ztos_cidr_str(c, buf, sizeof(buf)), add ? "RTM_NEWADDR" : "RTM_DELADDR");
	return send_route(msg, what, ifname, e);
}

struct route_ans {
	int oif;
	unsigned int mtu;
};

/* Sizes checked before reading (nla_get_u32() reads 4 bytes whatever the attribute holds). */
static const struct nla_policy route_policy[RTA_MAX + 1] = {
	[RTA_OIF] = { .type = NLA_U32 },
	[RTA_METRICS] = { .type = NLA_NESTED },
};

static const struct nla_policy metrics_policy[RTAX_MAX + 1] = {
	[RTAX_MTU] = { .type = NLA_U32 },
};

static int route_cb(const struct nlmsghdr *nh, void *arg)
{
	struct route_ans *r = arg;
	struct nlattr *tb[RTA_MAX + 1], *mx[RTAX_MAX + 1];

	if (nh->nlmsg_type != RTM_NEWROUTE ||
	    nlmsg_parse((struct nlmsghdr *)nh, sizeof(struct rtmsg), tb, RTA_MAX,
			(struct nla_policy *)route_policy))
		return 0;
	if (tb[RTA_OIF])
		r->oif = (int)nla_get_u32(tb[RTA_OIF]);
	if (tb[RTA_METRICS] &&
	    !nla_parse_nested(mx, RTAX_MAX, tb[RTA_METRICS], (struct nla_policy *)metrics_policy) &&
	    mx[RTAX_MTU])
		r->mtu = nla_get_u32(mx[RTAX_MTU]);
	return 0;
}

int wg_route_mtu(const struct ztos_addr *addr, const char *self, struct ztos_err *e)
{
	struct rtmsg rtm = { .rtm_family = (unsigned char)addr->family };
	struct route_ans r = { 0 };
	char buf[INET6_ADDRSTRLEN], dev[IF_NAMESIZE] = "", extack[ZTOS_ERR_EXTACK] = "";
	struct nl_msg *msg;
	struct wg_link l;
	int err;

	ztos_addr_str(addr, buf, sizeof(buf));
	rtm.rtm_dst_len = addr->family == AF_INET ? 32 : 128;
	msg = nlmsg_alloc_simple(RTM_GETROUTE, 0);
	if (msg && (nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) ||
		    nla_put(msg, RTA_DST, addr->family == AF_INET ? 4 : 16, &addr->v6))) {
		ztnl_msg_free(msg);
		msg = NULL;
	}
	err = request(NETLINK_ROUTE, msg, route_cb, &r, extack, sizeof(extack));
	if (err) {
		ztos_errmsg(e, err, "wireguard %s: no route to endpoint %s to derive the MTU from "
			    "(RTM_GETROUTE): %s", self, buf, strerror(-err));
		ztos_err_extack(e, extack);
		return err;
	}
	if (!r.oif || !if_indextoname((unsigned int)r.oif, dev))
		return ztos_errmsg(e, -ENETUNREACH, "wireguard %s: the route to endpoint %s has no "
				   "device", self, buf);
	if (!strcmp(dev, self))
		return ztos_errmsg(e, -ELOOP, "wireguard %s: the route to endpoint %s goes through "
				   "%s itself; route the endpoint through the underlay", self, buf,
				   self);
	if (r.mtu)
		return (int)r.mtu;
	err = link_read(NULL, r.oif, &l, extack, sizeof(extack));
	if (err) {
		ztos_errmsg(e, err, "wireguard %s: read the MTU of %s: %s", self, dev, strerror(-err));
		ztos_err_extack(e, extack);
		return err;
	}
	return (int)l.mtu;
}
