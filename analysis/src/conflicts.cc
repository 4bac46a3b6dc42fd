// conflicts.cc — vector clocks with per-object "shadow" clocks (happens-before without one
// object's edges), and the closest conflicting pairs per object and thread pair.
#include "weft/conflicts.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace weft::analysis {
namespace {

using format::Event;
using format::EventKind;

constexpr uint64_t kNoEvent = std::numeric_limits<uint64_t>::max();
constexpr uint32_t kNoChannel = std::numeric_limits<uint32_t>::max();
constexpr uint32_t kNoThread = std::numeric_limits<uint32_t>::max();

// A vector clock: [u] = 1 + index of the latest event of thread u that happened before,
// 0 for none. An empty Clock (a channel nothing was released into) is all zeros.
using Clock = std::vector<uint64_t>;

// Joins `from` into `into` (same size, or `from` empty); true if `into` grew.
bool JoinInto(Clock& into, const Clock& from) {
  bool grew = false;
  for (size_t i = 0; i < from.size(); ++i) {
    if (from[i] > into[i]) {
      into[i] = from[i];
      grew = true;
    }
  }
  return grew;
}

// The clock that leaves out the edges of object `obj`, kept only where it differs from the
// full clock it belongs to (it is never greater).
struct Shadow {
  uint32_t obj = 0;
  Clock clock;
};

const Clock* FindShadow(const std::vector<Shadow>& shadows, uint32_t obj) {
  for (const Shadow& s : shadows) {
    if (s.obj == obj) return &s.clock;
  }
  return nullptr;
}

// Happens-before of every thread, and for every object o at once the happens-before that
// leaves out o's edges. Edges go through channels: a release puts the releasing thread's
// clock into a channel tagged with the edge's object, an acquire joins a channel into the
// acquiring thread. In the o-free view an acquire from an o-tagged channel does nothing.
// Shadows (o-free clocks that differ from the full one) are created by such skipped
// acquires and travel with the clocks; they vanish when other edges make up the difference.
class Clocks {
 public:
  explicit Clocks(size_t threads) : threads_(threads) {
    for (ThreadClock& t : threads_) t.clock.assign(threads, 0);
  }

  uint32_t NewChannel() {
    if (!free_.empty()) {
      uint32_t id = free_.back();
      free_.pop_back();
      return id;
    }
    channels_.emplace_back();
    return static_cast<uint32_t>(channels_.size() - 1);
  }

  void FreeChannel(uint32_t id) {
    Reset(id);
    free_.push_back(id);
  }

  // Empties a channel: later acquires get nothing from what was released before.
  void Reset(uint32_t id) {
    channels_[id].clock.clear();
    channels_[id].shadows.clear();
  }

  // Thread t is at event `index` (program order).
  void Tick(uint32_t t, uint64_t index) {
    ThreadClock& th = threads_[t];
    th.clock[t] = index + 1;
    for (Shadow& s : th.shadows) s.clock[t] = index + 1;
  }

  void Acquire(uint32_t t, uint32_t id) {
    const Channel& c = channels_[id];
    if (c.clock.empty()) return;
    ThreadClock& th = threads_[t];
    old_ = th.clock;
    bool grew = JoinInto(th.clock, c.clock);
    // Objects with a shadow in the channel but none in the thread: the thread's o-free
    // clock was its full clock.
    scratch_.clear();
    for (const Shadow& cs : c.shadows) {
      if (cs.obj == c.tag || FindShadow(th.shadows, cs.obj) != nullptr) continue;
      Shadow n{cs.obj, old_};
      JoinInto(n.clock, cs.clock);
      if (n.clock != th.clock) scratch_.push_back(std::move(n));
    }
    bool had_tag_shadow = c.tag == 0;  // untagged edges (spawn) are never left out
    size_t keep = 0;
    for (size_t i = 0; i < th.shadows.size(); ++i) {
      Shadow& s = th.shadows[i];
      if (s.obj == c.tag) {
        had_tag_shadow = true;  // this edge is left out of the tag's own view
      } else {
        const Clock* from = FindShadow(c.shadows, s.obj);
        JoinInto(s.clock, from != nullptr ? *from : c.clock);
      }
      if (s.clock == th.clock) continue;  // caught up: no longer differs
      if (keep != i) th.shadows[keep] = std::move(s);
      ++keep;
    }
    th.shadows.resize(keep);
    if (!had_tag_shadow && grew) th.shadows.push_back(Shadow{c.tag, old_});
    for (Shadow& n : scratch_) th.shadows.push_back(std::move(n));
  }

