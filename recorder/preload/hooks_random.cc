// hooks_random.cc — getrandom and getentropy: random bytes are an input (inputs.h), recorded
// by a free recording and fed back by its replay. (syscall(SYS_getrandom, …) goes the same
// way: hooks_time.cc.)
#include <errno.h>
#include <sys/random.h>

#include "inputs.h"
#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

using namespace weft::shim;

WEFT_EXPORT ssize_t getrandom(void* buf, size_t len, unsigned int flags) {
  Guard guard;
  long n = RandomCall(guard, buf, len, flags);
  if (n < 0) {
    errno = static_cast<int>(-n);
    return -1;
  }
  return n;
}

WEFT_EXPORT int getentropy(void* buf, size_t len) {
  if (len > 256) {
    errno = EIO;
    return -1;
  }
  Guard guard;
  // As glibc's: one call may return less; go on until `len` bytes came.
  auto* p = static_cast<unsigned char*>(buf);
  for (size_t done = 0; done < len;) {
    long n = RandomCall(guard, p + done, len - done, 0);
    if (n == -EINTR) continue;
    if (n < 0) {
      errno = static_cast<int>(-n);
      return -1;
    }
    if (n == 0) {
      errno = EIO;
      return -1;
    }
    done += static_cast<size_t>(n);
  }
  return 0;
}
