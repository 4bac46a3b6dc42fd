"""Reading a weft trace file in Python: weft.Trace.open(path).

The file is formats/FORMAT.md's: the magic "WEFTTRC\\n", a little-endian major version (1 or
2), then varint-delimited weft.trace.Packet messages of formats/weft_trace.proto, read with
the module protoc generated from it (weft_trace_pb2, made when the package is built) and
Debian's python3-protobuf. Like weft's own reader, it refuses a file that is not a trace,
is truncated or is corrupt with a message that says where and why (TraceError).
"""

import os
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from ._cli import WeftError

MAGIC = b"WEFTTRC\n"
PREAMBLE_BYTES = 12
FORMAT_MAJOR = 2  # the newest major version this package reads
OLDEST_FORMAT_MAJOR = 1
MAX_PACKET_BYTES = 64 << 20

# WEFT_F_* (abi/include/weft/event_table.h), named as weft show names them (in this order).
FLAG_NAMES = [(0x1, "try"), (0x2, "timed"), (0x4, "timed_out"), (0x8, "failed"),
              (0x10, "read"), (0x40, "atomic"), (0x20, "external")]


class TraceError(WeftError):
    """A file that cannot be read as a trace: "cannot read trace 'PATH': WHY"."""


def _pb():
    try:
        from . import weft_trace_pb2
    except ImportError as e:
        raise WeftError(
            "cannot read traces: the weft package was installed without its generated "
            "weft_trace_pb2 module (%s); build it with `cmake --build`, or install it with "
            "pip, which runs protoc" % e) from None
    return weft_trace_pb2


def _text(b):
    return b.decode("utf-8", "replace") if isinstance(b, bytes) else b


def flag_names(flags):
    """The names of an event's WEFT_F_* bits as weft show --json lists them; unknown bits
    as one hex string."""
    names, known = [], 0
    for bit, name in FLAG_NAMES:
        known |= bit
        if flags & bit:
            names.append(name)
    if flags & ~known:
        names.append(hex(flags & ~known))
    return names


@dataclass
class InlinedCaller:
    """A function a frame's code was inlined into, with the line of the inlined call."""
    function: str
    file: str
    line: int


@dataclass
class Frame:
    """A code location: `ip` (absolute), its module and offset, and its symbols (`function`,
    `file`, `line` of the innermost inlined function; "" / 0 when unknown)."""
    id: int
    ip: int = 0
    module_id: int = 0
    offset: int = 0
    module: str = ""
    function: str = ""
    file: str = ""
    line: int = 0
    inlined_callers: List[InlinedCaller] = field(default_factory=list)


@dataclass
class Module:
    """A loaded ELF module of a process."""
    id: int
    pid: int
    path: str
    build_id: str
    base: int
    size: int


@dataclass
class ProcessExec:
    """A new program a process ran (an exec that succeeded)."""
    executable: str
    argv: List[str]


@dataclass
class Process:
    """A process of the run (`parent` None for the root). A forked one's `executable` and
    `argv` are its parent's; `execs` are the programs it exec'd after, in order."""
    pid: int
    parent: Optional[int]
    executable: str
    argv: List[str]
    execs: List[ProcessExec] = field(default_factory=list)


@dataclass
class Thread:
    """A thread: weft tid (0 = main), its creator (None for main), what it runs."""
    tid: int
    parent: Optional[int] = None
    start_routine: int = 0
    start_function: str = ""
    name: str = ""
    handle_obj: int = 0
    pid: int = 0


@dataclass
class Object:
    """A synchronization object (or an 8-byte memory granule)."""
    id: int
    kind: str = "none"
    address: int = 0
    symbol: str = ""
    aux: int = 0


@dataclass
class Event:
    """One schedule point, in order: `kind` as weft show names it (mutex_lock, ...), `obj`
    and `stack` None when there is none, `flags` the WEFT_F_* bits."""
    index: int
    tid: int
    kind: str
    obj: Optional[int]
    flags: int
    arg: int
    vtime: int
    enabled: int
    stack: Optional[int]

    @property
    def flag_names(self):
        return flag_names(self.flags)


@dataclass
class Wake:
    """Which waiter the wake-up at `event_index` released."""
    event_index: int
    woken: int


