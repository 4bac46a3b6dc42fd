// conflicts.h — the conflicting pairs of a trace (DESIGN.md "Conflicts"): two events of
// different threads on the same object, at least one of which changes it, that are not
// ordered by happens-before other than through that object. Pure functions on format::Trace.
//
// Model (per kind, on the event's object):
//   * writes: mutex/rwlock-write/spin lock (a failed trylock only reads), cond wait/signal/
//     broadcast, sem wait/post, barrier wait, once (the call that runs the init routine),
//     futex wake, thread join/detach (on the joined thread's handle).
//   * reads: rwlock read lock, failed trylock, once (not running the init routine), futex
//     wait.
//   * no access (happens-before only): unlocks, cond/futex wake-ups, barrier leave,
//     once done, thread create/start/exit, sleep, yield, fork.
// Happens-before: program order; release (unlock, cond wait releasing its mutex, signal,
// broadcast, post, barrier wait, once done, futex wake) to every later acquire (lock, cond
// wake reacquiring the mutex and receiving the signal, sem wait, barrier leave, once,
// futex woken) on the same object; thread create to start; exit to join.
// For each access e, and each other thread, the latest earlier access of that thread on the
// same object that conflicts with e (read/read does not) is reported when e's thread does
// not already know it (vector clocks just before e) and no other reported candidate already
// knows it: only the closest pairs, as DPOR would reverse them. Pairs ordered only through
// a chain on the same object (A lock → A unlock → B lock) are conflicts by definition.
#pragma once

#include <cstdint>
#include <vector>

#include "weft/trace.h"

namespace weft::gui {

// A conflicting pair of events, first < second (indexes into Trace::events).
struct Conflict {
  uint32_t first = 0;
  uint32_t second = 0;
  uint32_t obj = 0;  // the shared object

  bool operator==(const Conflict&) const = default;
};

// How an event touches its object, for conflicts.
enum class Access : uint8_t { kNone, kRead, kWrite };

// The access of one event (see the model above).
Access AccessOf(const format::Event& event);

// How to reverse a conflict: at decision `at` (the first event's index), run thread `tid`
// (the second event's thread) instead — `weft permute TRACE --at AT --thread TID`.
struct Reversal {
  uint32_t at = 0;
  uint32_t tid = 0;

  bool operator==(const Reversal&) const = default;
};

// The reversal of `conflict` in `trace` (its indexes must be valid).
Reversal ReversalOf(const format::Trace& trace, const Conflict& conflict);

// Every conflicting pair of `trace`, sorted by (second, first). Linear in the number of
// events times the number of threads.
std::vector<Conflict> ConflictsOf(const format::Trace& trace);

}  // namespace weft::gui
