// main_window.h — weft-gui's window: the runs (the opened trace and the permuted runs beside
// it), the conflicts, events and threads lists, the details of the selection, the threads
// of a stop or deadlock, the search panel; opening files (dialog, drop, recent, command
// line); replay, stop-at and permute through the weft CLI.
#pragma once

#include <QHash>
#include <QMainWindow>
#include <QPointer>
#include <QTemporaryDir>
#include <cstdint>
#include <memory>

#include "cli_job.h"
#include "event_filter.h"
#include "explain_report.h"
#include "item_models.h"
#include "timeline_view.h"
#include "trace_data.h"

class QAction;
class QComboBox;
class QLabel;
class QMenu;
class QToolButton;
class QPushButton;
class QSplitter;
class QTableView;
class QDockWidget;

namespace weft::gui {

class DetailsPane;
class ExplorePanel;
class RunView;
class TraceLoader;

// The main window.
class MainWindow : public QMainWindow {
  Q_OBJECT

 public:
  // An empty window. In batch mode (screenshots, tests) errors are not shown in dialogs but
  // printed to stderr and kept in last_error().
  explicit MainWindow(bool batch = false, QWidget* parent = nullptr);
  // Fills the search panel's strategies from `weft explore --help` (done at start-up
  // unless in batch mode).
  void LoadStrategies();
  ~MainWindow() override;

  // Opens `path` in place of the runs shown (loads on a worker thread).
  void OpenFile(const QString& path);
  // Selects event `index` of the current run (-1: none), as a click on it does.
  void SelectEvent(int64_t index);
  // Selects conflict `row` of the current run (-1: none), as a click in the list does.
  void SelectConflict(int64_t row);
  // Replays the current run's trace and notes whether the outcome reproduced.
  bool Replay();
  // Replays the current run up to the selected event, stops there and shows every thread.
  bool StopAtSelected();
  // Makes `view` (one of runs()) the run the panes follow.
  void SetCurrentRun(RunView* view) { SetCurrent(view); }
  // Closes a permuted run (the opened trace's run stays).
  void CloseRun(RunView* view);
  // Runs thread `tid` at decision `at` of the current run and opens the result beside it.
  bool Permute(uint32_t at, uint32_t tid);
  // Permute() on the selected conflict: the second event's thread goes first.
  bool PermuteSelectedConflict();
  // Runs `weft explain TRACE --json` on the current run; when it names the critical pair,
  // shows it (both events selected, the rest dimmed, the sentence in the banner; on the
  // minimized run when that is what it explained) and opens the passing run beside.
  bool Explain();
  // Whether a failing trace is explained as soon as it opens (Explain()). On by default,
  // off in batch mode (--explain asks for it).
  void set_auto_explain(bool on) { auto_explain_ = on; }
  // What the current run shows: threads, object, near the failure; the conflicts list
  // follows.
  void SetFilter(const FilterSpec& spec);
  // Whether the events around the critical pair are dimmed (on when it is shown).
  void SetDimOutsideFocus(bool dim);
  // The ruler's unit and layout for every run (event index, or virtual time).
  void SetAxis(TimelineAxis axis);
  // Shows the runs side by side (true) or one above the other (false, the default).
  void SetRunsSideBySide(bool side_by_side);
  // Compares two runs shown (weft explain's failing and passing runs): both mark where their
  // schedules part, `b` marks its events of `a`'s critical pair (`a`'s focus pair), and their
  // zoom and scroll are linked over one domain, so the same decisions line up. Replaces
  // the previous comparison.
  void CompareRuns(RunView* a, RunView* b);
  // The two runs compared (nullptr when none).
  RunView* compared_first() const;
  RunView* compared_second() const;
  // Copies the current run's trace (and the program output saved beside it) to `path`:
  // permuted and explained runs live in a temporary directory removed on exit. False, with
  // the reason in last_error(), when it cannot.
  bool SaveRunAs(const QString& path);

  // True while a trace is loading or a weft command runs.
  bool busy() const;
  // The last error shown (batch mode), "" if none.
  const QString& last_error() const { return last_error_; }
  // The run the panes follow, or nullptr.
  RunView* current_run() const;
  // Every run shown, the opened trace first.
  QList<RunView*> runs() const;
  DetailsPane* details() const { return details_; }
  DetailsPane* stop_details() const { return stop_details_; }
  QTableView* conflict_view() const { return conflict_view_; }
  ConflictModel* conflict_model() const { return conflict_model_; }
  EventModel* event_model() const { return event_model_; }
  ThreadModel* thread_model() const { return thread_model_; }
  BlockedModel* blocked_model() const { return blocked_model_; }
  ExplorePanel* explore_panel() const { return explore_; }
  // Raises the dock holding `widget` (a pane of this window).
  void RaiseDockOf(QWidget* widget);

 signals:
  // A trace opened with OpenFile() is shown.
  void TraceOpened(const QString& path);
  // Nothing is loading or running any more.
  void Idle();

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void closeEvent(QCloseEvent* event) override;

