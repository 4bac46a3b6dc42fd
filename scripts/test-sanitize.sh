#!/usr/bin/env bash
# Builds weft with AddressSanitizer + UndefinedBehaviorSanitizer (cmake -DWEFT_SANITIZE=ON)
# into ./build-asan and runs the default suite there (not `slow`, not `perf`: timings under
# ASan say nothing). The shim and the test programs are built without sanitizers (see
# DEVELOPERS.md, "Sanitizers"). Every sanitizer report is fatal and fails its test.
# usage: bash scripts/test-sanitize.sh [ctest arguments, e.g. -R launcher]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEFT_SANITIZE=ON
cmake --build build-asan -j"$(nproc)"
# NB: the environment reaches the programs weft runs too; they have no sanitizer runtime and
# ignore these.
# verify_asan_link_order=0: some tests run weft itself with a user's LD_PRELOAD (a trace's
# loader variables that are the user's own, tests/integration/trust_test.py), which ASan
# would otherwise refuse to start behind.
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1:verify_asan_link_order=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --test-dir build-asan --output-on-failure -j2 -LE 'slow|perf' --timeout 1200 "$@"
