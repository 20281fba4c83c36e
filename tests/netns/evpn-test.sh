#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# BGP L2EVPN end to end, on the host: three hosts in network namespaces, ztosd and its
# own FRR on each (zebra, bgpd, bfdd), iBGP through host 1 as route reflector, two
# tenants with the same subnet and NO static vteps. What is checked is what the kernel,
# FRR and the wire say: sessions (vtysh), type-3 and type-2 routes, the XDP allowlist
# (bpftool on the pinned map), traffic and captures, the drop counters.
set -u
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/evpn-lab.sh"

EVL_P=ze
EVL_N=3
EVL_WORK=$(mktemp -d /tmp/ztos-evpn.XXXXXX)
EVL_PEER_EXTRA=", bfd: true"
# host 3's FRR moves to pathspace ztos-ze-h3b and back (agent.frr.pathspace changed)
moved_down() {
	local p
	for p in /var/run/frr/ztos-ze-h3b/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
	rm -rf /var/run/frr/ztos-ze-h3b /etc/frr/ztos-ze-h3b
}
trap 'evl_teardown; moved_down; ip netns del ze-h9 2>/dev/null; ip netns del ze-h4 2>/dev/null' EXIT

check "lab: 3 hosts, a switch, a blue and a red workload per host" evl_up
for i in 1 2 3; do
	evl_config "$i"
	# host 2's blue with an RD of its own: given to its FRR at its first start; and its
	# peer with a BFD timing of its own
	[ "$i" -eq 2 ] && sed -i -e 's|{name: blue, vni: 100,|{name: blue, vni: 100, evpn: {rd: "192.0.2.2:100"},|' \
		-e 's|bfd: true}|bfd: {interval_ms: 200}}|' "$(evl_dir 2)/ztos.yaml"
	evl_start_case "$i"
done
expect_eq "no tenant has static vteps" "[] []" \
	"$(evl_ztos 1 network show --json | jq -c '.tenants[].vteps' | paste -sd' ')"

# ---- FRR under ztosd ----

st=$(evl_ztos 1 status --json)
expect_eq "status: FRR is ztos's own, in pathspace ztos-ze-h1" "own ztos-ze-h1" \
	"$(jq -r '.subsystems.bgp.frr | "\(.mode) \(.pathspace)"' <<<"$st")"
expect_eq "status: zebra's pid is its pid file's" "$(cat /var/run/frr/ztos-ze-h1/zebra.pid)" \
	"$(jq -r .subsystems.bgp.frr.daemons.zebra.pid <<<"$st")"
check "zebra, bgpd and bfdd run in host 1's network namespace" bash -c '
	for d in zebra bgpd bfdd; do
		p=$(cat /var/run/frr/ztos-ze-h1/$d.pid) || exit 1
		[ "$(readlink /proc/$p/ns/net)" = "$(ip netns exec ze-h1 readlink /proc/self/ns/net)" ] || exit 1
	done'

established() {
	local n
	n=$(evl_vtysh "$1" -c 'show bgp summary json' |
		jq '[.l2VpnEvpn.peers[]? | select(.state == "Established")] | length')
	[ "${n:-0}" -eq "$2" ]
}
check "host 1 (route reflector) has both sessions Established" evl_wait 90 established 1 2
check "host 2's session to the route reflector is Established" evl_wait 30 established 2 1
check "host 3's session to the route reflector is Established" evl_wait 30 established 3 1
# the API reads FRR at most once a second: it may be that second behind
api_peer_states() { evl_api 1 GET /api/v1/network | sed '$d' | jq -r '[.bgp.peers[].state] | join(" ")'; }
api_established() { [ "$(api_peer_states)" = "Established Established" ]; }
evl_wait 5 api_established
expect_eq "the API says so too (peers of host 1)" "Established Established" "$(api_peer_states)"

