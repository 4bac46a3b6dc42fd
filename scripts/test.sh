#!/usr/bin/env bash
# The README's second command (and CI's): set up, build, run the whole default test suite:
# everything but the labels `slow` (run them with: ctest --test-dir build -L slow) and
# `perf` (wall-clock bounds), which then run alone, one at a time.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j2 -LE 'slow|perf' --timeout 600
ctest --test-dir build --output-on-failure -j1 -L perf -LE slow --timeout 600
