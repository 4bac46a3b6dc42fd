// conflict_rank.cc — analysis::RankConflicts.
#include "weft/conflict_rank.h"

#include <algorithm>

#include "weft/outcome.h"

namespace weft::analysis {

std::vector<uint32_t> FailingThreads(const format::Trace& trace) {
  std::vector<uint32_t> out;
  if (!trace.has_outcome || !IsFailure(trace.outcome)) return out;
  const format::Outcome& o = trace.outcome;
  if (o.crash && o.crash->tid >= 0) out.push_back(static_cast<uint32_t>(o.crash->tid));
  for (const format::BlockedThread& b : o.blocked) out.push_back(b.tid);
  if (out.empty() && !trace.events.empty()) out.push_back(trace.events.back().tid);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool IsThreadPair(const format::Trace& trace, const Conflict& c) {
  return c.obj < trace.objects.size() && trace.objects[c.obj].kind == format::ObjectKind::kThread;
}

uint64_t NearFailureStart(const format::Trace& trace) {
  uint64_t n = trace.events.size();
  uint64_t window = std::max<uint64_t>(64, n / 4);
  return n > window ? n - window : 0;
}

bool NearFailure(const format::Trace& trace, const Conflict& c) {
  return c.second >= NearFailureStart(trace);
}

ConflictRanking RankConflicts(const format::Trace& trace, const std::vector<Conflict>& conflicts,
                              const Conflict* critical, bool all) {
  ConflictRanking out;
  out.failing_threads = FailingThreads(trace);
  auto failing = [&](uint32_t tid) {
    return std::binary_search(out.failing_threads.begin(), out.failing_threads.end(), tid);
  };
  for (size_t i = 0; i < conflicts.size(); ++i) {
    const Conflict& c = conflicts[i];
    RankedConflict r;
    r.index = i;
    r.critical = critical != nullptr && c.first == critical->first &&
                 c.second == critical->second && c.obj == critical->obj;
    if (!all && !r.critical && IsThreadPair(trace, c)) {
      ++out.hidden;
      continue;
    }
    r.failing_thread = (failing(c.first_tid) || failing(c.second_tid)) && NearFailure(trace, c);
    out.order.push_back(r);
  }
  std::stable_sort(out.order.begin(), out.order.end(),
                   [&](const RankedConflict& a, const RankedConflict& b) {
                     if (a.critical != b.critical) return a.critical;
                     if (a.failing_thread != b.failing_thread) return a.failing_thread;
                     const Conflict& x = conflicts[a.index];
                     const Conflict& y = conflicts[b.index];
                     if (x.second != y.second) return x.second > y.second;
                     return x.first > y.first;
                   });
  return out;
}

}  // namespace weft::analysis
