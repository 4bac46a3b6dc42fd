// The random walk chooser alone: determinism per seed, range, uniformity, waiters.
#include "weft/sched/random.h"

#include <gtest/gtest.h>

#include <array>
#include <set>
#include <vector>

#include "sched_test_util.h"

namespace weft::sched {
namespace {

using testing::At;
using testing::Wake;

std::vector<uint32_t> Picks(uint64_t seed, uint32_t count, int n) {
  RandomChooser c;
  c.Init({seed});
  std::vector<uint16_t> enabled = {0, 1, 2, 3, 4, 5, 6, 7};
  enabled.resize(count);
  std::vector<uint32_t> out;
  for (int i = 0; i < n; ++i) out.push_back(c.PickThread(At(enabled, static_cast<uint64_t>(i))));
  return out;
}

TEST(RandomChooser, SameSeedSameSchedule) { EXPECT_EQ(Picks(42, 3, 1000), Picks(42, 3, 1000)); }

TEST(RandomChooser, NeighbouringSeedsGiveDifferentSchedules) {
  std::set<std::vector<uint32_t>> schedules;
  for (uint64_t seed = 1; seed <= 50; ++seed) schedules.insert(Picks(seed, 2, 32));
  EXPECT_EQ(schedules.size(), 50u);
}

TEST(RandomChooser, PicksStayInRange) {
  for (uint32_t count = 1; count <= 8; ++count) {
    for (uint32_t pick : Picks(7, count, 500)) EXPECT_LT(pick, count);
  }
}

TEST(RandomChooser, SingleEnabledThreadIsForced) {
  for (uint32_t pick : Picks(9, 1, 100)) EXPECT_EQ(pick, 0u);
}

TEST(RandomChooser, PicksAreRoughlyUniform) {
  std::array<int, 4> hist{};
  const int n = 40000;
  for (uint32_t pick : Picks(123, 4, n)) ++hist[pick];
  for (int h : hist) {
    EXPECT_GT(h, n / 4 - 600);
    EXPECT_LT(h, n / 4 + 600);
  }
}

TEST(RandomChooser, WaiterChoiceCoversEveryWaiter) {
  RandomChooser c;
  c.Init({5});
  std::vector<uint16_t> waiters = {2, 5, 9};
  std::array<int, 3> hist{};
  for (int i = 0; i < 3000; ++i) ++hist[c.PickWaiter(Wake(waiters, 0))];
  for (int h : hist) EXPECT_GT(h, 800);
}

TEST(Rng, BelowIsUnbiasedEnoughForSmallRanges) {
  Rng rng(1);
  std::array<int, 3> hist{};
  for (int i = 0; i < 30000; ++i) ++hist[rng.Below(3)];
  for (int h : hist) {
    EXPECT_GT(h, 9500);
    EXPECT_LT(h, 10500);
  }
}

}  // namespace
}  // namespace weft::sched
