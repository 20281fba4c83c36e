// SPDX-License-Identifier: GPL-2.0-only
/*
 * cfg_build: the config tree into struct ztos_config, validated. The top level,
 * agent:, underlay:, bgp: and dpi: live here; tenants.c and security.c hold the
 * larger sections. Every error is collected: one run shows them all.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "bpf/ztos_common.h"
#include "walk.h"

/* ---- agent ---- */

static int set_str(struct bctx *c, char **dst, const char *s)
{
	char *copy = strdup(s);

	if (!copy)
		return c->err = -ENOMEM;
	free(*dst);
	*dst = copy;
	return 0;
}

static int listen_host_ok(const char *host, bool bracketed)
{
	struct in6_addr a;

	if (bracketed)
		return inet_pton(AF_INET6, host, &a) == 1;
	return !strcmp(host, "localhost") || inet_pton(AF_INET, host, &a) == 1;
}

static int a_listen(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_config *cfg = obj;
	char host[INET6_ADDRSTRLEN + 1];
	const char *s;
	uint16_t port;
	bool br;
	int err = get_str(c, v, &s);

	if (err)
		return err;
	if (*s)
		err = cfg_split_hostport(s, host, sizeof(host), &br, &port);
	if (err == -ERANGE)
		return b_err(c, v, "'%.60s': the port is out of range; a port is 1..65535", s);
	if (err || (*s && !listen_host_ok(host, br)))
		return b_err(c, v, "'%.60s' is not HOST:PORT with an IPv4 address, [IPv6] or localhost; write 127.0.0.1:8080, [::1]:8080 or \"\" to turn TCP off",
			     s);
	return set_str(c, &cfg->api.listen, s);
}

static int a_socket(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_config *cfg = obj;
	struct sockaddr_un sun;
	const char *s;
	int err = get_str(c, v, &s);

	if (err)
		return err;
	if (!*s) {
		free(cfg->api.socket);
		cfg->api.socket = NULL;
		return 0;
	}
	err = get_path(c, v, &cfg->api.socket);
	if (!err && strlen(cfg->api.socket) >= sizeof(sun.sun_path))
		return b_err(c, v, "%s is too long for a unix socket (at most %zu bytes)",
			     cfg->api.socket, sizeof(sun.sun_path) - 1);
	return err;
}

static int a_token_file(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_config *cfg = obj;
	int err = get_path(c, v, &cfg->api.token_file);

	if (err)
		return err;
	/* a missing token file is fine: the agent writes one on first start */
	err = check_secret_mode(c, v, cfg->api.token_file, false);
	if (err == -ENOENT)
		return 0;
	if (err && err != -EINVAL && err != -ENOMEM)
		return b_err(c, v, "cannot check %s: %s", cfg->api.token_file, strerror(-err));
	return err;
}

static int tls_cert(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_config *cfg = obj;
	int err = get_path(c, v, &cfg->api.tls_cert);

	return err ? err : check_readable(c, v, cfg->api.tls_cert);
}

static int tls_key(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_config *cfg = obj;
	int err = get_path(c, v, &cfg->api.tls_key);

	if (err)
		return err;
	err = check_secret_mode(c, v, cfg->api.tls_key, true);
	if (err == -EINVAL || err == -ENOMEM)
		return err;
	return check_readable(c, v, cfg->api.tls_key);
}

static const struct field tls_fields[] = {
	{ "cert", tls_cert, "add the certificate file (PEM); cert and key go together" },
	{ "key", tls_key, "add the private key file (PEM); cert and key go together" },
	{ 0 },
};

static int a_tls(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return walk_map(c, v, tls_fields, obj);
}

static int a_header_timeout(struct bctx *c, const struct cfg_node *v, void *obj)
{
	uint64_t x;
	int err = get_uint(c, v, 1, 120, "header_timeout (seconds)", &x);

	if (!err)
		((struct ztos_config *)obj)->api.header_timeout_s = (uint32_t)x;
	return err;
}

