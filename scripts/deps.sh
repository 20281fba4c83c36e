#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Install every Debian package ztos needs to build, test, demo and benchmark.
# Idempotent: installs only what is missing. `deps.sh --check` installs nothing and
# exits 1 when something is missing (the Makefile uses it to decide).
set -euo pipefail

pkgs=(
	# build: agent, CLI, BPF programs (clang -target bpf, bpftool gen skeleton)
	build-essential pkg-config libyaml-dev libcjson-dev libmicrohttpd-dev
	libcurl4-openssl-dev libcmocka-dev libbpf-dev libxdp-dev libelf-dev zlib1g-dev
	libnl-3-dev libnl-route-3-dev libnl-genl-3-dev clang llvm bpftool
	# DPI: Hyperscan (gpu/ engine cpu, and pcre for the CUDA engine)
	libhyperscan-dev
	# WireGuard: keys (X25519), and the user-space fallback where the kernel has none
	libsodium-dev wireguard-go
	# tests and demo
	iproute2 iputils-ping curl jq python3 python3-yaml python3-scapy iperf3
	procps psmisc util-linux sudo openssl
	tcpdump wireguard-tools
	# VM tests (tests/vm): Debian's kernel under qemu (TCG), for WireGuard/MACsec/VRF
	qemu-system-x86 busybox-static linux-image-amd64 xz-utils zstd
	# BGP EVPN: FRRouting (zebra, bgpd, bfdd, vtysh) and frr-reload.py (only recommended by frr)
	frr frr-pythontools
	# benchmark
	wrk nginx-light xdp-tools netsniff-ng
	# captures in tests/netns/vxlan-test.sh and tests/vm/inside/macsec.sh, arithmetic in bench/netlink.sh
	tcpdump bc
)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "${1:-}" = "--check" ]; then
	echo "ztos: missing packages: ${missing[*]}" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "ztos: missing packages: ${missing[*]}; run: sudo scripts/deps.sh" >&2
	exit 1
fi
echo "ztos: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# nginx is only a benchmark peer: never let its package start a server on port 80.
if printf '%s\n' "${missing[@]}" | grep -q '^nginx'; then
	mkdir -p /usr/sbin
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		trap 'rm -f /usr/sbin/policy-rc.d' EXIT
	fi
fi
# INITRD=No: the kernel image is only booted by tests/vm with an initramfs of its own;
# building /boot/initrd.img would cost a minute for nothing.
INITRD=No apt-get install -y -qq --no-install-recommends "${missing[@]}"
