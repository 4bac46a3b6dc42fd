// main_window.cc
#include "main_window.h"

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
#include "panels.h"
#include "timeline_view.h"
#include "trace_loader.h"

namespace weft::gui {
namespace {

constexpr int kMaxRecent = 8;

QTableView* MakeTable(QWidget* parent, QAbstractItemModel* model) {
  auto* view = new QTableView(parent);
  view->setModel(model);
  view->setSelectionBehavior(QAbstractItemView::SelectRows);
  view->setSelectionMode(QAbstractItemView::SingleSelection);
  view->verticalHeader()->hide();
  view->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
  view->verticalHeader()->setDefaultSectionSize(22);
  view->horizontalHeader()->setStretchLastSection(true);
  view->setWordWrap(false);
  return view;
}

// The last line the program printed, saved by `weft explore` next to a failing trace.
QString SavedProgramOutput(const QString& trace_path) {
  QFile f(trace_path + QStringLiteral(".out"));
  if (!f.open(QIODevice::ReadOnly)) return QString();
  return QString::fromUtf8(f.read(1 << 20));
}

}  // namespace

MainWindow::MainWindow(bool batch, QWidget* parent) : QMainWindow(parent), batch_(batch) {
  setWindowTitle(tr("weft"));
  setAcceptDrops(true);
  original_loader_ = new TraceLoader(this);
  side_loader_ = new TraceLoader(this);
  job_ = new CliJob(this);
  connect(original_loader_, &TraceLoader::Loaded, this, &MainWindow::OnOriginalLoaded);
  connect(original_loader_, &TraceLoader::Failed, this, [this](const QString&, const QString& m) {
    ShowError(m);
    UpdateStatus();
    CheckIdle();
  });
  connect(side_loader_, &TraceLoader::Loaded, this, &MainWindow::OnSideLoaded);
  connect(side_loader_, &TraceLoader::Failed, this, [this](const QString&, const QString& m) {
    pending_ = Pending::kNone;
    ShowError(m);
    CheckIdle();
  });
  connect(job_, &CliJob::Finished, this, &MainWindow::OnJobFinished);

  runs_splitter_ = new QSplitter(Qt::Vertical, this);
  runs_splitter_->setChildrenCollapsible(false);
  placeholder_ =
      new QLabel(tr("Open a weft trace: File ▸ Open, a recent file, or drop a .weft file here.\n\n"
                    "Record one with  weft record -- ./program  or find a failing one with\n"
                    "weft explore -- ./program  (or the Search panel)."),
                 runs_splitter_);
  placeholder_->setAlignment(Qt::AlignCenter);
  runs_splitter_->addWidget(placeholder_);
  setCentralWidget(runs_splitter_);

  BuildDocks();
  BuildActions();
  status_label_ = new QLabel(this);
  statusBar()->addPermanentWidget(status_label_);
  resize(1500, 950);
  UpdateActions();
  // The search panel offers what this weft's explore knows (`--list-strategies --json`).
  if (!batch_) QTimer::singleShot(0, this, &MainWindow::LoadStrategies);
}

MainWindow::~MainWindow() = default;

void MainWindow::LoadStrategies() { explore_->LoadStrategies(); }

RunView* MainWindow::current_run() const { return current_.data(); }

void MainWindow::BuildActions() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* open = file->addAction(tr("&Open…"), this, [this] {
    QString path = QFileDialog::getOpenFileName(this, tr("Open a weft trace"), QString(),
                                                tr("weft traces (*.weft);;All files (*)"));
    if (!path.isEmpty()) OpenFile(path);
  });
  open->setShortcut(QKeySequence::Open);
  recent_menu_ = file->addMenu(tr("Open &Recent"));
  RebuildRecentMenu();
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* view = menuBar()->addMenu(tr("&View"));
  QAction* zoom_in = view->addAction(tr("Zoom &In"), this, [this] {
    if (current_) current_->timeline()->ZoomIn();
  });
  zoom_in->setShortcut(QKeySequence::ZoomIn);
  QAction* zoom_out = view->addAction(tr("Zoom &Out"), this, [this] {
    if (current_) current_->timeline()->ZoomOut();
  });
  zoom_out->setShortcut(QKeySequence::ZoomOut);
  QAction* fit = view->addAction(tr("&Fit"), this, [this] {
    if (current_) current_->timeline()->Fit();
  });
  fit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_0));
  view->addSeparator();
  for (QDockWidget* dock : findChildren<QDockWidget*>()) view->addAction(dock->toggleViewAction());

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  replay_action_ = run->addAction(tr("&Replay"), this, [this] { Replay(); });
  replay_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  replay_action_->setToolTip(tr("Replay the trace and check that the outcome reproduces"));
  stop_action_ = run->addAction(tr("Run to &Selected Event"), this, [this] { StopAtSelected(); });
  stop_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
  stop_action_->setToolTip(
      tr("Replay up to the selected event, stop just before it and show every thread"));
  permute_action_ = run->addAction(tr("Let the Other Thread Go &First"), this,
                                   [this] { PermuteSelectedConflict(); });
  permute_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
  permute_action_->setToolTip(
      tr("On the selected conflict: run the second event's thread before the first event"));
  cancel_action_ = run->addAction(tr("&Cancel"), this, [this] { job_->Cancel(); });
  run->addSeparator();
  run->addAction(tr("Search for Failing Schedules…"), this, [this] { RaiseDockOf(explore_); });

  QToolBar* bar = addToolBar(tr("Main"));
  bar->setObjectName(QStringLiteral("main_toolbar"));
  bar->addAction(open);
  bar->addSeparator();
  bar->addAction(zoom_in);
  bar->addAction(zoom_out);
  bar->addAction(fit);
  bar->addSeparator();
  bar->addAction(replay_action_);
  bar->addAction(stop_action_);
  bar->addAction(permute_action_);
  bar->addAction(cancel_action_);
}