# type-3 (inclusive multicast) routes of VNI $2 on host $1, by originator
type3_from() {
	evl_vtysh "$1" -c "show bgp l2vpn evpn route vni $2 type multicast json" |
		jq -r '[.[] | objects | .paths[][]? | .ip] | unique | join(",")'
}
type3_is() { [ "$(type3_from "$1" "$2")" = "$3" ]; }
for i in 1 2 3; do
	for v in 100 200; do
		want=$(printf '192.0.2.%s\n' 1 2 3 | sort | paste -sd,)
		evl_wait 30 type3_is "$i" "$v" "$want"
		expect_eq "host $i has a type-3 route for VNI $v from every host" "$want" \
			"$(type3_from "$i" "$v")"
	done
done

# BFD: ztos's default timing for bfd: true (100 ms x 3), a peer's own where it gives one
bfd_at() { evl_vtysh "$1" -c 'show bfd peers json' | jq -r --arg p "$2" '.[] | select(.peer == $p) | "\(.status) \(."receive-interval") \(."transmit-interval") \(."detect-multiplier")"'; }
bfd_is() { [ "$(bfd_at "$1" "$2")" = "$3" ]; }
evl_wait 30 bfd_is 1 192.0.2.3 "up 100 100 3"
expect_eq "host 1: BFD with host 3 at ztos's default, 100 ms x 3" "up 100 100 3" "$(bfd_at 1 192.0.2.3)"
evl_wait 30 bfd_is 2 192.0.2.1 "up 200 200 3"
expect_eq "host 2: BFD with the route reflector at its peer's own 200 ms" "up 200 200 3" \
	"$(bfd_at 2 192.0.2.1)"
check "host 2: its own timing is a profile of its own (ztos-200x3)" bash -c \
	"vtysh -N ztos-ze-h2 -c 'show running-config' | grep -q '^ neighbor 192.0.2.1 bfd profile ztos-200x3$'"

check "host 2's FRR took blue's RD at its start" bash -c \
	"vtysh -N ztos-ze-h2 -c 'show running-config' | grep -q '^   rd 192.0.2.2:100$'"
rd_seen() { evl_vtysh 1 -c 'show bgp l2vpn evpn route type multicast json' | jq -e 'has("192.0.2.2:100")'; }
evl_wait 20 rd_seen
check "host 1 has host 2's blue type-3 route under that RD" rd_seen

allow_is() { [ "$(evl_allowlist "$1" "$2")" = "$3" ]; }
for i in 1 2 3; do
	for v in 100 200; do
		evl_wait 10 allow_is "$i" "$v" "$(evl_others "$i")"
		expect_eq "host $i: the XDP allowlist of VNI $v holds exactly the learned VTEPs" \
			"$(evl_others "$i")" "$(evl_allowlist "$i" "$v")"
	done
done
expect_eq "host 1: the API shows them with origin evpn" "evpn evpn evpn evpn" \
	"$(evl_api 1 GET /api/v1/network | sed '$d' | jq -r '[.tenants[].allowlist[].origin] | join(" ")')"
expect_eq "host 1: the allowlist's map values carry the EVPN origin bit (2)" "2" \
	"$(bpftool -j map dump pinned "$(evl_bpffs 1)/vteps" | jq -r '[.[].formatted.value] | unique | join(",")')"

# ---- traffic ----

check "blue on host 1 reaches blue on host 2" ip netns exec ze-h1b ping -c 3 -i 0.2 -W 2 10.0.0.2
check "blue on host 1 reaches blue on host 3" ip netns exec ze-h1b ping -c 3 -i 0.2 -W 2 10.0.0.3
check "red on host 1 reaches red on host 2" ip netns exec ze-h1r ping -c 3 -i 0.2 -W 2 10.0.0.2
check "red on host 1 reaches red on host 3" ip netns exec ze-h1r ping -c 3 -i 0.2 -W 2 10.0.0.3
expect_eq "the same 10.0.0.2 answers blue with blue's MAC" "02:b1:00:00:00:02" \
	"$(ip -n ze-h1b -j neigh show 10.0.0.2 | jq -r '.[0].lladdr')"
expect_eq "and red with red's MAC" "02:e1:00:00:00:02" \
	"$(ip -n ze-h1r -j neigh show 10.0.0.2 | jq -r '.[0].lladdr')"

