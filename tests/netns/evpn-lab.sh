# SPDX-License-Identifier: GPL-2.0-only
# An EVPN lab in network namespaces, shared by tests/netns/evpn-test.sh and bench/evpn.sh:
#
#   $EVL_P-sw: bridge br0, one port per host (p1 .. pN)
#   $EVL_P-h<i>: ul 192.0.2.<i>/24 (underlay, XDP), ztosd + its FRR (pathspace ztos-$EVL_P-h<i>)
#     tenant ports wblue / wred (veth) to the workloads $EVL_P-h<i>b / $EVL_P-h<i>r
#   workloads: blue and red both use 10.0.0.<i>/24 (overlapping subnets), MACs
#     02:b1:00:00:00:<i> (blue) and 02:e1:00:00:00:<i> (red)
#
# Host 1 is the route reflector; every other host peers with it only (iBGP, AS 64512).
# No static vteps: each host learns the others through EVPN.
# shellcheck shell=bash

EVL_P=${EVL_P:-ze}
EVL_N=${EVL_N:-3}
EVL_WORK=${EVL_WORK:-}
# Extra YAML under each host's bgp: peers (bfd: true, timers: ...), set by the caller.
EVL_PEER_EXTRA=${EVL_PEER_EXTRA:-}
EVL_BGP_EXTRA=${EVL_BGP_EXTRA:-}
EVL_TENANTS=${EVL_TENANTS-blue red}
# EVL_TENANTS_YAML: the tenants: list's items as YAML, instead of EVL_TENANTS (bench/evpn.sh)

evl_ns() { echo "$EVL_P-h$1"; }
evl_in() { local i=$1; shift; nsenter --net="/run/netns/$(evl_ns "$i")" "$@"; }
evl_vtysh() { local i=$1; shift; vtysh -N "ztos-$EVL_P-h$i" "$@"; }

evl_down() {
	local ns
	for ns in $(ip netns list | awk '{print $1}' | grep "^$EVL_P-"); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# evl_up: the switch, the hosts' underlay and a blue and a red workload each
# (EVL_WORKLOADS=0: none)
evl_up() {
	local i ns
	evl_down
	ip netns add "$EVL_P-sw" || return 1
	ip -n "$EVL_P-sw" link add br0 type bridge || return 1
	ip -n "$EVL_P-sw" link set br0 up
	for i in $(seq "$EVL_N"); do
		ns=$(evl_ns "$i")
		ip netns add "$ns" || return 1
		ip link add ul netns "$ns" type veth peer name "p$i" netns "$EVL_P-sw" || return 1
		ip -n "$EVL_P-sw" link set "p$i" master br0 up
		ip -n "$ns" addr add "192.0.2.$i/24" dev ul
		ip -n "$ns" link set ul up
		ip -n "$ns" link set lo up
		[ "${EVL_WORKLOADS:-1}" = 0 ] && continue
		evl_workload "$i" blue b1 || return 1
		evl_workload "$i" red e1 || return 1
	done
	return 0
}

# evl_workload HOST TENANT MACBYTE: a namespace with 10.0.0.HOST behind the host's w<TENANT>
evl_workload() {
	local i=$1 t=$2 mb=$3 ns w
	ns=$(evl_ns "$i")
	w="$ns${t:0:1}"
	ip netns add "$w" || return 1
	ip link add "w$t" netns "$ns" type veth peer name eth0 netns "$w" || return 1
	ip -n "$w" link set eth0 address "02:$mb:00:00:00:$(printf %02x "$i")"
	ip -n "$w" addr add "10.0.0.$i/24" dev eth0
	ip -n "$w" link set eth0 up
	ip -n "$w" link set lo up
	ip -n "$ns" link set "w$t" up
}

evl_dir() { echo "$EVL_WORK/h$1"; }
evl_bpffs() { echo "/sys/fs/bpf/ztos-evpn-$EVL_P-h$1"; }
evl_sock() { echo "$EVL_WORK/h$1/api.sock"; }

# evl_peers HOST: host 1 peers with every other host (route reflector), others with 1
evl_peers() {
	local i=$1 j
	if [ "$i" -eq 1 ]; then
		for j in $(seq 2 "$EVL_N"); do
			echo "    - {address: 192.0.2.$j, asn: 64512, route_reflector_client: true$EVL_PEER_EXTRA}"
		done
	else
		echo "    - {address: 192.0.2.1, asn: 64512$EVL_PEER_EXTRA}"
	fi
}

evl_tenant_yaml() {
	case $1 in
	blue) echo "  - {name: blue, vni: 100, interfaces: [wblue], subnets: [10.0.0.0/24]}" ;;
	red) echo "  - {name: red, vni: 200, interfaces: [wred], subnets: [10.0.0.0/24]}" ;;
	esac
}

# evl_config HOST: ztosd's config for that host
evl_config() {
	local i=$1 d t port
	d=$(evl_dir "$i")
	mkdir -p "$d"
	chmod 700 "$d"
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	echo "$port" >"$d/port"
	{
		cat <<YAML
version: 1
agent:
  api: {listen: "127.0.0.1:$port", socket: $d/api.sock, token_file: $d/token}
  state_dir: $d/state
  bpffs: $(evl_bpffs "$i")
  log: {file: $d/events.json, syslog: false}
  frr: {pathspace: ztos-$EVL_P-h$i}
underlay: {interface: ul, address: 192.0.2.$i, xdp_mode: native}
bgp:
  asn: 64512
  router_id: 192.0.2.$i
$EVL_BGP_EXTRA
  peers:
$(evl_peers "$i")
YAML
		echo "tenants:"
		if [ -n "${EVL_TENANTS_YAML:-}" ]; then
			echo "$EVL_TENANTS_YAML"
		else
			for t in $EVL_TENANTS; do evl_tenant_yaml "$t"; done
			[ -n "$EVL_TENANTS" ] || echo "  []"
		fi
	} >"$d/ztos.yaml"
}

