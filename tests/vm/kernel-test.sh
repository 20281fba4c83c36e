#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The kernel suite on Debian's kernel under qemu: tests/vm/inside/kernel-features.sh checks
# in-kernel WireGuard, MACsec (with GCM-AES-256 SAs), VRF, veth, VXLAN, bpffs, and runs every
# built build/tests/test_bpf_* against that kernel's verifier.
# The VM plumbing and TAP renumbering: tests/vm/suite.sh.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/vm/suite.sh

vm_suite 480 "the kernel suite" tests/vm/inside/kernel-features.sh "$(uname -r)"
