#!/usr/bin/env bash
# Formats weft's C and C++ sources with clang-format (.clang-format at the top).
# usage: bash scripts/format.sh           rewrite the files in place
#        bash scripts/format.sh --check   list files that are not formatted; exit 1 if any
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
  echo "format: clang-format is not installed (bash scripts/install-deps.sh installs it)" >&2
  exit 2
fi
mapfile -t files < <(git ls-files '*.c' '*.cc' '*.h' | grep -v '^tests/fuzz/corpus/')
if [ "${1:-}" = "--check" ]; then
  bad=0
  for f in "${files[@]}"; do
    if ! clang-format --style=file "$f" | cmp -s - "$f"; then
      echo "not formatted: $f"
      bad=1
    fi
  done
  [ "$bad" -eq 0 ] && echo "format: ${#files[@]} files formatted"
  exit "$bad"
fi
clang-format --style=file -i "${files[@]}"
echo "format: ${#files[@]} files"
