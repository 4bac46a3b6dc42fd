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

}  // namespace
}  // namespace weft::sched
