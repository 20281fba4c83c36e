// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * XDP on ztos-dpi1, the far end of the DPI link: every mirrored frame goes to the
 * AF_XDP socket bound to its receive queue, or up the stack when none is.
 */
#include "lib/ztos.h"

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);			/* rx queue index */
	__type(value, __u32);			/* AF_XDP socket fd (user space writes) */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} xsks SEC(".maps");

SEC("xdp")
int ztos_dpi_redirect(struct xdp_md *ctx)
{
	return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
