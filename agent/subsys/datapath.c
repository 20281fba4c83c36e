// SPDX-License-Identifier: GPL-2.0-only
/*
 * The datapath loader: libbpf skeletons of bpf/ztos_xdp.bpf.c and bpf/ztos_tc.bpf.c,
 * maps pinned by name under agent.bpffs (so bpftool can read them and a restarted
 * agent finds them), the XDP link pinned too, TC filters on clsact.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_arp.h>
#include <linux/if_link.h>
#include <linux/magic.h>

#include "bpf/ztos_common.h"
#include "bpf/ztos_dpi.skel.h"
#include "bpf/ztos_tc.skel.h"
#include "bpf/ztos_xdp.skel.h"
#include "kernel/dpilink.h"
#include "report/eve.h"
#include "report/eventlog.h"
#include "report/log.h"
#include "report/metrics.h"
#include "subsys/datapath.h"
#include "subsys/dpmap.h"
#include "subsys/dpmigrate.h"
#include "subsys/flowpage.h"
#include "subsys/flowtab.h"

#define TC_HANDLE 0x2705	/* ours: cleanup removes exactly this filter */
#define TC_PRIO 0x2705
#define FLOW_IDLE_S 60
#define FLOW_CLOSED_S 10	/* after FIN or RST both ways */
#define TCP_FIN 0x01
#define TCP_RST 0x04
#define MISSING_MAX 16

struct datapath {
	struct ztos_xdp *xdp;
	struct ztos_tc *tc;
	struct ztos_dpi *dpi;
	bool dpi_link;			/* the DPI link is up and the mirror points at it */
	bool dpi_link_checked;		/* a link of an earlier run was looked for */
	struct ring_buffer *rb;
	struct flowtab ft;		/* the flow table, flowtab4 mapped */
	__u64 ft_seed;			/* its hash seed (flow_seed) */
	const struct ztos_config *cfg_for_events;	/* set only during datapath_poll */
	char bpffs[PATH_MAX];
	char underlay[IF_NAMESIZE];	/* where our XDP link is, "" when none */
	bool generic;			/* XDP in generic (skb) mode */
	int64_t mono_to_real_us;	/* add to CLOCK_MONOTONIC µs to get wall time */
	char missing[MISSING_MAX][IF_NAMESIZE];	/* tenant interfaces not there (yet) */
	size_t n_missing;
	uint64_t aged, events_seen;
	/* The allowlist's entries change from the config (apply) and from EVPN (the event
	 * loop): one read-modify-write at a time, and none inside an apply's snapshot. */
	pthread_mutex_t vtep_lock;
	uint64_t learned_refused;	/* learned VTEPs of VNIs this host does not serve */
};

/* Every datapath error is the datapath's: the object and the reason are in the message. */
#define fail(e, ret, ...) ztos_errf(e, ret, "datapath", __VA_ARGS__)

bool datapath_wanted(const struct ztos_config *cfg)
{
	return cfg->has_underlay || cfg->n_tenants > 0;
}

/* ---- addresses and keys ---- */

static const char *words_str(__u8 family, const __u32 w[4], char *buf, size_t len)
{
	return inet_ntop(family == ZTOS_AF4 ? AF_INET : AF_INET6, w, buf, len);
}

/* A stable id for eve.json's flow_id, kept below 2^53 so JSON numbers carry it whole. */
uint64_t datapath_flow_id(const struct ztos_flow_key *k)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	uint32_t w;

	/* FNV-1a over 32-bit words: the DPI reader takes it for every packet it reads. */
	_Static_assert(sizeof(*k) % sizeof(w) == 0, "ztos_flow_key is not whole words");
	for (size_t i = 0; i < sizeof(*k); i += sizeof(w)) {
		memcpy(&w, (const unsigned char *)k + i, sizeof(w));
		h = (h ^ w) * 0x100000001b3ULL;
	}
	/* A word's high bits reach only h's high bits: mix them down (murmur3's finalizer). */
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (h & ((1ULL << 53) - 1)) | 1;
}

/* An L3 VNI: the routed traffic of a tenant's VRF between hosts (vrf.l3vni). */
static uint32_t l3vni_of(const struct ztos_tenant *t)
{
	return t->has_vrf ? t->l3vni : 0;
}

/* The tenant whose VNI, or whose VRF's L3 VNI, vni is. */
static const struct ztos_tenant *tenant_by_vni(const struct ztos_config *cfg, uint32_t vni)
{
	for (size_t i = 0; cfg && i < cfg->n_tenants; i++)
		if (cfg->tenants[i].vni == vni || (vni && l3vni_of(&cfg->tenants[i]) == vni))
			return &cfg->tenants[i];
	return NULL;
}

/* vni itself, or for an L3 VNI its tenant's VNI: the VTEPs allowed for it. */
static uint32_t l2_vni(const struct ztos_config *cfg, uint32_t vni)
{
	const struct ztos_tenant *t = tenant_by_vni(cfg, vni);

	return t ? t->vni : vni;
}

/* The eve-style 5-tuple, source = the endpoint that opened the flow. */
static void add_tuple(cJSON *o, const struct ztos_flow_key *k, bool opener_is_a,
		      const struct ztos_config *cfg)
{
	const struct ztos_tenant *t = tenant_by_vni(cfg, k->vni);

	eve_tuple(o, k, opener_is_a, t ? t->name : NULL);
}

static void add_time(cJSON *o, const char *name, const struct datapath *dp, __u64 mono_ns)
{
	char stamp[48];

	eventlog_timestamp((int64_t)(mono_ns / 1000) + dp->mono_to_real_us, stamp, sizeof(stamp));
	cJSON_AddStringToObject(o, name, stamp);
}

static void add_flow_counts(cJSON *o, const struct ztos_flow *f)
{
	cJSON_AddNumberToObject(o, "pkts_toserver", (double)f->packets[ZTOS_DIR_FWD]);
	cJSON_AddNumberToObject(o, "pkts_toclient", (double)f->packets[ZTOS_DIR_REV]);
	cJSON_AddNumberToObject(o, "bytes_toserver", (double)f->bytes[ZTOS_DIR_FWD]);
	cJSON_AddNumberToObject(o, "bytes_toclient", (double)f->bytes[ZTOS_DIR_REV]);
}

/* ---- loading ---- */

static int64_t mono_to_real_us(void)
{
	struct timespec r, m;

	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m);
	return ((int64_t)r.tv_sec - m.tv_sec) * 1000000 + (r.tv_nsec - m.tv_nsec) / 1000;
}

static int mkdir_p(const char *dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0700) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return mkdir(path, 0700) && errno != EEXIST ? -errno : 0;
}

/*
 * Pinning needs a bpf filesystem. Where /sys/fs/bpf is not one yet (no systemd to
 * mount it, a minimal host), mount it, as systemd would; elsewhere say what to do.
 */
static int ensure_bpffs(const char *bpffs, struct ztos_err *e)
{
	static const char root[] = "/sys/fs/bpf";
	struct statfs st;

	if (strncmp(bpffs, root, sizeof(root) - 1) || (bpffs[sizeof(root) - 1] != '/' &&
						       bpffs[sizeof(root) - 1] != '\0')) {
		char parent[PATH_MAX], *slash;

		snprintf(parent, sizeof(parent), "%s", bpffs);
		slash = strrchr(parent, '/');
		if (slash && slash != parent)
			*slash = '\0';
		if (statfs(parent, &st) || st.f_type != BPF_FS_MAGIC)
			return fail(e, 0, "datapath: agent.bpffs %s is not on a bpf "
				    "filesystem; mount one (mount -t bpf bpf %s) or use a folder "
				    "under /sys/fs/bpf", bpffs, parent);
		return 0;
	}
	if (!statfs(root, &st) && st.f_type == BPF_FS_MAGIC)
		return 0;
	if (mount("bpf", root, "bpf", 0, "mode=0700"))
		return fail(e, -errno, "datapath: mount the bpf filesystem on %s", root);
	pr_info("datapath: mounted the bpf filesystem on %s", root);
	return 0;
}

/*
 * A device without an Ethernet header (WireGuard, a tun): the XDP parse starts at IP.
 * Its link type says so (ARPHRD_NONE); a device not there yet is taken for Ethernet.
 */
static bool is_l3_device(const char *ifname)
{
	struct ifreq ifr = { 0 };
	bool l3 = false;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd >= 0 && !ioctl(fd, SIOCGIFHWADDR, &ifr))
		l3 = ifr.ifr_hwaddr.sa_family == ARPHRD_NONE;
	if (fd >= 0)
		close(fd);
	return l3;
}

/* What holds nothing of its own: of another layout, it is dropped and made again. */
static const char *const disposable_maps[] = { "tenant_cache", "vtep_cache", NULL };

/* flowtab4 of another size: each flow into its bucket of the new table (same seed). */
static int rehash_flows4(int old_fd, int new_fd, void *ctx)
{
	struct datapath *dp = ctx;
	int seed_fd = bpf_map__fd(dp->xdp->maps.flow_seed);
	int ret = flowtab_seed_store(seed_fd, dp->ft_seed);

	return ret ? ret : flowtab_rehash4(old_fd, new_fd, seed_fd);
}

/*
 * Each object in turn: pinned maps of another layout moved aside (dpmigrate.h), the load
 * (the first object creates and pins the maps, the next ones reuse them), the old entries
 * copied in. what names the object in the error.
 */
