// hooks_sync.cc — mutexes, rwlocks, condition variables, semaphores, barriers, once and
// spinlocks. A hook makes its schedule point, and once picked performs the operation with
// the real non-blocking variant (trylock, trywait): the model guarantees it succeeds, so
// the real object's state always matches what the program observes. Condition variables
// and barriers are modelled entirely: a controlled thread never sleeps in the kernel on
// one, so which waiter a signal wakes is the strategy's choice.
#include <errno.h>
#include <sys/syscall.h>

#include "control.h"
#include "free_record.h"
#include "glibc_layout.h"
#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

using namespace weft::shim;

namespace {

Op MakeOp(uint8_t kind, const void* addr, uint8_t obj_kind, uint16_t flags = 0) {
  Op op;
  op.kind = kind;
  op.flags = flags;
  op.addr = const_cast<void*>(addr);
  op.obj = ObjectFor(addr, obj_kind)->id;
  return op;
}

bool BadTimespec(const struct timespec* ts) {
  return ts == nullptr || ts->tv_nsec < 0 || ts->tv_nsec >= 1000000000;
}

uint16_t ResultFlags(uint16_t flags, int rc) {
  if (rc == ETIMEDOUT) return flags | WEFT_F_TIMEDOUT | WEFT_F_FAILED;
  return rc != 0 ? (flags | WEFT_F_FAILED) : flags;
}

// ---- mutex ----

int MutexLock(pthread_mutex_t* m, uint16_t flags, clockid_t clock, const struct timespec* abs) {
  Thread* self = Self();
  if ((flags & WEFT_F_TIMED) && BadTimespec(abs)) return EINVAL;
  Op op = MakeOp(WEFT_EV_MUTEX_LOCK, m, WEFT_OBJ_MUTEX, flags);
  if (flags & WEFT_F_TIMED) op.deadline = DeadlineFromAbs(clock, abs);
  Schedule(self, op);
  int rc;
  if (MutexAvailable(m, self) && !self->expired) {
    if (MutexLocked(m) && MutexType(m) == PTHREAD_MUTEX_ERRORCHECK && !(flags & WEFT_F_TRY)) {
      rc = EDEADLK;  // relock by the owner of an error-checking mutex
    } else {
      rc = real.pthread_mutex_trylock(m);
    }
  } else {
    rc = (flags & WEFT_F_TRY) ? EBUSY : ETIMEDOUT;
  }
  Emit(self, WEFT_EV_MUTEX_LOCK, ResultFlags(flags, rc), op.obj, rc);
  return rc;
}

// ---- a fork child ----

char* Append(char* p, const char* text) {
  while (*text != '\0') *p++ = *text++;
  return p;
}

char* AppendNumber(char* p, uint64_t v, unsigned base) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v != 0);
  while (n > 0) *p++ = digits[--n];
  return p;
}

// A fork child locks a mutex another thread of its parent held at the fork: that thread
// does not exist here, so nobody will ever unlock it. The run ends as a deadlock.
[[noreturn]] void ReportForkDeadlock(pthread_mutex_t* m, pid_t owner) {
  weft_session* s = Session();
  char text[200];
  char* p = Append(text, "a forked child (pid ");
  p = AppendNumber(p, static_cast<uint64_t>(RawSyscall(SYS_getpid)), 10);
  p = Append(p, ") waits for the mutex at 0x");
  p = AppendNumber(p, reinterpret_cast<uint64_t>(m), 16);
  p = Append(p, ", held by ");
  int16_t tid = TidOfOsTid(owner);
  if (tid >= 0) {
    p = Append(p, "T");
    p = AppendNumber(p, static_cast<uint64_t>(tid), 10);
    p = Append(p, " (os tid ");
  } else {
    p = Append(p, "os tid ");
  }
  p = AppendNumber(p, static_cast<uint64_t>(owner), 10);
  p = Append(p, tid >= 0 ? ")" : "");
  p = Append(p,
             " of the parent, a thread that does not exist in the child (fork copies a lock "
             "held, not its holder)");
  *p = '\0';
  WriteStderr("weft: deadlock: ");
  WriteStderr(text);
  WriteStderr("\n");
  if (s != nullptr) {
    CopyBytes(s->error, text, static_cast<size_t>(p - text) + 1);
    __atomic_or_fetch(&s->status, WEFT_STATUS_DEADLOCK | WEFT_STATUS_FORK_DEADLOCK,
                      __ATOMIC_RELEASE);
    if (g_sched != nullptr) KillOtherProcesses();  // the session's other processes
    if (s->claimed_pid != 0) RawSyscall(SYS_kill, s->claimed_pid, SIGKILL);
  }
  RawSyscall(SYS_exit_group, WEFT_SHIM_EXIT_CODE);
  __builtin_unreachable();
}

