// virtual_time.cc — virtual clocks in controlled mode: time advances a tick per decision
// and per clock read, and jumps to the earliest deadline when no thread can run (Pick);
// deadlines of timed operations are converted from the program's clocks to virtual time.
#include "control.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {

uint64_t VirtualNow() { return g_sched->vnow; }

bool IsVirtualClock(clockid_t clock) {
  switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_TAI:
    case CLOCK_MONOTONIC:
    case CLOCK_MONOTONIC_RAW:
    case CLOCK_MONOTONIC_COARSE:
    case CLOCK_BOOTTIME:
      return true;
    default:
      return false;
  }
}

namespace {

uint64_t BaseOf(clockid_t clock) {
  switch (clock) {
    case CLOCK_REALTIME:
    case CLOCK_REALTIME_COARSE:
    case CLOCK_TAI:
      return g_session->realtime_base_ns;
    default:
      return g_session->monotonic_base_ns;
  }
}

}  // namespace

void VirtualClock(clockid_t clock, struct timespec* ts) {
  // Each read moves time on a little, so a loop that polls the clock without reaching a
  // schedule point still sees time pass (the reader holds the turn: this is deterministic).
  g_sched->vnow += kTickNs;
  uint64_t now = BaseOf(clock) + g_sched->vnow;
  ts->tv_sec = static_cast<time_t>(now / 1000000000ull);
  ts->tv_nsec = static_cast<long>(now % 1000000000ull);
}

uint64_t DeadlineFromAbs(clockid_t clock, const struct timespec* abs) {
  if (abs == nullptr) return kNoDeadline;
  if (abs->tv_sec < 0) return g_sched->vnow;
  unsigned __int128 ns = static_cast<unsigned __int128>(abs->tv_sec) * 1000000000u +
                         static_cast<uint64_t>(abs->tv_nsec);
  uint64_t base = BaseOf(IsVirtualClock(clock) ? clock : CLOCK_MONOTONIC);
  if (ns <= base) return 0;
  unsigned __int128 v = ns - base;
  return v >= kNoDeadline ? kNoDeadline - 1 : static_cast<uint64_t>(v);
}

uint64_t DeadlineFromRel(const struct timespec* rel) {
  if (rel == nullptr) return kNoDeadline;
  if (rel->tv_sec < 0) return g_sched->vnow;
  unsigned __int128 v = static_cast<unsigned __int128>(rel->tv_sec) * 1000000000u +
                        static_cast<uint64_t>(rel->tv_nsec) + g_sched->vnow;
  return v >= kNoDeadline ? kNoDeadline - 1 : static_cast<uint64_t>(v);
}

}  // namespace weft::shim
