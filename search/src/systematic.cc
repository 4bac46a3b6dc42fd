// systematic.cc — the searches that build each schedule from earlier runs: bounded
// (preemption-bounded depth-first search) and conflict-directed (reversal of conflicting
// pairs). Both run guided schedules: a prefix of decisions copied from an earlier run, one
// different choice, then the non-preemptive default.
//
// Memory access sites (weft cc builds): every run makes the sites learned so far schedule
// points (RunConfig::memory_sites). A prefix of decisions means the same schedule only under
// the same sites, so a run that finds new sites (sites of accesses to memory two threads
// shared) ends the search's epoch: the sites join the set and the search starts over from
// its first run. The runs, and so the result, follow from the runs before them alone (the
// searches run one at a time); a complete search is one whose last epoch found no new site.
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <optional>
#include <set>
#include <unordered_set>

#include "race_scan.h"
#include "weft/conflicts.h"
#include "weft/explorer.h"
#include "weft/outcome.h"
#include "weft/schedule_stats.h"
#include "weft/strategy_registry.h"
#include "weft/trace_io.h"

namespace weft::search {
namespace {

double Now() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs guided schedules for a search and keeps its bookkeeping.
class Searcher {
 public:
  Searcher(const ExploreOptions& options, const ExploreProgress& progress, std::string label)
      : options_(options), progress_(progress), label_(std::move(label)) {}

  Status Init() {
    if (Status s = CreateDirectories(options_.out_dir); !s.ok()) return s;
    devnull_ = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (devnull_ < 0) return MakeError("cannot open /dev/null");
    base_ = options_.base;
    base_.stack_depth = 0;
    base_.trace_path.clear();
    base_.stdout_fd = devnull_;
    base_.stderr_fd = devnull_;
    base_.record_decisions = true;
    sites_ = base_.memory_sites;
    if (options_.from != nullptr) {
      const std::vector<uint64_t>& recorded = options_.from->header.memory_sites;
      sites_.insert(sites_.end(), recorded.begin(), recorded.end());
    }
    sites_ = session::SortedSites(std::move(sites_));
    base_.memory_sites = sites_;
    result_.races_checked = options_.check_races;
    start_ = Now();
    return Status::Ok();
  }
  ~Searcher() {
    if (devnull_ >= 0) close(devnull_);
  }

  bool budget_left() const { return result_.runs < options_.runs; }
  bool stop() const {
    if (options_.keep_going) return false;
    return options_.target != nullptr ? result_.target_run != 0 : !result_.failures.empty();
  }
  bool interrupted() const { return result_.interrupted_by != 0; }

  // Runs `config`; records it, saves it if it failed. Returns the report.
  Result<session::RunReport> Run(session::RunConfig config) {
    std::optional<Failure> failure;
    std::string race_trace;
    Result<session::RunReport> report = RunKeepingFailure(
        options_, config, result_.runs + 1, label_ + "-run" + std::to_string(result_.runs + 1),
        &failure, &race_trace);
    if (!report.ok()) return report;
    if (report->interrupted_by != 0) {
      result_.interrupted_by = report->interrupted_by;
      return MakeError("interrupted");
    }
    if (result_.runs == 0 && !report->controlled) {
      return MakeError("weft's shim never took control of '" + config.executable + "'");
    }
    ++result_.runs;
    if (report->forked) ++result_.forked_runs;
    if (report->forked && report->fork_late) ++result_.forked_late_runs;
    if (result_.spawn_note.empty()) result_.spawn_note = report->spawn_note;
    result_.total_events += report->events;
    result_.memory_instrumented = result_.memory_instrumented || report->memory_instrumented;
    result_.interp_points += report->interp_points;
    result_.memory_events += report->memory_events;
    for (uint64_t pc : report->memory_sites_found) {
      if (!std::binary_search(sites_.begin(), sites_.end(), pc)) learned_.insert(pc);
    }
    result_.max_threads = std::max(result_.max_threads, report->threads);
    schedules_.insert(report->event_digest);
    if (progress_) {
      progress_(result_.runs, result_.runs, config.schedule.strategy.header.seed, report.value());
    }
    if (!race_trace.empty()) {
      Result<uint64_t> added =
          ledger_.Add(result_.runs, config.schedule.strategy.header.seed, race_trace, &result_);
      if (!added.ok()) return added.error();
      // A passing run whose races were all reported by earlier runs: nothing to keep.
      if (added.value() == 0 && !(failure && failure->trace == race_trace)) {
        unlink(race_trace.c_str());
      }
    }
    if (failure) {
      if (result_.first_failure_run == 0) result_.first_failure_run = result_.runs;
      if (options_.target != nullptr && !failure->race &&
          analysis::SameFailure(failure->outcome, *options_.target) &&
          failure->output.find(options_.target_message) != std::string::npos) {
        failure->target = true;
        if (result_.target_run == 0) result_.target_run = result_.runs;
      }
      result_.failures.push_back(std::move(*failure));
    }
    return report;
  }

