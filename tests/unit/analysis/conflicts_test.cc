// conflicts_test.cc — FindConflicts on hand-built traces whose pairs are known, against a
// brute-force definition on random traces, and on real recordings.
#include "weft/conflicts.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "capability.h"
#include "weft/conflict_rank.h"
#include "weft/preemptions.h"
#include "weft/run.h"
#include "weft/sched/strategies.h"
#include "weft/trace_io.h"

extern char** environ;

namespace weft::analysis {
namespace {

using format::EventKind;
using format::ObjectKind;
using K = format::EventKind;

constexpr uint32_t kTry = format::kFlagTry;
constexpr uint32_t kFailed = format::kFlagFailed;
constexpr uint32_t kTimedOut = format::kFlagTimedOut;

// Builds a trace event by event.
class Builder {
 public:
  explicit Builder(uint32_t threads) {
    trace.objects.emplace_back();  // id 0 is unused
    for (uint32_t t = 0; t < threads; ++t) {
      format::Thread th;
      th.tid = t;
      th.parent = t == 0 ? -1 : 0;
      trace.threads.push_back(th);
    }
  }

  uint32_t Object(ObjectKind kind, const std::string& symbol = "", uint64_t aux = 0) {
    format::Object o;
    o.id = static_cast<uint32_t>(trace.objects.size());
    o.kind = kind;
    o.symbol = symbol;
    o.aux = aux;
    trace.objects.push_back(o);
    return o.id;
  }

  // Appends an event; returns its index.
  uint64_t Add(uint32_t tid, EventKind kind, uint32_t obj = 0, int64_t arg = 0,
               uint32_t flags = 0) {
    format::Event e;
    e.tid = tid;
    e.kind = kind;
    e.obj = obj;
    e.arg = arg;
    e.flags = flags;
    trace.events.push_back(e);
    return trace.events.size() - 1;
  }

  void Wake(uint64_t index, uint32_t woken) { trace.wakes.push_back({index, woken}); }