void CheckForkDeadlock(pthread_mutex_t* m) {
  // A process-shared mutex may be held by another process: it is released there.
  if (!MutexLocked(m) || MutexProcessShared(m)) return;
  pid_t owner = MutexOwnerTid(m);
  if (owner <= 0 || owner == Gettid()) return;
  long pid = RawSyscall(SYS_getpid);
  if (RawSyscall(SYS_tgkill, pid, owner, 0) != -ESRCH) return;
  ReportForkDeadlock(m, owner);
}

int MutexUnlock(pthread_mutex_t* m) {
  Thread* self = Self();
  Op op = MakeOp(WEFT_EV_MUTEX_UNLOCK, m, WEFT_OBJ_MUTEX);
  Schedule(self, op);
  int rc = real.pthread_mutex_unlock(m);
  Emit(self, WEFT_EV_MUTEX_UNLOCK, ResultFlags(0, rc), op.obj, rc);
  return rc;
}

// ---- rwlock ----

int RwLock(pthread_rwlock_t* rw, bool exclusive, uint16_t flags, clockid_t clock,
           const struct timespec* abs) {
  Thread* self = Self();
  if ((flags & WEFT_F_TIMED) && BadTimespec(abs)) return EINVAL;
  uint8_t kind = exclusive ? WEFT_EV_RWLOCK_WRLOCK : WEFT_EV_RWLOCK_RDLOCK;
  if (!exclusive) flags |= WEFT_F_READ;
  Op op = MakeOp(kind, rw, WEFT_OBJ_RWLOCK, flags);
  if (flags & WEFT_F_TIMED) op.deadline = DeadlineFromAbs(clock, abs);
  Schedule(self, op);
  Object* o = FindObject(rw);
  int rc;
  if (o->owner == self->tid) {
    rc = EDEADLK;
  } else if (o->owner == kNoThread && (!exclusive || o->readers == 0) && !self->expired) {
    rc = exclusive ? real.pthread_rwlock_trywrlock(rw) : real.pthread_rwlock_tryrdlock(rw);
    if (rc == 0) {
      if (exclusive) {
        o->owner = static_cast<int16_t>(self->tid);
      } else {
        ++o->readers;
      }
    }
  } else {
    rc = (flags & WEFT_F_TRY) ? EBUSY : ETIMEDOUT;
  }
  Emit(self, kind, ResultFlags(flags, rc), op.obj, rc);
  return rc;
}

// ---- condition variable ----

int CondWait(pthread_cond_t* c, pthread_mutex_t* m, bool timed, clockid_t clock,
             const struct timespec* abs) {
  Thread* self = Self();
  if (timed && BadTimespec(abs)) return EINVAL;
  Op op = MakeOp(WEFT_EV_COND_WAIT, c, WEFT_OBJ_COND, timed ? WEFT_F_TIMED : 0);
  op.addr2 = m;
  uint32_t mutex_obj = ObjectFor(m, WEFT_OBJ_MUTEX)->id;
  Schedule(self, op);
  int rc = real.pthread_mutex_unlock(m);
  if (rc != 0) {
    Emit(self, WEFT_EV_COND_WAIT, op.flags | WEFT_F_FAILED, op.obj, mutex_obj);
    return rc;
  }
  Emit(self, WEFT_EV_COND_WAIT, op.flags, op.obj, mutex_obj);

  self->woken = false;
  op.kind = WEFT_EV_COND_WAKE;
  if (timed) op.deadline = DeadlineFromAbs(clock, abs);
  Schedule(self, op);
  bool timed_out = !self->woken;
  self->woken = false;
  self->op.kind = WEFT_EV_NONE;   // no longer a waiter
  real.pthread_mutex_trylock(m);  // enabled means the mutex is free
  rc = timed_out ? ETIMEDOUT : 0;
  Emit(self, WEFT_EV_COND_WAKE, ResultFlags(op.flags, rc), op.obj, rc);
  return rc;
}