static int load_one(struct dp_migration **mig, struct bpf_object *obj,
		    int (*load_skel)(void *skel), void *skel, const char *what, struct datapath *dp,
		    struct ztos_err *e)
{
	const struct dpmig_rehash rehash[] = { { "flowtab4", rehash_flows4, dp }, { NULL } };
	int ret = dpmig_prepare(mig, obj, dp->bpffs, disposable_maps, rehash, e);

	if (ret)
		return ret;
	ret = load_skel(skel);
	if (ret)
		return fail(e, ret, "datapath: load %s (the verifier log is above)", what);
	return dpmig_copy(*mig, obj, e);
}

/* The skeletons' loads, which also map their .bss for the agent. */
static int load_xdp(void *skel)
{
	return ztos_xdp__load(skel);
}

static int load_tc(void *skel)
{
	return ztos_tc__load(skel);
}

static int load_dpi(void *skel)
{
	return ztos_dpi__load(skel);
}

/* The LRU hash flows4 of a ztos before flowtab4: its flows move into flowtab4, it goes. */
static void adopt_old_flows4(struct datapath *dp)
{
	struct bpf_map_info info = { 0 };
	__u32 len = sizeof(info);
	char old[PATH_MAX];
	int fd, n;

	if (snprintf(old, sizeof(old), "%s/flows4", dp->bpffs) >= (int)sizeof(old))
		return;
	fd = bpf_obj_get(old);
	if (fd < 0)
		return;
	if (!bpf_obj_get_info_by_fd(fd, &info, &len) && info.type == BPF_MAP_TYPE_LRU_HASH &&
	    info.key_size == sizeof(struct ztos_flow4_key)) {
		n = flowtab_adopt_lru4(&dp->ft, fd, info.value_size);
		if (n >= 0 && !unlink(old))
			pr_info("datapath: %d IPv4 flows of an older ztos moved from %s into "
				"flowtab4", n, old);
		else
			pr_warn("datapath: move the flows of an older ztos from %s: %s", old,
				strerror(n < 0 ? -n : errno));
	}
	close(fd);
}

/*
 * The flow table mapped, and what older ztos versions left: IPv4 flows in flows (the
 * programs look them up in flowtab4 only), the LRU hash flows4.
 */
static int open_flows(struct datapath *dp, struct ztos_err *e)
{
	int seed_fd = bpf_map__fd(dp->xdp->maps.flow_seed);
	int n = flowtab_seed_store(seed_fd, dp->ft_seed);

	if (!n)
		n = flowtab_open(&dp->ft, bpf_map__fd(dp->xdp->maps.flows),
				 bpf_map__fd(dp->xdp->maps.flowtab4), seed_fd);
	if (n)
		return fail(e, n, "datapath: map the flow table %s/flowtab4", dp->bpffs);
	n = flowtab_drop_stale4(&dp->ft);
	if (n > 0)
		pr_info("datapath: %d IPv4 flows of an older ztos dropped from %s/flows "
			"(IPv4 flows are in flowtab4 now)", n, dp->bpffs);
	adopt_old_flows4(dp);
	return 0;
}

static int load(struct datapath *dp, const struct ztos_config *cfg, struct ztos_err *e)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = dp->bpffs);
	struct dp_migration *mig = NULL;
	int ret;

	ret = ensure_bpffs(dp->bpffs, e);
	if (ret)
		return ret;
	ret = mkdir_p(dp->bpffs);
	if (ret)
		return fail(e, ret, "datapath: create pin folder %s (is bpffs mounted on "
			    "/sys/fs/bpf?)", dp->bpffs);
	dp->xdp = ztos_xdp__open_opts(&opts);
	dp->tc = ztos_tc__open_opts(&opts);
	dp->dpi = ztos_dpi__open_opts(&opts);
	if (!dp->xdp || !dp->tc || !dp->dpi)
		return fail(e, -errno, "datapath: open the BPF objects");
	if (cfg->has_underlay) {
		__u32 flows = cfg->underlay.flow_table_size, buckets = flowtab_buckets(flows);

		dp->xdp->rodata->vxlan_port = cfg->underlay.vxlan_port;
		dp->xdp->rodata->l3_device = is_l3_device(cfg->underlay.interface);
		dp->xdp->rodata->ztos_ft_mask = dp->tc->rodata->ztos_ft_mask = buckets - 1;
		if (bpf_map__set_max_entries(dp->xdp->maps.flows, flows) ||
		    bpf_map__set_max_entries(dp->xdp->maps.flowtab4, buckets) ||
		    bpf_map__set_max_entries(dp->tc->maps.flows, flows) ||
		    bpf_map__set_max_entries(dp->tc->maps.flowtab4, buckets))
			return fail(e, -EINVAL, "datapath: flow table of %u entries", flows);
	}
	ret = flowtab_seed_for(dp->bpffs, &dp->ft_seed);
	if (ret)
		return fail(e, ret, "datapath: the flow table's hash seed");
	dp->xdp->rodata->ztos_ft_seed = dp->tc->rodata->ztos_ft_seed = dp->ft_seed;
	dp->tc->rodata->vxlan_port = dp->xdp->rodata->vxlan_port;
	dp->tc->rodata->l3_device = dp->xdp->rodata->l3_device;
	/*
	 * Maps are pinned by name: the first object creates and pins them, the second and
	 * any later agent reuse them. Those a ztosd of another version pinned with another
	 * layout (a new field, a flow table of another size) are migrated before and after
	 * the load; until the old pins go, nothing of this build is attached.
	 */
	ret = load_one(&mig, dp->xdp->obj, load_xdp, dp->xdp, "ztos_xdp", dp, e);
	if (!ret)
		ret = load_one(&mig, dp->tc->obj, load_tc, dp->tc, "ztos_tc", dp, e);
	if (!ret)
		ret = load_one(&mig, dp->dpi->obj, load_dpi, dp->dpi, "ztos_dpi", dp, e);
	if (ret)
		dpmig_abort(mig);
	else
		dpmig_finish(mig);
	return ret ? ret : open_flows(dp, e);
}

/* ---- XDP on the underlay ---- */

/* agent.bpffs is validated to fit PATH_MAX well before here; a cut path fails bpf_obj_get. */
static void link_pin_path(const char *bpffs, const char *ifname, char *buf, size_t len)
{
	if (snprintf(buf, len, "%s/link_xdp_%s", bpffs, ifname) >= (int)len)
		buf[0] = '\0';
}

static int xdp_link_create(int prog_fd, int ifindex, __u32 flags)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = flags);
	int fd = bpf_link_create(prog_fd, ifindex, BPF_XDP, &lo);

	return fd < 0 ? -errno : fd;
}

/*
 * prog on ifname through a pinned link; a link a previous agent pinned there gets the
 * new program in place (no detach gap). *generic says which mode it runs in.
 */
static int attach_xdp(struct datapath *dp, int prog_fd, const char *ifname,
		      enum ztos_xdp_mode mode, bool *generic, struct ztos_err *e)
{
	int ifindex = if_nametoindex(ifname), fd, ret;
	char pin[PATH_MAX];

	*generic = false;
	if (!ifindex)
		return fail(e, -ENODEV, "datapath: interface %s", ifname);
	link_pin_path(dp->bpffs, ifname, pin, sizeof(pin));
	fd = bpf_obj_get(pin);
	if (fd >= 0) {
		/* A previous agent's link: swap the program in place, no detach gap. */
		ret = bpf_link_update(fd, prog_fd, NULL) ? -errno : 0;
		close(fd);
		if (ret)
			return fail(e, ret, "datapath: update the XDP link on %s", ifname);
		pr_info("datapath: XDP on %s adopted from the previous agent", ifname);
		*generic = mode == ZTOS_XDP_GENERIC;
		goto out;
	}
	switch (mode) {
	case ZTOS_XDP_NATIVE:
		fd = xdp_link_create(prog_fd, ifindex, XDP_FLAGS_DRV_MODE);
		break;
	case ZTOS_XDP_GENERIC:
		fd = xdp_link_create(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
		*generic = true;
		break;
	default:
		fd = xdp_link_create(prog_fd, ifindex, XDP_FLAGS_DRV_MODE);
		if (fd < 0) {
			pr_warn("datapath: native XDP on %s failed (%s); falling back to generic "
				"mode, which is slower", ifname, strerror(-fd));
			fd = xdp_link_create(prog_fd, ifindex, XDP_FLAGS_SKB_MODE);
			*generic = true;
		}
	}
	if (fd < 0)
		return fail(e, fd, "datapath: attach XDP (%s mode) to %s",
			    ztos_xdp_mode_str(mode), ifname);
	ret = bpf_obj_pin(fd, pin) ? -errno : 0;
	close(fd);
	if (ret)
		return fail(e, ret, "datapath: pin the XDP link of %s at %s", ifname, pin);
	pr_info("datapath: XDP attached to %s (%s mode)", ifname, *generic ? "generic" : "native");
out:
	return 0;
}

static int xdp_attach(struct datapath *dp, const struct ztos_config *cfg, struct ztos_err *e)
{
	int ret = attach_xdp(dp, bpf_program__fd(dp->xdp->progs.ztos_xdp_ingress),
			     cfg->underlay.interface, cfg->underlay.xdp_mode, &dp->generic, e);

	if (!ret)
		snprintf(dp->underlay, sizeof(dp->underlay), "%s", cfg->underlay.interface);
	return ret;
}

/* Unpinning the last reference to an XDP link detaches the program. */
static void xdp_detach(const char *bpffs, const char *ifname)
{
	char pin[PATH_MAX];

	link_pin_path(bpffs, ifname, pin, sizeof(pin));
	if (!unlink(pin))
		pr_info("datapath: XDP detached from %s", ifname);
}

/* ---- TC on tenant ports ---- */

/*
 * The clsact qdisc both hooks hang on. libbpf asks for it with NLM_F_EXCL, so one that
 * is there already (a restart, another tool's) is -EEXIST with the kernel's words, which
 * libbpf would print as a warning: that answer is expected here and not printed.
 */
static int tc_clsact(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	int ret;

	log_libbpf_expect("Exclusivity flag on, cannot modify");
	ret = bpf_tc_hook_create(&hook);
	log_libbpf_expect(NULL);
	return ret == -EEXIST ? 0 : ret;
}

static int tc_attach_one(int ifindex, enum bpf_tc_attach_point point, int prog_fd)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = point);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIO,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);

	return bpf_tc_attach(&hook, &opts);
}