@dataclass
class PriorAccess:
    """A memory access logged only when a second thread touched its granule."""
    event_index: int
    tid: int
    write: bool
    flags: int
    arg: int
    stack: Optional[int]
    before_event: int


@dataclass
class BlockedThread:
    """A thread that could not go on at the end (deadlock, --stop-at)."""
    tid: int
    kind: str
    obj: Optional[int]
    holder: Optional[int]
    stack: Optional[int]


@dataclass
class Crash:
    """A fatal signal's site."""
    signal: int
    os_tid: int
    tid: Optional[int]
    fault_address: int
    ip: int
    instruction: str
    frames: List[int]


@dataclass
class Outcome:
    """How the run ended. `kind`: exited, signaled, deadlock, timeout, max_steps,
    shim_error, stopped, or interrupted when the trace has no outcome (`recorded` False)."""
    recorded: bool = False
    kind: str = "interrupted"
    exit_code: Optional[int] = None
    signal: Optional[int] = None
    blocked: List[BlockedThread] = field(default_factory=list)
    crash: Optional[Crash] = None
    diverged: bool = False
    divergence_index: Optional[int] = None
    divergence: str = ""
    message: str = ""
    events: int = 0
    wall_seconds: float = 0.0

    @property
    def deadlock(self):
        return self.kind == "deadlock"

    @property
    def failed(self):
        """The run failed: a non-zero exit, a signal, a deadlock, a timeout, a step limit,
        a shim error."""
        if self.kind == "exited":
            return self.exit_code != 0
        return self.kind not in ("stopped", "interrupted")


@dataclass
class Schedule:
    """How the run was scheduled (header.schedule); `forced_tid` None when none."""
    kind: str = "unspecified"
    seed: int = 0
    pct_depth: int = 0
    pct_steps: int = 0
    tail: str = ""
    forced_tid: Optional[int] = None
    prefix: int = 0
    parameters: Dict[str, int] = field(default_factory=dict)


@dataclass
class EnvVar:
    """One variable of the program's environment; `redacted`: only its digest is stored."""
    name: str
    value: str
    redacted: bool


@dataclass
class Header:
    """What the run was and how it was made."""
    weft_version: str = ""
    shim_protocol: int = 0
    argv: List[str] = field(default_factory=list)
    executable: str = ""
    cwd: str = ""
    env: List[EnvVar] = field(default_factory=list)
    mode: str = "unknown"
    strategy: str = ""
    seed: int = 0
    realtime_base_ns: int = 0
    monotonic_base_ns: int = 0
    created_unix_ns: int = 0
    replayed_from: str = ""
    timeout_seconds: float = 0.0
    max_steps: int = 0
    schedule: Schedule = field(default_factory=Schedule)
    executable_build_id: str = ""
    executable_sha256: str = ""
    stack_depth: int = 0
    isolated: bool = False
    memory_sites: List[int] = field(default_factory=list)


@dataclass
class Output:
    """What the program wrote to a stream (or weft fed it on stdin)."""
    captured: bool = False
    data: bytes = b""
    truncated: bool = False
    total_bytes: int = 0


