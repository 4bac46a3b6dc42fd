// gui_test.cc — weft-gui on a real recorded trace of the two-withdrawals bug
// (tests/programs/withdraw_racy, found with `weft explore`): lanes, conflicts, outcome,
// clicking an event and a frame, zoom and pan, replay, stop-at, permuting the key conflict,
// the search panel, bad files, drops, --screenshot; and the level of detail on 1,000,000
// events. Needs WEFT_CLI (the weft binary), WEFT_TEST_PROGRAM and WEFT_GUI_BIN. Skips
// (exit 77) only when a one-time probe finds that the machine cannot run weft at all
// (ptrace or LD_PRELOAD do not work); anything else unexpected fails.
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QAbstractItemView>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QImage>
#include <QLabel>
#include <QListWidget>
#include <QMimeData>
#include <QProcess>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QUrl>
#include <cstdio>

#include "code_views.h"
#include "main_window.h"
#include "panels.h"
#include "test_traces.h"
#include "timeline_view.h"
#include "weft/trace_io.h"

namespace weft::gui {

class GuiTest : public QObject {
  Q_OBJECT

 private:
  QTemporaryDir dir_;
  QString trace_;  // a failing trace of withdraw_racy

  // Opens `path` in `window` and waits until it is shown.
  static bool Open(MainWindow& window, const QString& path) {
    window.OpenFile(path);
    QTest::qWait(0);
    for (int i = 0; i < 600 && window.busy(); ++i) QTest::qWait(50);
    return window.current_run() != nullptr && !window.busy();
  }

  static bool WaitIdle(MainWindow& window, int ms = 90000) {
    QElapsedTimer timer;
    timer.start();
    while (window.busy() && timer.elapsed() < ms) QTest::qWait(50);
    return !window.busy();
  }

 private slots:
  void initTestCase() {
    QString weft = qEnvironmentVariable("WEFT_CLI");
    QString program = qEnvironmentVariable("WEFT_TEST_PROGRAM");
    QVERIFY2(!weft.isEmpty() && QFileInfo(weft).isExecutable(),
             "WEFT_CLI does not name the weft binary (ctest sets it)");
    QVERIFY2(!program.isEmpty() && QFileInfo(program).isExecutable(),
             "WEFT_TEST_PROGRAM (tests/programs/withdraw_racy) is not built");
    QProcess explore;
    // NB: weft reads its stdin whole for the program; QProcess's stays open.
    explore.setStandardInputFile(QProcess::nullDevice());
    // NB: with stacks (explore records none by default): the tests below click them.
    explore.start(weft, {"explore", "--runs", "300", "--stack-depth", "32", "-o", dir_.path(), "--",
                         program});
    QVERIFY(explore.waitForFinished(120000));
    QDir out(dir_.path());
    QStringList traces = out.entryList({"*.weft"}, QDir::Files);
    QVERIFY2(explore.exitCode() == 1 && !traces.isEmpty(),
             qPrintable("weft explore found no failing schedule of withdraw_racy in 300 runs "
                        "(exit " +
                        QString::number(explore.exitCode()) +
                        "): " + QString::fromLocal8Bit(explore.readAllStandardError()).right(300)));
    trace_ = out.filePath(traces.first());
  }

  void OpensTheRecordedTrace() {
    MainWindow window(true);
    window.show();
    QVERIFY(Open(window, trace_));
    RunView* run = window.current_run();
    const auto& data = run->trace_data();
    // main and the two withdrawing threads, each a lane.
    QCOMPARE(data->lanes.size(), size_t{3});
    QCOMPARE(data->lanes[0].label, QStringLiteral("T0 main"));
    QVERIFY(data->lanes[1].label.contains("withdraw"));
    QVERIFY(data->lanes[2].label.contains("withdraw"));
    // The conflicting lock pairs on the account's mutex, listed beside.
    int on_lock = 0;
    for (const Conflict& c : data->conflicts) {
      if (data->ObjectLabel(c.obj).contains("account_lock")) ++on_lock;
    }
    QVERIFY(on_lock >= 2);
    // Ranked as `weft conflicts` lists them: thread create/exit/join pairs left out.
    QCOMPARE(window.conflict_model()->rowCount(),
             static_cast<int>(data->conflicts.size() - window.conflict_model()->hidden()));
    // The failed outcome, with the program's own words saved by explore.
    QString banner = run->banner()->text();
    QVERIFY2(banner.contains("FAILED") && banner.contains("exited with code 1"),
             qPrintable(banner));
    QVERIFY2(banner.contains("balance = -70"), qPrintable(banner));
  }

