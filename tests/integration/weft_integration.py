#!/usr/bin/env python3
"""weft_integration.py — drives the weft CLI on the programs of tests/programs and checks
what a user would check: a recorded run replays with the same outcome and the same event
stream, a search finds each planted bug and saves a trace that replays it, correct programs
never fail, deadlocks and crashes are reported with the names a user knows, virtual time
makes sleeps free, bad inputs are refused with a clear one-line error.

Standard library only. One invocation runs one or more groups (a ctest test per group):

  python3 weft_integration.py --weft build/bin/weft --programs build/tests/programs \
      --group record_replay [--group crash ...] [-v] [-k PATTERN] [--keep]
  python3 weft_integration.py --list

The weft binary and the programs directory may also come from WEFT_BIN and
WEFT_PROGRAMS_DIR. Every --json document is checked against its one documented shape
(weft_protocol.py, docs/JSON.md). A test skips only for a capability probed once at the
start (ptrace and LD_PRELOAD work; the build had rustc, `--without rustc`); anything else
unexpected fails. Exit status: 0 passed, 1 failed (or weft / the programs are missing), 77
the machine cannot run weft, or everything selected needs what the build lacks.
"""

import argparse
import errno
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import weft_protocol
from weft_protocol import SKIP_EXIT_CODE
HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MANIFEST = os.path.join(HERE, os.pardir, "programs", "manifest.json")

# How many times a trace is replayed, and how many runs a search gets (the brief's budgets).
REPLAYS = 20
CORRECT_RUNS = 100
CORRECT_RUNS_SLOW = 500
# weft's own --timeout for each program run, and the driver's limit for one weft command.
PROGRAM_TIMEOUT_S = 20
# The members of explore's default strategy, auto, in the order its runs take turns.
AUTO_MEMBERS = ("random", "pct", "pos", "surw")
COMMAND_TIMEOUT_S = 240

# Fields that identify an event in `weft show --json` (vtime is compared separately).
EVENT_FIELDS = ("tid", "kind", "object", "flags", "arg")

# Families an intercepted-call test suite must cover (DESIGN.md, "The schedule model").
REQUIRED_FAMILIES = [
    "thread_create", "thread_join", "thread_tryjoin", "thread_timedjoin", "thread_detach",
    "mutex_lock", "mutex_trylock", "mutex_timedlock", "mutex_clocklock", "mutex_recursive",
    "mutex_errorcheck", "rwlock_rdlock", "rwlock_wrlock", "rwlock_trylock",
    "rwlock_timedlock", "cond_wait", "cond_timedwait", "cond_clockwait", "cond_signal",
    "cond_broadcast", "sem_wait", "sem_trywait", "sem_timedwait", "sem_post", "barrier_wait",
    "once", "spin_lock", "spin_trylock", "futex_wait", "futex_wake", "sleep", "usleep",
    "nanosleep", "clock_nanosleep", "clock_gettime", "sched_yield", "fork", "atomic_wait", "waitpid",
]
# Families that must also appear in a racy program (a bug weft has to find through them).
REQUIRED_RACY_FAMILIES = [
    "mutex_lock", "rwlock_rdlock", "rwlock_wrlock", "cond_wait", "sem_wait", "barrier_wait",
    "spin_lock", "futex_wait", "futex_wake",
]


class Config:
    weft = None          # path of the weft binary
    programs = None      # directory of the built test programs
    manifest = None      # parsed manifest.json
    manifest_path = None
    keep = False         # keep temporary directories
    verbose = False
    without = ()         # what the build lacks (--without rustc): tests needing it skip


CONFIG = Config()


# ---------------------------------------------------------------------------------------
# Running commands


class Ran:
    """One finished command: what ran, how it ended, what it printed, how long it took."""

    def __init__(self, cmd, returncode, stdout, stderr, wall, timed_out=False, limit=None):
        self.cmd = cmd
        self.limit = limit
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.wall = wall
        self.timed_out = timed_out

    @property
    def output(self):
        return self.stdout + self.stderr

    def describe(self):
        def tail(text, limit=1500):
            text = text.rstrip()
            return text if len(text) <= limit else "..." + text[-limit:]

        status = ("did not finish in %g s (killed)" % self.limit if self.timed_out
                  else "exit %s" % self.returncode)
        return "\n  $ %s\n  -> %s after %.2f s\n  stdout: %s\n  stderr: %s" % (
            " ".join(_quote(c) for c in self.cmd), status, self.wall,
            tail(self.stdout) or "(empty)", tail(self.stderr) or "(empty)")


def _quote(arg):
    return arg if re.fullmatch(r"[\w@%+=:,./-]+", arg) else "'" + arg.replace("'", "'\\''") + "'"


def run(cmd, timeout=COMMAND_TIMEOUT_S, cwd=None, env=None, stdin=None):
    """Runs cmd in its own process group; on timeout kills that group (and only it).
    `stdin` (bytes) is its stdin; None = /dev/null."""
    start = time.monotonic()
    # NB: stdin is /dev/null unless given: weft reads its stdin whole for the program.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd,
                            env=env, start_new_session=True,
                            stdin=subprocess.DEVNULL if stdin is None else subprocess.PIPE)
    try:
        out, err = proc.communicate(input=stdin, timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, err = proc.communicate()
        timed_out = True
    wall = time.monotonic() - start
    return Ran(cmd, proc.returncode, out.decode("utf-8", "replace"),
               err.decode("utf-8", "replace"), wall, timed_out, timeout)


def document(testcase, ran, command):
    """The --json document `ran` printed (the last line of its stdout; of its stderr for
    record, whose stdout is the program's), checked against the one shape docs/JSON.md
    gives `command`'s document; fails the test otherwise."""
    try:
        doc = weft_protocol.last_line_document(ran.stderr if command == "record"
                                               else ran.stdout)
    except ValueError as e:
        testcase.fail("weft %s --json printed no JSON document (%s):%s"
                      % (command, e, ran.describe()))
    errors = weft_protocol.shape_errors(doc, command)
    testcase.assertEqual(errors, [], "weft %s --json is not a %s document:%s"
                         % (command, weft_protocol.DOCUMENTS[command][0], ran.describe()))
    return doc


# ---------------------------------------------------------------------------------------
# Reading weft's answers


def kind_name(value):
    """An event or outcome kind (a name, "mutex_lock"), lowercased; "" for null."""
    return str(value).lower() if value is not None else ""


def outcome_of(d):
    """A comparable outcome of a record, replay, permute document or an explore failure:
    ('deadlock',), ('timeout',), ('livelock',), ('signal', n), ('exit', code), ('other',)."""
    if d["deadlock"]:
        return ("deadlock",)
    if d["timeout"]:
        return ("timeout",)
    if d["livelock"]:
        return ("livelock",)
    if d["signal"] is not None:
        return ("signal", d["signal"])
    if d["exit_code"] is not None:
        return ("exit", d["exit_code"])
    return ("other",)


SHOW_KINDS = {"deadlock": ("deadlock",), "timeout": ("timeout",), "max_steps": ("livelock",)}


def show_outcome_of(outcome):
    """The same for the `outcome` object of `weft show --json`."""
    if outcome["kind"] in SHOW_KINDS:
        return SHOW_KINDS[outcome["kind"]]
    if outcome["kind"] == "signaled":
        return ("signal", outcome["signal"])
    if outcome["kind"] == "exited":
        return ("exit", outcome["exit_code"])
    return ("other",)


def expected_outcome(entry):
    """The outcome a failing run of a manifest program has."""
    failure = entry["failure"]
    if failure == "exit":
        return ("exit", entry["exit_code"])
    if failure == "signal":
        return ("signal", entry["signal"])
    return (failure,)


def _hashable(value):
    if isinstance(value, list):
        return tuple(_hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _hashable(v)) for k, v in value.items()))
    return value


# Kinds whose non-negative arg the outside decides (bytes a peer sent, the descriptor number
# the kernel gave): as in weft's own event digest, not part of the schedule.
OUTSIDE_ARG_KINDS = {"file_read", "file_write", "channel_send", "channel_recv",
                     "channel_connect", "channel_accept"}


def event_keys(show):
    keys = []
    for e in show["events"]:
        arg = e["arg"]
        if e["kind"] in ("fork", "process_wait") and arg > 0:
            arg = "child pid"  # a process id, which no replay can reproduce
        if e["kind"] in OUTSIDE_ARG_KINDS and arg >= 0:
            arg = "count"  # bytes moved, a descriptor: the event table's nondeterministic args
        # "external": a wait ended in real time (another process was slower): as in weft's
        # own event digest, a matter of timing, not of the schedule.
        flags = [f for f in e["flags"] if f != "external"]
        keys.append((e["tid"], e["kind"], e["object"], _hashable(flags), arg))
    return keys


def event_vtimes(show):
    return [e["vtime"] for e in show["events"]]


def digest(keys):
    return hashlib.sha256(repr(keys).encode()).hexdigest()[:16]


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return "event %d: %s vs %s" % (i, dict(zip(EVENT_FIELDS, x)),
                                            dict(zip(EVENT_FIELDS, y)))
    if len(a) != len(b):
        return "lengths differ: %d vs %d events" % (len(a), len(b))
    return None


def crash_function_names(show):
    """Function names of the crash stack in `weft show --json` (frame ids into `frames`)."""
    functions = {f["id"]: f["function"] for f in show["frames"]}
    return [functions.get(i, "") for i in show["outcome"]["crash"]["frames"]]


def object_symbols(show):
    """{object id: symbol} from `weft show --json`."""
    return {o["id"]: o["symbol"] for o in show["objects"]}


# ---------------------------------------------------------------------------------------
# The weft CLI


class Weft:
    """Thin wrappers around the CLI contract (record, replay, explore, show); every --json
    answer is checked against its documented shape."""

    def __init__(self, testcase):
        self.t = testcase

    def cmd(self, *args, timeout=COMMAND_TIMEOUT_S, cwd=None):
        return run([CONFIG.weft] + [str(a) for a in args], timeout=timeout,
                   cwd=cwd or self.t.tmp)

    def record(self, program, out, seed=None, args=(), extra=(), check=True):
        argv = ["record", "-o", out]
        if seed is not None:
            argv += ["--seed", seed]
        argv += ["--timeout", PROGRAM_TIMEOUT_S] + list(extra) + ["--", program] + list(args)
        ran = self.cmd(*argv)
        if check:
            self.t.assertFalse(ran.timed_out, "weft record hung:" + ran.describe())
            self.t.assertEqual(ran.returncode, 0,
                               "weft record must exit 0 whatever the program did:"
                               + ran.describe())
            self.t.assertTrue(os.path.isfile(out), "weft record wrote no trace at %s:%s"
                              % (out, ran.describe()))
        return ran

    def record_json(self, program, out, seed, args=()):
        """`weft record --json` -> (Ran, weft.record/1 document)."""
        ran = self.record(program, out, seed=seed, args=args, extra=["--json"])
        return ran, document(self.t, ran, "record")

    def replay(self, trace, out=None, extra=()):
        """`weft replay TRACE --json [-o OUT]` -> (Ran, weft.replay/1 document)."""
        argv = ["replay", trace, "--json"] + list(extra)
        if out is not None:
            argv += ["-o", out]
        ran = self.cmd(*argv)
        self.t.assertFalse(ran.timed_out, "weft replay hung:" + ran.describe())
        return ran, document(self.t, ran, "replay")

    def show_json(self, trace):
        """`weft show --json TRACE` -> weft.show/1 document."""
        ran = self.cmd("show", trace, "--json")
        self.t.assertEqual(ran.returncode, 0, "weft show --json failed:" + ran.describe())
        return document(self.t, ran, "show")

    def show_text(self, trace):
        ran = self.cmd("show", trace)
        self.t.assertEqual(ran.returncode, 0, "weft show failed:" + ran.describe())
        return ran.stdout

    def explore(self, program, runs, seed, outdir, keep_going=False, args=(), extra=()):
        """`weft explore --json ...` -> (Ran, parsed JSON)."""
        argv = ["explore", "--runs", runs, "--seed", seed, "-o", outdir, "--json",
                "--timeout", PROGRAM_TIMEOUT_S]
        if keep_going:
            argv.append("--keep-going")
        argv += list(extra) + ["--", program] + list(args)
        ran = self.cmd(*argv, timeout=max(COMMAND_TIMEOUT_S, runs * 2))
        self.t.assertFalse(ran.timed_out, "weft explore hung:" + ran.describe())
        return ran, document(self.t, ran, "explore")

    def failure_trace(self, failure, outdir):
        trace = failure["trace"]
        self.t.assertTrue(trace, "explore failure has an empty 'trace': %s" % failure)
        for candidate in (trace, os.path.join(self.t.tmp, trace), os.path.join(outdir, trace)):
            if os.path.isfile(candidate):
                return candidate
        self.t.fail("explore reported trace %r, which does not exist (looked in %s and %s)"
                    % (trace, self.t.tmp, outdir))


# ---------------------------------------------------------------------------------------
# Test groups


def manifest_entries(pred=lambda e: True):
    return [e for e in CONFIG.manifest["programs"] if pred(e)]


def is_plain(e):
    return not e.get("role") and not e.get("requires")


class WeftTestCase(unittest.TestCase):
    needs_weft = True

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="weft-it-%s-" % cls.__name__)
        cls._failed = False

    @classmethod
    def tearDownClass(cls):
        if CONFIG.keep or cls._failed:
            sys.stderr.write("kept %s\n" % cls.tmp)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def setUp(self):
        self.weft = Weft(self)

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            type(self)._failed = True
        return out

    def program(self, name):
        path = os.path.join(CONFIG.programs, name)
        entry = self.entry(name)
        lacking = [r for r in (entry or {}).get("requires", []) if r in CONFIG.without]
        if lacking:
            self.skipTest("%s needs %s, which this build was configured without"
                          % (name, ", ".join(lacking)))
        if not os.access(path, os.X_OK):
            self.fail("test program %s is missing: build the test programs first" % path)
        return path

    def entry(self, name):
        for e in CONFIG.manifest["programs"]:
            if e["name"] == name:
                return e
        return None

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    # Shared checks -----------------------------------------------------------------------

    def check_replays(self, trace, recorded_show, times=REPLAYS, label=""):
        """Replays `trace` `times` times: each must be reproduced, with the recorded outcome
        and event count, and all with one event_digest. The first and the last replay also
        write their own trace (`replay -o`, when weft has it), whose event stream, virtual
        times and outcome must equal the recording's. (Writing a trace symbolizes stacks,
        which costs ~0.3 s, so not every replay does it.)"""
        want_outcome = show_outcome_of(recorded_show["outcome"])
        want_keys = event_keys(recorded_show)
        want_vtimes = event_vtimes(recorded_show)
        self.assertTrue(want_keys, "%s: the recorded trace holds no events" % label)
        digests = set()
        for i in range(times):
            full = i in (0, times - 1)
            out = self.path("%s-replay-%d.weft" % (label or "t", i)) if full else None
            ran, result = self.weft.replay(trace, out=out)
            where = "%s replay %d/%d:%s" % (label, i + 1, times, ran.describe())
            self.assertIs(result["reproduced"], True, "not reproduced: " + where)
            self.assertEqual(outcome_of(result), want_outcome, "outcome differs: " + where)
            self.assertEqual(result["events"], len(want_keys),
                             "replay reports a different event count: " + where)
            digests.add(result["event_digest"])
            if out is not None:
                self.assertTrue(os.path.isfile(out), "replay -o wrote no trace: " + where)
                replayed = self.weft.show_json(out)
                keys = event_keys(replayed)
                self.assertIsNone(first_difference(want_keys, keys),
                                  "replayed event stream differs (%s): %s"
                                  % (first_difference(want_keys, keys), where))
                self.assertEqual(event_vtimes(replayed), want_vtimes,
                                 "replayed virtual times differ: " + where)
                self.assertEqual(show_outcome_of(replayed["outcome"]), want_outcome,
                                 "replayed trace's outcome differs: " + where)
        self.assertLessEqual(len(digests), 1, "%s: replays have different event_digest "
                             "values: %s" % (label, sorted(digests)))


class ManifestGroup(WeftTestCase):
    """The manifest says the truth about tests/programs (no weft needed)."""
    needs_weft = False

    def test_every_source_is_listed_and_exists(self):
        src_dir = os.path.dirname(CONFIG.manifest_path)
        listed = {e["source"] for e in CONFIG.manifest["programs"]}
        on_disk = {f for f in os.listdir(src_dir) if re.search(r"\.(c|cpp|rs)$", f)}
        self.assertEqual(sorted(on_disk - listed), [], "sources not in manifest.json")
        self.assertEqual(sorted(listed - on_disk), [], "manifest.json lists missing sources")

    def test_entries_are_complete(self):
        names = set()
        for e in CONFIG.manifest["programs"]:
            with self.subTest(program=e.get("name")):
                for key in ("name", "source", "language", "args", "racy", "failure",
                            "families", "native"):
                    self.assertIn(key, e)
                self.assertNotIn(e["name"], names, "duplicate name")
                names.add(e["name"])
                self.assertIn(e["language"], ("c", "c++", "rust"))
                if e["racy"]:
                    self.assertIn(e["failure"], ("exit", "signal", "deadlock"))
                    self.assertIsInstance(e.get("budget"), int)
                if e["failure"] == "exit":
                    self.assertIsInstance(e.get("exit_code"), int)
                if e["failure"] == "signal":
                    self.assertIsInstance(e.get("signal"), int)
                    self.assertTrue(e.get("crash_function"))

    def test_every_family_is_covered(self):
        correct = set()
        racy = set()
        for e in CONFIG.manifest["programs"]:
            (racy if e["racy"] else correct).update(e["families"])
        self.assertEqual([f for f in REQUIRED_FAMILIES if f not in correct | racy], [],
                         "families no program covers")
        self.assertEqual([f for f in REQUIRED_RACY_FAMILIES if f not in racy], [],
                         "families no racy program covers")
        self.assertEqual([f for f in REQUIRED_RACY_FAMILIES if f not in correct], [],
                         "families no correct program covers")

    def test_programs_are_built(self):
        for e in CONFIG.manifest["programs"]:
            if e.get("requires"):
                continue
            with self.subTest(program=e["name"]):
                self.assertTrue(os.access(os.path.join(CONFIG.programs, e["name"]), os.X_OK),
                                "not built: %s" % os.path.join(CONFIG.programs, e["name"]))


class NativeGroup(WeftTestCase):
    """The programs themselves, without weft: correct ones always pass, racy ones end
    either well or with their planted failure, never otherwise."""
    needs_weft = False
    RUNS = 10

    def native_run(self, name, timeout=10):
        return run([self.program(name)] + self.entry(name)["args"], timeout=timeout)

    def check_native(self, e):
        outcomes = {}
        for _ in range(self.RUNS):
            ran = self.native_run(e["name"])
            ok = (not ran.timed_out and ran.returncode == 0
                  and re.search(e["ok_output"], ran.stdout.strip(), re.M) is not None)
            if ok:
                outcomes["ok"] = outcomes.get("ok", 0) + 1
                continue
            self.assertTrue(e["racy"], "correct program failed natively:" + ran.describe())
            if e["failure"] == "deadlock":
                self.assertTrue(ran.timed_out, "expected a pass or a hang:" + ran.describe())
            elif e["failure"] == "exit":
                self.assertEqual(ran.returncode, e["exit_code"], ran.describe())
                self.assertIn(e["output"], ran.stdout, ran.describe())
            elif e["failure"] == "signal":
                self.assertEqual(ran.returncode, -e["signal"], ran.describe())
            outcomes["failed"] = outcomes.get("failed", 0) + 1
        if CONFIG.verbose:
            sys.stderr.write("  native %-20s %s\n" % (e["name"], outcomes))

    def test_programs_natively(self):
        for e in manifest_entries(lambda e: not e.get("role")):
            with self.subTest(program=e["name"]):
                self.check_native(e)

    def test_spin_forever_spins(self):
        ran = run([self.program("spin_forever")], timeout=0.5)
        self.assertTrue(ran.timed_out, "spin_forever ended:" + ran.describe())

    def test_static_hello_is_static(self):
        path = self.program("static_hello")
        with open(path, "rb") as f:
            elf = f.read()
        self.assertEqual(elf[:4], b"\x7fELF")
        self.assertNotIn(b"/lib64/ld-linux-x86-64.so.2", elf[:4096], "has an interpreter")
        ran = run([path])
        self.assertEqual(ran.returncode, 0, ran.describe())


