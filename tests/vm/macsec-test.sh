#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# MACsec by ztosd on a real kernel: tests/vm/inside/macsec.sh (two hosts as namespaces,
# VXLAN over MACsec, the capture, the counters, a key rotation under a 10 ms ping stream, a
# wrong key, SIGKILL restart and upgrade under a 10 ms ping stream (0 lost, the link and SAs
# adopted), bad input). On a shared machine run it under
# flock /tmp/ztos-vm.lock (one VM at a time).
# The VM plumbing and TAP renumbering: tests/vm/suite.sh.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/suite.sh

vm_suite 480 "the MACsec suite" tests/vm/inside/macsec.sh
