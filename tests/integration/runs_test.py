#!/usr/bin/env python3
"""Integration tests of how weft runs a program, driven through the CLI as a user would:
a replay sees the recorded memory layout, a divergent replay stops there and says where,
--json never mixes with the program's stdout, a failing run's own trace is kept (never a
re-run) and failures are grouped, parallel runs do not see each other's files, stdin is
forwarded, recorded and fed back, and a truncated trace opens up to its last packet.

Uses weft_integration.py's runner and helpers: run it as
  runs_test.py --weft build/bin/weft --programs build/tests/programs \\
      --manifest tests/programs/manifest.json --group layout ...
"""
import json
import os
import re
import shutil
import subprocess
import sys

import weft_integration as wi
from weft_integration import WeftTestCase, run, CONFIG


def last_json(text):
    lines = [l for l in text.splitlines() if l.strip()]
    return json.loads(lines[-1]) if lines else None


class LayoutGroup(WeftTestCase):
    """Replay runs the program with the recorded memory layout, with or without -o, every
    time."""

    def test_malloc_address_is_the_same_in_every_replay(self):
        prog = self.program("malloc_addr")
        trace = self.path("layout.weft")
        rec = self.weft.record(prog, trace, seed=3)
        m = re.search(r"big (0x[0-9a-f]+) small (0x[0-9a-f]+)", rec.stdout)
        self.assertIsNotNone(m, "malloc_addr printed no addresses:" + rec.describe())
        recorded = m.group(0)
        for extra in ([], ["-o", self.path("replay-o.weft")],
                      ["--times", "3"], ["--times", "3", "-o", self.path("replay-3.weft")]):
            ran = self.weft.cmd("replay", trace, *extra)
            self.assertEqual(ran.returncode, 0, "replay did not reproduce:" + ran.describe())
            got = re.findall(r"big 0x[0-9a-f]+ small 0x[0-9a-f]+", ran.stdout)
            times = 3 if "--times" in extra else 1
            self.assertEqual(got, [recorded] * times,
                             "replay %s printed other addresses than the recording (%s):%s"
                             % (" ".join(extra), recorded, ran.describe()))

    def test_no_stacks_recording_replays_with_its_layout(self):
        prog = self.program("malloc_addr")
        trace = self.path("layout-nostacks.weft")
        rec = self.weft.record(prog, trace, seed=3, extra=["--no-stacks"])
        recorded = re.search(r"big 0x[0-9a-f]+ small 0x[0-9a-f]+", rec.stdout).group(0)
        for extra in ([], ["-o", self.path("replay-ns.weft")]):
            ran = self.weft.cmd("replay", trace, *extra)
            self.assertEqual(ran.returncode, 0, ran.describe())
            self.assertIn(recorded, ran.stdout, ran.describe())


class DivergenceGroup(WeftTestCase):
    """A replay that diverges stops at the divergence and says where."""

    def diverging_trace(self):
        # diverge_file counts its runs in a file and locks once more per run: recorded
        # with a fresh counter, every replay diverges at the worker's second lock.
        prog = self.program("diverge_file")
        trace = self.path("div.weft")
        counter = self.path("div-counter")
        if os.path.exists(counter):
            os.unlink(counter)
        self.weft.record(prog, trace, seed=1, args=[counter])
        return trace

    def test_divergence_stops_and_says_where(self):
        trace = self.diverging_trace()
        ran, doc = self.weft.replay(trace)
        self.assertEqual(ran.returncode, 1, ran.describe())
        self.assertIs(doc["reproduced"], False)
        self.assertIs(doc["diverged"], True, ran.describe())
        self.assertIs(doc["stopped"], True, "the replay did not stop at the divergence:"
                      + ran.describe())
        self.assertEqual(doc["events"], doc["divergence_index"],
                         "the replay ran past its divergence:" + ran.describe())
        self.assertIsInstance(doc["divergence_thread"], int)
        self.assertTrue(doc["reason"])
        self.assertTrue(doc["divergence_threads"], ran.describe())
        mine = [t for t in doc["divergence_threads"] if t["diverged"]]
        self.assertEqual(len(mine), 1, ran.describe())
        self.assertTrue(mine[0]["location"], "no stack for the diverging thread:"
                        + ran.describe())
        self.assertTrue(os.path.isfile(doc["divergence_trace"]), ran.describe())
        text = self.weft.cmd("replay", trace)
        self.assertIn("stopped at event %d" % doc["divergence_index"], text.stderr)
        self.assertIn("expected", text.stderr)
        self.assertIn("<- did not follow the trace", text.stderr)

    def test_continue_after_divergence(self):
        trace = self.diverging_trace()
        ran, doc = self.weft.replay(trace, extra=["--continue-after-divergence"])
        self.assertIs(doc["diverged"], True, ran.describe())
        self.assertIs(doc["stopped"], False, ran.describe())
        self.assertGreater(doc["events"], doc["divergence_index"], ran.describe())

    def test_not_reproduced_always_has_a_reason(self):
        trace = self.diverging_trace()
        ran, doc = self.weft.replay(trace, extra=["--times", "2"])
        self.assertIs(doc["reproduced"], False)
        self.assertTrue(doc["reason"], ran.describe())
        good = self.path("good.weft")
        self.weft.record(self.program("withdraw_ok"), good, seed=2)
        ran, doc = self.weft.replay(good)
        self.assertIs(doc["reproduced"], True, ran.describe())
        self.assertIsNone(doc["reason"])


