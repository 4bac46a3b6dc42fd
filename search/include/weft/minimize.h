// minimize.h — shrinks a failing schedule to the fewest preemptions that still fail the
// same way, keeping it replayable.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "weft/result.h"
#include "weft/run.h"
#include "weft/trace.h"

namespace weft::search {

struct MinimizeOptions {
  // The recorded program (from the trace's header), with replay_of set to the trace.
  session::RunConfig base;
  std::string output;       // the minimized trace
  uint64_t max_runs = 300;  // candidate schedules to try at most
};

struct MinimizeResult {
  uint64_t preemptions_before = 0;
  uint64_t preemptions_after = 0;
  uint64_t switches_before = 0;  // context switches (preemptive or not)
  uint64_t switches_after = 0;
  uint64_t events_before = 0;
  uint64_t events_after = 0;
  uint64_t runs = 0;        // candidate runs made
  format::Outcome outcome;  // of the minimized schedule
  std::string trace;        // where it was written
  bool verified = false;    // a strict replay of the written trace reproduced it
};

// Called after each candidate run: runs so far, current best preemption count.
using MinimizeProgress = std::function<void(uint64_t runs, uint64_t preemptions)>;

Result<MinimizeResult> Minimize(const MinimizeOptions& options, const MinimizeProgress& progress);

}  // namespace weft::search
