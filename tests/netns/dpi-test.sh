#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# DPI end to end on real traffic: a tenant whose policy inspects tcp/80, an HTTP server
# on host B across VXLAN, a client in a workload namespace on host A holding one TCP
# connection. ztosd (host A) mirrors the flow to the DPI link, reads it over AF_XDP,
# scans it with the rules; a request carrying a drop rule's signature is an alert within
# 1 s (event log, /api/v1/alerts, `ztos alerts --json`, the SSE stream), and the rest of
# that connection is dropped in TC/XDP; other flows go on. Every copy is read or
# counted lost. A rule file with errors is refused on SIGHUP and the rules in use stay.
# Then the same over dpi.transport ring (a BPF ring buffer instead of the link), and back.
#
#   zdp-wa (client 10.100.0.10) -- veth-blue0 (TC) -- zdp-a: ztbr100 [ztvx100] ul-a (XDP)
#        ==== ul-b zdp-b: vxlan100 10.100.0.2 (HTTP server on :80)
set -u
. "$(dirname "$0")/../lib.sh"

LAB_P=zdp	# its own namespaces: zdp-a, zdp-b, zdp-wa (tests/netns/lab.sh)
. "$(dirname "$0")/lab.sh"
SID_DROP=9000001	# drop rule: blocks the flow
SID_ALERT=9000002	# alert rule: alerts only (on_alert: log)

write_rules() {
	cat >"$WORK/local.rules" <<RULES
# ztos dpi-test
drop tcp any any -> any 80 (msg:"ztos test: evil header"; flow:to_server; content:"X-Evil|3a| yes"; nocase; classtype:trojan-activity; priority:1; sid:$SID_DROP; rev:2;)
alert tcp any any -> any 80 (msg:"ztos test: watched path"; content:"GET /watched"; sid:$SID_ALERT; rev:1;)
RULES
}

setup() {
	agent_setup
	trap '"${IN_A[@]}" "$ZTOSD" --cleanup --config "$CONFIG" >/dev/null 2>&1; kill ${SERVER_PID:-} ${SSE_PID:-} 2>/dev/null; agent_teardown; lab_down' EXIT
	write_rules
	cat >>"$CONFIG" <<YAML
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
        - {action: inspect, proto: tcp, dport: 80}
dpi: {enabled: true, engine: cpu, transport: afxdp, rules: [$WORK/local.rules], rules_dir: $WORK, on_alert: log, batch_size: 64, batch_timeout_us: 100}
YAML
	sed -i "s|bpffs: .*|bpffs: $BPFFS|" "$CONFIG"
	check "lab: two hosts with VXLAN (zdp-a, zdp-b) and a workload (zdp-wa)" lab_up
	start_agent_case "ztosd starts in host A" "${IN_A[@]}"
	Z=("$ZTOS" --socket "$SOCK")
}

# client PATH1 HEADER PATH2 [GO]: one TCP connection (a raw socket: nothing reconnects);
# request 1 to PATH1, request 2 to PATH2 with HEADER (may be empty), then a third to
# PATH1 — once the file GO exists when GO is given (the test makes it when the flow is
# blocked; at most 20 s). Prints JSON: the local port, the time request 2 was sent, and
# for each request "200" when its answer came, "timeout" when nothing came within 2 s.
# The local port is also written to $WORK/client.port once request 2 is out.
client() {
	rm -f "$WORK/client.port"
	ip netns exec zdp-wa /usr/bin/python3 - "$WORK/client.port" "$@" <<'PY'
import json, os, socket, sys, time
port_file, path1, header, path2 = sys.argv[1:5]
go = sys.argv[5] if len(sys.argv) > 5 else None
END = b"hello from host B\n"
s = socket.create_connection(("10.100.0.2", 80), timeout=3)
out = {"port": s.getsockname()[1]}
def req(name, path, hdr=""):
    s.sendall(("GET %s HTTP/1.1\r\nHost: b\r\n%s\r\n" % (path, hdr + "\r\n" if hdr else "")).encode())
    got, deadline = b"", time.time() + 2
    s.settimeout(0.1)
    while not got.endswith(END) and time.time() < deadline:
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            continue
        if not chunk:
            break
        got += chunk
    out[name] = got.split(b" ", 2)[1].decode() if got.endswith(END) else "timeout"
req("first", path1)
out["sent_us"] = int(time.time() * 1e6)
req("second", path2, header)
with open(port_file + ".tmp", "w") as f:
    f.write(str(out["port"]))
os.rename(port_file + ".tmp", port_file)
deadline = time.time() + 20
while go and not os.path.exists(go) and time.time() < deadline:
    time.sleep(0.01)
req("third", path1)
print(json.dumps(out))
PY
}

