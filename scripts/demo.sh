#!/usr/bin/env bash
# The README's first command: set up, build, explore the bundled flaky example
# (examples/bank.c) until it fails, then replay the saved failure 10 times.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
weft=build/bin/weft

echo
echo "== natively, the race almost never shows: 50 runs of examples/bank"
fails=0
for _ in $(seq 50); do build/examples/bank >/dev/null || fails=$((fails + 1)); done
echo "   $fails of 50 native runs failed"

echo
echo "== weft explore: search schedules until one fails"
rm -rf weft-explore
set +e
$weft explore --runs 200 -o weft-explore -- build/examples/bank
status=$?
set -e
if [ "$status" -ne 1 ]; then
  echo "demo: explore did not find the failure (status $status)" >&2
  exit 1
fi
trace=$(ls weft-explore/*.weft | head -n 1)

echo
echo "== weft replay: the saved schedule fails the same way, every time"
$weft replay --times 10 "$trace"

echo
echo "== weft show: the failing schedule, event by event"
$weft show "$trace"
