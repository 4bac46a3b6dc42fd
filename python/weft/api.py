"""The weft commands as functions: each runs the CLI with --json and returns its typed
document (results.py). A failure of the program is a result; a failure of weft itself
(exit status 2: bad arguments, an unreadable trace, a program that cannot be started) is a
WeftError carrying weft's own message and exit status.

Every function takes `weft` (the executable; default: $WEFT, else `weft` on PATH), `cwd`
and `env` (of the weft process, and so of the program) and `timeout` (seconds this package
waits for weft, None = no limit; weft's own per-run limit is `run_timeout`).
"""

import os

from . import results
from ._cli import EXIT_FOUND, EXIT_OK, WeftError, run_json

SCHEMA_RECORD = "weft.record/1"
SCHEMA_REPLAY = "weft.replay/1"
SCHEMA_REPLAY_CHECK = "weft.replay-check/1"
SCHEMA_EXPLORE = "weft.explore/1"
SCHEMA_SHOW = "weft.show/1"
SCHEMA_CONFLICTS = "weft.conflicts/1"
SCHEMA_PERMUTE = "weft.permute/1"
SCHEMA_MINIMIZE = "weft.minimize/1"
SCHEMA_EXPLAIN = "weft.explain/1"


def _program(argv):
    if isinstance(argv, (str, bytes, os.PathLike)):
        argv = [argv]
    argv = [os.fspath(a) for a in argv]
    if not argv:
        raise WeftError("give the program to run, e.g. ['./prog', 'arg']")
    return ["--"] + argv


def _opt(args, name, value):
    if value is not None:
        args += [name, str(os.fspath(value) if isinstance(value, os.PathLike) else value)]


def _flag(args, name, on):
    if on:
        args.append(name)


def _strategy_args(args, strategy_args):
    for name, value in (strategy_args or {}).items():
        _opt(args, "--" + name.replace("_", "-"), value)


def _stdin(args, stdin):
    """bytes are fed to weft's stdin (the program's); a path is --stdin FILE."""
    if stdin is None or isinstance(stdin, (bytes, bytearray)):
        return stdin
    _opt(args, "--stdin", stdin)
    return None


def record(argv, *, output=None, seed=None, strategy=None, strategy_args=None,
           run_timeout=None, max_steps=None, stack_depth=None, no_stacks=False,
           fail_on_race=False, memory_sites=None, stdin=None, keep_env=(), redact_env=(),
           extra_args=(), weft=None, cwd=None, env=None, timeout=None):
    """Runs the program once under weft's control (`weft record`) and writes its trace.

    `argv`: the program and its arguments. `output`: the trace (default: weft's name,
    PROGRAM-SEED.weft). `strategy_args`: a strategy's own options, e.g. {"depth": 3}.
    `stdin`: bytes for the program's stdin, or a file's path. Returns RecordResult (the
    program's stdout in `.stdout`); a failing program is `failed`, not an error.
    """
    args = []
    _opt(args, "--output", output)
    _opt(args, "--seed", seed)
    _opt(args, "--strategy", strategy)
    _strategy_args(args, strategy_args)
    _opt(args, "--timeout", run_timeout)
    _opt(args, "--max-steps", max_steps)
    _opt(args, "--stack-depth", stack_depth)
    _flag(args, "--no-stacks", no_stacks)
    _flag(args, "--fail-on-race", fail_on_race)
    _opt(args, "--memory-sites", memory_sites)
    for name in keep_env:
        _opt(args, "--keep-env", name)
    for name in redact_env:
        _opt(args, "--redact-env", name)
    data = _stdin(args, stdin)
    args += list(extra_args) + _program(argv)
    doc, proc = run_json(weft, "record", args, SCHEMA_RECORD, ok_codes=(EXIT_OK, EXIT_FOUND),
                         stdin=data, cwd=cwd, env=env, json_file=True, timeout=timeout)
    result = results.from_json(results.RecordResult, doc)
    result.stdout = proc.stdout
    return result


def replay(trace, *, times=None, output=None, stop_at=None, run_timeout=None,
           continue_after_divergence=False, fail_on_race=False, extra_args=(), weft=None,
           cwd=None, env=None, timeout=None):
    """Replays a trace (`weft replay`) and says whether it reproduced (ReplayResult).

    A replay that diverged or did not reproduce is `reproduced` False, not an error; a
    trace that cannot be read, or whose replay weft refuses, raises WeftError."""
    args = []
    _opt(args, "--times", times)
    _opt(args, "--output", output)
    _opt(args, "--stop-at", stop_at)
    _opt(args, "--timeout", run_timeout)
    _flag(args, "--continue-after-divergence", continue_after_divergence)
    _flag(args, "--fail-on-race", fail_on_race)
    args += list(extra_args) + [os.fspath(trace)]
    doc, _ = run_json(weft, "replay", args, SCHEMA_REPLAY, ok_codes=(EXIT_OK, EXIT_FOUND),
                      cwd=cwd, env=env, timeout=timeout)
    return results.from_json(results.ReplayResult, doc)


def replay_check(trace, *, extra_args=(), weft=None, cwd=None, env=None, timeout=None):
    """What replaying the trace would run, checked without running it
    (`weft replay --dry-run`): ReplayCheck, `allowed` False with the `refusal`."""
    args = ["--dry-run"] + list(extra_args) + [os.fspath(trace)]
    doc, _ = run_json(weft, "replay", args, SCHEMA_REPLAY_CHECK,
                      ok_codes=(EXIT_OK, EXIT_FOUND), cwd=cwd, env=env, timeout=timeout)
    return results.from_json(results.ReplayCheck, doc)


