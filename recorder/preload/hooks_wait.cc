// hooks_wait.cc — waits that would hold the turn while they block: readiness (poll, ppoll,
// select, pselect, epoll_wait, epoll_pwait; a blocking read, recv or accept with nothing
// ready; a blocking write or send to a full pipe or socket), child processes (waitpid,
// wait, wait3, wait4, waitid), signals (sigwait, sigwaitinfo,
// sigtimedwait, sigsuspend, pause), and the process exit (exit, _exit, return from main) as a
// schedule point.
//
// A wait is a schedule point whose operation is not enabled until what it waits for is
// there (wait_model.cc probes it); once picked, the thread makes the real call with a zero
// timeout, so the program sees what the kernel says. A blocking read on a ready descriptor
// (a file, a full pipe) is no schedule point: it cannot block.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "channel_model.h"
#include "control.h"
#include "file_model.h"
#include "free_record.h"
#include "inputs.h"
#include "random_device.h"
#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

// The hooks below define libc names poison.h reserves; the shim itself still calls none of
// them (they reach the real functions through `real`).
#undef read
#undef write
#undef kill
#undef exit
#undef _exit

using namespace weft::shim;

namespace {

constexpr uint64_t kMsNs = 1000000;

long SetErrno(long raw) {
  if (raw < 0 && raw > -4096) {
    errno = static_cast<int>(-raw);
    return -1;
  }
  return raw;
}

// Deadlines of readiness waits: kNoDeadline for none, 0 for a zero timeout (a probe).
uint64_t DeadlineFromMs(int timeout_ms) {
  if (timeout_ms < 0) return kNoDeadline;
  if (timeout_ms == 0) return 0;
  return VirtualNow() + static_cast<uint64_t>(timeout_ms) * kMsNs;
}

bool Passed(uint64_t deadline) { return deadline != kNoDeadline && VirtualNow() >= deadline; }

// A readiness wait. What is ready at once is returned at once (no schedule point: the
// call does not block). Otherwise `self` is parked (not enabled, no event) until `op` is
// ready or its deadline passed, then makes the real call `now()` (zero timeout) and goes on
// to its next schedule point. Returns the raw result (-errno).
// NB: the wait is no event of its own, so a trace does not depend on whether something
// outside (a child process, the pipe weft tees) was faster or slower than in the recording:
// a replay finds the thread either waiting or already at its next operation, and the
// decision that names it works for both.
template <typename Now, typename Restore, typename Expire>
long ReadyWait(Op op, Now&& now, Restore&& restore, Expire&& expire) {
  Thread* self = Self();
  long r = now();
  if (r != 0 || op.deadline == 0) return r;
  restore();
  op.kind = WEFT_EV_POLL;
  if (op.deadline != kNoDeadline) op.flags |= WEFT_F_TIMED;
  for (;;) {
    Schedule(self, op);
    // NB: a wait whose deadline came first has timed out, even if something is ready now.
    bool expired = self->expired;
    r = expired ? 0 : now();
    if (expired) expire();
    if (r != 0 || Passed(op.deadline)) {
      self->op.kind = WEFT_EV_NONE;
      return r;
    }
    // Ready when probed, gone when called (another process took it): wait again.
    restore();
  }
}

auto kNoRestore = [] {};

long PollCommon(struct pollfd* fds, nfds_t nfds, uint64_t deadline, const sigset_t* sigmask) {
  Op op;
  op.wait = kWaitPoll;
  op.addr = fds;
  op.arg = static_cast<int64_t>(nfds);
  op.deadline = deadline;
  return ReadyWait(
      op,
      [&] {
        struct timespec zero = {0, 0};
        return RawSyscall(SYS_ppoll, reinterpret_cast<long>(fds), static_cast<long>(nfds),
                          reinterpret_cast<long>(&zero), reinterpret_cast<long>(sigmask), 8);
      },
      kNoRestore, kNoRestore);
}

constexpr uint32_t kSelectWords = FD_SETSIZE / 64;

long SelectCommon(int nfds, fd_set* r, fd_set* w, fd_set* e, uint64_t deadline,
                  const sigset_t* sigmask) {
  // The sets are in-out: a zero-timeout call that finds nothing clears them; keep the
  // program's sets to ask again.
  uint32_t words = nfds <= 0 ? 0 : static_cast<uint32_t>((nfds + 63) / 64);
  uint64_t saved[3][kSelectWords];
  fd_set* sets[3] = {r, w, e};
  for (int i = 0; i < 3; ++i) {
    if (sets[i] != nullptr) CopyBytes(saved[i], sets[i], words * 8);
  }
  Op op;
  op.wait = kWaitSelect;
  op.addr = r;
  op.addr2 = w;
  op.addr3 = e;
  op.arg = nfds;
  op.deadline = deadline;
  return ReadyWait(
      op,
      [&] {
        struct timespec zero = {0, 0};
        struct {
          const sigset_t* set;
          size_t size;
        } mask = {sigmask, 8};
        return RawSyscall(SYS_pselect6, nfds, reinterpret_cast<long>(r), reinterpret_cast<long>(w),
                          reinterpret_cast<long>(e), reinterpret_cast<long>(&zero),
                          sigmask != nullptr ? reinterpret_cast<long>(&mask) : 0);
      },
      [&] {
        for (int i = 0; i < 3; ++i) {
          if (sets[i] != nullptr) CopyBytes(sets[i], saved[i], words * 8);
        }
      },
      [&] {
        for (int i = 0; i < 3; ++i) {
          if (sets[i] != nullptr) ZeroBytes(sets[i], words * 8);
        }
      });
}

long EpollCommon(int epfd, struct epoll_event* events, int max, int timeout,
                 const sigset_t* sigmask) {
  Op op;
  op.wait = kWaitEpoll;
  op.arg = epfd;
  op.deadline = DeadlineFromMs(timeout);
  return ReadyWait(
      op,
      [&] {
        return RawSyscall(SYS_epoll_pwait, epfd, reinterpret_cast<long>(events), max, 0,
                          reinterpret_cast<long>(sigmask), 8);
      },
      kNoRestore, kNoRestore);
}

// A blocking call on one descriptor: when nothing is ready for `events` and the descriptor
// blocks, waits for it (not holding the turn, no event); then the caller makes the call.
void WaitForFd(int fd, short events, int call_flags) {
  if (call_flags & MSG_DONTWAIT) return;
  struct pollfd p = {fd, events, 0};
  if (RawSyscall(SYS_poll, reinterpret_cast<long>(&p), 1, 0) != 0) return;  // ready or error
  long fl = RawSyscall(SYS_fcntl, fd, F_GETFL);
  if (fl < 0 || (fl & O_NONBLOCK)) return;
  Op op;
  op.wait = kWaitFd;
  op.arg = fd;
  op.mask = static_cast<uint64_t>(static_cast<unsigned short>(events));
  op.deadline = kNoDeadline;
  ReadyWait(
      op,
      [&] {
        struct pollfd q = {fd, events, 0};
        return RawSyscall(SYS_poll, reinterpret_cast<long>(&q), 1, 0);
      },
      kNoRestore, kNoRestore);
}

// Where a blocking write could wait for a reader that is a controlled thread: a pipe, or
// a stream socket (a datagram's boundaries must stay one call).
enum class Sink { kOther, kPipe, kStream };

Sink SinkOf(int fd) {
  long fl = RawSyscall(SYS_fcntl, fd, F_GETFL);
  if (fl < 0 || (fl & O_NONBLOCK)) return Sink::kOther;  // cannot block
  struct stat st;
  if (RawSyscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0) return Sink::kOther;
  if (S_ISFIFO(st.st_mode)) return Sink::kPipe;
  if (!S_ISSOCK(st.st_mode)) return Sink::kOther;  // files, terminals: no thread drains them
  int type = 0;
  socklen_t len = sizeof type;
  if (RawSyscall(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, reinterpret_cast<long>(&type),
                 reinterpret_cast<long>(&len)) != 0) {
    return Sink::kOther;
  }
  return type == SOCK_STREAM ? Sink::kStream : Sink::kOther;
}

// A blocking write of `iov` to a pipe or stream socket that may not fit: writes it in
// pieces that cannot block, each made by `around(piece)`, which waits for room first without
// holding the turn (the reader may be another controlled thread) and returns what `piece`
// (a raw write: bytes, or -errno) did. Returns what the kernel's blocking write would: the
// bytes written, or -errno when the first piece failed. Returns -ENOSYS when the descriptor
// is none of those (the caller makes the real call).
// NB: a pipe write of at most PIPE_BUF bytes never blocks once poll says the pipe has
// room, and stays atomic; a stream socket takes what fits (MSG_DONTWAIT).
template <typename Around>
long WriteInPieces(int fd, const struct iovec* iov, int iovcnt, int send_flags, Around&& around) {
  Sink sink = SinkOf(fd);
  if (sink == Sink::kOther) return -ENOSYS;
  long done = 0;
  for (int i = 0; i < iovcnt; ++i) {
    const char* p = static_cast<const char*>(iov[i].iov_base);
    size_t left = iov[i].iov_len;
    while (left > 0) {
      size_t piece = sink == Sink::kPipe && left > PIPE_BUF ? PIPE_BUF : left;
      long n = around([&] {
        return sink == Sink::kPipe
                   ? RawSyscall(SYS_write, fd, reinterpret_cast<long>(p), static_cast<long>(piece))
                   : RawSyscall(SYS_sendto, fd, reinterpret_cast<long>(p), static_cast<long>(piece),
                                send_flags | MSG_DONTWAIT, 0, 0);
      });
      if (n == -EAGAIN) continue;  // the room went to someone else: wait again
      if (n < 0) return done > 0 ? done : n;
      done += n;
      p += n;
      left -= static_cast<size_t>(n);
    }
  }
  return done;
}

// WriteInPieces waiting for room with a readiness wait (no event).
long WriteInPieces(int fd, const struct iovec* iov, int iovcnt, int send_flags) {
  return WriteInPieces(fd, iov, iovcnt, send_flags, [&](auto&& piece) {
    WaitForFd(fd, POLLOUT, 0);
    return piece();
  });
}

// Whether a blocking write of `bytes` to fd could block: the descriptor has no room, or
// the write is bigger than what room poll guarantees.
bool MayBlockWriting(int fd, size_t bytes) {
  struct pollfd p = {fd, POLLOUT, 0};
  return RawSyscall(SYS_poll, reinterpret_cast<long>(&p), 1, 0) == 0 || bytes > PIPE_BUF;
}

// A write that does not hold the turn while it blocks: the real call's result.
long WriteNotHoldingTurn(int fd, const void* buf, size_t count) {
  if (MayBlockWriting(fd, count)) {
    struct iovec one = {const_cast<void*>(buf), count};
    long n = WriteInPieces(fd, &one, 1, 0);
    if (n != -ENOSYS) return SetErrno(n);
  }
  return real.write_fn(fd, buf, count);
}

long WritevNotHoldingTurn(int fd, const struct iovec* iov, int iovcnt) {
  if (iovcnt > 0 && iovcnt <= IOV_MAX) {
    size_t bytes = 0;
    for (int i = 0; i < iovcnt; ++i) bytes += iov[i].iov_len;
    if (MayBlockWriting(fd, bytes)) {
      long n = WriteInPieces(fd, iov, iovcnt, 0);
      if (n != -ENOSYS) return SetErrno(n);
    }
  }
  return real.writev(fd, iov, iovcnt);
}

// A write or send of `iov` to channel `obj` (fd) of the session: one channel_send event when
// it cannot block; else (it may not fit) pieces that cannot block, each a channel_send event
// of its own whose schedule point waits, not holding the turn, until fd has room
// (ChannelAccess with POLLOUT). `call` makes the whole call. The real call's result.
// NB: a wait for room in the middle of a write must be an event's: a decision that picks
// the writer, which then finds no room for its next piece and waits without an event, is in
// no trace, and its replay let the reader read first (tests/programs/popen_refill_ok.c,
// fdopen mode, with the reader's stdio reads as events).
template <typename Call>
long ChannelWrite(uint32_t obj, int fd, const struct iovec* iov, int iovcnt, int send_flags,
                  Call&& call) {
  if (iovcnt > 0 && iovcnt <= IOV_MAX && !(send_flags & MSG_DONTWAIT)) {
    size_t bytes = 0;
    for (int i = 0; i < iovcnt; ++i) bytes += iov[i].iov_len;
    if (MayBlockWriting(fd, bytes)) {
      long n = WriteInPieces(fd, iov, iovcnt, send_flags, [&](auto&& piece) {
        long r = ChannelAccess(WEFT_EV_CHANNEL_SEND, obj, fd, POLLOUT, 0, [&] {
          long raw = piece();
          if (raw >= 0) return raw;
          errno = static_cast<int>(-raw);
          return -1l;
        });
        return r >= 0 ? r : -static_cast<long>(errno);
      });
      if (n != -ENOSYS) return SetErrno(n);
    }
  }
  return ChannelAccess(WEFT_EV_CHANNEL_SEND, obj, fd, 0, 0, call);
}

// ---- child processes ----

// A blocking wait for a child (waitid's terms) that has none to report: waits without the
// turn (no event) until one has, then the caller makes the real call. Children run outside
// weft's control, so what they do meanwhile may need a thread of this process (a pipe it
// writes, a signal it sends): holding the turn would deadlock them.
// Waits (real time, at most about a second each) until the kernel has ended process `pid`
// (a process of the session whose end is an event — its exit, a kill — may still be on its
// way out) and, if it is a child of this process, until its parent can reap it: weft traces
// it, so its end is the tracer's to see first, and a waitpid with WNOHANG in between says it
// still runs.
void AwaitGone(pid_t pid, bool our_child) {
  long pidfd = RawSyscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) return;  // gone (reaped) already, or no pidfd_open (Linux < 5.3)
  struct pollfd p = {static_cast<int>(pidfd), POLLIN, 0};
  while (RawSyscall(SYS_poll, reinterpret_cast<long>(&p), 1, 1000) == -EINTR) {
  }
  RawSyscall(SYS_close, pidfd);
  if (!our_child) return;
  for (int i = 0; i < 1000; ++i) {
    siginfo_t info;
    info.si_pid = 0;
    long r = RawSyscall(SYS_waitid, P_PID, pid, reinterpret_cast<long>(&info),
                        WEXITED | WNOHANG | WNOWAIT, 0);
    if (r < 0 ? r != -EINTR : info.si_pid == pid) return;
    struct timespec ms = {0, 1000000};
    RawSyscall(SYS_nanosleep, reinterpret_cast<long>(&ms), 0);
  }
}

