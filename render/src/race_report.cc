// race_report.cc — ThreadSanitizer-shaped race reports and the `races` JSON.
// NB: the text follows TSan's (gcc 12's libtsan and clang 14's runtime print the same
// lines): tools grep "WARNING: ThreadSanitizer: data race", "(Previous )?(atomic )?(Read|
// Write) of size N at 0xADDR by (main thread|thread TN)", frames "#N function file:line
// (module+0xoffset)" and "SUMMARY: ThreadSanitizer: data race file:line in function". Keep
// those lines as they are; weft's own additions go in the parentheses of the WARNING line.
#include "weft/race_report.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text.h"
#include "weft/render.h"

namespace weft::render {
namespace {

using analysis::Race;
using analysis::RaceAccess;
using format::SourceFrame;
using format::Trace;
using internal::Hex;

constexpr const char* kRule = "==================\n";

std::string Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// "main thread", "thread T2".
std::string ThreadWord(uint32_t tid) {
  return tid == 0 ? "main thread" : "thread " + internal::ThreadName(tid);
}

// The source frames of a stack without weft's own frames.
std::vector<SourceFrame> ShownFrames(const Trace& trace, uint32_t stack) {
  std::vector<SourceFrame> out;
  for (const SourceFrame& f : format::SourceFrames(trace, format::StackFrames(trace, stack))) {
    if (!format::IsWeftFrame(*f.frame)) out.push_back(f);
  }
  return out;
}

// "file:line", "" when the frame has no source line.
std::string FileLine(const SourceFrame& f) {
  if (f.file.empty()) return "";
  return std::string(f.file) + (f.line != 0 ? ":" + std::to_string(f.line) : "");
}

// "(counter+0x1196)", "(0x7ffff7c8a0aa)" outside any module.
std::string ModuleOffset(const SourceFrame& f) {
  if (f.frame->module.empty()) return "(" + Hex(f.frame->ip) + ")";
  return "(" + Basename(f.frame->module) + "+" + Hex(f.frame->offset) + ")";
}

// TSan's frame lines: "    #0 worker /src/counter.c:12 (counter+0x1196)".
std::string StackText(const Trace& trace, uint32_t stack) {
  std::vector<SourceFrame> frames = ShownFrames(trace, stack);
  if (frames.empty()) return "    <empty stack>\n";
  std::string out;
  for (size_t i = 0; i < frames.size(); ++i) {
    const SourceFrame& f = frames[i];
    std::string function = f.function.empty() ? "<null>" : format::ShortName(f.function);
    std::string where = FileLine(f);
    out += "    #" + std::to_string(i) + " " + function + " " + (where.empty() ? "<null>" : where) +
           " " + ModuleOffset(f) + "\n";
  }
  return out;
}

std::string AccessWords(const RaceAccess& a) {
  std::string kind = a.write ? "write" : "read";
  return (a.atomic ? "atomic " + kind : kind) + " of size " + std::to_string(a.size) + " at " +
         Hex(a.address) + " by " + ThreadWord(a.tid);
}

// Index of thread `tid`'s event of `kind`, or events.size().
uint64_t FindEvent(const Trace& trace, uint32_t tid, format::EventKind kind, int64_t arg,
                   bool match_arg) {
  for (uint64_t i = 0; i < trace.events.size(); ++i) {
    const format::Event& e = trace.events[i];
    if (e.kind != kind) continue;
    if (match_arg ? e.arg == arg : e.tid == tid) return i;
  }
  return trace.events.size();
}

// "Thread T2 (running) created by main thread at:" and the stack of its creation.
std::string ThreadText(const Trace& trace, uint32_t tid, uint64_t at) {
  uint64_t exit = FindEvent(trace, tid, format::EventKind::kThreadExit, 0, false);
  const char* state = exit < at ? "finished" : "running";
  uint64_t create = FindEvent(trace, tid, format::EventKind::kThreadCreate, tid, true);
  std::string out = "  Thread " + internal::ThreadName(tid) + " (" + state + ")";
  if (create < trace.events.size()) {
    const format::Event& c = trace.events[create];
    out += " created by " + ThreadWord(c.tid) + " at:\n" + StackText(trace, c.stack);
  } else {
    out += " created at:\n    <empty stack>\n";
  }
  return out;
}

// The global holding an access's first byte ("count", "table+16"), "" if none: the name at
// the access's own bytes, which may be another global than the granule's first.
std::string GlobalOfAccess(const Trace& trace, const RaceAccess& a) {
  uint32_t obj = 0;
  if (a.prior < 0 && a.event < trace.events.size()) {
    obj = trace.events[a.event].obj;
  } else if (a.prior >= 0 && static_cast<size_t>(a.prior) < trace.prior_accesses.size()) {
    uint64_t attached = trace.prior_accesses[static_cast<size_t>(a.prior)].event_index;
    if (attached < trace.events.size()) obj = trace.events[attached].obj;
  }
  if (obj == 0 || obj >= trace.objects.size()) return "";
  uint64_t base = trace.objects[obj].address;
  uint64_t offset = a.address > base ? std::min<uint64_t>(a.address - base, UINT32_MAX) : 0;
  return format::GlobalAt(trace, obj, static_cast<uint32_t>(offset));
}

// "  Location is global 'count' at 0x404040 (counter+0x4040)" when the access has a symbol.
std::string LocationText(const Trace& trace, const RaceAccess& a) {
  std::string global = GlobalOfAccess(trace, a);
  if (global.empty()) return "";
  std::string out = "  Location is global '" + global + "' at " + Hex(a.address);
  for (const format::Module& m : trace.modules) {
    if (a.address >= m.base && a.address - m.base < m.size) {
      out += " (" + Basename(m.path) + "+" + Hex(a.address - m.base) + ")";
      break;
    }
  }
  return out + "\n\n";
}

std::string EventWords(const Trace& trace, const RaceAccess& a) {
  if (a.prior < 0) return "#" + std::to_string(a.event);
  if (a.event >= trace.events.size()) {
    return "an earlier access of " + internal::ThreadName(a.tid);
  }
  return "an earlier access of " + internal::ThreadName(a.tid) + " after event #" +
         std::to_string(a.event);
}

void WriteAccessJson(json::Writer& w, const Trace& trace, const RaceAccess& a) {
  w.BeginObject();
  w.Field("tid", a.tid);
  w.Field("kind", a.write ? "write" : "read");
  w.Field("atomic", a.atomic);
  w.Field("address", a.address);
  w.Field("size", a.size);
  w.Field("pc", a.pc);
  if (a.prior < 0) {
    w.Field("event", a.event);
    w.NullField("after_event");
  } else {
    w.NullField("event");
    if (a.event < trace.events.size()) {
      w.Field("after_event", a.event);
    } else {
      w.NullField("after_event");
    }
  }
  w.Field("prior", a.prior >= 0);
  if (a.stack != 0) {
    w.Field("stack", a.stack);
  } else {
    w.NullField("stack");
  }
  w.Key("frames").BeginArray();
  for (const SourceFrame& f : ShownFrames(trace, a.stack)) {
    w.BeginObject()
        .Field("function", f.function)
        .Field("file", f.file)
        .Field("line", f.line)
        .Field("inlined", f.inlined)
        .Field("module", f.frame->module)
        .Field("offset", f.frame->offset)
        .Field("ip", f.frame->ip)
        .EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace

std::string RaceReportText(const Trace& trace, const Race& race, const std::string& trace_name) {
  const RaceAccess& cur = race.current;
  const RaceAccess& prev = race.previous;
  std::string out = kRule;
  out += "WARNING: ThreadSanitizer: data race (weft: ";
  if (!trace_name.empty()) out += "trace " + trace_name + ", ";
  out += prev.prior < 0 ? "events " + EventWords(trace, cur) + " and " + EventWords(trace, prev)
                        : "event " + EventWords(trace, cur) + " and " + EventWords(trace, prev);
  if (race.occurrences > 1) out += "; seen " + std::to_string(race.occurrences) + " times";
  out += ")\n";
  std::string first = AccessWords(cur);
  first[0] = static_cast<char>(first[0] - 'a' + 'A');
  out += "  " + first + ":\n" + StackText(trace, cur.stack) + "\n";
  out += "  Previous " + AccessWords(prev) + ":\n" + StackText(trace, prev.stack) + "\n";
  out += LocationText(trace, cur);
  for (uint32_t tid : {cur.tid, prev.tid}) {
    if (tid == 0) continue;  // TSan describes every thread but main
    out += ThreadText(trace, tid, cur.event) + "\n";
  }
  // SUMMARY: the first frame of the later access, as TSan's.
  std::vector<SourceFrame> frames = ShownFrames(trace, cur.stack);
  out += "SUMMARY: ThreadSanitizer: data race";
  if (!frames.empty()) {
    std::string where = FileLine(frames[0]);
    out += " " + (where.empty() ? ModuleOffset(frames[0]) : where);
    if (!frames[0].function.empty()) out += " in " + format::ShortName(frames[0].function);
  }
  out += "\n";
  out += kRule;
  return out;
}

std::string RaceReportsText(const Trace& trace, const std::vector<Race>& races,
                            const std::string& trace_name) {
  if (races.empty()) return "";
  std::string out;
  for (const Race& r : races) out += RaceReportText(trace, r, trace_name);
  out += "ThreadSanitizer: reported " + std::to_string(races.size()) + " warnings\n";
  return out;
}

void WriteRaceFields(json::Writer& w, const Trace& trace, const Race& r) {
  w.Field("address", r.current.address);
  w.Field("size", r.current.size);
  w.Field("occurrences", r.occurrences);
  std::string global = GlobalOfAccess(trace, r.current);
  if (global.empty()) {
    w.NullField("global");
  } else {
    w.Field("global", global);
  }
  w.Key("current");
  WriteAccessJson(w, trace, r.current);
  w.Key("previous");
  WriteAccessJson(w, trace, r.previous);
}

void WriteRacesJson(json::Writer& w, const Trace& trace, const std::vector<Race>& races) {
  w.BeginArray();
  for (const Race& r : races) {
    w.BeginObject();
    WriteRaceFields(w, trace, r);
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace weft::render
