// free_record.cc — the hooks' side of a free recording (free_record.h). The threads run in
// parallel here: what the controlled mode leaves to the thread holding the turn (the thread
// table, the object table) is done under g_lock, a lock of the shim's own; an event record
// needs no lock (the ring takes many writers in free mode, ring.cc).
#include "free_record.h"

#include <errno.h>
#include <sys/syscall.h>

#include "control.h"
#include "ring.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {
namespace {

// The shim's lock of a free recording: 0 free, 1 taken, 2 taken with waiters.
constinit volatile uint32_t g_lock = 0;

void Lock() {
  uint32_t expected = 0;
  if (__atomic_compare_exchange_n(&g_lock, &expected, 1, false, __ATOMIC_ACQUIRE,
                                  __ATOMIC_RELAXED)) {
    return;
  }
  while (__atomic_exchange_n(&g_lock, 2, __ATOMIC_ACQUIRE) != 0) FutexWait(&g_lock, 2);
}

void Unlock() {
  if (__atomic_exchange_n(&g_lock, 0, __ATOMIC_RELEASE) == 2) FutexWake(&g_lock, 1);
}

class Locked {
 public:
  Locked() { Lock(); }
  ~Locked() { Unlock(); }
};

// The session times events by the TSC (WEFT_EVENT_CLOCK_TSC, set at FreeStart): the
// supervisor turns the ticks into nanoseconds.
constinit bool g_tsc_times = false;

uint64_t RealNs() {
  struct timespec ts;
  real.clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// The event's time: TSC ticks (a third of a vDSO clock_gettime's cost), or CLOCK_MONOTONIC
// ns since the run started where the supervisor found the TSC no clock to trust.
uint64_t EventTime() {
#if defined(__x86_64__)
  if (g_tsc_times) return __builtin_ia32_rdtsc();
#endif
  uint64_t now = RealNs();
  uint64_t base = g_session->monotonic_base_ns;
  return now > base ? now - base : 0;
}

// The event's place in the ring is its place in the run's order (ring.cc). Its time is real
// time since the run started.
void Record(Thread* self, uint8_t kind, uint16_t flags, uint32_t obj, int64_t arg) {
  weft_event_record rec{};
  rec.type = WEFT_REC_EVENT;
  rec.kind = kind;
  rec.flags = flags;
  rec.tid = self->tid;
  rec.enabled = 0;  // no decision was taken
  rec.obj = obj;
  rec.vtime = EventTime();
  rec.arg = arg;
  // NB: no shared counter (g_session->events): the ring reader counts the events, and one
  // more atomic add on a line every thread writes is one more line they fight over.
  RingWrite(&rec, 1);
  ++self->events_done;
}

// NB: an object's id is looked up without the lock (it is created once, ids never change
// while its address is in use); only a first use takes it.
uint32_t ObjectId(const void* addr, uint8_t kind) {
  uint32_t id = PublishedObjectId(addr, kind);
  if (id != 0) return id;
  Locked locked;
  return ObjectFor(addr, kind)->id;
}

uint16_t ResultFlags(uint16_t flags, int rc) {
  if (rc == ETIMEDOUT) return flags | WEFT_F_TIMEDOUT | WEFT_F_FAILED;
  return rc != 0 ? (flags | WEFT_F_FAILED) : flags;
}

// A thread created in a free recording: its start routine, and the thread it becomes once
// its creator has recorded the creation (so tids follow the order of the creations).
struct Start {
  void* (*routine)(void*);
  void* arg;
  Thread* volatile thread;
  volatile uint32_t ready;  // futex word: 1 once `thread` is set
};
constinit Start g_starts[kMaxThreads];
constinit uint32_t g_starts_used = 0;

void* FreeTrampoline(void* raw) {
  Start* start = static_cast<Start*>(raw);
  while (__atomic_load_n(&start->ready, __ATOMIC_ACQUIRE) == 0) FutexWait(&start->ready, 0);
  Thread* self = start->thread;
  {
    Guard guard;
    t_self = self;
    self->os_tid = Gettid();
    EmitThreadRecord(self, self->parent);  // now with its kernel tid
    Record(self, WEFT_EV_THREAD_START, 0, self->handle_obj, self->parent);
  }
  void* result = start->routine(start->arg);
  {
    Guard guard;
    if (Free(guard)) FreeThreadExit();
  }
  return result;
}

}  // namespace

void FreeStart() {
#if defined(__x86_64__)
  g_tsc_times = g_session->event_clock == WEFT_EVENT_CLOCK_TSC;
#endif
  RegisterMainThread();
  // NB: a free recording decides nothing; the main thread is no candidate of anything.
}

void FreeForget(const void* addr) {
  if (IsNull(addr)) return;
  Locked locked;
  ForgetObject(addr);
}

bool Free(const Guard& guard) {
  return g_state == ShimState::kFree && guard.outermost() && t_self != nullptr &&
         t_self->state == SlotState::kLive;
}

int FreeMutexLock(pthread_mutex_t* m, uint16_t flags, int (*lock)(pthread_mutex_t*)) {
  Thread* self = t_self;
  uint32_t obj = ObjectId(m, WEFT_OBJ_MUTEX);
  int rc = lock(m);  // NB: taken first, then recorded
  Record(self, WEFT_EV_MUTEX_LOCK, ResultFlags(flags, rc), obj, rc);
  return rc;
}

int FreeMutexTimedLock(pthread_mutex_t* m, clockid_t clock, const struct timespec* abs,
                       bool clock_given) {
  Thread* self = t_self;
  uint32_t obj = ObjectId(m, WEFT_OBJ_MUTEX);
  int rc = clock_given ? real.pthread_mutex_clocklock(m, clock, abs)
                       : real.pthread_mutex_timedlock(m, abs);
  Record(self, WEFT_EV_MUTEX_LOCK, ResultFlags(WEFT_F_TIMED, rc), obj, rc);
  return rc;
}

int FreeMutexUnlock(pthread_mutex_t* m) {
  Thread* self = t_self;
  uint32_t obj = ObjectId(m, WEFT_OBJ_MUTEX);
  Record(self, WEFT_EV_MUTEX_UNLOCK, 0, obj, 0);  // NB: recorded first, then given back
  return real.pthread_mutex_unlock(m);
}

int FreeCondWait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock, const struct timespec* abs,
                 int kind) {
  Thread* self = t_self;
  uint32_t obj = ObjectId(c, WEFT_OBJ_COND);
  uint32_t mutex_obj = ObjectId(m, WEFT_OBJ_MUTEX);
  uint16_t flags = kind != 0 ? WEFT_F_TIMED : 0;
  // NB: the wait gives its mutex back inside the real call: recorded before it.
  Record(self, WEFT_EV_COND_WAIT, flags, obj, mutex_obj);
  int rc = kind == 0   ? real.pthread_cond_wait(c, m)
           : kind == 1 ? real.pthread_cond_timedwait(c, m, abs)
                       : real.pthread_cond_clockwait(c, m, clock, abs);
  Record(self, WEFT_EV_COND_WAKE, ResultFlags(flags, rc), obj, rc);
  return rc;
}

