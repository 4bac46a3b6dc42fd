// cli_job.cc
#include "cli_job.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
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

namespace {

// "an older or newer weft" hint for a document of an unexpected schema.
QString SchemaMismatch(const QString& what, const QString& got, const QString& want) {
  return QStringLiteral(
             "%1 is a '%2' document, but this weft-gui reads '%3' (an older or newer weft? "
             "use the weft built with this weft-gui, or set WEFT_CLI to it)")
      .arg(what, got.isEmpty() ? QStringLiteral("(no schema)") : got, want);
}

uint64_t UintOf(const QJsonValue& v) { return v.toVariant().toULongLong(); }

}  // namespace

bool ParseProgressLine(const QString& line, ExploreProgress* out, QString* error) {
  QString trimmed = line.trimmed();
  if (!trimmed.startsWith(QLatin1Char('{'))) return false;
  QJsonParseError parse_error;
  QJsonDocument doc = QJsonDocument::fromJson(trimmed.toUtf8(), &parse_error);
  if (!doc.isObject()) return false;
  QJsonObject j = doc.object();
  QString schema = j.value(QStringLiteral("schema")).toString();
  if (schema != QLatin1String(kProgressSchema)) {
    if (error) {
      *error =
          SchemaMismatch(QStringLiteral("a progress line"), schema, QLatin1String(kProgressSchema));
    }
    return false;
  }
  ExploreProgress p;
  p.command = j.value(QStringLiteral("command")).toString();
  p.run = UintOf(j.value(QStringLiteral("run")));
  p.runs = UintOf(j.value(QStringLiteral("runs")));
  QJsonValue seed = j.value(QStringLiteral("seed"));
  p.seed = seed.isDouble() ? seed.toVariant().toLongLong() : -1;
  p.runs_per_second = j.value(QStringLiteral("runs_per_second")).toDouble();
  p.failed = j.value(QStringLiteral("failed")).toBool(false);
  p.failures = UintOf(j.value(QStringLiteral("failures")));
  *out = p;
  return true;
}

QList<StrategyInfo> ParseStrategyList(const QByteArray& json, QString* error) {
  QJsonParseError parse_error;
  QJsonDocument doc = QJsonDocument::fromJson(json.trimmed(), &parse_error);
  if (!doc.isObject()) {
    if (error) *error = QStringLiteral("the strategy list is not a JSON object");
    return {};
  }
  QJsonObject j = doc.object();
  QString schema = j.value(QStringLiteral("schema")).toString();
  if (schema != QLatin1String(kStrategiesSchema)) {
    if (error) {
      *error = SchemaMismatch(QStringLiteral("the strategy list"), schema,
                              QLatin1String(kStrategiesSchema));
    }
    return {};
  }
  QList<StrategyInfo> list;
  for (const QJsonValue& v : j.value(QStringLiteral("strategies")).toArray()) {
    QJsonObject o = v.toObject();
    StrategyInfo info;
    info.name = o.value(QStringLiteral("name")).toString();
    if (info.name.isEmpty()) continue;
    info.is_default = o.value(QStringLiteral("default")).toBool(false);
    info.description = o.value(QStringLiteral("description")).toString();
    for (const QJsonValue& pv : o.value(QStringLiteral("parameters")).toArray()) {
      QJsonObject po = pv.toObject();
      info.parameters.push_back({po.value(QStringLiteral("name")).toString(),
                                 po.value(QStringLiteral("type")).toString(),
                                 po.value(QStringLiteral("default")).toString(),
                                 po.value(QStringLiteral("help")).toString()});
    }
    list.push_back(info);
  }
  if (list.isEmpty() && error) *error = QStringLiteral("the strategy list names no strategy");
  return list;
}

QStringList FallbackStrategies() {
  return {QStringLiteral("auto"),     QStringLiteral("random"), QStringLiteral("pct"),
          QStringLiteral("pos"),      QStringLiteral("surw"),   QStringLiteral("bounded"),
          QStringLiteral("conflicts")};
}

QJsonObject ParseJsonReport(const QByteArray& out, const QString& schema, QString* error) {
  QList<QByteArray> lines = out.split('\n');
  while (!lines.isEmpty() && lines.back().trimmed().isEmpty()) lines.pop_back();
  QJsonDocument doc;
  if (!lines.isEmpty()) doc = QJsonDocument::fromJson(lines.back().trimmed());
  if (!doc.isObject()) {
    if (error) *error = QStringLiteral("it printed no JSON document");
    return {};
  }
  QJsonObject j = doc.object();
  QString got = j.value(QStringLiteral("schema")).toString();
  if (got != schema) {
    if (error) *error = SchemaMismatch(QStringLiteral("its output"), got, schema);
    return {};
  }
  return j;
}

