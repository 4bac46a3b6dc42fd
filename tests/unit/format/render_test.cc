// render_test.cc — the timeline of `weft show` (render/) against golden files, its JSON form
// and the one-line descriptions (formats' render.h).
//
// To update a golden file after an intended change, run the test with WEFT_UPDATE_GOLDEN=1
// and review the diff like code.
#include "weft/render.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "test_traces.h"
#include "weft/json.h"
#include "weft/race.h"
#include "weft/race_report.h"
#include "weft/show.h"
#include "weft/trace_io.h"
#include "weft/wait_for.h"

namespace weft::format {
namespace {

using render::RenderTimeline;
using render::RenderTraceJson;
using ::testing::HasSubstr;
using testing::MakeCrashTrace;
using testing::MakeDeadlockTrace;
using testing::MakeEvent;
using ::testing::Not;

void ExpectGolden(const std::string& name, const std::string& actual) {
  std::string path = std::string(WEFT_GOLDEN_DIR) + "/" + name;
  const char* update = std::getenv("WEFT_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << actual;
    GTEST_SKIP() << "updated " << path;
  }
  std::ifstream in(path, std::ios::binary);
  ASSERT_TRUE(in) << "missing golden file " << path
                  << " (run with WEFT_UPDATE_GOLDEN=1 to create it)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(expected.str(), actual)
      << "differs from " << path << " (WEFT_UPDATE_GOLDEN=1 rewrites it)";
}

TEST(RenderTimeline, DeadlockMatchesGolden) {
  ExpectGolden("format/timeline_deadlock.expected", RenderTimeline(MakeDeadlockTrace()));
}

TEST(RenderTimeline, CrashMatchesGolden) {
  ExpectGolden("format/timeline_crash.expected", RenderTimeline(MakeCrashTrace()));
}

TEST(RenderTimeline, InterruptedRecordingMatchesGolden) {
  Trace trace = MakeCrashTrace();
  trace.has_outcome = false;
  trace.outcome = Outcome{};
  trace.events.resize(3);
  ExpectGolden("format/timeline_interrupted.expected", RenderTimeline(trace));
}

TEST(RenderTimeline, SurvivesAReadTraceRoundTrip) {
  // What `weft show` prints for a file is what it prints for the trace that was written.
  Trace trace = MakeDeadlockTrace();
  std::string path = ::testing::TempDir() + "/render_roundtrip.weft";
  ASSERT_TRUE(WriteTrace(path, trace).ok());
  Result<Trace> read = ReadTrace(path);
  std::remove(path.c_str());
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(RenderTimeline(*read), RenderTimeline(trace));
}

TEST(RenderTimeline, ToleratesDanglingIdsAndEmptyTables) {
  Trace trace;
  trace.events = {MakeEvent(7, EventKind::kMutexLock, 99, 5, 0, 42, 3),
                  MakeEvent(0, static_cast<EventKind>(250), 0, 6)};
  trace.has_outcome = true;
  trace.outcome.kind = Outcome::Kind::kDeadlock;
  trace.outcome.blocked = {{7, EventKind::kMutexLock, 99, 7, 42}};
  trace.outcome.crash = Crash{};
  trace.outcome.crash->frames = {1234};
  std::string text = RenderTimeline(trace);
  EXPECT_THAT(text, ::testing::ContainsRegex("T7 +mutex_lock +#99 +\\[3 enabled\\]"));
  EXPECT_THAT(text, HasSubstr("unknown"));
  EXPECT_THAT(text, HasSubstr("cycle: T7 waits for #99 held by T7"));
  EXPECT_FALSE(RenderTraceJson(trace).empty());
}

TEST(DescribeOutcome, OneLinePerKind) {
  Outcome exited;
  exited.exit_code = 1;
  EXPECT_EQ(DescribeOutcome(exited), "exited with code 1");

  Outcome timeout;
  timeout.kind = Outcome::Kind::kTimeout;
  timeout.wall_seconds = 5.0004;
  EXPECT_EQ(DescribeOutcome(timeout), "timed out after 5 s");

  Outcome shim;
  shim.kind = Outcome::Kind::kShimError;
  shim.message = "ring overflow";
  EXPECT_EQ(DescribeOutcome(shim), "weft's shim failed: ring overflow");

  Outcome steps;
  steps.kind = Outcome::Kind::kMaxSteps;
  steps.events = 1000000;
  EXPECT_EQ(DescribeOutcome(steps), "livelock? stopped at the step limit after 1000000 events");

  Outcome killed;
  killed.kind = Outcome::Kind::kSignaled;
  killed.signal = SIGKILL;
  EXPECT_EQ(DescribeOutcome(killed), "killed by SIGKILL (Killed)");

  Trace deadlock = MakeDeadlockTrace();
  EXPECT_EQ(DescribeOutcome(deadlock), "deadlock: 3 threads blocked");
  deadlock.outcome.blocked.resize(1);
  EXPECT_EQ(DescribeOutcome(deadlock), "deadlock: 1 thread blocked");

  Trace interrupted = MakeDeadlockTrace();
  interrupted.has_outcome = false;
  EXPECT_EQ(DescribeOutcome(interrupted), "interrupted: the recording has no outcome (19 events)");
}

TEST(DescribeOutcome, NamesTheCrashSiteAndItsCaller) {
  Trace trace = MakeCrashTrace();
  EXPECT_EQ(DescribeOutcome(trace),
            "killed by SIGSEGV (Segmentation fault) at 0x7ffff7d9e8f5 in __strlen_avx2 "
            "(libc.so.6), called from worker (racy.c:12); replay diverged at event 3");
  trace.outcome.crash->frames.erase(trace.outcome.crash->frames.begin());
  trace.outcome.crash->ip = 0x40113a;
  trace.outcome.diverged = false;
  EXPECT_EQ(DescribeOutcome(trace),
            "killed by SIGSEGV (Segmentation fault) at 0x40113a in worker (racy.c:12)");
  EXPECT_EQ(DescribeOutcome(trace.outcome), "killed by SIGSEGV (Segmentation fault) at 0x40113a");
}

TEST(Describe, ObjectsLocationsFlagsSignals) {
  Trace trace = MakeDeadlockTrace();
  EXPECT_EQ(DescribeObject(trace, 3), "mutex#3 m_a");
  EXPECT_EQ(DescribeObject(trace, 1), "thread#1");
  EXPECT_EQ(DescribeObject(trace, 0), "");
  EXPECT_EQ(DescribeObject(trace, 77), "#77");
  EXPECT_EQ(DescribeLocation(trace, 1), "lock_both (abba.c:14)");  // skips weft's frame
  EXPECT_EQ(DescribeLocation(trace, 4), "0x401300 (abba)");        // in the executable
  EXPECT_EQ(DescribeLocation(trace, 0), "");
  // A system library with debug information does not hide the program's own frame.
  trace.frames[4].file = "./nptl/pthread_create.c";
  trace.frames[4].line = 442;
  trace.stacks.push_back({4, 5});
  trace.stacks.push_back({4});
  EXPECT_EQ(DescribeLocation(trace, 6), "worker_b (abba.c:30)");
  EXPECT_EQ(DescribeLocation(trace, 7), "start_thread (pthread_create.c:442)");
  EXPECT_EQ(DescribeLocation(trace, 1000), "");
  EXPECT_EQ(DescribeFlags(0), "");
  EXPECT_EQ(DescribeFlags(kFlagTry | kFlagFailed), "try,failed");
  EXPECT_EQ(DescribeFlags(kFlagTimedOut | 0x100), "timed_out,0x100");
  EXPECT_EQ(DescribeSignal(SIGABRT), "SIGABRT (Aborted)");
  EXPECT_EQ(DescribeSignal(0), "signal 0");
  EXPECT_EQ(DescribeSignal(1000), "signal 1000");
}

TEST(Describe, ScheduleSpecsNameTheirKindAndEveryParameterSet) {
  ScheduleSpec spec;
  EXPECT_EQ(DescribeSchedule(spec), "unspecified");
  spec.kind = ScheduleSpec::Kind::kPct;
  spec.seed = 7;
  spec.pct_depth = 3;
  spec.pct_steps = 120;
  EXPECT_EQ(DescribeSchedule(spec), "pct, seed 7, depth 3, steps 120");
  ScheduleSpec guided;
  guided.kind = ScheduleSpec::Kind::kGuided;
  guided.prefix = 12;
  guided.forced_tid = 0;
  guided.tail = "random";
  EXPECT_EQ(DescribeSchedule(guided), "guided, prefix 12, forced T0, tail random");
  ScheduleSpec search;
  search.kind = ScheduleSpec::Kind::kSearch;
  search.seed = 4;
  search.parameters = {{"bias", 2}, {"window", 10}};
  EXPECT_EQ(DescribeSchedule(search), "search, seed 4, bias 2, window 10");
  guided.kind = static_cast<ScheduleSpec::Kind>(9);
  guided.forced_tid = -1;
  EXPECT_EQ(DescribeSchedule(guided), "kind 9, prefix 12, tail random");
}

TEST(RenderTimeline, ShowsTheScheduleSpecOnlyWhenTheTraceHasOne) {
  Trace trace = MakeDeadlockTrace();
  trace.header.schedule.kind = ScheduleSpec::Kind::kPct;
  trace.header.schedule.pct_depth = 2;
  trace.header.schedule.pct_steps = 40;
  EXPECT_THAT(RenderTimeline(trace), HasSubstr("  spec        pct, seed 42, depth 2, steps 40\n"));
  trace.header.schedule = ScheduleSpec{};
  EXPECT_THAT(RenderTimeline(trace), Not(HasSubstr("  spec  ")));
}

TEST(RenderTraceJson, HoldsTheScheduleSpec) {
  Trace trace = MakeCrashTrace();
  trace.header.schedule.kind = ScheduleSpec::Kind::kGuided;
  trace.header.schedule.forced_tid = 1;
  trace.header.schedule.prefix = 3;
  trace.header.schedule.tail = "nonpreemptive";
  EXPECT_THAT(RenderTraceJson(trace),
              HasSubstr(R"("schedule":{"kind":"guided","seed":0,"pct_depth":0,"pct_steps":0,)"
                        R"("tail":"nonpreemptive","forced_tid":1,"prefix":3,"parameters":{}})"));
  trace.header.schedule = ScheduleSpec{};
  EXPECT_THAT(RenderTraceJson(trace), HasSubstr(R"("kind":"unspecified")"));
  EXPECT_THAT(RenderTraceJson(trace), HasSubstr(R"("forced_tid":null)"));
}

TEST(WaitForCycle, IsTheCycleFromItsLowestTidAndNothingWithoutOne) {
  using K = EventKind;
  // T0 joins T3 (not in the cycle); T3 -> T1 -> T2 -> T3 over mutexes.
  std::vector<BlockedThread> blocked = {{0, K::kThreadJoin, 1, 3, 0},
                                        {2, K::kMutexLock, 5, 3, 0},
                                        {3, K::kMutexLock, 6, 1, 0},
                                        {1, K::kMutexLock, 4, 2, 0}};
  std::vector<BlockedThread> cycle = analysis::WaitForCycle(blocked);
  ASSERT_EQ(cycle.size(), 3u);
  EXPECT_EQ(cycle[0].tid, 1u);
  EXPECT_EQ(cycle[1].tid, 2u);
  EXPECT_EQ(cycle[2].tid, 3u);
  EXPECT_EQ(cycle[0].obj, 4u);
  // A chain that ends at a running thread is no cycle.
  blocked[2].holder = 7;
  EXPECT_TRUE(analysis::WaitForCycle(blocked).empty());
  EXPECT_TRUE(analysis::WaitForCycle({}).empty());
}

TEST(RenderTraceJson, MatchesGolden) {
  ExpectGolden("format/trace_deadlock.json", RenderTraceJson(MakeDeadlockTrace(), 2));
}

TEST(RenderTraceJson, CompactFormIsOneLine) {
  std::string json = RenderTraceJson(MakeCrashTrace());
  ASSERT_FALSE(json.empty());
  EXPECT_EQ(json.find('\n'), json.size() - 1);
  EXPECT_THAT(json, HasSubstr(R"("kind":"signaled","description":"killed by SIGSEGV)"));
  EXPECT_THAT(json, HasSubstr(R"("exit_code":null,"signal":11,"signal_name":"SIGSEGV)"));
  EXPECT_THAT(json, HasSubstr(R"("location":{"function":"worker","file":)"));
  EXPECT_THAT(json, Not(HasSubstr("truncated_at_byte\":0")));
}

TEST(RenderTraceJson, InterruptedTraceHasEveryOutcomeKey) {
  Trace trace = MakeCrashTrace();
  trace.has_outcome = false;
  std::string json = RenderTraceJson(trace);
  EXPECT_THAT(json, HasSubstr(R"("outcome":{"recorded":false,"kind":"interrupted")"));
  for (const char* key : {"exit_code", "signal", "deadlock", "blocked", "cycle", "crash",
                          "diverged", "divergence_index", "events", "truncated_at_byte"}) {
    EXPECT_THAT(json, HasSubstr(std::string("\"") + key + "\":")) << key;
  }
  EXPECT_THAT(json, HasSubstr(R"("crash":null)"));
}

}  // namespace
}  // namespace weft::format

namespace weft::format {
namespace {

// Race reports (render/weft/race_report.h) -------------------------------------------------

// What a CI log parser takes from a ThreadSanitizer data-race report, by the regular
// expressions such parsers use: the two accesses (kind, size, thread, top frame) and the
// SUMMARY line. Empty when `text` holds no complete report.
struct ParsedReport {
  std::vector<std::string> accesses;  // "Read 4 thread T2 worker file:line"
  std::string summary;                // "file:line in worker"
};
std::vector<ParsedReport> ParseTsanReports(const std::string& text) {
  static const std::regex kWarning(R"(^WARNING: ThreadSanitizer: data race \(.*\)$)");
  static const std::regex kAccess(
      R"(^  (Previous )?(atomic )?(Read|Write|read|write) of size (\d+) at 0x[0-9a-f]+ by )"
      R"((main thread|thread T\d+)( \(mutexes: .*\))?:$)");
  static const std::regex kFrame(R"(^    #(\d+) (\S+) (\S+) \(([^+ ]+)\+0x[0-9a-f]+\).*$)");
  static const std::regex kThread(R"(^  Thread T\d+ \((tid=\d+, )?(running|finished)\) created by )"
                                  R"((main thread|thread T\d+) at:$)");
  static const std::regex kSummary(R"(^SUMMARY: ThreadSanitizer: data race (\S+) in (\S+)$)");
  std::vector<ParsedReport> out;
  std::istringstream in(text);
  std::string line;
  bool in_report = false, want_frame = false;
  ParsedReport current;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, kWarning)) {
      in_report = true;
      current = ParsedReport();
    } else if (in_report && std::regex_match(line, m, kAccess)) {
      current.accesses.push_back(m[1].str() + m[2].str() + m[3].str() + " " + m[4].str() + " " +
                                 m[5].str());
      want_frame = true;
    } else if (in_report && want_frame && std::regex_match(line, m, kFrame)) {
      if (m[1] == "0") current.accesses.back() += " " + m[2].str() + " " + m[3].str();
    } else if (in_report && std::regex_match(line, kThread)) {
      want_frame = false;
    } else if (in_report && std::regex_match(line, m, kSummary)) {
      current.summary = m[1].str() + " in " + m[2].str();
      if (current.accesses.size() == 2) out.push_back(current);
      in_report = false;
    }
  }
  return out;
}

std::string ReadGolden(const std::string& name) {
  std::ifstream in(std::string(WEFT_GOLDEN_DIR) + "/" + name, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(RaceReport, MatchesGolden) {
  Trace t = testing::MakeRaceTrace();
  ExpectGolden("format/race_report.expected",
               render::RaceReportsText(t, analysis::FindRaces(t), "counter-42.weft"));
}

TEST(RaceReport, JsonMatchesGolden) {
  Trace t = testing::MakeRaceTrace();
  json::Writer w(2);
  w.BeginObject().Key("races");
  render::WriteRacesJson(w, t, analysis::FindRaces(t));
  w.EndObject();
  ExpectGolden("format/races.json", w.TakeString() + "\n");
}

// The parser a CI log reader would use understands ThreadSanitizer's own reports (gcc 12's
// libtsan and clang 14's runtime, recorded on this machine) and weft's alike.
TEST(RaceReport, ReadByTheParserOfTsanReports) {
  for (const char* name : {"format/tsan_counter_gcc12.txt", "format/tsan_counter_clang14.txt"}) {
    std::vector<ParsedReport> tsan = ParseTsanReports(ReadGolden(name));
    ASSERT_EQ(tsan.size(), 1u) << name;
    EXPECT_THAT(tsan[0].accesses[1], HasSubstr("Previous write 4 thread T1 worker"));
    EXPECT_THAT(tsan[0].summary, HasSubstr("counter.c:"));
  }
  Trace t = testing::MakeRaceTrace();
  std::vector<ParsedReport> ours =
      ParseTsanReports(render::RaceReportsText(t, analysis::FindRaces(t), "counter-42.weft"));
  // One report, as ThreadSanitizer's: count++'s load and store race on one line and address.
  ASSERT_EQ(ours.size(), 1u);
  EXPECT_EQ(ours[0].accesses[0], "Read 4 thread T2 worker /work/tests/programs/counter.c:12");
  EXPECT_EQ(ours[0].accesses[1],
            "Previous write 4 thread T1 worker /work/tests/programs/counter.c:12");
  EXPECT_EQ(ours[0].summary, "/work/tests/programs/counter.c:12 in worker");
}

// `count` is the granule's first global; `hits` begins at its byte 4 (the two side by side),
// after padding at bytes 2-3 that no global holds.
Trace MakeSharedGranuleTrace() {
  Trace t = testing::MakeRaceTrace();
  t.objects[3].symbol = "flag";
  t.objects[3].parts = {{2, ""}, {4, "hits"}};
  const int64_t at_hits = WEFT_MEM_ARG(4, 4, 0);
  for (format::Event& e : t.events) {
    if (e.kind == format::EventKind::kMemRead || e.kind == format::EventKind::kMemWrite) {
      e.arg = at_hits;
    }
  }
  for (format::PriorAccess& p : t.prior_accesses) p.arg = at_hits;
  return t;
}

TEST(RenderTimeline, ADetachNamesTheDetachedThread) {
  // Its arg is the thread's tid, not a result: a detach of T1 is no "returns EPERM".
  Trace t = testing::MakeMemoryTrace();
  t.events.push_back(testing::MakeEvent(0, EventKind::kThreadDetach, 1, 900, 1, 3));
  std::string text = RenderTimeline(t);
  EXPECT_THAT(text, ::testing::ContainsRegex("thread_detach +thread#1 +detaches T1 "));
  EXPECT_THAT(text, Not(HasSubstr("EPERM")));
  t.events.back().flags = format::kFlagFailed;
  EXPECT_THAT(RenderTimeline(t), HasSubstr("detaches T1, failed"));
}

TEST(RenderTimeline, AProcessSaysWhatItExecd) {
  Trace t = testing::MakeMemoryTrace();
  t.threads.push_back(testing::MakeThread(3, 0, 0, "", 0));
  t.threads.back().pid = 4322;
  Process child{4322, t.processes[0].pid, t.processes[0].executable, t.processes[0].argv};
  child.execs = {{"/usr/bin/memcached", {"memcached", "-p", "11211", "-m", "a b"}}};
  t.processes.push_back(child);
  std::string text = RenderTimeline(t);
  EXPECT_THAT(text, HasSubstr("process 4322, started by T0, exec'd /usr/bin/memcached -p 11211 "
                              "-m 'a b':"));
  t.processes.back().execs.push_back({"/bin/x", {"x", std::string(200, 'y')}});
  text = RenderTimeline(t);
  EXPECT_THAT(text, HasSubstr("-m 'a b', exec'd /bin/x yyy"));
  EXPECT_THAT(text, HasSubstr("yyy...:"));
}

TEST(Describe, AGranuleOfTwoGlobalsNamesTheOneAtTheBytes) {
  Trace t = MakeSharedGranuleTrace();
  EXPECT_EQ(format::GlobalAt(t, 3, 0), "flag");
  EXPECT_EQ(format::GlobalAt(t, 3, 1), "flag+1");
  EXPECT_EQ(format::GlobalAt(t, 3, 2), "");  // padding
  EXPECT_EQ(format::GlobalAt(t, 3, 4), "hits");
  EXPECT_EQ(format::GlobalAt(t, 3, 6), "hits+2");
  EXPECT_EQ(format::GlobalAt(t, 0, 0), "");
  EXPECT_EQ(format::GlobalAt(t, 99, 0), "");
  // A granule inside a larger global: the symbolizer's offset grows with the byte's.
  t.objects[3].symbol = "table+16";
  t.objects[3].parts.clear();
  EXPECT_EQ(format::GlobalAt(t, 3, 0), "table+16");
  EXPECT_EQ(format::GlobalAt(t, 3, 4), "table+20");
  EXPECT_EQ(format::SplitSymbolOffset("table+16").name, "table");
  EXPECT_EQ(format::SplitSymbolOffset("table+16").offset, 16u);
  EXPECT_EQ(format::SplitSymbolOffset("operator+").name, "operator+");
  EXPECT_EQ(format::SplitSymbolOffset("x+99999999999999999999").offset, 0u);  // no throw
  // The timeline names the global an access touched; other events keep the object's name.
  t = MakeSharedGranuleTrace();
  EXPECT_EQ(format::DescribeEventObject(t, t.events[5]), "memory#3 hits");
  EXPECT_EQ(format::DescribeObject(t, 3), "memory#3 flag");
  EXPECT_EQ(format::DescribeEventObject(t, t.events[1]), format::DescribeObject(t, 1));
  t.events[5].arg = WEFT_MEM_ARG(1, 0, 0);
  EXPECT_EQ(format::DescribeEventObject(t, t.events[5]), "memory#3 flag");
}

TEST(RaceReport, TheLocationIsTheGlobalAtTheAccessedBytes) {
  Trace t = MakeSharedGranuleTrace();
  std::vector<analysis::Race> races = analysis::FindRaces(t);
  ASSERT_FALSE(races.empty());
  for (analysis::Race& r : races) {
    EXPECT_EQ(r.current.address, 0x404044u);
    std::string text = render::RaceReportText(t, r, "");
    EXPECT_THAT(text, HasSubstr("\n  Location is global 'hits' at 0x404044 (counter+0x4044)\n"));
    EXPECT_THAT(text, Not(HasSubstr("flag")));
  }
  json::Writer w;
  render::WriteRacesJson(w, t, races);
  EXPECT_THAT(w.str(), HasSubstr("\"global\":\"hits\""));
  // No global at the bytes: no location line, a null global.
  t.objects[3].symbol = "";
  t.objects[3].parts.clear();
  EXPECT_THAT(render::RaceReportText(t, races[0], ""), Not(HasSubstr("Location is")));
  json::Writer none;
  render::WriteRacesJson(none, t, races);
  EXPECT_THAT(none.str(), HasSubstr("\"global\":null"));
}

TEST(TraceIo, AGranulesPartsAreKept) {
  Trace t = MakeSharedGranuleTrace();
  std::string path = ::testing::TempDir() + "/parts.weft";
  ASSERT_TRUE(format::WriteTrace(path, t).ok());
  Result<Trace> back = format::ReadTrace(path);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->objects[3].parts, t.objects[3].parts);
  EXPECT_EQ(back->objects[3].symbol, "flag");
}

TEST(RaceReport, NamesTheTraceTheEventsAndTheThreads) {
  Trace t = testing::MakeRaceTrace();
  std::vector<analysis::Race> races = analysis::FindRaces(t);
  ASSERT_FALSE(races.empty());
  std::string text = render::RaceReportText(t, races[0], "counter-42.weft");
  EXPECT_THAT(text, HasSubstr("(weft: trace counter-42.weft, event #5 and an earlier access of "
                              "T1 after event #3; seen 4 times)"));
  EXPECT_THAT(text, HasSubstr("  Thread T2 (running) created by main thread at:\n"
                              "    #0 main /work/tests/programs/counter.c:21 (counter+0x1262)\n"));
  EXPECT_THAT(text, Not(HasSubstr("pthread_create")));  // weft's own frame is left out
  EXPECT_THAT(text, HasSubstr("\n  Location is global 'count' at 0x404040 (counter+0x4040)\n"));
  // After T1's exit it is finished; main is never described.
  races[0].current.event = 13;
  races[0].previous.tid = 0;
  text = render::RaceReportText(t, races[0], "");
  EXPECT_THAT(text, HasSubstr("  Thread T2 (finished) created by main thread at:"));
  EXPECT_THAT(text, HasSubstr("by main thread:"));
  EXPECT_THAT(text, Not(HasSubstr("Thread T0")));
  EXPECT_THAT(text, HasSubstr("(weft: event #13 and an earlier access of T0"));
  EXPECT_EQ(render::RaceReportsText(t, {}, "x.weft"), "");
}

}  // namespace
}  // namespace weft::format

namespace weft::format {
namespace {

TEST(RenderTimeline, RacesMatchGolden) {
  std::string text = RenderTimeline(testing::MakeRaceTrace());
  EXPECT_THAT(text, HasSubstr("data races: 1\n"));
  EXPECT_THAT(text, HasSubstr("4 bytes at 0x404040"));
  ExpectGolden("format/timeline_races.expected", text);
  // A trace without memory accesses says nothing about races.
  EXPECT_THAT(RenderTimeline(MakeDeadlockTrace()), Not(HasSubstr("data race")));
}

TEST(RenderTimeline, DescribesAtomicAccesses) {
  Trace t = testing::MakeRaceTrace();
  t.events[6].kind = EventKind::kMemWrite;
  t.events[6].flags = kFlagAtomic | kFlagRead;
  t.events[6].arg = WEFT_MEM_ARG(8, 0, 4);
  EXPECT_THAT(RenderTimeline(t),
              HasSubstr("8 bytes at 0x404040, read-modify-write, atomic acq_rel"));
}

}  // namespace
}  // namespace weft::format
