// The shim's start-up check of glibc's private layout (recorder/preload/glibc_layout.h):
// it accepts the glibc this machine runs, and on a layout that is off by one field it
// refuses and names the field, in a message that fits the session's error field.
#include "glibc_layout.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstddef>
#include <string>

#include "weft/shim_abi.h"

namespace weft::shim {
namespace {

GlibcFunctions LibcFunctions() {
  GlibcFunctions fns;
  fns.mutex_init = pthread_mutex_init;
  fns.mutex_lock = pthread_mutex_lock;
  fns.mutex_unlock = pthread_mutex_unlock;
  fns.mutex_destroy = pthread_mutex_destroy;
  fns.cond_init = pthread_cond_init;
  fns.cond_destroy = pthread_cond_destroy;
  fns.barrier_init = pthread_barrier_init;
  fns.barrier_destroy = pthread_barrier_destroy;
  fns.once = pthread_once;
  return fns;
}

// The reason CheckGlibcLayout gives for `layout`, "" when it accepts it.
std::string Reason(const GlibcLayout& layout) {
  char why[sizeof(weft_session::error)];
  why[0] = 'x';
  bool ok = CheckGlibcLayout(layout, LibcFunctions(), gettid(), why, sizeof(why));
  std::string reason = why;
  EXPECT_EQ(ok, reason.empty()) << reason;
  // The whole reason fits the session's error field, up to what it tells the user to do.
  const std::string advice = "rebuild weft against this glibc";
  if (!ok) {
    EXPECT_EQ(reason.rfind(advice), reason.size() - advice.size()) << reason;
  }
  return reason;
}

TEST(GlibcLayout, TheRunningGlibcMatchesTheLayoutWeftWasBuiltFor) {
  EXPECT_EQ(Reason(kGlibcLayout), "");
}

TEST(GlibcLayout, AWrongOwnerFieldIsRefusedByName) {
  GlibcLayout fake = kGlibcLayout;
  fake.mutex_owner = offsetof(pthread_mutex_t, __data.__count);
  std::string why = Reason(fake);
  EXPECT_NE(why.find("pthread_mutex_t.__data.__owner"), std::string::npos) << why;
  EXPECT_NE(why.find("locking thread's tid"), std::string::npos) << why;
  EXPECT_NE(why.find("rebuild weft"), std::string::npos) << why;
}

TEST(GlibcLayout, AWrongKindFieldIsCaughtOnARecursiveMutex) {
  GlibcLayout fake = kGlibcLayout;
  fake.mutex_kind = offsetof(pthread_mutex_t, __data.__spins);  // 0 for every type
  std::string why = Reason(fake);
  EXPECT_NE(why.find("__kind of a recursive mutex"), std::string::npos) << why;
  EXPECT_NE(why.find("PTHREAD_MUTEX_RECURSIVE"), std::string::npos) << why;
}

TEST(GlibcLayout, AWrongLockFieldIsRefused) {
  GlibcLayout fake = kGlibcLayout;
  fake.mutex_lock = offsetof(pthread_mutex_t, __data.__spins);
  std::string why = Reason(fake);
  EXPECT_NE(why.find("pthread_mutex_t.__data.__lock"), std::string::npos) << why;
  EXPECT_NE(why.find("non-zero once locked"), std::string::npos) << why;
}

TEST(GlibcLayout, AWrongConditionClockFieldIsRefused) {
  GlibcLayout fake = kGlibcLayout;
  fake.cond_wrefs = offsetof(pthread_cond_t, __data.__g_size);
  std::string why = Reason(fake);
  EXPECT_NE(why.find("pthread_cond_t.__data.__wrefs"), std::string::npos) << why;
  EXPECT_NE(why.find("set for a CLOCK_MONOTONIC"), std::string::npos) << why;
}

// Bit 0 of __wrefs is the process-shared bit, not the clock (the shim once read it so).
TEST(GlibcLayout, TheProcessSharedBitIsNotTakenForTheClock) {
  GlibcLayout fake = kGlibcLayout;
  fake.cond_clock = 1;
  std::string why = Reason(fake);
  EXPECT_NE(why.find("the clock bit (1) of pthread_cond_t.__data.__wrefs"), std::string::npos)
      << why;
}

TEST(GlibcLayout, AWrongBarrierCountIsRefused) {
  GlibcLayout fake = kGlibcLayout;
  fake.barrier_count = 0;
  std::string why = Reason(fake);
  EXPECT_NE(why.find("pthread_barrier_t"), std::string::npos) << why;
  EXPECT_NE(why.find("hold the count 3"), std::string::npos) << why;
}

TEST(GlibcLayout, AWrongOnceBitIsRefused) {
  GlibcLayout fake = kGlibcLayout;
  fake.once_done = 4;
  std::string why = Reason(fake);
  EXPECT_NE(why.find("pthread_once_t"), std::string::npos) << why;
  EXPECT_NE(why.find("set after pthread_once"), std::string::npos) << why;
}

TEST(GlibcLayout, TheReasonIsTruncatedToTheBuffer) {
  GlibcLayout fake = kGlibcLayout;
  fake.barrier_count = 0;
  char why[24];
  for (char& c : why) c = 'x';
  EXPECT_FALSE(CheckGlibcLayout(fake, LibcFunctions(), gettid(), why, 16));
  EXPECT_EQ(std::string(why), std::string("glibc layout ch"));
  EXPECT_EQ(why[16], 'x');  // nothing written past the size given
}

}  // namespace
}  // namespace weft::shim
