#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the VM (tests/vm/vm.sh, from tests/vm/kernel-test.sh): Debian's kernel has
# what the host kernel lacks (in-kernel WireGuard, MACsec, VRF) and takes our BPF programs.
# Usage (in the VM): tests/vm/inside/kernel-features.sh HOST_KERNEL_RELEASE
# Every executable build/tests/test_bpf_* runs here too; its TAP lines come through
# numbered in this script's sequence, their names ending in "(debian kernel)".
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"

host_release=${1:-unknown}
kver=$(uname -r)

if [ "$kver" != "$host_release" ] && uname -v | grep -q Debian; then
	ok "the VM runs a Debian kernel ($kver; host $host_release)"
else
	not_ok "the VM runs a Debian kernel ($kver; host $host_release)"
	echo "#   uname -v: $(uname -v)"
fi

check "veth: modprobe veth, a veth pair up" sh -ec '
	modprobe veth
	ip link add veth0 type veth peer name veth1
	ip addr add 192.0.2.1/24 dev veth0
	ip link set veth0 up
	ip link set veth1 up'

check "vxlan: modprobe vxlan, ip link add type vxlan over veth0" sh -ec '
	modprobe vxlan
	ip link add vxlan42 type vxlan id 42 dstport 4789 local 192.0.2.1 dev veth0
	ip link set vxlan42 up'

check "wireguard: modprobe wireguard, ip link add type wireguard" sh -ec '
	modprobe wireguard
	ip link add wg0 type wireguard
	ip addr add 10.99.0.1/24 dev wg0
	ip link set wg0 up
	ip -d link show wg0 | grep -q wireguard'

check "macsec: modprobe macsec, ip link add type macsec on veth0" sh -ec '
	modprobe macsec
	ip link add link veth0 macsec0 type macsec port 1 cipher gcm-aes-256 encrypt on
	ip link set macsec0 up'

# The gcm(aes) transform is a module the kernel itself asks /sbin/modprobe for: this
# fails with ENOENT unless the VM's modprobe is the host's kmod (switch_root, not chroot).
# shellcheck disable=SC2016 # expanded by the inner sh
check "macsec: TX SA and RX SC/SA with GCM-AES-256 (crypto modules auto-loaded)" sh -ec '
	key=$(printf "%064x" 1)
	ip macsec add macsec0 tx sa 0 pn 1 on key 01 "$key"
	ip macsec add macsec0 rx port 1 address 02:00:00:00:00:02
	ip macsec add macsec0 rx port 1 address 02:00:00:00:00:02 sa 0 pn 1 on key 02 "$key"
	ip macsec show macsec0 | grep -q "GCM-AES-256"'

check "vrf: modprobe vrf, ip link add type vrf, enslave veth1" sh -ec '
	modprobe vrf
	ip link add vrf-blue type vrf table 10
	ip link set vrf-blue up
	ip link set veth1 master vrf-blue
	ip -d link show veth1 | grep -q "master vrf-blue"'

fs=$(stat -f -c %T /sys/fs/bpf 2>&1)
expect_eq "bpffs is mounted at /sys/fs/bpf" bpf_fs "$fs"

# run_tap NAME CMD...: CMD's TAP cases, renumbered and renamed "NAME: case (debian kernel)";
# its other lines become comments. A crash or a silent run is a failing case of its own.
run_tap() {
	local name=$1 line status desc directive out rc cases=0 failed=0
	shift
	out=$(CMOCKA_MESSAGE_OUTPUT=TAP timeout 180 "$@" 2>&1)
	rc=$?
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ ok|ok)([[:space:]]+[0-9]+)?([[:space:]]+-)?[[:space:]]*(.*)$ ]]; then
			status=${BASH_REMATCH[1]} desc=${BASH_REMATCH[4]} directive=
			if [[ $desc == *" # "* ]]; then
				directive=" # ${desc#* # }"
				desc=${desc%% # *}
			fi
			_tap_n=$((_tap_n + 1)) cases=$((cases + 1))
			[ "$status" = "not ok" ] && failed=$((failed + 1))
			echo "$status $_tap_n - $name: $desc (debian kernel)$directive"
		elif [[ $line =~ ^[0-9]+\.\.[0-9]+ ]]; then
			: # its plan: ours counts its cases
		elif [[ $line == "Bail out!"* ]]; then
			not_ok "$name: ${line} (debian kernel)"
			failed=$((failed + 1))
		elif [[ $line == "#"* ]]; then
			echo "$line"
		elif [ -n "$line" ]; then
			echo "# $line"
		fi
	done <<<"$out"
	if [ $rc -ne 0 ] && [ $failed -eq 0 ]; then
		not_ok "$name exited $rc (debian kernel)"
	elif [ $cases -eq 0 ]; then
		not_ok "$name ran no test case (debian kernel)"
	fi
}

# The agent's own probe must see WireGuard, MACsec and VRF here (the host lacks them).
run_tap kernel-support-test.sh tests/api/kernel-support-test.sh

# The datapath property test runs 5 % of its million packets here: under qemu's emulation
# the whole takes minutes; make test runs it whole on the host kernel.
export PROPERTY_SHARE=5
for t in "$BUILD_DIR"/tests/test_bpf_*; do
	{ [ -f "$t" ] && [ -x "$t" ]; } || continue
	run_tap "$(basename "$t")" "$t"
done

echo "1..$_tap_n"
