#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The cap on event streams (agent.api.max_followers): each follower holds a connection,
# so one past the cap gets a 503 that says why and what to change, counted in /metrics;
# requests are still served, and a stream that ends makes room for another.
set -u
. "$(dirname "$0")/../lib.sh"

agent_setup
sed -i "s|token_file: $WORK/token}|token_file: $WORK/token, max_followers: 2}|" "$CONFIG"
check "the config sets max_followers: 2" grep -q 'max_followers: 2}' "$CONFIG"
start_agent_case "agent starts"

# follow N [CURL ARGS...]: a follower whose stream goes to $WORK/follower-N.txt.
follow() {
	local n=$1
	shift
	curl -s -N -o "$WORK/follower-$n.txt" -w '%{http_code}\n' "$@" >"$WORK/follower-$n.code" &
	FOLLOWER_PID[$n]=$!
}
declare -a FOLLOWER_PID

follow 1 -H "Authorization: Bearer $TOKEN" "$API/api/v1/monitoring/logs?follow=1"
follow 2 --unix-socket "$SOCK" "http://localhost/api/v1/monitoring/logs?follow=1"
both_following() { sse_following "$WORK/follower-1.txt" && sse_following "$WORK/follower-2.txt"; }
check "two followers, one on TCP and one on the unix socket, are following" \
	wait_until 10 both_following

r=$(api GET "/api/v1/monitoring/logs?follow=1" --max-time 5)
expect_eq "a third follower: 503" 503 "$(status_of "$r")"
body=$(body_of "$r")
expect_eq "the 503's code: unavailable" unavailable "$(jq -r .error.code <<<"$body" 2>/dev/null)"
check "the 503 says how many are open and which setting to raise" bash -c \
	"jq -r .error.message <<<'$body' | grep -q '2 event streams are open, as many as agent.api.max_followers (2) allows'"
expect_eq "/metrics: ztos_api_event_followers_refused_total 1" 1 \
	"$(metric ztos_api_event_followers_refused_total)"
expect_eq "/metrics: ztos_api_event_followers 2" 2 "$(metric ztos_api_event_followers)"
r=$(api GET /api/v1/status)
expect_eq "requests are still served: GET /api/v1/status 200" 200 "$(status_of "$r")"

kill "${FOLLOWER_PID[1]}" 2>/dev/null
wait "${FOLLOWER_PID[1]}" 2>/dev/null
one_open() { [ "$(metric ztos_api_event_followers)" = 1 ]; }
check "the agent counts the ended stream out" wait_until 10 one_open
follow 3 -H "Authorization: Bearer $TOKEN" "$API/api/v1/monitoring/logs?follow=1"
check "a new follower takes its place" wait_until 10 sse_following "$WORK/follower-3.txt"
expect_eq "/metrics: still 1 refused" 1 "$(metric ztos_api_event_followers_refused_total)"
kill "${FOLLOWER_PID[2]}" "${FOLLOWER_PID[3]}" 2>/dev/null
check "agent still running" kill -0 "$AGENT_PID"
