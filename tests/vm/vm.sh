#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Run a script as root inside a throw-away VM that boots Debian's own kernel, for the tests
# that need what the host kernel lacks (in-kernel WireGuard, MACsec, VRF) or that must
# pass a stock distribution kernel's BPF verifier.
#
# The VM (qemu, TCG: no KVM here) sees the host's / read-only over virtio-9p with a tmpfs
# overlay on top, so the host's own binaries, libraries, build tree and
# /lib/modules/<kernel> serve it; nothing it writes reaches the host except through the
# results share. The initramfs is only busybox-static and the modules needed to mount
# that root; it is built once per kernel (and per tests/vm/init) into build/vm/.
#
# Usage: tests/vm/vm.sh [--timeout S] [--mem MB] [--cpus N] [--verbose] [--log FILE]
#                       [--forward HOSTPORT:GUESTPORT] [--live] SCRIPT [ARGS...]
#        tests/vm/vm.sh --check      (are qemu, busybox-static and a kernel there?)
# SCRIPT runs in the repository (the same absolute path as on the host) with ARGS; its
# stdout and stderr come back on stdout once the VM is off, and vm.sh exits with its
# exit code. 124: the VM ran past the timeout; 125: vm.sh or the VM itself failed.
# --forward: the VM gets a NIC, eth0 10.0.2.15/24 (qemu's user network, restricted: it
# reaches nothing outside), and the host's 127.0.0.1:HOSTPORT is forwarded to its
# GUESTPORT (scripts/demo-vm.sh: the dashboard). --live: SCRIPT's output comes as it is
# written, not once the VM is off.
# Environment: ZTOS_VM_KERNEL (a vmlinuz to boot instead of the newest Debian one in
# /boot), ZTOS_VM_CACHE (instead of build/vm). BUILD, V and ZTOS_* (but ZTOS_VM_*) are
# passed into the VM.
set -euo pipefail

VM_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$VM_DIR/../.." && pwd)
BUSYBOX=${ZTOS_VM_BUSYBOX:-/bin/busybox}
QEMU=qemu-system-x86_64

# What the initramfs loads to mount the root (dependencies are added from modules.dep),
# and what a kernel must ship to be worth booting.
BOOT_MODULES=(virtio_pci 9pnet_virtio 9p overlay)
FEATURE_MODULES=(wireguard macsec vrf veth vxlan)

timeout_s=300 mem=2048 cpus=2 verbose=0 check=0 log= forward= live=0

usage() {
	sed -n '/^# Usage:/,/^# SCRIPT/p' "$0" | sed 's/^# \{0,1\}//; /^SCRIPT/d' >&2
	exit 125
}

die() {
	echo "vm.sh: $*" >&2
	exit 125
}

while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout_s=${2:?}; shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--cpus) cpus=${2:?}; shift 2 ;;
	--log) log=${2:?}; shift 2 ;;
	--forward) forward=${2:?}; shift 2 ;;
	--live) live=1; shift ;;
	--verbose) verbose=1; shift ;;
	--check) check=1; shift ;;
	-h | --help) usage ;;
	--) shift; break ;;
	-*) echo "vm.sh: unknown option $1" >&2; usage ;;
	*) break ;;
	esac
done
[[ $timeout_s =~ ^[0-9]+$ && $mem =~ ^[0-9]+$ && $cpus =~ ^[0-9]+$ ]] ||
	die "--timeout, --mem and --cpus take whole numbers"
[ -z "$forward" ] || [[ $forward =~ ^[0-9]+:[0-9]+$ ]] ||
	die "--forward takes HOSTPORT:GUESTPORT (two port numbers), not '$forward'"
