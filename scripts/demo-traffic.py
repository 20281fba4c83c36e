#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-only
"""The demo's workloads and traffic (scripts/demo.sh), in one process.

Each workload namespace (PREFIX-h<i>b for blue, PREFIX-h<i>r for red, 10.0.0.<i> in both)
serves HTTP on port 80, answering "tenant T, host I". Every INTERVAL seconds each workload
asks the same tenant's workloads on the other hosts; an answer from the other tenant would
be a leak and is counted. Now and then a workload on host 1 sends a request that matches a
DPI signature, on a connection it keeps: the agent blocks the rest of that flow, and a
fresh connection is served. And now and then host 3 sends host 1 a VXLAN packet of a VNI
no tenant has, through WireGuard: host 1's XDP drops and counts it.

Sockets are made in a namespace by entering it for the socket() call only (setns(2) on
this thread); a socket stays in the namespace it was made in.
"""
import argparse
import ctypes
import http.server
import json
import os
import socket
import socketserver
import struct
import sys
import threading
import time

CLONE_NEWNET = 0x40000000
libc = ctypes.CDLL(None, use_errno=True)
HOSTS = (1, 2, 3)
TENANTS = ("blue", "red")
# (request, what it shows, the rule's sid in demo_rules)
ATTACKS = (
    ("GET /../../etc/passwd HTTP/1.1\r\nHost: w\r\n\r\n", "GET /../../etc/passwd", 1000001),
    ("GET / HTTP/1.1\r\nHost: w\r\nUser-Agent: () { :; }; /bin/cat /etc/shadow\r\n\r\n",
     "User-Agent: () { :; }; ...", 1000002),
)
FORGED_VNI = 999


def setns(fd):
    if libc.setns(fd, CLONE_NEWNET):
        err = ctypes.get_errno()
        raise OSError(err, "setns: " + os.strerror(err))


class InNs:
    """with InNs(name): socket() calls inside make sockets in namespace name."""
    lock = threading.Lock()

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        InNs.lock.acquire()
        self.home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        fd = os.open("/run/netns/" + self.name, os.O_RDONLY)
        try:
            setns(fd)
        finally:
            os.close(fd)

    def __exit__(self, *exc):
        try:
            setns(self.home)
        finally:
            os.close(self.home)
            InNs.lock.release()


def workload(prefix, host, tenant):
    return "%s-h%d%s" % (prefix, host, tenant[0])


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        body = self.server.answer
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *a):
        pass


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(prefix):
    for h in HOSTS:
        for t in TENANTS:
            with InNs(workload(prefix, h, t)):
                srv = Server(("10.0.0.%d" % h, 80), Handler)
            srv.answer = ("tenant %s, host %d\n" % (t, h)).encode()
            threading.Thread(target=srv.serve_forever, daemon=True).start()


def connect(ns, addr, port, timeout):
    with InNs(ns):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect((addr, port))
    return s


def request(s, raw):
    """One request on connection s; the answer's body, or None when none came."""
    s.sendall(raw.encode())
    got = b""
    try:
        while b"\r\n\r\n" not in got:
            chunk = s.recv(4096)
            if not chunk:
                return None
            got += chunk
        head, body = got.split(b"\r\n\r\n", 1)
        n = int([l.split(b":")[1] for l in head.split(b"\r\n")
                 if l.lower().startswith(b"content-length:")][0])
        while len(body) < n:
            chunk = s.recv(4096)
            if not chunk:
                return None
            body += chunk
        return body.decode()
    except (socket.timeout, OSError):
        return None


def get(ns, addr, timeout=2):
    try:
        s = connect(ns, addr, 80, timeout)
    except OSError:
        return None
    with s:
        return request(s, "GET / HTTP/1.1\r\nHost: w\r\n\r\n")


class Stats:
    def __init__(self, path):
        self.path = path
        self.d = {"requests": 0, "answered": 0, "cross_tenant": 0, "unanswered": 0,
                  "pairs": {}, "attacks": [], "forged": 0}

    def save(self):
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(self.d, f)
        os.rename(tmp, self.path)


def say(msg):
    print(time.strftime("%H:%M:%S ") + msg, flush=True)