  void ClickingAnEventShowsItsSourceAndInstruction() {
    MainWindow window(true);
    window.resize(1400, 900);
    window.show();
    QVERIFY(Open(window, trace_));
    TimelineView* timeline = window.current_run()->timeline();
    const auto& data = timeline->trace_data();
    int64_t lock = -1;
    for (size_t i = 0; i < data->trace.events.size(); ++i) {
      if (data->trace.events[i].kind == format::EventKind::kMutexLock) {
        lock = static_cast<int64_t>(i);
        break;
      }
    }
    QVERIFY(lock >= 0);
    QSignalSpy selected(timeline, &TimelineView::EventSelected);
    QTest::mouseClick(timeline, Qt::LeftButton, {}, timeline->EventPosition(lock).toPoint());
    QCOMPARE(selected.size(), 1);
    QCOMPARE(timeline->selected_event(), lock);
    QVERIFY2(window.details()->summary().contains("mutex_lock"),
             qPrintable(window.details()->summary()));
    QVERIFY(window.details()->summary().contains("account_lock"));
    QVERIFY(window.details()->stack_model()->rowCount() > 0);
    // The program's frame is picked: its source with the line of the lock call highlighted.
    SourceView* source = window.details()->source_view();
    QVERIFY2(source->shown_file().endsWith("withdraw_racy.c"),
             qPrintable(source->toPlainText().left(200)));
    QVERIFY2(source->HighlightedText().contains("pthread_mutex_lock"),
             qPrintable(source->HighlightedText()));
    // And the call instruction in the disassembly.
    QVERIFY2(window.details()->disassembly_view()->HighlightedText().contains("call"),
             qPrintable(window.details()->disassembly_view()->toPlainText().left(300)));
    // Clicking another frame (libc's start_thread, no source on disk) says so, no crash.
    QTableView* stack = window.details()->stack_view();
    int rows = window.details()->stack_model()->rowCount();
    QRect last = stack->visualRect(window.details()->stack_model()->index(rows - 1, 1));
    QTest::mouseClick(stack->viewport(), Qt::LeftButton, {}, last.center());
    QVERIFY(!source->toPlainText().isEmpty());
    // Keys walk the schedule.
    timeline->setFocus();
    QTest::keyClick(timeline, Qt::Key_Right);
    QCOMPARE(timeline->selected_event(), lock + 1);
  }

  void ZoomAndPan() {
    MainWindow window(true);
    window.show();
    QVERIFY(Open(window, trace_));
    TimelineView* timeline = window.current_run()->timeline();
    double full = timeline->geometry().span();
    QTest::keyClick(timeline, Qt::Key_Plus);
    QCOMPARE(timeline->geometry().span(), full / 2);
    QTest::keyClick(timeline, Qt::Key_Plus);
    double start = timeline->geometry().start();
    QPoint from(timeline->layout().gutter + 300,
                static_cast<int>(timeline->layout().LaneCenter(1)));
    QTest::mousePress(timeline, Qt::LeftButton, {}, from);
    QTest::mouseMove(timeline, from + QPoint(-40, 0));
    QTest::mouseMove(timeline, from + QPoint(-120, 0));
    QTest::mouseRelease(timeline, Qt::LeftButton, {}, from + QPoint(-120, 0));
    QVERIFY(timeline->geometry().start() > start);  // dragging left shows later events
    QWheelEvent wheel(QPointF(timeline->layout().gutter + 10, 60),
                      timeline->mapToGlobal(QPoint(0, 0)), QPoint(), QPoint(0, -240), Qt::NoButton,
                      Qt::NoModifier, Qt::NoScrollPhase, false);
    QApplication::sendEvent(timeline, &wheel);
    QVERIFY(timeline->geometry().span() > full / 4);
    QTest::keyClick(timeline, Qt::Key_0);
    QCOMPARE(timeline->geometry().span(), full);
  }

  void SelectingAConflictHighlightsBothEvents() {
    MainWindow window(true);
    window.show();
    QVERIFY(Open(window, trace_));
    QTableView* list = window.conflict_view();
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                      list->visualRect(window.conflict_model()->index(0, 0)).center());
    TimelineView* timeline = window.current_run()->timeline();
    int64_t first_listed = window.conflict_model()->ConflictAt(0);
    QVERIFY(first_listed >= 0);
    QCOMPARE(timeline->selected_conflict(), first_listed);
    const Conflict& c = timeline->trace_data()->conflicts[first_listed];
    QCOMPARE(timeline->selected_event(), static_cast<int64_t>(c.first));
    // Both events are in view.
    const TimelineGeometry& g = timeline->geometry();
    QVERIFY(c.first >= g.start() && c.second + 1 <= g.start() + g.span());
  }

