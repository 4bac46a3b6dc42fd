// weft export — a trace in another tool's format: --perfetto, the Chrome JSON trace event
// format that ui.perfetto.dev opens.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "cli.h"
#include "trace_trust.h"
#include "weft/conflict_rank.h"
#include "weft/conflicts.h"
#include "weft/outcome.h"
#include "weft/perfetto.h"
#include "weft/render.h"
#include "weft/trace_io.h"
#include "why.h"

namespace weft::cli {
namespace {

constexpr const char* kUsage = R"(usage: weft export --perfetto [options] TRACE

Writes TRACE as a file that ui.perfetto.dev (Open trace file) and chrome://tracing
open: the Chrome JSON trace event format. A track per thread ("T1 withdraw"), in
one process per process of the run; a slice per operation on the virtual clock
(one thread runs at a time, so the slices tile the run), named by the operation
and the program's function, with the event's index, object, source line and
whether its decision preempted a thread in its arguments; the pending operations
of a deadlock after the last event; the outcome as a marker at the end; flow
arrows for the conflicting pairs as weft conflicts ranks them, and with
--critical for the critical pair (category "critical").

options:
  --perfetto      the format (the only one so far)
  -o, --output FILE  where to write it (default: TRACE without .weft, plus
                  .perfetto.json)
  --conflicts N   arrows for the first N ranked conflicting pairs (default 100;
                  0: none)
  --all           also pairs on thread handles (create, exit, join, detach)
  --critical      find the critical pair first (runs the program, as weft
                  explain does, on TRACE itself, up to --max-runs runs) and draw it
  --max-runs N    program runs for --critical at most (default 40)
  --force, --trust  as for weft explain (with --critical)
  -h, --help      show this help
)";

}  // namespace

int RunExport(const std::vector<std::string>& argv) {
  Args args(argv, false);
  if (args.Flag("--help") || args.Flag("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  bool perfetto = args.Flag("--perfetto");
  std::string output;
  args.Value("--output", &output, "-o");
  uint64_t max_conflicts = 100;
  args.Uint("--conflicts", &max_conflicts);
  bool all = args.Flag("--all");
  bool want_critical = args.Flag("--critical");
  uint64_t max_runs = 40;
  bool have_max_runs =
      args.Positive("--max-runs", &max_runs, "", "program runs at most, e.g. --max-runs 40");
  api::TraceTrust trust = TrustOptions(args);
  Status st = args.Finish();
  if (!st.ok()) return Fail("export", st.error().message + " (see weft export --help)");
  if (!perfetto)
    return Fail("export", "give the format to write: --perfetto (see weft export --help)");
  if (args.positional().size() != 1) return Fail("export", "give exactly one trace file");
  if (have_max_runs && !want_critical) {
    return Fail("export", "--max-runs is the budget of --critical: give both");
  }
  const std::string& path = args.positional()[0];
  if (output.empty()) output = TraceStem(path) + ".perfetto.json";
  Result<format::Trace> read = format::ReadTrace(path);
  if (!read.ok()) return Fail("export", read.error().message);
  const format::Trace& trace = read.value();

  std::vector<render::PerfettoFlow> flows;
  std::optional<analysis::Conflict> critical;
  if (want_critical) {
    if (!trace.has_outcome || !analysis::IsFailure(trace.outcome)) {
      return Fail("export", "--critical needs a failing run; " + path + " " +
                                format::DescribeOutcome(trace) + " (find one with weft explore)");
    }
    WhyOptions options;
    options.prefix = TraceStem(path) + "-explain";
    options.max_runs = max_runs;
    options.thread_pairs = all;
    options.minimize = false;  // the pair's events must be TRACE's
    options.trust = trust;
    Result<Why> why = FindWhy(trace, path, options, CliHost());
    if (!why.ok()) return Fail("export", why.error().message);
    if (why->result.found) {
      critical = why->result.critical;
      render::PerfettoFlow f;
      f.from = why->first.index;
      f.to = why->second.pending ? trace.events.size() : why->second.index;
      f.to_tid = why->second.tid;
      f.category = "critical";
      f.name = "critical: " + WhySentence(why.value());
      flows.push_back(f);
    } else {
      Say("no critical pair found in " + Plural(why->result.runs, "run") +
          " (weft explain minimizes first); exporting without it");
    }
  }
  std::vector<analysis::Conflict> conflicts = analysis::FindConflicts(trace);
  analysis::ConflictRanking ranking =
      analysis::RankConflicts(trace, conflicts, critical ? &*critical : nullptr, all);
  uint64_t drawn = 0;
  for (const analysis::RankedConflict& r : ranking.order) {
    if (drawn >= max_conflicts) break;
    if (r.critical) continue;  // drawn above
    const analysis::Conflict& c = conflicts[r.index];
    render::PerfettoFlow f;
    f.from = c.first;
    f.to = c.second;
    f.to_tid = c.second_tid;
    f.category = "conflict";
    f.name = "conflict on " + format::DescribeObject(trace, c.obj);
    flows.push_back(f);
    ++drawn;
  }
  std::string text = render::RenderPerfettoJson(trace, flows);
  if (Status s = CreateParentDirectories(output); !s.ok()) return Fail("export", s.error().message);
  std::ofstream out(output, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return Fail("export", "cannot write '" + output + "': " + std::strerror(errno));
  Say("wrote " + output + ": " + Plural(trace.threads.size(), "thread") + ", " +
      Plural(trace.events.size(), "slice") + ", " + Plural(flows.size(), "arrow") +
      (critical ? " (the first the critical pair)" : "") +
      "; open it in ui.perfetto.dev (Open trace file) or chrome://tracing");
  return kExitOk;
}

}  // namespace weft::cli
