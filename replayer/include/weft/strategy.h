// strategy.h — the scheduling strategies: pure, deterministic code that picks which enabled
// thread runs next and which waiter a wake-up releases. Header-only and free of the STL,
// exceptions and allocation, because the same code runs inside the shim (in the target,
// for speed) and in unit tests.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace weft::strategy {

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

}  // namespace weft::strategy
