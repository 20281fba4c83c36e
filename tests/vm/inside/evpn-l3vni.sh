#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the VM (tests/vm/evpn-l3vni-test.sh): Debian's kernel has VRF. Two hosts of
# the EVPN lab (tests/netns/evpn-lab.sh: a switch, ztosd and its own FRR on each, iBGP
# through host 1), one tenant with two subnets, their gateways and an L3 VNI; its
# workload on host 1 is in 10.1.0.0/24, the one on host 2 in 10.2.0.0/24. Checked: the
# devices ztosd makes (the L3 VNI's VXLAN device and bridge in the VRF, the gateways on
# the tenant bridge), the EVPN routes (type-5 of each subnet, type-2 with the workloads'
# addresses and the L3 VNI), the VRF's routes, and traffic: routed through the L3 VNI
# (VXLAN with VNI 5100 on the wire, TTL down by two: routed on both hosts), within the
# VRF only (the hosts' own tables know nothing of it), allowed by XDP.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"
# shellcheck source=tests/netns/evpn-lab.sh
. "$(dirname "$0")/../../netns/evpn-lab.sh"

EVL_P=zl
EVL_N=2
EVL_WORKLOADS=0
EVL_START_S=120
EVL_WORK=$(mktemp -d /tmp/ztos-l3vni.XXXXXX)
EVL_TENANTS_YAML="  - {name: blue, vni: 100, interfaces: [wblue], subnets: [10.1.0.0/24, 10.2.0.0/24],
     gateways: [10.1.0.1, 10.2.0.1], vrf: {table: 100, l3vni: 5100}}"
trap 'evl_teardown' EXIT

modprobe vrf; modprobe veth; modprobe vxlan; modprobe bridge
check "lab: 2 hosts and a switch" evl_up
# host 1's workload in subnet 1, host 2's in subnet 2, each routed through its gateway
for i in 1 2; do
	w=$(evl_ns "$i")b
	ip netns add "$w"
	ip link add wblue netns "$(evl_ns "$i")" type veth peer name eth0 netns "$w"
	ip -n "$w" link set eth0 address "02:b1:00:00:00:0$i"
	ip -n "$w" addr add "10.$i.0.${i}0/24" dev eth0
	ip -n "$w" link set eth0 up
	ip -n "$w" link set lo up
	ip -n "$w" route add default via "10.$i.0.1"
	ip -n "$(evl_ns "$i")" link set wblue up
done
for i in 1 2; do
	evl_config "$i"
	evl_start_case "$i"
done

# ---- what ztosd made ----

link() { ip -n "$(evl_ns "$1")" -j -d link show "$2" 2>/dev/null; }
for i in 1 2; do
	expect_eq "host $i: ztvx5100 is a VXLAN device of VNI 5100, no learning, ztos's" \
		"vxlan 5100 false ztos:tenant=blue" \
		"$(link "$i" ztvx5100 | jq -r '.[0] | "\(.linkinfo.info_kind) \(.linkinfo.info_data.id) \(.linkinfo.info_data.learning) \(.ifalias)"')"
	expect_eq "host $i: ztvx5100 in ztbr5100, ztbr5100 and ztbr100 in ztvrf100" \
		"ztbr5100 ztvrf100 ztvrf100" \
		"$(for d in ztvx5100 ztbr5100 ztbr100; do link "$i" "$d" | jq -r '.[0].master'; done | paste -sd' ')"
	expect_eq "host $i: the gateways on ztbr100, with the gateway MAC of VNI 100" \
		"02:7a:74:00:00:64 10.1.0.1/24 10.2.0.1/24" \
		"$(ip -n "$(evl_ns "$i")" -j addr show dev ztbr100 | jq -r '.[0] | [.address] + [.addr_info[] | select(.family == "inet") | "\(.local)/\(.prefixlen)"] | join(" ")')"
	expect_eq "host $i: both bridges route (IPv4 forwarding on them only)" "1 1 0" \
		"$(ip netns exec "$(evl_ns "$i")" sh -c 'cat /proc/sys/net/ipv4/conf/ztbr100/forwarding \
			/proc/sys/net/ipv4/conf/ztbr5100/forwarding /proc/sys/net/ipv4/conf/ul/forwarding' | paste -sd' ')"
