"""The pytest plugin, run by pytester as a user's test suite would run it: a racy native
program fails its test with the outcome, the trace and the replay line; its fixed version
passes; --weft-* options override the tests; pytest-xdist workers each search on their own.
The plugin is found through the package's pytest11 entry point (no -p option)."""

import importlib.metadata
import json
import os
import re

import pytest

import weft

TWO_TESTS = """
def test_racy(weft_explore):
    weft_explore([{racy!r}], runs=100)

def test_fixed(weft_explore):
    result = weft_explore([{fixed!r}], runs=20)
    assert result.runs == 20 and not result.failures
"""


def replay_lines(text):
    return re.findall(r"replay it with: (weft replay \S+)", text)


def test_the_plugin_is_the_packages_pytest11_entry_point(pytester):
    points = importlib.metadata.entry_points(group="pytest11")
    assert "weft.pytest_plugin" in [p.value for p in points if p.name == "weft"]
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["*--weft-runs*", "*--weft-seed*", "*--weft-strategy*"])


def test_racy_program_fails_with_its_replay_line_and_the_fixed_one_passes(
        pytester, program, weft_exe, monkeypatch):
    monkeypatch.setenv("WEFT", weft_exe)
    pytester.makepyfile(test_bank=TWO_TESTS.format(racy=program("withdraw_racy"),
                                                   fixed=program("withdraw_ok")))
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    text = result.stdout.str()
    assert "test_bank.py::test_racy FAILED" in text or "FAILED test_bank.py::test_racy" in text
    assert "weft explore found a failing schedule of %s" % program("withdraw_racy") in text
    assert "exited with code 1" in text and "balance = -70" in text
    lines = replay_lines(text)
    assert len(lines) == 1, text
    trace = lines[0][len("weft replay "):]
    assert os.path.isfile(trace) and ("trace: " + trace) in text
    # The line does what it says.
    rep = weft.replay(trace, weft=weft_exe)
    assert rep.reproduced and rep.exit_code == 1


def test_command_line_overrides_runs_seed_strategy(pytester, program, weft_exe, monkeypatch):
    monkeypatch.setenv("WEFT", weft_exe)
    record = pytester.path / "asked.json"
    pytester.makepyfile(test_opts="""
import json
def test_opts(weft_explore):
    r = weft_explore([{fixed!r}], runs=20, seed=5, strategy="random")
    open({record!r}, "w").write(json.dumps([r.runs, r.first_seed, r.strategy]))
""".format(fixed=program("withdraw_ok"), record=str(record)))
    pytester.runpytest().assert_outcomes(passed=1)
    assert json.loads(record.read_text()) == [20, 5, "random"]
    pytester.runpytest("--weft-runs", "3", "--weft-seed", "42",
                       "--weft-strategy", "pct").assert_outcomes(passed=1)
    assert json.loads(record.read_text()) == [3, 42, "pct"]


def test_seed_override_changes_what_is_found(pytester, program, weft_exe, monkeypatch):
    """One run from a seed that passes, then from one that fails: the seed reaches weft."""
    monkeypatch.setenv("WEFT", weft_exe)
    # Run 1 of the default strategy (auto) is the random walk of the first seed.
    found = weft.explore([program("withdraw_racy")], runs=100, output_dir=pytester.path / "s",
                         strategy="random", weft=weft_exe)
    bad = found.failures[0].seed
    good = next(s for s in range(1, 100) if s != bad and not weft.explore(
        [program("withdraw_racy")], runs=1, seed=s, output_dir=pytester.path / "g",
        strategy="random", weft=weft_exe).failed)
    pytester.makepyfile(test_seed="""
def test_one_run(weft_explore):
    weft_explore([{racy!r}], runs=1)
""".format(racy=program("withdraw_racy")))
    pytester.runpytest("--weft-seed", str(good)).assert_outcomes(passed=1)
    failed = pytester.runpytest("--weft-seed", str(bad))
    failed.assert_outcomes(failed=1)
    assert "(seed %d, strategy random)" % bad in failed.stdout.str()


def test_under_xdist_each_worker_keeps_its_own_traces(pytester, program, weft_exe,
                                                      monkeypatch):
    pytest.importorskip("xdist")
    monkeypatch.setenv("WEFT", weft_exe)
    racy, fixed = program("withdraw_racy"), program("withdraw_ok")
    pytester.makepyfile(test_par="""
import pytest
@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_racy(weft_explore, seed):
    weft_explore([{racy!r}], runs=100, seed=seed)

@pytest.mark.parametrize("seed", [1, 2])
def test_fixed(weft_explore, seed):
    weft_explore([{fixed!r}], runs=10, seed=seed)
""".format(racy=racy, fixed=fixed))
    out = pytester.path / "traces"
    result = pytester.runpytest_subprocess("-n", "2", "--weft-output", str(out))
    result.assert_outcomes(passed=2, failed=4)
    text = result.stdout.str()
    assert re.search(r"\[gw[01]\]", text) or "2 workers" in text, text
    traces = [l[len("weft replay "):] for l in replay_lines(text)]
    assert len(traces) == 4 and len(set(traces)) == 4, text
    for t in traces:
        assert os.path.isfile(t) and t.startswith(str(out))


def test_weft_failing_fails_the_test_with_its_message(pytester, weft_exe, monkeypatch):
    monkeypatch.setenv("WEFT", weft_exe)
    pytester.makepyfile(test_missing="""
def test_missing(weft_explore):
    weft_explore(["/nonexistent/program"], runs=1)
""")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*weft explore could not search /nonexistent/program*"])
