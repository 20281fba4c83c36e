#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Upgrades while traffic crosses an allowed VNI every 10 ms, not one packet lost:
#   1. SIGTERM, then another ztosd binary (the same sources built as another version,
#      make test-builds): it adopts the XDP link, the maps, the overlay's devices;
#   2. SIGTERM, then a ztosd whose flow and tenant counter values have one more field
#      (TEST_LAYOUT): it migrates those two pinned maps (old bytes kept, the new field
#      zero) and adopts the rest unchanged; flows and counters go on;
#   3. the older build started over the newer maps: the datapath refuses them with an
#      error that says why and what to do, and changes nothing (the newer programs keep
#      the traffic going); the newer build started again adopts them;
#   4. a start with another flow_table_size, over the LRU hash flows4 a ztos before
#      flowtab4 kept its IPv4 flows in: flowtab4 rehashed into a table of the new size,
#      flows4's flows moved into it and its pin gone; the flows go on.
# ztosd --cleanup removes whatever layout it finds (the lab's teardown).
set -u
. "$(dirname "$0")/../lib.sh"
LAB_P=zr
BPFFS_PREFIX=ztos-rel-upgrade
. "$(dirname "$0")/lab.sh"

OLD=$ZTOSD
UPGRADE=$BUILD_DIR-upgrade/ztosd
LAYOUT=$BUILD_DIR-layout/ztosd
for b in "$UPGRADE" "$LAYOUT"; do
	if [ ! -x "$b" ]; then
		not_ok "$b is built (make test-builds; make test builds it)"
		exit 1
	fi
done

lab_setup
ip netns exec zr-wa ping -c 3 -W 2 10.100.0.2 >/dev/null

flow_pkts() {
	"${Z[@]}" flows --json --tenant blue |
		jq '[.flows[] | select(.proto=="ICMP" and .dest_ip=="10.100.0.2") | .pkts_toserver] | max // 0'
}
tenant_pkts() { "${Z[@]}" flows --json | jq '.counters.tenants.blue.packets // 0'; }
n_flows() { "${Z[@]}" flows --json | jq .flow_table_entries; }
map_info() { bpftool -j map show pinned "$BPFFS/$1" | jq -r "$2"; }
map_dump() { bpftool -j map dump pinned "$BPFFS/$1" | jq -cS 'sort_by(.key)'; }
ifindexes() {
	local l
	for l in ztvx100 ztbr100 veth-blue0 ul-a ztos-dpi0; do
		printf '%s=%s ' "$l" "$(ip -n zr-a -j link show "$l" | jq '.[0].ifindex')"
	done
}
link_id() { bpftool -j link show pinned "$BPFFS/link_xdp_ul-a" | jq .id; }
map_ids() {
	local m
	for m in tenants vteps policy ports stats dpi_target flows flowtab4 flow_seed tenant_stats; do
		printf '%s=%s ' "$m" "$(map_info "$m" .id)"
	done
}
version() { "${Z[@]}" status --json | jq -r .version; }

# An echo request every 10 ms from before the first stop to after the last start.
stream_start
check "traffic crosses before the upgrade" more_replies 100

# stop_then NAME BINARY: SIGTERM, traffic crosses while no agent runs, BINARY started.
stop_then() {
	agent_stop
	expect_eq "$1: after SIGTERM, XDP is still attached" ztos_xdp_ingress "$(xdp_prog zr-a ul-a)"
	check "$1: traffic crosses while no agent runs" more_replies 50
	rm -f "$SOCK"
	: >"$WORK/ztosd.log"
	ZTOSD=$2
	start_agent_case "$1: $(basename "$(dirname "$2")")/ztosd starts" "${IN_A[@]}"
	ZTOSD=$OLD
}

# 1. Another binary, the same layout: everything adopted as it is.
ifx=$(ifindexes) lid=$(link_id) ids=$(map_ids)
ctl=$(for m in tenants vteps policy ports; do map_dump $m; done)
before=$(flow_pkts)
stop_then "upgrade" "$UPGRADE"
expect_eq "upgrade: the new agent says its version" "$(version)" "$("$OLD" --version 2>/dev/null | awk '{print $NF}' | sed 's/$/+upgrade/')"
check "upgrade: it adopted the XDP link" grep -q "XDP on ul-a adopted from the previous agent" "$WORK/ztosd.log"
expect_eq "upgrade: the same XDP link (its program swapped in place)" "$lid" "$(link_id)"
expect_eq "upgrade: the same devices (ifindexes)" "$ifx" "$(ifindexes)"
expect_eq "upgrade: the same maps (ids)" "$ids" "$(map_ids)"
expect_eq "upgrade: tenants, VTEPs, policy and ports as they were" "$ctl" \
	"$(for m in tenants vteps policy ports; do map_dump $m; done)"
