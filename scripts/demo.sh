#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `sudo make demo`: ztosd on a small lab of network namespaces, with the example config
# (config/examples/full.yaml), and the ztos CLI and the REST API working against it.
#
#   ztos-a (host A, runs ztosd)                                    ztos-b (host B)
#     ztbr100 [ztvx100] ul-a 192.0.2.1/24 (XDP) ===== ul-b 192.0.2.2/24 vxlan100 10.100.0.2
#       veth-blue0 (TC) ---- ztos-blue (a workload of tenant blue, 10.100.0.10/24)
#     veth-red0 (TC) ---- ztos-red (a workload of tenant red, 10.200.0.10/24)
#
# scripts/demo.sh --once walks through and cleans up (the tests run it so); without it,
# the agent keeps running until Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
once=false
[ "${1:-}" = "--once" ] && once=true
[ "$(id -u)" -eq 0 ] || { echo "the demo makes network namespaces: run sudo make demo" >&2; exit 1; }

RUN=/run/ztos-demo
B=${BUILD:-build}
case $B in /*) ;; *) B=$PWD/$B ;; esac
ZTOS=$B/ztos
ZTOSD=$B/ztosd
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

NS=(ztos-a ztos-b ztos-blue ztos-red)
cleanup() {
	[ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -f "$RUN/ztos.yaml" ] && [ -e /run/netns/ztos-a ] &&
		nsenter --net=/run/netns/ztos-a "$ZTOSD" --cleanup --config "$RUN/ztos.yaml" >/dev/null 2>&1
	for ns in "${NS[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 0' INT TERM
cleanup

mkdir -p -m 700 "$RUN"
for ns in "${NS[@]}"; do ip netns add "$ns"; done
ip link add ul-a netns ztos-a type veth peer name ul-b netns ztos-b
ip link add veth-blue0 netns ztos-a type veth peer name eth0 netns ztos-blue
ip link add veth-red0 netns ztos-a type veth peer name eth0 netns ztos-red
ip -n ztos-a addr add 192.0.2.1/24 dev ul-a
ip -n ztos-b addr add 192.0.2.2/24 dev ul-b
# Host A's overlay (ztvx100 in ztbr100 with veth-blue0, ztvx200 in ztbr200 with veth-red0)
# is ztosd's, made over netlink from the config; host B runs no agent: ip(8) makes its VXLAN.
ip -n ztos-b link add vxlan100 type vxlan id 100 local 192.0.2.2 remote 192.0.2.1 dstport 4789 dev ul-b nolearning
ip -n ztos-b addr add 10.100.0.2/24 dev vxlan100
ip -n ztos-blue addr add 10.100.0.10/24 dev eth0
ip -n ztos-red addr add 10.200.0.10/24 dev eth0
for l in ul-a veth-blue0 veth-red0 lo; do ip -n ztos-a link set "$l" up; done
for l in ul-b vxlan100 lo; do ip -n ztos-b link set "$l" up; done
for ns in ztos-blue ztos-red; do ip -n "$ns" link set eth0 up; done
ip netns exec ztos-a ping -c1 -W2 192.0.2.2 >/dev/null && echo "lab: ztos-a reaches ztos-b over the underlay"

# The example config, with the agent's files moved into the lab and the underlay renamed.
/usr/bin/python3 - config/examples/full.yaml "$RUN/ztos.yaml" "$RUN" <<'PY'
import os, sys, yaml
src, dst, run = sys.argv[1:]
cfg = yaml.safe_load(open(src))
base = os.path.dirname(os.path.abspath(src))
cfg["agent"] = {"api": {"listen": "127.0.0.1:8080", "socket": run + "/api.sock",
                        "token_file": run + "/token"},
                "state_dir": run + "/state", "bpffs": "/sys/fs/bpf/ztos-demo",
                "log": {"file": run + "/events.json", "syslog": False}}
cfg["underlay"]["interface"] = "ul-a"
absolute = lambda p: p if os.path.isabs(p) else os.path.join(base, p)
if "wireguard" in cfg:
    cfg["wireguard"]["private_key_file"] = absolute(cfg["wireguard"]["private_key_file"])
if "macsec" in cfg:
    cfg["macsec"]["parent"] = "ul-a"
    cfg["macsec"]["tx_sa"]["key_file"] = absolute(cfg["macsec"]["tx_sa"]["key_file"])
    for p in cfg["macsec"].get("peers", []):
        p["rx_sa"]["key_file"] = absolute(p["rx_sa"]["key_file"])
if "dpi" in cfg:
    cfg["dpi"]["rules"] = [absolute(r) for r in cfg["dpi"].get("rules", [])]
yaml.safe_dump(cfg, open(dst, "w"), sort_keys=False)
PY

run "$ZTOSD" --check-config "$RUN/ztos.yaml"
# nsenter, not ip netns exec: the agent's pins must live in the host's bpffs.
say "nsenter --net=/run/netns/ztos-a $ZTOSD --config $RUN/ztos.yaml &"
nsenter --net=/run/netns/ztos-a "$ZTOSD" --config "$RUN/ztos.yaml" >"$RUN/ztosd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$RUN/api.sock" ] && break; sleep 0.05; done
[ -S "$RUN/api.sock" ] || { cat "$RUN/ztosd.log"; exit 1; }
sed 's/^/  | /' "$RUN/ztosd.log"

export ZTOS_SOCKET="$RUN/api.sock"
run "$ZTOS" --socket "$RUN/api.sock" status
run "$ZTOS" --socket "$RUN/api.sock" network show
run ip -n ztos-a -d link show ztvx100
run bridge -n ztos-a fdb show dev ztvx100
run "$ZTOS" --socket "$RUN/api.sock" security status
run "$ZTOS" --socket "$RUN/api.sock" network configure --dry-run --tenant green --vni 300 --vtep 192.0.2.2
run "$ZTOS" --socket "$RUN/api.sock" network configure --tenant green --vni 300 --vtep 192.0.2.2
say "$ZTOS --socket $RUN/api.sock network configure --tenant green --vni 100   # refused: blue has VNI 100"
"$ZTOS" --socket "$RUN/api.sock" network configure --tenant green --vni 100 || true
run ip netns exec ztos-blue ping -c 3 -i 0.2 10.100.0.2
say "a forged VXLAN packet of VNI 999 (no such tenant) from ztos-b: XDP drops it"
ip netns exec ztos-b /usr/bin/python3 -c '
from scapy.all import Ether, IP, UDP, ICMP, sendp, conf
from scapy.layers.vxlan import VXLAN
conf.verb = 0
sendp(Ether(dst="ff:ff:ff:ff:ff:ff") / IP(src="192.0.2.2", dst="192.0.2.1") / UDP(sport=40000, dport=4789) /
      VXLAN(vni=999, flags=0x08) / Ether() / IP(src="10.200.0.5", dst="10.100.0.10") / ICMP(), iface="ul-b", count=3)'
run "$ZTOS" --socket "$RUN/api.sock" flows --tenant blue
run "$ZTOS" --socket "$RUN/api.sock" monitoring logs
say "ip netns exec ztos-a curl -s -H \"Authorization: Bearer \$(cat $RUN/token)\" http://127.0.0.1:8080/metrics | grep drops"
ip netns exec ztos-a curl -s -H "Authorization: Bearer $(cat "$RUN/token")" http://127.0.0.1:8080/metrics | grep ztos_datapath_drops_total
run bpftool map dump pinned /sys/fs/bpf/ztos-demo/tenants
say "ip netns exec ztos-a curl -s http://127.0.0.1:8080/api/v1/status   # no token"
ip netns exec ztos-a curl -s -w 'HTTP %{http_code}\n' http://127.0.0.1:8080/api/v1/status

if $once; then
	exit 0
fi
cat <<EOF2

ztosd is running in namespace ztos-a (pid $pid). Try:
  sudo $ZTOS --socket $RUN/api.sock network show
  sudo $ZTOS --socket $RUN/api.sock monitoring logs --follow
  sudo ip netns exec ztos-a env ZTOS_API=http://127.0.0.1:8080 ZTOS_TOKEN=\$(sudo cat $RUN/token) $ZTOS status --json
Ctrl-C stops the agent and removes the lab.
EOF2
wait "$pid"