bool ChildOf(const Process& p, uint16_t process) {
  return p.parent_tid < kMaxThreads && g_sched->threads[p.parent_tid].process == process;
}

bool OurChild(const Process& p) { return ChildOf(p, g_process); }

// A wait with WNOHANG: the children of the session whose end was an event are ended in the
// kernel too before the real call looks, so that it finds them ended in every run (not only
// when the kernel was quick enough).
void SettleEndedChildren(idtype_t idtype, id_t id) {
  for (uint32_t i = 1; i < g_sched->process_count; ++i) {
    const Process& p = g_sched->processes[i];
    if (p.state != ProcessState::kExited || p.pid == 0) continue;
    if (idtype == P_PID && p.pid != static_cast<uint32_t>(id)) continue;
    if (!OurChild(p)) continue;
    AwaitGone(static_cast<pid_t>(p.pid), true);
  }
}

void WaitForChild(idtype_t idtype, id_t id, int options) {
  if (options & WNOHANG) {
    SettleEndedChildren(idtype, id);
    return;
  }
  Op op;
  op.wait = kWaitChild;
  op.arg = idtype;
  op.mask =
      static_cast<uint64_t>(id) | (static_cast<uint64_t>(static_cast<uint32_t>(options)) << 32);
  op.deadline = kNoDeadline;
  ReadyWait(
      op, [&] { return ChildWaitReady(op) ? 1L : 0L; }, kNoRestore, kNoRestore);
}

