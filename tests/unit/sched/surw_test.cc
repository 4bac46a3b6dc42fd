// The SURW chooser alone: operations that are not interesting go first, interesting ones
// are weighed by the events their threads have left, which makes the interleavings of the
// interesting events uniform.
#include "weft/sched/surw.h"

#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "sched_test_util.h"

namespace weft::sched {
namespace {

using testing::At;
using testing::Tid;

struct Ops {
  std::map<uint16_t, Pending> by_tid;
  static Pending Of(const void* context, uint16_t tid) {
    return static_cast<const Ops*>(context)->by_tid.at(tid);
  }
};

Point With(const Ops& ops, const std::vector<uint16_t>& enabled, uint64_t step) {
  Point p = At(enabled, step);
  p.pending = &Ops::Of;
  p.context = &ops;
  return p;
}

SurwChooser::Params Estimates(uint64_t seed, std::vector<uint16_t> estimate) {
  SurwChooser::Params p;
  p.seed = seed;
  for (size_t i = 0; i < estimate.size(); ++i) p.estimate[i] = estimate[i];
  return p;
}

// Threads 0 and 1 about to lock object 1, which thread 2 takes first (Share).
Ops SharedLock() {
  Ops ops;
  for (uint16_t t = 0; t < 3; ++t) ops.by_tid[t] = {WEFT_EV_MUTEX_LOCK, 1};
  return ops;
}

// Thread 2 alone locks object 1 first.
void Share(SurwChooser* c, const Ops& ops) {
  std::vector<uint16_t> alone = {2};
  c->PickThread(With(ops, alone, 0));
}

TEST(SurwChooser, IsInterestingFollowsTheEventTable) {
  EXPECT_TRUE(IsInteresting(WEFT_EV_MUTEX_LOCK));
  EXPECT_TRUE(IsInteresting(WEFT_EV_MEM_WRITE));
  EXPECT_TRUE(IsInteresting(WEFT_EV_COND_WAKE));
  EXPECT_FALSE(IsInteresting(WEFT_EV_MUTEX_UNLOCK));  // a release
  EXPECT_FALSE(IsInteresting(WEFT_EV_THREAD_START));  // life cycle
  EXPECT_FALSE(IsInteresting(WEFT_EV_YIELD));         // no object
}

TEST(SurwChooser, WhatIsNotInterestingGoesFirst) {
  Ops ops;
  ops.by_tid[0] = {WEFT_EV_MUTEX_LOCK, 1};
  ops.by_tid[1] = {WEFT_EV_MUTEX_LOCK, 1};
  ops.by_tid[2] = {WEFT_EV_THREAD_START, 0};
  std::vector<uint16_t> enabled = {0, 1, 2};
  for (uint64_t seed = 1; seed < 50; ++seed) {
    SurwChooser c;
    c.Init(Estimates(seed, {5, 5, 5}));
    EXPECT_EQ(Tid(enabled, c.PickThread(With(ops, enabled, 0))), 2) << "seed " << seed;
  }
}

TEST(SurwChooser, AFirstTouchIsInterestingToo) {
  // twostage's shape: thread 0 is about to take a lock no thread took yet (its second
  // stage), thread 1 one that others took. Running first touches at once would put thread
  // 0's second stage right after its first, always; weighed, thread 1 (9 events left
  // against 1) goes first 9 times in 10.
  Ops ops;
  ops.by_tid[0] = {WEFT_EV_MUTEX_LOCK, 5};
  ops.by_tid[1] = {WEFT_EV_MUTEX_LOCK, 1};
  ops.by_tid[2] = {WEFT_EV_MUTEX_LOCK, 1};
  std::vector<uint16_t> enabled = {0, 1};
  int one_first = 0;
  const int kSeeds = 4000;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    SurwChooser c;
    c.Init(Estimates(seed, {1, 9}));
    Share(&c, ops);
    if (Tid(enabled, c.PickThread(With(ops, enabled, 1))) == 1) ++one_first;
  }
  EXPECT_NEAR(one_first / double(kSeeds), 0.9, 0.03);
}

TEST(SurwChooser, WeighsThreadsByTheirEventsLeft) {
  Ops ops = SharedLock();
  std::vector<uint16_t> enabled = {0, 1};
  int zero_first = 0;
  const int kSeeds = 4000;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    SurwChooser c;
    c.Init(Estimates(seed, {9, 1}));
    Share(&c, ops);
    if (Tid(enabled, c.PickThread(With(ops, enabled, 0))) == 0) ++zero_first;
  }
  EXPECT_NEAR(zero_first / double(kSeeds), 0.9, 0.03);
}

TEST(SurwChooser, InterleavingsOfTheInterestingEventsAreUniform) {
  // Thread 0 locks object 1 three times, thread 1 once, with exact estimates: each of the 4
  // places of thread 1's lock among the 4 is equally likely (a random walk puts it first
  // half of the time).
  Ops ops = SharedLock();
  const int kSeeds = 8000;
  int place[4] = {};
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    SurwChooser c;
    c.Init(Estimates(seed, {3, 1}));
    Share(&c, ops);
    int left0 = 3;
    bool one_done = false;
    for (int step = 0; step < 4; ++step) {
      std::vector<uint16_t> enabled;
      if (left0 > 0) enabled.push_back(0);
      if (!one_done) enabled.push_back(1);
      uint16_t tid = Tid(enabled, c.PickThread(With(ops, enabled, step)));
      if (tid == 1) {
        ++place[step];
        one_done = true;
      } else {
        --left0;
      }
    }
  }
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(place[i] / double(kSeeds), 0.25, 0.025) << "place " << i;
}

TEST(SurwChooser, SameSeedSameSchedule) {
  Ops ops;
  ops.by_tid[0] = {WEFT_EV_MUTEX_LOCK, 1};
  ops.by_tid[1] = {WEFT_EV_MUTEX_LOCK, 1};
  std::vector<uint16_t> enabled = {0, 1};
  auto run = [&](uint64_t seed) {
    SurwChooser c;
    c.Init(Estimates(seed, {20, 20}));
    std::vector<uint16_t> ran;
    for (int i = 0; i < 30; ++i) ran.push_back(Tid(enabled, c.PickThread(With(ops, enabled, i))));
    return ran;
  };
  for (uint64_t seed = 1; seed < 20; ++seed) EXPECT_EQ(run(seed), run(seed));
  EXPECT_NE(run(1), run(2));
}

}  // namespace
}  // namespace weft::sched
