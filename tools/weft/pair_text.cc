// pair_text.cc — one side of a pair of operations as weft conflicts and weft explain print it.
#include "pair_text.h"

#include <cstdio>

namespace weft::cli {
namespace {

bool IsMemory(format::EventKind kind) {
  return kind == format::EventKind::kMemRead || kind == format::EventKind::kMemWrite;
}

// The bytes a memory access touched: its address (granule + offset) and size.
struct Bytes {
  uint64_t address = 0;
  uint32_t size = 0;
  bool atomic = false;
};
Bytes BytesOf(const format::Trace& trace, const format::Event& e) {
  format::MemoryArg m = format::DecodeMemoryArg(e.arg);
  uint64_t base = e.obj < trace.objects.size() ? trace.objects[e.obj].address : 0;
  return Bytes{base + m.offset, m.size, (e.flags & format::kFlagAtomic) != 0};
}

}  // namespace

// The source frames of a stack (inlined calls expanded) without weft's own.
std::vector<format::SourceFrame> ProgramFrames(const format::Trace& trace, uint32_t stack) {
  std::vector<format::SourceFrame> frames;
  const std::vector<uint32_t>& ids = format::StackFrames(trace, stack);
  for (const format::SourceFrame& f : format::SourceFrames(trace, ids)) {
    uint32_t id = ids[f.index];
    if (id == 0 || id >= trace.frames.size()) continue;
    if (!format::IsWeftFrame(*f.frame)) frames.push_back(f);
  }
  return frames;
}

Side FirstSide(const format::Trace& trace, const analysis::Conflict& c) {
  const format::Event& e = trace.events[c.first];
  return Side{false, c.first, e.tid, e.kind, e.obj, e.flags, e.stack, c.first_access};
}

Side SecondSide(const format::Trace& trace, const analysis::Conflict& c) {
  if (c.blocked >= 0) {
    const format::BlockedThread& b = trace.outcome.blocked[static_cast<size_t>(c.blocked)];
    return Side{true, c.second, b.tid, b.kind, b.obj, 0, b.stack, c.second_access, c.blocked};
  }
  const format::Event& e = trace.events[c.second];
  return Side{false, c.second, e.tid, e.kind, e.obj, e.flags, e.stack, c.second_access};
}

// "#5 T1 mutex_unlock mutex#3 account_lock  withdraw (withdraw_racy.c:32)"
std::string SideLine(const format::Trace& trace, const Side& s, uint32_t conflict_obj) {
  std::string line = s.pending ? "pending" : "#" + std::to_string(s.index);
  line += " T" + std::to_string(s.tid) + " " + format::EventKindName(s.kind);
  std::string flags = format::DescribeFlags(s.flags);
  if (!flags.empty()) line += " [" + flags + "]";
  if (s.obj != 0) line += " " + format::DescribeObject(trace, s.obj);
  if (s.obj != conflict_obj) {
    const char* how = s.kind == format::EventKind::kCondWait ? "releases " : "retakes ";
    line += " (" + std::string(how) + format::DescribeObject(trace, conflict_obj) + ")";
  }
  if (s.pending) line += " (blocked at the end of the run)";
  if (!s.pending && IsMemory(s.kind)) {
    Bytes b = BytesOf(trace, trace.events[s.index]);
    char text[96];
    std::snprintf(text, sizeof(text), " %u bytes at 0x%llx%s", b.size,
                  static_cast<unsigned long long>(b.address), b.atomic ? " atomic" : "");
    line += text;
  }
  std::string where = format::DescribeLocation(trace, s.stack);
  if (!where.empty()) line += "  " + where;
  return line;
}

std::string StackText(const format::Trace& trace, const Side& s, size_t max_frames) {
  std::vector<format::SourceFrame> frames = ProgramFrames(trace, s.stack);
  size_t shown_frames = max_frames == 0 ? frames.size() : max_frames;
  std::string out = "    T" + std::to_string(s.tid) +
                    (s.pending ? " pending" : " at #" + std::to_string(s.index)) + ":\n";
  if (frames.empty()) return out + "      (no stack recorded)\n";
  for (size_t i = 0; i < frames.size() && i < shown_frames; ++i) {
    out += "      " + format::DescribeSourceFrame(frames[i]) +
           (frames[i].inlined ? " [inlined]" : "") + "\n";
  }
  if (frames.size() > shown_frames) {
    out += "      ... " + std::to_string(frames.size() - shown_frames) + " more frames\n";
  }
  return out;
}

void SideJson(json::Writer& w, const format::Trace& trace, const Side& s) {
  w.BeginObject();
  if (s.pending) {
    w.NullField("index");
  } else {
    w.Field("index", s.index);
  }
  w.Field("pending", s.pending);
  if (s.pending)
    w.Field("blocked", s.blocked);
  else
    w.NullField("blocked");
  w.Field("tid", s.tid);
  w.Field("kind", format::EventKindName(s.kind));
  w.Field("obj", s.obj);
  w.Field("object", format::DescribeObject(trace, s.obj));
  w.Field("access", analysis::AccessName(s.access));
  w.Key("flags").BeginArray();
  std::string flags = format::DescribeFlags(s.flags);
  for (size_t start = 0; !flags.empty() && start <= flags.size();) {
    size_t comma = flags.find(',', start);
    if (comma == std::string::npos) comma = flags.size();
    w.String(flags.substr(start, comma - start));
    start = comma + 1;
  }
  w.EndArray();
  if (!s.pending && IsMemory(s.kind)) {
    Bytes b = BytesOf(trace, trace.events[s.index]);
    w.Key("memory").BeginObject();
    w.Field("address", b.address).Field("size", b.size).Field("atomic", b.atomic);
    w.EndObject();
  } else {
    w.NullField("memory");
  }
  w.Field("location", format::DescribeLocation(trace, s.stack));
  w.Key("stack").BeginArray();
  for (const format::SourceFrame& f : ProgramFrames(trace, s.stack)) {
    w.BeginObject()
        .Field("function", f.function)
        .Field("file", f.file)
        .Field("line", f.line)
        .Field("module", f.frame->module)
        .Field("ip", f.frame->ip)
        .Field("inlined", f.inlined)
        .EndObject();
  }
  w.EndArray();
  w.EndObject();
}

}  // namespace weft::cli
