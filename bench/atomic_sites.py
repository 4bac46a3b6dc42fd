#!/usr/bin/env python3
"""bench/atomic_sites.py — the cost of an atomic site (see bench/README.md).

  python3 bench/atomic_sites.py BUILD_DIR [--reps N] [--json]

Builds bench/programs/atomic_loop.c with plain `cc -O1` (a loop of `lock xadd` on one
counter, no weft cc) and times, per atomic instruction:
  native                 the program run natively
  under weft, 1 thread   `weft record --no-stacks`: every increment runs through its
                         trampoline and is a schedule point (one thread: no hand-off)
  --no-atomic-sites      the same without atomic sites (the instruction runs in place)
  under weft, 2 threads  both threads increment, the site made a schedule point from the
                         start (`--memory-sites` of a run that learned it): every increment
                         is a decision and an event in the trace
ns per site = (cpu(N) - cpu(N0)) / (sites(N) - sites(N0)), so start-up cancels; cpu is the
user + system time of the command and its children. Every figure is the median of --reps.
"""

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
N_SMALL, N_LARGE = 1000, 200000
N_SHARED_LARGE = 20000  # per thread: every one is a schedule point


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd):
    start = cpu_seconds()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=600)
    if done.returncode != 0:
        sys.exit("failed (%d): %s\n%s" % (done.returncode, " ".join(cmd), done.stderr[-2000:]))
    return cpu_seconds() - start, done


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    weft = os.path.join(os.path.abspath(args.build), "bin", "weft")
    work = tempfile.mkdtemp(prefix="weft-bench-atomic-")
    try:
        prog = os.path.join(work, "atomic_loop")
        subprocess.run([os.environ.get("CC", "cc"), "-O1", "-g", "-pthread",
                        os.path.join(HERE, "programs", "atomic_loop.c"), "-o", prog], check=True)
        trace = os.path.join(work, "t.weft")
        learned = os.path.join(work, "learned.weft")
        subprocess.run([weft, "record", "--no-stacks", "--seed", "1", "-o", learned, "--", prog,
                        "1000", "2"], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)

        def record(extra):
            return lambda n, threads: [weft, "record", "--no-stacks", "--seed", "1", "-o", trace
                                       ] + extra + ["--", prog, str(n), str(threads)]

        ways = [
            ("native", lambda n, threads: [prog, str(n), str(threads)], 1, N_LARGE),
            ("under weft, 1 thread", record([]), 1, N_LARGE),
            ("under weft --no-atomic-sites, 1 thread", record(["--no-atomic-sites"]), 1, N_LARGE),
            ("under weft, 2 threads (a schedule point each)",
             record(["--memory-sites", learned]), 2, N_SHARED_LARGE),
        ]
        samples = {w[0]: [] for w in ways}
        patched = None
        events = {}
        for _ in range(args.reps):
            for name, cmd, threads, large_n in ways:
                small, _ = timed(cmd(N_SMALL, threads))
                large, done = timed(cmd(large_n, threads))
                sites = (large_n - N_SMALL) * threads
                samples[name].append((large - small) / sites * 1e9)
                if cmd(1, 1)[0] == weft:
                    show = subprocess.run([weft, "record", "--json"] + cmd(large_n, threads)[2:],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                          text=True, check=True)
                    doc = json.loads(show.stderr.strip().splitlines()[-1])
                    events[name] = doc["memory"]["events"]
                if "atomic sites:" in done.stderr and patched is None:
                    patched = [l for l in done.stderr.splitlines() if "atomic sites:" in l][0]
        ns = {w: statistics.median(v) for w, v in samples.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("atomic sites (atomic_loop.c, plain cc -O1: lock xadd on one counter; median of %d)"
          % args.reps)
    if patched:
        print("weft said: " + patched.strip())
    print("| way | ns per atomic instruction | memory events (schedule points) of the large run |")
    print("| --- | --- | --- |")
    for name, _, _, _ in ways:
        print("| %s | %.1f | %s |" % (name, ns[name], events.get(name, "-")))
    print("| cost of a site with one thread (on - off) | %.1f |"
          % (ns["under weft, 1 thread"] - ns["under weft --no-atomic-sites, 1 thread"]))
    if args.json:
        print(json.dumps({"ns_per_site": ns, "memory_events": events}))


if __name__ == "__main__":
    main()
