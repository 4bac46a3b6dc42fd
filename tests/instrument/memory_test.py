#!/usr/bin/env python3
"""memory_test.py — plain memory accesses as schedule points, as a user meets them: a
lost-update counter (2 threads x 1000 `count++`) built with `weft cc` (gcc and clang) is
found by `weft explore` (random, pct, bounded and conflicts) within 100 runs and its failing
trace replays 20 of 20 times with the same event stream; the fixed versions (an atomic
counter, a mutex) never fail in 200 runs (bounded and conflicts: 100); a 64 KiB table four
threads read 100 times makes one memory event per granule, not one per read, and a write
racing with such reads is still found and reported; `weft record` learns the sites and `--memory-sites` makes them points; an
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
COMPILERS_CXX = {"gcc": "g++", "clang": "clang++"}
TIMEOUT_S = 300
BUDGET = 100          # explore runs within which the lost update must be found
CORRECT_RUNS = 200    # runs of a fixed version that must all pass
SYSTEMATIC_RUNS = 100  # the same for bounded and conflicts (their runs are slower)
TABLE_GRANULES = 65536 // 8
HEAP_RUNS = 200       # runs of the heap hand-over that must report no race
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


def race_lines(doc):
    """The races of an explore document as {(smaller line, larger line)} of their sites."""
    pairs = set()
    for race in doc["races"]:
        lines = []
        for side in ("current", "previous"):
            frames = race[side]["frames"]
            lines.append(frames[0].get("line") if frames else None)
        pairs.add(tuple(sorted(lines, key=lambda l: (l is None, l))))
    return pairs


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
            for strategy in ("random", "pct", "bounded", "conflicts"):
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

    def test_explain_names_the_lines_of_a_memory_race(self):
        # A check by a plain read racing with the other thread's atomic debit: weft explain
        # names the check and the debit, and its passing run passes on replay.
        with open(os.path.join(HERE, "explain_memory_racy.c")) as f:
            lines = f.read().splitlines()
        marker = lambda m: next(i for i, l in enumerate(lines, 1) if "// " + m in l)
        want = (marker("CHECK-LINE"), marker("DEBIT-LINE"))
        for family in COMPILERS:
            with self.subTest(compiler=family):
                program = self.program("explain_memory_racy.c", family)
                outdir = os.path.join(self.work, "explain-%s" % family)
                doc, done = self.explore(program, "random", BUDGET, outdir)
                self.assertEqual(done.returncode, 1, done.stderr[-2000:])
                self.assertTrue(doc["memory"]["interleaved"], doc["memory"])
                trace = doc["failures"][0]["trace"]
                why = run([WEFT, "explain", "--json", "-o", os.path.join(outdir, "x"), trace])
                self.assertEqual(why.returncode, 0, why.stderr[-2000:])
                critical = doc_of(why)["critical"]
                got = tuple(critical[s]["location"]["line"] for s in ("first", "second"))
                self.assertEqual(got, want, critical)
                self.assertEqual({critical["first"]["kind"], critical["second"]["kind"]},
                                 {"mem_read", "mem_write"}, critical)
                again = run([WEFT, "replay", "--json", doc_of(why)["passing_trace"]])
                replay = doc_of(again)
                self.assertTrue(replay["reproduced"], again.stderr[-2000:])
                self.assertEqual(replay["exit_code"], 0, replay)
                # explore's own short form says the same.
                self.assertEqual(tuple(doc["why"]["critical"][s]["location"]["line"]
                                       for s in ("first", "second")), want, doc["why"])

    def test_explain_names_the_check_of_a_lazy_init_at_O1(self):
        # `if (!p) p = new Obj` without a lock, built with weft c++ -O1: explain names the
        # check of p (its read, at CHECK-LINE) against the other thread's store, not the
        # constructor's `++constructed` (whose reversal passes only by losing one of the two
        # constructions' increments). gcc puts the store at STORE-LINE; clang turns p into a
        # flag set where the inlined constructor ends (COUNT-LINE's function), so there the
        # store's stack passes through STORE-LINE; clang also gives the __tsan_read call of
        # the check line 0 (hoisted into Use): the check is named by the access's line.
        # (surw's first failing run of the gcc build is one where the count's reversal passes
        # first.)
        with open(os.path.join(HERE, "explain_lazy_init_racy.cpp")) as f:
            lines = f.read().splitlines()
        marker = lambda m: next(i for i, l in enumerate(lines, 1) if "// " + m in l)
        check, store = marker("CHECK-LINE"), marker("STORE-LINE")
        for family in COMPILERS:
            with self.subTest(compiler=family):
                out = os.path.join(self.work, "lazy-init-%s" % family)
                env = dict(os.environ, WEFT_CXX=COMPILERS_CXX[family])
                # NB: built from a directory of its own with a relative source path that climbs
                # out of it (as CMake's with ccache's base_dir), run from another: the trace
                # names the file by the compilation directory, so the GUI finds it.
                objdir = os.path.join(self.work, "obj-%s" % family)
                os.makedirs(objdir, exist_ok=True)
                source = os.path.relpath(os.path.join(HERE, "explain_lazy_init_racy.cpp"), objdir)
                done = subprocess.run([WEFT, "c++", "-g", "-O1", source,
                                       "-o", out, "-pthread"], cwd=objdir, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                      timeout=TIMEOUT_S)
                self.assertEqual(done.returncode, 0, done.stderr)
                outdir = os.path.join(self.work, "explain-lazy-%s" % family)
                doc, done = self.explore(out, "surw", BUDGET, outdir)
                self.assertEqual(done.returncode, 1, done.stderr[-2000:])
                trace = doc["failures"][0]["trace"]
                why = run([WEFT, "explain", "--json", "-o", os.path.join(outdir, "x"), trace])
                self.assertEqual(why.returncode, 0, why.stderr[-2000:])
                explained = doc_of(why)
                critical = explained["critical"]
                sides = {critical[s]["kind"]: critical[s] for s in ("first", "second")}
                self.assertEqual(set(sides), {"mem_read", "mem_write"}, critical)
                self.assertNotEqual(critical["first"]["tid"], critical["second"]["tid"])
                read, write = sides["mem_read"], sides["mem_write"]
                self.assertEqual(read["object"], write["object"])
                self.assertRegex(read["object"], r" (_ZL1)?p(\.init)?$", critical)
                self.assertIsNotNone(read["location"], critical)
                self.assertEqual(read["location"]["line"], check, critical)
                self.assertEqual(read["location"]["file"],
                                 os.path.join(HERE, "explain_lazy_init_racy.cpp"), critical)
                self.assertIn(store, [f["line"] for f in write["stack"]], critical)
                if family == "gcc":
                    self.assertEqual(write["location"]["line"], store, critical)
                # Its passing run passes on replay.
                again = run([WEFT, "replay", "--json", explained["passing_trace"]])
                replay = doc_of(again)
                self.assertTrue(replay["reproduced"], again.stderr[-2000:])
                self.assertEqual(replay["exit_code"], 0, replay)

    def test_fixed_versions_never_fail(self):
        for source in ("lost_update_atomic_ok.c", "locked_counter.c"):
            program = self.program(source, "gcc")
            for strategy, runs in (("random", CORRECT_RUNS), ("pct", CORRECT_RUNS),
                                   ("bounded", SYSTEMATIC_RUNS),
                                   ("conflicts", SYSTEMATIC_RUNS)):
                with self.subTest(source=source, strategy=strategy):
                    outdir = os.path.join(self.work, "ok-%s-%s" % (source, strategy))
                    doc, done = self.explore(program, strategy, runs, outdir)
                    self.assertEqual((done.returncode, doc["runs"], doc["failures"]),
                                     (0, runs, []), done.stderr[-2000:])
                    self.assertTrue(doc["memory"]["interleaved"], doc["memory"])
                    self.assertEqual(doc["races"], [])
                    if strategy in ("bounded", "conflicts"):
                        # Not complete within the budget, and the claim names the memory
                        # accesses it made points.
                        self.assertFalse(doc["complete"])
                        self.assertIn("synchronization calls and memory accesses",
                                      doc["coverage"])
                        self.assertIn("memory accesses were schedule points at %d site"
                                      % doc["memory"]["sites"], doc["coverage"])

    def test_systematic_learning_does_not_depend_on_jobs(self):
        program = self.program("lost_update_racy.c", "gcc")
        for strategy in ("bounded", "conflicts"):
            with self.subTest(strategy=strategy):
                seen = []
                for jobs in ("1", "2"):
                    outdir = os.path.join(self.work, "jobs-%s-%s" % (strategy, jobs))
                    done = run([WEFT, "explore", "--json", "--strategy", strategy, "-j", jobs,
                                "--runs", str(BUDGET), "-o", outdir, "--", program])
                    doc = doc_of(done)
                    seen.append((doc["first_failure_run"], doc["memory"]["sites"],
                                 doc["memory"]["events"]))
                self.assertEqual(seen[0], seen[1])
                self.assertIsNotNone(seen[0][0])

    def test_read_shared_table_is_no_schedule_point(self):
        program = self.program("shared_table_ok.c", "gcc")
        trace = os.path.join(self.work, "table.weft")
        done = run([WEFT, "record", "--json", "--no-stacks", "-o", trace, "--", program])
        self.assertEqual(done.returncode, 0, done.stderr)
        doc = doc_of(done, "stderr")
        self.assertEqual(doc["exit_code"], 0, done.stdout)
        # 8192 granules read by 4 threads 100 times (3.3 million reads): a point where a
        # granule becomes shared, nothing more (the sums and the lock add a few).
        self.assertGreater(doc["memory"]["events"], 0)
        self.assertLess(doc["memory"]["events"], 2 * TABLE_GRANULES, doc["memory"])
        # The next runs make none of the table's reads a point either.
        outdir = os.path.join(self.work, "table-explore")
        doc, done = self.explore(program, "random", 5, outdir)
        self.assertEqual((done.returncode, doc["failures"], doc["races"]), (0, [], []),
                         done.stderr[-2000:])
        self.assertLess(doc["memory"]["events"], 5 * 2 * TABLE_GRANULES, doc["memory"])

    def test_write_racing_with_read_shared_reads_is_found(self):
        program = self.program("read_then_write_racy.c", "gcc")
        outdir = os.path.join(self.work, "read-write")
        doc, done = self.explore(program, "random", BUDGET, outdir)
        self.assertEqual(done.returncode, 1, done.stderr[-2000:])
        self.assertEqual(doc["failures"][0]["exit_code"], 1)
        source = os.path.join(HERE, "read_then_write_racy.c")
        with open(source) as f:
            lines = f.read().splitlines()
        write_line = 1 + next(i for i, l in enumerate(lines) if "ready = 0;" in l)
        read_line = 1 + next(i for i, l in enumerate(lines) if "seen += ready" in l)
        self.assertEqual(race_lines(doc), {(read_line, write_line)}, doc["races"])
        text = run([WEFT, "explore", "--runs", str(BUDGET), "-o", outdir + "-text", "--",
                    program])
        self.assertIn("WARNING: ThreadSanitizer: data race", text.stderr)
        self.assertIn("read_then_write_racy.c:%d" % write_line, text.stderr)
        self.assertIn("read_then_write_racy.c:%d" % read_line, text.stderr)

    def test_a_write_names_a_readers_last_read_of_read_shared_memory(self):
        # The reader's loop reads are the fast path of another thread's read of a read-shared
        # granule: the store that races with them names the loop's line, not the line of the
        # reader's first reads, in a recording whose store comes after the loop.
        program = self.program("reader_later_read_racy.c", "gcc")
        source = os.path.join(HERE, "reader_later_read_racy.c")
        with open(source) as f:
            lines = f.read().splitlines()
        first_line = 1 + next(i for i, l in enumerate(lines) if "// first reads" in l)
        loop_line = 1 + next(i for i, l in enumerate(lines) if "// later reads" in l)
        write_line = 1 + next(i for i, l in enumerate(lines) if "// the racing write" in l)
        named = set()
        for seed in range(1, 11):
            trace = os.path.join(self.work, "later-read-%d.weft" % seed)
            done = run([WEFT, "record", "--json", "--seed", str(seed), "-o", trace, "--",
                        program])
            self.assertEqual(done.returncode, 0, done.stderr)
            for race in doc_of(done, "stderr")["races"]:
                if race["current"]["kind"] == "write":
                    named.add(race["previous"]["frames"][0]["line"])
        self.assertIn(loop_line, named, (first_line, loop_line, write_line))

    def test_a_race_names_the_size_of_a_long_range_write(self):
        # A granule keeps sizes below 127 in its packed access word and longer ones beside
        # it: the 256-byte range write comes back as the previous write of the race it meets.
        program = self.program("range_prior_racy.c", "gcc")
        sizes = set()
        for seed in range(1, 11):
            trace = os.path.join(self.work, "range-%d.weft" % seed)
            done = run([WEFT, "record", "--json", "--seed", str(seed), "-o", trace, "--",
                        program])
            self.assertEqual(done.returncode, 0, done.stderr)
            for race in doc_of(done, "stderr")["races"]:
                if race["previous"]["kind"] == "write":
                    sizes.add(race["previous"]["size"])
        self.assertEqual(sizes, {256})

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

    def test_granules_of_pages_whose_home_block_is_taken_are_tracked(self):
        # 6,000 scattered pages in the table's 16,384 blocks: about one page in ten (565)
        # finds its home block taken and lives in another block (with those pages untracked
        # the run had 5,439 events); each of Sum's reads is still an event.
        program = self.program("many_pages.c", "gcc")
        trace = os.path.join(self.work, "pages.weft")
        done = run([WEFT, "record", "--json", "--no-stacks", "-o", trace, "--", program])
        self.assertEqual(done.returncode, 0, done.stderr)
        doc = doc_of(done, "stderr")
        self.assertEqual(doc["exit_code"], 0, done.stdout + done.stderr)
        self.assertFalse(doc["memory"]["table_full"], doc["memory"])
        self.assertGreaterEqual(doc["memory"]["events"], 6000, doc["memory"])

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

    def test_reused_heap_blocks_are_new_memory(self):
        program = self.program("heap_handoff_ok.c", "gcc")
        outdir = os.path.join(self.work, "heap-handoff")
        doc, done = self.explore(program, "random", HEAP_RUNS, outdir)
        self.assertEqual((done.returncode, doc["runs"], doc["failures"]), (0, HEAP_RUNS, []),
                         done.stderr[-2000:])
        self.assertTrue(doc["memory"]["interleaved"], doc["memory"])
        self.assertEqual(doc["races"], [], done.stderr[-3000:])

    def test_use_after_free_race_is_reported(self):
        program = self.program("use_after_free_racy.c", "gcc")
        source = os.path.join(HERE, "use_after_free_racy.c")
        with open(source) as f:
            lines = f.read().splitlines()
        free_line = 1 + next(i for i, l in enumerate(lines) if "free(buffer);" in l)
        read_line = 1 + next(i for i, l in enumerate(lines) if "seen = buffer[3]" in l)
        outdir = os.path.join(self.work, "uaf")
        doc, done = self.explore(program, "random", BUDGET, outdir)
        self.assertEqual(done.returncode, 0, done.stderr[-2000:])
        self.assertGreater(len(doc["races"]), 0, done.stderr[-2000:])
        # The read before the free (the free races with it) and the read of the freed
        # block (it races with the free): one pair of sites, either way round.
        self.assertEqual(race_lines(doc), {(read_line, free_line)}, doc["races"])


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
