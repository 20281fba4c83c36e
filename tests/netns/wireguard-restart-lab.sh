# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=bash
# WireGuard through a restart and an upgrade of ztosd, under traffic. Shared by
# tests/netns/wireguard-go-restart-test.sh (wireguard-go on the host) and
# tests/vm/inside/wireguard-restart.sh (in-kernel WireGuard, in the VM). Source it after
# tests/lib.sh and tests/netns/wireguard-lab.sh (with WGL_HOSTS=(a b)), then:
# wg_restart_suite EXPECTED_IMPLEMENTATION.
#
# An echo request every 10 ms from host a to host b, across VNI 100 over WireGuard, while
# host a's ztosd is (1) killed with SIGKILL and started again, (2) stopped with SIGTERM and
# replaced by another binary (the same sources built as another version: make test-builds).
# Not one reply may be missing, and WireGuard is adopted, not made again: the same device
# (ifindex), the same keys, the peer's last handshake unchanged (a key or a peer set again
# starts a new one), its byte counters going on by all the other side counted meanwhile (a
# peer made again starts from 0), the
# peers as they were; for wireguard-go, the same process on the same UAPI socket.

WGR_UPGRADE=$BUILD_DIR-upgrade/ztosd
WGR_REKEY_S=120	# WireGuard's REKEY_AFTER_TIME: a session this old is renewed as it sends

# wgr_peer_of HOST PEER FIELD: wg(8)'s FIELD (latest-handshakes, transfer) of PEER on
# HOST's device: the kernel's (or wireguard-go's) own view, not ztos's.
wgr_peer_of() {
	wgl_in "$1" wg show "$(wgl_if "$1")" "$3" |
		awk -v k="$(cat "$WGL_WORK/$2/wg.pub")" '$1 == k { $1 = ""; sub(/^ +/, ""); print }'
}
wgr_peer() { wgr_peer_of a b "$1"; }

# The peers without their secrets or their live values: key, endpoint, allowed IPs, keepalive.
wgr_peers() { wgl_in a wg show "$(wgl_if a)" dump | tail -n +2 | cut -f1,3,4,8 | sort; }

wgr_gopid() { wgl_wg_json a | jq -r '.pid // empty'; }

# wgr_snap: what must come through a restart unchanged (or only growing).
wgr_snap() {
	local i
	i=$(wgl_if a)
	WGR_IFX=$(ip -n "$(wgl_ns a)" -j link show "$i" | jq '.[0].ifindex')
	# the private key by a digest: it must not reach the test's output
	WGR_KEYS="$(wgl_in a wg show "$i" public-key) $(wgl_in a wg show "$i" private-key | sha256sum | cut -c1-16)"
	WGR_PORT=$(wgl_in a wg show "$i" listen-port)
	WGR_HS=$(wgr_peer latest-handshakes)
	WGR_RXTX=$(wgr_peer transfer)
	WGR_PEERS=$(wgr_peers)
	WGR_B_RXTX=$(wgr_peer_of b a transfer)	# read after a's: inside the span
	WGR_GO=
	[ "$WGR_IMPL" = wireguard-go ] &&
		WGR_GO="$(wgr_gopid) $(stat -c %i "/var/run/wireguard/$i.sock")"
	return 0
}

# wgr_handshake NAME: peer b's last handshake is the one before the restart. Only a
# session WGR_REKEY_S old may have been renewed since, as WireGuard does on its own.
wgr_handshake() {
	local now
	now=$(wgr_peer latest-handshakes)
	if [ -n "$now" ] && [ "$now" = "$WGR_HS" ] && [ "$now" -gt 0 ]; then
		ok "$1: peer b's last handshake unchanged ($now: none forced)"
	elif [ -n "$now" ] && [ "$now" -ge $((WGR_HS + WGR_REKEY_S)) ]; then
		ok "$1: peer b's last handshake is WireGuard's own rekey, ${WGR_REKEY_S} s after the last ($WGR_HS -> $now)"
	else
		not_ok "$1: peer b's last handshake unchanged"
		echo "#   before: $WGR_HS, after: $now"
	fi
}

