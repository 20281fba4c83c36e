#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# In-kernel WireGuard through ztosd's SIGKILL and restart and its upgrade to another binary
# (build-upgrade, make test-builds; the VM sees the host's build trees), under a 10 ms ping
# stream across the tunnel: tests/vm/inside/wireguard-restart.sh. 0 lost, the device, keys,
# peers, handshake and byte counters kept. The VM plumbing and TAP renumbering:
# tests/vm/suite.sh.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/suite.sh

vm_suite 480 "the WireGuard restart suite" tests/vm/inside/wireguard-restart.sh
