// conflict_rank.h — the order in which `weft conflicts` lists a trace's conflicting pairs:
// the pair that decides the failure first (when it is known: weft explain's critical pair),
// then pairs of the failing thread near the failure, then the rest nearest the end first;
// pairs on thread handles (create, exit, join, detach) only on request.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "weft/conflicts.h"
#include "weft/trace.h"

namespace weft::analysis {

// One listed pair: its index into the FindConflicts list and why it is where it is.
struct RankedConflict {
  size_t index = 0;
  bool critical = false;        // the critical pair given to RankConflicts
  bool failing_thread = false;  // involves a failing thread, near the failure
};

struct ConflictRanking {
  std::vector<RankedConflict> order;      // the pairs to list, first to last
  uint64_t hidden = 0;                    // thread-handle pairs left out (all == false)
  std::vector<uint32_t> failing_threads;  // see FailingThreads
};

// The threads a failure is pinned on: a crash's thread, a deadlock's blocked threads, or,
// for a run that exited or was killed otherwise, the thread of its last event. Empty when
// the trace did not fail.
std::vector<uint32_t> FailingThreads(const format::Trace& trace);

// Whether the pair is on a thread handle (create, exit, join, detach).
bool IsThreadPair(const format::Trace& trace, const Conflict& c);

// The first event "near the failure": the last max(64, events / 4) events begin here (0 for
// a short trace). The GUI's "near the failure" filter shows the same window.
uint64_t NearFailureStart(const format::Trace& trace);

// Near the failure: the pair's later side is at or after NearFailureStart (a deadlock's
// pending operation is at the very end).
bool NearFailure(const format::Trace& trace, const Conflict& c);

// The ranking (see the top of this file). `critical` (may be null) is matched by its two
// events and object; ties keep the nearest the end first, then FindConflicts' order.
// Deterministic.
ConflictRanking RankConflicts(const format::Trace& trace, const std::vector<Conflict>& conflicts,
                              const Conflict* critical, bool all);

}  // namespace weft::analysis
