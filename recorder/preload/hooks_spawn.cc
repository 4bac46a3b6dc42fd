// hooks_spawn.cc — children a controlled thread starts other ways than fork + exec:
// posix_spawn, posix_spawnp, system, popen / pclose, vfork. glibc starts the first four
// with clone(CLONE_VM | CLONE_VFORK) and an exec no hook sees, so the child would run
// uncontrolled; here each is the shim's fork (a FORK event, the child a process of the
// session) and, in the child, the exec hook's path (EXEC: its new image rejoins the session
// as the same thread, or runs uncontrolled when it cannot load the shim, and the trace says
// so). The parent waits, without the turn, until the child has exec'd or ended (kWaitSpawn,
// modelled from the shared process table), as vfork's caller is suspended; then the spawn
// reports what the child's exec said: posix_spawn returns the errno of a failed exec (or of
// a failed attribute or file action), and reaps that child, as glibc's does.
//
// posix_spawn's attributes (sigmask, sigdefault, pgroup, setsid, scheduler, resetids) and
// file actions (close, dup2, open, chdir, fchdir, closefrom, tcsetpgrp) are applied in the
// child in glibc's order with raw system calls. The file actions are glibc's private layout
// (glibc_layout.h): checked once on a probe; if the running glibc lays them out otherwise,
// posix_spawn falls back to the real call and its child runs uncontrolled (a FORK event
// with F_EXTERNAL in the trace says so). Not done: POSIX_SPAWN_USEVFORK is ignored (it is
// glibc's default anyway); a child's exec through a PATH search tries the first executable
// file found (glibc would go on past one that fails with EACCES).
//
// vfork is fork here (the child gets a copy of the memory, not the parent's own: a child
// that writes the parent's variables before exec, undefined behaviour by POSIX, is not
// supported), and the parent is suspended until the child exec'd or ended, as with vfork.
// Like glibc's vfork and posix_spawn, these forks run no atfork handlers (glibc's _Fork,
// 2.34+; fork before): their children make only system calls until they exec.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "channel_model.h"
#include "control.h"
#include "free_record.h"
#include "glibc_layout.h"
#include "random_device.h"
#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

using namespace weft::shim;

namespace {

constexpr int kSpawnError = 127;  // the child's exit status when it cannot exec (glibc's)

// What a spawn's child does before its exec: posix_spawn's attributes and file actions, or
// popen's one redirection and the other popen streams' descriptors to close.
struct SpawnPlan {
  const posix_spawnattr_t* attr = nullptr;
  const posix_spawn_file_actions_t* actions = nullptr;
  // popen: dup2(dup_from, dup_to) (or keep dup_to open across exec if they are one), then
  // close the descriptors close_fds[0..close_count).
  int dup_from = -1;
  int dup_to = -1;
  const int* close_fds = nullptr;
  int close_count = 0;
  // system: the signals set to their default, then the mask (kernel sigset bits).
  bool signals = false;
  uint64_t sigdefault = 0;
  uint64_t sigmask = 0;
};

// NB: global scratch, not the target's stack: only the thread holding the turn uses it.
constinit char g_spawn_path[4096] = {};

// 1: the running glibc lays file actions out as glibc_layout.h says; -1: it does not; 0:
// not checked yet.
constinit int g_actions_layout = 0;

bool SameText(const char* a, const char* b) {
  if (a == nullptr || b == nullptr) return false;
  for (; *a != '\0' && *a == *b; ++a, ++b) {
  }
  return *a == *b;
}

// Builds a probe with the real functions and reads it back through glibc_layout.h.
// NB: glibc allocates the probe's actions (as it does for the program's own).
bool CheckSpawnActionLayout() {
  if (real.posix_spawn_file_actions_init == nullptr ||
      real.posix_spawn_file_actions_destroy == nullptr ||
      real.posix_spawn_file_actions_addclose == nullptr ||
      real.posix_spawn_file_actions_adddup2 == nullptr ||
      real.posix_spawn_file_actions_addopen == nullptr) {
    return false;
  }
  posix_spawn_file_actions_t probe;
  if (real.posix_spawn_file_actions_init(&probe) != 0) return false;
  bool ok = real.posix_spawn_file_actions_addclose(&probe, 7) == 0 &&
            real.posix_spawn_file_actions_adddup2(&probe, 3, 9) == 0 &&
            real.posix_spawn_file_actions_addopen(&probe, 11, "/weft-probe", O_RDONLY, 0640) == 0;
  if (ok) {
    const GlibcSpawnAction* a = SpawnActions(&probe);
    ok = SpawnActionCount(&probe) == 3 && a != nullptr && a[0].tag == kSpawnClose &&
         a[0].action.close_fd.fd == 7 && a[1].tag == kSpawnDup2 && a[1].action.dup2_fd.fd == 3 &&
         a[1].action.dup2_fd.newfd == 9 && a[2].tag == kSpawnOpen &&
         a[2].action.open_file.fd == 11 && SameText(a[2].action.open_file.path, "/weft-probe") &&
         a[2].action.open_file.oflag == O_RDONLY && a[2].action.open_file.mode == 0640;
  }
  real.posix_spawn_file_actions_destroy(&probe);
  return ok;
}

bool ActionsReadable(const posix_spawn_file_actions_t* actions) {
  if (actions == nullptr || SpawnActionCount(actions) == 0) return true;
  if (g_actions_layout == 0) g_actions_layout = CheckSpawnActionLayout() ? 1 : -1;
  if (g_actions_layout < 0) return false;
  for (int i = 0; i < SpawnActionCount(actions); ++i) {
    int tag = SpawnActions(actions)[i].tag;
    if (tag < kSpawnClose || tag > kSpawnTcsetpgrp) return false;  // a kind of a later glibc
  }
  return true;
}

long Err(long r) { return r < 0 && r > -4096 ? -r : 0; }

// Moves `*fd` (close-on-exec) above every descriptor the actions name, so that none of
// them closes or replaces the child's report channel.
void MoveAbove(const SpawnPlan& plan, int* fd) {
  int top = *fd;
  if (plan.actions != nullptr) {
    for (int i = 0; i < SpawnActionCount(plan.actions); ++i) {
      const GlibcSpawnAction& a = SpawnActions(plan.actions)[i];
      int n = a.tag == kSpawnDup2
                  ? (a.action.dup2_fd.fd > a.action.dup2_fd.newfd ? a.action.dup2_fd.fd
                                                                  : a.action.dup2_fd.newfd)
              : a.tag == kSpawnOpen ? a.action.open_file.fd
                                    : a.action.close_fd.fd;  // close, fchdir, tcsetpgrp: one fd
      if (a.tag != kSpawnChdir && a.tag != kSpawnClosefrom && n >= top) top = n + 1;
    }
  }
  if (plan.dup_to >= top) top = plan.dup_to + 1;
  for (int i = 0; i < plan.close_count; ++i) {
    if (plan.close_fds[i] >= top) top = plan.close_fds[i] + 1;
  }
  if (top == *fd) return;
  long moved = RawSyscall(SYS_fcntl, *fd, F_DUPFD_CLOEXEC, top);
  if (moved >= 0) {
    RawSyscall(SYS_close, *fd);
    *fd = static_cast<int>(moved);
  }
}

struct KernelSigaction {
  void* handler;
  unsigned long flags;
  void* restorer;
  uint64_t mask;
};

// The signals of `set` (kernel sigset bits) to their default action.
void SetDefault(uint64_t set) {
  KernelSigaction dfl = {nullptr, 0, nullptr, 0};  // SIG_DFL
  for (int sig = 1; sig <= 64; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP || ((set >> (sig - 1)) & 1) == 0) continue;
    RawSyscall(SYS_rt_sigaction, sig, reinterpret_cast<long>(&dfl), 0, 8);
  }
}