def explore(argv, *, runs=None, seed=None, strategy=None, strategy_args=None, jobs=None,
            keep_going=False, output_dir=None, run_timeout=None, max_steps=None,
            stack_depth=None, no_stacks=False, fail_on_race=False, race_check=True,
            isolation=True, stdin=None, junit=None, keep_env=(), redact_env=(),
            extra_args=(), weft=None, cwd=None, env=None, timeout=None):
    """Searches the program's schedules for a failing one (`weft explore`).

    `runs` (default 100), `seed` (the first), `strategy` (`weft explore --list-strategies`)
    and `strategy_args` (its options, e.g. {"depth": 3} for pct) say what to search;
    `output_dir` where failing traces go (default weft-explore); `junit` a JUnit XML file to
    write. Returns ExploreResult: a failure found is in `failures` (each with its trace and
    `replay_command`), and `exit_code` is weft's status (0, 1, or 128+N when interrupted).
    """
    args = []
    _opt(args, "--runs", runs)
    _opt(args, "--seed", seed)
    _opt(args, "--strategy", strategy)
    _strategy_args(args, strategy_args)
    _opt(args, "--jobs", jobs)
    _flag(args, "--keep-going", keep_going)
    _opt(args, "--output", output_dir)
    _opt(args, "--timeout", run_timeout)
    _opt(args, "--max-steps", max_steps)
    _opt(args, "--stack-depth", stack_depth)
    _flag(args, "--no-stacks", no_stacks)
    _flag(args, "--fail-on-race", fail_on_race)
    _flag(args, "--no-race-check", not race_check)
    _flag(args, "--no-isolation", not isolation)
    _opt(args, "--junit", junit)
    for name in keep_env:
        _opt(args, "--keep-env", name)
    for name in redact_env:
        _opt(args, "--redact-env", name)
    data = _stdin(args, stdin)
    if data is None:
        data = b""  # runs get an empty stdin, never this process's
    args += list(extra_args) + _program(argv)
    doc, proc = run_json(weft, "explore", args, SCHEMA_EXPLORE, ok_codes=(EXIT_OK, EXIT_FOUND),
                         stdin=data, cwd=cwd, env=env, timeout=timeout)
    result = results.from_json(results.ExploreResult, doc)
    result.exit_code = proc.returncode
    return result


def permute(trace, at, thread, *, output=None, run_timeout=None, extra_args=(), weft=None,
            cwd=None, env=None, timeout=None):
    """Replays the trace up to decision `at`, runs `thread` there, lets the program go on
    (`weft permute`): PermuteResult (`forced` False when the thread could not run there)."""
    args = ["--at", str(at), "--thread", str(thread)]
    _opt(args, "--output", output)
    _opt(args, "--timeout", run_timeout)
    args += list(extra_args) + [os.fspath(trace)]
    doc, _ = run_json(weft, "permute", args, SCHEMA_PERMUTE, cwd=cwd, env=env, timeout=timeout)
    return results.from_json(results.PermuteResult, doc)


def minimize(trace, *, output=None, max_runs=None, run_timeout=None, extra_args=(), weft=None,
             cwd=None, env=None, timeout=None):
    """Shrinks a failing trace to its fewest preemptions (`weft minimize`): MinimizeResult
    (`verified` False when the written trace did not replay the failure)."""
    args = []
    _opt(args, "--output", output)
    _opt(args, "--max-runs", max_runs)
    _opt(args, "--timeout", run_timeout)
    args += list(extra_args) + [os.fspath(trace)]
    doc, _ = run_json(weft, "minimize", args, SCHEMA_MINIMIZE, ok_codes=(EXIT_OK, EXIT_FOUND),
                      cwd=cwd, env=env, timeout=timeout)
    return results.from_json(results.MinimizeResult, doc)


def explain(trace, *, output=None, max_runs=None, all_pairs=False, run_timeout=None,
            force=False, trust=False, extra_args=(), weft=None, cwd=None, env=None,
            timeout=None):
    """Names the critical reordering of a failing trace (`weft explain`): ExplainResult with
    the pair whose reversal passes while a control run fails as recorded, and both runs
    saved (`output` is their prefix: PREFIX-fail.weft, PREFIX-pass.weft). `found` False
    when none was found within `max_runs`; a trace that did not fail is a WeftError."""
    args = []
    _opt(args, "--output", output)
    _opt(args, "--max-runs", max_runs)
    _flag(args, "--all", all_pairs)
    _opt(args, "--timeout", run_timeout)
    _flag(args, "--force", force)
    _flag(args, "--trust", trust)
    args += list(extra_args) + [os.fspath(trace)]
    doc, _ = run_json(weft, "explain", args, SCHEMA_EXPLAIN, ok_codes=(EXIT_OK, EXIT_FOUND),
                      cwd=cwd, env=env, timeout=timeout)
    return results.from_json(results.ExplainResult, doc)


def conflicts(trace, *, limit=None, weft=None, cwd=None, env=None, timeout=None):
    """The conflicting pairs of a trace (`weft conflicts`): ConflictsResult (all pairs
    unless `limit`)."""
    args = []
    _opt(args, "--limit", limit)
    args.append(os.fspath(trace))
    doc, _ = run_json(weft, "conflicts", args, SCHEMA_CONFLICTS, cwd=cwd, env=env,
                      timeout=timeout)
    return results.from_json(results.ConflictsResult, doc)


def show(trace, *, weft=None, cwd=None, env=None, timeout=None):
    """The whole trace as `weft show --json` prints it (weft.show/1), as a dict. To read a
    trace in Python without running weft, use weft.Trace.open."""
    doc, _ = run_json(weft, "show", [os.fspath(trace)], SCHEMA_SHOW, cwd=cwd, env=env,
                      timeout=timeout)
    return doc
