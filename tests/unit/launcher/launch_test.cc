// Run: exit codes, crashes, timeouts, process trees, signals to weft, and no leaks. How long
// it takes is perf_test.cc's (label perf).
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"
#include "weft/launcher.h"

namespace weft::launcher {
namespace {

using testing::Children;
using testing::CountOpenFds;
using ::testing::HasSubstr;
using testing::LineOf;
using testing::MustRun;
using testing::OptionsFor;
using testing::Program;
using testing::ProgramSource;
using testing::ReadFile;
using testing::RunWithThreeInterrupts;
using testing::TempDir;

constexpr uint64_t kPieBase = 0x555555554000;  // where a PIE loads with ASLR off

bool MapsHold(const std::vector<Mapping>& maps, const std::string& path_part) {
  return std::any_of(maps.begin(), maps.end(),
                     [&](const Mapping& m) { return m.path.find(path_part) != std::string::npos; });
}

TEST(Run, ExitCodes) {
  RunResult ok = MustRun(OptionsFor("/bin/true"));
  EXPECT_EQ(ok.kind, RunResult::Kind::kExited);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_GT(ok.root_pid, 0u);
  EXPECT_TRUE(MapsHold(ok.maps, "libc.so")) << "maps snapshot taken at exit";
  EXPECT_FALSE(ok.crash.has_value());

  RunResult fail = MustRun(OptionsFor("/bin/false"));
  EXPECT_EQ(fail.kind, RunResult::Kind::kExited);
  EXPECT_EQ(fail.exit_code, 1);

  RunResult three = MustRun(OptionsFor(Program("two_threads"), {"42"}));
  EXPECT_EQ(three.exit_code, 42);
}

TEST(Run, NullWriteCrashIsCapturedAndSymbolized) {
  TempDir dir;
  std::string out_path = dir.path() + "/out";
  int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(out, 0);
  SpawnOptions options = OptionsFor(Program("crash_null"));
  options.stdout_fd = out;
  RunResult r = MustRun(options);
  close(out);

  EXPECT_EQ(r.kind, RunResult::Kind::kSignaled);
  EXPECT_EQ(r.signal, SIGSEGV);
  ASSERT_TRUE(r.crash.has_value());
  const CrashCapture& crash = *r.crash;
  EXPECT_EQ(crash.signal, SIGSEGV);
  EXPECT_EQ(crash.si_code, SEGV_MAPERR);
  EXPECT_EQ(crash.fault_address, 0u);
  EXPECT_EQ(crash.os_tid, r.root_pid);
  EXPECT_THAT(crash.instruction, HasSubstr("mov"));
  EXPECT_THAT(crash.instruction, HasSubstr("ptr ["));
  ASSERT_GE(crash.stack.size(), 2u);
  EXPECT_EQ(crash.stack[0], crash.ip);
  auto rip = std::find_if(crash.registers.begin(), crash.registers.end(),
                          [](const auto& reg) { return reg.first == "rip"; });
  ASSERT_NE(rip, crash.registers.end());
  EXPECT_EQ(rip->second, crash.ip);

  // ASLR is off: the PIE executable sits at the usual base.
  auto exe = std::find_if(r.maps.begin(), r.maps.end(), [&](const Mapping& m) {
    return m.path == Program("crash_null") && m.offset == 0;
  });
  ASSERT_NE(exe, r.maps.end());
  EXPECT_EQ(exe->start, kPieBase);

  Symbolizer symbolizer(r.maps);
  Symbolizer::Location top = symbolizer.SymbolizeCode(crash.stack[0]);
  EXPECT_EQ(top.function, "crash_here");
  EXPECT_TRUE(top.file.ends_with("crash_null.c")) << top.file;
  EXPECT_EQ(top.line, static_cast<uint32_t>(LineOf(ProgramSource("crash_null.c"), "CRASH_LINE")));
  EXPECT_EQ(top.module, Program("crash_null"));
  Symbolizer::Location caller = symbolizer.SymbolizeCode(crash.stack[1] - 1);
  EXPECT_EQ(caller.function, "main");

  // The program printed &g_lock before crashing.
  std::string printed = ReadFile(out_path);
  unsigned long long lock_address = 0;
  ASSERT_EQ(std::sscanf(printed.c_str(), "g_lock=%llx", &lock_address), 1) << printed;
  EXPECT_EQ(symbolizer.SymbolizeData(lock_address), "g_lock");
  EXPECT_EQ(symbolizer.SymbolizeData(lock_address + 8), "g_lock+8");
}

TEST(Run, CrashInASecondThread) {
  RunResult r = MustRun(OptionsFor(Program("crash_null"), {"thread"}));
  EXPECT_EQ(r.signal, SIGSEGV);
  ASSERT_TRUE(r.crash.has_value());
  EXPECT_NE(r.crash->os_tid, r.root_pid);
  Symbolizer symbolizer(r.maps);
  EXPECT_EQ(symbolizer.SymbolizeCode(r.crash->stack[0]).function, "crash_here");
  ASSERT_GE(r.crash->stack.size(), 2u);
  EXPECT_EQ(symbolizer.SymbolizeCode(r.crash->stack[1] - 1).function, "CrashInThread");
}

TEST(Run, CallThroughNullPointerUnwindsFromTheCaller) {
  RunResult r = MustRun(OptionsFor(Program("call_null")));
  EXPECT_EQ(r.signal, SIGSEGV);
  ASSERT_TRUE(r.crash.has_value());
  EXPECT_EQ(r.crash->ip, 0u);
  EXPECT_EQ(r.crash->instruction, "");
  ASSERT_GE(r.crash->stack.size(), 3u);
  Symbolizer symbolizer(r.maps);
  EXPECT_EQ(symbolizer.SymbolizeCode(r.crash->stack[1] - 1).function, "call_it");
  EXPECT_EQ(symbolizer.SymbolizeCode(r.crash->stack[2] - 1).function, "main");
}

TEST(Run, AbortIsCaptured) {
  RunResult r = MustRun(OptionsFor(Program("abort")));
  EXPECT_EQ(r.kind, RunResult::Kind::kSignaled);
  EXPECT_EQ(r.signal, SIGABRT);
  ASSERT_TRUE(r.crash.has_value());
  EXPECT_EQ(r.crash->signal, SIGABRT);
  EXPECT_EQ(r.crash->fault_address, 0u);
  Symbolizer symbolizer(r.maps);
  std::vector<std::string> functions;
  for (size_t i = 0; i < r.crash->stack.size(); ++i) {
    functions.push_back(symbolizer.SymbolizeCode(r.crash->stack[i] - (i ? 1 : 0)).function);
  }
  EXPECT_THAT(functions, ::testing::Contains("abort"));
  EXPECT_THAT(functions, ::testing::Contains("main"));
}

TEST(Run, DivisionByZeroIsCaptured) {
  RunResult r = MustRun(OptionsFor(Program("divzero")));
  EXPECT_EQ(r.signal, SIGFPE);
  ASSERT_TRUE(r.crash.has_value());
  EXPECT_EQ(r.crash->si_code, FPE_INTDIV);
  EXPECT_EQ(r.crash->fault_address, r.crash->ip);
  EXPECT_THAT(r.crash->instruction, HasSubstr("div"));
  Symbolizer symbolizer(r.maps);
  EXPECT_EQ(symbolizer.SymbolizeCode(r.crash->ip).function, "main");
}

TEST(Run, ForkedChildIsDetachedAndKeepsRunning) {
  TempDir dir;
  std::string out_path = dir.path() + "/out";
  int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(out, 0);
  SpawnOptions options = OptionsFor(Program("fork_sleep"));
  options.stdout_fd = out;
  RunResult r = MustRun(options);
  close(out);
  EXPECT_EQ(r.kind, RunResult::Kind::kExited);
  EXPECT_EQ(r.exit_code, 0);

  pid_t child = atoi(ReadFile(out_path).c_str());
  ASSERT_GT(child, 0);
  EXPECT_EQ(testing::ProcStatusField(child, "TracerPid"), "0");
  std::string state = testing::ProcStatusField(child, "State");
  EXPECT_FALSE(state.empty()) << "the child must still be alive: Run must not wait for its end";
  EXPECT_TRUE(state.rfind("S", 0) == 0 || state.rfind("R", 0) == 0) << state;
  kill(child, SIGKILL);
}

TEST(Run, TimeoutKillsTheProgram) {
  SpawnOptions options = OptionsFor(Program("sleep_forever"), {}, 0.3);
  RunResult r = MustRun(options);
  EXPECT_EQ(r.kind, RunResult::Kind::kTimeout);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_GE(r.wall_seconds, 0.3) << "not before the timeout";
  EXPECT_TRUE(MapsHold(r.maps, "sleep_forever"));
}

TEST(Run, ExitFromAnotherThread) {
  RunResult r = MustRun(OptionsFor(Program("threads_exit3")));
  EXPECT_EQ(r.kind, RunResult::Kind::kExited);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_TRUE(MapsHold(r.maps, "threads_exit3"));
  EXPECT_TRUE(MapsHold(r.maps, "libc.so"));
}

TEST(Run, MainThreadExitsFirst) {
  RunResult r = MustRun(OptionsFor(Program("main_thread_exit")));
  EXPECT_EQ(r.kind, RunResult::Kind::kExited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(MapsHold(r.maps, "main_thread_exit"));
  EXPECT_TRUE(MapsHold(r.maps, "libc.so"));
}

TEST(Run, TheMapsAreTheLastThreadsWhenTheMainThreadEndsFirst) {
  // NB: threads other than the main one stop at their exit only once the main thread ended.
  RunResult r = MustRun(OptionsFor(Program("main_exit_dlopen")));
  EXPECT_EQ(r.kind, RunResult::Kind::kExited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(MapsHold(r.maps, "main_exit_dlopen"));
  EXPECT_TRUE(MapsHold(r.maps, "libm.so")) << "the maps read at the main thread's exit";
  // A thread made after the main thread's exit may be the last: it stops at its exit too.
  r = MustRun(OptionsFor(Program("main_exit_dlopen"), {"late"}));
  EXPECT_EQ(r.kind, RunResult::Kind::kExited);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_TRUE(MapsHold(r.maps, "libm.so")) << "the maps read at an earlier thread's exit";
}

TEST(Run, SubprocessesThroughSystem) {
  RunResult r = MustRun(OptionsFor(Program("spawn_shell")));
  EXPECT_EQ(r.kind, RunResult::Kind::kExited);
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_TRUE(r.warnings.empty());
  EXPECT_TRUE(Children().empty());
}

TEST(Run, StopAndContinueDoNotHang) {
  RunResult r = MustRun(OptionsFor(Program("stop_cont"), {}, 10));
  EXPECT_EQ(r.kind, RunResult::Kind::kExited);
  EXPECT_EQ(r.exit_code, 7) << "a hang would have been a timeout after 10 s";
}

TEST(Run, ExecFailureIsAnError) {
  TempDir dir;
  std::string path = dir.Write("not-exec", "data", 0644);
  auto r = launcher::Run(OptionsFor(path));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr(path));
  EXPECT_THAT(r.error().message, HasSubstr("execve failed"));
  EXPECT_THAT(r.error().message, HasSubstr("Permission denied"));

  auto missing = launcher::Run(OptionsFor(dir.path() + "/missing"));
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().message, HasSubstr("No such file"));
}

TEST(Run, BadKeptFdIsAnError) {
  SpawnOptions options = OptionsFor("/bin/true");
  options.keep_fds = {987};
  auto r = launcher::Run(options);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("fd 987"));
}

TEST(Run, EnvironmentKeptFdsAndRedirections) {
  TempDir dir;
  int pipe_fds[2];
  ASSERT_EQ(pipe2(pipe_fds, O_CLOEXEC), 0);
  std::string out_path = dir.path() + "/out", err_path = dir.path() + "/err";
  int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  SpawnOptions options =
      OptionsFor(Program("env_fd"), {"WEFT_TEST_VALUE", std::to_string(pipe_fds[1])});
  options.env = {"WEFT_TEST_VALUE=hello"};
  options.keep_fds = {pipe_fds[1]};
  options.stdout_fd = out;
  options.stderr_fd = err;
  RunResult r = MustRun(options);
  close(pipe_fds[1]);
  close(out);
  close(err);
  EXPECT_EQ(r.exit_code, 0);
  char buf[64] = {};
  ssize_t n = read(pipe_fds[0], buf, sizeof(buf) - 1);
  close(pipe_fds[0]);
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "hello");
  EXPECT_EQ(ReadFile(out_path), "out");
  EXPECT_EQ(ReadFile(err_path), "err");
}