int CondWake(pthread_cond_t* c, bool all) {
  Thread* self = Self();
  uint8_t kind = all ? WEFT_EV_COND_BROADCAST : WEFT_EV_COND_SIGNAL;
  Op op = MakeOp(kind, c, WEFT_OBJ_COND);
  Schedule(self, op);
  int16_t woken_tid = kNoThread;
  int woken = WakeCondWaiters(self, c, op.obj, all, &woken_tid);
  Emit(self, kind, 0, op.obj, all ? woken : woken_tid);
  return 0;
}

// ---- semaphore ----

int SemWait(sem_t* sem, uint16_t flags, clockid_t clock, const struct timespec* abs) {
  Thread* self = Self();
  if ((flags & WEFT_F_TIMED) && BadTimespec(abs)) {
    errno = EINVAL;
    return -1;
  }
  Op op = MakeOp(WEFT_EV_SEM_WAIT, sem, WEFT_OBJ_SEM, flags);
  if (flags & WEFT_F_TIMED) op.deadline = DeadlineFromAbs(clock, abs);
  Schedule(self, op);
  int rc = 0;
  if (self->expired || real.sem_trywait(sem) != 0) rc = (flags & WEFT_F_TRY) ? EAGAIN : ETIMEDOUT;
  Emit(self, WEFT_EV_SEM_WAIT, ResultFlags(flags, rc), op.obj, rc);
  if (rc != 0) {
    errno = rc;
    return -1;
  }
  return 0;
}

}  // namespace

// ---- mutex ----
WEFT_EXPORT int pthread_mutex_init(pthread_mutex_t* m, const pthread_mutexattr_t* attr) {
  Guard guard;
  if (Controlled(guard)) ForgetObject(m);
  if (Free(guard)) FreeForget(m);
  return real.pthread_mutex_init(m, attr);
}

WEFT_EXPORT int pthread_mutex_destroy(pthread_mutex_t* m) {
  Guard guard;
  if (Controlled(guard)) ForgetObject(m);
  if (Free(guard)) FreeForget(m);
  return real.pthread_mutex_destroy(m);
}

namespace {

// A free recording's thread entering from outside the shim (what `Guard` and `Free` test,
// without their calls: the mutex hooks are a free recording's most frequent, and each call
// was a few percent of its ping-pong's CPU). True with t_depth raised: the caller lowers it.
inline bool EnterFree() {
  if (g_state != ShimState::kFree || t_depth != 0) return false;
  Thread* self = t_self;
  if (self == nullptr || self->state != SlotState::kLive) return false;
  t_depth = 1;
  return true;
}

}  // namespace

WEFT_EXPORT int pthread_mutex_lock(pthread_mutex_t* m) {
  if (!IsNull(m) && EnterFree()) {
    int rc = FreeMutexLock(m, 0, real.pthread_mutex_lock);
    t_depth = 0;
    return rc;
  }
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard) && !IsNull(m)) return FreeMutexLock(m, 0, real.pthread_mutex_lock);
    if (InForkChild() && !IsNull(m)) CheckForkDeadlock(m);
    return real.pthread_mutex_lock(m);
  }
  // A forked process: a lock held at the fork by a thread that is not in this process.
  if (g_process != 0 && !IsNull(m)) CheckForkDeadlock(m);
  return MutexLock(m, 0, CLOCK_REALTIME, nullptr);
}

WEFT_EXPORT int pthread_mutex_trylock(pthread_mutex_t* m) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard) && !IsNull(m)) return FreeMutexLock(m, WEFT_F_TRY, real.pthread_mutex_trylock);
    return real.pthread_mutex_trylock(m);
  }
  return MutexLock(m, WEFT_F_TRY, CLOCK_REALTIME, nullptr);
}

