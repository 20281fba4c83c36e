#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The overlay at scale: N tenants (default 1000), each a VXLAN device in a bridge with
# head-end replication FDB entries to 3 VTEPs and the ztos alias on both devices, made
#   - by ztosd from a config (its own timing of the apply: read the kernel, plan, send),
#   - by iproute2 in batch mode (`ip -batch` for the links, `bridge -batch` for the FDB),
# each in a fresh network namespace, ROUNDS times (default 3) taking turns at going first,
# medians reported; then one tenant of the N changed over the API (a VTEP replaced), timed
# by the agent, median of 5 per round. Last lines:
#   ztos_apply_1000_s N / ip_batch_1000_s N / ztos_vs_ip_ratio N / ztos_incremental_ms N
# Goals: ratio <= 1.0, incremental < 50 ms.
# Usage: sudo bench/netlink.sh [N] [ROUNDS]   (under flock /tmp/ztos-netns.lock on shared hosts)
set -eu
cd "$(dirname "$0")/.."
n=${1:-1000}
rounds=${2:-3}
B=${BUILD:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
ZTOSD=$B/ztosd

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/netlink.sh: network namespaces need root: sudo bench/netlink.sh" >&2
	exit 1
fi
[ -x "$ZTOSD" ] || { echo "bench/netlink.sh: build ztosd first (make)" >&2; exit 1; }

W=$(mktemp -d /tmp/ztos-bench-netlink.XXXXXX)
NZ=zo-bench-z NI=zo-bench-i
pid=
cleanup() {
	set +e
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -f "$W/ztos.yaml" ] && [ -e /run/netns/$NZ ] &&
		nsenter --net=/run/netns/$NZ "$ZTOSD" --cleanup --config "$W/ztos.yaml" >/dev/null 2>&1
	ip netns del $NZ 2>/dev/null || true
	ip netns del $NI 2>/dev/null || true
	rm -rf "$W"
}
trap cleanup EXIT

netns_with_underlay() {
	ip netns del "$1" 2>/dev/null || true
	ip netns add "$1"
	ip -n "$1" link add ul0 type veth peer name ul0p
	ip -n "$1" addr add 192.0.2.1/24 dev ul0
	ip -n "$1" link set ul0 up
	ip -n "$1" link set ul0p up
}
now() { date +%s.%N; }

# ---- iproute2, batch mode ----
for i in $(seq "$n"); do
	echo "link add ztvx$i mtu 1450 type vxlan id $i local 192.0.2.1 dstport 4789 dev ul0 nolearning"
	echo "link add ztbr$i type bridge"
	echo "link set ztbr$i alias ztos:tenant=t$i up"
	echo "link set ztvx$i master ztbr$i alias ztos:tenant=t$i up"
done >"$W/links.batch"
for i in $(seq "$n"); do
	for v in 2 3 4; do
		echo "fdb append 00:00:00:00:00:00 dev ztvx$i dst 192.0.2.$v self permanent"
	done
done >"$W/fdb.batch"

run_ip() {
	netns_with_underlay $NI
	t0=$(now)
	ip -n $NI -batch "$W/links.batch"
	bridge -n $NI -batch "$W/fdb.batch"
	t1=$(now)
	ip_runs+=("$(echo "$t1 - $t0" | bc -l)")
	ip_links=$(ip -n $NI -o link show | grep -c ': zt')
	ip_fdb=$(bridge -n $NI fdb show | grep -c '^00:00:00:00:00:00 dev ztvx')
	ip netns del $NI
}

# ---- ztosd, from a config ----
{
	cat <<YAML
version: 1
agent:
  api: {listen: "", socket: $W/api.sock, token_file: $W/token}
  state_dir: $W/state
  bpffs: /sys/fs/bpf/ztos-bench-netlink-$$
  log: {file: $W/events.json, syslog: false}
underlay: {interface: ul0, address: 192.0.2.1, xdp_mode: generic, flow_table_size: 1024}
tenants:
YAML
	for i in $(seq "$n"); do
		echo "  - {name: t$i, vni: $i, vteps: [192.0.2.2, 192.0.2.3, 192.0.2.4]}"
	done
} >"$W/ztos.yaml"
api() { curl -s --unix-socket "$W/api.sock" "$@"; }
mid=$(((n + 1) / 2))