  format::Trace trace;
};

using Pair = std::tuple<uint64_t, uint64_t, uint32_t>;  // first, second, obj

std::vector<Pair> Pairs(const std::vector<Conflict>& conflicts) {
  std::vector<Pair> out;
  for (const Conflict& c : conflicts) out.emplace_back(c.first, c.second, c.obj);
  return out;
}

const Conflict* Find(const std::vector<Conflict>& conflicts, uint64_t first, uint64_t second) {
  for (const Conflict& c : conflicts) {
    if (c.first == first && c.second == second) return &c;
  }
  return nullptr;
}

// The two-withdrawals pattern of tests/programs/withdraw_racy.c, scheduled check, check,
// debit, debit (the failing order).
TEST(Conflicts, TwoWithdrawals) {
  Builder b(3);
  uint32_t h1 = b.Object(ObjectKind::kThread);
  uint32_t h2 = b.Object(ObjectKind::kThread);
  uint32_t m = b.Object(ObjectKind::kMutex, "account_lock");
  b.Add(0, K::kThreadCreate, h1, 1);  // 0
  b.Add(1, K::kThreadStart, h1, 0);   // 1
  b.Add(0, K::kThreadCreate, h2, 2);  // 2
  b.Add(2, K::kThreadStart, h2, 0);   // 3
  b.Add(1, K::kMutexLock, m);         // 4  T1 check
  b.Add(1, K::kMutexUnlock, m);       // 5
  b.Add(2, K::kMutexLock, m);         // 6  T2 check
  b.Add(2, K::kMutexUnlock, m);       // 7
  b.Add(1, K::kMutexLock, m);         // 8  T1 debit
  b.Add(1, K::kMutexUnlock, m);       // 9
  b.Add(2, K::kMutexLock, m);         // 10 T2 debit
  b.Add(2, K::kMutexUnlock, m);       // 11
  b.Add(1, K::kThreadExit, h1);       // 12
  b.Add(2, K::kThreadExit, h2);       // 13
  b.Add(0, K::kThreadJoin, h1, 1);    // 14
  b.Add(0, K::kThreadJoin, h2, 2);    // 15
  std::vector<Conflict> c = FindConflicts(b.trace);
  EXPECT_EQ(Pairs(c),
            (std::vector<Pair>{{5, 6, m}, {7, 8, m}, {9, 10, m}, {12, 14, h1}, {13, 15, h2}}));
  // Unlock → lock pairs reverse at the lock that began the first thread's section.
  ASSERT_EQ(c.size(), 5u);
  EXPECT_EQ(c[0].reversal, 4u);
  EXPECT_EQ(c[1].reversal, 6u);
  EXPECT_EQ(c[2].reversal, 8u);
  EXPECT_EQ(c[3].reversal, 12u);  // exit → join: at the exit itself
  EXPECT_EQ(c[0].first_tid, 1u);
  EXPECT_EQ(c[0].second_tid, 2u);
  EXPECT_EQ(c[0].first_kind, K::kMutexUnlock);
  EXPECT_EQ(c[0].second_kind, K::kMutexLock);
  EXPECT_EQ(c[0].first_access, Access::kWrite);
  EXPECT_EQ(c[0].second_access, Access::kWrite);
  EXPECT_EQ(c[0].blocked, -1);
  EXPECT_EQ(c[1].first_tid, 2u);
  EXPECT_EQ(c[1].second_tid, 1u);
}

// T1 is created first but never runs; T2, created after it, has events (a main that
// returns without joining T1). Thread numbers skip T1: creating it must not index a thread
// that has no number (it crashed once: the "no number" -1 came back as 4294967295).
// The two withdrawals again, with the enabled counts a run records: a decision with two
// threads enabled preempts the thread that ran the event before when its next operation
// could run (a lock nobody holds, an exit), not when it waits (a join of a live thread).
format::Trace Withdrawals() {
  Builder b(3);
  uint32_t h1 = b.Object(ObjectKind::kThread);
  uint32_t h2 = b.Object(ObjectKind::kThread);
  uint32_t m = b.Object(ObjectKind::kMutex, "account_lock");
  b.trace.threads[1].handle_obj = h1;
  b.trace.threads[2].handle_obj = h2;
  b.Add(0, K::kThreadCreate, h1, 1);  // 0
  b.Add(1, K::kThreadStart, h1, 0);   // 1  T0 could go on to create T2: preempted
  b.Add(0, K::kThreadCreate, h2, 2);  // 2  T1 could lock: preempted
  b.Add(2, K::kThreadStart, h2, 0);   // 3  T0 would join T1, alive: not ready
  b.Add(1, K::kMutexLock, m);         // 4  T2 could lock (free): preempted
  b.Add(1, K::kMutexUnlock, m);       // 5
  b.Add(2, K::kMutexLock, m);         // 6  T1 could lock again: preempted
  b.Add(2, K::kMutexUnlock, m);       // 7
  b.Add(1, K::kMutexLock, m);         // 8  preempts T2
  b.Add(1, K::kMutexUnlock, m);       // 9
  b.Add(2, K::kMutexLock, m);         // 10 preempts T1 (its exit can always run)
  b.Add(2, K::kMutexUnlock, m);       // 11
  b.Add(1, K::kThreadExit, h1);       // 12 preempts T2
  b.Add(2, K::kThreadExit, h2);       // 13 T1 had exited: no preemption
  b.Add(0, K::kThreadJoin, h1, 1);    // 14
  b.Add(0, K::kThreadJoin, h2, 2);    // 15
  for (format::Event& e : b.trace.events) e.enabled = 2;
  for (uint64_t i : {0, 5, 7, 14, 15}) b.trace.events[i].enabled = 1;
  return b.trace;
}

TEST(Preemptions, InferredFromTheEvents) {
  format::Trace trace = Withdrawals();
  Preemptions p = FindPreemptions(trace);
  EXPECT_FALSE(p.exact);
  std::vector<int32_t> want(trace.events.size(), -1);
  want[1] = 0;
  want[2] = 1;
  want[4] = 2;
  want[6] = 1;
  want[8] = 2;
  want[10] = 1;
  want[12] = 2;
  EXPECT_EQ(p.preempted, want);
  EXPECT_EQ(p.count, 7u);
  // With one thread enabled a decision preempts nobody, whatever the events say.
  trace.events[4].enabled = 1;
  EXPECT_EQ(FindPreemptions(trace).preempted[4], -1);
}

TEST(Preemptions, ALockHeldByAnotherThreadIsNotReady) {
  Builder b(3);
  uint32_t m = b.Object(ObjectKind::kMutex);
  b.Add(2, K::kMutexLock, m);    // 0 T2 takes it
  b.Add(1, K::kYield);           // 1 T2 would unlock: preempted
  b.Add(2, K::kMutexUnlock, m);  // 2 T1 would lock m, which T2 holds: not ready
  b.Add(1, K::kMutexLock, m);    // 3 T2 would yield: preempted
  b.Add(2, K::kYield);           // 4 T1 would unlock: preempted
  b.Add(1, K::kMutexUnlock, m);  // 5
  for (format::Event& e : b.trace.events) e.enabled = 2;
  EXPECT_EQ(FindPreemptions(b.trace).preempted, (std::vector<int32_t>{-1, 2, -1, 2, 1, -1}));
}

TEST(Preemptions, ExactFromRecordedEnabledSets) {
  format::Trace trace = Withdrawals();
  trace.enabled_sets.resize(trace.events.size());
  for (size_t i = 0; i < trace.events.size(); ++i) {
    trace.enabled_sets[i].current = i == 0 ? 0 : trace.events[i - 1].tid;
    trace.enabled_sets[i].words = {1u << trace.events[i].tid};
  }
  trace.enabled_sets[3].words = {0b101};  // T0 enabled at 3 (say, a timed join): preempted
  Preemptions p = FindPreemptions(trace);
  EXPECT_TRUE(p.exact);
  EXPECT_EQ(p.count, 1u);
  EXPECT_EQ(p.preempted[3], 0);
}

TEST(ConflictRank, CriticalFirstThenFailingThreadThreadPairsHidden) {
  format::Trace trace = Withdrawals();
  trace.has_outcome = true;
  trace.outcome.kind = format::Outcome::Kind::kExited;
  trace.outcome.exit_code = 1;
  std::vector<Conflict> c = FindConflicts(trace);
  ConflictRanking plain = RankConflicts(trace, c, nullptr, false);
  EXPECT_EQ(plain.failing_threads, (std::vector<uint32_t>{0}));  // the last event's thread
  for (const RankedConflict& r : plain.order) EXPECT_FALSE(IsThreadPair(trace, c[r.index]));
  EXPECT_EQ(plain.hidden + plain.order.size(), c.size());
  EXPECT_GT(plain.hidden, 0u);
  // Nearest the end first.
  for (size_t i = 1; i < plain.order.size(); ++i) {
    EXPECT_GE(c[plain.order[i - 1].index].second, c[plain.order[i].index].second);
  }
  ConflictRanking every = RankConflicts(trace, c, nullptr, true);
  EXPECT_EQ(every.hidden, 0u);
  EXPECT_EQ(every.order.size(), c.size());
  // Main's join pairs involve the failing thread: first among all.
  EXPECT_TRUE(every.order[0].failing_thread);
  EXPECT_TRUE(IsThreadPair(trace, c[every.order[0].index]));
  // The critical pair (the earliest mutex pair here) goes first.
  const Conflict* earliest = nullptr;
  for (const Conflict& k : c) {
    if (!IsThreadPair(trace, k) && (earliest == nullptr || k.first < earliest->first))
      earliest = &k;
  }
  ASSERT_NE(earliest, nullptr);
  ConflictRanking ranked = RankConflicts(trace, c, earliest, true);
  EXPECT_TRUE(ranked.order[0].critical);
  EXPECT_EQ(c[ranked.order[0].index], *earliest);
  for (size_t i = 1; i < ranked.order.size(); ++i) EXPECT_FALSE(ranked.order[i].critical);
  // A run that passed pins nothing on a thread.
  trace.outcome.exit_code = 0;
  EXPECT_TRUE(FailingThreads(trace).empty());
}

TEST(Conflicts, AThreadWithoutEventsBeforeOneWithEvents) {
  Builder b(3);
  uint32_t h1 = b.Object(ObjectKind::kThread);
  uint32_t h2 = b.Object(ObjectKind::kThread);
  uint32_t m = b.Object(ObjectKind::kMutex, "config_lock");
  b.Add(0, K::kThreadCreate, h1, 1);  // 0
  b.Add(0, K::kThreadCreate, h2, 2);  // 1
  b.Add(2, K::kThreadStart, h2, 0);   // 2
  b.Add(2, K::kMutexLock, m);         // 3
  b.Add(2, K::kMutexUnlock, m);       // 4
  b.Add(2, K::kThreadExit, h2);       // 5
  b.Add(0, K::kThreadJoin, h2, 2);    // 6
  b.Add(0, K::kMutexLock, m);         // 7
  b.Add(0, K::kMutexUnlock, m);       // 8
  std::vector<Conflict> conflicts = FindConflicts(b.trace);
  // T2's section happens after its creation and before the join: ordered; only its exit
  // and the join pair (on T2's handle).
  EXPECT_EQ(Pairs(conflicts), (std::vector<Pair>{{5, 6, h2}}));
  // Without the join, T2's section (its unlock) and main's lock race.
  b.trace.events[6].kind = K::kYield;
  b.trace.events[6].obj = 0;
  b.trace.events[6].arg = 0;
  EXPECT_EQ(Pairs(FindConflicts(b.trace)), (std::vector<Pair>{{4, 7, m}}));
}

TEST(Conflicts, OrderedThroughAnotherObjectIsNoConflict) {
  // Both threads take `outer` around `inner`: the inner pair is ordered through outer.
  Builder b(3);
  uint32_t outer = b.Object(ObjectKind::kMutex, "outer");
  uint32_t inner = b.Object(ObjectKind::kMutex, "inner");
  b.Add(1, K::kMutexLock, outer);    // 0
  b.Add(1, K::kMutexLock, inner);    // 1
  b.Add(1, K::kMutexUnlock, inner);  // 2
  b.Add(1, K::kMutexUnlock, outer);  // 3
  b.Add(2, K::kMutexLock, outer);    // 4
  b.Add(2, K::kMutexLock, inner);    // 5
  b.Add(2, K::kMutexUnlock, inner);  // 6
  b.Add(2, K::kMutexUnlock, outer);  // 7
  std::vector<Conflict> c = FindConflicts(b.trace);
  EXPECT_EQ(Pairs(c), (std::vector<Pair>{{3, 4, outer}}));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].reversal, 0u);

