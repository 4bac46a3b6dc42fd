// fork_server.cc — a process started once and forked for every run (weft explore's fork
// server, WEFT_MODE_FORK_SERVER). At the start of main, with start-up done and nothing of
// the program's own run yet, it checks that a fork from here is what an exec would have
// given (one thread, no descriptor of its own, nothing recorded since start-up), says so on
// its socket, and then forks one child per request. The child waits until weft traces it,
// takes over the request's session (its own scheduler state, ring, chooser, descriptors,
// mount namespace and working directory) and returns into main: from there on it is the
// run an exec would have started.
// With fork_late (explore's seeded runs) the server goes on past main alone, recording, to
// the first operation its runs cannot share (ForkPrefixPoint: a thread or process created,
// a wait on the outside, its exit, ...), checks again and forks there; each child copies
// the prefix's state and records into its run's session and feeds its run's chooser the
// prefix's decisions (all forced: one thread), so the run is the one an exec gives.
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "control.h"
#include "ring.h"

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

// ---- the prefix (fork_late) ----
// One decision of the prefix, as the chooser saw it (the enabled set is always thread 0).
struct PrefixDecision {
  uint64_t step;
  uint64_t current_done;
  uint32_t obj;
  uint8_t kind;
  uint8_t yields;
  uint8_t unknown;
  uint8_t object_unknown;
};
// NB: at a fixed address, far from where the kernel places mappings, as the session is: a
// mapping of the server's own must not move the program's (a run's layout is an exec's).
constexpr long kPrefixLogAddress = 0x180000000000;  // 24 TiB
constexpr uint64_t kPrefixLogEntries = 1u << 20;
constinit PrefixDecision* g_prefix_log = nullptr;
constinit uint64_t g_prefix_decisions = 0;
// Locks the prefix holds (taken less given up): glibc keeps a mutex's or a writer's owner as
// the kernel tid, the server's, which no run has.
constinit int64_t g_prefix_locks = 0;
// What main saw, which the fork point must see again: the working directory, and the
// files on descriptors 0-2 (weft's memfds for the server).
alignas(8) constinit char g_main_cwd[4096] = {};
alignas(8) constinit char g_cwd_now[4096] = {};
constinit uint64_t g_main_std_ino[3] = {};
// The writable shared mappings at main (SharedMappings): one the prefix made would be
// shared by every run, not each run's own.
constinit uint64_t g_main_shared = 0;
// The server's session in a child, moved aside until the prefix's records are copied.
constinit weft_session* g_server_session = nullptr;
constinit uint32_t g_server_pid = 0;

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

constinit bool g_fork_prefix = false;

void NoteStartFds() {
  ForEachNumbered("/proc/self/fd", [](long fd) {
    if (fd < kTrackedFds) g_start_fds[fd / 64] |= 1ull << (fd % 64);
  });
}