  // Releases thread t's clock into channel `id` as an edge of object `tag` (0: an edge
  // that is never left out). `accumulate` joins with what the channel holds; otherwise the
  // channel is overwritten.
  void Release(uint32_t t, uint32_t id, uint32_t tag, bool accumulate) {
    Channel& c = channels_[id];
    const ThreadClock& th = threads_[t];
    if (!accumulate || c.clock.empty() || c.tag != tag) {
      c.tag = tag;
      c.clock = th.clock;
      size_t n = 0;
      for (const Shadow& s : th.shadows) {
        if (s.obj == tag) continue;  // never read: acquires of this channel skip the view
        if (n < c.shadows.size()) {
          c.shadows[n].obj = s.obj;
          c.shadows[n].clock = s.clock;
        } else {
          c.shadows.push_back(s);
        }
        ++n;
      }
      c.shadows.resize(n);
      return;
    }
    old_ = c.clock;
    JoinInto(c.clock, th.clock);
    scratch_.clear();
    for (const Shadow& cs : c.shadows) {
      if (cs.obj == tag) continue;
      Shadow n{cs.obj, cs.clock};
      const Clock* ts = FindShadow(th.shadows, cs.obj);
      JoinInto(n.clock, ts != nullptr ? *ts : th.clock);
      if (n.clock != c.clock) scratch_.push_back(std::move(n));
    }
    for (const Shadow& s : th.shadows) {
      if (s.obj == tag || FindShadow(c.shadows, s.obj) != nullptr) continue;
      Shadow n{s.obj, old_};
      JoinInto(n.clock, s.clock);
      if (n.clock != c.clock) scratch_.push_back(std::move(n));
    }
    c.shadows.swap(scratch_);
  }

  // Thread t's current clock with object obj's edges left out.
  const Clock& Without(uint32_t t, uint32_t obj) const {
    const ThreadClock& th = threads_[t];
    const Clock* s = FindShadow(th.shadows, obj);
    return s != nullptr ? *s : th.clock;
  }

 private:
  struct Channel {
    uint32_t tag = 0;
    Clock clock;
    std::vector<Shadow> shadows;
  };
  struct ThreadClock {
    Clock clock;
    std::vector<Shadow> shadows;
  };

