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

using internal::kTraceOptions;

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
  PrivateView() = default;
  PrivateView(const PrivateView&) = delete;  // plan_ points into the strings
  PrivateView& operator=(const PrivateView&) = delete;
  ~PrivateView() { Clear(); }
  void Clear() {
    if (!scratch_.empty()) rmdir(scratch_.c_str());
    scratch_.clear();
  }
  const internal::IsolationPlan* plan() const { return &plan_; }

 private:
  std::string scratch_, cwd_, cwd_options_, tmp_options_;
  std::string dirs_[4];
  internal::IsolationPlan plan_;
};

// A worker's private view (SpawnOptions::isolate): a mount namespace with the overlays of
// PrivateView, made once by a short-lived helper process and joined by every run of this
// thread (setns) while it stays clean: the overlays' upper directories empty, i.e. no run
// wrote, created or removed anything in the working directory or /tmp. A run that did makes
// it dirty and the next run gets a fresh one, so every run starts from the same view (the
// real files as they are now) at the cost of one namespace per worker, not one per run.
class WorkerView {
 public:
  ~WorkerView() { Reset(); }

  // The namespace to join for a run in `cwd` (absolute): the current one if it is for
  // `cwd` and clean, else a new one.
  Result<int> For(const std::string& cwd) {
    if (ns_fd_ >= 0 && (cwd != cwd_ || Dirty())) Reset();
    if (ns_fd_ >= 0) return ns_fd_;
    if (Status s = view_.Prepare(cwd); !s.ok()) return s.error();
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
      return MakeError(std::string("pipe failed: ") + std::strerror(errno));
    }
    // NB: CLONE_FILES: the descriptors the helper opens (the namespace, the upper
    // directories) are ours once it exits. No CLONE_VM: it only makes raw system calls on
    // its copy of our memory, then exits.
    long pid = syscall(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
    if (pid < 0) {
      close(pipe_fds[0]);
      close(pipe_fds[1]);
      return MakeError(std::string("clone failed: ") + std::strerror(errno));
    }
    if (pid == 0) {
      int step = 0;
      int out[5] = {0, 0, -1, -1, -1};  // step, errno, namespace fd, upper fds
      long r = internal::MountPrivateView(*view_.plan(), &step, &out[3]);
      if (r >= 0) {
        step = internal::kIsoSetns;
        r = internal::RawSyscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/self/ns/mnt"),
                                 O_RDONLY | O_CLOEXEC);
        if (r >= 0) out[2] = static_cast<int>(r);
      }
      if (r < 0) {
        out[0] = step;
        out[1] = static_cast<int>(-r);
      }
      internal::RawSyscall(SYS_write, pipe_fds[1], reinterpret_cast<long>(out), sizeof(out));
      internal::RawSyscall(SYS_exit_group, 0);
    }
    // NB: the descriptor table is shared: the pipe stays open until the helper is gone,
    // then what it wrote (if anything) is read without blocking.
    int status = 0;
    while (waitpid(static_cast<pid_t>(pid), &status, __WALL) < 0 && errno == EINTR) {
    }
    int out[5] = {0, 0, -1, -1, -1};
    close(pipe_fds[1]);
    ssize_t n;
    while ((n = read(pipe_fds[0], out, sizeof(out))) < 0 && errno == EINTR) {
    }
    close(pipe_fds[0]);
    ns_fd_ = out[2];
    upper_fds_[0] = out[3];
    upper_fds_[1] = out[4];
    cwd_ = cwd;
    if (n != static_cast<ssize_t>(sizeof(out))) {
      Reset();
      return MakeError("the helper that mounts it died");
    }
    if (out[0] != 0 || ns_fd_ < 0) {
      Reset();
      internal::ChildFailure f{internal::kStageIsolate, out[1], out[0]};
      return MakeError(internal::DescribeChildFailure(f, "the program", cwd));
    }
    return ns_fd_;
  }

  // Whether a run left anything in the upper directories.
  bool Dirty() const {
    for (int fd : upper_fds_) {
      if (fd < 0) return true;
      if (lseek(fd, 0, SEEK_SET) != 0) return true;
      alignas(8) char buf[512];
      long n = syscall(SYS_getdents64, fd, buf, sizeof(buf));
      if (n < 0) return true;
      for (long off = 0; off < n;) {
        // struct linux_dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name
        unsigned short reclen;
        std::memcpy(&reclen, buf + off + 16, sizeof(reclen));
        const char* name = buf + off + 19;
        if (std::strcmp(name, ".") != 0 && std::strcmp(name, "..") != 0) return true;
        off += reclen;
      }
    }
    return false;
  }

  void Reset() {
    for (int* fd : {&ns_fd_, &upper_fds_[0], &upper_fds_[1]}) {
      if (*fd >= 0) close(*fd);
      *fd = -1;
    }
    view_.Clear();  // removes the scratch directory
  }

 private:
  PrivateView view_;
  std::string cwd_;
  int ns_fd_ = -1;
  int upper_fds_[2] = {-1, -1};
};

