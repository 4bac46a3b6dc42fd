#!/usr/bin/env python3
"""names_test.py — what a user reads in stacks and thread lists: a helper inlined at -O1
still shows its caller, C++ std::threads and Rust spawned threads are named by the user's
function, creation sites are the user's line (not std_thread.h or Rust's std), Rust
symbols are demangled, and C++ names in text are short while JSON keeps them whole.

Runs as weft_integration.py's group "names" (same options):

  python3 names_test.py --weft build/bin/weft --programs build/tests/programs --group names
"""

import re
import sys

import weft_integration as wi
from weft_integration import CONFIG


def frames_by_id(show):
    return {f["id"]: f for f in show["frames"]}


def stack_chain(show, stack_id):
    """The source-level chain of a stack: [(function, file, line, inlined)], innermost
    first, each frame's inlined callers after it."""
    frames = frames_by_id(show)
    stacks = {s["id"]: s["frames"] for s in show["stacks"]}
    chain = []
    for fid in stacks.get(stack_id, []):
        f = frames[fid]
        callers = f["inlined_callers"]
        chain.append((f["function"], f["file"], f["line"], bool(callers)))
        for i, c in enumerate(callers):
            chain.append((c["function"], c["file"], c["line"], i + 1 < len(callers)))
    return chain


def thread_starts(show):
    return {t["tid"]: t["start_function"] for t in show["threads"]}


def thread_list(text):
    """The `threads:` section of `weft show`: {tid: line}."""
    lines = {}
    section = text.split("\nthreads:\n", 1)[1].split("\n\n", 1)[0]
    for line in section.splitlines():
        m = re.match(r"\s*T(\d+)\s+(.*)", line)
        if m:
            lines[int(m.group(1))] = m.group(2)
    return lines


def event_lines(text, kind):
    return [l for l in text.splitlines() if re.match(r"\s*\d+\s+\S+\s+T\d+\s+%s\b" % kind, l)]


