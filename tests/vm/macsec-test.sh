#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# MACsec by ztosd on a real kernel: boots Debian's kernel under qemu (tests/vm/vm.sh) and
# runs tests/vm/inside/macsec.sh there (two hosts as namespaces, VXLAN over MACsec, the
# capture, the counters, a key rotation under a 10 ms ping stream, a wrong key, restart
# adoption, bad input). Its TAP comes back renumbered after this script's own case.
# Without qemu, busybox-static or a Debian kernel the suite fails (scripts/deps.sh).
# On a shared machine run it under flock /tmp/ztos-vm.lock (one VM at a time).
set -u
cd "$(dirname "$0")/../.." || exit 1

n=0 failed=0
emit() { # emit STATUS DESCRIPTION
	n=$((n + 1))
	[ "$1" = "not ok" ] && failed=$((failed + 1))
	echo "$1 $n - $2"
}

if ! why=$(tests/vm/vm.sh --check 2>&1); then
	why=${why#vm.sh: }
	emit "not ok" "VM prerequisites: $why (run scripts/deps.sh)"
	echo "1..$n"
	[ $failed -eq 0 ]
	exit
fi

start=$SECONDS
out=$(tests/vm/vm.sh --timeout "${ZTOS_VM_TIMEOUT:-300}" \
	tests/vm/inside/macsec.sh 2>&1)
rc=$?
case $rc in
124) emit "not ok" "the VM boots and runs the suite (timed out after $((SECONDS - start)) s)" ;;
125) emit "not ok" "the VM boots and runs the suite (vm.sh failed)" ;;
*) emit ok "the VM boots Debian's kernel and runs the suite ($((SECONDS - start)) s)" ;;
esac

inner_failed=0
while IFS= read -r line; do
	if [[ $line =~ ^(not\ ok|ok)[[:space:]]+[0-9]+[[:space:]]+-[[:space:]](.*)$ ]]; then
		[ "${BASH_REMATCH[1]}" = "not ok" ] && inner_failed=$((inner_failed + 1))
		emit "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
	elif [[ $line =~ ^[0-9]+\.\.[0-9]+ ]]; then
		: # the inner plan: this script prints its own
	elif [[ $line == "#"* ]]; then
		echo "$line"
	elif [ -n "$line" ]; then
		echo "# $line"
	fi
done <<<"$out"

if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -ne 125 ] && [ $inner_failed -eq 0 ]; then
	emit "not ok" "the suite in the VM exited $rc without a failing case"
fi
echo "1..$n"
[ $failed -eq 0 ]
