/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the files of agent/frr/ share: the renderer (render.c, pure), FRR's folders and
 * processes (daemons.c), running its tools (run.c), applying a config (apply.c), its
 * JSON parsed into typed state (state.c, pure), the learned-VTEP follower (vteps.c).
 */
#ifndef ZTOS_FRR_INTERNAL_H
#define ZTOS_FRR_INTERNAL_H

#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

#include "config/config.h"
#include "subsys/frr/frr.h"

/* ---- render.c: config -> frr.conf text ---- */

struct frr_render_opts {
	const char *hostname;	/* FRR shows the machine's; rendered so reload sees no change */
	const char *log_file;	/* NULL: no log line */
	bool part_only;		/* the host's FRR: only ztos's part, no global lines */
};

/* *text (malloc'd) is cfg's FRR configuration. 0 or -ENOMEM. */
int frr_render(const struct ztos_config *cfg, const struct frr_render_opts *o, char **text);
/* Whether cfg needs bfdd: a peer with bfd: true. */
bool frr_needs_bfd(const struct ztos_config *cfg);

/* ---- daemons.c: folders, pid files, processes ---- */

enum frr_daemon_id { FRR_ZEBRA, FRR_BGPD, FRR_BFDD, FRR_N_DAEMONS };
extern const char *const frr_daemon_names[FRR_N_DAEMONS];

#define FRR_PATH 320	/* the paths below; a longer state_dir or agent.frr.dir is refused */

struct frr_paths {
	char name[ZTOS_FRR_NAME_MAX + 1];	/* the pathspace; "default": none (-N not given) */
	bool default_instance;
	char run_dir[FRR_PATH];		/* /var/run/frr/NAME: sockets, pid files */
	char conf_dir[FRR_PATH];	/* /etc/frr/NAME */
	char conf[FRR_PATH];		/* conf_dir/frr.conf: the last good config */
	char candidate[FRR_PATH];	/* conf_dir/frr.conf.ztos-new: being applied */
	char bin_dir[FRR_PATH];		/* agent.frr.dir */
	char owner[FRR_PATH];		/* run_dir/ztos.owner: ztos started these daemons */
	char state_dir[FRR_PATH];
};

/* 0, or -ENAMETOOLONG for a state_dir or agent.frr.dir past FRR_PATH - 64. */
int frr_paths_init(const struct ztos_config *cfg, struct frr_paths *p);
/* Whether FRR's programs are there; else why not, in why. */
bool frr_installed(const struct frr_paths *p, char *why, size_t len);
/* run_dir, conf_dir and an empty vtysh.conf, owned by user frr. */
int frr_dirs_make(const struct frr_paths *p, char *err, size_t len);
void frr_dirs_remove(const struct frr_paths *p);

/* A running daemon as its pid file says and /proc confirms. */
struct frr_proc {
	pid_t pid;		/* 0: not running */
	int64_t since_us;	/* when the process started (CLOCK_REALTIME) */
};
struct frr_proc frr_daemon_find(const struct frr_paths *p, enum frr_daemon_id d);
/* Start one daemon daemonized (-d) in this network namespace; waits until it is up. */
int frr_daemon_start(const struct frr_paths *p, enum frr_daemon_id d, char *err, size_t len);
/* SIGTERM (then SIGKILL) by the pid file; 0 when it is gone (or was not running). */
int frr_daemon_stop(const struct frr_paths *p, enum frr_daemon_id d);
/* Whether ztos started the daemons of this pathspace (the owner mark holds state_dir). */
bool frr_owned(const struct frr_paths *p);
int frr_own(const struct frr_paths *p);
/*
 * The other pathspaces whose daemons ztos started for p's state_dir (its pathspace
 * changed while no ztosd ran): *out (malloc'd, *n of them). 0.
 */
int frr_owned_elsewhere(const struct frr_paths *p, struct frr_paths **out, size_t *n);

/* ---- run.c: FRR's tools ---- */

/*
 * argv[0] with argv, without a shell; stdout and stderr together into *out (malloc'd,
 * NUL-terminated), killed after timeout_ms. Returns the exit status (>= 0) or -errno.
 */
int frr_run(char *const argv[], int timeout_ms, char **out);
/* vtysh -N NAME -c CMD: 0 with *out, or -errno / -EIO (vtysh failed; *out says why). */
int frr_vtysh(const struct frr_paths *p, const char *cmd, char **out);
/*
 * CMD to one daemon over its vty socket (run_dir/<daemon>.vty), as vtysh talks to it,
 * without vtysh's process (40 ms of CPU a run): for what is asked every second. 0 with
 * *out, -EIO when the daemon refused the command (*out says why), or -errno.
 */
int frr_vty(const struct frr_paths *p, enum frr_daemon_id d, const char *cmd, char **out);

/* ---- apply.c ---- */

/* vtysh -C -f FILE: 0, or -EIO with FRR's words (and the line) in err. */
int frr_validate(const struct frr_paths *p, const char *file, char *err, size_t len);
/* frr-reload.py --reload FILE: 0, or -EIO with FRR's words in err. */
int frr_reload(const struct frr_paths *p, const char *file, char *err, size_t len);
/* frr-reload.py --test FILE: the lines FRR would delete and add (JSON arrays). */
int frr_reload_test(const struct frr_paths *p, const char *file, cJSON **del, cJSON **add,
		    char *err, size_t len);
