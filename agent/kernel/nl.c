// SPDX-License-Identifier: GPL-2.0-only
/*
 * Netlink transport: batches of requests, one sendmsg() for many, one ack each.
 *
 * rtnetlink and generic netlink run a request in the sender's context, inside its
 * sendmsg(): when sendmsg() returns, every ack of the batch is queued on our socket.
 * So a batch is bounded by what the receive queue holds (an ack, or an echo, costs an
 * skb each), not by round trips; CHUNK_MSGS keeps a chunk's replies well inside it.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <net/if.h>

#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/genl/genl.h>

#include "kernel/nl.h"

#define CHUNK_MSGS 256
#define CHUNK_BYTES (256 * 1024)
#define SNDBUF (1024 * 1024)
#define RCVBUF (8 * 1024 * 1024)
#define RBUF (64 * 1024)

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct req {
	struct nl_msg *msg;
	ztnl_reply_fn reply;
	void *arg;
	uint32_t seq;
	int err;
	bool acked;
	bool with_prev;		/* goes in the same sendmsg() as the request before it */
	bool faulted;		/* refused by a test's fault (ztnl_fault), never sent */
	char *extack;
};

struct ztnl {
	int fd;
	uint32_t seq;
	struct req *v;
	size_t n, cap;
	bool flushed;		/* v holds the results of the last flush */
	char *rbuf;
};

int ztnl_open(int protocol, struct ztnl **out)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	struct timeval tv = { .tv_sec = 10 };
	int one = 1, snd = SNDBUF, rcv = RCVBUF;
	struct ztnl *nl = calloc(1, sizeof(*nl));
	int err;

	if (!nl)
		return -ENOMEM;
	nl->rbuf = malloc(RBUF);
	nl->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	if (!nl->rbuf || nl->fd < 0)
		goto fail;
	/* The FORCE variants pass the sysctl caps (we are root); the plain ones are a fallback. */
	if (setsockopt(nl->fd, SOL_SOCKET, SO_SNDBUFFORCE, &snd, sizeof(snd)))
		setsockopt(nl->fd, SOL_SOCKET, SO_SNDBUF, &snd, sizeof(snd));
	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	/* A refused request comes back as its header and the kernel's reason, not a copy. */
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(nl->fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one, sizeof(one));
	/* A lost reply would otherwise hang the agent. */
	setsockopt(nl->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (bind(nl->fd, (struct sockaddr *)&sa, sizeof(sa)))
		goto fail;
	nl->seq = (uint32_t)getpid() << 12;
	*out = nl;
	return 0;
fail:
	err = errno ? -errno : -ENOMEM;
	ztnl_close(nl);
	return err;
}

/*
 * Requests may carry keys (a WireGuard private key, MACsec SA keys) and dumps may return
 * them (WG_CMD_GET_DEVICE): every buffer is wiped before it is freed or reused.
 */
void ztnl_msg_free(struct nl_msg *msg)
{
	if (!msg)
		return;
	explicit_bzero(nlmsg_hdr(msg), nlmsg_hdr(msg)->nlmsg_len);
	nlmsg_free(msg);
}

static void reset(struct ztnl *nl)
{
	for (size_t i = 0; i < nl->n; i++) {
		ztnl_msg_free(nl->v[i].msg);
		free(nl->v[i].extack);
	}
	nl->n = 0;
	nl->flushed = false;
}

void ztnl_close(struct ztnl *nl)
{
	if (!nl)
		return;
	reset(nl);
	if (nl->fd >= 0)
		close(nl->fd);
	free(nl->v);
	if (nl->rbuf)
		explicit_bzero(nl->rbuf, RBUF);
	free(nl->rbuf);
	free(nl);
}

