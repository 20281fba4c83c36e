#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# L3 VNI routing between two subnets of one tenant through its VRF, across two hosts,
# with BGP EVPN (type-5 and type-2 routes) on Debian's kernel, which has VRF:
# tests/vm/inside/evpn-l3vni.sh. The VM plumbing and TAP renumbering: tests/vm/suite.sh.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/suite.sh

vm_suite 420 "the EVPN L3 VNI test" tests/vm/inside/evpn-l3vni.sh