static void tc_detach(int ifindex)
{
	for (int p = BPF_TC_INGRESS; p <= BPF_TC_EGRESS; p++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = p);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = TC_HANDLE, .priority = TC_PRIO);

		bpf_tc_detach(&hook, &opts);
	}
}

/* Both programs on a port, or neither. */
static int tc_attach_index(struct datapath *dp, int ifindex)
{
	int ret = tc_clsact(ifindex);

	if (!ret)
		ret = tc_attach_one(ifindex, BPF_TC_INGRESS,
				    bpf_program__fd(dp->tc->progs.ztos_tc_ingress));
	if (!ret)
		ret = tc_attach_one(ifindex, BPF_TC_EGRESS,
				    bpf_program__fd(dp->tc->progs.ztos_tc_egress));
	if (ret)
		tc_detach(ifindex);
	return ret;
}

static int tc_attach(struct datapath *dp, const char *ifname, struct ztos_err *e)
{
	int ifindex = if_nametoindex(ifname), ret;

	if (!ifindex)
		return fail(e, -ENODEV, "datapath: tenant interface %s", ifname);
	ret = tc_attach_index(dp, ifindex);
	return ret ? fail(e, ret, "datapath: attach TC to tenant interface %s", ifname) : 0;
}

/* ---- control maps: a snapshot to roll back to ---- */

#define KEY_MAX 64	/* the largest control-map key: struct ztos_vtep_key, 24 bytes */

struct map_copy {
	int fd;
	size_t ksz, vsz, n;
	unsigned char *keys, *vals;
};

static int snapshot(int fd, size_t ksz, size_t vsz, struct map_copy *c)
{
	unsigned char k[KEY_MAX], prev[KEY_MAX];
	bool have_prev = false;

	*c = (struct map_copy){ .fd = fd, .ksz = ksz, .vsz = vsz };
	if (ksz > KEY_MAX)
		return -EINVAL;
	while (!bpf_map_get_next_key(fd, have_prev ? prev : NULL, k)) {
		unsigned char *nk = realloc(c->keys, (c->n + 1) * ksz);
		unsigned char *nv = nk ? realloc(c->vals, (c->n + 1) * vsz) : NULL;

		if (nk)
			c->keys = nk;
		if (!nv)
			return -ENOMEM;
		c->vals = nv;
		memcpy(prev, k, ksz);
		have_prev = true;
		if (bpf_map_lookup_elem(fd, k, c->vals + c->n * vsz))
			continue;	/* deleted meanwhile */
		memcpy(c->keys + c->n * ksz, k, ksz);
		c->n++;
	}
	return 0;
}

static bool copy_has(const struct map_copy *c, const void *key)
{
	for (size_t i = 0; i < c->n; i++)
		if (!memcmp(c->keys + i * c->ksz, key, c->ksz))
			return true;
	return false;
}

static void restore(struct map_copy *c)
{
	unsigned char k[KEY_MAX], prev[KEY_MAX];
	bool have_prev = false;

	/* Keys added since the snapshot go; the snapshot's keys come back as they were. */
	while (!bpf_map_get_next_key(c->fd, have_prev ? prev : NULL, k)) {
		if (!copy_has(c, k) && !bpf_map_delete_elem(c->fd, k))
			continue;
		memcpy(prev, k, c->ksz);
		have_prev = true;
	}
	for (size_t i = 0; i < c->n; i++)
		bpf_map_update_elem(c->fd, c->keys + i * c->ksz, c->vals + i * c->vsz, BPF_ANY);
}

static void copy_free(struct map_copy *c)
{
	free(c->keys);
	free(c->vals);
}

/* ---- writing the config ---- */

struct control {
	int tenants, vteps, policy, ports;
	bool used[ZTOS_MAX_TENANTS];	/* tenant ids the tenants map holds, or given out */
};

/* Tenant ids the kernel has: they are kept across restarts (they index the stats). */
static void load_used_ids(struct control *c)
{
	struct ztos_tenant_info ti;
	__u32 key, prev;
	bool have_prev = false;

	memset(c->used, 0, sizeof(c->used));
	while (!bpf_map_get_next_key(c->tenants, have_prev ? &prev : NULL, &key)) {
		if (!bpf_map_lookup_elem(c->tenants, &key, &ti) && ti.tenant_id < ZTOS_MAX_TENANTS)
			c->used[ti.tenant_id] = true;
		prev = key;
		have_prev = true;
	}
}

/* The tenant of vni as the kernel has it (0), or a new one with a free id (1). */
static int tenant_id_for(struct control *c, uint32_t vni, struct ztos_tenant_info *info)
{
	if (!bpf_map_lookup_elem(c->tenants, &vni, info))
		return 0;
	for (__u32 id = 0; id < ZTOS_MAX_TENANTS; id++) {
		if (!c->used[id]) {
			c->used[id] = true;
			*info = (struct ztos_tenant_info){ .tenant_id = id, .policy_gen = 0 };
			return 1;
		}
	}
	return -ENOSPC;
}

static void zero_tenant_stats(struct datapath *dp, __u32 id)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ztos_tenant_stats *zero = calloc(ncpu > 0 ? ncpu : 1, sizeof(*zero));

	if (zero)
		bpf_map_update_elem(bpf_map__fd(dp->xdp->maps.tenant_stats), &id, zero, BPF_ANY);
	free(zero);
}

/*
 * One tenant, in an order that never shows half of it: the policy and the VTEPs are
 * in place before the tenant entry that makes XDP accept its VNI; stale VTEPs go only
 * after every tenant is written (remove_stale).
 */
/* The static VTEPs of t for vni (its VNI, or its L3 VNI), then vni's tenant entry. */
static int write_vni(struct control *c, const struct ztos_tenant *t, __u32 vni,
		     const struct ztos_tenant_info *info, struct ztos_err *e)
{
	struct ztos_tenant_info cur;
	struct ztos_vtep_key vk;

	for (size_t i = 0; i < t->n_vteps; i++) {
		char addr[INET6_ADDRSTRLEN];
		__u32 origin = 0;

		dpmap_vtep_key(vni, &t->vteps[i], &vk);
		if (!bpf_map_lookup_elem(c->vteps, &vk, &origin) && (origin & ZTOS_VTEP_STATIC))
			continue;
		origin |= ZTOS_VTEP_STATIC;
		if (bpf_map_update_elem(c->vteps, &vk, &origin, BPF_ANY))
			return fail(e, -errno, "datapath: tenant %s: allow VTEP %s in VNI %u (write "
				    "the vteps map)", t->name,
				    ztos_addr_str(&t->vteps[i], addr, sizeof(addr)), vni);
	}
	if (bpf_map_lookup_elem(c->tenants, &vni, &cur) || memcmp(&cur, info, sizeof(*info)))
		if (bpf_map_update_elem(c->tenants, &vni, info, BPF_ANY))
			return fail(e, -errno, "datapath: tenant %s: write VNI %u", t->name, vni);
	return 0;
}

static int write_tenant(struct datapath *dp, struct control *c, const struct ztos_tenant *t,
			struct ztos_err *e)
{
	struct ztos_tenant_info info;
	struct ztos_policy pol, old;
	__u32 vni = t->vni;
	int ret;

	ret = tenant_id_for(c, vni, &info);
	if (ret < 0)
		return fail(e, ret, "datapath: tenant %s: no free tenant slot (%d at most)",
			    t->name, ZTOS_MAX_TENANTS);
	if (ret == 1)
		zero_tenant_stats(dp, info.tenant_id);
	dpmap_policy(t, &pol);
	if (bpf_map_lookup_elem(c->policy, &info.tenant_id, &old) || memcmp(&old, &pol, sizeof(pol))) {
		if (bpf_map_update_elem(c->policy, &info.tenant_id, &pol, BPF_ANY))
			return fail(e, -errno, "datapath: tenant %s: write policy", t->name);
		info.policy_gen++;	/* existing flows take the new policy on their next packet */
	}
	ret = write_vni(c, t, vni, &info, e);
	/* routed traffic of its VRF (the L3 VNI) is the tenant's: same policy, same VTEPs */
	if (!ret && l3vni_of(t))
		ret = write_vni(c, t, l3vni_of(t), &info, e);
	return ret;
}

