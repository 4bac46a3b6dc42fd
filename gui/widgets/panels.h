// panels.h — the panes around the timeline: the outcome banner, the details of the selected
// event (stack, source, disassembly), a run's view (banner + timeline), the search panel.
#pragma once

#include <QFrame>
#include <QTemporaryDir>
#include <QWidget>
#include <cstdint>
#include <memory>
#include <optional>

#include "cli_job.h"
#include "explain_report.h"
#include "item_models.h"
#include "trace_data.h"

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableView;
class QToolButton;

namespace weft::gui {

class DisassemblyView;
class SourceView;
class TimelineView;

// How a run ended, in colour: red for failures, green for passing runs, amber for a stop.
// A second line may carry the program's output ("balance = -70") and a third the replay
// check ("replay: reproduced").
class OutcomeBanner : public QFrame {
  Q_OBJECT

 public:
  // An empty banner.
  explicit OutcomeBanner(QWidget* parent = nullptr);
  // Shows the outcome of `data` (nullptr: hides the banner).
  void SetTraceData(const std::shared_ptr<const TraceData>& data);
  // Shows the program's last output line in front of the verdict ("balance = -70: FAILED").
  void SetProgramOutput(const QString& output);
  // Shows a line about a replay or another check below the outcome ("" removes it).
  void SetNote(const QString& note);
  // Shows why it failed, weft explain's critical pair in a sentence ("" removes it).
  void SetExplanation(const QString& sentence);
  // The banner's whole text, for tests.
  QString text() const;

 private:
  void Refresh();

  std::shared_ptr<const TraceData> data_;
  QString output_;
  QString note_;
  QString why_;
  QLabel* label_ = nullptr;
};

// The selected event: what, on what, where (stack), the source line and the disassembly.
class DetailsPane : public QWidget {
  Q_OBJECT

 public:
  // An empty pane.
  explicit DetailsPane(QWidget* parent = nullptr);
  // The trace whose events are shown (clears the pane).
  void SetTraceData(std::shared_ptr<const TraceData> data);
  // Shows event `index` (-1: nothing) and its most meaningful frame's source.
  void ShowEvent(int64_t index);
  // Shows a stack that is not an event's (a stopped or deadlocked thread's), titled `title`.
  void ShowStack(const QString& title, uint32_t stack);
  // Shows the source and disassembly of frame `row` of the shown stack, as a click does.
  void SelectFrame(int row);

  // Parts, for tests and screenshots.
  QTableView* stack_view() const { return stack_view_; }
  StackModel* stack_model() const { return stack_model_; }
  SourceView* source_view() const { return source_; }
  DisassemblyView* disassembly_view() const { return disassembly_; }
  QTabWidget* code_tabs() const { return tabs_; }
  // The header text shown above the stack.
  QString summary() const;

 private:
  std::shared_ptr<const TraceData> data_;
  QLabel* header_ = nullptr;
  QTableView* stack_view_ = nullptr;
  StackModel* stack_model_ = nullptr;
  QTabWidget* tabs_ = nullptr;
  SourceView* source_ = nullptr;
  DisassemblyView* disassembly_ = nullptr;
};

// One run: a title, its outcome banner and its timeline. The main window shows the original
// run and the permuted and explained ones beside it. The banner starts with the program's
// last output line as recorded in the trace (TraceData::program_output).
class RunView : public QFrame {
  Q_OBJECT

 public:
  // A view of `data`; `closable` adds a close button (permuted runs).
  explicit RunView(std::shared_ptr<const TraceData> data, const QString& title, bool closable,
                   QWidget* parent = nullptr);
  const std::shared_ptr<const TraceData>& trace_data() const { return data_; }
  TimelineView* timeline() const { return timeline_; }
  OutcomeBanner* banner() const { return banner_; }
  // Marks this run as the one the panes follow.
  void SetCurrent(bool current);
  // What weft explain found on this run's trace (the timeline's focus pair is set apart).
  void SetExplanation(const ExplainReport& report) { explanation_ = report; }
  const std::optional<ExplainReport>& explanation() const { return explanation_; }
  QString title() const;

 signals:
  // The user clicked into this run.
  void Activated(weft::gui::RunView* view);
  // The close button was pressed.
  void CloseRequested(weft::gui::RunView* view);

 protected:
  bool eventFilter(QObject* watched, QEvent* event) override;

 private:
  std::shared_ptr<const TraceData> data_;
  std::optional<ExplainReport> explanation_;
  QLabel* title_ = nullptr;
  OutcomeBanner* banner_ = nullptr;
  TimelineView* timeline_ = nullptr;
};

// The search panel: `weft explore --json --progress=jsonl` with a strategy and a budget,
// progress from its weft.progress/1 lines, cancel, and the failing traces found, each one
// click from being opened.
class ExplorePanel : public QWidget {
  Q_OBJECT

 public:
  // An idle panel.
  explicit ExplorePanel(QWidget* parent = nullptr);
  // The program to explore, from a trace's header: argv (argv[0] replaced by the resolved
  // executable) and the working directory.
  void SetProgram(const QStringList& argv, const QString& cwd);
  // The trace a conflict-directed search starts from (`--from`), "" for none.
  void SetTrace(const QString& path) { trace_ = path; }
  // Fills the strategy box from `weft explore --list-strategies --json` (falls back to
  // FallbackStrategies() when that cannot be read, and says why in strategy_note()).
  void LoadStrategies();
  // Starts exploring with the panel's settings; false if already running.
  bool Start();
  // Cancels a running search.
  void Cancel();

  // Parts, for tests.
  QComboBox* strategy_box() const { return strategy_; }
  QSpinBox* runs_box() const { return runs_; }
  QListWidget* failures() const { return failures_; }
  QProgressBar* progress() const { return progress_; }
  QLabel* status() const { return status_; }
  // Why the strategy list is the built-in one ("" when it came from weft).
  const QString& strategy_note() const { return strategy_note_; }
  bool running() const { return job_->running(); }

 signals:
  // The user chose a failing trace.
  void OpenTrace(const QString& path);
  // A search ended (found or not, or canceled).
  void Finished();

 private:
  void OnProgressLine(const QString& line);
  void OnFinished(const CliReport& report);

  QLineEdit* program_ = nullptr;
  QString cwd_;
  QString trace_;
  QComboBox* strategy_ = nullptr;
  QSpinBox* runs_ = nullptr;
  QPushButton* start_ = nullptr;
  QPushButton* cancel_ = nullptr;
  QProgressBar* progress_ = nullptr;
  QLabel* status_ = nullptr;
  QListWidget* failures_ = nullptr;
  CliJob* job_ = nullptr;
  QString strategy_note_;
  QString progress_error_;  // the first progress line of an unexpected schema
  QTemporaryDir temp_;      // the searches' traces live here until the panel goes
  QString out_dir_;
};

// Joins argv for display and editing, quoting what a shell would need quoted.
QString JoinCommandLine(const QStringList& argv);
// Splits a command line edited by the user (quotes '...' and "..." group words).
QStringList SplitCommandLine(const QString& text);

}  // namespace weft::gui