# An address only red has: blue must not reach it, nor even be heard asking for it.
ip -n ze-h3r addr add 10.0.0.33/24 dev eth0
cap=$EVL_WORK/cap.txt
ip netns exec ze-h3r timeout 6 tcpdump -n -e -l -i eth0 arp and host 10.0.0.33 >"$cap" 2>"$cap.err" &
cap_pid=$!
evl_wait 5 grep -q "listening on" "$cap.err"
check "blue cannot reach an address only red has (10.0.0.33)" bash -c \
	"! ip netns exec ze-h1b ping -c 2 -i 0.3 -W 1 10.0.0.33"
check "red reaches it (the address is there)" ip netns exec ze-h1r ping -c 2 -i 0.3 -W 2 10.0.0.33
wait "$cap_pid"
expect_eq "red's workload heard red's ARP for it, never blue's" "0 1" \
	"$(grep -c '02:b1:' "$cap") $(grep -q '02:e1:00:00:00:01' "$cap" && echo 1 || echo 0)"

# the MACs of host $1's type-2 routes in VNI $2
type2_macs() {
	evl_vtysh "$1" -c "show bgp l2vpn evpn route vni $2 type macip json" |
		jq -r 'keys[] | select(startswith("[2]")) | capture("\\[48\\]:\\[(?<m>[0-9a-f:]+)\\]").m' |
		sort -u | paste -sd,
}
# the blue MACs of the hosts other than $1
blue_macs_but() {
	local j
	for j in 1 2 3; do [ "$j" -ne "$1" ] && echo "02:b1:00:00:00:0$j"; done | paste -sd,
}
has_type2() {
	local have m
	have=",$(type2_macs "$1" 100),"
	for m in ${2//,/ }; do [[ $have == *",$m,"* ]] || return 1; done
}
for i in 1 2 3; do
	evl_wait 20 has_type2 "$i" "$(blue_macs_but "$i")"
	check "after traffic, host $i has type-2 routes for the other hosts' blue MACs" \
		has_type2 "$i" "$(blue_macs_but "$i")"
done
expect_eq "host 1: the API counts the remote MACs of VNI 100 as zebra does" \
	"$(evl_vtysh 1 -c 'show evpn mac vni 100 json' | jq '[.macs[] | select(.type == "remote")] | length')" \
	"$(evl_api 1 GET /api/v1/network | sed '$d' | jq '.bgp.vnis[] | select(.vni == 100) | .macs_remote')"

# ---- a VTEP EVPN never announced ----

ip netns add ze-h9
ip link add ul netns ze-h9 type veth peer name p9 netns ze-sw
ip -n ze-sw link set p9 master br0 up
ip -n ze-h9 addr add 192.0.2.9/24 dev ul
ip -n ze-h9 link set ul up
forge() {
	ip netns exec ze-h9 /usr/bin/python3 - "$1" "$2" <<'PY'
import sys
from scapy.all import Ether, IP, UDP, ICMP, sendp, conf
from scapy.layers.vxlan import VXLAN
conf.verb = 0
vni, n = int(sys.argv[1]), int(sys.argv[2])
p = (Ether(dst="ff:ff:ff:ff:ff:ff") / IP(src="192.0.2.9", dst="192.0.2.1") /
     UDP(sport=40000, dport=4789) / VXLAN(vni=vni, flags=0x08) /
     Ether(src="02:99:00:00:00:99", dst="ff:ff:ff:ff:ff:ff") /
     IP(src="10.0.0.99", dst="10.0.0.1") / ICMP())
sendp(p, iface="ul", count=n)
PY
}
drops() { evl_ztos 1 flows --json | jq ".counters.drops.$1"; }
before=$(drops vtep_not_allowed)
forge 100 9
expect_eq "9 VXLAN packets from 192.0.2.9 (never announced) for VNI 100 are dropped in XDP" \
	$((before + 9)) "$(drops vtep_not_allowed)"
before=$(drops unknown_vni)
forge 300 4
expect_eq "4 for VNI 300 (no tenant here) are dropped as unknown VNI" $((before + 4)) \
	"$(drops unknown_vni)"
expect_eq "no flow was made of them" 0 \
	"$(evl_ztos 1 flows --json | jq '[.flows[] | select(.src_ip == "10.0.0.99")] | length')"

# ---- a tenant added through the API ----

r=$(evl_api 1 POST /api/v1/network/configure --data '{"tenants": [{"name": "green", "vni": 300}]}')
expect_eq "host 1: tenant green (VNI 300) added over the API" 200 "$(status_of "$r")"
rt300_from() {
	evl_vtysh "$1" -c 'show bgp l2vpn evpn route type multicast json' |
		jq -r '[.[] | objects | .[]? | objects | .paths[][]? |
			select(.extendedCommunity.string | test("RT:64512:300( |$)")) | .ip] | unique | join(",")'
}
rt300_is() { [ "$(rt300_from "$1")" = 192.0.2.1 ]; }
evl_wait 20 rt300_is 2
expect_eq "host 2 learns host 1's type-3 route for VNI 300" 192.0.2.1 "$(rt300_from 2)"
expect_eq "host 3: so does it" 192.0.2.1 "$(rt300_from 3)"
expect_eq "host 2 serves no VNI 300: no allowlist entry for it" "" "$(evl_allowlist 2 300)"
check "host 2: green added with the CLI" evl_ztos 2 network configure --tenant green --vni 300
check "host 2 allows host 1 for VNI 300 (learned)" evl_wait 10 allow_is 2 300 192.0.2.1
check "host 1 allows host 2 for VNI 300 (learned)" evl_wait 10 allow_is 1 300 192.0.2.2
expect_eq "host 3, without green, still has none" "" "$(evl_allowlist 3 300)"

