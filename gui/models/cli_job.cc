// cli_job.cc
#include "cli_job.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonDocument>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTimer>

namespace weft::gui {

QString FindWeftExecutable() {
  QString env = qEnvironmentVariable("WEFT_CLI");
  if (!env.isEmpty()) return env;
  QString here = QCoreApplication::applicationDirPath() + QStringLiteral("/weft");
  QFileInfo info(here);
  if (info.isFile() && info.isExecutable()) return here;
  return QStandardPaths::findExecutable(QStringLiteral("weft"));
}

bool ParseExploreProgress(const QString& line, ExploreProgress* out) {
  static const QRegularExpression kLine(
      QStringLiteral(R"(weft: run (\d+)/(\d+) \(seed (\d+)\) ([0-9.]+) runs/s(: FAILED)?\s*$)"));
  QRegularExpressionMatch m = kLine.match(line);
  if (!m.hasMatch()) return false;
  ExploreProgress p;
  p.run = m.captured(1).toULongLong();
  p.runs = m.captured(2).toULongLong();
  p.seed = m.captured(3).toULongLong();
  p.runs_per_second = m.captured(4).toDouble();
  p.failed = !m.captured(5).isEmpty();
  *out = p;
  return true;
}

QStringList ParseStrategies(const QString& help) {
  // Two shapes: "--strategy NAME   random (default), pct" (a list), or one strategy per
  // description line, "name: what it does" / "name (default): ...", on the --strategy line
  // and the lines after it (also under the options that belong to one strategy).
  static const QRegularExpression kOption(
      QStringLiteral("^\\s*-\\S*(, -\\S+)?( [A-Z]+)?\\s{2,}(.*)$"));
  static const QRegularExpression kEntry(
      QStringLiteral("^([a-z][a-z0-9_-]*)( \\(default\\))?(:|$)"));
  static const QRegularExpression kName(QStringLiteral("^[a-z][a-z0-9_-]*$"));
  QStringList names;
  QString list;
  bool in_strategies = false;
  for (const QString& line : help.split(QLatin1Char('\n'))) {
    if (line.trimmed().isEmpty()) {
      if (in_strategies) break;
      continue;
    }
    QString description;
    QRegularExpressionMatch option = kOption.match(line);
    if (option.hasMatch()) {
      description = option.captured(3).trimmed();
      if (line.trimmed().startsWith(QStringLiteral("--strategy"))) {
        in_strategies = true;
        list = description;
      }
    } else if (line.startsWith(QStringLiteral("    "))) {
      description = line.trimmed();
    } else if (in_strategies) {
      break;
    }
    if (!in_strategies) continue;
    QRegularExpressionMatch entry = kEntry.match(description);
    if (entry.hasMatch() && !names.contains(entry.captured(1))) names << entry.captured(1);
  }
  if (names.size() <= 1 && list.contains(QLatin1Char(','))) {
    names.clear();
    list.remove(QRegularExpression(QStringLiteral("\\([^)]*\\)")));
    for (const QString& part :
         list.split(QRegularExpression(QStringLiteral("[,|/ ]+")), Qt::SkipEmptyParts)) {
      if (kName.match(part).hasMatch() && part != QStringLiteral("or") && !names.contains(part)) {
        names << part;
      }
    }
  }
  return names;
}

QStringList FallbackStrategies() { return {QStringLiteral("random")}; }

QJsonObject ParseJsonReport(const QByteArray& out, QString* error) {
  QList<QByteArray> lines = out.split('\n');
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    QByteArray line = it->trimmed();
    if (!line.startsWith('{')) continue;
    QJsonParseError parse_error;
    QJsonDocument doc = QJsonDocument::fromJson(line, &parse_error);
    if (doc.isObject()) return doc.object();
  }
  if (error) *error = QStringLiteral("it printed no JSON report");
  return {};
}

CliJob::CliJob(QObject* parent) : QObject(parent) {}

CliJob::~CliJob() {
  if (process_ && process_->state() != QProcess::NotRunning) {
    process_->disconnect(this);
    process_->kill();
    process_->waitForFinished(2000);
  }
}

