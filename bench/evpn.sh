#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# BGP EVPN convergence with ztosd and its FRR on hosts in network namespaces (the lab of
# tests/netns/evpn-lab.sh: a switch, iBGP through host 1 as route reflector). Figures:
#   evpn_converge_100_vni_s  3 hosts; hosts 2 and 3 serve VNIs 1000..1099; the same 100
#                            posted to host 1 in one POST /api/v1/network/configure:
#                            seconds until hosts 2 and 3 have host 1's type-3 route for
#                            each and 192.0.2.1 in each VNI's XDP allowlist
#   evpn_converge_1_vni_ms   one more VNI the same way (median of 5)
#   evpn_withdraw_ms         host 3's switch port down: until hosts 1 and 2 no longer
#                            allow 192.0.2.3 (default timers: hold 9 s), and
#   evpn_withdraw_bfd_ms     the same with BFD on every session (bfd: true: ztos's
#                            default, 100 ms x 3)
#   evpn_hosts, evpn_converge_all_s, evpn_rss_ztosd_mb, evpn_rss_frr_mb
#                            HOSTS hosts (default 8) with 100 VNIs each, all started at
#                            once: seconds until every host allows every other host for
#                            every VNI; resident memory per host (ztosd; zebra + bgpd)
# Usage: sudo flock /tmp/ztos-heavy.lock bench/evpn.sh [HOSTS]
set -eu
cd "$(dirname "$0")/.."
HOSTS=${1:-8}
PARTS=${2:-small,scale}	# which parts to run
B=${BUILD:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
ZTOSD=$B/ztosd
ZTOS=$B/ztos
if [ "$(id -u)" -ne 0 ]; then
	echo "bench/evpn.sh: network namespaces need root" >&2
	exit 1
fi
[ -x "$ZTOSD" ] || { echo "bench/evpn.sh: build ztosd first (make)" >&2; exit 1; }
. tests/netns/evpn-lab.sh

EVL_P=zb
EVL_WORKLOADS=0
EVL_TENANTS=
EVL_WORK=$(mktemp -d /tmp/ztos-bench-evpn.XXXXXX)
trap 'set +e; evl_teardown' EXIT

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# tenants VNIs A..B as YAML list items, or as a JSON list
vni_yaml() { local v; for v in $(seq "$1" "$2"); do echo "  - {name: t$v, vni: $v}"; done; }
vni_json() { seq "$1" "$2" | jq -R '{name: "t\(.)", vni: tonumber}' | jq -sc '{tenants: .}'; }

# how many of VNIs A..B host H allows VTEP ADDR for (one map dump)
allowed_count() {
	bpftool -j map dump pinned "$(evl_bpffs "$1")/vteps" 2>/dev/null |
		jq --argjson a "$2" --argjson b "$3" --arg ip "$4" '
			[.[] | select(.formatted.key.vni >= $a and .formatted.key.vni <= $b) |
			 .formatted.key.addr[0] | [. % 256, (. / 256 | floor) % 256,
			 (. / 65536 | floor) % 256, (. / 16777216 | floor)] | map(tostring) |
			 join(".") | select(. == $ip)] | length'
}
# how many type-3 routes host H has from ADDR for VNIs A..B
type3_count() {
	evl_vtysh "$1" -c 'show bgp l2vpn evpn route vni all json' |
		jq --argjson a "$2" --argjson b "$3" --arg ip "$4" '
			[to_entries[] | select((.key | tonumber) >= $a and (.key | tonumber) <= $b) |
			 .value | to_entries[] | select(.key | startswith("[3]")) |
			 .value.paths[][] | select(.ip == $ip)] | length'
}
# every host in HOSTS... allows ADDR for all of VNIs A..B, and has its type-3 routes
converged_on() {
	local a=$1 b=$2 ip=$3 want=$(($2 - $1 + 1)) h
	shift 3
	for h in "$@"; do
		[ "$(allowed_count "$h" "$a" "$b" "$ip")" -eq "$want" ] || return 1
	done
	for h in "$@"; do
		[ "$(type3_count "$h" "$a" "$b" "$ip")" -ge "$want" ] || return 1
	done
}
poll() {
	local deadline=$(($(now_ms) + $1 * 1000))
	shift
	until "$@"; do
		[ "$(now_ms)" -lt "$deadline" ] || return 1
		sleep 0.02
	done
}
established_all() {
	local h n
	for h in $(seq "$EVL_N"); do
		n=$(evl_vtysh "$h" -c 'show bgp summary json' |
			jq '[.l2VpnEvpn.peers[]? | select(.state == "Established")] | length')
		[ "${n:-0}" -eq $([ "$h" -eq 1 ] && echo $((EVL_N - 1)) || echo 1) ] || return 1
	done
}
post() { evl_api "$1" POST /api/v1/network/configure --data "$2" | tail -n 1; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# ---- 3 hosts ----

small() {
EVL_N=3
evl_up
for i in 1 2 3; do evl_config "$i"; evl_start "$i"; done
poll 120 established_all || { echo "bench/evpn.sh: sessions did not come up" >&2; exit 1; }
for i in 2 3; do [ "$(post "$i" "$(vni_json 1000 1099)")" = 200 ]; done
poll 120 converged_on 1000 1099 192.0.2.2 3 || { echo "bench/evpn.sh: 2 and 3 did not meet" >&2; exit 1; }

t0=$(now_ms)
[ "$(post 1 "$(vni_json 1000 1099)")" = 200 ]
poll 120 converged_on 1000 1099 192.0.2.1 2 3
conv100=$(($(now_ms) - t0))
echo "evpn_converge_100_vni_s $(echo "scale=2; $conv100 / 1000" | bc)"

for k in 1 2 3 4 5; do
	v=$((2000 + k))
	for i in 2 3; do [ "$(post "$i" "$(vni_json $v $v)")" = 200 ]; done
	poll 30 converged_on $v $v 192.0.2.2 3
	t0=$(now_ms)
	[ "$(post 1 "$(vni_json $v $v)")" = 200 ]
	poll 30 converged_on $v $v 192.0.2.1 2 3
	echo $(($(now_ms) - t0))
done >"$EVL_WORK/one.txt"
echo "evpn_converge_1_vni_ms $(median <"$EVL_WORK/one.txt")"

not_allowed() { [ "$(allowed_count 1 1000 1000 192.0.2.3)" -eq 0 ] && [ "$(allowed_count 2 1000 1000 192.0.2.3)" -eq 0 ]; }
cut_and_time() {
	local t0
	t0=$(now_ms)
	ip -n "$EVL_P-sw" link set p3 down
	poll 300 not_allowed
	echo $(($(now_ms) - t0))
	ip -n "$EVL_P-sw" link set p3 up
	poll 120 converged_on 1000 1099 192.0.2.3 1 2
}
echo "evpn_withdraw_ms $(cut_and_time)"

# BFD on every session, through the API: bfd: true takes ztos's default timing (100 ms x 3)
for i in $(seq 2 3); do
	[ "$(post 1 "{\"bgp\": {\"peers\": [{\"address\": \"192.0.2.$i\", \"bfd\": true}]}}")" = 200 ]
	[ "$(post "$i" '{"bgp": {"peers": [{"address": "192.0.2.1", "bfd": true}]}}')" = 200 ]
done
# host 1's 2 BFD sessions are up, at MS ms both ways
bfd_at() { [ "$(evl_vtysh 1 -c 'show bfd peers json' | jq --argjson ms "$1" '[.[] | select(.status == "up" and ."receive-interval" == $ms and ."remote-receive-interval" == $ms)] | length')" -eq 2 ]; }
poll 60 bfd_at 100
echo "evpn_withdraw_bfd_ms $(cut_and_time)"

evl_teardown
}

# ---- the scale point ----

scale() {
EVL_N=$HOSTS
EVL_START_S=120
EVL_WORK=$(mktemp -d /tmp/ztos-bench-evpn.XXXXXX)
EVL_TENANTS_YAML=$(vni_yaml 1000 1099)
evl_up
for i in $(seq "$EVL_N"); do evl_config "$i"; done
t0=$(now_ms)
for i in $(seq "$EVL_N"); do evl_start "$i"; done
all_allowed() {
	local h j
	for h in $(seq "$EVL_N"); do
		for j in $(seq "$EVL_N"); do
			[ "$j" -eq "$h" ] && continue
			[ "$(allowed_count "$h" 1000 1099 "192.0.2.$j")" -eq 100 ] || return 1
		done
	done
}
poll 600 all_allowed || { echo "bench/evpn.sh: $EVL_N hosts did not converge in 600 s" >&2; exit 1; }
convall=$(($(now_ms) - t0))
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
zt=0 fr=0
for i in $(seq "$EVL_N"); do
	zt=$((zt + $(rss_kb "$(evl_pid "$i")")))
	for d in zebra bgpd; do
		fr=$((fr + $(rss_kb "$(cat "/var/run/frr/ztos-$EVL_P-h$i/$d.pid")")))
	done
done
echo "evpn_hosts $EVL_N"
echo "evpn_converge_all_s $(echo "scale=2; $convall / 1000" | bc)"
echo "evpn_rss_ztosd_mb $(echo "scale=1; $zt / $EVL_N / 1024" | bc)"
echo "evpn_rss_frr_mb $(echo "scale=1; $fr / $EVL_N / 1024" | bc)"
# the route reflector's own view, for the extrapolation
echo "evpn_rr_routes $(evl_vtysh 1 -c 'show bgp l2vpn evpn summary json' | jq '[.peers[]?.pfxRcd] | add')"
echo "evpn_rr_rss_bgpd_mb $(echo "scale=1; $(rss_kb "$(cat /var/run/frr/ztos-$EVL_P-h1/bgpd.pid)") / 1024" | bc)"
}

if [[ ,$PARTS, == *,small,* ]]; then small; fi
if [[ ,$PARTS, == *,scale,* ]]; then scale; fi
