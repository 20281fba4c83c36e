#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make demo` works: the lab comes up, the agent serves the CLI, the lab goes away.
set -u
. "$(dirname "$0")/../lib.sh"
cd "$TOP"
out=$(scripts/demo.sh --once 2>&1)
rc=$?
expect_eq "scripts/demo.sh --once exits 0" 0 "$rc"
[ $rc -eq 0 ] || printf '%s\n' "$out" | tail -n 30 | sed 's/^/#   /'
check "the demo shows tenant blue in 'ztos network show'" grep -q "blue" <<<"$out"
check "the demo applied tenant green" grep -qE "^\+ tenant green" <<<"$out"
check "the demo's bad VNI was refused with its location" grep -q "tenants\[.*\]\.vni" <<<"$out"
check "the demo's request without a token got 401" grep -q "HTTP 401" <<<"$out"
check "the demo removed its namespaces" bash -c "! ip netns list | grep -q '^ztos-'"
check "the demo removed its run folder" test ! -e /run/ztos-demo
