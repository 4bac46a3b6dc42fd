#include "weft/run.h"

#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <set>
#include <string>

#include "ring_reader.h"
#include "session_memory.h"
#include "weft/launcher.h"
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

std::vector<std::pair<std::string, std::string>> SplitEnv(const std::vector<std::string>& env) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& kv : env) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) continue;
    out.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
  }
  return out;
}

// The replay script: the recorded decisions, in order.
void BuildScript(const format::Trace& trace, uint64_t prefix, SessionLayout& layout) {
  uint64_t count = std::min<uint64_t>(prefix, trace.events.size());
  layout.script.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    const format::Event& e = trace.events[i];
    weft_script_entry s{};
    s.tid = static_cast<uint16_t>(e.tid);
    s.kind = static_cast<uint8_t>(e.kind);
    // NB: a THREAD_CREATE's object (the new thread's handle) does not exist yet when the
    // decision is taken, so the shim compares it as 0.
    s.obj = e.kind == format::EventKind::kThreadCreate ? 0 : e.obj;
    s.arg = e.kind == format::EventKind::kCondSignal ? e.arg : 0;
    layout.script.push_back(s);
  }
  for (const format::Wake& w : trace.wakes) {
    if (w.event_index < count) layout.wakes.push_back(static_cast<uint16_t>(w.woken));
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

// Where an address is in the program's own source: when library code (a libstdc++ header
// such as std::mutex::lock) is inlined there, the line of the program that called it.
launcher::Symbolizer::Location SourceLevelLocation(launcher::Symbolizer& symbolizer,
                                                   uint64_t address) {
  std::vector<launcher::Symbolizer::Location> chain = symbolizer.SymbolizeInlined(address);
  if (chain.empty()) return symbolizer.SymbolizeCode(address);
  for (const launcher::Symbolizer::Location& loc : chain) {
    if (!loc.file.empty() && loc.file.rfind("/usr/", 0) != 0) {
      launcher::Symbolizer::Location out = loc;
      if (out.module.empty()) out.module = chain.back().module;
      return out;
    }
  }
  return chain.front();
}

}  // namespace

bool RunReport::failed() const {
  return outcome.kind != format::Outcome::Kind::kExited || outcome.exit_code != 0;
}

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
  out.push_back(std::string(WEFT_ENV_SESSION_FD "=") + std::to_string(session_fd));
  out.push_back(WEFT_ENV_MARKER "=1");
  return out;
}

