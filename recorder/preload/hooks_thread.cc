// hooks_thread.cc — thread life cycle: create, start, exit, join (try/timed/clock),
// detach, names, and fork. Every hook falls through to the real function when the calling
// thread is not controlled (no session, a nested call from inside the shim, a thread that
// already left control, or a fork child).
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>

#include "control.h"
#include "free_record.h"
#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

using namespace weft::shim;

namespace {

Op MakeOp(uint8_t kind, uint32_t obj = 0, uint16_t flags = 0) {
  Op op;
  op.kind = kind;
  op.obj = obj;
  op.flags = flags;
  return op;
}

// Ends `self`'s controlled life: the THREAD_EXIT decision, then hand the turn on.
void ExitControlled(Thread* self) {
  Schedule(self, MakeOp(WEFT_EV_THREAD_EXIT, self->handle_obj));
  Emit(self, WEFT_EV_THREAD_EXIT, 0, self->handle_obj, 0);
  LeaveControl(self);
}

void* Trampoline(void* arg) {
  Thread* self = static_cast<Thread*>(arg);
  void* (*routine)(void*) = self->start_routine;
  void* routine_arg = self->start_arg;
  {
    Guard guard;
    WaitFirstTurn(self);
    EmitThreadRecord(self, static_cast<uint16_t>(self->op.arg));  // now with its kernel tid
    Emit(self, WEFT_EV_THREAD_START, 0, self->handle_obj, self->op.arg);
  }
  void* result = routine(routine_arg);
  {
    Guard guard;
    if (Controlled(guard)) ExitControlled(self);
  }
  // NB: thread-local destructors run after this return, uncontrolled (see README).
  return result;
}

int JoinCommon(pthread_t thread, void** retval, uint16_t flags, clockid_t clock,
               const struct timespec* abstime) {
  Thread* self = Self();
  Thread* target = ThreadByHandle(thread);
  if (target == nullptr || target == self) return -1;  // not ours: caller falls through
  Op op = MakeOp(WEFT_EV_THREAD_JOIN, target->handle_obj, flags);
  op.arg = target->tid;
  if (flags & WEFT_F_TIMED) {
    if (abstime->tv_nsec < 0 || abstime->tv_nsec >= 1000000000) return EINVAL;
    op.deadline = DeadlineFromAbs(clock, abstime);
  }
  Schedule(self, op);
  int rc;
  uint16_t out_flags = flags;
  if (target->state == SlotState::kExited && !self->expired) {
    // The target left control; the real join waits only for its kernel thread to end,
    // which needs nothing from the controlled threads.
    rc = real.pthread_join(thread, retval);
  } else if (flags & WEFT_F_TRY) {
    rc = EBUSY;
  } else {
    rc = ETIMEDOUT;
    out_flags |= WEFT_F_TIMEDOUT;
  }
  if (rc != 0) out_flags |= WEFT_F_FAILED;
  Emit(self, WEFT_EV_THREAD_JOIN, out_flags, target->handle_obj, target->tid);
  return rc;
}

}  // namespace

WEFT_EXPORT int pthread_create(pthread_t* thread, const pthread_attr_t* attr,
                               void* (*start_routine)(void*), void* arg) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard) && !IsNull(thread)) return FreeThreadCreate(thread, attr, start_routine, arg);
    return real.pthread_create(thread, attr, start_routine, arg);
  }
  Thread* self = Self();
  Schedule(self, MakeOp(WEFT_EV_THREAD_CREATE));
  Thread* child = RegisterThread(self->tid);
  child->start_routine = start_routine;
  child->start_arg = arg;
  int rc = real.pthread_create(thread, attr, Trampoline, child);
  if (rc != 0) {
    UnregisterThread(child);
    Emit(self, WEFT_EV_THREAD_CREATE, WEFT_F_FAILED, 0, -rc);
    return rc;
  }
  // NB: the child cannot run user code before it is picked, so filling in its handle
  // after the real create returned is safe.
  SetHandle(child, *thread);
  ForgetObject(reinterpret_cast<void*>(*thread));  // a reused handle is a new object
  child->handle_obj = ObjectFor(reinterpret_cast<void*>(*thread), WEFT_OBJ_THREAD)->id;
  child->op.obj = child->handle_obj;
  EmitThreadRecord(child, self->tid);
  Emit(self, WEFT_EV_THREAD_CREATE, 0, child->handle_obj, child->tid);
  return 0;
}

