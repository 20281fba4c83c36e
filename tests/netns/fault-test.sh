#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Failures in the middle of a change: one change (a new tenant with a VXLAN device, a
# bridge, FDB entries, a port with TC programs; a new VTEP and a deny rule for tenant
# blue) is refused at each step of agent_update in turn, by faults the agent injects
# (ZTOSD_FAULT, agent/fault.h: test only) and by real ones (a name taken by a device ztos
# does not own, a BPF map that refuses writes). After each refusal the kernel is as it
# was before: links (ip -d -j link), the FDB, the TC filters, the BPF control maps; the
# error names the object, the step and the reason. Then the change applies (so the
# comparison would see a change). Last, an agent killed while applying a large file is
# started again and converges to that file.
set -u
. "$(dirname "$0")/../lib.sh"
LAB_P=zr
BPFFS_PREFIX=ztos-rel-fault
. "$(dirname "$0")/lab.sh"

# Each fires once, in the order the refusals below expect them.
FAULTS="macsec:prepare:EINVAL,overlay:prepare,dpi:prepare:EBUSY"
FAULTS+=",macsec:apply:EBUSY,wireguard:apply:EBUSY,overlay:apply:ENOMEM,datapath:apply:EIO"
FAULTS+=",bgp:apply:EBUSY,dpi:apply:EIO,agent:commit"
FAULTS+=",netlink:1:ENOMEM,netlink:4:EBUSY,netlink:9:ENOMEM"
export ZTOSD_FAULT=$FAULTS
lab_setup
unset ZTOSD_FAULT
ip link add veth-green0 netns zr-a type veth peer name eth1 netns zr-wa
ip -n zr-a link set veth-green0 up
ip -n zr-wa link set eth1 up

CHANGE='{"tenants": [
  {"name": "green", "vni": 200, "vteps": ["192.0.2.2", "192.0.2.3"], "interfaces": ["veth-green0"],
   "subnets": ["10.200.0.0/24"], "policy": {"default": "allow", "rules": [{"action": "deny", "proto": "udp", "dport": 53}]}},
  {"name": "blue", "vteps": ["192.0.2.2", "192.0.2.4"],
   "policy": {"default": "allow", "rules": [{"action": "deny", "proto": "tcp", "dport": 9999}, {"action": "deny", "proto": "tcp", "dport": 23}]}}]}'

# The kernel's state, without what changes by itself (bridge timers, learned addresses).
links() {
	ip -n zr-a -d -j link show | jq -cS '[.[] | del(.operstate, .linkinfo.info_data.hello_timer,
		.linkinfo.info_data.tcn_timer, .linkinfo.info_data.topology_change_timer,
		.linkinfo.info_data.gc_timer, .linkinfo.info_slave_data.hold_timer,
		.linkinfo.info_slave_data.message_age_timer,
		.linkinfo.info_slave_data.forward_delay_timer)]'
}
fdb() { bridge -n zr-a -j fdb show | jq -cS '[.[] | select(.state == "permanent" or .state == "static")] | sort_by(.ifname, .mac, .dst)'; }
tcf() {
	local d
	for d in veth-blue0 veth-green0; do
		tc -n zr-a -j filter show dev "$d" ingress
		tc -n zr-a -j filter show dev "$d" egress
	done | jq -cS .
}
maps() {
	local m
	for m in tenants vteps policy ports dpi_target; do
		bpftool -j map dump pinned "$BPFFS/$m" | jq -cS 'sort_by(.key)'
	done
}
kstate() { printf '%s\n' "$(links)" "$(fdb)" "$(tcf)" "$(maps)"; }

# same_state BEFORE: the state now equals BEFORE, or the first lines that differ.
same_state() {
	local now
	now=$(kstate)
	if [ "$now" = "$1" ]; then
		return 0
	fi
	diff <(tr ',' '\n' <<<"$1") <(tr ',' '\n' <<<"$now") | head -n 20
	return 1
}

# refused NAME CODE PATTERN: the change refused with CODE, its error matching PATTERN
# (the object, the step, the reason), and nothing of it in the kernel.
REFUSALS=0
refused() {
	local name=$1 code=$2 pattern=$3 before r msg
	before=$(kstate)
	r=$(sock POST /api/v1/network/configure --data-binary "$CHANGE")
	msg=$(body_of "$r" | jq -r '[.error.message, (.error.details // [])[].message] | join(" | ")')
	echo "# $name: $msg"
	expect_eq "$name: refused ($code)" "$code" "$(status_of "$r")"
	check "$name: the error says where, which step and why" grep -qE -- "$pattern" <<<"$msg"
	if check "$name: the kernel is as it was (links, FDB, TC, BPF maps)" same_state "$before"; then
		REFUSALS=$((REFUSALS + 1))
	fi
}

refused "macsec prepare" 422 "macsec: prepare: fault injected \(ZTOSD_FAULT\): Invalid argument"
refused "overlay prepare" 422 "overlay: prepare: fault injected .*: Input/output error"
refused "dpi prepare" 422 "dpi: prepare: fault injected .*: Device or resource busy"
refused "macsec apply (undone: itself)" 422 "macsec: apply: fault injected .*: Device or resource busy"
refused "wireguard apply (undone: it and macsec)" 422 "wireguard: apply: fault injected .*: Device or resource busy"
refused "overlay apply (undone: the overlay's new devices)" 422 "overlay: apply: fault injected .*: Cannot allocate memory"
refused "datapath apply (undone: maps, TC, and the overlay)" 422 "datapath: apply: fault injected .*: Input/output error"
refused "bgp apply (undone: everything before it)" 422 "bgp: apply: fault injected .*: Device or resource busy"
refused "dpi apply (undone: everything)" 422 "dpi: apply: fault injected .*: Input/output error"
refused "out of memory at the commit (everything undone)" 500 "Cannot allocate memory"
# The netlink faults: the overlay's first, fourth and ninth request of the change fail as
# the kernel fails them; the overlay undoes the steps done before.
refused "netlink ENOMEM, first request (the overlay reads the kernel)" 422 \
	"overlay: read the links: Cannot allocate memory"
