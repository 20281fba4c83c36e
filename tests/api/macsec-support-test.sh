#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# MACsec configured on whatever kernel this runs on. Without MACsec (the host kernel here)
# the agent says so (state "not supported" with the kernel option, a warning event, health
# degraded), applies the rest of the config, refuses a rotation and touches nothing; with
# MACsec it makes the link. The agent runs in a scratch namespace with a veth parent.
# The in-kernel behaviour itself is tested in the VM (tests/vm/macsec-test.sh).
set -u
. "$(dirname "$0")/../lib.sh"

ns=zm-h$$
key=/tmp/ztos-msh-$$.key
printf 'feedface%056x\n' 5 >"$key"
chmod 600 "$key"
CONFIG_EXTRA="tenants:
  - {name: blue, vni: 100}
macsec:
  interface: zmh0
  parent: ul0
  cipher: gcm-aes-256
  tx_sa: {an: 0, key_id: '01', key_file: $key}
  peers: [{mac: '02:00:00:00:00:02', rx_sa: {an: 0, key_id: '02', key_file: $key}}]"
agent_setup
trap 'agent_teardown; ip netns del $ns 2>/dev/null; rm -f "$key"' EXIT
ip netns add "$ns"
ip -n "$ns" link add ul0 type veth peer name ul1
ip -n "$ns" link set ul0 up
start_agent_case "agent starts with macsec configured" nsenter --net=/run/netns/"$ns"

if ip -n "$ns" link add probe0 link ul1 type macsec 2>/dev/null; then real=true; else real=false; fi
ip -n "$ns" link del probe0 2>/dev/null
sec=$(sock GET /api/v1/security/status | sed '$d')
status=$(sock GET /api/v1/status | sed '$d')
expect_eq "kernel_support.macsec.supported says what the kernel does ($real)" "$real" \
	"$(jq -r .kernel_support.macsec.supported <<<"$sec")"

if [ "$real" = false ]; then
	expect_eq "macsec state: not supported" "not supported" "$(jq -r .macsec.state <<<"$sec")"
	expect_eq "the reason names the kernel option" \
		"kernel has no MACsec support (CONFIG_MACSEC)" "$(jq -r .macsec.reason <<<"$sec")"
	expect_eq "subsystems.macsec in /api/v1/status: not supported" "not supported" \
		"$(jq -r .subsystems.macsec.state <<<"$status")"
	expect_eq "health: degraded (configured, not in place)" degraded "$(jq -r .health <<<"$status")"
	check "a warning event names macsec" bash -c \
		"jq -s -e 'any(.[]; .event_type == \"kernel\" and .kernel.feature == \"macsec\")' '$EVENTS' >/dev/null"
	r=$(sock POST /api/v1/security/macsec/rotate -d "{\"tx_sa\": {\"an\": 1, \"key_id\": \"03\", \"key_file\": \"$key\"}}")
	expect_eq "a rotation is refused: 409" 409 "$(status_of "$r")"
	check "and says why" grep -q 'kernel has no MACsec support' <<<"$r"
	check "ztos security status says it" bash -c \
		"'$ZTOS' --socket '$SOCK' security status | grep -q 'zmh0 on ul0, gcm-aes-256.*not supported'"
	check "nothing was made in the namespace" bash -c "! ip -n $ns link show zmh0 2>/dev/null"
else
	expect_eq "macsec state: running" running "$(jq -r .macsec.state <<<"$sec")"
	expect_eq "the link is there, marked as ztos's" "macsec ztos: macsec" \
		"$(ip -n "$ns" -d -j link show zmh0 | jq -r '.[0] | "\(.linkinfo.info_kind) \(.ifalias)"')"
fi
r=$(sock POST /api/v1/security/macsec/rotate -d "{\"tx_sa\": {\"an\": 1, \"key_id\": \"03\", \"key_file\": \"$key\\u0000x\"}}")
expect_eq "a rotation whose key_file holds \\u0000: 400, before anything else" 400 "$(status_of "$r")"
expect_eq "the rest of the config applies: tenant blue is there" blue \
	"$(sock GET /api/v1/network | sed '$d' | jq -r '.tenants[0].name')"
check "the key never appears in the status" bash -c "! grep -q feedface <<<'$sec'"
