"""Typed results of the weft commands: one dataclass per --json document of docs/JSON.md,
with the documented fields under their documented names (a field that does not apply is
None, as its JSON null). `raw` keeps the whole document, fields a newer weft added too.
"""

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ._cli import WeftError


def _convert(value, hint, where):
    origin = typing.get_origin(hint)
    if hint is typing.Any:
        return value
    if origin is typing.Union:  # Optional[X]
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        return None if value is None else _convert(value, args[0], where)
    if value is None:
        raise WeftError("weft's document has null for %s, which docs/JSON.md says is never "
                        "null" % where)
    if origin in (list, List):
        (item,) = typing.get_args(hint)
        return [_convert(v, item, "%s[%d]" % (where, i)) for i, v in enumerate(value)]
    if origin in (dict, Dict):
        _, item = typing.get_args(hint)
        return {k: _convert(v, item, "%s.%s" % (where, k)) for k, v in value.items()}
    if dataclasses.is_dataclass(hint):
        return from_json(hint, value, where)
    if hint is float and isinstance(value, int):
        return float(value)
    return value


def from_json(cls, doc, where=None):
    """`cls` (a dataclass of this module) from its JSON object; a documented field that is
    missing is a WeftError (every documented field is always present, docs/JSON.md)."""
    where = where or cls.__name__
    if not isinstance(doc, dict):
        raise WeftError("weft's document has %r for %s, not an object" % (doc, where))
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if f.name == "raw":
            values["raw"] = doc
            continue
        if not f.metadata.get("json", True):
            continue
        key = f.metadata.get("key", f.name)
        if key not in doc:
            raise WeftError("weft's document lacks the field '%s' of %s (docs/JSON.md): use a "
                            "weft and a weft Python package of the same version" % (key, where))
        values[f.name] = _convert(doc[key], hints[f.name], where + "." + key)
    return cls(**values)


def _raw():
    return field(default_factory=dict, repr=False, compare=False)


def _extra(default=None):
    """A field that is not in the JSON document (filled in by this package)."""
    return field(default=default, repr=False, compare=False, metadata={"json": False})


# --- shared pieces ------------------------------------------------------------------------


@dataclass
class MemoryUse:
    """What a run did with plain memory accesses (`memory` of weft.record/1, weft.replay/1)."""
    instrumented: bool
    interleaved: bool
    events: int
    sites_used: int
    sites_found: int
    table_full: bool


@dataclass
class RaceFrame:
    """One frame of a racing access's stack."""
    function: str
    file: str
    line: int
    inlined: bool
    module: str
    offset: int
    ip: int


@dataclass
class RaceAccess:
    """One side of a data race ("Data races" in docs/JSON.md)."""
    tid: int
    kind: str
    atomic: bool
    address: int
    size: int
    pc: int
    event: Optional[int]
    after_event: Optional[int]
    prior: bool
    stack: Optional[int]
    frames: List[RaceFrame]


@dataclass
class Race:
    """A data race: two unordered accesses of different threads, one a write."""
    address: int
    size: int
    occurrences: int
    current: RaceAccess
    previous: RaceAccess


# --- weft record --------------------------------------------------------------------------


@dataclass
class RecordResult:
    """`weft record --json` (weft.record/1). `stdout` is the program's own stdout (bytes;
    not part of the document: record leaves stdout to the program)."""
    schema: str
    trace: str
    seed: int
    events: int
    bytes: int
    failed: bool
    outcome: str
    exit_code: Optional[int]
    signal: Optional[int]
    deadlock: bool
    timeout: bool
    livelock: bool
    controlled: bool
    notes: List[str]
    memory: MemoryUse
    wall_seconds: float
    event_digest: str
    races: List[Race]
    race_failure: bool
    raw: dict = _raw()
    stdout: bytes = _extra(b"")


# --- weft replay --------------------------------------------------------------------------


