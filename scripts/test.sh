#!/usr/bin/env bash
# The README's second command (and CI's): set up, build, run the whole default test suite.
# Slow tests (label `slow`) are left out; run them with: ctest --test-dir build -L slow
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
ctest --test-dir build --output-on-failure -j2 -LE slow --timeout 600
