// strategy.h — the scheduling strategies: pure, deterministic code that picks which enabled
// thread runs next and which waiter a wake-up releases. Header-only and free of the STL,
// exceptions and allocation, because the same code runs inside the shim (in the target,
// for speed) and in unit tests.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace weft::sched {

// SplitMix64: small, fast, and good enough for schedule choices; the whole run is a
// function of the seed.
class Rng {
 public:
  constexpr explicit Rng(uint64_t seed = 0) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, n), n > 0 (Lemire's multiply-shift; bias < 2^-32 for small n).
  uint32_t Below(uint32_t n) {
    return static_cast<uint32_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }

 private:
  uint64_t state_;
};

// What a strategy sees at a schedule point.
struct Point {
  const uint16_t* enabled;  // enabled thread ids, ascending
  uint32_t count;           // > 0
  uint16_t current;         // thread that reached the point (may not be enabled)
  uint64_t step;            // index of the event this decision will run
};

// Random walk: uniform among the enabled threads at every point; uniform waiter choice.
class RandomStrategy {
 public:
  constexpr explicit RandomStrategy(uint64_t seed) : rng_(seed ^ 0x5745465452414E44ull) {}
  // Index into point.enabled.
  uint32_t PickThread(const Point& point) { return point.count == 1 ? 0 : rng_.Below(point.count); }
  // Index into waiters[0..count).
  uint32_t PickWaiter(const uint16_t* waiters, uint32_t count) {
    return count == 1 ? 0 : rng_.Below(count);
  }

 private:
  Rng rng_;
};

// PCT (Burckhardt et al., ASPLOS 2010): every thread gets a random priority; the highest-
// priority enabled thread runs; at d-1 random change points among the k steps of a run,
// the running thread drops below every other. A bug of depth d is found with probability
// at least 1/(n·k^(d-1)) per run. `depth` is an upper bound: each run draws its own depth
// in [1, depth], so one search covers the shallow bugs too.
class PctStrategy {
 public:
  static constexpr uint32_t kMaxThreads = 1024;
  static constexpr uint32_t kMaxChangePoints = 16;

  constexpr PctStrategy() = default;

  // `k`: expected number of steps of a run (learned from earlier runs; > 0).
  void Init(uint64_t seed, uint32_t depth, uint64_t k) {
    rng_ = Rng(seed ^ 0x5043545043545043ull);
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
    for (uint32_t i = 0; i < kMaxThreads; ++i) priority_[i] = 0;
  }

  uint32_t depth() const { return depth_; }

  // Index into point.enabled.
  uint32_t PickThread(const Point& point) {
    uint32_t best = Highest(point);
    // NB: a change point lowers the thread that was about to run, then the choice is made
    // again: that is what lets a low-priority thread in at exactly this step.
    while (next_point_ < change_points_ && point.step + 1 >= points_[next_point_]) {
      priority_[Clamp(point.enabled[best])] = change_points_ - next_point_;  // below all
      ++next_point_;
      best = Highest(point);
    }
    return best;
  }

  uint32_t PickWaiter(const uint16_t* waiters, uint32_t count) {
    return count == 1 ? 0 : rng_.Below(count);
  }

 private:
  static uint32_t Clamp(uint16_t tid) { return tid < kMaxThreads ? tid : kMaxThreads - 1; }

  uint32_t Highest(const Point& point) {
    uint32_t best = 0;
    uint64_t best_priority = 0;
    for (uint32_t i = 0; i < point.count; ++i) {
      uint64_t& p = priority_[Clamp(point.enabled[i])];
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
  uint64_t points_[kMaxChangePoints] = {};
  uint64_t priority_[kMaxThreads] = {};
};

}  // namespace weft::sched
