#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# GET /api/v1/status on ztosd vs nginx serving the same JSON body as a static file, with
# wrk at 64 connections, in one run on one machine. Compare the ratio, not the absolute
# numbers (these machines are noisy). Last lines:
#   api_status_rps N / nginx_status_rps N / api_vs_nginx_ratio R / api_p99_ms N
# Usage: sudo bench/api.sh [DURATION_S] [CONNECTIONS]
set -eu
cd "$(dirname "$0")/.."
dur=${1:-10}
conns=${2:-64}
threads=$(nproc)

[ -x "${BUILD:-build}/ztosd" ] || make -s
command -v wrk >/dev/null && command -v nginx >/dev/null || scripts/deps.sh

. tests/lib.sh
agent_setup
agent_start || { echo "ztosd did not start:"; cat "$WORK/ztosd.log"; exit 1; }
# nginx's workers drop root: its files live in a folder they can read.
NG=$(mktemp -d /tmp/ztos-bench-nginx.XXXXXX)
chmod 755 "$NG"
trap 'kill $(cat "$NG/nginx.pid" 2>/dev/null) 2>/dev/null; rm -rf "$NG"; agent_teardown' EXIT

# nginx: the same body, as a static file, on another loopback port.
nport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$NG/www/api/v1"
curl -sf -H "Authorization: Bearer $TOKEN" "$API/api/v1/status" >"$NG/www/api/v1/status"
chmod -R a+rX "$NG/www"
cat >"$NG/nginx.conf" <<NGINX
worker_processes auto;
pid $NG/nginx.pid;
error_log $NG/nginx.err;
daemon on;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_requests 1000000;
	client_body_temp_path $NG/tmp; proxy_temp_path $NG/tmp; fastcgi_temp_path $NG/tmp;
	uwsgi_temp_path $NG/tmp; scgi_temp_path $NG/tmp;
	server {
		listen 127.0.0.1:$nport;
		root $NG/www;
		location / { default_type application/json; }
	}
}
NGINX
mkdir -p "$NG/tmp"
nginx -c "$NG/nginx.conf"
curl -sf "http://127.0.0.1:$nport/api/v1/status" >/dev/null

# wrk's --latency block: "99%  1.23ms" -> milliseconds
p99_ms() {
	awk '$1 == "99%" {
		v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
		if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000;
		printf "%.3f\n", v }' "$1"
}
rps() { awk '/^Requests\/sec:/ { printf "%.0f\n", $2 }' "$1"; }

echo "machine: $(nproc) cores, $(uname -r), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "wrk: $threads threads, $conns connections, ${dur}s each"
wrk -t"$threads" -c"$conns" -d"${dur}s" --latency -H "Authorization: Bearer $TOKEN" \
	"$API/api/v1/status" >"$WORK/wrk-api.txt"
wrk -t"$threads" -c"$conns" -d"${dur}s" --latency "http://127.0.0.1:$nport/api/v1/status" \
	>"$WORK/wrk-nginx.txt"
grep -E 'Non-2xx|Socket errors' "$WORK"/wrk-*.txt || true

api=$(rps "$WORK/wrk-api.txt")
ngx=$(rps "$WORK/wrk-nginx.txt")
echo "nginx_p99_ms $(p99_ms "$WORK/wrk-nginx.txt")"
echo "api_status_rps $api"
echo "nginx_status_rps $ngx"
echo "api_vs_nginx_ratio $(awk -v a="$api" -v n="$ngx" 'BEGIN { printf "%.2f\n", a / n }')"
echo "api_p99_ms $(p99_ms "$WORK/wrk-api.txt")"
