// weft record — run a program once under control and write its trace.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <memory>

#include "cli.h"
#include "races.h"
#include "trace_trust.h"
#include "weft/instrument.h"
#include "weft/json.h"
#include "weft/launcher.h"
#include "weft/render.h"
#include "weft/strategy_registry.h"
#include "weft/trace_io.h"

namespace weft::cli {
namespace {

constexpr const char* kUsage = R"(usage: weft record [options] -- PROGRAM [ARGS...]

Runs PROGRAM with its threads under weft's control (one thread at a time, every
pthread/futex/sleep call a scheduling decision, virtual time) and writes a trace
that `weft replay` reproduces exactly.

With --free, the threads run in parallel on all cores, as without weft, and the
trace records the order in which they created, joined and ended threads, took and
released mutexes, waited on and signalled condition variables and semaphores.
`weft replay` of that trace runs the program controlled and enforces that order;
where the run did something the order does not decide (a data race, a time-dependent
branch) the replay says where it diverged. Clock reads, random bytes and reads from
outside the program are recorded, and a replay feeds them back. Not recorded yet:
rwlocks, barriers, spinlocks, futexes, forked processes.

With --free --ring SIZE, weft is a flight recorder for a long run (a service): it
keeps only the most recent SIZE of events and inputs in memory and writes them
when the program fails, or when asked while it runs (SIGUSR1 to weft, or
`weft dump PID`); a run that passes writes nothing. Its watchdog takes a run whose
threads all wait on each other for 10 s as a deadlock (--watchdog).

options:
  -o, --output FILE    where to write the trace (default: PROGRAM-SEED.weft, with
                       --free PROGRAM-free.weft)
  --free               run the threads in parallel, unscheduled, and record the order
                       of their synchronization events (see above); no --strategy,
                       --seed, --max-steps, --memory-sites (no stacks either)
  --ring SIZE          with --free: keep in memory only the most recent SIZE of the
                       trace's events and inputs (their bytes as encoded in the file;
                       64M, 1G, 512K or plain bytes, at least 64K; whole batches of up
                       to 4096 events go, oldest first; the thread and object tables and
                       the program's output are kept whole besides) and write them to -o
                       only if the program fails (non-zero exit, fatal signal, --timeout).
                       While it runs, SIGUSR1 to weft (kill -USR1 WEFT_PID) or `weft dump
                       PID` writes the window so far to a new file, -o's name with .1,
                       .2, ... before its extension (named on stderr), and the program
                       goes on. A window whose start was dropped cannot be replayed (the
                       program's state there is unknown): weft show reads it and says
                       how many events were dropped. A killed weft writes nothing
  --watchdog S         with --free: take the program as deadlocked once, for S seconds,
                       it recorded no event while every one of its threads waited on a
                       futex without timeout (a mutex, condition variable, semaphore or
                       join: what only another of its threads could end); weft then kills
                       it, the outcome is a deadlock, and --ring writes its window. Default
                       10 with --ring, none without; --watchdog 0: none
  --strategy NAME      how threads are scheduled: random (default), pct, pos or surw (as
                       `weft explore --strategy pct` runs its seed N)
  --seed N             seed of the strategy (default: drawn from the clock; printed)
  --depth D            pct: cover bugs of depth 1..D (default 3)
  --steps K            pct: expected choices per run (decisions with more than one
                       thread to run; default: learned from a random-walk
                       run with seed 1, as explore learns it); explore
                       --json prints its k as pct.steps, a trace's header holds it
  --timeout S          kill the program after S seconds of real time (default: none)
  --max-steps N        stop the program after N scheduling decisions (default: none)
  --stdin FILE         the program's stdin (default: weft's own, read whole before the
                       program starts unless it is a terminal); recorded in the trace,
                       and a replay feeds it again
  --memory-sites TRACE make the memory access sites TRACE found and used schedule
                       points (a build with weft cc; without it the run only learns
                       the sites, and weft explore uses them from its second run on)
  --no-stacks          do not record a stack per event (faster, smaller traces)
  --no-atomic-sites    leave the atomic instructions of the program's own code alone
                       (by default each lock-prefixed instruction or xchg with memory
                       in the executable and its non-system libraries is a schedule
                       point, so uninstrumented atomics are interleaved: a Rust
                       Mutex's lock and unlock; README "Atomic sites")
  --stack-depth N      frames per recorded stack (default 32)
  --keep-env NAME      store NAME's value in the trace after all (it looks secret);
                       repeatable
  --redact-env NAME    store only NAME's digest in the trace, not its value (done by
                       default for names with KEY, TOKEN, SECRET, PASSWORD, AUTH,
                       COOKIE, PRIVATE, …); repeatable. weft show lists them
  --fail-on-race       exit 1 when the run has a data race (the trace is kept)
  --json               print the result as one JSON object (weft.record/1, see
                       docs/JSON.md) as the last line of stderr: stdout is the
                       program's alone (weft record --json -- pigz -c f > f.gz)
  --json-file FILE     write that JSON object to FILE instead (implies --json)
  -h, --help           show this help

weft's own messages go to stderr; the program's output is untouched. A program built
with `weft cc` / `weft c++` has its memory accesses in the trace: the run's data races
are printed on stderr as ThreadSanitizer prints them. weft exits 0 when the recording
was written, whatever the program did (see the outcome line) — 1 with --fail-on-race
when the run has a data race — and 2 when it could not record.
)";

