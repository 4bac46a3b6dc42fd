// inputs.cc — recorded inputs (inputs.h): a free recording writes each into the ring
// (weft_input_record and its data slots); a replay of it takes each thread's from the
// session's table (weft_input_entry), in order.
#include "inputs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "control.h"
#include "free_record.h"
#include "ring.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {
namespace {

// Descriptor 0 when it is weft's copy of the program's stdin (a memfd the supervisor fills:
// a replay reads the same bytes from its own), else 0.
constinit uint64_t g_stdin_dev = 0;
constinit uint64_t g_stdin_ino = 0;

// What ReadsOutside found for a pipe or socket on descriptors below kCachedFds: its inode
// shifted left by 1, bit 0 set when it leads outside; 0 = not looked at yet. A descriptor
// that now holds another inode is looked at again. NB: one word, so that threads racing to
// fill it (in a free recording) never see half of another's answer.
constexpr int kCachedFds = 1024;
constinit uint64_t g_fd_verdict[kCachedFds] = {};

// The replay's recorded inputs: weft's copy of where they lie (the session's own fields are
// the program's to scribble on; the supervisor checks them against what it wrote).
constinit bool g_feed = false;
constinit uint32_t g_feed_kinds = 0;  // bit 1 << weft_input_kind: the kinds fed
constinit const weft_input_entry* g_inputs = nullptr;
constinit uint64_t g_input_count = 0;
constinit const uint8_t* g_input_data = nullptr;
constinit uint64_t g_input_data_bytes = 0;
constinit bool g_input_diverged = false;

bool StartsWith(const char* s, long n, const char* prefix) {
  long i = 0;
  for (; prefix[i] != '\0'; ++i) {
    if (i >= n || s[i] != prefix[i]) return false;
  }
  return true;
}

// Whether this process holds a write end of the pipe `ino` (on `dev`) on a descriptor other
// than `fd`: the pipe is between its own threads.
bool PipeWriterHere(int fd, uint64_t dev, uint64_t ino) {
  long dir = RawSyscall(SYS_openat, AT_FDCWD, reinterpret_cast<long>("/proc/self/fd"),
                        O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return false;
  bool found = false;
  char buf[512];
  for (;;) {
    long n = RawSyscall(SYS_getdents64, dir, reinterpret_cast<long>(buf), sizeof buf);
    if (n <= 0) break;
    for (long at = 0; at < n && !found;) {
      const char* name = buf + at + 19;  // struct linux_dirent64: d_name at 19
      uint16_t reclen;
      CopyBytes(&reclen, buf + at + 16, sizeof reclen);
      at += reclen;
      long other = 0;
      bool digits = name[0] != '\0';
      for (const char* p = name; *p != '\0'; ++p) {
        if (*p < '0' || *p > '9') digits = false;
        other = other * 10 + (*p - '0');
      }
      if (!digits || other == fd || other == dir) continue;
      struct stat st;
      if (RawSyscall(SYS_fstat, other, reinterpret_cast<long>(&st)) != 0) continue;
      if (!S_ISFIFO(st.st_mode) || st.st_ino != ino || st.st_dev != dev) continue;
      long fl = RawSyscall(SYS_fcntl, other, F_GETFL);
      if (fl >= 0 && (fl & O_ACCMODE) != O_RDONLY) found = true;
    }
    if (found) break;
  }
  RawSyscall(SYS_close, dir);
  return found;
}

// Whether `fd` is a Unix socket whose peer is this process (a socketpair of its own).
bool UnixPeerIsSelf(int fd) {
  int domain = 0;
  socklen_t len = sizeof domain;
  if (RawSyscall(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, reinterpret_cast<long>(&domain),
                 reinterpret_cast<long>(&len)) != 0 ||
      domain != AF_UNIX) {
    return false;
  }
  struct ucred cred = {};
  len = sizeof cred;
  if (RawSyscall(SYS_getsockopt, fd, SOL_SOCKET, SO_PEERCRED, reinterpret_cast<long>(&cred),
                 reinterpret_cast<long>(&len)) != 0) {
    return false;
  }
  return cred.pid == static_cast<pid_t>(RawSyscall(SYS_getpid));
}

// Copies `n` bytes of a gather list from byte `*at` on into `dst`, moving *at.
struct GatherCursor {
  const struct iovec* iov;
  int count;
  int index = 0;
  size_t offset = 0;  // in iov[index]

  void Take(uint8_t* dst, size_t n) {
    // NB: the common case, a whole data slot from one buffer, as one fixed-size copy the
    // compiler inlines (CopyBytes goes a byte at a time, through volatile stores).
    if (n == WEFT_INPUT_DATA_PER_SLOT && index < count && iov[index].iov_len - offset >= n) {
      __builtin_memcpy(dst, static_cast<const uint8_t*>(iov[index].iov_base) + offset,
                       WEFT_INPUT_DATA_PER_SLOT);
      offset += n;
      return;
    }
    while (n > 0 && index < count) {
      size_t room = iov[index].iov_len - offset;
      if (room == 0) {
        ++index;
        offset = 0;
        continue;
      }
      size_t k = room < n ? room : n;
      CopyBytes(dst, static_cast<const uint8_t*>(iov[index].iov_base) + offset, k);
      dst += k;
      n -= k;
      offset += k;
    }
  }
};

void ReportInputDivergence(const Thread* self, uint8_t wanted, int32_t source,
                           const weft_input_entry* next) {
  if (g_input_diverged) return;
  g_input_diverged = true;
  g_session->input_divergence.tid = self->tid;
  g_session->input_divergence.wanted_kind = wanted;
  g_session->input_divergence.wanted_source = source;
  g_session->input_divergence.recorded_kind = next != nullptr ? next->kind : 0;
  g_session->input_divergence.recorded_source = next != nullptr ? next->source : 0;
  g_session->input_divergence.events = g_sched->events;
  __atomic_or_fetch(&g_session->status, WEFT_STATUS_INPUT_DIVERGED, __ATOMIC_RELEASE);
}

}  // namespace

void InputsInit() {
  char link[64];
  long n = RawSyscall(SYS_readlinkat, AT_FDCWD, reinterpret_cast<long>("/proc/self/fd/0"),
                      reinterpret_cast<long>(link), sizeof link);
  struct stat st;
  if (n > 0 && StartsWith(link, n, "/memfd:weft-stdin") &&
      RawSyscall(SYS_fstat, 0, reinterpret_cast<long>(&st)) == 0) {
    g_stdin_dev = st.st_dev;
    g_stdin_ino = st.st_ino;
  }
  weft_session* s = g_session;
  if (s->mode != WEFT_MODE_CONTROLLED || s->feed_inputs != 1) return;
  const weft_span in = s->inputs, data = s->input_data;
  if (in.offset > s->size || in.count > (s->size - in.offset) / sizeof(weft_input_entry) ||
      data.offset > s->size || data.count > s->size - data.offset) {
    Die("the session's recorded inputs lie outside the session");
  }
  const auto* base = reinterpret_cast<const uint8_t*>(s);
  g_inputs = reinterpret_cast<const weft_input_entry*>(base + in.offset);
  g_input_count = in.count;
  g_input_data = base + data.offset;
  g_input_data_bytes = data.count;
  g_feed_kinds = s->feed_kinds;
  g_feed = true;
}

bool ReadsOutside(int fd) {
  struct stat st;
  if (RawSyscall(SYS_fstat, fd, reinterpret_cast<long>(&st)) != 0) return false;
  if (g_stdin_ino != 0 && st.st_ino == g_stdin_ino && st.st_dev == g_stdin_dev) return false;
  if (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return true;
  // Anonymous inodes (eventfd, timerfd, …), directories: no data from outside.
  if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode)) return false;
  const uint64_t key = static_cast<uint64_t>(st.st_ino) << 1;
  if (fd >= 0 && fd < kCachedFds) {
    uint64_t known = __atomic_load_n(&g_fd_verdict[fd], __ATOMIC_RELAXED);
    if (known != 0 && (known & ~1ull) == key) return (known & 1) != 0;
  }
  bool outside =
      S_ISFIFO(st.st_mode) ? !PipeWriterHere(fd, st.st_dev, st.st_ino) : !UnixPeerIsSelf(fd);
  if (fd >= 0 && fd < kCachedFds) {
    __atomic_store_n(&g_fd_verdict[fd], key | (outside ? 1 : 0), __ATOMIC_RELAXED);
  }
  return outside;
}

