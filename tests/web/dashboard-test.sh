#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The dashboard in a real browser against a real ztosd: tests/web/weblab.sh's lab with
# real traffic, then tests/web/dashboard.test.mjs in Debian's Chromium (playwright-core
# from web/package-lock.json, installed here by npm ci: no browser download). Screenshots
# of each page go to build/screenshots/.
set -u
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/weblab.sh"

if [ ! -x /usr/bin/chromium ]; then
	not_ok "Debian's chromium is installed (run scripts/deps.sh)"
	exit 1
fi
check "web/node_modules from web/package-lock.json (npm ci)" "$TOP/scripts/web-build.sh" --deps

web_lab_setup
# The restart case starts a new agent; the teardown ends it too.
trap '[ -s "$WORK/agent.pid" ] && kill "$(cat "$WORK/agent.pid")" 2>/dev/null; web_lab_teardown' EXIT

# Grafana: what config/grafana/ztos.json queries is what this agent exposes (MACsec's
# families need a kernel with MACsec: tests/vm/inside/macsec.sh checks those).
curl -s --unix-socket "$SOCK" http://localhost/metrics >"$WORK/metrics.txt"
check "config/grafana/ztos.json: every metric and label it queries is in the agent's /metrics" \
	/usr/bin/python3 "$TOP/tests/web/grafana-check.py" --except ztos_macsec_ \
	"$TOP/config/grafana/ztos.json" "$WORK/metrics.txt"

SHOTS=$BUILD_DIR/screenshots
rm -rf "$SHOTS"
# The agent listens on the loopback of zw-a: the browser runs there too.
ZW_URL="http://127.0.0.1:$PORT" ZW_TOKEN=$TOKEN ZW_SOCK=$SOCK ZW_SHOTS=$SHOTS ZW_WORK=$WORK \
	ZW_CONFIG=$CONFIG ZW_AGENT_PID=$AGENT_PID ZTOS=$ZTOS ZTOSD=$ZTOSD LAB_P=$LAB_P \
	"${IN_A[@]}" node --test --test-reporter=tap --test-timeout=120000 \
	"$TOP/tests/web/dashboard.test.mjs" >"$WORK/node.tap" 2>&1
rc=$?
# node's cases, numbered on from this script's own (one TAP stream).
failed=0
while IFS= read -r line; do
	case $line in
	"ok "[0-9]*) _tap_n=$((_tap_n + 1)); echo "ok $_tap_n ${line#ok * }" ;;
	"not ok "[0-9]*) _tap_n=$((_tap_n + 1)); failed=1; echo "not ok $_tap_n ${line#not ok * }" ;;
	"TAP version"* | [0-9]*..[0-9]*) ;;
	*) echo "# ${line}" ;;
	esac
done <"$WORK/node.tap"
[ "$rc" -ne 0 ] && [ "$failed" -eq 0 ] && not_ok "the browser tests ran (node exited $rc)"
AGENT_PID=	# stopped by the restart case; its successor by the trap
n=$(find "$SHOTS" -name '*.png' 2>/dev/null | wc -l)
check "at least six screenshots in build/screenshots ($n)" test "$n" -ge 6
