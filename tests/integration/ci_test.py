#!/usr/bin/env python3
"""ci_test.py — weft in CI and in a debugger, as a user drives it:

* `weft replay TRACE --gdb N --gdb-batch CMDS`: gdb attached to a replay held just before
  event N, the thread about to perform it selected in its frame of the user's code
  (`bt` shows the user's function, `print` a local's value there); --gdbserver PORT served
  to a gdb that connects; the program killed afterwards; bad combinations refused.
* `weft explore --shard I/N` and `weft merge`: four shards give exactly the failing runs
  and seeds of the unsharded search (with and without --keep-going, and for a `weft cc`
  build, whose first runs learn memory sites); systematic strategies refuse --shard;
  merge refuses shards of different searches or a missing shard; its JUnit file parses.

  ci_test.py --weft build/bin/weft --programs build/tests/programs [-v] [-k PATTERN]

Standard library only. Exit 0 passed, 1 failed, 77 the machine cannot run weft.
"""

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

import weft_protocol

HERE = os.path.dirname(os.path.abspath(__file__))
WEFT = None
PROGRAMS = None


def run(cmd, timeout=300, **kw):
    ran = subprocess.run(cmd, capture_output=True, text=True, errors="replace", timeout=timeout,
                         stdin=subprocess.DEVNULL, **kw)
    ran.cmd = cmd
    return ran


