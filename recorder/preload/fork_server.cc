// fork_server.cc — a process started once and forked for every run (weft explore's fork
// server, WEFT_MODE_FORK_SERVER). At the start of main, with start-up done and nothing of
// the program's own run yet, it checks that a fork from here is what an exec would have
// given (one thread, no descriptor of its own, nothing recorded since start-up), says so on
// its socket, and then forks one child per request. The child waits until weft traces it,
// takes over the request's session (its own scheduler state, ring, chooser, descriptors,
// mount namespace and working directory) and returns into main: from there on it is the
// run an exec would have started.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "control.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {
namespace {

constexpr long kSessionAddress = 0x100000000000;  // control_start.cc maps the session there

// NB: globals, not locals: a request is 4 KiB and the shim's frames stay under 1 KiB.
constinit weft_fork_request g_request = {};
constinit weft_fork_reply g_reply = {};
alignas(8) constinit char g_control[CMSG_SPACE(sizeof(int) * WEFT_FORK_MAX_FDS)] = {};
alignas(8) constinit char g_dirents[4096] = {};

// Appends `text` to `out` (NUL-terminated, at most `cap` bytes with the NUL).
void Append(char* out, size_t cap, const char* text) {
  size_t n = StrLen(out);
  for (; *text != '\0' && n + 1 < cap; ++text) out[n++] = *text;
  out[n] = '\0';
}

void AppendNumber(char* out, size_t cap, uint64_t v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  char text[24];
  for (int i = 0; i < n; ++i) text[i] = digits[n - 1 - i];
  text[n] = '\0';
  Append(out, cap, text);
}

long ParseNumber(const char* s) {
  long v = 0;
  if (*s == '\0') return -1;
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9') return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

// Calls `each(number)` for every numeric entry of the directory `path`; false if it cannot
// be read.
template <typename F>
bool ForEachNumbered(const char* path, F each) {
  long dir = RawSyscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path),
                        O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return false;
  for (;;) {
    long n = RawSyscall(SYS_getdents64, dir, reinterpret_cast<long>(g_dirents), sizeof(g_dirents));
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name
      unsigned short reclen;
      CopyBytes(&reclen, g_dirents + off + 16, sizeof(reclen));
      long v = ParseNumber(g_dirents + off + 19);
      if (v >= 0 && v != dir) each(v);
      off += reclen;
    }
  }
  RawSyscall(SYS_close, dir);
  return true;
}

// The descriptors open at start-up (inherited through the exec, as every exec'd run
// inherits them), one bit each below kTrackedFds; a descriptor above is never inherited.
constexpr long kTrackedFds = 4096;
constinit uint64_t g_start_fds[kTrackedFds / 64] = {};

bool OpenAtStart(long fd) {
  return fd < kTrackedFds && (g_start_fds[fd / 64] >> (fd % 64) & 1) != 0;
}

}  // namespace

void NoteStartFds() {
  ForEachNumbered("/proc/self/fd", [](long fd) {
    if (fd < kTrackedFds) g_start_fds[fd / 64] |= 1ull << (fd % 64);
  });
}

