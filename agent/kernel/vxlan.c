// SPDX-License-Identifier: GPL-2.0-only
/*
 * VXLAN devices, bridges, VRFs and head-end replication FDB entries over rtnetlink.
 * The links are built with libnl-route (rtnl_link_vxlan_*, rtnl_link_bridge_alloc,
 * rtnl_link_vrf_*), the FDB entries with rtnl_neigh; a change of attributes on an
 * existing link and the dumps are hand-built (libnl wants a cached copy for those).
 * Everything goes out through agent/kernel/nl.h, many messages per sendmsg().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/ip.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <netlink/addr.h>
#include <netlink/attr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/bridge.h>
#include <netlink/route/link/vrf.h>
#include <netlink/route/link/vxlan.h>
#include <netlink/route/neighbour.h>

#include "kernel/vxlan.h"

static const char *const prefixes[] = { "ztvx", "ztbr", "ztvrf" };

bool ovl_our_name(const char *name)
{
	for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
		size_t n = strlen(prefixes[i]);

		if (!strncmp(name, prefixes[i], n) && name[n] >= '0' && name[n] <= '9')
			return true;
	}
	return false;
}

bool ovl_owned(const struct ovl_dev *d)
{
	return ovl_our_name(d->name) &&
	       !strncmp(d->alias, OVL_ALIAS_PREFIX, strlen(OVL_ALIAS_PREFIX));
}

const char *ovl_kind_str(enum ovl_kind kind)
{
	static const char *const s[] = { "other", "vxlan", "bridge", "vrf" };

	return s[kind];
}

/* ---- the index: names and ifindexes to slots of v ---- */

