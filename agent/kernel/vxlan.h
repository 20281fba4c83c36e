/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The overlay's kernel objects over rtnetlink: VXLAN devices, bridges, VRFs, the
 * head-end replication FDB entries (00:00:00:00:00:00 dst VTEP) of a VXLAN device, a
 * bridge's MAC, IPv4 forwarding and gateway addresses. Reading them (one link dump, one
 * bridge FDB dump, one address dump) and the messages that change them; what to change
 * is agent/subsys/overlay.c's business.
 */
#ifndef ZTOS_NETLINK_VXLAN_H
#define ZTOS_NETLINK_VXLAN_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "err.h"
#include "kernel/nl.h"

/* The mark of a device ztos made: IFLA_IFALIAS "ztos:tenant=<name>". */
#define OVL_ALIAS_PREFIX "ztos:tenant="
#define OVL_ALIAS_MAX 64

enum ovl_kind { OVL_OTHER, OVL_VXLAN, OVL_BRIDGE, OVL_VRF };

/* The IFA_PROTO of the addresses ztos puts on its bridges (the gateways): only those go. */
#define OVL_ADDR_PROTO 0x7a

/* An IPv4 address of a link, as read; ours: ztos put it there (OVL_ADDR_PROTO). */
struct ovl_addr {
	struct ztos_cidr cidr;
	bool ours;
};

/* A link as wanted, or as the kernel has it. */
struct ovl_dev {
	char name[IF_NAMESIZE];
	char alias[OVL_ALIAS_MAX];	/* "" when none; a longer alias is cut (never ours) */
	enum ovl_kind kind;
	int ifindex;			/* 0: not in the kernel */
	bool up;
	uint32_t mtu;
	char master[IF_NAMESIZE];	/* "" when none */
	int master_ifindex;		/* as read; resolved into master after the dump */
	bool has_mac;			/* as read: the kernel's; wanted: set mac */
	uint8_t mac[6];
	bool forwarding;		/* IPv4 forwarding (net.ipv4.conf.DEV.forwarding) */
	/* OVL_VXLAN */
	uint32_t vni;
	struct ztos_addr local;
	uint16_t port;
	char dev[IF_NAMESIZE];		/* the underlay device */
	int dev_ifindex;
	bool learning;
	/* OVL_VRF */
	uint32_t table;
	/* OVL_VXLAN: the all-zero FDB entries' remote VTEPs, when fdb_read */
	struct ztos_addr *fdb;
	size_t n_fdb;
	bool fdb_read;
	/* its IPv4 addresses, when addrs_read */
	struct ovl_addr *addrs;
	size_t n_addrs;
	bool addrs_read;
	bool context;			/* read only as another link's master or device */
};

/* Every link of this network namespace, found by name or ifindex in O(1). */
struct ovl_kernel {
	struct ovl_dev *v;
	size_t n, cap;
	int *by_name, *by_index;	/* open addressing over v, -1 empty */
	size_t slots;
};

/* Read links (and with fdb, the head-end FDB entries of VXLAN devices and every IPv4
 * address). */
int ovl_kernel_read(struct ztnl *nl, struct ovl_kernel *k, bool fdb, struct ztos_err *e);
/*
 * Only the links called names (batched RTM_GETLINKs; a missing name is no error), and
 * the masters and underlay devices they name. FDB entries: ovl_kernel_read_fdb().
 */
int ovl_kernel_read_links(struct ztnl *nl, struct ovl_kernel *k, char (*names)[IF_NAMESIZE],
			  size_t n, struct ztos_err *e);
/* The head-end FDB entries of one device only (a dump filtered by its ifindex). */
int ovl_kernel_read_fdb(struct ztnl *nl, struct ovl_kernel *k, struct ovl_dev *d,
			struct ztos_err *e);
/* The IPv4 addresses of one device only (a dump filtered by its ifindex). */
int ovl_kernel_read_addrs(struct ztnl *nl, struct ovl_kernel *k, struct ovl_dev *d,
			  struct ztos_err *e);
void ovl_kernel_free(struct ovl_kernel *k);
struct ovl_dev *ovl_find(const struct ovl_kernel *k, const char *name);
struct ovl_dev *ovl_find_index(const struct ovl_kernel *k, int ifindex);
/* Record that name now has ifindex (0: gone, -1: being made); adds it when new. */
int ovl_kernel_update(struct ovl_kernel *k, const char *name, int ifindex);
/* Made by ztos: one of its names and its alias mark. */
bool ovl_owned(const struct ovl_dev *d);
/* ztvx<vni>, ztbr<vni>, ztvrf<table> */
bool ovl_our_name(const char *name);
const char *ovl_kind_str(enum ovl_kind kind);

/*
 * Messages; ifindex 0 means "by name". create: the link with its attributes, master
 * and up (the alias needs a second message: ovl_msg_set with OVL_SET_ALIAS); the new
 * ifindex is asked for afterwards (ztnl_ifindex()), which costs the kernel less than an
 * echo of the whole link.
 */
struct nl_msg *ovl_msg_create(const struct ovl_dev *d, int dev_ifindex, int master_ifindex);
struct nl_msg *ovl_msg_delete(int ifindex, const char *name);

#define OVL_SET_MTU 1u
#define OVL_SET_MASTER 2u
#define OVL_SET_ALIAS 4u
#define OVL_SET_UP 8u
#define OVL_SET_MAC 16u
#define OVL_SET_FORWARD 32u
struct nl_msg *ovl_msg_set(int ifindex, const char *name, const struct ovl_dev *want,
			   unsigned int what, int master_ifindex);
/* RTM_NEWNEIGH (append) or RTM_DELNEIGH of 00:00:00:00:00:00 dst VTEP, NTF_SELF. */
struct nl_msg *ovl_msg_fdb(int type, int ifindex, const struct ztos_addr *dst);
/* RTM_NEWADDR (marked OVL_ADDR_PROTO) or RTM_DELADDR of an IPv4 address. */
struct nl_msg *ovl_msg_addr(int type, int ifindex, const struct ztos_cidr *a);

#endif
