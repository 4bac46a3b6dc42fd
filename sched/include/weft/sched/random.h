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
  // Index into point.enabled. Letting time pass (a timed entry) weighs like running a
  // thread when the deadline is near, less the farther it is (TimeWeight).
  uint32_t PickThread(const Point& point) {
    if (point.timed == 0) return point.count == 1 ? 0 : rng_.Below(point.count);
    uint32_t ready = point.count - point.timed;
    unsigned __int128 total = static_cast<unsigned __int128>(ready) * kTimeWeight;
    for (uint32_t i = 0; i < point.timed; ++i) total += TimeWeight(point.wait_ns[i]);
    unsigned __int128 r = (static_cast<unsigned __int128>(rng_.Next()) * total) >> 64;
    if (r < static_cast<unsigned __int128>(ready) * kTimeWeight) {
      return static_cast<uint32_t>(r / kTimeWeight);
    }
    r -= static_cast<unsigned __int128>(ready) * kTimeWeight;
    for (uint32_t i = 0; i < point.timed; ++i) {
      uint64_t w = TimeWeight(point.wait_ns[i]);
      if (r < w) return ready + i;
      r -= w;
    }
    return point.count - 1;
  }
  // Index into wait.waiters.
  uint32_t PickWaiter(const WaitPoint& wait) {
    return wait.count == 1 ? 0 : rng_.Below(wait.count);
  }

 private:
  Rng rng_;
};

}  // namespace weft::sched
