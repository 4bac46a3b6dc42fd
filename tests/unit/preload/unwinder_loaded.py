#!/usr/bin/env python3
"""A run without stacks maps no unwinder into the target; a run with stacks does.

Runs maps_probe (which prints what is mapped into it) under `weft record --no-stacks` and
`weft record`, and checks: the shim is loaded both times; libunwind and liblzma only in the
run that captures stacks, and that run's trace shows source lines.

Usage: unwinder_loaded.py WEFT PROBE     exit 0 = as expected, 1 = not
"""
import os
import subprocess
import sys
import tempfile


def record(weft, probe, trace, extra):
    run = subprocess.run([weft, "record", "-o", trace, *extra, "--", probe],
                         capture_output=True, text=True, timeout=120)
    seen = dict(line.split(" ", 1) for line in run.stdout.splitlines() if " " in line)
    return run, seen


def main():
    weft, probe = sys.argv[1], sys.argv[2]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        for stacks in (False, True):
            trace = os.path.join(tmp, f"stacks-{stacks}.weft")
            run, seen = record(weft, probe, trace, [] if stacks else ["--no-stacks"])
            what = "weft record" + ("" if stacks else " --no-stacks")
            if run.returncode != 0 or "shim" not in seen:
                failures.append(f"{what} -- {probe} failed (exit {run.returncode}):\n"
                                f"{run.stdout}{run.stderr}")
                continue
            want = "yes" if stacks else "no"
            if seen["shim"] != "yes":
                failures.append(f"{what}: the shim is not mapped into the target")
            for lib in ("libunwind", "liblzma"):
                if seen.get(lib) != want:
                    failures.append(f"{what}: {lib} mapped = {seen.get(lib)}, expected {want}")
            if stacks:
                show = subprocess.run([weft, "show", trace], capture_output=True, text=True,
                                      timeout=120)
                if "maps_probe.c:" not in show.stdout:
                    failures.append(f"{what}: no stack in the trace shows maps_probe.c:\n"
                                    f"{show.stdout}{show.stderr}")
    for f in failures:
        print(f)
    if not failures:
        print("no-stacks run: shim only; stacks run: libunwind and liblzma, stacks shown")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
