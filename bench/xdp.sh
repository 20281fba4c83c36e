#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# ztos_xdp_ingress on its paths against a bare XDP_PASS program and xdp-tools' xdp-filter,
# all under BPF_PROG_RUN on the same crafted VXLAN packet (156 bytes: VNI 100 from VTEP
# 192.0.2.2, inner UDP), taking turns round by round so a busy machine slows them all
# alike; each figure is the median over the rounds of the kernel's mean ns per run.
# Compare with the peers measured in the same run, not across machines. The new-flow
# figure makes a new inner source address on every run (bench/xdp_newflow.bpf.c rewrites
# it, then tail-calls ztos_xdp_ingress) with the ring buffer drained as the agent does,
# less the wrapper's own cost, in two states of a table of the agent's default size:
# in use (half full; each round's new flows expire, untimed, as idle flows do) and full
# (every new flow evicts another: xdp_new_flow_full_table_ns); the flows are IPv4, so in
# flowtab4. Beside the ns, figures no machine changes (bench/bpf_count.c runs each
# program on copies of its maps):
# <path>_insns, BPF instructions executed per packet, and <path>_map_ops, map operations
# per packet (a comment line splits them into hash lookups, inlined array lookups,
# atomics, helper calls). And the machine's floor under a new flow (bench/xdp_cold.bpf.c):
# xdp_cold_access_ns, one access to a random place in a table of the flow table's size
# less a warm one, and the new flow in those units (new_flow_in_cold_accesses: flowtab4's
# bucket head and the slot written each cost about one). The new flow also with a table
# of 65,536 flows, in the cache: xdp_new_flow_64k_table_ns, xdp_new_flow_64k_full_table_ns.
# Last lines:
#   xdp_pass_floor_ns N / xdp_foreign_vni_drop_ns N / xdp_known_flow_ns N /
#   xdp_new_flow_ns N / xdp_new_flow_full_table_ns N / xdp_inspect_ns N / xdp_cold_access_ns N /
#   new_flow_in_cold_accesses R / xdpfilter_udp_ns N / xdpfilter_all_ns N /
#   new_flow_ns N / foreign_vni_vs_xdpfilter_udp_ratio R / known_flow_vs_xdpfilter_all_ratio R
# The ratios are the median over the rounds of each round's pair (run back to back).
# Goals: foreign-VNI drop <= xdpfilter_udp_ns, known flow <= xdpfilter_all_ns (ratio <= 1),
# new flow <= 250 ns.
# Usage: sudo bench/xdp.sh [REPEAT] [ROUNDS]   (defaults 1000000 runs x 7 rounds)
set -eu
cd "$(dirname "$0")/.."
repeat=${1:-1000000}
rounds=${2:-7}
build=${BUILD:-build}

if [ "$(id -u)" -ne 0 ]; then
	echo "bench/xdp.sh: BPF_PROG_RUN needs root: sudo bench/xdp.sh" >&2
	exit 1
fi
dpkg-query -W -f='${Status}' xdp-tools 2>/dev/null | grep -q "install ok installed" ||
	scripts/deps.sh
# Debian ships xdp-filter's BPF objects in libxdp1 (an xdp-tools dependency), under the
# multiarch library folder.
objs=$(dpkg -L libxdp1 xdp-tools 2>/dev/null || true)
udp=$(grep '/xdpfilt_dny_udp\.o$' <<<"$objs" || true)
all=$(grep '/xdpfilt_dny_all\.o$' <<<"$objs" || true)
if [ -z "$udp" ] || [ -z "$all" ]; then
	echo "bench/xdp.sh: xdp-tools' xdpfilt_dny_udp.o / xdpfilt_dny_all.o not found" \
		"(apt-get install xdp-tools)" >&2
	exit 1
fi
make -s BUILD="$build" "$build/bench/xdp_bench"
# The live part uses the shared lab; LAB_P gives its namespaces another prefix.

# The live figure first: the goals' figures are the last lines. They do not rest on it:
# when the live part fails (it says why on stderr), the BPF_PROG_RUN part still runs.
if live=$(bench/xdp-live.sh); then
	grep '^live_' <<<"$live"
else
	echo "# bench/xdp-live.sh failed (its reason is above): no live_ figures in this run"
fi
# The new flow again with a table of 65,536 flows (9 MiB: in the last-level cache of most
# servers), where its cold lines are not a trip to memory: how much of the new flow is the
# table's size on this machine (the goal's figure, new_flow_ns, is the default size's).
"$build/bench/xdp_bench" -N -f 65536 -n "$repeat" -k "$rounds" |
	sed -e 's/^# newflow_/# 64k table: newflow_/' -e '/^# packet/d' \
		-e 's/^xdp_new_flow_ns/xdp_new_flow_64k_table_ns/' \
		-e 's/^xdp_new_flow_full_table_ns/xdp_new_flow_64k_full_table_ns/'
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo "machine: $(nproc) cores, $(uname -r), $cpu"
echo "peer: xdp-filter (libxdp1 $(dpkg-query -W -f='${Version}' libxdp1)): $udp, $all"
"$build/bench/xdp_bench" -n "$repeat" -k "$rounds" -u "$udp" -a "$all"
