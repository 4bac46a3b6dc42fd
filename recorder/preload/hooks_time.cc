// hooks_time.cc — virtual time (clocks, sleeps, yield) and futexes made through libc's
// syscall() (Rust's std and C++20 atomic wait park there). Sleeps never wait in real time:
// a sleeping thread is not enabled until virtual time reaches its deadline, and virtual
// time jumps there when nothing else can run.
#include <errno.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <sys/syscall.h>
#include <sys/time.h>

#include "free_record.h"
#include "inputs.h"
#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

using namespace weft::shim;

void weft::shim::TimedSleep(uint64_t deadline, int64_t requested_ns) {
  Thread* self = Self();
  Op op;
  op.kind = WEFT_EV_SLEEP;
  op.flags = WEFT_F_TIMED;
  op.deadline = deadline;
  Schedule(self, op);
  Emit(self, WEFT_EV_SLEEP, WEFT_F_TIMED, 0, requested_ns);
}

namespace {

int64_t Nanos(const struct timespec* ts) {
  return static_cast<int64_t>(ts->tv_sec) * 1000000000 + ts->tv_nsec;
}

long SetErrno(long raw) {
  if (raw < 0 && raw > -4096) {
    errno = static_cast<int>(-raw);
    return -1;
  }
  return raw;
}

long FutexWaitOp(uint32_t* word, uint32_t expected, uint64_t deadline, uint32_t bitset) {
  Thread* self = Self();
  Op op;
  op.kind = WEFT_EV_FUTEX_WAIT;
  op.addr = word;
  op.obj = ObjectFor(word, WEFT_OBJ_FUTEX)->id;
  if (deadline != kNoDeadline) op.flags = WEFT_F_TIMED;
  Schedule(self, op);
  // NB: the value is compared when the thread is picked, not when it arrived: another
  // thread may have changed it in between, exactly as with the real futex.
  if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != expected) {
    Emit(self, WEFT_EV_FUTEX_WAIT, op.flags | WEFT_F_FAILED, op.obj, -EAGAIN);
    errno = EAGAIN;
    return -1;
  }
  Emit(self, WEFT_EV_FUTEX_WAIT, op.flags, op.obj, 0);
  self->woken = false;
  op.kind = WEFT_EV_FUTEX_WOKEN;
  op.deadline = deadline;
  op.arg = bitset;
  Schedule(self, op);
  bool timed_out = !self->woken;
  self->woken = false;
  self->op.kind = WEFT_EV_NONE;
  Emit(self, WEFT_EV_FUTEX_WOKEN,
       timed_out ? (op.flags | WEFT_F_TIMEDOUT | WEFT_F_FAILED) : op.flags, op.obj,
       timed_out ? -ETIMEDOUT : 0);
  if (timed_out) {
    errno = ETIMEDOUT;
    return -1;
  }
  return 0;
}

// `futex_op` is the caller's (FUTEX_WAKE or FUTEX_WAKE_BITSET, with its flags).
long FutexWakeOp(uint32_t* word, int futex_op, int count, uint32_t bitset) {
  Thread* self = Self();
  Op op;
  op.kind = WEFT_EV_FUTEX_WAKE;
  op.addr = word;
  op.obj = ObjectFor(word, WEFT_OBJ_FUTEX)->id;
  Schedule(self, op);
  int woken = WakeFutexWaiters(self, word, op.obj, count, bitset);
  if (woken >= count) return woken;
  // A waiter weft does not see (a raw futex system call, a thread or process outside
  // control) is in the kernel's queue: the rest of the wake-up is the kernel's, as without
  // weft. (Controlled waiters never are: they wait for the turn.)
  long real = RawSyscall(SYS_futex, reinterpret_cast<long>(word), futex_op, count - woken, 0, 0,
                         static_cast<long>(bitset));
  return real > 0 ? woken + real : woken;
}

