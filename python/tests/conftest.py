"""The weft package's own tests. They drive a real weft on real programs: WEFT names the
weft executable (else `weft` on PATH) and WEFT_TEST_PROGRAMS the directory of weft's built
test programs (build/tests/programs). tests/python/package_test.py runs them in a fresh
virtualenv the package was pip-installed into."""

import os
import shutil

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def weft_exe():
    exe = os.environ.get("WEFT") or shutil.which("weft")
    if not exe or not os.access(exe, os.X_OK):
        pytest.fail("set WEFT to the weft executable (e.g. build/bin/weft)")
    return exe


@pytest.fixture(scope="session")
def programs():
    d = os.environ.get("WEFT_TEST_PROGRAMS")
    if not d or not os.path.isdir(d):
        pytest.fail("set WEFT_TEST_PROGRAMS to weft's built test programs (build/tests/programs)")
    return d


@pytest.fixture
def program(programs):
    def path(name):
        p = os.path.join(programs, name)
        if not os.access(p, os.X_OK):
            pytest.fail("test program %s is missing (build weft's tests/programs)" % p)
        return p
    return path
