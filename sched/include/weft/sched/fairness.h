// fairness.h — yield fairness (as in CHESS): a thread that yields lets the others go first,
// and among the others, those that are not spinning themselves (their last schedule point
// was a yield too) go first; when every other thread spins, the one that has spun longest
// goes. So a spin-and-yield loop cannot starve the thread it waits for — not even when two
// threads spin and would otherwise hand the turn to each other forever.
#pragma once

#include "weft/sched/point.h"

namespace weft::sched {

class Fairness {
 public:
  constexpr Fairness() = default;

  // Asks `pick` (a callable: const Point& -> index) to choose; when the current thread
  // yields and another thread can run, `pick` chooses among the others only: those that
  // are not spinning if there are any, else the one that began spinning first (and the
  // timed entries, in both cases). Returns the index into point.enabled.
  template <typename Pick>
  uint32_t PickThread(const Point& point, Pick&& pick) {
    if (point.current < kMaxThreads) {
      // NB: a thread spins from the point where it first yields until it reaches a point
      // that is no yield; spin_start_ keeps the first step of the spin.
      if (point.current_yields && !spinning_[point.current]) {
        spin_start_[point.current] = point.step;
      }
      spinning_[point.current] = point.current_yields;
    }
    if (point.count < 2 || !point.current_yields) return pick(point);
    const uint32_t runnable = point.count - point.timed;  // the timed entries come last
    uint32_t n = Others(point, runnable, /*only=*/kNobody);
    if (n == point.timed) n = Others(point, runnable, LongestSpinning(point, runnable));
    if (n == point.count || n == point.timed) return pick(point);  // current not enabled
    Point others = point;
    others.enabled = others_;
    others.count = n;
    return index_[pick(others)];
  }

 private:
  static constexpr uint32_t kNobody = ~0u;

  bool Spinning(uint16_t tid) const { return tid < kMaxThreads && spinning_[tid]; }

  // The runnable thread other than the current one that began spinning first (kNobody if
  // there is none; ties go to the lowest tid).
  uint32_t LongestSpinning(const Point& point, uint32_t runnable) const {
    uint32_t best = kNobody;
    for (uint32_t i = 0; i < runnable; ++i) {
      uint16_t tid = point.enabled[i];
      if (tid == point.current || !Spinning(tid)) continue;
      if (best == kNobody || spin_start_[tid] < spin_start_[best]) best = tid;
    }
    return best;
  }

  // Fills others_/index_ with the timed entries (always, last, in order) and the runnable
  // threads but the current one: those not spinning, or with only != kNobody that one
  // thread alone. Returns how many.
  uint32_t Others(const Point& point, uint32_t runnable, uint32_t only) {
    uint32_t n = 0;
    for (uint32_t i = 0; i < point.count; ++i) {
      uint16_t tid = point.enabled[i];
      bool offered = i >= runnable ||
                     (tid != point.current && (only == kNobody ? !Spinning(tid) : tid == only));
      if (!offered) continue;
      others_[n] = tid;
      index_[n++] = static_cast<uint16_t>(i);
    }
    return n;
  }

  // NB: static per-process scratch, not the target's stack: only the turn holder decides.
  uint16_t others_[kMaxThreads] = {};
  uint16_t index_[kMaxThreads] = {};
  // By tid: the thread's pending operation at its last schedule point was a yield, and the
  // step of the first yield of that spin.
  bool spinning_[kMaxThreads] = {};
  uint64_t spin_start_[kMaxThreads] = {};
};

}  // namespace weft::sched
