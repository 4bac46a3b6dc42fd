// render.h — a trace for people and for scripts: the timeline `weft show` prints, the JSON
// of `weft show --json`, and one-line descriptions reused by the CLI, the searches'
// messages and the GUI. Everything here is deterministic: same trace, same bytes.
#pragma once

#include <cstdint>
#include <string>

#include "weft/trace.h"

namespace weft::format {

// The human-readable timeline: header (program, strategy, seed, events), threads, one line
// per event (index, virtual time, thread, kind, object, details, decision, source location)
// and the outcome with its crash site or deadlock cycle and stacks.
std::string RenderTimeline(const Trace& trace);

// The whole trace as one JSON object (header, modules, threads, objects, frames, stacks,
// events with their locations, wakes, outcome), followed by a newline. indent 0 writes it
// on one line; n > 0 indents it by n spaces per level.
std::string RenderTraceJson(const Trace& trace, int indent = 0);

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

}  // namespace weft::format
