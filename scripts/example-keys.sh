#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Make the demo secrets config/examples/full.yaml refers to: a WireGuard private key
# and two MACsec keys (gcm-aes-256: 32 bytes each). Git cannot keep a 0600 mode and
# keys must never be committed, so they are made per clone, each only when missing.
# Usage: scripts/example-keys.sh DIR
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi
dir=$1
umask 077
mkdir -p "$dir"
chmod 700 "$dir"

# 32 random bytes, encoded; wg(8) would do for the WireGuard key but may not be installed.
base64_key() {
	head -c 32 /dev/urandom | base64 -w0
	echo
}

hex_key() {
	head -c 32 /dev/urandom | od -An -v -tx1 | tr -d ' \n'
	echo
}

make_key() {
	local file=$dir/$1 encode=$2
	[ -e "$file" ] && return 0
	# write beside it, then rename: a half-written key never has the final name
	"$encode" >"$file.tmp"
	mv "$file.tmp" "$file"
	echo "ztos: made $file"
}

make_key wg.key base64_key
make_key macsec-tx.key hex_key
make_key macsec-rx-b.key hex_key
