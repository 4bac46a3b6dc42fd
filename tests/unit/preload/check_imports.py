#!/usr/bin/env python3
"""Checks what libweft_preload.so imports against recorder/preload/allowed_imports.txt.

The shim runs inside the target: every libc function it calls could re-enter it, take a
lock the program holds, allocate, or set the program's errno. poison.h catches the names
at compile time; only this link-level check catches the calls the compiler or a header
slips in. It lists the library's undefined dynamic symbols (nm -D --undefined-only) and
its DT_NEEDED entries (readelf -d) and fails, naming each one, on anything not allowed.

Usage: check_imports.py --nm NM --readelf READELF LIBRARY ALLOWLIST
Exit 0 = only allowed imports, 1 = something else is imported, 2 = the tools failed.
"""
import argparse
import re
import subprocess
import sys


def read_allowlist(path):
    """Returns ({symbol: reason}, {library: reason}); a line is `NAME reason…`,
    `DT_NEEDED lib.so.N reason…`, or a # comment."""
    symbols, needed = {}, {}
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            words = line.split(None, 2)
            if words[0] == "DT_NEEDED":
                if len(words) < 3:
                    sys.exit(f"{path}:{number}: 'DT_NEEDED LIBRARY reason' expected")
                needed[words[1]] = words[2]
            else:
                if len(words) < 2:
                    sys.exit(f"{path}:{number}: '{words[0]}' needs a reason after the name")
                symbols[words[0]] = line.split(None, 1)[1]
    return symbols, needed


def run(cmd):
    try:
        return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"check_imports: cannot run {' '.join(cmd)}: {e}", file=sys.stderr)
        sys.exit(2)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nm", default="nm")
    ap.add_argument("--readelf", default="readelf")
    ap.add_argument("library")
    ap.add_argument("allowlist")
    args = ap.parse_args()
    allowed_symbols, allowed_needed = read_allowlist(args.allowlist)

    imported = set()
    for line in run([args.nm, "-D", "--undefined-only", args.library]).splitlines():
        fields = line.split()
        if fields:
            imported.add(fields[-1].split("@")[0])  # strip the symbol version
    needed = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]",
                            run([args.readelf, "-d", args.library])))

    bad = False
    for sym in sorted(imported - set(allowed_symbols)):
        print(f"FORBIDDEN import: {sym} — the shim must not call it; use the shim's own "
              f"helper (shim.h), a raw system call, or add it to {args.allowlist} with the "
              f"reason it is safe inside the target")
        bad = True
    for lib in sorted(needed - set(allowed_needed)):
        print(f"FORBIDDEN DT_NEEDED: {lib} — it would load into every target; dlopen it "
              f"when it is needed (as ring.cc does with the unwinder) or allow it in "
              f"{args.allowlist}")
        bad = True
    for sym in sorted(set(allowed_symbols) - imported):
        print(f"note: {sym} is allowed but no longer imported; drop it from the allowlist")
    if bad:
        print(f"{args.library}: imports {len(imported)} symbols, {len(needed)} libraries; "
              f"see above")
        return 1
    print(f"{args.library}: {len(imported)} imported symbols and DT_NEEDED "
          f"{', '.join(sorted(needed))}, all allowed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
