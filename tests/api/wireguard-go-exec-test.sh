#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# How the agent starts wireguard-go (where the kernel has no WireGuard): the program named
# by agent.wireguard_go, never one found in the agent's PATH; with a clean environment;
# with the interface name as its only argument, and no name that starts with '-'. The
# program here is a stand-in that writes down what it was given and fails: nothing is
# made in the kernel.
set -u
. "$(dirname "$0")/../lib.sh"

LOG_EXTRA=""
agent_setup
wg_key "$WORK/wg.key"
mkdir -p "$WORK/bin"
cat >"$WORK/stand-in" <<EOF
#!/bin/sh
printf '%s\n' "\$#" "\$@" >"$WORK/args.txt"
tr '\0' '\n' </proc/\$\$/environ >"$WORK/env.txt"
echo "stand-in: not a real wireguard-go" >&2
exit 1
EOF
printf '#!/bin/sh\ntouch %s/decoy-ran\nexit 0\n' "$WORK" >"$WORK/bin/wireguard-go"
chmod 755 "$WORK/stand-in" "$WORK/bin/wireguard-go"
sed -i "s|^  state_dir:|  wireguard_go: $WORK/stand-in\n  state_dir:|" "$CONFIG"
cat >>"$CONFIG" <<EOF
wireguard: {interface: ztsec8, private_key_file: $WORK/wg.key}
EOF

# A PATH that finds the decoy first, and a secret in the environment.
start_agent_case "agent starts" env PATH="$WORK/bin:$PATH" ZTOS_WG_USERSPACE=1 \
	ZTOS_TEST_SECRET=hunter2
for _ in $(seq 200); do [ -s "$WORK/args.txt" ] && break; sleep 0.05; done
expect_eq "agent.wireguard_go ran, with the interface name as its one argument" \
	"1 ztsec8" "$(tr '\n' ' ' <"$WORK/args.txt" | sed 's/ $//')"
expect_eq "its environment is PATH alone, a fixed one" "PATH=/usr/sbin:/usr/bin:/sbin:/bin" \
	"$(cat "$WORK/env.txt")"
check "the wireguard-go first in the agent's PATH never ran" test ! -e "$WORK/decoy-ran"
r=$(sock GET /api/v1/security/status)
check "status says it failed, with its last words" grep -q "stand-in: not a real wireguard-go" <<<"$r"
check "no device was made" bash -c "! ip link show ztsec8 2>/dev/null"
agent_stop

for name in -x --version; do
	printf 'version: 1\nwireguard: {interface: "%s", private_key_file: %s}\n' "$name" "$WORK/wg.key" \
		>"$WORK/dash.yaml"
	out=$("$ZTOSD" --check-config "$WORK/dash.yaml" 2>&1)
	expect_eq "wireguard.interface $name: refused" 1 $?
	check "wireguard.interface $name: says why" grep -q "starts with '-'" <<<"$out"
done
