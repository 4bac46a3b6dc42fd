// happens_before.h — the synchronization edges of a trace, event by event (the
// "Happens-before" rules of conflicts.h), kept as vector clocks: for each event, what it
// acquires before its accesses and what it releases after them.
#pragma once

#include <cstdint>
#include <limits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vector_clock.h"
#include "weft/access.h"
#include "weft/trace.h"

namespace weft::analysis {

inline constexpr uint32_t kNoThread = std::numeric_limits<uint32_t>::max();

// The threads that have events (or a pending operation), numbered densely in order of
// their tids, so that clocks stay as small as the set of threads that ran.
struct ThreadNumbers {
  std::vector<uint32_t> dense;  // tid → dense number (kNoThread: no events)
  std::vector<uint32_t> real;   // dense number → tid

  static ThreadNumbers Of(const format::Trace& trace);
  // The dense number of thread `tid`, -1 if it has no events.
  int64_t Dense(int64_t tid) const {
    if (tid < 0 || static_cast<uint64_t>(tid) >= dense.size()) return -1;
    uint32_t d = dense[static_cast<size_t>(tid)];
    // NB: both arms int64_t: `d == kNoThread ? -1 : d` is unsigned and gives 4294967295.
    return d == kNoThread ? int64_t{-1} : int64_t{d};
  }
  size_t count() const { return real.size(); }
};

// Happens-before over one trace. Per event of (dense) thread t, in this order:
// Tick, Acquire, then the accesses (State, Without), then Release.
class HappensBefore {
 public:
  // `objects`: object ids below it are valid (at least every id the trace uses).
  HappensBefore(const format::Trace& trace, const ThreadNumbers& threads, size_t objects);

  // Thread t is at event `index` (program order).
  void Tick(uint32_t t, uint64_t index) { clocks_.Tick(t, index); }
  // The edges into event e of thread t.
  void Acquire(uint32_t t, const format::Event& e);
  // The edges out of event `index` (e) of thread t.
  void Release(uint64_t index, uint32_t t, const format::Event& e);

  // What the access model needs about thread t at event e (after Acquire).
  AccessState State(uint32_t t, const format::Event& e) const;
  // The mutex thread t's latest condition wait released (0: none).
  uint32_t CondMutex(uint32_t t) const { return threads_[t].cond_mutex; }
  // Thread t's clock now, without object obj's edges.
  const Clock& Without(uint32_t t, uint32_t obj) const { return clocks_.Without(t, obj); }
  // Thread t's clock now, every edge included.
  const Clock& Now(uint32_t t) const { return clocks_.Without(t, 0); }
  // An atomic access of thread t to memory granule `obj` releases (MEM_WRITE with a release
  // order): a store replaces what the granule's atomics released, a read-modify-write
  // (`rmw`) adds to it.
  void ReleaseAtomic(uint32_t t, uint32_t obj, bool rmw);

 private:
  static constexpr uint32_t kNoChannel = std::numeric_limits<uint32_t>::max();

  struct ObjectState {
    uint32_t channel = kNoChannel;        // lock release, sem posts, once done, rwlock write unlock
    uint32_t readers = kNoChannel;        // rwlock read unlocks
    uint32_t generation = kNoChannel;     // barrier: the open generation's arrivals
    std::vector<uint32_t> write_holders;  // rwlock: threads whose lock is the write lock
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

  uint32_t Channel(uint32_t* id);
  bool HoldsWrite(uint32_t obj, uint32_t t) const;
  void SetHoldsWrite(uint32_t obj, uint32_t t, bool holds);
  void Arrive(uint32_t t, const format::Event& e);
  void Leave(uint32_t t);

  const format::Trace& trace_;
  const ThreadNumbers& numbers_;
  Clocks clocks_;
  std::vector<ObjectState> objects_;
  std::vector<ThreadState> threads_;
  std::vector<std::pair<uint64_t, uint32_t>> wakes_;  // (waking event, woken tid), sorted
  // The threads of each process (pid → dense numbers, by tid), and the channel its end
  // (process_exit) released into, for the wait that reaps it (process_wait).
  std::unordered_map<uint32_t, std::vector<uint32_t>> process_threads_;
  std::unordered_map<uint32_t, uint32_t> process_end_;
  std::vector<uint32_t> refs_;  // barrier generation channel → threads yet to leave
};

}  // namespace weft::analysis