/* frr-reload.py's report ("Lines To Delete" / "Lines To Add") into two arrays. */
int frr_parse_reload_test(const char *out, cJSON **del, cJSON **add);
/*
 * What FRR said when it refused a line: its "% ..." messages and the line named by
 * vtysh's "line N: ...", into err as "LINE: MESSAGE". 0 when out holds no refusal.
 */
int frr_refusal(const char *out, char *err, size_t len);

/* ---- state.c: FRR's JSON, never more than it said ---- */

struct frr_peer {
	char address[INET6_ADDRSTRLEN];
	char state[24];			/* "Established", "Active", ...; "" unknown */
	bool has_remote_as, has_uptime, has_prefixes, has_counts;
	uint32_t remote_as;
	double uptime_s;
	double prefixes_received, prefixes_sent;
	double established, dropped;	/* connections */
	char last_reset[160];		/* lastResetDueTo; "" none said */
	char notification[96];		/* lastNotificationReason ("Hold Timer Expired/..."); "" */
	char bfd[16];			/* "up", "down", ...; "" no BFD session */
};

struct frr_vni {
	uint32_t vni;
	char type[8];			/* "L2", "L3" */
	char vxlan_if[IF_NAMESIZE];
	bool has_macs, has_mac_split, has_routes;
	double macs, arp_nd;		/* numMacs, numArpNd */
	uint32_t macs_local, macs_remote;	/* show evpn mac vni all */
	struct ztos_addr *remote_vteps;	/* zebra's remoteVteps */
	size_t n_remote_vteps;
	uint32_t routes_type2, routes_type3;
	struct ztos_addr *type3_from;	/* originators of the type-3 routes */
	size_t n_type3_from;
};

struct frr_state {
	struct frr_peer *peers;
	size_t n_peers;
	struct frr_vni *vnis;
	size_t n_vnis;
	char router_id[INET_ADDRSTRLEN];
	uint32_t as;
};

/* Each fills st from one command's JSON; 0, or -EINVAL when it is not what FRR prints. */
int frr_parse_summary(const char *json, struct frr_state *st);	/* show bgp summary json */
int frr_parse_neighbors(const char *json, struct frr_state *st);	/* show bgp neighbors json */
int frr_parse_bfd(const char *json, struct frr_state *st);	/* show bfd peers json */
int frr_parse_vnis(const char *json, struct frr_state *st);	/* show evpn vni json */
int frr_parse_macs(const char *json, struct frr_state *st);	/* show evpn mac vni all json */
/* show bgp l2vpn evpn route vni all json */
int frr_parse_vni_routes(const char *json, struct frr_state *st);
struct frr_peer *frr_state_peer(struct frr_state *st, const char *address);

/* What one peer's session did between two reads of it. */
enum frr_peer_change {
	FRR_PEER_SAME,
	FRR_PEER_UP,		/* reached Established */
	FRR_PEER_DOWN,		/* left Established */
	FRR_PEER_FLAP,		/* went down and came back between the two reads */
};
/* prev NULL (first read): FRR_PEER_SAME, there is nothing to compare with. */
enum frr_peer_change frr_peer_change(const struct frr_peer *prev, const struct frr_peer *cur);
/* Why the session last went down, as FRR says it: "BFD down received",
 * "BGP Notification send (Hold Timer Expired/Unspecific)"; "" when FRR said nothing. */
const char *frr_peer_reason(const struct frr_peer *p, char *buf, size_t len);
struct frr_vni *frr_state_vni(struct frr_state *st, uint32_t vni);
void frr_state_free(struct frr_state *st);

/* ---- vteps.c: zebra's flood entries, followed ---- */

struct frr_vteps;

/* Whether FRR's bgpd is up, and since when: the follower holds VTEPs while it is not. */
typedef struct frr_proc (*frr_bgpd_fn)(void *ctx);

int frr_vteps_open(const struct frr_vtep_sink *sink, frr_bgpd_fn bgpd, void *ctx,
		   struct frr_vteps **out, char *err, size_t len);
void frr_vteps_close(struct frr_vteps *v);
int frr_vteps_fd(struct frr_vteps *v);
void frr_vteps_events(struct frr_vteps *v);
/* The config's own VTEPs (tenants[].vteps): their flood entries are not learned ones. */
int frr_vteps_set_statics(struct frr_vteps *v, const struct ztos_config *cfg);
/* Read the whole FDB again and hand the set to the sink; learning is on from now. */
int frr_vteps_resync(struct frr_vteps *v);
/* BGP went away: nothing is learned, the sink gets an empty set. */
void frr_vteps_stop(struct frr_vteps *v);
void frr_vteps_tick(struct frr_vteps *v);

struct frr_vtep_counts {
	uint64_t added, removed, held, released, resyncs, overruns;
};

/* Learned VTEPs of vni (held ones too, flagged), as JSON objects appended to arr. */
void frr_vteps_json(struct frr_vteps *v, uint32_t vni, cJSON *arr);
size_t frr_vteps_count(struct frr_vteps *v, uint32_t vni);
void frr_vteps_counts(struct frr_vteps *v, struct frr_vtep_counts *c);
/* Whether vtep is learned for vni (held counts: the allowlist still has it). */
bool frr_vteps_has(struct frr_vteps *v, uint32_t vni, const struct ztos_addr *vtep);

#endif