def round_trip(prefix, stats):
    for h in HOSTS:
        for t in TENANTS:
            for peer in HOSTS:
                if peer == h:
                    continue
                body = get(workload(prefix, h, t), "10.0.0.%d" % peer)
                stats.d["requests"] += 1
                key = "%s %d->%d" % (t, h, peer)
                if body is None:
                    stats.d["unanswered"] += 1
                elif body.split(",")[0] != "tenant " + t:
                    stats.d["cross_tenant"] += 1
                    say("LEAK: %s on host %d got an answer from another tenant: %r" % (t, h, body))
                else:
                    stats.d["answered"] += 1
                    stats.d["pairs"][key] = stats.d["pairs"].get(key, 0) + 1


def attack(prefix, n, stats):
    """A request matching a signature, on a connection kept open; then a fresh one."""
    raw, what, sid = ATTACKS[n % len(ATTACKS)]
    t = TENANTS[n % len(TENANTS)]
    ns, dst = workload(prefix, 1, t), "10.0.0.2"
    rec = {"tenant": t, "sid": sid, "time": time.time()}
    try:
        s = connect(ns, dst, 80, 2)
    except OSError as e:
        say("attack: %s on host 1 cannot connect to %s: %s" % (t, dst, e))
        return
    with s:
        rec["port"] = s.getsockname()[1]
        request(s, raw)
        # The verdict lands within a second or so; until then the flow still passes.
        deadline, blocked = time.time() + 5, False
        while time.time() < deadline and not blocked:
            time.sleep(0.5)
            s.settimeout(1)
            blocked = request(s, "GET / HTTP/1.1\r\nHost: w\r\n\r\n") is None
    rec["blocked"] = blocked
    rec["fresh_ok"] = get(ns, dst) is not None
    stats.d["attacks"].append(rec)
    say("attack: %s on host 1 sent '%s' to %s:80 -> DPI alert (sid %d); that flow %s; "
        "a fresh connection %s" % (t, what, dst, sid,
                                   "is blocked" if blocked else "still passes (!)",
                                   "is served" if rec["fresh_ok"] else "fails (!)"))


def forged_frame():
    """VXLAN (VNI 999) around an Ethernet frame with an ICMP echo, built by hand."""
    vxlan = struct.pack("!II", 0x08000000, FORGED_VNI << 8)
    icmp = struct.pack("!BBHHH", 8, 0, 0, 0x7a7a, 1) + b"forged by the ztos demo"
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0, 64, 1, 0,
                     socket.inet_aton("10.0.0.99"), socket.inet_aton("10.0.0.1"))
    eth = bytes.fromhex("ffffffffffff" "02666f726765" "0800")
    return vxlan + eth + ip + icmp


def forge(prefix, stats, count=3):
    with InNs("%s-h3" % prefix):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    with s:
        for _ in range(count):
            s.sendto(forged_frame(), ("10.255.0.1", 4789))
    stats.d["forged"] += count
    say("forged: host 3 sent host 1 %d VXLAN packets of VNI %d (no tenant has it): XDP "
        "on host 1 drops and counts them" % (count, FORGED_VNI))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", required=True)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--interval", type=float, default=2)
    ap.add_argument("--attack-every", type=float, default=30)
    ap.add_argument("--ready", help="a file made once the servers listen")
    a = ap.parse_args()
    stats = Stats(a.stats)
    serve(a.prefix)
    if a.ready:
        open(a.ready, "w").close()
    start = time.time()
    next_attack, next_forge, next_sum, n = start + 5, start + 15, start + 60, 0
    while True:
        round_trip(a.prefix, stats)
        now = time.time()
        if now >= next_attack:
            attack(a.prefix, n, stats)
            n += 1
            next_attack = now + a.attack_every
        if now >= next_forge:
            forge(a.prefix, stats)
            next_forge = now + a.attack_every
        if now >= next_sum:
            d = stats.d
            say("traffic: %d requests between the hosts' workloads, %d answered by their own "
                "tenant, %d by another" % (d["requests"], d["answered"], d["cross_tenant"]))
            next_sum = now + 60
        stats.save()
        time.sleep(a.interval)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        sys.exit(0)
