// render.cc — the timeline of `weft show`, its JSON form and the one-line descriptions.
// NB: output must not depend on anything but the trace (no locale, no clock, no time zone,
// no environment): golden tests compare it byte for byte.
#include "weft/render.h"

#include <string.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>
#include <vector>

#include "weft/json.h"

namespace weft::format {
namespace {

std::string Printf(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string Printf(const char* format, ...) {
  char buffer[256];
  va_list args;
  va_start(args, format);
  int n = std::vsnprintf(buffer, sizeof(buffer), format, args);
  va_end(args);
  if (n < 0) return "";
  if (static_cast<size_t>(n) < sizeof(buffer)) return std::string(buffer, n);
  std::string out(static_cast<size_t>(n) + 1, '\0');
  va_start(args, format);
  std::vsnprintf(out.data(), out.size(), format, args);
  va_end(args);
  out.resize(static_cast<size_t>(n));
  return out;
}

// Frames looked at or listed per stack: real stacks have at most WEFT_MAX_STACK_DEPTH (64);
// the bound keeps a corrupt trace with a huge stack from making the renderer quadratic.
constexpr size_t kMaxShownFrames = 256;

std::string Hex(uint64_t value) { return Printf("0x%" PRIx64, value); }

// `value` with `digits` significant digits, like %g but independent of the locale (a GUI
// may have called setlocale(LC_ALL, "")).
std::string General(double value, int digits) {
  char buffer[64];
  auto [end, ec] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::general, digits);
  return ec == std::errc() ? std::string(buffer, end) : "?";
}

std::string Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string ThreadName(int64_t tid) { return "T" + std::to_string(tid); }

// "EBUSY" for an errno value; "errno 1234" when glibc has no name for it.
std::string ErrnoName(int64_t value) {
  if (value > 0 && value < 4096) {
    if (const char* name = strerrorname_np(static_cast<int>(value))) return name;
  }
  return "errno " + std::to_string(value);
}

// "1.5 ms", "2 s", "300 ns": a duration in virtual nanoseconds.
std::string Duration(int64_t ns) {
  if (ns < 0) return std::to_string(ns) + " ns";
  struct Unit {
    double scale;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{1e9, "s"}, {1e6, "ms"}, {1e3, "us"}};
  for (const Unit& unit : kUnits) {
    if (static_cast<double>(ns) >= unit.scale) {
      return General(static_cast<double>(ns) / unit.scale, 4) + " " + unit.name;
    }
  }
  return std::to_string(ns) + " ns";
}

// "12.000001250": virtual nanoseconds as seconds.
std::string VirtualTime(uint64_t ns) {
  return Printf("%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
}

// argv for display, quoted the way a shell would need it.
std::string ShellQuote(const std::string& arg) {
  if (!arg.empty() &&
      arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                            "_@%+=:,./-") == std::string::npos) {
    return arg;
  }
  std::string out = "'";
  for (char c : arg) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

bool IsWeftFrame(const Frame& frame) {
  return Basename(frame.module).rfind("libweft_preload", 0) == 0;
}

const Frame* FrameById(const Trace& trace, uint32_t id) {
  return id < trace.frames.size() ? &trace.frames[id] : nullptr;
}

// Whether a module is part of the system (libc, libstdc++, the dynamic loader...) rather
// than the program: its frames are where the program called in, not what it was doing.
bool IsSystemModule(const std::string& module) {
  for (const char* prefix : {"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"}) {
    if (module.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

// The frame of `frame_ids` most worth showing: the first with source information outside
// system libraries, else the first with source information (system libraries may have
// debug info installed), else the first in the program's executable, else the first with
// a function name, else the first. weft's own frames never count. -1 if there is none.
int MeaningfulFrame(const Trace& trace, const std::vector<uint32_t>& frame_ids) {
  auto find = [&](auto&& good) -> int {
    for (size_t i = 0; i < std::min(frame_ids.size(), kMaxShownFrames); ++i) {
      const Frame* frame = FrameById(trace, frame_ids[i]);
      if (frame && !IsWeftFrame(*frame) && good(*frame)) return static_cast<int>(i);
    }
    return -1;
  };
  const std::string& executable = trace.header.executable;
  for (int i : {find([](const Frame& f) { return !f.file.empty() && !IsSystemModule(f.module); }),
                find([](const Frame& f) { return !f.file.empty(); }),
                find([&](const Frame& f) { return !executable.empty() && f.module == executable; }),
                find([](const Frame& f) { return !f.function.empty(); }),
                find([](const Frame&) { return true; })}) {
    if (i >= 0) return i;
  }
  return -1;
}

const std::vector<uint32_t>& StackById(const Trace& trace, uint32_t id) {
  static const std::vector<uint32_t> kEmpty;
  return id != 0 && id < trace.stacks.size() ? trace.stacks[id] : kEmpty;
}

// "mutex#2 (m_b)" — the deadlock cycle's way of naming an object.
std::string ObjectInParens(const Trace& trace, uint32_t obj) {
  if (obj == 0) return "nothing";
  std::string text = DescribeObject(trace, obj);
  size_t space = text.find(' ');
  if (space == std::string::npos) return text;
  return text.substr(0, space) + " (" + text.substr(space + 1) + ")";
}

// The waits of a deadlock as one sentence, following holders from the lowest blocked tid:
// "T1 waits for mutex#2 (m_b) held by T2; T2 waits for mutex#1 (m_a) held by T1".
// Empty if the blocked threads form no cycle.
std::string WaitForCycle(const Trace& trace, const Outcome& outcome) {
  std::map<int64_t, const BlockedThread*> by_tid;
  for (const BlockedThread& b : outcome.blocked) by_tid.emplace(b.tid, &b);
  for (const auto& [start, unused] : by_tid) {
    std::vector<const BlockedThread*> path;
    std::set<int64_t> seen;
    int64_t tid = start;
    while (by_tid.count(tid) && !seen.count(tid)) {
      seen.insert(tid);
      path.push_back(by_tid[tid]);
      tid = by_tid[tid]->holder;
    }
    if (!seen.count(tid)) continue;  // the chain ends at a thread that is not blocked
    // path[k..] is the cycle; rotate it to start at its lowest tid.
    size_t k = 0;
    while (path[k]->tid != tid) ++k;
    std::vector<const BlockedThread*> cycle(path.begin() + static_cast<long>(k), path.end());
    std::rotate(cycle.begin(),
                std::min_element(cycle.begin(), cycle.end(),
                                 [](auto* a, auto* b) { return a->tid < b->tid; }),
                cycle.end());
    std::string text;
    for (const BlockedThread* b : cycle) {
      if (!text.empty()) text += "; ";
      if (b->kind == EventKind::kThreadJoin) {
        text += ThreadName(b->tid) + " waits for " + ThreadName(b->holder) + " to exit";
      } else {
        text += ThreadName(b->tid) + " waits for " + ObjectInParens(trace, b->obj) + " held by " +
                ThreadName(b->holder);
      }
    }
    return text;
  }
  return "";
}

// The kind-specific part of an event line: results, woken threads, created threads...
std::string EventDetails(const Trace& trace, const Event& e, const std::vector<uint32_t>& woken) {
  std::vector<std::string> parts;
  if (e.flags & kFlagTry) parts.push_back("try");
  bool timed_out = e.flags & kFlagTimedOut;
  if ((e.flags & kFlagTimed) && !timed_out) parts.push_back("timed");
  if ((e.flags & kFlagRead) && e.kind != EventKind::kRwlockRdlock) parts.push_back("read");
  if (uint32_t unknown = e.flags & ~0x1fu) parts.push_back("flags " + Hex(unknown));
  if (timed_out) parts.push_back("timed out");
  bool failed = e.flags & kFlagFailed;
  // Kinds whose arg is a result: 0 or an errno.
  bool result_kind = false;
  switch (e.kind) {
    case EventKind::kThreadStart:
      if (e.arg >= 0) parts.push_back("started by " + ThreadName(e.arg));
      break;
    case EventKind::kThreadCreate:
      if (e.arg >= 0) {
        parts.push_back("creates " + ThreadName(e.arg));
      } else {
        parts.push_back("failed: " + ErrnoName(-e.arg));
        failed = false;
      }
      break;
    case EventKind::kThreadJoin:
      if (failed) {
        result_kind = true;
      } else {
        parts.push_back("joins " + ThreadName(e.arg));
      }
      break;
    case EventKind::kCondWait:
      if (failed) {
        result_kind = true;
      } else if (e.arg > 0) {
        parts.push_back("releases " + DescribeObject(trace, static_cast<uint32_t>(e.arg)));
      }
      break;
    case EventKind::kCondSignal:
      parts.push_back(e.arg >= 0 ? "wakes " + ThreadName(e.arg) : std::string("no waiter"));
      break;
    case EventKind::kCondBroadcast:
      parts.push_back(e.arg == 0   ? std::string("no waiter")
                      : e.arg == 1 ? std::string("wakes 1 waiter")
                                   : "wakes " + std::to_string(e.arg) + " waiters");
      break;
    case EventKind::kBarrierWait:
      parts.push_back("arrival " + std::to_string(e.arg));
      break;
    case EventKind::kBarrierLeave:
      if (e.arg == 1) parts.push_back("serial thread");
      break;
    case EventKind::kOnce:
      if (e.arg == 1) parts.push_back("runs the init routine");
      break;
    case EventKind::kFutexWait:
      if (e.arg == -EAGAIN) {
        parts.push_back("value changed (EAGAIN)");
      } else if (e.arg != 0) {
        parts.push_back("returns " + ErrnoName(e.arg < 0 ? -e.arg : e.arg));
      }
      break;
    case EventKind::kFutexWake: {
      if (failed) {
        result_kind = true;
        break;
      }
      std::string text = e.arg == 0 ? "no waiter" : "wakes " + std::to_string(e.arg);
      for (size_t i = 0; i < woken.size(); ++i) {
        text += (i == 0 ? ": " : ", ") + ThreadName(woken[i]);
      }
      parts.push_back(text);
      break;
    }
    case EventKind::kSleep:
      parts.push_back("for " + Duration(e.arg));
      break;
    case EventKind::kFork:
      parts.push_back("child pid " + std::to_string(e.arg));
      break;
    case EventKind::kThreadExit:
    case EventKind::kSleepDone:
    case EventKind::kYield:
    case EventKind::kOnceDone:
    case EventKind::kFutexWoken:
      if (e.arg != 0) parts.push_back("arg " + std::to_string(e.arg));
      break;
    default:
      result_kind = true;
  }
  if (result_kind && e.arg != 0 && !(timed_out && e.arg == ETIMEDOUT)) {
    parts.push_back((failed ? "failed: " : "returns ") + ErrnoName(e.arg < 0 ? -e.arg : e.arg));
  } else if (failed && !(result_kind && e.arg != 0)) {
    parts.push_back("failed");
  }
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

std::string CreatedTime(uint64_t unix_ns) {
  time_t seconds = static_cast<time_t>(unix_ns / 1000000000u);
  struct tm tm {};
  if (gmtime_r(&seconds, &tm) == nullptr) return std::to_string(unix_ns) + " ns";
  char buffer[64];
  strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buffer;
}

// Pads the cells of each column to a common width (capped, so that one long symbol does not
// push every line right) and joins them with two spaces. Columns empty in every row vanish.
std::string Table(const std::vector<std::vector<std::string>>& rows,
                  const std::vector<bool>& right_aligned, size_t cap, const std::string& indent) {
  if (rows.empty()) return "";
  size_t columns = rows[0].size();
  std::vector<size_t> width(columns, 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < columns; ++c) {
      if (row[c].size() <= cap) width[c] = std::max(width[c], row[c].size());
    }
  }
  std::vector<bool> used(columns, false);
  for (const auto& row : rows) {
    for (size_t c = 0; c < columns; ++c) used[c] = used[c] || !row[c].empty();
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line = indent;
    bool first = true;
    for (size_t c = 0; c < columns; ++c) {
      if (!used[c]) continue;
      if (!first) line += "  ";
      first = false;
      size_t pad = row[c].size() < width[c] ? width[c] - row[c].size() : 0;
      if (right_aligned[c]) line.append(pad, ' ');
      line += row[c];
      if (!right_aligned[c]) line.append(pad, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

// One line per frame of a stack: "#0  0x401136  main (racy.c:12)".
std::string StackLines(const Trace& trace, const std::vector<uint32_t>& frame_ids,
                       const std::string& indent) {
  if (frame_ids.empty()) return indent + "(no stack recorded)\n";
  std::vector<std::vector<std::string>> rows;
  for (size_t i = 0; i < std::min(frame_ids.size(), kMaxShownFrames); ++i) {
    const Frame* frame = FrameById(trace, frame_ids[i]);
    Frame unknown;
    if (!frame) frame = &unknown;
    std::string where = frame->function.empty() && frame->file.empty() && frame->module.empty()
                            ? "?"
                            : DescribeFrame(*frame);
    rows.push_back({"#" + std::to_string(i), Hex(frame->ip), where});
  }
  std::string out = Table(rows, {false, true, false}, 64, indent);
  if (frame_ids.size() > kMaxShownFrames) {
    out += indent + "... " + std::to_string(frame_ids.size() - kMaxShownFrames) + " more frames\n";
  }
  return out;
}

std::string CrashSite(const Trace* trace, const Crash& crash) {
  std::string text = " at " + Hex(crash.ip);
  if (!trace || crash.frames.empty()) return text;
  const Frame* innermost = FrameById(*trace, crash.frames[0]);
  if (!innermost) return text;
  if (!innermost->function.empty() || !innermost->file.empty()) {
    text += " in " + DescribeFrame(*innermost);
  }
  if (innermost->file.empty() || IsSystemModule(innermost->module)) {
    // Crashed inside a system library: name the program's code that called it.
    for (size_t i = 1; i < std::min(crash.frames.size(), kMaxShownFrames); ++i) {
      const Frame* frame = FrameById(*trace, crash.frames[i]);
      if (frame && !frame->file.empty() && !IsWeftFrame(*frame) && !IsSystemModule(frame->module)) {
        text += ", called from " + DescribeFrame(*frame);
        break;
      }
    }
  }
  return text;
}

std::string Describe(const Outcome& outcome, const Trace* trace) {
  std::string text;
  switch (outcome.kind) {
    case Outcome::Kind::kExited:
      text = "exited with code " + std::to_string(outcome.exit_code);
      break;
    case Outcome::Kind::kSignaled:
      text = "killed by " + DescribeSignal(outcome.signal);
      if (outcome.crash) text += CrashSite(trace, *outcome.crash);
      break;
    case Outcome::Kind::kDeadlock: {
      size_t n = outcome.blocked.size();
      text = "deadlock: " + std::to_string(n) + (n == 1 ? " thread" : " threads") + " blocked";
      break;
    }
    case Outcome::Kind::kTimeout:
      text = "timed out after " + General(outcome.wall_seconds, 3) + " s";
      break;
    case Outcome::Kind::kShimError:
      text = "weft's shim failed: " + (outcome.message.empty() ? "no message" : outcome.message);
      break;
    case Outcome::Kind::kMaxSteps:
      text =
          "livelock? stopped at the step limit after " + std::to_string(outcome.events) + " events";
      break;
    case Outcome::Kind::kStopped:
      text = "stopped before event " + std::to_string(outcome.events) + " (--stop-at)";
      break;
    default:
      text = "unknown outcome " + std::to_string(static_cast<uint32_t>(outcome.kind));
  }
  if (outcome.diverged) {
    text += "; replay diverged at event " + std::to_string(outcome.divergence_index);
  }
  return text;
}

std::string Interrupted(const Trace& trace) {
  std::string text = "interrupted: the recording has no outcome (" +
                     std::to_string(trace.events.size()) + " events";
  if (trace.truncated_at_byte != 0) {
    text += ", file cut inside a packet at byte " + std::to_string(trace.truncated_at_byte);
  }
  return text + ")";
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
    if (!stopped) {
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
      out += line + "\n" + StackLines(trace, StackById(trace, b.stack), "    ");
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
  return out;
}

}  // namespace

std::string DescribeSignal(int signal) {
  const char* abbrev = signal > 0 ? sigabbrev_np(signal) : nullptr;
  const char* description = signal > 0 ? sigdescr_np(signal) : nullptr;
  if (!abbrev) return "signal " + std::to_string(signal);
  std::string text = std::string("SIG") + abbrev;
  if (description) text += std::string(" (") + description + ")";
  return text;
}

std::string DescribeSchedule(const ScheduleSpec& spec) {
  std::string text = ScheduleKindName(spec.kind);
  if (text == "unknown") text = "kind " + std::to_string(static_cast<uint32_t>(spec.kind));
  if (spec.seed != 0) text += ", seed " + std::to_string(spec.seed);
  if (spec.pct_depth != 0) text += ", depth " + std::to_string(spec.pct_depth);
  if (spec.pct_steps != 0) text += ", steps " + std::to_string(spec.pct_steps);
  if (spec.prefix != 0) text += ", prefix " + std::to_string(spec.prefix);
  if (spec.forced_tid >= 0) text += ", forced " + ThreadName(spec.forced_tid);
  if (!spec.tail.empty()) text += ", tail " + spec.tail;
  return text;
}

std::string DescribeFlags(uint32_t flags) {
  static constexpr std::pair<uint32_t, const char*> kNames[] = {
      {kFlagTry, "try"},       {kFlagTimed, "timed"}, {kFlagTimedOut, "timed_out"},
      {kFlagFailed, "failed"}, {kFlagRead, "read"},
  };
  std::string out;
  uint32_t known = 0;
  for (const auto& [bit, name] : kNames) {
    known |= bit;
    if (flags & bit) out += (out.empty() ? "" : ",") + std::string(name);
  }
  if (flags & ~known) out += (out.empty() ? "" : ",") + Hex(flags & ~known);
  return out;
}

std::string DescribeFrame(const Frame& frame) {
  std::string text = frame.function.empty() ? Hex(frame.ip) : frame.function;
  if (IsWeftFrame(frame)) {
    text += " (weft shim)";  // where weft intercepted the call; its source is not the user's
  } else if (!frame.file.empty()) {
    text += " (" + Basename(frame.file);
    if (frame.line != 0) text += ":" + std::to_string(frame.line);
    text += ")";
  } else if (!frame.module.empty()) {
    text += " (" + Basename(frame.module) + ")";
  }
  return text;
}

std::string DescribeObject(const Trace& trace, uint32_t obj) {
  if (obj == 0) return "";
  if (obj >= trace.objects.size() || trace.objects[obj].id == 0) {
    return "#" + std::to_string(obj);
  }
  const Object& object = trace.objects[obj];
  std::string text = std::string(ObjectKindName(object.kind)) + "#" + std::to_string(obj);
  if (!object.symbol.empty()) text += " " + object.symbol;
  return text;
}

std::string DescribeLocation(const Trace& trace, uint32_t stack) {
  const std::vector<uint32_t>& frame_ids = StackById(trace, stack);
  int i = MeaningfulFrame(trace, frame_ids);
  if (i < 0) return "";
  return DescribeFrame(trace.frames[frame_ids[static_cast<size_t>(i)]]);
}

std::string DescribeOutcome(const Outcome& outcome) { return Describe(outcome, nullptr); }

std::string DescribeOutcome(const Trace& trace) {
  if (!trace.has_outcome) return Interrupted(trace);
  return Describe(trace.outcome, &trace);
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
  std::string mode = header.mode == Mode::kControlled
                         ? "controlled"
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
  out += Table(info, {false, false}, 64, "  ");

  // Threads.
  out += "\nthreads:\n";
  std::vector<std::vector<std::string>> threads;
  for (const Thread& t : trace.threads) {
    std::string start = !t.start_function.empty() ? t.start_function
                        : t.start_routine != 0    ? Hex(t.start_routine)
                                                  : "?";
    std::string origin = t.parent >= 0 ? "created by " + ThreadName(t.parent) : "";
    std::string name = t.name.empty() ? "" : "named \"" + t.name + "\"";
    threads.push_back({ThreadName(t.tid), start, origin, name});
  }
  out += threads.empty() ? "  (none recorded)\n"
                         : Table(threads, {false, false, false, false}, 40, "  ");

  // Events.
  out += "\nevents:\n";
  std::map<uint64_t, std::vector<uint32_t>> woken_by_event;
  for (const Wake& wake : trace.wakes) woken_by_event[wake.event_index].push_back(wake.woken);
  static const std::vector<uint32_t> kNoWakes;
  std::vector<std::vector<std::string>> rows;
  rows.reserve(trace.events.size() + 1);
  rows.push_back(
      {"#", "vtime (s)", "thread", "event", "object", "details", "decision", "location"});
  for (size_t i = 0; i < trace.events.size(); ++i) {
    const Event& e = trace.events[i];
    auto woken = woken_by_event.find(i);
    rows.push_back({
        std::to_string(i),
        VirtualTime(e.vtime),
        ThreadName(e.tid),
        EventKindName(e.kind),
        DescribeObject(trace, e.obj),
        EventDetails(trace, e, woken == woken_by_event.end() ? kNoWakes : woken->second),
        e.enabled > 1 ? "[" + std::to_string(e.enabled) + " enabled]" : "",
        DescribeLocation(trace, e.stack),
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
    out += Table(rows, {true, true, false, false, false, false, false, false}, 32, "  ");
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

  out += "\n" + OutcomeSection(trace);
  return out;
}

std::string RenderTraceJson(const Trace& trace, int indent) {
  json::Writer w(indent);
  const Header& header = trace.header;
  w.BeginObject();
  w.Field("format_major", header.format_major);
  w.Field("weft_version", header.weft_version);
  w.Field("shim_protocol", header.shim_protocol);
  w.Key("argv").BeginArray();
  for (const std::string& arg : header.argv) w.String(arg);
  w.EndArray();
  w.Field("executable", header.executable);
  w.Field("cwd", header.cwd);
  w.Key("env").BeginArray();
  for (const auto& [name, value] : header.env) {
    w.BeginObject().Field("name", name).Field("value", value).EndObject();
  }
  w.EndArray();
  w.Field("mode", header.mode == Mode::kControlled ? "controlled" : "unknown");
  w.Field("strategy", header.strategy);
  w.Field("seed", header.seed);
  w.Field("realtime_base_ns", header.realtime_base_ns);
  w.Field("monotonic_base_ns", header.monotonic_base_ns);
  w.Field("created_unix_ns", header.created_unix_ns);
  w.Field("replayed_from", header.replayed_from);
  const ScheduleSpec& spec = header.schedule;
  w.Key("schedule")
      .BeginObject()
      .Field("kind", ScheduleKindName(spec.kind))
      .Field("seed", spec.seed)
      .Field("pct_depth", spec.pct_depth)
      .Field("pct_steps", spec.pct_steps)
      .Field("tail", spec.tail);
  if (spec.forced_tid >= 0) {
    w.Field("forced_tid", spec.forced_tid);
  } else {
    w.NullField("forced_tid");
  }
  w.Field("prefix", spec.prefix).EndObject();

  w.Key("processes").BeginArray();
  for (const Process& p : trace.processes) {
    w.BeginObject().Field("pid", p.pid);
    if (p.parent >= 0) {
      w.Field("parent", p.parent);
    } else {
      w.NullField("parent");
    }
    w.Field("executable", p.executable).Key("argv").BeginArray();
    for (const std::string& arg : p.argv) w.String(arg);
    w.EndArray().EndObject();
  }
  w.EndArray();

  w.Key("modules").BeginArray();
  for (const Module& m : trace.modules) {
    w.BeginObject()
        .Field("path", m.path)
        .Field("id", m.id)
        .Field("pid", m.pid)
        .Field("build_id", m.build_id)
        .Field("base", m.base)
        .Field("size", m.size)
        .EndObject();
  }
  w.EndArray();

  w.Key("threads").BeginArray();
  for (const Thread& t : trace.threads) {
    w.BeginObject().Field("tid", t.tid);
    if (t.parent >= 0) {
      w.Field("parent", t.parent);
    } else {
      w.NullField("parent");
    }
    w.Field("start_routine", t.start_routine)
        .Field("start_function", t.start_function)
        .Field("name", t.name)
        .Field("handle_obj", t.handle_obj)
        .Field("pid", t.pid)
        .EndObject();
  }
  w.EndArray();

  w.Key("objects").BeginArray();
  for (size_t id = 1; id < trace.objects.size(); ++id) {
    const Object& o = trace.objects[id];
    if (o.id == 0) continue;
    w.BeginObject()
        .Field("id", o.id)
        .Field("kind", ObjectKindName(o.kind))
        .Field("address", o.address)
        .Field("symbol", o.symbol)
        .Field("aux", o.aux)
        .EndObject();
  }
  w.EndArray();

  w.Key("frames").BeginArray();
  for (size_t id = 1; id < trace.frames.size(); ++id) {
    const Frame& f = trace.frames[id];
    w.BeginObject()
        .Field("id", id)
        .Field("ip", f.ip)
        .Field("function", f.function)
        .Field("file", f.file)
        .Field("line", f.line)
        .Field("module", f.module)
        .Field("module_id", f.module_id)
        .Field("offset", f.offset)
        .EndObject();
  }
  w.EndArray();

  w.Key("stacks").BeginArray();
  for (size_t id = 1; id < trace.stacks.size(); ++id) {
    w.BeginObject().Field("id", id).Key("frames").BeginArray();
    for (uint32_t frame : trace.stacks[id]) w.Uint(frame);
    w.EndArray().EndObject();
  }
  w.EndArray();

  auto object_or_null = [&](const char* key, uint32_t obj) {
    if (obj == 0) {
      w.NullField(key);
    } else {
      w.Field(key, obj);
    }
  };
  auto location_of_frames = [&](const std::vector<uint32_t>& frame_ids) {
    int i = MeaningfulFrame(trace, frame_ids);
    if (i < 0) {
      w.NullField("location");
      return;
    }
    const Frame& f = trace.frames[frame_ids[static_cast<size_t>(i)]];
    w.Key("location")
        .BeginObject()
        .Field("function", f.function)
        .Field("file", f.file)
        .Field("line", f.line)
        .Field("ip", f.ip)
        .EndObject();
  };
  auto location = [&](uint32_t stack) { location_of_frames(StackById(trace, stack)); };

  w.Key("events").BeginArray();
  for (size_t i = 0; i < trace.events.size(); ++i) {
    const Event& e = trace.events[i];
    w.BeginObject().Field("index", i).Field("tid", e.tid).Field("kind", EventKindName(e.kind));
    object_or_null("object", e.obj);
    w.Key("flags").BeginArray();
    std::string flags = DescribeFlags(e.flags);
    for (size_t start = 0; start < flags.size();) {
      size_t comma = flags.find(',', start);
      if (comma == std::string::npos) comma = flags.size();
      w.String(std::string_view(flags).substr(start, comma - start));
      start = comma + 1;
    }
    w.EndArray();
    w.Field("arg", e.arg).Field("vtime", e.vtime).Field("enabled", e.enabled);
    object_or_null("stack", e.stack);
    location(e.stack);
    w.EndObject();
  }
  w.EndArray();

  w.Key("wakes").BeginArray();
  for (const Wake& wake : trace.wakes) {
    w.BeginObject().Field("event_index", wake.event_index).Field("woken", wake.woken).EndObject();
  }
  w.EndArray();

  w.Key("enabled_sets").BeginArray();
  for (const EnabledSet& set : trace.enabled_sets) {
    w.BeginObject().Field("current", set.current).Key("enabled").BeginArray();
    for (uint32_t t = 0; t < 64 * set.words.size(); ++t) {
      if (set.Has(t)) w.Uint(t);
    }
    w.EndArray().EndObject();
  }
  w.EndArray();
  for (auto [key, output] :
       {std::pair{"stdout", &trace.program_stdout}, std::pair{"stderr", &trace.program_stderr}}) {
    w.Key(key)
        .BeginObject()
        .Field("data", output->data)
        .Field("truncated", output->truncated)
        .Field("total_bytes", output->total_bytes)
        .EndObject();
  }

  // Every key is always present (null, false or empty when it does not apply), so that
  // scripts can index without checking.
  const Outcome& outcome = trace.outcome;
  const bool recorded = trace.has_outcome;
  w.Key("outcome").BeginObject();
  w.Field("recorded", recorded);
  w.Field("kind", recorded ? OutcomeKindName(outcome.kind) : "interrupted");
  w.Field("description", DescribeOutcome(trace));
  if (recorded && outcome.kind == Outcome::Kind::kExited) {
    w.Field("exit_code", outcome.exit_code);
  } else {
    w.NullField("exit_code");
  }
  if (recorded && outcome.kind == Outcome::Kind::kSignaled) {
    w.Field("signal", outcome.signal);
    w.Field("signal_name", DescribeSignal(outcome.signal));
  } else {
    w.NullField("signal");
    w.NullField("signal_name");
  }
  const bool deadlock = recorded && outcome.kind == Outcome::Kind::kDeadlock;
  w.Field("deadlock", deadlock);
  w.Key("blocked").BeginArray();
  for (const BlockedThread& b : recorded ? outcome.blocked : std::vector<BlockedThread>()) {
    w.BeginObject().Field("tid", b.tid).Field("kind", EventKindName(b.kind));
    object_or_null("object", b.obj);
    if (b.holder >= 0) {
      w.Field("holder", b.holder);
    } else {
      w.NullField("holder");
    }
    object_or_null("stack", b.stack);
    location(b.stack);
    w.EndObject();
  }
  w.EndArray();
  std::string cycle = deadlock ? WaitForCycle(trace, outcome) : "";
  if (cycle.empty()) {
    w.NullField("cycle");
  } else {
    w.Field("cycle", cycle);
  }
  if (recorded && outcome.crash) {
    const Crash& c = *outcome.crash;
    w.Key("crash").BeginObject().Field("signal", c.signal).Field("os_tid", c.os_tid);
    if (c.tid >= 0) {
      w.Field("tid", c.tid);
    } else {
      w.NullField("tid");
    }
    w.Field("fault_address", c.fault_address)
        .Field("ip", c.ip)
        .Field("instruction", c.instruction)
        .Key("frames")
        .BeginArray();
    for (uint32_t frame : c.frames) w.Uint(frame);
    w.EndArray();
    location_of_frames(c.frames);
    w.EndObject();
  } else {
    w.NullField("crash");
  }
  const bool diverged = recorded && outcome.diverged;
  w.Field("diverged", diverged);
  if (diverged) {
    w.Field("divergence_index", outcome.divergence_index);
  } else {
    w.NullField("divergence_index");
  }
  w.Field("divergence", recorded ? outcome.divergence : "");
  w.Field("message", recorded ? outcome.message : "");
  w.Field("events", recorded ? outcome.events : trace.events.size());
  w.Field("wall_seconds", recorded ? outcome.wall_seconds : 0.0);
  if (trace.truncated_at_byte != 0) {
    w.Field("truncated_at_byte", trace.truncated_at_byte);
  } else {
    w.NullField("truncated_at_byte");
  }
  w.EndObject();

  w.EndObject();
  std::string text = w.TakeString();
  if (text.back() != '\n') text += '\n';
  return text;
}

}  // namespace weft::format
