#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The overlay that ztosd makes over netlink, on two hosts (network namespaces), each with
# its own ztosd, and two tenants whose subnets overlap (10.0.0.0/24 both):
#
#   zo-b1 (blue 10.0.0.1)  zo-r1 (red 10.0.0.1)      zo-b2 (blue 10.0.0.2)  zo-r2 (red 10.0.0.2, .3)
#        | vb1                | vr1                        | vb2                | vr2
#   zo-h1: ztbr100[ztvx100]  ztbr200[ztvx200]    zo-h2: ztbr100[ztvx100]  ztbr200[ztvx200]
#          ul1 192.0.2.1 (MTU 1600) ============================ ul2 192.0.2.2
#
# Traffic crosses within a tenant and never between them; devices, FDB and bridge ports
# are as configured (ip -d link, bridge fdb, the API); a reload that drops a tenant
# removes exactly its devices; a name taken by a device that is not ztos's, and a step
# the kernel refuses, leave nothing half applied; a restart adopts (same ifindexes).
set -u
. "$(dirname "$0")/../lib.sh"

NS=(zo-h1 zo-h2 zo-b1 zo-r1 zo-b2 zo-r2)
W=$(mktemp -d /tmp/ztos-vxlan.XXXXXX)
declare -A PID CAP

host_dir() { echo "$W/h$1"; }
in_host() { local h=$1; shift; nsenter --net=/run/netns/zo-h"$h" "$@"; }
sock_of() { echo "$(host_dir "$1")/api.sock"; }

stop_agent() {
	[ -n "${PID[$1]:-}" ] || return 0
	kill -TERM "${PID[$1]}" 2>/dev/null
	wait "${PID[$1]}" 2>/dev/null
	PID[$1]=
}

teardown() {
	for h in 1 2; do
		[ -n "${PID[$h]:-}" ] && kill -KILL "${PID[$h]}" 2>/dev/null && wait "${PID[$h]}" 2>/dev/null
		[ -f "$(host_dir $h)/ztos.yaml" ] && [ -e /run/netns/zo-h$h ] &&
			in_host "$h" "$ZTOSD" --cleanup --config "$(host_dir $h)/ztos.yaml" >/dev/null 2>&1
	done
	for ns in "${NS[@]}"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "${KEEP_W:-}" ] || rm -rf "$W"
}
trap teardown EXIT

lab_up() {
	for ns in "${NS[@]}"; do ip netns del "$ns" 2>/dev/null; ip netns add "$ns" || return 1; done
	ip link add ul1 netns zo-h1 mtu 1600 type veth peer name ul2 netns zo-h2 mtu 1600 || return 1
	for h in 1 2; do
		ip link add vb$h netns zo-h$h type veth peer name eth0 netns zo-b$h || return 1
		ip link add vr$h netns zo-h$h type veth peer name eth0 netns zo-r$h || return 1
		ip -n zo-h$h addr add 192.0.2.$h/24 dev ul$h
		for l in lo ul$h vb$h vr$h; do ip -n zo-h$h link set "$l" up; done
		ip -n zo-b$h addr add 10.0.0.$h/24 dev eth0
		ip -n zo-r$h addr add 10.0.0.$h/24 dev eth0
	done
	ip -n zo-r2 addr add 10.0.0.3/24 dev eth0	# red only: blue must never reach it
	for ns in zo-b1 zo-r1 zo-b2 zo-r2; do
		# No IPv6 on workloads: router and neighbour solicitations would blur the counters.
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		ip -n "$ns" link set lo up
		ip -n "$ns" link set eth0 up
	done
}

# write_config H TENANTS: host H's config (the agent's files under $W/hH).
write_config() {
	local h=$1 d
	d=$(host_dir "$h")
	mkdir -p -m 700 "$d"
	cat >"$d/ztos.yaml" <<YAML
version: 1
agent:
  api: {listen: "", socket: $d/api.sock, token_file: $d/token}
  state_dir: $d/state
  bpffs: /sys/fs/bpf/ztos-vxlan-h$h-$$
  log: {file: $d/events.json, syslog: false}
underlay: {interface: ul$h, address: 192.0.2.$h, xdp_mode: native}
tenants:
$2
YAML
}

