#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <set>
#include <string>

#include "event_clock.h"
#include "fork_server.h"
#include "output_capture.h"
#include "run_steps.h"
#include "watchdog.h"
#include "weft/launcher.h"
#include "weft/outcome.h"
#include "weft/race.h"
#include "weft/render.h"
#include "weft/run.h"
#include "weft/trace_env.h"
#include "weft/trace_io.h"
#include "weft/version.h"

namespace weft::session {
namespace {

uint64_t ClockNs(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

std::string Cwd() {
  char buf[4096];
  return getcwd(buf, sizeof(buf)) != nullptr ? std::string(buf) : std::string();
}

// Where the session is mapped in the program, for the message about a corrupt session.
std::string SessionAddress(const std::vector<launcher::Mapping>& maps) {
  for (const launcher::Mapping& m : maps) {
    if (m.path.find("weft-session") != std::string::npos) {
      char buf[64];
      snprintf(buf, sizeof(buf), " (the session is mapped at 0x%llx in the program)",
               static_cast<unsigned long long>(m.start));
      return buf;
    }
  }
  return "";
}

}  // namespace

std::vector<uint64_t> SortedSites(std::vector<uint64_t> sites) {
  std::sort(sites.begin(), sites.end());
  sites.erase(std::unique(sites.begin(), sites.end()), sites.end());
  if (!sites.empty() && sites.front() == 0) sites.erase(sites.begin());
  if (sites.size() > WEFT_MAX_MEMORY_SITES) sites.resize(WEFT_MAX_MEMORY_SITES);
  return sites;
}

std::string ForeignHeapNote() {
  return "the program's malloc and free are glibc's, not those of weft's runtime "
         "(libweft_rt.so comes after libc.so.6 among its libraries), so a heap block freed and "
         "allocated again is not new memory to weft and a race may be reported between its old "
         "and new owners; link libweft_rt.so first (rustc: the flags of weft flags --rustflags)";
}

std::string RingDumpPath(const std::string& base, uint32_t n) {
  size_t slash = base.rfind('/');
  size_t dot = base.rfind('.');
  const std::string number = "." + std::to_string(n);
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) ||
      dot == (slash == std::string::npos ? 0 : slash + 1)) {
    return base + number;
  }
  return base.substr(0, dot) + number + base.substr(dot);
}

bool RunReport::failed() const { return analysis::IsFailure(outcome); }

std::vector<std::string> ProgramEnvironment(const std::vector<std::string>& env,
                                            const std::string& shim_path, int session_fd) {
  std::vector<std::string> out;
  std::string preload = shim_path;
  for (const std::string& kv : env) {
    if (kv.rfind("LD_PRELOAD=", 0) == 0) {
      if (kv.size() > 11) preload += ":" + kv.substr(11);  // the user's preloads come after
      continue;
    }
    if (kv.rfind(WEFT_ENV_SESSION_FD "=", 0) == 0 || kv.rfind(WEFT_ENV_MARKER "=", 0) == 0) {
      continue;
    }
    out.push_back(kv);
  }
  out.push_back("LD_PRELOAD=" + preload);
  // NB: at a fixed width (the shim reads any decimal number of at most 7 digits): the
  // environment's bytes sit at the top of the program's stack, so a descriptor of one more
  // digit (an exec'd run's own memfd against the one a fork server's children inherit, a
  // replay against its recording) would move every stack address.
  std::string fd = std::to_string(session_fd);
  out.push_back(std::string(WEFT_ENV_SESSION_FD "=") +
                std::string(7 - std::min<size_t>(7, fd.size()), '0') + fd);
  out.push_back(WEFT_ENV_MARKER "=1");
  return out;
}

int ProgramSessionFd() {
  constexpr int kPreferred = 1000;
  struct rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY ||
      limit.rlim_cur > static_cast<rlim_t>(kPreferred)) {
    return kPreferred;
  }
  return std::max(3, static_cast<int>(limit.rlim_cur) - 1);
}

// Where the run's interpreter points fall when no script says: as in the trace it follows,
// else as its config asks, else by its strategy (a search's seed). Never 0.
uint64_t InterpPhase(const RunConfig& config, const weft_schedule_spec& spec) {
  const format::Trace* trace = config.schedule.trace;
  if (trace != nullptr && trace->header.interp_phase != 0) return trace->header.interp_phase;
  if (config.interp_phase != 0) return config.interp_phase;
  uint64_t h = spec.strategy.kind;
  for (uint64_t word : spec.strategy.params) h = (h ^ word) * 0x9e3779b97f4a7c15ull;
  return h | 1;
}

