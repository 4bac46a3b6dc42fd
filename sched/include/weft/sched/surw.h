// surw.h — selectively uniform random walk (after Zhao et al., "Selectively Uniform
// Concurrency Testing", ASPLOS 2025). A random walk that picks a thread uniformly at every
// decision is far from uniform over the interleavings: a thread with many events left is
// cut short as often as one with a single event. Picking each thread with a weight equal
// to the number of events it has left makes every interleaving equally likely; weft does
// that over the interesting events only (IsInteresting: operations on an object — a lock,
// condition, semaphore, memory at a schedule point, file — that two threads of the run have
// touched), so the interleavings sampled uniformly are those of the shared objects'
// operations. The events left are estimated from an earlier run (the calibration run's
// interesting events per thread, less those the thread has performed in this run).
// Everything else — operations on objects only one thread has touched so far, releases,
// thread life cycle, yields — runs as soon as it can (uniformly among the threads that
// have one pending), which keeps every interleaving possible.
#pragma once

#include "weft/sched/interesting.h"
#include "weft/sched/point.h"
#include "weft/sched/rng.h"

namespace weft::sched {

class SurwChooser {
 public:
  // Threads whose estimate the parameters carry; a thread past them gets their mean.
  static constexpr uint32_t kEstimates = 24;
  // Objects whose sharing the chooser follows; beyond, every object counts as shared.
  static constexpr uint32_t kObjects = 4096;

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
    for (uint32_t i = 0; i < kObjects; ++i) objects_[i] = Slot();
    objects_full_ = false;
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
    // What the enabled threads are about to do, and which objects that shares.
    uint32_t plain = 0;  // threads that can run something that is not interesting
    for (uint32_t i = 0; i < ready; ++i) {
      interesting_[i] = true;
      if (point.pending == nullptr) continue;
      Pending op = point.pending(point.context, point.enabled[i]);
      if (op.unknown || op.obj == 0 || !IsInteresting(op.kind)) {
        interesting_[i] = false;
      } else {
        interesting_[i] = Touch(op.obj, point.enabled[i]);
      }
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
    // Every thread that can run is about to touch a shared object: weigh each by its
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
  struct Slot {
    uint32_t obj = 0;  // 0 = free
    uint16_t first = 0;
    bool shared = false;
  };

  unsigned __int128 EntryWeight(const Point& point, uint32_t i, uint32_t ready) const {
    if (i >= ready) return TimeWeight(point.wait_ns[i - ready]);
    return static_cast<unsigned __int128>(Weight(point.enabled[i])) * kTimeWeight;
  }

  // Notes that `tid` is about to touch `obj`; whether two threads have now touched it.
  bool Touch(uint32_t obj, uint16_t tid) {
    if (objects_full_) return true;
    uint32_t h = (obj * 2654435761u) % kObjects;
    for (uint32_t probe = 0; probe < kObjects; ++probe) {
      Slot& s = objects_[(h + probe) % kObjects];
      if (s.obj == 0) {
        s.obj = obj;
        s.first = tid;
        return false;
      }
      if (s.obj != obj) continue;
      if (s.first != tid) s.shared = true;
      return s.shared;
    }
    objects_full_ = true;  // too many objects to tell: treat them all as shared
    return true;
  }

  Rng rng_;
  uint16_t estimate_[kEstimates] = {};
  uint64_t default_estimate_ = 1;
  uint32_t done_[kMaxThreads] = {};     // by tid: interesting events performed so far
  bool interesting_[kMaxThreads] = {};  // per decision, by index into point.enabled
  Slot objects_[kObjects] = {};
  bool objects_full_ = false;
};

}  // namespace weft::sched
