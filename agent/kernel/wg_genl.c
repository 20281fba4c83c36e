// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-kernel WireGuard over its generic netlink family "wireguard" (linux/wireguard.h).
 * GET is a dump: a device with many peers or allowed IPs comes in several messages, and
 * a peer can be split between two of them (the next message starts with the same
 * public key and carries the rest of its allowed IPs), so peers are merged by key.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <linux/wireguard.h>
#include <linux/time_types.h>

#include <netlink/genl/genl.h>

#include "kernel/nl.h"
#include "kernel/wg.h"

/*
 * One peer per SET message after the first: a refusal names its peer. A peer with more
 * allowed IPs than one message holds goes in several, as wg(8) does: the first replaces
 * its allowed IPs, the next ones add to them.
 */
#define SET_MSG_SIZE (64 * 1024)
#define IPS_PER_MSG 1024	/* about 30 KiB of attributes */

static int open_family(struct ztnl **nl, int *family)
{
	int err = ztnl_open(NETLINK_GENERIC, nl);

	if (err)
		return err;
	*family = ztnl_genl_family(*nl, WG_GENL_NAME);
	if (*family < 0) {
		ztnl_close(*nl);
		*nl = NULL;
		return -EOPNOTSUPP;
	}
	return 0;
}

bool wg_genl_available(void)
{
	struct ztnl *nl;
	int family;

	if (open_family(&nl, &family))
		return false;
	ztnl_close(nl);
	return true;
}

/*
 * Sizes checked before reading (nla_get_u16() reads 2 bytes whatever the attribute
 * holds); keys, addresses and times are checked where they are read.
 */
static const struct nla_policy device_policy[WGDEVICE_A_MAX + 1] = {
	[WGDEVICE_A_LISTEN_PORT] = { .type = NLA_U16 },
	[WGDEVICE_A_PEERS] = { .type = NLA_NESTED },
};

static const struct nla_policy peer_policy[WGPEER_A_MAX + 1] = {
	[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL] = { .type = NLA_U16 },
	[WGPEER_A_RX_BYTES] = { .type = NLA_U64 },
	[WGPEER_A_TX_BYTES] = { .type = NLA_U64 },
	[WGPEER_A_ALLOWEDIPS] = { .type = NLA_NESTED },
};

static const struct nla_policy allowedip_policy[WGALLOWEDIP_A_MAX + 1] = {
	[WGALLOWEDIP_A_FAMILY] = { .type = NLA_U16 },
	[WGALLOWEDIP_A_CIDR_MASK] = { .type = NLA_U8 },
};

static void sockaddr_to_endpoint(const struct nlattr *a, struct wg_peer *p)
{
	const struct sockaddr *sa = nla_data(a);

	if (nla_len(a) >= (int)sizeof(struct sockaddr_in) && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = nla_data(a);

		p->endpoint.addr.family = AF_INET;
		p->endpoint.addr.v4 = in->sin_addr;
		p->endpoint.port = ntohs(in->sin_port);
		p->has_endpoint = true;
	} else if (nla_len(a) >= (int)sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = nla_data(a);

		p->endpoint.addr.family = AF_INET6;
		p->endpoint.addr.v6 = in6->sin6_addr;
		p->endpoint.port = ntohs(in6->sin6_port);
		p->has_endpoint = true;
	}
}

static int parse_allowed_ip(const struct nlattr *nest, struct wg_peer *p)
{
	struct nlattr *tb[WGALLOWEDIP_A_MAX + 1];
	struct ztos_cidr c = { 0 };
	int family;

	if (nla_parse_nested(tb, WGALLOWEDIP_A_MAX, (struct nlattr *)nest,
			     (struct nla_policy *)allowedip_policy))
		return -EBADMSG;
	if (!tb[WGALLOWEDIP_A_FAMILY] || !tb[WGALLOWEDIP_A_IPADDR] || !tb[WGALLOWEDIP_A_CIDR_MASK])
		return -EBADMSG;
	family = nla_get_u16(tb[WGALLOWEDIP_A_FAMILY]);
	c.addr.family = family;
	c.prefixlen = nla_get_u8(tb[WGALLOWEDIP_A_CIDR_MASK]);
	if (family == AF_INET && nla_len(tb[WGALLOWEDIP_A_IPADDR]) == 4)
		memcpy(&c.addr.v4, nla_data(tb[WGALLOWEDIP_A_IPADDR]), 4);
	else if (family == AF_INET6 && nla_len(tb[WGALLOWEDIP_A_IPADDR]) == 16)
		memcpy(&c.addr.v6, nla_data(tb[WGALLOWEDIP_A_IPADDR]), 16);
	else
		return -EBADMSG;
	return wg_peer_add_ip(p, &c);
}

