// signals.cc — see signals.h.
#include "signals.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

#include "raw_syscall.h"

namespace weft::launcher::internal {
namespace {

constexpr int kMaxActiveRuns = 64;
constexpr int kMaxSignal = 64;  // _NSIG - 1 on Linux

std::mutex g_mu;  // guards g_active and the saved dispositions
int g_active = 0;
struct sigaction g_old_chld;
struct sigaction g_old_interrupt[kNumInterruptSignals];
bool g_interrupt_installed[kNumInterruptSignals];
// SIGCHLD was SIG_IGN before weft's handler replaced it (read by children before exec).
std::atomic<bool> g_chld_was_ignored{false};

// eventfd + 1 of each active Run (0 = free slot).
std::atomic<int> g_wake_fds[kMaxActiveRuns];
// Handlers currently reading g_wake_fds; a Run waits for 0 before closing its eventfd,
// so that a handler never writes to an fd number that was closed and reused.
std::atomic<int> g_handlers_in_flight{0};
std::atomic<uint32_t> g_interrupt_total[kNumInterruptSignals];
std::atomic<uint32_t> g_interrupt_from_process[kNumInterruptSignals];

void WakeAll() {
  g_handlers_in_flight.fetch_add(1, std::memory_order_acq_rel);
  for (std::atomic<int>& slot : g_wake_fds) {
    int v = slot.load(std::memory_order_acquire);
    if (v > 0) {
      uint64_t one = 1;
      ssize_t ignored = write(v - 1, &one, sizeof(one));
      (void)ignored;
    }
  }
  g_handlers_in_flight.fetch_sub(1, std::memory_order_acq_rel);
}

void CallPrevious(const struct sigaction& old, int sig, siginfo_t* info, void* context) {
  if (old.sa_flags & SA_SIGINFO) {
    if (old.sa_sigaction != nullptr) old.sa_sigaction(sig, info, context);
  } else if (old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN && old.sa_handler != nullptr) {
    old.sa_handler(sig);
  }
}

void OnSigchld(int sig, siginfo_t* info, void* context) {
  int saved_errno = errno;
  WakeAll();
  CallPrevious(g_old_chld, sig, info, context);
  errno = saved_errno;
}

void OnInterrupt(int sig, siginfo_t* info, void* context) {
  int saved_errno = errno;
  for (int i = 0; i < kNumInterruptSignals; ++i) {
    if (kInterruptSignals[i] != sig) continue;
    // si_code <= 0 (SI_USER, SI_QUEUE, SI_TKILL): sent by a process; a terminal's
    // signal comes from the kernel (SI_KERNEL) and reached the program's group too.
    if (info != nullptr && info->si_code <= 0) {
      g_interrupt_from_process[i].fetch_add(1, std::memory_order_relaxed);
    }
    g_interrupt_total[i].fetch_add(1, std::memory_order_release);
    CallPrevious(g_old_interrupt[i], sig, info, context);
  }
  WakeAll();
  errno = saved_errno;
}

struct sigaction MakeAction(void (*handler)(int, siginfo_t*, void*)) {
  struct sigaction sa = {};
  sa.sa_sigaction = handler;
  // NB: no SA_NOCLDSTOP: ptrace stops must raise SIGCHLD too, or stops would only be
  // noticed at the next timeout.
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigemptyset(&sa.sa_mask);
  sigaddset(&sa.sa_mask, SIGCHLD);
  for (int s : kInterruptSignals) sigaddset(&sa.sa_mask, s);
  return sa;
}

void Install() {
  struct sigaction chld = MakeAction(&OnSigchld);
  sigaction(SIGCHLD, &chld, &g_old_chld);
  g_chld_was_ignored.store(!(g_old_chld.sa_flags & SA_SIGINFO) && g_old_chld.sa_handler == SIG_IGN);
  for (int i = 0; i < kNumInterruptSignals; ++i) {
    struct sigaction old = {};
    sigaction(kInterruptSignals[i], nullptr, &old);
    g_old_interrupt[i] = old;
    // A signal weft ignores (nohup, a background job) stays ignored.
    g_interrupt_installed[i] = !(!(old.sa_flags & SA_SIGINFO) && old.sa_handler == SIG_IGN);
    if (g_interrupt_installed[i]) {
      struct sigaction sa = MakeAction(&OnInterrupt);
      sigaction(kInterruptSignals[i], &sa, nullptr);
    }
  }
}

void Restore() {
  sigaction(SIGCHLD, &g_old_chld, nullptr);
  g_chld_was_ignored.store(false);
  for (int i = 0; i < kNumInterruptSignals; ++i) {
    if (g_interrupt_installed[i]) sigaction(kInterruptSignals[i], &g_old_interrupt[i], nullptr);
  }
}

}  // namespace

RunSignals::RunSignals(bool install) : installed_(install) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  std::lock_guard<std::mutex> lock(g_mu);
  if (wake_fd_ >= 0) {
    for (int i = 0; i < kMaxActiveRuns; ++i) {
      int expected = 0;
      if (g_wake_fds[i].compare_exchange_strong(expected, wake_fd_ + 1)) {
        slot_ = i;
        break;
      }
    }
  }
  // NB: the eventfd is registered before the handler is installed, and the handler is
  // installed before the child exists: no SIGCHLD of this Run can be missed.
  if (installed_ && g_active++ == 0) Install();
}

