// The PCT chooser alone: determinism per seed, priorities, and its change points.
#include "weft/sched/pct.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "sched_test_util.h"

namespace weft::sched {
namespace {

using testing::At;
using testing::Tid;

// The threads PCT runs at steps 0..n-1 with all of `enabled` runnable throughout.
std::vector<uint16_t> RunPct(const PctChooser::Params& params, const std::vector<uint16_t>& enabled,
                             uint64_t n, PctChooser* out = nullptr) {
  PctChooser c;
  c.Init(params);
  std::vector<uint16_t> ran;
  for (uint64_t step = 0; step < n; ++step)
    ran.push_back(Tid(enabled, c.PickThread(At(enabled, step))));
  if (out != nullptr) *out = c;
  return ran;
}

PctChooser::Params Params(uint64_t seed, uint32_t depth, uint64_t steps) {
  PctChooser::Params p;
  p.seed = seed;
  p.depth = depth;
  p.steps = steps;
  return p;
}

TEST(PctChooser, SameSeedSameSchedule) {
  std::vector<uint16_t> enabled = {0, 1, 2, 3};
  for (uint64_t seed = 1; seed < 20; ++seed) {
    EXPECT_EQ(RunPct(Params(seed, 3, 50), enabled, 50), RunPct(Params(seed, 3, 50), enabled, 50));
  }
}

TEST(PctChooser, SeedsGiveDifferentSchedules) {
  std::vector<uint16_t> enabled = {0, 1, 2, 3};
  std::set<std::vector<uint16_t>> schedules;
  for (uint64_t seed = 1; seed <= 40; ++seed)
    schedules.insert(RunPct(Params(seed, 3, 30), enabled, 30));
  EXPECT_GT(schedules.size(), 20u);
}

TEST(PctChooser, DepthOneRunsTheHighestPriorityThreadThroughout) {
  // Depth 1: no change points; the same thread runs while it can.
  std::vector<uint16_t> enabled = {0, 1, 2};
  for (uint64_t seed = 1; seed < 30; ++seed) {
    std::vector<uint16_t> ran = RunPct(Params(seed, 1, 100), enabled, 100);
    EXPECT_EQ(std::set<uint16_t>(ran.begin(), ran.end()).size(), 1u) << "seed " << seed;
  }
}

TEST(PctChooser, SwitchesThreadExactlyAtItsChangePoints) {
  std::vector<uint16_t> enabled = {0, 1, 2, 3};
  int seeds_with_change_points = 0;
  for (uint64_t seed = 1; seed < 60; ++seed) {
    PctChooser c;
    std::vector<uint16_t> ran = RunPct(Params(seed, 4, 40), enabled, 40, &c);
    ASSERT_GE(c.depth(), 1u);
    ASSERT_LE(c.depth(), 4u);
    std::set<uint64_t> points;
    for (uint32_t i = 0; i + 1 < c.depth(); ++i) {
      uint64_t p = c.change_point(i);
      EXPECT_GE(p, 1u);
      EXPECT_LE(p, 40u);
      points.insert(p);
    }
    if (!points.empty()) ++seeds_with_change_points;
    // The running thread changes only at a change point: decision `step` sees the change
    // point p when step + 1 >= p, so a switch at step s means a point at s + 1.
    for (uint64_t step = 1; step < ran.size(); ++step) {
      if (ran[step] != ran[step - 1]) {
        EXPECT_TRUE(points.count(step + 1)) << "seed " << seed << " switched at step " << step;
      }
    }
    // And at each (distinct) change point the thread that ran before is lowered.
    for (uint64_t p : points) {
      uint64_t step = p - 1;
      if (step == 0 || step >= ran.size()) continue;
      EXPECT_NE(ran[step], ran[step - 1]) << "seed " << seed << " change point " << p;
    }
  }
  EXPECT_GT(seeds_with_change_points, 20);
}

TEST(PctChooser, DrawsEveryDepthUpToTheBound) {
  std::set<uint32_t> depths;
  std::vector<uint16_t> enabled = {0, 1};
  for (uint64_t seed = 1; seed < 200; ++seed) {
    PctChooser c;
    RunPct(Params(seed, 3, 10), enabled, 1, &c);
    depths.insert(c.depth());
  }
  EXPECT_EQ(depths, (std::set<uint32_t>{1, 2, 3}));
}

TEST(PctChooser, CountsOnlyTheDecisionsWithAChoice) {
  // A start-up of 100 decisions with one thread to run, then 10 with two: k = 10 choices,
  // and every change point falls among those 10 (counted over every event, all of them
  // would land in the start-up and change nothing).
  std::vector<uint16_t> alone = {0}, both = {0, 1};
  int seeds_with_a_switch = 0;
  for (uint64_t seed = 1; seed < 80; ++seed) {
    PctChooser c;
    c.Init(Params(seed, 2, 10));
    std::vector<uint16_t> ran;
    for (uint64_t step = 0; step < 100; ++step) {
      ran.push_back(Tid(alone, c.PickThread(At(alone, step))));
    }
    EXPECT_EQ(c.choices(), 0u);
    for (uint64_t step = 100; step < 110; ++step) {
      ran.push_back(Tid(both, c.PickThread(At(both, step))));
    }
    EXPECT_EQ(c.choices(), 10u);
    if (c.depth() < 2) continue;
    uint64_t p = c.change_point(0);
    ASSERT_GE(p, 1u);
    ASSERT_LE(p, 10u);
    // The p-th choice is decision 100 + p - 1: the thread that ran the choices before it
    // is lowered there, and the other one runs from then on.
    for (uint64_t step = 101; step < 110; ++step) {
      if (step == 100 + p - 1) {
        EXPECT_NE(ran[step], ran[step - 1]) << "seed " << seed << " change point " << p;
        ++seeds_with_a_switch;
      } else {
        EXPECT_EQ(ran[step], ran[step - 1]) << "seed " << seed << " step " << step;
      }
    }
  }
  EXPECT_GT(seeds_with_a_switch, 20);
}

}  // namespace
}  // namespace weft::sched
