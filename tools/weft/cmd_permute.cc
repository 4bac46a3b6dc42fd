// weft permute — "what if another thread had gone first?": replay a trace up to a decision,
// run a different thread there, and see how the program ends.
#include <climits>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli.h"
#include "trace_trust.h"
#include "weft/json.h"
#include "weft/render.h"
#include "weft/trace_io.h"

namespace weft::cli {
namespace {

constexpr const char* kUsage = R"(usage: weft permute [options] TRACE --at N --thread T

Replays the first N events of TRACE exactly, then runs thread T at decision N
(instead of the thread the trace ran there), then lets the program go on without
further preemptions (the running thread keeps running while it can). Writes the
new run's trace and says how the program ended, so a conflicting pair can be
reversed: --at the first event of the pair, --thread the second event's thread.

options:
  --at N             the decision to change (an event index of TRACE, see weft show)
  --thread T         the thread to run there (T1 or 1); it must be able to run at N
  -o, --output FILE  the new trace (default: TRACE-at-N-tT.weft)
  --timeout S        kill the run after S seconds of real time (default: the
                     recorded run's limit, or 10)
  --json             print one JSON object on stdout (weft.permute/1, see
                     docs/JSON.md): outcome, failed, exit_code, signal, deadlock,
                     events, trace, output (the program's output), forced
                     (whether thread T could run at N)
  --force            run the program even if it changed since the recording
  --trust            run what the trace says even when its environment sets
                     loader variables (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, …)
  -h, --help         show this help

Exit status: 0 when the permuted run was written, 2 on errors.
)";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

int RunPermute(const std::vector<std::string>& argv) {
  Args args(argv, false);
  if (args.Flag("--help") || args.Flag("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  uint64_t at = 0;
  std::string thread_arg, output;
  double timeout = 10;
  bool have_at = args.Uint("--at", &at);
  bool have_thread = args.Value("--thread", &thread_arg);
  args.Value("--output", &output, "-o");
  bool have_timeout = args.Double("--timeout", &timeout);
  bool json = args.Flag("--json");
  api::TraceTrust trust = TrustOptions(args);
  Status st = args.Finish();
  if (!st.ok()) return Fail("permute", st.error().message + " (see weft permute --help)");
  if (args.positional().size() != 1) return Fail("permute", "give exactly one trace file");
  if (!have_at || !have_thread) return Fail("permute", "give --at N and --thread T");
  if (!thread_arg.empty() && (thread_arg[0] == 'T' || thread_arg[0] == 't')) {
    thread_arg = thread_arg.substr(1);
  }
  char* end = nullptr;
  long tid = std::strtol(thread_arg.c_str(), &end, 10);
  if (thread_arg.empty() || *end != '\0' || tid < 0) {
    return Fail("permute", "--thread needs a thread like T1 or 1, not '" + thread_arg + "'");
  }
  const std::string& path = args.positional()[0];
  Result<format::Trace> trace = format::ReadTrace(path);
  if (!trace.ok()) return Fail("permute", trace.error().message);
  if (static_cast<unsigned long>(tid) > UINT32_MAX) {
    return Fail("permute", "'" + path + "' has no thread T" + std::to_string(tid));
  }
  if (output.empty()) {
    std::string base = TraceStem(path);
    output = base + "-at-" + std::to_string(at) + "-t" + std::to_string(tid) + ".weft";
  }
  if (Status s = CreateParentDirectories(output); !s.ok())
    return Fail("permute", s.error().message);
  std::string output_path = output + ".out";
  api::PermuteOptions options;
  options.at = at;
  options.thread = static_cast<uint32_t>(tid);
  options.output = output;
  options.trust = trust;
  if (have_timeout) options.timeout_seconds = timeout;
  if (json) options.output_file = output_path;
  api::Host host = CliHost();
  host.command = PrintTraceCommand;
  Result<api::PermuteResult> permuted = api::Permute(trace.value(), path, options, host);
  if (!permuted.ok()) return Fail("permute", permuted.error().message);
  const session::RunReport* report = &permuted->report;
  bool forced = permuted->forced;
  std::string outcome = format::DescribeOutcome(report->outcome);

  if (json) {
    const format::Outcome& o = report->outcome;
    json::Writer w;
    w.BeginObject();
    w.Field("schema", kSchemaPermute);
    w.Field("trace", output);
    w.Field("at", at);
    w.Field("thread", static_cast<int64_t>(tid));
    w.Field("forced", forced);
    if (!forced)
      w.Field("divergence", report->divergence);
    else
      w.NullField("divergence");
    w.Field("failed", report->failed());
    w.Field("outcome", outcome);
    WriteOutcomeFields(w, o);
    w.Field("events", report->events);
    w.Field("output", ReadFile(output_path));
    w.EndObject();
    std::printf("%s\n", w.TakeString().c_str());
    return kExitOk;
  }
  if (!forced) {
    Say("T" + std::to_string(tid) + " could not run at event " + std::to_string(at) + " (" +
        report->divergence + "); the run went on without the change");
  }
  Say("outcome: " + outcome + (report->failed() ? ": FAILED" : ""));
  Say("permuted trace written to " + output + " (weft show " + ShellQuote(output) + ")");
  return kExitOk;
}

}  // namespace weft::cli