/* Whether cfg lets k's VTEP send k's VNI. */
static bool vtep_wanted(const struct ztos_config *cfg, const struct ztos_vtep_key *k)
{
	const struct ztos_tenant *t = tenant_by_vni(cfg, k->vni);
	struct ztos_vtep_key want;

	for (size_t i = 0; t && i < t->n_vteps; i++) {
		dpmap_vtep_key(k->vni, &t->vteps[i], &want);
		if (!memcmp(&want, k, sizeof(want)))
			return true;
	}
	return false;
}

/* Whether a VNI cfg keeps has tenant id in the kernel's tenants map. */
static bool id_in_use(const struct control *c, const struct ztos_config *cfg, __u32 id)
{
	struct ztos_tenant_info info;

	for (size_t i = 0; i < cfg->n_tenants; i++)
		if (!bpf_map_lookup_elem(c->tenants, &cfg->tenants[i].vni, &info) &&
		    info.tenant_id == id)
			return true;
	return false;
}

/* Tenants the config no longer has: the tenant entry first, so its VNI drops at once. */
static int remove_stale_tenants(const struct control *c, const struct ztos_config *cfg)
{
	__u32 vni, prev = 0;
	bool have_prev = false;
	struct ztos_tenant_info info;
	struct ztos_vtep_key vk, pk;

	while (!bpf_map_get_next_key(c->tenants, have_prev ? &prev : NULL, &vni)) {
		if (tenant_by_vni(cfg, vni)) {
			prev = vni;
			have_prev = true;
			continue;
		}
		if (bpf_map_lookup_elem(c->tenants, &vni, &info) ||
		    bpf_map_delete_elem(c->tenants, &vni))
			return -errno;
		/* an L3 VNI that went shares its tenant's id and policy: those may stay */
		if (!id_in_use(c, cfg, info.tenant_id))
			bpf_map_delete_elem(c->policy, &info.tenant_id);
		have_prev = false;	/* restart the walk: the map changed under it */
	}
	have_prev = false;
	/*
	 * VTEPs the config no longer has, of removed tenants and of kept ones alike. A
	 * learned one stays while its VNI has a tenant: EVPN, not the config, withdraws it.
	 */
	while (!bpf_map_get_next_key(c->vteps, have_prev ? &pk : NULL, &vk)) {
		__u32 origin = 0, want;

		bpf_map_lookup_elem(c->vteps, &vk, &origin);
		want = (vtep_wanted(cfg, &vk) ? ZTOS_VTEP_STATIC : 0) |
		       (tenant_by_vni(cfg, vk.vni) ? origin & ZTOS_VTEP_EVPN : 0);
		if (!want && !bpf_map_delete_elem(c->vteps, &vk))
			continue;
		if (want && want != origin)
			bpf_map_update_elem(c->vteps, &vk, &want, BPF_EXIST);
		pk = vk;
		have_prev = true;
	}
	return 0;
}

static bool port_wanted(const struct ztos_config *cfg, const char *ifname, uint32_t *vni)
{
	for (size_t i = 0; cfg && i < cfg->n_tenants; i++)
		for (size_t j = 0; j < cfg->tenants[i].n_interfaces; j++)
			if (!strcmp(cfg->tenants[i].interfaces[j], ifname)) {
				*vni = cfg->tenants[i].vni;
				return true;
			}
	return false;
}

static int write_ports(struct datapath *dp, const struct control *c,
		       const struct ztos_config *cfg, struct ztos_err *e)
{
	__u32 ifindex, prev = 0, vni;
	bool have_prev = false;
	char name[IF_NAMESIZE];
	int ret;

	dp->n_missing = 0;
	for (size_t i = 0; i < cfg->n_tenants; i++) {
		for (size_t j = 0; j < cfg->tenants[i].n_interfaces; j++) {
			const char *ifname = cfg->tenants[i].interfaces[j];

			/*
			 * A workload's interface may come later (a VM not started yet): the
			 * tenant applies without it, and status names it until it is there.
			 */
			if (!if_nametoindex(ifname)) {
				if (dp->n_missing < MISSING_MAX)
					snprintf(dp->missing[dp->n_missing++], IF_NAMESIZE, "%s",
						 ifname);
				pr_warn("datapath: tenant %s: interface %s does not exist; its "
					"traffic is not classified until it does",
					cfg->tenants[i].name, ifname);
				continue;
			}
			ret = tc_attach(dp, ifname, e);
			if (ret)
				return ret;
			ifindex = if_nametoindex(ifname);
			vni = cfg->tenants[i].vni;
			if (bpf_map_update_elem(c->ports, &ifindex, &vni, BPF_ANY))
				return fail(e, -errno, "datapath: port %s", ifname);
		}
	}
	/* Ports we serve no more: detach and forget (gone interfaces just go). */
	while (!bpf_map_get_next_key(c->ports, have_prev ? &prev : NULL, &ifindex)) {
		if (if_indextoname(ifindex, name) && port_wanted(cfg, name, &vni)) {
			prev = ifindex;
			have_prev = true;
			continue;
		}
		tc_detach(ifindex);
		bpf_map_delete_elem(c->ports, &ifindex);
	}
	return 0;
}

static void zero_percpu_array(struct bpf_map *map)
{
	size_t size = (size_t)libbpf_num_possible_cpus() * bpf_map__value_size(map);
	void *zero = calloc(1, size);

	for (__u32 k = 0; zero && k < bpf_map__max_entries(map); k++)
		bpf_map_update_elem(bpf_map__fd(map), &k, zero, BPF_ANY);
	free(zero);
}

/*
 * The programs keep per-CPU caches of tenants and VTEPs (bpf/lib/cache.h), valid for
 * the jiffy they were filled in. Zeroing them makes a change count from the next
 * packet, not the next jiffy.
 */
static void invalidate_caches(struct datapath *dp)
{
	zero_percpu_array(dp->xdp->maps.tenant_cache);
	zero_percpu_array(dp->xdp->maps.vtep_cache);
	memset(dp->xdp->bss->ztos_vni_absent, 0, sizeof(dp->xdp->bss->ztos_vni_absent));
	memset(dp->tc->bss->ztos_vni_absent, 0, sizeof(dp->tc->bss->ztos_vni_absent));
}

static bool dpi_wanted(const struct ztos_config *cfg)
{
	return cfg->has_dpi && cfg->dpi.enabled;
}

/* The veth pair and its AF_XDP program: DPI on, copies over the link. */
static bool dpi_link_wanted(const struct ztos_config *cfg)
{
	return dpi_wanted(cfg) && cfg->dpi.transport == ZTOS_DPI_AFXDP;
}

/*
 * With DPI on over the link: the veth pair, ztos_dpi on its far end, and the mirror of
 * "inspect" flows pointed at its near end; over the ring: the mirror pointed at dpi_ring.
 * Otherwise the mirror points nowhere, and the pair goes once the map says so.
 */
static int dpi_apply(struct datapath *dp, const struct ztos_config *cfg, struct ztos_err *e)
{
	int fd = bpf_map__fd(dp->xdp->maps.dpi_target), ret;
	__u32 zero = 0, ifindex = 0;
	bool generic;

	if (dpi_link_wanted(cfg)) {
		ret = dpi_link_ensure(e);
		if (!ret)
			ret = attach_xdp(dp, bpf_program__fd(dp->dpi->progs.ztos_dpi_redirect),
					 DPI_LINK_RX, ZTOS_XDP_AUTO, &generic, e);
		if (ret)
			return ret;
		ifindex = if_nametoindex(DPI_LINK_TX);
	} else if (dpi_wanted(cfg)) {
		ifindex = ZTOS_DPI_TARGET_RING;
	}
	if (bpf_map_update_elem(fd, &zero, &ifindex, BPF_ANY))
		return fail(e, -errno, "datapath: point the mirror at %s", DPI_LINK_TX);
	dp->tc->bss->ztos_inspect_depth = dpi_wanted(cfg) ? cfg->dpi.inspect_depth : 0;
	/* Also a link an earlier run left (with dpi.transport afxdp then), once. */
	if (!dpi_link_wanted(cfg) && (dp->dpi_link || !dp->dpi_link_checked)) {
		xdp_detach(dp->bpffs, DPI_LINK_RX);
		dpi_link_remove();
	}
	dp->dpi_link_checked = true;
	dp->dpi_link = dpi_link_wanted(cfg);
	return 0;
}

/*
 * The control maps as they are, to go back to exactly (tenant ids, policy generations),
 * and the mirror's depth.
 */
struct control_snap {
	struct map_copy m[5];
	__u64 inspect_depth;
};

static void control_snap_free(struct control_snap *cs)
{
	for (int i = 0; i < 5; i++)
		copy_free(&cs->m[i]);
}

static int control_snap_take(struct datapath *dp, struct control_snap *cs, struct ztos_err *e)
{
	*cs = (struct control_snap){ 0 };
	if (snapshot(bpf_map__fd(dp->xdp->maps.tenants), sizeof(__u32),
		     sizeof(struct ztos_tenant_info), &cs->m[0]) ||
	    snapshot(bpf_map__fd(dp->xdp->maps.vteps), sizeof(struct ztos_vtep_key), sizeof(__u32),
		     &cs->m[1]) ||
	    snapshot(bpf_map__fd(dp->xdp->maps.policy), sizeof(__u32), sizeof(struct ztos_policy),
		     &cs->m[2]) ||
	    snapshot(bpf_map__fd(dp->xdp->maps.ports), sizeof(__u32), sizeof(__u32), &cs->m[3]) ||
	    snapshot(bpf_map__fd(dp->xdp->maps.dpi_target), sizeof(__u32), sizeof(__u32),
		     &cs->m[4])) {
		control_snap_free(cs);
		return fail(e, -ENOMEM, "datapath: snapshot the maps");
	}
	cs->inspect_depth = dp->tc->bss->ztos_inspect_depth;
	return 0;
}