RunSignals::~RunSignals() {
  {
    std::lock_guard<std::mutex> lock(g_mu);
    if (installed_ && --g_active == 0) Restore();
    if (slot_ >= 0) g_wake_fds[slot_].store(0, std::memory_order_release);
  }
  // NB: the slot is cleared before waiting for in-flight handlers and closing, so no
  // handler writes into a reused fd number.
  while (g_handlers_in_flight.load(std::memory_order_acquire) != 0) {
    sched_yield();
  }
  if (wake_fd_ >= 0) close(wake_fd_);
}

void RunSignals::ClearWakeups() {
  if (wake_fd_ < 0) return;
  uint64_t value;
  ssize_t ignored = read(wake_fd_, &value, sizeof(value));
  (void)ignored;
}

void RunSignals::Wait(std::chrono::nanoseconds timeout) {
  if (timeout.count() < 0) timeout = std::chrono::nanoseconds(0);
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(timeout.count() / 1000000000);
  ts.tv_nsec = static_cast<long>(timeout.count() % 1000000000);
  if (slot_ < 0) {
    // More than kMaxActiveRuns Runs at once: no wakeup fd, poll by timeout.
    ppoll(nullptr, 0, &ts, nullptr);
    return;
  }
  struct pollfd pfd = {wake_fd_, POLLIN, 0};
  ppoll(&pfd, 1, &ts, nullptr);
}

InterruptCounts RunSignals::Counts() {
  InterruptCounts counts;
  for (int i = 0; i < kNumInterruptSignals; ++i) {
    counts.total[i] = g_interrupt_total[i].load(std::memory_order_acquire);
    counts.from_process[i] = g_interrupt_from_process[i].load(std::memory_order_acquire);
  }
  return counts;
}

WEFT_CHILD_CODE void RunSignals::ResetInChild() {
  bool chld_ignored = g_chld_was_ignored.load(std::memory_order_relaxed);
  for (int sig = 1; sig <= kMaxSignal; ++sig) {
    if (sig == SIGKILL || sig == SIGSTOP) continue;
    KernelSigaction old = {};
    if (RawSyscall(SYS_rt_sigaction, sig, 0, reinterpret_cast<long>(&old), kKernelSigsetBytes) !=
        0) {
      continue;
    }
    if (old.handler == SIG_DFL || old.handler == SIG_IGN) continue;
    KernelSigaction reset = {};
    reset.handler = sig == SIGCHLD && chld_ignored ? SIG_IGN : SIG_DFL;
    RawSyscall(SYS_rt_sigaction, sig, reinterpret_cast<long>(&reset), 0, kKernelSigsetBytes);
  }
  unsigned long none = 0;
  RawSyscall(SYS_rt_sigprocmask, SIG_SETMASK, reinterpret_cast<long>(&none), 0, kKernelSigsetBytes);
}

}  // namespace weft::launcher::internal
