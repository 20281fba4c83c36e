#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The REST API against a real ztosd on loopback and its unix socket: tokens, errors,
# body limits, configure (validation, dry run, nothing half-applied), events, metrics,
# SSE, SIGHUP reload, single instance, clean shutdown, log rotation.
set -u
. "$(dirname "$0")/../lib.sh"

LOG_EXTRA=", max_size: 8192, keep: 2"
CONFIG_EXTRA="tenants:
  - name: red
    vni: 200
    vteps: [192.0.2.2]
    subnets: [10.200.0.0/24]"
agent_setup
start_agent_case "agent starts and serves its unix socket"

mode=$(stat -c %a "$WORK/token")
expect_eq "token_file is generated with mode 0600" 600 "$mode"
check "token is 64 hex digits" grep -qxE '[0-9a-f]{64}' "$WORK/token"
expect_eq "unix socket is root-only (0600)" 600 "$(stat -c %a "$SOCK")"

r=$(api GET /api/v1/status)
expect_eq "GET /api/v1/status with the token: 200" 200 "$(status_of "$r")"
expect_eq "status names the version" 0.1.0 "$(body_of "$r" | jq -r .version)"
expect_eq "status: the datapath runs (a tenant is configured)" running \
	"$(body_of "$r" | jq -r .subsystems.datapath.state)"
expect_eq "status: overlay not loaded (not built yet: never invented)" "not loaded" \
	"$(body_of "$r" | jq -r .subsystems.overlay.state)"
expect_eq "status: wireguard not configured" "not configured" \
	"$(body_of "$r" | jq -r .subsystems.wireguard.state)"

r=$(curl -s -w '\n%{http_code}' "$API/api/v1/status")
expect_eq "no token: 401" 401 "$(status_of "$r")"
expect_eq "no token: error.code unauthorized" unauthorized "$(body_of "$r" | jq -r .error.code)"
r=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer $(printf '0%.0s' {1..64})" "$API/api/v1/status")
expect_eq "wrong token: 401" 401 "$(status_of "$r")"
r=$(curl -s -w '\n%{http_code}' -H "Authorization: Bearer ${TOKEN}x" "$API/metrics")
expect_eq "token with a suffix: 401" 401 "$(status_of "$r")"
hdr=$(curl -s -D - -o /dev/null "$API/api/v1/status")
check "401 carries WWW-Authenticate: Bearer" grep -qi '^WWW-Authenticate: Bearer' <<<"$hdr"

r=$(sock GET /api/v1/status)
expect_eq "unix socket, no token: 200" 200 "$(status_of "$r")"

r=$(api GET /api/v1/nope)
expect_eq "unknown route: 404" 404 "$(status_of "$r")"
expect_eq "unknown route: error.code not_found" not_found "$(body_of "$r" | jq -r .error.code)"
r=$(api DELETE /api/v1/status)
expect_eq "wrong method: 405" 405 "$(status_of "$r")"
hdr=$(curl -s -D - -o /dev/null -X POST -H "Authorization: Bearer $TOKEN" "$API/api/v1/status")
check "405 names the allowed method" grep -qi '^Allow: GET' <<<"$hdr"
r=$(api GET /api/v1/network/configure)
expect_eq "GET on a POST route: 405" 405 "$(status_of "$r")"

