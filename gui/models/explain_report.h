// explain_report.h — what `weft explain TRACE --json` (weft.explain/1, docs/JSON.md) says
// about a failing trace, as the GUI uses it: the critical pair (two events of the explained
// trace), the object, the decision that flips it, and the failing and passing runs it saved.
// Read from the schema'd document only; nothing here runs a program.
#pragma once

#include <QJsonObject>
#include <QString>
#include <cstdint>
#include <optional>

namespace weft::gui {

// The schema read (docs/JSON.md).
inline constexpr char kExplainSchema[] = "weft.explain/1";

// One side of the critical pair (weft.explain/1 `critical.first`, `second`, `between`).
struct ExplainSide {
  int64_t event = -1;    // index into explained_trace; -1 for a pending operation
  bool pending = false;  // an operation the trace never saw (a blocked or unstarted thread)
  uint32_t tid = 0;
  QString kind;      // "mutex_lock"
  QString object;    // "mutex#3 lock"
  QString function;  // location.function, "" without a stack
  QString file;      // location.file
  uint32_t line = 0;
  QString where;  // "has_funds (bank.c:11)"

  bool operator==(const ExplainSide&) const = default;
};

// A weft.explain/1 document.
struct ExplainReport {
  QString trace;            // the trace explained
  QString explained_trace;  // the trace the events are into: `trace` or its minimized run
  bool found = false;
  QString method;  // "reversal", "minimized", "bisection"; "" when not found
  uint32_t obj = 0;
  QString object;
  ExplainSide first, second;  // first runs before second in the failing run
  std::optional<ExplainSide> between;
  uint64_t reversal_at = 0;      // the decision at which the passing run runs reversal_thread
  uint32_t reversal_thread = 0;  // instead of the recorded one
  QString failing_trace, passing_trace;
  QString failing_outcome, passing_outcome;
  uint64_t runs = 0;

  bool operator==(const ExplainReport&) const = default;
};

// Reads a weft.explain/1 document (ParseJsonReport's result). False and *error set when it
// is not one (another schema) or a found pair lacks its fields.
bool ParseExplainReport(const QJsonObject& json, ExplainReport* out, QString* error);

// The pair in one sentence, from the sides' `where`: "fails when T2 runs has_funds
// (bank.c:11) between T1's has_funds (bank.c:11) and debit (bank.c:18); with T1's debit
// (bank.c:18) first it passes". "" when not found.
QString ExplainSentence(const ExplainReport& report);

}  // namespace weft::gui