TEST(Run, PollIsCalledWhileTheProgramRunsAndAtExit) {
  int calls = 0;
  SpawnOptions options = OptionsFor(Program("sleep_forever"), {}, 0.2);
  options.poll = [&] { ++calls; };
  RunResult r = MustRun(options);
  EXPECT_EQ(r.kind, RunResult::Kind::kTimeout);
  EXPECT_GE(calls, 20) << "about one call per millisecond";
  EXPECT_LE(calls, 400);

  // At the exit stop the program's memory is still there: /proc/PID/maps is readable.
  // The pid is not known before Run returns: look at our children.
  SpawnOptions quick = OptionsFor("/bin/true");
  bool saw_live_process = false;
  quick.poll = [&] {
    for (pid_t child : Children()) {
      std::string maps = ReadFile("/proc/" + std::to_string(child) + "/maps");
      if (maps.find("libc.so") != std::string::npos) saw_live_process = true;
    }
  };
  RunResult q = MustRun(quick);
  EXPECT_EQ(q.exit_code, 0);
  EXPECT_TRUE(saw_live_process);
}

TEST(Run, PollsComeAsOftenAsPollDelayAsks) {
  int calls = 0, asked = 0;
  SpawnOptions options = OptionsFor(Program("sleep_forever"), {}, 0.4);
  options.poll = [&] { ++calls; };
  options.poll_delay = [&]() -> std::chrono::nanoseconds {
    ++asked;
    return std::chrono::milliseconds(20);
  };
  RunResult r = MustRun(options);
  EXPECT_EQ(r.kind, RunResult::Kind::kTimeout);
  EXPECT_EQ(asked, calls) << "asked after each poll";
  // 400 ms at one poll every 20 ms, and a few more around the exit and the kill.
  EXPECT_GE(calls, 5);
  EXPECT_LE(calls, 40) << "about one call per 20 ms, not per millisecond";
}

