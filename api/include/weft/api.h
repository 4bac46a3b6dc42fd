// api.h — weft as a library: typed options and results for record, replay, explore,
// permute and minimize; what the CLI computes before it prints. Printing (text or JSON) is
// the caller's.
//
// No process-global side effects: nothing here changes the caller's working directory (a
// recorded program runs in its own through the launcher), installs signal handlers of its
// own, or changes CPU affinity, unless an option asks (Host::cpu pins the *program*;
// Host::handle_signals installs the launcher's handlers during each run). What the
// launcher does while a program runs is documented at launcher::Run.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "weft/explain.h"
#include "weft/explorer.h"
#include "weft/minimize.h"
#include "weft/result.h"
#include "weft/run.h"
#include "weft/strategy_registry.h"
#include "weft/trace.h"

namespace weft::api {

// Running the program a trace names (replay, permute, minimize) -----------------------------

// What the user allows beyond the checks of CheckTraceCommand.
struct TraceTrust {
  bool force = false;  // --force: run the program even if it changed since the recording
  bool trust = false;  // --trust: run what the trace says (loader variables, another program)
};

// One way the environment of a trace's program differs from the current one.
struct EnvDifference {
  enum class Kind { kAdded, kChanged, kRemoved };
  Kind kind = Kind::kAdded;
  std::string name;
  std::string value;  // what the program gets (kAdded, kChanged)
};

// What running a trace's program would do, found before anything runs
// (api/src/trace_check.cc). Nothing here executes the program.
struct TraceCommand {
  std::string executable;  // the file that would run
  std::vector<std::string> argv;
  std::string cwd;        // the working directory it would run in
  bool cwd_gone = false;  // the recorded one does not exist: it runs in the current one
  std::vector<EnvDifference> env_differences;
  std::vector<std::string> redacted;          // variables stored as digests only
  std::vector<std::string> redacted_missing;  // of those, not set here (left unset)
  std::vector<std::string> redacted_differs;  // set here to another value than recorded
  bool redacted_unchecked = false;            // the digests use a scheme this weft lacks
  // Loader variables (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, …, and the code-loading
  // variables of common interpreters) the trace sets or changes from the current values.
  std::vector<std::string> loader_variables;
  // "" or why the file at `executable` is not the recorded one ("the program changed since
  // the recording: …").
  std::string program_changed;
  // The trace does not say which build it recorded (an older writer): nothing was compared.
  bool program_unchecked = false;
  // The environment the program would get, "K=V", and what a trace of the run redacts.
  std::vector<std::string> env;
  std::vector<std::string> keep_env, redact_env;
};

// Checks what the program of `trace` (read from `path`) would be run as: the executable
// (resolved, with the recorded build-id compared), arguments, working directory, the
// environment (redacted values from `current_env`, "K=V") and how it differs from
// `current_env`.
Result<TraceCommand> CheckTraceCommand(const format::Trace& trace, const std::string& path,
                                       const std::vector<std::string>& current_env);

// Why `command` must not run without more trust (an error naming the problem and the option
// that overrides it), or Ok: a loader variable without trust.trust; a changed program without
// trust.force or trust.trust.
Status AllowTraceCommand(const TraceCommand& command, const std::string& path,
                         const TraceTrust& trust);

// What every command needs from its host.
struct Host {
  std::string shim_path;  // libweft_preload.so; "" = FindShim()
  // >= 0: pin the controlled program to this CPU (the CLI passes the CPU it runs on);
  // -1: leave the program's affinity alone.
  int cpu = -1;
  // true: during each run of a program, the launcher's SIGCHLD/SIGINT/SIGTERM/SIGHUP
  // handlers are installed (a Ctrl-C stops the search after the current run, the previous
  // dispositions come back after it; see launcher::Run). false (the default): no
  // disposition is touched; signals are the caller's to handle (SIGCHLD must not be
  // SIG_IGN), and RunReport::interrupted_by stays 0.
  bool handle_signals = false;
  // Receives what the user should know that is not an error (one sentence each, e.g. "the
  // recorded working directory /x is gone; running in the current one"); may be empty.
  std::function<void(const std::string&)> note;
  // Called once the program is prepared (resolved, shim found), before its first run; may
  // be empty. (The CLI says "recording …" there, after any error in preparing it.)
  std::function<void()> started;
  // Called with the command a trace's program will run (replay, permute, minimize), after
  // the checks passed and before it runs; may be empty.
  std::function<void(const TraceCommand&)> command;
};

// Path of libweft_preload.so: $WEFT_PRELOAD if set, else next to the running executable
// (`../lib/weft/`, the build and install trees); an error says where it looked.
Result<std::string> FindShim();

// The environment of this process as "K=V" strings.
std::vector<std::string> CurrentEnvironment();

// A RunConfig for the program `argv` (resolved and checked) with the environment `env`
// ("K=V"), the shim and the host's CPU; the schedule is left to the caller.
Result<session::RunConfig> ProgramConfig(const std::vector<std::string>& argv,
                                         std::vector<std::string> env, const Host& host);

// A RunConfig that runs the program of a recorded trace again as it was recorded: same
// executable, arguments, environment, working directory (the program's: weft's own is left
// alone), virtual clock bases and limits, stack depth (as recorded: it shapes the memory
// layout), stdin (as recorded), a private view of the files when the recording had one (a
// note when it cannot be had here), and a schedule that replays `trace` (callers that
// change the schedule set their own). `trace` must outlive the config.
// Checks the command first (CheckTraceCommand, AllowTraceCommand with `trust`) and hands it
// to host.command; says through host.note which redacted variables are missing or differ.
Result<session::RunConfig> TraceConfig(const format::Trace& trace, const std::string& path,
                                       const Host& host, const TraceTrust& trust = {});

// An error when `trace` (read from `path`) is a free recording (weft record --free): its
// events are the recorded order of synchronization events, not a controlled run's
// decisions, which `command` ("explain", "permute") changes one at a time. The message says
// what to do: weft explore --from saves a controlled trace that fails as recorded.
Status RequireControlled(const format::Trace& trace, const std::string& path,
                         const std::string& command);

// Calls host.started if set.
void Started(const Host& host);

// weft record ------------------------------------------------------------------------------

struct RecordOptions {
  std::vector<std::string> argv;  // the program and its arguments
  std::vector<std::string> env;   // its environment, "K=V"
  std::string cwd;                // its working directory ("" = the caller's)
  std::string trace_path;         // where the trace goes
  uint64_t seed = 0;              // of the strategy
  // A seeded strategy of the registry (one with a chooser); nullptr = the default (random).
  const search::StrategyInfo* strategy = nullptr;
  // Its parameters; one it learns (pct's "steps", k) is learned, when absent, from a random
  // walk with `seed`, as explore learns it from its first seed.
  search::StrategyArgs args;
  uint32_t stack_depth = 32;   // frames per event; 0 = no stacks
  double timeout_seconds = 0;  // 0 = none
  uint64_t max_steps = 0;      // 0 = unlimited
  int stdout_fd = -1;          // the program's output: -1 = inherit
  int stderr_fd = -1;
  std::vector<std::string> keep_env;    // --keep-env: names stored in clear after all
  std::vector<std::string> redact_env;  // --redact-env: more names stored as digests
  // The program's stdin, whole (recorded in the trace); nullptr = inherit weft's.
  std::shared_ptr<const std::string> stdin_data;
  bool isolate = false;  // a private view of its files (see session::RunConfig::isolate)
  // Memory access sites (pcs) to make schedule points (--memory-sites TRACE: the sites a
  // trace found and used); empty: the run only learns them.
  std::vector<uint64_t> memory_sites;
  // The atomic instructions of the program's own code are schedule points
  // (session::RunConfig::atomic_sites); false: --no-atomic-sites.
  bool atomic_sites = true;
  // A free recording (session::RunConfig::free_mode): the threads run in parallel; the
  // strategy, seed, stacks, atomic and memory sites are not used.
  bool free_mode = false;
  // With free_mode, > 0: a flight recording (session::RunConfig::ring_bytes): only the last
  // `ring_bytes` of events and inputs are kept, written to trace_path if the program fails,
  // and to a new file each time ring_dump_requested returns true (the caller decides when:
  // the CLI on SIGUSR1); ring_dumped hears of each.
  uint64_t ring_bytes = 0;
  // With free_mode: the deadlock watchdog (session::RunConfig::watchdog_seconds), 0 = none.
  double watchdog_seconds = 0;
  std::function<bool()> ring_dump_requested;
  std::function<void(const session::RingDump&)> ring_dumped;
};

// One controlled run written as a trace. Errors are weft's (cannot start, cannot write);
// what the program did is the report.
Result<session::RunReport> Record(const RecordOptions& options, const Host& host);

// weft replay ------------------------------------------------------------------------------

struct ReplayOptions {
  uint64_t times = 1;                     // replays to run and check (at least 1)
  std::string output;                     // "" = none; else the last replay's trace
  std::optional<double> timeout_seconds;  // default: the recorded run's limit
  std::optional<uint64_t> stop_at;        // stop before this event (times is then 1)
  // With stop_at: hold the program there and hand it to this (a debugger: replay --gdb)
  // instead of ending it; session::RunConfig::hold says what it gets.
  std::function<void(const session::HeldProgram&)> debugger;
  TraceTrust trust;    // --force, --trust
  int stdout_fd = -1;  // the program's output: -1 = inherit
  int stderr_fd = -1;
  // false: a replay that diverges stops there, reporting every thread's pending operation
  // and stack; true: the program goes on past the divergence, unscheduled by the trace.
  bool continue_after_divergence = false;
  // Where to keep the trace of the first replay that diverges, when it writes none to
  // `output` ("" = nowhere). Replays write it while they run and drop it when they do not
  // diverge.
  std::string divergence_output;
};

// After each replay: its number (1-based), whether it reproduced, and the replays so far
// that did not.
using ReplayProgress =
    std::function<void(uint64_t replay, bool reproduced, uint64_t not_reproduced)>;

struct ReplayResult {
  uint64_t replays = 0;           // replays run (fewer than asked when interrupted)
  uint64_t reproduced_count = 0;  // of those, how many reproduced
  bool reproduced = false;        // every asked replay ran and reproduced
  // The first replay that did not reproduce, for a human: "diverged at …", "same length but
  // a different event stream", "same events but a different outcome: …"; "" if none.
  std::string first_problem;
  session::RunReport last;  // the last replay
  std::string output;       // the trace written ("" if none)
  int interrupted_by = 0;   // a signal stopped the replays before the last (0 = none)
  // The first diverging replay: its report and its trace (`output` when that replay wrote
  // it, else ReplayOptions::divergence_output; "" when none was kept).
  std::optional<session::RunReport> diverged;
  std::string divergence_trace;
};

// Replays `trace` (read from `path`) and checks every event and the outcome against it.
Result<ReplayResult> Replay(const format::Trace& trace, const std::string& path,
                            const ReplayOptions& options, const Host& host,
                            const ReplayProgress& progress = {});

// weft explore -----------------------------------------------------------------------------

// PCT's guarantee for a search: per run, a bug of depth <= d is hit with probability at
// least 1/(d·n·k^(d-1)); after R clean runs the chance that it was missed is at most
// (1-p)^R.
struct PctBound {
  double per_run = 0;
  double missed = 1;
};
PctBound ComputePctBound(uint32_t depth, uint32_t threads, uint64_t steps, uint64_t runs);

struct ExploreOptions {
  std::vector<std::string> argv;        // the program and its arguments
  std::vector<std::string> env;         // its environment, "K=V"
  double timeout_seconds = 10;          // per run
  uint64_t max_steps = 0;               // per run, 0 = none; more is a "livelock?" failure
                                        // (beside the progress judgement,
                                        // session::RunConfig::progress_window)
  std::vector<std::string> keep_env;    // --keep-env: names stored in clear after all
  std::vector<std::string> redact_env;  // --redact-env: more names stored as digests
  // The program's stdin, whole: every run reads the same bytes (recorded in each trace);
  // nullptr = inherit weft's.
  std::shared_ptr<const std::string> stdin_data;
  // Give every run a private view of its working directory and /tmp, so that runs side by
  // side never see each other's files. Where that is not possible, Explore says so
  // (host.note) and runs one at a time without it.
  bool isolate = true;
  std::vector<uint64_t> memory_sites;  // memory access sites known before the search
  bool atomic_sites = true;            // session::RunConfig::atomic_sites (--no-atomic-sites)
  // How each run's process starts (session::RunConfig::spawn, --spawn): kFork forks it from
  // a fork server per worker; a program that cannot be served is exec'd, and Explore says
  // why once (host.note).
  session::RunConfig::Spawn spawn = session::RunConfig::Spawn::kFork;
  // The search: strategy, runs, seeds, jobs, out_dir… (`base` is filled from the above).
  search::ExploreOptions search;
  // Whether runs are checked for data races (search.check_races): nullopt = when the
  // program links weft's runtime (LinksWeftRuntime: built with `weft cc`).
  std::optional<bool> check_races;
  // explore --from TRACE (read from from_path; it must outlive the call): the program, its
  // arguments, environment, directory, stdin and recorded inputs' limits come from the trace
  // as a replay takes them (TraceConfig: argv, env, stdin_data, isolate and spawn above are
  // unused); the search (search.strategy: the caller's, conflicts) starts from the recorded
  // order and ends at the first run that fails as the recording failed (search.target); that
  // run's saved trace is then replayed `verify_times` times.
  const format::Trace* from_trace = nullptr;
  std::string from_path;
  TraceTrust trust;  // --force, --trust (with from_trace)
  uint64_t verify_times = 3;
};

struct ExploreSummary {
  search::ExploreResult result;
  double runs_per_second = 0;  // executed runs per second of wall time
  PctBound pct;                // pct: the bound of this search
  uint32_t jobs = 1;           // runs side by side (1 when isolation was not possible)
  bool isolated = false;       // the runs had private views of their files
  // from_trace, when a run failed as recorded (result.target_run): the replays of its saved
  // trace, how many of them reproduced it, and the first problem ("" = none).
  uint64_t verify_replays = 0;
  uint64_t verify_reproduced = 0;
  std::string verify_problem;
};

// Runs the search of options.search.strategy (the registry's default when null);
// `progress` is called after every run.
Result<ExploreSummary> Explore(const ExploreOptions& options, const Host& host,
                               const search::ExploreProgress& progress = {});

// weft permute -----------------------------------------------------------------------------

struct PermuteOptions {
  uint64_t at = 0;                        // the decision to change (an event index)
  uint32_t thread = 0;                    // the thread to run there
  std::string output;                     // the new trace
  std::optional<double> timeout_seconds;  // default: the recorded limit, or 10
  // Where the program's stdout and stderr go: "" = inherited, else this file (created or
  // truncated once the options are checked).
  std::string output_file;
  TraceTrust trust;  // --force, --trust
};

struct PermuteResult {
  session::RunReport report;
  bool forced = false;  // the thread could run at `at` (else the run went on unchanged)
};

// Replays the first `at` events of `trace`, runs `thread` at decision `at`, then continues
// without preemptions, writing options.output.
Result<PermuteResult> Permute(const format::Trace& trace, const std::string& path,
                              const PermuteOptions& options, const Host& host);

// weft minimize ----------------------------------------------------------------------------

struct MinimizeOptions {
  std::string output;                     // the minimized trace
  uint64_t max_runs = 300;                // candidate schedules at most
  std::optional<double> timeout_seconds;  // default: the recorded limit, or 10
  TraceTrust trust;                       // --force, --trust
};

// Shrinks the failing schedule of `trace` to the fewest preemptions that still fail the
// same way.
Result<search::MinimizeResult> Minimize(const format::Trace& trace, const std::string& path,
                                        const MinimizeOptions& options, const Host& host,
                                        const search::MinimizeProgress& progress = {});

// weft explain -----------------------------------------------------------------------------

struct ExplainOptions {
  std::string control_output;             // the control run's trace (fails as recorded)
  std::string passing_output;             // the reversal's trace (passes)
  uint64_t max_runs = 80;                 // program runs at most
  bool thread_pairs = false;              // also pairs on thread handles (create/exit/join)
  std::optional<double> timeout_seconds;  // default: the recorded limit, or 10
  TraceTrust trust;                       // --force, --trust
  bool bisect = false;  // search::Bisect (between the trace and a passing run) instead
};

// The conflicting pair of `trace` (a failing run) whose order turns the failure into a pass
// (search/include/weft/explain.h says how it is found and what it claims).
Result<search::ExplainResult> Explain(const format::Trace& trace, const std::string& path,
                                      const ExplainOptions& options, const Host& host,
                                      const search::ExplainProgress& progress = {});

}  // namespace weft::api