class BadInputsGroup(WeftTestCase):
    """Programs weft cannot run and files that are not traces are refused: non-zero exit,
    one line on stderr naming the path, no crash dump."""

    def check_refused(self, ran, path, what):
        where = "%s:%s" % (what, ran.describe())
        self.assertFalse(ran.timed_out, "weft hung on " + where)
        self.assertNotEqual(ran.returncode, 0, "weft accepted " + where)
        self.assertGreater(ran.returncode, 0, "weft died of a signal on " + where)
        self.assertLess(ran.returncode, 128, "weft died of a signal on " + where)
        for bad in ("terminate called", "Aborted", "Segmentation fault", "core dumped",
                    "Traceback", "#0 ", "#1 ", "AddressSanitizer"):
            self.assertNotIn(bad, ran.output, "crash output on " + where)
        lines = [l for l in ran.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, "stderr must be one line on " + where)
        self.assertIn(path, lines[0], "the error must name the path on " + where)

    def record_refused(self, path, what):
        out = self.path("refused.weft")
        ran = self.weft.cmd("record", "-o", out, "--", path, timeout=60)
        self.check_refused(ran, path, what)

    def test_missing_program(self):
        self.record_refused(self.path("no-such-program"), "a missing program")

    def test_directory(self):
        d = self.path("a-directory")
        os.makedirs(d, exist_ok=True)
        self.record_refused(d, "a directory")

    def test_not_executable(self):
        p = self.path("not-executable")
        shutil.copy(self.program("withdraw_ok"), p)
        os.chmod(p, 0o644)
        self.record_refused(p, "a file without execute permission")

    def test_static_binary(self):
        self.record_refused(self.program("static_hello"), "a statically linked program")

    def test_not_elf(self):
        p = self.path("script-without-shebang")
        with open(p, "w") as f:
            f.write("this is not a program\n")
        os.chmod(p, 0o755)
        self.record_refused(p, "an executable text file that is not ELF")

    def trace_refused(self, path, what, commands=("replay", "show")):
        for command in commands:
            ran = self.weft.cmd(command, path, timeout=60)
            self.check_refused(ran, path, "weft %s on %s" % (command, what))

    def good_trace(self):
        trace = self.path("good.weft")
        if not os.path.isfile(trace):
            self.weft.record(self.program("withdraw_ok"), trace, seed=1)
        with open(trace, "rb") as f:
            return f.read()

    def test_truncated_trace(self):
        data = self.good_trace()
        self.assertGreater(len(data), 64, "the good trace is implausibly small")
        half = self.path("half.weft")
        with open(half, "wb") as f:
            f.write(data[:len(data) // 2])
        # A cut inside a packet: show and replay read the trace up to its last complete
        # packet, with a notice (runs_test.py's truncated group checks what they read);
        # only a cut before the end of the header is refused.
        for command in ("show", "replay"):
            ran = self.weft.cmd(command, half, timeout=60)
            if ran.returncode not in (0, 1):
                self.check_refused(ran, half, "weft %s on a trace cut in half" % command)
            else:
                self.assertIn("note:", ran.stderr, ran.describe())
        head = self.path("head.weft")
        with open(head, "wb") as f:
            f.write(data[:5])
        self.trace_refused(head, "a trace cut inside its magic")

    def test_foreign_file(self):
        self.trace_refused("/bin/true", "an ELF file given as a trace")

    def test_text_file(self):
        p = self.path("notes.weft")
        with open(p, "w") as f:
            f.write("WEFT is a nice name\n" * 20)
        self.trace_refused(p, "a text file")

    def test_empty_file(self):
        p = self.path("empty.weft")
        open(p, "w").close()
        self.trace_refused(p, "an empty file")

    def test_missing_trace(self):
        self.trace_refused(self.path("missing.weft"), "a missing trace")

    def test_good_trace_is_accepted(self):
        # The control: the same commands accept the untouched trace.
        self.good_trace()
        trace = self.path("good.weft")
        for command in (["replay", trace], ["show", trace]):
            ran = self.weft.cmd(*command, timeout=60)
            self.assertEqual(ran.returncode, 0, ran.describe())


class RecordReplayGroup(WeftTestCase):
    """rr's record -> replay -> diff: every program's recording replays 20 times with the
    same outcome and the same events."""
    SEED = 7

    def record_and_replay(self, e, times=REPLAYS):
        trace = self.path("%s.weft" % e["name"])
        self.weft.record(self.program(e["name"]), trace, seed=self.SEED, args=e["args"])
        show = self.weft.show_json(trace)
        got = show_outcome_of(show["outcome"])
        allowed = [("exit", 0)] + ([expected_outcome(e)] if e["racy"] else [])
        self.assertIn(got, allowed, "%s recorded an outcome it can never have" % e["name"])
        self.check_replays(trace, show, times=times, label=e["name"])

    def test_record_replay(self):
        for e in manifest_entries(is_plain):
            with self.subTest(program=e["name"]):
                self.record_and_replay(e)

    def test_program_output_is_in_the_trace(self):
        # The user's view and the trace's agree: stdout through a pipe (as here) and into a
        # file are kept in the trace byte for byte; the program's own output is unchanged.
        prog = self.program("withdraw_racy")
        trace = self.path("output-pipe.weft")
        ran = self.weft.record(prog, trace, seed=self.SEED)
        self.assertRegex(ran.stdout, r"^balance = -?\d+\n$", "the program's output changed")
        out = self.weft.show_json(trace)["stdout"]
        self.assertEqual((out["captured"], out["data"], out["truncated"], out["total_bytes"]),
                         (True, ran.stdout, False, len(ran.stdout.encode())))
        trace = self.path("output-file.weft")
        with open(self.path("stdout.txt"), "wb") as f:
            f.write(b"before weft\n")
            f.flush()
            done = subprocess.run([CONFIG.weft, "record", "-o", trace, "--seed", str(self.SEED),
                                   "--", prog], stdout=f, stderr=subprocess.DEVNULL,
                                  stdin=subprocess.DEVNULL,
                                  timeout=COMMAND_TIMEOUT_S, cwd=self.tmp)
        self.assertEqual(done.returncode, 0)
        with open(self.path("stdout.txt")) as f:
            written = f.read()
        out = self.weft.show_json(trace)["stdout"]
        self.assertTrue(out["captured"])
        self.assertEqual("before weft\n" + out["data"], written,
                         "the trace must hold exactly what the program added to the file")

    def test_same_seed_same_run(self):
        for name in ("withdraw_racy", "cond_timed_ok", "sem_ok", "futex_ok",
                     "cpp_atomic_wait_ok"):
            with self.subTest(program=name):
                shows = []
                for i in range(2):
                    trace = self.path("%s-seed-%d.weft" % (name, i))
                    self.weft.record(self.program(name), trace, seed=12345)
                    shows.append(self.weft.show_json(trace))
                a, b = (event_keys(s) for s in shows)
                self.assertIsNone(first_difference(a, b),
                                  "two recordings with seed 12345 differ: %s"
                                  % first_difference(a, b))
                self.assertEqual(show_outcome_of(shows[0]["outcome"]),
                                 show_outcome_of(shows[1]["outcome"]))

    def test_seeds_change_the_schedule(self):
        # The control for the test above: different seeds give different schedules.
        streams = set()
        for seed in range(1, 9):
            trace = self.path("yield-%d.weft" % seed)
            self.weft.record(self.program("yield_ok"), trace, seed=seed)
            streams.add(digest(event_keys(self.weft.show_json(trace))))
        self.assertGreater(len(streams), 1, "8 seeds gave one schedule for yield_ok")

    def test_divergence_is_reported(self):
        # diverge_file locks once when recorded and twice when replayed (a counter file):
        # the replay must say so, at the event where the recording has the worker's exit.
        counter = self.path("counter")
        trace = self.path("diverge.weft")
        self.weft.record(self.program("diverge_file"), trace, seed=1, args=[counter])
        show = self.weft.show_json(trace)
        exits = [i for i, e in enumerate(show["events"])
                 if e["tid"] == 1 and e["kind"] == "thread_exit"]
        self.assertEqual(len(exits), 1, "the worker (T1) should exit once")
        ran, result = self.weft.replay(trace)
        where = ran.describe()
        self.assertIs(result["reproduced"], False, "a diverging replay passed:" + where)
        self.assertNotEqual(ran.returncode, 0, "weft replay exits 0 on a divergence:" + where)
        self.assertIs(result["diverged"], True, where)
        self.assertEqual(result["divergence_index"], exits[0], where)
        self.assertIn("thread_exit", result["divergence"],
                      "the divergence should say what was expected")
        self.assertIn("mutex_lock", result["divergence"],
                      "the divergence should say what happened instead")

    def test_replay_runs_in_the_recorded_directory(self):
        # diverge_file counts its runs in a file named relative to its working directory.
        # Recorded in one directory and replayed from another, the program must run where it
        # was recorded (it finds its counter there and diverges), while weft itself stays in
        # the caller's directory (a relative -o lands there).
        recorded_in = self.path("recorded-here")
        replayed_from = self.path("replayed-from-here")
        os.makedirs(recorded_in)
        os.makedirs(replayed_from)
        trace = os.path.join(recorded_in, "cwd.weft")
        ran = self.weft.cmd("record", "-o", trace, "--seed", 1, "--",
                            self.program("diverge_file"), "counter", cwd=recorded_in)
        self.assertEqual(ran.returncode, 0, ran.describe())
        ran = self.weft.cmd("replay", trace, "--json", "-o", "replayed.weft", cwd=replayed_from)
        result = document(self, ran, "replay")
        self.assertIs(result["diverged"], True, "the replay did not run in the recorded "
                      "directory (it found no counter there):" + ran.describe())
        with open(os.path.join(recorded_in, "counter")) as f:
            self.assertEqual(f.read().split(), ["2"], "the replay did not count in %s"
                             % recorded_in)
        self.assertFalse(os.path.exists(os.path.join(replayed_from, "counter")),
                         "the program ran in weft's directory, not its own")
        self.assertEqual(result["trace"], "replayed.weft")
        self.assertTrue(os.path.isfile(os.path.join(replayed_from, "replayed.weft")),
                        "weft's own -o is relative to where weft was started:" + ran.describe())

    def test_replay_json_fields(self):
        # record --json and replay --json describe the same run the same way (their shapes
        # are checked by record_json and replay).
        trace = self.path("fields.weft")
        ran, recorded = self.weft.record_json(self.program("withdraw_ok"), trace, seed=3)
        self.assertEqual(recorded["trace"], trace, ran.describe())
        self.assertEqual(recorded["seed"], 3)
        self.assertIs(recorded["controlled"], True)
        self.assertEqual(recorded["bytes"], os.path.getsize(trace))
        self.assertEqual(outcome_of(recorded), ("exit", 0))
        self.assertIs(recorded["failed"], False)
        show = self.weft.show_json(trace)
        self.assertEqual(recorded["events"], len(show["events"]))
        ran, result = self.weft.replay(trace)
        self.assertEqual(outcome_of(result), ("exit", 0), ran.describe())
        self.assertEqual(result["replays"], 1)
        self.assertEqual(result["reproduced_count"], 1)
        self.assertIs(result["diverged"], False)
        self.assertIsNone(result["divergence"])
        self.assertIsNone(result["trace"], "no -o, no trace")
        self.assertEqual(result["recorded_events"], recorded["events"])
        self.assertEqual(result["event_digest"], recorded["event_digest"],
                         "a reproduced replay has the recording's event digest")

    def test_show_lists_events(self):
        trace = self.path("show.weft")
        self.weft.record(self.program("withdraw_ok"), trace, seed=3)
        show = self.weft.show_json(trace)
        kinds = [e["kind"] for e in show["events"]]
        for k in ("mutex_lock", "mutex_unlock", "thread_create", "thread_join"):
            self.assertIn(k, kinds, "show --json events lack %s (kinds: %s)"
                          % (k, sorted(set(kinds))))
        tids = {e["tid"] for e in show["events"]}
        self.assertTrue({0, 1, 2} <= tids, "expected events of threads 0, 1, 2: %s" % tids)
        # Two threads lock and unlock the same mutex once each.
        locks = [e for e in show["events"] if e["kind"] == "mutex_lock"]
        self.assertEqual(len({e["object"] for e in locks}), 1, "one mutex object expected")
        self.assertEqual(sorted(e["tid"] for e in locks), [1, 2])
        text = self.weft.show_text(trace)
        self.assertIn("mutex_lock", text.replace(" ", "_").lower())
        self.assertIn("account_lock", text, "the timeline should name the global mutex")


class ExploreFindsBugsGroup(WeftTestCase):
    """`weft explore` finds each planted bug within its budget; the saved trace replays the
    failure 20 times out of 20; the failing seed records the same failure again."""
    SEED = 1

    def find_bug(self, e):
        outdir = self.path("explore-%s" % e["name"])
        ran, result = self.weft.explore(self.program(e["name"]), e["budget"], self.SEED,
                                        outdir, args=e["args"],
                                        extra=e.get("explore_args", []))
        where = "%s (budget %d runs):%s" % (e["name"], e["budget"], ran.describe())
        first = result["first_failure_run"]
        self.assertIsNotNone(first, "no failure found in " + where)
        self.assertTrue(1 <= first <= e["budget"], "first_failure_run out of range: " + where)
        self.assertEqual(result["runs"], first, "explore must stop at the first failure: "
                         + where)
        self.assertEqual(len(result["failures"]), 1, where)
        failure = result["failures"][0]
        if "--strategy" in e.get("explore_args", []):
            self.assertEqual(failure["seed"], self.SEED + first - 1,
                             "run N must use seed S+N-1: " + where)
        else:
            # auto: run N is member (N-1) % 4 of random, pct, pos, surw, seed S+(N-1)/4.
            self.assertEqual((failure["strategy"], failure["seed"]),
                             (AUTO_MEMBERS[(first - 1) % 4], self.SEED + (first - 1) // 4),
                             "auto's run N must be its member's seed S+(N-1)/4: " + where)
        self.assertEqual(outcome_of(failure), expected_outcome(e), "wrong failure: " + where)
        trace = self.weft.failure_trace(failure, outdir)
        if CONFIG.verbose:
            sys.stderr.write("  %-20s found at run %d of %d (seed %s)\n"
                             % (e["name"], first, e["budget"], failure["seed"]))
        return failure, trace

    def check_bug(self, e):
        failure, trace = self.find_bug(e)
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), expected_outcome(e),
                         "the saved trace's outcome is not the failure")
        self.check_replays(trace, show, label=e["name"])
        # Its strategy and seed alone reproduce it (explore's default, auto, names the member
        # of its portfolio that ran it; `weft record` learns what pct and surw learn from the
        # same calibration run as explore).
        if "--strategy" not in e.get("explore_args", []):
            again = self.path("%s-again.weft" % e["name"])
            self.weft.record(self.program(e["name"]), again, seed=failure["seed"],
                             args=e["args"], extra=["--strategy", failure["strategy"]])
            again_show = self.weft.show_json(again)
            self.assertEqual(show_outcome_of(again_show["outcome"]), expected_outcome(e),
                             "recording seed %s again did not fail the same way"
                             % failure["seed"])
            self.assertIsNone(first_difference(event_keys(show), event_keys(again_show)),
                              "the same seed gave another schedule")
        # What the user sees when replaying: the program's own words.
        if e.get("output"):
            ran = self.weft.cmd("replay", trace)
            self.assertIn(e["output"], ran.output, "replay does not show the program's "
                          "output:" + ran.describe())

    def test_finds_planted_bugs(self):
        for e in manifest_entries(lambda e: e["racy"] and is_plain(e)):
            with self.subTest(program=e["name"]):
                self.check_bug(e)

    def test_text_output_gives_replay_command(self):
        e = self.entry("withdraw_racy")
        outdir = self.path("explore-text")
        ran = self.weft.cmd("explore", "--runs", e["budget"], "--seed", self.SEED, "-o", outdir,
                            "--timeout", PROGRAM_TIMEOUT_S, "--", self.program("withdraw_racy"))
        m = re.search(r"weft replay\s+(\S+)", ran.output)
        self.assertIsNotNone(m, "explore prints no `weft replay TRACE` command:"
                             + ran.describe())
        trace = m.group(1).strip("'\"")
        self.assertTrue(os.path.isfile(trace) or os.path.isfile(os.path.join(self.tmp, trace)),
                        "the printed replay command names a missing trace: " + trace)

    def test_keep_going(self):
        e = self.entry("withdraw_racy")
        outdir = self.path("explore-keep-going")
        ran, result = self.weft.explore(self.program(e["name"]), 100, 500, outdir,
                                        keep_going=True, extra=["--strategy", "random"])
        self.assertEqual(result["runs"], 100, "--keep-going must do every run:"
                         + ran.describe())
        failures = result["failures"]
        self.assertGreaterEqual(len(failures), 1, "no failure in 100 runs:" + ran.describe())
        seeds = [f["seed"] for f in failures]
        self.assertEqual(len(set(seeds)), len(seeds), "a seed is reported twice")
        self.assertTrue(all(500 <= s < 600 for s in seeds), "seeds outside 500..599: %s" % seeds)
        traces = [self.weft.failure_trace(f, outdir) for f in failures]
        self.assertEqual(len(set(traces)), len(traces), "failures share a trace file")
        for f in failures:
            self.assertEqual(outcome_of(f), expected_outcome(e))


class ExploreCorrectGroup(WeftTestCase):
    """Correct programs never fail under search."""
    RUNS = CORRECT_RUNS
    SEED = 1000

    def check_correct(self, e):
        outdir = self.path("explore-%s" % e["name"])
        ran, result = self.weft.explore(self.program(e["name"]), self.RUNS, self.SEED, outdir,
                                        args=e["args"])
        failures = result["failures"]
        detail = ""
        if failures:
            f = failures[0]
            detail = " first failure: seed %s, outcome %s, trace %s (weft replay %s)" % (
                f["seed"], outcome_of(f), f["trace"], f["trace"])
        self.assertEqual(failures, [], "%s failed under search:%s%s"
                         % (e["name"], detail, ran.describe()))
        self.assertIsNone(result["first_failure_run"])
        self.assertEqual(result["runs"], self.RUNS, "explore did fewer runs than asked:"
                         + ran.describe())

    def test_correct_programs_never_fail(self):
        for e in manifest_entries(lambda e: not e["racy"] and is_plain(e)):
            with self.subTest(program=e["name"]):
                self.check_correct(e)

    def test_spinning_threads_are_no_livelock_under_any_strategy(self):
        # sem_ok's four threads retry sem_trywait with sched_yield: the strategies' tails
        # once handed the turn between two spinning consumers forever (a "livelock" weft
        # made itself), under conflicts within 100 runs.
        for strategy in ("conflicts", "bounded", "pct"):
            with self.subTest(strategy=strategy):
                outdir = self.path("spin-%s" % strategy)
                ran, result = self.weft.explore(self.program("sem_ok"), 150, self.SEED, outdir,
                                                extra=["--strategy", strategy])
                self.assertEqual(result["failures"], [],
                                 "sem_ok failed under %s:%s" % (strategy, ran.describe()))


class ExploreCorrectSlowGroup(ExploreCorrectGroup):
    """The same with 500 runs each (label slow)."""
    RUNS = CORRECT_RUNS_SLOW
    SEED = 20000


class ExploreSeedsSlowGroup(ExploreFindsBugsGroup):
    """The planted bugs are found from several starting seeds, not just a lucky one."""

    def test_finds_planted_bugs(self):
        for seed in (100, 2000, 30000, 400000):
            for e in manifest_entries(lambda e: e["racy"] and is_plain(e)):
                with self.subTest(program=e["name"], seed=seed):
                    self.SEED = seed
                    self.find_bug(e)

    test_text_output_gives_replay_command = None
    test_keep_going = None


class DeadlockGroup(WeftTestCase):
    """A lock-order inversion is reported as a deadlock naming both threads and both
    mutexes, in the JSON and in the text timeline."""

    def deadlock_trace(self):
        """(manifest entry, explore failure, trace) of a deadlocking run."""
        e = self.entry("lock_order_racy")
        outdir = self.path("explore-deadlock")
        ran, result = self.weft.explore(self.program(e["name"]), e["budget"], 1, outdir)
        self.assertIsNotNone(result["first_failure_run"], "no deadlock found in %d runs:%s"
                             % (e["budget"], ran.describe()))
        failure = result["failures"][0]
        self.assertIs(failure["deadlock"], True, "failure is not a deadlock: %s" % failure)
        return e, failure, self.weft.failure_trace(failure, outdir)

    def test_deadlock_report(self):
        e, _, trace = self.deadlock_trace()
        show = self.weft.show_json(trace)
        outcome = show["outcome"]
        self.assertEqual(outcome_of(outcome), ("deadlock",), "outcome: %s" % outcome)
        blocked = outcome["blocked"] or []
        # The two threads waiting for each other's mutex (main waits in join, elsewhere).
        cycle = [b for b in blocked if b["holder"] not in (None, -1)
                 and "join" not in b["kind"]]
        self.assertEqual(len(cycle), 2, "expected two threads blocked on mutexes: %s" % blocked)
        a, b = cycle
        self.assertNotEqual(a["tid"], b["tid"])
        self.assertNotEqual(a["object"], b["object"], "both wait on one mutex: %s" % cycle)
        self.assertEqual(a["holder"], b["tid"], "not a wait-for cycle: %s" % cycle)
        self.assertEqual(b["holder"], a["tid"], "not a wait-for cycle: %s" % cycle)
        self.assertTrue({a["tid"], b["tid"]} == {1, 2},
                        "the cycle should be threads 1 and 2: %s" % cycle)
        symbols = object_symbols(show)
        self.assertEqual({symbols.get(a["object"]), symbols.get(b["object"])},
                         set(e["deadlock_objects"]),
                         "blocked objects are not the two mutexes: %s" % symbols)
        text = self.weft.show_text(trace)
        self.assertIn("deadlock", text.lower())
        for name in e["deadlock_objects"] + e["deadlock_threads"]:
            self.assertIn(name, text, "weft show does not mention %r" % name)

    def test_record_says_deadlock(self):
        e, failure, trace = self.deadlock_trace()
        ran = self.weft.record(self.program(e["name"]), self.path("again.weft"),
                               seed=failure["seed"], extra=["--strategy", failure["strategy"]])
        self.assertIn("deadlock", ran.output.lower(), "weft record does not say deadlock:"
                      + ran.describe())
        ran, result = self.weft.replay(trace)
        self.assertIs(result["deadlock"], True, ran.describe())


class CrashGroup(WeftTestCase):
    """A crash is captured with its stack: the function that faulted is named."""

    def check_crash(self, name):
        e = self.entry(name)
        outdir = self.path("explore-%s" % name)
        ran, result = self.weft.explore(self.program(name), e["budget"], 1, outdir)
        self.assertIsNotNone(result["first_failure_run"], "no crash in %d runs:%s"
                             % (e["budget"], ran.describe()))
        failure = result["failures"][0]
        self.assertEqual(failure["signal"], e["signal"], "failure: %s" % failure)
        trace = self.weft.failure_trace(failure, outdir)
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("signal", e["signal"]))
        crash = show["outcome"].get("crash")
        self.assertTrue(crash, "outcome has no crash: %s" % show["outcome"])
        names = crash_function_names(show)
        self.assertTrue(any(e["crash_function"] in n for n in names),
                        "crash frames do not include %s: %s / %s"
                        % (e["crash_function"], names, crash))
        self.assertIsNotNone(crash["tid"], "the crashing thread is unknown: %s" % crash)
        self.assertNotEqual(crash["tid"], 0, "the crash happened in a worker thread")
        text = self.weft.show_text(trace)
        self.assertIn(e["crash_function"], text, "weft show does not name the crash function")
        return show

    def test_segv_stack(self):
        show = self.check_crash("crash_racy")
        crash = show["outcome"]["crash"]
        self.assertEqual(crash["tid"], 1, "deposit_into runs in thread 1 (the depositor)")

    def test_abort_stack(self):
        self.check_crash("assert_racy")


