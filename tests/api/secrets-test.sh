#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# No file's content reaches an API client, the event log, syslog or stderr. Every key that
# names a file (dpi.rules, wireguard.private_key_file, macsec key_file, agent.api.tls) is
# pointed at a root-only file holding a known secret, in the config file and over the API;
# then every answer and log is searched for the secret, raw, in hex and in base64. Rules
# files named over the API must be in dpi.rules_dir and none of the agent's secrets, and
# key file errors over the API do not tell one unusable file from another.
set -u
. "$(dirname "$0")/../lib.sh"

LOG_EXTRA=""
agent_setup
SECRET="ZtSecret$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
OUT=$WORK/seen	# everything the test was shown, one file per source
mkdir -p "$OUT" "$WORK/rules"

# The secret where each parser step looks: a rule's fields, a key file's single line.
cat >"$WORK/secret.txt" <<EOF
$SECRET
$SECRET tcp any any -> any any (content:"x"; sid:1;)
alert $SECRET any any -> any any (content:"x"; sid:2;)
alert tcp $SECRET any -> any any (content:"x"; sid:3;)
alert tcp any $SECRET -> any any (content:"x"; sid:4;)
alert tcp any any $SECRET any any (content:"x"; sid:5;)
alert tcp any any -> any any ($SECRET; content:"x"; sid:6;)
alert tcp any any -> any any (content:"x"; sid:$SECRET;)
alert tcp any any -> any any (content:"x"; flow:$SECRET; sid:8;)
alert tcp any any -> any any (content:"x"; pcre:"/($SECRET/"; sid:9;)
alert tcp any any -> any any (content:"|$SECRET|"; sid:10;)
EOF
chmod 600 "$WORK/secret.txt"
cp "$WORK/secret.txt" "$WORK/rules/leak.rules"
ln -s "$WORK/secret.txt" "$WORK/rules/link.rules"
wg_key "$WORK/wg.key"

# --check-config of a file naming the secret file under each key.
check_file() {
	local name=$1 body=$2 out

	printf 'version: 1\n%s\n' "$body" >"$WORK/$name.yaml"
	out=$("$ZTOSD" --check-config "$WORK/$name.yaml" 2>&1)
	expect_eq "--check-config, $name is the secret file: refused" 1 $?
	printf '%s\n' "$out" >"$OUT/check-$name.txt"
}
check_file dpi-rules "dpi: {enabled: true, rules: [$WORK/secret.txt]}"
check_file wg-key "wireguard: {interface: ztsec0, private_key_file: $WORK/secret.txt}"
check_file macsec-key "macsec: {interface: ztsecm0, parent: lo, tx_sa: {an: 0, key_id: '01', key_file: $WORK/secret.txt}}"
check_file tls "agent: {api: {listen: '127.0.0.1:1', tls: {cert: $WORK/secret.txt, key: $WORK/nonexistent.pem}}}"
check "--check-config: the rules' errors say line and column" \
	grep -qE "secret.txt:3:7: " "$OUT/check-dpi-rules.txt"

# An agent whose TLS cert and key are the secret file: it cannot listen, and says so.
cp "$CONFIG" "$WORK/tls.yaml"
sed -i "s|token_file: $WORK/token}|token_file: $WORK/token, tls: {cert: $WORK/secret.txt, key: $WORK/secret.txt}}|" \
	"$WORK/tls.yaml"
sed -i "s|state_dir: $WORK/state|state_dir: $WORK/tls-state|" "$WORK/tls.yaml"
timeout 20 "$ZTOSD" --config "$WORK/tls.yaml" --log-level debug >"$OUT/tls-stderr.txt" 2>&1
check "an agent with the secret file as TLS cert and key does not start" test $? -ne 0
check "it says it cannot listen" grep -q "cannot listen" "$OUT/tls-stderr.txt"

