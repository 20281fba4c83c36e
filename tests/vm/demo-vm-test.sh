#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `sudo make demo VM=1` tells its story: scripts/demo-vm.sh boots the VM (its own port and
# CLI settings file) and the demo's fleet runs in it with Debian's kernel. From this
# machine, through the forward and as a user would, the test checks the framed block, the
# dashboard at the printed URL, the printed commands, health ok with no warning at all
# (that kernel lacks nothing), in-kernel WireGuard with fresh handshakes, MACsec SAs in
# use with traffic through them, each tenant in its VRF, BGP EVPN sessions and the
# learned VTEPs in the XDP allowlist, an alert and a forged packet counted. Hosts 2 and 3
# are seen through the demo's own words: it goes on only once each has its BGP sessions
# and the others' VTEPs, and prints each one's health. Then Ctrl-C (SIGINT to the
# demo's process group, as a terminal sends it): the VM goes, and nothing of it is left.
# Run it under flock /tmp/ztos-heavy.lock on a shared machine.
set -u
. "$(dirname "$0")/../lib.sh"

RUN=/run/ztos-demo-vm
WORK=$(mktemp -d /tmp/ztos-demo-vm-test.XXXXXX)
chmod 700 "$WORK"
export ZTOS_CLI_CONFIG=$WORK/cli.conf
PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DEMO_PID=
finish() {
	if [ -n "$DEMO_PID" ]; then
		kill -INT -- "-$DEMO_PID" 2>/dev/null
		wait "$DEMO_PID" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap finish EXIT

if ! out=$(tests/vm/vm.sh --check 2>&1); then
	not_ok "VM prerequisites: ${out#vm.sh: } (run scripts/deps.sh)"
	echo "1..$_tap_n"
	exit 1
fi

# The demo in a process group of its own, SIGINT as a terminal leaves it.
cd "$TOP" || exit 1
/usr/bin/python3 -c 'import os, signal, sys
os.setpgrp()
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$TOP/scripts/demo-vm.sh" --port "$PORT" --for 1800 \
	>"$WORK/demo.out" 2>&1 &
DEMO_PID=$!
# ready, or the demo has ended (it failed: no use waiting on)
demo_ready() { test -e "$RUN/ready" || ! kill -0 "$DEMO_PID" 2>/dev/null; }
start=$SECONDS
# under TCG: the boot, three agents and their FRR, EVPN, on a shared 2-core machine
wait_until 1200 demo_ready
if [ -e "$RUN/ready" ]; then
	ok "the demo comes up in the VM ($((SECONDS - start)) s): three hosts, EVPN learned, the dashboard"
else
	not_ok "the demo comes up in the VM ($((SECONDS - start)) s)"
	sed 's/^/#   /' "$WORK/demo.out" | tail -n 40
	exit 1
fi
cp "$WORK/demo.out" "$WORK/ready.out"
out=$(cat "$WORK/ready.out")
sed 's/^/# /' "$WORK/ready.out"

# ---- what it prints, and what answers there ----

url=$(sed -n 's/^| Dashboard  \(http[^ ]*\) .*/\1/p' <<<"$out")
token=$(sed -n 's/^| Token      \([0-9a-f]\{64\}\) .*/\1/p' <<<"$out")
expect_eq "the framed block gives this machine's forwarded port" "http://127.0.0.1:$PORT/" "$url"
check "and a token" test ${#token} -eq 64
check "the dashboard answers at that URL, from this machine (its page)" bash -c \
	"curl -sf -m 20 '$url' | grep -q '<title>'"
expect_eq "the API behind it takes the printed token: health ok" ok \
	"$(curl -sf -m 20 -H "Authorization: Bearer $token" "${url}api/v1/status" | jq -r .health)"
expect_eq "and refuses a request without it" 401 \
	"$(curl -s -m 20 -o /dev/null -w '%{http_code}' "${url}api/v1/flows")"
expect_eq "every host's health is ok (the demo's line)" \
	"  health: host 1 ok, host 2 ok, host 3 ok" "$(grep '^  health:' <<<"$out")"
check "no warning: that kernel has WireGuard, MACsec and VRF" bash -c \
	"! grep -i 'warn' '$WORK/ready.out'"
check "no error, failure or library noise" bash -c \
	"! grep -iE 'error|fail|cannot|libbpf|exclusiv' '$WORK/ready.out'"
check "the demo says WireGuard is in the kernel and MACsec is on the underlay" bash -c \
	"grep -q 'WireGuard: a mesh between the hosts, in the kernel' '$WORK/ready.out' &&
	 grep -q '^  MACsec: ztmacsec0 on every host' '$WORK/ready.out'"

# The printed commands, run here as printed: the CLI settings point at the forward.
mapfile -t cmds < <(sed -n 's/^|   \(.*ztos .*[^ ]\) *|$/\1/p' <<<"$out")
expect_eq "five ztos commands are printed" 5 "${#cmds[@]}"
for c in "${cmds[@]}"; do
	case $c in
	*--follow)
		o=$(timeout 15 bash -c "$c" 2>&1)
		rc=$?
		check "'$c' streams events from the VM (until stopped)" test "$rc" -eq 124 -a -n "$o" ;;
	*)
		o=$(bash -c "$c" 2>&1)
		rc=$?
		check "'$c' works as printed, from this machine" test "$rc" -eq 0 -a -n "$o" ;;
	esac
	[ "$rc" -eq 0 ] || [ "$rc" -eq 124 ] || head -n 5 <<<"$o" | sed 's/^/#   /'