  void ReplayCheckRunsNothing() {
    ReplayCheck check;
    QString error;
    QVERIFY2(RunReplayCheck(trace_, &check, &error), qPrintable(error));
    QVERIFY(check.allowed);
    QVERIFY2(check.command_line.contains(
                 QFileInfo(qEnvironmentVariable("WEFT_TEST_PROGRAM")).fileName()),
             qPrintable(check.command_line));
  }

  void ReplayReproducesTheFailure() {
    MainWindow window(true);
    window.show();
    QVERIFY(Open(window, trace_));
    QVERIFY(window.Replay());
    QVERIFY(WaitIdle(window));
    QVERIFY2(window.last_error().isEmpty(), qPrintable(window.last_error()));
    QString banner = window.current_run()->banner()->text();
    QVERIFY2(banner.contains("replay: reproduced"), qPrintable(banner));
  }

  void StopAtAnEventShowsEveryThread() {
    MainWindow window(true);
    window.show();
    QVERIFY(Open(window, trace_));
    const auto& data = window.current_run()->trace_data();
    // The second lock of the account: both withdrawing threads are alive there.
    int64_t at = -1, locks = 0;
    for (size_t i = 0; i < data->trace.events.size() && at < 0; ++i) {
      if (data->trace.events[i].kind == format::EventKind::kMutexLock && ++locks == 2) at = i;
    }
    QVERIFY(at > 0);
    window.SelectEvent(at);
    QVERIFY(window.StopAtSelected());
    QVERIFY(WaitIdle(window));
    QVERIFY2(window.last_error().isEmpty(), qPrintable(window.last_error()));
    QVERIFY(window.blocked_model()->rowCount() >= 2);
    // Each thread's pending operation comes with its stack.
    bool has_stack = false;
    for (int row = 0; row < window.blocked_model()->rowCount(); ++row) {
      has_stack = has_stack || window.blocked_model()->StackAt(row) != 0;
    }
    QVERIFY(has_stack);
    QVERIFY(window.stop_details()->stack_model()->rowCount() > 0);
  }

  void PermutingTheKeyConflictPasses() {
    MainWindow window(true);
    window.show();
    QVERIFY(Open(window, trace_));
    RunView* original = window.current_run();
    const auto data = original->trace_data();
    QString passing;
    for (size_t k = 0; k < data->conflicts.size() && passing.isEmpty(); ++k) {
      if (!data->ObjectLabel(data->conflicts[k].obj).contains("account_lock")) continue;
      window.SelectConflict(static_cast<int64_t>(k));
      QVERIFY(window.PermuteSelectedConflict());
      QVERIFY(WaitIdle(window));
      QVERIFY2(window.last_error().isEmpty(), qPrintable(window.last_error()));
      QCOMPARE(window.runs().size(), 2);
      RunView* permuted = window.current_run();
      QVERIFY(permuted != original);
      QString banner = permuted->banner()->text();
      QVERIFY2(banner.contains("balance = "), qPrintable(banner));  // the program's output
      if (banner.contains("passed")) passing = banner;
      // Back to the original for the next attempt.
      window.CloseRun(permuted);
      QTest::qWait(50);
      QCOMPARE(window.runs().size(), 1);
      QCOMPARE(window.current_run(), original);
    }
    QVERIFY2(!passing.isEmpty(), "no conflict on account_lock gave a passing run when reversed");
    QVERIFY2(passing.contains("exited with code 0"), qPrintable(passing));
  }

