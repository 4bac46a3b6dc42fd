#!/usr/bin/env python3
"""Checks that every source of the shim includes poison.h, and includes it last.

poison.h turns the libc names the shim must not call into compile errors, but only for the
code after it: a source that forgets it, or includes a header after it, escapes the rule.
mem.cc is the one exception: it defines memcpy & co. for the compiler's own calls.

Usage: check_poison.py DIR      (DIR = recorder/preload)   exit 0 = all good, 1 = not
"""
import os
import re
import sys

INCLUDE_RE = re.compile(r'^\s*#\s*include\s+[<"]([^">]+)[">]', re.M)
EXEMPT = {"mem.cc"}


def main():
    root = sys.argv[1]
    bad = []
    sources = sorted(f for f in os.listdir(root) if f.endswith((".cc", ".c")))
    for name in sources:
        with open(os.path.join(root, name), encoding="utf-8") as f:
            includes = INCLUDE_RE.findall(f.read())
        if name in EXEMPT:
            if "poison.h" in includes:
                bad.append(f"{name}: defines the poisoned names and must not include poison.h")
        elif not includes or includes[-1] != "poison.h":
            last = includes[-1] if includes else "nothing"
            bad.append(f"{name}: its last #include is {last}, not \"poison.h\"; add "
                       f"`#include \"poison.h\"` after every other include")
    for line in bad:
        print(line)
    if bad:
        return 1
    print(f"{root}: {len(sources)} sources, every one includes poison.h last "
          f"(except {', '.join(sorted(EXEMPT))})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