// ---- waits for children of the session, modelled (PROCESS_WAIT) ----

// The options a modelled wait may have: it waits for exits only.
constexpr int kModelledOptions = WEXITED | WNOHANG | WNOWAIT;

// Whether process `i` of the session is a child of process `parent` that a wait for
// (`idtype`, `id`) may still report.
bool Reports(uint32_t i, uint16_t parent, idtype_t idtype, id_t id) {
  const Process& p = g_sched->processes[i];
  if (p.state == ProcessState::kFree || p.pid == 0 || p.reaped != 0) return false;
  if (idtype == P_PID && p.pid != static_cast<uint32_t>(id)) return false;
  return ChildOf(p, parent);
}

// Whether a wait by process `parent` for (`idtype`, `id`) with `options` is modelled: it waits
// for exits only, for one pid or any child, and every child it may report is a process of the
// session under control (or ended). NB: judged by the thread holding the turn; the children's
// states change only at events.
bool ModelledWait(uint16_t parent, idtype_t idtype, id_t id, int options) {
  if ((options & WEXITED) == 0 || (options & ~kModelledOptions) != 0) return false;
  if (idtype != P_PID && idtype != P_ALL) return false;
  if (idtype == P_ALL && g_sched->processes[parent].outside_children != 0) return false;
  uint32_t found = 0;
  for (uint32_t i = 1; i < g_sched->process_count; ++i) {
    if (!Reports(i, parent, idtype, id)) continue;
    if (g_sched->processes[i].state == ProcessState::kUncontrolled) return false;
    ++found;
  }
  return found > 0;
}

// The first child (process table order) of process `parent` that the wait reports and whose
// end was an event; -1 if none.
int16_t EndedChild(uint16_t parent, idtype_t idtype, id_t id) {
  for (uint32_t i = 1; i < g_sched->process_count; ++i) {
    if (Reports(i, parent, idtype, id) && g_sched->processes[i].state == ProcessState::kExited) {
      return static_cast<int16_t>(i);
    }
  }
  return -1;
}

// A wait for a child that reaped `pid` (not with WNOWAIT): no later wait reports it.
void NoteReaped(long pid, int options) {
  if (pid <= 0 || (options & WNOWAIT) != 0) return;
  if (int16_t i = ProcessOfPid(static_cast<pid_t>(pid)); i > 0) g_sched->processes[i].reaped = 1;
}

void WaitForChild(idtype_t idtype, id_t id, int options);