  void FailingTraceOpensOnItsCriticalPair() {
    MainWindow window(true);
    window.set_auto_explain(true);  // as the window does outside batch mode
    window.show();
    window.OpenFile(trace_);
    QVERIFY(WaitIdle(window, 180000));
    QVERIFY2(window.last_error().isEmpty(), qPrintable(window.last_error()));
    // The failing run (or the minimized run weft explain made of it) and the passing run.
    QList<RunView*> runs = window.runs();
    QVERIFY(runs.size() == 2 || runs.size() == 3);
    RunView* failing = runs[runs.size() - 2];
    QCOMPARE(window.current_run(), failing);
    TimelineView* timeline = failing->timeline();
    const auto& data = failing->trace_data();
    int64_t a = timeline->focus_first(), b = timeline->focus_second();
    QVERIFY(a >= 0 && b > a);
    const format::Event& ea = data->trace.events[a];
    const format::Event& eb = data->trace.events[b];
    // Two threads' operations on the account's lock, in the user's functions.
    QVERIFY(ea.tid != eb.tid);
    QCOMPARE(ea.obj, eb.obj);
    QVERIFY2(data->ObjectLabel(ea.obj).contains("account_lock"),
             qPrintable(data->ObjectLabel(ea.obj)));
    for (int64_t e : {a, b}) {
      QString label = data->BlockLabel(e);
      QVERIFY2(label == "has_funds" || label == "debit", qPrintable(label));
    }
    // Both selected and in view, the rest dimmed.
    QCOMPARE(timeline->selected_event(), a);
    QVERIFY(timeline->dim_outside_focus());
    QVERIFY(timeline->IsProminent(a) && timeline->IsProminent(b));
    int dimmed = 0;
    for (size_t i = 0; i < data->trace.events.size(); ++i) {
      if (static_cast<int64_t>(i) != a && static_cast<int64_t>(i) != b) {
        dimmed += !timeline->IsProminent(i);
      }
    }
    QCOMPARE(dimmed, static_cast<int>(data->trace.events.size()) - 2);
    const TimelineGeometry& g = timeline->geometry();
    QVERIFY(a >= g.start() && b + 1 <= g.start() + g.span());
    // The list starts with it; the banner says why, in the program's words.
    QCOMPARE(window.conflict_model()
                 ->data(window.conflict_model()->index(0, ConflictModel::kWhy))
                 .toString(),
             QStringLiteral("critical pair"));
    const Conflict& c = data->conflicts[window.conflict_model()->ConflictAt(0)];
    QCOMPARE(static_cast<int64_t>(c.second), b);
    QVERIFY(static_cast<int64_t>(c.first) == a || static_cast<int64_t>(c.reversal) == a);
    QCOMPARE(timeline->selected_conflict(), window.conflict_model()->ConflictAt(0));
    QString banner = failing->banner()->text();
    QVERIFY2(banner.contains("Why: fails when T") && banner.contains("has_funds"),
             qPrintable(banner));
    QVERIFY2(banner.contains("balance = -70"), qPrintable(banner));
    // The passing run beside it passes.
    RunView* passing = runs.back();
    QVERIFY(!passing->trace_data()->failed);
    QString passed = passing->banner()->text();
    QVERIFY2(passed.contains("passed"), qPrintable(passed));
    // Its banner in the program's words too, from the output recorded in its trace.
    QVERIFY2(passed.contains("balance = 0") || passed.contains("balance = 30"), qPrintable(passed));
    QVERIFY(passing->timeline()->selected_event() >= 0);  // the reordered decision
    // The two runs are compared: the same schedule up to the decision explain changed,
    // marked in both; the passing run boxes its own events of the critical pair.
    QCOMPARE(window.compared_first(), failing);
    QCOMPARE(window.compared_second(), passing);
    const format::Trace& pt = passing->trace_data()->trace;
    int64_t differ = timeline->differ_from();
    QVERIFY(differ > 0);
    QCOMPARE(passing->timeline()->differ_from(), differ);
    for (int64_t i = 0; i < differ; ++i) {
      QCOMPARE(pt.events[i].tid, data->trace.events[i].tid);
      QCOMPARE(pt.events[i].kind, data->trace.events[i].kind);
    }
    QVERIFY(pt.events[differ].tid != data->trace.events[differ].tid ||
            pt.events[differ].kind != data->trace.events[differ].kind);
    QCOMPARE(passing->timeline()->selected_event(), differ);
    for (auto [mine, theirs] : {std::pair{a, passing->timeline()->compared_first()},
                                std::pair{b, passing->timeline()->compared_second()}}) {
      QVERIFY(theirs >= 0);
      QCOMPARE(pt.events[theirs].tid, data->trace.events[mine].tid);
      QCOMPARE(pt.events[theirs].kind, data->trace.events[mine].kind);
    }
    // Linked: the passing run shows what the failing run shows, the decision where they part
    // at one x in both; zooming or scrolling either moves both.
    // (One scale: a position falls on the same x in both, whatever their widths.)
    auto lined_up = [&] {
      const TimelineGeometry& f = timeline->geometry();
      const TimelineGeometry& p = passing->timeline()->geometry();
      double x = f.XOf(differ);
      return std::abs(p.XOf(differ) - x) < 1e-6 && std::abs(p.XOfPos(f.start()) - 0) < 1e-6 &&
             std::abs(p.XOfPos(f.PosAt(f.width())) - f.width()) < 1e-6;
    };
    QVERIFY(lined_up());
    passing->timeline()->ZoomAt(passing->timeline()->width() / 2.0, 0.5);
    QVERIFY(lined_up());
    timeline->Fit();
    QVERIFY(lined_up());
    timeline->ZoomAt(timeline->width() * 0.7, 3.0);
    QVERIFY(lined_up());
    window.SetAxis(TimelineAxis::kVirtualTime);
    QVERIFY(passing->timeline()->laid_out_by_time() && timeline->laid_out_by_time());
    QVERIFY(lined_up());
    window.SetAxis(TimelineAxis::kEventIndex);
    QVERIFY(lined_up());
    window.SetRunsSideBySide(true);
    QTest::qWait(0);
    QVERIFY(passing->x() > failing->x() + failing->width() / 2);  // beside it, not below
    QVERIFY(lined_up());
    // At the screenshots' 1600 px, beside each other, each run's legend (the critical pair's
    // box and the line where the runs part included) wraps onto more rows instead of
    // running past the right edge, and the timeline is tall enough for its rows.
    window.resize(1600, 1000);
    auto legend_fits = [](TimelineView* t) {
      for (const LegendEntry& entry : t->Legend()) {
        if (entry.rect.right() > t->width() || entry.rect.bottom() > t->height()) return false;
      }
      return true;
    };
    for (RunView* run : {failing, passing}) {
      TimelineView* t = run->timeline();
      QTRY_VERIFY2(legend_fits(t),
                   qPrintable(QStringLiteral("%1x%2").arg(t->width()).arg(t->height())));
      std::vector<LegendEntry> legend = t->Legend();
      QVERIFY(legend.size() >= 10);
      QCOMPARE(legend.back().text, QStringLiteral("the compared runs differ from here"));
      QVERIFY(legend.front().rect.top() < legend.back().rect.top());  // more than one row
    }
    window.SetRunsSideBySide(false);
    // Selecting another pair stops the dimming; the critical pair action brings it back.
    for (int row = 1; row < window.conflict_model()->rowCount(); ++row) {
      int64_t other = window.conflict_model()->ConflictAt(row);
      if (static_cast<int64_t>(data->conflicts[other].first) == a) continue;
      window.SelectConflict(other);
      QVERIFY(!timeline->dim_outside_focus());
      break;
    }
    window.SetDimOutsideFocus(true);
    QVERIFY(timeline->dim_outside_focus());
    // Save As keeps the passing run, deleted with the GUI's temporary directory otherwise.
    QTemporaryDir keep;
    window.SetCurrentRun(passing);
    QString saved = keep.filePath("passing.weft");
    QVERIFY2(window.SaveRunAs(saved), qPrintable(window.last_error()));
    auto reread = format::ReadTrace(saved.toStdString());
    QVERIFY(reread.ok());
    QCOMPARE(reread.value().events.size(), passing->trace_data()->trace.events.size());
    QVERIFY(!window.SaveRunAs(keep.path()));  // a directory is no file name
    QVERIFY2(window.last_error().contains("directory"), qPrintable(window.last_error()));
  }