int ztnl_queue(struct ztnl *nl, struct nl_msg *msg, ztnl_reply_fn reply, void *arg)
{
	struct nlmsghdr *h;

	if (nl->flushed)
		reset(nl);
	if (!msg)
		return -ENOMEM;
	if (nl->n == nl->cap) {
		size_t cap = nl->cap ? nl->cap * 2 : 64;
		struct req *v = realloc(nl->v, cap * sizeof(*v));

		if (!v) {
			ztnl_msg_free(msg);
			return -ENOMEM;
		}
		nl->v = v;
		nl->cap = cap;
	}
	h = nlmsg_hdr(msg);
	h->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	h->nlmsg_seq = ++nl->seq;
	h->nlmsg_pid = 0;
	nl->v[nl->n] = (struct req){ .msg = msg, .reply = reply, .arg = arg, .seq = h->nlmsg_seq };
	return (int)nl->n++;
}

int ztnl_queue_with_prev(struct ztnl *nl, struct nl_msg *msg, ztnl_reply_fn reply, void *arg)
{
	int i = ztnl_queue(nl, msg, reply, arg);

	if (i > 0)
		nl->v[i].with_prev = true;
	return i;
}

size_t ztnl_queued(const struct ztnl *nl)
{
	return nl->flushed ? 0 : nl->n;
}

static const struct nla_policy extack_policy[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING },
};

/* NLMSGERR_ATTR_MSG of an ack, or NULL. */
static const char *extack_msg(const struct nlmsghdr *h)
{
	const struct nlmsgerr *e = NLMSG_DATA(h);
	size_t off = sizeof(*e);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int len;

	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(h->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > NLMSG_HDRLEN)
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	len = (int)(h->nlmsg_len - NLMSG_HDRLEN) - (int)off;
	if (len <= 0 ||
	    nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off), len,
		      (struct nla_policy *)extack_policy) ||
	    !tb[NLMSGERR_ATTR_MSG])
		return NULL;
	return nla_get_string(tb[NLMSGERR_ATTR_MSG]);
}

static struct req *req_of(struct ztnl *nl, uint32_t seq, size_t from, size_t to)
{
	if (!nl->n || seq < nl->v[from].seq || seq - nl->v[from].seq >= to - from)
		return NULL;
	return &nl->v[from + (seq - nl->v[from].seq)];
}

/* Read replies until requests from..to-1 all have their ack. */
static int collect(struct ztnl *nl, size_t from, size_t to)
{
	size_t pending = to - from;

	while (pending) {
		ssize_t got = recv(nl->fd, nl->rbuf, RBUF, 0);
		int len = (int)got;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)nl->rbuf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			struct req *r = req_of(nl, h->nlmsg_seq, from, to);

			if (!r || r->acked)
				continue;
			if (h->nlmsg_type != NLMSG_ERROR) {
				if (r->reply)
					r->reply(h, r->arg);
				continue;
			}
			r->err = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
			if (r->err) {
				const char *m = extack_msg(h);

				r->extack = m ? strdup(m) : NULL;
			}
			r->acked = true;
			pending--;
		}
		explicit_bzero(nl->rbuf, (size_t)got);
	}
	return 0;
}

/* ---- fault injection (agent/fault.h, tests only) ---- */

static atomic_uint fault_nth, fault_seen;
static atomic_int fault_err;
static atomic_bool fault_hit;

void ztnl_fault(unsigned int nth, int err)
{
	atomic_store(&fault_nth, 0);
	atomic_store(&fault_seen, 0);
	atomic_store(&fault_hit, false);
	atomic_store(&fault_err, err);
	atomic_store(&fault_nth, nth);
}

bool ztnl_fault_fired(void)
{
	return atomic_load(&fault_hit);
}

/* Whether the request about to be sent is the one the test's fault refuses. */
static bool fault_takes(void)
{
	unsigned int nth = atomic_load(&fault_nth);

	if (!nth || atomic_load(&fault_hit) || atomic_fetch_add(&fault_seen, 1) + 1 != nth)
		return false;
	atomic_store(&fault_hit, true);
	return true;
}

