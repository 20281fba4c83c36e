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

# A syslog that stops reading (a listener that never calls recv: the kernel queues only
# net.unix.max_dgram_qlen datagrams): the agent says once that lines are lost, and every
# event still reaches the event log file.
rm -f "$EVENTS"
unshare --mount --propagation private bash -c '
	mount -t tmpfs tmpfs /dev || exit 1
	mknod -m 666 /dev/null c 1 3
	/usr/bin/python3 -c "
import socket, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
time.sleep(600)
" &
	for _ in $(seq 100); do [ -S /dev/log ] && break; sleep 0.05; done
	"$1" --config "$2" >"$0/ztosd-stalled.log" 2>&1 &
	pid=$!
	for _ in $(seq 100); do [ -S "$0/api.sock" ] && break; sleep 0.05; done
	# a refused reload is an event every time (an unchanged one is none)
	cp "$2" "$0/good.yaml"
	printf "\nnot_a_key: 1\n" >>"$2"
	for i in $(seq 40); do
		kill -HUP $pid
		# each refused reload is an event: wait for it before the next signal (they would merge)
		for _ in $(seq 100); do
			[ "$(grep -c "\"event_type\":\"config\"" "$3" 2>/dev/null)" -ge "$i" ] && break
			sleep 0.05
		done
	done
	cp "$0/good.yaml" "$2"
	kill -TERM $pid; wait $pid
	echo "agent exit $?"
	kill %1
' "$WORK" "$ZTOSD" "$CONFIG" "$EVENTS" >"$WORK/unshare-stalled.out" 2>&1
check "a stalled syslog: the agent ran and stopped cleanly" grep -q "agent exit 0" "$WORK/unshare-stalled.out"
expect_eq "every refused reload reached the event log file" 40 "$(grep -c '"event_type":"config"' "$EVENTS")"
expect_eq "the loss is said once, naming syslog" 1 \
	"$(grep -c 'not sent to syslog: Resource temporarily unavailable' "$WORK/ztosd-stalled.log")"
