// SPDX-License-Identifier: GPL-2.0-only
/*
 * libFuzzer harness of the FRR JSON parsers (agent/subsys/frr/state.c): the first byte
 * picks the command whose output the rest is (show bgp summary, neighbors, bfd peers,
 * evpn vni, evpn mac vni all, l2vpn evpn route vni all), parsed into one state after
 * the others (the agent fills one state from several commands). Whatever FRR printed, a
 * parser returns 0 or -EINVAL, and the state's counts match what it holds.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "subsys/frr/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*parse_fn)(const char *json, struct frr_state *st);

static const parse_fn parsers[] = {
	frr_parse_summary, frr_parse_neighbors, frr_parse_bfd,
	frr_parse_vnis,	   frr_parse_macs,	frr_parse_vni_routes,
};
#define N_PARSERS (sizeof(parsers) / sizeof(parsers[0]))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct frr_state st = { 0 };
	char *json;
	int ret;

	if (size < 1)
		return 0;
	json = malloc(size);
	if (!json)
		return 0;
	memcpy(json, data + 1, size - 1);
	json[size - 1] = '\0';
	/* the summary first, as the agent reads it: the others add to its peers */
	if (data[0] % N_PARSERS)
		frr_parse_summary(json, &st);
	ret = parsers[data[0] % N_PARSERS](json, &st);
	if (ret != 0 && ret != -EINVAL && ret != -ENOMEM)
		__builtin_trap();
	if ((st.n_peers && !st.peers) || (st.n_vnis && !st.vnis))
		__builtin_trap();
	for (size_t i = 0; i < st.n_vnis; i++)
		if ((st.vnis[i].n_remote_vteps && !st.vnis[i].remote_vteps) ||
		    (st.vnis[i].n_type3_from && !st.vnis[i].type3_from))
			__builtin_trap();
	frr_state_free(&st);
	free(json);
	return 0;
}
