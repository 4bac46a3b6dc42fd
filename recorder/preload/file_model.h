// file_model.h — files as objects of the session (hooks_file.cc; read and write in
// hooks_wait.cc): the schedule point and event of one file access.
#pragma once

#include <errno.h>

#include "control.h"

namespace weft::shim {

// Whether file operations are schedule points: in a session with forked processes.
bool FileEventsOn();
// The file object of `fd` when file operations are points and it is a regular file, else 0.
uint32_t FileEventObject(int fd);
// Whether the file lock a thread waits for can be taken now (FILE_LOCK: op.arg the fd; a
// flock: op.mask the operation; a record lock: op.addr its struct flock, op.mask F_SETLK or
// F_OFD_SETLK); a probe that finds it free takes it. The thread's own process only.
bool FlockProbe(Thread* t);
// A lock on file `obj` (0: on any file) was released by this process (an unlock, a close,
// its exit): the threads of other processes waiting for a lock on it are marked
// (Thread::lock_stale), and before the next decision their processes probe again. The
// thread holding the turn.
void NoteFileReleased(uint32_t obj);
// close(fd) by this process, when it drops record locks of the process's (POSIX: any close
// of the file): its schedule point, the close by `close_call`, a FILE_UNLOCK event; true with
// the close's result in *result. False when the close releases no lock (the caller closes).
bool CloseDropsRecordLocks(int fd, int (*close_call)(int), int* result);

inline Op FileOp(uint8_t kind, uint32_t obj) {
  Op op;
  op.kind = kind;
  op.obj = obj;
  return op;
}

// After the schedule point of `self`'s operation `kind` on `obj`: `call` (the real function:
// its result, errno on failure), then its event (arg: the result, or -errno). Files and
// channels (channel_model.h) alike.
template <typename Call>
inline long CallThenEmit(Thread* self, uint8_t kind, uint32_t obj, Call&& call) {
  long r = call();
  int error = errno;
  self->op.kind = WEFT_EV_NONE;
  Emit(self, kind, r < 0 ? WEFT_F_FAILED : 0, obj, r < 0 ? -error : r);
  errno = error;
  return r;
}

// A file access by the calling thread: its schedule point, then CallThenEmit.
template <typename Call>
inline long FileAccess(uint8_t kind, uint32_t obj, Call&& call) {
  Thread* self = Self();
  Schedule(self, FileOp(kind, obj));
  return CallThenEmit(self, kind, obj, call);
}

}  // namespace weft::shim
