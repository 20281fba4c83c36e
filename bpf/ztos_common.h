/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The one contract between the eBPF programs and user space (the agent, the CLI's
 * renderers through the API, bpftool readers): map keys and values, verdicts, drop
 * reasons, events. Fixed-width types only; every struct is padded by hand so that
 * BPF and user space agree on the layout without relying on the compiler.
 */
#ifndef ZTOS_COMMON_H
#define ZTOS_COMMON_H

#include <linux/types.h>

#define ZTOS_MAX_TENANTS 4096	/* tenants map; the config is refused past it */
#define ZTOS_MAX_VTEPS 65536	/* (vni, vtep) allowlist entries */
#define ZTOS_MAX_RULES 64	/* policy rules per tenant */
#define ZTOS_MAX_PORTS 1024	/* tenant-facing interfaces */
#define ZTOS_FLOWS_DEFAULT 1048576
#define ZTOS_VXLAN_PORT 4789

/*
 * ZTOS_TEST_LAYOUT: for tests only (`make TEST_LAYOUT=1`, never the normal build): the
 * flow and tenant counter values get one more field at their end, the layout change a
 * new field makes, so the upgrade test has pinned maps to migrate (agent/subsys/dpmigrate.h).
 */
#ifndef ZTOS_TEST_LAYOUT
#define ZTOS_TEST_LAYOUT 0
#endif

/* Address family in keys: 4 or 6. IPv4 addresses sit in addr[0], network order. */
#define ZTOS_AF4 4
#define ZTOS_AF6 6

enum ztos_verdict {
	ZTOS_VERDICT_NONE = 0,
	ZTOS_VERDICT_ALLOW = 1,
	ZTOS_VERDICT_DENY = 2,
	ZTOS_VERDICT_INSPECT = 3,	/* allowed, and copied to the DPI link */
	ZTOS_VERDICT_BLOCK = 4,		/* set by the DPI engine: drop the rest of the flow */
};

/*
 * Counters, in the PERCPU_ARRAY "stats". The drop reasons come first and are the one
 * drop-reason table: the XDP and TC programs count them, the agent names them in
 * /metrics, flow events and `ztos flows` through ztos_counter_names below.
 */
enum ztos_counter {
	ZTOS_DROP_MALFORMED = 0,	/* to the VXLAN port, but not a valid VXLAN packet */
	ZTOS_DROP_UNKNOWN_VNI = 1,	/* a VNI this host does not serve */
	ZTOS_DROP_VTEP = 2,		/* a VTEP not allowed to send that VNI */
	ZTOS_DROP_POLICY = 3,		/* the tenant's policy says deny */
	ZTOS_DROP_BLOCKED = 4,		/* the DPI engine blocked the flow */
	ZTOS_DROP_MAX = 5,
	ZTOS_CNT_PASS_OTHER = 5,	/* not VXLAN to our port: passed untouched */
	ZTOS_CNT_ALLOWED = 6,
	ZTOS_CNT_INSPECTED = 7,
	ZTOS_CNT_NEW_FLOWS = 8,
	ZTOS_CNT_MIRRORED = 9,		/* copies sent to the DPI link */
	ZTOS_CNT_MIRROR_FAILED = 10,
	ZTOS_CNT_EVENTS_LOST = 11,	/* ring buffer full */
	ZTOS_CNT_INNER_OTHER = 12,	/* tenant traffic that is not IPv4/IPv6 (ARP...) */
	ZTOS_CNT_PAST_DEPTH = 13,	/* inspect frames not copied: past dpi.inspect_depth */
	ZTOS_CNT_NO_PAYLOAD = 14,	/* inspect frames not copied: TCP without data */
	ZTOS_CNT_FLOWS_EVICTED = 15,	/* IPv4 flows that took the way of a live flow */
	ZTOS_CNT_FLOWS_UNRECORDED = 16,	/* flows not recorded: every way busy, or no memory */
	ZTOS_CNT_MAX = 17,
};

static const char *const ztos_counter_names[ZTOS_CNT_MAX] __attribute__((unused)) = {
	[ZTOS_DROP_MALFORMED] = "malformed",
	[ZTOS_DROP_UNKNOWN_VNI] = "unknown_vni",
	[ZTOS_DROP_VTEP] = "vtep_not_allowed",
	[ZTOS_DROP_POLICY] = "policy_deny",
	[ZTOS_DROP_BLOCKED] = "dpi_blocked",
	[ZTOS_CNT_PASS_OTHER] = "pass_other",
	[ZTOS_CNT_ALLOWED] = "allowed",
	[ZTOS_CNT_INSPECTED] = "inspected",
	[ZTOS_CNT_NEW_FLOWS] = "new_flows",
	[ZTOS_CNT_MIRRORED] = "mirrored",
	[ZTOS_CNT_MIRROR_FAILED] = "mirror_failed",
	[ZTOS_CNT_EVENTS_LOST] = "events_lost",
	[ZTOS_CNT_INNER_OTHER] = "inner_other",
	[ZTOS_CNT_PAST_DEPTH] = "inspect_past_depth",
	[ZTOS_CNT_NO_PAYLOAD] = "inspect_no_payload",
	[ZTOS_CNT_FLOWS_EVICTED] = "flows_evicted",
	[ZTOS_CNT_FLOWS_UNRECORDED] = "flows_unrecorded",
};

