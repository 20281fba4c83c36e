// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of the rtnetlink link and FDB dump parsers: nl.c's ztnl_link_parse()
 * and the overlay's kernel view (agent/kernel/vxlan.c, included: its callbacks are
 * static). The input is a receive buffer of netlink messages, as a dump returns them;
 * each goes to the link parser, then to the FDB parser against the links read.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/guarded.h"

#include "agent/kernel/vxlan.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ovl_kernel k = { 0 };
	struct nlmsghdr *h;
	struct ztnl_link l;
	void *buf = guarded_copy(data, size, 4);
	int len = (int)size;

	if (!buf)
		return 0;
	for (h = buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		if (!ztnl_link_parse(h, &l) && (!l.name || strnlen(l.name, IF_NAMESIZE * 4) > 4096))
			__builtin_trap();
		on_link(h, &k);
	}
	if (!resolve_names(&k)) {
		len = (int)size;
		for (h = buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
			on_fdb(h, &k);
	}
	ovl_kernel_free(&k);
	return 0;
}
