// minimize.cc — api::Minimize: the fewest preemptions that still fail the same way.
#include "weft/api.h"

namespace weft::api {

Result<search::MinimizeResult> Minimize(const format::Trace& trace, const std::string& path,
                                        const MinimizeOptions& options, const Host& host,
                                        const search::MinimizeProgress& progress) {
  Result<session::RunConfig> config = TraceConfig(trace, path, host, options.trust);
  if (!config.ok()) return config.error();
  if (options.timeout_seconds) {
    config->timeout_seconds = *options.timeout_seconds;
  } else if (config->timeout_seconds == 0) {
    config->timeout_seconds = 10;
  }
  search::MinimizeOptions search;
  search.base = config.value();
  search.output = options.output;
  search.max_runs = options.max_runs;
  Started(host);
  Result<search::MinimizeResult> result = search::Minimize(search, progress);
  if (!result.ok() && trace.header.mode == format::Mode::kFree) {
    // NB: minimize starts from a replay of the recorded order; a data race may lead it away.
    return MakeError(result.error().message + "; this is a free recording: weft explore --from " +
                     path + " saves a controlled trace that fails as it did, minimize that");
  }
  return result;
}

}  // namespace weft::api
