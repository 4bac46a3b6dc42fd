// run_compare.cc
#include "run_compare.h"

#include <algorithm>

namespace weft::gui {
namespace {

// Index of the event of `tid` in `trace` with `ordinal` events of `tid` before it, or -1.
int64_t NthOfThread(const format::Trace& trace, uint32_t tid, uint64_t ordinal) {
  uint64_t seen = 0;
  for (size_t i = 0; i < trace.events.size(); ++i) {
    if (trace.events[i].tid != tid) continue;
    if (seen++ == ordinal) return static_cast<int64_t>(i);
  }
  return -1;
}

// Events of `tid` in `trace` before index `end`.
uint64_t CountOfThread(const format::Trace& trace, uint32_t tid, uint64_t end) {
  end = std::min<uint64_t>(end, trace.events.size());
  return static_cast<uint64_t>(
      std::count_if(trace.events.begin(), trace.events.begin() + end,
                    [tid](const format::Event& e) { return e.tid == tid; }));
}

}  // namespace

uint64_t FirstDifference(const format::Trace& a, const format::Trace& b) {
  size_t n = std::min(a.events.size(), b.events.size());
  for (size_t i = 0; i < n; ++i) {
    if (a.events[i].tid != b.events[i].tid || a.events[i].kind != b.events[i].kind) return i;
  }
  return n;
}

int64_t MatchingEvent(const format::Trace& from, uint64_t index, const format::Trace& to) {
  if (index >= from.events.size()) return -1;
  const format::Event& e = from.events[index];
  int64_t match = NthOfThread(to, e.tid, CountOfThread(from, e.tid, index));
  if (match < 0 || to.events[match].kind != e.kind) return -1;
  return match;
}

int64_t MatchingPending(const format::Trace& from, uint32_t tid, const format::Trace& to) {
  return NthOfThread(to, tid, CountOfThread(from, tid, from.events.size()));
}

}  // namespace weft::gui