run_ztos() {
	netns_with_underlay $NZ
	rm -f "$W/api.sock"
	t0=$(now)
	nsenter --net=/run/netns/$NZ "$ZTOSD" --config "$W/ztos.yaml" >"$W/ztosd.log" 2>&1 &
	pid=$!
	for _ in $(seq 1200); do [ -S "$W/api.sock" ] && break; sleep 0.05; done
	t1=$(now)
	[ -S "$W/api.sock" ] || { cat "$W/ztosd.log"; exit 1; }
	st=$(api http://localhost/api/v1/status | jq -c .subsystems.overlay)
	[ "$(jq -r .state <<<"$st")" = running ] || { echo "overlay: $st"; cat "$W/ztosd.log"; exit 1; }
	ztos_runs+=("$(jq -r '.last_apply.ms / 1000' <<<"$st")")
	start_runs+=("$(echo "$t1 - $t0" | bc -l)")
	z_links=$(ip -n $NZ -o link show | grep -c ': zt')
	z_fdb=$(bridge -n $NZ fdb show | grep -c '^00:00:00:00:00:00 dev ztvx')
	# One tenant changed, five times: a VTEP replaced.
	for r in 1 2 3 4 5; do
		body="{\"tenants\": [{\"name\": \"t$mid\", \"vni\": $mid, \"vteps\": [\"192.0.2.2\", \"192.0.2.3\", \"192.0.2.$((10 + r))\"]}]}"
		code=$(api -o "$W/resp.json" -w '%{http_code}' -X POST --data-binary "$body" \
			http://localhost/api/v1/network/configure)
		[ "$code" = 200 ] || { echo "configure: HTTP $code: $(cat "$W/resp.json")"; exit 1; }
		la=$(api http://localhost/api/v1/status | jq -c .subsystems.overlay.last_apply)
		inc_runs+=("$(jq -r .ms <<<"$la")")
	done
	bridge -n $NZ fdb show dev "ztvx$mid" | grep -q "dst 192.0.2.15 " ||
		{ echo "the changed tenant's FDB does not have 192.0.2.15"; exit 1; }
	kill -TERM "$pid"
	wait "$pid" || true
	pid=
	nsenter --net=/run/netns/$NZ "$ZTOSD" --cleanup --config "$W/ztos.yaml" >/dev/null 2>&1 || true
	ip netns del $NZ
}

median() { printf '%s\n' "$@" | sort -g | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
ip_runs=() ztos_runs=() start_runs=() inc_runs=()
for r in $(seq "$rounds"); do
	if [ $((r % 2)) = 1 ]; then run_ip; run_ztos; else run_ztos; run_ip; fi
done
ip_s=$(median "${ip_runs[@]}")
ztos_s=$(median "${ztos_runs[@]}")
inc_ms=$(median "${inc_runs[@]}")

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1), kernel $(uname -r)"
echo "iproute2: $ip_links links, $ip_fdb FDB entries; ztosd: $z_links links, $z_fdb FDB entries"
echo "ip -batch + bridge -batch runs (s): ${ip_runs[*]}"
echo "ztosd apply runs (s, the agent's own timing): ${ztos_runs[*]}"
echo "ztosd process start to API ready (s, the datapath's BPF load included): ${start_runs[*]}"
echo "ztosd incremental applies (ms): ${inc_runs[*]}"
[ "$ip_links" = "$z_links" ] && [ "$ip_fdb" = "$z_fdb" ] ||
	{ echo "the two runs made different state"; exit 1; }
printf 'ztos_apply_%d_s %.3f\n' "$n" "$ztos_s"
printf 'ip_batch_%d_s %.3f\n' "$n" "$ip_s"
printf 'ztos_vs_ip_ratio %.3f\n' "$(echo "$ztos_s / $ip_s" | bc -l)"
printf 'ztos_incremental_ms %.2f\n' "$inc_ms"
