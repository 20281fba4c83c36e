#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the VM (tests/vm/vm.sh, from tests/vm/wireguard-restart-test.sh): Debian's
# in-kernel WireGuard through ztosd's SIGKILL and restart and its upgrade to another
# binary, under a 10 ms ping stream: tests/netns/wireguard-restart-lab.sh.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"
WGL_HOSTS=(a b)
# shellcheck source=tests/netns/wireguard-lab.sh
. "$(dirname "$0")/../../netns/wireguard-lab.sh"
# shellcheck source=tests/netns/wireguard-restart-lab.sh
. "$(dirname "$0")/../../netns/wireguard-restart-lab.sh"

wgl_kernel
wg_restart_suite kernel
