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
  return search::Minimize(search, progress);
}

}  // namespace weft::api
