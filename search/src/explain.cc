// explain.cc — search::Explain: the conflicting pair whose order turns the failure into a pass.
#include "weft/explain.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "saved_output.h"
#include "weft/outcome.h"
#include "weft/render.h"
#include "weft/strategy_registry.h"
#include "weft/trace_io.h"

namespace weft::search {
namespace {

// The candidates in the order they are tried: nearest the end of the run first (the
// failure is at the end), one per decision to change.
std::vector<analysis::Conflict> Candidates(const format::Trace& trace, bool thread_pairs) {
  std::vector<analysis::Conflict> all = analysis::FindConflicts(trace);
  std::vector<analysis::Conflict> out;
  std::set<std::pair<uint64_t, uint32_t>> seen;  // (reversal, thread): the same two runs
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first > b.first;
  });
  for (const analysis::Conflict& c : all) {
    bool on_thread =
        c.obj < trace.objects.size() && trace.objects[c.obj].kind == format::ObjectKind::kThread;
    if (on_thread && !thread_pairs) continue;
    if (c.reversal >= trace.events.size()) continue;
    if (!seen.insert({c.reversal, c.second_tid}).second) continue;
    out.push_back(c);
  }
  return out;
}

// Threads that never ran to their end and were not blocked at it: the failure may have come
// before they could do their part (an order violation: a thread used what another had not
// initialised yet). Each is tried at the last few decisions after its own last event,
// nearest the end first, as a pair (that event, the thread's next operation: pending).
constexpr uint64_t kLatePoints = 8;
std::vector<analysis::Conflict> LateThreads(const format::Trace& trace) {
  std::vector<analysis::Conflict> out;
  uint64_t n = trace.events.size();
  std::vector<int64_t> last(trace.threads.size(), -1);
  std::vector<bool> done(trace.threads.size(), false);
  std::vector<int64_t> created(trace.threads.size(), -1);
  for (uint64_t i = 0; i < n; ++i) {
    const format::Event& e = trace.events[i];
    if (e.tid < last.size()) last[e.tid] = static_cast<int64_t>(i);
    if (e.kind == format::EventKind::kThreadExit && e.tid < done.size()) done[e.tid] = true;
    if (e.kind == format::EventKind::kThreadCreate) {
      for (const format::Thread& t : trace.threads) {
        if (t.handle_obj == e.obj && t.tid < created.size() && created[t.tid] < 0) {
          created[t.tid] = static_cast<int64_t>(i);
        }
      }
    }
  }
  for (const format::BlockedThread& b : trace.outcome.blocked) {
    if (b.tid < done.size()) done[b.tid] = true;
  }
  for (uint32_t u = 1; u < trace.threads.size(); ++u) {
    if (done[u] || created[u] < 0) continue;
    int64_t from = std::max(last[u], created[u]) + 1;
    uint64_t points = 0;
    for (uint64_t i = n; i-- > static_cast<uint64_t>(from) && points < kLatePoints;) {
      if (trace.events[i].tid == u) continue;
      analysis::Conflict c;
      c.first = i;
      c.second = n;  // the thread's pending operation (blocked stays -1: it was not blocked)
      c.obj = trace.events[i].obj;
      c.first_tid = trace.events[i].tid;
      c.second_tid = u;
      c.first_kind = trace.events[i].kind;
      c.reversal = i;
      out.push_back(c);
      ++points;
    }
  }
  return out;
}

// Each thread's event kinds, in its order.
std::vector<std::vector<format::EventKind>> ThreadKinds(const format::Trace& trace) {
  std::vector<std::vector<format::EventKind>> kinds(trace.threads.size());
  for (const format::Event& e : trace.events) {
    if (e.tid >= kinds.size()) kinds.resize(e.tid + 1);
    kinds[e.tid].push_back(e.kind);
  }
  return kinds;
}

// Whether some thread did other operations in the run of trace `b` than in the run of trace
// `a` (not only the same ones in another order against the other threads'), or either
// trace cannot be read. A reordering after which every thread does what it did in the
// failing run passes by the values it happened to leave (a second race masking the first:
// two constructions counted by a lost update), not because a thread saw what the other had
// done and went another way.
bool SomeThreadDiffers(const std::string& a, const std::string& b) {
  if (a.empty() || b.empty()) return true;
  Result<format::Trace> ta = format::ReadTrace(a);
  Result<format::Trace> tb = format::ReadTrace(b);
  if (!ta.ok() || !tb.ok()) return true;
  return ThreadKinds(*ta) != ThreadKinds(*tb);
}

