#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the VM (tests/vm/vm.sh, from tests/vm/wireguard-test.sh): the WireGuard suite
# of tests/netns/wireguard-lab.sh against Debian's in-kernel WireGuard, which ztosd drives
# over the generic netlink family "wireguard".
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"
# shellcheck source=tests/netns/wireguard-lab.sh
. "$(dirname "$0")/../../netns/wireguard-lab.sh"

wgl_kernel
wg_suite kernel