class JsonStdoutGroup(WeftTestCase):
    """`weft record --json` leaves stdout to the program."""

    def test_record_json_keeps_stdout_clean(self):
        prog = self.program("malloc_addr")
        trace = self.path("j.weft")
        ran = self.weft.cmd("record", "--json", "-o", trace, "--seed", 1, "--", prog)
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertRegex(ran.stdout, r"^big 0x[0-9a-f]+ small 0x[0-9a-f]+ turns 6\n$",
                         "stdout is not the program's output alone:" + ran.describe())
        doc = wi.document(self, ran, "record")
        self.assertEqual(doc["trace"], trace)
        jf = self.path("r.json")
        ran = self.weft.cmd("record", "--json-file", jf, "-o", trace, "--seed", 1, "--", prog)
        self.assertRegex(ran.stdout, r"^big 0x[0-9a-f]+ small", ran.describe())
        self.assertNotIn("weft.record/1", ran.stdout + ran.stderr)
        with open(jf) as f:
            self.assertEqual(json.load(f)["schema"], "weft.record/1")

    def test_compressor_output_is_valid(self):
        gzip = "/bin/gzip" if os.path.exists("/bin/gzip") else None
        if gzip is None:
            self.skipTest("no gzip")
        data = self.path("data.txt")
        with open(data, "w") as f:
            f.write("weft " * 5000)
        with open(self.path("data.gz"), "wb") as out:
            import subprocess
            done = subprocess.run([CONFIG.weft, "record", "--json", "-o", self.path("gz.weft"),
                                   "--", gzip, "-c", data], stdout=out,
                                  stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                  timeout=120)
        self.assertEqual(done.returncode, 0, done.stderr)
        back = run(["gzip", "-dc", self.path("data.gz")])
        self.assertEqual(back.returncode, 0, back.describe())
        self.assertEqual(back.stdout, "weft " * 5000)


