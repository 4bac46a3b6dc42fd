// run.h — one controlled run of a program: create the session, start the program under
// the launcher with the shim, drain the event ring into a trace while it runs, and
// finish the trace with symbols and the outcome. Used by record, replay and explore.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "weft/result.h"
#include "weft/schedule_stats.h"
#include "weft/shim_abi.h"
#include "weft/trace.h"

namespace weft::session {

// A deviation from the non-preemptive default: when thread `current` reaches a schedule
// point after `done` events of its own, run `tid` (if it can run).
struct PlanStep {
  uint16_t current = 0;
  uint64_t done = 0;
  uint16_t tid = 0;
};

// One scheduling decision of a run (recorded when RunConfig::record_decisions is set).
struct Decision {
  uint16_t tid = 0;               // the thread that ran
  uint16_t current = 0;           // the thread that reached the schedule point
  std::vector<uint64_t> enabled;  // bit t: thread t could have run (every thread, up to
                                  // WEFT_MAX_THREADS; words past the last enabled one omitted)
  int32_t signal_woken = -1;      // a condition signal's chosen waiter, -1 if none
  bool IsEnabled(uint32_t t) const {
    return t / 64 < enabled.size() && (enabled[t / 64] >> (t % 64)) & 1;
  }
  // Marks thread t as enabled.
  void SetEnabled(uint32_t t) {
    if (t / 64 >= enabled.size()) enabled.resize(t / 64 + 1, 0);
    enabled[t / 64] |= 1ull << (t % 64);
  }
  // How many threads could have run.
  uint32_t EnabledCount() const {
    uint32_t n = 0;
    for (uint64_t w : enabled) n += static_cast<uint32_t>(__builtin_popcountll(w));
    return n;
  }
  // Upper bound (exclusive) of the enabled tids, for loops over them.
  uint32_t EnabledEnd() const { return static_cast<uint32_t>(enabled.size() * 64); }
  // Running another thread while the current one could have gone on.
  bool preemption() const { return analysis::IsPreemption(current, tid, IsEnabled(current)); }
};

// A chooser of the scheduling layer (sched/) with its parameters: what the shim builds,
// and how the trace header records it. Made at the edge, from the strategy registry
// (search/); the session only passes it on.
struct Strategy {
  std::string name;           // "random": Header.strategy, or the tail of a guided run
  weft_strategy_spec spec{};  // sched::MakeStrategySpec<Chooser>(params)
  // The strategy's part of the header's schedule: kind (for a search), seed and every
  // parameter needed to run it again.
  format::ScheduleSpec header;
};

// How one run is scheduled: a kind of the ABI's weft_schedule_spec and what that kind
// needs. Build it with the functions below.
struct Schedule {
  weft_schedule_kind kind = WEFT_SCHEDULE_SEARCH;
  // SEARCH: makes every decision. GUIDED, PLAN: decides past the script and around the
  // plan. REPLAY: unused.
  Strategy strategy;
  // REPLAY: the trace to follow exactly (anything else is a divergence). GUIDED: a trace
  // whose first `prefix` events are followed, checked (else `script`, unchecked).
  const format::Trace* trace = nullptr;
  uint64_t prefix = UINT64_MAX;
  std::vector<Decision> script;  // GUIDED without a trace: the decisions to follow
  int forced_tid = -1;           // GUIDED: run this thread once after the script
  std::vector<PlanStep> plan;    // PLAN: the deviations
  // A trace whose recorded inputs (Header::inputs_recorded: clock reads, random bytes, reads
  // from outside) the run is fed, each thread its own in order, whatever the kind (explore
  // --from's runs); nullptr: a REPLAY is fed those of `trace`, other kinds none.
  const format::Trace* inputs = nullptr;

  // The trace the run is fed recorded inputs from, or nullptr (none, or it recorded none).
  const format::Trace* FedInputs() const;

