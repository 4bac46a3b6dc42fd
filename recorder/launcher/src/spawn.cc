// spawn.cc — see spawn.h.
#include "spawn.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "raw_syscall.h"
#include "signals.h"

namespace weft::launcher::internal {
namespace {

// Returns once the parent has seized the child (it kills the child if it cannot).
WEFT_CHILD_CODE void WaitUntilSeized(ChildPlan& plan) {
  while (plan.go.load(std::memory_order_acquire) == 0) {
    RawSyscall(SYS_futex, reinterpret_cast<long>(&plan.go), FUTEX_WAIT_PRIVATE, 0, 0);
  }
}

[[noreturn]] WEFT_CHILD_CODE void ChildFail(ChildPlan& plan, int stage, long ret, int detail) {
  plan.failure = {stage, static_cast<int>(-ret), detail};
  plan.failed.store(true, std::memory_order_release);
  // NB: exit only once seized: a child already gone when the parent calls PTRACE_SEIZE
  // would turn its own failure into a ptrace error.
  WaitUntilSeized(plan);
  for (;;) RawSyscall(SYS_exit_group, 127);
}

WEFT_CHILD_CODE long ClearCloexec(int fd) {
  long flags = RawSyscall(SYS_fcntl, fd, F_GETFD);
  if (flags < 0) return flags;
  return RawSyscall(SYS_fcntl, fd, F_SETFD, flags & ~FD_CLOEXEC);
}

WEFT_CHILD_CODE long RedirectTo(int fd, int target) {
  if (fd == target) return ClearCloexec(fd);  // dup2(fd, fd) would keep FD_CLOEXEC
  long r = RawSyscall(SYS_dup2, fd, target);
  return r < 0 ? r : 0;
}

}  // namespace

WEFT_CHILD_CODE long MountPrivateView(const IsolationPlan& iso, int* step, int* upper_fds) {
  long r;
  *step = kIsoUnshare;
  if ((r = RawSyscall(SYS_unshare, CLONE_NEWNS)) < 0) return r;
  *step = kIsoPrivate;
  if ((r = RawSyscall5(SYS_mount, 0, reinterpret_cast<long>("/"), 0, MS_REC | MS_PRIVATE, 0)) < 0) {
    return r;
  }
  *step = kIsoScratch;
  if ((r = RawSyscall5(SYS_mount, reinterpret_cast<long>("weft"),
                       reinterpret_cast<long>(iso.scratch), reinterpret_cast<long>("tmpfs"), 0,
                       reinterpret_cast<long>("mode=0700"))) < 0) {
    return r;
  }
  *step = kIsoMkdir;
  for (const char* dir : iso.dirs) {
    if ((r = RawSyscall(SYS_mkdir, reinterpret_cast<long>(dir), 0700)) < 0) return r;
  }
  if (upper_fds != nullptr) {
    *step = kIsoOpen;
    for (int i = 0; i < 2; ++i) {
      if ((r = RawSyscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>(iso.dirs[2 * i]),
                          O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        return r;
      }
      upper_fds[i] = static_cast<int>(r);
    }
  }
  // NB: the working directory's overlay first: its layers are reached through /tmp, which
  // the second overlay hides (an overlay does not show the mounts under its lower layer).
  if (iso.cwd != nullptr) {
    *step = kIsoCwd;
    if ((r = RawSyscall5(SYS_mount, reinterpret_cast<long>("weft"), reinterpret_cast<long>(iso.cwd),
                         reinterpret_cast<long>("overlay"), 0,
                         reinterpret_cast<long>(iso.cwd_options))) < 0) {
      return r;
    }
  }
  *step = kIsoTmp;
  if ((r = RawSyscall5(SYS_mount, reinterpret_cast<long>("weft"), reinterpret_cast<long>("/tmp"),
                       reinterpret_cast<long>("overlay"), 0,
                       reinterpret_cast<long>(iso.tmp_options))) < 0) {
    return r;
  }
  return 0;
}

namespace {

// The spawned child, from clone to execve, on its own stack in our memory: raw system calls
// only, no errno, no libc (see raw_syscall.h).
WEFT_CHILD_CODE int ChildMain(void* arg) {
  long r0;
  ChildPlan& plan = *static_cast<ChildPlan*>(arg);
  RunSignals::ResetInChild();
  // NB: the death of the thread that started it, not of weft: each worker's server goes
  // with its worker (and with weft). Kept across the exec.
  if (plan.untraced && (r0 = RawSyscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL)) < 0) {
    ChildFail(plan, kStageParentDeath, r0, 0);
  }
  if (plan.disable_aslr) {
    long persona = RawSyscall(SYS_personality, 0xffffffff);
    if (persona < 0) ChildFail(plan, kStagePersonality, persona, 0);
    long r = RawSyscall(SYS_personality, static_cast<unsigned long>(persona) | ADDR_NO_RANDOMIZE);
    if (r < 0) ChildFail(plan, kStagePersonality, r, 0);
  }
  long r = 0;
  if (plan.stdout_fd >= 0 && (r = RedirectTo(plan.stdout_fd, STDOUT_FILENO)) < 0) {
    ChildFail(plan, kStageStdout, r, plan.stdout_fd);
  }
  if (plan.stderr_fd >= 0 && (r = RedirectTo(plan.stderr_fd, STDERR_FILENO)) < 0) {
    ChildFail(plan, kStageStderr, r, plan.stderr_fd);
  }
  if (plan.stdin_fd >= 0 && (r = RedirectTo(plan.stdin_fd, STDIN_FILENO)) < 0) {
    ChildFail(plan, kStageStdin, r, plan.stdin_fd);
  }
  // NB: setns puts the child at the namespace's root: it changes into its directory below.
  if (plan.mount_ns_fd >= 0 && (r = RawSyscall(SYS_setns, plan.mount_ns_fd, CLONE_NEWNS)) < 0) {
    ChildFail(plan, kStageIsolate, r, kIsoSetns);
  }
  for (size_t i = 0; i < plan.num_keep_fds; ++i) {
    if ((r = ClearCloexec(plan.keep_fds[i])) < 0) {
      ChildFail(plan, kStageKeepFd, r, plan.keep_fds[i]);
    }
  }
  for (size_t i = 0; i < plan.num_moved_fds; ++i) {
    if ((r = RedirectTo(plan.moved_fds[i].first, plan.moved_fds[i].second)) < 0) {
      ChildFail(plan, kStageKeepFd, r, plan.moved_fds[i].first);
    }
  }
  // Without CLONE_FS the child has its own working directory: this leaves weft's alone.
  if (plan.cwd != nullptr &&
      (r = internal::RawSyscall(SYS_chdir, reinterpret_cast<long>(plan.cwd))) < 0) {
    ChildFail(plan, kStageCwd, r, 0);
  }
  // NB: exec only once the parent has seized us, so that the exec event and every clone of
  // the program are traced.
  WaitUntilSeized(plan);
  r = RawSyscall(SYS_execve, reinterpret_cast<long>(plan.executable),
                 reinterpret_cast<long>(plan.argv), reinterpret_cast<long>(plan.envp));
  ChildFail(plan, kStageExec, r, 0);
}

}  // namespace

// Starts ChildMain in a new process that shares our memory until it execs; returns its pid,
// or -errno.
//
// NB: why clone(CLONE_VM) and not fork: fork copies weft's page tables and write-protects
// its private pages (copy-on-write faults follow in every weft thread), and the child's exec
// tears the copy down again, all to run a few system calls. Measured in `weft explore` on
// the 2-vCPU dev VM: fork took 0.33 ms of the calling thread per run, this clone 0.07 ms;
// page-table work is also what scales worst when several Runs are active at once.
//
// NB: why not CLONE_VFORK too (as posix_spawn does): vfork suspends the calling thread until
// the child execs, but that thread must PTRACE_SEIZE the child before the exec (the tracer
// is a thread, and only it can wait for and resume its tracees): seizing after the exec
// would let the program's first instructions, the shim's constructor and its first clones
// run untraced. So the child runs concurrently and waits on plan->go until we have seized it.
//
// NB: every signal is blocked across the clone, so the child starts with all blocked and
// unblocks them only after resetting handlers (ResetInChild): a weft handler run in the child
// would run on weft's memory with this thread's TLS.
pid_t SpawnChild(ChildPlan* plan, char* stack_top) {
  unsigned long all = ~0ul, old = 0;
  RawSyscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&all),
             reinterpret_cast<long>(&old), kKernelSigsetBytes);
  // NB: an untraced child needs no seize: CLONE_VFORK returns once it has exec'd (or failed),
  // when it no longer uses the stack in our frame.
  pid_t pid =
      clone(&ChildMain, stack_top, CLONE_VM | (plan->untraced ? CLONE_VFORK : 0) | SIGCHLD, plan);
  int err = errno;
  RawSyscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&old), 0, kKernelSigsetBytes);
  return pid >= 0 ? pid : -err;
}