class KeptFailuresGroup(WeftTestCase):
    """explore keeps each failing run's own trace and groups failures."""

    def test_failing_runs_own_trace_is_kept(self):
        prog = self.program("flaky_random")
        out = self.path("flaky")
        ran, doc = self.weft.explore(prog, 30, 1, out, keep_going=True)
        self.assertEqual(ran.returncode, 1, ran.describe())
        self.assertGreater(len(doc["failures"]), 3, ran.describe())
        for f in doc["failures"]:
            trace = self.weft.failure_trace(f, out)
            shown = self.weft.show_json(trace)
            self.assertEqual(shown["outcome"]["exit_code"], 1,
                             "the kept trace of run %d is not a failing run" % f["run"])
            with open(trace + ".out") as o:
                self.assertRegex(o.read(), r"^unlucky \d+$")
            self.assertEqual(f["signature"], "exit code 1")
            # Its failure is not the schedule's: a replay with stacks may pass; then the
            # run's own trace is kept as it is, and weft says so.
            self.assertIn(f["stacks"], ("replayed", "not reproduced"), f)
        if any(f["stacks"] == "not reproduced" for f in doc["failures"]):
            self.assertIn("no stacks: a replay with stacks did not reproduce", ran.stderr)
        leftovers = [n for n in os.listdir(out) if n.endswith(".part") or ".part." in n]
        self.assertEqual(leftovers, [], "passing runs left traces behind")
        # Each failing run's trace and output; why/ holds explain's runs of the first one.
        self.assertEqual(len([n for n in os.listdir(out) if n != "why"]), 2 * len(doc["failures"]))
        groups = doc["failure_groups"]
        self.assertEqual([(g["signature"], g["count"]) for g in groups],
                         [("exit code 1", len(doc["failures"]))])
        self.assertEqual(groups[0]["runs"], [f["run"] for f in doc["failures"]])

    def test_kept_failure_has_stacks_and_replays(self):
        # Runs record no stacks (fast); the kept failure is an exact replay with them.
        prog = self.program("withdraw_racy")
        out = self.path("stacks")
        ran, doc = self.weft.explore(prog, 300, 1, out)
        self.assertEqual(ran.returncode, 1, ran.describe())
        f = doc["failures"][0]
        self.assertEqual(f["stacks"], "replayed", f)
        self.assertNotIn("no stacks", ran.stderr, ran.describe())
        trace = self.weft.failure_trace(f, out)
        shown = self.weft.show_json(trace)
        self.assertEqual((shown["strategy"], shown["seed"]), ("random", f["seed"]),
                         "the kept trace's header does not name the schedule that made it")
        sites = {(e["location"]["file"].rsplit("/", 1)[-1], e["location"]["line"])
                 for e in shown["events"] if e["location"] and e["location"]["line"] > 0}
        for line in (30, 37):  # has_funds's and debit's lock calls
            self.assertIn(("withdraw_racy.c", line), sites,
                          "no event at withdraw_racy.c:%d in the kept trace: %s" % (line, sites))
        with open(trace + ".out") as o:
            self.assertIn("balance = -", o.read())
        replayed = self.weft.cmd("replay", trace, "--times", 5)
        self.assertEqual(replayed.returncode, 0, replayed.describe())
        self.assertIn("5 of 5 replays", replayed.stderr, replayed.describe())
        # The opt-out keeps the run's own trace, without stacks.
        ran, doc = self.weft.explore(prog, 300, 1, self.path("nostacks"),
                                     extra=["--stack-depth", "0"])
        self.assertEqual(doc["failures"][0]["stacks"], "none", ran.describe())
        shown = self.weft.show_json(self.weft.failure_trace(doc["failures"][0],
                                                            self.path("nostacks")))
        self.assertEqual([e for e in shown["events"] if e["location"]], [])

    def test_progress_and_summary_agree(self):
        prog = self.program("withdraw_racy")
        out = self.path("agree")
        ran = self.weft.cmd("explore", "--runs", 300, "--seed", 1, "-j", 2, "-o", out,
                            "--timeout", 20, "--", prog)
        self.assertEqual(ran.returncode, 1, ran.describe())
        said = re.findall(r"run (\d+) \(seed (\d+)\) FAILED", ran.stderr)
        self.assertTrue(said, ran.describe())
        summary = re.search(r"^weft: run (\d+) \(seed (\d+)\) FAILED", ran.stderr, re.M)
        self.assertIsNotNone(summary, ran.describe())
        for run_no, seed in said:
            self.assertEqual(int(seed), int(run_no), "run number and seed disagree (seed 1 "
                             "is run 1):" + ran.describe())
        self.assertIn(summary.groups(), said, ran.describe())

    def test_keep_going_groups_by_signature(self):
        prog = self.program("lock_order_racy")
        out = self.path("groups")
        ran, doc = self.weft.explore(prog, 60, 1, out, keep_going=True)
        self.assertEqual(ran.returncode, 1, ran.describe())
        # One deadlock (the two locks taken in opposite orders), whatever the object ids
        # and thread numbers of each run.
        self.assertEqual(len(doc["failure_groups"]), 1, doc["failure_groups"])
        total = sum(g["count"] for g in doc["failure_groups"])
        self.assertEqual(total, len(doc["failures"]))
        for g in doc["failure_groups"]:
            self.assertTrue(g["signature"].startswith("deadlock"), g)
            self.assertTrue(os.path.isfile(self.weft.failure_trace({"trace": g["trace"]}, out)))
        text = self.weft.cmd("explore", "--runs", 60, "--seed", 1, "--keep-going", "-o",
                             self.path("groups-text"), "--timeout", 20, "--", prog)
        self.assertRegex(text.stderr, r"\d+ x deadlock", text.describe())