void RecordClock(Thread* self, int32_t clock, int rc, uint64_t ns) {
  weft_input_record rec{};
  rec.kind = WEFT_INPUT_CLOCK;
  rec.tid = self->tid;
  rec.source = clock;
  rec.result = rc;
  rec.value = ns;
  uint64_t first = RingReserve(1);
  CopyBytes(RingSlot(first) + 1, reinterpret_cast<const uint8_t*>(&rec) + 1, sizeof rec - 1);
  RingCommit(first, WEFT_REC_INPUT);
}

void RecordData(Thread* self, uint8_t kind, int32_t source, int64_t result, const struct iovec* iov,
                int iovcnt) {
  constexpr uint64_t kPiece = uint64_t{WEFT_INPUT_DATA_PER_SLOT} * WEFT_INPUT_MAX_DATA_SLOTS;
  const uint64_t total = result > 0 ? static_cast<uint64_t>(result) : 0;
  GatherCursor data{iov, iovcnt};
  uint64_t done = 0;
  // NB: a long read goes in pieces (WEFT_INPUT_MORE), each a record of its own: a record
  // must fit the ring, and the ring reader joins a thread's pieces in their order.
  do {
    const uint64_t bytes = total - done < kPiece ? total - done : kPiece;
    const uint32_t data_slots =
        static_cast<uint32_t>((bytes + WEFT_INPUT_DATA_PER_SLOT - 1) / WEFT_INPUT_DATA_PER_SLOT);
    weft_input_record rec{};
    rec.kind = kind;
    rec.tid = self->tid;
    rec.flags = done + bytes < total ? WEFT_INPUT_MORE : 0;
    rec.data_slots = static_cast<uint16_t>(data_slots);
    rec.source = source;
    rec.bytes = static_cast<uint32_t>(bytes);
    rec.result = result;
    uint64_t first = RingReserve(1 + data_slots);
    for (uint32_t i = 0; i < data_slots; ++i) {
      uint8_t* slot = RingSlot(first + 1 + i);
      uint64_t left = bytes - uint64_t{i} * WEFT_INPUT_DATA_PER_SLOT;
      size_t n = left < WEFT_INPUT_DATA_PER_SLOT ? left : WEFT_INPUT_DATA_PER_SLOT;
      slot[0] = WEFT_REC_INPUT_DATA;
      data.Take(slot + 1, n);
      if (n < WEFT_INPUT_DATA_PER_SLOT) ZeroBytes(slot + 1 + n, WEFT_INPUT_DATA_PER_SLOT - n);
    }
    CopyBytes(RingSlot(first) + 1, reinterpret_cast<const uint8_t*>(&rec) + 1, sizeof rec - 1);
    // NB: after the data slots: the reader takes them once the input's type byte is set.
    RingCommit(first, WEFT_REC_INPUT);
    done += bytes;
  } while (done < total);
}