# ---- static and learned side by side; the overlay leaves zebra's entries alone ----

# 192.0.2.9 static only; 192.0.2.1 static and announced by EVPN (the kernel has one entry)
check "host 3: static VTEPs 192.0.2.9 and 192.0.2.1 (which EVPN announces too) for blue" \
	evl_ztos 3 network configure --tenant blue --vtep 192.0.2.9 --vtep 192.0.2.1
expect_eq "host 3: blue's allowlist has both origins" \
	"192.0.2.1 static,192.0.2.2 evpn,192.0.2.9 static" \
	"$(evl_api 3 GET /api/v1/network | sed '$d' | jq -r '[.tenants[] | select(.name == "blue") | .allowlist[] | "\(.address) \(.origin)"] | sort | join(",")')"
fdb_dsts() {
	bridge -n "ze-h$1" -j fdb show dev "ztvx$2" | jq -r '[.[] | select(.mac == "00:00:00:00:00:00") | .dst] | sort | join(",")'
}
expect_eq "host 3: ztvx100 has zebra's flood entries and the static one" \
	"192.0.2.1,192.0.2.2,192.0.2.9" "$(fdb_dsts 3 100)"
r=$(evl_api 3 POST /api/v1/network/configure --data '{"tenants": [{"name": "blue", "vteps": []}]}')
expect_eq "host 3: blue back to no static vteps" 200 "$(status_of "$r")"
expect_eq "host 3: the overlay took its own entry only; zebra's stay (192.0.2.1 too)" \
	"192.0.2.1,192.0.2.2" "$(fdb_dsts 3 100)"
expect_eq "host 3: the allowlist is the learned VTEPs again" "192.0.2.1,192.0.2.2" \
	"$(evl_allowlist 3 100)"
expect_eq "host 3: 192.0.2.1 is learned now (origin evpn)" "192.0.2.1 evpn,192.0.2.2 evpn" \
	"$(evl_api 3 GET /api/v1/network | sed '$d' | jq -r '[.tenants[] | select(.name == "blue") | .allowlist[] | "\(.address) \(.origin)"] | sort | join(",")')"

# ---- status, metrics, CLI ----