bool ParseReplayCheck(const QByteArray& out, ReplayCheck* check, QString* error) {
  QJsonObject j = ParseJsonReport(out, QLatin1String(kReplayCheckSchema), error);
  if (j.isEmpty()) return false;
  auto strings = [&](const char* key) {
    QStringList list;
    for (const QJsonValue& v : j.value(QLatin1String(key)).toArray()) list << v.toString();
    return list;
  };
  ReplayCheck c;
  c.command_line = j.value(QStringLiteral("command_line")).toString();
  c.cwd = j.value(QStringLiteral("cwd")).toString();
  c.cwd_gone = j.value(QStringLiteral("cwd_gone")).toBool();
  for (const QJsonValue& v : j.value(QStringLiteral("env_differences")).toArray()) {
    QJsonObject d = v.toObject();
    QString name = d.value(QStringLiteral("name")).toString();
    QString change = d.value(QStringLiteral("change")).toString();
    QString value = d.value(QStringLiteral("value")).toString();
    if (value.size() > 60) value = value.left(60) + QStringLiteral("…");
    if (change == QStringLiteral("removed")) {
      c.env_changes << QStringLiteral("%1 (unset)").arg(name);
    } else {
      c.env_changes << QStringLiteral("%1=%2 (%3)")
                           .arg(name, value,
                                change == QStringLiteral("added")
                                    ? QStringLiteral("set by the trace")
                                    : QStringLiteral("changed"));
    }
  }
  c.redacted = strings("redacted");
  c.redacted_missing = strings("redacted_missing");
  c.loader_variables = strings("loader_variables");
  c.program_changed = j.value(QStringLiteral("program_changed")).toString();
  c.allowed = j.value(QStringLiteral("allowed")).toBool();
  c.refusal = j.value(QStringLiteral("refusal")).toString();
  *check = c;
  return true;
}

QString DescribeReplayCheck(const ReplayCheck& c, int max_env) {
  QString text =
      QStringLiteral("Replaying this trace runs:\n\n    %1\n\nin %2")
          .arg(c.command_line, c.cwd_gone
                                   ? QStringLiteral("the current directory (%1 is gone)").arg(c.cwd)
                                   : c.cwd);
  if (c.env_changes.isEmpty()) {
    text += QStringLiteral("\nwith your environment.");
  } else {
    text += QStringLiteral("\nwith your environment, except:\n");
    for (int i = 0; i < c.env_changes.size() && i < max_env; ++i) {
      text += QStringLiteral("    %1\n").arg(c.env_changes[i]);
    }
    if (c.env_changes.size() > max_env) {
      text += QStringLiteral("    … and %1 more\n").arg(c.env_changes.size() - max_env);
    }
  }
  if (!c.redacted.isEmpty()) {
    text += QStringLiteral("\nSecret variables, from your environment: %1")
                .arg(c.redacted.join(QStringLiteral(", ")));
    if (!c.redacted_missing.isEmpty()) {
      text += QStringLiteral(" (not set: %1)").arg(c.redacted_missing.join(QStringLiteral(", ")));
    }
    text += QLatin1Char('\n');
  }
  if (!c.allowed) text += QStringLiteral("\nweft refuses to run it: %1\n").arg(c.refusal);
  return text;
}

bool RunReplayCheck(const QString& trace, ReplayCheck* check, QString* error) {
  QString weft = FindWeftExecutable();
  if (weft.isEmpty()) {
    if (error) *error = QStringLiteral("cannot find the weft program (set WEFT_CLI)");
    return false;
  }
  QProcess p;
  p.start(weft,
          {QStringLiteral("replay"), QStringLiteral("--dry-run"), QStringLiteral("--json"), trace});
  if (!p.waitForFinished(30000)) {
    p.kill();
    if (error) *error = QStringLiteral("weft replay --dry-run did not answer");
    return false;
  }
  QString why;
  if (!ParseReplayCheck(p.readAllStandardOutput(), check, &why)) {
    QString err = QString::fromUtf8(p.readAllStandardError()).trimmed();
    if (error) *error = err.isEmpty() ? QStringLiteral("weft replay --dry-run: ") + why : err;
    return false;
  }
  return true;
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

bool CliJob::Start(const QStringList& args, const QString& schema, const QString& working_dir) {
  if (!done_) return false;
  done_ = false;
  canceled_ = false;
  schema_ = schema;
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
  // NB: weft reads its stdin whole for the program it runs; a job has none to give.
  process_->setStandardInputFile(QProcess::nullDevice());
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
  if (!schema_.isEmpty()) report.json = ParseJsonReport(report.out, schema_, &json_error);
  if (canceled_) {
    report.error = QStringLiteral("`%1` was canceled").arg(command_);
  } else if (status != QProcess::NormalExit) {
    report.error = QStringLiteral("`%1` crashed").arg(command_);
  } else if (!schema_.isEmpty() && report.json.isEmpty()) {
    // weft's own error (on stderr) says more than the missing document, unless the
    // document was there but of another schema.
    QString said =
        json_error.startsWith(QStringLiteral("its output")) ? QString() : err_all_.trimmed();
    report.error = QStringLiteral("`%1` failed (exit status %2): %3")
                       .arg(command_)
                       .arg(exit_code)
                       .arg(said.isEmpty() ? json_error : said);
  } else if (schema_.isEmpty() && exit_code == 2) {
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
