"""weft from Python: record, replay and search the thread schedules of native programs.

A pure-Python layer over the `weft` command line: every function runs one weft command
with --json and returns its document (docs/JSON.md) as a typed dataclass, and
weft.Trace.open reads a trace file itself (formats/FORMAT.md, through the .proto).

    import weft
    found = weft.explore(["./bank"], runs=200, strategy="pct")
    for f in found.failures:
        print(f.outcome, f.trace, f.replay_command)
    trace = weft.Trace.open(found.failures[0].trace)
    print(len(trace.events), [t.start_function for t in trace.threads])

Functions: record, replay, replay_check, explore, permute, minimize, explain, conflicts,
show: each runs the CLI command of its name and nothing the CLI lacks. weft's own failures (a bad option, an unreadable trace, a program that cannot start)
raise WeftError with the CLI's message and exit status; a failing program is a result.

The weft executable is the `weft=` argument, else $WEFT, else `weft` on PATH. The pytest
plugin (weft.pytest_plugin, registered as a pytest11 entry point) gives tests the fixture
`weft_explore`.
"""

from ._cli import WeftError, find_weft
from .api import (conflicts, explain, explore, minimize, permute, record, replay,
                  replay_check, show)
from .results import (Conflict, ConflictsResult, ExplainResult, ExploreFailure,
                      ExploreResult, MinimizeResult, PermuteResult, Race, RecordResult, ReplayCheck,
                      ReplayResult)
from .trace import Trace, TraceError

__version__ = "0.1.0"

__all__ = [
    "WeftError", "TraceError", "Trace", "find_weft",
    "record", "replay", "replay_check", "explore", "permute", "minimize", "explain",
    "conflicts", "show",
    "RecordResult", "ReplayResult", "ReplayCheck", "ExploreResult", "ExploreFailure",
    "PermuteResult", "MinimizeResult", "ExplainResult", "ConflictsResult", "Conflict", "Race",
]
