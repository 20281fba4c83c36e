// SPDX-License-Identifier: GPL-2.0-only
/*
 * MACsec over netlink: the link over rtnetlink (RTM_NEWLINK kind "macsec", IFLA_MACSEC_*
 * from linux/if_link.h), SAs and RX SCs over the generic netlink family "macsec"
 * (linux/if_macsec.h), both built with libnl's message helpers. See macsec.h.
 *
 * What the kernel does not let us change in place (the cipher, the parent, the SCI)
 * means a new link; what it lets us change (encrypt, protect, validation, replay
 * window, encoding SA, MTU) is changed on the link that is there, so a restart or a
 * reload adopts the link and its SAs as they are (same ifindex, same keys, packet
 * numbers going on). The key ID names the key: a new key needs a new key ID, and
 * a new AN for the change to be free of gaps.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <linux/if_link.h>
#include <linux/if_macsec.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>

#include "kernel/nl.h"
#include "report/eventlog.h"
#include "report/log.h"
#include "report/metrics.h"
#include "subsys/macsec.h"

/* What marks the link as ours: ztos never changes or deletes a link without it. */
#define MACSEC_ALIAS "ztos: macsec"
/* SecTAG with the SCI (16) and the ICV (16): what MACsec adds to every frame. */
#define MACSEC_OVERHEAD 32
#define ICV_LEN 16
#define OWN_PORT 1		/* our SCI's port: the parent's MAC and port 1 */
#define KEY_FILE_MAX 256
#define MAX_KEY 32

/* ---- netlink plumbing: the agent's one transport (nl.h) ---- */

struct nlc {
	struct ztnl *rt, *gn;
	int family;
	char ext[ZTOS_ERR_EXTACK];	/* the kernel's extended ack of the last request */
};

/* Send msg (consumed), wait for its answer: 0, or the kernel's -errno (c->ext says more). */
static int talk(struct nlc *c, struct ztnl *nl, struct nl_msg *msg, ztnl_reply_fn parse,
		void *arg)
{
	c->ext[0] = '\0';
	return msg ? ztnl_talk(nl, msg, parse, arg, c->ext, sizeof(c->ext)) : -ENOMEM;
}

static void nlc_close(struct nlc *c)
{
	ztnl_close(c->rt);
	ztnl_close(c->gn);
	c->rt = c->gn = NULL;
}

/* 0, -EPROTONOSUPPORT when the kernel has no "macsec" family, or -errno. */
static int nlc_open(struct nlc *c)
{
	int err;

	memset(c, 0, sizeof(*c));
	err = ztnl_open(NETLINK_ROUTE, &c->rt);
	if (!err)
		err = ztnl_open(NETLINK_GENERIC, &c->gn);
	if (err) {
		nlc_close(c);
		return err;
	}
	c->family = ztnl_genl_family(c->gn, MACSEC_GENL_NAME);
	if (c->family < 0) {
		nlc_close(c);
		return -EPROTONOSUPPORT;
	}
	return 0;
}

/* The message of fmt with the reason and the kernel's own words: returns code. */
#define FAIL(c, er, code, fmt, ...)                                                        \
	({                                                                                 \
		int _code = (code);                                                        \
		ztos_errmsg(er, _code, fmt ": %s", ##__VA_ARGS__, strerror(-_code));        \
		ztos_err_extack(er, (c)->ext);                                             \
		_code;                                                                     \
	})

/* ---- the link, over rtnetlink ---- */

struct link_info {
	bool found;
	int ifindex;
	unsigned int flags;
	uint32_t mtu;
	int parent;		/* IFLA_LINK */
	char alias[128];
	char kind[32];
};

/* Sizes checked before reading: nla_get_u32() reads 4 bytes whatever the attribute holds. */
static const struct nla_policy link_policy[IFLA_MAX + 1] = {
	[IFLA_MTU] = { .type = NLA_U32 },
	[IFLA_LINK] = { .type = NLA_U32 },
	[IFLA_LINKINFO] = { .type = NLA_NESTED },
};

static int parse_link(const struct nlmsghdr *nlh, void *arg)
{
	struct nlmsghdr *h = (struct nlmsghdr *)nlh;
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	struct ifinfomsg *ifi = nlmsg_data(h);
	struct link_info *l = arg;

	if (h->nlmsg_type != RTM_NEWLINK ||
	    nlmsg_parse(h, sizeof(*ifi), tb, IFLA_MAX, (struct nla_policy *)link_policy))
		return 0;
	l->found = true;
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	if (tb[IFLA_MTU])
		l->mtu = nla_get_u32(tb[IFLA_MTU]);
	if (tb[IFLA_LINK])
		l->parent = (int)nla_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_IFALIAS])
		nla_strlcpy(l->alias, tb[IFLA_IFALIAS], sizeof(l->alias));
	if (tb[IFLA_LINKINFO] && !nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO], NULL) &&
	    li[IFLA_INFO_KIND])
		nla_strlcpy(l->kind, li[IFLA_INFO_KIND], sizeof(l->kind));
	return 0;
}

/* 0 with l->found false when there is no such link. */
static int get_link(struct nlc *c, const char *name, struct link_info *l)
{
	struct nl_msg *msg = ztnl_link_msg(RTM_GETLINK, 0, 0, NULL);
	int err;

	memset(l, 0, sizeof(*l));
	if (!msg || nla_put_string(msg, IFLA_IFNAME, name) < 0) {
		ztnl_msg_free(msg);
		return -ENOMEM;
	}
	err = talk(c, c->rt, msg, parse_link, l);
	return err == -ENODEV ? 0 : err;
}

static bool ours(const struct link_info *l)
{
	return l->found && !strcmp(l->alias, MACSEC_ALIAS);
}

/* The settings of the SecY that can change on a live link. */
struct secy_settings {
	uint8_t encrypt, protect, replay, validate, inc_sci, encoding_sa;
	uint32_t window;
};

static void want_settings(const struct ztos_macsec *m, struct secy_settings *s)
{
	s->encrypt = m->encrypt;
	s->protect = 1;
	s->replay = m->replay_window > 0;
	s->window = m->replay_window;
	s->validate = MACSEC_VALIDATE_STRICT;
	s->inc_sci = 1;
	s->encoding_sa = m->tx_sa.an;
}

static bool same_settings(const struct secy_settings *a, const struct secy_settings *b)
{
	return a->encrypt == b->encrypt && a->protect == b->protect && a->replay == b->replay &&
	       (!a->replay || a->window == b->window) && a->validate == b->validate &&
	       a->inc_sci == b->inc_sci;
}

static uint64_t cipher_id(enum ztos_macsec_cipher c)
{
	return c == ZTOS_GCM_AES_256 ? MACSEC_CIPHER_ID_GCM_AES_256 : MACSEC_CIPHER_ID_GCM_AES_128;
}

static const char *cipher_str(enum ztos_macsec_cipher c)
{
	return c == ZTOS_GCM_AES_256 ? "gcm-aes-256" : "gcm-aes-128";
}

/* IFLA_LINKINFO {kind macsec, data {...}}; create adds what only a new link takes. */
static int put_linkinfo(struct nl_msg *msg, const struct ztos_macsec *m,
			const struct secy_settings *s, bool create)
{
	struct nlattr *info = nla_nest_start(msg, IFLA_LINKINFO), *data;

	if (!info || nla_put_string(msg, IFLA_INFO_KIND, "macsec") < 0)
		return -ENOMEM;
	data = nla_nest_start(msg, IFLA_INFO_DATA);
	if (!data)
		return -ENOMEM;
	if (create && (nla_put_u16(msg, IFLA_MACSEC_PORT, htons(OWN_PORT)) < 0 ||
		       nla_put_u8(msg, IFLA_MACSEC_ICV_LEN, ICV_LEN) < 0 ||
		       nla_put_u64(msg, IFLA_MACSEC_CIPHER_SUITE, cipher_id(m->cipher)) < 0))
		return -ENOMEM;
	if (nla_put_u8(msg, IFLA_MACSEC_ENCODING_SA, s->encoding_sa) < 0 ||
	    nla_put_u8(msg, IFLA_MACSEC_ENCRYPT, s->encrypt) < 0 ||
	    nla_put_u8(msg, IFLA_MACSEC_PROTECT, s->protect) < 0 ||
	    nla_put_u8(msg, IFLA_MACSEC_INC_SCI, s->inc_sci) < 0 ||
	    nla_put_u8(msg, IFLA_MACSEC_VALIDATION, s->validate) < 0 ||
	    nla_put_u8(msg, IFLA_MACSEC_REPLAY_PROTECT, s->replay) < 0 ||
	    (s->replay && nla_put_u32(msg, IFLA_MACSEC_WINDOW, s->window) < 0))
		return -ENOMEM;
	nla_nest_end(msg, data);
	nla_nest_end(msg, info);
	return 0;
}

static int link_create(struct nlc *c, const struct ztos_macsec *m, int parent, uint32_t mtu)
{
	struct nl_msg *msg = ztnl_link_msg(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL, 0, NULL);
	struct secy_settings s;

	want_settings(m, &s);
	if (!msg || nla_put_string(msg, IFLA_IFNAME, m->interface) < 0 ||
	    nla_put_u32(msg, IFLA_LINK, (uint32_t)parent) < 0 ||
	    nla_put_u32(msg, IFLA_MTU, mtu) < 0 || put_linkinfo(msg, m, &s, true)) {
		ztnl_msg_free(msg);
		return -ENOMEM;
	}
	return talk(c, c->rt, msg, NULL, NULL);
}

