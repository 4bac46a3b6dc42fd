// hooks_file.cc — files as objects between the processes of a session: in a session with
// forked processes, each open, read, write, truncation, rename, unlink and flush of a regular
// file is a schedule point and a FILE_READ or FILE_WRITE event on the file (by device and
// inode: the same object in every process), so the searches interleave two processes'
// read-check-write of one file and `weft conflicts` pairs their accesses; flock, fcntl's record
// locks (F_SETLK, F_SETLKW, their open-file-description twins F_OFD_*) and lockf are
// FILE_LOCK / FILE_UNLOCK, a test of a record lock (F_GETLK, lockf's F_TEST) a FILE_READ, and
// a blocking lock waits without holding the turn until a probe by its own process takes it.
// NB: the kernel says whether a lock is free (byte ranges, shared and exclusive, who owns it):
// the probe is the non-blocking form of the very call, made by the waiter's own process (a
// POSIX lock belongs to the process, an OFD lock and a flock to the open file description).
// A release (an unlock, a close that drops a process's record locks, a process's exit) marks
// the waiters of other processes, whose processes look again before the next decision
// (NoteFileReleased).
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
#include <unistd.h>

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

// The files this process holds record locks on (fcntl, lockf), for the closes that drop them:
// POSIX locks belong to the process and go at ANY close of a descriptor of the file; OFD locks
// at the last close of their open file description (which may be another process's: it is
// inherited). Process-private; a forked child has no POSIX locks of its parent's (stamped with
// the pid that took them), an exec'd image starts with none known.
struct LockedFile {
  uint32_t obj;
  bool posix;  // it may hold POSIX locks on it
  bool ofd;    // ... OFD locks
};
constexpr uint32_t kMaxLockedFiles = 32;
constinit LockedFile g_locked[kMaxLockedFiles] = {};
constinit uint32_t g_locked_count = 0;
constinit bool g_locked_overflow = false;  // more files than fit: every close of a file counts
constinit uint32_t g_locked_pid = 0;

// Drops the POSIX entries a fork inherited (the child holds none of them).
void CheckLockedOwner() {
  uint32_t pid = OwnPid();
  if (g_locked_pid == pid) return;
  g_locked_pid = pid;
  g_locked_overflow = false;
  uint32_t kept = 0;
  for (uint32_t i = 0; i < g_locked_count; ++i) {
    if (!g_locked[i].ofd) continue;
    g_locked[kept] = g_locked[i];
    g_locked[kept++].posix = false;
  }
  g_locked_count = kept;
}

LockedFile* FindLocked(uint32_t obj) {
  for (uint32_t i = 0; i < g_locked_count; ++i) {
    if (g_locked[i].obj == obj) return &g_locked[i];
  }
  return nullptr;
}

void NoteRecordLocked(uint32_t obj, bool ofd) {
  CheckLockedOwner();
  LockedFile* f = FindLocked(obj);
  if (f == nullptr) {
    if (g_locked_count == kMaxLockedFiles) {
      g_locked_overflow = true;
      return;
    }
    f = &g_locked[g_locked_count++];
    f->obj = obj;
    f->posix = false;
    f->ofd = false;
  }
  (ofd ? f->ofd : f->posix) = true;
}

// What a record lock's operation does: tests it, unlocks, tries or waits to take it.
enum class LockAction : uint8_t { kTest, kUnlock, kTry, kWait };

// FILE_LOCK's arg for a record lock: LOCK_SH 1 or LOCK_EX 2 (as flock's), | LOCK_NB 4 for a
// try, | kRecordLockArg (a POSIX lock: fcntl F_SETLK/F_SETLKW, lockf) or kOfdLockArg.
constexpr int64_t kRecordLockArg = 0x100;
constexpr int64_t kOfdLockArg = 0x200;