class IsolationGroup(WeftTestCase):
    """Parallel runs do not see each other's files."""

    def test_parallel_runs_do_not_share_files(self):
        prog = self.program("cwd_file_ok")
        work = self.path("iso-cwd")
        os.makedirs(work, exist_ok=True)
        ran = self.weft.cmd("explore", "--runs", 20, "-j", 2, "--json", "-o",
                            self.path("iso-out"), "--timeout", 20, "--", prog, cwd=work)
        doc = wi.document(self, ran, "explore")
        if not doc["isolated"]:
            self.assertIn("one at a time", ran.stderr)
        self.assertEqual(ran.returncode, 0, "a correct program failed:" + ran.describe())
        self.assertEqual(doc["failures"], [])
        self.assertEqual(os.listdir(work), [], "a run's files leaked into the real cwd")

    def test_without_isolation_runs_collide(self):
        # The test above can fail: without isolation the same runs collide.
        prog = self.program("cwd_file_ok")
        work = self.path("noiso-cwd")
        os.makedirs(work, exist_ok=True)
        ran = self.weft.cmd("explore", "--runs", 40, "-j", 2, "--no-isolation", "--json",
                            "-o", self.path("noiso-out"), "--timeout", 20, "--", prog,
                            cwd=work)
        doc = wi.document(self, ran, "explore")
        self.assertIs(doc["isolated"], False)
        self.assertEqual(ran.returncode, 1, "runs sharing a cwd never collided:"
                         + ran.describe())

    def test_every_run_starts_from_the_same_view(self):
        # One worker runs one run after another; each must see the files as they were,
        # not what the run before it left (weft reuses a worker's view only while clean).
        prog = self.program("leaves_file_ok")
        work = self.path("iso-leave")
        os.makedirs(work, exist_ok=True)
        marker = "/tmp/leaves_file_ok.mark"
        if os.path.exists(marker):
            os.unlink(marker)
        ran = self.weft.cmd("explore", "--runs", 6, "-j", 1, "--json", "-o",
                            self.path("iso-leave-out"), "--timeout", 20, "--", prog, cwd=work)
        doc = wi.document(self, ran, "explore")
        if not doc["isolated"]:
            self.skipTest("no isolation here: " + ran.stderr)
        self.assertEqual(ran.returncode, 0, "a run saw what an earlier one left:"
                         + ran.describe())
        self.assertEqual(doc["runs"], 6)
        self.assertEqual(os.listdir(work), [], "a run's files leaked into the real cwd")
        self.assertFalse(os.path.exists(marker), "a run's file leaked into the real /tmp")
        # Without isolation the second run finds the first one's files (under random: the
        # default, auto, makes a calibration run first, whose files run 1 would find).
        ran = self.weft.cmd("explore", "--strategy", "random", "--runs", 6, "-j", 1,
                            "--no-isolation", "--json",
                            "-o", self.path("noiso-leave-out"), "--timeout", 20, "--", prog,
                            cwd=work)
        doc = wi.document(self, ran, "explore")
        try:
            self.assertEqual(ran.returncode, 1, ran.describe())
            self.assertEqual(doc["first_failure_run"], 2, ran.describe())
        finally:
            if os.path.exists(marker):
                os.unlink(marker)

    def test_replay_of_isolated_run_is_isolated(self):
        prog = self.program("cwd_file_ok")
        work = self.path("iso-replay")
        os.makedirs(work, exist_ok=True)
        with open(os.path.join(work, "cwd_file_ok.lock"), "w") as f:
            f.write("someone else\n")
        out = self.path("iso-replay-out")
        ran = self.weft.cmd("explore", "--runs", 3, "--json", "-o", out, "--timeout", 20,
                            "--", prog, cwd=work)
        doc = wi.document(self, ran, "explore")
        if not doc["isolated"]:
            self.skipTest("no isolation here: " + ran.stderr)
        # The program sees the existing lock file in every run: all fail, same way.
        self.assertEqual(ran.returncode, 1, ran.describe())
        trace = self.weft.failure_trace(doc["failures"][0], out)
        ran, rep = self.weft.replay(trace)
        self.assertIs(rep["reproduced"], True, ran.describe())
        with open(os.path.join(work, "cwd_file_ok.lock")) as f:
            self.assertEqual(f.read(), "someone else\n")


