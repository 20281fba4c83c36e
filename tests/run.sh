#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The one test runner: every layer (unit, api, cli, bpf, netns, vm, web, gpu, fuzz),
# each test program speaking TAP ("ok N - name", "not ok N - name",
# "ok N - name # SKIP reason"). Ends with one line: "N passed, N failed, N skipped".
# Usage: tests/run.sh [--busy] [FILTER]   (runs the programs whose path contains FILTER)
#   --busy: keep one CPU busy for the whole run (as a browser or a build beside it would):
#   the suite must pass as well on a loaded machine as on an idle one.
# LAYERS="unit api ...": only those layers' scripts (the C programs in $BUILD/tests run
#   whatever LAYERS says: a build holds only what it built).
# SAN=1 (make test SAN=1, a build with ASan and UBSan): every sanitizer report (an error,
#   undefined behaviour, a leak at exit) goes to a file of this run; a test program during
#   which one appears fails, with the report's first lines.
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
for layer in ${LAYERS:-unit config api cli bpf netns vm web gpu fuzz}; do
	for t in tests/"$layer"/*-test.sh; do
		[ -f "$t" ] && programs+=("$t")
	done
done

if [ "$(id -u)" -ne 0 ]; then
	echo "tests need root (network namespaces, BPF, the root-only API socket): run sudo make test" >&2
	exit 1
fi

sandir=
if [ "${SAN:-}" = 1 ]; then
	sandir=$logdir/sanitizers
	mkdir -p "$sandir"
	export ASAN_OPTIONS="log_path=$sandir/asan:detect_leaks=1:abort_on_error=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
	export UBSAN_OPTIONS="log_path=$sandir/ubsan:print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
	echo "tests/run.sh: sanitizer reports go to $sandir"
fi

# The reports that appeared since the last call: each one a failure of test $1.
san_reports() {
	local r n=0
	[ -n "$sandir" ] || return 0
	for r in "$sandir"/*; do
		[ -f "$r" ] || continue
		n=$((n + 1))
		failures+=("$1: sanitizer report $(basename "$r")")
		echo "   not ok - sanitizer report during $1: $r"
		grep -m 12 -E 'ERROR|SUMMARY|runtime error|#[0-9]+ ' "$r" | sed 's/^/   | /'
		mkdir -p "$sandir/seen" && mv "$r" "$sandir/seen/"
	done
	return "$n"
}

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
	san_reports "$t"
	f=$((f + $?))
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
