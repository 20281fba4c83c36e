#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Requests that libmicrohttpd 0.9.75 would take but a proxy in front might read another
# way (request smuggling) are refused with 400 and the connection closed: two
# Content-Length headers, Content-Length with Transfer-Encoding, a header name that is no
# token ("Transfer-Encoding : chunked"), a NUL in the path or query. Each carries the token,
# so that only the framing can refuse it; a well-framed request on the same path works.
set -u
. "$(dirname "$0")/../lib.sh"

LOG_EXTRA=""
agent_setup
start_agent_case "agent starts"

# raw NAME BYTES (python literal): the status line of each answer on one connection, "|"-joined,
# and "(framing)" when the refusal was about framing.
raw() {
	/usr/bin/python3 - "$PORT" "$TOKEN" "$2" <<'PY'
import ast, socket, sys
port, token, req = int(sys.argv[1]), sys.argv[2], ast.literal_eval(sys.argv[3])
req = req.replace(b"AUTH", ("Authorization: Bearer " + token).encode())
s = socket.create_connection(("127.0.0.1", port))
s.settimeout(5)
s.sendall(req)
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
except socket.timeout:
    out += b"\r\n(timeout: the connection stayed open)"
lines = [l.decode() for l in out.split(b"\r\n") if l.startswith((b"HTTP/1.1", b"(timeout"))]
print("|".join(lines) + (" (framing)" if b"framed ambiguously" in out else ""))
PY
}

P='b"POST /api/v1/network/configure?dry_run=1 HTTP/1.1\r\nHost: x\r\nAUTH\r\n'
r=$(raw dup-cl "$P"'Content-Length: 2\r\nContent-Length: 30\r\n\r\n{}"')
expect_eq "two Content-Length headers: 400, connection closed" "HTTP/1.1 400 Bad Request (framing)" "$r"
r=$(raw te-cl "$P"'Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"')
expect_eq "Content-Length and Transfer-Encoding: 400, connection closed" "HTTP/1.1 400 Bad Request (framing)" "$r"
r=$(raw te-space "$P"'Transfer-Encoding : chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"')
expect_eq "\"Transfer-Encoding : chunked\": 400, connection closed (no second request)" \
	"HTTP/1.1 400 Bad Request (framing)" "$r"
r=$(raw nul-path 'b"GET /api/v1/status\0junk HTTP/1.1\r\nHost: x\r\nAUTH\r\n\r\n"')
expect_eq "a NUL in the path: 400" "HTTP/1.1 400 Bad Request (framing)" "$r"
r=$(raw nul-query 'b"GET /api/v1/monitoring/logs?limit=5\0x HTTP/1.1\r\nHost: x\r\nAUTH\r\n\r\n"')
expect_eq "a NUL in the query: 400" "HTTP/1.1 400 Bad Request (framing)" "$r"
r=$(raw good 'b"GET /api/v1/status?x=1 HTTP/1.1\r\nHost: x\r\nAUTH\r\nConnection: close\r\n\r\n"')
expect_eq "the same path, well framed: 200" "HTTP/1.1 200 OK" "$r"
r=$(raw chunked "$P"'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n2\r\n{}\r\n0\r\n\r\n"')
expect_eq "a chunked body alone: 200" "HTTP/1.1 200 OK" "$r"
r=$(raw spaced 'b"GET /api/v1/status HTTP/1.1\r\nHost: x\r\nAUTH\r\nConnection: close\r\n\r\n"')
expect_eq "a plain request on the same kind of connection: 200" "HTTP/1.1 200 OK" "$r"
body=$(curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Length: 2' -H 'Content-Length: 3' \
	--data-binary '{}' "$API/api/v1/network/configure?dry_run=1")
check "the 400 says what and why" grep -q 'framed ambiguously: more than one Content-Length header; no proxy may sit in front' <<<"$body"
