// hooks_memory.cc — the memory accesses of instrumented builds (weft cc): libweft_rt.so
// calls weft_shim_access before every instrumented access (abi/weft/instrument_abi.h).
//
// The shim keeps a table of 8-byte granules (open addressing in memory mapped once at
// start-up, fixed capacity): per granule the first thread that touched it, whether a second
// thread has touched it since (shared), and the first thread's last unlogged write and read
// (pc, size and kind, event count). An access is one of:
//   * the fast path: a granule only its first thread has touched, at a site that is no
//     candidate: remembered in the table, nothing else (no event, no schedule point);
//   * a schedule point followed by a MEM_READ / MEM_WRITE event: an access at a candidate
//     site (weft_session.memory_sites: sites that touched shared granules in earlier runs,
//     so that the first thread's accesses can be interleaved too), or any access to a
//     shared granule. The decision comes before the access is performed, so the chooser can
//     run another thread between a `count++`'s load and its store.
// The first access by a second thread makes the granule shared: its event is followed by
// the first thread's remembered accesses (PRIOR records). Sites of accesses to shared
// granules are reported once per run (SITE records): the supervisor makes them the
// candidates of later runs.
//
// Only the thread holding the turn runs controlled code, so the tables need no atomics.
// Accesses of threads weft does not control, before control starts, in a fork child, from a
// signal handler that interrupted the shim, or while the shim runs pass through untouched.
// When the granule table is full the shim says so once and tracks no new granule (accesses
// at candidate sites stay schedule points); it never fails the program.
#include <dlfcn.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "control.h"
#include "ring.h"
#include "weft/instrument_abi.h"

