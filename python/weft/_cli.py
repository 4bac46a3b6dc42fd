"""Running the weft CLI: finding the executable, running one command, reading its --json
document (docs/JSON.md) and turning a failure of weft itself into a WeftError.

Nothing here reads weft's human text except the error message of a failed command, which
is what the CLI says on stderr ("weft explore: error: ...") and is passed on as it is.
"""

import json
import os
import shutil
import subprocess
import tempfile

# Exit statuses of weft itself (tools/weft/cli.h): 0 done, 1 found (a failure, a replay that
# did not reproduce), 2 an error (bad command line or input); 128+N a signal N interrupted it.
EXIT_OK = 0
EXIT_FOUND = 1
EXIT_ERROR = 2


class WeftError(Exception):
    """weft could not do what was asked: the CLI's own message and exit status.

    `message` is what weft said on stderr (its "weft COMMAND: error: ..." lines), or what this
    package found wrong (weft not found, a document of another schema); `exit_code` is weft's
    exit status (2 for its errors; negative when a signal killed it; None when weft did not
    run); `command` the argv that ran; `stderr` all that weft wrote there.
    """

    def __init__(self, message, exit_code=None, command=None, stderr=""):
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.command = list(command) if command else []
        self.stderr = stderr

    def __str__(self):
        if self.exit_code is None:
            return self.message
        return "%s (weft exit status %d)" % (self.message, self.exit_code)


def find_weft(weft=None):
    """The weft executable: `weft` when given, else $WEFT, else `weft` on PATH, else the one
    installed beside this package by `cmake --install`. Raises WeftError when none is."""
    if weft:
        path = os.fspath(weft)
        if os.sep not in path:
            found = shutil.which(path)
            if found is None:
                raise WeftError("cannot find the weft executable '%s' on PATH" % path)
            return found
        if not os.access(path, os.X_OK) or os.path.isdir(path):
            raise WeftError("the weft executable '%s' does not exist or is not executable" % path)
        return path
    env = os.environ.get("WEFT")
    if env:
        try:
            return find_weft(env)
        except WeftError as e:
            raise WeftError(e.message + " (from the WEFT environment variable)") from None
    found = shutil.which("weft")
    if found:
        return found
    try:
        from . import _installed  # written by cmake --install: the weft installed with it

        if os.access(_installed.WEFT_EXECUTABLE, os.X_OK):
            return _installed.WEFT_EXECUTABLE
    except ImportError:
        pass
    raise WeftError("cannot find the weft executable: put it on PATH, set WEFT=/path/to/weft, "
                    "or pass weft='/path/to/weft'")


def _error_message(command, stderr, returncode):
    """What weft said about its failure: its 'error:' lines, else its last line."""
    lines = [l for l in stderr.splitlines() if l.strip()]
    errors = [l for l in lines if l.startswith("weft") and "error:" in l]
    if errors:
        return "\n".join(errors)
    if lines:
        return lines[-1]
    if returncode < 0:
        return "weft %s was killed by signal %d" % (command, -returncode)
    return "weft %s failed with exit status %d and said nothing" % (command, returncode)


def _document(text, schema, argv, returncode, stderr):
    """The --json document on the last non-empty line of `text`, checked to be `schema`."""
    lines = [l for l in text.splitlines() if l.strip()]
    if not lines or not lines[-1].lstrip().startswith("{"):
        raise WeftError("weft printed no %s document" % schema
                        + ("; it said: " + _error_message(argv[1], stderr, returncode)
                           if stderr.strip() else ""),
                        returncode, argv, stderr)
    try:
        doc = json.loads(lines[-1])
    except ValueError as e:
        raise WeftError("weft's %s document is not JSON (%s)" % (schema, e), returncode, argv,
                        stderr) from None
    got = doc.get("schema") if isinstance(doc, dict) else None
    if got != schema:
        raise WeftError(
            "weft printed a '%s' document where this package reads '%s' (docs/JSON.md): "
            "use a weft and a weft Python package of the same version" % (got, schema),
            returncode, argv, stderr)
    return doc


def run_json(weft, command, args, schema, ok_codes=(EXIT_OK,), stdin=None, cwd=None, env=None,
             json_file=False, timeout=None):
    """Runs `weft COMMAND ARGS... --json` and returns (document, completed process).

    `ok_codes` are the exit statuses that still print the document (1 = a failure found for
    explore, not reproduced for replay; 128+N when a signal interrupted explore); any other
    status raises WeftError with weft's message. `stdin` (bytes) is weft's stdin, else
    /dev/null. `json_file`: the command writes its document to --json-file (record, whose
    stdout belongs to the program).
    """
    exe = find_weft(weft)
    argv = [exe, command]
    tmp = None
    if json_file:
        fd, tmp = tempfile.mkstemp(prefix="weft-", suffix=".json")
        os.close(fd)
        os.unlink(tmp)  # weft writes it; an absent file means it wrote none
        argv += ["--json-file", tmp]
    else:
        argv.append("--json")
    argv += list(args)  # the options, then the program after "--" or the trace
    try:
        proc = subprocess.run(argv, input=stdin if stdin is not None else None,
                              stdin=subprocess.DEVNULL if stdin is None else None,
                              capture_output=True, cwd=cwd, env=env, timeout=timeout)
    except OSError as e:
        raise WeftError("cannot run %s: %s" % (exe, e), None, argv) from None
    except subprocess.TimeoutExpired:
        raise WeftError("weft %s did not finish in %g s" % (command, timeout), None,
                        argv) from None
    stderr = proc.stderr.decode("utf-8", "replace")
    interrupted = proc.returncode > 128 and command == "explore"
    if proc.returncode not in ok_codes and not interrupted:
        if tmp and os.path.exists(tmp):
            os.unlink(tmp)
        raise WeftError(_error_message(command, stderr, proc.returncode), proc.returncode,
                        argv, stderr)
    if tmp:
        try:
            with open(tmp, encoding="utf-8") as f:
                text = f.read()
            os.unlink(tmp)
        except OSError:
            text = ""
    else:
        text = proc.stdout.decode("utf-8", "replace")
    return _document(text, schema, argv, proc.returncode, stderr), proc