// SIGUSR1s weft received (a flight recording's dumps on demand).
std::atomic<uint32_t> g_dump_signals{0};

void OnDumpSignal(int) { g_dump_signals.fetch_add(1, std::memory_order_relaxed); }

// "64M", "1G", "512K", "1048576" (K, M, G: binary; an optional "B" or "iB") → bytes.
bool ParseSize(const std::string& text, uint64_t* out) {
  size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 15) return false;
  uint64_t value = std::stoull(text.substr(0, digits));
  std::string unit = text.substr(digits);
  for (char& c : unit) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  int shift = -1;
  for (auto [name, bits] : {std::pair{"", 0},
                            {"B", 0},
                            {"K", 10},
                            {"KB", 10},
                            {"KIB", 10},
                            {"M", 20},
                            {"MB", 20},
                            {"MIB", 20},
                            {"G", 30},
                            {"GB", 30},
                            {"GIB", 30}}) {
    if (unit == name) shift = bits;
  }
  if (shift < 0) return false;
  *out = value << shift;
  return true;
}

}  // namespace

int RunRecord(const std::vector<std::string>& argv) {
  std::vector<std::string> value_options = {
      "-o",          "--output",       "--strategy", "--seed",       "--timeout",
      "--max-steps", "--stack-depth",  "--keep-env", "--redact-env", "--json-file",
      "--stdin",     "--memory-sites", "--ring",     "--watchdog"};
  // The parameters of the strategies a single run can follow (the registry's choosers).
  std::vector<std::string> parameters;
  for (const search::StrategyInfo& s : search::StrategyRegistry()) {
    if (s.chooser == nullptr) continue;
    for (const search::StrategyParameter& p : s.parameters) {
      if (p.type != "uint" || p.name == "seed") continue;
      if (std::find(parameters.begin(), parameters.end(), p.name) != parameters.end()) continue;
      parameters.push_back(p.name);
      value_options.push_back("--" + p.name);
    }
  }
  Args args(argv, true, value_options);
  if (args.Flag("--help") || args.Flag("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  std::string output, strategy = "random", memory_sites_from;
  uint64_t seed = 0, max_steps = 0, depth = 32;
  double timeout = 0;
  bool have_seed = args.Uint("--seed", &seed);
  args.Value("--output", &output, "-o");
  bool have_strategy = args.Value("--strategy", &strategy);
  args.Value("--memory-sites", &memory_sites_from);
  search::StrategyArgs strategy_args;
  for (const std::string& name : parameters) {
    uint64_t value = 0;
    if (args.Uint("--" + name, &value)) strategy_args[name] = value;
  }
  args.Double("--timeout", &timeout);
  bool have_max_steps = args.Uint("--max-steps", &max_steps);
  args.Uint("--stack-depth", &depth);
  bool no_stacks = args.Flag("--no-stacks");
  bool free_mode = args.Flag("--free");
  std::string ring_text;
  uint64_t ring_bytes = 0;
  const bool ring = args.Value("--ring", &ring_text);
  double watchdog = ring ? 10 : 0;
  const bool have_watchdog = args.Double("--watchdog", &watchdog);
  bool no_atomic_sites = args.Flag("--no-atomic-sites");
  bool json = args.Flag("--json");
  bool fail_on_race = args.Flag("--fail-on-race");
  std::vector<std::string> keep_env, redact_env;
  EnvOptions(args, &keep_env, &redact_env);
  std::string json_file;
  if (args.Value("--json-file", &json_file)) json = true;
  std::string stdin_file;
  bool have_stdin_file = args.Value("--stdin", &stdin_file);
  Status st = args.Finish();
  if (!st.ok()) return Fail("record", st.error().message + " (see weft record --help)");
  if (!args.positional().empty() || args.program().empty()) {
    return Fail("record", "give the program after --, e.g. weft record -- ./prog arg");
  }
  if (have_watchdog && (!free_mode || watchdog < 0)) {
    return Fail("record", !free_mode ? "--watchdog goes with --free (a controlled run finds "
                                       "deadlocks by itself)"
                                     : "--watchdog takes a number of seconds >= 0 (0: none)");
  }
  if (ring) {
    if (!free_mode) {
      return Fail("record",
                  "--ring goes with --free: a flight recorder records a free run "
                  "(weft record --free --ring 64M -- PROGRAM)");
    }
    if (!ParseSize(ring_text, &ring_bytes)) {
      return Fail("record", "--ring " + ring_text +
                                ": give a size such as 64M, 1G, 512K or a number of bytes");
    }
    if (ring_bytes < (64u << 10)) {
      return Fail("record", "--ring " + ring_text +
                                " is too small: the window holds whole batches of events "
                                "(give at least 64K)");
    }
  }
  if (free_mode) {
    std::string scheduled = have_strategy                ? "--strategy"
                            : have_seed                  ? "--seed"
                            : have_max_steps             ? "--max-steps"
                            : !memory_sites_from.empty() ? "--memory-sites"
                            : !strategy_args.empty()     ? "--" + strategy_args.begin()->first
                                                         : "";
    if (!scheduled.empty()) {
      return Fail("record", scheduled +
                                " does not go with --free: a free recording schedules nothing "
                                "(its threads run in parallel); see weft record --help");
    }
  }
  const search::StrategyInfo* info = search::FindStrategy(strategy);
  if (info == nullptr || info->chooser == nullptr) {
    std::string seeded;
    for (const search::StrategyInfo& s : search::StrategyRegistry()) {
      if (s.chooser != nullptr) seeded += (seeded.empty() ? "" : ", ") + s.name;
    }
    if (info != nullptr && !info->portfolio.empty()) {
      return Fail("record", "strategy '" + strategy +
                                "' is a portfolio of searches, not a schedule for one run: "
                                "record one of its members (" +
                                seeded + ")");
    }
    return Fail("record", "unknown strategy '" + strategy + "' (record supports: " + seeded + ")");
  }
  if (Status s = search::CheckArgs(*info, strategy_args); !s.ok()) {
    return Fail("record", s.error().message);
  }
  if (!have_seed) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    seed = (static_cast<uint64_t>(ts.tv_nsec) ^ static_cast<uint64_t>(getpid()) << 16) % 1000000;
  }

  if (output.empty()) {
    std::string name = args.program()[0];
    size_t slash = name.rfind('/');
    if (slash != std::string::npos) name = name.substr(slash + 1);
    output = name + (free_mode ? std::string("-free") : "-" + std::to_string(seed)) + ".weft";
  }
  if (Status s = CreateParentDirectories(output); !s.ok()) return Fail("record", s.error().message);
  Result<std::shared_ptr<const std::string>> input =
      ProgramStdin(have_stdin_file ? &stdin_file : nullptr, false);
  if (!input.ok()) return Fail("record", input.error().message);
  api::RecordOptions options;
  if (!memory_sites_from.empty()) {
    Result<format::Trace> from = format::ReadTrace(memory_sites_from);
    if (!from.ok()) return Fail("record", "--memory-sites: " + from.error().message);
    options.memory_sites = from->header.memory_sites;
    options.memory_sites.insert(options.memory_sites.end(), from->memory_sites_found.begin(),
                                from->memory_sites_found.end());
    options.memory_sites = session::SortedSites(std::move(options.memory_sites));
  }
  options.argv = args.program();
  options.env = api::CurrentEnvironment();
  options.trace_path = output;
  options.seed = seed;
  options.strategy = info;
  options.args = strategy_args;
  options.stack_depth = no_stacks ? 0 : static_cast<uint32_t>(depth);
  options.atomic_sites = !no_atomic_sites;
  options.free_mode = free_mode;
  options.ring_bytes = ring_bytes;
  options.watchdog_seconds = watchdog;
  if (ring) {
    // A dump on each SIGUSR1 (weft dump PID sends it).
    struct sigaction sa = {};
    sa.sa_handler = &OnDumpSignal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGUSR1, &sa, nullptr);
    auto seen = std::make_shared<uint32_t>(0);
    options.ring_dump_requested = [seen] {
      uint32_t now = g_dump_signals.load(std::memory_order_relaxed);
      if (now == *seen) return false;
      *seen = now;  // (several signals before one poll: one dump)
      return true;
    };
    options.ring_dumped = [](const session::RingDump& d) {
      if (!d.error.empty()) {
        Say("error: dump " + std::to_string(d.dump) + " of the window: " + d.error +
            "; the recording goes on");
        return;
      }
      Say("dump " + std::to_string(d.dump) + ": the window's " + Plural(d.events, "event") +
          " (the run's events " + std::to_string(d.first_event) + " to " +
          std::to_string(d.first_event + d.events - (d.events > 0)) + ", " +
          Plural(d.inputs, "input") + ") written to " + d.path + " (" + HumanBytes(d.bytes) +
          "); the program goes on");
    };
  }
  options.timeout_seconds = timeout;
  options.max_steps = max_steps;
  options.keep_env = keep_env;
  options.redact_env = redact_env;
  options.stdin_data = input.value();
  api::Host host = CliHost();
  host.started = [&] {
    if (!json) {
      std::string given;
      for (const auto& [name, value] : search::WithDefaults(*info, strategy_args)) {
        if (name != "seed") given += ", " + name + " " + std::to_string(value);
      }
      if (free_mode && ring) {
        Say("recording " + ShellQuote(args.program()[0]) + " (free, flight recorder: the last " +
            HumanBytes(ring_bytes) +
            " of events and inputs kept, written if it fails; a dump now: kill -USR1 " +
            std::to_string(getpid()) + " or weft dump " + std::to_string(getpid()) + ")");
        return;
      }
      if (free_mode) {
        Say("recording " + ShellQuote(args.program()[0]) +
            " (free: threads in parallel, the synchronization order recorded)");
        return;
      }
      Say("recording " + ShellQuote(args.program()[0]) + " (strategy " + strategy + ", seed " +
          std::to_string(seed) + given + ")");
    }
  };
  Result<session::RunReport> report = api::Record(options, host);
  if (!report.ok()) return Fail("record", report.error().message);

  std::string outcome = format::DescribeOutcome(report->outcome);
  // The run's data races, from the trace as written: a program built with `weft cc` has
  // its memory accesses there (others have none; their trace is not read again).
  format::Trace recorded;
  std::vector<analysis::Race> races;
  const bool written = !ring || !report->trace_path.empty();
  Result<launcher::ResolvedProgram> program = launcher::ResolveProgram(args.program()[0]);
  if (written && program.ok() && api::LinksWeftRuntime(program->path)) {
    std::string unread;
    races = RacesOfTraceFile(output, &recorded, &unread);
    if (!unread.empty()) Say("warning: data races not checked: " + unread);
  }
  const int status = fail_on_race && !races.empty() ? kExitFound : kExitOk;
  if (json) {
    const format::Outcome& o = report->outcome;
    json::Writer w;
    w.BeginObject();
    w.Field("schema", kSchemaRecord);
    w.Field("trace", output);
    w.Field("seed", seed);
    w.Field("events", report->events);
    w.Field("inputs", report->inputs);
    w.Field("input_bytes", report->input_bytes);
    w.Field("bytes", report->trace_bytes);
    w.Field("failed", report->failed());
    w.Field("outcome", outcome);
    WriteOutcomeFields(w, o);
    w.Field("controlled", report->controlled);
    w.Key("notes");
    w.BeginArray();
    for (const std::string& note : report->notes) w.String(note);
    w.EndArray();
    WriteMemoryField(w, report.value());
    w.Field("wall_seconds", report->wall_seconds);
    char digest[32];
    std::snprintf(digest, sizeof(digest), "%016llx",
                  static_cast<unsigned long long>(report->event_digest));
    w.Field("event_digest", digest);
    WriteRacesField(w, recorded, races);
    w.Field("race_failure", status != kExitOk);
    if (ring) {
      const session::RingDump& f = report->ring_final;
      w.Key("ring").BeginObject();
      w.Field("window_bytes", ring_bytes);
      w.Field("written", written);
      w.Field("dropped_events", written ? f.first_event : 0);
      w.Field("window_events", written ? f.events : 0);
      w.Field("dumps", static_cast<uint64_t>(report->ring_dumps));
      w.Field("peak_bytes", report->ring_peak_bytes);
      w.EndObject();
    } else {
      w.NullField("ring");
    }
    w.EndObject();
    // NB: never on stdout: the program's output goes there, and a user who redirects it
    // (pigz -c f > f.gz) must get exactly what the program wrote.
    std::string doc = w.TakeString() + "\n";
    if (json_file.empty()) {
      std::fflush(stderr);
      std::fputs(doc.c_str(), stderr);
      return status;
    }
    FILE* f = std::fopen(json_file.c_str(), "w");
    if (f == nullptr || std::fputs(doc.c_str(), f) < 0 || std::fclose(f) != 0) {
      return Fail("record", "cannot write the JSON result to '" + json_file + "'");
    }
    return status;
  }
  if (!report->controlled) {
    Say("warning: weft's shim never took control of the program (did it drop LD_PRELOAD, or "
        "is it a script that starts the real program?); its threads were not scheduled");
  }
  Say("outcome: " + outcome);
  for (const std::string& note : report->notes) Say("note: " + note);
  if (std::string note = AtomicNote(report->atomic); !note.empty()) Say(note);
  if (std::string note = MemoryNote(report->memory_instrumented, report->memory_events);
      !note.empty() && !free_mode) {
    Say(note);
  }
  if (report->memory_instrumented && report->memory_sites_used == 0 &&
      !report->memory_sites_found.empty()) {
    Say("learned " + Plural(report->memory_sites_found.size(), "memory access site") +
        " that touched shared memory: weft explore makes such sites schedule points from its "
        "second run on; weft record --memory-sites " +
        ShellQuote(output) + " does here");
  }
  if (free_mode) {
    Say("recorded " + Plural(report->inputs, "input") + " (clock reads, random bytes, reads " +
        "from outside, directory entries; " + HumanBytes(report->input_bytes) + " of data)" +
        (ring ? std::string() : ": a replay feeds them back"));
  }
  PrintRaces(recorded, races, output);
  if (status != kExitOk) Say("failing: the run has a data race (--fail-on-race)");
  if (ring && !written) {
    Say("the program did not fail: nothing written to " + output + " (--ring writes its window " +
        "only when the program fails, or on demand: " + Plural(report->ring_dumps, "dump") +
        " written; the run made " + Plural(report->events, "event") + ")");
    return status;
  }
  if (ring) {
    const session::RingDump& f = report->ring_final;
    Say("trace written to " + output + ": the window's last " + Plural(f.events, "event") +
        " of the run's " + std::to_string(report->events) + " (" + std::to_string(f.first_event) +
        " dropped by --ring), " + HumanBytes(report->trace_bytes));
    if (f.first_event != 0 || f.dropped_inputs != 0) {
      Say("a window whose start was dropped cannot be replayed; read it with: weft show " +
          ShellQuote(output));
      return status;
    }
    Say("nothing was dropped: replay it with: weft replay " + ShellQuote(output));
    return status;
  }
  Say("trace written to " + output + " (" + Plural(report->events, "event") + ", " +
      HumanBytes(report->trace_bytes) + ")");
  Say("replay it with: weft replay " + ShellQuote(output));
  return status;
}

}  // namespace weft::cli
