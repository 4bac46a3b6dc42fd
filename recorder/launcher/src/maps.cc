// maps.cc — reading and parsing /proc/PID/maps.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "weft/launcher.h"

namespace weft::launcher {

namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

void SkipBlanks(std::string_view line, size_t* at) {
  while (*at < line.size() && IsBlank(line[*at])) ++*at;
}

// The number in base 16 or 10 at line[*at], moved past; false if no digit is there.
bool ParseNumber(std::string_view line, size_t* at, int base, uint64_t* value) {
  const size_t first = *at;
  uint64_t v = 0;
  for (; *at < line.size(); ++*at) {
    const char c = line[*at];
    int digit;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (base == 16 && c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else if (base == 16 && c >= 'A' && c <= 'F') {
      digit = c - 'A' + 10;
    } else {
      break;
    }
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(digit);
  }
  *value = v;
  return *at != first;
}

// The word (up to a blank) at line[*at], moved past; empty if there is none.
std::string_view ParseWord(std::string_view line, size_t* at) {
  const size_t first = *at;
  while (*at < line.size() && !IsBlank(line[*at])) ++*at;
  return line.substr(first, *at - first);
}

// One line, "start-end perms offset dev inode [path]"; the path may contain spaces.
bool ParseLine(std::string_view line, Mapping* m) {
  size_t at = 0;
  uint64_t inode = 0;
  SkipBlanks(line, &at);
  if (!ParseNumber(line, &at, 16, &m->start) || at >= line.size() || line[at] != '-') {
    return false;
  }
  ++at;
  if (!ParseNumber(line, &at, 16, &m->end)) return false;
  SkipBlanks(line, &at);
  std::string_view perms = ParseWord(line, &at);
  if (perms.empty() || perms.size() > 7) return false;
  SkipBlanks(line, &at);
  if (!ParseNumber(line, &at, 16, &m->offset)) return false;
  SkipBlanks(line, &at);
  if (ParseWord(line, &at).empty()) return false;  // the device
  SkipBlanks(line, &at);
  if (!ParseNumber(line, &at, 10, &inode)) return false;
  SkipBlanks(line, &at);
  m->perms.assign(perms);
  m->path.assign(line.substr(at));
  return true;
}

}  // namespace

// NB: by hand, not sscanf: weft reads a run's maps at its end, and sscanf's parse of a
// tiny program's ~40 lines cost about 20 us of each forked run (docs/fork_server.md).
std::vector<Mapping> ParseMaps(const std::string& text) {
  std::vector<Mapping> maps;
  const std::string_view all(text);
  for (size_t pos = 0; pos < all.size();) {
    size_t eol = all.find('\n', pos);
    if (eol == std::string_view::npos) eol = all.size();
    Mapping m;
    if (ParseLine(all.substr(pos, eol - pos), &m)) maps.push_back(std::move(m));
    pos = eol + 1;
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
