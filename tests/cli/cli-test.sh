#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The ztos CLI against a real ztosd: over the unix socket and over TCP with a token,
# tables and --json, exit codes 0 / 1 / 2, help, and bash completion.
set -u
. "$(dirname "$0")/../lib.sh"

CONFIG_EXTRA="tenants:
  - name: red
    vni: 200
    vteps: [192.0.2.2]
    subnets: [10.200.0.0/24]
    policy: {default: deny, rules: [{action: inspect, proto: tcp, dport: 80}]}"
agent_setup
start_agent_case "agent starts"
Z=("$ZTOS" --socket "$SOCK")

for cmd in "status" "network show" "security status" "flows" "alerts" "monitoring logs" "monitoring metrics"; do
	# shellcheck disable=SC2086
	out=$("${Z[@]}" $cmd --json 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && jq -e . >/dev/null 2>&1 <<<"$out"; then
		ok "ztos $cmd --json: exit 0, valid JSON"
	else
		not_ok "ztos $cmd --json: exit 0, valid JSON (rc $rc)"
		head -n 5 <<<"$out" | sed 's/^/#   /'
	fi
done

out=$(env ZTOS_API="$API" ZTOS_TOKEN="$TOKEN" "$ZTOS" security status --json)
expect_eq "over TCP with ZTOS_TOKEN: security status --json parses" false \
	"$(jq -r .wireguard.configured <<<"$out")"

out=$("${Z[@]}" network show)
check "network show: a table row for tenant red" grep -qE '^red +200 ' <<<"$out"
out=$("${Z[@]}" status)
check "status: a table row per subsystem" grep -qE '^datapath +running' <<<"$out"
out=$("${Z[@]}" security status)
check "security status: a kernel support row per feature" grep -qE '^wireguard +(yes|no) ' <<<"$out"
out=$("${Z[@]}" flows)
check "flows: the counters of the datapath" grep -q 'unknown_vni' <<<"$out"

out=$("${Z[@]}" network configure --tenant blue --vni 100 --vtep 192.0.2.2 --subnet 10.100.0.0/24 2>&1)
expect_eq "configure --tenant blue: exit 0" 0 $?
check "configure prints the change" grep -qE '^\+ tenant blue' <<<"$out"
expect_eq "configure: the agent has tenant blue with VNI 100" 100 \
	"$("${Z[@]}" network show --json | jq -r '.tenants[] | select(.name=="blue") | .vni')"

out=$("${Z[@]}" network configure --dry-run --tenant blue --vni 101 2>&1)
check "configure --dry-run shows the change" grep -q 'tenant blue' <<<"$out"
expect_eq "configure --dry-run: nothing applied" 100 \
	"$("${Z[@]}" network show --json | jq -r '.tenants[] | select(.name=="blue") | .vni')"

out=$("${Z[@]}" network configure --tenant blue --vni 200 2>&1)
expect_eq "configure with a VNI another tenant has: exit 1" 1 $?
check "configure refused: the location is printed" grep -q 'tenants\[[0-9]\]\.vni' <<<"$out"

out=$("${Z[@]}" network configure --bgp --local-as 64512 --router-id 192.0.2.1 --peer 10.1.1.1 --as 64512 2>&1)
expect_eq "configure --bgp --peer --as: exit 0" 0 $?
expect_eq "configure --bgp: the peer is in the network" 10.1.1.1 \
	"$("${Z[@]}" network show --json | jq -r '.bgp.peers[0].address')"
"${Z[@]}" network configure --tenant blue --remove >/dev/null
expect_eq "configure --tenant blue --remove: blue is gone" "" \
	"$("${Z[@]}" network show --json | jq -r '.tenants[] | select(.name=="blue") | .name')"

"${Z[@]}" network configure --vni 5 >/dev/null 2>&1
expect_eq "usage error (no --tenant): exit 2" 2 $?
"${Z[@]}" bogus >/dev/null 2>&1
expect_eq "unknown command: exit 2" 2 $?
"${Z[@]}" flows --verdict maybe >/dev/null 2>&1
expect_eq "bad option value: exit 2" 2 $?

out=$("$ZTOS" --socket "$WORK/nope.sock" status 2>&1)
expect_eq "agent unreachable: exit 1" 1 $?
check "agent unreachable: says where it looked" grep -q "$WORK/nope.sock" <<<"$out"
check "agent unreachable: says how to start it" grep -q "ztosd" <<<"$out"
out=$(env ZTOS_TOKEN=0000 "$ZTOS" --api "$API" status 2>&1)
expect_eq "wrong token: exit 1" 1 $?
check "wrong token: says how to supply one" grep -qi "token" <<<"$out"
out=$(env -u ZTOS_TOKEN "$ZTOS" --api "$API" --token-file "$WORK/token" status --json)
expect_eq "--token-file works" 0.1.0 "$(jq -r .version <<<"$out")"

# The settings file (cli/settings.c): the agent named there, its token sent only there.
S=$WORK/cli.conf
printf '# the test agent\napi = %s\ntoken = %s\n' "$API" "$TOKEN" >"$S"
chmod 600 "$S"
out=$(env -u ZTOS_API -u ZTOS_TOKEN ZTOS_CLI_CONFIG="$S" "$ZTOS" status --json)
expect_eq "settings file: api and token from it, no option needed" 0.1.0 "$(jq -r .version <<<"$out")"
out=$(env -u ZTOS_TOKEN ZTOS_CLI_CONFIG="$S" "$ZTOS" --api "$API" status 2>&1)
check "settings file: its token is not sent to an --api given on the command line" \
	grep -q "wants a token and none was given" <<<"$out"
out=$(env -u ZTOS_TOKEN ZTOS_CLI_CONFIG="$S" "$ZTOS" --socket "$SOCK" status --json)
expect_eq "settings file: an explicit --socket beats it" 0.1.0 "$(jq -r .version <<<"$out")"
out=$(env -u ZTOS_TOKEN ZTOS_API=http://127.0.0.1:1 ZTOS_CLI_CONFIG="$S" "$ZTOS" status 2>&1)
check "settings file: ZTOS_API beats it" grep -q "cannot reach ztosd at http://127.0.0.1:1:" <<<"$out"
chmod 644 "$S"
out=$(env -u ZTOS_API ZTOS_CLI_CONFIG="$S" "$ZTOS" status 2>&1)
expect_eq "settings file with a token that others can read: exit 1" 1 $?
check "and the error says chmod 600" grep -q "chmod 600 $S" <<<"$out"
printf 'api = http://127.0.0.1:1\ntokn = x\n' >"$S"
out=$(env -u ZTOS_API ZTOS_CLI_CONFIG="$S" "$ZTOS" status 2>&1)
expect_eq "settings file with an unknown key: exit 1" 1 $?
check "and the error names the file, the line and the key" grep -q "$S:2: unknown key 'tokn'" <<<"$out"
printf 'api = http://127.0.0.1:1\n' >"$S"
out=$(env -u ZTOS_API ZTOS_CLI_CONFIG="$S" "$ZTOS" status 2>&1)
check "an agent named by the settings file that does not answer: the file is named" \
	grep -q "cannot reach ztosd at http://127.0.0.1:1 (as $S says)" <<<"$out"
out=$(env -u ZTOS_API ZTOS_CLI_CONFIG= "$ZTOS" status 2>&1)
check "ZTOS_CLI_CONFIG empty: no settings file, the default socket" \
	grep -q "unix socket /run/ztos/api.sock" <<<"$out"

check "ztos --help" "$ZTOS" --help
check "ztos network configure --help mentions --vtep" bash -c "'$ZTOS' network configure --help | grep -q -- --vtep"
check "ztos help monitoring logs mentions --follow" bash -c "'$ZTOS' help monitoring logs | grep -q -- --follow"

"${Z[@]}" monitoring logs --follow --json >"$WORK/follow.txt" 2>&1 &
fpid=$!
wait_until 10 followers_at_least 1
"${Z[@]}" network configure --tenant green --vni 300 >/dev/null
wait_until 10 grep -q '"event_type":"config".*tenant green' "$WORK/follow.txt"
kill -INT $fpid 2>/dev/null
wait $fpid
check "monitoring logs --follow prints the config event as it happens" \
	grep -q '"event_type":"config".*tenant green' "$WORK/follow.txt"

comp=$(bash -c ". '$TOP/cli/ztos.bash-completion'; COMP_WORDS=(ztos net); COMP_CWORD=1; _ztos; echo \${COMPREPLY[*]}")
expect_eq "bash completion: 'ztos net<TAB>'" network "$comp"
comp=$(bash -c ". '$TOP/cli/ztos.bash-completion'; COMP_WORDS=(ztos network configure --ten); COMP_CWORD=3; _ztos; echo \${COMPREPLY[*]}")
expect_eq "bash completion: 'ztos network configure --ten<TAB>'" --tenant "$comp"