# evl_start HOST: ztosd in the host's namespace (nsenter: the pins stay on the host's bpffs).
# EVL_SYSLOG=FILE: with a /dev/log of its own whose messages go to FILE (tests/lib.sh
# with_syslog; the config needs log.syslog: true).
evl_start() {
	local i=$1 d pid
	d=$(evl_dir "$i")
	rm -f "$d/api.sock" "$d/pid"	# a SIGKILLed agent leaves it: wait for the new one's
	if [ -n "${EVL_SYSLOG:-}" ]; then
		# the listener may take a while on a loaded machine: the agent starts once it is up
		with_syslog "$EVL_SYSLOG" bash -c 'for _ in $(seq 400); do [ -S /dev/log ] && break
			sleep 0.05; done; nsenter --net="$1" "$2" --config "$3" --log-level debug \
			>>"$4" 2>&1 & echo $! >"$5"; wait' _ \
			"/run/netns/$(evl_ns "$i")" "$ZTOSD" "$d/ztos.yaml" "$d/ztosd.log" "$d/pid" \
			</dev/null >>"$d/ztosd.log" 2>&1 &	# holds no caller's output open
		for _ in $(seq 100); do [ -s "$d/pid" ] && break; sleep 0.05; done
		pid=$(cat "$d/pid" 2>/dev/null)
		[ -n "$pid" ] || return 1
	else
		# nsenter itself, not a function: $! must be ztosd's pid (nsenter execs it)
		nsenter --net="/run/netns/$(evl_ns "$i")" "$ZTOSD" --config "$d/ztos.yaml" \
			--log-level debug >>"$d/ztosd.log" 2>&1 &
		pid=$!
		echo "$pid" >"$d/pid"
	fi
	for _ in $(seq $((${EVL_START_S:-20} * 20))); do
		[ -S "$d/api.sock" ] && [ -s "$d/token" ] && return 0
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}

# evl_start_case HOST: evl_start as a test case; on failure its log, and the test ends
evl_start_case() {
	if evl_start "$1"; then
		ok "ztosd starts on host $1"
	else
		not_ok "ztosd starts on host $1"
		sed 's/^/#   /' "$(evl_dir "$1")/ztosd.log" | grep -v libbpf | tail -20
		exit 1
	fi
}

evl_pid() { cat "$(evl_dir "$1")/pid" 2>/dev/null; }

evl_kill() {
	local pid
	pid=$(evl_pid "$1")
	[ -n "$pid" ] || return 0
	kill "-${2:-TERM}" "$pid" 2>/dev/null || true
	# its status is a signal's: never an error here (a bench runs under set -e); not
	# always our child either: wait for it to be gone
	wait "$pid" 2>/dev/null || true
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
	rm -f "$(evl_dir "$1")/pid"
	return 0
}

# evl_api HOST METHOD PATH [curl args]: over the host's unix socket; body then code
evl_api() {
	local i=$1 m=$2 p=$3
	shift 3
	curl -s -o - -w '\n%{http_code}' -X "$m" --unix-socket "$(evl_sock "$i")" "$@" \
		"http://localhost$p"
}

evl_ztos() { local i=$1; shift; "$ZTOS" --socket "$(evl_sock "$i")" "$@"; }

# evl_allowlist HOST VNI: the VTEPs of VNI in the host's pinned XDP allowlist, sorted
evl_allowlist() {
	bpftool -j map dump pinned "$(evl_bpffs "$1")/vteps" 2>/dev/null |
		jq -r --argjson v "$2" '.[] | select(.formatted.key.vni == $v) |
			.formatted.key.addr[0] | [. % 256, (. / 256 | floor) % 256,
			(. / 65536 | floor) % 256, (. / 16777216 | floor)] | map(tostring) | join(".")' |
		sort | paste -sd, -
}

# evl_others HOST: the underlay addresses of every other host, sorted, comma-separated
evl_others() {
	local i=$1 j
	for j in $(seq "$EVL_N"); do [ "$j" -ne "$i" ] && echo "192.0.2.$j"; done | sort | paste -sd, -
}

# evl_wait SECONDS CMD...: poll CMD every 0.1 s until it succeeds; false after SECONDS
evl_wait() {
	local deadline=$(($(date +%s%N) + $1 * 1000000000))
	shift
	while ! "$@" >/dev/null 2>&1; do
		[ "$(date +%s%N)" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# evl_teardown: ztosd stopped and cleaned up on every host (FRR daemons, pins, devices),
# the namespaces and folders removed. Safe under set -e and when half set up.
evl_teardown() {
	local i d
	for i in $(seq "$EVL_N"); do
		d=$(evl_dir "$i")
		evl_kill "$i" KILL
		[ -f "$d/ztos.yaml" ] && evl_in "$i" "$ZTOSD" --cleanup --config "$d/ztos.yaml" \
			>>"$d/cleanup.log" 2>&1
		# whatever a test started by hand in this pathspace
		for p in /var/run/frr/ztos-$EVL_P-h$i/*.pid; do
			[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
		done
		rm -rf "/var/run/frr/ztos-$EVL_P-h$i" "/etc/frr/ztos-$EVL_P-h$i" "$(evl_bpffs "$i")"
	done
	evl_down
	[ -n "$EVL_WORK" ] && rm -rf "$EVL_WORK"
	return 0
}
