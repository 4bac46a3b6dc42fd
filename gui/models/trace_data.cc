// trace_data.cc — deriving what the views need from a trace, once, off the GUI thread.
#include "trace_data.h"

#include <QElapsedTimer>
#include <algorithm>
#include <cmath>
#include <optional>

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

namespace {

// Whether a source frame is in the program's own code: it has a source file that is not the
// toolchain's, its function is not a runtime's, its module is not a system library's or weft's.
bool IsProgramFrame(const format::SourceFrame& f) {
  if (f.file.empty() || format::IsToolchainSource(f.file)) return false;
  if (f.function.empty() || format::IsLibraryFunction(f.function)) return false;
  return f.frame && !format::IsSystemModule(f.frame->module) && !format::IsWeftFrame(*f.frame);
}

// A short function name for a label: format::ShortName without its parameter list
// ("has_funds(int)" → "has_funds"), which says nothing a lane or a box needs.
QString LabelName(std::string_view function) {
  QString name = QString::fromStdString(format::ShortName(function, 40));
  if (name.endsWith(QStringLiteral(" const"))) name.chop(6);
  if (name.endsWith(QLatin1Char(')'))) {
    int depth = 0;
    for (int i = static_cast<int>(name.size()) - 1; i > 0; --i) {
      if (name[i] == QLatin1Char(')')) ++depth;
      if (name[i] == QLatin1Char('(') && --depth == 0) {
        name.truncate(i);
        break;
      }
    }
  }
  return name.trimmed();
}

// Stacks looked at for a thread's body: those of its first few events.
constexpr size_t kBodyEvents = 8;

// ThreadName, given the indexes of the thread's events (ascending; the first few are used).
QString ThreadNameOf(const format::Trace& trace, uint32_t tid,
                     const std::vector<uint32_t>& events) {
  const format::Thread* thread = tid < trace.threads.size() ? &trace.threads[tid] : nullptr;
  if (thread && !thread->name.empty()) return QString::fromStdString(thread->name);
  if (thread && !thread->start_function.empty() &&
      !format::IsLibraryFunction(thread->start_function)) {
    return LabelName(thread->start_function);
  }
  // The thread's body: the outermost function of the program's own code in its first stacks.
  for (size_t k = 0; k < events.size() && k < kBodyEvents; ++k) {
    uint32_t stack = trace.events[events[k]].stack;
    if (stack == 0) continue;
    std::vector<format::SourceFrame> frames =
        format::SourceFrames(trace, format::StackFrames(trace, stack));
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
      if (IsProgramFrame(*it)) return LabelName(it->function);
    }
  }
  if (thread && !thread->start_function.empty()) return LabelName(thread->start_function);
  return QString();
}

}  // namespace

QString ThreadName(const format::Trace& trace, uint32_t tid) {
  std::vector<uint32_t> first;
  for (size_t i = 0; i < trace.events.size() && first.size() < kBodyEvents; ++i) {
    if (trace.events[i].tid == tid) first.push_back(static_cast<uint32_t>(i));
  }
  return ThreadNameOf(trace, tid, first);
}

QString SiteFunction(const format::Trace& trace, uint32_t stack) {
  if (stack == 0) return QString();
  std::optional<format::SourceFrame> site =
      format::MeaningfulSourceFrame(trace, format::StackFrames(trace, stack));
  if (!site || !IsProgramFrame(*site)) return QString();
  return LabelName(site->function);
}

QString RecordedOutput(const format::Trace& trace) {
  for (const format::ProgramOutput* out : {&trace.program_stdout, &trace.program_stderr}) {
    if (!out->captured) continue;
    QString text = QString::fromUtf8(out->data.data(), static_cast<qsizetype>(out->data.size()));
    const QStringList lines = text.split(QLatin1Char('\n'));
    for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
      QString line = it->trimmed();
      if (!line.isEmpty()) return line;
    }
  }
  return QString();
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

namespace {

// What a process is called on its lanes: the program it ran last and its pid.
QString ProcessTag(const format::Trace& t, uint32_t pid) {
  std::string program;
  for (const format::Process& p : t.processes) {
    if (p.pid != pid) continue;
    program = p.execs.empty() ? p.executable : p.execs.back().executable;
  }
  size_t slash = program.rfind('/');
  if (slash != std::string::npos) program = program.substr(slash + 1);
  QString tag = QString::fromStdString(program);
  return (tag.isEmpty() ? QString() : tag + QLatin1Char(' ')) + QString::number(pid);
}

}  // namespace

void GroupLanesByProcess(TraceData& data) {
  const format::Trace& t = data.trace;
  const size_t lanes = data.lanes.size();
  // (A thread the table does not hold, an event's tid past it, is the root's.)
  const uint32_t root = t.threads.empty() ? 0 : t.threads[0].pid;
  auto pid_of = [&](size_t tid) { return tid < t.threads.size() ? t.threads[tid].pid : root; };
  std::vector<uint32_t> with_threads;  // the pids the threads name, in tid order
  for (size_t tid = 0; tid < lanes; ++tid) {
    uint32_t pid = pid_of(tid);
    if (std::find(with_threads.begin(), with_threads.end(), pid) == with_threads.end()) {
      with_threads.push_back(pid);
    }
  }
  data.lane_order.clear();
  if (with_threads.size() <= 1) {
    for (size_t tid = 0; tid < lanes; ++tid) data.lane_order.push_back(static_cast<uint32_t>(tid));
    return;
  }
  std::vector<uint32_t> pids;  // the trace's order, then any it does not list
  for (const format::Process& p : t.processes) pids.push_back(p.pid);
  for (uint32_t pid : with_threads) {
    if (std::find(pids.begin(), pids.end(), pid) == pids.end()) pids.push_back(pid);
  }
  for (uint32_t pid : pids) {
    QString tag = ProcessTag(t, pid);
    for (size_t tid = 0; tid < lanes; ++tid) {
      if (pid_of(tid) != pid) continue;
      data.lane_order.push_back(static_cast<uint32_t>(tid));
      data.lanes[tid].label += QStringLiteral(" \u00b7 ") + tag;
    }
  }
}