/* Each follower holds a connection: the cap leaves the rest of them to requests. */
static int a_max_followers(struct bctx *c, const struct cfg_node *v, void *obj)
{
	uint64_t x;
	int err = get_uint(c, v, 1, API_MAX_FOLLOWERS_LIMIT, "max_followers", &x);

	if (!err)
		((struct ztos_config *)obj)->api.max_followers = (uint32_t)x;
	return err;
}

static const struct field api_fields[] = {
	{ "listen", a_listen, NULL },
	{ "socket", a_socket, NULL },
	{ "token_file", a_token_file, NULL },
	{ "tls", a_tls, NULL },
	{ "header_timeout", a_header_timeout, NULL },
	{ "max_followers", a_max_followers, NULL },
	{ 0 },
};

static int l_file(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_path(c, v, &((struct ztos_config *)obj)->log.file);
}

static int l_syslog(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_bool(c, v, &((struct ztos_config *)obj)->log.syslog);
}

#define LOG_SIZE_MIN 4096

/* A size: a number of bytes, or a string with K, M or G ("64M"), in min..max. */
static int get_size(struct bctx *c, const struct cfg_node *v, uint64_t min, uint64_t max,
		    const char *what, uint64_t *out)
{
	char buf[80];
	uint64_t x;
	int err;

	if (v->type == CFG_SCALAR && v->kind == CFG_NUMBER)
		return get_uint(c, v, min, max, what, out);
	if (v->type != CFG_SCALAR || v->kind != CFG_STRING)
		return b_err(c, v, "expected a size such as 64M or a number of bytes, got %s",
			     cfg_node_describe(v, buf, sizeof(buf)));
	err = cfg_parse_size(v->text, &x);
	if (err == -ERANGE || (!err && x > max))
		return b_err(c, v, "'%.40s' is too large; %s is at most %" PRIu64 " bytes", v->text,
			     what, max);
	if (err)
		return b_err(c, v, "'%.40s' is not a size; write bytes (1048576) or a number with K, M or G (64M)",
			     v->text);
	if (x < min)
		return b_err(c, v, "'%s' is too small; %s is at least %" PRIu64 " bytes", v->text,
			     what, min);
	*out = x;
	return 0;
}

static int l_max_size(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_config *cfg = obj;

	return get_size(c, v, LOG_SIZE_MIN, UINT64_MAX, "max_size", &cfg->log.max_bytes);
}

static int l_keep(struct bctx *c, const struct cfg_node *v, void *obj)
{
	uint64_t x;
	int err = get_uint(c, v, 0, 100, "keep (rotated files)", &x);

	if (!err)
		((struct ztos_config *)obj)->log.keep = (uint32_t)x;
	return err;
}

static int l_level(struct bctx *c, const struct cfg_node *v, void *obj)
{
	static const char *const names[] = { "warn", "info", "debug", NULL };
	int i, err = get_enum(c, v, names, &i);

	return err ? err : set_str(c, &((struct ztos_config *)obj)->log.level, names[i]);
}

static const struct field log_fields[] = {
	{ "file", l_file, NULL },
	{ "syslog", l_syslog, NULL },
	{ "max_size", l_max_size, NULL },
	{ "keep", l_keep, NULL },
	{ "level", l_level, NULL },
	{ 0 },
};

static int a_api(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return walk_map(c, v, api_fields, obj);
}

static int a_state_dir(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_path(c, v, &((struct ztos_config *)obj)->state_dir);
}

static int a_bpffs(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_path(c, v, &((struct ztos_config *)obj)->bpffs);
}

static int a_log(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return walk_map(c, v, log_fields, obj);
}

/* The program the agent runs as root where the kernel has no WireGuard: file only. */
static int a_wireguard_go(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_path(c, v, &((struct ztos_config *)obj)->wireguard_go);
}

/* A pathspace names folders under /var/run/frr and /etc/frr: one plain word. */
static int fr_pathspace(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_config *cfg = obj;
	const char *s;
	int err = get_str(c, v, &s);

	if (err)
		return err;
	if (!*s || strlen(s) > ZTOS_FRR_NAME_MAX || s[0] == '.' ||
	    strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
		    strlen(s))
		return b_err(c, v, "'%.60s' is not an FRR pathspace name: 1 to %d letters, digits, "
			     "'_', '.' or '-', not starting with '.'", s, ZTOS_FRR_NAME_MAX);
	snprintf(cfg->frr.pathspace, sizeof(cfg->frr.pathspace), "%s", s);
	return 0;
}

