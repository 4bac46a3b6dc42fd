// pos.h — partial order sampling (after Yuan, Yang and Gu, "Partial Order Aware Concurrency
// Sampling", CAV 2018): every pending event gets a random priority and the enabled event
// with the highest priority runs; once it has run, the events of other threads that race
// with it (the same object, not both reads) draw new priorities, since its running may
// have changed which of them should come first, while the others keep theirs. A thread's
// next event is a new event with a new priority. So an event that does not race with what
// runs keeps its place in line, and a late event can stay late for a whole run — the
// orders of racing events are sampled rather than every interleaving of independent ones.
#pragma once

#include "weft/sched/interesting.h"
#include "weft/sched/point.h"
#include "weft/sched/rng.h"

namespace weft::sched {

class PosChooser {
 public:
  // Parameters in the schedule spec.
  struct Params {
    uint64_t seed = 0;
  };

  constexpr PosChooser() = default;

  // Starts the run for `params.seed`: no event has a priority yet.
  void Init(const Params& params) {
    rng_ = Rng(params.seed ^ 0x504F53504F53504Full);
    for (uint32_t i = 0; i < kMaxThreads; ++i) priority_[i] = 0;
  }

  // The priority of thread `tid`'s pending event, 0 = not drawn yet.
  uint64_t priority(uint16_t tid) const { return priority_[tid]; }

  // Index into point.enabled. A timed entry (its deadline would fire) takes part with the
  // priority of its thread's event, admitted at this decision with the chance TimeWeight
  // gives.
  uint32_t PickThread(const Point& point) {
    const uint32_t ready = point.count - point.timed;
    uint32_t best = 0;
    uint64_t best_priority = 0;
    for (uint32_t i = 0; i < point.count; ++i) {
      if (i >= ready) {
        uint64_t w = TimeWeight(point.wait_ns[i - ready]);
        if (w < kTimeWeight && (rng_.Next() >> 44) >= w) continue;  // 20 random bits
      }
      uint64_t& p = priority_[point.enabled[i]];
      if (p == 0) p = rng_.Next() | 1;
      if (p > best_priority) {
        best_priority = p;
        best = i;
      }
    }
    const uint16_t chosen = point.enabled[best];
    if (point.pending != nullptr) {
      // NB: before the chosen event runs, while every thread's pending event is still the
      // one this decision saw.
      Pending ran = point.pending(point.context, chosen);
      for (uint32_t i = 0; i < point.count; ++i) {
        uint16_t tid = point.enabled[i];
        if (tid == chosen) continue;
        if (Races(ran, point.pending(point.context, tid))) priority_[tid] = rng_.Next() | 1;
      }
    }
    priority_[chosen] = 0;  // its next event is a new one
    return best;
  }

  // Index into wait.waiters.
  uint32_t PickWaiter(const WaitPoint& wait) {
    return wait.count == 1 ? 0 : rng_.Below(wait.count);
  }

  // Whether two pending operations race: one object, and not both reads.
  static bool Races(const Pending& a, const Pending& b) {
    if (a.obj == 0 || a.obj != b.obj || a.unknown || b.unknown) return false;
    return !(IsRead(a.kind) && IsRead(b.kind));
  }

 private:
  Rng rng_;
  uint64_t priority_[kMaxThreads] = {};
};

}  // namespace weft::sched