@dataclass
class DivergedThread:
    """A thread where a diverging replay stopped (`divergence_threads`)."""
    tid: int
    kind: str
    object: str
    location: str
    diverged: bool


@dataclass
class ReplayResult:
    """`weft replay --json` (weft.replay/1); `reproduced` False is a result, not an error."""
    schema: str
    reproduced: bool
    replays: int
    reproduced_count: int
    exit_code: Optional[int]
    signal: Optional[int]
    deadlock: bool
    timeout: bool
    livelock: bool
    outcome: str
    stopped: bool
    events: int
    recorded_events: int
    diverged: bool
    divergence: Optional[str]
    divergence_index: Optional[int]
    divergence_thread: Optional[int]
    divergence_trace: Optional[str]
    divergence_threads: List[DivergedThread]
    reason: Optional[str]
    event_digest: str
    memory: MemoryUse
    trace: Optional[str]
    races: List[Race]
    races_checked: bool
    race_failure: bool
    raw: dict = _raw()


@dataclass
class EnvDifference:
    """How the replayed program's environment differs from weft's."""
    name: str
    change: str
    value: Optional[str]


@dataclass
class ReplayCheck:
    """`weft replay --dry-run --json` (weft.replay-check/1): what a replay would run."""
    schema: str
    trace: str
    executable: str
    argv: List[str]
    command_line: str
    cwd: str
    cwd_gone: bool
    env_differences: List[EnvDifference]
    redacted: List[str]
    redacted_missing: List[str]
    redacted_differs: List[str]
    loader_variables: List[str]
    program_changed: Optional[str]
    program_checked: bool
    allowed: bool
    refusal: Optional[str]
    raw: dict = _raw()


# --- weft explore -------------------------------------------------------------------------


@dataclass
class ExploreFailure:
    """A saved failing run of a search (an element of `failures`)."""
    run: int
    seed: int
    strategy: str
    trace: str
    exit_code: Optional[int]
    signal: Optional[int]
    deadlock: bool
    timeout: bool
    livelock: bool
    outcome: str
    reproduced: bool
    signature: str
    stacks: str
    replay_command: str
    race: bool


@dataclass
class FailureGroup:
    """Failures that share a signature (`failure_groups`)."""
    signature: str
    count: int
    runs: List[int]
    trace: str


@dataclass
class LaterFailure:
    """A run past the first failure that failed too (`later_failures`; not counted)."""
    run: int
    seed: int
    trace: str
    outcome: str
    signature: str
    stacks: str


@dataclass
class ExploreRace:
    """A pair of racing sites, from the first run that raced there (`races` of explore)."""
    run: int
    seed: int
    trace: str
    address: int
    size: int
    occurrences: int
    current: RaceAccess
    previous: RaceAccess


@dataclass
class ExploreMemory:
    """Plain memory accesses over a search's runs (`memory` of weft.explore/1)."""
    instrumented: bool
    interleaved: bool
    events: int
    sites: int


@dataclass
class PctBound:
    """pct's guarantee (`pct`)."""
    depth: int
    steps: int
    threads: int
    per_run_probability: float
    missed_probability: float


@dataclass
class ExploreResult:
    """`weft explore --json` (weft.explore/1). A failure found is a result (`failures`),
    not an error; `exit_code` is weft's exit status (0 none, 1 found, 128+N interrupted;
    not part of the document)."""
    schema: str
    runs: int
    first_failure_run: Optional[int]
    failures: List[ExploreFailure]
    distinct_schedules: int
    runs_per_second: float
    wall_seconds: float
    strategy: str
    first_seed: int
    complete: bool
    coverage: str
    interrupted: bool
    memory: ExploreMemory
    preemption_bound: Optional[int]
    jobs: int
    isolated: bool
    spawn: str
    forked_runs: int
    forked_late_runs: int
    spawn_note: Optional[str]
    failures_by_kind: Dict[str, int]
    failure_groups: List[FailureGroup]
    later_failures: List[LaterFailure]
    pct: Optional[PctBound]
    races_checked: bool
    races: List[ExploreRace]
    raw: dict = _raw()
    exit_code: int = _extra(0)

    @property
    def failed(self):
        """True when the search found a failing run."""
        return bool(self.failures)