class Trace:
    """A weft trace, read whole: Trace.open(path).

    Attributes: `path`, `format_major`, `header`, `processes`, `modules`, `threads` (a list
    indexed by tid), `objects` and `frames` (dicts by id), `stacks` (dict: stack id → frame
    ids, innermost first), `events`, `wakes`, `prior_accesses`, `memory_sites_found`,
    `stdout`, `stderr`, `stdin`, `outcome`, `truncated_at_byte` (None when complete).
    """

    def __init__(self, path):
        self.path = os.fspath(path)
        self.format_major = 0
        self.header = Header()
        self.processes: List[Process] = []
        self.modules: List[Module] = []
        self.threads: List[Thread] = []
        self.objects: Dict[int, Object] = {}
        self.frames: Dict[int, Frame] = {}
        self.stacks: Dict[int, List[int]] = {}
        self.events: List[Event] = []
        self.wakes: List[Wake] = []
        self.prior_accesses: List[PriorAccess] = []
        self.memory_sites_found: List[int] = []
        self.stdout = Output()
        self.stderr = Output()
        self.stdin = Output()
        self.outcome = Outcome()
        self.truncated_at_byte: Optional[int] = None

    @classmethod
    def open(cls, path, accept_truncated=False):
        """Reads the trace at `path`. A truncated file (its writer died) is an error unless
        `accept_truncated`: then it is read up to its last whole packet and
        `truncated_at_byte` says where it ends. Raises TraceError."""
        trace = cls(path)
        try:
            with open(trace.path, "rb") as f:
                data = f.read()
        except OSError as e:
            why = e.strerror or str(e)
            if isinstance(e, FileNotFoundError):
                why += " (check the path; `weft record` writes the trace)"
            elif isinstance(e, IsADirectoryError):
                why = "it is a directory, not a trace file"
            raise TraceError("cannot read trace '%s': %s" % (trace.path, why)) from None
        _Reader(trace, data, accept_truncated).read()
        return trace

    def __repr__(self):
        return "<weft.Trace %r: %d events, %d threads, %s>" % (
            self.path, len(self.events), len(self.threads), self.outcome.kind)

    def stack(self, stack_id):
        """The frames of a stack (innermost first); [] for None or 0."""
        if not stack_id:
            return []
        return [self.frames.get(i, Frame(i)) for i in self.stacks.get(stack_id, [])]

    def conflicts(self, **kwargs):
        """The trace's conflicting pairs, through `weft conflicts --json` (ConflictsResult;
        keyword arguments as weft.conflicts takes them)."""
        from .api import conflicts

        return conflicts(self.path, **kwargs)


