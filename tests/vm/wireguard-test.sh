#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# In-kernel WireGuard by ztosd: tests/vm/inside/wireguard.sh runs tests/netns/wireguard-lab.sh
# against the kernel's WireGuard (three hosts, VXLAN over WireGuard, capture, status,
# restart, bad input).
# The VM plumbing and TAP renumbering: tests/vm/suite.sh.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/suite.sh

vm_suite 600 "the WireGuard suite" tests/vm/inside/wireguard.sh
