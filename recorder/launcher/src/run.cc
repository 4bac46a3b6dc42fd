// run.cc — Run: starts the program under ptrace and supervises its process tree until the
// root process ends.
//
// The supervisor waits on each tracee by pid (waitpid(tid, __WALL | WNOHANG)), never on
// -1, so that the caller's other children are not reaped here. Every tracee of the tree
// is known before it can report anything: a new thread or process stays in its first
// stop until we wait for it, and we learn its pid from its parent's clone/fork event.
// Sleeping between sweeps is a ppoll on an eventfd that the SIGCHLD handler writes
// (run_signals.h), with a 1 ms cap so `poll` keeps its cadence.
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <set>
#include <string>
#include <vector>

#include "crash.h"
#include "raw_syscall.h"
#include "run_signals.h"
#include "weft/launcher.h"

namespace weft::launcher {
namespace {

using Clock = std::chrono::steady_clock;
using internal::kInterruptSignals;
using internal::kNumInterruptSignals;

constexpr auto kPollInterval = std::chrono::milliseconds(1);
// A signal sent to weft alone is forwarded to the root unless the root got it too within
// this window (then it was sent to the whole group, e.g. by `timeout` or systemd).
constexpr auto kForwardGrace = std::chrono::milliseconds(20);
constexpr auto kDetachDeadline = std::chrono::seconds(2);
constexpr auto kKillDeadline = std::chrono::seconds(10);
constexpr uint32_t kInterruptsBeforeKill = 3;

// NB: PTRACE_O_EXITKILL: if weft dies mid-run the traced tree is killed, not left running
// unsupervised. Tracees detached at the root's end are unaffected.
constexpr long kTraceOptions = PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                               PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL;

// Why the child could not get to the program.
enum ChildStage : int {
  kStagePersonality = 1,
  kStageStdout = 2,
  kStageStderr = 3,
  kStageKeepFd = 4,
  kStageExec = 5,
};
struct ChildFailure {
  int stage;
  int error;
  int detail;  // the fd for kStageKeepFd
};

// Everything the spawned child needs, prepared before the clone: the child shares our
// memory and may only make raw system calls (raw_syscall.h), so nothing is allocated, locked
// or looked up in it. Lives in Run's frame, which outlives the child's use of it.
struct ChildPlan {
  const char* executable;
  char* const* argv;
  char* const* envp;
  const int* keep_fds;
  size_t num_keep_fds;
  int stdout_fd;
  int stderr_fd;
  bool disable_aslr;
  // Futex word: 0 until the parent has seized the child, then 1 (exec).
  std::atomic<uint32_t> go{0};
  // Written by the child before it exits when it cannot exec; read once it is reaped.
  ChildFailure failure = {};
  std::atomic<bool> failed{false};
};

// The child's stack. NB: in Run's frame, not the heap: it must stay mapped until the child
// has exec'd or is dead, and Run returns only then (or after SIGKILL, when the child runs
// no more of its own code). The child uses well under a page of it.
constexpr size_t kChildStackBytes = 16 * 1024;

// Returns once the parent has seized the child (it kills the child if it cannot).
void WaitUntilSeized(ChildPlan& plan) {
  while (plan.go.load(std::memory_order_acquire) == 0) {
    internal::RawSyscall(SYS_futex, reinterpret_cast<long>(&plan.go), FUTEX_WAIT_PRIVATE, 0, 0);
  }
}

[[noreturn]] void ChildFail(ChildPlan& plan, int stage, long ret, int detail) {
  plan.failure = {stage, static_cast<int>(-ret), detail};
  plan.failed.store(true, std::memory_order_release);
  // NB: exit only once seized: a child already gone when the parent calls PTRACE_SEIZE
  // would turn its own failure into a ptrace error.
  WaitUntilSeized(plan);
  for (;;) internal::RawSyscall(SYS_exit_group, 127);
}

long ClearCloexec(int fd) {
  long flags = internal::RawSyscall(SYS_fcntl, fd, F_GETFD);
  if (flags < 0) return flags;
  return internal::RawSyscall(SYS_fcntl, fd, F_SETFD, flags & ~FD_CLOEXEC);
}

long RedirectTo(int fd, int target) {
  if (fd == target) return ClearCloexec(fd);  // dup2(fd, fd) would keep FD_CLOEXEC
  long r = internal::RawSyscall(SYS_dup2, fd, target);
  return r < 0 ? r : 0;
}

// The spawned child, from clone to execve, on its own stack in our memory: raw system calls
// only, no errno, no libc (see raw_syscall.h).
int ChildMain(void* arg) {
  ChildPlan& plan = *static_cast<ChildPlan*>(arg);
  internal::RunSignals::ResetInChild();
  if (plan.disable_aslr) {
    long persona = internal::RawSyscall(SYS_personality, 0xffffffff);
    if (persona < 0) ChildFail(plan, kStagePersonality, persona, 0);
    long r = internal::RawSyscall(SYS_personality,
                                  static_cast<unsigned long>(persona) | ADDR_NO_RANDOMIZE);
    if (r < 0) ChildFail(plan, kStagePersonality, r, 0);
  }
  long r = 0;
  if (plan.stdout_fd >= 0 && (r = RedirectTo(plan.stdout_fd, STDOUT_FILENO)) < 0) {
    ChildFail(plan, kStageStdout, r, plan.stdout_fd);
  }
  if (plan.stderr_fd >= 0 && (r = RedirectTo(plan.stderr_fd, STDERR_FILENO)) < 0) {
    ChildFail(plan, kStageStderr, r, plan.stderr_fd);
  }
  for (size_t i = 0; i < plan.num_keep_fds; ++i) {
    if ((r = ClearCloexec(plan.keep_fds[i])) < 0) {
      ChildFail(plan, kStageKeepFd, r, plan.keep_fds[i]);
    }
  }
  // NB: exec only once the parent has seized us, so that the exec event and every clone of
  // the program are traced.
  WaitUntilSeized(plan);
  r = internal::RawSyscall(SYS_execve, reinterpret_cast<long>(plan.executable),
                           reinterpret_cast<long>(plan.argv), reinterpret_cast<long>(plan.envp));
  ChildFail(plan, kStageExec, r, 0);
}

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
  internal::RawSyscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&all),
                       reinterpret_cast<long>(&old), internal::kKernelSigsetBytes);
  pid_t pid = clone(&ChildMain, stack_top, CLONE_VM | SIGCHLD, plan);
  int err = errno;
  internal::RawSyscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&old), 0,
                       internal::kKernelSigsetBytes);
  return pid >= 0 ? pid : -err;
}

