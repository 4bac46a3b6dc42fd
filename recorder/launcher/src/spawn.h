// spawn.h — the spawned child, from clone to execve: it shares weft's memory, makes raw
// system calls only, and execs the program once the tracer has seized it.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

namespace weft::launcher::internal {

// Why the child could not get to the program.
enum ChildStage : int {
  kStagePersonality = 1,
  kStageStdout = 2,
  kStageStderr = 3,
  kStageKeepFd = 4,
  kStageExec = 5,
  kStageCwd = 6,
  kStageStdin = 7,
  kStageIsolate = 8,  // detail: the IsolationStep that failed
  kStageParentDeath = 9,
};

// The steps of a private view of the files (SpawnOptions::isolate), in order.
enum IsolationStep : int {
  kIsoUnshare = 1,  // a mount namespace of its own
  kIsoPrivate = 2,  // mounts stop propagating to weft's namespace
  kIsoScratch = 3,  // a tmpfs for the overlays' upper layers
  kIsoMkdir = 4,    // the upper and work directories in it
  kIsoCwd = 5,      // the overlay over the working directory
  kIsoTmp = 6,      // the overlay over /tmp
  kIsoSetns = 7,    // joining the view weft made for this worker (setns)
  kIsoOpen = 8,     // opening the overlays' upper directories (for the dirty check)
};

// What the child mounts for a private view (paths and overlay options, prepared by the
// parent: the child cannot allocate).
struct IsolationPlan {
  const char* scratch = nullptr;  // an empty directory of weft's; the child mounts a tmpfs on it
  const char* dirs[4] = {};       // scratch/cu, cw, tu, tw
  const char* cwd = nullptr;      // nullptr = the cwd is under /tmp: the /tmp overlay covers it
  const char* cwd_options = nullptr;
  const char* tmp_options = nullptr;
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
  const char* cwd;  // nullptr = stay in the caller's working directory
  char* const* argv;
  char* const* envp;
  const int* keep_fds;
  size_t num_keep_fds;
  const std::pair<int, int>* moved_fds = nullptr;  // {ours, the child's number}
  size_t num_moved_fds = 0;
  int stdout_fd;
  int stderr_fd;
  int stdin_fd = -1;
  bool disable_aslr;
  // >= 0: a mount namespace with a private view of the files (launch.cc's WorkerView) that
  // the child joins before it changes into its directory; -1 = the caller's view.
  int mount_ns_fd = -1;
  // Started untraced (StartUntraced): the parent waits (CLONE_VFORK) until the child has
  // exec'd or failed, and the child dies with the thread that started it.
  bool untraced = false;
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

// Starts the child on `stack_top` (the top of kChildStackBytes in the caller's frame); it
// prepares its process and then waits until ReleaseChild. Returns its pid, or -errno.
pid_t SpawnChild(ChildPlan* plan, char* stack_top);

// Lets the child exec the program. NB: only once the child has been seized, so that the
// exec event and every clone of the program are traced.
void ReleaseChild(ChildPlan* plan);

// Mounts the private view of `iso` in a new mount namespace of the calling process (the
// helper that makes a worker's view, or the probe's). Returns 0, or -errno with *step set.
// With `upper_fds`: opens the upper directories of the cwd and /tmp overlays (O_CLOEXEC)
// into upper_fds[0] and [1] on the way (afterwards the /tmp overlay hides them).
long MountPrivateView(const IsolationPlan& iso, int* step, int* upper_fds = nullptr);

// The error for a child that could not get to the program (plan->failed is set).
std::string DescribeChildFailure(const ChildFailure& f, const std::string& exe,
                                 const std::string& cwd);

}  // namespace weft::launcher::internal