start_agent() {
	local h=$1 d
	d=$(host_dir "$h")
	rm -f "$d/api.sock"
	# nsenter execs ztosd: $! is the agent itself (a function in the background would be a subshell).
	nsenter --net=/run/netns/zo-h"$h" "$ZTOSD" --config "$d/ztos.yaml" --log-level debug \
		>>"$d/ztosd.log" 2>&1 &
	PID[$h]=$!
	for _ in $(seq 600); do
		[ -S "$d/api.sock" ] && return 0
		kill -0 "${PID[$h]}" 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/#   /' "$d/ztosd.log"
	return 1
}

api_get() { curl -s --unix-socket "$(sock_of "$1")" "http://localhost$2"; }
# configure H JSON: POST /api/v1/network/configure; prints the body, then the status.
configure() {
	curl -s -w '\n%{http_code}' --unix-socket "$(sock_of "$1")" -X POST \
		--data-binary "$2" http://localhost/api/v1/network/configure
}
ifindex() { ip -n zo-h"$1" -j link show "$2" 2>/dev/null | jq -r '.[0].ifindex // empty'; }
links() { ip -n zo-h"$1" -j link show | jq -r '.[].ifname' | sort | tr '\n' ' '; }
fdb_dsts() {
	bridge -n zo-h"$1" fdb show dev "$2" | sed -n 's/^00:00:00:00:00:00 dst \([^ ]*\) self permanent.*/\1/p' |
		sort | tr '\n' ' '
}
ports() { ip -n zo-h"$1" -j link show master "$2" | jq -r '.[].ifname' | sort | tr '\n' ' '; }
ping_ok() { ip netns exec "$1" ping -c 2 -i 0.2 -W 2 "$2" >/dev/null 2>&1; }

BLUE1="  - {name: blue, vni: 100, vteps: [192.0.2.2, 192.0.2.9], interfaces: [vb1], subnets: [10.0.0.0/24]}"
RED1="  - {name: red, vni: 200, vteps: [192.0.2.2], interfaces: [vr1], subnets: [10.0.0.0/24]}"
BLUE2="  - {name: blue, vni: 100, vteps: [192.0.2.1], interfaces: [vb2], subnets: [10.0.0.0/24], vrf: {table: 100}}"
RED2="  - {name: red, vni: 200, vteps: [192.0.2.1], interfaces: [vr2], subnets: [10.0.0.0/24]}"

check "lab: two hosts, four workloads, no VXLAN made by ip" lab_up
write_config 1 "$BLUE1
$RED1"
write_config 2 "$BLUE2
$RED2"
# Not through check: its subshell would lose PID[].
start_case() { if start_agent "$2"; then ok "$1"; else not_ok "$1"; exit 1; fi; }
start_case "ztosd starts on host 1" 1
start_case "ztosd starts on host 2" 2

# ---- devices as configured ----
vx=$(ip -n zo-h1 -j -d link show ztvx100 | jq -c '.[0]')
expect_eq "ztvx100: vxlan id 100 local 192.0.2.1 dstport 4789 dev ul1 nolearning" \
	"vxlan 100 192.0.2.1 4789 ul1 false" \
	"$(jq -r '.linkinfo | "\(.info_kind) \(.info_data.id) \(.info_data.local) \(.info_data.port) \(.info_data.link) \(.info_data.learning)"' <<<"$vx")"
expect_eq "ztvx100: MTU is the underlay's 1600 less 50" 1550 "$(jq -r .mtu <<<"$vx")"
expect_eq "ztvx100: in ztbr100, up, marked as ztos's" "ztbr100 UP ztos:tenant=blue" \
	"$(jq -r '"\(.master) \(.flags | map(select(. == "UP")) | .[0]) \(.ifalias)"' <<<"$vx")"
expect_eq "ztbr100 is a bridge marked as ztos's" "bridge ztos:tenant=blue" \
	"$(ip -n zo-h1 -j -d link show ztbr100 | jq -r '.[0] | "\(.linkinfo.info_kind) \(.ifalias)"')"
