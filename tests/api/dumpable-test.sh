#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The agent holds keys in its memory: it is not dumpable (no core file, and no other
# process of its user may read its /proc/PID/mem or environ). Shown on an agent run as
# nobody (an agent whose config has only agent: needs no root), by another process of
# nobody's.
set -u
. "$(dirname "$0")/../lib.sh"

LOG_EXTRA=""
agent_setup
chown -R nobody:nogroup "$WORK"
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
start_agent_case "an agent with only agent: starts as nobody" "${NOBODY[@]}" env ZTOS_TEST_SECRET=hunter2
expect_eq "it runs as nobody" 65534 "$(awk '/^Uid:/ {print $2}' "/proc/$AGENT_PID/status")"
out=$("${NOBODY[@]}" cat "/proc/$AGENT_PID/environ" 2>&1)
check "another process of nobody's cannot read its environ" grep -q "Permission denied" <<<"$out"
addr=$((16#$(awk -F- 'NR == 1 {print $1}' "/proc/$AGENT_PID/maps")))	# mapped, read as root
check "nor its memory (at $addr, mapped)" bash -c "! ${NOBODY[*]} /usr/bin/python3 -c \
	'f = open(\"/proc/$AGENT_PID/mem\", \"rb\"); f.seek($addr); f.read(1)' 2>/dev/null"
check "a process of nobody's that is dumpable can (the check itself works)" bash -c \
	"setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'tr \"\\\\0\" \"\\\\n\" </proc/\$\$/environ' | grep -q PATH="
