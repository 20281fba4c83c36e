/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The ztos config model: a typed, validated view of ztos.yaml (version 1).
 *
 * YAML (libyaml) and JSON (cJSON, for POST /api/v1/network/configure) are both
 * parsed into one generic tree (struct cfg_node) first; one schema walker then
 * turns the tree into struct ztos_config and validates it, so both inputs give
 * the same errors. Errors carry a location: "FILE:LINE:COL" for nodes that came
 * from a file, a path such as "tenants[1].vni" for nodes that came from JSON.
 *
 * This library knows no transport and no kernel: it reads files (the config, and
 * the secret files it references, to check their length and mode) and nothing else.
 */
#ifndef ZTOS_CONFIG_H
#define ZTOS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <net/if.h>
#include <netinet/in.h>

#define ZTOS_NAME_MAX 32	/* tenant and peer names, without the NUL */
#define ZTOS_VNI_MAX 16777215u
#define ZTOS_DPI_BATCH_MAX 4096u		/* dpi.batch_size */
#define ZTOS_DPI_BATCH_DEFAULT 256u
#define ZTOS_DPI_BATCH_TIMEOUT_DEFAULT 200u	/* dpi.batch_timeout_us */
#define ZTOS_DPI_DEPTH_MAX (1ull << 40)		/* dpi.inspect_depth: 1 TiB */
/* agent.api.max_followers: at most the unix socket's connections (agent/api/server.c) */
#define API_MAX_FOLLOWERS_DEFAULT 128u
#define API_MAX_FOLLOWERS_LIMIT 256u

