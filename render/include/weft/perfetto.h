// perfetto.h — a trace as the Chrome JSON trace event format, which ui.perfetto.dev (and
// chrome://tracing) open: a track per thread, a slice per operation, flow arrows for pairs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "weft/trace.h"

namespace weft::render {

// An arrow from one event to another (a conflicting pair; the critical pair).
struct PerfettoFlow {
  uint64_t from = 0;  // event index
  uint64_t to = 0;    // event index; events.size() = the pending operation of `to_tid`
  uint32_t to_tid = 0;
  std::string category;  // "critical" or "conflict"
  std::string name;      // shown on the arrow
};

// The JSON document: {"traceEvents": [...], "displayTimeUnit": "ns", "otherData": {...}}.
// Timestamps are the virtual clock (µs, as the format has them). Each process of the run is a
// pid (its real pid, or 1 when not recorded), each weft thread a tid (weft tid + 1: tid 0
// would be the idle task to a viewer), named "T1 worker" with the thread's start function.
// An event is a complete slice ("X") from its virtual time to the next event's (one thread
// holds the turn at a time, so the slices tile the run), named by its operation and the
// program's function; args hold the index, object, location, enabled count and preemption.
// A pending operation at a deadlock is a slice from the last event on. Each flow is a pair
// of flow events ("s", "f" with binding point "e") with one id, inside the slices of its
// two events. The outcome is a global instant event at the end. Deterministic.
std::string RenderPerfettoJson(const format::Trace& trace, const std::vector<PerfettoFlow>& flows);

}  // namespace weft::render
