// SPDX-License-Identifier: GPL-2.0-only
/*
 * Netlink plumbing of the WireGuard subsystem: messages are built with libnl, but sent
 * and answered here, so that a refusal comes back with the kernel's extended ack
 * ("extack") message, which libnl 3.7 does not hand to its callers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include "wg_internal.h"

#define RECV_BUF (64 * 1024)

int wg_errf(struct wg_err *e, int err, const char *fmt, ...)
{
	va_list ap;

	if (e) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	}
	return err;
}

struct nl_sock *wg_nl_socket(int protocol)
{
	struct nl_sock *sk = nl_socket_alloc();
	int one = 1;

	if (!sk)
		return NULL;
	if (nl_connect(sk, protocol)) {
		nl_socket_free(sk);
		return NULL;
	}
	/* Refusals carry the kernel's reason; acks do not echo our whole request. */
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	return sk;
}

static void extack_msg(const struct nlmsghdr *nh, char *buf, size_t len)
{
	const struct nlmsgerr *e = NLMSG_DATA(nh);
	const struct nlattr *a;
	size_t off = sizeof(*e), total;

	if (!buf || !len)
		return;
	buf[0] = '\0';
	if (!(nh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	total = nh->nlmsg_len - NLMSG_HDRLEN;
	for (a = (const void *)((const char *)e + off); off + sizeof(*a) <= total;
	     off += NLA_ALIGN(a->nla_len), a = (const void *)((const char *)e + off)) {
		if (a->nla_len < sizeof(*a) || off + a->nla_len > total)
			return;
		if ((a->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
			snprintf(buf, len, "%.*s", (int)(a->nla_len - sizeof(*a)),
				 (const char *)(a + 1));
			buf[strcspn(buf, "\n")] = '\0';
			return;
		}
	}
}

int wg_nl_transact(struct nl_sock *sk, struct nl_msg *msg, int (*cb)(struct nlmsghdr *, void *),
		   void *arg, char *extack, size_t len)
{
	bool dump = nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP;
	int fd = nl_socket_get_fd(sk), ret, cb_err = 0;
	unsigned int seq;
	char *buf;

	if (extack && len)
		extack[0] = '\0';
	nlmsg_hdr(msg)->nlmsg_flags |= NLM_F_REQUEST | (dump ? 0 : NLM_F_ACK);
	ret = nl_send_auto(sk, msg);
	seq = nlmsg_hdr(msg)->nlmsg_seq;
	nlmsg_free(msg);
	if (ret < 0)
		return -EIO;
	buf = malloc(RECV_BUF);
	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t n = recv(fd, buf, RECV_BUF, 0);
		struct nlmsghdr *nh;
		int left;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		left = (int)n;
		for (nh = (void *)buf; nlmsg_ok(nh, left); nh = nlmsg_next(nh, &left)) {
			if (nh->nlmsg_seq != seq)
				continue;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				if (e->error)
					extack_msg(nh, extack, len);
				ret = e->error;
				goto out;
			}
			if (nh->nlmsg_type == NLMSG_DONE) {
				ret = 0;
				if (nh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
					ret = *(int *)NLMSG_DATA(nh);
				goto out;
			}
			/* After a failed callback, read on to the end, then report it. */
			if (!cb_err && cb)
				cb_err = cb(nh, arg);
		}
	}
out:
	free(buf);
	return ret ? ret : cb_err;
}
