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
// Whether the flock a thread waits for (FILE_LOCK: op.arg the fd, op.mask the operation) can
// be taken now; a probe that finds it free takes it.
bool FlockProbe(const Thread* t);

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
