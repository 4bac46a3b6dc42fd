// run_compare.h — two runs of one program shown one above the other (weft explain's failing
// and passing runs): where their schedules part, and which event of one run is a given event
// of the other. Threads keep their tids across runs of one program (tids follow the order of
// creation); an event is matched by its thread and its place among that thread's events.
#pragma once

#include <cstdint>

#include "weft/trace.h"

namespace weft::gui {

// The first index at which the two runs' events differ in thread or kind; the shorter run's
// length when one is a prefix of the other (equal runs: their length).
uint64_t FirstDifference(const format::Trace& a, const format::Trace& b);

// The event of `to` that is event `index` of `from`: the event of the same thread with as
// many of that thread's events before it, when it is of the same kind. -1 when `to` has no
// such event (its thread did less, or did something else there) or `index` is out of range.
int64_t MatchingEvent(const format::Trace& from, uint64_t index, const format::Trace& to);

// The event of `to` that is the operation thread `tid` had pending at the end of `from` (its
// next one, never recorded there: a blocked or not yet started thread): the event of `tid`
// with as many of its events before it as `from` has. -1 when `to` has none.
int64_t MatchingPending(const format::Trace& from, uint32_t tid, const format::Trace& to);

}  // namespace weft::gui
