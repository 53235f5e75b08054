#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where the instructions go, per packet, in-tree against ours.

usage: profilereport.py [--top N] RESULTS

RESULTS is a bench boot's results.log with BENCH_PROFILE=1 (tests/vm/
bench.sh): "# PROFILED <set> <workload> <pps> <samples>" and
"# PROFILE <set> <workload> <share%> <symbol>" lines.  Under instruction
counting a guest second is 10^9 instructions, so a symbol's instructions
per packet (or command, or round trip) are its share of the samples times
10^9 / pps.  Prints, per workload, the symbols with the largest cost on
either side and the difference ours - in-tree, the largest differences
first.  The profiled pass runs under perf, so its pps is a little below
the measured one; shares are what count.
"""
import argparse
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("results")
    a = ap.parse_args()
    pps, share = {}, {}
    with open(a.results, errors="replace") as f:
        for line in f:
            t = line.split()
            if len(t) == 6 and t[:2] == ["#", "PROFILED"]:
                pps[(t[2], t[3])] = int(t[4])
            elif len(t) >= 6 and t[:2] == ["#", "PROFILE"]:
                key = (t[2], t[3])
                sym = " ".join(t[5:])
                d = share.setdefault(key, {})
                d[sym] = d.get(sym, 0.0) + float(t[4])
    workloads = sorted({w for _, w in pps})
    if not workloads:
        print("profilereport: no PROFILED lines (BENCH_PROFILE=1?)")
        return 1
    for w in workloads:
        cost = {}
        for s in ("in-tree", "ours"):
            p = pps.get((s, w), 0)
            if not p:
                print(f"{w}: no {s} profile")
                continue
            cost[s] = {sym: pct / 100 * 1e9 / p
                       for sym, pct in share.get((s, w), {}).items()}
        if len(cost) < 2:
            continue
        it, ou = cost["in-tree"], cost["ours"]
        print(f"\n{w}: instructions per unit, from pps in-tree "
              f"{pps[('in-tree', w)]} ours {pps[('ours', w)]} "
              f"(total {1e9 / pps[('in-tree', w)]:.0f} / "
              f"{1e9 / pps[('ours', w)]:.0f})")
        syms = sorted(set(it) | set(ou),
                      key=lambda x: -abs(ou.get(x, 0) - it.get(x, 0)))
        print(f"  {'in-tree':>8} {'ours':>8} {'diff':>8}  symbol")
        for sym in syms[:a.top]:
            i, o = it.get(sym, 0), ou.get(sym, 0)
            print(f"  {i:8.0f} {o:8.0f} {o - i:+8.0f}  {sym}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
