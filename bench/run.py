#!/usr/bin/env python3
"""bench/run.py — weft's benchmarks; prints a table (see bench/README.md).

  bash bench/run.sh BUILD_DIR [--reps N] [--quick] [--json]

Compiles the programs of bench/programs with cc into a temporary directory, then measures
with BUILD_DIR/bin/weft:
  (a) schedule points per second in controlled mode (lock ping-pong, `record --no-stacks`)
  (b) `weft explore` runs per second on a small correct two-thread program
  (c) trace bytes per event, with and without stacks
  (d) wall time of a small multithreaded program, native against `weft record`
With --baseline OTHER_BUILD_DIR it measures (a) and (b) instead for both builds side by side,
runs of the two alternating in one loop, and prints each median and their ratio.
Every number is the median of --reps repetitions; a ratio compares medians measured in the
same loop, native and weft runs alternating.
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
PROGRAMS = ["pingpong", "two_threads", "mt_work"]


class BenchError(Exception):
    pass


def run(cmd, timeout=600):
    """Runs cmd; returns (wall seconds, CompletedProcess). Raises BenchError on failure."""
    start = time.monotonic()
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise BenchError("timed out after %d s: %s" % (timeout, " ".join(cmd)))
    return time.monotonic() - start, proc


def check(proc, cmd, ok_codes=(0,)):
    if proc.returncode not in ok_codes:
        raise BenchError("exit %d: %s\n%s" % (proc.returncode, " ".join(cmd),
                                              proc.stderr.decode(errors="replace")[-2000:]))


def json_of(text):
    """The last JSON object starting a line of `text` (programs may print too)."""
    text = text.decode(errors="replace") if isinstance(text, bytes) else text
    decoder = json.JSONDecoder()
    found = None
    pos = 0
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("{"):
            try:
                obj, _ = decoder.raw_decode(text, pos + line.index("{"))
                if isinstance(obj, dict):
                    found = obj
            except ValueError:
                pass
        pos += len(line)
    return found


def compile_programs(workdir):
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        raise BenchError("no C compiler %r (set CC)" % cc)
    paths = {}
    for name in PROGRAMS:
        out = os.path.join(workdir, name)
        cmd = [cc, "-O1", "-g", "-pthread", os.path.join(HERE, "programs", name + ".c"),
               "-o", out]
        _, proc = run(cmd)
        check(proc, cmd)
        paths[name] = out
    return paths


class Bench:
    def __init__(self, weft, programs, workdir, reps, quick):
        self.weft = weft
        self.p = programs
        self.dir = workdir
        self.reps = reps
        self.quick = quick
        self.rows = []      # (metric, value, unit, detail)
        self.results = {}   # for --json
        self.tables = []    # (title, header, rows): tables printed after the main one

    def show(self, trace):
        cmd = [self.weft, "show", trace, "--json"]
        _, proc = run(cmd)
        check(proc, cmd)
        show = json_of(proc.stdout)
        if show is None or "events" not in show:
            raise BenchError("weft show --json printed no events for %s" % trace)
        return show

    def events_in(self, trace):
        return len(self.show(trace)["events"])

    def record(self, program, args, trace, seed, stacks=True):
        cmd = [self.weft, "record", "-o", trace, "--seed", str(seed)]
        if not stacks:
            cmd.append("--no-stacks")
        cmd += ["--", program] + [str(a) for a in args]
        wall, proc = run(cmd)
        check(proc, cmd)
        return wall

    def add(self, key, metric, value, unit, detail, fmt="{:,.0f}"):
        self.results[key] = value
        self.rows.append((metric, fmt.format(value), unit, detail))

    def schedule_points(self):
        n = 5000 if self.quick else 20000
        trace = os.path.join(self.dir, "pingpong.weft")
        rates, switch_rates, walls, events, switches = [], [], [], 0, 0
        for rep in range(self.reps):
            wall = self.record(self.p["pingpong"], [n], trace, seed=rep + 1, stacks=False)
            evs = self.show(trace)["events"]
            events = len(evs)
            switches = sum(1 for a, b in zip(evs, evs[1:]) if a.get("tid") != b.get("tid"))
            walls.append(wall)
            rates.append(events / wall)
            switch_rates.append(switches / wall)
        self.add("schedule_points_per_s", "(a) schedule points/s, record --no-stacks",
                 statistics.median(rates), "/s",
                 "pingpong 2x%d lock/unlock: %d events, median %.3f s" % (
                     n, events, statistics.median(walls)))
        self.add("thread_switches_per_s", "(a) thread switches/s, same runs",
                 statistics.median(switch_rates), "/s",
                 "%d of the events ran on another thread than the one before" % switches)

    def explore_rate(self):
        runs = 50 if self.quick else 200
        outdir = os.path.join(self.dir, "explore")
        rates, walls = [], []
        reported = []
        for rep in range(self.reps):
            cmd = [self.weft, "explore", "--runs", str(runs), "--seed", str(1 + rep * runs),
                   "-o", outdir, "--json", "--", self.p["two_threads"]]
            wall, proc = run(cmd)
            check(proc, cmd)
            result = json_of(proc.stdout)
            if result is None or result.get("failures"):
                raise BenchError("explore of a correct program failed or printed no JSON: %s"
                                 % proc.stdout.decode(errors="replace")[-2000:])
            done = result.get("runs", runs)
            rates.append(done / wall)
            walls.append(wall)
            if result.get("runs_per_second") is not None:
                reported.append(result["runs_per_second"])
        detail = "two_threads, %d runs, median %.2f s" % (runs, statistics.median(walls))
        if reported:
            detail += " (weft's own figure: %.1f/s)" % statistics.median(reported)
        self.add("explore_runs_per_s", "(b) explore runs/s", statistics.median(rates), "/s",
                 detail, fmt="{:,.1f}")

    def parallel_speedup(self):
        runs = 60 if self.quick else 200
        outdir = os.path.join(self.dir, "explore-j")
        rates = {1: [], 2: []}
        for rep in range(self.reps):
            for jobs in (1, 2):  # alternating, so both see the same machine load
                cmd = [self.weft, "explore", "--runs", str(runs), "-j", str(jobs), "--seed",
                       str(1 + rep * runs), "-o", outdir, "--json", "--", self.p["two_threads"]]
                wall, proc = run(cmd)
                check(proc, cmd)
                rates[jobs].append(runs / wall)
        one, two = statistics.median(rates[1]), statistics.median(rates[2])
        self.add("explore_runs_per_s_j1", "(b) explore runs/s, -j 1", one, "/s",
                 "two_threads, %d runs" % runs, fmt="{:,.1f}")
        self.add("explore_runs_per_s_j2", "(b) explore runs/s, -j 2", two, "/s",
                 "same runs, alternating with -j 1", fmt="{:,.1f}")
        self.add("explore_j2_over_j1", "(b) -j 2 / -j 1", two / one, "x",
                 "goal >= 1.6 on 2 cores", fmt="{:.2f}")

    def runs_to_failure(self, programs_dir):
        """(e) Runs to the first failure per strategy on the planted bugs, median over seeds."""
        planted = ["withdraw_racy", "lock_order_racy", "lost_wakeup_racy", "order_deep_racy",
                   "three_thread_racy"]
        strategies = ["random", "pct", "conflicts", "bounded"]
        budget = 100 if self.quick else 300
        seeds = [1, 101, 201] if not self.quick else [1]
        outdir = os.path.join(self.dir, "rtf")
        table = []
        for name in planted:
            path = os.path.join(programs_dir, name)
            if not os.access(path, os.X_OK):
                continue
            row = [name]
            for strategy in strategies:
                firsts = []
                # bounded search does not depend on the seed: one run of it is enough
                for seed in (seeds if strategy != "bounded" else seeds[:1]):
                    cmd = [self.weft, "explore", "--strategy", strategy, "--runs", str(budget),
                           "--seed", str(seed), "-o", outdir, "--json", "--", path]
                    _, proc = run(cmd)
                    result = json_of(proc.stdout)
                    if result is None:
                        raise BenchError("explore printed no JSON: %s" % " ".join(cmd))
                    first = result.get("first_failure_run")
                    firsts.append(first if first is not None else float("inf"))
                med = statistics.median(firsts)
                row.append(">%d" % budget if med == float("inf") else "%g" % med)
                self.results["runs_to_failure_%s_%s" % (strategy, name)] = (
                    None if med == float("inf") else med)
            table.append(row)
        self.tables.append(("(e) runs to the first failure, median over seeds %s (budget %d)"
                            % (",".join(map(str, seeds)), budget), ["program"] + strategies,
                            table))

    def bytes_per_event(self):
        n = 2000 if self.quick else 5000
        for stacks in (False, True):
            per_event = []
            trace = os.path.join(self.dir, "bytes-%s.weft" % stacks)
            for rep in range(self.reps):
                self.record(self.p["pingpong"], [n], trace, seed=rep + 1, stacks=stacks)
                events = self.events_in(trace)
                per_event.append(os.path.getsize(trace) / events)
            key = "trace_bytes_per_event_%s" % ("stacks" if stacks else "no_stacks")
            self.add(key, "(c) trace bytes/event, %s" % ("with stacks" if stacks
                                                         else "--no-stacks"),
                     statistics.median(per_event), "B",
                     "pingpong 2x%d, %d bytes" % (n, os.path.getsize(trace)), fmt="{:,.1f}")

    def slowdown(self):
        chunk = 5000 if self.quick else 20000
        trace = os.path.join(self.dir, "mt_work.weft")
        small = os.path.join(self.dir, "two_threads.weft")
        native, weft, fixed = [], [], []
        for rep in range(self.reps):
            cmd = [self.p["mt_work"], str(chunk)]
            wall, proc = run(cmd)
            check(proc, cmd)
            native.append(wall)
            weft.append(self.record(self.p["mt_work"], [chunk], trace, seed=rep + 1))
            fixed.append(self.record(self.p["two_threads"], [], small, seed=rep + 1))
        n, w = statistics.median(native), statistics.median(weft)
        self.add("native_wall_s", "(d) wall, native", n, "s", "mt_work: 4 threads x 200 chunks "
                 "of %d iterations" % chunk, fmt="{:.3f}")
        self.add("record_wall_s", "(d) wall, weft record", w, "s",
                 "%d events" % self.events_in(trace), fmt="{:.3f}")
        self.add("record_over_native", "(d) weft record / native", w / n, "x",
                 "medians of alternating runs", fmt="{:.1f}")
        self.add("record_fixed_cost_s", "(d) wall, weft record of a tiny program",
                 statistics.median(fixed), "s", "two_threads (%d events): weft's fixed cost"
                 % self.events_in(small), fmt="{:.3f}")


def side_by_side(bench, baseline_weft, quick):
    """(a) and (b) for this build and a baseline build, alternating run by run."""
    n = 5000 if quick else 20000
    runs = 50 if quick else 200
    wefts = {"this": bench.weft, "baseline": baseline_weft}
    rates = {k: {"points": [], "switches": [], "explore": []} for k in wefts}
    trace = os.path.join(bench.dir, "side.weft")
    outdir = os.path.join(bench.dir, "side-explore")
    for rep in range(bench.reps):
        for name, weft in wefts.items():
            bench.weft = weft
            wall = bench.record(bench.p["pingpong"], [n], trace, seed=rep + 1, stacks=False)
            evs = bench.show(trace)["events"]
            switches = sum(1 for a, b in zip(evs, evs[1:]) if a.get("tid") != b.get("tid"))
            rates[name]["points"].append(len(evs) / wall)
            rates[name]["switches"].append(switches / wall)
            cmd = [weft, "explore", "--runs", str(runs), "--seed", str(1 + rep * runs), "-j",
                   "1", "-o", outdir, "--json", "--", bench.p["two_threads"]]
            wall, proc = run(cmd)
            check(proc, cmd)
            rates[name]["explore"].append(runs / wall)
    bench.weft = wefts["this"]
    table = []
    for key, label in (("points", "(a) schedule points/s"), ("switches", "(a) thread switches/s"),
                       ("explore", "(b) explore runs/s, -j 1")):
        this = statistics.median(rates["this"][key])
        base = statistics.median(rates["baseline"][key])
        bench.results["%s_this" % key] = this
        bench.results["%s_baseline" % key] = base
        table.append([label, "{:,.0f}".format(this), "{:,.0f}".format(base),
                      "{:.3f}".format(this / base)])
    bench.tables.append(("side by side with the baseline %s (pingpong 2x%d, explore of "
                         "two_threads %d runs; alternating)" % (baseline_weft, n, runs),
                         ["metric", "this build", "baseline", "this/baseline"], table))


def main(argv=None):
    parser = argparse.ArgumentParser(description="weft benchmarks")
    parser.add_argument("build_dir", help="cmake build directory holding bin/weft")
    parser.add_argument("--reps", type=int, default=5, help="repetitions (default 5)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    parser.add_argument("--baseline", metavar="BUILD_DIR",
                        help="measure (a) and (b) side by side with this build's bin/weft")
    args = parser.parse_args(argv)

    weft = os.path.abspath(os.path.join(args.build_dir, "bin", "weft"))
    if not os.access(weft, os.X_OK):
        print("bench: weft not found at %s: build it first (cmake --build %s)"
              % (weft, args.build_dir), file=sys.stderr)
        return 2
    baseline = None
    if args.baseline:
        baseline = os.path.abspath(os.path.join(args.baseline, "bin", "weft"))
        if not os.access(baseline, os.X_OK):
            print("bench: baseline weft not found at %s: build it first (cmake --build %s)"
                  % (baseline, args.baseline), file=sys.stderr)
            return 2
    workdir = tempfile.mkdtemp(prefix="weft-bench-")
    try:
        bench = Bench(weft, compile_programs(workdir), workdir, args.reps, args.quick)
        if baseline:
            side_by_side(bench, baseline, args.quick)
        else:
            bench.schedule_points()
            bench.explore_rate()
            bench.parallel_speedup()
            bench.bytes_per_event()
            bench.slowdown()
            bench.runs_to_failure(os.path.join(os.path.abspath(args.build_dir), "tests",
                                               "programs"))
    except BenchError as e:
        print("bench: %s" % e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print("weft benchmarks: %s, %d CPUs, %s; median of %d repetitions%s" % (
        weft, os.cpu_count() or 0, platform.platform(terse=True), args.reps,
        " (--quick sizes)" if args.quick else ""))
    if bench.rows:
        widths = [max(len(r[i]) for r in bench.rows) for i in range(4)]
        print("%-*s  %*s %-*s  %s" % (widths[0], "metric", widths[1], "value", widths[2], "",
                                      "detail"))
        for metric, value, unit, detail in bench.rows:
            print("%-*s  %*s %-*s  %s" % (widths[0], metric, widths[1], value, widths[2], unit,
                                          detail))
    for title, header, table in bench.tables:
        print()
        print(title)
        cols = [max(len(str(r[i])) for r in [header] + table) for i in range(len(header))]
        for r in [header] + table:
            print("  ".join(str(v).rjust(cols[i]) if i else str(v).ljust(cols[i])
                            for i, v in enumerate(r)))
    if args.json:
        print(json.dumps(bench.results, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