// posix_spawn's attributes that come before the file actions (glibc's order). Returns 0 or
// an errno.
int ApplyAttributes(const posix_spawnattr_t* attr) {
  if (attr == nullptr) return 0;
  short flags = SpawnAttrFlags(attr);
  if (flags & POSIX_SPAWN_SETSIGDEF) SetDefault(KernelSet(SpawnAttrSigdefault(attr)));
  if ((flags & POSIX_SPAWN_SETSID) != 0) {
    if (long e = Err(RawSyscall(SYS_setsid))) return static_cast<int>(e);
  }
  if ((flags & POSIX_SPAWN_SETPGROUP) != 0) {
    if (long e = Err(RawSyscall(SYS_setpgid, 0, SpawnAttrPgroup(attr)))) return static_cast<int>(e);
  }
  if ((flags & POSIX_SPAWN_SETSCHEDULER) != 0) {
    if (long e = Err(RawSyscall(SYS_sched_setscheduler, 0, SpawnAttrPolicy(attr),
                                reinterpret_cast<long>(SpawnAttrSchedParam(attr))))) {
      return static_cast<int>(e);
    }
  } else if ((flags & POSIX_SPAWN_SETSCHEDPARAM) != 0) {
    if (long e = Err(
            RawSyscall(SYS_sched_setparam, 0, reinterpret_cast<long>(SpawnAttrSchedParam(attr))))) {
      return static_cast<int>(e);
    }
  }
  if ((flags & POSIX_SPAWN_RESETIDS) != 0) {
    if (long e = Err(RawSyscall(SYS_setresgid, -1, RawSyscall(SYS_getgid), -1))) {
      return static_cast<int>(e);
    }
    if (long e = Err(RawSyscall(SYS_setresuid, -1, RawSyscall(SYS_getuid), -1))) {
      return static_cast<int>(e);
    }
  }
  return 0;
}

// Closes every descriptor from `from` up but `keep`.
void CloseFrom(int from, int keep) {
  if (from <= keep) {
    if (from < keep) RawSyscall(SYS_close_range, from, keep - 1, 0);
    RawSyscall(SYS_close_range, keep + 1, ~0u, 0);
  } else {
    RawSyscall(SYS_close_range, from, ~0u, 0);
  }
}

// posix_spawn's file actions, in order (glibc's semantics); `keep` is the report channel.
int ApplyActions(const posix_spawn_file_actions_t* actions, int keep) {
  if (actions == nullptr) return 0;
  for (int i = 0; i < SpawnActionCount(actions); ++i) {
    const GlibcSpawnAction& a = SpawnActions(actions)[i];
    switch (a.tag) {
      case kSpawnClose: {
        long r = RawSyscall(SYS_close, a.action.close_fd.fd);
        // glibc: only a descriptor that could never be open is an error.
        if (r == -EBADF && a.action.close_fd.fd < 0) return EBADF;
        break;
      }
      case kSpawnDup2: {
        int fd = a.action.dup2_fd.fd, newfd = a.action.dup2_fd.newfd;
        if (fd == newfd) {  // glibc 2.29+: the descriptor stays open across the exec
          long flags = RawSyscall(SYS_fcntl, fd, F_GETFD);
          if (flags < 0) return static_cast<int>(-flags);
          if (long e = Err(RawSyscall(SYS_fcntl, fd, F_SETFD, flags & ~FD_CLOEXEC))) {
            return static_cast<int>(e);
          }
        } else if (long e = Err(RawSyscall(SYS_dup3, fd, newfd, 0))) {
          return static_cast<int>(e);
        }
        break;
      }
      case kSpawnOpen: {
        long fd = RawSyscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>(a.action.open_file.path),
                             a.action.open_file.oflag, a.action.open_file.mode);
        if (fd < 0) return static_cast<int>(-fd);
        if (fd != a.action.open_file.fd) {
          long r = RawSyscall(SYS_dup3, fd, a.action.open_file.fd, 0);
          RawSyscall(SYS_close, fd);
          if (r < 0) return static_cast<int>(-r);
        }
        break;
      }
      case kSpawnChdir:
        if (long e = Err(RawSyscall(SYS_chdir, reinterpret_cast<long>(a.action.chdir_path.path)))) {
          return static_cast<int>(e);
        }
        break;
      case kSpawnFchdir:
        if (long e = Err(RawSyscall(SYS_fchdir, a.action.fchdir_fd.fd))) return static_cast<int>(e);
        break;
      case kSpawnClosefrom:
        CloseFrom(a.action.closefrom_fd.from, keep);
        break;
      case kSpawnTcsetpgrp: {
        pid_t group = static_cast<pid_t>(RawSyscall(SYS_getpgid, 0));
        if (long e = Err(RawSyscall(SYS_ioctl, a.action.tcsetpgrp_fd.fd, TIOCSPGRP,
                                    reinterpret_cast<long>(&group)))) {
          return static_cast<int>(e);
        }
        break;
      }
      default:
        return EINVAL;  // (ActionsReadable refused it before the fork)
    }
  }
  return 0;
}

