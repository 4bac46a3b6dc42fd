// launch.cc — Run: checks the options, spawns the program (spawn.h), seizes it, and hands
// it to the Supervisor (supervisor.h) until the root process ends.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "raw_syscall.h"
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

// The files of a private view: a scratch directory of weft's in /tmp (the child mounts a
// tmpfs on it, in its own namespace) and the overlay options. Removes the directory when
// destroyed.
class PrivateView {
 public:
  // Prepares the view for a program in `cwd` (absolute).
  Status Prepare(const std::string& cwd) {
    if (cwd.empty() || cwd[0] != '/') return MakeError("its working directory is not known");
    if (cwd == "/") return MakeError("its working directory is /, which an overlay cannot cover");
    // NB: overlay options separate layers with ':' and options with ','.
    if (cwd.find_first_of(",:\\") != std::string::npos) {
      return MakeError("its working directory '" + cwd +
                       "' has a ',', ':' or '\\', which overlay options cannot hold");
    }
    char scratch[] = "/tmp/weft-view-XXXXXX";
    if (mkdtemp(scratch) == nullptr) {
      return MakeError(std::string("cannot create a directory in /tmp: ") + std::strerror(errno));
    }
    scratch_ = scratch;
    const char* names[4] = {"/cu", "/cw", "/tu", "/tw"};
    for (int i = 0; i < 4; ++i) dirs_[i] = scratch_ + names[i];
    bool under_tmp = cwd == "/tmp" || cwd.rfind("/tmp/", 0) == 0;
    cwd_ = cwd;
    cwd_options_ = "lowerdir=" + cwd + ",upperdir=" + dirs_[0] + ",workdir=" + dirs_[1];
    tmp_options_ = "lowerdir=/tmp,upperdir=" + dirs_[2] + ",workdir=" + dirs_[3];
    plan_.scratch = scratch_.c_str();
    for (int i = 0; i < 4; ++i) plan_.dirs[i] = dirs_[i].c_str();
    plan_.cwd = under_tmp ? nullptr : cwd_.c_str();  // the /tmp overlay covers it
    plan_.cwd_options = cwd_options_.c_str();
    plan_.tmp_options = tmp_options_.c_str();
    return Status::Ok();
  }
  ~PrivateView() {
    if (!scratch_.empty()) rmdir(scratch_.c_str());
  }
  const internal::IsolationPlan* plan() const { return &plan_; }

 private:
  std::string scratch_, cwd_, cwd_options_, tmp_options_;
  std::string dirs_[4];
  internal::IsolationPlan plan_;
};

std::string CurrentDirectory() {
  char buf[4096];
  return getcwd(buf, sizeof(buf)) != nullptr ? std::string(buf) : std::string();
}

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

  PrivateView view;
  std::string cwd = options.cwd;
  if (options.isolate) {
    if (cwd.empty()) cwd = CurrentDirectory();
    if (Status s = view.Prepare(cwd); !s.ok()) {
      return MakeError("cannot give '" + options.executable +
                       "' a private view of its files: " + s.error().message);
    }
  }
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
  // NB: an isolated child changes into its directory after mounting the overlay over it.
  plan.cwd = cwd.empty() ? nullptr : cwd.c_str();
  plan.stdin_fd = options.stdin_fd;
  plan.isolation = options.isolate ? view.plan() : nullptr;
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

Status CheckIsolation(const std::string& cwd_in) {
  std::string cwd = cwd_in.empty() ? CurrentDirectory() : cwd_in;
  PrivateView view;
  if (Status s = view.Prepare(cwd); !s.ok()) return s;
  int result[2] = {0, 0};  // the failed step and its errno, written by the probe child
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    return MakeError(std::string("pipe failed: ") + std::strerror(errno));
  }
  // NB: a plain fork: the probe child only makes raw system calls, then exits; its mount
  // namespace goes with it.
  pid_t pid = fork();
  if (pid < 0) {
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    return MakeError(std::string("fork failed: ") + std::strerror(errno));
  }
  if (pid == 0) {
    int step = 0;
    long r = internal::MountPrivateView(*view.plan(), &step);
    int out[2] = {r < 0 ? step : 0, static_cast<int>(-r)};
    internal::RawSyscall(SYS_write, pipe_fds[1], reinterpret_cast<long>(out), sizeof(out));
    internal::RawSyscall(SYS_exit_group, 0);
  }
  close(pipe_fds[1]);
  ssize_t n = read(pipe_fds[0], result, sizeof(result));
  close(pipe_fds[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (n != static_cast<ssize_t>(sizeof(result))) return MakeError("the probe child died");
  if (result[0] == 0) return Status::Ok();
  internal::ChildFailure f{internal::kStageIsolate, result[1], result[0]};
  return MakeError(internal::DescribeChildFailure(f, "the program", cwd));
}

}  // namespace weft::launcher
