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

for tool in wireguard-go wg tcpdump; do
	if ! command -v "$tool" >/dev/null; then
		not_ok "$tool is installed (run scripts/deps.sh)"
		echo "1..$_tap_n"
		exit 1
	fi
done
# wireguard-go even where the kernel has WireGuard: this is the user-space suite.
export ZTOS_WG_USERSPACE=1
wg_suite wireguard-go
