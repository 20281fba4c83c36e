#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The overlay's VRF on a kernel that has VRF: Debian's, booted by tests/vm/vm.sh, running
# tests/vm/inside/overlay-vrf.sh. Its TAP comes back renumbered after this script's case.
set -u
cd "$(dirname "$0")/../.." || exit 1

n=0 failed=0
emit() {
	n=$((n + 1))
	[ "$1" = "not ok" ] && failed=$((failed + 1))
	echo "$1 $n - $2"
}
if ! why=$(tests/vm/vm.sh --check 2>&1); then
	emit "not ok" "VM prerequisites: ${why#vm.sh: } (run scripts/deps.sh)"
	exit 1
fi
start=$SECONDS
out=$(tests/vm/vm.sh --timeout "${ZTOS_VM_TIMEOUT:-300}" tests/vm/inside/overlay-vrf.sh 2>&1)
rc=$?
case $rc in
124) emit "not ok" "the VM runs the overlay VRF test (timed out after $((SECONDS - start)) s)" ;;
125) emit "not ok" "the VM runs the overlay VRF test (vm.sh failed)" ;;
*) emit ok "the VM boots Debian's kernel and runs the overlay VRF test ($((SECONDS - start)) s)" ;;
esac
inner=0
while IFS= read -r line; do
	if [[ $line =~ ^(not\ ok|ok)[[:space:]]+[0-9]+[[:space:]]+-[[:space:]](.*)$ ]]; then
		[ "${BASH_REMATCH[1]}" = "not ok" ] && inner=$((inner + 1))
		emit "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]} (debian kernel)"
	elif [ -n "$line" ]; then
		echo "# $line"
	fi
done <<<"$out"
[ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -ne 125 ] && [ $inner -eq 0 ] &&
	emit "not ok" "the test in the VM exited $rc without a failing case"
echo "1..$n"
[ $failed -eq 0 ]