struct ztos_addr {
	int family;		/* AF_INET or AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

struct ztos_cidr {
	struct ztos_addr addr;
	uint8_t prefixlen;
};

struct ztos_endpoint {
	struct ztos_addr addr;
	uint16_t port;
};

enum ztos_action { ZTOS_ALLOW, ZTOS_DENY, ZTOS_INSPECT };
enum ztos_xdp_mode { ZTOS_XDP_AUTO, ZTOS_XDP_NATIVE, ZTOS_XDP_GENERIC };
/* noop scans nothing: it measures the pipeline around the engine (bench/dpi.sh). */
enum ztos_dpi_engine { ZTOS_DPI_AUTO, ZTOS_DPI_CPU, ZTOS_DPI_CUDA, ZTOS_DPI_NOOP };
/*
 * How copies of "inspect" flows reach the engine: a clone over the DPI veth to an AF_XDP
 * socket (afxdp), or a copy into a BPF ring buffer the reader maps (ring, the default).
 */
enum ztos_dpi_transport { ZTOS_DPI_AFXDP, ZTOS_DPI_RING };
enum ztos_on_alert { ZTOS_ON_ALERT_LOG, ZTOS_ON_ALERT_BLOCK };
enum ztos_macsec_cipher { ZTOS_GCM_AES_128, ZTOS_GCM_AES_256 };

struct ztos_policy_rule {
	enum ztos_action action;
	uint8_t proto;		/* 0 any, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP, IPPROTO_ICMPV6 */
	bool has_src, has_dst;
	struct ztos_cidr src, dst;
	uint16_t sport, dport;	/* 0: any */
};

/* An EVPN route distinguisher or route target: "ASN:NN" or "A.B.C.D:NN", with its NUL. */
#define ZTOS_EVPN_RT_MAX 24
typedef char ztos_rt[ZTOS_EVPN_RT_MAX];

struct ztos_tenant {
	char name[ZTOS_NAME_MAX + 1];
	uint32_t vni;
	struct ztos_addr *vteps;
	size_t n_vteps;
	char (*interfaces)[IF_NAMESIZE];
	size_t n_interfaces;
	struct ztos_cidr *subnets;
	size_t n_subnets;
	/* IPv4 gateway addresses on ztbr<vni>, with the prefix length of their subnet: the
	 * same on every host (a distributed gateway, one MAC per VNI); a tenant with
	 * gateways has a vrf */
	struct ztos_cidr *gateways;
	size_t n_gateways;
	bool has_vrf;
	uint32_t vrf_table;	/* 1..0xffffffff, not 253/254/255 (default/main/local) */
	uint32_t l3vni;		/* 0: none */
	/* EVPN (tenants[].evpn): "" and none while FRR's own RD (router-id:N), RT (AS:VNI) serve */
	ztos_rt evpn_rd;
	ztos_rt *rt_import, *rt_export;	/* evpn.rt goes into both */
	size_t n_rt_import, n_rt_export;
	enum ztos_action policy_default;	/* ZTOS_ALLOW or ZTOS_DENY */
	struct ztos_policy_rule *rules;
	size_t n_rules;
};

#define ZTOS_HOST_MAX 253	/* a DNS name, without the NUL */

struct ztos_wg_peer {
	char name[ZTOS_NAME_MAX + 1];
	uint8_t public_key[32];
	bool has_endpoint;
	struct ztos_endpoint endpoint;	/* addr.family 0 when endpoint_host names it */
	char endpoint_host[ZTOS_HOST_MAX + 1];	/* a DNS name, resolved at apply; "" */
	struct ztos_cidr *allowed_ips;
	size_t n_allowed_ips;
	uint16_t persistent_keepalive;	/* seconds, 0: off */
};

struct ztos_wireguard {
	char interface[IF_NAMESIZE];
	char *private_key_file;	/* absolute path; the key itself is never kept here */
	uint16_t listen_port;	/* 0: kernel picks */
	bool has_address;
	struct ztos_cidr address;
	struct ztos_wg_peer *peers;
	size_t n_peers;
};

#define ZTOS_MACSEC_KEYID_MAX 16	/* bytes, MACSEC_KEYID_LEN in linux/if_macsec.h */

struct ztos_macsec_sa {
	uint8_t an;		/* 0..3 */
	uint8_t key_id[ZTOS_MACSEC_KEYID_MAX];
	uint8_t key_id_len;
	char *key_file;		/* absolute path */
};

struct ztos_macsec_peer {
	uint8_t mac[6];
	uint16_t port;		/* SCI port, 1..65535 */
	struct ztos_macsec_sa rx_sa;
};

struct ztos_macsec {
	char interface[IF_NAMESIZE];
	char parent[IF_NAMESIZE];
	enum ztos_macsec_cipher cipher;
	bool encrypt;
	uint32_t replay_window;	/* 0: replay protection off */
	struct ztos_macsec_sa tx_sa;
	struct ztos_macsec_peer *peers;
	size_t n_peers;
};

/* BGP keepalive and hold time, seconds; not set: FRR's (datacenter defaults: 3 and 9). */
struct ztos_bgp_timers {
	bool set;
	uint16_t keepalive, hold;	/* hold 0 (never) or 3..65535, keepalive <= hold */
};

/*
 * BFD's timing: packets every interval_ms each way (transmit and receive, 10..60000), a
 * session down after multiplier (2..255) of them missed. ztos's default, 100 ms x 3,
 * declares a peer down in 0.3 s: with BGP's withdrawal after it, a cut host leaves the
 * others' allowlists in well under a second (FRR's own 300 ms x 3 took 1.0 to 1.2 s,
 * bench/results/evpn.md), for 10 small packets a second each way per peer.
 */
#define ZTOS_BFD_INTERVAL_DEFAULT 100u
#define ZTOS_BFD_MULTIPLIER_DEFAULT 3u
struct ztos_bfd_timing {
	uint32_t interval_ms;
	uint8_t multiplier;
};

struct ztos_bgp_peer {
	struct ztos_addr address;
	uint32_t asn;			/* bgp.asn: iBGP, another: eBGP */
	bool route_reflector_client;
	bool bfd;			/* bfd: true, or bfd: {interval_ms, multiplier} */
	bool has_bfd_timing;		/* the peer's own timing; else bgp.bfd's */
	struct ztos_bfd_timing bfd_timing;
	struct ztos_bgp_timers timers;	/* unset: bgp.timers */
};

struct ztos_bgp {
	uint32_t asn;
	struct in_addr router_id;
	struct ztos_bgp_peer *peers;
	size_t n_peers;
	bool advertise_all_vni;
	struct ztos_bgp_timers timers;
	bool has_bfd;			/* bgp.bfd given */
	struct ztos_bfd_timing bfd;	/* of the peers with bfd: true; ztos's default if not given */
};

/* agent.frr.mode: start FRR for ztos (own), use the host's (host), or look first (auto). */
enum ztos_frr_mode { ZTOS_FRR_AUTO, ZTOS_FRR_OWN, ZTOS_FRR_HOST };
#define ZTOS_FRR_NAME_MAX 40	/* an FRR pathspace name (-N), without the NUL */

struct ztos_dpi_cfg {
	bool enabled;
	enum ztos_dpi_engine engine;
	enum ztos_dpi_transport transport;
	char **rules;		/* absolute paths (real paths for those given over the API) */
	size_t n_rules;
	char *rules_dir;	/* where rules files named over the API must be */
	enum ztos_on_alert on_alert;
	uint32_t batch_size;		/* packets handed to the engine at most at once */
	uint32_t batch_timeout_us;	/* a batch not full goes to the engine after this */
	uint64_t inspect_depth;		/* bytes of a flow's direction copied; 0: all */
};

struct ztos_config {
	int version;
	struct {
		char *listen;		/* "HOST:PORT", "[V6]:PORT"; NULL or "" disables TCP */
		char *socket;		/* unix socket path; NULL disables it */
		char *token_file;
		char *tls_cert, *tls_key;	/* both or neither */
		uint32_t header_timeout_s;	/* a TCP client sends its headers within this */
		uint32_t max_followers;	/* event streams (?follow=1) open at once */
	} api;
	char *state_dir;
	char *bpffs;
	char *wireguard_go;	/* absolute path of the wireguard-go to run (agent.wireguard_go) */
	struct {
		/* "": derived from state_dir (frr/frr.h), so agents on one machine never meet */
		char pathspace[ZTOS_FRR_NAME_MAX + 1];
		char *dir;		/* FRR's daemons and frr-reload.py: /usr/lib/frr */
		enum ztos_frr_mode mode;
	} frr;
	struct {
		char *file;
		bool syslog;
		uint64_t max_bytes;	/* rotate when the file grows past this */
		uint32_t keep;		/* rotated files kept: file.1 .. file.N */
		char *level;		/* "warn", "info" or "debug" */
	} log;