int ApplyPopen(const SpawnPlan& plan) {
  if (plan.dup_from >= 0) {
    if (plan.dup_from == plan.dup_to) {
      RawSyscall(SYS_fcntl, plan.dup_to, F_SETFD, 0);
    } else if (long e = Err(RawSyscall(SYS_dup3, plan.dup_from, plan.dup_to, 0))) {
      return static_cast<int>(e);
    }
  }
  for (int i = 0; i < plan.close_count; ++i) RawSyscall(SYS_close, plan.close_fds[i]);
  return 0;
}

bool ChildControlled() { return g_state == ShimState::kOn && t_self != nullptr; }

// The child of a spawn, holding the turn (or uncontrolled when the process table was full):
// the plan, then the exec. Reports an errno on `report` if it cannot exec and ends with
// status 127 (a process_exit event when controlled).
[[noreturn]] void SpawnChild(int report, const SpawnPlan& plan, const char* file,
                             char* const argv[], char* const envp[], bool search) {
  MoveAbove(plan, &report);
  int error = ApplyAttributes(plan.attr);
  if (error == 0) error = ApplyActions(plan.actions, report);
  if (error == 0) error = ApplyPopen(plan);
  if (error == 0 && plan.attr != nullptr && (SpawnAttrFlags(plan.attr) & POSIX_SPAWN_SETSIGMASK)) {
    error = static_cast<int>(
        Err(RawSyscall(SYS_rt_sigprocmask, SIG_SETMASK,
                       reinterpret_cast<long>(SpawnAttrSigmask(plan.attr)), 0, 8)));
  }
  if (error == 0 && plan.signals) {
    SetDefault(plan.sigdefault);
    RawSyscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&plan.sigmask), 0, 8);
  }
  const char* path = file;
  if (error == 0 && search) {
    path = IsNull(file) || *file == '\0' ? nullptr : ExecSearchPath(file);
    if (path == nullptr) {
      error = ENOENT;
    } else {
      size_t n = StrLen(path);
      if (n >= sizeof g_spawn_path) {
        error = ENAMETOOLONG;
      } else {
        CopyBytes(g_spawn_path, path, n + 1);
        path = g_spawn_path;
      }
    }
  }
  // A program that cannot be run fails here, under control: the exec's error is the
  // spawn's (its exec event says F_FAILED, its exit is the process's last event).
  if (error == 0) {
    error = static_cast<int>(
        Err(RawSyscall(SYS_faccessat, AT_FDCWD, reinterpret_cast<long>(path), X_OK)));
  }
  if (error == 0) {
    bool controlled = ChildControlled();
    if (controlled) ExecPoint(path, -1, envp, false);
    if (envp != nullptr) {
      real.execve(path, argv, envp);
    } else {
      real.execv(path, argv);
    }
    error = errno;
    if (controlled && ChildControlled()) ExecFailed(error);
  } else if (ChildControlled()) {
    Op op;
    op.kind = WEFT_EV_EXEC;
    Schedule(Self(), op);
    Self()->op.kind = WEFT_EV_NONE;
    Emit(Self(), WEFT_EV_EXEC, WEFT_F_FAILED, 0, -error);
  }
  RawSyscall(SYS_write, report, reinterpret_cast<long>(&error), sizeof error);
  if (ChildControlled()) ProcessExitPoint(kSpawnError);
  RawSyscall(SYS_exit_group, kSpawnError);
  __builtin_unreachable();
}

// The parent waits, not holding the turn, until process `index` has exec'd or ended.
void WaitSpawned(Thread* self, uint16_t index) {
  g_sched->processes[index].spawning = 1;
  Op op;
  op.kind = WEFT_EV_POLL;
  op.wait = kWaitSpawn;
  op.arg = index;
  op.deadline = kNoDeadline;
  while (!SpawnDone(index)) Schedule(self, op);
  self->op.kind = WEFT_EV_NONE;
}

