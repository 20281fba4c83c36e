/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The datapath's translation of the config into BPF map entries (bpf/ztos_common.h),
 * pure: no map, no kernel. The loader writes what these make; the unit and BPF tests
 * build their entries with them too, so what is tested is what is loaded.
 */
#ifndef ZTOS_SUBSYS_DPMAP_H
#define ZTOS_SUBSYS_DPMAP_H

#include "bpf/ztos_common.h"
#include "config/config.h"

/* An address as the maps hold it: network order words, IPv4 in the first; ZTOS_AF4/6. */
void dpmap_addr(const struct ztos_addr *a, __u32 out[4], __u32 *family);
/* The vteps map's key for a VTEP allowed to send vni. */
void dpmap_vtep_key(__u32 vni, const struct ztos_addr *vtep, struct ztos_vtep_key *k);
/* A policy action as the datapath's verdict. */
__u8 dpmap_verdict(enum ztos_action a);
/* A config rule as the policy map's rule. */
void dpmap_rule(const struct ztos_policy_rule *r, struct ztos_rule *m);
/* A tenant's policy as the policy map's value (rules past ZTOS_MAX_RULES are cut). */
void dpmap_policy(const struct ztos_tenant *t, struct ztos_policy *p);

/* A verdict's name in the API and the events ("allow", "block", ...), and back (-1). */
const char *dpmap_verdict_name(__u8 v);
int dpmap_verdict_parse(const char *name);

#endif
