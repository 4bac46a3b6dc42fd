// main_window_runs.cc — opening traces and the runs shown as tabs: loading, adding,
// switching, closing, selecting an event or a conflict; recent files, drops, closing.
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
#include <QSignalBlocker>
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

constexpr int kMaxRecent = 8;

// The last line the program printed, saved by `weft explore` next to a failing trace.
QString SavedProgramOutput(const QString& trace_path) {
  QFile f(trace_path + QStringLiteral(".out"));
  if (!f.open(QIODevice::ReadOnly)) return QString();
  return QString::fromUtf8(f.read(1 << 20));
}

}  // namespace

QString FreeTraceNote(const QString& path) {
  return MainWindow::tr(
             "a free recording: its threads ran in parallel, the time axis is real time. To "
             "explain or swap its pairs, first run `weft explore --from %1`: it saves a "
             "controlled run that fails as this one did")
      .arg(path);
}

void MainWindow::OpenFile(const QString& path) {
  QFileInfo info(path);
  if (!info.exists()) {
    ShowError(tr("cannot open trace '%1': no such file (check the path; `weft record` writes "
                 "traces)")
                  .arg(path));
    return;
  }
  statusBar()->showMessage(tr("Loading %1…").arg(path));
  original_loader_->Load(info.absoluteFilePath());
  UpdateActions();
}

void MainWindow::OnOriginalLoaded(std::shared_ptr<const TraceData> data) {
  for (RunView* run : runs()) {
    run->hide();
    run->deleteLater();
  }
  current_ = nullptr;
  placeholder_->hide();
  QString title = tr("%1 — %2 events, %3 threads, %4 conflicts")
                      .arg(data->path)
                      .arg(data->trace.events.size())
                      .arg(data->lanes.size())
                      .arg(data->conflicts.size());
  RunView* view = AddRun(data, title, false);
  // The output recorded in the trace; a trace recorded without it may have explore's copy.
  if (data->program_output.isEmpty()) {
    view->banner()->SetProgramOutput(SavedProgramOutput(data->path));
  }
  SetCurrent(view);
  AddRecent(data->path);
  QStringList argv;
  for (const std::string& a : data->trace.header.argv) argv << QString::fromStdString(a);
  if (!argv.isEmpty() && !data->trace.header.executable.empty()) {
    argv[0] = QString::fromStdString(data->trace.header.executable);
  }
  explore_->SetProgram(argv, QString::fromStdString(data->trace.header.cwd));
  explore_->SetTrace(data->path);
  if (data->trace.outcome.kind == format::Outcome::Kind::kDeadlock) RaiseDockOf(stop_details_);
  setWindowTitle(tr("weft — %1").arg(QFileInfo(data->path).fileName()));
  statusBar()->showMessage(
      tr("Opened %1 in %2 s").arg(data->path).arg(data->load_seconds, 0, 'f', 2), 8000);
  emit TraceOpened(data->path);
  // A failing trace opens on its critical pair: weft explain finds it. A free recording has
  // no decisions to reverse: the banner says how to get a controlled run that fails alike.
  if (data->real_time && data->failed) {
    view->banner()->SetNote(FreeTraceNote(data->path));
  } else if (auto_explain_ && data->failed) {
    Explain();
  }
  CheckIdle();
}

RunView* MainWindow::AddRun(std::shared_ptr<const TraceData> data, const QString& title,
                            bool closable) {
  auto* view = new RunView(std::move(data), title, closable, runs_splitter_);
  runs_splitter_->addWidget(view);
  connect(view, &RunView::Activated, this, &MainWindow::SetCurrent);
  connect(view, &RunView::CloseRequested, this, &MainWindow::CloseRun);
  TimelineView* timeline = view->timeline();
  timeline->SetAxis(axis_);
  connect(timeline, &TimelineView::EventSelected, this, [this, view](qint64 index) {
    if (current_ != view) SetCurrent(view);
    SelectEvent(index);
  });
  connect(timeline, &TimelineView::EventContextMenu, this, &MainWindow::ShowEventMenu);
  connect(timeline, &TimelineView::ViewChanged, this, &MainWindow::UpdateStatus);
  QList<int> sizes;
  for (int i = 0; i < runs_splitter_->count(); ++i) sizes << 1000;
  runs_splitter_->setSizes(sizes);
  return view;
}

QList<RunView*> MainWindow::runs() const {
  QList<RunView*> out;
  for (int i = 0; i < runs_splitter_->count(); ++i) {
    auto* view = qobject_cast<RunView*>(runs_splitter_->widget(i));
    if (view && !view->isHidden()) out << view;
  }
  return out;
}