  // Without the outer lock in T2 the inner pair is a conflict.
  Builder b2(3);
  outer = b2.Object(ObjectKind::kMutex);
  inner = b2.Object(ObjectKind::kMutex);
  b2.Add(1, K::kMutexLock, outer);    // 0
  b2.Add(1, K::kMutexLock, inner);    // 1
  b2.Add(1, K::kMutexUnlock, inner);  // 2
  b2.Add(1, K::kMutexUnlock, outer);  // 3
  b2.Add(2, K::kMutexLock, inner);    // 4
  b2.Add(2, K::kMutexUnlock, inner);  // 5
  EXPECT_EQ(Pairs(FindConflicts(b2.trace)), (std::vector<Pair>{{2, 4, inner}}));
}

TEST(Conflicts, SemaphorePostOrdersTheNextSuccessfulWaitOnly) {
  Builder b(4);
  uint32_t m = b.Object(ObjectKind::kMutex);
  uint32_t s = b.Object(ObjectKind::kSem, "", 1);
  b.Add(1, K::kMutexLock, m);    // 0
  b.Add(1, K::kMutexUnlock, m);  // 1
  b.Add(1, K::kSemPost, s);      // 2
  b.Add(2, K::kSemWait, s);      // 3  consumes the post
  b.Add(2, K::kMutexLock, m);    // 4  ordered after 1 through the semaphore
  b.Add(2, K::kMutexUnlock, m);  // 5
  b.Add(3, K::kSemWait, s);      // 6  the initial token: no edge from T1 or T2
  b.Add(3, K::kMutexLock, m);    // 7
  std::vector<Conflict> c = FindConflicts(b.trace);
  EXPECT_EQ(Pairs(c), (std::vector<Pair>{{1, 7, m}, {2, 3, s}, {2, 6, s}, {3, 6, s}, {5, 7, m}}));
}

TEST(Conflicts, GuardedSignalAndWait) {
  // T1 waits with the mutex; T2 signals under it. Wait/signal and signal/wake-up are
  // ordered through the mutex; the pairs are on the mutex, which the wait releases and
  // the wake-up retakes.
  Builder b(3);
  uint32_t m = b.Object(ObjectKind::kMutex);
  uint32_t c = b.Object(ObjectKind::kCond);
  b.Add(1, K::kMutexLock, m);      // 0
  b.Add(1, K::kCondWait, c, m);    // 1
  b.Add(2, K::kMutexLock, m);      // 2
  b.Add(2, K::kCondSignal, c, 1);  // 3  wakes T1
  b.Add(2, K::kMutexUnlock, m);    // 4
  b.Add(1, K::kCondWake, c);       // 5
  b.Add(1, K::kMutexUnlock, m);    // 6
  std::vector<Conflict> found = FindConflicts(b.trace);
  EXPECT_EQ(Pairs(found), (std::vector<Pair>{{1, 2, m}, {4, 5, m}}));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].first_kind, K::kCondWait);
  EXPECT_EQ(found[0].reversal, 0u);  // the wait released the lock taken at 0
  EXPECT_EQ(found[1].second_kind, K::kCondWake);
  EXPECT_EQ(found[1].reversal, 2u);
}

TEST(Conflicts, UnguardedSignalIsALostWakeupPair) {
  Builder b(3);
  uint32_t m = b.Object(ObjectKind::kMutex);
  uint32_t c = b.Object(ObjectKind::kCond);
  uint32_t x = b.Object(ObjectKind::kMutex);
  b.Add(1, K::kMutexLock, m);      // 0
  b.Add(1, K::kCondWait, c, m);    // 1
  b.Add(2, K::kMutexLock, x);      // 2
  b.Add(2, K::kMutexUnlock, x);    // 3
  b.Add(2, K::kCondSignal, c, 1);  // 4  without the mutex
  b.Add(1, K::kCondWake, c);       // 5
  b.Add(1, K::kMutexLock, x);      // 6  ordered after 3 through the signal
  b.Add(1, K::kMutexUnlock, x);    // 7
  b.Add(1, K::kMutexUnlock, m);    // 8
  std::vector<Conflict> found = FindConflicts(b.trace);
  EXPECT_EQ(Pairs(found), (std::vector<Pair>{{1, 4, c}, {4, 5, c}}));
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].reversal, 1u);  // signal before the wait: the lost wake-up

  // A signal that found no waiter is a write too: with a later wait it is a pair.
  Builder b2(3);
  c = b2.Object(ObjectKind::kCond);
  m = b2.Object(ObjectKind::kMutex);
  b2.Add(2, K::kCondSignal, c, -1);  // 0
  b2.Add(1, K::kMutexLock, m);       // 1
  b2.Add(1, K::kCondWait, c, m);     // 2
  EXPECT_EQ(Pairs(FindConflicts(b2.trace)), (std::vector<Pair>{{0, 2, c}}));
}

