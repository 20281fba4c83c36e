/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The maps shared by the underlay XDP object and the TC object. Every map is pinned by
 * name: when the loader gives both objects the same pin_root_path, the second object
 * reuses the first one's maps, so both hooks see one flow table, one policy, one set
 * of counters. The definitions must therefore stay identical in both objects: they
 * live only here. Key and value layouts are in ztos_common.h.
 */
#ifndef ZTOS_LIB_MAPS_H
#define ZTOS_LIB_MAPS_H

#include "lib/ztos.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZTOS_MAX_TENANTS);
	__type(key, __u32);			/* vni */
	__type(value, struct ztos_tenant_info);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tenants SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZTOS_MAX_VTEPS);
	__type(key, struct ztos_vtep_key);
	__type(value, __u32);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vteps SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZTOS_MAX_TENANTS);
	__type(key, __u32);			/* tenant_id */
	__type(value, struct ztos_policy);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} policy SEC(".maps");

/*
 * The flow table, in two: flowtab4 for IPv4 flows (our own table, ztos_common.h), flows
 * for the others (see flow.h). The loader sizes flows with bpf_map__set_max_entries()
 * and flowtab4 to as many buckets, ztos_ft_mask + 1, of ZTOS_FT_WAYS flows each.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, ZTOS_FLOWS_DEFAULT);
	__type(key, struct ztos_flow_key);
	__type(value, struct ztos_flow);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, ZTOS_FLOWS_DEFAULT / ZTOS_FT_WAYS);
	__type(key, __u32);
	__type(value, struct ztos_ft_bucket);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flowtab4 SEC(".maps");

/*
 * flowtab4's hash seed, made with the table and kept with it: ARRAY[1] of __u64. The
 * programs do not read it (the loader hands it in as ztos_ft_seed); it is pinned so
 * that the next agent hashes as the last one did.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} flow_seed SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZTOS_CNT_MAX);
	__type(key, __u32);			/* enum ztos_counter */
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZTOS_MAX_TENANTS);
	__type(key, __u32);			/* tenant_id */
	__type(value, struct ztos_tenant_stats);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tenant_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ZTOS_MAX_PORTS);
	__type(key, __u32);			/* ifindex of a tenant-facing port */
	__type(value, __u32);			/* vni */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);			/* ifindex of ztos-dpi0, 0: no DPI link */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dpi_target SEC(".maps");

#define ZTOS_EVENTS_SIZE (256 * 1024)

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ZTOS_EVENTS_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} events SEC(".maps");

/*
 * Internal to BPF: per-CPU caches in front of tenants and vteps (lib/cache.h). The
 * agent may zero them (and skel->bss->ztos_vni_absent) after changing tenants or
 * vteps to make the change immediate; without that it takes effect within a jiffy.
 */
#define ZTOS_CACHE_SLOTS 256	/* a power of two */

struct ztos_tenant_slot {		/* a VNI that has a tenant */
	__u64 jiffies;		/* the jiffy this slot is valid in */
	__u32 vni;
	__u32 pad;
	struct ztos_tenant_info info;
};

struct ztos_vtep_slot {		/* a (VNI, VTEP) pair whose VNI has a tenant */
	__u64 jiffies;
	struct ztos_vtep_key key;
	__u32 state;
	__u32 pad;
	struct ztos_tenant_info info;	/* the VNI's tenant: a hit needs no tenant_cache */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZTOS_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct ztos_tenant_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} tenant_cache SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ZTOS_CACHE_SLOTS);
	__type(key, __u32);
	__type(value, struct ztos_vtep_slot);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} vtep_cache SEC(".maps");

/*
 * Internal to BPF, in .bss (so in each object, not pinned): state every CPU reads on
 * the paths a flood takes. A global is one load from an address the verifier hands
 * the program as a constant; an ARRAY lookup adds a key spilled to the stack, a
 * bounds check and address arithmetic, a PERCPU_ARRAY a chain of dependent loads,
 * and the foreign-VNI drop is timed against the cheapest XDP filters. Not static:
 * clang 14 splits a static array into scalars and emits BTF the kernel refuses.
 * Plain __u64 arrays, so the skeleton (skel->bss) compiles without our structs.
 */
__u64 ztos_vni_absent[ZTOS_CACHE_SLOTS];	/* lib/cache.h: jiffies << 24 | vni */
__u64 ztos_drop_last_ns[ZTOS_DROP_MAX];		/* lib/events.h: the last drop event */
__u64 ztos_drop_quiet_jiffies[ZTOS_DROP_MAX];	/* a jiffy too soon for another one */
__u64 ztos_wakeup_jiffies;			/* the last ring buffer wakeup */
__u64 ztos_events_unwoken;			/* records sent since then */
/*
 * dpi.inspect_depth: the bytes of each direction of an "inspect" flow that are copied to
 * the DPI link (frames whole, as the flow's byte counters count them); 0: all of them.
 * Set by the agent in the TC object, the one that mirrors; 0 in the XDP object.
 */
__u64 ztos_inspect_depth;

#endif
