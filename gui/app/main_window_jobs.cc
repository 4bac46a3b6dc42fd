// main_window_jobs.cc — what the window runs through the weft CLI (replay, run to an
// event, permute) and what it does with the answers: new runs, the threads at a stop.
#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QJsonObject>
#include <QLabel>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStatusBar>
#include <QTableView>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>
#include <cstdio>

#include "code_views.h"
#include "main_window.h"
#include "panels.h"
#include "timeline_view.h"
#include "trace_loader.h"

namespace weft::gui {
namespace {

// Program runs weft explain may make for the GUI.
constexpr int kExplainMaxRuns = 300;

}  // namespace

QString MainWindow::TempPath(const QString& name) const {
  return temp_.isValid() ? temp_.filePath(name) : QDir::temp().filePath(name);
}

bool MainWindow::ConfirmRun(const QString& path, QStringList* extra) {
  auto known = confirmed_.constFind(path);
  if (known != confirmed_.constEnd()) {
    *extra = known.value();
    return true;
  }
  if (batch_) return true;
  ReplayCheck check;
  QString error;
  if (!RunReplayCheck(path, &check, &error)) {
    ShowError(tr("Cannot check what replaying %1 would run: %2").arg(path, error));
    return false;
  }
  QMessageBox box(this);
  box.setWindowTitle(tr("Run the program of this trace?"));
  box.setIcon(check.allowed ? QMessageBox::Question : QMessageBox::Warning);
  box.setText(DescribeReplayCheck(check));
  QPushButton* run =
      box.addButton(check.allowed ? tr("Run") : tr("Run anyway"),
                    check.allowed ? QMessageBox::AcceptRole : QMessageBox::DestructiveRole);
  QPushButton* cancel = box.addButton(QMessageBox::Cancel);
  box.setDefaultButton(check.allowed ? run : cancel);
  box.exec();
  if (box.clickedButton() != run) return false;
  QStringList options;
  if (!check.allowed) {
    if (!check.loader_variables.isEmpty()) options << QStringLiteral("--trust");
    if (!check.program_changed.isEmpty()) options << QStringLiteral("--force");
  }
  confirmed_.insert(path, options);
  *extra = options;
  return true;
}

bool MainWindow::Replay() {
  if (!current_ || job_->running()) return false;
  QStringList extra;
  if (!ConfirmRun(current_->trace_data()->path, &extra)) return false;
  job_kind_ = QStringLiteral("replay");
  job_run_ = current_;
  current_->banner()->SetNote(tr("replaying…"));
  job_->Start(QStringList{QStringLiteral("replay"), current_->trace_data()->path,
                          QStringLiteral("--json")} +
                  extra,
              QLatin1String(kReplaySchema));
  UpdateActions();
  return true;
}

bool MainWindow::StopAtSelected() {
  if (!current_ || job_->running()) return false;
  int64_t index = current_->timeline()->selected_event();
  if (index < 0) {
    ShowError(tr("Select the event to stop at first (click it on the timeline)."));
    return false;
  }
  const QString& path = current_->trace_data()->path;
  QStringList extra;
  if (!ConfirmRun(path, &extra)) return false;
  QString out =
      TempPath(QStringLiteral("%1-stop-%2.weft").arg(QFileInfo(path).baseName()).arg(index));
  confirmed_.insert(out, extra);
  job_kind_ = QStringLiteral("stop");
  job_run_ = current_;
  pending_stop_ = index;
  current_->banner()->SetNote(tr("replaying up to event %1…").arg(index));
  job_->Start(
      QStringList{QStringLiteral("replay"), path, QStringLiteral("--stop-at"),
                  QString::number(index), QStringLiteral("-o"), out, QStringLiteral("--json")} +
          extra,
      QLatin1String(kReplaySchema));
  UpdateActions();
  return true;
}

bool MainWindow::Permute(uint32_t at, uint32_t tid) {
  if (!current_ || job_->running()) return false;
  const QString& path = current_->trace_data()->path;
  QStringList extra;
  if (!ConfirmRun(path, &extra)) return false;
  QString out = TempPath(
      QStringLiteral("%1-at-%2-t%3.weft").arg(QFileInfo(path).baseName()).arg(at).arg(tid));
  confirmed_.insert(out, extra);  // weft's own trace of the program the user agreed to run
  job_kind_ = QStringLiteral("permute");
  job_run_ = current_;
  pending_title_ =
      tr("T%1 first at event #%2 of %3").arg(tid).arg(at).arg(QFileInfo(path).fileName());
  statusBar()->showMessage(tr("Running T%1 at event %2…").arg(tid).arg(at));
  job_->Start(QStringList{QStringLiteral("permute"), path, QStringLiteral("--at"),
                          QString::number(at), QStringLiteral("--thread"), QString::number(tid),
                          QStringLiteral("-o"), out, QStringLiteral("--json")} +
                  extra,
              QLatin1String(kPermuteSchema));
  UpdateActions();
  return true;
}

bool MainWindow::Explain() {
  if (!current_ || job_->running() || pending_ != Pending::kNone) return false;
  const auto& data = current_->trace_data();
  if (!data->failed) {
    ShowError(tr("This run did not fail: there is nothing to explain."));
    return false;
  }
  if (data->real_time) {
    ShowError(FreeTraceNote(data->path));
    return false;
  }
  const QString& path = data->path;
  QStringList extra;
  if (!ConfirmRun(path, &extra)) return false;
  // The failing and passing runs explain saves (PREFIX-fail.weft, PREFIX-pass.weft) live
  // with the GUI's other runs until File ▸ Save Run As keeps them.
  QString prefix = TempPath(QStringLiteral("%1-explain").arg(QFileInfo(path).completeBaseName()));
  confirmed_.insert(prefix + QStringLiteral("-fail.weft"), extra);
  confirmed_.insert(prefix + QStringLiteral("-pass.weft"), extra);
  confirmed_.insert(prefix + QStringLiteral("-min.weft"), extra);
  job_kind_ = QStringLiteral("explain");
  job_run_ = current_;
  current_->banner()->SetNote(
      tr("explaining the failure: weft explain reverses its conflicting pairs one at a time…"));
  // NB: a real-sized trace may need minimizing and bisecting: more runs than explain's
  // default 80 (a 4,600-event run of nine threads took 126).
  job_->Start(QStringList{QStringLiteral("explain"), path, QStringLiteral("-o"), prefix,
                          QStringLiteral("--max-runs"), QString::number(kExplainMaxRuns),
                          QStringLiteral("--json")} +
                  extra,
              QLatin1String(kExplainSchema));
  UpdateActions();
  return true;
}

void MainWindow::ApplyExplanation(RunView* view, const ExplainReport& r) {
  if (!view) return;
  view->SetExplanation(r);
  view->banner()->SetExplanation(ExplainSentence(r));
  view->banner()->SetNote(QString());
  TimelineView* timeline = view->timeline();
  timeline->SetFocusPair(r.first.event, r.second.event);
  if (current_ != view) SetCurrent(view);
  conflict_model_->SetCritical(r.first.event, r.second.event, r.obj);
  timeline->SetListedConflicts(conflict_model_->order());
  int64_t critical = conflict_model_->critical();
  if (critical >= 0) SelectConflict(critical);
  // The side weft explain names first (the lock of a section when the pair starts at its
  // unlock) is the selected event.
  SelectEvent(r.first.event);
  RefreshFilterBar();
  UpdateActions();
}

void MainWindow::LoadPassingRun() {
  if (explain_.passing_trace.isEmpty() || !QFileInfo::exists(explain_.passing_trace)) return;
  pending_ = Pending::kPassing;
  side_loader_->Load(explain_.passing_trace);
}

bool MainWindow::PermuteSelectedConflict() {
  if (!current_) return false;
  int64_t row = current_->timeline()->selected_conflict();
  const auto& data = current_->trace_data();
  if (row < 0 || static_cast<size_t>(row) >= data->conflicts.size()) {
    ShowError(tr("Select a conflicting pair first (the Conflicts list)."));
    return false;
  }
  const Conflict& c = data->conflicts[row];
  return Permute(static_cast<uint32_t>(c.reversal), c.second_tid);
}

void MainWindow::OnJobFinished(const CliReport& report) {
  QString kind = job_kind_;
  job_kind_.clear();
  RunView* run = job_run_;
  if (!report.error.isEmpty()) {
    if (run) run->banner()->SetNote(QString());
    ShowError(report.error);
    UpdateActions();
    CheckIdle();
    return;
  }
  const QJsonObject& j = report.json;
  if (kind == QStringLiteral("replay")) {
    bool reproduced = j.value(QStringLiteral("reproduced")).toBool();
    QString note = reproduced
                       ? tr("replay: reproduced — same %1 events; outcome: %2")
                             .arg(j.value(QStringLiteral("events")).toVariant().toULongLong())
                             .arg(j.value(QStringLiteral("outcome")).toString())
                       : tr("replay: NOT reproduced — %1 (outcome: %2)")
                             .arg(j.value(QStringLiteral("divergence"))
                                      .toString(tr("same events, different outcome")),
                                  j.value(QStringLiteral("outcome")).toString());
    if (run) run->banner()->SetNote(note);
    statusBar()->showMessage(note, 10000);
  } else if (kind == QStringLiteral("stop")) {
    QString trace = j.value(QStringLiteral("trace")).toString();
    if (run) run->banner()->SetNote(QString());
    if (trace.isEmpty()) {
      ShowError(tr("`%1` wrote no trace").arg(report.command));
    } else {
      pending_ = Pending::kStopped;
      pending_title_ = tr("stopped before event %1").arg(pending_stop_);
      side_loader_->Load(trace);
    }
  } else if (kind == QStringLiteral("explain")) {
    ExplainReport r;
    QString why;
    if (!run) {
      // The run it was about is gone (another trace was opened meanwhile).
    } else if (!ParseExplainReport(j, &r, &why)) {
      run->banner()->SetNote(QString());
      ShowError(tr("`%1`: %2").arg(report.command, why));
    } else if (!r.found) {
      run->banner()->SetNote(
          tr("weft explain: no single reordering of this run makes it pass (%n run(s) tried)",
             nullptr, static_cast<int>(r.runs)));
    } else {
      explain_ = r;
      explained_run_ = run;
      bool same = QFileInfo(r.explained_trace).canonicalFilePath() ==
                  QFileInfo(run->trace_data()->path).canonicalFilePath();
      if (same) {
        ApplyExplanation(run, r);
        LoadPassingRun();
      } else {
        // The pair is in the minimized run weft explain made: show it there.
        if (run) {
          run->banner()->SetNote(
              tr("weft explain minimized this run first; the critical pair "
                 "is shown on the minimized run below"));
        }
        pending_ = Pending::kExplained;
        side_loader_->Load(r.explained_trace);
      }
    }
  } else if (kind == QStringLiteral("permute")) {
    QString trace = j.value(QStringLiteral("trace")).toString();
    pending_output_ = j.value(QStringLiteral("output")).toString();
    pending_note_ = j.value(QStringLiteral("forced")).toBool()
                        ? QString()
                        : tr("the thread could not run there (%1); the run went on unchanged")
                              .arg(j.value(QStringLiteral("divergence")).toString());
    pending_ = Pending::kPermuted;
    side_loader_->Load(trace);
  }
  UpdateActions();
  CheckIdle();
}

void MainWindow::OnSideLoaded(std::shared_ptr<const TraceData> data) {
  Pending what = pending_;
  pending_ = Pending::kNone;
  if (what == Pending::kPermuted) {
    RunView* view = AddRun(data, pending_title_ + QStringLiteral(" — ") + data->path, true);
    // The output recorded in the new trace; weft permute's copy when it has none.
    if (data->program_output.isEmpty()) view->banner()->SetProgramOutput(pending_output_);
    view->banner()->SetNote(pending_note_);
    SetCurrent(view);
    // The run it was permuted from and the new one, lined up: where they part is marked.
    if (job_run_) CompareRuns(job_run_, view);
    statusBar()->showMessage(tr("%1 — outcome: %2").arg(pending_title_, data->outcome), 10000);
  } else if (what == Pending::kExplained) {
    RunView* view =
        AddRun(data, tr("minimized run weft explain explained — %1").arg(data->path), true);
    explained_run_ = view;
    ApplyExplanation(view, explain_);
    LoadPassingRun();
  } else if (what == Pending::kPassing) {
    const ExplainReport& r = explain_;
    RunView* view =
        AddRun(data,
               tr("passes: T%1 goes first at event #%2 (weft explain's passing run) — %3")
                   .arg(r.reversal_thread)
                   .arg(r.reversal_at)
                   .arg(data->path),
               true);
    // The reordered decision: the other thread's operation where the failing run had its own.
    if (r.reversal_at < data->trace.events.size()) {
      view->timeline()->SetSelectedEvent(static_cast<int64_t>(r.reversal_at));
    }
    // The panes stay on the failing run's critical pair. When that is the minimized run, the
    // original keeps its title and banner, and its lanes scroll: the two runs that differ in
    // one decision get the height.
    QList<RunView*> all = runs();
    if (explained_run_ && all.size() >= 3 && all.first() != explained_run_) {
      QList<int> sizes;
      for (int i = 0; i < runs_splitter_->count(); ++i) {
        sizes << (runs_splitter_->widget(i) == all.first() ? 1 : 1000);
      }
      runs_splitter_->setSizes(sizes);
    }
    if (explained_run_) SetCurrent(explained_run_);
    // The failing and the passing run lined up: one zoom and scroll, the decision where they
    // part marked in both, the critical pair boxed in both.
    if (explained_run_) CompareRuns(explained_run_, view);
    statusBar()->showMessage(tr("weft explain: %1").arg(ExplainSentence(r)), 15000);
  } else if (what == Pending::kStopped) {
    if (job_run_) job_run_->timeline()->SetStopMarker(pending_stop_);
    ShowBlocked(data, pending_title_);
    RaiseDockOf(stop_details_);
    statusBar()->showMessage(tr("Replay %1: %2 threads shown")
                                 .arg(pending_title_)
                                 .arg(data->trace.outcome.blocked.size()),
                             10000);
  }
  UpdateActions();
  CheckIdle();
}

void MainWindow::ShowBlocked(std::shared_ptr<const TraceData> data, const QString& title) {
  blocked_data_ = data;
  blocked_model_->SetTraceData(data);
  stop_details_->SetTraceData(data);
  blocked_title_->setText(
      QStringLiteral("<b>%1</b> — %2").arg(title.toHtmlEscaped(), data->path.toHtmlEscaped()));
  if (blocked_model_->rowCount() > 0) {
    blocked_view_->selectionModel()->setCurrentIndex(
        blocked_model_->index(0, 0),
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  }
}

void MainWindow::ShowEventMenu(qint64 index, const QPoint& global) {
  if (!current_) return;
  const auto& data = current_->trace_data();
  QMenu menu(this);
  menu.addAction(tr("Run to here (stop before event %1)").arg(index), this,
                 [this] { StopAtSelected(); });
  for (const Lane& lane : data->lanes) {
    if (lane.tid == data->trace.events[index].tid) continue;
    uint32_t tid = lane.tid;
    menu.addAction(tr("Run %1 here instead").arg(lane.label), this,
                   [this, index, tid] { Permute(static_cast<uint32_t>(index), tid); });
  }
  for (QAction* action : menu.actions()) action->setEnabled(!job_->running());
  menu.exec(global);
}

}  // namespace weft::gui
