#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `make web`: rebuild the dashboard (web/dist) from web/src with the packages that
# web/package-lock.json pins. Installs them with `npm ci --offline` where npm's cache has
# them (no network needed), else from the registry, saying so. `--deps` only installs.
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v npm >/dev/null; then
	echo "web: npm is not installed (scripts/deps.sh installs it); web/dist, committed, stays as it is" >&2
	exit 1
fi
# Install when there is nothing installed yet or the lock is newer than the install.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
	if ! npm ci --offline --no-audit --no-fund --loglevel=error 2>/dev/null; then
		echo "web: npm's cache lacks packages of web/package-lock.json; fetching them from the registry (npm ci)" >&2
		npm ci --no-audit --no-fund --loglevel=error
	fi
fi
[ "${1:-}" = "--deps" ] && exit 0
node build.mjs
