// SPDX-License-Identifier: GPL-2.0-only
/* The subsystem table (subsys.h): every entry, in the order a change is applied. */
#include <stdio.h>

#include "subsys.h"
#include "subsys/datapath.h"
#include "subsys/dpi.h"
#include "subsys/macsec.h"
#include "subsys/overlay.h"
#include "subsys/wireguard.h"

/* BGP EVPN: validated and kept, not put in place by this build; it says so. */
static void bgp_status(void *priv, const struct ztos_config *cfg, struct subsys_status *st)
{
	if (!cfg->has_bgp)
		return;
	st->state = SUBSYS_NOT_LOADED;
	snprintf(st->reason, sizeof(st->reason), "%s", subsys_not_built_reason);
}

static const struct subsys_ops bgp_subsys = {
	.name = "bgp",
	.status = bgp_status,
};

/*
 * MACsec first (on the physical link), then WireGuard (VXLAN rides on either), then
 * the overlay (the datapath's ports are in its bridges), the datapath, BGP EVPN (it
 * learns VTEPs into the datapath), and DPI last (it reads what the datapath mirrors).
 */
const struct subsys_ops *const subsys_table[] = {
	&macsec_subsys, &wireguard_subsys, &overlay_subsys, &datapath_subsys, &bgp_subsys,
	&dpi_subsys,
};
const unsigned int subsys_count = sizeof(subsys_table) / sizeof(subsys_table[0]);
