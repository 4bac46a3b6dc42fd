"""weft.Trace.open reads a trace as weft does: the same events, threads, objects, frames and
outcome as `weft show --json`, and the same refusals of files that are not whole traces."""

import os
import subprocess

import pytest

import weft


@pytest.fixture(scope="module")
def recorded(weft_exe, programs, tmp_path_factory):
    trace = str(tmp_path_factory.mktemp("trace") / "withdraw.weft")
    weft.record([os.path.join(programs, "withdraw_racy")], output=trace, seed=5, weft=weft_exe)
    return trace


def show_error(weft_exe, path):
    """What weft's reader says about a file it refuses (`weft conflicts` reads whole traces
    only; `weft show` shows a truncated one up to its last packet)."""
    ran = subprocess.run([weft_exe, "conflicts", str(path)], capture_output=True, text=True)
    assert ran.returncode == 2, ran
    return ran.stderr.strip().splitlines()[-1].split("error: ", 1)[1]


def frames_by_id(show):
    return {f["id"]: f for f in show["frames"]}


def test_events_and_threads_match_weft_show(weft_exe, recorded):
    trace = weft.Trace.open(recorded)
    show = weft.show(recorded, weft=weft_exe)
    assert trace.format_major == show["format_major"]
    assert len(trace.events) == len(show["events"]) == trace.outcome.events > 0
    for mine, theirs in zip(trace.events, show["events"]):
        assert (mine.index, mine.tid, mine.kind, mine.obj, mine.flag_names, mine.arg,
                mine.vtime, mine.enabled, mine.stack) == (
            theirs["index"], theirs["tid"], theirs["kind"], theirs["object"], theirs["flags"],
            theirs["arg"], theirs["vtime"], theirs["enabled"], theirs["stack"])
    assert [(t.tid, t.parent, t.start_function, t.name, t.handle_obj, t.pid)
            for t in trace.threads] == [
        (t["tid"], t["parent"], t["start_function"], t["name"], t["handle_obj"], t["pid"])
        for t in show["threads"]]
    assert [t.start_function for t in trace.threads] == ["main", "withdraw", "withdraw"]
    assert {i: (o.kind, o.symbol) for i, o in trace.objects.items()} == {
        o["id"]: (o["kind"], o["symbol"]) for o in show["objects"]}


def test_stacks_frames_header_outcome_match_weft_show(weft_exe, recorded):
    trace = weft.Trace.open(recorded)
    show = weft.show(recorded, weft=weft_exe)
    frames = {f["id"]: f for f in show["frames"]}
    assert set(trace.frames) == set(frames)
    for fid, f in trace.frames.items():
        assert (f.ip, f.function, f.file, f.line, f.module, f.offset) == (
            frames[fid]["ip"], frames[fid]["function"], frames[fid]["file"],
            frames[fid]["line"], frames[fid]["module"], frames[fid]["offset"])
    assert {s["id"]: s["frames"] for s in show["stacks"]} == trace.stacks
    # The stack of a lock in the thread's function names it (has_funds is inlined there).
    lock = next(e for e in trace.events if e.kind == "mutex_lock" and e.tid == 1)
    frames = trace.stack(lock.stack)
    assert frames[0].function == "has_funds"
    assert "withdraw" in [c.function for c in frames[0].inlined_callers]
    assert [(c.function, c.line) for c in frames[0].inlined_callers] == [
        (c["function"], c["line"]) for c in frames_by_id(show)[frames[0].id]["inlined_callers"]]
    assert trace.header.argv == show["argv"] and trace.header.seed == show["seed"] == 5
    assert trace.header.schedule.kind == show["schedule"]["kind"] == "random"
    o = show["outcome"]
    assert (trace.outcome.kind, trace.outcome.exit_code, trace.outcome.recorded) == (
        o["kind"], o["exit_code"], o["recorded"])
    assert trace.stdout.data.decode() == show["stdout"]["data"]


