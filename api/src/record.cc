// record.cc — api::Record: one controlled run of a new program, traced.
#include <algorithm>
#include <cstdio>

#include "weft/api.h"

namespace weft::api {

Result<session::RunReport> Record(const RecordOptions& options, const Host& host) {
  Result<session::RunConfig> config = ProgramConfig(options.argv, options.env, host);
  if (!config.ok()) return config.error();
  config->strategy = "random";
  config->seed = options.seed;
  if (options.pct) {
    uint64_t steps = options.pct_steps;
    if (steps == 0) {
      // As explore does: k is the length of a random walk with the (first) seed.
      session::RunConfig calibration = config.value();
      calibration.stack_depth = 0;
      calibration.timeout_seconds = options.timeout_seconds;
      calibration.max_steps = options.max_steps;
      calibration.cwd = options.cwd;
      FILE* devnull = std::fopen("/dev/null", "w");
      if (devnull != nullptr) {
        calibration.stdout_fd = fileno(devnull);
        calibration.stderr_fd = fileno(devnull);
      }
      Result<session::RunReport> r = session::RunProgram(calibration);
      if (devnull != nullptr) std::fclose(devnull);
      if (!r.ok()) {
        return MakeError("the random-walk run that learns pct's k failed: " + r.error().message);
      }
      steps = std::max<uint64_t>(r->events, 1);
    }
    config->strategy = "pct";
    config->pct_depth = options.pct_depth;
    config->pct_steps = steps;
  }
  config->stack_depth = options.stack_depth;
  config->timeout_seconds = options.timeout_seconds;
  config->max_steps = options.max_steps;
  config->trace_path = options.trace_path;
  config->cwd = options.cwd;
  config->stdout_fd = options.stdout_fd;
  config->stderr_fd = options.stderr_fd;
  Started(host);
  return session::RunProgram(config.value());
}

}  // namespace weft::api