check "upgrade: no overlay device was made or changed" bash -c \
	"! grep -qE 'overlay: .*(created|changed|deleted|added)' '$WORK/ztosd.log'"
after=$(flow_pkts)
check "upgrade: the flow's counters went on ($before -> $after)" test "$after" -gt "$before"
check "upgrade: traffic crosses after it" more_replies 100

# 2. A build whose flow and tenant counter values have one more field.
fsize=$(map_info flows .bytes_value) tsize=$(map_info tenant_stats .bytes_value)
fid=$(map_info flows .id) tid=$(map_info tenant_stats .id)
nf=$(n_flows) before=$(flow_pkts) tbefore=$(tenant_pkts)
ifx=$(ifindexes) lid=$(link_id)
keep=$(for m in tenants vteps policy ports dpi_target stats; do printf '%s=%s ' $m "$(map_info $m .id)"; done)
ctl=$(for m in tenants vteps policy ports; do map_dump $m; done)
stop_then "layout change" "$LAYOUT"
check "layout change: the agent says it migrated flows" \
	grep -qE "map flows migrated from another layout \(value $fsize -> $((fsize + 8)) bytes" "$WORK/ztosd.log"
check "layout change: and tenant_stats" \
	grep -qE "map tenant_stats migrated from another layout \(value $tsize -> $((tsize + 8)) bytes" "$WORK/ztosd.log"
expect_eq "layout change: flows is this build's (value $((fsize + 8)) bytes)" $((fsize + 8)) \
	"$(map_info flows .bytes_value)"
expect_eq "layout change: tenant_stats is this build's (value $((tsize + 8)) bytes)" $((tsize + 8)) \
	"$(map_info tenant_stats .bytes_value)"
check "layout change: flows and tenant_stats are new maps ($fid, $tid)" bash -c \
	"[ $(map_info flows .id) != $fid ] && [ $(map_info tenant_stats .id) != $tid ]"
expect_eq "layout change: the maps of the same layout are the same maps" "$keep" \
	"$(for m in tenants vteps policy ports dpi_target stats; do printf '%s=%s ' $m "$(map_info $m .id)"; done)"
expect_eq "layout change: tenants, VTEPs, policy and ports as they were" "$ctl" \
	"$(for m in tenants vteps policy ports; do map_dump $m; done)"
check "layout change: every flow kept ($nf before)" test "$(n_flows)" -ge "$nf"
after=$(flow_pkts)
check "layout change: the flow's counters went on ($before -> $after)" test "$after" -gt "$before"
check "layout change: tenant blue's counters went on ($tbefore -> $(tenant_pkts))" \
	test "$(tenant_pkts)" -gt "$tbefore"
expect_eq "layout change: the new field is zero in every migrated flow" 0 \
	"$(bpftool -j map dump pinned "$BPFFS/flows" | jq '[.[].formatted.value.test_field[]] | add // 0')"
expect_eq "layout change: the same XDP link" "$lid" "$(link_id)"
expect_eq "layout change: the same devices (ifindexes)" "$ifx" "$(ifindexes)"
check "layout change: no old pin left behind" bash -c "! ls '$BPFFS' | grep -q migrating"
check "layout change: traffic crosses after it" more_replies 100