// A wait for a child by a controlled thread: `call(idtype, id)` makes the real call for those
// (the wait's own, or the one pid it reaps) and returns the pid reaped, 0, or -errno. When
// every child it may report is a process of the session, the wait is a schedule point and a
// PROCESS_WAIT event (a join: the child's end happened before it): not enabled until such a
// child has ended (WNOHANG: at once), then the real call reaps the first that ended, once the
// kernel has ended it too — so which child, and whether one, is the schedule's. Otherwise it
// waits without the turn as before (no event: what it waits for is outside the session).
template <typename Call>
long ChildWaitCommon(idtype_t idtype, id_t id, int options, Call&& call) {
  if (!ModelledWait(g_process, idtype, id, options)) {
    WaitForChild(idtype, id, options);
    long r = call(idtype, id);
    NoteReaped(r, options);
    return r;
  }
  Thread* self = Self();
  Op op;
  op.kind = WEFT_EV_PROCESS_WAIT;
  op.wait = kWaitChild;
  op.arg = idtype;
  op.mask =
      static_cast<uint64_t>(id) | (static_cast<uint64_t>(static_cast<uint32_t>(options)) << 32);
  if (options & WNOHANG) op.flags |= WEFT_F_TRY;
  Schedule(self, op);
  self->op.kind = WEFT_EV_NONE;
  long r = 0;
  bool outside = false;  // the wait goes on outside the schedule
  if (int16_t ended = EndedChild(g_process, idtype, id); ended >= 0) {
    pid_t pid = static_cast<pid_t>(g_sched->processes[ended].pid);
    AwaitGone(pid, true);
    do {
      r = call(P_PID, static_cast<id_t>(pid));
    } while (r == -EINTR);
    if (r == -ECHILD && idtype != P_PID) {
      // Reaped by the kernel (SIGCHLD ignored): gone, and the wait is for the others.
      g_sched->processes[ended].reaped = 1;
      outside = true;
    }
  } else if ((options & WNOHANG) == 0) {
    // What it waits for left control meanwhile (an exec of a program the shim cannot enter),
    // or is gone (another thread reaped it): the kernel decides.
    outside = true;
  }  // else WNOHANG and no child the wait reports has ended: the kernel agrees (r = 0)
  if (outside) {
    // NB: the event first (arg 0, no TRY): this decision's event may not wait for a process
    // outside the schedule; the wait itself is then no event, as above.
    Emit(self, WEFT_EV_PROCESS_WAIT, op.flags, 0, 0);
    WaitForChild(idtype, id, options);
    r = call(idtype, id);
    NoteReaped(r, options);
    return r;
  }
  NoteReaped(r, options);
  uint16_t flags = op.flags;
  if (r < 0) flags |= WEFT_F_FAILED;
  Emit(self, WEFT_EV_PROCESS_WAIT, flags, 0, r);
  return r;
}

// waitpid's pid in waitid's terms (P_PGID 0: the caller's own group, Linux >= 5.4).
struct WaitTarget {
  idtype_t idtype;
  id_t id;
};
WaitTarget TargetOfPid(pid_t pid) {
  if (pid < -1) return {P_PGID, static_cast<id_t>(-pid)};
  if (pid == -1) return {P_ALL, 0};
  if (pid == 0) return {P_PGID, 0};
  return {P_PID, static_cast<id_t>(pid)};
}

// waitpid and wait4 for a controlled thread: the real call `call(pid)` (pid or -1 with errno).
template <typename Call>
pid_t WaitPidCommon(pid_t pid, int options, Call&& call) {
  WaitTarget target = TargetOfPid(pid);
  int error = -1;  // the real call's errno; -1 while none was made
  long r = ChildWaitCommon(target.idtype, target.id, options | WEXITED, [&](idtype_t t, id_t i) {
    pid_t r = call(t == P_PID ? static_cast<pid_t>(i) : pid);
    error = errno;
    return r < 0 ? static_cast<long>(-error) : static_cast<long>(r);
  });
  if (r < 0) {
    errno = static_cast<int>(-r);
    return -1;
  }
  if (error >= 0) errno = error;
  return static_cast<pid_t>(r);
}

// ---- signals ----

constexpr uint64_t kUnblockable = (1ull << (SIGKILL - 1)) | (1ull << (SIGSTOP - 1));

// sigwait, sigwaitinfo, sigtimedwait: the signal taken, or -errno.
long SignalWaitCommon(const sigset_t* set, siginfo_t* info, uint64_t deadline, uint16_t flags) {
  Thread* self = Self();
  uint64_t kset = KernelSet(set);
  for (;;) {
    Op op;
    op.kind = WEFT_EV_SIGNAL_WAIT;
    op.flags = flags;
    op.mask = kset;
    op.deadline = deadline;
    // NB: set before the schedule point, by the thread holding the turn: a signal already
    // pending makes the wait enabled at once, in every run.
    self->signalled = SignalPending(kset) ? 1 : 0;
    Schedule(self, op);
    struct timespec zero = {0, 0};
    long r = self->expired
                 ? -EAGAIN
                 : RawSyscall(SYS_rt_sigtimedwait, reinterpret_cast<long>(&kset),
                              reinterpret_cast<long>(info), reinterpret_cast<long>(&zero), 8);
    if (r != -EAGAIN || Passed(deadline) || (flags & WEFT_F_TRY)) {
      self->op.kind = WEFT_EV_NONE;
      self->signalled = 0;
      uint16_t out = flags;
      if (r == -EAGAIN) out |= WEFT_F_TIMEDOUT | WEFT_F_FAILED;
      if (r < 0 && r != -EAGAIN) out |= WEFT_F_FAILED;
      Emit(self, WEFT_EV_SIGNAL_WAIT, out, 0, r);
      return r;
    }
  }
}

// sigsuspend (`suspend` = its mask) and pause (`suspend` = nullptr: the current mask):
// waits, every signal blocked, until one the wait would take is pending, then lets it in
// (its handler runs on this thread, holding the turn). Returns -EINTR.
long SuspendCommon(const sigset_t* suspend) {
  Thread* self = Self();
  uint64_t all = ~0ull, old = 0;
  RawSyscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&all),
             reinterpret_cast<long>(&old), 8);
  uint64_t during = suspend != nullptr ? KernelSet(suspend) : old;
  uint64_t wait = ~during & ~kUnblockable;
  long r = -EINTR;
  for (;;) {
    Op op;
    op.kind = WEFT_EV_SIGNAL_WAIT;
    op.mask = wait;
    self->signalled = SignalPending(wait) ? 1 : 0;
    Schedule(self, op);
    if (!SignalPending(wait)) continue;  // taken by another thread meanwhile
    if (suspend != nullptr) {
      r = RawSyscall(SYS_rt_sigsuspend, reinterpret_cast<long>(&during), 8);
    }
    break;
  }
  // pause: the pending signal is delivered when its mask is back, at this call's return.
  RawSyscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&old), 0, 8);
  self->op.kind = WEFT_EV_NONE;
  self->signalled = 0;
  Emit(self, WEFT_EV_SIGNAL_WAIT, 0, 0, r);
  return r;
}