TEST(Conflicts, BroadcastOrdersEveryWaiter) {
  Builder b(4);
  uint32_t m = b.Object(ObjectKind::kMutex);
  uint32_t c = b.Object(ObjectKind::kCond);
  uint32_t x = b.Object(ObjectKind::kMutex);
  b.Add(1, K::kMutexLock, m);         // 0
  b.Add(1, K::kCondWait, c, m);       // 1
  b.Add(2, K::kMutexLock, m);         // 2
  b.Add(2, K::kCondWait, c, m);       // 3
  b.Add(3, K::kMutexLock, x);         // 4
  b.Add(3, K::kMutexUnlock, x);       // 5
  b.Add(3, K::kCondBroadcast, c, 2);  // 6
  b.Add(1, K::kCondWake, c);          // 7
  b.Add(1, K::kMutexLock, x);         // 8
  b.Add(1, K::kMutexUnlock, x);       // 9
  b.Add(1, K::kMutexUnlock, m);       // 10
  b.Add(2, K::kCondWake, c);          // 11
  b.Add(2, K::kMutexLock, x);         // 12
  b.Add(2, K::kMutexUnlock, x);       // 13
  b.Add(2, K::kMutexUnlock, m);       // 14
  std::vector<Conflict> found = FindConflicts(b.trace);
  for (const Conflict& k : found) EXPECT_NE(k.obj, x) << k.first << " " << k.second;
  // The waits race with the broadcast (nothing orders them but the condition).
  EXPECT_NE(Find(found, 1, 6), nullptr);
  EXPECT_NE(Find(found, 3, 6), nullptr);
}

TEST(Conflicts, ThreadCreateAndJoin) {
  Builder b(2);
  uint32_t m = b.Object(ObjectKind::kMutex);
  uint32_t h = b.Object(ObjectKind::kThread);
  b.Add(0, K::kMutexLock, m);        // 0
  b.Add(0, K::kMutexUnlock, m);      // 1
  b.Add(0, K::kThreadCreate, h, 1);  // 2
  b.Add(1, K::kThreadStart, h, 0);   // 3  create → start is never left out
  b.Add(1, K::kMutexLock, m);        // 4
  b.Add(1, K::kMutexUnlock, m);      // 5
  b.Add(1, K::kThreadExit, h);       // 6
  b.Add(0, K::kThreadJoin, h, 1);    // 7
  b.Add(0, K::kMutexLock, m);        // 8  ordered through the join
  b.Add(0, K::kMutexUnlock, m);      // 9
  std::vector<Conflict> c = FindConflicts(b.trace);
  EXPECT_EQ(Pairs(c), (std::vector<Pair>{{6, 7, h}}));

  // A tryjoin that failed before the exit reads the handle: a pair with the exit.
  Builder b2(2);
  h = b2.Object(ObjectKind::kThread);
  b2.Add(0, K::kThreadCreate, h, 1);                // 0
  b2.Add(1, K::kThreadStart, h, 0);                 // 1
  b2.Add(0, K::kThreadJoin, h, 1, kTry | kFailed);  // 2
  b2.Add(1, K::kThreadExit, h);                     // 3
  b2.Add(0, K::kThreadJoin, h, 1);                  // 4
  c = FindConflicts(b2.trace);
  EXPECT_EQ(Pairs(c), (std::vector<Pair>{{2, 3, h}, {3, 4, h}}));
  const Conflict* tryjoin = Find(c, 2, 3);
  ASSERT_NE(tryjoin, nullptr);
  EXPECT_EQ(tryjoin->first_access, Access::kRead);
  EXPECT_EQ(tryjoin->second_access, Access::kWrite);

  // ... unless something else orders them: here a mutex the main thread releases after
  // the tryjoin and the thread takes before it exits.
  Builder b3(2);
  m = b3.Object(ObjectKind::kMutex);
  h = b3.Object(ObjectKind::kThread);
  b3.Add(0, K::kThreadCreate, h, 1);                // 0
  b3.Add(1, K::kThreadStart, h, 0);                 // 1
  b3.Add(0, K::kThreadJoin, h, 1, kTry | kFailed);  // 2
  b3.Add(0, K::kMutexLock, m);                      // 3
  b3.Add(0, K::kMutexUnlock, m);                    // 4
  b3.Add(1, K::kMutexLock, m);                      // 5
  b3.Add(1, K::kThreadExit, h);                     // 6
  b3.Add(0, K::kThreadJoin, h, 1);                  // 7
  EXPECT_EQ(Pairs(FindConflicts(b3.trace)), (std::vector<Pair>{{4, 5, m}, {6, 7, h}}));
}

TEST(Conflicts, FailedTrylockReadsTheMutex) {
  Builder b(3);
  uint32_t m = b.Object(ObjectKind::kMutex);
  b.Add(0, K::kMutexLock, m);                      // 0
  b.Add(1, K::kMutexLock, m, 16, kTry | kFailed);  // 1  EBUSY
  b.Add(2, K::kMutexLock, m, 16, kTry | kFailed);  // 2  EBUSY: no pair with 1 (two reads)
  b.Add(0, K::kMutexUnlock, m);                    // 3
  std::vector<Conflict> c = FindConflicts(b.trace);
  EXPECT_EQ(Pairs(c), (std::vector<Pair>{{0, 1, m}, {0, 2, m}, {1, 3, m}, {2, 3, m}}));
  const Conflict* read_then_unlock = Find(c, 1, 3);
  ASSERT_NE(read_then_unlock, nullptr);
  EXPECT_EQ(read_then_unlock->first_access, Access::kRead);
  EXPECT_EQ(read_then_unlock->second_access, Access::kWrite);
  EXPECT_EQ(read_then_unlock->reversal, 1u);
  EXPECT_EQ(Find(c, 0, 1)->reversal, 0u);

  // A timed-out lock reads too, and a failed lock orders nothing.
  Builder b2(3);
  m = b2.Object(ObjectKind::kMutex);
  uint32_t x = b2.Object(ObjectKind::kMutex);
  b2.Add(1, K::kMutexLock, x);                                                 // 0
  b2.Add(1, K::kMutexUnlock, x);                                               // 1
  b2.Add(1, K::kMutexLock, m);                                                 // 2
  b2.Add(2, K::kMutexLock, m, 110, format::kFlagTimed | kTimedOut | kFailed);  // 3
  b2.Add(2, K::kMutexLock, x);                                                 // 4
  EXPECT_EQ(Pairs(FindConflicts(b2.trace)), (std::vector<Pair>{{1, 4, x}, {2, 3, m}}));
}