namespace {

// Why a fork from here would not be the run an exec gives, into g_reply.message; false if
// it would be.
bool NotForkSafe(int sock) {
  char* why = g_reply.message;
  const size_t cap = sizeof(g_reply.message);
  why[0] = '\0';
  if (reinterpret_cast<long>(g_session) != kSessionAddress) {
    Append(why, cap, "its session memory is not at weft's fixed address");
    return true;
  }
  if (__atomic_load_n(&g_session->ring_head, __ATOMIC_ACQUIRE) != RingHeadAtStart()) {
    Append(why, cap, "it did something weft schedules before main (in a constructor)");
    return true;
  }
  uint64_t threads = 0;
  if (!ForEachNumbered("/proc/self/task", [&](long) { ++threads; })) {
    Append(why, cap, "/proc/self/task cannot be read");
    return true;
  }
  if (threads != 1) {
    Append(why, cap, "it has ");
    AppendNumber(why, cap, threads);
    Append(why, cap, " threads before main");
    return true;
  }
  long own = -1;
  const long session_fd = SessionFd();
  if (!ForEachNumbered("/proc/self/fd", [&](long fd) {
        if (fd > 2 && fd != sock && fd != session_fd && !OpenAtStart(fd) && own < 0) own = fd;
      })) {
    Append(why, cap, "/proc/self/fd cannot be read");
    return true;
  }
  if (own >= 0) {
    Append(why, cap, "it has fd ");
    AppendNumber(why, cap, static_cast<uint64_t>(own));
    char path[32] = "/proc/self/fd/";
    AppendNumber(path, sizeof(path), static_cast<uint64_t>(own));
    char target[96];
    long n = RawSyscall(SYS_readlinkat, AT_FDCWD, reinterpret_cast<long>(path),
                        reinterpret_cast<long>(target), sizeof(target) - 1);
    if (n > 0) {
      target[n] = '\0';
      Append(why, cap, " (");
      Append(why, cap, target);
      Append(why, cap, ")");
    }
    Append(why, cap, " open before main, which its runs would share");
    return true;
  }
  return false;
}

bool Send(int sock) {
  for (;;) {
    long r = RawSyscall(SYS_sendto, sock, reinterpret_cast<long>(&g_reply), sizeof(g_reply),
                        MSG_NOSIGNAL, 0, 0);
    if (r == -EINTR) continue;
    return r == static_cast<long>(sizeof(g_reply));
  }
}

// The next request and its descriptors (fds[0..*count)); false when weft closed the socket.
bool Receive(int sock, int* fds, int* count) {
  struct iovec iov = {&g_request, sizeof(g_request)};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = g_control;
  msg.msg_controllen = sizeof(g_control);
  long r;
  while ((r = RawSyscall(SYS_recvmsg, sock, reinterpret_cast<long>(&msg), MSG_CMSG_CLOEXEC)) ==
         -EINTR) {
  }
  *count = 0;
  if (r <= 0) return false;
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    int n = static_cast<int>((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    for (int i = 0; i < n && *count < static_cast<int>(WEFT_FORK_MAX_FDS); ++i) {
      CopyBytes(&fds[(*count)++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
    }
  }
  if (r != static_cast<long>(sizeof(g_request)) || g_request.magic != WEFT_FORK_REQUEST_MAGIC ||
      (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0) {
    *count = -1;  // not a request weft sends
  }
  return true;
}

void CloseAll(const int* fds, int count) {
  for (int i = 0; i < count; ++i) RawSyscall(SYS_close, fds[i]);
}

// Puts `fd` at `target` (without FD_CLOEXEC) and closes `fd`.
void MoveFd(int fd, int target) {
  if (fd == target) {
    RawSyscall(SYS_fcntl, fd, F_SETFD, 0);
    return;
  }
  if (RawSyscall(SYS_dup2, fd, target) < 0) Die("the fork server's child cannot set up its fds");
  RawSyscall(SYS_close, fd);
}

// The forked child: waits until weft traces it, then becomes the request's run.
void BecomeRun(int sock, const int* fds, int count) {
  RawSyscall(SYS_close, sock);
  char go = 0;
  long r;
  while ((r = RawSyscall(SYS_read, fds[1], reinterpret_cast<long>(&go), 1)) == -EINTR) {
  }
  if (r != 1) RawSyscall(SYS_exit_group, 127);  // weft gave the run up
  RawSyscall(SYS_close, fds[1]);

  // The run's session, where the server's was (so the program's mappings are an exec's).
  struct stat st;
  if (RawSyscall(SYS_fstat, fds[0], reinterpret_cast<long>(&st)) != 0 ||
      static_cast<uint64_t>(st.st_size) < sizeof(weft_session)) {
    Die("the fork server's child got no session");
  }
  long p = RawSyscall(SYS_mmap, 0, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fds[0], 0);
  if (p < 0 && p > -4096) Die("the fork server's child cannot map its session");
  auto* run = reinterpret_cast<weft_session*>(p);
  weft_session* server = g_session;
  if (run->magic != WEFT_SESSION_MAGIC || run->protocol != WEFT_SHIM_PROTOCOL_VERSION ||
      run->mode != WEFT_MODE_CONTROLLED) {
    Die("the fork server's child got a session that is not a run's");
  }
  // What start-up reported in the server's session, it would have reported in this one.
  run->memory = server->memory;
  run->atomic_patched = server->atomic_patched;
  run->atomic_unpatched = server->atomic_unpatched;
  RawSyscall(SYS_munmap, reinterpret_cast<long>(server), static_cast<long>(server->size));
  p = RawSyscall(SYS_mremap, p, st.st_size, st.st_size, MREMAP_MAYMOVE | MREMAP_FIXED,
                 kSessionAddress);
  if (p != kSessionAddress) RawSyscall(SYS_exit_group, WEFT_SHIM_EXIT_CODE);
  run = reinterpret_cast<weft_session*>(p);
  g_session = run;  // NB: from here on Die reports into the run's session
  uint32_t pid = static_cast<uint32_t>(RawSyscall(SYS_getpid));
  uint32_t expected = 0;
  if (!__atomic_compare_exchange_n(&run->claimed_pid, &expected, pid, false, __ATOMIC_ACQ_REL,
                                   __ATOMIC_ACQUIRE)) {
    Die("the fork server's child got a session another process has claimed");
  }

  int next = 2;
  const uint32_t flags = g_request.fds;
  int stdio[3] = {-1, -1, -1};
  for (int i = 0; i < 3; ++i) {
    if ((flags & (1u << i)) != 0) stdio[i] = next < count ? fds[next++] : -1;
  }
  if ((flags & WEFT_FORK_MOUNT_NS) != 0) {
    int ns = next < count ? fds[next++] : -1;
    // NB: setns puts this process at the namespace's root: the chdir below follows it.
    if (RawSyscall(SYS_setns, ns, CLONE_NEWNS) < 0) {
      Die("the fork server's child cannot join its run's private view of the files (setns)");
    }
    RawSyscall(SYS_close, ns);
  }
  g_request.cwd[sizeof(g_request.cwd) - 1] = '\0';
  if (g_request.cwd[0] != '\0' &&
      RawSyscall(SYS_chdir, reinterpret_cast<long>(g_request.cwd)) < 0) {
    Die("the fork server's child cannot change into its run's working directory");
  }
  for (int i = 0; i < 3; ++i) {
    if (stdio[i] >= 0) MoveFd(stdio[i], i);
  }
  // NB: at the number the environment names (WEFT_SESSION_FD), as in an exec'd run.
  MoveFd(fds[0], static_cast<int>(SessionFd()));
  TakeOverSession(pid);
}

// A child forked ahead of its request: it takes the next request from the socket itself,
// answers with its own pid, tells the server (one byte on `taken`, so that the server forks
// the next one while this run goes on) and becomes the run. It exits when weft closes the
// socket.
void WaitForRequest(int sock, int taken) {
  for (;;) {
    int fds[WEFT_FORK_MAX_FDS];
    int count = 0;
    if (!Receive(sock, fds, &count)) RawSyscall(SYS_exit_group, 0);
    ZeroBytes(&g_reply, sizeof(g_reply));
    if (count < 2) {
      CloseAll(fds, count < 0 ? 0 : count);
      g_reply.status = 2;
      Append(g_reply.message, sizeof(g_reply.message), "a request the fork server cannot read");
      if (!Send(sock)) RawSyscall(SYS_exit_group, 0);
      continue;
    }
    g_reply.pid = static_cast<int32_t>(RawSyscall(SYS_getpid));
    if (!Send(sock)) RawSyscall(SYS_exit_group, 0);
    char one = 1;
    while (RawSyscall(SYS_write, taken, reinterpret_cast<long>(&one), 1) == -EINTR) {
    }
    RawSyscall(SYS_close, taken);
    BecomeRun(sock, fds, count);
    return;
  }
}

}  // namespace

void ForkServerAtMain() {
  if (g_state != ShimState::kOn || g_session == nullptr ||
      g_session->mode != WEFT_MODE_FORK_SERVER) {
    return;
  }
  const int sock = g_session->fork_server_fd;
  // glibc's fork without the program's atfork handlers (2.34+), else its fork.
  pid_t (*fork_fn)() = real.fork_no_handlers != nullptr ? real.fork_no_handlers : real.fork;

  ZeroBytes(&g_reply, sizeof(g_reply));
  if (NotForkSafe(sock)) {
    g_reply.status = 1;
    Send(sock);
    RawSyscall(SYS_exit_group, 0);
  }
  if (!Send(sock)) RawSyscall(SYS_exit_group, 0);
  UnpinForkServer();
  // NB: each run's child is forked before its request comes (while the run before it goes
  // on), so a request costs weft a wake-up of that child, not a fork.
  for (;;) {
    // The runs that ended are weft's to wait for (it traces them); then they are ours.
    while (RawSyscall(SYS_wait4, -1, 0, WNOHANG | __WALL, 0) > 0) {
    }
    int taken[2];
    pid_t pid = -1;
    if (RawSyscall(SYS_pipe2, reinterpret_cast<long>(taken), O_CLOEXEC) == 0) {
      pid = fork_fn();
      if (pid == 0) {
        RawSyscall(SYS_close, taken[0]);
        WaitForRequest(sock, taken[1]);
        return;
      }
      RawSyscall(SYS_close, taken[1]);
      if (pid < 0) RawSyscall(SYS_close, taken[0]);
    }
    if (pid < 0) {
      // No child to take the next request: it is answered here.
      int fds[WEFT_FORK_MAX_FDS];
      int count = 0;
      if (!Receive(sock, fds, &count)) RawSyscall(SYS_exit_group, 0);
      CloseAll(fds, count < 0 ? 0 : count);
      ZeroBytes(&g_reply, sizeof(g_reply));
      g_reply.status = 2;
      Append(g_reply.message, sizeof(g_reply.message), "fork failed");
      if (!Send(sock)) RawSyscall(SYS_exit_group, 0);
      continue;
    }
    // Until the child has taken a request; end-of-file without it: weft closed the socket
    // (or the child died), and the server is done.
    char one = 0;
    long r;
    while ((r = RawSyscall(SYS_read, taken[0], reinterpret_cast<long>(&one), 1)) == -EINTR) {
    }
    RawSyscall(SYS_close, taken[0]);
    if (r != 1) RawSyscall(SYS_exit_group, 0);
  }
}

}  // namespace weft::shim