bool CliJob::running() const { return !done_; }

bool CliJob::Start(const QStringList& args, bool expect_json, const QString& working_dir) {
  if (!done_) return false;
  done_ = false;
  canceled_ = false;
  expect_json_ = expect_json;
  err_buffer_.clear();
  err_all_.clear();
  QString weft = FindWeftExecutable();
  command_ = QStringLiteral("weft ") + args.join(QLatin1Char(' '));
  if (weft.isEmpty()) {
    done_ = true;
    CliReport report;
    report.command = command_;
    report.error =
        QStringLiteral(
            "cannot run `%1`: the weft executable was not found next to weft-gui or on PATH "
            "(build it, or set WEFT_CLI to its path)")
            .arg(command_);
    QTimer::singleShot(0, this, [this, report] { emit Finished(report); });
    return true;
  }
  if (process_) process_->deleteLater();
  process_ = new QProcess(this);
  if (!working_dir.isEmpty() && QDir(working_dir).exists()) {
    process_->setWorkingDirectory(working_dir);
  }
  connect(process_, &QProcess::readyReadStandardError, this, &CliJob::OnStderr);
  connect(process_, &QProcess::finished, this, &CliJob::OnFinished);
  connect(process_, &QProcess::errorOccurred, this, &CliJob::OnError);
  process_->start(weft, args);
  return true;
}

void CliJob::Cancel() {
  if (done_ || !process_) return;
  canceled_ = true;
  process_->terminate();
  QProcess* p = process_;
  QTimer::singleShot(1500, p, [p] {
    if (p->state() != QProcess::NotRunning) p->kill();
  });
}

void CliJob::OnStderr() {
  err_buffer_ += process_->readAllStandardError();
  // Lines end with '\n'; a terminal-style '\r' also ends one.
  for (;;) {
    int cut = -1;
    for (int i = 0; i < err_buffer_.size(); ++i) {
      if (err_buffer_[i] == '\n' || err_buffer_[i] == '\r') {
        cut = i;
        break;
      }
    }
    if (cut < 0) break;
    QString line = QString::fromUtf8(err_buffer_.left(cut));
    err_buffer_.remove(0, cut + 1);
    if (line.isEmpty()) continue;
    err_all_ += line + QLatin1Char('\n');
    emit StderrLine(line);
  }
}

void CliJob::OnFinished(int exit_code, QProcess::ExitStatus status) {
  if (done_) return;
  OnStderr();
  if (!err_buffer_.isEmpty()) {
    QString line = QString::fromUtf8(err_buffer_);
    err_buffer_.clear();
    err_all_ += line;
    emit StderrLine(line);
  }
  done_ = true;
  CliReport report;
  report.command = command_;
  report.exit_code = status == QProcess::NormalExit ? exit_code : -1;
  report.canceled = canceled_;
  report.out = process_->readAllStandardOutput();
  report.err = err_all_;
  QString json_error;
  if (expect_json_) report.json = ParseJsonReport(report.out, &json_error);
  if (canceled_) {
    report.error = QStringLiteral("`%1` was canceled").arg(command_);
  } else if (status != QProcess::NormalExit) {
    report.error = QStringLiteral("`%1` crashed").arg(command_);
  } else if (expect_json_ && report.json.isEmpty()) {
    QString said = err_all_.trimmed();
    report.error = QStringLiteral("`%1` failed (exit status %2): %3")
                       .arg(command_)
                       .arg(exit_code)
                       .arg(said.isEmpty() ? json_error : said);
  } else if (!expect_json_ && exit_code == 2) {
    report.error = QStringLiteral("`%1` failed: %2").arg(command_, err_all_.trimmed());
  }
  emit Finished(report);
}

void CliJob::OnError(QProcess::ProcessError error) {
  if (error != QProcess::FailedToStart || done_) return;
  done_ = true;
  CliReport report;
  report.command = command_;
  report.error = QStringLiteral("cannot start `%1`: %2 (is weft built? set WEFT_CLI to its path)")
                     .arg(command_, process_->errorString());
  emit Finished(report);
}

}  // namespace weft::gui