TEST(Conflicts, RwlockReadersDoNotConflict) {
  Builder b(4);
  uint32_t rw = b.Object(ObjectKind::kRwlock);
  uint32_t x = b.Object(ObjectKind::kMutex);
  uint32_t y = b.Object(ObjectKind::kMutex);
  b.Add(1, K::kRwlockRdlock, rw, 0, format::kFlagRead);  // 0
  b.Add(1, K::kMutexLock, x);                            // 1
  b.Add(1, K::kMutexUnlock, x);                          // 2
  b.Add(1, K::kRwlockUnlock, rw);                        // 3
  b.Add(2, K::kRwlockRdlock, rw, 0, format::kFlagRead);  // 4  readers do not order readers:
  b.Add(2, K::kMutexLock, y);                            // 5
  b.Add(2, K::kMutexUnlock, y);                          // 6
  b.Add(2, K::kRwlockUnlock, rw);                        // 7
  b.Add(3, K::kRwlockWrlock, rw);                        // 8  after every read unlock
  b.Add(3, K::kMutexLock, x);                            // 9  ordered after 2
  b.Add(3, K::kMutexUnlock, x);                          // 10
  b.Add(3, K::kRwlockUnlock, rw);                        // 11
  b.Add(1, K::kRwlockRdlock, rw, 0, format::kFlagRead);  // 12
  b.Add(1, K::kMutexLock, y);                            // 13 ordered after 6 via T3
  std::vector<Conflict> c = FindConflicts(b.trace);
  EXPECT_EQ(Pairs(c), (std::vector<Pair>{{3, 8, rw}, {7, 8, rw}, {11, 12, rw}}));
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[0].first_access, Access::kRead);
  EXPECT_EQ(c[0].reversal, 0u);
  EXPECT_EQ(c[1].reversal, 4u);
  EXPECT_EQ(c[2].first_access, Access::kWrite);
  EXPECT_EQ(c[2].second_access, Access::kRead);
  EXPECT_EQ(c[2].reversal, 8u);

  // Two readers' sections: a reader does not order another reader.
  Builder b2(3);
  rw = b2.Object(ObjectKind::kRwlock);
  x = b2.Object(ObjectKind::kMutex);
  b2.Add(1, K::kRwlockRdlock, rw, 0, format::kFlagRead);  // 0
  b2.Add(1, K::kMutexLock, x);                            // 1
  b2.Add(1, K::kMutexUnlock, x);                          // 2
  b2.Add(1, K::kRwlockUnlock, rw);                        // 3
  b2.Add(2, K::kRwlockRdlock, rw, 0, format::kFlagRead);  // 4
  b2.Add(2, K::kMutexLock, x);                            // 5
  EXPECT_EQ(Pairs(FindConflicts(b2.trace)), (std::vector<Pair>{{2, 5, x}}));
}

TEST(Conflicts, BarrierOrdersArrivalsBeforeLeaves) {
  Builder b(3);
  uint32_t x = b.Object(ObjectKind::kMutex);
  uint32_t bar = b.Object(ObjectKind::kBarrier, "", 2);
  b.Add(1, K::kMutexLock, x);          // 0
  b.Add(1, K::kMutexUnlock, x);        // 1
  b.Add(1, K::kBarrierWait, bar, 1);   // 2
  b.Add(2, K::kBarrierWait, bar, 2);   // 3  serial: completes the generation
  b.Add(2, K::kBarrierLeave, bar, 1);  // 4
  b.Add(1, K::kBarrierLeave, bar, 0);  // 5
  b.Add(2, K::kMutexLock, x);          // 6  ordered after 1 through the barrier
  b.Add(2, K::kMutexUnlock, x);        // 7
  EXPECT_EQ(Pairs(FindConflicts(b.trace)), (std::vector<Pair>{{2, 3, bar}}));

  // Without a count the first leave closes the generation.
  b.trace.objects[bar].aux = 0;
  EXPECT_EQ(Pairs(FindConflicts(b.trace)), (std::vector<Pair>{{2, 3, bar}}));
}

TEST(Conflicts, OnceDoneOrdersLaterCalls) {
  Builder b(3);
  uint32_t once = b.Object(ObjectKind::kOnce);
  uint32_t x = b.Object(ObjectKind::kMutex);
  b.Add(1, K::kOnce, once, 1);   // 0 runs the init routine
  b.Add(1, K::kMutexLock, x);    // 1
  b.Add(1, K::kMutexUnlock, x);  // 2
  b.Add(1, K::kOnceDone, once);  // 3
  b.Add(2, K::kOnce, once, 0);   // 4 finds it done
  b.Add(2, K::kMutexLock, x);    // 5 ordered after 2 through the once
  std::vector<Conflict> c = FindConflicts(b.trace);
  EXPECT_EQ(Pairs(c), (std::vector<Pair>{{3, 4, once}}));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].reversal, 0u);  // T2 first at the call that ran the init: T2 runs it
}

TEST(Conflicts, FutexWakeOrdersTheWokenWaiter) {
  Builder b(4);
  uint32_t f = b.Object(ObjectKind::kFutex);
  uint32_t x = b.Object(ObjectKind::kMutex);
  b.Add(1, K::kFutexWait, f, 0);  // 0 starts waiting
  b.Add(2, K::kMutexLock, x);     // 1
  b.Add(2, K::kMutexUnlock, x);   // 2
  b.Add(2, K::kFutexWake, f, 1);  // 3
  b.Wake(3, 1);
  b.Add(1, K::kFutexWoken, f);               // 4
  b.Add(1, K::kMutexLock, x);                // 5 ordered after 2 through the wake
  b.Add(3, K::kFutexWait, f, -11, kFailed);  // 6 -EAGAIN: reads the word
  std::vector<Conflict> c = FindConflicts(b.trace);
  EXPECT_EQ(Pairs(c), (std::vector<Pair>{{0, 3, f}, {3, 4, f}, {3, 6, f}, {4, 6, f}}));
  EXPECT_EQ(Find(c, 3, 6)->second_access, Access::kRead);

  // Without the wake record the waiter is not ordered.
  b.trace.wakes.clear();
  EXPECT_NE(Find(FindConflicts(b.trace), 2, 5), nullptr);
}

