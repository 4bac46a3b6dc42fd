// maps.cc — reading and parsing /proc/PID/maps.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "weft/launcher.h"

namespace weft::launcher {

std::vector<Mapping> ParseMaps(const std::string& text) {
  std::vector<Mapping> maps;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    std::string line = text.substr(pos, eol - pos);
    pos = eol + 1;

    Mapping m;
    char perms[8] = {};
    unsigned long long start = 0, end = 0, offset = 0, inode = 0;
    int path_at = 0;
    // "start-end perms offset dev inode [path]"; the path may contain spaces.
    if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %*s %llu %n", &start, &end, perms, &offset,
                    &inode, &path_at) < 5) {
      continue;
    }
    m.start = start;
    m.end = end;
    m.offset = offset;
    m.perms = perms;
    if (path_at > 0 && static_cast<size_t>(path_at) <= line.size()) {
      m.path = line.substr(path_at);
    }
    maps.push_back(std::move(m));
  }
  return maps;
}

Result<std::vector<Mapping>> ReadMaps(pid_t pid) {
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%d/maps", static_cast<int>(pid));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return MakeError(std::string("cannot read the address space of process ") +
                     std::to_string(pid) + ": open '" + path + "': " + std::strerror(errno));
  }
  std::string text;
  char buf[16384];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      return MakeError(std::string("cannot read '") + path + "': " + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  return ParseMaps(text);
}

}  // namespace weft::launcher
