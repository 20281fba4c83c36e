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
# The lab's own checks speak TAP: shown only when one failed, with the reason. Not in a
# command substitution: the agent and the teardown trap must belong to this shell.
setup_log=$(mktemp)
lab_setup >"$setup_log" 2>&1 || true
setup=$(cat "$setup_log")
rm -f "$setup_log"
if grep -q '^not ok' <<<"$setup"; then
	printf '%s\n' "$setup" >&2
	echo "bench/xdp-live.sh: the lab did not come up (see above)" >&2
	exit 1
fi

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

counter() {
	local v
	v=$("${Z[@]}" flows --json --limit 1 | jq -e ".counters.$1") || {
		echo "bench/xdp-live.sh: no counter $1 from ztos flows --json" >&2
		return 1
	}
	echo "$v"
}

# send NAME: trafgen sends $count copies of NAME's frame from host B. trafgen gives up
# when its socket's send buffer is full at the moment it flushes its TX ring ("Flushing
# TX_RING failed: Resource temporarily unavailable"): inside a namespace it cannot raise
# the buffer (net.core.wmem_* are the host's), so now and then a run stops early.
send() {
	ip netns exec "$LAB_P-b" trafgen -o ul-b -i "$WORK/$1.cfg" -n "$count" -q -P 1 \
		>"$WORK/trafgen.txt" 2>&1
}

# live NAME VNI COUNTER: send, and take the receiver's rate from ztos's own counter; a
# run trafgen stopped early is not a figure: up to 5 tries.
live() {
	local before after t0 t1 try
	frame "$2" >"$WORK/$1.cfg"
	for try in 1 2 3 4 5; do
		before=$(counter "$3") || return 1
		t0=$(date +%s%N)
		if send "$1"; then
			t1=$(date +%s%N)
			after=$(counter "$3") || return 1
			echo "$(( (after - before) * 1000000000 / (t1 - t0) )) $(( count * 1000000000 / (t1 - t0) ))"
			return 0
		fi
		grep -q 'Flushing TX_RING failed: Resource temporarily unavailable' "$WORK/trafgen.txt" ||
			break
		echo "bench/xdp-live.sh: trafgen stopped early (send buffer full), try $try of 5" >&2
	done
	sed 's/^/bench\/xdp-live.sh: trafgen: /' "$WORK/trafgen.txt" >&2
	return 1
}

# Not read from a process substitution: a failure there would not stop the script.
out=$(live foreign 999 drops.unknown_vni)
read -r drop sent1 <<<"$out"
out=$(live known 100 packets.allowed)
read -r pass sent2 <<<"$out"
echo "live_foreign_vni_sender_pps $sent1"
echo "live_foreign_vni_drop_pps $drop"
echo "live_known_flow_sender_pps $sent2"
echo "live_known_flow_pps $pass"
