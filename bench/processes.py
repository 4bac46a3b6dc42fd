#!/usr/bin/env python3
"""bench/processes.py — what a two-process program costs under weft (issue 10).

  python3 bench/processes.py BUILD_DIR [--reps N] [--passes N] [--runs N] [--json]

Compiles programs/two_process.c (a parent and its forked child pass a token through two
pipes N times, then each appends a line to one file under flock) with cc -O1 -g into a
temporary directory and measures with BUILD_DIR/bin/weft, each figure the median of --reps:
  record   events/s: the trace's events (`weft show --json`) over the wall time of
           `weft record --no-stacks -- two_process PASSES` (start-up and the trace included)
  explore  runs/s: runs over the wall time of `weft explore --runs RUNS --json -- two_process
           20` (every run clean), and weft's own runs_per_second beside it
  native   the wall time of `two_process PASSES` without weft, for scale
"""

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, cwd, timeout=600):
    start = time.monotonic()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=timeout, cwd=cwd)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit("exit %d: %s\n%s" % (proc.returncode, " ".join(cmd),
                                      proc.stderr.decode(errors="replace")[-2000:]))
    return wall, proc.stdout.decode(errors="replace")


def last_json(text):
    for line in reversed(text.splitlines()):
        if line.startswith("{"):
            return json.loads(line)
    return json.loads(text)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--passes", type=int, default=2000, help="token passes when recording")
    parser.add_argument("--runs", type=int, default=200, help="explore's runs")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    weft = os.path.join(os.path.abspath(args.build), "bin", "weft")
    if not os.access(weft, os.X_OK):
        sys.exit("no weft at %s (build it first)" % weft)
    work = tempfile.mkdtemp(prefix="weft-bench-proc-")
    try:
        prog = os.path.join(work, "two_process")
        cc = os.environ.get("CC", "cc")
        subprocess.run([cc, "-O1", "-g", "-o", prog, os.path.join(HERE, "programs",
                                                                 "two_process.c")], check=True)
        trace = os.path.join(work, "two_process.weft")
        native, record, events, explore, own = [], [], [], [], []
        for _ in range(args.reps):
            wall, _ = run([prog, str(args.passes)], work)
            native.append(wall)
            wall, _ = run([weft, "record", "--no-stacks", "-o", trace, "--", prog,
                           str(args.passes)], work)
            _, shown = run([weft, "show", "--json", trace], work)
            n = len(json.loads(shown)["events"])
            record.append(wall)
            events.append(n / wall)
            wall, out = run([weft, "explore", "--runs", str(args.runs), "--json", "--", prog,
                             "20"], work)
            result = last_json(out)
            if result["failures"] or result["runs"] != args.runs:
                sys.exit("explore of two_process: %d runs, %d failures"
                         % (result["runs"], len(result["failures"])))
            explore.append(args.runs / wall)
            own.append(result.get("runs_per_second") or 0.0)
        med = statistics.median
        figures = {
            "events": n, "passes": args.passes, "runs": args.runs, "reps": args.reps,
            "native_seconds": med(native), "record_seconds": med(record),
            "record_events_per_second": med(events), "explore_runs_per_second": med(explore),
            "explore_weft_runs_per_second": med(own),
        }
        print("weft %s, %d CPUs, %s %s, load %.1f; medians of %d" % (
            weft, os.cpu_count(), platform.system(), platform.release(), os.getloadavg()[0],
            args.reps))
        print("%-44s %12s" % ("two_process (parent + forked child)", "median"))
        print("%-44s %12.4f" % ("native, %d passes (s)" % args.passes, figures["native_seconds"]))
        print("%-44s %12.4f" % ("weft record --no-stacks, %d passes (s)" % args.passes,
                                figures["record_seconds"]))
        print("%-44s %12.0f" % ("  events/s (%d events)" % n, figures["record_events_per_second"]))
        print("%-44s %12.1f" % ("weft explore --runs %d: runs/s" % args.runs,
                                figures["explore_runs_per_second"]))
        print("%-44s %12.1f" % ("  weft's own runs_per_second",
                                figures["explore_weft_runs_per_second"]))
        if args.json:
            print(json.dumps(figures))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
