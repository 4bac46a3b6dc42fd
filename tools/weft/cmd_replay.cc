// weft replay — run a recorded schedule again and check that it reproduces.
#include <unistd.h>

#include <cstdio>
#include <optional>

#include "cli.h"
#include "debugger.h"
#include "races.h"
#include "trace_trust.h"
#include "weft/instrument.h"
#include "weft/json.h"
#include "weft/render.h"
#include "weft/trace_io.h"

namespace weft::cli {
namespace {

constexpr const char* kUsage = R"(usage: weft replay [options] TRACE

Runs the program of TRACE again (same arguments, environment and virtual clock),
forcing the recorded schedule, and checks every event against the trace. Says
whether the run reproduced (same events, same outcome) and, if not, the first
event where it diverged.

options:
  -n, --times N      replay N times and check every replay (default 1)
  -o, --output FILE  also write the replay's own trace to FILE
  --stop-at N        stop the program just before event N and write a trace (to
                     FILE, default TRACE-stop-N.weft) whose outcome lists every
                     thread's pending operation and stack
  --gdb N            replay to just before event N and attach gdb there: every
                     thread stopped, the one about to perform event N selected,
                     in its frame of your code (its innermost frames are weft's:
                     the hook of the call it is about to make and the hold;
                     `bt` shows them above yours). `continue` runs the rest of
                     the recorded schedule (no longer checked nor recorded);
                     the program is killed when gdb exits
  --gdbserver PORT   with --gdb N: serve gdbserver on PORT instead (connect with
                     gdb -ex 'target remote localhost:PORT'); weft waits until
                     it exits
  --gdb-batch CMDS   with --gdb N: run gdb non-interactively with the commands
                     CMDS, separated by ';' (e.g. 'bt; info threads'), then end
  --timeout S        kill a replay after S seconds of real time (default: the
                     recorded run's --timeout, if it had one)
  --continue-after-divergence
                     let a replay that diverges go on, unscheduled by the trace
                     (default: it stops at the divergence and weft reports where:
                     event, expected and actual operation, every thread's pending
                     operation and stack; that replay's trace is kept as
                     TRACE-diverged.weft unless -o names one)
  --quiet            send the program's output to /dev/null
  --dry-run          run nothing: say what would run (program, arguments,
                     directory, how the environment differs from yours) and
                     whether it is allowed; with --json: weft.replay-check/1
  --force            run the program even if it changed since the recording
                     (its build-id is not the recorded one)
  --trust            run what the trace says even when its environment sets
                     loader variables (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT, …)
  --fail-on-race     exit 1 when the run has a data race (a program built with
                     `weft cc`; its reports are printed as ThreadSanitizer's)
  --json             print one JSON object on stdout (weft.replay/1, see
                     docs/JSON.md): reproduced, exit_code, signal, deadlock,
                     events, diverged, divergence, outcome, reason,
                     event_digest, replays, reproduced_count, races
  --progress FORMAT  text (default: nothing), or jsonl: one weft.progress/1
                     object per replay on stderr
  -h, --help         show this help

Exit status: 0 when every replay reproduced, 1 when one did not (or, with
--fail-on-race, when the run has a data race), 2 on errors.
)";

}  // namespace

int RunReplay(const std::vector<std::string>& argv) {
  Args args(argv, false);
  if (args.Flag("--help") || args.Flag("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  uint64_t times = 1;
  double timeout = 0;
  std::string output;
  args.Positive("--times", &times, "-n", "how many replays to run and check, e.g. --times 3");
  args.Value("--output", &output, "-o");
  bool have_timeout = args.Double("--timeout", &timeout);
  uint64_t stop_at = 0;
  bool stopping = args.Uint("--stop-at", &stop_at);
  uint64_t gdb_event = 0;
  const bool gdb = args.Uint("--gdb", &gdb_event);
  uint64_t gdbserver_port = 0;
  const bool gdbserver = args.Positive("--gdbserver", &gdbserver_port, "",
                                       "the port gdbserver listens on, e.g. --gdbserver 2345");
  std::string gdb_batch;
  const bool batch = args.Value("--gdb-batch", &gdb_batch);
  bool quiet = args.Flag("--quiet");
  bool continue_after = args.Flag("--continue-after-divergence");
  bool json = args.Flag("--json");
  bool dry_run = args.Flag("--dry-run");
  bool fail_on_race = args.Flag("--fail-on-race");
  api::TraceTrust trust = TrustOptions(args);
  Result<ProgressFormat> progress = ProgressOption(args);
  Status st = args.Finish();
  if (!st.ok()) return Fail("replay", st.error().message + " (see weft replay --help)");
  if (!progress.ok()) return Fail("replay", progress.error().message);
  if (args.positional().size() != 1) return Fail("replay", "give exactly one trace file");
  const std::string& path = args.positional()[0];
  if ((gdbserver || batch) && !gdb) {
    return Fail("replay", std::string(gdbserver ? "--gdbserver" : "--gdb-batch") +
                              " needs --gdb N (the event to stop before)");
  }
  if (gdb && stopping) return Fail("replay", "give --gdb N or --stop-at N, not both");
  if (gdbserver && batch) return Fail("replay", "give --gdbserver PORT or --gdb-batch, not both");
  if (gdbserver_port > 65535) return Fail("replay", "--gdbserver: a port is 1..65535");
  if (batch && SplitGdbCommands(gdb_batch).empty()) {
    return Fail("replay", "--gdb-batch: no command given (e.g. --gdb-batch 'bt')");
  }
  if (gdb) {
    stopping = true;
    stop_at = gdb_event;
    times = 1;
  }
  if (stopping && !gdb) {
    times = 1;
    if (output.empty()) {
      std::string base = TraceStem(path);
      output = base + "-stop-" + std::to_string(stop_at) + ".weft";
    }
  }

  if (!output.empty()) {
    if (Status s = CreateParentDirectories(output); !s.ok()) {
      return Fail("replay", s.error().message);
    }
  }
  // A trace cut inside a packet (its writer was killed) replays as the prefix it holds.
  format::ReadOptions lenient;
  lenient.accept_truncated = true;
  Result<format::Trace> trace = format::ReadTrace(path, lenient);
  if (!trace.ok()) return Fail("replay", trace.error().message);
  if (std::string window = format::RingWindowNotReplayable(trace->header, path); !window.empty()) {
    return Fail("replay", window);
  }
  if (dry_run) return ReplayDryRun(trace.value(), path, trust, json);
  bool prefix = false;
  if (!trace->has_outcome) {
    std::string why = trace->truncated_at_byte != 0 ? " is cut inside a packet at byte " +
                                                          std::to_string(trace->truncated_at_byte) +
                                                          " (its writer was probably killed)"
                      : trace->header.ring ? " was written while the program ran (a flight "
                                             "recording's dump on demand)"
                                           : " was interrupted before the run ended";
    Say("note: " + path + why + "; replaying it as a prefix: its " +
        std::to_string(trace->events.size()) + " recorded events, checked, then the replay stops");
    if (!stopping) {
      prefix = true;
      stopping = true;
      stop_at = trace->events.size();
      times = std::max<uint64_t>(times, 1);
    }
  }
  api::ReplayOptions options;
  options.times = times;
  options.trust = trust;
  options.output = output;
  if (have_timeout) options.timeout_seconds = timeout;
  if (stopping) options.stop_at = stop_at;
  if (prefix) options.times = times;
  options.continue_after_divergence = continue_after;
  options.divergence_output = TraceStem(path) + "-diverged.weft";
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
  if (access(dir.c_str(), W_OK) != 0) options.divergence_output.clear();
  // --gdb: the replay is held before the event and handed to the debugger.
  DebuggerOutcome debugged;
  bool handed = false;
  if (gdb) {
    DebuggerRequest request;
    request.gdbserver_port = static_cast<int>(gdbserver_port);
    if (batch) request.commands = SplitGdbCommands(gdb_batch);
    request.held_tid = stop_at < trace->events.size() ? trace->events[stop_at].tid : -1;
    request.event = stop_at;
    request.stdout_to_stderr = json;
    options.debugger = [&, request](const session::HeldProgram& held) {
      handed = true;
      if (!json) {
        std::string what;
        if (stop_at < trace->events.size()) {
          const format::Event& e = trace->events[stop_at];
          what = " (T" + std::to_string(e.tid) + " about to " +
                 std::string(format::EventKindName(e.kind));
          std::string object = format::DescribeObject(trace.value(), e.obj);
          if (!object.empty()) what += " " + object;
          std::string where = format::DescribeLocation(trace.value(), e.stack);
          if (!where.empty()) what += " at " + where;
          what += ")";
        }
        Say("held before event " + std::to_string(stop_at) + what + "; " +
            (gdbserver ? "starting gdbserver" : "attaching gdb") + " to pid " +
            std::to_string(held.pid));
      }
      debugged = RunDebugger(request, held);
    };
  }
  FILE* devnull = quiet || json ? std::fopen("/dev/null", "w") : nullptr;
  if (devnull != nullptr) {
    options.stdout_fd = fileno(devnull);
    options.stderr_fd = fileno(devnull);
  }
  double start = MonotonicSeconds();
  auto print_progress = [&](uint64_t replay, bool reproduced, uint64_t not_reproduced) {
    if (progress.value() != ProgressFormat::kJsonl) return;
    ProgressLine line;
    line.command = "replay";
    line.run = replay;
    line.runs = times;
    line.seed = static_cast<int64_t>(trace->header.seed);
    line.elapsed_seconds = MonotonicSeconds() - start;
    line.failed = reproduced ? 0 : 1;
    line.failures = not_reproduced;
    PrintProgressJsonl(line);
  };
  api::Host host = CliHost();
  host.command = PrintTraceCommand;
  Result<api::ReplayResult> replayed =
      api::Replay(trace.value(), path, options, host, print_progress);
  if (devnull != nullptr) std::fclose(devnull);
  if (!replayed.ok()) return Fail("replay", replayed.error().message);
  const api::ReplayResult& result = replayed.value();
  if (result.interrupted_by != 0) {
    Say("interrupted by " + format::DescribeSignal(result.interrupted_by) + " during replay " +
        std::to_string(result.replays + 1) + " of " + std::to_string(times) + "; stopping");
    return 128 + result.interrupted_by;
  }
  const session::RunReport& last = result.last;
  std::string gdb_problem;  // --gdb: why the debugger did not get the program
  if (gdb && !handed) {
    gdb_problem = "the replay did not reach event " + std::to_string(stop_at) +
                  " (outcome: " + format::DescribeOutcome(last.outcome) + ")";
  } else if (gdb && !debugged.error.empty()) {
    gdb_problem = debugged.error;
  }
  const uint64_t reproduced_count = result.reproduced_count;
  const std::string& first_problem = result.first_problem;
  bool all = result.reproduced;
  // The run's data races: of the replay's own trace when it was written, else of the
  // recorded one when the replay reproduced it (the same events).
  format::Trace raced;
  std::vector<analysis::Race> races;
  bool races_checked = false;
  const bool instrumented =
      api::LinksWeftRuntime(trace->header.executable) || analysis::HasMemoryAccesses(trace.value());
  if (!instrumented || stopping) {
    // nothing to check: the program has no memory accesses in its traces
  } else if (!output.empty()) {
    std::string unread;
    races = RacesOfTraceFile(output, &raced, &unread);
    races_checked = unread.empty();
    if (!races_checked) Say("warning: data races not checked: " + unread);
  } else if (all) {
    races = analysis::FindRaces(trace.value());
    races_checked = true;
  }
  if (!instrumented && !stopping) races_checked = true;  // no access, no race
  const std::string& raced_name = output.empty() ? path : output;
  const format::Trace& raced_trace = output.empty() ? trace.value() : raced;
  const bool race_failure = fail_on_race && !races.empty();
  int status = !all || race_failure ? kExitFound : kExitOk;
  if (gdb && !gdb_problem.empty()) status = handed ? kExitUsage : kExitFound;

  // Where the first diverging replay left the schedule, from its trace (with stacks).
  std::optional<format::Trace> diverged_trace;
  if (result.diverged && !result.divergence_trace.empty()) {
    Result<format::Trace> t = format::ReadTrace(result.divergence_trace);
    if (t.ok()) diverged_trace = std::move(t.value());
  }
  const int divergence_tid = result.diverged ? result.diverged->divergence_tid : -1;
  auto thread_line = [&](const format::BlockedThread& b) {
    const format::Trace& t = *diverged_trace;
    std::string line = "T" + std::to_string(b.tid);
    if (b.tid < t.threads.size() && !t.threads[b.tid].start_function.empty()) {
      line += " (" + t.threads[b.tid].start_function + ")";
    }
    line += ": " + std::string(format::EventKindName(b.kind));
    std::string object = format::DescribeObject(t, b.obj);
    if (!object.empty()) line += " " + object;
    std::string where = format::DescribeLocation(t, b.stack);
    if (!where.empty()) line += " at " + where;
    return line;
  };

  if (json) {
    using K = format::Outcome::Kind;
    const format::Outcome& o = last.outcome;
    json::Writer w;
    w.BeginObject();
    w.Field("schema", kSchemaReplay);
    w.Field("reproduced", all);
    w.Field("replays", times);
    w.Field("reproduced_count", reproduced_count);
    WriteOutcomeFields(w, o);
    w.Field("stopped", o.kind == K::kStopped);
    w.Field("events", last.events);
    w.Field("recorded_events", static_cast<uint64_t>(trace->events.size()));
    w.Field("diverged", last.diverged);
    if (last.diverged)
      w.Field("divergence", last.divergence);
    else
      w.NullField("divergence");
    if (last.diverged)
      w.Field("divergence_index", last.divergence_index);
    else
      w.NullField("divergence_index");
    w.Field("outcome", format::DescribeOutcome(o));
    // Why a replay did not reproduce (also when it did not diverge: a different outcome or
    // event stream, or a divergence in an earlier replay of --times N); null when it did.
    if (all)
      w.NullField("reason");
    else
      w.Field("reason", first_problem.empty() ? std::string("not reproduced") : first_problem);
    // The first diverging replay (also when a later one is `last`).
    if (divergence_tid >= 0)
      w.Field("divergence_thread", static_cast<int64_t>(divergence_tid));
    else
      w.NullField("divergence_thread");
    if (diverged_trace)
      w.Field("divergence_trace", result.divergence_trace);
    else
      w.NullField("divergence_trace");
    w.Key("divergence_threads").BeginArray();
    if (diverged_trace) {
      for (const format::BlockedThread& b : diverged_trace->outcome.blocked) {
        w.BeginObject();
        w.Field("tid", static_cast<uint64_t>(b.tid));
        w.Field("kind", format::EventKindName(b.kind));
        w.Field("object", format::DescribeObject(*diverged_trace, b.obj));
        w.Field("location", format::DescribeLocation(*diverged_trace, b.stack));
        w.Field("diverged", static_cast<int>(b.tid) == divergence_tid);
        w.EndObject();
      }
    }
    w.EndArray();
    char digest[32];
    std::snprintf(digest, sizeof(digest), "%016llx",
                  static_cast<unsigned long long>(last.event_digest));
    w.Field("event_digest", digest);
    WriteMemoryField(w, last);
    if (!output.empty())
      w.Field("trace", output);
    else
      w.NullField("trace");
    WriteRacesField(w, raced_trace, races);
    w.Field("races_checked", races_checked);
    w.Field("race_failure", race_failure);
    w.Key("notes").BeginArray();
    for (const std::string& note : last.notes) w.String(note);
    w.EndArray();
    if (gdb) {
      w.Key("debugger").BeginObject();
      w.Field("tool", gdbserver ? "gdbserver" : "gdb");
      w.Field("event", stop_at);
      w.Field("held", handed);
      w.Field("attached", debugged.attached);
      w.Field("exit_status", static_cast<int64_t>(debugged.exit_status));
      if (gdb_problem.empty())
        w.NullField("error");
      else
        w.Field("error", gdb_problem);
      w.EndObject();
    } else {
      w.NullField("debugger");
    }
    w.EndObject();
    std::printf("%s\n", w.TakeString().c_str());
    return status;
  }
  Say("outcome: " + format::DescribeOutcome(last.outcome));
  for (const std::string& note : last.notes) Say("note: " + note);
  if (std::string note = AtomicNote(last.atomic); !note.empty()) Say(note);
  if (std::string note = MemoryNote(last.memory_instrumented, last.memory_events); !note.empty()) {
    Say(note);
  }
  if (prefix && all) {
    Say("reproduced the recorded prefix: same " + std::to_string(last.events) + " events as " +
        path + " (the trace ends there)");
    if (!output.empty()) Say("replay trace written to " + output);
    return kExitOk;
  }
  if (gdb) {
    if (!gdb_problem.empty()) {
      if (handed) return Fail("replay", gdb_problem);
      Say("--gdb: " + gdb_problem);
      return status;
    }
    Say(std::string(gdbserver ? "gdbserver" : "gdb") + " exited (status " +
        std::to_string(debugged.exit_status) + "); the program was killed");
    if (!output.empty()) {
      Say("every thread's pending operation and stack at event " + std::to_string(stop_at) +
          " are in " + output + " (weft show " + ShellQuote(output) + ")");
    }
    return kExitOk;
  }
  if (stopping && all) {
    Say("stopped before event " + std::to_string(stop_at) +
        "; every thread's pending "
        "operation and stack are in " +
        output + " (weft show " + ShellQuote(output) + ")");
    return kExitOk;
  }
  if (all && trace->header.mode == format::Mode::kFree) {
    // A free recording is matched by its synchronization order (README "Free recordings").
    Say(std::string("reproduced: ") +
        (times > 1 ? std::to_string(times) + " of " + std::to_string(times) + " replays, " : "") +
        "the recorded order of " + Plural(last.order_events, "synchronization event") +
        " and the same outcome as " + path);
  } else if (all) {
    Say(std::string("reproduced: ") +
        (times > 1 ? std::to_string(times) + " of " + std::to_string(times) + " replays, " : "") +
        "same " + Plural(last.events, "event") + " and same outcome as " + path);
  } else {
    Say("NOT reproduced (" + std::to_string(reproduced_count) + " of " + std::to_string(times) +
        " replays matched): " + first_problem);
  }
  if (result.diverged) {
    const session::RunReport& d = *result.diverged;
    if (d.outcome.kind == format::Outcome::Kind::kStopped && !continue_after) {
      Say("the replay stopped at event " + std::to_string(d.divergence_index) +
          ", where it diverged (--continue-after-divergence lets it go on)" +
          (diverged_trace ? "; its threads there:" : ""));
    }
    if (diverged_trace) {
      for (const format::BlockedThread& b : diverged_trace->outcome.blocked) {
        Say("  " + thread_line(b) +
            (static_cast<int>(b.tid) == divergence_tid ? "   <- did not follow the trace" : ""));
      }
      if (result.divergence_trace != output) {
        Say("the diverging replay's trace: " + result.divergence_trace + " (weft show " +
            ShellQuote(result.divergence_trace) + ")");
      }
    }
  }
  PrintRaces(raced_trace, races, raced_name);
  if (race_failure) Say("failing: the run has a data race (--fail-on-race)");
  if (!races_checked && !stopping && fail_on_race) {
    Say("data races not checked: the replay did not reproduce; give -o FILE to keep its trace");
  }
  if (!output.empty()) Say("replay trace written to " + output);
  return status;
}

}  // namespace weft::cli
