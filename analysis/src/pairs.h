// pairs.h — finding the reported conflicting pairs (conflicts.h, "Which pairs are
// reported"): per object and thread, the latest access and the latest write, and which of
// the other threads' events were paired already.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "reversal.h"
#include "vector_clock.h"
#include "weft/access.h"
#include "weft/conflicts.h"
#include "weft/trace.h"

namespace weft::analysis {

class PairFinder {
 public:
  // `objects`: object ids below it are valid; `real_tids`: dense thread number → tid.
  PairFinder(size_t objects, const std::vector<uint32_t>& real_tids);

  // Pairs access `touch` of event `index` (events.size() for a pending operation, then
  // `blocked` >= 0) by dense thread t, of kind `kind`, with the other threads' accesses to
  // the object that `known` (t's clock without the object's edges) does not order.
  void Pair(uint64_t index, uint32_t t, format::EventKind kind, const Touch& touch, int32_t blocked,
            const Clock& known);
  // Records the access after its pairs were found (every access of an event is paired
  // before any is recorded).
  void Record(uint64_t index, uint32_t t, format::EventKind kind, const Touch& touch);
  // The pairs, sorted by (first, second, obj).
  std::vector<Conflict> Take();

 private:
  static constexpr uint64_t kNoEvent = std::numeric_limits<uint64_t>::max();

  // What another thread's events were paired with one thread's events on one object. The
  // candidates of a write are the other thread's latest access, of a read its latest write;
  // both only grow, so the greatest paired event of each kind tells whether a candidate was
  // paired already.
  struct Paired {
    uint32_t tid = 0;
    uint64_t max_any = 0;    // 1 + the greatest paired event, 0 = none
    uint64_t max_write = 0;  // 1 + the greatest paired event that was a write, 0 = none
  };
  // One thread's accesses to one object (dense thread numbers).
  struct ThreadAccess {
    uint32_t tid = 0;
    uint64_t last = kNoEvent;  // its latest access
    Access last_access = Access::kNone;
    format::EventKind last_kind = format::EventKind::kNone;
    uint64_t last_reversal = 0;      // Conflict::reversal if `last` is a pair's first
    uint64_t last_write = kNoEvent;  // its latest write
    format::EventKind last_write_kind = format::EventKind::kNone;
    uint64_t last_write_reversal = 0;
    OpenSection section;  // lock-like objects: the section it holds
    // Events of other threads already paired with an (earlier) event of this thread: only
    // the earliest event of this thread is paired with a given event.
    std::vector<Paired> paired;
  };

  ThreadAccess& AccessOf(uint32_t obj, uint32_t t);

  std::vector<std::vector<ThreadAccess>> objects_;  // by object id
  const std::vector<uint32_t>& real_;
  std::vector<Conflict> out_;
};

}  // namespace weft::analysis
