#!/usr/bin/env python3
"""bench/free_floor.py — the least the program's side of a free recording's event can cost in
each design issue 11 names (one global order or an order per object; the TSC read or not),
without weft: bench/programs/free_floor.c's lock ping-pong storing its events itself.

  python3 bench/free_floor.py [--reps N] [--json]

Builds free_floor.c (cc -O2) and runs its modes alternating, for N1 and N2 iterations;
ns per event = (cpu(N2) - cpu(N1)) / (events(N2) - events(N1)), 4 events an iteration, medians
of --reps. Prints each mode's ns per event and what it adds to native's. Nobody reads the
records, so these are floors: a reader (weft draining the ring) adds its own work and pulls
every record's line to its core. Compare with bench/free_events.py's "two" row (the shim and
weft as built).
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
N1, N2 = 50000, 1000000
MODES = ["native", "global_tsc", "global", "own_tsc", "own"]
WHAT = {
    "native": "no record",
    "global_tsc": "one shared head (atomic add) + rdtsc: the shim's design",
    "global": "one shared head, no TSC read",
    "own_tsc": "per-thread buffers, a sequence per object + rdtsc",
    "own": "per-thread buffers, a sequence per object, no TSC read",
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="weft-free-floor-")
    try:
        exe = os.path.join(tmp, "free_floor")
        cc = shutil.which("cc") or "gcc"
        subprocess.run([cc, "-O2", "-pthread", "-o", exe,
                        os.path.join(HERE, "programs", "free_floor.c")], check=True)
        samples = {m: {N1: [], N2: []} for m in MODES}
        for _ in range(a.reps):
            for n in (N1, N2):
                for m in MODES:
                    out = subprocess.run([exe, m, str(n)], check=True, stdout=subprocess.PIPE,
                                         text=True).stdout
                    samples[m][n].append(float(out))
        per_event = {}
        for m in MODES:
            slope = (statistics.median(samples[m][N2]) - statistics.median(samples[m][N1]))
            per_event[m] = slope / (4 * (N2 - N1)) * 1e9
        if a.json:
            json.dump({"ns_per_event": per_event, "reps": a.reps}, sys.stdout, indent=1)
            print()
            return
        load = " ".join("%.1f" % x for x in os.getloadavg())
        print("program-side floor per event (CPU ns), median of %d, N = %d and %d, load %s"
              % (a.reps, N1, N2, load))
        print("%-11s %8s %8s  %s" % ("mode", "ns", "+native", "what"))
        print("-" * 90)
        for m in MODES:
            print("%-11s %8.1f %8.1f  %s" % (m, per_event[m], per_event[m] - per_event["native"],
                                             WHAT[m]))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