class NamesGroup(wi.WeftTestCase):
    """Names in stacks and threads: inlined callers, demangled Rust, short C++ names in
    text, threads named by the user's callable, creation sites at the user's line."""

    def deadlocked_trace(self):
        e = self.entry("inline_transfer_racy")
        outdir = self.path("explore-inline")
        # NB: with stacks (explore records none by default): the tests read the blocked
        # threads' stacks.
        ran, result = self.weft.explore(self.program(e["name"]), e["budget"], 1, outdir,
                                        extra=["--stack-depth", "32"])
        self.assertIsNotNone(result["first_failure_run"], "no deadlock in %d runs:%s"
                             % (e["budget"], ran.describe()))
        failure = result["failures"][0]
        self.assertIs(failure["deadlock"], True, "not a deadlock: %s" % failure)
        return self.weft.failure_trace(failure, outdir)

    def test_inlined_helper_shows_its_caller(self):
        trace = self.deadlocked_trace()
        show = self.weft.show_json(trace)
        blocked = [b for b in show["outcome"]["blocked"] if b["kind"] == "mutex_lock"]
        self.assertEqual(len(blocked), 2, "two threads blocked on mutexes: %s" % blocked)
        callers = set()
        for b in blocked:
            chain = stack_chain(show, b["stack"])
            names = [c[0] for c in chain]
            self.assertIn("transfer", names, "transfer missing from the stack: %s" % chain)
            at = names.index("transfer")
            self.assertTrue(chain[at][3], "transfer is not marked inlined: %s" % chain)
            caller = chain[at + 1]
            self.assertIn(caller[0], ("a_to_b", "b_to_a"),
                          "the function transfer was inlined into is missing: %s" % chain)
            self.assertTrue(caller[1].endswith("inline_transfer_racy.c") and caller[2] > 0,
                            "the inlined call has no call site: %s" % (caller,))
            callers.add(caller[0])
            # The site of the blocked lock is the user's line inside transfer.
            self.assertEqual(b["location"]["function"], "transfer", b)
        self.assertEqual(callers, {"a_to_b", "b_to_a"})
        self.assertEqual({thread_starts(show)[b["tid"]] for b in blocked}, {"a_to_b", "b_to_a"})
        # What the user reads: each blocked thread's stack names its caller.
        text = self.weft.show_text(trace)
        outcome = text.split("\noutcome:", 1)[1]
        self.assertRegex(outcome, r"transfer \(inline_transfer_racy\.c:\d+\) \[inlined\]\n"
                                  r"\s+#\d+\s+0x[0-9a-f]+\s+a_to_b \(inline_transfer_racy\.c:\d+\)")
        self.assertRegex(outcome, r"b_to_a \(inline_transfer_racy\.c:\d+\)")
        # weft conflicts shows the chain too, text and JSON.
        ran = self.weft.cmd("conflicts", trace)
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertIn("transfer (inline_transfer_racy.c:", ran.stdout)
        self.assertRegex(ran.stdout, r"\[inlined\]\n\s+(a_to_b|b_to_a) \(inline_transfer_racy")
        ran = self.weft.cmd("conflicts", trace, "--json")
        doc = wi.document(self, ran, "conflicts")
        sides = [c[s] for c in doc["conflicts"] for s in ("first", "second")]
        functions = {(f["function"], f["inlined"]) for s in sides for f in s["stack"]}
        self.assertIn(("transfer", True), functions)
        self.assertTrue({("a_to_b", False), ("b_to_a", False)} & functions, functions)

    def test_cpp_threads_are_named_by_their_callable(self):
        trace = self.path("cpp_threads.weft")
        self.weft.record(self.program("cpp_threads_ok"), trace, seed=1)
        show = self.weft.show_json(trace)
        starts = thread_starts(show)
        self.assertEqual(len(starts), 3, starts)
        self.assertIn("Auditor", starts[1])
        self.assertIn("StartTellers", starts[2])
        self.assertIn("lambda", starts[2])
        for tid in (1, 2):
            self.assertNotIn("__invoke", starts[tid])
        text = self.weft.show_text(trace)
        threads = thread_list(text)
        self.assertTrue(threads[1].startswith("Auditor("), threads)
        self.assertTrue(threads[2].startswith("StartTellers::{lambda"), threads)
        # Creation sites are main's and StartTellers' lines, not libstdc++'s std_thread.h.
        creates = [e for e in show["events"] if e["kind"] == "thread_create"]
        self.assertEqual(len(creates), 2, creates)
        for e in creates:
            self.assertTrue(e["location"]["file"].endswith("cpp_threads_ok.cpp"), e["location"])
        sites = sorted(e["location"]["function"] for e in creates)
        self.assertEqual(sites[1], "main", sites)
        self.assertTrue(sites[0].startswith("(anonymous namespace)::StartTellers"), sites)
        lines = event_lines(text, "thread_create")
        self.assertEqual(len(lines), 2, lines)
        for line in lines:
            self.assertIn("cpp_threads_ok.cpp:", line)
            self.assertNotIn("std_thread.h", line)
        # Short names in text: no 250-character lines, std::string for basic_string<…>...
        longest = max(text.splitlines(), key=len)
        self.assertLessEqual(len(longest), 200, "a line of %d characters: %s"
                             % (len(longest), longest))
        self.assertNotIn("basic_string", text)
        self.assertRegex(text, r"RecordEntry\(std::string const&, std::map<…>&, int\) "
                               r"\(cpp_threads_ok\.cpp:\d+\)")
        # ...and the full names in JSON.
        functions = [f["function"] for f in show["frames"]]
        functions += [c["function"] for f in show["frames"] for c in f["inlined_callers"]]
        self.assertTrue(any("std::__cxx11::basic_string<char" in f and "RecordEntry" in f
                            for f in functions), "the full name of RecordEntry is not in the JSON")

    def test_rust_symbols_and_spawned_threads(self):
        trace = self.path("rust_spawn.weft")
        self.weft.record(self.program("rust_spawn_ok"), trace, seed=1)
        show = self.weft.show_json(trace)
        functions = [f["function"] for f in show["frames"]]
        functions += [c["function"] for f in show["frames"] for c in f["inlined_callers"]]
        mangled = [f for f in functions if f.startswith(("_R", "_ZN"))
                   or re.search(r"::h[0-9a-f]{16}$", f)]
        self.assertEqual(mangled, [], "symbols left mangled or with their hash")
        # Both schemes occur: the program's crate is mangled the legacy way, the
        # precompiled std the v0 way ("<std::sys::…::Thread>::new" is v0's impl path).
        self.assertIn("rust_spawn_ok::main", functions)
        self.assertTrue(any(f.startswith("std::") for f in functions), functions)
        self.assertTrue(any(f.startswith("<std::") for f in functions), functions)
        starts = thread_starts(show)
        for tid in (1, 2):
            self.assertIn("start_counters", starts[tid], starts)
            self.assertIn("closure", starts[tid], starts)
        text = self.weft.show_text(trace)
        threads = thread_list(text)
        self.assertTrue(threads[1].startswith("rust_spawn_ok::start_counters::"), threads)
        self.assertRegex(text, r"futex_wake .* rust_spawn_ok::start_counters::\{\{closure\}\}"
                               r"::\{\{closure\}\} \(rust_spawn_ok\.rs:\d+\)")
        joins = event_lines(text, "thread_join")
        self.assertEqual(len(joins), 2, joins)
        for line in joins:
            # (the location column, then perhaps the preemption column: "preempts T2")
            self.assertRegex(line, r"rust_spawn_ok::main \(rust_spawn_ok\.rs:\d+\)( +preempts T\d+)?$")
        # The threads are created at the user's line, not inside Rust's std.
        creates = [e for e in show["events"] if e["kind"] == "thread_create"]
        self.assertEqual(len(creates), 2, creates)
        for e in creates:
            self.assertTrue(e["location"]["file"].endswith("rust_spawn_ok.rs"), e["location"])
            self.assertIn("start_counters", e["location"]["function"])

    def setUp(self):
        super().setUp()
        if "rust" in self._testMethodName and "rustc" in CONFIG.without:
            self.skipTest("this build was configured without rustc")


wi.GROUPS["names"] = NamesGroup

if __name__ == "__main__":
    sys.exit(wi.main())
