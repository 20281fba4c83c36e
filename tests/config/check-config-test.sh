#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# ztosd --check-config and ztos config validate: exit codes and FILE:LINE:COL errors.
set -u
. "$(dirname "$0")/../lib.sh"
cd "$TOP"
T=$(mktemp -d /tmp/ztos-check.XXXXXX)
trap 'rm -rf "$T"' EXIT

for f in config/examples/minimal.yaml config/examples/full.yaml; do
	check "ztosd --check-config $f exits 0" "$ZTOSD" --check-config "$f"
	check "ztos config validate $f exits 0" "$ZTOS" config validate "$f"
done

# A wrong VNI on line 7.
cat >"$T/bad-vni.yaml" <<'YAML'
version: 1
tenants:
  - name: blue
    vni: 100
    vteps: [192.0.2.2]
  - name: red
    vni: 16777216
YAML
out=$("$ZTOSD" --check-config "$T/bad-vni.yaml" 2>&1)
expect_eq "wrong VNI: exit 1" 1 $?
check "wrong VNI: the error is at $T/bad-vni.yaml:7:COL" grep -qE "^$T/bad-vni.yaml:7:[0-9]+: " <<<"$out"
check "wrong VNI: the message gives the range" grep -q "16777215" <<<"$out"
out=$("$ZTOS" config validate "$T/bad-vni.yaml" 2>&1)
expect_eq "ztos config validate, wrong VNI: exit 1" 1 $?
check "ztos config validate prints the same location" grep -qE "bad-vni.yaml:7:[0-9]+: " <<<"$out"

printf 'version: 1\ntenants:\n  - name: blue\n    vni: 100\n    vtep: [192.0.2.2]\n' >"$T/typo.yaml"
out=$("$ZTOSD" --check-config "$T/typo.yaml" 2>&1)
expect_eq "unknown key: exit 1" 1 $?
check "unknown key: did you mean 'vteps'" grep -qE "typo.yaml:5:5: .*vteps" <<<"$out"

printf 'version: 1\ntenants:\n  - name: blue\n    vni: [100\n' >"$T/broken.yaml"
out=$("$ZTOSD" --check-config "$T/broken.yaml" 2>&1)
expect_eq "malformed YAML: exit 1" 1 $?
check "malformed YAML: FILE:LINE:COL" grep -qE "broken.yaml:[0-9]+:[0-9]+: " <<<"$out"

printf 'version: 1\ntenants:\n  - {name: a, vni: 100}\n  - {name: b, vni: 100}\n' >"$T/dup.yaml"
out=$("$ZTOSD" --check-config "$T/dup.yaml" 2>&1)
expect_eq "duplicate VNI: exit 1" 1 $?
check "duplicate VNI: reported at line 4" grep -qE "dup.yaml:4:[0-9]+: " <<<"$out"

printf 'version: 1\ndpi:\n  rules: [missing.rules]\n' >"$T/missing.yaml"
out=$("$ZTOSD" --check-config "$T/missing.yaml" 2>&1)
expect_eq "missing rules file: exit 1" 1 $?
check "missing rules file: named with its path" grep -q "$T/missing.rules" <<<"$out"

head -c 32 /dev/urandom | base64 >"$T/wg.key"
chmod 644 "$T/wg.key"
printf 'version: 1\nwireguard:\n  interface: ztwg0\n  private_key_file: wg.key\n' >"$T/wg.yaml"
out=$("$ZTOSD" --check-config "$T/wg.yaml" 2>&1)
expect_eq "world-readable private key: exit 1" 1 $?
check "world-readable private key: says chmod 600" grep -q "chmod 600" <<<"$out"
check "the key never appears in the error" bash -c "! grep -qF '$(cat "$T/wg.key")' <<<'$out'"
chmod 600 "$T/wg.key"
check "private key with mode 0600: exit 0" "$ZTOSD" --check-config "$T/wg.yaml"

# A secret is its owner's alone: any bit for group or others, or another owner, is refused.
od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$T/m.key"
printf 'version: 1\nmacsec: {interface: ztm0, parent: lo, tx_sa: {an: 0, key_id: "01", key_file: m.key}}\n' >"$T/m.yaml"
# refused_mode FILE CONFIG MODE TEXT: with FILE at MODE, CONFIG is refused, saying TEXT.
refused_mode() {
	local out rc name

	name=$(basename "$1")
	chmod "$3" "$1"
	out=$("$ZTOSD" --check-config "$2" 2>&1)
	rc=$?
	expect_eq "$name with mode 0$3: exit 1" 1 "$rc"
	check "$name with mode 0$3: says $4" grep -qF "$4" <<<"$out"
}
for f in wg m; do
	for mode in 640 660 620 602 604 610; do
		refused_mode "$T/$f.key" "$T/$f.yaml" "$mode" "chmod 600 $T/$f.key"
	done
	chmod 600 "$T/$f.key"
	check "$f.key with mode 0600: exit 0" "$ZTOSD" --check-config "$T/$f.yaml"
	chown nobody "$T/$f.key"
	out=$("$ZTOSD" --check-config "$T/$f.yaml" 2>&1)
	expect_eq "$f.key of mode 0600 owned by nobody: exit 1" 1 $?
	check "$f.key owned by nobody: says chown" grep -q "belongs to uid $(id -u nobody).*chown 0 $T/$f.key" <<<"$out"
	chown root "$T/$f.key"