namespace {

// Why a fork from here would not be the run an exec gives, into g_reply.message; false if
// it would be.
// `at_main`: nothing may have been recorded since start-up (past main, the prefix was).
bool NotForkSafe(int sock, bool at_main) {
  char* why = g_reply.message;
  const size_t cap = sizeof(g_reply.message);
  why[0] = '\0';
  if (reinterpret_cast<long>(g_session) != kSessionAddress) {
    Append(why, cap, "its session memory is not at weft's fixed address");
    return true;
  }
  if (at_main && __atomic_load_n(&g_session->ring_head, __ATOMIC_ACQUIRE) != RingHeadAtStart()) {
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
    Append(why, cap, at_main ? " threads before main" : " threads");
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
    Append(why, cap,
           at_main ? " open before main, which its runs would share"
                   : " open, which its runs would share");
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
  // A server past main: its ring holds the prefix's records, which the run's ring gets
  // (CopyPrefixRecords): its session stays mapped, elsewhere, until then.
  const bool late = g_prefix_log != nullptr;
  if (late) {
    g_server_pid = g_sched->processes[0].pid;
    long q = RawSyscall(SYS_mmap, 0, static_cast<long>(server->size), PROT_READ, MAP_SHARED,
                        SessionFd(), 0);
    if (q < 0 && q > -4096) Die("the fork server's child cannot map the server's session");
    g_server_session = reinterpret_cast<weft_session*>(q);
  }
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
  // NB: while the server's memfd is still on the session's number: the prefix's state.
  if (late) CopySharedState(fds[0], run->size);
  // NB: at the number the environment names (WEFT_SESSION_FD), as in an exec'd run.
  MoveFd(fds[0], static_cast<int>(SessionFd()));
  TakeOverSession(pid, late);
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

namespace {

// Answers every request from here on (the process is a fork point): never returns in the
// server, returns in each child once it has become its run.
void Serve(int sock) {
  UnpinForkServer();
  // glibc's fork without the program's atfork handlers (2.34+), else its fork.
  pid_t (*fork_fn)() = real.fork_no_handlers != nullptr ? real.fork_no_handlers : real.fork;
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

// A digest of this process's writable shared mappings (/proc/self/maps: the start of each
// whose permissions are "rw?s"), 0 when there is none; ~0 if the maps cannot be read.
uint64_t SharedMappings() {
  long fd = RawSyscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/self/maps"),
                       O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ~0ull;
  uint64_t digest = 0, start = 0;
  int field = 0;   // 0: the start address, 1: the end, 2: the permissions, 3: the rest
  int column = 0;  // within the permissions
  bool writable = false;
  for (;;) {
    long n = RawSyscall(SYS_read, fd, reinterpret_cast<long>(g_dirents), sizeof(g_dirents));
    if (n == -EINTR) continue;
    if (n <= 0) break;
    for (long i = 0; i < n; ++i) {
      const char c = g_dirents[i];
      if (c == '\n') {
        field = 0;
        start = 0;
        column = 0;
      } else if (field == 0) {
        if (c == '-') {
          field = 1;
        } else {
          start = start << 4 | static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
        }
      } else if (field == 1) {
        if (c == ' ') field = 2;
      } else if (field == 2) {
        if (column == 1) writable = c == 'w';
        if (column == 3 && c == 's' && writable) digest = (digest ^ start) * 0x100000001b3ull + 1;
        if (++column == 4) field = 3;
      }
    }
  }
  RawSyscall(SYS_close, fd);
  return digest;
}

// The inode of the file on descriptor `fd`, 0 if none.
uint64_t InodeOf(int fd) {
  struct stat st;
  return RawSyscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) == 0 ? st.st_ino : 0;
}

// A server past main that cannot fork where it is: says why and ends (weft then forks its
// runs at main from another server).
[[noreturn]] void RefuseLate(const char* why) {
  g_fork_prefix = false;
  ZeroBytes(&g_reply, sizeof(g_reply));
  g_reply.status = 1;
  Append(g_reply.message, sizeof(g_reply.message), "not fork-safe after main: ");
  Append(g_reply.message, sizeof(g_reply.message), why);
  Send(g_session->fork_server_fd);
  RawSyscall(SYS_exit_group, 0);
  __builtin_unreachable();
}

// Why the prefix run so far is not what each run would have done (into g_reply.message),
// beyond NotForkSafe's checks; false if it is.
bool PrefixNotShareable() {
  char* why = g_reply.message;
  const size_t cap = sizeof(g_reply.message);
  char* cwd = g_cwd_now;
  long n = RawSyscall(SYS_getcwd, reinterpret_cast<long>(cwd), sizeof(g_cwd_now));
  bool same = n > 0 && StrLen(cwd) == StrLen(g_main_cwd);
  for (size_t i = 0; same && cwd[i] != '\0'; ++i) same = cwd[i] == g_main_cwd[i];
  if (!same) {
    Append(why, cap, "it changed its working directory");
    return true;
  }
  for (int fd = 0; fd < 3; ++fd) {
    if (InodeOf(fd) != g_main_std_ino[fd]) {
      Append(why, cap, "it replaced a standard descriptor");
      return true;
    }
  }
  if (SharedMappings() != g_main_shared) {
    Append(why, cap, "it made a shared mapping, which its runs would share");
    return true;
  }
  // NB: weft gives the server memfds: the same stdin as its runs', empty stdout and stderr.
  if (RawSyscall(SYS_lseek, 0, 0, SEEK_CUR) != 0) {
    Append(why, cap, "it read its stdin");
    return true;
  }
  // (explore's runs share one output file: so does the server, and which of the two it
  // wrote to is not known then)
  const bool one_file = InodeOf(1) == InodeOf(2);
  for (int fd = 1; fd < 3; ++fd) {
    struct stat st;
    if (RawSyscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0 || st.st_size != 0) {
      Append(why, cap,
             one_file  ? "it wrote to its stdout or stderr"
             : fd == 1 ? "it wrote to its stdout"
                       : "it wrote to its stderr");
      return true;
    }
  }
  return false;
}

}  // namespace

void ForkServerAtMain() {
  if (g_state != ShimState::kOn || g_session == nullptr ||
      g_session->mode != WEFT_MODE_FORK_SERVER) {
    return;
  }
  const int sock = g_session->fork_server_fd;
  ZeroBytes(&g_reply, sizeof(g_reply));
  if (NotForkSafe(sock, true)) {
    g_reply.status = 1;
    Send(sock);
    RawSyscall(SYS_exit_group, 0);
  }
  if (g_session->fork_late != 0) {
    long p = RawSyscall(
        SYS_mmap, kPrefixLogAddress, static_cast<long>(kPrefixLogEntries * sizeof(PrefixDecision)),
        PROT_READ | PROT_WRITE,
        MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | 0x100000 /* NOREPLACE */, -1, 0);
    if (p == kPrefixLogAddress &&
        RawSyscall(SYS_getcwd, reinterpret_cast<long>(g_main_cwd), sizeof(g_main_cwd)) > 0) {
      g_prefix_log = reinterpret_cast<PrefixDecision*>(p);
      for (int fd = 0; fd < 3; ++fd) g_main_std_ino[fd] = InodeOf(fd);
      g_main_shared = SharedMappings();
      g_fork_prefix = true;
      return;  // into main: the fork point comes later (ForkPrefixPoint)
    }
    if (p >= 0 || p < -4096) RawSyscall(SYS_munmap, p, kPrefixLogEntries * sizeof(PrefixDecision));
    RefuseLate("its prefix cannot be recorded");
  }
  if (!Send(sock)) RawSyscall(SYS_exit_group, 0);
  Serve(sock);
}

namespace {

// Whether an operation of `kind` may run in the prefix, before the fork point: one whose
// effect stays inside the process (and is the same in every run).
bool PrefixMayRun(uint8_t kind) {
  switch (kind) {
    case WEFT_EV_MUTEX_LOCK:
    case WEFT_EV_MUTEX_UNLOCK:
    case WEFT_EV_RWLOCK_RDLOCK:
    case WEFT_EV_RWLOCK_WRLOCK:
    case WEFT_EV_RWLOCK_UNLOCK:
    case WEFT_EV_COND_WAIT:
    case WEFT_EV_COND_WAKE:
    case WEFT_EV_COND_SIGNAL:
    case WEFT_EV_COND_BROADCAST:
    case WEFT_EV_SEM_WAIT:
    case WEFT_EV_SEM_POST:
    case WEFT_EV_BARRIER_WAIT:
    case WEFT_EV_BARRIER_LEAVE:
    case WEFT_EV_ONCE:
    case WEFT_EV_ONCE_DONE:
    case WEFT_EV_SPIN_LOCK:
    case WEFT_EV_SPIN_UNLOCK:
    case WEFT_EV_FUTEX_WAIT:
    case WEFT_EV_FUTEX_WOKEN:
    case WEFT_EV_FUTEX_WAKE:
    case WEFT_EV_SLEEP:
    case WEFT_EV_YIELD:
    case WEFT_EV_MEM_READ:
    case WEFT_EV_MEM_WRITE:
      return true;
    default:
      return false;
  }
}

}  // namespace

void ForkPrefixPoint(uint8_t kind) {
  // NB: a margin for the records written between two schedule points (the server's ring is
  // never read: it must not fill).
  const weft_session* s = g_session;
  if (PrefixMayRun(kind) && g_prefix_decisions + 1 < kPrefixLogEntries &&
      s->ring_head + 4096 < s->ring_slots) {
    return;
  }
  g_fork_prefix = false;
  const int sock = s->fork_server_fd;
  ZeroBytes(&g_reply, sizeof(g_reply));
  if (g_prefix_locks != 0) {
    RefuseLate("it holds a lock there (its owner is the server's thread, no run's)");
  }
  if (NotForkSafe(sock, false) || PrefixNotShareable()) {
    char why[sizeof(g_reply.message)];
    CopyBytes(why, g_reply.message, sizeof(why));
    why[sizeof(why) - 1] = '\0';
    RefuseLate(why);
  }
  g_reply.events = g_sched->events;
  if (!Send(sock)) RawSyscall(SYS_exit_group, 0);
  Serve(sock);
}

void ForkPrefixEvent(uint8_t kind, uint16_t flags) {
  if (!PrefixMayRun(kind)) RefuseLate("an event no schedule point came before");
  // A condition wait gives its mutex up and takes it again, timed out or not.
  if (kind == WEFT_EV_COND_WAIT) --g_prefix_locks;
  if (kind == WEFT_EV_COND_WAKE) ++g_prefix_locks;
  if ((flags & (WEFT_F_FAILED | WEFT_F_TIMEDOUT)) != 0) return;
  switch (kind) {
    case WEFT_EV_MUTEX_LOCK:
    case WEFT_EV_RWLOCK_RDLOCK:
    case WEFT_EV_RWLOCK_WRLOCK:
      ++g_prefix_locks;
      break;
    case WEFT_EV_MUTEX_UNLOCK:
    case WEFT_EV_RWLOCK_UNLOCK:
      --g_prefix_locks;
      break;
    default:
      break;
  }
}

void ForkPrefixDecision(const sched::Point& point) {
  if (point.count != 1 || point.timed != 0) RefuseLate("a decision with a choice");
  PrefixDecision& d = g_prefix_log[g_prefix_decisions++];
  d.step = point.step;
  d.current_done = point.current_done;
  sched::Pending p = point.pending(point.context, point.enabled[0]);
  d.kind = p.kind;
  d.obj = p.obj;
  d.unknown = p.unknown;
  d.object_unknown = p.object_unknown;
  d.yields = point.current_yields;
}

namespace {

constinit const PrefixDecision* g_feeding = nullptr;

sched::Pending FedPending(const void*, uint16_t) {
  sched::Pending p{g_feeding->kind, g_feeding->obj};
  p.unknown = g_feeding->unknown != 0;
  p.object_unknown = g_feeding->object_unknown != 0;
  return p;
}

}  // namespace

void FeedPrefix(sched::Chooser* chooser) {
  static constexpr uint16_t kMain[1] = {0};
  // NB: the server's state says whether the server's own chooser diverged (it followed the
  // spec of the run that started it); this run's chooser says whether this run did.
  g_sched->divergence_reported = false;
  for (uint64_t i = 0; i < g_prefix_decisions; ++i) {
    g_feeding = &g_prefix_log[i];
    sched::Point point;
    point.enabled = kMain;
    point.count = 1;
    point.timed = 0;
    point.current = 0;
    point.current_yields = g_feeding->yields != 0;
    point.current_done = g_feeding->current_done;
    point.step = g_feeding->step;
    point.pending = FedPending;
    if (chooser->PickThread(point) != 0) Die("a run's chooser did not follow its prefix");
    // A script (replay, guided) left in the prefix: reported as the exec'd run reports it
    // at that decision (schedule_point.cc: ReportDivergence), its operation the one logged.
    // (weft forks no run past main that stops at a divergence.)
    const sched::Divergence& d = chooser->divergence();
    if (d.happened && !g_sched->divergence_reported) {
      g_sched->divergence_reported = true;
      g_session->divergence_index = d.step;
      g_session->divergence_actual.tid = 0;
      g_session->divergence_actual.kind = g_feeding->kind;
      g_session->divergence_actual.obj = g_feeding->obj;
      __atomic_or_fetch(&g_session->status, WEFT_STATUS_DIVERGED, __ATOMIC_RELEASE);
    }
  }
  g_feeding = nullptr;
  RawSyscall(SYS_munmap, reinterpret_cast<long>(g_prefix_log),
             static_cast<long>(kPrefixLogEntries * sizeof(PrefixDecision)));
  g_prefix_log = nullptr;
  g_prefix_decisions = 0;
}

void CopyPrefixRecords() {
  const weft_session* from = g_server_session;
  const uint8_t* slots = reinterpret_cast<const uint8_t*>(from) + from->ring_offset;
  const uint64_t mask = from->ring_slots - 1;
  const uint64_t head = from->ring_head;
  for (uint64_t i = 0; i < head;) {
    const uint8_t* rec = slots + (i & mask) * WEFT_SLOT_BYTES;
    uint32_t n = 1;
    alignas(8) uint8_t patched[WEFT_SLOT_BYTES];
    if (rec[0] == WEFT_REC_THREAD) {
      // The main thread's record names the server's pid: the run's is this process.
      weft_thread_record t;
      CopyBytes(&t, rec, sizeof(t));
      if (t.pid == g_server_pid) {
        t.pid = static_cast<uint32_t>(RawSyscall(SYS_getpid));
        if (t.tid == 0) t.os_tid = static_cast<uint32_t>(Gettid());
      }
      CopyBytes(patched, &t, sizeof(t));
      RingWrite(patched, 1);
      ++i;
      continue;
    }
    // NB: the records of several slots are copied whole (the reader waits for the rest of
    // one, but the slots of one RingWrite are published together, as they were written).
    if (rec[0] == WEFT_REC_DECISION) {
      n = 1 + reinterpret_cast<const weft_decision_record*>(rec)->extra_slots;
    } else if (rec[0] == WEFT_REC_STACK) {
      n = 1 + (reinterpret_cast<const weft_stack_record*>(rec)->depth + 3) / 4;
    } else if (rec[0] == WEFT_REC_INPUT) {
      n = 1 + reinterpret_cast<const weft_input_record*>(rec)->data_slots;
    }
    if (n > head - i) n = static_cast<uint32_t>(head - i);
    // NB: one RingWrite per record: the reader takes a record only with all its slots
    // published (a record cut between two writes is one "longer than the shim published").
    if ((i & mask) + n <= from->ring_slots) {
      RingWrite(rec, n);
      i += n;
      continue;
    }
    constexpr uint32_t kWrapped = 20;  // slots of a record that wraps, copied together
    alignas(8) uint8_t whole[kWrapped * WEFT_SLOT_BYTES];
    if (n <= kWrapped) {
      for (uint32_t k = 0; k < n; ++k) {
        CopyBytes(whole + k * WEFT_SLOT_BYTES, slots + ((i + k) & mask) * WEFT_SLOT_BYTES,
                  WEFT_SLOT_BYTES);
      }
      RingWrite(whole, n);
      i += n;
      continue;
    }
    for (uint32_t k = 0; k < n; ++k, ++i) RingWrite(slots + (i & mask) * WEFT_SLOT_BYTES, 1);
  }
  RawSyscall(SYS_munmap, reinterpret_cast<long>(g_server_session), static_cast<long>(from->size));
  g_server_session = nullptr;
}

}  // namespace weft::shim
