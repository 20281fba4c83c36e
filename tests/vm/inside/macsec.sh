#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Runs inside the VM (tests/vm/vm.sh, from tests/vm/macsec-test.sh): MACsec put in place by
# ztosd over netlink, on Debian's kernel (the host's has no MACsec).
#
#   zm-a: ztmacsec0@ul0 02:00:00:00:00:0a ==== ul0 02:00:00:00:00:0b :zm-b ztmacsec0@ul0
#         10.0.0.1, ztvx100 in ztbr100 10.100.0.1        10.0.0.2, ztvx100 in ztbr100 10.100.0.2
#   zm-c: a third host for the refusals (its own veth pair, no peer)
#
# ztosd on each host makes the MACsec link, its TX SA and the RX SC/SA of the other host,
# the tenant's VXLAN device and bridge over it (underlay.interface is the MACsec device),
# and its XDP datapath on the MACsec device. The test gives the addresses.
set -u
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../lib.sh"

W=$(mktemp -d /tmp/zm-test.XXXXXX)
chmod 700 "$W"
PIDS=()
MAC_A=02:00:00:00:00:0a MAC_B=02:00:00:00:00:0b
MARK=5a544f53504c41494e	# "ZTOSPLAIN", the plaintext marker the pings carry

cleanup() {
	for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; done
	wait 2>/dev/null
	for ns in zm-a zm-b zm-c; do ip netns del "$ns" 2>/dev/null; done
	rm -rf "$W"
}
trap cleanup EXIT

modprobe -a veth macsec vxlan

# key NAME N: a 32-byte key (gcm-aes-256) in hex, chmod 600.
key() {
	printf 'c0ffee%02x%056x\n' "$2" "$2" >"$W/$1.key"	# c0ffee: to look for in outputs
	chmod 600 "$W/$1.key"
}
key a0 10; key b0 11; key a1 20; key b1 21; key b2 32; key wrong 99
printf 'c0ffee%026x\n' 7 >"$W/short.key"	# 16 bytes: gcm-aes-128's length, not 256's
printf 'c0ffee-not-hex-%050d\n' 1 >"$W/nothex.key"
chmod 600 "$W/short.key" "$W/nothex.key"

# config HOST PEER_MAC ADDR REMOTE [EXTRA]: host's config, macsec to the peer, VNI 100.
config() {
	local h=$1 d=$W/$1
	mkdir -p "$d"
	cat >"$d/ztos.yaml" <<YAML
version: 1
agent:
  api: {listen: "", socket: $d/api.sock, token_file: $d/token}
  state_dir: $d/state
  bpffs: /sys/fs/bpf/zm-$h
  log: {file: $d/events.json}
${5:-}
YAML
	[ -n "$2" ] || return 0
	cat >>"$d/ztos.yaml" <<YAML
underlay: {interface: ztmacsec0, address: $3}
tenants:
  - {name: blue, vni: 100, vteps: [$4]}
macsec:
  interface: ztmacsec0
  parent: ul0
  cipher: gcm-aes-256
  encrypt: true
  replay_window: 32
  tx_sa: {an: 0, key_id: "${h}0", key_file: $W/${h}0.key}
  peers:
    - {mac: "$2", port: 1, rx_sa: {an: 0, key_id: "$( [ "$h" = a ] && echo b || echo a )0", key_file: $W/$( [ "$h" = a ] && echo b || echo a )0.key}}
YAML
}

# start HOST: ztosd in netns zm-HOST; waits for its socket.
start() {
	local d=$W/$1
	rm -f "$d/api.sock"
	nsenter --net=/run/netns/zm-"$1" "$ZTOSD" --config "$d/ztos.yaml" --log-level debug \
		>>"$d/ztosd.log" 2>&1 &
	eval "PID_$1=$!"
	PIDS+=($!)
	for _ in $(seq 600); do
		[ -S "$d/api.sock" ] && return 0
		kill -0 $! 2>/dev/null || break
		sleep 0.05
	done
	sed 's/^/#   /' "$d/ztosd.log" | tail -n 20
	return 1
}

