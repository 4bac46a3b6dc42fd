// permute.cc — api::Permute: replay a trace up to a decision, run another thread there.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "weft/api.h"

namespace weft::api {

Result<PermuteResult> Permute(const format::Trace& trace, const std::string& path,
                              const PermuteOptions& options, const Host& host) {
  if (options.at >= trace.events.size()) {
    return MakeError("--at " + std::to_string(options.at) + " is past the end of '" + path + "' (" +
                     std::to_string(trace.events.size()) + " events)");
  }
  if (options.thread >= trace.threads.size()) {
    return MakeError("'" + path + "' has no thread T" + std::to_string(options.thread));
  }
  if (Status s = RequireControlled(trace, path, "permute"); !s.ok()) return s.error();
  Result<session::RunConfig> prepared = TraceConfig(trace, path, host, options.trust);
  if (!prepared.ok()) return prepared.error();
  session::RunConfig config = std::move(prepared.value());
  config.schedule = session::Schedule::GuidedByTrace(
      &trace, options.at, static_cast<int>(options.thread), search::Nonpreemptive());
  if (options.timeout_seconds) {
    config.timeout_seconds = *options.timeout_seconds;
  } else if (config.timeout_seconds == 0) {
    config.timeout_seconds = 10;
  }
  config.stack_depth = 32;
  config.trace_path = options.output;
  int out_fd = -1;
  if (!options.output_file.empty()) {
    out_fd = open(options.output_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out_fd < 0) {
      return MakeError("cannot write the program's output to '" + options.output_file +
                       "': " + std::strerror(errno));
    }
    config.stdout_fd = out_fd;
    config.stderr_fd = out_fd;
  }
  Started(host);
  Result<session::RunReport> report = session::RunProgram(config);
  if (out_fd >= 0) close(out_fd);
  if (!report.ok()) return report.error();
  PermuteResult result;
  // The forced decision happened unless the run left the script at or before it.
  result.forced = !report->diverged || report->divergence_index > options.at;
  result.report = std::move(report.value());
  return result;
}

}  // namespace weft::api
