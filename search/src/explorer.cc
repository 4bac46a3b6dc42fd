#include "weft/explorer.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <unordered_set>

#include "race_scan.h"
#include "weft/calibration.h"
#include "weft/digest.h"
#include "weft/outcome.h"
#include "weft/render.h"
#include "weft/strategy_registry.h"
#include "weft/trace_io.h"

namespace weft::search {
namespace {

double Now() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string ProgramName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The CPUs this process may run on, in order: worker i pins its runs to the i-th.
std::vector<int> AllowedCpus() {
  std::vector<int> cpus;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    for (int c = 0; c < CPU_SETSIZE; ++c) {
      if (CPU_ISSET(c, &set)) cpus.push_back(c);
    }
  }
  if (cpus.empty()) cpus.push_back(-1);
  return cpus;
}

// Adds `more` to the ascending set `sites`.
void AddSites(std::vector<uint64_t>* sites, const std::vector<uint64_t>& more) {
  if (more.empty()) return;
  std::vector<uint64_t> merged;
  merged.reserve(sites->size() + more.size());
  std::set_union(sites->begin(), sites->end(), more.begin(), more.end(),
                 std::back_inserter(merged));
  *sites = session::SortedSites(std::move(merged));
}

struct Slot {
  bool done = false;
  session::RunReport report;
  std::optional<Failure> failure;
  std::string race_trace;  // check_races: the run's kept trace when it raced
  std::string error;
  bool skipped = false;  // --shard: another shard's run (made only to learn its sites, or not)
  uint64_t seed = 0;     // the seed its chooser ran with
};

// A kept failure recorded without stacks, run again exactly (its schedule, clocks, stdin
// and files) with stacks. When the replay reproduced it (the comparison of `weft replay`:
// no divergence, the same event digest and the same outcome), its trace replaces the kept
// one at `path` (the same events, now with stacks and symbols; its header names the
// schedule that made them) and the result is true; else `path` is left as it was.
Result<bool> ReplayWithStacks(const ExploreOptions& options, const session::RunConfig& run,
                              const format::Trace& kept, const std::string& path,
                              std::string* why) {
  std::string part = path + ".stacks.part";
  std::string part_output = part + ".out";
  // NB: its output goes to a file, as the run's did, so that the trace captures it too.
  int out = open(part_output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0) {
    return MakeError("cannot write '" + part_output + "': " + std::strerror(errno));
  }
  session::RunConfig config = run;
  config.schedule = session::Schedule::Replay(&kept);
  config.schedule_header = &kept.header;
  config.replay_path.clear();
  config.stack_depth = options.failure_stack_depth;
  config.stop_on_divergence = true;
  config.record_decisions = false;
  config.realtime_base_ns = kept.header.realtime_base_ns;
  config.monotonic_base_ns = kept.header.monotonic_base_ns;
  config.trace_path = part;
  config.keep_trace = session::RunConfig::KeepTrace::kAlways;
  config.stdout_fd = out;
  config.stderr_fd = out;
  Result<session::RunReport> report = session::RunProgram(config);
  close(out);
  unlink(part_output.c_str());
  const bool same = report.ok() && report->interrupted_by == 0 && !report->diverged &&
                    report->event_digest == analysis::DigestOf(kept) &&
                    (!kept.has_outcome || analysis::SameFailure(report->outcome, kept.outcome));
  if (!same) {
    unlink(part.c_str());
    // What differed, so that the user is told what weft could not do, not just that.
    if (!report.ok()) {
      *why = "it did not run: " + report.error().message;
    } else if (report->interrupted_by != 0) {
      *why = "it was interrupted";
    } else if (report->diverged) {
      *why = "it diverged at " + report->divergence;
    } else if (report->events != kept.events.size()) {
      *why = "it made " + std::to_string(report->events) + " events where the run made " +
             std::to_string(kept.events.size());
    } else if (report->event_digest != analysis::DigestOf(kept)) {
      *why = "its " + std::to_string(report->events) + " events differ from the run's";
    } else {
      *why = "it ended otherwise: " + format::DescribeOutcome(report->outcome);
    }
    return false;
  }
  if (rename(part.c_str(), path.c_str()) != 0) {
    return MakeError("cannot keep the failing run's replay as '" + path +
                     "': " + std::strerror(errno));
  }
  return true;
}

}  // namespace

