// weft explore — search schedules for a failing one and save it as a replayable trace.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <string>

#include "cli.h"
#include "junit.h"
#include "races.h"
#include "trace_trust.h"
#include "weft/explorer.h"
#include "weft/json.h"
#include "weft/outcome.h"
#include "weft/race_report.h"
#include "weft/render.h"
#include "weft/strategy_registry.h"
#include "weft/trace_io.h"
#include "why.h"

namespace weft::cli {
namespace {

constexpr const char* kUsage = R"(usage: weft explore [options] -- PROGRAM [ARGS...]
       weft explore --from TRACE [options]

Runs PROGRAM again and again under a seeded scheduling strategy (seeds S, S+1, ...)
until a run fails: non-zero exit, fatal signal, deadlock, timeout or step limit.
Every failing run is saved as a trace that `weft replay` reproduces exactly, with
the command to replay it.

With --from TRACE and no PROGRAM: TRACE is a failing recording (a free one, from
`weft record --free`, whose replay a data race may lead away from its recorded
order; or a controlled one). Its program runs as `weft replay` runs it (same
command, environment, stdin), first following the recorded order (where the
program leaves it, the first divergence is reported), then with the conflicting
pairs of that run reversed one at a time, nearest the divergence first, and of
each new run in turn (the conflicts strategy), until a run fails as the recording
did (same kind of outcome, exit code or signal, and the same failed assertion
when it failed one). That run is saved as a controlled
trace, replayed 3 times to check it (--verify N), and `weft replay` reproduces
it every time. Runs failing otherwise are saved and listed but do not stop the
search. Exit status 1 when the recorded failure was reproduced, 0 when not.
  --verify N        replay the reproducing trace N times (default 3; 0: not at all)
  --force, --trust  as for weft replay: run the trace's program even if it changed,
                    or with the loader variables the trace sets

options:
  --runs N          at most N runs (default 100)
  --seed S          first seed (default 1)
)";

constexpr const char* kUsageTail =
    R"(  -j, --jobs N      runs side by side (default: number of CPUs); same results as -j 1
  --shard I/N       make only shard I (0..N-1) of the search: the runs j (0-based)
                    with j % N == I. N machines, one shard each, together make exactly
                    the unsharded search (same failing runs and seeds; `weft merge`
                    combines their --json results). Seeded strategies only. A program
                    built with `weft cc` learns memory sites in its first 64 runs;
                    each shard makes those runs too (docs/ci.md)
  --keep-going      do not stop at the first failure; save every failing run, and
                    group the failures by signature (outcome and site) with counts
  --stdin FILE      every run's stdin (default: weft's own, read once, whole, unless
                    it is a terminal: then runs get an empty stdin); in each trace
  --no-isolation    let runs share the real working directory and /tmp (default:
                    each run gets a private view of both, an overlay whose writes
                    vanish with the run, so runs side by side never see each other's
                    files and each run starts from the same files; where weft cannot
                    make one it says so and runs -j 1)
  --spawn HOW       how each run's process starts: fork (the default) or exec
                    (spawned and exec'd, as weft did before). fork: the program is
                    started once per worker and stopped at the start of its main,
                    and every run is a fork of it from there: the same runs (same
                    failing seeds, same events) without the exec, the loading and
                    the shim's start-up. A program that is not fork-safe at main
                    (threads or fds of its own there, scheduled work in its
                    constructors) is exec'd, and weft says why in one line
                    (docs/fork_server.md)
  --fail-on-race    a data race is a failure: the first run with one stops the search
                    (with --keep-going: every such run is kept as a failing one)
  --no-race-check   do not check the runs for data races (by default a program built
                    with `weft cc` is: each new pair of racing sites is reported once,
                    as ThreadSanitizer reports it, and the search goes on)
  -o, --output DIR  where to save failing traces (default: weft-explore)
  --timeout S       kill a run after S seconds of real time (default 10)
  --max-steps N     a run with more than N decisions fails as "livelock?" (default: no
                    limit; a run also fails as "livelock?" after 100000 events in a row
                    without progress: only yields, sleeps, timeouts, failed tries)
  --stack-depth N   record N frames of stack with every event of every run (each run
                    then takes about twice as long). By default runs record none, and
                    a failing run is replayed once with 32 frames per event (replays
                    are exact: one more run per kept failure): the kept trace is that
                    replay's, with every event's stack and source line. If the replay
                    does not reproduce the run, its own trace is kept and weft says so
  --no-atomic-sites leave the atomic instructions of the program's own code alone (by
                    default each lock-prefixed instruction or xchg with memory in the
                    executable and its non-system libraries is a schedule point: a
                    Rust Mutex's lock and unlock are interleaved; README "Atomic sites")
  --stack-depth 0, --no-stacks
                    no stacks at all, not even in a kept trace (no replay); a crash's
                    stack, a timeout's threads and deadlocked threads' operations
                    are in it either way
  --keep-env NAME   store NAME's value in the traces after all (it looks secret)
  --redact-env NAME store only NAME's digest in the traces (as for names with KEY,
                    TOKEN, SECRET, PASSWORD, AUTH, …); both repeatable
  --json            print one JSON object on stdout (weft.explore/1, see
                    docs/JSON.md): runs, first_failure_run, failures [{run, seed,
                    trace, exit_code, signal, deadlock, ...}], races [{run, seed,
                    trace, address, size, current, previous}], distinct_schedules,
                    runs_per_second, wall_seconds
  --progress FORMAT text (default): a progress line on stderr, or jsonl: one
                    weft.progress/1 object per line instead
  --explain-runs N  when a run fails, say why at the end: weft explain's search on
                    its saved trace, at most N program runs (default 40): the two
                    operations whose order decides the failure, and a passing run
                    that differs in that one decision (saved in DIR/why/)
  --no-explain      do not (only the failing run is saved)
  --junit FILE      also write the search as a JUnit XML report (one testcase for the
                    program and strategy; a failure carries the outcome, the trace and
                    the replay line; the trace path is a property; data races go to
                    system-err), for CI test reporters (docs/ci.md)
  -h, --help        show this help