// A record lock's operation on `fd`: `fl` the lock asked for (a copy of the caller's), `ofd`
// an OFD lock; `call(nonblocking)` the real call (nonblocking: its F_SETLK / F_TLOCK form).
// A test is a FILE_READ of the file, an unlock a FILE_UNLOCK; a lock is a FILE_LOCK that a
// wait makes enabled once a probe (FlockProbe: the non-blocking form, by this process) takes
// it.
template <typename Call>
int RecordLock(int fd, LockAction action, bool ofd, const struct flock& fl, Call&& call) {
  Guard guard;
  if (FileHookOff(guard, action != LockAction::kTest)) return call(false);
  uint32_t obj = ObjectOfFd(fd, true);
  if (obj == 0) return call(false);
  if (action == LockAction::kTest) {
    return static_cast<int>(FileAccess(WEFT_EV_FILE_READ, obj, [&] { return call(false); }));
  }
  if (action == LockAction::kUnlock) {
    int r = static_cast<int>(FileAccess(WEFT_EV_FILE_UNLOCK, obj, [&] { return call(false); }));
    if (r == 0) NoteFileReleased(obj);
    return r;
  }
  Thread* self = Self();
  struct flock probe = fl;     // NB: lives while the thread waits (op.addr points to it)
  self->lock_outside = false;  // (FlockProbe says so once it finds an outside holder)
  Op op = FileOp(WEFT_EV_FILE_LOCK, obj);
  op.arg = fd;
  op.addr = &probe;
  op.mask = static_cast<uint64_t>(ofd ? F_OFD_SETLK : F_SETLK);
  if (action == LockAction::kTry) op.flags |= WEFT_F_TRY;
  int r;
  int error;
  for (;;) {
    Schedule(self, op);
    r = call(true);  // the probe's lock (ours already), or a try's
    error = errno;
    // A process outside the session took it since the probe: wait again.
    if (r == 0 || action == LockAction::kTry || (error != EAGAIN && error != EACCES)) break;
  }
  self->op.kind = WEFT_EV_NONE;
  uint16_t flags = op.flags;
  if (r < 0) flags |= WEFT_F_FAILED;
  int64_t arg = (fl.l_type == F_WRLCK ? LOCK_EX : LOCK_SH) | (ofd ? kOfdLockArg : kRecordLockArg) |
                (action == LockAction::kTry ? LOCK_NB : 0);
  Emit(self, WEFT_EV_FILE_LOCK, flags, obj, r < 0 ? -error : arg);
  if (r == 0) {
    NoteRecordLocked(obj, ofd);
    // A read lock over a write lock of this process's lets other readers in.
    if (fl.l_type == F_RDLCK) NoteFileReleased(obj);
  }
  errno = error;
  return r;
}

bool IsRecordLockCommand(int cmd) {
  switch (cmd) {
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW:
    case F_OFD_GETLK:
    case F_OFD_SETLK:
    case F_OFD_SETLKW:
      return true;
    default:
      return false;
  }
}

// fcntl and fcntl64 (one on x86-64: struct flock is flock64): a record-lock command is a
// file lock's operation, any other the real call.
int FcntlCommon(int fd, int cmd, void* arg, bool is64) {
  auto call_cmd = [&](int c) -> int {
    int (*fn)(int, int, ...) = is64 ? real.fcntl64 : real.fcntl;
    if (fn != nullptr) return fn(fd, c, arg);
    long r = RawSyscall(SYS_fcntl, fd, c, reinterpret_cast<long>(arg));
    if (r < 0) {
      errno = static_cast<int>(-r);
      return -1;
    }
    return static_cast<int>(r);
  };
  if (!IsRecordLockCommand(cmd) || IsNull(arg)) return call_cmd(cmd);
  struct flock fl;
  CopyBytes(&fl, arg, sizeof fl);
  bool ofd = cmd == F_OFD_GETLK || cmd == F_OFD_SETLK || cmd == F_OFD_SETLKW;
  LockAction action = cmd == F_GETLK || cmd == F_OFD_GETLK     ? LockAction::kTest
                      : fl.l_type == F_UNLCK                   ? LockAction::kUnlock
                      : cmd == F_SETLKW || cmd == F_OFD_SETLKW ? LockAction::kWait
                                                               : LockAction::kTry;
  int nonblocking = cmd == F_SETLKW ? F_SETLK : cmd == F_OFD_SETLKW ? F_OFD_SETLK : cmd;
  return RecordLock(fd, action, ofd, fl, [&](bool nb) { return call_cmd(nb ? nonblocking : cmd); });
}

// lockf and lockf64: a POSIX write lock of `len` bytes from the file offset (glibc's own
// struct flock for it: SEEK_CUR, start 0, length len).
template <typename Call>
int LockfCommon(int fd, int cmd, off64_t len, Call&& call) {
  LockAction action;
  switch (cmd) {
    case F_TEST:
      action = LockAction::kTest;
      break;
    case F_ULOCK:
      action = LockAction::kUnlock;
      break;
    case F_TLOCK:
      action = LockAction::kTry;
      break;
    case F_LOCK:
      action = LockAction::kWait;
      break;
    default:
      return call(cmd);
  }
  struct flock fl;
  ZeroBytes(&fl, sizeof fl);
  fl.l_type = action == LockAction::kUnlock ? F_UNLCK : F_WRLCK;
  fl.l_whence = SEEK_CUR;
  fl.l_start = 0;
  fl.l_len = len;
  return RecordLock(fd, action, false, fl,
                    [&](bool nb) { return call(nb && cmd == F_LOCK ? F_TLOCK : cmd); });
}

}  // namespace

