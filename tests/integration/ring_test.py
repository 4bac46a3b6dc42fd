#!/usr/bin/env python3
"""Integration tests of the flight recorder (weft record --free --ring SIZE, weft dump;
issue 11 item 3): only the last SIZE of events and inputs is kept, written when the
program fails or on demand while it runs; the window is a trace weft show reads and says
what was dropped; weft replay refuses it; a run that passes writes nothing.

Uses weft_integration.py's runner and helpers: run it as
  ring_test.py --weft build/bin/weft --programs build/tests/programs \\
      --manifest tests/programs/manifest.json --group ring
"""
import os
import re
import subprocess
import sys
import time

import weft_integration as wi
from weft_integration import WeftTestCase, document


def children_of(pid):
    """The pids whose parent is `pid`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/status" % entry) as f:
                for line in f:
                    if line.startswith("PPid:"):
                        if int(line.split()[1]) == pid:
                            found.append(int(entry))
                        break
        except OSError:
            continue
    return found


def wait_for(predicate, seconds, step=0.05):
    end = time.time() + seconds
    while time.time() < end:
        if predicate():
            return True
        time.sleep(step)
    return predicate()


class RingGroup(WeftTestCase):
    """A flight recording keeps the end of a run and writes it on failure or on demand."""

    def record_ring(self, trace, size, args):
        ran = self.weft.cmd("record", "--free", "--ring", size, "--json", "-o", trace,
                            "--timeout", "120", "--", self.program("ring_rounds"), *args)
        self.assertFalse(ran.timed_out, "weft record --free --ring hung:" + ran.describe())
        self.assertEqual(ran.returncode, 0, "weft record --ring must exit 0:" + ran.describe())
        return ran, document(self, ran, "record")

    def assert_replay_refused(self, trace):
        ran = self.weft.cmd("replay", trace)
        self.assertEqual(ran.returncode, 2, "weft replay of a window did not refuse it:"
                         + ran.describe())
        self.assertIn("is a window of a flight recording", ran.stderr, ran.describe())
        self.assertIn("cannot be replayed", ran.stderr, ran.describe())
        self.assertNotIn("reproduced", ran.stderr, ran.describe())

    def test_a_crash_writes_the_last_events_only(self):
        trace = self.path("abort-ring.weft")
        ran, doc = self.record_ring(trace, "64K", ["abort", "20000"])
        self.assertTrue(doc["failed"], ran.describe())
        self.assertEqual(doc.get("signal"), 6, doc)
        self.assertIn("aborting after 20000 rounds", ran.stdout, ran.describe())
        ring = doc["ring"]
        self.assertIsNotNone(ring, doc)
        self.assertTrue(ring["written"], doc)
        self.assertTrue(os.path.isfile(trace), "the failing run's window was not written")
        # 2 threads x 20000 rounds x lock and unlock: far more than 64 KiB of events.
        self.assertGreater(doc["events"], 80000, doc)
        self.assertGreater(ring["dropped_events"], 0, doc)
        self.assertLessEqual(ring["peak_bytes"], 64 * 1024 + 256 * 1024, doc)
        show = self.weft.show_json(trace)
        self.assertIsNotNone(show["ring"], "the window does not say it is one")
        self.assertEqual(show["ring"]["dropped_events"], ring["dropped_events"], show["ring"])
        self.assertEqual(len(show["events"]) + show["ring"]["dropped_events"], doc["events"],
                         "the window and its dropped events are not the whole run")
        self.assertLess(len(show["events"]), doc["events"] // 4, "the whole run was kept")
        self.assertFalse(show["ring"]["running"], show["ring"])
        kinds = [ev["kind"] for ev in show["events"]]
        # The start (the threads' creation) was dropped; the end (their joins) is there.
        self.assertNotIn("thread_create", kinds, "the window holds the run's start")
        tail = [(ev["tid"], ev["kind"]) for ev in show["events"][-6:]]
        # (main joined the worker that ended first maybe long before: only the last join
        # is sure to be in the window, right after its worker's exit)
        self.assertEqual(tail[-1], (0, "thread_join"), tail)
        self.assertIn("thread_exit", [kind for _, kind in tail], tail)
        self.assertGreater(kinds.count("mutex_lock"), 1000, "the last lock rounds are missing")
        self.assertTrue(show["outcome"]["recorded"], show["outcome"])
        self.assertEqual(show["outcome"]["signal"], 6, show["outcome"])
        self.assertEqual(show["outcome"]["events"], doc["events"], show["outcome"])
        text = self.weft.cmd("show", trace)
        self.assertEqual(text.returncode, 0, text.describe())
        self.assertRegex(text.stderr + text.stdout,
                         r"the first [0-9,]+ events were dropped by --ring", text.describe())
        self.assertIn("SIGABRT", text.stdout, text.describe())
        self.assert_replay_refused(trace)

    def test_the_watchdog_writes_the_window_of_a_deadlock(self):
        trace = self.path("deadlock-ring.weft")
        start = time.time()
        ran = self.weft.cmd("record", "--free", "--ring", "64K", "--watchdog", "1", "--json",
                            "-o", trace, "--timeout", "60", "--",
                            self.program("ring_rounds"), "deadlock", "20000")
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertLess(time.time() - start, 30, "the watchdog took far longer than 1 s")
        doc = document(self, ran, "record")
        self.assertTrue(doc["failed"], doc)
        self.assertTrue(doc["deadlock"], "the watchdog did not see the deadlock: %s" % doc)
        self.assertFalse(doc["timeout"], doc)
        self.assertTrue(doc["ring"]["written"], doc)
        show = self.weft.show_json(trace)
        self.assertTrue(show["outcome"]["deadlock"], show["outcome"])
        self.assertIn("watchdog", show["outcome"]["description"], show["outcome"])
        self.assertGreater(show["ring"]["dropped_events"], 0, show["ring"])
        # The end of the window: each worker took its second mutex (the other's lock, which
        # it waits for, never came).
        last = {}
        for ev in show["events"]:
            last[ev["tid"]] = (ev["kind"], ev["object"])
        round_lock = show["events"][0]["object"]
        self.assertEqual({last[1][0], last[2][0]}, {"mutex_lock"}, last)
        self.assertNotIn(round_lock, (last[1][1], last[2][1]), last)
        self.assertNotEqual(last[1][1], last[2][1], last)

    def test_the_watchdog_leaves_a_busy_program_alone(self):
        trace = self.path("busy-ring.weft")
        ran = self.weft.cmd("record", "--free", "--ring", "64K", "--watchdog", "0.5", "--json",
                            "-o", trace, "--timeout", "60", "--",
                            self.program("ring_rounds"), "serve", "2")
        self.assertEqual(ran.returncode, 0, ran.describe())
        doc = document(self, ran, "record")
        self.assertFalse(doc["failed"], doc)
        self.assertRegex(ran.stdout, r"^served \d+ rounds", ran.describe())

    def test_a_run_that_passes_writes_nothing(self):
        trace = self.path("ok-ring.weft")
        ran, doc = self.record_ring(trace, "64K", ["ok", "5000"])
        self.assertFalse(doc["failed"], ran.describe())
        self.assertEqual(ran.stdout.strip(), "rounds 5000, counter 10000", ran.describe())
        self.assertFalse(doc["ring"]["written"], doc)
        self.assertEqual(doc["bytes"], 0, doc)
        self.assertFalse(os.path.exists(trace), "a passing flight recording wrote a trace")
        # Without --json, weft says so at the end.
        ran = self.weft.cmd("record", "--free", "--ring", "64K", "-o", trace, "--",
                            self.program("ring_rounds"), "ok", "5000")
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertIn("the program did not fail: nothing written", ran.stderr, ran.describe())
        self.assertFalse(os.path.exists(trace), "a passing flight recording wrote a trace")

    def test_dumps_on_demand_while_the_program_runs(self):
        trace = self.path("serve-ring.weft")
        err_path = self.path("serve-ring.stderr")
        with open(err_path, "w") as err, open(self.path("serve-ring.stdout"), "w") as out:
            proc = subprocess.Popen([wi.CONFIG.weft, "record", "--free", "--ring", "256K", "-o",
                                     trace, "--timeout", "120", "--",
                                     self.program("ring_rounds"), "serve", "5"],
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                                    cwd=self.tmp)
        try:
            stderr = lambda: open(err_path).read()
            self.assertTrue(wait_for(lambda: "recording" in stderr(), 30), stderr())
            self.assertTrue(wait_for(lambda: children_of(proc.pid), 30), "no program started")
            time.sleep(1.0)
            # The first dump by weft's pid, the second by the program's.
            first = self.weft.cmd("dump", proc.pid)
            self.assertEqual(first.returncode, 0, first.describe())
            self.assertTrue(wait_for(lambda: "dump 1:" in stderr(), 30), stderr())
            time.sleep(1.0)
            program = children_of(proc.pid)[0]
            second = self.weft.cmd("dump", program)
            self.assertEqual(second.returncode, 0, second.describe())
            self.assertIn("pid %d" % proc.pid, second.stderr, second.describe())
            self.assertTrue(wait_for(lambda: "dump 2:" in stderr(), 30), stderr())
            proc.wait(timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0, stderr())
        output = open(self.path("serve-ring.stdout")).read()
        m = re.fullmatch(r"served (\d+) rounds, counter (\d+)\n", output)
        self.assertIsNotNone(m, "the program's output was damaged: %r" % output)
        self.assertEqual(m.group(1), m.group(2), output)
        self.assertGreater(int(m.group(1)), 10000, output)
        dumps = re.findall(r"^weft: dump (\d): .* written to (\S+) \(", stderr(), re.M)
        self.assertEqual([d[0] for d in dumps], ["1", "2"], stderr())
        paths = [d[1] for d in dumps]
        self.assertEqual(paths, [self.path("serve-ring.1.weft"), self.path("serve-ring.2.weft")],
                         stderr())
        # weft dump waited for each file and printed its path, as the recording named it.
        self.assertEqual([first.stdout.strip(), second.stdout.strip()], paths,
                         first.describe() + second.describe())
        self.assertIn("written to " + paths[0], first.stderr, first.describe())
        windows = []
        for n, path in enumerate(paths, 1):
            show = self.weft.show_json(path)
            self.assertIsNotNone(show["ring"], path)
            self.assertTrue(show["ring"]["running"], show["ring"])
            self.assertEqual(show["ring"]["dump"], n, show["ring"])
            self.assertFalse(show["outcome"]["recorded"], show["outcome"])
            self.assertGreater(sum(1 for ev in show["events"] if ev["kind"] == "mutex_lock"),
                               1000, "dump %d holds no lock rounds" % n)
            windows.append(show["ring"]["dropped_events"] + len(show["events"]))
        # The second dump was taken later in the run: it ends at a later event.
        self.assertGreater(windows[1], windows[0], windows)
        self.assertIn("the program did not fail: nothing written", stderr())
        self.assertFalse(os.path.exists(trace), "a passing run wrote its window at -o")
        text = self.weft.cmd("show", paths[0])
        self.assertEqual(text.returncode, 0, text.describe())
        self.assertIn("while the program ran", text.stderr + text.stdout, text.describe())
        self.assert_replay_refused(paths[1])

    def test_bad_sizes_and_pids_are_refused(self):
        prog = self.program("ring_rounds")
        for extra, message in ((["--ring", "64M"], "--ring goes with --free"),
                               (["--free", "--ring", "lots"], "give a size such as 64M"),
                               (["--free", "--ring", "1K"], "too small")):
            ran = self.weft.cmd("record", *extra, "--", prog, "ok", "10")
            self.assertEqual(ran.returncode, 2, ran.describe())
            self.assertIn(message, ran.stderr, ran.describe())
        ran = self.weft.cmd("dump", os.getpid())
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn("neither weft nor a program weft records", ran.stderr, ran.describe())
        ran = self.weft.cmd("dump", "--help")
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertIn("weft's own pid", ran.stdout, ran.describe())


GROUPS = {"ring": RingGroup}

if __name__ == "__main__":
    wi.GROUPS.clear()
    wi.GROUPS.update(GROUPS)
    sys.exit(wi.main())