# start_case NAME HOST: start as a test case (not in check's subshell: PIDs must stay).
start_case() {
	if start "$2"; then ok "$1"; else not_ok "$1"; fi
}

stop() {
	local v=PID_$1
	kill -TERM "${!v}" 2>/dev/null
	wait "${!v}" 2>/dev/null
}

# q HOST METHOD PATH [curl args]: the agent's answer (body, then the status on its own line)
q() {
	local h=$1 m=$2 p=$3
	shift 3
	curl -s -o - -w '\n%{http_code}' -X "$m" --unix-socket "$W/$h/api.sock" "$@" "http://x$p"
}
st() { q "$1" GET /api/v1/security/status | sed '$d'; }
zt() { local h=$1; shift; "$ZTOS" --socket "$W/$h/api.sock" "$@"; }
rotate() { q "$1" POST /api/v1/security/macsec/rotate -d "$2"; }
# jqe PROGRAM JSON: jq -e, quietly (no shell quoting of the JSON: it may hold quotes)
jqe() { jq -e "$1" >/dev/null <<<"$2"; }

# ---- two hosts ----

for ns in zm-a zm-b zm-c; do ip netns add "$ns"; done
ip link add ul0 netns zm-a address $MAC_A type veth peer name ul0 netns zm-b address $MAC_B
for ns in zm-a zm-b; do
	# The parent carries MACsec only: no IPv6 of its own (no router solicitations, MLD).
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip -n $ns link set lo up
	ip -n $ns link set ul0 up
done

config a $MAC_B 10.0.0.1 10.0.0.2
config b $MAC_A 10.0.0.2 10.0.0.1
start_case "ztosd starts on host A" a
start_case "ztosd starts on host B" b

for h in a b; do
	expect_eq "host ${h^^}: the macsec subsystem is running" running \
		"$(q $h GET /api/v1/status | sed '$d' | jq -r .subsystems.macsec.state)"
done
link=$(ip -n zm-a -d -j link show ztmacsec0)
expect_eq "the link is kind macsec on ul0, marked as ztos's, MTU 1500 - 32" \
	"macsec ztos: macsec 1468 ul0" \
	"$(jq -r '.[0] | "\(.linkinfo.info_kind) \(.ifalias) \(.mtu) \(.link)"' <<<"$link")"
show=$(ip -n zm-a macsec show ztmacsec0)
check "ip macsec show: GCM-AES-256, encrypt on, validate strict, replay window 32" bash -c \
	"grep -q 'cipher suite: GCM-AES-256' <<<'$show' && grep -q 'encrypt on' <<<'$show' &&
	 grep -q 'validate strict' <<<'$show' && grep -q 'replay on window 32' <<<'$show'"
check "TX SA 0 (key id a0) and the RX SC of B (SCI 02000000000b0001) with its SA 0 (key id b0)" \
	bash -c "grep -qE '0: PN [0-9]+, state on, key a00+\b' <<<'$show' &&
		 grep -q 'RXSC: 02000000000b0001, state on' <<<'$show' &&
		 grep -qE '0: PN [0-9]+, state on, key b00+\b' <<<'$show'"

# VXLAN over MACsec: the agent's tenant overlay
vx=$(ip -n zm-a -d -j link show ztvx100)
expect_eq "the agent's VXLAN device rides on the MACsec link (VNI 100, MTU 1468 - 50)" \
	"100 ztmacsec0 1418" "$(jq -r '.[0] | "\(.linkinfo.info_data.id) \(.linkinfo.info_data.link) \(.mtu)"' <<<"$vx")"
for h in a b; do
	n=$([ $h = a ] && echo 1 || echo 2)
	ip -n zm-$h addr add 10.0.0.$n/24 dev ztmacsec0
	ip -n zm-$h addr add 10.100.0.$n/24 dev ztbr100
