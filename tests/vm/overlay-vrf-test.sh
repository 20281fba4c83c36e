#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The overlay's VRF on a kernel that has VRF: tests/vm/inside/overlay-vrf.sh.
# The VM plumbing and TAP renumbering: tests/vm/suite.sh.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/suite.sh

vm_suite 300 "the overlay VRF test" tests/vm/inside/overlay-vrf.sh