// A spawn by a controlled thread: 0 and the child's pid in *pid, or an errno.
int SpawnControlled(pid_t* pid, const char* file, const SpawnPlan& plan, char* const argv[],
                    char* const envp[], bool search) {
  Thread* self = Self();
  int fds[2] = {-1, -1};
  pid_t child = ForkControlled(self, fds, /*no_handlers=*/true);
  if (child == 0) {
    RawSyscall(SYS_close, fds[0]);
    SpawnChild(fds[1], plan, file, argv, envp, search);
  }
  int error = errno;
  if (fds[1] >= 0) RawSyscall(SYS_close, fds[1]);
  if (child < 0) {
    if (fds[0] >= 0) RawSyscall(SYS_close, fds[0]);
    return error;
  }
  if (int16_t index = ProcessOfPid(child); index >= 0) {
    WaitSpawned(self, static_cast<uint16_t>(index));
  }
  // The child has exec'd (the report channel closed with it) or wrote why it could not.
  // NB: an uncontrolled child (it exec'd an image the shim cannot enter) may still be on
  // its way: this read waits for it in real time; it needs nothing of the session.
  int reported = 0;
  long n;
  do {
    n = RawSyscall(SYS_read, fds[0], reinterpret_cast<long>(&reported), sizeof reported);
  } while (n == -EINTR);
  RawSyscall(SYS_close, fds[0]);
  if (n == static_cast<long>(sizeof reported) && reported != 0) {
    // glibc reaps a child that could not exec.
    while (RawSyscall(SYS_wait4, child, 0, 0, 0) == -EINTR) {
    }
    return reported;
  }
  if (!IsNull(pid)) *pid = child;
  return 0;
}

int SpawnHook(pid_t* pid, const char* file, const posix_spawn_file_actions_t* actions,
              const posix_spawnattr_t* attr, char* const argv[], char* const envp[], bool search) {
  Guard guard;
  auto real_call = [&] {
    return search ? real.posix_spawnp(pid, file, actions, attr, argv, envp)
                  : real.posix_spawn(pid, file, actions, attr, argv, envp);
  };
  if (!Controlled(guard)) return real_call();
  if (!ActionsReadable(actions)) {
    // The child runs uncontrolled; the trace says so.
    Thread* self = Self();
    Op op;
    op.kind = WEFT_EV_FORK;
    Schedule(self, op);
    pid_t child = 0;
    int rc = search ? real.posix_spawnp(&child, file, actions, attr, argv, envp)
                    : real.posix_spawn(&child, file, actions, attr, argv, envp);
    Emit(self, WEFT_EV_FORK, rc == 0 ? WEFT_F_EXTERNAL : WEFT_F_EXTERNAL | WEFT_F_FAILED, 0,
         rc == 0 ? child : -rc);
    if (rc == 0 && !IsNull(pid)) *pid = child;
    return rc;
  }
  SpawnPlan plan;
  plan.attr = attr;
  plan.actions = actions;
  return SpawnControlled(pid, file, plan, argv, envp, search);
}

// ---- popen ----
struct PopenStream {
  FILE* stream;
  int fd;
  pid_t pid;
  bool reading;
};
constexpr int kMaxPopen = 64;
constinit PopenStream g_popen[kMaxPopen] = {};
constinit int g_popen_count = 0;

// The popen stream `stream` reads from the child through, nullptr if it is none.
const PopenStream* ReadingPopen(FILE* stream) {
  for (int i = 0; i < g_popen_count; ++i) {
    if (g_popen[i].stream == stream) return g_popen[i].reading ? &g_popen[i] : nullptr;
  }
  return nullptr;
}

// The bytes pipe `fd` holds (FIONREAD); 0 when it holds none or cannot say.
size_t PipeHolds(int fd) {
  int n = 0;
  if (RawSyscall(SYS_ioctl, fd, FIONREAD, reinterpret_cast<long>(&n)) < 0 || n < 0) return 0;
  return static_cast<size_t>(n);
}

// A stream that reads a pipe another thread of the session may write: its descriptor and
// its channel object (0: none, a popen stream before the session is one of processes).
struct PipeStream {
  FILE* stream = nullptr;
  int fd = -1;
  uint32_t obj = 0;
};

// The pipe `stream` reads, when it is a popen stream of this process or a pipe of the
// session (PipeChannelObject: between processes of the session, such as a shell
// pipeline's); false otherwise.
bool PipeStreamOf(FILE* stream, PipeStream* out) {
  // A stream that cannot read, or that saw the end of its data or an error (glibc's end of
  // file is sticky), makes no read of its descriptor: glibc's own call returns at once.
  if (!StreamReadable(stream) || StreamAtEnd(stream)) return false;
  const PopenStream* popen_stream = g_popen_count > 0 ? ReadingPopen(stream) : nullptr;
  int fd = popen_stream != nullptr ? popen_stream->fd : stream->_fileno;
  uint32_t obj = fd >= 0 ? PipeChannelObject(fd) : 0;
  if (obj == 0 && popen_stream == nullptr) return false;
  *out = {stream, fd, obj};
  return true;
}

// Waits for data in the pipe of `p`, not holding the turn: a channel_recv event, enabled once
// the pipe is readable (as read(2) of it is), its arg the bytes the pipe then holds; without
// a channel object a wait that is no event. Returns the bytes it holds (0 at its end).
// NB: what the pipe holds when the reader is picked is what its writers wrote before their
// last events (they write holding the turn), so the reads that follow, and the events after
// them, are the same in a replay.
size_t AwaitPipeData(const PipeStream& p) {
  if (p.obj == 0) {
    WaitReadable(p.fd);
    return PipeHolds(p.fd);
  }
  long n = ChannelAccess(WEFT_EV_CHANNEL_RECV, p.obj, p.fd, POLLIN, 0,
                         [&] { return static_cast<long>(PipeHolds(p.fd)); });
  return n > 0 ? static_cast<size_t>(n) : 0;
}

// glibc's stdio reads a stream's pipe with its own read, which no hook sees: a read that
// blocks there holds the turn while the process that writes the pipe needs it. So a stdio
// read of a pipe stream is made of reads that never block: each asks at most for what the
// stream's buffer holds or, once the pipe is readable (AwaitPipeData), for what the pipe
// holds. `want`: the bytes still to read; the bytes the next read may ask for (all of `want`
// at the end of the data: the read returns at once).
size_t PipeChunk(const PipeStream& p, size_t want) {
  size_t have = StreamBuffered(p.stream);
  if (have == 0) {
    have = AwaitPipeData(p);
    if (have == 0) return want;
  }
  return have < want ? have : want;
}

