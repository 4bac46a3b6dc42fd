// api_test.cc — weft::api on real programs: a replay runs the program in its recorded
// directory and leaves the caller's working directory, signal dispositions and CPU affinity
// as they were; results say what the CLI prints; bad requests are refused with the reason.
#include "weft/api.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <string>

#include "capability.h"
#include "weft/trace_io.h"

namespace weft::api {
namespace {

std::string Program(const char* name) { return std::string(WEFT_API_TEST_PROGRAMS) + "/" + name; }

std::string Cwd() {
  char buf[4096];
  return getcwd(buf, sizeof(buf)) != nullptr ? buf : "";
}

std::string TempDir() {
  char tmpl[] = "/tmp/weft-api-test-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  return dir != nullptr ? dir : "";
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text;
}

Host TestHost() {
  Host host;
  host.shim_path = WEFT_API_TEST_SHIM;
  return host;
}

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!weft::testing::CannotSupervise().empty()) {
      GTEST_SKIP() << weft::testing::CannotSupervise();
    }
    dir_ = TempDir();
    ASSERT_FALSE(dir_.empty());
  }
  std::string dir_;
};

TEST_F(ApiTest, ReplayRunsInTheRecordedDirectoryAndLeavesTheCallerAlone) {
  // diverge_file counts its runs in a file named relative to its working directory.
  std::string recorded_in = dir_ + "/recorded";
  ASSERT_EQ(mkdir(recorded_in.c_str(), 0755), 0);
  RecordOptions record;
  record.argv = {Program("diverge_file"), "counter"};
  record.env = CurrentEnvironment();
  record.cwd = recorded_in;
  record.trace_path = dir_ + "/diverge.weft";
  record.seed = 1;
  record.stdout_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  Result<session::RunReport> recorded = Record(record, TestHost());
  close(record.stdout_fd);
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  EXPECT_EQ(ReadAll(recorded_in + "/counter"), "1\n");

  const std::string cwd_before = Cwd();
  struct sigaction int_before = {}, int_after = {};
  ASSERT_EQ(sigaction(SIGINT, nullptr, &int_before), 0);
  cpu_set_t cpus_before, cpus_after;
  ASSERT_EQ(sched_getaffinity(0, sizeof(cpus_before), &cpus_before), 0);

  Result<format::Trace> trace = format::ReadTrace(record.trace_path);
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  EXPECT_EQ(trace->header.cwd, recorded_in);
  ReplayOptions options;
  options.stdout_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  std::string notes;
  Host host = TestHost();
  host.note = [&](const std::string& text) { notes += text + "\n"; };
  Result<ReplayResult> replayed = Replay(trace.value(), record.trace_path, options, host);
  close(options.stdout_fd);
  ASSERT_TRUE(replayed.ok()) << replayed.error().message;

  // The program ran where it was recorded: it found its counter and did one more round.
  EXPECT_EQ(ReadAll(recorded_in + "/counter"), "2\n");
  EXPECT_FALSE(replayed->reproduced);
  EXPECT_EQ(replayed->replays, 1u);
  EXPECT_EQ(replayed->reproduced_count, 0u);
  EXPECT_TRUE(replayed->last.diverged);
  EXPECT_EQ(replayed->first_problem.rfind("diverged at ", 0), 0u) << replayed->first_problem;
  EXPECT_EQ(notes, "");
  // The caller is as it was.
  EXPECT_EQ(Cwd(), cwd_before);
  struct stat st;
  EXPECT_NE(stat((cwd_before + "/counter").c_str(), &st), 0) << "the program ran in our cwd";
  ASSERT_EQ(sigaction(SIGINT, nullptr, &int_after), 0);
  EXPECT_EQ(int_after.sa_handler, int_before.sa_handler);
  ASSERT_EQ(sched_getaffinity(0, sizeof(cpus_after), &cpus_after), 0);
  EXPECT_TRUE(CPU_EQUAL(&cpus_before, &cpus_after));
}

