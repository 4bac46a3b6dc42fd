// preemptions.cc — analysis::FindPreemptions: exact from enabled sets, else inferred.
#include "weft/preemptions.h"

#include <algorithm>
#include <unordered_map>

#include "weft/access.h"
#include "weft/event_kinds.h"
#include "weft/schedule_stats.h"

namespace weft::analysis {
namespace {

using format::Event;
using format::EventKind;
using format::Trace;

// Who holds an object's section: one writer (perhaps recursively) or readers.
struct Holders {
  int64_t writer = -1;
  uint32_t depth = 0;
  uint32_t readers = 0;
};

class LockState {
 public:
  explicit LockState(const Trace& trace) : trace_(trace) {}

  // Applies event `e` (its sections opened and closed).
  void Apply(const Event& e) {
    AccessState state;
    state.object_count = trace_.objects.size();
    auto mutex = cond_mutex_.find(e.tid);
    if (mutex != cond_mutex_.end()) state.cond_mutex = mutex->second;
    auto own = holders_.find(e.obj);
    state.holds_write = own != holders_.end() && own->second.writer == static_cast<int64_t>(e.tid);
    for (const Touch& t : AccessesOf(e, state)) {
      Holders& h = holders_[t.obj];
      if (t.section_start) {
        if (t.access == Access::kRead) {
          ++h.readers;
        } else {
          h.writer = e.tid;
          ++h.depth;
        }
      } else if (t.section_end) {
        if (h.writer == static_cast<int64_t>(e.tid) && h.depth > 0) {
          if (--h.depth == 0) h.writer = -1;
        } else if (h.readers > 0) {
          --h.readers;
        }
      }
    }
    if (e.kind == EventKind::kCondWait && e.arg > 0) {
      cond_mutex_[e.tid] = static_cast<uint32_t>(e.arg);
    }
    if (e.kind == EventKind::kThreadExit && e.tid < exited_.size()) exited_[e.tid] = true;
  }

  // Whether thread `tid` could run its operation `kind` on `obj` now (see the header).
  bool Ready(uint32_t tid, EventKind kind, uint32_t obj, uint32_t flags) const {
    const format::EventKindInfo& info = format::InfoOf(kind);
    if (!info.known || info.retired) return false;
    if (!info.waits || (flags & format::kFlagTry) != 0) return true;
    if (kind == EventKind::kThreadJoin) {
      for (const format::Thread& t : trace_.threads) {
        if (t.handle_obj == obj && obj != 0) return t.tid < exited_.size() && exited_[t.tid];
      }
      return false;
    }
    if (SectionRoleOf(kind) != WEFT_SECTION_ACQUIRE) return false;
    auto found = holders_.find(obj);
    if (found == holders_.end()) return true;
    const Holders& h = found->second;
    bool writer_free = h.writer < 0 || h.writer == static_cast<int64_t>(tid);
    if (AccessClassOf(kind) == WEFT_ACCESS_READ) return writer_free;
    return writer_free && h.readers == 0;
  }

  void SizeThreads(size_t n) { exited_.assign(n, false); }

 private:
  const Trace& trace_;
  std::unordered_map<uint32_t, Holders> holders_;
  std::unordered_map<uint32_t, uint32_t> cond_mutex_;
  std::vector<bool> exited_;
};

// An exec whose new image runs uncontrolled (arg 0) is its thread's last event.
bool EndsThread(const Event& e) {
  return e.kind == EventKind::kThreadExit || e.kind == EventKind::kProcessExit ||
         (e.kind == EventKind::kExec && e.arg == 0);
}

}  // namespace

Preemptions FindPreemptions(const Trace& trace) {
  Preemptions out;
  size_t n = trace.events.size();
  out.preempted.assign(n, -1);
  if (n != 0 && trace.enabled_sets.size() == n) {
    out.exact = true;
    for (size_t i = 0; i < n; ++i) {
      const format::EnabledSet& set = trace.enabled_sets[i];
      if (IsPreemption(set.current, trace.events[i].tid, set.Has(set.current))) {
        out.preempted[i] = static_cast<int32_t>(set.current);
        ++out.count;
      }
    }
    return out;
  }
  // next[i]: the index of the next event of event i's thread (n: none).
  std::vector<size_t> next(n, n);
  std::unordered_map<uint32_t, size_t> later;
  for (size_t i = n; i-- > 0;) {
    auto it = later.find(trace.events[i].tid);
    if (it != later.end()) next[i] = it->second;
    later[trace.events[i].tid] = i;
  }
  LockState state(trace);
  uint32_t max_tid = 0;
  for (const Event& e : trace.events) max_tid = std::max(max_tid, e.tid);
  state.SizeThreads(std::max<size_t>(trace.threads.size(), max_tid + 1));
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) {
      const Event& prev = trace.events[i - 1];
      const Event& e = trace.events[i];
      if (e.tid != prev.tid && e.enabled > 1 && !EndsThread(prev)) {
        // The thread that reached decision i and the operation it was about to run.
        bool ready = false;
        if (next[i - 1] < n) {
          const Event& pending = trace.events[next[i - 1]];
          ready = state.Ready(prev.tid, pending.kind, pending.obj, pending.flags);
        } else {
          for (const format::BlockedThread& b : trace.outcome.blocked) {
            if (b.tid == prev.tid) ready = state.Ready(b.tid, b.kind, b.obj, 0);
          }
        }
        if (ready) {
          out.preempted[i] = static_cast<int32_t>(prev.tid);
          ++out.count;
        }
      }
    }
    state.Apply(trace.events[i]);
  }
  return out;
}

}  // namespace weft::analysis