# The agent, with syslog to a listener of ours (a mount namespace with a /dev of its own),
# its token file in rules_dir, and its own config naming the secret as a rules file.
sed -i 's/syslog: false/syslog: true/' "$CONFIG"
sed -i "s|token_file: $WORK/token|token_file: $WORK/rules/token|" "$CONFIG"
cat >>"$CONFIG" <<EOF
dpi: {enabled: true, rules_dir: $WORK/rules, rules: [$WORK/rules/leak.rules]}
EOF
with_syslog "$OUT/syslog.txt" bash -c '
	"$1" --config "$2" --log-level debug >"$0/stderr.txt" 2>&1
	echo "agent exit $?" >"$0/exit.txt"
' "$OUT" "$ZTOSD" "$CONFIG" >"$WORK/unshare.out" 2>&1 &
UNSHARE_PID=$!
for _ in $(seq 200); do [ -S "$SOCK" ] && [ -s "$WORK/rules/token" ] && break; sleep 0.05; done
check "the agent runs with syslog on" test -S "$SOCK"
TOKEN=$(cat "$WORK/rules/token")
AGENT_PID=$(pgrep -f "^$ZTOSD --config $CONFIG" | head -1)

n=0
configure() {	# configure NAME BODY [QUERY]: the answer in $LAST and in $OUT
	local r
	n=$((n + 1))
	r=$(api POST "/api/v1/network/configure${3-?dry_run=1}" --data-binary "$2")
	printf '%s\n' "$r" >"$OUT/api-$n-$1.txt"
	LAST=$r
}
configure rules-outside '{"dpi": {"enabled": true, "rules": ["'"$WORK"'/secret.txt"]}}'
expect_eq "API: a rules file outside rules_dir: 422" 422 "$(status_of "$LAST")"
check "API: the message names dpi.rules_dir" grep -q "not in dpi.rules_dir ($WORK/rules)" <<<"$LAST"
configure rules-dotdot '{"dpi": {"enabled": true, "rules": ["rules/../secret.txt"]}}'
expect_eq "API: rules/../secret.txt (relative, out through ..): 422" 422 "$(status_of "$LAST")"
check "API: .. is resolved before the check" grep -q "$WORK/secret.txt is not in dpi.rules_dir" <<<"$LAST"
configure rules-link '{"dpi": {"enabled": true, "rules": ["'"$WORK"'/rules/link.rules"]}}'
expect_eq "API: a symbolic link in rules_dir to a file outside: 422" 422 "$(status_of "$LAST")"
check "API: the link is named as leading out" grep -q "leads out of dpi.rules_dir" <<<"$LAST"
configure rules-token '{"dpi": {"enabled": true, "rules": ["'"$WORK"'/rules/token"]}}'
expect_eq "API: the agent's token file as a rules file: 422" 422 "$(status_of "$LAST")"
check "API: named as one of the agent's own secret files" grep -q "agent's own secret files" <<<"$LAST"
configure rules-dir '{"dpi": {"rules_dir": "/"}}'
expect_eq "API: dpi.rules_dir over the API: 422" 422 "$(status_of "$LAST")"
configure rules-inside '{"dpi": {"enabled": true, "rules": ["'"$WORK"'/rules/leak.rules"]}}'
expect_eq "API, dry run: a bad rules file in rules_dir: 422" 422 "$(status_of "$LAST")"
check "API: its errors say line and column" grep -q "leak.rules:3:7: " <<<"$LAST"
configure rules-apply '{"dpi": {"enabled": true, "rules": ["'"$WORK"'/rules/leak.rules"]}}' ""
expect_eq "API, applied: a bad rules file in rules_dir: 422" 422 "$(status_of "$LAST")"
configure wg-key '{"wireguard": {"interface": "ztsec0", "private_key_file": "'"$WORK"'/secret.txt"}}'
expect_eq "API: wireguard.private_key_file is the secret file: 422" 422 "$(status_of "$LAST")"
configure macsec-key '{"macsec": {"interface": "ztsecm0", "parent": "lo", "tx_sa": {"an": 0, "key_id": "01", "key_file": "'"$WORK"'/secret.txt"}}}'
expect_eq "API: macsec tx_sa.key_file is the secret file: 422" 422 "$(status_of "$LAST")"
# Over the API a key file's error tells nothing of the file: missing, too large, not a
# key, another user's: one answer (the path aside).
head -c 4096 /dev/urandom | base64 >"$WORK/big.txt"
chmod 600 "$WORK/big.txt"
cp "$WORK/wg.key" "$WORK/nobody.key"
chown nobody "$WORK/nobody.key"
msgs=()
for f in "$WORK/nonexistent.key" "$WORK/big.txt" "$WORK/secret.txt" "$WORK/nobody.key" "$WORK/rules"; do
	configure wg-oracle '{"wireguard": {"interface": "ztsec0", "private_key_file": "'"$f"'"}}'
	msgs+=("$(body_of "$LAST" | jq -r '.error.details[0].message' | sed "s|$f|FILE|g")")