[ $check -eq 1 ] || [ $# -gt 0 ] || usage

# load_order KVER NAME...: the module files (relative to /lib/modules/KVER) to insmod,
# dependencies first, built-in ones left out; "missing NAME" for a module the kernel lacks.
load_order() {
	local d=/lib/modules/$1
	shift
	[ -f "$d/modules.dep" ] || { printf 'missing %s\n' "$@"; return; }
	awk -v want="$*" '
	function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p); gsub(/-/, "_", p); return p }
	FILENAME ~ /builtin$/ { builtin[base($0)] = 1; next }
	{ line[base(substr($1, 1, length($1) - 1))] = $0 }
	END {
		n = split(want, w, " ")
		for (i = 1; i <= n; i++) {
			m = w[i]; gsub(/-/, "_", m)
			if (m in builtin) continue
			if (!(m in line)) { print "missing " m; continue }
			k = split(line[m], f, " ")
			sub(/:$/, "", f[1])
			for (j = k; j >= 2; j--) if (!(f[j] in seen)) { seen[f[j]] = 1; print f[j] }
			if (!(f[1] in seen)) { seen[f[1]] = 1; print f[1] }
		}
	}' "$d/modules.builtin" "$d/modules.dep" 2>/dev/null
}

# pick_kernel: sets kernel and kver. The newest Debian (-amd64) kernel in /boot whose
# modules include the features; failing that, the newest that can at least mount the root.
pick_kernel() {
	local f v fallback=
	if [ -n "${ZTOS_VM_KERNEL:-}" ]; then
		[ -r "$ZTOS_VM_KERNEL" ] || die "ZTOS_VM_KERNEL=$ZTOS_VM_KERNEL: no such readable file"
		kernel=$ZTOS_VM_KERNEL
		kver=$(basename "$kernel")
		kver=${kver#vmlinuz-}
		[ -d "/lib/modules/$kver" ] || die "no /lib/modules/$kver for $kernel"
		return
	fi
	for f in $(printf '%s\n' /boot/vmlinuz-* | sort -rV); do
		v=${f#/boot/vmlinuz-}
		[ -r "$f" ] || continue
		load_order "$v" "${BOOT_MODULES[@]}" | grep -q '^missing' && continue
		if [[ $v == *-amd64 ]] &&
			! load_order "$v" "${FEATURE_MODULES[@]}" | grep -q '^missing'; then
			kernel=$f kver=$v
			return
		fi
		[ -n "$fallback" ] || fallback=$f
	done
	if [ -n "$fallback" ]; then
		kernel=$fallback kver=${fallback#/boot/vmlinuz-}
		echo "vm.sh: warning: no Debian kernel in /boot ships ${FEATURE_MODULES[*]};" \
			"using $kernel (run scripts/deps.sh for linux-image-amd64)" >&2
		return
	fi
	die "no bootable kernel: /boot has no vmlinuz-* with 9p and overlay modules in" \
		"/lib/modules (run scripts/deps.sh: it installs linux-image-amd64)"
}

check_tools() {
	[ -x "$(command -v "$QEMU")" ] ||
		die "$QEMU not found: run scripts/deps.sh (Debian package qemu-system-x86)"
	[ -x "$BUSYBOX" ] ||
		die "$BUSYBOX not found: run scripts/deps.sh (Debian package busybox-static)"
	# ldd fails on a static binary; a dynamic busybox would find no libc in the initramfs.
	if ldd "$BUSYBOX" >/dev/null 2>&1; then
		die "$BUSYBOX is dynamically linked: run scripts/deps.sh (busybox-static)"
	fi
}

decompress() {
	case $1 in
	*.ko) cat "$1" ;;
	*.ko.xz) if command -v xz >/dev/null; then xz -dc "$1"; else "$BUSYBOX" xz -dc "$1"; fi ;;
	*.ko.gz) gzip -dc "$1" ;;
	*.ko.zst)
		command -v zstd >/dev/null || die "$1 is zstd-compressed: install zstd"
		zstd -qdc "$1" ;;
	*) die "$1: unknown module compression" ;;
	esac
}