/* The maps as they were, and the TC programs on exactly the ports they name. */
static void control_snap_restore(struct datapath *dp, struct control_snap *cs)
{
	int ports = bpf_map__fd(dp->xdp->maps.ports);
	__u32 ifindex, prev;
	bool have_prev = false;

	/* Ports the change took on: their programs go with them. */
	while (!bpf_map_get_next_key(ports, have_prev ? &prev : NULL, &ifindex)) {
		if (!copy_has(&cs->m[3], &ifindex))
			tc_detach((int)ifindex);
		prev = ifindex;
		have_prev = true;
	}
	for (int i = 0; i < 5; i++)
		restore(&cs->m[i]);
	dp->tc->bss->ztos_inspect_depth = cs->inspect_depth;
	/* Ports it let go get theirs back (the others are replaced by the same programs). */
	for (size_t i = 0; i < cs->m[3].n; i++) {
		memcpy(&ifindex, cs->m[3].keys + i * sizeof(ifindex), sizeof(ifindex));
		if (tc_attach_index(dp, (int)ifindex))
			pr_warn("datapath: undo: attach TC to ifindex %u again", ifindex);
	}
	invalidate_caches(dp);
}

int datapath_apply(struct datapath *dp, const struct ztos_config *old,
		   const struct ztos_config *cfg, struct ztos_err *e)
{
	struct control c;
	struct control_snap snap;
	bool underlay_changed;
	int ret = 0;

	if (cfg->n_tenants > ZTOS_MAX_TENANTS)
		return fail(e, 0, "datapath: %zu tenants, the maps hold %d", cfg->n_tenants,
			    ZTOS_MAX_TENANTS);
	pthread_mutex_lock(&dp->vtep_lock);
	c.tenants = bpf_map__fd(dp->xdp->maps.tenants);
	c.vteps = bpf_map__fd(dp->xdp->maps.vteps);
	c.policy = bpf_map__fd(dp->xdp->maps.policy);
	c.ports = bpf_map__fd(dp->xdp->maps.ports);
	load_used_ids(&c);
	ret = control_snap_take(dp, &snap, e);
	if (ret)
		goto out;
	for (size_t i = 0; i < cfg->n_tenants && !ret; i++)
		ret = write_tenant(dp, &c, &cfg->tenants[i], e);
	if (!ret)
		ret = write_ports(dp, &c, cfg, e);
	if (!ret && remove_stale_tenants(&c, cfg))
		ret = fail(e, -errno, "datapath: remove old tenants");
	if (!ret)
		ret = dpi_apply(dp, cfg, e);
	underlay_changed = strcmp(dp->underlay, cfg->has_underlay ? cfg->underlay.interface : "");
	if (!ret && underlay_changed && cfg->has_underlay)
		ret = xdp_attach(dp, cfg, e);
	if (ret) {
		control_snap_restore(dp, &snap);
		goto out;
	}
	invalidate_caches(dp);
	if (underlay_changed && old && old->has_underlay &&
	    strcmp(old->underlay.interface, dp->underlay)) {
		xdp_detach(dp->bpffs, old->underlay.interface);
	}
	if (!cfg->has_underlay && dp->underlay[0]) {
		xdp_detach(dp->bpffs, dp->underlay);
		dp->underlay[0] = '\0';
	}
out:
	pthread_mutex_unlock(&dp->vtep_lock);
	control_snap_free(&snap);
	return ret;
}

/* ---- learned VTEPs (EVPN) ---- */

/* Set or clear bit on k; the entry goes when no bit is left. Call with vtep_lock held. */
static int vtep_origin(int fd, const struct ztos_vtep_key *k, __u32 bit, bool on)
{
	__u32 origin = 0, want;

	bpf_map_lookup_elem(fd, k, &origin);
	want = on ? origin | bit : origin & ~bit;
	if (want == origin)
		return 0;
	if (!want)
		return bpf_map_delete_elem(fd, k) ? -errno : 0;
	return bpf_map_update_elem(fd, k, &want, BPF_ANY) ? -errno : 0;
}

/*
 * The per-CPU caches hold an answer for one jiffy (bpf/lib/cache.h): a learned VTEP
 * counts from the next jiffy without zeroing them, which would cost more than it buys.
 */
int datapath_vtep_learned(struct datapath *dp, const struct ztos_config *cfg, uint32_t vni,
			  const struct ztos_addr *vtep, bool add)
{
	const struct ztos_tenant *t;
	struct ztos_vtep_key k;
	int ret;

	if (add && !tenant_by_vni(cfg, vni)) {
		pthread_mutex_lock(&dp->vtep_lock);
		dp->learned_refused++;
		pthread_mutex_unlock(&dp->vtep_lock);
		return -ENOENT;
	}
	dpmap_vtep_key(vni, vtep, &k);
	pthread_mutex_lock(&dp->vtep_lock);
	ret = vtep_origin(bpf_map__fd(dp->xdp->maps.vteps), &k, ZTOS_VTEP_EVPN, add);
	t = tenant_by_vni(cfg, vni);
	/* a VTEP of the tenant's VNI may send its VRF's routed traffic (the L3 VNI) too */
	if (!ret && t && l3vni_of(t)) {
		dpmap_vtep_key(l3vni_of(t), vtep, &k);
		ret = vtep_origin(bpf_map__fd(dp->xdp->maps.vteps), &k, ZTOS_VTEP_EVPN, add);
	}
	pthread_mutex_unlock(&dp->vtep_lock);
	return ret;
}

/* Whether k (of a VNI, or of an L3 VNI: of its tenant's VNI) is in the learned set v. */
static bool in_list(const struct ztos_config *cfg, const struct ztos_vtep_key *k,
		    const struct datapath_vtep *v, size_t n)
{
	struct ztos_vtep_key w, l2 = *k;

	l2.vni = l2_vni(cfg, k->vni);
	for (size_t i = 0; i < n; i++) {
		dpmap_vtep_key(v[i].vni, &v[i].addr, &w);
		if (!memcmp(&w, &l2, sizeof(w)))
			return true;
	}
	return false;
}

int datapath_vteps_learned_sync(struct datapath *dp, const struct ztos_config *cfg,
				const struct datapath_vtep *v, size_t n)
{
	int fd = bpf_map__fd(dp->xdp->maps.vteps), ret = 0;
	struct ztos_vtep_key k, pk;
	bool have_prev = false;

	pthread_mutex_lock(&dp->vtep_lock);
	for (size_t i = 0; i < n && !ret; i++) {
		if (!tenant_by_vni(cfg, v[i].vni)) {
			dp->learned_refused++;
			continue;
		}
		dpmap_vtep_key(v[i].vni, &v[i].addr, &k);
		ret = vtep_origin(fd, &k, ZTOS_VTEP_EVPN, true);
		if (!ret && l3vni_of(tenant_by_vni(cfg, v[i].vni))) {
			dpmap_vtep_key(l3vni_of(tenant_by_vni(cfg, v[i].vni)), &v[i].addr, &k);
			ret = vtep_origin(fd, &k, ZTOS_VTEP_EVPN, true);
		}
	}
	/* learned before and not now: the bit goes (the entry too, if it was only that) */
	while (!ret && !bpf_map_get_next_key(fd, have_prev ? &pk : NULL, &k)) {
		__u32 origin = 0;
		bool stale = !bpf_map_lookup_elem(fd, &k, &origin) && (origin & ZTOS_VTEP_EVPN) &&
			     (!tenant_by_vni(cfg, k.vni) || !in_list(cfg, &k, v, n));

		if (stale && origin == ZTOS_VTEP_EVPN) {
			if (!bpf_map_delete_elem(fd, &k))
				continue;	/* the walk goes on from the previous key */
		} else if (stale) {
			ret = vtep_origin(fd, &k, ZTOS_VTEP_EVPN, false);
		}
		pk = k;
		have_prev = true;
	}
	pthread_mutex_unlock(&dp->vtep_lock);
	return ret;
}

cJSON *datapath_vteps(struct datapath *dp, uint32_t vni)
{
	int fd = bpf_map__fd(dp->xdp->maps.vteps);
	cJSON *arr = cJSON_CreateArray();
	struct ztos_vtep_key k, pk;
	bool have_prev = false;
	char buf[INET6_ADDRSTRLEN];

	pthread_mutex_lock(&dp->vtep_lock);
	while (!bpf_map_get_next_key(fd, have_prev ? &pk : NULL, &k)) {
		__u32 origin = 0;

		pk = k;
		have_prev = true;
		if (k.vni != vni || bpf_map_lookup_elem(fd, &k, &origin))
			continue;
		cJSON *o = cJSON_CreateObject();

		cJSON_AddStringToObject(o, "address", words_str((__u8)k.family, k.addr, buf,
								sizeof(buf)));
		cJSON_AddStringToObject(o, "origin", origin == (ZTOS_VTEP_STATIC | ZTOS_VTEP_EVPN)
					? "static+evpn" : origin & ZTOS_VTEP_EVPN ? "evpn" : "static");
		cJSON_AddItemToArray(arr, o);
	}
	pthread_mutex_unlock(&dp->vtep_lock);
	return arr;
}

