// launch.cc — Run: checks the options, spawns the program (spawn.h), seizes it, and hands
// it to the Supervisor (supervisor.h) until the root process ends.
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string>
#include <vector>

#include "signals.h"
#include "spawn.h"
#include "supervisor.h"
#include "weft/launcher.h"

namespace weft::launcher {
namespace {

// NB: PTRACE_O_EXITKILL: if weft dies mid-run the traced tree is killed, not left running
// unsupervised. Tracees detached at the root's end are unaffected.
constexpr long kTraceOptions = PTRACE_O_TRACECLONE | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK |
                               PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL;

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

  if (!options.handle_signals) {
    struct sigaction chld = {};
    if (sigaction(SIGCHLD, nullptr, &chld) == 0 && !(chld.sa_flags & SA_SIGINFO) &&
        chld.sa_handler == SIG_IGN) {
      return MakeError("cannot run '" + options.executable +
                       "': SIGCHLD is ignored (SIG_IGN), so the kernel would reap the program "
                       "before weft sees how it ended; set SIGCHLD to SIG_DFL or a handler, or "
                       "let weft handle signals during the run");
    }
  }
  internal::RunSignals signals(options.handle_signals);
  internal::ChildPlan plan;
  plan.executable = options.executable.c_str();
  plan.cwd = options.cwd.empty() ? nullptr : options.cwd.c_str();
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.keep_fds = options.keep_fds.data();
  plan.num_keep_fds = options.keep_fds.size();
  plan.stdout_fd = options.stdout_fd;
  plan.stderr_fd = options.stderr_fd;
  plan.disable_aslr = options.disable_aslr;
  alignas(64) char child_stack[internal::kChildStackBytes];

  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  pid_t pid = internal::SpawnChild(&plan, child_stack + sizeof(child_stack));
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
  internal::Supervisor supervisor(options, pid, &plan, &signals, start);
  guard.pid = 0;
  // The child waits for this before exec (see ChildMain).
  internal::ReleaseChild(&plan);
  return supervisor.Loop();
}

}  // namespace weft::launcher
