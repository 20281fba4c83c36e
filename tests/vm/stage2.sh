#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
# PID 1 of the VM after switch_root (the host's bash, in the overlay root): run the command
# vm.sh wrote to /run/ztos-vm/cmd, leave its output and exit code on the results share,
# power off. Never exits: PID 1 exiting would panic the kernel.
R=/run/ztos-vm
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8 TERM=dumb
umask 022

poweroff_now() {
	sync
	echo o >/proc/sysrq-trigger
	sleep 30
}

# shellcheck source=/dev/null
if ! . $R/cmd; then
	echo "ztos-vm stage2: cannot read $R/cmd" >$R/output
	echo 125 >$R/rc
	poweroff_now
fi
hostname ztos-vm 2>/dev/null
ip link set lo up 2>/dev/null

# vm.sh --forward: the NIC of qemu's user network, at the address its forward goes to
# (no udev here to load the driver, nor DHCP).
nic_up() {
	modprobe virtio_net || return 1
	for _ in $(seq 100); do
		[ -e /sys/class/net/eth0 ] && break
		sleep 0.1
	done
	ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up
}
if [ -n "${ZTOS_VM_NIC:-}" ] && ! nic_up >$R/output 2>&1; then
	echo "ztos-vm stage2: the NIC (vm.sh --forward) did not come up" >>$R/output
	echo 125 >$R/rc
	poweroff_now
fi

# On the console (vm.sh's log): where a run that timed out was.
echo "ztos-vm: running ${ZTOS_VM_ARGV[*]} in $ZTOS_VM_CWD"
# The command's own session, so that it cannot signal PID 1 with kill 0.
(cd "$ZTOS_VM_CWD" && exec setsid -w "${ZTOS_VM_ARGV[@]}") </dev/null >$R/output 2>&1
rc=$?
echo "ztos-vm: exit $rc"
echo $rc >$R/rc.tmp
mv $R/rc.tmp $R/rc
poweroff_now
