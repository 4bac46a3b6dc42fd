// The script, forced-thread and plan choosers alone.
#include "weft/sched/script.h"

#include <gtest/gtest.h>

#include <vector>

#include "sched_test_util.h"

namespace weft::sched {
namespace {

using testing::At;
using testing::Tid;
using testing::Wake;

weft_script_entry Entry(uint16_t tid, uint8_t kind = WEFT_EV_MUTEX_LOCK, uint32_t obj = 0,
                        int64_t arg = 0) {
  weft_script_entry e{};
  e.tid = tid;
  e.kind = kind;
  e.obj = obj;
  e.arg = arg;
  return e;
}

// The pending operations of threads 0..3 for strict checks: thread t locks object t + 1.
Pending LockOfOwnObject(const void*, uint16_t tid) {
  return Pending{WEFT_EV_MUTEX_LOCK, static_cast<uint32_t>(tid + 1)};
}

Point Strict(const std::vector<uint16_t>& enabled, uint64_t step) {
  Point p = At(enabled, step);
  p.pending = LockOfOwnObject;
  return p;
}

TEST(ScriptChooser, FollowsTheScriptThenDefers) {
  std::vector<weft_script_entry> script = {Entry(1), Entry(0), Entry(2), Entry(1)};
  ScriptChooser c;
  c.Init(script.data(), script.size(), nullptr, 0, false);
  std::vector<uint16_t> enabled = {0, 1, 2};
  Divergence d;
  for (uint64_t step = 0; step < script.size(); ++step) {
    uint32_t i = c.PickThread(At(enabled, step), &d);
    ASSERT_NE(i, kDefer);
    EXPECT_EQ(Tid(enabled, i), script[step].tid);
  }
  EXPECT_EQ(c.PickThread(At(enabled, script.size()), &d), kDefer);
  EXPECT_FALSE(d.happened);
}

// Where a thread's next interpreter point is in a replay: its next entry in the script.
TEST(ScriptChooser, NextOfFindsAThreadsNextEntryWithinTheLimit) {
  std::vector<weft_script_entry> script = {Entry(0), Entry(1, WEFT_EV_INTERP_POINT, 0, 48),
                                           Entry(0), Entry(0), Entry(1)};
  ScriptChooser c;
  c.Init(script.data(), script.size(), nullptr, 0, true);
  EXPECT_TRUE(c.strict());
  const weft_script_entry* e = c.NextOf(1, 0, 100);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->kind, WEFT_EV_INTERP_POINT);
  EXPECT_EQ(e->arg, 48);
  EXPECT_EQ(c.NextOf(1, 2, 100), &script[4]);
  EXPECT_EQ(c.NextOf(1, 2, 2), nullptr);  // beyond the limit
  EXPECT_EQ(c.NextOf(2, 0, 100), nullptr);
  EXPECT_EQ(c.NextOf(0, 5, 100), nullptr);  // past the end
  ScriptChooser partial;
  partial.Init(script.data(), script.size(), nullptr, 0, true, /*partial=*/true);
  EXPECT_EQ(partial.NextOf(1, 0, 100), nullptr);  // a free recording's: no such positions
}

TEST(ScriptChooser, ReportsTheFirstDivergenceWhenTheThreadCannotRun) {
  std::vector<weft_script_entry> script = {Entry(0), Entry(2), Entry(1)};
  ScriptChooser c;
  c.Init(script.data(), script.size(), nullptr, 0, false);
  Divergence d;
  EXPECT_EQ(c.PickThread(At({0, 1}, 0), &d), 0u);
  EXPECT_EQ(c.PickThread(At({0, 1}, 1), &d), kDefer);  // T2 is not enabled
  ASSERT_TRUE(d.happened);
  EXPECT_EQ(d.step, 1u);
  EXPECT_EQ(d.tid, 0u);  // what ran instead: the lowest enabled thread
  // Once left, the script defers for good; the first divergence stays the one reported.
  EXPECT_EQ(c.PickThread(At({0, 1}, 2), &d), kDefer);
  EXPECT_EQ(d.step, 1u);
}

// Thread 2 waits for a descriptor (a readiness wait: no event); the others lock.
Pending ThreadTwoPolls(const void*, uint16_t tid) {
  if (tid == 2) return Pending{WEFT_EV_POLL, 0, true};
  return Pending{WEFT_EV_MUTEX_LOCK, static_cast<uint32_t>(tid + 1)};
}

TEST(ScriptChooser, AReadyReadinessWaitRunsWhenTheScriptedThreadCannot) {
  std::vector<weft_script_entry> script = {Entry(1, WEFT_EV_MUTEX_LOCK, 2)};
  for (bool strict : {false, true}) {
    ScriptChooser c;
    c.Init(script.data(), script.size(), nullptr, 0, strict);
    Divergence d;
    // T1 is blocked until T2 (a writer waiting for room in a pipe) makes progress.
    const std::vector<uint16_t> writer_only = {0, 2}, both = {0, 1, 2}, neither = {0};
    Point p = At(writer_only, 0);
    p.pending = ThreadTwoPolls;
    EXPECT_EQ(c.PickThread(p, &d), 1u) << "strict " << strict;
    EXPECT_FALSE(d.happened);
    // Once T1 can run, the script goes on with it, ready waiters or not.
    Point q = At(both, 0);
    q.pending = ThreadTwoPolls;
    EXPECT_EQ(c.PickThread(q, &d), 1u);
    EXPECT_FALSE(d.happened);
    // No thread in a readiness wait: the script was left.
    Point r = At(neither, 0);
    r.pending = ThreadTwoPolls;
    EXPECT_EQ(c.PickThread(r, &d), kDefer);
    EXPECT_TRUE(d.happened);
  }
}

// Thread 1 opens a file that does not exist yet (its object is known only afterwards).
Pending ThreadOneCreates(const void*, uint16_t tid) {
  if (tid == 1) return Pending{WEFT_EV_FILE_WRITE, 0, false, true};
  return Pending{WEFT_EV_MUTEX_LOCK, static_cast<uint32_t>(tid + 1)};
}

TEST(ScriptChooser, StrictChecksOnlyTheKindOfAnOperationWhoseObjectIsNotKnownYet) {
  std::vector<weft_script_entry> creates = {Entry(1, WEFT_EV_FILE_WRITE, 9)};
  std::vector<weft_script_entry> other_kind = {Entry(1, WEFT_EV_FILE_READ, 9)};
  for (const auto* script : {&creates, &other_kind}) {
    ScriptChooser c;
    c.Init(script->data(), script->size(), nullptr, 0, true);
    Divergence d;
    const std::vector<uint16_t> enabled = {0, 1};
    Point p = At(enabled, 0);
    p.pending = ThreadOneCreates;
    uint32_t i = c.PickThread(p, &d);
    if (script == &creates) {
      EXPECT_EQ(i, 1u);
      EXPECT_FALSE(d.happened) << "the recorded object is the file the open made";
    } else {
      EXPECT_EQ(i, kDefer);
      EXPECT_TRUE(d.happened) << "the kind is still checked";
    }
  }
}

TEST(ScriptChooser, StrictChecksKindAndObject) {
  // Thread t's pending op is MUTEX_LOCK on object t+1: the entry for T1 at step 1 names
  // object 7, which is a divergence in a strict script only.
  std::vector<weft_script_entry> script = {Entry(0, WEFT_EV_MUTEX_LOCK, 1),
                                           Entry(1, WEFT_EV_MUTEX_LOCK, 7)};
  {
    ScriptChooser c;
    c.Init(script.data(), script.size(), nullptr, 0, true);
    Divergence d;
    EXPECT_EQ(c.PickThread(Strict({0, 1}, 0), &d), 0u);
    EXPECT_FALSE(d.happened);
    EXPECT_EQ(c.PickThread(Strict({0, 1}, 1), &d), kDefer);
    ASSERT_TRUE(d.happened);
    EXPECT_EQ(d.step, 1u);
    EXPECT_EQ(d.tid, 1u);  // the scripted thread, waiting for something else
  }
  {
    ScriptChooser c;
    c.Init(script.data(), script.size(), nullptr, 0, false);
    Divergence d;
    EXPECT_EQ(c.PickThread(Strict({0, 1}, 1), &d), 1u);
    EXPECT_FALSE(d.happened);
  }
  {
    std::vector<weft_script_entry> wrong_kind = {Entry(0, WEFT_EV_MUTEX_UNLOCK, 1)};
    ScriptChooser c;
    c.Init(wrong_kind.data(), wrong_kind.size(), nullptr, 0, true);
    Divergence d;
    EXPECT_EQ(c.PickThread(Strict({0, 1}, 0), &d), kDefer);
    EXPECT_TRUE(d.happened);
  }
}

TEST(ScriptChooser, ConditionSignalWakesTheScriptedWaiter) {
  std::vector<weft_script_entry> script = {Entry(0), Entry(0, WEFT_EV_COND_SIGNAL, 3, 5)};
  ScriptChooser c;
  c.Init(script.data(), script.size(), nullptr, 0, true);
  Divergence d;
  std::vector<uint16_t> waiters = {2, 5, 6};
  EXPECT_EQ(c.PickWaiter(Wake(waiters, 1), &d), 1u);
  EXPECT_FALSE(d.happened);
  // A strict script naming a thread that does not wait diverges.
  std::vector<uint16_t> others = {2, 6};
  EXPECT_EQ(c.PickWaiter(Wake(others, 1), &d), kDefer);
  ASSERT_TRUE(d.happened);
  EXPECT_EQ(d.step, 1u);
  EXPECT_EQ(d.tid, 2u);
}

TEST(ScriptChooser, LooseScriptWithoutAWaiterLeavesTheChoiceOpen) {
  std::vector<weft_script_entry> script = {Entry(0, WEFT_EV_NONE, 0, -1)};
  ScriptChooser c;
  c.Init(script.data(), script.size(), nullptr, 0, false);
  Divergence d;
  EXPECT_EQ(c.PickWaiter(Wake({1, 2}, 0), &d), kDefer);
  EXPECT_FALSE(d.happened);
}

TEST(ScriptChooser, FutexWakesFollowTheRecordedWaitersInOrder) {
  std::vector<weft_script_entry> script(10, Entry(0));
  std::vector<uint16_t> wakes = {3, 1, 2};
  ScriptChooser c;
  c.Init(script.data(), script.size(), wakes.data(), wakes.size(), true);
  Divergence d;
  std::vector<uint16_t> waiters = {1, 2, 3};
  EXPECT_EQ(c.PickWaiter(Wake(waiters, 4, WakeKind::kFutexWake), &d), 2u);
  EXPECT_EQ(c.PickWaiter(Wake(waiters, 4, WakeKind::kFutexWake), &d), 0u);
  EXPECT_EQ(c.PickWaiter(Wake(waiters, 6, WakeKind::kFutexWake), &d), 1u);
  EXPECT_FALSE(d.happened);
  // A fourth wake-up was never recorded: a strict script diverges.
  EXPECT_EQ(c.PickWaiter(Wake(waiters, 7, WakeKind::kFutexWake), &d), kDefer);
  EXPECT_TRUE(d.happened);
  EXPECT_EQ(d.step, 7u);
}

TEST(ForcedChooser, ForcesItsThreadOnceAtItsDecision) {
  ForcedChooser c;
  c.Init(2, 5);
  Divergence d;
  std::vector<uint16_t> enabled = {0, 1, 2};
  EXPECT_EQ(c.PickThread(At(enabled, 4), &d), kDefer);
  EXPECT_EQ(c.PickThread(At(enabled, 5), &d), 2u);
  EXPECT_EQ(c.PickThread(At(enabled, 6), &d), kDefer);
  EXPECT_FALSE(d.happened);
}

TEST(ForcedChooser, AThreadThatCannotRunThereIsADivergence) {
  ForcedChooser c;
  c.Init(3, 1);
  Divergence d;
  EXPECT_EQ(c.PickThread(At({0, 1}, 1), &d), kDefer);
  ASSERT_TRUE(d.happened);
  EXPECT_EQ(d.step, 1u);
}

TEST(ForcedChooser, NoThreadForcesNothing) {
  ForcedChooser c;
  c.Init(-1, 0);
  Divergence d;
  EXPECT_EQ(c.PickThread(At({0, 1}, 0), &d), kDefer);
  EXPECT_FALSE(d.happened);
}

weft_plan_entry Deviation(uint16_t current, uint64_t done, uint16_t tid) {
  weft_plan_entry e{};
  e.current = current;
  e.done = done;
  e.tid = tid;
  return e;
}

TEST(PlanChooser, DeviatesWhereTheThreadHasDoneThatManyEvents) {
  std::vector<weft_plan_entry> plan = {Deviation(0, 3, 2), Deviation(2, 1, 1)};
  PlanChooser c;
  c.Init(plan.data(), plan.size());
  std::vector<uint16_t> enabled = {0, 1, 2};
  Point p = At(enabled, 10, 0);
  p.current_done = 2;
  EXPECT_EQ(c.PickThread(p), kDefer);
  p.current_done = 3;
  EXPECT_EQ(Tid(enabled, c.PickThread(p)), 2);
  // Keyed by the thread and its own count, not by the global step.
  p = At(enabled, 99, 2);
  p.current_done = 1;
  EXPECT_EQ(Tid(enabled, c.PickThread(p)), 1);
  p.current = 1;
  EXPECT_EQ(c.PickThread(p), kDefer);
}

TEST(PlanChooser, APlannedThreadThatCannotRunDefers) {
  std::vector<weft_plan_entry> plan = {Deviation(0, 0, 2), Deviation(0, 0, 1)};
  PlanChooser c;
  c.Init(plan.data(), plan.size());
  std::vector<uint16_t> both = {0, 1}, one = {0};
  Point p = At(both, 0, 0);
  EXPECT_EQ(c.PickThread(p), 1u);  // T2 cannot run; the next entry for (T0, 0) can
  Point q = At(one, 0, 0);
  EXPECT_EQ(c.PickThread(q), kDefer);
}

// ---- a partial script (the replay of a free recording) ----

// The pending operations of a partial replay's threads, set per test.
uint8_t g_pending_kind[4];
Pending PendingKind(const void*, uint16_t tid) { return Pending{g_pending_kind[tid], 0}; }

Point Partial(const std::vector<uint16_t>& enabled, uint64_t step, uint16_t current,
              uint32_t timed = 0) {
  Point p = At(enabled, step, current);
  p.timed = timed;
  p.pending = PendingKind;
  return p;
}

TEST(ScriptChooser, PartialScriptOrdersOnlyTheRecordedKinds) {
  // Recorded: T1 locks, then T0 locks. Between them the replay has operations the free
  // recording did not order (T0 writes a file, T1 sleeps): they take no entry.
  std::vector<weft_script_entry> script = {Entry(1, WEFT_EV_MUTEX_LOCK, 5),
                                           Entry(0, WEFT_EV_MUTEX_LOCK, 6)};
  ScriptChooser c;
  c.Init(script.data(), script.size(), nullptr, 0, true, true);
  Divergence d;
  const std::vector<uint16_t> both = {0, 1};
  // T0 is current and at an unordered file write: it runs, no entry used.
  g_pending_kind[0] = WEFT_EV_FILE_WRITE;
  g_pending_kind[1] = WEFT_EV_MUTEX_LOCK;
  EXPECT_EQ(c.PickThread(Partial(both, 0, 0), &d), 0u);
  EXPECT_EQ(c.ThreadAt(0), 1) << "the entry was not consumed";
  // Now both are at locks: the script's T1 goes first although T0 is current; object ids
  // are not compared (the replay numbers its objects itself).
  g_pending_kind[0] = WEFT_EV_MUTEX_LOCK;
  EXPECT_EQ(c.PickThread(Partial(both, 1, 0), &d), 1u);
  // T1 sleeps next (unordered, enabled now): it runs before the script's T0.
  g_pending_kind[1] = WEFT_EV_SLEEP;
  EXPECT_EQ(c.PickThread(Partial(both, 2, 1), &d), 1u);
  g_pending_kind[1] = WEFT_EV_THREAD_EXIT;
  EXPECT_EQ(c.PickThread(Partial(both, 3, 1), &d), 0u);
  EXPECT_FALSE(d.happened);
  // The script is used up: a recorded kind now is the divergence.
  EXPECT_EQ(c.PickThread(Partial(both, 4, 1), &d), kDefer);
  EXPECT_TRUE(d.happened);
}

TEST(ScriptChooser, PartialScriptDivergesOnAnotherRecordedKind) {
  std::vector<weft_script_entry> script = {Entry(1, WEFT_EV_MUTEX_UNLOCK)};
  ScriptChooser c;
  c.Init(script.data(), script.size(), nullptr, 0, true, true);
  Divergence d;
  g_pending_kind[0] = WEFT_EV_MUTEX_LOCK;
  g_pending_kind[1] = WEFT_EV_MUTEX_LOCK;  // the recording had T1 unlock here
  EXPECT_EQ(c.PickThread(Partial({0, 1}, 0, 0), &d), kDefer);
  ASSERT_TRUE(d.happened);
  EXPECT_EQ(d.tid, 1u);
}

TEST(ScriptChooser, PartialScriptLetsTimePassForASleeperAndHoldsTheExit) {
  std::vector<weft_script_entry> script = {Entry(1, WEFT_EV_MUTEX_LOCK)};
  ScriptChooser c;
  c.Init(script.data(), script.size(), nullptr, 0, true, true);
  Divergence d;
  // T0 is at its process exit: it must wait for the script's lock by T1, which sleeps
  // first (T1 is enabled only once its deadline fires: a timed entry).
  g_pending_kind[0] = WEFT_EV_PROCESS_EXIT;
  g_pending_kind[1] = WEFT_EV_SLEEP;
  EXPECT_EQ(c.PickThread(Partial({0, 1}, 0, 0, 1), &d), 1u);
  g_pending_kind[1] = WEFT_EV_MUTEX_LOCK;
  EXPECT_EQ(c.PickThread(Partial({0, 1}, 1, 1), &d), 1u);
  // Script done: the exit may go.
  EXPECT_EQ(c.PickThread(Partial({0}, 2, 1), &d), 0u);
  EXPECT_FALSE(d.happened);
}

TEST(ScriptChooser, PartialScriptWakesTheInferredWaiter) {
  std::vector<weft_script_entry> script = {Entry(0, WEFT_EV_COND_SIGNAL, 3, 2),
                                           Entry(0, WEFT_EV_COND_SIGNAL, 3, -1)};
  ScriptChooser c;
  c.Init(script.data(), script.size(), nullptr, 0, true, true);
  Divergence d;
  g_pending_kind[0] = WEFT_EV_COND_SIGNAL;
  EXPECT_EQ(c.PickThread(Partial({0}, 7, 0), &d), 0u);
  EXPECT_EQ(c.PickWaiter(Wake({1, 2}, 7), &d), 1u) << "the entry names T2";
  EXPECT_EQ(c.PickThread(Partial({0}, 8, 0), &d), 0u);
  EXPECT_EQ(c.PickWaiter(Wake({1}, 8), &d), kDefer) << "a waiter the recording could not tell";
  EXPECT_FALSE(d.happened);
}

}  // namespace
}  // namespace weft::sched
