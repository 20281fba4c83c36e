#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# GET /api/v1/flows over a real flow table (3000 flows written into the pinned flowtab4
# and flows maps by the agent's own table code, build/tests/flowfill): pages in key order
# joined by next_cursor make the whole table, no flow twice and none missing, with and
# without filters; bad cursors and limits are a 400 naming the parameter; the cache of
# rendered pages (agent/api/flows.c) says how old each answer is and never keeps a change
# of the table from the answers for long.
set -u
. "$(dirname "$0")/../lib.sh"

CONFIG_EXTRA="tenants:
  - name: red
    vni: 200
    vteps: [192.0.2.2]
    subnets: [10.200.0.0/24]"
BPFFS_PREFIX=ztos-load
agent_setup
start_agent_case "agent starts"
wait_until 30 test -e "$BPFFS/flowtab4"
FILL=$BUILD_DIR/tests/flowfill

# 2500 IPv4 flows (flowtab4) and 500 IPv6 (flows), VNIs 200 (red) and 300, mixed verdicts.
check "3000 flows written into the pinned tables" "$FILL" "$BPFFS" 2500 500 200,300 1,2,3
n_all=3000

tuples() { jq -r '.flows[] | "\(.vni) \(.proto) \(.src_ip) \(.src_port) \(.dest_ip) \(.dest_port)"'; }

r=$(api GET /api/v1/flows)
b=$(body_of "$r")
expect_eq "no limit: the default page, 100 flows, more after it" "200 100 true $n_all" \
	"$(status_of "$r") $(jq -r '"\(.flows | length) \(.truncated) \(.flow_table_entries)"' <<<"$b")"
check "a page that is not the last names the next (next_cursor, 88 hex digits)" \
	grep -qxE '[0-9a-f]{88}' <<<"$(jq -r .next_cursor <<<"$b")"
hdr=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $TOKEN" "$API/api/v1/flows")
age=$(tr -d '\r' <<<"$hdr" | awk -F': ' 'tolower($1) == "x-ztos-cache-age-ms" {print $2}')
check "every answer says how old its data is (X-Ztos-Cache-Age-Ms, at most 1000)" \
	bash -c "[[ '$age' =~ ^[0-9]+$ ]] && [ '$age' -le 1000 ]"
cache_age() {
	curl -s -D - -o /dev/null -H "Authorization: Bearer $TOKEN" "$API/api/v1/flows?limit=3" |
		tr -d '\r' | awk -F': ' 'tolower($1) == "x-ztos-cache-age-ms" {print $2}'
}
served_cached() { [ "$(cache_age)" -gt 0 ]; }
check "a page asked again soon is the one rendered before (its age above 0 ms)" \
	wait_until 10 served_cached
check "the answer is JSON, never cached by the client" \
	bash -c "grep -qi '^Content-Type: application/json' <<<'$hdr' && grep -qi '^Cache-Control: no-store' <<<'$hdr'"

r=$(api GET "/api/v1/flows?limit=100000")
body_of "$r" | tuples | sort >"$WORK/all.txt"
expect_eq "limit=100000: the whole table in one page, the last" "$n_all $n_all false null" \
	"$(sort -u "$WORK/all.txt" | wc -l) $(body_of "$r" | jq -r '"\(.flows | length) \(.truncated) \(.next_cursor)"')"

# walk QUERY OUT: every page of QUERY, following next_cursor; OUT gets their flows in the
# order given, $WORK/pages the number of pages. Fails on an answer that is not a 200 or a
# page that is out of key order with the one before (checked by the API's own order: a
# second walk must give the same sequence).
walk() {
	local q=$1 out=$2 cur="" n=0 r
	: >"$out"
	while :; do
		r=$(api GET "/api/v1/flows?$q${cur:+&cursor=$cur}")
		[ "$(status_of "$r")" = 200 ] || { echo "page $n: $r" | head -c 300; return 1; }
		body_of "$r" | tuples >>"$out"
		cur=$(body_of "$r" | jq -r '.next_cursor // empty')
		n=$((n + 1))
		[ -n "$cur" ] || break
		[ "$n" -lt 2000 ] || { echo "more than 2000 pages"; return 1; }
	done
	echo "$n" >"$WORK/pages"
}

check "walk by limit=250: 200 answers" walk "limit=250" "$WORK/walk.txt"
expect_eq "the 12 pages join into the whole table: no flow twice, none missing" \
	"12 $n_all $n_all" "$(cat "$WORK/pages") $(wc -l <"$WORK/walk.txt") $(sort -u "$WORK/walk.txt" | wc -l)"
check "the pages' flows are the table's" cmp "$WORK/all.txt" <(sort "$WORK/walk.txt")
walk "limit=77" "$WORK/walk77.txt"
check "a walk by 77 gives the same flows in the same order (pages in key order)" \
	bash -c "[ \$(wc -l <'$WORK/walk77.txt') = $n_all ] && awk 'NR==FNR {a[NR]=\$0; next} a[FNR] != \$0 {exit 1}' '$WORK/walk.txt' '$WORK/walk77.txt'"