/* Answered as the kernel refuses a request, without sending it. */
static void fault_answer(struct req *r)
{
	r->err = atomic_load(&fault_err);
	r->extack = strdup("refused by ZTOSD_FAULT, a test's fault injection");
	r->acked = true;
}

/*
 * The requests from i that go in one sendmsg(): at most CHUNK_MSGS and CHUNK_BYTES, never
 * parting a request from the one it goes with (a new link and its mark: a kill between
 * two sendmsg() would leave the link without it), never one a fault refuses.
 */
static size_t chunk_end(const struct ztnl *nl, size_t i, struct iovec *iov)
{
	size_t j = i, bytes = 0, g;

	while (j < nl->n && j - i < CHUNK_MSGS && !nl->v[j].faulted) {
		struct nlmsghdr *h = nlmsg_hdr(nl->v[j].msg);

		if (j > i && bytes + NLMSG_ALIGN(h->nlmsg_len) > CHUNK_BYTES)
			break;
		iov[j - i] = (struct iovec){ h, NLMSG_ALIGN(h->nlmsg_len) };
		bytes += NLMSG_ALIGN(h->nlmsg_len);
		j++;
	}
	for (g = j; j < nl->n && g > i && nl->v[g].with_prev;)
		g--;
	return g > i ? g : j;
}

int ztnl_flush(struct ztnl *nl)
{
	struct iovec iov[CHUNK_MSGS];
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	int ret = 0, first;
	size_t i = 0;

	if (nl->flushed)
		reset(nl);
	for (size_t k = 0; k < nl->n; k++) {
		size_t g = k;

		if (!fault_takes())
			continue;
		/* A crash comes between two sendmsg(), never inside a group. */
		while (atomic_load(&fault_err) == ZTNL_FAULT_KILL && g > 0 && nl->v[g].with_prev)
			g--;
		nl->v[g].faulted = true;
	}
	while (i < nl->n) {
		struct msghdr mh = { .msg_name = &kernel, .msg_namelen = sizeof(kernel),
				     .msg_iov = iov };
		size_t j;

		if (nl->v[i].faulted && atomic_load(&fault_err) == ZTNL_FAULT_KILL)
			raise(SIGKILL);
		if (nl->v[i].faulted) {
			fault_answer(&nl->v[i++]);
			continue;
		}
		j = chunk_end(nl, i, iov);
		mh.msg_iovlen = j - i;
		if (sendmsg(nl->fd, &mh, 0) < 0) {
			ret = -errno;
			break;
		}
		ret = collect(nl, i, j);
		if (ret)
			break;
		i = j;
	}
	/* Whatever was not sent or not answered has that error as its result. */
	for (size_t k = 0; k < nl->n; k++)
		if (!nl->v[k].acked)
			nl->v[k].err = ret ? ret : -EIO;
	nl->flushed = true;
	first = ztnl_first_error(nl);
	return first < 0 ? 0 : nl->v[first].err;
}

int ztnl_result(const struct ztnl *nl, size_t i, const char **extack)
{
	if (i >= nl->n)
		return -ENOENT;
	if (extack)
		*extack = nl->v[i].extack;
	return nl->v[i].err;
}

int ztnl_first_error(const struct ztnl *nl)
{
	for (size_t i = 0; i < nl->n; i++)
		if (nl->v[i].err)
			return (int)i;
	return -1;
}

static void copy_extack(const struct ztnl *nl, size_t i, char *buf, size_t len)
{
	const char *m = NULL;

	if (!buf || !len)
		return;
	ztnl_result(nl, i, &m);
	snprintf(buf, len, "%s", m ? m : "");
}