/* ---- events ---- */

static int on_event(void *ctx, void *data, size_t size)
{
	struct datapath *dp = ctx;
	const struct ztos_event *e = data;
	char buf[INET6_ADDRSTRLEN], ifname[IF_NAMESIZE];
	cJSON *fields, *body;

	if (size < sizeof(*e))
		return 0;
	dp->events_seen++;
	if (e->type == ZTOS_EV_NEW_FLOW)
		return 0;	/* counted in stats; the flow event comes when it ends */
	fields = cJSON_CreateObject();
	body = cJSON_CreateObject();
	if (e->key.family)
		add_tuple(fields, &e->key, true, dp->cfg_for_events);
	else if (e->key.vni)
		cJSON_AddNumberToObject(fields, "vni", e->key.vni);
	cJSON_AddStringToObject(body, "reason", e->type == ZTOS_EV_FLOW_BLOCKED
				? ztos_counter_names[ZTOS_DROP_BLOCKED]
				: e->reason < ZTOS_CNT_MAX ? ztos_counter_names[e->reason] : "?");
	if (e->outer_family)
		cJSON_AddStringToObject(body, "vtep", words_str(e->outer_family, e->outer_src, buf,
								 sizeof(buf)));
	if (e->ifindex && if_indextoname(e->ifindex, ifname))
		cJSON_AddStringToObject(body, "interface", ifname);
	/* Drop events are rate-limited per reason in BPF; /metrics counts every drop. */
	event_emit("drop", e->key.family ? datapath_flow_id(&e->key) : 0, fields, body);
	return 0;
}

/* ---- DPI ---- */

int datapath_xsks_fd(struct datapath *dp)
{
	return dp && dp->dpi_link ? bpf_map__fd(dp->dpi->maps.xsks) : -1;
}

/* dpi_target says where the mirror points (dpi_apply wrote it). */
int datapath_dpi_ring_fd(struct datapath *dp)
{
	__u32 zero = 0, target = 0;

	if (!dp || bpf_map_lookup_elem(bpf_map__fd(dp->xdp->maps.dpi_target), &zero, &target))
		return -1;
	return target == ZTOS_DPI_TARGET_RING ? bpf_map__fd(dp->tc->maps.dpi_ring) : -1;
}

/* A blocked entry of its own for the flow of k, which is not in the table. */
static int block_new_flow(const struct flowtab *t, const struct ztos_flow_key *k)
{
	struct ztos_flow f = { .verdict = ZTOS_VERDICT_BLOCK, .opener_is_a = 1 };
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	f.first_seen_ns = f.last_seen_ns = (__u64)now.tv_sec * 1000000000ULL + now.tv_nsec;
	return flowtab_update(t, k, &f, BPF_ANY);
}

/*
 * The BPF programs add to the entry's counters in place while this writes it whole: a
 * few packets counted in between are lost to the counters, never to the verdict. A
 * flow evicted meanwhile comes back as a blocked entry of its own. A packet that met a
 * new policy generation in the middle of the write may put its verdict back over the
 * block: the entry is read again until it holds the block.
 */
int datapath_block_flow(struct datapath *dp, const struct ztos_flow_key *k)
{
	const struct flowtab *t = &dp->ft;
	struct ztos_flow f;
	int ret;

	for (int tries = 0; tries < 4; tries++) {
		if (flowtab_lookup(t, k, &f))
			return block_new_flow(t, k);
		if (f.verdict == ZTOS_VERDICT_BLOCK)
			return tries ? 0 : 1;
		f.verdict = ZTOS_VERDICT_BLOCK;
		f.pad[0] = 0;	/* the programs report the block on the next packet */
		ret = flowtab_update(t, k, &f, BPF_EXIST);
		if (ret == -ENOENT)
			return block_new_flow(t, k);
		if (ret)
			return ret;
	}
	return -EAGAIN;
}

int datapath_events_fd(struct datapath *dp)
{
	return dp && dp->rb ? ring_buffer__epoll_fd(dp->rb) : -1;
}

void datapath_poll(struct datapath *dp, const struct ztos_config *cfg)
{
	if (!dp || !dp->rb)
		return;
	dp->cfg_for_events = cfg;
	ring_buffer__consume(dp->rb);
	dp->cfg_for_events = NULL;
}

/* ---- flows ---- */

static void age_flows(struct datapath *dp, const struct ztos_config *cfg);

static void emit_flow_end(struct datapath *dp, const struct ztos_config *cfg,
			  const struct ztos_flow_key *k, const struct ztos_flow *f, const char *why)
{
	cJSON *fields = cJSON_CreateObject(), *body = cJSON_CreateObject();

	add_tuple(fields, k, f->opener_is_a, cfg);
	add_flow_counts(body, f);
	add_time(body, "start", dp, f->first_seen_ns);
	add_time(body, "end", dp, f->last_seen_ns);
	cJSON_AddNumberToObject(body, "age", (double)((f->last_seen_ns - f->first_seen_ns) / 1000000000ULL));
	cJSON_AddStringToObject(body, "state", "closed");
	cJSON_AddStringToObject(body, "reason", why);
	cJSON_AddStringToObject(body, "verdict", dpmap_verdict_name(f->verdict));
	event_emit("flow", datapath_flow_id(k), fields, body);
}

/* Tenant interfaces that were missing and have since appeared get their TC programs. */
static void attach_late_ports(struct datapath *dp, const struct ztos_config *cfg)
{
	int ports = bpf_map__fd(dp->xdp->maps.ports);
	struct ztos_err e = { 0 };
	size_t keep = 0;
	__u32 vni;

	for (size_t i = 0; i < dp->n_missing; i++) {
		const char *ifname = dp->missing[i];
		__u32 ifindex = if_nametoindex(ifname);

		if (!ifindex || !port_wanted(cfg, ifname, &vni) ||
		    tc_attach(dp, ifname, &e) ||
		    bpf_map_update_elem(ports, &ifindex, &vni, BPF_ANY)) {
			if (ifindex && port_wanted(cfg, ifname, &vni))
				pr_warn("%s", e.msg);
			if (port_wanted(cfg, ifname, &vni))
				memmove(dp->missing[keep++], ifname, IF_NAMESIZE);
			continue;
		}
		pr_info("datapath: tenant interface %s appeared: attached", ifname);
	}
	dp->n_missing = keep;
}

void datapath_tick(struct datapath *dp, const struct ztos_config *cfg)
{
	attach_late_ports(dp, cfg);
	age_flows(dp, cfg);
}

static void age_flows(struct datapath *dp, const struct ztos_config *cfg)
{
	const struct flowtab *t = &dp->ft;
	struct flowtab_walk w = { 0 };
	struct ztos_flow_key k, prev;
	struct ztos_flow f;
	struct timespec now;
	bool have_prev = false;
	__u64 now_ns;

	clock_gettime(CLOCK_MONOTONIC, &now);
	now_ns = (__u64)now.tv_sec * 1000000000ULL + now.tv_nsec;
	while (!flowtab_next(t, &w, have_prev ? &prev : NULL, &k)) {
		bool closed;
		__u64 idle;

		if (flowtab_lookup(t, &k, &f)) {
			prev = k;
			have_prev = true;
			continue;
		}
		closed = f.tcp_flags & (TCP_FIN | TCP_RST);
		idle = now_ns > f.last_seen_ns ? (now_ns - f.last_seen_ns) / 1000000000ULL : 0;
		if (idle < (closed ? FLOW_CLOSED_S : FLOW_IDLE_S) || f.verdict == ZTOS_VERDICT_BLOCK) {
			prev = k;
			have_prev = true;
			continue;
		}
		if (!flowtab_delete(t, &k)) {
			emit_flow_end(dp, cfg, &k, &f, closed ? "closed" : "timeout");
			dp->aged++;
		}
	}
}

/* tenant_vni: the VNI of the tenant filter, resolved once (0: none asked for). */
static bool flow_matches(const struct flow_filter *flt, uint32_t tenant_vni,
			 const struct ztos_flow_key *k, const struct ztos_flow *f)
{
	if (flt->vni && k->vni != flt->vni)
		return false;
	if (tenant_vni && k->vni != tenant_vni)
		return false;
	return flt->verdict < 0 || f->verdict == flt->verdict;
}

static const struct ztos_tenant *tenant_by_name(const struct ztos_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->n_tenants; i++)
		if (!strcmp(cfg->tenants[i].name, name))
			return &cfg->tenants[i];
	return NULL;
}

static cJSON *flow_json(struct datapath *dp, const struct ztos_config *cfg,
			const struct ztos_flow_key *k, const struct ztos_flow *f)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "flow_id", (double)datapath_flow_id(k));
	add_tuple(o, k, f->opener_is_a, cfg);
	cJSON_AddNumberToObject(o, "packets", (double)(f->packets[0] + f->packets[1]));
	cJSON_AddNumberToObject(o, "bytes", (double)(f->bytes[0] + f->bytes[1]));
	add_flow_counts(o, f);
	cJSON_AddStringToObject(o, "verdict", dpmap_verdict_name(f->verdict));
	add_time(o, "first_seen", dp, f->first_seen_ns);
	add_time(o, "last_seen", dp, f->last_seen_ns);
	cJSON_AddNumberToObject(o, "tcp_flags", f->tcp_flags);
	return o;
}