// Sends `sig` to this test process (and, if `also_to_root`, to the program) once the
// program printed "ready" on the pipe.
void SignalWhenReady(int ready_fd, int sig, bool also_to_root) {
  char buf[16];
  ssize_t n = read(ready_fd, buf, sizeof(buf));
  (void)n;
  if (also_to_root) {
    for (pid_t child : Children()) kill(child, sig);
  }
  kill(getpid(), sig);
}

struct InterruptOutcome {
  RunResult result;
  bool handler_restored = false;
};

InterruptOutcome RunCountSigint(bool also_to_root) {
  struct sigaction mine = {};
  mine.sa_handler = [](int) {};
  sigemptyset(&mine.sa_mask);
  struct sigaction before;
  sigaction(SIGINT, &mine, &before);

  int ready[2];
  EXPECT_EQ(pipe2(ready, O_CLOEXEC), 0);
  SpawnOptions options = OptionsFor(Program("count_sigint"), {}, 10);
  options.stdout_fd = ready[1];
  std::thread sender(SignalWhenReady, ready[0], SIGINT, also_to_root);
  InterruptOutcome outcome;
  outcome.result = MustRun(options);
  close(ready[1]);
  sender.join();
  close(ready[0]);

  struct sigaction after;
  sigaction(SIGINT, &before, &after);
  outcome.handler_restored = after.sa_handler == mine.sa_handler;
  return outcome;
}

