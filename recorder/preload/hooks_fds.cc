// hooks_fds.cc — weft's own descriptors in the program, kept out of its way: the session's
// memory (WEFT_SESSION_FD, placed at a high number by weft) and the pipe the unwinder opens
// to probe memory (moved up as it is made, see OwnFdsScope). The program's own descriptors
// then get the numbers they get natively (its first open is 3).
// A process that closes every descriptor it did not open (close_range(3, ~0U), closefrom, a
// loop of close — what a subprocess library does between fork and exec) would otherwise
// close them, and the image it execs next would run uncontrolled. To the program they do not
// exist, as natively: a close of one fails with EBADF, and a range leaves them open
// (CLOSE_RANGE_CLOEXEC does not mark them either).
// NB: dup2 onto one of their numbers, or F_SETFD FD_CLOEXEC on it, still takes it: the exec
// that follows sees the session's gone (SessionFdInherited) and lets its image run
// uncontrolled, as the trace then says.
#include <errno.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "control.h"
#include "file_model.h"
#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

#undef close

using namespace weft::shim;

namespace {

// Descriptors made while an OwnFdsScope is open (the unwinder's pipe); -1 = none.
constexpr int kMaxOwnFds = 4;
constinit int g_own_fds[kMaxOwnFds] = {-1, -1, -1, -1};
constinit bool g_making_own_fds = false;

bool IsWeftFd(long fd) {
  if (fd < 0) return false;
  if (fd == SessionFd()) return true;
  for (int own : g_own_fds) {
    if (own == fd) return true;
  }
  return false;
}

// `fd` moved to a number above the session's (closing the one it had); `fd` itself when
// the open-file limit leaves no room there.
int MoveUp(int fd) {
  long floor = SessionFd() > 0 ? SessionFd() + 1 : 1001;
  long high = RawSyscall(SYS_fcntl, fd, F_DUPFD_CLOEXEC, floor);
  if (high < 0) return fd;
  RawSyscall(SYS_close, fd);
  for (int& own : g_own_fds) {
    if (own < 0) {
      own = static_cast<int>(high);
      break;
    }
  }
  return static_cast<int>(high);
}

long CloseRangeRaw(unsigned first, unsigned last, int flags) {
  if (real.close_range != nullptr) {
    int rc = real.close_range(first, last, flags);
    return rc == 0 ? 0 : -errno;
  }
  return RawSyscall(SYS_close_range, first, last, flags);
}

// close_range over [first, last] without weft's descriptors: the gaps between them.
long CloseRangeAround(unsigned first, unsigned last, int flags) {
  uint64_t from = first;
  for (;;) {
    long next = -1;  // the lowest of weft's descriptors in [from, last]
    auto consider = [&](long fd) {
      if (fd >= 0 && static_cast<uint64_t>(fd) >= from && static_cast<uint64_t>(fd) <= last &&
          (next < 0 || fd < next)) {
        next = fd;
      }
    };
    consider(SessionFd());
    for (int own : g_own_fds) consider(own);
    if (next < 0) return CloseRangeRaw(static_cast<unsigned>(from), last, flags);
    if (static_cast<uint64_t>(next) > from) {
      long rc = CloseRangeRaw(static_cast<unsigned>(from), static_cast<unsigned>(next - 1), flags);
      if (rc != 0) return rc;
    }
    if (static_cast<uint64_t>(next) == last) return 0;
    from = static_cast<uint64_t>(next) + 1;
  }
}

}  // namespace

namespace weft::shim {

OwnFdsScope::OwnFdsScope() { g_making_own_fds = true; }
OwnFdsScope::~OwnFdsScope() { g_making_own_fds = false; }

// A controlled program's pipes hold kSessionPipeBytes (F_SETPIPE_SZ; the kernel's default is
// 64 KiB, and /proc/sys/fs/pipe-max-size, 1 MiB by default, what it lets a user set; past
// pipe-user-pages-soft a user's pipes keep their size). NB: stdio writes a pipe with its
// own write, which no hook sees: a writer that fills the pipe blocks there holding the
// turn, and the reader that would drain it cannot run until another thread takes the turn
// from the writer, after a while of real time (TakeTurnFromBlockedHolder: the run is not
// deterministic there). A bigger pipe makes that rarer: seq 1 100000 (589 KB) into a shell
// pipeline's pipe, or popen's.
constexpr long kSessionPipeBytes = 1024 * 1024;

void GrowSessionPipe(int fd) { RawSyscall(SYS_fcntl, fd, F_SETPIPE_SZ, kSessionPipeBytes); }

}  // namespace weft::shim

WEFT_EXPORT int pipe2(int fds[2], int flags) {
  long rc = RawSyscall(SYS_pipe2, reinterpret_cast<long>(fds), flags);
  if (rc < 0) {
    errno = static_cast<int>(-rc);
    return -1;
  }
  if (g_making_own_fds) {
    // NB: F_DUPFD_CLOEXEC: the unwinder makes its pipe O_CLOEXEC, and weft's stay out of
    // an exec'd image (which makes its own).
    fds[0] = MoveUp(fds[0]);
    fds[1] = MoveUp(fds[1]);
    return 0;
  }
  Guard guard;
  if (Controlled(guard)) GrowSessionPipe(fds[1]);
  return 0;
}

// glibc's pipe makes the system call itself (no pipe2 through the PLT).
WEFT_EXPORT int pipe(int fds[2]) { return pipe2(fds, 0); }

namespace {

int RealClose(int fd) {
  if (real.close_fn != nullptr) return real.close_fn(fd);
  long rc = RawSyscall(SYS_close, fd);
  if (rc < 0) {
    errno = static_cast<int>(-rc);
    return -1;
  }
  return 0;
}

}  // namespace

WEFT_EXPORT int close(int fd) {
  if (IsWeftFd(fd)) {
    errno = EBADF;
    return -1;
  }
  // A close that drops the process's record locks on a file is their release (file_model.h).
  if (int r = 0; CloseDropsRecordLocks(fd, RealClose, &r)) return r;
  return RealClose(fd);
}

WEFT_EXPORT int close_range(unsigned first, unsigned last, int flags) {
  long rc = first > last ? CloseRangeRaw(first, last, flags) : CloseRangeAround(first, last, flags);
  if (rc < 0) {
    errno = static_cast<int>(-rc);
    return -1;
  }
  return 0;
}

WEFT_EXPORT void closefrom(int lowfd) {
  if (lowfd < 0) lowfd = 0;
  // NB: glibc's closefrom is close_range(lowfd, ~0U); on a kernel without close_range
  // (before 5.9) it scans /proc/self/fd, and so does this fallback, weft's descriptors too.
  if (CloseRangeAround(static_cast<unsigned>(lowfd), ~0u, 0) == -ENOSYS &&
      real.closefrom != nullptr) {
    real.closefrom(lowfd);
  }
}