  void LanesOfOneProcessAreShownTogether() {
    // The root's threads T0 and T2, the child's T1 and T3: rows 0, 2, 1, 3 (by filter too).
    format::Trace t = testing::BankTrace();
    t.threads.push_back(t.threads[1]);
    t.threads[3].tid = 3;
    t.processes = {{100, -1, "/nonexistent/withdraw", {"./withdraw"}, {}},
                   {200, 100, "/nonexistent/withdraw", {"./withdraw"}, {}}};
    for (format::Thread& th : t.threads) th.pid = th.tid % 2 == 0 ? 100 : 200;
    TimelineView timeline;
    timeline.SetTraceData(BuildTraceData(t, "tree.weft"));
    QCOMPARE(timeline.shown_lanes(), (std::vector<uint32_t>{0, 2, 1, 3}));
    FilterSpec some;
    some.threads = {3, 0, 1};
    timeline.SetFilter(some);
    QCOMPARE(timeline.shown_lanes(), (std::vector<uint32_t>{0, 1, 3}));
  }

  void FiltersHideThreadsDimObjectsAndShowTheEnd() {
    MainWindow window(true);
    window.show();
    QVERIFY(Open(window, trace_));
    TimelineView* timeline = window.current_run()->timeline();
    const auto& data = timeline->trace_data();
    int all_rows = window.conflict_model()->rowCount();
    QVERIFY(all_rows > 0);
    // One thread: only its lane, and no pair (a pair needs two threads).
    FilterSpec one;
    one.threads = {1};
    window.SetFilter(one);
    QCOMPARE(timeline->shown_lanes(), (std::vector<uint32_t>{1}));
    QCOMPARE(window.conflict_model()->rowCount(), 0);
    QVERIFY(timeline->height() >= timeline->layout().TotalHeight(1, 0));
    // The account's lock: its events stay bright, the others are dimmed; its pairs listed.
    uint32_t lock = 0;
    for (uint32_t id = 1; id < data->trace.objects.size(); ++id) {
      if (data->ObjectLabel(id).contains("account_lock")) lock = id;
    }
    QVERIFY(lock != 0);
    FilterSpec object;
    object.object = lock;
    window.SetFilter(object);
    QCOMPARE(timeline->shown_lanes().size(), data->lanes.size());
    int bright = 0;
    for (size_t i = 0; i < data->trace.events.size(); ++i) {
      QCOMPARE(timeline->IsProminent(i), data->trace.events[i].obj == lock);
      bright += timeline->IsProminent(i);
    }
    QVERIFY(bright >= 4);
    QVERIFY(window.conflict_model()->rowCount() > 0);
    for (size_t k : window.conflict_model()->order()) QCOMPARE(data->conflicts[k].obj, lock);
    // Near the failure: the view starts where the window does.
    FilterSpec near;
    near.near_failure = true;
    window.SetFilter(near);
    QCOMPARE(timeline->geometry().start(), static_cast<double>(timeline->filter().from()));
    window.SetFilter({});
    QCOMPARE(window.conflict_model()->rowCount(), all_rows);
    QVERIFY(!timeline->filter().active());
  }

