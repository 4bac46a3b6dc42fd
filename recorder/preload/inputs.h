// inputs.h — recorded inputs (inputs.cc): the results of the calls that bring the outside
// into a run — clock reads, getrandom, reads and receives from descriptors that lead outside
// the process. A free recording records each (weft_input_record); a replay of it feeds each
// thread its own recorded inputs back, in order, without making the call.
#pragma once

#include <errno.h>
#include <sys/uio.h>

#include "shim.h"

namespace weft::shim {

// Start-up of a free recording or a controlled run (the main thread alone): what a read of
// descriptor 0 is (weft's copy of the program's stdin is no input: a replay gets it again),
// and whether this run feeds recorded inputs (the session's feed_inputs).
void InputsInit();

// Whether a read or receive on `fd` brings in the outside: a regular file, a device, a pipe
// or socket whose other end is not this process's (a pipe it also holds the write end of, a
// Unix socket whose peer is itself, are not), and not weft's stdin. The same answer in a
// free recording and in its replay, from the descriptor alone.
bool ReadsOutside(int fd);

// getrandom(buf, len, flags) through the shim, in any mode: the real system call, recorded
// in a free recording, fed in a replay that feeds inputs. Returns the raw result (bytes or
// -errno).
long RandomCall(const Guard& guard, void* buf, size_t len, unsigned flags);
// `len` bytes of the session's deterministic random stream (a controlled run's random bytes:
// getrandom's, the random devices'), for the thread holding the turn.
void SessionRandomBytes(void* buf, size_t len);

// ---- directory entries (hooks_dir.cc) ----
// Whether this run records the entries its threads read from directories: a free
// recording, and a controlled run fed no recorded inputs (what a directory holds is the
// outside: a replay in a directory that gained or lost a file is fed the recorded ones).
bool RecordsDirents();
// One readdir of the calling thread (free, or controlled holding the turn) on the directory
// open on `source`: `result` > 0 and the entry's first `bytes` bytes, 0 at its end, -errno.
void RecordDirent(Thread* self, int32_t source, int64_t result, const void* entry, uint32_t bytes);

// ---- a free recording (the calling thread records: Free(guard)) ----
// A clock read that returned `rc` with the time `ns` (on `clock`).
void RecordClock(Thread* self, int32_t clock, int rc, uint64_t ns);
// A call that returned `result` (bytes, or -errno) and, for result > 0, those bytes in
// `iov` (iovcnt pieces, in order).
void RecordData(Thread* self, uint8_t kind, int32_t source, int64_t result, const struct iovec* iov,
                int iovcnt);

// A read or receive of a free recording on `fd` into `iov`: makes `call` (the real one) and
// records its result and the bytes it read. Returns what the call did (errno kept).
template <typename Call>
ssize_t RecordedRead(int fd, const struct iovec* iov, int iovcnt, Call&& call) {
  ssize_t n = call();
  int error = errno;
  RecordData(Self(), WEFT_INPUT_READ, fd, n < 0 ? -error : n, iov, iovcnt);
  errno = error;
  return n;
}

// ---- a replay that feeds them ----
// Whether the calling controlled thread is fed recorded inputs of `kind` (a replay of a trace
// that recorded them: a free trace's first process, a controlled trace's directory entries
// in any process).
bool Feeding(const Thread* self, uint8_t kind);
// The thread's next recorded input, taken, if it is of `kind` (`source` only says what was
// asked for when it is not); else nullptr, and the replay has diverged there (reported once): the
// caller makes the call itself.
const weft_input_entry* TakeInput(Thread* self, uint8_t kind, int32_t source);
// Copies the data of `e` into `iov` (as much as it holds); returns the bytes copied.
uint64_t CopyInputData(const weft_input_entry* e, const struct iovec* iov, int iovcnt);
// A clock read of a replay that feeds inputs: true when the recorded one was fed (into `ns`;
// *rc the call's result, errno set when it failed).
bool FedClock(Thread* self, uint64_t* ns, int* rc);
// A read or receive on `fd` into `iov` of the calling controlled thread: true when the
// recorded one was fed (*out the call's result, errno set when it is -1).
bool FedRead(int fd, const struct iovec* iov, int iovcnt, ssize_t* out);

}  // namespace weft::shim
