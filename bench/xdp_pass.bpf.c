// SPDX-License-Identifier: GPL-2.0-only
/* The floor of every XDP measurement: a program that only says XDP_PASS. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
