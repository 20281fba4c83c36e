// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of the WireGuard generic netlink dump parser (agent/kernel/wg_genl.c,
 * included: get_cb is static). The input is a receive buffer of WG_CMD_GET_DEVICE
 * replies; peers split across messages are merged as the kernel's dump needs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/guarded.h"

#include "agent/kernel/wg_genl.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wg_dev d = { 0 };
	struct get_ctx g = { .dev = &d };
	struct nlmsghdr *h;
	void *buf = guarded_copy(data, size, 4);
	int len = (int)size;

	if (!buf)
		return 0;
	for (h = buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
		if (get_cb(h, &g))
			break;
	for (size_t i = 0; i < d.n_peers; i++)
		for (size_t j = 0; j < d.peers[i].n_ips; j++)
			if (d.peers[i].ips[j].addr.family != AF_INET &&
			    d.peers[i].ips[j].addr.family != AF_INET6)
				__builtin_trap();
	wg_dev_free(&d);
	return 0;
}
