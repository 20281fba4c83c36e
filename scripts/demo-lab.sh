# SPDX-License-Identifier: GPL-2.0-only
# The demo's fleet (scripts/demo.sh), in network namespaces named $DEMO_P-*:
#
#   $DEMO_P-sw: the datacenter switch (bridge br0), one port per host
#   $DEMO_P-h<i> (i = 1..3): a host. ul 192.0.2.<i>/24 to the switch; ztosd, and through
#     it FRR (zebra, bgpd: pathspace $DEMO_P-h<i>) and WireGuard ($DEMO_P-wg<i>,
#     10.255.0.<i>/24, a mesh: in the kernel, or wireguard-go where the kernel has none).
#     The underlay ztos puts VXLAN on is the WireGuard device: tenant traffic between
#     hosts is encrypted. BGP runs over it too, host 1 the route reflector.
#     wblue, wred: the ports of the host's two workloads
#   $DEMO_P-h<i>b, $DEMO_P-h<i>r: the workloads of tenants blue (VNI 100) and red
#     (VNI 200). Both use 10.0.0.<i>/24 (overlapping subnets); MACs 02:b1:00:00:00:0<i>
#     (blue) and 02:e1:00:00:00:0<i> (red); each serves HTTP on port 80.
#
# No static vteps: each host learns the others' VTEPs through BGP EVPN. Tenant traffic
# to port 80 is inspected (DPI; a match blocks the rest of its flow).
# DEMO_VM=1 (the demo in the VM of scripts/demo-vm.sh, whose kernel has them): MACsec on
# the underlay too (ztmacsec0 on ul, GCM-AES-256, a TX key per host, 192.0.2.<i> on it, ul
# carrying only MACsec), WireGuard over it, and each tenant's bridge in a VRF of its own.
# Source it, set DEMO_P, DEMO_RUN (a folder of its own), ZTOS, ZTOSD; then demo_lab_up,
# demo_keys, demo_config per host, demo_start per host; demo_down takes it all away.
# shellcheck shell=bash

. "$(dirname "${BASH_SOURCE[0]}")/../tests/netns/evpn-lab.sh"
DEMO_N=3
DEMO_WG_PORT=51820
DEMO_ASN=64512
DEMO_VM=${DEMO_VM:-0}
DEMO_MACSEC=ztmacsec0
# room for VXLAN (50) over WireGuard (60), and in the VM over MACsec (32) too
demo_mtu() { [ "$DEMO_VM" = 1 ] && echo 1358 || echo 1390; }

demo_ns() { echo "$DEMO_P-h$1"; }
demo_dir() { echo "$DEMO_RUN/h$1"; }
demo_sock() { echo "$DEMO_RUN/h$1/api.sock"; }
demo_wg() { echo "$DEMO_P-wg$1"; }
demo_in() { local i=$1; shift; nsenter --net="/run/netns/$(demo_ns "$i")" "$@"; }
demo_ztos() { local i=$1; shift; "$ZTOS" --socket "$(demo_sock "$i")" "$@"; }
# The pins live under /sys/fs/bpf/ztos-demo*: every demo's, and only demos'.
demo_bpffs() {
	case $DEMO_P in
	ztos-demo*) echo "/sys/fs/bpf/$DEMO_P-h$1" ;;
	*) echo "/sys/fs/bpf/ztos-demo-$DEMO_P-h$1" ;;
	esac
}

# demo_namespaces: every namespace of this demo (the switch, hosts, workloads)
demo_namespaces() { ip netns list | awk '{print $1}' | grep -E "^$DEMO_P-(sw|h[0-9]+[br]?)$"; }

# demo_lab_up: tests/netns/evpn-lab.sh's switch, hosts and workloads, under this
# prefix; the workloads' MTU leaves room for the encapsulations (demo_mtu). In the VM
# the underlay's address goes to the MACsec link the agent makes (demo_macsec_addr), and
# ul, its parent, speaks no IP of its own.
demo_lab_up() {
	local i t ns
	EVL_P=$DEMO_P EVL_N=$DEMO_N evl_up || return 1
	for i in $(seq "$DEMO_N"); do
		ns=$(demo_ns "$i")
		for t in blue red; do
			ip -n "$ns" link set "w$t" mtu "$(demo_mtu)" || return 1
			ip -n "$ns${t:0:1}" link set eth0 mtu "$(demo_mtu)" || return 1
		done
		[ "$DEMO_VM" = 1 ] || continue
		ip -n "$ns" addr flush dev ul || return 1
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.ul.disable_ipv6=1 || return 1
	done
}

# demo_macsec_addr HOST: once the agent made the MACsec link, the host's underlay address
# on it (WireGuard's endpoints are these)
demo_macsec_addr() {
	local ns
	ns=$(demo_ns "$1")
	ip -n "$ns" link show "$DEMO_MACSEC" >/dev/null 2>&1 || return 1
	ip -n "$ns" -4 addr show dev "$DEMO_MACSEC" | grep -q "192.0.2.$1/" && return 0
	ip -n "$ns" addr add "192.0.2.$1/24" dev "$DEMO_MACSEC"
}

