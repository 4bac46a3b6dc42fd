// outcome_test.cc — the outcome predicates (is-failure, same-failure), preemption and
// switch counting, and the event digest.
#include "weft/outcome.h"

#include <gtest/gtest.h>

#include <vector>

#include "weft/digest.h"
#include "weft/schedule_stats.h"

namespace weft::analysis {
namespace {

using Kind = format::Outcome::Kind;

format::Outcome Out(Kind kind, int exit_code = 0, int signal = 0) {
  format::Outcome o;
  o.kind = kind;
  o.exit_code = exit_code;
  o.signal = signal;
  return o;
}

TEST(Outcome, IsFailure) {
  EXPECT_FALSE(IsFailure(Out(Kind::kExited, 0)));
  EXPECT_TRUE(IsFailure(Out(Kind::kExited, 1)));
  EXPECT_TRUE(IsFailure(Out(Kind::kExited, -1)));
  EXPECT_TRUE(IsFailure(Out(Kind::kSignaled, 0, 11)));
  EXPECT_TRUE(IsFailure(Out(Kind::kDeadlock)));
  EXPECT_TRUE(IsFailure(Out(Kind::kTimeout)));
  EXPECT_TRUE(IsFailure(Out(Kind::kShimError)));
  EXPECT_TRUE(IsFailure(Out(Kind::kMaxSteps)));
  EXPECT_FALSE(IsFailure(Out(Kind::kStopped))) << "replay --stop-at stops on request";
  EXPECT_TRUE(IsFailure(Out(static_cast<Kind>(99)))) << "an unknown end is no clean exit";
  format::Outcome diverged = Out(Kind::kExited, 0);
  diverged.diverged = true;
  EXPECT_FALSE(IsFailure(diverged)) << "the program itself exited cleanly";
}

TEST(Outcome, SameFailure) {
  EXPECT_TRUE(SameFailure(Out(Kind::kExited, 1), Out(Kind::kExited, 1)));
  EXPECT_FALSE(SameFailure(Out(Kind::kExited, 1), Out(Kind::kExited, 2)));
  EXPECT_TRUE(SameFailure(Out(Kind::kSignaled, 0, 6), Out(Kind::kSignaled, 0, 6)));
  EXPECT_FALSE(SameFailure(Out(Kind::kSignaled, 0, 6), Out(Kind::kSignaled, 0, 11)));
  EXPECT_FALSE(SameFailure(Out(Kind::kDeadlock), Out(Kind::kTimeout)));
  // What else differs (the message, the crash site, the event count) does not matter.
  format::Outcome a = Out(Kind::kDeadlock);
  format::Outcome b = Out(Kind::kDeadlock);
  a.events = 10;
  b.events = 12;
  b.message = "other";
  EXPECT_TRUE(SameFailure(a, b));
}

struct FakeDecision {
  uint16_t tid = 0;
  uint16_t current = 0;
  uint64_t enabled = 0;
  bool IsEnabled(uint32_t t) const { return t < 64 && (enabled >> t) & 1; }
};

TEST(ScheduleStats, PreemptionsAndSwitches) {
  EXPECT_TRUE(IsPreemption(0, 1, true));
  EXPECT_FALSE(IsPreemption(0, 1, false)) << "the current thread could not go on";
  EXPECT_FALSE(IsPreemption(1, 1, true));
  std::vector<FakeDecision> d = {
      {0, 0, 0b011},  // T0 goes on
      {1, 0, 0b011},  // preempts T0
      {0, 1, 0b001},  // T1 blocked: a switch, no preemption
      {1, 0, 0b011},  // preempts T0
  };
  EXPECT_EQ(CountPreemptions(d), 2u);
  EXPECT_EQ(CountPreemptions(d, 2), 1u);
  EXPECT_EQ(CountPreemptions(d, 0), 0u);
  EXPECT_EQ(CountSwitches(d), 3u);
}

TEST(Digest, SameStreamSameDigestAndEveryFieldCounts) {
  auto digest = [](uint32_t tid, format::EventKind kind, int64_t arg, uint64_t vtime, int wakes) {
    EventDigest d;
    d.AddEvent(tid, static_cast<uint32_t>(kind), 0, 2, 7, arg, vtime);
    for (int i = 0; i < wakes; ++i) d.AddWake(1);
    return d.value();
  };
  using K = format::EventKind;
  uint64_t base = digest(1, K::kMutexLock, 0, 100, 0);
  EXPECT_EQ(base, digest(1, K::kMutexLock, 0, 100, 0));
  EXPECT_NE(base, digest(2, K::kMutexLock, 0, 100, 0));
  EXPECT_NE(base, digest(1, K::kMutexUnlock, 0, 100, 0));
  EXPECT_NE(base, digest(1, K::kMutexLock, 16, 100, 0));
  EXPECT_NE(base, digest(1, K::kMutexLock, 0, 101, 0));
  EXPECT_NE(base, digest(1, K::kMutexLock, 0, 100, 1));
  // A fork's child pid differs between runs of one schedule: it is left out.
  EXPECT_EQ(digest(0, K::kFork, 4242, 5, 0), digest(0, K::kFork, 4343, 5, 0));
  EXPECT_NE(digest(0, K::kYield, 4242, 5, 0), digest(0, K::kYield, 4343, 5, 0));
}

TEST(Digest, OfATraceEqualsTheStreamDigest) {
  format::Trace trace;
  for (uint32_t i = 0; i < 4; ++i) {
    format::Event e;
    e.tid = i % 2;
    e.kind = i == 2 ? format::EventKind::kFutexWake : format::EventKind::kMutexLock;
    e.obj = 1;
    e.vtime = i * 10;
    trace.events.push_back(e);
  }
  trace.wakes.push_back({2, 0});
  EventDigest stream;
  for (size_t i = 0; i < trace.events.size(); ++i) {
    const format::Event& e = trace.events[i];
    stream.AddEvent(e.tid, static_cast<uint32_t>(e.kind), e.flags, e.enabled, e.obj, e.arg,
                    e.vtime);
    if (i == 2) stream.AddWake(0);  // after its waking event, before the next one
  }
  EXPECT_EQ(DigestOf(trace), stream.value());
  trace.wakes[0].event_index = 3;
  EXPECT_NE(DigestOf(trace), stream.value()) << "where a wake belongs counts";
}

}  // namespace
}  // namespace weft::analysis
