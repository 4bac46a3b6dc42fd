// batch.cc
#include "batch.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QEventLoop>
#include <QPixmap>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <cstdio>

#include "code_views.h"
#include "main_window.h"
#include "panels.h"
#include "timeline_view.h"

namespace weft::gui {
namespace {

int Fail(const QString& message) {
  std::fprintf(stderr, "weft-gui: %s\n", message.toLocal8Bit().constData());
  return 1;
}

// Processes events until the window is idle (nothing loading or running), at most
// `seconds`. False on timeout.
bool WaitIdle(MainWindow& window, double seconds) {
  QElapsedTimer timer;
  timer.start();
  QApplication::processEvents();
  while (window.busy()) {
    if (timer.elapsed() > seconds * 1000) return false;
    QEventLoop loop;
    QTimer::singleShot(20, &loop, &QEventLoop::quit);
    loop.exec();
  }
  QApplication::processEvents();
  return true;
}

}  // namespace

int RunBatch(MainWindow& window, const BatchSteps& steps) {
  QElapsedTimer timer;
  timer.start();
  bool timing = qEnvironmentVariableIsSet("WEFT_GUI_TIMING");
  auto lap = [&](const char* what) {
    if (timing) std::fprintf(stderr, "weft-gui: %s at %.3f s\n", what, timer.nsecsElapsed() * 1e-9);
  };
  window.resize(steps.size);
  window.set_auto_explain(steps.explain);
  if (!steps.trace.isEmpty()) {
    window.OpenFile(steps.trace);
    if (!WaitIdle(window, steps.timeout_seconds)) return Fail("timed out loading " + steps.trace);
    lap("trace shown");
    if (!window.current_run()) {
      return Fail(QStringLiteral("cannot show '%1': %2").arg(steps.trace, window.last_error()));
    }
  }
  auto need_run = [&]() -> bool { return window.current_run() != nullptr; };
  if (steps.explain) {
    if (!need_run()) return Fail("--explain needs a trace");
    if (!window.current_run()->trace_data()->failed) return Fail("--explain: the run did not fail");
    if (!window.last_error().isEmpty()) return Fail("cannot explain: " + window.last_error());
    if (window.current_run()->timeline()->focus_first() < 0) {
      return Fail("weft explain found no critical pair in " + steps.trace);
    }
    lap("explained");
  }
  if (!steps.axis.isEmpty()) {
    if (steps.axis == QStringLiteral("time")) {
      window.SetAxis(TimelineAxis::kVirtualTime);
    } else if (steps.axis == QStringLiteral("index")) {
      window.SetAxis(TimelineAxis::kEventIndex);
    } else {
      return Fail("--axis is 'index' or 'time', not '" + steps.axis + "'");
    }
  }
  if (steps.side_by_side) window.SetRunsSideBySide(true);
  if (!steps.threads.isEmpty() || steps.object >= 0 || steps.near_failure) {
    if (!need_run()) return Fail("--threads, --object and --near-failure need a trace");
    FilterSpec spec;
    for (const QString& part : steps.threads.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
      bool ok = false;
      uint32_t tid = part.trimmed().remove(QLatin1Char('T')).toUInt(&ok);
      if (!ok || tid >= window.current_run()->trace_data()->lanes.size()) {
        return Fail(QStringLiteral("--threads: the trace has no thread '%1'").arg(part));
      }
      spec.threads.push_back(tid);
    }
    if (steps.object >= 0) {
      const auto& objects = window.current_run()->trace_data()->trace.objects;
      if (steps.object == 0 || static_cast<size_t>(steps.object) >= objects.size()) {
        return Fail(QStringLiteral("--object: the trace has no object %1").arg(steps.object));
      }
      spec.object = static_cast<uint32_t>(steps.object);
    }
    spec.near_failure = steps.near_failure;
    window.SetFilter(spec);
  }
  if (steps.zoom_first >= 0 && need_run()) {
    window.current_run()->timeline()->ShowRange(steps.zoom_first, steps.zoom_last);
  }
  if (steps.select_conflict >= 0) {
    if (!need_run()) return Fail("--conflict needs a trace");
    // Row N of the list as shown (ranked, filtered).
    int64_t conflict = window.conflict_model()->ConflictAt(static_cast<int>(steps.select_conflict));
    if (conflict < 0) {
      return Fail(QStringLiteral("the conflicts list has no row %1 (it has %2)")
                      .arg(steps.select_conflict)
                      .arg(window.conflict_model()->rowCount()));
    }
    window.SelectConflict(conflict);
  }
  if (steps.select_event >= 0) {
    if (!need_run()) return Fail("--select needs a trace");
    window.SelectEvent(steps.select_event);
  }
  if (steps.frame >= 0) {
    window.details()->stack_view()->selectRow(steps.frame);
    window.details()->SelectFrame(steps.frame);
  }
  if (steps.tab == QStringLiteral("disassembly")) {
    window.details()->code_tabs()->setCurrentWidget(window.details()->disassembly_view());
  } else if (steps.tab == QStringLiteral("source")) {
    window.details()->code_tabs()->setCurrentWidget(window.details()->source_view());
  }
  if (steps.replay) {
    if (!window.Replay()) return Fail("cannot start the replay");
    if (!WaitIdle(window, steps.timeout_seconds)) return Fail("the replay timed out");
  }
  if (steps.stop_at_selected) {
    if (!window.StopAtSelected())
      return Fail("cannot run to the selected event: " + window.last_error());
    if (!WaitIdle(window, steps.timeout_seconds)) return Fail("the stop-at replay timed out");
  }
  if (steps.permute) {
    if (!window.PermuteSelectedConflict()) return Fail("cannot permute: " + window.last_error());
    if (!WaitIdle(window, steps.timeout_seconds)) return Fail("the permuted run timed out");
    if (window.runs().size() < 2)
      return Fail("the permuted run did not open: " + window.last_error());
  }
  if (steps.permute_until_pass) {
    if (!need_run()) return Fail("--permute-until-pass needs a trace");
    RunView* original = window.current_run();
    auto data = original->trace_data();
    bool passed = false;
    for (size_t k = 0; k < data->conflicts.size() && !passed; ++k) {
      window.SetCurrentRun(original);
      window.SelectConflict(static_cast<int64_t>(k));
      if (!window.PermuteSelectedConflict()) return Fail("cannot permute: " + window.last_error());
      if (!WaitIdle(window, steps.timeout_seconds)) return Fail("the permuted run timed out");
      RunView* permuted = window.current_run();
      if (permuted == original) continue;  // the run failed to start; the error was printed
      passed = !permuted->trace_data()->failed;
      if (!passed) window.CloseRun(permuted);
    }
    if (!passed) return Fail("no reversed conflict made the program pass");
    // Show the reversed pair on the original beside the passing run.
    QApplication::processEvents();
  }
  if (steps.explore_runs > 0 || steps.dock == QStringLiteral("search")) window.LoadStrategies();
  if (steps.explore_runs > 0) {
    window.explore_panel()->runs_box()->setValue(steps.explore_runs);
    window.RaiseDockOf(window.explore_panel());
    if (!window.explore_panel()->Start()) return Fail("cannot start the search");
    if (!WaitIdle(window, steps.timeout_seconds)) return Fail("the search timed out");
  }
  if (!steps.dock.isEmpty()) {
    QWidget* target = nullptr;
    if (steps.dock == QStringLiteral("conflicts")) target = window.conflict_view();
    if (steps.dock == QStringLiteral("search")) target = window.explore_panel();
    if (steps.dock == QStringLiteral("stop")) target = window.stop_details();
    if (steps.dock == QStringLiteral("details")) target = window.details();
    if (!target) return Fail("unknown dock '" + steps.dock + "'");
    window.RaiseDockOf(target);
  }
  if (!steps.save_as.isEmpty()) {
    if (!need_run()) return Fail("--save-as needs a trace");
    if (!window.SaveRunAs(steps.save_as)) return Fail(window.last_error());
  }
  if (!steps.screenshot.isEmpty()) {
    QApplication::processEvents();
    QPixmap shot = window.grab();
    lap("window grabbed");
    if (timing && window.current_run()) {
      std::fprintf(stderr, "weft-gui: timeline painted in %.3f ms\n",
                   window.current_run()->timeline()->last_paint_ms());
    }
    if (!shot.save(steps.screenshot, "PNG")) {
      return Fail(QStringLiteral("cannot write the screenshot '%1' (is the directory writable?)")
                      .arg(steps.screenshot));
    }
  }
  lap("done");
  if (!window.last_error().isEmpty() && steps.screenshot.isEmpty()) return 1;
  return 0;
}

}  // namespace weft::gui