static int fr_dir(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_path(c, v, &((struct ztos_config *)obj)->frr.dir);
}

static int fr_mode(struct bctx *c, const struct cfg_node *v, void *obj)
{
	static const char *const names[] = { "auto", "own", "host", NULL };
	int i, err = get_enum(c, v, names, &i);

	if (!err)
		((struct ztos_config *)obj)->frr.mode = (enum ztos_frr_mode)i;
	return err;
}

static const struct field frr_fields[] = {
	{ "pathspace", fr_pathspace, NULL },
	{ "dir", fr_dir, NULL },
	{ "mode", fr_mode, NULL },
	{ 0 },
};

static int a_frr(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return walk_map(c, v, frr_fields, obj);
}

static const struct field agent_fields[] = {
	{ "api", a_api, NULL },
	{ "state_dir", a_state_dir, NULL },
	{ "bpffs", a_bpffs, NULL },
	{ "log", a_log, NULL },
	{ "wireguard_go", a_wireguard_go, NULL },
	{ "frr", a_frr, NULL },
	{ 0 },
};

static int agent_defaults(struct ztos_config *cfg)
{
	cfg->api.listen = strdup("127.0.0.1:8080");
	cfg->api.socket = strdup("/run/ztos/api.sock");
	cfg->api.token_file = strdup("/etc/ztos/token");
	cfg->state_dir = strdup("/var/lib/ztos");
	cfg->bpffs = strdup("/sys/fs/bpf/ztos");
	cfg->log.file = strdup("/var/log/ztos/events.json");
	cfg->log.level = strdup("info");
	cfg->frr.dir = strdup("/usr/lib/frr");
	cfg->log.max_bytes = 64u << 20;
	cfg->log.keep = 5;
	cfg->api.header_timeout_s = 10;
	cfg->api.max_followers = API_MAX_FOLLOWERS_DEFAULT;
	cfg->wireguard_go = strdup("/usr/bin/wireguard-go");
	if (!cfg->api.listen || !cfg->api.socket || !cfg->api.token_file || !cfg->state_dir ||
	    !cfg->bpffs || !cfg->log.file || !cfg->log.level || !cfg->wireguard_go ||
	    !cfg->frr.dir)
		return -ENOMEM;
	return 0;
}

static int f_agent(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return walk_map(c, v, agent_fields, obj);
}

/* ---- underlay ---- */

static int u_interface(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_ifname(c, v, ((struct ztos_config *)obj)->underlay.interface);
}

static int u_address(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_addr(c, v, &((struct ztos_config *)obj)->underlay.address);
}

static int u_xdp_mode(struct bctx *c, const struct cfg_node *v, void *obj)
{
	static const char *const names[] = { "auto", "native", "generic", NULL };
	int i, err = get_enum(c, v, names, &i);

	if (!err)
		((struct ztos_config *)obj)->underlay.xdp_mode = (enum ztos_xdp_mode)i;
	return err;
}

static int u_vxlan_port(struct bctx *c, const struct cfg_node *v, void *obj)
{
	uint64_t x;
	int err = get_uint(c, v, 1, 65535, "a port", &x);

	if (!err)
		((struct ztos_config *)obj)->underlay.vxlan_port = (uint16_t)x;
	return err;
}

static int u_flow_table_size(struct bctx *c, const struct cfg_node *v, void *obj)
{
	uint64_t x;
	int err = get_uint(c, v, 1024, 16777216, "a flow table size", &x);

	if (!err)
		((struct ztos_config *)obj)->underlay.flow_table_size = (uint32_t)x;
	return err;
}

static const struct field underlay_fields[] = {
	{ "interface", u_interface, "add the interface VXLAN arrives on, such as eth0" },
	{ "address", u_address, "add this host's VTEP address, such as 192.0.2.1" },
	{ "xdp_mode", u_xdp_mode, NULL },
	{ "vxlan_port", u_vxlan_port, NULL },
	{ "flow_table_size", u_flow_table_size, NULL },
	{ 0 },
};

