#!/usr/bin/env python3
"""add_test_check.py — find_package(weft)'s weft_add_test as a project uses it, against an
installed weft: `cmake --install BUILD --prefix P`, then add_test_project/ configured with
-Dweft_DIR=P/lib/cmake/weft, built and run with ctest. The racy program's test fails with
the outcome and the replay line (its JUnit file parses, with the failure), the fixed one's
and the instrumented build's pass; the tests run P's weft; a wrong call is refused at
configure time.

  add_test_check.py --build build [--cmake cmake] [--ctest ctest]

Exit 0 passed, 1 failed, 77 the machine cannot run weft.
"""

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "integration"))
import weft_protocol  # noqa: E402


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, errors="replace",
                          stdin=subprocess.DEVNULL, timeout=900, **kw)


def check(ok, what, detail=""):
    if not ok:
        print("FAIL: " + what + ("\n" + detail[-4000:] if detail else ""))
        sys.exit(1)
    print("ok: " + what)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--build", required=True)
    p.add_argument("--cmake", default="cmake")
    p.add_argument("--ctest", default="ctest")
    p.add_argument("--config-dir-rel", default="lib/cmake/weft")
    args = p.parse_args()
    problem = weft_protocol.capability_problem()
    if problem:
        print("SKIP: " + problem)
        return weft_protocol.SKIP_EXIT_CODE
    tmp = tempfile.mkdtemp(prefix="weft-add-test-")
    try:
        prefix = os.path.join(tmp, "prefix")
        # weft's own files (the CLI, the shim, the runtime, the CMake package), not the
        # Python package's component.
        installed = run([args.cmake, "--install", args.build, "--prefix", prefix,
                         "--component", "Unspecified"])
        check(installed.returncode == 0, "cmake --install --prefix " + prefix,
              installed.stdout + installed.stderr)
        weft = os.path.join(prefix, "bin", "weft")
        config_dir = os.path.join(prefix, args.config_dir_rel)
        check(os.access(weft, os.X_OK) and os.path.isfile(os.path.join(config_dir,
                                                                       "weftConfig.cmake")),
              "the install has bin/weft and weftConfig.cmake")
        build = os.path.join(tmp, "project")
        configured = run([args.cmake, "-S", os.path.join(HERE, "add_test_project"), "-B", build,
                          "-Dweft_DIR=" + config_dir])
        check(configured.returncode == 0, "the project configures with find_package(weft)",
              configured.stdout + configured.stderr)
        built = run([args.cmake, "--build", build])
        check(built.returncode == 0, "the project builds", built.stdout + built.stderr)
        listed = run([args.ctest, "--test-dir", build, "-N", "-V"])
        check(weft + " \"explore\"" in listed.stdout,
              "weft_add_test's tests run the installed weft explore", listed.stdout)
        check(re.search(r"--runs\" \"200\"|--runs 200", listed.stdout) is not None and
              re.search(r"--strategy\" \"pct\"|--strategy pct", listed.stdout) is not None,
              "RUNS and STRATEGY reach weft explore", listed.stdout)
        tested = run([args.ctest, "--test-dir", build, "--output-on-failure"])
        out = tested.stdout + tested.stderr
        check(tested.returncode != 0, "ctest fails (the racy program's test)", out)
        check(re.search(r"racy \.+\**Failed", out) is not None, "the test 'racy' failed", out)
        check(re.search(r"fixed \.+ +Passed", out) is not None, "the test 'fixed' passed", out)
        check(re.search(r"counter_clean \.+ +Passed", out) is not None,
              "the instrumented build's test passed", out)
        check("FAILED: exited with code 1" in out and "replay it with: weft replay" in out,
              "the failure shows the outcome and the replay line", out)
        trace = re.search(r"replay it with: weft replay (\S+)", out).group(1)
        check(trace.startswith(os.path.join(build, "weft-racy")) and os.path.isfile(trace),
              "the failing trace is kept in the test's directory", trace)
        replayed = run([weft, "replay", trace])
        check(replayed.returncode == 0 and "reproduced" in replayed.stderr,
              "the saved trace replays", replayed.stderr)
        report = os.path.join(build, "weft-racy", "racy.xml")
        root = ET.parse(report).getroot()
        check(root.get("failures") == "1" and root.find("testsuite/testcase/failure") is not None,
              "the JUnit file parses with its testcase and failure")
        labels = run([args.ctest, "--test-dir", build, "-N", "-L", "instrumented"])
        check("counter_clean" in labels.stdout and "Total Tests: 1" in labels.stdout,
              "LABELS reach the test", labels.stdout)
        # A wrong call is refused when the project configures.
        bad = os.path.join(tmp, "bad")
        os.makedirs(bad)
        with open(os.path.join(bad, "CMakeLists.txt"), "w") as f:
            f.write("cmake_minimum_required(VERSION 3.16)\nproject(bad C)\n"
                    "find_package(weft REQUIRED)\nenable_testing()\n"
                    "weft_add_test(NAME x TARGET no_such_target)\n")
        refused = run([args.cmake, "-S", bad, "-B", os.path.join(bad, "b"),
                       "-Dweft_DIR=" + config_dir])
        check(refused.returncode != 0 and "'no_such_target' is not a target" in refused.stderr,
              "weft_add_test refuses a name that is no target", refused.stderr)
    finally:
        shutil.rmtree(tmp, True)
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
