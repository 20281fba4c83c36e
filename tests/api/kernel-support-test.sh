#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Kernel support is probed, not assumed: what GET /api/v1/security/status says of
# WireGuard, MACsec and VRF matches what the kernel does when asked to make such a
# link (in a scratch namespace), and a configured feature the kernel lacks is a
# warning event while the rest of the config still applies. Runs on the host and,
# from tests/vm, on Debian's kernel.
set -u
. "$(dirname "$0")/../lib.sh"

head -c 32 /dev/urandom | base64 >/tmp/ztos-kst-wg.key.$$
chmod 600 /tmp/ztos-kst-wg.key.$$
CONFIG_EXTRA="wireguard: {interface: ztwg0, private_key_file: /tmp/ztos-kst-wg.key.$$}
tenants:
  - {name: blue, vni: 100, vrf: {table: 100}}"
agent_setup
trap 'agent_teardown; rm -f /tmp/ztos-kst-wg.key.$$' EXIT
start_agent_case "agent starts with wireguard and a VRF tenant configured"

ks=$(curl -s --unix-socket "$SOCK" http://localhost/api/v1/security/status | jq -c .kernel_support)
ns=ztos-kst-$$
ip netns add "$ns"
for kind in wireguard macsec vrf; do
	case $kind in
	wireguard) args="type wireguard" ;;
	macsec) ip -n "$ns" link add d0 type veth peer name d1 2>/dev/null; args="link d0 type macsec" ;;
	vrf) args="type vrf table 10" ;;
	esac
	# shellcheck disable=SC2086
	if ip -n "$ns" link add probe-$kind $args 2>/dev/null; then real=true; else real=false; fi
	expect_eq "$kind: supported says what the kernel does ($real)" "$real" \
		"$(jq -r ".$kind.supported" <<<"$ks")"
	if [ "$real" = false ]; then
		check "$kind: the reason names the kernel option" grep -q 'kernel has no .* support (CONFIG_' \
			<<<"$(jq -r ".$kind.reason" <<<"$ks")"
	fi
done
ip netns del "$ns"

if [ "$(jq -r .wireguard.supported <<<"$ks")" = false ]; then
	check "no WireGuard: a warning event says so" bash -c \
		"jq -s -e 'any(.[]; .event_type == \"kernel\" and .kernel.feature == \"wireguard\")' '$EVENTS' >/dev/null"
else
	check "WireGuard supported: no warning event about it" bash -c \
		"! grep '\"event_type\":\"kernel\"' '$EVENTS' | grep -q wireguard"
fi
expect_eq "the rest of the config applies: tenant blue is there" blue \
	"$(curl -s --unix-socket "$SOCK" http://localhost/api/v1/network | jq -r '.tenants[0].name')"