TEST(Run, SignalSentToWeftAloneIsForwardedOnce) {
  InterruptOutcome o = RunCountSigint(/*also_to_root=*/false);
  EXPECT_EQ(o.result.kind, RunResult::Kind::kExited);
  EXPECT_EQ(o.result.exit_code, 1) << "the program got SIGINT exactly once";
  EXPECT_EQ(o.result.interrupted_by, SIGINT);
  EXPECT_TRUE(o.handler_restored);
}

TEST(Run, SignalSentToTheGroupIsNotDoubled) {
  InterruptOutcome o = RunCountSigint(/*also_to_root=*/true);
  EXPECT_EQ(o.result.exit_code, 1) << "the program got SIGINT exactly once";
  EXPECT_EQ(o.result.interrupted_by, SIGINT);
  EXPECT_TRUE(o.handler_restored);
}

TEST(Run, ThirdInterruptKillsTheTree) {
  RunResult r = RunWithThreeInterrupts();
  EXPECT_EQ(r.kind, RunResult::Kind::kSignaled);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_EQ(r.interrupted_by, SIGINT);
  ASSERT_FALSE(r.warnings.empty());
  EXPECT_THAT(r.warnings[0], HasSubstr("killed"));
}

TEST(Run, DefaultDispositionsAreRestored) {
  struct sigaction chld_before, int_before;
  sigaction(SIGCHLD, nullptr, &chld_before);
  sigaction(SIGINT, nullptr, &int_before);
  RunResult r = MustRun(OptionsFor("/bin/true"));
  EXPECT_EQ(r.exit_code, 0);
  struct sigaction chld_after, int_after;
  sigaction(SIGCHLD, nullptr, &chld_after);
  sigaction(SIGINT, nullptr, &int_after);
  EXPECT_EQ(chld_after.sa_handler, chld_before.sa_handler);
  EXPECT_EQ(int_after.sa_handler, int_before.sa_handler);
}