/* tenants: HASH, key __u32 vni */
struct ztos_tenant_info {
	__u32 tenant_id;	/* 0..ZTOS_MAX_TENANTS-1: index of tenant_stats and policy */
	__u32 policy_gen;	/* bumped on each policy change: flows re-evaluate */
};

/*
 * vteps: HASH, value __u32: where the allowance comes from, bits (BPF only asks whether
 * the key is there; the agent keeps an entry while one bit is set).
 */
#define ZTOS_VTEP_STATIC 1u	/* tenants[].vteps of the config */
#define ZTOS_VTEP_EVPN 2u	/* learned: zebra installed its flood entry (BGP EVPN) */
struct ztos_vtep_key {
	__u32 vni;
	__u32 family;
	__u32 addr[4];
};

/* policy: HASH, key __u32 tenant_id. A HASH update replaces the value whole (RCU),
 * so readers never see a half-written policy. First matching rule wins. */
struct ztos_rule {
	__u32 src[4];
	__u32 dst[4];
	__u8 src_len;		/* prefix length; 0 with family 0: any */
	__u8 dst_len;
	__u8 family;		/* 0 any, ZTOS_AF4, ZTOS_AF6 */
	__u8 proto;		/* 0 any, else IPPROTO_* */
	__u16 sport;		/* host order; 0 any */
	__u16 dport;
	__u8 action;		/* enum ztos_verdict */
	__u8 pad[3];
};

struct ztos_policy {
	__u32 n_rules;
	__u8 default_verdict;	/* ZTOS_VERDICT_ALLOW or ZTOS_VERDICT_DENY */
	__u8 pad[3];
	struct ztos_rule rules[ZTOS_MAX_RULES];
};

/*
 * flows (IPv6): LRU_HASH, struct ztos_flow values; flowtab4 (IPv4, below). The key is
 * canonical: the lower (address, port) endpoint is "a", so both directions of a
 * connection share one entry. Ports are host order; 0 for ICMP. The programs parse
 * every packet into a struct ztos_flow_key (events carry it too); IPv4 flows are
 * stored under its struct ztos_flow4_key.
 */
struct ztos_flow_key {
	__u32 vni;
	__u8 family;
	__u8 proto;
	__u16 pad;
	__u32 addr_a[4];
	__u32 addr_b[4];
	__u16 port_a;
	__u16 port_b;
};

/*
 * flowtab4's key of an IPv4 flow: 16 bytes instead of 44 (a key hashed and compared on
 * every packet). The same canonical flow as struct ztos_flow_key (a is the lower
 * endpoint), packed; flows keeps the IPv6 (and any other family's) flows.
 */
struct ztos_flow4_key {
	__u32 vni_proto;	/* vni << 8 | proto (a VNI has 24 bits) */
	__u32 addr_a;		/* network order */
	__u32 addr_b;
	__u16 port_a;		/* host order */
	__u16 port_b;
};

/* Which table holds the flow of key k: ZTOS_AF4 keys go to flowtab4. */
#define ztos_flow_key_is4(k) ((k)->family == ZTOS_AF4)

/* flowtab4's key of an IPv4 flow's struct ztos_flow_key. */
static inline void ztos_flow4_key_of(const struct ztos_flow_key *k, struct ztos_flow4_key *k4)
{
	k4->vni_proto = k->vni << 8 | k->proto;
	k4->addr_a = k->addr_a[0];
	k4->addr_b = k->addr_b[0];
	k4->port_a = k->port_a;
	k4->port_b = k->port_b;
}

/* And back: the struct ztos_flow_key the datapath parsed, byte for byte (zeros elsewhere). */
static inline void ztos_flow_key_of4(const struct ztos_flow4_key *k4, struct ztos_flow_key *k)
{
	__builtin_memset(k, 0, sizeof(*k));
	k->vni = k4->vni_proto >> 8;
	k->family = ZTOS_AF4;
	k->proto = (__u8)k4->vni_proto;
	k->addr_a[0] = k4->addr_a;
	k->addr_b[0] = k4->addr_b;
	k->port_a = k4->port_a;
	k->port_b = k4->port_b;
}