def test_processes_and_their_execs_match_weft_show(weft_exe, programs, tmp_path):
    # fork_exec_ok's child execs withdraw_ok: a process packet at the fork, an exec after.
    path = str(tmp_path / "exec.weft")
    weft.record([os.path.join(programs, "fork_exec_ok"), "program"], output=path, seed=4,
                weft=weft_exe)
    trace = weft.Trace.open(path)
    show = weft.show(path, weft=weft_exe)
    assert [(p.pid, p.parent, p.executable, p.argv,
             [(e.executable, e.argv) for e in p.execs]) for p in trace.processes] == [
        (p["pid"], p["parent"], p["executable"], p["argv"],
         [(e["executable"], e["argv"]) for e in p["execs"]]) for p in show["processes"]]
    assert [os.path.basename(e.executable) for e in trace.processes[1].execs] == ["withdraw_ok"]


def test_conflicts_through_the_cli(weft_exe, recorded):
    pairs = weft.Trace.open(recorded).conflicts(weft=weft_exe)
    assert pairs.count > 0
    assert all(p.first.index < len(weft.Trace.open(recorded).events) for p in pairs.conflicts)


def test_deadlock_outcome(weft_exe, program, tmp_path):
    found = weft.explore([program("lock_order_racy")], runs=200, output_dir=tmp_path,
                         weft=weft_exe)
    assert found.failed and found.failures[0].deadlock
    trace = weft.Trace.open(found.failures[0].trace)
    show = weft.show(found.failures[0].trace, weft=weft_exe)
    assert trace.outcome.deadlock and trace.outcome.failed
    assert [(b.tid, b.kind, b.obj, b.holder) for b in trace.outcome.blocked] == [
        (b["tid"], b["kind"], b["object"], b["holder"]) for b in show["outcome"]["blocked"]]
    locks = [b for b in trace.outcome.blocked if b.kind == "mutex_lock"]
    assert len(locks) == 2 and {b.holder for b in locks} == {b.tid for b in locks}


def test_truncated_trace_is_refused_as_weft_refuses_it(weft_exe, recorded, tmp_path):
    data = open(recorded, "rb").read()
    cut = tmp_path / "cut.weft"
    cut.write_bytes(data[:len(data) - 7])
    with pytest.raises(weft.TraceError) as e:
        weft.Trace.open(cut)
    assert "truncated packet at byte" in e.value.message
    assert e.value.message == show_error(weft_exe, cut)
    partial = weft.Trace.open(cut, accept_truncated=True)
    assert partial.truncated_at_byte is not None and not partial.outcome.recorded
    assert partial.outcome.kind == "interrupted"
    head = tmp_path / "head.weft"
    head.write_bytes(data[:20])
    with pytest.raises(weft.TraceError) as e:
        weft.Trace.open(head, accept_truncated=True)
    assert "header packet" in e.value.message
    assert e.value.message == show_error(weft_exe, head)


def test_foreign_files_are_refused_as_weft_refuses_them(weft_exe, program, tmp_path):
    elf = program("withdraw_ok")
    with pytest.raises(weft.TraceError) as e:
        weft.Trace.open(elf)
    assert "this is an ELF file: pass the trace, not the program" in e.value.message
    assert e.value.message == show_error(weft_exe, elf)
    empty = tmp_path / "empty.weft"
    empty.write_bytes(b"")
    with pytest.raises(weft.TraceError) as e:
        weft.Trace.open(empty)
    assert e.value.message == show_error(weft_exe, empty)
    text = tmp_path / "notes.txt"
    text.write_text("hello, not a trace\n")
    with pytest.raises(weft.TraceError) as e:
        weft.Trace.open(text)
    assert "bad magic" in e.value.message
    newer = tmp_path / "newer.weft"
    newer.write_bytes(b"WEFTTRC\n" + (99).to_bytes(4, "little"))
    with pytest.raises(weft.TraceError) as e:
        weft.Trace.open(newer)
    assert "format version 99 is newer" in e.value.message
    with pytest.raises(weft.TraceError) as e:
        weft.Trace.open(tmp_path / "absent.weft")
    assert "No such file" in e.value.message


def test_corrupt_packet(recorded, tmp_path):
    data = bytearray(open(recorded, "rb").read())
    data[12:14] = b"\x05\xff"  # a 5-byte packet that does not parse
    bad = tmp_path / "bad.weft"
    bad.write_bytes(bytes(data))
    with pytest.raises(weft.TraceError) as e:
        weft.Trace.open(bad)
    assert "corrupt packet at byte 12" in e.value.message
