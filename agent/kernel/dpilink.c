// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DPI link over the agent's netlink transport (nl.h): libnl builds the veth request,
 * ztnl sends it, so a refusal comes back with the kernel's own reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/rtnetlink.h>
#include <netlink/genl/genl.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "kernel/dpilink.h"
#include "kernel/nl.h"

/* What marks the pair as ours: ztos never deletes a link it did not make. */
#define DPI_ALIAS "ztos: DPI mirror link"

struct seen {
	int ifindex;
	bool ours;
};

static int seen_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct seen *s = arg;
	struct ztnl_link l;

	if (ztnl_link_parse(nlh, &l))
		return 0;
	s->ifindex = l.ifindex;
	s->ours = l.alias && !strcmp(l.alias, DPI_ALIAS);
	return 0;
}

/*
 * 1: ours, 0: not ours, -ENODEV: no such link, or the -errno of a lookup that failed (a
 * link that is there must not be taken for one that is not).
 */
static int owned(struct ztnl *nl, const char *name, char *extack, size_t len)
{
	struct seen s = { 0 };
	int err = ztnl_talk(nl, ztnl_link_msg(RTM_GETLINK, 0, 0, name), seen_cb, &s, extack, len);

	if (err)
		return err;
	return s.ifindex ? s.ours : -ENODEV;
}

/* The mirror link carries copies only: no IPv6 of its own (no DAD, no MLD noise). */
static void quiet(const char *name)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/ipv6/conf/%s/disable_ipv6", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);	/* absent without IPv6: nothing to quiet */
	if (fd >= 0) {
		ssize_t n = write(fd, "1", 1);

		(void)n;
		close(fd);
	}
}

static int fail(struct ztos_err *e, int err, const char *extack, const char *what)
{
	ztos_errmsg(e, err, "DPI link: %s %s/%s: %s", what, DPI_LINK_TX, DPI_LINK_RX,
		    strerror(-err));
	ztos_err_extack(e, extack);
	return err;
}

static int create(struct ztnl *nl, struct ztos_err *e)
{
	struct rtnl_link *veth = rtnl_link_veth_alloc(), *peer;
	char extack[ZTOS_ERR_EXTACK] = "";
	struct nl_msg *msg = NULL;
	int err;

	peer = veth ? rtnl_link_veth_get_peer(veth) : NULL;
	if (!peer) {
		if (veth)
			rtnl_link_veth_release(veth);
		return fail(e, -ENOMEM, NULL, "create the veth pair");
	}
	rtnl_link_set_name(veth, DPI_LINK_TX);
	rtnl_link_set_name(peer, DPI_LINK_RX);
	rtnl_link_put(peer);
	err = rtnl_link_build_add_request(veth, NLM_F_CREATE | NLM_F_EXCL, &msg) ? -ENOMEM : 0;
	rtnl_link_veth_release(veth);
	if (!err)
		err = ztnl_talk(nl, msg, NULL, NULL, extack, sizeof(extack));
	return err ? fail(e, err, extack, "create the veth pair") : 0;
}

/* Up, and marked as ours. */
static int set_up(struct ztnl *nl, const char *name, struct ztos_err *e)
{
	struct nl_msg *msg = ztnl_link_msg(RTM_NEWLINK, 0, 0, name);
	char extack[ZTOS_ERR_EXTACK] = "";
	struct ifinfomsg *ifi;
	int err = -ENOMEM;

	if (msg && !nla_put_string(msg, IFLA_IFALIAS, DPI_ALIAS)) {
		ifi = nlmsg_data(nlmsg_hdr(msg));
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
		err = ztnl_talk(nl, msg, NULL, NULL, extack, sizeof(extack));
		msg = NULL;
	}
	ztnl_msg_free(msg);
	return err ? fail(e, err, extack, "bring up and mark") : 0;
}

int dpi_link_ensure(struct ztos_err *e)
{
	char extack[ZTOS_ERR_EXTACK] = "";
	struct ztnl *nl;
	int ret = ztnl_open(NETLINK_ROUTE, &nl);

	if (ret)
		return fail(e, ret, NULL, "open a netlink socket for");
	ret = owned(nl, DPI_LINK_TX, extack, sizeof(extack));
	if (ret == 0) {
		ret = ztos_errmsg(e, -EEXIST, "DPI link: %s exists and is not ztos's; rename or "
				  "delete it", DPI_LINK_TX);
		goto out;
	}
	if (ret < 0 && ret != -ENODEV) {
		fail(e, ret, extack, "look up");
		goto out;
	}
	ret = ret < 0 ? create(nl, e) : 0;
	if (ret)
		goto out;
	quiet(DPI_LINK_TX);
	quiet(DPI_LINK_RX);
	ret = set_up(nl, DPI_LINK_TX, e);
	if (!ret)
		ret = set_up(nl, DPI_LINK_RX, e);
out:
	ztnl_close(nl);
	return ret;
}

int dpi_link_remove(void)
{
	struct ztnl *nl;
	int ret = ztnl_open(NETLINK_ROUTE, &nl);

	if (ret)
		return 0;
	ret = owned(nl, DPI_LINK_TX, NULL, 0) == 1 &&
	      !ztnl_talk(nl, ztnl_link_msg(RTM_DELLINK, 0, 0, DPI_LINK_TX), NULL, NULL, NULL, 0);
	ztnl_close(nl);
	return ret;
}