  // The strategy makes every decision.
  static Schedule Search(Strategy strategy);
  // Follow `trace` exactly.
  static Schedule Replay(const format::Trace* trace);
  // Follow the first `prefix` events of `trace` (checked), run `forced_tid` once if >= 0,
  // then `tail`.
  static Schedule GuidedByTrace(const format::Trace* trace, uint64_t prefix, int forced_tid,
                                Strategy tail);
  // Follow `script` (threads and wake-ups, unchecked), then `tail`.
  static Schedule Guided(std::vector<Decision> script, Strategy tail);
  // `tail`, except at the plan's deviations.
  static Schedule Plan(std::vector<PlanStep> plan, Strategy tail);
};

// Events without progress after which a run is judged a livelock (RunConfig::progress_window).
inline constexpr uint32_t kDefaultProgressWindow = 100000;

// A replay held before an event for a debugger (RunConfig::hold).
struct HeldProgram {
  int pid = 0;  // the root process, no longer traced by weft
  // The kernel tid of each thread the shim reported, by weft tid.
  std::vector<std::pair<uint32_t, uint32_t>> os_tids;
  // Lets the held thread go on (call it once the debugger has stopped the program: the
  // program then runs on, still scheduled by the trace, when the debugger resumes it).
  std::function<void()> release;
  // Call about every 10 ms while the debugger has the program: it drops what the program
  // writes into weft's event ring after the hold (not recorded), so the program never waits
  // for room there.
  std::function<void()> poll;
};

// A flight recording's window written to a file (RunConfig::ring_bytes).
struct RingDump {
  std::string path;
  uint32_t dump = 0;         // 0: at the end of the run; n: the nth on demand
  uint64_t first_event = 0;  // the run's index of its first event (events dropped before it)
  uint64_t events = 0;       // events in the window
  uint64_t inputs = 0;       // recorded inputs in the window
  uint64_t dropped_inputs = 0;
  uint64_t bytes = 0;  // the file's size
  std::string error;   // why it could not be written ("" = it was)
};

// Where the nth dump on demand of a flight recording goes: `base` with ".n" before its
// extension (run.weft → run.1.weft; a name without an extension gets ".n" appended).
std::string RingDumpPath(const std::string& base, uint32_t n);

struct RunConfig {
  std::vector<std::string> argv;  // as the program sees it
  std::string executable;         // resolved path (launcher::ResolveProgram)
  std::vector<std::string> env;   // the program's environment, "K=V" (without weft's)
  // Which variables the trace stores as name and digest only (weft/trace_env.h): the
  // secret-looking ones, less `keep_env`, plus `redact_env`. The program gets every value.
  std::vector<std::string> keep_env;
  std::vector<std::string> redact_env;
  std::string shim_path;  // libweft_preload.so
  std::string cwd;        // the program's working directory ("" = weft's own)
  Schedule schedule;      // how the run is scheduled (no default strategy: set it)
  // A free recording (weft record --free, WEFT_MODE_FREE): the threads run in parallel,
  // unscheduled, and the order of their synchronization events is recorded; `schedule` is
  // not followed (a replay of the trace follows that order). No stacks, decisions, atomic
  // or memory sites, step or progress limits: the run costs what the events cost.
  bool free_mode = false;
  // A flight recording (weft record --free --ring SIZE; free_mode only, > 0): the run's
  // trace stays in memory, its events and inputs bounded to the last `ring_bytes` of their
  // encoding (format::TraceWriter::CreateWindow), and reaches `trace_path` only if the
  // program fails (RunReport::failed). Each time `ring_dump_requested` (polled as the run
  // goes, every millisecond or so) returns true, the window so far is written to the first
  // RingDumpPath(trace_path, k) that does not exist yet (k = 1, 2, …: an earlier run's dumps
  // are never overwritten), the program going on; `ring_dumped` hears of each dump (both
  // may be empty).
  uint64_t ring_bytes = 0;
  // A free recording's deadlock watchdog (free_mode only; 0 = none): once the run has
  // recorded no event for this many seconds while every thread of the program sat in a
  // futex wait without timeout (a mutex lock, a condition, semaphore or join wait: what
  // only another of its threads could end), the program is killed and the outcome is a
  // deadlock (kDeadlock, its message saying so, no blocked list: a free recording does not
  // know what each thread waits for). Looked at every 250 ms.
  double watchdog_seconds = 0;
  std::function<bool()> ring_dump_requested;
  std::function<void(const RingDump&)> ring_dumped;
  int64_t stop_before = -1;  // >= 0: stop before this event, report every thread
  // With stop_before: instead of ending the program there, hold it (every thread waits in
  // the shim, the one about to perform event stop_before holding the turn), detach ptrace
  // and call this; the program is killed when it returns. The trace and outcome are
  // --stop-at's (kStopped, every thread's pending operation and stack).
  std::function<void(const HeldProgram&)> hold;
  // End the run at its first divergence, reporting every thread (outcome kStopped with
  // `diverged`); false lets the program go on past it (weft replay sets it unless
  // --continue-after-divergence).
  bool stop_on_divergence = false;
  bool record_decisions = false;  // fill RunReport::decisions
  uint32_t stack_depth = 32;      // 0 = no stacks
  double timeout_seconds = 0;     // 0 = none
  uint64_t max_steps = 0;         // 0 = unlimited
  // Livelock: the run fails after this many events in a row without progress (only yields,
  // sleeps, timeouts, failed tries and empty probes, in every thread); 0 = never.
  uint32_t progress_window = kDefaultProgressWindow;
  int cpu = -1;  // CPU to pin the controlled process to
  // true: the launcher's SIGCHLD/SIGINT/SIGTERM/SIGHUP handlers are installed during the run
  // (launcher::SpawnOptions::handle_signals); false: signal handling is the caller's.
  bool handle_signals = true;
  int stdout_fd = -1;  // -1 = inherit
  int stderr_fd = -1;
  // The program's stdin, whole (recorded in the trace; each run reads it from the start);
  // nullptr = inherit weft's (not recorded).
  std::shared_ptr<const std::string> stdin_data;
  // A private view of the files (launcher::SpawnOptions::isolate): an overlay over the
  // working directory and /tmp, writes discarded with the run. Recorded in the header.
  bool isolate = false;
  // With a trace: the bytes of stdout and of stderr kept in it (each), when the stream is a
  // file, a pipe or a socket (a terminal is left to the program and not captured).
  uint64_t output_cap = 1u << 20;
  std::string trace_path;  // "" = keep no trace (explore's fast runs)
  // With a trace: which runs keep it. A trace not kept is removed at the end of the run
  // without symbolizing it, so a run that drops its trace costs little more than writing
  // its events (explore writes every run's trace while it runs and keeps the failing ones,
  // never re-running them; replay keeps the trace of a replay that diverged).
  enum class KeepTrace {
    kAlways,
    kIfFailedOrDiverged,  // analysis::IsFailure, or RunReport::diverged
    kIfDiverged,
    // As kIfFailedOrDiverged, and also when the run has a data race (analysis/race.h, read
    // from the trace before the decision): RunReport::races.
    kIfFailedDivergedOrRaced,
  };
  KeepTrace keep_trace = KeepTrace::kAlways;
  std::string replay_path;  // the file of schedule.trace (recorded in the new header)
  // A replay that stands in for the run it replays (explore's kept failure, run again with
  // stacks): the new header keeps this header's strategy, schedule and seed, so it says what
  // schedule made the events, not "replay". nullptr = the header describes `schedule`.
  const format::Header* schedule_header = nullptr;
  // Memory access sites (absolute pcs) whose instrumented accesses are schedule points
  // (weft cc builds): learned from the memory_sites_found of earlier runs, or a trace's
  // Header::memory_sites to replay it. Sorted and capped at WEFT_MAX_MEMORY_SITES by the run.
  std::vector<uint64_t> memory_sites;
  // Where CPython's interpreter points fall when no trace's script says (the shim's
  // interp_points.h); 0: the followed trace's (Header::interp_phase), else one of the strategy's.
  uint64_t interp_phase = 0;
  // Make the atomic read-modify-write instructions of the program's executable and its
  // non-system libraries schedule points (launcher/atomic_scan.h; the shim patches them with
  // jumps). Off: `weft record --no-atomic-sites`.
  bool atomic_sites = true;
  uint64_t realtime_base_ns = 0;   // 0 = now
  uint64_t monotonic_base_ns = 0;  // 0 = now
  // How the program's process starts. kExec: spawned and exec'd for this run. kFork: forked
  // from a fork server, the program started once per calling thread and stopped by the shim
  // at the start of its main (docs/fork_server.md): the same run without the exec, the
  // dynamic loading and the shim's start-up. A run kFork cannot serve is exec'd: silently
  // when it captures stacks or stops at an event (--stop-at, a debugger's hold), with
  // RunReport::spawn_note when the program is not fork-safe at main (threads or descriptors
  // of its own there, or scheduled work in its constructors) or its server cannot start (or
  // does not reach main within timeout_seconds).
  enum class Spawn { kExec, kFork };
  Spawn spawn = Spawn::kExec;
};

// A module whose atomic instructions were looked at (launcher/atomic_scan.h).
struct AtomicModuleSummary {
  std::string path;
  uint64_t atomics = 0;        // atomic read-modify-write instructions with a memory operand
  uint64_t thread_local_ = 0;  // of those, fs/gs-relative: not listed (never shared)
  uint64_t unpatchable = 0;    // of those, not patchable with a jump (not listed)
  uint64_t listed = 0;         // sites the session listed for the shim
};

// Atomic instructions of uninstrumented code as schedule points (RunConfig::atomic_sites).
struct AtomicSitesSummary {
  bool scanned = false;       // the modules were scanned
  bool instrumented = false;  // the program links libweft_rt.so (scanned all the same)
  std::vector<AtomicModuleSummary> modules;
  uint64_t listed = 0;   // sites in the session
  uint64_t dropped = 0;  // sites that did not fit the session's table
  uint64_t patched = 0;  // sites the shim patched
  bool reached = false;  // a patched site ran in a controlled thread
  std::string error;     // why the scan failed, "" = it did not
};

struct RunReport {
  format::Outcome outcome;
  uint64_t events = 0;
  uint64_t event_digest = 0;  // hash of the event stream: equal streams, equal digests
  // The same over the synchronization order only (analysis::EventDigest::order_value): what
  // a replay of a free recording is compared by.
  uint64_t order_digest = 0;
  uint64_t order_events = 0;  // events the order digest holds
  // A free recording: the inputs it recorded (clock reads, random bytes, reads from the
  // outside) and their data bytes. A replay that fed inputs: those it fed.
  uint64_t inputs = 0;
  uint64_t input_bytes = 0;
  bool diverged = false;
  uint64_t divergence_index = 0;
  std::string divergence;   // human-readable first divergence
  int divergence_tid = -1;  // the thread that did something else there, -1 = none/unknown
  std::string trace_path;   // where the trace was written, "" if none
  uint64_t trace_bytes = 0;
  // A flight recording (RunConfig::ring_bytes): the window written at the end (dump 0, path
  // "" when the program did not fail: nothing was written), how many dumps were made on
  // demand, and the most the window held (encoded batch bytes).
  RingDump ring_final;
  uint32_t ring_dumps = 0;
  uint64_t ring_peak_bytes = 0;
  double wall_seconds = 0;
  std::vector<Decision> decisions;  // one per event, if RunConfig::record_decisions
  uint32_t threads = 0;             // threads the run created, main included
  int interrupted_by = 0;           // SIGINT/SIGTERM/SIGHUP weft received during the run
  // What the user should know that is not the outcome, one sentence each (a forked process
  // killed by a signal, a process weft could not detach).
  std::vector<std::string> notes;
  // False when the shim never took control (the program dropped LD_PRELOAD, or it is a
  // script whose children do the work): the run was not scheduled by weft.
  bool controlled = false;
  // Memory accesses of an instrumented build (weft cc): whether any reached the shim, the
  // MEM_READ / MEM_WRITE events (schedule points) of the run, the candidate sites it ran
  // with, the sites that touched a granule two threads shared (ascending), and whether the
  // shim's granule table filled up (memory first touched later was not tracked).
  bool memory_instrumented = false;
  uint64_t memory_events = 0;
  // Schedule points in CPython's bytecode (INTERP_POINT events: interp_points.h in the shim).
  uint64_t interp_points = 0;
  uint64_t memory_sites_used = 0;
  std::vector<uint64_t> memory_sites_found;
  bool memory_table_full = false;
  // The program links weft's runtime but allocates with glibc's malloc (the runtime comes
  // after libc.so.6 among its libraries): heap blocks allocated again are not new memory to
  // the shim, so races may be reported between a block's old and new owners (a note says so).
  bool memory_foreign_heap = false;
  AtomicSitesSummary atomic;
  // KeepTrace::kIfFailedDivergedOrRaced: the run's data races (pairs of sites); else 0.
  uint64_t races = 0;
  // Whether the run was forked from a fork server (RunConfig::Spawn::kFork); whether that
  // server forked past main (it ran on alone to the first operation its runs cannot share,
  // docs/fork_server.md), and the events the run had when it was forked (0 at main).
  bool forked = false;
  bool fork_late = false;
  uint64_t fork_events = 0;
  // Spawn::kFork asked, the run exec'd: why, as "cannot fork the runs of PROG from a server
  // (...); they are exec'd" (the same sentence for every run of the calling thread). A
  // seeded search's run forked at main because its program cannot be forked past it: "cannot
  // fork the runs of PROG past main (...); they are forked at main" (the first such run of
  // the calling thread only).
  std::string spawn_note;
  // True when the program failed (analysis::IsFailure): non-zero exit, fatal signal,
  // deadlock, timeout, step limit, or a shim error.
  bool failed() const;
};

// Runs the program once. Errors are weft's own failures (cannot create the session,
// cannot start the program, cannot write the trace); what the program did is the report.
Result<RunReport> RunProgram(const RunConfig& config);

// The note of a run whose RunReport::memory_foreign_heap is set: what it means, what to do.
std::string ForeignHeapNote();

// Memory access sites as a run takes them: ascending, without duplicates or 0, at most
// WEFT_MAX_MEMORY_SITES.
std::vector<uint64_t> SortedSites(std::vector<uint64_t> sites);

// The environment weft adds to the program's (LD_PRELOAD, session fd): exposed for tests.
std::vector<std::string> ProgramEnvironment(const std::vector<std::string>& env,
                                            const std::string& shim_path, int session_fd);

// The number of the session's descriptor in the program: high (1000, or the highest the
// open-file limit allows below it), so that the program's own descriptors get the numbers
// they get natively (its first open is 3), and the shim keeps it from the program's closes.
int ProgramSessionFd();

}  // namespace weft::session