void MainWindow::BuildDocks() {
  setDockNestingEnabled(true);
  // Conflicts.
  auto* conflicts = new QWidget(this);
  auto* conflicts_layout = new QVBoxLayout(conflicts);
  conflicts_layout->setContentsMargins(2, 2, 2, 2);
  conflict_model_ = new ConflictModel(this);
  conflict_view_ = MakeTable(conflicts, conflict_model_);
  conflict_view_->setColumnWidth(ConflictModel::kFirst, 60);
  conflict_view_->setColumnWidth(ConflictModel::kSecond, 60);
  conflict_view_->setColumnWidth(ConflictModel::kObject, 170);
  conflict_view_->setColumnWidth(ConflictModel::kThreads, 80);
  conflicts_layout->addWidget(conflict_view_, 1);
  conflict_hint_ = new QLabel(conflicts);
  conflict_hint_->setWordWrap(true);
  conflicts_layout->addWidget(conflict_hint_);
  permute_button_ = new QPushButton(tr("Let the other thread go first"), conflicts);
  conflicts_layout->addWidget(permute_button_);
  connect(permute_button_, &QPushButton::clicked, this, [this] { PermuteSelectedConflict(); });
  connect(conflict_view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            if (current.isValid()) SelectConflict(current.row());
          });
  auto* conflicts_dock = new QDockWidget(tr("Conflicts"), this);
  conflicts_dock->setObjectName(QStringLiteral("conflicts_dock"));
  conflicts_dock->setWidget(conflicts);
  addDockWidget(Qt::RightDockWidgetArea, conflicts_dock);

  // Events and threads.
  event_model_ = new EventModel(this);
  event_view_ = MakeTable(this, event_model_);
  event_view_->setColumnWidth(EventModel::kIndex, 60);
  event_view_->setColumnWidth(EventModel::kTime, 110);
  event_view_->setColumnWidth(EventModel::kThread, 90);
  event_view_->setColumnWidth(EventModel::kKind, 100);
  event_view_->setColumnWidth(EventModel::kObject, 150);
  event_view_->setColumnWidth(EventModel::kFlags, 50);
  connect(event_view_, &QTableView::clicked, this,
          [this](const QModelIndex& index) { SelectEvent(index.row()); });
  auto* events_dock = new QDockWidget(tr("Events"), this);
  events_dock->setObjectName(QStringLiteral("events_dock"));
  events_dock->setWidget(event_view_);
  addDockWidget(Qt::RightDockWidgetArea, events_dock);
  thread_model_ = new ThreadModel(this);
  thread_view_ = MakeTable(this, thread_model_);
  auto* threads_dock = new QDockWidget(tr("Threads"), this);
  threads_dock->setObjectName(QStringLiteral("threads_dock"));
  threads_dock->setWidget(thread_view_);
  addDockWidget(Qt::RightDockWidgetArea, threads_dock);

  // Search.
  explore_ = new ExplorePanel(this);
  auto* explore_dock = new QDockWidget(tr("Search"), this);
  explore_dock->setObjectName(QStringLiteral("search_dock"));
  explore_dock->setWidget(explore_);
  addDockWidget(Qt::RightDockWidgetArea, explore_dock);
  connect(explore_, &ExplorePanel::OpenTrace, this, &MainWindow::OpenFile);
  connect(explore_, &ExplorePanel::Finished, this, &MainWindow::CheckIdle);
  tabifyDockWidget(conflicts_dock, events_dock);
  tabifyDockWidget(events_dock, threads_dock);
  tabifyDockWidget(threads_dock, explore_dock);
  conflicts_dock->raise();

  // Details of the selection.
  details_ = new DetailsPane(this);
  auto* details_dock = new QDockWidget(tr("Selected Event"), this);
  details_dock->setObjectName(QStringLiteral("details_dock"));
  details_dock->setWidget(details_);
  addDockWidget(Qt::BottomDockWidgetArea, details_dock);

  // Threads of a stop or a deadlock.
  auto* blocked = new QWidget(this);
  auto* blocked_layout = new QHBoxLayout(blocked);
  blocked_layout->setContentsMargins(2, 2, 2, 2);
  auto* blocked_left = new QWidget(blocked);
  auto* blocked_left_layout = new QVBoxLayout(blocked_left);
  blocked_left_layout->setContentsMargins(0, 0, 0, 0);
  blocked_title_ = new QLabel(tr("Run to an event (Run ▸ Run to Selected Event) to see every "
                                 "thread stopped there; a deadlock shows its threads here too."),
                              blocked_left);
  blocked_title_->setWordWrap(true);
  blocked_left_layout->addWidget(blocked_title_);
  blocked_model_ = new BlockedModel(this);
  blocked_view_ = MakeTable(blocked_left, blocked_model_);
  blocked_left_layout->addWidget(blocked_view_, 1);
  stop_details_ = new DetailsPane(blocked);
  auto* blocked_split = new QSplitter(Qt::Horizontal, blocked);
  blocked_split->addWidget(blocked_left);
  blocked_split->addWidget(stop_details_);
  blocked_split->setStretchFactor(0, 2);
  blocked_split->setStretchFactor(1, 3);
  blocked_layout->addWidget(blocked_split);
  connect(blocked_view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            if (!current.isValid() || !blocked_data_) return;
            const format::BlockedThread& b = blocked_data_->trace.outcome.blocked[current.row()];
            stop_details_->ShowStack(tr("%1 at %2")
                                         .arg(blocked_data_->ThreadLabel(b.tid),
                                              QString::fromLatin1(format::EventKindName(b.kind))),
                                     b.stack);
          });
  auto* blocked_dock = new QDockWidget(tr("Threads at Stop"), this);
  blocked_dock->setObjectName(QStringLiteral("stop_dock"));
  blocked_dock->setWidget(blocked);
  addDockWidget(Qt::BottomDockWidgetArea, blocked_dock);
  tabifyDockWidget(details_dock, blocked_dock);
  details_dock->raise();
  resizeDocks({conflicts_dock}, {480}, Qt::Horizontal);
  resizeDocks({details_dock}, {330}, Qt::Vertical);
}

