#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the VM (tests/vm/overlay-vrf-test.sh): Debian's kernel has VRF, which the
# host kernel lacks. ztosd makes a tenant's VRF (ztvrf<table>) over netlink with the
# tenant's bridge in it, moves the bridge when the table changes, and --cleanup removes it.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"

W=$(mktemp -d /tmp/ztos-vrf.XXXXXX)
NS=zo-vrf
IN=(nsenter --net=/run/netns/$NS)
pid=
finish() {
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	ip netns del $NS 2>/dev/null
	rm -rf "$W"
}
trap finish EXIT

modprobe vrf; modprobe veth; modprobe vxlan; modprobe bridge
ip netns add $NS
ip -n $NS link add ul1 type veth peer name ul1p
ip -n $NS link add vb1 type veth peer name vb1p
ip -n $NS addr add 192.0.2.1/24 dev ul1
for l in lo ul1 ul1p vb1; do ip -n $NS link set $l up; done

config() {
	cat >"$W/ztos.yaml" <<YAML
version: 1
agent:
  api: {listen: "", socket: $W/api.sock, token_file: $W/token}
  state_dir: $W/state
  bpffs: /sys/fs/bpf/ztos-vrf-test
  log: {file: $W/events.json, syslog: false}
underlay: {interface: ul1, address: 192.0.2.1, xdp_mode: generic}
tenants:
  - {name: blue, vni: 100, vteps: [192.0.2.2], interfaces: [vb1], vrf: {table: $1}}
YAML
}
vrf_of() { ip -n $NS -j -d link show "$1" 2>/dev/null | jq -r '.[0] | "\(.linkinfo.info_kind) \(.linkinfo.info_data.table) \(.ifalias)"'; }
master_of() { ip -n $NS -j link show "$1" | jq -r '.[0].master // "none"'; }

config 100
"${IN[@]}" "$ZTOSD" --config "$W/ztos.yaml" >"$W/ztosd.log" 2>&1 &
pid=$!
for _ in $(seq 600); do [ -S "$W/api.sock" ] && break; sleep 0.1; done
if [ -S "$W/api.sock" ]; then ok "ztosd starts with a VRF tenant"; else
	not_ok "ztosd starts with a VRF tenant"; sed 's/^/#   /' "$W/ztosd.log"; exit 1; fi

expect_eq "ztvrf100: a VRF with table 100, marked as ztos's" "vrf 100 ztos:tenant=blue" "$(vrf_of ztvrf100)"
expect_eq "ztbr100 is in ztvrf100" ztvrf100 "$(master_of ztbr100)"
expect_eq "vb1 and ztvx100 are in ztbr100" "vb1 ztvx100" \
	"$(ip -n $NS -j link show master ztbr100 | jq -r '[.[].ifname] | sort | join(" ")')"
net=$(curl -s --unix-socket "$W/api.sock" http://localhost/api/v1/network)
expect_eq "API: the VRF is supported and has the kernel's ifindex" \
	"true $(ip -n $NS -j link show ztvrf100 | jq -r '.[0].ifindex')" \
	"$(jq -r '.overlay.tenants[0].vrf | "\(.supported) \(.ifindex)"' <<<"$net")"

config 200
kill -HUP "$pid"
for _ in $(seq 100); do [ "$(master_of ztbr100)" = ztvrf200 ] && break; sleep 0.1; done
expect_eq "vrf.table 100 -> 200: ztbr100 moved into ztvrf200" ztvrf200 "$(master_of ztbr100)"
check "vrf.table 100 -> 200: ztvrf100 is gone" bash -c "! ip -n $NS link show ztvrf100 2>/dev/null"

kill -TERM "$pid"; wait "$pid"; pid=
"${IN[@]}" "$ZTOSD" --cleanup --config "$W/ztos.yaml" >/dev/null 2>&1
expect_eq "--cleanup removed the VRF, the bridge and the VXLAN device" "" \
	"$(ip -n $NS -o link show | grep -oE 'zt(vrf|br|vx)[0-9]+' | sort -u | tr '\n' ' ')"