class Base(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="weft-ci-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def weft(self, *args, timeout=300):
        return run([WEFT] + list(args), timeout=timeout, cwd=self.tmp)

    def explore_json(self, *args, program, expect=None):
        ran = self.weft("explore", "--json", "-j", "2", *args, "--", *program)
        if expect is not None:
            self.assertEqual(ran.returncode, expect, ran.stderr[-3000:])
        self.assertIn(ran.returncode, (0, 1), ran.stderr[-3000:])
        return json.loads(ran.stdout.strip().splitlines()[-1])


class GdbTest(Base):
    """--gdb N: gdb on the replay, before event N."""

    @classmethod
    def setUpClass(cls):
        cls.shared = tempfile.mkdtemp(prefix="weft-ci-gdb-")
        racy = os.path.join(PROGRAMS, "withdraw_racy")
        ran = run([WEFT, "explore", "--json", "-o", cls.shared, "--", racy], cwd=cls.shared)
        assert ran.returncode == 1, ran.stderr
        cls.trace = json.loads(ran.stdout.strip().splitlines()[-1])["failures"][0]["trace"]
        shown = run([WEFT, "show", "--json", cls.trace], cwd=cls.shared)
        assert shown.returncode == 0, shown.stderr
        cls.events = json.loads(shown.stdout)["events"]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.shared, True)

    def debit_lock(self):
        """The last event of the failing run that locks the mutex in debit(): the index,
        the thread and its amount (the thread's withdraw(100) or withdraw(70))."""
        found = None
        for i, e in enumerate(self.events):
            where = json.dumps(e)
            if e.get("kind") == "mutex_lock" and "debit" in where:
                found = i
        self.assertIsNotNone(found, "no mutex_lock in debit() in " + self.trace)
        return found

    def test_batch_bt_is_inside_the_users_function(self):
        n = self.debit_lock()
        ran = self.weft("replay", self.trace, "--gdb", str(n), "--gdb-batch",
                        "bt; print amount; print balance; info threads", timeout=180)
        out = ran.stdout + ran.stderr
        self.assertEqual(ran.returncode, 0, out[-4000:])
        self.assertIn("held before event %d" % n, ran.stderr)
        # The backtrace goes through the user's functions, below weft's hook.
        frames = [line for line in ran.stdout.splitlines() if re.match(r"#\d+\s", line)]
        text = "\n".join(frames)
        self.assertRegex(text, r"\bdebit\b.*withdraw_racy\.c:\d+", out[-4000:])
        self.assertRegex(text, r"\bwithdraw\b.*withdraw_racy\.c:\d+")
        self.assertRegex(text, r"pthread_mutex_lock")
        # weft selected the user's frame: `frame` printed it, `print amount` reads its
        # argument there (100 or 70), and the global balance is what the racy schedule left
        # before this debit: both checks passed, at most one debit done.
        self.assertRegex(ran.stdout, r"(?m)^#\d+\s+.*\bdebit \(amount=(100|70)\) at .*withdraw_racy\.c")
        m = re.search(r"(?m)^\$1 = (-?\d+)$", ran.stdout)
        self.assertIsNotNone(m, ran.stdout[-3000:])
        self.assertIn(int(m.group(1)), (100, 70))
        m2 = re.search(r"(?m)^\$2 = (-?\d+)$", ran.stdout)
        self.assertIsNotNone(m2)
        self.assertIn(int(m2.group(1)), (100, 0, 30))
        # Every thread stopped: main and both workers.
        self.assertGreaterEqual(len(re.findall(r"(?m)^[* ] +\d+ +Thread ", ran.stdout)), 3,
                                ran.stdout[-3000:])
        self.assertIn("gdb exited (status 0); the program was killed", ran.stderr)

    def test_selected_thread_is_the_one_about_to_perform_the_event(self):
        n = self.debit_lock()
        # At that event the other worker has done its debit (it waits to exit) and main
        # waits in pthread_join: only the thread about to lock is in debit().
        ran = self.weft("replay", self.trace, "--gdb", str(n), "--json", "--gdb-batch",
                        "python print('SELECTED', gdb.selected_frame().name())", timeout=180)
        self.assertEqual(ran.returncode, 0, ran.stderr[-3000:])
        doc = json.loads(ran.stdout.strip().splitlines()[-1])
        self.assertEqual(doc["schema"], "weft.replay/1")
        self.assertEqual(doc["debugger"]["tool"], "gdb")
        self.assertTrue(doc["debugger"]["held"])
        self.assertTrue(doc["debugger"]["attached"])
        self.assertEqual(doc["debugger"]["exit_status"], 0)
        self.assertIsNone(doc["debugger"]["error"])
        self.assertEqual(doc["events"], n)
        self.assertTrue(doc["stopped"])
        # gdb's output went to stderr (stdout is the JSON document alone).
        self.assertIn("SELECTED debit", ran.stderr)
        self.assertNotIn("SELECTED", ran.stdout)

    def test_bad_combinations_are_refused(self):
        for args, message in [
            (["--gdb-batch", "bt"], "--gdb-batch needs --gdb N"),
            (["--gdbserver", "2345"], "--gdbserver needs --gdb N"),
            (["--gdb", "3", "--stop-at", "3"], "not both"),
            (["--gdb", "3", "--gdbserver", "2345", "--gdb-batch", "bt"], "not both"),
            (["--gdb", "3", "--gdb-batch", " ; "], "no command"),
            (["--gdb", "100000", "--gdb-batch", "bt"], "past the end"),
        ]:
            ran = self.weft("replay", self.trace, *args)
            self.assertEqual(ran.returncode, 2, (args, ran.stderr))
            self.assertIn(message, ran.stderr, args)

    def test_gdbserver_serves_a_connecting_gdb(self):
        n = self.debit_lock()
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        log = self.path("server.err")
        with open(log, "w") as err_file:
            server = subprocess.Popen([WEFT, "replay", self.trace, "--gdb", str(n),
                                       "--gdbserver", str(port)], cwd=self.tmp,
                                      stdout=subprocess.DEVNULL, stderr=err_file,
                                      stdin=subprocess.DEVNULL)
        try:
            # gdbserver says when it listens (on weft's stderr).
            deadline = time.time() + 120
            while time.time() < deadline and server.poll() is None:
                with open(log) as f:
                    if "Listening on port %d" % port in f.read():
                        break
                time.sleep(0.1)
            client = run(["gdb", "-q", "-batch", "-nx", "-ex",
                          "target remote 127.0.0.1:%d" % port, "-ex", "info threads", "-ex",
                          "thread apply all bt", "-ex", "kill"], timeout=120, cwd=self.tmp)
            server.wait(timeout=120)
        finally:
            if server.poll() is None:
                server.kill()
        with open(log) as f:
            err = f.read()
        self.assertIn("gdbserver on port %d" % port, err)
        self.assertRegex(client.stdout, r"\bdebit\b.*withdraw_racy\.c:\d+", client.stderr)
        self.assertEqual(server.returncode, 0, err[-3000:])


