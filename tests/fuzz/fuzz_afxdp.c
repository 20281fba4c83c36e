// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of the AF_XDP frame parser (agent/kernel/afxdp.c afxdp_parse): the
 * input is one frame, in a buffer of exactly its size (ASan sees a read past it). A frame
 * it takes must give an IPv4/IPv6 key in canonical order and a payload inside the frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/guarded.h"
#include <arpa/inet.h>

#include "kernel/afxdp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int addr_cmp(const uint32_t *a, const uint32_t *b)
{
	for (int i = 0; i < 4; i++)
		if (ntohl(a[i]) != ntohl(b[i]))
			return ntohl(a[i]) < ntohl(b[i]) ? -1 : 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *frame = guarded_copy(data, size, 1);
	struct afxdp_pkt p;
	int cmp;

	if (!frame)
		return 0;
	if (!afxdp_parse(frame, (uint32_t)size, &p)) {
		if (p.key.family != ZTOS_AF4 && p.key.family != ZTOS_AF6)
			__builtin_trap();
		if (p.frame_len != size || p.payload < frame ||
		    p.payload + p.payload_len > frame + size)
			__builtin_trap();
		cmp = addr_cmp(p.key.addr_a, p.key.addr_b);
		if (cmp > 0 || (cmp == 0 && p.key.port_a > p.key.port_b))
			__builtin_trap();
		if (p.has_vni && p.key.vni > 0xffffff)
			__builtin_trap();
	}
	return 0;
}
