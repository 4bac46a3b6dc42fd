#include "weft/strategy_registry.h"

#include <algorithm>

#include "weft/sched/strategies.h"

namespace weft::search {
namespace {

using K = format::ScheduleSpec::Kind;

uint64_t ArgOf(const StrategyArgs& args, const std::string& name) {
  auto it = args.find(name);
  return it == args.end() ? 0 : it->second;
}

session::Strategy Random(const StrategyArgs&, uint64_t seed) { return RandomWalk(seed); }

session::Strategy Pct(const StrategyArgs& args, uint64_t seed) {
  sched::PctChooser::Params p;
  p.seed = seed;
  p.depth = static_cast<uint32_t>(ArgOf(args, "depth"));
  p.steps = ArgOf(args, "steps");
  session::Strategy s;
  s.name = "pct";
  s.spec = sched::MakeStrategySpec<sched::PctChooser>(p);
  s.header.kind = K::kPct;
  s.header.seed = seed;
  s.header.pct_depth = p.depth;
  s.header.pct_steps = p.steps;
  return s;
}

void PctLearn(const CalibrationRun& run, StrategyArgs* args) {
  if (args->count("steps") == 0) (*args)["steps"] = std::max<uint64_t>(run.choices, 1);
}

session::Strategy Pos(const StrategyArgs& args, uint64_t seed) {
  sched::PosChooser::Params p;
  p.seed = seed;
  return ChooserStrategy<sched::PosChooser>("pos", p, seed, args);
}

// surw's learned estimates: "estimateT" for thread T (the calibration run's interesting
// events of T), absent when T had none.
std::string EstimateName(uint32_t tid) { return "estimate" + std::to_string(tid); }

void SurwLearn(const CalibrationRun& run, StrategyArgs* args) {
  for (uint32_t t = 0; t < run.interesting.size() && t < sched::SurwChooser::kEstimates; ++t) {
    if (run.interesting[t] != 0) (*args)[EstimateName(t)] = run.interesting[t];
  }
}

session::Strategy Surw(const StrategyArgs& args, uint64_t seed) {
  sched::SurwChooser::Params p;
  p.seed = seed;
  for (uint32_t t = 0; t < sched::SurwChooser::kEstimates; ++t) {
    p.estimate[t] = static_cast<uint16_t>(std::min<uint64_t>(ArgOf(args, EstimateName(t)), 65535));
  }
  return ChooserStrategy<sched::SurwChooser>("surw", p, seed, args);
}

// auto's portfolio, in the order its runs take turns.
const std::vector<std::string>& AutoPortfolio() {
  static const std::vector<std::string> kPortfolio = {"random", "pct", "pos", "surw"};
  return kPortfolio;
}

void AutoLearn(const CalibrationRun& run, StrategyArgs* args) {
  PctLearn(run, args);
  SurwLearn(run, args);
}

// Run i of auto is the portfolio's (i % P)-th strategy with seed S + i / P: the runs of each
// member are that strategy's own search from seed S, interleaved, so auto's first failure
// is at most P times the best member's.
session::Strategy AutoRun(const StrategyArgs& args, uint64_t first_seed, uint64_t run) {
  const std::vector<std::string>& portfolio = AutoPortfolio();
  const StrategyInfo* member = FindStrategy(portfolio[run % portfolio.size()]);
  StrategyArgs own;
  for (const StrategyParameter& p : member->parameters) {
    auto it = args.find(p.name);
    if (it != args.end()) own[p.name] = it->second;
  }
  if (member->name == "surw") {
    for (const auto& [key, value] : args) {
      if (key.rfind("estimate", 0) == 0) own[key] = value;
    }
  }
  own.erase("seed");
  return member->chooser(WithDefaults(*member, own), first_seed + run / portfolio.size());
}

std::string RandomScope(const StrategyArgs&, const std::string& points) {
  return "only the schedules of the seeds that were run, at " + points;
}

std::string PctScope(const StrategyArgs& args, const std::string& points) {
  return "bugs of depth <= " + std::to_string(ArgOf(args, "depth")) + " in the order of " + points;
}

std::string PosScope(const StrategyArgs&, const std::string& points) {
  return "only the schedules of the seeds that were run, at " + points;
}

std::string AutoScope(const StrategyArgs&, const std::string& points) {
  return "only the schedules of the seeds that were run (random, pct, pos and surw in turn), at " +
         points;
}

std::string BoundedScope(const StrategyArgs& args, const std::string& points) {
  return "every schedule with at most " + Plural(ArgOf(args, "preemptions"), "preemption") +
         " at " + points;
}

std::string ConflictsScope(const StrategyArgs&, const std::string& points) {
  return "every reversal of two conflicting " + points +
         ", and every call left pending, reachable from the first run";
}

}  // namespace

std::string Plural(uint64_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string Scope(const StrategyInfo& strategy, const StrategyArgs& args, bool memory_points) {
  if (strategy.scope == nullptr) return "its runs";
  return strategy.scope(
      args, memory_points ? "synchronization calls and memory accesses" : "synchronization calls");
}

std::string CoverageCaveat(bool memory_points, uint64_t memory_sites) {
  if (!memory_points) return kCoverageCaveat;
  return "memory accesses were schedule points at " + Plural(memory_sites, "site") +
         " learned from shared memory and wherever two threads shared a granule; other plain "
         "memory accesses were not interleaved";
}

std::string Coverage(const StrategyInfo& strategy, const StrategyArgs& args) {
  return Coverage(strategy, args, false, 0);
}

std::string Coverage(const StrategyInfo& strategy, const StrategyArgs& args, bool memory_points,
                     uint64_t memory_sites, bool instrumented) {
  if (memory_points && !instrumented) {
    return Scope(strategy, args, true) +
           "; the atomic instructions of the program's own code were schedule points (atomic "
           "sites); plain memory accesses were not interleaved";
  }
  return Scope(strategy, args, memory_points) + "; " + CoverageCaveat(memory_points, memory_sites);
}

session::Strategy Nonpreemptive() {
  session::Strategy s;
  s.name = "nonpreemptive";
  s.spec = sched::MakeStrategySpec<sched::NonpreemptiveChooser>({});
  return s;
}

session::Strategy RandomWalk(uint64_t seed) {
  session::Strategy s;
  s.name = "random";
  s.spec = sched::MakeStrategySpec<sched::RandomChooser>({seed});
  s.header.kind = K::kRandom;
  s.header.seed = seed;
  return s;
}

const std::vector<StrategyInfo>& StrategyRegistry() {
  static const std::vector<StrategyInfo> kStrategies = {
      {"auto",
       true,
       "a portfolio: run i is random, pct, pos or surw in turn (i % 4), with seed S + i/4 — "
       "each member's own search from seed S, interleaved",
       "none: a clean search only says that these seeds did not fail; the first failure comes "
       "at most 4 times as late as with the best of the four alone",
       {{"seed", "uint", "1", "first seed; run i uses its member's seed S+i/4", "S"},
        {"depth", "uint", "3", "auto: pct's depth D (1 to 17)", "D", 1, 17}},
       Explore,
       nullptr,
       "",
       AutoScope,
       false,
       AutoLearn,
       AutoRun,
       AutoPortfolio()},
      {"random",
       false,
       "uniform among the threads that can run, at every decision",
       "none: a clean search only says that these seeds did not fail (threads switch at "
       "synchronization calls only)",
       {{"seed", "uint", "1", "first seed; run i uses seed S+i-1", "S"}},
       Explore,
       Random,
       "",
       RandomScope,
       false,
       nullptr,
       nullptr,
       {}},
      {"pct",
       false,
       "PCT: random thread priorities, d-1 priority change points (finds a bug of depth <= d "
       "with probability >= 1/(n*k^(d-1)) per run)",
       "probabilistic: after a clean search, the chance that a bug of depth <= d in the order of "
       "synchronization calls was missed (plain memory accesses between them are not "
       "interleaved)",
       {{"seed", "uint", "1", "first seed; run i uses seed S+i-1", "S"},
        {"depth", "uint", "3", "pct: cover bugs of depth 1..D (1 to 17)", "D", 1, 17},
        {"steps", "uint", "",
         "pct: k, the choices of a run (decisions with more than one thread to run; default: "
         "learned from a calibration run, a random walk with seed 1)",
         "K", 1}},
       Explore,
       Pct,
       "steps",
       PctScope,
       false,
       PctLearn,
       nullptr,
       {}},
      {"pos",
       false,
       "partial order sampling (Yuan et al. 2018): a random priority per event, the highest "
       "enabled one runs, and the events that race with it draw new ones",
       "none: a clean search only says that these seeds did not fail (threads switch at "
       "synchronization calls only)",
       {{"seed", "uint", "1", "first seed; run i uses seed S+i-1", "S"}},
       Explore,
       Pos,
       "",
       PosScope,
       false,
       nullptr,
       nullptr,
       {}},
      {"surw",
       false,
       "selectively uniform random walk (Zhao et al. 2025): among the threads about to operate "
       "on a shared object (not a release), each weighted by its interesting events left "
       "(estimated from a calibration run); other operations run as soon as they can",
       "none: a clean search only says that these seeds did not fail (threads switch at "
       "synchronization calls only)",
       {{"seed", "uint", "1", "first seed; run i uses seed S+i-1", "S"}},
       Explore,
       Surw,
       "",
       PosScope,
       false,
       SurwLearn,
       nullptr,
       {}},
      {"bounded",
       false,
       "depth-first search over every schedule with at most C preemptions",
       "complete: every schedule with at most C preemptions at synchronization calls was run "
       "(said only when it is true); plain memory accesses between them were not interleaved, "
       "but for a weft cc build: then also at the memory accesses of the sites its runs learned "
       "(it starts over whenever a run learns new ones)",
       {{"preemptions", "uint", "2", "bounded: the preemption bound", "C"}},
       ExploreBounded,
       nullptr,
       "",
       BoundedScope,
       true,
       nullptr,
       nullptr,
       {}},
      {"conflicts",
       false,
       "from a first run, reverse each conflicting pair (replay the prefix, let the other "
       "thread go first), recursively",
       "complete: every reversal of every conflicting pair of synchronization calls, and every "
       "call left pending, reachable from the first run was tried; plain memory accesses "
       "between them were not interleaved, but for a weft cc build: then also pairs of memory "
       "accesses at the sites its runs learned (it starts over whenever a run learns new ones)",
       {{"seed", "uint", "1", "conflicts: seed of the first run (without --from)", "S"},
        {"from", "path", "", "conflicts: start from this recorded run", "TRACE"}},
       ExploreConflicts,
       nullptr,
       "",
       ConflictsScope,
       true,
       nullptr,
       nullptr,
       {}},
  };
  return kStrategies;
}

bool NeedsCalibration(const StrategyInfo& strategy, const StrategyArgs& args) {
  if (strategy.learn == nullptr) return false;
  return strategy.calibrated.empty() || args.count(strategy.calibrated) == 0;
}

bool IsSeeded(const StrategyInfo& strategy) {
  return strategy.chooser != nullptr || strategy.for_run != nullptr;
}

session::Strategy ChooserForRun(const StrategyInfo& strategy, const StrategyArgs& args,
                                uint64_t first_seed, uint64_t run) {
  if (strategy.for_run != nullptr) return strategy.for_run(args, first_seed, run);
  return strategy.chooser(args, first_seed + run);
}

const StrategyInfo& DefaultRunStrategy() { return *FindStrategy("random"); }

const StrategyInfo& DefaultStrategy() {
  for (const StrategyInfo& s : StrategyRegistry()) {
    if (s.is_default) return s;
  }
  return StrategyRegistry().front();
}

const StrategyInfo* FindStrategy(const std::string& name) {
  for (const StrategyInfo& s : StrategyRegistry()) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::string StrategyNames() {
  std::string names;
  for (const StrategyInfo& s : StrategyRegistry()) names += (names.empty() ? "" : ", ") + s.name;
  return names;
}

StrategyArgs WithDefaults(const StrategyInfo& strategy, StrategyArgs args) {
  for (const StrategyParameter& p : strategy.parameters) {
    if (p.type != "uint" || p.default_value.empty() || args.count(p.name) != 0) continue;
    args[p.name] = std::stoull(p.default_value);
  }
  return args;
}

Status CheckArgs(const StrategyInfo& strategy, const StrategyArgs& args) {
  for (const auto& [name, value] : args) {
    auto p = std::find_if(strategy.parameters.begin(), strategy.parameters.end(),
                          [&](const StrategyParameter& q) { return q.name == name; });
    if (p == strategy.parameters.end() || p->type != "uint") {
      return MakeError("--" + name + " is not a parameter of strategy " + strategy.name);
    }
    if (value < p->min || value > p->max) {
      if (p->max == UINT64_MAX) {
        return MakeError("--" + name + " must be at least " + std::to_string(p->min));
      }
      return MakeError("--" + name + " must be between " + std::to_string(p->min) + " and " +
                       std::to_string(p->max));
    }
  }
  return Status::Ok();
}

}  // namespace weft::search