thread_local WorkerView t_view;

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

  std::string cwd = options.cwd;
  int mount_ns_fd = -1;
  if (options.isolate) {
    if (cwd.empty()) cwd = CurrentDirectory();
    Result<int> ns = t_view.For(cwd);
    if (!ns.ok()) {
      return MakeError("cannot give '" + options.executable +
                       "' a private view of its files: " + ns.error().message);
    }
    mount_ns_fd = ns.value();
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
  plan.mount_ns_fd = mount_ns_fd;
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.keep_fds = options.keep_fds.data();
  plan.num_keep_fds = options.keep_fds.size();
  plan.moved_fds = options.moved_fds.data();
  plan.num_moved_fds = options.moved_fds.size();
  plan.stdout_fd = options.stdout_fd;
  plan.stderr_fd = options.stderr_fd;
  plan.disable_aslr = options.disable_aslr;
  alignas(64) char child_stack[internal::kChildStackBytes];

  std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
  if (options.adopt_root) {
    Result<pid_t> adopted = options.adopt_root(mount_ns_fd);
    if (!adopted.ok()) return adopted.error();
    pid_t pid = adopted.value();
    ChildGuard guard{pid};
    TracerPin pin(options.tracer_cpu);
    if (ptrace(PTRACE_SEIZE, pid, nullptr, reinterpret_cast<void*>(kTraceOptions)) != 0) {
      int err = errno;
      return MakeError(
          "cannot trace '" + options.executable +
          "' (a fork of its fork server): ptrace(PTRACE_SEIZE) failed: " + std::strerror(err));
    }
    internal::Supervisor supervisor(options, pid, &plan, &signals, start);
    guard.pid = 0;
    if (options.release_root) options.release_root();
    return supervisor.Loop();
  }
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
  supervisor.ExpectLaunchExec();
  guard.pid = 0;
  // The child waits for this before exec (see ChildMain).
  internal::ReleaseChild(&plan);
  return supervisor.Loop();
}

Result<pid_t> StartUntraced(const SpawnOptions& options) {
  if (options.argv.empty() || options.executable.empty()) {
    return MakeError("cannot start '" + options.executable + "': no argv or executable");
  }
  std::vector<char*> argv = CStrings(options.argv);
  std::vector<char*> envp = CStrings(options.env);
  std::string cwd = options.cwd;
  int mount_ns_fd = -1;
  if (options.isolate) {
    if (cwd.empty()) cwd = CurrentDirectory();
    Result<int> ns = t_view.For(cwd);
    if (!ns.ok()) {
      return MakeError("cannot give '" + options.executable +
                       "' a private view of its files: " + ns.error().message);
    }
    mount_ns_fd = ns.value();
  }
  internal::ChildPlan plan;
  plan.executable = options.executable.c_str();
  plan.cwd = cwd.empty() ? nullptr : cwd.c_str();
  plan.stdin_fd = options.stdin_fd;
  plan.mount_ns_fd = mount_ns_fd;
  plan.argv = argv.data();
  plan.envp = envp.data();
  plan.keep_fds = options.keep_fds.data();
  plan.num_keep_fds = options.keep_fds.size();
  plan.moved_fds = options.moved_fds.data();
  plan.num_moved_fds = options.moved_fds.size();
  plan.stdout_fd = options.stdout_fd;
  plan.stderr_fd = options.stderr_fd;
  plan.disable_aslr = options.disable_aslr;
  plan.untraced = true;
  plan.go.store(1);  // nothing to wait for: no tracer
  alignas(64) char child_stack[internal::kChildStackBytes];
  pid_t pid = internal::SpawnChild(&plan, child_stack + sizeof(child_stack));
  if (pid < 0) {
    return MakeError("cannot start '" + options.executable +
                     "': clone failed: " + std::strerror(-pid));
  }
  // NB: CLONE_VFORK: the child has exec'd or given up by now.
  if (plan.failed.load(std::memory_order_acquire)) {
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    return MakeError(internal::DescribeChildFailure(plan.failure, options.executable, cwd));
  }
  return pid;
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
