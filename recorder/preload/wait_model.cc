// wait_model.cc — waits on the world outside the turn: signals (sigwait family, sigsuspend,
// pause), descriptors (poll, select, epoll_wait families, a blocking read or accept) and
// child processes (waitpid, wait4, waitid: children run outside weft's control).
// A thread in such a wait does not hold the turn: it is not enabled until what it waits for
// is there. Descriptors are probed by the thread deciding (a zero-timeout poll: descriptors
// belong to the process, and poll never consumes what it reports; an epoll set is probed by
// polling its own descriptor). Signals pending for one thread are visible to that thread
// only, so a parked signal waiter probes itself every few milliseconds; a signal a
// controlled thread sends is noted at once by the sender (NoteSignalSent), which keeps runs
// whose signals come from their own threads deterministic.
//
// With no thread enabled and a thread waiting on the outside, the thread deciding waits in
// real time (WaitOutside); what becomes ready then came from outside and its event carries
// WEFT_F_EXTERNAL.
#include <linux/futex.h>
#include <sys/syscall.h>

#include "control.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {
namespace {

constexpr uint32_t kMaxOutsideFds = 512;
constexpr uint32_t kSetWords = FD_SETSIZE / 64;

// NB: static scratch, not the target's stack: only the thread holding the turn probes.
constinit struct pollfd g_outside_fds[kMaxOutsideFds] = {};
constinit uint64_t g_probe_sets[3][kSetWords] = {};

uint32_t SetWords(long nfds) {
  if (nfds <= 0) return 0;
  uint64_t n = static_cast<uint64_t>(nfds);
  return static_cast<uint32_t>(n > FD_SETSIZE ? kSetWords : (n + 63) / 64);
}

bool ProbeSelect(const Op& op) {
  uint32_t words = SetWords(op.arg);
  void* sets[3] = {op.addr, op.addr2, op.addr3};
  long args[3] = {0, 0, 0};
  for (int i = 0; i < 3; ++i) {
    if (sets[i] == nullptr) continue;
    CopyBytes(g_probe_sets[i], sets[i], words * 8);
    args[i] = reinterpret_cast<long>(g_probe_sets[i]);
  }
  struct timeval zero = {0, 0};
  long n = op.arg > static_cast<long>(FD_SETSIZE) ? FD_SETSIZE : op.arg;
  return RawSyscall(SYS_select, n, args[0], args[1], args[2], reinterpret_cast<long>(&zero)) != 0;
}

// Appends the descriptors `t` waits on to the outside set; false when it is full.
bool AddOutsideFds(const Thread* t, uint32_t* n) {
  const Op& op = t->op;
  auto add = [n](int fd, short events) {
    if (*n >= kMaxOutsideFds) return false;
    g_outside_fds[*n].fd = fd;
    g_outside_fds[*n].events = events;
    g_outside_fds[*n].revents = 0;
    ++*n;
    return true;
  };
  switch (op.wait) {
    case kWaitPoll: {
      const auto* fds = static_cast<const struct pollfd*>(op.addr);
      for (long i = 0; i < op.arg; ++i) {
        if (!add(fds[i].fd, fds[i].events)) return false;
      }
      return true;
    }
    case kWaitSelect: {
      long nfds = op.arg > static_cast<long>(FD_SETSIZE) ? FD_SETSIZE : op.arg;
      const short events[3] = {POLLIN, POLLOUT, POLLPRI};
      const void* sets[3] = {op.addr, op.addr2, op.addr3};
      for (int s = 0; s < 3; ++s) {
        if (sets[s] == nullptr) continue;
        const auto* words = static_cast<const uint64_t*>(sets[s]);
        for (long fd = 0; fd < nfds; ++fd) {
          if ((words[fd / 64] >> (fd % 64)) & 1) {
            if (!add(static_cast<int>(fd), events[s])) return false;
          }
        }
      }
      return true;
    }
    case kWaitEpoll:
      return add(static_cast<int>(op.arg), POLLIN);
    case kWaitFd:
      return add(static_cast<int>(op.arg), static_cast<short>(op.mask));
    default:
      return true;
  }
}

}  // namespace

uint64_t KernelSet(const sigset_t* set) {
  uint64_t bits = 0;
  if (set != nullptr) CopyBytes(&bits, set, sizeof(bits));
  return bits;
}

bool SignalPending(uint64_t mask) {
  uint64_t pending = 0;
  if (RawSyscall(SYS_rt_sigpending, reinterpret_cast<long>(&pending), sizeof(pending)) != 0) {
    return false;
  }
  return (pending & mask) != 0;
}

void NoteSignalSentToProcess(uint16_t process, int sig) {
  if (sig <= 0 || sig > 64) return;
  uint64_t bit = 1ull << (sig - 1);
  for (uint32_t i = 0; i < g_sched->live_count; ++i) {
    Thread* t = &g_sched->threads[g_sched->live[i]];
    if (t->process != process) continue;
    if (t->op.kind == WEFT_EV_SIGNAL_WAIT && (t->op.mask & bit) != 0) {
      __atomic_store_n(&t->signalled, 1, __ATOMIC_RELEASE);
      t->enabled_cached = true;  // its process judges it by this flag too
    }
  }
}

