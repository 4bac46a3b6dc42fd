// glibc_layout.h — every field of glibc's private structures that the shim reads, in one
// place, and the start-up check that the running glibc lays them out as weft was built for.
// The shim reads these fields only through the accessors below.
#pragma once

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

namespace weft::shim {

// Byte offsets (and one bit) of what the shim reads inside glibc's public types.
struct GlibcLayout {
  size_t mutex_lock;     // pthread_mutex_t __data.__lock: int, 0 = unlocked
  size_t mutex_owner;    // pthread_mutex_t __data.__owner: int, kernel tid of the holder
  size_t mutex_kind;     // pthread_mutex_t __data.__kind: int, low 2 bits = PTHREAD_MUTEX_*
  size_t cond_wrefs;     // pthread_cond_t __data.__wrefs: unsigned, holds the clock bit
  unsigned cond_clock;   // the bit of __wrefs set for a CLOCK_MONOTONIC condition
  size_t barrier_count;  // pthread_barrier_t (struct pthread_barrier): unsigned count
  int once_done;         // pthread_once_t: the bit glibc sets when the routine finished
};

// The layout of the glibc weft is built against (Debian 12: glibc 2.36).
inline constexpr GlibcLayout kGlibcLayout = {
    offsetof(pthread_mutex_t, __data.__lock),
    offsetof(pthread_mutex_t, __data.__owner),
    offsetof(pthread_mutex_t, __data.__kind),
    offsetof(pthread_cond_t, __data.__wrefs),
    2,  // __PTHREAD_COND_CLOCK_MONOTONIC_MASK (bit 0, 1, is the process-shared bit)
    8,  // nptl's struct pthread_barrier: in, current_round, count, shared, out
    2,  // __PTHREAD_ONCE_DONE
};

// The mutex type bits of __kind (PTHREAD_MUTEX_NORMAL, _RECURSIVE, _ERRORCHECK).
inline constexpr int kGlibcMutexTypeMask = 3;
// The bit of __kind glibc sets for a PTHREAD_PROCESS_SHARED mutex (PTHREAD_MUTEX_PSHARED_BIT).
inline constexpr int kGlibcMutexPsharedBit = 128;

namespace glibc_detail {
inline int ReadInt(const void* object, size_t offset) {
  return *reinterpret_cast<const int*>(static_cast<const char*>(object) + offset);
}
}  // namespace glibc_detail

// Whether the real mutex is locked (by anyone).
inline bool MutexLocked(const pthread_mutex_t* m) {
  return glibc_detail::ReadInt(m, kGlibcLayout.mutex_lock) != 0;
}
// The kernel tid glibc recorded as the holder (0 when unlocked).
inline pid_t MutexOwnerTid(const pthread_mutex_t* m) {
  return glibc_detail::ReadInt(m, kGlibcLayout.mutex_owner);
}
// PTHREAD_MUTEX_NORMAL, _RECURSIVE or _ERRORCHECK.
inline int MutexType(const pthread_mutex_t* m) {
  return glibc_detail::ReadInt(m, kGlibcLayout.mutex_kind) & kGlibcMutexTypeMask;
}
// Whether the mutex is process-shared (its holder may be a thread of another process).
inline bool MutexProcessShared(const pthread_mutex_t* m) {
  return (glibc_detail::ReadInt(m, kGlibcLayout.mutex_kind) & kGlibcMutexPsharedBit) != 0;
}
// The clock of a condition variable (set by pthread_cond_init from its attributes).
inline clockid_t CondClock(const pthread_cond_t* c) {
  unsigned wrefs = static_cast<unsigned>(glibc_detail::ReadInt(c, kGlibcLayout.cond_wrefs));
  return (wrefs & kGlibcLayout.cond_clock) != 0 ? CLOCK_MONOTONIC : CLOCK_REALTIME;
}
// The thread count a barrier was initialized with.
inline uint32_t BarrierCount(const pthread_barrier_t* b) {
  return static_cast<uint32_t>(glibc_detail::ReadInt(b, kGlibcLayout.barrier_count));
}
// Whether glibc has finished this once control's routine.
inline bool OnceDone(const pthread_once_t* once) {
  return (*reinterpret_cast<const volatile int*>(once) & kGlibcLayout.once_done) != 0;
}

// The real glibc functions the check runs (never the shim's hooks).
struct GlibcFunctions {
  int (*mutex_init)(pthread_mutex_t*, const pthread_mutexattr_t*);
  int (*mutex_lock)(pthread_mutex_t*);
  int (*mutex_unlock)(pthread_mutex_t*);
  int (*mutex_destroy)(pthread_mutex_t*);
  int (*cond_init)(pthread_cond_t*, const pthread_condattr_t*);
  int (*cond_destroy)(pthread_cond_t*);
  int (*barrier_init)(pthread_barrier_t*, const pthread_barrierattr_t*, unsigned);
  int (*barrier_destroy)(pthread_barrier_t*);
  int (*once)(pthread_once_t*, void (*)(void));
};

// Checks `layout` against the running glibc: initializes and locks private objects of each
// kind the shim reads (normal, recursive and error-checking mutexes, condition variables on
// both clocks, barriers, a once control) with `fns` and reads them back through `layout`.
// `tid` is the calling thread's kernel tid. Returns true when every field says what the
// shim expects (why = ""); otherwise false with a NUL-terminated reason in why[0..why_size)
// that names the field and says what to do.
bool CheckGlibcLayout(const GlibcLayout& layout, const GlibcFunctions& fns, pid_t tid, char* why,
                      size_t why_size);

// Start-up (glibc_check.cc): checks kGlibcLayout with the real functions. On a mismatch the
// shim never takes control: the reason goes to stderr and the session's error field
// (WEFT_STATUS_SHIM_ERROR) and the process ends, so the run is reported as a shim error.
// NB: call it after the session is mapped and the real functions are resolved.
void RequireGlibcLayout();

}  // namespace weft::shim

