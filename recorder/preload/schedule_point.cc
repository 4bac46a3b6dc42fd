// schedule_point.cc — the schedule point: which threads are enabled, what the chooser picks
// among them (weft/sched/chooser.h, built at start-up from the session's schedule spec), the
// hand-off of the turn, the wake-ups whose waiter is a decision too, and the event records.
// Blocking is modelled: a thread whose operation cannot complete (lock held, no signal yet,
// join target alive, deadline in the future) is simply not enabled. With no thread enabled,
// virtual time jumps to the earliest deadline; with no deadline either, that is a deadlock,
// reported with the wait-for relation and each blocked thread's stack.
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <poll.h>
#include <semaphore.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "channel_model.h"
#include "control.h"
#include "file_model.h"
#include "interp_points.h"
#include "ring.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {

void EndThreadsOf(uint16_t index);  // below

namespace {

// NB: static per-process scratch instead of arrays on the target's stack: only the thread
// holding the turn decides, so one set of each is enough.
constinit uint16_t g_enabled[kMaxThreads] = {};
constinit uint16_t g_waiters[kMaxThreads] = {};
constinit uint16_t g_chosen[kMaxThreads] = {};
constinit uint16_t g_timed[kMaxThreads] = {};    // not enabled, with a deadline
constinit uint64_t g_wait_ns[kMaxThreads] = {};  // the Point's wait_ns

// The enabled set of the last decision, for its DECISION record (record_decisions): the
// thread picked is the next to emit an event, before any other decision is made.
constexpr uint32_t kDecisionWords = kMaxThreads / 64;
constexpr uint32_t kInlineWords = WEFT_DECISION_INLINE_THREADS / 64;
constexpr uint32_t kSlotWords = WEFT_DECISION_SLOT_THREADS / 64;
constinit uint64_t g_decision_mask[kDecisionWords] = {};
constinit uint32_t g_decision_words = 0;  // words of g_decision_mask in use
constinit uint16_t g_decision_current = 0;
// The DECISION record and its extra slots, assembled before one RingWrite.
constinit uint64_t
    g_decision_slots[(1 + (kDecisionWords - kInlineWords + kSlotWords - 1) / kSlotWords) *
                     (WEFT_SLOT_BYTES / 8)] = {};

// Real-time slices a replay waits for an outside event its script says came (~10 s).
constexpr uint32_t kReplayOutsideSlices = 5000;

// Position of `tid` in list[0..count), kMaxThreads if absent.
uint32_t IndexOf(const uint16_t* list, uint32_t count, uint16_t tid) {
  for (uint32_t i = 0; i < count; ++i) {
    if (list[i] == tid) return i;
  }
  return kMaxThreads;
}

// Whether a thread whose turn was taken (RunState) is out, in the program's code: never
// enabled until it has come back.
bool TakenOut(const Thread* t) {
  return __atomic_load_n(&t->run_state, __ATOMIC_ACQUIRE) == kRunTaken;
}

// Whether process `pid` has ended: a zombie (its parent or weft has not reaped it yet) or
// gone.
bool ProcessDead(uint32_t pid) {
  if (pid == 0) return false;
  char state = TaskState(pid, pid);
  return state == 'Z' || state == 'X' || state == 'x';
}

// The processes whose thread was taken out (RunState) and that have died meanwhile (an
// _exit, a fatal signal in the program's code): their threads end as at their exit.
void EndDeadTakenProcesses() {
  for (uint32_t i = 0; i < g_sched->live_count;) {
    const Thread* t = &g_sched->threads[g_sched->live[i]];
    uint16_t process = t->process;
    if (process == g_process || !TakenOut(t) || !ProcessDead(g_sched->processes[process].pid)) {
      ++i;
      continue;
    }
    EndThreadsOf(process);
    PublishProcesses();
    i = 0;  // the live set changed
  }
}

// The thread a blocked thread waits for, if the model knows it.
int16_t HolderOf(const Thread* t) {
  const Op& op = t->op;
  // Another process's objects are in memory this process cannot read.
  if (t->process != g_process && op.kind != WEFT_EV_THREAD_JOIN &&
      op.kind != WEFT_EV_PROCESS_WAIT) {
    return kNoThread;
  }
  switch (op.kind) {
    case WEFT_EV_MUTEX_LOCK:
      return MutexHolder(static_cast<pthread_mutex_t*>(op.addr));
    case WEFT_EV_COND_WAKE:
      return t->woken ? MutexHolder(static_cast<pthread_mutex_t*>(op.addr2)) : kNoThread;
    case WEFT_EV_THREAD_JOIN:
      return static_cast<int16_t>(op.arg);
    case WEFT_EV_PROCESS_WAIT:
      return ProcessWaitHolder(op);
    case WEFT_EV_RWLOCK_RDLOCK:
    case WEFT_EV_RWLOCK_WRLOCK:
    case WEFT_EV_SPIN_LOCK:
    case WEFT_EV_ONCE: {
      Object* o = FindObject(op.addr);
      return o != nullptr ? o->owner : kNoThread;
    }
    default:
      return kNoThread;
  }
}

// Reports every live thread's pending operation (BLOCKED records).
void ReportThreads() {
  for (uint32_t i = 0; i < g_sched->live_count; ++i) {
    const Thread* t = &g_sched->threads[g_sched->live[i]];
    weft_blocked_record rec{};
    rec.type = WEFT_REC_BLOCKED;
    rec.kind = t->op.kind;
    rec.tid = t->tid;
    rec.obj = t->op.obj;
    rec.holder = HolderOf(t);
    rec.stack = t->op_stack;
    RingWrite(&rec, 1);
  }
}

// Reports every thread, raises `status` and ends the run: a deadlock, or a stop requested
// with --stop-at.
[[noreturn]] void ReportThreadsAndExit(uint32_t status) {
  ReportThreads();
  EndRun(status);
}

// replay --gdb: `self` holds the turn and is about to perform event stop_before. Report
// every thread as --stop-at does, then wait (polling, in 5 ms sleeps) until the supervisor
// has handed the program to a debugger and released it; the other threads wait for the
// turn meanwhile. The debugger need not be our ancestor: PR_SET_PTRACER lets any attach.
// NB: the session's status says whether the run was held already (in any process).
void HoldIfDue(Thread* self) {
  if (g_session->stop_enabled != 2 || g_sched->events != g_session->stop_before) return;
  if ((__atomic_load_n(&g_session->status, __ATOMIC_ACQUIRE) & WEFT_STATUS_HELD) != 0) return;
  if (self->op.kind == WEFT_EV_POLL) return;  // resuming a readiness wait is no event
  RawSyscall(SYS_prctl, PR_SET_PTRACER, static_cast<long>(PR_SET_PTRACER_ANY));
  ReportThreads();
  UpdateStatus();
  __atomic_or_fetch(&g_session->status, WEFT_STATUS_STOPPED | WEFT_STATUS_HELD, __ATOMIC_RELEASE);
  struct timespec slice = {0, 5000000};
  while (__atomic_load_n(&g_session->hold_released, __ATOMIC_ACQUIRE) == 0) {
    RawSyscall(SYS_nanosleep, reinterpret_cast<long>(&slice), 0);
  }
}

bool DeadlinePassed(const Op& op) {
  return op.deadline != kNoDeadline && op.deadline <= g_sched->vnow;
}

bool SemAvailable(sem_t* sem) {
  int value = 0;
  real.sem_getvalue(sem, &value);
  return value > 0;
}

// Whether `t`'s pending operation can complete now (or time out now).
bool Enabled(const Thread* t) {
  const Op& op = t->op;
  if (op.kind == WEFT_EV_POLL && op.wait == kWaitTaken) {
    return __atomic_load_n(&t->run_state, __ATOMIC_ACQUIRE) == kRunRejoin;
  }
  bool try_op = (op.flags & WEFT_F_TRY) != 0;
  switch (op.kind) {
    case WEFT_EV_MUTEX_LOCK:
      return try_op || MutexAvailable(static_cast<pthread_mutex_t*>(op.addr), t) ||
             DeadlinePassed(op);
    case WEFT_EV_RWLOCK_RDLOCK: {
      Object* o = FindObject(op.addr);
      return try_op || o == nullptr || o->owner == kNoThread || o->owner == t->tid ||
             DeadlinePassed(op);
    }
    case WEFT_EV_RWLOCK_WRLOCK: {
      Object* o = FindObject(op.addr);
      return try_op || o == nullptr || (o->owner == kNoThread && o->readers == 0) ||
             o->owner == t->tid || DeadlinePassed(op);
    }
    case WEFT_EV_COND_WAKE:
      return (t->woken || DeadlinePassed(op)) &&
             MutexAvailable(static_cast<pthread_mutex_t*>(op.addr2), t);
    case WEFT_EV_SEM_WAIT:
      return try_op || SemAvailable(static_cast<sem_t*>(op.addr)) || DeadlinePassed(op);
    case WEFT_EV_BARRIER_LEAVE: {
      Object* o = FindObject(op.addr);
      return o == nullptr || o->generation != t->wait_generation;
    }
    case WEFT_EV_ONCE: {
      Object* o = FindObject(op.addr);
      return o == nullptr || o->once_state != 1;
    }
    case WEFT_EV_SPIN_LOCK: {
      Object* o = FindObject(op.addr);
      return try_op || o == nullptr || o->owner == kNoThread;
    }
    case WEFT_EV_THREAD_JOIN:
      return try_op || g_sched->threads[op.arg].state == SlotState::kExited || DeadlinePassed(op);
    case WEFT_EV_FUTEX_WOKEN:
      return t->woken || DeadlinePassed(op);
    case WEFT_EV_SLEEP:
      return DeadlinePassed(op) || op.deadline == kNoDeadline;
    case WEFT_EV_SIGNAL_WAIT:
      return try_op || SignalWaitReady(t) || DeadlinePassed(op);
    case WEFT_EV_POLL:
      return try_op || DeadlinePassed(op) || PollReady(t);
    case WEFT_EV_FILE_LOCK:
      return try_op || FlockProbe(const_cast<Thread*>(t));  // (it notes who holds the lock)
    case WEFT_EV_CHANNEL_RECV:
    case WEFT_EV_CHANNEL_ACCEPT:
    case WEFT_EV_CHANNEL_SEND:
      return !ChannelWait(op) || PollReady(t);
    case WEFT_EV_CHANNEL_CONNECT:
      if (op.wait == kWaitServer) return ServerWaitOver(t);
      return !ListenWait(op) || ListenWaitOver(t);
    case WEFT_EV_PROCESS_WAIT:
      return ProcessWaitReady(t);
    default:
      return true;
  }
}

// Whether `t`'s pending operation can complete now, for a thread of any process: a thread
// of this process is judged afresh; another process's memory, descriptors and signals are
// not this process's, so its threads are judged by what their process last published
// (PublishEnabled), their deadlines by the shared clock.
bool EnabledAny(const Thread* t) {
  if (t->process == g_process || t->op.wait == kWaitTaken) return Enabled(t);
  // A parent waiting for its spawned child: judged from the shared process table.
  if (t->op.kind == WEFT_EV_POLL && t->op.wait == kWaitSpawn) return Enabled(t);
  // A wait for a child of the session: judged from the shared process table too; a connect
  // waiting for a server, from the system's table of listeners.
  if (t->op.kind == WEFT_EV_PROCESS_WAIT) return Enabled(t);
  if (t->op.kind == WEFT_EV_CHANNEL_CONNECT && t->op.wait == kWaitServer) return Enabled(t);
  return t->enabled_cached || (DeadlinePassed(t->op) && t->enabled_at_deadline_cached);
}

// Whether `t` could complete once its deadline has come.
bool EnabledAtDeadline(const Thread* t) {
  uint64_t now = g_sched->vnow;
  g_sched->vnow = t->op.deadline;
  bool enabled = Enabled(t);
  g_sched->vnow = now;
  return enabled;
}

// A thread of another process to hand the turn to so that its process judges its own
// threads afresh: nothing can run by what this process sees, and that process has not looked
// since the last event (or, with `outside_too`, one of its threads waits on the outside).
// nullptr if there is none. NB: the order is deterministic (lowest tid first), and a process
// looks at most once per event unless something outside may have changed.
Thread* RefreshTarget(bool outside_too) {
  for (uint32_t i = 0; i < g_sched->live_count; ++i) {
    Thread* t = &g_sched->threads[g_sched->live[i]];
    if (t->process == g_process || TakenOut(t)) continue;
    const Process& p = g_sched->processes[t->process];
    if (p.refreshed_at != g_sched->events || (outside_too && WaitsOutside(t))) return t;
  }
  return nullptr;
}

// Whether an event moved the program on, for the livelock judgement (progress_window):
// everything but yields, sleeps, the start of a wait (its end is what counts), timeouts,
// failed tries, futex waits on a changed word and probes that found nothing. NB: a loop
// of these alone, in every thread, is what a livelock looks like from the schedule
// points; a loop of successful locks is not caught.
bool MakesProgress(uint8_t kind, uint16_t flags, int64_t arg) {
  if (kind == WEFT_EV_YIELD || kind == WEFT_EV_SLEEP) return false;
  if (kind == WEFT_EV_COND_WAIT || kind == WEFT_EV_FUTEX_WAIT) return false;
  if (flags & WEFT_F_TIMEDOUT) return false;
  if ((flags & (WEFT_F_TRY | WEFT_F_FAILED)) == (WEFT_F_TRY | WEFT_F_FAILED)) return false;
  if (kind == WEFT_EV_FUTEX_WAIT && (flags & WEFT_F_FAILED)) return false;
  if (kind == WEFT_EV_POLL && (flags & WEFT_F_TRY) && arg == 0) return false;
  return true;
}

// The thread whose deadline last fired early (as a decision), -1 once another thread has
// made progress since (MakesProgress: a timed-out wait or the start of the next one is
// none). NB: one early deadline at a time, and none again before real progress: timed
// waits that time out in turn (two threads waiting for CPython's GIL; the first one's
// jump lets the second's deadline pass) would otherwise starve the thread that can run.

// Whether a deadline may fire as a decision while other threads can run.
bool MayFireEarly() { return g_sched->early_fired < 0; }

// How late the threads that could run are, in all: each deadline fired early moves time on
// by its wait while they wait for the turn (SchedState::late_ns grows by it), and each event
// that makes progress gives back kRefundNs (on a loaded machine an event may plausibly take
// a tenth of a millisecond, not a second). A deadline fires early only while that stays
// within kMaxEarlyNs: a thread that waits in short sleeps for another's lock (a database's
// busy handler, retrying for seconds) cannot see its whole timeout pass while the holder
// did a few hundred operations, which no loaded machine does (tests/programs/
// busy_timeout_ok.c: with 1 ms given back per event, it still timed out in 1 of 15 runs). NB: a
// jump to the earliest deadline when nothing can run gives nothing back: what the others did not do
// while time ran ahead stays undone.
constexpr uint64_t kRefundNs = 100000;  // 0.1 ms

bool FitsLateness(uint64_t wait_ns) { return g_sched->late_ns + wait_ns <= sched::kMaxEarlyNs; }

// Publishes the chooser's divergence in the session status, once.
void ReportDivergence() {
  if (g_sched->divergence_reported || !g_sched->chooser.divergence().happened) return;
  g_sched->divergence_reported = true;
  const sched::Divergence& d = g_sched->chooser.divergence();
  const Thread* actual = &g_sched->threads[d.tid];
  g_session->divergence_index = d.step;
  g_session->divergence_actual.tid = actual->tid;
  g_session->divergence_actual.kind = actual->op.kind;
  g_session->divergence_actual.obj = actual->op.obj;
  __atomic_or_fetch(&g_session->status, WEFT_STATUS_DIVERGED, __ATOMIC_RELEASE);
  // The run left the recorded schedule: what follows is not the recorded run, so unless
  // asked to go on, stop here with every thread's pending operation and stack.
  if (g_session->stop_on_divergence != 0) ReportThreadsAndExit(WEFT_STATUS_DIVERGED);
}

sched::Pending PendingOf(const void*, uint16_t tid) {
  const Op& op = g_sched->threads[tid].op;
  sched::Pending p{op.kind, op.obj};
  // A readiness wait is no event: the thread's next operation is not known yet (strict
  // replay checks it at the thread's next schedule point).
  p.unknown = op.kind == WEFT_EV_POLL;
  // A file access whose file did not exist at its point (an open that creates it): the
  // event's object is the file it made.
  p.object_unknown = (op.kind == WEFT_EV_FILE_READ || op.kind == WEFT_EV_FILE_WRITE) && op.obj == 0;
  return p;
}

void RememberDecision(uint16_t current, const uint16_t* enabled, uint32_t count) {
  for (uint32_t i = 0; i < g_decision_words; ++i) g_decision_mask[i] = 0;
  uint32_t words = 0;
  for (uint32_t i = 0; i < count; ++i) {
    uint32_t w = enabled[i] / 64;
    g_decision_mask[w] |= 1ull << (enabled[i] % 64);
    if (w + 1 > words) words = w + 1;
  }
  g_decision_words = words;
  g_decision_current = current;
}

void WriteDecision() {
  uint32_t extra = g_decision_words <= kInlineWords
                       ? 0
                       : (g_decision_words - kInlineWords + kSlotWords - 1) / kSlotWords;
  uint32_t words = kInlineWords + extra * kSlotWords;
  weft_decision_record d{};
  d.type = WEFT_REC_DECISION;
  d.extra_slots = static_cast<uint8_t>(extra);
  d.current = g_decision_current;
  CopyBytes(g_decision_slots, &d, sizeof(d));
  uint64_t* mask = g_decision_slots + (sizeof(d) - sizeof(d.enabled)) / 8;
  for (uint32_t i = 0; i < words; ++i) mask[i] = i < g_decision_words ? g_decision_mask[i] : 0;
  RingWrite(g_decision_slots, 1 + extra);
}

// The first of enabled[0..ready) that is in a readiness wait (now over), or `ready`.
uint32_t ReadyWaiterIndex(const uint16_t* enabled, uint32_t ready) {
  for (uint32_t i = 0; i < ready; ++i) {
    if (g_sched->threads[enabled[i]].op.kind == WEFT_EV_POLL) return i;
  }
  return ready;
}

// Whether one of the `count` enabled threads is in a readiness wait (now over).
bool AnyReadinessWait(const uint16_t* enabled, uint32_t count) {
  return ReadyWaiterIndex(enabled, count) != count;
}

// Nothing else can run: the connects waiting for a server that has not listened go on (and
// fail, as they would have). True if there was one.
bool GiveUpServerWaits() {
  bool any = false;
  for (uint32_t i = 0; i < g_sched->live_count; ++i) {
    Thread* t = &g_sched->threads[g_sched->live[i]];
    if (t->op.kind == WEFT_EV_CHANNEL_CONNECT && t->op.wait == kWaitServer && t->op.mask == 0) {
      t->op.mask = 1;
      any = true;
    }
  }
  return any;
}

// Set while the process's last thread hands the turn on at its exit (LeaveProcess).
constinit bool g_leaving = false;

// Picks the next thread to run. The caller holds the turn.
Thread* Pick(uint16_t current) {
  uint16_t* enabled = g_enabled;
  uint32_t count = 0;
  uint32_t timed = 0;
  bool waited = false;  // waited in real time for the outside
  uint32_t replay_waits = 0;
  for (;;) {
    uint64_t earliest = kNoDeadline;
    bool outside = false;     // a thread waits for a signal or a descriptor
    bool outside_fd = false;  // ... for a descriptor (another process may make it ready)
    count = 0;
    timed = 0;
    bool foreign_outside = false;  // ... in another process
    bool taken_out = false;        // a thread whose turn was taken has not come back
    Thread* stale = nullptr;       // another process's lock waiter whose lock was released
    g_sched->processes[g_process].refreshed_at = g_sched->events;
    for (uint32_t i = 0; i < g_sched->live_count; ++i) {
      Thread* t = &g_sched->threads[g_sched->live[i]];
      if (TakenOut(t)) {
        taken_out = true;
        continue;
      }
      bool own = t->process == g_process;
      if (own) {
        t->lock_stale = false;  // judged afresh below
      } else if (t->lock_stale && stale == nullptr) {
        stale = t;
      }
      if (own && waited && t->op.kind == WEFT_EV_SIGNAL_WAIT &&
          __atomic_load_n(&t->signalled, __ATOMIC_ACQUIRE) == 0 && SignalPending(t->op.mask)) {
        // A signal from outside the session's events (a child's SIGCHLD when it really
        // ended) for a waiter of this process, which waits for the turn's holder to see it
        // when the holder is the waiter itself or waits beside it (WaitTurnProbing is the
        // probe of a waiter that does not hold the turn). Only after a real-time wait, as
        // there: when nothing else could happen.
        t->external = true;
        __atomic_store_n(&t->signalled, 1, __ATOMIC_RELEASE);
      }
      if (own && !t->expired && t->op.deadline != kNoDeadline && t->op.deadline <= g_sched->vnow) {
        uint64_t deadline = t->op.deadline;
        t->op.deadline = kNoDeadline;
        t->expired = !Enabled(t);  // it could not complete when the deadline came
        t->op.deadline = deadline;
      }
      if (EnabledAny(t)) {
        enabled[count++] = t->tid;
        if (own && waited && WaitsOutside(t)) t->external = true;
      } else {
        // NB: a deadline already passed (a timed wait for a lock still held) is no reason
        // to move time, which never goes back.
        if (t->op.deadline != kNoDeadline && t->op.deadline > g_sched->vnow) {
          g_timed[timed++] = t->tid;
          if (t->op.deadline < earliest) earliest = t->op.deadline;
        }
        if (WaitsOutside(t)) {
          if (!own) {
            foreign_outside = true;
          } else {
            outside = true;
            if (WaitsForFd(t)) outside_fd = true;
          }
        }
      }
    }
    if (stale != nullptr) {
      // A lock it waits for was released (an unlock, a close, an exit) since its process
      // last probed it: that process probes (and may take it) before the decision, so that
      // the waiter may run next, as it would once the kernel woke it.
      stale->lock_stale = false;
      stale->refresh = true;
      return stale;
    }
    if (count > 0 && (outside || foreign_outside || taken_out) &&
        replay_waits < kReplayOutsideSlices && !AnyReadinessWait(enabled, count)) {
      // A replay whose next thread waits on the outside that is not there yet: what it
      // waited for came later this time; wait for it rather than diverge.
      // NB: not while a thread whose readiness wait is over can run: it goes first (the
      // script lets it, it is no event) and may be what the scripted thread waits for (a
      // writer with room in the pipe the scripted reader waits on).
      int32_t want = g_sched->chooser.ScriptedThread(g_sched->events);
      if (want >= 0 && static_cast<uint32_t>(want) < g_sched->thread_count &&
          IndexOf(enabled, count, static_cast<uint16_t>(want)) == kMaxThreads &&
          (WaitsOutside(&g_sched->threads[want]) || TakenOut(&g_sched->threads[want])) &&
          g_sched->threads[want].state == SlotState::kLive) {
        Thread* t = &g_sched->threads[want];
        if (t->process != g_process && !TakenOut(t)) {
          // Its own process waits for what it waits for (a reply from a server outside).
          t->refresh = true;
          return t;
        }
        ++replay_waits;
        WaitOutside(kOutsideSliceNs);
        waited = true;
        continue;
      }
    }
    if (count > 0) break;
    // Another process may have a thread that can run that this one cannot see: let it look.
    if (Thread* r = RefreshTarget(false)) {
      r->refresh = true;
      return r;
    }
    if (taken_out && earliest == kNoDeadline && g_leaving) {
      // NB: a process at its exit cannot wait for a thread whose turn was taken: that thread
      // may be blocked on what the process still holds until it really ends (the write end
      // of the pipe it reads: a popen'd shell). It gets the turn, to use once it is back.
      for (uint32_t i = 0; i < g_sched->live_count; ++i) {
        Thread* t = &g_sched->threads[g_sched->live[i]];
        if (TakenOut(t)) return t;
      }
    }
    if (taken_out && (earliest == kNoDeadline || !waited)) {
      // A thread whose turn was taken runs the program's code in parallel: what it does may
      // let a thread run (it unlocks, it writes the pipe another reads). Wait for it to come
      // back to the shim, or for its process to end, in real time (a deadline, once: time
      // may move on meanwhile).
      EndDeadTakenProcesses();
      // NB: what it does is no event, so another process's wait on the outside that it ends
      // (it writes the pipe a thread there reads) is not seen from here: that process looks.
      if (waited) {
        if (Thread* r = RefreshTarget(true)) {
          r->refresh = true;
          return r;
        }
      }
      WaitOutside(kOutsideSliceNs);
      waited = true;
      continue;
    }
    // NB: before time moves: a server that sleeps before it listens would not be waited for
    // on a real machine either (the client's retries sleep too).
    if (GiveUpServerWaits()) continue;
    if (outside) {
      // Something outside (another process, a signal, a descriptor) may still end a wait:
      // wait for it in real time, no longer than the earliest deadline is away.
      // Only descriptors hold virtual time back (a pipe from a child process fills in real
      // time); a signal from outside is waited for only when nothing else can happen.
      uint64_t gap = earliest == kNoDeadline ? kOutsideSliceNs : earliest - g_sched->vnow;
      if (earliest == kNoDeadline || (!waited && outside_fd)) {
        WaitOutside(gap);
        waited = true;
        // NB: what this process's threads did may have ended another's wait without an
        // event (a popen reader's stdio drained the pipe its writer waits to write): that
        // process looks again (only with no deadline to move to, as below).
        if (foreign_outside && earliest == kNoDeadline) {
          if (Thread* r = RefreshTarget(true)) {
            r->refresh = true;
            return r;
          }
        }
        if (earliest == kNoDeadline || gap > kOutsideSliceNs) continue;
      }
    }
    if (foreign_outside && earliest == kNoDeadline && (waited || !outside)) {
      // What another process's threads wait for on the outside: that process probes it.
      // NB: only with no deadline to move to: two processes that wait on the outside would
      // otherwise hand the turn back and forth while a sleeper's deadline never came.
      if (Thread* r = RefreshTarget(true)) {
        r->refresh = true;
        return r;
      }
    }
    if (earliest == kNoDeadline) ReportThreadsAndExit(WEFT_STATUS_DEADLOCK);
    g_sched->vnow = earliest;  // nothing can run before the earliest deadline: jump there
  }
  uint64_t step = g_sched->events;
  if (g_session->stop_enabled == 1 && step >= g_session->stop_before) {
    ReportThreadsAndExit(WEFT_STATUS_STOPPED);
  }
  if (g_session->progress_window != 0 &&
      step - g_sched->progress_at >= g_session->progress_window) {
    EndRun(WEFT_STATUS_NO_PROGRESS);
  }
  if (g_session->max_steps != 0 && step >= g_session->max_steps) EndRun(WEFT_STATUS_MAX_STEPS);
  // Time passing is a decision too: a thread whose deadline would let it run is a choice
  // beside the threads that can run now (after them in `enabled`). NB: not a readiness wait
  // (poll, epoll_wait: a server's event loop with a timer): its timeout is no event, so a
  // trace could not hold that decision, and its replay would move time elsewhere; it times
  // out when nothing else can run.
  uint32_t ready = count;
  for (uint32_t i = 0; i < timed; ++i) {
    Thread* t = &g_sched->threads[g_timed[i]];
    if (!MayFireEarly()) break;
    if (t->op.kind == WEFT_EV_POLL) continue;
    uint64_t now = g_sched->vnow;
    bool at_deadline =
        t->process == g_process ? EnabledAtDeadline(t) : t->enabled_at_deadline_cached;
    if (!at_deadline || sched::TimeWeight(t->op.deadline - now) == 0) continue;
    if (!FitsLateness(t->op.deadline - now)) continue;
    g_wait_ns[count - ready] = t->op.deadline - now;
    enabled[count++] = t->tid;
  }
  const Thread* cur = &g_sched->threads[current];
  sched::Point point;
  point.enabled = enabled;
  point.count = count;
  point.timed = count - ready;
  point.wait_ns = g_wait_ns;
  point.current = current;
  point.current_yields = cur->state == SlotState::kLive && cur->op.kind == WEFT_EV_YIELD;
  point.current_done = cur->events_done;
  point.step = step;
  point.pending = PendingOf;
  // NB: a thread whose readiness wait is over goes first, before the chooser, in a recording
  // and in its replay alike. Its wait is no event, so no trace holds the decision that
  // resumes it, and the code it runs up to its next operation (no event either: a vfork
  // caller back in the interpreter) must run at the same place in both.
  uint32_t chosen = ReadyWaiterIndex(enabled, ready);
  if (chosen == ready) {
    if (g_fork_prefix) ForkPrefixDecision(point);
    chosen = g_sched->chooser.PickThread(point);
  }
  Thread* next = &g_sched->threads[enabled[chosen]];
  ReportDivergence();
  if (chosen >= ready) {
    // Its deadline fires now, before anything else would have made it run.
    g_sched->late_ns += next->op.deadline - g_sched->vnow;
    g_sched->vnow = next->op.deadline;
    g_sched->early_fired = next->tid;
  }
  next->picked_enabled = static_cast<uint16_t>(count);
  if (g_session->record_decisions != 0) RememberDecision(current, enabled, count);
  // NB: resuming a thread parked in a readiness wait (no event) is no tick: a replay may
  // find that thread already at its next operation, and virtual time must not depend on it.
  if (next->op.kind != WEFT_EV_POLL) g_sched->vnow += kTickNs;
  return next;
}

// The waiter a wake-up releases, index into waiters[0..count).
uint32_t PickWaiter(const uint16_t* waiters, uint32_t count, sched::WakeKind kind) {
  sched::WaitPoint wait;
  wait.waiters = waiters;
  wait.count = count;
  wait.step = g_sched->events;
  wait.kind = kind;
  if (g_fork_prefix) ForkPrefixEvent(WEFT_EV_NONE, 0);  // (a waiter beside the only thread)
  uint32_t i = g_sched->chooser.PickWaiter(wait);
  ReportDivergence();
  return i;
}

// Writes every live thread of this process's enabled bits for decisions taken elsewhere.
void PublishEnabled() {
  for (uint32_t i = 0; i < g_sched->live_count; ++i) {
    Thread* t = &g_sched->threads[g_sched->live[i]];
    if (t->process != g_process) continue;
    t->enabled_cached = Enabled(t);
    t->enabled_at_deadline_cached = t->op.deadline != kNoDeadline && EnabledAtDeadline(t);
  }
}

void GiveTurn(Thread* next) {
  if (next->process != g_process) PublishEnabled();
  __atomic_store_n(&g_sched->holder, next->tid, __ATOMIC_SEQ_CST);
  // NB: `go` is written last: once it is 1, `next` may run and this thread must not touch
  // scheduler state until its own `go` is set again.
  __atomic_store_n(&next->go, 1, __ATOMIC_RELEASE);
  FutexWake(&next->go, 1);
}

// Waits until the kernel has ended each process that left at its exit since a holder last
// looked (at most kSettleNs of real time each): a process's exit event comes before its real
// exit, where glibc runs its atexit handlers and flushes its stdio, and the kernel closes its
// descriptors. NB: what another process sees of them — the last bytes a reader finds in a
// pipe, the end of its data, the EPIPE (SIGPIPE) of a write to a pipe whose reader exited
// (`yes | head -3`) — must not depend on how far that went in real time. The holder only.
constexpr long kSettleMs = 1000;

void SettleExits() {
  for (uint32_t i = 0; i < g_sched->process_count && g_sched->exits_unsettled > 0; ++i) {
    Process& p = g_sched->processes[i];
    if (p.exit_unsettled == 0) continue;
    p.exit_unsettled = 0;
    --g_sched->exits_unsettled;
    long pidfd = RawSyscall(SYS_pidfd_open, p.pid, 0);
    if (pidfd < 0) continue;  // reaped already (or Linux < 5.3)
    struct pollfd q = {static_cast<int>(pidfd), POLLIN, 0};
    while (RawSyscall(SYS_poll, reinterpret_cast<long>(&q), 1, kSettleMs) == -EINTR) {
    }
    RawSyscall(SYS_close, pidfd);
  }
}

void WaitTurn(Thread* self) {
  if (self->op.kind == WEFT_EV_SIGNAL_WAIT) {
    WaitTurnProbing(self);
    return;
  }
  while (__atomic_load_n(&self->go, __ATOMIC_ACQUIRE) == 0) {
    struct timespec ts = {0, static_cast<long>(kDeadHolderCheckNs)};
    RawSyscall(SYS_futex, reinterpret_cast<long>(&self->go), FUTEX_WAIT, 0,
               reinterpret_cast<long>(&ts), 0, 0);
    if (__atomic_load_n(&self->go, __ATOMIC_ACQUIRE) == 0 && TakeTurnIfStuck(self)) break;
  }
  self->go = 0;
  if (g_sched->exits_unsettled != 0) SettleExits();
}

// Waits until `self` is picked to run, looking again at this process's threads each time
// it is handed the turn for that (RefreshTarget) rather than to run.
void WaitPicked(Thread* self) {
  WaitTurn(self);
  while (self->refresh) {
    self->refresh = false;
    Thread* next = Pick(self->tid);
    if (next == self) break;
    GiveTurn(next);
    WaitTurn(self);
  }
}

uint64_t MonotonicNs() {
  struct timespec ts = {0, 0};
  RawSyscall(SYS_clock_gettime, CLOCK_MONOTONIC, reinterpret_cast<long>(&ts));
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

size_t AppendDecimal(char* out, uint32_t v) {
  char digits[12];
  size_t d = 0;
  do {
    digits[d++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  size_t n = 0;
  while (d > 0) out[n++] = digits[--d];
  return n;
}

}  // namespace

void UpdateStatus() {
  g_session->events = g_sched->events;
  g_session->vtime = g_sched->vnow;
}

void Schedule(Thread* self, const Op& op) { ScheduleWithStack(self, op, CaptureStack()); }

void ScheduleWithStack(Thread* self, const Op& op, uint32_t stack) {
  if (g_fork_prefix) ForkPrefixPoint(op.kind);  // a fork server may fork its runs here
  InterpPointsMaybeInstall(self);
  self->op = op;
  self->expired = false;
  self->op_stack = stack;
  Thread* next = Pick(self->tid);
  while (next != self) {
    GiveTurn(next);
    WaitTurn(self);
    if (!self->refresh) break;
    // Handed the turn to look at this process's threads afresh (RefreshTarget).
    self->refresh = false;
    next = Pick(self->tid);
  }
  HoldIfDue(self);
}

void LeaveControl(Thread* self) {
  self->state = SlotState::kExited;
  RemoveLive(self->tid);
  t_self = nullptr;
  UpdateStatus();
  EndDeadTakenProcesses();
  if (g_sched->live_count == 0) return;
  GiveTurn(Pick(self->tid));
}

bool OtherProcessesLive() {
  for (uint32_t i = 0; i < g_sched->live_count; ++i) {
    if (g_sched->threads[g_sched->live[i]].process != g_process) return true;
  }
  return false;
}

void KillOtherProcesses() {
  for (uint32_t i = 0; i < g_sched->process_count; ++i) {
    const Process& p = g_sched->processes[i];
    if (i != g_process && UnderControl(p) && p.pid != 0) {
      RawSyscall(SYS_kill, p.pid, SIGKILL);
    }
  }
}

void EndRun(uint32_t status) {
  UpdateStatus();
  __atomic_or_fetch(&g_session->status, status, __ATOMIC_RELEASE);
  KillOtherProcesses();
  RawSyscall(SYS_exit_group, WEFT_SHIM_EXIT_CODE);
  __builtin_unreachable();
}

// Removes the live threads of process `index` (they end with it).
void EndThreadsOf(uint16_t index) {
  for (uint32_t i = 0; i < g_sched->live_count;) {
    Thread* t = &g_sched->threads[g_sched->live[i]];
    if (t->process != index) {
      ++i;
      continue;
    }
    t->state = SlotState::kExited;
    RemoveLive(t->tid);
  }
  g_sched->processes[index].state = ProcessState::kExited;
}

void PublishProcesses() {
  uint32_t live = 0;
  for (uint32_t i = 1; i < g_sched->process_count; ++i) {
    if (UnderControl(g_sched->processes[i])) ++live;
  }
  __atomic_store_n(&g_session->forked_live, live, __ATOMIC_RELEASE);
}

bool UncontrolledProcessRuns() {
  for (uint32_t i = 1; i < g_sched->process_count; ++i) {
    const Process& p = g_sched->processes[i];
    if (p.state == ProcessState::kUncontrolled && !ProcessDead(p.pid)) return true;
  }
  return false;
}

void ProcessKilled(uint16_t index) {
  EndThreadsOf(index);
  PublishProcesses();
}

// `self` took the turn from `holder` (a takeover): makes the decision the holder would have
// made next (the same `current`, whichever waiter noticed) and hands the turn on; true when
// `self` is the one to run. `refresh_foreign`: a thread of another process picked judges its
// own process's threads first.
static bool DecideInPlaceOf(Thread* self, uint16_t holder, bool refresh_foreign) {
  UpdateStatus();
  Thread* next = Pick(holder);
  if (next == self) {
    __atomic_store_n(&g_sched->holder, self->tid, __ATOMIC_SEQ_CST);
    return true;
  }
  if (refresh_foreign && next->process != g_process) next->refresh = true;
  GiveTurn(next);
  return false;
}

bool TakeTurnFromDeadProcess(Thread* self) {
  int32_t holder = __atomic_load_n(&g_sched->holder, __ATOMIC_SEQ_CST);
  if (holder < 0 || static_cast<uint32_t>(holder) >= g_sched->thread_count) return false;
  uint16_t process = g_sched->threads[holder].process;
  if (process == g_process || process >= g_sched->process_count) return false;
  if (!UnderControl(g_sched->processes[process]) || !ProcessDead(g_sched->processes[process].pid)) {
    return false;
  }
  // NB: only one waiter wins; the holder cannot move on (its process is gone).
  if (!__atomic_compare_exchange_n(&g_sched->holder, &holder, self->tid, false, __ATOMIC_SEQ_CST,
                                   __ATOMIC_SEQ_CST)) {
    return false;
  }
  // The dead process's threads end as at its exit; the decision is the one its holder would
  // have made next (the same `current`, whichever waiter noticed).
  EndThreadsOf(process);
  PublishProcesses();
  NoteFileReleased(0);  // its file locks went with it
  return DecideInPlaceOf(self, static_cast<uint16_t>(holder), /*refresh_foreign=*/false);
}

void LeaveProcess(Thread* self, ProcessState end) {
  EndDeadTakenProcesses();  // (a process killed while out of the shim is not live)
  if (!OtherProcessesLive()) {
    // The last process keeps the turn to its real end; it no longer counts as live.
    if (g_process != 0) g_sched->processes[g_process].state = end;
    PublishProcesses();
    return;
  }
  EndThreadsOf(g_process);
  g_sched->processes[g_process].state = end;
  if (end == ProcessState::kExited && g_sched->processes[g_process].exit_unsettled == 0) {
    g_sched->processes[g_process].exit_unsettled = 1;
    ++g_sched->exits_unsettled;
  }
  PublishProcesses();
  t_self = nullptr;
  MarkProcessLeft();
  UpdateStatus();
  g_leaving = true;
  NoteFileReleased(0);  // its locks go with it (once the kernel has ended it: SettleExits)
  GiveTurn(Pick(self->tid));
}

void WaitFirstTurn(Thread* self) {
  t_self = self;
  self->os_tid = Gettid();
  WaitPicked(self);  // (never refreshed while its THREAD_START is pending: it is enabled)
  HoldIfDue(self);
}

char TaskState(uint32_t pid, uint32_t tid) {
  char path[64] = "/proc/";
  size_t n = 6;
  n += AppendDecimal(path + n, pid);
  CopyBytes(path + n, "/task/", 6);
  n += 6;
  n += AppendDecimal(path + n, tid);
  CopyBytes(path + n, "/stat", 6);
  long fd = RawSyscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path), O_RDONLY | O_CLOEXEC);
  if (fd == -ENOENT || fd == -ESRCH) return 'X';
  if (fd < 0) return 0;
  char buf[512];
  long got = RawSyscall(SYS_read, fd, reinterpret_cast<long>(buf), sizeof buf - 1);
  RawSyscall(SYS_close, fd);
  if (got == -ESRCH) return 'X';
  if (got <= 0) return 0;
  // "TID (COMM) S ...": the state follows the last ')' (COMM may hold one).
  long close_paren = -1;
  for (long i = 0; i < got; ++i) {
    if (buf[i] == ')') close_paren = i;
  }
  if (close_paren < 0 || close_paren + 2 >= got) return 0;
  return buf[close_paren + 2];
}

bool TakeTurnIfStuck(Thread* self) {
  return (g_sched->process_count > 1 && TakeTurnFromDeadProcess(self)) ||
         TakeTurnFromBlockedHolder(self);
}

bool TakeTurnFromBlockedHolder(Thread* self) {
  int32_t holder = __atomic_load_n(&g_sched->holder, __ATOMIC_SEQ_CST);
  uint64_t events = __atomic_load_n(&g_sched->events, __ATOMIC_ACQUIRE);
  uint64_t now = MonotonicNs();
  // Stuck: the same holder and no event since this thread's last look, a wait ago.
  if (self->seen_holder != holder || self->seen_events != events ||
      now - self->seen_ns < kDeadHolderCheckNs) {
    if (self->seen_holder != holder || self->seen_events != events) self->seen_ns = now;
    self->seen_holder = holder;
    self->seen_events = events;
    return false;
  }
  if (holder < 0 || static_cast<uint32_t>(holder) >= g_sched->thread_count || holder == self->tid) {
    return false;
  }
  Thread* h = &g_sched->threads[holder];
  if (h->state != SlotState::kLive || h->process >= g_sched->process_count ||
      __atomic_load_n(&h->run_state, __ATOMIC_ACQUIRE) != kRunUser) {
    return false;
  }
  // Sleeping in the kernel (a system call), not running or runnable: it waits for something
  // only another thread can do, or for the outside.
  if (TaskState(g_sched->processes[h->process].pid, static_cast<uint32_t>(h->os_tid)) != 'S') {
    return false;
  }
  uint32_t expected = kRunUser;
  // NB: first the holder's state: once it is kRunTaken the holder can no longer act on the
  // turn (its next shim entry waits); then the turn (only a dead process's takeover races).
  if (!__atomic_compare_exchange_n(&h->run_state, &expected, kRunTaken, false, __ATOMIC_SEQ_CST,
                                   __ATOMIC_SEQ_CST)) {
    return false;
  }
  if (!__atomic_compare_exchange_n(&g_sched->holder, &holder, self->tid, false, __ATOMIC_SEQ_CST,
                                   __ATOMIC_SEQ_CST)) {
    return false;
  }
  // Its pending operation is its coming back; what it does next came from outside the
  // schedule.
  h->op = Op{};
  h->op.kind = WEFT_EV_POLL;
  h->op.wait = kWaitTaken;
  h->expired = false;
  h->refresh = false;
  h->external = true;
  __atomic_add_fetch(&g_session->turns_taken, 1, __ATOMIC_RELAXED);
  self->seen_holder = -1;
  // A thread of another process judges its own process's threads first (their enabled bits
  // were published before the holder's process got the turn).
  return DecideInPlaceOf(self, static_cast<uint16_t>(holder), /*refresh_foreign=*/true);
}

void RejoinTaken(Thread* self) {
  __atomic_store_n(&self->run_state, kRunRejoin, __ATOMIC_RELEASE);
  WaitPicked(self);
  __atomic_store_n(&self->run_state, kRunShim, __ATOMIC_RELEASE);
}

uint64_t Emit(Thread* self, uint8_t kind, uint16_t flags, uint32_t obj, int64_t arg) {
  HoldIfDue(self);  // an event that no schedule point of its own came before
  if (g_fork_prefix) ForkPrefixEvent(kind, flags);
  weft_event_record rec{};
  rec.type = WEFT_REC_EVENT;
  rec.kind = kind;
  rec.flags = flags;
  rec.tid = self->tid;
  rec.enabled = self->picked_enabled;
  rec.obj = obj;
  rec.stack = self->op_stack;
  rec.vtime = g_sched->vnow;
  rec.arg = arg;
  if (self->external) rec.flags |= WEFT_F_EXTERNAL;  // it waited for the outside before
  self->external = false;
  RingWrite(&rec, 1);
  if (g_session->record_decisions != 0) WriteDecision();
  uint64_t index = g_sched->events++;
  ++self->events_done;
  // NB: a script names where the thread's next interpreter point is by its next event.
  if (self->interp_by_script) self->interp_next = kInterpRecompute;
  if (MakesProgress(kind, flags, arg)) {
    g_sched->progress_at = g_sched->events;
    if (g_sched->early_fired >= 0 && self->tid != g_sched->early_fired) g_sched->early_fired = -1;
    g_sched->late_ns = g_sched->late_ns > kRefundNs ? g_sched->late_ns - kRefundNs : 0;
  }
  if ((index & 63) == 0) UpdateStatus();
  return index;
}

void EmitThreadRecord(const Thread* t, uint16_t parent) {
  weft_thread_record rec{};
  rec.type = WEFT_REC_THREAD;
  rec.tid = t->tid;
  rec.parent = parent;
  rec.handle_obj = t->handle_obj;
  rec.os_tid = static_cast<uint32_t>(t->os_tid);
  rec.start_routine = reinterpret_cast<uint64_t>(t->start_routine);
  rec.pid = g_sched->processes[t->process].pid;
  rec.image = g_sched->processes[t->process].image;
  RingWrite(&rec, 1);
}

void EmitName(uint16_t tid, const char* name) {
  weft_name_record rec{};
  rec.type = WEFT_REC_NAME;
  rec.tid = tid;
  for (size_t i = 0; i + 1 < sizeof(rec.name) && name[i] != '\0'; ++i) rec.name[i] = name[i];
  RingWrite(&rec, 1);
}

int WakeCondWaiters(Thread* self, void* cond, uint32_t obj, bool all, int16_t* woken_tid) {
  uint16_t* waiters = g_waiters;
  uint32_t count = 0;
  for (uint32_t i = 0; i < g_sched->live_count; ++i) {
    Thread* t = &g_sched->threads[g_sched->live[i]];
    if (t->op.kind == WEFT_EV_COND_WAKE && t->op.addr == cond && t->process == self->process &&
        !t->woken && !t->expired) {
      waiters[count++] = t->tid;
    }
  }
  *woken_tid = kNoThread;
  if (count == 0) return 0;
  if (all) {
    for (uint32_t i = 0; i < count; ++i) g_sched->threads[waiters[i]].woken = true;
    return static_cast<int>(count);
  }
  uint16_t chosen = waiters[PickWaiter(waiters, count, sched::WakeKind::kCondSignal)];
  g_sched->threads[chosen].woken = true;
  *woken_tid = static_cast<int16_t>(chosen);
  return 1;
}

int WakeFutexWaiters(Thread* self, void* word, uint32_t obj, int count, uint32_t bitset) {
  uint16_t* waiters = g_waiters;
  uint32_t n = 0;
  for (uint32_t i = 0; i < g_sched->live_count; ++i) {
    Thread* t = &g_sched->threads[g_sched->live[i]];
    if (t->op.kind == WEFT_EV_FUTEX_WOKEN && t->op.addr == word && t->process == self->process &&
        !t->woken && !t->expired && (static_cast<uint32_t>(t->op.arg) & bitset) != 0) {
      waiters[n++] = t->tid;
    }
  }
  uint16_t* chosen = g_chosen;
  int woken = 0;
  while (n > 0 && woken < count) {
    uint32_t i = PickWaiter(waiters, n, sched::WakeKind::kFutexWake);
    chosen[woken++] = waiters[i];
    g_sched->threads[waiters[i]].woken = true;
    for (uint32_t j = i + 1; j < n; ++j) waiters[j - 1] = waiters[j];
    --n;
  }
  Emit(self, WEFT_EV_FUTEX_WAKE, 0, obj, woken);
  for (int i = 0; i < woken; ++i) {
    weft_wake_record rec{};
    rec.type = WEFT_REC_WAKE;
    rec.waker = self->tid;
    rec.woken = chosen[i];
    rec.obj = obj;
    RingWrite(&rec, 1);
  }
  return woken;
}

}  // namespace weft::shim
