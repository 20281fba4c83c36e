// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of the MACsec dump parsers (agent/subsys/macsec.c, included: they are
 * static): the link over rtnetlink and the SecY with its SCs and SAs over the generic
 * netlink family "macsec". The input is a receive buffer of netlink messages; each goes
 * to both parsers (the SecY's of ifindex 7, as secy_read() asks for one device).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/guarded.h"

#include "agent/subsys/macsec.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct k_secy k = { .ifindex = 7 };
	struct link_info l = { 0 };
	struct nlmsghdr *h;
	void *buf = guarded_copy(data, size, 4);
	int len = (int)size;

	if (!buf)
		return 0;
	for (h = buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
		parse_link(h, &l);
		if (parse_secy(h, &k))
			break;
	}
	if (memchr(l.alias, '\0', sizeof(l.alias)) == NULL || memchr(l.kind, '\0', sizeof(l.kind)) == NULL)
		__builtin_trap();
	secy_free(&k);
	return 0;
}