class ShardTest(Base):
    """--shard I/N and weft merge."""

    def shards(self, n, *args, program):
        docs, files = [], []
        for i in range(n):
            doc = self.explore_json("--shard", "%d/%d" % (i, n), *args, program=program)
            self.assertEqual(doc["shard"]["index"], i)
            self.assertEqual(doc["shard"]["count"], n)
            f = self.path("shard-%d.json" % i)
            with open(f, "w") as out:
                json.dump(doc, out)
            docs.append(doc)
            files.append(f)
        return docs, files

    def merge(self, files, *args, expect=None):
        ran = self.weft("merge", "--json", *args, *files)
        if expect is not None:
            self.assertEqual(ran.returncode, expect, ran.stderr)
        return json.loads(ran.stdout.strip().splitlines()[-1]), ran

    @staticmethod
    def failing(doc):
        return [(f["run"], f["seed"]) for f in doc["failures"]]

    def check_same_as_unsharded(self, program, *args, runs):
        common = ["--runs", str(runs), "--seed", "7", "-o", self.path("out")] + list(args)
        whole = self.explore_json(*common, program=program)
        docs, files = self.shards(4, *common, program=program)
        merged, ran = self.merge(files, expect=1 if whole["failures"] else 0)
        self.assertEqual(self.failing(merged), self.failing(whole))
        self.assertEqual(merged["runs"], whole["runs"])
        self.assertEqual(merged["first_failure_run"], whole["first_failure_run"])
        # Each shard made and reported only its own runs (j % 4 == i).
        for i, doc in enumerate(docs):
            for f in doc["failures"]:
                self.assertEqual((f["run"] - 1) % 4, i)
        return whole, docs, merged

    def test_four_shards_keep_going_give_the_same_failing_seeds(self):
        racy = os.path.join(PROGRAMS, "withdraw_racy")
        whole, docs, merged = self.check_same_as_unsharded([racy], "--keep-going", runs=60)
        self.assertGreater(len(whole["failures"]), 1, "the search should find several")
        self.assertEqual(sum(d["runs"] for d in docs), 60)
        self.assertEqual(merged["runs"], 60)
        self.assertEqual([g["runs"] for g in merged["failure_groups"]],
                         [g["runs"] for g in whole["failure_groups"]])

    def test_four_shards_stop_at_the_same_first_failure(self):
        racy = os.path.join(PROGRAMS, "withdraw_racy")
        whole, docs, merged = self.check_same_as_unsharded([racy], runs=60)
        self.assertEqual(len(merged["failures"]), 1)
        self.assertEqual(merged["failures"][0]["seed"], whole["failures"][0]["seed"])
        # The shard that owns the failing run saved its trace, and it replays to fail.
        trace = merged["failures"][0]["trace"]
        replayed = self.weft("replay", "--json", trace)
        self.assertEqual(replayed.returncode, 0, replayed.stderr)
        self.assertTrue(json.loads(replayed.stdout)["reproduced"])

    def test_four_shards_of_a_clean_program_pass(self):
        ok = os.path.join(PROGRAMS, "withdraw_ok")
        whole, docs, merged = self.check_same_as_unsharded([ok], runs=20)
        self.assertEqual(merged["failures"], [])
        self.assertEqual(merged["runs"], 20)
        self.assertEqual([d["runs"] for d in docs], [5, 5, 5, 5])

    def test_shards_of_an_instrumented_build_learn_the_same_sites(self):
        source = os.path.join(HERE, os.pardir, "instrument", "race_counter.c")
        binary = self.path("race_counter")
        built = run([WEFT, "cc", "-g", "-O1", source, "-o", binary, "-pthread"])
        self.assertEqual(built.returncode, 0, built.stderr)
        # More runs than the learning prefix (64): runs past it use the prefix's sites.
        whole, docs, merged = self.check_same_as_unsharded(
            [binary], "--keep-going", "--no-race-check", runs=72)
        self.assertTrue(whole["memory"]["instrumented"])
        # Each shard made the 48 runs of the first 64 it does not own, for their sites.
        self.assertEqual([d["shard"]["learning_runs"] for d in docs], [48, 48, 48, 48])
        self.assertEqual(sum(d["runs"] for d in docs), 72)

    def test_systematic_strategies_refuse_shard(self):
        ok = os.path.join(PROGRAMS, "withdraw_ok")
        for strategy in ("bounded", "conflicts"):
            ran = self.weft("explore", "--strategy", strategy, "--shard", "0/2", "--", ok)
            self.assertEqual(ran.returncode, 2, ran.stderr)
            self.assertIn("--shard is for the seeded strategies", ran.stderr)
            self.assertIn(strategy + " searches one tree", ran.stderr)
        for bad in ("4/4", "1", "a/b", "1/0", "-1/2", "1/2x"):
            ran = self.weft("explore", "--shard", bad, "--", ok)
            self.assertEqual(ran.returncode, 2, (bad, ran.stderr))
            self.assertIn("--shard takes I/N", ran.stderr)

    def test_merge_refuses_what_is_not_one_search(self):
        ok = os.path.join(PROGRAMS, "withdraw_ok")
        common = ["--runs", "4", "-o", self.path("out")]
        docs, files = self.shards(2, *common, program=[ok])
        ran = self.weft("merge", files[0])
        self.assertEqual(ran.returncode, 2)
        self.assertIn("shard 1/2 missing", ran.stderr)
        ran = self.weft("merge", files[0], files[0], files[1])
        self.assertEqual(ran.returncode, 2)
        self.assertIn("are both shard 0/2", ran.stderr)
        other = self.explore_json("--shard", "1/2", "--runs", "4", "--seed", "9", "-o",
                                  self.path("out"), program=[ok])
        with open(self.path("other.json"), "w") as out:
            json.dump(other, out)
        ran = self.weft("merge", files[0], self.path("other.json"))
        self.assertEqual(ran.returncode, 2)
        self.assertIn("different searches (their first_seed differ)", ran.stderr)
        whole = self.explore_json(*common, program=[ok])
        with open(self.path("whole.json"), "w") as out:
            json.dump(whole, out)
        ran = self.weft("merge", self.path("whole.json"))
        self.assertEqual(ran.returncode, 2)
        self.assertIn("unsharded search", ran.stderr)
        with open(self.path("junk.json"), "w") as out:
            out.write("{not json")
        ran = self.weft("merge", self.path("junk.json"))
        self.assertEqual(ran.returncode, 2)
        self.assertIn("is not JSON", ran.stderr)

    def test_merged_junit_parses_with_its_testcase_and_failure(self):
        racy = os.path.join(PROGRAMS, "withdraw_racy")
        common = ["--runs", "40", "-o", self.path("out")]
        whole = self.explore_json(*common, program=[racy], expect=1)
        docs, files = self.shards(2, *common, program=[racy])
        report = self.path("merged.xml")
        merged, ran = self.merge(files, "--junit", report, expect=1)
        root = ET.parse(report).getroot()
        self.assertEqual((root.get("tests"), root.get("failures")), ("1", "1"))
        case = root.find("testsuite/testcase")
        self.assertEqual(case.get("name"), "withdraw_racy")
        failure = case.find("failure")
        trace = whole["failures"][0]["trace"]
        self.assertIn("exited with code 1", failure.get("message"))
        self.assertIn("weft replay " + trace, failure.get("message"))
        self.assertIn("run %d (seed %d) FAILED" % (whole["failures"][0]["run"],
                                                   whole["failures"][0]["seed"]), failure.text)
        props = {p.get("name"): p.get("value") for p in case.findall("properties/property")}
        self.assertEqual(props["trace"], trace)


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
