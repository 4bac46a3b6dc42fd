// names_test.cc — names in stacks: inlined calls as source frames (render.h SourceFrames),
// the site of an event at the program's own frame, short C++ names in text and the full
// ones in JSON.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "test_traces.h"
#include "weft/render.h"
#include "weft/show.h"

namespace weft::format {
namespace {

using ::testing::HasSubstr;
using testing::MakeDeadlockTrace;
using testing::MakeFrame;
using ::testing::Not;

const char kStdString[] =
    "std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >";

TEST(ShortName, DropsWhatAReaderDoesNotNeed) {
  EXPECT_EQ(ShortName("main"), "main");
  EXPECT_EQ(ShortName(""), "");
  EXPECT_EQ(ShortName("(anonymous namespace)::Teller(int)"), "Teller(int)");
  EXPECT_EQ(ShortName(std::string("Log(") + kStdString + " const&)"), "Log(std::string const&)");
  // A template function's return type.
  EXPECT_EQ(ShortName("void std::__invoke_impl<void, void (*)(int), int>(void (*&&)(int), int&&)"),
            "std::__invoke_impl<void, void (*)(int), int>(void (*&&)(int), int&&)");
  // A lambda: the function enclosing it, without its signature, and no call operator.
  EXPECT_EQ(ShortName("(anonymous namespace)::StartTellers(std::map<int, int>*)::{lambda()#1}::"
                      "operator()() const"),
            "StartTellers::{lambda()#1}");
  EXPECT_EQ(ShortName("f(int)::Local::g() const"), "f::Local::g() const");
  // Operators keep their brackets.
  EXPECT_EQ(ShortName("Foo::operator<<(int) const"), "Foo::operator<<(int) const");
  EXPECT_EQ(ShortName("operator new(unsigned long)"), "operator new(unsigned long)");
  EXPECT_EQ(ShortName("Foo::operator bool() const"), "Foo::operator bool() const");
  EXPECT_EQ(ShortName("std::vector<int>::operator[](unsigned long)"),
            "std::vector<int>::operator[](unsigned long)");
  // Rust names pass through.
  EXPECT_EQ(ShortName("rust_withdraw::main::{closure#0}::{closure#0}"),
            "rust_withdraw::main::{closure#0}::{closure#0}");
}

TEST(ShortName, LongNamesLoseTemplateArgumentsThenParametersThenTheirEnd) {
  std::string map = std::string("std::map<") + kStdString +
                    ", std::vector<int, std::allocator<int> >, std::less<" + kStdString +
                    " >, std::allocator<std::pair<" + kStdString +
                    " const, std::vector<int, std::allocator<int> > > > >";
  std::string record = "(anonymous namespace)::RecordEntry(" + std::string(kStdString) +
                       " const&, " + map + "&, int)";
  ASSERT_GT(record.size(), 250u);  // what a demangler gives
  EXPECT_EQ(ShortName(record), "RecordEntry(std::string const&, std::map<…>&, int)");
  EXPECT_EQ(ShortName(record, 30), "RecordEntry(…)");
  // The leading "<T>" of a Rust method stays: it says whose method it is.
  EXPECT_EQ(
      ShortName("<std::thread::Builder>::spawn_unchecked_::<rust_withdraw::main::{closure#0}::"
                "{closure#0}, ()>",
                50),
      "<std::thread::Builder>::spawn_unchecked_::<…>");
  // Rust function types inside: "->" is not a bracket.
  EXPECT_EQ(ShortName("app::run::<fn(&str) -> usize, alloc::vec::Vec<u8>>", 20), "app::run::<…>");
  std::string endless(300, 'x');
  std::string cut = ShortName(endless, 50);
  EXPECT_EQ(cut.size(), 47u + 3u);  // 47 characters and a three-byte ellipsis
  EXPECT_EQ(cut.substr(47), "…");
}

TEST(Toolchain, SourcesAndFunctions) {
  EXPECT_TRUE(IsToolchainSource("/usr/include/c++/12/bits/std_thread.h"));
  EXPECT_TRUE(IsToolchainSource("/usr/include/x86_64-linux-gnu/bits/stdio2.h"));
  EXPECT_TRUE(IsToolchainSource("/rustc/59807616e/library/std/src/thread/mod.rs"));
  EXPECT_TRUE(
      IsToolchainSource("/root/.rustup/toolchains/stable/lib/rustlib/src/rust/library/core/x.rs"));
  EXPECT_TRUE(IsToolchainSource("library/std/src/sys/thread/unix.rs"));  // precompiled std
  EXPECT_FALSE(IsToolchainSource("library/mylib/src/lib.rs"));
  EXPECT_FALSE(IsToolchainSource("/work/tests/programs/bank.c"));
  EXPECT_FALSE(IsToolchainSource("src/main.rs"));
  EXPECT_FALSE(IsToolchainSource(""));
  EXPECT_TRUE(IsLibraryFunction("void std::__invoke_impl<void, F>(std::__invoke_other, F&&)"));
  EXPECT_TRUE(IsLibraryFunction("std::thread::_State_impl<T>::_M_run()"));
  EXPECT_TRUE(IsLibraryFunction("<std::thread::Builder>::spawn_unchecked_::<F, ()>"));
  EXPECT_TRUE(IsLibraryFunction("core::ops::function::FnOnce::call_once"));
  EXPECT_TRUE(IsLibraryFunction("__libc_start_call_main"));
  EXPECT_FALSE(IsLibraryFunction("main"));
  EXPECT_FALSE(IsLibraryFunction("rust_withdraw::withdraw"));
  EXPECT_FALSE(
      IsLibraryFunction("(anonymous namespace)::StartTellers()::{lambda()#1}::"
                        "operator()() const"));
}

// The deadlock trace, with `transfer` inlined into the frame of each worker: T1's lock_both
// frame becomes transfer inlined into a_to_b, T2's worker_b frame transfer inlined into
// b_to_a; and main's frame is std::thread's constructor (libstdc++'s header) inlined
// into main.
Trace InlinedTrace() {
  Trace t = MakeDeadlockTrace();
  t.frames[2].function = "transfer";
  t.frames[2].file = "/work/tests/programs/bank.c";
  t.frames[2].line = 27;
  t.frames[2].inlined_callers = {{"a_to_b", "/work/tests/programs/bank.c", 37}};
  t.frames[5].function = "transfer";
  t.frames[5].file = "/work/tests/programs/bank.c";
  t.frames[5].line = 27;
  t.frames[5].inlined_callers = {{"b_to_a", "/work/tests/programs/bank.c", 43}};
  t.frames[6].function = "std::thread::thread<void (&)(int), int&, void>(void (&)(int), int&)";
  t.frames[6].file = "/usr/include/c++/12/bits/std_thread.h";
  t.frames[6].line = 143;
  t.frames[6].inlined_callers = {
      {"std::thread::_M_start_thread_wrapper", "/usr/include/c++/12/bits/std_thread.h", 160},
      {"main", "/work/tests/programs/bank.c", 50}};
  return t;
}

TEST(SourceFrames, ExpandInlinedCalls) {
  Trace t = InlinedTrace();
  std::vector<SourceFrame> frames = SourceFrames(t, t.stacks[1]);  // {1, 2, 3, 4}
  ASSERT_EQ(frames.size(), 5u);
  EXPECT_EQ(frames[1].function, "transfer");
  EXPECT_TRUE(frames[1].inlined);
  EXPECT_EQ(frames[2].function, "a_to_b");
  EXPECT_EQ(frames[2].line, 37u);
  EXPECT_FALSE(frames[2].inlined);
  EXPECT_EQ(frames[1].frame, frames[2].frame);  // one physical frame, one ip
  EXPECT_EQ(frames[2].index, 1u);
  EXPECT_EQ(frames[3].function, "worker_a");
  EXPECT_EQ(frames[3].index, 2u);
  // An unknown frame id is a frame without symbols, not a crash.
  std::vector<SourceFrame> unknown = SourceFrames(t, {99});
  ASSERT_EQ(unknown.size(), 1u);
  EXPECT_EQ(unknown[0].function, "");
}

TEST(SourceFrames, TheSiteIsTheProgramsOwnFrame) {
  Trace t = InlinedTrace();
  EXPECT_EQ(DescribeLocation(t, 1), "transfer (bank.c:27)");
  // std::thread's constructor (inlined or not) is not where the program creates a thread.
  EXPECT_EQ(DescribeLocation(t, 3), "main (bank.c:50)");
  EXPECT_EQ(MeaningfulFrame(t, t.stacks[3]), 0);
  std::optional<SourceFrame> site = MeaningfulSourceFrame(t, t.stacks[3]);
  ASSERT_TRUE(site);
  EXPECT_EQ(site->function, "main");
  // Not inlined: the out-of-line instantiation (in the executable, from the header) is
  // skipped the same way.
  t.frames[6].inlined_callers.clear();
  t.frames.push_back(
      MakeFrame(0x4012f0, "main", "/work/tests/programs/bank.c", 51, t.header.executable));
  t.frames.back().module_id = 1;
  t.stacks.push_back({6, static_cast<uint32_t>(t.frames.size() - 1)});
  EXPECT_EQ(DescribeLocation(t, static_cast<uint32_t>(t.stacks.size() - 1)), "main (bank.c:51)");
  // Only toolchain code: it is still shown rather than nothing.
  t.stacks.push_back({6});
  EXPECT_EQ(DescribeLocation(t, static_cast<uint32_t>(t.stacks.size() - 1)),
            "std::thread::thread<void (&)(int), int&, void>(void (&)(int), int&) "
            "(std_thread.h:143)");
}

TEST(SourceFrames, StacksInTheTimelineShowEveryInlinedCall) {
  std::string text = render::RenderTimeline(InlinedTrace());
  EXPECT_THAT(text, HasSubstr("#1        0x401196  transfer (bank.c:27) [inlined]\n"
                              "    #2        0x401196  a_to_b (bank.c:37)\n"
                              "    #3        0x4011f0  worker_a (abba.c:22)\n"));
  EXPECT_THAT(text, HasSubstr("#1        0x401250  transfer (bank.c:27) [inlined]\n"
                              "    #2        0x401250  b_to_a (bank.c:43)\n"));
  // The creations are at main's line, not in the header.
  EXPECT_THAT(text, HasSubstr("thread_create  thread#1        creates T1"));
  EXPECT_THAT(text, HasSubstr("main (bank.c:50)"));
  EXPECT_THAT(text, Not(HasSubstr("[3 enabled]  std::thread")));
}

TEST(SourceFrames, JsonHasTheFullChainAndFullNames) {
  std::string json = render::RenderTraceJson(InlinedTrace());
  EXPECT_THAT(json, HasSubstr("\"function\":\"transfer\",\"file\":\"/work/tests/programs/bank.c\","
                              "\"line\":27,"));
  EXPECT_THAT(json, HasSubstr("\"inlined_callers\":[{\"function\":\"a_to_b\",\"file\":"
                              "\"/work/tests/programs/bank.c\",\"line\":37}]"));
  EXPECT_THAT(json, HasSubstr("\"inlined_callers\":[]"));
  // An event's location is the source frame chosen as its site.
  EXPECT_THAT(json, HasSubstr("\"location\":{\"function\":\"main\",\"file\":"
                              "\"/work/tests/programs/bank.c\",\"line\":50,"));
}

TEST(SourceFrames, ACrashInlinedFromAHeaderNamesTheProgramsLine) {
  Trace t = testing::MakeCrashTrace();
  t.frames[1] =
      MakeFrame(0x401150, "std::vector<int, std::allocator<int> >::operator[](unsigned long)",
                "/usr/include/c++/12/bits/stl_vector.h", 1123, t.header.executable);
  t.frames[1].inlined_callers = {
      {"(anonymous namespace)::Sum(std::vector<int, std::allocator<int> > const&)",
       "/work/tests/programs/sum.cc", 12}};
  testing::PlaceFrames(&t, 0);
  t.outcome.diverged = false;
  EXPECT_EQ(
      DescribeOutcome(t),
      "killed by SIGSEGV (Segmentation fault) at 0x7ffff7d9e8f5 in "
      "std::vector<int, std::allocator<int> >::operator[](unsigned long) (stl_vector.h:1123), "
      "called from Sum(std::vector<int, std::allocator<int> > const&) (sum.cc:12)");
}

}  // namespace
}  // namespace weft::format
