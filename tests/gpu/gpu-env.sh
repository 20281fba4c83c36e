#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Sourced by the GPU scripts: find dpi_bench, the CUDA engine and Hyperscan.
#
# The GPU machine has CUDA but no package registry: what it needs travels with the call
# (see gpu/README.md): $BUILD/bench/dpi_bench and $BUILD/libztosdpi_cuda.so built here,
# and Hyperscan's Debian package unpacked into $BUILD/hs (tests/gpu/hs-debs.sh) when
# the machine has no libhs.so.5 of its own.
# Sets: dpi_bench (path), why_not (empty when a GPU and the CUDA engine are usable).

build=${BUILD:-build}
dpi_bench=$build/bench/dpi_bench
export ZTOS_DPI_CUDA_LIB=${ZTOS_DPI_CUDA_LIB:-$PWD/$build/libztosdpi_cuda.so}

if ! /sbin/ldconfig -p 2>/dev/null | grep -q 'libhs\.so\.5 '; then
	for d in "$build"/hs/usr/lib/x86_64-linux-gnu "$build"/hs/usr/lib; do
		[ -e "$d/libhs.so.5" ] &&
			export LD_LIBRARY_PATH="$PWD/$d${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
	done
fi
why_not=
if [ ! -e /dev/nvidia0 ] && ! nvidia-smi -L >/dev/null 2>&1; then
	why_not="no /dev/nvidia0 and no working nvidia-smi"
	return 0
fi
# Build only what is missing, and only where the build can run (not on the GPU machine).
if [ ! -x "$dpi_bench" ] || [ ! -e "$ZTOS_DPI_CUDA_LIB" ]; then
	make -s BUILD="$build" "$dpi_bench" "$build/libztosdpi_cuda.so" >&2 || true
fi
if [ ! -x "$dpi_bench" ]; then
	why_not="$dpi_bench is missing (build it: make bench-tools)"
elif ! why_not=$("$dpi_bench" probe 2>&1); then
	:	# why_not holds the engine's reason
else
	gpu_name=$why_not
	why_not=
fi
