#include "weft/minimize.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>

#include "saved_output.h"
#include "weft/outcome.h"
#include "weft/schedule_stats.h"
#include "weft/strategy_registry.h"
#include "weft/trace_io.h"

namespace weft::search {
namespace {

// The thread the non-preemptive default runs at decision d: the current one if it can run,
// else the lowest enabled.
uint16_t DefaultChoice(const session::Decision& d) {
  if (d.IsEnabled(d.current)) return d.current;
  for (uint32_t t = 0; t < d.EnabledEnd(); ++t) {
    if (d.IsEnabled(t)) return static_cast<uint16_t>(t);
  }
  return d.tid;
}

// The decisions as a plan: deviations from the default (or every real choice).
std::vector<session::PlanStep> PlanOf(const std::vector<session::Decision>& decisions,
                                      bool every_choice) {
  std::vector<session::PlanStep> plan;
  std::vector<uint64_t> done(WEFT_MAX_THREADS, 0);
  for (const session::Decision& d : decisions) {
    bool keep = every_choice ? d.EnabledCount() > 1 : d.tid != DefaultChoice(d);
    if (keep) plan.push_back({d.current, done[d.current], d.tid});
    ++done[d.tid];
  }
  return plan;
}

// Whether a plan step is a preemption in the run `decisions` (its thread could go on).
bool IsPreemption(const std::vector<session::Decision>& decisions, const session::PlanStep& step) {
  std::vector<uint64_t> done(WEFT_MAX_THREADS, 0);
  for (const session::Decision& d : decisions) {
    if (d.current == step.current && done[d.current] == step.done) {
      return d.preemption();
    }
    ++done[d.tid];
  }
  return false;
}

}  // namespace

Result<MinimizeResult> Minimize(const MinimizeOptions& options, const MinimizeProgress& progress) {
  const format::Trace* trace = options.base.schedule.trace;
  if (trace == nullptr) return MakeError("minimize needs the trace to shrink");
  if (!trace->has_outcome) {
    return MakeError("the trace has no outcome (an interrupted recording): nothing to keep");
  }
  // Every run's output goes to /dev/null; the fd lives until Minimize returns.
  struct DevNull {
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    ~DevNull() {
      if (fd >= 0) close(fd);
    }
  } null_out;
  int devnull = null_out.fd;
  session::RunConfig quiet = options.base;
  quiet.stdout_fd = devnull;
  quiet.stderr_fd = devnull;
  quiet.stack_depth = 0;
  quiet.trace_path.clear();
  quiet.record_decisions = true;

  MinimizeResult result;
  // The starting point: the recorded schedule, replayed exactly, with its decisions.
  session::RunConfig first = quiet;
  first.schedule = session::Schedule::Replay(trace);
  Result<session::RunReport> start = session::RunProgram(first);
  ++result.runs;
  if (!start.ok()) return start.error();
  if (start->diverged || !analysis::SameFailure(start->outcome, trace->outcome)) {
    return MakeError("the trace does not replay to its recorded outcome (" +
                     (start->diverged ? start->divergence : std::string("different outcome")) +
                     "); nothing to minimize against");
  }
  if (!start->failed()) {
    return MakeError("the recorded run did not fail: there is no failure to keep");
  }
  std::vector<session::Decision> best = std::move(start->decisions);
  result.preemptions_before = analysis::CountPreemptions(best);
  result.switches_before = analysis::CountSwitches(best);
  result.events_before = best.size();

  session::RunConfig guided = quiet;
  auto try_plan = [&](const std::vector<session::PlanStep>& plan)
      -> std::optional<std::vector<session::Decision>> {
    guided.schedule = session::Schedule::Plan(plan, Nonpreemptive());
    Result<session::RunReport> r = session::RunProgram(guided);
    ++result.runs;
    if (!r.ok() || !analysis::SameFailure(r->outcome, trace->outcome)) return std::nullopt;
    return std::move(r->decisions);
  };

  // The schedule as a plan: the decisions that differ from the non-preemptive default,
  // each named by the thread that reached it and how far that thread had got. If that
  // does not reproduce the failure (a yield or a wake-up choice the default reads
  // differently), every real choice goes into the plan.
  std::vector<session::PlanStep> plan = PlanOf(best, false);
  std::optional<std::vector<session::Decision>> again = try_plan(plan);
  if (!again) {
    plan = PlanOf(best, true);
    again = try_plan(plan);
  }
  if (again) {
    best = std::move(*again);
    // Greedy: take plan steps out one at a time, preemptions first; keep a removal when
    // the program still fails the same way with fewer preemptions, and start over.
    bool improved = true;
    while (improved && result.runs < options.max_runs && analysis::CountPreemptions(best) > 0) {
      improved = false;
      std::vector<size_t> order(plan.size());
      for (size_t i = 0; i < plan.size(); ++i) order[i] = i;
      std::stable_partition(order.begin(), order.end(),
                            [&](size_t i) { return IsPreemption(best, plan[i]); });
      for (size_t i : order) {
        if (result.runs >= options.max_runs) break;
        std::vector<session::PlanStep> candidate = plan;
        candidate.erase(candidate.begin() + static_cast<long>(i));
        std::optional<std::vector<session::Decision>> r = try_plan(candidate);
        if (progress) progress(result.runs, analysis::CountPreemptions(best));
        if (r && analysis::CountPreemptions(*r) < analysis::CountPreemptions(best)) {
          plan = std::move(candidate);
          best = std::move(*r);
          improved = true;
          break;
        }
      }
    }
  }

  // Write the result: the best schedule again, with stacks and a trace.
  session::RunConfig final_run = options.base;
  // The plan; if it never reproduced, the original decisions.
  final_run.schedule = again ? session::Schedule::Plan(plan, Nonpreemptive())
                             : session::Schedule::Guided(best, Nonpreemptive());
  final_run.stack_depth = 32;
  final_run.trace_path = options.output;
  final_run.record_decisions = true;
  final_run.stdout_fd = devnull;
  final_run.stderr_fd = devnull;
  internal::SavedOutput output;  // the trace keeps what the program printed
  output.Into(final_run);
  Result<session::RunReport> written = session::RunProgram(final_run);
  ++result.runs;
  if (!written.ok()) return written.error();
  if (!analysis::SameFailure(written->outcome, trace->outcome)) {
    return MakeError(
        "the minimized schedule did not fail the same way when written out "
        "(nondeterminism outside weft's control?)");
  }
  result.preemptions_after = analysis::CountPreemptions(written->decisions);
  result.switches_after = analysis::CountSwitches(written->decisions);
  result.events_after = written->events;
  result.outcome = written->outcome;
  result.trace = options.output;

  // Replayable: a strict replay of the written trace gives the same events and outcome.
  Result<format::Trace> out = format::ReadTrace(options.output);
  if (!out.ok()) return out.error();
  session::RunConfig check = quiet;
  check.schedule = session::Schedule::Replay(&out.value());
  check.record_decisions = false;
  Result<session::RunReport> replayed = session::RunProgram(check);
  ++result.runs;
  if (!replayed.ok()) return replayed.error();
  result.verified = !replayed->diverged && replayed->event_digest == written->event_digest &&
                    analysis::SameFailure(replayed->outcome, written->outcome);
  return result;
}

}  // namespace weft::search