/* Change the SecY settings (s may be NULL), and the MTU, alias and up flag when asked. */
static int link_change(struct nlc *c, int ifindex, const struct ztos_macsec *m,
		       const struct secy_settings *s, uint32_t mtu, const char *alias, bool up)
{
	struct nl_msg *msg = ztnl_link_msg(RTM_NEWLINK, 0, ifindex, NULL);
	struct ifinfomsg *ifi;

	if (!msg || (s && put_linkinfo(msg, m, s, false)) ||
	    (mtu && nla_put_u32(msg, IFLA_MTU, mtu) < 0) ||
	    (alias && nla_put_string(msg, IFLA_IFALIAS, alias) < 0)) {
		ztnl_msg_free(msg);
		return -ENOMEM;
	}
	if (up) {
		ifi = nlmsg_data(nlmsg_hdr(msg));
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	return talk(c, c->rt, msg, NULL, NULL);
}

static int link_delete(struct nlc *c, int ifindex)
{
	struct nl_msg *msg = ztnl_link_msg(RTM_DELLINK, 0, ifindex, NULL);

	return msg ? talk(c, c->rt, msg, NULL, NULL) : -ENOMEM;
}

/* ---- the SecY, its SAs and SCs, over generic netlink ---- */

#define N_SA_STATS (MACSEC_SA_STATS_ATTR_MAX + 1)
#define N_RXSC_STATS (MACSEC_RXSC_STATS_ATTR_MAX + 1)
#define N_TXSC_STATS (MACSEC_TXSC_STATS_ATTR_MAX + 1)
#define N_SECY_STATS (MACSEC_SECY_STATS_ATTR_MAX + 1)

struct k_sa {
	bool present, active;
	uint32_t pn;		/* the next PN (TX), the lowest acceptable one (RX) */
	uint8_t key_id[MACSEC_KEYID_LEN];
	uint64_t stats[N_SA_STATS];
};

struct k_rxsc {
	uint8_t sci[8];
	bool active;
	uint64_t stats[N_RXSC_STATS];
	struct k_sa sa[4];
};

struct k_secy {
	bool found;
	int ifindex;		/* the one asked for */
	uint8_t sci[8];
	uint64_t cipher;
	uint8_t icv_len, oper;
	struct secy_settings set;
	uint64_t txsc_stats[N_TXSC_STATS], secy_stats[N_SECY_STATS];
	struct k_sa txsa[4];
	struct k_rxsc *rx;
	size_t n_rx;
};

static void stats_read(const struct nlattr *nest, uint64_t *out, int n)
{
	struct nlattr *a;
	int rem;

	if (!nest)
		return;
	nla_for_each_nested(a, nest, rem) {
		if (nla_type(a) >= n)
			continue;
		out[nla_type(a)] = nla_len(a) >= 8 ? nla_get_u64(a) : nla_len(a) >= 4 ? nla_get_u32(a) : 0;
	}
}

static const struct nla_policy sa_policy[MACSEC_SA_ATTR_MAX + 1] = {
	[MACSEC_SA_ATTR_AN] = { .type = NLA_U8 },
	[MACSEC_SA_ATTR_ACTIVE] = { .type = NLA_U8 },
	[MACSEC_SA_ATTR_PN] = { .type = NLA_U32 },	/* or a u64 (XPN): at least 4 bytes */
	[MACSEC_SA_ATTR_STATS] = { .type = NLA_NESTED },
};

static const struct nla_policy rxsc_policy[MACSEC_RXSC_ATTR_MAX + 1] = {
	[MACSEC_RXSC_ATTR_ACTIVE] = { .type = NLA_U8 },
	[MACSEC_RXSC_ATTR_SA_LIST] = { .type = NLA_NESTED },
	[MACSEC_RXSC_ATTR_STATS] = { .type = NLA_NESTED },
};

static const struct nla_policy secy_attr_policy[MACSEC_ATTR_MAX + 1] = {
	[MACSEC_ATTR_IFINDEX] = { .type = NLA_U32 },
	[MACSEC_ATTR_SECY] = { .type = NLA_NESTED },
	[MACSEC_ATTR_TXSA_LIST] = { .type = NLA_NESTED },
	[MACSEC_ATTR_RXSC_LIST] = { .type = NLA_NESTED },
	[MACSEC_ATTR_TXSC_STATS] = { .type = NLA_NESTED },
	[MACSEC_ATTR_SECY_STATS] = { .type = NLA_NESTED },
};

static const struct nla_policy secy_policy[MACSEC_SECY_ATTR_MAX + 1] = {
	[MACSEC_SECY_ATTR_CIPHER_SUITE] = { .type = NLA_U64 },
	[MACSEC_SECY_ATTR_ICV_LEN] = { .type = NLA_U8 },
	[MACSEC_SECY_ATTR_OPER] = { .type = NLA_U8 },
	[MACSEC_SECY_ATTR_PROTECT] = { .type = NLA_U8 },
	[MACSEC_SECY_ATTR_REPLAY] = { .type = NLA_U8 },
	[MACSEC_SECY_ATTR_VALIDATE] = { .type = NLA_U8 },
	[MACSEC_SECY_ATTR_ENCRYPT] = { .type = NLA_U8 },
	[MACSEC_SECY_ATTR_INC_SCI] = { .type = NLA_U8 },
	[MACSEC_SECY_ATTR_ENCODING_SA] = { .type = NLA_U8 },
	[MACSEC_SECY_ATTR_WINDOW] = { .type = NLA_U32 },
};

static void sa_read(struct nlattr *nest, struct k_sa *sas)
{
	struct nlattr *tb[MACSEC_SA_ATTR_MAX + 1];
	struct k_sa *sa;
	uint8_t an;

	if (nla_parse_nested(tb, MACSEC_SA_ATTR_MAX, nest, (struct nla_policy *)sa_policy) ||
	    !tb[MACSEC_SA_ATTR_AN])
		return;
	an = nla_get_u8(tb[MACSEC_SA_ATTR_AN]);
	if (an > 3)
		return;
	sa = &sas[an];
	sa->present = true;
	sa->active = tb[MACSEC_SA_ATTR_ACTIVE] && nla_get_u8(tb[MACSEC_SA_ATTR_ACTIVE]);
	if (tb[MACSEC_SA_ATTR_PN])
		sa->pn = nla_len(tb[MACSEC_SA_ATTR_PN]) >= 8 ? (uint32_t)nla_get_u64(tb[MACSEC_SA_ATTR_PN])
							      : nla_get_u32(tb[MACSEC_SA_ATTR_PN]);
	if (tb[MACSEC_SA_ATTR_KEYID])
		nla_memcpy(sa->key_id, tb[MACSEC_SA_ATTR_KEYID], sizeof(sa->key_id));
	stats_read(tb[MACSEC_SA_ATTR_STATS], sa->stats, N_SA_STATS);
}

static int rxsc_read(struct nlattr *nest, struct k_secy *k)
{
	struct nlattr *tb[MACSEC_RXSC_ATTR_MAX + 1], *a;
	struct k_rxsc *rx, *grown;
	int rem;

	if (nla_parse_nested(tb, MACSEC_RXSC_ATTR_MAX, nest, (struct nla_policy *)rxsc_policy) ||
	    !tb[MACSEC_RXSC_ATTR_SCI])
		return 0;
	grown = realloc(k->rx, (k->n_rx + 1) * sizeof(*k->rx));
	if (!grown)
		return -ENOMEM;
	k->rx = grown;
	rx = &k->rx[k->n_rx++];
	memset(rx, 0, sizeof(*rx));
	nla_memcpy(rx->sci, tb[MACSEC_RXSC_ATTR_SCI], sizeof(rx->sci));
	rx->active = tb[MACSEC_RXSC_ATTR_ACTIVE] && nla_get_u8(tb[MACSEC_RXSC_ATTR_ACTIVE]);
	stats_read(tb[MACSEC_RXSC_ATTR_STATS], rx->stats, N_RXSC_STATS);
	if (tb[MACSEC_RXSC_ATTR_SA_LIST])
		nla_for_each_nested(a, tb[MACSEC_RXSC_ATTR_SA_LIST], rem)
			sa_read(a, rx->sa);
	return 0;
}

static uint8_t u8_of(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u8(tb[type]) : 0;
}

static int parse_secy(const struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[MACSEC_ATTR_MAX + 1], *s[MACSEC_SECY_ATTR_MAX + 1], *a;
	struct k_secy *k = arg;
	int rem, err;

	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, MACSEC_ATTR_MAX,
			  (struct nla_policy *)secy_attr_policy) || !tb[MACSEC_ATTR_IFINDEX] ||
	    (int)nla_get_u32(tb[MACSEC_ATTR_IFINDEX]) != k->ifindex || !tb[MACSEC_ATTR_SECY] ||
	    nla_parse_nested(s, MACSEC_SECY_ATTR_MAX, tb[MACSEC_ATTR_SECY],
			     (struct nla_policy *)secy_policy))
		return 0;
	k->found = true;
	if (s[MACSEC_SECY_ATTR_SCI])
		nla_memcpy(k->sci, s[MACSEC_SECY_ATTR_SCI], sizeof(k->sci));
	if (s[MACSEC_SECY_ATTR_CIPHER_SUITE])
		k->cipher = nla_get_u64(s[MACSEC_SECY_ATTR_CIPHER_SUITE]);
	k->icv_len = u8_of(s, MACSEC_SECY_ATTR_ICV_LEN);
	k->oper = u8_of(s, MACSEC_SECY_ATTR_OPER);
	k->set.protect = u8_of(s, MACSEC_SECY_ATTR_PROTECT);
	k->set.replay = u8_of(s, MACSEC_SECY_ATTR_REPLAY);
	k->set.validate = u8_of(s, MACSEC_SECY_ATTR_VALIDATE);
	k->set.encrypt = u8_of(s, MACSEC_SECY_ATTR_ENCRYPT);
	k->set.inc_sci = u8_of(s, MACSEC_SECY_ATTR_INC_SCI);
	k->set.encoding_sa = u8_of(s, MACSEC_SECY_ATTR_ENCODING_SA);
	if (s[MACSEC_SECY_ATTR_WINDOW])
		k->set.window = nla_get_u32(s[MACSEC_SECY_ATTR_WINDOW]);
	stats_read(tb[MACSEC_ATTR_TXSC_STATS], k->txsc_stats, N_TXSC_STATS);
	stats_read(tb[MACSEC_ATTR_SECY_STATS], k->secy_stats, N_SECY_STATS);
	if (tb[MACSEC_ATTR_TXSA_LIST])
		nla_for_each_nested(a, tb[MACSEC_ATTR_TXSA_LIST], rem)
			sa_read(a, k->txsa);
	if (tb[MACSEC_ATTR_RXSC_LIST])
		nla_for_each_nested(a, tb[MACSEC_ATTR_RXSC_LIST], rem)
			if ((err = rxsc_read(a, k)))
				return err;
	return 0;
}

