// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * TC (clsact) programs. On tenant ports (the host ends of the workloads' veths),
 * ingress and egress classify the plain tenant frame with the tenant's policy and
 * mirror "inspect" flows to the DPI link. On an underlay where XDP cannot attach,
 * ztos_tc_underlay runs the XDP program's logic at TC ingress instead.
 */
#include "lib/ztos.h"
#include "lib/classify.h"

/*
 * Headers can sit beyond the linear part of an skb (GRO, some drivers): pull enough
 * of them in for the deepest parse (outer IPv6, VXLAN, two VLAN tags, inner IPv6, TCP)
 * before taking packet pointers. A no-op when the headers are linear already.
 */
#define ZTOS_PULL_LEN 256

/* skb->data and skb->data_end, reloaded after a helper that may move them. */
#define ztos_skb_data(skb) ztos_ctx_ptr(skb, struct __sk_buff, data)
#define ztos_skb_data_end(skb) ztos_ctx_ptr(skb, struct __sk_buff, data_end)

static __always_inline void ztos_tc_pull(struct __sk_buff *skb)
{
	__u32 want = skb->len < ZTOS_PULL_LEN ? skb->len : ZTOS_PULL_LEN;

	if (ztos_skb_data_end(skb) - ztos_skb_data(skb) < want)
		bpf_skb_pull_data(skb, want);
}

/*
 * dpi.transport ring: copies go into this ring, which the DPI reader maps. Pinned like
 * the other maps, so a restarted agent finds what was in it.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, ZTOS_DPI_RING_SIZE);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} dpi_ring SEC(".maps");

/* The wakeups of dpi_ring, as lib/events.h paces those of the events ring. */
__u64 ztos_mirror_wake_jiffies;
__u64 ztos_mirror_unwoken;
#define ZTOS_MIRROR_WAKE_EVERY (ZTOS_DPI_RING_SIZE / 2 / ZTOS_MIRROR_REC_MTU)

/*
 * One record of size (a constant, as the verifier wants it) with the frame's first len
 * bytes (len <= size - header). bpf_skb_load_bytes reads past the linear part too: the
 * copy is of the whole frame, never of a page that a clone would have to copy first.
 */
static __always_inline void ztos_ring_copy(struct __sk_buff *skb, __u32 vni, __u32 len,
					   const __u32 size)
{
	struct ztos_mirror_rec *r = bpf_ringbuf_reserve(&dpi_ring, size, 0);

	if (!r) {
		ztos_count(ZTOS_CNT_MIRROR_FAILED);	/* the ring is full: the reader is behind */
		return;
	}
	if (len > size - sizeof(*r))
		len = size - sizeof(*r);
	r->vni = vni;
	r->len = len;
	r->frame_len = skb->len;
	r->pad = 0;
	/* Not !len: an older verifier (Debian's 6.1) learns no lower bound from it. */
	if (len < 14 || bpf_skb_load_bytes(skb, 0, r + 1, len)) {
		bpf_ringbuf_discard(r, BPF_RB_NO_WAKEUP);
		ztos_count(ZTOS_CNT_MIRROR_FAILED);
		return;
	}
	bpf_ringbuf_submit(r, ztos_ring_wake_flag(&ztos_mirror_wake_jiffies, &ztos_mirror_unwoken,
						  ZTOS_MIRROR_WAKE_EVERY));
	ztos_count(ZTOS_CNT_MIRRORED);
}

static __always_inline void ztos_mirror_ring(struct __sk_buff *skb, __u32 vni)
{
	__u32 len = skb->len, hdr = sizeof(struct ztos_mirror_rec);

	if (len <= ZTOS_MIRROR_REC_SMALL - hdr)
		ztos_ring_copy(skb, vni, len, ZTOS_MIRROR_REC_SMALL);
	else if (len <= ZTOS_MIRROR_REC_MTU - hdr)
		ztos_ring_copy(skb, vni, len, ZTOS_MIRROR_REC_MTU);
	else if (len <= ZTOS_MIRROR_REC_JUMBO - hdr)
		ztos_ring_copy(skb, vni, len, ZTOS_MIRROR_REC_JUMBO);
	else if (len <= ZTOS_MIRROR_REC_16K - hdr)
		ztos_ring_copy(skb, vni, len, ZTOS_MIRROR_REC_16K);
	else if (len <= ZTOS_MIRROR_REC_32K - hdr)
		ztos_ring_copy(skb, vni, len, ZTOS_MIRROR_REC_32K);
	else
		ztos_ring_copy(skb, vni, len, ZTOS_MIRROR_REC_MAX);
}

/*
 * A copy out of ztos-dpi0's egress with the VNI in its destination MAC (ztos_common.h);
 * the original goes on untouched: its MAC is written back after the clone. The clone
 * shares the data, so the write back makes the original's header its own copy first
 * (bpf_skb_store_bytes unclones): the copy keeps the stamp.
 */
