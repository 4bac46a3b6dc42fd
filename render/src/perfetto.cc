// perfetto.cc — RenderPerfettoJson: the Chrome JSON trace event format.
#include "weft/perfetto.h"

#include <algorithm>

#include "weft/event_kinds.h"
#include "weft/json.h"
#include "weft/preemptions.h"
#include "weft/render.h"

namespace weft::render {
namespace {

using format::Event;
using format::Trace;

// A slice's virtual time is in ns; the format's ts and dur are in µs.
double Micros(uint64_t ns) { return static_cast<double>(ns) / 1000.0; }

uint32_t PidOf(const Trace& trace, uint32_t tid) {
  uint32_t pid = tid < trace.threads.size() ? trace.threads[tid].pid : 0;
  return pid == 0 ? 1 : pid;
}

// "mutex_lock · has_funds".
std::string SliceName(const Trace& trace, format::EventKind kind, uint32_t stack) {
  std::string name = format::EventKindName(kind);
  std::optional<format::SourceFrame> site =
      format::MeaningfulSourceFrame(trace, format::StackFrames(trace, stack));
  if (site && !site->function.empty()) name += " \u00b7 " + format::ShortName(site->function, 40);
  return name;
}

}  // namespace

std::string RenderPerfettoJson(const Trace& trace, const std::vector<PerfettoFlow>& flows) {
  const size_t n = trace.events.size();
  // Slice bounds: event i runs from its vtime to the next event's. A run whose clock did not
  // move between events (or went back, as a malformed trace may) gets 1 ns steps.
  std::vector<uint64_t> start(n + 1, 0);
  uint64_t last = 0;
  for (size_t i = 0; i < n; ++i) {
    uint64_t t = trace.events[i].vtime;
    start[i] = i == 0 ? t : std::max(t, last + 1);
    last = start[i];
  }
  start[n] = n == 0 ? 0 : last + 1000;  // the pending operations and the end of the run
  auto end_of = [&](size_t i) { return i + 1 < n ? start[i + 1] : start[n]; };
  analysis::Preemptions preemptions = analysis::FindPreemptions(trace);

  json::Writer w;
  w.BeginObject();
  w.Key("traceEvents").BeginArray();
  // Processes and threads, named and ordered.
  std::vector<uint32_t> pids;
  for (const format::Thread& t : trace.threads) {
    uint32_t pid = PidOf(trace, t.tid);
    if (std::find(pids.begin(), pids.end(), pid) == pids.end()) pids.push_back(pid);
  }
  if (pids.empty()) pids.push_back(1);
  std::string program = trace.header.argv.empty() ? std::string("program") : trace.header.argv[0];
  program = program.substr(program.rfind('/') == std::string::npos ? 0 : program.rfind('/') + 1);
  for (size_t p = 0; p < pids.size(); ++p) {
    w.BeginObject().Field("ph", "M").Field("name", "process_name").Field("pid", pids[p]);
    w.Field("tid", 0).Field("ts", 0);
    w.Key("args").BeginObject().Field("name", program + (p == 0 ? "" : " (forked)")).EndObject();
    w.EndObject();
    w.BeginObject().Field("ph", "M").Field("name", "process_sort_index").Field("pid", pids[p]);
    w.Field("tid", 0).Field("ts", 0);
    w.Key("args").BeginObject().Field("sort_index", static_cast<uint64_t>(p)).EndObject();
    w.EndObject();
  }
  for (const format::Thread& t : trace.threads) {
    std::string name = "T" + std::to_string(t.tid);
    std::string start_function = format::ShortName(t.start_function, 40);
    if (!t.name.empty()) name += " \"" + t.name + "\"";
    if (!start_function.empty()) name += " " + start_function;
    uint32_t pid = PidOf(trace, t.tid);
    w.BeginObject().Field("ph", "M").Field("name", "thread_name").Field("pid", pid);
    w.Field("tid", t.tid + 1).Field("ts", 0);
    w.Key("args").BeginObject().Field("name", name).EndObject();
    w.EndObject();
    w.BeginObject().Field("ph", "M").Field("name", "thread_sort_index").Field("pid", pid);
    w.Field("tid", t.tid + 1).Field("ts", 0);
    w.Key("args").BeginObject().Field("sort_index", t.tid).EndObject();
    w.EndObject();
  }
  // One slice per event.
  for (size_t i = 0; i < n; ++i) {
    const Event& e = trace.events[i];
    w.BeginObject().Field("ph", "X").Field("name", SliceName(trace, e.kind, e.stack));
    w.Field("cat", format::EventCategoryName(format::CategoryOf(e.kind)));
    w.Field("pid", PidOf(trace, e.tid)).Field("tid", e.tid + 1);
    w.Field("ts", Micros(start[i])).Field("dur", Micros(end_of(i) - start[i]));
    w.Key("args").BeginObject();
    w.Field("index", static_cast<uint64_t>(i));
    w.Field("event", format::EventKindName(e.kind));
    w.Field("object", e.obj == 0 ? std::string() : format::DescribeEventObject(trace, e));
    w.Field("location", format::DescribeLocation(trace, e.stack));
    w.Field("enabled", e.enabled);
    if (preemptions.preempted[i] >= 0)
      w.Field("preempts", "T" + std::to_string(preemptions.preempted[i]));
    w.EndObject();
    w.EndObject();
  }
  // The blocked threads' pending operations at a deadlock.
  for (const format::BlockedThread& b : trace.outcome.blocked) {
    w.BeginObject().Field("ph", "X").Field("name", "blocked: " + SliceName(trace, b.kind, b.stack));
    w.Field("cat", "blocked").Field("pid", PidOf(trace, b.tid)).Field("tid", b.tid + 1);
    w.Field("ts", Micros(start[n])).Field("dur", Micros(1000));
    w.Key("args").BeginObject();
    w.Field("event", format::EventKindName(b.kind));
    w.Field("object", b.obj == 0 ? std::string() : format::DescribeObject(trace, b.obj));
    w.Field("location", format::DescribeLocation(trace, b.stack));
    w.EndObject();
    w.EndObject();
  }
  // Flows: an arrow from the middle of one slice to the middle of the other.
  uint64_t id = 0;
  for (const PerfettoFlow& f : flows) {
    if (f.from >= n || f.to > n) continue;
    ++id;
    const Event& from = trace.events[f.from];
    uint64_t from_ts = start[f.from] + (end_of(f.from) - start[f.from]) / 2;
    uint32_t to_tid = f.to < n ? trace.events[f.to].tid : f.to_tid;
    uint64_t to_ts = f.to < n ? start[f.to] + (end_of(f.to) - start[f.to]) / 2 : start[n] + 500;
    w.BeginObject().Field("ph", "s").Field("id", id).Field("name", f.name).Field("cat", f.category);
    w.Field("pid", PidOf(trace, from.tid)).Field("tid", from.tid + 1).Field("ts", Micros(from_ts));
    w.EndObject();
    w.BeginObject().Field("ph", "f").Field("bp", "e").Field("id", id).Field("name", f.name);
    w.Field("cat", f.category).Field("pid", PidOf(trace, to_tid)).Field("tid", to_tid + 1);
    w.Field("ts", Micros(to_ts));
    w.EndObject();
  }
  // The outcome, at the end of the run.
  if (trace.has_outcome) {
    w.BeginObject().Field("ph", "i").Field("s", "g").Field("name", format::DescribeOutcome(trace));
    w.Field("cat", "outcome").Field("pid", pids[0]).Field("tid", 1);
    w.Field("ts", Micros(start[n])).EndObject();
  }
  w.EndArray();
  w.Field("displayTimeUnit", "ns");
  w.Key("otherData").BeginObject();
  std::string command;
  for (const std::string& a : trace.header.argv) command += (command.empty() ? "" : " ") + a;
  w.Field("program", command);
  w.Field("outcome", format::DescribeOutcome(trace));
  w.Field("events", static_cast<uint64_t>(n));
  w.Field("clock", "virtual time of the run (ts in microseconds)");
  w.EndObject();
  w.EndObject();
  return w.TakeString() + "\n";
}

}  // namespace weft::render