int ztnl_talk(struct ztnl *nl, struct nl_msg *msg, ztnl_reply_fn reply, void *arg,
	      char *extack, size_t len)
{
	int idx, ret;

	if (ztnl_queued(nl)) {
		ztnl_msg_free(msg);
		return -EBUSY;	/* a batch is being built: flush it first */
	}
	idx = ztnl_queue(nl, msg, reply, arg);
	if (idx < 0)
		return idx;
	ret = ztnl_flush(nl);
	copy_extack(nl, (size_t)idx, extack, len);
	return ret;
}

int ztnl_dump(struct ztnl *nl, struct nl_msg *msg, ztnl_reply_fn reply, void *arg,
	      char *extack, size_t len)
{
	struct nlmsghdr *req;
	uint32_t seq;
	int ret = 0;

	if (extack && len)
		extack[0] = '\0';
	if (!msg)
		return -ENOMEM;
	req = nlmsg_hdr(msg);
	req->nlmsg_flags |= NLM_F_REQUEST | NLM_F_DUMP;
	req->nlmsg_seq = seq = ++nl->seq;
	if (send(nl->fd, req, req->nlmsg_len, 0) < 0) {
		ret = -errno;
		goto out;
	}
	for (;;) {
		ssize_t got = recv(nl->fd, nl->rbuf, RBUF, 0);
		int n = (int)got;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = -errno;
			goto out;
		}
		for (struct nlmsghdr *h = (struct nlmsghdr *)nl->rbuf; NLMSG_OK(h, n);
		     h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				goto out;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const char *m = extack_msg(h);

				ret = ((const struct nlmsgerr *)NLMSG_DATA(h))->error;
				if (m && extack && len)
					snprintf(extack, len, "%s", m);
				if (ret)
					goto out;
				continue;
			}
			/* The rest of the dump is still read, so the socket stays usable. */
			if (!ret && reply)
				ret = reply(h, arg);
		}
		explicit_bzero(nl->rbuf, (size_t)got);
	}
out:
	ztnl_msg_free(msg);
	return ret;
}

/* ---- generic netlink ---- */

static const struct nla_policy ctrl_policy[CTRL_ATTR_MAX + 1] = {
	[CTRL_ATTR_FAMILY_ID] = { .type = NLA_U16 },
};

static int family_id(const struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[CTRL_ATTR_MAX + 1];

	if (genlmsg_parse((struct nlmsghdr *)nlh, 0, tb, CTRL_ATTR_MAX,
			  (struct nla_policy *)ctrl_policy) ||
	    !tb[CTRL_ATTR_FAMILY_ID])
		return 0;
	*(int *)arg = nla_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	return 0;
}

int ztnl_genl_family(struct ztnl *nl, const char *name)
{
	struct nl_msg *msg = nlmsg_alloc_simple(GENL_ID_CTRL, 0);
	struct genlmsghdr g = { .cmd = CTRL_CMD_GETFAMILY, .version = 1 };
	int id = -ENOENT, ret;

	if (!msg || nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO) ||
	    nla_put_string(msg, CTRL_ATTR_FAMILY_NAME, name)) {
		ztnl_msg_free(msg);
		return -ENOMEM;
	}
	ret = ztnl_talk(nl, msg, family_id, &id, NULL, 0);
	return ret == -ENOENT || ret == -EINVAL ? -ENOENT : ret ? ret : id;
}

struct nl_msg *ztnl_genl_msg(int family, uint8_t cmd, uint8_t version, int flags)
{
	struct genlmsghdr g = { .cmd = cmd, .version = version };
	struct nl_msg *msg = nlmsg_alloc_simple(family, flags);

	if (msg && nlmsg_append(msg, &g, sizeof(g), NLMSG_ALIGNTO)) {
		ztnl_msg_free(msg);
		return NULL;
	}
	return msg;
}

int ztnl_ifindex(struct ztnl *nl, const char *name)
{
	struct ifreq ifr = { 0 };

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	/* A netlink socket passes SIOCGIFINDEX on to the device layer of its namespace. */
	if (ioctl(nl->fd, SIOCGIFINDEX, &ifr))
		return -errno;
	return ifr.ifr_ifindex;
}

