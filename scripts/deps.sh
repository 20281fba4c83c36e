#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The Debian packages ztos needs, in groups: build (make), demo (make demo), vm (make
# demo VM=1), test (make test: the demo's and the VM's too), bench (bench/). Idempotent: installs only what is missing.
#
#   scripts/deps.sh [GROUP...]          install what GROUPs need (default: all of them)
#   scripts/deps.sh --check [GROUP...]  install nothing; exit 1 naming what is missing
#
# `make` only checks the build group and says which package is missing: building never
# changes the host. `make test`, `make demo` and .ci/run install.
set -euo pipefail

build=(
	# agent, CLI, DPI library, BPF programs (clang -target bpf, bpftool gen skeleton)
	build-essential pkg-config libyaml-dev libcjson-dev libmicrohttpd-dev
	libcurl4-openssl-dev libbpf-dev libxdp-dev libelf-dev zlib1g-dev
	libnl-3-dev libnl-route-3-dev libnl-genl-3-dev clang llvm bpftool
	libhyperscan-dev libsodium-dev
)
test=(
	# unit tests
	libcmocka-dev
	# what the agent runs or stands in for: WireGuard in user space where the kernel
	# has none, and the tools the tests check kernel state and traffic with
	wireguard-go wireguard-tools iproute2 iputils-ping curl jq python3 python3-yaml
	python3-scapy iperf3 procps psmisc util-linux sudo openssl tcpdump bc
	# the dashboard's browser tests (tests/web): Node.js runs playwright-core (and builds
	# web/ with esbuild from web/package-lock.json), driving Debian's Chromium
	nodejs chromium
	# fuzzing (tests/fuzz): libFuzzer and the sanitizers' runtime for clang 14
	libclang-rt-14-dev
	# BGP EVPN: FRRouting (zebra, bgpd, bfdd, vtysh) and frr-reload.py (only recommended by frr)
	frr frr-pythontools
)
# `make demo` (scripts/demo.sh): the hosts' WireGuard, FRR and tools; socat brings host
# 1's API to this machine's loopback. The tests run the demo: they need it all too.
demo=(
	wireguard-go wireguard-tools iproute2 util-linux procps curl jq python3
	frr frr-pythontools socat
)
# VM tests (tests/vm) and `make demo VM=1`: Debian's kernel under qemu (TCG), for
# WireGuard, MACsec and VRF in the kernel
vm=(qemu-system-x86 busybox-static linux-image-amd64 xz-utils zstd)
test+=("${demo[@]}" "${vm[@]}")
bench=(
	# the peers the benchmarks measure against
	wrk nginx-light xdp-tools netsniff-ng
)

# Debian's npm is a package of its own; a Node.js from elsewhere (nodesource) brings one.
command -v npm >/dev/null || test+=(npm)

check=0
if [ "${1:-}" = "--check" ]; then
	check=1
	shift
fi
groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(build test bench)	# test holds demo

pkgs=()
for g in "${groups[@]}"; do
	case $g in
	build) pkgs+=("${build[@]}") ;;
	test) pkgs+=("${test[@]}") ;;
	demo) pkgs+=("${demo[@]}") ;;
	vm) pkgs+=("${vm[@]}") ;;
	bench) pkgs+=("${bench[@]}") ;;
	*) echo "scripts/deps.sh: no group '$g' (build, demo, vm, test, bench)" >&2; exit 2 ;;
	esac
done

missing=()
mapfile -t pkgs < <(printf '%s\n' "${pkgs[@]}" | awk '!seen[$0]++')
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ $check -eq 1 ]; then
	echo "ztos: missing packages (${groups[*]}): ${missing[*]}; install them with:" \
		"sudo scripts/deps.sh ${groups[*]}" >&2
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "ztos: missing packages: ${missing[*]}; run: sudo scripts/deps.sh ${groups[*]}" >&2
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
