#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Every metric and label a Grafana dashboard queries is one an agent exposes.

Usage: grafana-check.py [--only PREFIX | --except PREFIX] DASHBOARD.json METRICS.txt|-

METRICS is a Prometheus text exposition (ztosd's GET /metrics). Checked: each metric
of every panel query and template variable exists; each label in a matcher, a by() /
without() list, label_values() and a legend's {{label}} is one of that metric's labels
(or instance/job, which Prometheus adds when it scrapes). The panels "No data" of
dashboards whose labels do not match what is exported are what this catches.
"""
import json
import re
import sys

SCRAPE_LABELS = {"instance", "job"}
KEYWORDS = {"by", "without", "and", "or", "unless", "on", "ignoring", "group_left",
            "group_right", "bool", "offset"}


def exposed(text):
    labels = {}
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            labels.setdefault(line.split()[2], set())
        elif line and not line.startswith("#"):
            m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s", line)
            if m:
                names = re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', m.group(3) or "")
                labels.setdefault(m.group(1), set()).update(names)
    return labels


def queries(dash):
    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    yield p.get("title", "?"), t["expr"], t.get("legendFormat", "")
            yield from walk(p.get("panels", []))
    yield from walk(dash.get("panels", []))
    for v in dash.get("templating", {}).get("list", []):
        q = v.get("query")
        q = q.get("query") if isinstance(q, dict) else q
        if v.get("type") == "query" and q:
            yield "variable $" + v["name"], q, ""


def parse(expr):
    """The metrics of an expression with the labels used on each, and the labels of its
    by()/without() lists and label_values()."""
    e = re.sub(r'"(\\.|[^"\\])*"', '""', expr)
    e = re.sub(r"\[[^\]]*\]", "", e)
    grouped = []
    for m in re.finditer(r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", e):
        grouped += [x.strip() for x in m.group(2).split(",") if x.strip()]
    lv = re.match(r"\s*label_values\((.*),\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\)\s*$", e)
    if lv:
        grouped.append(lv.group(2))
        e = lv.group(1)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    metrics = []
    for m in re.finditer(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(\{([^}]*)\})?(\s*\()?", e):
        name, matchers, call = m.group(1), m.group(3), m.group(4)
        if call or name in KEYWORDS or re.match(r"^\d", name):
            continue
        if e[max(0, m.start() - 1)] == "$":
            continue	# a Grafana variable
        metrics.append((name, re.findall(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)", matchers or "")))
    return metrics, grouped


def main():
    args = sys.argv[1:]
    only = exclude = None
    if args and args[0] in ("--only", "--except"):
        only, exclude = (args[1], None) if args[0] == "--only" else (None, args[1])
        args = args[2:]
    if len(args) != 2:
        sys.exit(__doc__)
    dash = json.load(open(args[0]))
    have = exposed(sys.stdin.read() if args[1] == "-" else open(args[1]).read())
    if not have:
        sys.exit("%s: no metrics in it" % args[1])
    problems, n_metrics, n_labels = [], set(), 0
    for where, expr, legend in queries(dash):
        metrics, grouped = parse(expr)
        metrics = [(n, ls) for n, ls in metrics
                   if (not only or n.startswith(only)) and not (exclude and n.startswith(exclude))]
        if not metrics:
            continue
        legend_labels = re.findall(r"\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}", legend)
        for name, used in metrics:
            n_metrics.add(name)
            if name not in have:
                problems.append("%s: %s: metric %s is not exposed" % (where, expr, name))
                continue
            for label in set(used + grouped + legend_labels):
                n_labels += 1
                if label not in have[name] | SCRAPE_LABELS:
                    problems.append("%s: %s: %s has no label '%s' (it has: %s)" % (
                        where, expr, name, label, ", ".join(sorted(have[name])) or "none"))
    for p in problems:
        print(p)
    if not n_metrics:
        sys.exit("%s: no query names a metric checked here" % args[0])
    print("%d metrics and %d label uses checked, %d problems" % (len(n_metrics), n_labels, len(problems)))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