// ---- posix_spawn's attributes and file actions (hooks_spawn.cc) ----
#include <spawn.h>
#include <stdio.h>

namespace weft::shim {

// posix_spawnattr_t's fields are spawn.h's own (__flags, __pgrp, __sd, __ss, __sp,
// __policy); the shim reads them only here.
inline short SpawnAttrFlags(const posix_spawnattr_t* a) { return a->__flags; }
inline pid_t SpawnAttrPgroup(const posix_spawnattr_t* a) { return a->__pgrp; }
inline const sigset_t* SpawnAttrSigdefault(const posix_spawnattr_t* a) { return &a->__sd; }
inline const sigset_t* SpawnAttrSigmask(const posix_spawnattr_t* a) { return &a->__ss; }
inline const struct sched_param* SpawnAttrSchedParam(const posix_spawnattr_t* a) {
  return &a->__sp;
}
inline int SpawnAttrPolicy(const posix_spawnattr_t* a) { return a->__policy; }

// One file action: glibc's private struct __spawn_action (posix/spawn_int.h, 2.35+), whose
// array posix_spawn_file_actions_t's __actions points to (__used of them). Checked on a
// probe before the shim reads a program's actions (CheckSpawnActionLayout, hooks_spawn.cc).
enum GlibcSpawnTag : int {
  kSpawnClose = 0,
  kSpawnDup2 = 1,
  kSpawnOpen = 2,
  kSpawnChdir = 3,
  kSpawnFchdir = 4,
  kSpawnClosefrom = 5,
  kSpawnTcsetpgrp = 6,
};
struct GlibcSpawnAction {
  int tag;  // GlibcSpawnTag
  union {
    struct {
      int fd;
    } close_fd;
    struct {
      int fd;
      int newfd;
    } dup2_fd;
    struct {
      int fd;
      char* path;
      int oflag;
      mode_t mode;
    } open_file;
    struct {
      char* path;
    } chdir_path;
    struct {
      int fd;
    } fchdir_fd;
    struct {
      int from;
    } closefrom_fd;
    struct {
      int fd;
    } tcsetpgrp_fd;
  } action;
};
// Whether a stream's read buffer is empty (its next read calls the kernel): struct
// _IO_FILE's _IO_read_ptr and _IO_read_end (stdio.h's own fields).
inline bool StreamBufferEmpty(const FILE* f) { return f->_IO_read_ptr >= f->_IO_read_end; }
// The bytes a stream's read buffer holds (the same fields).
inline size_t StreamBuffered(const FILE* f) {
  return f->_IO_read_ptr < f->_IO_read_end ? static_cast<size_t>(f->_IO_read_end - f->_IO_read_ptr)
                                           : 0;
}
// Whether a stream saw the end of its data or an error (_flags: what feof and ferror test).
inline bool StreamAtEnd(const FILE* f) { return (f->_flags & (_IO_EOF_SEEN | _IO_ERR_SEEN)) != 0; }
inline bool StreamFailed(const FILE* f) { return (f->_flags & _IO_ERR_SEEN) != 0; }
// glibc's private _flags bits (libio.h): a stream reading its backup area (an ungetc past the
// buffer's start), or one writing.
inline constexpr int kIoInBackup = 0x0100;
inline constexpr int kIoCurrentlyPutting = 0x0800;
// glibc's _IO_NO_READS: a stream opened for writing only ("w", "a": fdopen of a pipe's write
// end), whose reads fail at once (EBADF) without touching the descriptor.
inline constexpr int kIoNoReads = 0x0004;
inline bool StreamReadable(const FILE* f) { return (f->_flags & kIoNoReads) == 0; }
// Whether the shim may move what the read buffer of `f` holds to the buffer's start and read
// more after it (FillLine, hooks_spawn.cc): a byte stream that has a buffer, is reading, and
// is not in its backup area (_IO_buf_base, _IO_buf_end, _IO_read_base, _mode: struct
// _IO_FILE's own fields).
inline bool StreamRefillable(const FILE* f) {
  return f->_IO_buf_base != nullptr && f->_mode <= 0 &&
         (f->_flags & (kIoInBackup | kIoCurrentlyPutting)) == 0 &&
         f->_IO_read_ptr <= f->_IO_read_end && f->_IO_read_end <= f->_IO_buf_end;
}
// Whether the read buffer of `f` holds byte `c`.
inline bool StreamBufferHas(const FILE* f, int c) {
  for (const char* p = f->_IO_read_ptr; p < f->_IO_read_end; ++p) {
    if (*p == static_cast<char>(c)) return true;
  }
  return false;
}

inline int SpawnActionCount(const posix_spawn_file_actions_t* fa) { return fa->__used; }
inline const GlibcSpawnAction* SpawnActions(const posix_spawn_file_actions_t* fa) {
  return reinterpret_cast<const GlibcSpawnAction*>(fa->__actions);
}

}  // namespace weft::shim
