# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# The WireGuard suite, shared by tests/netns/wireguard-go-test.sh (host kernel, no WireGuard:
# wireguard-go) and tests/vm/inside/wireguard.sh (Debian's kernel: in-kernel WireGuard).
# Source it after tests/lib.sh, then: wg_suite EXPECTED_IMPLEMENTATION.
#
# Three hosts (network namespaces zw-a/b/c-PID on one switch namespace), a ztosd each with
# a wireguard: section (a mesh), VXLAN (VNI 100) over the WireGuard devices. The overlay
# helper's VXLAN reconcile is not on this branch yet, so the VXLAN devices are made with
# ip here; the agents' underlay is the WireGuard device all the same (the datapath's XDP
# sits on it). Interface names carry the PID: wireguard-go's UAPI socket names are global.

# What is global on the host: the namespaces' and WireGuard devices' prefix, the pins'.
WGL_P=${WGL_P:-zw}
WGL_BPF=${WGL_BPF:-zw}
WGL_HOSTS=(${WGL_HOSTS[@]:-a b c})
WGL_SW=$WGL_P-sw-$$
WGL_PORT=51820
WGL_MARKER="ZTOS-PLAINTEXT-MARKER-$$"
WGL_CAP_PIDS=()

# wgl_userspace: wireguard-go, wg and tcpdump are installed (else a failing case, and the
# script ends), and wireguard-go is used even where the kernel has WireGuard.
wgl_userspace() {
	local tool
	for tool in wireguard-go wg tcpdump; do
		if ! command -v "$tool" >/dev/null; then
			not_ok "$tool is installed (run scripts/deps.sh)"
			echo "1..$_tap_n"
			exit 1
		fi
	done
	export ZTOS_WG_USERSPACE=1
}

# wgl_kernel: the modules of in-kernel WireGuard under VXLAN are loaded (the VM), and the
# kernel's WireGuard is used.
wgl_kernel() {
	local m
	for m in wireguard veth vxlan bridge; do
		modprobe "$m" || { not_ok "modprobe $m"; echo "1..$_tap_n"; exit 1; }
	done
	unset ZTOS_WG_USERSPACE
}

wgl_ns() { echo "$WGL_P-$1-$$"; }
wgl_if() { echo "${WGL_P}g$1$$"; }
wgl_idx() { case $1 in a) echo 1 ;; b) echo 2 ;; c) echo 3 ;; esac; }
wgl_in() { local h=$1; shift; ip netns exec "$(wgl_ns "$h")" "$@"; }
wgl_z() { local h=$1; shift; "$ZTOS" --socket "$WGL_WORK/$h/api.sock" "$@"; }
wgl_wg_json() { wgl_z "$1" security status --json | jq -c .wireguard; }