WEFT_EXPORT int pthread_mutex_timedlock(pthread_mutex_t* m, const struct timespec* abs) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard) && !IsNull(m)) return FreeMutexTimedLock(m, CLOCK_REALTIME, abs, false);
    return real.pthread_mutex_timedlock(m, abs);
  }
  return MutexLock(m, WEFT_F_TIMED, CLOCK_REALTIME, abs);
}

WEFT_EXPORT int pthread_mutex_clocklock(pthread_mutex_t* m, clockid_t clock,
                                        const struct timespec* abs) {
  Guard guard;
  if (!Controlled(guard) || !IsVirtualClock(clock)) {
    // NB: as in a controlled run, a wait on another clock is no event.
    if (Free(guard) && !IsNull(m) && IsVirtualClock(clock)) {
      return FreeMutexTimedLock(m, clock, abs, true);
    }
    return real.pthread_mutex_clocklock(m, clock, abs);
  }
  return MutexLock(m, WEFT_F_TIMED, clock, abs);
}

WEFT_EXPORT int pthread_mutex_unlock(pthread_mutex_t* m) {
  if (!IsNull(m) && EnterFree()) {
    int rc = FreeMutexUnlock(m);
    t_depth = 0;
    return rc;
  }
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard) && !IsNull(m)) return FreeMutexUnlock(m);
    return real.pthread_mutex_unlock(m);
  }
  return MutexUnlock(m);
}

// ---- rwlock ----
WEFT_EXPORT int pthread_rwlock_init(pthread_rwlock_t* rw, const pthread_rwlockattr_t* attr) {
  Guard guard;
  if (Controlled(guard)) ForgetObject(rw);
  return real.pthread_rwlock_init(rw, attr);
}

WEFT_EXPORT int pthread_rwlock_destroy(pthread_rwlock_t* rw) {
  Guard guard;
  if (Controlled(guard)) ForgetObject(rw);
  return real.pthread_rwlock_destroy(rw);
}

WEFT_EXPORT int pthread_rwlock_rdlock(pthread_rwlock_t* rw) {
  Guard guard;
  if (!Controlled(guard)) return real.pthread_rwlock_rdlock(rw);
  return RwLock(rw, false, 0, CLOCK_REALTIME, nullptr);
}

WEFT_EXPORT int pthread_rwlock_tryrdlock(pthread_rwlock_t* rw) {
  Guard guard;
  if (!Controlled(guard)) return real.pthread_rwlock_tryrdlock(rw);
  return RwLock(rw, false, WEFT_F_TRY, CLOCK_REALTIME, nullptr);
}

WEFT_EXPORT int pthread_rwlock_timedrdlock(pthread_rwlock_t* rw, const struct timespec* abs) {
  Guard guard;
  if (!Controlled(guard)) return real.pthread_rwlock_timedrdlock(rw, abs);
  return RwLock(rw, false, WEFT_F_TIMED, CLOCK_REALTIME, abs);
}

WEFT_EXPORT int pthread_rwlock_clockrdlock(pthread_rwlock_t* rw, clockid_t clock,
                                           const struct timespec* abs) {
  Guard guard;
  if (!Controlled(guard) || !IsVirtualClock(clock))
    return real.pthread_rwlock_clockrdlock(rw, clock, abs);
  return RwLock(rw, false, WEFT_F_TIMED, clock, abs);
}

WEFT_EXPORT int pthread_rwlock_wrlock(pthread_rwlock_t* rw) {
  Guard guard;
  if (!Controlled(guard)) return real.pthread_rwlock_wrlock(rw);
  return RwLock(rw, true, 0, CLOCK_REALTIME, nullptr);
}

WEFT_EXPORT int pthread_rwlock_trywrlock(pthread_rwlock_t* rw) {
  Guard guard;
  if (!Controlled(guard)) return real.pthread_rwlock_trywrlock(rw);
  return RwLock(rw, true, WEFT_F_TRY, CLOCK_REALTIME, nullptr);
}