# wgr_counters NAME: peer b's byte counters on host a went on: they rose by at least what
# host b counted for a between the two reads (read inside a's span); a peer made again
# starts from 0, so it would be short of that by everything before its new start.
# SLACK: the datagrams in flight when b read (a few of about 150 bytes).
WGR_SLACK=3000
wgr_counters() {
	local rx tx brx btx brx0 btx0
	read -r brx btx <<<"$(wgr_peer_of b a transfer)"
	read -r rx tx <<<"$(wgr_peer transfer)"
	read -r brx0 btx0 <<<"$WGR_B_RXTX"
	if [ -n "$rx" ] && [ $((rx - ${WGR_RXTX% *})) -ge $((btx - btx0 - WGR_SLACK)) ] &&
		[ $((tx - ${WGR_RXTX#* })) -ge $((brx - brx0 - WGR_SLACK)) ]; then
		ok "$1: peer b's byte counters went on, not from 0 (rx tx $WGR_RXTX -> $rx $tx; b sent $((btx - btx0)), got $((brx - brx0)) meanwhile)"
	else
		not_ok "$1: peer b's byte counters went on, not from 0"
		echo "#   a: rx tx $WGR_RXTX -> $rx $tx; b: rx tx $WGR_B_RXTX -> $brx $btx"
	fi
}

# wgr_adopted NAME: host a's WireGuard is what it was before the restart.
wgr_adopted() {
	local n=$1 i
	i=$(wgl_if a)
	wgr_counters "$n"
	expect_eq "$n: the same WireGuard device (ifindex)" "$WGR_IFX" \
		"$(ip -n "$(wgl_ns a)" -j link show "$i" | jq '.[0].ifindex')"
	expect_eq "$n: the same keys (public key; private key by its digest)" "$WGR_KEYS" \
		"$(wgl_in a wg show "$i" public-key) $(wgl_in a wg show "$i" private-key | sha256sum | cut -c1-16)"
	expect_eq "$n: the same listen port" "$WGR_PORT" "$(wgl_in a wg show "$i" listen-port)"
	expect_eq "$n: the peers as they were (keys, endpoints, allowed IPs, keepalive)" \
		"$WGR_PEERS" "$(wgr_peers)"
	wgr_handshake "$n"
	check "$n: the agent set nothing (no key, port, peer or device made)" bash -c \
		"! grep -E 'wireguard [^ ]*: (private key set|listen port|peer .* (added|updated|removed)|created)' '$WGL_WORK/a/ztosd.log'"
	[ "$WGR_IMPL" = wireguard-go ] || return 0
	expect_eq "$n: the same wireguard-go process on the same UAPI socket (pid, inode)" \
		"$WGR_GO" "$(wgr_gopid) $(stat -c %i "/var/run/wireguard/$i.sock")"
	check "$n: that process is wireguard-go" grep -q wireguard-go "/proc/${WGR_GO%% *}/cmdline"
}

# wgr_restart NAME SIGNAL BINARY: host a's agent ends by SIGNAL, traffic crosses while
# none runs, BINARY starts in its place.
wgr_restart() {
	local n=$1 pid
	pid=$(cat "$WGL_WORK/a/agent.pid")
	kill "-$2" "$pid"
	wait "$pid" 2>/dev/null
	rm -f "$WGL_WORK/a/agent.pid" "$WGL_WORK/a/api.sock"	# SIGKILL leaves the socket
	check "$n: traffic crosses the tunnel while no agent runs" more_replies 50
	: >"$WGL_WORK/a/ztosd.log"
	if ZTOSD=$3 wgl_start a; then
		ok "$n: $(basename "$(dirname "$3")")/ztosd starts"
	else
		not_ok "$n: $(basename "$(dirname "$3")")/ztosd starts"
	fi
}

wg_restart_suite() {
	local h old_version
	WGR_IMPL=$1

	wgl_setup
	if [ ! -x "$WGR_UPGRADE" ]; then
		not_ok "$WGR_UPGRADE is built (make test-builds; make test builds it)"
		echo "1..$_tap_n"
		return
	fi
	for h in "${WGL_HOSTS[@]}"; do
		if wgl_start "$h"; then ok "host $h: ztosd starts"; else not_ok "host $h: ztosd starts"; return; fi
	done
	expect_eq "host a: WireGuard by $WGR_IMPL" "running $WGR_IMPL" \
		"$(wgl_wg_json a | jq -r '"\(.state) \(.implementation)"')"
	wgl_vxlan
	check "VXLAN over WireGuard: a reaches b" wgl_reach a 10.100.0.2
	check "a handshake with peer b ($(wgr_peer latest-handshakes))" \
		test "$(wgr_peer latest-handshakes)" -gt 0

	ping_stream_start "$(wgl_ns a)" 10.100.0.2 "$WGL_WORK/ping.txt"
	check "traffic crosses the tunnel before the kill" more_replies 100

	# 1. SIGKILL: the agent has no say in what it leaves; the next one adopts it.
	wgr_snap
	wgr_restart "SIGKILL" KILL "$ZTOSD"
	wgr_adopted "SIGKILL"
	check "SIGKILL: traffic crosses after the restart" more_replies 100

	# 2. An upgrade: SIGTERM, then another binary.
	wgr_snap
	old_version=$("$ZTOSD" --version 2>/dev/null | awk '{print $NF}')
	wgr_restart "upgrade" TERM "$WGR_UPGRADE"
	expect_eq "upgrade: the new agent says its version" "$old_version+upgrade" \
		"$(wgl_z a status --json | jq -r .version)"
	wgr_adopted "upgrade"
	check "upgrade: traffic crosses after it" more_replies 100

	stream_stop
	check "the stream surrounded both restarts ($STREAM_GOT replies)" test "$STREAM_GOT" -ge 400
	echo "# wireguard_${WGR_IMPL#wireguard-}_lost_packets=$STREAM_LOST"
	expect_eq "no ping lost through WireGuard ($WGR_IMPL) across SIGKILL, restart and upgrade (seq $STREAM_FIRST..$STREAM_LAST)" \
		0 "$STREAM_LOST"
	echo "1..$_tap_n"
}
