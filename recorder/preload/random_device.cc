// random_device.cc — reads of the random devices in a controlled run (random_device.h).
// NB: a descriptor is known by its open through a hook; one that came another way (dup,
// inherited across exec, opened by glibc itself) reads the kernel's bytes as before.
#include "random_device.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "glibc_layout.h"
#include "inputs.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {
namespace {

constexpr int kTrackedFds = 1024;
// Bit fd set: `fd` was opened on a random device by a controlled thread. NB: a set bit is
// checked against the descriptor before it is believed (a close through glibc's own close,
// as fclose's, leaves it set while the number is given to another file).
constinit uint64_t g_random_fd[kTrackedFds / 64] = {};

bool SamePath(const char* a, const char* b) {
  for (; *a != '\0' || *b != '\0'; ++a, ++b) {
    if (*a != *b) return false;
  }
  return true;
}

// Whether `fd` is /dev/urandom or /dev/random now (character device 1:9 or 1:8).
bool IsRandomDevice(int fd) {
  struct stat st;
  if (RawSyscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0) return false;
  return S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 &&
         (minor(st.st_rdev) == 8 || minor(st.st_rdev) == 9);
}

bool Noted(int fd) {
  if (fd < 0 || fd >= kTrackedFds) return false;
  const uint64_t bit = uint64_t{1} << (fd % 64);
  if ((g_random_fd[fd / 64] & bit) == 0) return false;
  if (IsRandomDevice(fd)) return true;
  g_random_fd[fd / 64] &= ~bit;
  return false;
}

}  // namespace

void NoteOpened(int fd, const char* path) {
  if (fd < 0 || fd >= kTrackedFds || IsNull(path)) return;
  if (!SamePath(path, "/dev/urandom") && !SamePath(path, "/dev/random")) return;
  if (IsRandomDevice(fd)) g_random_fd[fd / 64] |= uint64_t{1} << (fd % 64);
}

bool RandomDeviceRead(int fd, void* buf, size_t len, ssize_t* out) {
  if (!Noted(fd)) return false;
  SessionRandomBytes(buf, len);
  *out = static_cast<ssize_t>(len);
  return true;
}

bool RandomStreamRead(FILE* stream, void* buf, size_t len) {
  if (IsNull(stream) || !StreamBufferEmpty(stream) || !Noted(stream->_fileno)) return false;
  SessionRandomBytes(buf, len);
  return true;
}

bool RandomStreamLine(FILE* stream, char* s, int n) {
  char c = 0;
  if (n <= 1 || !RandomStreamRead(stream, &c, 1)) return false;
  int k = 0;
  s[k++] = c;
  while (k < n - 1 && c != '\n') {
    SessionRandomBytes(&c, 1);
    s[k++] = c;
  }
  s[k] = '\0';
  return true;
}

}  // namespace weft::shim