static __always_inline void ztos_mirror(struct __sk_buff *skb, __u32 vni)
{
	__u8 stamp[6] = { ZTOS_MIRROR_MAC0, ZTOS_MIRROR_MAC1, vni >> 16, vni >> 8, vni, 0 };
	__u32 zero = 0;
	__u32 *ifindex = bpf_map_lookup_elem(&dpi_target, &zero);
	__u8 dst[6];

	if (!ifindex || !*ifindex)
		return;
	if (*ifindex == ZTOS_DPI_TARGET_RING) {
		ztos_mirror_ring(skb, vni);
		return;
	}
	if (bpf_skb_load_bytes(skb, 0, dst, sizeof(dst)) ||
	    bpf_skb_store_bytes(skb, 0, stamp, sizeof(stamp), 0)) {
		ztos_count(ZTOS_CNT_MIRROR_FAILED);
		return;
	}
	if (bpf_clone_redirect(skb, *ifindex, 0))
		ztos_count(ZTOS_CNT_MIRROR_FAILED);
	else
		ztos_count(ZTOS_CNT_MIRRORED);
	bpf_skb_store_bytes(skb, 0, dst, sizeof(dst), 0);
}

/*
 * A TCP segment without data (the handshake, a pure ACK): nothing in it for the engine.
 * The parse left c at the TCP header when it read the flags (a later fragment has none:
 * copied). The frame's length is the skb's: Ethernet padding would count as data, and
 * such a frame is copied, as before. Here and not in the parse: the underlay program
 * parses two frames deep, near an older verifier's limit (Debian's 6.1 refused it).
 */
static __always_inline bool ztos_tcp_no_data(const struct __sk_buff *skb,
					    const struct ztos_cursor *c, const void *start,
					    const struct ztos_pkt *p)
{
	const struct ztos_tcp *tcp = c->pos;

	if (p->key.proto != IPPROTO_TCP || !p->tcp_flags || (void *)(tcp + 1) > c->end)
		return false;
	return skb->len <= (__u32)(c->pos - start) + (__u32)(tcp->doff >> 4) * 4;
}

/* Came in on one of our tenant ports (local traffic between workloads). */
static __always_inline bool ztos_from_tenant_port(struct __sk_buff *skb)
{
	__u32 ifindex = skb->ingress_ifindex;

	return ifindex && bpf_map_lookup_elem(&ports, &ifindex);
}

static __always_inline int ztos_tc_port(struct __sk_buff *skb, bool egress)
{
	struct ztos_tenant_info t;
	struct ztos_cursor c;
	struct ztos_pkt p;
	__u32 *vni, ifindex = skb->ifindex, tenant_vni;
	__u64 jiffies;
	void *start;
	int act;

	vni = bpf_map_lookup_elem(&ports, &ifindex);
	if (!vni)
		return TC_ACT_OK;
	tenant_vni = *vni;
	jiffies = bpf_jiffies64();
	if (!ztos_tenant(tenant_vni, jiffies, &t))
		return TC_ACT_OK;	/* a port whose tenant is being set up or removed */

	__builtin_memset(&p, 0, sizeof(p));
	p.key.vni = tenant_vni;
	p.outer.vni = tenant_vni;
	p.hook.ctx = skb;
	p.hook.kind = ZTOS_HOOK_TC;
	p.jiffies = jiffies;
	p.len = skb->len;
	/*
	 * Towards a workload, a packet was counted (and, from a local port, mirrored) where
	 * it entered: egress only enforces, and mirrors what came from another host.
	 */
	p.enforce_only = egress;
	ztos_tc_pull(skb);
	c.pos = start = ztos_skb_data(skb);
	c.end = ztos_skb_data_end(skb);
	act = ztos_classify(&c, &p, &t);
	if (act == ZTOS_ACT_DROP)
		return TC_ACT_SHOT;
	if ((act == ZTOS_ACT_INSPECT || act == ZTOS_ACT_PAST_DEPTH) &&
	    !(egress && ztos_from_tenant_port(skb))) {
		/* A segment without data has nothing for the engine: not worth a copy. */
		if (act == ZTOS_ACT_PAST_DEPTH)
			ztos_count(ZTOS_CNT_PAST_DEPTH);
		else if (ztos_tcp_no_data(skb, &c, start, &p))
			ztos_count(ZTOS_CNT_NO_PAYLOAD);
		else
			ztos_mirror(skb, tenant_vni);
	}
	return TC_ACT_OK;
}

/* Frames from the workload. */
SEC("tc")
int ztos_tc_ingress(struct __sk_buff *skb)
{
	return ztos_tc_port(skb, false);
}

/* Frames to the workload. */
SEC("tc")
int ztos_tc_egress(struct __sk_buff *skb)
{
	return ztos_tc_port(skb, true);
}

/* The underlay, where XDP cannot attach: the same answers as ztos_xdp_ingress. */
SEC("tc")
int ztos_tc_underlay(struct __sk_buff *skb)
{
	struct ztos_hook hook = { .ctx = skb, .kind = ZTOS_HOOK_TC };

	ztos_tc_pull(skb);
	if (ztos_underlay(&hook, ztos_skb_data(skb), ztos_skb_data_end(skb),
			  skb->len) == ZTOS_ACT_DROP)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
