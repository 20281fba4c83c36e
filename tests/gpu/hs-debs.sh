#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Unpack Hyperscan's Debian package into $BUILD/hs, to carry to a machine that has no
# package registry (the GPU machine): apt-get download + dpkg -x, no install. The GPU
# scripts add $BUILD/hs/usr/lib/x86_64-linux-gnu to LD_LIBRARY_PATH when needed.
set -eu
cd "$(dirname "$0")/../.."
dest=${BUILD:-build}/hs
mkdir -p "$dest"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download libhyperscan5 >/dev/null)
for deb in "$tmp"/*.deb; do
	dpkg -x "$deb" "$dest"
done
ls "$dest"/usr/lib/x86_64-linux-gnu/libhs.so.5*
