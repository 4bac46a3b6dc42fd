#!/usr/bin/env python3
"""race_test.py — data-race reports end to end, as a user gets them: programs built with
`weft cc` / `weft c++` (gcc and clang) that race — the lost-update counter, a torn 16-byte
read, an unordered_map check-then-insert whose lock covers only the lookup — are explored,
recorded and replayed; the reports are ThreadSanitizer-shaped, name both racing lines, and
those are the lines ThreadSanitizer itself names for the same program built with
-fsanitize=thread and run natively. The fixed versions report no race. `--fail-on-race`
turns the first race into a failure.

  python3 race_test.py --weft build/bin/weft [-v] [-k PATTERN]

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
    """The first frame in `source` of a stack: its line (frames: (file, line) pairs)."""
    for file, line in frames:
        if file.endswith("/" + source):
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
        conflicts = json.loads(run([WEFT, "conflicts", "--json", trace]).stdout)
        memory = [c for c in conflicts["conflicts"] if c["first"]["memory"] is not None]
        self.assertTrue(memory, "no memory pair in weft conflicts")
        self.assertEqual(memory[0]["first"]["memory"]["size"], 8)

    def test_fail_on_race_stops_explore(self):
        program = self.build("clang", "counter")
        result, _ = self.explore(program, options=("--fail-on-race",))
        self.assertTrue(result["failures"])
        self.assertTrue(result["failures"][0]["race"])
        self.assertTrue(os.path.exists(result["failures"][0]["trace"]))


def main():
    global WEFT
    parser = argparse.ArgumentParser()
    parser.add_argument("--weft", required=True)
    args, rest = parser.parse_known_args()
    WEFT = os.path.abspath(args.weft)
    unittest.main(argv=[sys.argv[0]] + rest)


if __name__ == "__main__":
    main()