  session::RunConfig Guided(const std::vector<session::Decision>& prefix, uint16_t choice) {
    session::RunConfig c = base_;
    std::vector<session::Decision> script = prefix;
    session::Decision d;
    d.tid = choice;
    script.push_back(d);
    c.schedule = session::Schedule::Guided(std::move(script), Nonpreemptive());
    c.schedule.inputs = Fed();
    return c;
  }

  // A run under `schedule` with the sites learned so far.
  session::RunConfig With(session::Schedule schedule) {
    session::RunConfig c = base_;
    c.schedule = std::move(schedule);
    if (c.schedule.inputs == nullptr) c.schedule.inputs = Fed();
    return c;
  }

  // The trace whose recorded inputs every run is fed: explore --from's (options.target),
  // so that its runs see the recording's clocks, random bytes and file contents.
  const format::Trace* Fed() const { return options_.target != nullptr ? options_.from : nullptr; }

  // Whether runs of this epoch found memory access sites it does not make points.
  bool learned() const { return !learned_.empty(); }
  // Starts a new epoch: the sites found join the set. False when none was found.
  bool Adopt() {
    if (learned_.empty()) return false;
    std::vector<uint64_t> more(learned_.begin(), learned_.end());
    learned_.clear();
    sites_.insert(sites_.end(), more.begin(), more.end());
    sites_ = session::SortedSites(std::move(sites_));
    base_.memory_sites = sites_;
    return true;
  }

  ExploreResult Finish() {
    result_.distinct_schedules = schedules_.size();
    result_.groups = GroupFailures(result_.failures);
    result_.executed = result_.runs;
    result_.wall_seconds = Now() - start_;
    result_.memory_sites = sites_;
    result_.memory_sites.insert(result_.memory_sites.end(), learned_.begin(), learned_.end());
    result_.memory_sites = session::SortedSites(std::move(result_.memory_sites));
    return result_;
  }

  const session::RunConfig& base() const { return base_; }
  ExploreResult& result() { return result_; }

