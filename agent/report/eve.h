/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The eve.json vocabulary of flows, shared by every event about one (flow, drop, alert)
 * and by the flow table of the API: the same fields, spelt as Suricata spells them, so
 * a SIEM correlates them by flow_id and five-tuple.
 */
#ifndef ZTOS_REPORT_EVE_H
#define ZTOS_REPORT_EVE_H

#include <stdbool.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "bpf/ztos_common.h"

/* "TCP", "UDP", "ICMP", "IPv6-ICMP", else "other". */
const char *eve_proto(uint8_t proto);

/*
 * src_ip, src_port, dest_ip, dest_port, proto, vni (and tenant unless NULL) of the flow
 * of k (a canonical key), endpoint a as the source when a_is_src.
 */
void eve_tuple(cJSON *o, const struct ztos_flow_key *k, bool a_is_src, const char *tenant);

#endif
