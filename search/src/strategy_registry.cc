#include "weft/strategy_registry.h"

namespace weft::search {

const std::vector<StrategyInfo>& StrategyRegistry() {
  static const std::vector<StrategyInfo> kStrategies = {
      {"random",
       true,
       "uniform among the threads that can run, at every decision",
       "none: a clean search only says that these seeds did not fail",
       {{"seed", "uint", "1", "first seed; run i uses seed S+i-1", "S"}}},
      {"pct",
       false,
       "PCT: random thread priorities, d-1 priority change points (finds a bug of depth <= d "
       "with probability >= 1/(n*k^(d-1)) per run)",
       "probabilistic: after a clean search, the chance that a bug of depth <= d was missed",
       {{"seed", "uint", "1", "first seed; run i uses seed S+i-1", "S"},
        {"depth", "uint", "3", "pct: cover bugs of depth 1..D (1 to 17)", "D"}}},
      {"bounded",
       false,
       "depth-first search over every schedule with at most C preemptions",
       "complete: every schedule with at most C preemptions was run (said only when it is true)",
       {{"preemptions", "uint", "2", "bounded: the preemption bound", "C"}}},
      {"conflicts",
       false,
       "from a first run, reverse each conflicting pair (replay the prefix, let the other "
       "thread go first), recursively",
       "complete: every reversal of every conflicting pair reachable from the first run was "
       "tried",
       {{"seed", "uint", "1", "conflicts: seed of the first run (without --from)", "S"},
        {"from", "path", "", "conflicts: start from this recorded run", "TRACE"}}},
  };
  return kStrategies;
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

}  // namespace weft::search
