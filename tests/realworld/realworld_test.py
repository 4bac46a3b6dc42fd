#!/usr/bin/env python3
"""realworld_test.py — real multi-threaded programs from Debian (and a few small ones of
our own built on Debian libraries) run under weft unbroken: the output of `weft record`
is byte-identical to the program's native output, the recorded run exited 0, and `weft replay --times 3` reproduces
the recording 3 of 3 times.

One invocation runs one case (a ctest test per case, label `realworld`):

  python3 realworld_test.py --weft build/bin/weft --programs build/tests/realworld --case pigz
  python3 realworld_test.py --list

A case skips only when the machine cannot run weft at all (the one-time ptrace and
LD_PRELOAD probe, exit 77). A missing Debian program is a failure: scripts/install-deps.sh
installs every one of them. Standard library only.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.environ.get("WEFT_INTEGRATION_DIR", os.path.join(HERE, os.pardir, "integration")))
import weft_protocol  # noqa: E402

PYTHON = "/usr/bin/python3"  # Debian's interpreter, not whatever is first on PATH
REPLAYS = 3
COMMAND_TIMEOUT_S = 300
PROGRAM_TIMEOUT_S = 120


def _random_text(path, size):
    """A compressible, deterministic text file of about `size` bytes."""
    words = [b"alpha", b"bravo", b"charlie", b"delta", b"echo", b"foxtrot", b"golf", b"hotel"]
    state = 12345
    out = bytearray()
    while len(out) < size:
        state = (state * 1103515245 + 12345) & 0x7FFFFFFF
        out += words[state % len(words)]
        out += b"\n" if state % 7 == 0 else b" "
    with open(path, "wb") as f:
        f.write(out)


def _compressed(tool_argv, suffix):
    """A case that compresses a file to stdout, and one that decompresses it."""
    def prepare(work):
        src = os.path.join(work, "input.txt")
        _random_text(src, 2_000_000)
        packed = os.path.join(work, "input" + suffix)
        with open(src, "rb") as fin, open(packed, "wb") as fout:
            subprocess.run(tool_argv + ["-c"], stdin=fin, stdout=fout, check=True)
        return {"input": src, "packed": packed}
    return prepare


def _git_repo(work):
    repo = os.path.join(work, "repo")
    os.mkdir(repo)
    for i in range(40):
        with open(os.path.join(repo, "file%02d.txt" % i), "w") as f:
            for j in range(200):
                f.write("line %d of file %d%s\n" % (j, i, " needle" if (i * j) % 37 == 0 else ""))
    env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com",
               GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    for argv in (["git", "init", "-q"], ["git", "add", "."], ["git", "commit", "-q", "-m", "x"]):
        subprocess.run(argv, cwd=repo, env=env, check=True)
    return {"repo": repo}


def _sort_input(work):
    src = os.path.join(work, "input.txt")
    _random_text(src, 3_000_000)
    return {"input": src}


# name -> (the programs it needs, prepare(work) -> paths, argv(paths, programs_dir))
CASES = {
    "pigz": (["pigz"], _compressed(["pigz"], ".gz"),
             lambda p, d: ["pigz", "-p", "4", "-c", p["input"]]),
    "pigz_decompress": (["pigz"], _compressed(["pigz"], ".gz"),
                        lambda p, d: ["pigz", "-p", "4", "-d", "-c", p["packed"]]),
    "zstd": (["zstd"], _compressed(["zstd", "-q"], ".zst"),
             lambda p, d: ["zstd", "-q", "-T4", "-c", p["input"]]),
    "zstd_decompress": (["zstd"], _compressed(["zstd", "-q"], ".zst"),
                        lambda p, d: ["zstd", "-q", "-T4", "-d", "-c", p["packed"]]),
    "xz": (["xz"], _compressed(["xz", "-T4"], ".xz"),
           lambda p, d: ["xz", "-T4", "--block-size=262144", "-c", p["input"]]),
    "xz_decompress": (["xz"], _compressed(["xz", "-T4", "--block-size=262144"], ".xz"),
                      lambda p, d: ["xz", "-T4", "-d", "-c", p["packed"]]),
    "pbzip2": (["pbzip2"], _compressed(["pbzip2", "-p2"], ".bz2"),
               lambda p, d: ["pbzip2", "-p4", "-c", p["input"]]),
    "pbzip2_decompress": (["pbzip2"], _compressed(["pbzip2", "-p2"], ".bz2"),
                          lambda p, d: ["pbzip2", "-p4", "-d", "-c", p["packed"]]),
    "lbzip2": (["lbzip2"], _compressed(["lbzip2", "-n2"], ".bz2"),
               lambda p, d: ["lbzip2", "-n4", "-c", p["input"]]),
    "lbzip2_decompress": (["lbzip2"], _compressed(["lbzip2", "-n2"], ".bz2"),
                          lambda p, d: ["lbzip2", "-n4", "-d", "-c", p["packed"]]),
    "sort_parallel": (["sort"], _sort_input,
                      lambda p, d: ["sort", "--parallel=4", "-S", "1M", p["input"]]),
    "git_grep": (["git"], _git_repo,
                 lambda p, d: ["git", "-C", p["repo"], "grep", "--threads", "4", "-n",
                               "needle"]),
    "sqlite_threads": ([], lambda work: {"db": os.path.join(work, "test.db")},
                       lambda p, d: [os.path.join(d, "sqlite_threads"), p["db"]]),
    "python_threads": ([PYTHON], lambda work: {},
                       lambda p, d: [PYTHON, os.path.join(HERE, "py_threads.py")]),
    "python_subprocess": ([PYTHON], lambda work: {},
                          lambda p, d: [PYTHON, os.path.join(HERE, "py_subprocess.py")]),
    "fork_threads": ([], lambda work: {},
                     lambda p, d: [os.path.join(d, "fork_threads")]),
}


def _fail(message):
    print("FAIL: " + message, file=sys.stderr)
    return 1


class CommandTimeout(Exception):
    pass


def _run(argv, cwd, timeout=COMMAND_TIMEOUT_S):
    try:
        return subprocess.run(argv, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CommandTimeout("%s did not finish in %d s" % (" ".join(argv), timeout))


def run_case(name, weft, programs_dir, keep):
    needs, prepare, make_argv = CASES[name]
    for program in needs:
        if shutil.which(program) is None:
            return _fail("%s is not installed (scripts/install-deps.sh installs it)" % program)
    work = tempfile.mkdtemp(prefix="weft-realworld-%s-" % name)
    try:
        argv = make_argv(prepare(work), programs_dir)
        native = _run(argv, work)
        if native.returncode != 0:
            return _fail("natively, %s exited %d: %s" % (argv, native.returncode,
                                                       native.stderr.decode()[-500:]))
        trace = os.path.join(work, name + ".weft")
        recorded = _run([weft, "record", "-o", trace, "--timeout", str(PROGRAM_TIMEOUT_S),
                         "--"] + argv, work)
        if recorded.returncode != 0:
            return _fail("weft record exited %d:\n%s" % (recorded.returncode,
                                                        recorded.stderr.decode()[-2000:]))
        shown = _run([weft, "show", trace, "--json"], work)
        try:
            outcome = weft_protocol.last_line_document(shown.stdout.decode())["outcome"]
        except (ValueError, KeyError) as e:
            return _fail("weft show --json of the recording failed (%s): %s"
                         % (e, shown.stderr.decode()[-1000:]))
        if outcome.get("exit_code") != 0:
            return _fail("under weft the program did not exit 0: %s\n%s"
                         % (outcome.get("description"), recorded.stderr.decode()[-1500:]))
        if recorded.stdout != native.stdout:
            return _fail("the output under weft (%d bytes) differs from the native output "
                         "(%d bytes)" % (len(recorded.stdout), len(native.stdout)))
        replayed = _run([weft, "replay", trace, "--times", str(REPLAYS), "--json"], work)
        try:
            doc = weft_protocol.last_line_document(replayed.stdout.decode(errors="replace"))
        except ValueError as e:
            return _fail("weft replay printed no JSON document (%s); stderr:\n%s"
                         % (e, replayed.stderr.decode()[-2000:]))
        if doc.get("reproduced_count") != REPLAYS or replayed.returncode != 0:
            return _fail("weft replay --times %d reproduced %s (exit %d): %s\n%s"
                         % (REPLAYS, doc.get("reproduced_count"), replayed.returncode,
                            doc.get("divergence"), replayed.stderr.decode()[-1500:]))
        print("%s: output identical (%d bytes), %s events, replayed %d/%d"
              % (name, len(native.stdout), doc.get("recorded_events"), REPLAYS, REPLAYS))
        return 0
    except CommandTimeout as e:
        return _fail(str(e))
    finally:
        if keep:
            print("kept " + work)
        else:
            shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weft", default=os.environ.get("WEFT_BIN"))
    parser.add_argument("--programs", default=os.environ.get("WEFT_REALWORLD_DIR"),
                        help="where sqlite_threads and fork_threads were built")
    parser.add_argument("--case", action="append", default=[])
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    if args.list:
        print("\n".join(CASES))
        return 0
    if not args.weft or not args.programs:
        parser.error("--weft and --programs are required")
    unknown = [c for c in args.case if c not in CASES]
    if unknown:
        parser.error("unknown case(s) %s; --list lists them" % ", ".join(unknown))
    problem = weft_protocol.capability_problem()
    if problem:
        print("skipped: " + problem)
        return weft_protocol.SKIP_EXIT_CODE
    status = 0
    for case in args.case or list(CASES):
        status |= run_case(case, os.path.abspath(args.weft), os.path.abspath(args.programs),
                           args.keep)
    return status


if __name__ == "__main__":
    sys.exit(main())
