// debugger.cc — see debugger.h.
#include "debugger.h"

#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>

namespace weft::cli {
namespace {

// Selects the thread whose kernel tid is given and, in it, the first frame of the user's
// code: outside weft's libraries (the shim's hook and wait are the innermost frames) and
// outside the toolchain's headers and libraries (/usr/...). NB: gdb's own Python, run by
// the gdb that weft starts; no Python of weft's runs in the target.
constexpr const char* kSelectScript = R"(import gdb
import os

def weft_select(os_tid, marker):
    if gdb.selected_inferior().pid == 0:
        return  # not attached
    open(marker, 'w').close()  # weft learns that gdb attached (it may leave quickly)
    for t in gdb.selected_inferior().threads():
        if t.ptid[1] == os_tid:
            t.switch()
            break
    try:
        f = gdb.newest_frame()
    except gdb.error:
        return
    while f is not None:
        lib = os.path.basename(gdb.solib_name(f.pc()) or '')
        sal = f.find_sal()
        src = sal.symtab.fullname() if sal.symtab is not None else ''
        if (not lib.startswith('libweft_preload') and not lib.startswith('libweft_rt')
                and src != '' and not src.startswith('/usr/')):
            f.select()
            break
        f = f.older()
    gdb.execute('frame')
)";

// The executable NAME on $PATH, "" if none.
std::string FindOnPath(const std::string& name) {
  const char* path = getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (dir.empty()) dir = ".";
    std::string candidate = dir + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

// Whether every thread of `pid` is traced by `tracer` (/proc/PID/task/*/status).
bool AllTracedBy(int pid, int tracer) {
  std::string dir = "/proc/" + std::to_string(pid) + "/task";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return false;
  bool all = true;
  int tasks = 0;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    ++tasks;
    std::ifstream status(dir + "/" + e->d_name + "/status");
    std::string line;
    int traced_by = 0;
    while (std::getline(status, line)) {
      if (line.rfind("TracerPid:", 0) == 0) {
        traced_by = std::atoi(line.c_str() + 10);
        break;
      }
    }
    if (traced_by != tracer) all = false;
  }
  closedir(d);
  return all && tasks > 0;
}

uint32_t OsTidOf(const session::HeldProgram& held, int32_t tid) {
  for (const auto& [weft_tid, os_tid] : held.os_tids) {
    if (static_cast<int32_t>(weft_tid) == tid) return os_tid;
  }
  return 0;
}

}  // namespace

std::vector<std::string> SplitGdbCommands(const std::string& commands) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= commands.size()) {
    size_t end = commands.find(';', start);
    if (end == std::string::npos) end = commands.size();
    std::string c = commands.substr(start, end - start);
    size_t a = c.find_first_not_of(" \t\n");
    size_t b = c.find_last_not_of(" \t\n");
    if (a != std::string::npos) out.push_back(c.substr(a, b - a + 1));
    start = end + 1;
  }
  return out;
}

DebuggerOutcome RunDebugger(const DebuggerRequest& request, const session::HeldProgram& held) {
  DebuggerOutcome outcome;
  const bool server = request.gdbserver_port > 0;
  const std::string name = server ? "gdbserver" : "gdb";
  const std::string exe = FindOnPath(name);
  if (exe.empty()) {
    outcome.error = name +
                    " is not installed (not on $PATH); install it (Debian: apt-get install " +
                    name + ")";
    return outcome;
  }
  const uint32_t os_tid = OsTidOf(held, request.held_tid);
  std::vector<std::string> args;
  char script[] = "/tmp/weft-gdb-XXXXXX.py";
  bool have_script = false;
  std::string marker;  // gdb's Python creates it once attached
  if (server) {
    args = {exe, "--attach", ":" + std::to_string(request.gdbserver_port),
            std::to_string(held.pid)};
  } else {
    int fd = mkstemps(script, 3);
    if (fd >= 0) {
      size_t n = std::strlen(kSelectScript);
      have_script = write(fd, kSelectScript, n) == static_cast<ssize_t>(n);
      close(fd);
    }
    args = {exe, "-q"};
    if (!request.commands.empty()) {
      args.push_back("-batch");
      args.push_back("-nx");  // the user's ~/.gdbinit would change what a script sees
    }
    args.push_back("-p");
    args.push_back(std::to_string(held.pid));
    if (have_script) {
      args.push_back("-x");
      args.push_back(script);
      marker = std::string(script) + ".attached";
      args.push_back("-ex");
      args.push_back("python weft_select(" + std::to_string(os_tid) + ", '" + marker + "')");
    }
    for (const std::string& c : request.commands) {
      args.push_back("-ex");
      args.push_back(c);
    }
  }
  if (server) {
    std::fprintf(stderr,
                 "weft: gdbserver on port %d: the program (pid %d) is held before event %llu%s; "
                 "connect with: gdb -ex 'target remote localhost:%d'\n",
                 request.gdbserver_port, held.pid, static_cast<unsigned long long>(request.event),
                 os_tid != 0
                     ? (", its thread about to perform it is LWP " + std::to_string(os_tid) +
                        " (weft T" + std::to_string(request.held_tid) + ")")
                           .c_str()
                     : "",
                 request.gdbserver_port);
  }
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t child = fork();
  if (child < 0) {
    outcome.error = std::string("cannot start ") + name + ": " + std::strerror(errno);
    if (have_script) unlink(script);
    return outcome;
  }
  if (child == 0) {
    if (request.stdout_to_stderr) dup2(STDERR_FILENO, STDOUT_FILENO);
    execv(argv[0], argv.data());
    _exit(127);
  }
  outcome.started = true;
  bool released = false;
  int status = 0;
  for (;;) {
    pid_t r = waitpid(child, &status, WNOHANG);
    if (r == child) break;
    if (r < 0 && errno != EINTR) break;
    if (!released &&
        (AllTracedBy(held.pid, child) || (!marker.empty() && access(marker.c_str(), F_OK) == 0))) {
      // NB: only now: the debugger has every thread stopped, so the held thread goes on
      // when the debugger resumes it, not before.
      held.release();
      released = true;
      outcome.attached = true;
    }
    if (held.poll) held.poll();
    struct timespec slice = {0, 2 * 1000 * 1000};
    nanosleep(&slice, nullptr);
  }
  if (!released && !marker.empty() && access(marker.c_str(), F_OK) == 0) outcome.attached = true;
  if (have_script) unlink(script);
  if (!marker.empty()) unlink(marker.c_str());
  if (WIFEXITED(status)) outcome.exit_status = WEXITSTATUS(status);
  if (!outcome.attached) {
    outcome.error =
        name + " did not attach to the program (pid " + std::to_string(held.pid) +
        "): see its messages above (ptrace permission: " + "/proc/sys/kernel/yama/ptrace_scope)";
  }
  return outcome;
}

}  // namespace weft::cli