expect_eq "ztbr100's ports: the tenant's interface and its VXLAN device" "vb1 ztvx100 " \
	"$(ports 1 ztbr100)"
expect_eq "ztbr200's ports" "vr1 ztvx200 " "$(ports 1 ztbr200)"
expect_eq "bridge fdb: head-end replication of ztvx100 to each VTEP" "192.0.2.2 192.0.2.9 " \
	"$(fdb_dsts 1 ztvx100)"
expect_eq "bridge fdb: ztvx200 to its one VTEP" "192.0.2.2 " "$(fdb_dsts 1 ztvx200)"

net=$(api_get 1 /api/v1/network)
expect_eq "API: overlay running" running "$(jq -r .overlay.state <<<"$net")"
expect_eq "API: blue's devices with the kernel's ifindexes" \
	"ztvx100 $(ifindex 1 ztvx100) ztbr100 $(ifindex 1 ztbr100)" \
	"$(jq -r '.overlay.tenants[] | select(.name == "blue") | "\(.vxlan.name) \(.vxlan.ifindex) \(.bridge.name) \(.bridge.ifindex)"' <<<"$net")"
expect_eq "API: blue's FDB entries" "192.0.2.2 192.0.2.9" \
	"$(jq -r '[.overlay.tenants[] | select(.name == "blue") | .fdb[].dst] | sort | join(" ")' <<<"$net")"
expect_eq "API: blue's bridge ports" "vb1 ztvx100" \
	"$(jq -r '.overlay.tenants[] | select(.name == "blue") | .bridge.ports | sort | join(" ")' <<<"$net")"
expect_eq "API: status says the overlay runs" running \
	"$(api_get 1 /api/v1/status | jq -r .subsystems.overlay.state)"

# A VRF: made where the kernel has VRF; elsewhere reported, and the rest applied.
net2=$(api_get 2 /api/v1/network)
if [ "$(jq -r '.overlay.tenants[] | select(.name == "blue") | .vrf.supported' <<<"$net2")" = true ]; then
	expect_eq "VRF: ztvrf100 (table 100) holds ztbr100" "vrf 100 ztvrf100" \
		"$(ip -n zo-h2 -j -d link show ztvrf100 | jq -r '.[0].linkinfo | "\(.info_kind) \(.info_data.table)"') $(ip -n zo-h2 -j link show ztbr100 | jq -r '.[0].master')"
else
	check "no VRF in this kernel: the API says why" grep -q "kernel has no VRF support" \
		<<<"$(jq -r '.overlay.tenants[] | select(.name == "blue") | .vrf.reason' <<<"$net2")"
	check "no VRF in this kernel: the agent warned" grep -q "no VRF (table 100)" \
		"$(host_dir 2)/ztosd.log"
	expect_eq "no VRF in this kernel: the rest of blue applied on host 2" "vb2 ztvx100 " \
		"$(ports 2 ztbr100)"
fi

# ---- traffic: within a tenant, never between ----
check "blue: 10.0.0.1 -> 10.0.0.2 across VNI 100" ping_ok zo-b1 10.0.0.2
check "red: 10.0.0.1 -> 10.0.0.2 across VNI 200 (the same addresses)" ping_ok zo-r1 10.0.0.2
check "red: 10.0.0.3 (red only) is reachable from red" ping_ok zo-r1 10.0.0.3
# Captures on host 2's workloads while blue talks: every frame blue's workload sends
# (its ARP broadcasts included) must reach blue's other workload and none of red's.
mac_b1=$(ip -n zo-b1 -j link show eth0 | jq -r '.[0].address')
for ns in zo-b2 zo-r2; do
	capture_start cap "$ns" eth0 "$W/$ns.pcap" "ether src $mac_b1"
	CAP[$ns]=$cap
