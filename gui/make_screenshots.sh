#!/usr/bin/env bash
# make_screenshots.sh BUILD_DIR [OUT_DIR] — the screenshots of docs/screenshots/: records the
# two-withdrawals bug (examples/bank) with `weft explore`, then shows each step of looking at
# it in weft-gui in a real X window (Xvfb, platform xcb; without xvfb-run, Qt's offscreen
# platform) and saves the window with the app's own grab (--screenshot). Then its critical
# pair (weft explain), 5,000 events of nine threads (gui/tests/nine_tellers.cc) on theirs and
# filtered, explain's failing and passing runs side by side, and the 1,000,000-event trace of
# gui/tests/million_locks.c, timed.
# (weft record reads an open stdin to its end: every weft here reads /dev/null.)
set -euo pipefail
build=$(cd "${1:?usage: make_screenshots.sh BUILD_DIR [OUT_DIR]}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
out=${2:-$here/../docs/screenshots}
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
weft=$build/bin/weft
gui=$build/bin/weft-gui
cd "$work"

"$weft" explore -o "$work/found" -- "$build/examples/bank" </dev/null >/dev/null 2>&1 || true
trace=$(ls "$work"/found/*.weft | head -1)
echo "failing trace: $trace"

shot() {  # shot NAME ARGS...: one screenshot in a real X window (else offscreen)
  local name=$1
  shift
  if command -v xvfb-run >/dev/null 2>&1; then
    xvfb-run -a -s "-screen 0 1920x1800x24" env QT_QPA_PLATFORM=xcb \
      "$gui" --size 1600x1000 --screenshot "$out/$name.png" "$@"
  else
    QT_QPA_PLATFORM=offscreen "$gui" --size 1600x1000 --screenshot "$out/$name.png" "$@" 2>/dev/null
  fi
  echo "wrote $out/$name.png"
}

shot 01-failing-trace "$trace"
shot 02-conflict-selected "$trace" --conflict 1
shot 03-source-line "$trace" --select 8 --frame 0 --tab source
shot 04-disassembly "$trace" --select 8 --frame 0 --tab disassembly
shot 05-permuted-passes "$trace" --permute-until-pass
shot 06-replay-reproduced "$trace" --replay
shot 07-stopped-threads "$trace" --conflict 1 --stop-at-selected --dock stop
shot 08-search "$trace" --explore 40 --dock search

# The critical pair on open (weft explain), the passing run below; then beside it.
shot 12-critical-pair "$trace" --explain
shot 15-explain-side-by-side "$trace" --explain --side-by-side

# 5,000 events of nine threads (gui/tests/nine_tellers.cc): explore with stacks (the lanes
# and boxes are named from them; pct finds a failing run in a few tries), then
# the critical pair, and the end of the run filtered.
nine=$build/bin/nine_tellers
"$weft" explore --strategy pct --stack-depth 32 -o "$work/nine" -- "$nine" </dev/null >/dev/null 2>&1 || true
nine_trace=$(ls "$work"/nine/*.weft 2>/dev/null | head -1 || true)
if [ -n "$nine_trace" ]; then
  echo "nine threads: $nine_trace"
  shot 13-nine-threads "$nine_trace" --explain --size 1600x1500
  shot 14-nine-threads-near-failure "$nine_trace" --near-failure --axis time
fi

"$weft" explore -o "$work/deadlock" -- "$build/tests/programs/lock_order_racy" </dev/null >/dev/null 2>&1 || true
deadlock=$(ls "$work"/deadlock/*.weft 2>/dev/null | head -1 || true)
if [ -n "$deadlock" ]; then shot 09-deadlock-cycle "$deadlock" --dock stop; fi

cc -O1 -pthread "$here/tests/million_locks.c" -o "$work/million_locks"
"$weft" record --no-stacks -o "$work/million.weft" -- "$work/million_locks" </dev/null >/dev/null 2>&1
start=$(date +%s%N)
QT_QPA_PLATFORM=offscreen "$gui" --screenshot "$out/10-million-events.png" "$work/million.weft"
end=$(date +%s%N)
echo "1,000,000 events: --screenshot took $(( (end - start) / 1000000 )) ms (offscreen)"
shot 11-million-zoomed "$work/million.weft" --zoom 500000:500300 --select 500100
