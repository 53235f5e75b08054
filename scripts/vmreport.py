#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the VM boots' result channels and consoles into one report.

Reads RUN/BOOT/results.log (written by tests/vm/init on the second serial
port) and RUN/BOOT/console.log (kernel console, kept as evidence; a boot
without one fails), RUN/skipped (what vmtest could not run, "ID REASON"
per line, reported as SKIP) and RUN/planned (what the boots had to start:
an id that never began fails as <id>/not-run).  Prints each result, then
"N passed, N failed, N skipped" last; exits 1 on any failure or when
there is no result at all.  Known failures of the reference listed in the
expected-failures file are reported as XFAIL (not counted as passed); one
that passes, or one that is absent although its binary or boot ran, is an
XPASS and a failure, so the expectations cannot go stale silently.
"""
import argparse
import fnmatch
import os
import re
import sys

# Console evidence, by class: a boot fails once per class it shows, so an
# expected failure can name the one splat a known bug causes
# ("<boot>/console:lockdep") without hiding any other.
SPLAT_CLASSES = [
    ("kasan", r"KASAN"),
    ("ubsan", r"UBSAN"),
    ("lockdep", r"possible circular locking|possible recursive locking|"
                r"inconsistent lock state|DEBUG_LOCKS_WARN_ON|"
                r"turning off the locking correctness validator"),
    ("soft-lockup", r"soft lockup|hard LOCKUP"),
    ("hung-task", r"blocked for more than"),
    # "rcu_preempt detected stalls on CPUs/tasks" (another CPU noticed) and
    # "rcu_preempt self-detected stall on CPU" (the stalled CPU itself).
    ("rcu-stall", r"rcu_\w+ (?:self-)?detected stalls?\b"),
    ("kmemleak", r"kmemleak: .*suspected memory leak|unreferenced object"),
    ("oops", r"kernel BUG at|Oops|general protection fault|BUG: unable to handle"),
    ("bug", r"BUG:"),
    ("warning", r"WARNING:"),
    ("panic", r"Kernel panic"),
    ("call-trace", r"Call Trace:"),
]
SPLAT_RE = re.compile("|".join(p for _, p in SPLAT_CLASSES))


def splat_class(line):
    for name, pat in SPLAT_CLASSES:
        if re.search(pat, line):
            return name
    return None


TAP_RE = re.compile(r"^(\s*)(not ok|ok) (\d+)\b(.*)$")
DIRECTIVE_RE = re.compile(r"(?:^|\s)#\s*(SKIP|XFAIL|TODO)\b\s*(.*)$", re.I)
# kselftest_harness frames each test with "#  RUN  f.t ..." and "#  OK|FAIL
# f.t"; 6.1 prints a skip as "ok N # SKIP reason" with no name, so the name
# comes from these lines.
HARNESS_NAME_RE = re.compile(r"^#\s+(?:RUN\s+(\S+)\s+\.\.\.|(?:OK|FAIL)\s+(\S+))\s*$")


def parse_tap(line):
    """(indent, ok, number, name, directive, note) of a TAP result line."""
    m = TAP_RE.match(line)
    if not m:
        return None
    indent, ok, num, rest = m.groups()
    rest = rest.strip()
    if rest.startswith("- "):
        rest = rest[2:]
    d = DIRECTIVE_RE.search(rest)
    if d:
        return indent, ok, num, rest[:d.start()].strip(), d.group(1).upper(), d.group(2).strip()
    return indent, ok, num, rest, None, ""


def load_expected(path, kernel, modules):
    exp = []
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                k, m, test, reason = (line.split(None, 3) + [""])[:4]
                # KERNEL may list several globs: "*-6.1,debian-6.12".
                if any(fnmatch.fnmatch(kernel, g) for g in k.split(",")) and \
                   fnmatch.fnmatch(modules, m):
                    exp.append(split_optional(test) + (reason,))
    except FileNotFoundError:
        pass
    return exp


def split_optional(pat):
    """'?ID': a side effect the reference shows only in some boots (lockdep
    noticing an inversion once the order happened in that boot): XFAIL when
    it shows, never XPASS when it does not.  Not for the bug under test."""
    return (pat[1:], True) if pat.startswith("?") else (pat, False)


def parse_boot(run, boot, times, began):
    """Results of one boot; appends the binaries/suites it started to began."""
    results = []  # (id, status, note)
    try:
        lines = open(f"{run}/{boot}/results.log", errors="replace").read().splitlines()
    except FileNotFoundError:
        lines = []
    lines = [l.rstrip("\r") for l in lines]
    done = False
    cur, seen, plan, kunit_cases, totals, suite, harness_name = None, 0, None, [], None, None, None
    for l in lines:
        if l.startswith("### BEGIN "):
            cur, seen, plan, kunit_cases, totals, suite, harness_name = \
                l.split()[2], 0, None, [], None, None, None
            began.add(cur)
            continue
        if l.startswith("### END ") and cur:
            m = re.search(r"rc=(\d+)(?: time=(\d+)s)?", l)
            rc = m.group(1) if m else "?"
            if m and m.group(2):
                times.append((cur, int(m.group(2))))
            if cur.startswith("kunit/"):
                # Trust the suite's own totals over what survived in the log.
                failed = kunit_cases.count("fail")
                if totals and totals[1] > failed:
                    for i in range(totals[1] - failed):
                        results.append((f"{cur}.unattributed-failure-{i + 1}", "fail",
                                        "counted in the suite totals, name lost from the log"))
                    failed = totals[1]
                if suite is None:
                    results.append((f"{cur}/incomplete", "fail", "no suite result line"))
                elif suite[0] == "not ok" and not failed:
                    # e.g. suite_init failed: no case ran, only the suite says so.
                    results.append((cur, "fail", "suite reported not ok with no failed case"))
                elif not kunit_cases and suite[1] == "SKIP":
                    results.append((cur, "skip", suite[2]))
                elif not kunit_cases:
                    results.append((cur, "fail", "suite reported ok with no case results"))
            elif plan is not None and seen < plan:
                results.append((f"{cur}/incomplete", "fail",
                                f"{seen} of {plan} tests reported, rc={rc}"))
            elif plan is None:
                results.append((f"{cur}/incomplete", "fail", f"no TAP plan, rc={rc}"))
            elif rc not in ("0", "4"):
                # harness exit: 0 all passed, 1 failures, 4 skip-only
                if not any(r[0].startswith(cur + "/") and r[1] == "fail" for r in results):
                    results.append((f"{cur}/exit", "fail", f"rc={rc} with no failed test"))
            cur = None
            continue
        if l.startswith("### MODULE-FAIL"):
            results.append((f"{boot}/module-load", "fail", l[16:]))
            continue
        if l.startswith("### KMEMLEAK"):
            results.append((f"{boot}/kmemleak", "fail", "kmemleak reported leaks"))
            continue
        if l.startswith("### TIMEOUT"):
            results.append((f"{boot}/timeout", "fail", l[4:]))
            continue
        if l.startswith("### DONE"):
            done = True
            continue
        if cur is None:
            continue
        m = re.match(r"^# [\w.]+: pass:(\d+) fail:(\d+) skip:(\d+) total:(\d+)", l)
        if m and cur.startswith("kunit/"):
            totals = tuple(int(x) for x in m.groups())
            continue
        m = HARNESS_NAME_RE.match(l)
        if m and not cur.startswith("kunit/"):
            harness_name = m.group(1) or m.group(2)
            continue
        m = re.match(r"^\s*1\.\.(\d+)", l)
        if m and not l.startswith(" ") and plan is None:
            plan = int(m.group(1))
            continue
        t = parse_tap(l)
        if not t:
            continue
        indent, ok, num, name, directive, note = t
        if cur.startswith("kunit/"):
            # KTAP: cases are indented; the unindented line is the suite total.
            if not indent:
                suite = (ok, directive, note)
                continue
            # 6.1 keeps a fixed-size log per case in debugfs: a long failure
            # message can overwrite the case name.  Fall back to the number.
            if not re.match(r"^[A-Za-z0-9_]+$", name):
                name = "case" + num
                directive = None
            tid = f"{cur}.{name}"
            kunit_cases.append("pass" if ok == "ok" else "fail")
        else:
            if indent:
                continue
            # A nameless line (6.1's skip) takes the name the harness printed
            # for this test; failing that its number, so no two merge.
            if not name:
                name = harness_name or f"test{num}"
            harness_name = None
            tid = f"{cur}/{name}"
            seen += 1
        if directive == "SKIP":
            results.append((tid, "skip", note or ""))
        else:
            results.append((tid, "pass" if ok == "ok" else "fail", ""))
    if cur is not None:
        results.append((f"{cur}/incomplete", "fail", "no END marker: the VM crashed or hung"))
    if not done:
        results.append((f"{boot}/finished", "fail", "boot did not reach ### DONE"))
    # The console is evidence: any splat fails the boot, and so does a boot
    # without one (nothing to look at is not the same as nothing wrong).
    try:
        con = open(f"{run}/{boot}/console.log", errors="replace").read().splitlines()
    except FileNotFoundError:
        con = None
    if con is None or not any(l.strip() for l in con):
        results.append((f"{boot}/console", "fail",
                        "console.log " + ("missing" if con is None else "empty")))
        con = con or []
    # A first attempt that never reached init (vmtest boots again) is
    # evidence all the same.
    for name in noinit_consoles(run, boot):
        con = con + open(f"{run}/{boot}/{name}", errors="replace").read().splitlines()
    hits = {}
    for l in con:
        if "ommand line:" in l or not SPLAT_RE.search(l):
            continue
        hits.setdefault(splat_class(l), []).append(l.strip())
    # A splat's own "Call Trace:" is not a class of its own.
    if len(hits) > 1:
        hits.pop("call-trace", None)
    for cls, lines in hits.items():
        results.append((f"{boot}/console:{cls}", "fail",
                        f"{len(lines)} line(s), first: {lines[0][:160]}"))
    return results


def load_list(run, name):
    """RUN/<name>: "ID [REASON]" per line (written by vmtest)."""
    out = []
    try:
        with open(f"{run}/{name}") as f:
            for line in f:
                tid, _, reason = line.strip().partition(" ")
                if tid:
                    out.append((tid, reason.strip()))
    except FileNotFoundError:
        pass
    return out


def owner(pat):
    """The boot or binary an expected id belongs to: solo-x, core_mem, kunit/s."""
    head, _, rest = pat.partition("/")
    if head == "kunit":
        return "kunit/" + rest.split(".")[0]
    return head


def noinit_consoles(run, boot):
    """Consoles of first attempts that never reached init (vmtest)."""
    d = f"{run}/{boot}"
    return sorted(n for n in os.listdir(d) if n.startswith("console.noinit-")) \
        if os.path.isdir(d) else []


def print_console_tail(run, boot, n=40):
    for name in ["console.log"] + noinit_consoles(run, boot):
        try:
            con = open(f"{run}/{boot}/{name}", errors="replace").read().splitlines()
        except OSError:
            continue
        print(f"# ---- last {min(n, len(con))} lines of {boot}/{name}")
        for line in con[-n:]:
            print(f"#  {line.rstrip()[:200]}")


def notes(run, boot):
    try:
        return open(f"{run}/{boot}/notes", errors="replace").read().splitlines()
    except FileNotFoundError:
        return []


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kernel", required=True)
    ap.add_argument("--modules", required=True)
    ap.add_argument("--expected", required=True)
    ap.add_argument("--run", required=True)
    ap.add_argument("boots", nargs="*")
    a = ap.parse_args()
    exp = load_expected(a.expected, a.kernel, a.modules)

    def expected(tid):
        for pat, _, reason in exp:
            if fnmatch.fnmatch(tid, pat):
                return reason
        return None

    # Only "?" entries name it: a bug that shows in some boots, so a pass
    # is not news (XFAIL when it fails, PASS when it does not).
    def only_optional(tid):
        hits = [opt for pat, opt, _ in exp if fnmatch.fnmatch(tid, pat)]
        return bool(hits) and all(hits)

    # A test skipped in one boot and run in another counts once, as run.
    final, times, began = {}, [], set()
    failed_in = {}  # boot -> failing ids it produced (expected ones too)
    for boot in a.boots:
        for tid, st, note in parse_boot(a.run, boot, times, began):
            if tid in final and st == "skip":
                continue
            final[tid] = (st, note)
            if st == "fail":
                failed_in.setdefault(boot, []).append(tid)
    # Planned but never begun: silently absent is not passed.
    for tid, _ in load_list(a.run, "planned"):
        if tid not in began:
            final.setdefault(f"{tid}/not-run", ("fail", "planned, never started: "
                                                "an earlier crash, or it did not register"))
    for tid, reason in load_list(a.run, "skipped"):
        final.setdefault(tid, ("skip", reason))

    counts = {"pass": 0, "fail": 0, "skip": 0, "xfail": 0}
    print(f"# kernel {a.kernel}, modules {a.modules}, boots: {' '.join(a.boots)}")
    for boot in a.boots:
        for n in notes(a.run, boot):
            print(f"# boot {boot}: {n}")
    for tid, (st, note) in final.items():
        reason = expected(tid)
        if st == "fail" and reason is not None:
            counts["xfail"] += 1
            print(f"XFAIL {tid}  # {reason}")
        elif st == "pass" and reason is not None and only_optional(tid):
            counts["pass"] += 1
            print(f"PASS  {tid}  # the optional expected failure did not show")
        elif st == "pass" and reason is not None:
            counts["fail"] += 1
            print(f"XPASS {tid}  # expected to fail ({reason}); update tests/vm/expected-failures")
        elif st == "fail":
            counts["fail"] += 1
            print(f"FAIL  {tid}  {note}")
        elif st == "skip":
            counts["skip"] += 1
            print(f"SKIP  {tid}  {note}")
        else:
            counts["pass"] += 1
            print(f"PASS  {tid}")
    # An expected failure that did not show up is gone as surely as one that
    # passed, but only if its boot or binary ran here (--only runs a subset)
    # and, for a single test, its binary got that far.
    for pat, optional, reason in exp:
        if optional or any(fnmatch.fnmatch(tid, pat) for tid in final):
            continue  # reported above (XFAIL, XPASS or SKIP), or may not show
        o = owner(pat)
        if any(fnmatch.fnmatch(b, o) for b in a.boots):
            pass
        elif any(fnmatch.fnmatch(b, o) for b in began):
            leaf = pat.partition("/")[2]
            crashed = [b for b in began if fnmatch.fnmatch(b, o) and
                       final.get(f"{b}/incomplete", ("",))[0] == "fail"]
            if leaf not in ("incomplete", "exit") and crashed:
                print(f"# not reached: {pat} ({crashed[0]} did not complete)")
                continue
        else:
            continue  # not run in this invocation
        counts["fail"] += 1
        print(f"XPASS {pat}  # expected to fail ({reason}) but absent although "
              f"{o} ran; update tests/vm/expected-failures")
    if not final:
        counts["fail"] += 1
        print("FAIL  run/no-results  no boot produced a result and nothing was skipped")
    if counts["fail"]:
        for boot in a.boots:
            print(f"# console of failing run: {a.run}/{boot}/console.log")
        # CI keeps only this output: the end of each console whose boot
        # failed unexpectedly (a hang or crash leaves nothing else to read).
        for boot, tids in failed_in.items():
            if all(expected(t) is not None for t in tids):
                continue
            print_console_tail(a.run, boot)
    if times:
        print("# seconds per binary: " + ", ".join(f"{t} {s}" for t, s in times))
    print(f"# expected failures (known bugs of the reference): {counts['xfail']}")
    print(f"{counts['pass']} passed, {counts['fail']} failed, {counts['skip']} skipped")
    return 1 if counts["fail"] else 0


if __name__ == "__main__":
    sys.exit(main())
