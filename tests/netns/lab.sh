# SPDX-License-Identifier: GPL-2.0-only
# A two-host VXLAN lab in network namespaces, shared by the datapath tests.
#
#   zt-wa (workload of tenant blue, 10.100.0.10)
#     | veth-blue0 (tenant port, TC)
#   zt-a: ztbr100 [ztvx100 VNI 100] ul-a 192.0.2.1 (XDP) ==== ul-b 192.0.2.2 zt-b: vxlan100 10.100.0.2
#
# ztosd runs in zt-a and makes host A's overlay (ztvx100 in ztbr100, with veth-blue0)
# from its config; host B has no agent, so its VXLAN device is made with ip(8).
# shellcheck shell=bash

# LAB_P: the namespaces' prefix (zt-a, zt-b, zt-wa by default); a test that must not meet
# another's lab sets its own before sourcing this file.
LAB_P=${LAB_P:-zt}
LAB_NS=("$LAB_P-a" "$LAB_P-b" "$LAB_P-wa")

lab_down() {
	local ns
	for ns in "${LAB_NS[@]}"; do
		# A deleted namespace does not end its processes (iperf3 -D listeners that never
		# got their client, say): end them, or they outlive the test.
		ip netns pids "$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

lab_up() {
	lab_down
	for ns in "${LAB_NS[@]}"; do ip netns add "$ns" || return 1; done
	ip link add ul-a netns "$LAB_P-a" type veth peer name ul-b netns "$LAB_P-b" || return 1
	ip link add veth-blue0 netns "$LAB_P-a" type veth peer name eth0 netns "$LAB_P-wa" || return 1
	ip -n "$LAB_P-a" addr add 192.0.2.1/24 dev ul-a
	ip -n "$LAB_P-b" addr add 192.0.2.2/24 dev ul-b
	# Host B only: VXLAN to a static remote, as head-end replication would give.
	ip -n "$LAB_P-b" link add vxlan100 type vxlan id 100 local 192.0.2.2 remote 192.0.2.1 \
		dstport 4789 dev ul-b nolearning
	ip -n "$LAB_P-b" addr add 10.100.0.2/24 dev vxlan100
	ip -n "$LAB_P-wa" addr add 10.100.0.10/24 dev eth0
	for l in lo ul-a veth-blue0; do ip -n "$LAB_P-a" link set "$l" up; done
	for l in lo ul-b vxlan100; do ip -n "$LAB_P-b" link set "$l" up; done
	for l in lo eth0; do ip -n "$LAB_P-wa" link set "$l" up; done
	# veth native XDP needs the peer to take GRO-less frames: nothing to do on 6.x.
	return 0
}

# lab_config FILE BPFFS: ztosd's config for host A. A test may set LAB_RULES (tenant
# blue's policy rules, as YAML list lines) and LAB_DPI (the dpi: section) first. The
# default dpi: section copies over the DPI link (afxdp), which these tests look at.
lab_config() {
	local rules=${LAB_RULES:-}
	local dpi=${LAB_DPI:-}

	[ -n "$rules" ] || rules="        - {action: deny, proto: tcp, dport: 9999}
        - {action: inspect, proto: tcp, dport: 5201}"
	[ -n "$dpi" ] || dpi="{enabled: true, engine: cpu, transport: afxdp}"
	cat >>"$1" <<YAML
underlay: {interface: ul-a, address: 192.0.2.1, xdp_mode: native, flow_table_size: 65536}
tenants:
  - name: blue
    vni: 100
    vteps: [192.0.2.2]
    interfaces: [veth-blue0]
    subnets: [10.100.0.0/24]
    policy:
      default: allow
      rules:
$rules
dpi: $dpi
YAML
	sed -i "s|bpffs: .*|bpffs: $2|" "$1"
}

# lab_http_server LOG: an HTTP/1.1 server on host B (10.100.0.2:80, across VXLAN from
# the workload) that keeps connections open (http.server's default closes them); its
# pid in LAB_HTTP_PID. Returns once it listens.
lab_http_server() {
	ip netns exec "$LAB_P-b" /usr/bin/python3 - <<'PY' >"$1" 2>&1 &
import http.server, socketserver
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = b"hello from host B\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
S(("10.100.0.2", 80), H).serve_forever()
PY
	LAB_HTTP_PID=$!
	wait_until 10 listening "$LAB_P-b" 80
}

# nsenter, not ip netns exec: that one also gives the process a mount namespace of its
# own, and the agent's pins (and a bpffs it mounts) must outlive it on the host.
IN_A=(nsenter --net=/run/netns/$LAB_P-a)

# lab_setup: the scratch agent (tests/lib.sh) configured for host A, the lab, and
# ztosd running in zt-a; everything goes away when the test exits.
lab_setup() {
	agent_setup
	trap '"${IN_A[@]}" "$ZTOSD" --cleanup --config "$CONFIG" >/dev/null 2>&1; agent_teardown; lab_down' EXIT
	lab_config "$CONFIG" "$BPFFS"
	check "lab: two hosts (host B with VXLAN)" lab_up
	start_agent_case "ztosd starts in host A" "${IN_A[@]}"
	Z=("$ZTOS" --socket "$SOCK")
}

# inject NS IFACE SRC VNI: one VXLAN packet with an inner ICMP echo, crafted by scapy.
inject() {
	ip netns exec "$1" /usr/bin/python3 - "$2" "$3" "$4" "${5:-1}" <<'PY'
import sys
from scapy.all import Ether, IP, UDP, ICMP, sendp, conf
from scapy.layers.vxlan import VXLAN
conf.verb = 0
iface, src, vni, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
pkt = (Ether(dst="ff:ff:ff:ff:ff:ff") / IP(src=src, dst="192.0.2.1") /
       UDP(sport=40000, dport=4789) / VXLAN(vni=vni, flags=0x08) /
       Ether(src="02:00:00:00:99:01", dst="ff:ff:ff:ff:ff:ff") /
       IP(src="10.200.0.5", dst="10.100.0.10") / ICMP())
sendp(pkt, iface=iface, count=count)
PY
}

# stream_start: the stream of tests/lib.sh (ping_stream_start) from the workload to host B,
# across VNI 100.
stream_start() { ping_stream_start "$LAB_P-wa" 10.100.0.2 "$WORK/ping.txt"; }

# xdp_prog NS IFACE: the name of the XDP program attached there (BTF name), or nothing.
xdp_prog() {
	local id
	id=$(ip -n "$1" -j -d link show "$2" | jq '.[0].xdp.prog.id // empty')
	[ -n "$id" ] && bpftool -j prog show id "$id" | jq -r .name
}
