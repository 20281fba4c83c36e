#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Files in places another user may reach: the lock file and the event log are never opened
# through a symbolic link (the lock is truncated and written, the log appended to), and
# the folders the agent keeps things in (state_dir, the API socket's folder, wireguard-go's
# socket folder), when they exist already, must be the agent's and writable by no one else.
set -u
. "$(dirname "$0")/../lib.sh"

LOG_EXTRA=""
agent_setup
cp "$CONFIG" "$WORK/base.yaml"
printf 'keep me\n' >"$WORK/victim"

# refused NAME TEXT: the agent does not start, and says TEXT.
refused() {
	local rc

	timeout 20 "$ZTOSD" --config "$CONFIG" >"$WORK/out.txt" 2>&1
	rc=$?
	check "$1: the agent does not start" test "$rc" -eq 1
	check "$1: it says why" grep -q -- "$2" "$WORK/out.txt"
	cp "$WORK/base.yaml" "$CONFIG"
}

mkdir -m 777 "$WORK/state"
refused "state_dir of mode 0777" "state_dir: $WORK/state has mode 0777: others can write to it"
chmod 755 "$WORK/state"
chown nobody "$WORK/state"
refused "state_dir owned by nobody" "state_dir: $WORK/state belongs to uid $(id -u nobody)"
chown root "$WORK/state"
ln -sfn "$WORK/victim" "$WORK/state/ztosd.lock"
refused "the lock file a symbolic link" "cannot open lock $WORK/state/ztosd.lock: Too many levels of symbolic links"
expect_eq "the file behind the link is untouched" "keep me" "$(cat "$WORK/victim")"
rm "$WORK/state/ztosd.lock"

mkdir -p "$WORK/log"
printf 'keep me\n' >"$WORK/victim"
ln -sfn "$WORK/victim" "$EVENTS"
refused "the event log a symbolic link" "cannot open event log $EVENTS: Too many levels of symbolic links"
expect_eq "the file behind the link is untouched" "keep me" "$(cat "$WORK/victim")"
rm "$EVENTS"

mkdir -m 1777 "$WORK/run"
sed -i "s|socket: $SOCK|socket: $WORK/run/api.sock|" "$CONFIG"
refused "the socket's folder of mode 1777" "socket folder: $WORK/run has mode 1777"

# wireguard-go's socket folder is global (/var/run/wireguard): made writable for all in a
# mount namespace of the test's own, with a stand-in for wireguard-go that must not run.
wg_key "$WORK/wg.key"
printf '#!/bin/sh\ntouch %s/stand-in-ran\nexit 1\n' "$WORK" >"$WORK/stand-in"
chmod 755 "$WORK/stand-in"
sed -i "s|^  state_dir:|  wireguard_go: $WORK/stand-in\n  state_dir:|" "$CONFIG"
printf 'wireguard: {interface: ztsec7, private_key_file: %s}\n' "$WORK/wg.key" >>"$CONFIG"
mkdir -p /run/wireguard
unshare --mount --propagation private bash -c '
	mount -t tmpfs -o mode=1777 tmpfs /run/wireguard || exit 1
	ZTOS_WG_USERSPACE=1 "$1" --config "$2" >"$3/wg.txt" 2>&1 &
	pid=$!
	for _ in $(seq 200); do grep -q "wireguard ztsec7" "$3/wg.txt" && break; sleep 0.05; done
	kill -TERM $pid; wait $pid
' _ "$ZTOSD" "$CONFIG" "$WORK"
check "wireguard-go's socket folder of mode 1777: refused, said" \
	grep -q "wireguard ztsec7: /var/run/wireguard has mode 1777: others can write to it" "$WORK/wg.txt"
check "and wireguard-go was not started" test ! -e "$WORK/stand-in-ran"