static int f_underlay(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_config *cfg = obj;

	cfg->has_underlay = true;
	cfg->underlay.vxlan_port = ZTOS_VXLAN_PORT;
	cfg->underlay.flow_table_size = ZTOS_FLOWS_DEFAULT;
	return walk_map(c, v, underlay_fields, cfg);
}

/* ---- bgp ---- */

static int get_asn(struct bctx *c, const struct cfg_node *v, uint32_t *asn)
{
	uint64_t x;
	int err = get_uint(c, v, 1, UINT32_MAX, "an AS number", &x);

	if (!err)
		*asn = (uint32_t)x;
	return err;
}

static int bp_address(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_addr(c, v, &((struct ztos_bgp_peer *)obj)->address);
}

static int bp_asn(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_asn(c, v, &((struct ztos_bgp_peer *)obj)->asn);
}

static int get_seconds(struct bctx *c, const struct cfg_node *v, uint64_t min, const char *what,
		       uint16_t *out)
{
	uint64_t x;
	int err = get_uint(c, v, min, 65535, what, &x);

	if (!err)
		*out = (uint16_t)x;
	return err;
}

static int tm_keepalive(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_seconds(c, v, 0, "a keepalive interval (seconds)",
			   &((struct ztos_bgp_timers *)obj)->keepalive);
}

static int tm_hold(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_bgp_timers *t = obj;
	int err = get_seconds(c, v, 0, "a hold time (seconds)", &t->hold);

	if (!err && t->hold && t->hold < 3)
		return b_err(c, v, "a hold time is 0 (never) or 3..65535 seconds (RFC 4271), "
			     "not %s", v->text);
	return err;
}

static const struct field timer_fields[] = {
	{ "keepalive", tm_keepalive, "add keepalive (seconds, such as 3)" },
	{ "hold", tm_hold, "add hold (seconds, such as 9: three keepalives)" },
	{ 0 },
};

static int get_timers(struct bctx *c, const struct cfg_node *v, struct ztos_bgp_timers *t)
{
	int err = walk_map(c, v, timer_fields, t);

	if (!err && t->hold && t->keepalive > t->hold)
		return b_err(c, v, "keepalive %u is longer than hold %u: the session would expire "
			     "between two keepalives; make keepalive a third of hold",
			     t->keepalive, t->hold);
	t->set = !err;
	return err;
}

static int bp_rr_client(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_bool(c, v, &((struct ztos_bgp_peer *)obj)->route_reflector_client);
}

static int bfd_timing(struct bctx *c, const struct cfg_node *v, struct ztos_bfd_timing *t);

/* true (bgp.bfd's timing), false, or the peer's own {interval_ms, multiplier}. */
static int bp_bfd(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_bgp_peer *p = obj;

	if (v->type != CFG_MAP)
		return get_bool(c, v, &p->bfd);
	p->bfd = p->has_bfd_timing = true;
	return bfd_timing(c, v, &p->bfd_timing);
}

static int bp_timers(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_timers(c, v, &((struct ztos_bgp_peer *)obj)->timers);
}

static const struct field bgp_peer_fields[] = {
	{ "address", bp_address, "add the peer's address" },
	{ "asn", bp_asn, "add the peer's AS number" },
	{ "route_reflector_client", bp_rr_client, NULL },
	{ "bfd", bp_bfd, NULL },
	{ "timers", bp_timers, NULL },
	{ 0 },
};

static int bgp_peer_item(struct bctx *c, const struct cfg_node *v, void *elem)
{
	return walk_map(c, v, bgp_peer_fields, elem);
}

static void bgp_peer_key(const void *elem, char *buf, size_t len)
{
	const struct ztos_bgp_peer *p = elem;

	buf[0] = '\0';
	if (p->address.family)
		ztos_addr_str(&p->address, buf, len);
}

static int b_asn(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_asn(c, v, &((struct ztos_bgp *)obj)->asn);
}

