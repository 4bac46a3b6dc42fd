#!/usr/bin/env python3
"""Diffs today's `weft show` of the checked-in format-1 traces against what the release
that recorded them printed (README.md). Exit 0 = same, 1 = a difference (printed)."""
import argparse
import difflib
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# Keys today's `weft show --json` has and the format-1 release's did not, by JSON path
# ("." = the top-level object), each with why it was added. Nothing else may differ.
ADDED_KEYS = {
    ".schema": "the machine protocol's document name (docs/JSON.md), 'weft.show/1'",
    ".schedule": "the typed schedule spec of format 2; a format-1 trace has none, so its "
                 "kind is 'unspecified' (strategy and seed stay where they were)",
    ".processes": "format 2 holds many processes; a format-1 trace is converted to one, "
                  "pid 0 (not recorded), described by the header",
    ".modules[].id": "format 2: frames refer to modules by id; format-1 modules are "
                     "numbered in file order",
    ".modules[].pid": "format 2: the process a module is mapped in (0 in format 1)",
    ".threads[].pid": "format 2: the process of a thread (0 in format 1)",
    ".frames[].module_id": "format 2: a frame is (module id, offset); a format-1 frame is "
                           "placed in the module whose path and range hold its ip",
    ".frames[].offset": "format 2: the frame's address minus its module's base",
    ".frames[].inlined_callers": "format 2: the functions a frame's code was inlined into "
                                 "(none recorded in format 1: empty)",
    ".enabled_sets": "format 2: the enabled set of each decision when recorded (none in "
                     "format 1)",
    ".inputs_recorded": "format 2: a free recording's recorded inputs (false in format 1)",
    ".inputs": "format 2: a free recording's recorded inputs (none in format 1)",
    ".ring": "format 2: a flight recording's window (weft record --ring; null in format 1)",
    ".stdin": "format 2: the stdin weft fed the program, when recorded (never in format 1)",
    ".stdout": "format 2: the program's captured stdout (empty in format 1)",
    ".stderr": "format 2: the program's captured stderr (empty in format 1)",
    ".env[].redacted": "secret-looking variables are stored as digests since format 2's "
                       "header gained them; nothing in a format-1 trace is redacted",
    ".env_kept": "names kept in clear by --keep-env (none in format 1)",
    ".executable_build_id": "the executable's build-id in the header (\"\" in format 1; "
                            "replay falls back to the module table)",
    ".executable_sha256": "the digest of an executable without build-id (\"\" in format 1)",
    ".prior_accesses": "memory accesses logged late by an instrumented build (none in format 1)",
    ".races": "the data races of an instrumented build's memory accesses (none in format 1)",
    ".objects[].parts": "where each global in a memory granule that holds more than one begins "
                        "(none in format 1)",
    ".events[].preempts": "issue 12: the thread each decision preempted (analysis/"
                          "preemptions.h), inferred from the events of a format-1 trace",
    ".preemptions": "issue 12: how many decisions preempted a thread, and whether the count is "
                    "exact (recorded enabled sets) or inferred",
}


# Text today's `weft show` prints differently from the format-1 release, on purpose: (what
# the release printed, what weft prints now, why). Applied to the expected text before the
# diff; nothing else may differ.
CHANGED_TEXT = [
    ("(anonymous namespace)::Trampoline(void*) (weft shim)", "Trampoline(void*) (weft shim)",
     "function names in text are shortened (render.h ShortName): no '(anonymous namespace)::'; "
     "the JSON keeps the full name"),
]

# Text today's `weft show` adds, on purpose: (regular expression removed from today's text
# before the diff, why). Nothing else may differ.
ADDED_TEXT = [
    (r"(?m)  +preemption$", "issue 12: the title of the preemption column (the last one)"),
    (r"(?m) +preempts T\d+$", "issue 12: an event whose decision preempted a thread is marked "
                               "in the last column (the location before it is then padded)"),
    (r"\n\d+ preemptions? \(a switch away[^\n]*\n(  \(inferred[^\n]*\n)?",
     "issue 12: the preemptions under the events"),
]


def generic(path):
    """.frames[3].offset -> .frames[].offset: the path ADDED_KEYS names."""
    import re
    return re.sub(r"\[\d+\]", "[]", path)


def compare(old, new, path, problems):
    if isinstance(old, dict) and isinstance(new, dict):
        for key in old:
            sub = (path if path != "." else "") + "." + key
            if key not in new:
                problems.append(f"{sub}: missing from today's output")
            else:
                compare(old[key], new[key], sub, problems)
        for key in new:
            sub = (path if path != "." else "") + "." + key
            if key not in old and generic(sub) not in ADDED_KEYS:
                problems.append(f"{sub}: new key, not explained in ADDED_KEYS")
        if list(k for k in new if k in old) != list(old):
            problems.append(f"{path}: keys are in another order")
    elif isinstance(old, list) and isinstance(new, list):
        if len(old) != len(new):
            problems.append(f"{path}: {len(old)} entries before, {len(new)} now")
        for i, (a, b) in enumerate(zip(old, new)):
            compare(a, b, f"{path}[{i}]", problems)
    elif old != new or type(old) != type(new):
        problems.append(f"{path}: was {old!r}, is {new!r}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weft", required=True)
    args = parser.parse_args()
    weft = os.path.abspath(args.weft)
    traces = sorted(f for f in os.listdir(HERE) if f.endswith(".weft"))
    if not traces:
        print(f"no .weft files in {HERE}")
        return 1
    failed = False
    for trace in traces:
        name = trace[: -len(".weft")]

        def show(*extra):
            done = subprocess.run([weft, "show", *extra, trace], cwd=HERE,
                                  capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(f"weft show {' '.join(extra)} {trace} failed "
                                 f"({done.returncode}): {done.stderr.strip()}")
            return done.stdout

        with open(os.path.join(HERE, name + ".show.expected")) as f:
            expected_text = f.read()
        for before, now, _why in CHANGED_TEXT:
            expected_text = expected_text.replace(before, now)
        text = show()
        for added, _why in ADDED_TEXT:
            text = re.sub(added, "", text)
        if text != expected_text:
            failed = True
            print(f"{trace}: `weft show` differs from {name}.show.expected:")
            sys.stdout.writelines(difflib.unified_diff(
                expected_text.splitlines(True), text.splitlines(True),
                f"{name}.show.expected", "today"))
        with open(os.path.join(HERE, name + ".json.expected")) as f:
            expected_json = json.load(f)
        problems = []
        compare(expected_json, json.loads(show("--json")), ".", problems)
        if problems:
            failed = True
            print(f"{trace}: `weft show --json` differs from {name}.json.expected:")
            for p in problems:
                print("  " + p)
        if not failed:
            print(f"{trace}: same as the format-1 release")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
