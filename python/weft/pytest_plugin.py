"""weft's pytest plugin (the package's pytest11 entry point): the fixture `weft_explore`.

    def test_withdraw(weft_explore):
        weft_explore(["./build/withdraw"], runs=200, strategy="pct", seed=1)

runs `weft explore` on the native program and, when a run fails, fails the test with the
outcome, the saved trace and the exact `weft replay` line; otherwise it returns the
ExploreResult. Options on the pytest command line override what the test asks for:

  --weft-runs N       runs of every search        --weft-seed S      first seed
  --weft-strategy S   strategy of every search    --weft-output DIR  where traces go
  --weft-exe PATH     the weft executable (default: $WEFT, else `weft` on PATH)

Traces go to the test's tmp_path unless --weft-output DIR is given (then DIR/TEST-NAME/,
one folder per test, so parallel workers never share one). Under pytest-xdist every
worker's search runs one run at a time (-j 1) unless the test passes `jobs`: the workers
already fill the CPUs.
"""

import os
import re

import pytest

from . import api
from ._cli import WeftError


def pytest_addoption(parser):
    group = parser.getgroup("weft", "weft: schedule searches of native programs")
    group.addoption("--weft-runs", type=int, default=None, metavar="N",
                    help="runs of every weft_explore search (overrides the test's runs=)")
    group.addoption("--weft-seed", type=int, default=None, metavar="S",
                    help="first seed of every weft_explore search (overrides seed=)")
    group.addoption("--weft-strategy", default=None, metavar="NAME",
                    help="strategy of every weft_explore search (overrides strategy=; "
                         "see weft explore --list-strategies)")
    group.addoption("--weft-output", default=None, metavar="DIR",
                    help="keep the failing traces in DIR/TEST-NAME (default: the test's "
                         "tmp_path)")
    group.addoption("--weft-exe", default=None, metavar="PATH",
                    help="the weft executable (default: $WEFT, else weft on PATH)")


def pytest_report_header(config):
    opts = [(name, config.getoption(name)) for name in
            ("weft_runs", "weft_seed", "weft_strategy", "weft_output", "weft_exe")]
    given = ["--%s %s" % (n.replace("_", "-"), v) for n, v in opts if v is not None]
    return ["weft: " + " ".join(given)] if given else []


def failure_report(argv, result):
    """The text a failing search fails its test with: each failure's outcome, trace and
    replay line."""
    program = " ".join(argv)
    first = result.failures[0]
    lines = ["weft explore found a failing schedule of %s: run %d of %d (seed %d, strategy "
             "%s) %s" % (program, first.run, result.runs, first.seed, first.strategy,
                         first.outcome)]
    for f in result.failures:
        if f is not first:
            lines.append("also run %d (seed %d): %s" % (f.run, f.seed, f.outcome))
        lines.append("  signature: %s" % f.signature)
        lines.append("  trace: %s" % f.trace)
        lines.append("  replay it with: %s" % f.replay_command)
        out = f.trace + ".out"
        try:
            with open(out, "rb") as fh:
                tail = fh.read().decode("utf-8", "replace").rstrip().splitlines()[-5:]
        except OSError:
            tail = []
        if tail:
            lines.append("  its last output:")
            lines += ["    | " + t for t in tail]
    return "\n".join(lines)


def _folder_name(nodeid):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", nodeid).strip("_")[-120:] or "test"


@pytest.fixture
def weft_explore(request, tmp_path):
    """explore(argv, runs=100, strategy=None, seed=None, **options) → ExploreResult.

    Runs `weft explore` on the program `argv` (a list, or one path); the test fails when a
    run fails. `options` are weft.explore's (strategy_args, run_timeout, keep_going,
    fail_on_race, ...). --weft-runs, --weft-seed, --weft-strategy override runs, seed and
    strategy."""
    config = request.config
    calls = [0]

    def explore(argv, runs=100, strategy=None, seed=None, **options):
        if isinstance(argv, (str, bytes, os.PathLike)):
            argv = [argv]
        argv = [os.fspath(a) for a in argv]
        runs = config.getoption("weft_runs") or runs
        if config.getoption("weft_seed") is not None:
            seed = config.getoption("weft_seed")
        strategy = config.getoption("weft_strategy") or strategy
        calls[0] += 1
        base = config.getoption("weft_output")
        name = "weft-explore" if calls[0] == 1 else "weft-explore-%d" % calls[0]
        if base:
            out = os.path.join(os.path.abspath(base), _folder_name(request.node.nodeid), name)
        else:
            out = str(tmp_path / name)
        options.setdefault("output_dir", out)
        if "PYTEST_XDIST_WORKER" in os.environ:
            options.setdefault("jobs", 1)
        options.setdefault("weft", config.getoption("weft_exe"))
        try:
            result = api.explore(argv, runs=runs, strategy=strategy, seed=seed, **options)
        except WeftError as e:
            pytest.fail("weft explore could not search %s: %s" % (" ".join(argv), e),
                        pytrace=False)
        if result.failures:
            pytest.fail(failure_report(argv, result), pytrace=False)
        return result

    return explore
