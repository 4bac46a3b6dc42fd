// hooks_file.cc — files as objects between the processes of a session: in a session with
// forked processes, each open, read, write, truncation, rename, unlink and flush of a regular
// file is a schedule point and a FILE_READ or FILE_WRITE event on the file (by device and
// inode: the same object in every process), so the searches interleave two processes'
// read-check-write of one file and `weft conflicts` pairs their accesses; flock is FILE_LOCK /
// FILE_UNLOCK, and a blocking flock waits without holding the turn.
// NB: stdio reads and writes go through glibc's own read and write, which no hook sees: the
// open of a stream (fopen) is its read point, and the flush of a stream with pending output
// (fflush, fclose) its write point. A single process's file operations are no events (as
// before sessions had processes): only sessions that forked make them points.
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "control.h"
#include "file_model.h"
#include "free_record.h"
#include "inputs.h"
#include "random_device.h"
#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

// The hooks below define libc names poison.h reserves; the shim itself calls none of them.
#undef open
#undef openat
#undef fopen
#undef fflush

using namespace weft::shim;

namespace {

// The devices of /proc and /sys, 0 until looked up (the first file access of the session's
// process; a fork inherits them).
constinit uint64_t g_proc_dev = 0;
constinit uint64_t g_sys_dev = 0;

uint64_t DeviceOf(const char* path) {
  struct stat st;
  if (RawSyscall(SYS_newfstatat, AT_FDCWD, reinterpret_cast<long>(path),
                 reinterpret_cast<long>(&st), 0) != 0) {
    return ~0ull;  // none: no file is on it
  }
  return st.st_dev;
}

// Whether a "regular file" of `st` is one the kernel makes up as it is read (/proc/self/stat,
// /sys/…): no data the processes share, and its contents differ between a run and its
// replay (a server that reads its own memory use), so no file object.
bool KernelFile(const struct stat& st) {
  if (g_proc_dev == 0) {
    g_proc_dev = DeviceOf("/proc/self");
    g_sys_dev = DeviceOf("/sys/kernel");
  }
  return st.st_dev == g_proc_dev || st.st_dev == g_sys_dev;
}

// The file object of descriptor `fd` (regular files only, unless `any`), 0 if none; `path`
// names a new one.
uint32_t ObjectOfFd(int fd, bool any, const char* path = nullptr) {
  struct stat st;
  if (RawSyscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0) return 0;
  if (!any && (!S_ISREG(st.st_mode) || KernelFile(st))) return 0;
  return FileObjectId(st.st_dev, st.st_ino, path);
}

uint32_t ObjectOfPath(int dirfd, const char* path) {
  struct stat st;
  if (IsNull(path) ||
      RawSyscall(SYS_newfstatat, dirfd, reinterpret_cast<long>(path), reinterpret_cast<long>(&st),
                 AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISREG(st.st_mode) || KernelFile(st)) {
    return 0;
  }
  return FileObjectId(st.st_dev, st.st_ino, path);
}

// The last name of a file at `path` (a regular file with one link): once it is removed, its
// inode may be given to the next file created, which must be a new object — else whether
// it is the old one would depend on the file system (SQLite's journal, deleted and made
// again at each transaction). Device and inode through `dev`, `ino`.
bool LastLink(const char* path, uint64_t* dev, uint64_t* ino) {
  struct stat st;
  if (IsNull(path) ||
      RawSyscall(SYS_newfstatat, AT_FDCWD, reinterpret_cast<long>(path),
                 reinterpret_cast<long>(&st), AT_SYMLINK_NOFOLLOW) != 0 ||
      !S_ISREG(st.st_mode) || st.st_nlink != 1) {
    return false;
  }
  *dev = st.st_dev;
  *ino = st.st_ino;
  return true;
}

// An open: a point before it (the file may not exist yet), the event on what it opened.
template <typename Call>
int OpenCommon(int dirfd, const char* path, int flags, Call&& call) {
  Thread* self = Self();
  bool writes = (flags & O_TRUNC) != 0 && (flags & O_ACCMODE) != O_RDONLY;
  uint8_t kind = writes ? WEFT_EV_FILE_WRITE : WEFT_EV_FILE_READ;
  Schedule(self, FileOp(kind, ObjectOfPath(dirfd, path)));
  int fd = call();
  int error = errno;
  uint32_t obj = fd >= 0 ? ObjectOfFd(fd, false, path) : 0;
  self->op.kind = WEFT_EV_NONE;
  Emit(self, kind, fd < 0 ? WEFT_F_FAILED : 0, obj, fd < 0 ? -error : 0);
  errno = error;
  return fd;
}

// After a controlled open of `path`: what random_device.h needs to know. Returns `fd`.
int Opened(int fd, const char* path) {
  NoteOpened(fd, path);
  return fd;
}

FILE* Opened(FILE* f, const char* path) {
  if (f != nullptr) NoteOpened(f->_fileno, path);
  return f;
}

mode_t ModeArg(int flags, va_list ap) {
  return (flags & (O_CREAT | __O_TMPFILE)) != 0 ? static_cast<mode_t>(va_arg(ap, int)) : 0;
}

// Whether a stream has output that its flush will write.
bool PendingOutput(FILE* f) {
  return !IsNull(f) && f->_IO_write_ptr != nullptr && f->_IO_write_ptr > f->_IO_write_base;
}

// Whether an open with `flags` may change the file (or make one).
bool OpenWrites(int flags) {
  return (flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC | __O_TMPFILE)) != 0;
}

// Whether a stream opened with `mode` may change its file.
bool FopenWrites(const char* mode) {
  if (IsNull(mode)) return true;
  if (mode[0] != 'r') return true;
  for (const char* m = mode; *m != '\0'; ++m) {
    if (*m == '+') return true;
  }
  return false;
}

// Whether a file hook goes straight to the real call: not under control, or no file events
// (a single process). NB: first, past main in a fork server (control.h: g_fork_prefix), a
// call that may change the files is one each run must make itself: its fork point is here,
// before it (a child returns from ForkPrefixPoint as its run and makes the call).
bool FileHookOff(const Guard& guard, bool writes) {
  if (!Controlled(guard)) return true;
  if (writes && g_fork_prefix) ForkPrefixPoint(WEFT_EV_FILE_WRITE);
  return !FileEventsOn();
}

}  // namespace