WEFT_EXPORT int pthread_rwlock_timedwrlock(pthread_rwlock_t* rw, const struct timespec* abs) {
  Guard guard;
  if (!Controlled(guard)) return real.pthread_rwlock_timedwrlock(rw, abs);
  return RwLock(rw, true, WEFT_F_TIMED, CLOCK_REALTIME, abs);
}

WEFT_EXPORT int pthread_rwlock_clockwrlock(pthread_rwlock_t* rw, clockid_t clock,
                                           const struct timespec* abs) {
  Guard guard;
  if (!Controlled(guard) || !IsVirtualClock(clock))
    return real.pthread_rwlock_clockwrlock(rw, clock, abs);
  return RwLock(rw, true, WEFT_F_TIMED, clock, abs);
}

WEFT_EXPORT int pthread_rwlock_unlock(pthread_rwlock_t* rw) {
  Guard guard;
  if (!Controlled(guard)) return real.pthread_rwlock_unlock(rw);
  Thread* self = Self();
  Op op = MakeOp(WEFT_EV_RWLOCK_UNLOCK, rw, WEFT_OBJ_RWLOCK);
  Schedule(self, op);
  int rc = real.pthread_rwlock_unlock(rw);
  Object* o = FindObject(rw);
  if (rc == 0) {
    if (o->owner == self->tid) {
      o->owner = kNoThread;
    } else if (o->readers > 0) {
      --o->readers;
    }
  }
  Emit(self, WEFT_EV_RWLOCK_UNLOCK, ResultFlags(0, rc), op.obj, rc);
  return rc;
}

// ---- condition variable ----
WEFT_EXPORT int pthread_cond_init(pthread_cond_t* c, const pthread_condattr_t* attr) {
  Guard guard;
  if (Controlled(guard)) ForgetObject(c);
  if (Free(guard)) FreeForget(c);
  return real.pthread_cond_init(c, attr);
}

WEFT_EXPORT int pthread_cond_destroy(pthread_cond_t* c) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard)) FreeForget(c);
    return real.pthread_cond_destroy(c);
  }
  // The real condition variable never had waiters (waiting is modelled); destroy it as the
  // program expects, after dropping our state for this address.
  ForgetObject(c);
  return real.pthread_cond_destroy(c);
}

WEFT_EXPORT int pthread_cond_wait(pthread_cond_t* c, pthread_mutex_t* m) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard) && !IsNull(c) && !IsNull(m))
      return FreeCondWait(c, m, CLOCK_REALTIME, nullptr, 0);
    return real.pthread_cond_wait(c, m);
  }
  return CondWait(c, m, false, CLOCK_REALTIME, nullptr);
}

WEFT_EXPORT int pthread_cond_timedwait(pthread_cond_t* c, pthread_mutex_t* m,
                                       const struct timespec* abs) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard) && !IsNull(c) && !IsNull(m)) return FreeCondWait(c, m, CLOCK_REALTIME, abs, 1);
    return real.pthread_cond_timedwait(c, m, abs);
  }
  return CondWait(c, m, true, CondClock(c), abs);
}

WEFT_EXPORT int pthread_cond_clockwait(pthread_cond_t* c, pthread_mutex_t* m, clockid_t clock,
                                       const struct timespec* abs) {
  Guard guard;
  if (!Controlled(guard) || !IsVirtualClock(clock)) {
    if (Free(guard) && !IsNull(c) && !IsNull(m) && IsVirtualClock(clock)) {
      return FreeCondWait(c, m, clock, abs, 2);
    }
    return real.pthread_cond_clockwait(c, m, clock, abs);
  }
  return CondWait(c, m, true, clock, abs);
}

WEFT_EXPORT int pthread_cond_signal(pthread_cond_t* c) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard) && !IsNull(c)) return FreeCondSignal(c, false);
    return real.pthread_cond_signal(c);
  }
  return CondWake(c, false);
}

WEFT_EXPORT int pthread_cond_broadcast(pthread_cond_t* c) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard) && !IsNull(c)) return FreeCondSignal(c, true);
    return real.pthread_cond_broadcast(c);
  }
  return CondWake(c, true);
}

// ---- semaphore ----
WEFT_EXPORT int sem_init(sem_t* sem, int pshared, unsigned value) {
  Guard guard;
  if (Controlled(guard)) ForgetObject(sem);
  if (Free(guard)) FreeForget(sem);
  return real.sem_init(sem, pshared, value);
}