// fread of `bytes` from pipe stream `p`: the bytes read (fewer at the end of the data or an
// error, which the stream's flags say, as glibc's fread leaves them).
size_t PipeFread(const PipeStream& p, void* buf, size_t bytes) {
  size_t done = 0;
  while (done < bytes) {
    size_t chunk = PipeChunk(p, bytes - done);
    size_t got = real.fread(static_cast<char*>(buf) + done, 1, chunk, p.stream);
    done += got;
    if (got < chunk) break;
  }
  return done;
}

// fgets of at most n - 1 characters from pipe stream `p`, as glibc's: up to and with a
// newline, NULL at the end of the data with nothing read or after an error.
char* PipeFgets(const PipeStream& p, char* s, int n) {
  if (n <= 1) return real.fgets(s, n, p.stream);
  size_t room = static_cast<size_t>(n) - 1;
  size_t done = 0;
  while (done < room) {
    size_t chunk = PipeChunk(p, room - done);
    if (real.fgets(s + done, static_cast<int>(chunk + 1), p.stream) == nullptr) {
      return done == 0 || StreamFailed(p.stream) ? nullptr : s;
    }
    // What that call stored: its line, else all `chunk` characters; at the end of the data
    // what it found (up to its NUL).
    size_t stored = chunk;
    if (StreamAtEnd(p.stream)) {
      stored = StrLen(s + done);
    } else {
      for (size_t i = 0; i < chunk; ++i) {
        if (s[done + i] == '\n') {
          stored = i + 1;
          break;
        }
      }
    }
    done += stored;
    if (StreamAtEnd(p.stream) || (stored > 0 && s[done - 1] == '\n')) break;
  }
  return s;
}

// Before getdelim (getline: '\n') of pipe stream `p`: fills the stream's buffer, each wait
// for data an AwaitPipeData, until it holds a whole line (up to `delim`), the end of the
// data, or as much as the buffer takes, so that glibc's getdelim, whose refills no hook sees,
// does not find the pipe empty in the middle of a line while it holds the turn (a line
// written in pieces: a writer's stdio flushes cut lines where its buffer fills). A line
// longer than the buffer may still. NB: glibc_layout.h's StreamRefillable says when the
// buffer's fields may be moved; a stream without a buffer yet gets it from glibc's refill
// (__uflow, once data is there: it does not block), whose character is put back.
void FillLine(const PipeStream& p, int delim) {
  FILE* f = p.stream;
  // NB: each wait for data (AwaitPipeData) gives up the turn, and another thread may read
  // the stream meanwhile (its getline, its own FillLine): after each, the stream's fields
  // are read again, and they are moved only holding the stream's lock (a try: a thread
  // inside a stdio call on it keeps it, and glibc's getdelim then reads as it would).
  for (;;) {
    size_t avail = AwaitPipeData(p);
    if (avail == 0) return;  // the end of the data: getdelim reads up to it
    if (real.ftrylockfile(f) != 0) return;
    bool more = false;
    if (f->_IO_buf_base == nullptr && f->_mode <= 0 && !StreamAtEnd(f)) {
      // No buffer yet: glibc's refill makes it, reading what the pipe holds (it does not
      // block); its character is put back.
      if (real.uflow(f) != EOF) {
        --f->_IO_read_ptr;
        more = true;
      }
    } else if (StreamRefillable(f) && !StreamAtEnd(f) && !StreamBufferHas(f, delim)) {
      size_t have = StreamBuffered(f);
      size_t size = static_cast<size_t>(f->_IO_buf_end - f->_IO_buf_base);
      if (have < size) {  // else a line longer than the buffer
        if (f->_IO_read_ptr != f->_IO_buf_base) {
          char* to = f->_IO_buf_base;
          const char* from = f->_IO_read_ptr;
          for (size_t i = 0; i < have; ++i) to[i] = from[i];  // NB: to < from: forward is safe
          f->_IO_read_base = to;
          f->_IO_read_ptr = to;
          f->_IO_read_end = to + have;
        }
        size_t room = static_cast<size_t>(f->_IO_buf_end - f->_IO_read_end);
        long n = RawSyscall(SYS_read, p.fd, reinterpret_cast<long>(f->_IO_read_end),
                            static_cast<long>(avail < room ? avail : room));
        if (n > 0) {
          f->_IO_read_end += n;
          more = true;
        }
      }
    }
    more = more && StreamRefillable(f) && !StreamBufferHas(f, delim);
    real.funlockfile(f);
    if (!more) return;
  }
}

// Before getdelim of `stream`: a pipe stream whose buffer holds no whole line is filled
// first (FillLine).
void BeforeGetdelim(FILE* stream, int delim) {
  Guard guard;
  if (!Controlled(guard) || IsNull(stream) || StreamBufferHas(stream, delim)) return;
  if (PipeStream p; PipeStreamOf(stream, &p)) FillLine(p, delim);
}

// Before a read of `stream` by another stdio function (a character, a line of any length):
// a pipe stream whose buffer is empty waits for data first, not holding the turn (a line
// written in pieces may still block it, holding the turn: see PipeFgets); then `serve`,
// true when it served the read itself (from the random devices' stream: random_device.h).
// NB: Controlled first: it starts the shim (resolving `real`) if no hook has yet.
template <typename Serve>
bool BeforeStreamRead(FILE* stream, Serve&& serve) {
  Guard guard;
  if (!Controlled(guard) || IsNull(stream)) return false;
  if (PipeStream p; StreamBufferEmpty(stream) && PipeStreamOf(stream, &p)) AwaitPipeData(p);
  return serve();
}

}  // namespace

