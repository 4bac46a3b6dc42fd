// test_util.h — helpers shared by the launcher tests.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "weft/launcher.h"

extern char** environ;

namespace weft::launcher::testing {

// Path of a helper program built beside the tests.
inline std::string Program(const std::string& name) {
  return std::string(WEFT_LAUNCHER_PROGRAMS_DIR) + "/" + name;
}

// Path of a helper program's source.
inline std::string ProgramSource(const std::string& file) {
  return std::string(WEFT_LAUNCHER_PROGRAMS_SRC) + "/" + file;
}

inline std::vector<std::string> CurrentEnv() {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

// Options to run a helper program (or any absolute path) with this process's environment.
inline SpawnOptions OptionsFor(const std::string& path, std::vector<std::string> args = {},
                               double timeout_seconds = 20) {
  SpawnOptions options;
  options.executable = path;
  options.argv.push_back(path);
  for (auto& a : args) options.argv.push_back(a);
  options.env = CurrentEnv();
  options.timeout_seconds = timeout_seconds;
  return options;
}

// Runs `options`; a failure of Run itself fails the test (the result is then empty).
inline RunResult MustRun(const SpawnOptions& options) {
  auto r = launcher::Run(options);
  EXPECT_TRUE(r.ok()) << r.error().message;
  return r.ok() ? *r : RunResult{};
}

// Runs count_sigint (it handles SIGINT and lives 300 ms after the first one) and, once it is
// ready, sends weft three SIGINTs 30 ms apart: the third must kill the program's tree.
inline RunResult RunWithThreeInterrupts() {
  int ready[2];
  EXPECT_EQ(pipe2(ready, O_CLOEXEC), 0);
  SpawnOptions options = OptionsFor(Program("count_sigint"), {}, 10);
  options.stdout_fd = ready[1];
  std::thread sender([&] {
    char buf[16];
    ssize_t n = read(ready[0], buf, sizeof(buf));
    (void)n;
    for (int i = 0; i < 3; ++i) {
      kill(getpid(), SIGINT);
      usleep(30 * 1000);
    }
  });
  RunResult r = MustRun(options);
  sender.join();
  close(ready[0]);
  close(ready[1]);
  return r;
}

// A fresh directory, removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "weft-launcher-XXXXXX").string();
    char* made = mkdtemp(tmpl.data());
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  // Writes a file with the given mode and returns its path.
  std::string Write(const std::string& name, const std::string& content, mode_t mode) const {
    std::string p = path_ + "/" + name;
    {
      std::ofstream out(p, std::ios::binary);
      out << content;
    }
    chmod(p.c_str(), mode);
    return p;
  }

 private:
  std::string path_;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline int CountOpenFds() {
  int n = 0;
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n - 1;  // the DIR's own fd
}

// Pids of this process's children (every thread's), zombies included.
inline std::vector<pid_t> Children() {
  std::vector<pid_t> out;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::istringstream in(ReadFile(task.path().string() + "/children"));
    pid_t pid;
    while (in >> pid) out.push_back(pid);
  }
  return out;
}

// The value of a "Key:" line of /proc/PID/status, "" if absent.
inline std::string ProcStatusField(pid_t pid, const std::string& key) {
  std::istringstream in(ReadFile("/proc/" + std::to_string(pid) + "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) {
      std::string v = line.substr(key.size() + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  }
  return "";
}

// The 1-based line of `file` holding `marker`, 0 if none.
inline int LineOf(const std::string& file, const std::string& marker) {
  std::istringstream in(ReadFile(file));
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.find(marker) != std::string::npos) return n;
  }
  return 0;
}

}  // namespace weft::launcher::testing
