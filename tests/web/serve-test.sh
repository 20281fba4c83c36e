#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# ztosd serves the dashboard (web/dist, built into it) at / : public GET/HEAD, the right
# content types and caching, a strict CSP, gzip and ETags; no path reaches outside the
# built-in files; the API and /metrics still need the token.
set -u
. "$(dirname "$0")/../lib.sh"

DIST=$TOP/web/dist
agent_setup
start_agent_case "agent starts"

hdr() { curl -s -D - -o /dev/null "$@"; }
header() { grep -i "^$1:" | head -n 1 | cut -d' ' -f2- | tr -d '\r'; }

h=$(hdr "$API/")
expect_eq "GET / without a token: 200" 200 "$(head -n 1 <<<"$h" | cut -d' ' -f2)"
expect_eq "GET /: text/html; charset=utf-8" "text/html; charset=utf-8" "$(header Content-Type <<<"$h")"
expect_eq "GET /: index.html is revalidated (no-cache)" no-cache "$(header Cache-Control <<<"$h")"
csp=$(header Content-Security-Policy <<<"$h")
check "GET /: CSP allows only its own scripts (script-src 'self')" grep -q "script-src 'self';" <<<"$csp"
check "GET /: CSP has no unsafe-inline or unsafe-eval" bash -c "! grep -q unsafe <<<\"$csp\""
check "GET /: CSP: default-src 'none', connect-src 'self', frame-ancestors 'none'" bash -c \
	"grep -q \"default-src 'none'\" <<<\"$csp\" && grep -q \"connect-src 'self'\" <<<\"$csp\" && grep -q \"frame-ancestors 'none'\" <<<\"$csp\""
expect_eq "GET /: X-Content-Type-Options nosniff" nosniff "$(header X-Content-Type-Options <<<"$h")"
expect_eq "GET /: Referrer-Policy no-referrer" no-referrer "$(header Referrer-Policy <<<"$h")"
check "GET /: the body is web/dist/index.html" cmp <(curl -s "$API/") "$DIST/index.html"
check "index.html loads nothing from another origin" bash -c "! grep -Eq '(src|href)=\"(https?:)?//' '$DIST/index.html'"

js=$(grep -o '/assets/app-[A-Z0-9]*\.js' "$DIST/index.html")
css=$(grep -o '/assets/app-[A-Z0-9]*\.css' "$DIST/index.html")
h=$(hdr "$API$js")
expect_eq "GET $js: text/javascript" "text/javascript; charset=utf-8" "$(header Content-Type <<<"$h")"
expect_eq "GET $js: hashed name, cached for good" "public, max-age=31536000, immutable" "$(header Cache-Control <<<"$h")"
check "GET $js: the body is the file" cmp <(curl -s "$API$js") "$DIST$js"
expect_eq "GET $css: text/css" "text/css; charset=utf-8" "$(header Content-Type <<<"$(hdr "$API$css")")"
expect_eq "GET /favicon.svg: image/svg+xml" image/svg+xml "$(header Content-Type <<<"$(hdr "$API/favicon.svg")")"

h=$(hdr -H 'Accept-Encoding: gzip' "$API$js")
expect_eq "Accept-Encoding: gzip: Content-Encoding gzip" gzip "$(header Content-Encoding <<<"$h")"
check "the gzipped body unpacks to the file" cmp <(curl -s -H 'Accept-Encoding: gzip' "$API$js" | gunzip) "$DIST$js"
expect_eq "Vary: Accept-Encoding" Accept-Encoding "$(header Vary <<<"$h")"
check "no gzip asked: none given" bash -c "! curl -s -D - -o /dev/null '$API$js' | grep -qi '^Content-Encoding'"

etag=$(header ETag <<<"$(hdr "$API/")")
check "GET / has an ETag" test -n "$etag"
expect_eq "If-None-Match with it: 304" 304 "$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" "$API/")"
expect_eq "If-None-Match with another: 200" 200 "$(curl -s -o /dev/null -w '%{http_code}' -H 'If-None-Match: "x"' "$API/")"

h=$(curl -s -I "$API/")
expect_eq "HEAD /: 200" 200 "$(head -n 1 <<<"$h" | cut -d' ' -f2)"
expect_eq "HEAD /: Content-Length of index.html" "$(stat -c %s "$DIST/index.html")" "$(header Content-Length <<<"$h")"
expect_eq "HEAD /: no body" 0 "$(curl -s -I -o /dev/null -w '%{size_download}' "$API/")"

for page in network security flows alerts topology; do
	check "GET /$page (a page of the app): index.html" cmp <(curl -s "$API/$page?port=80") "$DIST/index.html"
done

r=$(curl -s -w '\n%{http_code}' -X POST -d x "$API/")
expect_eq "POST /: 405" 405 "$(status_of "$r")"
expect_eq "POST /: method_not_allowed" method_not_allowed "$(body_of "$r" | jq -r .error.code)"
check "405 names the allowed method" grep -qi '^Allow: GET' <<<"$(curl -s -D - -o /dev/null -X PUT "$API/")"

# Only the dashboard's own files and pages are public: any other path takes the token
# check (401 without it), and with the token there is no such route (404).
for p in /nope.js /assets/app-0000.js /network/x /Flows /index.htm; do
	expect_eq "GET $p without a token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$API$p")"
	r=$(api GET "$p")
	expect_eq "GET $p with the token: 404 not_found" "404 not_found" "$(status_of "$r") $(body_of "$r" | jq -r .error.code)"
done
# Nothing is read from disk: no path leads to a file outside the built-in table.
for p in '/../../../../etc/passwd' '/assets/../../../etc/passwd' '/%2e%2e/%2e%2e/etc/passwd' \
	'/..%2f..%2fetc%2fpasswd' '//etc/passwd' "/..$WORK/token"; do
	expect_eq "GET $p without a token: 401" 401 \
		"$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$API$p")"
	r=$(curl -s --path-as-is -w '\n%{http_code}' -H "Authorization: Bearer $TOKEN" "$API$p")
	check "GET $p: 404, and no file's content" bash -c "[ '$(status_of "$r")' = 404 ] && ! grep -q 'root:' <<<'$(body_of "$r")' && ! grep -qF '$TOKEN' <<<'$(body_of "$r")'"
done

# The URL ends at a NUL (libmicrohttpd decodes it): still only a built-in file.
check "GET /index.html%00.js: index.html at most" cmp <(curl -s "$API/index.html%00.js") "$DIST/index.html"

# The data is not public.
for p in /api/v1/status /api/v1/flows /api /api/ /api/v1/nope /metrics; do
	expect_eq "GET $p without a token: 401" 401 "$(curl -s -o /dev/null -w '%{http_code}' "$API$p")"
done
expect_eq "with the token, /api/v1/status: 200" 200 "$(status_of "$(api GET /api/v1/status)")"
check "API answers stay no-store" grep -qi '^Cache-Control: no-store' <<<"$(hdr -H "Authorization: Bearer $TOKEN" "$API/api/v1/status")"
check "the unix socket serves the page too" cmp <(curl -s --unix-socket "$SOCK" http://localhost/) "$DIST/index.html"
# The dashboard's own paths: /, its pages, and the files of web/dist.
own=$(printf '%s\n' / /network /security /flows /alerts /topology
	(cd "$DIST" && find . -type f | sed 's|^\.||'))
check "the dashboard's own files are not logged as auth failures" bash -c \
	"! jq -r 'select(.event_type==\"auth\") | .auth.url' '$EVENTS' | sed 's/[?].*//' | grep -qxF '$own'"