The program's output is discarded during the search; the output of each failing run
is saved next to its trace (TRACE.out). Exit status: 0 when no run failed, 1 when a
failure was found, 2 on errors (bad options, a program that cannot be run), 128+N when
signal N (Ctrl-C: 130) interrupted the search.
)";

// The --strategy block and the strategies' own options, from the registry.
std::string StrategyHelp() {
  std::string out;
  // Wraps `text` at 88 columns, continuation lines indented like the first.
  auto line = [&out](const std::string& option, const std::string& text) {
    std::string o = "  " + option;
    if (o.size() < 20) o.resize(20, ' ');
    size_t pos = 0;
    while (pos < text.size()) {
      size_t end = text.size();
      if (end - pos > 68) {
        end = text.rfind(' ', pos + 68);
        if (end == std::string::npos || end <= pos) end = pos + 68;
      }
      out += o + text.substr(pos, end - pos) + "\n";
      o.assign(20, ' ');
      pos = end < text.size() && text[end] == ' ' ? end + 1 : end;
    }
  };
  bool first = true;
  for (const search::StrategyInfo& s : search::StrategyRegistry()) {
    line(first ? "--strategy NAME" : "",
         s.name + (s.is_default ? " (default)" : "") + ": " + s.description);
    first = false;
  }
  std::vector<std::string> seen = {"seed"};  // --seed is a common option
  for (const search::StrategyInfo& s : search::StrategyRegistry()) {
    for (const search::StrategyParameter& p : s.parameters) {
      if (std::find(seen.begin(), seen.end(), p.name) != seen.end()) continue;
      seen.push_back(p.name);
      line("--" + p.name + " " + p.metavar,
           p.help + (p.default_value.empty() ? "" : " (default " + p.default_value + ")"));
    }
  }
  line("--list-strategies", "print the strategies, their parameters and what a clean search");
  line("", "with each one claims, then exit (--json: weft.strategies/1)");
  return out;
}

// `weft explore --list-strategies [--json]`.
int ListStrategies(bool json) {
  if (json) {
    json::Writer w;
    w.BeginObject();
    w.Field("schema", "weft.strategies/1");
    w.Key("strategies").BeginArray();
    for (const search::StrategyInfo& s : search::StrategyRegistry()) {
      w.BeginObject();
      w.Field("name", s.name);
      w.Field("default", s.is_default);
      w.Field("description", s.description);
      w.Key("parameters").BeginArray();
      for (const search::StrategyParameter& p : s.parameters) {
        w.BeginObject();
        w.Field("name", p.name);
        w.Field("type", p.type);
        w.Field("default", p.default_value);
        w.Field("help", p.help);
        w.EndObject();
      }
      w.EndArray();
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    std::printf("%s\n", w.TakeString().c_str());
    return kExitOk;
  }
  for (const search::StrategyInfo& s : search::StrategyRegistry()) {
    std::printf("%s%s\n  %s\n  completeness: %s\n", s.name.c_str(),
                s.is_default ? " (default)" : "", s.description.c_str(), s.completeness.c_str());
    for (const search::StrategyParameter& p : s.parameters) {
      std::printf("  --%-12s %-5s %-8s %s\n", p.name.c_str(), p.type.c_str(),
                  p.default_value.empty() ? "-" : p.default_value.c_str(), p.help.c_str());
    }
  }
  return kExitOk;
}

std::string LastLines(const std::string& text, int n) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  while (n > 0 && pos > 0) {
    size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) {
      pos = 0;
      break;
    }
    pos = nl;
    --n;
  }
  return text.substr(pos == 0 ? 0 : pos + 1);
}

std::string KindName(const search::Failure& f) {
  if (f.race) return "data race";
  const format::Outcome& o = f.outcome;
  using K = format::Outcome::Kind;
  switch (o.kind) {
    case K::kExited:
      return "exit code " + std::to_string(o.exit_code);
    case K::kSignaled:
      return format::DescribeSignal(o.signal);
    case K::kDeadlock:
      return "deadlock";
    case K::kTimeout:
      return "timeout";
    case K::kMaxSteps:
      return o.message.rfind("no progress", 0) == 0 ? "livelock? (no progress)"
                                                    : "livelock? (step limit)";
    case K::kShimError:
      return "shim error";
    case K::kStopped:
      return "stopped";
  }
  return "unknown";
}

// The why of a failing run, or why there is none.
struct ExploreWhy {
  uint64_t run = 0;
  std::string trace;  // the failing run's saved trace
  std::shared_ptr<format::Trace> recorded;
  std::optional<Why> why;  // found or not
  std::string error;       // when explain could not run
};