namespace weft::shim {

bool FileEventsOn() { return g_sched != nullptr && g_sched->process_count > 1; }

uint32_t FileEventObject(int fd) { return FileEventsOn() ? ObjectOfFd(fd, false) : 0; }

bool FlockProbe(const Thread* t) {
  // NB: a probe that finds the lock free takes it: flock locks belong to the open file
  // description, which the waiting thread shares with this (its own process's) thread.
  return RawSyscall(SYS_flock, t->op.arg, static_cast<long>(t->op.mask) | LOCK_NB) == 0;
}

}  // namespace weft::shim

WEFT_EXPORT int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  Guard guard;
  auto call = [&] { return real.open_fn(path, flags, mode); };
  if (!Controlled(guard)) return call();
  if (FileHookOff(guard, OpenWrites(flags))) return Opened(call(), path);
  return Opened(OpenCommon(AT_FDCWD, path, flags, call), path);
}

WEFT_EXPORT int open64(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  Guard guard;
  auto call = [&] { return real.open64(path, flags, mode); };
  if (!Controlled(guard)) return call();
  if (FileHookOff(guard, OpenWrites(flags))) return Opened(call(), path);
  return Opened(OpenCommon(AT_FDCWD, path, flags, call), path);
}

WEFT_EXPORT int openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  Guard guard;
  auto call = [&] { return real.openat_fn(dirfd, path, flags, mode); };
  if (!Controlled(guard)) return call();
  if (FileHookOff(guard, OpenWrites(flags))) return Opened(call(), path);
  return Opened(OpenCommon(dirfd, path, flags, call), path);
}

WEFT_EXPORT int openat64(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  mode_t mode = ModeArg(flags, ap);
  va_end(ap);
  Guard guard;
  auto call = [&] { return real.openat64(dirfd, path, flags, mode); };
  if (!Controlled(guard)) return call();
  if (FileHookOff(guard, OpenWrites(flags))) return Opened(call(), path);
  return Opened(OpenCommon(dirfd, path, flags, call), path);
}

