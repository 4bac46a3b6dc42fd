#!/usr/bin/env python3
"""Integration tests of what a trace may hold and what replaying one may run, driven
through the CLI as a user would: secret-looking variables never reach a trace's bytes and
replay takes them back from the environment (20/20 replays), traces are readable by their
owner only, a trace that sets LD_PRELOAD or names another build of the program is refused
(and nothing of it runs), commands that read traces run nothing, and a program that writes
over weft's session memory makes weft say so and end cleanly.

usage: trust_test.py --weft build/bin/weft --programs build/tests/programs
                     [--trace-edit build/bin/weft_trace_edit] [--slow] [-v]
"""
import argparse
import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

import weft_protocol

ARGS = None
SECRET = "s3cr3t"
CORRUPTION = "the program overwrote weft's session memory at "


def program(name):
    return os.path.join(ARGS.programs, name)


class Ran:
    def __init__(self, cmd, proc):
        self.cmd = cmd
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr

    def describe(self):
        return "\n  $ %s\n  -> exit %s\n  stdout: %s\n  stderr: %s" % (
            " ".join(self.cmd), self.returncode, self.stdout[-1500:] or "(empty)",
            self.stderr[-1500:] or "(empty)")


def run(cmd, env=None, timeout=120, cwd=None):
    cmd = [str(c) for c in cmd]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout, env=env, cwd=cwd)
    return Ran(cmd, proc)


def weft(*argv, env=None, timeout=120, cwd=None):
    return run([ARGS.weft] + list(argv), env=env, timeout=timeout, cwd=cwd)


def document(ran, command):
    # NB: weft record --json prints its document as the last line of stderr (stdout is the
    # program's alone).
    text = ran.stderr if command == "record" else ran.stdout
    data = weft_protocol.last_line_document(text)
    errors = weft_protocol.shape_errors(data, command)
    if errors:
        raise AssertionError("not a %s document: %s%s" % (command, errors, ran.describe()))
    return data


def clean_env(**extra):
    """The test's environment without any variable that looks secret, plus `extra`."""
    env = {k: v for k, v in os.environ.items()
           if not any(w in k.upper() for w in ("KEY", "TOKEN", "SECRET", "PASSWORD", "AUTH"))}
    env.pop("LD_PRELOAD", None)
    env.update(extra)
    return env


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


class TrustTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="weft-trust-test-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def record(self, name, prog, *args, env=None, extra=()):
        trace = self.path(name)
        ran = weft("record", "-o", trace, *extra, "--", program(prog), *args,
                   env=env if env is not None else clean_env(), cwd=self.dir)
        self.assertEqual(ran.returncode, 0, ran.describe())
        return trace

    def edit(self, src, dst, *options):
        ran = run([ARGS.trace_edit, src, dst] + list(options))
        self.assertEqual(ran.returncode, 0, ran.describe())
        return dst

    # -- secrets ----------------------------------------------------------------------

    def test_secret_is_not_in_the_trace_and_replays_from_the_environment(self):
        env = clean_env(MY_API_TOKEN=SECRET)
        trace = self.record("secret.weft", "withdraw_ok", env=env)
        with open(trace, "rb") as f:
            data = f.read()
        self.assertNotIn(SECRET.encode(), data, "the secret is in the trace's bytes")
        self.assertIn(b"MY_API_TOKEN", data, "the name should stay")
        self.assertEqual(mode_of(trace), 0o600)

        shown = weft("show", trace)
        self.assertEqual(shown.returncode, 0, shown.describe())
        self.assertRegex(shown.stdout, r"redacted\s+MY_API_TOKEN")
        js = document(weft("show", "--json", trace), "show")
        entry = [e for e in js["env"] if e["name"] == "MY_API_TOKEN"]
        self.assertEqual(entry, [{"name": "MY_API_TOKEN", "value": "", "redacted": True}])

        replayed = weft("replay", "--times", "20", "--json", trace, env=env)
        doc = document(replayed, "replay")
        self.assertEqual((doc["reproduced"], doc["reproduced_count"]), (True, 20),
                         replayed.describe())
        self.assertNotIn("MY_API_TOKEN differs", replayed.stderr)
        self.assertNotIn("not set here", replayed.stderr)

        missing = weft("replay", trace, env=clean_env())
        self.assertIn("MY_API_TOKEN is not in the trace (secret) and not set here",
                      missing.stderr, missing.describe())
        other = weft("replay", trace, env=clean_env(MY_API_TOKEN="another"))
        self.assertIn("MY_API_TOKEN differs from the recorded value", other.stderr,
                      other.describe())

    def test_program_gets_the_secret_in_record_and_replay(self):
        # The script checks the value without naming it (the arguments are in the trace).
        script = 'case "$MY_API_TOKEN" in s3c*r3t) exit 0;; *) exit 3;; esac'
        env = clean_env(MY_API_TOKEN=SECRET)
        trace = self.path("sh.weft")
        ran = weft("record", "--json", "-o", trace, "--", "/bin/sh", "-c", script, env=env,
                   cwd=self.dir)
        self.assertEqual(document(ran, "record")["exit_code"], 0, ran.describe())
        with open(trace, "rb") as f:
            self.assertNotIn(SECRET.encode(), f.read())
        ok = document(weft("replay", "--json", trace, env=env), "replay")
        self.assertEqual((ok["reproduced"], ok["exit_code"]), (True, 0))
        without = document(weft("replay", "--json", trace, env=clean_env()), "replay")
        self.assertEqual(without["exit_code"], 3, "the value came from somewhere else")

    def test_keep_env_and_redact_env(self):
        env = clean_env(MY_API_TOKEN=SECRET, PLAIN_SETTING="visible-4711",
                        DB_URL="postgres://app:hunter22@db/app")
        trace = self.record("kept.weft", "withdraw_ok", env=env,
                            extra=("--keep-env", "MY_API_TOKEN", "--redact-env",
                                   "PLAIN_SETTING"))
        with open(trace, "rb") as f:
            data = f.read()
        self.assertIn(SECRET.encode(), data, "--keep-env keeps the value")
        self.assertNotIn(b"visible-4711", data, "--redact-env removes the value")
        self.assertNotIn(b"hunter22", data, "a URL with a password is redacted")
        shown = weft("show", trace).stdout
        self.assertRegex(shown, r"redacted\s+PLAIN_SETTING, DB_URL")
        self.assertRegex(shown, r"kept\s+MY_API_TOKEN")
        # A replay's own trace redacts what the recording redacted.
        out = self.path("replayed.weft")
        ran = weft("replay", "-o", out, trace, env=env)
        self.assertEqual(ran.returncode, 0, ran.describe())
        with open(out, "rb") as f:
            data = f.read()
        self.assertNotIn(b"visible-4711", data)
        self.assertNotIn(b"hunter22", data)
        self.assertEqual(mode_of(out), 0o600)

    def test_every_trace_writer_makes_owner_only_files(self):
        stale = self.path("stale.weft")
        with open(stale, "w") as f:
            f.write("old")
        os.chmod(stale, 0o644)
        trace = self.path("stale.weft")
        ran = weft("record", "-o", trace, "--", program("withdraw_racy"), env=clean_env())
        self.assertIn(ran.returncode, (0, 1), ran.describe())
        self.assertEqual(mode_of(trace), 0o600, "an existing 0644 file stays world-readable")
        out = self.path("explore")
        ran = weft("explore", "--runs", "300", "-o", out, "--", program("withdraw_racy"),
                   env=clean_env(), timeout=300)
        self.assertEqual(ran.returncode, 1, ran.describe())
        saved = [os.path.join(out, f) for f in os.listdir(out) if f.endswith(".weft")]
        self.assertTrue(saved, ran.describe())
        for path in saved:
            self.assertEqual(mode_of(path), 0o600, path)
        failing = saved[0]
        for command, extra in (("permute", ("--at", "1", "--thread", "T1")),
                               ("minimize", ())):
            dst = self.path(command + ".weft")
            ran = weft(command, failing, *extra, "-o", dst, env=clean_env(), timeout=300)
            self.assertTrue(os.path.exists(dst), ran.describe())
            self.assertEqual(mode_of(dst), 0o600, command)

    # -- what replay runs -------------------------------------------------------------

    def test_replay_prints_the_command_it_runs(self):
        trace = self.record("cmd.weft", "withdraw_ok")
        ran = weft("replay", trace, env=clean_env(EXTRA_FOR_REPLAY="1"))
        self.assertEqual(ran.returncode, 0, ran.describe())
        self.assertIn("weft: running " + program("withdraw_ok"), ran.stderr)
        self.assertIn("weft:   in " + self.dir, ran.stderr)
        self.assertIn("unset: EXTRA_FOR_REPLAY", ran.stderr)
        check = document(weft("replay", "--dry-run", "--json", trace, env=clean_env()),
                         "replay-check")
        self.assertEqual(check["argv"], [program("withdraw_ok")])
        self.assertEqual(check["cwd"], self.dir)
        self.assertIs(check["allowed"], True)
        self.assertIs(check["program_checked"], True)

    def test_loader_variable_in_a_trace_is_refused(self):
        trace = self.record("plain.weft", "withdraw_ok")
        lib = program("libpwned_preload.so")
        doctored = self.edit(trace, self.path("pwned.weft"), "--set-env", "LD_PRELOAD=" + lib)
        for command, extra in (("replay", ()), ("permute", ("--at", "1", "--thread", "T1")),
                               ("minimize", ())):
            ran = weft(command, doctored, *extra, "-o", self.path(command + "-out.weft"),
                       env=clean_env())
            self.assertEqual(ran.returncode, 2, ran.describe())
            self.assertIn("refusing to run the program", ran.stderr)
            self.assertIn("LD_PRELOAD", ran.stderr)
            self.assertNotIn("pwned", ran.stdout + ran.stderr.replace("pwned.weft", ""),
                             ran.describe())
        check = document(weft("replay", "--dry-run", "--json", doctored, env=clean_env()),
                         "replay-check")
        self.assertEqual((check["allowed"], check["loader_variables"]), (False, ["LD_PRELOAD"]))
        # Commands that read a trace run nothing of it.
        for argv in (("show", doctored), ("show", "--json", doctored), ("conflicts", doctored),
                     ("conflicts", "--json", doctored)):
            ran = weft(*argv, env=clean_env())
            self.assertEqual(ran.returncode, 0, ran.describe())
            self.assertNotIn("pwned\n", ran.stdout + ran.stderr)
        # The library does print when it is loaded: --trust runs what the trace says.
        trusted = weft("replay", "--trust", doctored, env=clean_env())
        self.assertIn("pwned", trusted.stdout, trusted.describe())
        # The same variable with the same value in the user's own environment is not the
        # trace's doing.
        mine = weft("replay", "--dry-run", "--json", doctored, env=clean_env(LD_PRELOAD=lib))
        self.assertIs(document(mine, "replay-check")["allowed"], True)

    def test_another_executable_is_refused(self):
        trace = self.record("plain.weft", "withdraw_ok")
        other = self.edit(trace, self.path("other.weft"), "--executable",
                          program("withdraw_racy"))
        ran = weft("replay", other, env=clean_env())
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn("the program changed since the recording", ran.stderr)
        self.assertNotIn("balance", ran.stdout, "the program ran")
        forced = weft("replay", "--force", other, env=clean_env())
        self.assertIn("running it anyway (--force)", forced.stderr, forced.describe())

    def test_rebuilt_program_is_refused(self):
        exe = self.path("prog")
        shutil.copy(program("withdraw_ok"), exe)
        trace = self.path("rebuilt.weft")
        ran = weft("record", "-o", trace, "--", exe, env=clean_env(), cwd=self.dir)
        self.assertEqual(ran.returncode, 0, ran.describe())
        os.unlink(exe)
        shutil.copy(program("withdraw_racy"), exe)  # "rebuilt" from other sources
        ran = weft("replay", trace, env=clean_env())
        self.assertEqual(ran.returncode, 2, ran.describe())
        self.assertIn("the program changed since the recording: " + exe + " has build-id",
                      ran.stderr)

    # -- the program cannot break the supervisor --------------------------------------

    def check_scribble(self, seed):
        trace = self.path("scribble-%d.weft" % seed)
        ran = weft("record", "-o", trace, "--", program("session_scribble"), str(seed),
                   env=clean_env(), timeout=60)
        msg = "seed %d:%s" % (seed, ran.describe())
        self.assertEqual(ran.returncode, 2, msg)
        self.assertIn(CORRUPTION, ran.stderr, msg)
        shown = weft("show", "--json", trace)
        self.assertEqual(shown.returncode, 0, msg + shown.describe())
        outcome = document(shown, "show")["outcome"]
        self.assertIn(CORRUPTION, outcome["message"], msg)

    def test_program_that_overwrites_the_session(self):
        for seed in range(1, ARGS.seeds + 1):
            self.check_scribble(seed)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--weft", required=True)
    parser.add_argument("--programs", required=True)
    parser.add_argument("--trace-edit")
    parser.add_argument("--slow", action="store_true",
                        help="100 seeds of the session-scribbling program (default 10)")
    parser.add_argument("-v", "--verbose", action="store_true")
    ARGS, rest = parser.parse_known_args()
    ARGS.seeds = 100 if ARGS.slow else 10
    if ARGS.trace_edit is None:
        ARGS.trace_edit = os.path.join(os.path.dirname(ARGS.weft), "weft_trace_edit")
    probe = weft_protocol.capability_problem()
    if probe:
        print("trust_test: skipped: %s" % probe)
        return weft_protocol.SKIP_EXIT_CODE
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(TrustTest)
    if ARGS.slow:
        suite = unittest.TestSuite([TrustTest("test_program_that_overwrites_the_session")])
    result = unittest.TextTestRunner(verbosity=2 if ARGS.verbose else 1).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
