#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A key file swapped after validation: the agent checks wireguard.private_key_file when
# it loads its config and reads it again when it applies it. Here a FIFO takes the key's
# place in between, and the agent must refuse it, not wait on it forever.
#
# The pause in between is made, not hoped for: the event log is a FIFO, and the agent opens
# it (after validating, before WireGuard) only once the test has swapped the key and
# started reading. Nothing is created in the kernel: the key is refused first.
set -u
. "$(dirname "$0")/../lib.sh"

LOG_EXTRA=""
agent_setup
wg_key "$WORK/wg.key"
mkdir -p "$WORK/log"
mkfifo -m 600 "$EVENTS"
cat >>"$CONFIG" <<EOF
wireguard: {interface: ztsec9, private_key_file: $WORK/wg.key, listen_port: 0}
EOF
check "the config with a valid key file validates" "$ZTOSD" --check-config "$CONFIG"

"$ZTOSD" --config "$CONFIG" --log-level debug >>"$WORK/ztosd.log" 2>&1 &
AGENT_PID=$!
# The lock file is taken after validation and right before the event log is opened.
for _ in $(seq 200); do
	[ "$(cat "$WORK/state/ztosd.lock" 2>/dev/null)" = "$AGENT_PID" ] && break
	sleep 0.05
done
expect_eq "the agent validated its config and holds its lock" "$AGENT_PID" \
	"$(cat "$WORK/state/ztosd.lock" 2>/dev/null)"
mv "$WORK/wg.key" "$WORK/wg.key.real"
mkfifo -m 600 "$WORK/wg.key"
cat "$EVENTS" >"$WORK/events.txt" &
READER_PID=$!

for _ in $(seq 200); do
	[ -S "$SOCK" ] && break
	kill -0 "$AGENT_PID" 2>/dev/null || break
	sleep 0.05
done
if ! [ -S "$SOCK" ]; then
	not_ok "the agent went on past the swapped key file (its API is up)"
	echo "#   in $(cat /proc/"$AGENT_PID"/wchan 2>/dev/null) after 10 s; ls -l /proc/$AGENT_PID/fd:"
	ls -l /proc/"$AGENT_PID"/fd 2>/dev/null | tail -n 3 | sed 's/^/#   /'
	kill "$READER_PID" 2>/dev/null
	exit 1	# the teardown kills the agent: SIGTERM is read only by its event loop
fi
ok "the agent went on past the swapped key file (its API is up)"
r=$(sock GET /api/v1/security/status)
check "wireguard says the key file is not a regular file" \
	grep -q "private_key_file: $WORK/wg.key is not a regular file" <<<"$r"
check "no wireguard device was made" bash -c "! ip link show ztsec9 2>/dev/null"
agent_stop
expect_eq "SIGTERM: exit 0" 0 "${AGENT_RC:-killed}"
kill "$READER_PID" 2>/dev/null || true	# it ends with the agent, as a rule
