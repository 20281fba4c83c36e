#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `sudo make demo`: a live fleet of three hosts in network namespaces, each running ztosd
# (and through it FRR and WireGuard), two tenants with the same subnet, VXLAN over
# WireGuard, VTEPs learned through BGP EVPN, DPI on tenant HTTP, and traffic: ordinary
# requests, now and then one that matches a signature, and a forged packet. It prints
# the dashboard's URL and token and a few `ztos` commands, and runs until Ctrl-C, which
# removes everything it made. scripts/demo-lab.sh draws the lab.
#
#   scripts/demo.sh [--for SECONDS] [--prefix NAME] [--port PORT] [--vm HOSTPORT]
#     --for      run that long, then stop and clean up (tests/netns/demo-test.sh)
#     --prefix   names of the namespaces and devices (default ztos-demo)
#     --port     the dashboard's port on 127.0.0.1 (default: the first free from 8480)
#     --vm       inside the VM of scripts/demo-vm.sh: MACsec, VRFs; the dashboard on
#                10.0.2.15:PORT, which the host forwards from 127.0.0.1:HOSTPORT
#   ZTOS_CLI_CONFIG=FILE: write the CLI's settings there (default: the invoking user's
#     ~/.config/ztos/cli.conf, and root's, unless a file not the demo's is there)
set -u
ORIG_PWD=$PWD
cd "$(dirname "$0")/.."
TOP=$PWD

usage() { sed -n '10,18s/^# \{0,1\}//p' "$0"; }
DEMO_P=ztos-demo
DEMO_FOR=
DEMO_PORT=
DEMO_VM=0 DEMO_HOSTPORT=
while [ $# -gt 0 ]; do
	case $1 in
	--for) DEMO_FOR=${2:?--for needs a number of seconds}; shift ;;
	--prefix) DEMO_P=${2:?--prefix needs a name}; shift ;;
	--port) DEMO_PORT=${2:?--port needs a port}; shift ;;
	--vm) DEMO_VM=1 DEMO_HOSTPORT=${2:?--vm needs the port the host forwards}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "scripts/demo.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "the demo makes network namespaces: run sudo make demo" >&2; exit 1; }