namespace weft::shim {

bool SpawnDone(uint16_t index) {
  const Process& p = g_sched->processes[index];
  return p.spawning == 0 || p.state == ProcessState::kExited ||
         p.state == ProcessState::kUncontrolled || p.state == ProcessState::kFree;
}

}  // namespace weft::shim

WEFT_EXPORT int posix_spawn(pid_t* pid, const char* path, const posix_spawn_file_actions_t* actions,
                            const posix_spawnattr_t* attr, char* const argv[], char* const envp[]) {
  return SpawnHook(pid, path, actions, attr, argv, envp, false);
}

WEFT_EXPORT int posix_spawnp(pid_t* pid, const char* file,
                             const posix_spawn_file_actions_t* actions,
                             const posix_spawnattr_t* attr, char* const argv[],
                             char* const envp[]) {
  return SpawnHook(pid, file, actions, attr, argv, envp, true);
}

// system: sh -c command, SIGINT and SIGQUIT ignored and SIGCHLD blocked in the caller while
// it runs (POSIX); the child gets them back. Its wait is the shim's wait for a child of the
// session (a join on its process_exit). A shell that cannot start: 127 as its exit status.
WEFT_EXPORT int system(const char* command) {
  Guard guard;
  if (!Controlled(guard)) return real.system_fn(command);
  if (command == nullptr) {  // is there a shell? (glibc runs "exit 0" to find out)
    return RawSyscall(SYS_faccessat, AT_FDCWD, reinterpret_cast<long>("/bin/sh"), X_OK) == 0;
  }
  KernelSigaction ignore = {reinterpret_cast<void*>(SIG_IGN), 0, nullptr, 0};
  KernelSigaction old_int{}, old_quit{};
  RawSyscall(SYS_rt_sigaction, SIGINT, reinterpret_cast<long>(&ignore),
             reinterpret_cast<long>(&old_int), 8);
  RawSyscall(SYS_rt_sigaction, SIGQUIT, reinterpret_cast<long>(&ignore),
             reinterpret_cast<long>(&old_quit), 8);
  uint64_t chld = 1ull << (SIGCHLD - 1), old_mask = 0;
  RawSyscall(SYS_rt_sigprocmask, SIG_BLOCK, reinterpret_cast<long>(&chld),
             reinterpret_cast<long>(&old_mask), 8);
  // The child's attributes: the caller's mask back, SIGINT / SIGQUIT to their default
  // unless the caller ignored them itself.
  SpawnPlan plan;
  plan.signals = true;
  plan.sigmask = old_mask;
  if (old_int.handler != reinterpret_cast<void*>(SIG_IGN)) plan.sigdefault |= 1ull << (SIGINT - 1);
  if (old_quit.handler != reinterpret_cast<void*>(SIG_IGN)) {
    plan.sigdefault |= 1ull << (SIGQUIT - 1);
  }
  const char* argv[] = {"sh", "-c", command, nullptr};
  pid_t pid = 0;
  int status = 0;
  int rc = SpawnControlled(&pid, "/bin/sh", plan, const_cast<char* const*>(argv), nullptr, false);
  if (rc == 0) {
    if (WaitPidControlled(pid, &status, 0) != pid) status = -1;
  } else {
    status = W_EXITCODE(kSpawnError, 0);
  }
  int error = errno;
  RawSyscall(SYS_rt_sigaction, SIGINT, reinterpret_cast<long>(&old_int), 0, 8);
  RawSyscall(SYS_rt_sigaction, SIGQUIT, reinterpret_cast<long>(&old_quit), 0, 8);
  RawSyscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&old_mask), 0, 8);
  errno = error;
  return status;
}

// popen: sh -c command with its stdout (mode "r") or stdin ("w") a pipe whose other end is
// the stream returned ("e": close-on-exec); the child closes the other popen streams'
// descriptors (POSIX). pclose waits for it (the shim's wait for a child of the session).
WEFT_EXPORT FILE* popen(const char* command, const char* mode) {
  Guard guard;
  if (!Controlled(guard) || IsNull(command) || IsNull(mode) || g_popen_count >= kMaxPopen) {
    return real.popen(command, mode);
  }
  bool reading = mode[0] == 'r';
  if (!reading && mode[0] != 'w') {
    errno = EINVAL;
    return nullptr;
  }
  bool cloexec = false;
  for (const char* m = mode + 1; *m != '\0'; ++m) {
    if (*m == 'e') {
      cloexec = true;
    } else {
      errno = EINVAL;
      return nullptr;
    }
  }
  int fds[2];
  if (long e = Err(RawSyscall(SYS_pipe2, reinterpret_cast<long>(fds), O_CLOEXEC))) {
    errno = static_cast<int>(e);
    return nullptr;
  }
  GrowSessionPipe(fds[0]);
  int mine = fds[reading ? 0 : 1];
  int theirs = fds[reading ? 1 : 0];
  int others[kMaxPopen];
  for (int i = 0; i < g_popen_count; ++i) others[i] = g_popen[i].fd;
  others[g_popen_count] = mine;
  SpawnPlan plan;
  plan.dup_from = theirs;
  plan.dup_to = reading ? 1 : 0;
  plan.close_fds = others;
  plan.close_count = g_popen_count + 1;
  const char* argv[] = {"sh", "-c", command, nullptr};
  pid_t pid = 0;
  int rc = SpawnControlled(&pid, "/bin/sh", plan, const_cast<char* const*>(argv), nullptr, false);
  RawSyscall(SYS_close, theirs);
  if (rc != 0) {
    RawSyscall(SYS_close, mine);
    errno = rc;
    return nullptr;
  }
  if (!cloexec) RawSyscall(SYS_fcntl, mine, F_SETFD, 0);
  FILE* stream = real.fdopen(mine, reading ? "r" : "w");
  if (stream == nullptr) {
    int error = errno;
    RawSyscall(SYS_close, mine);
    WaitPidControlled(pid, nullptr, 0);
    errno = error;
    return nullptr;
  }
  g_popen[g_popen_count++] = {stream, mine, pid, reading};
  return stream;
}

