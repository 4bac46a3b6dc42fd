// The Chooser built from a schedule spec, as the shim builds it: each kind composes the
// choosers the way it says, and the strategy spec round-trips through the ABI.
#include "weft/sched/chooser.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "sched_test_util.h"

namespace weft::sched {
namespace {

using testing::At;
using testing::Tid;
using testing::Wake;

// A fake session region holding one array of records at offset 64.
template <typename T>
struct Region {
  std::vector<uint8_t> bytes;
  weft_span span{};
  explicit Region(const std::vector<T>& records) {
    bytes.assign(64 + records.size() * sizeof(T), 0);
    if (!records.empty())
      std::memcpy(bytes.data() + 64, records.data(), records.size() * sizeof(T));
    span = {64, records.size()};
  }
};

weft_schedule_spec Search(const weft_strategy_spec& strategy) {
  weft_schedule_spec spec{};
  spec.kind = WEFT_SCHEDULE_SEARCH;
  spec.strategy = strategy;
  return spec;
}

TEST(StrategySpec, RoundTripsTheChoosersParameters) {
  PctChooser::Params pct;
  pct.seed = 77;
  pct.depth = 4;
  pct.steps = 1234;
  weft_strategy_spec spec = MakeStrategySpec<PctChooser>(pct);
  EXPECT_EQ(spec.kind, static_cast<uint32_t>(StrategyKind::kPct));
  PctChooser::Params back;
  ASSERT_TRUE(ReadStrategySpec<PctChooser>(spec, &back));
  EXPECT_EQ(back.seed, 77u);
  EXPECT_EQ(back.depth, 4u);
  EXPECT_EQ(back.steps, 1234u);
  RandomChooser::Params random;
  EXPECT_FALSE(ReadStrategySpec<RandomChooser>(spec, &random));  // another chooser's spec
  spec.params_size = 8;
  EXPECT_FALSE(ReadStrategySpec<PctChooser>(spec, &back));  // another build's Params
}

TEST(Chooser, RejectsUnknownKindsAndStrategies) {
  Chooser c;
  weft_schedule_spec spec{};
  EXPECT_NE(c.Init(spec, nullptr, 0), nullptr);
  spec = Search(MakeStrategySpec<RandomChooser>({1}));
  spec.strategy.kind = 999;
  EXPECT_NE(c.Init(spec, nullptr, 0), nullptr);
  spec = Search(MakeStrategySpec<RandomChooser>({1}));
  EXPECT_EQ(c.Init(spec, nullptr, 0), nullptr);
}

TEST(Chooser, RejectsAScriptOutsideTheSession) {
  Chooser c;
  weft_schedule_spec spec{};
  spec.kind = WEFT_SCHEDULE_REPLAY;
  spec.u.replay.script = {4096, 10};
  std::vector<uint8_t> region(128);
  EXPECT_NE(c.Init(spec, region.data(), region.size()), nullptr);
}

TEST(Chooser, SearchIsTheStrategyItself) {
  std::vector<uint16_t> enabled = {0, 1, 2};
  Chooser c;
  ASSERT_EQ(c.Init(Search(MakeStrategySpec<RandomChooser>({9})), nullptr, 0), nullptr);
  RandomChooser r;
  r.Init({9});
  for (uint64_t step = 0; step < 200; ++step) {
    EXPECT_EQ(c.PickThread(At(enabled, step)), r.PickThread(At(enabled, step)));
  }
  EXPECT_FALSE(c.divergence().happened);
}

TEST(Chooser, SearchIsFairToYieldingThreads) {
  std::vector<uint16_t> enabled = {0, 1};
  Chooser c;
  ASSERT_EQ(c.Init(Search(MakeStrategySpec<RandomChooser>({3})), nullptr, 0), nullptr);
  for (uint64_t step = 0; step < 100; ++step) {
    Point p = At(enabled, step, 1);
    p.current_yields = true;
    EXPECT_EQ(Tid(enabled, c.PickThread(p)), 0);
  }
}

TEST(Chooser, ReplayReportsTheFirstDivergenceThenRunsTheLowestThread) {
  std::vector<weft_script_entry> script(3);
  script[0].tid = 1;
  script[1].tid = 2;  // T2 will not be enabled
  script[2].tid = 1;
  Region<weft_script_entry> region(script);
  weft_schedule_spec spec{};
  spec.kind = WEFT_SCHEDULE_REPLAY;
  spec.u.replay.script = region.span;
  Chooser c;
  ASSERT_EQ(c.Init(spec, region.bytes.data(), region.bytes.size()), nullptr);
  auto pending = [](const void*, uint16_t) { return Pending{}; };
  std::vector<uint16_t> enabled = {0, 1};
  Point p = At(enabled, 0);
  p.pending = pending;
  EXPECT_EQ(Tid(enabled, c.PickThread(p)), 1);
  EXPECT_FALSE(c.divergence().happened);
  p.step = 1;
  EXPECT_EQ(Tid(enabled, c.PickThread(p)), 0);
  ASSERT_TRUE(c.divergence().happened);
  EXPECT_EQ(c.divergence().step, 1u);
  p.step = 2;
  EXPECT_EQ(Tid(enabled, c.PickThread(p)), 0);  // no script after a divergence
  EXPECT_EQ(c.divergence().step, 1u);
}

TEST(Chooser, ReplayPastTheScriptIsADivergence) {
  std::vector<weft_script_entry> script(1);
  Region<weft_script_entry> region(script);
  weft_schedule_spec spec{};
  spec.kind = WEFT_SCHEDULE_REPLAY;
  spec.u.replay.script = region.span;
  Chooser c;
  ASSERT_EQ(c.Init(spec, region.bytes.data(), region.bytes.size()), nullptr);
  std::vector<uint16_t> only_main = {0};
  Point p = At(only_main, 0);
  p.pending = [](const void*, uint16_t) { return Pending{}; };
  c.PickThread(p);
  EXPECT_FALSE(c.divergence().happened);
  p.step = 1;
  c.PickThread(p);
  ASSERT_TRUE(c.divergence().happened);
  EXPECT_EQ(c.divergence().step, 1u);
}

TEST(Chooser, GuidedFollowsThePrefixForcesOnceThenRunsItsStrategy) {
  std::vector<weft_script_entry> script(2);
  script[0].tid = 0;
  script[1].tid = 0;
  Region<weft_script_entry> region(script);
  weft_schedule_spec spec{};
  spec.kind = WEFT_SCHEDULE_GUIDED;
  spec.strategy = MakeStrategySpec<NonpreemptiveChooser>({});
  spec.u.guided.script = region.span;
  spec.u.guided.forced_tid = 2;
  Chooser c;
  ASSERT_EQ(c.Init(spec, region.bytes.data(), region.bytes.size()), nullptr);
  std::vector<uint16_t> enabled = {0, 1, 2};
  std::vector<uint16_t> ran;
  uint16_t current = 0;
  for (uint64_t step = 0; step < 6; ++step) {
    current = Tid(enabled, c.PickThread(At(enabled, step, current)));
    ran.push_back(current);
  }
  EXPECT_EQ(ran, (std::vector<uint16_t>{0, 0, 2, 2, 2, 2}));
  EXPECT_FALSE(c.divergence().happened);
}

TEST(Chooser, PlanDeviatesFromItsStrategy) {
  std::vector<weft_plan_entry> plan(1);
  plan[0].current = 0;
  plan[0].done = 2;
  plan[0].tid = 1;
  Region<weft_plan_entry> region(plan);
  weft_schedule_spec spec{};
  spec.kind = WEFT_SCHEDULE_PLAN;
  spec.strategy = MakeStrategySpec<NonpreemptiveChooser>({});
  spec.u.plan.plan = region.span;
  Chooser c;
  ASSERT_EQ(c.Init(spec, region.bytes.data(), region.bytes.size()), nullptr);
  std::vector<uint16_t> enabled = {0, 1};
  std::vector<uint64_t> done = {0, 0};
  std::vector<uint16_t> ran;
  uint16_t current = 0;
  for (uint64_t step = 0; step < 5; ++step) {
    Point p = At(enabled, step, current);
    p.current_done = done[current];
    current = Tid(enabled, c.PickThread(p));
    ++done[current];
    ran.push_back(current);
  }
  EXPECT_EQ(ran, (std::vector<uint16_t>{0, 0, 1, 1, 1}));
}

TEST(Chooser, ReplayWakesTheScriptedWaiterAndGuidedFallsBackToItsStrategy) {
  std::vector<weft_script_entry> script(2);
  script[1].kind = WEFT_EV_COND_SIGNAL;
  script[1].arg = 6;
  Region<weft_script_entry> region(script);
  weft_schedule_spec spec{};
  spec.kind = WEFT_SCHEDULE_REPLAY;
  spec.u.replay.script = region.span;
  Chooser c;
  ASSERT_EQ(c.Init(spec, region.bytes.data(), region.bytes.size()), nullptr);
  std::vector<uint16_t> waiters = {3, 6};
  EXPECT_EQ(c.PickWaiter(Wake(waiters, 1)), 1u);
  EXPECT_FALSE(c.divergence().happened);

  spec.kind = WEFT_SCHEDULE_GUIDED;
  spec.strategy = MakeStrategySpec<NonpreemptiveChooser>({});
  spec.u.guided = weft_guided_spec{};
  spec.u.guided.script = region.span;
  spec.u.guided.forced_tid = -1;
  Chooser g;
  ASSERT_EQ(g.Init(spec, region.bytes.data(), region.bytes.size()), nullptr);
  EXPECT_EQ(g.PickWaiter(Wake(waiters, 1)), 1u);  // scripted
  EXPECT_EQ(g.PickWaiter(Wake(waiters, 5)), 0u);  // past the script: the longest waiter
}

}  // namespace
}  // namespace weft::sched
