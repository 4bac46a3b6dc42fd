// hooks_exec.cc — exec in a process of the session. The exec is a schedule point. When the
// new image will load the shim and find the session (a dynamic ELF program, or a script
// whose interpreter is one, with the shim in its environment and the session's descriptor
// open across the exec: ImageControlled), the thread keeps the turn across the exec and its
// new image rejoins the session as the same thread (control_start.cc, RejoinAfterExec),
// whose first event is EXEC with arg 1; a failed exec is an EXEC event with -errno and the
// process goes on. Otherwise (a static or non-ELF program, an environment without the shim)
// the EXEC event, arg 0, is the process's last: it leaves control and its new image runs
// uncontrolled (NB: then a failed exec leaves the process running uncontrolled).
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "control.h"
#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

using namespace weft::shim;

namespace {

#if defined(__x86_64__)
constexpr uint16_t kMachine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t kMachine = EM_AARCH64;
#else
#error "weft's shim: unknown machine"
#endif

// NB: global scratch, not the target's stack: only the thread holding the turn uses them.
constexpr size_t kPathBytes = 4096;
constinit char g_path[kPathBytes] = {};
constinit char g_interpreter[kPathBytes] = {};

bool StartsWith(const char* s, const char* prefix) {
  for (; *prefix != '\0'; ++s, ++prefix) {
    if (*s != *prefix) return false;
  }
  return true;
}

bool Contains(const char* s, const char* part) {
  for (; *s != '\0'; ++s) {
    if (StartsWith(s, part)) return true;
  }
  return false;
}

long ParseDecimal(const char* s) {
  long v = 0;
  if (*s == '\0') return -1;
  for (; *s != '\0'; ++s) {
    if (*s < '0' || *s > '9' || v > (1 << 20)) return -1;
    v = v * 10 + (*s - '0');
  }
  return v;
}

// The value of `name` ("NAME=") in `envp`, or in this process's environment when envp is
// null (exec without one passes it on); nullptr if unset.
const char* EnvValue(char* const* envp, const char* name_eq) {
  if (envp == nullptr) {
    char name[32];
    size_t n = 0;
    while (name_eq[n] != '=' && n + 1 < sizeof name) {
      name[n] = name_eq[n];
      ++n;
    }
    name[n] = '\0';
    return getenv(name);
  }
  size_t n = StrLen(name_eq);
  for (char* const* e = envp; *e != nullptr; ++e) {
    if (StartsWith(*e, name_eq)) return *e + n;
  }
  return nullptr;
}

enum class Image { kControlled, kUncontrolled, kScript };

// What the kernel would run from the open file `fd`: a dynamic ELF program of this machine
// (the dynamic loader loads the shim), a script (its interpreter in g_interpreter), or
// neither (a static program, another machine's, a set-id one: the loader ignores the
// shim's LD_PRELOAD path, data).
Image ClassifyFd(long fd) {
  struct stat st;
  if (RawSyscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0 || !S_ISREG(st.st_mode)) {
    return Image::kUncontrolled;
  }
  if (((st.st_mode & S_ISUID) && st.st_uid != RawSyscall(SYS_geteuid)) ||
      ((st.st_mode & S_ISGID) && st.st_gid != RawSyscall(SYS_getegid))) {
    return Image::kUncontrolled;
  }
  Elf64_Ehdr eh;
  long n = RawSyscall(SYS_pread64, fd, reinterpret_cast<long>(&eh), sizeof eh, 0);
  if (n >= 2 && reinterpret_cast<const char*>(&eh)[0] == '#' &&
      reinterpret_cast<const char*>(&eh)[1] == '!') {
    char line[256];
    n = RawSyscall(SYS_pread64, fd, reinterpret_cast<long>(line), sizeof line - 1, 2);
    if (n <= 0) return Image::kUncontrolled;
    line[n] = '\0';
    const char* p = line;
    while (*p == ' ' || *p == '\t') ++p;
    size_t len = 0;
    while (p[len] != '\0' && p[len] != ' ' && p[len] != '\t' && p[len] != '\n') ++len;
    if (len == 0 || len >= kPathBytes) return Image::kUncontrolled;
    CopyBytes(g_interpreter, p, len);
    g_interpreter[len] = '\0';
    return Image::kScript;
  }
  if (n != static_cast<long>(sizeof eh) || eh.e_ident[EI_MAG0] != ELFMAG0 ||
      eh.e_ident[EI_MAG1] != ELFMAG1 || eh.e_ident[EI_MAG2] != ELFMAG2 ||
      eh.e_ident[EI_MAG3] != ELFMAG3 || eh.e_ident[EI_CLASS] != ELFCLASS64 ||
      eh.e_machine != kMachine || eh.e_phentsize != sizeof(Elf64_Phdr)) {
    return Image::kUncontrolled;
  }
  for (uint32_t i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    if (RawSyscall(SYS_pread64, fd, reinterpret_cast<long>(&ph), sizeof ph,
                   static_cast<long>(eh.e_phoff + i * sizeof ph)) != static_cast<long>(sizeof ph)) {
      return Image::kUncontrolled;
    }
    if (ph.p_type == PT_INTERP) return Image::kControlled;
  }
  return Image::kUncontrolled;  // static: no loader, no LD_PRELOAD
}

// What exec would run from `path` (relative to the working directory), following up to
// four script interpreters as the kernel does.
bool PathControlled(const char* path) {
  for (int level = 0; level < 5; ++level) {
    long fd = RawSyscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>(path), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    Image image = ClassifyFd(fd);
    RawSyscall(SYS_close, fd);
    if (image != Image::kScript) return image == Image::kControlled;
    CopyBytes(g_path, g_interpreter, StrLen(g_interpreter) + 1);
    path = g_path;
  }
  return false;
}

// execvp's search of PATH: the first executable regular file (into g_path); `file` itself
// when it names a path.
const char* SearchPath(const char* file) {
  if (Contains(file, "/")) return file;
  const char* dirs = getenv("PATH");
  if (dirs == nullptr) dirs = "/bin:/usr/bin";
  size_t file_len = StrLen(file);
  for (const char* d = dirs;;) {
    const char* colon = d;
    while (*colon != '\0' && *colon != ':') ++colon;
    size_t len = static_cast<size_t>(colon - d);
    if (len + file_len + 2 <= kPathBytes) {
      size_t n = 0;
      if (len == 0) {
        g_path[n++] = '.';  // an empty entry: the working directory
      } else {
        CopyBytes(g_path, d, len);
        n = len;
      }
      g_path[n++] = '/';
      CopyBytes(g_path + n, file, file_len + 1);
      struct stat st;
      if (RawSyscall(SYS_faccessat, AT_FDCWD, reinterpret_cast<long>(g_path), X_OK) == 0 &&
          RawSyscall(SYS_newfstatat, AT_FDCWD, reinterpret_cast<long>(g_path),
                     reinterpret_cast<long>(&st), 0) == 0 &&
          S_ISREG(st.st_mode)) {
        return g_path;
      }
    }
    if (*colon == '\0') return nullptr;
    d = colon + 1;
  }
}

// Whether the image exec starts from `file` (or the open file `fd` for fexecve; `search`:
// execvp's PATH search) with environment `envp` (null: this process's) loads the shim and
// finds the session again.
bool ImageControlled(const char* file, long fd, char* const* envp, bool search) {
  const char* preload = EnvValue(envp, "LD_PRELOAD=");
  const char* session = EnvValue(envp, WEFT_ENV_SESSION_FD "=");
  if (preload == nullptr || !Contains(preload, "libweft_preload") || session == nullptr ||
      ParseDecimal(session) != SessionFd() || !SessionFdInherited()) {
    return false;
  }
  if (fd >= 0) {
    Image image = ClassifyFd(fd);
    if (image != Image::kScript) return image == Image::kControlled;
    CopyBytes(g_path, g_interpreter, StrLen(g_interpreter) + 1);
    return PathControlled(g_path);
  }
  if (IsNull(file)) return false;
  const char* path = search ? SearchPath(file) : file;
  return path != nullptr && PathControlled(path);
}

// The schedule point of an exec; see the top of the file.
void BeforeExec(const char* file, long fd, char* const* envp, bool search) {
  Guard guard;
  if (!Controlled(guard)) return;
  ExecPoint(file, fd, envp, search);
}

// exec returned: it failed. A process that kept control goes on under control.
int AfterExec(int rc) {
  int error = errno;
  Guard guard;
  if (Controlled(guard)) ExecFailed(error);
  errno = error;
  return rc;
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

namespace weft::shim {

void ExecPoint(const char* file, long fd, char* const* envp, bool search) {
  // A vfork child runs on its parent's memory and thread: it is not this process's thread.
  if (static_cast<uint32_t>(RawSyscall(SYS_getpid)) != OwnPid()) return;
  Thread* self = Self();
  Op op;
  op.kind = WEFT_EV_EXEC;
  Schedule(self, op);
  self->op.kind = WEFT_EV_NONE;
  if (ImageControlled(file, fd, envp, search)) {
    // NB: it holds the turn across the exec; its new image emits the EXEC event.
    Process& p = g_sched->processes[g_process];
    p.state = ProcessState::kExecing;
    p.exec_tid = self->tid;
    return;
  }
  Emit(self, WEFT_EV_EXEC, 0, 0, 0);
  LeaveProcess(self, ProcessState::kUncontrolled);
}

void ExecFailed(int error) {
  if (g_sched->processes[g_process].state == ProcessState::kExecing) {
    g_sched->processes[g_process].state = ProcessState::kLive;
    Emit(Self(), WEFT_EV_EXEC, WEFT_F_FAILED, 0, -error);
  }
}

const char* ExecSearchPath(const char* file) { return SearchPath(file); }

}  // namespace weft::shim

WEFT_EXPORT int execve(const char* path, char* const argv[], char* const envp[]) {
  BeforeExec(path, -1, envp, false);
  return AfterExec(real.execve(path, argv, envp));
}

WEFT_EXPORT int execv(const char* path, char* const argv[]) {
  BeforeExec(path, -1, nullptr, false);
  return AfterExec(real.execv(path, argv));
}

WEFT_EXPORT int execvp(const char* file, char* const argv[]) {
  BeforeExec(file, -1, nullptr, true);
  return AfterExec(real.execvp(file, argv));
}

WEFT_EXPORT int execvpe(const char* file, char* const argv[], char* const envp[]) {
  BeforeExec(file, -1, envp, true);
  return AfterExec(real.execvpe(file, argv, envp));
}

WEFT_EXPORT int fexecve(int fd, char* const argv[], char* const envp[]) {
  BeforeExec(nullptr, fd, envp, false);
  return AfterExec(real.fexecve(fd, argv, envp));
}

WEFT_EXPORT int execl(const char* path, const char* arg, ...) {
  WEFT_COLLECT_ARGS(arg, arg, args)
  BeforeExec(path, -1, nullptr, false);
  return AfterExec(real.execv(path, const_cast<char* const*>(args)));
}

WEFT_EXPORT int execlp(const char* file, const char* arg, ...) {
  WEFT_COLLECT_ARGS(arg, arg, args)
  BeforeExec(file, -1, nullptr, true);
  return AfterExec(real.execvp(file, const_cast<char* const*>(args)));
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
  BeforeExec(path, -1, envp, false);
  return AfterExec(real.execve(path, const_cast<char* const*>(args), envp));
}
