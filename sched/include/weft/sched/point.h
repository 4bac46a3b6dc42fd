// point.h — what a chooser sees at a schedule point, and what it reports back. Part of the
// scheduling layer: header-only and freestanding (no STL, no allocation, no libc), because
// the same choosers run inside the shim and in the unit tests.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "weft/shim_abi.h"

namespace weft::sched {

// The one thread limit (the ABI's): tids are below it, tables indexed by tid hold it.
inline constexpr uint32_t kMaxThreads = WEFT_MAX_THREADS;

// A chooser's answer when it leaves the decision to the next chooser in line.
inline constexpr uint32_t kDefer = ~0u;

// The operation a thread waits to perform (what strict replay checks).
struct Pending {
  uint8_t kind = WEFT_EV_NONE;  // weft_event_kind
  uint32_t obj = 0;             // object id, 0 = none
  // The thread waits in something that is no event (a readiness wait): its next operation
  // is not known yet, and a strict script cannot check it here.
  bool unknown = false;
  // Its object is known only once it has run (an open that creates its file): a strict
  // script checks its kind only.
  bool object_unknown = false;
};

// Looks up the pending operation of thread `tid` (the shim reads its thread table).
using PendingFn = Pending (*)(const void* context, uint16_t tid);

// A decision: which of the enabled threads runs next. Time passing is one of the choices:
// the last `timed` entries of `enabled` are threads that cannot run now but could once
// their deadline fires (a sleep, a timed wait); choosing one moves virtual time on to its
// deadline. wait_ns[i] is how far away the deadline of enabled[count - timed + i] is.
struct Point {
  const uint16_t* enabled = nullptr;  // thread ids: those that can run (ascending), then timed
  uint32_t count = 0;                 // > 0
  uint32_t timed = 0;                 // < count: at least one thread can run now
  const uint64_t* wait_ns = nullptr;  // `timed` entries
  uint16_t current = 0;               // the thread that reached the point (may not be enabled)
  bool current_yields = false;        // current is live and its pending op is a yield
  uint64_t current_done = 0;          // events current has performed so far
  uint64_t step = 0;                  // index of the event this decision will run
  PendingFn pending = nullptr;        // needed by strict replay only
  const void* context = nullptr;      // passed to `pending`
};

// What a wake-up is choosing for.
enum class WakeKind : uint8_t { kCondSignal, kFutexWake };

// A wake-up's choice: which of the waiters it releases.
struct WaitPoint {
  const uint16_t* waiters = nullptr;  // waiting thread ids, ascending
  uint32_t count = 0;                 // > 0
  uint64_t step = 0;                  // index of the waking event
  WakeKind kind = WakeKind::kCondSignal;
};

// The first place a run left its script.
struct Divergence {
  bool happened = false;
  uint64_t step = 0;  // the decision (event index) where it left
  uint16_t tid = 0;   // the thread whose operation stands for what the program did instead

  // Records the first divergence only; later ones are consequences of it.
  void Mark(uint64_t at, uint16_t actual) {
    if (happened) return;
    happened = true;
    step = at;
    tid = actual;
  }
};

// The weight of letting time pass by `wait_ns` against running a thread that can run now
// (kTimeWeight): the same up to kTimeScaleNs, then falling with the wait — on a loaded
// machine a thread is often late by some milliseconds, rarely by a second — and 0 beyond
// kMaxEarlyNs: a deadline that far away (a timeout guarding a failure path) never fires
// while a thread can run.
inline constexpr uint64_t kTimeWeight = 1u << 20;
inline constexpr uint64_t kTimeScaleNs = 100000000;  // 100 ms
inline constexpr uint64_t kMaxEarlyNs = 2000000000;  // 2 s
inline uint64_t TimeWeight(uint64_t wait_ns) {
  if (wait_ns > kMaxEarlyNs) return 0;
  if (wait_ns <= kTimeScaleNs) return kTimeWeight;
  uint64_t w = kTimeWeight * kTimeScaleNs / wait_ns;
  return w == 0 ? 1 : w;
}

// Position of `tid` in list[0..count), or kDefer.
inline uint32_t IndexOf(const uint16_t* list, uint32_t count, uint32_t tid) {
  for (uint32_t i = 0; i < count; ++i) {
    if (list[i] == tid) return i;
  }
  return kDefer;
}

}  // namespace weft::sched
