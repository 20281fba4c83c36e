#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# wireguard-go on the host kernel (which has no WireGuard) through ztosd's SIGKILL and
# restart, and its upgrade to another binary, under an echo request every 10 ms across
# the tunnel: 0 lost, the same wireguard-go on the same UAPI socket and TUN device, the
# peer's session and handshake kept. The suite: tests/netns/wireguard-restart-lab.sh (the
# in-kernel run: tests/vm/wireguard-restart-test.sh). Run it under flock /tmp/ztos-heavy.lock
# on a shared machine (wireguard-go).
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
WGL_P=zu
WGL_BPF=ztos-rel12-wg
WGL_HOSTS=(a b)
# shellcheck source=tests/netns/wireguard-lab.sh
. "$(dirname "$0")/wireguard-lab.sh"
# shellcheck source=tests/netns/wireguard-restart-lab.sh
. "$(dirname "$0")/wireguard-restart-lab.sh"

wgl_userspace
wg_restart_suite wireguard-go