struct get_ctx {
	struct wg_dev *dev;
	bool seen;
};

static int parse_peer(const struct nlattr *nest, struct get_ctx *g)
{
	struct nlattr *tb[WGPEER_A_MAX + 1], *ip;
	struct wg_dev *d = g->dev;
	struct wg_peer *p;
	int rem, err;

	if (nla_parse_nested(tb, WGPEER_A_MAX, (struct nlattr *)nest, (struct nla_policy *)peer_policy))
		return -EBADMSG;
	if (!tb[WGPEER_A_PUBLIC_KEY] || nla_len(tb[WGPEER_A_PUBLIC_KEY]) != WG_KEY_LEN)
		return -EBADMSG;
	/* The rest of a peer that the previous message could not hold. */
	p = d->n_peers ? &d->peers[d->n_peers - 1] : NULL;
	if (!p || memcmp(p->key, nla_data(tb[WGPEER_A_PUBLIC_KEY]), WG_KEY_LEN)) {
		p = wg_dev_add_peer(d);
		if (!p)
			return -ENOMEM;
		memcpy(p->key, nla_data(tb[WGPEER_A_PUBLIC_KEY]), WG_KEY_LEN);
	}
	if (tb[WGPEER_A_ENDPOINT])
		sockaddr_to_endpoint(tb[WGPEER_A_ENDPOINT], p);
	if (tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL])
		p->keepalive = nla_get_u16(tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL]);
	if (tb[WGPEER_A_LAST_HANDSHAKE_TIME] &&
	    nla_len(tb[WGPEER_A_LAST_HANDSHAKE_TIME]) == sizeof(struct __kernel_timespec)) {
		struct __kernel_timespec ts;

		/* Attributes are 4-byte aligned; a timespec wants 8 (a fuzzer found it). */
		memcpy(&ts, nla_data(tb[WGPEER_A_LAST_HANDSHAKE_TIME]), sizeof(ts));
		p->handshake_sec = ts.tv_sec;
	}
	if (tb[WGPEER_A_RX_BYTES])
		p->rx_bytes = nla_get_u64(tb[WGPEER_A_RX_BYTES]);
	if (tb[WGPEER_A_TX_BYTES])
		p->tx_bytes = nla_get_u64(tb[WGPEER_A_TX_BYTES]);
	if (tb[WGPEER_A_ALLOWEDIPS]) {
		nla_for_each_nested(ip, tb[WGPEER_A_ALLOWEDIPS], rem) {
			err = parse_allowed_ip(ip, p);
			if (err)
				return err;
		}
	}
	return 0;
}

static int get_cb(const struct nlmsghdr *nh, void *arg)
{
	struct nlattr *tb[WGDEVICE_A_MAX + 1], *peer;
	struct get_ctx *g = arg;
	struct wg_dev *d = g->dev;
	int rem, err;

	if (genlmsg_parse((struct nlmsghdr *)nh, 0, tb, WGDEVICE_A_MAX,
			  (struct nla_policy *)device_policy))
		return -EBADMSG;
	g->seen = true;
	if (tb[WGDEVICE_A_PRIVATE_KEY] && nla_len(tb[WGDEVICE_A_PRIVATE_KEY]) == WG_KEY_LEN) {
		memcpy(d->private_key, nla_data(tb[WGDEVICE_A_PRIVATE_KEY]), WG_KEY_LEN);
		/* The kernel answers all zeros for a device that has no key yet. */
		d->has_private_key = false;
		for (int i = 0; i < WG_KEY_LEN; i++)
			d->has_private_key |= d->private_key[i] != 0;
		/* The transport wipes the receive buffer; the copy in d is wiped by wg_dev_free(). */
	}
	if (tb[WGDEVICE_A_PUBLIC_KEY] && nla_len(tb[WGDEVICE_A_PUBLIC_KEY]) == WG_KEY_LEN)
		memcpy(d->public_key, nla_data(tb[WGDEVICE_A_PUBLIC_KEY]), WG_KEY_LEN);
	if (tb[WGDEVICE_A_LISTEN_PORT])
		d->port = nla_get_u16(tb[WGDEVICE_A_LISTEN_PORT]);
	if (tb[WGDEVICE_A_PEERS]) {
		nla_for_each_nested(peer, tb[WGDEVICE_A_PEERS], rem) {
			err = parse_peer(peer, g);
			if (err)
				return err;
		}
	}
	return 0;
}

