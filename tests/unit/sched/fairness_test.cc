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

}  // namespace
}  // namespace weft::sched
