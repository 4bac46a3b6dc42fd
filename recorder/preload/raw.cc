// raw.cc — system calls and byte helpers that never go through libc's PLT, so they cannot
// re-enter the shim or anything the target interposed.
#include <linux/futex.h>
#include <sys/syscall.h>

#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {

long RawSyscall(long n, long a, long b, long c, long d, long e, long f) {
  long ret;
  register long r10 asm("r10") = d;
  register long r8 asm("r8") = e;
  register long r9 asm("r9") = f;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
               : "rcx", "r11", "memory");
  return ret;
}

// NB: shared futexes (not _PRIVATE): the turn's words are in the scheduler's state, which
// forked processes share.
int FutexWait(volatile uint32_t* word, uint32_t expected) {
  return static_cast<int>(
      RawSyscall(SYS_futex, reinterpret_cast<long>(word), FUTEX_WAIT, expected, 0, 0, 0));
}

void FutexWake(volatile uint32_t* word, int count) {
  RawSyscall(SYS_futex, reinterpret_cast<long>(word), FUTEX_WAKE, count, 0, 0, 0);
}

pid_t Gettid() { return static_cast<pid_t>(RawSyscall(SYS_gettid)); }

size_t StrLen(const char* s) {
  size_t n = 0;
  while (s[n] != '\0') ++n;
  return n;
}

void WriteStderr(const char* text) {
  RawSyscall(SYS_write, 2, reinterpret_cast<long>(text), StrLen(text));
}

void Die(const char* text) {
  WriteStderr("weft shim: ");
  WriteStderr(text);
  WriteStderr("\n");
  weft_session* s = Session();
  if (s != nullptr) {
    s->status |= WEFT_STATUS_SHIM_ERROR;
    size_t n = StrLen(text);
    if (n >= sizeof(s->error)) n = sizeof(s->error) - 1;
    CopyBytes(s->error, text, n);
    s->error[n] = '\0';
  }
  RawSyscall(SYS_exit_group, WEFT_SHIM_EXIT_CODE);
  __builtin_unreachable();
}

void CopyBytes(void* dst, const void* src, size_t n) {
  auto* d = static_cast<volatile unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  for (size_t i = 0; i < n; ++i) d[i] = s[i];
}

void ZeroBytes(void* dst, size_t n) {
  auto* d = static_cast<volatile unsigned char*>(dst);
  for (size_t i = 0; i < n; ++i) d[i] = 0;
}

}  // namespace weft::shim
