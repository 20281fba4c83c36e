#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The DPI pipeline at the sender's full rate: trafgen in a workload namespace sends
# HTTP-like TCP frames into a tenant port whose policy inspects tcp/80; ztosd's TC
# copies each into the mirror's ring buffer (dpi.transport: ring; or clones it to the
# DPI link, afxdp), its reader batches them and the engine scans them
# (verdicts included: the rules match nothing of this traffic, so nothing is blocked and
# every frame keeps coming). Run twice: with the cpu engine (Hyperscan) for the rate and
# the loss, and with the noop engine for the CPU time outside the engine. Prints:
#   pipeline_sender_kpps   what trafgen put on the wire
#   allow_sender_kpps, inspect_sender_kpps   the sender's best rate to an allowed port
#                          and to the inspected one, in turns in this run, transport ring;
#                          inspect_vs_allow_rate_ratio, mirror_extra_ns_per_frame from them
#   inspect_loss_pct       copies lost in the best inspect run: (sent - scanned) / sent
#   inspect_mirror_failed  copies TC could not hand on (the ring full), both runs
#   afxdp_*                the six figures above with dpi.transport afxdp, in the same
#                          run (first): the clone over the DPI link to AF_XDP
#   everything below is with the ring:
#   inspect_depth_bytes, inspect_depth_allow_sender_kpps, inspect_depth_sender_kpps,
#   inspect_depth_vs_allow_rate_ratio, inspect_depth_copied_pct, inspect_depth_loss_pct
#                          the same in turns with dpi.inspect_depth (BENCH_INSPECT_DEPTH,
#                          65536 by default) on flows new to each run: the best rates,
#                          the share of frames copied and the copies lost in the best run
#   pipeline_kpps          frames the engine was handed, per second of sending
#   pipeline_loss_pct      (sent - scanned) / sent, every loss on the way counted
#   pipeline_overhead_ns   reader CPU time per frame outside the engine (noop engine),
#                          as perf's task-clock of the reader thread counts it
#   pipeline_overhead_sched_ns  the same from the thread's CPU clock (status'
#                          reader_cpu_ns), which on a kernel without
#                          IRQ_TIME_ACCOUNTING also holds the interrupt and softirq time
#                          that ran while the reader was the current task
# Called by bench/dpi.sh; alone: sudo bench/dpi-pipeline.sh [FRAMES]
set -eu
cd "$(dirname "$0")/.."
count=${1:-2000000}
command -v trafgen >/dev/null || scripts/deps.sh

. tests/lib.sh
# BENCH_NS: the namespaces' prefix, for runs beside another agent's (zdp-bench by default)
NS_A=${BENCH_NS:-zdp-bench}-a
NS_S=${BENCH_NS:-zdp-bench}-s
IN_A=(nsenter --net=/run/netns/$NS_A)

down() {
	ip netns del $NS_A 2>/dev/null || true
	ip netns del $NS_S 2>/dev/null || true
}

config() {
	sed -i '/^tenants:/,$d' "$CONFIG"
	cat >>"$CONFIG" <<YAML
tenants:
  - name: bench
    vni: 100
    interfaces: [tp0]
    policy:
      default: allow
      rules:
        - {action: inspect, proto: tcp, dport: 80}
dpi: {enabled: true, engine: $1, transport: ${2:-afxdp}, rules: [$WORK/bench.rules], on_alert: block}
YAML
}

agent_setup
trap '"${IN_A[@]}" "$ZTOSD" --cleanup --config "$CONFIG" >/dev/null 2>&1; agent_teardown; down' EXIT
down
ip netns add $NS_A
ip netns add $NS_S
ip link add tp0 netns $NS_A type veth peer name eth0 netns $NS_S
ip -n $NS_A link set lo up
ip -n $NS_A link set tp0 up
ip -n $NS_S link set eth0 up
# Signatures that HTTP-like traffic carries nothing of: every frame is scanned in full.
cat >"$WORK/bench.rules" <<'RULES'
alert tcp any any -> any 80 (msg:"bench: shell in a request"; content:"/bin/sh"; sid:1; rev:1;)
alert tcp any any -> any 80 (msg:"bench: traversal"; content:"../../"; sid:2; rev:1;)
drop tcp any any -> any 80 (msg:"bench: evil header"; content:"X-Evil|3a|"; nocase; sid:3; rev:1;)
alert tcp any any -> any 80 (msg:"bench: php probe"; content:"GET /wp-login.php"; sid:4; rev:1;)
RULES
sed -i "s|bpffs: .*|bpffs: $BPFFS|" "$CONFIG"
config cpu
agent_start "${IN_A[@]}" || { cat "$WORK/ztosd.log"; exit 1; }
Z=("$ZTOS" --socket "$SOCK")

