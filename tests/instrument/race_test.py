#!/usr/bin/env python3
"""race_test.py — data-race reports end to end, as a user gets them: programs built with
`weft cc` / `weft c++` (gcc and clang) that race — the lost-update counter, a torn 16-byte
read, an unordered_map check-then-insert whose lock covers only the lookup — are explored,
recorded and replayed; the reports are ThreadSanitizer-shaped, name both racing lines, and
those are the lines ThreadSanitizer itself names for the same program built with
-fsanitize=thread and run natively. The fixed versions report no race. `--fail-on-race`
turns the first race into a failure.

The classic shapes (shape_*.c, shape_vector.cpp: the "reorder" setters, a work-stealing queue
whose steal forgets the lock, lazy initialisation without a barrier, message passing without
release/acquire, a non-atomic reference count, a counter under two different locks, an order
violation, an atomicity violation made of atomics, a std::vector shared without a lock) are
each explored with the strategy that finds them, the failure replayed 20 of 20 times with the
same events, the pairs of racing lines compared with ThreadSanitizer's, and the fixed version
explored 500 times with no failure and no race (`--quick`: the two fast shapes, 50 runs, and
the one-report-per-race check). Two reports never name the same pair of lines on the same
address (gcc's `x += n` is a read and a write call: one race, as ThreadSanitizer reports it),
while two variables raced on one line are two (race_lines.c, against ThreadSanitizer's count).
An order violation through a heap block (race_order.c) names ThreadSanitizer's lines: a field
read against the block's allocation, which is the previous write of memory nobody wrote since.
A Rust program built with `weft flags --rustflags` (`-Zsanitizer=thread -Zexternal-clangrt`,
weft's runtime linked before libc; linked after it, weft says the program's malloc is not the
runtime's) is found and replayed the same way, and so is a std::sync::Mutex check-then-act
(race_rust_mutex.rs) whose fixed version reports no race in 500 runs: std is prebuilt without
the instrumentation, its Mutex's contended path reaches weft as atomic sites (skipped when
rustc cannot instrument).

  python3 race_test.py --weft build/bin/weft [--quick] [-v] [-k PATTERN]

Standard library only.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
WEFT = None
COMPILERS = {"gcc": ("gcc", "g++"), "clang": ("clang", "clang++")}
TIMEOUT_S = 300
RUNS = "100"

# program → (source, C++?, the marker comments of the lines the race is between)
PROGRAMS = {
    "counter": ("race_counter.c", False, ("RACE-LINE", "RACE-LINE")),
    "torn": ("race_torn.c", False, ("READ-LINE", "WRITE-LINE")),
    "map": ("race_map.cpp", True, ("LOOKUP-LINE", "INSERT-LINE")),
}


# shape → (source, strategy that finds it within RUNS, arguments, fails: an observable failure
# is expected (else only a race), the pairs of marker lines that race — every pair weft names
# must be one of them, and weft and ThreadSanitizer must name one in common; []: no race)
SHAPES = {
    "reorder": ("shape_reorder.c", "random", (), True,
                [("SET-A-LINE", "SET-A-LINE"), ("SET-B-LINE", "SET-B-LINE"),
                 ("SET-A-LINE", "CHECK-A-LINE"), ("SET-B-LINE", "CHECK-B-LINE")]),
    "steal": ("shape_steal.c", "conflicts", (), True,
              [("POP-LINE", "STEAL-CHECK-LINE"), ("POP-CHECK-LINE", "STEAL-TAKE-LINE"),
               ("STEAL-CHECK-LINE", "PUSH-LINE"), ("STEAL-READ-LINE", "PUSH-STORE-LINE")]),
    "lazy_init": ("shape_lazy_init.c", "random", (), True,
                  [("FILL-LINE", "USE-LINE"), ("FAST-CHECK-LINE", "SET-READY-LINE")]),
    "message": ("shape_message.c", "random", (), False,
                [("MESSAGE-WRITE-LINE", "MESSAGE-READ-LINE"),
                 ("FLAG-WRITE-LINE", "FLAG-READ-LINE")]),
    "message_relaxed": ("shape_message.c", "random", ("relaxed",), False,
                        [("MESSAGE-WRITE-LINE", "MESSAGE-READ-LINE")]),
    "refcount": ("shape_refcount.c", "random", (), True,
                 [("DROP-LINE", "DROP-LINE"), ("RELEASE-READ-LINE", "WORK-WRITE-LINE")]),
    "stats": ("shape_stats.c", "random", (), True, [("READ-STATS-LINE", "WRITE-STATS-LINE")]),
    # (the field's store right after the malloc is the same access as the allocation, as
    # ThreadSanitizer has it: a report names either line)
    "order": ("shape_order.c", "random", (), True,
              [("USE-LINE", "INIT-LINE"), ("USE-FIELD-LINE", "LOAD-FIELD-LINE"),
               ("USE-FIELD-LINE", "ALLOC-LINE")]),
    "atomic_bank": ("shape_atomic_bank.c", "random", (), True, []),
    "vector": ("shape_vector.cpp", "random", (), True,
               [("PUSH-LINE", "SIZE-LINE"), ("PUSH-LINE", "SCAN-LINE")]),
}
QUICK_SHAPES = ("stats", "lazy_init")
FIXED_RUNS = 500
QUICK = False
TSAN_TRIES = 10  # native ThreadSanitizer runs, until one names a pair


def run(argv, env=None):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env, timeout=TIMEOUT_S)


def marker_line(source, marker):
    with open(os.path.join(HERE, source)) as f:
        for number, line in enumerate(f, 1):
            if "// " + marker in line:
                return number
    raise AssertionError("no %s in %s" % (marker, source))


def user_line(frames, source):
    """The first frame in `source` of a stack with a line: its line (frames: (file, line)
    pairs). A line 0 is code the compiler made without a line (clang's merged loads)."""
    for file, line in frames:
        if file.endswith("/" + source) and line > 0:
            return line
    return None


def tsan_pairs(text, source):
    """The pairs of `source` lines each ThreadSanitizer report in `text` names."""
    pairs = []
    for report in text.split("WARNING: ThreadSanitizer: data race")[1:]:
        blocks = re.split(r"\n  (?:Previous )?(?:atomic )?(?:[Rr]ead|[Ww]rite) of size", report)
        lines = []
        for block in blocks[1:3]:
            frames = re.findall(r"^    #\d+ .* (\S+?):(\d+)(?::\d+)? \(", block, re.M)
            lines.append(user_line([(f, int(n)) for f, n in frames], source))
        if len(lines) == 2 and None not in lines:
            pairs.append(tuple(sorted(lines)))
    return pairs


def json_pairs(races, source):
    pairs = []
    for race in races:
        lines = [user_line([(f["file"], f["line"]) for f in race[side]["frames"]], source)
                 for side in ("current", "previous")]
        if None not in lines:
            pairs.append(tuple(sorted(lines)))
    return pairs


def line_reports(races, source):
    """(pair of lines, address) of each race that names two lines of `source`."""
    out = []
    for race in races:
        pair = json_pairs([race], source)
        if pair:
            out.append((pair[0], race["address"]))
    return out


def innermost_reports(races):
    """(the two accesses' innermost file:line, unordered; the address) of each race: what
    weft deduplicates reports by (analysis/race.h)."""
    out = []
    for race in races:
        ends = [(race[s]["frames"][0]["file"], race[s]["frames"][0]["line"])
                if race[s]["frames"] else None for s in ("current", "previous")]
        if None not in ends and 0 not in (ends[0][1], ends[1][1]):
            out.append((tuple(sorted(ends)), race["address"]))
    return out


class Races(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="weft-races-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def build(self, family, name, tsan=False):
        source, cxx, _ = PROGRAMS[name]
        out = os.path.join(self.work, "%s-%s%s" % (name, family, "-tsan" if tsan else ""))
        compiler = COMPILERS[family][1 if cxx else 0]
        if tsan:
            argv = [compiler, "-fsanitize=thread"]
        else:
            argv = [WEFT, "c++" if cxx else "cc"]
        env = dict(os.environ, WEFT_CC=COMPILERS[family][0], WEFT_CXX=COMPILERS[family][1])
        done = run(argv + ["-g", "-O1", os.path.join(HERE, source), "-o", out, "-pthread"],
                   env=env)
        if tsan and done.returncode != 0:
            return None  # no ThreadSanitizer runtime for this compiler here
        self.assertEqual(done.returncode, 0, done.stderr)
        return out

    def explore(self, program, *args, options=()):
        out = os.path.join(self.work, "explore-" + os.path.basename(program))
        done = run([WEFT, "explore", "--runs", RUNS, "--seed", "1", "-o", out, "--json",
                    *options, "--", program, *args])
        self.assertIn(done.returncode, (0, 1), done.stderr)
        return json.loads(done.stdout), done

    def expected_lines(self, name):
        source, _, markers = PROGRAMS[name]
        return tuple(sorted(marker_line(source, m) for m in markers))

    def test_explore_reports_the_lines_tsan_names(self):
        for family in COMPILERS:
            for name, (source, _, _) in PROGRAMS.items():
                with self.subTest(compiler=family, program=name):
                    program = self.build(family, name)
                    result, _ = self.explore(program)
                    self.assertTrue(result["races_checked"])
                    self.assertTrue(result["races"], "no race found in %s runs" % RUNS)
                    ours = json_pairs(result["races"], source)
                    expected = self.expected_lines(name)
                    self.assertIn(expected, ours)
                    native = self.build(family, name, tsan=True)
                    if native is not None:
                        tsan = run(["setarch", "-R", native])
                        self.assertIn(expected, tsan_pairs(tsan.stderr, source), tsan.stderr)
                    # The saved run replays with the same race.
                    trace = [r["trace"] for r in result["races"]
                             if expected in json_pairs([r], source)][0]
                    replay = run([WEFT, "replay", "--json", trace])
                    replayed = json.loads(replay.stdout)
                    self.assertTrue(replayed["reproduced"], replay.stderr)
                    self.assertIn(expected, json_pairs(replayed["races"], source))

    def test_fixed_versions_have_no_race(self):
        for family in COMPILERS:
            for name in PROGRAMS:
                with self.subTest(compiler=family, program=name):
                    program = self.build(family, name)
                    result, done = self.explore(program, "fixed")
                    self.assertTrue(result["races_checked"])
                    self.assertEqual(result["races"], [], done.stderr)
                    self.assertEqual(result["failures"], [])
                    self.assertIn("no data race in 5 runs", run(
                        [WEFT, "explore", "--runs", "5", "-o", self.work + "/x", "--",
                         program, "fixed"]).stderr)

    def test_record_prints_a_tsan_shaped_report(self):
        program = self.build("gcc", "counter")
        trace = os.path.join(self.work, "counter.weft")
        done = run([WEFT, "record", "--seed", "1", "-o", trace, "--", program])
        self.assertEqual(done.returncode, 0, done.stderr)
        line = marker_line("race_counter.c", "RACE-LINE")
        self.assertIn("WARNING: ThreadSanitizer: data race (weft: trace %s, " % trace, done.stderr)
        self.assertRegex(done.stderr, r"\n  (Read|Write) of size 8 at 0x[0-9a-f]+ by thread T\d:\n"
                                      r"    #0 Add \S*race_counter.c:%d \(" % line)
        self.assertIn("SUMMARY: ThreadSanitizer: data race", done.stderr)
        self.assertIn("race_counter.c:%d in Add" % line, done.stderr)
        # --fail-on-race: exit 1, the trace kept; show lists the events and the race.
        failing = run([WEFT, "record", "--seed", "1", "--fail-on-race", "-o", trace, "--",
                       program])
        self.assertEqual(failing.returncode, 1, failing.stderr)
        shown = run([WEFT, "show", trace]).stdout
        # (the object column names the variable when debug info has it: "memory#5 count")
        self.assertTrue(re.search(r"mem_(read|write) +memory#\d+( \S+)? +8 bytes at 0x", shown),
                        shown[:3000])
        self.assertTrue(re.search(r"data races: [1-9]", shown), shown[-3000:])
        # The first run's other thread may run its whole loop before count is shared (its
        # accesses are then prior accesses, not events): a run with the sites it learned
        # makes both threads' accesses events, and weft conflicts pairs them.
        learned = os.path.join(self.work, "counter-learned.weft")
        done = run([WEFT, "record", "--seed", "1", "--memory-sites", trace, "-o", learned, "--",
                    program])
        self.assertIn(done.returncode, (0, 1), done.stderr)
        conflicts = json.loads(run([WEFT, "conflicts", "--json", learned]).stdout)
        memory = [c for c in conflicts["conflicts"] if c["first"]["memory"] is not None]
        self.assertTrue(memory, "no memory pair in weft conflicts")
        self.assertEqual(memory[0]["first"]["memory"]["size"], 8)

    def test_one_report_per_race(self):
        """gcc's `total += n` against the other thread's: one report (ThreadSanitizer's one),
        not one per pair of its read and write calls; two variables on one line: two."""
        source = "race_lines.c"
        total = marker_line(source, "TOTAL-LINE")
        counts = marker_line(source, "COUNTS-LINE")
        for family in COMPILERS:
            with self.subTest(compiler=family):
                program = self.build_source(family, source)
                trace = os.path.join(self.work, "lines-%s.weft" % family)
                done = run([WEFT, "record", "--seed", "1", "-o", trace, "--", program])
                self.assertEqual(done.returncode, 0, done.stderr)
                races = json.loads(run([WEFT, "show", "--json", trace]).stdout)["races"]
                reports = line_reports(races, source)
                ours = sorted(pair for pair, _ in reports)
                self.assertEqual(ours, [(total, total), (counts, counts), (counts, counts)],
                                 races)
                self.assertEqual(len(set(reports)), 3, races)  # hits and misses: two addresses
                self.assertEqual(done.stderr.count("WARNING: ThreadSanitizer: data race"), 3)
                # explore's list across its runs: the same three.
                result, _ = self.explore(program)
                self.assertEqual(sorted(json_pairs(result["races"], source)), ours)
                native = self.build_source(family, source, tsan=True)
                if native is not None:
                    tsan = run(["setarch", "-R", native])
                    self.assertEqual(sorted(tsan_pairs(tsan.stderr, source)), ours,
                                     tsan.stderr)
                fixed, done = self.explore(program, "fixed")
                self.assertEqual(fixed["races"], [], done.stderr)

    def test_order_names_the_lines_tsan_names(self):
        """An order violation through a heap block (race_order.c: main callocs a job, sets its
        id, publishes the pointer with a plain store; the worker waits for it and reads the id
        and the state): weft's reports name the pairs of lines ThreadSanitizer's name — the
        pointer's, and each field read against the calloc (the block's allocation is the
        previous write, the id's store right after it the same access, as TSan has it)."""
        source = "race_order.c"
        line = {m: marker_line(source, m) for m in (
            "WAIT-LINE", "PUBLISH-LINE", "READ-ID-LINE", "READ-STATE-LINE", "ALLOC-LINE")}
        expected = {tuple(sorted((line["WAIT-LINE"], line["PUBLISH-LINE"]))),
                    tuple(sorted((line["READ-ID-LINE"], line["ALLOC-LINE"]))),
                    tuple(sorted((line["READ-STATE-LINE"], line["ALLOC-LINE"])))}
        for family in COMPILERS:
            with self.subTest(compiler=family):
                native = self.build_source(family, source, tsan=True)
                if native is not None:
                    tsan = run(["setarch", "-R", native])
                    self.assertEqual(set(tsan_pairs(tsan.stderr, source)), expected, tsan.stderr)
                program = self.build_source(family, source)
                result, done = self.explore(program)
                self.assertTrue(result["races_checked"])
                self.assertEqual(set(json_pairs(result["races"], source)), expected,
                                 done.stderr[-3000:])
                # The text report of the state's race: the read, then the calloc's line.
                trace = [r["trace"] for r in result["races"]
                         if (line["READ-STATE-LINE"], line["ALLOC-LINE"]) in
                         [tuple(sorted(p)) for p in json_pairs([r], source)]][0]
                replay = run([WEFT, "replay", trace])
                self.assertRegex(replay.stderr, r"\n  Read of size 8 at 0x[0-9a-f]+ by thread T1:\n"
                                 r"    #0 Worker \S*race_order.c:%d \((.|\n)*?\n"
                                 r"  Previous write of size 8 at 0x[0-9a-f]+ by main thread:\n"
                                 r"    #0 main \S*race_order.c:%d " %
                                 (line["READ-STATE-LINE"], line["ALLOC-LINE"]))
                fixed, done = self.explore(program, "fixed")
                self.assertEqual(fixed["races"], [], done.stderr[-3000:])

    def test_map_first_report_names_the_check_and_the_insert(self):
        """race_map.cpp's check-then-insert, explored to its first failure: the first race
        report of the failing run is the one a user needs, the other thread's lookup under the
        lock (a read) against this thread's insert without it (a write) — ThreadSanitizer's
        pair — not two inserts racing inside the map (the failing run interleaves them too)."""
        source = "race_map.cpp"
        lookup = marker_line(source, "LOOKUP-LINE")
        insert = marker_line(source, "INSERT-LINE")
        for family in COMPILERS:
            with self.subTest(compiler=family):
                program = self.build(family, "map")
                result, done = self.explore(program)
                self.assertTrue(result["failures"], done.stderr[-3000:])
                trace = result["failures"][0]["trace"]
                first = [r for r in result["races"] if r["trace"] == trace][0]
                sides = {s: user_line([(f["file"], f["line"]) for f in first[s]["frames"]],
                                      source) for s in ("current", "previous")}
                self.assertEqual((first["current"]["kind"], sides["current"],
                                  first["previous"]["kind"], sides["previous"]),
                                 ("write", insert, "read", lookup), first)
                # The replay's first text report says the same.
                replay = run([WEFT, "replay", trace])
                text = replay.stderr[replay.stderr.index("WARNING: ThreadSanitizer: data race"):]
                text = text[:text.index("SUMMARY")]
                self.assertEqual(tsan_pairs(text, source), [(lookup, insert)], text)

    def build_source(self, family, source, tsan=False):
        out = os.path.join(self.work, "%s-%s%s" % (source.split(".")[0], family,
                                                    "-tsan" if tsan else ""))
        compiler = COMPILERS[family][0]
        argv = [compiler, "-fsanitize=thread"] if tsan else [WEFT, "cc"]
        env = dict(os.environ, WEFT_CC=COMPILERS[family][0], WEFT_CXX=COMPILERS[family][1])
        done = run(argv + ["-g", "-O1", os.path.join(HERE, source), "-o", out, "-pthread"],
                   env=env)
        if tsan and done.returncode != 0:
            return None  # no ThreadSanitizer runtime for this compiler here
        self.assertEqual(done.returncode, 0, done.stderr)
        return out

    def test_location_is_the_global_at_the_raced_bytes(self):
        """A race on `hits`, which shares its 8-byte granule with `ready` (race_neighbours.c):
        the report's location is `hits`, as ThreadSanitizer names it, not the granule's first
        global; `weft show` names it on the accesses' events too."""
        source = "race_neighbours.c"
        line = marker_line(source, "HITS-LINE")
        for family in COMPILERS:
            with self.subTest(compiler=family):
                program = self.build_source(family, source)
                result, done = self.explore(program)
                self.assertTrue(result["races"], "no race found in %s runs" % RUNS)
                for race in result["races"]:
                    self.assertEqual(json_pairs([race], source), [(line, line)], race)
                    self.assertEqual(race["global"], "hits", race)
                trace = result["races"][0]["trace"]
                replayed = run([WEFT, "replay", trace]).stderr
                self.assertIn("\n  Location is global 'hits' at 0x", replayed)
                self.assertNotIn("global 'ready'", replayed)
                shown = run([WEFT, "show", trace]).stdout
                # Each access's event names the global at its own address (main reads both).
                named = set(re.findall(r"mem_(?:read|write) +memory#\d+ (\w+) +4 bytes at "
                                       r"0x([0-9a-f]+) ", shown))
                hits = "%x" % race["address"]
                ready = "%x" % (race["address"] - 4)
                self.assertIn(("hits", hits), named, shown[:2000])
                self.assertEqual({a for n, a in named if n == "hits"}, {hits}, named)
                self.assertEqual({a for n, a in named if n == "ready"} - {ready}, set(), named)
                objects = json.loads(run([WEFT, "show", "--json", trace]).stdout)["objects"]
                granule = [o for o in objects if o["kind"] == "memory" and
                           any(p["symbol"] == "hits" for p in o["parts"])]
                self.assertEqual([(o["symbol"], o["parts"]) for o in granule],
                                 [("ready", [{"offset": 4, "symbol": "hits"}])], objects)
                native = self.build_source(family, source, tsan=True)
                if native is not None:
                    tsan = run(["setarch", "-R", native])
                    self.assertIn("Location is global 'hits' of size 4", tsan.stderr)
                fixed, done = self.explore(program, "fixed")
                self.assertEqual(fixed["races"], [], done.stderr)

    def test_fail_on_race_stops_explore(self):
        """A race that never fails the program (shape_message: message passing without
        release/acquire) is no failure by default; with --fail-on-race the first run with one
        is a failure by the race alone, saved, and the search stops there. (The lost-update
        counter cannot show it: its racing runs lose an update and fail on their own.)"""
        for family in COMPILERS:
            with self.subTest(compiler=family):
                program = self.build_source(family, "shape_message.c")
                result, _ = self.explore(program)
                self.assertEqual(result["failures"], [])
                self.assertTrue(result["races"])
                result, done = self.explore(program, options=("--fail-on-race",))
                self.assertEqual(len(result["failures"]), 1, done.stderr[-3000:])
                failure = result["failures"][0]
                self.assertTrue(failure["race"], failure)
                self.assertEqual(failure["exit_code"], 0)
                self.assertEqual(result["runs"], failure["run"])
                self.assertTrue(os.path.exists(failure["trace"]))


class Shapes(unittest.TestCase):
    """Classic bug shapes, as a user checks them: found, replayed, the lines TSan names, fixed."""

    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="weft-shapes-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def build(self, family, source, tsan=False):
        cxx = source.endswith(".cpp")
        out = os.path.join(self.work, "%s-%s%s" % (source.split(".")[0], family,
                                                    "-tsan" if tsan else ""))
        if os.path.exists(out):
            return out
        compiler = COMPILERS[family][1 if cxx else 0]
        argv = [compiler, "-fsanitize=thread"] if tsan else [WEFT, "c++" if cxx else "cc"]
        env = dict(os.environ, WEFT_CC=COMPILERS[family][0], WEFT_CXX=COMPILERS[family][1])
        done = run(argv + ["-g", "-O1", os.path.join(HERE, source), "-o", out, "-pthread"],
                   env=env)
        if tsan and done.returncode != 0:
            return None  # no ThreadSanitizer runtime for this compiler here
        self.assertEqual(done.returncode, 0, done.stderr)
        return out

    def race_lines(self, source, pairs):
        return {tuple(sorted((marker_line(source, a), marker_line(source, b)))) for a, b in pairs}

    def check_shape(self, family, name):
        source, strategy, args, fails, pairs = SHAPES[name]
        program = self.build(family, source)
        out = os.path.join(self.work, "explore-%s-%s" % (name, family))
        done = run([WEFT, "explore", "--strategy", strategy, "--runs", RUNS, "--seed", "1",
                    "-o", out, "--json", "--", program, *args])
        self.assertIn(done.returncode, (0, 1), done.stderr)
        result = json.loads(done.stdout)
        self.assertTrue(result["races_checked"])
        racing = self.race_lines(source, pairs)
        ours = set(json_pairs(result["races"], source))
        # Every pair of lines weft names races; none is missing when a race is expected.
        self.assertLessEqual(ours, racing, "weft names lines that do not race")
        # One report per race: never two on the same pair of lines and the same address (as
        # ThreadSanitizer: gcc's `x += n` is a read and a write call, two pcs on one line).
        # The lines of the accesses themselves (the innermost frames): one line of the
        # program's own may hold several races on one address (shape_vector's push_back
        # allocates the new array, writes it and frees the old one, each racing with a read).
        reports = innermost_reports(result["races"])
        self.assertEqual(len(reports), len(set(reports)), result["races"])
        self.assertEqual(bool(ours), bool(racing), result["races"])
        if fails:
            self.assertTrue(result["failures"], "not found in %s %s runs" % (RUNS, strategy))
            trace = result["failures"][0]["trace"]
        else:
            self.assertEqual(result["failures"], [])
            trace = result["races"][0]["trace"]
        # The kept run replays 20 of 20 times, the same events.
        replay = run([WEFT, "replay", "--times", "20", "--json", trace])
        replayed = json.loads(replay.stdout)
        self.assertEqual(replayed["reproduced_count"], 20, replay.stderr)
        self.assertEqual(replayed["events"], replayed["recorded_events"])
        if fails:
            self.assertNotEqual((replayed["exit_code"], replayed["signal"]), (0, None))
        # ThreadSanitizer, natively: the lines it names are lines weft names.
        native = self.build(family, source, tsan=True)
        if native is not None:
            theirs = set()
            for _ in range(TSAN_TRIES):
                theirs |= set(tsan_pairs(run(["setarch", "-R", native, *args]).stderr, source))
                if theirs & ours or not racing:
                    break
            if racing:
                self.assertTrue(theirs & ours, "weft names %s, ThreadSanitizer %s" %
                                (sorted(ours), sorted(theirs)))
        # The fixed version: no failure, no race.
        runs = "50" if QUICK else str(FIXED_RUNS)
        fixed = run([WEFT, "explore", "--runs", runs, "--seed", "1", "-o", out + "-fixed",
                     "--json", "--", program, "fixed"])
        self.assertEqual(fixed.returncode, 0, fixed.stderr)
        clean = json.loads(fixed.stdout)
        self.assertEqual(clean["runs"], int(runs))
        self.assertEqual(clean["failures"], [])
        self.assertEqual(clean["races"], [], fixed.stderr)

    def test_shapes(self):
        for family in COMPILERS:
            for name in (QUICK_SHAPES if QUICK else SHAPES):
                with self.subTest(compiler=family, shape=name):
                    self.check_shape(family, name)


def rust_instrumented_build(source, out, rustflags):
    """`source` built by rustc with `weft flags --rustflags` (ThreadSanitizer's instrumentation
    and weft's runtime), or None when this rustc cannot instrument (no rustc, no
    -Zsanitizer=thread)."""
    if shutil.which("rustc") is None:
        return None, "no rustc"
    argv = ["rustc", "--edition", "2021", "-g", "-O", *rustflags.split(), source, "-o", out]
    done = run(argv, env=dict(os.environ, RUSTC_BOOTSTRAP="1"))
    if done.returncode != 0:
        if "sanitizer" in done.stderr or "unknown unstable option" in done.stderr:
            return None, "rustc cannot instrument: " + done.stderr[-300:]
        raise AssertionError(done.stderr)
    return out, None


class Rust(unittest.TestCase):
    def test_rust_instrumented_with_weft_runtime(self):
        work = tempfile.mkdtemp(prefix="weft-rust-")
        try:
            rustflags = run([WEFT, "flags", "--rustflags"]).stdout
            program, why = rust_instrumented_build(os.path.join(HERE, "race_rust.rs"),
                                                   os.path.join(work, "race_rust"), rustflags)
            if program is None:
                self.skipTest(why)
            self.assertEqual(run([program]).returncode, 0)  # outside weft it just runs
            done = run([WEFT, "explore", "--runs", RUNS, "--seed", "1", "-o", work + "/x",
                        "--json", "--", program])
            result = json.loads(done.stdout)
            self.assertTrue(result["memory"]["instrumented"])
            self.assertTrue(result["failures"], done.stderr)
            line = marker_line("race_rust.rs", "RACE-LINE")
            self.assertIn((line, line), json_pairs(result["races"], "race_rust.rs"))
            replay = json.loads(run([WEFT, "replay", "--times", "20", "--json",
                                     result["failures"][0]["trace"]]).stdout)
            self.assertEqual(replay["reproduced_count"], 20)
            runs = "50" if QUICK else str(FIXED_RUNS)
            clean = json.loads(run([WEFT, "explore", "--runs", runs, "--seed", "1", "-o",
                                    work + "/f", "--json", "--", program, "fixed"]).stdout)
            self.assertEqual((clean["runs"], clean["failures"], clean["races"]),
                             (int(runs), [], []))
        finally:
            shutil.rmtree(work, ignore_errors=True)


class RustLinkOrder(unittest.TestCase):
    """Linked after libc (-Clink-arg instead of --rustflags' -Zpre-link-arg), the runtime's
    malloc is not the program's: weft says so, since heap blocks allocated again then look
    shared (the fixed race_rust's boxed thread closures raced with their next owner)."""

    def test_runtime_linked_after_libc_is_told(self):
        work = tempfile.mkdtemp(prefix="weft-rust-order-")
        try:
            rustflags = run([WEFT, "flags", "--rustflags"]).stdout
            late = rustflags.replace("-Zpre-link-arg=", "-Clink-arg=")
            note = "the program's malloc and free are glibc's"
            for flags, told in ((rustflags, False), (late, True)):
                program, why = rust_instrumented_build(os.path.join(HERE, "race_rust.rs"),
                                                       os.path.join(work, "race_rust"), flags)
                if program is None:
                    self.skipTest(why)
                done = run([WEFT, "record", "--seed", "1", "-o", work + "/t.weft", "--",
                            program, "fixed"])
                self.assertEqual(done.returncode, 0, done.stderr)
                self.assertEqual(note in done.stderr, told, done.stderr[-2000:])
                explored = run([WEFT, "explore", "--runs", "3", "-o", work + "/x", "--",
                                program, "fixed"])
                self.assertEqual(note in explored.stderr, told, explored.stderr[-2000:])
        finally:
            shutil.rmtree(work, ignore_errors=True)


class RustMutex(unittest.TestCase):
    """Instrumented Rust with the prebuilt (uninstrumented) std: a std::sync::Mutex
    check-then-act is found and replayed; its fixed version reports no race in 500 runs — the
    contended path of std's Mutex is std's own atomics, made atomic sites."""

    def test_rust_mutex_instrumented_with_prebuilt_std(self):
        work = tempfile.mkdtemp(prefix="weft-rust-mutex-")
        try:
            rustflags = run([WEFT, "flags", "--rustflags"]).stdout
            program, why = rust_instrumented_build(os.path.join(HERE, "race_rust_mutex.rs"),
                                                   os.path.join(work, "race_rust_mutex"), rustflags)
            if program is None:
                self.skipTest(why)
            done = run([WEFT, "explore", "--runs", "200", "--seed", "1", "-o", work + "/x",
                        "--json", "--", program])
            result = json.loads(done.stdout)
            self.assertTrue(result["memory"]["instrumented"])
            # std's own atomic instructions are listed and patched, and some ran.
            atomic = result["atomic_sites"]
            self.assertTrue(atomic["scanned"] and atomic["instrumented"], atomic)
            self.assertGreater(atomic["patched"], 0, atomic)
            self.assertTrue(atomic["reached"], atomic)
            self.assertTrue(result["failures"], "not found in 200 runs: " + done.stderr[-2000:])
            self.assertEqual(result["races"], [])  # every access is under the lock
            replay = json.loads(run([WEFT, "replay", "--times", "20", "--json",
                                     result["failures"][0]["trace"]]).stdout)
            self.assertEqual(replay["reproduced_count"], 20)
            runs = "50" if QUICK else str(FIXED_RUNS)
            fixed = run([WEFT, "explore", "--runs", runs, "--seed", "1", "-o", work + "/f",
                         "--json", "--", program, "fixed"])
            clean = json.loads(fixed.stdout)
            self.assertEqual((clean["runs"], clean["failures"], clean["races"]),
                             (int(runs), [], []), fixed.stderr[-3000:])
        finally:
            shutil.rmtree(work, ignore_errors=True)


def main():
    global WEFT, QUICK
    parser = argparse.ArgumentParser()
    parser.add_argument("--weft", required=True)
    parser.add_argument("--quick", action="store_true",
                        help="only the shapes test, on its fast shapes, 50 fixed runs, "
                             "test_one_report_per_race, "
                             "test_order_names_the_lines_tsan_names, "
                             "test_map_first_report_names_the_check_and_the_insert and "
                             "test_location_is_the_global_at_the_raced_bytes")
    args, rest = parser.parse_known_args()
    WEFT = os.path.abspath(args.weft)
    QUICK = args.quick
    if QUICK and not any(not a.startswith("-") for a in rest):
        rest = rest + ["Shapes", "Races.test_one_report_per_race",
                       "Races.test_order_names_the_lines_tsan_names",
                       "Races.test_map_first_report_names_the_check_and_the_insert",
                       "Races.test_location_is_the_global_at_the_raced_bytes"]
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
