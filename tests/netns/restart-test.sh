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

# An echo request every 10 ms, from before the agent dies until well after it is back.
stream_start
check "traffic crosses before the kill" more_replies 100
before=$(flow_pkts)
kill -KILL "$AGENT_PID"
wait "$AGENT_PID" 2>/dev/null
AGENT_PID=
expect_eq "after SIGKILL, XDP is still attached" ztos_xdp_ingress "$(xdp_prog zt-a ul-a)"
check "traffic crosses while no agent runs" more_replies 50
rm -f "$SOCK"
start_agent_case "ztosd starts again" "${IN_A[@]}"
check "the new agent adopted the XDP link" grep -q "adopted from the previous agent" "$WORK/ztosd.log"
after=$(flow_pkts)
check "flow counters went on from where they were ($before -> $after)" test "$after" -gt "$before"
check "traffic crosses after the restart" more_replies 100
stream_stop
check "the stream surrounded the restart ($STREAM_GOT replies)" test "$STREAM_GOT" -ge 250
echo "# restart_lost_packets=$STREAM_LOST"
expect_eq "no ping lost across SIGKILL and restart (seq $STREAM_FIRST..$STREAM_LAST)" 0 "$STREAM_LOST"
final=$(flow_pkts)
check "the flow counted every request sent ($final >= $STREAM_SENT + 3)" \
	test "$final" -ge $((STREAM_SENT + 3))
