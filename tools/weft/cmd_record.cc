// weft record — run a program once under control and write its trace.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "cli.h"
#include "weft/json.h"
#include "weft/render.h"
#include "weft/trace_io.h"

namespace weft::cli {
namespace {

constexpr const char* kUsage = R"(usage: weft record [options] -- PROGRAM [ARGS...]

Runs PROGRAM with its threads under weft's control (one thread at a time, every
pthread/futex/sleep call a scheduling decision, virtual time) and writes a trace
that `weft replay` reproduces exactly.

options:
  -o, --output FILE    where to write the trace (default: PROGRAM-SEED.weft)
  --strategy NAME      how threads are scheduled: random (default) or pct (as
                       `weft explore --strategy pct` runs its seed N)
  --seed N             seed of the strategy (default: drawn from the clock; printed)
  --depth D            pct: cover bugs of depth 1..D (default 3)
  --steps K            pct: expected steps per run (default: learned from a random-walk
                       run with the same seed, as explore's first seed does); explore
                       --json prints its k as pct.steps, a trace's header holds it
  --timeout S          kill the program after S seconds of real time (default: none)
  --max-steps N        stop the program after N scheduling decisions (default: none)
  --no-stacks          do not record a stack per event (faster, smaller traces)
  --stack-depth N      frames per recorded stack (default 32)
  --json               print the result as one JSON object on stdout (weft.record/1,
                       see docs/JSON.md)
  -h, --help           show this help

weft's own messages go to stderr; the program's output is untouched. weft exits 0
when the recording was written, whatever the program did (see the outcome line),
and 2 when it could not record.
)";

}  // namespace

int RunRecord(const std::vector<std::string>& argv) {
  Args args(argv, true,
            {"-o", "--output", "--strategy", "--seed", "--timeout", "--max-steps", "--stack-depth",
             "--depth", "--steps"});
  if (args.Flag("--help") || args.Flag("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  std::string output, strategy = "random";
  uint64_t seed = 0, max_steps = 0, depth = 32;
  double timeout = 0;
  bool have_seed = args.Uint("--seed", &seed);
  args.Value("--output", &output, "-o");
  args.Value("--strategy", &strategy);
  uint64_t pct_depth = 3, pct_steps = 0;
  bool have_depth = args.Uint("--depth", &pct_depth);
  bool have_steps = args.Uint("--steps", &pct_steps);
  args.Double("--timeout", &timeout);
  args.Uint("--max-steps", &max_steps);
  args.Uint("--stack-depth", &depth);
  bool no_stacks = args.Flag("--no-stacks");
  bool json = args.Flag("--json");
  Status st = args.Finish();
  if (!st.ok()) return Fail("record", st.error().message + " (see weft record --help)");
  if (!args.positional().empty() || args.program().empty()) {
    return Fail("record", "give the program after --, e.g. weft record -- ./prog arg");
  }
  if (strategy != "random" && strategy != "pct") {
    return Fail("record", "unknown strategy '" + strategy + "' (record supports: random, pct)");
  }
  if ((have_depth || have_steps) && strategy != "pct") {
    return Fail("record", "--depth and --steps go with --strategy pct");
  }
  if (pct_depth < 1 || pct_depth > 17) return Fail("record", "--depth must be between 1 and 17");
  if (have_steps && pct_steps == 0) return Fail("record", "--steps must be at least 1");
  if (!have_seed) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    seed = (static_cast<uint64_t>(ts.tv_nsec) ^ static_cast<uint64_t>(getpid()) << 16) % 1000000;
  }

  if (output.empty()) {
    std::string name = args.program()[0];
    size_t slash = name.rfind('/');
    if (slash != std::string::npos) name = name.substr(slash + 1);
    output = name + "-" + std::to_string(seed) + ".weft";
  }
  api::RecordOptions options;
  options.argv = args.program();
  options.env = api::CurrentEnvironment();
  options.trace_path = output;
  options.seed = seed;
  options.pct = strategy == "pct";
  options.pct_depth = static_cast<uint32_t>(pct_depth);
  options.pct_steps = have_steps ? pct_steps : 0;
  options.stack_depth = no_stacks ? 0 : static_cast<uint32_t>(depth);
  options.timeout_seconds = timeout;
  options.max_steps = max_steps;
  api::Host host = CliHost();
  host.started = [&] {
    if (!json) {
      Say("recording " + ShellQuote(args.program()[0]) + " (strategy " + strategy + ", seed " +
          std::to_string(seed) +
          (strategy == "pct" ? ", depth " + std::to_string(pct_depth) +
                                   (have_steps ? ", k = " + std::to_string(pct_steps) : "")
                             : "") +
          ")");
    }
  };
  Result<session::RunReport> report = api::Record(options, host);
  if (!report.ok()) return Fail("record", report.error().message);

  std::string outcome = format::DescribeOutcome(report->outcome);
  if (json) {
    const format::Outcome& o = report->outcome;
    json::Writer w;
    w.BeginObject();
    w.Field("schema", kSchemaRecord);
    w.Field("trace", output);
    w.Field("seed", seed);
    w.Field("events", report->events);
    w.Field("bytes", report->trace_bytes);
    w.Field("failed", report->failed());
    w.Field("outcome", outcome);
    WriteOutcomeFields(w, o);
    w.Field("controlled", report->controlled);
    w.Field("wall_seconds", report->wall_seconds);
    char digest[32];
    std::snprintf(digest, sizeof(digest), "%016llx",
                  static_cast<unsigned long long>(report->event_digest));
    w.Field("event_digest", digest);
    w.EndObject();
    std::printf("%s\n", w.TakeString().c_str());
    return kExitOk;
  }
  if (!report->controlled) {
    Say("warning: weft's shim never took control of the program (did it drop LD_PRELOAD, or "
        "is it a script that starts the real program?); its threads were not scheduled");
  }
  Say("outcome: " + outcome);
  Say("trace written to " + output + " (" + std::to_string(report->events) + " events, " +
      HumanBytes(report->trace_bytes) + ")");
  Say("replay it with: weft replay " + ShellQuote(output));
  return kExitOk;
}

}  // namespace weft::cli
