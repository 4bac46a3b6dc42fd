#!/usr/bin/env python3
"""Integration tests of free recordings (weft record --free, issue 11): the program's threads
run in parallel, the order of their synchronization events is recorded, and `weft replay`
enforces that order: a failure recorded in a loop replays every time with the same output;
a crash and a SIGKILL mid-run leave readable traces. Where a data race leads a replay away
from the recorded order, the first divergence is reported and `weft explore --from` finds a
controlled trace that fails as recorded; the other commands read free traces or say what to
do instead.

Uses weft_integration.py's runner and helpers: run it as
  free_test.py --weft build/bin/weft --programs build/tests/programs \\
      --manifest tests/programs/manifest.json --group free
"""
import re
import subprocess
import sys
import time

import weft_integration as wi
from weft_integration import WeftTestCase, document


class FreeGroup(WeftTestCase):
    """Free recordings replay their recorded synchronization order."""

    def record_free(self, name, trace, args=()):
        ran = self.weft.cmd("record", "--free", "--json", "-o", trace, "--timeout", "60",
                            "--", self.program(name), *args)
        self.assertFalse(ran.timed_out, "weft record --free hung:" + ran.describe())
        self.assertEqual(ran.returncode, 0, "weft record --free must exit 0:" + ran.describe())
        return ran, document(self, ran, "record")

    def replay_lines(self, trace, times, pattern):
        """Replays `trace` `times` times; the program's lines that match `pattern`, per replay."""
        ran, doc = self.weft.replay(trace, extra=["--times", str(times)])
        self.assertTrue(doc["reproduced"], "the free recording did not replay: %s%s"
                        % (doc.get("reason"), ran.describe()))
        self.assertEqual(doc["reproduced_count"], times, ran.describe())
        # The program's own output: replay without --json passes it through.
        ran = self.weft.cmd("replay", trace, "--times", str(times))
        self.assertEqual(ran.returncode, 0, "replay did not reproduce:" + ran.describe())
        self.assertIn("reproduced: ", ran.stderr, ran.describe())
        return re.findall(pattern, ran.stdout, re.M)

    def test_a_failing_free_recording_replays_its_failure(self):
        # Record in a loop until a recording fails, as a user with a flaky test would. The
        # work between the locked sections (30000 units, 10x the default) keeps the tellers
        # overlapping when the machine is loaded and they share a core: at a load of 9 on
        # 2 cores, 34 of 40 recordings failed, against 0 of 40 with the default.
        trace = self.path("transfer-free.weft")
        failed = None
        for attempt in range(100):
            ran, doc = self.record_free("free_transfer_racy", trace, ["30000"])
            if doc["failed"]:
                failed = (ran, doc)
                break
        self.assertIsNotNone(failed, "100 free recordings of free_transfer_racy never lost an "
                             "update (its threads do not run in parallel?)")
        ran, doc = failed
        recorded = re.findall(r"^balance = \d+$", ran.stdout, re.M)
        self.assertEqual(len(recorded), 1, ran.describe())
        show = self.weft.show_json(trace)
        self.assertEqual(show["mode"], "free", show["strategy"])
        kinds = {ev["kind"] for ev in show["events"]}
        self.assertTrue({"thread_create", "mutex_lock", "mutex_unlock", "thread_join"} <= kinds,
                        kinds)
        # 2 tellers x 200 deposits x 2 locked sections: every lock and unlock is there.
        locks = sum(1 for ev in show["events"] if ev["kind"] == "mutex_lock")
        self.assertEqual(locks, 800, "free recording lost mutex events")
        got = self.replay_lines(trace, 20, r"^balance = \d+$")
        self.assertEqual(got, recorded * 20, "a replay printed another balance than the "
                         "recording (%s)" % recorded)

    def test_a_condition_variable_queue_replays_who_took_what(self):
        trace = self.path("queue-free.weft")
        ran, doc = self.record_free("free_queue_ok", trace)
        self.assertFalse(doc["failed"], ran.describe())
        pattern = r"^consumer \d took \d+ items, sum \d+$"
        recorded = re.findall(pattern, ran.stdout, re.M)
        self.assertEqual(len(recorded), 3, ran.describe())
        show = self.weft.show_json(trace)
        kinds = {ev["kind"] for ev in show["events"]}
        self.assertTrue({"cond_wait", "cond_wake", "cond_signal", "sem_wait", "sem_post"} <= kinds,
                        kinds)
        got = self.replay_lines(trace, 10, pattern)
        self.assertEqual(got, recorded * 10, "a replay split the items otherwise than the "
                         "recording")

    def test_clock_random_and_file_inputs_are_fed_back(self):
        # Each thread of free_inputs takes its locks by the clock's microseconds, mixed with
        # random bytes and the file's first line; the file changes between the recording and
        # its replays, which must still see what the recording saw.
        data = self.path("input.txt")
        with open(data, "w") as f:
            f.write("first-version\n")
        trace = self.path("inputs-free.weft")
        ran, doc = self.record_free("free_inputs", trace, args=[data])
        self.assertFalse(doc["failed"], ran.describe())
        pattern = r"^(?:thread \d read .*|locks taken \d+/\d+)$"
        recorded = re.findall(pattern, ran.stdout, re.M)
        self.assertEqual(len(recorded), 4, ran.describe())
        self.assertEqual(sum("read 'first-version'" in line for line in recorded), 3, recorded)
        show = self.weft.show_json(trace)
        self.assertTrue(show["inputs_recorded"], "the free trace says it recorded no inputs")
        kinds = {}
        for i in show["inputs"]:
            kinds.setdefault(i["kind"], []).append(i)
        # 3 threads x (40 clock reads, 1 getrandom, 1 read of the file); thread 0 also reads
        # gettimeofday and time.
        self.assertEqual(len(kinds.get("clock", [])), 3 * 40 + 2, kinds.keys())
        self.assertEqual([i["bytes"] for i in kinds.get("random", [])], [4, 4, 4])
        self.assertEqual([i["bytes"] for i in kinds.get("read", [])], [14, 14, 14])
        self.assertEqual(doc["inputs"], len(show["inputs"]), doc)
        with open(data, "w") as f:
            f.write("second\n")
        got = self.replay_lines(trace, 20, pattern)
        self.assertEqual(got, recorded * 20, "a replay saw other clock reads, random bytes or "
                         "file contents than the recording")

    def test_event_times_agree_with_the_clock_the_program_read(self):
        # Each thread of free_inputs reads CLOCK_MONOTONIC, then takes a lock: its event
        # before the read (the last round's unlock) must have an earlier time than what it
        # read, its lock after the read a later one. weft may time events by the TSC and
        # turn ticks into ns itself: a wrong scale or offset breaks this within a run.
        trace = self.path("times-free.weft")
        ran, doc = self.record_free("free_inputs", trace)
        show = self.weft.show_json(trace)
        base = show["monotonic_base_ns"]
        events = show["events"]
        by_thread = {}
        for e in events:
            by_thread.setdefault(e["tid"], []).append((e["index"], e["vtime"]))
        tolerance = 20000  # ns: the error of one (TSC, clock) pair is far below this
        checked = 0
        for i in show["inputs"]:
            if i["kind"] != "clock" or i["source"] != 1:  # CLOCK_MONOTONIC
                continue
            read = i["value"] - base
            own = by_thread.get(i["tid"], [])
            before = [t for index, t in own if index < i["event_index"]]
            after = [t for index, t in own if index >= i["event_index"]]
            self.assertTrue(before and after, "a clock read without events around it: %s" % i)
            self.assertLessEqual(before[-1], read + tolerance,
                                 "thread %d's event before its clock read (%d ns) is timed %d "
                                 "ns" % (i["tid"], read, before[-1]))
            self.assertGreaterEqual(after[0], read - tolerance,
                                    "thread %d's event after its clock read (%d ns) is timed %d "
                                    "ns" % (i["tid"], read, after[0]))
            checked += 1
        self.assertEqual(checked, 3 * 40, "free_inputs reads the monotonic clock 40 times a thread")
        # CLOCK_MONOTONIC is one clock for every process: no event lies in the future.
        self.assertLessEqual(max(e["vtime"] for e in events), time.monotonic_ns() - base,
                             "an event timed after the recording ended")

    def test_a_burst_after_a_quiet_start_loses_no_event(self):
        # 300 ms of sleep (weft's drains of the ring grow apart), then 400,000 lock events
        # from two threads: three laps of the ring, filled faster than weft drains it.
        trace = self.path("burst-free.weft")
        ran, doc = self.record_free("free_burst_ok", trace)
        self.assertFalse(doc["failed"], ran.describe())
        recorded = re.findall(r"^(?:finished at \d+ and \d+|counter \d+)$", ran.stdout, re.M)
        self.assertEqual(recorded[-1:], ["counter 200000"], ran.describe())
        show = self.weft.show_json(trace)
        locks = sum(1 for ev in show["events"] if ev["kind"] == "mutex_lock")
        unlocks = sum(1 for ev in show["events"] if ev["kind"] == "mutex_unlock")
        self.assertEqual((locks, unlocks), (200002, 200002), "free recording lost events")
        got = self.replay_lines(trace, 3, r"^(?:finished at \d+ and \d+|counter \d+)$")
        self.assertEqual(got, recorded * 3, "a replay ended the threads elsewhere than the "
                         "recording")

    def test_a_crash_leaves_a_trace_that_opens_and_replays(self):
        trace = self.path("crash-free.weft")
        ran, doc = self.record_free("free_queue_ok", trace, args=["crash"])
        self.assertTrue(doc["failed"], ran.describe())
        self.assertEqual(doc.get("signal"), 11, doc)
        show = self.weft.show_json(trace)
        self.assertGreater(len(show["events"]), 80, "the events before the crash are missing")
        ran, rdoc = self.weft.replay(trace)
        self.assertTrue(rdoc["reproduced"], "the crash did not replay: %s%s"
                        % (rdoc.get("reason"), ran.describe()))

    def test_sigkill_mid_run_leaves_a_readable_trace(self):
        trace = self.path("kill-free.weft")
        ran, doc = self.record_free("free_queue_ok", trace, args=["kill"])
        self.assertTrue(doc["failed"], ran.describe())
        self.assertEqual(doc.get("signal"), 9, doc)
        show = self.weft.show_json(trace)
        puts = sum(1 for ev in show["events"] if ev["kind"] == "mutex_lock" and ev["tid"] == 0)
        # main took the lock once per item put (150) before it killed the program.
        self.assertGreaterEqual(puts, 150, "events before the SIGKILL are missing")

    def test_a_killed_weft_leaves_a_trace_readable_to_its_last_flush(self):
        # kill -9 of weft itself (not the program) in the middle of a 3 s free recording.
        trace = self.path("weft-killed-free.weft")
        proc = subprocess.Popen([wi.CONFIG.weft, "record", "--free", "-o", trace, "--",
                                 self.program("free_queue_ok"), "slow"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, cwd=self.tmp)
        time.sleep(1.5)
        proc.kill()
        proc.wait(timeout=30)
        show = self.weft.show_json(trace)
        self.assertFalse(show["outcome"]["recorded"], "a killed weft wrote an outcome?")
        self.assertEqual(show["outcome"]["kind"], "interrupted", show["outcome"])
        puts = sum(1 for ev in show["events"] if ev["kind"] == "mutex_lock" and ev["tid"] == 0)
        # main puts an item every 10 ms; 1.5 s in, flushes every 200 ms hold most of them.
        self.assertGreater(puts, 50, "the trace of a killed weft lost what it had recorded")
        ran = self.weft.cmd("show", trace)
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertIn("the recording was interrupted", ran.stderr + ran.stdout, ran.describe())

    def record_free_until(self, name, trace, args, wanted, attempts):
        """Records `name` with --free until `wanted(ran, doc)` holds (at most `attempts`
        recordings), as a user with a flaky program would; returns (ran, doc)."""
        for _ in range(attempts):
            ran, doc = self.record_free(name, trace, args)
            if wanted(ran, doc):
                return ran, doc
        self.fail("%d free recordings of %s never gave the run wanted" % (attempts, name))

    def explore_from(self, trace, out_dir):
        ran = self.weft.cmd("explore", "--from", trace, "--json", "-o", out_dir, "--no-explain",
                            "--runs", "40")
        self.assertFalse(ran.timed_out, "weft explore --from hung:" + ran.describe())
        doc = document(self, ran, "explore")
        return ran, doc

    def test_explore_from_saves_a_failing_free_recording_as_a_controlled_trace(self):
        # Check-then-act across two locked sections: a seat sold twice. The order of the
        # locked sections decides it, so the recorded order reproduces it at once.
        # Long paperwork keeps the clerks overlapping on a loaded machine: at a load of 4
        # on 2 cores, 19 of 40 recordings sold a seat twice, against 2 of 40 with 100 200.
        trace = self.path("seat-free.weft")
        ran, doc = self.record_free_until("free_seat_racy", trace, ["1000", "2000"],
                                          lambda ran, doc: doc["failed"], 100)
        pattern = r"^seat \d+ sold \d+ times$"
        recorded = re.findall(pattern, ran.stdout, re.M)
        self.assertEqual(len(recorded), 1, ran.describe())
        ran, doc = self.explore_from(trace, self.path("seat-explore"))
        self.assertEqual(ran.returncode, 1, "explore --from must exit 1 when it reproduced the "
                         "recorded failure:" + ran.describe())
        f = doc["from"]
        self.assertIsNotNone(f, doc)
        self.assertEqual((f["trace"], f["mode"]), (trace, "free"), f)
        self.assertEqual(f["recorded_outcome"], "exited with code 1", f)
        self.assertFalse(f["first_run"]["diverged"], f)
        self.assertTrue(f["reproduced"], f)
        self.assertEqual(f["run"], 1, "the recorded order alone fails as recorded: %s" % f)
        self.assertEqual((f["verify_replays"], f["verify_reproduced"]), (3, 3), f)
        self.assertEqual(doc["strategy"], "conflicts", doc)
        saved = f["reproduced_trace"]
        self.assertEqual(f["replay_command"], "weft replay " + saved, f)
        self.assertEqual([x["trace"] for x in doc["failures"]], [saved], doc)
        show = self.weft.show_json(saved)
        self.assertEqual(show["mode"], "controlled", "explore --from saved no controlled trace")
        self.assertEqual(show["outcome"]["exit_code"], 1, show["outcome"])
        # The controlled trace replays every time, printing the recording's line.
        got = self.replay_lines(saved, 20, pattern)
        self.assertEqual(got, recorded * 20, "a replay of the saved trace sold another seat "
                         "twice than the recording (%s)" % recorded)
        # minimize reads the free recording: its replay follows the recorded order.
        small = self.path("seat-min.weft")
        ran = self.weft.cmd("minimize", trace, "-o", small, "--json")
        mdoc = document(self, ran, "minimize")
        self.assertTrue(mdoc["verified"], ran.describe())
        self.assertEqual(mdoc["outcome"], "exited with code 1", mdoc)

    def test_a_data_race_that_leaves_the_recorded_order_is_searched_around(self):
        # The worker stops on a plain flag (a data race): the replay runs main's unlocked
        # code at once, the worker sees the flag after one round and leaves the recorded
        # order, where the recording has it go on with more rounds.
        trace = self.path("stop-free.weft")
        replays = []

        def diverges(ran, doc):
            if not doc["failed"]:
                return False
            replays[:] = [self.weft.replay(trace)]
            return replays[0][1]["diverged"]

        ran, doc = self.record_free_until("free_stop_racy", trace, [], diverges, 30)
        recorded = re.findall(r"^worker ran (\d+) rounds", ran.stdout, re.M)
        self.assertEqual(len(recorded), 1, ran.describe())
        rran, rdoc = replays[0]
        self.assertFalse(rdoc["reproduced"], rran.describe())
        self.assertEqual(rran.returncode, 1, rran.describe())
        # The first divergence, checked against the recording: the replay's first K
        # synchronization events are the recording's first K, and its worker (T1) then did
        # what the recording's event K is not (it saw the flag sooner or later than there).
        m = re.search(r"after (\d+) of the (\d+) recorded synchronization events: the program "
                      r"did T1 (\w+), which the recorded order does not allow there",
                      rdoc["divergence"] or "")
        self.assertIsNotNone(m, rdoc)
        show = self.weft.show_json(trace)
        k, total, did = int(m.group(1)), int(m.group(2)), m.group(3)
        self.assertEqual(total, len(show["events"]), show["events"][-3:])
        recorded_order = [(ev["tid"], ev["kind"]) for ev in show["events"]]
        self.assertTrue(k < total, rdoc)
        self.assertNotEqual(recorded_order[k], (1, did), "the recording allows what the replay "
                            "did at event %d" % k)
        self.assertTrue(rdoc["divergence_trace"], rdoc)
        replayed = self.weft.show_json(rdoc["divergence_trace"])
        sync = {"thread_create", "thread_start", "thread_exit", "thread_join", "mutex_lock",
                "mutex_unlock"}
        replayed_order = [(ev["tid"], ev["kind"]) for ev in replayed["events"]
                          if ev["kind"] in sync]
        self.assertEqual(replayed_order[:k], recorded_order[:k], "the replay left the recorded "
                         "order before the divergence it reports")
        self.assertEqual(rdoc["divergence_thread"], 1, rdoc)
        # A replay that goes on past the divergence reports the same place.
        cran, cdoc = self.weft.replay(trace, extra=["--continue-after-divergence"])
        self.assertEqual(cdoc["divergence"], rdoc["divergence"], cran.describe())
        # explore --from searches around the recorded order until it fails as recorded.
        ran, doc = self.explore_from(trace, self.path("stop-explore"))
        self.assertEqual(ran.returncode, 1, ran.describe())
        f = doc["from"]
        self.assertTrue(f["first_run"]["diverged"], f)
        self.assertEqual(f["first_run"]["divergence"], rdoc["divergence"],
                         "explore's run 1 left the recorded order elsewhere than weft replay")
        self.assertTrue(f["reproduced"], f)
        self.assertGreater(f["run"], 1, "the first run left the recorded order: %s" % f)
        self.assertEqual(f["verify_reproduced"], f["verify_replays"], f)
        saved = f["reproduced_trace"]
        ran, rdoc = self.weft.replay(saved, extra=["--times", "20"])
        self.assertTrue(rdoc["reproduced"], ran.describe())
        self.assertEqual(rdoc["reproduced_count"], 20, ran.describe())
        self.assertEqual(rdoc["exit_code"], 1, rdoc)
        # Without --json: the progress says where run 1 left the recorded order.
        ran = self.weft.cmd("explore", "--from", trace, "-o", self.path("stop-text"),
                            "--no-explain")
        self.assertEqual(ran.returncode, 1, ran.describe())
        self.assertIn("run 1 follows the recorded order: it left it at event", ran.stderr,
                      ran.describe())
        self.assertIn("failed as recorded: exited with code 1", ran.stderr, ran.describe())
        self.assertIn("replay it with: weft replay ", ran.stderr, ran.describe())
        # The commands that change a controlled run's decisions say what to do instead.
        for argv in (["explain", trace], ["permute", trace, "--at", "3", "--thread", "1",
                                          "-o", self.path("p.weft")]):
            ran = self.weft.cmd(*argv)
            self.assertEqual(ran.returncode, 2, ran.describe())
            self.assertIn("is a free recording", ran.stderr, ran.describe())
            self.assertIn("weft explore --from " + trace, ran.stderr, ran.describe())
        ran = self.weft.cmd("minimize", trace, "-o", self.path("stop-min.weft"))
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn("does not replay to its recorded outcome", ran.stderr, ran.describe())
        self.assertIn("weft explore --from " + trace, ran.stderr, ran.describe())
        ran = self.weft.cmd("conflicts", trace)
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertIn("a free recording: the pairs are in its recorded order", ran.stdout,
                      ran.describe())
        self.assertNotIn("reverse: weft permute", ran.stdout, ran.describe())

    def test_explore_from_feeds_the_recorded_inputs_and_its_trace_keeps_them(self):
        # free_inputs fails when it read the file's first version; the file changes before
        # explore --from runs: its runs, and every replay of the trace it saves, must still
        # see what the recording read (and its clocks and random bytes).
        data = self.path("input-fail.txt")
        with open(data, "w") as f:
            f.write("first-version\n")
        trace = self.path("inputs-fail-free.weft")
        ran, doc = self.record_free("free_inputs", trace, args=[data, "fail"])
        self.assertTrue(doc["failed"], ran.describe())
        pattern = r"^(?:thread \d read .*|locks taken \d+/\d+)$"
        recorded = re.findall(pattern, ran.stdout, re.M)
        with open(data, "w") as f:
            f.write("second\n")
        ran, doc = self.explore_from(trace, self.path("inputs-explore"))
        self.assertEqual(ran.returncode, 1, ran.describe())
        f = doc["from"]
        self.assertTrue(f["reproduced"], f)
        self.assertEqual((f["verify_replays"], f["verify_reproduced"]), (3, 3), f)
        saved = f["reproduced_trace"]
        show = self.weft.show_json(saved)
        self.assertEqual(show["mode"], "controlled", show["strategy"])
        self.assertTrue(show["inputs_recorded"], "the saved trace does not carry the inputs")
        self.assertEqual(len(show["inputs"]), len(self.weft.show_json(trace)["inputs"]))
        got = self.replay_lines(saved, 5, pattern)
        self.assertEqual(got, recorded * 5, "a replay of the saved trace saw other inputs than "
                         "the recording")

    def test_explore_from_refuses_what_it_cannot_reproduce(self):
        trace = self.path("queue-ok-free.weft")
        self.record_free("free_queue_ok", trace)
        ran = self.weft.cmd("explore", "--from", trace)
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn("did not fail", ran.stderr, ran.describe())
        self.assertIn("no failure to reproduce", ran.stderr, ran.describe())
        ran = self.weft.cmd("explore", "--from", trace, "--strategy", "pct")
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn("leave out --strategy pct", ran.stderr, ran.describe())
        ran = self.weft.cmd("explore", "--verify", "3", "--", self.program("free_queue_ok"))
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn("--verify go with --from TRACE", ran.stderr, ran.describe())

    def test_a_forking_program_is_told_its_children_went_unrecorded(self):
        # The children of a free recording run as they would without weft: their events are
        # in no trace. The parent of file_stock_racy only forks and waits, so its trace held
        # 0 events and weft said nothing of why.
        ran, doc = self.record_free("file_stock_racy", self.path("stock-free.weft"), ["fd"])
        notes = [n for n in doc["notes"] if "records the first process only" in n]
        self.assertEqual(len(notes), 1, doc["notes"])
        self.assertIn("the 2 processes the program started ran unrecorded", notes[0])
        self.assertIn("record without --free", notes[0])
        ran, doc = self.record_free("free_transfer_racy", self.path("one-process.weft"))
        self.assertFalse([n for n in doc["notes"] if "first process only" in n], doc["notes"])

    def test_scheduling_options_are_refused_with_free(self):
        for extra in (["--strategy", "pct"], ["--seed", "3"], ["--max-steps", "10"]):
            ran = self.weft.cmd("record", "--free", *extra, "--", self.program("free_queue_ok"))
            self.assertEqual(ran.returncode, 2, ran.describe())
            self.assertIn("does not go with --free", ran.stderr, ran.describe())


GROUPS = {"free": FreeGroup}

if __name__ == "__main__":
    wi.GROUPS.clear()
    wi.GROUPS.update(GROUPS)
    sys.exit(wi.main())
