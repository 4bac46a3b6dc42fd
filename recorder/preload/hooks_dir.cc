// hooks_dir.cc — what a directory holds is an input (inputs.h): readdir, readdir64,
// readdir_r and readdir64_r record each entry they return (and the end, or an error) in a
// free recording and in a controlled run that is fed nothing, and a replay of such a trace
// is fed the recorded entries instead of the directory's. A program whose schedule depends
// on a directory's entries (CPython lists the directories of sys.path and releases its lock
// around every readdir) then replays the same events after the directory gained or lost a
// file: `weft replay t.weft > out.txt` in the script's directory. opendir itself is real:
// a directory gone at the replay makes the program go another way, which the replay reports.
#include <dirent.h>
#include <errno.h>
#include <stddef.h>

#include "free_record.h"
#include "inputs.h"
#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

using namespace weft::shim;

namespace {

// The entries a replay fed, one slot per directory stream: readdir's result is valid until
// the stream's next readdir or its closedir, as glibc's. Only the thread holding the turn
// feeds, so no lock. NB: with more streams open at once than slots, two streams share one
// (a program holding an entry of one across a readdir of the other would see it change).
constexpr int kFedDirs = 64;
struct FedDir {
  DIR* dir;
  struct dirent64 entry;
};
constinit FedDir g_fed_dirs[kFedDirs] = {};

struct dirent64* FedSlot(DIR* d) {
  FedDir* empty = nullptr;
  for (FedDir& f : g_fed_dirs) {
    if (f.dir == d) return &f.entry;
    if (f.dir == nullptr && empty == nullptr) empty = &f;
  }
  if (empty == nullptr) empty = &g_fed_dirs[(reinterpret_cast<uintptr_t>(d) >> 4) % kFedDirs];
  empty->dir = d;
  return &empty->entry;
}

// The bytes of `e` up to its name's NUL (glibc's entries may be padded past it).
uint32_t EntryBytes(const struct dirent64* e) {
  const char* p = reinterpret_cast<const char*>(e);
  uint32_t n = offsetof(struct dirent64, d_name);
  while (n < sizeof(*e) && p[n] != '\0') ++n;
  return n < sizeof(*e) ? n + 1 : static_cast<uint32_t>(sizeof(*e));
}

// One entry of `d` for a controlled or free thread. `call` makes the real call: it returns
// the entry, or nullptr with *error 0 at the end, else the error. Returns > 0 with *out the
// entry (a fed one in the stream's slot), 0 at the end, -errno; errno is the caller's.
template <typename Call>
long DirEntry(bool controlled, DIR* d, struct dirent64** out, Call&& call) {
  Thread* self = Self();
  const int fd = real.dirfd(d);
  *out = nullptr;
  if (controlled && Feeding(self, WEFT_INPUT_DIRENT)) {
    if (const weft_input_entry* e = TakeInput(self, WEFT_INPUT_DIRENT, fd)) {
      if (e->result <= 0) return static_cast<long>(e->result);
      struct dirent64* slot = FedSlot(d);
      ZeroBytes(slot, sizeof(*slot));
      struct iovec one = {slot, sizeof(*slot)};
      CopyInputData(e, &one, 1);
      *out = slot;
      return 1;
    }
    // Not what the recording read next (reported as the replay's divergence): the real one.
  }
  int error = 0;
  struct dirent64* got = call(&error);
  if (RecordsDirents()) {  // a free recording's thread, or a controlled run fed nothing
    const uint32_t bytes = got != nullptr ? EntryBytes(got) : 0;
    RecordDirent(self, fd, got != nullptr ? bytes : -error, got, bytes);
  }
  *out = got;
  return got != nullptr ? 1 : -error;
}

}  // namespace

#define WEFT_READDIR_HOOK(Entry, name)                                   \
  WEFT_EXPORT Entry* name(DIR* d) {                                      \
    Guard guard;                                                         \
    const bool controlled = Controlled(guard);                           \
    if (IsNull(d) || (!controlled && !Free(guard))) return real.name(d); \
    const int before = errno;                                            \
    struct dirent64* got = nullptr;                                      \
    long r = DirEntry(controlled, d, &got, [&](int* error) {             \
      errno = 0;                                                         \
      Entry* e = real.name(d);                                           \
      *error = e == nullptr ? errno : 0;                                 \
      return reinterpret_cast<struct dirent64*>(e);                      \
    });                                                                  \
    errno = r < 0 ? static_cast<int>(-r) : before;                       \
    return reinterpret_cast<Entry*>(got);                                \
  }

WEFT_READDIR_HOOK(struct dirent, readdir)
WEFT_READDIR_HOOK(struct dirent64, readdir64)
#undef WEFT_READDIR_HOOK

#define WEFT_READDIR_R_HOOK(Entry, name)                                               \
  WEFT_EXPORT int name(DIR* d, Entry* entry, Entry** result) {                         \
    Guard guard;                                                                       \
    const bool controlled = Controlled(guard);                                         \
    if (IsNull(d) || IsNull(entry) || IsNull(result) || (!controlled && !Free(guard))) \
      return real.name(d, entry, result);                                              \
    struct dirent64* got = nullptr;                                                    \
    long r = DirEntry(controlled, d, &got, [&](int* error) {                           \
      Entry* e = nullptr;                                                              \
      *error = real.name(d, entry, &e);                                                \
      return reinterpret_cast<struct dirent64*>(e);                                    \
    });                                                                                \
    if (r < 0) return static_cast<int>(-r);                                            \
    if (got != nullptr && got != reinterpret_cast<struct dirent64*>(entry)) {          \
      CopyBytes(entry, got, EntryBytes(got));                                          \
    }                                                                                  \
    *result = got != nullptr ? entry : nullptr;                                        \
    return 0;                                                                          \
  }

WEFT_READDIR_R_HOOK(struct dirent, readdir_r)
WEFT_READDIR_R_HOOK(struct dirent64, readdir64_r)
#undef WEFT_READDIR_R_HOOK

WEFT_EXPORT int closedir(DIR* d) {
  Guard guard;
  (void)Controlled(guard);  // NB: the lazy start-up resolves the real functions
  for (FedDir& f : g_fed_dirs) {
    if (f.dir == d) f.dir = nullptr;
  }
  return real.closedir(d);
}