done
expect_eq "API: key file errors read the same for a missing, large, junk, foreign file or a folder" \
	1 "$(printf '%s\n' "${msgs[@]}" | sort -u | wc -l)"
check "API: and that one says what a key file must be" grep -q "cannot be used as a key file" <<<"${msgs[0]}"
out=$("$ZTOSD" --check-config "$WORK/wg-key.yaml" 2>&1)
check "--check-config of a file still says why" grep -q "secret.txt is larger than a key file" <<<"$out"

r=$(api GET /api/v1/status)
printf '%s\n' "$r" >"$OUT/api-status.txt"
check "status: DPI says its rules have errors, by line" grep -q "leak.rules:3:7" <<<"$r"
r=$(api GET '/api/v1/monitoring/logs?limit=4096')
printf '%s\n' "$r" >"$OUT/api-logs.txt"

# A reload of a file naming the secret file as rules: refused, an event says why.
sed -i "s|rules: \[$WORK/rules/leak.rules\]|rules: [$WORK/secret.txt]|" "$CONFIG"
before=$(grep -c '"event_type":"config"' "$EVENTS")
kill -HUP "$AGENT_PID"
for _ in $(seq 100); do
	[ "$(grep -c '"event_type":"config"' "$EVENTS")" -gt "$before" ] && break
	sleep 0.05
done
check "SIGHUP with the secret file as rules: a config error event" \
	bash -c "tail -n 5 '$EVENTS' | grep -q '\"result\":\"error\"'"
kill -TERM "$AGENT_PID"
wait "$UNSHARE_PID"
AGENT_PID=
check "the agent stopped cleanly" grep -q "agent exit 0" "$OUT/exit.txt"
cp "$EVENTS" "$OUT/events.json"
check "syslog got the events" grep -q ' auth - \| config - ' "$OUT/syslog.txt"

# The secret in every form a leak could take: raw, hex, base64 at each alignment.
forms=("$SECRET" "$(printf %s "$SECRET" | od -An -tx1 | tr -d ' \n')")
forms+=("$(printf %s "$SECRET" | od -An -tx1 | tr -d ' \n' | tr a-f A-F)")
for pad in "" "a" "ab"; do
	b=$(printf %s "$pad$SECRET" | base64 -w0)
	forms+=("${b:4:32}")
done
leaks=0
for f in "$OUT"/*; do
	hit=
	for s in "${forms[@]}"; do
		grep -qF -- "$s" "$f" && hit=$s && leaks=$((leaks + $(grep -cF -- "$s" "$f")))
	done
	if [ -z "$hit" ]; then
		ok "no trace of the secret in $(basename "$f")"
	else
		not_ok "no trace of the secret in $(basename "$f")"
		grep -F -- "$hit" "$f" | head -3 | sed 's/^/#   /'
	fi
done
echo "# secret_leaks=$leaks (lines with the secret in some form, over $(ls "$OUT" | wc -l) outputs)"
