// weft conflicts — the conflicting event pairs of a trace, with both stacks: where another
// schedule could have gone differently.
#include <cstdio>
#include <string>

#include "cli.h"
#include "pair_text.h"
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