WEFT_EXPORT int creat(const char* path, mode_t mode) {
  Guard guard;
  auto call = [&] { return real.creat(path, mode); };
  if (FileHookOff(guard, true)) return call();
  return OpenCommon(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, call);
}

WEFT_EXPORT int creat64(const char* path, mode_t mode) {
  Guard guard;
  auto call = [&] { return real.creat64(path, mode); };
  if (FileHookOff(guard, true)) return call();
  return OpenCommon(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, call);
}

// fopen's flavours: the open of a stream is its read point ("w": its write point, it truncates).
template <typename Call>
FILE* FopenCommon(const char* path, const char* mode, Call&& call) {
  Thread* self = Self();
  uint8_t kind = mode[0] == 'w' ? WEFT_EV_FILE_WRITE : WEFT_EV_FILE_READ;
  Schedule(self, FileOp(kind, ObjectOfPath(AT_FDCWD, path)));
  FILE* f = call();
  int error = errno;
  uint32_t obj = f != nullptr ? ObjectOfFd(f->_fileno, false, path) : 0;
  self->op.kind = WEFT_EV_NONE;
  Emit(self, kind, f == nullptr ? WEFT_F_FAILED : 0, obj, f == nullptr ? -error : 0);
  errno = error;
  return f;
}

WEFT_EXPORT FILE* fopen(const char* path, const char* mode) {
  Guard guard;
  auto call = [&] { return real.fopen_fn(path, mode); };
  if (!Controlled(guard) || IsNull(mode)) return call();
  if (FileHookOff(guard, FopenWrites(mode))) return Opened(call(), path);
  return Opened(FopenCommon(path, mode, call), path);
}

WEFT_EXPORT FILE* fopen64(const char* path, const char* mode) {
  Guard guard;
  auto call = [&] { return real.fopen64(path, mode); };
  if (!Controlled(guard) || IsNull(mode)) return call();
  if (FileHookOff(guard, FopenWrites(mode))) return Opened(call(), path);
  return Opened(FopenCommon(path, mode, call), path);
}

// The flush of a stream with pending output is its write point.
WEFT_EXPORT int fflush(FILE* f) {
  Guard guard;
  auto call = [&] { return real.fflush_fn(f); };
  if (FileHookOff(guard, IsNull(f) || PendingOutput(f)) || !PendingOutput(f)) return call();
  uint32_t obj = ObjectOfFd(f->_fileno, false);
  if (obj == 0) return call();
  return static_cast<int>(FileAccess(WEFT_EV_FILE_WRITE, obj, call));
}

WEFT_EXPORT int fclose(FILE* f) {
  Guard guard;
  auto call = [&] { return real.fclose(f); };
  if (FileHookOff(guard, IsNull(f) || PendingOutput(f)) || !PendingOutput(f)) return call();
  uint32_t obj = ObjectOfFd(f->_fileno, false);
  if (obj == 0) return call();
  return static_cast<int>(FileAccess(WEFT_EV_FILE_WRITE, obj, call));
}

#define WEFT_FILE_HOOK(ret, name, kind, params, args)     \
  WEFT_EXPORT ret name params {                           \
    Guard guard;                                          \
    auto call = [&] { return real.name args; };           \
    if (FileHookOff(guard, kind == WEFT_EV_FILE_WRITE)) { \
      return call();                                      \
    }                                                     \
    uint32_t obj = FileEventObject(fd);                   \
    if (obj == 0) return call();                          \
    return static_cast<ret>(FileAccess(kind, obj, call)); \
  }

// A positioned read is also an input (inputs.h): recorded in a free recording, fed in its
// replay.
#define WEFT_PREAD_HOOK(name, off_type)                                            \
  WEFT_EXPORT ssize_t name(int fd, void* buf, size_t n, off_type at) {             \
    Guard guard;                                                                   \
    auto call = [&] { return real.name(fd, buf, n, at); };                         \
    struct iovec one = {buf, n};                                                   \
    if (!Controlled(guard)) {                                                      \
      if (Free(guard) && ReadsOutside(fd)) return RecordedRead(fd, &one, 1, call); \
      return call();                                                               \
    }                                                                              \
    if (ssize_t fed; FedRead(fd, &one, 1, &fed)) return fed;                       \
    if (ssize_t got; RandomDeviceRead(fd, buf, n, &got)) return got;               \
    uint32_t obj = FileEventObject(fd);                                            \
    if (obj == 0) return call();                                                   \
    return static_cast<ssize_t>(FileAccess(WEFT_EV_FILE_READ, obj, call));         \
  }
