#!/usr/bin/env python3
"""bench/instrumented.py — what an instrumented build costs, side by side with ThreadSanitizer
(see bench/README.md, "Instrumented builds against ThreadSanitizer").

  python3 bench/instrumented.py BUILD_DIR [--reps N] [--quick] [--json] [--baseline OLD_BUILD]

Builds three programs of bench/programs — a counter loop (inst_counter.c), a hash-map
workload (inst_hashmap.cpp) and an array-heavy one (inst_array.c), each 2 threads working on
data of their own — four ways with gcc -O1 -g, and runs them in one loop, the ways
alternating so that every way sees the same machine load:
  native        plain gcc build, run natively
  tsan          gcc -fsanitize=thread (libtsan), run natively
  weft cc       `weft cc` build (libweft_rt.so) run outside weft
  weft record   the `weft cc` build under `weft record --no-stacks` (a controlled run)
With --baseline OLD_BUILD the programs are also built with the old build's `weft cc` and run
under its `weft record` ("old weft cc", "old weft record"), alternating with the others.
Every figure is the median of --reps repetitions: wall seconds and CPU seconds (user + system
of the command and its children), and the ratios of the medians against native and against
tsan. Then the cost per access of the counter loop (the slope between two sizes, so start-up
cancels: (cpu(N) - cpu(N0)) / (accesses(N) - accesses(N0))), whose `weft record` minus
`weft cc` difference is the shim's fast path, and `weft explore` runs/s of each program at
a small size (clean programs, so every run happens).
"""

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))

# program → (source, C++?, size argument for the timed runs, --quick size)
PROGRAMS = {
    "counter": ("inst_counter.c", False, 2000000, 300000),
    "hashmap": ("inst_hashmap.cpp", True, 60000, 10000),
    "array": ("inst_array.c", False, 60, 10),
}
WAYS = ("native", "tsan", "weft cc", "weft record")
COUNTER_SMALL = 100000  # the counter loop's small size for the per-access slope
EXPLORE_SIZES = {"counter": 1000, "hashmap": 200, "array": 1}
EXPLORE_RUNS = 50


class BenchError(Exception):
    pass


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd, timeout=900):
    """(wall seconds, CPU seconds of cmd and its descendants, CompletedProcess)."""
    cpu0, wall0 = children_cpu(), time.monotonic()
    try:
        done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              stdin=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError("timed out after %d s: %s" % (timeout, " ".join(cmd)))
    wall, cpu = time.monotonic() - wall0, children_cpu() - cpu0
    if done.returncode != 0:
        raise BenchError("exit %d: %s\n%s" % (done.returncode, " ".join(cmd), done.stderr[-2000:]))
    return wall, cpu, done


def build(weft, work, old_weft=None):
    """{program: {way: binary}}; the 'weft record' ways run the 'weft cc' binaries."""
    binaries = {}
    for name, (source, cxx, _, _) in PROGRAMS.items():
        src = os.path.join(HERE, "programs", source)
        compiler = "g++" if cxx else "gcc"
        if shutil.which(compiler) is None:
            raise BenchError("no %s on PATH" % compiler)
        built = ["native", "tsan", "weft cc"] + (["old weft cc"] if old_weft else [])
        out = {w: os.path.join(work, "%s-%s" % (name, w.replace(" ", "_"))) for w in built}
        commands = {
            "native": [compiler, "-O1", "-g", "-pthread", src, "-o", out["native"]],
            "tsan": [compiler, "-O1", "-g", "-pthread", "-fsanitize=thread", src, "-o",
                     out["tsan"]],
            "weft cc": [weft, "c++" if cxx else "cc", "-O1", "-g", "-pthread", src, "-o",
                        out["weft cc"]],
        }
        if old_weft:
            commands["old weft cc"] = [old_weft, "c++" if cxx else "cc", "-O1", "-g", "-pthread",
                                       src, "-o", out["old weft cc"]]
        env = dict(os.environ, WEFT_CC="gcc", WEFT_CXX="g++")
        for way, cmd in commands.items():
            done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                  env=env)
            if done.returncode != 0:
                raise BenchError("cannot build %s (%s): %s\n%s" % (name, way, " ".join(cmd),
                                                                  done.stderr[-2000:]))
        binaries[name] = dict(out, **{"weft record": out["weft cc"]})
        if old_weft:
            binaries[name]["old weft record"] = out["old weft cc"]
    return binaries


def command(weft, way, binary, size, trace, old_weft=None):
    if way in ("weft record", "old weft record"):
        w = old_weft if way.startswith("old") else weft
        return [w, "record", "--no-stacks", "--seed", "1", "-o", trace, "--", binary, str(size)]
    if way == "tsan":
        # NB: ThreadSanitizer's shadow mapping needs the fixed layout on some kernels, as weft
        # runs every program with ASLR off; setarch -R does the same for TSan.
        return ["setarch", "-R", binary, str(size)]
    return [binary, str(size)]


