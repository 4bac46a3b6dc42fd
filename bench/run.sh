#!/usr/bin/env bash
# Runs weft's benchmarks and prints a table; see bench/README.md.
# usage: bash bench/run.sh BUILD_DIR [--reps N] [--quick] [--json] [--baseline OTHER_BUILD_DIR]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ $# -lt 1 ]; then
  echo "usage: bash bench/run.sh BUILD_DIR [--reps N] [--quick] [--json]" >&2
  exit 2
fi
exec python3 "$here/run.py" "$@"