Result<RunReport> RunProgram(const RunConfig& config) {
  SessionLayout layout;
  bool replay = config.strategy == "replay";
  if (replay) {
    if (config.replay_of == nullptr) return MakeError("replay needs a trace to follow");
    layout.strategy = WEFT_STRATEGY_REPLAY;
    layout.script_strict = true;
    BuildScript(*config.replay_of, UINT64_MAX, layout);
  } else if (config.strategy == "guided") {
    layout.strategy = WEFT_STRATEGY_GUIDED;
    if (!config.plan.empty()) {
      layout.script_plan = true;
      for (const PlanStep& p : config.plan) {
        weft_script_entry e{};
        e.tid = p.tid;
        e.arg = p.current;
        e.obj = static_cast<uint32_t>(p.done);
        layout.script.push_back(e);
      }
    } else if (config.replay_of != nullptr) {
      layout.script_strict = true;
      BuildScript(*config.replay_of, config.prefix, layout);
    } else {
      for (const Decision& d : config.schedule) {
        weft_script_entry e{};
        e.tid = d.tid;
        e.arg = d.signal_woken;
        layout.script.push_back(e);
      }
    }
    layout.forced_tid = config.forced_tid;
    if (config.tail == "random") {
      layout.tail_policy = WEFT_TAIL_RANDOM;
    } else if (config.tail == "nonpreemptive") {
      layout.tail_policy = WEFT_TAIL_NONPREEMPTIVE;
    } else {
      return MakeError("unknown tail policy '" + config.tail + "' (known: nonpreemptive, random)");
    }
  } else if (config.strategy == "random") {
    layout.strategy = WEFT_STRATEGY_RANDOM;
  } else if (config.strategy == "pct") {
    layout.strategy = WEFT_STRATEGY_PCT;
    layout.strategy_param[0] = config.pct_depth;
    layout.strategy_param[1] = config.pct_steps;
  } else {
    return MakeError("unknown strategy '" + config.strategy + "' (known: random, pct, replay)");
  }
  layout.record_decisions = config.record_decisions;
  if (config.stop_before >= 0) {
    layout.stop_enabled = true;
    layout.stop_before = static_cast<uint64_t>(config.stop_before);
  }
  layout.seed = config.seed;
  layout.stack_depth = config.stack_depth;
  layout.cpu = config.cpu;
  layout.max_steps = config.max_steps;
  layout.realtime_base_ns =
      config.realtime_base_ns != 0 ? config.realtime_base_ns : ClockNs(CLOCK_REALTIME);
  layout.monotonic_base_ns =
      config.monotonic_base_ns != 0 ? config.monotonic_base_ns : ClockNs(CLOCK_MONOTONIC);

  Result<SessionMemory> session = SessionMemory::Create(layout);
  if (!session.ok()) return session.error();

  format::Header header;
  header.weft_version = kWeftVersion;
  header.shim_protocol = WEFT_SHIM_PROTOCOL_VERSION;
  header.argv = config.argv;
  header.executable = config.executable;
  header.cwd = Cwd();
  header.env = SplitEnv(config.env);
  header.strategy = config.strategy;
  header.seed = config.seed;
  header.realtime_base_ns = layout.realtime_base_ns;
  header.monotonic_base_ns = layout.monotonic_base_ns;
  header.created_unix_ns = ClockNs(CLOCK_REALTIME);
  header.replayed_from = config.replay_path;
  header.timeout_seconds = config.timeout_seconds;
  header.max_steps = config.max_steps;

  std::unique_ptr<format::TraceWriter> writer;
  if (!config.trace_path.empty()) {
    auto w = format::TraceWriter::Create(config.trace_path, header);
    if (!w.ok()) return w.error();
    writer = std::move(w.value());
  }

  RingReader reader(session->header(), session->ring(), writer.get());

  launcher::SpawnOptions spawn;
  spawn.argv = config.argv;
  spawn.executable = config.executable;
  spawn.env = ProgramEnvironment(config.env, config.shim_path, session->fd());
  spawn.keep_fds = {session->fd()};
  spawn.timeout_seconds = config.timeout_seconds;
  spawn.stdout_fd = config.stdout_fd;
  spawn.stderr_fd = config.stderr_fd;
  spawn.poll = [&reader] { reader.Drain(); };

  Result<launcher::RunResult> run = launcher::Run(spawn);
  if (!run.ok()) return run.error();
  reader.Drain();

  const weft_session* status = session->header();
  RunReport report;
  format::Outcome& outcome = report.outcome;
  using K = format::Outcome::Kind;
  const launcher::RunResult& rr = run.value();
  uint32_t flags = __atomic_load_n(&status->status, __ATOMIC_ACQUIRE);
  if (flags & WEFT_STATUS_DEADLOCK) {
    outcome.kind = K::kDeadlock;
    outcome.blocked = reader.blocked();
  } else if (flags & WEFT_STATUS_STOPPED) {
    outcome.kind = K::kStopped;
    outcome.blocked = reader.blocked();
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
  } else if (rr.kind == launcher::RunResult::Kind::kSignaled) {
    outcome.kind = K::kSignaled;
    outcome.signal = rr.signal;
  } else {
    outcome.kind = K::kExited;
    outcome.exit_code = rr.exit_code;
  }
  std::set<uint32_t> exact_frames;  // frames whose IP is not a return address
  if (rr.crash.has_value() && outcome.kind == K::kSignaled) {
    format::Crash crash;
    crash.signal = rr.crash->signal;
    crash.os_tid = rr.crash->os_tid;
    crash.tid = reader.TidOfOsTid(rr.crash->os_tid);
    crash.fault_address = rr.crash->fault_address;
    crash.ip = rr.crash->ip;
    crash.instruction = rr.crash->instruction;
    for (size_t i = 0; i < rr.crash->stack.size(); ++i) {
      uint32_t id = reader.FrameFor(rr.crash->stack[i]);
      if (i == 0) exact_frames.insert(id);
      crash.frames.push_back(id);
    }
    outcome.crash = crash;
  }
  if (flags & WEFT_STATUS_DIVERGED) {
    outcome.diverged = true;
    outcome.divergence_index = status->divergence_index;
    const weft_script_entry& got = status->divergence_actual;
    std::string expected = "the end of the recorded run";
    if (replay && status->divergence_index < config.replay_of->events.size()) {
      const format::Event& e = config.replay_of->events[status->divergence_index];
      expected = DescribeScriptEntry(config.replay_of, e.tid, static_cast<uint32_t>(e.kind), e.obj);
    }
    outcome.divergence = "event " + std::to_string(status->divergence_index) + ": expected " +
                         expected + ", the program did " +
                         DescribeScriptEntry(config.replay_of, got.tid, got.kind, got.obj);
  } else if (replay && !(flags & WEFT_STATUS_STOPPED) &&
             reader.events() != config.replay_of->events.size()) {
    // The program ended before (or after) the recorded run did.
    outcome.diverged = true;
    outcome.divergence_index = reader.events();
    outcome.divergence = "the program ended after " + std::to_string(reader.events()) +
                         " events; the trace has " +
                         std::to_string(config.replay_of->events.size());
  }
  outcome.events = reader.events();
  outcome.wall_seconds = rr.wall_seconds;

  report.events = reader.events();
  report.event_digest = reader.digest();
  report.diverged = outcome.diverged;
  report.divergence_index = outcome.divergence_index;
  report.divergence = outcome.divergence;
  report.wall_seconds = rr.wall_seconds;
  report.controlled = status->claimed_pid != 0;
  report.threads = status->threads;
  report.interrupted_by = rr.interrupted_by;
  report.decisions = std::move(reader.decisions());

  if (writer != nullptr) {
    launcher::Symbolizer symbolizer(rr.maps);
    for (const auto& m : symbolizer.Modules()) {
      format::Module mod{m.path, m.build_id, m.base, m.size};
      (void)writer->WriteModule(mod);
    }
    const std::vector<uint64_t>& ips = reader.frame_ips();
    std::vector<launcher::Symbolizer::Location> locations(ips.size());
    for (uint32_t id = 1; id < ips.size(); ++id) {
      bool exact = exact_frames.count(id) != 0;
      locations[id] = SourceLevelLocation(symbolizer, exact ? ips[id] : ips[id] - 1);
    }
    for (format::Thread& t : reader.threads()) {
      t.start_function = t.tid == 0 ? "main" : symbolizer.SymbolizeCode(t.start_routine).function;
      if (t.start_function.empty()) {
        // A start routine without a symbol (std::thread's lives in libstdc++): name the
        // thread by the outermost frame of the program's own code in its first stack.
        auto first = reader.first_stacks().find(t.tid);
        if (first != reader.first_stacks().end()) {
          const std::vector<uint32_t>& frames = reader.Stack(first->second);
          for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
            const launcher::Symbolizer::Location& loc = locations[*it];
            bool library_code =
                loc.function.rfind("std::", 0) == 0 || loc.function.rfind("__", 0) == 0;
            if (loc.module == config.executable && !loc.function.empty() && !library_code) {
              t.start_function = loc.function;
              break;
            }
          }
        }
      }
      (void)writer->WriteThread(t);
    }
    for (uint32_t id = 1; id < ips.size(); ++id) {
      const launcher::Symbolizer::Location& loc = locations[id];
      (void)writer->WriteFrame(
          id, format::Frame{ips[id], loc.function, loc.file, loc.line, loc.module});
    }
    for (format::Object& o : reader.objects()) {
      if (o.id == 0 || o.kind == format::ObjectKind::kThread) continue;
      o.symbol = symbolizer.SymbolizeData(o.address);
      if (!o.symbol.empty()) (void)writer->WriteObject(o);
    }
    Status s = writer->WriteOutcome(outcome);
    if (s.ok()) s = writer->Close();
    if (!s.ok()) return s.error();
    if (!reader.writer_status().ok()) return reader.writer_status().error();
    report.trace_path = config.trace_path;
    report.trace_bytes = writer->bytes_written();
  }
  if (!reader.error().empty()) {
    return MakeError("the event ring of the run is corrupt: " + reader.error());
  }
  return report;
}

}  // namespace weft::session
