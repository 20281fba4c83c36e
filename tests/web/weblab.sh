# SPDX-License-Identifier: GPL-2.0-only
# The lab the browser tests run against: tests/netns/lab.sh's two hosts under the prefix
# zw (zw-a runs ztosd, zw-b is a VTEP with an HTTP server across VXLAN, zw-wa is a
# workload of tenant blue), DPI on tcp/80 with a drop rule, and a WireGuard device
# (wireguard-go where the kernel has none) with one peer that never answers.
# Source after tests/lib.sh; then web_lab_setup. web_traffic makes real flows.
# shellcheck shell=bash

LAB_P=zw
. "$(dirname "${BASH_SOURCE[0]}")/../netns/lab.sh"
WEB_SID=9100001		# the drop rule's sid: "X-Evil: yes" in a request to port 80
WEB_WG=zwwg$$		# wireguard-go's UAPI socket names are global: one per test run

web_rules() {
	cat >"$WORK/local.rules" <<RULES
drop tcp any any -> any 80 (msg:"ztos web test: evil header"; flow:to_server; content:"X-Evil|3a| yes"; nocase; classtype:trojan-activity; priority:1; sid:$WEB_SID; rev:1;)
alert tcp any any -> any 80 (msg:"ztos web test: admin path"; content:"GET /admin"; classtype:web-application-attack; priority:2; sid:9100002; rev:1;)
RULES
}

web_config() {
	(umask 077 && "$ZTOS" security wireguard genkey >"$WORK/wg.key")
	BPFFS=/sys/fs/bpf/ztos-web-${WORK##*.}
	LAB_RULES="        - {action: inspect, proto: tcp, dport: 80}
        - {action: deny, proto: tcp, dport: 9999}" \
	LAB_DPI="{enabled: true, engine: cpu, rules: [$WORK/local.rules], on_alert: block, batch_size: 64, batch_timeout_us: 100}" \
		lab_config "$CONFIG" "$BPFFS"
	cat >>"$CONFIG" <<YAML
wireguard:
  interface: $WEB_WG
  private_key_file: $WORK/wg.key
  listen_port: 51821
  address: 10.255.0.1/24
  peers:
    - {name: host-b, public_key: "$("$ZTOS" security wireguard genkey | "$ZTOS" security wireguard pubkey)", endpoint: "192.0.2.2:51821", allowed_ips: [10.255.0.2/32], persistent_keepalive: 25}
YAML
}

# web_traffic: real flows through the datapath: HTTP to host B, pings, a denied port.
web_traffic() {
	local i
	for i in 1 2 3; do
		ip netns exec "$LAB_P-wa" curl -s -m 2 -o /dev/null http://10.100.0.2/index.html || return 1
	done
	ip netns exec "$LAB_P-wa" ping -c 3 -i 0.2 -W 1 10.100.0.2 >/dev/null || return 1
	# tcp/9999 is denied by policy: the connection attempt is dropped (a deny flow).
	ip netns exec "$LAB_P-wa" curl -s -m 1 -o /dev/null http://10.100.0.2:9999/ || true
	return 0
}

# Traffic that lasts the whole test: a ping every second, and two HTTP connections held
# open (a request every 10 s), so the flow table is never empty when a page looks.
web_steady_traffic() {
	ip netns exec "$LAB_P-wa" ping -q -i 1 10.100.0.2 >/dev/null 2>&1 &
	ip netns exec "$LAB_P-wa" /usr/bin/python3 - >"$WORK/client.log" 2>&1 <<'PY' &
import socket, time
conns = [socket.create_connection(("10.100.0.2", 80), timeout=3) for _ in range(2)]
while True:
    for s in conns:
        s.sendall(b"GET /steady HTTP/1.1\r\nHost: b\r\n\r\n")
        s.recv(4096)
    time.sleep(10)
PY
}

web_lab_teardown() {
	"${IN_A[@]}" "$ZTOSD" --cleanup --config "$CONFIG" >/dev/null 2>&1
	[ -n "${LAB_HTTP_PID:-}" ] && kill "$LAB_HTTP_PID" 2>/dev/null
	agent_teardown
	lab_down
}

web_lab_setup() {
	agent_setup
	trap web_lab_teardown EXIT
	web_rules
	web_config
	check "lab: two hosts with VXLAN (zw-a, zw-b) and a workload (zw-wa)" lab_up
	start_agent_case "ztosd starts in host A" "${IN_A[@]}"
	Z=("$ZTOS" --socket "$SOCK")
	lab_http_server "$WORK/server.log"	# not under check: its subshell would lose the pid
	expect_eq "HTTP server on host B" 0 $?
	check "real traffic crosses the lab (HTTP, ping, a denied port)" web_traffic
	web_steady_traffic
}