static int b_router_id(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_addr a;
	int err = get_addr(c, v, &a);

	if (err)
		return err;
	if (a.family != AF_INET)
		return b_err(c, v, "a router ID is 32 bits, written as an IPv4 address; '%s' is IPv6",
			     v->text);
	((struct ztos_bgp *)obj)->router_id = a.v4;
	return 0;
}

static int b_peers(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_bgp *b = obj;
	void *arr = NULL;
	int err = walk_list(c, v, sizeof(*b->peers), &arr, &b->n_peers, bgp_peer_item);

	b->peers = arr;
	unique_by(c, v, "address", b->peers, b->n_peers, sizeof(*b->peers), bgp_peer_key);
	return err;
}

static int e_advertise_all_vni(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_bool(c, v, &((struct ztos_bgp *)obj)->advertise_all_vni);
}

static const struct field evpn_fields[] = {
	{ "advertise_all_vni", e_advertise_all_vni, NULL },
	{ 0 },
};

static int b_evpn(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return walk_map(c, v, evpn_fields, obj);
}

static int b_timers(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_timers(c, v, &((struct ztos_bgp *)obj)->timers);
}

static int bfd_interval(struct bctx *c, const struct cfg_node *v, void *obj)
{
	uint64_t x;
	int err = get_uint(c, v, 10, 60000, "a BFD interval (milliseconds)", &x);

	if (!err)
		((struct ztos_bfd_timing *)obj)->interval_ms = (uint32_t)x;
	return err;
}

static int bfd_multiplier(struct bctx *c, const struct cfg_node *v, void *obj)
{
	uint64_t x;
	int err = get_uint(c, v, 2, 255, "a BFD detect multiplier", &x);

	if (!err)
		((struct ztos_bfd_timing *)obj)->multiplier = (uint8_t)x;
	return err;
}

static const struct field bfd_fields[] = {
	{ "interval_ms", bfd_interval, NULL },
	{ "multiplier", bfd_multiplier, NULL },
	{ 0 },
};

/* What is not given is ztos's default (config.h), for bgp.bfd and a peer's alike. */
static int bfd_timing(struct bctx *c, const struct cfg_node *v, struct ztos_bfd_timing *t)
{
	*t = (struct ztos_bfd_timing){ ZTOS_BFD_INTERVAL_DEFAULT, ZTOS_BFD_MULTIPLIER_DEFAULT };
	return walk_map(c, v, bfd_fields, t);
}

static int b_bfd(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_bgp *b = obj;

	b->has_bfd = true;
	return bfd_timing(c, v, &b->bfd);
}

static const struct field bgp_fields[] = {
	{ "asn", b_asn, "add this host's AS number (1..4294967295)" },
	{ "router_id", b_router_id, "add a router ID, an IPv4 address such as 192.0.2.1" },
	{ "peers", b_peers, NULL },
	{ "evpn", b_evpn, NULL },
	{ "timers", b_timers, NULL },
	{ "bfd", b_bfd, NULL },
	{ 0 },
};

static int f_bgp(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_config *cfg = obj;

	cfg->has_bgp = true;
	cfg->bgp.advertise_all_vni = true;
	cfg->bgp.bfd = (struct ztos_bfd_timing){ ZTOS_BFD_INTERVAL_DEFAULT,
						 ZTOS_BFD_MULTIPLIER_DEFAULT };
	return walk_map(c, v, bgp_fields, &cfg->bgp);
}

/* ---- dpi ---- */

static int d_enabled(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_bool(c, v, &((struct ztos_dpi_cfg *)obj)->enabled);
}

static int d_engine(struct bctx *c, const struct cfg_node *v, void *obj)
{
	static const char *const names[] = { "auto", "cpu", "cuda", "noop", NULL };
	int i, err = get_enum(c, v, names, &i);

	if (!err)
		((struct ztos_dpi_cfg *)obj)->engine = (enum ztos_dpi_engine)i;
	return err;
}

static int d_transport(struct bctx *c, const struct cfg_node *v, void *obj)
{
	static const char *const names[] = { "afxdp", "ring", NULL };
	int i, err = get_enum(c, v, names, &i);

	if (!err)
		((struct ztos_dpi_cfg *)obj)->transport = (enum ztos_dpi_transport)i;
	return err;
}