// ---- process exit ----

int (*g_main)(int, char**, char**) = nullptr;

void ExitPoint(int status) {
  // A vfork child runs on its parent's memory and thread: it is not this process's thread.
  if (static_cast<uint32_t>(RawSyscall(SYS_getpid)) != OwnPid()) return;
  Thread* self = Self();
  Op op;
  op.kind = WEFT_EV_PROCESS_EXIT;
  op.arg = status;
  Schedule(self, op);
  self->op.kind = WEFT_EV_NONE;
  Emit(self, WEFT_EV_PROCESS_EXIT, 0, 0, status);
  // Other processes of the session go on: this one's threads end here, the turn goes on.
  LeaveProcess(self);
}

int MainThenExitPoint(int argc, char** argv, char** envp) {
  {
    Guard guard;
    ForkServerAtMain();  // a fork server returns here in each run it forks
  }
  int rc = g_main(argc, argv, envp);
  Guard guard;
  if (Controlled(guard)) ExitPoint(rc);
  return rc;
}

// ---- a signal that ends another process of the session ----

// Whether `sig`'s default action ends the process.
bool EndsByDefault(int sig) {
  switch (sig) {
    case SIGCHLD:
    case SIGCONT:
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
    case SIGURG:
    case SIGWINCH:
      return false;
    default:
      return sig > 0 && sig <= 64;
  }
}

// NB: global scratch: only the thread holding the turn reads a status file.
constinit char g_status[4096] = {};

bool At(const char* s, const char* prefix) {
  for (; *prefix != '\0'; ++s, ++prefix) {
    if (*s != *prefix) return false;
  }
  return true;
}

// The hexadecimal mask after "`field`:\t" in g_status[0..n), 0 if absent.
uint64_t StatusMask(long n, const char* field) {
  size_t len = StrLen(field);
  for (long i = 0; i + static_cast<long>(len) + 1 < n; ++i) {
    if ((i == 0 || g_status[i - 1] == '\n') && At(g_status + i, field) &&
        g_status[i + static_cast<long>(len)] == ':') {
      uint64_t v = 0;
      for (long j = i + static_cast<long>(len) + 1; j < n; ++j) {
        char c = g_status[j];
        if (c == '\t' || c == ' ') continue;
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) break;
        v = v << 4 | static_cast<uint64_t>(d);
      }
      return v;
    }
  }
  return 0;
}

// Whether `sig`, sent to process `pid`, ends it now: its default action ends a process, and
// the process neither catches, ignores nor (its main thread) blocks it (/proc/PID/status).
bool SignalEnds(pid_t pid, int sig) {
  if (sig == SIGKILL) return true;
  if (!EndsByDefault(sig)) return false;
  char path[40] = "/proc/";
  size_t n = 6;
  char digits[12];
  int d = 0;
  for (uint32_t v = static_cast<uint32_t>(pid); v != 0 || d == 0; v /= 10) {
    digits[d++] = static_cast<char>('0' + v % 10);
  }
  while (d > 0) path[n++] = digits[--d];
  CopyBytes(path + n, "/status", 8);
  long fd = RawSyscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  long got = RawSyscall(SYS_read, fd, reinterpret_cast<long>(g_status), sizeof g_status - 1);
  RawSyscall(SYS_close, fd);
  if (got <= 0) return false;
  uint64_t bit = 1ull << (sig - 1);
  return ((StatusMask(got, "SigCgt") | StatusMask(got, "SigIgn") | StatusMask(got, "SigBlk")) &
          bit) == 0;
}

// A controlled thread sent process `index` (kernel pid `pid`) a signal that ends it: waits
// (holding the turn: the dying process needs nothing of the session) until the kernel has
// ended it, then ends its threads in the session, so that what the program asks next (a
// waitpid with WNOHANG, is_alive) finds it dead in every run, not only when it died soon
// enough. At most a second (real time); NB: without pidfd_open (Linux < 5.3) it does not wait.
void AwaitKilled(uint16_t index, pid_t pid) {
  AwaitGone(pid, OurChild(g_sched->processes[index]));
  ProcessKilled(index);
}

}  // namespace

namespace weft::shim {

void ProcessExitPoint(int status) { ExitPoint(status); }

void WaitReadable(int fd) { WaitForFd(fd, POLLIN, 0); }

pid_t WaitPidControlled(pid_t pid, int* status, int options) {
  pid_t r;
  do {
    r = WaitPidCommon(pid, options,
                      [&](pid_t target) { return real.waitpid(target, status, options); });
  } while (r < 0 && errno == EINTR);
  return r;
}

bool ProcessWaitReady(const Thread* t) {
  const Op& op = t->op;
  if (op.flags & WEFT_F_TRY) return true;
  idtype_t idtype = static_cast<idtype_t>(op.arg);
  id_t id = static_cast<id_t>(op.mask & 0xffffffffu);
  // Enabled once a child it reports ended, or once the wait is no longer modelled (a child
  // left control, or none is left): the thread then asks the kernel.
  return EndedChild(t->process, idtype, id) >= 0 ||
         !ModelledWait(t->process, idtype, id, static_cast<int>(op.mask >> 32));
}

int16_t ProcessWaitHolder(const Op& op) {
  if (op.arg != P_PID) return kNoThread;
  int16_t p = ProcessOfPid(static_cast<pid_t>(op.mask & 0xffffffffu));
  if (p < 0) return kNoThread;
  for (uint32_t i = 0; i < g_sched->live_count; ++i) {
    const Thread* t = &g_sched->threads[g_sched->live[i]];
    if (t->process == static_cast<uint16_t>(p)) return static_cast<int16_t>(t->tid);
  }
  return kNoThread;
}

}  // namespace weft::shim

// ---- readiness ----
// NB: a readiness wait on no descriptor, with a timeout, is a sleep (`poll(NULL, 0, ms)`,
// `select(0, NULL, NULL, NULL, &tv)`: old idioms for a short sleep): its end is a SLEEP
// event, so it may end at its deadline while other threads can run, as a sleep may, where a
// readiness wait's timeout (no event) only fires when nothing else can run.
WEFT_EXPORT int poll(struct pollfd* fds, nfds_t nfds, int timeout) {
  Guard guard;
  if (!Controlled(guard)) return real.poll(fds, nfds, timeout);
  if (nfds == 0 && timeout > 0) {
    TimedSleep(DeadlineFromMs(timeout), static_cast<int64_t>(timeout) * 1000000);
    return 0;
  }
  return static_cast<int>(SetErrno(PollCommon(fds, nfds, DeadlineFromMs(timeout), nullptr)));
}

