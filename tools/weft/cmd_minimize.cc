// weft minimize — shrink a failing trace to the fewest preemptions that still fail.
#include <unistd.h>

#include <cstdio>

#include "cli.h"
#include "trace_trust.h"
#include "weft/json.h"
#include "weft/minimize.h"
#include "weft/render.h"
#include "weft/trace_io.h"

namespace weft::cli {
namespace {

constexpr const char* kUsage = R"(usage: weft minimize [options] TRACE -o OUT

Shrinks the failing schedule of TRACE: tries to take back each preemption (a switch
away from a thread that could have gone on), keeps every change after which the
program still fails the same way (same exit code, signal, deadlock), and writes the
smallest schedule found as a new trace that `weft replay` reproduces. Fewer
preemptions means fewer places to look at to understand the bug.

options:
  -o, --output OUT   the minimized trace (default: TRACE-min.weft)
  --max-runs N       candidate schedules to try at most (default 300)
  --timeout S        kill a run after S seconds of real time (default: the recorded
                     run's limit, or 10)
  --json             print one JSON object on stdout (weft.minimize/1, see
                     docs/JSON.md): preemptions_before, preemptions_after,
                     switches_before, switches_after, events_before, events_after,
                     runs, outcome, trace, verified
  --progress FORMAT  text (default: a line on a terminal), or jsonl: one
                     weft.progress/1 object per candidate run on stderr
  --force            run the program even if it changed since the recording
  --trust            run what the trace says even when its environment sets
                     loader variables (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, …)
  -h, --help         show this help
)";

// "1 context switch", "2 context switches".
std::string Switches(uint64_t n) {
  return std::to_string(n) + (n == 1 ? " context switch" : " context switches");
}

}  // namespace

int RunMinimize(const std::vector<std::string>& argv) {
  Args args(argv, false);
  if (args.Flag("--help") || args.Flag("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  std::string output;
  uint64_t max_runs = 300;
  double timeout = 10;
  args.Value("--output", &output, "-o");
  args.Positive("--max-runs", &max_runs, "", "candidate schedules to try, e.g. --max-runs 300");
  bool have_timeout = args.Double("--timeout", &timeout);
  bool json = args.Flag("--json");
  api::TraceTrust trust = TrustOptions(args);
  Result<ProgressFormat> progress_format = ProgressOption(args);
  Status st = args.Finish();
  if (!st.ok()) return Fail("minimize", st.error().message + " (see weft minimize --help)");
  if (!progress_format.ok()) return Fail("minimize", progress_format.error().message);
  bool jsonl = progress_format.value() == ProgressFormat::kJsonl;
  if (args.positional().size() != 1) return Fail("minimize", "give exactly one trace file");
  const std::string& path = args.positional()[0];
  if (output.empty()) {
    std::string base = TraceStem(path);
    output = base + "-min.weft";
  }
  if (Status s = CreateParentDirectories(output); !s.ok())
    return Fail("minimize", s.error().message);
  Result<format::Trace> trace = format::ReadTrace(path);
  if (!trace.ok()) return Fail("minimize", trace.error().message);
  api::MinimizeOptions options;
  options.output = output;
  options.max_runs = max_runs;
  options.trust = trust;
  if (have_timeout) options.timeout_seconds = timeout;
  bool tty = isatty(STDERR_FILENO) != 0 && !jsonl;
  double start = MonotonicSeconds();
  auto progress = [&](uint64_t runs, uint64_t preemptions) {
    if (jsonl) {
      ProgressLine line;
      line.command = "minimize";
      line.run = runs;
      line.runs = max_runs;
      line.elapsed_seconds = MonotonicSeconds() - start;
      line.preemptions = static_cast<int64_t>(preemptions);
      PrintProgressJsonl(line);
      return;
    }
    if (json || !tty) return;
    std::fprintf(stderr, "\r\033[Kweft: %s, %s left", Plural(runs, "run").c_str(),
                 Plural(preemptions, "preemption").c_str());
  };
  api::Host host = CliHost();
  host.command = PrintTraceCommand;
  host.started = [&] {
    if (!json)
      Say("minimizing " + path + " (outcome: " + format::DescribeOutcome(trace.value()) + ")");
  };
  Result<search::MinimizeResult> r = api::Minimize(trace.value(), path, options, host, progress);
  if (tty && !json) std::fputs("\r\033[K", stderr);
  if (!r.ok()) return Fail("minimize", r.error().message);

  if (json) {
    json::Writer w;
    w.BeginObject();
    w.Field("schema", kSchemaMinimize);
    w.Field("preemptions_before", r->preemptions_before);
    w.Field("preemptions_after", r->preemptions_after);
    w.Field("switches_before", r->switches_before);
    w.Field("switches_after", r->switches_after);
    w.Field("events_before", r->events_before);
    w.Field("events_after", r->events_after);
    w.Field("runs", r->runs);
    w.Field("outcome", format::DescribeOutcome(r->outcome));
    w.Field("trace", r->trace);
    w.Field("verified", r->verified);
    w.EndObject();
    std::printf("%s\n", w.TakeString().c_str());
    return r->verified ? kExitOk : kExitFound;
  }
  Say("before: " + Plural(r->preemptions_before, "preemption") + ", " +
      Switches(r->switches_before) + ", " + Plural(r->events_before, "event"));
  Say("after:  " + Plural(r->preemptions_after, "preemption") + ", " + Switches(r->switches_after) +
      ", " + Plural(r->events_after, "event") + " (" + Plural(r->runs, "run") + ")");
  Say("outcome: " + format::DescribeOutcome(r->outcome));
  Say(std::string(r->verified ? "replays exactly: " : "WARNING: did not replay exactly: ") +
      "weft replay " + ShellQuote(r->trace));
  return r->verified ? kExitOk : kExitFound;
}

}  // namespace weft::cli
