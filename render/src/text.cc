// text.cc — text helpers of the `weft show` renderer.
// NB: output must not depend on anything but the trace (no locale, no clock, no time zone,
// no environment): golden tests compare it byte for byte.
#include "text.h"

#include <string.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdarg>
#include <cstdio>

#include "weft/render.h"

namespace weft::render::internal {

using namespace ::weft::format;

std::string ThreadName(int64_t tid) { return "T" + std::to_string(tid); }

std::string ErrnoName(int64_t value) {
  if (value > 0 && value < 4096) {
    if (const char* name = strerrorname_np(static_cast<int>(value))) return name;
  }
  return "errno " + std::to_string(value);
}

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

std::string VirtualTime(uint64_t ns) {
  return Printf("%" PRIu64 ".%09" PRIu64, ns / 1000000000u, ns % 1000000000u);
}

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

std::string CreatedTime(uint64_t unix_ns) {
  time_t seconds = static_cast<time_t>(unix_ns / 1000000000u);
  struct tm tm {};
  if (gmtime_r(&seconds, &tm) == nullptr) return std::to_string(unix_ns) + " ns";
  char buffer[64];
  strftime(buffer, sizeof(buffer), "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buffer;
}

const Frame* FrameById(const Trace& trace, uint32_t id) {
  return id < trace.frames.size() ? &trace.frames[id] : nullptr;
}

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

std::string StackLines(const Trace& trace, const std::vector<uint32_t>& frame_ids,
                       const std::string& indent) {
  if (frame_ids.empty()) return indent + "(no stack recorded)\n";
  std::vector<std::vector<std::string>> rows;
  // One line per source frame: a call the compiler inlined gets its own line, numbered like
  // the others, at the address of the frame it was inlined into.
  std::vector<SourceFrame> frames = SourceFrames(trace, frame_ids);
  for (size_t i = 0; i < frames.size(); ++i) {
    const SourceFrame& f = frames[i];
    std::string where = f.function.empty() && f.file.empty() && f.frame->module.empty()
                            ? "?"
                            : DescribeSourceFrame(f);
    if (f.inlined) where += " [inlined]";
    rows.push_back({"#" + std::to_string(i), Hex(f.frame->ip), where});
  }
  std::string out = Table(rows, {false, true, false}, 64, indent);
  if (frame_ids.size() > kMaxShownFrames) {
    out += indent + "... " + std::to_string(frame_ids.size() - kMaxShownFrames) + " more frames\n";
  }
  return out;
}

namespace {

// A memory access's details: "4 bytes at 0x404044", "read-modify-write", "atomic acquire".
std::string MemoryDetails(const Trace& trace, const Event& e) {
  static constexpr const char* kOrders[] = {"relaxed", "consume", "acquire",
                                            "release", "acq_rel", "seq_cst"};
  MemoryArg m = DecodeMemoryArg(e.arg);
  uint64_t address = m.offset;
  if (e.obj < trace.objects.size()) address += trace.objects[e.obj].address;
  std::string out =
      std::to_string(m.size) + (m.size == 1 ? " byte at " : " bytes at ") + Hex(address);
  if (e.kind == EventKind::kMemWrite && (e.flags & kFlagRead)) out += ", read-modify-write";
  if (e.flags & kFlagAtomic) {
    out += std::string(", atomic ") + (m.order < 6 ? kOrders[m.order] : "order ?");
  }
  if (e.flags & kFlagFree) out += ", freed";
  if (uint32_t unknown = e.flags & ~(kFlagRead | kFlagAtomic | kFlagExternal | kFlagFree)) {
    out += ", flags " + Hex(unknown);
  }
  return out;
}

}  // namespace

std::string EventDetails(const Trace& trace, const Event& e, const std::vector<uint32_t>& woken) {
  if (e.kind == EventKind::kMemRead || e.kind == EventKind::kMemWrite) {
    return MemoryDetails(trace, e);
  }
  std::vector<std::string> parts;
  if (e.flags & kFlagTry) parts.push_back("try");
  bool timed_out = e.flags & kFlagTimedOut;
  if ((e.flags & kFlagTimed) && !timed_out) parts.push_back("timed");
  if ((e.flags & kFlagRead) && e.kind != EventKind::kRwlockRdlock) parts.push_back("read");
  // A fork's F_EXTERNAL: its child runs outside control (said below).
  bool uncontrolled_child = e.kind == EventKind::kFork && (e.flags & kFlagExternal);
  uint32_t shown = uncontrolled_child ? e.flags & ~kFlagExternal : e.flags;
  if (uint32_t unknown = shown & ~0x1fu) parts.push_back("flags " + Hex(unknown));
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
    case EventKind::kThreadDetach:  // arg: the detached thread's tid, failed or not
      parts.push_back("detaches " + ThreadName(e.arg));
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
      if (failed) {
        parts.push_back("failed: " + ErrnoName(-e.arg));
        failed = false;
      } else {
        parts.push_back("child pid " + std::to_string(e.arg));
      }
      if (uncontrolled_child) parts.push_back("the child runs outside control");
      break;
    case EventKind::kProcessWait:  // arg: the pid reaped, 0 (WNOHANG: none ended), or -errno
      if (failed) {
        parts.push_back("failed: " + ErrnoName(-e.arg));
        failed = false;
      } else {
        bool try_op = (e.flags & format::kFlagTry) != 0;
        parts.push_back(e.arg > 0 ? "reaped child pid " + std::to_string(e.arg)
                        : try_op  ? "no child ended yet"
                                  : "its child left control: waits outside the schedule");
      }
      break;
    case EventKind::kFileRead:
    case EventKind::kFileWrite:  // arg: bytes, 0 for an open or a flush, or -errno
      if (failed) {
        parts.push_back("failed: " + ErrnoName(-e.arg));
        failed = false;
      } else if (e.arg > 0) {
        parts.push_back(std::to_string(e.arg) + (e.arg == 1 ? " byte" : " bytes"));
      }
      break;
    case EventKind::kChannelSend:
    case EventKind::kChannelRecv:  // arg: bytes, or -errno
      if (failed) {
        parts.push_back("failed: " + ErrnoName(-e.arg));
        failed = false;
      } else {
        parts.push_back(std::to_string(e.arg) + (e.arg == 1 ? " byte" : " bytes"));
      }
      break;
    case EventKind::kChannelConnect:
    case EventKind::kChannelShutdown:
    case EventKind::kChannelAccept:  // arg: 0 or the new descriptor, or -errno
      if (failed) {
        parts.push_back("failed: " + ErrnoName(-e.arg));
        failed = false;
      } else if (e.kind == EventKind::kChannelAccept) {
        parts.push_back("fd " + std::to_string(e.arg));
      }
      break;
    case EventKind::kFileLock:  // arg: the flock operation (| 0x100, 0x200: a record lock)
      if (failed) {
        parts.push_back("failed: " + ErrnoName(-e.arg));
        failed = false;
      } else {
        std::string how = (e.arg & 2) != 0 ? "exclusive" : "shared";
        if ((e.arg & 0x200) != 0) {
          how += " record lock (open file description)";
        } else if ((e.arg & 0x100) != 0) {
          how += " record lock";
        }
        parts.push_back(how);
      }
      break;
    case EventKind::kExec:  // arg: 1 controlled, 0 uncontrolled, -errno
      if (failed) {
        parts.push_back("failed: " + ErrnoName(-e.arg));
        failed = false;
      } else {
        parts.push_back(e.arg == 1 ? "the new image runs under control"
                                   : "the new image runs uncontrolled");
      }
      break;
    case EventKind::kProcessExit:  // arg: the status passed to exit (or returned by main)
      parts.push_back("exit status " + std::to_string(e.arg));
      break;
    case EventKind::kInterpPoint:  // arg: the interpreter's calls so far
      parts.push_back("after " + std::to_string(e.arg) + " interpreter calls");
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

}  // namespace weft::render::internal
