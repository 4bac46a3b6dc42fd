// hooks_fortify.cc — the _FORTIFY_SOURCE variants of hooked functions. A program built with
// -D_FORTIFY_SOURCE (Debian builds its packages so) calls __read_chk, __poll_chk, … where the
// size of the buffer is known, and glibc's versions reach the plain call inside glibc, where
// no hook sees it: memcached's poll, git's fread. Each variant here checks the buffer as
// glibc's does — a call that would overflow it goes to glibc's own __chk_fail, which reports
// and aborts as without weft — and then is the plain hook.
#include <poll.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

// NB: these calls are to the shim's own hooks of the same names, not to libc's.
#undef read

using namespace weft::shim;

namespace {

[[noreturn]] void BufferOverflow() {
  real.chk_fail();
  __builtin_trap();  // __chk_fail does not return
}

}  // namespace

WEFT_EXPORT ssize_t __read_chk(int fd, void* buf, size_t n, size_t buflen) {
  if (n > buflen) BufferOverflow();
  return read(fd, buf, n);
}

WEFT_EXPORT ssize_t __pread_chk(int fd, void* buf, size_t n, off_t at, size_t buflen) {
  if (n > buflen) BufferOverflow();
  return pread(fd, buf, n, at);
}

WEFT_EXPORT ssize_t __pread64_chk(int fd, void* buf, size_t n, off64_t at, size_t buflen) {
  if (n > buflen) BufferOverflow();
  return pread64(fd, buf, n, at);
}

WEFT_EXPORT ssize_t __recv_chk(int fd, void* buf, size_t n, size_t buflen, int flags) {
  if (n > buflen) BufferOverflow();
  return recv(fd, buf, n, flags);
}

WEFT_EXPORT ssize_t __recvfrom_chk(int fd, void* buf, size_t n, size_t buflen, int flags,
                                   struct sockaddr* from, socklen_t* fromlen) {
  if (n > buflen) BufferOverflow();
  return recvfrom(fd, buf, n, flags, from, fromlen);
}

WEFT_EXPORT int __poll_chk(struct pollfd* fds, nfds_t nfds, int timeout, size_t fdslen) {
  if (fdslen / sizeof *fds < nfds) BufferOverflow();
  return poll(fds, nfds, timeout);
}

WEFT_EXPORT int __ppoll_chk(struct pollfd* fds, nfds_t nfds, const struct timespec* timeout,
                            const sigset_t* mask, size_t fdslen) {
  if (fdslen / sizeof *fds < nfds) BufferOverflow();
  return ppoll(fds, nfds, timeout, mask);
}

WEFT_EXPORT size_t __fread_chk(void* buf, size_t buflen, size_t size, size_t n, FILE* stream) {
  size_t bytes = 0;
  if (__builtin_mul_overflow(size, n, &bytes) || bytes > buflen) BufferOverflow();
  return fread(buf, size, n, stream);
}

WEFT_EXPORT char* __fgets_chk(char* s, size_t buflen, int n, FILE* stream) {
  if (n > 0 && static_cast<size_t>(n) > buflen) BufferOverflow();
  return fgets(s, n, stream);
}
