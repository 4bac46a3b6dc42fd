// weft conflicts — the conflicting event pairs of a trace, with both stacks: where another
// schedule could have gone differently.
#include <algorithm>
#include <cstdio>
#include <optional>
#include <string>

#include "cli.h"
#include "pair_text.h"
#include "trace_trust.h"
#include "weft/conflict_rank.h"
#include "weft/conflicts.h"
#include "weft/json.h"
#include "weft/outcome.h"
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

The list is ranked: the critical pair first (with --critical: the pair whose
reversal turns the failure into a pass, as weft explain finds it), then pairs
that involve the failing thread (a crash's thread, a deadlock's blocked
threads, else the thread of the last event) near the failure, then the rest,
nearest the end of the run first. Pairs on thread handles (create, exit, join,
detach) are left out unless --all is given.

options:
  --json      print {"schema":"weft.conflicts/1", "conflicts":[{"object":...,
              "first":{...}, "second":{...}, "reversal":{...}, "rank":N,
              "critical":B, "failing_thread":B}], "count":N, "shown":N,
              "hidden":N, "failing_threads":[...], "critical_found":B} (events
              with index, tid, kind, obj, object, access, flags, memory,
              location, stack of frames; see docs/JSON.md)
  --limit N   show at most N pairs (default: 50 as text, all as JSON; 0 = all)
  --all       also list the pairs on thread handles (create, exit, join, detach)
  --pair I,J  show the one pair of events I and J in detail: both whole stacks,
              its place in the ranking, the events of other threads between
              them and the permute command (J may be the number of events: a
              thread blocked at the end of a deadlocked run)
  --critical  find the critical pair first (runs the program as weft explain
              does, on TRACE itself, up to --max-runs runs; the two runs it
              compares are saved as TRACE-explain-fail.weft and -pass.weft)
  --max-runs N  program runs for --critical at most (default 40)
  --force, --trust  as for weft explain (with --critical)
  -h, --help  show this help
)";

constexpr size_t kTextLimit = 50;

// "5,9" -> (5, 9).
bool ParsePair(const std::string& text, uint64_t* first, uint64_t* second) {
  size_t comma = text.find(',');
  if (comma == std::string::npos || comma == 0 || comma + 1 >= text.size()) return false;
  auto number = [](const std::string& part, uint64_t* out) {
    if (part.empty() || part.find_first_not_of("0123456789") != std::string::npos) return false;
    *out = std::stoull(part);
    return true;
  };
  return number(text.substr(0, comma), first) && number(text.substr(comma + 1), second);
}

// "[critical] ", "[failing thread] " or "".
std::string RankTag(const analysis::RankedConflict& r) {
  if (r.critical) return "[critical: reversing it passes, the control fails as recorded]\n";
  if (r.failing_thread) return "[failing thread, near the failure]\n";
  return "";
}

std::string ThreadList(const std::vector<uint32_t>& tids) {
  std::string out;
  for (uint32_t t : tids) out += (out.empty() ? "T" : ", T") + std::to_string(t);
  return out;
}

