// surw.h — selectively uniform random walk (after Zhao et al., "Selectively Uniform
// Concurrency Testing", ASPLOS 2025). A random walk that picks a thread uniformly at every
// decision is far from uniform over the interleavings: a thread with many events left is
// cut short as often as one with a single event. Picking each thread with a weight equal
// to the number of events it has left makes every interleaving equally likely; weft does
// that over the interesting events only (IsInteresting: operations on the objects threads
// share — a lock, condition, semaphore, barrier, futex, file, and memory at the schedule
// points weft learned from accesses two threads shared — but no release), so the
// interleavings sampled uniformly are those of the shared objects' operations. The events
// left are estimated from an earlier run (the calibration run's interesting events per
// thread, less those the thread has performed in this run). Everything else — releases,
// thread life cycle, yields, sleeps — runs as soon as it can (uniformly among the threads
// that have one pending), which keeps every interleaving possible.
// NB: an object is not judged shared by its first toucher in this run: the first access to
// an object is often the one whose order matters (the first writer's second stage), and a
// walk that ran first touches at once would never put another thread before it.
#pragma once

#include "weft/sched/interesting.h"
#include "weft/sched/point.h"
#include "weft/sched/rng.h"

namespace weft::sched {

class SurwChooser {
 public:
  // Threads whose estimate the parameters carry; a thread past them gets their mean.
  static constexpr uint32_t kEstimates = 24;

  // Parameters in the schedule spec (56 bytes: the spec's whole room).
  struct Params {
    uint64_t seed = 0;
    // By tid: interesting events of the thread in an earlier run (saturated), 0 = unknown.
    uint16_t estimate[kEstimates] = {};
  };

  constexpr SurwChooser() = default;

  // Starts the walk for `params.seed` with its estimates.
  void Init(const Params& params) {
    rng_ = Rng(params.seed ^ 0x5355525753555257ull);
    uint64_t sum = 0, known = 0;
    for (uint32_t i = 0; i < kEstimates; ++i) {
      estimate_[i] = params.estimate[i];
      if (params.estimate[i] != 0) {
        sum += params.estimate[i];
        ++known;
      }
    }
    default_estimate_ = known == 0 ? 1 : sum / known;
    for (uint32_t i = 0; i < kMaxThreads; ++i) done_[i] = 0;
  }

  // The weight of thread `tid` at an interesting decision: its estimated events left, at
  // least 1.
  uint64_t Weight(uint16_t tid) const {
    uint64_t est = tid < kEstimates && estimate_[tid] != 0 ? estimate_[tid] : default_estimate_;
    return est > done_[tid] ? est - done_[tid] : 1;
  }

  // Index into point.enabled.
  uint32_t PickThread(const Point& point) {
    const uint32_t ready = point.count - point.timed;
    // What the enabled threads are about to do.
    uint32_t plain = 0;  // threads that can run something that is not interesting
    for (uint32_t i = 0; i < ready; ++i) {
      interesting_[i] = true;
      if (point.pending == nullptr) continue;
      Pending op = point.pending(point.context, point.enabled[i]);
      interesting_[i] = !op.unknown && op.obj != 0 && IsInteresting(op.kind);
      if (!interesting_[i]) ++plain;
    }
    if (plain > 0) {
      // Not interesting: it goes now, whichever of them (each order stays possible).
      uint32_t n = plain == 1 ? 0 : rng_.Below(plain);
      for (uint32_t i = 0; i < ready; ++i) {
        if (!interesting_[i] && n-- == 0) return i;
      }
    }
    if (point.count == 1) {
      ++done_[point.enabled[0]];
      return 0;
    }
    // Every thread that can run is about to operate on a shared object: weigh each by its
    // estimated interesting events left. A timed entry (its deadline fires) weighs like a
    // thread with one event left, less the farther the deadline (TimeWeight).
    unsigned __int128 total = 0;
    for (uint32_t i = 0; i < point.count; ++i) total += EntryWeight(point, i, ready);
    unsigned __int128 r = (static_cast<unsigned __int128>(rng_.Next()) * total) >> 64;
    for (uint32_t i = 0; i < point.count; ++i) {
      unsigned __int128 w = EntryWeight(point, i, ready);
      if (r < w) {
        if (i < ready) ++done_[point.enabled[i]];
        return i;
      }
      r -= w;
    }
    return 0;
  }

  // Index into wait.waiters.
  uint32_t PickWaiter(const WaitPoint& wait) {
    return wait.count == 1 ? 0 : rng_.Below(wait.count);
  }

 private:
  unsigned __int128 EntryWeight(const Point& point, uint32_t i, uint32_t ready) const {
    if (i >= ready) return TimeWeight(point.wait_ns[i - ready]);
    return static_cast<unsigned __int128>(Weight(point.enabled[i])) * kTimeWeight;
  }

  Rng rng_;
  uint16_t estimate_[kEstimates] = {};
  uint64_t default_estimate_ = 1;
  uint32_t done_[kMaxThreads] = {};     // by tid: interesting events performed so far
  bool interesting_[kMaxThreads] = {};  // per decision, by index into point.enabled
};

}  // namespace weft::sched