// Returns true and sets *result when the futex call was modelled.
bool ModelFutex(long a1, long a2, long a3, long a4, long a6, long* result) {
  auto* word = reinterpret_cast<uint32_t*>(a1);
  int op = static_cast<int>(a2);
  int cmd = op & FUTEX_CMD_MASK;
  uint32_t val = static_cast<uint32_t>(a3);
  const auto* timeout = reinterpret_cast<const struct timespec*>(a4);
  switch (cmd) {
    case FUTEX_WAIT:
      *result = FutexWaitOp(word, val, DeadlineFromRel(timeout), FUTEX_BITSET_MATCH_ANY);
      return true;
    case FUTEX_WAIT_BITSET: {
      uint32_t bitset = static_cast<uint32_t>(a6);
      if (bitset == 0) {
        errno = EINVAL;
        *result = -1;
        return true;
      }
      clockid_t clock = (op & FUTEX_CLOCK_REALTIME) ? CLOCK_REALTIME : CLOCK_MONOTONIC;
      *result = FutexWaitOp(word, val, DeadlineFromAbs(clock, timeout), bitset);
      return true;
    }
    case FUTEX_WAKE:
      *result = FutexWakeOp(word, op, static_cast<int>(val), FUTEX_BITSET_MATCH_ANY);
      return true;
    case FUTEX_WAKE_BITSET:
      *result = FutexWakeOp(word, op, static_cast<int>(val), static_cast<uint32_t>(a6));
      return true;
    default:
      return false;  // requeue, wake-op, PI: passed through unmodelled
  }
}

}  // namespace

WEFT_EXPORT long syscall(long number, ...) {
  va_list ap;
  va_start(ap, number);
  long a1 = va_arg(ap, long), a2 = va_arg(ap, long), a3 = va_arg(ap, long);
  long a4 = va_arg(ap, long), a5 = va_arg(ap, long), a6 = va_arg(ap, long);
  va_end(ap);
  if (number == SYS_futex) {
    Guard guard;
    long result;
    if (Controlled(guard) && ModelFutex(a1, a2, a3, a4, a6, &result)) return result;
  }
  if (long result; ProcessSyscall(number, a1, a2, a3, a4, a5, a6, &result)) return result;
  if (number == SYS_getrandom) {  // Rust's std asks for its random keys this way
    Guard guard;
    return SetErrno(RandomCall(guard, reinterpret_cast<void*>(a1), static_cast<size_t>(a2),
                               static_cast<unsigned>(a3)));
  }
  return SetErrno(RawSyscall(number, a1, a2, a3, a4, a5, a6));
}

// ---- sleeps ----
WEFT_EXPORT int nanosleep(const struct timespec* req, struct timespec* rem) {
  Guard guard;
  if (!Controlled(guard)) return real.nanosleep(req, rem);
  if (req == nullptr || req->tv_nsec < 0 || req->tv_nsec >= 1000000000 || req->tv_sec < 0) {
    errno = EINVAL;
    return -1;
  }
  TimedSleep(DeadlineFromRel(req), Nanos(req));
  if (rem != nullptr) *rem = {0, 0};
  return 0;
}

WEFT_EXPORT int clock_nanosleep(clockid_t clock, int flags, const struct timespec* req,
                                struct timespec* rem) {
  Guard guard;
  if (!Controlled(guard) || !IsVirtualClock(clock)) {
    return real.clock_nanosleep(clock, flags, req, rem);
  }
  if (req == nullptr || req->tv_nsec < 0 || req->tv_nsec >= 1000000000) return EINVAL;
  if (flags & TIMER_ABSTIME) {
    uint64_t deadline = DeadlineFromAbs(clock, req);
    uint64_t now = VirtualNow();
    TimedSleep(deadline, deadline > now ? static_cast<int64_t>(deadline - now) : 0);
  } else {
    TimedSleep(DeadlineFromRel(req), Nanos(req));
    if (rem != nullptr) *rem = {0, 0};
  }
  return 0;
}

WEFT_EXPORT unsigned sleep(unsigned seconds) {
  Guard guard;
  if (!Controlled(guard)) return real.sleep(seconds);
  struct timespec req = {static_cast<time_t>(seconds), 0};
  TimedSleep(DeadlineFromRel(&req), Nanos(&req));
  return 0;
}

