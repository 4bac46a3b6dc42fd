// cli_job.h — running the weft CLI from the GUI (replay, replay --stop-at, permute,
// explore) with QProcess, and reading what it prints: the one JSON object of --json on
// stdout, explore's progress lines on stderr, the strategies of `weft explore --help`.
#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QObject>
#include <QProcess>
#include <QString>
#include <QStringList>
#include <cstdint>

namespace weft::gui {

// The weft executable: $WEFT_CLI if set, else `weft` next to this program (build tree and
// install tree alike), else `weft` on PATH; empty if none is found.
QString FindWeftExecutable();

// One progress line of `weft explore`: "weft: run 37/200 (seed 37) 95 runs/s[: FAILED]".
struct ExploreProgress {
  uint64_t run = 0;
  uint64_t runs = 0;
  uint64_t seed = 0;
  double runs_per_second = 0;
  bool failed = false;

  bool operator==(const ExploreProgress&) const = default;
};

// Parses a progress line (a terminal's "\r\033[K" prefix is tolerated); false otherwise.
bool ParseExploreProgress(const QString& line, ExploreProgress* out);

// The strategy names listed by `weft explore --help` on its "--strategy NAME" line and the
// lines continuing it ("random (default), pct, bounded" → random, pct, bounded); empty if
// the help has no such line.
QStringList ParseStrategies(const QString& help);

// The strategies to offer when the help cannot be read.
QStringList FallbackStrategies();

// The JSON object a --json command printed: the last line of `out` that parses as an
// object. Empty object (and *error set) when there is none.
QJsonObject ParseJsonReport(const QByteArray& out, QString* error);

// What a finished command left.
struct CliReport {
  QString command;        // the command line, for messages
  int exit_code = -1;     // -1 if it did not exit normally
  bool canceled = false;  // Cancel() stopped it
  QByteArray out;         // its stdout
  QString err;            // its stderr
  QJsonObject json;       // its --json object, if any
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
  // `expect_json`: the report's json is parsed from stdout and its absence is an error.
  bool Start(const QStringList& args, bool expect_json, const QString& working_dir = {});
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
  bool expect_json_ = false;
  bool canceled_ = false;
  bool done_ = true;
};

}  // namespace weft::gui