ExploreWhy ExplainFailure(const search::Failure& f, const std::string& out_dir, uint64_t max_runs) {
  ExploreWhy out;
  out.run = f.run;
  out.trace = f.trace;
  if (!analysis::IsFailure(f.outcome)) {
    out.error = "its program passed (" + format::DescribeOutcome(f.outcome) +
                "): only its data race failed it";
    return out;
  }
  using Kind = format::Outcome::Kind;
  Kind kind = f.outcome.kind;
  if (kind != Kind::kExited && kind != Kind::kSignaled && kind != Kind::kDeadlock) {
    // NB: each of explain's runs of a run that timed out or ran to the step limit may take
    // as long as that run did; the short form leaves them to weft explain.
    out.error = std::string("its outcome is ") + format::OutcomeKindName(kind) + ": weft explain " +
                ShellQuote(f.trace) + " tries it, each of its runs taking as long as this one may";
    return out;
  }
  Result<format::Trace> read = format::ReadTrace(f.trace);
  if (!read.ok()) {
    out.error = read.error().message;
    return out;
  }
  out.recorded = std::make_shared<format::Trace>(std::move(read.value()));
  WhyOptions options;
  std::string stem = TraceStem(f.trace);
  size_t slash = stem.rfind('/');
  options.prefix = out_dir + "/why/" + (slash == std::string::npos ? stem : stem.substr(slash + 1));
  options.max_runs = max_runs;
  options.say = false;
  api::Host host = CliHost();
  host.note = [](const std::string&) {};
  Result<Why> found = FindWhy(*out.recorded, f.trace, options, host);
  if (!found.ok()) {
    out.error = found.error().message;
  } else {
    out.why = std::move(found.value());
  }
  return out;
}

// weft.explore/1's `why` (docs/JSON.md).
void WhyJson(json::Writer& w, const ExploreWhy& e) {
  w.Key("why").BeginObject();
  w.Field("run", e.run);
  w.Field("trace", e.trace);
  bool found = e.why && e.why->result.found;
  w.Field("found", found);
  if (found) {
    const Why& why = *e.why;
    w.Field("sentence", WhySentence(why));
    w.Field("method", why.result.method);
    w.Key("critical");
    CriticalJson(w, why);
    w.Field("explained_trace", why.explained_path());
    if (why.minimized_path.empty())
      w.NullField("minimized_trace");
    else
      w.Field("minimized_trace", why.minimized_path);
    w.Field("failing_trace", why.failing_trace);
    w.Field("passing_trace", why.passing_trace);
    w.Field("failing_outcome", format::DescribeOutcome(why.result.control_outcome));
    w.Field("passing_outcome", format::DescribeOutcome(why.result.passing_outcome));
  } else {
    w.NullField("sentence");
    w.NullField("method");
    w.NullField("critical");
    w.NullField("explained_trace");
    w.NullField("minimized_trace");
    w.NullField("failing_trace");
    w.NullField("passing_trace");
    w.NullField("failing_outcome");
    w.NullField("passing_outcome");
  }
  w.Field("runs", e.why ? e.why->result.runs : 0);
  if (e.error.empty())
    w.NullField("error");
  else
    w.Field("error", e.error);
  w.EndObject();
}

// The short "why" paragraph at the end of explore's text.
void SayWhy(const ExploreWhy& e) {
  std::string run = "run " + std::to_string(e.run);
  if (!e.error.empty()) {
    Say("why " + run + " failed: not explained (" + e.error + ")");
    return;
  }
  const Why& why = *e.why;
  if (!why.result.found) {
    Say("why " + run + " failed: no single reordering found in " + Plural(why.result.runs, "run") +
        " (weft explain " + ShellQuote(e.trace) + " --max-runs 200 tries harder)");
    return;
  }
  Say("why " + run + " failed: " + WhySentence(why));
  Say("  passing run: " + why.passing_trace + " (" +
      format::DescribeOutcome(why.result.passing_outcome) + ")");
  Say("  failing run: " + why.failing_trace + " (" +
      format::DescribeOutcome(why.result.control_outcome) +
      "; the same schedule but for that one decision)");
  Say("  (" + Plural(why.result.runs, "run") +
      (why.minimized_path.empty() ? "" : ", of its minimized run " + why.minimized_path) +
      "; weft explain " + ShellQuote(e.trace) + " shows both stacks)");
}

}  // namespace