QString TraceData::ThreadLabel(uint32_t tid) const {
  QString label = QStringLiteral("T%1").arg(tid);
  if (tid < thread_names.size() && !thread_names[tid].isEmpty()) {
    label += QLatin1Char(' ') + thread_names[tid];
  }
  return label;
}

QString TraceData::BlockLabel(uint64_t index) const {
  if (index >= trace.events.size()) return QString();
  const format::Event& e = trace.events[index];
  // Thread events say what they do (create, join, …): their function is the thread's own.
  if (CategoryOf(e.kind) != EventCategory::kThread && e.stack < site_functions.size() &&
      !site_functions[e.stack].isEmpty()) {
    return site_functions[e.stack];
  }
  QString name = QString::fromLatin1(format::EventKindName(e.kind));
  int cut = name.indexOf(QLatin1Char('_'));
  return cut >= 0 ? name.mid(cut + 1) : name;
}

QString TraceData::ObjectLabel(uint32_t obj) const {
  return QString::fromStdString(format::DescribeObject(trace, obj));
}

QString TraceData::EventObjectLabel(uint64_t index) const {
  if (index >= trace.events.size()) return QString();
  return QString::fromStdString(format::DescribeEventObject(trace, trace.events[index]));
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

TimeLayout MakeTimeLayout(const TraceData& data) {
  TimeLayout layout;
  const std::vector<format::Event>& events = data.trace.events;
  if (events.empty() || !data.vtime_ascending) return layout;
  layout.origin_ns = events.front().vtime;
  std::vector<double> gaps;
  gaps.reserve(events.size());
  for (size_t i = 1; i < events.size(); ++i) {
    if (events[i].vtime > events[i - 1].vtime) {
      gaps.push_back(static_cast<double>(events[i].vtime - events[i - 1].vtime));
    }
  }
  if (!gaps.empty()) {
    auto middle = gaps.begin() + static_cast<ptrdiff_t>(gaps.size() / 2);
    std::nth_element(gaps.begin(), middle, gaps.end());
    layout.box = *middle;
  }
  auto starts = std::make_shared<std::vector<double>>();
  starts->reserve(events.size() + 3);
  for (const format::Event& e : events) {
    starts->push_back(static_cast<double>(e.vtime - layout.origin_ns));
  }
  for (int slot = 0; slot < 3; ++slot) starts->push_back(starts->back() + layout.box);
  layout.starts = std::move(starts);
  return layout;
}

std::vector<TimeTick> TimeTicks(const TraceData& data, const TimeLayout& layout,
                                const TimelineGeometry& geometry, double min_pixels) {
  std::vector<TimeTick> ticks;
  const std::vector<format::Event>& events = data.trace.events;
  if (events.empty()) return ticks;
  if (layout.starts && geometry.positioned()) {
    // Linear in time: one round step, ticks where their times are.
    double ns_per_pixel = geometry.span() / geometry.width();
    double step = TimelineGeometry::TickStep(ns_per_pixel, min_pixels);
    // Round in the run's own times, not from its first event's.
    auto origin = static_cast<double>(layout.origin_ns);
    double end = origin + geometry.start() + geometry.span() + 1e-9;
    for (double t = std::ceil((origin + geometry.start()) / step) * step; t <= end; t += step) {
      ticks.push_back({t - origin, static_cast<uint64_t>(std::llround(t))});
    }
    return ticks;
  }
  auto [first, last] = geometry.VisibleRange();
  last = std::min<uint64_t>(last, events.size());
  double step = TimelineGeometry::TickStep(geometry.IndexesPerPixel(), min_pixels);
  for (double tick = std::ceil(geometry.start() / step) * step; tick < static_cast<double>(last);
       tick += step) {
    ticks.push_back({tick, events[static_cast<size_t>(tick)].vtime});
  }
  return ticks;
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
  for (size_t i = 0; i < threads; ++i) data->lanes[i].tid = static_cast<uint32_t>(i);
  data->site_functions.resize(t.stacks.size());
  for (size_t id = 1; id < t.stacks.size(); ++id) {
    data->site_functions[id] = SiteFunction(t, static_cast<uint32_t>(id));
  }
  data->program_output = RecordedOutput(t);
  data->real_time = t.header.mode == format::Mode::kFree;
  size_t blocks = (t.events.size() + kLodBlock - 1) / kLodBlock;
  for (Lane& lane : data->lanes) lane.masks.assign(1, std::vector<uint8_t>(blocks, 0));
  for (size_t i = 0; i < t.events.size(); ++i) {
    const format::Event& e = t.events[i];
    Lane& lane = data->lanes[e.tid];
    lane.events.push_back(static_cast<uint32_t>(i));
    lane.masks[0][i / kLodBlock] |=
        static_cast<uint8_t>(1u << static_cast<int>(CategoryOf(e.kind)));
    if (i > 0 && t.events[i - 1].tid != e.tid) data->switches.push_back(static_cast<uint32_t>(i));
    if (i > 0 && t.events[i - 1].vtime > e.vtime) data->vtime_ascending = false;
  }
  data->thread_names.resize(threads);
  for (size_t i = 0; i < threads; ++i) {
    data->thread_names[i] = ThreadNameOf(t, static_cast<uint32_t>(i), data->lanes[i].events);
    data->lanes[i].label = data->ThreadLabel(static_cast<uint32_t>(i));
  }
  GroupLanesByProcess(*data);
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