m=$(curl -s --unix-socket "$(evl_sock 1)" http://localhost/metrics)
check "/metrics: ztos_bgp_peer_up is 1 for both peers of host 1" \
	test "$(grep -cE '^ztos_bgp_peer_up\{peer="192.0.2.[23]"\} 1$' <<<"$m")" -eq 2
check "/metrics: ztos_bgp_prefixes_received for a peer" \
	grep -qE '^ztos_bgp_prefixes_received\{peer="192.0.2.2"\} [1-9]' <<<"$m"
check "/metrics: ztos_evpn_remote_vteps of VNI 100 is 2" \
	grep -qE '^ztos_evpn_remote_vteps\{vni="100"\} 2$' <<<"$m"
check "/metrics: ztos_frr_daemon_up for bgpd" grep -qE '^ztos_frr_daemon_up\{daemon="bgpd"\} 1$' <<<"$m"
out=$(evl_ztos 1 network show --bgp)
check "ztos network show --bgp: a peers table with both sessions" \
	test "$(grep -cE '^192\.0\.2\.[23] +64512 +ibgp, rr-client +Established' <<<"$out")" -eq 2
check "ztos network show --bgp: VNI 100's remote VTEPs with origin" \
	grep -qE '^100 +blue +192\.0\.2\.[23] \(evpn\), 192\.0\.2\.[23] \(evpn\)' <<<"$out"
expect_eq "ztos network show --bgp --json: the bgp object" "64512 2" \
	"$(evl_ztos 1 network show --bgp --json | jq -r '"\(.asn) \(.peers | length)"')"

# ---- bad input ----

run_before=$(evl_vtysh 2 -c 'show running-config')
r=$(evl_api 2 POST /api/v1/network/configure --data '{"bgp": {"asn": 0}}')
expect_eq "ASN 0: 422 at bgp.asn" "422 bgp.asn" \
	"$(status_of "$r") $(body_of "$r" | jq -r '.error.details[0].location')"
r=$(evl_api 2 POST /api/v1/network/configure --data '{"bgp": {"asn": 4294967296}}')
check "ASN 4294967296: refused as out of range" grep -q "out of range" <<<"$(body_of "$r")"
r=$(evl_api 2 POST /api/v1/network/configure --data '{"bgp": {"peers": [{"address": "192.0.2.300", "asn": 64512}]}}')
expect_eq "peer 192.0.2.300: 422 at bgp.peers[1].address" "422 bgp.peers[1].address" \
	"$(status_of "$r") $(body_of "$r" | jq -r '.error.details[0].location')"
out=$(evl_ztos 2 network configure --bgp --peer 192.0.2.2 --as 64512 2>&1)
check "a peer that is this host: FRR's own words, with the line" grep -q \
	'FRR refused "neighbor 192.0.2.2 remote-as 64512": Can not configure the local system as neighbor' <<<"$out"
expect_eq "FRR's running config is as it was (nothing half-written)" "$run_before" \
	"$(evl_vtysh 2 -c 'show running-config')"
out=$(evl_ztos 2 network configure --bgp --peer 192.0.2.77 --as 64512 --dry-run)
check "dry run: the FRR lines to add" grep -qF '+  neighbor 192.0.2.77 remote-as 64512' <<<"$out"
expect_eq "dry run: FRR untouched" "$run_before" "$(evl_vtysh 2 -c 'show running-config')"
check "a peer that never answers (192.0.2.77) is accepted" \
	evl_ztos 2 network configure --bgp --peer 192.0.2.77 --as 64512
never() { evl_ztos 2 status --json | jq -e '.subsystems.bgp | .state == "degraded" and (.reason | test("peer 192.0.2.77 (Active|Connect|Idle|OpenSent)"))'; }
check "status: bgp degraded, naming the peer and FRR's state" evl_wait 20 never
expect_eq "its FRR state and last reset, as FRR says them" "true" \
	"$(evl_api 2 GET /api/v1/network | sed '$d' | jq '.bgp.peers[] | select(.address == "192.0.2.77") | (.state != "Established") and has("last_error")')"
check "the rest keeps working: blue on host 2 reaches host 1" \
	ip netns exec ze-h2b ping -c 2 -i 0.2 -W 2 10.0.0.1
check "and the peer goes again (--remove)" \
	evl_ztos 2 network configure --bgp --peer 192.0.2.77 --remove

# FRR missing: an agent of its own in ze-h4, with agent.frr.dir pointing nowhere
ip netns add ze-h4
ip link add ul netns ze-h4 type veth peer name ul-end netns ze-h4
ip -n ze-h4 addr add 192.0.2.4/24 dev ul
ip -n ze-h4 link set ul up
ip -n ze-h4 link set ul-end up; ip -n ze-h4 link set lo up
CONFIG_EXTRA="underlay: {interface: ul, address: 192.0.2.4, xdp_mode: generic}
tenants: [{name: blue, vni: 100}]
bgp: {asn: 64512, router_id: 192.0.2.4, peers: [{address: 192.0.2.1, asn: 64512}]}"
agent_setup
sed -i "s|^agent:|agent:\n  frr: {dir: /nonexistent/frr, pathspace: ztos-ze-h4}|" "$CONFIG"
trap 'agent_teardown; evl_teardown; ip netns del ze-h9 2>/dev/null; ip netns del ze-h4 2>/dev/null' EXIT
start_agent_case "an agent whose FRR is not installed starts" nsenter --net=/run/netns/ze-h4
st=$("$ZTOS" --socket "$SOCK" status --json)
expect_eq "its bgp is an error naming what is missing" "error" "$(jq -r .subsystems.bgp.state <<<"$st")"
check "the reason says FRR is not installed, and where it looked" \
	grep -q "FRR is not installed: /nonexistent/frr/zebra" <<<"$(jq -r .subsystems.bgp.reason <<<"$st")"
expect_eq "the rest runs: overlay and datapath" "running running" \
	"$(jq -r '"\(.subsystems.overlay.state) \(.subsystems.datapath.state)"' <<<"$st")"
agent_stop
nsenter --net=/run/netns/ze-h4 "$ZTOSD" --cleanup --config "$CONFIG" >/dev/null 2>&1
agent_teardown
check "no FRR folder was made for it" test ! -e /var/run/frr/ztos-ze-h4

# ---- bgpd dies: restarted, and the allowlist rides it out ----

old=$(cat /var/run/frr/ztos-ze-h2/bgpd.pid)
kill -9 "$old"
lost=0
for _ in $(seq 150); do
	[ "$(evl_allowlist 2 100)" = "192.0.2.1,192.0.2.3" ] || lost=1
	new=$(cat /var/run/frr/ztos-ze-h2/bgpd.pid 2>/dev/null)
	[ -n "$new" ] && [ "$new" != "$old" ] && established 2 1 &&
		[ "$(fdb_dsts 2 100)" = "192.0.2.1,192.0.2.3" ] && break
	sleep 0.1
done
check "host 2: bgpd was started again (a new pid)" test -n "$new" -a "$new" != "$old"
expect_eq "host 2: its allowlist kept the VTEPs zebra dropped meanwhile" 0 "$lost"
expect_eq "host 2: zebra's flood entries are back" "192.0.2.1,192.0.2.3" "$(fdb_dsts 2 100)"
expect_eq "host 2: status counts the restart" 1 \
	"$(evl_ztos 2 status --json | jq .subsystems.bgp.frr.daemons.bgpd.restarts)"
check "host 2: the event log has it" grep -q '"action":"restart"' "$(evl_dir 2)/events.json"

# ---- SIGKILL of ztosd: FRR and its sessions stay ----

pids=$(cat /var/run/frr/ztos-ze-h1/{zebra,bgpd,bfdd}.pid | paste -sd,)
conns() { evl_vtysh 1 -c 'show bgp summary json' | jq -c '[.l2VpnEvpn.peers[] | .connectionsEstablished]'; }
c_before=$(conns)
evl_kill 1 KILL
check "after SIGKILL of host 1's ztosd, FRR's daemons run on" bash -c \
	"for p in ${pids//,/ }; do kill -0 \$p || exit 1; done"
check "and both sessions stay Established" established 1 2
check "host 2 still reaches host 1 (blue)" ip netns exec ze-h2b ping -c 2 -i 0.2 -W 2 10.0.0.1
# started again with syslog on, to a /dev/log of its own: its bgp events are seen there too
sed -i 's/syslog: false/syslog: true/' "$(evl_dir 1)/ztos.yaml"
EVL_SYSLOG="$EVL_WORK/syslog1.txt" check "ztosd starts again on host 1 (syslog on)" evl_start 1
expect_eq "it adopted the same daemons" "$pids" \
	"$(evl_ztos 1 status --json | jq -r '.subsystems.bgp.frr.daemons | [.zebra.pid, .bgpd.pid, .bfdd.pid] | map(tostring) | join(",")')"
expect_eq "no session was reset (connections established as before)" "$c_before" "$(conns)"
expect_eq "host 1: the allowlist is still exactly the learned VTEPs" "192.0.2.2,192.0.2.3" \
	"$(evl_allowlist 1 100)"

# ---- host 3's underlay cut: its VTEP leaves the others' allowlists ----

# host 1's bgp events, followed as Server-Sent Events over its API
curl -s -N --unix-socket "$(evl_sock 1)" \
	'http://localhost/api/v1/monitoring/logs?follow=1&event_type=bgp' >"$EVL_WORK/sse1.txt" &
sse_pid=$!
check "host 1: an SSE follower of the bgp events is set up" wait_until 10 sse_following \
	"$EVL_WORK/sse1.txt"
t0=$(date +%s%N)
ip -n ze-sw link set p3 down
gone() { [ "$(evl_allowlist 1 100)" = 192.0.2.2 ] && [ "$(evl_allowlist 2 100)" = 192.0.2.1 ]; }
evl_wait 20 gone
ms=$((($(date +%s%N) - t0) / 1000000))
check "host 3 cut off: its VTEP left hosts 1 and 2's allowlists in ${ms} ms (hold time 9 s, BFD 0.3 s)" \
	test "$ms" -lt 9000
check "and its routes left host 2's BGP table" bash -c "[ -z \"\$(vtysh -N ztos-ze-h2 -c 'show bgp l2vpn evpn route vni 100 type multicast json' | jq -r '.[] | objects | .paths[][]? | select(.ip == \"192.0.2.3\") | .ip')\" ]"
# the session's end and return, as events: in the event log, to the SSE follower, in syslog
# peer3_event UP [JQ]: host 1's events.json has a peer event of host 3 with "up" UP (and JQ)
peer3_event() {
	grep '"event_type":"bgp"' "$(evl_dir 1)/events.json" | jq -e --argjson up "$1" \
		"select(.bgp.action == \"peer\" and .bgp.peer == \"192.0.2.3\" and .bgp.up == \$up and ${2:-true})" >/dev/null
}
check "host 1: the event log says the session to host 3 went down, with FRR's reason (BFD)" \
	evl_wait 10 peer3_event false '.bgp.previous == "Established" and (.bgp.reason | test("BFD"))'
ip -n ze-sw link set p3 up
check "host 3 back: learned again by host 1" evl_wait 60 allow_is 1 100 192.0.2.2,192.0.2.3
check "host 1: the event log says the session is Established again" \
	evl_wait 20 peer3_event true '.bgp.state == "Established"'
kill "$sse_pid" 2>/dev/null
wait "$sse_pid" 2>/dev/null
expect_eq "SSE: the follower got both events (down, then up)" "false true" \
	"$(grep '^data: ' "$EVL_WORK/sse1.txt" | sed 's/^data: //' | jq -r 'select(.bgp.action == "peer" and .bgp.peer == "192.0.2.3") | .bgp.up' | paste -sd' ')"
check "syslog: the down event is there (MSGID bgp, the same JSON)" bash -c \
	"grep ' ztosd [0-9]* bgp - ' '$EVL_WORK/syslog1.txt' | sed 's/^[^{]*//' | jq -e 'select(.bgp.action == \"peer\" and .bgp.peer == \"192.0.2.3\" and (.bgp.up | not))' >/dev/null"

# ---- host 3's FRR pathspace changes: on a SIGHUP, then while ztosd is down ----

gone_pids() { # PIDS...: none runs (gone, or a zombie until init reaps it)
	local p
	for p in "$@"; do [ ! -e "/proc/$p" ] || grep -q 'State:.*Z' "/proc/$p/status" || return 1; done
}
established_in() { # PATHSPACE N: N sessions Established in that FRR
	[ "$(vtysh -N "$1" -c 'show bgp summary json' 2>/dev/null |
		jq '[.l2VpnEvpn.peers[]? | select(.state == "Established")] | length')" = "$2" ]
}
h3pids=$(cat /var/run/frr/ztos-ze-h3/*.pid | paste -sd' ')
sed -i 's/pathspace: ztos-ze-h3}/pathspace: ztos-ze-h3b}/' "$(evl_dir 3)/ztos.yaml"
kill -HUP "$(evl_pid 3)"
check "host 3: SIGHUP with agent.frr.pathspace ztos-ze-h3b: FRR runs there" \
	evl_wait 30 test -s /var/run/frr/ztos-ze-h3b/bgpd.pid
# shellcheck disable=SC2086
check "host 3: the daemons of ztos-ze-h3 are stopped" evl_wait 10 gone_pids $h3pids
check "host 3: and the folders of ztos-ze-h3 removed" evl_wait 10 \
	test ! -e /var/run/frr/ztos-ze-h3 -a ! -e /etc/frr/ztos-ze-h3
check "host 3: its session is Established again, from the new pathspace" \
	evl_wait 60 established_in ztos-ze-h3b 1
expect_eq "host 3: status names the new pathspace" "ztos-ze-h3b running" \
	"$(evl_ztos 3 status --json | jq -r '.subsystems.bgp | "\(.frr.pathspace) \(.state)"')"
check "host 3: the event log says FRR moved" \
	grep -q '"action":"move","result":"ok","detail":"FRR moved from pathspace ztos-ze-h3 to ztos-ze-h3b"' \
	"$(evl_dir 3)/events.json"
h3pids=$(cat /var/run/frr/ztos-ze-h3b/*.pid | paste -sd' ')
evl_kill 3 KILL
sed -i 's/pathspace: ztos-ze-h3b}/pathspace: ztos-ze-h3}/' "$(evl_dir 3)/ztos.yaml"
check "host 3: ztosd started again with the pathspace back to ztos-ze-h3" evl_start 3
# shellcheck disable=SC2086
check "host 3: it stopped the FRR it had left in ztos-ze-h3b" evl_wait 10 gone_pids $h3pids
check "host 3: and removed its folders" test ! -e /var/run/frr/ztos-ze-h3b -a ! -e /etc/frr/ztos-ze-h3b
check "host 3: its session is Established again, from ztos-ze-h3" \
	evl_wait 60 established_in ztos-ze-h3 1

# ---- bgp: removed from host 3 ----

h3pids=$(cat /var/run/frr/ztos-ze-h3/*.pid | paste -sd' ')
check "host 3: bgp removed with the CLI" evl_ztos 3 network configure --bgp --remove
check "host 3: its FRR daemons are stopped" bash -c "for p in $h3pids; do
	[ ! -e /proc/\$p ] || grep -q 'State:.*Z' /proc/\$p/status || exit 1; done"
check "host 3: and their folders gone" test ! -e /var/run/frr/ztos-ze-h3 -a ! -e /etc/frr/ztos-ze-h3
expect_eq "host 3: nothing learned is allowed any more" "" "$(evl_allowlist 3 100)"
expect_eq "host 3: status says bgp is not configured" "not configured" \
	"$(evl_ztos 3 status --json | jq -r .subsystems.bgp.state)"

# ---- cleanup ----

for i in 1 2 3; do
	d=$(evl_dir "$i")
	fpids=$(cat /var/run/frr/ztos-ze-h$i/*.pid 2>/dev/null | paste -sd' ')
	evl_kill "$i" TERM
	evl_in "$i" "$ZTOSD" --cleanup --config "$d/ztos.yaml" >"$d/cleanup.txt" 2>&1
	# gone, or a zombie until init reaps it (the daemons were never our children)
	check "host $i: --cleanup stops its FRR daemons" bash -c "for p in $fpids; do
		[ ! -e /proc/\$p ] || grep -q 'State:.*Z' /proc/\$p/status || exit 1; done"
	check "host $i: --cleanup removes /var/run/frr/ztos-ze-h$i and /etc/frr/ztos-ze-h$i" \
		test ! -e "/var/run/frr/ztos-ze-h$i" -a ! -e "/etc/frr/ztos-ze-h$i"
	check "host $i: --cleanup removes the pins" test ! -e "$(evl_bpffs "$i")"
done