static void secy_free(struct k_secy *k)
{
	free(k->rx);
	k->rx = NULL;
	k->n_rx = 0;
}

/* MACSEC_CMD_GET_TXSC is a dump of every MACsec device of the namespace; keep ifindex's. */
static int secy_read(struct nlc *c, int ifindex, struct k_secy *k)
{
	struct nl_msg *msg = nlmsg_alloc();

	secy_free(k);
	memset(k, 0, sizeof(*k));
	k->ifindex = ifindex;
	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, 0,
				 MACSEC_CMD_GET_TXSC, MACSEC_GENL_VERSION)) {
		ztnl_msg_free(msg);
		return -ENOMEM;
	}
	c->ext[0] = '\0';
	return ztnl_dump(c->gn, msg, parse_secy, k, c->ext, sizeof(c->ext));
}

static struct k_rxsc *find_rxsc(struct k_secy *k, const uint8_t sci[8])
{
	for (size_t i = 0; i < k->n_rx; i++)
		if (!memcmp(k->rx[i].sci, sci, 8))
			return &k->rx[i];
	return NULL;
}

static struct nl_msg *genl_msg(struct nlc *c, uint8_t cmd, int ifindex)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg || !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0, 0, cmd,
				 MACSEC_GENL_VERSION) ||
	    nla_put_u32(msg, MACSEC_ATTR_IFINDEX, (uint32_t)ifindex) < 0) {
		ztnl_msg_free(msg);
		return NULL;
	}
	return msg;
}

static int put_rxsc(struct nl_msg *msg, const uint8_t sci[8], int active)
{
	struct nlattr *n = nla_nest_start(msg, MACSEC_ATTR_RXSC_CONFIG);
	uint64_t raw;

	memcpy(&raw, sci, 8);	/* sci_t: the MAC and the port as they go on the wire */
	if (!n || nla_put_u64(msg, MACSEC_RXSC_ATTR_SCI, raw) < 0 ||
	    (active >= 0 && nla_put_u8(msg, MACSEC_RXSC_ATTR_ACTIVE, (uint8_t)active) < 0))
		return -ENOMEM;
	nla_nest_end(msg, n);
	return 0;
}

struct sa_req {
	uint8_t an;
	int active;		/* -1: leave out */
	const uint8_t *key;	/* NULL: no key (update, delete) */
	size_t key_len;
	const uint8_t *key_id;	/* MACSEC_KEYID_LEN bytes */
};

static int put_sa(struct nl_msg *msg, const struct sa_req *r)
{
	struct nlattr *n = nla_nest_start(msg, MACSEC_ATTR_SA_CONFIG);

	if (!n || nla_put_u8(msg, MACSEC_SA_ATTR_AN, r->an) < 0 ||
	    (r->key && (nla_put_u32(msg, MACSEC_SA_ATTR_PN, 1) < 0 ||
			nla_put(msg, MACSEC_SA_ATTR_KEY, (int)r->key_len, r->key) < 0 ||
			nla_put(msg, MACSEC_SA_ATTR_KEYID, MACSEC_KEYID_LEN, r->key_id) < 0)) ||
	    (r->active >= 0 && nla_put_u8(msg, MACSEC_SA_ATTR_ACTIVE, (uint8_t)r->active) < 0))
		return -ENOMEM;
	nla_nest_end(msg, n);
	return 0;
}

/* One SA or SC request: sci NULL for the TX side, sa NULL for an SC request. */
static int sa_cmd(struct nlc *c, int ifindex, uint8_t cmd, const uint8_t *sci, int sc_active,
		  const struct sa_req *sa)
{
	struct nl_msg *msg = genl_msg(c, cmd, ifindex);
	int err = msg ? 0 : -ENOMEM;

	if (!err && sci)
		err = put_rxsc(msg, sci, sc_active);
	if (!err && sa)
		err = put_sa(msg, sa);
	if (err) {
		ztnl_msg_free(msg);
		return err;
	}
	err = talk(c, c->gn, msg, NULL, NULL);
	/* The request held a key: wipe the buffer libnl freed it from is not ours to do,
	 * but our own copies are wiped by the callers. */
	return err;
}

/* An active SA cannot be deleted (EBUSY): deactivate it first. */
static int sa_retire(struct nlc *c, int ifindex, const uint8_t *sci, uint8_t an)
{
	struct sa_req r = { .an = an, .active = 0 };
	int err;

	err = sa_cmd(c, ifindex, sci ? MACSEC_CMD_UPD_RXSA : MACSEC_CMD_UPD_TXSA, sci, -1, &r);
	if (err && err != -ENODEV)
		return err;
	r.active = -1;
	err = sa_cmd(c, ifindex, sci ? MACSEC_CMD_DEL_RXSA : MACSEC_CMD_DEL_TXSA, sci, -1, &r);
	return err == -ENODEV ? 0 : err;
}

/* ---- keys ---- */

struct key {
	uint8_t b[MAX_KEY];
	size_t len;
	uint8_t id[MACSEC_KEYID_LEN];	/* the config's key ID, zero-padded as iproute2 does */
};

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/*
 * Read a key file (hex) for cipher. who names the SA ("tx_sa", "peer 02:..:02 rx_sa").
 * Messages name the file and the SA, never a byte of the key.
 */
static int key_read(const struct ztos_macsec_sa *sa, enum ztos_macsec_cipher cipher,
		    const char *who, struct key *k, struct ztos_err *er)
{
	size_t need = cipher == ZTOS_GCM_AES_256 ? 32 : 16, n = 0, i;
	char buf[KEY_FILE_MAX], why[PATH_MAX + 256];
	ssize_t r;
	int ret = 0;

	memset(k, 0, sizeof(*k));
	memcpy(k->id, sa->key_id, sa->key_id_len);
	/* as validation read it: a link or FIFO swapped in since is refused, not waited on */
	r = cfg_secret_read(sa->key_file, false, buf, sizeof(buf), why, sizeof(why));
	if (r < 0) {
		ztos_errmsg(er, -EINVAL, "macsec %s: key file: %s", who, why);
		ret = r == -EFBIG ? -EINVAL : (int)r;
		goto out;
	}
	for (i = 0; i < (size_t)r && !ret; i++) {
		int hi, lo;

		if (strchr(" \t\r\n", buf[i]))
			continue;
		hi = hexval(buf[i]);
		lo = i + 1 < (size_t)r ? hexval(buf[i + 1]) : -1;
		if (hi < 0 || lo < 0) {
			ztos_errmsg(er, -EINVAL, "macsec %s: key file %s is not hex: write %zu hex digits (%s)",
				 who, sa->key_file, need * 2, cipher_str(cipher));
			ret = -EINVAL;
		} else if (n < MAX_KEY) {
			k->b[n++] = (uint8_t)(hi << 4 | lo);
			i++;
		} else {
			n++;
			i++;
		}
	}
	if (!ret && n != need) {
		ztos_errmsg(er, -EINVAL, "macsec %s: key file %s holds a %zu-byte key but %s needs %zu bytes (%zu hex digits)",
			 who, sa->key_file, n, cipher_str(cipher), need, need * 2);
		ret = -EINVAL;
	}
	k->len = n;
out:
	explicit_bzero(buf, sizeof(buf));
	if (ret)
		explicit_bzero(k, sizeof(*k));
	return ret;
}

