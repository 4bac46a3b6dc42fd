// capability.h — the one-time probes a unit test may skip on: what this machine cannot do
// (trace a child with ptrace, start it with ASLR disabled), never an error of weft's own.
// A test that needs the capability skips with the reason; any other failure fails it.
#pragma once

#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

namespace weft::testing {

// Why this machine cannot run a program under weft's supervisor ("" if it can): a forked
// child must accept PTRACE_SEIZE (containers without CAP_SYS_PTRACE, Yama's ptrace_scope,
// seccomp) and personality(ADDR_NO_RANDOMIZE). Probed once per process.
inline const std::string& CannotSupervise() {
  static const std::string reason = []() -> std::string {
    int pipe_fds[2];
    if (pipe(pipe_fds) != 0) return std::string("probe: pipe failed: ") + std::strerror(errno);
    pid_t pid = fork();
    if (pid < 0) return std::string("probe: fork failed: ") + std::strerror(errno);
    if (pid == 0) {
      close(pipe_fds[0]);
      int persona = personality(0xffffffff);
      char ok = persona != -1 && personality(persona | ADDR_NO_RANDOMIZE) != -1 ? 1 : 0;
      (void)!write(pipe_fds[1], &ok, 1);
      for (;;) pause();
    }
    close(pipe_fds[1]);
    char aslr_ok = 0;
    bool read_ok = read(pipe_fds[0], &aslr_ok, 1) == 1;
    close(pipe_fds[0]);
    std::string why;
    if (ptrace(PTRACE_SEIZE, pid, nullptr, nullptr) != 0) {
      why = std::string("this machine cannot ptrace a child (PTRACE_SEIZE: ") +
            std::strerror(errno) +
            "); allow it (--cap-add=SYS_PTRACE, /proc/sys/kernel/yama/ptrace_scope)";
    } else if (!read_ok || !aslr_ok) {
      why = "this machine forbids personality(ADDR_NO_RANDOMIZE) (a seccomp policy?)";
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, nullptr, __WALL) < 0 && errno == EINTR) {
    }
    return why;
  }();
  return reason;
}

}  // namespace weft::testing
