// Yield fairness and the non-preemptive default, alone.
#include "weft/sched/fairness.h"

#include <gtest/gtest.h>

#include <vector>

#include "sched_test_util.h"
#include "weft/sched/nonpreemptive.h"

namespace weft::sched {
namespace {

using testing::At;
using testing::Tid;

TEST(NonpreemptiveChooser, KeepsTheCurrentThreadWhileItCanRun) {
  NonpreemptiveChooser c;
  std::vector<uint16_t> enabled = {0, 2, 5};
  EXPECT_EQ(Tid(enabled, c.PickThread(At(enabled, 0, 2))), 2);
  EXPECT_EQ(Tid(enabled, c.PickThread(At(enabled, 0, 5))), 5);
  EXPECT_EQ(Tid(enabled, c.PickThread(At(enabled, 0, 3))), 0);  // 3 blocked: the lowest
}

TEST(Fairness, AYieldingThreadLetsTheOthersGoFirst) {
  Fairness f;
  NonpreemptiveChooser c;
  std::vector<uint16_t> enabled = {0, 1, 2};
  Point p = At(enabled, 0, 1);
  p.current_yields = true;
  auto pick = [&](const Point& q) { return c.PickThread(q); };
  // Non-preemptive would keep T1; yielding, it gives way to the lowest other thread.
  EXPECT_EQ(Tid(enabled, f.PickThread(p, pick)), 0);
  p.current_yields = false;
  EXPECT_EQ(Tid(enabled, f.PickThread(p, pick)), 1);
}

TEST(Fairness, TheStrategyChoosesAmongTheOthersOnly) {
  Fairness f;
  std::vector<uint16_t> enabled = {0, 1, 2, 3};
  Point p = At(enabled, 0, 2);
  p.current_yields = true;
  std::vector<uint16_t> seen;
  auto last = [&](const Point& q) {
    seen.assign(q.enabled, q.enabled + q.count);
    return q.count - 1;  // the highest of what it is offered
  };
  EXPECT_EQ(Tid(enabled, f.PickThread(p, last)), 3);
  EXPECT_EQ(seen, (std::vector<uint16_t>{0, 1, 3}));
  auto first = [&](const Point& q) { return 0u * q.count; };
  EXPECT_EQ(Tid(enabled, f.PickThread(p, first)), 0);
}

TEST(Fairness, AYieldingThreadAloneStillRuns) {
  Fairness f;
  std::vector<uint16_t> enabled = {4};
  Point p = At(enabled, 0, 4);
  p.current_yields = true;
  EXPECT_EQ(f.PickThread(p, [](const Point&) { return 0u; }), 0u);
}

TEST(Fairness, AYieldingThreadThatIsNotEnabledChangesNothing) {
  Fairness f;
  std::vector<uint16_t> enabled = {0, 1};
  Point p = At(enabled, 0, 7);
  p.current_yields = true;
  std::vector<uint16_t> seen;
  f.PickThread(p, [&](const Point& q) {
    seen.assign(q.enabled, q.enabled + q.count);
    return 1u;
  });
  EXPECT_EQ(seen, enabled);
}

// Two consumers spin (trywait fails, sched_yield) on a semaphore only a producer posts: a
// yielding consumer must not hand the turn to the other spinning consumer while the
// producer can run (non-preemptive picks the lowest other thread, which used to be the
// other consumer, forever).
TEST(Fairness, TwoSpinningThreadsDoNotStarveAThirdThatCanRun) {
  Fairness f;
  NonpreemptiveChooser c;
  auto pick = [&](const Point& q) { return c.PickThread(q); };
  std::vector<uint16_t> enabled = {1, 2, 3};  // T1, T2 consumers; T3 the producer
  auto yield_point = [&](uint16_t current) {
    Point p = At(enabled, 0, current);
    p.current_yields = true;
    return p;
  };
  EXPECT_EQ(Tid(enabled, f.PickThread(yield_point(2), pick)), 1);  // T2 yields first: T1
  // T1's trywait (no yield), then its yield: T2 spins too, so the producer goes.
  EXPECT_EQ(Tid(enabled, f.PickThread(At(enabled, 1, 1), pick)), 1);
  EXPECT_EQ(Tid(enabled, f.PickThread(yield_point(1), pick)), 3);
  // Once T2 has reached another point that is no yield, it is a candidate again.
  EXPECT_EQ(Tid(enabled, f.PickThread(At(enabled, 2, 2), pick)), 2);
  EXPECT_EQ(Tid(enabled, f.PickThread(yield_point(1), pick)), 2);
}

TEST(Fairness, WhenEveryOtherThreadSpinsTheOneThatSpunLongestRuns) {
  Fairness f;
  std::vector<uint16_t> enabled = {1, 2, 3};
  auto yield_at = [&](uint64_t step, uint16_t current) {
    Point p = At(enabled, step, current);
    p.current_yields = true;
    return p;
  };
  auto lowest = [](const Point&) { return 0u; };
  f.PickThread(yield_at(0, 3), lowest);  // T3 begins to spin
  f.PickThread(yield_at(1, 2), lowest);  // then T2
  std::vector<uint16_t> seen;
  auto record = [&](const Point& q) {
    seen.assign(q.enabled, q.enabled + q.count);
    return 0u;
  };
  EXPECT_EQ(Tid(enabled, f.PickThread(yield_at(2, 1), record)), 3);
  EXPECT_EQ(seen, (std::vector<uint16_t>{3}));
}

// Every thread spins (each trywait fails, then it yields) under the non-preemptive chooser:
// the turn goes round, so whichever thread would end the spin gets to run.
TEST(Fairness, AllThreadsSpinningTakeTurns) {
  Fairness f;
  NonpreemptiveChooser c;
  auto pick = [&](const Point& q) { return c.PickThread(q); };
  std::vector<uint16_t> enabled = {1, 2, 3, 4};
  std::vector<int> ran(5, 0);
  uint16_t current = 1;
  uint64_t step = 0;
  for (int round = 0; round < 40; ++round) {
    // The thread reaches its trywait (no yield: it goes on), then its yield.
    EXPECT_EQ(Tid(enabled, f.PickThread(At(enabled, step++, current), pick)), current);
    Point p = At(enabled, step++, current);
    p.current_yields = true;
    current = Tid(enabled, f.PickThread(p, pick));
    ++ran[current];
  }
  for (uint16_t t : enabled) EXPECT_GE(ran[t], 9) << "T" << t;
}

TEST(Fairness, TimedEntriesStayOfferedAfterTheRunnableOnes) {
  Fairness f;
  std::vector<uint16_t> enabled = {0, 1, 4};  // T4 sleeps
  uint64_t wait[] = {1000};
  Point p = At(enabled, 0, 1);
  p.timed = 1;
  p.wait_ns = wait;
  p.current_yields = true;
  std::vector<uint16_t> seen;
  uint32_t timed = 0;
  EXPECT_EQ(Tid(enabled, f.PickThread(p,
                                      [&](const Point& q) {
                                        seen.assign(q.enabled, q.enabled + q.count);
                                        timed = q.timed;
                                        return q.count - 1;
                                      })),
            4);
  EXPECT_EQ(seen, (std::vector<uint16_t>{0, 4}));
  EXPECT_EQ(timed, 1u);
  // The current thread alone can run: it is offered with the timed one (time may pass).
  std::vector<uint16_t> alone = {1, 4};
  Point q = At(alone, 1, 1);
  q.timed = 1;
  q.wait_ns = wait;
  q.current_yields = true;
  EXPECT_EQ(f.PickThread(q, [](const Point& r) { return r.count == 2 ? 0u : 9u; }), 0u);
}

}  // namespace
}  // namespace weft::sched
