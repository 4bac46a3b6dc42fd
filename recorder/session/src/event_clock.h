// event_clock.h — the times of a free recording's events. Reading CLOCK_MONOTONIC costs the
// program a vDSO call per event (30-80 ns on the dev VM); where the kernel itself keeps time
// with the TSC (its clocksource is "tsc": invariant, one count on every CPU), the shim reads
// the TSC instead (WEFT_EVENT_CLOCK_TSC, a third of that) and weft turns the ticks into
// nanoseconds as it drains them, against pairs of (TSC, CLOCK_MONOTONIC) readings of its own.
#pragma once

#include <cstdint>

namespace weft::session {

// Whether a free recording's events can be timed by the TSC on this machine: x86-64 and
// the kernel's current clocksource is tsc.
bool TscTimesEvents();

// Turns TSC readings of the program into CLOCK_MONOTONIC nanoseconds: a line through the
// pair read when it was made (before the program runs) and the latest pair (Sample, once
// per drain), so an event's error is about that of one pair (tens of ns), however long the
// run, and the line follows the kernel's clock (NTP's slewing included) from drain to drain.
class TscToNs {
 public:
  TscToNs();
  // Reads a new pair (the tightest of a few: a preemption between the two reads would
  // make a wrong one). Call it before converting the readings drained since the last.
  void Sample();
  // CLOCK_MONOTONIC ns of a TSC reading (after a Sample).
  uint64_t Ns(uint64_t tsc) const {
    // NB: a reading from before the first pair (none should be) is taken as the first's.
    const uint64_t ticks = tsc > first_.tsc ? tsc - first_.tsc : 0;
    const unsigned __int128 ns = static_cast<unsigned __int128>(ticks) * ns_per_tick_q40_;
    return first_.ns + static_cast<uint64_t>(ns >> 40);
  }

 private:
  struct Pair {
    uint64_t tsc;
    uint64_t ns;
  };
  static Pair Read();
  Pair first_;
  uint64_t ns_per_tick_q40_ = 0;  // ns per tick times 2^40
};

}  // namespace weft::session