class StdinGroup(WeftTestCase):
    """stdin is forwarded to every run, recorded, and fed back on replay."""

    def test_explore_forwards_stdin(self):
        prog = self.program("reads_stdin")
        out = self.path("stdin-out")
        ran = run([CONFIG.weft, "explore", "--runs", "10", "-j", "2", "--json", "-o", out,
                   "--timeout", "20", "--", prog], cwd=self.tmp, stdin=b"alice\n")
        doc = wi.document(self, ran, "explore")
        self.assertEqual(ran.returncode, 0, "runs did not get stdin:" + ran.describe())
        self.assertEqual(doc["runs"], 10)

    def test_record_replay_stdin(self):
        prog = self.program("reads_stdin")
        trace = self.path("stdin.weft")
        ran = run([CONFIG.weft, "record", "-o", trace, "--seed", "2", "--", prog],
                  cwd=self.tmp, stdin=b"bob\n")
        self.assertEqual(ran.stdout, "hello bob (count 4)\n", ran.describe())
        shown = self.weft.show_json(trace)
        self.assertEqual(shown["stdin"]["data"], "bob\n")
        # The replay gets the recorded stdin, not its own (empty here).
        rep = self.weft.cmd("replay", trace)
        self.assertEqual(rep.returncode, 0, rep.describe())
        self.assertEqual(rep.stdout, "hello bob (count 4)\n", rep.describe())

    def test_stdin_file(self):
        prog = self.program("reads_stdin")
        name = self.path("name.txt")
        with open(name, "w") as f:
            f.write("carol\n")
        trace = self.path("stdin-file.weft")
        ran = self.weft.cmd("record", "--stdin", name, "-o", trace, "--seed", 2, "--", prog)
        self.assertEqual(ran.stdout, "hello carol (count 4)\n", ran.describe())
        missing = self.weft.cmd("explore", "--stdin", self.path("nope"), "--", prog)
        self.assertEqual(missing.returncode, 2)
        self.assertIn("cannot read --stdin", missing.stderr)


