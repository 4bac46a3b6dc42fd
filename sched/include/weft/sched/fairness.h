// fairness.h — yield fairness (as in CHESS): a thread that yields lets the others go first,
// so a spin-and-yield loop cannot starve the thread it waits for.
#pragma once

#include "weft/sched/point.h"

namespace weft::sched {

class Fairness {
 public:
  constexpr Fairness() = default;

  // Asks `pick` (a callable: const Point& -> index) to choose; when the current thread
  // yields and another thread can run, `pick` chooses among the others only. Returns the
  // index into point.enabled.
  template <typename Pick>
  uint32_t PickThread(const Point& point, Pick&& pick) {
    if (point.count < 2 || !point.current_yields) return pick(point);
    uint32_t n = 0, skipped = point.count;
    for (uint32_t i = 0; i < point.count; ++i) {
      if (point.enabled[i] == point.current) {
        skipped = i;
      } else {
        others_[n++] = point.enabled[i];
      }
    }
    if (skipped == point.count) return pick(point);
    Point others = point;
    others.enabled = others_;
    others.count = n;
    uint32_t i = pick(others);
    return i < skipped ? i : i + 1;
  }

 private:
  // NB: static per-process scratch, not the target's stack: only the turn holder decides.
  uint16_t others_[kMaxThreads] = {};
};

}  // namespace weft::sched