TEST(Conflicts, DeadlockPairsUseThePendingOperations) {
  Builder b(3);
  uint32_t a = b.Object(ObjectKind::kMutex, "accounts_lock");
  uint32_t l = b.Object(ObjectKind::kMutex, "ledger_lock");
  b.Add(1, K::kMutexLock, a);  // 0
  b.Add(2, K::kMutexLock, l);  // 1
  b.trace.has_outcome = true;
  b.trace.outcome.kind = format::Outcome::Kind::kDeadlock;
  b.trace.outcome.blocked.push_back({1, K::kMutexLock, l, 2, 0});
  b.trace.outcome.blocked.push_back({2, K::kMutexLock, a, 1, 0});
  std::vector<Conflict> c = FindConflicts(b.trace);
  EXPECT_EQ(Pairs(c), (std::vector<Pair>{{0, 2, a}, {1, 2, l}}));
  ASSERT_EQ(c.size(), 2u);
  EXPECT_EQ(c[0].blocked, 1);
  EXPECT_EQ(c[0].second_tid, 2u);
  EXPECT_EQ(c[0].reversal, 0u);
  EXPECT_EQ(c[1].blocked, 0);
  EXPECT_EQ(c[1].second_tid, 1u);
  EXPECT_EQ(c[1].second_kind, K::kMutexLock);
}

TEST(Conflicts, EachEventPairsWithTheEarliestOfAnotherThreadOnly) {
  // T1 unlocks once; T2 then locks and unlocks three times: one pair, not six.
  Builder b(3);
  uint32_t m = b.Object(ObjectKind::kMutex);
  b.Add(1, K::kMutexLock, m);    // 0
  b.Add(1, K::kMutexUnlock, m);  // 1
  for (int i = 0; i < 3; ++i) {
    b.Add(2, K::kMutexLock, m);
    b.Add(2, K::kMutexUnlock, m);
  }
  EXPECT_EQ(Pairs(FindConflicts(b.trace)), (std::vector<Pair>{{1, 2, m}}));
}

TEST(Conflicts, EmptyAndMalformedTraces) {
  format::Trace empty;
  EXPECT_TRUE(FindConflicts(empty).empty());
  // Objects past the table, tids past the thread table, wakes of unknown events.
  Builder b(1);
  b.Add(5, K::kMutexLock, 40);
  b.Add(7, K::kMutexUnlock, 40);
  b.Add(7, K::kCondSignal, 41, 99);
  b.Add(7, K::kThreadJoin, 42, 1000);
  b.Add(7, K::kCondWait, 41, 9999);
  b.Wake(100, 3);
  std::vector<Conflict> c = FindConflicts(b.trace);
  EXPECT_EQ(Pairs(c), (std::vector<Pair>{{0, 1, 40}}));
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].first_tid, 5u);
  EXPECT_EQ(c[0].second_tid, 7u);
  // Sparse, large tids cost clocks only for the threads that have events.
  Builder sparse(1);
  uint32_t m = sparse.Object(ObjectKind::kMutex);
  sparse.Add(60000, K::kMutexUnlock, m);
  sparse.Add(3, K::kMutexLock, m);
  c = FindConflicts(sparse.trace);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].first_tid, 60000u);
  EXPECT_EQ(c[0].second_tid, 3u);
}

// ---- brute force ----

// The definition, computed the slow way: happens-before without an object's edges by graph
// search, then the same choice of pairs (latest per other thread, earliest per thread).
struct Edge {
  uint64_t from, to;
  uint32_t obj;
};

