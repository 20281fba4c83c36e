// SPDX-License-Identifier: GPL-2.0-only
/*
 * For measuring a new flow on every run: BPF_PROG_RUN repeats one packet, and an XDP
 * program's writes to it persist from one repeat to the next. This program adds one
 * to the 32-bit word at bump_off (the inner IPv4 source address) and tail-calls
 * next[0], the program under test, which so sees a flow it has never seen before.
 * Its own cost is measured by tail-calling the bare XDP_PASS program instead.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

const volatile __u32 bump_off = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} next SEC(".maps");

SEC("xdp")
int xdp_newflow(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 *word = data + bump_off;

	if ((void *)(word + 1) > data_end)
		return XDP_ABORTED;
	*word = bpf_htonl(bpf_ntohl(*word) + 1);
	bpf_tail_call(ctx, &next, 0);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "GPL";