done
check "blue cannot reach 10.0.0.3, which only red has" bash -c "! ip netns exec zo-b1 ping -c 3 -i 0.2 -W 1 10.0.0.3"
ip -n zo-b1 neigh flush dev eth0
ip netns exec zo-b1 ping -c 5 -i 0.1 -W 1 10.0.0.2 >/dev/null 2>&1
# Flooded frames reach every port of the bridge at once: once blue's capture has them
# all, a leak into red's would be there too.
capture_wait "$W/zo-b2.pcap" 6
for ns in zo-b2 zo-r2; do capture_stop "${CAP[$ns]}"; done
seen() { pcap_frames "$W/$1.pcap"; }
check "blue's frames reached blue's workload on host 2 ($(seen zo-b2))" test "$(seen zo-b2)" -ge 6
expect_eq "not one of blue's frames (ARP broadcasts included) reached red's workload" 0 "$(seen zo-r2)"

# ---- restart adopts ----
before="$(ifindex 1 ztvx100) $(ifindex 1 ztbr100) $(ifindex 1 ztvx200) $(ifindex 1 ztbr200)"
stop_agent 1
expect_eq "after SIGTERM the overlay stays" "$before" \
	"$(ifindex 1 ztvx100) $(ifindex 1 ztbr100) $(ifindex 1 ztvx200) $(ifindex 1 ztbr200)"
start_case "ztosd starts again on host 1" 1
expect_eq "the restarted agent adopted every device (same ifindexes)" "$before" \
	"$(ifindex 1 ztvx100) $(ifindex 1 ztbr100) $(ifindex 1 ztvx200) $(ifindex 1 ztbr200)"
check "the restarted agent changed nothing" grep -q "the kernel has it all already" \
	"$(host_dir 1)/ztosd.log"
check "blue still crosses after the restart" ping_ok zo-b1 10.0.0.2

# ---- a reload without red removes exactly red's devices ----
links_before=$(links 1)
blue_before="$(ifindex 1 ztvx100) $(ifindex 1 ztbr100)"
write_config 1 "$BLUE1"
check "reload without red: the reload ends" sighup_wait "${PID[1]}" "$(host_dir 1)/api.sock"
expect_eq "reload without red: exactly ztbr200 and ztvx200 are gone" \
	"$(tr ' ' '\n' <<<"$links_before" | grep -vx 'ztbr200\|ztvx200' | grep . | tr '\n' ' ')" "$(links 1)"
expect_eq "reload without red: blue's devices untouched (same ifindexes)" "$blue_before" \
	"$(ifindex 1 ztvx100) $(ifindex 1 ztbr100)"
expect_eq "reload without red: vr1 is let go of, not deleted" "null" \
	"$(ip -n zo-h1 -j link show vr1 | jq -r '.[0].master // "null"')"
check "reload without red: host 2's red is untouched" test -n "$(ifindex 2 ztvx200)"
check "blue still crosses" ping_ok zo-b1 10.0.0.2

# ---- red back over the API, with a VTEP changed on blue ----
r=$(configure 1 '{"tenants": [{"name": "red", "vni": 200, "vteps": ["192.0.2.2"], "interfaces": ["vr1"]}, {"name": "blue", "vni": 100, "vteps": ["192.0.2.2"], "interfaces": ["vb1"]}]}')
expect_eq "configure red back and blue's VTEPs: 200" 200 "$(status_of "$r")"
expect_eq "red's devices are back, vr1 in ztbr200" "vr1 ztvx200 " "$(ports 1 ztbr200)"
expect_eq "blue's FDB lost 192.0.2.9 and kept 192.0.2.2" "192.0.2.2 " "$(fdb_dsts 1 ztvx100)"
expect_eq "blue's devices were changed, not remade" "$blue_before" \
	"$(ifindex 1 ztvx100) $(ifindex 1 ztbr100)"
check "red crosses again" ping_ok zo-r1 10.0.0.2

# ---- an interface that appears after the apply joins its bridge ----
r=$(configure 1 '{"tenants": [{"name": "blue", "interfaces": ["vb1", "vlate"]}]}')
expect_eq "configure blue with an interface that does not exist yet: 200" 200 "$(status_of "$r")"
ip -n zo-h1 link add vlate type veth peer name vlatep
for _ in $(seq 100); do
	[ "$(ip -n zo-h1 -j link show vlate | jq -r '.[0].master')" = ztbr100 ] && break
	sleep 0.1
