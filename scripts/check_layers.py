#!/usr/bin/env python3
"""Checks that weft's layers depend on each other in one direction only.

Every source file belongs to a module (the longest matching folder in MODULES). Each
`#include "..."` is resolved to the module that provides the header, and each
`target_link_libraries` edge between weft targets to the modules that define them. An edge
to a module that is not in the includer's ALLOWED list is an error: it goes up or sideways.
docs/ARCHITECTURE.md explains the layers; change the two together.

Usage: scripts/check_layers.py [--root DIR]      exit 0 = clean, 1 = violations
"""
import argparse
import os
import re
import sys

# Modules, lowest layer first. A module may depend on the modules listed for it.
ALLOWED = {
    "abi": [],
    "sched": ["abi"],
    "common": [],
    # The trace format takes its event and object kinds from the ABI's event table.
    "formats": ["common", "abi"],
    "analysis": ["formats", "common", "abi"],
    # `weft show`: the timeline and JSON renderings of a trace (uses analysis).
    "render": ["analysis", "formats", "common", "abi"],
    # The shim runs inside the target: the ABI and the choosers, nothing with the STL.
    "recorder/preload": ["abi", "sched"],
    "recorder/launcher": ["common"],
    # The runtime of instrumented builds, inside the target beside the shim: the ABI only.
    "recorder/instrument": ["abi"],
    "recorder/session": ["abi", "sched", "common", "formats", "analysis", "recorder/launcher"],
    "search": ["abi", "sched", "common", "formats", "analysis", "recorder/session",
               "recorder/launcher"],
    "api": ["abi", "sched", "common", "formats", "analysis", "render", "recorder/session",
            "recorder/launcher", "search"],
    "tools": ["abi", "sched", "common", "formats", "analysis", "render", "recorder/session",
              "recorder/launcher", "search", "api"],
    # The GUI's models read traces; they never run programs themselves (they drive the CLI).
    "gui/models": ["common", "formats", "analysis", "abi"],
    "gui/widgets": ["common", "formats", "analysis", "abi", "gui/models"],
    "gui/app": ["common", "formats", "analysis", "abi", "gui/models", "gui/widgets"],
}
# Tests, benchmarks and examples sit above everything and may use any layer.
TOP = ["tests", "gui/tests", "bench", "examples", "python", "scripts"]

SOURCE_EXT = (".c", ".cc", ".cpp", ".h", ".hpp", ".inc")
INCLUDE_RE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# Headers generated into the build tree, and the module that generates them.
GENERATED = {"weft_trace.pb.h": "formats", "weft/version.h": "common"}


def module_of(rel):
    best = None
    for m in list(ALLOWED) + TOP:
        if rel == m or rel.startswith(m + "/"):
            if best is None or len(m) > len(best):
                best = m
    return best


def header_index(root):
    """Maps an include path ("weft/trace.h") to the modules whose include dirs hold it."""
    index = {}
    for m in ALLOWED:
        # A module exports include/ if it has one, else the headers in its own folder
        # (the GUI's modules put their folder on the include path).
        inc = os.path.join(root, m, "include")
        if not os.path.isdir(inc):
            inc = os.path.join(root, m)
            if not os.path.isdir(inc):
                continue
        for dirpath, _, files in os.walk(inc):
            for f in files:
                rel = os.path.relpath(os.path.join(dirpath, f), inc)
                index.setdefault(rel, set()).add(m)
    return index


def source_files(root):
    for dirpath, dirnames, files in os.walk(root):
        rel_dir = os.path.relpath(dirpath, root)
        dirnames[:] = [d for d in dirnames
                       if not d.startswith(".") and not d.startswith("build")
                       and not (rel_dir == "." and d in ("docs",))]
        for f in files:
            if f.endswith(SOURCE_EXT):
                yield os.path.normpath(os.path.join(rel_dir, f))


def check_includes(root, errors):
    index = header_index(root)
    for rel in source_files(root):
        mod = module_of(rel)
        if mod is None or mod in TOP:
            continue
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for lineno, inc in ((text.count("\n", 0, m.start()) + 1, m.group(1))
                            for m in INCLUDE_RE.finditer(text)):
            local = os.path.normpath(os.path.join(os.path.dirname(rel), inc))
            if os.path.exists(os.path.join(root, local)):
                target = module_of(local)
            elif inc in index:
                owners = index[inc]
                target = mod if mod in owners else sorted(owners)[0]
            elif inc in GENERATED:
                target = GENERATED[inc]
            else:
                errors.append(f"{rel}:{lineno}: #include \"{inc}\" is no header of any module")
                continue
            if target != mod and target not in ALLOWED[mod]:
                errors.append(f"{rel}:{lineno}: #include \"{inc}\": {mod} may not depend on "
                              f"{target} (allowed: {', '.join(ALLOWED[mod]) or 'nothing'})")


def cmake_files(root):
    for rel in source_files_cmake(root):
        yield rel


def source_files_cmake(root):
    for dirpath, dirnames, files in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".") and not d.startswith("build")]
        if "CMakeLists.txt" in files:
            yield os.path.relpath(os.path.join(dirpath, "CMakeLists.txt"), root)


def strip_comments(text):
    return re.sub(r"#[^\n]*", "", text)


def check_links(root, errors):
    defined = {}  # target -> module
    links = []    # (file, target, deps)
    for rel in cmake_files(root):
        mod = module_of(os.path.dirname(rel))
        with open(os.path.join(root, rel), encoding="utf-8") as fh:
            text = strip_comments(fh.read())
        for m in re.finditer(r"add_(?:library|executable)\(\s*([\w-]+)", text):
            defined[m.group(1)] = mod
        for m in re.finditer(r"target_link_libraries\(\s*([\w${}-]+)([^)]*)\)", text):
            deps = [d for d in m.group(2).split() if d not in ("PUBLIC", "PRIVATE", "INTERFACE")]
            links.append((rel, mod, m.group(1), deps))
    for rel, mod, target, deps in links:
        if mod is None or mod in TOP:
            continue
        for d in deps:
            dmod = defined.get(d)
            if dmod is None or dmod == mod:
                continue
            if dmod not in ALLOWED[mod]:
                errors.append(f"{rel}: {target} links {d}: {mod} may not depend on {dmod} "
                              f"(allowed: {', '.join(ALLOWED[mod]) or 'nothing'})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", default=os.path.join(os.path.dirname(__file__), ".."))
    args = ap.parse_args()
    root = os.path.abspath(args.root)
    errors = []
    check_includes(root, errors)
    check_links(root, errors)
    for e in errors:
        print(f"check_layers: {e}", file=sys.stderr)
    if errors:
        print(f"check_layers: {len(errors)} edge(s) against the layering "
              "(docs/ARCHITECTURE.md)", file=sys.stderr)
        return 1
    print("check_layers: every include and link edge goes down the layers")
    return 0


if __name__ == "__main__":
    sys.exit(main())
