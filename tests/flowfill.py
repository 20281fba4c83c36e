#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
# Flows for the pinned flow tables, as `bpftool batch file` lines (stdout), keyed as the
# datapath keys them (bpf/ztos_common.h): IPv4 flows in flows4 under struct ztos_flow4_key,
# IPv6 flows in flows under struct ztos_flow_key; values struct ztos_flow, last seen
# AHEAD_S seconds ahead so none ages out while a test or benchmark reads them.
# Flow i: TCP 10.x.y.z:40000+ -> 10.x.0.2:80 (or fd00::...), VNI vnis[i % len], verdict
# verdicts[i % len] (1 allow, 2 deny, 3 inspect, 4 block), 10 + i % 7 packets.
# Usage: tests/flowfill.py BPFFS N4 N6 [VNI,...] [VERDICT,...] [AHEAD_S]
import struct
import sys
import time

bpffs, n4, n6 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
vnis = [int(v) for v in (sys.argv[4] if len(sys.argv) > 4 else "100").split(",")]
verdicts = [int(v) for v in (sys.argv[5] if len(sys.argv) > 5 else "1").split(",")]
ahead = int(sys.argv[6]) if len(sys.argv) > 6 else 120
now = time.clock_gettime_ns(time.CLOCK_MONOTONIC)


def hexs(b):
    return " ".join("%02x" % x for x in b)


def value(i):
    return struct.pack("<QQQQQQIIBBB5x", 10 + i % 7, 8, 1500, 900, now, now + ahead * 10**9,
                       0, 0, verdicts[i % len(verdicts)], 0, 0x1b)   # opener b; SYN ACK PSH FIN


def line(m, key, val):
    return "map update pinned %s/%s key hex %s value hex %s" % (bpffs, m, hexs(key), hexs(val))


for i in range(n4):
    vni = vnis[i % len(vnis)]
    net = vni % 250
    lo = bytes([10, net, 0, 2])
    hi = bytes([10, net, 1 + (i >> 8) % 250, 1 + i % 250])
    key = struct.pack("<I", vni << 8 | 6) + lo + hi + struct.pack("<HH", 80, 40000 + i % 20000)
    print(line("flows4", key, value(i)))
for i in range(n6):
    vni = vnis[i % len(vnis)]
    lo = bytes.fromhex("fd00" + "00" * 13 + "02")
    hi = bytes.fromhex("fd00" + "00" * 10) + struct.pack(">I", i + 1)
    key = struct.pack("<IBBH", vni, 6, 6, 0) + lo + hi + struct.pack("<HH", 80, 40000 + i % 20000)
    print(line("flows", key, value(i)))
