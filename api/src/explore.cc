// explore.cc — api::Explore: a search over schedules of a new program, or around the
// recorded order of a trace (explore --from) until it fails as recorded.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>

#include "weft/api.h"
#include "weft/instrument.h"
#include "weft/launcher.h"
#include "weft/outcome.h"
#include "weft/render.h"
#include "weft/trace_io.h"

namespace weft::api {

PctBound ComputePctBound(uint32_t depth, uint32_t threads, uint64_t steps, uint64_t runs) {
  PctBound b;
  double n = std::max<uint32_t>(threads, 1);
  double k = static_cast<double>(std::max<uint64_t>(steps, 1));
  b.per_run = 1.0 / (depth * n * std::pow(k, depth - 1.0));
  b.missed = std::pow(1.0 - b.per_run, static_cast<double>(runs));
  return b;
}

namespace {

// The message of the assertion the recorded run failed, as glibc prints it after the
// program's name ("file.c:12: main: Assertion `x' failed."), or "".
std::string FailedAssertion(const format::Trace& trace) {
  for (const format::ProgramOutput* out : {&trace.program_stderr, &trace.program_stdout}) {
    const std::string& text = out->data;
    size_t at = text.find("Assertion `");
    if (at == std::string::npos) continue;
    size_t begin = text.rfind('\n', at);
    begin = begin == std::string::npos ? 0 : begin + 1;
    size_t colon = text.find(": ", begin);
    if (colon != std::string::npos && colon < at) begin = colon + 2;  // past the program's name
    size_t end = text.find('\n', at);
    return text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
  }
  return "";
}

// explore --from: the trace's program as a replay runs it, the search set to start from its
// recorded order and to stop where it fails as recorded.
Result<session::RunConfig> FromConfig(const ExploreOptions& options, const Host& host,
                                      search::ExploreOptions* search) {
  const format::Trace& trace = *options.from_trace;
  if (!trace.has_outcome) {
    return MakeError("'" + options.from_path +
                     "' has no outcome (an interrupted recording): there is no failure to "
                     "reproduce");
  }
  if (!analysis::IsFailure(trace.outcome)) {
    return MakeError("the run of '" + options.from_path + "' did not fail (" +
                     format::DescribeOutcome(trace.outcome) +
                     "): there is no failure to reproduce (weft explore -- PROGRAM searches "
                     "for one)");
  }
  Result<session::RunConfig> config = TraceConfig(trace, options.from_path, host, options.trust);
  if (!config.ok()) return config.error();
  search->from = &trace;
  search->from_path = options.from_path;
  search->target = &trace.outcome;
  search->target_message = FailedAssertion(trace);
  return config;
}

// Replays the trace the search saved for its target run, verify_times times.
Status VerifyFound(const ExploreOptions& options, const Host& host, ExploreSummary* summary) {
  const search::ExploreResult& r = summary->result;
  const search::Failure* found = nullptr;
  for (const search::Failure& f : r.failures) {
    if (f.target) {
      found = &f;
      break;
    }
  }
  if (found == nullptr || options.verify_times == 0) return Status::Ok();
  Result<format::Trace> saved = format::ReadTrace(found->trace);
  if (!saved.ok()) return saved.error();
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull < 0) return MakeError("cannot open /dev/null");
  ReplayOptions replay;
  replay.times = options.verify_times;
  replay.stdout_fd = devnull;
  replay.stderr_fd = devnull;
  replay.trust = options.trust;
  Host quiet = host;
  quiet.started = nullptr;
  quiet.command = nullptr;
  Result<ReplayResult> replayed = Replay(saved.value(), found->trace, replay, quiet);
  close(devnull);
  if (!replayed.ok()) return replayed.error();
  summary->verify_replays = replayed->replays;
  summary->verify_reproduced = replayed->reproduced_count;
  summary->verify_problem = replayed->first_problem;
  return Status::Ok();
}

// The search of `search` over runs of `config`, summed up.
Result<ExploreSummary> RunSearch(session::RunConfig config, search::ExploreOptions search,
                                 const ExploreOptions& options, const Host& host,
                                 const search::ExploreProgress& progress) {
  const bool instrumented = LinksWeftRuntime(config.executable);
  search.base = std::move(config);
  search.check_races = options.check_races.value_or(instrumented);
  // Only an instrumented program's runs learn memory sites (search::kLearningRuns).
  search.shard_learns = instrumented || !options.memory_sites.empty();
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
  if (options.from_trace != nullptr) {
    if (Status s = VerifyFound(options, host, &summary); !s.ok()) return s.error();
  }
  return summary;
}

}  // namespace

Result<ExploreSummary> Explore(const ExploreOptions& options, const Host& host,
                               const search::ExploreProgress& progress) {
  search::ExploreOptions search = options.search;
  const bool from = options.from_trace != nullptr;
  Result<session::RunConfig> config =
      from ? FromConfig(options, host, &search) : ProgramConfig(options.argv, options.env, host);
  if (!config.ok()) return config.error();
  if (from) {
    // The trace's program as recorded: only the search's own limits are set here.
    if (config->timeout_seconds == 0) config->timeout_seconds = options.timeout_seconds;
    // NB: atomic and memory sites stay as recorded: the first run follows the recording as
    // weft replay does.
    config->max_steps = options.max_steps;
    return RunSearch(std::move(config.value()), std::move(search), options, host, progress);
  }
  config->timeout_seconds = options.timeout_seconds;
  config->max_steps = options.max_steps;
  config->keep_env = options.keep_env;
  config->redact_env = options.redact_env;
  config->stdin_data = options.stdin_data;
  config->memory_sites = options.memory_sites;
  config->atomic_sites = options.atomic_sites;
  config->spawn = options.spawn;
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
  return RunSearch(std::move(config.value()), std::move(search), options, host, progress);
}

}  // namespace weft::api