static int kernel_get(const char *ifname, struct wg_dev *out, struct ztos_err *e)
{
	char extack[ZTOS_ERR_EXTACK] = "";
	struct get_ctx g = { .dev = out };
	struct ztnl *nl = NULL;
	struct nl_msg *msg;
	int family, err;

	memset(out, 0, sizeof(*out));
	err = open_family(&nl, &family);
	if (err)
		return ztos_errmsg(e, err, "wireguard %s: read: kernel has no WireGuard support "
				   "(CONFIG_WIREGUARD)", ifname);
	msg = ztnl_genl_msg(family, WG_CMD_GET_DEVICE, WG_GENL_VERSION, 0);
	if (!msg || nla_put_string(msg, WGDEVICE_A_IFNAME, ifname)) {
		ztnl_msg_free(msg);
		err = -ENOMEM;
		goto out;
	}
	err = ztnl_dump(nl, msg, get_cb, &g, extack, sizeof(extack));
	if (!err && !g.seen)
		err = -ENODEV;
	if (err && err != -ENODEV) {
		ztos_errmsg(e, err, "wireguard %s: read the device (WG_CMD_GET_DEVICE): %s",
			    ifname, strerror(-err));
		ztos_err_extack(e, extack);
	}
out:
	ztnl_close(nl);
	if (err)
		wg_dev_free(out);
	return err;
}

static int put_endpoint(struct nl_msg *msg, const struct ztos_endpoint *ep)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in in = { .sin_family = AF_INET };

	if (ep->addr.family == AF_INET) {
		in.sin_addr = ep->addr.v4;
		in.sin_port = htons(ep->port);
		return nla_put(msg, WGPEER_A_ENDPOINT, sizeof(in), &in);
	}
	in6.sin6_addr = ep->addr.v6;
	in6.sin6_port = htons(ep->port);
	return nla_put(msg, WGPEER_A_ENDPOINT, sizeof(in6), &in6);
}

static int put_ips(struct nl_msg *msg, const struct wg_peer *p, size_t from, size_t to)
{
	struct nlattr *ips = nla_nest_start(msg, WGPEER_A_ALLOWEDIPS), *ip;

	if (!ips)
		return -ENOMEM;
	for (size_t i = from; i < to; i++) {
		const struct ztos_cidr *c = &p->ips[i];
		bool v4 = c->addr.family == AF_INET;

		ip = nla_nest_start(msg, (int)i + 1);
		if (!ip || nla_put_u16(msg, WGALLOWEDIP_A_FAMILY, c->addr.family) ||
		    nla_put(msg, WGALLOWEDIP_A_IPADDR, v4 ? 4 : 16,
			    v4 ? (const void *)&c->addr.v4 : (const void *)&c->addr.v6) ||
		    nla_put_u8(msg, WGALLOWEDIP_A_CIDR_MASK, c->prefixlen))
			return -ENOMEM;
		nla_nest_end(msg, ip);
	}
	nla_nest_end(msg, ips);
	return 0;
}

/* The peer's change, with its allowed IPs from..to (from > 0: a continuation). */
static int put_peer(struct nl_msg *msg, const struct wg_peer_change *pc, size_t from, size_t to)
{
	const struct wg_peer *p = pc->p;
	struct nlattr *peers = nla_nest_start(msg, WGDEVICE_A_PEERS), *peer;
	uint32_t flags = 0;

	if (!peers || !(peer = nla_nest_start(msg, 1)))
		return -ENOMEM;
	if (pc->op == WG_PEER_REMOVE)
		flags = WGPEER_F_REMOVE_ME;
	else if (pc->op == WG_PEER_UPDATE || from)
		flags = WGPEER_F_UPDATE_ONLY;
	if (pc->replace_ips && !from)
		flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
	if (nla_put(msg, WGPEER_A_PUBLIC_KEY, WG_KEY_LEN, p->key) ||
	    nla_put_u32(msg, WGPEER_A_FLAGS, flags))
		return -ENOMEM;
	if (pc->op != WG_PEER_REMOVE && from) {
		if (put_ips(msg, p, from, to))
			return -ENOMEM;
	} else if (pc->op != WG_PEER_REMOVE) {
		if (pc->set_endpoint && p->has_endpoint && put_endpoint(msg, &p->endpoint))
			return -ENOMEM;
		if (pc->set_keepalive &&
		    nla_put_u16(msg, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, p->keepalive))
			return -ENOMEM;
		if (pc->replace_ips && put_ips(msg, p, 0, to))
			return -ENOMEM;
	}
	nla_nest_end(msg, peer);
	nla_nest_end(msg, peers);
	return 0;
}

