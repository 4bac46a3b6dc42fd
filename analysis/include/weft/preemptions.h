// preemptions.h — which events of a trace preempted a thread: the decision that ran the
// event switched away from a thread that could have gone on (schedule_stats.h's
// IsPreemption), as `weft show` marks them.
#pragma once

#include <cstdint>
#include <vector>

#include "weft/trace.h"

namespace weft::analysis {

// The preemptions of a trace, per event.
struct Preemptions {
  // Per event: the thread its decision switched away from although that thread could have
  // gone on; -1 when the decision preempted nobody (or it is not known to have).
  std::vector<int32_t> preempted;
  uint64_t count = 0;
  // True: from the enabled sets the run recorded (Trace::enabled_sets), exact. False:
  // inferred from the events alone (see FindPreemptions).
  bool exact = false;
};

// The preemptions of `trace`. With recorded enabled sets, exact: the thread that reached
// the schedule point was enabled and another ran. Without them, inferred: the thread that
// reached decision i is the one that ran event i - 1 (unless that event ended it); it could
// have gone on when its next operation (its next event, or its pending one at a deadlock)
// cannot block (the event table's `waits` column), is a try, or is a lock of an object
// nobody else held at decision i (lock/unlock sections, a condition wait's mutex), or a join
// of a thread that had exited. Operations whose readiness the events do not tell (a
// semaphore, a condition or futex wake-up, a sleep) count as not ready: an inferred
// preemption is always a real one, some real ones may be missed. Deterministic.
Preemptions FindPreemptions(const format::Trace& trace);

}  // namespace weft::analysis