void ReleaseChild(ChildPlan* plan) {
  plan->go.store(1, std::memory_order_release);
  syscall(SYS_futex, &plan->go, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

std::string DescribeChildFailure(const ChildFailure& f, const std::string& exe,
                                 const std::string& cwd) {
  std::string why = std::strerror(f.error);
  switch (f.stage) {
    case kStagePersonality:
      return "cannot start '" + exe +
             "' with ASLR disabled: personality(ADDR_NO_RANDOMIZE) "
             "failed: " +
             why +
             " (a seccomp policy may forbid it; weft needs a fixed layout "
             "for replay)";
    case kStageStdout:
      return "cannot start '" + exe + "': cannot redirect its stdout to fd " +
             std::to_string(f.detail) + ": " + why;
    case kStageStderr:
      return "cannot start '" + exe + "': cannot redirect its stderr to fd " +
             std::to_string(f.detail) + ": " + why;
    case kStageKeepFd:
      return "cannot start '" + exe + "': cannot pass fd " + std::to_string(f.detail) +
             " to it: " + why + " (is the fd open?)";
    case kStageStdin:
      return "cannot start '" + exe + "': cannot give it fd " + std::to_string(f.detail) +
             " as its stdin: " + why;
    case kStageIsolate: {
      static const char* const kSteps[] = {"",
                                           "unshare(CLONE_NEWNS)",
                                           "making its mounts private",
                                           "mounting a tmpfs for the overlays",
                                           "creating the overlays' directories",
                                           "mounting an overlay over its working directory",
                                           "mounting an overlay over /tmp",
                                           "joining its private view (setns)",
                                           "opening the overlays' upper directories"};
      const char* step = f.detail >= 1 && f.detail <= 8 ? kSteps[f.detail] : "?";
      return "cannot start '" + exe + "' with a private view of its files: " + step +
             " failed: " + why + " (weft needs to be root, or run it without isolation)";
    }
    case kStageParentDeath:
      return "cannot start '" + exe + "': prctl(PR_SET_PDEATHSIG) failed: " + why;
    case kStageCwd:
      return "cannot start '" + exe + "': cannot change into its working directory '" + cwd +
             "': " + why + " (does the directory still exist?)";
    case kStageExec: {
      std::string hint;
      if (f.error == ENOENT) hint = " (the file or its ELF interpreter is missing)";
      if (f.error == EACCES) hint = " (check the file's x permission and the mount's noexec)";
      if (f.error == ENOEXEC) hint = " (not a format the kernel can run)";
      return "cannot start '" + exe + "': execve failed: " + why + hint;
    }
    default:
      return "cannot start '" + exe + "': the child failed before exec (stage " +
             std::to_string(f.stage) + "): " + why;
  }
}

}  // namespace weft::launcher::internal