// Pairs of memory accesses (a plain read or write, at least one a write) of two threads to
// one object that FindConflicts leaves out (it pairs an access with the other thread's latest
// conflicting one only) and whose reversal (run the later access's thread at the earlier
// access) was not tried yet: nearest the end first, at most `limit`, after at most a few
// million comparisons.
std::vector<analysis::Conflict> EarlierMemoryPairs(
    const format::Trace& trace, const std::set<std::pair<uint64_t, uint32_t>>& tried,
    uint64_t limit) {
  auto memory = [](const format::Event& e) {
    return e.obj != 0 &&
           (e.kind == format::EventKind::kMemRead || e.kind == format::EventKind::kMemWrite);
  };
  std::vector<analysis::Conflict> out;
  std::set<std::pair<uint64_t, uint32_t>> seen = tried;
  uint64_t comparisons = 0;
  constexpr uint64_t kMaxComparisons = 4000000;
  for (uint64_t j = trace.events.size(); j-- > 0;) {
    const format::Event& b = trace.events[j];
    if (!memory(b)) continue;
    for (uint64_t i = j; i-- > 0;) {
      if (++comparisons > kMaxComparisons) return out;
      const format::Event& a = trace.events[i];
      if (!memory(a) || a.obj != b.obj || a.tid == b.tid) continue;
      if (a.kind != format::EventKind::kMemWrite && b.kind != format::EventKind::kMemWrite) {
        continue;
      }
      if (!seen.insert({i, b.tid}).second) continue;
      analysis::Conflict c;
      c.first = i;
      c.second = j;
      c.obj = b.obj;
      c.first_tid = a.tid;
      c.second_tid = b.tid;
      c.first_kind = a.kind;
      c.second_kind = b.kind;
      c.first_access = a.kind == format::EventKind::kMemWrite ? analysis::Access::kWrite
                                                              : analysis::Access::kRead;
      c.second_access = b.kind == format::EventKind::kMemWrite ? analysis::Access::kWrite
                                                               : analysis::Access::kRead;
      c.reversal = i;
      out.push_back(c);
      if (out.size() >= limit) return out;
    }
  }
  return out;
}

// After a pair whose reversal passes with every thread doing the same operations, how many
// more candidates are tried for one after which a thread goes another way.
constexpr uint64_t kMoreCandidates = 24;

}  // namespace

