// rng.h — the random numbers of the scheduling layer: SplitMix64, small and fast; a run is
// a function of its seed.
#pragma once

#include <stdint.h>

namespace weft::sched {

class Rng {
 public:
  constexpr explicit Rng(uint64_t seed = 0) : state_(seed) {}
  // The next 64 random bits.
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

}  // namespace weft::sched
