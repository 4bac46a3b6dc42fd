// reversal.h — reversal points (Conflict::reversal): the decision at which a search runs
// the second thread of a pair instead of the first. It is the first access itself, except
// when that access ends a section on the object (an unlock, a condition wait releasing its
// mutex, once_done): the other thread cannot take the object while the first holds it, so
// the reversal goes back to the access that opened the section (the lock).
#pragma once

#include <cstdint>
#include <limits>

#include "weft/access.h"

namespace weft::analysis {

// The section one thread holds on one object, if any.
class OpenSection {
 public:
  // Notes access `touch` at event `index`; returns the reversal point of a pair whose first
  // event it is.
  uint64_t Note(uint64_t index, const Touch& touch) {
    if (touch.section_start) start_ = index;
    uint64_t reversal = touch.section_end && start_ != kNone ? start_ : index;
    if (touch.section_end) start_ = kNone;
    return reversal;
  }

 private:
  static constexpr uint64_t kNone = std::numeric_limits<uint64_t>::max();
  uint64_t start_ = kNone;  // the access that opened the section
};

}  // namespace weft::analysis
