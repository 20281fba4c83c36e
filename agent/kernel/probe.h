/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the running kernel supports, probed, never assumed: the in-kernel WireGuard,
 * MACsec and VRF that the overlay and encryption need.
 */
#ifndef ZTOS_KERNEL_H
#define ZTOS_KERNEL_H

#include <cjson/cJSON.h>

/* {"wireguard": {"supported": bool, "how"|"reason": "..."}, "macsec": ..., "vrf": ...} */
cJSON *kernel_support(void);

#endif
