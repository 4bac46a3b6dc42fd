// conflicts.h — the conflicting pairs of a trace (DESIGN.md "Conflicts") and the decision
// at which a search reverses each one.
//
// A conflict is two operations of different threads on the same object, at least one of
// which changes it (a write; see below), that are not ordered by happens-before except
// through that object: when deciding whether a pair on object o is ordered, every
// synchronization edge of o is left out; edges of other objects and program order count.
//
// Accesses, per event kind, on the event's object (access.h; the access and section columns
// of abi/include/weft/event_table.h, where UPDATE means that failed operations — F_FAILED: a
// trylock that found the lock taken, a timed-out lock or join, sem_trywait on zero — only
// read):
//   mutex, spinlock   lock: write; unlock: write.
//   rwlock            wrlock: write; unlock of a write lock: write. rdlock and the unlock of
//                     a read lock: read (read-side operations commute with each other).
//   condition         wait, wake-up (the waiter leaving, signalled or timed out), signal,
//                     broadcast: write (a signal that found no waiter is a write too: its
//                     reversal with a wait is the lost wake-up). A wait also writes its
//                     mutex (it releases it) and a wake-up writes it (it reacquires it):
//                     those pairs are reported on the mutex.
//   semaphore         wait, post: write.
//   barrier           arrival (barrier_wait): write; barrier_leave: no access (it only
//                     waits for its generation, which no later operation can undo).
//   once              the call that runs the init routine (arg 1) and once_done: write;
//                     a call that finds it done: read.
//   futex word        wake: write (also when it woke nobody); wait that started waiting
//                     and woken (leaving the queue, woken or timed out): write; a wait that
//                     returned -EAGAIN because the word differed: read.
//   thread handle     create, exit, join, detach: write; thread_start: no access (nothing
//                     can run before its creation; see the spawn edge below).
//   sleep, yield, fork: no object.
//
// Happens-before: program order, plus these edges (each belongs to its object):
//   unlock (and a condition wait releasing its mutex) → the next lock of that mutex (and a
//   condition wake-up reacquiring it); spin unlock → spin lock; rwlock: a write unlock →
//   every later rdlock/wrlock, a read unlock → the next wrlock; signal → the wake-up of
//   the waiter it chose (Event::arg); broadcast → the wake-ups of every thread then waiting
//   and not yet signalled; sem post → the next successful wait (an approximation: the
//   posts since the previous successful wait all go to it); barrier: every arrival of a
//   generation → every leave of it; once_done → later calls that find it done; futex wake
//   → the woken waiters' futex_woken (Trace::wakes); exit → a successful join; and create
//   → start of the created thread, which is never left out (no schedule runs a thread
//   before its creation, so that pair is not a conflict).
//
// Which pairs are reported (what a DPOR-style reversal needs, and linear in the trace):
// for an access e of thread t on object o and each other thread u, only u's latest
// access to o before e that conflicts with e; and each such event of u is paired with at
// most one event of t — the earliest: later events of t would give the same reversal
// (schedule t at the same decision). A pair ordered through a chain on o itself
// (A unlock → B lock → B unlock → C lock) is a conflict by definition.
//
// Deadlocks: a trace that ends with blocked threads (Outcome::blocked) has their pending
// operations as accesses too (a blocked lock writes its mutex), so the lock-order pair of
// a deadlock is reported: its `second` is one past the last event and `blocked` says which
// thread's pending operation it is.
//
// Cost: O(events × threads) vector-clock work, times the number of objects whose left-out
// edges currently make a difference (shadow clocks are kept only where they differ from the
// full clock), plus the pairs. A 1,000,000-event trace with a few objects takes well under
// a second.
#pragma once

#include <cstdint>
#include <vector>

#include "weft/access.h"
#include "weft/trace.h"

namespace weft::analysis {

// A conflicting pair: first < second. Indexes are into Trace::events, except a `second`
// that equals events.size(): the pending operation of a thread blocked at the end.
struct Conflict {
  uint64_t first = 0;   // event index of the earlier access
  uint64_t second = 0;  // event index of the later access (events.size(): see `blocked`)
  uint32_t obj = 0;     // the object both access (a cond wait/wake pair on its mutex: the mutex)
  uint32_t first_tid = 0;
  uint32_t second_tid = 0;
  format::EventKind first_kind = format::EventKind::kNone;
  format::EventKind second_kind = format::EventKind::kNone;
  Access first_access = Access::kNone;
  Access second_access = Access::kNone;
  // >= 0: `second` is no event but the pending operation of Outcome::blocked[blocked].
  int32_t blocked = -1;
  // The decision at which to run second_tid instead of the recorded thread: replay events
  // [0, reversal) exactly, then schedule second_tid (`weft permute --at reversal --thread
  // second_tid`). It is `first`, except when `first` ends a critical section on obj (an
  // unlock, a cond wait releasing the mutex, once_done): then it is the event that began
  // that section (the lock), because second_tid cannot take the object while first_tid
  // holds it. Whether second_tid is enabled there is not checked: a search must (DPOR adds
  // every enabled thread when it is not).
  uint64_t reversal = 0;

  bool operator==(const Conflict&) const = default;
};

// Every reported conflicting pair of `trace` (see the rules above), sorted by (first,
// second, obj). Deterministic. Tolerates malformed traces (unknown objects, tids past the
// thread table, unmatched wake-ups): they only lose edges.
std::vector<Conflict> FindConflicts(const format::Trace& trace);

}  // namespace weft::analysis