static void sci_of(const uint8_t mac[6], uint16_t port, uint8_t sci[8])
{
	memcpy(sci, mac, 6);
	sci[6] = (uint8_t)(port >> 8);
	sci[7] = (uint8_t)port;
}

static void sci_str(const uint8_t sci[8], char *buf, size_t len)
{
	snprintf(buf, len, "%02x%02x%02x%02x%02x%02x%02x%02x", sci[0], sci[1], sci[2], sci[3],
		 sci[4], sci[5], sci[6], sci[7]);
}

static void mac_str(const uint8_t *m, char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static bool same_key_id(const struct k_sa *sa, const struct ztos_macsec_sa *c)
{
	uint8_t want[MACSEC_KEYID_LEN] = { 0 };

	memcpy(want, c->key_id, c->key_id_len);
	return !memcmp(sa->key_id, want, sizeof(want));
}

/* ---- state kept between calls ---- */

struct retiring {
	uint8_t sci[8];
	int64_t stale_since_us;		/* first seen with an SA the config does not name */
	int64_t traffic_since_us;	/* first seen with the configured SA carrying traffic */
};

struct macsec {
	pthread_mutex_t lock;
	char error[ZTOS_ERR_MSG];	/* the last failure of an apply, "" after a good one */
	bool unsupported;
	bool rotated;
	/* An RX SA may wait to be retired: set by every apply, cleared by a tick that finds
	 * none, so that ticks leave the configure lock alone the rest of the time. */
	bool maybe_stale;
	struct retiring *ret;
	size_t n_ret;
};

static void set_error(struct macsec *ms, const char *msg, bool unsupported)
{
	pthread_mutex_lock(&ms->lock);
	snprintf(ms->error, sizeof(ms->error), "%s", msg ? msg : "");
	ms->unsupported = unsupported;
	pthread_mutex_unlock(&ms->lock);
}

void macsec_mark_rotated(struct macsec *ms)
{
	pthread_mutex_lock(&ms->lock);
	ms->rotated = true;
	pthread_mutex_unlock(&ms->lock);
}

bool macsec_rotated(struct macsec *ms)
{
	bool r;

	pthread_mutex_lock(&ms->lock);
	r = ms->rotated;
	pthread_mutex_unlock(&ms->lock);
	return r;
}

/* ---- the transaction ---- */

enum undo_kind {
	U_LINK_CREATED,		/* delete the link */
	U_LINK_SET,		/* put the old settings and MTU back */
	U_RXSC_ADDED,
	U_RXSA_ADDED,
	U_TXSA_ADDED,
	U_ENCODING,		/* switch back to the old encoding SA */
};

struct undo {
	enum undo_kind kind;
	uint8_t an;
	uint8_t sci[8];
	struct secy_settings old;
	uint32_t old_mtu;
};

struct macsec_txn {
	const struct ztos_config *old;
	int ifindex;
	char ifname[IF_NAMESIZE];
	struct undo *u;
	size_t n_u;
	/* Replaced in place (a recreated link, an SA rekeyed under its AN): the way back
	 * is to apply the old config again. */
	bool reapply_old;
	/* For commit: what goes away once the whole update has succeeded. */
	uint8_t del_txsa;	/* bit per AN */
	uint8_t (*del_rxsc)[8];
	size_t n_del_rxsc;
	int del_link;		/* ifindex of a link of ours that the config dropped */
	char del_link_name[IF_NAMESIZE];
};

static int log_undo(struct macsec_txn *t, struct undo u)
{
	struct undo *g = realloc(t->u, (t->n_u + 1) * sizeof(*t->u));

	if (!g)
		return -ENOMEM;
	t->u = g;
	t->u[t->n_u++] = u;
	return 0;
}

static void txn_free(struct macsec_txn *t)
{
	if (!t)
		return;
	free(t->u);
	free(t->del_rxsc);
	free(t);
}

struct keys {
	struct key tx;
	struct key *rx;		/* one per peer */
};

static void keys_free(struct keys *k, size_t n)
{
	explicit_bzero(&k->tx, sizeof(k->tx));
	if (k->rx)
		explicit_bzero(k->rx, n * sizeof(*k->rx));
	free(k->rx);
}

static int keys_read(const struct ztos_macsec *m, struct keys *k, struct ztos_err *er)
{
	char who[64], mac[18];
	int ret;

	k->rx = calloc(m->n_peers ? m->n_peers : 1, sizeof(*k->rx));
	if (!k->rx)
		return -ENOMEM;
	snprintf(who, sizeof(who), "%s tx_sa (an %u)", m->interface, m->tx_sa.an);
	ret = key_read(&m->tx_sa, m->cipher, who, &k->tx, er);
	for (size_t i = 0; !ret && i < m->n_peers; i++) {
		mac_str(m->peers[i].mac, mac, sizeof(mac));
		snprintf(who, sizeof(who), "%s peer %s rx_sa (an %u)", m->interface, mac,
			 m->peers[i].rx_sa.an);
		ret = key_read(&m->peers[i].rx_sa, m->cipher, who, &k->rx[i], er);
	}
	return ret;
}

static int add_sa(struct nlc *c, struct macsec_txn *t, const char *obj, const uint8_t *sci,
		  const struct key *k, uint8_t an, struct ztos_err *er)
{
	struct sa_req r = { .an = an, .active = 1, .key = k->b, .key_len = k->len, .key_id = k->id };
	struct undo u = { .kind = sci ? U_RXSA_ADDED : U_TXSA_ADDED, .an = an };
	int e = sa_cmd(c, t->ifindex, sci ? MACSEC_CMD_ADD_RXSA : MACSEC_CMD_ADD_TXSA, sci, -1, &r);

	if (e)
		return FAIL(c, er, e, "macsec %s: add %s SA an %u", obj, sci ? "RX" : "TX", an);
	if (sci)
		memcpy(u.sci, sci, 8);
	return log_undo(t, u);
}

/*
 * Bring one SA (the configured one of a channel) to the config: add it, switch it on,
 * or replace it when its key ID changed (a gap: the way to avoid it is a new AN).
 */
static int ensure_sa(struct nlc *c, struct macsec_txn *t, const char *obj, const uint8_t *sci,
		     const struct k_sa *have, const struct ztos_macsec_sa *want,
		     const struct key *k, struct ztos_err *er)
{
	struct sa_req on = { .an = want->an, .active = 1 };
	int e;

	if (!have->present)
		return add_sa(c, t, obj, sci, k, want->an, er);
	if (!same_key_id(have, want)) {
		pr_warn("macsec %s: SA an %u has a new key ID: replacing it in place (traffic on it stops until it is back; rotate to another AN to avoid that)",
			obj, want->an);
		t->reapply_old = true;
		e = sa_retire(c, t->ifindex, sci, want->an);
		if (e)
			return FAIL(c, er, e, "macsec %s: remove SA an %u to rekey it", obj,
				    want->an);
		return add_sa(c, t, obj, sci, k, want->an, er);
	}
	if (!have->active) {
		e = sa_cmd(c, t->ifindex, sci ? MACSEC_CMD_UPD_RXSA : MACSEC_CMD_UPD_TXSA, sci, -1,
			   &on);
		if (e)
			return FAIL(c, er, e, "macsec %s: switch SA an %u on", obj, want->an);
	}
	return 0;
}

static bool peer_of(const struct ztos_macsec *m, const uint8_t sci[8])
{
	uint8_t s[8];

	for (size_t i = 0; i < m->n_peers; i++) {
		sci_of(m->peers[i].mac, m->peers[i].port, s);
		if (!memcmp(s, sci, 8))
			return true;
	}
	return false;
}

static int ensure_link(struct nlc *c, const struct ztos_macsec *m, struct macsec_txn *t,
		       struct k_secy *k, struct ztos_err *er)
{
	struct link_info pl, li;
	struct secy_settings want;
	uint32_t mtu;
	int e;

	e = get_link(c, m->parent, &pl);
	if (e)
		return FAIL(c, er, e, "macsec %s: look up parent %s", m->interface, m->parent);
	if (!pl.found) {
		ztos_errmsg(er, -EINVAL, "macsec %s: parent %s: no such interface", m->interface, m->parent);
		return -ENODEV;
	}
	if (pl.mtu <= MACSEC_OVERHEAD) {
		ztos_errmsg(er, -EINVAL, "macsec %s: parent %s has MTU %u, too small for MACsec's %d bytes",
			 m->interface, m->parent, pl.mtu, MACSEC_OVERHEAD);
		return -ERANGE;
	}
	mtu = pl.mtu - MACSEC_OVERHEAD;
	e = get_link(c, m->interface, &li);
	if (e)
		return FAIL(c, er, e, "macsec %s: look up the link", m->interface);
	if (li.found && !ours(&li)) {
		ztos_errmsg(er, -EINVAL, "macsec %s: a %s device of that name exists and is not ztos's (alias '%s'); ztos leaves it alone: rename it or choose another macsec.interface",
			 m->interface, li.kind[0] ? li.kind : "network", li.alias);
		return -EEXIST;
	}
	if (li.found) {
		e = strcmp(li.kind, "macsec") ? 0 : secy_read(c, li.ifindex, k);
		if (e)
			return FAIL(c, er, e, "macsec %s: read its SecY", m->interface);
		if (!k->found) {
			ztos_errmsg(er, -EINVAL, "macsec %s: carries ztos's alias but is a %s device, not MACsec; delete it",
				 m->interface, li.kind[0] ? li.kind : "plain");
			return -EEXIST;
		}
		if (li.parent != pl.ifindex || k->cipher != cipher_id(m->cipher) ||
		    k->icv_len != ICV_LEN || k->sci[6] != 0 || k->sci[7] != OWN_PORT) {
			pr_warn("macsec %s: parent or cipher changed: making the link again (traffic stops until the peers have the new keys)",
				m->interface);
			e = link_delete(c, li.ifindex);
			if (e)
				return FAIL(c, er, e, "macsec %s: delete it to make it again",
					    m->interface);
			t->reapply_old = true;
			li.found = false;
			secy_free(k);
			memset(k, 0, sizeof(*k));
		}
	}
	if (!li.found) {
		e = link_create(c, m, pl.ifindex, mtu);
		if (e)
			return FAIL(c, er, e, "macsec %s: create on %s (%s, MTU %u)",
				    m->interface, m->parent, cipher_str(m->cipher), mtu);
		e = get_link(c, m->interface, &li);
		if (e || !li.found)
			return FAIL(c, er, e ? e : -ENODEV, "macsec %s: find it after creating it",
				    m->interface);
		t->ifindex = li.ifindex;
		e = log_undo(t, (struct undo){ .kind = U_LINK_CREATED });
		if (!e)
			e = link_change(c, li.ifindex, m, NULL, 0, MACSEC_ALIAS, true);
		if (e)
			return FAIL(c, er, e, "macsec %s: mark it as ztos's and bring it up",
				    m->interface);
		k->found = true;
		k->ifindex = li.ifindex;
		want_settings(m, &k->set);
		return 0;
	}
	t->ifindex = li.ifindex;
	want_settings(m, &want);
	if (!same_settings(&want, &k->set) || li.mtu != mtu || !(li.flags & IFF_UP)) {
		struct undo u = { .kind = U_LINK_SET, .old = k->set, .old_mtu = li.mtu };

		want.encoding_sa = k->set.encoding_sa;	/* switched later, once its SA is there */
		e = link_change(c, li.ifindex, m, &want, li.mtu != mtu ? mtu : 0, NULL, true);
		if (e)
			return FAIL(c, er, e, "macsec %s: change encrypt/replay/validation/MTU %u",
				    m->interface, mtu);
		e = log_undo(t, u);
		if (e)
			return e;
		k->set = want;
	}
	return 0;
}

static int ensure(struct nlc *c, const struct ztos_macsec *m, struct macsec_txn *t,
		  struct ztos_err *er)
{
	struct keys keys = { 0 };
	struct k_secy k = { 0 };
	char obj[96], mac[18];
	uint8_t sci[8];
	int e;

	e = keys_read(m, &keys, er);
	if (!e)
		e = ensure_link(c, m, t, &k, er);
	/* RX first: a peer may switch to its next SA at any time after its rotation. */
	for (size_t i = 0; !e && i < m->n_peers; i++) {
		const struct ztos_macsec_peer *p = &m->peers[i];
		static const struct k_sa none;
		struct k_rxsc *rx;

		sci_of(p->mac, p->port, sci);
		mac_str(p->mac, mac, sizeof(mac));
		snprintf(obj, sizeof(obj), "%s peer %s port %u", m->interface, mac, p->port);
		rx = find_rxsc(&k, sci);
		if (!rx) {
			e = sa_cmd(c, t->ifindex, MACSEC_CMD_ADD_RXSC, sci, 1, NULL);
			if (e) {
				FAIL(c, er, e, "macsec %s: add RX SC", obj);
				break;
			}
			struct undo u = { .kind = U_RXSC_ADDED };

			memcpy(u.sci, sci, 8);
			e = log_undo(t, u);
		} else if (!rx->active) {
			e = sa_cmd(c, t->ifindex, MACSEC_CMD_UPD_RXSC, sci, 1, NULL);
			if (e)
				FAIL(c, er, e, "macsec %s: switch RX SC on", obj);
		}
		if (!e)
			e = ensure_sa(c, t, obj, sci, rx ? &rx->sa[p->rx_sa.an] : &none, &p->rx_sa,
				      &keys.rx[i], er);
	}
	if (!e)
		e = ensure_sa(c, t, m->interface, NULL, &k.txsa[m->tx_sa.an], &m->tx_sa, &keys.tx,
			      er);
	if (!e && k.set.encoding_sa != m->tx_sa.an) {
		struct secy_settings s;

		want_settings(m, &s);
		e = link_change(c, t->ifindex, m, &s, 0, NULL, false);
		if (e)
			FAIL(c, er, e, "macsec %s: switch the encoding SA %u -> %u", m->interface,
			     k.set.encoding_sa, m->tx_sa.an);
		else
			e = log_undo(t, (struct undo){ .kind = U_ENCODING, .an = k.set.encoding_sa,
						       .old = k.set });
	}
	/* What goes at commit: TX SAs of other ANs, SCs of peers no longer configured. */
	for (int an = 0; !e && an < 4; an++)
		if (k.txsa[an].present && an != m->tx_sa.an)
			t->del_txsa |= (uint8_t)(1u << an);
	for (size_t i = 0; !e && i < k.n_rx; i++) {
		if (peer_of(m, k.rx[i].sci))
			continue;
		uint8_t (*g)[8] = realloc(t->del_rxsc, (t->n_del_rxsc + 1) * sizeof(*g));

		if (!g) {
			e = -ENOMEM;
			break;
		}
		t->del_rxsc = g;
		memcpy(g[t->n_del_rxsc++], k.rx[i].sci, 8);
	}
	keys_free(&keys, m->n_peers);
	secy_free(&k);
	return e;
}

static void undo_steps(struct nlc *c, const struct ztos_macsec *m, struct macsec_txn *t)
{
	char x[300];
	int e = 0;

	/* A link made by this change takes everything logged after it along. */
	if (t->n_u && t->u[0].kind == U_LINK_CREATED) {
		e = link_delete(c, t->ifindex);
		if (e && e != -ENODEV)
			pr_warn("macsec %s: undo: delete the link made: %s", t->ifname,
				ztnl_strerror(e, c->ext, x, sizeof(x)));
		t->n_u = 0;
		return;
	}
	for (size_t i = t->n_u; i-- > 0;) {
		const struct undo *u = &t->u[i];
		struct secy_settings s = u->old;

		switch (u->kind) {
		case U_LINK_CREATED:
			e = link_delete(c, t->ifindex);
			break;
		case U_LINK_SET:
			e = link_change(c, t->ifindex, m, &s, u->old_mtu, NULL, false);
			break;
		case U_ENCODING:
			e = link_change(c, t->ifindex, m, &s, 0, NULL, false);
			break;
		case U_RXSC_ADDED:
			e = sa_cmd(c, t->ifindex, MACSEC_CMD_DEL_RXSC, u->sci, -1, NULL);
			break;
		case U_RXSA_ADDED:
			e = sa_retire(c, t->ifindex, u->sci, u->an);
			break;
		case U_TXSA_ADDED:
			e = sa_retire(c, t->ifindex, NULL, u->an);
			break;
		}
		if (e && e != -ENODEV)
			pr_warn("macsec %s: undo step %zu: %s", t->ifname, i,
				ztnl_strerror(e, c->ext, x, sizeof(x)));
	}
	t->n_u = 0;
}

static int kernel_missing(struct macsec *ms, struct ztos_err *er)
{
	ztos_errmsg(er, -EINVAL, "kernel has no MACsec support (CONFIG_MACSEC): the macsec section is not applied");
	set_error(ms, er->msg, true);
	return 0;
}

int macsec_prepare(struct macsec *ms, const struct ztos_config *old,
		   const struct ztos_config *cfg, struct macsec_txn **txn, struct ztos_err *er)
{
	bool want = cfg && cfg->has_macsec, had = old && old->has_macsec;
	struct macsec_txn *t = calloc(1, sizeof(*t));
	struct nlc c;
	int e;

	*txn = NULL;
	if (!t)
		return -ENOMEM;
	t->old = old;
	if (!want && !had) {
		set_error(ms, NULL, false);
		*txn = t;
		return 0;
	}
	e = nlc_open(&c);
	if (e == -EPROTONOSUPPORT) {
		*txn = t;
		return want ? kernel_missing(ms, er) : 0;
	}
	if (e) {
		ztos_errmsg(er, -EINVAL, "macsec: cannot open netlink sockets: %s", strerror(-e));
		free(t);
		return e;
	}
	if (had && (!want || strcmp(old->macsec.interface, cfg->macsec.interface))) {
		struct link_info li = { 0 };

		if (!get_link(&c, old->macsec.interface, &li) && ours(&li) && want) {
			/* Renamed: the new link would have the old one's SCI on the parent,
			 * which the kernel refuses (EBUSY); the old goes first. */
			pr_warn("macsec: %s becomes %s: the link is made again", old->macsec.interface,
				cfg->macsec.interface);
			e = link_delete(&c, li.ifindex);
			if (e) {
				FAIL(&c, er, e, "macsec %s: delete it to make %s", old->macsec.interface,
				     cfg->macsec.interface);
				nlc_close(&c);
				txn_free(t);
				return e;
			}
			t->reapply_old = true;
		} else if (li.found && ours(&li)) {
			t->del_link = li.ifindex;
			snprintf(t->del_link_name, sizeof(t->del_link_name), "%s",
				 old->macsec.interface);
		}
	}
	if (want) {
		snprintf(t->ifname, sizeof(t->ifname), "%s", cfg->macsec.interface);
		e = ensure(&c, &cfg->macsec, t, er);
		if (e) {
			undo_steps(&c, &cfg->macsec, t);
			nlc_close(&c);
			if (t->reapply_old && old) {
				struct macsec_txn *back = NULL;
				struct ztos_err again = { 0 };

				/* What was replaced in place comes back from the old config. */
				if (!macsec_prepare(ms, NULL, old, &back, &again))
					macsec_commit(ms, back);
				else
					pr_warn("macsec: restoring the previous state: %s", again.msg);
			}
			set_error(ms, er->msg, false);
			txn_free(t);
			return e;
		}
	}
	nlc_close(&c);
	*txn = t;
	return 0;
}

void macsec_commit(struct macsec *ms, struct macsec_txn *t)
{
	struct nlc c;
	char x[300], sci[17];
	int e;

	if (!t)
		return;
	if ((t->del_txsa || t->n_del_rxsc || t->del_link) && !nlc_open(&c)) {
		for (uint8_t an = 0; an < 4; an++) {
			if (!(t->del_txsa & (1u << an)))
				continue;
			e = sa_retire(&c, t->ifindex, NULL, an);
			if (e)
				pr_warn("macsec %s: retire TX SA an %u: %s", t->ifname, an,
					ztnl_strerror(e, c.ext, x, sizeof(x)));
			else
				pr_info("macsec %s: retired TX SA an %u", t->ifname, an);
		}
		for (size_t i = 0; i < t->n_del_rxsc; i++) {
			sci_str(t->del_rxsc[i], sci, sizeof(sci));
			e = sa_cmd(&c, t->ifindex, MACSEC_CMD_DEL_RXSC, t->del_rxsc[i], -1, NULL);
			if (e && e != -ENODEV)
				pr_warn("macsec %s: remove RX SC %s: %s", t->ifname, sci,
					ztnl_strerror(e, c.ext, x, sizeof(x)));
			else
				pr_info("macsec %s: removed RX SC %s (peer no longer configured)",
					t->ifname, sci);
		}
		if (t->del_link) {
			e = link_delete(&c, t->del_link);
			if (e && e != -ENODEV)
				pr_warn("macsec %s: delete the link: %s", t->del_link_name,
					strerror(-e));
			else
				pr_info("macsec %s: deleted (no longer configured)", t->del_link_name);
		}
		nlc_close(&c);
	}
	pthread_mutex_lock(&ms->lock);
	if (!ms->unsupported)
		ms->error[0] = '\0';
	ms->maybe_stale = true;
	pthread_mutex_unlock(&ms->lock);
	txn_free(t);
}

bool macsec_tick_wanted(struct macsec *ms)
{
	bool r;

	pthread_mutex_lock(&ms->lock);
	r = ms->maybe_stale && !ms->unsupported;
	pthread_mutex_unlock(&ms->lock);
	return r;
}

void macsec_undo(struct macsec *ms, struct macsec_txn *t)
{
	struct nlc c;

	if (!t)
		return;
	if (t->n_u && !nlc_open(&c)) {
		/* undo_steps needs the config only for the settings it puts back */
		struct ztos_macsec m = { 0 };

		if (t->old && t->old->has_macsec)
			m = t->old->macsec;
		undo_steps(&c, &m, t);
		nlc_close(&c);
	}
	if (t->reapply_old && t->old) {
		struct macsec_txn *back = NULL;
		struct ztos_err again = { 0 };

		if (!macsec_prepare(ms, NULL, t->old, &back, &again))
			macsec_commit(ms, back);
		else
			pr_warn("macsec: restoring the previous state: %s", again.msg);
	}
	txn_free(t);
}

/* ---- retiring replaced RX SAs ---- */

static int64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct retiring *retiring_of(struct macsec *ms, const uint8_t sci[8], bool add)
{
	struct retiring *g;

	for (size_t i = 0; i < ms->n_ret; i++)
		if (!memcmp(ms->ret[i].sci, sci, 8))
			return &ms->ret[i];
	if (!add || !(g = realloc(ms->ret, (ms->n_ret + 1) * sizeof(*g))))
		return NULL;
	ms->ret = g;
	g = &ms->ret[ms->n_ret++];
	memset(g, 0, sizeof(*g));
	memcpy(g->sci, sci, 8);
	return g;
}

static void retired_event(const char *ifname, const char *mac, uint16_t port, uint8_t an,
			  const char *why)
{
	cJSON *body = cJSON_CreateObject();

	cJSON_AddStringToObject(body, "action", "retire_rx_sa");
	cJSON_AddStringToObject(body, "interface", ifname);
	cJSON_AddStringToObject(body, "peer", mac);
	cJSON_AddNumberToObject(body, "port", port);
	cJSON_AddNumberToObject(body, "an", an);
	cJSON_AddStringToObject(body, "reason", why);
	event_emit("macsec", 0, NULL, body);
}

void macsec_tick(struct macsec *ms, const struct ztos_config *cfg)
{
	const struct ztos_macsec *m = &cfg->macsec;
	struct link_info li;
	struct k_secy k = { 0 };
	int64_t now = now_us();
	char mac[18], x[300];
	struct nlc c;

	if (!cfg->has_macsec || ms->unsupported || nlc_open(&c))
		return;
	if (get_link(&c, m->interface, &li) || !ours(&li) || secy_read(&c, li.ifindex, &k))
		goto out;
	pthread_mutex_lock(&ms->lock);
	ms->maybe_stale = false;
	for (size_t i = 0; i < m->n_peers; i++) {
		const struct ztos_macsec_peer *p = &m->peers[i];
		struct k_rxsc *rx;
		struct retiring *r;
		uint8_t sci[8];
		bool stale = false, traffic;
		const char *why = NULL;

		sci_of(p->mac, p->port, sci);
		rx = find_rxsc(&k, sci);
		if (!rx)
			continue;
		for (int an = 0; an < 4; an++)
			stale |= rx->sa[an].present && an != p->rx_sa.an;
		r = retiring_of(ms, sci, stale);
		if (!stale) {
			if (r)	/* nothing (left) to retire on this channel */
				*r = ms->ret[--ms->n_ret];
			continue;
		}
		ms->maybe_stale = true;
		if (!r)
			continue;
		if (!r->stale_since_us)
			r->stale_since_us = now;
		traffic = rx->sa[p->rx_sa.an].present &&
			  rx->sa[p->rx_sa.an].stats[MACSEC_SA_STATS_ATTR_IN_PKTS_OK] > 0;
		if (traffic && !r->traffic_since_us)
			r->traffic_since_us = now;
		if (r->traffic_since_us && now - r->traffic_since_us >= MACSEC_RETIRE_GRACE_MS * 1000)
			why = "the new SA carries the peer's traffic";
		else if (now - r->stale_since_us >= (int64_t)MACSEC_RETIRE_MAX_S * 1000000)
			why = "the longest an old SA is kept";
		if (!why)
			continue;
		mac_str(p->mac, mac, sizeof(mac));
		for (uint8_t an = 0; an < 4; an++) {
			int e;

			if (!rx->sa[an].present || an == p->rx_sa.an)
				continue;
			e = sa_retire(&c, li.ifindex, sci, an);
			if (e) {
				pr_warn("macsec %s: retire RX SA an %u of peer %s: %s", m->interface,
					an, mac, ztnl_strerror(e, c.ext, x, sizeof(x)));
				continue;
			}
			pr_info("macsec %s: retired RX SA an %u of peer %s (%s)", m->interface, an,
				mac, why);
			retired_event(m->interface, mac, p->port, an, why);
		}
	}
	pthread_mutex_unlock(&ms->lock);
out:
	secy_free(&k);
	nlc_close(&c);
}

/* ---- status and metrics ---- */

/* strip: the kernel's key IDs are padded with zeros to 16 bytes; show them without */
static void add_hex(cJSON *o, const char *name, const uint8_t *b, size_t n, bool strip)
{
	char out[2 * MACSEC_KEYID_LEN + 1] = "";

	while (strip && n > 1 && !b[n - 1])
		n--;
	for (size_t i = 0; i < n && i < MACSEC_KEYID_LEN; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	cJSON_AddStringToObject(o, name, out);
}

static const char *const sa_stat_names[N_SA_STATS] = {
	[MACSEC_SA_STATS_ATTR_IN_PKTS_OK] = "InPktsOK",
	[MACSEC_SA_STATS_ATTR_IN_PKTS_INVALID] = "InPktsInvalid",
	[MACSEC_SA_STATS_ATTR_IN_PKTS_NOT_VALID] = "InPktsNotValid",
	[MACSEC_SA_STATS_ATTR_IN_PKTS_NOT_USING_SA] = "InPktsNotUsingSA",
	[MACSEC_SA_STATS_ATTR_IN_PKTS_UNUSED_SA] = "InPktsUnusedSA",
	[MACSEC_SA_STATS_ATTR_OUT_PKTS_PROTECTED] = "OutPktsProtected",
	[MACSEC_SA_STATS_ATTR_OUT_PKTS_ENCRYPTED] = "OutPktsEncrypted",
};

static const char *const rxsc_stat_names[N_RXSC_STATS] = {
	[MACSEC_RXSC_STATS_ATTR_IN_OCTETS_VALIDATED] = "InOctetsValidated",
	[MACSEC_RXSC_STATS_ATTR_IN_OCTETS_DECRYPTED] = "InOctetsDecrypted",
	[MACSEC_RXSC_STATS_ATTR_IN_PKTS_UNCHECKED] = "InPktsUnchecked",
	[MACSEC_RXSC_STATS_ATTR_IN_PKTS_DELAYED] = "InPktsDelayed",
	[MACSEC_RXSC_STATS_ATTR_IN_PKTS_OK] = "InPktsOK",
	[MACSEC_RXSC_STATS_ATTR_IN_PKTS_INVALID] = "InPktsInvalid",
	[MACSEC_RXSC_STATS_ATTR_IN_PKTS_LATE] = "InPktsLate",
	[MACSEC_RXSC_STATS_ATTR_IN_PKTS_NOT_VALID] = "InPktsNotValid",
	[MACSEC_RXSC_STATS_ATTR_IN_PKTS_NOT_USING_SA] = "InPktsNotUsingSA",
	[MACSEC_RXSC_STATS_ATTR_IN_PKTS_UNUSED_SA] = "InPktsUnusedSA",
};

static const char *const txsc_stat_names[N_TXSC_STATS] = {
	[MACSEC_TXSC_STATS_ATTR_OUT_PKTS_PROTECTED] = "OutPktsProtected",
	[MACSEC_TXSC_STATS_ATTR_OUT_PKTS_ENCRYPTED] = "OutPktsEncrypted",
	[MACSEC_TXSC_STATS_ATTR_OUT_OCTETS_PROTECTED] = "OutOctetsProtected",
	[MACSEC_TXSC_STATS_ATTR_OUT_OCTETS_ENCRYPTED] = "OutOctetsEncrypted",
};

static const char *const secy_stat_names[N_SECY_STATS] = {
	[MACSEC_SECY_STATS_ATTR_OUT_PKTS_UNTAGGED] = "OutPktsUntagged",
	[MACSEC_SECY_STATS_ATTR_IN_PKTS_UNTAGGED] = "InPktsUntagged",
	[MACSEC_SECY_STATS_ATTR_OUT_PKTS_TOO_LONG] = "OutPktsTooLong",
	[MACSEC_SECY_STATS_ATTR_IN_PKTS_NO_TAG] = "InPktsNoTag",
	[MACSEC_SECY_STATS_ATTR_IN_PKTS_BAD_TAG] = "InPktsBadTag",
	[MACSEC_SECY_STATS_ATTR_IN_PKTS_UNKNOWN_SCI] = "InPktsUnknownSCI",
	[MACSEC_SECY_STATS_ATTR_IN_PKTS_NO_SCI] = "InPktsNoSCI",
	[MACSEC_SECY_STATS_ATTR_IN_PKTS_OVERRUN] = "InPktsOverrun",
};

static cJSON *stats_json(const uint64_t *v, const char *const *names, int n, bool rx_sa)
{
	cJSON *o = cJSON_CreateObject();

	for (int i = 0; i < n; i++) {
		if (!names[i] || (rx_sa && i >= MACSEC_SA_STATS_ATTR_OUT_PKTS_PROTECTED) ||
		    (!rx_sa && names == sa_stat_names && i < MACSEC_SA_STATS_ATTR_OUT_PKTS_PROTECTED))
			continue;
		cJSON_AddNumberToObject(o, names[i], (double)v[i]);
	}
	return o;
}

static cJSON *sa_json(const struct k_sa *sa, uint8_t an, bool rx, const char *state)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "an", an);
	cJSON_AddBoolToObject(o, "active", sa->active);
	cJSON_AddStringToObject(o, "state", state);
	add_hex(o, "key_id", sa->key_id, sizeof(sa->key_id), true);
	cJSON_AddNumberToObject(o, rx ? "lowest_pn" : "next_pn", sa->pn);
	cJSON_AddItemToObject(o, "stats", stats_json(sa->stats, sa_stat_names, N_SA_STATS, rx));
	return o;
}

