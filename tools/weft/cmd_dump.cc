// weft dump — ask a flight recording (weft record --free --ring SIZE) for its window now.
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli.h"

namespace weft::cli {
namespace {

constexpr const char* kUsage = R"(usage: weft dump PID

Asks a flight recording (weft record --free --ring SIZE) to write its window now:
the most recent events and inputs it kept, as a trace that weft show reads. The
program goes on running, and weft goes on recording; each dump goes to a new file,
the recording's -o name with .1, .2, ... before its extension, and weft names it in
a line on its own stderr ("weft: dump 1: ... written to prog-free.1.weft").

PID is either weft's own pid (weft record prints it as it starts) or the pid of the
program it records (or of any thread or process weft traces there): weft dump finds
the weft that traces it. It sends that weft SIGUSR1, which is the same as
kill -USR1 WEFT_PID; a weft that is not a flight recording would die of SIGUSR1,
so weft dump refuses it.

options:
  -h, --help   show this help

Exits 0 when the request was sent, 2 when PID is no flight recording of weft's.
)";

std::string ReadLink(const std::string& path) {
  char buf[4096];
  ssize_t n = readlink(path.c_str(), buf, sizeof(buf) - 1);
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

// The arguments of process `pid` (empty if it is gone or not ours to read).
std::vector<std::string> Cmdline(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::vector<std::string> args;
  std::string arg;
  while (std::getline(in, arg, '\0')) args.push_back(arg);
  return args;
}

// A field of /proc/PID/status ("TracerPid", "PPid"), -1 if absent.
long StatusField(pid_t pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) != 0) continue;
    return std::strtol(line.c_str() + name.size() + 1, nullptr, 10);
  }
  return -1;
}

bool IsWeft(pid_t pid) {
  std::string self = ReadLink("/proc/self/exe");
  std::string exe = ReadLink("/proc/" + std::to_string(pid) + "/exe");
  if (!self.empty() && exe == self) return true;
  // Another build of weft: by its name.
  size_t slash = exe.rfind('/');
  return !exe.empty() && exe.substr(slash == std::string::npos ? 0 : slash + 1) == "weft";
}

// Whether weft `pid` runs `weft record ... --ring ...` (before the program's --).
bool IsFlightRecording(pid_t pid) {
  std::vector<std::string> args = Cmdline(pid);
  bool record = false;
  for (size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--") break;
    if (i == 1 && args[i] == "record") record = true;
    if (record && (args[i] == "--ring" || args[i].rfind("--ring=", 0) == 0)) return true;
  }
  return false;
}

}  // namespace

int RunDump(const std::vector<std::string>& argv) {
  Args args(argv, false, {});
  if (args.Flag("--help") || args.Flag("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  Status st = args.Finish();
  if (!st.ok()) return Fail("dump", st.error().message + " (see weft dump --help)");
  if (args.positional().size() != 1) {
    return Fail("dump", "give one pid: weft's (weft record prints it) or its program's");
  }
  const std::string& text = args.positional()[0];
  char* end = nullptr;
  errno = 0;
  long given = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || given <= 0 || given > (1L << 22)) {
    return Fail("dump", "'" + text + "' is not a pid");
  }
  const auto pid = static_cast<pid_t>(given);
  if (kill(pid, 0) != 0 && errno == ESRCH) {
    return Fail("dump", "no process " + text + " (has the program ended?)");
  }
  pid_t weft = -1;
  if (IsWeft(pid)) {
    weft = pid;
  } else {
    // The program, or one of its threads or processes: weft traces it (and started it).
    for (const char* field : {"TracerPid", "PPid"}) {
      long other = StatusField(pid, field);
      if (other > 0 && IsWeft(static_cast<pid_t>(other))) {
        weft = static_cast<pid_t>(other);
        break;
      }
    }
  }
  if (weft < 0) {
    return Fail("dump", "process " + text +
                            " is neither weft nor a program weft records (give weft's pid, "
                            "printed by weft record --ring, or its program's)");
  }
  if (!IsFlightRecording(weft)) {
    return Fail("dump", "weft (pid " + std::to_string(weft) +
                            ") is not a flight recording (weft record --free --ring SIZE): "
                            "only those write a window on demand");
  }
  if (kill(weft, SIGUSR1) != 0) {
    return Fail("dump",
                "cannot signal weft (pid " + std::to_string(weft) + "): " + std::strerror(errno));
  }
  Say("asked weft (pid " + std::to_string(weft) + ")" +
      (weft != pid ? ", which records process " + text + "," : std::string()) +
      " for its window: it writes it to a new file, named on its stderr, and goes on");
  return kExitOk;
}

}  // namespace weft::cli
