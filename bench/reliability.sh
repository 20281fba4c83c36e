#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Reliability figures (issue 12) from real runs of the tests that measure them, each run
# here and its TAP kept: restart (SIGKILL, ping every 10 ms), upgrade (another binary, a
# map layout migrated, a downgrade refused), the same restart and upgrade through WireGuard
# (wireguard-go on the host, in-kernel in the VM) and MACsec (the VM), faults mid-apply
# (state before = state after),
# secrets (every route, CLI command, error path and log searched), and the fuzz harnesses
# (each over its corpus, then FUZZ_SECONDS of fuzzing). Last lines:
#   restart_lost_packets N / upgrade_lost_packets N / rollback_checks_passed N /
#   fuzz_execs_total N / fuzz_crashes_open N / secret_leaks N
# (and before them the losses through each tunnel: wireguard_go_lost_packets,
# wireguard_kernel_lost_packets, macsec_lost_packets)
# A figure a run did not print is "missing" and the script exits 1; so does a failed test.
# Usage: sudo bench/reliability.sh   (under flock /tmp/ztos-heavy.lock; make test builds
# what it runs: make run-tests's test-builds and the fuzz harnesses)
set -u
cd "$(dirname "$0")/.."
export BUILD=${BUILD:-build} FUZZ_SECONDS=${FUZZ_SECONDS:-10}
OUT=$(mktemp -d /tmp/zr-reliability.XXXXXX)
rc=0

run() {
	local t=$1 log
	log=$OUT/$(basename "$t" .sh).tap
	timeout 900 "$t" >"$log" 2>&1 || rc=1
	printf '%-32s %s passed, %s failed\n' "$(basename "$t")" \
		"$(grep -c '^ok ' "$log")" "$(grep -c '^not ok ' "$log")"
	grep -q '^not ok ' "$log" && rc=1
	return 0
}
# figure NAME FILE: the value a test printed as "# NAME=value"
figure() {
	local v
	v=$(sed -n "s/^# $1=\([0-9]*\).*/\1/p" "$OUT/$2.tap" | tail -1)
	[ -n "$v" ] || { v=missing; rc=1; }
	echo "$1 $v"
}

echo "machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for t in tests/netns/restart-test.sh tests/netns/upgrade-test.sh \
	tests/netns/wireguard-go-restart-test.sh tests/vm/wireguard-restart-test.sh \
	tests/vm/macsec-test.sh tests/netns/fault-test.sh tests/api/secrets-test.sh \
	tests/fuzz/fuzz-test.sh; do
	run "$t"
done
echo "TAP of each run: $OUT"
figure wireguard_go_lost_packets wireguard-go-restart-test
figure wireguard_kernel_lost_packets wireguard-restart-test
figure macsec_lost_packets macsec-test
figure restart_lost_packets restart-test
figure upgrade_lost_packets upgrade-test
figure rollback_checks_passed fault-test
figure fuzz_execs_total fuzz-test
echo "fuzz_crashes_open $(grep -c '^not ok ' "$OUT/fuzz-test.tap")"
figure secret_leaks secrets-test
exit $rc