Result<RunReport> RunProgram(const RunConfig& config) {
  SessionLayout layout;
  if (Status s = internal::FillSchedule(config.schedule, &layout); !s.ok()) return s.error();
  layout.interp_phase = InterpPhase(config, layout.schedule);
  layout.record_decisions = config.record_decisions;
  if (config.stop_before >= 0) {
    layout.stop_enabled = true;
    layout.stop_before = static_cast<uint64_t>(config.stop_before);
    layout.hold = static_cast<bool>(config.hold);
  }
  layout.stop_on_divergence = config.stop_on_divergence;
  layout.stack_depth = config.stack_depth;
  layout.cpu = config.cpu;
  layout.max_steps = config.max_steps;
  layout.memory_sites = SortedSites(config.memory_sites);
  layout.progress_window = config.progress_window;
  if (config.free_mode) {
    layout.mode = WEFT_MODE_FREE;
    layout.stack_depth = 0;
    layout.record_decisions = false;
    layout.max_steps = 0;
    layout.progress_window = 0;
    layout.memory_sites.clear();
    // NB: 4 MiB (many threads write at once: 6 ms of a ping-pong's 20 M events a second)
    // that stay in the cache: the lines of a 32 MiB ring came back from memory at each lap,
    // and its first lap took a page fault every 128 events (bench/README.md, free events).
    layout.ring_slots = 1u << 17;
    layout.event_clock = TscTimesEvents() ? WEFT_EVENT_CLOCK_TSC : WEFT_EVENT_CLOCK_MONOTONIC;
  }
  layout.realtime_base_ns =
      config.realtime_base_ns != 0 ? config.realtime_base_ns : ClockNs(CLOCK_REALTIME);
  layout.monotonic_base_ns =
      config.monotonic_base_ns != 0 ? config.monotonic_base_ns : ClockNs(CLOCK_MONOTONIC);

  AtomicSitesSummary atomic;
  if (config.atomic_sites && !config.free_mode) {
    Result<launcher::AtomicScan> scan = launcher::ScanAtomicSites(config.executable, config.env);
    if (!scan.ok()) {
      atomic.error = scan.error().message;
    } else {
      atomic.instrumented = scan->instrumented;
      atomic.scanned = true;
      internal::FillAtomicSites(*scan, &layout, &atomic);
    }
  }

  // The fork server (RunConfig::Spawn::kFork): the root is a fork of it instead of an exec.
  // NB: before the session: a run forked past main has the server's clocks (its prefix,
  // which the run's trace holds, read them).
  std::string spawn_note;
  internal::ForkServer* server = nullptr;
  if (config.spawn == RunConfig::Spawn::kFork && internal::ForkServerApplies(config)) {
    Result<internal::ForkServer*> s = internal::ForkServerFor(config, layout, &spawn_note);
    if (s.ok()) {
      server = s.value();
    } else {
      spawn_note = "cannot fork the runs of " + config.executable + " from a server (" +
                   s.error().message + "); they are exec'd";
    }
  }
  if (server != nullptr && server->late()) {
    layout.realtime_base_ns = server->realtime_base_ns();
    layout.monotonic_base_ns = server->monotonic_base_ns();
  }

  Result<SessionMemory> session = SessionMemory::Create(layout);
  if (!session.ok()) return session.error();

  format::Header header;
  header.weft_version = kWeftVersion;
  header.shim_protocol = WEFT_SHIM_PROTOCOL_VERSION;
  header.argv = config.argv;
  header.executable = config.executable;
  header.cwd = config.cwd.empty() ? Cwd() : config.cwd;
  if (!config.trace_path.empty()) {  // (explore's runs without a trace skip the digests)
    Status redacted =
        RedactEnvironment(config.env, EnvPolicy{config.keep_env, config.redact_env}, &header);
    if (!redacted.ok()) return redacted.error();
    Result<ExecutableIdentity> id = IdentifyExecutable(config.executable);
    if (!id.ok()) return id.error();
    header.executable_build_id = id->build_id;
    header.executable_sha256 = id->sha256;
  }
  header.strategy = internal::HeaderStrategy(config.schedule);
  header.schedule = internal::HeaderSchedule(config.schedule);
  // A run that follows a trace keeps that trace's seed.
  header.seed =
      config.schedule.trace != nullptr ? config.schedule.trace->header.seed : header.schedule.seed;
  if (config.schedule_header != nullptr) {
    header.strategy = config.schedule_header->strategy;
    header.schedule = config.schedule_header->schedule;
    header.seed = config.schedule_header->seed;
  }
  header.realtime_base_ns = layout.realtime_base_ns;
  header.monotonic_base_ns = layout.monotonic_base_ns;
  header.created_unix_ns = ClockNs(CLOCK_REALTIME);
  header.replayed_from = config.replay_path;
  header.timeout_seconds = config.timeout_seconds;
  header.max_steps = config.max_steps;
  header.stack_depth = layout.stack_depth;
  using InputKind = format::Input::Kind;
  if (config.free_mode) {
    header.mode = format::Mode::kFree;
    header.strategy = "free";
    header.inputs_recorded = true;
    header.input_kinds =
        format::InputKindBit(InputKind::kClock) | format::InputKindBit(InputKind::kRandom) |
        format::InputKindBit(InputKind::kRead) | format::InputKindBit(InputKind::kDirent);
  }
  // A run fed recorded inputs carries them: a replay of its trace is fed them too. One fed
  // nothing records the entries it reads from directories (the shim's RecordsDirents).
  const format::Trace* fed = config.free_mode ? nullptr : config.schedule.FedInputs();
  if (fed != nullptr && layout.feed_inputs) {
    header.inputs_recorded = true;
    header.input_kinds = layout.feed_kinds;
  } else if (!config.free_mode) {
    header.inputs_recorded = true;
    header.input_kinds = format::InputKindBit(InputKind::kDirent);
  }
  header.isolated = config.isolate;
  header.memory_sites = layout.memory_sites;
  header.interp_phase = layout.interp_phase;
  header.atomic_sites = atomic.scanned;
  for (const AtomicModuleSummary& m : atomic.modules) {
    header.atomic_site_modules.push_back({m.path, m.listed});
  }

  // The program's output goes into the trace too (only when a trace is kept: explore's fast
  // runs stay as cheap as they were); a run that follows a trace (replay, permute, minimize)
  // gives the program the kinds of stream its recording had.
  const format::Header* recorded =
      config.schedule.trace != nullptr ? &config.schedule.trace->header : nullptr;
  Result<internal::ProgramStreams> set_up =
      internal::SetUpStreams(config.stdout_fd, config.stderr_fd,
                             config.trace_path.empty() ? 0 : config.output_cap, recorded);
  if (!set_up.ok()) return set_up.error();
  internal::ProgramStreams& streams = set_up.value();
  header.stdout_sink = streams.sink[0];
  header.stderr_sink = streams.sink[1];
  header.stderr_is_stdout = streams.stderr_is_stdout;

  std::unique_ptr<format::TraceWriter> writer;
  const bool ring = config.free_mode && config.ring_bytes > 0 && !config.trace_path.empty();
  if (!config.trace_path.empty()) {
    // NB: a replay watched for a divergence names its trace only if it diverges: the
    // program may list the directory, and its recording saw no such file there.
    // A search's run that keeps its trace only if it fails writes it to memory first: most
    // runs pass, and then no file was made.
    auto w = ring ? format::TraceWriter::CreateWindow(header, config.ring_bytes)
             : config.keep_trace == RunConfig::KeepTrace::kIfDiverged
                 ? format::TraceWriter::CreateUnnamed(config.trace_path, header)
             : config.keep_trace == RunConfig::KeepTrace::kIfFailedOrDiverged
                 ? format::TraceWriter::CreateInMemory(config.trace_path, header)
                 : format::TraceWriter::Create(config.trace_path, header);
    if (!w.ok()) return w.error();
    writer = std::move(w.value());
    if (config.stdin_data != nullptr) {
      format::ProgramOutput input;
      input.captured = true;
      input.data = *config.stdin_data;
      input.total_bytes = input.data.size();
      if (Status s = writer->WriteOutput(format::OutputStream::kStdin, input); !s.ok()) {
        return s.error();
      }
    }
    if (fed != nullptr && !ring) {
      // NB: at event 0: where the run asked for each is not recorded (the feeding goes by
      // thread and kind alone).
      for (format::Input in : fed->inputs) {
        in.event_index = 0;
        if (Status s = writer->WriteInput(in); !s.ok()) return s.error();
      }
    }
  }
  // The program reads its stdin from a file of its own: reads of a file are the same in
  // every run (a pipe's could be cut differently), and each run starts at its first byte.
  int stdin_fd = -1;
  if (config.stdin_data != nullptr) {
    stdin_fd = static_cast<int>(memfd_create("weft-stdin", MFD_CLOEXEC));
    if (stdin_fd < 0)
      return MakeError(std::string("cannot create the program's stdin: ") + std::strerror(errno));
    const std::string& data = *config.stdin_data;
    for (size_t off = 0; off < data.size();) {
      ssize_t n = write(stdin_fd, data.data() + off, data.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        close(stdin_fd);
        return MakeError(std::string("cannot write the program's stdin: ") + std::strerror(errno));
      }
      off += static_cast<size_t>(n);
    }
    lseek(stdin_fd, 0, SEEK_SET);
  }
  struct FdCloser {
    int fd;
    ~FdCloser() {
      if (fd >= 0) close(fd);
    }
  } stdin_closer{stdin_fd};

  RingReader reader(session->header(), session->ring(), session->ring_slots(), writer.get());
  if (layout.event_clock == WEFT_EVENT_CLOCK_TSC) reader.TimeEventsByTsc(layout.monotonic_base_ns);
  format::Process root;
  root.executable = config.executable;
  root.argv = config.argv;
  reader.SetRootProcess(std::move(root));

  launcher::SpawnOptions spawn;
  spawn.argv = config.argv;
  spawn.executable = config.executable;
  spawn.env = ProgramEnvironment(config.env, config.shim_path, ProgramSessionFd());
  spawn.moved_fds = {{session->fd(), ProgramSessionFd()}};
  spawn.cwd = config.cwd;
  spawn.timeout_seconds = config.timeout_seconds;
  spawn.handle_signals = config.handle_signals;
  spawn.stdin_fd = stdin_fd;
  spawn.isolate = config.isolate;
  spawn.stdout_fd = streams.program_fd[0];
  spawn.stderr_fd = streams.program_fd[1];
  // NB: the program can write over the session: each poll checks what weft wrote there
  // (the script now and then: it can be long), and a corrupt session ends the run.
  uint64_t polls = 0;
  auto check_session = [&](bool with_script) {
    if (reader.corrupt()) return;
    std::string where = session->CheckUnchanged(with_script);
    if (!where.empty()) reader.SetCorrupt(where);
  };
  // NB: a free recording may run for days: what it recorded reaches the file (the kernel's
  // page cache) every 200 ms, so a weft killed meanwhile (kill -9) leaves a trace readable up
  // to there (ReadTrace: has_outcome false, "the recording was interrupted").
  auto last_flush = std::chrono::steady_clock::now();
  // A flight recording's dumps on demand (RunConfig::ring_dump_requested).
  uint32_t ring_dumps = 0, ring_name = 0;
  uint64_t ring_peak = 0;
  // NB: the next free name: dumps of an earlier run with the same base are never overwritten.
  auto next_dump_path = [&] {
    std::string path;
    struct stat st;
    do {
      path = RingDumpPath(config.trace_path, ++ring_name);
    } while (lstat(path.c_str(), &st) == 0);
    return path;
  };
  auto write_window = [&](const std::string& path, uint32_t n) {
    Result<format::WindowWritten> w = writer->WriteWindow(path, n);
    RingDump dump;
    dump.path = path;
    dump.dump = n;
    if (w.ok()) {
      dump.first_event = w->first_event;
      dump.events = w->events;
      dump.inputs = w->inputs;
      dump.dropped_inputs = w->dropped_inputs;
      dump.bytes = w->bytes;
    } else {
      dump.error = w.error().message;
    }
    return dump;
  };
  // The deadlock watchdog (RunConfig::watchdog_seconds).
  using Clock = std::chrono::steady_clock;
  bool watchdog_fired = false;
  Clock::time_point watchdog_checked = Clock::now(), blocked_since = Clock::time_point::max();
  uint64_t watchdog_events = 0;
  const weft_session* watched = session->header();
  auto watch = [&] {
    Clock::time_point now = Clock::now();
    if (now - watchdog_checked < std::chrono::milliseconds(250)) return;
    watchdog_checked = now;
    const uint32_t pid = __atomic_load_n(&watched->claimed_pid, __ATOMIC_ACQUIRE);
    int threads = 0;
    const int waiting =
        pid != 0 ? internal::ThreadsInUntimedFutexWait(static_cast<int>(pid), &threads) : -1;
    if (reader.events() != watchdog_events || waiting < 0 || waiting != threads) {
      watchdog_events = reader.events();
      blocked_since = Clock::time_point::max();
      return;
    }
    if (blocked_since == Clock::time_point::max()) blocked_since = now;
    if (now - blocked_since >= std::chrono::duration<double>(config.watchdog_seconds)) {
      watchdog_fired = true;
    }
  };
  spawn.poll = [&] {
    check_session(++polls % 256 == 0);
    reader.Drain();
    if (config.free_mode && config.watchdog_seconds > 0 && !watchdog_fired) watch();
    if (ring) {
      ring_peak = std::max(ring_peak, writer->window_chunk_bytes());
      if (config.ring_dump_requested && config.ring_dump_requested()) {
        ++ring_dumps;
        RingDump dump = write_window(next_dump_path(), ring_dumps);
        if (config.ring_dumped) config.ring_dumped(dump);
      }
      return;
    }
    if (config.free_mode && writer != nullptr) {
      auto now = std::chrono::steady_clock::now();
      if (now - last_flush >= std::chrono::milliseconds(200)) {
        last_flush = now;
        if (!writer->Flush().ok()) {
          // the writer keeps its first error: the end of the run reports it
        }
      }
    }
  };
  // NB: a free recording's threads write the ring without weft, which polls only to drain
  // it: while a drain finds less than a 16th of the ring written, the next comes twice as
  // late, up to 16 ms (a wake-up every ms cost 13-15 ms of CPU a second of a quiet run);
  // one that finds more brings the polls back to every ms. A burst that fills the ring
  // meanwhile makes its writers wait for room (asleep) until the next drain.
  // So does a controlled run's (not one held for a debugger, nor one without weft's SIGCHLD
  // handler, whose ptrace stops are seen at the polls): its ring holds far more than the
  // program writes in a few ms (every event takes a schedule point), and a forked CPython
  // run (about 40 ms, 13,000 events) woke weft 40 times (docs/fork_server.md). A ptrace stop
  // or a process's end still wakes weft at once.
  std::chrono::nanoseconds poll_delay = std::chrono::milliseconds(1);
  uint64_t polled_slots = 0;
  const uint64_t ring_slots = session->ring_slots();
  if (config.free_mode || (!config.hold && config.handle_signals)) {
    spawn.poll_delay = [&] {
      const uint64_t read = reader.slots_read() - polled_slots;
      polled_slots = reader.slots_read();
      if (read > ring_slots / 16) {
        poll_delay = std::chrono::milliseconds(1);
      } else {
        poll_delay =
            std::min<std::chrono::nanoseconds>(2 * poll_delay, std::chrono::milliseconds(16));
      }
      return poll_delay;
    };
  }
  spawn.should_stop = [&reader, &watchdog_fired] { return reader.corrupt() || watchdog_fired; };
  // NB: forked processes the shim still controls end on their own: the run waits for them
  // (the session status says how many there are; --timeout bounds a wrong count).
  weft_session* session_status = session->header();
  spawn.others_running = [session_status] {
    return __atomic_load_n(&session_status->forked_live, __ATOMIC_ACQUIRE) != 0;
  };
  if (config.hold) {
    weft_session* h = session->header();
    spawn.should_hand_over = [h] {
      return (__atomic_load_n(&h->status, __ATOMIC_ACQUIRE) & WEFT_STATUS_HELD) != 0;
    };
    spawn.hand_over = [&](pid_t root) {
      reader.Drain();  // NB: everything up to the hold, before anything is dropped
      HeldProgram held;
      held.pid = root;
      for (const auto& [os_tid, tid] : reader.os_tids()) held.os_tids.emplace_back(tid, os_tid);
      std::sort(held.os_tids.begin(), held.os_tids.end());
      held.release = [h] { __atomic_store_n(&h->hold_released, 1u, __ATOMIC_RELEASE); };
      reader.DropFromNowOn();
      held.poll = [&reader] { reader.Drain(); };
      config.hold(held);
    };
  }

  bool forked = false;
  bool fork_late = false;
  uint64_t fork_events = 0;
  internal::ForkedChild child;
  if (server != nullptr) {
    spawn.adopt_root = [&](int mount_ns_fd) -> Result<pid_t> {
      internal::ForkRequest request;
      request.session_fd = session->fd();
      request.stdin_fd = spawn.stdin_fd;
      request.stdout_fd = spawn.stdout_fd;
      request.stderr_fd = spawn.stderr_fd;
      request.mount_ns_fd = mount_ns_fd;
      request.cwd = config.cwd;
      Result<internal::ForkedChild> c = server->Fork(request);
      if (!c.ok()) return c.error();
      child = std::move(c.value());
      forked = true;
      fork_late = server->late();
      fork_events = server->events();
      return child.pid;
    };
    spawn.release_root = [&child] { child.Release(); };
  }
  Result<launcher::RunResult> run = launcher::Run(spawn);
  if (!run.ok() && server != nullptr && !forked) {
    // The server is gone (killed from outside, or it died): the run is exec'd, and the
    // thread's next run starts another server.
    internal::DropForkServer();
    spawn.adopt_root = nullptr;
    spawn.release_root = nullptr;
    spawn_note = "the fork server of " + config.executable + " is gone (" + run.error().message +
                 "); this run is exec'd";
    run = launcher::Run(spawn);
  }
  if (!run.ok()) return run.error();
  // NB: also without a trace: a replay's file of weft's is copied to its stdout here.
  for (int i = 0; i < 2; ++i) {
    if (streams.capture[i] == nullptr) continue;
    format::ProgramOutput output = streams.capture[i]->Finish();
    if (!output.captured || writer == nullptr) continue;
    (void)writer->WriteOutput(
        i == 0 ? format::OutputStream::kStdout : format::OutputStream::kStderr, output);
  }
  reader.SetFinalMaps(run->maps);
  check_session(true);
  reader.Drain(/*program_ended=*/true);

  RunReport report;
  std::set<uint32_t> exact_frames;  // frames whose IP is not a return address
  report.outcome =
      internal::MakeOutcome(config, session->header(), run.value(), reader, &exact_frames);
  if (watchdog_fired && !reader.corrupt()) {
    format::Outcome deadlock;
    deadlock.kind = format::Outcome::Kind::kDeadlock;
    char seconds[32];
    snprintf(seconds, sizeof(seconds), "%g", config.watchdog_seconds);
    deadlock.message = std::string(
                           "the watchdog saw every thread of the program wait on a "
                           "futex without timeout (a lock, condition, semaphore or join "
                           "wait) and no event for ") +
                       seconds + " s; weft killed the program";
    deadlock.events = report.outcome.events;
    deadlock.wall_seconds = report.outcome.wall_seconds;
    report.outcome = deadlock;
  }
  std::string corruption;
  if (reader.corrupt()) {
    // The shim's status cannot be believed either: the outcome says what happened.
    corruption = reader.error() + SessionAddress(run->maps);
    report.outcome = format::Outcome();
    report.outcome.kind = format::Outcome::Kind::kShimError;
    report.outcome.message = corruption;
    report.outcome.events = reader.events();
    report.outcome.wall_seconds = run->wall_seconds;
  }
  const format::Outcome& outcome = report.outcome;
  const launcher::RunResult& rr = run.value();
  const weft_session* status = session->header();
  report.events = reader.events();
  report.event_digest = reader.digest();
  report.order_digest = reader.order_digest();
  report.order_events = reader.order_events();
  report.inputs = reader.inputs();
  report.input_bytes = reader.input_bytes();
  if (config.schedule.FedInputs() != nullptr) {
    report.inputs = __atomic_load_n(&session->header()->inputs_fed, __ATOMIC_RELAXED);
  }
  report.diverged = outcome.diverged;
  report.divergence_index = outcome.divergence_index;
  report.divergence = outcome.divergence;
  if (__atomic_load_n(&session->header()->status, __ATOMIC_ACQUIRE) & WEFT_STATUS_DIVERGED) {
    report.divergence_tid = session->header()->divergence_actual.tid;
  }
  report.wall_seconds = rr.wall_seconds;
  report.controlled = status->claimed_pid != 0;
  report.threads = std::min<uint32_t>(status->threads, WEFT_MAX_THREADS);
  report.interrupted_by = rr.interrupted_by;
  report.notes = rr.warnings;
  if (config.free_mode && rr.processes_started != 0) {
    // (the shim leaves a free recording's children alone: FreeFork)
    report.notes.push_back(
        "a free recording records the first process only: the " +
        std::to_string(rr.processes_started) +
        (rr.processes_started == 1 ? " process" : " processes") +
        " the program started ran unrecorded (none of their events is in the trace); record "
        "without --free to record and control the whole process tree");
  }
  report.notes.insert(report.notes.end(), streams.notes.begin(), streams.notes.end());
  if (outcome.turns_taken != 0)
    report.notes.push_back(format::DescribeTurnsTaken(outcome.turns_taken));
  report.decisions = std::move(reader.decisions());
  report.memory_instrumented = (status->memory & WEFT_MEMORY_INSTRUMENTED) != 0;
  report.memory_table_full = (status->memory & WEFT_MEMORY_TABLE_FULL) != 0;
  report.memory_foreign_heap = (status->memory & WEFT_MEMORY_FOREIGN_HEAP) != 0;
  if (report.memory_foreign_heap) report.notes.push_back(ForeignHeapNote());
  report.memory_events = reader.memory_events();
  report.interp_points = reader.interp_points();
  report.memory_sites_used = layout.memory_sites.size();
  report.memory_sites_found = SortedSites(reader.memory_sites_found());
  atomic.patched = std::min<uint64_t>(status->atomic_patched, atomic.listed);
  atomic.reached = (status->memory & WEFT_MEMORY_ATOMIC_SITES) != 0;
  report.atomic = std::move(atomic);
  report.forked = forked;
  report.fork_late = fork_late;
  report.fork_events = fork_events;
  report.spawn_note = spawn_note;

  report.ring_dumps = ring_dumps;
  if (ring) {
    ring_peak = std::max(ring_peak, writer->window_chunk_bytes());
    report.ring_peak_bytes = ring_peak;
    // A flight recording writes its window only when the program failed.
    if (report.failed()) {
      Status s = internal::FinishTrace(config, rr, outcome, exact_frames, reader, writer.get());
      if (!s.ok()) return s.error();
      report.ring_final = write_window(config.trace_path, 0);
      if (!report.ring_final.error.empty()) return MakeError(report.ring_final.error);
      report.trace_path = config.trace_path;
      report.trace_bytes = report.ring_final.bytes;
    }
    writer.reset();
    if (!corruption.empty()) return MakeError(corruption);
    return report;
  }
  using Keep = RunConfig::KeepTrace;
  if (writer != nullptr && config.keep_trace == Keep::kIfFailedDivergedOrRaced &&
      writer->Flush().ok()) {
    // The events so far are the whole run (the outcome is not written yet): its races.
    Result<format::Trace> written = format::ReadTrace(config.trace_path, format::ReadOptions{true});
    if (written.ok()) report.races = analysis::FindRaces(written.value()).size();
  }
  const bool keep = config.keep_trace == Keep::kAlways || report.diverged ||
                    ((config.keep_trace == Keep::kIfFailedOrDiverged ||
                      config.keep_trace == Keep::kIfFailedDivergedOrRaced) &&
                     report.failed()) ||
                    report.races > 0;
  if (writer != nullptr && !keep) {
    // NB: close before unlinking, and skip the symbols: a passing run of a search costs no
    // more than writing its events.
    const bool named = writer->named();
    writer.reset();
    if (named) unlink(config.trace_path.c_str());
  } else if (writer != nullptr) {
    if (Status s = writer->Publish(); !s.ok()) return s.error();
    Status s = internal::FinishTrace(config, rr, outcome, exact_frames, reader, writer.get());
    if (!s.ok()) return s.error();
    report.trace_path = config.trace_path;
    report.trace_bytes = writer->bytes_written();
  }
  if (!corruption.empty()) {
    return MakeError(corruption + (writer != nullptr ? "; the trace " + config.trace_path +
                                                           " holds the run up to there"
                                                     : std::string()));
  }
  return report;
}

}  // namespace weft::session
