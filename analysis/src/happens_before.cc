// happens_before.cc — which channel each kind of event acquires and releases.
#include "happens_before.h"

#include <algorithm>

namespace weft::analysis {
namespace {

using format::Event;
using format::EventKind;

bool Failed(const Event& e) { return (e.flags & format::kFlagFailed) != 0; }

// C11 memory orders (WEFT_MEM_ARG bits 40..42): 0 relaxed, 1 consume, 2 acquire, 3 release,
// 4 acq_rel, 5 seq_cst.
bool Atomic(const Event& e) { return (e.flags & format::kFlagAtomic) != 0; }
uint32_t Order(const Event& e) { return format::DecodeMemoryArg(e.arg).order; }
bool AcquireOrder(uint32_t order) { return order == 1 || order == 2 || order == 4 || order == 5; }
bool ReleaseOrder(uint32_t order) { return order >= 3 && order <= 5; }

}  // namespace

ThreadNumbers ThreadNumbers::Of(const format::Trace& trace) {
  ThreadNumbers n;
  uint64_t max_tid = 0;
  for (const Event& e : trace.events) max_tid = std::max<uint64_t>(max_tid, e.tid);
  for (const format::BlockedThread& b : trace.outcome.blocked) {
    max_tid = std::max<uint64_t>(max_tid, b.tid);
  }
  n.dense.assign(max_tid + 1, kNoThread);
  for (const Event& e : trace.events) n.dense[e.tid] = 0;
  for (const format::BlockedThread& b : trace.outcome.blocked) n.dense[b.tid] = 0;
  for (uint32_t tid = 0; tid <= max_tid; ++tid) {
    if (n.dense[tid] == kNoThread) continue;
    n.dense[tid] = static_cast<uint32_t>(n.real.size());
    n.real.push_back(tid);
  }
  return n;
}

HappensBefore::HappensBefore(const format::Trace& trace, const ThreadNumbers& threads,
                             size_t objects)
    : trace_(trace), numbers_(threads), clocks_(threads.count()) {
  objects_.resize(objects);
  threads_.resize(threads.count());
  for (ThreadState& t : threads_) {
    t.spawn = clocks_.NewChannel();
    t.exit = clocks_.NewChannel();
    t.wake = clocks_.NewChannel();
  }
  for (uint32_t d = 0; d < threads.count(); ++d) {
    uint32_t tid = threads.real[d];
    if (tid < trace.threads.size()) process_threads_[trace.threads[tid].pid].push_back(d);
  }
  wakes_.reserve(trace.wakes.size());
  for (const format::Wake& w : trace.wakes) wakes_.emplace_back(w.event_index, w.woken);
  std::stable_sort(wakes_.begin(), wakes_.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
}

uint32_t HappensBefore::Channel(uint32_t* id) {
  if (*id == kNoChannel) *id = clocks_.NewChannel();
  return *id;
}

bool HappensBefore::HoldsWrite(uint32_t obj, uint32_t t) const {
  const std::vector<uint32_t>& h = objects_[obj].write_holders;
  return std::find(h.begin(), h.end(), t) != h.end();
}

void HappensBefore::SetHoldsWrite(uint32_t obj, uint32_t t, bool holds) {
  std::vector<uint32_t>& h = objects_[obj].write_holders;
  auto it = std::find(h.begin(), h.end(), t);
  if (holds && it == h.end()) h.push_back(t);
  if (!holds && it != h.end()) h.erase(it);
}

AccessState HappensBefore::State(uint32_t t, const Event& e) const {
  AccessState s;
  s.holds_write = e.obj != 0 && HoldsWrite(e.obj, t);
  s.cond_mutex = threads_[t].cond_mutex;
  s.object_count = objects_.size();
  return s;
}

void HappensBefore::Acquire(uint32_t t, const Event& e) {
  ThreadState& ts = threads_[t];
  bool ok = !Failed(e);
  uint32_t obj = e.obj;
  switch (e.kind) {
    case EventKind::kThreadStart:
      clocks_.Acquire(t, ts.spawn);
      break;
    case EventKind::kThreadJoin:
      if (int64_t joined = numbers_.Dense(e.arg); ok && joined >= 0) {
        clocks_.Acquire(t, threads_[joined].exit);
      }
      break;
    case EventKind::kProcessWait:  // a join of the process it reaped
      if (auto it = process_end_.find(static_cast<uint32_t>(e.arg));
          ok && e.arg > 0 && it != process_end_.end()) {
        clocks_.Acquire(t, it->second);
      }
      break;
    case EventKind::kMutexLock:
    case EventKind::kSpinLock:
      if (ok && obj != 0) clocks_.Acquire(t, Channel(&objects_[obj].channel));
      break;
    case EventKind::kRwlockRdlock:
      if (ok && obj != 0) {
        clocks_.Acquire(t, Channel(&objects_[obj].channel));
        SetHoldsWrite(obj, t, false);
      }
      break;
    case EventKind::kRwlockWrlock:
      if (ok && obj != 0) {
        ObjectState& o = objects_[obj];
        clocks_.Acquire(t, Channel(&o.channel));
        clocks_.Acquire(t, Channel(&o.readers));
        clocks_.Reset(o.readers);  // later writers get the readers through this one
        SetHoldsWrite(obj, t, true);
      }
      break;
    case EventKind::kCondWake:
      clocks_.Acquire(t, ts.wake);
      clocks_.Reset(ts.wake);
      if (ts.cond_mutex != 0) clocks_.Acquire(t, Channel(&objects_[ts.cond_mutex].channel));
      break;
    case EventKind::kSemWait:
      if (ok && obj != 0) {
        uint32_t ch = Channel(&objects_[obj].channel);
        clocks_.Acquire(t, ch);
        clocks_.Reset(ch);
      }
      break;
    case EventKind::kBarrierLeave:
      if (ts.barrier != kNoChannel) {
        clocks_.Acquire(t, ts.barrier);
        Leave(t);
      }
      break;
    case EventKind::kOnce:
      if (e.arg != 1 && obj != 0) clocks_.Acquire(t, Channel(&objects_[obj].channel));
      break;
    case EventKind::kFutexWoken:
      clocks_.Acquire(t, ts.wake);
      clocks_.Reset(ts.wake);
      break;
    case EventKind::kMemRead:
    case EventKind::kMemWrite:
      if (Atomic(e) && AcquireOrder(Order(e)) && obj != 0) {
        clocks_.Acquire(t, Channel(&objects_[obj].channel));
      }
      break;
    default:
      break;
  }
}

void HappensBefore::ReleaseAtomic(uint32_t t, uint32_t obj, bool rmw) {
  if (obj == 0 || obj >= objects_.size()) return;
  clocks_.Release(t, Channel(&objects_[obj].channel), obj, rmw);
}

void HappensBefore::Release(uint64_t i, uint32_t t, const Event& e) {
  ThreadState& ts = threads_[t];
  bool ok = !Failed(e);
  uint32_t obj = e.obj;
  switch (e.kind) {
    case EventKind::kThreadCreate:
      if (int64_t child = numbers_.Dense(e.arg); ok && child >= 0) {
        clocks_.Release(t, threads_[child].spawn, 0, false);
      }
      break;
    case EventKind::kThreadExit:
      clocks_.Release(t, ts.exit, obj, false);
      break;
    case EventKind::kFork:  // its child's first thread starts after it
      if (auto it = process_threads_.find(static_cast<uint32_t>(e.arg));
          ok && e.arg > 0 && it != process_threads_.end() && it->second.front() != t) {
        clocks_.Release(t, threads_[it->second.front()].spawn, 0, false);
      }
      break;
    case EventKind::kProcessExit: {
      // Every thread of the process ends with it: all they did happened before its reaping.
      uint32_t tid = numbers_.real[t];
      if (tid >= trace_.threads.size()) break;
      uint32_t pid = trace_.threads[tid].pid;
      auto [end, fresh] = process_end_.try_emplace(pid, kNoChannel);
      if (fresh) end->second = clocks_.NewChannel();
      for (uint32_t u : process_threads_[pid]) clocks_.Release(u, end->second, 0, true);
      break;
    }
    case EventKind::kMutexUnlock:
    case EventKind::kSpinUnlock:
    case EventKind::kOnceDone:
      if (ok && obj != 0) clocks_.Release(t, Channel(&objects_[obj].channel), obj, false);
      break;
    case EventKind::kRwlockUnlock:
      if (ok && obj != 0) {
        ObjectState& o = objects_[obj];
        if (HoldsWrite(obj, t)) {
          clocks_.Release(t, Channel(&o.channel), obj, false);
          SetHoldsWrite(obj, t, false);
        } else {
          clocks_.Release(t, Channel(&o.readers), obj, true);
        }
      }
      break;
    case EventKind::kCondWait:
      if (ok) {
        ts.cond = obj;
        ts.signalled = false;
        ts.cond_mutex = 0;
        if (e.arg > 0 && static_cast<uint64_t>(e.arg) < objects_.size()) {
          ts.cond_mutex = static_cast<uint32_t>(e.arg);
          clocks_.Release(t, Channel(&objects_[ts.cond_mutex].channel), ts.cond_mutex, false);
        }
      }
      break;
    case EventKind::kCondWake:
      ts.cond = 0;
      ts.signalled = false;
      break;
    case EventKind::kCondSignal:
      if (int64_t chosen = numbers_.Dense(e.arg); chosen >= 0) {
        ThreadState& woken = threads_[chosen];
        clocks_.Release(t, woken.wake, obj, false);
        woken.signalled = true;
      }
      break;
    case EventKind::kCondBroadcast:
      for (uint32_t u = 0; u < threads_.size(); ++u) {
        ThreadState& w = threads_[u];
        if (u == t || obj == 0 || w.cond != obj || w.signalled) continue;
        clocks_.Release(t, w.wake, obj, false);
        w.signalled = true;
      }
      break;
    case EventKind::kSemPost:
      if (ok && obj != 0) clocks_.Release(t, Channel(&objects_[obj].channel), obj, true);
      break;
    case EventKind::kBarrierWait:
      if (obj != 0) Arrive(t, e);
      break;
    case EventKind::kMemWrite:
      if (Atomic(e) && ReleaseOrder(Order(e))) {
        ReleaseAtomic(t, obj, (e.flags & format::kFlagRead) != 0);
      }
      break;
    case EventKind::kFutexWake: {
      auto it = std::lower_bound(wakes_.begin(), wakes_.end(), i,
                                 [](const auto& w, uint64_t index) { return w.first < index; });
      for (; it != wakes_.end() && it->first == i; ++it) {
        int64_t woken = numbers_.Dense(it->second);
        if (woken >= 0 && woken != t) clocks_.Release(t, threads_[woken].wake, obj, false);
      }
      break;
    }
    default:
      break;
  }
}

// A barrier arrival: its clock joins the open generation; the arrival that completes the
// generation (arg = the count, when the count is known) closes it.
void HappensBefore::Arrive(uint32_t t, const Event& e) {
  ObjectState& o = objects_[e.obj];
  ThreadState& ts = threads_[t];
  if (ts.barrier != kNoChannel) Leave(t);  // arrived again without a leave event
  if (o.generation == kNoChannel) {
    o.generation = clocks_.NewChannel();
    if (refs_.size() <= o.generation) refs_.resize(o.generation + 1, 0);
  }
  clocks_.Release(t, o.generation, e.obj, true);
  ts.barrier = o.generation;
  ts.barrier_obj = e.obj;
  ++refs_[o.generation];
  uint64_t count = e.obj < trace_.objects.size() ? trace_.objects[e.obj].aux : 0;
  if (count > 0 && e.arg >= 0 && static_cast<uint64_t>(e.arg) >= count) {
    o.generation = kNoChannel;  // complete: later arrivals start the next generation
  }
}

// Thread t is done with the generation it arrived in. A leave also closes its generation
// if the count did not (every arrival of a generation precedes its first leave).
void HappensBefore::Leave(uint32_t t) {
  ThreadState& ts = threads_[t];
  uint32_t ch = ts.barrier;
  ObjectState& o = objects_[ts.barrier_obj];
  if (o.generation == ch) o.generation = kNoChannel;
  ts.barrier = kNoChannel;
  if (--refs_[ch] == 0) clocks_.FreeChannel(ch);
}

}  // namespace weft::analysis
