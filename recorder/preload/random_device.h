// random_device.h — reads of /dev/urandom and /dev/random in a controlled run
// (random_device.cc): like getrandom's (inputs.h), their bytes come from the session's one
// deterministic stream, so a recording and its replay read the same ones (redis-server seeds
// its hash tables from an fread of /dev/urandom).
#pragma once

#include <stdio.h>
#include <sys/types.h>

#include "shim.h"

namespace weft::shim {

// After a controlled thread opened `path` as `fd` (open, openat, fopen): remembers `fd` when
// it is a random device.
void NoteOpened(int fd, const char* path);

// A read of `len` bytes into `buf` on `fd` by the controlled thread holding the turn: true
// when `fd` is a random device noted open, the bytes then the session's (*out = len).
bool RandomDeviceRead(int fd, void* buf, size_t len, ssize_t* out);

// The same for a stream: true when `stream` reads a random device and its buffer is empty
// (every read of it through these hooks leaves it so), `len` bytes then put in `buf`.
bool RandomStreamRead(FILE* stream, void* buf, size_t len);
// fgets's (`n` > 1): a line of random bytes in `s`, up to n - 1 of them and the first '\n'.
bool RandomStreamLine(FILE* stream, char* s, int n);

}  // namespace weft::shim