	bool has_underlay;
	struct {
		char interface[IF_NAMESIZE];
		struct ztos_addr address;
		enum ztos_xdp_mode xdp_mode;
		uint16_t vxlan_port;
		uint32_t flow_table_size;	/* flows in each flow table (flowtab4, flows) */
	} underlay;

	struct ztos_tenant *tenants;
	size_t n_tenants;

	bool has_wireguard;
	struct ztos_wireguard wireguard;
	bool has_macsec;
	struct ztos_macsec macsec;
	bool has_bgp;
	struct ztos_bgp bgp;
	bool has_dpi;
	struct ztos_dpi_cfg dpi;
};

/* ---- errors ---- */

struct cfg_error {
	char *where;		/* "FILE:LINE:COL" or "tenants[1].vni" or "FILE" */
	char *message;		/* says what is wrong and what to change */
};

struct cfg_errors {
	struct cfg_error *v;
	size_t n;
};

void cfg_errors_print(FILE *f, const struct cfg_errors *errs);	/* "WHERE: MESSAGE\n" each */
/* [{"location", "message"}, ...]: what the API and the event log say of them. */
struct cJSON *cfg_errors_json(const struct cfg_errors *errs);
/* Append an error; 0 or -ENOMEM. */
int cfg_error_add(struct cfg_errors *errs, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cfg_errors_free(struct cfg_errors *errs);

/* ---- generic tree ---- */

struct cfg_node;	/* map, sequence or scalar, with its source location */

/* Parse only (syntax); errors go to errs. Return 0 or -EINVAL / -errno. */
int cfg_parse_yaml_file(const char *path, struct cfg_node **root, struct cfg_errors *errs);
int cfg_parse_yaml(const char *name, const char *buf, size_t len, struct cfg_node **root,
		   struct cfg_errors *errs);
int cfg_parse_json(const char *buf, size_t len, struct cfg_node **root, struct cfg_errors *errs);

/*
 * Merge patch into base (base is changed, patch is copied): maps merge key by key,
 * scalars replace, and the lists of named objects merge by their key (tenants and
 * wireguard peers by name, bgp peers by address, macsec peers by mac); an element of
 * such a list with "remove: true" removes the element with that key.
 * Other lists replace. Return 0 or -ENOMEM.
 */
int cfg_merge(struct cfg_node *base, const struct cfg_node *patch);
struct cfg_node *cfg_node_clone(const struct cfg_node *n);
/* {key: a copy of value}: a patch that puts value under key. NULL: no memory. */
struct cfg_node *cfg_node_wrap(const char *key, const struct cfg_node *value);
/* Whether a map node has key (false for a node that is not a map). */
bool cfg_node_has(const struct cfg_node *map, const char *key);
void cfg_node_free(struct cfg_node *n);

/*
 * Schema walk and validation. Relative paths in the config (key files, rules) are
 * resolved against base_dir (the config file's folder). On error *out is NULL,
 * every error found is in errs and -EINVAL is returned.
 *
 * Nodes that came from no file (JSON: the API) are held to more: a rules file they name
 * must be a regular file in dpi.rules_dir and none of the agent's own secret files, and
 * dpi.rules_dir itself comes from a file only. Errors about their key files do not tell
 * a missing file from an unusable one.
 */
int cfg_build(const struct cfg_node *root, const char *base_dir, struct ztos_config **out,
	      struct cfg_errors *errs);

/* Parse + build a YAML file. */
int cfg_load_file(const char *path, struct cfg_node **tree, struct ztos_config **out,
		  struct cfg_errors *errs);

void cfg_free(struct ztos_config *cfg);

/* ---- differences, for dry runs and events ---- */

enum cfg_change_op { CFG_ADD, CFG_REMOVE, CFG_CHANGE };

struct cfg_change {
	enum cfg_change_op op;
	char *object;		/* "tenant blue", "wireguard peer host-b", "bgp", "agent.api", ... */
	char *detail;		/* "vni 100 -> 200, vteps +192.0.2.3"; may be NULL */
};

int cfg_diff(const struct ztos_config *old, const struct ztos_config *new,
	     struct cfg_change **changes, size_t *n);

/* The same MACsec SAs (association numbers and key IDs; keys are not compared) in both. */
bool cfg_macsec_sas_equal(const struct ztos_config *a, const struct ztos_config *b);
void cfg_changes_free(struct cfg_change *changes, size_t n);
const char *cfg_change_op_str(enum cfg_change_op op);

/* ---- small helpers shared with the agent and the CLI ---- */

/*
 * The length of the UTF-8 sequence at s (1 to 4), or 0 when it is not one: RFC 3629, so
 * no overlong forms, no surrogates, nothing past U+10FFFF. n: the bytes left at s.
 */
size_t ztos_utf8_seq(const char *s, size_t n);

/*
 * A secret file (a key, the API token) read the one way that validation and apply both
 * use: one open(O_NOFOLLOW | O_NONBLOCK), fstat of that descriptor (a regular file of the
 * agent's user, no mode bits for group or others; group_read: the group may read it),
 * and the read from it. A symbolic link, FIFO or device put in its place after validation
 * is refused, never followed or waited on. Returns the length read (less than cap), or
 * -errno with why (a sentence naming path, never its content): -ELOOP (a link), -EINVAL
 * (not a regular file), -EACCES (mode or owner), -EFBIG (cap bytes or more), open's.
 */
ssize_t cfg_secret_read(const char *path, bool group_read, char *buf, size_t cap, char *why,
			size_t len);

/*
 * A folder the agent keeps its files in (state_dir, the API socket's, wireguard-go's
 * socket folder), made with mode if missing; when it was there already: a directory, not
 * a symbolic link, of the agent's user, that no one else can write to (else another user
 * could put a link or a socket of theirs in the agent's place). 0 or -errno, with why.
 */
int cfg_dir_own(const char *path, mode_t mode, char *why, size_t len);

const char *ztos_action_str(enum ztos_action a);
/* A rule's protocol as the config spells it: "any", "tcp", "udp", "icmp", "icmpv6". */
const char *ztos_proto_str(uint8_t proto);
const char *ztos_xdp_mode_str(enum ztos_xdp_mode m);
const char *ztos_dpi_engine_str(enum ztos_dpi_engine e);
const char *ztos_dpi_transport_str(enum ztos_dpi_transport t);
/* "10.0.0.1", "2001:db8::1"; buf at least INET6_ADDRSTRLEN */
const char *ztos_addr_str(const struct ztos_addr *a, char *buf, size_t len);
/* A WireGuard key in base64 (44 characters); buf at least 45 */
const char *ztos_key_str(const uint8_t key[32], char *buf, size_t len);
/* "10.0.0.0/24"; buf at least INET6_ADDRSTRLEN + 4 */
const char *ztos_cidr_str(const struct ztos_cidr *c, char *buf, size_t len);

#endif