class VirtualTimeGroup(WeftTestCase):
    """Sleeps cost nothing under weft: 2 s of sleeps record in under 0.5 s."""
    LIMIT_S = 0.5

    def test_sleeps_are_virtual(self):
        e = self.entry("sleep_ok")
        trace = self.path("sleep.weft")
        ran = self.weft.record(self.program("sleep_ok"), trace, seed=1)
        self.assertLess(ran.wall, self.LIMIT_S, "weft record of %.1f s of sleeps took %.2f s:%s"
                        % (e["slept_seconds"], ran.wall, ran.describe()))
        self.assertIn("slept 2000 ms in total", ran.output, ran.describe())
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0),
                         "the program saw its clocks lag its sleeps:" + ran.describe())
        sleeps = [ev for ev in show["events"] if ev["kind"] == "sleep"]
        self.assertGreaterEqual(len(sleeps), 5, "expected 5 sleep events (one per call)")
        ran, result = self.weft.replay(trace)
        self.assertIs(result["reproduced"], True, ran.describe())
        self.assertLess(ran.wall, self.LIMIT_S, "replay took %.2f s" % ran.wall)

    def test_polling_the_clock_ends(self):
        # 60 s of busy polling of clock_gettime: virtual time moves with each read.
        trace = self.path("clock_poll.weft")
        ran = self.weft.record(self.program("clock_poll_ok"), trace, seed=1)
        self.assertLess(ran.wall, 10.0, "60 s of clock polling took %.1f s:%s"
                        % (ran.wall, ran.describe()))
        self.assertIn("waited 60 s by polling the clock", ran.output, ran.describe())
        ran, result = self.weft.replay(trace)
        self.assertIs(result["reproduced"], True, ran.describe())

    def test_virtual_time_is_seen_by_timed_waits(self):
        for name in ("cond_timed_ok", "mutex_timed_ok", "join_ok"):
            with self.subTest(program=name):
                ran = self.weft.record(self.program(name), self.path(name + ".weft"), seed=2)
                self.assertLess(ran.wall, 2.0, ran.describe())
                show = self.weft.show_json(self.path(name + ".weft"))
                self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())


class ForkGroup(WeftTestCase):
    """Forked processes are processes of the session: one scheduler interleaves their threads,
    a race between them is found and replays; a child that execs a dynamic program stays under
    control in its new image, one that execs a static program leaves control."""

    def test_fork_record(self):
        trace = self.path("fork.weft")
        ran = self.weft.record(self.program("fork_ok"), trace, seed=1)
        self.assertLess(ran.wall, 10, ran.describe())
        self.assertIn("child done", ran.output, ran.describe())
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
        kinds = {ev["kind"] for ev in show["events"]}
        self.assertIn("fork", kinds, "the fork is not in the trace")
        self.check_replays(trace, show, times=5, label="fork_ok")

    def test_fork_explore(self):
        ran, result = self.weft.explore(self.program("fork_ok"), 20, 1, self.path("fx"))
        self.assertEqual(result["failures"], [], ran.describe())
        self.assertEqual(result["runs"], 20, ran.describe())

    def test_forked_processes_are_one_session(self):
        # The children's threads are threads of the session (their pids in the trace), and
        # the order between the processes is the schedule's: seeds give different orders.
        trace = self.path("stock.weft")
        ran = self.weft.record(self.program("fork_stock_racy"), trace, seed=1, args=["fixed"])
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
        pids = [p["pid"] for p in show["processes"]]
        self.assertEqual(len(pids), 3, "a parent and two forked children: %s" % show["processes"])
        children = [p for p in show["processes"] if p["parent"] is not None]
        self.assertEqual(len(children), 2, show["processes"])
        thread_pids = {t["pid"] for t in show["threads"]}
        self.assertEqual(thread_pids, set(pids), "every process has its thread: %s" % show["threads"])
        # The children lock the shared mutex: their events are in the trace.
        child_tids = {t["tid"] for t in show["threads"] if t["pid"] != pids[0]}
        locks = [ev for ev in show["events"] if ev["kind"] == "mutex_lock" and ev["tid"] in child_tids]
        self.assertGreaterEqual(len(locks), 2, "no child's lock in the trace")
        self.check_replays(trace, show, times=5, label="stock")

    def test_race_between_processes(self):
        # Check and sale in two locked sections, in two forked processes: weft interleaves the
        # processes as it interleaves threads, so the oversold run is found and replays.
        ran, result = self.weft.explore(self.program("fork_stock_racy"), 50, 1, self.path("sx"))
        self.assertTrue(result["failures"], "not found in 50 runs:" + ran.describe())
        failure = result["failures"][0]
        show = self.weft.show_json(failure["trace"])
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 1), ran.describe())
        self.check_replays(failure["trace"], show, times=REPLAYS, label="stock-racy")
        ran, result = self.weft.explore(self.program("fork_stock_racy"), 200, 1, self.path("sf"),
                                        args=["fixed"])
        self.assertEqual(result["failures"], [], ran.describe())
        self.assertEqual(result["runs"], 200, ran.describe())

    def test_file_race_between_processes(self):
        # Two forked processes read-check-write one stock file: with file operations as
        # schedule points (a session with processes), the double sale is found and replays;
        # with an flock around it, never (and the blocked flock does not hold the turn).
        for mode in ("fd", "stdio"):
            with self.subTest(mode=mode):
                ran, result = self.weft.explore(self.program("file_stock_racy"), 50, 1,
                                                self.path("fs-" + mode), args=[mode])
                self.assertTrue(result["failures"], "not found in 50 runs:" + ran.describe())
                trace = result["failures"][0]["trace"]
                show = self.weft.show_json(trace)
                self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 1), ran.describe())
                kinds = {ev["kind"] for ev in show["events"]}
                self.assertTrue({"file_read", "file_write"} <= kinds, kinds)
                self.check_replays(trace, show, times=REPLAYS, label="file-" + mode)
                if mode == "fd":
                    ran = self.weft.cmd("conflicts", "--json", trace)
                    pairs = json.loads(ran.stdout)["conflicts"]
                    files = [p for p in pairs if p["first"]["kind"].startswith("file_")
                             and p["second"]["kind"].startswith("file_")]
                    self.assertTrue(files, "no file pair in weft conflicts: %s" % pairs[:3])
        ran, result = self.weft.explore(self.program("file_stock_racy"), 200, 1,
                                        self.path("fs-flock"), args=["flock"])
        self.assertEqual(result["failures"], [], ran.describe())
        self.assertEqual(result["runs"], 200, ran.describe())

    UNMODELLED_NOTE = "a thread blocked in a call weft does not model"

    def test_fcntl_record_lock_race_between_processes(self):
        # Two forked processes read-check-write one stock file with no lock: found, replayed.
        ran, result = self.weft.explore(self.program("record_lock_stock_racy"), 50, 1,
                                        self.path("rl-none"), args=["none"])
        self.assertTrue(result["failures"], "not found in 50 runs:" + ran.describe())
        trace = result["failures"][0]["trace"]
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 1), ran.describe())
        self.check_replays(trace, show, times=REPLAYS, label="rl-none")

    def test_fcntl_record_locks_are_modelled_waits(self):
        # The same under fcntl(F_SETLKW), lockf(F_LOCK), an OFD lock and an F_SETLK retry loop
        # (whose lock the seller's exit drops): never oversold; a blocked lock waits without
        # holding the turn (no unmodelled block, which made runs slow and replays diverge),
        # each lock is a file_lock event of its kind, the test of one's own lock a file_read,
        # and runs replay event for event.
        kind_bit = {"setlkw": 0x100, "lockf": 0x100, "ofd": 0x200, "setlk": 0x100}
        for mode, bit in kind_bit.items():
            with self.subTest(mode=mode):
                ran, result = self.weft.explore(self.program("record_lock_stock_racy"), 200, 1,
                                                self.path("rl-" + mode), args=[mode])
                self.assertEqual(result["failures"], [], ran.describe())
                self.assertEqual(result["runs"], 200, ran.describe())
                for seed in (1, 2, 3):
                    trace = self.path("rl-%s-%d.weft" % (mode, seed))
                    ran = self.weft.record(self.program("record_lock_stock_racy"), trace,
                                           seed=seed, args=[mode])
                    where = "%s seed %d:%s" % (mode, seed, ran.describe())
                    self.assertIn("sold 1, stock 0", ran.stdout, where)
                    self.assertNotIn(self.UNMODELLED_NOTE, ran.stderr, where)
                    show = self.weft.show_json(trace)
                    locks = [ev for ev in show["events"] if ev["kind"] == "file_lock"
                             and "failed" not in ev["flags"]]
                    self.assertGreaterEqual(len({ev["tid"] for ev in locks}), 2,
                                            "both sellers' locks are file_lock events: " + where)
                    self.assertTrue(all(ev["arg"] & bit for ev in locks), where)
                    self.check_replays(trace, show, times=3, label="rl-%s-%d" % (mode, seed))

    def test_fcntl_locks_on_disjoint_ranges_do_not_block(self):
        # Two children hold record locks on the two halves of one file at once, each sees the
        # other's with F_GETLK, and a range overlapping the other's is refused.
        for seed in (1, 2, 3):
            trace = self.path("ranges-%d.weft" % seed)
            ran = self.weft.record(self.program("record_lock_ranges_ok"), trace, seed=seed,
                                   args=["ranges"])
            where = "seed %d:%s" % (seed, ran.describe())
            self.assertIn("both ranges held at once; the overlap was refused", ran.stdout, where)
            show = self.weft.show_json(trace)
            self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), where)
            self.check_replays(trace, show, times=3, label="ranges-%d" % seed)
        ran, result = self.weft.explore(self.program("record_lock_ranges_ok"), 50, 1,
                                        self.path("rx"), args=["ranges"])
        self.assertEqual(result["failures"], [], ran.describe())

    def test_a_release_wakes_the_waiting_process(self):
        # The holder drops its lock (a close of another descriptor of the file: POSIX drops all
        # the process's locks on it; or F_UNLCK) and keeps running: the waiter in the other
        # process gets the lock while it runs, as the kernel would wake it, rather than once
        # the holder has nothing left to do.
        for mode in ("close", "unlock"):
            for seed in (1, 2, 3):
                trace = self.path("%s-%d.weft" % (mode, seed))
                ran = self.weft.record(self.program("record_lock_ranges_ok"), trace, seed=seed,
                                       args=[mode])
                where = "%s seed %d:%s" % (mode, seed, ran.describe())
                self.assertIn("the waiter got the lock while the holder ran", ran.stdout, where)
                self.assertNotIn(self.UNMODELLED_NOTE, ran.stderr, where)
                show = self.weft.show_json(trace)
                events = show["events"]
                holder, waiter = sorted({ev["tid"] for ev in events if ev["kind"] == "file_lock"})
                release = [ev["index"] for ev in events
                           if ev["kind"] == "file_unlock" and ev["tid"] == holder]
                got = [ev["index"] for ev in events
                       if ev["kind"] == "file_lock" and ev["tid"] == waiter]
                self.assertTrue(release and got, where)
                self.assertLess(release[0], got[0], "the waiter locked before the release: "
                                + where)
                if mode == "close":
                    self.assertEqual(events[release[0]]["location"]["function"], "Holder", where)
                self.check_replays(trace, show, times=3, label="%s-%d" % (mode, seed))

    def test_forked_process_crash(self):
        # A forked child dies of SIGSEGV while it holds the turn: the parent, waiting for it,
        # takes the turn over (no wait for --timeout), sees the signal, and the run replays.
        trace = self.path("child_crash.weft")
        ran = self.weft.record(self.program("fork_child_ends"), trace, seed=1, args=["crash"])
        self.assertLess(ran.wall, 10, "a dead child's turn must not wait for --timeout:"
                        + ran.describe())
        self.assertIn("child killed by signal 11", ran.output, ran.describe())
        self.assertRegex(ran.stderr, r"note: process \d+ of the program's tree was killed by "
                         r"SIGSEGV", ran.describe())
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
        # The child's locked section and the parent's are on one (process-shared) mutex.
        locks = {(ev["tid"], ev["object"]) for ev in show["events"] if ev["kind"] == "mutex_lock"}
        self.assertEqual(len({tid for tid, _ in locks}), 2, locks)
        self.assertEqual(len({obj for _, obj in locks}), 1, "a process-shared mutex is one "
                         "object in both processes: %s" % locks)
        self.check_replays(trace, show, times=5, label="child-crash")
        ran, result = self.weft.explore(self.program("fork_child_ends"), 20, 1,
                                        self.path("cx"), args=["crash"])
        self.assertEqual(result["failures"], [], ran.describe())
        self.assertEqual(result["runs"], 20, ran.describe())

    def test_run_lasts_until_forked_processes_end(self):
        # The parent returns at once; its forked child works on under control: the run goes
        # on until it ends (its output and its exit are in the trace).
        trace = self.path("orphan.weft")
        ran = self.weft.record(self.program("fork_child_ends"), trace, seed=1, args=["orphan"])
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
        self.assertIn("orphan done, work = 20", show["stdout"]["data"], ran.describe())
        root = show["processes"][0]["pid"]
        child_tids = {t["tid"] for t in show["threads"] if t["pid"] != root}
        exits = [ev for ev in show["events"] if ev["kind"] == "process_exit"
                 and ev["tid"] in child_tids]
        self.assertEqual(len(exits), 1, "the child's exit is not in the trace")
        locks = [ev for ev in show["events"] if ev["kind"] == "mutex_lock" and ev["tid"] in child_tids]
        self.assertEqual(len(locks), 20, "the child's locks after the parent's exit")
        self.check_replays(trace, show, times=5, label="orphan")

    def test_requests_to_a_server_between_processes(self):
        # Two client processes GET-check-SET the last seat at a server process over TCP: each
        # send, recv, connect and accept is a channel event on the server's service, so the
        # clients' requests conflict and the double booking is found and replays; with the
        # server's one-step TAKE, never.
        ran, result = self.weft.explore(self.program("seat_server_racy"), 100, 1,
                                        self.path("seat"))
        self.assertTrue(result["failures"], "not found in 100 runs:" + ran.describe())
        trace = result["failures"][0]["trace"]
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 1), ran.describe())
        self.assertIn("double booking", show["stdout"]["data"])
        kinds = {ev["kind"] for ev in show["events"]}
        self.assertTrue({"channel_connect", "channel_accept", "channel_send", "channel_recv"}
                        <= kinds, kinds)
        channels = [o for o in show["objects"] if o["kind"] == "channel"]
        self.assertTrue(any(re.match(r"^127\.0\.0\.1:\d+$", o.get("symbol", ""))
                            for o in channels), channels)
        self.check_replays(trace, show, times=REPLAYS, label="seat-racy")
        ran = self.weft.cmd("conflicts", "--json", trace)
        pairs = json.loads(ran.stdout)["conflicts"]
        sends = [p for p in pairs if p["first"]["kind"].startswith("channel_")
                 and p["second"]["kind"].startswith("channel_")
                 and p["first"]["tid"] != p["second"]["tid"]]
        self.assertTrue(sends, "no pair of channel events in weft conflicts: %s" % pairs[:3])
        ran, result = self.weft.explore(self.program("seat_server_racy"), 200, 1,
                                        self.path("seat-fixed"), args=["fixed"])
        self.assertEqual(result["failures"], [], ran.describe())
        self.assertEqual(result["runs"], 200, ran.describe())

    def test_sqlite_connections_in_two_processes(self):
        # Two processes, each with its own SQLite connection, read-check-update one account:
        # SQLite's reads and writes of the database and its journal are file events, so the
        # overdraft is found and replays (the journal, deleted and made again, is a new file
        # each time, whatever inode the file system gives it).
        ran, result = self.weft.explore(self.program("sqlite_transfer_racy"), 50, 1,
                                        self.path("sq"))
        self.assertTrue(result["failures"], "not found in 50 runs:" + ran.describe())
        trace = result["failures"][0]["trace"]
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 1), ran.describe())
        self.assertIn("overdrawn", show["stdout"]["data"])
        files = {o.get("symbol") for o in show["objects"] if o["kind"] == "file"}
        self.assertIn("transfer.db", files)
        self.check_replays(trace, show, times=REPLAYS, label="sqlite-racy")

    def test_forked_process_exec(self):
        # A forked process that execs a dynamic program (sh) stays under control: the EXEC
        # event says so (arg 1), and the new image's events follow on the same thread.
        trace = self.path("exec.weft")
        ran = self.weft.record(self.program("fork_exec_ok"), trace, seed=1)
        self.assertLess(ran.wall, 10, ran.describe())
        self.assertIn("exec ok", ran.output, ran.describe())
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
        events = show["events"]
        execs = [i for i, ev in enumerate(events) if ev["kind"] == "exec"]
        self.assertEqual(len(execs), 1, ran.describe())
        exec_event = events[execs[0]]
        self.assertEqual(exec_event["arg"], 1, "the shell should run under control: %s" % exec_event)
        after = [ev["kind"] for ev in events[execs[0] + 1:] if ev["tid"] == exec_event["tid"]]
        self.assertIn("process_exit", after, "the exec'd shell's exit is not in the trace")
        child = [t for t in show["threads"] if t["tid"] == exec_event["tid"]][0]
        self.assertNotEqual(child["pid"], show["processes"][0]["pid"], show["threads"])
        self.check_replays(trace, show, times=3, label="exec")

    def test_a_record_lock_held_outside_the_session_is_waited_for(self):
        # A process outside the session (a python3 lockf) holds the lock for a second: the
        # child's F_SETLKW waits for it in real time, as natively (before: "deadlock: 2
        # threads blocked", and the program was killed).
        lock_file = self.path("outside.lock")
        with open(lock_file, "w") as f:
            f.write("x")
        holder = subprocess.Popen(
            [sys.executable, "-c", "import fcntl, sys, time\n"
             "f = open(sys.argv[1], 'r+'); fcntl.lockf(f, fcntl.LOCK_EX)\n"
             "print('held', flush=True); time.sleep(1)", lock_file],
            stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(holder.stdout.readline().strip(), "held")
            trace = self.path("outside-lock.weft")
            ran = self.weft.cmd("record", "-o", trace, "--timeout", 30, "--",
                                self.program("outside_lock_ok"), lock_file)
        finally:
            holder.wait()
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertNotIn("deadlock", ran.stderr, ran.describe())
        self.assertEqual(ran.stdout.strip(), "child locked\nparent: child exited 0",
                         ran.describe())
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
        locks = [ev for ev in show["events"] if ev["kind"] == "file_lock"]
        self.assertEqual(len(locks), 1, locks)
        self.assertIn("external", locks[0]["flags"], "the lock waited for the outside")
        self.check_replays(trace, show, times=3, label="outside-lock")

    def test_an_exec_d_programs_stacks_and_objects_are_its_own(self):
        # The child execs another program (withdraw_ok), whose code and globals are at
        # other addresses than its parent's: its frames, thread start functions and objects
        # must be named from its own image (before, from the parent's maps: its withdraw()
        # lock had the parent's names, and its libc frames the parent's libc's).
        trace = self.path("exec-program.weft")
        ran = self.weft.record(self.program("fork_exec_ok"), trace, seed=4, args=["program"])
        self.assertRegex(ran.output, r"balance = (0|30)", ran.describe())
        self.assertIn("parent: child exited 0, work = 10", ran.output, ran.describe())
        show = self.weft.show_json(trace)
        root = show["processes"][0]["pid"]
        exec_event = [ev for ev in show["events"] if ev["kind"] == "exec"][0]
        self.assertEqual(exec_event["arg"], 1, exec_event)
        child_pid = [t for t in show["threads"] if t["tid"] == exec_event["tid"]][0]["pid"]
        child_tids = {t["tid"] for t in show["threads"] if t["pid"] == child_pid}
        child = [p for p in show["processes"] if p["pid"] == child_pid][0]
        self.assertEqual([(os.path.basename(e["executable"]), e["argv"]) for e in child["execs"]],
                         [("withdraw_ok", ["withdraw_ok"])], child)
        self.assertEqual(show["processes"][0]["execs"], [])
        self.assertRegex(self.weft.show_text(trace), r"process %d, started by T0, exec'd \S*"
                         r"/withdraw_ok:" % child_pid)
        started = {t["start_function"] for t in show["threads"] if t["pid"] == child_pid}
        self.assertIn("withdraw", started, show["threads"])
        modules = {m["id"]: m for m in show["modules"]}
        frames = {f["id"]: f for f in show["frames"]}
        stacks = {s["id"]: s["frames"] for s in show["stacks"]}
        locks = [ev for ev in show["events"]
                 if ev["tid"] in child_tids and ev["kind"] == "mutex_lock"]
        self.assertTrue(locks, "no lock of the exec'd program in the trace")
        for ev in locks:
            self.assertEqual(ev["location"]["function"], "withdraw", ev)
            self.assertTrue(ev["location"]["file"].endswith("withdraw_ok.c"), ev)
            obj = [o for o in show["objects"] if o["id"] == ev["object"]][0]
            self.assertEqual(obj.get("symbol"), "account_lock", obj)
            for fid in stacks[ev["stack"]]:
                module = modules.get(frames[fid]["module_id"])
                self.assertIsNotNone(module, "a frame of the exec'd program in no module: %s"
                                     % frames[fid])
                self.assertEqual(module["pid"], child_pid, module)
                self.assertNotIn("fork_exec_ok", module["path"], frames[fid])
        parent_locks = [ev for ev in show["events"]
                        if ev["kind"] == "mutex_lock" and ev["tid"] not in child_tids]
        self.assertTrue(parent_locks)
        for ev in parent_locks:
            self.assertEqual(ev["location"]["function"], "worker", ev)
        self.assertTrue(all(m["pid"] in (root, child_pid) for m in show["modules"]))
        self.check_replays(trace, show, times=3, label="exec-program")
        # The root's own exec (sh -c 'exec ...'): its execs hold that one, not weft's launch
        # of sh (before, the launch was taken for the first, and each exec named the one
        # before it: "exec'd /usr/bin/dash").
        trace = self.path("exec-root.weft")
        ran = self.weft.cmd("record", "-o", trace, "--seed", 4, "--", "/bin/sh", "-c",
                            "exec %s program" % self.program("fork_exec_ok"))
        self.assertEqual(ran.returncode, 0, ran.describe())
        show = self.weft.show_json(trace)
        root_execs = [os.path.basename(e["executable"]) for e in show["processes"][0]["execs"]]
        self.assertEqual(root_execs, ["fork_exec_ok"], show["processes"])
        child_execs = [os.path.basename(e["executable"]) for e in show["processes"][1]["execs"]]
        self.assertEqual(child_execs, ["withdraw_ok"], show["processes"])

    def test_exec_static_runs_uncontrolled(self):
        # A static program cannot load the shim: the child runs it uncontrolled, the trace's
        # EXEC event says so (arg 0, the child's last event), and the run still ends well.
        trace = self.path("exec-static.weft")
        ran = self.weft.record(self.program("fork_exec_ok"), trace, seed=1, args=["static"])
        self.assertLess(ran.wall, 10, ran.describe())
        self.assertIn("hello from a static binary", ran.output, ran.describe())
        self.assertIn("parent: child exited 0, work = 10", ran.output, ran.describe())
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
        events = show["events"]
        execs = [i for i, ev in enumerate(events) if ev["kind"] == "exec"]
        self.assertEqual(len(execs), 1, ran.describe())
        self.assertEqual(events[execs[0]]["arg"], 0, events[execs[0]])
        tid = events[execs[0]]["tid"]
        self.assertEqual([ev for ev in events[execs[0] + 1:] if ev["tid"] == tid], [])
        self.assertIn("the new image runs uncontrolled", self.weft.show_text(trace))
        self.check_replays(trace, show, times=3, label="exec-static")

    def test_race_between_exec_images(self):
        # Two forked children exec a new image each, which sells from one stock file: weft
        # controls the new images (their threads get the session's tids, in the children's
        # processes), so the oversold run is found and replays.
        ran, result = self.weft.explore(self.program("exec_stock_racy"), 50, 1, self.path("ex"))
        self.assertTrue(result["failures"], "not found in 50 runs:" + ran.describe())
        trace = result["failures"][0]["trace"]
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 1), ran.describe())
        self.assertIn("oversold", show["stdout"]["data"])
        root = show["processes"][0]["pid"]
        execs = [ev for ev in show["events"] if ev["kind"] == "exec"]
        self.assertEqual([ev["arg"] for ev in execs], [1, 1], execs)
        # Each new image creates a thread that sells: it lives in the child's process.
        created = [t for t in show["threads"] if t["pid"] != root and t["parent"] is not None and
                   t["parent"] in {ev["tid"] for ev in execs}]
        self.assertEqual(len(created), 2, show["threads"])
        sellers = {t["tid"] for t in created}
        reads = [ev for ev in show["events"] if ev["kind"] == "file_read" and ev["tid"] in sellers]
        self.assertGreaterEqual(len(reads), 2, "the sellers' reads are not in the trace")
        self.check_replays(trace, show, times=REPLAYS, label="exec-racy")

    def test_exec_flock_is_clean(self):
        ran, result = self.weft.explore(self.program("exec_stock_racy"), 100, 1, self.path("ef"),
                                        args=["flock"])
        self.assertEqual(result["failures"], [], ran.describe())
        self.assertEqual(result["runs"], 100, ran.describe())