const char *ztnl_strerror(int err, const char *extack, char *buf, size_t len)
{
	if (extack && *extack)
		snprintf(buf, len, "%s (kernel: %s)", strerror(err < 0 ? -err : err), extack);
	else
		snprintf(buf, len, "%s", strerror(err < 0 ? -err : err));
	return buf;
}

/* ---- links ---- */

/*
 * Every attribute read is checked for its size (and strings for their NUL) before it is
 * read: libnl's nla_get_u32() reads 4 bytes whatever the attribute holds.
 */
static const struct nla_policy link_policy[IFLA_MAX + 1] = {
	[IFLA_IFNAME] = { .type = NLA_STRING },
	[IFLA_IFALIAS] = { .type = NLA_STRING },
	[IFLA_MTU] = { .type = NLA_U32 },
	[IFLA_MASTER] = { .type = NLA_U32 },
	[IFLA_LINK] = { .type = NLA_U32 },
	[IFLA_LINKINFO] = { .type = NLA_NESTED },
};

static const struct nla_policy linkinfo_policy[IFLA_INFO_MAX + 1] = {
	[IFLA_INFO_KIND] = { .type = NLA_STRING },
	[IFLA_INFO_DATA] = { .type = NLA_NESTED },
};

int ztnl_link_parse(const struct nlmsghdr *nlh, struct ztnl_link *out)
{
	struct nlattr *tb[IFLA_MAX + 1], *li[IFLA_INFO_MAX + 1];
	const struct ifinfomsg *ifi;

	if (nlh->nlmsg_type != RTM_NEWLINK || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)) ||
	    nlmsg_parse((struct nlmsghdr *)nlh, sizeof(*ifi), tb, IFLA_MAX,
			(struct nla_policy *)link_policy) ||
	    !tb[IFLA_IFNAME])
		return -EINVAL;
	ifi = NLMSG_DATA(nlh);
	*out = (struct ztnl_link){
		.ifindex = ifi->ifi_index,
		.flags = ifi->ifi_flags,
		.name = nla_get_string(tb[IFLA_IFNAME]),
		.alias = tb[IFLA_IFALIAS] ? nla_get_string(tb[IFLA_IFALIAS]) : NULL,
		.mtu = tb[IFLA_MTU] ? nla_get_u32(tb[IFLA_MTU]) : 0,
		.master = tb[IFLA_MASTER] ? (int)nla_get_u32(tb[IFLA_MASTER]) : 0,
		.link = tb[IFLA_LINK] ? (int)nla_get_u32(tb[IFLA_LINK]) : 0,
	};
	if (tb[IFLA_LINKINFO] && !nla_parse_nested(li, IFLA_INFO_MAX, tb[IFLA_LINKINFO],
						   (struct nla_policy *)linkinfo_policy)) {
		if (li[IFLA_INFO_KIND])
			out->kind = nla_get_string(li[IFLA_INFO_KIND]);
		out->info_data = li[IFLA_INFO_DATA];
	}
	return 0;
}

int ztnl_link_dump(struct ztnl *nl, ztnl_reply_fn reply, void *arg)
{
	struct nl_msg *msg = ztnl_link_msg(RTM_GETLINK, 0, 0, NULL);
	char extack[256];

	if (msg && nla_put_u32(msg, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS)) {
		ztnl_msg_free(msg);
		msg = NULL;
	}
	return ztnl_dump(nl, msg, reply, arg, extack, sizeof(extack));
}

struct nl_msg *ztnl_link_msg(int type, int flags, int ifindex, const char *name)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC, .ifi_index = ifindex };
	struct nl_msg *msg = nlmsg_alloc_simple(type, flags);

	if (!msg)
		return NULL;
	if (nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) ||
	    (name && nla_put_string(msg, IFLA_IFNAME, name))) {
		ztnl_msg_free(msg);
		return NULL;
	}
	return msg;
}