WEFT_EXPORT int sem_destroy(sem_t* sem) {
  Guard guard;
  if (Controlled(guard)) ForgetObject(sem);
  if (Free(guard)) FreeForget(sem);
  return real.sem_destroy(sem);
}

WEFT_EXPORT int sem_wait(sem_t* sem) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard) && !IsNull(sem)) return FreeSemWait(sem, 0, CLOCK_REALTIME, nullptr);
    return real.sem_wait(sem);
  }
  return SemWait(sem, 0, CLOCK_REALTIME, nullptr);
}

WEFT_EXPORT int sem_trywait(sem_t* sem) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard) && !IsNull(sem)) return FreeSemWait(sem, 1, CLOCK_REALTIME, nullptr);
    return real.sem_trywait(sem);
  }
  return SemWait(sem, WEFT_F_TRY, CLOCK_REALTIME, nullptr);
}

WEFT_EXPORT int sem_timedwait(sem_t* sem, const struct timespec* abs) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard) && !IsNull(sem)) return FreeSemWait(sem, 2, CLOCK_REALTIME, abs);
    return real.sem_timedwait(sem, abs);
  }
  return SemWait(sem, WEFT_F_TIMED, CLOCK_REALTIME, abs);
}

WEFT_EXPORT int sem_clockwait(sem_t* sem, clockid_t clock, const struct timespec* abs) {
  Guard guard;
  if (!Controlled(guard) || !IsVirtualClock(clock)) {
    if (Free(guard) && !IsNull(sem) && IsVirtualClock(clock)) {
      return FreeSemWait(sem, 3, clock, abs);
    }
    return real.sem_clockwait(sem, clock, abs);
  }
  return SemWait(sem, WEFT_F_TIMED, clock, abs);
}

WEFT_EXPORT int sem_post(sem_t* sem) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard) && !IsNull(sem)) return FreeSemPost(sem);
    return real.sem_post(sem);
  }
  Thread* self = Self();
  Op op = MakeOp(WEFT_EV_SEM_POST, sem, WEFT_OBJ_SEM);
  Schedule(self, op);
  int rc = real.sem_post(sem);
  int err = rc == 0 ? 0 : errno;
  Emit(self, WEFT_EV_SEM_POST, ResultFlags(0, err), op.obj, err);
  if (rc != 0) errno = err;
  return rc;
}

// ---- barrier ----
WEFT_EXPORT int pthread_barrier_init(pthread_barrier_t* b, const pthread_barrierattr_t* attr,
                                     unsigned count) {
  Guard guard;
  int rc = real.pthread_barrier_init(b, attr, count);
  if (rc == 0 && Controlled(guard)) {
    ForgetObject(b);
    ObjectFor(b, WEFT_OBJ_BARRIER, count);
  }
  return rc;
}

WEFT_EXPORT int pthread_barrier_destroy(pthread_barrier_t* b) {
  Guard guard;
  if (Controlled(guard)) ForgetObject(b);
  return real.pthread_barrier_destroy(b);
}

WEFT_EXPORT int pthread_barrier_wait(pthread_barrier_t* b) {
  Guard guard;
  if (!Controlled(guard)) return real.pthread_barrier_wait(b);
  Thread* self = Self();
  Object* o = FindObject(b);
  if (o == nullptr) {
    // Initialized before control started: the count is in glibc's barrier.
    o = ObjectFor(b, WEFT_OBJ_BARRIER, BarrierCount(b));
  }
  Op op = MakeOp(WEFT_EV_BARRIER_WAIT, b, WEFT_OBJ_BARRIER);
  Schedule(self, op);
  uint32_t generation = o->generation;
  bool serial = false;
  if (++o->arrived >= o->count) {
    o->arrived = 0;
    ++o->generation;
    serial = true;
  }
  Emit(self, WEFT_EV_BARRIER_WAIT, 0, op.obj, serial ? o->count : o->arrived);
  self->wait_generation = generation;
  op.kind = WEFT_EV_BARRIER_LEAVE;
  Schedule(self, op);
  Emit(self, WEFT_EV_BARRIER_LEAVE, 0, op.obj, serial ? 1 : 0);
  return serial ? PTHREAD_BARRIER_SERIAL_THREAD : 0;
}