class WaitsGroup(WeftTestCase):
    """Waits do not hold the turn (a thread in a signal wait or a readiness wait lets the
    others run, and the run replays); a deadlock in a fork child is reported as one;
    livelock is judged by lack of progress, not by a step count."""

    def record_modes(self, name, kind):
        e = self.entry(name)
        for mode in e["modes"]:
            with self.subTest(mode=mode):
                trace = self.path("%s-%s.weft" % (name, mode))
                ran = self.weft.record(self.program(name), trace, seed=3, args=[mode])
                self.assertRegex(ran.stdout.strip(), e["ok_output"], ran.describe())
                show = self.weft.show_json(trace)
                self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
                if kind is not None:
                    self.assertIn(kind, [ev["kind"] for ev in show["events"]],
                                  "no %s event in the trace of %s %s" % (kind, name, mode))
                self.check_replays(trace, show, times=5, label="%s-%s" % (name, mode))

    def test_signal_waits(self):
        self.record_modes("signal_wait_ok", "signal_wait")

    def test_readiness_waits(self):
        # A readiness wait is no event (the thread is just not runnable until it is ready).
        self.record_modes("poll_pipe_ok", None)

    def test_readiness_waits_of_a_fortified_build(self):
        # Built with -D_FORTIFY_SOURCE=2 (as Debian's packages are), the program's read and
        # poll are glibc's __read_chk and __poll_chk: weft models them as read and poll, so
        # the blocked reader is not taken over as an unmodelled block.
        prog = self.program("poll_pipe_fortified")
        with open(prog, "rb") as f:
            image = f.read()
        for name in (b"__read_chk", b"__poll_chk", b"__ppoll_chk"):
            self.assertIn(name, image, "the build is not fortified: no %s" % name.decode())
        e = self.entry("poll_pipe_fortified")
        for mode in e["modes"]:
            with self.subTest(mode=mode):
                trace = self.path("fortified-%s.weft" % mode)
                ran = self.weft.record(prog, trace, seed=3, args=[mode])
                self.assertRegex(ran.stdout.strip(), e["ok_output"], ran.describe())
                self.assertNotIn("does not model", ran.stderr, ran.describe())
                show = self.weft.show_json(trace)
                self.check_replays(trace, show, times=3, label="fortified-%s" % mode)

    def test_readiness_wait_timeouts_replay(self):
        # A poll or epoll_wait that times out makes no event: its timeout must not be a
        # decision of the schedule (time moving for it while the worker could run), which no
        # trace would hold; every recording replays.
        e = self.entry("poll_timer_ok")
        for mode in e["modes"]:
            for seed in range(1, 7):
                with self.subTest(mode=mode, seed=seed):
                    trace = self.path("timer-%s-%d.weft" % (mode, seed))
                    ran = self.weft.record(self.program("poll_timer_ok"), trace, seed=seed,
                                           args=[mode])
                    self.assertRegex(ran.stdout.strip(), e["ok_output"], ran.describe())
                    self.check_replays(trace, self.weft.show_json(trace), times=3,
                                       label="timer %s seed %d" % (mode, seed))

    def test_a_sleep_made_of_a_readiness_wait_may_end_early(self):
        # poll(NULL, 0, ms) and select(0, NULL, NULL, NULL, &tv) wait on no descriptor: each
        # is a sleep whose end is a decision (a SLEEP event), so the helper main assumes done
        # after it can be late; the failing run replays.
        e = self.entry("poll_sleep_racy")
        for mode in ("poll", "select"):
            with self.subTest(mode=mode):
                outdir = self.path("x-poll-sleep-" + mode)
                ran, result = self.weft.explore(self.program("poll_sleep_racy"), 100, 1, outdir,
                                                args=[mode])
                self.assertIsNotNone(result["first_failure_run"],
                                     "not found in 100 runs:" + ran.describe())
                failure = result["failures"][0]
                self.assertEqual(outcome_of(failure), ("exit", 1), ran.describe())
                trace = self.weft.failure_trace(failure, outdir)
                show = self.weft.show_json(trace)
                self.assertIn(e["output"], show["stdout"]["data"])
                self.assertTrue(any(ev["kind"] == "sleep" for ev in show["events"]),
                                "the wait on no descriptor made no sleep event")
                self.check_replays(trace, show, times=5, label="poll-sleep-" + mode)

    def test_writes_to_a_full_pipe_or_socket(self):
        # The writer blocks until its own reader thread made room: it must not hold the turn.
        self.record_modes("full_pipe_ok", None)

    def test_waits_for_a_child_process(self):
        # The child needs a parent thread that can only run while main waits for the child.
        self.record_modes("child_wait_ok", None)

    def test_waits_under_search(self):
        for name, mode in (("signal_wait_ok", "sigsuspend"), ("poll_pipe_ok", "epoll"),
                           ("full_pipe_ok", "send"), ("child_wait_ok", "waitpid")):
            with self.subTest(program=name):
                ran, result = self.weft.explore(self.program(name), 30, 1,
                                                self.path("x-" + name), args=[mode])
                self.assertEqual(result["failures"], [], ran.describe())
                self.assertEqual(result["runs"], 30, ran.describe())

    def test_fork_child_deadlock(self):
        trace = self.path("fork_locked.weft")
        ran = self.weft.record(self.program("fork_locked_racy"), trace, seed=1)
        self.assertLess(ran.wall, 10, "a fork-child deadlock must not wait for --timeout:"
                        + ran.describe())
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("deadlock",), ran.describe())
        message = show["outcome"].get("message", "")
        self.assertIn("does not exist in the child", message, show["outcome"])
        self.assertIn("held by T1", message, show["outcome"])
        # The mutex is named by its global, as a race report names one.
        self.assertRegex(message, r"waits for the mutex 'lock' at 0x[0-9a-f]+,", show["outcome"])
        self.assertIn("does not exist in the child", self.weft.show_text(trace))

    def test_livelock_is_lack_of_progress(self):
        # No --max-steps: the yield-polling thread is judged by its lack of progress.
        trace = self.path("yield_livelock.weft")
        ran = self.weft.record(self.program("yield_livelock"), trace, seed=1)
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("livelock",), ran.describe())
        self.assertIn("no progress", show["outcome"].get("message", ""), show["outcome"])
        self.assertLess(len(show["events"]), 200000, "judged only after %d events"
                        % len(show["events"]))
        ran, result = self.weft.replay(trace)
        self.assertIs(result["reproduced"], True, ran.describe())
        self.assertIs(result["livelock"], True, ran.describe())

    def test_long_correct_program_is_no_livelock(self):
        # 2 M lock operations (more than the old default step limit), under explore's
        # defaults: it passes.
        e = self.entry("lock_counter_ok")
        ran, result = self.weft.explore(self.program("lock_counter_ok"), 2, 1,
                                        self.path("x-counter"), args=["500000"])
        self.assertEqual(result["failures"], [], ran.describe())
        self.assertEqual(result["runs"], 2, ran.describe())


class ProcessesGroup(WeftTestCase):
    """A wait for a child is a join: the child's end happens before the wait returns, so what
    the child wrote and the parent reads after the wait is no conflict; clone without CLONE_VM
    is a fork."""

    def test_wait_is_a_join(self):
        e = self.entry("wait_join_ok")
        for mode in e["modes"]:
            with self.subTest(mode=mode):
                trace = self.path("wait-join-%s.weft" % mode)
                ran = self.weft.record(self.program("wait_join_ok"), trace, seed=3, args=[mode])
                self.assertRegex(ran.stdout.strip(), e["ok_output"], ran.describe())
                show = self.weft.show_json(trace)
                self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
                self.assertEqual(len(show["processes"]), 2, show["processes"])
                events = show["events"]
                forks = [ev for ev in events if ev["kind"] == "fork"]
                self.assertEqual(len(forks), 1, "the %s child is no process of the session"
                                 % mode)
                child_pid = forks[0]["arg"]
                child = [t["tid"] for t in show["threads"] if t["pid"] == child_pid]
                self.assertEqual(len(child), 1, show["threads"])
                exit_at = [i for i, ev in enumerate(events)
                           if ev["kind"] == "process_exit" and ev["tid"] == child[0]]
                self.assertEqual(len(exit_at), 1, "the child's exit is not in the trace")
                reaped = [i for i, ev in enumerate(events)
                          if ev["kind"] == "process_wait" and ev["arg"] == child_pid]
                self.assertEqual(len(reaped), 1, "no process_wait reaped pid %d" % child_pid)
                self.assertLess(exit_at[0], reaped[0], "reaped before it exited")
                writes = [ev for ev in events if ev["kind"] == "file_write"
                          and ev["tid"] == child[0]]
                self.assertTrue(writes, "the child's write is not in the trace")
                # Ordered by the fork and by the wait: weft conflicts pairs none of them.
                ran = self.weft.cmd("conflicts", "--json", trace)
                pairs = json.loads(ran.stdout)["conflicts"]
                self.assertEqual(pairs, [], "accesses ordered by fork and wait reported as "
                                 "conflicts (%s)" % mode)
                self.check_replays(trace, show, times=5, label="wait-join-" + mode)

    def test_client_waits_for_a_server_under_control(self):
        # redis-server, started by the program, runs under control (a dynamic program): the
        # parent's connect waits for it to listen instead of spending its retries in virtual
        # time while the server starts (before, it found no server within 10 s of retries).
        trace = self.path("redis-nx.weft")
        ran = self.weft.record(self.program("redis_seat_racy"), trace, seed=1, args=["nx"])
        self.assertRegex(ran.stdout.strip(), self.entry("redis_seat_racy")["ok_output"],
                         ran.describe())
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
        events = show["events"]
        execs = [ev for ev in events if ev["kind"] == "exec"]
        self.assertEqual([ev["arg"] for ev in execs], [1], "redis-server not under control")
        root = show["processes"][0]["pid"]
        main_tids = {t["tid"] for t in show["threads"] if t["pid"] == root}
        connects = [ev for ev in events if ev["kind"] == "channel_connect"
                    and ev["tid"] in main_tids]
        self.assertTrue(connects, "the parent's connect is not in the trace")
        self.assertEqual(connects[0]["flags"], [], "the first connect did not wait for the "
                         "server: %s" % connects[0])

    def test_a_failure_kept_without_stacks_says_how_the_replay_differed(self):
        # A real redis-server's failing run replayed with stacks makes other events than the
        # run (its jemalloc, whose constructor the shim starts in, allocates differently once
        # the unwinder is loaded): the failure is kept without stacks, and weft says where
        # that replay left the run instead of only that it did.
        ran, result = self.weft.explore(self.program("redis_seat_racy"), 30, 1,
                                        self.path("redis-stacks"), extra=["--no-explain"])
        self.assertTrue(result["failures"], "not found in 30 runs:" + ran.describe())
        f = result["failures"][0]
        if f["stacks"] == "not reproduced":
            self.assertRegex(ran.stderr, r"did not reproduce the failure \([^)]*: it (diverged at "
                             r"event \d+|made \d+ events where the run made \d+)", ran.describe())
        else:
            self.assertEqual(f["stacks"], "replayed", f)

    def test_shell_pipeline_replays(self):
        # seq and sort write their pipes through stdio, and sort reads its own through stdio
        # (fread_unlocked), with reads and writes no hook sees. Each stdio read of a pipe of
        # the session is a modelled receive (channel_recv, not holding the turn) and the
        # session's pipes hold 1 MiB, so no thread blocks unseen and what each read finds is
        # what the writers wrote before their last events: every recording replays (before,
        # none of four replayed three times).
        script = "seq 1 20000 | sort -rn | head -3"
        for i in range(4):
            with self.subTest(recording=i):
                trace = self.path("pipeline-%d.weft" % i)
                ran = self.weft.cmd("record", "-o", trace, "--timeout", 60, "--", "sh", "-c",
                                    script)
                self.assertEqual(ran.returncode, 0, ran.describe())
                self.assertEqual(ran.stdout, "20000\n19999\n19998\n", ran.describe())
                self.assertNotIn(UnmodelledBlockGroup.NOTE, ran.stderr, ran.describe())
                show = self.weft.show_json(trace)
                pids = [p["pid"] for p in show["processes"]]
                self.assertEqual(len(pids), 4, "sh, seq, sort, head: %s" % show["processes"])
                readers = {ev["tid"] for ev in show["events"] if ev["kind"] == "channel_recv"}
                self.assertGreaterEqual(len(readers), 2, "sort's and head's reads of their "
                                        "pipes are not in the trace: %s" % readers)
                self.check_replays(trace, show, times=3, label="pipeline-%d" % i)

    def test_pipeline_whose_reader_exits_first_replays(self):
        # head exits after three lines while yes writes on: yes's next write kills it
        # (SIGPIPE) inside the call. That write's channel_send event comes before the call,
        # so the decision that picked it is in the trace (before, it was in none, and no
        # recording replayed: the replay picked yes where the script said the shell's wait).
        for i in range(3):
            with self.subTest(recording=i):
                trace = self.path("yes-%d.weft" % i)
                ran = self.weft.cmd("record", "-o", trace, "--timeout", 60, "--", "sh", "-c",
                                    "yes | head -3")
                self.assertEqual(ran.returncode, 0, ran.describe())
                self.assertEqual(ran.stdout, "y\ny\ny\n", ran.describe())
                self.check_replays(trace, self.weft.show_json(trace), times=3,
                                   label="yes-%d" % i)

    def test_waits_under_search(self):
        for mode in self.entry("wait_join_ok")["modes"]:
            with self.subTest(mode=mode):
                ran, result = self.weft.explore(self.program("wait_join_ok"), 30, 1,
                                                self.path("wj-" + mode), args=[mode])
                self.assertEqual(result["failures"], [], ran.describe())
                self.assertEqual(result["runs"], 30, ran.describe())

    def test_a_grandchilds_thread_names_its_own_process(self):
        # sh starts a sh that starts /bin/true: the grandchild's thread goes on from where
        # its parent's did, and is named with its own pid once ("main (pid 12) (pid 13)"
        # before).
        trace = self.path("grandchild.weft")
        ran = self.weft.record("/bin/sh", trace, seed=1,
                               args=["-c", "sh -c '/bin/true; /bin/true'; /bin/true"])
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
        pids = {t["pid"] for t in show["threads"]}
        self.assertGreaterEqual(len(pids), 4, show["threads"])  # sh, sh, true, true, true
        for t in show["threads"]:
            name = t["start_function"]
            if t["pid"] == show["threads"][0]["pid"]:
                self.assertEqual(name, "main", t)
            else:
                self.assertEqual(name, "main (pid %d)" % t["pid"], t)


