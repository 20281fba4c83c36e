/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Load-time knobs: user space sets them through skel->rodata before __load(). The
 * verifier sees their values as constants, so a branch on a knob costs nothing and
 * the branch not taken is removed as dead code.
 */
#ifndef ZTOS_LIB_KNOBS_H
#define ZTOS_LIB_KNOBS_H

#include "lib/ztos.h"

/* UDP destination port of VXLAN on the underlay. */
const volatile __u16 vxlan_port = ZTOS_VXLAN_PORT;

/* 1: the underlay device has no link-layer header (WireGuard, tun): parse from IP. */
const volatile __u8 l3_device = 0;

/* At most one ZTOS_EV_DROP event per drop reason per CPU in this interval. */
const volatile __u64 drop_event_interval_ns = 10000000;

/*
 * flowtab4 (lib/maps.h): its buckets - 1 (a power of two; an index past the map's end
 * finds no bucket, and the packet is dropped), and its hash seed (flow_seed's value).
 */
const volatile __u32 ztos_ft_mask = ZTOS_FLOWS_DEFAULT / ZTOS_FT_WAYS - 1;
const volatile __u64 ztos_ft_seed = 0;

#endif
