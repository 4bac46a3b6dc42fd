// conflicts.cc — vector clocks over the trace, closest conflicting pairs per object.
#include "conflicts.h"

#include <algorithm>
#include <unordered_map>

namespace weft::gui {
namespace {

using format::Event;
using format::EventKind;

// A vector clock: entry t = number of events of thread t known to have happened.
using Clock = std::vector<uint32_t>;

void Join(Clock& into, const Clock& from) {
  if (into.size() < from.size()) into.resize(from.size(), 0);
  for (size_t i = 0; i < from.size(); ++i) into[i] = std::max(into[i], from[i]);
}

bool IsRelease(const Event& e) {
  switch (e.kind) {
    case EventKind::kMutexUnlock:
    case EventKind::kRwlockUnlock:
    case EventKind::kSpinUnlock:
    case EventKind::kCondSignal:
    case EventKind::kCondBroadcast:
    case EventKind::kSemPost:
    case EventKind::kBarrierWait:
    case EventKind::kOnceDone:
    case EventKind::kFutexWake:
      return true;
    default:
      return false;
  }
}

bool IsAcquire(const Event& e) {
  switch (e.kind) {
    case EventKind::kMutexLock:
    case EventKind::kRwlockRdlock:
    case EventKind::kRwlockWrlock:
    case EventKind::kSpinLock:
    case EventKind::kCondWake:
    case EventKind::kSemWait:
    case EventKind::kBarrierLeave:
    case EventKind::kOnce:
    case EventKind::kFutexWoken:
      return true;
    default:
      return false;
  }
}

// The latest access of one thread to one object.
struct LastAccess {
  uint32_t index = 0;
  uint32_t step = 0;  // 1-based position in its thread (its clock entry once it happened)
  Access access = Access::kNone;
  Clock clock;        // its thread's clock right after it
};

}  // namespace

Access AccessOf(const Event& e) {
  if (e.obj == 0) return Access::kNone;
  bool failed_try = (e.flags & format::kFlagTry) && (e.flags & format::kFlagFailed);
  switch (e.kind) {
    case EventKind::kMutexLock:
    case EventKind::kRwlockWrlock:
    case EventKind::kSpinLock:
    case EventKind::kSemWait:
      return failed_try ? Access::kRead : Access::kWrite;
    case EventKind::kRwlockRdlock:
    case EventKind::kFutexWait:
      return Access::kRead;
    case EventKind::kOnce:
      return e.arg == 1 ? Access::kWrite : Access::kRead;
    case EventKind::kCondWait:
    case EventKind::kCondSignal:
    case EventKind::kCondBroadcast:
    case EventKind::kSemPost:
    case EventKind::kBarrierWait:
    case EventKind::kFutexWake:
    case EventKind::kThreadJoin:
    case EventKind::kThreadDetach:
      return Access::kWrite;
    default:
      return Access::kNone;
  }
}

Reversal ReversalOf(const format::Trace& trace, const Conflict& conflict) {
  return {conflict.first, trace.events[conflict.second].tid};
}

std::vector<Conflict> ConflictsOf(const format::Trace& trace) {
  std::vector<Conflict> out;
  size_t threads = trace.threads.size();
  for (const Event& e : trace.events) threads = std::max<size_t>(threads, e.tid + 1);
  std::vector<Clock> clock(threads, Clock(threads, 0));
  std::vector<uint32_t> steps(threads, 0);
  std::vector<Clock> exit_clock(threads);
  std::vector<Clock> created_clock(threads);
  std::vector<uint32_t> cond_mutex(threads, 0);  // mutex released by the pending cond wait
  std::unordered_map<uint32_t, Clock> object_clock;
  // Per object, per thread: the thread's latest access.
  std::unordered_map<uint32_t, std::vector<LastAccess>> last;

  struct Candidate {
    const LastAccess* access;
    uint32_t tid;
  };
  std::vector<Candidate> candidates;
  for (size_t i = 0; i < trace.events.size(); ++i) {
    const Event& e = trace.events[i];
    uint32_t t = e.tid;
    Clock& c = clock[t];
    if (e.kind == EventKind::kThreadStart) Join(c, created_clock[t]);
    Access access = AccessOf(e);
    // Conflicts, judged on the clock just before this event synchronizes.
    if (access != Access::kNone) {
      auto& per_thread = last[e.obj];
      if (per_thread.size() < threads) per_thread.resize(threads);
      candidates.clear();
      for (uint32_t u = 0; u < threads; ++u) {
        const LastAccess& a = per_thread[u];
        if (u == t || a.step == 0) continue;
        if (a.access == Access::kRead && access == Access::kRead) continue;
        if (u < c.size() && c[u] >= a.step) continue;  // already ordered
        candidates.push_back({&a, u});
      }
      for (const Candidate& x : candidates) {
        bool covered = false;
        for (const Candidate& y : candidates) {
          if (&x == &y) continue;
          if (x.tid < y.access->clock.size() && y.access->clock[x.tid] >= x.access->step) {
            covered = true;  // x → y, and y conflicts with e: (y, e) is the closer pair
            break;
          }
        }
        if (!covered) out.push_back({x.access->index, static_cast<uint32_t>(i), e.obj});
      }
    }
    // Synchronization of this event.
    if (IsAcquire(e) && e.obj != 0) {
      auto it = object_clock.find(e.obj);
      if (it != object_clock.end()) Join(c, it->second);
    }
    if (e.kind == EventKind::kCondWake && cond_mutex[t] != 0) {
      auto it = object_clock.find(cond_mutex[t]);
      if (it != object_clock.end()) Join(c, it->second);
    }
    if (e.kind == EventKind::kThreadJoin && e.arg >= 0 &&
        static_cast<uint64_t>(e.arg) < exit_clock.size()) {
      Join(c, exit_clock[e.arg]);
    }
    if (c.size() < threads) c.resize(threads, 0);
    c[t] = ++steps[t];
    if (IsRelease(e) && e.obj != 0) Join(object_clock[e.obj], c);
    if (e.kind == EventKind::kCondWait && e.arg > 0) {
      cond_mutex[t] = static_cast<uint32_t>(e.arg);
      Join(object_clock[cond_mutex[t]], c);
    }
    if (e.kind == EventKind::kThreadCreate && e.arg >= 0 &&
        static_cast<uint64_t>(e.arg) < created_clock.size()) {
      created_clock[e.arg] = c;
    }
    if (e.kind == EventKind::kThreadExit) exit_clock[t] = c;
    if (access != Access::kNone) {
      LastAccess& mine = last[e.obj][t];
      mine.index = static_cast<uint32_t>(i);
      mine.step = steps[t];
      mine.access = access;
      mine.clock = c;
    }
  }
  std::sort(out.begin(), out.end(), [](const Conflict& a, const Conflict& b) {
    return a.second != b.second ? a.second < b.second : a.first < b.first;
  });
  return out;
}

}  // namespace weft::gui