class ProcessesSlowGroup(WeftTestCase):
    """Issue 10's checks at full size (label slow): races between processes on a stock file,
    one SQLite database and a real redis-server are found, and the fixed stock file and redis
    versions are clean."""

    def test_stock_file(self):
        ran, result = self.weft.explore(self.program("file_stock_racy"), 50, 1,
                                        self.path("stock"), args=["fd"])
        self.assertTrue(result["failures"], "not found in 50 runs:" + ran.describe())
        trace = result["failures"][0]["trace"]
        show = self.weft.show_json(trace)
        self.check_replays(trace, show, times=REPLAYS, label="stock")
        ran, result = self.weft.explore(self.program("file_stock_racy"), CORRECT_RUNS_SLOW, 1,
                                        self.path("stock-flock"), args=["flock"])
        self.assertEqual(result["failures"], [], ran.describe())
        self.assertEqual(result["runs"], CORRECT_RUNS_SLOW, ran.describe())

    def test_sqlite(self):
        ran, result = self.weft.explore(self.program("sqlite_transfer_racy"), 50, 1,
                                        self.path("sq"))
        self.assertTrue(result["failures"], "not found in 50 runs:" + ran.describe())
        trace = result["failures"][0]["trace"]
        show = self.weft.show_json(trace)
        self.check_replays(trace, show, times=REPLAYS, label="sqlite")
        # The BEGIN IMMEDIATE version: SQLite's busy handler retries the other process's
        # fcntl lock in sleeps for up to 5 s, which must not all pass in virtual time while
        # the holder did a few operations (it gave up with SQLITE_BUSY in the first run).
        ran, result = self.weft.explore(self.program("sqlite_transfer_racy"), 500, 1,
                                        self.path("sq-fixed"), args=["fixed"])
        self.assertEqual(result["failures"], [], "the BEGIN IMMEDIATE version failed:"
                         + ran.describe())

    def test_stock_file_under_record_locks(self):
        for mode in ("setlkw", "lockf"):
            with self.subTest(mode=mode):
                ran, result = self.weft.explore(self.program("record_lock_stock_racy"),
                                                CORRECT_RUNS_SLOW, 1, self.path("rl-" + mode),
                                                args=[mode])
                self.assertEqual(result["failures"], [], ran.describe())
                self.assertEqual(result["runs"], CORRECT_RUNS_SLOW, ran.describe())

    def test_redis(self):
        ran, result = self.weft.explore(self.program("redis_seat_racy"), 100, 1,
                                        self.path("redis"))
        self.assertTrue(result["failures"], "not found in 100 runs:" + ran.describe())
        trace = result["failures"][0]["trace"]
        show = self.weft.show_json(trace)
        self.assertIn("double booking", show["stdout"]["data"])
        self.check_replays(trace, show, times=REPLAYS, label="redis")
        ran, result = self.weft.explore(self.program("redis_seat_racy"), 200, 1,
                                        self.path("redis-nx"), args=["nx"])
        self.assertEqual(result["failures"], [], ran.describe())
        self.assertEqual(result["runs"], 200, ran.describe())


class ExplainGroup(WeftTestCase):
    """`weft explain` on a failing run names the pair of operations whose order decides it —
    the lines marked in each program's source — and saves a failing and a passing run that
    differ in that order only, each replaying to its outcome."""

    SEED = 1

    def marker(self, name, marker):
        path = os.path.join(os.path.dirname(CONFIG.manifest_path), self.entry(name)["source"])
        with open(path) as f:
            for number, line in enumerate(f, 1):
                if "// " + marker in line:
                    return number
        self.fail("no // %s in %s" % (marker, path))

    def explain(self, name):
        """Explores `name` until it fails, explains the failure: the weft.explain/1 document."""
        e = self.entry(name)
        ran, result = self.weft.explore(self.program(name), e["budget"], self.SEED,
                                        self.path("x-" + name))
        self.assertTrue(result["failures"], "no failure to explain:" + ran.describe())
        trace = self.weft.failure_trace(result["failures"][0], self.path("x-" + name))
        ran = self.weft.cmd("explain", "--json", "-o", self.path(name + "-why"), trace)
        self.assertEqual(ran.returncode, 0, "weft explain found no critical pair:" + ran.describe())
        doc = document(self, ran, "explain")
        self.assertTrue(doc["found"], ran.describe())
        # The two saved runs: the failing one fails as the program's bug does, the passing
        # one passes, and each replays to its outcome.
        for key, want in (("failing_trace", expected_outcome(e)), ("passing_trace", ("exit", 0))):
            replayed, replay = self.weft.replay(doc[key])
            self.assertIs(replay["reproduced"], True, replayed.describe())
            self.assertEqual(outcome_of(replay), want, "%s of %s:%s" % (key, name, replayed.describe()))
        return doc

    def lines(self, doc):
        critical = doc["critical"]
        return tuple(None if side["location"] is None else side["location"]["line"]
                     for side in (critical["first"], critical["second"]))

    def test_atomicity_violation(self):
        doc = self.explain("explain_bank_racy")
        self.assertEqual(self.lines(doc), (self.marker("explain_bank_racy", "CHECK-LINE"),
                                           self.marker("explain_bank_racy", "DEBIT-LINE")), doc)
        self.assertIsNotNone(doc["critical"]["between"], "no 'between' side: %s" % doc)

    def test_order_violation(self):
        doc = self.explain("explain_order_racy")
        first, second = doc["critical"]["first"], doc["critical"]["second"]
        self.assertEqual(first["location"]["line"], self.marker("explain_order_racy", "USE-LINE"))
        # The initialising thread had not run at all: its start is the second side.
        self.assertTrue(second["pending"], doc)
        self.assertIn("init_config", second["where"], doc)

    def test_lost_wakeup(self):
        doc = self.explain("explain_wakeup_racy")
        self.assertEqual(self.lines(doc), (self.marker("explain_wakeup_racy", "SIGNAL-LINE"),
                                           self.marker("explain_wakeup_racy", "WAIT-LINE")), doc)

    def test_lock_order_deadlock(self):
        doc = self.explain("explain_lockorder_racy")
        m = lambda marker: self.marker("explain_lockorder_racy", marker)
        self.assertIn(self.lines(doc), ((m("A-FIRST"), m("B-SECOND")),
                                        (m("B-FIRST"), m("A-SECOND"))), doc)

    def failing(self, name):
        """A failing trace of `name` found by explore (seed SEED)."""
        e = self.entry(name)
        ran, result = self.weft.explore(self.program(name), e["budget"], self.SEED,
                                        self.path("f-" + name))
        self.assertTrue(result["failures"], "no failure:" + ran.describe())
        return self.weft.failure_trace(result["failures"][0], self.path("f-" + name))

    def test_show_marks_the_preemption_of_the_atomicity_violation(self):
        # The bug is a preemption: the other thread's check runs while the checking thread
        # could go on to its debit. weft show marks that decision, in text and JSON.
        trace = self.failing("explain_bank_racy")
        doc = self.weft.show_json(trace)
        events = doc["events"]
        check = ":%d)" % self.marker("explain_bank_racy", "CHECK-LINE")
        debit = ":%d)" % self.marker("explain_bank_racy", "DEBIT-LINE")
        loc = lambda ev: "" if ev["location"] is None else "%s:%d)" % (
            ev["location"]["function"], ev["location"]["line"])
        by_tid = {}
        for ev in events:
            by_tid.setdefault(ev["tid"], []).append(ev)
        marked = []
        for i, ev in enumerate(events):
            if ev["kind"] != "mutex_lock" or not loc(ev).endswith(check) or i == 0:
                continue
            prev = events[i - 1]
            mine = by_tid[prev["tid"]]
            after = [x for x in mine if x["index"] > prev["index"]]
            if prev["tid"] != ev["tid"] and after and after[0]["kind"] == "mutex_lock" and \
                    loc(after[0]).endswith(debit):
                marked.append((ev["index"], ev["preempts"], prev["tid"]))
        self.assertTrue(marked, "no check between another thread's check and debit: %s" % events)
        for index, preempts, want in marked:
            self.assertEqual(preempts, want, "event %d: %s" % (index, events[index]))
        self.assertEqual(doc["preemptions"]["count"],
                         sum(1 for ev in events if ev["preempts"] is not None), doc["preemptions"])
        self.assertFalse(doc["preemptions"]["exact"])  # explore's runs record no enabled sets
        text = self.weft.show_text(trace)
        row = [line for line in text.splitlines() if line.lstrip().startswith("%d " % marked[0][0])]
        self.assertTrue(row and row[0].endswith("preempts T%d" % marked[0][2]), text)
        self.assertRegex(text, r"\n%d preemptions? \(a switch away" % doc["preemptions"]["count"])

    def test_conflicts_are_ranked_critical_first(self):
        trace = self.failing("explain_bank_racy")
        ran = self.weft.cmd("conflicts", "--json", trace)
        plain = document(self, ran, "conflicts")
        kinds = {side["kind"] for c in plain["conflicts"] for side in (c["first"], c["second"])}
        self.assertFalse({k for k in kinds if k.startswith("thread_")}, plain)
        self.assertGreater(plain["hidden"], 0, plain)  # the exits and joins
        self.assertEqual(plain["failing_threads"], [0], plain)  # main exits 1
        self.assertIsNone(plain["critical_found"])
        seconds = [c["second"]["index"] for c in plain["conflicts"]]
        self.assertEqual(seconds, sorted(seconds, reverse=True), "not nearest the end first")
        ran = self.weft.cmd("conflicts", "--json", "--all", trace)
        every = document(self, ran, "conflicts")
        self.assertEqual((every["count"], every["hidden"]), (plain["count"] + plain["hidden"], 0))
        # Main's join pairs involve the failing thread: first with --all.
        self.assertTrue(every["conflicts"][0]["failing_thread"], every["conflicts"][0])
        self.assertIn(every["conflicts"][0]["second"]["kind"], ("thread_join", "thread_exit"))
        # --critical: the pair weft explain finds on this trace, first.
        ran = self.weft.cmd("conflicts", "--json", "--critical", trace)
        ranked = document(self, ran, "conflicts")
        self.assertIs(ranked["critical_found"], True, ran.describe())
        top = ranked["conflicts"][0]
        self.assertTrue(top["critical"], top)
        self.assertEqual(sum(c["critical"] for c in ranked["conflicts"]), 1)
        functions = {top["first"]["location"].split(" ")[0], top["second"]["location"].split(" ")[0]}
        self.assertTrue(functions & {"debit"} and len(functions) == 2, top)
        # Its reversal point runs the other thread (weft permute --at, --thread).
        out = self.path("critical-perm.weft")
        ran = self.weft.cmd("permute", "--json", trace, "--at", top["reversal"]["at"],
                            "--thread", top["reversal"]["thread"], "-o", out)
        self.assertEqual(ran.returncode, 0, ran.describe())
        permuted = document(self, ran, "permute")
        self.assertTrue(permuted["forced"], permuted)
        # One pair in detail: whole stacks and the permute command.
        i, j = top["first"]["index"], top["second"]["index"]
        ran = self.weft.cmd("conflicts", "--pair", "%d,%d" % (i, j), trace)
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertIn("first:  #%d T%d" % (i, top["first"]["tid"]), ran.stdout)
        self.assertIn("second: #%d T%d" % (j, top["second"]["tid"]), ran.stdout)
        self.assertIn("withdraw (explain_bank_racy.c:", ran.stdout)
        self.assertIn("--at %d --thread T%d" % (top["reversal"]["at"], top["reversal"]["thread"]),
                      ran.stdout)
        ran = self.weft.cmd("conflicts", "--pair", "%d,%d" % (j, i), trace)
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn("not a conflicting pair", ran.stderr)
        ran = self.weft.cmd("conflicts", "--pair", "x", trace)
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn("--pair takes two event indexes", ran.stderr)

    def test_explore_says_why_at_the_end(self):
        # explore's short form of explain: the same pair of lines, a passing run that replays
        # to pass, in JSON and in the text's last lines.
        name = "explain_bank_racy"
        e = self.entry(name)
        out = self.path("why-" + name)
        ran, result = self.weft.explore(self.program(name), e["budget"], self.SEED, out)
        self.assertTrue(result["failures"], ran.describe())
        why = result["why"]
        self.assertIsNotNone(why, ran.describe())
        self.assertTrue(why["found"], why)
        self.assertEqual(why["run"], result["failures"][0]["run"])
        self.assertEqual(self.lines(why), (self.marker(name, "CHECK-LINE"),
                                           self.marker(name, "DEBIT-LINE")), why)
        self.assertRegex(why["sentence"], r"^fails when T\d runs has_funds \(explain_bank_racy\.c:"
                                          r"\d+\) between T\d's has_funds \(.*\) and debit \(.*\);"
                                          r" with T\d's debit first it passes$")
        self.assertTrue(why["passing_trace"].startswith(os.path.join(out, "why") + os.sep), why)
        self.assertGreater(why["runs"], 0)
        for key, want in (("failing_trace", expected_outcome(e)), ("passing_trace", ("exit", 0))):
            replayed, replay = self.weft.replay(why[key])
            self.assertIs(replay["reproduced"], True, replayed.describe())
            self.assertEqual(outcome_of(replay), want, "%s:%s" % (key, replayed.describe()))
        # The text says it last, with the passing run's path.
        text_out = self.path("why-text")
        ran = self.weft.cmd("explore", "--runs", e["budget"], "--seed", self.SEED, "-o", text_out,
                            "--", self.program(name))
        self.assertEqual(ran.returncode, 1, ran.describe())
        self.assertIn("why run %d failed: " % why["run"] + why["sentence"], ran.stderr)
        self.assertIn("passing run: " + os.path.join(text_out, "why", ""), ran.stderr)
        # --no-explain: none of it; a budget of 0 is an error.
        quiet_out = self.path("why-none")
        ran, result = self.weft.explore(self.program(name), e["budget"], self.SEED, quiet_out,
                                        extra=["--no-explain"])
        self.assertIsNone(result["why"], ran.describe())
        self.assertFalse(os.path.exists(os.path.join(quiet_out, "why")))
        ran = self.weft.cmd("explore", "--explain-runs", 0, "--", self.program(name))
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn("--explain-runs", ran.stderr)

    def test_export_perfetto_reads_back(self):
        # weft export --perfetto: the Chrome JSON trace event format, read back and checked
        # against its structure (ph, ts, pid, tid, name; X with dur; flows s/f by id) and
        # against the trace: a named track per thread, a slice per event that tiles the run,
        # the critical pair's arrow between explain's two events.
        trace = self.failing("explain_bank_racy")
        out = self.path("bank.perfetto.json")
        ran = self.weft.cmd("export", "--perfetto", trace, "-o", out, "--critical")
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertIn("ui.perfetto.dev", ran.stderr)
        with open(out) as f:
            doc = json.load(f)
        events = doc["traceEvents"]
        self.assertIsInstance(events, list)
        for ev in events:
            self.assertIn(ev["ph"], ("M", "X", "s", "f", "i"), ev)
            self.assertIsInstance(ev["name"], str, ev)
            self.assertIsInstance(ev["pid"], int, ev)
            self.assertIsInstance(ev["tid"], int, ev)
            self.assertIsInstance(ev["ts"], (int, float), ev)
            if ev["ph"] == "X":
                self.assertGreaterEqual(ev["dur"], 0, ev)
            if ev["ph"] in ("s", "f"):
                self.assertIsInstance(ev["id"], int, ev)
        shown = self.weft.show_json(trace)
        names = {ev["tid"]: ev["args"]["name"] for ev in events
                 if ev["ph"] == "M" and ev["name"] == "thread_name"}
        self.assertEqual(sorted(names), [t["tid"] + 1 for t in shown["threads"]], names)
        self.assertEqual(names[1], "T0 main", names)
        self.assertTrue(names[2].startswith("T1 withdraw"), names)
        slices = [ev for ev in events if ev["ph"] == "X" and ev["cat"] != "blocked"]
        self.assertEqual([s["args"]["index"] for s in slices], list(range(len(shown["events"]))))
        for s, e in zip(slices, shown["events"]):
            self.assertEqual((s["tid"], s["args"]["event"]), (e["tid"] + 1, e["kind"]), s)
        for a, b in zip(slices, slices[1:]):
            self.assertLessEqual(a["ts"] + a["dur"], b["ts"] + 1e-9, (a, b))  # they tile
        self.assertTrue(any("has_funds" in s["name"] for s in slices), slices[:8])
        # Flows: each id once as a start and once as an end, each inside a slice of its thread.
        flows = {}
        for ev in events:
            if ev["ph"] in ("s", "f"):
                flows.setdefault(ev["id"], {})[ev["ph"]] = ev
        self.assertTrue(flows)
        def slice_at(ev):
            inside = [s for s in slices if s["tid"] == ev["tid"] and
                      s["ts"] <= ev["ts"] <= s["ts"] + s["dur"]]
            self.assertEqual(len(inside), 1, ev)
            return inside[0]
        for fid, ends in flows.items():
            self.assertEqual(sorted(ends), ["f", "s"], ends)
            self.assertEqual(ends["s"]["cat"], ends["f"]["cat"])
            self.assertEqual(ends["f"].get("bp"), "e")
        critical = [ends for ends in flows.values() if ends["s"]["cat"] == "critical"]
        self.assertEqual(len(critical), 1, flows)
        ran = self.weft.cmd("explain", "--json", "-o", self.path("bank-why"), trace)
        pair = document(self, ran, "explain")["critical"]
        self.assertEqual((slice_at(critical[0]["s"])["args"]["index"],
                          slice_at(critical[0]["f"])["args"]["index"]),
                         (pair["first"]["event"], pair["second"]["event"]))
        conflicts = [ends for ends in flows.values() if ends["s"]["cat"] == "conflict"]
        self.assertTrue(conflicts)
        for ends in conflicts:
            self.assertNotEqual(slice_at(ends["s"])["tid"], slice_at(ends["f"])["tid"])
        # The format is required; a missing trace is an error.
        ran = self.weft.cmd("export", trace)
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn("--perfetto", ran.stderr)

    def test_bisection_names_the_same_lines(self):
        # weft explain --bisect: a binary search between the failing schedule and the run
        # without preemptions, to the one decision that flips the outcome. On the atomicity
        # violation and the lock-order deadlock it names the lines a reversal names; both
        # saved runs replay to their outcomes; JSON says the method.
        for name, want in (("explain_bank_racy", [("CHECK-LINE", "DEBIT-LINE")]),
                           ("explain_lockorder_racy", [("A-FIRST", "B-SECOND"),
                                                       ("B-FIRST", "A-SECOND")])):
            with self.subTest(program=name):
                trace = self.failing(name)
                ran = self.weft.cmd("explain", "--json", "--bisect", "-o",
                                    self.path(name + "-bisect"), trace)
                self.assertEqual(ran.returncode, 0, ran.describe())
                doc = document(self, ran, "explain")
                self.assertEqual(doc["method"], "bisection", doc)
                pairs = [(self.marker(name, a), self.marker(name, b)) for a, b in want]
                self.assertIn(self.lines(doc), pairs, doc)
                for key, outcome in (("failing_trace", expected_outcome(self.entry(name))),
                                     ("passing_trace", ("exit", 0))):
                    replayed, replay = self.weft.replay(doc[key])
                    self.assertIs(replay["reproduced"], True, replayed.describe())
                    self.assertEqual(outcome_of(replay), outcome, replayed.describe())
                # At the pair's decision the two runs differ: the failing one runs the first
                # side's thread, the passing one the second's.
                at = doc["critical"]["reversal"]["at"]
                failing = self.weft.show_json(doc["failing_trace"])["events"]
                passing = self.weft.show_json(doc["passing_trace"])["events"]
                self.assertEqual(failing[at]["tid"], doc["critical"]["first"]["tid"])
                self.assertEqual(passing[at]["tid"], doc["critical"]["second"]["tid"])
                self.assertEqual([e["tid"] for e in failing[:at]], [e["tid"] for e in passing[:at]])
        # Without --bisect a reversal finds the bank's pair: the method says so.
        ran = self.weft.cmd("explain", "--json", "-o", self.path("bank-rev"),
                            self.failing("explain_bank_racy"))
        self.assertEqual(document(self, ran, "explain")["method"], "reversal")

    def test_a_passing_trace_is_refused(self):
        trace = self.path("ok.weft")
        self.weft.record(self.program("join_ok"), trace, seed=1)
        ran = self.weft.cmd("explain", trace)
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn("did not fail", ran.stderr)


class WaitsSlowGroup(WeftTestCase):
    """The same at full size: 10 M lock operations pass under explore's defaults."""

    def test_ten_million_lock_operations(self):
        e = self.entry("lock_counter_ok")
        ran, result = self.weft.explore(self.program("lock_counter_ok"), 1, 1,
                                        self.path("x-counter10m"), extra=["--timeout", 600])
        self.assertEqual(result["failures"], [], ran.describe())
        self.assertEqual(result["runs"], 1, ran.describe())


