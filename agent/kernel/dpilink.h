/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The DPI link: a veth pair. TC on tenant ports clones "inspect" packets out of
 * ztos-dpi0; they arrive on ztos-dpi1, where XDP hands them to AF_XDP (the DPI engine).
 */
#ifndef ZTOS_DPILINK_H
#define ZTOS_DPILINK_H

#include <stddef.h>

#include "err.h"

#define DPI_LINK_TX "ztos-dpi0"
#define DPI_LINK_RX "ztos-dpi1"

/* Create the pair (marked as ztos's by its alias) unless it is there; both up. */
int dpi_link_ensure(struct ztos_err *e);
/* Delete the pair if it is ztos's. Returns 1 when it deleted it. */
int dpi_link_remove(void);

#endif
