// fork_server.h — weft's side of the fork server (RunConfig::Spawn::kFork): the program
// started once per calling thread, stopped by the shim at the start of its main
// (recorder/preload/fork_server.cc), and forked for each run from there. See
// docs/fork_server.md for the design and what it costs.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "session_memory.h"
#include "weft/result.h"
#include "weft/run.h"

namespace weft::session::internal {

// A forked child waiting to be traced: its pid and how to let it go.
struct ForkedChild {
  pid_t pid = -1;
  int go_fd = -1;  // the go pipe's write end: one byte lets the child take over its session
  ForkedChild() = default;
  ForkedChild(ForkedChild&& o) noexcept : pid(o.pid), go_fd(o.go_fd) { o.go_fd = -1; }
  ForkedChild& operator=(ForkedChild&& o) noexcept {
    std::swap(pid, o.pid);
    std::swap(go_fd, o.go_fd);
    return *this;
  }
  ForkedChild(const ForkedChild&) = delete;
  ~ForkedChild();
  // Lets the child go on into main (call once it is traced).
  void Release();
};

// What a run's child gets besides its session: stdio (-1 = the server's, i.e. weft's as it
// was when the server started), the mount namespace to join (-1 = none) and the working
// directory ("" = the server's).
struct ForkRequest {
  int session_fd = -1;
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
  int mount_ns_fd = -1;
  std::string cwd;
};

class ForkServer;

// The calling thread's fork server for `config` (whose session is laid out as `layout`),
// started if it has none for this program, environment, directory, CPU, memory and atomic
// sites yet. An error says why this run cannot be forked, in a phrase for "...; its runs
// are exec'd" (the program is not fork-safe at main, the server could not start); that
// verdict is kept for the thread, so a program that cannot be served is tried once.
// A run that could have been forked past main (a seeded search's) and is forked at main
// instead gets `late_note` set, once per thread and program: why, as "cannot fork the runs
// of PROG past main (...); they are forked at main".
Result<ForkServer*> ForkServerFor(const RunConfig& config, const SessionLayout& layout,
                                  std::string* late_note);

// Drops the calling thread's server (it is gone); the next ForkServerFor starts another.
void DropForkServer();

// Whether kFork can serve `config` at all (no stacks, no hold for a debugger): else the run
// is exec'd without a note.
bool ForkServerApplies(const RunConfig& config);

class ForkServer {
 public:
  ~ForkServer();
  // Forks a child for one run; it waits until ForkedChild::Release. An error means the
  // server is gone (the caller drops it and may start another).
  Result<ForkedChild> Fork(const ForkRequest& request);
  // Whether it forks past main (fork_late), and the events its runs had by then (0 at
  // main). A run forked past main takes the server's clocks (the prefix read them).
  bool late() const { return late_; }
  uint64_t events() const { return events_; }
  uint64_t realtime_base_ns() const { return realtime_base_ns_; }
  uint64_t monotonic_base_ns() const { return monotonic_base_ns_; }

 private:
  friend std::unique_ptr<ForkServer> StartServer(const RunConfig&, const SessionLayout&, bool,
                                                 std::string*);
  ForkServer() = default;
  std::unique_ptr<SessionMemory> session_;  // the server's own (claimed at its start-up)
  pid_t pid_ = -1;
  int sock_ = -1;
  bool late_ = false;
  uint64_t events_ = 0;
  uint64_t realtime_base_ns_ = 0;
  uint64_t monotonic_base_ns_ = 0;
  std::string name_;
};

// Starts a fork server (fork_server.cc).
std::unique_ptr<ForkServer> StartServer(const RunConfig& config, const SessionLayout& layout,
                                        bool late, std::string* why);

}  // namespace weft::session::internal