// A "Key:\tvalue" line of a /proc status text, "" if absent.
std::string StatusLine(const std::string& status, const std::string& key) {
  size_t at = status.find("\n" + key + ":");
  if (at == std::string::npos) return "";
  size_t end = status.find('\n', at + 1);
  return status.substr(at + 1, end == std::string::npos ? std::string::npos : end - at - 1);
}

// A signal mask line of /proc/PID/status ("SigIgn:\t0000000000000800"): bit N-1 = signal N.
uint64_t StatusMask(const std::string& status, const std::string& key) {
  std::string line = StatusLine(status, key);
  if (line.empty()) return ~0ull;
  return std::strtoull(line.substr(line.find('\t') + 1).c_str(), nullptr, 16);
}

bool HasSignal(uint64_t mask, int sig) { return (mask >> (sig - 1)) & 1; }

void OnUsr1(int) {}

// The program starts as after fork + exec: what the caller handles is SIG_DFL, what it
// ignores stays ignored, nothing is blocked. The caller's own mask and handlers are kept.
TEST(Run, ProgramStartsWithDefaultHandlersAndNothingBlocked) {
  TempDir dir;
  std::string out_path = dir.path() + "/status";
  int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(out, 0);
  struct sigaction handled = {}, ignored = {}, old_usr1, old_usr2;
  handled.sa_handler = &OnUsr1;
  ignored.sa_handler = SIG_IGN;
  sigaction(SIGUSR1, &handled, &old_usr1);
  sigaction(SIGUSR2, &ignored, &old_usr2);
  sigset_t block, old_mask, mask_after;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigaddset(&block, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &block, &old_mask);

  SpawnOptions options = OptionsFor("/bin/cat", {"/proc/self/status"});
  options.stdout_fd = out;
  RunResult r = MustRun(options);
  close(out);
  pthread_sigmask(SIG_SETMASK, &old_mask, &mask_after);
  struct sigaction usr1_after, usr2_after;
  sigaction(SIGUSR1, &old_usr1, &usr1_after);
  sigaction(SIGUSR2, &old_usr2, &usr2_after);

  EXPECT_EQ(r.exit_code, 0);
  std::string status = ReadFile(out_path);
  EXPECT_EQ(StatusMask(status, "SigBlk"), 0u) << status;
  uint64_t ignored_in_program = StatusMask(status, "SigIgn");
  EXPECT_TRUE(HasSignal(ignored_in_program, SIGUSR2)) << StatusLine(status, "SigIgn");
  EXPECT_FALSE(HasSignal(ignored_in_program, SIGUSR1)) << StatusLine(status, "SigIgn");
  EXPECT_TRUE(sigismember(&mask_after, SIGUSR1) && sigismember(&mask_after, SIGTERM))
      << "the caller's signal mask must be as it was";
  EXPECT_EQ(usr1_after.sa_handler, &OnUsr1);
  EXPECT_EQ(usr2_after.sa_handler, SIG_IGN);
}

