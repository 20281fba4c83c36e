#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# Seeds of the corpora in tests/fuzz/corpus/ (run once by hand, as root: the files it
# writes are committed; crashes found later are added beside them by name):
#   nl_link    real RTM_NEWLINK and RTM_NEWNEIGH dumps of a namespace with a VXLAN device in
#              a bridge, a veth and head-end FDB entries (made here, then deleted)
#   nl_wg      WG_CMD_GET_DEVICE replies as linux/wireguard.h lays them out (a device with
#              its keys, two peers, one split across two messages)
#   nl_macsec  a MACsec link and MACSEC_CMD_GET_TXSC replies (SecY, TX SAs, an RX SC)
#   afxdp      mirrored frames: IPv4 TCP, IPv6 UDP, VLAN-tagged ICMP, a fragment
#   http       requests as a client writes them (TOKEN stands for the agent's token)
import os, socket, struct, subprocess, sys

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")

def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)

def attr(t, data):
    n = 4 + len(data)
    return struct.pack("=HH", n, t) + data + b"\0" * ((4 - n % 4) % 4)

def nest(t, *parts):
    return attr(t | 0x8000, b"".join(parts))

def nlmsg(typ, flags, payload, seq=1):
    return struct.pack("=IHHII", 16 + len(payload), typ, flags, seq, 0) + payload

def genl(family, cmd, attrs):
    return nlmsg(family, 2, struct.pack("=BBH", cmd, 1, 0) + b"".join(attrs))

# ---- rtnetlink dumps from a real kernel ----
def dump(sock, typ, body):
    sock.send(nlmsg(typ, 0x301, body))
    parts = []
    while True:
        b = sock.recv(1 << 16)
        parts.append(b)
        if struct.unpack_from("=H", b, 4)[0] in (3, 2):	# NLMSG_DONE, NLMSG_ERROR
            return parts

def nl_link():
    ns = "zr-seed"
    sh = lambda c: subprocess.run(["ip", "-n", ns] + c.split(), check=True)
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        sh("link add ul0 type veth peer name ul1")
        sh("addr add 192.0.2.1/24 dev ul0")
        sh("link add ztbr100 type bridge")
        sh("link add ztvx100 type vxlan id 100 local 192.0.2.1 dstport 4789 dev ul0 nolearning")
        sh("link set ztvx100 master ztbr100")
        sh("link set ztvx100 alias ztos:tenant=blue")
        for l in ("ul0", "ul1", "ztbr100", "ztvx100"):
            sh("link set %s up" % l)
        for d in ("192.0.2.2", "192.0.2.3"):
            subprocess.run(["bridge", "-n", ns, "fdb", "append", "00:00:00:00:00:00",
                            "dev", "ztvx100", "dst", d], check=True)
        subprocess.run(["ip", "netns", "exec", ns, sys.executable, __file__, "--dump"], check=True)
    finally:
        subprocess.run(["ip", "netns", "del", ns])

# ---- WireGuard (linux/wireguard.h) ----
def nl_wg():
    key = lambda b: bytes([b]) * 32
    ip4 = lambda a, m: nest(0, attr(1, struct.pack("=H", 2)), attr(2, socket.inet_aton(a)), attr(3, bytes([m])))
    ip6 = lambda a, m: nest(0, attr(1, struct.pack("=H", 10)), attr(2, socket.inet_pton(socket.AF_INET6, a)), attr(3, bytes([m])))
    sin = struct.pack("!HH4s8x", 2, 51820, socket.inet_aton("192.0.2.2"))
    sin = struct.pack("=H", 2) + sin[2:]
    peer1 = nest(0, attr(1, key(0xa1)), attr(4, sin), attr(5, struct.pack("=H", 25)),
                 attr(6, struct.pack("=qq", 1700000000, 5)), attr(7, struct.pack("=Q", 1234)),
                 attr(8, struct.pack("=Q", 5678)), nest(9, ip4("10.255.0.2", 32), ip6("fd00::2", 128)))
    peer2a = nest(0, attr(1, key(0xb2)), nest(9, ip4("10.255.1.0", 24)))
    peer2b = nest(0, attr(1, key(0xb2)), nest(9, ip4("10.255.2.0", 24)))
    dev = [attr(1, struct.pack("=I", 7)), attr(2, b"ztwg0\0"), attr(3, key(0x11)), attr(4, key(0x22)),
           attr(6, struct.pack("=H", 51820))]
    m1 = genl(0x20, 0, dev + [nest(8, peer1, peer2a)])
    m2 = genl(0x20, 0, [attr(1, struct.pack("=I", 7)), nest(8, peer2b)])
    write("nl_wg/device.bin", m1 + m2)
    write("nl_wg/no-peers.bin", genl(0x20, 0, dev))

