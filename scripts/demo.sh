#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `sudo make demo`: ztosd on a small lab of network namespaces, with the example config
# (config/examples/full.yaml), and the ztos CLI and the REST API working against it.
#
#   ztos-a (host A, runs ztosd) ul-a 192.0.2.1/24 ====== ul-b 192.0.2.2/24 (host B) ztos-b
#     veth-blue0 ---- ztos-blue (a workload of tenant blue, 10.100.0.10/24)
#
# scripts/demo.sh --once walks through and cleans up (the tests run it so); without it,
# the agent keeps running until Ctrl-C.
set -eu
cd "$(dirname "$0")/.."
once=false
[ "${1:-}" = "--once" ] && once=true
[ "$(id -u)" -eq 0 ] || { echo "the demo makes network namespaces: run sudo make demo" >&2; exit 1; }

RUN=/run/ztos-demo
ZTOS=$PWD/build/ztos
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

cleanup() {
	[ -n "${pid:-}" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	for ns in ztos-a ztos-b ztos-blue; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 0' INT TERM
cleanup

mkdir -p -m 700 "$RUN"
for ns in ztos-a ztos-b ztos-blue; do ip netns add "$ns"; done
ip link add ul-a netns ztos-a type veth peer name ul-b netns ztos-b
ip link add veth-blue0 netns ztos-a type veth peer name eth0 netns ztos-blue
ip -n ztos-a addr add 192.0.2.1/24 dev ul-a
ip -n ztos-b addr add 192.0.2.2/24 dev ul-b
ip -n ztos-blue addr add 10.100.0.10/24 dev eth0
for l in ul-a veth-blue0 lo; do ip -n ztos-a link set "$l" up; done
ip -n ztos-b link set ul-b up
ip -n ztos-blue link set eth0 up
ip netns exec ztos-a ping -c1 -W2 192.0.2.2 >/dev/null && echo "lab: ztos-a reaches ztos-b over the underlay"

# The example config, with the agent's files moved into the lab and the underlay renamed.
python3 - config/examples/full.yaml "$RUN/ztos.yaml" "$RUN" <<'PY'
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

run build/ztosd --check-config "$RUN/ztos.yaml"
say "ip netns exec ztos-a build/ztosd --config $RUN/ztos.yaml &"
ip netns exec ztos-a build/ztosd --config "$RUN/ztos.yaml" >"$RUN/ztosd.log" 2>&1 &
pid=$!
for _ in $(seq 100); do [ -S "$RUN/api.sock" ] && break; sleep 0.05; done
[ -S "$RUN/api.sock" ] || { cat "$RUN/ztosd.log"; exit 1; }
sed 's/^/  | /' "$RUN/ztosd.log"

export ZTOS_SOCKET="$RUN/api.sock"
run "$ZTOS" --socket "$RUN/api.sock" status
run "$ZTOS" --socket "$RUN/api.sock" network show
run "$ZTOS" --socket "$RUN/api.sock" security status
run "$ZTOS" --socket "$RUN/api.sock" network configure --dry-run --tenant green --vni 300 --vtep 192.0.2.2
run "$ZTOS" --socket "$RUN/api.sock" network configure --tenant green --vni 300 --vtep 192.0.2.2
say "$ZTOS --socket $RUN/api.sock network configure --tenant green --vni 100   # refused: blue has VNI 100"
"$ZTOS" --socket "$RUN/api.sock" network configure --tenant green --vni 100 || true
run "$ZTOS" --socket "$RUN/api.sock" monitoring logs
say "ip netns exec ztos-a curl -s -H \"Authorization: Bearer \$(cat $RUN/token)\" http://127.0.0.1:8080/api/v1/flows"
ip netns exec ztos-a curl -s -H "Authorization: Bearer $(cat "$RUN/token")" http://127.0.0.1:8080/api/v1/flows
say "ip netns exec ztos-a curl -s http://127.0.0.1:8080/api/v1/status   # no token"
ip netns exec ztos-a curl -s -w 'HTTP %{http_code}\n' http://127.0.0.1:8080/api/v1/status

if $once; then
	exit 0
fi
cat <<EOF2

ztosd is running in namespace ztos-a (pid $pid). Try:
  sudo build/ztos --socket $RUN/api.sock network show
  sudo build/ztos --socket $RUN/api.sock monitoring logs --follow
  sudo ip netns exec ztos-a env ZTOS_API=http://127.0.0.1:8080 ZTOS_TOKEN=\$(sudo cat $RUN/token) build/ztos status --json
Ctrl-C stops the agent and removes the lab.
EOF2
wait "$pid"
