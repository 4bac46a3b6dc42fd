// calibration.h — what one random-walk run of a program says about it, for the strategies
// that learn from an earlier run before they search: pct's k (the run's choices) and surw's
// estimates (each thread's interesting events). Explore and `weft record --strategy` make
// the same run (seed kCalibrationSeed, whatever the search's seeds), so a run of a search
// is its strategy and its seed alone: `weft record --strategy NAME --seed N` runs it again.
#pragma once

#include <cstdint>
#include <vector>

#include "weft/result.h"
#include "weft/run.h"
#include "weft/trace.h"

namespace weft::search {

// The seed of the calibration run's random walk.
inline constexpr uint64_t kCalibrationSeed = 1;

struct CalibrationRun {
  bool controlled = false;  // the shim took control (else nothing below means anything)
  uint64_t events = 0;
  // Events whose decision had more than one entry (a thread or a deadline): PCT's k.
  uint64_t choices = 0;
  // By tid: the thread's interesting events (sched::IsInteresting, on an object).
  std::vector<uint64_t> interesting;
  std::vector<uint64_t> memory_sites_found;
};

// What the run `trace` records says (no program runs).
CalibrationRun CalibrationOf(const format::Trace& trace);

// Runs `config` once under a random walk with `seed`, without stacks, its trace in a
// temporary file that is read and removed.
Result<CalibrationRun> Calibrate(session::RunConfig config, uint64_t seed);

}  // namespace weft::search
