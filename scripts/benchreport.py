#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Medians and ratios ours/in-tree of a bench boot (scripts/bench).

usage: benchreport.py --rounds N --workloads "W..." [--vmtest-rc RC] RESULTS

RESULTS is the bench boot's results.log (tests/vm/bench.sh).  Prints the
table, then exits 1, saying why, if any measurement failed: a "not ok" line,
a workload without exactly N RESULT lines per module set, or vmtest itself
failing.  A median over the runs that happened to succeed is not a number.
"""
import argparse
import statistics
import sys


def wkey(w):
    head, _, tail = w.rpartition("-")
    if not tail.isdigit():
        return (w, 0)
    return (head, int(tail))


def spread(v):
    m = statistics.median(v)
    return (max(v) - min(v)) / m if m else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, required=True)
    ap.add_argument("--workloads", required=True)
    ap.add_argument("--vmtest-rc", type=int, default=0)
    ap.add_argument("results")
    a = ap.parse_args()
    problems = []
    if a.vmtest_rc:
        problems.append(f"vmtest exited {a.vmtest_rc} (its report is above)")
    runs = {}
    try:
        lines = open(a.results, errors="replace").read().splitlines()
    except FileNotFoundError:
        lines = []
        problems.append(f"no results ({a.results})")
    for line in lines:
        f = line.split()
        if len(f) == 6 and f[:2] == ["#", "RESULT"] and f[5].isdigit():
            runs.setdefault((f[4], f[2]), []).append(int(f[5]))
        elif line.startswith("not ok") or line.startswith("Bail out!"):
            problems.append(f"failed measurement: {line.strip()}")
    workloads = sorted(set(a.workloads.split()) | {w for w, _ in runs}, key=wkey)
    print(f"{'workload':<16}{'in-tree pps':>14}{'ours pps':>14}{'ratio':>8}{'spread':>9}  runs")
    worst = None
    for w in workloads:
        x, y = runs.get((w, "in-tree"), []), runs.get((w, "ours"), [])
        for mods, got in (("in-tree", x), ("ours", y)):
            if len(got) != a.rounds:
                problems.append(f"{w} {mods}: {len(got)} of {a.rounds} measurements")
        if not x or not y:
            print(f"{w:<16}  missing runs (in-tree {len(x)}, ours {len(y)})")
            continue
        mx, my = statistics.median(x), statistics.median(y)
        ratio = my / mx if mx else 0.0
        worst = ratio if worst is None else min(worst, ratio)
        # Repeatability: the wider spread of one module set's rounds in
        # this boot, (max - min) / median.
        rep = max(spread(x), spread(y))
        print(f"{w:<16}{mx:>14.0f}{my:>14.0f}{ratio:>8.2f}{rep:>9.1%}  {len(x)}+{len(y)}")
    if worst is not None:
        print(f"lowest ratio ours/in-tree: {worst:.2f}")
    for p in problems:
        print(f"bench: {p}")
    if problems:
        print(f"bench: FAILED ({len(problems)} problem(s)): the numbers above are not a measurement")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