class StreamKindsGroup(WeftTestCase):
    """A replay gives the program the kinds of stdout and stderr its recording had (a file,
    a pipe, a terminal; one file or two), wherever the replay's own output goes, and still
    shows the user what the program writes: a program that behaves by them (stdio's
    buffering does) replays, and weft says what it did."""

    def record_to_file(self, trace, stderr_too=False):
        prog = self.program("stream_kind")
        out = self.path(os.path.basename(trace) + ".out")
        with open(out, "wb") as f:
            proc = subprocess.run([CONFIG.weft, "record", "-o", trace, "--seed", "5",
                                   "--timeout", "20", "--", prog], cwd=self.tmp, stdout=f,
                                  stderr=subprocess.STDOUT if stderr_too else subprocess.PIPE,
                                  timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        with open(out) as f:
            return f.read()

    def replay_to_pipe(self, trace, want_stdout):
        """Replays with stdout a pipe (the program's output shown) and with --json (the
        program's output to /dev/null): both reproduce; the first shows what the program
        saw."""
        ran, doc = self.weft.replay(trace)
        self.assertIs(doc["reproduced"], True, "--json: not reproduced:" + ran.describe())
        ran = self.weft.cmd("replay", trace)
        self.assertEqual(ran.returncode, 0, "not reproduced:" + ran.describe())
        self.assertIn(want_stdout, ran.stdout, ran.describe())
        return ran

    def test_file_recording_replays_to_a_pipe(self):
        trace = self.path("to-file.weft")
        written = self.record_to_file(trace)
        self.assertIn("stdout is a file, stderr is a pipe", written)
        ran = self.replay_to_pipe(trace, "stdout is a file, stderr is a pipe\n")
        plain = self.weft.cmd("replay", trace)
        self.assertIn("the recording's stdout was a file", plain.stderr, plain.describe())
        self.assertIn("stderr line", plain.stderr, plain.describe())

    def test_pipe_recording_replays_to_a_file(self):
        prog = self.program("stream_kind")
        trace = self.path("to-pipe.weft")
        ran = self.weft.record(prog, trace, seed=6)
        self.assertIn("stdout is a pipe, stderr is a pipe\n", ran.stdout, ran.describe())
        out = self.path("replayed.out")
        with open(out, "wb") as f:
            proc = subprocess.run([CONFIG.weft, "replay", trace], cwd=self.tmp, stdout=f,
                                  stderr=subprocess.PIPE, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stderr.decode())
        with open(out) as f:
            self.assertEqual(f.read(), "stdout is a pipe, stderr is a pipe\n")

    def test_stderr_into_stdout_replays_apart_and_back(self):
        # Recorded with 2>&1 into a file: the replay joins them again; both lines reach
        # the replay's stdout.
        trace = self.path("joined.weft")
        written = self.record_to_file(trace, stderr_too=True)
        self.assertIn("stdout is a file, stderr is a file, the same file", written)
        self.replay_to_pipe(trace, "stdout is a file, stderr is a file, the same file\n")
        ran = self.weft.cmd("replay", trace)
        self.assertIn("stderr line", ran.stdout, ran.describe())

    def test_terminal_recording_replays_to_a_pipe(self):
        script = shutil.which("script")
        if script is None:
            self.fail("util-linux's script (package bsdutils) is missing")
        prog = self.program("stream_kind")
        trace = self.path("to-tty.weft")
        cmd = " ".join([CONFIG.weft, "record", "-o", trace, "--seed", "7", "--timeout", "20",
                        "--", prog])
        proc = subprocess.run([script, "-qec", cmd, "/dev/null"], cwd=self.tmp,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, timeout=120)
        self.assertEqual(proc.returncode, 0, proc.stdout.decode() + proc.stderr.decode())
        self.assertIn("stdout is a terminal, stderr is a terminal, the same file",
                      proc.stdout.decode())
        self.replay_to_pipe(trace, "stdout is a terminal, stderr is a terminal, the same file\n")


class TruncatedGroup(WeftTestCase):
    """A trace cut anywhere after its header opens up to its last complete packet."""

    def test_cut_traces_open(self):
        trace = self.path("whole.weft")
        self.weft.record(self.program("withdraw_ok"), trace, seed=1)
        with open(trace, "rb") as f:
            data = f.read()
        whole = self.weft.show_json(trace)
        n_events = len(whole["events"])
        opened = 0
        for frac in (0.3, 0.5, 0.7, 0.9, 0.99):
            cut = int(len(data) * frac)
            path = self.path("cut-%d.weft" % cut)
            with open(path, "wb") as f:
                f.write(data[:cut])
            show = self.weft.cmd("show", "--json", path)
            if show.returncode != 0:
                # Only a cut inside the header may be refused.
                self.assertIn("header", show.stderr, show.describe())
                continue
            opened += 1
            doc = wi.document(self, show, "show")
            self.assertIn("note:", show.stderr)
            self.assertLessEqual(len(doc["events"]), n_events)
            self.assertEqual(doc["events"], whole["events"][:len(doc["events"])])
            text = self.weft.cmd("show", path)
            self.assertEqual(text.returncode, 0, text.describe())
            rep = self.weft.cmd("replay", "--json", path)
            self.assertIn("as a prefix", rep.stderr, rep.describe())
            self.assertEqual(rep.returncode, 0, "the prefix did not replay:" + rep.describe())
            doc = wi.document(self, rep, "replay")
            self.assertIs(doc["reproduced"], True)
            self.assertEqual(doc["events"], doc["recorded_events"])
        self.assertGreaterEqual(opened, 3, "most cuts should open")


GROUPS = {
    "layout": LayoutGroup,
    "divergence_stop": DivergenceGroup,
    "json_stdout": JsonStdoutGroup,
    "kept_failures": KeptFailuresGroup,
    "isolation": IsolationGroup,
    "stdin": StdinGroup,
    "truncated": TruncatedGroup,
    "stream_kinds": StreamKindsGroup,
}

if __name__ == "__main__":
    wi.GROUPS.clear()
    wi.GROUPS.update(GROUPS)
    sys.exit(wi.main())
