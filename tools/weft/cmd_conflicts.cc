// weft conflicts — the conflicting event pairs of a trace, with both stacks: where another
// schedule could have gone differently.
#include <cstdio>
#include <string>

#include "cli.h"
#include "weft/conflicts.h"
#include "weft/json.h"
#include "weft/render.h"
#include "weft/trace_io.h"

namespace weft::cli {
namespace {

constexpr const char* kUsage = R"(usage: weft conflicts [options] TRACE

Lists the conflicting pairs of a recorded run: two operations of different
threads on the same object (mutex, rwlock, spinlock, condition variable,
semaphore, barrier, once, futex word, thread handle, and in a program built
with `weft cc` an 8-byte granule of memory), at least one of which
changes it, that are not ordered by happens-before except through that object
(lock/unlock, signal/wake-up, post/wait, create/start, exit/join... of other
objects order them; the object's own edges do not). Each pair is a place where
another schedule could have run the two the other way round. Every pair is
shown with both stacks and a `weft permute` command that tries the reversal.

Only the closest pairs are listed, as a DPOR-style search reverses them: for
an operation and each other thread, that thread's latest earlier operation on
the object that conflicts with it; and each operation is paired with only the
earliest conflicting operation of a given later thread. A thread blocked at the
end of a deadlocked run takes part with its pending operation.

What changes an object: lock and unlock (a failed trylock or a timed-out lock
only reads it); rwlock write side (the read side reads); condition wait,
wake-up, signal and broadcast (a wait also releases its mutex and a wake-up
retakes it: such pairs are shown on the mutex); sem wait and post; barrier
arrival; once (the call running the init, and its end); futex wake, wait and
wake-up (a wait that found another value reads); thread create, exit, join,
detach; a memory write (a read-modify-write, an atomic store), not a memory
read. Memory pairs show the bytes each side accessed; they are pairs of the
granule, so two sides may touch different bytes of it (the data races among
them are what `weft show` reports).

options:
  --json      print {"schema":"weft.conflicts/1", "conflicts":[{"object":...,
              "first":{...}, "second":{...}, "reversal":{...}}], "count":N,
              "shown":N} (events with index, tid, kind, obj, object, access,
              flags, memory, location, stack of frames; see docs/JSON.md)
  --limit N   show at most N pairs (default: 50 as text, all as JSON; 0 = all)
  -h, --help  show this help
)";

constexpr size_t kTextLimit = 50;
constexpr size_t kShownFrames = 4;

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

// The event (or pending operation) on one side of a pair.
struct Side {
  bool pending = false;
  uint64_t index = 0;
  uint32_t tid = 0;
  format::EventKind kind = format::EventKind::kNone;
  uint32_t obj = 0;  // the operation's own object
  uint32_t flags = 0;
  uint32_t stack = 0;
  analysis::Access access = analysis::Access::kNone;
  int32_t blocked = -1;  // pending: its index in Outcome::blocked
};

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

std::string StackText(const format::Trace& trace, const Side& s) {
  std::vector<format::SourceFrame> frames = ProgramFrames(trace, s.stack);
  std::string out = "    T" + std::to_string(s.tid) +
                    (s.pending ? " pending" : " at #" + std::to_string(s.index)) + ":\n";
  if (frames.empty()) return out + "      (no stack recorded)\n";
  for (size_t i = 0; i < frames.size() && i < kShownFrames; ++i) {
    out += "      " + format::DescribeSourceFrame(frames[i]) +
           (frames[i].inlined ? " [inlined]" : "") + "\n";
  }
  if (frames.size() > kShownFrames) {
    out += "      ... " + std::to_string(frames.size() - kShownFrames) + " more frames\n";
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

}  // namespace

int RunConflicts(const std::vector<std::string>& argv) {
  Args args(argv, false);
  if (args.Flag("--help") || args.Flag("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  bool json = args.Flag("--json");
  uint64_t limit = 0;
  bool have_limit = args.Uint("--limit", &limit);
  Status st = args.Finish();
  if (!st.ok()) return Fail("conflicts", st.error().message + " (see weft conflicts --help)");
  if (args.positional().size() != 1) return Fail("conflicts", "give exactly one trace file");
  const std::string& path = args.positional()[0];
  Result<format::Trace> read = format::ReadTrace(path);
  if (!read.ok()) return Fail("conflicts", read.error().message);
  const format::Trace& trace = read.value();
  std::vector<analysis::Conflict> conflicts = analysis::FindConflicts(trace);
  size_t shown = conflicts.size();
  size_t max_shown = have_limit ? limit : (json ? 0 : kTextLimit);
  if (max_shown != 0 && shown > max_shown) shown = max_shown;

  if (json) {
    json::Writer w;
    w.BeginObject();
    w.Field("schema", kSchemaConflicts);
    w.Key("conflicts").BeginArray();
    for (size_t i = 0; i < shown; ++i) {
      const analysis::Conflict& c = conflicts[i];
      w.BeginObject();
      w.Field("obj", c.obj);
      w.Field("object", format::DescribeObject(trace, c.obj));
      w.Key("first");
      SideJson(w, trace, FirstSide(trace, c));
      w.Key("second");
      SideJson(w, trace, SecondSide(trace, c));
      w.Key("reversal").BeginObject().Field("at", c.reversal).Field("thread", c.second_tid);
      w.EndObject();
      w.EndObject();
    }
    w.EndArray();
    w.Field("count", static_cast<uint64_t>(conflicts.size()));
    w.Field("shown", static_cast<uint64_t>(shown));
    w.EndObject();
    std::printf("%s\n", w.TakeString().c_str());
    return kExitOk;
  }

  std::string out;
  if (conflicts.empty()) {
    out = "no conflicting pairs in " + path + " (" + Plural(trace.events.size(), "event") +
          "): every two operations of different threads on one object are ordered\n";
  } else {
    out = std::to_string(conflicts.size()) + " conflicting pair" +
          (conflicts.size() == 1 ? "" : "s") + " in " + path + " (" +
          Plural(trace.events.size(), "event") + ")\n";
  }
  for (size_t i = 0; i < shown; ++i) {
    const analysis::Conflict& c = conflicts[i];
    Side first = FirstSide(trace, c);
    Side second = SecondSide(trace, c);
    out += "\n" + SideLine(trace, first, c.obj) + "\n";
    out += "  <-> " + SideLine(trace, second, c.obj) + "\n";
    if (first.stack != 0 || second.stack != 0) {
      out += StackText(trace, first);
      out += StackText(trace, second);
    }
    out += "  reverse: weft permute " + ShellQuote(path) + " --at " + std::to_string(c.reversal) +
           " --thread T" + std::to_string(c.second_tid) + "\n";
  }
  if (shown < conflicts.size()) {
    out += "\n... " + std::to_string(conflicts.size() - shown) + " more (--limit 0 shows all)\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace weft::cli
