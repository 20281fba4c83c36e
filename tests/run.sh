#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The one test runner: every layer (unit, api, cli, bpf, netns, vm, web, gpu, fuzz),
# each test program speaking TAP ("ok N - name", "not ok N - name",
# "ok N - name # SKIP reason"). Ends with one line: "N passed, N failed, N skipped".
# Usage: tests/run.sh [--busy] [FILTER]   (runs the programs whose path contains FILTER)
#   --busy: keep one CPU busy for the whole run (as a browser or a build beside it would):
#   the suite must pass as well on a loaded machine as on an idle one.
set -u
cd "$(dirname "$0")/.."

busy_pid=
if [ "${1:-}" = --busy ]; then
	shift
	/usr/bin/env bash -c 'while :; do :; done' &
	busy_pid=$!
	trap 'kill $busy_pid 2>/dev/null' EXIT
	echo "tests/run.sh --busy: pid $busy_pid keeps a CPU busy for the run"
fi
filter=${1:-}
passed=0 failed=0 skipped=0
failures=()
logdir=$(mktemp -d /tmp/ztos-tests.XXXXXX)

programs=()
for t in "${BUILD:-build}"/tests/test_*; do
	[ -x "$t" ] && programs+=("$t")
done
for layer in unit config api cli bpf netns vm web gpu fuzz; do
	for t in tests/"$layer"/*-test.sh; do
		[ -f "$t" ] && programs+=("$t")
	done
done

if [ "$(id -u)" -ne 0 ]; then
	echo "tests need root (network namespaces, BPF, the root-only API socket): run sudo make test" >&2
	exit 1
fi

for t in "${programs[@]}"; do
	[ -n "$filter" ] && [[ "$t" != *"$filter"* ]] && continue
	log="$logdir/$(echo "$t" | tr / _).log"
	echo "== $t"
	start=$SECONDS
	CMOCKA_MESSAGE_OUTPUT=TAP timeout 900 "$t" >"$log" 2>&1
	rc=$?
	p=0 f=0 s=0
	while IFS= read -r line; do
		case "$line" in
		"not ok "*)
			f=$((f + 1)); echo "   $line"; failures+=("$t: ${line#not ok }") ;;
		"ok "*"# SKIP"* | "ok "*"# skip"*)
			s=$((s + 1)); echo "   $line" ;;
		"ok "*)
			p=$((p + 1)) ;;
		esac
	done <"$log"
	if [ $rc -ne 0 ] && [ $f -eq 0 ]; then
		f=1
		failures+=("$t: exited $rc without reporting a failing case")
		echo "   not ok - $t exited $rc"
	fi
	if [ $f -gt 0 ]; then
		echo "   --- output of $t (last 40 lines; whole log: $log)"
		tail -n 40 "$log" | sed 's/^/   | /'
	fi
	echo "   $p passed, $f failed, $s skipped ($((SECONDS - start)) s)"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "Failures:"
	printf '  %s\n' "${failures[@]}"
fi
echo
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
