// run_outcome.cc — how a run ended, from the shim's status flags and the launcher's result.
#include <string.h>
#include <sys/syscall.h>

#include <cctype>
#include <cstdio>
#include <string>

#include "run_steps.h"
#include "weft/free_kinds.h"

namespace weft::session::internal {
namespace {

// "a clock read", "a read of descriptor 3", "random bytes".
std::string DescribeInput(uint8_t kind, int32_t source) {
  switch (kind) {
    case WEFT_INPUT_CLOCK:
      return "a clock read";
    case WEFT_INPUT_RANDOM:
      return "random bytes (getrandom)";
    case WEFT_INPUT_READ:
      return "a read of descriptor " + std::to_string(source);
    case WEFT_INPUT_DIRENT:
      return "an entry of the directory on descriptor " + std::to_string(source) + " (readdir)";
    default:
      return "an input of kind " + std::to_string(kind);
  }
}

std::string DescribeScriptEntry(const format::Trace* trace, uint32_t tid, uint32_t kind,
                                uint32_t obj) {
  std::string s =
      "T" + std::to_string(tid) + " " + format::EventKindName(static_cast<format::EventKind>(kind));
  if (obj != 0) {
    s += " #" + std::to_string(obj);
    if (trace != nullptr && obj < trace->objects.size() && !trace->objects[obj].symbol.empty()) {
      s += " (" + trace->objects[obj].symbol + ")";
    }
  }
  return s;
}

bool IsShimModule(const std::string& path) {
  size_t slash = path.rfind('/');
  return path.compare(slash == std::string::npos ? 0 : slash + 1, 15, "libweft_preload") == 0;
}

// What each thread was doing when the run timed out, one clause per thread ("T1 holds the
// turn, in epoll_wait(), at worker (prog.c:12)"), and its stack in outcome->blocked.
void DescribeTimeout(const launcher::RunResult& run, RingReader& reader,
                     std::set<uint32_t>* exact_frames, format::Outcome* outcome) {
  ImageSymbolizers symbolizers(reader, run);
  std::string text;
  for (const launcher::ThreadSnapshot& snap : run.threads_at_timeout) {
    int tid = reader.TidOfOsTid(snap.os_tid);
    uint32_t image = symbolizers.ImageOfThread(tid);
    launcher::Symbolizer& symbolizer = symbolizers.Of(image);
    bool waits_turn = false;
    std::string where;
    for (size_t i = 0; i < snap.stack.size(); ++i) {
      uint64_t ip = i == 0 ? snap.stack[i] : snap.stack[i] - 1;
      launcher::Symbolizer::Location loc = symbolizer.SymbolizeCode(ip);
      // NB: the shim waits for the turn with a raw futex call of its own; a futex the
      // program's thread sleeps in inside libc (called by the shim or not) is not that.
      if (i == 0 && snap.syscall == SYS_futex && IsShimModule(loc.module)) waits_turn = true;
      if (!where.empty() || IsShimModule(loc.module) || loc.file.empty()) continue;
      where = loc.function + " (" + loc.file.substr(loc.file.rfind('/') + 1) + ":" +
              std::to_string(loc.line) + ")";
    }
    std::string state;
    if (waits_turn && tid < 0) {
      // Created through weft, waiting for its first turn: its start is not in the ring yet.
      state = "waits to start (weft runs another thread)";
    } else if (waits_turn) {
      state = "waits for its turn (weft runs another thread)";
    } else if (snap.syscall == -1 || (snap.syscall == -2 && snap.state == 'R')) {
      state = "holds the turn, running its own code";
    } else if (snap.syscall >= 0) {
      std::string name = snap.syscall_name.empty() ? "system call " + std::to_string(snap.syscall)
                                                   : snap.syscall_name + "()";
      state = "holds the turn, blocked in " + name;
    } else {
      state = "holds the turn (state " + std::string(1, snap.state) + ")";
    }
    std::string who = tid >= 0 ? "T" + std::to_string(tid)
                      : waits_turn
                          ? "a new thread (os tid " + std::to_string(snap.os_tid) + ")"
                          : "thread " + std::to_string(snap.os_tid) + " (not started by weft)";
    text += (text.empty() ? "" : "; ") + who + " " + state + (where.empty() ? "" : " at " + where);
    format::BlockedThread b;
    b.tid = tid >= 0 ? static_cast<uint32_t>(tid) : 0;
    std::vector<uint32_t> frames;
    for (size_t i = 0; i < snap.stack.size(); ++i) {
      uint32_t id = reader.FrameFor(snap.stack[i], image);
      if (i == 0) exact_frames->insert(id);
      frames.push_back(id);
    }
    if (!frames.empty()) b.stack = reader.AddStack(std::move(frames));
    if (tid >= 0) outcome->blocked.push_back(b);
  }
  if (!text.empty()) outcome->message = text;
}

// The shim names the mutex of a fork child's deadlock by its address ("the mutex at 0x4040a0",
// hooks_sync.cc): the global there, as a race report names one ("the mutex 'log_lock' at
// 0x4040a0"; a mutex in no global keeps its address alone). ASLR is off: the child's address
// is the root process's.
void NameForkDeadlockMutex(const std::vector<launcher::Mapping>& maps, std::string* message) {
  static const std::string kAt = "the mutex at 0x";
  size_t at = message->find(kAt);
  if (at == std::string::npos || maps.empty()) return;
  size_t digits = at + kAt.size();
  size_t end = digits;
  while (end < message->size() && std::isxdigit(static_cast<unsigned char>((*message)[end]))) {
    ++end;
  }
  if (end == digits || end - digits > 16) return;
  const uint64_t address = std::stoull(message->substr(digits, end - digits), nullptr, 16);
  launcher::Symbolizer symbolizer(maps);
  const std::string symbol = symbolizer.SymbolizeData(address);
  if (symbol.empty()) return;
  message->replace(at, kAt.size() - 2, "the mutex '" + symbol + "' at ");
}

}  // namespace

format::Outcome MakeOutcome(const RunConfig& config, const weft_session* status,
                            const launcher::RunResult& run, RingReader& reader,
                            std::set<uint32_t>* exact_frames) {
  bool replay = config.schedule.kind == WEFT_SCHEDULE_REPLAY;
  format::Outcome outcome;
  using K = format::Outcome::Kind;
  const launcher::RunResult& rr = run;
  uint32_t flags = __atomic_load_n(&status->status, __ATOMIC_ACQUIRE);
  if (flags & WEFT_STATUS_DEADLOCK) {
    outcome.kind = K::kDeadlock;
    outcome.blocked = reader.blocked();
    if (flags & WEFT_STATUS_FORK_DEADLOCK) {
      outcome.message.assign(status->error, strnlen(status->error, sizeof(status->error)));
      NameForkDeadlockMutex(run.maps, &outcome.message);
    }
  } else if (flags & WEFT_STATUS_STOPPED) {
    outcome.kind = K::kStopped;
    outcome.blocked = reader.blocked();
  } else if (flags & WEFT_STATUS_NO_PROGRESS) {
    outcome.kind = K::kMaxSteps;
    outcome.message = "no progress in " + std::to_string(config.progress_window) +
                      " events (every thread only yielded, slept, timed out or failed a "
                      "try); livelock?";
  } else if ((flags & WEFT_STATUS_DIVERGED) && config.stop_on_divergence &&
             rr.kind == launcher::RunResult::Kind::kExited && rr.exit_code == WEFT_SHIM_EXIT_CODE) {
    // Stopped at the divergence (RunConfig::stop_on_divergence): every thread's pending
    // operation and stack, as --stop-at gives them.
    outcome.kind = K::kStopped;
    outcome.blocked = reader.blocked();
    outcome.message = "stopped at the divergence";
  } else if (flags & WEFT_STATUS_MAX_STEPS) {
    outcome.kind = K::kMaxSteps;
    outcome.message = std::to_string(config.max_steps) + " steps; livelock?";
  } else if (flags & WEFT_STATUS_SHIM_ERROR) {
    outcome.kind = K::kShimError;
    outcome.message.assign(status->error, strnlen(status->error, sizeof(status->error)));
  } else if (rr.kind == launcher::RunResult::Kind::kTimeout) {
    outcome.kind = K::kTimeout;
    char buf[64];
    snprintf(buf, sizeof(buf), "killed after %g s (--timeout)", config.timeout_seconds);
    outcome.message = buf;
    DescribeTimeout(rr, reader, exact_frames, &outcome);
  } else if (rr.kind == launcher::RunResult::Kind::kSignaled) {
    outcome.kind = K::kSignaled;
    outcome.signal = rr.signal;
  } else {
    outcome.kind = K::kExited;
    outcome.exit_code = rr.exit_code;
  }
  if (rr.crash.has_value() && outcome.kind == K::kSignaled) {
    format::Crash crash;
    crash.signal = rr.crash->signal;
    crash.os_tid = rr.crash->os_tid;
    crash.tid = reader.TidOfOsTid(rr.crash->os_tid);
    crash.fault_address = rr.crash->fault_address;
    crash.ip = rr.crash->ip;
    crash.instruction = rr.crash->instruction;
    const uint32_t image = reader.ImageOfPid(rr.root_pid);  // (a crash of the root's)
    for (size_t i = 0; i < rr.crash->stack.size(); ++i) {
      uint32_t id = reader.FrameFor(rr.crash->stack[i], image);
      if (i == 0) exact_frames->insert(id);
      crash.frames.push_back(id);
    }
    outcome.crash = crash;
  }
  // A free recording's replay has events of its own between the recorded ones: it is
  // compared by the recorded kinds (weft/free_kinds.h) only.
  const bool free_trace = replay && config.schedule.trace->header.mode == format::Mode::kFree;
  uint64_t recorded_order = 0;
  if (free_trace) {
    for (const format::Event& e : config.schedule.trace->events) {
      if (weft_free_recorded_kind(static_cast<uint8_t>(e.kind))) ++recorded_order;
    }
  }
  const format::Trace* fed_from = config.schedule.FedInputs();
  const bool fed = fed_from != nullptr;
  const uint64_t fed_inputs = __atomic_load_n(&status->inputs_fed, __ATOMIC_RELAXED);
  if ((flags & WEFT_STATUS_INPUT_DIVERGED) && fed && !(flags & WEFT_STATUS_DIVERGED)) {
    const auto& d = status->input_divergence;
    outcome.diverged = true;
    outcome.divergence_index = d.events;
    outcome.divergence =
        "after event " + std::to_string(d.events) + " of the replay, thread " +
        std::to_string(d.tid) + " asked for " + DescribeInput(d.wanted_kind, d.wanted_source) +
        " where its next recorded input is " +
        (d.recorded_kind == 0 ? std::string("none (it had no more)")
                              : DescribeInput(d.recorded_kind, d.recorded_source)) +
        " (" + std::to_string(fed_inputs) + " of the " + std::to_string(fed_from->inputs.size()) +
        " recorded inputs fed before it)";
  } else if ((flags & WEFT_STATUS_DIVERGED) && free_trace) {
    outcome.diverged = true;
    outcome.divergence_index = status->divergence_index;
    const weft_script_entry& got = status->divergence_actual;
    outcome.divergence =
        "event " + std::to_string(status->divergence_index) + " of the replay, after " +
        std::to_string(reader.OrderEventsBefore(status->divergence_index)) + " of the " +
        std::to_string(recorded_order) + " recorded synchronization events: the program did " +
        DescribeScriptEntry(config.schedule.trace, got.tid, got.kind, 0) +
        ", which the recorded order does not allow there";
  } else if (flags & WEFT_STATUS_DIVERGED) {
    outcome.diverged = true;
    outcome.divergence_index = status->divergence_index;
    const weft_script_entry& got = status->divergence_actual;
    std::string expected = "the end of the recorded run";
    if (replay && status->divergence_index < config.schedule.trace->events.size()) {
      const format::Event& e = config.schedule.trace->events[status->divergence_index];
      expected =
          DescribeScriptEntry(config.schedule.trace, e.tid, static_cast<uint32_t>(e.kind), e.obj);
    }
    outcome.divergence = "event " + std::to_string(status->divergence_index) + ": expected " +
                         expected + ", the program did " +
                         DescribeScriptEntry(config.schedule.trace, got.tid, got.kind, got.obj);
  } else if (free_trace && !(flags & WEFT_STATUS_STOPPED) &&
             reader.order_events() != recorded_order &&
             !(outcome.kind == format::Outcome::Kind::kSignaled &&
               reader.order_events() < recorded_order)) {
    // NB: a replay that crashes before the recording's last event is no divergence: in a
    // free recording the other threads ran on while the crash was being caught (only the
    // faulting thread stops), a controlled replay ends at the fault. api::Replay compares
    // it with the recording's order up to there.
    outcome.diverged = true;
    outcome.divergence_index = reader.events();
    outcome.divergence = "the program ended after " + std::to_string(reader.order_events()) +
                         " synchronization events; the free recording has " +
                         std::to_string(recorded_order);
  } else if (fed && !(flags & WEFT_STATUS_STOPPED) && fed_inputs != fed_from->inputs.size() &&
             outcome.kind != format::Outcome::Kind::kSignaled) {
    // NB: as above, a replay that crashes ends before the recording's other threads did.
    outcome.diverged = true;
    outcome.divergence_index = reader.events();
    outcome.divergence = "the program ended having been fed " + std::to_string(fed_inputs) +
                         " of the " + std::to_string(fed_from->inputs.size()) + " recorded inputs";
  } else if (replay && !free_trace && !(flags & WEFT_STATUS_STOPPED) &&
             reader.events() != config.schedule.trace->events.size()) {
    // The program ended before (or after) the recorded run did.
    outcome.diverged = true;
    outcome.divergence_index = reader.events();
    outcome.divergence = "the program ended after " + std::to_string(reader.events()) +
                         " events; the trace has " +
                         std::to_string(config.schedule.trace->events.size());
  }
  outcome.events = reader.events();
  outcome.wall_seconds = rr.wall_seconds;
  outcome.turns_taken = __atomic_load_n(&status->turns_taken, __ATOMIC_RELAXED);

  return outcome;
}

}  // namespace weft::session::internal