demo_keys() {
	local i d
	for i in $(seq "$DEMO_N"); do
		d=$(demo_dir "$i")
		mkdir -p -m 700 "$d"
		(umask 077 && "$ZTOS" security wireguard genkey >"$d/wg.key") || return 1
		"$ZTOS" security wireguard pubkey <"$d/wg.key" >"$d/wg.pub" || return 1
		[ "$DEMO_VM" = 1 ] || continue
		# the MACsec key this host sends with: 32 random bytes in hex (GCM-AES-256)
		(umask 077 && od -An -tx1 -N32 /dev/urandom | tr -d ' \n' >"$d/macsec.key") || return 1
	done
}

# demo_bgp_peers HOST: host 1 reflects routes to the others; the others peer with it
demo_bgp_peers() {
	local i=$1 j
	if [ "$i" -eq 1 ]; then
		for j in $(seq 2 "$DEMO_N"); do
			echo "    - {address: 10.255.0.$j, asn: $DEMO_ASN, route_reflector_client: true}"
		done
	else
		echo "    - {address: 10.255.0.1, asn: $DEMO_ASN}"
	fi
}

demo_wg_peers() {
	local i=$1 j
	for j in $(seq "$DEMO_N"); do
		[ "$j" -eq "$i" ] && continue
		echo "    - {name: host-$j, public_key: \"$(cat "$(demo_dir "$j")/wg.pub")\", endpoint: \"192.0.2.$j:$DEMO_WG_PORT\", allowed_ips: [10.255.0.$j/32], persistent_keepalive: 25}"
	done
}

# demo_config HOST: that host's ztos.yaml. The API listens on the host's own loopback;
# the dashboard reaches host 1's through demo_forward.
demo_config() {
	local i=$1 d
	d=$(demo_dir "$i")
	cat <<YAML
version: 1
agent:
  api: {listen: "127.0.0.1:8080", socket: $d/api.sock, token_file: $d/token}
  state_dir: $d/state
  bpffs: $(demo_bpffs "$i")
  log: {file: $d/events.json, syslog: false}
  frr: {pathspace: $(demo_ns "$i")}
# a WireGuard device has no native XDP (no driver hook): generic, asked for, not a fallback
underlay: {interface: $(demo_wg "$i"), address: 10.255.0.$i, xdp_mode: generic}
wireguard:
  interface: $(demo_wg "$i")
  private_key_file: $d/wg.key
  listen_port: $DEMO_WG_PORT
  address: 10.255.0.$i/24
  peers:
$(demo_wg_peers "$i")
bgp:
  asn: $DEMO_ASN
  router_id: 10.255.0.$i
  peers:
$(demo_bgp_peers "$i")
YAML
	[ "$DEMO_VM" = 1 ] && demo_macsec "$i"
	echo "tenants:"
	demo_tenant blue 100
	demo_tenant red 200
	cat <<YAML
dpi:
  enabled: true
  engine: auto
  rules: [$DEMO_RUN/demo.rules]
  on_alert: block
YAML
}

# demo_macsec HOST: MACsec on ul to every other host (their ul MACs), each host's TX key
# under key id 0<i>
demo_macsec() {
	local i=$1 j
	cat <<YAML
macsec:
  interface: $DEMO_MACSEC
  parent: ul
  cipher: gcm-aes-256
  encrypt: true
  replay_window: 32
  tx_sa: {an: 0, key_id: "0$i", key_file: $(demo_dir "$i")/macsec.key}
  peers:
YAML
	for j in $(seq "$DEMO_N"); do
		[ "$j" -eq "$i" ] && continue
		echo "    - {mac: \"$(ip -n "$(demo_ns "$j")" -j link show ul | jq -r '.[0].address')\", port: 1, rx_sa: {an: 0, key_id: \"0$j\", key_file: $(demo_dir "$j")/macsec.key}}"
	done
}

demo_tenant() {
	cat <<YAML
  - name: $1
    vni: $2
    interfaces: [w$1]
    subnets: [10.0.0.0/24]
YAML
	# in the VM, the tenant's bridge in a VRF of its own (table = VNI)
	[ "$DEMO_VM" = 1 ] && echo "    vrf: {table: $2}"
	cat <<YAML
    policy:
      default: allow
      rules:
        - {action: inspect, proto: tcp, dport: 80}
YAML
}

demo_rules() {
	cat <<'RULES'
# The demo's signatures (Suricata syntax). The traffic generator sends a match now and then.
drop tcp any any -> any 80 (msg:"ztos demo: path traversal in an HTTP request"; flow:to_server; content:"GET "; content:"../"; classtype:web-application-attack; priority:1; sid:1000001; rev:1;)
drop tcp any any -> any 80 (msg:"ztos demo: shell command in a request header"; flow:to_server; content:"() { :|3b| }|3b|"; classtype:attempted-admin; priority:1; sid:1000002; rev:1;)
RULES
}

