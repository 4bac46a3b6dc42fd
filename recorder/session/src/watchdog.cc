// watchdog.cc — a free recording's deadlock watchdog (RunConfig::watchdog_seconds).
#include "watchdog.h"

#include <dirent.h>
#include <linux/futex.h>
#include <sys/syscall.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace weft::session::internal {
namespace {

// Whether thread `tid` of `pid` sits in a futex wait that only another thread can end: a
// wait or lock without timeout (/proc/PID/task/TID/syscall: the number and arguments).
bool InUntimedFutexWait(int pid, const std::string& tid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + tid + "/syscall");
  std::string number;
  if (!(in >> number)) return false;
  if (number != std::to_string(SYS_futex)) return false;  // running, or another call
  std::string args[4];
  for (std::string& a : args) {
    if (!(in >> a)) return false;
  }
  const unsigned long op = std::strtoul(args[1].c_str(), nullptr, 16) & FUTEX_CMD_MASK;
  const unsigned long timeout = std::strtoul(args[3].c_str(), nullptr, 16);
  switch (op) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
    case FUTEX_LOCK_PI:
    case FUTEX_WAIT_REQUEUE_PI:
      return timeout == 0;
    default:
      return false;
  }
}

}  // namespace

int ThreadsInUntimedFutexWait(int pid, int* threads) {
  *threads = 0;
  DIR* dir = opendir(("/proc/" + std::to_string(pid) + "/task").c_str());
  if (dir == nullptr) return -1;
  int waiting = 0;
  while (struct dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    ++*threads;
    if (InUntimedFutexWait(pid, e->d_name)) ++waiting;
  }
  closedir(dir);
  return waiting;
}

}  // namespace weft::session::internal
