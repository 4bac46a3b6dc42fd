// random.h — the random walk: uniform among the enabled threads at every decision, uniform
// among the waiters of every wake-up.
#pragma once

#include "weft/sched/point.h"
#include "weft/sched/rng.h"

namespace weft::sched {

class RandomChooser {
 public:
  // Parameters in the schedule spec.
  struct Params {
    uint64_t seed = 0;
  };

  constexpr RandomChooser() = default;
  // Starts the walk for `params.seed`.
  void Init(const Params& params) { rng_ = Rng(params.seed ^ 0x5745465452414E44ull); }
  // Index into point.enabled.
  uint32_t PickThread(const Point& point) { return point.count == 1 ? 0 : rng_.Below(point.count); }
  // Index into wait.waiters.
  uint32_t PickWaiter(const WaitPoint& wait) {
    return wait.count == 1 ? 0 : rng_.Below(wait.count);
  }

 private:
  Rng rng_;
};

}  // namespace weft::sched