static cJSON *config_sa(const struct ztos_macsec_sa *sa)
{
	cJSON *o = cJSON_CreateObject();
	uint8_t id[MACSEC_KEYID_LEN] = { 0 };

	memcpy(id, sa->key_id, sa->key_id_len);
	cJSON_AddNumberToObject(o, "an", sa->an);
	add_hex(o, "key_id", id, sa->key_id_len, false);
	return o;
}

/* Read the link and its SecY; NULL *why when it is there and ours. */
static int snapshot(const struct ztos_macsec *m, struct nlc *c, struct link_info *li,
		    struct k_secy *k, const char **why)
{
	int e = nlc_open(c);

	*why = NULL;
	if (e) {
		*why = e == -EPROTONOSUPPORT ? "kernel has no MACsec support (CONFIG_MACSEC)"
					     : "cannot open netlink sockets";
		return e;
	}
	e = get_link(c, m->interface, li);
	if (!e && !li->found)
		*why = "the link is not there";
	else if (!e && !ours(li))
		*why = "a device of that name exists and is not ztos's";
	else if (!e)
		e = secy_read(c, li->ifindex, k);
	if (e && !*why)
		*why = "cannot read the link's state over netlink";
	return e ? e : *why ? -ENOENT : 0;
}

static void rx_scs_json(cJSON *o, const struct ztos_macsec *m, struct k_secy *k)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "rx_sc");
	char sci[17], mac[18];

	for (size_t i = 0; i < k->n_rx; i++) {
		const struct k_rxsc *rx = &k->rx[i];
		cJSON *so = cJSON_CreateObject(), *sas;
		int want_an = -1;

		for (size_t j = 0; j < m->n_peers; j++) {
			uint8_t s[8];

			sci_of(m->peers[j].mac, m->peers[j].port, s);
			if (!memcmp(s, rx->sci, 8))
				want_an = m->peers[j].rx_sa.an;
		}
		sci_str(rx->sci, sci, sizeof(sci));
		mac_str(rx->sci, mac, sizeof(mac));
		cJSON_AddStringToObject(so, "sci", sci);
		cJSON_AddStringToObject(so, "mac", mac);
		cJSON_AddNumberToObject(so, "port", rx->sci[6] << 8 | rx->sci[7]);
		cJSON_AddBoolToObject(so, "active", rx->active);
		cJSON_AddBoolToObject(so, "configured", want_an >= 0);
		sas = cJSON_AddArrayToObject(so, "sa");
		for (int an = 0; an < 4; an++)
			if (rx->sa[an].present)
				cJSON_AddItemToArray(sas, sa_json(&rx->sa[an], (uint8_t)an, true,
								  an == want_an ? "in use" : "retiring"));
		cJSON_AddItemToObject(so, "stats", stats_json(rx->stats, rxsc_stat_names,
							      N_RXSC_STATS, false));
		cJSON_AddItemToArray(arr, so);
	}
}

