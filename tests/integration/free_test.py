#!/usr/bin/env python3
"""Integration tests of free recordings (weft record --free, issue 11): the program's threads
run in parallel, the order of their synchronization events is recorded, and `weft replay`
enforces that order: a failure recorded in a loop replays every time with the same output;
a crash and a SIGKILL mid-run leave readable traces.

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
        # Record in a loop until a recording fails, as a user with a flaky test would.
        trace = self.path("transfer-free.weft")
        failed = None
        for attempt in range(40):
            ran, doc = self.record_free("free_transfer_racy", trace)
            if doc["failed"]:
                failed = (ran, doc)
                break
        self.assertIsNotNone(failed, "40 free recordings of free_transfer_racy never lost an "
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
