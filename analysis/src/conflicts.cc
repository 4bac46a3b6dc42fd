// conflicts.cc — FindConflicts: walks the trace once, event by event: happens-before edges
// in (happens_before.h), the event's accesses (access.h) paired and recorded (pairs.h),
// edges out; then the pending operations of the threads blocked at the end.
#include "weft/conflicts.h"

#include <algorithm>

#include "happens_before.h"
#include "pairs.h"
#include "weft/access.h"

namespace weft::analysis {
namespace {

size_t ObjectCount(const format::Trace& trace) {
  size_t objects = trace.objects.size();
  for (const format::Event& e : trace.events)
    objects = std::max<size_t>(objects, size_t{e.obj} + 1);
  for (const format::BlockedThread& b : trace.outcome.blocked) {
    objects = std::max<size_t>(objects, size_t{b.obj} + 1);
  }
  return objects;
}

}  // namespace

std::vector<Conflict> FindConflicts(const format::Trace& trace) {
  ThreadNumbers threads = ThreadNumbers::Of(trace);
  size_t objects = ObjectCount(trace);
  HappensBefore hb(trace, threads, objects);
  PairFinder pairs(objects, threads.real);
  for (uint64_t i = 0; i < trace.events.size(); ++i) {
    const format::Event& e = trace.events[i];
    uint32_t t = threads.dense[e.tid];
    hb.Tick(t, i);
    hb.Acquire(t, e);
    Touches touches = AccessesOf(e, hb.State(t, e));
    for (const Touch& touch : touches)
      pairs.Pair(i, t, e.kind, touch, -1, hb.Without(t, touch.obj));
    for (const Touch& touch : touches) pairs.Record(i, t, e.kind, touch);
    hb.Release(i, t, e);
  }
  // The pending operation of a thread blocked at the end of the trace, as the access it
  // would make; it synchronizes with nothing (it never ran).
  if (trace.has_outcome) {
    for (size_t b = 0; b < trace.outcome.blocked.size(); ++b) {
      const format::BlockedThread& blocked = trace.outcome.blocked[b];
      uint32_t t = threads.dense[blocked.tid];
      for (const Touch& touch : PendingAccessesOf(blocked.kind, blocked.obj, hb.CondMutex(t))) {
        pairs.Pair(trace.events.size(), t, blocked.kind, touch, static_cast<int32_t>(b),
                   hb.Without(t, touch.obj));
      }
    }
  }
  return pairs.Take();
}

}  // namespace weft::analysis
