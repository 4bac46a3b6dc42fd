"""weft_protocol.py — what the integration drivers share: the one shape of every weft
--json document and progress line (docs/JSON.md, written down again here so that a change
to either is caught), reading a command's document, and the one-time capability probe that
is the only reason a test may skip.

Standard library only.
"""

import ctypes
import ctypes.util
import json
import os
import subprocess

SKIP_EXIT_CODE = 77

# ---------------------------------------------------------------------------------------
# Shapes. A spec is "int", "number", "string", "bool" (a trailing "?" also allows null), a
# dict (an object with exactly these keys; {"*": spec} is a map with any keys), a list
# [spec] (an array of spec), or ("?", spec) for an object or array that may be null.

# A data race (docs/JSON.md, "Data races").
RACE_ACCESS = {"tid": "int", "kind": "string", "atomic": "bool", "address": "int", "size": "int",
               "pc": "int", "event": "int?", "after_event": "int?", "prior": "bool",
               "stack": "int?",
               "frames": [{"function": "string", "file": "string", "line": "int",
                           "inlined": "bool", "module": "string", "offset": "int",
                           "ip": "int"}]}
RACE = {"address": "int", "size": "int", "occurrences": "int", "global": "string?",
        "current": RACE_ACCESS,
        "previous": RACE_ACCESS}

OUTCOME = {"exit_code": "int?", "signal": "int?", "deadlock": "bool", "timeout": "bool",
           "livelock": "bool", "outcome": "string"}

RUN_MEMORY = {"instrumented": "bool", "interleaved": "bool", "events": "int",
              "sites_used": "int", "sites_found": "int", "table_full": "bool"}

# The atomic instructions of an uninstrumented program as schedule points (docs/JSON.md,
# "Atomic sites").
ATOMIC_SITES = {"scanned": "bool", "instrumented": "bool", "listed": "int", "patched": "int",
                "dropped": "int", "reached": "bool",
                "modules": [{"path": "string", "atomics": "int", "thread_local": "int",
                             "unpatchable": "int", "listed": "int"}],
                "error": "string?"}

RECORD = dict(OUTCOME, schema="string", trace="string", seed="int", events="int",
              inputs="int", input_bytes="int", bytes="int", failed="bool", controlled="bool", notes=["string"],
              wall_seconds="number",
              event_digest="string", races=[RACE], race_failure="bool",
              memory=RUN_MEMORY, atomic_sites=ATOMIC_SITES,
              ring=("?", {"window_bytes": "int", "written": "bool", "dropped_events": "int",
                          "window_events": "int", "dumps": "int", "peak_bytes": "int"}))

REPLAY = dict(OUTCOME, schema="string", reproduced="bool", replays="int",
              reproduced_count="int", stopped="bool", events="int", recorded_events="int",
              diverged="bool", divergence="string?", divergence_index="int?",
              reason="string?", divergence_thread="int?", divergence_trace="string?",
              divergence_threads=[{"tid": "int", "kind": "string", "object": "string",
                                   "location": "string", "diverged": "bool"}],
              event_digest="string", trace="string?", races=[RACE],
              races_checked="bool", race_failure="bool", notes=["string"],
              memory=RUN_MEMORY, atomic_sites=ATOMIC_SITES,
              debugger=("?", {"tool": "string", "event": "int", "held": "bool",
                              "attached": "bool", "exit_status": "int",
                              "error": "string?"}))

EXPLORE_FAILURE = dict(OUTCOME, run="int", seed="int", strategy="string", trace="string",
                       reproduced="bool",
                       signature="string", stacks="string", replay_command="string",
                       race="bool")

EXPLORE = {
    "schema": "string", "runs": "int", "first_failure_run": "int?",
    "runs_asked": "int", "keep_going": "bool", "program": ["string"],
    "shard": ("?", {"index": "int", "count": "int", "learning_runs": "int",
                    "stopped_at_run": "int?"}),
    "failures": [EXPLORE_FAILURE], "distinct_schedules": "int", "runs_per_second": "number",
    "wall_seconds": "number", "strategy": "string", "first_seed": "int", "complete": "bool",
    "coverage": "string",
    "memory": {"instrumented": "bool", "interleaved": "bool", "events": "int", "sites": "int"},
    "atomic_sites": ATOMIC_SITES,
    "interrupted": "bool", "preemption_bound": "int?", "jobs": "int", "isolated": "bool",
    "spawn": "string", "forked_runs": "int", "forked_late_runs": "int",
    "spawn_note": "string?",
    "failures_by_kind": {"*": "int"},
    "failure_groups": [{"signature": "string", "count": "int", "runs": ["int"],
                        "trace": "string"}],
    "later_failures": [{"run": "int", "seed": "int", "trace": "string", "outcome": "string",
                        "signature": "string", "stacks": "string"}],
    "pct": ("?", {"depth": "int", "steps": "int", "threads": "int",
                  "per_run_probability": "number", "missed_probability": "number"}),
    "races_checked": "bool",
    "races": [dict(RACE, run="int", seed="int", trace="string")],
}

