#!/usr/bin/env python3
"""bench/memory.py — the cost of plain memory accesses under weft (see bench/README.md).

  python3 bench/memory.py BUILD_DIR [--reps N] [--json]

Builds bench/programs/private_array.c (one worker thread adding over an array of its own)
three ways — plainly with cc -O1, and with `weft cc -O1` — and times, per access:
  native          the plain build, run natively
  runtime alone   the weft cc build run natively (libweft_rt.so, no shim: a test, a branch)
  under weft      the weft cc build under `weft record --no-stacks` (the shim's fast path:
                  every access is to a granule only its own thread touched)
ns per access = (cpu(N) - cpu(N0)) / (accesses(N) - accesses(N0)), so start-up cancels; cpu is
the user + system time of the command and its children (weft, the program), which a loaded
machine inflates less than wall time.
Then `weft explore` runs/s on the lost-update counter built with `weft cc -O0`: its fixed
version (an atomic counter, 200 runs, all happen) and the racy one (runs until the first
failure). Then read-shared memory: tests/instrument/shared_table_ok.c (main fills a 64 KiB
table, 4 threads read all of it 100 times: 3.3 million reads that cannot conflict) under
`weft record --no-stacks`: its events and wall time, with this build and, side by side in
the same loop, with --baseline BUILD_DIR (e.g. a build of the commit before), so both see the
same machine load. Every figure is the median of --reps repetitions.

  python3 bench/memory.py BUILD_DIR [--reps N] [--json] [--baseline OLD_BUILD_DIR]
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
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
N_SMALL, N_LARGE = 1000, 100000


def accesses(n):
    return 512 * 2 * n  # elements x (read + write) x iterations, one worker thread


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd):
    """(CPU seconds of cmd and its descendants, CompletedProcess)."""
    start = cpu_seconds()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=600)
    wall = cpu_seconds() - start
    if done.returncode not in (0, 1):
        sys.exit("failed (%d): %s\n%s" % (done.returncode, " ".join(cmd), done.stderr[-2000:]))
    return wall, done


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--baseline", help="another build: the read-shared table with it too")
    args = parser.parse_args()
    weft = os.path.join(os.path.abspath(args.build), "bin", "weft")
    builds = {"this build": weft}
    if args.baseline:
        builds["baseline"] = os.path.join(os.path.abspath(args.baseline), "bin", "weft")
    work = tempfile.mkdtemp(prefix="weft-bench-memory-")
    try:
        src = os.path.join(HERE, "programs", "private_array.c")
        plain = os.path.join(work, "plain")
        inst = os.path.join(work, "inst")
        cc = os.environ.get("CC", "cc")
        for cmd in ([cc, "-O1", "-g", "-pthread", src, "-o", plain],
                    [weft, "cc", "-O1", "-g", "-pthread", src, "-o", inst]):
            subprocess.run(cmd, check=True)
        trace = os.path.join(work, "t.weft")
        ways = {
            "native": lambda n: [plain, str(n)],
            "runtime alone": lambda n: [inst, str(n)],
            "under weft": lambda n: [weft, "record", "--no-stacks", "--seed", "1", "-o", trace,
                                     "--", inst, str(n)],
        }
        samples = {w: [] for w in ways}
        for _ in range(args.reps):
            for way, cmd in ways.items():
                small, _ = timed(cmd(N_SMALL))
                large, _ = timed(cmd(N_LARGE))
                samples[way].append((large - small) / (accesses(N_LARGE) - accesses(N_SMALL)) * 1e9)
        ns = {w: statistics.median(v) for w, v in samples.items()}

        counters = {}
        for name in ("lost_update_atomic_ok", "lost_update_racy"):
            out = os.path.join(work, name)
            subprocess.run([weft, "cc", "-O0", "-g", "-pthread",
                            os.path.join(ROOT, "tests", "instrument", name + ".c"), "-o", out],
                           check=True)
            rates, firsts = [], []
            for rep in range(args.reps):
                runs = "200" if name.endswith("_ok") else "100"
                _, done = timed([weft, "explore", "--json", "--runs", runs, "--seed",
                                 str(1 + 1000 * rep), "-o", os.path.join(work, "x"), "--", out])
                doc = json.loads(done.stdout.strip().splitlines()[-1])
                rates.append(doc["runs_per_second"])
                firsts.append(doc["first_failure_run"] or 0)
            counters[name] = {"runs_per_second": statistics.median(rates),
                              "first_failure_run": statistics.median(firsts)}

        table = os.path.join(work, "shared_table_ok")
        subprocess.run([weft, "cc", "-O1", "-g", "-pthread",
                        os.path.join(ROOT, "tests", "instrument", "shared_table_ok.c"), "-o",
                        table], check=True)
        shared = {b: {"events": [], "memory_events": [], "wall": []} for b in builds}
        for _ in range(args.reps):
            for build, exe in builds.items():  # NB: alternating: both see the same load
                start = time.monotonic()
                done = subprocess.run([exe, "record", "--json", "--no-stacks", "--seed", "1",
                                       "-o", trace, "--", table], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, timeout=600)
                wall = time.monotonic() - start
                doc = json.loads(done.stderr.strip().splitlines()[-1])
                if doc.get("exit_code") != 0:
                    sys.exit("shared_table_ok failed under %s: %s" % (exe, done.stderr[-2000:]))
                shared[build]["events"].append(doc["events"])
                shared[build]["memory_events"].append(doc["memory"]["events"])
                shared[build]["wall"].append(wall)
        shared = {b: {k: statistics.median(v) for k, v in m.items()} for b, m in shared.items()}
    finally:
        shutil.rmtree(work, ignore_errors=True)

    print("memory accesses (private_array, 1 worker thread x 512 longs, read + write; median of %d)"
          % args.reps)
    print("| way | ns per access |")
    print("| --- | --- |")
    for way in ways:
        print("| %s | %.2f |" % (way, ns[way]))
    print("| shim fast path (under weft - runtime alone) | %.2f |"
          % (ns["under weft"] - ns["runtime alone"]))
    print()
    print("| lost-update counter (weft cc -O0, 2 x 1000 count++) | explore runs/s | first failing run |")
    print("| --- | --- | --- |")
    for name, c in counters.items():
        print("| %s | %.0f | %s |" % (name, c["runs_per_second"],
                                      "-" if name.endswith("_ok") else "%g" % c["first_failure_run"]))
    print()
    print("| read-shared table (4 threads x 100 reads of 64 KiB, weft record --no-stacks) "
          "| events | memory events | wall s |")
    print("| --- | --- | --- | --- |")
    for build, m in shared.items():
        print("| %s (%s) | %d | %d | %.2f |" % (build, builds[build], m["events"],
                                               m["memory_events"], m["wall"]))
    if args.json:
        print(json.dumps({"ns_per_access": ns, "explore": counters, "read_shared": shared}))


if __name__ == "__main__":
    main()