namespace weft::shim {

bool FileEventsOn() { return g_sched != nullptr && g_sched->process_count > 1; }

uint32_t FileEventObject(int fd) { return FileEventsOn() ? ObjectOfFd(fd, false) : 0; }

bool FlockProbe(Thread* t) {
  // NB: a probe that finds the lock free takes it: flock and OFD locks belong to the open
  // file description, which the waiting thread shares with this (its own process's) thread,
  // POSIX record locks to the process. A probe that fails otherwise than "held" (a bad
  // descriptor, a read-only file's write lock) lets the call go on and fail as it would.
  long r = t->op.addr != nullptr
               ? RawSyscall(SYS_fcntl, t->op.arg, static_cast<long>(t->op.mask),
                            reinterpret_cast<long>(t->op.addr))
               : RawSyscall(SYS_flock, t->op.arg, static_cast<long>(t->op.mask) | LOCK_NB);
  bool held = r == -EAGAIN || r == -EACCES || r == -EWOULDBLOCK;
  // NB: kept once the lock is taken: the event says it waited for the outside (external).
  if (!held) return true;
  t->lock_outside = false;
  if (t->op.addr != nullptr && static_cast<long>(t->op.mask) == F_SETLK) {
    // Who holds it (a POSIX lock's holder has a pid; an OFD lock's and flock's do not say):
    // a process outside the session may let it go in real time (another program, a
    // service), which no event of the session would show.
    struct flock who;
    __builtin_memcpy(&who, t->op.addr, sizeof who);
    // NB: found free by now, it was let go between the two calls by no event of the
    // session's (the holder is held by the turn): from outside too; the next probe takes it.
    if (RawSyscall(SYS_fcntl, t->op.arg, F_GETLK, reinterpret_cast<long>(&who)) == 0 &&
        (who.l_type == F_UNLCK || (who.l_pid > 0 && ProcessOfPid(who.l_pid) < 0))) {
      t->lock_outside = true;
    }
  }
  return false;
}

void NoteFileReleased(uint32_t obj) {
  for (uint32_t i = 0; i < g_sched->live_count; ++i) {
    Thread* t = &g_sched->threads[g_sched->live[i]];
    if (t->process != g_process && t->op.kind == WEFT_EV_FILE_LOCK &&
        (obj == 0 || t->op.obj == obj)) {
      t->lock_stale = true;
    }
  }
}

bool CloseDropsRecordLocks(int fd, int (*close_call)(int), int* result) {
  if (g_locked_count == 0 && !g_locked_overflow) return false;
  Guard guard;
  if (!Controlled(guard) || !FileEventsOn()) return false;
  CheckLockedOwner();
  if (g_locked_count == 0 && !g_locked_overflow) return false;
  uint32_t obj = ObjectOfFd(fd, true);
  if (obj == 0) return false;
  LockedFile* f = FindLocked(obj);
  if (f == nullptr && !g_locked_overflow) return false;
  if (f != nullptr && !f->posix) {
    // OFD locks go only with the description's last descriptor: the waiters look again.
    *result = close_call(fd);
    NoteFileReleased(obj);
    return true;
  }
  *result = static_cast<int>(FileAccess(WEFT_EV_FILE_UNLOCK, obj, [&] { return close_call(fd); }));
  if (f != nullptr) f->posix = false;
  if (f != nullptr && !f->ofd) *f = g_locked[--g_locked_count];
  NoteFileReleased(obj);
  return true;
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
    int r = static_cast<int>(
        FileAccess(WEFT_EV_FILE_UNLOCK, obj, [&] { return real.flock(fd, operation); }));
    if (r == 0) NoteFileReleased(obj);
    return r;
  }
  // A lock is not enabled until a probe takes it (FlockProbe); with LOCK_NB it is a try.
  Thread* self = Self();
  self->lock_outside = false;  // (FlockProbe says so once it finds an outside holder)
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
  // A shared lock over an exclusive one lets other sharers in.
  if (r == 0 && (operation & LOCK_SH) != 0) NoteFileReleased(obj);
  errno = error;
  return r;
}

WEFT_EXPORT int fcntl(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);  // (as glibc's own fcntl reads it, whatever the command)
  va_end(ap);
  return FcntlCommon(fd, cmd, arg, false);
}

WEFT_EXPORT int fcntl64(int fd, int cmd, ...) {
  va_list ap;
  va_start(ap, cmd);
  void* arg = va_arg(ap, void*);
  va_end(ap);
  return FcntlCommon(fd, cmd, arg, true);
}

// NB: glibc's lockf calls its own fcntl inside libc, which no hook sees: lockf is hooked itself.
WEFT_EXPORT int lockf(int fd, int cmd, off_t len) {
  return LockfCommon(fd, cmd, len, [&](int c) { return real.lockf(fd, c, len); });
}

WEFT_EXPORT int lockf64(int fd, int cmd, off64_t len) {
  return LockfCommon(fd, cmd, len, [&](int c) { return real.lockf64(fd, c, len); });
}