LOCATION = ("?", {"function": "string", "file": "string", "line": "int", "ip": "int"})

SHOW = {
    "schema": "string", "format_major": "int", "weft_version": "string",
    "shim_protocol": "int", "argv": ["string"], "executable": "string", "cwd": "string",
    "env": [{"name": "string", "value": "string", "redacted": "bool"}],
    "env_kept": ["string"], "executable_build_id": "string", "executable_sha256": "string",
    "mode": "string", "strategy": "string",
    "seed": "int", "realtime_base_ns": "int", "monotonic_base_ns": "int",
    "created_unix_ns": "int", "replayed_from": "string",
    "schedule": {"kind": "string", "seed": "int", "pct_depth": "int", "pct_steps": "int",
                 "tail": "string", "forced_tid": "int?", "prefix": "int",
                 "parameters": {"*": "int"}},
    "processes": [{"pid": "int", "parent": "int?", "executable": "string",
                   "argv": ["string"],
                   "execs": [{"executable": "string", "argv": ["string"]}]}],
    "modules": [{"path": "string", "id": "int", "pid": "int", "build_id": "string",
                 "base": "int", "size": "int"}],
    "threads": [{"tid": "int", "parent": "int?", "start_routine": "int",
                 "start_function": "string", "name": "string", "handle_obj": "int",
                 "pid": "int"}],
    "objects": [{"id": "int", "kind": "string", "address": "int", "symbol": "string",
                 "aux": "int", "parts": [{"offset": "int", "symbol": "string"}]}],
    "frames": [{"id": "int", "ip": "int", "function": "string", "file": "string",
                "line": "int", "module": "string", "module_id": "int", "offset": "int",
                "inlined_callers": [{"function": "string", "file": "string", "line": "int"}]}],
    "stacks": [{"id": "int", "frames": ["int"]}],
    "events": [{"index": "int", "tid": "int", "kind": "string", "object": "int?",
                "flags": ["string"], "arg": "int", "vtime": "int", "enabled": "int",
                "stack": "int?", "location": LOCATION, "preempts": "int?"}],
    "preemptions": {"count": "int", "exact": "bool"},
    "wakes": [{"event_index": "int", "woken": "int"}],
    "prior_accesses": [{"event_index": "int", "tid": "int", "kind": "string", "atomic": "bool",
                        "flags": "int", "size": "int", "offset": "int", "order": "int",
                        "stack": "int?", "before_event": "int"}],
    "enabled_sets": [{"current": "int", "enabled": ["int"]}],
    "inputs_recorded": "bool",
    "ring": ("?", {"window_bytes": "int", "dropped_events": "int", "dropped_inputs": "int",
                   "running": "bool", "dump": "int", "description": "string"}),
    "inputs": [{"tid": "int", "kind": "string", "source": "int", "result": "int", "value": "int",
                "bytes": "int", "event_index": "int"}],
    "stdout": {"captured": "bool", "data": "string", "truncated": "bool", "total_bytes": "int"},
    "stderr": {"captured": "bool", "data": "string", "truncated": "bool", "total_bytes": "int"},
    "stdin": {"captured": "bool", "data": "string", "truncated": "bool", "total_bytes": "int"},
    "outcome": {
        "recorded": "bool", "kind": "string", "description": "string", "exit_code": "int?",
        "signal": "int?", "signal_name": "string?", "deadlock": "bool",
        "blocked": [{"tid": "int", "kind": "string", "object": "int?", "holder": "int?",
                     "stack": "int?", "location": LOCATION}],
        "cycle": "string?",
        "crash": ("?", {"signal": "int", "os_tid": "int", "tid": "int?",
                        "fault_address": "int", "ip": "int", "instruction": "string",
                        "frames": ["int"], "location": LOCATION}),
        "diverged": "bool", "divergence_index": "int?", "divergence": "string",
        "message": "string", "events": "int", "wall_seconds": "number",
        "truncated_at_byte": "int?",
    },
    "races": [RACE],
}

CONFLICT_SIDE = {
    "index": "int?", "pending": "bool", "blocked": "int?", "tid": "int", "kind": "string",
    "obj": "int", "object": "string", "access": "string", "flags": ["string"],
    "memory": ("?", {"address": "int", "size": "int", "atomic": "bool"}),
    "location": "string",
    "stack": [{"function": "string", "file": "string", "line": "int", "module": "string",
               "ip": "int", "inlined": "bool"}],
}