static void ms_status(void *priv, const struct ztos_config *cfg, struct subsys_status *st);

cJSON *macsec_status(struct macsec *ms, const struct ztos_config *cfg)
{
	struct subsys_status st = { SUBSYS_NOT_CONFIGURED };
	const struct ztos_macsec *m = &cfg->macsec;
	cJSON *o = cJSON_CreateObject(), *peers, *tx, *sas;
	struct k_secy k = { 0 };
	struct link_info li;
	struct nlc c = { 0 };
	const char *why;
	char mac[18], sci[17];

	cJSON_AddBoolToObject(o, "configured", cfg->has_macsec);
	if (!cfg->has_macsec)
		return o;
	cJSON_AddStringToObject(o, "interface", m->interface);
	cJSON_AddStringToObject(o, "parent", m->parent);
	cJSON_AddStringToObject(o, "cipher", cipher_str(m->cipher));
	cJSON_AddBoolToObject(o, "encrypt", m->encrypt);
	cJSON_AddNumberToObject(o, "replay_window", m->replay_window);
	cJSON_AddStringToObject(o, "validate", "strict");
	ms_status(ms, cfg, &st);
	cJSON_AddStringToObject(o, "state", subsys_state_name(st.state));
	if (st.reason[0])
		cJSON_AddStringToObject(o, "reason", st.reason);
	cJSON_Delete(st.detail);
	cJSON_AddItemToObject(o, "tx_sa", config_sa(&m->tx_sa));
	peers = cJSON_AddArrayToObject(o, "peers");
	for (size_t i = 0; i < m->n_peers; i++) {
		cJSON *po = cJSON_CreateObject();

		mac_str(m->peers[i].mac, mac, sizeof(mac));
		cJSON_AddStringToObject(po, "mac", mac);
		cJSON_AddNumberToObject(po, "port", m->peers[i].port);
		cJSON_AddItemToObject(po, "rx_sa", config_sa(&m->peers[i].rx_sa));
		cJSON_AddItemToArray(peers, po);
	}
	if (snapshot(m, &c, &li, &k, &why)) {
		cJSON *kern = cJSON_AddObjectToObject(o, "kernel");

		cJSON_AddBoolToObject(kern, "present", false);
		cJSON_AddStringToObject(kern, "reason", why);
		goto out;
	}
	cJSON *kern = cJSON_AddObjectToObject(o, "kernel");

	cJSON_AddBoolToObject(kern, "present", true);
	cJSON_AddNumberToObject(kern, "ifindex", li.ifindex);
	cJSON_AddNumberToObject(kern, "mtu", li.mtu);
	cJSON_AddBoolToObject(kern, "up", li.flags & IFF_UP);
	cJSON_AddBoolToObject(kern, "operational", k.oper);
	cJSON_AddNumberToObject(kern, "encoding_sa", k.set.encoding_sa);
	cJSON_AddBoolToObject(kern, "encrypt", k.set.encrypt);
	cJSON_AddBoolToObject(kern, "replay_protect", k.set.replay);
	cJSON_AddNumberToObject(kern, "replay_window", k.set.window);
	cJSON_AddStringToObject(kern, "validate", k.set.validate == MACSEC_VALIDATE_STRICT ? "strict"
						 : k.set.validate == MACSEC_VALIDATE_CHECK ? "check"
											 : "disabled");
	tx = cJSON_AddObjectToObject(kern, "tx_sc");
	sci_str(k.sci, sci, sizeof(sci));
	cJSON_AddStringToObject(tx, "sci", sci);
	sas = cJSON_AddArrayToObject(tx, "sa");
	for (int an = 0; an < 4; an++)
		if (k.txsa[an].present)
			cJSON_AddItemToArray(sas, sa_json(&k.txsa[an], (uint8_t)an, false,
							  an == k.set.encoding_sa ? "in use" : "retiring"));
	cJSON_AddItemToObject(tx, "stats", stats_json(k.txsc_stats, txsc_stat_names, N_TXSC_STATS,
						      false));
	rx_scs_json(kern, m, &k);
	cJSON_AddItemToObject(kern, "secy_stats", stats_json(k.secy_stats, secy_stat_names,
							     N_SECY_STATS, false));
out:
	secy_free(&k);
	nlc_close(&c);
	return o;
}

