// weft explain — why a run failed: the pair of operations whose order turns the failure into
// a pass, shown with both stacks and two saved runs that differ only in that order.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "cli.h"
#include "pair_text.h"
#include "trace_trust.h"
#include "weft/json.h"
#include "weft/render.h"
#include "weft/trace_io.h"
#include "why.h"

namespace weft::cli {
namespace {

constexpr const char* kUsage = R"(usage: weft explain [options] TRACE

Names the critical reordering of a failing run: the two conflicting operations
(see weft conflicts) whose order decides the failure. For each conflicting pair,
nearest the end of the run first, two runs replay TRACE exactly up to the pair
and then go on without preemptions; they differ in one decision only: the
control runs the thread the trace ran there, the reversal the pair's other
thread. When the reversal passes and the control fails as TRACE did, that pair
is reported ("fails when T2 runs has_funds (bank.c:19) before T1's debit
(bank.c:26) ...; with T1's debit first it passes"), with both stacks, and both
runs are saved (with stacks) so that `weft replay` and `weft show` compare them.

When no pair of TRACE flips it, TRACE is minimized (fewest preemptions, same
failure) and the minimized run's pairs are tried; failing that, a bisection
between the (minimized) failing schedule and the run without preemptions finds
the one decision where running one thread rather than the other flips the
outcome (--bisect: only that). Run k replays the first k decisions and then
runs without preemptions; a binary search finds k with run k passing and run
k+1 failing, in O(log events) runs. JSON `method` says which found the pair.

What it claims: that this one choice flips the outcome, under the same prefix
and the same non-preemptive rest; not that no other pair matters. Without
stacks in TRACE, events are named by index only (explore keeps its failures
with stacks).

options:
  -o, --output PREFIX  the saved runs: PREFIX-fail.weft (control) and
                       PREFIX-pass.weft (reversal) (default: TRACE-explain)
  --max-runs N         program runs at most (default 80)
  --all                also try pairs on thread handles (create, exit, join)
  --bisect             only bisect: between TRACE's schedule and the run without
                       preemptions, find the one decision whose change flips the
                       outcome (otherwise done when no single pair's reversal of
                       TRACE or of its minimized run passes)
  --timeout S          kill a run after S seconds of real time (default: the
                       recorded run's limit, or 10)
  --json               print one JSON object on stdout (weft.explain/1, see
                       docs/JSON.md): found, method, critical {object, first, second,
                       between, reversal}, failing_trace, passing_trace,
                       failing_outcome, passing_outcome, runs, tried, candidates
  --progress FORMAT    text (default: a line on a terminal), or jsonl: one
                       weft.progress/1 object per run on stderr
  --force              run the program even if it changed since the recording
  --trust              run what the trace says even when its environment sets
                       loader variables (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, …)
  -h, --help           show this help

Exit status: 0 when a critical pair was found, 1 when none was within
--max-runs, 2 on errors (e.g. TRACE did not fail).
)";

}  // namespace

int RunExplain(const std::vector<std::string>& argv) {
  Args args(argv, false);
  if (args.Flag("--help") || args.Flag("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  std::string prefix;
  uint64_t max_runs = 80;
  double timeout = 10;
  args.Value("--output", &prefix, "-o");
  args.Positive("--max-runs", &max_runs, "", "program runs at most, e.g. --max-runs 80");
  bool all = args.Flag("--all");
  bool bisect = args.Flag("--bisect");
  bool have_timeout = args.Double("--timeout", &timeout);
  bool json = args.Flag("--json");
  api::TraceTrust trust = TrustOptions(args);
  Result<ProgressFormat> progress_format = ProgressOption(args);
  Status st = args.Finish();
  if (!st.ok()) return Fail("explain", st.error().message + " (see weft explain --help)");
  if (!progress_format.ok()) return Fail("explain", progress_format.error().message);
  bool jsonl = progress_format.value() == ProgressFormat::kJsonl;
  if (args.positional().size() != 1) return Fail("explain", "give exactly one trace file");
  const std::string& path = args.positional()[0];
  if (prefix.empty()) prefix = TraceStem(path) + "-explain";
  if (Status s = CreateParentDirectories(prefix); !s.ok())
    return Fail("explain", s.error().message);
  Result<format::Trace> read = format::ReadTrace(path);
  if (!read.ok()) return Fail("explain", read.error().message);

  WhyOptions options;
  options.prefix = prefix;
  options.max_runs = max_runs;
  options.thread_pairs = all;
  options.trust = trust;
  options.say = !json;
  options.bisect_only = bisect;
  if (have_timeout) options.timeout_seconds = timeout;
  bool tty = isatty(STDERR_FILENO) != 0 && !jsonl;
  double start = MonotonicSeconds();
  auto progress = [&](uint64_t runs, uint64_t tried, uint64_t candidates) {
    if (jsonl) {
      ProgressLine line;
      line.command = "explain";
      line.run = runs;
      line.runs = max_runs;
      line.elapsed_seconds = MonotonicSeconds() - start;
      PrintProgressJsonl(line);
      return;
    }
    if (json || !tty) return;
    std::fprintf(stderr, "\r\033[Kweft: %s, pair %llu of %llu", Plural(runs, "run").c_str(),
                 static_cast<unsigned long long>(tried),
                 static_cast<unsigned long long>(candidates));
  };
  api::Host host = CliHost();
  host.command = PrintTraceCommand;
  host.started = [&] {
    if (!json) {
      Say("explaining " + path + " (outcome: " + format::DescribeOutcome(read.value()) + ")");
    }
  };
  Result<Why> found = FindWhy(read.value(), path, options, host, progress);
  if (tty && !json) std::fputs("\r\033[K", stderr);
  if (!found.ok()) return Fail("explain", found.error().message);
  const Why& why = found.value();
  const search::ExplainResult* r = &why.result;
  const format::Trace& trace = why.trace();
  const std::string& explained = why.explained_path();
  const std::string& minimized_path = why.minimized_path;
  const analysis::Conflict& c = r->critical;
  const Side& first = why.first;
  const Side& second = why.second;
  const std::optional<Side>& between = why.between;
  bool late = why.late;
  std::string t1 = "T" + std::to_string(first.tid), t2 = "T" + std::to_string(second.tid);

  if (json) {
    json::Writer w;
    w.BeginObject();
    w.Field("schema", kSchemaExplain);
    w.Field("trace", path);
    w.Field("outcome", format::DescribeOutcome(read.value()));
    // The critical pair's event indexes are into this trace: TRACE, or its minimized run.
    w.Field("explained_trace", explained);
    if (minimized_path.empty())
      w.NullField("minimized_trace");
    else
      w.Field("minimized_trace", minimized_path);
    w.Field("found", r->found);
    if (r->found)
      w.Field("method", r->method);
    else
      w.NullField("method");
    if (r->found) {
      w.Key("critical");
      CriticalJson(w, why);
      w.Field("failing_trace", why.failing_trace);
      w.Field("passing_trace", why.passing_trace);
      w.Field("failing_outcome", format::DescribeOutcome(r->control_outcome));
      w.Field("passing_outcome", format::DescribeOutcome(r->passing_outcome));
    } else {
      w.NullField("critical");
      w.NullField("failing_trace");
      w.NullField("passing_trace");
      w.NullField("failing_outcome");
      w.NullField("passing_outcome");
    }
    w.Field("runs", r->runs);
    w.Field("tried", r->tried);
    w.Field("candidates", r->candidates);
    w.EndObject();
    std::printf("%s\n", w.TakeString().c_str());
    return r->found ? kExitOk : kExitFound;
  }

  if (!r->found) {
    Say("no single reordering explains it: of " + Plural(r->candidates, "conflicting pair") + ", " +
        std::to_string(r->tried) + " reversed in " + Plural(r->runs, "run") +
        ", none passed while its control failed" +
        (r->tried < r->candidates ? " (raise --max-runs to try the rest)" : "") +
        (all ? "" : "; --all also tries thread create/exit/join pairs"));
    return kExitFound;
  }
  std::string out = late ? "the failure happens before " + t2 + " gets to run:\n"
                         : "the failure depends on the order of two operations on " +
                               format::DescribeObject(trace, c.obj) + ":\n";
  out += "  fails when " + t1 + " runs " + Where(trace, first) + " before " + t2 + "'s " +
         Where(trace, second);
  if (between) {
    out += "\n  (between " + t2 + "'s " + Where(trace, *between) + " and " + Where(trace, second) +
           ")";
  }
  out += ";\n  with " + t2 + "'s " + Where(trace, second) + " first, it passes.\n\n";
  out += "  first:  " + SideLine(trace, first, c.obj) + "\n";
  out += "  second: " +
         (late ? t2 + "'s " + Where(trace, second) + " (it had not run yet)"
               : SideLine(trace, second, c.obj)) +
         "\n";
  if (first.stack != 0) out += StackText(trace, first);
  if (second.stack != 0) out += StackText(trace, second);
  out += "\n  failing: " + why.failing_trace + " (" + format::DescribeOutcome(r->control_outcome) +
         ")\n";
  out += "  passing: " + why.passing_trace + " (" + format::DescribeOutcome(r->passing_outcome) +
         ")\n";
  if (!minimized_path.empty()) {
    out += "  (events of the minimized run " + minimized_path + ", which fails the same way)\n";
  }
  out += "  both replay " + explained + " up to event #" + std::to_string(c.reversal) +
         ", then run without preemptions; at #" + std::to_string(c.reversal) +
         " the failing run runs T" + std::to_string(trace.events[c.reversal].tid) +
         ", the passing run " + t2 + "\n";
  if (r->method == "bisection") {
    out += "  (" + Plural(r->runs, "run") + "; found by bisection between " + explained +
           "'s schedule and the run without preemptions: they differ in this one decision)\n";
  } else {
    out += "  (" + Plural(r->runs, "run") + "; " + std::to_string(r->tried) + " of " +
           Plural(r->candidates, "conflicting pair") + " tried)\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return kExitOk;
}

}  // namespace weft::cli
