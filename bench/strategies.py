#!/usr/bin/env python3
"""bench/strategies.py — runs to the first failure, for every search strategy, on classic bug
shapes (see bench/README.md, "Strategies").

  python3 bench/strategies.py BUILD_DIR [--seeds N] [--budget RUNS] [-j N] [--only SHAPE ...]
                              [--strategies NAME ...] [--json]

Compiles the bug shapes (bench/programs/bugs/*.c, and tests/programs' cond_if_racy,
order_deep_racy and three_thread_racy) with cc into a temporary directory, then runs
`BUILD_DIR/bin/weft explore --strategy S --seed SEED --runs BUDGET` on each, for --seeds
independent first seeds (1, 100001, 200001, …: their runs never share a seed), and prints per
shape and strategy the median run of the first failure over the seeds (a seed that found
nothing in BUDGET runs counts as later than any that did: a median of ">BUDGET" means more than
half found nothing) and how many seeds found it. bounded is one systematic search, the same
for every seed: it is run once. auto gets 4 times the budget (its 4 members take turns, so
each member gets the budget). With --json the numbers follow as one JSON object.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# (shape, source relative to the repository, program arguments)
SHAPES = [
    ("reorder_3", "bench/programs/bugs/reorder.c", ["3"]),
    ("reorder_5", "bench/programs/bugs/reorder.c", ["5"]),
    ("reorder_10", "bench/programs/bugs/reorder.c", ["10"]),
    ("twostage_3", "bench/programs/bugs/twostage.c", ["3"]),
    ("twostage_10", "bench/programs/bugs/twostage.c", ["10"]),
    ("wsq", "bench/programs/bugs/wsq.c", []),
    ("stop_flag", "bench/programs/bugs/stop_flag.c", []),
    ("circular_buffer", "bench/programs/bugs/circular_buffer.c", []),
    ("lazy_init", "bench/programs/bugs/lazy_init.c", []),
    ("bank_account", "bench/programs/bugs/bank_account.c", []),
    ("cond_if", "tests/programs/cond_if_racy.c", []),
    ("order_deep", "tests/programs/order_deep_racy.c", []),
    ("three_thread", "tests/programs/three_thread_racy.c", []),
]
STRATEGIES = ["random", "pct", "pos", "surw", "auto", "bounded", "conflicts"]
PORTFOLIO = ["random", "pct", "pos", "surw"]  # auto's members
SEED_STRIDE = 100000


class BenchError(Exception):
    pass


def compile_shapes(workdir, shapes):
    cc = os.environ.get("CC", "cc")
    if shutil.which(cc) is None:
        raise BenchError("no C compiler %r (set CC)" % cc)
    paths = {}
    for _, source, _ in shapes:
        if source in paths:
            continue
        out = os.path.join(workdir, os.path.splitext(os.path.basename(source))[0])
        cmd = [cc, "-O1", "-g", "-pthread", os.path.join(ROOT, source), "-o", out]
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise BenchError("cannot compile %s: %s" % (source, proc.stderr))
        paths[source] = out
    return paths


def first_failure(weft, strategy, seed, budget, jobs, program, args, outdir):
    """The run (1-based) of the first failure of one search, None when none failed."""
    cmd = [weft, "explore", "--strategy", strategy, "--runs", str(budget), "--seed", str(seed),
           "-j", str(jobs), "-o", outdir, "--json", "--timeout", "20", "--", program] + args
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              stdin=subprocess.DEVNULL, timeout=3600)
    except subprocess.TimeoutExpired:
        raise BenchError("timed out: %s" % " ".join(cmd))
    if proc.returncode not in (0, 1):
        raise BenchError("exit %d: %s\n%s" % (proc.returncode, " ".join(cmd), proc.stderr[-2000:]))
    lines = [l for l in proc.stdout.splitlines() if l.startswith("{")]
    if not lines:
        raise BenchError("no JSON from: %s\n%s" % (" ".join(cmd), proc.stderr[-2000:]))
    return json.loads(lines[-1])["first_failure_run"]


def median_of(firsts, budget):
    """The median run, misses counted as later than the budget; None = more than half missed."""
    ranked = sorted(f if f is not None else budget + 1 for f in firsts)
    m = statistics.median(ranked)
    return None if m > budget else m


def cell(stats, budget):
    if stats is None:
        return "-"
    m, found, total = stats["median"], stats["found"], stats["seeds"]
    text = (">%d" % budget) if m is None else ("%g" % m)
    return text if found == total else "%s (%d/%d)" % (text, found, total)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=1000)
    parser.add_argument("-j", "--jobs", type=int, default=2)
    parser.add_argument("--only", nargs="+", metavar="SHAPE")
    parser.add_argument("--strategies", nargs="+", metavar="NAME", default=STRATEGIES)
    parser.add_argument("--json", action="store_true")
    opts = parser.parse_args()
    weft = os.path.join(opts.build, "bin", "weft")
    if not os.access(weft, os.X_OK):
        print("strategies.py: %s is missing: build weft first" % weft, file=sys.stderr)
        return 2
    shapes = [s for s in SHAPES if not opts.only or s[0] in opts.only]
    if not shapes:
        print("strategies.py: no shape is called %s" % ", ".join(opts.only), file=sys.stderr)
        return 2
    seeds = [1 + k * SEED_STRIDE for k in range(opts.seeds)]
    work = tempfile.mkdtemp(prefix="weft-bench-strategies-")
    results = {}
    start = time.monotonic()
    try:
        paths = compile_shapes(work, shapes)
        for shape, source, args in shapes:
            results[shape] = {}
            for strategy in opts.strategies:
                runs_of = seeds[:1] if strategy == "bounded" else seeds
                firsts = []
                # auto takes turns among its members: it gets their budget each.
                budget = opts.budget * (len(PORTFOLIO) if strategy == "auto" else 1)
                for seed in runs_of:
                    out = os.path.join(work, "out")
                    firsts.append(first_failure(weft, strategy, seed, budget, opts.jobs,
                                                paths[source], args, out))
                    shutil.rmtree(out, ignore_errors=True)
                results[shape][strategy] = {"median": median_of(firsts, budget),
                                            "found": sum(f is not None for f in firsts),
                                            "seeds": len(firsts), "firsts": firsts}
                print("  %-16s %-10s %s" % (shape, strategy,
                                            cell(results[shape][strategy], budget)),
                      file=sys.stderr, flush=True)
    except BenchError as e:
        print("strategies.py: %s" % e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    wall = time.monotonic() - start

    print("runs to the first failure: median over %d seeds, budget %d runs (auto: %d, its "
          "members' budget each; found/seeds where some missed; bounded: one search)"
          % (opts.seeds, opts.budget, opts.budget * len(PORTFOLIO)))
    width = max(len(s[0]) for s in shapes) + 2
    cols = [max(12, len(s) + 2) for s in opts.strategies]
    print("| shape".ljust(width + 2) + "".join("| " + s.ljust(c) for s, c in
                                              zip(opts.strategies, cols)) + "|")
    print("|" + "-" * (width + 1) + "".join("|" + "-" * (c + 1) for c in cols) + "|")
    for shape, _, _ in shapes:
        print("| " + shape.ljust(width) + "".join(
            "| " + cell(results[shape].get(s), opts.budget * (len(PORTFOLIO) if s == "auto"
                                                                else 1)).ljust(c)
            for s, c in zip(opts.strategies, cols)) + "|")
    # auto against its best member: at most len(PORTFOLIO) times as many runs.
    if "auto" in opts.strategies and all(m in opts.strategies for m in PORTFOLIO):
        worst = []
        for shape, _, _ in shapes:
            best = [results[shape][m]["median"] for m in PORTFOLIO
                    if results[shape][m]["median"] is not None]
            auto = results[shape]["auto"]["median"]
            if best:
                ratio = (auto if auto is not None else float("inf")) / min(best)
                worst.append((ratio, shape))
        if worst:
            ratio, shape = max(worst)
            print("auto / best member (medians): at most %.2f (%s); the bound is %d" %
                  (ratio, shape, len(PORTFOLIO)))
    print("%.0f s" % wall)
    if opts.json:
        print(json.dumps({"seeds": seeds, "budget": opts.budget, "results": results}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