# One frame, 256 flows (the low byte of the source port counts up), as trafgen config:
# to port 80 (inspected) in frame-80.cfg, to port 81 (only allowed) in frame-81.cfg, and
# twice 256 other flows to port 80 (new ones for each inspect_depth run) in frame-80d*.cfg.
for f in 80:80:0x9c00 81:81:0x9c00 80d1:80:0x9d00 80d2:80:0x9e00; do
	IFS=: read -r name dport sport <<<"$f"
	/usr/bin/python3 - "$dport" "$sport" >"$WORK/frame-$name.cfg" <<'PY'
import sys
from scapy.all import Ether, IP, TCP, raw
p = (Ether(src="02:00:00:00:77:01", dst="02:00:00:00:77:02") /
     IP(src="10.100.0.10", dst="10.100.0.20") /
     TCP(sport=int(sys.argv[2], 0), dport=int(sys.argv[1]), flags="PA", seq=1, ack=1) /
     b"GET /index.html HTTP/1.1\r\nHost: bench.example\r\nUser-Agent: trafgen\r\n"
     b"Accept: */*\r\n\r\n")
b = ["0x%02x" % x for x in raw(p)]
b[14 + 20 + 1] = "dinc(0, 255)"	# TCP source port, low byte
print("{ " + ", ".join(b) + " }")
PY
done

dpi() { "${Z[@]}" status --json | jq ".subsystems.dpi | $1"; }
tx() { ip -n $NS_S -j -s link show eth0 | jq '.[0].stats64.tx.packets'; }

# run [DPORT]: send count frames (to port 80 unless DPORT); prints sent, scanned, elapsed
# ns, reader CPU ns outside the engine.
run() {
	local tx0 pk0 cpu0 eng0 t0 t1 tx1 pk1
	sleep 0.5
	tx0=$(tx)
	pk0=$(dpi .packets)
	cpu0=$(dpi '.reader_cpu_ns - .engine_stats.cpu_ns')
	eng0=$(dpi .engine_stats.cpu_ns)
	t0=$(date +%s%N)
	ip netns exec $NS_S trafgen -o eth0 -i "$WORK/frame-${1:-80}.cfg" -n "$count" -q -P 1 \
		>/dev/null 2>&1
	t1=$(date +%s%N)
	sleep 1		# what the ring still holds
	tx1=$(tx)
	pk1=$(dpi .packets)
	echo "$((tx1 - tx0)) $((pk1 - pk0)) $((t1 - t0)) $(dpi ".reader_cpu_ns - .engine_stats.cpu_ns - $cpu0")"
}

# transport T: dpi.transport set over the API, and the reader it names running
transport() {
	local r
	r=$(sock POST /api/v1/network/configure --data "{\"dpi\": {\"transport\": \"$1\"}}")
	[ "$(status_of "$r")" = 200 ] || { echo "configure transport $1: $r" >&2; exit 1; }
	[ "$(dpi .transport)" = "\"$1\"" ] || { echo "transport $1 did not come in" >&2; exit 1; }
}

# The sender's rate with the mirror (port 80, inspected) and without it (port 81, only
# allowed), taking turns twice, best of each: the difference is what mirroring a frame
# costs the sending CPU (TC's copy runs there: into the ring, or a clone and its way
# through ztos-dpi0). Sets best_in, best_al, best_in_loss, mfail (mirror_failed).
counter() { "${Z[@]}" flows --json | jq ".counters.packets.$1"; }
rates() {
	local mfail0 sent_al ns_al
	best_in=0 best_al=0 best_in_loss=0
	mfail0=$(counter mirror_failed)
	for _ in 1 2; do
		read -r sent scanned ns _ < <(run)
		if [ $((sent * 1000000 / ns)) -gt "$best_in" ]; then
			best_in=$((sent * 1000000 / ns))
			best_in_loss=$(awk -v s="$sent" -v r="$scanned" 'BEGIN { printf "%.3f", s ? (s - r) * 100 / s : 0 }')
		fi
		read -r sent_al _ ns_al _ < <(run 81)
		[ $((sent_al * 1000000 / ns_al)) -gt "$best_al" ] && best_al=$((sent_al * 1000000 / ns_al))
	done
	mfail=$(( $(counter mirror_failed) - mfail0 ))
	"${Z[@]}" status --json | jq -c '.subsystems.dpi | {engine, transport, packets, batches, losses, engine_stats}' >&2
}
# prefix P: the figures of the last rates() run, names prefixed with P
print_rates() {
	echo "${1}allow_sender_kpps $best_al"
	echo "${1}inspect_sender_kpps $best_in"
	awk -v i="$best_in" -v a="$best_al" -v p="$1" 'BEGIN {
		printf "%sinspect_vs_allow_rate_ratio %.3f\n", p, a ? i / a : 0
		printf "%smirror_extra_ns_per_frame %.0f\n", p, (i && a) ? 1e6 / i - 1e6 / a : 0 }'
	# What the faster sender's copies cost: lost in the best inspect run (the ring or
	# the mirror's veth full: TC's mirror_failed, or the AF_XDP rings), over both runs.
	echo "${1}inspect_loss_pct $best_in_loss"
	echo "${1}inspect_mirror_failed $mfail"
}