case $DEMO_P in *[!a-z0-9-]* | "") echo "--prefix: letters, digits and -" >&2; exit 2 ;; esac
# the WireGuard device, $DEMO_P-wg<i>, must fit in an interface name (15 characters)
[ ${#DEMO_P} -le 12 ] || { echo "--prefix: at most 12 characters" >&2; exit 2; }

B=${BUILD:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
ZTOS=$B/ztos
ZTOSD=$B/ztosd
DEMO_RUN=/run/$DEMO_P
for f in "$ZTOS" "$ZTOSD"; do
	[ -x "$f" ] || { echo "no $f: run sudo make demo (it builds first)" >&2; exit 1; }
done
. "$TOP/scripts/demo-lab.sh"
. "$TOP/scripts/demo-host.sh"

bold() { printf '\033[1m%s\033[0m\n' "$*"; }
step() { printf '  %s\n' "$*"; }
fail() {
	printf '\nztos demo: %s\n' "$1" >&2
	[ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/  | /' "$2" | tail -n 30 >&2
	exit 1
}

# ---- start and stop ----

teardown() {
	trap '' INT TERM
	[ -d "$DEMO_RUN" ] || return 0
	printf '\n'
	bold "Stopping the demo: agents, FRR, WireGuard, namespaces, pinned maps"
	demo_cli_remove
	demo_down
	rm -rf "$DEMO_RUN"
	step "nothing of the demo is left (namespaces $DEMO_P-*, /sys/fs/bpf/ztos-demo*, $DEMO_RUN)"
}
trap teardown EXIT
trap 'exit 0' INT TERM

# In the VM (scripts/demo-vm.sh) no udev loads what the kernel has as modules.
if [ "$DEMO_VM" = 1 ]; then
	for m in wireguard macsec vrf veth vxlan bridge; do
		modprobe "$m" || fail "the VM's kernel has no $m module"
	done
fi
# Whatever a demo that was killed left behind goes first.
demo_down
rm -rf "$DEMO_RUN"
mkdir -p -m 700 "$DEMO_RUN"
[ -n "$DEMO_PORT" ] || DEMO_PORT=$(demo_free_port) || fail "no free port in 8480..8580 for the dashboard"
# where the dashboard listens, and the port the user opens
bind=127.0.0.1 shown_port=$DEMO_PORT
[ "$DEMO_VM" = 1 ] && bind=10.0.2.15 shown_port=$DEMO_HOSTPORT

if [ "$DEMO_VM" = 1 ]; then
	bold "ztos demo: a fleet of 3 hosts in network namespaces of the VM (Debian's kernel: WireGuard, MACsec, VRF)"
else
	bold "ztos demo: a fleet of 3 hosts in network namespaces (up in under a minute)"
fi
demo_lab_up || fail "the lab's namespaces and links could not be made"
step "hosts $DEMO_P-h1..h3 on one switch (192.0.2.0/24); tenants blue and red on each, both 10.0.0.0/24"
demo_keys || fail "WireGuard keys: ztos security wireguard genkey failed"
demo_rules >"$DEMO_RUN/demo.rules"
for i in 1 2 3; do
	demo_config "$i" >"$(demo_dir "$i")/ztos.yaml"
	"$ZTOSD" --check-config "$(demo_dir "$i")/ztos.yaml" >"$DEMO_RUN/check.log" 2>&1 ||
		fail "host $i's config is refused" "$DEMO_RUN/check.log"
done
for i in 1 2 3; do demo_start "$i"; done
for i in 1 2 3; do
	demo_wait 60 demo_started_or_gone "$i" && demo_started "$i" ||
		fail "ztosd on host $i did not come up ($(demo_alive "$i" && echo "still starting" ||
			echo "it exited"))" "$(demo_dir "$i")/ztosd.log"
done
step "ztosd runs on every host (configs and logs: $DEMO_RUN/h*/)"
if [ "$DEMO_VM" = 1 ]; then
	for i in 1 2 3; do
		demo_wait 30 demo_macsec_addr "$i" ||
			fail "host $i's agent made no MACsec link $DEMO_MACSEC" "$(demo_dir "$i")/ztosd.log"
	done
	step "MACsec: $DEMO_MACSEC on every host's underlay link (GCM-AES-256, a key per host); ul carries only MACsec"
	step "VRFs: each tenant's bridge in a VRF of its own (ztvrf100: blue, ztvrf200: red)"
fi
# What the agents warned about: only what this kernel lacks. The same words from every
# host are said once.
cat "$DEMO_RUN"/h*/ztosd.log | sed -n 's/^\([0-9:]* \)\{0,1\}ztosd warn: //p' |
	sed "s/$DEMO_P-wg[0-9]/<wg>/g" | sort -u | sed 's/^/  the agents warn: /'

wg_impl=$(demo_ztos 1 security status --json | jq -r '.wireguard.implementation // "none"')
case $wg_impl in
kernel) step "WireGuard: a mesh between the hosts, in the kernel; VXLAN rides on it, encrypted" ;;
wireguard-go) step "WireGuard: a mesh between the hosts, through wireguard-go; VXLAN rides on it, encrypted" ;;
*) fail "WireGuard is not running on host 1 ($wg_impl)" "$(demo_dir 1)/ztosd.log" ;;
esac

step "BGP EVPN: waiting for the sessions and for every host to learn the others' VTEPs..."
for i in 1 2 3; do
	demo_wait 120 demo_bgp_up "$i" || fail "host $i's BGP sessions did not come up" "$(demo_dir "$i")/ztosd.log"
done
for i in 1 2 3; do
	demo_wait 60 demo_vteps_learned "$i" ||
		fail "host $i did not learn the other VTEPs through EVPN" "$(demo_dir "$i")/ztosd.log"
done
step "BGP EVPN: sessions up (host 1 reflects routes), every host learned the others' VTEPs"

/usr/bin/python3 "$TOP/scripts/demo-traffic.py" --prefix "$DEMO_P" --stats "$DEMO_RUN/traffic.json" \
	--ready "$DEMO_RUN/traffic.ready" >"$DEMO_RUN/traffic.log" 2>&1 &