/*
 * The kernel's "netdev" generic netlink family (include/uapi/linux/netdev.h, Linux 6.17
 * and later for the threaded attribute); Debian 12's headers predate it, so the numbers
 * the kernel fixed are spelled here.
 */
#define NETDEV_GENL_NAME "netdev"
#define NETDEV_GENL_VERSION 1
#define NETDEV_CMD_NAPI_GET 11
#define NETDEV_CMD_NAPI_SET 14
#define NETDEV_A_NAPI_IFINDEX 1
#define NETDEV_A_NAPI_ID 2
#define NETDEV_A_NAPI_PID 4
#define NETDEV_A_NAPI_THREADED 8
#define NAPI_MAX 64		/* a veth has one NAPI instance per receive queue */

struct napis {
	uint32_t id[NAPI_MAX];
	int pid[NAPI_MAX];	/* its kernel thread, 0: none */
	unsigned int n;
};

static int napi_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[NETDEV_A_NAPI_THREADED + 1];
	struct napis *n = arg;

	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, NETDEV_A_NAPI_THREADED, NULL) ||
	    !tb[NETDEV_A_NAPI_ID] || n->n == NAPI_MAX)
		return 0;
	n->pid[n->n] = tb[NETDEV_A_NAPI_PID] ? (int)nla_get_u32(tb[NETDEV_A_NAPI_PID]) : 0;
	n->id[n->n++] = nla_get_u32(tb[NETDEV_A_NAPI_ID]);
	return 0;
}

static int napi_fail(struct ztos_err *e, int err, const char *extack, const char *what)
{
	ztos_errmsg(e, err, "DPI link: %s %s: %s", what, DPI_LINK_RX, strerror(-err));
	ztos_err_extack(e, extack);
	return err;
}

static int napi_list(struct ztnl *nl, int family, int ifindex, struct napis *out,
		     struct ztos_err *e)
{
	struct nl_msg *msg = ztnl_genl_msg(family, NETDEV_CMD_NAPI_GET, NETDEV_GENL_VERSION, 0);
	char extack[ZTOS_ERR_EXTACK] = "";
	int err;

	if (!msg || nla_put_u32(msg, NETDEV_A_NAPI_IFINDEX, (uint32_t)ifindex)) {
		ztnl_msg_free(msg);
		return napi_fail(e, -ENOMEM, NULL, "list the NAPI instances of");
	}
	err = ztnl_dump(nl, msg, napi_cb, out, extack, sizeof(extack));
	if (err)
		return napi_fail(e, err, extack, "list the NAPI instances of");
	if (!out->n)
		return ztos_errmsg(e, -ENOENT, "DPI link: %s has no NAPI instance (its XDP "
				   "program runs in generic mode)", DPI_LINK_RX);
	return 0;
}

static int napi_thread(struct ztnl *nl, int family, uint32_t id, struct ztos_err *e)
{
	struct nl_msg *msg = ztnl_genl_msg(family, NETDEV_CMD_NAPI_SET, NETDEV_GENL_VERSION, 0);
	char extack[ZTOS_ERR_EXTACK] = "";
	int err;

	if (!msg || nla_put_u32(msg, NETDEV_A_NAPI_ID, id) ||
	    nla_put_u32(msg, NETDEV_A_NAPI_THREADED, 1)) {
		ztnl_msg_free(msg);
		return napi_fail(e, -ENOMEM, NULL, "make threaded the NAPI of");
	}
	err = ztnl_talk(nl, msg, NULL, NULL, extack, sizeof(extack));
	return err ? napi_fail(e, err, extack, "make threaded (netdev napi-set) the NAPI of") : 0;
}

int dpi_link_threaded(int *pid, struct ztos_err *e)
{
	struct napis n = { .n = 0 };
	struct ztnl *nl;
	int ret = ztnl_open(NETLINK_GENERIC, &nl), family, ifindex;

	if (ret)
		return napi_fail(e, ret, NULL, "open a generic netlink socket for");
	family = ztnl_genl_family(nl, NETDEV_GENL_NAME);
	ifindex = ztnl_ifindex(nl, DPI_LINK_RX);
	if (family < 0)
		ret = napi_fail(e, family == -ENOENT ? -EOPNOTSUPP : family, NULL,
				"the kernel has no netdev netlink family for");
	else if (ifindex < 0)
		ret = napi_fail(e, ifindex, NULL, "look up");
	else
		ret = napi_list(nl, family, ifindex, &n, e);
	for (unsigned int i = 0; !ret && i < n.n; i++)
		ret = napi_thread(nl, family, n.id[i], e);
	if (!ret) {	/* read back: the thread is what the kernel says there is */
		n.n = 0;
		ret = napi_list(nl, family, ifindex, &n, e);
	}
	if (!ret && !n.pid[0])
		ret = ztos_errmsg(e, -ENOTSUP, "DPI link: %s's NAPI has no thread after "
				  "napi-set threaded", DPI_LINK_RX);
	*pid = ret ? 0 : n.pid[0];
	ztnl_close(nl);
	return ret;
}