done
net=$(evl_api 1 GET /api/v1/network | sed '$d')
expect_eq "API: the L3 VNI's devices and the gateways ztos put" \
	"5100 ztvx5100 ztbr5100 10.1.0.1/24,10.2.0.1/24 true" \
	"$(jq -r '.overlay.tenants[0] | "\(.l3vni.vni) \(.l3vni.vxlan.name) \(.l3vni.bridge.name) \(.bridge.gateways | join(",")) \(.bridge.forwarding)"' <<<"$net")"

# ---- EVPN ----

established() {
	[ "$(evl_vtysh 1 -c 'show bgp summary json' |
		jq '[.l2VpnEvpn.peers[]? | select(.state == "Established")] | length')" = 1 ]
}
check "the session between the hosts is Established" evl_wait 180 established
l3vni_of_zebra() { evl_vtysh "$1" -c 'show evpn vni 5100 json' | jq -r '"\(.type) \(.vrf) \(.state)"'; }
l3vni_up() { [ "$(l3vni_of_zebra "$1")" = "L3 ztvrf100 Up" ]; }
for i in 1 2; do
	evl_wait 60 l3vni_up "$i"
	expect_eq "host $i: zebra has VNI 5100 as the L3 VNI of ztvrf100, up" "L3 ztvrf100 Up" \
		"$(l3vni_of_zebra "$i")"
done
# the workloads' first packets (to their gateways) make them known: type-2 MAC+IP routes
check "host 1's workload reaches its gateway 10.1.0.1" ip netns exec zl-h1b ping -c 2 -i 0.3 -W 5 10.1.0.1
check "host 2's workload reaches its gateway 10.2.0.1" ip netns exec zl-h2b ping -c 2 -i 0.3 -W 5 10.2.0.1
# host $1's EVPN routes from host $2: "TYPE PREFIX RT..." lines
routes_from() {
	evl_vtysh "$1" -c 'show bgp l2vpn evpn route json' |
		jq -r --arg ip "192.0.2.$2" '.[] | objects | to_entries[] | select(.key | startswith("[")) |
			.key as $k | .value.paths[][]? | select(.nexthops[0].ip == $ip) |
			"\($k) \(.extendedCommunity.string)"' | sort -u
}
has_route() { # HOST FROM TEXT...: a route of HOST from FROM whose line has every TEXT
	local lines t
	lines=$(routes_from "$1" "$2")
	shift 2
	for t in "$@"; do lines=$(grep -F -- "$t" <<<"$lines") || return 1; done
}
check "host 1 has host 2's type-5 route of 10.2.0.0/24, with the L3 VNI's RT" \
	evl_wait 60 has_route 1 2 '[5]:[0]:[24]:[10.2.0.0]' 'RT:64512:5100'
check "host 2 has host 1's type-5 route of 10.1.0.0/24" \
	evl_wait 60 has_route 2 1 '[5]:[0]:[24]:[10.1.0.0]' 'RT:64512:5100'
check "host 1 has host 2's type-2 route of its workload (MAC and IP, both VNIs' RTs)" \
	evl_wait 60 has_route 1 2 '[2]:[0]:[48]:[02:b1:00:00:00:02]:[32]:[10.2.0.20]' \
	'RT:64512:100' 'RT:64512:5100'
check "host 2 has host 1's type-2 route of its workload" \
	evl_wait 60 has_route 2 1 '[2]:[0]:[48]:[02:b1:00:00:00:01]:[32]:[10.1.0.10]' \
	'RT:64512:5100'
vrf_route() { ip -n "$(evl_ns "$1")" -j route show vrf ztvrf100 "$2" | jq -r '.[0] | "\(.gateway) \(.dev) \(.protocol)"'; }
route_is() { [ "$(vrf_route "$1" "$2")" = "$3" ]; }
evl_wait 30 route_is 1 10.2.0.20 "192.0.2.2 ztbr5100 bgp"
expect_eq "host 1's VRF routes 10.2.0.20 to host 2 through the L3 VNI's bridge" \
	"192.0.2.2 ztbr5100 bgp" "$(vrf_route 1 10.2.0.20)"
evl_wait 30 route_is 2 10.1.0.10 "192.0.2.1 ztbr5100 bgp"
expect_eq "host 2's VRF routes 10.1.0.10 to host 1 the same way" "192.0.2.1 ztbr5100 bgp" \
	"$(vrf_route 2 10.1.0.10)"