static __u64 stat_sum(int fd, __u32 key, int ncpu)
{
	__u64 vals[ncpu > 0 ? ncpu : 1], sum = 0;

	if (bpf_map_lookup_elem(fd, &key, vals))
		return 0;
	for (int i = 0; i < ncpu; i++)
		sum += vals[i];
	return sum;
}

uint64_t datapath_counter(struct datapath *dp, unsigned int id)
{
	return id < ZTOS_CNT_MAX ? stat_sum(bpf_map__fd(dp->xdp->maps.stats), id,
					    libbpf_num_possible_cpus())
				 : 0;
}

static bool tenant_stats(struct datapath *dp, uint32_t vni, struct ztos_tenant_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct ztos_tenant_stats vals[ncpu > 0 ? ncpu : 1];
	struct ztos_tenant_info info;

	memset(sum, 0, sizeof(*sum));
	if (bpf_map_lookup_elem(bpf_map__fd(dp->xdp->maps.tenants), &vni, &info) ||
	    bpf_map_lookup_elem(bpf_map__fd(dp->xdp->maps.tenant_stats), &info.tenant_id, vals))
		return false;
	for (int i = 0; i < ncpu; i++) {
		sum->packets += vals[i].packets;
		sum->bytes += vals[i].bytes;
		sum->drops += vals[i].drops;
		sum->inspected += vals[i].inspected;
	}
	return true;
}

static cJSON *counters_json(struct datapath *dp, const struct ztos_config *cfg)
{
	int fd = bpf_map__fd(dp->xdp->maps.stats), ncpu = libbpf_num_possible_cpus();
	cJSON *o = cJSON_CreateObject(), *drops = cJSON_AddObjectToObject(o, "drops");
	cJSON *pk = cJSON_AddObjectToObject(o, "packets"), *tenants;
	struct ztos_tenant_stats ts;

	for (__u32 i = 0; i < ZTOS_CNT_MAX; i++)
		cJSON_AddNumberToObject(i < ZTOS_DROP_MAX ? drops : pk, ztos_counter_names[i],
					(double)stat_sum(fd, i, ncpu));
	tenants = cJSON_AddObjectToObject(o, "tenants");
	for (size_t i = 0; i < cfg->n_tenants; i++) {
		cJSON *t;

		if (!tenant_stats(dp, cfg->tenants[i].vni, &ts))
			continue;
		t = cJSON_AddObjectToObject(tenants, cfg->tenants[i].name);
		cJSON_AddNumberToObject(t, "vni", cfg->tenants[i].vni);
		cJSON_AddNumberToObject(t, "packets", (double)ts.packets);
		cJSON_AddNumberToObject(t, "bytes", (double)ts.bytes);
		cJSON_AddNumberToObject(t, "drops", (double)ts.drops);
		cJSON_AddNumberToObject(t, "inspected", (double)ts.inspected);
	}
	return o;
}

/*
 * flowtab4 is read where it is mapped. flows is read FLOW_BATCH entries per syscall
 * (BPF_MAP_LOOKUP_BATCH): a walk by key costs two syscalls an entry, about 100 ms for
 * 100,000 flows, on every GET /api/v1/flows. Where the kernel has no batch lookup, the
 * walk by key.
 */
#define FLOW_BATCH 4096

/* flowtab4 first (read in place), then flows (by batch). */
struct flow_iter {
	const struct flowtab *ft;
	struct flowtab_walk w;
	int fd;
	bool in_flows;
	struct ztos_flow_key *keys;	/* FLOW_BATCH keys of flows */
	struct ztos_flow_key k, prev, next;
	struct ztos_flow *vals, f;
	__u32 token;		/* the hash table's bucket to go on from */
	__u32 n, i;
	bool started, last, by_key, have_prev;
};

static void flow_iter_init(struct flow_iter *it, const struct flowtab *ft)
{
	*it = (struct flow_iter){ .ft = ft, .fd = ft->fd };
	it->keys = calloc(FLOW_BATCH, sizeof(*it->keys));
	it->vals = calloc(FLOW_BATCH, sizeof(*it->vals));
	it->by_key = !it->keys || !it->vals;
}

static void flow_iter_free(struct flow_iter *it)
{
	free(it->keys);
	free(it->vals);
}

static bool flow_next_by_key(struct flow_iter *it, const struct ztos_flow_key **k,
			     const struct ztos_flow **f)
{
	while (!bpf_map_get_next_key(it->fd, it->have_prev ? &it->prev : NULL, &it->next)) {
		it->prev = it->next;
		it->have_prev = true;
		if (bpf_map_lookup_elem(it->fd, &it->next, &it->f))
			continue;	/* gone in between */
		*k = &it->next;
		*f = &it->f;
		return true;
	}
	return false;
}

/* The next entry of flows into *k, *f (valid until the next call); false at its end. */
static bool flow_next6(struct flow_iter *it, const struct ztos_flow_key **k,
		       const struct ztos_flow **f)
{
	LIBBPF_OPTS(bpf_map_batch_opts, opts);

	if (it->by_key)
		return flow_next_by_key(it, k, f);
	while (it->i == it->n) {
		int err;

		if (it->last)
			return false;
		it->n = FLOW_BATCH;
		it->i = 0;
		err = bpf_map_lookup_batch(it->fd, it->started ? &it->token : NULL, &it->token,
					   it->keys, it->vals, &it->n, &opts) ? -errno : 0;
		if (err == -ENOENT) {
			it->last = true;	/* the end, with what this call still gave */
		} else if (err && !it->started) {
			it->by_key = true;	/* no batch lookup here */
			return flow_next_by_key(it, k, f);
		} else if (err) {
			pr_warn("datapath: read the flow table: %s", strerror(-err));
			return false;
		}
		it->started = true;
	}
	*k = &it->keys[it->i];
	*f = &it->vals[it->i++];
	return true;
}

/* The next entry of flowtab4, then of flows; false at the end. */
static bool flow_next(struct flow_iter *it, const struct ztos_flow_key **k,
		      const struct ztos_flow **f)
{
	if (!it->in_flows) {
		if (flowtab_next4(it->ft, &it->w, &it->k, &it->f)) {
			*k = &it->k;
			*f = &it->f;
			return true;
		}
		it->in_flows = true;
	}
	return flow_next6(it, k, f);
}

/*
 * The page flt asks for (flt->limit rows above flt->after, in key order) of the whole
 * table, read once: the count of entries and whether more match come from the same read.
 * NULL when memory for the page ran out.
 */
cJSON *datapath_flows(struct datapath *dp, const struct ztos_config *cfg,
		      const struct flow_filter *flt)
{
	const struct ztos_flow_key *k;
	const struct ztos_flow *f;
	struct flow_iter it;
	struct flow_page pg;
	unsigned int total = 0;
	int err = 0;
	const struct ztos_tenant *t = flt->tenant ? tenant_by_name(cfg, flt->tenant) : NULL;
	/* An unknown tenant matches nothing: no VNI is 0xffffffff. */
	uint32_t tenant_vni = !flt->tenant ? 0 : t ? t->vni : UINT32_MAX;
	cJSON *o, *arr;

	flow_page_init(&pg, flt->limit, flt->after);
	flow_iter_init(&it, &dp->ft);
	while (!err && flow_next(&it, &k, &f)) {
		total++;
		if (flow_matches(flt, tenant_vni, k, f))
			err = flow_page_offer(&pg, k, f);
	}
	flow_iter_free(&it);
	if (err) {
		pr_warn("datapath: no memory for a page of %u flows", flt->limit);
		flow_page_free(&pg);
		return NULL;
	}
	flow_page_sort(&pg);
	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "flows");
	for (unsigned int i = 0; i < pg.n; i++)
		cJSON_AddItemToArray(arr, flow_json(dp, cfg, &pg.rows[i].k, &pg.rows[i].f));
	cJSON_AddBoolToObject(o, "truncated", pg.more);
	if (pg.more && pg.n) {
		char cur[FLOW_CURSOR_LEN + 1];

		flow_cursor_format(&pg.rows[pg.n - 1].k, cur);
		cJSON_AddStringToObject(o, "next_cursor", cur);
	}
	flow_page_free(&pg);
	cJSON_AddNumberToObject(o, "flow_table_entries", total);
	cJSON_AddNumberToObject(o, "flow_table_size", bpf_map__max_entries(dp->xdp->maps.flows));
	cJSON_AddItemToObject(o, "counters", counters_json(dp, cfg));
	return o;
}

static void status_of(struct datapath *dp, struct subsys_status *st)
{
	cJSON *o = cJSON_CreateObject();

	st->state = SUBSYS_RUNNING;
	st->detail = o;
	cJSON_AddStringToObject(o, "bpffs", dp->bpffs);
	if (dp->underlay[0]) {
		cJSON_AddStringToObject(o, "xdp_interface", dp->underlay);
		cJSON_AddStringToObject(o, "xdp_mode", dp->generic ? "generic" : "native");
		cJSON_AddBoolToObject(o, "l3_device", dp->xdp->rodata->l3_device);
	}
	cJSON_AddNumberToObject(o, "flows_aged", (double)dp->aged);
	if (dp->dpi_link)
		cJSON_AddStringToObject(o, "dpi_link", DPI_LINK_TX " -> " DPI_LINK_RX);
	if (dp->n_missing) {
		cJSON *m = cJSON_AddArrayToObject(o, "interfaces_missing");

		for (size_t i = 0; i < dp->n_missing; i++)
			cJSON_AddItemToArray(m, cJSON_CreateString(dp->missing[i]));
		snprintf(st->reason, sizeof(st->reason), "tenant interfaces that do not exist yet "
			 "are not classified; they are attached on the next apply");
	}
}