WEFT_EXPORT int pclose(FILE* stream) {
  Guard guard;
  int found = -1;
  for (int i = 0; i < g_popen_count; ++i) {
    if (g_popen[i].stream == stream) found = i;
  }
  if (found < 0) return real.pclose(stream);
  pid_t pid = g_popen[found].pid;
  g_popen[found] = g_popen[--g_popen_count];
  real.fclose(stream);
  int status = 0;
  if (!Controlled(guard)) {
    pid_t r;
    do {
      r = real.waitpid(pid, &status, 0);
    } while (r < 0 && errno == EINTR);
    return r == pid ? status : -1;
  }
  return WaitPidControlled(pid, &status, 0) == pid ? status : -1;
}

namespace {

// A child process the shim cannot follow (one that shares the parent's memory, returns on a
// stack of its own, or gets CLONE_SETTLS, CLONE_PARENT or a namespace), made by `call` (its
// result, errno on failure): a fork event with F_EXTERNAL (arg: the child's pid, or -errno
// with F_FAILED), so the trace says the child runs outside control, and waits that may
// report it are probed, not modelled. NB: a child sharing the memory shares the parent
// thread's TLS too, so the shim cannot tell its hooked calls from the parent's: it must not
// make any (README, Process trees).
template <typename Call>
long OutsideChild(Call&& call) {
  Thread* self = Self();
  Op op;
  op.kind = WEFT_EV_FORK;
  Schedule(self, op);
  long r = call();
  int error = errno;
  self->op.kind = WEFT_EV_NONE;
  Emit(self, WEFT_EV_FORK, r > 0 ? WEFT_F_EXTERNAL : WEFT_F_EXTERNAL | WEFT_F_FAILED, 0,
       r > 0 ? r : -error);
  if (r > 0) ++g_sched->processes[g_process].outside_children;
  errno = error;
  return r;
}

}  // namespace

// vfork: see the top of the file.
WEFT_EXPORT pid_t vfork(void) {
  Guard guard;
  if (!Controlled(guard)) {
    // NB: never glibc's vfork from here: its child would return through this frame.
    if (Free(guard)) return FreeFork();
    return real.fork();
  }
  Thread* self = Self();
  pid_t pid = ForkControlled(self, nullptr, /*no_handlers=*/true);
  if (pid > 0) {
    if (int16_t index = ProcessOfPid(pid); index >= 0) {
      WaitSpawned(self, static_cast<uint16_t>(index));
    }
  }
  return pid;
}

// clone: a new process (no CLONE_VM, no CLONE_THREAD) is the shim's fork, its child running
// fn(arg) (CloneControlled); with CLONE_VFORK the parent is suspended until the child exec'd
// or ended, as above. A clone that shares the memory runs for real (a thread the shim does not
// see, or a child process that shares the parent's memory: not a process of the session).
WEFT_EXPORT int clone(int (*fn)(void*), void* stack, int flags, void* arg, ...) {
  va_list ap;
  va_start(ap, arg);
  pid_t* parent_tid = va_arg(ap, pid_t*);
  void* tls = va_arg(ap, void*);
  pid_t* child_tid = va_arg(ap, pid_t*);
  va_end(ap);
  Guard guard;
  if (!Controlled(guard) || fn == nullptr || (flags & (CLONE_VM | CLONE_THREAD)) != 0) {
    if ((flags & CLONE_THREAD) == 0 && Controlled(guard)) {
      return static_cast<int>(OutsideChild([&] {
        return static_cast<long>(real.clone(fn, stack, flags, arg, parent_tid, tls, child_tid));
      }));
    }
    return real.clone(fn, stack, flags, arg, parent_tid, tls, child_tid);
  }
  Thread* self = Self();
  pid_t pid =
      CloneControlled(self, fn, stack, flags & ~CLONE_VFORK, arg, parent_tid, tls, child_tid);
  if (pid > 0 && (flags & CLONE_VFORK) != 0) {
    if (int16_t index = ProcessOfPid(pid); index >= 0) {
      WaitSpawned(self, static_cast<uint16_t>(index));
    }
  }
  return pid;
}

