#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# The include graph of the C tree keeps the layering of docs/ARCHITECTURE.md: no circles
# between modules (a module is x.c with its x.h; the subsystem table is a module of its
# own, so the interface and the entries do not meet in one), kernel adapters know no subsystem, the
# reports and the config model know neither, the DPI library (gpu/) and the BPF contract
# know no agent, and every include names a file that is there.
set -u
. "$(dirname "$0")/../lib.sh"
cd "$TOP"

out=$(/usr/bin/python3 - <<'PY'
import os, re, sys

roots = ["agent", "gpu", "bpf", "cli"]
files = [os.path.join(d, f) for r in roots for d, _, fs in os.walk(r) for f in fs
         if f.endswith((".c", ".h")) and not f.endswith(".bpf.c")]
files = [f for f in files if f != "bpf/vmlinux.h"]
generated = re.compile(r"^bpf/[a-z_]+\.skel\.h$")

def resolve(src, inc):
    for base in (os.path.dirname(src), "agent", ".", "bpf"):
        p = os.path.normpath(os.path.join(base, inc))
        if os.path.isfile(p):
            return p
    return None

def module(p):
    return os.path.splitext(p)[0]

edges, missing = {}, []
for f in files:
    for line in open(f, encoding="utf-8"):
        m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
        if not m:
            continue
        inc = m.group(1)
        if generated.match(inc):
            continue
        p = resolve(f, inc)
        if not p:
            missing.append(f"{f}: {inc}")
            continue
        a, b = module(f), module(p)
        if a != b:
            edges.setdefault(a, set()).add(b)

# A folder's internal.h is the private header its own modules share (it includes their
# public headers, they include it): no circle through it counts.
cyc = {a: {b for b in bs if not b.endswith("/internal")} for a, bs in edges.items()
       if not a.endswith("/internal")}

def layer(m):
    parts = m.split("/")
    return parts[1] if parts[0] == "agent" and len(parts) > 2 else parts[0] if parts[0] != "agent" else "core"

# what each layer may not include
forbidden = {
    "kernel": {"subsys", "api", "core"},
    "report": {"subsys", "kernel", "api", "core"},
    "config": {"subsys", "kernel", "report", "api", "core"},
    "subsys": {"api"},
    "gpu": {"core", "subsys", "kernel", "report", "api", "config"},
    "bpf": {"core", "subsys", "kernel", "report", "api", "config", "gpu"},
}
# core modules a lower layer may still use: the error type
allowed = {"agent/err"}
bad = []
for a, bs in edges.items():
    for b in bs:
        if b in allowed:
            continue
        if layer(b) in forbidden.get(layer(a), ()):
            bad.append(f"{a} -> {b} ({layer(a)} may not include {layer(b)})")

# circles: Tarjan's strongly connected components
index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]
def visit(v):
    index[v] = low[v] = n[0]; n[0] += 1
    stack.append(v); on.add(v)
    for w in cyc.get(v, ()):
        if w not in index:
            visit(w); low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        c = []
        while True:
            w = stack.pop(); on.discard(w); c.append(w)
            if w == v:
                break
        if len(c) > 1:
            sccs.append(sorted(c))
sys.setrecursionlimit(10000)
for v in list(cyc):
    if v not in index:
        visit(v)

print(f"modules {len({module(f) for f in files})} edges {sum(len(b) for b in edges.values())}")
for m in missing:
    print(f"MISSING {m}")
for b in sorted(bad):
    print(f"UPWARD {b}")
for c in sccs:
    print("CIRCLE " + " -> ".join(c))
PY
)
echo "# $(head -n 1 <<<"$out")"
expect_eq "every quoted include names a file of the tree" "" "$(grep '^MISSING' <<<"$out")"
expect_eq "no include points up a layer (kernel -> subsys, report -> core, ...)" "" \
	"$(grep '^UPWARD' <<<"$out")"
expect_eq "no circle between modules" "" "$(grep '^CIRCLE' <<<"$out")"
check "the graph was read (modules and edges)" grep -qE '^modules [1-9][0-9]* edges [1-9]' <<<"$out"
echo "1..$_tap_n"