  void AxisIsEventIndexOrVirtualTime() {
    QString gui = qEnvironmentVariable("WEFT_GUI_BIN");
    QTemporaryDir dir;
    QString png = dir.filePath("time.png");
    QProcess p;
    p.start(gui, {"--screenshot", png, "--size", "1000x700", "--axis", "time", trace_});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    QProcess bad;
    bad.start(gui, {"--screenshot", png, "--axis", "seconds", trace_});
    QVERIFY(bad.waitForFinished(60000));
    QCOMPARE(bad.exitCode(), 1);
    QVERIFY(QString::fromLocal8Bit(bad.readAllStandardError()).contains("'index' or 'time'"));
    MainWindow window(true);
    window.show();
    QVERIFY(Open(window, trace_));
    QCOMPARE(window.current_run()->timeline()->axis(), TimelineAxis::kEventIndex);
    window.SetAxis(TimelineAxis::kVirtualTime);
    QCOMPARE(window.current_run()->timeline()->axis(), TimelineAxis::kVirtualTime);
    QVERIFY(window.current_run()->timeline()->laid_out_by_time());
    window.SetAxis(TimelineAxis::kEventIndex);
    QVERIFY(!window.current_run()->timeline()->laid_out_by_time());
  }

  void TimeAxisLaysEventsOutByVirtualTime() {
    // The bank trace, 1 µs per event, with a 10 ms sleep of T1 after its first check
    // (event 5): the next event happens 10 ms later.
    format::Trace t = testing::BankTrace();
    for (size_t i = 6; i < t.events.size(); ++i) t.events[i].vtime += 10000000;
    QTemporaryDir dir;
    QString path = dir.filePath("sleepy.weft");
    QVERIFY(format::WriteTrace(path.toStdString(), t).ok());
    MainWindow window(true);
    window.resize(1400, 900);
    window.show();
    QVERIFY(Open(window, path));
    TimelineView* timeline = window.current_run()->timeline();
    auto x = [&](double index) { return timeline->geometry().XOf(index); };
    // Event index: one slot each, the sleep invisible.
    QCOMPARE(x(6) - x(5), x(5) - x(4));
    window.SetAxis(TimelineAxis::kVirtualTime);
    QVERIFY(timeline->laid_out_by_time());
    // Virtual time: the 10 ms are most of the width, the events before and after them
    // packed at its two ends, in their order.
    QVERIFY2(x(6) - x(5) > 0.9 * timeline->geometry().width(),
             qPrintable(QString("%1 of %2").arg(x(6) - x(5)).arg(timeline->geometry().width())));
    for (double i = 1; i < 16; ++i) QVERIFY(x(i) > x(i - 1));
    // Each event is still one box to click, where it is drawn.
    for (uint64_t i : {uint64_t{4}, uint64_t{6}, uint64_t{15}}) {
      QCOMPARE(timeline->EventAt(timeline->EventPosition(i)), static_cast<int64_t>(i));
    }
    // Selecting an event shows it; zooming there keeps it under the cursor.
    window.SelectEvent(10);
    timeline->ZoomIn();
    QPointF at = timeline->EventPosition(10);
    QVERIFY(at.x() > timeline->layout().gutter && at.x() < timeline->width());
    QCOMPARE(timeline->EventAt(at), int64_t{10});
    // Back on indexes, the same events in view.
    auto [first, last] = timeline->geometry().VisibleRange();
    window.SetAxis(TimelineAxis::kEventIndex);
    QVERIFY(!timeline->laid_out_by_time());
    auto [first2, last2] = timeline->geometry().VisibleRange();
    QVERIFY2(first2 <= 10 && last2 > 10, qPrintable(QString("%1-%2").arg(first2).arg(last2)));
    QVERIFY(first2 + 1 >= first && last2 <= last + 1);
  }