bool Feeding(const Thread* self, uint8_t kind) {
  if (!g_feed || self == nullptr || (g_feed_kinds & (1u << kind)) == 0) return false;
  // NB: a free recording records its first process only; a controlled one records the
  // directory entries of every process (its tids are the session's).
  return g_process == 0 || kind == WEFT_INPUT_DIRENT;
}

bool RecordsDirents() { return g_session->mode == WEFT_MODE_FREE || !g_feed; }

void RecordDirent(Thread* self, int32_t source, int64_t result, const void* entry, uint32_t bytes) {
  if (result <= 0) bytes = 0;
  if (g_session->mode == WEFT_MODE_FREE) {
    struct iovec one = {const_cast<void*>(entry), bytes};
    RecordData(self, WEFT_INPUT_DIRENT, source, result, &one, 1);
    return;
  }
  // A controlled run: the thread holds the turn, the ring's one writer, which publishes
  // whole records (the supervisor reads up to the head): the record built here, then written.
  constexpr uint32_t kMaxSlots =
      1 + (sizeof(struct dirent64) + WEFT_INPUT_DATA_PER_SLOT - 1) / WEFT_INPUT_DATA_PER_SLOT;
  if (bytes > sizeof(struct dirent64)) bytes = sizeof(struct dirent64);
  const uint32_t data_slots = (bytes + WEFT_INPUT_DATA_PER_SLOT - 1) / WEFT_INPUT_DATA_PER_SLOT;
  alignas(8) uint8_t slots[kMaxSlots * WEFT_SLOT_BYTES];
  ZeroBytes(slots, (1 + data_slots) * WEFT_SLOT_BYTES);
  weft_input_record rec{};
  rec.type = WEFT_REC_INPUT;
  rec.kind = WEFT_INPUT_DIRENT;
  rec.tid = self->tid;
  rec.data_slots = static_cast<uint16_t>(data_slots);
  rec.source = source;
  rec.bytes = bytes;
  rec.result = result > 0 ? bytes : result;
  CopyBytes(slots, &rec, sizeof rec);
  const auto* src = static_cast<const uint8_t*>(entry);
  for (uint32_t i = 0; i < data_slots; ++i) {
    uint8_t* slot = slots + (1 + i) * WEFT_SLOT_BYTES;
    uint32_t at = i * WEFT_INPUT_DATA_PER_SLOT;
    uint32_t n = bytes - at < WEFT_INPUT_DATA_PER_SLOT ? bytes - at : WEFT_INPUT_DATA_PER_SLOT;
    slot[0] = WEFT_REC_INPUT_DATA;
    CopyBytes(slot + 1, src + at, n);
  }
  RingWrite(slots, 1 + data_slots);
}

