// trace_data.cc — deriving what the views need from a trace, once, off the GUI thread.
#include "trace_data.h"

#include <QElapsedTimer>
#include <algorithm>

#include "weft/render.h"
#include "weft/trace_io.h"

namespace weft::gui {

using format::EventKind;

EventCategory CategoryOf(EventKind kind) {
  switch (kind) {
    case EventKind::kThreadStart:
    case EventKind::kThreadExit:
    case EventKind::kThreadCreate:
    case EventKind::kThreadJoin:
      return EventCategory::kThread;
    case EventKind::kMutexLock:
    case EventKind::kRwlockRdlock:
    case EventKind::kRwlockWrlock:
    case EventKind::kSpinLock:
      return EventCategory::kLock;
    case EventKind::kMutexUnlock:
    case EventKind::kRwlockUnlock:
    case EventKind::kSpinUnlock:
      return EventCategory::kUnlock;
    case EventKind::kCondWait:
    case EventKind::kCondWake:
    case EventKind::kCondSignal:
    case EventKind::kCondBroadcast:
      return EventCategory::kCond;
    case EventKind::kSemWait:
    case EventKind::kSemPost:
    case EventKind::kBarrierWait:
    case EventKind::kBarrierLeave:
    case EventKind::kOnce:
    case EventKind::kOnceDone:
      return EventCategory::kSem;
    case EventKind::kFutexWait:
    case EventKind::kFutexWoken:
    case EventKind::kFutexWake:
      return EventCategory::kFutex;
    case EventKind::kSleep:
    case EventKind::kSleepDone:
      return EventCategory::kSleep;
    case EventKind::kMemRead:  // the lowest priority: memory accesses are many
    case EventKind::kMemWrite:
    default:
      return EventCategory::kOther;
  }
}

QString ThreadLabel(const format::Thread& thread) {
  QString label = QStringLiteral("T%1").arg(thread.tid);
  std::string name =
      !thread.name.empty() ? thread.name : format::ShortName(thread.start_function, 60);
  if (!name.empty()) label += QLatin1Char(' ') + QString::fromStdString(name);
  return label;
}

bool IsFailure(const format::Outcome& outcome) {
  using K = format::Outcome::Kind;
  if (outcome.diverged) return true;
  switch (outcome.kind) {
    case K::kExited:
      return outcome.exit_code != 0;
    case K::kStopped:
      return false;
    default:
      return true;
  }
}

uint32_t TraceData::CountInRange(size_t lane, uint64_t lo, uint64_t hi) const {
  if (lane >= lanes.size() || lo >= hi) return 0;
  const std::vector<uint32_t>& ev = lanes[lane].events;
  auto a = std::lower_bound(ev.begin(), ev.end(), lo);
  auto b = std::lower_bound(a, ev.end(), hi);
  return static_cast<uint32_t>(b - a);
}

uint8_t TraceData::CategoryMask(size_t lane, uint64_t lo, uint64_t hi) const {
  if (lane >= lanes.size() || lo >= hi) return 0;
  const Lane& l = lanes[lane];
  uint8_t mask = 0;
  auto direct = [&](uint64_t from, uint64_t to) {
    auto a = std::lower_bound(l.events.begin(), l.events.end(), from);
    for (; a != l.events.end() && *a < to; ++a) {
      mask |= static_cast<uint8_t>(1u << static_cast<int>(CategoryOf(trace.events[*a].kind)));
    }
  };
  uint64_t b_lo = (lo + kLodBlock - 1) / kLodBlock;
  uint64_t b_hi = hi / kLodBlock;
  if (l.masks.empty() || b_lo >= b_hi) {
    direct(lo, hi);
    return mask;
  }
  direct(lo, b_lo * kLodBlock);
  direct(b_hi * kLodBlock, hi);
  b_hi = std::min<uint64_t>(b_hi, l.masks[0].size());
  for (size_t level = 0; b_lo < b_hi && level < l.masks.size(); ++level) {
    const std::vector<uint8_t>& m = l.masks[level];
    if (b_lo & 1) mask |= m[b_lo++];
    if (b_hi & 1) mask |= m[--b_hi];
    b_lo >>= 1;
    b_hi >>= 1;
  }
  return mask;
}

uint32_t TraceData::SwitchesInRange(uint64_t lo, uint64_t hi) const {
  if (lo >= hi) return 0;
  auto a = std::lower_bound(switches.begin(), switches.end(), lo);
  auto b = std::lower_bound(a, switches.end(), hi);
  return static_cast<uint32_t>(b - a);
}

QString TraceData::ThreadLabel(uint32_t tid) const {
  if (tid < trace.threads.size()) return gui::ThreadLabel(trace.threads[tid]);
  return QStringLiteral("T%1").arg(tid);
}

QString TraceData::ObjectLabel(uint32_t obj) const {
  return QString::fromStdString(format::DescribeObject(trace, obj));
}

QString TraceData::EventLocation(uint64_t index) const {
  if (index >= trace.events.size()) return QString();
  return QString::fromStdString(format::DescribeLocation(trace, trace.events[index].stack));
}

QStringList OutcomeDetails(const TraceData& data) {
  using K = format::Outcome::Kind;
  QStringList lines;
  const format::Trace& t = data.trace;
  if (!t.has_outcome) return lines;
  const format::Outcome& o = t.outcome;
  if (o.kind == K::kDeadlock || o.kind == K::kStopped) {
    for (const format::BlockedThread& b : o.blocked) {
      QString line = data.ThreadLabel(b.tid);
      line += o.kind == K::kDeadlock ? QStringLiteral(" waits in ") : QStringLiteral(" is at ");
      line += QString::fromLatin1(format::EventKindName(b.kind));
      if (b.obj != 0) line += QStringLiteral(" on ") + data.ObjectLabel(b.obj);
      if (b.holder >= 0) line += QStringLiteral(" held by T%1").arg(b.holder);
      QString where = QString::fromStdString(format::DescribeLocation(t, b.stack));
      if (!where.isEmpty()) line += QStringLiteral(" — ") + where;
      lines << line;
    }
  }
  if (o.crash) {
    if (!o.crash->instruction.empty()) {
      lines << QStringLiteral("faulting instruction at 0x%1: %2")
                   .arg(o.crash->ip, 0, 16)
                   .arg(QString::fromStdString(o.crash->instruction));
    }
  }
  if (o.diverged) {
    lines << QStringLiteral("diverged at event %1: %2")
                 .arg(o.divergence_index)
                 .arg(QString::fromStdString(o.divergence));
  }
  if (!o.message.empty()) lines << QString::fromStdString(o.message);
  return lines;
}

std::shared_ptr<TraceData> BuildTraceData(format::Trace trace, const QString& path) {
  QElapsedTimer timer;
  timer.start();
  auto data = std::make_shared<TraceData>();
  data->path = path;
  data->trace = std::move(trace);
  const format::Trace& t = data->trace;
  size_t threads = t.threads.size();
  for (const format::Event& e : t.events) threads = std::max<size_t>(threads, e.tid + 1);
  data->lanes.resize(threads);
  for (size_t i = 0; i < threads; ++i) {
    data->lanes[i].tid = static_cast<uint32_t>(i);
    data->lanes[i].label = data->ThreadLabel(static_cast<uint32_t>(i));
  }
  size_t blocks = (t.events.size() + kLodBlock - 1) / kLodBlock;
  for (Lane& lane : data->lanes) lane.masks.assign(1, std::vector<uint8_t>(blocks, 0));
  for (size_t i = 0; i < t.events.size(); ++i) {
    const format::Event& e = t.events[i];
    Lane& lane = data->lanes[e.tid];
    lane.events.push_back(static_cast<uint32_t>(i));
    lane.masks[0][i / kLodBlock] |=
        static_cast<uint8_t>(1u << static_cast<int>(CategoryOf(e.kind)));
    if (i > 0 && t.events[i - 1].tid != e.tid) data->switches.push_back(static_cast<uint32_t>(i));
  }
  for (Lane& lane : data->lanes) {
    while (lane.masks.back().size() > 1) {
      const std::vector<uint8_t>& below = lane.masks.back();
      std::vector<uint8_t> above((below.size() + 1) / 2, 0);
      for (size_t i = 0; i < below.size(); ++i) above[i / 2] |= below[i];
      lane.masks.push_back(std::move(above));
    }
  }
  data->conflicts = analysis::FindConflicts(t);
  for (const Conflict& c : data->conflicts) {
    data->max_conflict_span = std::max(data->max_conflict_span, c.second - c.first);
  }
  data->outcome = QString::fromStdString(format::DescribeOutcome(t));
  data->failed = t.has_outcome && IsFailure(t.outcome);
  data->load_seconds = static_cast<double>(timer.nsecsElapsed()) * 1e-9;
  return data;
}

Result<std::shared_ptr<const TraceData>> LoadTraceData(const QString& path) {
  QElapsedTimer timer;
  timer.start();
  // A trace cut inside a packet (its writer was killed) opens up to its last complete
  // packet; its outcome line says so ("interrupted: … file cut inside a packet at byte N").
  format::ReadOptions lenient;
  lenient.accept_truncated = true;
  Result<format::Trace> trace = format::ReadTrace(path.toStdString(), lenient);
  if (!trace.ok()) return trace.error();
  std::shared_ptr<TraceData> data = BuildTraceData(std::move(trace.value()), path);
  data->load_seconds = static_cast<double>(timer.nsecsElapsed()) * 1e-9;
  return std::shared_ptr<const TraceData>(std::move(data));
}

}  // namespace weft::gui
