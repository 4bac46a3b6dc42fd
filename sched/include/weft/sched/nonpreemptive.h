// nonpreemptive.h — the non-preemptive default of guided runs and plans: the current thread
// goes on while it can, else the lowest enabled thread; a wake-up releases the waiter known
// longest (the lowest tid).
#pragma once

#include "weft/sched/point.h"

namespace weft::sched {

class NonpreemptiveChooser {
 public:
  // Parameters in the schedule spec (none).
  struct Params {};

  constexpr NonpreemptiveChooser() = default;
  // Nothing to set up.
  void Init(const Params&) {}
  // Index into point.enabled; never lets time pass while a thread can run.
  uint32_t PickThread(const Point& point) {
    uint32_t i = IndexOf(point.enabled, point.count - point.timed, point.current);
    return i == kDefer ? 0 : i;
  }
  // Index into wait.waiters.
  uint32_t PickWaiter(const WaitPoint&) { return 0; }
};

}  // namespace weft::sched
