// explorer.h — schedule search: runs a program under a strategy with seeds S, S+1, …,
// stops at the first failure (or keeps going), and saves every failing schedule as a
// replayable trace.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "weft/race.h"
#include "weft/result.h"
#include "weft/run.h"

namespace weft::search {

struct StrategyInfo;  // weft/strategy_registry.h

// Values of a strategy's uint parameters by name ("depth" → 3); a parameter not given
// takes the registry's default.
using StrategyArgs = std::map<std::string, uint64_t>;

struct ExploreOptions {
  session::RunConfig base;  // program, environment, shim; schedule and trace are set per run
  const StrategyInfo* strategy = nullptr;  // nullptr = the registry's default (random)
  StrategyArgs args;                       // the strategy's parameters (--depth, --preemptions)
  uint64_t runs = 100;
  uint64_t first_seed = 1;
  bool keep_going = false;
  std::string out_dir = ".";  // where failing traces go
  // Frames per event in every run's trace (each run writes one; the failing ones are kept).
  // 0 = none, the default: the shim's unwinder costs more than the rest of a short run.
  uint32_t stack_depth = 0;
  // A kept failure recorded without stacks (stack_depth 0) is replayed once with this many
  // frames per event and the replay's trace kept instead, when it reproduced the run (same
  // events, same outcome); 0 = keep the run's own trace as it is (`--stack-depth 0`).
  uint32_t failure_stack_depth = 32;
  uint32_t jobs = 1;                    // runs side by side; results are the same for any value
  const format::Trace* from = nullptr;  // conflicts: start from this run (else seed S)
  std::string from_path;
  // The failure to reproduce (explore --from TRACE: the recorded outcome). A run that fails
  // otherwise (analysis::SameFailure says no) is kept and reported but does not end the
  // search; the first that fails the same way does (ExploreResult::target_run). nullptr =
  // any failure ends it. Conflicts only.
  const format::Outcome* target = nullptr;
  // With target: text the run's output must hold as well to fail the same way (the recorded
  // run's failed assertion, "file.c:12: main: Assertion `x' failed."); "" = none.
  std::string target_message;
  // Data races (analysis/race.h; programs built with `weft cc`): every run's trace is
  // checked before it is dropped (stacks of at least kRaceStackDepth frames: the reports
  // need them); a run with a race keeps its trace, and the races at pairs of sites no
  // earlier run raced at go to ExploreResult::races. The search goes on.
  bool check_races = false;
  // With check_races: a run with a data race is a failure (Failure::race).
  bool fail_on_race = false;
  // --shard i/N (seeded strategies): this search makes the runs j (0-based) with
  // j % shard_count == shard_index and reports only those; N shards together make exactly
  // the unsharded search (weft merge combines them). The runs' memory sites come from the
  // first kLearningRuns runs only (MemoryEpoch): with shard_learns, a shard also makes the
  // runs of that prefix it does not own, for their sites alone, as every shard computes the
  // same learning prefix. A run of another shard's that fails ends the shard too (without
  // keep_going the unsharded search ends there), unreported.
  uint64_t shard_index = 0;
  uint64_t shard_count = 1;
  bool shard_learns = true;  // the program may learn memory sites (links libweft_rt.so)
};

// Runs whose memory access sites later runs learn from: run i gets the sites found by the
// runs before min(MemoryEpoch(i), kLearningRuns). A bounded prefix, so that a shard of a
// search can compute it without the other shards.
inline constexpr uint64_t kLearningRuns = 64;

// Frames per stack in a race-checked search's runs when options.stack_depth is less.
inline constexpr uint32_t kRaceStackDepth = 16;

struct Failure {
  uint64_t run = 0;  // 1-based
  uint64_t seed = 0;
  // The strategy of its chooser (auto's member that ran it; else the search's own).
  std::string strategy;
  std::string trace;   // the failing run's own trace, written while it ran
  std::string output;  // the program's stdout+stderr of that run
  format::Outcome outcome;
  // Always true: the trace is the failing run itself, never a re-run (kept for the JSON's
  // `reproduced` field, which said whether a saving re-run failed the same way).
  bool reproduced = true;
  // What identifies the failure: the outcome and where it happened (FailureSignature).
  std::string signature;
  // The trace's per-event stacks (kStacks* below): "recorded" (the run had them), "replayed"
  // (the trace is an exact replay of the run, with stacks), "none" (not asked for) or "not
  // reproduced" (a replay with stacks did not reproduce the run: its own trace, no stacks).
  std::string stacks;
  // "not reproduced": how the replay with stacks differed from the run ("it diverged at
  // event 12732: …", "it made 12,791 events where the run made 12,885").
  std::string stacks_why;
  bool race = false;  // a failure by ExploreOptions::fail_on_race: the run had a data race
  // With ExploreOptions::target: this run failed the same way as the target.
  bool target = false;
};

// The search's first run when it starts from a recorded run (ExploreOptions::from): that
// run's schedule followed (for a free recording, its order of synchronization events).
struct FromRun {
  bool ran = false;
  bool diverged = false;          // the program left the recorded order
  uint64_t divergence_index = 0;  // the run's event where it left it
  std::string divergence;         // the first divergence, for a human
  format::Outcome outcome;        // how that run ended
};

// A data race one run of a search found at a pair of sites no earlier run raced at.
struct RaceFinding {
  uint64_t run = 0;  // 1-based
  uint64_t seed = 0;
  std::string trace;    // the run's own trace (the race's event indexes are its own)
  analysis::Race race;  // as FindRaces reports it in `trace`
};

inline constexpr const char* kStacksRecorded = "recorded";
inline constexpr const char* kStacksReplayed = "replayed";
inline constexpr const char* kStacksNone = "none";
inline constexpr const char* kStacksNotReproduced = "not reproduced";

// Failures with one signature: how many runs failed that way, and the first of them.
struct FailureGroup {
  std::string signature;
  uint64_t count = 0;
  std::vector<uint64_t> runs;  // 1-based run numbers, in order
  std::string trace;           // the first one's trace
};

struct ExploreResult {
  uint64_t runs = 0;
  // Runs forked from a fork server (base.spawn kFork), and why runs were exec'd though
  // kFork was asked, or forked at main though they could have been forked past it (the
  // first RunReport::spawn_note; "" = none was).
  uint64_t forked_runs = 0;
  // Of those, the runs forked past main (RunReport::fork_late).
  uint64_t forked_late_runs = 0;
  std::string spawn_note;
  StrategyArgs args;               // the parameters the search ran with, learned ones (pct's
                                   // k, "steps") and defaults included
  uint32_t max_threads = 0;        // most threads seen in one run (n)
  uint64_t first_failure_run = 0;  // 0 = none
  // With ExploreOptions::target: the first run that failed the same way (1-based), 0 = none.
  uint64_t target_run = 0;
  FromRun from_run;  // with ExploreOptions::from
  std::vector<Failure> failures;
  std::vector<FailureGroup> groups;  // the failures grouped by signature, first seen first
  // Runs past the first failure that failed too (made side by side with -j, without
  // --keep-going): not results (-j 1 would not have made them), but their traces are kept.
  std::vector<Failure> later_failures;
  // ExploreOptions::check_races: each new pair of sites once, in the order of the runs.
  std::vector<RaceFinding> races;
  bool races_checked = false;  // check_races was on
  uint64_t distinct_schedules = 0;
  double wall_seconds = 0;
  uint64_t total_events = 0;
  bool complete = false;   // an exhaustive strategy ran all of `coverage`
  std::string coverage;    // what the search covers (Coverage of the registry)
  int interrupted_by = 0;  // the search was stopped by this signal (Ctrl-C): runs is partial
  uint64_t executed = 0;   // runs actually made (with -j, some past the first failure)
  // Memory accesses (instrumented builds): whether any run's program reported accesses,
  // the MEM_* events (schedule points) of all runs, and the candidate sites learned (the
  // union of every run's memory_sites_found and the sites the search started with).
  bool memory_instrumented = false;
  // INTERP_POINT events of all runs: CPython's bytecode was interleaved between calls.
  uint64_t interp_points = 0;
  bool memory_foreign_heap = false;  // any run's RunReport::memory_foreign_heap
  // The atomic sites of the runs (the first run's, `reached` if any run's were).
  session::AtomicSitesSummary atomic;
  uint64_t memory_events = 0;
  std::vector<uint64_t> memory_sites;
  // A shard (ExploreOptions::shard_count > 1): the runs it made for the learning prefix
  // that other shards own (not results), and the first run of another shard's that failed
  // (0 = none), where it stopped.
  uint64_t learning_runs = 0;
  uint64_t stopped_at_foreign_failure = 0;
};

// Called after every run (from the worker that ran it, one call at a time) with the number
// of runs finished so far, the run's own 1-based number (with -j, runs finish out of order),
// its seed and its report.
using ExploreProgress = std::function<void(uint64_t done, uint64_t run, uint64_t seed,
                                           const session::RunReport& report)>;

// Runs the search of options.strategy (its StrategyInfo::search).
Result<ExploreResult> Search(const ExploreOptions& options, const ExploreProgress& progress);

// A seeded search: runs i = 0, 1, … under the strategy's chooser with seed S+i, `jobs`
// runs at a time (random, pct). Memory access sites that touched shared memory become
// schedule points of later runs: run i gets the sites of every run before MemoryEpoch(i)
// (runs 1, 2, 4, 8, 16, then every 16 start an epoch; only the first kLearningRuns runs
// teach), so results do not depend on -j nor on sharding.
Result<ExploreResult> Explore(const ExploreOptions& options, const ExploreProgress& progress);

// Systematic depth-first search over the schedules with at most args["preemptions"]
// preemptions (each schedule is a prefix of an earlier run plus one different choice, then
// no more preemptions). `complete` says whether the whole space was covered within
// options.runs runs.
Result<ExploreResult> ExploreBounded(const ExploreOptions& options,
                                     const ExploreProgress& progress);

// Conflict-directed search: from a first run (options.from, or seed S under a random walk),
// reverse each conflicting pair (replay the prefix, let the other thread go first), and
// recursively the pairs of every new run, within options.runs runs, never running a
// schedule twice. When the first run replays options.from and left its recorded order,
// the first run's pairs are reversed nearest that divergence first (a data race that made
// the replay go another way lies shortly before it).
Result<ExploreResult> ExploreConflicts(const ExploreOptions& options,
                                       const ExploreProgress& progress);

// The first run of the epoch of run i (0-based): the runs before it gave run i its sites.
uint64_t MemoryEpoch(uint64_t i);

// Creates `dir` and the directories above it that do not exist yet (as `mkdir -p`).
Status CreateDirectories(const std::string& dir);

// Runs `config` once (options.stack_depth frames per event), writing its trace (and its
// output) while it runs; when the run fails, keeps them in options.out_dir as
// `<program>-<name>.weft` (and .weft.out) and fills *failure; when it passes, removes them.
// A failing run without stacks is replayed once with options.failure_stack_depth frames;
// when that replay reproduced it, the replay's trace is kept in its place.
// With options.check_races, a run that
// passes with a data race keeps its trace as `<program>-race-<name>.weft` in *race_trace
// (with fail_on_race it is a failure instead); RunReport::races counts the run's races.
Result<session::RunReport> RunKeepingFailure(const ExploreOptions& options,
                                             session::RunConfig config, uint64_t run,
                                             const std::string& name,
                                             std::optional<Failure>* failure,
                                             std::string* race_trace = nullptr);

// What identifies a failure: its outcome (kind, exit code or signal) and its site — the
// crash's innermost frame with a function, or each deadlocked thread's operation, object
// and innermost frame. Runs that fail the same way at the same place share it.
std::string FailureSignature(const format::Trace& trace);

// Groups failures by signature, in order of first appearance.
std::vector<FailureGroup> GroupFailures(const std::vector<Failure>& failures);

}  // namespace weft::search