  std::vector<ThreadClock> threads_;
  std::vector<Channel> channels_;
  std::vector<uint32_t> free_;
  Clock old_;                    // scratch
  std::vector<Shadow> scratch_;  // scratch
};

// What another thread's events were paired with one thread's events on one object. The
// candidates of a write are the other thread's latest access, of a read its latest write;
// both only grow, so the greatest paired event of each kind tells whether a candidate was
// paired already.
struct Paired {
  uint32_t tid = 0;
  uint64_t max_any = 0;    // 1 + the greatest paired event, 0 = none
  uint64_t max_write = 0;  // 1 + the greatest paired event that was a write, 0 = none
};

// One thread's accesses to one object. Threads are numbered densely (Analyzer::Dense).
struct ThreadAccess {
  uint32_t tid = 0;
  uint64_t last = kNoEvent;  // its latest access
  Access last_access = Access::kNone;
  EventKind last_kind = EventKind::kNone;
  uint64_t last_reversal = 0;      // Conflict::reversal if `last` is a pair's first
  uint64_t last_write = kNoEvent;  // its latest write
  EventKind last_write_kind = EventKind::kNone;
  uint64_t last_write_reversal = 0;
  uint64_t section_start = kNoEvent;  // its latest acquire of the object (lock-like objects)
  bool holds_write = false;           // rwlock: its lock is the write lock
  // Events of other threads already paired with an (earlier) event of this thread: only the
  // earliest event of this thread is paired with a given event.
  std::vector<Paired> paired;
};

struct ObjectState {
  std::vector<ThreadAccess> threads;
  uint32_t channel = kNoChannel;     // lock release, sem posts, once done, rwlock write unlock
  uint32_t readers = kNoChannel;     // rwlock read unlocks
  uint32_t generation = kNoChannel;  // barrier: the open generation's arrivals
};

struct ThreadState {
  uint32_t spawn = kNoChannel;    // create → start
  uint32_t exit = kNoChannel;     // exit → join
  uint32_t wake = kNoChannel;     // signal/broadcast/futex wake → this thread's wake-up
  uint32_t cond = 0;              // condition it waits on (0: none)
  uint32_t cond_mutex = 0;        // the mutex its condition wait released
  bool signalled = false;         // chosen by a signal or broadcast during this wait
  uint32_t barrier = kNoChannel;  // the generation it arrived in, until it leaves
  uint32_t barrier_obj = 0;       // the barrier of that generation
};

// One access an event makes.
struct Touch {
  uint32_t obj = 0;
  Access access = Access::kNone;
  bool section_start = false;  // it acquires the object (a lock)
  bool section_end = false;    // it releases the object (an unlock)
};

bool Failed(const Event& e) { return (e.flags & format::kFlagFailed) != 0; }

class Analyzer {
 public:
  explicit Analyzer(const format::Trace& trace)
      : trace_(trace), thread_count_(DenseThreads(trace, &dense_, &real_)), clocks_(thread_count_) {
    size_t objects = trace.objects.size();
    for (const Event& e : trace.events) objects = std::max<size_t>(objects, size_t{e.obj} + 1);
    for (const format::BlockedThread& b : trace.outcome.blocked) {
      objects = std::max<size_t>(objects, size_t{b.obj} + 1);
    }
    objects_.resize(objects);
    threads_.resize(thread_count_);
    for (ThreadState& t : threads_) {
      t.spawn = clocks_.NewChannel();
      t.exit = clocks_.NewChannel();
      t.wake = clocks_.NewChannel();
    }
    wakes_.reserve(trace.wakes.size());
    for (const format::Wake& w : trace.wakes) wakes_.emplace_back(w.event_index, w.woken);
    std::stable_sort(wakes_.begin(), wakes_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
  }

  std::vector<Conflict> Run() {
    const std::vector<Event>& events = trace_.events;
    for (uint64_t i = 0; i < events.size(); ++i) Step(i, events[i]);
    if (trace_.has_outcome) {
      for (size_t b = 0; b < trace_.outcome.blocked.size(); ++b) Pending(b);
    }
    std::sort(out_.begin(), out_.end(), [](const Conflict& a, const Conflict& b) {
      if (a.first != b.first) return a.first < b.first;
      if (a.second != b.second) return a.second < b.second;
      return a.obj < b.obj;
    });
    return std::move(out_);
  }

 private:
  // Numbers the threads that have events (or a pending operation) densely, in order of
  // their tids, so that clocks stay as small as the set of threads that ran.
  static size_t DenseThreads(const format::Trace& trace, std::vector<uint32_t>* dense,
                             std::vector<uint32_t>* real) {
    uint64_t max_tid = 0;
    for (const Event& e : trace.events) max_tid = std::max<uint64_t>(max_tid, e.tid);
    for (const format::BlockedThread& b : trace.outcome.blocked) {
      max_tid = std::max<uint64_t>(max_tid, b.tid);
    }
    dense->assign(max_tid + 1, kNoThread);
    for (const Event& e : trace.events) (*dense)[e.tid] = 0;
    for (const format::BlockedThread& b : trace.outcome.blocked) (*dense)[b.tid] = 0;
    for (uint32_t tid = 0; tid <= max_tid; ++tid) {
      if ((*dense)[tid] == kNoThread) continue;
      (*dense)[tid] = static_cast<uint32_t>(real->size());
      real->push_back(tid);
    }
    return real->size();
  }

  // The dense number of thread `tid`, -1 if it has no events.
  int64_t Dense(int64_t tid) const {
    if (tid < 0 || static_cast<uint64_t>(tid) >= dense_.size()) return -1;
    uint32_t d = dense_[static_cast<size_t>(tid)];
    return d == kNoThread ? -1 : d;
  }

  uint32_t Channel(uint32_t* id) {
    if (*id == kNoChannel) *id = clocks_.NewChannel();
    return *id;
  }

  ThreadAccess& AccessOf(uint32_t obj, uint32_t tid) {
    std::vector<ThreadAccess>& list = objects_[obj].threads;
    for (ThreadAccess& a : list) {
      if (a.tid == tid) return a;
    }
    list.emplace_back();
    list.back().tid = tid;
    return list.back();
  }

  // The accesses of event e by (dense) thread t and its synchronization before them
  // (acquires). Releases happen in Release() after the pairs are found.
  int Acquire(uint32_t t, const Event& e, Touch touches[2]) {
    ThreadState& ts = threads_[t];
    bool ok = !Failed(e);
    uint32_t obj = e.obj;
    Access change = ok ? Access::kWrite : Access::kRead;
    int n = 0;
    auto touch = [&](uint32_t o, Access a, bool start = false, bool end = false) {
      if (o != 0 && a != Access::kNone) touches[n++] = Touch{o, a, start, end};
    };
    switch (e.kind) {
      case EventKind::kThreadStart:
        clocks_.Acquire(t, ts.spawn);
        break;
      case EventKind::kThreadCreate:
      case EventKind::kThreadExit:
      case EventKind::kThreadDetach:
        touch(obj, change);
        break;
      case EventKind::kThreadJoin:
        if (int64_t joined = Dense(e.arg); ok && joined >= 0) {
          clocks_.Acquire(t, threads_[joined].exit);
        }
        touch(obj, change);
        break;
      case EventKind::kMutexLock:
      case EventKind::kSpinLock:
        if (ok && obj != 0) clocks_.Acquire(t, Channel(&objects_[obj].channel));
        touch(obj, change, ok);
        break;
      case EventKind::kMutexUnlock:
      case EventKind::kSpinUnlock:
        touch(obj, change, false, ok);
        break;
      case EventKind::kRwlockRdlock:
        if (ok && obj != 0) clocks_.Acquire(t, Channel(&objects_[obj].channel));
        if (ok && obj != 0) AccessOf(obj, t).holds_write = false;
        touch(obj, Access::kRead, ok);
        break;
      case EventKind::kRwlockWrlock:
        if (ok && obj != 0) {
          ObjectState& o = objects_[obj];
          clocks_.Acquire(t, Channel(&o.channel));
          clocks_.Acquire(t, Channel(&o.readers));
          clocks_.Reset(o.readers);  // later writers get the readers through this one
          AccessOf(obj, t).holds_write = true;
        }
        touch(obj, change, ok);
        break;
      case EventKind::kRwlockUnlock: {
        bool write = obj != 0 && AccessOf(obj, t).holds_write;
        touch(obj, ok && write ? Access::kWrite : Access::kRead, false, ok);
        break;
      }
      case EventKind::kCondWait:
        touch(obj, change);
        if (ok && e.arg > 0 && static_cast<uint64_t>(e.arg) < objects_.size()) {
          touch(static_cast<uint32_t>(e.arg), Access::kWrite, false, true);
        }
        break;
      case EventKind::kCondWake:
        clocks_.Acquire(t, ts.wake);
        clocks_.Reset(ts.wake);
        if (ts.cond_mutex != 0) clocks_.Acquire(t, Channel(&objects_[ts.cond_mutex].channel));
        touch(obj, Access::kWrite);
        touch(ts.cond_mutex, Access::kWrite, true);
        break;
      case EventKind::kCondSignal:
      case EventKind::kCondBroadcast:
        touch(obj, Access::kWrite);
        break;
      case EventKind::kSemWait:
        if (ok && obj != 0) {
          uint32_t ch = Channel(&objects_[obj].channel);
          clocks_.Acquire(t, ch);
          clocks_.Reset(ch);
        }
        touch(obj, change);
        break;
      case EventKind::kSemPost:
        touch(obj, change);
        break;
      case EventKind::kBarrierWait:
        touch(obj, Access::kWrite);
        break;
      case EventKind::kBarrierLeave:
        if (ts.barrier != kNoChannel) {
          clocks_.Acquire(t, ts.barrier);
          Leave(t);
        }
        break;
      case EventKind::kOnce:
        if (e.arg == 1) {
          touch(obj, Access::kWrite, true);
        } else {
          if (obj != 0) clocks_.Acquire(t, Channel(&objects_[obj].channel));
          touch(obj, Access::kRead);
        }
        break;
      case EventKind::kOnceDone:
        touch(obj, Access::kWrite, false, true);
        break;
      case EventKind::kFutexWait:
        touch(obj, ok && e.arg == 0 ? Access::kWrite : Access::kRead);
        break;
      case EventKind::kFutexWoken:
        clocks_.Acquire(t, ts.wake);
        clocks_.Reset(ts.wake);
        touch(obj, Access::kWrite);
        break;
      case EventKind::kFutexWake:
        touch(obj, Access::kWrite);
        break;
      default:
        break;
    }
    return n;
  }

  // The releases of event e by (dense) thread t, after its pairs were found.
  void Release(uint64_t i, uint32_t t, const Event& e) {
    ThreadState& ts = threads_[t];
    bool ok = !Failed(e);
    uint32_t obj = e.obj;
    switch (e.kind) {
      case EventKind::kThreadCreate:
        if (int64_t child = Dense(e.arg); ok && child >= 0) {
          clocks_.Release(t, threads_[child].spawn, 0, false);
        }
        break;
      case EventKind::kThreadExit:
        clocks_.Release(t, ts.exit, obj, false);
        break;
      case EventKind::kMutexUnlock:
      case EventKind::kSpinUnlock:
      case EventKind::kOnceDone:
        if (ok && obj != 0) clocks_.Release(t, Channel(&objects_[obj].channel), obj, false);
        break;
      case EventKind::kRwlockUnlock:
        if (ok && obj != 0) {
          ThreadAccess& a = AccessOf(obj, t);
          ObjectState& o = objects_[obj];
          if (a.holds_write) {
            clocks_.Release(t, Channel(&o.channel), obj, false);
            a.holds_write = false;
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
        if (int64_t chosen = Dense(e.arg); chosen >= 0) {
          ThreadState& woken = threads_[chosen];
          clocks_.Release(t, woken.wake, obj, false);
          woken.signalled = true;
        }
        break;
      case EventKind::kCondBroadcast:
        for (uint32_t u = 0; u < thread_count_; ++u) {
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
      case EventKind::kFutexWake: {
        auto it = std::lower_bound(wakes_.begin(), wakes_.end(), i,
                                   [](const auto& w, uint64_t index) { return w.first < index; });
        for (; it != wakes_.end() && it->first == i; ++it) {
          int64_t woken = Dense(it->second);
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
  void Arrive(uint32_t t, const Event& e) {
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
  void Leave(uint32_t t) {
    ThreadState& ts = threads_[t];
    uint32_t ch = ts.barrier;
    ObjectState& o = objects_[ts.barrier_obj];
    if (o.generation == ch) o.generation = kNoChannel;
    ts.barrier = kNoChannel;
    if (--refs_[ch] == 0) clocks_.FreeChannel(ch);
  }

  // Pairs of the access `touch` of event `index` (events.size() for a pending operation)
  // by thread t, of kind `kind`.
  void Pairs(uint64_t index, uint32_t t, EventKind kind, const Touch& touch, int32_t blocked) {
    AccessOf(touch.obj, t);  // NB: before taking references: it may grow the list
    ObjectState& o = objects_[touch.obj];
    ThreadAccess* mine = nullptr;
    for (ThreadAccess& a : o.threads) {
      if (a.tid == t) mine = &a;
    }
    const Clock& known = clocks_.Without(t, touch.obj);
    for (const ThreadAccess& other : o.threads) {
      if (other.tid == t) continue;
      bool write = touch.access == Access::kWrite;
      uint64_t cand = write ? other.last : other.last_write;
      if (cand == kNoEvent) continue;
      if (known[other.tid] > cand) continue;  // ordered without this object's edges
      auto p = std::find_if(mine->paired.begin(), mine->paired.end(),
                            [&](const Paired& x) { return x.tid == other.tid; });
      if (p == mine->paired.end()) {
        mine->paired.push_back(Paired{other.tid, 0, 0});
        p = mine->paired.end() - 1;
      }
      if ((write ? p->max_any : p->max_write) == cand + 1) continue;  // paired earlier
      Access cand_access = write ? other.last_access : Access::kWrite;
      p->max_any = std::max(p->max_any, cand + 1);
      if (cand_access == Access::kWrite) p->max_write = std::max(p->max_write, cand + 1);
      Conflict c;
      c.first = cand;
      c.second = index;
      c.obj = touch.obj;
      c.first_tid = real_[other.tid];
      c.second_tid = real_[t];
      c.first_kind = write ? other.last_kind : other.last_write_kind;
      c.second_kind = kind;
      c.first_access = cand_access;
      c.second_access = touch.access;
      c.blocked = blocked;
      c.reversal = write ? other.last_reversal : other.last_write_reversal;
      out_.push_back(c);
    }
  }

  void Record(uint64_t index, uint32_t t, EventKind kind, const Touch& touch) {
    ThreadAccess& mine = AccessOf(touch.obj, t);
    if (touch.section_start) mine.section_start = index;
    uint64_t reversal =
        touch.section_end && mine.section_start != kNoEvent ? mine.section_start : index;
    mine.last = index;
    mine.last_access = touch.access;
    mine.last_kind = kind;
    mine.last_reversal = reversal;
    if (touch.access == Access::kWrite) {
      mine.last_write = index;
      mine.last_write_kind = kind;
      mine.last_write_reversal = reversal;
    }
    if (touch.section_end) mine.section_start = kNoEvent;
  }

  void Step(uint64_t i, const Event& e) {
    uint32_t t = dense_[e.tid];
    clocks_.Tick(t, i);
    Touch touches[2];
    int n = Acquire(t, e, touches);
    for (int k = 0; k < n; ++k) Pairs(i, t, e.kind, touches[k], -1);
    for (int k = 0; k < n; ++k) Record(i, t, e.kind, touches[k]);
    Release(i, t, e);
  }

  // The pending operation of a thread blocked at the end of the trace, as the access it
  // would make; it synchronizes with nothing (it never ran).
  void Pending(size_t b) {
    const format::BlockedThread& blocked = trace_.outcome.blocked[b];
    uint32_t t = dense_[blocked.tid];
    const ThreadState& ts = threads_[t];
    uint32_t obj = blocked.obj;
    Touch touches[2];
    int n = 0;
    auto touch = [&](uint32_t o, Access a) {
      if (o != 0 && a != Access::kNone) touches[n++] = Touch{o, a, false, false};
    };
    switch (blocked.kind) {
      case EventKind::kMutexLock:
      case EventKind::kSpinLock:
      case EventKind::kRwlockWrlock:
      case EventKind::kSemWait:
      case EventKind::kThreadJoin:
      case EventKind::kFutexWoken:
        touch(obj, Access::kWrite);
        break;
      case EventKind::kRwlockRdlock:
      case EventKind::kOnce:
        touch(obj, Access::kRead);
        break;
      case EventKind::kCondWake:
        touch(obj, Access::kWrite);
        touch(ts.cond_mutex, Access::kWrite);
        break;
      default:
        break;
    }
    for (int k = 0; k < n; ++k) {
      Pairs(trace_.events.size(), t, blocked.kind, touches[k], static_cast<int32_t>(b));
    }
  }

  const format::Trace& trace_;
  std::vector<uint32_t> dense_;  // tid → dense number (kNoThread: no events)
  std::vector<uint32_t> real_;   // dense number → tid
  size_t thread_count_;
  Clocks clocks_;
  std::vector<ObjectState> objects_;
  std::vector<ThreadState> threads_;
  std::vector<std::pair<uint64_t, uint32_t>> wakes_;  // (waking event, woken tid), sorted
  std::vector<uint32_t> refs_;  // barrier generation channel → threads yet to leave
  std::vector<Conflict> out_;
};

}  // namespace

const char* AccessName(Access access) {
  switch (access) {
    case Access::kNone:
      return "none";
    case Access::kRead:
      return "read";
    case Access::kWrite:
      return "write";
  }
  return "unknown";
}

std::vector<Conflict> FindConflicts(const format::Trace& trace) { return Analyzer(trace).Run(); }

}  // namespace weft::analysis
