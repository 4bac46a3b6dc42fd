// record.cc — api::Record: one controlled run of a new program, traced.
#include "weft/api.h"

namespace weft::api {

Result<session::RunReport> Record(const RecordOptions& options, const Host& host) {
  Result<session::RunConfig> config = ProgramConfig(options.argv, options.env, host);
  if (!config.ok()) return config.error();
  config->strategy = "random";
  config->seed = options.seed;
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
