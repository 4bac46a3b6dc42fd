#!/usr/bin/env python3
"""bench/free.py — what a free recording (weft record --free) costs: native against --free
(and, for reference, a controlled `weft record --no-stacks`) on real multi-threaded programs
and a lock ping-pong; prints a table (see bench/README.md).

  python3 bench/free.py BUILD_DIR [--reps N] [--quick] [--no-controlled]

Each row runs its command natively, under `weft record --free` and (unless --no-controlled)
under `weft record --no-stacks`, alternating within one loop, --reps times (default 5); the
table gives the medians, the ratios of the medians, the events and trace MB/s of the free
recording. Programs missing from the machine (scripts/install-deps.sh installs them) are
skipped with a line that says so.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def timed(cmd, cwd, stdout=subprocess.DEVNULL):
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=900)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError("exit %d: %s\n%s" % (proc.returncode, " ".join(cmd),
                                                proc.stderr.decode(errors="replace")[-1500:]))
    return wall


def events_of(weft, trace):
    proc = subprocess.run([weft, "show", trace, "--json"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL)
    import json
    try:
        return len(json.loads(proc.stdout)["events"])
    except (ValueError, KeyError):
        return 0


def build_programs(tmp, quick):
    """(name, argv, needs) rows; builds the C programs into tmp."""
    cc = shutil.which("cc") or "gcc"
    subprocess.run([cc, "-O2", "-pthread", "-o", os.path.join(tmp, "pingpong"),
                    os.path.join(HERE, "programs", "pingpong.c")], check=True)
    rows = []
    data = os.path.join(tmp, "data.bin")
    size = 8 if quick else 48
    with open(data, "wb") as f:
        # Compressible but not trivial: text-like lines with counters.
        for i in range(size * 1024 * 1024 // 64):
            f.write(("line %012d of the benchmark input, some words %08x\n" % (i, i * 2654435761 % 2**32))[:64].encode())
    lines = os.path.join(tmp, "lines.txt")
    with open(lines, "w") as f:
        for i in range(400000 if not quick else 100000):
            f.write("%08x %d\n" % ((i * 2654435761) % 2**32, i))
    rows.append(("pigz -p4", ["pigz", "-p", "4", "-c", data], "pigz"))
    rows.append(("zstd -T4", ["zstd", "-T4", "-3", "-c", data], "zstd"))
    rows.append(("sort --parallel=4", ["sort", "--parallel=4", "-S", "64M", lines], "sort"))
    rows.append(("git grep --threads=4", ["git", "-C", ROOT, "grep", "--threads=4", "-c",
                                           "weft"], "git"))
    sqlite_src = os.path.join(ROOT, "tests", "realworld", "sqlite_threads.c")
    if os.path.exists("/usr/include/sqlite3.h"):
        exe = os.path.join(tmp, "sqlite_threads")
        subprocess.run([cc, "-O2", "-pthread", "-o", exe, sqlite_src, "-lsqlite3"], check=True)
        rows.append(("sqlite 4 threads", [exe, os.path.join(tmp, "db.sqlite")], None))
    else:
        print("skipped: sqlite 4 threads (no libsqlite3-dev)")
    n = "100000" if quick else "500000"
    rows.append(("lock ping-pong (2x%s)" % n, [os.path.join(tmp, "pingpong"), n], None))
    return rows


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-controlled", action="store_true")
    a = ap.parse_args()
    weft = os.path.abspath(os.path.join(a.build, "bin", "weft"))
    if not os.access(weft, os.X_OK):
        sys.exit("no weft at %s" % weft)
    tmp = tempfile.mkdtemp(prefix="weft-free-bench-")
    try:
        rows = build_programs(tmp, a.quick)
        print("free-mode cost: median of %d, native / --free / controlled alternating; "
              "ratios of medians" % a.reps)
        head = "%-26s %9s %9s %7s %9s %7s %10s %8s" % (
            "program", "native s", "free s", "free/n", "ctrl s", "ctrl/n", "events", "MB/s")
        print(head)
        print("-" * len(head))
        for name, argv, needs in rows:
            if needs is not None and shutil.which(needs) is None:
                print("%-26s skipped: %s is not installed" % (name, needs))
                continue
            trace = os.path.join(tmp, "free.weft")
            ctrl_trace = os.path.join(tmp, "ctrl.weft")
            native, free, ctrl = [], [], []
            for rep in range(a.reps):
                for f in ("db.sqlite", "db.sqlite-journal"):
                    p = os.path.join(tmp, f)
                    if os.path.exists(p):
                        os.remove(p)
                native.append(timed(argv, tmp))
                for f in ("db.sqlite",):
                    p = os.path.join(tmp, f)
                    if os.path.exists(p):
                        os.remove(p)
                free.append(timed([weft, "record", "--free", "-o", trace, "--"] + argv, tmp))
                if not a.no_controlled:
                    p = os.path.join(tmp, "db.sqlite")
                    if os.path.exists(p):
                        os.remove(p)
                    ctrl.append(timed([weft, "record", "--no-stacks", "-o", ctrl_trace, "--"]
                                      + argv, tmp))
            n, f = statistics.median(native), statistics.median(free)
            c = statistics.median(ctrl) if ctrl else float("nan")
            events = events_of(weft, trace)
            mb = os.path.getsize(trace) / 1e6 / f if f > 0 else 0
            print("%-26s %9.3f %9.3f %7.2f %9.3f %7.2f %10d %8.2f" % (
                name, n, f, f / n, c, c / n, events, mb))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
