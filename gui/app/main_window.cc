// main_window.cc — the window itself: actions, docks, the enabled state and status line.
#include "main_window.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
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
#include <QToolButton>
#include <QVBoxLayout>
#include <algorithm>
#include <cstdio>

#include "code_views.h"
#include "panels.h"
#include "run_compare.h"
#include "timeline_view.h"
#include "trace_loader.h"

namespace weft::gui {
namespace {

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
}  // namespace

MainWindow::MainWindow(bool batch, QWidget* parent) : QMainWindow(parent), batch_(batch) {
  auto_explain_ = !batch;
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
  BuildFilterBar();
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
RunView* MainWindow::compared_first() const { return compared_a_.data(); }
RunView* MainWindow::compared_second() const { return compared_b_.data(); }

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
  save_action_ = file->addAction(tr("&Save Run As…"), this, [this] {
    if (!current_) return;
    QString suggested = QFileInfo(current_->trace_data()->path).fileName();
    QString path = QFileDialog::getSaveFileName(this, tr("Save this run's trace"), suggested,
                                                tr("weft traces (*.weft);;All files (*)"));
    if (!path.isEmpty()) SaveRunAs(path);
  });
  save_action_->setShortcut(QKeySequence::SaveAs);
  save_action_->setToolTip(
      tr("Keep this run: permuted and explained runs are deleted when weft-gui exits"));
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
  auto* axes = new QActionGroup(this);
  axis_index_action_ = view->addAction(tr("Axis: &Event Index"), this,
                                       [this] { SetAxis(TimelineAxis::kEventIndex); });
  axis_time_action_ =
      view->addAction(tr("Axis: &Time"), this, [this] { SetAxis(TimelineAxis::kVirtualTime); });
  for (QAction* a : {axis_index_action_, axis_time_action_}) {
    a->setCheckable(true);
    axes->addAction(a);
  }
  axis_index_action_->setChecked(true);
  axis_index_action_->setToolTip(
      tr("Events one slot each, in schedule order; the ruler in event numbers"));
  axis_time_action_->setToolTip(
      tr("Events at their times — virtual in a controlled run (a sleep shows as empty space), "
         "real in a free recording (weft record --free); the ruler in time"));
  side_by_side_action_ =
      view->addAction(tr("Runs &Side by Side"), this, [this](bool on) { SetRunsSideBySide(on); });
  side_by_side_action_->setCheckable(true);
  side_by_side_action_->setToolTip(
      tr("Show the runs (a failing run and its passing run) side by side instead of one above "
         "the other; compared runs zoom and scroll together either way"));
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
  explain_action_ = run->addAction(tr("&Explain the Failure"), this, [this] { Explain(); });
  explain_action_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
  explain_action_->setToolTip(
      tr("Run weft explain: find the one reordering that makes the run pass, and show both runs"));
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
  bar->addAction(explain_action_);
  bar->addAction(cancel_action_);
}

void MainWindow::BuildFilterBar() {
  addToolBarBreak();
  QToolBar* bar = addToolBar(tr("Filter"));
  bar->setObjectName(QStringLiteral("filter_toolbar"));
  bar->addWidget(new QLabel(tr(" Show: "), bar));
  threads_button_ = new QToolButton(bar);
  threads_button_->setText(tr("All threads"));
  threads_button_->setPopupMode(QToolButton::InstantPopup);
  threads_button_->setToolTip(tr("Show only some threads' lanes (and their conflicts)"));
  threads_menu_ = new QMenu(threads_button_);
  threads_button_->setMenu(threads_menu_);
  bar->addWidget(threads_button_);
  object_box_ = new QComboBox(bar);
  object_box_->setMinimumContentsLength(24);
  object_box_->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
  object_box_->setToolTip(tr("Dim the events on other objects; list only this object's conflicts"));
  connect(object_box_, &QComboBox::currentIndexChanged, this, [this] { ApplyFilterBar(); });
  bar->addWidget(object_box_);
  near_action_ = bar->addAction(tr("Near the Failure"), this, [this] { ApplyFilterBar(); });
  near_action_->setCheckable(true);
  near_action_->setToolTip(
      tr("Show the last quarter of the run (at least 64 events): where weft conflicts looks "
         "first"));
  focus_action_ =
      bar->addAction(tr("Critical Pair"), this, [this](bool on) { SetDimOutsideFocus(on); });
  focus_action_->setCheckable(true);
  focus_action_->setToolTip(tr("Dim everything but the critical pair weft explain found"));
  bar->addAction(tr("Show All"), this, [this] {
    SetDimOutsideFocus(false);
    SetFilter({});
  });
  RefreshFilterBar();
}

void MainWindow::RefreshFilterBar() {
  refreshing_filter_ = true;
  threads_menu_->clear();
  object_box_->clear();
  object_box_->addItem(tr("All objects"), QVariant::fromValue<qulonglong>(0));
  bool have = current_ != nullptr;
  if (have) {
    const auto& data = current_->trace_data();
    const FilterSpec& spec = current_->timeline()->filter().spec();
    for (const Lane& lane : data->lanes) {
      QAction* a = threads_menu_->addAction(lane.label);
      a->setCheckable(true);
      a->setData(QVariant::fromValue<qulonglong>(lane.tid));
      a->setChecked(spec.threads.empty() ||
                    std::binary_search(spec.threads.begin(), spec.threads.end(), lane.tid));
      connect(a, &QAction::toggled, this, [this] { ApplyFilterBar(); });
    }
    // The objects events are on (not thread handles), the busiest first, at most 200.
    std::vector<uint64_t> counts(data->trace.objects.size(), 0);
    for (const format::Event& e : data->trace.events) {
      if (e.obj < counts.size()) ++counts[e.obj];
    }
    std::vector<uint32_t> objects;
    for (uint32_t id = 1; id < counts.size(); ++id) {
      if (counts[id] > 0 && data->trace.objects[id].kind != format::ObjectKind::kThread) {
        objects.push_back(id);
      }
    }
    std::stable_sort(objects.begin(), objects.end(),
                     [&](uint32_t a, uint32_t b) { return counts[a] > counts[b]; });
    if (objects.size() > 200) objects.resize(200);
    for (uint32_t id : objects) {
      object_box_->addItem(tr("%1 (%2 events)").arg(data->ObjectLabel(id)).arg(counts[id]),
                           QVariant::fromValue<qulonglong>(id));
    }
    int at = object_box_->findData(QVariant::fromValue<qulonglong>(spec.object));
    if (at < 0 && spec.object != 0) {
      object_box_->addItem(data->ObjectLabel(spec.object),
                           QVariant::fromValue<qulonglong>(spec.object));
      at = object_box_->count() - 1;
    }
    object_box_->setCurrentIndex(std::max(0, at));
    near_action_->setChecked(spec.near_failure);
    threads_button_->setText(
        spec.threads.empty() ? tr("All threads")
                             : tr("%n thread(s)", nullptr, static_cast<int>(spec.threads.size())));
    focus_action_->setEnabled(current_->timeline()->focus_first() >= 0);
    focus_action_->setChecked(current_->timeline()->dim_outside_focus());
  } else {
    near_action_->setChecked(false);
    focus_action_->setEnabled(false);
    focus_action_->setChecked(false);
  }
  threads_button_->setEnabled(have);
  object_box_->setEnabled(have);
  near_action_->setEnabled(have);
  refreshing_filter_ = false;
}

void MainWindow::ApplyFilterBar() {
  if (refreshing_filter_ || !current_) return;
  FilterSpec spec;
  bool all = true;
  for (QAction* a : threads_menu_->actions()) {
    if (a->isChecked()) {
      spec.threads.push_back(static_cast<uint32_t>(a->data().toULongLong()));
    } else {
      all = false;
    }
  }
  if (all) spec.threads.clear();
  spec.object = static_cast<uint32_t>(object_box_->currentData().toULongLong());
  spec.near_failure = near_action_->isChecked();
  SetFilter(spec);
}

void MainWindow::SetFilter(const FilterSpec& spec) {
  if (!current_) return;
  current_->timeline()->SetFilter(spec);
  conflict_model_->SetFilter(current_->timeline()->filter());
  current_->timeline()->SetListedConflicts(conflict_model_->order());
  int64_t selected = current_->timeline()->selected_conflict();
  int row = conflict_model_->RowOf(selected);
  if (row >= 0) {
    conflict_view_->selectionModel()->setCurrentIndex(
        conflict_model_->index(row, 0),
        QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
  }
  RefreshFilterBar();
  UpdateActions();
  UpdateStatus();
}

void MainWindow::SetDimOutsideFocus(bool dim) {
  if (current_) current_->timeline()->SetDimOutsideFocus(dim);
  RefreshFilterBar();
}

void MainWindow::SetAxis(TimelineAxis axis) {
  axis_ = axis;
  syncing_ = true;  // each run keeps its own events in view; the comparison relinks below
  for (RunView* run : runs()) run->timeline()->SetAxis(axis);
  syncing_ = false;
  (axis == TimelineAxis::kVirtualTime ? axis_time_action_ : axis_index_action_)->setChecked(true);
  RelinkCompared(current_ == compared_b_ ? compared_b_.data() : compared_a_.data());
}

void MainWindow::SetRunsSideBySide(bool side_by_side) {
  runs_splitter_->setOrientation(side_by_side ? Qt::Horizontal : Qt::Vertical);
  side_by_side_action_->setChecked(side_by_side);
  QList<int> sizes;
  for (int i = 0; i < runs_splitter_->count(); ++i) sizes << 1000;
  runs_splitter_->setSizes(sizes);
}

void MainWindow::CompareRuns(RunView* a, RunView* b) {
  for (RunView* old : {compared_a_.data(), compared_b_.data()}) {
    if (old) old->timeline()->SetComparison(-1, -1, -1);
  }
  compared_a_ = a;
  compared_b_ = b;
  if (!a || !b || a == b) {
    compared_a_ = compared_b_ = nullptr;
    return;
  }
  const format::Trace& ta = a->trace_data()->trace;
  const format::Trace& tb = b->trace_data()->trace;
  auto differ = static_cast<int64_t>(FirstDifference(ta, tb));
  // b's events of a's critical pair; a pending second side (a thread that never got to it
  // in a) is that thread's next operation.
  auto in_b = [&](int64_t index, bool pending, uint32_t tid) -> int64_t {
    if (pending || index < 0 || index >= static_cast<int64_t>(ta.events.size())) {
      return pending ? MatchingPending(ta, tid, tb) : -1;
    }
    return MatchingEvent(ta, static_cast<uint64_t>(index), tb);
  };
  int64_t first = a->timeline()->focus_first(), second = a->timeline()->focus_second();
  int64_t b_first = -1, b_second = -1;
  if (first >= 0) {
    b_first = in_b(first, false, 0);
    const std::optional<ExplainReport>& r = a->explanation();
    bool pending = second < 0 && r && r->second.pending;
    b_second = in_b(second, pending, r ? r->second.tid : 0);
  }
  a->timeline()->SetComparison(differ, -1, -1);
  b->timeline()->SetComparison(differ, b_first, b_second);
  for (const QMetaObject::Connection& c : compare_links_) disconnect(c);
  compare_links_.clear();
  for (RunView* view : {a, b}) {
    compare_links_ << connect(view->timeline(), &TimelineView::ViewChanged, view,
                              [this, view] { SyncComparedFrom(view); });
  }
  RelinkCompared(a);
}

void MainWindow::RelinkCompared(RunView* from) {
  if (!compared_a_ || !compared_b_ || !from) return;
  double length = std::max(compared_a_->timeline()->geometry().length(),
                           compared_b_->timeline()->geometry().length());
  for (RunView* view : {compared_a_.data(), compared_b_.data()}) {
    view->timeline()->ExtendDomainTo(length);
  }
  SyncComparedFrom(from);
}

void MainWindow::SyncComparedFrom(RunView* from) {
  if (syncing_ || !compared_a_ || !compared_b_) return;
  RunView* to = from == compared_a_ ? compared_b_.data()
                                    : (from == compared_b_ ? compared_a_.data() : nullptr);
  if (!to) return;
  // NB: the guard stops the other view's ViewChanged from coming back here.
  // One scale in pixels, not one span: the two timelines may differ in width (a scroll
  // bar, side by side), and a position must fall on the same x in both.
  syncing_ = true;
  const TimelineGeometry& g = from->timeline()->geometry();
  double span = g.span() * to->timeline()->geometry().width() / g.width();
  to->timeline()->ExtendDomainTo(g.start() + span);
  to->timeline()->SetView(g.start(), span);
  syncing_ = false;
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
  conflict_view_->setColumnWidth(ConflictModel::kKinds, 200);
  connect(conflict_view_->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
          [this](const QModelIndex& current) {
            if (current.isValid()) SelectConflict(conflict_model_->ConflictAt(current.row()));
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
  bool running = job_->running() || pending_ != Pending::kNone;
  replay_action_->setEnabled(have && !running);
  explain_action_->setEnabled(have && !running && current_->trace_data()->failed);
  save_action_->setEnabled(have);
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
    QString hint = have ? tr("Select a conflicting pair to reverse it.") : QString();
    if (have && conflict_model_->hidden() > 0) {
      hint += QLatin1Char(' ') + tr("%n pair(s) on thread handles (create, exit, join) not listed.",
                                    nullptr, static_cast<int>(conflict_model_->hidden()));
    }
    conflict_hint_->setText(hint);
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
  QString filter = current_->timeline()->filter().Describe();
  if (!filter.isEmpty()) text = tr("showing %1 · ").arg(filter) + text;
  if (job_->running()) text = tr("running weft %1… · ").arg(job_kind_) + text;
  status_label_->setText(text);
}

}  // namespace weft::gui
