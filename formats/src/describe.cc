// describe.cc — the one-line descriptions of trace.h values (render.h), shared by the CLI,
// the searches' messages, the GUI models and the `weft show` renderer (render/).
// NB: output must not depend on anything but the trace (no locale, no clock, no time zone,
// no environment): golden tests compare it byte for byte.
#include <string.h>

#include <algorithm>
#include <charconv>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>
#include <string_view>
#include <vector>

#include "weft/render.h"
#include "weft/text_format.h"

namespace weft::format {
namespace {

// Frames looked at per stack: real stacks have at most WEFT_MAX_STACK_DEPTH (64); the bound
// keeps a corrupt trace with a huge stack from making this quadratic.
constexpr size_t kMaxShownFrames = 256;

using text::General;
using text::Hex;
using text::Printf;

std::string Basename(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string ThreadName(int64_t tid) { return "T" + std::to_string(tid); }

const Frame* FrameById(const Trace& trace, uint32_t id) {
  return id < trace.frames.size() ? &trace.frames[id] : nullptr;
}

std::string CrashSite(const Trace* trace, const Crash& crash) {
  std::string text = " at " + Hex(crash.ip);
  if (!trace || crash.frames.empty()) return text;
  if (!FrameById(*trace, crash.frames[0])) return text;
  std::vector<SourceFrame> frames = SourceFrames(*trace, crash.frames);
  const SourceFrame& innermost = frames[0];
  if (!innermost.function.empty() || !innermost.file.empty()) {
    text += " in " + DescribeSourceFrame(innermost);
  }
  if (innermost.file.empty() || IsSystemModule(innermost.frame->module) ||
      IsToolchainSource(innermost.file)) {
    // Crashed inside a system library or the toolchain's code: name the program's code that
    // called it.
    for (size_t i = 1; i < frames.size(); ++i) {
      const SourceFrame& frame = frames[i];
      if (!frame.file.empty() && !IsWeftFrame(*frame.frame) &&
          !IsSystemModule(frame.frame->module) && !IsToolchainSource(frame.file)) {
        text += ", called from " + DescribeSourceFrame(frame);
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
      // A deadlock found outside the controlled process (a fork child) has only its message.
      if (n == 0 && !outcome.message.empty()) {
        text = "deadlock: " + outcome.message;
        break;
      }
      text = "deadlock: " + std::to_string(n) + (n == 1 ? " thread" : " threads") + " blocked";
      break;
    }
    case Outcome::Kind::kTimeout:
      text = "timed out after " + General(outcome.wall_seconds, 3) + " s";
      // What every thread was doing then (who held the turn, in which system call).
      if (!outcome.message.empty() && outcome.message.rfind("killed after", 0) != 0) {
        text += ": " + outcome.message;
      }
      break;
    case Outcome::Kind::kShimError:
      text = "weft's shim failed: " + (outcome.message.empty() ? "no message" : outcome.message);
      break;
    case Outcome::Kind::kMaxSteps:
      // The progress judgement (the shim's progress window) says what it saw.
      if (outcome.message.rfind("no progress", 0) == 0) {
        text = "livelock? " + outcome.message + ", after " + std::to_string(outcome.events) +
               " events";
        break;
      }
      text =
          "livelock? stopped at the step limit after " + std::to_string(outcome.events) + " events";
      break;
    case Outcome::Kind::kStopped:
      text = outcome.diverged
                 ? "stopped at event " + std::to_string(outcome.events) + ", where it diverged"
                 : "stopped before event " + std::to_string(outcome.events) + " (--stop-at)";
      break;
    default:
      text = "unknown outcome " + std::to_string(static_cast<uint32_t>(outcome.kind));
  }
  if (outcome.diverged && outcome.kind != Outcome::Kind::kStopped) {
    text += "; replay diverged at event " + std::to_string(outcome.divergence_index);
  }
  return text;
}

std::string Interrupted(const Trace& trace) {
  if (trace.header.ring && trace.header.ring_window.running) {
    return "running: a flight recording's window written on demand (dump " +
           std::to_string(trace.header.ring_window.dump) + ", " +
           std::to_string(trace.events.size()) + " events); the program went on";
  }
  std::string text = "interrupted: the recording has no outcome (" +
                     std::to_string(trace.events.size()) + " events";
  if (trace.truncated_at_byte != 0) {
    text += ", file cut inside a packet at byte " + std::to_string(trace.truncated_at_byte);
  }
  return text + ")";
}

}  // namespace

bool IsWeftFrame(const Frame& frame) {
  return Basename(frame.module).rfind("libweft_preload", 0) == 0;
}

// Whether a module is part of the system (libc, libstdc++, the dynamic loader...) rather
// than the program: its frames are where the program called in, not what it was doing.
bool IsSystemModule(const std::string& module) {
  for (const char* prefix : {"/lib/", "/lib64/", "/usr/lib/", "/usr/lib64/"}) {
    if (module.rfind(prefix, 0) == 0) return true;
  }
  return false;
}

std::vector<SourceFrame> SourceFrames(const Trace& trace, const std::vector<uint32_t>& frame_ids) {
  static const Frame kUnknown;
  std::vector<SourceFrame> out;
  for (size_t i = 0; i < std::min(frame_ids.size(), kMaxShownFrames); ++i) {
    const Frame* frame = FrameById(trace, frame_ids[i]);
    if (!frame) frame = &kUnknown;
    out.push_back(
        {frame, i, frame->function, frame->file, frame->line, !frame->inlined_callers.empty()});
    for (size_t c = 0; c < frame->inlined_callers.size(); ++c) {
      const InlinedCaller& caller = frame->inlined_callers[c];
      out.push_back({frame, i, caller.function, caller.file, caller.line,
                     c + 1 < frame->inlined_callers.size()});
    }
  }
  return out;
}

// The source frame of `frame_ids` most worth showing: the first with source information in
// the program's own code, else the first with source information outside system libraries
// (system libraries may have debug info installed), else the first with source
// information, else the first in the program's executable, else the first with a function
// name, else the first. weft's own frames never count.
std::optional<SourceFrame> MeaningfulSourceFrame(const Trace& trace,
                                                 const std::vector<uint32_t>& frame_ids) {
  std::vector<SourceFrame> frames = SourceFrames(trace, frame_ids);
  auto find = [&](auto&& good) -> std::optional<SourceFrame> {
    for (const SourceFrame& f : frames) {
      if (!IsWeftFrame(*f.frame) && good(f)) return f;
    }
    return std::nullopt;
  };
  const std::string& executable = trace.header.executable;
  auto users = [](const SourceFrame& f) {
    return !f.file.empty() && !IsSystemModule(f.frame->module) && !IsToolchainSource(f.file) &&
           !IsLibraryFunction(f.function);
  };
  auto unsystem = [](const SourceFrame& f) {
    return !f.file.empty() && !IsSystemModule(f.frame->module);
  };
  auto with_source = [](const SourceFrame& f) { return !f.file.empty(); };
  auto in_executable = [&](const SourceFrame& f) {
    return !executable.empty() && f.frame->module == executable;
  };
  auto named = [](const SourceFrame& f) { return !f.function.empty(); };
  auto any = [](const SourceFrame&) { return true; };
  if (auto f = find(users)) return f;
  if (auto f = find(unsystem)) return f;
  if (auto f = find(with_source)) return f;
  if (auto f = find(in_executable)) return f;
  if (auto f = find(named)) return f;
  return find(any);
}

int MeaningfulFrame(const Trace& trace, const std::vector<uint32_t>& frame_ids) {
  std::optional<SourceFrame> f = MeaningfulSourceFrame(trace, frame_ids);
  return f ? static_cast<int>(f->index) : -1;
}

const std::vector<uint32_t>& StackFrames(const Trace& trace, uint32_t id) {
  static const std::vector<uint32_t> kEmpty;
  return id != 0 && id < trace.stacks.size() ? trace.stacks[id] : kEmpty;
}

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
  for (const auto& [name, value] : spec.parameters)
    text += ", " + name + " " + std::to_string(value);
  return text;
}

std::string DescribeFlags(uint32_t flags) {
  static constexpr std::pair<uint32_t, const char*> kNames[] = {
      {kFlagTry, "try"},           {kFlagTimed, "timed"}, {kFlagTimedOut, "timed_out"},
      {kFlagFailed, "failed"},     {kFlagRead, "read"},   {kFlagAtomic, "atomic"},
      {kFlagExternal, "external"}, {kFlagFree, "free"},
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

namespace {

std::string DescribeAt(const Frame& frame, std::string_view function, std::string_view file,
                       uint32_t line) {
  std::string text = function.empty() ? Hex(frame.ip) : ShortName(function);
  if (IsWeftFrame(frame)) {
    text += " (weft shim)";  // where weft intercepted the call; its source is not the user's
  } else if (!file.empty()) {
    text += " (" + Basename(file);
    if (line != 0) text += ":" + std::to_string(line);
    text += ")";
  } else if (!frame.module.empty()) {
    text += " (" + Basename(frame.module) + ")";
  }
  return text;
}

}  // namespace

std::string DescribeFrame(const Frame& frame) {
  return DescribeAt(frame, frame.function, frame.file, frame.line);
}

std::string DescribeSourceFrame(const SourceFrame& frame) {
  static const Frame kUnknown;
  return DescribeAt(frame.frame ? *frame.frame : kUnknown, frame.function, frame.file, frame.line);
}

std::string DescribeObject(const Trace& trace, uint32_t obj) {
  if (obj == 0) return "";
  if (obj >= trace.objects.size() || trace.objects[obj].id == 0) {
    return "#" + std::to_string(obj);
  }
  const Object& object = trace.objects[obj];
  std::string text = std::string(ObjectKindName(object.kind)) + "#" + std::to_string(obj);
  if (!object.symbol.empty()) text += " " + ShortName(object.symbol, 60);
  return text;
}

std::string GlobalAt(const Trace& trace, uint32_t obj, uint32_t offset) {
  if (obj == 0 || obj >= trace.objects.size()) return "";
  const Object& object = trace.objects[obj];
  std::string_view symbol = object.symbol;
  uint32_t start = 0;  // of the part holding the byte
  for (const ObjectPart& part : object.parts) {
    if (part.offset > offset) break;
    symbol = part.symbol;
    start = part.offset;
  }
  if (symbol.empty()) return "";
  uint64_t into = offset - start;
  if (into == 0) return std::string(symbol);
  SymbolOffset at = SplitSymbolOffset(symbol);
  return std::string(at.name) + "+" + std::to_string(at.offset + into);
}

SymbolOffset SplitSymbolOffset(std::string_view symbol) {
  size_t plus = symbol.rfind('+');
  if (plus != std::string_view::npos && plus + 1 < symbol.size()) {
    uint64_t offset = 0;
    std::string_view digits = symbol.substr(plus + 1);
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), offset);
    if (ec == std::errc() && end == digits.data() + digits.size()) {
      return {symbol.substr(0, plus), offset};
    }
  }
  return {symbol, 0};
}

std::string DescribeEventObject(const Trace& trace, const Event& event) {
  bool access = event.kind == EventKind::kMemRead || event.kind == EventKind::kMemWrite;
  if (!access || event.obj == 0 || event.obj >= trace.objects.size() ||
      trace.objects[event.obj].id == 0) {
    return DescribeObject(trace, event.obj);
  }
  const Object& object = trace.objects[event.obj];
  std::string text = std::string(ObjectKindName(object.kind)) + "#" + std::to_string(event.obj);
  std::string global = GlobalAt(trace, event.obj, DecodeMemoryArg(event.arg).offset);
  if (!global.empty()) text += " " + ShortName(global, 60);
  return text;
}

std::string DescribeLocation(const Trace& trace, uint32_t stack) {
  std::optional<SourceFrame> f = MeaningfulSourceFrame(trace, StackFrames(trace, stack));
  return f ? DescribeSourceFrame(*f) : "";
}

std::string GroupedCount(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i != 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string DescribeRingWindow(const Header& header) {
  if (!header.ring) return "";
  const Header::RingWindow& r = header.ring_window;
  std::string text =
      "a window of a flight recording (--ring " + GroupedCount(r.window_bytes) + " bytes): ";
  if (r.dropped_events == 0 && r.dropped_inputs == 0) {
    text += "nothing was dropped (the window starts at the run's first event)";
  } else {
    text += "the first " + GroupedCount(r.dropped_events) +
            (r.dropped_events == 1 ? " event" : " events");
    if (r.dropped_inputs != 0) {
      text +=
          " and " + GroupedCount(r.dropped_inputs) + (r.dropped_inputs == 1 ? " input" : " inputs");
    }
    text += " were dropped by --ring";
  }
  if (r.running) {
    text += "; written on demand (dump " + std::to_string(r.dump) +
            ") while the program ran: no outcome yet";
  } else {
    text += "; written when the program failed";
  }
  return text;
}

std::string RingWindowNotReplayable(const Header& header, const std::string& path) {
  if (!header.ring) return "";
  const Header::RingWindow& r = header.ring_window;
  if (r.dropped_events == 0 && r.dropped_inputs == 0) return "";
  return "'" + path +
         "' is a window of a flight recording (weft record --ring) and cannot be replayed: the "
         "run's first " +
         GroupedCount(r.dropped_events) + (r.dropped_events == 1 ? " event was" : " events were") +
         " dropped, and the program's state where the window starts is unknown, so no run "
         "can start there; weft show reads it (record without --ring, or with a larger SIZE, "
         "to replay)";
}

std::string DescribeOutcome(const Outcome& outcome) { return Describe(outcome, nullptr); }

std::string DescribeTurnsTaken(uint32_t turns_taken) {
  if (turns_taken == 0) return "";
  return std::string(turns_taken == 1 ? "once" : std::to_string(turns_taken) + " times") +
         ", a thread blocked in a call weft does not model while it held the turn; another "
         "thread was given the turn, and the blocked one ran on in parallel until its next "
         "synchronization call: the run is not deterministic at " +
         (turns_taken == 1 ? "that point" : "those points");
}

std::string DescribeOutcome(const Trace& trace) {
  if (!trace.has_outcome) return Interrupted(trace);
  return Describe(trace.outcome, &trace);
}

}  // namespace weft::format
