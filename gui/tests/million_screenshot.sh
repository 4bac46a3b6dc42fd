#!/usr/bin/env bash
# million_screenshot.sh WEFT WEFT_GUI PROGRAM OUT_DIR — records million_locks (4 threads x
# 125,000 locked increments: 1,000,000 events) without stacks, then times
# `weft-gui --screenshot` of it; fails when that takes 3 s or more. Exit 77 (skip) when the
# machine cannot record.
set -u
weft=$1 gui=$2 program=$3 out=$4
mkdir -p "$out"
trace=$out/million.weft
if ! "$weft" record --no-stacks -o "$trace" -- "$program" >"$out/record.log" 2>&1; then
  echo "cannot record $program:"; cat "$out/record.log"; exit 77
fi
start=$(date +%s%N)
QT_QPA_PLATFORM=offscreen "$gui" --screenshot "$out/million.png" "$trace" || exit 1
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
seconds=$(printf "%d.%03d" $((ms / 1000)) $((ms % 1000)))
echo "weft-gui --screenshot of $(basename "$trace") (1,000,000 events): ${seconds} s"
[ "$ms" -lt 3000 ] || { echo "too slow: must finish in under 3 s"; exit 1; }