namespace weft::shim {

// A raw fork, vfork, clone or clone3 (syscall(2)). One that makes a process the shim can
// follow — no CLONE_VM, CLONE_THREAD, CLONE_SETTLS, CLONE_PARENT nor a namespace, and no
// stack of its own, so that its child returns from the call as a fork's does — is the
// shim's fork (RawForkControlled: a fork event, the child a process of the session), its
// CLONE_VFORK (and vfork) the caller's wait without the turn until the child exec'd or
// ended, as vfork's. Any other goes to glibc's syscall as the program made it; a child
// process made so runs uncontrolled (waits that may report it are probed), and one that
// shares no memory but returns on a stack of its own keeps a copy of the shim's state it
// cannot use (not followed; README "Process trees").
// clone3's argument (linux/sched.h's struct clone_args, whose header clashes with sched.h).
struct CloneArgs {
  uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
  uint64_t set_tid, set_tid_size, cgroup;
};
constexpr long kCloneArgsVer0 = 64;  // CLONE_ARGS_SIZE_VER0: up to tls

bool ProcessSyscall(long number, long a1, long a2, long a3, long a4, long a5, long a6,
                    long* result) {
  uint64_t flags;
  long stack;
  if (number == SYS_fork) {
    flags = SIGCHLD;
    stack = 0;
  } else if (number == SYS_vfork) {
    flags = CLONE_VFORK | SIGCHLD;
    stack = 0;
  } else if (number == SYS_clone) {
    flags = static_cast<uint64_t>(a1);
    stack = a2;
  } else if (number == SYS_clone3) {
    const auto* args = reinterpret_cast<const CloneArgs*>(a1);
    if (IsNull(args) || a2 < kCloneArgsVer0) return false;
    flags = args->flags;
    stack = static_cast<long>(args->stack);
  } else {
    return false;
  }
  Guard guard;
  if (!Controlled(guard)) return false;
  constexpr uint64_t kOther = CLONE_VM | CLONE_THREAD | CLONE_SETTLS | CLONE_PARENT | CLONE_NEWNS |
                              CLONE_NEWPID | CLONE_NEWUSER | CLONE_NEWNET | CLONE_NEWIPC |
                              CLONE_NEWUTS | CLONE_NEWCGROUP | CLONE_SIGHAND;
  if ((flags & kOther) != 0 || stack != 0) {
    *result = (flags & CLONE_THREAD) == 0
                  ? OutsideChild([&] { return real.syscall_fn(number, a1, a2, a3, a4, a5, a6); })
                  : real.syscall_fn(number, a1, a2, a3, a4, a5, a6);
    return true;
  }
  Thread* self = Self();
  pid_t pid;
  if (number == SYS_clone3) {
    // NB: the caller's struct, copied: CLONE_VFORK is the shim's wait, not the kernel's.
    CloneArgs args = {};
    CopyBytes(&args, reinterpret_cast<const void*>(a1),
              static_cast<size_t>(a2) < sizeof args ? static_cast<size_t>(a2) : sizeof args);
    args.flags &= ~static_cast<uint64_t>(CLONE_VFORK);
    pid = RawForkControlled(self, SYS_clone3, reinterpret_cast<long>(&args), sizeof args, 0, 0, 0);
  } else {
    // clone's own arguments (parent_tid, child_tid, tls) as given; fork and vfork have none.
    long clone_flags = static_cast<long>(flags & ~static_cast<uint64_t>(CLONE_VFORK));
    pid = number == SYS_clone ? RawForkControlled(self, SYS_clone, clone_flags, 0, a3, a4, a5)
                              : RawForkControlled(self, SYS_clone, clone_flags, 0, 0, 0, 0);
  }
  if (pid > 0 && (flags & CLONE_VFORK) != 0) {
    if (int16_t index = ProcessOfPid(pid); index >= 0) {
      WaitSpawned(self, static_cast<uint16_t>(index));
    }
  }
  *result = pid;
  return true;
}

}  // namespace weft::shim

// ---- stdio reads: of pipe streams (PipeFread, PipeFgets, BeforeStreamRead), of the random
// devices ----
namespace {

// fgets and fgets_unlocked: `unlocked` is the call made when no pipe stream is read.
template <typename Real>
char* FgetsHook(char* s, int n, FILE* stream, Real&& unlocked) {
  {
    Guard guard;
    if (Controlled(guard) && !IsNull(stream) && !StreamBufferHas(stream, '\n')) {
      if (PipeStream p; PipeStreamOf(stream, &p)) return PipeFgets(p, s, n);
    }
  }
  if (BeforeStreamRead(stream, [&] { return RandomStreamLine(stream, s, n); })) return s;
  return unlocked();
}

template <typename Real>
size_t FreadHook(void* buf, size_t size, size_t n, FILE* stream, Real&& unlocked) {
  size_t bytes = 0;
  bool sized = !__builtin_mul_overflow(size, n, &bytes) && bytes > 0;
  if (sized) {
    Guard guard;
    if (Controlled(guard) && !IsNull(stream) && StreamBuffered(stream) < bytes) {
      if (PipeStream p; PipeStreamOf(stream, &p)) return PipeFread(p, buf, bytes) / size;
    }
  }
  auto serve = [&] { return sized && RandomStreamRead(stream, buf, bytes); };
  if (BeforeStreamRead(stream, serve)) return n;
  return unlocked();
}

}  // namespace

WEFT_EXPORT char* fgets(char* s, int n, FILE* stream) {
  return FgetsHook(s, n, stream, [&] { return real.fgets(s, n, stream); });
}

// coreutils (sort, grep, sed) read through the unlocked variants.
WEFT_EXPORT char* fgets_unlocked(char* s, int n, FILE* stream) {
  return FgetsHook(s, n, stream, [&] { return real.fgets_unlocked(s, n, stream); });
}

WEFT_EXPORT size_t fread(void* buf, size_t size, size_t n, FILE* stream) {
  return FreadHook(buf, size, n, stream, [&] { return real.fread(buf, size, n, stream); });
}

WEFT_EXPORT size_t fread_unlocked(void* buf, size_t size, size_t n, FILE* stream) {
  return FreadHook(buf, size, n, stream, [&] { return real.fread_unlocked(buf, size, n, stream); });
}

// What getc_unlocked and putc's inline bodies call when the buffer is empty (uniq, sed, cut).
WEFT_EXPORT int __uflow(FILE* stream) {
  unsigned char c = 0;
  if (BeforeStreamRead(stream, [&] { return RandomStreamRead(stream, &c, 1); })) return c;
  return real.uflow(stream);
}

WEFT_EXPORT int fgetc(FILE* stream) {
  unsigned char c = 0;
  if (BeforeStreamRead(stream, [&] { return RandomStreamRead(stream, &c, 1); })) return c;
  return real.fgetc(stream);
}

WEFT_EXPORT int getc(FILE* stream) {
  unsigned char c = 0;
  if (BeforeStreamRead(stream, [&] { return RandomStreamRead(stream, &c, 1); })) return c;
  return real.getc(stream);
}

WEFT_EXPORT ssize_t getline(char** line, size_t* n, FILE* stream) {
  BeforeGetdelim(stream, '\n');
  return real.getline(line, n, stream);
}

WEFT_EXPORT ssize_t getdelim(char** line, size_t* n, int delim, FILE* stream) {
  BeforeGetdelim(stream, delim);
  return real.getdelim(line, n, delim, stream);
}