void MainWindow::RaiseDockOf(QWidget* widget) {
  for (QWidget* w = widget; w; w = w->parentWidget()) {
    if (auto* dock = qobject_cast<QDockWidget*>(w)) {
      dock->show();
      dock->raise();
      return;
    }
  }
}

void MainWindow::ShowError(const QString& message) {
  last_error_ = message;
  statusBar()->showMessage(message, 15000);
  if (batch_) {
    std::fprintf(stderr, "weft-gui: %s\n", message.toLocal8Bit().constData());
  } else {
    QMessageBox::warning(this, tr("weft"), message);
  }
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
  view->banner()->SetProgramOutput(SavedProgramOutput(data->path));
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
  CheckIdle();
}

RunView* MainWindow::AddRun(std::shared_ptr<const TraceData> data, const QString& title,
                            bool closable) {
  auto* view = new RunView(std::move(data), title, closable, runs_splitter_);
  runs_splitter_->addWidget(view);
  connect(view, &RunView::Activated, this, &MainWindow::SetCurrent);
  connect(view, &RunView::CloseRequested, this, &MainWindow::CloseRun);
  TimelineView* timeline = view->timeline();
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
  event_model_->SetTraceData(data);
  thread_model_->SetTraceData(data);
  details_->SetTraceData(data);
  if (data && (data->trace.outcome.kind == format::Outcome::Kind::kDeadlock ||
               data->trace.outcome.kind == format::Outcome::Kind::kStopped)) {
    ShowBlocked(data, data->outcome);
  }
  if (view) SelectEvent(view->timeline()->selected_event());
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
  current_->timeline()->SetSelectedConflict(row);
  if (row >= 0) {
    QModelIndex index = conflict_model_->index(static_cast<int>(row), 0);
    if (conflict_view_->currentIndex().row() != row) {
      conflict_view_->selectionModel()->setCurrentIndex(
          index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    }
    conflict_view_->scrollTo(index);
    const Conflict& c = data->conflicts[row];
    current_->timeline()->SetSelectedEvent(static_cast<int64_t>(c.first));
    details_->ShowEvent(static_cast<int64_t>(c.first));
  }
  UpdateActions();
}

// Running the CLI ---------------------------------------------------------------------------

QString MainWindow::TempPath(const QString& name) const {
  return temp_.isValid() ? temp_.filePath(name) : QDir::temp().filePath(name);
}

bool MainWindow::Replay() {
  if (!current_ || job_->running()) return false;
  job_kind_ = QStringLiteral("replay");
  job_run_ = current_;
  current_->banner()->SetNote(tr("replaying…"));
  job_->Start({QStringLiteral("replay"), current_->trace_data()->path, QStringLiteral("--json")},
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
  QString out =
      TempPath(QStringLiteral("%1-stop-%2.weft").arg(QFileInfo(path).baseName()).arg(index));
  job_kind_ = QStringLiteral("stop");
  job_run_ = current_;
  pending_stop_ = index;
  current_->banner()->SetNote(tr("replaying up to event %1…").arg(index));
  job_->Start({QStringLiteral("replay"), path, QStringLiteral("--stop-at"), QString::number(index),
               QStringLiteral("-o"), out, QStringLiteral("--json")},
              QLatin1String(kReplaySchema));
  UpdateActions();
  return true;
}

bool MainWindow::Permute(uint32_t at, uint32_t tid) {
  if (!current_ || job_->running()) return false;
  const QString& path = current_->trace_data()->path;
  QString out = TempPath(
      QStringLiteral("%1-at-%2-t%3.weft").arg(QFileInfo(path).baseName()).arg(at).arg(tid));
  job_kind_ = QStringLiteral("permute");
  job_run_ = current_;
  pending_title_ =
      tr("T%1 first at event #%2 of %3").arg(tid).arg(at).arg(QFileInfo(path).fileName());
  statusBar()->showMessage(tr("Running T%1 at event %2…").arg(tid).arg(at));
  job_->Start({QStringLiteral("permute"), path, QStringLiteral("--at"), QString::number(at),
               QStringLiteral("--thread"), QString::number(tid), QStringLiteral("-o"), out,
               QStringLiteral("--json")},
              QLatin1String(kPermuteSchema));
  UpdateActions();
  return true;
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
                       ? tr("replay: reproduced — same %1 events, the program %2")
                             .arg(j.value(QStringLiteral("events")).toVariant().toULongLong())
                             .arg(j.value(QStringLiteral("outcome")).toString())
                       : tr("replay: NOT reproduced — %1 (the program %2)")
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
    view->banner()->SetProgramOutput(pending_output_);
    view->banner()->SetNote(pending_note_);
    SetCurrent(view);
    statusBar()->showMessage(tr("%1: the program %2").arg(pending_title_, data->outcome), 10000);
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

bool MainWindow::busy() const {
  return original_loader_->busy() || side_loader_->busy() || job_->running() ||
         pending_ != Pending::kNone || explore_->running();
}

void MainWindow::CheckIdle() {
  UpdateStatus();
  if (!busy()) emit Idle();
}

void MainWindow::UpdateActions() {
  bool have = current_ != nullptr;
  bool running = job_->running();
  replay_action_->setEnabled(have && !running);
  stop_action_->setEnabled(have && !running && current_->timeline()->selected_event() >= 0);
  int64_t conflict = have ? current_->timeline()->selected_conflict() : -1;
  bool can_permute = have && !running && conflict >= 0;
  permute_action_->setEnabled(can_permute);
  permute_button_->setEnabled(can_permute);
  cancel_action_->setEnabled(running);
  if (have && conflict >= 0) {
    const auto& data = current_->trace_data();
    const Conflict& c = data->conflicts[conflict];
    QString text = tr("Let %1 go first: at event #%2 run %1 instead of %3.")
                       .arg(data->ThreadLabel(c.second_tid))
                       .arg(c.reversal)
                       .arg(data->ThreadLabel(c.first_tid));
    conflict_hint_->setText(text);
    permute_button_->setText(tr("Let %1 go first").arg(data->ThreadLabel(c.second_tid)));
  } else {
    conflict_hint_->setText(have ? tr("Select a conflicting pair to reverse it.") : QString());
    permute_button_->setText(tr("Let the other thread go first"));
  }
}

void MainWindow::UpdateStatus() {
  if (!current_) {
    status_label_->setText(original_loader_->busy() ? tr("loading…") : QString());
    return;
  }
  const auto& data = current_->trace_data();
  const TimelineGeometry& g = current_->timeline()->geometry();
  auto [first, last] = g.VisibleRange();
  last = std::min<uint64_t>(last, data->trace.events.size());
  QString text = tr("%1 events · showing %2–%3 (%4 per pixel) · paint %5 ms")
                     .arg(data->trace.events.size())
                     .arg(first)
                     .arg(last)
                     .arg(g.IndexesPerPixel(), 0, 'g', 3)
                     .arg(current_->timeline()->last_paint_ms(), 0, 'f', 1);
  if (job_->running()) text = tr("running weft %1… · ").arg(job_kind_) + text;
  status_label_->setText(text);
}

// Files -------------------------------------------------------------------------------------

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