wgl_teardown() {
	local h pid
	for h in "${WGL_HOSTS[@]}"; do
		pid=$(cat "$WGL_WORK/$h/agent.pid" 2>/dev/null)
		[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
		[ -f "$WGL_WORK/$h/ztos.yaml" ] &&
			nsenter --net="/run/netns/$(wgl_ns "$h")" "$ZTOSD" --cleanup \
				--config "$WGL_WORK/$h/ztos.yaml" >/dev/null 2>&1
		ip netns del "$(wgl_ns "$h")" 2>/dev/null
		rm -rf "/sys/fs/bpf/$WGL_BPF-$h-$$" 2>/dev/null
	done
	[ -n "${WGL_PORT_PID:-}" ] && kill "$WGL_PORT_PID" 2>/dev/null
	[ ${#WGL_CAP_PIDS[@]} -gt 0 ] && kill "${WGL_CAP_PIDS[@]}" 2>/dev/null
	ip netns del "$WGL_SW" 2>/dev/null
	rm -rf "$WGL_WORK"
	return 0
}

# wgl_config HOST [PEER...]: the host's config, with those peers (default: the others).
wgl_config() {
	local h=$1 p i peers=() vteps=()
	shift
	i=$(wgl_idx "$h")
	if [ $# -eq 0 ]; then
		for p in "${WGL_HOSTS[@]}"; do
			[ "$p" = "$h" ] || set -- "$@" "$p"
		done
	fi
	for p in "$@"; do
		peers+=("    - {name: host-$p, public_key: \"$(cat "$WGL_WORK/$p/wg.pub")\", endpoint: \"192.0.2.$(wgl_idx "$p"):$WGL_PORT\", allowed_ips: [10.255.0.$(wgl_idx "$p")/32], persistent_keepalive: 2}")
		vteps+=("10.255.0.$(wgl_idx "$p")")
	done
	cat <<YAML
version: 1
agent:
  api: {listen: "", socket: $WGL_WORK/$h/api.sock, token_file: $WGL_WORK/$h/token}
  state_dir: $WGL_WORK/$h/state
  bpffs: /sys/fs/bpf/$WGL_BPF-$h-$$
  log: {file: $WGL_WORK/$h/events.json, syslog: false}
underlay: {interface: $(wgl_if "$h"), address: 10.255.0.$i}
tenants:
  - {name: blue, vni: 100, vteps: [$(IFS=,; echo "${vteps[*]}")]}
wireguard:
  interface: $(wgl_if "$h")
  private_key_file: $WGL_WORK/$h/wg.key
  listen_port: $WGL_PORT
  address: 10.255.0.$i/24
  peers:
$(printf '%s\n' "${peers[@]}")
YAML
}

wgl_start() {
	local h=$1 i
	nsenter --net="/run/netns/$(wgl_ns "$h")" "$ZTOSD" --config "$WGL_WORK/$h/ztos.yaml" \
		--log-level debug >>"$WGL_WORK/$h/ztosd.log" 2>&1 &
	echo $! >"$WGL_WORK/$h/agent.pid"
	for i in $(seq 600); do
		[ -S "$WGL_WORK/$h/api.sock" ] && return 0
		kill -0 "$(cat "$WGL_WORK/$h/agent.pid")" 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/#   /' "$WGL_WORK/$h/ztosd.log"
	return 1
}

# wgl_session HOST PEER: "RX TX" bytes of the peer, as HOST's agent reports them.
wgl_session() {
	wgl_wg_json "$1" | jq -r ".peers[] | select(.name == \"$2\") | \"\(.rx_bytes) \(.tx_bytes)\""
}

# wgl_kept NAME BEFORE AFTER: the peer's session went on: a peer made again starts its
# byte counters from 0. (Its last handshake is no proof: WireGuard rekeys every 2 min.)
wgl_kept() {
	local b=$2 a=$3
	if [ -n "$a" ] && [ "${a% *}" -ge "${b% *}" ] && [ "${a#* }" -ge "${b#* }" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   rx tx before: $b, after: $a"
	fi
}

wgl_stop() {
	local pid
	pid=$(cat "$WGL_WORK/$1/agent.pid")
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$WGL_WORK/$1/agent.pid"
}

# wgl_ping FROM TO_ADDR [COUNT]: overlay reachability, a few tries (a handshake may be due).
wgl_ping() { wgl_in "$1" ping -c "${3:-2}" -i 0.2 -W 1 "$2" >/dev/null 2>&1; }
wgl_reach() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		wgl_ping "$1" "$2" && return 0
	done
	return 1
}

wgl_setup() {
	local h i
	WGL_WORK=$(mktemp -d /tmp/ztos-wg.XXXXXX)
	chmod 700 "$WGL_WORK"
	trap wgl_teardown EXIT
	ip netns add "$WGL_SW"
	ip -n "$WGL_SW" link add zw-br type bridge
	ip -n "$WGL_SW" link set zw-br up
	for h in "${WGL_HOSTS[@]}"; do
		i=$(wgl_idx "$h")
		mkdir -p "$WGL_WORK/$h"
		ip netns add "$(wgl_ns "$h")"
		wgl_in "$h" ip link set lo up
		ip -n "$WGL_SW" link add "zw-p$h" type veth peer name zw-u netns "$(wgl_ns "$h")"
		ip -n "$WGL_SW" link set "zw-p$h" master zw-br up
		wgl_in "$h" ip addr add "192.0.2.$i/24" dev zw-u
		wgl_in "$h" ip addr add "2001:db8::$i/64" dev zw-u nodad
		wgl_in "$h" ip link set zw-u up
		(umask 077 && "$ZTOS" security wireguard genkey >"$WGL_WORK/$h/wg.key")
		"$ZTOS" security wireguard pubkey <"$WGL_WORK/$h/wg.key" >"$WGL_WORK/$h/wg.pub"
	done
	for h in "${WGL_HOSTS[@]}"; do
		wgl_config "$h" >"$WGL_WORK/$h/ztos.yaml"
	done
}

# The VXLAN of VNI 100 over each host's WireGuard device is the agent's own overlay
# (ztvx100 in ztbr100, head-end replication to the other hosts' VTEPs): check it is there,
# riding on the WireGuard device, and give the bridge the host's tenant address.
wgl_vxlan() {
	local h i p n
	for h in "${WGL_HOSTS[@]}"; do
		i=$(wgl_idx "$h")
		for n in $(seq 50); do
			wgl_in "$h" ip link show ztbr100 >/dev/null 2>&1 && break
			sleep 0.1
		done
		check "host $h: the agent's ztvx100 rides on $(wgl_if "$h")" \
			bash -c "ip -n $(wgl_ns "$h") -d link show ztvx100 | grep -q 'dev $(wgl_if "$h") '"
		for p in "${WGL_HOSTS[@]}"; do
			[ "$p" = "$h" ] && continue
			check "host $h: head-end FDB entry to host $p" bash -c \
				"bridge -n $(wgl_ns "$h") fdb show dev ztvx100 | grep -q '00:00:00:00:00:00 dst 10.255.0.$(wgl_idx "$p") '"
		done
		wgl_in "$h" ip addr add "10.100.0.$i/24" dev ztbr100
		wgl_in "$h" ip link set ztbr100 up
	done
}

# Every UDP datagram on the underlay is WireGuard (port, message type 1..4); types seen.
WGL_PCAP_CHECK='
import sys
from scapy.all import rdpcap, UDP, Raw
port, marker = int(sys.argv[2]), sys.argv[3].encode()
types, bad, n = set(), [], 0
for p in rdpcap(sys.argv[1]):
    if marker in bytes(p):
        bad.append("the plaintext marker is on the wire")
    if UDP not in p:
        continue
    n += 1
    u = p[UDP]
    data = bytes(u.payload)
    if port not in (u.sport, u.dport):
        bad.append("UDP %d->%d is not WireGuard" % (u.sport, u.dport))
    elif not data or data[0] not in (1, 2, 3, 4) or data[1:4] != b"\0\0\0":
        bad.append("UDP to %d with message type %r" % (port, data[:1]))
    else:
        types.add(data[0])
print("udp=%d types=%s" % (n, ",".join(map(str, sorted(types)))))
for b in sorted(set(bad)):
    print("BAD", b)
'

wg_suite() {
	local impl=$1 h i j out pa pb before after hs_b ifidx gopid r cap passes

	wgl_setup
	check "ztos security wireguard pubkey agrees with wg pubkey" \
		test "$(wg pubkey <"$WGL_WORK/a/wg.key")" = "$(cat "$WGL_WORK/a/wg.pub")"

	# The capture on host b's underlay starts before any handshake.
	capture_start cap "$(wgl_ns b)" zw-u "$WGL_WORK/under.pcap"
	WGL_CAP_PIDS=("$cap")

	for h in "${WGL_HOSTS[@]}"; do
		if wgl_start "$h"; then ok "host $h: ztosd starts"; else not_ok "host $h: ztosd starts"; return; fi
	done
	for h in "${WGL_HOSTS[@]}"; do
		out=$(wgl_wg_json "$h")
		expect_eq "host $h: wireguard running" running "$(jq -r .state <<<"$out")"
		expect_eq "host $h: implementation $impl" "$impl" "$(jq -r .implementation <<<"$out")"
	done

	# The kernel's (or wireguard-go's) own view, through wg(8), not through ztos.
	i=$(wgl_if a)
	expect_eq "wg show: listen port" "$WGL_PORT" "$(wgl_in a wg show "$i" listen-port)"
	expect_eq "wg show: the public key of the key file" "$(cat "$WGL_WORK/a/wg.pub")" \
		"$(wgl_in a wg show "$i" public-key)"
	expect_eq "wg show: peers b and c" \
		"$(sort "$WGL_WORK/b/wg.pub" "$WGL_WORK/c/wg.pub" | tr '\n' ' ')" \
		"$(wgl_in a wg show "$i" peers | sort | tr '\n' ' ')"
	expect_eq "wg show: peer b's allowed IPs and endpoint" "10.255.0.2/32 192.0.2.2:$WGL_PORT" \
		"$(wgl_in a wg show "$i" allowed-ips | grep "$(cat "$WGL_WORK/b/wg.pub")" | cut -f2) $(wgl_in a wg show "$i" endpoints | grep "$(cat "$WGL_WORK/b/wg.pub")" | cut -f2)"
	expect_eq "wg show: keepalive 2 s" 2 \
		"$(wgl_in a wg show "$i" persistent-keepalive | grep "$(cat "$WGL_WORK/b/wg.pub")" | cut -f2)"
	expect_eq "link: MTU from the underlay (1500 - 60)" 1440 \
		"$(wgl_in a cat "/sys/class/net/$i/mtu")"
	expect_eq "link: marked as ztos's" "ztos: wireguard" "$(wgl_in a cat "/sys/class/net/$i/ifalias")"
	check "link: address 10.255.0.1/24" bash -c "ip -n $(wgl_ns a) -o addr show dev $i | grep -q 'inet 10.255.0.1/24'"

	wgl_vxlan
	for h in a b c; do
		for j in 1 2 3; do
			[ "$(wgl_idx "$h")" = "$j" ] && continue
			check "VXLAN over WireGuard: $h reaches 10.100.0.$j" wgl_reach "$h" "10.100.0.$j"
		done
	done

	# A marker crosses in the overlay (seen on b's VXLAN device), never on the wire.
	capture_start cap "$(wgl_ns b)" ztbr100 "$WGL_WORK/over.pcap" udp port 9999
	WGL_CAP_PIDS+=("$cap")
	for i in 1 2 3 4 5; do
		wgl_in a bash -c "echo '$WGL_MARKER' >/dev/udp/10.100.0.2/9999"
	done
	# The underlay carried them before the overlay delivered them: once b's bridge has
	# all five, the underlay capture holds what it will ever see of them.
	capture_wait "$WGL_WORK/over.pcap" 5
	for cap in "${WGL_CAP_PIDS[@]}"; do capture_stop "$cap"; done
	WGL_CAP_PIDS=()
	check "the marker crossed the overlay to b" grep -q "$WGL_MARKER" "$WGL_WORK/over.pcap"
	out=$(/usr/bin/python3 -c "$WGL_PCAP_CHECK" "$WGL_WORK/under.pcap" "$WGL_PORT" "$WGL_MARKER" 2>&1)
	echo "# underlay capture on b: $(head -n 1 <<<"$out")"
	check "underlay capture: only WireGuard messages, no plaintext marker" \
		bash -c "! grep -q BAD <<<'$out' && grep -q '^udp=[1-9]' <<<'$out'"
	check "underlay capture: handshake (types 1, 2) then transport data (type 4)" \
		grep -qE 'types=1,2,(3,)?4$' <<<"$out"

	# Status: each peer, handshake younger than 180 s, bytes rising.
	before=$(wgl_wg_json a)
	for h in b c; do
		r=$(jq -r ".peers[] | select(.name == \"host-$h\") | .last_handshake_s" <<<"$before")
		check "status: peer host-$h handshake ${r}s ago (< 180 s)" test -n "$r" -a "$r" != null -a "${r%.*}" -lt 180
	done
	wgl_ping a 10.100.0.2 5
	after=$(wgl_wg_json a)
	pb=$(jq -r '.peers[] | select(.name == "host-b") | "\(.rx_bytes) \(.tx_bytes)"' <<<"$before")
	pa=$(jq -r '.peers[] | select(.name == "host-b") | "\(.rx_bytes) \(.tx_bytes)"' <<<"$after")
	check "status: rx and tx bytes of host-b rise ($pb -> $pa)" \
		test "${pa% *}" -gt "${pb% *}" -a "${pa#* }" -gt "${pb#* }"
	out=$(wgl_z a security status --json)
	check "status: never the private key" bash -c "! grep -qF -- '$(cat "$WGL_WORK/a/wg.key")' <<<'$out'"
	out=$(wgl_z a security status)
	check "ztos security status: a row for host-b with its handshake" \
		grep -qE "^host-b +.* ago " <<<"$out"
	out=$(curl -s --unix-socket "$WGL_WORK/a/api.sock" http://localhost/metrics)
	check "/metrics: rx bytes of host-b" grep -qE '^ztos_wireguard_peer_rx_bytes_total\{peer="host-b"\} [1-9]' <<<"$out"

	# Restart: the device and its peers are adopted (same ifindex, same sessions).
	ifidx=$(jq -r .ifindex <<<"$after")
	hs_b=$(wgl_session a host-b)
	gopid=$(jq -r '.pid // empty' <<<"$after")
	wgl_stop a
	check "agent stopped: traffic still crosses (the device stays)" wgl_reach a 10.100.0.2
	: >"$WGL_WORK/a/ztosd.log"
	wgl_start a
	out=$(wgl_wg_json a)
	expect_eq "restart: the same device (ifindex)" "$ifidx" "$(jq -r .ifindex <<<"$out")"
	wgl_kept "restart: peer host-b's session kept (byte counters go on)" "$hs_b" \
		"$(jq -r '.peers[] | select(.name == "host-b") | "\(.rx_bytes) \(.tx_bytes)"' <<<"$out")"
	check "restart: nothing was set (no key, port or peer change)" bash -c \
		"! grep -E 'wireguard [^ ]*: (private key set|listen port|peer .* (added|updated|removed)|created)' '$WGL_WORK/a/ztosd.log'"
	if [ "$impl" = wireguard-go ]; then
		check "status: wireguard-go's pid ($gopid)" test -n "$gopid"
		expect_eq "restart: the same wireguard-go process" "$gopid" "$(jq -r '.pid // empty' <<<"$out")"
	fi

	# Removing a peer touches that peer only.
	hs_b=$(wgl_session a host-b)
	r=$(curl -s -w '\n%{http_code}' --unix-socket "$WGL_WORK/a/api.sock" -X POST \
		-d '{"wireguard": {"peers": [{"name": "host-c", "remove": true}]}}' \
		http://localhost/api/v1/network/configure)
	expect_eq "API configure: remove peer host-c" 200 "$(tail -n 1 <<<"$r")"
	check "wg show: host-c is gone from a" bash -c \
		"! ip netns exec $(wgl_ns a) wg show $(wgl_if a) peers | grep -qF '$(cat "$WGL_WORK/c/wg.pub")'"
	if wgl_ping a 10.100.0.3 3; then
		not_ok "peer removed: a no longer reaches c"
	else
		ok "peer removed: a no longer reaches c"
	fi
	check "peer removed: a still reaches b" wgl_reach a 10.100.0.2
	wgl_kept "peer removed: host-b untouched (its session goes on)" "$hs_b" "$(wgl_session a host-b)"
	check "reload of the file: the reload ends" \
		sighup_wait "$(cat "$WGL_WORK/a/agent.pid")" "$WGL_WORK/a/api.sock"
	check "reload of the file: host-c is back and reached" wgl_reach a 10.100.0.3

	# A changed peer is updated in place: its session stays.
	hs_b=$(wgl_session a host-b)
	r=$(wgl_post a '{"wireguard": {"peers": [{"name": "host-b", "persistent_keepalive": 3, "allowed_ips": ["10.255.0.2/32", "10.255.2.0/24"]}]}}')
	expect_eq "API configure: change peer host-b" 200 "$(tail -n 1 <<<"$r")"
	expect_eq "changed peer: wg show has its new allowed IPs and keepalive" "10.255.0.2/32 10.255.2.0/24 3" \
		"$(wgl_in a wg show "$(wgl_if a)" allowed-ips | grep "$(cat "$WGL_WORK/b/wg.pub")" | cut -f2) $(wgl_in a wg show "$(wgl_if a)" persistent-keepalive | grep "$(cat "$WGL_WORK/b/wg.pub")" | cut -f2)"
	wgl_kept "changed peer: updated in place (its session goes on)" "$hs_b" "$(wgl_session a host-b)"

	# The MTU follows the path: an IPv6 endpoint costs 80 bytes, not 60; a smaller
	# underlay MTU is picked up by the supervisor.
	r=$(wgl_post a '{"wireguard": {"peers": [{"name": "host-c", "endpoint": "[2001:db8::3]:51820"}]}}')
	expect_eq "host-c over IPv6: accepted" 200 "$(tail -n 1 <<<"$r")"
	expect_eq "host-c over IPv6: MTU 1500 - 80" 1420 "$(wgl_in a cat "/sys/class/net/$(wgl_if a)/mtu")"
	check "host-c over IPv6: a reaches c" wgl_reach a 10.100.0.3
	r=$(wgl_post a '{"wireguard": {"peers": [{"name": "host-c", "endpoint": "192.0.2.3:51820"}]}}')
	expect_eq "host-c over IPv4 again: MTU 1500 - 60" 1440 "$(wgl_in a cat "/sys/class/net/$(wgl_if a)/mtu")"
	wgl_in a ip link set zw-u mtu 1400
	check "underlay MTU 1400: the WireGuard MTU follows within 10 s (1340)" bash -c \
		"for i in \$(seq 50); do [ \$(ip netns exec $(wgl_ns a) cat /sys/class/net/$(wgl_if a)/mtu) = 1340 ] && exit 0; sleep 0.2; done; exit 1"
	wgl_in a ip link set zw-u mtu 1500

	# A later step of the same change fails (the datapath refuses an underlay that does
	# not exist): the WireGuard part is undone.
	r=$(wgl_post a '{"underlay": {"interface": "zw-none"}, "wireguard": {"peers": [{"name": "host-b", "persistent_keepalive": 9}]}}')
	expect_eq "a change the datapath refuses: refused" 422 "$(tail -n 1 <<<"$r")"
	expect_eq "a change the datapath refuses: host-b's keepalive is back to 3" 3 \
		"$(wgl_in a wg show "$(wgl_if a)" persistent-keepalive | grep "$(cat "$WGL_WORK/b/wg.pub")" | cut -f2)"

	# Drift: a peer removed behind the agent's back is put back by its supervisor.
	wgl_in a wg set "$(wgl_if a)" peer "$(cat "$WGL_WORK/b/wg.pub")" remove
	check "drift: host-b removed by hand is back within 10 s" bash -c \
		"for i in \$(seq 50); do ip netns exec $(wgl_ns a) wg show $(wgl_if a) peers | grep -qF '$(cat "$WGL_WORK/b/wg.pub")' && exit 0; sleep 0.2; done; exit 1"
	check "drift: a reaches b again" wgl_reach a 10.100.0.2

	# A peer with more allowed IPs than one netlink message holds: set in several, read
	# back split across dump messages and merged (else every reconcile would rewrite it).
	r=$(/usr/bin/python3 -c 'import json, sys
ips = ["10.200.%d.%d/32" % (i // 250, i % 250) for i in range(2500)]
print(json.dumps({"wireguard": {"peers": [{"name": "host-many", "public_key": sys.argv[1], "allowed_ips": ips}]}}))' \
		"$("$ZTOS" security wireguard genkey | "$ZTOS" security wireguard pubkey)")
	: >"$WGL_WORK/a/ztosd.log"
	r=$(wgl_post a "$r")
	expect_eq "a peer with 2500 allowed IPs: accepted" 200 "$(tail -n 1 <<<"$r")"
	expect_eq "a peer with 2500 allowed IPs: wg show has them all" 2500 \
		"$(wgl_in a wg show "$(wgl_if a)" allowed-ips | grep -o '10\.200\.' | wc -l)"
	# A supervisor pass (every 5 s) that began after the change reads the device back.
	passes=$(wgl_wg_json a | jq .supervisor_passes)
	check "a supervisor pass after the change" \
		wait_until 30 at_least $((passes + 1)) eval "wgl_wg_json a | jq .supervisor_passes"
	check "a peer with 2500 allowed IPs: read back whole (no rewrite by the supervisor)" \
		bash -c "[ \$(grep -c 'peer .* added' '$WGL_WORK/a/ztosd.log') -eq 1 ] && ! grep -q 'peer .* updated' '$WGL_WORK/a/ztosd.log'"
	r=$(wgl_post a '{"wireguard": {"peers": [{"name": "host-many", "remove": true}]}}')
	expect_eq "the peer with 2500 allowed IPs: removed" 200 "$(tail -n 1 <<<"$r")"

	wgl_bad_input "$impl"

	if [ "$impl" = wireguard-go ]; then
		# Supervision: a wireguard-go that dies is started again. (Its TUN device goes
		# with it, and the VXLAN device on top with that: only WireGuard is checked.)
		gopid=$(wgl_wg_json a | jq -r '.pid // empty')
		kill -KILL "$gopid"
		check "supervision: wireguard-go killed, a new one serves within 10 s" bash -c \
			"for i in \$(seq 50); do p=\$($ZTOS --socket $WGL_WORK/a/api.sock security status --json | jq -r '.wireguard.pid // empty'); [ -n \"\$p\" ] && [ \"\$p\" != $gopid ] && exit 0; sleep 0.2; done; exit 1"
		check "supervision: a reaches b over WireGuard again" bash -c \
			"for i in 1 2 3 4 5 6 7 8 9 10; do ip netns exec $(wgl_ns a) ping -c 1 -W 1 10.255.0.2 >/dev/null && exit 0; done; exit 1"
		gopid=$(wgl_wg_json a | jq -r '.pid // empty')
	fi

	# --cleanup: the device and (for wireguard-go) its process go.
	wgl_stop a
	nsenter --net="/run/netns/$(wgl_ns a)" "$ZTOSD" --cleanup --config "$WGL_WORK/a/ztos.yaml" >/dev/null 2>&1
	check "--cleanup: the WireGuard device is gone" bash -c \
		"! ip -n $(wgl_ns a) link show $(wgl_if a) 2>/dev/null"
	check "--cleanup: no UAPI socket left" test ! -S "/var/run/wireguard/$(wgl_if a).sock"
	if [ -n "$gopid" ]; then
		# gone, or a zombie its new parent (whoever reaps orphans here) has yet to reap
		check "--cleanup: wireguard-go stopped" bash -c \
			"[ ! -d /proc/$gopid ] || grep -q '^[0-9]* ([^)]*) Z' /proc/$gopid/stat"
	fi
	echo "1..$_tap_n"
}

# wgl_post HOST JSON: POST a configure; prints the body, the code on the last line.
wgl_post() {
	curl -s -w '\n%{http_code}' --unix-socket "$WGL_WORK/$1/api.sock" -X POST -d "$2" \
		http://localhost/api/v1/network/configure
}

wgl_bad_input() {
	local r peers_before port_before i
	i=$(wgl_if a)
	peers_before=$(wgl_in a wg show "$i" dump | tail -n +2 | cut -f1,3,4 | sort)
	port_before=$(wgl_in a wg show "$i" listen-port)

	r=$(wgl_post a '{"wireguard": {"peers": [{"name": "bad", "public_key": "c2hvcnQ=", "allowed_ips": ["10.255.0.9/32"]}]}}')
	expect_eq "bad key length: refused (422)" 422 "$(tail -n 1 <<<"$r")"
	check "bad key length: the error names the peer's public_key" grep -q 'public_key' <<<"$r"
	r=$(wgl_post a '{"wireguard": {"peers": [{"name": "bad", "public_key": "!!!!notbase64!!!!notbase64!!!!notbase64!!!!=", "allowed_ips": ["10.255.0.9/32"]}]}}')
	expect_eq "bad key encoding: refused (422)" 422 "$(tail -n 1 <<<"$r")"
	head -c 16 /dev/urandom | base64 >"$WGL_WORK/short.key"
	chmod 600 "$WGL_WORK/short.key"
	sed "s|private_key_file: .*|private_key_file: $WGL_WORK/short.key|" "$WGL_WORK/a/ztos.yaml" >"$WGL_WORK/short.yaml"
	r=$("$ZTOSD" --check-config "$WGL_WORK/short.yaml" 2>&1)
	check "private key of 16 bytes: --check-config names the file" grep -q "short.key does not hold a WireGuard private key" <<<"$r"

	r=$(wgl_post a '{"wireguard": {"peers": [{"name": "host-b", "endpoint": "nohost.invalid:51820"}]}}')
	expect_eq "endpoint that does not resolve: refused" 422 "$(tail -n 1 <<<"$r")"
	check "endpoint that does not resolve: the error names the peer and the endpoint" \
		grep -q "peer host-b: endpoint 'nohost.invalid:51820' does not resolve" <<<"$r"
	expect_eq "endpoint that does not resolve: the peers are as they were" "$peers_before" \
		"$(wgl_in a wg show "$i" dump | tail -n +2 | cut -f1,3,4 | sort)"

	wgl_in a ip link add "zwx$$" type bridge
	r=$(wgl_post a "{\"wireguard\": {\"interface\": \"zwx$$\"}}")
	expect_eq "name taken by a device ztos did not make: refused" 422 "$(tail -n 1 <<<"$r")"
	check "name taken: the error says whose it is" grep -q "ztos did not make it" <<<"$r"
	check "name taken: that device is left alone (no alias, no address, still a bridge)" bash -c \
		"ip -n $(wgl_ns a) -d -o link show zwx$$ | grep -q bridge && ! ip -n $(wgl_ns a) -o addr show dev zwx$$ | grep -q inet && [ -z \"\$(ip netns exec $(wgl_ns a) cat /sys/class/net/zwx$$/ifalias)\" ]"
	check "name taken: the running device is still there" wgl_reach a 10.100.0.2
	wgl_in a ip link del "zwx$$"

	if [ "$impl" = wireguard-go ]; then
		# wireguard-go's socket path is global: host b cannot take host a's name.
		r=$(wgl_post b "{\"wireguard\": {\"interface\": \"$i\"}}")
		expect_eq "a name whose UAPI socket another namespace serves: refused" 422 "$(tail -n 1 <<<"$r")"
		check "that name: the error says so" grep -q "another network namespace" <<<"$r"
		check "that name: host b keeps its device" wgl_reach b 10.100.0.1
	fi

	# The kernel (or wireguard-go) refuses a listen port that another socket holds.
	wgl_in a /usr/bin/python3 -c 'import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 23456))
t = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM); t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1); t.bind(("::", 23456))
time.sleep(60)' &
	WGL_PORT_PID=$!
	wait_until 10 eval "ip netns exec $(wgl_ns a) ss -Hlun 'sport = :23456' | grep -q ."
	check "listen port in use: another socket holds UDP 23456" kill -0 "$WGL_PORT_PID"
	r=$(wgl_post a '{"wireguard": {"listen_port": 23456, "peers": [{"name": "host-d", "public_key": "'"$("$ZTOS" security wireguard genkey | "$ZTOS" security wireguard pubkey)"'", "allowed_ips": ["10.255.0.4/32"]}]}}')
	expect_eq "listen port in use: refused" 422 "$(tail -n 1 <<<"$r")"
	echo "# $(head -n 1 <<<"$r" | jq -r '.error.message // .' 2>/dev/null | head -c 300)"
	check "listen port in use: the error names the device, the step and the reason" \
		grep -qE "wireguard $i: .*(listen port|UAPI set).*(in use|Address already)" <<<"$r"
	expect_eq "listen port in use: the port is as it was" "$port_before" "$(wgl_in a wg show "$i" listen-port)"
	expect_eq "listen port in use: the peers are as they were (no half-added peer)" "$peers_before" \
		"$(wgl_in a wg show "$i" dump | tail -n +2 | cut -f1,3,4 | sort)"
	kill "$WGL_PORT_PID" 2>/dev/null
	wait "$WGL_PORT_PID" 2>/dev/null
	WGL_PORT_PID=
}
