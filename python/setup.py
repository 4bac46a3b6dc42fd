"""The package's build step: weft/weft_trace_pb2.py is generated from the trace format's
.proto with protoc (never checked in). The .proto is $WEFT_PROTO, else weft_trace.proto
beside this file (an sdist), else ../formats/weft_trace.proto (the repository); protoc is
$PROTOC, else protoc on PATH (Debian: protobuf-compiler)."""

import os
import shutil
import subprocess

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))


def find_proto():
    candidates = [os.environ.get("WEFT_PROTO"), os.path.join(HERE, "weft_trace.proto"),
                  os.path.join(HERE, os.pardir, "formats", "weft_trace.proto")]
    for path in candidates:
        if path and os.path.isfile(path):
            return os.path.abspath(path)
    raise SystemExit("weft: cannot find weft_trace.proto (looked at %s); build from the weft "
                     "repository or set WEFT_PROTO" % ", ".join(c for c in candidates if c))


class BuildWithProto(build_py):
    """build_py, then protoc --python_out into the built package."""

    def run(self):
        super().run()
        proto = find_proto()
        protoc = os.environ.get("PROTOC") or shutil.which("protoc")
        if not protoc:
            raise SystemExit("weft: protoc not found: install Debian's protobuf-compiler (or "
                             "set PROTOC)")
        out = os.path.join(self.build_lib, "weft")
        os.makedirs(out, exist_ok=True)
        subprocess.check_call([protoc, "--python_out=" + out, "-I", os.path.dirname(proto),
                               proto])


setup(cmdclass={"build_py": BuildWithProto})