head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' ' ' >"$WORK/big.json"
r=$(api POST /api/v1/network/configure -H 'Content-Type: application/json' --data-binary @"$WORK/big.json")
expect_eq "body over 1 MiB: 413" 413 "$(status_of "$r")"
r=$(api POST /api/v1/network/configure -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/big.json")
expect_eq "chunked body over 1 MiB: 413" 413 "$(status_of "$r")"

gen0=$(body_of "$(api GET /api/v1/status)" | jq -r .config.generation)

r=$(api POST /api/v1/network/configure --data-binary '{"tenants": [{"name": "blue", "vni": 100,}]}')
expect_eq "malformed JSON: 400" 400 "$(status_of "$r")"
check "malformed JSON: the message has the location" grep -q 'line 1, column' <<<"$(body_of "$r" | jq -r .error.message)"

r=$(api POST /api/v1/network/configure --data-binary '{"tenants": [{"name": "blue", "vni": 100}, {"name": "green", "vni": 16777216}]}')
expect_eq "VNI out of range: 422" 422 "$(status_of "$r")"
expect_eq "VNI out of range: location is tenants[2].vni" "tenants[2].vni" \
	"$(body_of "$r" | jq -r '.error.details[0].location')"

# A string arrives whole or not at all: "a\u0000b" was the tenant "a".
r=$(api POST '/api/v1/network/configure?dry_run=1' --data-binary '{"tenants": [{"name": "a\u0000b", "vni": 5}]}')
expect_eq "a string with \\u0000: 400" 400 "$(status_of "$r")"
check "a string with \\u0000: the message says NUL" grep -q 'NUL' <<<"$(body_of "$r" | jq -r .error.message)"
printf '{"tenants": [{"name": "a\0b", "vni": 5}]}' >"$WORK/nul.json"
r=$(api POST '/api/v1/network/configure?dry_run=1' --data-binary @"$WORK/nul.json")
expect_eq "a raw NUL in a string: 400" 400 "$(status_of "$r")"
printf '{"tenants": [{"name": "a\xff\xfeb", "vni": 5}]}' >"$WORK/latin.json"
r=$(api POST '/api/v1/network/configure?dry_run=1' --data-binary @"$WORK/latin.json")
expect_eq "invalid UTF-8 in a string: 400" 400 "$(status_of "$r")"
check "invalid UTF-8: the answer is valid UTF-8 JSON and names the byte" /usr/bin/python3 -c '
import json, sys
e = json.loads(sys.stdin.buffer.read().decode("utf-8"))["error"]["message"]
assert "0xff" in e and "UTF-8" in e, e' <<<"$(body_of "$r")"

r=$(api POST /api/v1/network/configure --data-binary '{"tenants": [{"name": "blue", "vni": 100, "vtep": ["192.0.2.9"]}]}')
expect_eq "unknown key: 422" 422 "$(status_of "$r")"
check "unknown key: did you mean vteps" grep -q "vteps" <<<"$(body_of "$r" | jq -r '.error.details[0].message')"

r=$(api POST /api/v1/network/configure --data-binary '{"agent": {"state_dir": "/tmp"}}')
expect_eq "agent settings over the API: 422" 422 "$(status_of "$r")"

r=$(curl -s -w '\n%{http_code}' -X POST --data-binary '{"tenants": [{"name": "blue", "vni": 100}]}' "$API/api/v1/network/configure")
expect_eq "configure without a token: 401" 401 "$(status_of "$r")"

tenants=$(body_of "$(api GET /api/v1/network)" | jq -c '[.tenants[].name]')
expect_eq "nothing applied after the refused requests" '["red"]' "$tenants"
expect_eq "generation unchanged after the refused requests" "$gen0" \
	"$(body_of "$(api GET /api/v1/status)" | jq -r .config.generation)"

r=$(api POST '/api/v1/network/configure?dry_run=1' --data-binary '{"tenants": [{"name": "blue", "vni": 100, "vteps": ["192.0.2.2"]}]}')
expect_eq "dry run: 200" 200 "$(status_of "$r")"
expect_eq "dry run: the diff adds tenant blue" "add tenant blue" \
	"$(body_of "$r" | jq -r '.changes[0] | "\(.op) \(.object)"')"
expect_eq "dry run: nothing applied" '["red"]' \
	"$(body_of "$(api GET /api/v1/network)" | jq -c '[.tenants[].name]')"

# Follow the event stream while a change is applied: the config event must arrive.
curl -s -N --max-time 5 -H "Authorization: Bearer $TOKEN" \
	"$API/api/v1/monitoring/logs?follow=1&event_type=config" >"$WORK/sse.txt" &
sse_pid=$!
wait_until 5 sse_following "$WORK/sse.txt"

r=$(api POST /api/v1/network/configure --data-binary '{"tenants": [{"name": "blue", "vni": 100, "vteps": ["192.0.2.2"]}]}')
expect_eq "configure: 200" 200 "$(status_of "$r")"
expect_eq "configure: generation +1" $((gen0 + 1)) "$(body_of "$r" | jq -r .generation)"
expect_eq "configure: tenants now red and blue" '["red","blue"]' \
	"$(body_of "$(api GET /api/v1/network)" | jq -c '[.tenants[].name]')"
r=$(api POST /api/v1/network/configure --data-binary '{"tenants": [{"name": "blue", "remove": true}]}')
expect_eq "configure remove: 200" 200 "$(status_of "$r")"
expect_eq "configure remove: blue is gone" '["red"]' \
	"$(body_of "$(api GET /api/v1/network)" | jq -c '[.tenants[].name]')"

wait $sse_pid
check "SSE stream delivered the config event" grep -q '^data: {.*"event_type":"config".*tenant blue' "$WORK/sse.txt"
check "SSE stream has no other event types (filter)" bash -c "! grep '^data:' '$WORK/sse.txt' | grep -v '\"event_type\":\"config\"'"
check "SSE frames are valid JSON" bash -c "grep '^data: ' '$WORK/sse.txt' | sed 's/^data: //' | jq -e . >/dev/null"

r=$(api GET '/api/v1/monitoring/logs?event_type=agent')
expect_eq "logs: the agent start event" start "$(body_of "$r" | jq -r '.events[0].agent.action')"
check "logs: the auth failures were recorded" bash -c "[ \$(jq -r 'select(.event_type==\"auth\") | .auth.result' '$EVENTS' | grep -c denied) -ge 3 ]"
future=$(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)
expect_eq "logs: since= in the future gives nothing" 0 \
	"$(body_of "$(api GET "/api/v1/monitoring/logs?since=$future")" | jq '.events | length')"
r=$(api GET '/api/v1/monitoring/logs?since=yesterday')
expect_eq "logs: a bad since= is 400" 400 "$(status_of "$r")"
r=$(api GET '/api/v1/monitoring/logs?since=9223372036854775807')
expect_eq "logs: since= in seconds past year 9999 is 400 (no overflow into every event)" 400 \
	"$(status_of "$r")"
r=$(api GET '/api/v1/monitoring/logs?since=9223372036854')
expect_eq "logs: since= that overflows once made microseconds: 400" 400 "$(status_of "$r")"
r=$(api GET '/api/v1/monitoring/logs?since=10000-01-01T00:00:00Z')
expect_eq "logs: since= in year 10000: 400" 400 "$(status_of "$r")"
expect_eq "logs: since=253402300799 (9999-12-31T23:59:59Z) gives nothing" 0 \
	"$(body_of "$(api GET '/api/v1/monitoring/logs?since=253402300799')" | jq '.events | length')"
check "event log lines are eve-style JSON" bash -c "jq -s -e 'all(.[]; has(\"timestamp\") and has(\"event_type\") and has(.event_type))' '$EVENTS' >/dev/null"

r=$(api GET /metrics)
expect_eq "/metrics: 200" 200 "$(status_of "$r")"
check "/metrics: Prometheus text with TYPE lines" grep -q '^# TYPE ztos_api_requests_total counter' <<<"$r"
check "/metrics: auth failures counted" grep -qE '^ztos_api_auth_failures_total [1-9]' <<<"$r"
r=$(api GET /api/v1/monitoring/metrics)
expect_eq "metrics JSON: same families as /metrics" \
	"$(api GET /metrics | grep '^# TYPE' | awk '{print $3}' | sort | tr '\n' ' ')" \
	"$(body_of "$r" | jq -r '.metrics[].name' | sort | tr '\n' ' ')"
for route in /api/v1/security/status /api/v1/flows /api/v1/alerts; do
	r=$(api GET $route)
	check "GET $route: 200 JSON" bash -c "[ $(status_of "$r") = 200 ] && jq -e . <<<'$(body_of "$r")' >/dev/null"
done
expect_eq "flows: the flow table (empty: no traffic here) and the counters" "0 0" \
	"$(body_of "$(api GET /api/v1/flows)" | jq -r '"\(.flows | length) \(.counters.drops.unknown_vni)"')"
r=$(api GET '/api/v1/flows?verdict=maybe')
expect_eq "flows: a bad verdict filter is 400" 400 "$(status_of "$r")"

# The routes served are the routes described in agent/openapi.yaml.
served=$("$ZTOSD" --list-routes | sort)
described=$(/usr/bin/python3 - "$TOP/agent/openapi.yaml" <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
for path, ops in doc["paths"].items():
    for m in ops:
        if m in ("get", "post", "put", "patch", "delete"):
            print(m.upper(), path)
PY
)
expect_eq "openapi.yaml describes exactly the routes served" "$(sort <<<"$described")" "$served"
while read -r m p; do
	code=$(curl -s -o /dev/null -w '%{http_code}' -X "$m" -H "Authorization: Bearer $TOKEN" --data '{}' "$API$p")
	[ "$code" = 404 ] && [ "$p" != / ] && { not_ok "described route $m $p is served (got 404)"; continue; }
	[ "$code" = 405 ] && { not_ok "described route $m $p takes $m (got 405)"; continue; }
	ok "described route $m $p answers ($code)"
done <<<"$described"

# SIGHUP: a broken file is refused and the running config kept; a good one is taken.
cp "$CONFIG" "$WORK/good.yaml"
sed -i 's/vni: 200/vni: 0/' "$CONFIG"
g1=$(body_of "$(api GET /api/v1/status)" | jq -r .config.generation)
check "SIGHUP with a bad file: the reload ends" sighup_wait "$AGENT_PID"
expect_eq "SIGHUP with a bad file: generation kept" "$g1" \
	"$(body_of "$(api GET /api/v1/status)" | jq -r .config.generation)"
expect_eq "SIGHUP with a bad file: vni kept" 200 \
	"$(body_of "$(api GET /api/v1/network)" | jq -r '.tenants[0].vni')"
check "SIGHUP with a bad file: a config error event names the line" bash -c \
	"jq -r 'select(.event_type==\"config\" and .config.result==\"error\") | .config.errors[0].location' '$EVENTS' | grep -q ':9:'"
sed 's/vni: 200/vni: 201/' "$WORK/good.yaml" >"$CONFIG"
check "SIGHUP with a good file: the reload ends" sighup_wait "$AGENT_PID"
expect_eq "SIGHUP with a good file: new vni" 201 \
	"$(body_of "$(api GET /api/v1/network)" | jq -r '.tenants[0].vni')"

out=$("$ZTOSD" --config "$CONFIG" 2>&1)
rc=$?
expect_eq "a second ztosd refuses to start" 1 "$rc"
check "a second ztosd says another is running" grep -q "another ztosd is running (pid $AGENT_PID" <<<"$out"

# Refused requests are logged a few per client: 12 clients (loopback addresses) write enough.
for c in $(seq 2 13); do
	for i in $(seq 5); do curl -s -o /dev/null --interface "127.0.0.$c" "$API/api/v1/status"; done
done
check "event log rotated past max_size" test -s "$EVENTS.1"
check "rotation keeps at most 2 files" test ! -e "$EVENTS.3"
check "rotated files hold whole JSON lines" bash -c "jq -e . '$EVENTS.1' >/dev/null"

# Followers stay connected (suspended, holding no thread) while the API keeps serving.
for i in 1 2 3 4 5 6; do
	curl -s -N -H "Authorization: Bearer $TOKEN" "$API/api/v1/monitoring/logs?follow=1" \
		>"$WORK/follower$i.txt" &
done
check "6 followers are set up" wait_until 10 sse_following "$WORK/follower6.txt"
for i in 1 2 3 4 5; do wait_until 10 sse_following "$WORK/follower$i.txt"; done
r=$(api GET /api/v1/status)
expect_eq "6 idle followers do not starve the API" 200 "$(status_of "$r")"
api POST /api/v1/network/configure --data-binary '{"tenants": [{"name": "sse", "vni": 4242}]}' >/dev/null
# Measured from the configure's answer (the event is written before it): a follower
# woken by a periodic timer instead of by the event would often miss this.
t0=$(date +%s%N)
for _ in $(seq 500); do grep -q 'tenant sse' "$WORK/follower6.txt" && break; sleep 0.01; done
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "an event reaches a suspended follower within 500 ms of the change (took $ms ms)" \
	test "$ms" -lt 500

start=$SECONDS
agent_stop
expect_eq "SIGTERM: clean exit 0" 0 "$AGENT_RC"
check "SIGTERM with followers attached: stops within 3 s" test $((SECONDS - start)) -le 3
wait
check "followers saw the stream end with the agent's stop event" grep -q '"action":"stop"' "$WORK/follower1.txt"
check "SIGTERM: the unix socket is removed" test ! -e "$SOCK"
check "SIGTERM: a stop event is logged" bash -c "tail -n 1 '$EVENTS' | jq -e '.agent.action == \"stop\"'"

check "after SIGTERM the maps stay pinned" test -e "$BPFFS/flows"
out=$("$ZTOSD" --cleanup --config "$CONFIG" 2>&1)
expect_eq "ztosd --cleanup: exit 0" 0 $?
check "ztosd --cleanup removes the pin folder" test ! -e "$BPFFS"
