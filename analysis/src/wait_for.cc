// wait_for.cc — the wait-for cycle of a deadlock.
#include "weft/wait_for.h"

#include <algorithm>
#include <map>
#include <set>

namespace weft::analysis {

std::vector<format::BlockedThread> WaitForCycle(const std::vector<format::BlockedThread>& blocked) {
  std::map<int64_t, const format::BlockedThread*> by_tid;
  for (const format::BlockedThread& b : blocked) by_tid.emplace(b.tid, &b);
  for (const auto& [start, unused] : by_tid) {
    std::vector<const format::BlockedThread*> path;
    std::set<int64_t> seen;
    int64_t tid = start;
    while (by_tid.count(tid) && !seen.count(tid)) {
      seen.insert(tid);
      path.push_back(by_tid[tid]);
      tid = by_tid[tid]->holder;
    }
    if (!seen.count(tid)) continue;  // the chain ends at a thread that is not blocked
    // path[k..] is the cycle; rotate it to start at its lowest tid.
    size_t k = 0;
    while (path[k]->tid != tid) ++k;
    std::vector<const format::BlockedThread*> cycle(path.begin() + static_cast<long>(k),
                                                    path.end());
    std::rotate(cycle.begin(),
                std::min_element(cycle.begin(), cycle.end(),
                                 [](auto* a, auto* b) { return a->tid < b->tid; }),
                cycle.end());
    std::vector<format::BlockedThread> out;
    for (const format::BlockedThread* b : cycle) out.push_back(*b);
    return out;
  }
  return {};
}

}  // namespace weft::analysis