std::vector<Conflict> BruteForce(
    const format::Trace& trace, const std::vector<Edge>& edges,
    const std::vector<std::vector<std::pair<uint32_t, Access>>>& touches) {
  size_t n = trace.events.size();
  auto ordered = [&](uint64_t from, uint64_t to, uint32_t obj) {
    std::vector<bool> seen(n, false);
    std::vector<uint64_t> stack{from};
    seen[from] = true;
    while (!stack.empty()) {
      uint64_t v = stack.back();
      stack.pop_back();
      if (v == to) return true;
      auto visit = [&](uint64_t w) {
        if (w <= to && !seen[w]) {
          seen[w] = true;
          stack.push_back(w);
        }
      };
      for (uint64_t w = v + 1; w < n; ++w) {
        if (trace.events[w].tid == trace.events[v].tid) {
          visit(w);
          break;
        }
      }
      for (const Edge& e : edges) {
        if (e.from == v && e.obj != obj) visit(e.to);
      }
    }
    return false;
  };
  std::vector<Conflict> out;
  std::set<std::tuple<uint32_t, uint32_t, uint32_t, uint64_t>> paired;  // obj, t, u, first
  for (uint64_t j = 0; j < n; ++j) {
    uint32_t t = trace.events[j].tid;
    for (auto [obj, access] : touches[j]) {
      std::map<uint32_t, uint64_t> latest;  // thread → its latest conflicting access
      for (uint64_t i = 0; i < j; ++i) {
        uint32_t u = trace.events[i].tid;
        if (u == t) continue;
        for (auto [o2, a2] : touches[i]) {
          if (o2 == obj && (a2 == Access::kWrite || access == Access::kWrite)) latest[u] = i;
        }
      }
      for (auto [u, i] : latest) {
        if (ordered(i, j, obj)) continue;
        if (!paired.insert({obj, t, u, i}).second) continue;
        Conflict c;
        c.first = i;
        c.second = j;
        c.obj = obj;
        out.push_back(c);
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const Conflict& a, const Conflict& b) {
    return std::tie(a.first, a.second, a.obj) < std::tie(b.first, b.second, b.obj);
  });
  return out;
}

TEST(Conflicts, MatchesBruteForceOnRandomTraces) {
  // Random valid schedules of 4 threads over 3 mutexes, 2 semaphores (trywait when the
  // count is zero) and an rwlock, so that edges of several objects interleave.
  for (uint32_t seed = 1; seed <= 300; ++seed) {
    std::mt19937 rng(seed);
    const uint32_t threads = 4;
    Builder b(threads);
    std::vector<uint32_t> mutexes, sems;
    for (int i = 0; i < 3; ++i) mutexes.push_back(b.Object(ObjectKind::kMutex));
    for (int i = 0; i < 2; ++i) sems.push_back(b.Object(ObjectKind::kSem));
    uint32_t rw = b.Object(ObjectKind::kRwlock);
    std::map<uint32_t, int> holder;                   // mutex → tid
    std::map<uint32_t, int64_t> last_release;         // mutex → event
    std::map<uint32_t, std::vector<uint64_t>> posts;  // sem → posts since the last wait
    std::map<uint32_t, int> count;
    int writer = -1;                     // rwlock: write holder
    std::set<uint32_t> readers;          // rwlock: read holders
    int64_t write_unlock = -1;           // rwlock: the last write unlock
    std::vector<uint64_t> read_unlocks;  // since the last wrlock
    std::vector<Edge> edges;
    std::vector<std::vector<std::pair<uint32_t, Access>>> touches;
    std::vector<std::vector<uint32_t>> held(threads);
    for (int step = 0; step < 60; ++step) {
      uint32_t t = rng() % threads;
      uint64_t index = b.trace.events.size();
      int what = rng() % 6;
      if (what == 0 && !held[t].empty()) {
        uint32_t m = held[t].back();
        held[t].pop_back();
        holder.erase(m);
        b.Add(t, K::kMutexUnlock, m);
        last_release[m] = static_cast<int64_t>(index);
        touches.push_back({{m, Access::kWrite}});
      } else if (what <= 1) {
        uint32_t m = mutexes[rng() % mutexes.size()];
        if (holder.count(m) != 0) {
          b.Add(t, K::kMutexLock, m, 16, kTry | kFailed);
          touches.push_back({{m, Access::kRead}});
        } else {
          holder[m] = static_cast<int>(t);
          held[t].push_back(m);
          b.Add(t, K::kMutexLock, m);
          if (last_release.count(m) != 0) {
            edges.push_back({static_cast<uint64_t>(last_release[m]), index, m});
          }
          touches.push_back({{m, Access::kWrite}});
        }
      } else if (what == 2) {
        uint32_t s = sems[rng() % sems.size()];
        b.Add(t, K::kSemPost, s);
        posts[s].push_back(index);
        ++count[s];
        touches.push_back({{s, Access::kWrite}});
      } else if (what == 3) {
        uint32_t s = sems[rng() % sems.size()];
        if (count[s] == 0) {
          b.Add(t, K::kSemWait, s, 11, kTry | kFailed);
          touches.push_back({{s, Access::kRead}});
        } else {
          --count[s];
          b.Add(t, K::kSemWait, s);
          for (uint64_t p : posts[s]) edges.push_back({p, index, s});
          posts[s].clear();
          touches.push_back({{s, Access::kWrite}});
        }
      } else if (writer == static_cast<int>(t) || readers.count(t) != 0) {
        bool write = writer == static_cast<int>(t);
        b.Add(t, K::kRwlockUnlock, rw);
        if (write) {
          writer = -1;
          write_unlock = static_cast<int64_t>(index);
        } else {
          readers.erase(t);
          read_unlocks.push_back(index);
        }
        touches.push_back({{rw, write ? Access::kWrite : Access::kRead}});
      } else {
        bool write = what == 4;
        bool free = writer < 0 && (!write || readers.empty());
        if (!free) {
          b.Add(t, write ? K::kRwlockWrlock : K::kRwlockRdlock, rw, 16,
                kTry | kFailed | (write ? 0 : format::kFlagRead));
          touches.push_back({{rw, Access::kRead}});
          continue;
        }
        b.Add(t, write ? K::kRwlockWrlock : K::kRwlockRdlock, rw, 0, write ? 0 : format::kFlagRead);
        if (write_unlock >= 0) edges.push_back({static_cast<uint64_t>(write_unlock), index, rw});
        if (write) {
          writer = static_cast<int>(t);
          for (uint64_t r : read_unlocks) edges.push_back({r, index, rw});
          read_unlocks.clear();
        } else {
          readers.insert(t);
        }
        touches.push_back({{rw, write ? Access::kWrite : Access::kRead}});
      }
    }
    std::vector<Conflict> fast = FindConflicts(b.trace);
    std::vector<Conflict> slow = BruteForce(b.trace, edges, touches);
    ASSERT_EQ(Pairs(fast), Pairs(slow)) << "seed " << seed;
  }
}

TEST(Conflicts, LargeTraceIsLinear) {
  // 4 threads × 50,000 locked increments on one mutex and a few private objects, with
  // random hand-overs: 400,000+ events. A thread's lock pairs with each other thread that
  // used the mutex since this thread last did (the chain through the mutex itself does not
  // order them); its unlock pairs with nothing new.
  std::mt19937 rng(7);
  Builder b(5);
  uint32_t m = b.Object(ObjectKind::kMutex);
  uint32_t other[2] = {b.Object(ObjectKind::kMutex), b.Object(ObjectKind::kMutex)};
  std::vector<int> left(5, 50000);
  left[0] = 0;
  std::vector<std::set<uint32_t>> since(5);  // threads that used m since t did
  size_t expected = 0;
  for (;;) {
    std::vector<uint32_t> live;
    for (uint32_t t = 1; t < 5; ++t) {
      if (left[t] > 0) live.push_back(t);
    }
    if (live.empty()) break;
    uint32_t t = live[rng() % live.size()];
    --left[t];
    b.Add(t, K::kMutexLock, m);
    b.Add(t, K::kMutexUnlock, m);
    expected += since[t].size();
    since[t].clear();
    for (uint32_t u = 1; u < 5; ++u) {
      if (u != t) since[u].insert(t);
    }
    if (rng() % 100 == 0) {  // now and then another mutex, shared by two of the threads
      b.Add(t, K::kMutexLock, other[t % 2]);
      b.Add(t, K::kMutexUnlock, other[t % 2]);
    }
  }
  auto start = std::chrono::steady_clock::now();
  std::vector<Conflict> c = FindConflicts(b.trace);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  size_t on_m = std::count_if(c.begin(), c.end(), [&](const Conflict& k) { return k.obj == m; });
  EXPECT_EQ(on_m, expected);
  for (const Conflict& k : c) {
    ASSERT_EQ(k.second_kind, K::kMutexLock);
    ASSERT_NE(k.first_tid, k.second_tid);
  }
  std::printf("%zu events, %zu pairs, %.3f s\n", b.trace.events.size(), c.size(), seconds);
}

// ---- real recordings ----

// Records tests/programs/NAME with the random strategy. The caller has checked
// CannotSupervise(): every failure here is weft's, and says what was tried.
::testing::AssertionResult Record(const std::string& name, uint64_t seed, format::Trace* trace,
                                  bool record_decisions = false) {
  std::string program = std::string(WEFT_CONFLICTS_PROGRAMS) + "/" + name;
  std::string path = (std::filesystem::temp_directory_path() /
                      ("weft-conflicts-" + std::to_string(getpid()) + "-" + name + ".weft"))
                         .string();
  session::RunConfig config;
  config.argv = {program};
  config.executable = program;
  for (char** e = environ; *e != nullptr; ++e) config.env.emplace_back(*e);
  config.shim_path = WEFT_CONFLICTS_SHIM;
  session::Strategy random;
  random.name = "random";
  random.spec = sched::MakeStrategySpec<sched::RandomChooser>({seed});
  config.schedule = session::Schedule::Search(random);
  config.timeout_seconds = 20;
  config.trace_path = path;
  config.record_decisions = record_decisions;
  int null_fd = open("/dev/null", O_WRONLY);
  config.stdout_fd = null_fd;
  Result<session::RunReport> report = session::RunProgram(config);
  if (null_fd >= 0) close(null_fd);
  const std::string what = "recording " + program + " (seed " + std::to_string(seed) + ")";
  if (!report.ok()) {
    std::remove(path.c_str());
    return ::testing::AssertionFailure() << what << ": " << report.error().message;
  }
  if (!report->controlled) {
    std::remove(path.c_str());
    return ::testing::AssertionFailure() << what << ": the program ran without the shim's control";
  }
  Result<format::Trace> read = format::ReadTrace(path);
  std::remove(path.c_str());
  if (!read.ok()) return ::testing::AssertionFailure() << what << ": " << read.error().message;
  *trace = std::move(read.value());
  return ::testing::AssertionSuccess();
}

TEST(Conflicts, RecordedWithdrawRacy) {
  if (!weft::testing::CannotSupervise().empty()) GTEST_SKIP() << weft::testing::CannotSupervise();
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    format::Trace trace;
    ASSERT_TRUE(Record("withdraw_racy", seed, &trace));
    std::vector<Conflict> c = FindConflicts(trace);
    // The mutex's accesses, in order: a pair wherever the next access is by another thread.
    uint32_t mutex = 0;
    for (const format::Object& o : trace.objects) {
      if (o.symbol == "account_lock") mutex = o.id;
    }
    ASSERT_NE(mutex, 0u);
    std::vector<Pair> expected;
    int64_t previous = -1;
    for (uint64_t i = 0; i < trace.events.size(); ++i) {
      const format::Event& e = trace.events[i];
      if (e.obj != mutex) continue;
      if (previous >= 0 && trace.events[previous].tid != e.tid) {
        expected.emplace_back(previous, i, mutex);
      }
      previous = static_cast<int64_t>(i);
    }
    // And each worker's exit with main's join of it.
    for (uint64_t i = 0; i < trace.events.size(); ++i) {
      const format::Event& e = trace.events[i];
      if (e.kind != K::kThreadJoin) continue;
      for (uint64_t j = 0; j < i; ++j) {
        if (trace.events[j].kind == K::kThreadExit && trace.events[j].obj == e.obj) {
          expected.emplace_back(j, i, e.obj);
        }
      }
    }
    std::sort(expected.begin(), expected.end());
    EXPECT_EQ(Pairs(c), expected) << "seed " << seed;
    for (const Conflict& k : c) {
      if (k.obj != mutex || k.first_kind != K::kMutexUnlock) continue;
      // Reversal at the lock that began the section the unlock ended.
      EXPECT_LT(k.reversal, k.first);
      EXPECT_EQ(trace.events[k.reversal].kind, K::kMutexLock);
      EXPECT_EQ(trace.events[k.reversal].tid, k.first_tid);
    }
  }
}