expect_eq "the hosts' own tables know nothing of the tenant's subnets" "" \
	"$(for i in 1 2; do ip -n "$(evl_ns "$i")" route show table main | grep -E '^10\.[12]\.'; done)"
allow_is() { [ "$(evl_allowlist "$1" "$2")" = "$3" ]; }
evl_wait 20 allow_is 1 5100 192.0.2.2
expect_eq "host 1: XDP allows host 2 for the L3 VNI (learned with VNI 100)" "192.0.2.2" \
	"$(evl_allowlist 1 5100)"

# ---- traffic ----

# The capture keeps VNI 5100 alone (the VXLAN header's VNI, udp[12:3]): the bridges'
# own traffic of VNI 100 (neighbour discovery, MLD) may cross at any time.
cap=$EVL_WORK/cap.txt
ip netns exec zl-h1 timeout 60 tcpdump -n -l -vv -i ul \
	'udp port 4789 and host 192.0.2.2 and (udp[12:4] & 0xffffff00) = 0x0013ec00' \
	>"$cap" 2>"$cap.err" &
cap_pid=$!
wait_until 10 grep -q "listening on" "$cap.err"
drops_before=$(evl_ztos 1 flows --json | jq '.counters.drops.vtep_not_allowed + .counters.drops.unknown_vni')
out=$(ip netns exec zl-h1b ping -c 3 -i 0.3 -W 5 10.2.0.20 2>&1)
check "host 1's workload (10.1.0.10) reaches host 2's (10.2.0.20), another subnet" \
	grep -q ' 0% packet loss' <<<"$out"
expect_eq "routed on both hosts (symmetric): TTL 64 - 2" "62 62 62" \
	"$(grep -o 'ttl=[0-9]*' <<<"$out" | cut -d= -f2 | paste -sd' ')"
on_wire() {
	grep -q 'vni 5100' "$cap" && grep -q '10.1.0.10 > 10.2.0.20: ICMP echo request' "$cap" &&
		grep -q '10.2.0.20 > 10.1.0.10: ICMP echo reply' "$cap"
}
check "on the wire: VXLAN with VNI 5100 carries them" wait_until 10 on_wire
on_wire || sed 's/^/# captured: /' "$cap"
kill "$cap_pid" 2>/dev/null
wait "$cap_pid" 2>/dev/null
expect_eq "XDP dropped none of them" "$drops_before" \
	"$(evl_ztos 1 flows --json | jq '.counters.drops.vtep_not_allowed + .counters.drops.unknown_vni')"
flow_tenants() {
	evl_ztos 1 flows --json | jq -r '[.flows[] | select([.src_ip, .dest_ip] | sort ==
		["10.1.0.10", "10.2.0.20"]) | "\(.tenant) \(.vni)"] | unique | join(",")'
}
expect_eq "the datapath holds it as tenant blue's: at the workload's port (VNI 100) and off the wire (L3 VNI 5100)" \
	"blue 100,blue 5100" "$(flow_tenants)"

# ---- gateways taken away ----

r=$(evl_api 1 POST /api/v1/network/configure --data '{"tenants": [{"name": "blue", "gateways": []}]}')
expect_eq "host 1: gateways removed over the API" 200 "$(status_of "$r")"
expect_eq "host 1: ztbr100 has no address left, and routes no more" "0 0" \
	"$(ip -n zl-h1 -j addr show dev ztbr100 | jq '[.[0].addr_info[] | select(.family == "inet")] | length') $(ip netns exec zl-h1 cat /proc/sys/net/ipv4/conf/ztbr100/forwarding)"
check "host 1's workload cannot reach host 2's any more" bash -c \
	"! ip netns exec zl-h1b ping -c 2 -i 0.3 -W 1 10.2.0.20"

# ---- cleanup ----

for i in 1 2; do
	evl_kill "$i" TERM
	evl_in "$i" "$ZTOSD" --cleanup --config "$(evl_dir "$i")/ztos.yaml" >/dev/null 2>&1
	expect_eq "host $i: --cleanup removed every device ztosd made, the L3 VNI's too" "" \
		"$(ip -n "$(evl_ns "$i")" -o link show | grep -oE 'zt(vrf|br|vx)[0-9]+' | sort -u | paste -sd' ')"
done