WEFT_EXPORT int ppoll(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout,
                      const sigset_t* sigmask) {
  Guard guard;
  if (!Controlled(guard)) return real.ppoll(fds, nfds, timeout, sigmask);
  if (timeout != nullptr && (timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000)) {
    errno = EINVAL;
    return -1;
  }
  uint64_t deadline = DeadlineFromRel(timeout);
  if (timeout != nullptr && timeout->tv_sec == 0 && timeout->tv_nsec == 0) deadline = 0;
  return static_cast<int>(SetErrno(PollCommon(fds, nfds, deadline, sigmask)));
}

WEFT_EXPORT int select(int nfds, fd_set* r, fd_set* w, fd_set* e, struct timeval* timeout) {
  Guard guard;
  if (!Controlled(guard) || nfds > static_cast<int>(FD_SETSIZE)) {
    return real.select(nfds, r, w, e, timeout);
  }
  if (timeout != nullptr && (timeout->tv_usec < 0 || timeout->tv_usec >= 1000000)) {
    errno = EINVAL;
    return -1;
  }
  uint64_t deadline = kNoDeadline;
  if (timeout != nullptr) {
    struct timespec rel = {timeout->tv_sec, timeout->tv_usec * 1000};
    deadline = (rel.tv_sec == 0 && rel.tv_nsec == 0) ? 0 : DeadlineFromRel(&rel);
    if (deadline != 0 && (nfds <= 0 || (r == nullptr && w == nullptr && e == nullptr))) {
      TimedSleep(deadline, static_cast<int64_t>(rel.tv_sec) * 1000000000 + rel.tv_nsec);
      *timeout = {0, 0};  // Linux: the time not slept
      return 0;
    }
  }
  long rc = SelectCommon(nfds, r, w, e, deadline, nullptr);
  if (timeout != nullptr && rc >= 0) *timeout = {0, 0};  // Linux: the time not slept
  return static_cast<int>(SetErrno(rc));
}

WEFT_EXPORT int pselect(int nfds, fd_set* r, fd_set* w, fd_set* e, const struct timespec* timeout,
                        const sigset_t* sigmask) {
  Guard guard;
  if (!Controlled(guard) || nfds > static_cast<int>(FD_SETSIZE)) {
    return real.pselect(nfds, r, w, e, timeout, sigmask);
  }
  if (timeout != nullptr && (timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000)) {
    errno = EINVAL;
    return -1;
  }
  uint64_t deadline = DeadlineFromRel(timeout);
  if (timeout != nullptr && timeout->tv_sec == 0 && timeout->tv_nsec == 0) deadline = 0;
  return static_cast<int>(SetErrno(SelectCommon(nfds, r, w, e, deadline, sigmask)));
}

WEFT_EXPORT int epoll_wait(int epfd, struct epoll_event* events, int max, int timeout) {
  Guard guard;
  if (!Controlled(guard)) return real.epoll_wait(epfd, events, max, timeout);
  return static_cast<int>(SetErrno(EpollCommon(epfd, events, max, timeout, nullptr)));
}

WEFT_EXPORT int epoll_pwait(int epfd, struct epoll_event* events, int max, int timeout,
                            const sigset_t* sigmask) {
  Guard guard;
  if (!Controlled(guard)) return real.epoll_pwait(epfd, events, max, timeout, sigmask);
  return static_cast<int>(SetErrno(EpollCommon(epfd, events, max, timeout, sigmask)));
}

// ---- blocking calls on one descriptor ----
WEFT_EXPORT ssize_t read(int fd, void* buf, size_t count) {
  {
    Guard guard;
    struct iovec one = {buf, count};
    if (Controlled(guard)) {
      if (ssize_t fed; FedRead(fd, &one, 1, &fed)) return fed;
      if (ssize_t got; RandomDeviceRead(fd, buf, count, &got)) return got;
      if (uint32_t file = FileEventObject(fd); file != 0) {
        return FileAccess(WEFT_EV_FILE_READ, file, [&] { return real.read_fn(fd, buf, count); });
      }
      if (uint32_t channel = ChannelEventObject(fd); channel != 0) {
        return ChannelAccess(WEFT_EV_CHANNEL_RECV, channel, fd, POLLIN, 0,
                             [&] { return real.read_fn(fd, buf, count); });
      }
      WaitForFd(fd, POLLIN, 0);
    } else if (Free(guard) && ReadsOutside(fd)) {
      return RecordedRead(fd, &one, 1, [&] { return real.read_fn(fd, buf, count); });
    }
  }
  return real.read_fn(fd, buf, count);
}

WEFT_EXPORT ssize_t write(int fd, const void* buf, size_t count) {
  {
    Guard guard;
    if (Controlled(guard)) {
      if (uint32_t file = FileEventObject(fd); file != 0) {
        return FileAccess(WEFT_EV_FILE_WRITE, file, [&] { return real.write_fn(fd, buf, count); });
      }
      if (uint32_t channel = ChannelEventObject(fd); channel != 0) {
        struct iovec one = {const_cast<void*>(buf), count};
        return ChannelWrite(channel, fd, &one, 1, 0,
                            [&] { return WriteNotHoldingTurn(fd, buf, count); });
      }
    }
    if (Controlled(guard)) return WriteNotHoldingTurn(fd, buf, count);
  }
  return real.write_fn(fd, buf, count);
}

WEFT_EXPORT ssize_t writev(int fd, const struct iovec* iov, int iovcnt) {
  {
    Guard guard;
    if (Controlled(guard)) {
      if (uint32_t file = FileEventObject(fd); file != 0) {
        return FileAccess(WEFT_EV_FILE_WRITE, file, [&] { return real.writev(fd, iov, iovcnt); });
      }
      if (uint32_t channel = ChannelEventObject(fd); channel != 0) {
        return ChannelWrite(channel, fd, iov, iovcnt, 0,
                            [&] { return WritevNotHoldingTurn(fd, iov, iovcnt); });
      }
      return WritevNotHoldingTurn(fd, iov, iovcnt);
    }
  }
  return real.writev(fd, iov, iovcnt);
}

