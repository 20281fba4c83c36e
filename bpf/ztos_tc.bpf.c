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

static __always_inline void ztos_mirror(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u32 *ifindex = bpf_map_lookup_elem(&dpi_target, &zero);

	if (!ifindex || !*ifindex)
		return;
	/* A copy out of ztos-dpi0's egress; the original goes on untouched. */
	if (bpf_clone_redirect(skb, *ifindex, 0))
		ztos_count(ZTOS_CNT_MIRROR_FAILED);
	else
		ztos_count(ZTOS_CNT_MIRRORED);
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
	__u32 *vni, ifindex = skb->ifindex;
	int act;

	vni = bpf_map_lookup_elem(&ports, &ifindex);
	if (!vni)
		return TC_ACT_OK;
	if (!ztos_tenant(*vni, bpf_jiffies64(), &t))
		return TC_ACT_OK;	/* a port whose tenant is being set up or removed */

	__builtin_memset(&p, 0, sizeof(p));
	p.key.vni = *vni;
	p.outer.vni = *vni;
	p.hook.ctx = skb;
	p.hook.kind = ZTOS_HOOK_TC;
	p.len = skb->len;
	/*
	 * Towards a workload, a packet was counted (and, from a local port, mirrored) where
	 * it entered: egress only enforces, and mirrors what came from another host.
	 */
	p.enforce_only = egress;
	ztos_tc_pull(skb);
	c.pos = ztos_skb_data(skb);
	c.end = ztos_skb_data_end(skb);
	act = ztos_classify(&c, &p, &t);
	if (act == ZTOS_ACT_DROP)
		return TC_ACT_SHOT;
	if (act == ZTOS_ACT_INSPECT && !(egress && ztos_from_tenant_port(skb)))
		ztos_mirror(skb);
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