enum ztos_dir {
	ZTOS_DIR_FWD = 0,	/* from the endpoint that opened the flow */
	ZTOS_DIR_REV = 1,
};

struct ztos_flow {
	__u64 packets[2];	/* by enum ztos_dir */
	__u64 bytes[2];
	__u64 first_seen_ns;	/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 last_seen_ns;
	__u32 tenant_id;
	__u32 policy_gen;	/* the policy generation the verdict came from */
	__u8 verdict;		/* enum ztos_verdict */
	__u8 opener_is_a;	/* 1: endpoint a opened the flow */
	__u8 tcp_flags;		/* OR of the TCP flags seen, both ways */
	__u8 pad[5];
	__u64 test_field[ZTOS_TEST_LAYOUT];	/* none but in a TEST_LAYOUT build */
};

/*
 * flowtab4: the IPv4 flows, in a table of our own (lib/flow.h keeps it for BPF,
 * agent/subsys/flowtab.c for user space). A BPF_MAP_TYPE_ARRAY (BPF_F_MMAPABLE: user
 * space reads it in place) of buckets, each one array value; a flow's key hashes to
 * one bucket of ZTOS_FT_WAYS ways. A bucket is a 128-byte head (per way: a state word,
 * a tag, an age stamp), then its ways' slots, 128 bytes each (the key, then the flow).
 * An array lookup is inlined by the verifier, and the hash is a few multiplies: a known
 * flow costs less than in an LRU hash (a helper call, jhash over the key, a bucket
 * walk and the LRU's reference bit). A new flow takes an empty way of its bucket, else
 * the way seen longest ago, whether or not the table is full (ztos_ft_evictable()).
 *
 * A way's state word: ZTOS_FT_BUSY while one writer (BPF making a flow, user space
 * writing or deleting one) owns it, ZTOS_FT_VALID once published; the bits above count
 * claims, so a reader that reads the same word before and after the key and flow knows
 * the slot was not rewritten meanwhile. Claim: compare-and-swap from a word without
 * ZTOS_FT_BUSY to ztos_ft_claimed(word); publish: add 1 (BUSY becomes VALID); delete:
 * compare-and-swap from a VALID word to ztos_ft_claimed(word) - ZTOS_FT_BUSY (empty,
 * the count moved on). A flow rewritten in place (user space: a DPI block) stays
 * findable while it is written, or its packets would make it again in another way:
 * compare-and-swap from a VALID word to word | ZTOS_FT_BUSY, write, subtract
 * ZTOS_FT_BUSY. Readers take a way whose word has ZTOS_FT_VALID, and compare its two
 * readings without ZTOS_FT_BUSY; claims and deletes skip a word with ZTOS_FT_BUSY, so
 * no new flow takes the way of a flow being written.
 */
#define ZTOS_FT_WAYS 8
#define ZTOS_FT_BUSY 1ULL
#define ZTOS_FT_VALID 2ULL
#define ZTOS_FT_STATE_MASK 3ULL
#define ztos_ft_claimed(s) ((((s) & ~ZTOS_FT_STATE_MASK) + 4) | ZTOS_FT_BUSY)
#define ztos_ft_same_flow(s1, s2) (((s1) | ZTOS_FT_BUSY) == ((s2) | ZTOS_FT_BUSY))
#define ZTOS_FT_STAMP_SHIFT 10
#define ZTOS_FT_AGE_MASK 0x7fffffffu	/* a stamp's time: last_seen_ns >> 10 (wraps in 36 min) */
#define ZTOS_FT_KEEP 0x80000000u	/* a stamp's flag: a BLOCK flow, evicted last */

struct ztos_ft_head {
	__u64 state[ZTOS_FT_WAYS];
	__u32 tag[ZTOS_FT_WAYS];	/* the hash's high 32 bits: most misses compare no key */
	__u32 stamp[ZTOS_FT_WAYS];	/* ztos_ft_stamp() */
} __attribute__((aligned(128)));

/*
 * The key first: a flow that grows by a field (ZTOS_TEST_LAYOUT, or a later version)
 * keeps every offset, up to 112 bytes of struct ztos_flow.
 */
struct ztos_ft_slot {
	struct ztos_flow4_key key;
	struct ztos_flow flow;
} __attribute__((aligned(128)));

struct ztos_ft_bucket {
	struct ztos_ft_head head;
	struct ztos_ft_slot slot[ZTOS_FT_WAYS];
};

/* The stamp of a way whose flow was last seen at ns (and, with ZTOS_FT_KEEP, is blocked). */
static inline __u32 ztos_ft_stamp(__u64 ns, __u8 verdict)
{
	return ((__u32)(ns >> ZTOS_FT_STAMP_SHIFT) & ZTOS_FT_AGE_MASK) |
	       (verdict == ZTOS_VERDICT_BLOCK ? ZTOS_FT_KEEP : 0);
}

