#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `sudo make demo` tells its story: scripts/demo.sh runs (prefix zd, its own port and CLI
# settings file), and while it runs the test checks what a newcomer is shown, on the
# kernel, FRR, the wire and the API: tenant traffic between all three hosts, none across
# tenants, the forged packet dropped and counted, an alert whose flow is blocked while a
# fresh connection is served, WireGuard handshakes, EVPN routes and the VTEPs in the XDP
# allowlists, the dashboard at the printed URL, the printed commands, health ok and no
# warning but what the kernel lacks. Then Ctrl-C (SIGINT to the demo's process group, as
# a terminal sends it), and nothing of the demo may be left.
set -u
. "$(dirname "$0")/../lib.sh"

P=zd
RUN=/run/$P
WORK=$(mktemp -d /tmp/ztos-demo-test.XXXXXX)
chmod 700 "$WORK"
export ZTOS_CLI_CONFIG=$WORK/cli.conf
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
CAPS=()
DEMO_PID=

# What the demo's own teardown should have done, should the test stop before it.
DEMO_P=$P DEMO_RUN=$RUN
. "$TOP/scripts/demo-lab.sh"
finish() {
	[ ${#CAPS[@]} -gt 0 ] && kill "${CAPS[@]}" 2>/dev/null
	if [ -n "$DEMO_PID" ]; then
		kill -INT -- "-$DEMO_PID" 2>/dev/null
		wait "$DEMO_PID" 2>/dev/null
	fi
	demo_down >/dev/null 2>&1
	rm -rf "$RUN" "$WORK"
}
trap finish EXIT

in_z() { local i=$1; shift; "$ZTOS" --socket "$RUN/h$i/api.sock" "$@"; }

# The demo in a process group of its own, with SIGINT as a terminal leaves it (a shell
# starts background jobs with it ignored): what Ctrl-C does is what the test does.
/usr/bin/python3 -c 'import os, signal, sys
os.setpgrp()
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$TOP/scripts/demo.sh" --prefix "$P" --port "$PORT" \
	--for 600 >"$WORK/demo.out" 2>&1 &
DEMO_PID=$!
demo_ready() { test -e "$RUN/ready" || { kill -0 "$DEMO_PID" && false; }; }
wait_until 180 demo_ready
if [ -e "$RUN/ready" ]; then
	ok "the demo comes up: three hosts, EVPN learned, traffic, the dashboard"
else
	not_ok "the demo comes up: three hosts, EVPN learned, traffic, the dashboard"
	sed 's/^/#   /' "$WORK/demo.out" | tail -n 40
	exit 1
fi
# Frames of the other tenant on a workload's port, from now on: blue's MACs are
# 02:b1:..., red's 02:e1:...
for i in 1 2 3; do
	for t in b r; do
		capture_start cap "$P-h$i$t" eth0 "$WORK/cap-h$i$t.pcap"
		CAPS+=("$cap")
	done
done
cp "$WORK/demo.out" "$WORK/ready.out"
out=$(cat "$WORK/ready.out")
sed -n '/^+---/,/^+---/p' "$WORK/ready.out" | sed 's/^/# /'

# ---- what it prints ----

url=$(sed -n 's/^| Dashboard  \(http[^ ]*\) .*/\1/p' <<<"$out")
token=$(sed -n 's/^| Token      \([0-9a-f]\{64\}\) .*/\1/p' <<<"$out")
expect_eq "the framed block gives the dashboard's URL" "http://127.0.0.1:$PORT/" "$url"
expect_eq "and host 1's token" "$(cat "$RUN/h1/token")" "$token"
check "the dashboard answers at that URL (its page)" bash -c \
	"curl -sf '$url' | grep -q '<title>'"
expect_eq "the API behind it takes the printed token: health ok" ok \
	"$(curl -sf -H "Authorization: Bearer $token" "${url}api/v1/status" | jq -r .health)"
expect_eq "and refuses a request without it" 401 \
	"$(curl -s -o /dev/null -w '%{http_code}' "${url}api/v1/flows")"
check "the demo's output has no error, failure or library noise" bash -c \
	"! grep -iE 'error|fail|cannot|libbpf|exclusiv' '$WORK/ready.out'"

# The printed commands, run as printed (from the repo's top: the demo was started there).
mapfile -t cmds < <(sed -n 's/^|   \(.*ztos .*[^ ]\) *|$/\1/p' <<<"$out")
expect_eq "five ztos commands are printed" 5 "${#cmds[@]}"
for c in "${cmds[@]}"; do
	case $c in
	*--follow)
		o=$(cd "$TOP" && timeout 8 bash -c "$c" 2>&1)
		rc=$?
		check "'$c' streams events (until stopped)" test "$rc" -eq 124 -a -n "$o" ;;
	*)
		o=$(cd "$TOP" && bash -c "$c" 2>&1)
		rc=$?
		check "'$c' works as printed" test "$rc" -eq 0 -a -n "$o" ;;
	esac
	[ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || head -n 5 <<<"$o" | sed 's/^/#   /'
done
o=$(cd "$TOP" && bash -c "${cmds[0]} --json")
expect_eq "they reach host 1 (its underlay address)" 10.255.0.1 "$(jq -r .underlay.address <<<"$o")"

# ---- health: ok, and no warning but what the kernel lacks, each once ----

for i in 1 2 3; do
	expect_eq "host $i: health ok" ok "$(in_z "$i" status --json | jq -r .health)"
done
wg_kernel=$(in_z 1 security status --json | jq -r .kernel_support.wireguard.supported)
warns=$(cat "$RUN"/h*/ztosd.log | grep -c 'ztosd warn' || true)
if [ "$wg_kernel" = true ]; then
	expect_eq "no agent warns (the kernel has WireGuard)" 0 "$warns"
else
	expect_eq "each agent warns once, that the kernel has no WireGuard" \
		"3 3" "$warns $(grep -c 'ztosd warn: wireguard is configured but kernel has no WireGuard' "$RUN"/h*/ztosd.log | awk -F: '{s += $2} END {print s}')"
fi
check "no libbpf message in any agent's log" bash -c "! grep -h libbpf $RUN/h*/ztosd.log"

# ---- WireGuard and EVPN ----

for i in 1 2 3; do
	s=$(in_z "$i" security status --json)
	expect_eq "host $i: ztos security status --json: 2 peers, handshakes younger than 180 s" 2 \
		"$(jq '[.wireguard.peers[] | select(.last_handshake_s != null and .last_handshake_s < 180)] | length' <<<"$s")"
done
expect_eq "no tenant has static vteps (EVPN brings them)" "[] [] [] [] [] []" \
	"$(for i in 1 2 3; do in_z "$i" network show --json | jq -c '.tenants[].vteps'; done | paste -sd' ')"
# type3 HOST VNI: the originators of the type-3 routes of VNI in host's FRR
type3() {
	vtysh -N "$P-h$1" -c "show bgp l2vpn evpn route vni $2 type multicast json" |
		jq -r '[.[] | objects | .paths[][]? | .ip] | unique | join(",")'
}
# allowlist HOST VNI: the VTEPs of VNI in the host's pinned XDP allowlist
allowlist() {
	bpftool -j map dump pinned "$(demo_bpffs "$1")/vteps" |
		jq -r --argjson v "$2" '.[] | select(.formatted.key.vni == $v) |
			.formatted.key.addr[0] | [. % 256, (. / 256 | floor) % 256,
			(. / 65536 | floor) % 256, (. / 16777216 | floor)] | map(tostring) | join(".")' |
		sort | paste -sd, -
}
for i in 1 2 3; do
	others=$(for j in 1 2 3; do [ "$j" -ne "$i" ] && echo "10.255.0.$j"; done | paste -sd, -)
	for v in 100 200; do
		expect_eq "host $i: FRR has VNI $v's type-3 routes from every host" \
			10.255.0.1,10.255.0.2,10.255.0.3 "$(type3 "$i" "$v")"
		expect_eq "host $i: VNI $v's XDP allowlist holds the learned VTEPs" "$others" \
			"$(allowlist "$i" "$v")"
	done
done

# ---- tenant traffic, and none across tenants ----

# get NS ADDR: the answer of the HTTP server at ADDR, asked from workload NS
get() { ip netns exec "$1" curl -s -m 3 "http://$2/"; }
for i in 1 2 3; do
	for t in blue red; do
		want="" got=""
		for j in 1 2 3; do
			[ "$j" -eq "$i" ] && continue
			want+="tenant $t, host $j;"
			got+="$(get "$P-h$i${t:0:1}" "10.0.0.$j");"
		done
		expect_eq "$t on host $i reaches $t on the two other hosts (their answers)" \
			"$want" "${got//$'\n'/}"
	done
done
# pairs_answered: how many of the 12 (tenant, from, to) pairs the generator got answers on
pairs_answered() { jq '.pairs | length' "$RUN/traffic.json" 2>/dev/null || echo 0; }
wait_until 60 at_least 12 pairs_answered
st=$(cat "$RUN/traffic.json")
expect_eq "the traffic generator: each of the 12 tenant pairs answered, never by the other tenant" \
	"12 0" "$(jq -r '"\(.pairs | length) \(.cross_tenant)"' <<<"$st")"
# An address only red has: blue does not reach it (nor is it heard asking).
ip -n "$P-h3r" addr add 10.0.0.33/24 dev eth0
check "blue cannot reach an address only red has (10.0.0.33)" bash -c \
	"! ip netns exec $P-h1b ping -c 2 -i 0.3 -W 1 10.0.0.33"
check "red reaches it (the address is there)" \
	ip netns exec "$P-h1r" ping -c 2 -i 0.3 -W 2 10.0.0.33

# ---- an alert, its flow blocked, a fresh connection served ----

# One connection from blue on host 1 to host 3 (a raw socket: nothing reconnects):
# a request, the signature, then (once $WORK/go exists, at most 20 s) another request.
rm -f "$WORK/go" "$WORK/port"
ip netns exec "$P-h1b" /usr/bin/python3 - "$WORK" <<'PY' >"$WORK/client.json" 2>&1 &
import json, os, socket, sys, time
work = sys.argv[1]
def req(s, raw):
    s.sendall(raw.encode())
    got, end = b"", time.time() + 2
    s.settimeout(0.2)
    while b"host 3\n" not in got and time.time() < end:
        try:
            c = s.recv(4096)
        except socket.timeout:
            continue
        if not c:
            break
        got += c
    return "answered" if b"host 3\n" in got else "no answer"
s = socket.create_connection(("10.0.0.3", 80), timeout=3)
out = {"port": s.getsockname()[1], "first": req(s, "GET / HTTP/1.1\r\nHost: w\r\n\r\n")}
s.sendall(b"GET /../../../etc/passwd HTTP/1.1\r\nHost: w\r\n\r\n")
open(os.path.join(work, "port"), "w").write(str(out["port"]))
end = time.time() + 20
while not os.path.exists(os.path.join(work, "go")) and time.time() < end:
    time.sleep(0.05)
out["after"] = req(s, "GET / HTTP/1.1\r\nHost: w\r\n\r\n")
print(json.dumps(out))
PY
cpid=$!
wait_until 10 test -s "$WORK/port"
cport=$(cat "$WORK/port")
# alerted PORT: host 1 has an alert of sid 1000001 for the flow from PORT
alerted() { in_z 1 alerts --json | jq -e --argjson p "$1" 'any(.alerts[]; .src_port == $p and .alert.signature_id == 1000001)'; }
blocked() { in_z 1 flows --json --verdict block | jq -e --argjson p "$1" 'any(.flows[]; .src_port == $p)'; }
check "an alert for that flow (sid 1000001) on host 1" wait_until 20 alerted "$cport"
check "its flow is blocked in host 1's flow table" wait_until 20 blocked "$cport"
touch "$WORK/go"
wait "$cpid"
r=$(cat "$WORK/client.json")
echo "# client: $r"
expect_eq "that connection: answered before the signature, not after" "answered no answer" \
	"$(jq -r '"\(.first) \(.after)"' <<<"$r")"
expect_eq "a fresh connection from the same workload is served" "tenant blue, host 3" \
	"$(get "$P-h1b" 10.0.0.3)"
# the generator's first attack goes 5 s after it starts
attacks() { jq '.attacks | length' "$RUN/traffic.json"; }
wait_until 60 at_least 1 attacks
check "the traffic generator's attacks were blocked, each followed by a served connection" \
	jq -e '(.attacks | length) > 0 and all(.attacks[]; .blocked and .fresh_ok)' "$RUN/traffic.json"

# ---- the forged packet: a VNI no tenant has, dropped by host 1's XDP and counted ----

unknown_vni() { in_z 1 flows --json | jq '.counters.drops.unknown_vni'; }
forged() { jq .forged "$RUN/traffic.json"; }
# the generator forges its first ones 15 s after it starts
wait_until 60 at_least 1 forged
check "the generator's forged packets ($(forged)) were dropped and counted" \
	wait_until 10 at_least "$(forged)" unknown_vni
before=$(unknown_vni)
ip netns exec "$P-h3" /usr/bin/python3 - <<'PY'
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
frame = bytes.fromhex("ffffffffffff02666f7267650800") + b"\x45" + bytes(19)
for _ in range(5):
    s.sendto(struct.pack("!II", 0x08000000, 999 << 8) + frame, ("10.255.0.1", 4789))
PY
check "5 more forged through WireGuard: host 1 drops and counts each (unknown_vni)" \
	wait_until 10 at_least $((before + 5)) unknown_vni

# ---- what the workloads' ports saw ----

for cap in "${CAPS[@]}"; do capture_stop "$cap"; done
CAPS=()
# frames FILE TENANT-MACBYTE: frames from or to that tenant's workloads in FILE
frames() {
	pcap_frames "$1" ether host "02:$2:00:00:00:01" or ether host "02:$2:00:00:00:02" or \
		ether host "02:$2:00:00:00:03"
}
n_b=0 n_r=0
for i in 1 2 3; do
	n_b=$((n_b + $(frames "$WORK/cap-h${i}b.pcap" e1)))
	n_r=$((n_r + $(frames "$WORK/cap-h${i}r.pcap" b1)))
done
expect_eq "no frame of red on a blue port, nor of blue on a red port (captures)" "0 0" "$n_b $n_r"
check "the captures saw the tenants' own traffic" test "$(pcap_frames "$WORK/cap-h1b.pcap" ether host 02:b1:00:00:00:02)" -gt 0
expect_eq "no forged packet reached a workload" 0 \
	"$(for i in 1 2 3; do for t in b r; do pcap_frames "$WORK/cap-h$i$t.pcap" ether host 02:66:6f:72:67:65; done; done | paste -sd+ | bc)"

check "the demo's own lines report no leak, no attack let through" bash -c \
	"! grep -E 'LEAK|\(!\)' '$WORK/demo.out'"

# ---- Ctrl-C: everything goes ----

kill -INT -- "-$DEMO_PID"
wait_until 120 bash -c "! kill -0 $DEMO_PID 2>/dev/null"
wait "$DEMO_PID"
rc=$?
DEMO_PID=
expect_eq "Ctrl-C: the demo ends, exit 0" 0 "$rc"
tail -n 3 "$WORK/demo.out" | sed 's/^/# /'
expect_eq "no namespace of the demo is left" "" "$(ip netns list | awk '{print $1}' | grep "^$P-")"
expect_eq "no link of the demo in this namespace" "" "$(ip -o link show | grep -E ": $P-|: ztvx|: ztbr")"
expect_eq "no pinned map or program of the demo" "" "$(ls -d /sys/fs/bpf/ztos-demo-$P-* 2>/dev/null)"
expect_eq "no FRR daemon of the demo" "" "$(pgrep -a -f -- "-N $P-h[0-9]")"
expect_eq "no FRR folder of the demo" "" "$(ls -d /var/run/frr/$P-h* /etc/frr/$P-h* 2>/dev/null)"
expect_eq "no ztosd, wireguard-go, socat or generator of the demo" "" \
	"$(pgrep -a -f -- "$RUN/|wireguard-go $P-wg|demo-traffic.py --prefix $P |TCP-LISTEN:$PORT,")"
expect_eq "no UAPI socket of the demo" "" "$(ls /var/run/wireguard/$P-wg* 2>/dev/null)"
check "nothing listens on the dashboard's port" bash -c "! ss -Hltn 'sport = :$PORT' | grep -q ."
check "the demo's run folder and the CLI settings it wrote are gone" \
	test ! -e "$RUN" -a ! -e "$ZTOS_CLI_CONFIG"
echo "1..$_tap_n"
