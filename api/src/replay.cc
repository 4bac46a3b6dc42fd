// replay.cc — api::Replay: run a recorded schedule again, N times, and check each replay
// against the trace.
#include "weft/api.h"
#include "weft/digest.h"
#include "weft/outcome.h"
#include "weft/render.h"

namespace weft::api {

Result<ReplayResult> Replay(const format::Trace& trace, const std::string& path,
                            const ReplayOptions& options, const Host& host,
                            const ReplayProgress& progress) {
  const bool stopping = options.stop_at.has_value();
  const uint64_t times = stopping ? 1 : std::max<uint64_t>(options.times, 1);
  Result<session::RunConfig> prepared = TraceConfig(trace, path, host, options.trust);
  if (!prepared.ok()) return prepared.error();
  session::RunConfig config = std::move(prepared.value());
  config.schedule = session::Schedule::Replay(&trace);
  // The recorded limits hold in the replay too (a run that timed out times out again),
  // unless the caller says otherwise.
  if (options.timeout_seconds) config.timeout_seconds = *options.timeout_seconds;
  if (stopping) {
    if (*options.stop_at > trace.events.size()) {
      return MakeError("--stop-at " + std::to_string(*options.stop_at) + " is past the end of '" +
                       path + "' (" + std::to_string(trace.events.size()) + " events)");
    }
    config.stop_before = static_cast<int64_t>(*options.stop_at);
    config.hold = options.debugger;
  }
  config.stdout_fd = options.stdout_fd;
  config.stderr_fd = options.stderr_fd;
  config.stop_on_divergence = !options.continue_after_divergence;

  Started(host);
  const uint64_t expected_digest = analysis::DigestOf(trace);
  ReplayResult result;
  result.output = options.output;
  for (uint64_t i = 0; i < times; ++i) {
    // Only the last replay writes a trace when asked to; every replay captures stacks as
    // the recording did (TraceConfig), so that each one sees the recorded memory layout.
    bool keep = !options.output.empty() && i + 1 == times;
    config.trace_path = keep ? options.output : "";
    config.keep_trace = session::RunConfig::KeepTrace::kAlways;
    const bool watch = !keep && !result.diverged && !options.divergence_output.empty();
    if (watch) {
      // Written while it runs, kept only if this replay diverges (to say where, with stacks).
      config.trace_path = options.divergence_output;
      config.keep_trace = session::RunConfig::KeepTrace::kIfDiverged;
    }
    Result<session::RunReport> report = session::RunProgram(config);
    if (!report.ok()) return report.error();
    if (report->diverged && !result.diverged) {
      result.diverged = report.value();
      result.divergence_trace = keep || watch ? config.trace_path : "";
    }
    if (report->interrupted_by != 0 && i + 1 < times) {
      result.interrupted_by = report->interrupted_by;
      result.last = std::move(report.value());
      return result;
    }
    bool same = !report->diverged &&
                (stopping ? report->events == *options.stop_at
                          : report->event_digest == expected_digest &&
                                (!trace.has_outcome ||
                                 analysis::SameFailure(report->outcome, trace.outcome)));
    ++result.replays;
    if (same) {
      ++result.reproduced_count;
    } else if (result.first_problem.empty()) {
      if (report->diverged) {
        result.first_problem = "diverged at " + report->divergence;
      } else if (report->event_digest != expected_digest) {
        result.first_problem = "same length but a different event stream";
      } else {
        result.first_problem =
            "same events but a different outcome: " + format::DescribeOutcome(report->outcome) +
            " (recorded: " + format::DescribeOutcome(trace.outcome) + ")";
      }
    }
    if (progress) progress(i + 1, same, result.replays - result.reproduced_count);
    result.last = std::move(report.value());
  }
  result.reproduced = result.reproduced_count == times;
  return result;
}

}  // namespace weft::api
