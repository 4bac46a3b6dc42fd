// launcher.h — starts a program under ptrace with the shim preloaded and supervises it to
// its end: follows clone/fork/exec, captures a crash (stack over ptrace with libunwind,
// faulting instruction with Capstone), enforces a real-time timeout, and snapshots the
// address space so stacks can be symbolized after the program is gone.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "weft/result.h"

namespace weft::launcher {

// A program the user asked to run, checked before anything is started.
struct ResolvedProgram {
  std::string path;  // absolute path of the executable that will be exec'd
};

// Finds argv0 (through PATH when it has no '/') and checks it can be run under the shim:
// it exists, is a regular executable file, is a 64-bit x86-64 ELF and is dynamically
// linked (has PT_INTERP). Errors say what is wrong and what to do, e.g.
//   "cannot run './prog': no such file"
//   "cannot run './prog': statically linked; weft's shim needs a dynamically linked program"
// A '#!' script is refused: weft would trace the interpreter, but the programs a script
// starts are what the user means, so the message says to run the program directly (or to
// name the interpreter explicitly: weft record -- /bin/sh ./script).
Result<ResolvedProgram> ResolveProgram(const std::string& argv0);

// One mapping of /proc/PID/maps.
struct Mapping {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t offset = 0;
  std::string perms;  // "r-xp"
  std::string path;   // empty for anonymous mappings
};

// Reads /proc/PID/maps (PID may be a thread id: /proc/TID/maps). Errors name the file.
Result<std::vector<Mapping>> ReadMaps(pid_t pid);

// Parses the text of a /proc/PID/maps file; malformed lines are skipped.
std::vector<Mapping> ParseMaps(const std::string& text);

// A fatal signal raised synchronously in the target (SIGSEGV, SIGBUS, SIGFPE, SIGILL,
// SIGABRT, SIGTRAP, SIGSYS), captured at the signal-delivery stop, before the program's
// own handler (if any) runs; the signal is then delivered unchanged.
struct CrashCapture {
  int signal = 0;
  int si_code = 0;
  uint32_t os_tid = 0;
  uint64_t fault_address = 0;
  uint64_t ip = 0;
  std::string instruction;      // Capstone text of the instruction at ip, "" if unreadable
  std::vector<uint64_t> stack;  // return addresses, innermost first (ip first)
  // General-purpose registers at the stop, in user_regs_struct order ("rax", "rip", ...).
  std::vector<std::pair<std::string, uint64_t>> registers;
};

// How to start the program.
struct SpawnOptions {
  std::vector<std::string> argv;  // argv[0] is what the program sees
  std::string executable;         // from ResolveProgram
  std::vector<std::string> env;   // complete environment, "KEY=VALUE"
  std::vector<int> keep_fds;      // fds to leave open (without FD_CLOEXEC) in the child
  // fds to give the child at fixed numbers (without FD_CLOEXEC): {ours, the child's}. For
  // weft's own descriptors in the program, out of the way of the numbers it opens itself.
  std::vector<std::pair<int, int>> moved_fds;
  std::string cwd;             // the program's working directory ("" = the caller's)
  double timeout_seconds = 0;  // 0 = none; on expiry every traced process is killed
  bool disable_aslr = true;    // fixed addresses, so that a trace means the same later
  // Where the program's stdout/stderr go: -1 = inherit, else an fd to dup onto them.
  int stdout_fd = -1;
  int stderr_fd = -1;
  int stdin_fd = -1;  // -1 = inherit, else an fd to dup onto its stdin
  // A private view of the files: the program runs in a mount namespace of its own, with an
  // overlay over its working directory and one over /tmp (writes go to a tmpfs, never to
  // the real files). The namespace is made once per calling thread and reused by its next
  // run while no run wrote into it; after a run that did, the next gets a fresh one: every
  // run starts from the files as they are, and parallel runs (one thread each) never see
  // each other's files. Needs root (see CheckIsolation).
  bool isolate = false;
  // >= 0: while Run is active, the calling thread (the tracer) runs on this CPU only; its
  // previous affinity is restored when Run returns. Pass the CPU the program pins itself
  // to: every ptrace stop then hands the CPU over locally instead of waking another CPU,
  // and several Runs at once (weft explore -j N) do not share CPUs. The program starts with
  // the caller's affinity, not this one. A CPU the thread may not use is ignored.
  int tracer_cpu = -1;
  // true: Run installs its SIGCHLD, SIGINT, SIGTERM and SIGHUP handlers while it is active
  // (see Run). false: it touches no disposition; the caller handles signals (a Ctrl-C then
  // does what the caller's disposition says, RunResult::interrupted_by stays 0, and each
  // ptrace stop is noticed up to 1 ms late unless another Run's handler is installed).
  // SIGCHLD must not be SIG_IGN then (the kernel would reap the program): that is an error.
  bool handle_signals = true;
  // Called about every millisecond while the program runs (to drain the event ring), and
  // once at the root process's exit stop, while its memory is still readable. Called on
  // the thread that called Run; it must not call Run.
  std::function<void()> poll;
  // Asked after each poll: how long until the next one (unset, or not above 0: 1 ms). A
  // caller whose poll has nothing to do while the program is quiet (a free recording's ring
  // reader) waits longer; a ptrace stop (SIGCHLD), an interrupt signal, the timeout and a
  // signal to forward still end the wait at once.
  std::function<std::chrono::nanoseconds()> poll_delay;
  // Checked after each poll: when it returns true, every traced process is killed with
  // SIGKILL (as on a timeout, without RunResult::Kind::kTimeout) and RunResult::stopped is
  // set. For a caller that can no longer supervise the run (its session is corrupt).
  std::function<bool()> should_stop;
  // Checked after each poll (after should_stop): when it returns true, the run is handed
  // over. Every traced thread is detached where it is (weft's shim keeps the program's
  // threads waiting), `hand_over` runs on the calling thread with the root's pid (e.g. a
  // debugger attaches to it), and when it returns every process of the tree is killed and
  // reaped: RunResult::handed_over, kind kSignaled with SIGKILL. The timeout does not run
  // while `hand_over` does. RunResult::maps are taken before the detach.
  std::function<bool()> should_hand_over;
  std::function<void(pid_t root)> hand_over;
  // Asked once the root process has ended: while it returns true and a process of the tree
  // is still traced, the run goes on (weft's shim: forked processes still under control,
  // which end on their own). Unset: the run ends with the root.
  std::function<bool()> others_running;
  // Set: the root process is not spawned here but handed over by `adopt_root` (a fork
  // server's child, session/fork_client.h), given the mount namespace the run joins (-1 =
  // none; SpawnOptions::isolate): a process of the caller's that waits, untraced, until
  // `release_root` is called, which Run does once it has seized it. argv, executable, env,
  // keep_fds, stdin/stdout/stderr and cwd are then the adopter's business.
  std::function<Result<pid_t>(int mount_ns_fd)> adopt_root;
  std::function<void()> release_root;
};

// One thread of the root process when its run timed out, caught just before the kill.
struct ThreadSnapshot {
  uint32_t os_tid = 0;
  char state = '?';             // /proc/TID/stat: R running, S sleeping, D disk wait, t stopped
  long syscall = -2;            // the system call it is in (/proc/TID/syscall); -1 = none
                                // (running its own code), -2 = unknown
  std::string syscall_name;     // "futex", "epoll_wait", ... ("" when none or unknown)
  std::vector<uint64_t> stack;  // return addresses, innermost first (ip first)
};

// How the root process ended, and what was captured on the way.
struct RunResult {
  enum class Kind { kExited, kSignaled, kTimeout };
  Kind kind = Kind::kExited;
  int exit_code = 0;  // kExited
  int signal = 0;     // kSignaled (kTimeout: the signal used to kill, SIGKILL)
  uint32_t root_pid = 0;
  std::optional<CrashCapture> crash;  // last synchronous fatal signal of the root process
  std::vector<Mapping> maps;          // root process, taken at its exit (or crash) stop
  // kTimeout: every thread of the root process as it was when the time ran out.
  std::vector<ThreadSnapshot> threads_at_timeout;
  // Each exec that succeeded in a process of the tree, in the order the supervisor saw them
  // (at the exec stop: the new program's path and argv, from /proc).
  struct Exec {
    uint32_t pid = 0;
    std::string executable;
    std::vector<std::string> argv;
  };
  std::vector<Exec> execs;
  double wall_seconds = 0;
  // SIGINT, SIGTERM or SIGHUP if weft itself received one while the program ran (0 if
  // not): the caller should finish writing what it has, then exit as if killed by it.
  int interrupted_by = 0;
  // Things the user should know that are not errors, one sentence each (e.g. a process
  // of the tree that could not be detached).
  std::vector<std::string> warnings;
  // Processes the program's tree started (fork, vfork, clone without CLONE_THREAD), the
  // root aside.
  uint32_t processes_started = 0;
  // The run was ended because SpawnOptions::should_stop said so.
  bool stopped = false;
  // The run was handed over (SpawnOptions::should_hand_over) and killed afterwards.
  bool handed_over = false;
};

// Runs the program to the end of its root process (and then while
// SpawnOptions::others_running says so). Other processes of the tree are detached and left
// running when the run ends. Errors are about weft's own failures
// (fork, ptrace, exec), not the program's: a crash of the program is a RunResult.
//
// Ownership and side effects, while Run is active (the signal handlers only with
// SpawnOptions::handle_signals, the default):
//  * The calling thread is the tracer: poll runs on it, and Run must return on it.
//  * Run waits only for the processes and threads it traces (waitpid on each pid), never
//    waitpid(-1): the caller's other children are left alone. Several Runs may be active
//    at once on different threads.
//  * SIGCHLD gets a handler (it wakes the wait; a previous handler is still called). If
//    every thread blocks SIGCHLD (a signalfd loop), Run still works but notices each stop
//    up to 1 ms late.
//  * SIGINT/SIGTERM/SIGHUP get a handler that keeps weft alive: a terminal's Ctrl-C
//    reaches the program itself (same process group); a signal sent to weft alone by
//    another process (kill) is forwarded to the root process unless the root received
//    the same signal within 20 ms; the third interrupt signal (of any origin) during one
//    Run kills the whole tree with SIGKILL. Signals ignored (SIG_IGN) before Run stay
//    ignored, in weft and in the program.
//  * Previous dispositions are restored when the last active Run returns; the caller
//    handles signals that arrive between Runs.
//  * The tracees are seized with PTRACE_O_EXITKILL: if weft dies mid-run, the traced tree
//    is killed rather than left running unsupervised (a controlled-mode shim would wait
//    forever for a supervisor). When the root process ends normally the rest of the tree
//    is detached and keeps running.
//  * The child gets an empty signal mask (weft's threads may block signals).
Result<RunResult> Run(const SpawnOptions& options);

// Starts the program as Run would (argv, env, keep_fds, stdio, cwd, ASLR off, the private
// view of SpawnOptions::isolate) but untraced, and returns once it has exec'd: its pid, a
// child of the calling thread that is killed (SIGKILL) when that thread ends. For a
// process that serves later runs (a fork server); the caller waits for it. Only the
// options above are used.
Result<pid_t> StartUntraced(const SpawnOptions& options);

// A symbol as its programmer wrote it: C++ (Itanium ABI: "ns::f(int)"), Rust v0
// ("_RNv…" → "crate::module::f", generic arguments and closures included) and Rust legacy
// ("_ZN…17h<hash>E" → "crate::module::f", without the hash). Anything else, or a name that
// does not decode, comes back unchanged.
std::string Demangle(std::string_view symbol);
// Whether SpawnOptions::isolate works here for a program running in `cwd` ("" = the
// caller's): tries it once in a short-lived child. The error says why not, e.g. "mounting an
// overlay over its working directory failed: Operation not permitted".
Status CheckIsolation(const std::string& cwd);

// Symbolizes addresses of a finished run from its maps snapshot, with libdw. Reports
// every file-backed ELF that has an executable mapping; anonymous, [vdso], deleted and
// memfd mappings are skipped (their addresses symbolize to empty results). Results are
// cached per address. Not thread-safe: use one Symbolizer per thread.
class Symbolizer {
 public:
  // Reports the snapshot's ELF modules to libdw (reads their files from disk now).
  explicit Symbolizer(std::vector<Mapping> maps);
  ~Symbolizer();
  Symbolizer(const Symbolizer&) = delete;
  Symbolizer& operator=(const Symbolizer&) = delete;

