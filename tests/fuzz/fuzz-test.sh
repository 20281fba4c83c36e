#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The libFuzzer harnesses (ASan, UBSan): each runs over its corpus (tests/fuzz/corpus/NAME:
# seeds and the inputs of crashes fixed, kept as regressions), then fuzzes for
# FUZZ_SECONDS (10 in `make test`, longer with `make fuzz`). New inputs go to a scratch
# folder, never into the tree; a crash fails the case and is kept beside the log.
#   rules, config   the rule parser; the YAML/JSON config front ends and the configure merge
#   http            the API's request handling (framing, auth, routes, query values, bodies)
#   nl_link, nl_wg, nl_macsec   the netlink reply parsers (links and FDB; WireGuard; MACsec)
#   afxdp           the AF_XDP frame parser of the DPI reader
#   frr             the parsers of FRR's JSON (BGP summary, neighbors, BFD, EVPN VNIs, MACs, routes)
set -u
. "$(dirname "$0")/../lib.sh"

SECONDS_EACH=${FUZZ_SECONDS:-10}
EXECS=0
T=$(mktemp -d /tmp/ztos-fuzz.XXXXXX)

for name in rules config http nl_link nl_wg nl_macsec afxdp frr; do
	bin=$BUILD_DIR/fuzz/fuzz_$name
	corpus=$TOP/tests/fuzz/corpus/$name
	if [ ! -x "$bin" ]; then
		not_ok "fuzz_$name is built ($bin; make test builds it)"
		continue
	fi
	n=$(find "$corpus" -type f | wc -l)
	if "$bin" -runs=0 "$corpus" >"$T/$name-corpus.log" 2>&1; then
		ok "fuzz_$name: the $n inputs of its corpus, no crash"
	else
		not_ok "fuzz_$name: the $n inputs of its corpus, no crash"
		grep -E 'ERROR|SUMMARY|Running:' "$T/$name-corpus.log" | head -n 5 | sed 's/^/#   /'
	fi
	mkdir -p "$T/$name"
	if "$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
		-artifact_prefix="$T/$name-" "$T/$name" "$corpus" >"$T/$name.log" 2>&1; then
		runs=$(grep -oE '^Done [0-9]+ runs' "$T/$name.log" | grep -oE '[0-9]+')
		ok "fuzz_$name: $SECONDS_EACH s of fuzzing, ${runs:-?} inputs, no crash"
		EXECS=$((EXECS + ${runs:-0}))
	else
		not_ok "fuzz_$name: $SECONDS_EACH s of fuzzing, no crash (inputs and log kept in $T)"
		grep -E 'ERROR|SUMMARY|Test unit written|#[0-9]+ in ' "$T/$name.log" | head -n 8 |
			sed 's/^/#   /'
		KEEP=1
	fi
done
echo "# fuzz_execs_total=$EXECS"
[ -n "${KEEP:-}" ] || rm -rf "$T"
