#!/usr/bin/env python3
"""bench/free.py — what a free recording (weft record --free) costs: native against --free
(and, for reference, a controlled `weft record --no-stacks`) on real multi-threaded programs,
a lock ping-pong and a server under load; prints a table (see bench/README.md).

  python3 bench/free.py BUILD_DIR [--reps N] [--quick] [--no-controlled] [--only NAME]
                                  [--base BASE_BUILD_DIR]

Each row runs its command natively, under `weft record --free` and (unless --no-controlled)
under `weft record --no-stacks`, alternating within one loop, --reps times (default 5); the
table gives the medians, the ratios of the medians, the events and trace MB/s of the free
recording, for wall time and for CPU time (user + system of the command and every process it
waited for: weft and the program; on a shared machine it moves much less than wall time
does). With --base, a second weft (an older build) records --free too, in the same
loop: its median and ratio sit beside the first's. The server row is redis-server over
loopback under redis-benchmark (a client outside weft): its times are the client's, from the
server answering its first ping to the last reply, and its CPU is the server's (under weft,
weft's too) over its whole run; it has no controlled column. Programs missing from the machine
(scripts/install-deps.sh installs them) are skipped with a line that says so.
"""

import argparse
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def children_cpu():
    """CPU seconds (user + system) of every child reaped so far, and of theirs."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed(cmd, cwd, stdout=subprocess.DEVNULL):
    """(wall, cpu) of one run: cpu counts weft and the program it waits for."""
    cpu = children_cpu()
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE,
                          stdin=subprocess.DEVNULL, timeout=900)
    wall = time.monotonic() - start
    if proc.returncode != 0:
        raise RuntimeError("exit %d: %s\n%s" % (proc.returncode, " ".join(cmd),
                                                proc.stderr.decode(errors="replace")[-1500:]))
    return wall, children_cpu() - cpu


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A server under load: `prefix + redis-server` on a loopback port, loaded by
    redis-benchmark; run() returns the client's wall time."""

    name = "redis-server (redis-benchmark)"
    needs = ("redis-server", "redis-benchmark", "redis-cli")

    def __init__(self, quick):
        self.requests = "20000" if quick else "100000"

    def run(self, prefix, cwd):
        port = str(free_port())
        server = subprocess.Popen(prefix + ["redis-server", "--port", port, "--bind", "127.0.0.1",
                                            "--save", "", "--appendonly", "no"],
                                  cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  stdin=subprocess.DEVNULL)
        cli = ["redis-cli", "-h", "127.0.0.1", "-p", port]
        try:
            deadline = time.monotonic() + 30
            while subprocess.run(cli + ["ping"], stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL).stdout.strip() != b"PONG":
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not answer: %s" %
                                       server.stderr.read().decode(errors="replace")[-1500:])
                time.sleep(0.02)
            wall, _ = timed(["redis-benchmark", "-h", "127.0.0.1", "-p", port, "-n", self.requests,
                          "-c", "16", "-t", "set,get", "-q"], cwd)
            subprocess.run(cli + ["shutdown", "nosave"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            cpu = children_cpu()  # NB: the server's own, counted once it is reaped
            _, err = server.communicate(timeout=60)
            cpu = children_cpu() - cpu
        except BaseException:
            server.kill()
            server.wait()
            raise
        if server.returncode != 0:
            raise RuntimeError("redis-server exit %d: %s" % (server.returncode,
                                                             err.decode(errors="replace")[-1500:]))
        return wall, cpu


def events_of(weft, trace):
    proc = subprocess.run([weft, "show", trace, "--json"], stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL)
    import json
    try:
        return len(json.loads(proc.stdout)["events"])
    except (ValueError, KeyError):
        return 0


def build_programs(tmp, quick):
    """(name, argv, needs) rows; builds the C programs into tmp."""
    cc = shutil.which("cc") or "gcc"
    subprocess.run([cc, "-O2", "-pthread", "-o", os.path.join(tmp, "pingpong"),
                    os.path.join(HERE, "programs", "pingpong.c")], check=True)
    rows = []
    data = os.path.join(tmp, "data.bin")
    size = 8 if quick else 48
    with open(data, "wb") as f:
        # Compressible but not trivial: text-like lines with counters.
        for i in range(size * 1024 * 1024 // 64):
            f.write(("line %012d of the benchmark input, some words %08x\n" % (i, i * 2654435761 % 2**32))[:64].encode())
    lines = os.path.join(tmp, "lines.txt")
    with open(lines, "w") as f:
        for i in range(400000 if not quick else 100000):
            f.write("%08x %d\n" % ((i * 2654435761) % 2**32, i))
    rows.append(("pigz -p4", ["pigz", "-p", "4", "-c", data], "pigz"))
    rows.append(("zstd -T4", ["zstd", "-T4", "-3", "-c", data], "zstd"))
    rows.append(("sort --parallel=4", ["sort", "--parallel=4", "-S", "64M", lines], "sort"))
    rows.append(("git grep --threads=4", ["git", "-C", ROOT, "grep", "--threads=4", "-c",
                                           "weft"], "git"))
    sqlite_src = os.path.join(ROOT, "tests", "realworld", "sqlite_threads.c")
    if os.path.exists("/usr/include/sqlite3.h"):
        exe = os.path.join(tmp, "sqlite_threads")
        subprocess.run([cc, "-O2", "-pthread", "-o", exe, sqlite_src, "-lsqlite3"], check=True)
        rows.append(("sqlite 4 threads", [exe, os.path.join(tmp, "db.sqlite")], None))
    else:
        print("skipped: sqlite 4 threads (no libsqlite3-dev)")
    n = "100000" if quick else "500000"
    rows.append(("lock ping-pong (2x%s)" % n, [os.path.join(tmp, "pingpong"), n], None))
    rows.append((Server.name, Server(quick), Server.needs))
    return rows


def run_row(argv, prefix, tmp):
    """(wall, cpu) of one run of a row: a command's whole run; a server's load (the client's
    wall time) and the server's CPU over its whole run."""
    for f in ("db.sqlite", "db.sqlite-journal"):
        p = os.path.join(tmp, f)
        if os.path.exists(p):
            os.remove(p)
    if isinstance(argv, Server):
        return argv.run(prefix, tmp)
    return timed(prefix + argv, tmp)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-controlled", action="store_true")
    ap.add_argument("--only", help="run only the rows whose name contains this")
    ap.add_argument("--base", help="an older build whose --free runs in the same loop")
    a = ap.parse_args()
    weft = os.path.abspath(os.path.join(a.build, "bin", "weft"))
    if not os.access(weft, os.X_OK):
        sys.exit("no weft at %s" % weft)
    base = os.path.abspath(os.path.join(a.base, "bin", "weft")) if a.base else None
    if base is not None and not os.access(base, os.X_OK):
        sys.exit("no weft at %s" % base)
    tmp = tempfile.mkdtemp(prefix="weft-free-bench-")
    try:
        rows = build_programs(tmp, a.quick)
        print("free-mode cost: median of %d, native / --free%s%s alternating; ratios of medians"
              % (a.reps, " / base --free" if base else "", "" if a.no_controlled else " / controlled"))
        head = "%-32s %9s %9s %7s" % ("program", "native s", "free s", "free/n")
        if base:
            head += " %7s" % "base/n"
        if not a.no_controlled:
            head += " %9s %7s" % ("ctrl s", "ctrl/n")
        head += " %9s %9s %7s" % ("n cpu s", "f cpu s", "cpu f/n")
        if base:
            head += " %7s" % "base/n"
        head += " %10s %8s" % ("events", "MB/s")
        print(head)
        print("-" * len(head))
        median = lambda runs, i: statistics.median(r[i] for r in runs) if runs else float("nan")
        for name, argv, needs in rows:
            if a.only and a.only not in name:
                continue
            needs = (needs,) if isinstance(needs, str) else needs or ()
            missing = [n for n in needs if shutil.which(n) is None]
            if missing:
                print("%-32s skipped: %s is not installed" % (name, ", ".join(missing)))
                continue
            trace = os.path.join(tmp, "free.weft")
            record = lambda w, t: [w, "record", "--free", "-o", t, "--"]
            native, free, old, ctrl = [], [], [], []
            for rep in range(a.reps):
                native.append(run_row(argv, [], tmp))
                free.append(run_row(argv, record(weft, trace), tmp))
                size = os.path.getsize(trace)
                if base:
                    old.append(run_row(argv, record(base, os.path.join(tmp, "base.weft")), tmp))
                # NB: not the server: a controlled redis-server serves one thread at a time.
                if not a.no_controlled and not isinstance(argv, Server):
                    ctrl.append(run_row(argv, [weft, "record", "--no-stacks", "-o",
                                               os.path.join(tmp, "ctrl.weft"), "--"], tmp))
            n, f = median(native, 0), median(free, 0)
            line = "%-32s %9.3f %9.3f %7.2f" % (name, n, f, f / n)
            if base:
                line += " %7.2f" % (median(old, 0) / n)
            if not a.no_controlled:
                c = median(ctrl, 0)
                line += " %9.3f %7.2f" % (c, c / n)
            nc, fc = median(native, 1), median(free, 1)
            line += " %9.3f %9.3f %7.2f" % (nc, fc, fc / nc if nc > 0 else float("nan"))
            if base:
                line += " %7.2f" % (median(old, 1) / nc if nc > 0 else float("nan"))
            events = events_of(weft, trace)
            line += " %10d %8.2f" % (events, size / 1e6 / f if f > 0 else 0)
            print(line, flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