void NoteSignalSent(Thread* target, int sig) {
  if (sig <= 0 || sig > 64) return;
  uint64_t bit = 1ull << (sig - 1);
  for (uint32_t i = 0; i < g_sched->live_count; ++i) {
    Thread* t = &g_sched->threads[g_sched->live[i]];
    if (target != nullptr && t != target) continue;
    if (target == nullptr && t->process != g_process) continue;
    if (t->op.kind == WEFT_EV_SIGNAL_WAIT && (t->op.mask & bit) != 0) {
      __atomic_store_n(&t->signalled, 1, __ATOMIC_RELEASE);
    }
  }
}

// A wait for one child that is a process of the session: -1 if it is none, else whether
// that process has ended (its exit is an event: the wait is modelled, not probed).
int ControlledChildEnded(const Op& op) {
  if (op.wait != kWaitChild || op.arg != P_PID) return -1;
  int16_t p = ProcessOfPid(static_cast<pid_t>(op.mask & 0xffffffffu));
  if (p < 0) return -1;
  // A child that exec'd runs outside weft's control: its end is probed, not modelled.
  if (g_sched->processes[p].state == ProcessState::kUncontrolled) return -1;
  return g_sched->processes[p].state == ProcessState::kExited ? 1 : 0;
}

bool WaitsOutside(const Thread* t) {
  if (ControlledChildEnded(t->op) >= 0) return false;
  if (t->op.kind == WEFT_EV_POLL && t->op.wait == kWaitSpawn) return false;  // modelled
  return (t->op.kind == WEFT_EV_POLL || t->op.kind == WEFT_EV_SIGNAL_WAIT || ChannelWait(t->op) ||
          ListenWait(t->op) || (t->op.kind == WEFT_EV_FILE_LOCK && t->lock_outside)) &&
         (t->op.flags & WEFT_F_TRY) == 0;
}

bool SignalWaitReady(const Thread* t) { return __atomic_load_n(&t->signalled, __ATOMIC_ACQUIRE); }

bool PollReady(const Thread* t) {
  const Op& op = t->op;
  switch (op.wait) {
    case kWaitPoll:
      if (op.arg == 0) return false;  // poll(NULL, 0, timeout): a sleep
      return RawSyscall(SYS_poll, reinterpret_cast<long>(op.addr), op.arg, 0) != 0;
    case kWaitSelect:
      if (op.addr == nullptr && op.addr2 == nullptr && op.addr3 == nullptr) return false;
      return ProbeSelect(op);
    case kWaitEpoll:
    case kWaitFd: {
      struct pollfd p = {static_cast<int>(op.arg),
                         static_cast<short>(op.wait == kWaitEpoll ? POLLIN : op.mask), 0};
      return RawSyscall(SYS_poll, reinterpret_cast<long>(&p), 1, 0) != 0;
    }
    case kWaitChild:
      return ChildWaitReady(op);
    case kWaitSpawn:
      return SpawnDone(static_cast<uint16_t>(op.arg));
    default:
      return true;
  }
}

bool ChildWaitReady(const Op& op) {
  if (int ended = ControlledChildEnded(op); ended >= 0) return ended == 1;
  siginfo_t info;
  info.si_pid = 0;
  int options = static_cast<int>(op.mask >> 32) | WNOHANG | WNOWAIT;
  long r = RawSyscall(SYS_waitid, op.arg, static_cast<long>(op.mask & 0xffffffffu),
                      reinterpret_cast<long>(&info), options, 0);
  return r < 0 || info.si_pid != 0;
}

void WaitOutside(uint64_t max_ns) {
  uint32_t n = 0;
  bool complete = true;
  for (uint32_t i = 0; i < g_sched->live_count && complete; ++i) {
    const Thread* t = &g_sched->threads[g_sched->live[i]];
    if (WaitsForFd(t) && t->process == g_process) complete = AddOutsideFds(t, &n);
  }
  // NB: a short slice: signals are seen by their waiters' own probes, between slices.
  uint64_t slice = max_ns < kOutsideSliceNs ? max_ns : kOutsideSliceNs;
  struct timespec ts = {static_cast<time_t>(slice / 1000000000ull),
                        static_cast<long>(slice % 1000000000ull)};
  if (!complete) n = 0;
  RawSyscall(SYS_ppoll, reinterpret_cast<long>(g_outside_fds), n, reinterpret_cast<long>(&ts), 0,
             8);
}

void WaitTurnProbing(Thread* self) {
  struct timespec ts = {0, static_cast<long>(kOutsideSliceNs)};
  constexpr uint32_t kSlicesPerDeadCheck = kDeadHolderCheckNs / kOutsideSliceNs;
  for (uint32_t slices = 1; __atomic_load_n(&self->go, __ATOMIC_ACQUIRE) == 0; ++slices) {
    // NB: not _PRIVATE: the turn's words are shared with forked processes.
    RawSyscall(SYS_futex, reinterpret_cast<long>(&self->go), FUTEX_WAIT, 0,
               reinterpret_cast<long>(&ts), 0, 0);
    if (__atomic_load_n(&self->go, __ATOMIC_ACQUIRE) != 0) break;
    if (slices % kSlicesPerDeadCheck == 0 && TakeTurnIfStuck(self)) break;
    if (self->op.kind == WEFT_EV_SIGNAL_WAIT &&
        __atomic_load_n(&self->signalled, __ATOMIC_ACQUIRE) == 0 && SignalPending(self->op.mask)) {
      self->external = true;
      __atomic_store_n(&self->signalled, 1, __ATOMIC_RELEASE);
    }
  }
  self->go = 0;
}

}  // namespace weft::shim
