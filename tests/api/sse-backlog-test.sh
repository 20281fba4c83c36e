#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Followers of the event stream that ask for the whole backlog (?follow=1&since=0&
# limit=4096) and never read: the backlog is streamed from the ring, one frame at a time,
# so they cost the agent no copy of it. The ring itself is bounded in bytes, and an event
# too large for it keeps its header and says its size.
set -u
. "$(dirname "$0")/../lib.sh"

LOG_EXTRA=""
agent_setup
start_agent_case "agent starts"
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$AGENT_PID/status"; }
cp "$CONFIG" "$WORK/good.yaml"

# reloads CONFIG N: N refused reloads of CONFIG, each waited for (a bounded wait): about N
# config error events.
reloads() {
	cp "$1" "$CONFIG"
	/usr/bin/python3 - "$AGENT_PID" "$EVENTS" "$2" <<'PY'
import os, signal, sys, time
pid, events, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for _ in range(n):
    size = os.stat(events).st_size  # one event line each: the file grows
    os.kill(pid, signal.SIGHUP)
    deadline = time.time() + 5
    while os.stat(events).st_size == size and time.time() < deadline:
        time.sleep(0.001)
PY
	cp "$WORK/good.yaml" "$CONFIG"
}

# unknown_keys N: the good config and N unknown keys of 200 characters (100: a reload event
# of about 60 KB).
unknown_keys() {
	/usr/bin/python3 - "$WORK/good.yaml" "$1" <<'PY'
import sys
print(open(sys.argv[1]).read() + "underlay:")
for i in range(int(sys.argv[2])):
    print("  k%04d%s: 1" % (i, "x" * 195))
PY
}
unknown_keys 100 >"$WORK/big.yaml"
reloads "$WORK/big.yaml" 300
sizes=$(grep '"result":"error"' "$EVENTS" | awk '{print length($0)}' | sort -n)
min=$(head -1 <<<"$sizes") max=$(tail -1 <<<"$sizes")
n=$(wc -l <<<"$sizes")
check "about 300 reload events of 40 to 64 KiB each were logged ($n, $min..$max bytes)" bash -c \
	"[ $n -ge 250 ] && [ $min -gt 40000 ] && [ $max -le 65536 ]"
rss1=$(rss_kb)
check_rss "the ring holds at most 16 MiB of them (RSS $rss1 kB)" test "$rss1" -lt $((8 * 1024 + 16 * 1024 + 8 * 1024))

# 8 followers of the whole backlog, each reading its answer's first bytes, then nothing.
/usr/bin/python3 - "$PORT" "$TOKEN" 8 >"$WORK/followers.txt" 2>&1 <<'PY' &
import socket, sys, time
port, token, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
socks = []
for _ in range(n):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.sendall(("GET /api/v1/monitoring/logs?follow=1&since=0&limit=4096 HTTP/1.1\r\n"
               "Host: x\r\nAuthorization: Bearer %s\r\n\r\n" % token).encode())
    socks.append(s)
for s in socks:
    print(s.recv(64).split(b"\r\n")[0].decode(), flush=True)
time.sleep(3600)
PY
FOLLOWERS_PID=$!
for _ in $(seq 200); do [ "$(grep -c '200 OK' "$WORK/followers.txt")" -eq 8 ] && break; sleep 0.05; done
expect_eq "8 followers got their answer" 8 "$(grep -c '200 OK' "$WORK/followers.txt")"
rss2=$(rss_kb)
check_rss "8 followers that never read cost less than 16 MiB ($rss1 kB -> $rss2 kB)" \
	test $((rss2 - rss1)) -lt 16384
r=$(api GET /api/v1/status)
expect_eq "the API still answers" 200 "$(status_of "$r")"

# A follower that reads gets the backlog, then the marker, then what comes.
curl -s -N --max-time 5 -H "Authorization: Bearer $TOKEN" \
	"$API/api/v1/monitoring/logs?follow=1&since=0&limit=50&event_type=config" >"$WORK/sse.txt" &
SSE_PID=$!
for _ in $(seq 100); do grep -q "following the event log" "$WORK/sse.txt" && break; sleep 0.05; done
api POST /api/v1/network/configure --data-binary '{"tenants": [{"name": "late", "vni": 4711}]}' >/dev/null
wait "$SSE_PID"
expect_eq "a reading follower: the 50 newest config events first" 50 \
	"$(sed -n '1,/following the event log/p' "$WORK/sse.txt" | grep -c '^data: ')"
check "then the marker, then the new event" bash -c \
	"sed -n '/following the event log/,\$p' '$WORK/sse.txt' | grep -q 'tenant late'"

# An event past 64 KiB keeps its header; its body says how large it was.
unknown_keys 300 >"$WORK/huge.yaml"
reloads "$WORK/huge.yaml" 1
check "an event past 64 KiB: its body is a stub with its size" bash -c \
	"tail -n 1 '$EVENTS' | jq -e '.event_type == \"config\" and .config.truncated and .config.bytes > 65536'"
kill "$FOLLOWERS_PID"
