#!/usr/bin/env python3
"""junit_test.py — `weft explore --junit FILE` as a CI test reporter reads it: the file
parses (xml.etree), has one testcase for the program and strategy, a failure with the
outcome and the replay line, the trace as a property, data races in system-err; a clean
search is a passing testcase; an error is an <error>; exit statuses 0, 1, 2.

  junit_test.py --weft build/bin/weft --programs build/tests/programs [-v] [-k PATTERN]

Standard library only. Exit 0 passed, 1 failed, 77 the machine cannot run weft.
"""

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

import weft_protocol

HERE = os.path.dirname(os.path.abspath(__file__))
WEFT = None
PROGRAMS = None


class JUnitTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="weft-junit-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def explore(self, *args, program):
        cmd = [WEFT, "explore", "-o", self.path("out")] + list(args) + ["--"] + program
        ran = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=300,
                             stdin=subprocess.DEVNULL, cwd=self.tmp)
        ran.cmd = cmd
        return ran

    def parse(self, path):
        self.assertTrue(os.path.isfile(path), "no JUnit file at " + path)
        root = ET.parse(path).getroot()
        self.assertEqual(root.tag, "testsuites")
        suites = root.findall("testsuite")
        self.assertEqual(len(suites), 1)
        cases = suites[0].findall("testcase")
        self.assertEqual(len(cases), 1)
        return root, suites[0], cases[0]

    def props(self, element):
        return {p.get("name"): p.get("value") for p in element.findall("properties/property")}

    def test_failure_carries_outcome_replay_line_and_trace(self):
        report = self.path("reports/racy.xml")  # its directory is made
        racy = os.path.join(PROGRAMS, "withdraw_racy")
        ran = self.explore("--junit", report, "--json", program=[racy])
        self.assertEqual(ran.returncode, 1, ran.stderr)
        doc = json.loads(ran.stdout.strip().splitlines()[-1])
        trace = doc["failures"][0]["trace"]
        root, suite, case = self.parse(report)
        self.assertEqual((root.get("tests"), root.get("failures"), root.get("errors")),
                         ("1", "1", "0"))
        self.assertEqual(suite.get("failures"), "1")
        self.assertEqual(case.get("name"), "withdraw_racy")
        self.assertEqual(case.get("classname"), "weft.explore.auto")  # the default
        self.assertGreater(float(case.get("time")), 0)
        failures = case.findall("failure")
        self.assertEqual(len(failures), 1)
        failure = failures[0]
        replay = "weft replay " + shlex.quote(trace)
        self.assertIn("exited with code 1", failure.get("message"))
        self.assertIn(replay, failure.get("message"))
        self.assertEqual(failure.get("type"), doc["failures"][0]["signature"])
        self.assertIn("FAILED: exited with code 1", failure.text)
        self.assertIn("replay it with: " + replay, failure.text)
        self.assertIn("balance = -70", failure.text)  # the run's last output
        props = self.props(case)
        self.assertEqual(props["trace"], trace)
        self.assertEqual(props["replay_command"], replay)
        self.assertEqual(props["seed"], str(doc["failures"][0]["seed"]))
        self.assertTrue(os.path.isfile(os.path.join(self.tmp, props["trace"])))
        suite_props = self.props(suite)
        self.assertEqual(suite_props["trace"], trace)
        self.assertEqual(suite_props["strategy"], "auto")
        self.assertIn("[[ATTACHMENT|%s]]" % trace, case.find("system-out").text)
        self.assertIsNone(case.find("system-err"))

    def test_clean_search_is_a_passing_testcase(self):
        report = self.path("fixed.xml")
        ok = os.path.join(PROGRAMS, "withdraw_ok")
        ran = self.explore("--junit", report, "--runs", "20", "--strategy", "pct",
                           program=[ok, "arg <&> \"q\""])
        self.assertEqual(ran.returncode, 0, ran.stderr)
        root, suite, case = self.parse(report)
        self.assertEqual((root.get("failures"), root.get("errors")), ("0", "0"))
        self.assertEqual(case.get("classname"), "weft.explore.pct")
        self.assertEqual(case.get("name"), "withdraw_ok 'arg <&> \"q\"'")
        self.assertIsNone(case.find("failure"))
        self.assertIsNone(case.find("error"))
        self.assertEqual(self.props(case)["runs"], "20")
        self.assertIn("no failure found", case.find("system-out").text)

    def test_program_output_that_is_not_text_still_makes_xml(self):
        report = self.path("junk.xml")
        script = "printf 'a\\001b\\377c <&]]> \\n'; exit 3"
        ran = self.explore("--junit", report, "--runs", "1",
                           program=["/bin/sh", "-c", script])
        self.assertEqual(ran.returncode, 1, ran.stderr)
        _, _, case = self.parse(report)
        failure = case.find("failure")
        self.assertIn("exited with code 3", failure.get("message"))
        self.assertIn("a\ufffdb\ufffdc <&]]>", failure.text)

    def test_search_that_cannot_run_is_an_error(self):
        report = self.path("error.xml")
        ran = self.explore("--junit", report, program=[self.path("no-such-program")])
        self.assertEqual(ran.returncode, 2)
        self.assertIn("no-such-program", ran.stderr)
        root, _, case = self.parse(report)
        self.assertEqual((root.get("failures"), root.get("errors")), ("0", "1"))
        error = case.find("error")
        self.assertIsNotNone(error)
        self.assertIn("no-such-program", error.get("message"))

    def test_unwritable_report_is_refused_before_the_search(self):
        os.makedirs(self.path("adir"))
        ran = self.explore("--junit", self.path("adir"),
                           program=[os.path.join(PROGRAMS, "withdraw_racy")])
        self.assertEqual(ran.returncode, 2)
        self.assertIn("cannot write the JUnit report", ran.stderr)
        self.assertIn("it is a directory", ran.stderr)
        self.assertFalse(os.path.exists(self.path("out")), "the search ran anyway")

    def test_exit_statuses_are_in_the_help(self):
        ran = subprocess.run([WEFT, "explore", "--help"], capture_output=True, text=True)
        self.assertEqual(ran.returncode, 0)
        text = " ".join(ran.stdout.split())
        self.assertIn("--junit FILE", text)
        for status in ("0 when no run failed", "1 when a failure was found", "2 on errors",
                       "128+N when signal N"):
            self.assertIn(status, text)

    def test_data_races_go_to_system_err(self):
        source = os.path.join(HERE, os.pardir, "instrument", "race_counter.c")
        binary = self.path("race_counter")
        built = subprocess.run([WEFT, "cc", "-g", "-O1", source, "-o", binary, "-pthread"],
                               capture_output=True, text=True)
        self.assertEqual(built.returncode, 0, built.stderr)
        report = self.path("races.xml")
        ran = self.explore("--junit", report, "--runs", "5", "--keep-going",
                           program=[binary])
        self.assertIn(ran.returncode, (0, 1), ran.stderr)
        _, _, case = self.parse(report)
        err = case.find("system-err")
        self.assertIsNotNone(err, "no system-err: " + ran.stderr[-2000:])
        self.assertIn("WARNING: ThreadSanitizer: data race", err.text)
        self.assertIn("race_counter.c", err.text)
        # With --fail-on-race the race is the failure, and its report is in the failure text.
        report = self.path("races-fail.xml")
        ran = self.explore("--junit", report, "--runs", "5", "--fail-on-race",
                           program=[binary])
        self.assertEqual(ran.returncode, 1, ran.stderr)
        _, _, case = self.parse(report)
        failure = case.find("failure")
        self.assertIsNotNone(failure)
        self.assertIn("WARNING: ThreadSanitizer: data race", failure.text)
        self.assertIn("replay it with: weft replay", failure.text)
        self.assertIsNone(case.find("system-err"))


def main():
    global WEFT, PROGRAMS
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--weft", default=os.environ.get("WEFT_BIN"))
    p.add_argument("--programs", default=os.environ.get("WEFT_PROGRAMS_DIR"))
    p.add_argument("-v", action="store_true")
    p.add_argument("-k", action="append", default=[])
    args = p.parse_args()
    if not args.weft or not args.programs:
        p.error("give --weft and --programs")
    WEFT, PROGRAMS = os.path.abspath(args.weft), os.path.abspath(args.programs)
    problem = weft_protocol.capability_problem()
    if problem:
        print("SKIP: " + problem)
        return weft_protocol.SKIP_EXIT_CODE
    argv = [sys.argv[0]] + (["-v"] if args.v else [])
    for pattern in args.k:
        argv += ["-k", pattern]
    result = unittest.main(argv=argv, exit=False).result
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