done
expect_eq "vlate, made later, joined ztbr100 on its own" "vb1 vlate ztvx100 " "$(ports 1 ztbr100)"

# ---- a name ztos does not own: a clear error, nothing applied ----
ip -n zo-h2 link add ztvx300 type bridge
links_before=$(links 2)
r=$(configure 2 '{"tenants": [{"name": "green", "vni": 300, "vteps": ["192.0.2.1"]}]}')
expect_eq "tenant green (VNI 300) with ztvx300 taken: 422" 422 "$(status_of "$r")"
msg=$(body_of "$r" | jq -r '.error.message + " " + ([.error.details[]?.message] | join(" "))')
check "the error names ztvx300 and says it is not ztos's" grep -q "ztvx300 exists and is not ztos's" <<<"$msg"
expect_eq "nothing was applied: the links are as they were" "$links_before" "$(links 2)"
expect_eq "nothing was applied: the config has no green" "blue red" \
	"$(api_get 2 /api/v1/network | jq -r '[.tenants[].name] | join(" ")')"

# ---- the kernel refuses step k: steps 1..k-1 are undone ----
ip -n zo-h2 link add foo400 type vxlan id 400 local 192.0.2.2 dstport 4789 dev ul2
links_before=$(links 2)
r=$(configure 2 '{"tenants": [{"name": "green", "vni": 400, "vteps": ["192.0.2.1"]}]}')
expect_eq "tenant green (VNI 400, taken by foo400): 422 apply_failed" "422 apply_failed" \
	"$(status_of "$r") $(body_of "$r" | jq -r .error.code)"
msg=$(body_of "$r" | jq -r '.error.message')
check "the error names the object and the step" grep -q "ztvx400 (tenant green): create vxlan" <<<"$msg"
check "the error carries the kernel's extended ack" grep -q "kernel: .*VNI" <<<"$msg"
check "the error says the earlier step was undone" grep -q "1 earlier step undone" <<<"$msg"
expect_eq "ztbr400, made before the refusal, is gone again" "$links_before" "$(links 2)"

# ---- the datapath refuses after the overlay applied: the overlay is put back ----
ip -n zo-h1 link add ifb0 mtu 1600 type ifb && ip -n zo-h1 link set ifb0 up
r=$(configure 1 '{"underlay": {"interface": "ifb0", "address": "192.0.2.1", "xdp_mode": "native"}}')
expect_eq "an underlay where native XDP cannot attach: 422" 422 "$(status_of "$r")"
expect_eq "the VXLAN devices ride on ul1 again" "ul1 ul1" \
	"$(ip -n zo-h1 -j -d link show ztvx100 | jq -r '.[0].linkinfo.info_data.link') $(ip -n zo-h1 -j -d link show ztvx200 | jq -r '.[0].linkinfo.info_data.link')"
expect_eq "... with their FDB entries" "192.0.2.2 " "$(fdb_dsts 1 ztvx100)"
check "blue crosses after the refused change" ping_ok zo-b1 10.0.0.2

# ---- --cleanup removes ztos's devices and nothing else ----
stop_agent 1
links_before=$(links 1)
in_host 1 "$ZTOSD" --cleanup --config "$(host_dir 1)/ztos.yaml" >"$W/cleanup.txt" 2>&1
expect_eq "--cleanup removed exactly ztos's devices" \
	"$(tr ' ' '\n' <<<"$links_before" | grep -v '^zt\(vx\|br\|vrf\)[0-9]' | grep . | tr '\n' ' ')" "$(links 1)"
check "--cleanup said what it removed" grep -q "removed vxlan ztvx100" "$W/cleanup.txt"
stop_agent 2
in_host 2 "$ZTOSD" --cleanup --config "$(host_dir 2)/ztos.yaml" >/dev/null 2>&1
expect_eq "--cleanup on host 2 left the devices it does not own" "foo400 ztvx300" \
	"$(links 2 | tr ' ' '\n' | grep -E '^(zt|foo)' | tr '\n' ' ' | sed 's/ $//')"