# build_initramfs: sets initramfs, building it unless the cache has one for this kernel,
# this init, this busybox and this module list.
build_initramfs() {
	local key tmp m f order
	key=$({
		echo 1
		stat -L -c '%n %s %Y' "$kernel" "$BUSYBOX" "/lib/modules/$kver/modules.dep"
		cat "$VM_DIR/init"
		echo "${BOOT_MODULES[*]}"
	} | sha256sum | cut -c1-16)
	initramfs=$cache/initramfs-$kver-$key.cpio
	[ -s "$initramfs" ] && return
	mkdir -p "$cache" || die "cannot create $cache (set ZTOS_VM_CACHE)"
	order=$(load_order "$kver" "${BOOT_MODULES[@]}")
	grep -q '^missing' <<<"$order" && die "kernel $kver lacks: $(grep '^missing' <<<"$order" | tr '\n' ' ')"
	tmp=$(mktemp -d "$cache/build.XXXXXX")
	mkdir -p "$tmp/root/bin" "$tmp/root/dev" "$tmp/root/proc" "$tmp/root/sys" "$tmp/root/modules"
	cp "$BUSYBOX" "$tmp/root/bin/busybox"
	install -m 755 "$VM_DIR/init" "$tmp/root/init"
	for m in $order; do
		f=$(basename "$m")
		f=${f%.ko*}.ko
		decompress "/lib/modules/$kver/$m" >"$tmp/root/modules/$f"
		echo "$f" >>"$tmp/root/modules.order"
	done
	(cd "$tmp/root" && find . | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null) >"$tmp/initramfs.cpio" ||
		die "cannot build the initramfs in $tmp"
	mv "$tmp/initramfs.cpio" "$initramfs"
	rm -rf "$tmp"
	# Older initramfs images of this kernel (an earlier init) are of no more use.
	find "$cache" -maxdepth 1 -name "initramfs-$kver-*.cpio" ! -name "${initramfs##*/}" -delete
}

# extract_vmlinux: sets boot_image. A kernel built with CONFIG_PVH boots straight from its
# ELF image (qemu's PVH entry), which skips the firmware's and the bzImage's own
# decompression: under TCG that halves the boot (about 6 s to 1 s before the first
# message). Any other kernel boots as the bzImage it is.
extract_vmlinux() {
	local out=$cache/vmlinux-$kver-$1 off magic tool
	boot_image=$kernel
	grep -qs '^CONFIG_PVH=y' "/boot/config-$kver" || return 0
	if [ -s "$out" ]; then
		boot_image=$out
		return
	fi
	for magic in $'\xfd7zXZ:xz' $'\x28\xb5\x2f\xfd:zstd' $'\x1f\x8b\x08:gzip'; do
		tool=${magic##*:}
		command -v "$tool" >/dev/null || continue
		for off in $(LC_ALL=C grep -abo "${magic%:*}" "$kernel" 2>/dev/null | head -n 3 | cut -d: -f1); do
			# The payload has trailing data after it: the decompressor complains and stops
			# reading (tail's broken pipe is expected: not said), the ELF is whole.
			tail -c +$((off + 1)) "$kernel" 2>/dev/null | "$tool" -dc >"$out.tmp" 2>/dev/null || true
			if [ "$(head -c 4 "$out.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
				mv "$out.tmp" "$out"
				find "$cache" -maxdepth 1 -name "vmlinux-$kver-*" ! -name "${out##*/}" -delete
				boot_image=$out
				return
			fi
		done
	done
	rm -f "$out.tmp"
}

check_tools
pick_kernel
if [ $check -eq 1 ]; then
	echo "vm.sh: ok: $QEMU, static $BUSYBOX, kernel $kernel"
	exit 0
fi

case ${BUILD:-build} in
/*) cache=${ZTOS_VM_CACHE:-${BUILD}/vm} ;;
*) cache=${ZTOS_VM_CACHE:-$TOP/${BUILD:-build}/vm} ;;
esac
build_initramfs
extract_vmlinux "$(stat -L -c '%s-%Y' "$kernel")"
[ -n "$log" ] || log=$cache/console.log

# The command, with SCRIPT made absolute so that it resolves from the repository in the VM.
argv=("$@")
if [[ ${argv[0]} == */* ]] || [ -f "${argv[0]}" ]; then
	[ -f "${argv[0]}" ] || die "no such script: ${argv[0]}"
	argv[0]=$(realpath "${argv[0]}")
	[ -x "${argv[0]}" ] || argv=(bash "${argv[@]}")