uint64_t MemoryEpoch(uint64_t i) {
  constexpr uint64_t kEpochRuns = 16;
  if (i >= kEpochRuns) return i - i % kEpochRuns;
  if (i == 0) return 0;
  uint64_t start = 1;
  while (start * 2 <= i) start *= 2;
  return start;
}

Status CreateDirectories(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string prefix = dir.substr(0, pos);
    if (mkdir(prefix.c_str(), 0777) != 0 && errno != EEXIST) {
      return MakeError("cannot create the output directory '" + prefix +
                       "': " + std::strerror(errno));
    }
  }
  struct stat st;
  if (!dir.empty() && (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))) {
    return MakeError("cannot use '" + dir + "' as the output directory: it is not a directory");
  }
  return Status::Ok();
}

namespace {

// Writes what the file on `fd` holds (from its start) to a new file at `path` (readable by
// its owner only, as a trace is).
Status CopyToFile(int fd, const std::string& path) {
  int to = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (to < 0) return MakeError("cannot write '" + path + "': " + std::strerror(errno));
  std::string why;
  char buf[65536];
  for (off_t at = 0;;) {
    ssize_t n = pread(fd, buf, sizeof(buf), at);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) why = std::strerror(errno);
    if (n <= 0) break;
    at += n;
    for (ssize_t done = 0; done < n && why.empty();) {
      ssize_t m = write(to, buf + done, static_cast<size_t>(n - done));
      if (m < 0 && errno == EINTR) continue;
      if (m <= 0) why = m < 0 ? std::strerror(errno) : "short write";
      if (m > 0) done += m;
    }
    if (!why.empty()) break;
  }
  if (close(to) != 0 && why.empty()) why = std::strerror(errno);
  if (!why.empty()) return MakeError("cannot write '" + path + "': " + why);
  return Status::Ok();
}

}  // namespace

