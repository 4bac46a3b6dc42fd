// signals.h — process-wide signal handling while at least one Run is active: SIGCHLD
// wakes the supervisors' waits; SIGINT/SIGTERM/SIGHUP are counted instead of killing weft.
#pragma once

#include <signal.h>

#include <chrono>
#include <cstdint>

namespace weft::launcher::internal {

// The signals that would end weft and that Run intercepts, in index order.
inline constexpr int kInterruptSignals[] = {SIGINT, SIGTERM, SIGHUP};
inline constexpr int kNumInterruptSignals = 3;

// How many interrupt signals weft received since the process started, per signal.
struct InterruptCounts {
  uint32_t total[kNumInterruptSignals] = {};
  uint32_t from_process[kNumInterruptSignals] = {};  // sent by kill(), not by a terminal
};

// RAII: one per active Run. The first that installs them installs the handlers, the last
// restores the previous dispositions. Each instance owns an eventfd that SIGCHLD makes
// readable (while some Run's handler is installed; else Wait ends by its timeout).
class RunSignals {
 public:
  // install = false: leave every disposition to the caller (SpawnOptions::handle_signals).
  explicit RunSignals(bool install);
  ~RunSignals();
  RunSignals(const RunSignals&) = delete;
  RunSignals& operator=(const RunSignals&) = delete;

  // Forgets wakeups seen so far. NB: call before checking the tracees, so that a SIGCHLD
  // arriving after the check still wakes the next Wait.
  void ClearWakeups();
  // Sleeps until a SIGCHLD or an interrupt signal arrives, or `timeout` passes.
  void Wait(std::chrono::nanoseconds timeout);

  // Interrupt signals received so far (monotonic counters).
  static InterruptCounts Counts();
  // In the spawned child, before exec, with every signal blocked: sets every handled signal
  // to SIG_DFL (as exec would; SIG_IGN stays SIG_IGN, and SIGCHLD goes back to SIG_IGN if
  // that is what weft had before Run), then unblocks every signal. NB: the child shares
  // weft's memory until exec, so no handler of weft's may run in it: the reset must come
  // before the unblocking. Raw system calls only (see raw_syscall.h).
  static void ResetInChild();

 private:
  int wake_fd_ = -1;
  int slot_ = -1;
  bool installed_ = false;
};

}  // namespace weft::launcher::internal
