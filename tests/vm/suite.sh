# SPDX-License-Identifier: GPL-2.0-only
# One VM suite: boot Debian's kernel under qemu (tests/vm/vm.sh), run one script of
# tests/vm/inside/ there, and give its TAP back renumbered after this wrapper's own case
# (the VM booted and ran it). Sourced by the tests/vm/*-test.sh wrappers.
# Without qemu, busybox-static or a Debian kernel a suite fails: scripts/deps.sh installs
# them, and only missing hardware (a GPU) may skip.
# shellcheck shell=bash

vm_n=0 vm_failed=0
vm_emit() { # vm_emit STATUS DESCRIPTION
	vm_n=$((vm_n + 1))
	[ "$1" = "not ok" ] && vm_failed=$((vm_failed + 1))
	echo "$1 $vm_n - $2"
}

# vm_suite TIMEOUT_S WHAT SCRIPT [ARGS...]: exits with the suite's result.
vm_suite() {
	local timeout_s=$1 what=$2 out rc start line inner_failed=0
	shift 2
	if ! out=$(tests/vm/vm.sh --check 2>&1); then
		vm_emit "not ok" "VM prerequisites: ${out#vm.sh: } (run scripts/deps.sh)"
		echo "1..$vm_n"
		exit 1
	fi
	start=$SECONDS
	out=$(tests/vm/vm.sh --timeout "${ZTOS_VM_TIMEOUT:-$timeout_s}" "$@" 2>&1)
	rc=$?
	case $rc in
	124) vm_emit "not ok" "the VM runs $what (timed out after $((SECONDS - start)) s)" ;;
	125) vm_emit "not ok" "the VM runs $what (vm.sh failed)" ;;
	*) vm_emit ok "the VM boots Debian's kernel and runs $what ($((SECONDS - start)) s)" ;;
	esac
	while IFS= read -r line; do
		if [[ $line =~ ^(not\ ok|ok)[[:space:]]+[0-9]+[[:space:]]+-[[:space:]](.*)$ ]]; then
			[ "${BASH_REMATCH[1]}" = "not ok" ] && inner_failed=$((inner_failed + 1))
			vm_emit "${BASH_REMATCH[1]}" "${BASH_REMATCH[2]}"
		elif [[ $line =~ ^[0-9]+\.\.[0-9]+ ]]; then
			: # the inner plan: the wrapper prints its own
		elif [[ $line == "#"* ]]; then
			echo "$line"
		elif [ -n "$line" ]; then
			echo "# $line"
		fi
	done <<<"$out"
	if [ $rc -ne 0 ] && [ $rc -ne 124 ] && [ $rc -ne 125 ] && [ $inner_failed -eq 0 ]; then
		vm_emit "not ok" "$what exited $rc in the VM without a failing case"
	fi
	echo "1..$vm_n"
	[ $vm_failed -eq 0 ]
	exit
}