# demo_start HOST: ztosd in the host's namespace (nsenter, not ip netns exec: its pins
# must live in the machine's bpffs, not in a mount namespace of its own)
demo_start() {
	local i=$1 d pid
	d=$(demo_dir "$i")
	nsenter --net="/run/netns/$(demo_ns "$i")" "$ZTOSD" --config "$d/ztos.yaml" \
		>>"$d/ztosd.log" 2>&1 &
	pid=$!
	echo "$pid" >"$d/pid"
}

# demo_started HOST: its API answers
demo_started() {
	local d
	d=$(demo_dir "$1")
	[ -S "$d/api.sock" ] && [ -s "$d/token" ] && demo_ztos "$1" status >/dev/null 2>&1
}

demo_alive() { kill -0 "$(cat "$(demo_dir "$1")/pid" 2>/dev/null)" 2>/dev/null; }

# demo_started_or_gone HOST: the agent answers, or it has exited (no use waiting on it)
demo_started_or_gone() { demo_started "$1" || ! demo_alive "$1"; }

# demo_wait SECONDS CMD...: poll CMD every 0.2 s until it succeeds; false after SECONDS,
# four times as many in the VM: its CPUs are emulated (TCG), and a busy host makes them
# slower still. The bounds are for a hang, not for a slow machine.
demo_wait() {
	local deadline=$((SECONDS + $1 * (DEMO_VM == 1 ? 4 : 1)))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.2
	done
}

# demo_bgp_up HOST: every session of the host is Established
demo_bgp_up() {
	demo_ztos "$1" network show --json |
		jq -e '(.bgp.peers | length) > 0 and all(.bgp.peers[]; .state == "Established")'
}

# demo_vteps_learned HOST: each tenant's allowlist holds every other host's VTEP
demo_vteps_learned() {
	demo_ztos "$1" network show --json |
		jq -e --argjson n $((DEMO_N - 1)) \
			'all(.tenants[]; ([.allowlist[]? | select(.origin == "evpn")] | length) == $n)'
}

# demo_forward ADDR PORT: the dashboard and the CLI reach host 1's API from this machine's
# ADDR:PORT (loopback; in the VM its NIC), one socat per connection into the host's
# namespace. A process group of its own: those per connection (an open dashboard holds
# some) end with it.
demo_forward() {
	setsid socat "TCP-LISTEN:$2,bind=$1,reuseaddr,fork" \
		"EXEC:nsenter --net=/run/netns/$(demo_ns 1) socat STDIO TCP\:127.0.0.1\:8080" \
		2>>"$DEMO_RUN/forward.log" &
	echo $! >"$DEMO_RUN/forward.pid"
}

# demo_stop_pid FILE [-]: the process whose pid FILE holds ends (TERM, then KILL after
# 10 s); with -, its whole process group
demo_stop_pid() {
	local pid
	pid=$(cat "$1" 2>/dev/null) || return 0
	[ -n "$pid" ] || return 0
	kill -TERM "${2:-}$pid" 2>/dev/null || { rm -f "$1"; return 0; }
	for _ in $(seq 100); do
		kill -0 "${2:-}$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "${2:-}$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	rm -f "$1"
	return 0
}

# demo_host_down HOST: its agent stopped, then everything it made removed (--cleanup
# stops its FRR and wireguard-go, unpins its maps, deletes its devices)
demo_host_down() {
	local i=$1 d p
	d=$(demo_dir "$i")
	demo_stop_pid "$d/pid"
	[ -f "$d/ztos.yaml" ] && [ -e "/run/netns/$(demo_ns "$i")" ] &&
		demo_in "$i" "$ZTOSD" --cleanup --config "$d/ztos.yaml" >>"$d/cleanup.log" 2>&1
	# what an agent killed before it could say could not stop
	for p in "/var/run/frr/$(demo_ns "$i")"/*.pid; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	rm -rf "/var/run/frr/$(demo_ns "$i")" "/etc/frr/$(demo_ns "$i")" "$(demo_bpffs "$i")"
	rm -f "/var/run/wireguard/$(demo_wg "$i").sock"
	return 0
}

# demo_down: the hosts taken down side by side, then the namespaces and what they held
# removed. Safe when half set up, and when run twice.
demo_down() {
	local i ns pids=()
	demo_stop_pid "$DEMO_RUN/traffic.pid"
	demo_stop_pid "$DEMO_RUN/forward.pid" -
	for i in $(seq "$DEMO_N"); do
		demo_host_down "$i" &
		pids+=($!)
	done
	wait "${pids[@]}"
	for ns in $(demo_namespaces); do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -KILL 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}