WEFT_EXPORT int usleep(useconds_t usec) {
  Guard guard;
  if (!Controlled(guard)) return real.usleep(usec);
  struct timespec req = {static_cast<time_t>(usec / 1000000),
                         static_cast<long>(usec % 1000000) * 1000};
  TimedSleep(DeadlineFromRel(&req), Nanos(&req));
  return 0;
}

WEFT_EXPORT int sched_yield(void) {
  Guard guard;
  if (!Controlled(guard)) return real.sched_yield();
  Thread* self = Self();
  Op op;
  op.kind = WEFT_EV_YIELD;
  Schedule(self, op);
  Emit(self, WEFT_EV_YIELD, 0, 0, 0);
  return 0;
}

// ---- clocks ----
// Every controlled thread reads the same virtual clocks. Reads are not schedule points.
// A free recording records every clock read as an input (inputs.h); a replay of it feeds the
// recorded times back, whatever the clock.
namespace {

uint64_t NanosOf(const struct timespec& ts) {
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

struct timespec TimespecOf(uint64_t ns) {
  return {static_cast<time_t>(ns / 1000000000ull), static_cast<long>(ns % 1000000000ull)};
}

// A controlled thread's CLOCK_REALTIME: the time a replay of a free recording feeds, else the
// virtual clock. 0, or the recorded call's failing return.
int ControlledRealtime(struct timespec* ts) {
  uint64_t ns;
  int rc;
  if (FedClock(Self(), &ns, &rc)) {
    if (rc == 0) *ts = TimespecOf(ns);
    return rc;
  }
  VirtualClock(CLOCK_REALTIME, ts);
  return 0;
}

}  // namespace

WEFT_EXPORT int clock_gettime(clockid_t clock, struct timespec* ts) {
  Guard guard;
  // A null `ts` gets the real function's EFAULT, not a crash here.
  if (!Controlled(guard) || IsNull(ts)) {
    if (IsNull(ts) || !Free(guard)) return real.clock_gettime(clock, ts);
    int rc = real.clock_gettime(clock, ts);
    RecordClock(Self(), clock, rc == 0 ? 0 : -errno, rc == 0 ? NanosOf(*ts) : 0);
    return rc;
  }
  uint64_t ns;
  int rc;
  if (FedClock(Self(), &ns, &rc)) {
    if (rc == 0) *ts = TimespecOf(ns);
    return rc;
  }
  if (!IsVirtualClock(clock)) return real.clock_gettime(clock, ts);
  VirtualClock(clock, ts);
  return 0;
}

WEFT_EXPORT int gettimeofday(struct timeval* tv, void* tz) {
  Guard guard;
  if (!Controlled(guard)) {
    int rc = real.gettimeofday(tv, tz);
    if (Free(guard) && !IsNull(tv)) {
      RecordClock(Self(), CLOCK_REALTIME, rc == 0 ? 0 : -errno,
                  rc == 0 ? static_cast<uint64_t>(tv->tv_sec) * 1000000000ull +
                                static_cast<uint64_t>(tv->tv_usec) * 1000
                          : 0);
    }
    return rc;
  }
  if (!IsNull(tv)) {
    struct timespec ts;
    if (int rc = ControlledRealtime(&ts); rc != 0) return rc;
    tv->tv_sec = ts.tv_sec;
    tv->tv_usec = ts.tv_nsec / 1000;
  }
  if (tz != nullptr) real.gettimeofday(nullptr, tz);
  return 0;
}

WEFT_EXPORT time_t time(time_t* out) {
  Guard guard;
  if (!Controlled(guard)) {
    time_t t = real.time(out);
    if (Free(guard)) {
      RecordClock(Self(), CLOCK_REALTIME, t == static_cast<time_t>(-1) ? -errno : 0,
                  static_cast<uint64_t>(t) * 1000000000ull);
    }
    return t;
  }
  struct timespec ts;
  if (ControlledRealtime(&ts) != 0) return static_cast<time_t>(-1);
  if (out != nullptr) *out = ts.tv_sec;
  return ts.tv_sec;
}