class RealWaitsGroup(WeftTestCase):
    """Real programs whose threads wait in sigwait or epoll_wait (scripts/install-deps.sh
    installs them): pbzip2 -p4 and lbzip2 -n4 compress and decompress byte-identically and
    replay; memcached starts, serves a client and ends on SIGTERM."""

    def tool(self, name):
        path = shutil.which(name)
        if path is None:
            self.skipTest("%s is not installed (scripts/install-deps.sh installs it)" % name)
        return path

    def data(self):
        path = self.path("input.txt")
        if not os.path.exists(path):
            with open(path, "w") as f:
                for i in range(60000):
                    f.write("line %d of the input, %s\n" % (i, hashlib.sha1(str(i).encode())
                                                            .hexdigest()))
        return path

    def record_to(self, argv, out_path, trace):
        cmd = [CONFIG.weft, "record", "-o", trace, "--timeout", 60, "--"] + argv
        with open(out_path, "wb") as out:
            proc = subprocess.run([str(a) for a in cmd], stdout=out, stderr=subprocess.PIPE,
                                  timeout=COMMAND_TIMEOUT_S, cwd=self.tmp)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        return proc.stderr.decode()

    def check_tool(self, name, threads_flag):
        tool = self.tool(name)
        src = self.data()
        native = subprocess.run([tool, threads_flag, "-c", src], stdout=subprocess.PIPE,
                                check=True).stdout
        packed = self.path("%s.bz2" % name)
        err = self.record_to([tool, threads_flag, "-c", src], packed, self.path(name + "-c.weft"))
        with open(packed, "rb") as f:
            self.assertEqual(f.read(), native, "%s under weft wrote other bytes:%s" % (name, err))
        unpacked = self.path("%s.out" % name)
        err = self.record_to([tool, threads_flag, "-dc", packed], unpacked,
                             self.path(name + "-d.weft"))
        with open(unpacked, "rb") as f, open(src, "rb") as g:
            self.assertEqual(f.read(), g.read(), "%s -d under weft:%s" % (name, err))
        for trace in (name + "-c.weft", name + "-d.weft"):
            ran = self.weft.cmd("replay", "--times", 3, trace)
            self.assertEqual(ran.returncode, 0, ran.describe())
            self.assertIn("reproduced: 3 of 3", ran.stderr, ran.describe())

    def test_pbzip2(self):
        self.check_tool("pbzip2", "-p4")

    def test_lbzip2(self):
        self.check_tool("lbzip2", "-n4")

    def test_memcached_starts(self):
        tool = self.tool("memcached")
        import socket
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        pidfile = self.path("memcached.pid")
        trace = self.path("memcached.weft")
        proc = subprocess.Popen([CONFIG.weft, "record", "-o", trace, "--timeout", "60", "--",
                                 tool, "-u", "root", "-l", "127.0.0.1", "-p", str(port), "-U",
                                 "0", "-t", "4", "-P", pidfile], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, cwd=self.tmp)
        try:
            reply = b""
            deadline = time.time() + 20
            while time.time() < deadline:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=5) as c:
                        c.sendall(b"set k 0 0 5\r\nhello\r\nget k\r\n")
                        while b"END" not in reply:
                            chunk = c.recv(4096)
                            if not chunk:
                                break
                            reply += chunk
                    break
                except OSError:
                    time.sleep(0.2)
            self.assertIn(b"VALUE k 0 5\r\nhello", reply, "memcached under weft did not serve")
            with open(pidfile) as f:
                os.kill(int(f.read().strip()), signal.SIGTERM)
            out, err = proc.communicate(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
        self.assertEqual(proc.returncode, 0, err.decode())
        self.assertTrue(os.path.isfile(trace), err.decode())


class PythonThreadsGroup(WeftTestCase):
    """CPython threads interleave under weft (the GIL changes hands when a waiting thread's
    timed wait times out, a scheduling decision): a threading.Lock check-then-act across
    two `with` blocks is found, and its fixed version never fails under pct (no false
    livelock). Uses the system's python3."""
    PYTHON = "/usr/bin/python3"
    SCRIPT = os.path.join(HERE, os.pardir, "programs", "python", "bank.py")

    def setUp(self):
        super().setUp()
        if not os.access(self.PYTHON, os.X_OK):
            self.skipTest("%s is not installed" % self.PYTHON)

    def test_bank_check_then_act_is_found(self):
        outdir = self.path("x-bank")
        ran, result = self.weft.explore(self.PYTHON, 300, 1, outdir, args=[self.SCRIPT])
        self.assertIsNotNone(result["first_failure_run"], "not found in 300 runs:"
                             + ran.describe())
        failure = result["failures"][0]
        self.assertEqual(outcome_of(failure), ("exit", 1), ran.describe())
        trace = self.weft.failure_trace(failure, outdir)
        # The failing run's own output, kept in its trace.
        self.assertIn("balance = -60", self.weft.show_text(trace))
        if CONFIG.verbose:
            sys.stderr.write("  bank.py found at run %d\n" % result["first_failure_run"])

    def test_dict_check_then_act_with_work_between_is_found(self):
        # No call weft hooks between the check and the act: only the interpreter points
        # (a profile hook in each Python thread) let the GIL change hands inside the price
        # computation, as CPython's switch interval does natively.
        script = os.path.join(HERE, os.pardir, "programs", "python", "reserve_room.py")
        outdir = self.path("x-room")
        ran, result = self.weft.explore(self.PYTHON, 300, 1, outdir, args=[script])
        self.assertIsNotNone(result["first_failure_run"], "not found in 300 runs:"
                             + ran.describe())
        self.assertIn("CPython's bytecode was interleaved", result["coverage"])
        failure = result["failures"][0]
        self.assertEqual(outcome_of(failure), ("exit", 1), ran.describe())
        trace = self.weft.failure_trace(failure, outdir)
        show = self.weft.show_json(trace)
        self.assertEqual(show["stdout"]["data"], "2 reservations\n")
        self.assertTrue(any(e["kind"] == "interp_point" for e in show["events"]),
                        "the failing run made no interpreter point")
        self.check_replays(trace, show, times=REPLAYS, label="room")
        if CONFIG.verbose:
            sys.stderr.write("  reserve_room.py found at run %d\n" % result["first_failure_run"])

    def test_fixed_dict_check_then_act_passes(self):
        script = os.path.join(HERE, os.pardir, "programs", "python", "reserve_room.py")
        for strategy in ("random", "pct"):
            ran, result = self.weft.explore(self.PYTHON, 100, 1, self.path("x-room-" + strategy),
                                            args=[script, "fixed"],
                                            extra=["--strategy", strategy])
            self.assertEqual(result["failures"], [], strategy + ":" + ran.describe())
            self.assertEqual(result["runs"], 100, strategy + ":" + ran.describe())

    def test_set_order_replays(self):
        # CPython's hash seed comes from getrandom: a controlled run's random bytes are the
        # same in its replay (they were real random bytes, and 3 of 4 recordings diverged).
        script = os.path.join(HERE, os.pardir, "programs", "python", "set_order.py")
        for seed in (1, 2, 3):
            trace = self.path("set-order-%d.weft" % seed)
            ran = self.weft.record(self.PYTHON, trace, seed=seed, args=[script])
            self.assertIn("done", ran.stdout, ran.describe())
            self.check_replays(trace, self.weft.show_json(trace), times=3,
                               label="seed %d" % seed)

    def test_multiprocessing_pool_replays(self):
        # A multiprocessing.Pool maps over four items in two forked workers (processes of the
        # session: pipes, process-shared semaphores): the same output under weft record, and
        # every replay reproduces it (they used to diverge at CPython's start-up: a replay
        # --json gave the program /dev/null as stderr where the recording had a pipe).
        script = os.path.join(HERE, os.pardir, "programs", "python", "pool_map.py")
        trace = self.path("pool.weft")
        ran = self.weft.record(self.PYTHON, trace, seed=1, args=[script])
        self.assertIn("squares [0, 1, 4, 9]", ran.stdout, ran.describe())
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
        self.assertEqual(show["stdout"]["data"], "squares [0, 1, 4, 9]\n")
        workers = {t["pid"] for t in show["threads"]} - {show["processes"][0]["pid"]}
        self.assertEqual(len(workers), 2, "the two workers are not processes of the session")
        self.check_replays(trace, show, times=3, label="pool")
        ran, result = self.weft.replay(trace, out=self.path("pool-3.weft"), extra=["--times", "3"])
        self.assertIs(result["reproduced"], True, ran.describe())
        self.assertEqual(self.weft.show_json(self.path("pool-3.weft"))["stdout"]["data"],
                         show["stdout"]["data"])

    def test_fixed_bank_passes_under_pct(self):
        ran, result = self.weft.explore(self.PYTHON, 60, 1, self.path("x-bank-fixed"),
                                        args=[self.SCRIPT, "fixed"],
                                        extra=["--strategy", "pct"])
        self.assertEqual(result["failures"], [], ran.describe())
        self.assertEqual(result["runs"], 60, ran.describe())


def processes_running(executable):
    """PIDs of live processes whose executable is `executable`."""
    pids = []
    target = os.path.realpath(executable)
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            if os.path.realpath(os.readlink("/proc/%s/exe" % d)) == target:
                with open("/proc/%s/stat" % d) as f:
                    if f.read().rsplit(")", 1)[1].split()[0] != "Z":
                        pids.append(int(d))
        except OSError:
            continue
    return pids


class TimeoutGroup(WeftTestCase):
    """A program that spins without a schedule point is stopped by --timeout, reported as a
    timeout, and leaves nothing running."""

    def assert_nothing_left(self, program):
        time.sleep(0.2)
        left = processes_running(program)
        for pid in left:  # these were started by this test, through weft
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        self.assertEqual(left, [], "weft left the timed-out program running")

    def test_record_timeout(self):
        program = self.program("spin_forever")
        trace = self.path("spin.weft")
        ran = self.weft.cmd("record", "-o", trace, "--seed", 1, "--timeout", 1, "--", program,
                            timeout=30)
        self.assertFalse(ran.timed_out, "weft record --timeout 1 hung:" + ran.describe())
        self.assertEqual(ran.returncode, 0, "a timeout is the program's outcome, weft worked:"
                         + ran.describe())
        self.assertGreater(ran.wall, 0.9, "stopped before the timeout:" + ran.describe())
        self.assertLess(ran.wall, 2.5, "--timeout 1 took %.2f s:%s" % (ran.wall, ran.describe()))
        self.assertIn("timeout", ran.output.lower().replace("timed out", "timeout"),
                      "the run is not reported as a timeout:" + ran.describe())
        self.assert_nothing_left(program)
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("timeout",), "%s" % show["outcome"])

    def test_explore_timeout_is_a_failure(self):
        program = self.program("spin_forever")
        outdir = self.path("explore-spin")
        start = time.monotonic()
        ran = self.weft.cmd("explore", "--runs", 3, "--seed", 1, "-o", outdir, "--json",
                            "--timeout", 1, "--", program, timeout=60)
        result = document(self, ran, "explore")
        self.assertEqual(result["first_failure_run"], 1, ran.describe())
        self.assertEqual(outcome_of(result["failures"][0]), ("timeout",), ran.describe())
        self.assertLess(time.monotonic() - start, 5, ran.describe())
        self.assert_nothing_left(program)

    def test_replay_of_timeout_ends(self):
        # The command weft prints for a failing run is `weft replay TRACE`, without
        # --timeout: replaying a run that timed out must end too, and say it timed out.
        program = self.program("spin_forever")
        trace = self.path("spin-replayed.weft")
        self.weft.cmd("record", "-o", trace, "--seed", 1, "--timeout", 1, "--", program,
                      timeout=30)
        self.assertTrue(os.path.isfile(trace))
        ran = self.weft.cmd("replay", trace, "--json", timeout=20)
        self.assert_nothing_left(program)
        self.assertFalse(ran.timed_out, "weft replay of a timed-out run never ends:"
                         + ran.describe())
        self.assertLess(ran.wall, 10, ran.describe())
        result = document(self, ran, "replay")
        self.assertIs(result["reproduced"], True, ran.describe())
        self.assertIs(result["timeout"], True, "the replay does not say it timed out:"
                      + ran.describe())
        self.assertIn("timed out", result["outcome"], ran.describe())


class RustGroup(WeftTestCase):
    """Rust std (Mutex and Condvar on futexes, named threads): record/replay, the planted
    bug is found, the correct version never fails. Skipped without rustc."""

    def setUp(self):
        super().setUp()
        if "rustc" in CONFIG.without:
            self.skipTest("this build was configured without rustc")

    def test_record_replay(self):
        for e in manifest_entries(lambda e: e["language"] == "rust"):
            with self.subTest(program=e["name"]):
                RecordReplayGroup.record_and_replay(self, e)

    def test_finds_bug(self):
        ExploreFindsBugsGroup.check_bug(self, self.entry("rust_withdraw"))

    def test_correct_never_fails(self):
        ExploreCorrectGroup.check_correct(self, self.entry("rust_withdraw_ok"))

    def test_thread_names(self):
        trace = self.path("names.weft")
        self.weft.record(self.program("rust_withdraw_ok"), trace, seed=1)
        text = self.weft.show_text(trace)
        self.assertIn("withdraw-100", text, "thread names set by Rust are not shown")
        self.assertIn("withdraw-70", text)


class AtomicSitesGroup(WeftTestCase):
    """Uninstrumented programs: the atomic read-modify-write instructions of the program's
    own code are schedule points (atomic sites), so a check-then-act across two Rust
    std::sync::Mutex lock() calls, or across two critical sections of a C spin lock of
    __atomic exchanges, is found and replayed; --no-atomic-sites turns them off (and the
    bug is then out of reach); a program with no atomics of its own runs as before."""

    BUDGET = 200
    OFF_RUNS = 100

    def rust(self, name):
        if "rustc" in CONFIG.without:
            self.skipTest("this build was configured without rustc")
        return self.program(name)

    def find_and_replay(self, name):
        e = self.entry(name)
        self.assertLessEqual(e["budget"], self.BUDGET)
        failure, trace = ExploreFindsBugsGroup.find_bug(self, e)
        show = self.weft.show_json(trace)
        self.check_replays(trace, show, times=1, label=name)
        ran = self.weft.cmd("replay", trace, "--times", REPLAYS)
        self.assertEqual(ran.returncode, 0, "replay --times %d failed:%s" % (REPLAYS, ran.describe()))
        self.assertIn("reproduced: %d of %d replays" % (REPLAYS, REPLAYS), ran.output,
                      "not every replay reproduced the failure:" + ran.describe())
        self.assertIn(e["output"], ran.output, "replay does not show the program's output")
        return trace

    def check_off(self, name, program):
        # The same search without atomic sites: the check-then-act has no schedule point.
        outdir = self.path("off-%s" % name)
        ran, result = self.weft.explore(program, self.OFF_RUNS, 1, outdir,
                                        extra=["--no-atomic-sites"])
        self.assertEqual(result["failures"], [], "%s failed without atomic sites: the test "
                         "cannot tell whether they matter:%s" % (name, ran.describe()))
        self.assertFalse(result["atomic_sites"]["scanned"], ran.describe())

    def test_rust_mutex_check_then_act_is_found(self):
        self.rust("rust_atomic_withdraw_racy")
        self.find_and_replay("rust_atomic_withdraw_racy")

    def test_rust_without_atomic_sites_is_not_found(self):
        self.check_off("rust", self.rust("rust_atomic_withdraw_racy"))

    def test_c_atomic_check_then_act_is_found(self):
        self.find_and_replay("atomic_withdraw_racy")

    def test_c_without_atomic_sites_is_not_found(self):
        self.check_off("c", self.program("atomic_withdraw_racy"))

    def test_record_says_what_was_patched(self):
        program = self.rust("rust_atomic_withdraw_racy")
        trace = self.path("said.weft")
        ran, doc = self.weft.record_json(program, trace, seed=3)
        atomic = doc["atomic_sites"]
        self.assertTrue(atomic["scanned"], ran.describe())
        self.assertFalse(atomic["instrumented"])
        self.assertGreater(atomic["listed"], 0, "no atomic site listed in a Rust program")
        self.assertEqual(atomic["patched"], atomic["listed"], ran.describe())
        self.assertTrue(atomic["reached"], "no patched site ran:" + ran.describe())
        self.assertEqual(atomic["modules"][0]["path"], os.path.realpath(program))
        self.assertGreater(doc["memory"]["events"], 0, "no atomic access was an event")
        self.assertFalse(doc["memory"]["instrumented"])
        text = self.weft.record(program, self.path("said-text.weft"), seed=3)
        m = re.search(r"atomic sites: (\d+) atomic instructions \((\d+) in "
                      r"rust_atomic_withdraw_racy\) were schedule points", text.output)
        self.assertIsNotNone(m, "record does not say which atomic sites were points:"
                             + text.describe())
        self.assertEqual(int(m.group(1)), atomic["patched"])
        self.assertIn("plain memory accesses were not", text.output,
                      "the honest-coverage note is missing:" + text.describe())
        # Events on the Mutex's word are atomic read-modify-writes (mem_write, READ|ATOMIC).
        show = self.weft.show_json(trace)
        mem = [ev for ev in show["events"] if ev["kind"] == "mem_write"]
        self.assertTrue(mem, "no mem_write event in the trace")
        self.assertTrue(all("atomic" in ev["flags"] and "read" in ev["flags"] for ev in mem),
                        "an atomic site's event is not READ|ATOMIC: %s" % mem[:3])

    def test_no_atomic_sites_option(self):
        program = self.rust("rust_atomic_withdraw_racy")
        trace = self.path("off.weft")
        ran = self.weft.record(program, trace, seed=3, extra=["--no-atomic-sites", "--json"])
        doc = document(self, ran, "record")
        self.assertFalse(doc["atomic_sites"]["scanned"])
        self.assertEqual(doc["memory"]["events"], 0, ran.describe())
        self.assertNotIn("atomic sites:", ran.output)
        # The replay of a run without atomic sites runs without them too.
        ran, rep = self.weft.replay(trace)
        self.assertTrue(rep["reproduced"], ran.describe())
        self.assertFalse(rep["atomic_sites"]["scanned"], ran.describe())
        help_text = self.weft.cmd("record", "--help").output
        self.assertIn("--no-atomic-sites", help_text)
        self.assertIn("--no-atomic-sites", self.weft.cmd("explore", "--help").output)

    def test_program_without_atomics_is_unaffected(self):
        # withdraw_ok locks pthread mutexes: glibc's atomics are not the program's own.
        program = self.program("withdraw_ok")
        docs = []
        for extra in ([], ["--no-atomic-sites"]):
            trace = self.path("plain-%d.weft" % len(docs))
            ran = self.weft.record(program, trace, seed=11, extra=extra + ["--json"])
            docs.append(document(self, ran, "record"))
        on, off = docs
        self.assertTrue(on["atomic_sites"]["scanned"])
        self.assertEqual(on["atomic_sites"]["listed"], 0, "withdraw_ok has no atomics of its own")
        self.assertEqual(on["events"], off["events"])
        self.assertEqual(on["event_digest"], off["event_digest"],
                         "atomic sites changed the schedule of a program without atomics")
        self.assertEqual(on["memory"]["events"], 0)


class AtomicSitesSlowGroup(WeftTestCase):
    """The fixed versions of the atomic-sites programs never fail in 500 runs (label slow)."""

    def test_fixed_versions_are_clean(self):
        for name in ("rust_atomic_withdraw_ok", "atomic_withdraw_ok"):
            with self.subTest(program=name):
                e = self.entry(name)
                if "rustc" in e.get("requires", []) and "rustc" in CONFIG.without:
                    self.skipTest("this build was configured without rustc")
                outdir = self.path("clean-%s" % name)
                ran, result = self.weft.explore(self.program(name), CORRECT_RUNS_SLOW, 7000,
                                                outdir)
                self.assertEqual(result["failures"], [], "%s failed:%s" % (name, ran.describe()))
                self.assertEqual(result["runs"], CORRECT_RUNS_SLOW)
                self.assertTrue(result["atomic_sites"]["reached"], ran.describe())
                self.assertGreater(result["memory"]["events"], 0,
                                   "no atomic access was a schedule point:" + ran.describe())


class ProtocolGroup(WeftTestCase):
    """The machine protocol (docs/JSON.md): conflicts, permute and minimize print their one
    documented document; --progress=jsonl prints weft.progress/1 lines on stderr, and no
    human progress line, for explore, replay --times and minimize."""

    def failing_trace(self):
        trace = self.path("failing.weft")
        if not os.path.isfile(trace):
            _, result = self.weft.explore(self.program("withdraw_racy"), 200, 1,
                                          self.path("explore-failing"))
            self.assertEqual(len(result["failures"]), 1, result)
            shutil.copy(self.weft.failure_trace(result["failures"][0], self.tmp), trace)
        return trace

    def test_conflicts_and_permute_documents(self):
        trace = self.failing_trace()
        ran = self.weft.cmd("conflicts", "--json", trace)
        self.assertEqual(ran.returncode, 0, ran.describe())
        conflicts = document(self, ran, "conflicts")
        self.assertGreater(conflicts["count"], 0, ran.describe())
        self.assertEqual(conflicts["shown"], len(conflicts["conflicts"]))
        ran = self.weft.cmd("conflicts", "--json", "--limit", 1, trace)
        self.assertEqual(document(self, ran, "conflicts")["shown"], 1, ran.describe())
        pair = conflicts["conflicts"][0]
        out = self.path("permuted.weft")
        ran = self.weft.cmd("permute", "--json", trace, "--at", pair["reversal"]["at"],
                            "--thread", pair["reversal"]["thread"], "-o", out)
        self.assertEqual(ran.returncode, 0, ran.describe())
        permuted = document(self, ran, "permute")
        self.assertEqual(permuted["trace"], out)
        self.assertEqual(permuted["at"], pair["reversal"]["at"])
        self.assertEqual(permuted["thread"], pair["reversal"]["thread"])
        self.assertEqual(permuted["divergence"] is None, permuted["forced"], permuted)
        show = self.weft.show_json(out)
        self.assertEqual(permuted["events"], len(show["events"]))
        self.assertEqual(outcome_of(permuted), show_outcome_of(show["outcome"]))

    def test_explore_progress_jsonl(self):
        ran = self.weft.cmd("explore", "--strategy", "random", "--runs", 200, "--seed", 1,
                            "-o", self.path("px"), "--json", "--progress=jsonl", "-j", 1, "--timeout", PROGRAM_TIMEOUT_S, "--",
                            self.program("withdraw_racy"))
        result = document(self, ran, "explore")
        progress, other = weft_protocol.progress_lines(ran.stderr)
        self.assertTrue(progress, "no progress line:" + ran.describe())
        for line in progress:
            self.assertEqual(weft_protocol.shape_errors(line, "progress"), [], line)
            self.assertEqual(line["command"], "explore")
            self.assertEqual(line["runs"], 200)
            self.assertEqual(line["seed"], line["run"], "with -j 1, run N has seed N")
        self.assertEqual([l for l in other if re.search(r"weft: run \d+/", l)], [],
                         "a human progress line next to jsonl:" + ran.describe())
        failed = [l for l in progress if l["failed"]]
        self.assertEqual([l["run"] for l in failed], [result["first_failure_run"]],
                         "the failing run has a progress line saying so:" + ran.describe())
        self.assertEqual(failed[0]["failures"], 1)
        runs = [l["run"] for l in progress]
        self.assertEqual(runs, sorted(runs), "progress goes forward")

    def test_replay_progress_jsonl(self):
        trace = self.failing_trace()
        ran = self.weft.cmd("replay", trace, "--json", "--times", 3, "--progress", "jsonl")
        result = document(self, ran, "replay")
        self.assertEqual(result["reproduced_count"], 3, ran.describe())
        progress, _ = weft_protocol.progress_lines(ran.stderr)
        for line in progress:
            self.assertEqual(weft_protocol.shape_errors(line, "progress"), [], line)
        self.assertEqual([(l["command"], l["run"], l["runs"], l["failed"], l["failures"])
                          for l in progress],
                         [("replay", i, 3, False, 0) for i in (1, 2, 3)], ran.describe())

    def test_minimize_document_and_progress(self):
        trace = self.failing_trace()
        out = self.path("min.weft")
        ran = self.weft.cmd("minimize", trace, "-o", out, "--json", "--progress=jsonl")
        self.assertEqual(ran.returncode, 0, ran.describe())
        result = document(self, ran, "minimize")
        self.assertEqual(result["trace"], out)
        self.assertIs(result["verified"], True)
        progress, _ = weft_protocol.progress_lines(ran.stderr)
        self.assertTrue(progress, "no progress line:" + ran.describe())
        for line in progress:
            self.assertEqual(weft_protocol.shape_errors(line, "progress"), [], line)
            self.assertEqual(line["command"], "minimize")
            self.assertIsNone(line["seed"])
            self.assertIsNone(line["failed"])
        runs = [l["run"] for l in progress]
        self.assertEqual(runs, list(range(runs[0], runs[0] + len(runs))),
                         "one line per candidate run")
        self.assertLessEqual(runs[-1], result["runs"], ran.describe())
        self.assertEqual(progress[-1]["preemptions"], result["preemptions_after"])

    def test_bad_progress_format_is_refused(self):
        ran = self.weft.cmd("replay", self.failing_trace(), "--progress=xml")
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn("--progress takes text or jsonl, not 'xml'", ran.stderr)