TEST(Conflicts, RecordedLockOrderDeadlock) {
  if (!weft::testing::CannotSupervise().empty()) GTEST_SKIP() << weft::testing::CannotSupervise();
  format::Trace trace;
  bool deadlocked = false;
  for (uint64_t seed = 1; seed <= 40 && !deadlocked; ++seed) {
    ASSERT_TRUE(Record("lock_order_racy", seed, &trace));
    deadlocked = trace.outcome.kind == format::Outcome::Kind::kDeadlock;
  }
  ASSERT_TRUE(deadlocked) << "no seed in 1..40 made lock_order_racy deadlock under the random walk";
  std::vector<Conflict> c = FindConflicts(trace);
  // Each worker's lock of its first mutex pairs with the other's blocked lock of it.
  std::vector<Conflict> pending;
  for (const Conflict& k : c) {
    if (k.blocked >= 0) pending.push_back(k);
  }
  ASSERT_EQ(pending.size(), 2u);
  for (const Conflict& k : pending) {
    EXPECT_EQ(k.second, trace.events.size());
    EXPECT_EQ(trace.events[k.first].kind, K::kMutexLock);
    EXPECT_EQ(trace.events[k.first].obj, k.obj);
    const format::BlockedThread& blocked = trace.outcome.blocked[k.blocked];
    EXPECT_EQ(blocked.obj, k.obj);
    EXPECT_EQ(blocked.tid, k.second_tid);
    EXPECT_EQ(blocked.holder, static_cast<int32_t>(k.first_tid));
  }
}

// Inferred preemptions are real ones: on runs that recorded their enabled sets, every
// decision inferred from the events alone to preempt a thread preempted that thread, and
// on the mutex-only withdrawals none is missed.
TEST(Preemptions, InferredAgreeWithRecordedDecisions) {
  if (!weft::testing::CannotSupervise().empty()) GTEST_SKIP() << weft::testing::CannotSupervise();
  uint64_t inferred_total = 0;
  for (const char* name : {"withdraw_racy", "lock_order_racy"}) {
    for (uint64_t seed = 1; seed <= 8; ++seed) {
      format::Trace trace;
      ASSERT_TRUE(Record(name, seed, &trace, true));
      ASSERT_EQ(trace.enabled_sets.size(), trace.events.size()) << name << " seed " << seed;
      Preemptions exact = FindPreemptions(trace);
      ASSERT_TRUE(exact.exact);
      trace.enabled_sets.clear();
      Preemptions inferred = FindPreemptions(trace);
      ASSERT_FALSE(inferred.exact);
      for (size_t i = 0; i < trace.events.size(); ++i) {
        if (inferred.preempted[i] >= 0) {
          EXPECT_EQ(inferred.preempted[i], exact.preempted[i])
              << name << " seed " << seed << " event " << i;
        }
      }
      if (std::string(name) == "withdraw_racy") {
        EXPECT_EQ(inferred.preempted, exact.preempted) << "seed " << seed;
      }
      inferred_total += inferred.count;
    }
  }
  EXPECT_GT(inferred_total, 0u);
}

}  // namespace
}  // namespace weft::analysis