# The epoch µs of an eve timestamp ("2026-11-25T23:24:06.123456+0000").
ts_us() {
	/usr/bin/python3 -c 'import sys, datetime; print(int(datetime.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%f%z").timestamp() * 1e6))' "$1"
}

setup
st=$("${Z[@]}" status --json)
expect_eq "status: dpi running with the cpu engine" "running cpu" \
	"$(jq -r '.subsystems.dpi | "\(.state) \(.engine)"' <<<"$st")"
check "status: the engine says why it was chosen" test -n "$(jq -r '.subsystems.dpi.engine_reason // empty' <<<"$st")"
expect_eq "status: 2 rules loaded, none skipped" "2 0" \
	"$(jq -r '.subsystems.dpi.rules | "\(.loaded) \(.skipped)"' <<<"$st")"
expect_eq "status: AF_XDP on ztos-dpi1" ztos-dpi1 "$(jq -r .subsystems.dpi.interface <<<"$st")"
check "the AF_XDP socket is in the xsks map" bash -c \
	"bpftool -j map dump pinned '$BPFFS/xsks' | jq -e 'length >= 1' >/dev/null"
lab_http_server "$WORK/server.log"	# not under check: its $(...) subshell would lose the pid
expect_eq "HTTP server on host B" 0 $?
SERVER_PID=$LAB_HTTP_PID

# Follow the alert stream (SSE) from before the attack.
curl -sN --unix-socket "$SOCK" "http://localhost/api/v1/monitoring/logs?follow=1&event_type=alert" \
	>"$WORK/sse.txt" 2>/dev/null &
SSE_PID=$!
wait_until 10 sse_following "$WORK/sse.txt"

# blocked PORT: the flow from the client's PORT to :80 has verdict block.
blocked() {
	"${Z[@]}" flows --json --verdict block |
		jq -e --argjson p "$1" 'any(.flows[]; .dest_port == 80 and .src_port == $p)'
}

# evil_request OUT NAME: one connection whose second request carries the drop rule's
# signature; the third goes once the flow is blocked (or after 20 s: then it is
# answered). Case NAME: the flow was blocked. OUT gets the client's JSON. The port file
# goes first: one left by an earlier client must not be taken for this one's.
evil_request() {
	local cpid
	rm -f "$WORK/go" "$WORK/client.port"
	client / "X-Evil: yes" /index.html "$WORK/go" >"$1" &
	cpid=$!
	wait_until 20 test -s "$WORK/client.port"
	check "$2" wait_until 20 blocked "$(cat "$WORK/client.port" 2>/dev/null || echo 0)"
	touch "$WORK/go"
	wait $cpid
}

# 1. A request carrying the drop rule's signature; the rest of its connection dropped.
evil_request "$WORK/client1.json" "the signature blocks the flow"
r=$(cat "$WORK/client1.json")
echo "# client: $r"
port=$(jq -r .port <<<"$r")
expect_eq "the first request on the connection is answered" 200 "$(jq -r .first <<<"$r")"
expect_eq "the request after the signature, on the same connection, gets no answer" timeout \
	"$(jq -r .third <<<"$r")"
alert=$(jq -c "select(.event_type==\"alert\" and .alert.signature_id==$SID_DROP)" "$EVENTS" | head -n 1)
check "an alert event for sid $SID_DROP is in the event log" test -n "$alert"
echo "# alert: $alert"
if [ -n "$alert" ]; then
	lat=$(( $(ts_us "$(jq -r .timestamp <<<"$alert")") - $(jq -r .sent_us <<<"$r") ))
	check "the alert came within 1 s of the request (${lat} µs)" test "$lat" -lt 1000000
fi
expect_eq "the alert names the flow: 5-tuple, tenant, VNI" \
	"10.100.0.10 $port 10.100.0.2 80 TCP 100 blue" \
	"$(jq -r '"\(.src_ip) \(.src_port) \(.dest_ip) \(.dest_port) \(.proto) \(.vni) \(.tenant)"' <<<"$alert")"
expect_eq "the alert: blocked, sid, rev, signature, category, severity" \
	"blocked $SID_DROP 2 ztos test: evil header trojan-activity 1" \
	"$(jq -r '.alert | "\(.action) \(.signature_id) \(.rev) \(.signature) \(.category) \(.severity)"' <<<"$alert")"