std::string DescribeChildFailure(const ChildFailure& f, const std::string& exe) {
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

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

bool IsStopSignal(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

struct Tracee {
  pid_t tid = 0;
  pid_t tgid = 0;        // process (thread group) of the tracee
  bool exiting = false;  // reported PTRACE_EVENT_EXIT
  bool gone = false;     // reaped or vanished; dropped after the sweep
};

class Supervisor {
 public:
  Supervisor(const SpawnOptions& options, pid_t root, const ChildPlan* plan,
             internal::RunSignals* signals, Clock::time_point start)
      : options_(options),
        root_(root),
        plan_(plan),
        signals_(signals),
        start_(start),
        last_poll_(start) {
    tracees_.push_back({root, root});
    result_.root_pid = static_cast<uint32_t>(root);
    seen_interrupts_ = internal::RunSignals::Counts();
    if (options.timeout_seconds > 0) {
      deadline_ = start + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(options.timeout_seconds));
      has_deadline_ = true;
    }
    for (auto& t : root_signal_seen_) t = Clock::time_point::min();
    for (auto& t : forward_due_) t = Clock::time_point::max();
  }

  // NB: whatever way Run leaves (including a poll callback that throws), the tree is
  // killed and reaped or detached: tracees must never stay stopped under a tracer that
  // stopped listening.
  ~Supervisor() {
    if (!finished_) {
      cleaning_up_ = true;  // NB: before anything that may call poll: it may be what threw
      KillAll(/*call_poll=*/false);
      auto limit = Clock::now() + kKillDeadline;
      while (!root_done_ && Clock::now() < limit) {
        signals_->ClearWakeups();
        if (!Sweep()) signals_->Wait(kPollInterval);
      }
      DetachRest();
    }
  }

  Result<RunResult> Loop() {
    for (;;) {
      // NB: clear wakeups before sweeping: a SIGCHLD after the sweep must end the Wait.
      signals_->ClearWakeups();
      bool progressed = Sweep();
      if (root_done_) break;
      Clock::time_point now = Clock::now();
      CheckInterrupts(now);
      if (has_deadline_ && now >= deadline_ && !killed_) {
        timed_out_ = true;
        KillAll(/*call_poll=*/true);
      }
      if (killed_ && now - killed_at_ > kKillDeadline) {
        finished_ = true;
        DetachRest();
        return MakeError("the program '" + options_.executable + "' (pid " + std::to_string(root_) +
                         ") did not end " + std::to_string(kKillDeadline.count()) +
                         " s after SIGKILL; it may be stuck in the kernel (D state)");
      }
      if (now - last_poll_ >= kPollInterval) CallPoll();
      if (progressed) continue;
      Clock::time_point wake = last_poll_ + kPollInterval;
      if (has_deadline_ && !killed_) wake = std::min(wake, deadline_);
      for (auto due : forward_due_) wake = std::min(wake, due);
      signals_->Wait(wake - Clock::now());
    }
    finished_ = true;
    DetachRest();
    result_.wall_seconds = Seconds(Clock::now() - start_);

    // NB: the root has been reaped: whatever the child wrote is complete.
    if (!root_exec_seen_ && plan_->failed.load(std::memory_order_acquire)) {
      return MakeError(DescribeChildFailure(plan_->failure, options_.executable));
    }
    if (timed_out_) {
      result_.kind = RunResult::Kind::kTimeout;
      result_.signal = SIGKILL;
      result_.exit_code = 0;
    }
    return std::move(result_);
  }

 private:
  // Waits (without blocking) on every tracee once. True if anything was reported.
  bool Sweep() {
    bool progressed = false;
    for (size_t i = 0; i < tracees_.size(); ++i) {
      if (tracees_[i].gone) continue;
      int status = 0;
      pid_t r = waitpid(tracees_[i].tid, &status, __WALL | WNOHANG);
      if (r == 0) continue;
      if (r < 0) {
        if (errno == EINTR) {
          --i;
          continue;
        }
        // ECHILD: the thread vanished without a report (replaced by an exec in another
        // thread of its process).
        tracees_[i].gone = true;
        progressed = true;
        continue;
      }
      progressed = true;
      Handle(tracees_[i], status);
    }
    MergeNew();
    return progressed;
  }

  // NB: tracees found during a sweep are appended after it, so that references into
  // tracees_ stay valid while a status is handled.
  void MergeNew() {
    tracees_.erase(
        std::remove_if(tracees_.begin(), tracees_.end(), [](const Tracee& t) { return t.gone; }),
        tracees_.end());
    for (const Tracee& t : new_tracees_) tracees_.push_back(t);
    new_tracees_.clear();
  }

  void Handle(Tracee& t, int status) {
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      t.gone = true;
      if (t.tid == root_) {
        root_done_ = true;
        if (WIFEXITED(status)) {
          result_.kind = RunResult::Kind::kExited;
          result_.exit_code = WEXITSTATUS(status);
        } else {
          result_.kind = RunResult::Kind::kSignaled;
          result_.signal = WTERMSIG(status);
        }
      }
      return;
    }
    if (!WIFSTOPPED(status)) return;
    int sig = WSTOPSIG(status);
    int event = status >> 16;
    if (event != 0) {
      HandleEvent(t, event, sig);
      return;
    }
    // Signal-delivery-stop: the signal is delivered unchanged (the program may handle it).
    if (t.tgid == root_) {
      for (int i = 0; i < kNumInterruptSignals; ++i) {
        if (kInterruptSignals[i] == sig) root_signal_seen_[i] = Clock::now();
      }
      if (internal::IsCrashSignal(sig)) {
        auto maps = ReadMaps(t.tid);
        if (maps.ok() && !maps->empty()) result_.maps = *maps;
        result_.crash = internal::CaptureCrash(t.tid, sig, result_.maps);
      }
    }
    Resume(t.tid, sig);
  }

  void HandleEvent(Tracee& t, int event, int sig) {
    unsigned long msg = 0;
    switch (event) {
      case PTRACE_EVENT_CLONE:
      case PTRACE_EVENT_FORK:
      case PTRACE_EVENT_VFORK: {
        ptrace(PTRACE_GETEVENTMSG, t.tid, nullptr, &msg);
        pid_t child = static_cast<pid_t>(msg);
        if (child > 0) {
          // A clone is a thread of the parent's process iff tgkill finds it there.
          pid_t tgid = child;
          if (event == PTRACE_EVENT_CLONE && syscall(SYS_tgkill, t.tgid, child, 0) == 0) {
            tgid = t.tgid;
          }
          new_tracees_.push_back({child, tgid});
        }
        Resume(t.tid, 0);
        return;
      }
      case PTRACE_EVENT_EXEC: {
        // The exec'ing thread now has the process's pid; its former tid is gone.
        ptrace(PTRACE_GETEVENTMSG, t.tid, nullptr, &msg);
        pid_t former = static_cast<pid_t>(msg);
        if (former != t.tid) {
          for (Tracee& other : tracees_) {
            if (other.tid == former) other.gone = true;
          }
        }
        t.exiting = false;
        if (t.tgid == root_) root_exec_seen_ = true;
        Resume(t.tid, 0);
        return;
      }
      case PTRACE_EVENT_EXIT:
        if (t.tgid == root_) OnRootThreadExit(t);
        t.exiting = true;
        Resume(t.tid, 0);
        return;
      case PTRACE_EVENT_STOP:
        if (IsStopSignal(sig)) {
          // Group-stop (SIGSTOP/SIGTSTP/...): stay stopped, but let SIGCONT wake the
          // tracee without us: PTRACE_LISTEN. Resuming here would defeat the stop.
          if (ptrace(PTRACE_LISTEN, t.tid, nullptr, nullptr) != 0 && errno != ESRCH) {
            Resume(t.tid, 0);
          }
        } else {
          // A new tracee's first stop, or the re-trap after a group-stop ended.
          Resume(t.tid, 0);
        }
        return;
      default:
        Resume(t.tid, 0);
        return;
    }
  }

  // A thread of the root process is about to exit and its memory is still readable. If
  // the process is ending (the main thread, the last thread, or a group exit with a
  // nonzero status or a signal), drain the ring and snapshot the address space.
  void OnRootThreadExit(const Tracee& t) {
    unsigned long status = 0;
    ptrace(PTRACE_GETEVENTMSG, t.tid, nullptr, &status);
    bool others_alive = false;
    for (const auto* list : {&tracees_, &new_tracees_}) {
      for (const Tracee& o : *list) {
        if (o.tgid == root_ && o.tid != t.tid && !o.gone && !o.exiting) others_alive = true;
      }
    }
    bool group_exit = status != 0;
    if (t.tid == root_ || !others_alive || (group_exit && !group_exit_snapshot_)) {
      CallPoll();
      // NB: /proc/TID/maps of the exiting thread: after a main-thread pthread_exit the
      // leader has no mm any more and /proc/PID/maps would be empty.
      auto maps = ReadMaps(t.tid);
      if (maps.ok() && !maps->empty()) result_.maps = std::move(*maps);
      if (group_exit) group_exit_snapshot_ = true;
    }
  }

  void Resume(pid_t tid, int sig) {
    ptrace(PTRACE_CONT, tid, nullptr, reinterpret_cast<void*>(static_cast<intptr_t>(sig)));
  }

  void CallPoll() {
    last_poll_ = Clock::now();
    if (options_.poll && !cleaning_up_) options_.poll();
  }

  void CheckInterrupts(Clock::time_point now) {
    internal::InterruptCounts counts = internal::RunSignals::Counts();
    for (int i = 0; i < kNumInterruptSignals; ++i) {
      uint32_t fresh = counts.total[i] - seen_interrupts_.total[i];
      uint32_t from_process = counts.from_process[i] - seen_interrupts_.from_process[i];
      if (fresh > 0) {
        result_.interrupted_by = kInterruptSignals[i];
        interrupts_ += fresh;
      }
      if (from_process > 0 && !killed_) {
        forward_since_[i] = now;
        forward_due_[i] = now + kForwardGrace;
      }
    }
    seen_interrupts_ = counts;
    if (interrupts_ >= kInterruptsBeforeKill && !killed_) {
      result_.warnings.push_back("weft received " + std::to_string(interrupts_) +
                                 " interrupt signals; the program's tree was killed");
      KillAll(/*call_poll=*/true);
    }
    for (int i = 0; i < kNumInterruptSignals; ++i) {
      if (now < forward_due_[i]) continue;
      forward_due_[i] = Clock::time_point::max();
      if (killed_) continue;
      // Forward only if the root did not get the same signal around the same time.
      if (root_signal_seen_[i] < forward_since_[i] - kForwardGrace) {
        kill(root_, kInterruptSignals[i]);
      }
    }
  }

  // Kills every traced process with SIGKILL, after a last poll and maps snapshot.
  void KillAll(bool call_poll) {
    if (killed_) return;
    killed_ = true;
    killed_at_ = Clock::now();
    MergeNew();
    if (call_poll) CallPoll();
    for (const Tracee& t : tracees_) {
      if (t.tgid != root_ || t.gone) continue;
      auto maps = ReadMaps(t.tid);
      if (maps.ok() && !maps->empty()) {
        result_.maps = std::move(*maps);
        break;
      }
    }
    std::set<pid_t> processes;
    for (const Tracee& t : tracees_) processes.insert(t.tgid);
    for (pid_t p : processes) kill(p, SIGKILL);
  }

  // Detaches every remaining tracee (other processes of the tree) so it runs on untraced.
  // NB: PTRACE_DETACH needs the tracee in a ptrace-stop: interrupt all first, then
  // detach each at its next stop (whatever stop it is), all in parallel, so that a vfork
  // parent waiting for its child does not block the others.
  void DetachRest() {
    MergeNew();
    for (const Tracee& t : tracees_) ptrace(PTRACE_INTERRUPT, t.tid, nullptr, nullptr);
    auto limit = Clock::now() + kDetachDeadline;
    while (!tracees_.empty() && Clock::now() < limit) {
      signals_->ClearWakeups();
      bool progressed = false;
      for (Tracee& t : tracees_) {
        int status = 0;
        pid_t r = waitpid(t.tid, &status, __WALL | WNOHANG);
        if (r == 0) continue;
        progressed = true;
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 || WIFEXITED(status) || WIFSIGNALED(status)) {
          t.gone = true;
          continue;
        }
        if (!WIFSTOPPED(status)) continue;
        int event = status >> 16;
        int sig = WSTOPSIG(status);
        if (event == PTRACE_EVENT_CLONE || event == PTRACE_EVENT_FORK ||
            event == PTRACE_EVENT_VFORK) {
          unsigned long msg = 0;
          ptrace(PTRACE_GETEVENTMSG, t.tid, nullptr, &msg);
          // The new tracee is auto-attached; it stops by itself at its first stop.
          if (msg != 0) new_tracees_.push_back({static_cast<pid_t>(msg), 0});
        }
        // A signal-delivery-stop's signal is passed on; a group-stop stays in effect.
        int pass = event == 0 ? sig : 0;
        ptrace(PTRACE_DETACH, t.tid, nullptr, reinterpret_cast<void*>(static_cast<intptr_t>(pass)));
        t.gone = true;
      }
      MergeNew();
      if (!progressed && !tracees_.empty()) signals_->Wait(kPollInterval);
    }
    for (const Tracee& t : tracees_) {
      result_.warnings.push_back("could not detach thread " + std::to_string(t.tid) +
                                 " of process " + std::to_string(t.tgid) + " within " +
                                 std::to_string(kDetachDeadline.count()) +
                                 " s; it stays traced and is killed when weft exits");
    }
    tracees_.clear();
  }

  const SpawnOptions& options_;
  const pid_t root_;
  const ChildPlan* plan_;
  internal::RunSignals* signals_;
  const Clock::time_point start_;
  Clock::time_point last_poll_;
  Clock::time_point deadline_;
  bool has_deadline_ = false;

  std::vector<Tracee> tracees_;
  std::vector<Tracee> new_tracees_;
  RunResult result_;
  bool root_done_ = false;
  bool root_exec_seen_ = false;
  bool group_exit_snapshot_ = false;
  bool timed_out_ = false;
  bool killed_ = false;
  bool finished_ = false;
  bool cleaning_up_ = false;  // leaving Run through an exception: no more poll calls
  Clock::time_point killed_at_;

  internal::InterruptCounts seen_interrupts_;
  uint32_t interrupts_ = 0;
  Clock::time_point root_signal_seen_[kNumInterruptSignals];
  Clock::time_point forward_since_[kNumInterruptSignals];
  Clock::time_point forward_due_[kNumInterruptSignals];
};