def median_ratio(a, b):
    return a / b if b > 0 else float("nan")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="smaller sizes, a smoke run")
    parser.add_argument("--json", action="store_true", help="also print the numbers as JSON")
    parser.add_argument("--baseline", metavar="OLD_BUILD",
                        help="also build and run with another build's weft, side by side")
    args = parser.parse_args()
    weft = os.path.join(os.path.abspath(args.build), "bin", "weft")
    if not os.access(weft, os.X_OK):
        sys.exit("no weft at %s: build it first (cmake --build %s)" % (weft, args.build))
    old_weft = None
    if args.baseline:
        old_weft = os.path.join(os.path.abspath(args.baseline), "bin", "weft")
        if not os.access(old_weft, os.X_OK):
            sys.exit("no weft at %s" % old_weft)
    ways = WAYS + (("old weft cc", "old weft record") if old_weft else ())
    work = tempfile.mkdtemp(prefix="weft-bench-instrumented-")
    try:
        binaries = build(weft, work, old_weft)
        trace = os.path.join(work, "t.weft")
        sizes = {n: (p[3] if args.quick else p[2]) for n, p in PROGRAMS.items()}
        samples = {n: {w: [] for w in ways} for n in PROGRAMS}
        slopes = {w: [] for w in ways}
        counter_accesses = lambda size: 2 * 2 * size  # 2 threads x (load + store) x size
        for _ in range(args.reps):
            for name in PROGRAMS:
                for way in ways:
                    wall, cpu, _ = timed(command(weft, way, binaries[name][way], sizes[name],
                                                 trace, old_weft))
                    samples[name][way].append((wall, cpu))
            for way in ways:
                small = timed(command(weft, way, binaries["counter"][way], COUNTER_SMALL, trace,
                                      old_weft))
                large = timed(command(weft, way, binaries["counter"][way], sizes["counter"],
                                      trace, old_weft))
                slopes[way].append((large[1] - small[1]) /
                                   (counter_accesses(sizes["counter"]) -
                                    counter_accesses(COUNTER_SMALL)) * 1e9)
        rates = {}
        for name in PROGRAMS:
            found = []
            for rep in range(max(1, min(args.reps, 3))):
                _, _, done = timed([weft, "explore", "--json", "--runs", str(EXPLORE_RUNS),
                                    "--seed", str(1 + 1000 * rep), "-o",
                                    os.path.join(work, "explore"), "--",
                                    binaries[name]["weft cc"], str(EXPLORE_SIZES[name])])
                doc = json.loads(done.stdout.strip().splitlines()[-1])
                if doc.get("failures"):
                    raise BenchError("explore found a failure in %s: %s" % (name, doc["failures"]))
                found.append(doc["runs_per_second"])
            rates[name] = statistics.median(found)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    medians = {n: {w: (statistics.median(s[0] for s in v), statistics.median(s[1] for s in v))
                   for w, v in ways.items()} for n, ways in samples.items()}
    print("instrumented builds against ThreadSanitizer (gcc -O1, 2 threads on data of their own; "
          "median of %d; %s, %d CPUs, %s)" % (args.reps, weft, os.cpu_count() or 0,
                                              platform.platform(terse=True)))
    print("| program (size) | way | wall s | cpu s | wall / native | wall / tsan | cpu / tsan |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for name, ways in medians.items():
        native, tsan = ways["native"], ways["tsan"]
        for way, (wall, cpu) in ways.items():
            print("| %s (%d) | %s | %.3f | %.3f | %.1f | %.2f | %.2f |" % (
                name, sizes[name], way, wall, cpu, median_ratio(wall, native[0]),
                median_ratio(wall, tsan[0]), median_ratio(cpu, tsan[1])))
    ns = {w: statistics.median(v) for w, v in slopes.items()}
    print()
    print("| counter loop, ns per access (cpu slope %d..%d) | ns |" % (COUNTER_SMALL,
                                                                       sizes["counter"]))
    print("| --- | --- |")
    for way in ways:
        print("| %s | %.2f |" % (way, ns[way]))
    print("| shim fast path (weft record - weft cc) | %.2f |" % (ns["weft record"] - ns["weft cc"]))
    if old_weft:
        print("| old shim fast path (old weft record - old weft cc) | %.2f |" % (
            ns["old weft record"] - ns["old weft cc"]))
    print()
    print("| program (size) | weft explore runs/s (%d runs, clean) |" % EXPLORE_RUNS)
    print("| --- | --- |")
    for name, rate in rates.items():
        print("| %s (%d) | %.1f |" % (name, EXPLORE_SIZES[name], rate))
    if args.json:
        print(json.dumps({"schema": "weft-bench-instrumented/1", "reps": args.reps,
                          "baseline": old_weft,
                          "sizes": sizes,
                          "median_seconds": {n: {w: {"wall": v[0], "cpu": v[1]}
                                                 for w, v in ways.items()}
                                             for n, ways in medians.items()},
                          "counter_ns_per_access": ns, "explore_runs_per_second": rates}))


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        sys.exit("bench/instrumented.py: %s" % e)
