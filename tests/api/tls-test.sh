#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The API over TLS (agent.api.tls): HTTPS with the token works, plain HTTP does not.
set -u
. "$(dirname "$0")/../lib.sh"

T=$(mktemp -d /tmp/ztos-tls.XXXXXX)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 \
	-keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null
chmod 600 "$T/key.pem"
LOG_EXTRA=""
agent_setup
trap 'agent_teardown; rm -rf "$T"' EXIT
sed -i "s|token_file: $WORK/token}|token_file: $WORK/token, tls: {cert: $T/cert.pem, key: $T/key.pem}}|" "$CONFIG"
start_agent_case "agent starts with TLS"

code=$(curl -s -o "$T/out" -w '%{http_code}' --cacert "$T/cert.pem" \
	-H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$PORT/api/v1/status")
expect_eq "HTTPS with the token: 200" 200 "$code"
check "HTTPS body is the status" jq -e '.version' "$T/out"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/cert.pem" "https://127.0.0.1:$PORT/api/v1/status")
expect_eq "HTTPS without the token: 401" 401 "$code"
code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/status")
check "plain HTTP on the TLS port gets no answer" test "$code" != 200
check "the ztos CLI speaks TLS (ZTOS_API=https://...)" env ZTOS_API="https://127.0.0.1:$PORT" ZTOS_TOKEN="$TOKEN" ZTOS_CACERT="$T/cert.pem" "$ZTOS" status --json
