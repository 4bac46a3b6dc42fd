#include "weft/explorer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace weft::replay {
namespace {

double Now() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string ProgramName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool SameFailure(const format::Outcome& a, const format::Outcome& b) {
  return a.kind == b.kind && a.exit_code == b.exit_code && a.signal == b.signal;
}

}  // namespace

Result<ExploreResult> Explore(const ExploreOptions& options, const ExploreProgress& progress) {
  if (mkdir(options.out_dir.c_str(), 0777) != 0 && errno != EEXIST) {
    return MakeError("cannot create the output directory '" + options.out_dir +
                     "': " + std::strerror(errno));
  }
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull < 0) return MakeError("cannot open /dev/null");

  ExploreResult result;
  std::unordered_set<uint64_t> schedules;
  double start = Now();
  for (uint64_t i = 0; i < options.runs; ++i) {
    uint64_t seed = options.first_seed + i;
    recorder::RunConfig config = options.base;
    config.strategy = "random";
    config.seed = seed;
    config.stack_depth = 0;  // fast search runs: no stacks, no trace
    config.trace_path.clear();
    config.stdout_fd = devnull;
    config.stderr_fd = devnull;
    Result<recorder::RunReport> report = recorder::RunProgram(config);
    if (!report.ok()) {
      close(devnull);
      return report.error();
    }
    if (i == 0 && !report->controlled) {
      close(devnull);
      return MakeError("weft's shim never took control of '" + config.executable +
                       "' (did it drop LD_PRELOAD, or is it a script that starts the real "
                       "program?); exploring it would only rerun it uncontrolled");
    }
    ++result.runs;
    result.total_events += report->events;
    schedules.insert(report->event_digest);
    if (progress) progress(i + 1, seed, report.value());
    if (!report->failed()) continue;

    // Runs are determined by their seed: run it again with stacks and a trace to keep.
    Failure failure;
    failure.run = i + 1;
    failure.seed = seed;
    failure.trace = options.out_dir + "/" + ProgramName(config.executable) + "-seed" +
                    std::to_string(seed) + ".weft";
    std::string output_path = failure.trace + ".out";
    int out = open(output_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    config.stack_depth = options.stack_depth;
    config.trace_path = failure.trace;
    config.stdout_fd = out >= 0 ? out : devnull;
    config.stderr_fd = out >= 0 ? out : devnull;
    Result<recorder::RunReport> saved = recorder::RunProgram(config);
    if (out >= 0) close(out);
    if (!saved.ok()) {
      close(devnull);
      return saved.error();
    }
    failure.outcome = saved->outcome;
    failure.reproduced = SameFailure(saved->outcome, report->outcome) &&
                         saved->event_digest == report->event_digest;
    failure.output = ReadFile(output_path);
    if (result.first_failure_run == 0) result.first_failure_run = i + 1;
    result.failures.push_back(std::move(failure));
    if (!options.keep_going) break;
  }
  close(devnull);
  result.distinct_schedules = schedules.size();
  result.wall_seconds = Now() - start;
  return result;
}

}  // namespace weft::replay