done
check "ping across VNI 100 over MACsec (A -> B)" ip netns exec zm-a ping -c 3 -i 0.2 -W 2 10.100.0.2

# ---- the underlay carries only MACsec, and never the plaintext ----

# Both listening before the first ping, each frame written as it comes (tests/lib.sh).
capture_start cap1 zm-b ul0 "$W/ul.pcap"
capture_start cap2 zm-b ztvx100 "$W/vx.pcap"
ip netns exec zm-a ping -c 10 -i 0.05 -W 2 -p $MARK -s 200 10.100.0.2 >"$W/mark.out" 2>&1
check "10 pings carrying the marker cross ($(grep -o '[0-9]* received' "$W/mark.out"))" \
	grep -q ' 10 received' "$W/mark.out"
# frames: one header line each (-e -t); tcpdump adds hex lines for what it cannot decode
frames() { tcpdump -r "$W/ul.pcap" -n -e -t "$@" 2>/dev/null | grep -c '^[0-9a-f][0-9a-f]:'; }
# 10 requests and 10 replies crossed: wait until the capture has written them all.
wait_until 20 at_least 20 frames
capture_stop "$cap1"
capture_stop "$cap2"
total=$(frames)
clear=$(frames 'not ether proto 0x88e5')
echo "# underlay capture: $total frames, $((total - clear)) of them MACsec"
if [ "$total" -lt 20 ]; then
	sed 's/^/#   ping: /' "$W/mark.out"
	tcpdump -r "$W/ul.pcap" -n -e -tt 2>/dev/null | grep -v '^\s*0x' | cut -c1-100 | sed 's/^/#   ul: /'
	tcpdump -r "$W/vx.pcap" -n -e -tt 2>/dev/null | cut -c1-120 | sed 's/^/#   vx: /'
fi
check "the capture on the underlay has frames ($total)" test "$total" -ge 20
expect_eq "every frame on the underlay is ethertype 0x88e5 (MACsec)" 0 "$clear"
expect_eq "the marker never appears on the underlay" 0 "$(grep -a -c ZTOSPLAIN "$W/ul.pcap")"
check "control: the marker does appear on the VXLAN device, past MACsec" \
	test "$(grep -a -c ZTOSPLAIN "$W/vx.pcap")" -gt 0

# ---- counters ----

s=$(st a)
check "A: OutPktsEncrypted of the TX SC rose" \
	test "$(jq '.macsec.kernel.tx_sc.stats.OutPktsEncrypted' <<<"$s")" -ge 13
check "A: InPktsOK of B's RX SC and of its SA 0 rose" jqe '.macsec.kernel.rx_sc[0] |
	.stats.InPktsOK >= 13 and (.sa[] | select(.an == 0) | .stats.InPktsOK) >= 13' "$s"
check "no key material in the status (no key's hex in it)" bash -c '! grep -q c0ffee <<<"$1"' _ "$s"
# /metrics PATTERN: the agent's /metrics has a line matching PATTERN (asked again until it
# does: one answer can come late or cut short on the VM's emulated CPUs under load).
metrics_has() { q a GET /metrics | sed '$d' | grep -qE "$1"; }
check "/metrics: ztos_macsec_rx_sc_total InPktsOK of B > 0" wait_until 20 metrics_has \
	'^ztos_macsec_rx_sc_total\{interface="ztmacsec0",sci="02000000000b0001",counter="InPktsOK"\} [1-9]'
check "/metrics: OutPktsEncrypted of TX SA 0 > 0" wait_until 20 metrics_has \
	'^ztos_macsec_sa_packets_total\{.*an="0",counter="OutPktsEncrypted"\} [1-9]'
