/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Inside the WireGuard subsystem: one model of a device (struct wg_dev) that both back
 * ends read and write, the kernel's generic netlink family "wireguard" (wg_genl.c) and
 * wireguard-go's UAPI socket (wg_uapi.c); the rtnetlink steps around it (wg_link.c).
 * wireguard.c reconciles config and device through these.
 */
#ifndef ZTOS_WG_INTERNAL_H
#define ZTOS_WG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>

#include <netlink/netlink.h>
#include <netlink/msg.h>
#include <netlink/attr.h>

#include "config/config.h"
#include "err.h"

#define WG_KEY_LEN 32
#define WG_ALIAS "ztos: wireguard"	/* IFLA_IFALIAS of every WireGuard device ztos made */
#define WG_UAPI_DIR "/var/run/wireguard"

struct wg_peer {
	uint8_t key[WG_KEY_LEN];
	bool has_endpoint;
	struct ztos_endpoint endpoint;
	uint16_t keepalive;
	const char *endpoint_host;	/* the config's name for it, NULL: an address */
	struct ztos_cidr *ips;
	size_t n_ips;
	/* read back only */
	int64_t handshake_sec;	/* unix time of the last handshake, 0: none yet */
	uint64_t rx_bytes, tx_bytes;
};

struct wg_dev {
	bool has_private_key;
	uint8_t private_key[WG_KEY_LEN];	/* wiped by wg_dev_free() */
	uint8_t public_key[WG_KEY_LEN];
	uint16_t port;
	struct wg_peer *peers;
	size_t n_peers;
};

void wg_dev_free(struct wg_dev *d);
int wg_dev_copy(struct wg_dev *dst, const struct wg_dev *src);
struct wg_peer *wg_dev_add_peer(struct wg_dev *d);	/* zeroed; NULL: no memory */
int wg_peer_add_ip(struct wg_peer *p, const struct ztos_cidr *c);
struct wg_peer *wg_dev_find(const struct wg_dev *d, const uint8_t key[WG_KEY_LEN]);

/* One peer of a change: added, updated in place or removed. */
enum wg_op { WG_PEER_ADD, WG_PEER_UPDATE, WG_PEER_REMOVE };

struct wg_peer_change {
	enum wg_op op;
	const struct wg_peer *p;	/* the wanted peer (for REMOVE: its key) */
	bool set_endpoint, set_keepalive, replace_ips;
};

struct wg_change {
	bool set_private_key;
	const uint8_t *private_key;
	bool set_port;
	uint16_t port;
	bool replace_peers;	/* only when no current peer stays */
	struct wg_peer_change *peers;
	size_t n_peers;
};

static inline bool wg_change_empty(const struct wg_change *c)
{
	return !c->set_private_key && !c->set_port && !c->replace_peers && !c->n_peers;
}

/* A back end: "kernel" (genl) or "wireguard-go" (UAPI). -ENODEV: no such device. */
struct wg_backend {
	const char *name;
	int (*get)(const char *ifname, struct wg_dev *out, struct ztos_err *e);
	int (*set)(const char *ifname, const struct wg_change *c, struct ztos_err *e);
};

extern const struct wg_backend wg_kernel, wg_userspace;

/* wg_genl.c: is the family there (this also loads the module)? */
bool wg_genl_available(void);

/* wg_uapi.c: wireguard-go */
void wg_uapi_path(const char *ifname, char *buf, size_t len);
/* The pid serving ifname's UAPI socket, or -errno (-ENOENT: none). */
int wg_uapi_pid(const char *ifname);
/* Start wireguard-go for ifname (it detaches itself, as under wg-quick); 0 or -errno. */
/* path: the wireguard-go to run (absolute), with a clean environment. */
int wg_go_start(const char *path, const char *ifname, struct ztos_err *e);
/* Stop the wireguard-go serving ifname, waiting for it to go; 0 or -errno. */
int wg_go_stop(const char *ifname);

/* wg_link.c: the rtnetlink side */
struct wg_link {
	int ifindex;
	char kind[16];		/* "wireguard", "tun", ... ("" if none) */
	bool ours;		/* carries WG_ALIAS */
	bool up;
	unsigned int mtu;
};

/* 0, -ENODEV when there is no such link, or -errno */
int wg_link_get(const char *ifname, struct wg_link *l, struct ztos_err *e);
int wg_link_create(const char *ifname, struct ztos_err *e);
/* mtu 0: leave it */
int wg_link_set(const char *ifname, unsigned int mtu, bool up, struct ztos_err *e);
int wg_link_mark(const char *ifname, struct ztos_err *e);
int wg_link_delete(const char *ifname, struct ztos_err *e);
/* The names of every link carrying WG_ALIAS (malloc'd array). */
int wg_link_list_ours(char (**names)[IF_NAMESIZE], size_t *n);
/* The addresses on ifindex (not IPv6 link-local), into *out (malloc'd). */
int wg_addr_list(int ifindex, struct ztos_cidr **out, size_t *n, struct ztos_err *e);
int wg_addr_change(const char *ifname, int ifindex, const struct ztos_cidr *c, bool add,
		   struct ztos_err *e);
/* The MTU of the path to addr (route metric, else the device's), or -errno. */
int wg_route_mtu(const struct ztos_addr *addr, const char *self, struct ztos_err *e);

#endif