Result<session::RunReport> RunKeepingFailure(const ExploreOptions& options,
                                             session::RunConfig config, uint64_t run,
                                             const std::string& name,
                                             std::optional<Failure>* failure,
                                             std::string* race_trace) {
  failure->reset();
  if (race_trace != nullptr) race_trace->clear();
  std::string trace = options.out_dir + "/" + ProgramName(config.executable) + "-" + name + ".weft";
  // NB: written under a name of its own while it runs (parallel runs never share one) and
  // renamed only when the run failed, so a kept trace is always a complete failing run.
  std::string part = trace + ".part";
  std::string output_path = trace + ".out";
  // NB: the run's output and (unless the caller names it) its trace are in memory until the
  // run is kept: a passing run, the common one, creates no file (on ext4 a file created and
  // removed for every run cost more than a tenth of a millisecond of a forked run).
  int out = static_cast<int>(memfd_create("weft-output", MFD_CLOEXEC));
  if (out < 0) {
    return MakeError("cannot make a file for the run's output: " +
                     std::string(std::strerror(errno)));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { close(fd); }
  } out_closer{out};
  // A caller that reads every run's trace (the conflicts search) names it; else the trace
  // is kept only if the run fails.
  const std::string wanted = config.trace_path;
  config.stack_depth = options.stack_depth;
  config.trace_path = wanted.empty() ? part : wanted;
  config.keep_trace = wanted.empty() ? session::RunConfig::KeepTrace::kIfFailedOrDiverged
                                     : session::RunConfig::KeepTrace::kAlways;
  if (options.check_races) {
    config.stack_depth = std::max(config.stack_depth, kRaceStackDepth);
    if (wanted.empty()) config.keep_trace = session::RunConfig::KeepTrace::kIfFailedDivergedOrRaced;
  }
  config.stdout_fd = out;
  config.stderr_fd = out;
  Result<session::RunReport> report = session::RunProgram(config);
  if (report.ok() && options.check_races && !wanted.empty() && report->interrupted_by == 0) {
    // The caller's trace is kept anyway: its races are read from it.
    Result<format::Trace> t = format::ReadTrace(wanted, format::ReadOptions{true});
    if (t.ok()) report->races = analysis::FindRaces(t.value()).size();
  }
  const bool race_failure = report.ok() && options.fail_on_race && report->races > 0;
  if (report.ok() && !report->failed() && !race_failure && report->races > 0 &&
      report->interrupted_by == 0 && race_trace != nullptr) {
    // A passing run with a data race: its trace is kept for the race reports.
    std::string kept =
        options.out_dir + "/" + ProgramName(config.executable) + "-race-" + name + ".weft";
    if (wanted.empty()) {
      if (rename(part.c_str(), kept.c_str()) != 0) {
        return MakeError("cannot keep the racing run's trace as '" + kept +
                         "': " + std::strerror(errno));
      }
    } else {
      std::ifstream in(wanted, std::ios::binary);
      std::ofstream copy(kept, std::ios::binary | std::ios::trunc);
      copy << in.rdbuf();
      if (!copy.good()) return MakeError("cannot copy the racing run's trace to '" + kept + "'");
    }
    *race_trace = kept;
    return report;
  }
  if (!report.ok() || (!report->failed() && !race_failure) || report->interrupted_by != 0) {
    // (a dropped trace in memory left no file)
    if (wanted.empty() && (!report.ok() || !report->trace_path.empty())) unlink(part.c_str());
    return report;
  }
  if (!wanted.empty()) {
    std::ifstream in(wanted, std::ios::binary);
    std::ofstream copy(part, std::ios::binary | std::ios::trunc);
    copy << in.rdbuf();
    if (!copy.good()) {
      return MakeError("cannot copy the failing run's trace to '" + part + "'");
    }
  }
  if (rename(part.c_str(), trace.c_str()) != 0) {
    return MakeError("cannot keep the failing run's trace as '" + trace +
                     "': " + std::strerror(errno));
  }
  if (Status s = CopyToFile(out, output_path); !s.ok()) return s.error();
  report->trace_path = trace;
  std::string stacks_why;
  std::string stacks = config.stack_depth != 0            ? kStacksRecorded
                       : options.failure_stack_depth == 0 ? kStacksNone
                                                          : "";
  Result<format::Trace> kept = format::ReadTrace(trace);
  if (stacks.empty()) {
    stacks = kStacksNotReproduced;
    if (kept.ok()) {
      Result<bool> again = ReplayWithStacks(options, config, kept.value(), trace, &stacks_why);
      if (!again.ok()) return again.error();
      if (again.value()) {
        stacks = kStacksReplayed;
        kept = format::ReadTrace(trace);
      }
    }
  }
  Failure f;
  f.run = run;
  f.seed = config.schedule.strategy.header.seed;
  f.strategy = config.schedule.strategy.name;
  f.trace = trace;
  f.outcome = report->outcome;
  f.output = ReadFile(output_path);
  f.stacks = stacks;
  f.stacks_why = stacks_why;
  if (kept.ok()) {
    f.outcome = kept->outcome;  // with the symbols FinishTrace added
    f.signature = FailureSignature(kept.value());
  } else {
    f.signature = format::DescribeOutcome(report->outcome);
  }
  f.race = race_failure && !report->failed();
  if (f.race) f.signature = "data race";
  *failure = std::move(f);
  if (race_trace != nullptr && report->races > 0) *race_trace = trace;
  return report;
}

std::string FailureSignature(const format::Trace& trace) {
  using K = format::Outcome::Kind;
  const format::Outcome& o = trace.outcome;
  std::string text;
  switch (o.kind) {
    case K::kExited:
      text = "exit code " + std::to_string(o.exit_code);
      break;
    case K::kSignaled:
      text = "killed by " + format::DescribeSignal(o.signal);
      break;
    default:
      text = format::OutcomeKindName(o.kind);
      break;
  }
  if (o.crash) {
    for (uint32_t id : o.crash->frames) {
      if (id < trace.frames.size() && !trace.frames[id].function.empty()) {
        text += " in " + format::DescribeFrame(trace.frames[id]);
        break;
      }
    }
  }
  if (o.kind == K::kDeadlock) {
    std::vector<std::string> waits;
    for (const format::BlockedThread& b : o.blocked) {
      // NB: objects by symbol (or kind), not by id: ids follow first use, which changes
      // with the schedule.
      std::string object;
      if (b.obj != 0 && b.obj < trace.objects.size()) {
        const format::Object& obj = trace.objects[b.obj];
        object = obj.symbol.empty() ? format::ObjectKindName(obj.kind) : obj.symbol;
      }
      std::string w = std::string(format::EventKindName(b.kind)) + " " + object;
      std::string where = format::DescribeLocation(trace, b.stack);
      if (!where.empty()) w += " at " + where;
      waits.push_back(std::move(w));
    }
    // Thread numbers are left out: the same deadlock between threads created in another
    // order is the same failure.
    std::sort(waits.begin(), waits.end());
    for (size_t i = 0; i < waits.size(); ++i) text += (i == 0 ? ": " : "; ") + waits[i];
  }
  return text;
}

