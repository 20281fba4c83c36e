#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The CUDA engine against Hyperscan on an NVIDIA GPU: the differential corpus of
# bench/dpi_corpus.h (2000 literal rules with every modifier, 120 pcre rules; 64, 512,
# 1500 B payloads, HTTP-like and random, match rates 0, 1% and 100%, signatures split
# across two segments of a flow), identical alert sets required; and `engine: auto`
# picks cuda. Without a GPU: one skipped case saying why.
# Runs on the GPU machine from what travels with the call (tests/gpu/gpu-env.sh).
set -u
cd "$(dirname "$0")/../.."
. tests/gpu/gpu-env.sh

if [ -n "$why_not" ]; then
	echo "1..1"
	echo "ok 1 - CUDA engine vs Hyperscan # SKIP no NVIDIA GPU: $why_not"
	exit 0
fi
echo "# $gpu_name"
out=$("$dpi_bench" compare -e cuda -E cpu 2>&1)
rc=$?
n=$(grep -c '^\(not \)\?ok ' <<<"$out")
echo "1..$((n + 2))"
if "$dpi_bench" compare -e auto -E cpu -r 50 2>&1 | grep -q '^dpi_bench: engine cuda: '; then
	echo "ok 1 - engine auto picks cuda where cudaGetDeviceCount finds a device"
else
	echo "not ok 1 - engine auto did not pick cuda"
fi
i=1
while IFS= read -r line; do
	case "$line" in
	"ok "* | "not ok "*)
		i=$((i + 1))
		sed -E "s/^(not )?ok [0-9]+/\1ok $i/" <<<"$line" ;;
	*) echo "# $line" ;;
	esac
done <<<"$out"
i=$((i + 1))
if [ $rc -eq 0 ] && [ "$n" -eq 18 ]; then
	echo "ok $i - dpi_bench compare: 18 corpora, exit 0"
else
	echo "not ok $i - dpi_bench compare: $n corpora, exit $rc"
fi