class CliGroup(WeftTestCase):
    """The command line as a new user meets it: a count of 0 is an error with a hint, -o
    creates the directories it names, and numbers agree with their nouns."""

    def check_usage_error(self, ran, option, what):
        where = "%s:%s" % (what, ran.describe())
        self.assertEqual(ran.returncode, 2, "not refused: " + where)
        lines = [l for l in ran.stderr.splitlines() if l.strip()]
        self.assertEqual(len(lines), 1, "stderr must be one line: " + where)
        self.assertIn("option %s must be at least 1, not 0 (" % option, lines[0], where)
        # The hint says what the count is and how to give one.
        self.assertRegex(lines[0], r"\((the|runs|how|candidate).*(e\.g\.|leave it out)", where)

    def test_zero_counts_are_errors_with_a_hint(self):
        prog = self.program("withdraw_ok")
        for argv, option in ((["explore", "--runs", 0], "--runs"),
                             (["explore", "-j", 0], "-j"),
                             (["explore", "--jobs=0"], "--jobs")):
            ran = self.weft.cmd(*(argv + ["--", prog]), timeout=60)
            self.check_usage_error(ran, option, " ".join(map(str, argv)))
        trace = self.path("zero.weft")
        self.weft.record(prog, trace, seed=1)
        for argv, option in ((["replay", "--times", 0], "--times"),
                             (["replay", "-n", 0], "-n"),
                             (["minimize", "--max-runs", 0], "--max-runs")):
            ran = self.weft.cmd(*(argv + [trace]), timeout=60)
            self.check_usage_error(ran, option, " ".join(map(str, argv)))

    def test_output_creates_parent_directories(self):
        racy = self.program("withdraw_racy")
        recorded = self.path("r", "e", "c", "rec.weft")
        ran = self.weft.cmd("record", "--seed", 1, "-o", recorded, "--", racy)
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertTrue(os.path.isfile(recorded), ran.describe())

        replayed = self.path("rep", "lay", "again.weft")
        ran = self.weft.cmd("replay", "-o", replayed, recorded)
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertTrue(os.path.isfile(replayed), ran.describe())

        outdir = self.path("ex", "plo", "re")
        ran, data = self.weft.explore(racy, 200, 1, outdir)
        self.assertEqual(ran.returncode, 1, ran.describe())
        failing = data["failures"][0]["trace"]
        self.assertTrue(failing.startswith(outdir) and os.path.isfile(failing), data)

        permuted = self.path("per", "mute", "p.weft")
        ran = self.weft.cmd("permute", failing, "--at", 2, "--thread", 1, "-o", permuted)
        self.assertIn(ran.returncode, (0, 1), ran.describe())
        self.assertTrue(os.path.isfile(permuted), ran.describe())

        minimized = self.path("mini", "mize", "m.weft")
        ran = self.weft.cmd("minimize", failing, "-o", minimized)
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertTrue(os.path.isfile(minimized), ran.describe())

        # A file where a directory must go is still an error that says so.
        blocker = self.path("blocker")
        open(blocker, "w").close()
        ran = self.weft.cmd("record", "-o", os.path.join(blocker, "x.weft"), "--", racy)
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn(blocker, ran.stderr)

    SINGULAR_SLIPS = re.compile(r"(?<![\d.])1 (runs|preemptions|schedules|events|threads|replays|"
                                r"failures|conflicts|switches)\b(?!/)")

    def test_one_of_a_thing_is_singular(self):
        ok = self.program("withdraw_ok")
        outputs = []
        ran = self.weft.cmd("explore", "--strategy", "bounded", "--preemptions", 1, "--runs",
                            500, "-o", self.path("b1"), "--", ok, timeout=COMMAND_TIMEOUT_S)
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertIn("at most 1 preemption at synchronization calls", ran.stderr)
        outputs.append(ran)
        ran = self.weft.cmd("explore", "--runs", 1, "-o", self.path("r1"), "--", ok)
        self.assertIn("1 run in", ran.stderr)
        self.assertIn("1 distinct schedule", ran.stderr)
        outputs.append(ran)
        trace = self.path("one.weft")
        self.weft.record(ok, trace, seed=1)
        outputs.append(self.weft.cmd("replay", "--times", 1, trace))
        outputs.append(self.weft.cmd("show", trace))
        outputs.append(self.weft.cmd("conflicts", trace))
        for ran in outputs:
            self.assertIsNone(self.SINGULAR_SLIPS.search(ran.stdout + ran.stderr), ran.describe())


class ForkServerGroup(WeftTestCase):
    """explore --spawn fork: the runs forked from a fork server are the runs an exec gives
    (same failing seeds, same events, same memory layout, same outcome), whether the server
    forks them at main or past it (at the first operation its runs cannot share: CPython's
    start-up is then done once), a trace of a forked run replays, and a program that is not
    fork-safe at main is exec'd with one line saying why."""

    RUNS = 40

    def explore_both(self, name, runs, extra=(), program=None, args=(), strategy="random"):
        docs = {}
        for spawn in ("exec", "fork"):
            out = self.path("%s-%s" % (name, spawn))
            ran, doc = self.weft.explore(program or self.program(name), runs, 1, out,
                                         keep_going=True, args=args,
                                         extra=["--strategy", strategy, "--no-stacks",
                                                "--no-explain", "--spawn", spawn] + list(extra))
            self.assertIn(ran.returncode, (0, 1), ran.describe())
            self.assertEqual(doc["runs"], runs, ran.describe())
            self.assertEqual(doc["spawn"], spawn, ran.describe())
            docs[spawn] = (ran, doc, out)
        return docs

    def check_same_runs(self, name, extra=(), late=True, program=None, args=(), runs=None,
                        strategy="random", why_not_late=r"not fork-safe after main: "):
        runs = runs or self.RUNS
        docs = self.explore_both(name, runs, extra, program, args, strategy)
        ran_exec, exec_doc, exec_out = docs["exec"]
        ran_fork, fork_doc, fork_out = docs["fork"]
        self.assertEqual(exec_doc["forked_runs"], 0, ran_exec.describe())
        self.assertEqual(fork_doc["forked_runs"], runs,
                         "not every run was forked:" + ran_fork.describe())
        self.assertEqual(fork_doc["forked_late_runs"], runs if late else 0, ran_fork.describe())
        self.assertIsNone(exec_doc["spawn_note"], ran_exec.describe())
        if late:
            self.assertNotIn("cannot fork", ran_fork.stderr, ran_fork.describe())
            self.assertIsNone(fork_doc["spawn_note"], ran_fork.describe())
        else:
            # Forked at main though a seeded search's runs could have been forked past it:
            # one line says why, and the JSON has it.
            self.check_one_fork_note(ran_fork, fork_doc, "past main",
                                     "they are forked at main", why_not_late)
        exec_seeds = [f["seed"] for f in exec_doc["failures"]]
        fork_seeds = [f["seed"] for f in fork_doc["failures"]]
        self.assertTrue(exec_seeds, "%s never failed in %d runs:%s"
                        % (name, runs, ran_exec.describe()))
        self.assertLess(len(exec_seeds), runs, ran_exec.describe())
        self.assertEqual(fork_seeds, exec_seeds,
                         "the forked runs failed at other seeds:" + ran_fork.describe())
        self.assertEqual(fork_doc["distinct_schedules"], exec_doc["distinct_schedules"])
        for fe, ff in zip(exec_doc["failures"], fork_doc["failures"]):
            a = self.weft.show_json(self.weft.failure_trace(fe, exec_out))
            b = self.weft.show_json(self.weft.failure_trace(ff, fork_out))
            label = "%s seed %d" % (name, fe["seed"])
            self.assertEqual(first_difference(event_keys(a), event_keys(b)), None, label)
            self.assertEqual(event_vtimes(a), event_vtimes(b), label)
            self.assertEqual(a["stdout"]["data"], b["stdout"]["data"], label)
            self.assertEqual(show_outcome_of(a["outcome"]), show_outcome_of(b["outcome"]), label)
        # The forked run's trace holds the whole run, what came before its fork point too.
        failure = fork_doc["failures"][0]
        trace = self.weft.failure_trace(failure, fork_out)
        self.check_replays(trace, self.weft.show_json(trace), times=2,
                           label="%s forked seed %d" % (name, failure["seed"]))
        return exec_doc, fork_doc

    def check_one_fork_note(self, ran, doc, where, then, why):
        """The one line of `ran`'s stderr that says runs were not forked as asked: it names
        the program, `where` it could not fork them and why (`why`, a regex), and what was
        done instead (`then`); the JSON's spawn_note is that line."""
        notes = [l for l in ran.stderr.splitlines() if "cannot fork" in l]
        self.assertEqual(len(notes), 1, ran.describe())
        note = notes[0]
        self.assertTrue(note.startswith("weft: note: cannot fork the runs of "), note)
        self.assertIn(os.path.basename(doc["program"][0]), note)
        self.assertIn(where, note)
        self.assertRegex(note, why)
        self.assertTrue(note.endswith(then), note)
        self.assertEqual(doc["spawn_note"], note[len("weft: note: "):], ran.describe())

    def test_forked_past_main_after_a_start_up_of_its_own(self):
        # 200 lock pairs, random bytes, a clock read around a sleep before the first thread:
        # the server runs them once, and every run prints what an exec'd one prints.
        # (pos: it draws a priority at every decision, so a chooser not fed the prefix's
        # decisions goes another way.)
        exec_doc, fork_doc = self.check_same_runs("fork_prefix_racy", strategy="pos")
        self.assertTrue(exec_doc["failures"])

    def test_output_before_the_first_thread_forks_at_main(self):
        # A line written to stderr before the first thread: the server past main cannot
        # share it, so the runs are forked at main (and each run writes the line itself).
        _, fork_doc = self.check_same_runs(
            "fork_prefix_racy", late=False, args=["stderr"],
            why_not_late=r"\(it is not fork-safe after main: it wrote to its stdout or stderr\)")
        self.assertTrue(fork_doc["failures"])
        trace = self.weft.failure_trace(fork_doc["failures"][0], self.path("fork_prefix_racy-fork"))
        self.assertIn("starting", self.weft.show_json(trace)["stdout"]["data"])

    def test_a_start_up_longer_than_the_timeout_is_not_waited_for(self):
        # A second or more of CPU before the first thread, a --timeout of 0.3 s: an exec'd run
        # times out in its start-up; the server past main does not reach its fork point in
        # that time either, so its runs are forked at main and time out the same way (not
        # forked after the start-up, which no run could have reached).
        runs = 3
        docs = self.explore_both("fork_prefix_racy", runs, args=["slow_start"],
                                 extra=["--timeout", "0.3"])
        for spawn in ("exec", "fork"):
            ran, doc, _ = docs[spawn]
            self.assertEqual(doc["failures_by_kind"], {"timeout": runs}, ran.describe())
        ran, doc, _ = docs["fork"]
        self.assertEqual(doc["forked_runs"], runs, ran.describe())
        self.assertEqual(doc["forked_late_runs"], 0, ran.describe())
        self.check_one_fork_note(ran, doc, "past main", "they are forked at main",
                                 r"\(its fork server did not reach its fork point: it did not "
                                 r"answer within 0\.3 s \(--timeout\)\)")

    def test_cpython_forked_after_its_start_up(self):
        # CPython's ~8,000 events of start-up (GIL, import locks) all come before the
        # script's first thread: its runs are forked there, and are the exec'd runs.
        if not os.access(PythonThreadsGroup.PYTHON, os.X_OK):
            self.skipTest("%s is not installed" % PythonThreadsGroup.PYTHON)
        self.check_same_runs("python_bank", program=PythonThreadsGroup.PYTHON,
                             args=[PythonThreadsGroup.SCRIPT], runs=60, strategy="pos")

    def test_bounded_and_conflicts_runs_forked_past_main(self):
        # The bounded search's runs follow a script of decisions (then run nonpreemptively),
        # the conflicts search's a trace's order with one reversal: their scripts are fed the
        # prefix's decisions as a seeded chooser is, so they are forked past main too, and
        # are the exec'd runs.
        self.check_same_runs("fork_prefix_racy", strategy="bounded")
        self.check_same_runs("fork_prefix_racy", strategy="conflicts", runs=30)

    def test_same_failing_seeds_and_events(self):
        self.check_same_runs("explain_bank_racy")

    def test_same_memory_layout(self):
        exec_doc, _ = self.check_same_runs("fork_layout_racy")
        # (the failing traces' stdout, compared above, holds the addresses)
        self.assertTrue(exec_doc["failures"])

    def test_same_runs_without_isolation_and_side_by_side(self):
        self.check_same_runs("explain_bank_racy", extra=["--no-isolation", "-j", "2"])

    def test_not_fork_safe_falls_back(self):
        runs = 10
        out = self.path("unsafe")
        ran, doc = self.weft.explore(self.program("fork_unsafe_ctor"), runs, 1, out,
                                     extra=["--spawn", "fork"])
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertEqual(doc["runs"], runs, ran.describe())
        self.assertEqual(doc["forked_runs"], 0, ran.describe())
        self.check_one_fork_note(ran, doc, "from a server", "they are exec'd",
                                 r"\(it is not fork-safe at main: it has fd \d+ \(/dev/null\) "
                                 r"open before main, which its runs would share\)")

    def test_bad_spawn_is_refused(self):
        ran = self.weft.cmd("explore", "--spawn", "vfork", "--", self.program("explain_bank_racy"))
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn("--spawn exec or --spawn fork", ran.stderr, ran.describe())
        help_text = self.weft.cmd("explore", "--help").stdout
        self.assertIn("--spawn HOW", help_text)


class UnmodelledBlockGroup(WeftTestCase):
    """A thread that holds the turn and blocks in a call weft does not model (a raw futex
    wait no hook sees; stdio's internal write to a full pipe) must not hang the program:
    after a while a waiting thread takes the turn, the blocked one goes on in parallel until
    its next synchronization call, and weft says the run is not deterministic there."""

    NOTE = "a thread blocked in a call weft does not model"

    def test_raw_futex_wait_gets_woken(self):
        prog = self.program("unmodelled_block_ok")
        for seed in (1, 2, 3):
            trace = self.path("raw-%d.weft" % seed)
            ran = self.weft.record(prog, trace, seed=seed)
            where = "seed %d:%s" % (seed, ran.describe())
            self.assertIn("waiter woke after 3 rounds", ran.stdout, where)
            self.assertIn("exited with code 0", ran.stderr, where)
            self.assertIn(self.NOTE, ran.stderr, where)
            # The trace keeps it: weft show says so too.
            self.assertIn(self.NOTE, self.weft.show_text(trace), where)

    def test_shell_pipeline_with_a_full_pipe(self):
        # seq writes 2.9 MB through stdio into a 1 MiB pipe before sort exists: its write
        # blocks inside libc, holding the turn the shell needs to start sort.
        trace = self.path("pipeline.weft")
        script = "seq 1 400000 | sort -rn | head -3"
        ran = self.weft.cmd("record", "-o", trace, "--timeout", 60, "--", "sh", "-c", script)
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertEqual(ran.stdout, "400000\n399999\n399998\n", ran.describe())
        self.assertIn("exited with code 0", ran.stderr, ran.describe())

    def test_correct_program_stays_deterministic(self):
        # No unmodelled block: nothing is taken, the note never appears, replays reproduce.
        prog = self.program("cond_loop_ok")
        trace = self.path("cond.weft")
        ran = self.weft.record(prog, trace, seed=4)
        self.assertNotIn(self.NOTE, ran.stderr, ran.describe())
        self.check_replays(trace, self.weft.show_json(trace), times=5, label="cond")


class FdsGroup(WeftTestCase):
    """weft's own descriptor in the program (the session memory) stays out of its way: the
    program's first open gets the number it gets natively, and a child that closes every
    descriptor it did not open before it execs (close_range, closefrom, a loop of close: what
    Python's subprocess does) still execs an image under control, whose run replays."""

    def test_first_open_gets_the_native_number(self):
        prog = self.program("closes_fds")
        native = run([prog, "firstfd"], timeout=10)
        self.assertEqual(native.returncode, 0, native.describe())
        ran = self.weft.record(prog, self.path("firstfd.weft"), args=["firstfd"])
        self.assertEqual(ran.stdout, native.stdout, ran.describe())

    def test_child_closing_every_fd_execs_under_control(self):
        e = self.entry("closes_fds")
        for mode in e["modes"]:
            with self.subTest(mode=mode):
                trace = self.path("closes-%s.weft" % mode)
                ran = self.weft.record(self.program("closes_fds"), trace, seed=3, args=[mode])
                self.assertRegex(ran.stdout.strip(), e["ok_output"], ran.describe())
                show = self.weft.show_json(trace)
                execs = [ev for ev in show["events"] if ev["kind"] == "exec"]
                # The exec'd image rejoined the session (arg 1), and its two threads ran
                # under control: their thread_create events are in the trace.
                self.assertEqual([ev["arg"] for ev in execs], [1], execs)
                creates = [ev for ev in show["events"] if ev["kind"] == "thread_create"]
                self.assertEqual(len(creates), 2, "%s: %s" % (mode, creates))
                self.check_replays(trace, show, times=3, label=mode)


