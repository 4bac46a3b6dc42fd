#!/usr/bin/env python3
"""instrument_test.py — instrumented builds as a user makes them: `weft cc` / `weft c++`
with gcc and with clang, `weft flags`, CMake's find_package(weft) + weft_instrument. Checks
that the program links weft's runtime (libweft_rt.so) and not ThreadSanitizer's, runs
correctly outside weft (atomics performed, every width and operation), reports each access
to the shim with its size, offset, kind and memory order and a shadow stack (through a fake
shim that defines weft_shim_access), and records and replays under weft.

  python3 instrument_test.py --weft build/bin/weft --build build [-v] [-k PATTERN]

Standard library only. Skips only when the machine cannot run weft at all (exit 77).
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "integration"))
import weft_protocol  # noqa: E402

WEFT = None
BUILD = None
COMPILERS = {"gcc": ("gcc", "g++"), "clang": ("clang", "clang++")}
TIMEOUT_S = 120


def run(argv, env=None, cwd=None):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          env=env, cwd=cwd, timeout=TIMEOUT_S, stdin=subprocess.DEVNULL)


def needed(path):
    out = run(["readelf", "-d", path]).stdout
    return re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", out)


class Instrumented(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="weft-instrument-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def cc(self, family, source, *flags, cxx=False, out=None):
        """Builds `source` with weft cc (or c++) and the compiler of `family`."""
        out = out or os.path.join(self.work, "%s-%s" % (os.path.basename(source), family))
        env = dict(os.environ, WEFT_CC=COMPILERS[family][0], WEFT_CXX=COMPILERS[family][1])
        done = run([WEFT, "c++" if cxx else "cc", "-g", *flags, os.path.join(HERE, source),
                    "-o", out, "-pthread"], env=env)
        self.assertEqual(done.returncode, 0, "weft %s with %s failed:\n%s"
                         % ("c++" if cxx else "cc", family, done.stderr))
        return out

    def check_links_weft_runtime(self, program):
        libs = needed(program)
        self.assertIn("libweft_rt.so", libs, program)
        self.assertFalse([l for l in libs if "tsan" in l], "links TSan: %s" % libs)
        undefined = run(["nm", "-D", "--undefined-only", program]).stdout
        self.assertIn("__tsan_func_entry", undefined, "the program is not instrumented")
        loaded = run(["ldd", program]).stdout
        self.assertRegex(loaded, r"libweft_rt\.so => \S*libweft_rt\.so")

    def test_cc_builds_a_program_that_runs_natively(self):
        for family in COMPILERS:
            with self.subTest(compiler=family):
                program = self.cc(family, "locked_counter.c", "-O1")
                self.check_links_weft_runtime(program)
                done = run([program])
                self.assertEqual((done.returncode, done.stdout), (0, "count 2000\n"))

    def test_atomics_are_performed_every_width_and_operation(self):
        for family in COMPILERS:
            for source, cxx in (("atomics.c", False), ("atomics.cpp", True)):
                with self.subTest(compiler=family, source=source):
                    program = self.cc(family, source, "-O2", "-mcx16", cxx=cxx)
                    self.check_links_weft_runtime(program)
                    for _ in range(3):
                        done = run([program])
                        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)

    def test_every_access_reaches_the_shim_with_size_kind_and_order(self):
        fake = os.path.join(self.work, "fake_shim.so")
        built = run(["gcc", "-shared", "-fPIC", "-O1", "-I", os.path.join(BUILD_ABI_INCLUDE),
                     os.path.join(HERE, "fake_shim.c"), "-o", fake])
        self.assertEqual(built.returncode, 0, built.stderr)
        expected = ["write 4 +0 order=0", "write 8 +8 order=0", "read 4 +0 order=0",
                    "atomic rmw 4 +16 order=2", "atomic write 4 +16 order=3",
                    "atomic read 4 +16 order=5"]
        for family in COMPILERS:
            with self.subTest(compiler=family):
                program = self.cc(family, "accesses.c", "-O0")
                done = run([program], env=dict(os.environ, LD_PRELOAD=fake))
                self.assertEqual(done.returncode, 0, done.stderr)
                lines = done.stderr.splitlines()
                self.assertEqual(lines[1:], expected, done.stderr)
                # main -> Outer -> Middle -> Inner: the shadow stack holds all four frames.
                self.assertRegex(lines[0], r"^fake_shim: abi 2, max shadow depth [4-9]")

    def test_an_instrumented_program_records_and_replays(self):
        program = self.cc("gcc", "locked_counter.c", "-O1")
        trace = os.path.join(self.work, "counter.weft")
        done = run([WEFT, "record", "-o", trace, "--", program])
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout, "count 2000\n")
        replayed = run([WEFT, "replay", trace, "--times", "3", "--json"])
        doc = weft_protocol.last_line_document(replayed.stdout)
        self.assertEqual((replayed.returncode, doc["reproduced_count"]), (0, 3),
                         replayed.stderr)

    def test_flags_for_build_systems(self):
        for family in COMPILERS:
            with self.subTest(compiler=family):
                compiler = COMPILERS[family][0]
                cflags = run([WEFT, "flags", "--cflags", "--compiler", compiler])
                ldflags = run([WEFT, "flags", "--ldflags", "--compiler", compiler])
                self.assertEqual((cflags.returncode, ldflags.returncode), (0, 0),
                                 cflags.stderr + ldflags.stderr)
                self.assertEqual(cflags.stdout.split(), ["-fsanitize=thread"])
                obj = os.path.join(self.work, "counter-%s.o" % family)
                program = os.path.join(self.work, "counter-%s" % family)
                compiled = run([compiler, "-g", "-c", *cflags.stdout.split(),
                                os.path.join(HERE, "locked_counter.c"), "-o", obj])
                self.assertEqual(compiled.returncode, 0, compiled.stderr)
                linked = run([compiler, obj, "-o", program, "-pthread",
                              *ldflags.stdout.split()])
                self.assertEqual(linked.returncode, 0, linked.stderr)
                self.check_links_weft_runtime(program)
                self.assertEqual(run([program]).returncode, 0)

    def test_cmake_find_package_and_weft_instrument(self):
        config_dir = os.path.dirname(CONFIG_FILE)
        for family in COMPILERS:
            with self.subTest(compiler=family):
                build = os.path.join(self.work, "cmake-" + family)
                configured = run(["cmake", "-S", os.path.join(HERE, "cmake_project"),
                                  "-B", build, "-Dweft_DIR=" + config_dir,
                                  "-DCMAKE_C_COMPILER=" + COMPILERS[family][0]])
                self.assertEqual(configured.returncode, 0, configured.stdout +
                                 configured.stderr)
                built = run(["cmake", "--build", build])
                self.assertEqual(built.returncode, 0, built.stdout + built.stderr)
                program = os.path.join(build, "counter")
                self.check_links_weft_runtime(program)
                self.assertEqual(run([program]).stdout, "count 2000\n")

    def test_what_cannot_work_is_refused_clearly(self):
        source = os.path.join(HERE, "locked_counter.c")
        static = run([WEFT, "cc", "-static", source, "-o", os.path.join(self.work, "s")])
        self.assertEqual(static.returncode, 2)
        self.assertIn("-static is not supported", static.stderr)
        missing = run([WEFT, "cc", source], env=dict(os.environ, WEFT_CC="no-such-cc"))
        self.assertEqual(missing.returncode, 2)
        self.assertIn("cannot run the compiler 'no-such-cc'", missing.stderr)
        self.assertIn("$WEFT_CC", missing.stderr)
        neither = run([WEFT, "flags"])
        self.assertEqual(neither.returncode, 2)
        self.assertIn("give one of --cflags, --ldflags and --rustflags", neither.stderr)
        helped = run([WEFT, "cc", "--help"])
        self.assertEqual(helped.returncode, 0)
        self.assertIn("usage: weft cc", helped.stdout)

    def test_the_runtime_imports_only_what_it_may(self):
        runtime = os.path.join(os.path.dirname(CONFIG_FILE), RUNTIME_FROM_CONFIG,
                               "libweft_rt.so")
        undefined = run(["nm", "-D", "--undefined-only", runtime]).stdout.split("\n")
        names = {line.split()[-1].split("@")[0] for line in undefined if line.strip()}
        allowed = {"memcpy", "memmove", "memset", "weft_shim_access", "weft_shim_heap",
                   "__libc_malloc", "__libc_calloc", "__libc_realloc", "__libc_memalign",
                   "__libc_free", "malloc_usable_size", "__cxa_finalize",
                   "__gmon_start__", "_ITM_deregisterTMCloneTable", "_ITM_registerTMCloneTable"}
        self.assertEqual(names - allowed, set())
        self.assertEqual(needed(runtime), ["libc.so.6"])


def main():
    global WEFT, CONFIG_FILE, BUILD_ABI_INCLUDE, RUNTIME_FROM_CONFIG
    parser = argparse.ArgumentParser()
    parser.add_argument("--weft", required=True)
    parser.add_argument("--config", required=True, help="the build tree's weftConfig.cmake")
    parser.add_argument("--abi-include", required=True, help="abi/include")
    parser.add_argument("--runtime-from-config", required=True)
    parser.add_argument("-v", action="store_true")
    parser.add_argument("-k", action="append", default=[])
    args = parser.parse_args()
    WEFT = os.path.abspath(args.weft)
    CONFIG_FILE = os.path.abspath(args.config)
    BUILD_ABI_INCLUDE = os.path.abspath(args.abi_include)
    RUNTIME_FROM_CONFIG = args.runtime_from_config
    problem = weft_protocol.capability_problem()
    if problem:
        print("skipped: " + problem)
        return weft_protocol.SKIP_EXIT_CODE
    for tool in ("gcc", "g++", "clang", "clang++", "readelf", "nm", "cmake"):
        if shutil.which(tool) is None:
            print("FAIL: %s is not installed (scripts/install-deps.sh installs it)" % tool)
            return 1
    argv = [sys.argv[0]] + (["-v"] if args.v else []) + sum((["-k", k] for k in args.k), [])
    result = unittest.main(argv=argv, exit=False).result
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
