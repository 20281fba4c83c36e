// SPDX-License-Identifier: GPL-2.0-only
/*
 * The DPI link over the agent's netlink transport (nl.h): libnl builds the veth request,
 * ztnl sends it, so a refusal comes back with the kernel's own reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/rtnetlink.h>
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
