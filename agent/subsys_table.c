// SPDX-License-Identifier: GPL-2.0-only
/* The subsystem table (subsys.h): every entry, in the order a change is applied. */
#include "subsys.h"
#include "subsys/datapath.h"
#include "subsys/dpi.h"
#include "subsys/frr/frr.h"
#include "subsys/macsec.h"
#include "subsys/overlay.h"
#include "subsys/wireguard.h"

/*
 * MACsec first (on the physical link), then WireGuard (VXLAN rides on either), then
 * the overlay (the datapath's ports are in its bridges), the datapath, BGP EVPN (it
 * learns VTEPs into the datapath), and DPI last (it reads what the datapath mirrors).
 */
const struct subsys_ops *const subsys_table[] = {
	&macsec_subsys, &wireguard_subsys, &overlay_subsys, &datapath_subsys, &frr_subsys,
	&dpi_subsys,
};
const unsigned int subsys_count = sizeof(subsys_table) / sizeof(subsys_table[0]);
