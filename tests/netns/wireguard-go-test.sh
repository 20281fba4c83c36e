#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# WireGuard in user space, on the host kernel (which has none): three hosts as network
# namespaces, a ztosd each, which starts wireguard-go and configures it over its UAPI
# socket; VXLAN over it. The suite itself is tests/netns/wireguard-lab.sh, shared with
# the in-kernel run in the VM (tests/vm/wireguard-test.sh).
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=tests/netns/wireguard-lab.sh
. "$(dirname "$0")/wireguard-lab.sh"

# wireguard-go even where the kernel has WireGuard: this is the user-space suite.
wgl_userspace
wg_suite wireguard-go