namespace {

// A send that does not hold the turn while it blocks (WriteInPieces), the real call's result.
long SendNotHoldingTurn(int fd, const void* buf, size_t len, int flags) {
  if (!(flags & MSG_DONTWAIT) && MayBlockWriting(fd, len)) {
    struct iovec one = {const_cast<void*>(buf), len};
    long n = WriteInPieces(fd, &one, 1, flags);
    if (n != -ENOSYS) return SetErrno(n);
    WaitForFd(fd, POLLOUT, flags);  // a datagram: one call, once there is room
  }
  return real.send(fd, buf, len, flags);
}

}  // namespace

WEFT_EXPORT ssize_t send(int fd, const void* buf, size_t len, int flags) {
  {
    Guard guard;
    if (Controlled(guard)) {
      if (uint32_t channel = ChannelEventObject(fd); channel != 0) {
        struct iovec one = {const_cast<void*>(buf), len};
        return ChannelWrite(channel, fd, &one, 1, flags,
                            [&] { return SendNotHoldingTurn(fd, buf, len, flags); });
      }
      return SendNotHoldingTurn(fd, buf, len, flags);
    }
  }
  return real.send(fd, buf, len, flags);
}

WEFT_EXPORT ssize_t sendto(int fd, const void* buf, size_t len, int flags,
                           const struct sockaddr* to, socklen_t tolen) {
  {
    Guard guard;
    if (Controlled(guard)) {
      uint32_t channel = to != nullptr ? ChannelObjectOfAddress(to, tolen) : 0;
      if (channel == 0) channel = ChannelEventObject(fd);
      auto call = [&] {
        WaitForFd(fd, POLLOUT, flags);
        return real.sendto(fd, buf, len, flags, to, tolen);
      };
      if (channel != 0) return ChannelAccess(WEFT_EV_CHANNEL_SEND, channel, fd, 0, 0, call);
      return call();
    }
  }
  return real.sendto(fd, buf, len, flags, to, tolen);
}

WEFT_EXPORT ssize_t sendmsg(int fd, const struct msghdr* msg, int flags) {
  {
    Guard guard;
    if (Controlled(guard)) {
      uint32_t channel = 0;
      if (!IsNull(msg) && msg->msg_name != nullptr) {
        channel =
            ChannelObjectOfAddress(static_cast<const sockaddr*>(msg->msg_name), msg->msg_namelen);
      }
      if (channel == 0) channel = ChannelEventObject(fd);
      auto call = [&] {
        WaitForFd(fd, POLLOUT, flags);
        return real.sendmsg(fd, msg, flags);
      };
      if (channel != 0) return ChannelAccess(WEFT_EV_CHANNEL_SEND, channel, fd, 0, 0, call);
      return call();
    }
  }
  return real.sendmsg(fd, msg, flags);
}

namespace {

// A receive: a channel event (its point, then the wait for data, then the call), or only the
// wait. Returns the real call's result.
template <typename Call>
long ReceiveCommon(int fd, int flags, Call&& call) {
  if (uint32_t channel = ChannelEventObject(fd); channel != 0) {
    return ChannelAccess(WEFT_EV_CHANNEL_RECV, channel, fd, POLLIN, flags, call);
  }
  WaitForFd(fd, POLLIN, flags);
  return call();
}

// A receive is an input (inputs.h) when its descriptor leads outside: recorded in a free
// recording (its bytes only: not the sender's address nor ancillary data), fed in a replay.
template <typename Call>
long ReceiveHook(const Guard& guard, int fd, int flags, const struct iovec* iov, int iovcnt,
                 Call&& call) {
  if (!Controlled(guard)) {
    if (Free(guard) && ReadsOutside(fd)) return RecordedRead(fd, iov, iovcnt, call);
    return call();
  }
  if (ssize_t fed; FedRead(fd, iov, iovcnt, &fed)) return fed;
  return ReceiveCommon(fd, flags, call);
}

}  // namespace

WEFT_EXPORT ssize_t recv(int fd, void* buf, size_t len, int flags) {
  Guard guard;
  auto call = [&] { return real.recv(fd, buf, len, flags); };
  struct iovec one = {buf, len};
  return ReceiveHook(guard, fd, flags, &one, 1, call);
}

WEFT_EXPORT ssize_t recvfrom(int fd, void* buf, size_t len, int flags, struct sockaddr* from,
                             socklen_t* fromlen) {
  Guard guard;
  auto call = [&] { return real.recvfrom(fd, buf, len, flags, from, fromlen); };
  struct iovec one = {buf, len};
  return ReceiveHook(guard, fd, flags, &one, 1, call);
}

WEFT_EXPORT ssize_t recvmsg(int fd, struct msghdr* msg, int flags) {
  Guard guard;
  auto call = [&] { return real.recvmsg(fd, msg, flags); };
  if (IsNull(msg)) return call();
  struct iovec* iov = msg->msg_iov;
  int iovcnt = static_cast<int>(msg->msg_iovlen);
  return ReceiveHook(guard, fd, flags, iov, iovcnt, call);
}

namespace {

// An accept: a channel event on the listening socket's service, or only the wait.
template <typename Call>
int AcceptCommon(int fd, Call&& call) {
  uint32_t channel = ChannelEventObject(fd);
  long r = 0;
  if (channel != 0) {
    r = ChannelAccess(WEFT_EV_CHANNEL_ACCEPT, channel, fd, POLLIN, 0, call);
  } else {
    WaitForFd(fd, POLLIN, 0);
    r = call();
  }
  if (r >= 0) NoteAccepted(static_cast<int>(r));
  return static_cast<int>(r);
}

}  // namespace

WEFT_EXPORT int accept(int fd, struct sockaddr* addr, socklen_t* len) {
  Guard guard;
  auto call = [&] { return static_cast<long>(real.accept(fd, addr, len)); };
  if (!Controlled(guard)) return static_cast<int>(call());
  return AcceptCommon(fd, call);
}

WEFT_EXPORT int accept4(int fd, struct sockaddr* addr, socklen_t* len, int flags) {
  Guard guard;
  auto call = [&] { return static_cast<long>(real.accept4(fd, addr, len, flags)); };
  if (!Controlled(guard)) return static_cast<int>(call());
  return AcceptCommon(fd, call);
}

