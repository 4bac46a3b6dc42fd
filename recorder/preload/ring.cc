// ring.cc — the single-producer event ring in the session's shared memory, and the stack
// table. Records are copied into fixed 32-byte slots; the head index is published with a
// release store only after the record's slots are written, so the supervisor never reads
// a half-written record, even when the target crashes right after.
// The unwinder (libunwind, and liblzma behind it) is loaded with dlopen only when the run
// captures stacks, so a run without stacks maps nothing into the target but the shim.
#include "ring.h"

#include <dlfcn.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <time.h>

#include "control.h"
#include "shim.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

#ifndef WEFT_UNWIND_SONAME
#error "WEFT_UNWIND_SONAME (the unwinder's soname, e.g. libunwind.so.8) comes from CMake"
#endif

namespace weft::shim {
namespace {

uint8_t* g_slots = nullptr;
uint64_t g_mask = 0;
// A free recording: every thread writes the ring at once (shim_abi.h: the type byte of a
// record's first slot is its commit).
bool g_many_writers = false;
uint64_t g_shim_lo = 0;
uint64_t g_shim_hi = 0;

// Interned stacks, keyed by a 64-bit hash of the IPs (collisions are negligible at the
// number of distinct stacks a run has).
constexpr uint32_t kStackCapacity = 1u << 18;
uint64_t* g_stack_keys = nullptr;  // 0 = empty
uint32_t* g_stack_ids = nullptr;

// libunwind's unw_backtrace, resolved at start-up when stacks are on.
int (*g_backtrace)(void**, int) = nullptr;

// NB: the capture buffers are global, not on the target's stack: only the thread holding
// the turn captures (CaptureStack is called from Schedule), and a nested hook never does.
void* g_raw_ips[WEFT_MAX_STACK_DEPTH + 16];
// Slot 0 holds the record header; IPs follow, four to a slot.
uint64_t g_stack_record[4 + WEFT_MAX_STACK_DEPTH + 4];

// Appends `text` to the NUL-terminated string in buf[0..size).
void Append(char* buf, size_t size, const char* text) {
  size_t n = StrLen(buf);
  for (; *text != '\0' && n + 1 < size; ++text) buf[n++] = *text;
  buf[n] = '\0';
}

// Loads the unwinder. Runs at start-up, before control starts (hooks called meanwhile by
// the loader or the library's constructors go to the real functions).
void LoadUnwinder() {
  static char why[192];
  void* lib = dlopen(WEFT_UNWIND_SONAME, RTLD_NOW | RTLD_LOCAL);
  void* fn = lib != nullptr ? dlsym(lib, "unw_backtrace") : nullptr;
  if (fn != nullptr) {
    __builtin_memcpy(&g_backtrace, &fn, sizeof(g_backtrace));
    // NB: the unwinder's first call opens its memory-probe pipe: now, as weft's own, so
    // that it takes none of the program's descriptor numbers (hooks_fds.cc).
    OwnFdsScope own;
    void* ips[2];
    g_backtrace(ips, 2);
    return;
  }
  const char* error = dlerror();
  Append(why, sizeof(why), "cannot load the unwinder " WEFT_UNWIND_SONAME " for event stacks (");
  Append(why, sizeof(why), error != nullptr ? error : "unw_backtrace not found");
  Append(why, sizeof(why), "); install libunwind, or record without stacks (--no-stacks)");
  Die(why);
}

void WaitForRoom(weft_session* s, uint64_t head, uint32_t slots) {
  while (head + slots - __atomic_load_n(&s->ring_tail, __ATOMIC_ACQUIRE) > s->ring_slots) {
    // NB: weft drains every ms while the ring fills, at most 16 ms apart (run_program.cc)
    struct timespec pause = {0, 50 * 1000};
    RawSyscall(SYS_nanosleep, reinterpret_cast<long>(&pause), 0);
  }
}

}  // namespace

void RingInit() {
  weft_session* s = Session();
  g_slots = reinterpret_cast<uint8_t*>(s) + s->ring_offset;
  g_mask = s->ring_slots - 1;
  g_many_writers = s->mode == WEFT_MODE_FREE;
  if (s->capture_stacks != 0) {
    constexpr uint64_t kBytes = kStackCapacity * (sizeof(uint64_t) + sizeof(uint32_t));
    static_assert(kBytes <= kSharedPartBytes);
    void* p = MapShared(SharedPart::kStacks, kBytes);  // every process of the session shares it
    if (p == nullptr) Die("cannot map the stack table");
    g_stack_keys = static_cast<uint64_t*>(p);
    g_stack_ids = reinterpret_cast<uint32_t*>(g_stack_keys + kStackCapacity);
    LoadUnwinder();
  }
}

namespace {

// RingWrite of a free recording: the add on ring_head takes the slots (and so the record's
// place in the run's order); the record counts as written once its type byte is.
void RingWriteShared(weft_session* s, const uint8_t* src, uint32_t slots) {
  uint64_t head = __atomic_fetch_add(&s->ring_head, slots, __ATOMIC_RELAXED);
  if (head + slots - __atomic_load_n(&s->ring_tail, __ATOMIC_ACQUIRE) > s->ring_slots) {
    WaitForRoom(s, head, slots);
  }
  uint8_t* first = g_slots + (head & g_mask) * WEFT_SLOT_BYTES;
  __builtin_memcpy(first + 1, src + 1, WEFT_SLOT_BYTES - 1);
  for (uint32_t i = 1; i < slots; ++i) {
    __builtin_memcpy(g_slots + ((head + i) & g_mask) * WEFT_SLOT_BYTES, src + i * WEFT_SLOT_BYTES,
                     WEFT_SLOT_BYTES);
  }
  // NB: last, with release: the supervisor reads the record once this byte is non-zero.
  __atomic_store_n(first, src[0], __ATOMIC_RELEASE);
}

}  // namespace

uint64_t RingReserve(uint32_t slots) {
  weft_session* s = Session();
  uint64_t head = __atomic_fetch_add(&s->ring_head, slots, __ATOMIC_RELAXED);
  if (head + slots - __atomic_load_n(&s->ring_tail, __ATOMIC_ACQUIRE) > s->ring_slots) {
    WaitForRoom(s, head, slots);
  }
  return head;
}

uint8_t* RingSlot(uint64_t index) { return g_slots + (index & g_mask) * WEFT_SLOT_BYTES; }

void RingCommit(uint64_t first, uint8_t type) {
  // NB: last, with release: the supervisor reads the record once this byte is non-zero.
  __atomic_store_n(RingSlot(first), type, __ATOMIC_RELEASE);
}

void RingWrite(const void* records, uint32_t slots) {
  weft_session* s = g_session;
  if (g_slots == nullptr) return;
  if (g_many_writers) {
    RingWriteShared(s, static_cast<const uint8_t*>(records), slots);
    return;
  }
  uint64_t head = s->ring_head;
  if (head + slots - __atomic_load_n(&s->ring_tail, __ATOMIC_ACQUIRE) > s->ring_slots) {
    WaitForRoom(s, head, slots);
  }
  const uint8_t* src = static_cast<const uint8_t*>(records);
  for (uint32_t i = 0; i < slots; ++i) {
    __builtin_memcpy(g_slots + ((head + i) & g_mask) * WEFT_SLOT_BYTES, src + i * WEFT_SLOT_BYTES,
                     WEFT_SLOT_BYTES);
  }
  // NB: the slots must be visible before the new head: the supervisor reads up to head.
  __atomic_store_n(&s->ring_head, head + slots, __ATOMIC_RELEASE);
}

void SetShimRange(uint64_t lo, uint64_t hi) {
  g_shim_lo = lo;
  g_shim_hi = hi;
}

uint32_t CaptureStack() {
  weft_session* s = Session();
  if (s->capture_stacks == 0 || g_backtrace == nullptr) return 0;
  uint32_t max_depth = s->capture_stacks;
  if (max_depth > WEFT_MAX_STACK_DEPTH) max_depth = WEFT_MAX_STACK_DEPTH;

  void** raw = g_raw_ips;
  int n = g_backtrace(raw, static_cast<int>(max_depth + 16));
  uint64_t* buf = g_stack_record;
  uint64_t* ips = buf + 4;
  uint32_t depth = 0;
  for (int i = 0; i < n && depth < max_depth; ++i) {
    uint64_t ip = reinterpret_cast<uint64_t>(raw[i]);
    if (ip >= g_shim_lo && ip < g_shim_hi) continue;  // the shim's own frames
    ips[depth++] = ip;
  }
  return InternStack(ips, depth);
}

uint32_t InternStack(const uint64_t* ips, uint32_t depth) {
  if (g_stack_keys == nullptr || depth == 0) return 0;
  if (depth > WEFT_MAX_STACK_DEPTH) depth = WEFT_MAX_STACK_DEPTH;
  uint64_t* buf = g_stack_record;
  if (ips != buf + 4) {
    for (uint32_t i = 0; i < depth; ++i) buf[4 + i] = ips[i];
    ips = buf + 4;
  }

  // NB: a stack is one of an image: another image has other code at the same addresses
  // (an exec'd server's stack must not be taken for its client's).
  const Process& process = g_sched->processes[g_process];
  uint64_t h = 0xcbf29ce484222325ull ^ depth ^ (static_cast<uint64_t>(process.image) << 32);
  for (uint32_t i = 0; i < depth; ++i) {
    h ^= ips[i];
    h *= 0x100000001b3ull;
    h ^= h >> 29;
  }
  if (h < 2) h += 2;
  uint32_t slot = static_cast<uint32_t>(h) & (kStackCapacity - 1);
  for (;; slot = (slot + 1) & (kStackCapacity - 1)) {
    if (g_stack_keys[slot] == h) return g_stack_ids[slot];
    if (g_stack_keys[slot] == 0) break;
  }
  if (g_sched->stacks_used + 1 > kStackCapacity * 3 / 4) return 0;  // table full: stop interning
  ++g_sched->stacks_used;
  g_stack_keys[slot] = h;
  uint32_t id = g_sched->next_stack++;
  g_stack_ids[slot] = id;

  auto* rec = reinterpret_cast<weft_stack_record*>(buf);
  ZeroBytes(rec, sizeof(*rec));
  rec->type = WEFT_REC_STACK;
  rec->depth = static_cast<uint16_t>(depth);
  rec->id = id;
  rec->image = process.image;
  rec->pid = process.pid;
  uint32_t ip_slots = (depth + 3) / 4;
  for (uint32_t i = depth; i < ip_slots * 4; ++i) buf[4 + i] = 0;
  RingWrite(buf, 1 + ip_slots);
  return id;
}

}  // namespace weft::shim
