#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# A client without the token floods the API with refused requests, their URLs long and
# not UTF-8: every denial is counted, a few are logged, the rest summed up per client; the
# agent's memory stays bounded, the event history is not rotated away, and every line of
# the event log is valid JSON in valid UTF-8. Denials on the unix socket count too.
set -u
. "$(dirname "$0")/../lib.sh"

LOG_EXTRA=", max_size: 262144, keep: 1"
agent_setup
start_agent_case "agent starts"

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$AGENT_PID/status"; }
auth_events() { grep -c '"event_type":"auth"' "$EVENTS"; }
rss0=$(rss_kb)

# 4200 refused requests, 16 KB paths of bytes that are no UTF-8, from 8 threads.
/usr/bin/python3 - "$PORT" <<'PY' >"$WORK/flood.txt" 2>&1
import socket, sys, threading
port, total, conns = int(sys.argv[1]), 4200, 8
junk = (b"\xff\xfe\xc0\xaf\xed\xa0\x80%" * 2000)[:16000]
req = b"GET /" + junk + b" HTTP/1.1\r\nHost: x\r\n\r\n"
codes = []

def flood(n):
    for _ in range(n):  # a refused request's connection is closed: one each
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(req)
        answer = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            answer += d
        s.close()
        codes.append(answer.split(b" ")[1] if answer else b"none")

ts = [threading.Thread(target=flood, args=(total // conns,)) for _ in range(conns)]
for t in ts: t.start()
for t in ts: t.join()
print(len(codes), "answers,", codes.count(b"401"), "of them 401")
PY
check "the flood got 4200 answers, all 401" grep -q "^4200 answers, 4200 of them 401" "$WORK/flood.txt"
rss1=$(rss_kb)
check_rss "RSS grew by less than 16 MiB ($rss0 kB -> $rss1 kB)" test $((rss1 - rss0)) -lt 16384
check "every denial is counted (/metrics)" bash -c \
	"[ \$(curl -s -H 'Authorization: Bearer $TOKEN' $API/metrics | awk '/^ztos_api_auth_failures_total / {print \$2}') -ge 4200 ]"
n=$(auth_events)
check "a few denials were logged one by one ($n auth events)" test "$n" -le 20
check "the event log was not rotated: the agent's start event is still there" \
	bash -c "test ! -e '$EVENTS.1' && grep -q '\"action\":\"start\"' '$EVENTS'"

# The rest of the window is summed up once it ends (windows are 10 s).
for _ in $(seq 300); do
	grep -q '"suppressed":' "$EVENTS" && break
	sleep 0.05
done
sum=$(jq -s '[.[] | select(.event_type == "auth") | .auth.suppressed // 0] | add' "$EVENTS")
logged=$(jq -s '[.[] | select(.event_type == "auth" and .auth.url)] | length' "$EVENTS")
expect_eq "logged and summed-up denials add up to 4200" 4200 $((sum + logged))
check "logged URLs are cut to 256 bytes, with their length" jq -e -s \
	'[.[] | select(.event_type == "auth" and .auth.url)] | all(.auth.url_bytes > 16000 and (.auth.url | utf8bytelength) <= 3 * 256)' \
	"$EVENTS"
check "every event line is valid JSON in valid UTF-8" /usr/bin/python3 -c '
import json, sys
for i, line in enumerate(open(sys.argv[1], "rb")):
    json.loads(line.decode("utf-8", errors="strict"))
' "$EVENTS"
check "jq reads every line" jq -e . "$EVENTS"

# A refused peer on the unix socket (another user, the socket opened to it) counts too.
chmod 711 "$WORK"
chmod 666 "$SOCK"
before=$(curl -s -H "Authorization: Bearer $TOKEN" "$API/metrics" | awk '/^ztos_api_auth_failures_total / {print $2}')
code=$(setpriv --reuid=65534 --regid=65534 --clear-groups curl -s -o /dev/null -w '%{http_code}' \
	--unix-socket "$SOCK" http://localhost/api/v1/status)
expect_eq "unix socket, another user: 401" 401 "$code"
after=$(curl -s -H "Authorization: Bearer $TOKEN" "$API/metrics" | awk '/^ztos_api_auth_failures_total / {print $2}')
expect_eq "unix socket denial counted in /metrics" $((before + 1)) "$after"
for _ in $(seq 100); do grep -q '"client":"unix:uid=65534"' "$EVENTS" && break; sleep 0.05; done
check "unix socket denial logged with the peer's uid" grep -q '"client":"unix:uid=65534"' "$EVENTS"