class ReplaySeesTheRecordedRunGroup(WeftTestCase):
    """What a replay's program sees is what its recording's saw, even where the program reads
    something weft does not model: the directory the trace is in (weft writes no file there
    while a replay runs, unless it diverges), and the place where a thread back from a wait
    that is no event (a vfork caller's wait for the child's exec) resumes."""

    def test_replay_adds_no_file_to_the_programs_directory(self):
        # The program takes a lock once per entry of its working directory, where the trace
        # is: a replay that put a file of its own there would take it once more, and diverge.
        work = self.path("lists-dir")
        os.makedirs(work)
        trace = os.path.join(work, "lists.weft")
        ran = self.weft.cmd("record", "-o", trace, "--seed", 5, "--", self.program("lists_dir"),
                            cwd=work)
        self.assertEqual(ran.returncode, 0, ran.describe())
        for attempt in range(3):
            replayed = self.weft.cmd("replay", trace, "--times", 2, cwd=work)
            self.assertEqual(replayed.returncode, 0, "attempt %d:%s" % (attempt, replayed.describe()))
            self.assertIn("reproduced: 2 of 2", replayed.stderr, replayed.describe())
        self.assertEqual(sorted(os.listdir(work)), ["lists.weft"])

    def check_replays_in_a_changed_directory(self, record, work, label):
        """Records with `record` (-> the trace and the recording's stdout), adds a file to
        `work` and removes another, then replays: the replays must be the recording's, event
        for event, and the program's output the recording's (it is fed the recorded entries)."""
        for name in ("a.txt", "b.txt", "c.txt"):
            with open(os.path.join(work, name), "w") as f:
                f.write(name)
        trace, recorded_out = record()
        show = self.weft.show_json(trace)
        dirents = [i for i in show["inputs"] if i["kind"] == "dirent"]
        self.assertTrue(dirents, "%s: the trace recorded no directory entries" % label)
        os.unlink(os.path.join(work, "b.txt"))
        for name in ("out.txt", "d.txt"):
            with open(os.path.join(work, name), "w") as f:
                f.write(name)
        self.check_replays(trace, show, times=3, label=label)
        # What the program printed in the replay: the recording's.
        replayed = self.weft.cmd("replay", trace)
        self.assertEqual(replayed.returncode, 0, replayed.describe())
        self.assertEqual(replayed.stdout, recorded_out, replayed.describe())

    def test_a_replay_reads_the_recorded_directory_entries(self):
        # The C program takes a lock between the entries of a directory it lists (readdir
        # and readdir_r) while a second thread takes it too; CPython lists its script's
        # directory at each import (releasing its lock around every readdir). A file added
        # or removed after the recording changed their events ("a different event stream").
        prog = self.program("dir_entries_ok")
        e = self.entry("dir_entries_ok")
        for mode in e["modes"]:
            with self.subTest(mode=mode):
                work = self.path("entries-" + mode)
                os.makedirs(work)

                def record():
                    trace = self.path("entries-%s.weft" % mode)
                    ran = self.weft.record(prog, trace, seed=2, args=[mode, work])
                    self.assertRegex(ran.stdout.strip(), e["ok_output"], ran.describe())
                    self.assertIn("entries 5 ", ran.stdout, ran.describe())  # . .. a b c
                    return trace, ran.stdout

                self.check_replays_in_a_changed_directory(record, work, "entries-" + mode)
        if not os.access(PythonThreadsGroup.PYTHON, os.X_OK):
            self.skipTest("%s is not installed" % PythonThreadsGroup.PYTHON)
        work = self.path("entries-python")
        os.makedirs(work)
        script = os.path.join(work, "x.py")
        with open(script, "w") as f:
            f.write("import threading\n"
                    "n = 0\n"
                    "lock = threading.Lock()\n"
                    "def work():\n"
                    "    global n\n"
                    "    for _ in range(20):\n"
                    "        with lock:\n"
                    "            n += 1\n"
                    "ts = [threading.Thread(target=work) for _ in range(2)]\n"
                    "for t in ts: t.start()\n"
                    "import json\n"
                    "for t in ts: t.join()\n"
                    "print('n', n, json.dumps(sorted(__import__('os').listdir('.'))))\n")

        def record_python():
            trace = self.path("entries-python.weft")
            ran = self.weft.cmd("record", "-o", trace, "--seed", 3, "--timeout",
                                PROGRAM_TIMEOUT_S, "--", PythonThreadsGroup.PYTHON, script,
                                cwd=work)
            self.assertEqual(ran.returncode, 0, ran.describe())
            self.assertIn('n 40 ["a.txt", "b.txt", "c.txt", "x.py"]', ran.stdout,
                          ran.describe())
            return trace, ran.stdout

        self.check_replays_in_a_changed_directory(record_python, work, "entries-python")

    def test_random_device_bytes_are_the_recordings(self):
        # The threads' lock counts come from bytes of /dev/urandom: a replay that read other
        # bytes than its recording would take the lock another number of times.
        prog = self.program("urandom_seeded")
        e = self.entry("urandom_seeded")
        for mode in e["modes"]:
            outputs = set()
            for seed in (1, 2, 3):
                with self.subTest(mode=mode, seed=seed):
                    trace = self.path("urandom-%s-%d.weft" % (mode, seed))
                    ran = self.weft.record(prog, trace, seed=seed, args=[mode])
                    self.assertRegex(ran.stdout.strip(), e["ok_output"], ran.describe())
                    outputs.add(ran.stdout)
                    self.check_replays(trace, self.weft.show_json(trace), times=3,
                                       label="urandom %s seed %d" % (mode, seed))
            # The bytes are the session's stream: every recording reads the same ones.
            self.assertEqual(len(outputs), 1, "%s: %s" % (mode, outputs))

    def test_thread_back_from_a_spawn_wait_resumes_where_it_did(self):
        prog = self.program("resume_after_spawn")
        for seed in range(1, 7):
            trace = self.path("resume-%d.weft" % seed)
            ran = self.weft.record(prog, trace, seed=seed)
            self.assertRegex(ran.stdout.strip(), self.entry("resume_after_spawn")["ok_output"],
                             ran.describe())
            self.check_replays(trace, self.weft.show_json(trace), times=3, label="seed %d" % seed)


# RustGroup borrows these methods; they look up SEED/RUNS on self.
RustGroup.SEED = ExploreFindsBugsGroup.SEED
RustGroup.RUNS = CORRECT_RUNS
RustGroup.find_bug = ExploreFindsBugsGroup.find_bug
AtomicSitesGroup.SEED = ExploreFindsBugsGroup.SEED

class SpawnGroup(WeftTestCase):
    """Children started by posix_spawn, posix_spawnp, system, popen and vfork + exec run under
    control in the session, like fork + exec children: explore steers them, their runs replay,
    `weft show` groups their threads under their processes; a child that cannot start is
    reported as glibc reports it."""

    def explore_mode(self, mode, runs):
        outdir = self.path("spawn-%s" % mode)
        ran, result = self.weft.explore(self.program("spawn_stock_racy"), runs, 1, outdir,
                                        args=[mode])
        return ran, result, outdir

    def test_race_with_a_spawned_child(self):
        # The parent's seller and the child's read-check-write of one stock file: only a
        # scheduler that runs the child under control orders the child's read before the
        # parent's write (natively the child's start-up takes far longer than the sale).
        e = self.entry("spawn_stock_racy")
        for mode in e["modes"]:
            with self.subTest(mode=mode):
                ran, result, outdir = self.explore_mode(mode, e["budget"])
                self.assertTrue(result["failures"], "%s: not found in %d runs:%s"
                                % (mode, e["budget"], ran.describe()))
                trace = self.weft.failure_trace(result["failures"][0], outdir)
                show = self.weft.show_json(trace)
                self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 1), ran.describe())
                self.assertIn("oversold", show["stdout"]["data"])
                root = show["processes"][0]["pid"]
                # The child (and the shell system and popen start) exec'd under control.
                execs = [ev for ev in show["events"] if ev["kind"] == "exec"]
                self.assertTrue(execs, "%s: no exec in the trace" % mode)
                self.assertEqual([ev["arg"] for ev in execs], [1] * len(execs), execs)
                children = {t["tid"]: t["pid"] for t in show["threads"] if t["pid"] != root}
                self.assertTrue(children, "%s: no thread of a child process: %s"
                                % (mode, show["threads"]))
                kinds = {ev["kind"] for ev in show["events"] if ev["tid"] in children}
                for kind in ("mutex_lock", "file_read", "file_write", "process_exit"):
                    self.assertIn(kind, kinds, "%s: the child's %s is not in the trace"
                                  % (mode, kind))
                text = self.weft.show_text(trace)
                self.assertIn("  process %d:\n" % root, text)
                for pid in sorted(set(children.values())):
                    self.assertRegex(text, r"  process %d, started by T\d+, exec'd \S+.*:\n" % pid)
                self.assertRegex(text, r"exec'd \S+/spawn_stock_racy sell plain:\n")
                # The exec'd seller's events are named from its own image, however soon it
                # ended (its maps are read at its exit stop at the latest).
                sells = [ev for ev in show["events"]
                         if ev["tid"] in children and ev["kind"] == "mutex_lock"]
                self.assertTrue(sells)
                for ev in sells:
                    self.assertEqual(ev["location"]["function"], "SellOne", ev)
                self.check_replays(trace, show, times=5, label="spawn-%s" % mode)

    def test_locked_version_is_clean(self):
        for mode in ("posix_spawn-flock", "popen-flock"):
            with self.subTest(mode=mode):
                ran, result, _ = self.explore_mode(mode, 60)
                self.assertEqual(result["failures"], [], ran.describe())
                self.assertEqual(result["runs"], 60, ran.describe())

    def test_popen_output_needing_many_refills(self):
        # 589 KB through a pipe, read by glibc's stdio with its own read (no hook sees
        # it): the read must neither block holding the turn the writer needs, nor leave a
        # writer of another process judged by a stale view, nor keep an exiting shell (which
        # holds the pipe's write end) waiting for a reader whose turn was taken.
        e = self.entry("popen_refill_ok")
        prog = self.program("popen_refill_ok")
        for mode in e["modes"]:
            with self.subTest(mode=mode):
                trace = self.path("refill-%s.weft" % mode)
                ran = self.weft.cmd("record", "-o", trace, "--seed", 2, "--timeout", 60, "--",
                                    prog, mode)
                self.assertEqual(ran.returncode, 0, ran.describe())
                self.assertRegex(ran.stdout.strip(), e["ok_output"], ran.describe())
                self.assertIn("exited with code 0", ran.stderr, ran.describe())
                # Its writer uses write(), or seq's stdio into a pipe of 1 MiB: nothing blocks
                # unseen, nothing is taken.
                self.assertNotIn(UnmodelledBlockGroup.NOTE, ran.stderr, ran.describe())
                self.check_replays(trace, self.weft.show_json(trace), times=3,
                                   label="refill-%s" % mode)

    def test_stdio_reads_of_a_shared_pipe_stream_are_glibcs(self):
        # Two threads' getline of one pipe stream: the shim's fill of a stream's buffer for
        # getline gives up the turn while it waits, and must read the stream again after
        # (before, it read into what it had measured before the wait, past the end of the
        # buffer: the guard after it overwritten). A stream on a pipe's write end makes no
        # read at all: fgets and getline fail at once (before, they waited for data).
        e = self.entry("pipe_stream_shared_ok")
        prog = self.program("pipe_stream_shared_ok")
        for mode in e["modes"]:
            for seed in (1, 2, 3):
                with self.subTest(mode=mode, seed=seed):
                    trace = self.path("pipe-stream-%s-%d.weft" % (mode, seed))
                    ran = self.weft.cmd("record", "-o", trace, "--seed", seed, "--timeout", 30,
                                        "--", prog, mode)
                    self.assertEqual(ran.returncode, 0, ran.describe())
                    self.assertRegex(ran.stdout.strip(), e["ok_output"], ran.describe())
                    self.assertIn("exited with code 0", ran.stderr, ran.describe())
                    self.check_replays(trace, self.weft.show_json(trace), times=3,
                                       label="pipe-stream-%s-%d" % (mode, seed))

    def test_a_wait_for_a_childs_sigchld_ends(self):
        # The parent waits for SIGCHLD (sigsuspend, sigwaitinfo, pause), which the kernel
        # sends when the child has really ended: no event of the session. Before, once the
        # child was gone the waiting parent held the turn and nobody looked for the signal:
        # each mode timed out, and so did dash's `wait` builtin (sh -c 'true & wait').
        e = self.entry("sigchld_wait_ok")
        prog = self.program("sigchld_wait_ok")
        runs = [(mode, [prog, mode], e["ok_output"]) for mode in e["modes"]]
        runs.append(("sh", ["sh", "-c", "true & wait; echo waited"], "^waited$"))
        for label, argv, output in runs:
            with self.subTest(mode=label):
                trace = self.path("sigchld-%s.weft" % label)
                ran = self.weft.cmd("record", "-o", trace, "--seed", 1, "--timeout", 20, "--",
                                    *argv)
                self.assertFalse(ran.timed_out, "weft record hung:" + ran.describe())
                self.assertEqual(ran.returncode, 0, ran.describe())
                self.assertNotIn("timed out", ran.stderr, ran.describe())
                self.assertRegex(ran.stdout.strip(), output, ran.describe())
                self.check_replays(trace, self.weft.show_json(trace), times=3,
                                   label="sigchld-%s" % label)

    def test_a_write_to_a_peer_that_is_gone_replays(self):
        # A writer process whose peer is gone: a Unix socket's peer process closed it, a
        # loopback TCP server closed the connection, a pipe's reader exited. Its write dies
        # by SIGPIPE, which ends the process before the call returns: the write's event must
        # be in the trace all the same (before, a socket's was not, and the replay diverged
        # at that point, 0 of 5). A zero-length write to such a pipe returns 0 and raises
        # nothing: its events are plain writes of 0 bytes (before, each was recorded as a
        # failed write, -EPIPE).
        e = self.entry("peer_gone_write_ok")
        prog = self.program("peer_gone_write_ok")
        for mode in e["modes"]:
            with self.subTest(mode=mode):
                trace = self.path("peer-gone-%s.weft" % mode)
                ran = self.weft.cmd("record", "-o", trace, "--seed", 2, "--timeout", 20, "--",
                                    prog, mode)
                self.assertEqual(ran.returncode, 0, ran.describe())
                self.assertRegex(ran.stdout.strip(), e["ok_output"], ran.describe())
                show = self.weft.show_json(trace)
                sends = [ev for ev in show["events"] if ev["kind"] == "channel_send"]
                self.assertTrue(sends, "no channel_send events: %s" % ran.describe())
                failed = [ev for ev in sends if "failed" in ev["flags"]]
                if mode == "empty":
                    self.assertEqual(failed, [], "a write of 0 bytes does not fail")
                    self.assertEqual({ev["arg"] for ev in sends}, {0}, sends)
                else:
                    self.assertEqual(len(failed), 1, "the write SIGPIPE ended: %s" % sends)
                    self.assertIn(failed[0]["arg"], (-errno.EPIPE, -errno.ECONNRESET),
                                  failed[0])
                    self.assertIs(sends[-1], failed[0], "the failed write is the last one")
                self.check_replays(trace, show, times=3, label="peer-gone-%s" % mode)

    def test_raw_clone_child_is_a_process_of_the_session(self):
        # syscall(SYS_clone / SYS_clone3 / SYS_fork) makes a child no libc wrapper sees: it
        # must be a process of the session with a thread of its own (before, its events
        # were its parent's thread's, two processes acting as one thread), and replay.
        e = self.entry("raw_clone_ok")
        prog = self.program("raw_clone_ok")
        for mode in e["modes"]:
            with self.subTest(mode=mode):
                trace = self.path("raw-clone-%s.weft" % mode)
                ran = self.weft.record(prog, trace, seed=3, args=[mode])
                self.assertRegex(ran.stdout.strip(), e["ok_output"], ran.describe())
                show = self.weft.show_json(trace)
                self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
                self.assertEqual(len(show["processes"]), 2, show["processes"])
                root = show["processes"][0]["pid"]
                forks = [ev for ev in show["events"] if ev["kind"] == "fork"]
                self.assertEqual(len(forks), 1, forks)
                child = forks[0]["arg"]
                tids = {t["tid"] for t in show["threads"] if t["pid"] == child}
                self.assertEqual(len(tids), 1, show["threads"])
                locks = {ev["tid"] for ev in show["events"] if ev["kind"] == "mutex_lock"}
                self.assertEqual(len(locks), 2, "each process's lock on its own thread: %s"
                                 % locks)
                self.assertTrue(tids & locks, "the child's lock is not its thread's")
                waits = [ev for ev in show["events"] if ev["kind"] == "process_wait"]
                self.assertEqual([ev["arg"] for ev in waits], [child], waits)
                self.assertNotEqual(child, root)
                self.check_replays(trace, show, times=3, label="raw-clone-%s" % mode)

    def test_clone_sharing_memory_is_said_to_run_outside_control(self):
        # glibc's clone() with CLONE_VM and a stack of its own: a child the shim cannot follow
        # (it shares the parent's memory and TLS). The trace must not pass it over: a fork
        # event flagged external names it, weft show says it runs outside control, and the
        # parent's run replays.
        e = self.entry("clone_vm_ok")
        prog = self.program("clone_vm_ok")
        for mode in e["modes"]:
            with self.subTest(mode=mode):
                trace = self.path("clone-vm-%s.weft" % mode)
                ran = self.weft.record(prog, trace, seed=3, args=[mode])
                self.assertRegex(ran.stdout.strip(), e["ok_output"], ran.describe())
                show = self.weft.show_json(trace)
                self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
                self.assertEqual(len(show["processes"]), 1, show["processes"])
                forks = [ev for ev in show["events"] if ev["kind"] == "fork"]
                self.assertEqual(len(forks), 1, "the child is not in the trace: %s" % forks)
                self.assertIn("external", forks[0]["flags"], forks)
                self.assertGreater(forks[0]["arg"], 0, forks)
                self.assertIn("child pid %d, the child runs outside control" % forks[0]["arg"],
                              self.weft.show_text(trace))
                self.check_replays(trace, show, times=3, label="clone-vm-%s" % mode)

    def test_spawn_errors(self):
        # posix_spawn of a missing program returns ENOENT (the exec's errno, not the
        # child's 127), as does a file action that fails; system reports the shell's status.
        trace = self.path("spawn-errors.weft")
        ran = self.weft.record(self.program("spawn_stock_racy"), trace, seed=1, args=["errors"])
        self.assertIn("errors ok", ran.stdout, ran.describe())
        show = self.weft.show_json(trace)
        self.assertEqual(show_outcome_of(show["outcome"]), ("exit", 0), ran.describe())
        failed = [ev for ev in show["events"] if ev["kind"] == "exec" and ev["arg"] < 0]
        self.assertGreaterEqual(len(failed), 2, "the failed execs are not in the trace")
        self.check_replays(trace, show, times=3, label="spawn-errors")


GROUPS = {
    "manifest": ManifestGroup,
    "native": NativeGroup,
    "bad_inputs": BadInputsGroup,
    "record_replay": RecordReplayGroup,
    "explore_finds_bugs": ExploreFindsBugsGroup,
    "explore_correct": ExploreCorrectGroup,
    "deadlock": DeadlockGroup,
    "explain": ExplainGroup,
    "crash": CrashGroup,
    "virtual_time": VirtualTimeGroup,
    "fork": ForkGroup,
    "spawn": SpawnGroup,
    "fds": FdsGroup,
    "replay_world": ReplaySeesTheRecordedRunGroup,
    "fork_server": ForkServerGroup,
    "timeout": TimeoutGroup,
    "rust": RustGroup,
    "atomic_sites": AtomicSitesGroup,
    "atomic_sites_slow": AtomicSitesSlowGroup,
    "protocol": ProtocolGroup,
    "cli": CliGroup,
    "waits": WaitsGroup,
    "processes": ProcessesGroup,
    "processes_slow": ProcessesSlowGroup,
    "waits_slow": WaitsSlowGroup,
    "real_waits": RealWaitsGroup,
    "unmodelled_block": UnmodelledBlockGroup,
    "python_threads": PythonThreadsGroup,
    "explore_correct_slow": ExploreCorrectSlowGroup,
    "explore_seeds_slow": ExploreSeedsSlowGroup,
}


# ---------------------------------------------------------------------------------------
# Runner


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--weft", default=os.environ.get("WEFT_BIN"),
                        help="path of the weft binary (default: $WEFT_BIN)")
    parser.add_argument("--programs", default=os.environ.get("WEFT_PROGRAMS_DIR"),
                        help="directory of the built test programs ($WEFT_PROGRAMS_DIR)")
    parser.add_argument("--manifest", default=DEFAULT_MANIFEST)
    parser.add_argument("--group", action="append", choices=sorted(GROUPS),
                        help="group to run (repeatable; default: all but *_slow)")
    parser.add_argument("-k", dest="pattern", action="append",
                        help="only tests whose name contains this substring")
    parser.add_argument("--keep", action="store_true", help="keep temporary directories")
    parser.add_argument("--without", action="append", default=[],
                        help="a requirement the build lacks (e.g. rustc): its tests skip")
    parser.add_argument("--list", action="store_true", help="list the groups and exit")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)

    if args.list:
        for name, cls in GROUPS.items():
            doc = (cls.__doc__ or "").strip().split("\n")[0]
            print("%-22s %s" % (name, doc))
        return 0

    groups = args.group or [g for g in GROUPS if not g.endswith("_slow")]
    CONFIG.verbose = args.verbose
    CONFIG.keep = args.keep
    CONFIG.without = tuple(args.without)
    CONFIG.manifest_path = os.path.abspath(args.manifest)
    try:
        with open(CONFIG.manifest_path) as f:
            CONFIG.manifest = json.load(f)
    except (OSError, ValueError) as e:
        print("weft-integration: cannot read manifest %s: %s" % (CONFIG.manifest_path, e),
              file=sys.stderr)
        return 1

    if not args.programs or not os.path.isdir(args.programs):
        print("weft-integration: test programs directory %r not found: build the project "
              "(cmake --build build) and pass --programs build/tests/programs or set "
              "WEFT_PROGRAMS_DIR" % args.programs, file=sys.stderr)
        return 1
    CONFIG.programs = os.path.abspath(args.programs)

    if any(GROUPS[g].needs_weft for g in groups):
        if not args.weft or not (os.path.isfile(args.weft) and os.access(args.weft, os.X_OK)):
            print("weft-integration: weft binary not found at %r: build it "
                  "(cmake --build build --target weft) and pass --weft build/bin/weft or set "
                  "WEFT_BIN" % args.weft, file=sys.stderr)
            return 1
        CONFIG.weft = os.path.abspath(args.weft)
        problem = weft_protocol.capability_problem()
        if problem:
            print("weft-integration: skipped: %s" % problem, file=sys.stderr)
            return SKIP_EXIT_CODE

    loader = unittest.TestLoader()
    if args.pattern:
        loader.testNamePatterns = ["*%s*" % p for p in args.pattern]
    suite = unittest.TestSuite()
    for g in groups:
        suite.addTests(loader.loadTestsFromTestCase(GROUPS[g]))
    runner = unittest.TextTestRunner(verbosity=2 if args.verbose else 1, stream=sys.stderr)
    start = time.monotonic()
    result = runner.run(suite)
    sys.stderr.write("weft-integration: %s in %.1f s\n" % (", ".join(groups),
                                                             time.monotonic() - start))
    if not result.wasSuccessful():
        return 1
    if result.testsRun and len(result.skipped) == result.testsRun:
        return SKIP_EXIT_CODE
    return 0


if __name__ == "__main__":
    sys.exit(main())
