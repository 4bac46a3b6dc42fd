// explain.cc — api::Explain: the pair of operations whose order decides a failure.
#include "weft/api.h"

namespace weft::api {

Result<search::ExplainResult> Explain(const format::Trace& trace, const std::string& path,
                                      const ExplainOptions& options, const Host& host,
                                      const search::ExplainProgress& progress) {
  if (Status s = RequireControlled(trace, path, "explain"); !s.ok()) return s.error();
  Result<session::RunConfig> config = TraceConfig(trace, path, host, options.trust);
  if (!config.ok()) return config.error();
  if (options.timeout_seconds) {
    config->timeout_seconds = *options.timeout_seconds;
  } else if (config->timeout_seconds == 0) {
    config->timeout_seconds = 10;
  }
  search::ExplainOptions search;
  search.base = config.value();
  search.control_output = options.control_output;
  search.passing_output = options.passing_output;
  search.max_runs = options.max_runs;
  search.thread_pairs = options.thread_pairs;
  Started(host);
  return options.bisect ? search::Bisect(trace, search, progress)
                        : search::Explain(trace, search, progress);
}

}  // namespace weft::api