  void SearchPanelFindsFailures() {
    MainWindow window(true);
    window.show();
    QVERIFY(Open(window, trace_));
    ExplorePanel* panel = window.explore_panel();
    window.LoadStrategies();
    QVERIFY(panel->strategy_box()->findText("random") >= 0);
    panel->runs_box()->setValue(40);
    QVERIFY(panel->Start());
    QVERIFY(panel->running());
    QVERIFY(WaitIdle(window, 120000));
    QVERIFY2(panel->failures()->count() > 0, qPrintable(panel->status()->text()));
    // One click opens a failing trace.
    QListWidget* list = panel->failures();
    QString path = list->item(0)->data(Qt::UserRole).toString();
    QSignalSpy opened(&window, &MainWindow::TraceOpened);
    QTest::mouseClick(list->viewport(), Qt::LeftButton, {},
                      list->visualItemRect(list->item(0)).center());
    QVERIFY(opened.wait(20000));
    QCOMPARE(opened.at(0).at(0).toString(), QFileInfo(path).absoluteFilePath());
  }

  void SearchCanBeCanceled() {
    ExplorePanel panel;
    panel.SetProgram({qEnvironmentVariable("WEFT_TEST_PROGRAM")}, QDir::tempPath());
    panel.runs_box()->setValue(1000000);
    QSignalSpy finished(&panel, &ExplorePanel::Finished);
    QVERIFY(panel.Start());
    QTest::qWait(300);
    panel.Cancel();
    QVERIFY(finished.wait(10000));
    QCOMPARE(panel.status()->text(), QStringLiteral("Canceled."));
  }

  void BadFilesSayWhy() {
    MainWindow window(true);
    window.show();
    QTemporaryDir dir;
    QString bad = dir.filePath("garbage.weft");
    QFile f(bad);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("definitely not a trace");
    f.close();
    window.OpenFile(bad);
    QVERIFY(WaitIdle(window));
    QVERIFY2(window.last_error().contains("not a weft trace"), qPrintable(window.last_error()));
    QVERIFY(window.current_run() == nullptr);
    window.OpenFile(dir.filePath("missing.weft"));
    QVERIFY2(window.last_error().contains("no such file"), qPrintable(window.last_error()));
  }

  void DroppingAFileOpensIt() {
    QTemporaryDir dir;
    QString path = dir.filePath("bank.weft");
    QVERIFY(format::WriteTrace(path.toStdString(), testing::BankTrace()).ok());
    MainWindow window(true);
    window.show();
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(path)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(&window, &drop);
    QVERIFY(WaitIdle(window));
    QVERIFY(window.current_run() != nullptr);
    QCOMPARE(window.current_run()->trace_data()->trace.events.size(), size_t{16});
  }

  void DeadlockCycleIsShown() {
    QTemporaryDir dir;
    QString path = dir.filePath("deadlock.weft");
    QVERIFY(format::WriteTrace(path.toStdString(), testing::DeadlockTrace()).ok());
    MainWindow window(true);
    window.show();
    QVERIFY(Open(window, path));
    QString banner = window.current_run()->banner()->text();
    QVERIFY2(banner.contains("deadlock") && banner.contains("held by T2"), qPrintable(banner));
    // The blocked threads are listed with their stacks, as a stop's would be.
    QCOMPARE(window.blocked_model()->rowCount(), 2);
  }

