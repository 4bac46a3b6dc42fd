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
  // A free recording is compared by its synchronization order only (weft/free_kinds.h):
  // the replay runs controlled, with events and times of its own in between.
  const bool free_trace = trace.header.mode == format::Mode::kFree;
  const uint64_t expected_digest =
      free_trace ? analysis::OrderDigestOf(trace) : analysis::DigestOf(trace);
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
    // A free recording that crashed: its other threads ran on while the crash was caught; the
    // replay, controlled, ends at the fault (run_outcome.cc). Compared up to there.
    const bool crash_prefix =
        free_trace && report->outcome.kind == format::Outcome::Kind::kSignaled && !report->diverged;
    const uint64_t want =
        crash_prefix ? analysis::OrderDigestOf(trace, report->order_events) : expected_digest;
    const uint64_t digest = free_trace ? report->order_digest : report->event_digest;
    bool same =
        !report->diverged &&
        (stopping ? report->events == *options.stop_at
                  : digest == want && (!trace.has_outcome ||
                                       analysis::SameFailure(report->outcome, trace.outcome)));
    ++result.replays;
    if (same) {
      ++result.reproduced_count;
    } else if (result.first_problem.empty()) {
      if (report->diverged) {
        result.first_problem = "diverged at " + report->divergence;
      } else if (digest != want) {
        result.first_problem = free_trace ? "a different order of synchronization events"
                                          : "same length but a different event stream";
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
