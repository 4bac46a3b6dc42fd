// explain_report.cc
#include "explain_report.h"

#include <QJsonValue>

namespace weft::gui {
namespace {

bool ReadSide(const QJsonValue& value, ExplainSide* side) {
  if (!value.isObject()) return false;
  QJsonObject o = value.toObject();
  if (!o.contains(QStringLiteral("tid")) || !o.contains(QStringLiteral("event"))) return false;
  ExplainSide s;
  QJsonValue event = o.value(QStringLiteral("event"));
  s.event = event.isDouble() ? event.toVariant().toLongLong() : -1;
  s.pending = o.value(QStringLiteral("pending")).toBool(false);
  s.tid = static_cast<uint32_t>(o.value(QStringLiteral("tid")).toVariant().toULongLong());
  s.kind = o.value(QStringLiteral("kind")).toString();
  s.object = o.value(QStringLiteral("object")).toString();
  QJsonObject location = o.value(QStringLiteral("location")).toObject();
  s.function = location.value(QStringLiteral("function")).toString();
  s.file = location.value(QStringLiteral("file")).toString();
  s.line = static_cast<uint32_t>(location.value(QStringLiteral("line")).toVariant().toUInt());
  s.where = o.value(QStringLiteral("where")).toString();
  *side = s;
  return true;
}

QString Str(const QJsonObject& j, const char* key) {
  return j.value(QLatin1String(key)).toString();
}

}  // namespace

bool ParseExplainReport(const QJsonObject& j, ExplainReport* out, QString* error) {
  auto fail = [&](const QString& why) {
    if (error) *error = why;
    return false;
  };
  QString schema = Str(j, "schema");
  if (schema != QLatin1String(kExplainSchema)) {
    return fail(QStringLiteral("the explanation is a '%1' document, but this weft-gui reads '%2'")
                    .arg(schema.isEmpty() ? QStringLiteral("(no schema)") : schema,
                         QLatin1String(kExplainSchema)));
  }
  ExplainReport r;
  r.trace = Str(j, "trace");
  r.explained_trace = Str(j, "explained_trace");
  if (r.explained_trace.isEmpty()) r.explained_trace = r.trace;
  r.found = j.value(QStringLiteral("found")).toBool(false);
  r.runs = j.value(QStringLiteral("runs")).toVariant().toULongLong();
  if (r.found) {
    r.method = Str(j, "method");
    QJsonObject c = j.value(QStringLiteral("critical")).toObject();
    if (c.isEmpty() || !ReadSide(c.value(QStringLiteral("first")), &r.first) ||
        !ReadSide(c.value(QStringLiteral("second")), &r.second)) {
      return fail(
          QStringLiteral("the explanation names no critical pair (found, but `critical` "
                         "lacks `first` or `second`)"));
    }
    r.obj = static_cast<uint32_t>(c.value(QStringLiteral("obj")).toVariant().toULongLong());
    r.object = Str(c, "object");
    ExplainSide between;
    if (ReadSide(c.value(QStringLiteral("between")), &between)) r.between = between;
    QJsonObject reversal = c.value(QStringLiteral("reversal")).toObject();
    r.reversal_at = reversal.value(QStringLiteral("at")).toVariant().toULongLong();
    r.reversal_thread =
        static_cast<uint32_t>(reversal.value(QStringLiteral("thread")).toVariant().toULongLong());
    r.failing_trace = Str(j, "failing_trace");
    r.passing_trace = Str(j, "passing_trace");
    r.failing_outcome = Str(j, "failing_outcome");
    r.passing_outcome = Str(j, "passing_outcome");
  }
  *out = r;
  return true;
}

QString ExplainSentence(const ExplainReport& r) {
  if (!r.found) return QString();
  auto where = [](const ExplainSide& s) {
    return s.where.isEmpty() ? QStringLiteral("event #%1").arg(s.event) : s.where;
  };
  QString t1 = QStringLiteral("T%1").arg(r.first.tid);
  QString t2 = QStringLiteral("T%1").arg(r.second.tid);
  QString text;
  if (r.between) {
    text = QStringLiteral("fails when %1 runs %2 between %3's %4 and %5")
               .arg(t1, where(r.first), t2, where(*r.between), where(r.second));
  } else {
    text = QStringLiteral("fails when %1 runs %2 before %3's %4")
               .arg(t1, where(r.first), t2, where(r.second));
  }
  text += QStringLiteral("; with %1's %2 first it passes").arg(t2, where(r.second));
  return text;
}

}  // namespace weft::gui