WEFT_EXPORT void pthread_exit(void* retval) {
  {
    Guard guard;
    if (Controlled(guard)) ExitControlled(Self());
    if (Free(guard)) FreeThreadExit();
  }
  real.pthread_exit(retval);
}

WEFT_EXPORT int pthread_join(pthread_t thread, void** retval) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard)) return FreeThreadJoin(thread, retval, 0, CLOCK_REALTIME, nullptr);
    return real.pthread_join(thread, retval);
  }
  int rc = JoinCommon(thread, retval, 0, CLOCK_REALTIME, nullptr);
  return rc == -1 ? real.pthread_join(thread, retval) : rc;
}

WEFT_EXPORT int pthread_tryjoin_np(pthread_t thread, void** retval) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard)) return FreeThreadJoin(thread, retval, 1, CLOCK_REALTIME, nullptr);
    return real.pthread_tryjoin_np(thread, retval);
  }
  int rc = JoinCommon(thread, retval, WEFT_F_TRY, CLOCK_REALTIME, nullptr);
  return rc == -1 ? real.pthread_tryjoin_np(thread, retval) : rc;
}

WEFT_EXPORT int pthread_timedjoin_np(pthread_t thread, void** retval,
                                     const struct timespec* abstime) {
  Guard guard;
  if (!Controlled(guard)) {
    // A null abstime means "no timeout" (an untimed join, as a controlled run records it).
    if (Free(guard)) {
      return FreeThreadJoin(thread, retval, abstime != nullptr ? 2 : 0, CLOCK_REALTIME, abstime);
    }
    return real.pthread_timedjoin_np(thread, retval, abstime);
  }
  // A null abstime means "no timeout", as in glibc.
  int rc =
      JoinCommon(thread, retval, abstime != nullptr ? WEFT_F_TIMED : 0, CLOCK_REALTIME, abstime);
  return rc == -1 ? real.pthread_timedjoin_np(thread, retval, abstime) : rc;
}

WEFT_EXPORT int pthread_clockjoin_np(pthread_t thread, void** retval, clockid_t clock,
                                     const struct timespec* abstime) {
  Guard guard;
  if (!Controlled(guard) || abstime == nullptr || !IsVirtualClock(clock)) {
    if (Free(guard) && abstime != nullptr && IsVirtualClock(clock)) {
      return FreeThreadJoin(thread, retval, 3, clock, abstime);
    }
    return real.pthread_clockjoin_np(thread, retval, clock, abstime);
  }
  int rc = JoinCommon(thread, retval, WEFT_F_TIMED, clock, abstime);
  return rc == -1 ? real.pthread_clockjoin_np(thread, retval, clock, abstime) : rc;
}

WEFT_EXPORT int pthread_detach(pthread_t thread) {
  Guard guard;
  if (!Controlled(guard)) return real.pthread_detach(thread);
  Thread* self = Self();
  Thread* target = ThreadByHandle(thread);
  if (target == nullptr) return real.pthread_detach(thread);
  Schedule(self, MakeOp(WEFT_EV_THREAD_DETACH, target->handle_obj));
  int rc = real.pthread_detach(thread);
  target->detached = true;
  Emit(self, WEFT_EV_THREAD_DETACH, rc == 0 ? 0 : WEFT_F_FAILED, target->handle_obj, target->tid);
  return rc;
}

WEFT_EXPORT int pthread_setname_np(pthread_t thread, const char* name) {
  Guard guard;
  int rc = real.pthread_setname_np(thread, name);
  if (rc == 0 && Controlled(guard)) {
    Thread* target = ThreadByHandle(thread);
    if (target != nullptr) EmitName(target->tid, name);
  }
  return rc;
}

WEFT_EXPORT pid_t fork(void) {
  Guard guard;
  if (!Controlled(guard)) {
    if (Free(guard)) return FreeFork();
    return real.fork();
  }
  return ForkControlled(Self());
}

// glibc 2.34's _Fork: a fork without the atfork handlers (async-signal-safe; what a library
// that forks only to exec may call). Under control it is the shim's fork, as fork is.
WEFT_EXPORT pid_t _Fork(void) {
  Guard guard;
  if (!Controlled(guard)) {
    pid_t (*fork_fn)() = real.fork_no_handlers != nullptr ? real.fork_no_handlers : real.fork;
    if (!Free(guard)) return fork_fn();
    pid_t pid = fork_fn();
    if (pid == 0) MarkProcessUncontrolled();  // the child records nothing
    return pid;
  }
  return ForkControlled(Self(), nullptr, /*no_handlers=*/true);
}

