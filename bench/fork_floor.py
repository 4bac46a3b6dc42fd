#!/usr/bin/env python3
"""bench/fork_floor.py — how close weft's forked runs are to the least a forked run can cost
(issue 14's goal: forked runs at 5x the runs/s of exec'd ones; see bench/README.md, "Fork
server", and docs/fork_server.md).

  python3 bench/fork_floor.py BUILD_DIR [--reps N] [--runs N] [--python PYTHON3] [--json]

For the two programs of bench/fork_server.py (the tiny C program two_threads.c and python3
running a script that starts a thread), alternating in one loop REPS times (so all see the same
machine load), with -j 1:
  weft exec    `weft explore --runs RUNS -j 1 --no-stacks --spawn exec` (weft's runs_per_second)
  weft fork    the same with --spawn fork
  fork         the program forking itself past its start-up once a run, no weft (bench/programs/
               fork_floor.c, compiled with two_threads.c's work; fork_floor.py for python3):
               fork, the run's work, exit (CPython's finalization included), wait
  fork+shim    the same with weft's shim loaded (LD_PRELOAD) but idle (no session: every hook
               calls the real function)
  fork+ptrace  (C only) the same, each child seized by its parent with weft's ptrace options
               and every stop resumed: the two clone events, the new threads' first stops, the
               exit stop; what weft's supervisor cannot do without
Prints per program and row the median runs/s, the median CPU milliseconds per run (user +
system of everything involved) and the runs/s over weft exec's, and the goal (5x weft exec's
runs/s). A row that is below the goal has no room for weft at all.
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

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fork_server  # noqa: E402  (its explore() and its CPython script)


def floor(argv, env):
    """(runs/s, CPU ms per run) of one fork_floor run."""
    p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    if p.returncode != 0:
        sys.exit("%s failed (%d): %s" % (" ".join(argv), p.returncode, p.stderr))
    runs, wall, cpu = p.stdout.split()
    return int(runs) / float(wall), 1000.0 * float(cpu) / int(runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--runs", type=int, default=500)
    ap.add_argument("--python", help="the python3 to run (default: the one on PATH, resolved "
                    "to its executable)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    weft = os.path.abspath(os.path.join(args.build, "bin", "weft"))
    shim = os.path.abspath(os.path.join(args.build, "lib", "weft", "libweft_preload.so"))
    for path in (weft, shim):
        if not os.path.exists(path):
            sys.exit("no " + path)
    env = dict(os.environ)
    env.pop("WEFT_PRELOAD", None)
    shim_env = dict(env)
    shim_env["LD_PRELOAD"] = shim
    tmp = tempfile.mkdtemp(prefix="weft-bench-floor-")
    try:
        cc = os.environ.get("CC", "cc")
        tiny = os.path.join(tmp, "two_threads")
        c_floor = os.path.join(tmp, "fork_floor")
        for src, out in (("two_threads.c", tiny), ("fork_floor.c", c_floor)):
            subprocess.run([cc, "-O1", "-g", "-pthread", "-o", out,
                            os.path.join(HERE, "programs", src)], check=True)
        script = os.path.join(tmp, "thread.py")
        with open(script, "w") as f:
            f.write(fork_server.PY_SCRIPT)
        python = args.python or shutil.which("python3")
        python = subprocess.run([python, "-c", "import sys; print(sys.executable)"],
                                stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
        py_floor = [python, os.path.join(HERE, "programs", "fork_floor.py"), str(args.runs)]
        programs = [
            ("tiny C (two_threads.c)", [tiny], [
                ("fork", [c_floor, str(args.runs)], env),
                ("fork+shim", [c_floor, str(args.runs)], shim_env),
                ("fork+ptrace", [c_floor, str(args.runs), "ptrace"], env),
                ("fork+ptrace+shim", [c_floor, str(args.runs), "ptrace"], shim_env),
            ]),
            ("python3 (a thread, a lock)", [python, script], [
                ("fork", py_floor, env),
                ("fork+shim", py_floor, shim_env),
            ]),
        ]
        out = []
        print("weft %s, %d CPUs, %s; %d runs each, -j 1, medians of %d; load average %s" %
              (weft, os.cpu_count(), platform.release(), args.runs, args.reps,
               " ".join("%.1f" % x for x in os.getloadavg())))
        print("%-28s %-18s %10s %10s %9s" % ("program", "row", "runs/s", "cpu ms", "/ exec"))
        for name, argv, floors in programs:
            rate = {}
            cpu = {}
            for _ in range(args.reps):
                for spawn in ("exec", "fork"):
                    doc = fork_server.explore(weft, argv, spawn, args.runs, 1, tmp, env)
                    rate.setdefault("weft " + spawn, []).append(doc["runs_per_second"])
                    cpu.setdefault("weft " + spawn, []).append(
                        1000.0 * doc["cpu_seconds"] / args.runs)
                for label, cmd, e in floors:
                    r, c = floor(cmd, e)
                    rate.setdefault(label, []).append(r)
                    cpu.setdefault(label, []).append(c)
            exec_rate = statistics.median(rate["weft exec"])
            rows = []
            for label in rate:
                r = statistics.median(rate[label])
                rows.append({"program": name, "row": label, "runs_per_second": r,
                             "cpu_ms_per_run": statistics.median(cpu[label]),
                             "over_exec": r / exec_rate})
            rows.append({"program": name, "row": "goal (5x exec)",
                         "runs_per_second": 5 * exec_rate, "cpu_ms_per_run": None,
                         "over_exec": 5.0})
            for row in rows:
                c = row["cpu_ms_per_run"]
                print("%-28s %-18s %10.1f %10s %8.2fx" %
                      (row["program"], row["row"], row["runs_per_second"],
                       "%.2f" % c if c is not None else "", row["over_exec"]))
            out.extend(rows)
        if args.json:
            print(json.dumps({"runs": args.runs, "reps": args.reps, "rows": out}, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
