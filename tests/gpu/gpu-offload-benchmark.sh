#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# CUDA engine vs Hyperscan on all CPU cores of the same machine (not a test: figures,
# "name value"). 2000 literal rules, 1500 B payloads, HTTP-like and random corpora:
#   cuda_matcher_gbps          GPU kernel time only (automaton walk + confirmation)
#   cuda_e2e_gbps, _mpps       host memory -> alerts through the engine interface
#                              (packing, pinned copies, kernels, copy-out, pcre/header)
#   cuda_batch_p50_us/_p99_us  per dpi_scan() call
#   cpu_block_e2e_gbps         Hyperscan block mode, all cores (engine only)
#   cpu_e2e_gbps, _p99_us      Hyperscan with stream state per flow, all cores
#   cuda_vs_cpu                cuda_e2e_gbps / cpu_e2e_gbps (goal on an H100: >= 2, and
#                              cuda_e2e_gbps >= 200; matcher >= 1000)
# Usage: tests/gpu/gpu-offload-benchmark.sh [SECONDS per figure] [CUDA THREADS] [BATCH]
set -u
cd "$(dirname "$0")/../.."
. tests/gpu/gpu-env.sh
secs=${1:-8}
cthreads=${2:-4}
batch=${3:-16384}
cores=$(nproc)

if [ -n "$why_not" ]; then
	echo "gpu-offload-benchmark: skipped: no NVIDIA GPU: $why_not"
	exit 0
fi
echo "# $gpu_name; $cores CPU cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
for kind in http random; do
	echo "# corpus $kind, 1500 B"
	"$dpi_bench" throughput -e cuda -k "$kind" -s 1500 -b "$batch" -j "$cthreads" \
		-t "$secs" 2>&1 | sed "s/^/${kind}_/; s/^${kind}_dpi_bench/# dpi_bench/"
	"$dpi_bench" throughput -e cpu -F -k "$kind" -s 1500 -b 256 -j "$cores" -t "$secs" \
		2>&1 | sed "s/^cpu_/${kind}_cpu_block_/; s/^dpi_bench/# dpi_bench/"
	"$dpi_bench" throughput -e cpu -k "$kind" -s 1500 -b 256 -j "$cores" -t "$secs" 2>&1 |
		sed "s/^/${kind}_/; s/^${kind}_dpi_bench/# dpi_bench/"
done | tee /tmp/gpu-offload-benchmark.$$
for kind in http random; do
	awk -v k="$kind" '$1 == k "_cuda_e2e_gbps" { c = $2 } $1 == k "_cpu_e2e_gbps" { h = $2 }
		END { if (h > 0) printf "%s_cuda_vs_cpu %.2f\n", k, c / h }' \
		/tmp/gpu-offload-benchmark.$$
done
rm -f /tmp/gpu-offload-benchmark.$$
