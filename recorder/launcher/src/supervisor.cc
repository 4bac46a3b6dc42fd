// supervisor.cc — see supervisor.h.
#include "supervisor.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <set>
#include <string>
#include <utility>

#include "crash.h"

namespace weft::launcher::internal {
namespace {

using Clock = Supervisor::Clock;

constexpr auto kPollInterval = std::chrono::milliseconds(1);
// A signal sent to weft alone is forwarded to the root unless the root got it too within
// this window (then it was sent to the whole group, e.g. by `timeout` or systemd).
constexpr auto kForwardGrace = std::chrono::milliseconds(20);
constexpr auto kDetachDeadline = std::chrono::seconds(2);
constexpr auto kKillDeadline = std::chrono::seconds(10);
constexpr uint32_t kInterruptsBeforeKill = 3;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The program process `pid` runs and its argv, from /proc (at its exec stop: the new one's).
RunResult::Exec ReadExec(pid_t pid) {
  RunResult::Exec exec;
  exec.pid = static_cast<uint32_t>(pid);
  std::string proc = "/proc/" + std::to_string(pid);
  char path[4096];
  ssize_t n = readlink((proc + "/exe").c_str(), path, sizeof path);
  if (n > 0 && static_cast<size_t>(n) < sizeof path) exec.executable.assign(path, n);
  int fd = open((proc + "/cmdline").c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    std::string text;
    char buf[4096];
    for (ssize_t got; text.size() < (1u << 20) && (got = read(fd, buf, sizeof buf)) > 0;) {
      text.append(buf, static_cast<size_t>(got));
    }
    close(fd);
    for (size_t at = 0; at < text.size();) {
      size_t end = text.find('\0', at);
      if (end == std::string::npos) end = text.size();
      exec.argv.push_back(text.substr(at, end - at));
      at = end + 1;
    }
  }
  return exec;
}

bool IsStopSignal(int sig) {
  return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

}  // namespace

Supervisor::Supervisor(const SpawnOptions& options, pid_t root, const ChildPlan* plan,
                       RunSignals* signals, Clock::time_point start)
    : options_(options),
      root_(root),
      plan_(plan),
      signals_(signals),
      start_(start),
      last_poll_(start),
      poll_interval_(kPollInterval) {
  tracees_.push_back({root, root});
  result_.root_pid = static_cast<uint32_t>(root);
  seen_interrupts_ = RunSignals::Counts();
  if (options.timeout_seconds > 0) {
    deadline_ = start + std::chrono::duration_cast<Clock::duration>(
                            std::chrono::duration<double>(options.timeout_seconds));
    has_deadline_ = true;
  }
  for (auto& t : root_signal_seen_) t = Clock::time_point::min();
  for (auto& t : forward_due_) t = Clock::time_point::max();
}

Supervisor::~Supervisor() {
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

Result<RunResult> Supervisor::Loop() {
  for (;;) {
    // NB: clear wakeups before sweeping: a SIGCHLD after the sweep must end the Wait.
    signals_->ClearWakeups();
    bool progressed = Sweep();
    if (root_done_ && !OthersRunning()) break;
    Clock::time_point now = Clock::now();
    CheckInterrupts(now);
    if (has_deadline_ && now >= deadline_ && !killed_) {
      timed_out_ = true;
      SnapshotThreads();
      KillAll(/*call_poll=*/true);
    }
    if (killed_ && now - killed_at_ > kKillDeadline) {
      finished_ = true;
      DetachRest();
      return MakeError("the program '" + options_.executable + "' (pid " + std::to_string(root_) +
                       ") did not end " + std::to_string(kKillDeadline.count()) +
                       " s after SIGKILL; it may be stuck in the kernel (D state)");
    }
    if (now - last_poll_ >= poll_interval_) CallPoll();
    // NB: here, not in CallPoll: that also runs inside Sweep, which walks tracees_.
    if (options_.should_hand_over && !killed_ && options_.should_hand_over()) {
      HandOver();
      break;
    }
    if (progressed) continue;
    Clock::time_point wake = last_poll_ + poll_interval_;
    if (has_deadline_ && !killed_) wake = std::min(wake, deadline_);
    for (auto due : forward_due_) wake = std::min(wake, due);
    signals_->Wait(wake - Clock::now());
  }
  finished_ = true;
  DetachRest();
  result_.wall_seconds = Seconds(Clock::now() - start_);

  // NB: the root has been reaped: whatever the child wrote is complete.
  if (!root_exec_seen_ && plan_->failed.load(std::memory_order_acquire)) {
    return MakeError(DescribeChildFailure(plan_->failure, options_.executable, options_.cwd));
  }
  if (timed_out_) {
    result_.kind = RunResult::Kind::kTimeout;
    result_.signal = SIGKILL;
    result_.exit_code = 0;
  }
  return std::move(result_);
}

// After the root has ended: whether the run goes on for the processes still under control.
bool Supervisor::OthersRunning() {
  if (killed_ || !options_.others_running) return false;
  bool traced = false;
  for (const auto* list : {&tracees_, &new_tracees_}) {
    for (const Tracee& t : *list) traced = traced || !t.gone;
  }
  return traced && options_.others_running();
}

// Waits (without blocking) on every tracee once. True if anything was reported.
bool Supervisor::Sweep() {
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
void Supervisor::MergeNew() {
  tracees_.erase(
      std::remove_if(tracees_.begin(), tracees_.end(), [](const Tracee& t) { return t.gone; }),
      tracees_.end());
  for (const Tracee& t : new_tracees_) tracees_.push_back(t);
  new_tracees_.clear();
}

void Supervisor::Handle(Tracee& t, int status) {
  if (WIFEXITED(status) || WIFSIGNALED(status)) {
    t.gone = true;
    if (WIFSIGNALED(status) && t.tid == t.tgid && t.tgid != root_ && t.tgid != 0) {
      // NB: the root's own death is the run's outcome; a child's is something to know.
      const char* name = sigabbrev_np(WTERMSIG(status));
      result_.warnings.push_back("process " + std::to_string(t.tid) +
                                 " of the program's tree was killed by SIG" +
                                 (name != nullptr ? name : std::to_string(WTERMSIG(status))));
    }
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
  if (t.set_options) SetOptions(t);
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
    if (IsCrashSignal(sig)) {
      auto maps = ReadMaps(t.tid);
      if (maps.ok() && !maps->empty()) result_.maps = *maps;
      result_.crash = CaptureCrash(t.tid, sig, result_.maps);
    }
  }
  Resume(t.tid, sig);
}

void Supervisor::HandleEvent(Tracee& t, int event, int sig) {
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
        // NB: a new thread inherits its creator's options: they are set at its first stop,
        // without exit stops for a thread (a round trip each; a tiny program's run spent
        // about a tenth of its CPU on two of them; OnRootThreadExit says when they are due).
        if (tgid == child) ++result_.processes_started;
        Tracee fresh{child, tgid};
        // (A thread the root process makes after its main thread exited may be its last.)
        fresh.exit_stops = tgid == child || (tgid == root_ && root_main_gone_);
        fresh.set_options = true;
        new_tracees_.push_back(fresh);
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
      if (t.tgid == root_ && launch_exec_pending_) {
        launch_exec_pending_ = false;
      } else {
        result_.execs.push_back(ReadExec(t.tid));
      }
      if (t.tgid != root_) execd_.insert(t.tgid);
      // NB: the exec'ing thread, now the main one, has its own options (maybe no exit stop).
      t.exit_stops = true;
      SetOptions(t);
      if (t.tgid == root_) {
        root_exec_seen_ = true;
        root_main_gone_ = false;  // the exec'ing thread is the new image's main thread
      }
      Resume(t.tid, 0);
      return;
    }
    case PTRACE_EVENT_EXIT:
      if (t.tgid == root_) OnRootThreadExit(t);
      if (t.tid == t.tgid && execd_.count(t.tgid) != 0) CallPoll();
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
void Supervisor::OnRootThreadExit(const Tracee& t) {
  unsigned long status = 0;
  ptrace(PTRACE_GETEVENTMSG, t.tid, nullptr, &status);
  bool others_alive = false;
  for (const auto* list : {&tracees_, &new_tracees_}) {
    for (const Tracee& o : *list) {
      if (o.tgid == root_ && o.tid != t.tid && !o.gone && !o.exiting) others_alive = true;
    }
  }
  bool group_exit = status != 0;
  if (t.tid == root_ && others_alive) {
    // The main thread ends first (pthread_exit, or a group exit on its way): the last
    // thread's exit is then the process's, so the others stop at theirs again, and so do
    // the threads made after.
    root_main_gone_ = true;
    for (auto* list : {&tracees_, &new_tracees_}) {
      for (Tracee& o : *list) {
        if (o.tgid != root_ || o.tid == t.tid || o.gone || o.exit_stops) continue;
        o.exit_stops = true;
        if (o.set_options) continue;  // not stopped yet: its first stop sets them
        o.set_options = true;
        ptrace(PTRACE_INTERRUPT, o.tid, nullptr, nullptr);
      }
    }
  }
  if (t.tid == root_ || !others_alive || (group_exit && !group_exit_snapshot_)) {
    CallPoll();
    // NB: /proc/TID/maps of the exiting thread: after a main-thread pthread_exit the
    // leader has no mm any more and /proc/PID/maps would be empty.
    auto maps = ReadMaps(t.tid);
    if (maps.ok() && !maps->empty()) result_.maps = std::move(*maps);
    if (group_exit) group_exit_snapshot_ = true;
  }
}

void Supervisor::SetOptions(Tracee& t) {
  t.set_options = false;
  long options = t.exit_stops ? kTraceOptions : kTraceOptions & ~PTRACE_O_TRACEEXIT;
  ptrace(PTRACE_SETOPTIONS, t.tid, nullptr, reinterpret_cast<void*>(options));
}

void Supervisor::Resume(pid_t tid, int sig) {
  ptrace(PTRACE_CONT, tid, nullptr, reinterpret_cast<void*>(static_cast<intptr_t>(sig)));
}

void Supervisor::CallPoll() {
  last_poll_ = Clock::now();
  if (options_.poll && !cleaning_up_) options_.poll();
  poll_interval_ = kPollInterval;
  if (options_.poll_delay && !cleaning_up_) {
    auto delay = std::chrono::duration_cast<Clock::duration>(options_.poll_delay());
    if (delay.count() > 0) poll_interval_ = delay;
  }
  if (options_.should_stop && !killed_ && !cleaning_up_ && options_.should_stop()) {
    result_.stopped = true;
    KillAll(/*call_poll=*/false);
  }
}

// Detaches the whole tree, lets SpawnOptions::hand_over have it, then kills and reaps it.
// NB: the maps are read first: once detached, the tree may be changed by whoever gets it.
void Supervisor::HandOver() {
  MergeNew();
  auto maps = ReadMaps(root_);
  if (maps.ok() && !maps->empty()) result_.maps = std::move(*maps);
  std::set<pid_t> processes;
  for (const Tracee& t : tracees_) processes.insert(t.tgid);
  DetachRest();
  if (options_.hand_over) options_.hand_over(root_);
  for (pid_t p : processes) kill(p, SIGKILL);
  int status = 0;
  while (waitpid(root_, &status, __WALL) < 0 && errno == EINTR) {
  }
  root_done_ = true;
  killed_ = true;
  killed_at_ = Clock::now();
  result_.handed_over = true;
  result_.kind = RunResult::Kind::kSignaled;
  result_.signal = SIGKILL;
}

void Supervisor::CheckInterrupts(Clock::time_point now) {
  InterruptCounts counts = RunSignals::Counts();
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

namespace {

// The name of an x86-64 system call weft's users meet in a hang ("" for the others).
const char* SyscallName(long nr) {
  switch (nr) {
    case SYS_read:
      return "read";
    case SYS_write:
      return "write";
    case SYS_poll:
      return "poll";
    case SYS_ppoll:
      return "ppoll";
    case SYS_select:
      return "select";
    case SYS_pselect6:
      return "pselect6";
    case SYS_epoll_wait:
      return "epoll_wait";
    case SYS_epoll_pwait:
      return "epoll_pwait";
    case SYS_futex:
      return "futex";
    case SYS_nanosleep:
      return "nanosleep";
    case SYS_clock_nanosleep:
      return "clock_nanosleep";
    case SYS_wait4:
      return "wait4";
    case SYS_waitid:
      return "waitid";
    case SYS_rt_sigsuspend:
      return "rt_sigsuspend";
    case SYS_rt_sigtimedwait:
      return "rt_sigtimedwait";
    case SYS_pause:
      return "pause";
    case SYS_accept:
      return "accept";
    case SYS_accept4:
      return "accept4";
    case SYS_connect:
      return "connect";
    case SYS_recvfrom:
      return "recvfrom";
    case SYS_recvmsg:
      return "recvmsg";
    case SYS_sendto:
      return "sendto";
    case SYS_sendmsg:
      return "sendmsg";
    case SYS_openat:
      return "openat";
    case SYS_flock:
      return "flock";
    case SYS_fcntl:
      return "fcntl";
    case SYS_sched_yield:
      return "sched_yield";
    case SYS_ioctl:
      return "ioctl";
    default:
      return "";
  }
}

std::string ReadSmallFile(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  char buf[512];
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  close(fd);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
}

}  // namespace

// Catches every thread of the root process before a timeout's kill: state, system call and
// stack, so that the timeout can say who held the turn and where each thread waited.
void Supervisor::SnapshotThreads() {
  MergeNew();
  std::vector<const Tracee*> threads;
  for (const Tracee& t : tracees_) {
    if (t.tgid == root_ && !t.gone && !t.exiting) threads.push_back(&t);
  }
  for (const Tracee* t : threads) {
    ThreadSnapshot snap;
    snap.os_tid = static_cast<uint32_t>(t->tid);
    std::string task = "/proc/" + std::to_string(root_) + "/task/" + std::to_string(t->tid);
    // NB: the state before the interrupt stops it (then it is 't').
    std::string stat = ReadSmallFile(task + "/stat");
    size_t paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size()) snap.state = stat[paren + 2];
    if (ptrace(PTRACE_INTERRUPT, t->tid, nullptr, nullptr) == 0) {
      // Wait (bounded) for its stop; the kill follows, so other reports do not matter.
      for (int i = 0; i < 200; ++i) {
        int status = 0;
        pid_t r = waitpid(t->tid, &status, __WALL | WNOHANG);
        if (r == t->tid && WIFSTOPPED(status)) {
          std::string sc = ReadSmallFile(task + "/syscall");
          if (sc.rfind("running", 0) == 0) {
            snap.syscall = -1;
          } else if (!sc.empty()) {
            snap.syscall = std::strtol(sc.c_str(), nullptr, 10);
            if (snap.syscall >= 0) snap.syscall_name = SyscallName(snap.syscall);
          }
          UnwindStopped(t->tid, &snap.stack);
          break;
        }
        if (r != 0) break;  // it exited, or another report: no stop to read it at
        usleep(500);
      }
    }
    result_.threads_at_timeout.push_back(std::move(snap));
  }
}

// Kills every traced process with SIGKILL, after a last poll and maps snapshot.
void Supervisor::KillAll(bool call_poll) {
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
void Supervisor::DetachRest() {
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
    result_.warnings.push_back("could not detach thread " + std::to_string(t.tid) + " of process " +
                               std::to_string(t.tgid) + " within " +
                               std::to_string(kDetachDeadline.count()) +
                               " s; it stays traced and is killed when weft exits");
  }
  tracees_.clear();
}

}  // namespace weft::launcher::internal