fid=$(jq -r .flow_id <<<"$alert")
blocked=$("${Z[@]}" flows --json --verdict block)
expect_eq "the flow is blocked in the flow table, with the alert's flow_id" "$fid" \
	"$(jq -r "[.flows[] | select(.dest_port==80 and .src_port==$port)][0].flow_id" <<<"$blocked")"
check "the blocked flow's packets were dropped (dpi_blocked > 0)" \
	test "$(jq '.counters.drops.dpi_blocked' <<<"$blocked")" -gt 0
check "a flow_blocked drop event with the same flow_id" bash -c \
	"jq -s -e 'any(.[]; .event_type==\"drop\" and .drop.reason==\"dpi_blocked\" and .flow_id==$fid)' '$EVENTS' >/dev/null"

a=$("${Z[@]}" alerts --json)
expect_eq "ztos alerts --json lists the alert (same flow_id, sid)" "$fid $SID_DROP" \
	"$(jq -r "[.alerts[] | select(.alert.signature_id==$SID_DROP)][0] | \"\(.flow_id) \(.alert.signature_id)\"" <<<"$a")"
r2=$(sock GET "/api/v1/alerts?tenant=blue&sid=$SID_DROP&limit=5")
expect_eq "GET /api/v1/alerts?tenant=blue&sid=...: 200, the alert" "200 $fid" \
	"$(status_of "$r2") $(body_of "$r2" | jq -r '.alerts[-1].flow_id')"
expect_eq "GET /api/v1/alerts?tenant=red: none" 0 \
	"$(body_of "$(sock GET '/api/v1/alerts?tenant=red')" | jq '.alerts | length')"
expect_eq "GET /api/v1/alerts?limit=0: 400" 400 "$(status_of "$(sock GET '/api/v1/alerts?limit=0')")"
check "ztos alerts prints a table with the signature" bash -c \
	"'$ZTOS' --socket '$SOCK' alerts | grep -q 'ztos test: evil header'"

# 2. Other flows are unaffected: a new connection, and an alert-only rule.
r=$(client / "" /watched)
echo "# client: $r"
expect_eq "a new connection to the same server: every request answered" "200 200 200" \
	"$(jq -r '"\(.first) \(.second) \(.third)"' <<<"$r")"
# alert_logged SID: the event log has an alert of rule SID.
alert_logged() {
	jq -s -e --argjson s "$1" 'any(.[]; .event_type == "alert" and .alert.signature_id == $s)' \
		"$EVENTS" >/dev/null
}
wait_until 10 alert_logged $SID_ALERT
watch=$(jq -c "select(.event_type==\"alert\" and .alert.signature_id==$SID_ALERT)" "$EVENTS" | head -n 1)
expect_eq "an alert rule with on_alert: log alerts and does not block" allowed \
	"$(jq -r .alert.action <<<"${watch:-{\}}")"

wait_until 10 grep -q "\"signature_id\":$SID_DROP" "$WORK/sse.txt"
kill "$SSE_PID" 2>/dev/null
check "the SSE stream carried the alert" grep -q "\"signature_id\":$SID_DROP" "$WORK/sse.txt"

# 3. Every copy the datapath mirrored is read by AF_XDP or counted lost (once the
# pipeline has caught up with the last copies).
accounted() {
	local m p n l
	m=$("${Z[@]}" flows --json | jq '.counters.packets.mirrored')
	read -r p n l <<<"$("${Z[@]}" status --json |
		jq -r '.subsystems.dpi | "\(.packets) \(.not_parsed) \(.losses.total)"')"
	[ "$m" = $((p + n + l)) ]
}
wait_until 10 accounted
st=$("${Z[@]}" status --json)
fl=$("${Z[@]}" flows --json)
mirrored=$(jq '.counters.packets.mirrored' <<<"$fl")
read -r pk np lost <<<"$(jq -r '.subsystems.dpi | "\(.packets) \(.not_parsed) \(.losses.total)"' <<<"$st")"
echo "# mirrored $mirrored, read $pk, not parsed $np, lost $lost"
check "copies were read ($pk)" test "$pk" -gt 0
expect_eq "read + not parsed + lost = mirrored" "$mirrored" $((pk + np + lost))
check "status reports the socket's loss counters" \
	jq -e '.subsystems.dpi.losses | has("rx_dropped") and has("rx_ring_full")' <<<"$st"
check "status reports batches and pipeline CPU per packet" \
	jq -e '.subsystems.dpi | .batches > 0 and .pipeline_ns_per_packet > 0' <<<"$st"
