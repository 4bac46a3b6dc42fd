// event_filter.h — what the timeline and the conflicts list show of a trace: every thread or
// a chosen few, every object or one, the whole run or only the events near the failure
// (analysis::NearFailureStart, the window `weft conflicts` ranks by). Lanes of threads left
// out are hidden; events that do not match are dimmed; the conflicts list keeps the pairs
// that match. Built once per filter change; the level-of-detail painter asks it per pixel
// column (CountMatching) without looking at every event.
#pragma once

#include <cstdint>
#include <vector>

#include "trace_data.h"

namespace weft::gui {

// The user's choice. The default shows everything.
struct FilterSpec {
  std::vector<uint32_t> threads;  // tids to show, ascending; empty: every thread
  uint32_t object = 0;            // object id to keep; 0: every object
  bool near_failure = false;      // only events at or after analysis::NearFailureStart

  bool operator==(const FilterSpec&) const = default;
};

// A FilterSpec applied to one trace.
class EventFilter {
 public:
  // Matches everything.
  EventFilter() = default;
  // `spec` on `data` (which must outlive the filter). Unknown tids and objects are kept in
  // the spec but match no event.
  EventFilter(const TraceData& data, FilterSpec spec);

  const FilterSpec& spec() const { return spec_; }
  // Whether anything is left out.
  bool active() const { return spec_ != FilterSpec{}; }
  // Whether thread `tid`'s lane is shown.
  bool ShowsThread(uint32_t tid) const;
  // The first event index kept (NearFailureStart with near_failure, else 0).
  uint64_t from() const { return from_; }
  // Whether event `index` matches: its thread shown, on the object, at or after from().
  bool Matches(uint64_t index) const;
  // Whether a conflicting pair matches: both threads shown, on the object, its later side
  // at or after from().
  bool Matches(const Conflict& conflict) const;
  // Matching events of lane `lane` with index in [lo, hi).
  uint32_t CountMatching(size_t lane, uint64_t lo, uint64_t hi) const;
  // A description for the status line: "T1, T2 · mutex#3 lock · near the failure (from
  // #3310)"; "" when inactive.
  QString Describe() const;

 private:
  const TraceData* data_ = nullptr;
  FilterSpec spec_;
  uint64_t from_ = 0;
  // With an object: per lane, the indexes of its events on that object, ascending.
  std::vector<std::vector<uint32_t>> on_object_;
};

}  // namespace weft::gui
