// control.h — the state of controlled mode shared by the files that implement it:
//   control_start.cc   start-up (session, real functions, pinning, the chooser), the guard
//   thread_table.cc    the thread table and the live set
//   schedule_point.cc  Pick (enabled set, the chooser), the turn hand-off, wake-ups, events
//   virtual_time.cc    virtual clocks and deadlines
//   glibc_mutex.cc     reading the state of glibc's mutexes
// Only the thread holding the turn reads or writes any of it (after start-up).
#pragma once

#include "shim.h"
#include "weft/sched/chooser.h"

namespace weft::shim {

inline constexpr uint64_t kTickNs = 1000;  // virtual time per decision

enum class ShimState : int { kUninit, kOff, kStarting, kOn };

// NB: every global here must be constant-initialized: the hooks can run (and start the
// shim) before this library's dynamic initializers would, which would then wipe state.
WEFT_HIDDEN extern ShimState g_state;
WEFT_HIDDEN extern weft_session* g_session;
WEFT_HIDDEN extern Thread g_threads[kMaxThreads];
WEFT_HIDDEN extern uint32_t g_thread_count;       // slots ever used (tids are never reused)
WEFT_HIDDEN extern uint16_t g_live[kMaxThreads];  // live tids, ascending
WEFT_HIDDEN extern uint32_t g_live_count;
WEFT_HIDDEN extern uint64_t g_vnow;    // virtual time now
WEFT_HIDDEN extern uint64_t g_events;  // events emitted
WEFT_HIDDEN extern sched::Chooser g_chooser;
extern __thread Thread* t_self __attribute__((tls_model("initial-exec")));
// Depth of shim frames on this thread (Guard); 0 outside the shim.
extern __thread int t_depth __attribute__((tls_model("initial-exec")));

// Memory accesses of instrumented builds (hooks_memory.cc): maps the granule and site
// tables and reads the session's candidate sites. Start-up only.
void MemoryInit();
// An atomic read-modify-write (seq_cst) of `size` bytes at `addr` by the uninstrumented
// instruction at `pc` (hooks_atomic_sites.cc's trampolines): the memory access path of
// instrumented builds, raising WEFT_MEMORY_ATOMIC_SITES.
void AtomicSiteAccess(const void* addr, uint32_t size, const void* pc);
// Patches the session's atomic sites (hooks_atomic_sites.cc). Start-up only, with the main
// thread alone, after MemoryInit.
void AtomicSitesInit();

// Waits on the outside (wait_model.cc). The real-time slice a thread deciding waits, and a
// parked signal waiter sleeps, before looking again.
inline constexpr uint64_t kOutsideSliceNs = 2000000;
// Whether `t`'s pending operation waits for a signal or a descriptor (blocking).
bool WaitsOutside(const Thread* t);
// Whether the descriptors `t` polls are ready (a zero-timeout probe by the thread deciding).
bool PollReady(const Thread* t);
// Whether a kWaitChild operation has a child to report (or will fail at once): a
// non-consuming waitid probe.
bool ChildWaitReady(const Op& op);
// Whether a signal ended `t`'s signal wait.
bool SignalWaitReady(const Thread* t);
// The thread deciding found no thread enabled and some waiting on the outside: waits in real
// time, at most `max_ns` (one slice), for a descriptor any of them polls.
void WaitOutside(uint64_t max_ns);
// Parks a signal waiter until it gets the turn, probing its own pending signals meanwhile.
void WaitTurnProbing(Thread* self);

// Adds `tid` to the live set (kept ascending).
void AddLive(uint16_t tid);
// Removes `tid` from the live set.
void RemoveLive(uint16_t tid);
// The weft tid of a kernel tid, kNoThread if it is none of ours.
int16_t TidOfOsTid(pid_t os_tid);
// Publishes the event count and virtual time in the session status.
void UpdateStatus();
// Sets up the main thread as tid 0 (start-up).
void RegisterMainThread();

}  // namespace weft::shim