std::vector<FailureGroup> GroupFailures(const std::vector<Failure>& failures) {
  std::vector<FailureGroup> groups;
  for (const Failure& f : failures) {
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const FailureGroup& g) { return g.signature == f.signature; });
    if (it == groups.end()) {
      FailureGroup g;
      g.signature = f.signature;
      g.trace = f.trace;
      groups.push_back(std::move(g));
      it = groups.end() - 1;
    }
    ++it->count;
    it->runs.push_back(f.run);
  }
  return groups;
}

Result<ExploreResult> Search(const ExploreOptions& options, const ExploreProgress& progress) {
  const StrategyInfo& strategy =
      options.strategy != nullptr ? *options.strategy : DefaultStrategy();
  if (Status s = CheckArgs(strategy, options.args); !s.ok()) return s.error();
  if (options.shard_count > 1 && !IsSeeded(strategy)) {
    std::string seeded;
    for (const StrategyInfo& s : StrategyRegistry()) {
      if (IsSeeded(s)) seeded += (seeded.empty() ? "" : ", ") + s.name;
    }
    return MakeError("--shard is for the seeded strategies (" + seeded + "): " + strategy.name +
                     " searches one tree, each run following from the runs before it, which "
                     "separate machines cannot split; run it on one machine (-j N runs side by "
                     "side)");
  }
  Result<ExploreResult> result = strategy.search(options, progress);
  if (!result.ok()) return result;
  result->coverage =
      Coverage(strategy, WithDefaults(strategy, result->args), result->memory_events != 0,
               result->memory_sites.size(), result->memory_instrumented);
  if (result->interp_points != 0) result->coverage += kInterpCoverage;
  if (!strategy.exhaustive) result->complete = false;  // no claim to make
  return result;
}

