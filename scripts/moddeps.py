#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Print the modules to load into the test VM, dependencies first.

usage: moddeps.py MODROOT OURS_DIR NAME...

Each output line is "SOURCE_PATH DEST_RELATIVE_PATH".  A module that
OURS_DIR (may be empty) provides replaces the in-tree module of the same
name; its dependencies come from its own modinfo.  Built-in modules are
skipped; a module that exists nowhere is an error.
"""
import os
import subprocess
import sys


def norm(name):
    return name.replace("-", "_")


def main():
    modroot, ours_dir, wanted = sys.argv[1], sys.argv[2], sys.argv[3:]
    intree = {}
    with open(os.path.join(modroot, "modules.dep")) as f:
        for line in f:
            path, _, deps = line.partition(":")
            name = norm(os.path.basename(path).split(".ko")[0])
            intree[name] = (os.path.join(modroot, path),
                            [norm(os.path.basename(d).split(".ko")[0])
                             for d in deps.split()])
    builtin = set()
    bpath = os.path.join(modroot, "modules.builtin")
    if os.path.exists(bpath):
        with open(bpath) as f:
            builtin = {norm(os.path.basename(l.strip()).split(".ko")[0]) for l in f}
    ours = {}
    if ours_dir and os.path.isdir(ours_dir):
        for fn in sorted(os.listdir(ours_dir)):
            if fn.endswith(".ko"):
                p = os.path.join(ours_dir, fn)
                dep = subprocess.run(["modinfo", "-F", "depends", p],
                                     capture_output=True, text=True).stdout.strip()
                ours[norm(fn[:-3])] = (p, [norm(d) for d in dep.split(",") if d])

    # OURS_ONLY=a,b: take only these from OURS_DIR (our core next to the
    # in-tree modules, for its KUnit suites); the rest stays in-tree.
    only = [norm(n) for n in os.environ.get("OURS_ONLY", "").split(",") if n]
    if only:
        ours = {n: v for n, v in ours.items() if n in only}

    order, seen = [], set()

    def visit(name, stack=()):
        if name in seen:
            return
        if name in stack:
            sys.exit(f"moddeps: dependency loop at {name}")
        if name in ours:
            path, deps = ours[name]
            dest = "ours/" + os.path.basename(path)
        elif name in intree:
            path, deps = intree[name]
            dest = os.path.relpath(path, modroot)
        elif name in builtin:
            seen.add(name)
            return
        else:
            sys.exit(f"moddeps: module {name} not found")
        for d in deps:
            visit(d, stack + (name,))
        seen.add(name)
        order.append((path, dest))

    for w in wanted:
        visit(norm(w))
    # Our own extra modules (ones without an in-tree namesake) load last.
    for name in ours:
        visit(name)
    for path, dest in order:
        print(path, dest)


if __name__ == "__main__":
    main()