/*
 * How fit a way of that stamp is to give to a new flow, now_stamp being the time's
 * (ztos_ft_stamp(now, 0)): the higher, the fitter. Ways of flows not blocked come before
 * blocked ones (a flood of new flows must not free a flow the DPI engine blocked while
 * others are there to take), and among them the one seen longest ago.
 */
static inline __u32 ztos_ft_evictable(__u32 now_stamp, __u32 stamp)
{
	return ((now_stamp - stamp) & ZTOS_FT_AGE_MASK) | (~stamp & ZTOS_FT_KEEP);
}
_Static_assert(sizeof(struct ztos_ft_slot) == 128,
	       "a flow that no longer fits a 128-byte slot changes the bucket's layout: "
	       "the pinned flowtab4 then needs a migration of its own");

/*
 * The bucket (low bits) and tag (high 32) of k: multiply-xor of the key's two 64-bit
 * words, keyed by the table's seed (flow_seed: made once, when the table is), then
 * MurmurHash3's 64-bit finalizer, under which every input bit moves every output bit.
 * Keyed so that a sender cannot aim ever-new flows at one bucket to evict a known flow;
 * it is not a cryptographic hash. The words as they lie in memory: the table is never
 * read on a machine of another byte order.
 */
static inline __u64 ztos_ft_hash(const struct ztos_flow4_key *k, __u64 seed)
{
	__u64 w[2], h;

	__builtin_memcpy(w, k, sizeof(w));
	h = (w[0] ^ seed) * 0x9e3779b97f4a7c15ULL;
	h ^= w[1];
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}


/* tenant_stats: PERCPU_ARRAY indexed by tenant_id */
struct ztos_tenant_stats {
	__u64 packets;
	__u64 bytes;
	__u64 drops;
	__u64 inspected;
	__u64 test_field[ZTOS_TEST_LAYOUT];	/* none but in a TEST_LAYOUT build */
};

/* ports: HASH, key __u32 ifindex of a tenant-facing interface, value __u32 vni */

/*
 * dpi_target: ARRAY[1], value __u32 ifindex of ztos-dpi0 (0: no DPI link), or
 * ZTOS_DPI_TARGET_RING: copies go to the TC object's dpi_ring (dpi.transport: ring)
 */
#define ZTOS_DPI_TARGET_RING 0xffffffffu

/*
 * dpi_ring: RINGBUF of mirrored frames, each record a ztos_mirror_rec and the frame's
 * first len bytes. Records come in six sizes, each frame in the smallest it fits (the
 * reservation's size is a constant for the verifier; a record at most twice its frame
 * but for the smallest, so TSO segments and jumbo frames do not fill the ring with
 * empty space); a frame longer than the largest (a GSO packet of more than 64 KiB) is
 * cut there, and frame_len says so.
 */
#define ZTOS_DPI_RING_SIZE (16u << 20)
struct ztos_mirror_rec {
	__u32 vni;
	__u32 len;		/* bytes of the frame that follow */
	__u32 frame_len;	/* the frame's length (skb->len) */
	__u32 pad;
};
#define ZTOS_MIRROR_REC_SMALL 256u
#define ZTOS_MIRROR_REC_MTU 2048u
#define ZTOS_MIRROR_REC_JUMBO 8192u
#define ZTOS_MIRROR_REC_16K 16384u
#define ZTOS_MIRROR_REC_32K 32768u
#define ZTOS_MIRROR_REC_MAX (64u * 1024 + 512)

/*
 * A copy mirrored to the DPI link carries its tenant in its destination MAC address,
 * 02:5a:VV:VV:VV:00 (VNI in network order; a locally administered unicast address no
 * workload is given): the copy leaves the tenant port it was seen on, and the DPI
 * reader needs the VNI for the flow key it blocks. The original frame is untouched.
 */
#define ZTOS_MIRROR_MAC0 0x02
#define ZTOS_MIRROR_MAC1 0x5a

/* events: RINGBUF */
enum ztos_event_type {
	ZTOS_EV_NEW_FLOW = 1,
	ZTOS_EV_FLOW_BLOCKED = 2,	/* a packet of a BLOCK flow was dropped (once per flow) */
	ZTOS_EV_DROP = 3,		/* rate-limited per reason */
};

struct ztos_event {
	__u64 ts_ns;
	__u32 type;		/* enum ztos_event_type */
	__u32 reason;		/* enum ztos_counter, for ZTOS_EV_DROP */
	__u32 ifindex;
	__u8 verdict;
	__u8 outer_family;	/* for drops: the outer source (the VTEP) */
	__u8 pad[2];
	__u32 outer_src[4];
	struct ztos_flow_key key;	/* vni set for drops when parsed that far */
};

#endif
