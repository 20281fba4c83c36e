#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# ztosd killed with SIGKILL and started again while traffic crosses an allowed VNI
# every 10 ms: the XDP link and the maps are pinned, so not one packet is lost, and
# the new agent adopts them: the flow counters go on from where they were.
set -u
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lab.sh"

lab_setup
ip netns exec zt-wa ping -c 3 -W 2 10.100.0.2 >/dev/null

flow_pkts() {
	"${Z[@]}" flows --json --tenant blue |
		jq '[.flows[] | select(.proto=="ICMP" and .dest_ip=="10.100.0.2") | .pkts_toserver] | max // 0'
}

# 600 echo requests, one every 10 ms; the agent dies and comes back in the middle.
ip netns exec zt-wa ping -i 0.01 -c 600 -W 1 10.100.0.2 >"$WORK/ping.txt" 2>&1 &
ping_pid=$!
sleep 1.5
before=$(flow_pkts)
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=
expect_eq "after SIGKILL, XDP is still attached" ztos_xdp_ingress "$(xdp_prog zt-a ul-a)"
sleep 0.5
rm -f "$SOCK"
start_agent_case "ztosd starts again" "${IN_A[@]}"
check "the new agent adopted the XDP link" grep -q "adopted from the previous agent" "$WORK/ztosd.log"
after=$(flow_pkts)
check "flow counters went on from where they were ($before -> $after)" test "$after" -gt "$before"
wait "$ping_pid"
sent=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1/p' "$WORK/ping.txt")
recv=$(sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\2/p' "$WORK/ping.txt")
expect_eq "600 pings sent every 10 ms across the restart" 600 "$sent"
expect_eq "no ping lost across SIGKILL and restart" "$sent" "$recv"
final=$(flow_pkts)
check "the flow counted all of them ($final >= 600)" test "$final" -ge 600
