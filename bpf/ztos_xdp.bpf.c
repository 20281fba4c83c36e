// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * XDP on the underlay: VXLAN for a VNI this host serves, from a VTEP allowed to send
 * it, carrying a tenant frame its policy allows, goes on; everything else VXLAN is
 * dropped before the kernel spends anything on it. Other traffic passes untouched.
 */
#include "lib/ztos.h"
#include "lib/classify.h"

SEC("xdp")
int ztos_xdp_ingress(struct xdp_md *ctx)
{
	struct ztos_hook hook = { .ctx = ctx, .kind = ZTOS_HOOK_XDP };
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;

	/* INSPECT passes here: the copy is made at TC on the tenant port. */
	if (ztos_underlay(&hook, data, data_end, data_end - data) == ZTOS_ACT_DROP)
		return XDP_DROP;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