Result<ExploreResult> Explore(const ExploreOptions& options, const ExploreProgress& progress) {
  if (Status s = CreateDirectories(options.out_dir); !s.ok()) return s.error();
  const StrategyInfo& strategy =
      options.strategy != nullptr ? *options.strategy : DefaultStrategy();
  if (!IsSeeded(strategy)) {
    return MakeError("strategy " + strategy.name + " is not a seeded search");
  }
  int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (devnull < 0) return MakeError("cannot open /dev/null");
  std::vector<int> cpus = AllowedCpus();
  ExploreResult result;
  double start = Now();

  session::RunConfig base = options.base;
  base.stack_depth = 0;  // the calibration run: no stacks, no trace
  base.trace_path.clear();
  base.stdout_fd = devnull;
  base.stderr_fd = devnull;
  result.args = WithDefaults(strategy, options.args);
  std::vector<uint64_t> start_sites = session::SortedSites(base.memory_sites);
  if (NeedsCalibration(strategy, result.args)) {
    // Parameters learned from one calibration run (pct's k, surw's estimates): a random
    // walk with kCalibrationSeed, so that results do not depend on -j nor on the seeds. When that
    // run finds memory access sites, they are learned from a second one that makes them schedule
    // points, as the search's runs do.
    for (int attempt = 0; attempt < 2; ++attempt) {
      session::RunConfig calibration = base;
      calibration.memory_sites = start_sites;
      calibration.cpu = cpus[0];
      Result<CalibrationRun> r = Calibrate(calibration, kCalibrationSeed);
      if (!r.ok()) {
        close(devnull);
        return r.error();
      }
      if (!r->controlled) {
        close(devnull);
        return MakeError("weft's shim never took control of '" + base.executable + "'");
      }
      StrategyArgs learned = WithDefaults(strategy, options.args);
      strategy.learn(r.value(), &learned);
      result.args = learned;
      size_t known = start_sites.size();
      AddSites(&start_sites, r->memory_sites_found);
      if (start_sites.size() == known) break;
    }
  }

  std::vector<Slot> slots(options.runs);
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> stop_after{UINT64_MAX};  // index of the first failure (no keep-going)
  std::atomic<uint64_t> finished{0};
  std::atomic<int> interrupted{0};     // a signal that stopped the search (Ctrl-C)
  std::mutex mu;                       // guards slots[*] writes visibility, progress calls
  std::condition_variable epoch_done;  // signalled when a run finishes (mu)
  uint64_t done_prefix = 0;            // runs 0..done_prefix-1 are done (mu)
  // Memory access sites of each epoch's runs: the start sites and those found by every run
  // before the epoch (mu), by the epoch's first run.
  std::map<uint64_t, std::vector<uint64_t>> epoch_sites;
  const uint64_t shards = std::max<uint64_t>(options.shard_count, 1);
  if (options.shard_index >= shards) {
    close(devnull);
    return MakeError("--shard " + std::to_string(options.shard_index) + "/" +
                     std::to_string(shards) + ": the index is 0.." + std::to_string(shards - 1));
  }
  auto owned = [&](uint64_t i) { return i % shards == options.shard_index; };
  // The runs this search makes: its own, and the learning prefix's for their sites.
  auto made = [&](uint64_t i) { return owned(i) || (options.shard_learns && i < kLearningRuns); };
  auto learning_epoch = [](uint64_t i) { return std::min(MemoryEpoch(i), kLearningRuns); };
  auto sites_for = [&](uint64_t i) -> std::vector<uint64_t> {
    // NB: under mu, with every run before the epoch done.
    uint64_t epoch = learning_epoch(i);
    auto it = epoch_sites.find(epoch);
    if (it != epoch_sites.end()) return it->second;
    std::vector<uint64_t> sites = start_sites;
    for (uint64_t j = 0; j < epoch; ++j) AddSites(&sites, slots[j].report.memory_sites_found);
    epoch_sites[epoch] = sites;
    return sites;
  };

  auto worker = [&](uint32_t w) {
    int cpu = cpus[w % cpus.size()];
    for (;;) {
      uint64_t i = next.fetch_add(1);
      if (i >= options.runs || i > stop_after.load() || interrupted.load() != 0) return;
      if (!made(i)) {
        // Another shard's run: done, as far as the epochs here are concerned.
        std::lock_guard<std::mutex> lock(mu);
        slots[i].done = true;
        slots[i].skipped = true;
        while (done_prefix < options.runs && slots[done_prefix].done) ++done_prefix;
        epoch_done.notify_all();
        continue;
      }
      session::RunConfig config = base;
      // NB: from the run's number alone, so that -j and shards do not change it.
      session::Strategy chooser = ChooserForRun(strategy, result.args, options.first_seed, i);
      const uint64_t seed = chooser.header.seed;
      // A portfolio's members share seeds: its traces are named by member too.
      const std::string name =
          (strategy.for_run != nullptr ? chooser.name + "-" : "") + "seed" + std::to_string(seed);
      {
        // The run's memory sites come from the runs before its epoch: wait for them.
        std::unique_lock<std::mutex> lock(mu);
        epoch_done.wait(lock, [&] {
          return done_prefix >= learning_epoch(i) || i > stop_after.load() ||
                 interrupted.load() != 0;
        });
        if (i > stop_after.load() || interrupted.load() != 0) return;
        config.memory_sites = sites_for(i);
      }
      config.schedule = session::Schedule::Search(std::move(chooser));
      config.cpu = cpu;
      Slot slot;
      slot.seed = seed;
      // Every run writes its trace while it runs; a failing run's own trace is kept.
      Result<session::RunReport> report =
          RunKeepingFailure(options, config, i + 1, name, &slot.failure, &slot.race_trace);
      if (!report.ok()) {
        slot.error = report.error().message;
      } else if (i == 0 && !report->controlled) {
        slot.error = "weft's shim never took control of '" + config.executable +
                     "' (did it drop LD_PRELOAD, or is it a script that starts the real "
                     "program?); exploring it would only rerun it uncontrolled";
      } else if (report->interrupted_by != 0) {
        // The user stopped the search: this run was cut short, it is no result.
        interrupted.store(report->interrupted_by);
        uint64_t cur = stop_after.load();
        while (i < cur && !stop_after.compare_exchange_weak(cur, i)) {
        }
        std::lock_guard<std::mutex> lock(mu);
        epoch_done.notify_all();
        return;
      } else {
        slot.report = std::move(report.value());
        if (slot.failure && !options.keep_going) {
          uint64_t cur = stop_after.load();
          while (i < cur && !stop_after.compare_exchange_weak(cur, i)) {
          }
        }
      }
      if (!slot.error.empty() && !options.keep_going) {
        uint64_t cur = stop_after.load();
        while (i < cur && !stop_after.compare_exchange_weak(cur, i)) {
        }
      }
      std::lock_guard<std::mutex> lock(mu);
      slot.done = true;
      slot.skipped = !owned(i);
      uint64_t done = finished.fetch_add(1) + 1;
      if (progress && slot.error.empty() && owned(i)) progress(done, i + 1, seed, slot.report);
      slots[i] = std::move(slot);
      while (done_prefix < options.runs && slots[done_prefix].done) ++done_prefix;
      epoch_done.notify_all();
    }
  };

  uint32_t jobs = std::max<uint32_t>(1, options.jobs);
  std::vector<std::thread> threads;
  for (uint32_t w = 1; w < jobs; ++w) threads.emplace_back(worker, w);
  worker(0);
  for (std::thread& t : threads) t.join();
  close(devnull);

  // NB: results are read in seed order, so they are the same whatever -j was.
  std::unordered_set<uint64_t> schedules;
  internal::RaceLedger ledger;
  result.races_checked = options.check_races;
  result.interrupted_by = interrupted.load();
  result.executed = finished.load();
  uint64_t i = 0;
  auto drop_traces = [](Slot& slot) {
    // A run made for another shard's sake: its traces are that shard's to keep.
    if (slot.failure) {
      unlink(slot.failure->trace.c_str());
      unlink((slot.failure->trace + ".out").c_str());
    }
    if (!slot.race_trace.empty()) unlink(slot.race_trace.c_str());
  };
  for (; i < options.runs; ++i) {
    Slot& slot = slots[i];
    if (!slot.done) break;
    if (!slot.error.empty()) return MakeError(slot.error);
    if (slot.skipped) {
      const bool ran = slot.failure || slot.report.events != 0;
      if (ran) ++result.learning_runs;
      AddSites(&start_sites, slot.report.memory_sites_found);
      if (slot.failure) {
        drop_traces(slot);
        if (!options.keep_going) {
          result.stopped_at_foreign_failure = i + 1;
          break;
        }
      }
      continue;
    }
    ++result.runs;
    if (slot.report.forked) ++result.forked_runs;
    if (slot.report.forked && slot.report.fork_late) ++result.forked_late_runs;
    if (result.spawn_note.empty()) result.spawn_note = slot.report.spawn_note;
    result.total_events += slot.report.events;
    result.memory_instrumented = result.memory_instrumented || slot.report.memory_instrumented;
    result.memory_foreign_heap = result.memory_foreign_heap || slot.report.memory_foreign_heap;
    result.memory_events += slot.report.memory_events;
    result.interp_points += slot.report.interp_points;
    if (!result.atomic.scanned || slot.report.atomic.reached) {
      const bool reached = result.atomic.reached;
      result.atomic = slot.report.atomic;
      result.atomic.reached = reached || slot.report.atomic.reached;
    }
    AddSites(&start_sites, slot.report.memory_sites_found);
    result.max_threads = std::max(result.max_threads, slot.report.threads);
    schedules.insert(slot.report.event_digest);
    if (!slot.race_trace.empty()) {
      bool is_failure = slot.failure && slot.failure->trace == slot.race_trace;
      Result<uint64_t> added = ledger.Add(i + 1, slot.seed, slot.race_trace, &result);
      if (!added.ok()) return added.error();
      // A passing run whose races were all reported by earlier runs: nothing to keep.
      if (added.value() == 0 && !is_failure) unlink(slot.race_trace.c_str());
    }
    if (slot.failure) {
      if (result.first_failure_run == 0) result.first_failure_run = i + 1;
      result.failures.push_back(std::move(*slot.failure));
      if (!options.keep_going) break;
    }
  }
  // Other workers may have failed past the first failure: -j 1 would not have run those
  // seeds, so they are not results, but they happened (and progress said so): their traces
  // are kept and listed apart.
  for (++i; i < options.runs; ++i) {
    if (slots[i].skipped) {
      drop_traces(slots[i]);
      continue;
    }
    if (slots[i].failure) result.later_failures.push_back(std::move(*slots[i].failure));
    bool is_failure = slots[i].failure && slots[i].failure->trace == slots[i].race_trace;
    if (!slots[i].race_trace.empty() && !is_failure) unlink(slots[i].race_trace.c_str());
  }
  result.groups = GroupFailures(result.failures);
  result.distinct_schedules = schedules.size();
  result.memory_sites = std::move(start_sites);
  result.wall_seconds = Now() - start;
  return result;
}

}  // namespace weft::search