#define RULES_DIR_DEFAULT "/etc/ztos/rules"

/* A path in dir (both without "." or ".."), lexically. */
static bool path_in(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return !strncmp(path, dir, n) && (path[n] == '/' || (n == 1 && dir[0] == '/'));
}

/*
 * A rules file named over the API: in dpi.rules_dir, or an API client could make the
 * agent read any file root can read. Checked by name first, so that a path outside is
 * refused without being touched, then by its real path, which is what the agent opens.
 */
static int confine_rule_file(struct bctx *c, const struct cfg_node *v, char **path)
{
	char *real;

	if (!c->rules_dir)
		return b_err(c, v, "rules files can be named over the API only when dpi.rules_dir is a folder that exists");
	if (!path_in(*path, c->rules_dir))
		return b_err(c, v, "%s is not in dpi.rules_dir (%s); a rules file named over the API must be in that folder",
			     *path, c->rules_dir);
	real = realpath(*path, NULL);
	if (!real)
		return b_err(c, v, "cannot read %s: %s", *path, strerror(errno));
	if (!path_in(real, c->rules_dir)) {
		free(real);
		return b_err(c, v, "%s leads out of dpi.rules_dir (%s) through a symbolic link; a rules file named over the API must be in that folder",
			     *path, c->rules_dir);
	}
	free(*path);
	*path = real;
	return 0;
}

static int rule_file_item(struct bctx *c, const struct cfg_node *v, void *elem)
{
	char **path = elem;
	int err = get_path(c, v, path);

	if (!err && !v->file)
		err = confine_rule_file(c, v, path);
	return err ? err : check_readable(c, v, *path);
}

/* Parsed before the rules, which it confines; only a file may set it. */
static int rules_dir_first(struct bctx *c, const struct cfg_node *dpi, struct ztos_dpi_cfg *d)
{
	const struct cfg_node *v = cfg_map_get(dpi, "rules_dir");
	size_t saved;
	int err = 0;

	d->rules_dir = strdup(RULES_DIR_DEFAULT);
	if (!d->rules_dir)
		return c->err = -ENOMEM;
	if (v && !cfg_is_null(v)) {
		saved = path_push_key(c, "rules_dir");
		if (!v->file)
			err = b_err(c, v, "is set in the agent's config file only, not over the API; remove it from the request");
		else
			err = get_path(c, v, &d->rules_dir);
		path_pop(c, saved);
	}
	/* a folder that does not exist confines nothing: API rules are refused then */
	c->rules_dir = err ? NULL : realpath(d->rules_dir, NULL);
	return err;
}

/* Parsed by rules_dir_first. */
static int d_rules_dir(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return 0;
}

static int d_rules(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_dpi_cfg *d = obj;
	void *arr = NULL;
	int err = walk_list(c, v, sizeof(*d->rules), &arr, &d->n_rules, rule_file_item);

	d->rules = arr;
	return err;
}

static int d_on_alert(struct bctx *c, const struct cfg_node *v, void *obj)
{
	static const char *const names[] = { "log", "block", NULL };
	int i, err = get_enum(c, v, names, &i);

	if (!err)
		((struct ztos_dpi_cfg *)obj)->on_alert = (enum ztos_on_alert)i;
	return err;
}

static int d_batch_size(struct bctx *c, const struct cfg_node *v, void *obj)
{
	uint64_t x;
	int err = get_uint(c, v, 1, ZTOS_DPI_BATCH_MAX, "a batch size (packets)", &x);

	if (!err)
		((struct ztos_dpi_cfg *)obj)->batch_size = (uint32_t)x;
	return err;
}

static int d_batch_timeout(struct bctx *c, const struct cfg_node *v, void *obj)
{
	uint64_t x;
	int err = get_uint(c, v, 1, 1000000, "a batch timeout (microseconds)", &x);

	if (!err)
		((struct ztos_dpi_cfg *)obj)->batch_timeout_us = (uint32_t)x;
	return err;
}

