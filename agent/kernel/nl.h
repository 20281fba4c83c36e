/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Netlink transport shared by the kernel adapters in agent/kernel/: a socket with
 * extended acks, requests sent many per sendmsg() with one ack collected for each, and
 * dumps. Messages are built with libnl (struct nl_msg: libnl-route's builders such as
 * rtnl_link_build_add_request(), or nlmsg_alloc_simple() + nla_put_*() by hand); this
 * layer only moves them, so it serves NETLINK_ROUTE and NETLINK_GENERIC alike.
 *
 * Errors: 0 / -errno. Where the kernel said why (NETLINK_EXT_ACK), the message is kept
 * and ztnl_strerror() gives "strerror: extack" for the caller's error text.
 *
 * Every message buffer, sent or received, is wiped before it is freed: requests carry
 * keys (WireGuard, MACsec) and WireGuard's device dump returns its private key.
 */
#ifndef ZTOS_NETLINK_NL_H
#define ZTOS_NETLINK_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/netlink.h>
#include <netlink/msg.h>

struct ztnl;

/* A reply other than the ack (an echo, a GET's answer, a dump's part) to a request. */
typedef int (*ztnl_reply_fn)(const struct nlmsghdr *nlh, void *arg);

/*
 * protocol: NETLINK_ROUTE or NETLINK_GENERIC. Extended and capped acks, large buffers,
 * strict checking of dump requests (so a dump can be filtered, e.g. by ifindex).
 */
int ztnl_open(int protocol, struct ztnl **out);
void ztnl_close(struct ztnl *nl);

/*
 * Queue a request; nl takes msg (also on error). NLM_F_REQUEST and NLM_F_ACK are added
 * and the sequence number set. reply (may be NULL) sees the replies that are not the
 * ack. Returns the request's index in the batch (>= 0) or -errno.
 */
int ztnl_queue(struct ztnl *nl, struct nl_msg *msg, ztnl_reply_fn reply, void *arg);
size_t ztnl_queued(const struct ztnl *nl);
/*
 * The same, for a request that must reach the kernel in the same sendmsg() as the one
 * queued before it: the kernel runs a sendmsg()'s requests together, so an agent killed
 * meanwhile leaves both done or neither (a new link and the alias that marks it ours).
 */
int ztnl_queue_with_prev(struct ztnl *nl, struct nl_msg *msg, ztnl_reply_fn reply, void *arg);

/*
 * Send the queued requests, as many per sendmsg() as the socket takes, and collect an
 * ack for each. The kernel goes on after a refused request, so every request has its
 * own result (ztnl_result()). Returns 0 when all succeeded, else the first failure's
 * -errno; the batch is empty afterwards either way (results stay until the next queue).
 */
int ztnl_flush(struct ztnl *nl);
/* Request i of the last flush: 0 / -errno; *extack (may be NULL) the kernel's reason. */
int ztnl_result(const struct ztnl *nl, size_t i, const char **extack);
/* The index of the first failed request of the last flush, or -1. */
int ztnl_first_error(const struct ztnl *nl);

/*
 * One request, its ack: ztnl_queue() + ztnl_flush(); -EBUSY while a batch is queued.
 * extack (may be NULL) gets the kernel's reason.
 */
int ztnl_talk(struct ztnl *nl, struct nl_msg *msg, ztnl_reply_fn reply, void *arg,
	      char *extack, size_t len);

/* A dump (msg gets NLM_F_DUMP): reply sees every part until NLMSG_DONE. */
int ztnl_dump(struct ztnl *nl, struct nl_msg *msg, ztnl_reply_fn reply, void *arg,
	      char *extack, size_t len);

/*
 * Tests only (agent/fault.h): from now, the nth request flushed (1: the next) is not sent
 * but answered err with an extended ack that says so; 0 turns it off. Whether it was.
 * err ZTNL_FAULT_KILL: the process kills itself (SIGKILL) instead, before the sendmsg()
 * that would carry that request (and what goes with it): a crash between two sendmsg().
 */
#define ZTNL_FAULT_KILL 1
void ztnl_fault(unsigned int nth, int err);
bool ztnl_fault_fired(void);

/* Free a message not given to nl (a request built and then not sent): wiped first. */
void ztnl_msg_free(struct nl_msg *msg);

/* ---- generic netlink ---- */

/* The id of the generic netlink family name (looking it up loads its module), -ENOENT
 * when the kernel has none, or -errno. */
int ztnl_genl_family(struct ztnl *nl, const char *name);
/* A request of family with its genlmsghdr, for the caller's attributes (nla_put_*). */
struct nl_msg *ztnl_genl_msg(int family, uint8_t cmd, uint8_t version, int flags);

/* The ifindex of a link by name (SIOCGIFINDEX on nl's socket: no socket per call), or -errno. */
int ztnl_ifindex(struct ztnl *nl, const char *name);

/* "File exists: A VXLAN device with the specified VNI already exists" into buf. */
const char *ztnl_strerror(int err, const char *extack, char *buf, size_t len);

/* ---- rtnetlink links ---- */

/* What a RTM_NEWLINK message says of a link; the pointers point into the message. */
struct ztnl_link {
	int ifindex;
	unsigned int flags;	/* IFF_* */
	const char *name;
	const char *alias;	/* IFLA_IFALIAS, NULL when it has none */
	const char *kind;	/* IFLA_INFO_KIND, NULL for a link without one (veth has one) */
	uint32_t mtu;
	int master;		/* 0: none */
	int link;		/* IFLA_LINK, 0: none */
	const struct nlattr *info_data;	/* IFLA_INFO_DATA, NULL when absent */
};

/* 0, or -EINVAL for a message that is not a well-formed RTM_NEWLINK. */
int ztnl_link_parse(const struct nlmsghdr *nlh, struct ztnl_link *out);

/*
 * Dump every link of this network namespace (without statistics, which the kernel
 * otherwise adds to each). reply gets each RTM_NEWLINK; ztnl_link_parse() reads it.
 */
int ztnl_link_dump(struct ztnl *nl, ztnl_reply_fn reply, void *arg);

/*
 * A RTM_NEWLINK/RTM_DELLINK/RTM_SETLINK message with its ifinfomsg, for the caller's
 * attributes (nla_put_*). ifindex 0 with name: the kernel finds the link by name.
 */
struct nl_msg *ztnl_link_msg(int type, int flags, int ifindex, const char *name);

#endif