static size_t hash_name(const char *s)
{
	size_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

static void index_insert(struct ovl_kernel *k, size_t i)
{
	size_t mask = k->slots - 1, h = hash_name(k->v[i].name) & mask;

	while (k->by_name[h] >= 0 && strcmp(k->v[k->by_name[h]].name, k->v[i].name))
		h = (h + 1) & mask;
	k->by_name[h] = (int)i;
	h = ((size_t)k->v[i].ifindex * 2654435761u) & mask;
	while (k->by_index[h] >= 0 && k->v[k->by_index[h]].ifindex != k->v[i].ifindex)
		h = (h + 1) & mask;
	k->by_index[h] = (int)i;
}

static int index_build(struct ovl_kernel *k)
{
	size_t slots = 64;

	while (slots < 2 * k->n + 2)
		slots *= 2;
	free(k->by_name);
	free(k->by_index);
	k->by_name = malloc(slots * sizeof(int));
	k->by_index = malloc(slots * sizeof(int));
	if (!k->by_name || !k->by_index)
		return -ENOMEM;
	memset(k->by_name, 0xff, slots * sizeof(int));
	memset(k->by_index, 0xff, slots * sizeof(int));
	k->slots = slots;
	for (size_t i = 0; i < k->n; i++)
		index_insert(k, i);
	return 0;
}

struct ovl_dev *ovl_find(const struct ovl_kernel *k, const char *name)
{
	size_t mask, h;

	if (!k->slots)
		return NULL;
	mask = k->slots - 1;
	for (h = hash_name(name) & mask; k->by_name[h] >= 0; h = (h + 1) & mask)
		if (!strcmp(k->v[k->by_name[h]].name, name))
			return &k->v[k->by_name[h]];
	return NULL;
}

struct ovl_dev *ovl_find_index(const struct ovl_kernel *k, int ifindex)
{
	size_t mask, h;

	if (!k->slots || ifindex <= 0)
		return NULL;
	mask = k->slots - 1;
	for (h = ((size_t)ifindex * 2654435761u) & mask; k->by_index[h] >= 0; h = (h + 1) & mask)
		if (k->v[k->by_index[h]].ifindex == ifindex)
			return &k->v[k->by_index[h]];
	return NULL;
}

void ovl_kernel_free(struct ovl_kernel *k)
{
	for (size_t i = 0; i < k->n; i++) {
		free(k->v[i].fdb);
		free(k->v[i].addrs);
	}
	free(k->v);
	free(k->by_name);
	free(k->by_index);
	*k = (struct ovl_kernel){ 0 };
}

/* ---- reading ---- */

/* Sizes checked before reading (nla_get_u32() reads 4 bytes whatever the attribute holds). */
static const struct nla_policy vxlan_policy[IFLA_VXLAN_MAX + 1] = {
	[IFLA_VXLAN_ID] = { .type = NLA_U32 },
	[IFLA_VXLAN_PORT] = { .type = NLA_U16 },
	[IFLA_VXLAN_LINK] = { .type = NLA_U32 },
	[IFLA_VXLAN_LEARNING] = { .type = NLA_U8 },
};

static const struct nla_policy vrf_policy[IFLA_VRF_MAX + 1] = {
	[IFLA_VRF_TABLE] = { .type = NLA_U32 },
};

static void parse_vxlan(struct ovl_dev *d, const struct nlattr *data)
{
	struct nlattr *tb[IFLA_VXLAN_MAX + 1];

	d->learning = true;	/* the kernel's default, and what an absent attribute means */
	if (!data || nla_parse_nested(tb, IFLA_VXLAN_MAX, (struct nlattr *)data,
				      (struct nla_policy *)vxlan_policy))
		return;
	if (tb[IFLA_VXLAN_ID])
		d->vni = nla_get_u32(tb[IFLA_VXLAN_ID]);
	if (tb[IFLA_VXLAN_LOCAL] && nla_len(tb[IFLA_VXLAN_LOCAL]) == 4) {
		d->local.family = AF_INET;
		memcpy(&d->local.v4, nla_data(tb[IFLA_VXLAN_LOCAL]), 4);
	} else if (tb[IFLA_VXLAN_LOCAL6] && nla_len(tb[IFLA_VXLAN_LOCAL6]) == 16) {
		d->local.family = AF_INET6;
		memcpy(&d->local.v6, nla_data(tb[IFLA_VXLAN_LOCAL6]), 16);
	}
	if (tb[IFLA_VXLAN_PORT])
		d->port = ntohs(nla_get_u16(tb[IFLA_VXLAN_PORT]));
	if (tb[IFLA_VXLAN_LINK])
		d->dev_ifindex = (int)nla_get_u32(tb[IFLA_VXLAN_LINK]);
	if (tb[IFLA_VXLAN_LEARNING])
		d->learning = nla_get_u8(tb[IFLA_VXLAN_LEARNING]);
}

/* Room for one more device in k->v. */
static int dev_reserve(struct ovl_kernel *k)
{
	size_t cap = k->cap ? k->cap * 2 : 256;
	struct ovl_dev *v;

	if (k->n < k->cap)
		return 0;
	v = realloc(k->v, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	k->v = v;
	k->cap = cap;
	return 0;
}

/* IFLA_AF_SPEC { AF_INET { IFLA_INET_CONF { [IPV4_DEVCONF_FORWARDING - 1]: u32 } } } */
static bool parse_forwarding(const struct nlmsghdr *nlh)
{
	const struct nlattr *spec = nlmsg_find_attr((struct nlmsghdr *)nlh,
						    sizeof(struct ifinfomsg), IFLA_AF_SPEC);
	struct nlattr *af[AF_MAX + 1], *in[IFLA_INET_MAX + 1];
	const uint32_t *conf;

	if (!spec || nla_parse_nested(af, AF_MAX, (struct nlattr *)spec, NULL) || !af[AF_INET] ||
	    nla_parse_nested(in, IFLA_INET_MAX, af[AF_INET], NULL) || !in[IFLA_INET_CONF] ||
	    nla_len(in[IFLA_INET_CONF]) < (int)(IPV4_DEVCONF_FORWARDING * sizeof(*conf)))
		return false;
	conf = nla_data(in[IFLA_INET_CONF]);
	return conf[IPV4_DEVCONF_FORWARDING - 1];
}

static int on_link(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *mac;
	struct ovl_kernel *k = arg;
	struct ztnl_link l;
	struct ovl_dev *d;

	if (ztnl_link_parse(nlh, &l))
		return 0;
	if (dev_reserve(k))
		return -ENOMEM;
	d = &k->v[k->n++];
	*d = (struct ovl_dev){ .ifindex = l.ifindex, .up = l.flags & IFF_UP, .mtu = l.mtu,
			       .master_ifindex = l.master };
	snprintf(d->name, sizeof(d->name), "%s", l.name);
	if (l.alias)
		snprintf(d->alias, sizeof(d->alias), "%s", l.alias);
	mac = nlmsg_find_attr((struct nlmsghdr *)nlh, sizeof(struct ifinfomsg), IFLA_ADDRESS);
	if (mac && nla_len(mac) == 6) {
		d->has_mac = true;
		memcpy(d->mac, nla_data(mac), 6);
	}
	d->forwarding = parse_forwarding(nlh);
	if (l.kind && !strcmp(l.kind, "vxlan")) {
		d->kind = OVL_VXLAN;
		parse_vxlan(d, l.info_data);
	} else if (l.kind && !strcmp(l.kind, "bridge")) {
		d->kind = OVL_BRIDGE;
	} else if (l.kind && !strcmp(l.kind, "vrf")) {
		struct nlattr *tb[IFLA_VRF_MAX + 1];

		d->kind = OVL_VRF;
		if (l.info_data &&
		    !nla_parse_nested(tb, IFLA_VRF_MAX, (struct nlattr *)l.info_data,
				      (struct nla_policy *)vrf_policy) &&
		    tb[IFLA_VRF_TABLE])
			d->table = nla_get_u32(tb[IFLA_VRF_TABLE]);
	}
	return 0;
}

static int on_fdb(const struct nlmsghdr *nlh, void *arg)
{
	static const uint8_t zero[6];
	struct nlattr *tb[NDA_MAX + 1];
	struct ovl_kernel *k = arg;
	const struct ndmsg *ndm;
	struct ztos_addr a = { 0 };
	struct ovl_dev *d;
	struct ztos_addr *v;

	if (nlh->nlmsg_type != RTM_NEWNEIGH ||
	    nlmsg_parse((struct nlmsghdr *)nlh, sizeof(*ndm), tb, NDA_MAX, NULL))
		return 0;
	ndm = NLMSG_DATA(nlh);
	if (!(ndm->ndm_flags & NTF_SELF) || !tb[NDA_LLADDR] || !tb[NDA_DST] ||
	    nla_len(tb[NDA_LLADDR]) != 6 || memcmp(nla_data(tb[NDA_LLADDR]), zero, 6))
		return 0;
	d = ovl_find_index(k, ndm->ndm_ifindex);
	if (!d || d->kind != OVL_VXLAN)
		return 0;
	if (nla_len(tb[NDA_DST]) == 4) {
		a.family = AF_INET;
		memcpy(&a.v4, nla_data(tb[NDA_DST]), 4);
	} else if (nla_len(tb[NDA_DST]) == 16) {
		a.family = AF_INET6;
		memcpy(&a.v6, nla_data(tb[NDA_DST]), 16);
	} else {
		return 0;
	}
	v = realloc(d->fdb, (d->n_fdb + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	v[d->n_fdb++] = a;
	d->fdb = v;
	return 0;
}

/* A dump of type with its header hdr (which filters it), each answer to fn; what: for e. */
static int dump(struct ztnl *nl, int type, const void *hdr, size_t len, ztnl_reply_fn fn,
		struct ovl_kernel *k, const char *what, struct ztos_err *e)
{
	struct nl_msg *msg = nlmsg_alloc_simple(type, 0);
	char extack[ZTOS_ERR_EXTACK] = "";
	int ret;

	if (msg && nlmsg_append(msg, (void *)hdr, len, NLMSG_ALIGNTO)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	ret = ztnl_dump(nl, msg, fn, k, extack, sizeof(extack));
	if (ret) {
		ztos_errmsg(e, ret, "read %s: %s", what, strerror(-ret));
		ztos_err_extack(e, extack);
	}
	return ret;
}

static int read_fdb(struct ztnl *nl, struct ovl_kernel *k, int ifindex, struct ztos_err *e)
{
	struct ndmsg ndm = { .ndm_family = AF_BRIDGE, .ndm_ifindex = ifindex };

	return dump(nl, RTM_GETNEIGH, &ndm, sizeof(ndm), on_fdb, k, "the bridge FDB", e);
}

static int on_addr(const struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[IFA_MAX + 1];
	struct ovl_kernel *k = arg;
	const struct ifaddrmsg *ifa;
	struct ovl_addr *v;
	struct ovl_dev *d;
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWADDR ||
	    nlmsg_parse((struct nlmsghdr *)nlh, sizeof(*ifa), tb, IFA_MAX, NULL))
		return 0;
	ifa = NLMSG_DATA(nlh);
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	d = ovl_find_index(k, (int)ifa->ifa_index);
	if (ifa->ifa_family != AF_INET || !a || nla_len(a) != 4 || !d)
		return 0;
	v = realloc(d->addrs, (d->n_addrs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	d->addrs = v;
	v = &v[d->n_addrs++];
	*v = (struct ovl_addr){ .cidr = { .addr.family = AF_INET, .prefixlen = ifa->ifa_prefixlen },
				.ours = tb[IFA_PROTO] && nla_get_u8(tb[IFA_PROTO]) == OVL_ADDR_PROTO };
	memcpy(&v->cidr.addr.v4, nla_data(a), 4);
	return 0;
}

/* IPv4 addresses: of one link (ifindex), or of all (0). */
static int read_addrs(struct ztnl *nl, struct ovl_kernel *k, int ifindex, struct ztos_err *e)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_index = (uint32_t)ifindex };

	return dump(nl, RTM_GETADDR, &ifa, sizeof(ifa), on_addr, k, "the IPv4 addresses", e);
}

int ovl_kernel_read_addrs(struct ztnl *nl, struct ovl_kernel *k, struct ovl_dev *d,
			  struct ztos_err *e)
{
	int ret;

	if (d->addrs_read || d->ifindex <= 0)
		return 0;
	ret = read_addrs(nl, k, d->ifindex, e);
	d->addrs_read = !ret;
	return ret;
}

int ovl_kernel_read_fdb(struct ztnl *nl, struct ovl_kernel *k, struct ovl_dev *d,
			struct ztos_err *e)
{
	int ret;

	if (d->fdb_read || d->kind != OVL_VXLAN || d->ifindex <= 0)
		return 0;
	ret = read_fdb(nl, k, d->ifindex, e);
	d->fdb_read = !ret;
	return ret;
}

/* Index the links, then name each link's master and underlay device. */
static int resolve_names(struct ovl_kernel *k)
{
	int ret = index_build(k);

	for (size_t i = 0; !ret && i < k->n; i++) {
		struct ovl_dev *m = ovl_find_index(k, k->v[i].master_ifindex);
		struct ovl_dev *u = ovl_find_index(k, k->v[i].dev_ifindex);

		if (m)
			memcpy(k->v[i].master, m->name, IF_NAMESIZE);
		if (u)
			memcpy(k->v[i].dev, u->name, IF_NAMESIZE);
	}
	return ret;
}

/* RTM_GETLINK of one link, by name or ifindex, without statistics. */
static int queue_get(struct ztnl *nl, struct ovl_kernel *k, int ifindex, const char *name)
{
	struct nl_msg *msg = ztnl_link_msg(RTM_GETLINK, 0, ifindex, ifindex ? NULL : name);

	if (msg && nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return ztnl_queue(nl, msg, on_link, k);
}

int ovl_kernel_read_links(struct ztnl *nl, struct ovl_kernel *k, char (*names)[IF_NAMESIZE],
			  size_t n, struct ztos_err *e)
{
	size_t before;
	int ret = 0;

	*k = (struct ovl_kernel){ 0 };
	for (size_t i = 0; i < n && ret >= 0; i++)
		ret = queue_get(nl, k, 0, names[i]);
	/* A name the kernel does not know is an answer (ENODEV), not a failure. */
	if (ret >= 0)
		ret = ztnl_flush(nl) == -ENOMEM ? -ENOMEM : 0;
	/* Then the masters and underlay devices those links name, by ifindex. */
	before = k->n;
	if (!ret)
		ret = index_build(k);
	for (size_t i = 0; !ret && i < before; i++) {
		int want[2] = { k->v[i].master_ifindex, k->v[i].dev_ifindex };

		for (int j = 0; j < 2 && ret >= 0; j++)
			if (want[j] > 0 && !ovl_find_index(k, want[j]))
				ret = queue_get(nl, k, want[j], NULL);
	}
	if (ret >= 0 && ztnl_queued(nl))
		ret = ztnl_flush(nl) == -ENOMEM ? -ENOMEM : 0;
	for (size_t i = before; ret >= 0 && i < k->n; i++)
		k->v[i].context = true;
	if (ret >= 0)
		ret = resolve_names(k);
	if (ret < 0) {
		ztos_errmsg(e, ret, "read the links: %s", strerror(-ret));
		ovl_kernel_free(k);
		return ret;
	}
	return 0;
}

int ovl_kernel_read(struct ztnl *nl, struct ovl_kernel *k, bool fdb, struct ztos_err *e)
{
	int ret;

	*k = (struct ovl_kernel){ 0 };
	ret = ztnl_link_dump(nl, on_link, k);
	if (ret) {
		ztos_errmsg(e, ret, "read the links: %s", strerror(-ret));
		goto fail;
	}
	ret = resolve_names(k);
	if (ret)
		goto fail;
	if (!fdb)
		return 0;
	ret = read_fdb(nl, k, 0, e) ?: read_addrs(nl, k, 0, e);
	if (ret)
		goto fail;
	for (size_t i = 0; i < k->n; i++) {
		k->v[i].fdb_read = k->v[i].kind == OVL_VXLAN;
		k->v[i].addrs_read = true;
	}
	return 0;
fail:
	if (ret == -ENOMEM)
		ztos_errmsg(e, ret, "read the kernel's links: out of memory");
	ovl_kernel_free(k);
	return ret;
}

/* ---- messages ---- */

static struct nl_addr *addr_of(const struct ztos_addr *a)
{
	return a->family == AF_INET ? nl_addr_build(AF_INET, &a->v4, 4)
				    : nl_addr_build(AF_INET6, &a->v6, 16);
}

struct nl_msg *ovl_msg_create(const struct ovl_dev *d, int dev_ifindex, int master_ifindex)
{
	struct rtnl_link *l = d->kind == OVL_VXLAN ? rtnl_link_vxlan_alloc()
			      : d->kind == OVL_BRIDGE ? rtnl_link_bridge_alloc()
			      : rtnl_link_vrf_alloc();
	struct nl_addr *local = NULL, *mac = NULL;
	struct nl_msg *msg = NULL;
	int err = 0;

	if (!l)
		return NULL;
	rtnl_link_set_name(l, d->name);
	if (d->mtu)
		rtnl_link_set_mtu(l, d->mtu);
	if (d->has_mac && !(mac = nl_addr_build(AF_LLC, d->mac, sizeof(d->mac))))
		err = 1;
	if (mac)
		rtnl_link_set_addr(l, mac);
	if (master_ifindex)
		rtnl_link_set_master(l, master_ifindex);
	if (d->up)
		rtnl_link_set_flags(l, IFF_UP);
	if (d->kind == OVL_VXLAN) {
		local = addr_of(&d->local);
		err = err || !local || rtnl_link_vxlan_set_id(l, d->vni) ||
		      rtnl_link_vxlan_set_local(l, local) || rtnl_link_vxlan_set_port(l, d->port) ||
		      rtnl_link_vxlan_set_learning(l, d->learning) ||
		      rtnl_link_vxlan_set_link(l, (uint32_t)dev_ifindex);
	} else if (d->kind == OVL_VRF) {
		err = err || rtnl_link_vrf_set_tableid(l, d->table);
	}
	if (!err)
		rtnl_link_build_add_request(l, NLM_F_CREATE | NLM_F_EXCL, &msg);
	nl_addr_put(local);
	nl_addr_put(mac);
	rtnl_link_put(l);
	return msg;
}

struct nl_msg *ovl_msg_delete(int ifindex, const char *name)
{
	return ztnl_link_msg(RTM_DELLINK, 0, ifindex, ifindex ? NULL : name);
}

/* The device's IPv4 forwarding, as IFLA_AF_SPEC carries it (no sysctl file to open). */
static int put_forwarding(struct nl_msg *msg, bool on)
{
	struct nlattr *spec = nla_nest_start(msg, IFLA_AF_SPEC), *in, *conf;

	if (!spec || !(in = nla_nest_start(msg, AF_INET)) ||
	    !(conf = nla_nest_start(msg, IFLA_INET_CONF)) ||
	    nla_put_u32(msg, IPV4_DEVCONF_FORWARDING, on))
		return -ENOMEM;
	nla_nest_end(msg, conf);
	nla_nest_end(msg, in);
	nla_nest_end(msg, spec);
	return 0;
}

struct nl_msg *ovl_msg_set(int ifindex, const char *name, const struct ovl_dev *want,
			   unsigned int what, int master_ifindex)
{
	struct nl_msg *msg = ztnl_link_msg(RTM_NEWLINK, 0, ifindex, ifindex ? NULL : name);
	struct ifinfomsg *ifi;

	if (!msg)
		return NULL;
	ifi = nlmsg_data(nlmsg_hdr(msg));
	if (what & OVL_SET_UP) {
		ifi->ifi_flags = want->up ? IFF_UP : 0;
		ifi->ifi_change = IFF_UP;
	}
	if (((what & OVL_SET_MTU) && nla_put_u32(msg, IFLA_MTU, want->mtu)) ||
	    ((what & OVL_SET_MASTER) && nla_put_u32(msg, IFLA_MASTER, (uint32_t)master_ifindex)) ||
	    ((what & OVL_SET_ALIAS) && nla_put_string(msg, IFLA_IFALIAS, want->alias)) ||
	    ((what & OVL_SET_MAC) && nla_put(msg, IFLA_ADDRESS, 6, want->mac)) ||
	    ((what & OVL_SET_FORWARD) && put_forwarding(msg, want->forwarding))) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *ovl_msg_addr(int type, int ifindex, const struct ztos_cidr *a)
{
	struct ifaddrmsg ifa = { .ifa_family = AF_INET, .ifa_prefixlen = a->prefixlen,
				 .ifa_index = (uint32_t)ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(type, type == RTM_NEWADDR ? NLM_F_CREATE |
									NLM_F_EXCL : 0);

	if (!msg)
		return NULL;
	if (nlmsg_append(msg, &ifa, sizeof(ifa), NLMSG_ALIGNTO) ||
	    nla_put(msg, IFA_LOCAL, 4, &a->addr.v4) || nla_put(msg, IFA_ADDRESS, 4, &a->addr.v4) ||
	    (type == RTM_NEWADDR && nla_put_u8(msg, IFA_PROTO, OVL_ADDR_PROTO))) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct nl_msg *ovl_msg_fdb(int type, int ifindex, const struct ztos_addr *dst)
{
	static const uint8_t zero[6];
	struct rtnl_neigh *n = rtnl_neigh_alloc();
	struct nl_addr *ll = nl_addr_build(AF_LLC, zero, sizeof(zero));
	struct nl_addr *ip = addr_of(dst);
	struct nl_msg *msg = NULL;

	if (n && ll && ip && !rtnl_neigh_set_dst(n, ip)) {
		/* After the destination: libnl takes the family from it otherwise. */
		rtnl_neigh_set_family(n, AF_BRIDGE);
		rtnl_neigh_set_ifindex(n, ifindex);
		rtnl_neigh_set_lladdr(n, ll);
		rtnl_neigh_set_state(n, NUD_PERMANENT | NUD_NOARP);
		rtnl_neigh_set_flags(n, NTF_SELF);
		if (type == RTM_NEWNEIGH)
			rtnl_neigh_build_add_request(n, NLM_F_CREATE | NLM_F_APPEND, &msg);
		else
			rtnl_neigh_build_delete_request(n, 0, &msg);
	}
	nl_addr_put(ll);
	nl_addr_put(ip);
	rtnl_neigh_put(n);
	return msg;
}

int ovl_kernel_update(struct ovl_kernel *k, const char *name, int ifindex)
{
	struct ovl_dev *d = ovl_find(k, name);

	if (d) {
		d->ifindex = ifindex;
		if (ifindex > 0)
			index_insert(k, (size_t)(d - k->v));
		return 0;
	}
	if (!ifindex)
		return 0;
	if (dev_reserve(k))
		return -ENOMEM;
	k->v[k->n] = (struct ovl_dev){ .ifindex = ifindex };
	snprintf(k->v[k->n].name, IF_NAMESIZE, "%s", name);
	k->n++;
	/* Half full at most: rebuild into a larger table (amortized O(1) per entry). */
	if (2 * k->n + 2 > k->slots)
		return index_build(k);
	index_insert(k, k->n - 1);
	return 0;
}