WEFT_PREAD_HOOK(pread, off_t)
WEFT_PREAD_HOOK(pread64, off64_t)
#undef WEFT_PREAD_HOOK
WEFT_FILE_HOOK(ssize_t, pwrite, WEFT_EV_FILE_WRITE, (int fd, const void* buf, size_t n, off_t at),
               (fd, buf, n, at))
WEFT_FILE_HOOK(ssize_t, pwrite64, WEFT_EV_FILE_WRITE,
               (int fd, const void* buf, size_t n, off64_t at), (fd, buf, n, at))
WEFT_FILE_HOOK(int, ftruncate, WEFT_EV_FILE_WRITE, (int fd, off_t length), (fd, length))
WEFT_FILE_HOOK(int, ftruncate64, WEFT_EV_FILE_WRITE, (int fd, off64_t length), (fd, length))
#undef WEFT_FILE_HOOK

WEFT_EXPORT int rename(const char* from, const char* to) {
  Guard guard;
  auto call = [&] { return real.rename(from, to); };
  if (FileHookOff(guard, true)) return call();
  // The file replaced (if any) is what a reader of `to` sees change; else the one renamed.
  uint32_t obj = ObjectOfPath(AT_FDCWD, to);
  if (obj == 0) obj = ObjectOfPath(AT_FDCWD, from);
  uint64_t dev = 0, ino = 0, from_dev = 0, from_ino = 0;
  bool replaces = LastLink(to, &dev, &ino) &&
                  !(LastLink(from, &from_dev, &from_ino) && from_dev == dev && from_ino == ino);
  int r = static_cast<int>(FileAccess(WEFT_EV_FILE_WRITE, obj, call));
  if (r == 0 && replaces) ForgetFileObject(dev, ino);  // the replaced file is gone
  return r;
}

WEFT_EXPORT int unlink(const char* path) {
  Guard guard;
  auto call = [&] { return real.unlink(path); };
  if (FileHookOff(guard, true)) return call();
  uint64_t dev = 0, ino = 0;
  bool last = LastLink(path, &dev, &ino);
  int r = static_cast<int>(FileAccess(WEFT_EV_FILE_WRITE, ObjectOfPath(AT_FDCWD, path), call));
  if (r == 0 && last) ForgetFileObject(dev, ino);
  return r;
}

WEFT_EXPORT int flock(int fd, int operation) {
  Guard guard;
  if (FileHookOff(guard, true)) return real.flock(fd, operation);
  uint32_t obj = ObjectOfFd(fd, true);
  if (obj == 0) return real.flock(fd, operation);
  if ((operation & LOCK_UN) != 0) {
    return static_cast<int>(
        FileAccess(WEFT_EV_FILE_UNLOCK, obj, [&] { return real.flock(fd, operation); }));
  }
  // A lock is not enabled until a probe takes it (FlockProbe); with LOCK_NB it is a try.
  Thread* self = Self();
  Op op = FileOp(WEFT_EV_FILE_LOCK, obj);
  op.arg = fd;
  op.mask = static_cast<uint64_t>(operation & ~LOCK_NB);
  if ((operation & LOCK_NB) != 0) op.flags |= WEFT_F_TRY;
  Schedule(self, op);
  int r = real.flock(fd, operation | LOCK_NB);  // the probe's lock (ours already), or a try's
  int error = errno;
  self->op.kind = WEFT_EV_NONE;
  uint16_t flags = op.flags;
  if (r < 0) flags |= WEFT_F_FAILED;
  Emit(self, WEFT_EV_FILE_LOCK, flags, obj, r < 0 ? -error : operation);
  errno = error;
  return r;
}
