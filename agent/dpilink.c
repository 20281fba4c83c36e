// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <netlink/netlink.h>
#include <netlink/route/link.h>
#include <netlink/route/link/veth.h>

#include "dpilink.h"

/* What marks the pair as ours: ztos never deletes a link it did not make. */
#define DPI_ALIAS "ztos: DPI mirror link"

static struct nl_sock *route_socket(void)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (sk && nl_connect(sk, NETLINK_ROUTE)) {
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

/* -1: no such link, 0: not ours, 1: ours */
static int owned(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link = NULL;
	const char *alias;
	int ret;

	if (rtnl_link_get_kernel(sk, 0, name, &link))
		return -1;
	alias = rtnl_link_get_ifalias(link);
	ret = alias && !strcmp(alias, DPI_ALIAS);
	rtnl_link_put(link);
	return ret;
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

static int set_up(struct nl_sock *sk, const char *name)
{
	struct rtnl_link *link = NULL, *change = rtnl_link_alloc();
	int ret;

	if (!change)
		return -NLE_NOMEM;
	ret = rtnl_link_get_kernel(sk, 0, name, &link);
	if (!ret) {
		rtnl_link_set_flags(change, IFF_UP);
		rtnl_link_set_ifalias(change, DPI_ALIAS);
		ret = rtnl_link_change(sk, link, change, 0);
	}
	rtnl_link_put(link);
	rtnl_link_put(change);
	return ret;
}

int dpi_link_ensure(char *err, size_t len)
{
	struct nl_sock *sk = route_socket();
	struct rtnl_link *veth = NULL, *peer;
	int ret;

	if (!sk) {
		snprintf(err, len, "DPI link: cannot open a netlink socket");
		return -EIO;
	}
	ret = owned(sk, DPI_LINK_TX);
	if (ret == 0) {
		snprintf(err, len, "DPI link: %s exists and is not ztos's; rename or delete it",
			 DPI_LINK_TX);
		ret = -EEXIST;
		goto out;
	}
	if (ret < 0) {
		veth = rtnl_link_veth_alloc();
		peer = veth ? rtnl_link_veth_get_peer(veth) : NULL;
		if (!peer) {
			ret = -ENOMEM;
			goto out;
		}
		rtnl_link_set_name(veth, DPI_LINK_TX);
		rtnl_link_set_name(peer, DPI_LINK_RX);
		rtnl_link_put(peer);
		ret = rtnl_link_add(sk, veth, NLM_F_CREATE | NLM_F_EXCL);
		if (ret) {
			snprintf(err, len, "DPI link: create the veth pair %s/%s: %s", DPI_LINK_TX,
				 DPI_LINK_RX, nl_geterror(ret));
			ret = -EIO;
			goto out;
		}
	}
	quiet(DPI_LINK_TX);
	quiet(DPI_LINK_RX);
	ret = set_up(sk, DPI_LINK_TX);
	if (!ret)
		ret = set_up(sk, DPI_LINK_RX);
	if (ret) {
		snprintf(err, len, "DPI link: bring %s/%s up: %s", DPI_LINK_TX, DPI_LINK_RX,
			 nl_geterror(ret));
		ret = -EIO;
	}
out:
	if (veth)
		rtnl_link_veth_release(veth);
	nl_socket_free(sk);
	return ret;
}

int dpi_link_remove(void)
{
	struct nl_sock *sk = route_socket();
	struct rtnl_link *link = rtnl_link_alloc();
	int ret = 0;

	if (sk && link && owned(sk, DPI_LINK_TX) == 1) {
		rtnl_link_set_name(link, DPI_LINK_TX);
		ret = rtnl_link_delete(sk, link) ? 0 : 1;
	}
	rtnl_link_put(link);
	nl_socket_free(sk);
	return ret;
}