# ---- MACsec (linux/if_macsec.h) ----
def nl_macsec():
    link = nlmsg(16, 2, struct.pack("=BxHiII", 0, 0, 7, 0x1043, 0) + attr(3, b"ztmacsec0\0") +
                 attr(4, struct.pack("=I", 1468)) + attr(5, struct.pack("=I", 2)) +
                 attr(20, b"ztos: macsec\0") + nest(18, attr(1, b"macsec\0")))
    stats = lambda t, n: nest(t, *[attr(i, struct.pack("=Q", 100 + i)) for i in range(1, n)])
    sa = lambda an, pn: nest(0, attr(1, bytes([an])), attr(2, bytes([1])), attr(3, struct.pack("=I", pn)),
                            attr(5, bytes(16)), stats(6, 4))
    secy = nest(2, attr(1, struct.pack("=Q", 0x0200000000020001)), attr(3, struct.pack("=Q", 0x0080C20001000002)),
                attr(4, bytes([16])), attr(5, struct.pack("=I", 0)), attr(6, bytes([1])), attr(7, bytes([1])),
                attr(8, bytes([0])), attr(9, bytes([1])), attr(10, bytes([1])), attr(11, bytes([0])),
                attr(12, bytes([0])), attr(13, bytes([2])))
    rxsc = nest(0, attr(1, struct.pack("=Q", 0x0200000000020002)), attr(2, bytes([1])), stats(3, 6),
                nest(4, sa(0, 42)))
    m = genl(0x21, 0, [attr(1, struct.pack("=I", 7)), secy, stats(3, 4), stats(4, 10),
                       nest(5, sa(0, 7), sa(1, 1)), nest(6, rxsc)])
    write("nl_macsec/link-and-secy.bin", link + m)

# ---- AF_XDP frames ----
def afxdp():
    mac = bytes([0x02, 0x5a, 0, 0, 100, 0]) + bytes([2, 0, 0, 0, 0, 1])
    ip4 = lambda proto, l4, frag=0: struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, frag, 64, proto, 0,
                                               socket.inet_aton("10.100.0.10"), socket.inet_aton("10.100.0.2")) + l4
    tcp = struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 0x50, 0x18, 512, 0, 0) + b"GET / HTTP/1.1\r\n\r\n"
    udp = struct.pack("!HHHH", 5353, 53, 8 + 5, 0) + b"hello"
    ip6 = struct.pack("!IHBB16s16s", 0x60000000, len(udp), 17, 64, socket.inet_pton(socket.AF_INET6, "fd00::10"),
                      socket.inet_pton(socket.AF_INET6, "fd00::2")) + udp
    write("afxdp/ipv4-tcp.bin", mac + b"\x08\x00" + ip4(6, tcp))
    write("afxdp/ipv6-udp.bin", mac + b"\x86\xdd" + ip6)
    write("afxdp/vlan-icmp.bin", mac + b"\x81\x00\x00\x64\x08\x00" + ip4(1, b"\x08\x00\x00\x00\x00\x01\x00\x01"))
    write("afxdp/fragment.bin", mac + b"\x08\x00" + ip4(17, udp, 0x2001))

# ---- HTTP requests ----
def http():
    reqs = {
        "status-tcp": b"\x00GET /api/v1/status HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer TOKEN\r\n\r\n",
        "flows-query": b"\x01GET /api/v1/flows?tenant=blue&vni=100&verdict=deny&limit=10 HTTP/1.1\r\nHost: x\r\n\r\n",
        "flows-cursor": b"\x00GET /api/v1/flows?cursor=0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a0a&limit=3 HTTP/1.1\r\nHost: x\r\n"
                        b"Authorization: Bearer TOKEN\r\n\r\nGET /api/v1/flows?cursor=0g HTTP/1.1\r\nHost: x\r\n\r\n",
        "logs-since": b"\x01GET /api/v1/monitoring/logs?since=2026-11-25T10:00:00Z&limit=5&event_type=auth HTTP/1.1\r\nHost: x\r\n\r\n",
        "configure-dry": b"\x00POST /api/v1/network/configure?dry_run=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer TOKEN\r\n"
                         b"Content-Type: application/json\r\nContent-Length: 55\r\n\r\n"
                         b'{"tenants": [{"name": "red", "vni": 300, "vteps": []}]}',
        "configure-chunked": b"\x01POST /api/v1/network/configure HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"2\r\n{}\r\n0\r\n\r\n",
        "no-token": b"\x00GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n",
        "web": b"\x00GET /assets/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n",
        "alerts-two": b"\x01GET /api/v1/alerts?sid=1&limit=1024 HTTP/1.1\r\nHost: x\r\n\r\n"
                      b"GET /api/v1/security/status HTTP/1.1\r\nHost: x\r\n\r\n",
        "follow": b"\x01GET /api/v1/monitoring/logs?follow=1&since=0&limit=3 HTTP/1.1\r\nHost: x\r\n\r\n",
        "dashboard-head": b"\x00HEAD /network HTTP/1.1\r\nHost: x\r\n\r\nOPTIONS /api/v1/status HTTP/1.1\r\nHost: x\r\n"
                          b"Origin: http://evil.example\r\nAccess-Control-Request-Method: POST\r\n\r\n",
        "rotate": b"\x01POST /api/v1/security/macsec/rotate HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}",
        "smuggle": b"\x00POST /api/v1/network/configure HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                   b"Transfer-Encoding: chunked\r\nAuthorization: Bearer TOKEN\r\n\r\n{}",
    }
    for name, r in reqs.items():
        write("http/%s.txt" % name, r)

def dump_here():
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    links = dump(s, 18, struct.pack("=BxHiII", 0, 0, 0, 0, 0))	# RTM_GETLINK
    neigh = dump(s, 30, struct.pack("=BxxxiHBB", 7, 0, 0, 0, 0))	# RTM_GETNEIGH AF_BRIDGE
    write("nl_link/links.bin", b"".join(links[:-1]))
    write("nl_link/fdb.bin", b"".join(neigh[:-1]))
    write("nl_link/links-and-fdb.bin", links[0] + neigh[0])

if sys.argv[1:] == ["--dump"]:
    dump_here()
else:
    for f in (nl_wg, nl_macsec, afxdp, http) + ((nl_link,) if os.geteuid() == 0 else ()):
        f()
