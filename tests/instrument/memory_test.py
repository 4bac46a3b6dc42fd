#!/usr/bin/env python3
"""memory_test.py — plain memory accesses as schedule points, as a user meets them: a
lost-update counter (2 threads x 1000 `count++`) built with `weft cc` (gcc and clang) is
found by `weft explore` (random and pct) within 100 runs and its failing trace replays 20 of
20 times with the same event stream; the fixed versions (an atomic counter, a mutex) never
fail in 200 runs; `weft record` learns the sites and `--memory-sites` makes them points; an
uninstrumented build of the same program is told, once, that plain memory accesses were not
interleaved.

  python3 memory_test.py --weft build/bin/weft [-v] [-k PATTERN]

Standard library only. Skips only when the machine cannot run weft at all (exit 77).
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "integration"))
import weft_protocol  # noqa: E402

WEFT = None
COMPILERS = {"gcc": "gcc", "clang": "clang"}
TIMEOUT_S = 300
BUDGET = 100          # explore runs within which the lost update must be found
CORRECT_RUNS = 200    # runs of a fixed version that must all pass
REPLAYS = 20
NOT_INTERLEAVED = ("plain memory accesses were not interleaved: build with weft cc to "
                   "search them")
EVENT_FIELDS = ("tid", "kind", "object", "flags", "arg")


def run(argv, env=None):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env, timeout=TIMEOUT_S)


def doc_of(done, stream="stdout"):
    # NB: weft record --json prints its document as the last line of stderr.
    return weft_protocol.last_line_document(getattr(done, stream))


class Memory(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.work = tempfile.mkdtemp(prefix="weft-memory-")
        cls.built = {}

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.work, ignore_errors=True)

    def program(self, source, family="gcc", instrumented=True):
        """`source` built with weft cc (or plainly) by the compiler of `family`, -O0 -g."""
        key = (source, family, instrumented)
        if key not in self.built:
            out = os.path.join(self.work, "%s-%s%s" % (source[:-2], family,
                                                       "" if instrumented else "-plain"))
            src = os.path.join(HERE, source)
            if instrumented:
                env = dict(os.environ, WEFT_CC=COMPILERS[family])
                done = run([WEFT, "cc", "-g", "-O0", src, "-o", out, "-pthread"], env=env)
            else:
                done = run([COMPILERS[family], "-g", "-O0", src, "-o", out, "-pthread"])
            self.assertEqual(done.returncode, 0, done.stderr)
            self.built[key] = out
        return self.built[key]

    def explore(self, program, strategy, runs, outdir):
        done = run([WEFT, "explore", "--json", "--strategy", strategy, "--runs", str(runs),
                    "-o", outdir, "--", program])
        self.assertIn(done.returncode, (0, 1), done.stderr)
        return doc_of(done), done

    def events(self, trace):
        done = run([WEFT, "show", "--json", trace])
        self.assertEqual(done.returncode, 0, done.stderr)
        doc = json.loads(done.stdout)
        return doc, [tuple(e.get(f) for f in EVENT_FIELDS) for e in doc["events"]]

    def test_lost_update_is_found_and_replays_exactly(self):
        for family in COMPILERS:
            program = self.program("lost_update_racy.c", family)
            for strategy in ("random", "pct"):
                with self.subTest(compiler=family, strategy=strategy):
                    outdir = os.path.join(self.work, "found-%s-%s" % (family, strategy))
                    doc, done = self.explore(program, strategy, BUDGET, outdir)
                    self.assertEqual(done.returncode, 1, "not found in %d runs: %s"
                                     % (BUDGET, done.stderr[-2000:]))
                    failure = doc["failures"][0]
                    self.assertEqual(failure["exit_code"], 1)
                    self.assertTrue(doc["memory"]["interleaved"], doc["memory"])
                    self.assertGreater(doc["memory"]["sites"], 0)
                    self.assertIn("memory accesses were schedule points", doc["coverage"])
                    trace = failure["trace"]
                    with open(trace + ".out") as f:
                        printed = f.read()
                    self.assertRegex(printed, r"count = \d+")
                    self.assertNotIn("count = 2000", printed)
                    recorded_doc, recorded = self.events(trace)
                    kinds = {e[1] for e in recorded}
                    self.assertTrue({"mem_read", "mem_write"} <= kinds, kinds)
                    replayed = os.path.join(self.work, "replayed-%s-%s.weft" % (family, strategy))
                    again = run([WEFT, "replay", trace, "--times", str(REPLAYS), "--json",
                                 "-o", replayed])
                    rdoc = doc_of(again)
                    self.assertEqual((again.returncode, rdoc["reproduced_count"]), (0, REPLAYS),
                                     again.stderr[-2000:])
                    self.assertEqual(rdoc["exit_code"], 1)
                    self.assertTrue(rdoc["memory"]["interleaved"])
                    _, replayed_events = self.events(replayed)
                    self.assertEqual(replayed_events, recorded)

    def test_fixed_versions_never_fail(self):
        for source in ("lost_update_atomic_ok.c", "locked_counter.c"):
            program = self.program(source, "gcc")
            for strategy in ("random", "pct"):
                with self.subTest(source=source, strategy=strategy):
                    outdir = os.path.join(self.work, "ok-%s-%s" % (source, strategy))
                    doc, done = self.explore(program, strategy, CORRECT_RUNS, outdir)
                    self.assertEqual((done.returncode, doc["runs"], doc["failures"]),
                                     (0, CORRECT_RUNS, []), done.stderr[-2000:])
                    self.assertTrue(doc["memory"]["interleaved"], doc["memory"])

    def test_record_learns_sites_and_memory_sites_uses_them(self):
        program = self.program("lost_update_racy.c", "gcc")
        first = os.path.join(self.work, "learn.weft")
        done = run([WEFT, "record", "--seed", "1", "-o", first, "--", program])
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("memory access sites that touched shared memory", done.stderr)
        self.assertNotIn(NOT_INTERLEAVED, done.stderr)
        failed = 0
        for seed in range(1, 11):
            trace = os.path.join(self.work, "seeded-%d.weft" % seed)
            done = run([WEFT, "record", "--json", "--seed", str(seed), "--memory-sites", first,
                        "-o", trace, "--", program])
            self.assertEqual(done.returncode, 0, done.stderr)
            doc = doc_of(done, "stderr")
            self.assertGreater(doc["memory"]["sites_used"], 0)
            failed += doc["failed"]
        self.assertGreater(failed, 0, "no seed of 10 lost an update with the learned sites")
        bad = run([WEFT, "record", "--memory-sites", os.path.join(self.work, "nothing.weft"),
                   "--", program])
        self.assertEqual(bad.returncode, 2)
        self.assertIn("--memory-sites", bad.stderr)

    def test_a_full_granule_table_is_said_once_and_harmless(self):
        program = self.program("many_granules.c", "gcc")
        trace = os.path.join(self.work, "many.weft")
        done = run([WEFT, "record", "--json", "-o", trace, "--", program])
        self.assertEqual(done.returncode, 0, done.stderr)
        doc = doc_of(done, "stderr")
        self.assertEqual(doc["exit_code"], 0, done.stdout + done.stderr)
        self.assertTrue(doc["memory"]["table_full"], doc["memory"])
        self.assertEqual(done.stderr.count("the table of memory granules is full"), 1,
                         done.stderr)
        self.assertIn("sum = 499500", done.stdout)

    def test_uninstrumented_build_is_told_once(self):
        program = self.program("lost_update_racy.c", "gcc", instrumented=False)
        outdir = os.path.join(self.work, "plain")
        done = run([WEFT, "explore", "--runs", "20", "-o", outdir, "--", program])
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stderr.count(NOT_INTERLEAVED), 1, done.stderr)
        doc, done = self.explore(program, "random", 20, outdir)
        self.assertFalse(doc["memory"]["instrumented"])
        self.assertFalse(doc["memory"]["interleaved"])
        self.assertIn("plain memory accesses between them were not interleaved", doc["coverage"])
        trace = os.path.join(self.work, "plain.weft")
        done = run([WEFT, "record", "-o", trace, "--", program])
        self.assertEqual(done.stderr.count(NOT_INTERLEAVED), 1, done.stderr)
        done = run([WEFT, "replay", trace])
        self.assertEqual(done.stderr.count(NOT_INTERLEAVED), 1, done.stderr)
        # The instrumented build is not told so.
        instrumented = self.program("lost_update_racy.c", "gcc")
        done = run([WEFT, "explore", "--runs", "3", "-o", outdir, "--", instrumented])
        self.assertNotIn(NOT_INTERLEAVED, done.stderr)


def main():
    global WEFT
    parser = argparse.ArgumentParser()
    parser.add_argument("--weft", required=True)
    parser.add_argument("-v", action="store_true")
    parser.add_argument("-k", action="append", default=[])
    args = parser.parse_args()
    WEFT = os.path.abspath(args.weft)
    problem = weft_protocol.capability_problem()
    if problem:
        print("skipped: " + problem)
        return weft_protocol.SKIP_EXIT_CODE
    for tool in COMPILERS.values():
        if shutil.which(tool) is None:
            print("FAIL: %s is not installed (scripts/install-deps.sh installs it)" % tool)
            return 1
    argv = [sys.argv[0]] + (["-v"] if args.v else []) + sum((["-k", k] for k in args.k), [])
    result = unittest.main(argv=argv, exit=False).result
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