CONFLICTS = {
    "schema": "string",
    "conflicts": [{"obj": "int", "object": "string", "first": CONFLICT_SIDE,
                   "second": CONFLICT_SIDE, "reversal": {"at": "int", "thread": "int"},
                   "rank": "int", "critical": "bool", "failing_thread": "bool"}],
    "count": "int", "shown": "int", "hidden": "int", "failing_threads": ["int"],
    "critical_found": "bool?",
}

PERMUTE = dict(OUTCOME, schema="string", trace="string", at="int", thread="int",
               forced="bool", divergence="string?", failed="bool", events="int",
               output="string")

MINIMIZE = {
    "schema": "string", "preemptions_before": "int", "preemptions_after": "int",
    "switches_before": "int", "switches_after": "int", "events_before": "int",
    "events_after": "int", "runs": "int", "outcome": "string", "trace": "string",
    "verified": "bool",
}

EXPLAIN_SIDE = {
    "event": "int?", "pending": "bool", "tid": "int", "kind": "string", "obj": "int",
    "object": "string",
    "location": ("?", {"function": "string", "file": "string", "line": "int"}),
    "where": "string",
    "stack": [{"function": "string", "file": "string", "line": "int", "inlined": "bool"}],
}

CRITICAL = {"obj": "int", "object": "string", "first": EXPLAIN_SIDE, "second": EXPLAIN_SIDE,
            "between": ("?", EXPLAIN_SIDE), "reversal": {"at": "int", "thread": "int"}}

EXPLAIN = {
    "schema": "string", "trace": "string", "outcome": "string", "explained_trace": "string",
    "minimized_trace": "string?", "found": "bool", "method": "string?",
    "critical": ("?", CRITICAL),
    "failing_trace": "string?", "passing_trace": "string?", "failing_outcome": "string?",
    "passing_outcome": "string?", "runs": "int", "tried": "int", "candidates": "int",
}

# explore's short form of explain, for its first failure (docs/JSON.md).
EXPLORE["why"] = ("?", {
    "run": "int", "trace": "string", "found": "bool", "sentence": "string?", "method": "string?",
    "critical": ("?", CRITICAL), "explained_trace": "string?", "minimized_trace": "string?",
    "failing_trace": "string?", "passing_trace": "string?", "failing_outcome": "string?",
    "passing_outcome": "string?", "runs": "int", "error": "string?",
})

# `weft explore --from TRACE`: the recorded failure reproduced around its recorded order.
EXPLORE["from"] = ("?", {
    "trace": "string", "mode": "string", "recorded_outcome": "string",
    "first_run": ("?", {"diverged": "bool", "divergence_index": "int?", "divergence": "string?",
                        "outcome": "string"}),
    "reproduced": "bool", "run": "int?", "reproduced_trace": "string?",
    "replay_command": "string?", "verify_replays": "int", "verify_reproduced": "int",
    "verify_problem": "string?",
})

PROGRESS = {
    "schema": "string", "command": "string", "run": "int", "runs": "int", "seed": "int?",
    "elapsed_seconds": "number", "runs_per_second": "number", "failed": "bool?",
    "failures": "int", "preemptions": "int?",
}

# `weft replay --dry-run --json`: what a replay would run, checked without running it.
REPLAY_CHECK = {
    "schema": "string", "trace": "string", "executable": "string", "argv": ["string"],
    "command_line": "string", "cwd": "string", "cwd_gone": "bool",
    "env_differences": [{"name": "string", "change": "string", "value": "string?"}],
    "redacted": ["string"], "redacted_missing": ["string"], "redacted_differs": ["string"],
    "loader_variables": ["string"], "program_changed": "string?", "program_checked": "bool",
    "allowed": "bool", "refusal": "string?",
}

# `weft explore --list-strategies --json` (the registry's document).
STRATEGIES = {
    "schema": "string",
    "strategies": [{"name": "string", "default": "bool", "description": "string",
                    "parameters": [{"name": "string", "type": "string", "default": "string",
                                    "help": "string"}]}],
}

# The schema string and shape of each command's --json document.
DOCUMENTS = {
    "record": ("weft.record/1", RECORD),
    "replay": ("weft.replay/1", REPLAY),
    "replay-check": ("weft.replay-check/1", REPLAY_CHECK),
    "explore": ("weft.explore/1", EXPLORE),
    "show": ("weft.show/1", SHOW),
    "conflicts": ("weft.conflicts/1", CONFLICTS),
    "permute": ("weft.permute/1", PERMUTE),
    "minimize": ("weft.minimize/1", MINIMIZE),
    "explain": ("weft.explain/1", EXPLAIN),
    "progress": ("weft.progress/1", PROGRESS),
    "strategies": ("weft.strategies/1", STRATEGIES),
}


