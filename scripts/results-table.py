#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Render vmtest reports as the baseline table of Documentation/testing.rst.

usage: results-table.py NAME=REPORT [NAME=REPORT...]

Each REPORT is the saved output of scripts/vmtest; NAME is its column
heading (repeated, later reports override earlier ones in that column).  Prints an RST list-table: one row per test, one column per
report, and the reason for every XFAIL/SKIP/FAIL in the last column.
"""
import re
import sys

LINE = re.compile(r"^(PASS|FAIL|XFAIL|XPASS|SKIP)\s+(\S+)\s*(.*)$")


def main():
    cols, rows, notes = [], {}, {}
    for arg in sys.argv[1:]:
        name, path = arg.split("=", 1)
        # A column may take several reports (a later run of some binaries
        # overrides the earlier results of those binaries).
        if name not in cols:
            cols.append(name)
        with open(path) as f:
            for line in f:
                m = LINE.match(line.rstrip())
                if not m:
                    continue
                st, tid, note = m.groups()
                rows.setdefault(tid, {})[name] = st
                note = note.lstrip("# ").strip()
                if st != "PASS" and note and tid not in notes:
                    notes[tid] = note
    print(".. list-table::")
    print("   :header-rows: 1")
    print("   :widths: 40 " + " ".join("8" for _ in cols) + " 44")
    print()
    print("   * - test")
    for c in cols:
        print(f"     - {c}")
    print("     - why it does not pass")
    for tid in sorted(rows):
        print(f"   * - ``{tid}``")
        for c in cols:
            print(f"     - {rows[tid].get(c, '-')}")
        print(f"     - {notes.get(tid, '')}")


if __name__ == "__main__":
    main()
