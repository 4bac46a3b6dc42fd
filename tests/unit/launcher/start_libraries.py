#!/usr/bin/env python3
"""weft loads Capstone and libcrypto only when a run needs them, never at its start, and
links protobuf statically where its archive is installed.

Linked, their relocations were about 2 ms of CPU at every start of weft (the shared
protobuf's 1.6 ms more). Runs weft under
LD_DEBUG=files (the loader's own log of every library it maps, with the pid of the process
that maps it) and checks: `weft --version` and a free recording of /bin/true map neither; a
free recording of a program that crashes maps Capstone (weft disassembles the crashing
instruction) and its trace says what the instruction was.

The shared libprotobuf must not be mapped by either run either when --static-protobuf is
given (CMake passes it when it found libprotobuf.a).

Usage: start_libraries.py WEFT CRASH_NULL [--static-protobuf]   exit 0 = as expected, 1 = not
"""
import os
import re
import subprocess
import sys
import tempfile

LAZY = ["libcapstone", "libcrypto"]


def loaded_by_weft(weft, args, cwd):
    """(run, set of the lazy libraries weft's own process mapped)."""
    env = dict(os.environ, LD_DEBUG="files")
    run = subprocess.run([weft, *args], capture_output=True, text=True, timeout=120, env=env,
                         cwd=cwd)
    pids = set()
    seen = set()
    for line in run.stderr.splitlines():
        m = re.match(r"\s*(\d+):\s+file=(\S+) \[\d+\];\s+(needed by|dynamically loaded by) (\S+)",
                     line)
        if not m:
            continue
        pid, lib, _, by = m.groups()
        if by.endswith("/weft"):
            pids.add(pid)
        if pid in pids or by.endswith("/weft"):
            for name in LAZY:
                if os.path.basename(lib).startswith(name):
                    seen.add(name)
    return run, seen


def main():
    weft, crasher = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    if "--static-protobuf" in sys.argv[3:]:
        LAZY.append("libprotobuf")
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        run, seen = loaded_by_weft(weft, ["--version"], tmp)
        if run.returncode != 0 or seen:
            failures.append("weft --version (exit %d) mapped %s" % (run.returncode, sorted(seen)))
        trace = os.path.join(tmp, "true.weft")
        run, seen = loaded_by_weft(weft, ["record", "--free", "-o", trace, "--", "/bin/true"], tmp)
        if run.returncode != 0 or seen:
            failures.append("weft record --free -- /bin/true (exit %d) mapped %s"
                            % (run.returncode, sorted(seen)))
        trace = os.path.join(tmp, "crash.weft")
        run, seen = loaded_by_weft(weft, ["record", "--free", "-o", trace, "--", crasher], tmp)
        if "libcapstone" not in seen or "libprotobuf" in seen:
            failures.append("a recording of a crash did not load Capstone, or loaded the shared "
                            "protobuf (mapped %s)"
                            % sorted(seen))
        show = subprocess.run([weft, "show", trace, "--json"], capture_output=True, text=True,
                              timeout=120)
        if not re.search(r'"instruction": ?"mov', show.stdout):
            failures.append("the crash's instruction is not in weft show --json:\n" +
                            show.stdout[-2000:])
    for f in failures:
        print("FAIL: " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