m=$(q a GET /metrics | sed '$d')
check "config/grafana/ztos.json: every MACsec metric and label it queries is in /metrics" \
	/usr/bin/python3 "$TOP/tests/web/grafana-check.py" --only ztos_macsec_ \
	"$TOP/config/grafana/ztos.json" - <<<"$m"
txt=$(zt a security status)
check "ztos security status: the SA table (tx and rx rows, key IDs, counters)" bash -c \
	"grep -qE '^tx 02000000000a0001 +0 +in use +a0' <<<'$txt' &&
	 grep -qE '^rx 02:00:00:00:00:0b/1 +0 +in use +b0' <<<'$txt'"

# ---- restart and upgrade under a 10 ms ping stream: adopted, not recreated ----

# A's ztosd killed with SIGKILL and started again, then stopped with SIGTERM and replaced
# by another binary (the same sources built as another version: make test-builds; the VM
# sees the host's build trees), while A pings B every 10 ms across VNI 100 over MACsec.
# Not one reply may be missing, and the MACsec link is adopted as it is: a link made
# again has another ifindex, an SA added again (a re-key) starts its packet numbers and
# its counters from 1 and 0 again.
UPGRADE=$BUILD_DIR-upgrade/ztosd
# ms_same JSON: what of A's MACsec a restart must leave as it is: the link, the encoding
# SA, every SA by its AN and key ID, every RX SC by its SCI.
ms_same() {
	jq -c '.macsec.kernel | [.ifindex, .encoding_sa, [.tx_sc.sa[] | [.an, .key_id, .active]],
		[.rx_sc[] | [.sci, .active, [.sa[] | [.an, .key_id, .active]]]]]' <<<"$1"
}
# ms_counts A_JSON B_JSON: A's TX SA next PN and its RX SA's packets in, and B's packets
# in from A and out to A: a re-keyed SA starts from 1 and 0 again.
ms_counts() {
	echo "$(jq -r '.macsec.kernel | "\(.tx_sc.sa[0].next_pn) \(.rx_sc[0].sa[0].stats.InPktsOK)"' <<<"$1") $(jq -r '.macsec.kernel | "\(.rx_sc[0].stats.InPktsOK) \(.tx_sc.sa[0].stats.OutPktsEncrypted)"' <<<"$2")"
}
# went_on BEFORE AFTER: A's TX SA went on by at least what B took in from A meanwhile (B
# read inside A's span), and A's RX SA of B by at least what B sent: SAs added again would
# be short of that by everything before. 5: frames in flight when B read.
went_on() {
	local -a b a
	read -ra b <<<"$1"
	read -ra a <<<"$2"
	[ ${#a[@]} -eq 4 ] && [ ${#b[@]} -eq 4 ] &&
		[ $((a[0] - b[0])) -ge $((a[2] - b[2] - 5)) ] && [ $((a[2] - b[2])) -gt 0 ] &&
		[ $((a[1] - b[1])) -ge $((a[3] - b[3] - 5)) ] && [ $((a[3] - b[3])) -gt 0 ]
}
# adopted NAME BEFORE_A BEFORE_B SAS: A's MACsec now is BEFORE_A's (its status), gone on;
# B's status was BEFORE_B (read after A's), ip(8) showed SAS.
adopted() {
	local after b_after
	b_after=$(st b)
	after=$(st a)
	expect_eq "$1: the same link, SAs and key IDs, RX SC kept (ifindex, AN, key ID)" \
		"$(ms_same "$2")" "$(ms_same "$after")"
	check "$1: TX SA next_pn and RX SA packets went on by all B counted meanwhile (no re-keying): A tx_pn rx_ok, B rx_ok tx_pkts $(ms_counts "$2" "$3") -> $(ms_counts "$after" "$b_after")" \
		went_on "$(ms_counts "$2" "$3")" "$(ms_counts "$after" "$b_after")"
	expect_eq "$1: ip macsec show: the same SAs (AN, state, key ID) and RX SC" "$4" "$(ip_sas)"
}
# ip_sas: the SAs and RX SCs as ip(8) shows them, without their packet numbers
ip_sas() { ip -n zm-a macsec show ztmacsec0 | grep -E 'key |RXSC' | sed 's/PN [0-9]*, //'; }
# restart_as NAME SIGNAL BINARY: A's agent ends by SIGNAL, traffic crosses while none
# runs, BINARY starts in its place.
restart_as() {
	kill "-$2" "$PID_a"
	wait "$PID_a" 2>/dev/null
	check "$1: traffic crosses while no agent runs on A" more_replies 50
	: >"$W/a/ztosd.log"
	ZTOSD=$3 start_case "$1: $(basename "$(dirname "$3")")/ztosd starts on host A" a
}

if [ -x "$UPGRADE" ]; then ok "$UPGRADE is built"; else not_ok "$UPGRADE is built (make test-builds)"; fi
ping_stream_start zm-a 10.100.0.2 "$W/restart-ping.out"
check "the ping stream crosses MACsec before the kill" more_replies 100
for step in "SIGKILL KILL $ZTOSD" "upgrade TERM $UPGRADE"; do
	read -r name sig bin <<<"$step"
	before=$(st a) before_b=$(st b) sas=$(ip_sas)
	restart_as "$name" "$sig" "$bin"
	adopted "$name" "$before" "$before_b" "$sas"
	check "$name: the ping stream crosses after it" more_replies 100
done
expect_eq "upgrade: the new agent says its version" \
	"$("$ZTOSD" --version 2>/dev/null | awk '{print $NF}')+upgrade" "$(zt a status --json | jq -r .version)"
stream_stop
check "the stream surrounded both restarts ($STREAM_GOT replies)" test "$STREAM_GOT" -ge 400
echo "# macsec_lost_packets=$STREAM_LOST"
expect_eq "no ping lost through MACsec across SIGKILL, restart and upgrade (seq $STREAM_FIRST..$STREAM_LAST)" \
	0 "$STREAM_LOST"

# ---- a change of a setting: only the difference ----

before=$(st a)
r=$(q a POST /api/v1/network/configure -d '{"macsec": {"replay_window": 64}}')
expect_eq "configure macsec.replay_window 64: 200" 200 "$(status_of "$r")"
check "the kernel has window 64 now" bash -c "ip -n zm-a macsec show ztmacsec0 | grep -q 'replay on window 64'"
after=$(st a)
expect_eq "the same link (ifindex), the same SAs (key ids)" \
	"$(jq -c '[.macsec.kernel.ifindex, [.macsec.kernel.tx_sc.sa[].key_id], [.macsec.kernel.rx_sc[].sa[].key_id]]' <<<"$before")" \
	"$(jq -c '[.macsec.kernel.ifindex, [.macsec.kernel.tx_sc.sa[].key_id], [.macsec.kernel.rx_sc[].sa[].key_id]]' <<<"$after")"
check "TX SA 0 was not re-keyed (its PN went on)" test \
	"$(jq '.macsec.kernel.tx_sc.sa[0].next_pn' <<<"$after")" -ge \
	"$(jq '.macsec.kernel.tx_sc.sa[0].next_pn' <<<"$before")"

# ---- rotation under a 10 ms ping stream ----

# A long stream, stopped once the rotation is done: it must surround the whole rotation
# however slow the VM is. Losses are the replies missing between the first and the last.
ip netns exec zm-a stdbuf -oL ping -i 0.01 -c 60000 -W 1 10.100.0.2 >"$W/ping.out" 2>&1 &
pp=$!
replies() { grep -c 'icmp_seq=' "$W/ping.out"; }
wait_until 60 at_least 50 replies
# RX first on both hosts, then TX: each host can decrypt the other's next SA before
# either switches. Host A through the CLI, host B through the API.
check "rotate A's RX SA of B to an 1 (ztos security macsec rotate)" zt a security macsec rotate \
	--peer $MAC_B --port 1 --rx-an 1 --rx-key-id b1 --rx-key-file "$W/b1.key"
r=$(rotate b "{\"peers\": [{\"mac\": \"$MAC_A\", \"rx_sa\": {\"an\": 1, \"key_id\": \"a1\", \"key_file\": \"$W/a1.key\"}}]}")
expect_eq "rotate B's RX SA of A to an 1 (POST .../macsec/rotate)" 200 "$(status_of "$r")"
check "rotate A's TX SA to an 1" zt a security macsec rotate --tx-an 1 --tx-key-id a1 \
	--tx-key-file "$W/a1.key"
r=$(rotate b "{\"tx_sa\": {\"an\": 1, \"key_id\": \"b1\", \"key_file\": \"$W/b1.key\"}}")
expect_eq "rotate B's TX SA to an 1" 200 "$(status_of "$r")"
check "the ping stream was still running when the rotation was done" kill -0 $pp
# Some traffic on the new SAs, and at least 300 replies in all, before the stream stops.
wait_until 60 at_least $(($(replies) + 100)) replies
wait_until 60 at_least 300 replies
kill -INT $pp
wait $pp
seqs=$(grep -o 'icmp_seq=[0-9]*' "$W/ping.out" | cut -d= -f2 | sort -n | uniq)
first=$(head -n 1 <<<"$seqs") last=$(tail -n 1 <<<"$seqs") got=$(wc -l <<<"$seqs")
span=$((${last:-0} - ${first:-0} + 1))
echo "# rotation under ping -i 0.01: replies $got of $span (icmp_seq $first..$last)"
check "the rotation lost at most 1 of $span pings ($got replies)" \
	test "$((span - got))" -le 1 -a "$got" -ge 300
s=$(st a)
expect_eq "A: encoding SA 1, TX SA 0 gone" "1 [1]" \
	"$(jq -c '.macsec.kernel | "\(.encoding_sa) \([.tx_sc.sa[].an])"' <<<"$s" | tr -d '"')"
check "A: RX SA 1 of B carries B's traffic" \
	jqe '.macsec.kernel.rx_sc[0].sa[] | select(.an == 1) | .stats.InPktsOK > 0' "$s"
if ! jqe '.macsec.kernel.rx_sc[0].sa[] | select(.an == 1) | .stats.InPktsOK > 0' "$s"; then
	for h in a b; do
		ip -n zm-$h macsec show | sed "s/^/#   $h: /"
		grep -i macsec "$W/$h/ztosd.log" | tail -n 8 | sed "s/^/#   $h log: /"
	done
fi
for _ in $(seq 40); do
	[ "$(st a | jq -c '[.macsec.kernel.rx_sc[0].sa[].an]')" = "[1]" ] &&
		[ "$(st b | jq -c '[.macsec.kernel.rx_sc[0].sa[].an]')" = "[1]" ] && break
	sleep 0.25
done
expect_eq "the old RX SAs (an 0) were retired on both hosts after the grace" "[1] [1]" \
	"$(st a | jq -c '[.macsec.kernel.rx_sc[0].sa[].an]') $(st b | jq -c '[.macsec.kernel.rx_sc[0].sa[].an]')"
check "a retire_rx_sa event was written" grep -q '"action":"retire_rx_sa"' "$W/a/events.json"
expect_eq "status says the rotated SAs are not in the config file" false \
	"$(st a | jq .macsec.persisted)"
check "ping after the rotation" ip netns exec zm-a ping -c 2 -i 0.2 -W 2 10.100.0.2

# ---- a peer with the wrong key ----

r=$(rotate a "{\"peers\": [{\"mac\": \"$MAC_B\", \"rx_sa\": {\"an\": 2, \"key_id\": \"b2\", \"key_file\": \"$W/b2.key\"}}]}")
expect_eq "A expects B's next SA (an 2) under the right key" 200 "$(status_of "$r")"
r=$(rotate b "{\"tx_sa\": {\"an\": 2, \"key_id\": \"b2\", \"key_file\": \"$W/wrong.key\"}}")
expect_eq "B sends under an 2 with a wrong key" 200 "$(status_of "$r")"
nv0=$(st a | jq '.macsec.kernel.rx_sc[0].stats.InPktsNotValid')
check "B gets nothing through to A" bash -c "! ip netns exec zm-b ping -c 5 -i 0.2 -W 1 10.100.0.1"
s=$(st a)
check "A: InPktsNotValid of B's SC rose ($nv0 -> $(jq '.macsec.kernel.rx_sc[0].stats.InPktsNotValid' <<<"$s"))" \
	test "$(jq '.macsec.kernel.rx_sc[0].stats.InPktsNotValid' <<<"$s")" -ge $((nv0 + 5))
check "A: InPktsNotValid of RX SA 2 rose, InPktsOK of it stayed 0" jqe \
	'.macsec.kernel.rx_sc[0].sa[] | select(.an == 2) | .stats.InPktsNotValid >= 5 and .stats.InPktsOK == 0' "$s"

# ---- bad input: nothing half-configured ----

r=$(rotate a "{\"tx_sa\": {\"an\": 3, \"key_id\": \"a3\", \"key_file\": \"$W/short.key\"}}")
expect_eq "rotate with a 16-byte key for gcm-aes-256: 422" 422 "$(status_of "$r")"
check "the error names the key file" grep -q "short.key" <<<"$r"
check "the error holds no key bytes" bash -c '! grep -q c0ffee <<<"$1"' _ "$r"
expect_eq "no TX SA 3 was installed" "[1]" "$(st a | jq -c '[.macsec.kernel.tx_sc.sa[].an]')"
r=$(rotate a "{\"tx_sa\": {\"an\": 3, \"key_id\": \"a3\", \"key_file\": \"$W/nothex.key\"}}")
expect_eq "rotate with a key file that is not hex: 422" 422 "$(status_of "$r")"
check "the error names the file" grep -q "nothex.key" <<<"$r"
r=$(rotate a "{\"tx_sa\": {\"an\": 1, \"key_id\": \"a1\", \"key_file\": \"$W/a1.key\"}}")
expect_eq "rotate to the AN in use: 422" 422 "$(status_of "$r")"
r=$(rotate a "{\"peers\": [{\"mac\": \"02:00:00:00:00:99\", \"rx_sa\": {\"an\": 1, \"key_id\": \"99\", \"key_file\": \"$W/b1.key\"}}]}")
expect_eq "rotate for a peer that is not configured: 422" 422 "$(status_of "$r")"

# host C: its own veth pair; its config starts without macsec.
ip link add ul0 netns zm-c type veth peer name ulx netns zm-c
ip -n zm-c link set ul0 up
ip -n zm-c link set ulx up
# a parent MACsec cannot run on: not Ethernet
modprobe wireguard
ip -n zm-c link add ulw type wireguard
config c "" "" ""
start_case "ztosd starts on host C (no macsec yet)" c
ms_c() { # the macsec section for C, as JSON; $1: extra top-level members, $2: peer key, $3: parent
	echo "{\"macsec\": {\"interface\": \"ztmacsec0\", \"parent\": \"${3:-ul0}\", \"cipher\": \"gcm-aes-256\",
	 \"tx_sa\": {\"an\": 0, \"key_id\": \"c0\", \"key_file\": \"$W/a0.key\"},
	 \"peers\": [{\"mac\": \"$MAC_A\", \"rx_sa\": {\"an\": 0, \"key_id\": \"a0\", \"key_file\": \"${2:-$W/a0.key}\"}}]}${1:-}}"
}
r=$(q c POST /api/v1/network/configure -d "$(ms_c "" "" ulw)")
expect_eq "the kernel refuses MACsec on a parent that is not Ethernet (WireGuard): 422" 422 \
	"$(status_of "$r")"
check "the error names the link, the step and the kernel's reason" \
	grep -q 'macsec ztmacsec0: create on ulw (gcm-aes-256, MTU 1388): Invalid argument' <<<"$r"
echo "#   $(body_of "$r" | jq -r .error.message)"
check "nothing was left: no ztmacsec0 on C" bash -c "! ip -n zm-c link show ztmacsec0 2>/dev/null"
expect_eq "the config stays without macsec" false "$(st c | jq .macsec.configured)"

r=$(q c POST /api/v1/network/configure -d "$(ms_c ", \"underlay\": {\"interface\": \"ztmacsec0\", \"address\": \"10.0.0.3\", \"xdp_mode\": \"native\"}")")
expect_eq "macsec applies, then the kernel refuses native XDP on it: 422" 422 "$(status_of "$r")"
echo "#   $(body_of "$r" | jq -r .error.message)"
check "the MACsec link made for it was taken back (transaction undone)" bash -c \
	"! ip -n zm-c link show ztmacsec0 2>/dev/null"

ip -n zm-c link add ztmacsec0 type dummy
r=$(q c POST /api/v1/network/configure -d "$(ms_c)")
expect_eq "a non-ztos device named ztmacsec0 exists: 422" 422 "$(status_of "$r")"
check "the error says it is not ztos's" grep -q "not ztos's" <<<"$r"
expect_eq "the dummy is untouched (kind, no alias)" "dummy null" \
	"$(ip -n zm-c -d -j link show ztmacsec0 | jq -r '.[0] | "\(.linkinfo.info_kind) \(.ifalias)"')"
ip -n zm-c link del ztmacsec0

r=$(q c POST /api/v1/network/configure -d "$(ms_c "" "$W/short.key")")
expect_eq "a peer key of the wrong length: 422" 422 "$(status_of "$r")"
check "the error names the file" grep -q "short.key" <<<"$r"
check "nothing was made" bash -c "! ip -n zm-c link show ztmacsec0 2>/dev/null"

r=$(q c POST /api/v1/network/configure -d "$(ms_c)")
expect_eq "the same config with good input applies" 200 "$(status_of "$r")"
check "C now has its MACsec link" ip -n zm-c link show ztmacsec0
r=$(q c POST /api/v1/network/configure -d '{"macsec": {"interface": "ztmacsec1"}}')
expect_eq "renamed to ztmacsec1 (the same SCI on the same parent): 200" 200 "$(status_of "$r")"
expect_eq "ztmacsec1 is there, ztmacsec0 is gone" "ztmacsec1" \
	"$(ip -n zm-c -j link show type macsec | jq -r '[.[].ifname] | join(" ")')"
r=$(q c POST /api/v1/network/configure -d '{"macsec": null}')
expect_eq "the macsec section removed: 200" 200 "$(status_of "$r")"
check "its link is gone, the parent stays" bash -c \
	"! ip -n zm-c link show ztmacsec1 2>/dev/null && ip -n zm-c link show ul0 >/dev/null"
stop c
nsenter --net=/run/netns/zm-c "$ZTOSD" --cleanup --config "$W/c/ztos.yaml" >/dev/null 2>&1

check "no key bytes in any agent's log or event log" bash -c "! grep -rq c0ffee $W/[abc]/*.log $W/[abc]/events.json*"

# ---- cleanup ----

stop a
nsenter --net=/run/netns/zm-a "$ZTOSD" --cleanup --config "$W/a/ztos.yaml" >"$W/cleanup.out" 2>&1
check "ztosd --cleanup removes the MACsec link" bash -c \
	"grep -q 'removed MACsec link ztmacsec0' '$W/cleanup.out' && ! ip -n zm-a link show ztmacsec0 2>/dev/null"
check "and leaves the parent alone" ip -n zm-a link show ul0

echo "1..$_tap_n"