static int d_inspect_depth(struct bctx *c, const struct cfg_node *v, void *obj)
{
	return get_size(c, v, 0, ZTOS_DPI_DEPTH_MAX, "inspect_depth (0: every byte)",
			&((struct ztos_dpi_cfg *)obj)->inspect_depth);
}

static const struct field dpi_fields[] = {
	{ "enabled", d_enabled, NULL },
	{ "engine", d_engine, NULL },
	{ "transport", d_transport, NULL },
	{ "rules", d_rules, NULL },
	{ "rules_dir", d_rules_dir, NULL },
	{ "on_alert", d_on_alert, NULL },
	{ "batch_size", d_batch_size, NULL },
	{ "batch_timeout_us", d_batch_timeout, NULL },
	{ "inspect_depth", d_inspect_depth, NULL },
	{ 0 },
};

static int f_dpi(struct bctx *c, const struct cfg_node *v, void *obj)
{
	struct ztos_config *cfg = obj;
	int err;

	cfg->has_dpi = true;
	cfg->dpi.enabled = true;
	cfg->dpi.batch_size = ZTOS_DPI_BATCH_DEFAULT;
	cfg->dpi.batch_timeout_us = ZTOS_DPI_BATCH_TIMEOUT_DEFAULT;
	cfg->dpi.transport = ZTOS_DPI_RING;
	if (v->type == CFG_MAP)
		rules_dir_first(c, v, &cfg->dpi);
	err = walk_map(c, v, dpi_fields, &cfg->dpi);
	free((char *)c->rules_dir);
	c->rules_dir = NULL;
	return err;
}

/* Whether path (a real path) is the file behind secret (NULL: not configured). */
static bool same_file(const char *path, const char *secret)
{
	char *real = secret ? realpath(secret, NULL) : NULL;
	bool same = real && !strcmp(real, path);

	free(real);
	return same;
}

/* A rules file named over the API is none of the agent's own secrets. */
static void rules_not_secrets(struct bctx *c, const struct cfg_node *root,
			      const struct ztos_config *cfg)
{
	const struct cfg_node *seq = cfg_map_path(root, "dpi.rules");
	const char *secrets[4];
	char suffix[64];

	if (!seq || seq->type != CFG_SEQ || seq->n != cfg->dpi.n_rules)
		return;
	secrets[0] = cfg->api.token_file;
	secrets[1] = cfg->api.tls_key;
	secrets[2] = cfg->wireguard.private_key_file;
	secrets[3] = cfg->macsec.tx_sa.key_file;
	for (size_t i = 0; i < seq->n; i++) {
		bool secret = false;

		if (seq->items[i]->file)
			continue;
		for (size_t k = 0; k < sizeof(secrets) / sizeof(secrets[0]); k++)
			secret |= same_file(cfg->dpi.rules[i], secrets[k]);
		for (size_t k = 0; k < cfg->macsec.n_peers; k++)
			secret |= same_file(cfg->dpi.rules[i], cfg->macsec.peers[k].rx_sa.key_file);
		if (!secret)
			continue;
		snprintf(suffix, sizeof(suffix), "dpi.rules[%zu]", i);
		b_err_at(c, seq->items[i], suffix, "%s is one of the agent's own secret files; it cannot be a rules file",
			 cfg->dpi.rules[i]);
	}
}

/* ---- top level ---- */

static int f_version(struct bctx *c, const struct cfg_node *v, void *obj)
{
	uint64_t x;
	int err = get_uint(c, v, 0, UINT64_MAX, "version", &x);

	if (err)
		return err;
	if (x != 1)
		return b_err(c, v, "%s is not supported; this ztos reads version 1", v->text);
	((struct ztos_config *)obj)->version = 1;
	return 0;
}

static const struct field top_fields[] = {
	{ "version", f_version, "add 'version: 1' at the top" },
	{ "agent", f_agent, NULL },
	{ "underlay", f_underlay, NULL },
	{ "tenants", f_tenants, NULL },
	{ "wireguard", f_wireguard, NULL },
	{ "macsec", f_macsec, NULL },
	{ "bgp", f_bgp, NULL },
	{ "dpi", f_dpi, NULL },
	{ 0 },
};