# The clone over the DPI link first (AF_XDP), then the ring, which the rest runs on.
rates
afxdp_figures=$(print_rates afxdp_)
transport ring
rates

# The same with dpi.inspect_depth, again in turns with the allowed port: flows new to the
# datapath in each run (frame-80d1.cfg, frame-80d2.cfg), each copied until its DEPTH
# bytes, then passed uncopied. Prints what share was copied: the rate is that of
# inspecting the first DEPTH bytes of every flow, not of all of them.
DEPTH=${BENCH_INSPECT_DEPTH:-65536}
r=$(sock POST /api/v1/network/configure --data "{\"dpi\": {\"inspect_depth\": $DEPTH}}")
[ "$(status_of "$r")" = 200 ] || { echo "configure inspect_depth: $r" >&2; exit 1; }
best_d=0 best_al_d=0
for i in 1 2; do
	mir0=$(counter mirrored)
	read -r sent_d scanned_d ns_d _ < <(run 80d$i)
	if [ $((sent_d * 1000000 / ns_d)) -gt "$best_d" ]; then
		best_d=$((sent_d * 1000000 / ns_d))
		copied_d=$(( $(counter mirrored) - mir0 )) best_sent_d=$sent_d best_scanned_d=$scanned_d
	fi
	read -r sent_al _ ns_al _ < <(run 81)
	[ $((sent_al * 1000000 / ns_al)) -gt "$best_al_d" ] && best_al_d=$((sent_al * 1000000 / ns_al))
done
r=$(sock POST /api/v1/network/configure --data '{"dpi": {"inspect_depth": 0}}')
[ "$(status_of "$r")" = 200 ] || { echo "configure inspect_depth 0: $r" >&2; exit 1; }
config noop ring
kill -HUP "$AGENT_PID"
sleep 1
[ "$(dpi .engine)" = '"noop"' ] || { echo "the noop engine did not come in" >&2; exit 1; }
tid=$(for t in /proc/$AGENT_PID/task/*; do [ "$(cat "$t/comm")" = ztos-dpiring ] && basename "$t"; done; true)
perf_pid=
if command -v perf >/dev/null && [ -n "$tid" ]; then
	perf stat -x, -e task-clock -t "$tid" -o "$WORK/perf.csv" &
	perf_pid=$!
fi
eng0=$(dpi .engine_stats.cpu_ns)
read -r sent2 scanned2 _ cpu2 < <(run)
eng=$(( $(dpi .engine_stats.cpu_ns) - eng0 ))
task_ns=0
if [ -n "$perf_pid" ]; then
	kill -INT "$perf_pid"
	wait "$perf_pid" || true
	# task-clock is in msec; the run's sleeps (0.5 s, 1 s) are idle time, not counted
	task_ns=$(awk -F, '/task-clock/ { printf "%.0f", $1 * 1e6 }' "$WORK/perf.csv")
fi
"${Z[@]}" status --json | jq -c '.subsystems.dpi | {engine, packets, batches, losses}' >&2

echo "pipeline_sender_kpps $((sent * 1000000 / ns))"
echo "transport ring"
print_rates ""
echo "$afxdp_figures"
echo "inspect_depth_bytes $DEPTH"
echo "inspect_depth_allow_sender_kpps $best_al_d"
echo "inspect_depth_sender_kpps $best_d"
awk -v i="$best_d" -v a="$best_al_d" -v c="$copied_d" -v s="$best_sent_d" \
	-v r="$best_scanned_d" 'BEGIN {
	printf "inspect_depth_vs_allow_rate_ratio %.3f\n", a ? i / a : 0
	printf "inspect_depth_copied_pct %.2f\n", s ? c * 100 / s : 0
	printf "inspect_depth_loss_pct %.3f\n", c ? (c - r) * 100 / c : 0 }'
echo "pipeline_kpps $((scanned * 1000000 / ns))"
awk -v s="$sent" -v r="$scanned" 'BEGIN { printf "pipeline_loss_pct %.3f\n", s ? (s - r) * 100 / s : 0 }'
awk -v t="$task_ns" -v e="$eng" -v c="$cpu2" -v r="$scanned2" -v s="$sent2" 'BEGIN {
	if (t > 0)
		printf "pipeline_overhead_ns %.0f\n", r ? (t - e) / r : 0
	printf "pipeline_overhead_sched_ns %.0f\n", r ? c / r : 0
	printf "pipeline_noop_loss_pct %.3f\n", s ? (s - r) * 100 / s : 0 }'
