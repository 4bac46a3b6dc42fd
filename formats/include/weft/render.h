// render.h — one-line descriptions of a trace's values, reused by the CLI, the searches'
// messages, the GUI models and `weft show` (render/, weft/show.h). Deterministic: same
// trace, same bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "weft/trace.h"

namespace weft::format {

// How the run ended, in one line: "exited with code 1", "killed by SIGSEGV (Segmentation
// fault) at 0x401136 in main (racy.c:12)", "deadlock: 2 threads blocked", "timed out after
// 5 s", "interrupted: the recording has no outcome (12 events)".
std::string DescribeOutcome(const Trace& trace);

// A flight recording's window (Header::ring), in one line: "a window of a flight recording
// (--ring 8388608 bytes): the first 1,234,567 events and 12 inputs were dropped by --ring;
// written on demand (dump 2) while the program ran". "" for a whole recording.
std::string DescribeRingWindow(const Header& header);

// Why a trace cannot be replayed because it is a window whose start was dropped (the
// program's state there is unknown), a sentence naming `path`: "'x' is a window of a flight
// recording (weft record --ring) and cannot be replayed: …"; "" when it can (a whole
// recording, or a window that starts at the run's first event).
std::string RingWindowNotReplayable(const Header& header, const std::string& path);

// A count with thousands separated: 1234567 → "1,234,567".
std::string GroupedCount(uint64_t n);

// Same, for an outcome without its trace: crash sites are shown by address only.
std::string DescribeOutcome(const Outcome& outcome);

// What Outcome::turns_taken means for the run, in one sentence ("" for 0).
std::string DescribeTurnsTaken(uint32_t turns_taken);

// An object as the timeline names it: "mutex#3 g_lock", "cond#2", "#9" (undefined), "" for 0;
// the symbol shortened (ShortName).
std::string DescribeObject(const Trace& trace, uint32_t obj);

// A data symbol as the symbolizer names a byte past a global's first ("table+16"): the
// global's name and the byte's offset in it ({"table", 16}; {symbol, 0} without one).
struct SymbolOffset {
  std::string_view name;
  uint64_t offset = 0;
};
SymbolOffset SplitSymbolOffset(std::string_view symbol);

// The global holding byte `offset` of object `obj`, with the byte's offset in it when not
// its first: "hits", "table+16" ("" if none). A memory granule may hold more than one
// global (Object::parts): `int ready; int hits;` side by side share one.
std::string GlobalAt(const Trace& trace, uint32_t obj, uint32_t offset);

// DescribeObject naming the global the event touched: for a memory access, the one at its
// offset in the granule ("memory#3 hits", "memory#4 table+20"), else the object's.
std::string DescribeEventObject(const Trace& trace, const Event& event);

// The innermost meaningful source location of a stack: "worker (racy.c:14)". Skips weft's
// own frames, the toolchain's code (libstdc++ headers, Rust's std) and, where possible,
// frames without source information; "" for no stack. Names are shortened (ShortName).
std::string DescribeLocation(const Trace& trace, uint32_t stack);

// A frame: "main (racy.c:12)", "__lll_lock_wait (libc.so.6)", "0x401136"; the function
// shortened (ShortName). The innermost function only: SourceFrames has the inlined callers.
std::string DescribeFrame(const Frame& frame);

// One function of a stack as its source reads: a physical frame, or one of the functions
// the compiler inlined calls into at that frame. Views into the trace's frames.
struct SourceFrame {
  const Frame* frame = nullptr;  // the physical frame: ip, module
  size_t index = 0;              // the physical frame's position in the stack
  std::string_view function;     // full demangled name, "" if unknown
  std::string_view file;         // "" if unknown
  uint32_t line = 0;
  bool inlined = false;  // its code was inlined into the next source frame (same ip)
};

// The source frames of a stack, innermost first: each physical frame expands to its inlined
// functions, then the function they were inlined into. Unknown frame ids give a frame
// without symbols. At most 256 physical frames are looked at.
std::vector<SourceFrame> SourceFrames(const Trace& trace, const std::vector<uint32_t>& frame_ids);

// A source frame as DescribeFrame writes a frame: "a_to_b (bank.c:30)", short name.
std::string DescribeSourceFrame(const SourceFrame& frame);

// The source frame most worth showing for a stack (its "site"): the first with source
// information in the program's own code (not a system library, not the toolchain's headers
// or Rust's std, not a runtime's function (IsLibraryFunction), not weft), else as
// MeaningfulFrame. nullopt for an empty stack.
std::optional<SourceFrame> MeaningfulSourceFrame(const Trace& trace,
                                                 const std::vector<uint32_t>& frame_ids);

// A function name for a line of text (full names stay in JSON and tooltips): without the
// return type of a template function, the signatures of enclosing functions and a
// lambda's "::operator()() const", with std::string for its basic_string<…> spelling and
// without "(anonymous namespace)::"; then, while longer than `cap` characters, template
// arguments become "<…>", parameters "(…)", and finally the end is cut ("…").
std::string ShortName(std::string_view function, size_t cap = 80);

// Whether a source file is the toolchain's rather than the program's: the system and
// compiler headers (/usr/include, libstdc++'s <thread>), Rust's standard library sources.
bool IsToolchainSource(std::string_view file);

// Whether a demangled function belongs to a language runtime (std::, core::, alloc::,
// __gnu_cxx::, a reserved "__" name), whatever its return type or "<…>" qualification.
bool IsLibraryFunction(std::string_view function);

// A schedule spec in one line, its kind and the parameters that are set:
// "pct, seed 7, depth 3, steps 120", "guided, prefix 12, forced T1, tail random".
std::string DescribeSchedule(const ScheduleSpec& spec);

// Event flag bits as words: "try,timed_out" ("" for 0; unknown bits as "0x40").
std::string DescribeFlags(uint32_t flags);

// A signal as "SIGSEGV (Segmentation fault)"; "signal 77" for numbers without a name.
std::string DescribeSignal(int signal);

// Whether a module path is part of the system (/lib, /usr/lib...) rather than the program.
bool IsSystemModule(const std::string& module);

// Whether a frame is in weft's own shim.
bool IsWeftFrame(const Frame& frame);

// The index in `frame_ids` of the frame most worth showing: the one holding
// MeaningfulSourceFrame (so, in order: the first with source information in the program's
// own code, the first with source information outside system libraries, else the first with
// source information, else the first in the program's executable, else the first with a
// function name, else the first). weft's own frames never count. -1 if there is none.
int MeaningfulFrame(const Trace& trace, const std::vector<uint32_t>& frame_ids);

// The frame ids of stack `id`; empty for 0 or an unknown id.
const std::vector<uint32_t>& StackFrames(const Trace& trace, uint32_t id);

}  // namespace weft::format