static const char *op_name(enum wg_op op)
{
	return op == WG_PEER_ADD ? "add" : op == WG_PEER_UPDATE ? "update" : "remove";
}

static int send_set(struct ztnl *nl, int family, const char *ifname, const struct wg_change *c,
		    const struct wg_peer_change *pc, size_t from, size_t to, struct ztos_err *e)
{
	struct nl_msg *msg = nlmsg_alloc_size(SET_MSG_SIZE);
	char extack[ZTOS_ERR_EXTACK] = "", key[45], what[96];
	int err = -ENOMEM;

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, 0, WG_CMD_SET_DEVICE,
				 WG_GENL_VERSION) ||
	    nla_put_string(msg, WGDEVICE_A_IFNAME, ifname))
		goto fail;
	if (!pc) {
		if (c->set_private_key &&
		    nla_put(msg, WGDEVICE_A_PRIVATE_KEY, WG_KEY_LEN, c->private_key))
			goto fail;
		if (c->set_port && nla_put_u16(msg, WGDEVICE_A_LISTEN_PORT, c->port))
			goto fail;
		if (c->replace_peers && nla_put_u32(msg, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS))
			goto fail;
	} else if (put_peer(msg, pc, from, to)) {
		err = -E2BIG;
		goto fail;
	}
	/* The message may hold the private key: the transport wipes it, sent or not. */
	err = ztnl_talk(nl, msg, NULL, NULL, extack, sizeof(extack));
	msg = NULL;
	if (!err)
		return 0;
fail:
	ztnl_msg_free(msg);
	if (pc) {
		ztos_errmsg(e, err, "wireguard %s: peer %s: %s (WG_CMD_SET_DEVICE): %s", ifname,
			    ztos_key_str(pc->p->key, key, sizeof(key)), op_name(pc->op),
			    strerror(-err));
		ztos_err_extack(e, extack);
		return err;
	}
	snprintf(what, sizeof(what), "%s%s%s%s%s", c->set_private_key ? "private key" : "",
		 c->set_private_key && (c->set_port || c->replace_peers) ? ", " : "",
		 c->set_port ? "listen port" : "", c->set_port && c->replace_peers ? ", " : "",
		 c->replace_peers ? "replace peers" : "");
	if (c->set_port)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), " %u", c->port);
	ztos_errmsg(e, err, "wireguard %s: set %s (WG_CMD_SET_DEVICE): %s", ifname, what,
		    strerror(-err));
	ztos_err_extack(e, extack);
	return err;
}

static int kernel_set(const char *ifname, const struct wg_change *c, struct ztos_err *e)
{
	struct ztnl *nl = NULL;
	int family, err;

	err = open_family(&nl, &family);
	if (err)
		return ztos_errmsg(e, err, "wireguard %s: kernel has no WireGuard support (CONFIG_WIREGUARD)",
			       ifname);
	if (c->set_private_key || c->set_port || c->replace_peers)
		err = send_set(nl, family, ifname, c, NULL, 0, 0, e);
	for (size_t i = 0; !err && i < c->n_peers; i++) {
		const struct wg_peer_change *pc = &c->peers[i];
		size_t n = pc->replace_ips ? pc->p->n_ips : 0;

		err = send_set(nl, family, ifname, c, pc, 0, n < IPS_PER_MSG ? n : IPS_PER_MSG, e);
		for (size_t from = IPS_PER_MSG; !err && from < n; from += IPS_PER_MSG)
			err = send_set(nl, family, ifname, c, pc, from,
				       n - from < IPS_PER_MSG ? n : from + IPS_PER_MSG, e);
	}
	ztnl_close(nl);
	return err;
}

const struct wg_backend wg_kernel = {
	.name = "kernel",
	.get = kernel_get,
	.set = kernel_set,
};