TEST_F(ApiTest, ReplayOfAGoneDirectoryRunsHereAndSaysSo) {
  std::string gone = dir_ + "/gone";
  ASSERT_EQ(mkdir(gone.c_str(), 0755), 0);
  RecordOptions record;
  record.argv = {Program("withdraw_ok")};
  record.env = CurrentEnvironment();
  record.cwd = gone;
  record.trace_path = dir_ + "/ok.weft";
  record.stdout_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
  Result<session::RunReport> recorded = Record(record, TestHost());
  ASSERT_TRUE(recorded.ok()) << recorded.error().message;
  ASSERT_EQ(rmdir(gone.c_str()), 0);
  Result<format::Trace> trace = format::ReadTrace(record.trace_path);
  ASSERT_TRUE(trace.ok()) << trace.error().message;
  ReplayOptions options;
  options.times = 2;
  options.stdout_fd = record.stdout_fd;
  std::string notes;
  uint64_t progress_calls = 0;
  Host host = TestHost();
  host.note = [&](const std::string& text) { notes += text + "\n"; };
  Result<ReplayResult> replayed =
      Replay(trace.value(), record.trace_path, options, host,
             [&](uint64_t replay, bool reproduced, uint64_t not_reproduced) {
               ++progress_calls;
               EXPECT_EQ(replay, progress_calls);
               EXPECT_TRUE(reproduced);
               EXPECT_EQ(not_reproduced, 0u);
             });
  close(record.stdout_fd);
  ASSERT_TRUE(replayed.ok()) << replayed.error().message;
  EXPECT_TRUE(replayed->reproduced) << replayed->first_problem;
  EXPECT_EQ(replayed->reproduced_count, 2u);
  EXPECT_EQ(progress_calls, 2u);
  EXPECT_EQ(replayed->last.event_digest, recorded->event_digest);
  EXPECT_EQ(notes, "note: the recorded working directory " + gone +
                       " is gone; running in the current one\n");
}

volatile sig_atomic_t g_sigterms = 0;
void CountSigterm(int) { g_sigterms = g_sigterms + 1; }

// Records tests/unit/api/programs/signal_parent (it sends SIGTERM to us) with `host`, while
// our own SIGTERM handler counts; returns the report and how often our handler ran.
void RecordSignalParent(const Host& host, session::RunReport* report, int* handled) {
  struct sigaction counting = {}, before = {}, after = {};
  counting.sa_handler = CountSigterm;
  sigemptyset(&counting.sa_mask);
  ASSERT_EQ(sigaction(SIGTERM, &counting, &before), 0);
  g_sigterms = 0;
  RecordOptions record;
  record.argv = {WEFT_API_SIGNAL_PARENT};
  record.env = CurrentEnvironment();
  Result<session::RunReport> r = Record(record, host);
  *handled = g_sigterms;
  ASSERT_EQ(sigaction(SIGTERM, &before, &after), 0);
  EXPECT_EQ(after.sa_handler, &CountSigterm) << "the run left another SIGTERM disposition";
  ASSERT_TRUE(r.ok()) << r.error().message;
  *report = std::move(r.value());
}

TEST_F(ApiTest, SignalsAreTheCallersUnlessTheHostAsks) {
  session::RunReport report;
  int handled = 0;
  // By default the api installs nothing: the program's SIGTERM reaches our handler alone,
  // and the run is not "interrupted".
  RecordSignalParent(TestHost(), &report, &handled);
  EXPECT_EQ(handled, 1);
  EXPECT_EQ(report.interrupted_by, 0);
  EXPECT_EQ(report.outcome.kind, format::Outcome::Kind::kExited);
  EXPECT_EQ(report.outcome.exit_code, 0);

  // Asked to (the CLI does), the launcher's handler sees it: the run reports the
  // interruption, and our handler is still called.
  Host host = TestHost();
  host.handle_signals = true;
  RecordSignalParent(host, &report, &handled);
  EXPECT_EQ(handled, 1);
  EXPECT_EQ(report.interrupted_by, SIGTERM);
}

TEST_F(ApiTest, LeavingSignalsToTheCallerRefusesAnIgnoredSigchld) {
  struct sigaction ignore = {}, before = {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGCHLD, &ignore, &before), 0);
  RecordOptions record;
  record.argv = {Program("withdraw_ok")};
  record.env = CurrentEnvironment();
  Result<session::RunReport> r = Record(record, TestHost());
  ASSERT_EQ(sigaction(SIGCHLD, &before, nullptr), 0);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("SIGCHLD is ignored"), std::string::npos) << r.error().message;
}

TEST(ApiRequests, PermutePastTheEndIsRefused) {
  format::Trace trace;
  trace.header.argv = {"/bin/true"};
  trace.header.executable = "/bin/true";
  trace.events.resize(3);
  trace.threads.resize(1);
  PermuteOptions options;
  options.at = 3;
  Result<PermuteResult> r = Permute(trace, "t.weft", options, TestHost());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "--at 3 is past the end of 't.weft' (3 events)");
  options.at = 1;
  options.thread = 4;
  r = Permute(trace, "t.weft", options, TestHost());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message, "'t.weft' has no thread T4");
}

TEST(ApiRequests, PctBoundIsPctsFormula) {
  PctBound b = ComputePctBound(3, 3, 10, 100);
  EXPECT_DOUBLE_EQ(b.per_run, 1.0 / (3 * 3 * 100.0));
  EXPECT_NEAR(b.missed, std::pow(1 - 1.0 / 900, 100), 1e-12);
}

}  // namespace
}  // namespace weft::api