refused "netlink EBUSY, fourth request" 422 "\(tenant (green|blue)\): .*Device or resource busy.*ZTOSD_FAULT.*undone"
refused "netlink ENOMEM, ninth request (the datapath looks up the DPI link)" 422 \
	"DPI link: look up ztos-dpi0/ztos-dpi1: Cannot allocate memory.*ZTOSD_FAULT"

# A real collision: ztvx200 exists and is not ztos's (a bridge someone made).
ip -n zr-a link add ztvx200 type bridge
refused "ztvx200 taken by a device ztos did not make" 422 "ztvx200.*(not ztos|did not make|not made by ztos)"
check "that device is left alone (still a bridge, no alias)" bash -c \
	"ip -n zr-a -d -j link show ztvx200 | jq -e '.[0].linkinfo.info_kind == \"bridge\" and (.[0].ifalias // \"\") == \"\"'"
ip -n zr-a link del ztvx200

# Now the change applies: the state differs, and the green tenant is there.
before=$(kstate)
r=$(sock POST /api/v1/network/configure --data-binary "$CHANGE")
expect_eq "the change, without faults: applied (200)" 200 "$(status_of "$r")"
changed() { [ "$(kstate)" != "$before" ]; }
check "the kernel has changed (the comparison sees a change)" changed
check "tenant green's devices and port are there" bash -c \
	"ip -n zr-a link show ztvx200 >/dev/null && ip -n zr-a link show ztbr200 >/dev/null && [ \"\$(ip -n zr-a -j link show veth-green0 | jq -r '.[0].master')\" = ztbr200 ]"
green_in_kernel() {
	tc -n zr-a filter show dev veth-green0 ingress | grep -q ztos_tc_ingress &&
		bpftool -j map dump pinned "$BPFFS/tenants" | jq -e '[.[].formatted.key] | any(. == 200)' >/dev/null
}
check "green's TC programs and its VNI in the maps" green_in_kernel

# A BPF map that refuses writes (frozen: user space may no longer write it): a new VTEP
# is refused by the kernel; the overlay's FDB entry for it is undone too.
bpftool map freeze pinned "$BPFFS/vteps"
CHANGE='{"tenants": [{"name": "green", "vteps": ["192.0.2.2", "192.0.2.3", "192.0.2.9"]}]}'
refused "the vteps map refuses writes" 422 \
	"datapath: tenant (green|blue): allow VTEP 192\.0\.2\.[0-9]+ in VNI [0-9]+ \(write the vteps map\): Operation not permitted"
echo "# rollback_checks_passed=$REFUSALS"

# Killed while applying a large file (the agent kills itself, SIGKILL, between two
# sendmsg() of the overlay's batch): started again, it converges to the file.
agent_stop
rm -f "$SOCK" "$BPFFS/vteps"	# the frozen map goes; the next agent makes it again
ZTOSD_FAULT=netlink:1001:KILL start_agent_case "an agent that dies at the 1001st request" "${IN_A[@]}"
python3 - "$CONFIG" <<'PY' >"$WORK/big.yaml"
import sys
text = open(sys.argv[1]).read()
out = [text[:text.index("tenants:")] + "tenants:"]
for i in range(600):
    out.append("  - {name: t%d, vni: %d, vteps: [192.0.2.2, 192.0.2.3]}" % (i, 1000 + i))
print("\n".join(out))
PY
cp "$WORK/big.yaml" "$CONFIG"
kill -HUP "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
expect_eq "the agent died of SIGKILL in the reload of 600 tenants" 137 "$?"
AGENT_PID=
made=$(ip -n zr-a -o link show | grep -cE 'zt(vx|br)1[0-9]{3}')
check "it died in the middle ($made of the 1200 devices made)" test "$made" -gt 0 -a "$made" -lt 1200
unmarked=$(ip -n zr-a -d -j link show | jq '[.[] | select((.ifname | test("^zt(vx|br)[0-9]+$")) and ((.ifalias // "") | startswith("ztos:tenant=") | not))] | length')
expect_eq "no device it made is left without its mark" 0 "$unmarked"
rm -f "$SOCK"
start_agent_case "started again" "${IN_A[@]}"
owned() { ip -n zr-a -d -j link show | jq '[.[] | select((.ifalias // "") | startswith("ztos:tenant="))] | length'; }
conv() { [ "$(owned)" -eq 1200 ] && [ "$(bpftool -j map dump pinned "$BPFFS/tenants" | jq length)" -eq 600 ]; }
check "it converges to the file: 600 tenants' devices, 600 tenants in the map" wait_until 60 conv
check "no device of the tenants the file does not have (blue, green)" bash -c \
	"! ip -n zr-a link show ztvx100 2>/dev/null && ! ip -n zr-a link show ztbr200 2>/dev/null"
expect_eq "every tenant has its two FDB entries" 1200 \
	"$(bridge -n zr-a -j fdb show | jq '[.[] | select(.mac == "00:00:00:00:00:00" and (.ifname | startswith("ztvx1")))] | length')"
expect_eq "status: overlay and datapath running" "running running" \
	"$("${Z[@]}" status --json | jq -r '"\(.subsystems.overlay.state) \(.subsystems.datapath.state)"')"
echo "1..$_tap_n"
