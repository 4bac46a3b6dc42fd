// hooks_exec.cc — exec in a process of the session. The first process keeps control across
// exec (its new image claims the session again, control_start.cc). A forked process leaves
// control when it execs: its new image runs uncontrolled, as every child of a session did
// before forked processes were controlled; the EXEC event is its last. NB: this happens
// before the real call, so a failed exec leaves the process running uncontrolled.
#include <stdarg.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "control.h"
#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

using namespace weft::shim;

namespace {

void BeforeExec() {
  Guard guard;
  if (!Controlled(guard) || g_process == 0) return;
  // A vfork child runs on its parent's memory and thread: it is not this process's thread.
  if (static_cast<uint32_t>(RawSyscall(SYS_getpid)) != OwnPid()) return;
  Thread* self = Self();
  Op op;
  op.kind = WEFT_EV_EXEC;
  Schedule(self, op);
  self->op.kind = WEFT_EV_NONE;
  Emit(self, WEFT_EV_EXEC, 0, 0, 0);
  LeaveProcess(self, ProcessState::kUncontrolled);
}

// The variadic execl family as an argv on the caller's stack (alloca: the arguments are
// counted first). NB: not -Wframe-larger-than's business: it is the program's own list.
#define WEFT_COLLECT_ARGS(first, last_arg, argv)                                                \
  size_t count = 1;                                                                             \
  {                                                                                             \
    va_list ap;                                                                                 \
    va_start(ap, last_arg);                                                                     \
    while (va_arg(ap, const char*) != nullptr) ++count;                                         \
    va_end(ap);                                                                                 \
  }                                                                                             \
  const char** argv = static_cast<const char**>(__builtin_alloca((count + 1) * sizeof(char*))); \
  argv[0] = first;                                                                              \
  {                                                                                             \
    va_list ap;                                                                                 \
    va_start(ap, last_arg);                                                                     \
    for (size_t i = 1; i <= count; ++i) argv[i] = va_arg(ap, const char*);                      \
    va_end(ap);                                                                                 \
  }

}  // namespace

WEFT_EXPORT int execve(const char* path, char* const argv[], char* const envp[]) {
  BeforeExec();
  return real.execve(path, argv, envp);
}

WEFT_EXPORT int execv(const char* path, char* const argv[]) {
  BeforeExec();
  return real.execv(path, argv);
}

WEFT_EXPORT int execvp(const char* file, char* const argv[]) {
  BeforeExec();
  return real.execvp(file, argv);
}

WEFT_EXPORT int execvpe(const char* file, char* const argv[], char* const envp[]) {
  BeforeExec();
  return real.execvpe(file, argv, envp);
}

WEFT_EXPORT int fexecve(int fd, char* const argv[], char* const envp[]) {
  BeforeExec();
  return real.fexecve(fd, argv, envp);
}

WEFT_EXPORT int execl(const char* path, const char* arg, ...) {
  WEFT_COLLECT_ARGS(arg, arg, args)
  BeforeExec();
  return real.execv(path, const_cast<char* const*>(args));
}

WEFT_EXPORT int execlp(const char* file, const char* arg, ...) {
  WEFT_COLLECT_ARGS(arg, arg, args)
  BeforeExec();
  return real.execvp(file, const_cast<char* const*>(args));
}

WEFT_EXPORT int execle(const char* path, const char* arg, ...) {
  // execle: the environment follows the terminating null.
  size_t count = 1;
  char* const* envp;
  {
    va_list ap;
    va_start(ap, arg);
    while (va_arg(ap, const char*) != nullptr) ++count;
    envp = va_arg(ap, char* const*);
    va_end(ap);
  }
  const char** args = static_cast<const char**>(__builtin_alloca((count + 1) * sizeof(char*)));
  args[0] = arg;
  {
    va_list ap;
    va_start(ap, arg);
    for (size_t i = 1; i <= count; ++i) args[i] = va_arg(ap, const char*);
    va_end(ap);
  }
  BeforeExec();
  return real.execve(path, const_cast<char* const*>(args), envp);
}
