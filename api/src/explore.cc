// explore.cc — api::Explore: a search over schedules of a new program.
#include <algorithm>
#include <cmath>

#include "weft/api.h"
#include "weft/instrument.h"
#include "weft/launcher.h"

namespace weft::api {

PctBound ComputePctBound(uint32_t depth, uint32_t threads, uint64_t steps, uint64_t runs) {
  PctBound b;
  double n = std::max<uint32_t>(threads, 1);
  double k = static_cast<double>(std::max<uint64_t>(steps, 1));
  b.per_run = 1.0 / (depth * n * std::pow(k, depth - 1.0));
  b.missed = std::pow(1.0 - b.per_run, static_cast<double>(runs));
  return b;
}

Result<ExploreSummary> Explore(const ExploreOptions& options, const Host& host,
                               const search::ExploreProgress& progress) {
  Result<session::RunConfig> config = ProgramConfig(options.argv, options.env, host);
  if (!config.ok()) return config.error();
  config->timeout_seconds = options.timeout_seconds;
  config->max_steps = options.max_steps;
  config->keep_env = options.keep_env;
  config->redact_env = options.redact_env;
  config->stdin_data = options.stdin_data;
  config->memory_sites = options.memory_sites;
  config->atomic_sites = options.atomic_sites;
  config->spawn = options.spawn;
  search::ExploreOptions search = options.search;
  if (options.isolate) {
    Status can = launcher::CheckIsolation(config->cwd);
    if (can.ok()) {
      config->isolate = true;
    } else {
      // NB: runs side by side would share the files: one at a time is what stays correct.
      if (host.note) {
        host.note("note: runs cannot have private views of their files here (" +
                  can.error().message + "); running them one at a time (-j 1)");
      }
      search.jobs = 1;
    }
  }
  search.base = config.value();
  search.check_races = options.check_races.value_or(LinksWeftRuntime(config->executable));
  // Only an instrumented program's runs learn memory sites (search::kLearningRuns).
  search.shard_learns = LinksWeftRuntime(config->executable) || !options.memory_sites.empty();
  Started(host);
  Result<search::ExploreResult> result = search::Search(search, progress);
  if (!result.ok()) return result.error();
  ExploreSummary summary;
  summary.result = std::move(result.value());
  const search::ExploreResult& r = summary.result;
  if (!r.spawn_note.empty() && host.note) host.note("note: " + r.spawn_note);
  summary.runs_per_second = std::max(r.executed, r.runs) / std::max(r.wall_seconds, 1e-9);
  summary.jobs = search.jobs;
  summary.isolated = search.base.isolate;
  auto depth = r.args.find("depth"), steps = r.args.find("steps");
  if (depth != r.args.end() && steps != r.args.end()) {
    summary.pct =
        ComputePctBound(static_cast<uint32_t>(depth->second), r.max_threads, steps->second, r.runs);
  }
  return summary;
}

}  // namespace weft::api