// The critical pair by weft explain's search on `trace` itself (no minimizing: the indexes
// must be this trace's).
Result<search::ExplainResult> FindCritical(const format::Trace& trace, const std::string& path,
                                           uint64_t max_runs, bool all,
                                           const api::TraceTrust& trust) {
  api::ExplainOptions options;
  options.control_output = TraceStem(path) + "-explain-fail.weft";
  options.passing_output = TraceStem(path) + "-explain-pass.weft";
  options.max_runs = max_runs;
  options.thread_pairs = all;
  options.trust = trust;
  api::Host host = CliHost();
  return api::Explain(trace, path, options, host);
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
  bool all = args.Flag("--all");
  std::string pair_text;
  bool have_pair = args.Value("--pair", &pair_text);
  bool want_critical = args.Flag("--critical");
  uint64_t max_runs = 40;
  bool have_max_runs =
      args.Positive("--max-runs", &max_runs, "", "program runs at most, e.g. --max-runs 40");
  api::TraceTrust trust = TrustOptions(args);
  Status st = args.Finish();
  if (!st.ok()) return Fail("conflicts", st.error().message + " (see weft conflicts --help)");
  if (args.positional().size() != 1) return Fail("conflicts", "give exactly one trace file");
  if (have_max_runs && !want_critical) {
    return Fail("conflicts", "--max-runs is the budget of --critical: give both");
  }
  uint64_t pair_first = 0, pair_second = 0;
  if (have_pair && !ParsePair(pair_text, &pair_first, &pair_second)) {
    return Fail("conflicts",
                "--pair takes two event indexes, I,J (e.g. --pair 5,9), not '" + pair_text + "'");
  }
  const std::string& path = args.positional()[0];
  Result<format::Trace> read = format::ReadTrace(path);
  if (!read.ok()) return Fail("conflicts", read.error().message);
  const format::Trace& trace = read.value();
  std::vector<analysis::Conflict> conflicts = analysis::FindConflicts(trace);
  // A free recording's pairs are in its recorded order, which no decision of weft's made:
  // permute cannot reverse them there; explore --from does, around that order.
  const bool free_trace = trace.header.mode == format::Mode::kFree;
  const std::string free_note =
      "a free recording: the pairs are in its recorded order (happens-before from its "
      "synchronization events); weft permute cannot reverse them in it: weft explore --from " +
      ShellQuote(path) + " reverses them around that order and saves a controlled trace\n";

  std::optional<search::ExplainResult> critical;
  if (want_critical) {
    if (!trace.has_outcome || !analysis::IsFailure(trace.outcome)) {
      return Fail("conflicts", "--critical needs a failing run; " + path + " " +
                                   format::DescribeOutcome(trace) +
                                   " (find one with weft explore)");
    }
    Result<search::ExplainResult> found = FindCritical(trace, path, max_runs, all, trust);
    if (!found.ok()) return Fail("conflicts", found.error().message);
    critical = found.value();
    if (!json) {
      Say(critical->found ? "critical pair found in " + Plural(critical->runs, "run") +
                                " (weft explain TRACE says more)"
                          : "no critical pair among the pairs tried in " +
                                Plural(critical->runs, "run") + " (weft explain minimizes first)");
    }
  }
  const analysis::Conflict* critical_pair =
      critical && critical->found ? &critical->critical : nullptr;
  analysis::ConflictRanking ranking = analysis::RankConflicts(trace, conflicts, critical_pair, all);

  std::vector<analysis::RankedConflict> listed = ranking.order;
  size_t rank_of_pair = 0;
  if (have_pair) {
    listed.clear();
    for (size_t i = 0; i < ranking.order.size(); ++i) {
      const analysis::Conflict& c = conflicts[ranking.order[i].index];
      if (c.first == pair_first && c.second == pair_second) {
        listed.push_back(ranking.order[i]);
        rank_of_pair = i + 1;
        break;
      }
    }
    if (listed.empty()) {
      bool hidden = false;
      for (const analysis::Conflict& c : conflicts) {
        hidden = hidden || (c.first == pair_first && c.second == pair_second);
      }
      return Fail("conflicts",
                  "events " + std::to_string(pair_first) + " and " + std::to_string(pair_second) +
                      " of " + path + " are not a conflicting pair" +
                      (hidden ? " listed without --all (it is on a thread handle: add --all)"
                              : " (weft conflicts " + ShellQuote(path) + " lists them)"));
    }
  }
  size_t shown = listed.size();
  size_t max_shown = have_limit ? limit : (json ? 0 : kTextLimit);
  if (max_shown != 0 && shown > max_shown) shown = max_shown;

  if (json) {
    json::Writer w;
    w.BeginObject();
    w.Field("schema", kSchemaConflicts);
    w.Key("conflicts").BeginArray();
    for (size_t i = 0; i < shown; ++i) {
      const analysis::Conflict& c = conflicts[listed[i].index];
      w.BeginObject();
      w.Field("obj", c.obj);
      w.Field("object", format::DescribeObject(trace, c.obj));
      w.Key("first");
      SideJson(w, trace, FirstSide(trace, c));
      w.Key("second");
      SideJson(w, trace, SecondSide(trace, c));
      w.Key("reversal").BeginObject().Field("at", c.reversal).Field("thread", c.second_tid);
      w.EndObject();
      w.Field("rank", static_cast<uint64_t>(have_pair ? rank_of_pair : i + 1));
      w.Field("critical", listed[i].critical);
      w.Field("failing_thread", listed[i].failing_thread);
      w.EndObject();
    }
    w.EndArray();
    w.Field("count", static_cast<uint64_t>(ranking.order.size()));
    w.Field("shown", static_cast<uint64_t>(shown));
    w.Field("hidden", ranking.hidden);
    w.Key("failing_threads").BeginArray();
    for (uint32_t t : ranking.failing_threads) w.Uint(t);
    w.EndArray();
    if (critical)
      w.Field("critical_found", critical->found);
    else
      w.NullField("critical_found");
    w.EndObject();
    std::printf("%s\n", w.TakeString().c_str());
    return kExitOk;
  }

  std::string out;
  if (have_pair) {
    const analysis::RankedConflict& r = listed[0];
    const analysis::Conflict& c = conflicts[r.index];
    Side first = FirstSide(trace, c);
    Side second = SecondSide(trace, c);
    out = "conflicting pair on " + format::DescribeObject(trace, c.obj) + " in " + path + ":\n";
    out += "  first:  " + SideLine(trace, first, c.obj) + "  (" +
           analysis::AccessName(c.first_access) + ")\n";
    out += "  second: " + SideLine(trace, second, c.obj) + "  (" +
           analysis::AccessName(c.second_access) + ")\n";
    out += "  rank " + std::to_string(rank_of_pair) + " of " +
           std::to_string(ranking.order.size()) +
           (r.critical         ? ": the critical pair"
            : r.failing_thread ? ": it involves the failing thread " +
                                     ThreadList(ranking.failing_threads) + " near the failure"
                               : "") +
           "\n";
    // What the other threads did in between: what the reversal moves second's thread past.
    std::vector<std::string> between;
    uint64_t end = std::min<uint64_t>(c.second, trace.events.size());
    for (uint64_t i = c.first + 1; i < end; ++i) {
      const format::Event& e = trace.events[i];
      if (e.tid == c.second_tid) continue;
      Side s{false, i, e.tid, e.kind, e.obj, e.flags, e.stack};
      between.push_back("    " + SideLine(trace, s, e.obj));
    }
    out += "  between them, " + Plural(between.size(), "event") + " of other threads";
    out += between.empty() ? "\n" : ":\n";
    constexpr size_t kBetweenShown = 20;
    for (size_t i = 0; i < between.size() && i < kBetweenShown; ++i) out += between[i] + "\n";
    if (between.size() > kBetweenShown) {
      out += "    ... " + std::to_string(between.size() - kBetweenShown) + " more\n";
    }
    out += "  stacks:\n" + StackText(trace, first, 0) + StackText(trace, second, 0);
    if (free_trace) {
      out += "  " + free_note;
    } else {
      out += "  reverse: weft permute " + ShellQuote(path) + " --at " + std::to_string(c.reversal) +
             " --thread T" + std::to_string(c.second_tid) + "\n";
    }
    std::fwrite(out.data(), 1, out.size(), stdout);
    return kExitOk;
  }
  if (ranking.order.empty()) {
    out = "no conflicting pairs in " + path + " (" + Plural(trace.events.size(), "event") + ")" +
          (ranking.hidden != 0 ? " but " + Plural(ranking.hidden, "pair") +
                                     " on thread handles (--all lists them)\n"
                               : ": every two operations of different threads on one object "
                                 "are ordered\n");
  } else {
    out = std::to_string(ranking.order.size()) + " conflicting pair" +
          (ranking.order.size() == 1 ? "" : "s") + " in " + path + " (" +
          Plural(trace.events.size(), "event") + ")";
    if (ranking.hidden != 0) {
      out += "; " + std::to_string(ranking.hidden) + " more on thread handles (--all lists them)";
    }
    out += "\n";
    if (!ranking.failing_threads.empty()) {
      out += "ranked: " + std::string(critical_pair ? "the critical pair, then " : "") +
             "those of the failing thread" + (ranking.failing_threads.size() == 1 ? " " : "s ") +
             ThreadList(ranking.failing_threads) +
             " near the failure, then the rest, nearest the end first" +
             (critical || free_trace ? "" : " (--critical finds the critical pair)") + "\n";
    } else {
      out += "ranked: nearest the end of the run first\n";
    }
    if (free_trace) out += free_note;
  }
  for (size_t i = 0; i < shown; ++i) {
    const analysis::Conflict& c = conflicts[listed[i].index];
    Side first = FirstSide(trace, c);
    Side second = SecondSide(trace, c);
    out += "\n" + RankTag(listed[i]) + SideLine(trace, first, c.obj) + "\n";
    out += "  <-> " + SideLine(trace, second, c.obj) + "\n";
    if (first.stack != 0 || second.stack != 0) {
      out += StackText(trace, first);
      out += StackText(trace, second);
    }
    if (!free_trace) {
      out += "  reverse: weft permute " + ShellQuote(path) + " --at " + std::to_string(c.reversal) +
             " --thread T" + std::to_string(c.second_tid) + "\n";
    }
  }
  if (shown < listed.size()) {
    out += "\n... " + std::to_string(listed.size() - shown) + " more (--limit 0 shows all)\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace weft::cli