  // Where a code address is in the source.
  struct Location {
    std::string function;  // demangled; empty if unknown
    std::string file;      // empty if no line info
    uint32_t line = 0;
    std::string module;            // path of the module holding the address
    uint64_t function_offset = 0;  // address - start of `function` (when function is set)
  };
  // A code address (an IP or a return address: callers pass return addresses minus one
  // when they want the call's line; this function does not adjust). `function` is the
  // ELF symbol (the out-of-line function); when the address is in code inlined into it,
  // file:line are those of the inlined code — SymbolizeInlined tells the whole story.
  Location SymbolizeCode(uint64_t address);
  // The source-level frames at a code address, innermost first: one per inlined call
  // (function = the inlined function, file:line = the position in it), then the
  // out-of-line function (file:line = where the outermost inlined call is). A single
  // frame, equal to SymbolizeCode, when nothing is inlined there or without debug info.
  std::vector<Location> SymbolizeInlined(uint64_t address);
  // The name of the global object holding a data address ("g_lock", "counter+8"), or "".
  std::string SymbolizeData(uint64_t address);

  // One ELF module of the snapshot.
  struct ModuleInfo {
    std::string path;
    std::string build_id;  // GNU build-id, lowercase hex; "" if the file has none
    uint64_t base = 0;     // lowest address of the module (its first PT_LOAD)
    uint64_t size = 0;     // up to the end of its last PT_LOAD
  };
  // The ELF modules of the snapshot (executable, shared libraries), in address order.
  std::vector<ModuleInfo> Modules();

 private:
  struct Impl;
  Impl* impl_;
};

}  // namespace weft::launcher