TEST(Run, TracerCpuPinsTheTracerOnlyWhileRunning) {
  cpu_set_t before;
  ASSERT_EQ(sched_getaffinity(0, sizeof(before), &before), 0);
  if (CPU_COUNT(&before) < 2) GTEST_SKIP() << "needs a thread allowed on two CPUs";
  int cpu = -1;
  for (int c = 0; c < CPU_SETSIZE; ++c) {
    if (CPU_ISSET(c, &before)) cpu = c;
  }
  TempDir dir;
  std::string out_path = dir.path() + "/status";
  int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(out, 0);
  SpawnOptions options = OptionsFor("/bin/cat", {"/proc/self/status"});
  options.stdout_fd = out;
  options.tracer_cpu = cpu;
  int polls = 0, pinned_polls = 0;
  options.poll = [&] {
    cpu_set_t now;
    ++polls;
    if (sched_getaffinity(0, sizeof(now), &now) == 0 && CPU_COUNT(&now) == 1 &&
        CPU_ISSET(cpu, &now)) {
      ++pinned_polls;
    }
  };
  RunResult r = MustRun(options);
  close(out);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_GT(polls, 0);
  EXPECT_EQ(pinned_polls, polls) << "the tracer runs on CPU " << cpu << " while Run is active";
  cpu_set_t after;
  ASSERT_EQ(sched_getaffinity(0, sizeof(after), &after), 0);
  EXPECT_TRUE(CPU_EQUAL(&before, &after)) << "the caller's affinity must be restored";
  EXPECT_EQ(StatusLine(ReadFile(out_path), "Cpus_allowed_list"),
            StatusLine(ReadFile("/proc/thread-self/status"), "Cpus_allowed_list"))
      << "the program must start with the caller's affinity";

  // A CPU the thread may not use is ignored.
  SpawnOptions elsewhere = OptionsFor("/bin/true");
  elsewhere.tracer_cpu = CPU_SETSIZE + 1;
  EXPECT_EQ(MustRun(elsewhere).exit_code, 0);
  ASSERT_EQ(sched_getaffinity(0, sizeof(after), &after), 0);
  EXPECT_TRUE(CPU_EQUAL(&before, &after));
}

TEST(Run, LeavesOtherChildrenAlone) {
  pid_t mine = fork();
  ASSERT_GE(mine, 0);
  if (mine == 0) {
    usleep(100 * 1000);
    _exit(9);
  }
  RunResult r = MustRun(OptionsFor(Program("sleep_forever"), {}, 0.3));
  EXPECT_EQ(r.kind, RunResult::Kind::kTimeout);
  int status = 0;
  ASSERT_EQ(waitpid(mine, &status, 0), mine) << "Run must not reap the caller's children";
  EXPECT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 9);
}

TEST(Run, ThrowingPollLeavesNoTraceeBehind) {
  SpawnOptions options = OptionsFor(Program("sleep_forever"), {}, 10);
  options.poll = [] { throw std::runtime_error("poll failed"); };
  EXPECT_THROW((void)launcher::Run(options), std::runtime_error);
  EXPECT_THAT(Children(), ::testing::IsEmpty()) << "the program was killed and reaped";
}

TEST(Run, ConcurrentRunsOnTwoThreads) {
  std::atomic<int> ok{0};
  auto worker = [&] {
    for (int i = 0; i < 20; ++i) {
      auto r = launcher::Run(OptionsFor(Program("two_threads"), {"5"}));
      if (r.ok() && r->exit_code == 5) ++ok;
    }
  };
  std::thread a(worker), b(worker);
  a.join();
  b.join();
  EXPECT_EQ(ok.load(), 40);
  EXPECT_TRUE(Children().empty());
}

TEST(Run, TwoHundredRunsLeakNothing) {
  // Warm up once: the first Run may open files that stay open (e.g. libc's caches).
  MustRun(OptionsFor(Program("two_threads")));
  int fds_before = CountOpenFds();
  int failures = 0;
  for (int i = 0; i < 200; ++i) {
    auto r = launcher::Run(OptionsFor(Program("two_threads")));
    if (!r.ok() || r->exit_code != 0) ++failures;
  }
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(CountOpenFds(), fds_before);
  EXPECT_THAT(Children(), ::testing::IsEmpty()) << "no zombies left";
}

}  // namespace
}  // namespace weft::launcher