echo $! >"$DEMO_RUN/traffic.pid"
demo_wait 20 test -e "$DEMO_RUN/traffic.ready" || fail "the traffic generator did not start" "$DEMO_RUN/traffic.log"
engine=$(demo_ztos 1 status --json | jq -r '.subsystems.dpi.engine // "?"')
step "DPI: engine $engine on tenant HTTP (port 80); traffic: every workload asks the others every 2 s"

demo_forward "$bind" "$DEMO_PORT"
demo_wait 10 curl -sf -o /dev/null "http://$bind:$DEMO_PORT/" ||
	fail "the dashboard does not answer on $bind:$DEMO_PORT" "$DEMO_RUN/forward.log"
# in the VM the host writes them (scripts/demo-vm.sh), for the forwarded port
if [ "$DEMO_VM" = 0 ]; then
	demo_cli_setup "$DEMO_PORT" "$(cat "$(demo_dir 1)/token")" ||
		fail "nowhere to write the CLI's settings"
fi

for i in 1 2 3; do
	health[i]=$(demo_ztos "$i" status --json | jq -r .health)
done
step "health: host 1 ${health[1]}, host 2 ${health[2]}, host 3 ${health[3]}"

# How the printed commands are typed: from this folder when the user is in it.
cli=$ZTOS
[ "$(cd "$ORIG_PWD" && pwd -P)" = "$(pwd -P)" ] && cli=${ZTOS#"$TOP"/}
[ -n "${ZTOS_CLI_CONFIG:-}" ] && cli="ZTOS_CLI_CONFIG=$ZTOS_CLI_CONFIG $cli"
token=$(cat "$(demo_dir 1)/token")
title="ztos demo: 3 hosts, tenants blue and red, EVPN, WireGuard, DPI. Running."
[ "$DEMO_VM" = 1 ] &&
	title="ztos demo in a VM: 3 hosts, EVPN, WireGuard, MACsec, VRFs, DPI. Running."
# frame: stdin's lines in a box as wide as the longest (78 columns at least)
frame() {
	local w=78 line lines=()
	while IFS= read -r line; do
		lines+=("$line")
		[ $((${#line} + 2)) -le $w ] || w=$((${#line} + 2))
	done
	printf '+%s+\n' "$(printf '%*s' $w '' | tr ' ' -)"
	for line in "${lines[@]}"; do
		printf '| %-*s |\n' $((w - 2)) "$line"
	done
	printf '+%s+\n' "$(printf '%*s' $w '' | tr ' ' -)"
}
echo
frame <<EOF
$title

Dashboard  http://127.0.0.1:$shown_port/
Token      $token

Try these in another terminal, in this folder (they talk to host 1):
  $cli network show
  $cli security status
  $cli flows
  $cli alerts
  $cli monitoring logs --follow

Every 30 s a workload sends a request that matches a signature (the flow is
blocked) and host 3 forges a packet for a VNI no tenant has (XDP drops it).
Ctrl-C stops the fleet and removes everything it made.
EOF
echo
echo "$DEMO_PORT" >"$DEMO_RUN/port"
touch "$DEMO_RUN/ready"

# What happens, as it happens: the traffic generator's lines.
tail -n +1 -f "$DEMO_RUN/traffic.log" --pid "$(cat "$DEMO_RUN/traffic.pid")" &
tail_pid=$!
deadline=$((SECONDS + ${DEMO_FOR:-0}))
while demo_alive 1 && demo_alive 2 && demo_alive 3 && kill -0 "$(cat "$DEMO_RUN/traffic.pid")" 2>/dev/null; do
	[ -n "$DEMO_FOR" ] && [ "$SECONDS" -ge "$deadline" ] && break
	sleep 1 &
	wait $!
done
kill "$tail_pid" 2>/dev/null
if [ -z "$DEMO_FOR" ] || [ "$SECONDS" -lt "$deadline" ]; then
	for i in 1 2 3; do
		demo_alive "$i" || fail "ztosd on host $i ended" "$(demo_dir "$i")/ztosd.log"
	done
	fail "the traffic generator ended" "$DEMO_RUN/traffic.log"
fi
exit 0
