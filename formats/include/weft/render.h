// render.h — one-line descriptions of a trace's values, reused by the CLI, the searches'
// messages, the GUI models and `weft show` (render/, weft/show.h). Deterministic: same
// trace, same bytes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weft/trace.h"

namespace weft::format {

// How the run ended, in one line: "exited with code 1", "killed by SIGSEGV (Segmentation
// fault) at 0x401136 in main (racy.c:12)", "deadlock: 2 threads blocked", "timed out after
// 5 s", "interrupted: the recording has no outcome (12 events)".
std::string DescribeOutcome(const Trace& trace);

// Same, for an outcome without its trace: crash sites are shown by address only.
std::string DescribeOutcome(const Outcome& outcome);

// An object as the timeline names it: "mutex#3 g_lock", "cond#2", "#9" (undefined), "" for 0.
std::string DescribeObject(const Trace& trace, uint32_t obj);

// The innermost meaningful source location of a stack: "worker (racy.c:14)". Skips weft's
// own frames and, where possible, frames without source information; "" for no stack.
std::string DescribeLocation(const Trace& trace, uint32_t stack);

// A frame: "main (racy.c:12)", "__lll_lock_wait (libc.so.6)", "0x401136".
std::string DescribeFrame(const Frame& frame);

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

// The index in `frame_ids` of the frame most worth showing: the first with source
// information outside system libraries, else the first with source information, else the
// first in the program's executable, else the first with a function name, else the first.
// weft's own frames never count. -1 if there is none.
int MeaningfulFrame(const Trace& trace, const std::vector<uint32_t>& frame_ids);

// The frame ids of stack `id`; empty for 0 or an unknown id.
const std::vector<uint32_t>& StackFrames(const Trace& trace, uint32_t id);

}  // namespace weft::format
