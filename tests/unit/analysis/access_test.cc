// access_test.cc — the conflict access model of every event kind, against a table written
// out here by hand from conflicts.h's rules: a wrong entry in abi/include/weft/event_table.h
// (or in access.cc's special cases) fails here.
#include "weft/access.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <map>
#include <set>

namespace weft::analysis {
namespace {

using K = format::EventKind;
constexpr Access N = Access::kNone;
constexpr Access R = Access::kRead;
constexpr Access W = Access::kWrite;
constexpr uint32_t kObj = 5;

struct Expected {
  Access ok;       // on obj, when the operation succeeded
  Access failed;   // on obj, with F_FAILED
  bool start;      // a succeeded operation opens a section
  bool end;        // a succeeded operation closes a section
  Access pending;  // the pending operation of a thread blocked in it
};

// Kinds whose access depends on the argument or the thread's state are tested below.
const std::map<K, Expected>& Model() {
  static const std::map<K, Expected> m = {
      {K::kNone, {N, N, false, false, N}},          {K::kThreadStart, {N, N, false, false, N}},
      {K::kThreadExit, {W, R, false, false, N}},    {K::kThreadCreate, {W, R, false, false, N}},
      {K::kThreadJoin, {W, R, false, false, W}},    {K::kThreadDetach, {W, R, false, false, N}},
      {K::kMutexLock, {W, R, true, false, W}},      {K::kMutexUnlock, {W, R, false, true, N}},
      {K::kRwlockRdlock, {R, R, true, false, R}},   {K::kRwlockWrlock, {W, R, true, false, W}},
      {K::kCondSignal, {W, W, false, false, N}},    {K::kCondBroadcast, {W, W, false, false, N}},
      {K::kSemWait, {W, R, false, false, W}},       {K::kSemPost, {W, R, false, false, N}},
      {K::kBarrierWait, {W, W, false, false, N}},   {K::kBarrierLeave, {N, N, false, false, N}},
      {K::kSpinLock, {W, R, true, false, W}},       {K::kSpinUnlock, {W, R, false, true, N}},
      {K::kFutexWoken, {W, W, false, false, W}},    {K::kFutexWake, {W, W, false, false, N}},
      {K::kSleep, {N, N, false, false, N}},         {K::kSleepDone, {N, N, false, false, N}},
      {K::kYield, {N, N, false, false, N}},         {K::kFork, {N, N, false, false, N}},
      {K::kOnceDone, {W, W, false, true, N}},       {K::kSignalWait, {N, N, false, false, N}},
      {K::kPoll, {N, N, false, false, N}},          {K::kProcessExit, {N, N, false, false, N}},
      {K::kExec, {N, N, false, false, N}},          {K::kMemRead, {R, R, false, false, N}},
      {K::kMemWrite, {W, W, false, false, N}},      {K::kFileRead, {R, R, false, false, N}},
      {K::kFileWrite, {W, W, false, false, N}},     {K::kFileLock, {W, R, true, false, W}},
      {K::kFileUnlock, {W, R, false, true, N}},     {K::kChannelSend, {W, W, false, false, N}},
      {K::kChannelRecv, {W, W, false, false, N}},   {K::kChannelConnect, {W, W, false, false, N}},
      {K::kChannelAccept, {W, W, false, false, N}}, {K::kChannelShutdown, {W, W, false, false, N}},
      {K::kProcessWait, {N, N, false, false, N}},   {K::kInterpPoint, {N, N, false, false, N}},
  };
  return m;
}

format::Event Ev(K kind, uint32_t obj, int64_t arg = 0, uint32_t flags = 0) {
  format::Event e;
  e.kind = kind;
  e.obj = obj;
  e.arg = arg;
  e.flags = flags;
  return e;
}

// The single access on obj, or kNone if there is none (fails on anything else).
Touch Only(const Touches& t) {
  EXPECT_LE(t.count, 1);
  return t.count == 0 ? Touch{} : t.touch[0];
}

TEST(AccessModel, EveryKindWithoutSpecialCases) {
  AccessState state;
  state.object_count = 10;
  for (const auto& [kind, want] : Model()) {
    SCOPED_TRACE(format::EventKindName(kind));
    Touch ok = Only(AccessesOf(Ev(kind, kObj), state));
    EXPECT_EQ(ok.access, want.ok);
    if (want.ok != N) {
      EXPECT_EQ(ok.obj, kObj);
      EXPECT_EQ(ok.section_start, want.start);
      EXPECT_EQ(ok.section_end, want.end);
    }
    Touch failed = Only(AccessesOf(Ev(kind, kObj, EBUSY, format::kFlagFailed), state));
    EXPECT_EQ(failed.access, want.failed);
    EXPECT_FALSE(failed.section_start) << "a failed operation takes nothing";
    EXPECT_FALSE(failed.section_end) << "a failed operation gives nothing back";
    EXPECT_EQ(Only(PendingAccessesOf(kind, kObj, 0)).access, want.pending);
  }
}

TEST(AccessModel, EveryKindIsCovered) {
  const std::set<K> special = {K::kRwlockUnlock, K::kCondWait, K::kCondWake, K::kOnce,
                               K::kFutexWait};
  for (uint32_t n = 0; n < WEFT_EV_KIND_COUNT; ++n) {
    auto kind = static_cast<K>(n);
    EXPECT_TRUE(Model().count(kind) == 1 || special.count(kind) == 1)
        << format::EventKindName(kind) << " has no expected access here";
    // What the table marks "by state" is exactly what is tested one by one below.
    EXPECT_EQ(AccessClassOf(kind) == WEFT_ACCESS_BY_STATE,
              kind == K::kRwlockUnlock || kind == K::kOnce || kind == K::kFutexWait)
        << format::EventKindName(kind);
  }
}

TEST(AccessModel, ObjectZeroIsNoAccess) {
  EXPECT_EQ(AccessesOf(Ev(K::kMutexLock, 0), AccessState{}).count, 0);
  EXPECT_EQ(PendingAccessesOf(K::kMutexLock, 0, 0).count, 0);
}

TEST(AccessModel, UnknownKindsTouchNothing) {
  EXPECT_EQ(AccessesOf(Ev(static_cast<K>(200), kObj), AccessState{}).count, 0);
  EXPECT_EQ(PendingAccessesOf(static_cast<K>(200), kObj, 0).count, 0);
}

TEST(AccessModel, RwlockUnlockWritesOnlyAfterTheWriteLock) {
  AccessState reader;
  AccessState writer;
  writer.holds_write = true;
  Touch r = Only(AccessesOf(Ev(K::kRwlockUnlock, kObj), reader));
  EXPECT_EQ(r.access, R) << "read unlocks commute with read locks";
  EXPECT_TRUE(r.section_end);
  Touch w = Only(AccessesOf(Ev(K::kRwlockUnlock, kObj), writer));
  EXPECT_EQ(w.access, W);
  EXPECT_TRUE(w.section_end);
  Touch failed = Only(AccessesOf(Ev(K::kRwlockUnlock, kObj, EPERM, format::kFlagFailed), writer));
  EXPECT_EQ(failed.access, R);
  EXPECT_FALSE(failed.section_end);
}

TEST(AccessModel, CondWaitReleasesItsMutex) {
  constexpr uint32_t kMutex = 3;
  AccessState state;
  state.object_count = 10;
  Touches t = AccessesOf(Ev(K::kCondWait, kObj, kMutex), state);
  ASSERT_EQ(t.count, 2);
  EXPECT_EQ(t.touch[0], (Touch{kObj, W, false, false}));
  EXPECT_EQ(t.touch[1], (Touch{kMutex, W, false, true}));
  // A failed wait released nothing; a mutex id past the objects is ignored.
  Touches failed = AccessesOf(Ev(K::kCondWait, kObj, kMutex, format::kFlagFailed), state);
  ASSERT_EQ(failed.count, 1);
  EXPECT_EQ(failed.touch[0], (Touch{kObj, R, false, false}));
  EXPECT_EQ(AccessesOf(Ev(K::kCondWait, kObj, 10), state).count, 1);
}

TEST(AccessModel, CondWakeReacquiresTheMutexEvenWhenTimedOut) {
  constexpr uint32_t kMutex = 3;
  AccessState state;
  state.cond_mutex = kMutex;
  for (uint32_t flags : {0u, format::kFlagTimedOut | format::kFlagFailed}) {
    Touches t = AccessesOf(Ev(K::kCondWake, kObj, 0, flags), state);
    ASSERT_EQ(t.count, 2);
    EXPECT_EQ(t.touch[0], (Touch{kObj, W, false, false}));
    EXPECT_EQ(t.touch[1], (Touch{kMutex, W, true, false}));
  }
  Touches pending = PendingAccessesOf(K::kCondWake, kObj, kMutex);
  ASSERT_EQ(pending.count, 2);
  EXPECT_EQ(pending.touch[0], (Touch{kObj, W, false, false}));
  EXPECT_EQ(pending.touch[1], (Touch{kMutex, W, false, false}));
}

TEST(AccessModel, OnceWritesOnlyWhenItRunsTheInitRoutine) {
  EXPECT_EQ(Only(AccessesOf(Ev(K::kOnce, kObj, 1), AccessState{})), (Touch{kObj, W, true, false}));
  EXPECT_EQ(Only(AccessesOf(Ev(K::kOnce, kObj, 0), AccessState{})), (Touch{kObj, R, false, false}));
  EXPECT_EQ(Only(PendingAccessesOf(K::kOnce, kObj, 0)).access, R);
}

TEST(AccessModel, FutexWaitWritesOnlyWhenItStartedWaiting) {
  EXPECT_EQ(Only(AccessesOf(Ev(K::kFutexWait, kObj, 0), AccessState{})).access, W);
  EXPECT_EQ(
      Only(AccessesOf(Ev(K::kFutexWait, kObj, -EAGAIN, format::kFlagFailed), AccessState{})).access,
      R);
  EXPECT_EQ(Only(PendingAccessesOf(K::kFutexWait, kObj, 0)).access, N);
}

TEST(AccessModel, Names) {
  EXPECT_STREQ(AccessName(Access::kNone), "none");
  EXPECT_STREQ(AccessName(Access::kRead), "read");
  EXPECT_STREQ(AccessName(Access::kWrite), "write");
}

}  // namespace
}  // namespace weft::analysis
