// record.cc — api::Record: one controlled run of a new program, traced.
#include <algorithm>
#include <cstdio>

#include "weft/api.h"

namespace weft::api {

Result<session::RunReport> Record(const RecordOptions& options, const Host& host) {
  Result<session::RunConfig> config = ProgramConfig(options.argv, options.env, host);
  if (!config.ok()) return config.error();
  const search::StrategyInfo& strategy =
      options.strategy != nullptr ? *options.strategy : search::DefaultRunStrategy();
  if (strategy.chooser == nullptr) {
    std::string hint;
    if (!strategy.portfolio.empty()) {
      hint = " (a portfolio: record one of its members, ";
      for (size_t i = 0; i < strategy.portfolio.size(); ++i) {
        hint += (i == 0                               ? ""
                 : i + 1 == strategy.portfolio.size() ? " or "
                                                      : ", ") +
                strategy.portfolio[i];
      }
      hint += ")";
    }
    return MakeError("strategy " + strategy.name + " is a search, not a schedule for one run" +
                     hint);
  }
  if (Status s = search::CheckArgs(strategy, options.args); !s.ok()) return s.error();
  search::StrategyArgs args = search::WithDefaults(strategy, options.args);
  // A free recording schedules nothing: no strategy to learn (RunProgram leaves out its
  // stacks, step limit, memory and atomic sites).
  if (!options.free_mode && search::NeedsCalibration(strategy, args)) {
    // As explore does: learned from the calibration run.
    session::RunConfig calibration = config.value();
    calibration.timeout_seconds = options.timeout_seconds;
    calibration.max_steps = options.max_steps;
    calibration.cwd = options.cwd;
    calibration.stdin_data = options.stdin_data;
    calibration.isolate = options.isolate;
    calibration.memory_sites = options.memory_sites;
    calibration.atomic_sites = options.atomic_sites;
    FILE* devnull = std::fopen("/dev/null", "w");
    if (devnull != nullptr) {
      calibration.stdout_fd = fileno(devnull);
      calibration.stderr_fd = fileno(devnull);
    }
    Result<search::CalibrationRun> r = search::Calibrate(calibration, search::kCalibrationSeed);
    if (devnull != nullptr) std::fclose(devnull);
    if (!r.ok()) {
      return MakeError("the random-walk run that " + strategy.name +
                       " learns from failed: " + r.error().message);
    }
    strategy.learn(r.value(), &args);
  }
  config->schedule = session::Schedule::Search(strategy.chooser(args, options.seed));
  config->stack_depth = options.stack_depth;
  config->timeout_seconds = options.timeout_seconds;
  config->max_steps = options.max_steps;
  config->trace_path = options.trace_path;
  config->cwd = options.cwd;
  config->stdout_fd = options.stdout_fd;
  config->stderr_fd = options.stderr_fd;
  config->keep_env = options.keep_env;
  config->redact_env = options.redact_env;
  config->stdin_data = options.stdin_data;
  config->isolate = options.isolate;
  config->memory_sites = options.memory_sites;
  config->atomic_sites = options.atomic_sites;
  config->free_mode = options.free_mode;
  if (options.ring_bytes > 0 && !options.free_mode) {
    return MakeError("a flight recording (ring_bytes) is a free recording: set free_mode");
  }
  config->ring_bytes = options.ring_bytes;
  config->watchdog_seconds = options.free_mode ? options.watchdog_seconds : 0;
  config->ring_dump_requested = options.ring_dump_requested;
  config->ring_dumped = options.ring_dumped;
  Started(host);
  return session::RunProgram(config.value());
}

}  // namespace weft::api
