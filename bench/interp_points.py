#!/usr/bin/env python3
"""bench/interp_points.py — what CPython's interpreter points cost (see bench/README.md).

  python3 bench/interp_points.py BUILD_DIR [--baseline OLD_BUILD_DIR] [--reps N] [--json]

Runs bench/programs/py_threads_cpu.py (two threads of pure-Python work) with the system's
python3 and prints, per size of the work (N calls of a function per thread, a generator
around them), the CPU seconds of
  native             python3 alone
  weft record        under weft (--no-stacks): the profile hook in both threads, a point
                     every 48 interpreter calls on average
  baseline           the same with --baseline's weft (an older build: before the points,
                     the difference is their cost)
and the INTERP_POINT events of the recording. `per point` = (weft(N_large) - weft(N_small))
/ (points(N_large) - points(N_small)): start-up cancels. Every figure is the median of
--reps, the builds alternating.
"""

import argparse
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAM = os.path.join(HERE, "programs", "py_threads_cpu.py")
PYTHON = "/usr/bin/python3"
SIZES = (20000, 200000)


def cpu_seconds():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def timed(cmd):
    start = cpu_seconds()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=900)
    if done.returncode != 0:
        sys.exit("failed (%d): %s\n%s" % (done.returncode, " ".join(cmd), done.stderr[-2000:]))
    return cpu_seconds() - start


def points(weft, trace):
    done = subprocess.run([weft, "show", "--json", trace], stdout=subprocess.PIPE, text=True,
                          check=True)
    return sum(1 for e in json.loads(done.stdout)["events"] if e["kind"] == "interp_point")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("build")
    parser.add_argument("--baseline")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    builds = [("weft record", os.path.join(os.path.abspath(args.build), "bin", "weft"))]
    if args.baseline:
        builds.append(("baseline", os.path.join(os.path.abspath(args.baseline), "bin", "weft")))
    work = tempfile.mkdtemp(prefix="weft-bench-interp-")
    rows = {}
    for n in SIZES:
        samples = {"native": []}
        samples.update({name: [] for name, _ in builds})
        count = {}
        for _ in range(args.reps):
            samples["native"].append(timed([PYTHON, PROGRAM, str(n)]))
            for name, weft in builds:
                trace = os.path.join(work, "%s-%d.weft" % (re.sub(r"\W", "", name), n))
                samples[name].append(timed([weft, "record", "--no-stacks", "-o", trace, "--",
                                            PYTHON, PROGRAM, str(n)]))
                count[name] = points(weft, trace)
        rows[n] = {k: statistics.median(v) for k, v in samples.items()}
        rows[n]["points"] = count["weft record"]
    small, large = rows[SIZES[0]], rows[SIZES[-1]]
    per_point = None
    if large["points"] > small["points"]:
        per_point = ((large["weft record"] - small["weft record"]) /
                     (large["points"] - small["points"]) * 1e9)
    if args.json:
        json.dump({"rows": rows, "ns_per_point": per_point}, sys.stdout, indent=1)
        print()
        return
    names = ["native"] + [name for name, _ in builds]
    print("%-8s %s %8s %s" % ("N", " ".join("%12s" % n for n in names), "points",
                              " ".join("%14s" % ("%s/native" % n) for n in names[1:])))
    for n in SIZES:
        r = rows[n]
        print("%-8d %s %8d %s" % (n, " ".join("%11.3fs" % r[k] for k in names), r["points"],
                                  " ".join("%13.2fx" % (r[k] / r["native"]) for k in names[1:])))
    if per_point is not None:
        print("per point (weft record, start-up cancelled): %.0f ns" % per_point)
    if len(names) == 3:
        print("weft record / baseline at N=%d: %.2fx" % (SIZES[-1], large["weft record"] /
                                                          large["baseline"]))


if __name__ == "__main__":
    main()
