// race_scan.h — the race check of a search's runs (ExploreOptions::check_races): each pair of
// racing sites is reported once (analysis::RaceDedup: also the pair of lines on the same
// bytes), from the first run (in run order) that raced there.
#pragma once

#include <cstdint>
#include <string>

#include "weft/explorer.h"
#include "weft/race.h"
#include "weft/result.h"

namespace weft::search::internal {

// The pairs of sites a search has reported, in the order of its runs.
class RaceLedger {
 public:
  // Adds the races of run `run` (its trace kept at `trace`) at pairs of sites not reported
  // yet to result->races; how many it added.
  Result<uint64_t> Add(uint64_t run, uint64_t seed, const std::string& trace,
                       ExploreResult* result);

 private:
  analysis::RaceDedup seen_;
};

}  // namespace weft::search::internal
