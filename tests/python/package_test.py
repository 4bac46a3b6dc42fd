#!/usr/bin/env python3
"""package_test.py — the weft Python package installed as its README says, then its own
tests (python/tests, pytester for the plugin) run against the real weft.

  package_test.py pip     --python /usr/bin/python3 --source . --weft build/bin/weft \\
                          --programs build/tests/programs
      a fresh virtualenv (--system-site-packages: Debian's protobuf, pytest, xdist), then
      `V/bin/pip install --no-build-isolation --no-index ./python` from a copy of the
      repository's python/ and formats/ (pip builds in the tree it is given), then
      `V/bin/python -m pytest python/tests` (-n 2 under pytest-xdist)
  package_test.py cmake   --python /usr/bin/python3 --build build --cmake cmake ...
      `cmake --install build --component python --prefix V` into a fresh virtualenv (the
      package and its pytest11 entry point are found there), and with DESTDIR and the
      prefix /usr/local (it lands in a directory on the interpreter's own sys.path)

Exit status 0 passed, 1 failed, 77 the machine cannot run weft (ptrace, LD_PRELOAD).
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, os.pardir, "integration"))
import weft_protocol  # noqa: E402  the one capability probe of the integration drivers


def run(cmd, **kwargs):
    print("$ " + " ".join(cmd), flush=True)
    ran = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    if ran.returncode != 0:
        print(ran.stdout[-6000:] + ran.stderr[-6000:])
        raise SystemExit("FAILED (exit status %d): %s" % (ran.returncode, " ".join(cmd)))
    return ran


def check_interpreter(python):
    """The interpreter must have what install-deps installs: venv, pip, setuptools,
    protobuf, pytest, xdist."""
    probe = ("import venv, ensurepip, setuptools, google.protobuf, pytest, xdist; "
             "print(google.protobuf.__version__)")
    ran = subprocess.run([python, "-c", probe], capture_output=True, text=True)
    if ran.returncode != 0:
        raise SystemExit("FAILED: %s lacks what the package needs (%s); run "
                         "scripts/install-deps.sh (python3-venv, python3-pip, "
                         "python3-setuptools, python3-protobuf, python3-pytest, "
                         "python3-pytest-xdist)" % (python, ran.stderr.strip().splitlines()[-1]))


def make_venv(python, where, with_pip=True):
    cmd = [python, "-m", "venv", "--system-site-packages"]
    if not with_pip:
        cmd.append("--without-pip")
    run(cmd + [where])
    return os.path.join(where, "bin", "python")


def clean_env(args):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "PIP_", "VIRTUAL_ENV")) and k != "WEFT"}
    env["WEFT"] = os.path.abspath(args.weft)
    env["WEFT_TEST_PROGRAMS"] = os.path.abspath(args.programs)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def pip_install(args, tmp):
    src = os.path.join(tmp, "src")
    shutil.copytree(os.path.join(args.source, "python"), os.path.join(src, "python"),
                    ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__",
                                                  "weft_trace_pb2.py"))
    os.makedirs(os.path.join(src, "formats"))
    shutil.copy(os.path.join(args.source, "formats", "weft_trace.proto"),
                os.path.join(src, "formats"))
    py = make_venv(args.python, os.path.join(tmp, "venv"))
    env = clean_env(args)
    run([os.path.join(tmp, "venv", "bin", "pip"), "install", "--no-build-isolation",
         "--no-index", "./python"], cwd=src, env=env)
    where = run([py, "-c", "import weft, weft.weft_trace_pb2 as pb; print(weft.__file__)"],
                cwd=tmp, env=env).stdout.strip()
    if not where.startswith(os.path.join(tmp, "venv")):
        raise SystemExit("FAILED: weft imports from %s, not from the virtualenv" % where)
    print("installed at " + where)
    # From outside the source tree: only the installed package can be imported.
    tests = os.path.join(src, "python", "tests")
    ran = subprocess.run([py, "-m", "pytest", "-p", "no:cacheprovider", "-n", "2", "-q",
                          "-rfE", tests], cwd=tmp, env=env, capture_output=True, text=True)
    print(ran.stdout[-12000:] + ran.stderr[-4000:])
    if ran.returncode != 0:
        raise SystemExit("FAILED: the package's tests (exit status %d)" % ran.returncode)


def cmake_install(args, tmp):
    env = clean_env(args)
    venv = os.path.join(tmp, "venv")
    py = make_venv(args.python, venv, with_pip=False)
    run([args.cmake, "--install", args.build, "--component", "python", "--prefix", venv])
    check = ("import importlib.metadata as m, weft, weft.weft_trace_pb2; "
             "eps = [e.value for e in m.entry_points(group='pytest11') if e.name == 'weft']; "
             "assert eps == ['weft.pytest_plugin'], eps; "
             "assert m.version('weft') == weft.__version__, m.version('weft'); "
             "print(weft.__file__)")
    where = run([py, "-c", check], cwd=tmp, env=env).stdout.strip()
    if not where.startswith(venv):
        raise SystemExit("FAILED: weft imports from %s, not from the prefix" % where)
    # The plugin loads through the entry point and the trace reader works.
    run([py, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-k", "matches_weft_show or "
         "entry_point", os.path.join(args.source, "python", "tests")], cwd=tmp, env=env)
    # With the prefix /usr/local: a directory Debian's python3 reads.
    dest = os.path.join(tmp, "dest")
    denv = dict(os.environ, DESTDIR=dest)
    run([args.cmake, "--install", args.build, "--component", "python", "--prefix",
         "/usr/local"], env=denv)
    path = run([args.python, "-c", "import sys; print('\\n'.join(sys.path))"], env=env)
    sys_path = path.stdout.split()
    landed = [d for d in sys_path if d.startswith("/usr/local")
              and os.path.isfile(os.path.join(dest + d, "weft", "__init__.py"))]
    if not landed:
        raise SystemExit("FAILED: cmake --install --prefix /usr/local put the package in no "
                         "directory of %s's sys.path (%s)" % (args.python, sys_path))
    installed = open(os.path.join(dest + landed[0], "weft", "_installed.py")).read()
    if "'/usr/local/bin/weft'" not in installed:
        raise SystemExit("FAILED: _installed.py names another weft: " + installed)
    print("installed for /usr/local at " + landed[0])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("mode", choices=["pip", "cmake"])
    p.add_argument("--python", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--weft", required=True)
    p.add_argument("--programs", required=True)
    p.add_argument("--build")
    p.add_argument("--cmake", default="cmake")
    p.add_argument("--keep", action="store_true")
    args = p.parse_args()
    args.source = os.path.abspath(args.source)
    problem = weft_protocol.capability_problem()
    if problem:
        print("SKIP: " + problem)
        return weft_protocol.SKIP_EXIT_CODE
    check_interpreter(args.python)
    tmp = tempfile.mkdtemp(prefix="weft-python-")
    try:
        (pip_install if args.mode == "pip" else cmake_install)(args, tmp)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    print("PASSED: %s" % args.mode)
    return 0


if __name__ == "__main__":
    sys.exit(main())
