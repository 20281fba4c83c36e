#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The host already runs FRR: ztosd uses it (agent.frr.mode auto finds it), adds only its
# part (its peers marked "description ztos"), changes and takes away only that part, and
# never starts or stops the host's daemons. The host's own lines stay through it all.
set -u
. "$(dirname "$0")/../lib.sh"

NS=ze-hf
PS=ztos-ze-hf
RUN=/var/run/frr/$PS
ETC=/etc/frr/$PS
V=(vtysh -N "$PS")

host_frr_stop() {
	local p
	for p in "$RUN"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
	for _ in $(seq 100); do
		ls "$RUN"/*.pid >/dev/null 2>&1 || break
		sleep 0.05
	done
	rm -rf "$RUN" "$ETC"
}
cleanup_all() {
	[ -n "${CONFIG:-}" ] && nsenter --net=/run/netns/$NS "$ZTOSD" --cleanup --config "$CONFIG" >/dev/null 2>&1
	agent_teardown
	host_frr_stop
	ip netns del "$NS" 2>/dev/null
}

ip netns add "$NS"
ip link add ul netns "$NS" type veth peer name ul-end netns "$NS"
ip -n "$NS" addr add 192.0.2.50/24 dev ul
for l in lo ul ul-end; do ip -n "$NS" link set "$l" up; done

# The host's FRR, started the way an operator would, with lines of its own.
mkdir -p "$RUN" "$ETC"
chown frr:frr "$RUN" "$ETC"
touch "$ETC/vtysh.conf"
cat >"$ETC/frr.conf" <<'EOF'
frr defaults datacenter
ip prefix-list ADMIN seq 5 permit 10.9.0.0/16
router bgp 64512
 bgp router-id 192.0.2.50
 neighbor 192.0.2.99 remote-as 64512
 neighbor 192.0.2.99 description admin
exit
EOF
chown frr:frr "$ETC/frr.conf"
for d in zebra bgpd; do ip netns exec "$NS" /usr/lib/frr/$d -d -N "$PS" -F datacenter -P 0 >/dev/null 2>&1; done
"${V[@]}" -b >/dev/null 2>&1
admin_lines() {
	"${V[@]}" -c 'show running-config' | grep -cE '^ip prefix-list ADMIN seq 5 permit 10.9.0.0/16$|^ neighbor 192.0.2.99 remote-as 64512$|^ neighbor 192.0.2.99 description admin$'
}
check "the host's FRR runs with its own config" test "$(admin_lines)" -eq 3
host_pids=$(cat "$RUN"/zebra.pid "$RUN"/bgpd.pid | paste -sd,)

CONFIG_EXTRA="underlay: {interface: ul, address: 192.0.2.50, xdp_mode: generic}
tenants: [{name: blue, vni: 100}]
bgp: {asn: 64512, router_id: 192.0.2.50, peers: [{address: 192.0.2.2, asn: 64512}]}"
agent_setup
sed -i "s|^agent:|agent:\n  frr: {pathspace: $PS}|" "$CONFIG"
trap cleanup_all EXIT
start_agent_case "ztosd starts beside the host's FRR" nsenter --net=/run/netns/$NS
Z=("$ZTOS" --socket "$SOCK")
run=$("${V[@]}" -c 'show running-config')

expect_eq "status: the host's FRR is used (mode host)" host \
	"$("${Z[@]}" status --json | jq -r .subsystems.bgp.frr.mode)"
check "ztos's peer is in, marked as ztos's" grep -q '^ neighbor 192.0.2.2 description ztos$' <<<"$run"
check "and active for EVPN, with advertise-all-vni" bash -c \
	"grep -q '^  neighbor 192.0.2.2 activate$' <<<\"\$1\" && grep -q '^  advertise-all-vni$' <<<\"\$1\"" _ "$run"
expect_eq "the host's own lines are all still there" 3 "$(admin_lines)"
expect_eq "ztosd started no daemon of its own" "$host_pids" \
	"$(cat "$RUN"/zebra.pid "$RUN"/bgpd.pid | paste -sd,)"
check "no owner mark: these daemons are not ztos's" test ! -e "$RUN/ztos.owner"

out=$("${Z[@]}" network configure --bgp --peer 192.0.2.3 --as 64512 --dry-run)
check "a dry run shows the commands for the host's FRR" \
	grep -qF '+  neighbor 192.0.2.3 remote-as 64512' <<<"$out"
check "a second peer" "${Z[@]}" network configure --bgp --peer 192.0.2.3 --as 64512
check "is in the host's FRR" bash -c "${V[*]} -c 'show running-config' | grep -q '^ neighbor 192.0.2.3 description ztos$'"
check "the first peer removed" "${Z[@]}" network configure --bgp --peer 192.0.2.2 --remove
run=$("${V[@]}" -c 'show running-config')
check "is gone from the host's FRR" bash -c "! grep -q '192.0.2.2' <<<\"\$1\"" _ "$run"
expect_eq "the host's lines stay" 3 "$(admin_lines)"

before=$("${V[@]}" -c 'show running-config')
out=$("${Z[@]}" network configure --bgp --peer 192.0.2.50 --as 64512 2>&1)
check "a line FRR refuses is refused with FRR's words" \
	grep -q 'Can not configure the local system as neighbor' <<<"$out"
expect_eq "and the host's FRR is as it was" "$before" "$("${V[@]}" -c 'show running-config')"

# another pathspace while ztos's part is in the host's FRR: refused, nothing changes
sed -i "s|frr: {pathspace: $PS}|frr: {pathspace: $PS-2}|" "$CONFIG"
kill -HUP "$AGENT_PID"
reload_refused() {
	grep '"action":"reload","result":"error"' "$EVENTS" | grep -q "agent.frr.pathspace would change from $PS to $PS-2 while ztos's part is in the host's FRR"
}
check "SIGHUP with another agent.frr.pathspace: refused, saying to remove bgp: first" \
	wait_until 20 reload_refused
expect_eq "the host's FRR is as it was" "$before" "$("${V[@]}" -c 'show running-config')"
expect_eq "ztosd still uses it" "host $PS" \
	"$("${Z[@]}" status --json | jq -r '.subsystems.bgp.frr | "\(.mode) \(.pathspace)"')"
check "and made no folder for the other pathspace" test ! -e "/var/run/frr/$PS-2"
sed -i "s|frr: {pathspace: $PS-2}|frr: {pathspace: $PS}|" "$CONFIG"

agent_stop
nsenter --net=/run/netns/$NS "$ZTOSD" --cleanup --config "$CONFIG" >"$WORK/cleanup.txt" 2>&1
run=$("${V[@]}" -c 'show running-config')
check "--cleanup takes ztos's peers out" bash -c "! grep -q 'description ztos' <<<\"\$1\"" _ "$run"
check "and advertise-all-vni" bash -c "! grep -q 'advertise-all-vni' <<<\"\$1\"" _ "$run"
expect_eq "the host's lines stay" 3 "$(admin_lines)"
expect_eq "the host's daemons run on, the same ones" "$host_pids" \
	"$(cat "$RUN"/zebra.pid "$RUN"/bgpd.pid | paste -sd,)"
check "the record of ztos's part is gone" test ! -e "$WORK/state/frr-part.conf"