// ---- child processes ----
WEFT_EXPORT pid_t waitpid(pid_t pid, int* status, int options) {
  Guard guard;
  if (!Controlled(guard)) return real.waitpid(pid, status, options);
  return WaitPidCommon(pid, options,
                       [&](pid_t target) { return real.waitpid(target, status, options); });
}

WEFT_EXPORT pid_t wait(int* status) {
  Guard guard;
  if (!Controlled(guard)) return real.wait4(-1, status, 0, nullptr);
  return WaitPidCommon(-1, 0, [&](pid_t target) { return real.wait4(target, status, 0, nullptr); });
}

WEFT_EXPORT pid_t wait4(pid_t pid, int* status, int options, struct rusage* usage) {
  Guard guard;
  if (!Controlled(guard)) return real.wait4(pid, status, options, usage);
  return WaitPidCommon(pid, options,
                       [&](pid_t target) { return real.wait4(target, status, options, usage); });
}

// NB: glibc's wait3 calls wait4 inside libc, where no hook sees it (dash waits for a
// pipeline's processes with it).
WEFT_EXPORT pid_t wait3(int* status, int options, struct rusage* usage) {
  Guard guard;
  if (!Controlled(guard)) return real.wait4(-1, status, options, usage);
  return WaitPidCommon(-1, options,
                       [&](pid_t target) { return real.wait4(target, status, options, usage); });
}

WEFT_EXPORT int waitid(idtype_t idtype, id_t id, siginfo_t* info, int options) {
  Guard guard;
  if (!Controlled(guard)) return real.waitid(idtype, id, info, options);
  int error = -1;  // the real call's errno; -1 while none was made
  long r = ChildWaitCommon(idtype, id, options, [&](idtype_t t, id_t i) {
    siginfo_t own;
    siginfo_t* out = info != nullptr ? info : &own;
    out->si_pid = 0;
    int rc = real.waitid(t, i, out, options);
    error = errno;
    return rc < 0 ? static_cast<long>(-error) : static_cast<long>(out->si_pid);
  });
  if (r < 0) {
    errno = static_cast<int>(-r);
    return -1;
  }
  if (r == 0 && info != nullptr) info->si_pid = 0;  // WNOHANG, none ended (as the kernel)
  if (error >= 0) errno = error;
  return 0;
}

// ---- signals ----
WEFT_EXPORT int sigwait(const sigset_t* set, int* sig) {
  Guard guard;
  if (!Controlled(guard) || IsNull(set)) return real.sigwait(set, sig);
  long r = SignalWaitCommon(set, nullptr, kNoDeadline, 0);
  if (r < 0) return static_cast<int>(-r);
  if (!IsNull(sig)) *sig = static_cast<int>(r);
  return 0;
}

WEFT_EXPORT int sigwaitinfo(const sigset_t* set, siginfo_t* info) {
  Guard guard;
  if (!Controlled(guard) || IsNull(set)) return real.sigwaitinfo(set, info);
  return static_cast<int>(SetErrno(SignalWaitCommon(set, info, kNoDeadline, 0)));
}

WEFT_EXPORT int sigtimedwait(const sigset_t* set, siginfo_t* info, const struct timespec* timeout) {
  Guard guard;
  if (!Controlled(guard) || IsNull(set)) return real.sigtimedwait(set, info, timeout);
  if (timeout != nullptr && (timeout->tv_nsec < 0 || timeout->tv_nsec >= 1000000000)) {
    errno = EINVAL;
    return -1;
  }
  uint16_t flags = 0;
  uint64_t deadline = kNoDeadline;
  if (timeout != nullptr) {
    if (timeout->tv_sec == 0 && timeout->tv_nsec == 0) {
      flags = WEFT_F_TRY;
    } else {
      flags = WEFT_F_TIMED;
      deadline = DeadlineFromRel(timeout);
    }
  }
  return static_cast<int>(SetErrno(SignalWaitCommon(set, info, deadline, flags)));
}

WEFT_EXPORT int sigsuspend(const sigset_t* mask) {
  Guard guard;
  if (!Controlled(guard) || IsNull(mask)) return real.sigsuspend(mask);
  return static_cast<int>(SetErrno(SuspendCommon(mask)));
}

WEFT_EXPORT int pause(void) {
  Guard guard;
  if (!Controlled(guard)) return real.pause();
  return static_cast<int>(SetErrno(SuspendCommon(nullptr)));
}

WEFT_EXPORT int pthread_kill(pthread_t thread, int sig) {
  Guard guard;
  int rc = real.pthread_kill(thread, sig);
  if (rc == 0 && sig != 0 && Controlled(guard)) {
    Thread* target = ThreadByHandle(thread);
    if (target != nullptr) NoteSignalSent(target, sig);
  }
  return rc;
}

WEFT_EXPORT int kill(pid_t pid, int sig) {
  Guard guard;
  int rc = real.kill_fn(pid, sig);
  if (rc == 0 && sig != 0 && Controlled(guard)) {
    long self_pid = RawSyscall(SYS_getpid);
    if (pid == self_pid || pid == 0 || pid == -1) {
      NoteSignalSent(nullptr, sig);
    } else if (int16_t p = pid > 0 ? ProcessOfPid(pid) : -1; p >= 0) {
      // Another process of the session: SIGKILL ends its threads now (they wait for the
      // turn, which this thread holds); another signal may end its signal waits.
      if (SignalEnds(pid, sig)) {
        AwaitKilled(static_cast<uint16_t>(p), pid);
      } else {
        NoteSignalSentToProcess(static_cast<uint16_t>(p), sig);
      }
    }
  }
  return rc;
}

// ---- process exit ----
WEFT_EXPORT void exit(int status) {
  {
    Guard guard;
    if (Controlled(guard)) ExitPoint(status);
  }
  real.exit_fn(status);
}

WEFT_EXPORT void _exit(int status) {
  {
    Guard guard;
    if (Controlled(guard)) ExitPoint(status);
  }
  real._exit_fn(status);
}

// Wraps main, so that its return is a schedule point before exit (libc calls exit itself,
// where no hook sees it).
WEFT_EXPORT int __libc_start_main(int (*main)(int, char**, char**), int argc, char** argv,
                                  void (*init)(void), void (*fini)(void), void (*rtld_fini)(void),
                                  void* stack_end) {
  {
    Guard guard;
    Controlled(guard);  // resolves the real functions if no hook has yet
  }
  g_main = main;
  return real.__libc_start_main(MainThenExitPoint, argc, argv, init, fini, rtld_fini, stack_end);
}
