// weft dump — ask a flight recording (weft record --free --ring SIZE) for its window now.
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "cli.h"
#include "weft/run.h"

namespace weft::cli {
namespace {

constexpr const char* kUsage = R"(usage: weft dump PID

Asks a flight recording (weft record --free --ring SIZE) to write its window now:
the most recent events and inputs it kept, as a trace that weft show reads. The
program goes on running, and weft goes on recording; each dump goes to a new file,
the recording's -o name with .1, .2, ... before its extension, and weft names it in
a line on its own stderr ("weft: dump 1: ... written to prog-free.1.weft"). weft
dump waits for that file (at most --wait S seconds, default 10) and prints its
path on stdout, alone on its line.

PID is either weft's own pid (weft record prints it as it starts) or the pid of the
program it records (or of any thread or process weft traces there): weft dump finds
the weft that traces it. It sends that weft SIGUSR1, which is the same as
kill -USR1 WEFT_PID; a weft that is not a flight recording would die of SIGUSR1,
so weft dump refuses it.

options:
  --wait S     wait at most S seconds for the dump's file (default 10; 0: do not wait)
  -h, --help   show this help

Exits 0 when the dump was written (or, with --wait 0, the request sent), 1 when no
new dump appeared in time, 2 when PID is no flight recording of weft's.
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

// The trace path of the recording weft `pid` makes (its -o, else record's default name),
// made absolute with that weft's working directory; "" when its arguments cannot be read.
std::string RecordingPath(pid_t pid) {
  std::vector<std::string> args = Cmdline(pid);
  std::string output, program;
  for (size_t i = 2; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") {
      if (i + 1 < args.size()) program = args[i + 1];
      break;
    }
    if ((a == "-o" || a == "--output") && i + 1 < args.size()) {
      output = args[++i];
    } else if (a.rfind("--output=", 0) == 0) {
      output = a.substr(9);
    } else if (a.rfind("-o", 0) == 0 && a.size() > 2) {
      output = a.substr(2);
    }
  }
  if (output.empty()) {
    // NB: record's default name (cmd_record.cc) for a free recording.
    if (program.empty()) return "";
    size_t slash = program.rfind('/');
    output = program.substr(slash == std::string::npos ? 0 : slash + 1) + "-free.weft";
  }
  if (output[0] == '/') return output;
  std::string cwd = ReadLink("/proc/" + std::to_string(pid) + "/cwd");
  return cwd.empty() ? "" : cwd + "/" + output;
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
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
  Args args(argv, false, {"--wait"});
  if (args.Flag("--help") || args.Flag("-h")) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  double wait_seconds = 10;
  args.Double("--wait", &wait_seconds);
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
  // The dumps there are now: the new one is the file among the names weft picks from
  // (session::RingDumpPath: base.1.weft, base.2.weft, ...) that appears after the signal.
  const std::string base = RecordingPath(weft);
  constexpr uint32_t kNames = 4096;
  std::vector<bool> before(kNames + 2, false);
  if (!base.empty()) {
    for (uint32_t n = 1; n <= kNames; ++n) before[n] = Exists(session::RingDumpPath(base, n));
  }
  if (kill(weft, SIGUSR1) != 0) {
    return Fail("dump",
                "cannot signal weft (pid " + std::to_string(weft) + "): " + std::strerror(errno));
  }
  const std::string asked =
      "asked weft (pid " + std::to_string(weft) + ")" +
      (weft != pid ? ", which records process " + text + "," : std::string()) + " for its window";
  if (wait_seconds <= 0 || base.empty()) {
    Say(asked + ": it writes it to a new file, named on its stderr, and goes on");
    return kExitOk;
  }
  const double deadline = MonotonicSeconds() + wait_seconds;
  for (;;) {
    // NB: weft writes the window to PATH.part and renames it: a name that exists is whole.
    for (uint32_t n = 1; n <= kNames; ++n) {
      std::string path = session::RingDumpPath(base, n);
      if (!before[n] && Exists(path)) {
        Say(asked + ": written to " + path + " (the program goes on)");
        std::printf("%s\n", path.c_str());
        return kExitOk;
      }
    }
    if (MonotonicSeconds() > deadline || kill(weft, 0) != 0) break;
    usleep(20000);
  }
  Say(asked + ", but no new dump beside " + base + " appeared in " +
      std::to_string(static_cast<int>(wait_seconds)) +
      " s (weft names the file it writes on its own stderr)");
  return kExitFound;
}

}  // namespace weft::cli
