#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# agent.log.syslog: events reach /dev/log as RFC 5424 messages. The test gives the
# agent a /dev of its own (a mount namespace with a tmpfs /dev) so that a listener of
# ours is /dev/log and the host's syslog is never touched.
set -u
. "$(dirname "$0")/../lib.sh"

LOG_EXTRA=""
agent_setup
sed -i 's/syslog: false/syslog: true/' "$CONFIG"

with_syslog "$WORK/syslog.txt" bash -c '
	"$1" --config "$2" >"$0/ztosd.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -S "$0/api.sock" ] && break; sleep 0.05; done
	curl -s -o /dev/null "$3/api/v1/status"
	kill -TERM $pid; wait $pid
	echo "agent exit $?"
' "$WORK" "$ZTOSD" "$CONFIG" "$API" >"$WORK/unshare.out" 2>&1
check "the agent ran with syslog on and stopped cleanly" grep -q "agent exit 0" "$WORK/unshare.out"
re='^<30>1 [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}Z [^ ]+ ztosd [0-9]+ agent - \{"timestamp"'
check "the start event is an RFC 5424 message (daemon.info, MSGID agent)" grep -qE "$re" "$WORK/syslog.txt"
check "the refused request is an auth event in syslog" grep -qE '^<30>1 .* ztosd [0-9]+ auth - \{.*"denied"' "$WORK/syslog.txt"
check "the syslog message carries the same JSON as the event log" bash -c \
	"grep ' agent - ' '$WORK/syslog.txt' | head -1 | sed 's/^[^{]*//' | jq -e '.agent.action == \"start\"'"
check "the event log file has the events too" grep -q '"event_type":"auth"' "$EVENTS"
