// batch.h — weft-gui without a user: open a trace, apply a few steps (select an event or a
// conflict, click a frame, replay, stop, permute, search), save the window as a PNG, exit.
// For documentation screenshots and GUI tests; works under QT_QPA_PLATFORM=offscreen.
#pragma once

#include <QSize>
#include <QString>
#include <cstdint>

namespace weft::gui {

class MainWindow;

// What to do before the screenshot. Negative numbers mean "not asked for".
struct BatchSteps {
  QString trace;           // the trace to open
  QString screenshot;      // PNG to write ("" = none)
  QSize size{1600, 1000};  // window size
  int64_t select_event = -1;
  int64_t select_conflict = -1;
  int frame = -1;  // stack row of the selection to click
  QString tab;     // "source" or "disassembly": the code tab to show
  QString dock;    // dock to raise: conflicts, events, threads, search, stop
  double zoom_first = -1, zoom_last = -1;  // events to show
  bool replay = false;
  bool stop_at_selected = false;
  bool permute = false;
  // Reverse the conflicts one by one until a permuted run passes; that one stays open.
  bool permute_until_pass = false;
  int explore_runs = 0;          // > 0: run a search with this budget
  bool explain = false;          // run weft explain on the opened trace and show its pair
  QString threads;               // "1,2": show only these threads' lanes
  int64_t object = -1;           // keep only this object's events and conflicts
  bool near_failure = false;     // show only the events near the failure
  QString axis;                  // "index" or "time": the ruler's unit
  bool side_by_side = false;     // the runs side by side, not one above the other
  QString save_as;               // copy the current run's trace here at the end
  double timeout_seconds = 120;  // for the CLI steps
};

// Runs `steps` on `window` (already shown) and writes the screenshot. Returns the process
// exit status: 0, or 1 with a message on stderr saying which step failed.
int RunBatch(MainWindow& window, const BatchSteps& steps);

}  // namespace weft::gui
