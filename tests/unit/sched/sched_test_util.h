// Helpers for the scheduling layer's unit tests: points over small thread sets.
#pragma once

#include <cstdint>
#include <vector>

#include "weft/sched/point.h"

namespace weft::sched::testing {

// A decision over `enabled` (ascending) at `step`, reached by `current`.
inline Point At(const std::vector<uint16_t>& enabled, uint64_t step, uint16_t current = 0) {
  Point p;
  p.enabled = enabled.data();
  p.count = static_cast<uint32_t>(enabled.size());
  p.current = current;
  p.step = step;
  return p;
}

// A wake-up choosing among `waiters` at event `step`.
inline WaitPoint Wake(const std::vector<uint16_t>& waiters, uint64_t step,
                      WakeKind kind = WakeKind::kCondSignal) {
  WaitPoint w;
  w.waiters = waiters.data();
  w.count = static_cast<uint32_t>(waiters.size());
  w.step = step;
  w.kind = kind;
  return w;
}

// The tid chosen by `pick` (an index into enabled).
inline uint16_t Tid(const std::vector<uint16_t>& enabled, uint32_t pick) {
  return enabled.at(pick);
}

}  // namespace weft::sched::testing
