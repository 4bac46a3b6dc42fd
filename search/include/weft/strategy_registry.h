// strategy_registry.h — the search strategies by name: the only place strategy names live
// (the CLI's --strategy, its help text and `weft explore --list-strategies` come from here).
// Each entry says what the strategy does, its parameters, how a search with it runs, the
// chooser it builds, and what its completeness claim covers.
//
// Adding a strategy: its chooser in sched/ (one line in weft/sched/strategies.h), one entry
// here (strategy_registry.cc), its tests. Nothing in session/, explore's dispatch or the
// trace header changes.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "weft/calibration.h"
#include "weft/explorer.h"
#include "weft/result.h"
#include "weft/run.h"
#include "weft/sched/strategies.h"

namespace weft::search {

// One parameter of a strategy, given on the command line as --NAME VALUE.
struct StrategyParameter {
  std::string name;           // "depth"
  std::string type;           // "uint", "path"
  std::string default_value;  // as text, "" = none
  std::string help;           // one line
  std::string metavar;        // the value's name in help texts: "D"
  uint64_t min = 0;           // uint: the smallest value allowed
  uint64_t max = UINT64_MAX;  // uint: the largest value allowed
};

// The chooser a seeded search runs with `args` (every uint parameter, defaults filled in)
// and `seed`: what the shim builds and how the trace header records it.
using MakeChooser = session::Strategy (*)(const StrategyArgs& args, uint64_t seed);

// The chooser of run `run` (0-based) of a search whose first seed is `first_seed`, for a
// strategy that is no single chooser (auto's portfolio): which chooser, and its seed, are
// the strategy's to decide, from the run's number alone (so -j and shards do not change
// them).
using RunChooser = session::Strategy (*)(const StrategyArgs& args, uint64_t first_seed,
                                         uint64_t run);

// What a search with `args` (defaults and learned values filled in) covers, as a noun
// phrase that names the switch points: "every schedule with at most 2 preemptions at
// synchronization calls".
// `points` names the schedule points: "synchronization calls", or with memory points
// "synchronization calls and memory accesses".
using ScopeFunction = std::string (*)(const StrategyArgs& args, const std::string& points);

// Fills the parameters a strategy learns from a calibration run (CalibrationRun: one
// random walk with kCalibrationSeed) into `args`.
using LearnFunction = void (*)(const CalibrationRun& run, StrategyArgs* args);

// A search: runs schedules of options.base until a failure, the budget or completeness.
using SearchFunction = Result<ExploreResult> (*)(const ExploreOptions& options,
                                                 const ExploreProgress& progress);

// A strategy `weft explore --strategy NAME` runs.
struct StrategyInfo {
  std::string name;
  bool is_default = false;
  std::string description;   // one line: how it picks
  std::string completeness;  // one line: what a clean search with it says, and what not
  std::vector<StrategyParameter> parameters;
  // How the search runs: Explore (seeds S, S+1, … under `chooser`) or a search of its own.
  SearchFunction search = nullptr;
  // A seeded chooser (random, pct; also what `weft record --strategy` runs); nullptr for
  // searches that build each schedule from earlier runs.
  MakeChooser chooser = nullptr;
  // A uint parameter learned, when not given, from the calibration run (by `learn`): pct's "steps"
  // (k, the run's choices). "" = none.
  std::string calibrated;
  // What the search covers (Coverage). A search that is `exhaustive` says `complete` when
  // it ran all of it; the others make no completeness claim.
  ScopeFunction scope = nullptr;
  bool exhaustive = false;
  // What the strategy learns from the calibration run; nullptr = it makes none. The run is
  // made unless `calibrated` names a parameter that was given.
  LearnFunction learn = nullptr;
  // A portfolio (auto): the chooser of each run; nullptr = `chooser` with seed S+i.
  RunChooser for_run = nullptr;
  // A portfolio: the strategies its runs take turns at (run i: portfolio[i % size]).
  std::vector<std::string> portfolio;
};

// Whether `strategy` is a seeded search: each run a chooser of its own, from the run's
// number (random, pct, pos, surw, auto), so runs can go side by side and to shards.
bool IsSeeded(const StrategyInfo& strategy);

// The chooser of run `run` (0-based) of a seeded search with `args` and `first_seed`:
// `chooser` with seed first_seed + run, or the portfolio's turn.
session::Strategy ChooserForRun(const StrategyInfo& strategy, const StrategyArgs& args,
                                uint64_t first_seed, uint64_t run);

// Whether a search with `strategy` and the given `args` first makes a calibration run.
bool NeedsCalibration(const StrategyInfo& strategy, const StrategyArgs& args);

// Said of every claim: weft switches threads only at synchronization calls.
inline constexpr const char* kCoverageCaveat =
    "plain memory accesses between them were not interleaved";

// Added to the coverage of a search whose runs made schedule points in CPython's bytecode.
inline constexpr const char* kInterpCoverage =
    "; CPython's bytecode was interleaved too, at an interpreter point every 48 calls on "
    "average (where the GIL may change hands at its next check)";

// Said once of a run or search in which no memory access was a schedule point.
inline constexpr const char* kMemoryNotInterleaved =
    "plain memory accesses were not interleaved: build with weft cc to search them";

// What a search with `strategy` and `args` covers, in full: its scope and the caveat, e.g.
// "every schedule with at most 2 preemptions at synchronization calls; plain memory
// accesses between them were not interleaved" (ExploreResult::coverage, JSON `coverage`).
std::string Coverage(const StrategyInfo& strategy, const StrategyArgs& args);
// The same for a search whose runs made memory accesses schedule points (an instrumented
// build, `memory_sites` sites learned): the caveat says which accesses were interleaved.
// `instrumented` false: the points were atomic instructions of an uninstrumented program
// (weft's atomic sites), and no plain access was interleaved.
std::string Coverage(const StrategyInfo& strategy, const StrategyArgs& args, bool memory_points,
                     uint64_t memory_sites, bool instrumented = true);

// The scope of `strategy` alone (what it ran), its schedule points named ("its runs" when it
// has no scope), e.g. "every schedule with at most 2 preemptions at synchronization calls".
std::string Scope(const StrategyInfo& strategy, const StrategyArgs& args, bool memory_points);
// What the scope leaves out: kCoverageCaveat, or with memory points which accesses were
// points (`memory_sites` sites learned) and that the others were not interleaved.
std::string CoverageCaveat(bool memory_points, uint64_t memory_sites);

// "1 preemption", "2 preemptions".
std::string Plural(uint64_t n, const std::string& word);

// Every strategy, the default first.
const std::vector<StrategyInfo>& StrategyRegistry();

// The default strategy of explore (auto).
const StrategyInfo& DefaultStrategy();

// The strategy called `name`, nullptr if there is none.
const StrategyInfo* FindStrategy(const std::string& name);

// "random, pct, bounded, conflicts": for error messages.
std::string StrategyNames();

// `args` with every uint parameter of `strategy` that it lacks set to its default.
StrategyArgs WithDefaults(const StrategyInfo& strategy, StrategyArgs args);

// Checks each given value against its parameter's range: "--depth must be between 1 and
// 17". Names that are not parameters of `strategy` are errors too.
Status CheckArgs(const StrategyInfo& strategy, const StrategyArgs& args);

// What a strategy's MakeChooser returns: chooser C of sched/ with `params`, recorded in the
// trace header as a SEARCH schedule named `name` with `seed` and the rest of `args`.
template <typename C>
session::Strategy ChooserStrategy(const std::string& name, const typename C::Params& params,
                                  uint64_t seed, const StrategyArgs& args) {
  session::Strategy s;
  s.name = name;
  s.spec = sched::MakeStrategySpec<C>(params);
  s.header.kind = format::ScheduleSpec::Kind::kSearch;
  s.header.seed = seed;
  for (const auto& [key, value] : args) {
    if (key != "seed") s.header.parameters.emplace_back(key, value);
  }
  return s;
}

// The strategy of one run (record's default): random.
const StrategyInfo& DefaultRunStrategy();

// The choosers the searches use beside the registry's: the non-preemptive tail of guided
// and planned runs, and a random walk (the first run of a conflicts search, calibration).
session::Strategy Nonpreemptive();
session::Strategy RandomWalk(uint64_t seed);

}  // namespace weft::search