static void labelled(cJSON *family, double v, const char *ifname, const char *sci, int an,
		     const char *k2, const char *v2)
{
	cJSON *s = cJSON_CreateObject(), *l = cJSON_AddObjectToObject(s, "labels");

	cJSON_AddStringToObject(l, "interface", ifname);
	if (sci)
		cJSON_AddStringToObject(l, "sci", sci);
	if (an >= 0) {
		char b[4];

		snprintf(b, sizeof(b), "%d", an);
		cJSON_AddStringToObject(l, "an", b);
	}
	if (k2)
		cJSON_AddStringToObject(l, k2, v2);
	cJSON_AddNumberToObject(s, "value", v);
	cJSON_AddItemToArray(cJSON_GetObjectItem(family, "samples"), s);
}

void macsec_metrics(struct macsec *ms, const struct ztos_config *cfg, cJSON *families)
{
	const struct ztos_macsec *m = &cfg->macsec;
	cJSON *tx, *rx, *secy, *sa;
	struct k_secy k = { 0 };
	struct link_info li;
	struct nlc c = { 0 };
	const char *why;
	char sci[17];

	if (!cfg->has_macsec || ms->unsupported || snapshot(m, &c, &li, &k, &why))
		goto out;
	tx = metrics_family(families, "ztos_macsec_tx_sc_total", "counter",
			    "MACsec TX secure channel counters (802.1AE names) by kind.");
	for (int i = 0; i < N_TXSC_STATS; i++)
		if (txsc_stat_names[i])
			labelled(tx, (double)k.txsc_stats[i], m->interface, NULL, -1, "counter",
				 txsc_stat_names[i]);
	rx = metrics_family(families, "ztos_macsec_rx_sc_total", "counter",
			    "MACsec RX secure channel counters (802.1AE names), by peer SCI and kind.");
	sa = metrics_family(families, "ztos_macsec_sa_packets_total", "counter",
			    "MACsec packets per SA: TX (sci of this host) and RX (sci of the peer).");
	sci_str(k.sci, sci, sizeof(sci));
	for (int an = 0; an < 4; an++) {
		if (!k.txsa[an].present)
			continue;
		labelled(sa, (double)k.txsa[an].stats[MACSEC_SA_STATS_ATTR_OUT_PKTS_ENCRYPTED],
			 m->interface, sci, an, "counter", "OutPktsEncrypted");
		labelled(sa, (double)k.txsa[an].stats[MACSEC_SA_STATS_ATTR_OUT_PKTS_PROTECTED],
			 m->interface, sci, an, "counter", "OutPktsProtected");
	}
	for (size_t i = 0; i < k.n_rx; i++) {
		sci_str(k.rx[i].sci, sci, sizeof(sci));
		for (int j = 0; j < N_RXSC_STATS; j++)
			if (rxsc_stat_names[j])
				labelled(rx, (double)k.rx[i].stats[j], m->interface, sci, -1,
					 "counter", rxsc_stat_names[j]);
		for (int an = 0; an < 4; an++) {
			if (!k.rx[i].sa[an].present)
				continue;
			for (int j = MACSEC_SA_STATS_ATTR_IN_PKTS_OK;
			     j <= MACSEC_SA_STATS_ATTR_IN_PKTS_UNUSED_SA; j++)
				labelled(sa, (double)k.rx[i].sa[an].stats[j], m->interface, sci, an,
					 "counter", sa_stat_names[j]);
		}
	}
	secy = metrics_family(families, "ztos_macsec_secy_total", "counter",
			      "MACsec SecY counters (802.1AE names) by kind.");
	for (int i = 0; i < N_SECY_STATS; i++)
		if (secy_stat_names[i])
			labelled(secy, (double)k.secy_stats[i], m->interface, NULL, -1, "counter",
				 secy_stat_names[i]);
out:
	secy_free(&k);
	nlc_close(&c);
}