class _Reader:
    """Packets → a Trace, with weft's reader's checks and messages."""

    def __init__(self, trace, data, accept_truncated):
        self.t = trace
        self.data = data
        self.accept_truncated = accept_truncated
        self.offset = 0  # start of the packet being handled
        self.saw_header = False
        self.saw_outcome = False
        self.strings = {}
        self.pb = _pb()

    def fail(self, why):
        return TraceError("cannot read trace '%s': %s" % (self.t.path, why))

    def corrupt(self, why):
        return self.fail("corrupt packet at byte %d: %s" % (self.offset, why))

    def read(self):
        data = self.data
        if not data:
            raise self.fail("the file is empty; not a weft trace")
        if data[:len(MAGIC)] != MAGIC[:min(len(data), len(MAGIC))]:
            why = "not a weft trace (bad magic)"
            if data[:4] == b"\x7fELF":
                why += "; this is an ELF file: pass the trace, not the program"
            raise self.fail(why)
        if len(data) < PREAMBLE_BYTES:
            raise self.fail("truncated: the file ends inside its preamble (%d of %d bytes)"
                            % (len(data), PREAMBLE_BYTES))
        major = int.from_bytes(data[8:12], "little")
        if major > FORMAT_MAJOR:
            raise self.fail("format version %d is newer than this weft package (%d); read it "
                            "with a newer one" % (major, FORMAT_MAJOR))
        if major < OLDEST_FORMAT_MAJOR:
            raise self.fail("format version %d is not supported (this package reads versions "
                            "%d to %d)" % (major, OLDEST_FORMAT_MAJOR, FORMAT_MAJOR))
        self.t.format_major = self.major = major
        offset = PREAMBLE_BYTES
        packet = self.pb.Packet()
        while offset < len(data):
            length, prefix, complete = self.varint(offset)
            if prefix > 10 or (complete and length > MAX_PACKET_BYTES):
                raise self.fail("corrupt packet at byte %d: its length prefix is not a valid "
                                "size (limit %d bytes)" % (offset, MAX_PACKET_BYTES))
            if not complete or length > len(data) - offset - prefix:
                if self.accept_truncated and self.saw_header:
                    self.t.truncated_at_byte = offset
                    break
                if not self.saw_header:
                    raise self.fail("truncated: the file ends inside its header packet (at "
                                    "byte %d); nothing of the run is left (its writer was "
                                    "probably killed)" % len(data))
                raise self.fail("truncated packet at byte %d (the file has %d bytes; its "
                                "writer was probably killed while writing)"
                                % (offset, len(data)))
            self.offset = offset
            packet.Clear()
            try:
                packet.ParseFromString(data[offset + prefix:offset + prefix + length])
            except Exception:  # google.protobuf.message.DecodeError and kin
                raise self.fail("corrupt packet at byte %d (it does not parse as a "
                                "weft.trace.Packet)" % offset) from None
            self.handle(packet)
            offset += prefix + length
        if not self.saw_header:
            raise self.fail("truncated: the file ends before the header packet (%d bytes); "
                            "it is not a complete trace" % len(data))
        self.finish()

    def varint(self, offset):
        """(value, bytes it takes, complete); 11 bytes means "more than 10": corrupt."""
        value = 0
        for i in range(11):
            if offset + i >= len(self.data):
                return 0, i, False
            byte = self.data[offset + i]
            if i < 10:
                value |= (byte & 0x7F) << (7 * i)
            if not byte & 0x80:
                return value, i + 1, True
        return 0, 11, True

    def handle(self, p):
        which = p.WhichOneof("packet")
        if which is None:
            return  # a packet kind a newer writer added: skip it
        if not self.saw_header and which != "header":
            raise self.corrupt("the first packet is not the header")
        if self.saw_outcome:
            raise self.corrupt("a packet follows the outcome, which must be the last packet")
        getattr(self, "on_" + which)(getattr(p, which))

    def enum_name(self, enum, value, prefix):
        try:
            name = enum.Name(value)
        except ValueError:
            return "unknown(%d)" % value
        return name[len(prefix):].lower() if name.startswith(prefix) else name.lower()

    def event_kind(self, value):
        return self.enum_name(self.pb.EventKind, value, "EVENT_KIND_")

    def on_header(self, h):
        if self.saw_header:
            raise self.corrupt("a second header packet")
        self.saw_header = True
        hd = self.t.header
        hd.weft_version = _text(h.weft_version)
        hd.shim_protocol = h.shim_protocol
        hd.argv = [_text(a) for a in h.argv]
        hd.executable = _text(h.executable)
        hd.cwd = _text(h.cwd)
        hd.env = [EnvVar(_text(v.name), "" if v.digest else _text(v.value), bool(v.digest))
                  for v in h.env]
        hd.mode = {1: "controlled", 2: "free"}.get(h.mode, "unknown")
        hd.strategy = _text(h.strategy)
        hd.seed = h.seed
        hd.realtime_base_ns = h.realtime_base_ns
        hd.monotonic_base_ns = h.monotonic_base_ns
        hd.created_unix_ns = h.created_unix_ns
        hd.replayed_from = _text(h.replayed_from)
        hd.timeout_seconds = h.timeout_seconds
        hd.max_steps = h.max_steps
        hd.executable_build_id = _text(h.executable_build_id)
        hd.executable_sha256 = _text(h.executable_sha256)
        hd.stack_depth = h.stack_depth
        hd.isolated = h.isolated
        hd.memory_sites = list(h.memory_sites)
        if h.HasField("schedule"):
            s = h.schedule
            hd.schedule = Schedule(
                kind=self.enum_name(self.pb.Schedule.Kind, s.kind, "KIND_"),
                seed=s.seed, pct_depth=s.pct_depth, pct_steps=s.pct_steps, tail=_text(s.tail),
                forced_tid=None if s.forced_tid < 0 else s.forced_tid, prefix=s.prefix,
                parameters={_text(p.name): p.value for p in s.parameters})

    def on_process(self, p):
        if any(known.pid == p.pid for known in self.t.processes):
            raise self.corrupt("process %d is defined twice" % p.pid)
        self.t.processes.append(Process(p.pid, None if p.parent < 0 else p.parent,
                                        _text(p.executable), [_text(a) for a in p.argv]))

    def on_process_exec(self, e):
        for known in self.t.processes:
            if known.pid == e.pid:
                known.execs.append(ProcessExec(_text(e.executable), [_text(a) for a in e.argv]))
                return
        raise self.corrupt("an exec of process %d, which is not defined" % e.pid)

    def on_module(self, m):
        if self.major == 1:
            mid = len(self.t.modules) + 1
        else:
            mid = m.id
            if mid == 0:
                raise self.corrupt("module id 0 is reserved (ids start at 1)")
            if any(known.id == mid for known in self.t.modules):
                raise self.corrupt("module %d is defined twice" % mid)
        self.t.modules.append(Module(mid, m.pid, _text(m.path), _text(m.build_id), m.base,
                                     m.size))

    def on_interned_string(self, s):
        if s.id == 0:
            raise self.corrupt("string id 0 is reserved (ids start at 1)")
        if s.id in self.strings and self.strings[s.id] != s.value:
            raise self.corrupt("interned string %d is redefined with a different value" % s.id)
        self.strings[s.id] = s.value

    def string(self, sid, frame_id):
        if sid == 0:
            return ""
        if sid not in self.strings:
            raise self.corrupt("frame %d refers to string %d, which is not defined before it"
                               % (frame_id, sid))
        return _text(self.strings[sid])

    def on_frame(self, f):
        if f.id == 0:
            raise self.corrupt("frame id 0 is reserved (ids start at 1)")
        if self.major == 1:  # absolute ip and symbols in the frame; the last one wins
            self.t.frames[f.id] = Frame(f.id, ip=f.ip, offset=f.ip, line=f.line,
                                        function=self.string(f.function_sid, f.id),
                                        file=self.string(f.file_sid, f.id),
                                        module=self.string(f.module_sid, f.id))
            return
        if f.module_id and not any(m.id == f.module_id for m in self.t.modules):
            raise self.corrupt("frame %d refers to module %d, which is not defined before it"
                               % (f.id, f.module_id))
        known = self.t.frames.get(f.id)
        if known is not None:
            if (known.module_id, known.offset) != (f.module_id, f.rel_pc):
                raise self.corrupt("frame %d is redefined with another location" % f.id)
            return
        self.t.frames[f.id] = Frame(f.id, module_id=f.module_id, offset=f.rel_pc)

    def on_frame_symbols(self, s):
        frame = self.t.frames.get(s.frame_id)
        if frame is None:
            raise self.corrupt("symbols for frame %d, which is not defined before them"
                               % s.frame_id)
        frame.function = self.string(s.function_sid, s.frame_id)
        frame.file = self.string(s.file_sid, s.frame_id)
        frame.line = s.line
        frame.inlined_callers = [
            InlinedCaller(self.string(c.function_sid, s.frame_id),
                          self.string(c.file_sid, s.frame_id), c.line)
            for c in s.inlined_callers]

    def on_stack(self, s):
        if s.id == 0:
            raise self.corrupt("stack id 0 is reserved (ids start at 1)")
        frames = list(s.frame_ids)
        if s.id in self.t.stacks and self.t.stacks[s.id] != frames:
            raise self.corrupt("interned stack %d is redefined with different frames" % s.id)
        self.t.stacks[s.id] = frames

    def thread(self, tid):
        while len(self.t.threads) <= tid:
            self.t.threads.append(Thread(len(self.t.threads)))
        return self.t.threads[tid]

    def on_thread(self, p):
        t = self.thread(p.tid)
        t.parent = None if p.parent < 0 else p.parent
        t.start_routine = p.start_routine
        t.start_function = _text(p.start_function)
        t.name = _text(p.name)
        t.handle_obj = p.handle_obj
        t.pid = p.pid

    def on_object(self, o):
        if o.id == 0:
            raise self.corrupt("object id 0 is reserved (ids start at 1)")
        self.t.objects[o.id] = Object(o.id, self.enum_name(self.pb.ObjectKind, o.kind,
                                                           "OBJECT_KIND_"),
                                      o.address, _text(o.symbol), o.aux)

    def on_event_batch(self, b):
        events = self.t.events
        if b.first_index != len(events):
            raise self.corrupt("an event batch starts at event %d but %d events precede it (a "
                               "batch is missing or repeated)" % (b.first_index, len(events)))
        n = len(b.kind)
        columns = {"vtime_delta": b.vtime_delta, "tid": b.tid, "flags": b.flags,
                   "obj_delta": b.obj_delta, "stack_delta": b.stack_delta,
                   "enabled": b.enabled, "arg": b.arg}
        for name, column in columns.items():
            if len(column) not in (0, n):
                raise self.corrupt("event batch column '%s' has %d entries for %d rows"
                                   % (name, len(column), n))

        def col(column):
            return list(column) if len(column) else [0] * n

        vd, tids, flags = col(b.vtime_delta), col(b.tid), col(b.flags)
        od, sd, enabled, args = col(b.obj_delta), col(b.stack_delta), col(b.enabled), col(b.arg)
        vtime = obj = stack = 0
        kind_name = {}
        for i in range(n):
            k = b.kind[i]
            if k == 0:
                raise self.corrupt("event %d has kind 0" % len(events))
            if k not in kind_name:
                kind_name[k] = self.event_kind(k)
            vtime += vd[i]
            obj += od[i]
            stack += sd[i]
            if obj < 0 or stack < 0:
                raise self.corrupt("negative %s id" % ("object" if obj < 0 else "stack"))
            events.append(Event(len(events), tids[i], kind_name[k], obj or None, flags[i],
                                args[i], vtime, enabled[i], stack or None))

    def on_wake_batch(self, b):
        n = len(b.event_index_delta)
        if len(b.woken) not in (0, n):
            raise self.corrupt("wake batch column 'woken' has %d entries for %d rows"
                               % (len(b.woken), n))
        index = 0
        for i in range(n):
            index += b.event_index_delta[i]
            if index >= len(self.t.events):
                raise self.corrupt("a wake refers to event %d, but only %d events precede it"
                                   % (index, len(self.t.events)))
            self.t.wakes.append(Wake(index, b.woken[i] if len(b.woken) else 0))

    def on_prior_access_batch(self, b):
        for a in b.accesses:
            if a.event_index >= len(self.t.events):
                raise self.corrupt("a prior access refers to event %d, but only %d events "
                                   "precede it" % (a.event_index, len(self.t.events)))
            self.t.prior_accesses.append(PriorAccess(a.event_index, a.tid, a.write, a.flags,
                                                     a.arg, a.stack or None, a.before_event))

    def on_memory_sites_found(self, m):
        self.t.memory_sites_found.extend(m.pcs)

    def on_output(self, o):
        out = {1: self.t.stdout, 2: self.t.stderr, 3: self.t.stdin}.get(o.stream)
        if out is None:
            return  # a stream a newer writer added
        out.captured = True
        out.data += o.data
        out.truncated = out.truncated or o.truncated
        out.total_bytes = max(out.total_bytes, o.total_bytes, len(out.data))

    def on_outcome(self, o):
        if o.kind == 0:
            raise self.corrupt("the outcome has no kind")
        kind = self.enum_name(self.pb.Outcome.Kind, o.kind, "")
        out = self.t.outcome
        out.recorded = True
        out.kind = kind
        out.exit_code = o.exit_code if kind == "exited" else None
        out.signal = o.signal if kind == "signaled" else None
        out.blocked = [BlockedThread(b.tid, self.event_kind(b.kind), b.obj or None,
                                     None if b.holder < 0 else b.holder, b.stack or None)
                       for b in o.blocked]
        if o.HasField("crash"):
            c = o.crash
            out.crash = Crash(c.signal, c.os_tid, None if c.tid < 0 else c.tid, c.fault_address,
                              c.ip, _text(c.instruction), list(c.frame_ids))
        out.diverged = o.diverged
        out.divergence_index = o.divergence_index if o.diverged else None
        out.divergence = _text(o.divergence)
        out.message = _text(o.message)
        out.events = o.events
        out.wall_seconds = o.wall_seconds
        self.saw_outcome = True

    def finish(self):
        t = self.t
        if self.major == 1 and not t.processes:
            t.processes.append(Process(0, None, t.header.executable, list(t.header.argv)))
        # Threads named only by events (or blocked, woken) exist too, as in weft's model.
        most = max([e.tid for e in t.events] + [w.woken for w in t.wakes]
                   + [b.tid for b in t.outcome.blocked] + [-1])
        if most >= 0:
            self.thread(most)
        modules = {m.id: m for m in t.modules}
        for frame in t.frames.values():
            if self.major == 1:
                frame.module_id = 0
                for m in t.modules:
                    if m.path == frame.module and m.base <= frame.ip < m.base + max(m.size, 1):
                        frame.module_id, frame.offset = m.id, frame.ip - m.base
                        break
                continue
            m = modules.get(frame.module_id)
            frame.ip = m.base + frame.offset if m else frame.offset
            frame.module = m.path if m else ""