Result<ExplainResult> Explain(const format::Trace& trace, const ExplainOptions& options,
                              const ExplainProgress& progress) {
  if (!trace.has_outcome || !analysis::IsFailure(trace.outcome)) {
    return MakeError("the trace's run did not fail (" + format::DescribeOutcome(trace.outcome) +
                     "): explain needs a failing run (find one with weft explore)");
  }
  struct DevNull {
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    ~DevNull() {
      if (fd >= 0) close(fd);
    }
  } null_out;
  session::RunConfig quiet = options.base;
  quiet.stdout_fd = null_out.fd;
  quiet.stderr_fd = null_out.fd;
  quiet.stack_depth = 0;
  quiet.trace_path.clear();

  ExplainResult result;
  std::vector<analysis::Conflict> candidates = Candidates(trace, options.thread_pairs);
  for (const analysis::Conflict& c : LateThreads(trace)) candidates.push_back(c);
  result.candidates = candidates.size();
  // One run: the trace's decisions up to `at`, thread `tid` there, then no preemptions; its
  // trace saved with stacks and output at `save`, or without them at `probe`.
  auto run = [&](uint64_t at, uint32_t tid, const std::string& save,
                 const std::string& probe = "") -> Result<session::RunReport> {
    session::RunConfig config = quiet;
    config.schedule =
        session::Schedule::GuidedByTrace(&trace, at, static_cast<int>(tid), Nonpreemptive());
    std::optional<internal::SavedOutput> output;
    if (!save.empty()) {
      config.trace_path = save;
      config.stack_depth = 32;
      output.emplace().Into(config);
    } else if (!probe.empty()) {
      config.trace_path = probe;
    }
    Result<session::RunReport> r = session::RunProgram(config);
    ++result.runs;
    if (progress) progress(result.runs, result.tried, result.candidates);
    return r;
  };
  // Whether thread `tid` ran at decision `at` (the run did not leave the script before it).
  auto forced = [](const session::RunReport& r, uint64_t at) {
    return !r.diverged || r.divergence_index > at;
  };

  // The first pair found whose passing run has every thread doing what it did in the
  // failing run (SomeThreadDiffers): kept, and named, unless one of the next candidates
  // passes with a thread going another way (the check that saw the stale value, rather than
  // the lost update that hid the double construction).
  struct Found {
    analysis::Conflict critical;
    format::Outcome control_outcome, passing_outcome;
  };
  std::optional<Found> masking;
  const std::string probe_control =
      options.control_output.empty() ? "" : options.control_output + ".probe";
  const std::string probe_pass =
      options.passing_output.empty() ? "" : options.passing_output + ".probe";
  std::set<std::pair<uint64_t, uint32_t>> tried;  // (reversal, thread) of every candidate run
  // Reverses `c`: true when it is the answer (stop), false to go on with the next candidate.
  auto try_candidate = [&](const analysis::Conflict& c) -> Result<bool> {
    tried.insert({c.reversal, c.second_tid});
    ++result.tried;
    Result<session::RunReport> reversed =
        run(c.reversal, c.second_tid, "", masking ? probe_pass : "");
    if (!reversed.ok()) return reversed.error();
    if (!forced(*reversed, c.reversal) || analysis::IsFailure(reversed->outcome)) return false;
    uint32_t recorded = trace.events[c.reversal].tid;
    Result<session::RunReport> control =
        run(c.reversal, recorded, "", masking ? probe_control : "");
    if (!control.ok()) return control.error();
    if (!analysis::SameFailure(control->outcome, trace.outcome)) return false;
    if (masking && !SomeThreadDiffers(probe_control, probe_pass)) return false;
    // Found: both runs again, saved with stacks (the same schedules, so the same runs).
    Result<session::RunReport> saved_control = run(c.reversal, recorded, options.control_output);
    if (!saved_control.ok()) return saved_control.error();
    Result<session::RunReport> saved_pass = run(c.reversal, c.second_tid, options.passing_output);
    if (!saved_pass.ok()) return saved_pass.error();
    result.found = true;
    result.critical = c;
    result.control_outcome = saved_control->outcome;
    result.passing_outcome = saved_pass->outcome;
    if (masking || SomeThreadDiffers(options.control_output, options.passing_output)) {
      masking.reset();
      return true;
    }
    masking = Found{c, saved_control->outcome, saved_pass->outcome};
    result.found = false;
    return false;
  };
  uint64_t after_masking = 0;
  bool done = false;
  for (const analysis::Conflict& c : candidates) {
    if (result.runs + 4 > options.max_runs) break;
    if (masking && ++after_masking > kMoreCandidates) break;
    Result<bool> stop = try_candidate(c);
    if (!stop.ok()) return stop.error();
    if ((done = *stop)) break;
  }
  if (!done) {
    // None found, or only one that passes with every thread doing what it did: the reported
    // pairs hide some (a thread's check of p is not paired with the other's store when its
    // own store came between), so the other memory pairs, nearest the end first.
    for (const analysis::Conflict& c : EarlierMemoryPairs(trace, tried, kMoreCandidates)) {
      if (result.runs + 4 > options.max_runs) break;
      Result<bool> stop = try_candidate(c);
      if (!stop.ok()) return stop.error();
      if (*stop) break;
    }
  }
  if (masking) {
    // None better: the first pair, whose runs are the ones saved.
    result.found = true;
    result.critical = masking->critical;
    result.control_outcome = masking->control_outcome;
    result.passing_outcome = masking->passing_outcome;
  }
  for (const std::string& probe : {probe_control, probe_pass}) {
    if (!probe.empty()) unlink(probe.c_str());
  }
  return result;
}

