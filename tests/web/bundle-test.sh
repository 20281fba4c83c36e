#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The committed dashboard (web/dist) is what web/src builds to with the pinned packages:
# rebuilt into a scratch folder and compared byte for byte, twice (the build must not
# depend on time or order). ztosd serves web/dist, so a stale dist is a stale dashboard.
set -u
. "$(dirname "$0")/../lib.sh"

WEB=$TOP/web
tmp=$(mktemp -d /tmp/ztos-web-bundle.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

check "package.json pins exact versions (no ranges)" bash -c \
	"jq -r '(.dependencies + .devDependencies) | to_entries[] | .value' '$WEB/package.json' | grep -qvE '^[0-9]+\.[0-9]+\.[0-9]+$' && exit 1 || exit 0"
check "package-lock.json: every package with a version and an integrity hash" bash -c \
	"jq -e '[.packages | to_entries[] | select(.key != \"\") | .value | (.version != null and .integrity != null)] | all' '$WEB/package-lock.json' >/dev/null"
check "web/node_modules from package-lock.json (npm ci)" "$TOP/scripts/web-build.sh" --deps

check "the sources build (esbuild)" bash -c "cd '$WEB' && node build.mjs --outdir '$tmp/a'"
check "web/dist matches the sources (run make web and commit web/dist)" diff -r "$tmp/a" "$WEB/dist"
check "a second build is byte for byte the same" bash -c "cd '$WEB' && node build.mjs --outdir '$tmp/b' >/dev/null && diff -r '$tmp/a' '$tmp/b'"
check "dist holds index.html, one script and one style sheet, named by content hash" bash -c \
	"ls '$WEB/dist/assets' | grep -cE '^app-[A-Z0-9]{8}\.(js|css)$' | grep -qx 2 && test -f '$WEB/dist/index.html'"
js=$(ls "$WEB"/dist/assets/app-*.js)
size=$(gzip -9c "$js" | wc -c)
check "the script is under 80 KB gzipped ($size bytes)" test "$size" -lt 81920
check "the bundle has no eval and no new Function (CSP: no unsafe-eval)" bash -c "! grep -Eq '\beval\(|new Function\(' '$js'"
check "ztosd's built-in files are web/dist's (make rebuilt them)" bash -c \
	"'$TOP/scripts/embed-web.py' '$WEB/dist' '$tmp/assets.c' && cmp '$tmp/assets.c' '$BUILD_DIR/web_assets.c'"
