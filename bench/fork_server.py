#!/usr/bin/env python3
"""bench/fork_server.py — explore runs/s with each run exec'd against each run forked from a
fork server (see bench/README.md, "Fork server", and docs/fork_server.md).

  python3 bench/fork_server.py BUILD_DIR [--reps N] [--runs N] [-j N] [--json]
                               [--baseline OTHER_BUILD_DIR] [--python PYTHON3]

For each program (a tiny C program: two threads, a few locked increments; and python3
starting a thread), runs `BUILD_DIR/bin/weft explore --runs RUNS -j J --no-stacks --json`
with `--spawn exec` and with `--spawn fork`, alternating the two in one loop REPS times (so
both see the same machine load), and prints per program the median runs/s of each (weft's
own `runs_per_second`), their ratio, the median milliseconds per run of each and their
difference (what exec, loading and the shim's start-up cost a run: the part a fork server
removes), how many runs were forked, and the median CPU milliseconds (user + system of weft
and all it waited for) per run of each, steadier than wall time on a loaded machine. With --json the numbers follow as one JSON object.
With --baseline, the other build's `weft` runs in the same loop too (exec and fork, right
after this build's), and each program gets a second row, its medians, and a last column:
this build's fork runs/s over the baseline's and its fork CPU per run over the baseline's. The baseline's shim is its own build's
(`OTHER_BUILD_DIR/lib/weft/libweft_preload.so`) unless WEFT_PRELOAD names one.
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

HERE = os.path.dirname(os.path.abspath(__file__))

PY_SCRIPT = ("import threading\n"
             "n = [0]\n"
             "l = threading.Lock()\n"
             "def work():\n"
             "    with l:\n"
             "        n[0] += 1\n"
             "t = threading.Thread(target=work)\n"
             "t.start()\n"
             "work()\n"
             "t.join()\n")


def cpu_of_children():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def explore(weft, argv, spawn, runs, jobs, cwd, env=None):
    """explore's JSON document, with "cpu_seconds" added: the CPU (user + system) of weft
    and everything it waited for (the program's runs, the fork server and its children)."""
    cmd = [weft, "explore", "--runs", str(runs), "-j", str(jobs), "--no-stacks", "--json",
           "--spawn", spawn, "-o", os.path.join(cwd, "out-" + spawn), "--"] + argv
    before = cpu_of_children()
    p = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       env=env)
    cpu = cpu_of_children() - before
    if p.returncode != 0:
        sys.exit("weft explore failed (%d): %s\n%s" % (p.returncode, " ".join(cmd), p.stderr))
    doc = json.loads(p.stdout)
    if doc["runs"] != runs:
        sys.exit("%s: %d runs of %d" % (" ".join(argv), doc["runs"], runs))
    doc["cpu_seconds"] = cpu
    return doc


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("-j", "--jobs", type=int, default=1)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--baseline", help="another build directory, measured in the same loop")
    ap.add_argument("--python", help="the python3 to run (default: the one on PATH, resolved "
                    "to its executable)")
    args = ap.parse_args()
    builds = [("this", args.build)] + ([("baseline", args.baseline)] if args.baseline else [])
    wefts = {}
    envs = {}
    for label, build in builds:
        wefts[label] = os.path.abspath(os.path.join(build, "bin", "weft"))
        if not os.access(wefts[label], os.X_OK):
            sys.exit("no weft at " + wefts[label])
        env = dict(os.environ)
        shim = os.path.abspath(os.path.join(build, "lib", "weft", "libweft_preload.so"))
        if label == "this" or ("WEFT_PRELOAD" not in env and os.path.exists(shim)):
            env.pop("WEFT_PRELOAD", None)
            if label != "this":
                env["WEFT_PRELOAD"] = shim
        envs[label] = env
    weft = wefts["this"]
    tmp = tempfile.mkdtemp(prefix="weft-bench-fork-")
    try:
        tiny = os.path.join(tmp, "two_threads")
        cc = os.environ.get("CC", "cc")
        subprocess.run([cc, "-O1", "-g", "-pthread", "-o", tiny,
                        os.path.join(HERE, "programs", "two_threads.c")], check=True)
        script = os.path.join(tmp, "thread.py")
        with open(script, "w") as f:
            f.write(PY_SCRIPT)
        python = args.python or shutil.which("python3")
        # NB: a launcher script (pyenv's shims) is no program weft runs: its interpreter is.
        python = subprocess.run([python, "-c", "import sys; print(sys.executable)"],
                                stdout=subprocess.PIPE, text=True, check=True).stdout.strip()
        programs = [("tiny C (two_threads.c)", [tiny]),
                    ("python3 (a thread, a lock)", [python, script])]
        rows = []
        for name, argv in programs:
            rates = {(b, sp): [] for b, _ in builds for sp in ("exec", "fork")}
            forked = {key: [] for key in rates}
            cpu = {key: [] for key in rates}
            for _ in range(args.reps):
                for b, _ in builds:
                    for spawn in ("exec", "fork"):
                        doc = explore(wefts[b], argv, spawn, args.runs, args.jobs, tmp, envs[b])
                        rates[(b, spawn)].append(doc["runs_per_second"])
                        forked[(b, spawn)].append(doc["forked_runs"])
                        cpu[(b, spawn)].append(1000.0 * doc["cpu_seconds"] / args.runs)
            for b, _ in builds:
                e = statistics.median(rates[(b, "exec")])
                k = statistics.median(rates[(b, "fork")])
                rows.append({"program": name if b == "this" else "  (baseline)", "build": b,
                             "exec_runs_per_second": e, "fork_runs_per_second": k,
                             "ratio": k / e, "exec_ms_per_run": 1000.0 / e,
                             "fork_ms_per_run": 1000.0 / k,
                             "exec_cpu_ms_per_run": statistics.median(cpu[(b, "exec")]),
                             "fork_cpu_ms_per_run": statistics.median(cpu[(b, "fork")]),
                             "forked_runs": int(statistics.median(forked[(b, "fork")]))})
            if args.baseline:
                rows[-2]["fork_over_baseline"] = (rows[-2]["fork_runs_per_second"] /
                                                  rows[-1]["fork_runs_per_second"])
                rows[-2]["fork_cpu_over_baseline"] = (rows[-2]["fork_cpu_ms_per_run"] /
                                                      rows[-1]["fork_cpu_ms_per_run"])
        print("weft %s, %d CPUs, %s; %d runs per search, -j %d, medians of %d" %
              (weft, os.cpu_count(), platform.release(), args.runs, args.jobs, args.reps))
        if args.baseline:
            print("baseline: " + wefts["baseline"])
        print("%-28s %10s %10s %7s %9s %9s %9s %8s %8s %8s%s" %
              ("program", "exec r/s", "fork r/s", "ratio", "exec ms", "fork ms", "saved ms",
               "forked", "exec cpu", "fork cpu",
               "  fork/base  cpu/base" if args.baseline else ""))
        for r in rows:
            tail = ""
            if "fork_over_baseline" in r:
                tail = "  %8.2fx  %7.2fx" % (r["fork_over_baseline"], r["fork_cpu_over_baseline"])
            print("%-28s %10.1f %10.1f %6.2fx %9.2f %9.2f %9.2f %8d %8.2f %8.2f%s" %
                  (r["program"], r["exec_runs_per_second"], r["fork_runs_per_second"], r["ratio"],
                   r["exec_ms_per_run"], r["fork_ms_per_run"],
                   r["exec_ms_per_run"] - r["fork_ms_per_run"], r["forked_runs"],
                   r["exec_cpu_ms_per_run"], r["fork_cpu_ms_per_run"], tail))
        if args.json:
            print(json.dumps({"runs": args.runs, "jobs": args.jobs, "reps": args.reps,
                              "rows": rows}, indent=1))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