Result<ExplainResult> Bisect(const format::Trace& trace, const ExplainOptions& options,
                             const ExplainProgress& progress) {
  if (!trace.has_outcome || !analysis::IsFailure(trace.outcome)) {
    return MakeError("the trace's run did not fail (" + format::DescribeOutcome(trace.outcome) +
                     "): explain needs a failing run (find one with weft explore)");
  }
  struct DevNull {
    int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    ~DevNull() {
      if (fd >= 0) close(fd);
    }
  } null_out;
  session::RunConfig quiet = options.base;
  quiet.stdout_fd = null_out.fd;
  quiet.stderr_fd = null_out.fd;
  quiet.stack_depth = 0;
  quiet.trace_path.clear();

  ExplainResult result;
  result.method = "bisection";
  const uint64_t n = trace.events.size();
  result.candidates = n;
  // Run k: the trace's first k decisions, then no preemptions.
  auto run = [&](uint64_t k, const std::string& save) -> Result<session::RunReport> {
    session::RunConfig config = quiet;
    config.schedule = session::Schedule::GuidedByTrace(&trace, k, -1, Nonpreemptive());
    std::optional<internal::SavedOutput> output;
    if (!save.empty()) {
      config.trace_path = save;
      config.stack_depth = 32;
      output.emplace().Into(config);
    }
    Result<session::RunReport> r = session::RunProgram(config);
    ++result.runs;
    ++result.tried;
    if (progress) progress(result.runs, result.tried, result.candidates);
    return r;
  };
  auto passes = [](const session::RunReport& r) {
    return !r.diverged && !analysis::IsFailure(r.outcome);
  };
  if (n == 0 || options.max_runs < 3) return result;
  Result<session::RunReport> first = run(0, "");
  if (!first.ok()) return first.error();
  if (!passes(*first)) return result;  // no preemption needed to fail: nothing to bisect
  // NB: lo passes, hi fails as the trace did (hi = n is the trace itself).
  uint64_t lo = 0, hi = n;
  while (hi - lo > 1) {
    if (result.runs + 2 >= options.max_runs) return result;
    uint64_t mid = lo + (hi - lo) / 2;
    Result<session::RunReport> r = run(mid, "");
    if (!r.ok()) return r.error();
    if (passes(*r)) {
      lo = mid;
    } else if (!r->diverged && analysis::SameFailure(r->outcome, trace.outcome)) {
      hi = mid;
    } else {
      return result;  // another failure or a divergence: no boundary of these two outcomes
    }
  }
  // Both runs again, saved with stacks: run hi fails (control), run lo passes.
  Result<session::RunReport> control = run(hi, options.control_output);
  if (!control.ok()) return control.error();
  Result<session::RunReport> pass = run(lo, options.passing_output);
  if (!pass.ok()) return pass.error();
  if (!analysis::SameFailure(control->outcome, trace.outcome) || !passes(*pass)) return result;
  // Which thread the passing run ran at decision lo: its own trace says.
  Result<format::Trace> passing = format::ReadTrace(options.passing_output);
  if (!passing.ok() || passing->events.size() <= lo) return result;
  uint32_t a = passing->events[lo].tid;
  const format::Event& b = trace.events[lo];
  if (a == b.tid) return result;  // the same decision: not a boundary after all
  analysis::Conflict c;
  c.first = lo;
  c.first_tid = b.tid;
  c.first_kind = b.kind;
  c.obj = b.obj;
  c.second_tid = a;
  c.reversal = lo;
  c.second = n;  // A's next operation: its next event, or pending at the end
  for (uint64_t j = lo + 1; j < n; ++j) {
    if (trace.events[j].tid == a) {
      c.second = j;
      c.second_kind = trace.events[j].kind;
      break;
    }
  }
  if (c.second == n) {
    for (size_t i = 0; i < trace.outcome.blocked.size(); ++i) {
      if (trace.outcome.blocked[i].tid == a) {
        c.blocked = static_cast<int32_t>(i);
        c.second_kind = trace.outcome.blocked[i].kind;
      }
    }
  }
  result.found = true;
  result.critical = c;
  result.control_outcome = control->outcome;
  result.passing_outcome = pass->outcome;
  return result;
}

}  // namespace weft::search