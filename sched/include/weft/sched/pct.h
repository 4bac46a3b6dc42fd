// pct.h — PCT (Burckhardt et al., ASPLOS 2010): every thread gets a random priority; the
// highest-priority enabled thread runs; at d-1 random change points among the k choices of a
// run, the running thread drops below every other. A bug of depth d is found with
// probability at least 1/(n·k^(d-1)) per run. `depth` is an upper bound: each run draws its
// own depth in [1, depth], so one search covers the shallow bugs too.
// k counts the choices, the decisions with more than one enabled entry (a thread or a
// deadline): a change point at a decision with one thread to run changes nothing, so
// counting those (a start-up, a thread working alone) only spreads the change points thin.
#pragma once

#include "weft/sched/point.h"
#include "weft/sched/rng.h"

namespace weft::sched {

class PctChooser {
 public:
  static constexpr uint32_t kMaxChangePoints = 16;

  // Parameters in the schedule spec.
  struct Params {
    uint64_t seed = 0;
    uint32_t depth = 3;  // bugs of depth 1..depth (at most kMaxChangePoints + 1)
    uint32_t reserved = 0;
    uint64_t steps = 1;  // k: expected number of choices of a run (learned from earlier runs)
  };

  constexpr PctChooser() = default;

  // Draws this run's depth and change points.
  void Init(const Params& params) {
    rng_ = Rng(params.seed ^ 0x5043545043545043ull);
    uint32_t depth = params.depth;
    uint64_t k = params.steps;
    if (depth < 1) depth = 1;
    if (depth > kMaxChangePoints + 1) depth = kMaxChangePoints + 1;
    if (k < 1) k = 1;
    depth_ = 1 + rng_.Below(depth);
    change_points_ = depth_ - 1;
    for (uint32_t i = 0; i < change_points_; ++i) {
      points_[i] =
          1 + static_cast<uint64_t>((static_cast<unsigned __int128>(rng_.Next()) * k) >> 64);
    }
    for (uint32_t i = 1; i < change_points_; ++i) {  // insertion sort, tiny array
      uint64_t v = points_[i];
      uint32_t j = i;
      for (; j > 0 && points_[j - 1] > v; --j) points_[j] = points_[j - 1];
      points_[j] = v;
    }
    next_point_ = 0;
    choices_ = 0;
    for (uint32_t i = 0; i < kMaxThreads; ++i) priority_[i] = 0;
  }

  // The depth this run drew.
  uint32_t depth() const { return depth_; }
  // The i-th change point (a choice number, 1-based: the n-th decision with more than one
  // entry), i < depth() - 1.
  uint64_t change_point(uint32_t i) const { return points_[i]; }
  // Decisions with more than one entry so far.
  uint64_t choices() const { return choices_; }

  // Index into point.enabled. A timed entry (its deadline would fire) takes part with its
  // thread's priority, admitted at this decision with the chance TimeWeight gives.
  uint32_t PickThread(const Point& point) {
    if (point.count == 1) return 0;  // no choice: not one of the k
    ++choices_;
    for (uint32_t i = 0; i < point.timed; ++i) {
      uint64_t w = TimeWeight(point.wait_ns[i]);
      admitted_[i] = w >= kTimeWeight || (rng_.Next() >> 44) < w;  // 20 random bits
    }
    uint32_t best = Highest(point);
    // NB: a change point lowers the thread that was about to run, then the choice is made
    // again: that is what lets a low-priority thread in at exactly this step.
    while (next_point_ < change_points_ && choices_ >= points_[next_point_]) {
      priority_[point.enabled[best]] = change_points_ - next_point_;  // below all
      ++next_point_;
      best = Highest(point);
    }
    return best;
  }

  // Index into wait.waiters.
  uint32_t PickWaiter(const WaitPoint& wait) {
    return wait.count == 1 ? 0 : rng_.Below(wait.count);
  }

 private:
  // Tids are below kMaxThreads: the shim ends a run that would create more.
  uint32_t Highest(const Point& point) {
    uint32_t best = 0;
    uint64_t best_priority = 0;
    uint32_t ready = point.count - point.timed;
    for (uint32_t i = 0; i < point.count; ++i) {
      if (i >= ready && !admitted_[i - ready]) continue;
      uint64_t& p = priority_[point.enabled[i]];
      if (p == 0) p = (rng_.Next() >> 1) | (1ull << 62);  // above every change-point value
      if (p > best_priority) {
        best_priority = p;
        best = i;
      }
    }
    return best;
  }

  Rng rng_;
  uint32_t depth_ = 1;
  uint32_t change_points_ = 0;
  uint32_t next_point_ = 0;
  uint64_t choices_ = 0;
  uint64_t points_[kMaxChangePoints] = {};
  uint64_t priority_[kMaxThreads] = {};
  bool admitted_[kMaxThreads] = {};  // per decision: which timed entries may fire
};

}  // namespace weft::sched