int FreeCondSignal(pthread_cond_t* c, bool all) {
  Thread* self = t_self;
  uint32_t obj = ObjectId(c, WEFT_OBJ_COND);
  // Which waiter it wakes is the kernel's: the supervisor tells it from the order of the
  // waiters' returns (arg -1 here).
  Record(self, all ? WEFT_EV_COND_BROADCAST : WEFT_EV_COND_SIGNAL, 0, obj, -1);
  return all ? real.pthread_cond_broadcast(c) : real.pthread_cond_signal(c);
}

int FreeSemWait(sem_t* sem, int kind, clockid_t clock, const struct timespec* abs) {
  Thread* self = t_self;
  uint32_t obj = ObjectId(sem, WEFT_OBJ_SEM);
  uint16_t flags = kind == 1 ? WEFT_F_TRY : kind >= 2 ? WEFT_F_TIMED : 0;
  int rc = kind == 0   ? real.sem_wait(sem)
           : kind == 1 ? real.sem_trywait(sem)
           : kind == 2 ? real.sem_timedwait(sem, abs)
                       : real.sem_clockwait(sem, clock, abs);
  int error = rc == 0 ? 0 : errno;
  // NB: EINTR (a signal handler ran) is no semaphore operation: not recorded.
  if (error != EINTR) Record(self, WEFT_EV_SEM_WAIT, ResultFlags(flags, error), obj, error);
  if (rc != 0) errno = error;
  return rc;
}

