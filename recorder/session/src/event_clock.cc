#include "event_clock.h"

#include <time.h>

#include <fstream>
#include <string>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace weft::session {
namespace {

uint64_t MonotonicNs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

uint64_t Ticks() {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return 0;
#endif
}

}  // namespace

bool TscTimesEvents() {
#if defined(__x86_64__)
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  return static_cast<bool>(in >> source) && source == "tsc";
#else
  return false;
#endif
}

TscToNs::TscToNs() : first_(Read()) {}

TscToNs::Pair TscToNs::Read() {
  Pair best{0, 0};
  uint64_t best_gap = UINT64_MAX;
  for (int i = 0; i < 4; ++i) {
    const uint64_t before = Ticks();
    const uint64_t ns = MonotonicNs();
    const uint64_t after = Ticks();
    if (after - before < best_gap) {
      best_gap = after - before;
      best = {before + (after - before) / 2, ns};
    }
  }
  return best;
}

void TscToNs::Sample() {
  Pair now = Read();
  // NB: a line through two pairs read a few µs apart would be mostly their noise: the
  // first sample waits until 100 µs have passed (in practice never: the program's start
  // takes longer than that).
  constexpr uint64_t kMinSpanNs = 100000;
  if (now.ns < first_.ns + kMinSpanNs) {
    const uint64_t wait = first_.ns + kMinSpanNs - now.ns;
    struct timespec pause = {0, static_cast<long>(wait)};
    nanosleep(&pause, nullptr);
    now = Read();
  }
  if (now.tsc > first_.tsc && now.ns > first_.ns) {
    // NB: ns per tick in fixed point (40 fraction bits: under a ns a day): Ns is
    // a multiply and a shift per event.
    const double per_tick =
        static_cast<double>(now.ns - first_.ns) / static_cast<double>(now.tsc - first_.tsc);
    ns_per_tick_q40_ = static_cast<uint64_t>(per_tick * 1099511627776.0);
  }
}

}  // namespace weft::session
