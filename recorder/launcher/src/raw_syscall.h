// raw_syscall.h — system calls that bypass libc, for the spawned child before its exec.
//
// The child shares weft's memory, and the calling thread's TLS, until it execs (see
// SpawnChild in spawn.cc): libc's wrappers would write errno, in the parent thread's TLS, while
// that thread runs. These return -errno instead and touch nothing but their arguments.
#pragma once

#if !defined(__x86_64__)
#error "weft's launcher supports x86-64 only (raw system calls of the spawned child)"
#endif

// Marks a function that the spawned child runs before its exec: no sanitizer
// instrumentation (WEFT_SANITIZE), whose checks and reports would use the runtime state of
// weft from another process, on a stack the runtime does not know. NB: on every function the
// child calls, since a sanitized callee is not inlined into an unsanitized caller.
#define WEFT_CHILD_CODE __attribute__((no_sanitize("address", "undefined")))

namespace weft::launcher::internal {

WEFT_CHILD_CODE inline long RawSyscall(long n, long a = 0, long b = 0, long c = 0, long d = 0) {
  long ret;
  register long r10 asm("r10") = d;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10)
               : "rcx", "r11", "memory");
  return ret;
}

// Five arguments (mount).
WEFT_CHILD_CODE inline long RawSyscall5(long n, long a, long b, long c, long d, long e) {
  long ret;
  register long r10 asm("r10") = d;
  register long r8 asm("r8") = e;
  asm volatile("syscall"
               : "=a"(ret)
               : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8)
               : "rcx", "r11", "memory");
  return ret;
}

// The kernel's struct sigaction on x86-64 (not libc's, which has a bigger sigset_t).
struct KernelSigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  unsigned long mask;
};
inline constexpr long kKernelSigsetBytes = sizeof(unsigned long);

}  // namespace weft::launcher::internal