// Keeps the calling thread on one CPU until destroyed, then restores its affinity.
class TracerPin {
 public:
  explicit TracerPin(int cpu) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return;
    if (sched_getaffinity(0, sizeof(saved_), &saved_) != 0 || !CPU_ISSET(cpu, &saved_)) return;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    pinned_ = sched_setaffinity(0, sizeof(one), &one) == 0;
  }
  ~TracerPin() {
    if (pinned_) sched_setaffinity(0, sizeof(saved_), &saved_);
  }
  TracerPin(const TracerPin&) = delete;
  TracerPin& operator=(const TracerPin&) = delete;

 private:
  cpu_set_t saved_;
  bool pinned_ = false;
};

// Kills and reaps a spawned child that no Supervisor looks after yet.
struct ChildGuard {
  pid_t pid;
  ~ChildGuard() {
    if (pid <= 0) return;
    kill(pid, SIGKILL);
    while (waitpid(pid, nullptr, __WALL) < 0 && errno == EINTR) {
    }
  }
};

std::vector<char*> CStrings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<RunResult> Run(const SpawnOptions& options) {
  if (options.argv.empty()) {
    return MakeError("cannot run '" + options.executable +
                     "': argv is empty (argv[0] is what the program sees as its name)");
  }
  if (options.executable.empty()) {
    return MakeError("cannot run '" + options.argv[0] +
                     "': no executable path given (resolve it with ResolveProgram first)");
  }
  std::vector<char*> argv = CStrings(options.argv);
  std::vector<char*> envp = CStrings(options.env);

  internal::RunSignals signals;
  ChildPlan plan;
  plan.executable = options.executable.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.keep_fds = options.keep_fds.data();
  plan.num_keep_fds = options.keep_fds.size();
  plan.stdout_fd = options.stdout_fd;
  plan.stderr_fd = options.stderr_fd;
  plan.disable_aslr = options.disable_aslr;
  alignas(64) char child_stack[kChildStackBytes];

  Clock::time_point start = Clock::now();
  pid_t pid = SpawnChild(&plan, child_stack + sizeof(child_stack));
  if (pid < 0) {
    return MakeError("cannot start '" + options.executable + "': clone failed: " +
                     std::strerror(-pid) + " (too many processes? see ulimit -u)");
  }
  // NB: the child runs on child_stack, in this frame: until the Supervisor owns it, any way
  // out of here (an error, an exception) kills and reaps it first.
  ChildGuard guard{pid};
  // NB: after the clone, so that the program starts with the caller's affinity.
  TracerPin pin(options.tracer_cpu);
  if (ptrace(PTRACE_SEIZE, pid, nullptr, reinterpret_cast<void*>(kTraceOptions)) != 0) {
    int err = errno;
    return MakeError("cannot trace '" + options.executable +
                     "': ptrace(PTRACE_SEIZE) failed: " + std::strerror(err) +
                     "; weft needs ptrace: in a container allow it "
                     "(--cap-add=SYS_PTRACE, seccomp), and check "
                     "/proc/sys/kernel/yama/ptrace_scope");
  }
  Supervisor supervisor(options, pid, &plan, &signals, start);
  guard.pid = 0;
  // The child waits for this before exec (see ChildMain).
  plan.go.store(1, std::memory_order_release);
  syscall(SYS_futex, &plan.go, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
  return supervisor.Loop();
}

}  // namespace weft::launcher