/* The underlay is this host: its address and port belong to no tenant. */
static void underlay_vs_tenants(struct bctx *c, const struct cfg_node *root,
				const struct ztos_config *cfg)
{
	const struct cfg_node *seq = cfg_map_get(root, "tenants"), *list;
	const struct ztos_tenant *t;
	char suffix[96];
	size_t i, k;

	for (i = 0; i < cfg->n_tenants; i++) {
		t = &cfg->tenants[i];
		list = cfg_map_get(seq->items[i], "vteps");
		for (k = 0; k < t->n_vteps; k++) {
			if (!cfg_addr_equal(&t->vteps[k], &cfg->underlay.address))
				continue;
			snprintf(suffix, sizeof(suffix), "tenants[%zu].vteps[%zu]", i, k);
			b_err_at(c, list->items[k], suffix,
				 "%s is this host's underlay address; a tenant's VTEPs are the other hosts",
				 list->items[k]->text);
		}
		list = cfg_map_get(seq->items[i], "interfaces");
		for (k = 0; k < t->n_interfaces; k++) {
			if (!t->interfaces[k][0] ||
			    strcmp(t->interfaces[k], cfg->underlay.interface))
				continue;
			snprintf(suffix, sizeof(suffix), "tenants[%zu].interfaces[%zu]", i, k);
			b_err_at(c, list->items[k], suffix,
				 "%s is the underlay interface; it cannot be a tenant's port",
				 t->interfaces[k]);
		}
	}
}

/*
 * FRR 8.4's EVPN announces IPv4 VTEPs only; a tenant's RD/RT mean nothing without BGP.
 */
static void bgp_vs_rest(struct bctx *c, const struct cfg_node *root, const struct ztos_config *cfg)
{
	const struct cfg_node *seq = cfg_map_get(root, "tenants");
	char suffix[64];

	if (cfg->has_bgp && cfg->has_underlay && cfg->underlay.address.family == AF_INET6)
		b_err_at(c, cfg_map_path(root, "underlay.address"), "underlay.address",
			 "BGP EVPN (FRR 8.4) announces IPv4 VTEPs only: give the underlay an IPv4 "
			 "address, or remove bgp:");
	for (size_t i = 0; !cfg->has_bgp && seq && i < cfg->n_tenants; i++) {
		const struct cfg_node *e = cfg_map_get(seq->items[i], "evpn");

		if (!e)
			continue;
		snprintf(suffix, sizeof(suffix), "tenants[%zu].evpn", i);
		b_err_at(c, e, suffix, "an RD or route target is for BGP EVPN: add a bgp: section, "
			 "or remove evpn from tenant %s", cfg->tenants[i].name);
	}
}

int cfg_build(const struct cfg_node *root, const char *base_dir, struct ztos_config **out,
	      struct cfg_errors *errs)
{
	struct bctx c = { .errs = errs };
	struct ztos_config *cfg;
	size_t n_errs = errs->n;
	int err = -ENOMEM;

	*out = NULL;
	if (!root)
		return -EINVAL;
	cfg = calloc(1, sizeof(*cfg));
	if (!cfg)
		return -ENOMEM;
	if (base_dir && !(c.base_dir = cfg_path_resolve(NULL, base_dir)))
		goto cleanup;
	if (agent_defaults(cfg))
		goto cleanup;
	walk_map(&c, root, top_fields, cfg);
	if (!c.err && cfg->has_underlay && cfg->underlay.address.family)
		underlay_vs_tenants(&c, root, cfg);
	if (!c.err && cfg->has_dpi)
		rules_not_secrets(&c, root, cfg);
	if (!c.err)
		bgp_vs_rest(&c, root, cfg);
	err = c.err ? c.err : errs->n > n_errs ? -EINVAL : 0;
	/* cross-checks run after the walk: put their errors where they belong */
	cfg_errors_sort(errs, n_errs);
cleanup:
	free(c.base_dir);
	if (err)
		cfg_free(cfg);
	else
		*out = cfg;
	return err;
}
