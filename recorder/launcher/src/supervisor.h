// supervisor.h — the ptrace side of Run: follows the seized program's process tree until
// its root process ends, captures crashes, enforces the timeout, forwards interrupt signals,
// and kills or detaches what is left.
//
// The supervisor waits on each tracee by pid (waitpid(tid, __WALL | WNOHANG)), never on
// -1, so that the caller's other children are not reaped here. Every tracee of the tree
// is known before it can report anything: a new thread or process stays in its first
// stop until we wait for it, and we learn its pid from its parent's clone/fork event.
// Sleeping between sweeps is a ppoll on an eventfd that the SIGCHLD handler writes
// (signals.h), with a 1 ms cap so `poll` keeps its cadence.
#pragma once

#include <sys/ptrace.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <vector>

#include "signals.h"
#include "spawn.h"
#include "weft/launcher.h"
#include "weft/result.h"

namespace weft::launcher::internal {

// One traced thread.
// NB: PTRACE_O_EXITKILL: if weft dies mid-run the traced tree is killed, not left running
// unsupervised. Tracees detached at the root's end are unaffected.
constexpr long kTraceOptions = PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                               PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL;

struct Tracee {
  pid_t tid = 0;
  pid_t tgid = 0;        // process (thread group) of the tracee
  bool exiting = false;  // reported PTRACE_EVENT_EXIT
  bool gone = false;     // reaped or vanished; dropped after the sweep
  // Whether it stops at its exit (PTRACE_O_TRACEEXIT): a process's main thread does; a
  // thread other than the main one does not, unless the main thread ended before it.
  bool exit_stops = true;
  // Its options are set at its next stop (a new tracee's first one, or an interrupt's).
  bool set_options = false;
};

// Supervises one seized root process (the spawned child of `plan`) for Run.
class Supervisor {
 public:
  using Clock = std::chrono::steady_clock;

  // `root` is seized and not yet released (ReleaseChild); `start` is when it was spawned.
  Supervisor(const SpawnOptions& options, pid_t root, const ChildPlan* plan, RunSignals* signals,
             Clock::time_point start);
  // NB: whatever way Run leaves (including a poll callback that throws), the tree is
  // killed and reaped or detached: tracees must never stay stopped under a tracer that
  // stopped listening.
  ~Supervisor();
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;

  // Runs until the root process has ended; the RunResult, or weft's own failure (the child
  // could not exec, the tree did not die after SIGKILL).
  Result<RunResult> Loop();
  // The root was started by weft's own exec of the program (not adopted from a fork
  // server): its first exec stop is that launch, no exec of the program's (RunResult::execs).
  void ExpectLaunchExec() { launch_exec_pending_ = true; }

 private:
  bool Sweep();
  bool OthersRunning();
  void MergeNew();
  void Handle(Tracee& t, int status);
  void HandleEvent(Tracee& t, int event, int sig);
  void OnRootThreadExit(const Tracee& t);
  void SetOptions(Tracee& t);  // t stopped: its ptrace options, as t.exit_stops says
  void Resume(pid_t tid, int sig);
  void CallPoll();
  void CheckInterrupts(Clock::time_point now);
  void SnapshotThreads();
  void KillAll(bool call_poll);
  void DetachRest();
  void HandOver();

  const SpawnOptions& options_;
  const pid_t root_;
  const ChildPlan* plan_;
  RunSignals* signals_;
  const Clock::time_point start_;
  Clock::time_point last_poll_;
  Clock::duration poll_interval_;  // until the next poll (SpawnOptions::poll_delay)
  Clock::time_point deadline_;
  bool has_deadline_ = false;

  std::vector<Tracee> tracees_;
  std::vector<Tracee> new_tracees_;
  RunResult result_;
  bool root_done_ = false;
  bool root_exec_seen_ = false;
  bool group_exit_snapshot_ = false;
  // Processes other than the root that exec'd: the ring is drained at their main thread's
  // exit stop, while their maps can still be read (the reader names their frames' modules).
  std::set<pid_t> execd_;
  bool launch_exec_pending_ = false;
  bool root_main_gone_ = false;  // the root's main thread exited first: every thread exit stops
  bool timed_out_ = false;
  bool killed_ = false;
  bool finished_ = false;
  bool cleaning_up_ = false;  // leaving Run through an exception: no more poll calls
  Clock::time_point killed_at_;

  InterruptCounts seen_interrupts_;
  uint32_t interrupts_ = 0;
  Clock::time_point root_signal_seen_[kNumInterruptSignals];
  Clock::time_point forward_since_[kNumInterruptSignals];
  Clock::time_point forward_due_[kNumInterruptSignals];
};

}  // namespace weft::launcher::internal
