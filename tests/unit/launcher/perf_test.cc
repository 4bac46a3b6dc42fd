// How long Run and the Symbolizer take: wall-clock bounds, kept out of the unit tests
// (label perf, RUN_SERIAL: run alone, so other tests do not take their CPU). The bounds only
// catch a fixed sleep or a lost wakeup, not a few percent; bench/ measures the rest.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"
#include "weft/launcher.h"

namespace weft::launcher {
namespace {

using testing::MustRun;
using testing::OptionsFor;
using testing::Program;
using testing::ReadFile;
using testing::RunWithThreeInterrupts;
using testing::TempDir;

double Since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double MedianSeconds(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The root exits at once and leaves a forked child sleeping: Run returns without waiting for
// the child (nor for the 2 s detach deadline).
TEST(RunPerf, ReturnsAtTheRootsExitWithAChildLeftRunning) {
  TempDir dir;
  std::string out_path = dir.path() + "/out";
  int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(out, 0);
  SpawnOptions options = OptionsFor(Program("fork_sleep"));
  options.stdout_fd = out;
  RunResult r = MustRun(options);
  close(out);
  pid_t child = atoi(ReadFile(out_path).c_str());
  if (child > 0) kill(child, SIGKILL);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_LT(r.wall_seconds, 0.7);
}

// A timeout of 0.3 s kills the program soon after 0.3 s.
TEST(RunPerf, TimeoutFiresOnTime) {
  RunResult r = MustRun(OptionsFor(Program("sleep_forever"), {}, 0.3));
  EXPECT_EQ(r.kind, RunResult::Kind::kTimeout);
  EXPECT_GE(r.wall_seconds, 0.3);
  EXPECT_LT(r.wall_seconds, 0.3 + 0.5);
}

// A SIGSTOP/SIGCONT of the program costs the stop's length, not a poll timeout.
TEST(RunPerf, StopAndContinueCostTheirLength) {
  RunResult r = MustRun(OptionsFor(Program("stop_cont"), {}, 10));
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_LT(r.wall_seconds, 1.0) << "stop_cont is stopped for 50 ms";
}

// The third interrupt signal kills the tree at once (count_sigint would live 300 ms more).
TEST(RunPerf, ThirdInterruptKillsAtOnce) {
  RunResult r = RunWithThreeInterrupts();
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(r.wall_seconds, 0.3 + 0.25);
}

// weft explore wants >= 100 runs/s on an idle machine; 20 only catches a fixed sleep per run.
TEST(RunPerf, RunsPerSecond) {
  MustRun(OptionsFor(Program("two_threads")));
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 200; ++i) {
    auto r = launcher::Run(OptionsFor(Program("two_threads")));
    ASSERT_TRUE(r.ok()) << r.error().message;
  }
  double seconds = Since(start);
  std::printf("[ info ] 200 runs of two_threads: %.1f runs/s\n", 200 / seconds);
  EXPECT_GT(200 / seconds, 20);
}

TEST(RunPerf, CostOfOneRunComparedToForkExec) {
  std::vector<double> plain, traced;
  for (int i = 0; i < 20; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    pid_t pid = fork();
    if (pid == 0) {
      execl("/bin/true", "true", static_cast<char*>(nullptr));
      _exit(127);
    }
    int status;
    waitpid(pid, &status, 0);
    auto t1 = std::chrono::steady_clock::now();
    auto r = launcher::Run(OptionsFor("/bin/true"));
    auto t2 = std::chrono::steady_clock::now();
    ASSERT_TRUE(r.ok()) << r.error().message;
    plain.push_back(std::chrono::duration<double>(t1 - t0).count());
    traced.push_back(std::chrono::duration<double>(t2 - t1).count());
  }
  double p = MedianSeconds(plain), t = MedianSeconds(traced);
  std::printf("[ info ] /bin/true median: fork+exec+wait %.3f ms, Run %.3f ms (x%.2f)\n", p * 1e3,
              t * 1e3, t / p);
  EXPECT_LT(t, p * 4 + 0.002);
}

__attribute__((noinline)) int OwnFunction(int x) { return x * 7 + 1; }

TEST(SymbolizerPerf, ThousandsOfAddresses) {
  auto maps = ReadMaps(getpid());
  ASSERT_TRUE(maps.ok()) << maps.error().message;
  Symbolizer symbolizer(*maps);
  auto libc_base = reinterpret_cast<uint64_t>(&getpid) & ~uint64_t{0xfffff};
  auto self_base = reinterpret_cast<uint64_t>(&OwnFunction) & ~uint64_t{0xffff};
  std::vector<uint64_t> addresses;
  for (uint64_t i = 0; i < 3000; ++i) addresses.push_back(libc_base + 0x28000 + i * 97);
  for (uint64_t i = 0; i < 2000; ++i) addresses.push_back(self_base + i * 13);
  auto start = std::chrono::steady_clock::now();
  int named = 0;
  for (uint64_t a : addresses) named += !symbolizer.SymbolizeCode(a).function.empty();
  double first = Since(start);
  start = std::chrono::steady_clock::now();
  for (uint64_t a : addresses) symbolizer.SymbolizeCode(a);
  double cached = Since(start);
  std::printf("[ info ] 5000 addresses: %.1f ms first, %.2f ms cached (%d named)\n", first * 1e3,
              cached * 1e3, named);
  EXPECT_LT(first, 2.0);
  EXPECT_LT(cached, first);
}

}  // namespace
}  // namespace weft::launcher