# 3. The older build over the newer maps: refused, nothing changed.
ids=$(map_ids) lid=$(link_id)
stop_then "downgrade" "$OLD"
st=$("${Z[@]}" status --json)
expect_eq "downgrade: the datapath is in error" error "$(jq -r .subsystems.datapath.state <<<"$st")"
reason=$(jq -r .subsystems.datapath.reason <<<"$st")
echo "# $reason"
says_why() {
	grep -qF "pinned map $BPFFS/flows (value $((fsize + 8)) bytes" <<<"$reason" &&
		grep -qF "cannot become this build's (value $fsize bytes" <<<"$reason" &&
		grep -qF "would cut them" <<<"$reason" && grep -qF "ztosd --cleanup" <<<"$reason"
}
check "downgrade: the reason names the map, both layouts, why and what to do" says_why
expect_eq "downgrade: every map as it was (ids)" "$ids" "$(map_ids)"
expect_eq "downgrade: the XDP link as it was" "$lid" "$(link_id)"
check "downgrade: no old pin left behind" bash -c "! ls '$BPFFS' | grep -q migrating"
check "downgrade: traffic crosses (the newer programs still run)" more_replies 100
stop_then "the newer build again" "$LAYOUT"
expect_eq "the newer build again: datapath running" running \
	"$("${Z[@]}" status --json | jq -r .subsystems.datapath.state)"
check "the newer build again: nothing to migrate" bash -c "! grep -q migrated '$WORK/ztosd.log'"
expect_eq "the newer build again: the same maps" "$ids" "$(map_ids)"
check "the newer build again: traffic crosses" more_replies 100

# 4. Twice the flow table, and the IPv4 flows of a ztos before flowtab4 (an LRU hash
# flows4, made here as it made it, with one flow: 10.100.0.1:80 <-> 10.100.0.9:5555).
nf=$(n_flows) before=$(flow_pkts) lid=$(link_id)
agent_stop
sed -i 's/flow_table_size: 65536/flow_table_size: 131072/' "$CONFIG"
check "bigger table: an older ztos's flows4 made" bpftool map create "$BPFFS/flows4" \
	type lru_hash key 16 value 64 entries 1024 name flows4
old_flow=$(python3 -c '
import struct, time
t = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
k = struct.pack("<I", 100 << 8 | 6) + bytes([10, 100, 0, 1, 10, 100, 0, 9]) + struct.pack("<HH", 80, 5555)
v = struct.pack("<QQQQQQIIBBB5x", 7, 0, 700, 0, t, t + 600 * 10**9, 0, 0, 1, 1, 0x02)
print("key hex", k.hex(" "), "value hex", v.hex(" "))')
# shellcheck disable=SC2086
check "bigger table: one flow in it" bpftool map update pinned "$BPFFS/flows4" $old_flow
stop_then "bigger table" "$LAYOUT"
check "bigger table: flowtab4 migrated into twice the buckets, its flows kept" grep -qE \
	"map flowtab4 migrated from another layout \(value [0-9]+ -> [0-9]+ bytes, 8192 -> 16384 entries\): [1-9][0-9]* entries kept" \
	"$WORK/ztosd.log"
expect_eq "bigger table: flowtab4 and flows have the new size" "16384 131072" \
	"$(map_info flowtab4 .max_entries) $(map_info flows .max_entries)"
check "bigger table: the older ztos's flow moved into flowtab4" \
	grep -qF "1 IPv4 flows of an older ztos moved from $BPFFS/flows4 into flowtab4" "$WORK/ztosd.log"
check "bigger table: flows4's pin is gone" test ! -e "$BPFFS/flows4"
expect_eq "bigger table: ztos flows shows it, its counts as they were" "7 700" \
	"$("${Z[@]}" flows --json --tenant blue | jq -r '.flows[] | select(.proto == "TCP" and ([.src_port, .dest_port] | sort) == [80, 5555]) | "\(.pkts_toserver + .pkts_toclient) \(.bytes_toserver + .bytes_toclient)"')"
check "bigger table: every flow kept ($nf before, and the moved one)" test "$(n_flows)" -ge $((nf + 1))
after=$(flow_pkts)
check "bigger table: the flow's counters went on in the new table ($before -> $after)" \
	test "$after" -gt "$before"
expect_eq "bigger table: the same XDP link" "$lid" "$(link_id)"
check "bigger table: no old pin left behind" bash -c "! ls '$BPFFS' | grep -q migrating"
check "bigger table: traffic crosses" more_replies 100

stream_stop
check "the stream surrounded the five starts ($STREAM_GOT replies)" test "$STREAM_GOT" -ge 1000
echo "# upgrade_lost_packets=$STREAM_LOST"
expect_eq "no ping lost across the upgrades, the refused downgrade and the bigger table (seq $STREAM_FIRST..$STREAM_LAST)" \
	0 "$STREAM_LOST"
echo "1..$_tap_n"