check "status: the cpu engine counts the batches each literal finder scanned" \
	jq -e '.subsystems.dpi.engine_stats.literal_finder |
		.hyperscan_batches + .automaton_batches > 0' <<<"$st"
m=$(curl -s --unix-socket "$SOCK" http://localhost/metrics)
check "/metrics: ztos_dpi_packets_total" grep -qE '^ztos_dpi_packets_total [1-9]' <<<"$m"
check "/metrics: ztos_dpi_lost_total by reason" grep -qE '^ztos_dpi_lost_total\{reason="rx_ring_full"\} [0-9]' <<<"$m"
check "/metrics: ztos_dpi_alerts_total" grep -qE '^ztos_dpi_alerts_total [2-9]' <<<"$m"

# 4. Rules reload: errors refuse it and name FILE:LINE:COL; the rules in use stay.
echo 'alert tcp any any -> any 80 (msg:"broken"; content:"x"; sid:9000009;' >>"$WORK/local.rules"
check "SIGHUP with a broken rule: the reload ends" sighup_wait "$AGENT_PID"
check "SIGHUP with a broken rule: the error names FILE:LINE:COL" \
	grep -qE "$WORK/local.rules:4:[0-9]+" "$WORK/ztosd.log"
expect_eq "the rules in use stay (2 loaded, no reload)" "2 0" \
	"$("${Z[@]}" status --json | jq -r '.subsystems.dpi | "\(.rules.loaded) \(.rule_reloads)"')"
write_rules
echo 'alert tcp any any -> any 80 (msg:"new rule"; content:"GET /new"; sid:9000003; rev:1;)' >>"$WORK/local.rules"
echo 'alert tcp any any -> any 80 (msg:"not ours"; content:"x"; sid:9000004; lua:check.lua;)' >>"$WORK/local.rules"
check "SIGHUP with the rule fixed: the reload ends" sighup_wait "$AGENT_PID"
st=$("${Z[@]}" status --json)
expect_eq "SIGHUP with the rule fixed: 3 rules loaded, 1 skipped, one reload" "3 1 1" \
	"$(jq -r '.subsystems.dpi | "\(.rules.loaded) \(.rules.skipped) \(.rule_reloads)"' <<<"$st")"
check "the skipped rule (unsupported keyword) is named FILE:LINE:COL in status" \
	jq -e --arg f "$WORK/local.rules:5:" 'any(.subsystems.dpi.rules.errors[]; startswith($f))' <<<"$st"
r=$(client / "" /new)
echo "# client: $r"
wait_until 10 alert_logged 9000003
echo "# dpi: $("${Z[@]}" status --json | jq -c '.subsystems.dpi | {packets, engine_stats, alerts, rules}')"
echo "# alerts: $("${Z[@]}" alerts --json | jq -c '[.alerts[] | {src_port, sid: .alert.signature_id}]')"
check "the new rule alerts" alert_logged 9000003

# The same over the API: a configure whose rules have errors is refused (422, the
# location named); one that changes on_alert applies.
printf 'alert tcp any any -> any 80 (msg:"x"; content:"x" sid:9000010;)\n' >"$WORK/bad.rules"
r=$(sock POST /api/v1/network/configure --data "{\"dpi\": {\"rules\": [\"$WORK/bad.rules\"]}}")
expect_eq "configure with a broken rule file: 422" 422 "$(status_of "$r")"
check "the error names bad.rules:1:COL" grep -qE "bad.rules:1:[0-9]+" <<<"$(body_of "$r")"
r=$(sock POST /api/v1/network/configure --data '{"dpi": {"on_alert": "block", "batch_size": 32}}')
expect_eq "configure on_alert: block, batch_size 32: 200" 200 "$(status_of "$r")"
expect_eq "status: on_alert block, batch_size 32, rules kept" "block 32 3" \
	"$("${Z[@]}" status --json | jq -r '.subsystems.dpi | "\(.on_alert) \(.batch_size) \(.rules.loaded)"')"

# 5. dpi.inspect_depth: a connection's frames are copied until each direction carried
# the depth, then no more; a signature past it goes unseen. Each connection sends 32
# requests padded to 1 KB (one segment each, under the overlay's MTU), then "GET /new"
# (sid 9000003): with depth 0 it alerts, with 4K it does not. A fresh connection's "GET /new" afterwards (within its depth) alerts,
# so the pipeline was running while the deep one went unseen.
deep_client() {
	ip netns exec zdp-wa /usr/bin/python3 - <<'PY'
import socket, sys, time
END = b"hello from host B\n"
s = socket.create_connection(("10.100.0.2", 80), timeout=10)
def req(path, pad=""):
    s.sendall(("GET %s HTTP/1.1\r\nHost: b\r\n%s\r\n" % (path, "X-Pad: " + pad + "\r\n" if pad else "")).encode())
    got, deadline = b"", time.time() + 10
    while not got.endswith(END) and time.time() < deadline:
        chunk = s.recv(4096)
        if not chunk:
            break
        got += chunk
print(s.getsockname()[1], flush=True)
for i in range(32):
    try:
        req("/", "a" * 1000)
    except socket.timeout:
        sys.exit("request %d: no answer" % i)
req("/new")
PY
}
# alert_on SID PORT: an alert of SID for the flow from the client's PORT.
alert_on() {
	jq -s -e --argjson s "$1" --argjson p "$2" \
		'any(.[]; .event_type == "alert" and .alert.signature_id == $s and .src_port == $p)' \
		"$EVENTS" >/dev/null
}
counter_of() {
	"${Z[@]}" flows --json | jq ".counters.packets.$1"
}
port=$(deep_client)
check "depth 0: the signature after 32 KB alerts (port $port)" wait_until 10 alert_on 9000003 "$port"
echo "# flow: $("${Z[@]}" flows --json | jq -c --argjson p "${port:-0}" '[.flows[] | select(.src_port==$p) | {verdict, packets, bytes}]')"

r=$(sock POST /api/v1/network/configure --data '{"dpi": {"inspect_depth": "4K"}}')
expect_eq "configure inspect_depth 4K: 200" 200 "$(status_of "$r")"
expect_eq "status: inspect_depth 4096" 4096 \
	"$("${Z[@]}" status --json | jq -r '.subsystems.dpi.inspect_depth')"
past0=$(counter_of inspect_past_depth)
port=$(deep_client)
wait_until 10 accounted
r=$(client / "" /new)
marker=$(jq -r .port <<<"$r")
check "depth 4K: a new connection's signature alerts (port $marker)" \
	wait_until 10 alert_on 9000003 "$marker"
wait_until 10 accounted
past=$(counter_of inspect_past_depth)
echo "# inspect_past_depth $past0 -> $past"
check "depth 4K: frames past the depth were not copied ($((past - past0)))" test "$past" -gt "$past0"
check "depth 4K: the signature after 32 KB is not seen (port $port)" \
	bash -c "! jq -s -e --argjson p $port 'any(.[]; .event_type == \"alert\" and .src_port == \$p)' '$EVENTS' >/dev/null"
check "/metrics: ztos_datapath_packets_total{result=\"inspect_past_depth\"}" bash -c \
	"curl -s --unix-socket '$SOCK' http://localhost/metrics | grep -qE '^ztos_datapath_packets_total\\{result=\"inspect_past_depth\"\\} [1-9]'"
r=$(sock POST /api/v1/network/configure --data '{"dpi": {"inspect_depth": "2048G"}}')
expect_eq "configure inspect_depth 2048G: 422" 422 "$(status_of "$r")"
check "the error names dpi.inspect_depth and its bound" \
	grep -q "inspect_depth.*at most 1099511627776" <<<"$(body_of "$r")"
expect_eq "status: inspect_depth still 4096" 4096 \
	"$("${Z[@]}" status --json | jq -r '.subsystems.dpi.inspect_depth')"

# The connections above were TCP: their handshakes and pure ACKs carry no data and were
# passed uncopied, counted apart from the copies (the signatures still alerted).
empty=$(counter_of inspect_no_payload)
echo "# inspect_no_payload $empty, mirrored $(counter_of mirrored)"
check "segments without data were not copied, and counted ($empty)" test "$empty" -gt 0
check "/metrics: ztos_datapath_packets_total{result=\"inspect_no_payload\"}" bash -c \
	"curl -s --unix-socket '$SOCK' http://localhost/metrics | grep -qE '^ztos_datapath_packets_total\\{result=\"inspect_no_payload\"\\} [1-9]'"

# 6. dpi.transport ring, the default: TC copies into a ring buffer that the reader maps,
# and there is no DPI link. The agent restarted with it (the earlier run's link goes),
# then switched over the API to afxdp and back, with the engine and rules kept.
wait_until 10 accounted
r=$(sock POST /api/v1/network/configure --data '{"dpi": {"transport": "pcap"}}')
expect_eq "configure transport pcap: 422" 422 "$(status_of "$r")"
check "the error names dpi.transport and what it can be" \
	grep -q "dpi.transport.*afxdp.*ring" <<<"$(body_of "$r")"
agent_stop
sed -i 's/transport: afxdp, //' "$CONFIG"
start_agent_case "ztosd starts again with the default transport" "${IN_A[@]}"
st=$("${Z[@]}" status --json)
expect_eq "status: transport ring, a 16 MiB ring, no DPI link" "ring 16777216 null" \
	"$(jq -r '.subsystems.dpi | "\(.transport) \(.ring_bytes) \(.interface)"' <<<"$st")"
check "the DPI link of the earlier run is gone" bash -c "! ip -n zdp-a link show ztos-dpi0 >/dev/null 2>&1"
expect_eq "dpi_target points the mirror at the ring" '["0xff","0xff","0xff","0xff"]' \
	"$(bpftool -j map dump pinned "$BPFFS/dpi_target" | jq -c '.[0].value')"
expect_eq "dpi_ring is a pinned ring buffer" ringbuf \
	"$(bpftool -j map show pinned "$BPFFS/dpi_ring" | jq -r .type)"
mirrored0=$(counter_of mirrored)
evil_request "$WORK/client6.json" "ring: the signature blocks the flow"
r=$(cat "$WORK/client6.json")
echo "# client: $r"
expect_eq "ring: the request after the signature gets no answer" timeout "$(jq -r .third <<<"$r")"
# One request of 8 KB in one send, the signature in its last bytes: the workload's veth
# may hand TC segments of up to 64 KB (TSO), copied whole into the larger records.
big_client() {
	ip netns exec zdp-wa /usr/bin/python3 - <<'PY'
import socket
s = socket.create_connection(("10.100.0.2", 80), timeout=5)
print(s.getsockname()[1], flush=True)
s.sendall(("GET / HTTP/1.1\r\nHost: b\r\nX-Pad: %s\r\nGET /new\r\n\r\n" % ("p" * 8192)).encode())
try:
    s.recv(4096)
except OSError:
    pass
PY
}
port=$(big_client)
check "ring: a signature 8 KB into one send alerts (port $port)" wait_until 10 alert_on 9000003 "$port"
ring_accounted() {
	local m p n
	m=$(counter_of mirrored)
	read -r p n <<<"$("${Z[@]}" status --json | jq -r '.subsystems.dpi | "\(.packets) \(.not_parsed)"')"
	[ $((m - mirrored0)) = $((p + n)) ]
}
check "ring: every copy TC put in the ring was read" wait_until 10 ring_accounted
st=$("${Z[@]}" status --json)
echo "# dpi: $(jq -c '.subsystems.dpi | {transport, packets, not_parsed, cut, losses}' <<<"$st")"
check "ring: copies were read" jq -e '.subsystems.dpi.packets > 0' <<<"$st"
expect_eq "ring: no copy lost or cut" "0 0" "$(jq -r '.subsystems.dpi | "\(.losses.ring_full) \(.cut)"' <<<"$st")"
check "/metrics: ztos_dpi_lost_total{reason=\"ring_full\"}" bash -c \
	"curl -s --unix-socket '$SOCK' http://localhost/metrics | grep -qE '^ztos_dpi_lost_total\\{reason=\"ring_full\"\\} 0'"
r=$(sock POST /api/v1/network/configure --data '{"dpi": {"transport": "afxdp"}}')
expect_eq "configure transport afxdp: 200" 200 "$(status_of "$r")"
expect_eq "status: AF_XDP on ztos-dpi1" "afxdp ztos-dpi1" \
	"$("${Z[@]}" status --json | jq -r '.subsystems.dpi | "\(.transport) \(.interface)"')"
check "the DPI link is there" ip -n zdp-a link show ztos-dpi0
port=$(big_client)
check "afxdp: the signature alerts (port $port)" wait_until 10 alert_on 9000003 "$port"
r=$(sock POST /api/v1/network/configure --data '{"dpi": {"transport": "ring"}}')
expect_eq "configure transport ring again: 200" 200 "$(status_of "$r")"
check "the DPI link is gone again" bash -c "! ip -n zdp-a link show ztos-dpi0 >/dev/null 2>&1"
port=$(big_client)
check "ring again: the signature alerts (port $port)" wait_until 10 alert_on 9000003 "$port"

agent_stop
expect_eq "SIGTERM: exit 0" 0 "$AGENT_RC"