void MainWindow::SetCurrent(RunView* view) {
  if (current_ == view) return;
  for (RunView* run : runs()) run->SetCurrent(run == view);
  current_ = view;
  std::shared_ptr<const TraceData> data = view ? view->trace_data() : nullptr;
  conflict_model_->SetTraceData(data);
  if (view) {
    TimelineView* timeline = view->timeline();
    if (timeline->focus_first() >= 0) {
      uint32_t obj = view->explanation() ? view->explanation()->obj : 0;
      conflict_model_->SetCritical(timeline->focus_first(), timeline->focus_second(), obj);
    }
    conflict_model_->SetFilter(timeline->filter());
    timeline->SetListedConflicts(conflict_model_->order());
  }
  event_model_->SetTraceData(data);
  thread_model_->SetTraceData(data);
  details_->SetTraceData(data);
  if (data && (data->trace.outcome.kind == format::Outcome::Kind::kDeadlock ||
               data->trace.outcome.kind == format::Outcome::Kind::kStopped)) {
    ShowBlocked(data, data->outcome);
  }
  if (view) SelectEvent(view->timeline()->selected_event());
  if (view) {
    int row = conflict_model_->RowOf(view->timeline()->selected_conflict());
    if (row >= 0) {
      QSignalBlocker block(conflict_view_->selectionModel());
      conflict_view_->selectionModel()->setCurrentIndex(
          conflict_model_->index(row, 0),
          QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
  }
  RefreshFilterBar();
  UpdateActions();
  UpdateStatus();
}

void MainWindow::CloseRun(RunView* view) {
  if (!view || runs().size() <= 1) return;
  bool was_current = current_ == view;
  view->hide();
  view->deleteLater();
  if (was_current) {
    current_ = nullptr;
    QList<RunView*> rest = runs();
    rest.removeAll(view);
    if (!rest.isEmpty()) SetCurrent(rest.first());
  }
}

void MainWindow::SelectEvent(int64_t index) {
  if (!current_) return;
  const auto& data = current_->trace_data();
  if (index >= static_cast<int64_t>(data->trace.events.size())) index = -1;
  if (current_->timeline()->selected_event() != index) {
    current_->timeline()->SetSelectedEvent(index);
  }
  details_->ShowEvent(index);
  if (index >= 0) {
    QModelIndex row = event_model_->index(static_cast<int>(index), 0);
    event_view_->selectionModel()->setCurrentIndex(
        row, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    event_view_->scrollTo(row);
  }
  UpdateActions();
}

void MainWindow::SelectConflict(int64_t row) {
  if (!current_) return;
  const auto& data = current_->trace_data();
  if (row < 0 || static_cast<size_t>(row) >= data->conflicts.size()) row = -1;
  TimelineView* timeline = current_->timeline();
  timeline->SetSelectedConflict(row);
  if (row >= 0) {
    // Another pair than the critical one: stop dimming around the critical pair.
    const Conflict& c = data->conflicts[row];
    if (timeline->dim_outside_focus() && row != conflict_model_->critical()) {
      timeline->SetDimOutsideFocus(false);
      RefreshFilterBar();
    }
    int list_row = conflict_model_->RowOf(row);
    if (list_row >= 0) {
      QModelIndex index = conflict_model_->index(list_row, 0);
      if (conflict_view_->currentIndex().row() != list_row) {
        conflict_view_->selectionModel()->setCurrentIndex(
            index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
      }
      conflict_view_->scrollTo(index);
    }
    current_->timeline()->SetSelectedEvent(static_cast<int64_t>(c.first));
    details_->ShowEvent(static_cast<int64_t>(c.first));
  }
  UpdateActions();
}

bool MainWindow::SaveRunAs(const QString& path) {
  if (!current_) {
    ShowError(tr("Open a trace first: there is no run to save."));
    return false;
  }
  QString from = current_->trace_data()->path;
  QString to = QFileInfo(path).absoluteFilePath();
  if (QFileInfo(from).canonicalFilePath() == QFileInfo(to).canonicalFilePath()) return true;
  if (QFileInfo(to).isDir()) {
    ShowError(tr("cannot save the run as '%1': it is a directory (give a file name)").arg(path));
    return false;
  }
  // Replace what is there (the file dialog asked); the program output saved beside a
  // trace goes with it.
  for (const QString& suffix : {QString(), QStringLiteral(".out")}) {
    if (suffix.isEmpty() || QFileInfo::exists(from + suffix)) {
      QFile::remove(to + suffix);
      QFile source(from + suffix);
      if (!source.copy(to + suffix)) {
        ShowError(tr("cannot save the run as '%1': %2").arg(to + suffix, source.errorString()));
        return false;
      }
    }
  }
  statusBar()->showMessage(tr("Saved %1 as %2").arg(from, to), 10000);
  confirmed_.insert(to, confirmed_.value(from));
  return true;
}

void MainWindow::AddRecent(const QString& path) {
  if (batch_) return;
  QSettings settings(QStringLiteral("weft"), QStringLiteral("weft-gui"));
  QStringList recent = settings.value(QStringLiteral("recent")).toStringList();
  recent.removeAll(path);
  recent.prepend(path);
  while (recent.size() > kMaxRecent) recent.removeLast();
  settings.setValue(QStringLiteral("recent"), recent);
  RebuildRecentMenu();
}

void MainWindow::RebuildRecentMenu() {
  recent_menu_->clear();
  QSettings settings(QStringLiteral("weft"), QStringLiteral("weft-gui"));
  QStringList recent = settings.value(QStringLiteral("recent")).toStringList();
  for (const QString& path : recent) {
    recent_menu_->addAction(path, this, [this, path] { OpenFile(path); });
  }
  recent_menu_->setEnabled(!recent.isEmpty());
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasUrls()) {
    for (const QUrl& url : event->mimeData()->urls()) {
      if (url.isLocalFile()) {
        event->acceptProposedAction();
        return;
      }
    }
  }
}

void MainWindow::dropEvent(QDropEvent* event) {
  for (const QUrl& url : event->mimeData()->urls()) {
    if (url.isLocalFile()) {
      OpenFile(url.toLocalFile());
      event->acceptProposedAction();
      return;
    }
  }
}

void MainWindow::closeEvent(QCloseEvent* event) {
  job_->Cancel();
  explore_->Cancel();
  QMainWindow::closeEvent(event);
}

}  // namespace weft::gui
