#!/usr/bin/env python3
"""bench/free_events.py — what one event of a free recording costs, in ns, split between the
program (the shim's work in its threads) and weft (draining the ring, writing the trace).

  python3 bench/free_events.py BUILD_DIR [--reps N] [--base OTHER_BUILD_DIR] [--json]

Builds bench/programs/free_events.c (cc -O2) and runs it natively and under
`weft record --free -o T --` (and under --base's weft, an older build, in the same loop),
alternating, for N1 and N2 iterations; the program writes its own CPU time, so
weft's = the command's CPU (user + system of every process it waited for) - the program's.
Per event = (cpu(N2) - cpu(N1)) / (events(N2) - events(N1)): start-up and the trace's end
cancel. Rows: "one" (one thread, 2 events an iteration, the mutex never contended: the
shim's own cost) and "two" (the lock ping-pong, two threads, 4 events an iteration:
contention of the mutex and of the ring's shared lines on top). Medians of --reps.
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
N1, N2 = 50000, 1000000


def children_cpu():
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def run(prefix, exe, mode, n, tmp):
    """(program cpu, weft cpu) seconds of one run."""
    cpu_file = os.path.join(tmp, "cpu.txt")
    if os.path.exists(cpu_file):
        os.remove(cpu_file)
    before = children_cpu()
    proc = subprocess.run(prefix + [exe, mode, str(n), cpu_file], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=600)
    total = children_cpu() - before
    if proc.returncode != 0:
        raise RuntimeError("exit %d: %s\n%s" % (proc.returncode, " ".join(prefix + [exe]),
                                                proc.stderr.decode(errors="replace")[-1500:]))
    with open(cpu_file) as f:
        program = float(f.read())
    return program, max(total - program, 0.0)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--base", help="an older build whose --free runs in the same loop")
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    wefts = [("this", os.path.abspath(os.path.join(a.build, "bin", "weft")))]
    if a.base:
        wefts.append(("base", os.path.abspath(os.path.join(a.base, "bin", "weft"))))
    for _, w in wefts:
        if not os.access(w, os.X_OK):
            sys.exit("no weft at %s" % w)
    tmp = tempfile.mkdtemp(prefix="weft-free-events-")
    try:
        exe = os.path.join(tmp, "free_events")
        cc = shutil.which("cc") or "gcc"
        subprocess.run([cc, "-O2", "-pthread", "-o", exe,
                        os.path.join(HERE, "programs", "free_events.c")], check=True)
        trace = os.path.join(tmp, "t.weft")
        configs = [("native", [])] + [(name, [w, "record", "--free", "-o", trace, "--"])
                                      for name, w in wefts]
        results = {}
        for mode, per_iteration in (("one", 2), ("two", 4)):
            samples = {name: {N1: [], N2: []} for name, _ in configs}
            for _ in range(a.reps):
                for n in (N1, N2):
                    for name, prefix in configs:
                        samples[name][n].append(run(prefix, exe, mode, n, tmp))
            events = (N2 - N1) * per_iteration
            row = {}
            for name, _ in configs:
                med = lambda n, i: statistics.median(s[i] for s in samples[name][n])
                row[name] = {"program_ns": (med(N2, 0) - med(N1, 0)) / events * 1e9,
                             "weft_ns": (med(N2, 1) - med(N1, 1)) / events * 1e9}
            results[mode] = row
        if a.json:
            print(json.dumps(results, indent=2))
            return
        print("ns per event (CPU), median of %d, N = %d and %d iterations, load %s"
              % (a.reps, N1, N2, " ".join("%.1f" % x for x in os.getloadavg())))
        head = "%-6s %12s" % ("mode", "native")
        for name, _ in wefts:
            head += " %14s %12s %12s" % (name + " program", name + " weft", name + " total")
        print(head)
        print("-" * len(head))
        for mode, row in results.items():
            line = "%-6s %12.1f" % (mode, row["native"]["program_ns"])
            for name, _ in wefts:
                p, w = row[name]["program_ns"], row[name]["weft_ns"]
                line += " %14.1f %12.1f %12.1f" % (p, w, p + w)
            print(line)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