int RunExplore(const std::vector<std::string>& argv) {
  std::vector<std::string> value_options = {
      "-o",        "--output",       "--strategy", "--seed",
      "--timeout", "--max-steps",    "--runs",     "-j",
      "--jobs",    "--progress",     "--keep-env", "--redact-env",
      "--stdin",   "--stack-depth",  "--junit",    "--spawn",
      "--shard",   "--explain-runs", "--verify"};
  for (const search::StrategyInfo& s : search::StrategyRegistry()) {
    for (const search::StrategyParameter& p : s.parameters) value_options.push_back("--" + p.name);
  }
  Args args(argv, true, value_options);
  if (args.Flag("--help") || args.Flag("-h")) {
    std::fputs(kUsage, stdout);
    std::fputs(StrategyHelp().c_str(), stdout);
    std::fputs(kUsageTail, stdout);
    return kExitOk;
  }
  if (args.Flag("--list-strategies")) return ListStrategies(args.Flag("--json"));
  search::ExploreOptions options;
  std::string strategy = search::DefaultStrategy().name;
  options.out_dir = "weft-explore";
  double timeout = 10;
  uint64_t max_steps = 0;
  args.Positive("--runs", &options.runs, "", "the most runs to make, e.g. --runs 100");
  args.Uint("--seed", &options.first_seed);
  const bool strategy_given = args.Value("--strategy", &strategy);
  args.Value("--output", &options.out_dir, "-o");
  args.Double("--timeout", &timeout);
  args.Uint("--max-steps", &max_steps);
  uint64_t stack_depth = 0;
  if (args.Uint("--stack-depth", &stack_depth)) {
    options.stack_depth = static_cast<uint32_t>(std::min<uint64_t>(stack_depth, 1000));
    if (stack_depth == 0) options.failure_stack_depth = 0;  // the explicit opt-out
  }
  if (args.Flag("--no-stacks")) {
    options.stack_depth = 0;
    options.failure_stack_depth = 0;
  }
  // Every uint parameter of the registry but the common --seed, as given.
  search::StrategyArgs given;
  for (const search::StrategyInfo& s : search::StrategyRegistry()) {
    for (const search::StrategyParameter& p : s.parameters) {
      uint64_t value = 0;
      if (p.type == "uint" && p.name != "seed" && args.Uint("--" + p.name, &value)) {
        given[p.name] = value;
      }
    }
  }
  long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  uint64_t jobs = ncpu > 0 ? static_cast<uint64_t>(ncpu) : 1;
  args.Positive("--jobs", &jobs, "-j",
                "runs side by side; leave it out for one per CPU, or give -j 1");
  std::string from_path;
  args.Value("--from", &from_path);
  uint64_t verify_times = 3;
  const bool have_verify = args.Uint("--verify", &verify_times);
  api::TraceTrust trust = TrustOptions(args);
  const bool trust_given = trust.force || trust.trust;
  options.keep_going = args.Flag("--keep-going");
  bool no_isolation = args.Flag("--no-isolation");
  bool no_atomic_sites = args.Flag("--no-atomic-sites");
  std::string spawn_text = "fork";
  args.Value("--spawn", &spawn_text);
  std::string stdin_file;
  bool have_stdin_file = args.Value("--stdin", &stdin_file);
  options.fail_on_race = args.Flag("--fail-on-race");
  bool no_race_check = args.Flag("--no-race-check");
  bool json = args.Flag("--json");
  uint64_t explain_runs = 40;
  bool have_explain_runs = args.Positive("--explain-runs", &explain_runs, "",
                                         "program runs for the why at the end, e.g. "
                                         "--explain-runs 40 (--no-explain: none)");
  bool no_explain = args.Flag("--no-explain");
  std::string junit_path;
  bool junit = args.Value("--junit", &junit_path);
  std::string shard_text;
  const bool sharded = args.Value("--shard", &shard_text);
  std::vector<std::string> keep_env, redact_env;
  EnvOptions(args, &keep_env, &redact_env);
  Result<ProgressFormat> progress_format = ProgressOption(args);
  Status st = args.Finish();
  if (!st.ok()) return Fail("explore", st.error().message + " (see weft explore --help)");
  if (!progress_format.ok()) return Fail("explore", progress_format.error().message);
  if (spawn_text != "exec" && spawn_text != "fork") {
    return Fail("explore",
                "--spawn " + spawn_text + ": say how runs start: --spawn exec or --spawn fork");
  }
  bool jsonl = progress_format.value() == ProgressFormat::kJsonl;
  // --from TRACE without a program: reproduce TRACE's failure around its recorded order.
  const bool reproduce = !from_path.empty() && args.program().empty();
  if (reproduce) {
    if (strategy_given && strategy != "conflicts") {
      return Fail("explore",
                  "--from TRACE searches around the recorded order with the "
                  "conflicts strategy: leave out --strategy " +
                      strategy);
    }
    strategy = "conflicts";
    if (sharded) return Fail("explore", "--shard does not go with --from TRACE");
    if (have_stdin_file) {
      return Fail("explore",
                  "--stdin does not go with --from TRACE: its runs read the "
                  "recorded stdin");
    }
  } else if (have_verify || trust_given) {
    return Fail("explore", std::string(have_verify ? "--verify" : "--force and --trust") +
                               " go with --from TRACE (without a program)");
  }
  if (!args.positional().empty() || (args.program().empty() && !reproduce)) {
    return Fail("explore",
                "give the program after --, e.g. weft explore -- ./prog arg, or a "
                "failing trace to reproduce: weft explore --from TRACE");
  }
  if (have_explain_runs && no_explain) {
    return Fail("explore", "--explain-runs and --no-explain contradict each other: give one");
  }
  if (sharded) {
    unsigned long long index = 0, count = 0;
    char tail = 0;
    if (std::sscanf(shard_text.c_str(), "%llu/%llu%c", &index, &count, &tail) != 2 || count == 0 ||
        index >= count || shard_text[0] == '-') {
      return Fail("explore",
                  "--shard takes I/N with 0 <= I < N, e.g. --shard 0/4 (got '" + shard_text + "')");
    }
    options.shard_index = index;
    options.shard_count = count;
  }
  const search::StrategyInfo* info = search::FindStrategy(strategy);
  if (info == nullptr) {
    return Fail("explore", "unknown strategy '" + strategy + "' (known: " +
                               search::StrategyNames() + "; see weft explore --list-strategies)");
  }
  auto has = [](const search::StrategyInfo& s, const std::string& name) {
    return std::any_of(s.parameters.begin(), s.parameters.end(),
                       [&](const search::StrategyParameter& p) { return p.name == name; });
  };
  // A parameter of another strategy is a mistake: say which strategies take it.
  for (const std::string& name : [&] {
         std::vector<std::string> names;
         for (const auto& [n, v] : given) names.push_back(n);
         if (!from_path.empty()) names.push_back("from");
         return names;
       }()) {
    if (has(*info, name)) continue;
    std::string takers;
    for (const search::StrategyInfo& s : search::StrategyRegistry()) {
      if (has(s, name)) takers += (takers.empty() ? "" : " or ") + s.name;
    }
    return Fail("explore", "--" + name + " goes with --strategy " + takers);
  }
  if (Status s = search::CheckArgs(*info, given); !s.ok())
    return Fail("explore", s.error().message);
  std::optional<format::Trace> from;
  if (!from_path.empty()) {
    Result<format::Trace> t = format::ReadTrace(from_path);
    if (!t.ok()) return Fail("explore", t.error().message);
    from = std::move(t.value());
    options.from = &*from;
    options.from_path = from_path;
  }
  options.strategy = info;
  options.args = given;
  const search::StrategyArgs with_defaults = search::WithDefaults(*info, given);
  auto arg = [&](const char* name) -> uint64_t {
    auto it = with_defaults.find(name);
    return it == with_defaults.end() ? 0 : it->second;
  };
  options.jobs = static_cast<uint32_t>(std::max<uint64_t>(1, std::min<uint64_t>(jobs, 64)));
  JUnitReport report;
  if (junit) {
    if (Status s = CheckJUnitPath(junit_path); !s.ok()) return Fail("explore", s.error().message);
    report.program = reproduce ? from->header.argv : args.program();
    report.strategy = strategy;
    report.first_seed = options.first_seed;
    report.fail_on_race = options.fail_on_race;
    report.command_line = "weft explore";
    for (const std::string& a : argv) report.command_line += " " + ShellQuote(a);
  }

  bool tty = isatty(STDERR_FILENO) != 0;
  double start = MonotonicSeconds(), last_print = 0;
  uint64_t failures_so_far = 0;
  api::Host host = CliHost();
  if (reproduce && !json) host.command = PrintTraceCommand;
  host.started = [&] {
    start = MonotonicSeconds();
    if (!json && reproduce) {
      Say("exploring around the recorded order of " + from_path + " (" +
          (from->header.mode == format::Mode::kFree ? "a free recording" : "a recording") +
          " that failed: " + format::DescribeOutcome(from->outcome) + "): up to " +
          search::Plural(options.runs, "run") +
          ", until one fails as recorded (strategy conflicts)");
    } else if (!json) {
      Say("exploring " + ShellQuote(args.program()[0]) + ": up to " +
          search::Plural(options.runs, "run") + ", strategy " + strategy +
          (strategy == "pct" ? " (depth " + std::to_string(arg("depth")) + ")" : "") + ", seeds " +
          std::to_string(options.first_seed) + "..., " + std::to_string(options.jobs) +
          " at a time");
    }
  };
  auto progress = [&](uint64_t done, uint64_t run, uint64_t seed,
                      const session::RunReport& report) {
    double now = MonotonicSeconds();
    bool failed = report.failed();
    if (failed) ++failures_so_far;
    const bool as_recorded =
        reproduce && failed && analysis::SameFailure(report.outcome, from->outcome);
    if (reproduce && run == 1 && !json && !jsonl) {
      // NB: said whatever the interval: where the recorded order was left is the news.
      Say("run 1 follows the recorded order: " +
          (report.diverged ? "it left it at " + report.divergence : std::string("it kept to it")) +
          "; " + format::DescribeOutcome(report.outcome) +
          (as_recorded ? " (as recorded)"
           : failed    ? " (not as recorded)"
                       : ""));
    }
    double interval = jsonl ? 0.1 : tty ? 0.1 : 2.0;
    if (!failed && now - last_print < interval && done != options.runs) return;
    last_print = now;
    if (jsonl) {
      ProgressLine line;
      line.command = "explore";
      line.run = done;
      line.runs = options.runs;
      line.seed = static_cast<int64_t>(seed);
      line.elapsed_seconds = now - start;
      line.failed = failed ? 1 : 0;
      line.failures = failures_so_far;
      PrintProgressJsonl(line);
      return;
    }
    // NB: `done` counts finished runs; with -j they finish out of order, so a failure is
    // named by its own run number, as the summary names it.
    char line[300];
    std::snprintf(
        line, sizeof(line), "%llu/%llu done, %.0f runs/s", static_cast<unsigned long long>(done),
        static_cast<unsigned long long>(options.runs), done / std::max(now - start, 1e-9));
    std::string text = line;
    if (failed && reproduce) {
      text += "; run " + std::to_string(run) +
              " FAILED: " + format::DescribeOutcome(report.outcome) +
              (as_recorded ? " (the recorded failure)" : " (not the recorded failure)");
    } else if (failed) {
      text += "; run " + std::to_string(run) + " (seed " + std::to_string(seed) +
              ") FAILED: " + format::DescribeOutcome(report.outcome);
    }
    if (tty) {
      std::fprintf(stderr, "\r\033[Kweft: %s", text.c_str());
      if (failed || done == options.runs) std::fputc('\n', stderr);
    } else {
      std::fprintf(stderr, "weft: %s\n", text.c_str());
    }
  };
  Result<std::shared_ptr<const std::string>> input =
      ProgramStdin(have_stdin_file ? &stdin_file : nullptr, true);
  if (!input.ok()) return Fail("explore", input.error().message);
  api::ExploreOptions request;
  if (reproduce) {
    request.from_trace = &*from;
    request.from_path = from_path;
    request.trust = trust;
    request.verify_times = verify_times;
    options.from = nullptr;  // set by api::Explore with the target
  }
  request.argv = args.program();
  request.env = api::CurrentEnvironment();
  request.timeout_seconds = timeout;
  request.max_steps = max_steps;
  request.keep_env = keep_env;
  request.redact_env = redact_env;
  request.stdin_data = input.value();
  request.isolate = !no_isolation;
  request.atomic_sites = !no_atomic_sites;
  request.spawn =
      spawn_text == "fork" ? session::RunConfig::Spawn::kFork : session::RunConfig::Spawn::kExec;
  request.search = options;
  if (no_race_check) request.check_races = false;
  if (options.fail_on_race && !no_race_check) request.check_races = true;
  Result<api::ExploreSummary> result = api::Explore(request, host, progress);
  if (tty && !json && !jsonl) std::fputc('\r', stderr);
  if (!result.ok()) {
    if (junit) {
      report.error = result.error().message;
      report.wall_seconds = MonotonicSeconds() - start;
      if (Status s = WriteJUnit(junit_path, report); !s.ok()) Fail("explore", s.error().message);
    }
    return Fail("explore", result.error().message);
  }
  const search::ExploreResult& r = result->result;
  double rate = result->runs_per_second;
  auto plural = [](uint64_t n, const char* word) { return search::Plural(n, word); };

  std::map<std::string, uint64_t> by_kind;
  for (const search::Failure& f : r.failures) ++by_kind[KindName(f)];
  // The saved traces the race findings point into, read once each.
  std::map<std::string, format::Trace> raced;
  for (const search::RaceFinding& f : r.races) {
    if (raced.count(f.trace) != 0) continue;
    Result<format::Trace> t = format::ReadTrace(f.trace, format::ReadOptions{true});
    if (!t.ok()) return Fail("explore", t.error().message);
    raced[f.trace] = std::move(t.value());
  }
  const api::PctBound& bound = result->pct;
  if (junit) {
    report.result = &r;
    for (const search::RaceFinding& f : r.races) {
      report.races += render::RaceReportText(raced[f.trace], f.race, f.trace);
    }
    if (Status s = WriteJUnit(junit_path, report); !s.ok())
      return Fail("explore", s.error().message);
  }

  // Said once, whatever the output format: which kept traces lack the stacks asked for.
  std::vector<std::string> without_stacks;
  for (const auto* list : {&r.failures, &r.later_failures}) {
    for (const search::Failure& f : *list) {
      if (f.stacks != search::kStacksNotReproduced) continue;
      without_stacks.push_back(f.trace + (f.stacks_why.empty() ? "" : ": " + f.stacks_why));
    }
  }
  if (!without_stacks.empty()) {
    std::string which;
    for (const std::string& t : without_stacks) which += (which.empty() ? "" : "; ") + t;
    Say(std::string(without_stacks.size() == 1 ? "the trace has" : "the traces have") +
        " no stacks: a replay with stacks did not reproduce the failure (" + which +
        "; it replays as it is)");
  }

  // --from: the run that failed as recorded.
  const search::Failure* found = nullptr;
  for (const search::Failure& f : r.failures) {
    if (reproduce && f.target) {
      found = &f;
      break;
    }
  }
  // Why the first failing run failed (the short form of weft explain); --from: the run that
  // failed as recorded.
  const search::Failure* to_explain = reproduce            ? found
                                      : r.failures.empty() ? nullptr
                                                           : &r.failures[0];
  std::optional<ExploreWhy> why;
  if (to_explain != nullptr && !no_explain && r.interrupted_by == 0) {
    if (!json) {
      Say("explaining run " + std::to_string(to_explain->run) + " (at most " +
          Plural(explain_runs, "run") + "; --no-explain skips this)");
    }
    why = ExplainFailure(*to_explain, options.out_dir, explain_runs);
  }

  if (json) {
    json::Writer w;
    w.BeginObject();
    w.Field("schema", kSchemaExplore);
    w.Field("runs", r.runs);
    // What `weft merge` needs to put the shards together again.
    w.Field("runs_asked", options.runs);
    w.Field("keep_going", options.keep_going);
    w.Key("program").BeginArray();
    for (const std::string& a : reproduce ? from->header.argv : args.program()) w.String(a);
    w.EndArray();
    if (sharded) {
      w.Key("shard").BeginObject();
      w.Field("index", options.shard_index);
      w.Field("count", options.shard_count);
      w.Field("learning_runs", r.learning_runs);
      if (r.stopped_at_foreign_failure != 0)
        w.Field("stopped_at_run", r.stopped_at_foreign_failure);
      else
        w.NullField("stopped_at_run");
      w.EndObject();
    } else {
      w.NullField("shard");
    }
    if (r.first_failure_run != 0)
      w.Field("first_failure_run", r.first_failure_run);
    else
      w.NullField("first_failure_run");
    w.Key("failures").BeginArray();
    for (const search::Failure& f : r.failures) {
      w.BeginObject();
      w.Field("run", f.run);
      w.Field("seed", f.seed);
      w.Field("strategy", f.strategy);
      w.Field("trace", f.trace);
      const format::Outcome& o = f.outcome;
      WriteOutcomeFields(w, o);
      w.Field("outcome", format::DescribeOutcome(o));
      w.Field("reproduced", f.reproduced);
      w.Field("signature", f.signature);
      w.Field("stacks", f.stacks);
      w.Field("replay_command", "weft replay " + ShellQuote(f.trace));
      w.Field("race", f.race);
      w.EndObject();
    }
    w.EndArray();
    if (why) {
      WhyJson(w, *why);
    } else {
      w.NullField("why");
    }
    if (reproduce) {
      w.Key("from").BeginObject();
      w.Field("trace", from_path);
      w.Field("mode", from->header.mode == format::Mode::kFree ? "free" : "controlled");
      w.Field("recorded_outcome", format::DescribeOutcome(from->outcome));
      const search::FromRun& fr = r.from_run;
      if (fr.ran) {
        w.Key("first_run").BeginObject();
        w.Field("diverged", fr.diverged);
        if (fr.diverged) {
          w.Field("divergence_index", fr.divergence_index);
          w.Field("divergence", fr.divergence);
        } else {
          w.NullField("divergence_index");
          w.NullField("divergence");
        }
        w.Field("outcome", format::DescribeOutcome(fr.outcome));
        w.EndObject();
      } else {
        w.NullField("first_run");
      }
      w.Field("reproduced", found != nullptr);
      if (found != nullptr) {
        w.Field("run", found->run);
        w.Field("reproduced_trace", found->trace);
        w.Field("replay_command", "weft replay " + ShellQuote(found->trace));
      } else {
        w.NullField("run");
        w.NullField("reproduced_trace");
        w.NullField("replay_command");
      }
      w.Field("verify_replays", result->verify_replays);
      w.Field("verify_reproduced", result->verify_reproduced);
      if (result->verify_problem.empty())
        w.NullField("verify_problem");
      else
        w.Field("verify_problem", result->verify_problem);
      w.EndObject();
    } else {
      w.NullField("from");
    }
    w.Field("races_checked", r.races_checked);
    w.Key("races").BeginArray();
    for (const search::RaceFinding& f : r.races) {
      w.BeginObject();
      w.Field("run", f.run);
      w.Field("seed", f.seed);
      w.Field("trace", f.trace);
      render::WriteRaceFields(w, raced[f.trace], f.race);
      w.EndObject();
    }
    w.EndArray();
    w.Key("failure_groups").BeginArray();
    for (const search::FailureGroup& g : r.groups) {
      w.BeginObject();
      w.Field("signature", g.signature);
      w.Field("count", g.count);
      w.Key("runs").BeginArray();
      for (uint64_t run : g.runs) w.Value(run);
      w.EndArray();
      w.Field("trace", g.trace);
      w.EndObject();
    }
    w.EndArray();
    w.Key("later_failures").BeginArray();
    for (const search::Failure& f : r.later_failures) {
      w.BeginObject();
      w.Field("run", f.run);
      w.Field("seed", f.seed);
      w.Field("trace", f.trace);
      w.Field("outcome", format::DescribeOutcome(f.outcome));
      w.Field("signature", f.signature);
      w.Field("stacks", f.stacks);
      w.EndObject();
    }
    w.EndArray();
    w.Field("distinct_schedules", r.distinct_schedules);
    w.Field("runs_per_second", rate);
    w.Field("wall_seconds", r.wall_seconds);
    w.Field("strategy", strategy);
    w.Field("first_seed", options.first_seed);
    w.Field("complete", r.complete);
    w.Field("coverage", r.coverage);
    w.Key("memory").BeginObject();
    w.Field("instrumented", r.memory_instrumented);
    w.Field("interleaved", r.memory_events != 0);
    w.Field("events", r.memory_events);
    w.Field("sites", static_cast<uint64_t>(r.memory_sites.size()));
    w.EndObject();
    WriteAtomicField(w, r.atomic);
    w.Field("interrupted", r.interrupted_by != 0);
    if (strategy == "bounded")
      w.Field("preemption_bound", arg("preemptions"));
    else
      w.NullField("preemption_bound");
    w.Field("jobs", static_cast<uint64_t>(result->jobs));
    w.Field("isolated", result->isolated);
    w.Field("spawn", spawn_text);
    w.Field("forked_runs", r.forked_runs);
    w.Field("forked_late_runs", r.forked_late_runs);
    if (r.spawn_note.empty())
      w.NullField("spawn_note");
    else
      w.Field("spawn_note", r.spawn_note);
    w.Key("failures_by_kind").BeginObject();
    for (const auto& [kind, count] : by_kind) w.Field(kind, count);
    w.EndObject();
    if (strategy == "pct") {
      w.Key("pct").BeginObject();
      w.Field("depth", arg("depth"));
      w.Field("steps", r.args.count("steps") != 0 ? r.args.at("steps") : 0);
      w.Field("threads", static_cast<uint64_t>(r.max_threads));
      w.Field("per_run_probability", bound.per_run);
      w.Field("missed_probability", r.failures.empty() ? bound.missed : 0.0);
      w.EndObject();
    } else {
      w.NullField("pct");
    }
    w.EndObject();
    std::printf("%s\n", w.TakeString().c_str());
    if (r.interrupted_by != 0) return 128 + r.interrupted_by;
    if (reproduce) return found != nullptr ? kExitFound : kExitOk;
    return r.failures.empty() ? kExitOk : kExitFound;
  }

  char summary[200];
  std::snprintf(summary, sizeof(summary), " in %.2f s (%.0f runs/s), ", r.wall_seconds, rate);
  Say(plural(r.runs, "run") + summary + plural(r.distinct_schedules, "distinct schedule"));
  if (sharded) {
    std::string line =
        "shard " + std::to_string(options.shard_index) + "/" + std::to_string(options.shard_count) +
        ": its own runs of the " + std::to_string(options.runs) + " (j % " +
        std::to_string(options.shard_count) + " == " + std::to_string(options.shard_index) + ")";
    if (r.learning_runs != 0) {
      line += ", and " + plural(r.learning_runs, "run") + " of other shards' to learn memory sites";
    }
    if (r.stopped_at_foreign_failure != 0) {
      line += "; stopped: run " + std::to_string(r.stopped_at_foreign_failure) +
              " (another shard's) fails, which ends the search there";
    }
    Say(line + "; weft merge combines the shards' --json results");
  }
  if (r.interrupted_by != 0) {
    Say("interrupted by " + format::DescribeSignal(r.interrupted_by) + " after " +
        plural(r.runs, "complete run") + (r.failures.empty() ? ", no failure found" : ""));
  }
  if (strategy == "pct") {
    char line[300];
    std::snprintf(line, sizeof(line),
                  "pct: n = %u threads, k = %llu choices, depth <= %llu: each run hits a given bug "
                  "of that depth with probability >= %.3g",
                  r.max_threads,
                  static_cast<unsigned long long>(r.args.count("steps") ? r.args.at("steps") : 0),
                  static_cast<unsigned long long>(arg("depth")), bound.per_run);
    Say(line);
  }
  // What the claims below cover (the registry's scope of this strategy).
  const bool memory_points = r.memory_events != 0;
  const std::string scope =
      search::Scope(*info, search::WithDefaults(*info, r.args), memory_points);
  const std::string caveat = search::CoverageCaveat(memory_points, r.memory_sites.size());
  if (info->exhaustive && r.complete) {
    Say("complete: ran " + scope + " (" + plural(r.runs, "run") + "); " + caveat);
  } else if (info->exhaustive && r.failures.empty() && r.interrupted_by == 0) {
    Say("not complete: the search stopped before it ran " + scope + " (raise --runs)");
  }
  if (std::string note = AtomicNote(r.atomic); !note.empty()) Say(note);
  if (std::string note = MemoryNote(r.memory_instrumented, r.memory_events); !note.empty()) {
    Say(note);
  }
  if (r.memory_foreign_heap) Say("note: " + session::ForeignHeapNote());
  // Each new pair of racing sites once, in the order of the runs that found them.
  for (const search::RaceFinding& f : r.races) {
    std::string text = render::RaceReportText(raced[f.trace], f.race, f.trace);
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
  if (!r.races.empty()) {
    std::map<std::string, uint64_t> runs_of;
    for (const search::RaceFinding& f : r.races) runs_of[f.trace] = f.run;
    Say(plural(r.races.size(), "data race") + " (distinct pairs of sites) in " +
        plural(runs_of.size(), "run") + "; their runs are saved:");
    for (const auto& [trace, run] : runs_of) {
      Say("  run " + std::to_string(run) + ": weft replay " + ShellQuote(trace));
    }
  } else if (r.races_checked) {
    Say("no data race in " + plural(r.runs, "run"));
  }
  if (reproduce) {
    for (const search::Failure& f : r.failures) {
      if (f.target) continue;
      Say("run " + std::to_string(f.run) +
          " failed otherwise: " + format::DescribeOutcome(f.outcome) + "; saved: " + f.trace);
    }
    if (found == nullptr) {
      if (r.interrupted_by != 0) return 128 + r.interrupted_by;
      Say("the recorded failure (" + format::DescribeOutcome(from->outcome) +
          ") did not happen in " + plural(r.runs, "run") +
          (r.complete ? " (every reversal of a conflicting pair was tried)"
                      : "; raise --runs to search on"));
      return kExitOk;
    }
    Say("run " + std::to_string(found->run) +
        " failed as recorded: " + format::DescribeOutcome(found->outcome));
    std::string tail = LastLines(found->output, 5);
    if (!tail.empty()) {
      std::fprintf(stderr, "      its last output:\n");
      size_t pos = 0;
      while (pos < tail.size()) {
        size_t nl = tail.find('\n', pos);
        if (nl == std::string::npos) nl = tail.size();
        std::fprintf(stderr, "        | %s\n", tail.substr(pos, nl - pos).c_str());
        pos = nl + 1;
      }
    }
    Say("saved as a controlled trace: " + found->trace);
    if (result->verify_replays != 0) {
      Say("replayed it " + plural(result->verify_replays, "time") + ": " +
          std::to_string(result->verify_reproduced) + "/" + std::to_string(result->verify_replays) +
          " reproduced" +
          (result->verify_problem.empty() ? "" : " (" + result->verify_problem + ")"));
    }
    Say("replay it with: weft replay " + ShellQuote(found->trace));
    if (why) SayWhy(*why);
    return kExitFound;
  }
  if (r.failures.empty()) {
    if (r.interrupted_by != 0) return 128 + r.interrupted_by;
    Say("no failure found in " + plural(r.runs, "run"));
    if (strategy == "pct") {
      char line[200];
      std::snprintf(line, sizeof(line), "missed by all %llu runs with probability <= %.3g: ",
                    static_cast<unsigned long long>(r.runs), bound.missed);
      Say(line + scope + "; " + caveat);
    } else if (!info->exhaustive) {
      Say("covered: " + r.coverage);
    }
    return kExitOk;
  }
  std::string kinds;
  for (const auto& [kind, count] : by_kind) {
    kinds += (kinds.empty() ? "" : ", ") + std::to_string(count) + " " + kind;
  }
  Say("failures by kind: " + kinds);
  if (r.failures.size() > 1) {
    Say(plural(r.failures.size(), "failing run") + ", " +
        plural(r.groups.size(), "distinct failure") + ":");
    for (const search::FailureGroup& g : r.groups) {
      std::string runs;
      for (size_t i = 0; i < g.runs.size() && i < 10; ++i) {
        runs += (i == 0 ? "" : ", ") + std::to_string(g.runs[i]);
      }
      if (g.runs.size() > 10) runs += ", ...";
      Say("  " + std::to_string(g.count) + " x " + g.signature + " (run" +
          (g.runs.size() == 1 ? " " : "s ") + runs + "; first saved as " + g.trace + ")");
    }
  }
  for (const search::Failure& f : r.failures) {
    Say("run " + std::to_string(f.run) + " (seed " + std::to_string(f.seed) +
        ") FAILED: " + (f.race ? "a data race (--fail-on-race); the program " : "") +
        format::DescribeOutcome(f.outcome));
    std::string tail = LastLines(f.output, 5);
    if (!tail.empty()) {
      std::fprintf(stderr, "      its last output:\n");
      size_t pos = 0;
      while (pos < tail.size()) {
        size_t nl = tail.find('\n', pos);
        if (nl == std::string::npos) nl = tail.size();
        std::fprintf(stderr, "        | %s\n", tail.substr(pos, nl - pos).c_str());
        pos = nl + 1;
      }
    }
    Say("saved: " + f.trace);
    Say("replay it with: weft replay " + ShellQuote(f.trace));
  }
  if (why) SayWhy(*why);
  for (const search::Failure& f : r.later_failures) {
    Say("also failed while the search was stopping (-j " + std::to_string(result->jobs) +
        " had it running; not counted): run " + std::to_string(f.run) + " (seed " +
        std::to_string(f.seed) + "): " + format::DescribeOutcome(f.outcome) +
        ", saved: " + f.trace);
  }
  return kExitFound;
}

}  // namespace weft::cli
