// cli_job.h — running the weft CLI from the GUI (replay, replay --stop-at, permute,
// explore) with QProcess, and reading its machine protocol (docs/JSON.md) and nothing else:
// the one --json document on stdout, the weft.progress/1 lines of --progress=jsonl on
// stderr, the weft.strategies/1 list of `weft explore --list-strategies --json`. Every
// document's "schema" is checked; an unexpected one is an error that says so.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <cstdint>

namespace weft::gui {

// The weft executable: $WEFT_CLI if set, else `weft` next to this program (build tree and
// install tree alike), else `weft` on PATH; empty if none is found.
QString FindWeftExecutable();

// The schemas this GUI reads (docs/JSON.md).
inline constexpr char kReplaySchema[] = "weft.replay/1";
inline constexpr char kPermuteSchema[] = "weft.permute/1";
inline constexpr char kExploreSchema[] = "weft.explore/1";
inline constexpr char kProgressSchema[] = "weft.progress/1";
inline constexpr char kStrategiesSchema[] = "weft.strategies/1";
inline constexpr char kReplayCheckSchema[] = "weft.replay-check/1";

// One weft.progress/1 line of a long command (`--progress=jsonl`).
struct ExploreProgress {
  QString command;  // "explore", "replay", "minimize"
  uint64_t run = 0;
  uint64_t runs = 0;
  int64_t seed = -1;  // -1 when the line has none (null)
  double runs_per_second = 0;
  bool failed = false;  // false also when null
  uint64_t failures = 0;

  bool operator==(const ExploreProgress&) const = default;
};

// Parses a stderr line as weft.progress/1. False for a line that is no JSON object (weft's
// other messages); false with *error set for an object of another schema.
bool ParseProgressLine(const QString& line, ExploreProgress* out, QString* error);

// One strategy of `weft explore --list-strategies --json`.
struct StrategyInfo {
  QString name;
  bool is_default = false;
  QString description;
  struct Parameter {
    QString name, type, default_value, help;
    bool operator==(const Parameter&) const = default;
  };
  QList<Parameter> parameters;

  bool operator==(const StrategyInfo&) const = default;
};

// Parses a weft.strategies/1 document; empty list and *error set when `json` is not one.
QList<StrategyInfo> ParseStrategyList(const QByteArray& json, QString* error);

// The strategies to offer when the list cannot be read (those of the weft this GUI was
// built with).
QStringList FallbackStrategies();

// The --json document a command printed: its last non-empty stdout line, an object whose
// "schema" is `schema`. Empty object and *error set otherwise (no document, or another
// schema: an older or newer weft).
QJsonObject ParseJsonReport(const QByteArray& out, const QString& schema, QString* error);

// What replaying a trace would run (`weft replay --dry-run --json`, weft.replay-check/1):
// shown to the user before the GUI's first replay of a trace.
struct ReplayCheck {
  QString command_line;  // shell-quoted
  QString cwd;
  bool cwd_gone = false;
  QStringList env_changes;  // "FOO=bar (set by the trace)", "HOME (unset)", …
  QStringList redacted;     // secret variables taken from the GUI's environment
  QStringList redacted_missing;
  QStringList loader_variables;
  QString program_changed;  // "" when the program is the recorded one
  bool allowed = false;
  QString refusal;  // why not, when !allowed
};

// Parses a weft.replay-check/1 document; false and *error set when `out` holds none.
bool ParseReplayCheck(const QByteArray& out, ReplayCheck* check, QString* error);

// The text of the confirmation: the command, where it runs, how its environment differs
// (at most `max_env` variables), and what stops it.
QString DescribeReplayCheck(const ReplayCheck& check, int max_env = 12);

// Runs `weft replay --dry-run --json TRACE` (which starts nothing of the trace) and waits
// for it; false and *error set when it fails.
bool RunReplayCheck(const QString& trace, ReplayCheck* check, QString* error);

// What a finished command left.
struct CliReport {
  QString command;        // the command line, for messages
  int exit_code = -1;     // -1 if it did not exit normally
  bool canceled = false;  // Cancel() stopped it
  QByteArray out;         // its stdout
  QString err;            // its stderr
  QJsonObject json;       // its --json document, if any (of the expected schema)
  QString error;          // why it failed, for the user; empty on success
};

// One weft command run asynchronously. Emits stderr lines as they come and Finished once.
class CliJob : public QObject {
  Q_OBJECT

 public:
  // An idle job.
  explicit CliJob(QObject* parent = nullptr);
  // Kills a running command.
  ~CliJob() override;

  // Runs `weft` (FindWeftExecutable()) with `args` in `working_dir` ("" = current). A job
  // runs one command at a time: Start() while running() is ignored and returns false.
  // `schema` non-empty: the report's json is the --json document of that schema, and its
  // absence (or another schema) is an error.
  bool Start(const QStringList& args, const QString& schema, const QString& working_dir = {});
  // Stops the running command (SIGTERM, then SIGKILL); Finished reports canceled.
  void Cancel();
  // Whether a command is running.
  bool running() const;

 signals:
  // One line of the command's stderr, without its newline.
  void StderrLine(const QString& line);
  // The command ended (or could not start).
  void Finished(const weft::gui::CliReport& report);

 private:
  void OnStderr();
  void OnFinished(int exit_code, QProcess::ExitStatus status);
  void OnError(QProcess::ProcessError error);

  QProcess* process_ = nullptr;
  QString command_;
  QByteArray err_buffer_;
  QString err_all_;
  QString schema_;
  bool canceled_ = false;
  bool done_ = true;
};

}  // namespace weft::gui