int macsec_cleanup(const struct ztos_config *cfg)
{
	struct link_info li;
	struct nlc c;
	int e;

	if (!cfg->has_macsec || nlc_open(&c))
		return 0;
	e = get_link(&c, cfg->macsec.interface, &li);
	if (!e && ours(&li)) {
		e = link_delete(&c, li.ifindex);
		if (e)
			fprintf(stderr, "macsec %s: delete: %s\n", cfg->macsec.interface, strerror(-e));
		else
			printf("removed MACsec link %s\n", cfg->macsec.interface);
	}
	nlc_close(&c);
	return e;
}

/* ---- the subsystem (subsys.h) ---- */

static int ms_init(void *priv, struct subsys_env *env)
{
	struct macsec *ms = priv;

	pthread_mutex_init(&ms->lock, NULL);
	ms->maybe_stale = true;
	return 0;
}

static void ms_fini(void *priv)
{
	struct macsec *ms = priv;

	free(ms->ret);
	pthread_mutex_destroy(&ms->lock);
}

static int ms_apply(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		    void **txn, struct ztos_err *e)
{
	/* At start without a macsec: section there is nothing to adopt or make. */
	if (!old && !cfg->has_macsec)
		return 0;
	if (macsec_prepare(priv, old, cfg, (struct macsec_txn **)txn, e)) {
		e->code = -EIO;
		snprintf(e->where, sizeof(e->where), "macsec");
		return -EIO;
	}
	/* A kernel without MACsec: said once (status says it too), the rest applies. */
	if (e->msg[0])
		pr_warn("%s", e->msg);
	ztos_err_clear(e);
	return 0;
}

static void ms_undo(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		    void *txn)
{
	macsec_undo(priv, txn);
}

static void ms_commit(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		      void *txn)
{
	macsec_commit(priv, txn);
}

static void ms_tick(void *priv, const struct ztos_config *cfg, uint64_t n)
{
	/* Replaced RX SAs retire. */
	if (cfg->has_macsec && macsec_tick_wanted(priv))
		macsec_tick(priv, cfg);
}

static void ms_status(void *priv, const struct ztos_config *cfg, struct subsys_status *st)
{
	struct macsec *ms = priv;

	if (!cfg->has_macsec)
		return;
	pthread_mutex_lock(&ms->lock);
	if (ms->unsupported) {
		st->state = SUBSYS_NOT_SUPPORTED;
		snprintf(st->reason, sizeof(st->reason),
			 "kernel has no MACsec support (CONFIG_MACSEC)");
	} else if (ms->error[0]) {
		st->state = SUBSYS_ERROR;
		snprintf(st->reason, sizeof(st->reason), "%s", ms->error);
	} else {
		st->state = SUBSYS_RUNNING;
		st->detail = cJSON_CreateObject();
		cJSON_AddStringToObject(st->detail, "interface", cfg->macsec.interface);
	}
	pthread_mutex_unlock(&ms->lock);
}

static void ms_metrics(void *priv, const struct ztos_config *cfg, cJSON *families)
{
	macsec_metrics(priv, cfg, families);
}

const struct subsys_ops macsec_subsys = {
	.name = "macsec",
	.priv_size = sizeof(struct macsec),
	.init = ms_init,
	.fini = ms_fini,
	.apply = ms_apply,
	.undo = ms_undo,
	.commit = ms_commit,
	.tick = ms_tick,
	.status = ms_status,
	.metrics = ms_metrics,
	.cleanup = macsec_cleanup,
};
