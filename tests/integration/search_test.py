#!/usr/bin/env python3
"""Integration tests of weft's schedule search, driven through the CLI as a user would:
PCT and conflict-directed search find the planted bugs within their budgets, bounded
search covers correct programs completely, minimize shrinks a failing schedule that still
replays, -j gives the results of -j 1, permute reverses a conflict, replay --stop-at shows
every thread, and a yield-polling livelock is reported as such.

usage: search_test.py --weft build/bin/weft --programs build/tests/programs [--slow] [-v]
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import unittest

import weft_protocol

ARGS = None


class ProtocolError(AssertionError):
    """weft printed something other than its documented --json document."""


def weft(*argv, timeout=300):
    """Runs `weft COMMAND ... --json`; returns (exit code, its document, stderr). The
    document must be exactly the command's documented shape (docs/JSON.md), else this
    raises ProtocolError (a test failure) with what differs."""
    cmd = [ARGS.weft] + [str(a) for a in argv]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)
    command = str(argv[0])
    try:
        # record leaves stdout to the program: its document is stderr's last line.
        data = weft_protocol.last_line_document(
            proc.stderr if command == "record" else proc.stdout)
    except ValueError as e:
        raise ProtocolError("%s printed no JSON document (%s); stderr: %s"
                            % (" ".join(cmd), e, proc.stderr))
    errors = weft_protocol.shape_errors(data, command)
    if errors:
        raise ProtocolError("%s: not a %s document: %s"
                            % (" ".join(cmd), weft_protocol.DOCUMENTS[command][0], errors))
    return proc.returncode, data, proc.stderr


def program(name):
    return os.path.join(ARGS.programs, name)


class SearchTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="weft-search-test-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def explore(self, name, strategy, runs, seed=1, extra=()):
        out = os.path.join(self.dir, "%s-%s-%d" % (name, strategy, seed))
        code, data, err = weft("explore", "--strategy", strategy, "--runs", runs, "--seed", seed,
                               "-o", out, "--json", "--timeout", 20, *extra, "--",
                               program(name), timeout=600)
        self.assertIn(code, (0, 1), err)
        return data

    def check_found(self, name, strategy, budget, kind):
        data = self.explore(name, strategy, budget)
        first = data["first_failure_run"]
        self.assertIsNotNone(first, "%s: %s found nothing in %d runs" % (name, strategy, budget))
        self.assertLessEqual(first, budget)
        failure = data["failures"][0]
        if kind == "deadlock":
            self.assertIs(failure["deadlock"], True, failure)
        else:
            self.assertEqual(failure["exit_code"], 1, failure)
        # The saved schedule fails the same way on replay.
        code, rep, err = weft("replay", "--json", "--times", 3, failure["trace"])
        self.assertEqual(code, 0, err)
        self.assertTrue(rep["reproduced"], rep)
        return first

    PLANTED = [("withdraw_racy", "exit"), ("lock_order_racy", "deadlock"),
               ("lost_wakeup_racy", "deadlock"), ("order_deep_racy", "exit"),
               ("three_thread_racy", "exit")]

    def test_pct_finds_every_planted_bug_within_300_runs(self):
        for name, kind in self.PLANTED:
            with self.subTest(program=name):
                self.check_found(name, "pct", 300, kind)

    def test_conflicts_finds_every_planted_bug_within_30_runs(self):
        for name, kind in self.PLANTED:
            with self.subTest(program=name):
                self.check_found(name, "conflicts", 30, kind)

    def unstarted_trace(self):
        """A recorded run of unstarted_racy in which the reader (T1, created first) never
        ran and the counter (T2, created after it) did: PCT of depth 1 keeps the
        lowest-priority thread waiting while the others can run."""
        for seed in range(1, 200):
            path = os.path.join(self.dir, "unstarted-%d.weft" % seed)
            code, rec, err = weft("record", "--json", "--strategy", "pct", "--depth", 1,
                                  "--seed", seed, "-o", path, "--", program("unstarted_racy"))
            self.assertEqual(code, 0, err)
            if rec["exit_code"] != 0:
                continue
            _, shown, err = weft("show", "--json", path)
            tids = {e["tid"] for e in shown["events"]}
            if 1 not in tids and 2 in tids:
                return path
        self.fail("no seed of pct depth 1 left the reader unstarted and ran the counter")

    def test_conflicts_of_a_trace_with_an_unstarted_thread(self):
        # An earlier-created thread without events before one with events: weft conflicts
        # once crashed with SIGSEGV on such a trace.
        trace = self.unstarted_trace()
        code, data, err = weft("conflicts", "--json", trace)
        self.assertEqual(code, 0, err)
        self.assertEqual(data["count"], len(data["conflicts"]))
        self.assertTrue(all(c["first"]["tid"] != 1 and c["second"]["tid"] != 1
                            for c in data["conflicts"]), data)

    def test_conflicts_search_tries_a_pending_operation(self):
        # The reader's first operation never ran in the recorded run, so no pair names it:
        # the search must still try it, and find the bug a random walk finds, rather than
        # call the search complete.
        random = self.explore("unstarted_racy", "random", 100)
        self.assertIsNotNone(random["first_failure_run"], "random found nothing in 100 runs")
        trace = self.unstarted_trace()
        out = os.path.join(self.dir, "unstarted-conflicts")
        code, data, err = weft("explore", "--strategy", "conflicts", "--from", trace,
                               "--runs", 100, "-o", out, "--json", "--timeout", 20, "--",
                               program("unstarted_racy"), timeout=600)
        self.assertEqual(code, 1, err)
        self.assertFalse(data["complete"], data)
        self.assertIsNotNone(data["first_failure_run"], data)
        self.assertIn("reader saw no config", open(data["failures"][0]["trace"] + ".out").read())

    def test_pct_beats_random_on_the_deep_ordering_bug(self):
        firsts = []
        for seed in (1, 11, 21, 31, 41):
            data = self.explore("order_deep_racy", "pct", 300, seed=seed)
            self.assertIsNotNone(data["first_failure_run"], "pct seed %d found nothing" % seed)
            firsts.append(data["first_failure_run"])
        self.assertLessEqual(statistics.median(firsts), 10, firsts)
        data = self.explore("order_deep_racy", "random", 500)
        self.assertIsNone(data["first_failure_run"], "a random walk should not get 60 steps ahead")
        self.assertEqual(data["runs"], 500)

    def test_pct_counts_choices_and_finds_the_cond_wait_in_an_if(self):
        # cond_if_racy's 500 start-up steps leave no choice: a k over every event (over
        # 1,000) missed its stolen wake-up in 1,000 runs; k over the choices finds it.
        for seed in (1, 11, 21):
            data = self.explore("cond_if_racy", "pct", 1000, seed=seed, extra=("-j", 2))
            self.assertLess(data["pct"]["steps"], 100, data["pct"])
            self.assertIsNotNone(data["first_failure_run"], "pct seed %d found nothing" % seed)
            failure = data["failures"][0]
            with open(failure["trace"] + ".out") as out:
                self.assertIn("consumer woke to an empty queue", out.read())
            code, rep, err = weft("replay", "--json", "--times", 3, failure["trace"])
            self.assertEqual(code, 0, err)
            self.assertTrue(rep["reproduced"], rep)

    def test_pos_surw_and_auto_find_the_deep_and_the_three_thread_bugs_within_100_runs(self):
        # The goal: the deep ordering bug (the producer 60 steps ahead) and the
        # two-preemption bug of three threads, each failure replayed 3 times.
        for strategy in ("pos", "surw", "auto"):
            for name in ("order_deep_racy", "three_thread_racy"):
                with self.subTest(strategy=strategy, program=name):
                    self.check_found(name, strategy, 100, "exit")

    def schedule_of(self, trace):
        """The trace's schedule, and its strategy's name."""
        _, shown, _ = weft("show", "--json", trace)
        return shown["schedule"], shown["strategy"]

    def test_pos_and_surw_failures_rerun_with_weft_record(self):
        # A failing run's header names its strategy and seed (surw's learned estimates too);
        # `weft record --strategy NAME --seed S` runs the very same schedule.
        for strategy in ("pos", "surw"):
            with self.subTest(strategy=strategy):
                data = self.explore("order_deep_racy", strategy, 100, extra=("-j", 1))
                self.assertTrue(data["failures"], "%s found nothing to rerun" % strategy)
                trace = data["failures"][0]["trace"]
                spec, name = self.schedule_of(trace)
                self.assertEqual((spec["kind"], name), ("search", strategy))
                self.assertEqual(spec["seed"], data["failures"][0]["seed"])
                if strategy == "surw":
                    self.assertTrue(any(k.startswith("estimate") for k in spec["parameters"]),
                                    spec)
                _, replayed, _ = weft("replay", "--json", trace)
                self.assertTrue(replayed["reproduced"])
                _, recorded, err = weft("record", "--json", "--strategy", strategy,
                                        "--seed", spec["seed"],
                                        "-o", os.path.join(self.dir, strategy + ".weft"), "--",
                                        program("order_deep_racy"))
                self.assertTrue(recorded["failed"], err)
                self.assertEqual(recorded["event_digest"], replayed["event_digest"])

    def test_auto_is_the_default_and_takes_turns(self):
        out = os.path.join(self.dir, "auto-default")
        code, data, err = weft("explore", "--runs", 100, "--seed", 3, "-o", out, "--json",
                               "--timeout", 20, "-j", 1, "--", program("three_thread_racy"),
                               timeout=600)
        self.assertEqual(code, 1, err)
        self.assertEqual(data["strategy"], "auto")
        run = data["first_failure_run"]
        self.assertIsNotNone(run)
        # Run i is random, pct, pos, surw in turn, with seed S + (i-1)/4.
        spec, name = self.schedule_of(data["failures"][0]["trace"])
        member = ["random", "pct", "pos", "surw"][(run - 1) % 4]
        self.assertEqual(name, member, spec)
        self.assertEqual(spec["seed"], 3 + (run - 1) // 4)
        self.assertEqual(data["failures"][0]["seed"], spec["seed"])
        # The same with -j 3: a run's member and seed come from its number alone.
        again = self.explore("three_thread_racy", "auto", 100, seed=3, extra=("-j", 3))
        self.assertEqual(again["first_failure_run"], run)
        # A portfolio is no schedule of one run.
        proc = subprocess.run([ARGS.weft, "record", "--strategy", "auto", "--",
                               program("withdraw_ok")], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertNotEqual(proc.returncode, 0)
        err = proc.stderr
        self.assertIn("is a portfolio of searches, not a schedule for one run: record one of "
                      "its members (random, pct, pos, surw)", err)

    def test_auto_is_never_later_than_four_times_the_best_member(self):
        for name in ("order_deep_racy", "three_thread_racy", "cond_if_racy"):
            with self.subTest(program=name):
                firsts = {}
                for strategy in ("random", "pct", "pos", "surw"):
                    d = self.explore(name, strategy, 200, seed=7)
                    if d["first_failure_run"] is not None:
                        firsts[strategy] = d["first_failure_run"]
                self.assertTrue(firsts, "no member found the bug of %s" % name)
                auto = self.explore(name, "auto", 800, seed=7)["first_failure_run"]
                self.assertIsNotNone(auto)
                self.assertLessEqual(auto, 4 * min(firsts.values()), (auto, firsts))

    def test_a_pct_failure_reruns_from_its_trace_with_weft_record(self):
        # The failing run's trace holds PCT's seed, depth and k; `weft record --strategy pct`
        # with them runs the very same schedule (same event digest as replaying the trace).
        data = self.explore("order_deep_racy", "pct", 300, seed=5, extra=("-j", 1))
        self.assertTrue(data["failures"], "pct found nothing to rerun")
        trace = data["failures"][0]["trace"]
        _, shown, _ = weft("show", "--json", trace)
        spec = shown["schedule"]
        self.assertEqual(spec["kind"], "pct")
        self.assertEqual(spec["seed"], data["failures"][0]["seed"])
        self.assertEqual(spec["pct_depth"], 3)
        self.assertEqual(spec["pct_steps"], data["pct"]["steps"])
        _, replayed, _ = weft("replay", "--json", trace)
        self.assertTrue(replayed["reproduced"])
        _, recorded, err = weft("record", "--json", "--strategy", "pct", "--seed", spec["seed"],
                                "--depth", spec["pct_depth"], "--steps", spec["pct_steps"],
                                "-o", os.path.join(self.dir, "rerun.weft"), "--",
                                program("order_deep_racy"))
        self.assertTrue(recorded["failed"], err)
        self.assertEqual(recorded["event_digest"], replayed["event_digest"])

    def test_list_strategies_prints_the_registry(self):
        proc = subprocess.run([ARGS.weft, "explore", "--list-strategies", "--json"],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=60)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        data = weft_protocol.last_line_document(proc.stdout)
        self.assertEqual(weft_protocol.shape_errors(data, "strategies"), [])
        names = [s["name"] for s in data["strategies"]]
        self.assertEqual(names, ["auto", "random", "pct", "pos", "surw", "bounded", "conflicts"])
        self.assertEqual([s["name"] for s in data["strategies"] if s["default"]], ["auto"])
        pct = data["strategies"][2]
        self.assertIn({"name": "depth", "type": "uint", "default": "3",
                       "help": "pct: cover bugs of depth 1..D (1 to 17)"}, pct["parameters"])
        # The help text is generated from the same registry.
        help_text = subprocess.run([ARGS.weft, "explore", "--help"], stdout=subprocess.PIPE,
                                   text=True, timeout=60).stdout
        for s in data["strategies"]:
            self.assertIn(s["name"] + (" (default)" if s["default"] else "") + ": ", help_text)

    def test_pct_reports_its_bound_after_a_clean_search(self):
        data = self.explore("withdraw_ok", "pct", 50)
        self.assertIsNone(data["first_failure_run"])
        pct = data["pct"]
        self.assertEqual(pct["depth"], 3)
        self.assertGreater(pct["steps"], 0)
        self.assertGreaterEqual(pct["threads"], 3)
        expected = 1.0 / (3 * pct["threads"] * pct["steps"] ** 2)
        self.assertAlmostEqual(pct["per_run_probability"], expected, delta=expected * 1e-6)
        self.assertLess(pct["missed_probability"], 1.0)

    def test_bounded_search_completes_on_correct_programs(self):
        for name in ("withdraw_ok", "lock_order_ok"):
            with self.subTest(program=name):
                data = self.explore(name, "bounded", 5000, extra=("--preemptions", 2))
                self.assertEqual(data["failures"], [])
                self.assertTrue(data["complete"], data)
                self.assertGreater(data["runs"], 1)
                # Every run of a systematic search is a different schedule.
                self.assertEqual(data["distinct_schedules"], data["runs"])

    CAVEAT = "plain memory accesses between them were not interleaved"

    def explore_text(self, name, strategy, runs, extra=()):
        """`weft explore` without --json: (exit code, stderr)."""
        out = os.path.join(self.dir, "text-%s-%s" % (name, strategy))
        proc = subprocess.run([ARGS.weft, "explore", "--strategy", strategy, "--runs", str(runs),
                               "-o", out] + [str(a) for a in extra] + ["--", program(name)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              timeout=600)
        return proc.returncode, proc.stderr

    def test_every_claim_says_what_it_covers(self):
        # bounded: complete, and only at synchronization calls.
        data = self.explore("withdraw_ok", "bounded", 5000, extra=("--preemptions", 2))
        self.assertTrue(data["complete"], data)
        self.assertEqual(data["coverage"], "every schedule with at most 2 preemptions at "
                         "synchronization calls; " + self.CAVEAT)
        code, text = self.explore_text("withdraw_ok", "bounded", 5000, ("--preemptions", 1))
        self.assertEqual(code, 0, text)
        self.assertIn("complete: ran every schedule with at most 1 preemption at "
                      "synchronization calls (", text)
        self.assertIn(self.CAVEAT, text)
        # conflicts: complete over the reversals, pending calls included.
        data = self.explore("withdraw_ok", "conflicts", 300)
        self.assertTrue(data["complete"], data)
        self.assertIn("synchronization calls", data["coverage"])
        self.assertIn("pending", data["coverage"])
        self.assertTrue(data["coverage"].endswith(self.CAVEAT), data)
        code, text = self.explore_text("withdraw_ok", "conflicts", 300)
        self.assertIn("complete: ran every reversal", text)
        self.assertIn(self.CAVEAT, text)
        # pct: the miss bound says what a depth is and what was not interleaved.
        data = self.explore("withdraw_ok", "pct", 20, extra=("--depth", 2))
        self.assertIn("bugs of depth <= 2 in the order of synchronization calls",
                      data["coverage"])
        code, text = self.explore_text("withdraw_ok", "pct", 20, ("--depth", 2))
        missed = [l for l in text.splitlines() if "missed by all 20 runs" in l]
        self.assertEqual(len(missed), 1, text)
        self.assertIn("depth <= 2 in the order of synchronization calls", missed[0])
        self.assertIn(self.CAVEAT, missed[0])
        # random claims nothing beyond its seeds, and says so.
        data = self.explore("withdraw_ok", "random", 5)
        self.assertFalse(data["complete"])
        self.assertIn("only the schedules of the seeds that were run", data["coverage"])
        # A search that stopped short claims no completeness.
        data = self.explore("withdraw_ok", "conflicts", 2)
        self.assertFalse(data["complete"], data)

    def test_bounded_search_says_when_it_is_not_complete(self):
        data = self.explore("withdraw_ok", "bounded", 3, extra=("--preemptions", 2))
        self.assertFalse(data["complete"])
        self.assertEqual(data["runs"], 3)

    def test_minimize_leaves_at_most_two_preemptions_and_replays(self):
        for seed in (1, 7):
            with self.subTest(seed=seed):
                data = self.explore("withdraw_racy", "random", 200, seed=seed)
                trace = data["failures"][0]["trace"]
                out = os.path.join(self.dir, "min-%d.weft" % seed)
                code, m, err = weft("minimize", "--json", trace, "-o", out)
                self.assertEqual(code, 0, err)
                self.assertLessEqual(m["preemptions_after"], 2, m)
                self.assertLessEqual(m["preemptions_after"], m["preemptions_before"], m)
                self.assertTrue(m["verified"], m)
                code, rep, err = weft("replay", "--json", "--times", 10, out)
                self.assertEqual(code, 0, err)
                self.assertEqual(rep["reproduced_count"], 10, rep)
                self.assertEqual(rep["exit_code"], 1, rep)

    def test_parallel_search_gives_the_results_of_one_job(self):
        for strategy, name in (("random", "withdraw_racy"), ("pct", "three_thread_racy"),
                               ("random", "withdraw_ok")):
            with self.subTest(strategy=strategy, program=name):
                one = self.explore(name, strategy, 60, extra=("-j", 1))
                two = self.explore(name, strategy, 60, extra=("-j", 2))
                for key in ("runs", "first_failure_run", "distinct_schedules"):
                    self.assertEqual(one[key], two[key], key)
                self.assertEqual([f["seed"] for f in one["failures"]],
                                 [f["seed"] for f in two["failures"]])

    def test_permute_reverses_the_key_conflict(self):
        data = self.explore("withdraw_racy", "random", 200)
        trace = data["failures"][0]["trace"]
        code, conflicts, err = weft("conflicts", "--json", trace)
        self.assertEqual(code, 0, err)
        self.assertGreater(conflicts["count"], 0)
        passing = 0
        for c in conflicts["conflicts"]:
            at, thread = c["reversal"]["at"], c["reversal"]["thread"]
            self.assertEqual(thread, c["second"]["tid"])
            out = os.path.join(self.dir, "perm-%d-%d.weft" % (at, thread))
            code, p, err = weft("permute", "--json", trace, "--at", at, "--thread", thread,
                                "-o", out)
            self.assertEqual(code, 0, err)
            if p["forced"] and p["exit_code"] == 0:
                passing += 1
                self.assertIn("balance = ", p["output"])
        self.assertGreater(passing, 0, "no reversal of a conflict made the program pass")

    def test_replay_stop_at_reports_every_thread(self):
        data = self.explore("withdraw_racy", "random", 200)
        trace = data["failures"][0]["trace"]
        out = os.path.join(self.dir, "stop.weft")
        code, rep, err = weft("replay", "--json", "--stop-at", 6, "-o", out, trace)
        self.assertEqual(code, 0, err)
        self.assertTrue(rep["stopped"], rep)
        self.assertEqual(rep["events"], 6)
        code, show, err = weft("show", "--json", out)
        self.assertEqual(code, 0, err)
        blocked = show["outcome"]["blocked"]
        self.assertEqual(sorted(b["tid"] for b in blocked), [0, 1, 2], blocked)

    def test_yield_livelock_is_reported_not_passed(self):
        data = self.explore("yield_livelock", "random", 3, extra=("--max-steps", 5000))
        self.assertEqual(data["first_failure_run"], 1)
        self.assertTrue(data["failures"][0]["livelock"], data["failures"][0])


class SlowSearchTest(SearchTest):
    """The correct programs never fail under PCT in 500 runs."""

    def test_correct_programs_never_fail_under_pct(self):
        for name in ("withdraw_ok", "lock_order_ok", "cond_loop_ok", "futex_ok"):
            with self.subTest(program=name):
                data = self.explore(name, "pct", 500)
                self.assertEqual(data["failures"], [], name)
                self.assertEqual(data["runs"], 500)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--weft", required=True)
    parser.add_argument("--programs", required=True)
    parser.add_argument("--slow", action="store_true")
    parser.add_argument("-v", action="store_true")
    ARGS, rest = parser.parse_known_args()
    for path in (ARGS.weft, program("withdraw_racy")):
        if not os.access(path, os.X_OK):
            print("search_test: %s is missing: build weft first" % path, file=sys.stderr)
            return 1
    problem = weft_protocol.capability_problem()
    if problem:
        print("search_test: skipped: %s" % problem, file=sys.stderr)
        return weft_protocol.SKIP_EXIT_CODE
    loader = unittest.TestLoader()
    if ARGS.slow:
        suite = loader.loadTestsFromName("test_correct_programs_never_fail_under_pct",
                                         SlowSearchTest)
    else:
        suite = loader.loadTestsFromTestCase(SearchTest)
    result = unittest.TextTestRunner(verbosity=2 if ARGS.v else 1).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