# Filters hold across pages: tenant red (VNI 200) with verdict allow.
body_of "$(api GET "/api/v1/flows?limit=100000&tenant=red&verdict=allow")" | tuples | sort >"$WORK/red.txt"
walk "limit=90&tenant=red&verdict=allow" "$WORK/walkred.txt"
# flowfill: VNI 200 for even i, allow for i % 3 == 0: 417 of the 2500 IPv4, 84 of the 500 IPv6.
expect_eq "tenant=red&verdict=allow by 90: all 501 of them, each once" "501 501" \
	"$(wc -l <"$WORK/walkred.txt") $(sort -u "$WORK/walkred.txt" | wc -l)"
check "and only them (VNI 200, the filter's own page)" cmp "$WORK/red.txt" <(sort "$WORK/walkred.txt")
walk "limit=1000&vni=300" "$WORK/walk300.txt"
expect_eq "vni=300 by 1000: 1500 flows in 2 pages, all of VNI 300" "2 1500 1500" \
	"$(cat "$WORK/pages") $(grep -c '^300 ' "$WORK/walk300.txt") $(sort -u "$WORK/walk300.txt" | wc -l)"

# Bad input: a 400 that names the parameter. names_param PARAM TEXT RESPONSE
names_param() {
	[ "$(status_of "$3")" = 400 ] && body_of "$3" | jq -e --arg p "$1: " --arg t "$2" \
		'.error.code == "bad_request" and (.error.message | startswith($p) and contains($t))' >/dev/null
}
for bad in zz 00 "$(printf 'g%.0s' {1..88})" "$(printf '0%.0s' {1..89})"; do
	check "cursor=${bad:0:12}...: 400 naming cursor and what one is" \
		names_param cursor "88 hex digits" "$(api GET "/api/v1/flows?cursor=$bad")"
done
for bad in 0 100001 -1 abc; do
	check "limit=$bad: 400 naming limit and its bounds" \
		names_param limit "1..100000" "$(api GET "/api/v1/flows?limit=$bad")"
done
r=$(api GET "/api/v1/flows?cursor=$(printf 'f%.0s' {1..88})")
expect_eq "a cursor past the last key: an empty last page" "200 0 false" \
	"$(status_of "$r") $(body_of "$r" | jq -r '"\(.flows | length) \(.truncated)"')"

# The cache is short: a flow deleted and one added show within a bounded wait (the cache
# keeps a page at most a second; 10 s is only the test's bound on a loaded machine).
seen_change() {
	api GET "/api/v1/flows?limit=100000&vni=200" | sed '$d' | jq -e --argjson n "$n_all" '
		.flow_table_entries == $n and
		any(.flows[]; .src_ip == "10.200.10.1" and .src_port == 42500) and
		all(.flows[]; .src_ip != "10.200.1.1" or .src_port != 40000)' >/dev/null
}
old_table() { ! seen_change; }
check "before the change, that page shows the old table (and is now cached)" old_table
# Flow 0 (VNI 200: 10.200.1.1:40000) goes, flow 2500 (10.200.10.1:42500) comes.
check "one flow deleted from flowtab4" "$FILL" --delete "$BPFFS" 1 0 200,300
check "one flow added" "$FILL" "$BPFFS" 2501 0 200 1 120 2500
check "the answers show the change within a bounded wait (never an old table for long)" \
	wait_until 10 seen_change
check "the added flow is in the kernel's table too" "$FILL" --lookup "$BPFFS" 2501 0 200 1 120 2500
check "the deleted one is not" bash -c "! '$FILL' --lookup '$BPFFS' 1 0 200,300 2>/dev/null"

r=$(sock GET "/api/v1/flows?limit=5&tenant=red")
expect_eq "the unix socket serves the same pages" "200 5 true" \
	"$(status_of "$r") $(body_of "$r" | jq -r '"\(.flows | length) \(.truncated)"')"
# The unix socket (the CLI, scripts reading right after a change) reads the table each time.
sock GET "/api/v1/flows?limit=100000&vni=200" >/dev/null
"$FILL" "$BPFFS" 2502 0 200 1 120 2501
expect_eq "unix socket: a flow just added is in the very next answer" "$((n_all + 1)) 0" \
	"$(curl -s -D "$WORK/h" --unix-socket "$SOCK" "http://localhost/api/v1/flows?limit=100000&vni=200" |
		jq -r .flow_table_entries) $(tr -d '\r' <"$WORK/h" | awk -F': ' 'tolower($1) == "x-ztos-cache-age-ms" {print $2}')"
check "the agent is alive" kill -0 "$AGENT_PID"

# ztos flows pages the same way: it names the next page, and --cursor goes on from there.
Z=("$ZTOS" --socket "$SOCK")
out=$("${Z[@]}" flows --limit 2 --vni 300)
cur=$(sed -n 's/^more flows: the next page is --cursor \([0-9a-f]*\)$/\1/p' <<<"$out")
expect_eq "ztos flows --limit 2: two rows of VNI 300 and the next page's cursor" "2 88" \
	"$(grep -c ' 300 ' <<<"$out") ${#cur}"
expect_eq "ztos flows --cursor: the page after it, as the API gives it" \
	"$(api GET "/api/v1/flows?vni=300&limit=2&cursor=$cur" | sed '$d' | jq -c '[.flows[].flow_id]')" \
	"$("${Z[@]}" flows --json --limit 2 --vni 300 --cursor "$cur" | jq -c '[.flows[].flow_id]')"
out=$("${Z[@]}" flows --cursor nope 2>&1)
check "ztos flows --cursor nope: the agent's 400 naming cursor" grep -q 'cursor' <<<"$out"