const weft_input_entry* TakeInput(Thread* self, uint8_t kind, int32_t source) {
  uint64_t i = self->input_next;
  while (i < g_input_count && g_inputs[i].tid != self->tid) ++i;
  self->input_next = i;
  const weft_input_entry* e = i < g_input_count ? &g_inputs[i] : nullptr;
  // NB: by kind only: descriptor numbers are not the recording's when threads open files at
  // once (which thread got which number is the kernel's order, not recorded).
  if (e == nullptr || e->kind != kind) {
    ReportInputDivergence(self, kind, source, e);
    return nullptr;
  }
  self->input_next = i + 1;
  __atomic_add_fetch(&g_session->inputs_fed, 1, __ATOMIC_RELAXED);
  return e;
}

uint64_t CopyInputData(const weft_input_entry* e, const struct iovec* iov, int iovcnt) {
  const uint64_t n = e->result > 0 ? static_cast<uint64_t>(e->result) : 0;
  if (e->data_offset > g_input_data_bytes || n > g_input_data_bytes - e->data_offset) {
    Die("a recorded input's data lies outside the session");
  }
  const uint8_t* src = g_input_data + e->data_offset;
  uint64_t copied = 0;
  for (int k = 0; k < iovcnt && copied < n; ++k) {
    uint64_t room = iov[k].iov_len;
    uint64_t take = n - copied < room ? n - copied : room;
    CopyBytes(iov[k].iov_base, src + copied, take);
    copied += take;
  }
  return copied;
}

#ifndef GRND_INSECURE
#define GRND_INSECURE 0x0004
#endif

// The random bytes of a controlled run: one stream for the session (SchedState, read and
// moved by the thread holding the turn), the same in every run. A recording and its replay
// then get the same bytes in the same order (CPython's hash seed, and with it the order of
// a set's strings, no longer differs between them); what the bytes are is no decision.
void SessionRandomBytes(void* buf, size_t len) {
  auto* out = static_cast<uint8_t*>(buf);
  for (size_t i = 0; i < len; i += 8) {
    uint64_t z = (g_sched->random_next += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    for (size_t b = 0; b < 8 && i + b < len; ++b) out[i + b] = static_cast<uint8_t>(z >> (8 * b));
  }
}

namespace {

long DeterministicRandom(void* buf, size_t len, unsigned flags) {
  if ((flags & ~(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE)) != 0) return -EINVAL;
  SessionRandomBytes(buf, len);
  return static_cast<long>(len);
}

}  // namespace

long RandomCall(const Guard& guard, void* buf, size_t len, unsigned flags) {
  auto call = [&] {
    return RawSyscall(SYS_getrandom, reinterpret_cast<long>(buf), static_cast<long>(len), flags);
  };
  struct iovec one = {buf, len};
  if (Controlled(guard)) {
    Thread* self = Self();
    const weft_input_entry* e =
        Feeding(self, WEFT_INPUT_RANDOM) ? TakeInput(self, WEFT_INPUT_RANDOM, 0) : nullptr;
    if (e == nullptr) return DeterministicRandom(buf, len, flags);
    return e->result < 0 ? e->result : static_cast<long>(CopyInputData(e, &one, 1));
  }
  if (!Free(guard)) return call();
  long n = call();
  one.iov_len = n > 0 ? static_cast<size_t>(n) : 0;
  RecordData(Self(), WEFT_INPUT_RANDOM, 0, n, &one, 1);
  return n;
}

bool FedClock(Thread* self, uint64_t* ns, int* rc) {
  if (!Feeding(self, WEFT_INPUT_CLOCK)) return false;
  const weft_input_entry* e = TakeInput(self, WEFT_INPUT_CLOCK, 0);
  if (e == nullptr) return false;
  *rc = 0;
  *ns = e->value;
  if (e->result < 0) {
    errno = static_cast<int>(-e->result);
    *rc = -1;
  }
  return true;
}

bool FedRead(int fd, const struct iovec* iov, int iovcnt, ssize_t* out) {
  Thread* self = Self();
  if (!Feeding(self, WEFT_INPUT_READ) || !ReadsOutside(fd)) return false;
  const weft_input_entry* e = TakeInput(self, WEFT_INPUT_READ, fd);
  if (e == nullptr) return false;
  if (e->result < 0) {
    errno = static_cast<int>(-e->result);
    *out = -1;
  } else {
    *out = static_cast<ssize_t>(CopyInputData(e, iov, iovcnt));
  }
  return true;
}

}  // namespace weft::shim
