# SPDX-License-Identifier: GPL-2.0-only
# Shared by the shell tests: TAP output and an agent started in a scratch folder.
# shellcheck shell=bash

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD:-$TOP/build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$TOP/$BUILD_DIR ;; esac
ZTOSD=$BUILD_DIR/ztosd
ZTOS=$BUILD_DIR/ztos
# No test reads the CLI settings of whoever runs it (~/.config/ztos/cli.conf, which a
# running `make demo` writes): a test that wants one names it.
export ZTOS_CLI_CONFIG=${ZTOS_CLI_CONFIG-}
_tap_n=0

ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
not_ok() { _tap_n=$((_tap_n + 1)); echo "not ok $_tap_n - $*"; }
skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $1 # SKIP $2"; }

# check NAME CMD...: one case, passing when CMD exits 0; prints CMD's output on failure.
check() {
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$name"
	else
		not_ok "$name"
		printf '%s\n' "$out" | sed 's/^/#   /' | tail -n 20
	fi
}

# check_rss NAME CMD...: check of a memory bound. Under SAN=1 (make test SAN=1) it is a
# skip: the RSS is then mostly ASan's (shadow memory, redzones, the quarantine of freed
# blocks), not the program's; the plain build's run checks the bound.
check_rss() {
	if [ "${SAN:-}" = 1 ]; then
		skip "$1" "a memory bound, and this build has ASan (its shadow and quarantine are in the RSS)"
	else
		check "$@"
	fi
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   expected: $2"
		echo "#   got:      $3"
	fi
}

# wait_until SECONDS CMD...: runs CMD every 50 ms until it succeeds; returns 1 when
# SECONDS went by first. Tests wait on the condition they need, never on a fixed time:
# a fast machine must not outrun them, a loaded one must not time them out. CMD is run
# again each time, but its arguments are expanded once: "$(...)" in them is a constant,
# so a condition that reads something goes in a function (at_least below).
wait_until() {
	local tries=$(($1 * 20))
	shift
	while ! "$@" >/dev/null 2>&1; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || return 1
		sleep 0.05
	done
}

# sse_following FILE: the stream written to FILE has been set up by the agent (its
# ": following the event log" comment is there), so it sees every later event.
sse_following() { grep -qs '^: following the event log' "$1"; }

# followers_at_least N [SOCK]: N event streams are open on the agent, each past the point
# where it sees every later event (the CLI's --follow prints nothing to wait on).
followers_at_least() { at_least "$1" metric ztos_api_event_followers "${2:-$SOCK}"; }

# at_least N CMD...: CMD prints a number that is N or more.
at_least() {
	local n=$1 v
	shift
	v=$("$@") && [ "${v:-0}" -ge "$n" ]
}

# metric NAME [SOCK]: the sum of NAME's samples in the agent's /metrics (unix socket).
metric() {
	curl -s --unix-socket "${2:-$SOCK}" http://localhost/metrics |
		awk -v n="$1" '$1 == n || index($1, n "{") == 1 { s += $2 } END { print s + 0 }'
}

# sighup_wait PID [SOCK]: SIGHUP to the agent, then wait until it has finished the
# reload (taken or refused: ztos_config_reloads_total counts both).
sighup_wait() {
	local before
	before=$(metric ztos_config_reloads_total "${2:-$SOCK}")
	kill -HUP "$1" || return 1
	wait_until 30 at_least $((before + 1)) metric ztos_config_reloads_total "${2:-$SOCK}"
}

# listening NS PORT: a TCP socket listens on PORT in network namespace NS.
listening() { ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q .; }

# capture_start VAR NS IFACE FILE [FILTER...]: tcpdump in NS writing every frame to FILE
# as it arrives (--immediate-mode: no buffering in the ring; -U: no buffering in the
# file); returns once it is listening, with its pid in VAR.
capture_start() {
	local var=$1 ns=$2 ifc=$3 file=$4 pid
	shift 4
	ip netns exec "$ns" tcpdump -Z root --immediate-mode -U -nn -e -i "$ifc" -w "$file" \
		"$@" 2>"$file.err" &
	pid=$!
	printf -v "$var" %s "$pid"
	wait_until 20 grep -qs 'listening on' "$file.err"
}

# pcap_frames FILE [FILTER...]: how many frames FILE holds (matching FILTER).
pcap_frames() {
	local file=$1
	shift
	tcpdump -r "$file" -nn "$@" 2>/dev/null | wc -l
}

# capture_wait FILE N [SECONDS]: until FILE holds at least N frames.
capture_wait() { wait_until "${3:-10}" at_least "$2" pcap_frames "$1"; }

# capture_stop PID: tcpdump writes what it has and ends.
capture_stop() {
	kill -INT "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	return 0
}

# ping_stream_start NS ADDR FILE: an echo request every 10 ms from namespace NS to ADDR,
# each reply written to FILE as it comes, from now until stream_stop, however slow the
# machine (stopped on conditions, not after a time). Losses are the replies missing
# between the first and the last.
ping_stream_start() {
	STREAM_FILE=$3
	ip netns exec "$1" stdbuf -oL ping -i 0.01 -c 1000000 -W 1 "$2" >"$STREAM_FILE" 2>&1 &
	STREAM_PID=$!
}
# Only echo replies count: an error report (Destination Host Unreachable) has an icmp_seq too.
stream_seqs() { sed -n 's/^[0-9]* bytes from .* icmp_seq=\([0-9]*\) .*/\1/p' "$STREAM_FILE"; }
stream_replies() { stream_seqs | wc -l; }
# more_replies N: N more replies arrive (traffic crosses now).
more_replies() { wait_until 60 at_least $(($(stream_replies) + $1)) stream_replies; }