// ---- once ----
WEFT_EXPORT int pthread_once(pthread_once_t* once, void (*init)(void)) {
  Thread* self;
  Op op;
  Object* o;
  {
    Guard guard;
    if (!Controlled(guard)) return real.pthread_once(once, init);
    self = Self();
    o = ObjectFor(once, WEFT_OBJ_ONCE);
    if (o->once_state == 0 && OnceDone(once)) o->once_state = 2;
    op = MakeOp(WEFT_EV_ONCE, once, WEFT_OBJ_ONCE);
    Schedule(self, op);
    if (o->once_state == 2) {
      Emit(self, WEFT_EV_ONCE, 0, op.obj, 0);
      return 0;
    }
    o->once_state = 1;
    o->owner = static_cast<int16_t>(self->tid);
    Emit(self, WEFT_EV_ONCE, 0, op.obj, 1);
  }
  // The init routine is the program's code: it runs controlled, outside the guard. Other
  // threads reaching this once control are not enabled until it returns.
  int rc = real.pthread_once(once, init);
  {
    Guard guard;
    o->once_state = 2;
    o->owner = kNoThread;
    if (Controlled(guard)) {
      op.kind = WEFT_EV_ONCE_DONE;
      Schedule(self, op);
      Emit(self, WEFT_EV_ONCE_DONE, 0, op.obj, 0);
    }
  }
  return rc;
}

// ---- spinlock ----
// pthread_spinlock_t is a volatile int; the object table wants a plain address.
static void* SpinAddr(pthread_spinlock_t* lock) {
  return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(lock));
}

WEFT_EXPORT int pthread_spin_init(pthread_spinlock_t* lock, int pshared) {
  Guard guard;
  if (Controlled(guard)) ForgetObject(SpinAddr(lock));
  return real.pthread_spin_init(lock, pshared);
}

WEFT_EXPORT int pthread_spin_destroy(pthread_spinlock_t* lock) {
  Guard guard;
  if (Controlled(guard)) ForgetObject(SpinAddr(lock));
  return real.pthread_spin_destroy(lock);
}

static int SpinLock(pthread_spinlock_t* lock, uint16_t flags) {
  Thread* self = Self();
  Op op = MakeOp(WEFT_EV_SPIN_LOCK, SpinAddr(lock), WEFT_OBJ_SPIN, flags);
  Schedule(self, op);
  Object* o = FindObject(SpinAddr(lock));
  int rc = EBUSY;
  if (o->owner == kNoThread) {
    rc = real.pthread_spin_trylock(lock);
    if (rc == 0) o->owner = static_cast<int16_t>(self->tid);
  }
  Emit(self, WEFT_EV_SPIN_LOCK, ResultFlags(flags, rc), op.obj, rc);
  return rc;
}

WEFT_EXPORT int pthread_spin_lock(pthread_spinlock_t* lock) {
  Guard guard;
  if (!Controlled(guard)) return real.pthread_spin_lock(lock);
  return SpinLock(lock, 0);
}

WEFT_EXPORT int pthread_spin_trylock(pthread_spinlock_t* lock) {
  Guard guard;
  if (!Controlled(guard)) return real.pthread_spin_trylock(lock);
  return SpinLock(lock, WEFT_F_TRY);
}

WEFT_EXPORT int pthread_spin_unlock(pthread_spinlock_t* lock) {
  Guard guard;
  if (!Controlled(guard)) return real.pthread_spin_unlock(lock);
  Thread* self = Self();
  Op op = MakeOp(WEFT_EV_SPIN_UNLOCK, SpinAddr(lock), WEFT_OBJ_SPIN);
  Schedule(self, op);
  int rc = real.pthread_spin_unlock(lock);
  Object* o = FindObject(SpinAddr(lock));
  if (o->owner == self->tid) o->owner = kNoThread;
  Emit(self, WEFT_EV_SPIN_UNLOCK, 0, op.obj, rc);
  return rc;
}
