#!/usr/bin/env python3
"""bench/ring.py — what the flight recorder (weft record --free --ring SIZE) bounds: weft's
memory and the trace on disk over a long run, against a free recording without --ring.

  python3 bench/ring.py BUILD_DIR [--seconds S] [--reps N] [--rings 8M,64M]

The program is tests/programs/ring_rounds.c `serve S`: two threads take one mutex in turns
for S seconds (default 60), about as many lock events as the machine allows. Each row records
it with `weft record --free` (the whole run streamed to the file) and with `--ring SIZE` for
each SIZE (nothing written: the run passes), alternating within one loop, --reps times
(default 3). weft's resident memory (VmRSS of the weft process, not the program's) is sampled
every 0.2 s; the table gives the medians of: the run's events, weft's peak RSS, its RSS a
quarter of the way in and at the end (a bounded window stays flat; a growing one does not),
the bytes the window held at most, and the trace's size on disk.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def rss_kib(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def one_run(weft, program, seconds, ring, tmp):
    trace = os.path.join(tmp, "ring.weft")
    if os.path.exists(trace):
        os.unlink(trace)
    cmd = [weft, "record", "--free", "--json", "-o", trace]
    if ring:
        cmd += ["--ring", ring]
    cmd += ["--", program, "serve", str(seconds)]
    proc = subprocess.Popen(cmd, cwd=tmp, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            stdin=subprocess.DEVNULL)
    samples = []  # (seconds since start, KiB)
    start = time.monotonic()
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            kib = rss_kib(proc.pid)
            if kib is not None:
                samples.append((time.monotonic() - start, kib))
            stop.wait(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    _, err = proc.communicate(timeout=seconds * 5 + 300)
    stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError("exit %d: %s\n%s" % (proc.returncode, " ".join(cmd),
                                                err.decode(errors="replace")[-1500:]))
    doc = json.loads(err.decode(errors="replace").strip().splitlines()[-1])
    wall = time.monotonic() - start

    def at(fraction):
        want = wall * fraction
        near = [kib for t, kib in samples if t <= want]
        return near[-1] if near else 0

    return {
        "events": doc["events"],
        "peak_rss_mib": max(kib for _, kib in samples) / 1024.0 if samples else 0,
        "rss_quarter_mib": at(0.25) / 1024.0,
        "rss_end_mib": at(0.97) / 1024.0,
        "window_mib": (doc["ring"]["peak_bytes"] / 1048576.0) if doc.get("ring") else 0,
        "trace_mib": (os.path.getsize(trace) / 1048576.0) if os.path.exists(trace) else 0,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("build", help="the build directory (its bin/weft)")
    parser.add_argument("--seconds", type=float, default=60, help="length of each run (60)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions per row (3)")
    parser.add_argument("--rings", default="8M,64M", help="the --ring sizes (8M,64M)")
    args = parser.parse_args()
    weft = os.path.join(os.path.abspath(args.build), "bin", "weft")
    if not os.access(weft, os.X_OK):
        sys.exit("no weft at %s (build first)" % weft)
    tmp = tempfile.mkdtemp(prefix="weft-bench-ring.")
    try:
        cc = shutil.which("cc") or "gcc"
        program = os.path.join(tmp, "ring_rounds")
        subprocess.run([cc, "-O2", "-pthread", "-o", program,
                        os.path.join(ROOT, "tests", "programs", "ring_rounds.c")], check=True)
        rows = [("free, whole run", None)] + [("free --ring " + r, r)
                                              for r in args.rings.split(",") if r]
        results = {label: [] for label, _ in rows}
        for rep in range(args.reps):
            for label, ring in rows:  # alternating: every row sees the same machine state
                results[label].append(one_run(weft, program, args.seconds, ring, tmp))
                print("  rep %d/%d %-18s done" % (rep + 1, args.reps, label), file=sys.stderr)
        keys = ["events", "peak_rss_mib", "rss_quarter_mib", "rss_end_mib", "window_mib",
                "trace_mib"]
        print("ring_rounds serve %g s (2 threads, one mutex), medians of %d"
              % (args.seconds, args.reps))
        print("%-18s %12s %10s %10s %10s %10s %10s %9s" %
              ("recording", "events", "peak RSS", "RSS 1/4", "RSS end", "window", "trace",
               "RSS/whole"))
        base = None
        for label, _ in rows:
            med = {k: statistics.median(r[k] for r in results[label]) for k in keys}
            if base is None:
                base = med["peak_rss_mib"] or 1
            print("%-18s %12d %8.1f M %8.1f M %8.1f M %8.1f M %8.1f M %9.2f" %
                  (label, med["events"], med["peak_rss_mib"], med["rss_quarter_mib"],
                   med["rss_end_mib"], med["window_mib"], med["trace_mib"],
                   med["peak_rss_mib"] / base))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