 private:
  const ExploreOptions& options_;
  const ExploreProgress& progress_;
  std::string label_;
  session::RunConfig base_;
  ExploreResult result_;
  std::unordered_set<uint64_t> schedules_;
  internal::RaceLedger ledger_;
  std::vector<uint64_t> sites_;  // the memory access sites of this epoch's runs, ascending
  std::set<uint64_t> learned_;   // sites found by this epoch's runs, not among sites_
  int devnull_ = -1;
  double start_ = 0;
};

}  // namespace

Result<ExploreResult> ExploreBounded(const ExploreOptions& options,
                                     const ExploreProgress& progress) {
  Searcher search(options, progress, "bounded");
  Status st = search.Init();
  if (!st.ok()) return st.error();

  const uint64_t bound = WithDefaults(*FindStrategy("bounded"), options.args)["preemptions"];
  search.result().args = {{"preemptions", bound}};
  struct Node {
    std::vector<session::Decision> decisions;
    size_t from = 0;  // first decision this node may change
  };
  std::vector<Node> stack;
  bool exhausted = false;
  for (;;) {  // one epoch per set of memory access sites
    stack.clear();
    if (!search.budget_left()) {
      exhausted = true;
      break;
    }
    // The first schedule: no preemptions at all.
    Result<session::RunReport> root =
        search.Run(search.With(session::Schedule::Guided({}, Nonpreemptive())));
    if (!root.ok())
      return search.interrupted() ? Result<ExploreResult>(search.Finish()) : root.error();
    if (search.stop()) break;
    if (search.Adopt()) continue;  // its accesses to shared memory are points from now on

    // Depth-first over the tree of deviations: a node is a run; its children change one
    // decision at or after the node's own deviation (earlier ones belong to other branches),
    // so every schedule within the bound is run exactly once.
    stack.push_back({std::move(root->decisions), 0});
    while (!stack.empty() && !search.stop() && !search.learned()) {
      Node node = std::move(stack.back());
      stack.pop_back();
      std::vector<Node> children;
      for (size_t i = node.from; i < node.decisions.size() && !search.stop() && !search.learned();
           ++i) {
        const session::Decision& d = node.decisions[i];
        uint64_t before = analysis::CountPreemptions(node.decisions, i);
        for (uint32_t t = 0; t < d.EnabledEnd(); ++t) {
          if (!d.IsEnabled(t) || t == d.tid) continue;
          bool preempts = analysis::IsPreemption(d.current, t, d.IsEnabled(d.current));
          if (before + (preempts ? 1 : 0) > bound) continue;
          if (!search.budget_left()) {
            exhausted = true;
            break;
          }
          std::vector<session::Decision> prefix(node.decisions.begin(),
                                                node.decisions.begin() + static_cast<long>(i));
          Result<session::RunReport> r =
              search.Run(search.Guided(prefix, static_cast<uint16_t>(t)));
          if (!r.ok())
            return search.interrupted() ? Result<ExploreResult>(search.Finish()) : r.error();
          if (search.stop() || search.learned()) break;
          children.push_back({std::move(r->decisions), i + 1});
        }
        if (exhausted) break;
      }
      if (exhausted) break;
      // NB: pushed in reverse so the earliest deviation is explored first (depth-first).
      for (auto it = children.rbegin(); it != children.rend(); ++it)
        stack.push_back(std::move(*it));
    }
    if (exhausted || search.stop() || !search.Adopt()) break;
    // NB: a run found sites the epoch's tree did not have as points: its prefixes would
    // mean other schedules under the new sites, so the search starts over with them.
  }
  ExploreResult result = search.Finish();
  const bool covered = !exhausted && stack.empty() && !search.learned();
  result.complete = covered && (result.failures.empty() || options.keep_going);
  return result;
}

Result<ExploreResult> ExploreConflicts(const ExploreOptions& options,
                                       const ExploreProgress& progress) {
  Searcher search(options, progress, "conflicts");
  Status st = search.Init();
  if (!st.ok()) return st.error();
  char dir_template[] = "/tmp/weft-conflicts-XXXXXX";
  if (mkdtemp(dir_template) == nullptr) {
    return MakeError(std::string("cannot create a temporary directory: ") + std::strerror(errno));
  }
  std::string tmp_dir = dir_template;
  std::string tmp_trace = tmp_dir + "/run.weft";
  struct Cleanup {
    std::string dir, file;
    ~Cleanup() {
      unlink(file.c_str());
      rmdir(dir.c_str());
    }
  } cleanup{tmp_dir, tmp_trace};

  // Each run is written (without stacks) to find its conflicts.
  auto run_traced =
      [&](session::RunConfig config) -> Result<std::pair<session::RunReport, format::Trace>> {
    config.trace_path = tmp_trace;
    Result<session::RunReport> r = search.Run(config);
    if (!r.ok()) return r.error();
    Result<format::Trace> t = format::ReadTrace(tmp_trace);
    if (!t.ok()) return t.error();
    return std::make_pair(std::move(r.value()), std::move(t.value()));
  };

  struct Pending {
    std::vector<session::Decision> decisions;
    format::Trace trace;
  };
  std::deque<Pending> queue;
  std::set<std::pair<std::vector<uint16_t>, uint16_t>> tried;  // (prefix threads, choice)
  bool skipped = false;   // a reversal was left untried for want of budget
  bool replayed = false;  // the recorded run (--from) was the first run
  for (;;) {              // one epoch per set of memory access sites
    queue.clear();
    tried.clear();
    if (!search.budget_left()) {
      skipped = true;
      break;
    }
    session::RunConfig first =
        search.With(session::Schedule::Search(RandomWalk(options.first_seed)));
    if (options.from != nullptr && !replayed) {
      // NB: the recorded run replays under its own sites; once the search learns more, its
      // epochs start from the random walk (the recording's decisions would be other ones).
      first.schedule = session::Schedule::Replay(options.from);
      first.replay_path = options.from_path;
      // NB: ends at its first divergence, as weft replay does: the run's divergence and its
      // pairs are the recorded order's, not those of what the program did past it.
      first.stop_on_divergence = true;
      first.memory_sites = options.from->header.memory_sites;
      replayed = true;
    }
    const bool from_run = first.schedule.kind == WEFT_SCHEDULE_REPLAY;
    auto root = run_traced(first);
    if (!root.ok())
      return search.interrupted() ? Result<ExploreResult>(search.Finish()) : root.error();
    // The recorded run, followed: the first divergence is the place to search around.
    uint64_t near = UINT64_MAX;
    if (from_run) {
      FromRun& f = search.result().from_run;
      const session::RunReport& r = root->first;
      f.ran = true;
      f.diverged = r.diverged;
      f.divergence_index = r.divergence_index;
      f.divergence = r.divergence;
      f.outcome = r.outcome;
      near = r.diverged ? r.divergence_index : r.decisions.size();
    }
    if (search.stop()) break;
    if (search.Adopt()) continue;  // its accesses to shared memory are points from now on
    queue.push_back({std::move(root->first.decisions), std::move(root->second)});
    while (!queue.empty() && search.budget_left() && !search.stop() && !search.learned()) {
      Pending run = std::move(queue.front());
      queue.pop_front();
      // Runs the run's first `at` decisions, then `choice`, unless that schedule was tried.
      auto reverse = [&](uint64_t at, uint16_t choice) -> Status {
        std::vector<uint16_t> key;
        key.reserve(at);
        for (uint64_t i = 0; i < at; ++i) key.push_back(run.decisions[i].tid);
        if (search.learned()) return Status::Ok();                 // the epoch ends: it starts over
        if (tried.count({key, choice}) != 0) return Status::Ok();  // never the same twice
        if (!search.budget_left()) {
          skipped = true;  // a reversal left untried: the search is not complete
          return Status::Ok();
        }
        tried.insert({key, choice});
        std::vector<session::Decision> prefix(run.decisions.begin(),
                                              run.decisions.begin() + static_cast<long>(at));
        auto next = run_traced(search.Guided(prefix, choice));
        if (!next.ok()) return next.error();
        queue.push_back({std::move(next->first.decisions), std::move(next->second)});
        return Status::Ok();
      };
      std::vector<analysis::Conflict> conflicts = analysis::FindConflicts(run.trace);
      if (near != UINT64_MAX) {
        // NB: the first run only: the pairs whose reversal lies nearest where it left the
        // recorded order first, those before it ahead of those after at equal distance.
        auto distance = [near](const analysis::Conflict& c) {
          return c.reversal <= near ? 2 * (near - c.reversal) : 2 * (c.reversal - near) - 1;
        };
        std::stable_sort(conflicts.begin(), conflicts.end(),
                         [&](const analysis::Conflict& a, const analysis::Conflict& b) {
                           return distance(a) < distance(b);
                         });
        near = UINT64_MAX;
      }
      for (const analysis::Conflict& c : conflicts) {
        if (search.stop()) break;
        uint64_t at = c.reversal;
        if (at >= run.decisions.size()) continue;
        const session::Decision& d = run.decisions[at];
        uint16_t other = static_cast<uint16_t>(c.second_tid);
        if (d.tid == other) continue;
        // DPOR: if the other thread cannot run there, any enabled thread might lead to it.
        std::vector<uint16_t> choices;
        if (d.IsEnabled(other)) {
          choices.push_back(other);
        } else {
          for (uint32_t t = 0; t < d.EnabledEnd(); ++t) {
            if (d.IsEnabled(t) && t != d.tid) choices.push_back(static_cast<uint16_t>(t));
          }
        }
        for (uint16_t choice : choices) {
          if (search.stop()) break;
          if (Status st = reverse(at, choice); !st.ok()) {
            if (search.interrupted()) return search.Finish();
            return st.error();
          }
        }
      }
      // A thread that could run at a decision but whose next operation never ran before the
      // run ended (it never started, or the program exited first): that operation is not in
      // the trace, so no pair names it, and it may conflict with anything after. Run it at
      // the first decision where it waited with it; its events then pair in that run.
      uint32_t threads = 0;
      for (const session::Decision& d : run.decisions) threads = std::max(threads, d.EnabledEnd());
      std::vector<int64_t> last(threads, -1);
      for (uint64_t i = 0; i < run.decisions.size(); ++i) {
        if (run.decisions[i].tid < threads) last[run.decisions[i].tid] = static_cast<int64_t>(i);
      }
      for (uint32_t u = 0; u < threads && !search.stop(); ++u) {
        for (uint64_t i = static_cast<uint64_t>(last[u] + 1); i < run.decisions.size(); ++i) {
          if (!run.decisions[i].IsEnabled(u)) continue;
          if (Status st = reverse(i, static_cast<uint16_t>(u)); !st.ok()) {
            if (search.interrupted()) return search.Finish();
            return st.error();
          }
          break;
        }
      }
    }
    if (search.stop() || !search.Adopt()) break;
    // NB: a run found sites this epoch did not have as points: the prefixes of its runs
    // would mean other schedules under the new sites, so the search starts over with them.
    skipped = false;
  }
  ExploreResult result = search.Finish();
  // NB: complete only if every candidate of every run was run (none skipped for budget)
  // under the final set of sites.
  result.complete = queue.empty() && !skipped && !search.learned() && result.failures.empty();
  return result;
}

}  // namespace weft::search