  void ScreenshotCommandWritesAPng() {
    QString gui = qEnvironmentVariable("WEFT_GUI_BIN");
    QVERIFY2(!gui.isEmpty(), "WEFT_GUI_BIN is not set (ctest sets it)");
    QTemporaryDir dir;
    QString path = trace_;
    if (path.isEmpty()) {
      path = dir.filePath("bank.weft");
      QVERIFY(format::WriteTrace(path.toStdString(), testing::BankTrace()).ok());
    }
    QString png = dir.filePath("shot.png");
    QProcess p;
    p.start(gui, {"--screenshot", png, "--size", "1200x800", "--select", "4", path});
    QVERIFY(p.waitForFinished(60000));
    QCOMPARE(p.exitCode(), 0);
    QImage image(png);
    QCOMPARE(image.size(), QSize(1200, 800));
    // A bad file makes it fail with a message instead of a picture of nothing.
    QProcess bad;
    bad.start(gui, {"--screenshot", png, dir.filePath("missing.weft")});
    QVERIFY(bad.waitForFinished(60000));
    QCOMPARE(bad.exitCode(), 1);
    QVERIFY(QString::fromLocal8Bit(bad.readAllStandardError()).contains("no such file"));
  }

  void LevelOfDetailOnAMillionEvents() {
    // How fast this draws is bench/gui.py's to measure; here: what it draws.
    std::shared_ptr<const TraceData> data =
        BuildTraceData(testing::RandomTrace(1000000, 4, 3), "million");
    TimelineView view;
    view.resize(1600, 300);
    view.SetTraceData(data);
    QImage image(view.size(), QImage::Format_ARGB32_Premultiplied);
    view.render(&image);
    // Aggregated columns are not blank: a lane's pixels carry colour.
    QVERIFY(view.geometry().IndexesPerPixel() > 100);
    QColor lane = image.pixelColor(static_cast<int>(view.layout().gutter) + 400,
                                   static_cast<int>(view.layout().LaneCenter(1)));
    QVERIFY(lane.saturation() > 40);
    // Zooming in step by step down to single events, each frame drawn.
    for (int step = 0; step < 20; ++step) {
      view.ZoomAt(800, 2.0);
      view.render(&image);
      if (qEnvironmentVariableIsSet("WEFT_GUI_TEST_VERBOSE")) {
        qInfo("zoom step %d: %.3g events per pixel, %.1f ms", step,
              view.geometry().IndexesPerPixel(), view.last_paint_ms());
      }
    }
    QVERIFY(view.geometry().IndexesPerPixel() < 0.5);
    // One box per event: the event at the middle of the view is there to click.
    int64_t middle = static_cast<int64_t>(view.geometry().IndexAt(view.geometry().width() / 2));
    QPointF at = view.EventPosition(static_cast<uint64_t>(middle));
    QCOMPARE(view.EventAt(at), middle);
  }
};

// Why weft cannot run here at all, or "": ptrace (a child asks to be traced) and LD_PRELOAD
// (a library cat does not link shows up in its maps). Run once, before the tests.
QString CapabilityProblem() {
  pid_t pid = fork();
  if (pid == 0) _exit(ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) == 0 ? 0 : 1);
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    return QStringLiteral("ptrace is not permitted here (PTRACE_TRACEME failed)");
  }
  QProcess cat;
  QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
  env.insert(QStringLiteral("LD_PRELOAD"), QStringLiteral("libm.so.6"));
  cat.setProcessEnvironment(env);
  cat.start(QStringLiteral("cat"), {QStringLiteral("/proc/self/maps")});
  if (!cat.waitForFinished(30000)) return QStringLiteral("cannot run cat to probe LD_PRELOAD");
  if (!cat.readAllStandardOutput().contains("libm")) {
    return QStringLiteral("LD_PRELOAD is not honoured here (libm.so.6 was not loaded into cat)");
  }
  return {};
}

}  // namespace weft::gui

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  app.setAttribute(Qt::AA_Use96Dpi, true);
  QString problem = weft::gui::CapabilityProblem();
  if (!problem.isEmpty()) {
    std::fprintf(stderr, "gui_test: skipped: %s\n", qPrintable(problem));
    return 77;
  }
  weft::gui::GuiTest test;
  QTEST_SET_MAIN_SOURCE_PATH
  return QTest::qExec(&test, argc, argv);
}
#include "gui_test.moc"
