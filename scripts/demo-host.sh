# SPDX-License-Identifier: GPL-2.0-only
# The demo's part on the machine the user sits at (scripts/demo.sh, scripts/demo-vm.sh):
# a free port for the dashboard, and the CLI's settings, so that `ztos` finds the demo's
# host 1 without options. Needs DEMO_RUN (the demo's folder: it lists the files written,
# for demo_cli_remove) and step (prints a line).
# shellcheck shell=bash

# demo_free_port: the first port from 8480 nothing listens on
demo_free_port() {
	local p
	for p in $(seq 8480 8580); do
		ss -Hltn "sport = :$p" | grep -q . || { echo "$p"; return 0; }
	done
	return 1
}

# demo_cli_files: the files to write: ZTOS_CLI_CONFIG, else the user's and root's
demo_cli_files() {
	local home
	if [ -n "${ZTOS_CLI_CONFIG:-}" ]; then
		echo "$ZTOS_CLI_CONFIG"
		return
	fi
	if [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
		home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
		[ -n "$home" ] && echo "$SUDO_USER $home/.config/ztos/cli.conf"
	fi
	echo "root $(getent passwd root | cut -d: -f6)/.config/ztos/cli.conf"
}
DEMO_MARK="# Written by the ztos demo (scripts/demo.sh): it points ztos at the demo's host 1."

# demo_cli_write USER FILE PORT TOKEN: as USER (no file of theirs written by root), unless
# a file that is not the demo's is there
demo_cli_write() {
	local user=$1 file=$2 port=$3 token=$4
	if [ -e "$file" ] && ! head -n 1 "$file" | grep -qxF "$DEMO_MARK"; then
		step "$file is not the demo's: left as it is"
		return 1
	fi
	echo "$file" >>"$DEMO_RUN/cli-files"
	printf '%s\n# It goes when the demo ends.\napi = http://127.0.0.1:%s\ntoken = %s\n' \
		"$DEMO_MARK" "$port" "$token" |
		runuser -u "$user" -- sh -c 'umask 077 && mkdir -p "${1%/*}" && cat >"$1"' sh "$file" ||
		{ step "cannot write $file as $user"; return 1; }
}

# demo_cli_setup PORT TOKEN: every file of demo_cli_files names 127.0.0.1:PORT
demo_cli_setup() {
	local line user file ok=1
	while read -r line; do
		if [ -n "${ZTOS_CLI_CONFIG:-}" ]; then
			user=root file=$line
		else
			user=${line%% *} file=${line#* }
		fi
		demo_cli_write "$user" "$file" "$1" "$2" || ok=0
	done < <(demo_cli_files)
	[ $ok -eq 1 ]
}

demo_cli_remove() {
	local f
	[ -f "$DEMO_RUN/cli-files" ] || return 0
	while read -r f; do
		head -n 1 "$f" 2>/dev/null | grep -qxF "$DEMO_MARK" && rm -f "$f"
	done <"$DEMO_RUN/cli-files"
	return 0
}
