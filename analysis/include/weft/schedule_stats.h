// schedule_stats.h — what a schedule's decisions count: preemptions (another thread ran
// while the one at the schedule point could have gone on) and context switches. A
// preemption bound (bounded search) and a minimized schedule are measured in these.
#pragma once

#include <cstddef>
#include <cstdint>

namespace weft::analysis {

// Whether running `ran` at a schedule point reached by `current` preempts `current`.
constexpr bool IsPreemption(uint32_t current, uint32_t ran, bool current_enabled) {
  return current_enabled && ran != current;
}

// Whether running `ran` at a schedule point reached by `current` switches threads.
constexpr bool IsSwitch(uint32_t current, uint32_t ran) { return ran != current; }

// Preemptions among the first `end` decisions. A decision is any record with `tid` (the
// thread that ran), `current` (the thread at the schedule point) and IsEnabled(tid), such
// as session::Decision.
template <typename Decisions>
uint64_t CountPreemptions(const Decisions& decisions, size_t end = SIZE_MAX) {
  uint64_t n = 0;
  size_t i = 0;
  for (const auto& d : decisions) {
    if (i++ >= end) break;
    n += IsPreemption(d.current, d.tid, d.IsEnabled(d.current)) ? 1 : 0;
  }
  return n;
}

// Context switches among the decisions (preemptive or not); same requirements.
template <typename Decisions>
uint64_t CountSwitches(const Decisions& decisions) {
  uint64_t n = 0;
  for (const auto& d : decisions) n += IsSwitch(d.current, d.tid) ? 1 : 0;
  return n;
}

}  // namespace weft::analysis
