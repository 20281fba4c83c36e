#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `sudo make demo VM=1`: the demo's fleet (scripts/demo.sh --vm) in the VM testbed
# (tests/vm/vm.sh: Debian's own kernel under qemu), whose kernel has what this machine's
# may lack: WireGuard in the kernel, MACsec on the underlay, a VRF per tenant. The VM's
# output comes as it happens; host 1's dashboard is forwarded to this machine's
# 127.0.0.1:PORT, and `ztos` here reaches it through the same forward (the CLI's
# settings, as scripts/demo.sh writes them). Ctrl-C powers the VM off: the whole fleet
# lived in it, and what this script made here goes with it.
#
#   scripts/demo-vm.sh [--for SECONDS] [--port PORT]
#     --for    run that long, then stop (tests/vm/demo-vm-test.sh)
#     --port   the dashboard's port on 127.0.0.1 (default: the first free from 8480)
#   ZTOS_CLI_CONFIG=FILE: as for scripts/demo.sh
set -u
cd "$(dirname "$0")/.."
TOP=$PWD

usage() { sed -n '11,14s/^# \{0,1\}//p' "$0"; }
DEMO_FOR=
DEMO_PORT=
while [ $# -gt 0 ]; do
	case $1 in
	--for) DEMO_FOR=${2:?--for needs a number of seconds}; shift ;;
	--port) DEMO_PORT=${2:?--port needs a port}; shift ;;
	-h | --help) usage; exit 0 ;;
	*) echo "scripts/demo-vm.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
	esac
	shift
done
[ "$(id -u)" -eq 0 ] || { echo "the demo's VM shares this machine's root: run sudo make demo VM=1" >&2; exit 1; }
[ -z "$DEMO_FOR" ] || [[ $DEMO_FOR =~ ^[0-9]+$ ]] || { echo "--for: a number of seconds" >&2; exit 2; }

DEMO_RUN=/run/ztos-demo-vm
# the dashboard's port in the VM (on its NIC, 10.0.2.15)
GUEST_PORT=8480
step() { printf '  %s\n' "$*"; }
. "$TOP/scripts/demo-host.sh"

out=$(tests/vm/vm.sh --check 2>&1) || { echo "ztos demo: ${out#vm.sh: }" >&2; exit 1; }

teardown() {
	trap '' INT TERM
	[ -d "$DEMO_RUN" ] || return 0
	demo_cli_remove
	rm -rf "$DEMO_RUN"
	printf '  the VM is off: nothing of the demo is left (the fleet was in it; %s and the CLI settings removed)\n' \
		"$DEMO_RUN"
}
rm -rf "$DEMO_RUN"
mkdir -p -m 700 "$DEMO_RUN"
trap teardown EXIT
trap 'exit 0' INT TERM
[ -n "$DEMO_PORT" ] || DEMO_PORT=$(demo_free_port) || { echo "no free port in 8480..8580 for the dashboard" >&2; exit 1; }

printf '\033[1m%s\033[0m\n' "ztos demo: booting Debian's kernel in a VM (qemu, $(nproc) CPUs emulated: a few minutes)"
# qemu emulates without KVM here: the demo's own waits are sized for a fast machine, the
# VM's timeout leaves it room. An interactive demo runs until Ctrl-C (a week at most).
vm_timeout=604800
[ -n "$DEMO_FOR" ] && vm_timeout=$((DEMO_FOR + 900))
demo_args=(--vm "$DEMO_PORT")
[ -n "$DEMO_FOR" ] && demo_args+=(--for "$DEMO_FOR")

# The VM's lines as they come; once the token is shown, the CLI here is pointed at the
# forward (before the commands to try are printed).
relay() {
	local line token
	while IFS= read -r line; do
		if [[ $line =~ ^\|\ Token\ +([0-9a-f]{64})\  ]]; then
			token=${BASH_REMATCH[1]}
			demo_cli_setup "$DEMO_PORT" "$token" >&2 || step "nowhere to write the CLI's settings" >&2
			echo "$DEMO_PORT" >"$DEMO_RUN/port"
		fi
		printf '%s\n' "$line"
		[[ $line == "Ctrl-C stops the fleet"* || $line == "| Ctrl-C stops"* ]] && [ -n "${token:-}" ] &&
			touch "$DEMO_RUN/ready"
	done
}
tests/vm/vm.sh --live --timeout "$vm_timeout" --mem 4096 --cpus "$(nproc)" \
	--forward "$DEMO_PORT:$GUEST_PORT" scripts/demo.sh "${demo_args[@]}" 2>&1 | relay
rc=${PIPESTATUS[0]}
exit "$rc"
