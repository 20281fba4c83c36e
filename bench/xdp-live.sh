#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# For information (no goal rests on it): packets per second through ztosd's XDP on a
# veth pair, native mode, with trafgen sending from the peer. On these 2-core machines
# the sender, not the receiver, is the limit. Prints:
#   live_foreign_vni_sender_pps, live_foreign_vni_drop_pps (dropped in XDP),
#   live_known_flow_sender_pps, live_known_flow_pps (classified in XDP, passed to the stack)
# Usage: sudo bench/xdp-live.sh [PACKETS]
set -eu
cd "$(dirname "$0")/.."
count=${1:-2000000}
command -v trafgen >/dev/null || scripts/deps.sh

. tests/lib.sh
. tests/netns/lab.sh
lab_setup >/dev/null

# trafgen's config: one frame, as bytes.
frame() {
	/usr/bin/python3 - "$1" <<'PY'
import sys
from scapy.all import Ether, IP, UDP, raw
from scapy.layers.vxlan import VXLAN
vni = int(sys.argv[1])
p = (Ether(dst="ff:ff:ff:ff:ff:ff") / IP(src="192.0.2.2", dst="192.0.2.1") /
     UDP(sport=40000, dport=4789) / VXLAN(vni=vni, flags=0x08) /
     Ether(src="02:00:00:00:99:02", dst="02:00:00:00:99:03") /
     IP(src="10.100.0.2", dst="10.100.0.77") / UDP(sport=1000, dport=2000) / (b"x" * 64))
print("{ " + ", ".join("0x%02x" % b for b in raw(p)) + " }")
PY
}

counter() { "${Z[@]}" flows --json --limit 1 | jq ".counters.$1"; }

# live NAME VNI COUNTER: send, and take the receiver's rate from ztos's own counter.
live() {
	local before after t0 t1
	frame "$2" >"$WORK/$1.cfg"
	before=$(counter "$3")
	t0=$(date +%s%N)
	ip netns exec "$LAB_P-b" trafgen -o ul-b -i "$WORK/$1.cfg" -n "$count" -q -P 1 >/dev/null 2>&1
	t1=$(date +%s%N)
	after=$(counter "$3")
	echo "$(( (after - before) * 1000000000 / (t1 - t0) )) $(( count * 1000000000 / (t1 - t0) ))"
}

read -r drop sent1 < <(live foreign 999 drops.unknown_vni)
read -r pass sent2 < <(live known 100 packets.allowed)
echo "live_foreign_vni_sender_pps $sent1"
echo "live_foreign_vni_drop_pps $drop"
echo "live_known_flow_sender_pps $sent2"
echo "live_known_flow_pps $pass"