void datapath_metrics(struct datapath *dp, const struct ztos_config *cfg, cJSON *families)
{
	int fd = bpf_map__fd(dp->xdp->maps.stats), ncpu = libbpf_num_possible_cpus();
	cJSON *drops = metrics_family(families, "ztos_datapath_drops_total", "counter",
			      "Packets dropped by the datapath, by reason.");
	cJSON *pkts = metrics_family(families, "ztos_datapath_packets_total", "counter",
			     "Packets seen by the datapath, by what happened to them.");
	cJSON *tp = metrics_family(families, "ztos_tenant_packets_total", "counter", "Packets by tenant.");
	cJSON *tb = metrics_family(families, "ztos_tenant_bytes_total", "counter", "Bytes by tenant.");
	cJSON *td = metrics_family(families, "ztos_tenant_drops_total", "counter", "Drops by tenant.");
	struct ztos_tenant_stats ts;

	for (__u32 i = 0; i < ZTOS_CNT_MAX; i++)
		metrics_sample(i < ZTOS_DROP_MAX ? drops : pkts, (double)stat_sum(fd, i, ncpu),
		       i < ZTOS_DROP_MAX ? "reason" : "result", ztos_counter_names[i]);
	for (size_t i = 0; i < cfg->n_tenants; i++) {
		if (!tenant_stats(dp, cfg->tenants[i].vni, &ts))
			continue;
		metrics_sample(tp, (double)ts.packets, "tenant", cfg->tenants[i].name);
		metrics_sample(tb, (double)ts.bytes, "tenant", cfg->tenants[i].name);
		metrics_sample(td, (double)ts.drops, "tenant", cfg->tenants[i].name);
	}
}

/* ---- life cycle ---- */

int datapath_start(const struct ztos_config *cfg, struct datapath **out, struct ztos_err *e)
{
	struct datapath *dp = calloc(1, sizeof(*dp));
	int ret;

	if (!dp)
		return fail(e, -ENOMEM, "datapath");
	pthread_mutex_init(&dp->vtep_lock, NULL);
	snprintf(dp->bpffs, sizeof(dp->bpffs), "%s", cfg->bpffs);
	dp->mono_to_real_us = mono_to_real_us();
	ret = load(dp, cfg, e);
	if (!ret)
		ret = datapath_apply(dp, NULL, cfg, e);
	if (!ret) {
		dp->rb = ring_buffer__new(bpf_map__fd(dp->xdp->maps.events), on_event, dp, NULL);
		if (!dp->rb)
			ret = fail(e, -errno, "datapath: open the event ring buffer");
	}
	if (ret) {
		datapath_stop(dp);
		return ret;
	}
	*out = dp;
	return 0;
}

void datapath_stop(struct datapath *dp)
{
	if (!dp)
		return;
	ring_buffer__free(dp->rb);
	flowtab_close(&dp->ft);
	ztos_dpi__destroy(dp->dpi);
	ztos_tc__destroy(dp->tc);
	ztos_xdp__destroy(dp->xdp);
	pthread_mutex_destroy(&dp->vtep_lock);
	free(dp);
}

/*
 * Everything in agent.bpffs is ours (the folder is ztos's own): unpinning the XDP link
 * detaches the program, unpinning the maps frees them once no program holds them.
 */
static int cleanup(const struct ztos_config *cfg)
{
	char path[PATH_MAX];
	__u32 ifindex, prev;
	bool have_prev = false;
	struct dirent *de;
	DIR *dir;
	int fd;

	/* TC filters on every port the maps know, then on the configured ones. */
	snprintf(path, sizeof(path), "%s/ports", cfg->bpffs);
	fd = bpf_obj_get(path);
	while (fd >= 0 && !bpf_map_get_next_key(fd, have_prev ? &prev : NULL, &ifindex)) {
		tc_detach(ifindex);
		prev = ifindex;
		have_prev = true;
	}
	if (fd >= 0)
		close(fd);
	for (size_t i = 0; i < cfg->n_tenants; i++)
		for (size_t j = 0; j < cfg->tenants[i].n_interfaces; j++)
			if ((ifindex = if_nametoindex(cfg->tenants[i].interfaces[j])))
				tc_detach(ifindex);
	dir = opendir(cfg->bpffs);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", cfg->bpffs, de->d_name);
		if (!unlink(path))
			printf("unpinned %s\n", path);
		else
			fprintf(stderr, "cannot unpin %s: %s\n", path, strerror(errno));
	}
	closedir(dir);
	if (dpi_link_remove() == 1)
		printf("removed the DPI link %s/%s\n", DPI_LINK_TX, DPI_LINK_RX);
	return 0;
}

/* ---- the subsystem (subsys.h) ---- */

struct dp_subsys {
	struct subsys_env *env;
	struct datapath *dp;	/* NULL until a config wants it */
};

static int init(void *priv, struct subsys_env *env)
{
	struct dp_subsys *p = priv;

	p->env = env;
	return 0;
}

static void fini(void *priv)
{
	struct dp_subsys *p = priv;

	/* What is attached and pinned stays: traffic keeps its policy until we are back. */
	p->env->datapath = NULL;
	datapath_stop(p->dp);
}

/*
 * A change's txn: a datapath it started (published at commit), or the control maps as
 * they were before it, for an undo to bring back exactly.
 */
struct dp_txn {
	struct datapath *started;
	struct control_snap before;
};

static void txn_free(struct dp_txn *t)
{
	if (!t)
		return;
	control_snap_free(&t->before);
	free(t);
}

/* Its maps are a transaction of their own: a refused write leaves them as they were. */
static int apply(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		 void **txn, struct ztos_err *e)
{
	struct dp_subsys *p = priv;
	struct dp_txn *t;
	int ret;

	if (!p->dp && !datapath_wanted(cfg))
		return 0;
	t = calloc(1, sizeof(*t));
	if (!t)
		return fail(e, -ENOMEM, "datapath");
	if (p->dp) {
		pthread_mutex_lock(&p->dp->vtep_lock);
		ret = control_snap_take(p->dp, &t->before, e);
		pthread_mutex_unlock(&p->dp->vtep_lock);
		if (!ret)
			ret = datapath_apply(p->dp, old, cfg, e);
	} else {
		ret = datapath_start(cfg, &t->started, e);
	}
	if (ret) {
		txn_free(t);
		return ret;
	}
	*txn = t;
	return 0;
}

static void undo(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		 void *txn)
{
	struct dp_subsys *p = priv;
	struct dp_txn *t = txn;
	struct ztos_err e = { 0 };

	if (t && t->started) {
		/* It did not run before this change: nothing of it stays. */
		datapath_stop(t->started);
		cleanup(cfg);
	} else if (t && p->dp) {
		/* Ports and attachments back to old, then the maps exactly as they were. */
		if (datapath_apply(p->dp, cfg, old, &e))
			pr_warn("undo: %s", e.msg);
		/* A VTEP EVPN taught in between goes too: the next commit resyncs the learned set. */
		pthread_mutex_lock(&p->dp->vtep_lock);
		control_snap_restore(p->dp, &t->before);
		pthread_mutex_unlock(&p->dp->vtep_lock);
	}
	txn_free(t);
}

static void commit(void *priv, const struct ztos_config *old, const struct ztos_config *cfg,
		   void *txn)
{
	struct dp_subsys *p = priv;
	struct dp_txn *t = txn;

	if (t && t->started) {
		p->dp = t->started;
		p->env->datapath = p->dp;
	}
	txn_free(t);
}

static void discard(void *priv, void *txn)
{
	txn_free(txn);
}

/* Every 5 s: idle flows age out, tenant interfaces that appeared get their programs. */
static void tick(void *priv, const struct ztos_config *cfg, uint64_t n)
{
	struct dp_subsys *p = priv;

	if (p->dp && n % 5 == 0)
		datapath_tick(p->dp, cfg);
}

static int events_fd(void *priv)
{
	struct dp_subsys *p = priv;

	return p->dp ? datapath_events_fd(p->dp) : -1;
}

/* The programs wake us at most once a jiffy: also collect what a burst left behind. */
static void on_events(void *priv, const struct ztos_config *cfg)
{
	struct dp_subsys *p = priv;

	if (p->dp)
		datapath_poll(p->dp, cfg);
}

static void status(void *priv, const struct ztos_config *cfg, struct subsys_status *st)
{
	struct dp_subsys *p = priv;

	if (p->dp)
		status_of(p->dp, st);
}

static void metrics(void *priv, const struct ztos_config *cfg, cJSON *families)
{
	struct dp_subsys *p = priv;

	if (p->dp)
		datapath_metrics(p->dp, cfg, families);
}

struct datapath *datapath_of(void *priv)
{
	return priv ? ((struct dp_subsys *)priv)->dp : NULL;
}

const struct subsys_ops datapath_subsys = {
	.name = "datapath",
	.priv_size = sizeof(struct dp_subsys),
	.init = init,
	.fini = fini,
	.apply = apply,
	.undo = undo,
	.commit = commit,
	.discard = discard,
	.tick = tick,
	.events_fd = events_fd,
	.on_events = on_events,
	.status = status,
	.metrics = metrics,
	.cleanup = cleanup,
};