namespace {
// NB: before poison.h, which reserves the name of the record's field `write` (write(2)).
inline void SetPriorWrite(weft_prior_record* rec, bool is_write) { rec->write = is_write ? 1 : 0; }
using ShadowStackFn = uint32_t (*)(const void**, uint32_t);
}  // namespace

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {
namespace {

// The first thread's last access of a granule that no event logged; pc 0 = none.
struct LastAccess {
  uint64_t pc;
  uint64_t before;  // events emitted before it (PriorAccess::before_event)
  uint64_t raw;     // Raw(): size, offset in the granule, the runtime's WEFT_MEM_* flags
};

struct Granule {   // 64 bytes
  uint64_t key;    // the granule's address, 0 = empty
  uint32_t obj;    // its object id once an event named it
  uint16_t owner;  // the first thread that touched it
  uint8_t shared;  // a second thread has touched it
  uint8_t reserved;
  LastAccess last_write;
  LastAccess last_read;
};
static_assert(sizeof(Granule) == 64, "a granule is one cache line");

constexpr uint32_t kGranuleBits = 21;  // 2 Mi slots, 128 MiB reserved, touched lazily
constexpr uint64_t kGranuleSlots = 1ull << kGranuleBits;
constexpr uint64_t kGranuleLimit = kGranuleSlots / 4 * 3;
constexpr uint32_t kFoundBits = 17;  // sites reported per run
constexpr uint64_t kFoundSlots = 1ull << kFoundBits;

constinit bool g_memory_on = false;
constinit uint32_t g_memory_seen = 0;  // the WEFT_MEMORY_* sources raised so far
constinit bool g_table_full = false;
constinit Granule* g_granules = nullptr;
constinit uint64_t g_granules_used = 0;
constinit uint64_t* g_sites = nullptr;  // candidate sites, open addressing, 0 = empty
constinit uint64_t g_site_mask = 0;     // slots - 1; 0 = no candidate site
constinit uint64_t* g_found = nullptr;  // sites reported in this run
constinit uint64_t g_found_used = 0;
constinit ShadowStackFn g_shadow_stack = nullptr;

// NB: global scratch, not the target's stack: only the thread holding the turn uses them.
constinit uint64_t g_access_ips[WEFT_MAX_STACK_DEPTH] = {};
constinit const void* g_shadow[WEFT_MAX_STACK_DEPTH] = {};

inline uint64_t Mix(uint64_t v) {
  v *= 0x9e3779b97f4a7c15ull;
  return v ^ (v >> 29);
}

void* MapTable(uint64_t bytes) {
  long p = RawSyscall(SYS_mmap, 0, static_cast<long>(bytes), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  return p < 0 && p > -4096 ? nullptr : reinterpret_cast<void*>(p);
}

inline bool IsCandidate(uint64_t pc) {
  if (g_site_mask == 0) return false;
  for (uint64_t i = Mix(pc) & g_site_mask;; i = (i + 1) & g_site_mask) {
    uint64_t v = g_sites[i];
    if (v == pc) return true;
    if (v == 0) return false;
  }
}

[[gnu::noinline]] void TableFull() {
  if (g_table_full) return;
  g_table_full = true;
  __atomic_or_fetch(&g_session->memory, WEFT_MEMORY_TABLE_FULL, __ATOMIC_RELAXED);
  WriteStderr(
      "weft shim: the table of memory granules is full; accesses to memory first touched "
      "from now on are not tracked (they are no schedule points unless at a known site)\n");
}

// The granule at `key`, entered (`*fresh`) if new; nullptr when the table is full.
inline Granule* Probe(uint64_t key, bool* fresh) {
  const uint64_t mask = kGranuleSlots - 1;
  // NB: the granules of one 4 KiB page get consecutive slots (a page hashes to a block of
  // 512): a loop over an array stays on a few pages of the table (TLB and cache).
  uint64_t start = (Mix(key >> 12) >> (64 - kGranuleBits + 9)) << 9 | ((key >> 3) & 511);
  for (uint64_t i = start;; i = (i + 1) & mask) {
    Granule* g = &g_granules[i];
    if (g->key == key) {
      *fresh = false;
      return g;
    }
    if (g->key == 0) {
      if (g_granules_used >= kGranuleLimit) {
        TableFull();
        return nullptr;
      }
      ++g_granules_used;
      g->key = key;
      *fresh = true;
      return g;
    }
  }
}

// An access as the fast path keeps it: bits 0..31 the size, 32..34 the offset of its first
// byte in the granule, 40..55 the runtime's WEFT_MEM_* flags.
inline uint64_t Raw(uint64_t address, uint32_t size, uint32_t mem_flags) {
  return size | (address & 7) << 32 | static_cast<uint64_t>(mem_flags & 0xffff) << 40;
}

// The event flags (WEFT_F_READ for a compound access, WEFT_F_ATOMIC) and the arg
// (WEFT_MEM_ARG) of a raw access.
inline uint16_t EventFlags(uint64_t raw) {
  uint32_t mem_flags = static_cast<uint32_t>(raw >> 40);
  return static_cast<uint16_t>(
      ((mem_flags & WEFT_MEM_OP_MASK) == WEFT_MEM_READ_WRITE ? WEFT_F_READ : 0) |
      ((mem_flags & WEFT_MEM_ATOMIC) != 0 ? WEFT_F_ATOMIC : 0));
}
inline int64_t EventArg(uint64_t raw) {
  uint32_t mem_flags = static_cast<uint32_t>(raw >> 40);
  uint32_t order = (mem_flags & WEFT_MEM_ATOMIC) != 0 ? (mem_flags >> WEFT_MEM_ORDER_SHIFT) & 7 : 0;
  return WEFT_MEM_ARG(static_cast<uint32_t>(raw), (raw >> 32) & 7, order);
}
inline bool IsWrite(uint32_t mem_flags) { return (mem_flags & WEFT_MEM_OP_MASK) != WEFT_MEM_READ; }

inline void Remember(Granule* g, bool is_write, uint64_t pc, uint64_t raw) {
  LastAccess& last = is_write ? g->last_write : g->last_read;
  last.pc = pc;
  last.before = g_events;
  last.raw = raw;
}

// Reports `pc` as a site that touched a shared granule, once per run.
void NoteSite(uint64_t pc) {
  if (g_found == nullptr || pc == 0) return;
  const uint64_t mask = kFoundSlots - 1;
  uint64_t i = Mix(pc) & mask;
  for (;; i = (i + 1) & mask) {
    if (g_found[i] == pc) return;
    if (g_found[i] == 0) break;
  }
  if (g_found_used >= kFoundSlots / 4 * 3) return;  // more sites than a run reports
  ++g_found_used;
  g_found[i] = pc;
  weft_site_record rec{};
  rec.type = WEFT_REC_SITE;
  rec.pc = pc;
  RingWrite(&rec, 1);
}

// The stack of an access: its pc, then the runtime's shadow stack. 0 when stacks are off.
uint32_t AccessStack(uint64_t pc, bool with_shadow) {
  uint32_t max = g_session->capture_stacks;
  if (max == 0) return 0;
  if (max > WEFT_MAX_STACK_DEPTH) max = WEFT_MAX_STACK_DEPTH;
  g_access_ips[0] = pc;
  uint32_t depth = 1;
  if (with_shadow && g_shadow_stack != nullptr && max > 1) {
    uint32_t n = g_shadow_stack(g_shadow, max - 1);
    if (n > max - 1) n = max - 1;
    for (uint32_t i = 0; i < n; ++i)
      g_access_ips[depth++] = reinterpret_cast<uint64_t>(g_shadow[i]);
  }
  return InternStack(g_access_ips, depth);
}

void EmitPrior(Granule* g, bool is_write) {
  LastAccess& last = is_write ? g->last_write : g->last_read;
  if (last.pc == 0) return;
  weft_prior_record rec{};
  rec.type = WEFT_REC_PRIOR;
  SetPriorWrite(&rec, is_write);
  rec.flags = EventFlags(last.raw);
  rec.tid = g->owner;
  rec.stack = AccessStack(last.pc, false);
  rec.arg = EventArg(last.raw);
  rec.before_event = last.before;
  RingWrite(&rec, 1);
  NoteSite(last.pc);
  last.pc = 0;
}

// The slow path: a schedule point, then the access's event (and its prior accesses).
[[gnu::noinline]] void AccessPoint(Thread* self, Granule* g, uint64_t key, uint64_t raw,
                                   uint64_t pc) {
  const bool is_write = IsWrite(static_cast<uint32_t>(raw >> 40));
  const uint16_t flags = EventFlags(raw);
  const int64_t arg = EventArg(raw);
  uint32_t obj = g != nullptr ? g->obj : 0;
  if (obj == 0) {
    Object* o = TryObjectFor(reinterpret_cast<void*>(key), WEFT_OBJ_MEMORY);
    if (o == nullptr) return;  // no id to name it by: not a point
    obj = o->id;
    if (g != nullptr) g->obj = obj;
  }
  uint8_t kind = is_write ? WEFT_EV_MEM_WRITE : WEFT_EV_MEM_READ;
  Op op;
  op.kind = kind;
  op.flags = flags;
  op.addr = reinterpret_cast<void*>(key);
  op.obj = obj;
  op.arg = arg;
  ScheduleWithStack(self, op, AccessStack(pc, true));
  // NB: after the decision: the threads that ran meanwhile may have touched the granule.
  bool now_shared = false;
  if (g != nullptr) {
    if (!g->shared && g->owner != self->tid) {
      g->shared = 1;
      now_shared = true;
    } else if (!g->shared) {
      // This event supersedes the unlogged access of its kind.
      (is_write ? g->last_write : g->last_read).pc = 0;
    }
  }
  Emit(self, kind, flags, obj, arg);
  if (now_shared) {
    EmitPrior(g, true);
    EmitPrior(g, false);
  }
  if (g != nullptr && g->shared) NoteSite(pc);
}

// `source`: WEFT_MEMORY_INSTRUMENTED (the runtime) or WEFT_MEMORY_ATOMIC_SITES (a patched
// atomic instruction, hooks_atomic_sites.cc).
[[gnu::noinline]] void FirstAccess(uint32_t source) {
  g_memory_seen |= source;
  __atomic_or_fetch(&g_session->memory, source, __ATOMIC_RELAXED);
}

inline void Access(Thread* self, const void* addr, uint32_t size, uint32_t mem_flags,
                   const void* pc_ptr, uint32_t source) {
  const uint64_t address = reinterpret_cast<uint64_t>(addr);
  const uint64_t key = address & ~7ull;
  if (key == 0) return;  // the null page: the access faults, weft reports the crash
  const uint64_t pc = reinterpret_cast<uint64_t>(pc_ptr);
  const uint64_t raw = Raw(address, size, mem_flags);
  // An atomic site is always a point: its runs then depend on the seed alone (weft record
  // --seed N makes explore's run N), not on the sites earlier runs learned.
  const bool candidate = source == WEFT_MEMORY_ATOMIC_SITES || IsCandidate(pc);
  bool fresh = false;
  Granule* g = Probe(key, &fresh);
  if (g == nullptr) {
    if (candidate) AccessPoint(self, nullptr, key, raw, pc);
    return;
  }
  if (fresh) {
    g->owner = self->tid;
    if ((g_memory_seen & source) == 0) FirstAccess(source);
  }
  if (!candidate && !g->shared && g->owner == self->tid) {
    Remember(g, IsWrite(mem_flags), pc, raw);  // the fast path
    return;
  }
  AccessPoint(self, g, key, raw, pc);
}

}  // namespace

void MemoryInit() {
  weft_session* s = g_session;
  g_granules = static_cast<Granule*>(MapTable(kGranuleSlots * sizeof(Granule)));
  g_found = static_cast<uint64_t*>(MapTable(kFoundSlots * sizeof(uint64_t)));
  if (g_granules == nullptr || g_found == nullptr) {
    WriteStderr(
        "weft shim: cannot map the memory granule table; memory accesses are not "
        "scheduled in this run\n");
    return;
  }
  const weft_span& span = s->memory_sites;
  if (span.count != 0) {
    if (span.count > WEFT_MAX_MEMORY_SITES || span.offset > s->size ||
        span.count > (s->size - span.offset) / sizeof(uint64_t)) {
      Die("the session's memory sites lie outside the session memory");
    }
    uint64_t slots = 2;
    while (slots < 2 * span.count) slots *= 2;
    g_sites = static_cast<uint64_t*>(MapTable(slots * sizeof(uint64_t)));
    if (g_sites == nullptr) Die("cannot map the table of memory access sites");
    const uint64_t* pcs =
        reinterpret_cast<const uint64_t*>(reinterpret_cast<const uint8_t*>(s) + span.offset);
    const uint64_t mask = slots - 1;
    for (uint64_t k = 0; k < span.count; ++k) {
      uint64_t pc = pcs[k];
      if (pc == 0) continue;
      uint64_t i = Mix(pc) & mask;
      while (g_sites[i] != 0 && g_sites[i] != pc) i = (i + 1) & mask;
      g_sites[i] = pc;
    }
    g_site_mask = mask;
  }
  void* shadow = dlsym(RTLD_DEFAULT, "weft_rt_shadow_stack");
  __builtin_memcpy(&g_shadow_stack, &shadow, sizeof(g_shadow_stack));
  g_memory_on = true;
}

}  // namespace weft::shim

// Called by libweft_rt.so before every instrumented access (instrument_abi.h).
WEFT_EXPORT void weft_shim_access(const void* addr, uint32_t size, uint32_t flags, const void* pc) {
  using namespace weft::shim;
  if (g_state != ShimState::kOn || t_depth != 0 || !g_memory_on) return;
  Thread* self = t_self;
  if (self == nullptr || self->state != SlotState::kLive) return;
  if ((flags & WEFT_MEM_FENCE) != 0 || size == 0) return;
  // NB: the depth marks the shim as running: a signal handler's access, or a hook the
  // slow path reaches, passes through.
  t_depth = 1;
  Access(self, addr, size, flags, pc, WEFT_MEMORY_INSTRUMENTED);
  t_depth = 0;
}

namespace weft::shim {

void AtomicSiteAccess(const void* addr, uint32_t size, const void* pc) {
  if (g_state != ShimState::kOn || t_depth != 0 || !g_memory_on) return;
  Thread* self = t_self;
  if (self == nullptr || self->state != SlotState::kLive) return;
  t_depth = 1;
  Access(self, addr, size, WEFT_MEM_READ_WRITE | WEFT_MEM_ATOMIC | 5u << WEFT_MEM_ORDER_SHIFT, pc,
         WEFT_MEMORY_ATOMIC_SITES);
  t_depth = 0;
}

}  // namespace weft::shim