namespace {

// The FORK schedule point and the parent's side of a fork made by `do_fork(child)` (the
// registered thread of the child process, nullptr when the table is full); a fork returns 0
// in the child, which becomes that process here. See ForkControlled.
template <typename DoFork>
pid_t ForkWith(Thread* self, int* report_pipe, DoFork&& do_fork) {
  Schedule(self, MakeOp(WEFT_EV_FORK));
  // NB: made after the schedule point, so that no other thread's fork inherits it.
  if (report_pipe != nullptr) {
    long r = RawSyscall(SYS_pipe2, reinterpret_cast<long>(report_pipe), O_CLOEXEC);
    if (r < 0) {
      Emit(self, WEFT_EV_FORK, WEFT_F_FAILED, 0, r);
      errno = static_cast<int>(-r);
      return -1;
    }
  }
  // The child is a process of the session: its one thread (a copy of this one) gets a tid
  // and waits to be picked like a new thread; the scheduler's state is shared (control.h).
  Thread* child = RegisterProcess(self);
  pid_t pid = do_fork(child);
  if (pid == 0) {
    if (child == nullptr) {  // the process table is full: the child runs uncontrolled
      MarkProcessUncontrolled();
      return 0;
    }
    BecomeForkedProcess(child);
    Emit(child, WEFT_EV_THREAD_START, 0, 0, self->tid);
    return 0;
  }
  if (pid < 0) {
    int error = errno;
    if (child != nullptr) UnregisterProcess(child);
    Emit(self, WEFT_EV_FORK, WEFT_F_FAILED, 0, -error);
    errno = error;
    return pid;
  }
  if (child == nullptr) ++g_sched->processes[g_process].outside_children;
  if (child != nullptr) {
    // NB: the same values the child writes for itself; it cannot run before it is picked.
    child->os_tid = pid;
    g_sched->processes[child->process].pid = static_cast<uint32_t>(pid);
    EmitThreadRecord(child, self->tid);
  }
  Emit(self, WEFT_EV_FORK, 0, 0, pid);
  return pid;
}

// What the child of a clone without CLONE_VM starts with. NB: written by the thread holding
// the turn just before the clone; the child reads its own copy of the memory.
struct CloneStart {
  Thread* child;
  uint16_t parent_tid;
  int (*fn)(void*);
  void* arg;
};
constinit CloneStart g_clone_start = {};

// The child of a clone without CLONE_VM: the forked process's start (as a fork's child
// returns from ForkWith), then the program's function, then the process's exit as a schedule
// point — glibc's clone ends the child with a raw exit of fn's value, which no hook sees.
int CloneChild(void*) {
  CloneStart start = g_clone_start;
  // NB: this thread's TLS is a copy of the parent's, taken inside the hook: the shim's depth
  // is the hook's, whose frame is not on this stack.
  if (start.child == nullptr) {
    MarkProcessUncontrolled();
    t_depth = 0;
    return start.fn(start.arg);
  }
  BecomeForkedProcess(start.child);
  Emit(start.child, WEFT_EV_THREAD_START, 0, 0, start.parent_tid);
  t_depth = 0;
  LeaveShim(start.child);
  int r = start.fn(start.arg);
  Guard guard;
  if (Controlled(guard)) ProcessExitPoint(r);
  return r;
}

}  // namespace

namespace weft::shim {

pid_t ForkControlled(Thread* self, int* report_pipe, bool no_handlers) {
  return ForkWith(self, report_pipe, [&](Thread*) {
    return no_handlers && real.fork_no_handlers != nullptr ? real.fork_no_handlers() : real.fork();
  });
}

pid_t RawForkControlled(Thread* self, long number, long a1, long a2, long a3, long a4, long a5) {
  return ForkWith(self, nullptr, [&](Thread*) {
    long r = RawSyscall(number, a1, a2, a3, a4, a5);
    if (r < 0) {
      errno = static_cast<int>(-r);
      return -1L;
    }
    return r;
  });
}

pid_t CloneControlled(Thread* self, int (*fn)(void*), void* stack, int flags, void* arg,
                      pid_t* parent_tid, void* tls, pid_t* child_tid) {
  return ForkWith(self, nullptr, [&](Thread* child) {
    g_clone_start = {child, self->tid, fn, arg};
    return real.clone(CloneChild, stack, flags, nullptr, parent_tid, tls, child_tid);
  });
}

}  // namespace weft::shim