# stream_stop: the stream ends; STREAM_GOT replies of STREAM_SENT requests, sequence
# numbers STREAM_FIRST..STREAM_LAST, STREAM_LOST missing in between.
stream_stop() {
	local seqs
	kill -INT "$STREAM_PID"
	wait "$STREAM_PID"
	seqs=$(stream_seqs | sort -n | uniq)
	STREAM_FIRST=$(head -n 1 <<<"$seqs") STREAM_LAST=$(tail -n 1 <<<"$seqs")
	STREAM_GOT=$(grep -c . <<<"$seqs")
	STREAM_LOST=$((${STREAM_LAST:-0} - ${STREAM_FIRST:-0} + 1 - STREAM_GOT))
	STREAM_SENT=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$STREAM_FILE")
}

# A scratch agent: its own config, token, socket, state and log, on a free loopback port.
agent_setup() {
	WORK=$(mktemp -d /tmp/ztos-test.XXXXXX)
	chmod 700 "$WORK"
	# The agent's pins live on the host's bpffs, in a folder of this test's own.
	BPFFS=/sys/fs/bpf/${BPFFS_PREFIX:-ztos-test}-${WORK##*.}
	PORT=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	API=http://127.0.0.1:$PORT
	SOCK=$WORK/api.sock
	CONFIG=$WORK/ztos.yaml
	EVENTS=$WORK/log/events.json
	cat >"$CONFIG" <<YAML
version: 1
agent:
  api: {listen: "127.0.0.1:$PORT", socket: $SOCK, token_file: $WORK/token}
  state_dir: $WORK/state
  bpffs: $BPFFS
  log: {file: $EVENTS, syslog: false${LOG_EXTRA:-}}
${CONFIG_EXTRA:-}
YAML
	trap agent_teardown EXIT
}

# start_agent_case NAME [PREFIX...]: agent_start as a test case; stops the script when
# it fails.
start_agent_case() {
	local name=$1

	shift
	if agent_start "$@"; then
		ok "$name"
	else
		not_ok "$name"
		sed 's/^/#   /' "$WORK/ztosd.log"
		exit 1
	fi
}

# agent_start [PREFIX...]: ztosd in the background, run through PREFIX (e.g. nsenter);
# waits for its socket and token. Its log is appended to $WORK/ztosd.log.
agent_start() {
	"$@" "$ZTOSD" --config "$CONFIG" --log-level debug >>"$WORK/ztosd.log" 2>&1 &
	AGENT_PID=$!
	for _ in $(seq 600); do
		[ -S "$SOCK" ] && [ -s "$WORK/token" ] && break
		kill -0 "$AGENT_PID" 2>/dev/null || break
		sleep 0.05
	done
	TOKEN=$(cat "$WORK/token" 2>/dev/null)
	[ -S "$SOCK" ]
}

agent_stop() {
	[ -n "${AGENT_PID:-}" ] || return 0
	kill -TERM "$AGENT_PID" 2>/dev/null
	wait "$AGENT_PID"
	AGENT_RC=$?
	AGENT_PID=
	return 0
}

# Also run from scripts under set -e (bench/): every step may fail, none may stop it.
agent_teardown() {
	if [ -n "${AGENT_PID:-}" ]; then
		kill -KILL "$AGENT_PID" 2>/dev/null || true
		wait "$AGENT_PID" 2>/dev/null || true
	fi
	if [ -n "${CONFIG:-}" ] && [ -f "$CONFIG" ]; then
		"$ZTOSD" --cleanup --config "$CONFIG" >/dev/null 2>&1 || true
	fi
	if [ -n "${WORK:-}" ]; then
		rm -rf "$WORK"
	fi
	return 0
}

# api METHOD PATH [curl args...]: prints the body, then the status code on the last line.
api() {
	local method=$1 path=$2
	shift 2
	curl -s -o - -w '\n%{http_code}' -X "$method" -H "Authorization: Bearer $TOKEN" \
		"$@" "$API$path"
}

# sock METHOD PATH [curl args...]: the same over the unix socket, without a token.
sock() {
	local method=$1 path=$2
	shift 2
	curl -s -o - -w '\n%{http_code}' -X "$method" --unix-socket "$SOCK" "$@" \
		"http://localhost$path"
}

status_of() { tail -n 1 <<<"$1"; }
body_of() { sed '$d' <<<"$1"; }

# with_syslog FILE CMD...: CMD in a mount namespace of its own whose /dev is a tmpfs, with
# a listener on /dev/log writing every message it gets to FILE, one a line: the host's
# syslog is never touched. Returns CMD's exit status.
with_syslog() {
	local file=$1

	shift
	unshare --mount --propagation private bash -c '
		mount -t tmpfs tmpfs /dev || exit 1
		mknod -m 666 /dev/null c 1 3
		/usr/bin/python3 -c "
import signal, socket, sys
stop = []
signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
s.settimeout(0.1)
with open(sys.argv[1], \"wb\") as out:
    while True:
        try:
            out.write(s.recv(65536) + b\"\\n\"); out.flush()
        except socket.timeout:
            if stop:
                break
" "$0" &
		for _ in $(seq 50); do [ -S /dev/log ] && break; sleep 0.05; done
		"$@"
		rc=$?
		kill %1	# it reads what is queued, then stops
		wait
		exit $rc
	' "$file" "$@"
}

# wg_key FILE: a WireGuard private key (base64 of 32 random bytes), mode 0600.
wg_key() {
	head -c 32 /dev/urandom | base64 >"$1"
	chmod 600 "$1"
}