def _type_errors(value, spec, path):
    if isinstance(spec, tuple):  # ("?", spec)
        return [] if value is None else _type_errors(value, spec[1], path)
    if isinstance(spec, list):
        if not isinstance(value, list):
            return ["%s: expected an array, got %r" % (path, value)]
        errors = []
        for i, item in enumerate(value):
            errors += _type_errors(item, spec[0], "%s[%d]" % (path, i))
        return errors
    if isinstance(spec, dict):
        if not isinstance(value, dict):
            return ["%s: expected an object, got %r" % (path, value)]
        if "*" in spec:
            errors = []
            for k, v in value.items():
                errors += _type_errors(v, spec["*"], "%s.%s" % (path, k))
            return errors
        errors = []
        missing = sorted(set(spec) - set(value))
        extra = sorted(set(value) - set(spec))
        if missing:
            errors.append("%s: missing %s" % (path, ", ".join(missing)))
        if extra:
            errors.append("%s: undocumented %s" % (path, ", ".join(extra)))
        for k in spec:
            if k in value:
                errors += _type_errors(value[k], spec[k], "%s.%s" % (path, k))
        return errors
    nullable = spec.endswith("?")
    base = spec.rstrip("?")
    if value is None:
        return [] if nullable else ["%s: null, expected %s" % (path, base)]
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "number": isinstance(value, (int, float)) and not isinstance(value, bool),
        "string": isinstance(value, str),
        "bool": isinstance(value, bool),
    }[base]
    return [] if ok else ["%s: expected %s, got %r" % (path, base, value)]


def shape_errors(doc, document):
    """What is wrong with `doc` as the `document` ("replay", "progress", ...): a wrong schema
    string, a missing or undocumented field, a wrong type. [] when it is exactly right."""
    schema, spec = DOCUMENTS[document]
    if not isinstance(doc, dict):
        return ["not a JSON object: %r" % (doc,)]
    errors = []
    if doc.get("schema") != schema:
        errors.append("schema is %r, expected %r" % (doc.get("schema"), schema))
    return errors + _type_errors(doc, spec, document)


def last_line_document(stdout):
    """The --json document: the last non-empty line of stdout, parsed. (The program under
    weft may print before it.) Raises ValueError when that line is not a JSON object."""
    # Split on "\n" only: str.splitlines() also splits on characters such as U+2028 and
    # \x1c, which JSON allows unescaped inside strings (a captured binary stdout has them).
    lines = [l for l in stdout.split("\n") if l.strip()]
    if not lines:
        raise ValueError("stdout is empty")
    doc = json.loads(lines[-1])
    if not isinstance(doc, dict):
        raise ValueError("the last line of stdout is not a JSON object: %r" % lines[-1][:200])
    return doc


def progress_lines(stderr):
    """The weft.progress/1 objects of a --progress=jsonl command's stderr, in order, and the
    other stderr lines."""
    progress, other = [], []
    for line in stderr.splitlines():
        if line.startswith("{"):
            progress.append(json.loads(line))
        elif line.strip():
            other.append(line)
    return progress, other


# ---------------------------------------------------------------------------------------
# The capability probe: run once per driver, before any test.

PTRACE_TRACEME = 0


def _ptrace_problem():
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    pid = os.fork()
    if pid == 0:
        ok = libc.ptrace(PTRACE_TRACEME, 0, None, None) == 0
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return None
    return ("ptrace is not permitted here (PTRACE_TRACEME failed; in a container add "
            "--cap-add=SYS_PTRACE and allow ptrace in seccomp)")


def _preload_problem():
    # A library the probe program does not link itself: if it shows up in the program's
    # maps, the dynamic loader honours LD_PRELOAD.
    lib = ctypes.util.find_library("m")
    if lib is None:
        return None  # nothing to probe with; weft's own tests will tell
    env = dict(os.environ, LD_PRELOAD=lib)
    try:
        maps = subprocess.run(["cat", "/proc/self/maps"], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired) as e:
        return "cannot run cat to probe LD_PRELOAD: %s" % e
    if lib.split(".so")[0] in maps:
        return None
    return "LD_PRELOAD is not honoured here (%s was not loaded into cat)" % lib


def capability_problem():
    """Why weft cannot work on this machine (ptrace or LD_PRELOAD is unavailable), or None.
    This is the only reason a test may skip; any other surprise is a failure."""
    return _ptrace_problem() or _preload_problem()