done

# Key files are opened once, following no link and waiting on no FIFO.
ln -s "$T/wg.key" "$T/wg-link.key"
sed 's|wg.key|wg-link.key|' "$T/wg.yaml" >"$T/wg-link.yaml"
out=$("$ZTOSD" --check-config "$T/wg-link.yaml" 2>&1)
expect_eq "private key behind a symbolic link: exit 1" 1 $?
check "a symbolic link: named as one" grep -q "wg-link.key is a symbolic link" <<<"$out"
mkfifo -m 600 "$T/wg-fifo.key"
sed 's|wg.key|wg-fifo.key|' "$T/wg.yaml" >"$T/wg-fifo.yaml"
out=$(timeout 10 "$ZTOSD" --check-config "$T/wg-fifo.yaml" 2>&1)
expect_eq "private key that is a FIFO: exit 1 (not a wait)" 1 $?
check "a FIFO: not a regular file" grep -q "wg-fifo.key is not a regular file" <<<"$out"

# A TLS key may be read by its group (root:ssl-cert 0640), no more.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=127.0.0.1 -keyout "$T/tls.key" -out "$T/tls.pem" 2>/dev/null
printf 'version: 1\nagent: {api: {tls: {cert: tls.pem, key: tls.key}}}\n' >"$T/tls.yaml"
chmod 640 "$T/tls.key"
check "TLS key with mode 0640: exit 0" "$ZTOSD" --check-config "$T/tls.yaml"
for mode in 660 644 604; do
	refused_mode "$T/tls.key" "$T/tls.yaml" "$mode" "chmod 640 $T/tls.key"
done
chmod 600 "$T/tls.key"
chown nobody "$T/tls.key"
out=$("$ZTOSD" --check-config "$T/tls.yaml" 2>&1)
expect_eq "TLS key owned by nobody: exit 1" 1 $?

out=$("$ZTOSD" --check-config "$T/nonexistent.yaml" 2>&1)
expect_eq "missing config file: exit 1" 1 $?
check "missing config file: names the file" grep -q "nonexistent.yaml" <<<"$out"

# The DPI rule files are checked as the agent loads them.
cat >"$T/local.rules" <<'RULES'
alert tcp any any -> any 80 (msg:"fine"; content:"abc"; sid:1;)
alert tcp any any -> any 80 (msg:"unterminated"; content:"abc; sid:2;)
alert tcp any any -> any 80 (msg:"not ours"; content:"abc"; dsize:10; sid:3;)
RULES
printf 'version: 1\ndpi:\n  enabled: true\n  rules: [local.rules]\n' >"$T/dpi.yaml"
out=$("$ZTOSD" --check-config "$T/dpi.yaml" 2>&1)
expect_eq "a rule with bad syntax: exit 1" 1 $?
check "a rule with bad syntax: FILE:LINE:COL of the rule" grep -qE "local.rules:2:[0-9]+: " <<<"$out"
sed -i 2d "$T/local.rules"
out=$("$ZTOSD" --check-config "$T/dpi.yaml" 2>&1)
expect_eq "an unsupported keyword only: exit 0" 0 $?
check "an unsupported keyword: a warning naming the rule and the keyword" \
	grep -qE "warning: .*local.rules:2:[0-9]+: .*'dsize'.*skipped" <<<"$out"

# Rule files: refused past 64 MiB before being read whole, and read a rule at a time (a
# one-line file cost 9 times its size; 100 MiB passed the 64 MiB limit).
/usr/bin/python3 -c "
import sys
with open(sys.argv[1], 'w') as f:
    line = '# ' + 'c' * 1022 + '\n'
    for _ in range(100 * 1024):
        f.write(line)
open(sys.argv[2], 'w').write('a' * (40 << 20))
" "$T/huge.rules" "$T/one.rules"
for r in huge one; do
	printf 'version: 1\ndpi: {enabled: true, rules: [%s.rules]}\n' "$r" >"$T/$r.yaml"
	out=$(/usr/bin/time -f "maxrss %M" "$ZTOSD" --check-config "$T/$r.yaml" 2>&1)
	rc=$?
	expect_eq "$r.rules: refused" 1 "$rc"
	kb=$(sed -n 's/^maxrss //p' <<<"$out")
	printf '%s\n' "$out" | grep -v maxrss >"$T/$r.out"
	case $r in
	huge)
		check "a 100 MiB rules file: past the 64 MiB limit" grep -q "huge.rules:0:0: cannot read rules: File too large (the limit is 64 MiB)" "$T/huge.out"
		check "a 100 MiB rules file: refused without reading it ($kb kB)" test "$kb" -lt $((32 * 1024)) ;;
	one)
		check "a 40 MiB one-line rules file: one rule too long" grep -q "one.rules:1:1: a rule longer than 65536 bytes" "$T/one.out"
		check_rss "a 40 MiB one-line rules file: read in about its size ($kb kB)" test "$kb" -lt $((40 * 1024 + 24 * 1024)) ;;
	esac
done
rm -f "$T/huge.rules" "$T/one.rules"
