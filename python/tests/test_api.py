"""weft.record, replay, explore, permute, minimize, conflicts: typed results of the CLI's
documents, and weft's own failures as WeftError with its message and exit status."""

import os
import stat

import pytest

import weft


def test_record_then_replay_reproduces(weft_exe, program, tmp_path):
    trace = tmp_path / "withdraw.weft"
    rec = weft.record([program("withdraw_racy")], output=trace, seed=3, weft=weft_exe)
    assert isinstance(rec, weft.RecordResult)
    assert rec.schema == "weft.record/1"
    assert rec.trace == str(trace) and trace.is_file()
    assert rec.seed == 3 and rec.events > 0 and rec.controlled
    assert rec.outcome.startswith("exited with code")
    assert rec.stdout.startswith(b"balance = ")  # the program's own stdout
    rep = weft.replay(trace, weft=weft_exe)
    assert isinstance(rep, weft.ReplayResult)
    assert rep.reproduced and rep.replays == 1 and not rep.diverged
    assert rep.event_digest == rec.event_digest
    assert rep.exit_code == rec.exit_code
    check = weft.replay_check(trace, weft=weft_exe)
    assert isinstance(check, weft.ReplayCheck)
    assert check.allowed and check.refusal is None
    assert check.argv == [program("withdraw_racy")] and check.trace == str(trace)


def test_explore_finds_the_bug_and_its_replay_line(weft_exe, program, tmp_path):
    found = weft.explore([program("withdraw_racy")], runs=100, output_dir=tmp_path / "out",
                         weft=weft_exe)
    assert isinstance(found, weft.ExploreResult)
    assert found.failed and found.exit_code == 1
    f = found.failures[0]
    assert isinstance(f, weft.ExploreFailure)
    assert f.exit_code == 1 and f.outcome == "exited with code 1"
    assert os.path.isfile(f.trace) and f.trace.startswith(str(tmp_path / "out"))
    assert f.replay_command == "weft replay " + f.trace
    assert found.first_failure_run == f.run and found.runs == f.run
    assert found.failures_by_kind == {"exit code 1": 1}
    rep = weft.replay(f.trace, weft=weft_exe)
    assert rep.reproduced and rep.exit_code == 1


def test_explore_of_the_fixed_program_finds_nothing(weft_exe, program, tmp_path):
    clean = weft.explore([program("withdraw_ok")], runs=30, seed=7, strategy="pct",
                         strategy_args={"depth": 2}, output_dir=tmp_path, weft=weft_exe)
    assert not clean.failed and clean.exit_code == 0
    assert clean.runs == 30 and clean.first_seed == 7 and clean.strategy == "pct"
    assert clean.pct is not None and clean.pct.depth == 2
    assert clean.first_failure_run is None


def test_conflicts_permute_minimize(weft_exe, program, tmp_path):
    found = weft.explore([program("withdraw_racy")], runs=100, output_dir=tmp_path,
                         weft=weft_exe)
    trace = found.failures[0].trace
    pairs = weft.conflicts(trace, weft=weft_exe)
    assert isinstance(pairs, weft.ConflictsResult)
    assert pairs.count >= pairs.shown == len(pairs.conflicts) > 0
    pair = pairs.conflicts[0]
    assert pair.first.tid != pair.second.tid
    assert "account_lock" in pair.object
    permuted = weft.permute(trace, pair.reversal.at, pair.reversal.thread,
                            output=tmp_path / "permuted.weft", weft=weft_exe)
    assert isinstance(permuted, weft.PermuteResult)
    assert permuted.at == pair.reversal.at and permuted.thread == pair.reversal.thread
    assert os.path.isfile(permuted.trace)
    small = weft.minimize(trace, output=tmp_path / "min.weft", weft=weft_exe)
    assert isinstance(small, weft.MinimizeResult)
    assert small.verified and small.preemptions_after <= small.preemptions_before
    assert os.path.isfile(small.trace)
    assert weft.replay(small.trace, weft=weft_exe).exit_code == 1


def test_explain_names_the_critical_pair(weft_exe, program, tmp_path):
    found = weft.explore([program("withdraw_racy")], runs=100, output_dir=tmp_path,
                         weft=weft_exe)
    why = weft.explain(found.failures[0].trace, output=tmp_path / "why", weft=weft_exe)
    assert isinstance(why, weft.ExplainResult)
    assert why.found and why.critical is not None
    assert why.critical.first.tid != why.critical.second.tid
    assert "account_lock" in why.critical.object
    assert why.failing_trace == str(tmp_path / "why") + "-fail.weft"
    assert weft.replay(why.failing_trace, weft=weft_exe).exit_code == 1
    assert weft.replay(why.passing_trace, weft=weft_exe).exit_code == 0
    with pytest.raises(weft.WeftError) as e:  # a run that did not fail
        rec = weft.record([program("withdraw_ok")], output=tmp_path / "ok.weft", seed=1,
                          weft=weft_exe)
        weft.explain(rec.trace, weft=weft_exe)
    assert e.value.exit_code == 2


def test_weft_errors_carry_the_cli_message_and_status(weft_exe, program, tmp_path):
    with pytest.raises(weft.WeftError) as e:
        weft.replay(tmp_path / "missing.weft", weft=weft_exe)
    assert e.value.exit_code == 2
    assert "cannot read trace" in e.value.message and "missing.weft" in e.value.message
    assert e.value.message.startswith("weft replay: error:")
    with pytest.raises(weft.WeftError) as e:
        weft.explore([program("withdraw_ok")], strategy="nope", weft=weft_exe)
    assert e.value.exit_code == 2 and "unknown strategy 'nope'" in e.value.message
    with pytest.raises(weft.WeftError) as e:
        weft.record([str(tmp_path / "no-such-program")], output=tmp_path / "x.weft",
                    weft=weft_exe)
    assert e.value.exit_code == 2 and "no-such-program" in e.value.message


def test_finding_weft(weft_exe, program, tmp_path, monkeypatch):
    with pytest.raises(weft.WeftError) as e:
        weft.explore([program("withdraw_ok")], weft=tmp_path / "nowhere" / "weft")
    assert e.value.exit_code is None and "nowhere" in e.value.message
    monkeypatch.setenv("WEFT", str(tmp_path / "elsewhere"))
    with pytest.raises(weft.WeftError) as e:
        weft.explore([program("withdraw_ok")])
    assert "WEFT" in e.value.message
    monkeypatch.setenv("WEFT", weft_exe)
    assert weft.find_weft() == weft_exe
    monkeypatch.delenv("WEFT")
    monkeypatch.setenv("PATH", os.path.dirname(weft_exe) + os.pathsep + os.environ["PATH"])
    assert os.path.samefile(weft.find_weft(), weft_exe)


def test_a_document_of_another_schema_is_refused(tmp_path):
    fake = tmp_path / "weft"
    fake.write_text("#!/bin/sh\necho '{\"schema\": \"weft.explore/2\", \"runs\": 1}'\n")
    fake.chmod(fake.stat().st_mode | stat.S_IXUSR)
    with pytest.raises(weft.WeftError) as e:
        weft.explore(["/bin/true"], weft=fake)
    assert "weft.explore/2" in e.value.message and "weft.explore/1" in e.value.message
    fake.write_text("#!/bin/sh\necho '{\"schema\": \"weft.explore/1\", \"runs\": 1}'\n")
    with pytest.raises(weft.WeftError) as e:
        weft.explore(["/bin/true"], weft=fake)
    assert "lacks the field" in e.value.message