# --- weft permute, minimize ---------------------------------------------------------------


@dataclass
class PermuteResult:
    """`weft permute --json` (weft.permute/1)."""
    schema: str
    trace: str
    at: int
    thread: int
    forced: bool
    divergence: Optional[str]
    failed: bool
    outcome: str
    exit_code: Optional[int]
    signal: Optional[int]
    deadlock: bool
    timeout: bool
    livelock: bool
    events: int
    output: str
    raw: dict = _raw()


@dataclass
class MinimizeResult:
    """`weft minimize --json` (weft.minimize/1); `verified` False is a result."""
    schema: str
    preemptions_before: int
    preemptions_after: int
    switches_before: int
    switches_after: int
    events_before: int
    events_after: int
    runs: int
    outcome: str
    trace: str
    verified: bool
    raw: dict = _raw()


# --- weft conflicts -----------------------------------------------------------------------


@dataclass
class ConflictFrame:
    """A source-level frame of a conflict side's stack."""
    function: str
    file: str
    line: int
    module: str
    ip: int
    inlined: bool


@dataclass
class ConflictMemory:
    """The bytes a memory access of a conflict side touched."""
    address: int
    size: int
    atomic: bool


@dataclass
class ConflictSide:
    """One operation of a conflicting pair."""
    index: Optional[int]
    pending: bool
    blocked: Optional[int]
    tid: int
    kind: str
    obj: int
    object: str
    access: str
    flags: List[str]
    memory: Optional[ConflictMemory]
    location: str
    stack: List[ConflictFrame]


@dataclass
class Reversal:
    """What `weft permute TRACE --at AT --thread THREAD` takes to reverse a pair."""
    at: int
    thread: int


@dataclass
class Conflict:
    """Two operations of different threads on one object, one changing it, unordered."""
    obj: int
    object: str
    first: ConflictSide
    second: ConflictSide
    reversal: Reversal


@dataclass
class ConflictsResult:
    """`weft conflicts --json` (weft.conflicts/1)."""
    schema: str
    conflicts: List[Conflict]
    count: int
    shown: int
    raw: dict = _raw()


# --- weft explain -------------------------------------------------------------------------


@dataclass
class ExplainLocation:
    """The first frame in the program's own code."""
    function: str
    file: str
    line: int


@dataclass
class ExplainFrame:
    """A source-level frame of an explained operation's stack."""
    function: str
    file: str
    line: int
    inlined: bool


@dataclass
class ExplainSide:
    """One operation of the critical pair (`event` None for a pending operation)."""
    event: Optional[int]
    pending: bool
    tid: int
    kind: str
    obj: int
    object: str
    location: Optional[ExplainLocation]
    where: str
    stack: List[ExplainFrame]


@dataclass
class CriticalPair:
    """The reordering that decides the failure: `first` goes before `second` in the failing
    run; `reversal` is the decision at which the passing run runs the other thread."""
    obj: int
    object: str
    first: ExplainSide
    second: ExplainSide
    between: Optional[ExplainSide]
    reversal: Reversal


@dataclass
class ExplainResult:
    """`weft explain --json` (weft.explain/1); `found` False is a result (exit status 1)."""
    schema: str
    trace: str
    outcome: str
    explained_trace: str
    minimized_trace: Optional[str]
    found: bool
    critical: Optional[CriticalPair]
    failing_trace: Optional[str]
    passing_trace: Optional[str]
    failing_outcome: Optional[str]
    passing_outcome: Optional[str]
    runs: int
    tried: int
    candidates: int
    raw: dict = _raw()