int FreeSemPost(sem_t* sem) {
  Thread* self = t_self;
  uint32_t obj = ObjectId(sem, WEFT_OBJ_SEM);
  Record(self, WEFT_EV_SEM_POST, 0, obj, 0);
  return real.sem_post(sem);
}

int FreeThreadCreate(pthread_t* thread, const pthread_attr_t* attr, void* (*routine)(void*),
                     void* arg) {
  Thread* self = t_self;
  uint32_t index = __atomic_fetch_add(&g_starts_used, 1, __ATOMIC_RELAXED);
  if (index >= kMaxThreads) Die(ThreadLimitMessage());
  Start* start = &g_starts[index];
  start->routine = routine;
  start->arg = arg;
  int rc = real.pthread_create(thread, attr, FreeTrampoline, start);
  if (rc != 0) {
    Record(self, WEFT_EV_THREAD_CREATE, WEFT_F_FAILED, 0, -rc);
    return rc;
  }
  Thread* child;
  {
    // NB: the tid, the handle's object and the event are taken together: a replay creates
    // the threads in the order of these events and numbers them in that order.
    Locked locked;
    child = RegisterThread(self->tid);
    child->start_routine = routine;
    child->start_arg = arg;
    SetHandle(child, *thread);
    ForgetObject(reinterpret_cast<void*>(*thread));  // a reused handle is a new object
    child->handle_obj = ObjectFor(reinterpret_cast<void*>(*thread), WEFT_OBJ_THREAD)->id;
    EmitThreadRecord(child, self->tid);
    Record(self, WEFT_EV_THREAD_CREATE, 0, child->handle_obj, child->tid);
  }
  start->thread = child;
  __atomic_store_n(&start->ready, 1, __ATOMIC_RELEASE);
  FutexWake(&start->ready, 1);
  return 0;
}

int FreeThreadJoin(pthread_t thread, void** retval, int kind, clockid_t clock,
                   const struct timespec* abs) {
  Thread* self = t_self;
  Thread* target;
  {
    Locked locked;
    target = ThreadByHandle(thread);
  }
  int rc = kind == 0   ? real.pthread_join(thread, retval)
           : kind == 1 ? real.pthread_tryjoin_np(thread, retval)
           : kind == 2 ? real.pthread_timedjoin_np(thread, retval, abs)
                       : real.pthread_clockjoin_np(thread, retval, clock, abs);
  // NB: as in a controlled run, a join of a thread that is not the program's (or of
  // itself) is no event.
  if (target != nullptr && target != self) {
    uint16_t flags = kind == 1 ? WEFT_F_TRY : kind >= 2 ? WEFT_F_TIMED : 0;
    Record(self, WEFT_EV_THREAD_JOIN, ResultFlags(flags, rc), target->handle_obj, target->tid);
  }
  return rc;
}

void FreeThreadExit() {
  Thread* self = t_self;
  Record(self, WEFT_EV_THREAD_EXIT, 0, self->handle_obj, 0);
  self->state = SlotState::kExited;
}

pid_t FreeFork() {
  pid_t pid = real.fork();
  if (pid == 0) MarkProcessUncontrolled();  // the child records nothing
  return pid;
}

}  // namespace weft::shim
