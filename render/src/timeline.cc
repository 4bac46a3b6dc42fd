// timeline.cc — the human-readable timeline of `weft show`.
// NB: output must not depend on anything but the trace (no locale, no clock, no time zone,
// no environment): golden tests compare it byte for byte.
#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "text.h"
#include "weft/preemptions.h"
#include "weft/race.h"
#include "weft/race_report.h"
#include "weft/render.h"
#include "weft/show.h"
#include "weft/wait_for.h"

namespace weft::render {
namespace {

using namespace ::weft::format;
using namespace internal;

// What an exec ran: the program's path and its arguments, shortened past kMaxChars.
std::string CommandLine(const ProcessExec& exec) {
  constexpr size_t kMaxChars = 80;
  std::string line = exec.executable.empty() && !exec.argv.empty() ? exec.argv[0] : exec.executable;
  for (size_t i = 1; i < exec.argv.size(); ++i) line += " " + ShellQuote(exec.argv[i]);
  if (line.size() > kMaxChars) line = line.substr(0, kMaxChars - 3) + "...";
  return line;
}

// "mutex#2 (m_b)" — the deadlock cycle's way of naming an object.
std::string ObjectInParens(const Trace& trace, uint32_t obj) {
  if (obj == 0) return "nothing";
  std::string text = DescribeObject(trace, obj);
  size_t space = text.find(' ');
  if (space == std::string::npos) return text;
  return text.substr(0, space) + " (" + text.substr(space + 1) + ")";
}

// The waits of a deadlock as one sentence:
// "T1 waits for mutex#2 (m_b) held by T2; T2 waits for mutex#1 (m_a) held by T1".
// Empty if the blocked threads form no cycle.
std::string WaitForCycle(const Trace& trace, const Outcome& outcome) {
  std::string text;
  for (const BlockedThread& b : analysis::WaitForCycle(outcome.blocked)) {
    if (!text.empty()) text += "; ";
    if (b.kind == EventKind::kThreadJoin) {
      text += ThreadName(b.tid) + " waits for " + ThreadName(b.holder) + " to exit";
    } else {
      text += ThreadName(b.tid) + " waits for " + ObjectInParens(trace, b.obj) + " held by " +
              ThreadName(b.holder);
    }
  }
  return text;
}

// "120 (90 clock reads, 3 random, 27 reads: 1.2 KiB), fed back by a replay".
std::string DescribeInputs(const Trace& trace) {
  uint64_t counts[5] = {};
  uint64_t bytes = 0;
  for (const Input& in : trace.inputs) {
    auto k = static_cast<uint32_t>(in.kind);
    if (k < 5) ++counts[k];
    bytes += in.data.size();
  }
  std::string what = std::to_string(counts[1]) + " clock reads, " + std::to_string(counts[2]) +
                     " random, " + std::to_string(counts[3]) + " reads from outside";
  if (counts[4] != 0 || trace.header.mode != Mode::kFree) {
    what = trace.header.mode == Mode::kFree || counts[1] + counts[2] + counts[3] != 0
               ? what + ", " + std::to_string(counts[4]) + " directory entries"
               : std::to_string(counts[4]) + " directory entries";
  }
  return std::to_string(trace.inputs.size()) + " (" + what + "; " + std::to_string(bytes) +
         " bytes of data), fed back by a replay";
}

std::string OutcomeSection(const Trace& trace) {
  std::string out = "outcome: " + DescribeOutcome(trace) + "\n";
  if (!trace.has_outcome) return out;
  const Outcome& outcome = trace.outcome;
  if (outcome.crash) {
    const Crash& crash = *outcome.crash;
    std::vector<std::vector<std::string>> rows;
    std::string thread = crash.tid >= 0 ? ThreadName(crash.tid) : std::string("unknown thread");
    if (crash.os_tid != 0) thread += " (os tid " + std::to_string(crash.os_tid) + ")";
    rows.push_back({"thread", thread});
    if (crash.signal != outcome.signal || outcome.kind != Outcome::Kind::kSignaled) {
      rows.push_back({"signal", DescribeSignal(crash.signal)});
    }
    rows.push_back({"fault address", Hex(crash.fault_address)});
    rows.push_back({"instruction", crash.instruction.empty() ? "?" : crash.instruction});
    out += Table(rows, {false, false}, 64, "  ");
    out += "  stack:\n" + StackLines(trace, crash.frames, "    ");
  }
  bool stopped = outcome.kind == Outcome::Kind::kStopped;
  if (outcome.kind == Outcome::Kind::kDeadlock || stopped) {
    if (!stopped && !(outcome.blocked.empty() && !outcome.message.empty())) {
      std::string cycle = WaitForCycle(trace, outcome);
      out += cycle.empty() ? "  no wait-for cycle among the blocked threads\n"
                           : "  cycle: " + cycle + "\n";
    }
    for (const BlockedThread& b : outcome.blocked) {
      std::string line =
          "  " + ThreadName(b.tid) + (stopped ? " at " : " blocked in ") + EventKindName(b.kind);
      if (b.obj != 0) line += " on " + DescribeObject(trace, b.obj);
      if (b.holder >= 0) {
        line += b.kind == EventKind::kThreadJoin
                    ? ", waiting for " + ThreadName(b.holder) + " to exit"
                    : ", held by " + ThreadName(b.holder);
      }
      out += line + "\n" + StackLines(trace, format::StackFrames(trace, b.stack), "    ");
    }
  }
  if (outcome.diverged) {
    out += outcome.divergence.empty()
               ? "  replay diverged at event " + std::to_string(outcome.divergence_index) + "\n"
               : "  replay diverged: " + outcome.divergence + "\n";
  }
  if (!outcome.message.empty() && outcome.kind != Outcome::Kind::kShimError) {
    out += "  note: " + outcome.message + "\n";
  }
  if (outcome.turns_taken != 0) out += "  note: " + DescribeTurnsTaken(outcome.turns_taken) + "\n";
  return out;
}

}  // namespace

std::string internal::CycleText(const Trace& trace, const Outcome& outcome) {
  return WaitForCycle(trace, outcome);
}

std::string RenderTimeline(const Trace& trace) {
  const Header& header = trace.header;
  std::string out;

  // Header.
  std::string command;
  for (const std::string& arg : header.argv)
    command += (command.empty() ? "" : " ") + ShellQuote(arg);
  out += "trace:\n";
  std::vector<std::vector<std::string>> info;
  info.push_back({"program", command.empty() ? std::string("(no argv)") : command});
  if (!header.executable.empty()) info.push_back({"executable", header.executable});
  if (!header.cwd.empty()) info.push_back({"cwd", header.cwd});
  if (!header.env_redacted.empty()) {
    std::string names;
    for (const RedactedEnv& r : header.env_redacted) {
      if (r.index < header.env.size())
        names += (names.empty() ? "" : ", ") + header.env[r.index].first;
    }
    info.push_back({"redacted", names + " (name and digest only: replay takes the values from "
                                        "its own environment)"});
  }
  if (!header.env_kept.empty()) {
    std::string names;
    for (const std::string& n : header.env_kept) names += (names.empty() ? "" : ", ") + n;
    info.push_back({"kept", names + " (look secret, stored in clear: --keep-env)"});
  }
  std::string mode =
      header.mode == Mode::kControlled ? "controlled"
      : header.mode == Mode::kFree
          ? "free (threads in parallel; the order of their synchronization events recorded)"
          : "mode " + std::to_string(static_cast<uint32_t>(header.mode));
  info.push_back({"schedule", mode + ", strategy " +
                                  (header.strategy.empty() ? "?" : header.strategy) + ", seed " +
                                  std::to_string(header.seed)});
  if (header.schedule.kind != ScheduleSpec::Kind::kUnspecified) {
    info.push_back({"spec", DescribeSchedule(header.schedule)});
  }
  if (!header.replayed_from.empty()) info.push_back({"replay of", header.replayed_from});
  if (header.created_unix_ns != 0)
    info.push_back({"recorded", CreatedTime(header.created_unix_ns)});
  info.push_back({"weft", (header.weft_version.empty() ? "?" : header.weft_version) +
                              " (shim protocol " + std::to_string(header.shim_protocol) +
                              ", format " + std::to_string(header.format_major) + ")"});
  info.push_back({"events", std::to_string(trace.events.size())});
  if (header.ring) info.push_back({"window", DescribeRingWindow(header)});
  // (a controlled trace that read no directory has none to speak of)
  if (header.inputs_recorded && (header.mode == Mode::kFree || !trace.inputs.empty())) {
    info.push_back({"inputs", DescribeInputs(trace)});
  }
  out += Table(info, {false, false}, 64, "  ");

  // Threads.
  out += "\nthreads:\n";
  auto thread_row = [&](const Thread& t) {
    std::string start = !t.start_function.empty() ? ShortName(t.start_function, 60)
                        : t.start_routine != 0    ? Hex(t.start_routine)
                                                  : "?";
    std::string origin = t.parent >= 0 ? "created by " + ThreadName(t.parent) : "";
    std::string name = t.name.empty() ? "" : "named \"" + t.name + "\"";
    return std::vector<std::string>{ThreadName(t.tid), start, origin, name};
  };
  // The threads of a session with several processes, grouped by process (in the order each
  // process's first thread appears), each group under a line naming the process.
  std::vector<uint32_t> pids;
  for (const Thread& t : trace.threads) {
    if (std::find(pids.begin(), pids.end(), t.pid) == pids.end()) pids.push_back(t.pid);
  }
  if (pids.size() <= 1) {
    std::vector<std::vector<std::string>> threads;
    for (const Thread& t : trace.threads) threads.push_back(thread_row(t));
    out += threads.empty() ? "  (none recorded)\n"
                           : Table(threads, {false, false, false, false}, 40, "  ");
  } else {
    for (uint32_t pid : pids) {
      const Thread* first = nullptr;
      std::vector<std::vector<std::string>> threads;
      for (const Thread& t : trace.threads) {
        if (t.pid != pid) continue;
        if (first == nullptr) first = &t;
        threads.push_back(thread_row(t));
      }
      std::string line = "  process " + std::to_string(pid);
      if (first->parent >= 0 && first->tid != 0) {
        line += ", started by " + ThreadName(static_cast<uint32_t>(first->parent));
      }
      for (const Process& p : trace.processes) {
        if (p.pid != pid) continue;
        for (const ProcessExec& exec : p.execs) line += ", exec'd " + CommandLine(exec);
      }
      line += ":\n";
      out += line + Table(threads, {false, false, false, false}, 40, "    ");
    }
  }

  // Events.
  out += "\nevents:\n";
  std::map<uint64_t, std::vector<uint32_t>> woken_by_event;
  for (const Wake& wake : trace.wakes) woken_by_event[wake.event_index].push_back(wake.woken);
  static const std::vector<uint32_t> kNoWakes;
  std::vector<std::vector<std::string>> rows;
  rows.reserve(trace.events.size() + 1);
  rows.push_back({"#", "vtime (s)", "thread", "event", "object", "details", "decision", "location",
                  "preemption"});
  // NB: the preemption column is the last one, so that a trace without preemptions prints
  // exactly as before it was added (golden.format1_show relies on it).
  analysis::Preemptions preemptions = analysis::FindPreemptions(trace);
  for (size_t i = 0; i < trace.events.size(); ++i) {
    const Event& e = trace.events[i];
    auto woken = woken_by_event.find(i);
    int32_t preempted = preemptions.preempted[i];
    rows.push_back({
        std::to_string(i),
        VirtualTime(e.vtime),
        ThreadName(e.tid),
        EventKindName(e.kind),
        DescribeEventObject(trace, e),
        EventDetails(trace, e, woken == woken_by_event.end() ? kNoWakes : woken->second),
        e.enabled > 1 ? "[" + std::to_string(e.enabled) + " enabled]" : "",
        DescribeLocation(trace, e.stack),
        preempted >= 0 ? "preempts " + ThreadName(static_cast<uint32_t>(preempted)) : "",
    });
  }
  if (trace.events.empty()) {
    out += "  (none recorded)\n";
  } else {
    // Drop the titles of columns that no event fills.
    for (size_t c = 4; c < rows[0].size(); ++c) {
      bool used = false;
      for (size_t r = 1; r < rows.size() && !used; ++r) used = !rows[r][c].empty();
      if (!used) rows[0][c].clear();
    }
    out += Table(rows, {true, true, false, false, false, false, false, false, false}, 32, "  ");
  }
  if (preemptions.count != 0) {
    std::string at;
    for (size_t i = 0; i < preemptions.preempted.size(); ++i) {
      if (preemptions.preempted[i] >= 0) at += (at.empty() ? "#" : ", #") + std::to_string(i);
    }
    out += "\n" + std::to_string(preemptions.count) +
           (preemptions.count == 1 ? " preemption" : " preemptions") + " (a switch away from a " +
           "thread that could have gone on): " + at +
           (preemptions.exact ? "\n"
                              : "\n  (inferred from the events: the run did not record its "
                                "enabled sets; a wait the events do not show as over counts as "
                                "not ready)\n");
  }

  for (auto [name, output] :
       {std::pair{"stdout", &trace.program_stdout}, std::pair{"stderr", &trace.program_stderr}}) {
    if (output->data.empty() && !output->truncated) continue;
    out +=
        "\n" + std::string(name) + " (" + std::to_string(output->total_bytes) + " bytes" +
        (output->truncated ? ", the first " + std::to_string(output->data.size()) + " kept" : "") +
        "):\n";
    for (size_t start = 0; start < output->data.size();) {
      size_t end = output->data.find('\n', start);
      if (end == std::string::npos) end = output->data.size();
      out += "  " + output->data.substr(start, end - start) + "\n";
      start = end + 1;
    }
  }

  // Memory accesses of an instrumented build: the accesses the recorder logged late, and the
  // data races (analysis/race.h) in ThreadSanitizer's shape.
  if (analysis::HasMemoryAccesses(trace)) {
    if (!trace.prior_accesses.empty()) {
      out +=
          "\nearlier accesses logged with a later event (the granule was one thread's "
          "until then):\n";
      std::vector<std::vector<std::string>> prior_rows;
      for (const PriorAccess& p : trace.prior_accesses) {
        MemoryArg m = DecodeMemoryArg(p.arg);
        prior_rows.push_back(
            {"#" + std::to_string(p.event_index), ThreadName(p.tid), p.write ? "write" : "read",
             std::to_string(m.size) + " bytes" + ((p.flags & kFlagAtomic) ? ", atomic" : ""),
             "before #" + std::to_string(p.before_event), DescribeLocation(trace, p.stack)});
      }
      out += Table(prior_rows, {true, false, false, false, false, false}, 40, "  ");
    }
    std::vector<analysis::Race> races = analysis::FindRaces(trace);
    out += "\ndata races: " + (races.empty() ? std::string("none") : std::to_string(races.size())) +
           "\n";
    out += RaceReportsText(trace, races, "");
  }

  out += "\n" + OutcomeSection(trace);
  return out;
}

}  // namespace weft::render