 private:
  enum class Pending { kNone, kPermuted, kStopped, kExplained, kPassing };

  void BuildActions();
  void BuildDocks();
  void BuildFilterBar();
  // Fills the filter bar's thread menu and object box for the current run and shows its filter.
  void RefreshFilterBar();
  // The filter bar's choice, applied to the current run.
  void ApplyFilterBar();
  // Shows what weft explain found on `view` (whose trace is the explained one).
  void ApplyExplanation(RunView* view, const ExplainReport& report);
  // Opens the explanation's passing run beside the explained one.
  void LoadPassingRun();
  void ShowError(const QString& message);
  void OnOriginalLoaded(std::shared_ptr<const TraceData> data);
  void OnSideLoaded(std::shared_ptr<const TraceData> data);
  void OnJobFinished(const CliReport& report);
  RunView* AddRun(std::shared_ptr<const TraceData> data, const QString& title, bool closable);
  void SetCurrent(RunView* view);
  // The other compared run shows what `from` shows (linked zoom and scroll).
  void SyncComparedFrom(RunView* from);
  // Both compared runs over one domain (after a layout change), `from`'s view on both.
  void RelinkCompared(RunView* from);
  void ShowBlocked(std::shared_ptr<const TraceData> data, const QString& title);
  void UpdateActions();
  void UpdateStatus();
  void AddRecent(const QString& path);
  void RebuildRecentMenu();
  void ShowEventMenu(qint64 index, const QPoint& global);
  void CheckIdle();
  QString TempPath(const QString& name) const;
  // Before the first command that runs the program of trace `path` (replay, stop, permute):
  // shows what will run (`weft replay --dry-run`) and asks. False when the user declines;
  // `extra` receives the options the user agreed to (--trust, --force) for every command on
  // that trace. In batch mode the command line asked for the replay: no question.
  bool ConfirmRun(const QString& path, QStringList* extra);

  bool batch_ = false;
  QHash<QString, QStringList> confirmed_;  // traces the user agreed to run, with their options
  QString last_error_;
  TraceLoader* original_loader_ = nullptr;
  TraceLoader* side_loader_ = nullptr;
  CliJob* job_ = nullptr;
  QTemporaryDir temp_;
  QString job_kind_;                  // "replay", "stop", "permute" while job_ runs
  QPointer<RunView> job_run_;         // the run the job is about
  Pending pending_ = Pending::kNone;  // what side_loader_ is loading for
  QString pending_title_;
  QString pending_output_;
  QString pending_note_;
  int64_t pending_stop_ = -1;
  bool auto_explain_ = true;
  ExplainReport explain_;            // the last explanation, while its runs load
  QPointer<RunView> explained_run_;  // the run it is shown on
  TimelineAxis axis_ = TimelineAxis::kEventIndex;
  QPointer<RunView> compared_a_, compared_b_;     // CompareRuns
  bool syncing_ = false;                          // SyncComparedFrom is setting a view
  QList<QMetaObject::Connection> compare_links_;  // their ViewChanged → SyncComparedFrom

  QSplitter* runs_splitter_ = nullptr;
  QPointer<RunView> current_;
  QLabel* placeholder_ = nullptr;
  DetailsPane* details_ = nullptr;
  DetailsPane* stop_details_ = nullptr;
  QTableView* conflict_view_ = nullptr;
  QPushButton* permute_button_ = nullptr;
  QLabel* conflict_hint_ = nullptr;
  QTableView* event_view_ = nullptr;
  QTableView* thread_view_ = nullptr;
  QTableView* blocked_view_ = nullptr;
  QLabel* blocked_title_ = nullptr;
  ConflictModel* conflict_model_ = nullptr;
  EventModel* event_model_ = nullptr;
  ThreadModel* thread_model_ = nullptr;
  BlockedModel* blocked_model_ = nullptr;
  std::shared_ptr<const TraceData> blocked_data_;
  ExplorePanel* explore_ = nullptr;
  QLabel* status_label_ = nullptr;

  QMenu* recent_menu_ = nullptr;
  QAction* replay_action_ = nullptr;
  QAction* stop_action_ = nullptr;
  QAction* permute_action_ = nullptr;
  QAction* cancel_action_ = nullptr;
  QAction* explain_action_ = nullptr;
  QAction* save_action_ = nullptr;
  QAction* near_action_ = nullptr;
  QAction* focus_action_ = nullptr;
  QAction* axis_index_action_ = nullptr;
  QAction* axis_time_action_ = nullptr;
  QAction* side_by_side_action_ = nullptr;
  QToolButton* threads_button_ = nullptr;
  QMenu* threads_menu_ = nullptr;
  QComboBox* object_box_ = nullptr;
  bool refreshing_filter_ = false;  // RefreshFilterBar sets the widgets: no ApplyFilterBar
};

// What the window says of a failing free recording (weft record --free): the time axis is
// real time, and explain and permute need the controlled run weft explore --from saves.
QString FreeTraceNote(const QString& path);

}  // namespace weft::gui