fi

share=$(mktemp -d /tmp/ztos-vm.XXXXXX)
trap 'rm -rf "$share"' EXIT
# The VM has fresh tmpfs on /run and /dev/shm: a script there travels on the share.
case ${argv[0]} in
/run/* | /var/run/* | /dev/shm/*)
	cp "${argv[0]}" "$share/script"
	argv[0]=/run/ztos-vm/script
	;;
esac
cp "$VM_DIR/stage2.sh" "$share/stage2"
{
	printf 'ZTOS_VM_CWD=%q\n' "$TOP"
	printf 'ZTOS_VM_ARGV=('
	printf '%q ' "${argv[@]}"
	printf ')\n'
	for v in BUILD V $(compgen -e | grep '^ZTOS_' | grep -v '^ZTOS_VM_'); do
		[ -n "${!v+set}" ] && printf 'export %s=%q\n' "$v" "${!v}"
	done
	[ -z "$forward" ] || echo 'ZTOS_VM_NIC=1'
} >"$share/cmd"
# restrict=on: the VM reaches neither the host nor anything beyond; only the forward in.
nic=(-nic none)
[ -z "$forward" ] ||
	nic=(-nic "user,model=virtio-net-pci,restrict=on,hostfwd=tcp:127.0.0.1:${forward%%:*}-:${forward#*:}")

append="console=ttyS0 panic=-1 mitigations=off random.trust_cpu=on cryptomgr.notests"
if [ $verbose -eq 1 ]; then
	console=(-chardev "stdio,id=con,signal=off,logfile=$log")
else
	console=(-chardev "file,id=con,path=$log")
fi

# --foreground keeps qemu in our process group: whoever times us out (tests/run.sh) or
# presses ^C stops qemu too, instead of leaving it running until our own timeout.
trap 'exit 130' INT
trap 'exit 143' TERM
: >"$log"
# --live: tail follows the output until the sleep that stands for qemu's run ends, then
# reads what is left and exits (the trap ends both should we be stopped first).
live_pids=()
if [ $live -eq 1 ]; then
	: >"$share/output"
	sleep infinity &
	live_pids+=($!)
	tail -n +1 -f --pid="${live_pids[0]}" "$share/output" &
	live_pids+=($!)
	trap 'kill "${live_pids[@]}" 2>/dev/null || true; rm -rf "$share"' EXIT
fi
rc=0
timeout --foreground -k 5 "$timeout_s" "$QEMU" -nodefaults -no-user-config -display none -no-reboot \
	-accel tcg -cpu max -smp "$cpus" -m "$mem" "${nic[@]}" \
	-kernel "$boot_image" -initrd "$initramfs" -append "$append" \
	"${console[@]}" -serial chardev:con \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	-virtfs "local,path=$share,mount_tag=ztosvm,security_model=none" \
	</dev/null 2>"$share/qemu.err" || rc=$?

if [ $live -eq 1 ]; then
	kill "${live_pids[0]}"
	wait "${live_pids[1]}"
elif [ -f "$share/output" ]; then
	cat "$share/output"
fi
if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
	echo "vm.sh: the VM ran past ${timeout_s} s and was stopped; console (whole log: $log):" >&2
	tail -n 30 "$log" | sed 's/^/  | /' >&2
	exit 124
fi
if [ ! -f "$share/rc" ]; then
	echo "vm.sh: the VM ended without a result (qemu exit $rc); console (whole log: $log):" >&2
	cat "$share/qemu.err" >&2
	tail -n 30 "$log" | sed 's/^/  | /' >&2
	exit 125
fi
exit "$(cat "$share/rc")"
