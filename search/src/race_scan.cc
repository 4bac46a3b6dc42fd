// race_scan.cc — keeping each pair of racing sites once.
#include "race_scan.h"

#include "weft/race.h"
#include "weft/trace_io.h"

namespace weft::search::internal {

Result<uint64_t> RaceLedger::Add(uint64_t run, uint64_t seed, const std::string& trace,
                                 ExploreResult* result) {
  Result<format::Trace> read = format::ReadTrace(trace, format::ReadOptions{true});
  if (!read.ok()) return read.error();
  uint64_t added = 0;
  for (analysis::Race& r : analysis::FindRaces(read.value())) {
    if (seen_.Find(r) != analysis::RaceDedup::kNone) continue;
    seen_.Add(r, 0);
    result->races.push_back(RaceFinding{run, seed, trace, std::move(r)});
    ++added;
  }
  return added;
}

}  // namespace weft::search::internal