done
z() { "$TOP/build/ztos" "$@"; }

# ---- host 1's kernel state, as its agent reads it ----

s=$(z security status --json)
expect_eq "WireGuard in the kernel (not wireguard-go)" "kernel true" \
	"$(jq -r '"\(.wireguard.implementation) \(.kernel_support.wireguard.supported)"' <<<"$s")"
expect_eq "2 WireGuard peers, handshakes younger than 180 s" 2 \
	"$(jq '[.wireguard.peers[] | select(.last_handshake_s != null and .last_handshake_s < 180)] | length' <<<"$s")"
expect_eq "MACsec: ztmacsec0 on ul, operational, GCM-AES-256, encrypting" \
	"ztmacsec0 ul true GCM-AES-256 true" \
	"$(jq -r '.macsec | "\(.interface) \(.parent) \(.kernel.operational) \(.cipher | ascii_upcase) \(.kernel.encrypt)"' <<<"$s")"
expect_eq "MACsec: the TX SA in use, and an RX SC with its SA in use for each other host" \
	"in use 2" \
	"$(jq -r '.macsec.kernel | "\([.tx_sc.sa[] | select(.active) | .state] | join(",")) \([.rx_sc[] | select(.configured and any(.sa[]; .state == "in use" and .active))] | length)"' <<<"$s")"
check "MACsec: packets encrypted out, and validated in from both other hosts" jq -e \
	'.macsec.kernel.tx_sc.stats.OutPktsEncrypted > 0 and
	 ([.macsec.kernel.rx_sc[] | select(any(.sa[]; .stats.InPktsOK > 0))] | length) == 2' <<<"$s"
n=$(z network show --json)
expect_eq "BGP: both sessions of the route reflector Established" "2 2" \
	"$(jq -r '"\(.bgp.peers | length) \([.bgp.peers[] | select(.state == "Established")] | length)"' <<<"$n")"
expect_eq "each tenant in its VRF (table = VNI)" "blue 100 red 200" \
	"$(jq -r '[.tenants[] | "\(.name) \(.vrf.table)"] | join(" ")' <<<"$n")"
expect_eq "each tenant's XDP allowlist holds the 2 VTEPs learned through EVPN" "2 2" \
	"$(jq -r '[.tenants[] | [.allowlist[]? | select(.origin == "evpn")] | length] | join(" ")' <<<"$n")"
expect_eq "no tenant has static vteps" "[] []" "$(jq -c '.tenants[].vteps' <<<"$n" | paste -sd' ')"

# ---- the story: an alert, the forged packets ----

alerted() { z alerts --json | jq -e 'any(.alerts[]; .alert.signature_id == 1000001)'; }
check "an alert of the generator's attack (sid 1000001), read from this machine" \
	wait_until 120 alerted
forged_counted() { z flows --json | jq -e '.counters.drops.unknown_vni > 0'; }
check "the forged packets are dropped and counted by host 1's XDP (unknown_vni)" \
	wait_until 120 forged_counted
check "the demo's own lines report no leak, no attack let through" bash -c \
	"! grep -E 'LEAK|\(!\)' '$WORK/demo.out'"

# ---- Ctrl-C: the VM goes, and all of it ----

kill -INT -- "-$DEMO_PID"
wait_until 120 bash -c "! kill -0 $DEMO_PID 2>/dev/null"
wait "$DEMO_PID"
rc=$?
DEMO_PID=
expect_eq "Ctrl-C: the demo ends, exit 0" 0 "$rc"
tail -n 2 "$WORK/demo.out" | sed 's/^/# /'
expect_eq "no qemu of the demo" "" "$(pgrep -a -f -- "hostfwd=tcp:127.0.0.1:$PORT-")"
check "nothing listens on the dashboard's port" bash -c "! ss -Hltn 'sport = :$PORT' | grep -q ."
expect_eq "no namespace of the demo on this machine (the fleet was in the VM)" "" \
	"$(ip netns list | awk '{print $1}' | grep '^ztos-demo-')"
check "the demo's run folder and the CLI settings it wrote are gone" \
	test ! -e "$RUN" -a ! -e "$ZTOS_CLI_CONFIG"
echo "1..$_tap_n"
