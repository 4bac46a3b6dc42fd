// hooks_memory.cc — the memory accesses of instrumented builds (weft cc): libweft_rt.so
// calls weft_shim_access before every instrumented access (abi/weft/instrument_abi.h).
//
// The shim keeps a table of 8-byte granules (mapped once at start-up, fixed capacity; 32
// bytes a granule, two to a cache line: see Granule; a block of 512 per 4 KiB page of the
// program's memory, its home block or one a page map names: see HomeBlock). A
// granule is in one of three states, as in FastTrack:
//   * exclusive: only its first thread (the owner) has touched it. The table keeps the
//     owner's last unlogged write and read (pc, size and kind, event count).
//   * read-shared: other threads have read it, nobody has written it since. Reads are no
//     schedule points and no events (a table many threads read stays cheap); the table
//     keeps every thread's last unlogged read (the owner's in the granule, the others' in a
//     list of reader cells), since a later write must race with the reads it is not
//     ordered after.
//   * write-shared: another thread touched it and somebody wrote it since it was shared:
//     every access is a schedule point and an event.
// An access is one of:
//   * the fast path (no event, no schedule point): the owner's access to an exclusive
//     granule, or a read of a read-shared one, at a site that is no candidate;
//   * a schedule point followed by a MEM_READ / MEM_WRITE event: an access at a candidate
//     site (weft_session.memory_sites: sites that met a conflict in earlier runs, so that
//     the first thread's accesses can be interleaved too), any access to a write-shared
//     granule, and each change of state (the first access of a second thread; the first
//     write to a read-shared granule). The decision comes before the access is performed,
//     so the chooser can run another thread between a `count++`'s load and its store.
// A change of state is followed by the unlogged accesses the detector needs (PRIOR
// records): the owner's, and at a write to a read-shared granule every reader's. Sites are
// reported once per run (SITE records; the supervisor makes them the candidates of later
// runs) when they meet a conflict: the accesses to a write-shared granule and the unlogged
// accesses reported with it; on a read-shared one, the owner's write and the read that
// shared it only when the write is not ordered before the reading thread's creation.
// Which accesses are points follows from the candidate sites and the order of the accesses
// alone, which the schedule decides: the same decisions make the same points (replay).
//
// Only the thread holding the turn runs controlled code, so the tables need no atomics.
// Accesses of threads weft does not control, before control starts, in a fork child, from a
// signal handler that interrupted the shim, or while the shim runs pass through untouched.
// When the granule table (or the reader cells) is full the shim says so once and tracks no
// new granule (reader); accesses at candidate sites stay schedule points; it never fails the
// program.
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

enum GranuleState : uint8_t { kExclusive = 0, kReadShared = 1, kWriteShared = 2 };
constexpr uint16_t kNoOwner = 0xffff;  // new memory: its next access makes its owner
static_assert(WEFT_MAX_THREADS < kNoOwner, "thread ids stay below kNoOwner");

// A granule: 32 bytes, two to a cache line (the table's footprint is what an access that
// misses the cache pays). Its object id and the sizes of long accesses (ranges) are in side
// arrays by slot, which only the slow path reads.
struct Granule {
  uint64_t head;          // the granule's address | GranuleState | kLogged | owner << 48; 0 = empty
  uint64_t write;         // the owner's last unlogged write, packed (Pack); 0 = none
  uint64_t read;          // the owner's last unlogged read, packed
  uint32_t write_before;  // the low 32 bits of LastAccess::before of each
  uint32_t read_before;
};
static_assert(sizeof(Granule) == 32, "a granule is half a cache line");
constexpr uint64_t kKeyMask = 0x0000fffffffffff8ull;  // user addresses are below 2^47
constexpr uint64_t kStateMask = 3;
constexpr uint64_t kLogged = 4;  // an event named it since it was new
constexpr uint32_t kOwnerShift = 48;

inline uint64_t KeyOf(const Granule* g) { return g->head & kKeyMask; }
inline uint16_t OwnerOf(const Granule* g) { return static_cast<uint16_t>(g->head >> kOwnerShift); }
inline uint8_t StateOf(const Granule* g) { return static_cast<uint8_t>(g->head & kStateMask); }
inline void SetOwner(Granule* g, uint16_t owner) {
  g->head = (g->head & ~(0xffffull << kOwnerShift)) | static_cast<uint64_t>(owner) << kOwnerShift;
}
inline void SetState(Granule* g, uint8_t state) { g->head = (g->head & ~kStateMask) | state; }

// The last unlogged read of a thread other than the owner, of a read-shared granule.
struct Reader {   // 32 bytes
  uint32_t next;  // the granule's next reader cell, 0 = none
  uint16_t tid;
  uint16_t reserved;
  LastAccess last;
};
static_assert(sizeof(Reader) == 32, "a reader cell is half a cache line");

// Each page (4 KiB) of the program's memory that was touched has a block of 512 granule slots
// of its own, its granules in address order, as ThreadSanitizer's shadow is laid out: its
// home block (a hash of the page: the fast path's one load) when that was free at its first
// access, else the next free block, listed in a page map (open addressing by the page, 8
// consecutive pages to a cache line of it) that only the slow path reads.
constexpr uint32_t kBlockBits = 14;  // 16 Ki blocks: 64 MiB of the program's memory
constexpr uint32_t kBlocks = 1u << kBlockBits;
constexpr uint64_t kGranuleSlots = static_cast<uint64_t>(kBlocks) << 9;  // 256 MiB reserved
constexpr uint32_t kPageMapBits = 17;  // 1 MiB reserved: at most a quarter full in each class
constexpr uint64_t kPageMapSlots = 1ull << kPageMapBits;
// A page map entry: the page's tag (page << 1 | 1: user pages are below 2^35) above the
// byte offset of its block in the table (block << 14); 0 = empty.
constexpr uint32_t kEntryTagShift = 28;
constexpr uint64_t kEntryOffsetMask = (1ull << kEntryTagShift) - 1;
static_assert(kGranuleSlots * 32 <= (1ull << kEntryTagShift), "a block's offset fits its entry");
constexpr uint64_t kReaderCells = 1ull << 20;  // 32 MiB reserved, touched lazily
constexpr uint32_t kFoundBits = 17;            // sites reported per run
constexpr uint64_t kFoundSlots = 1ull << kFoundBits;

constinit bool g_memory_on = false;
constinit uint32_t g_memory_seen = 0;  // the WEFT_MEMORY_* sources raised so far
constinit bool g_table_full = false;
constinit bool g_readers_full = false;
constinit Granule* g_granules = nullptr;
constinit uint32_t* g_reader_of = nullptr;  // per granule slot: its first reader cell, 0 = none
constinit uint32_t* g_obj_of = nullptr;    // per granule slot: its object id once an event named it
constinit uint32_t* g_big_size = nullptr;  // per granule slot, write then read: a size >= kBigSize
constinit Reader* g_readers = nullptr;     // cell 0 unused
constinit uint64_t g_readers_used = 1;
constinit uint64_t* g_pages = nullptr;       // the page map; 0 = empty
constinit uint64_t* g_block_page = nullptr;  // per block: the page it holds, 0 = free
constinit uint32_t g_blocks_used = 0;
constinit uint32_t g_free_cursor = 0;   // where the search for a free block goes on
constinit uint64_t* g_sites = nullptr;  // candidate sites, open addressing, 0 = empty
constinit uint64_t g_site_mask = 0;     // slots - 1; 0 = no candidate site
constinit uint64_t* g_found = nullptr;  // sites reported in this run
constinit uint64_t g_found_used = 0;
constinit ShadowStackFn g_shadow_stack = nullptr;

// Each thread's last allocated block (by tid): [start, end), its allocation as a write.
struct AllocatedBlock {
  uint64_t start;
  uint64_t end;     // 0 = none
  uint64_t site;    // LastAccess::pc of the allocation: kAllocationSite | its stack
  uint64_t before;  // events emitted before it
};
// LastAccess::pc of an allocation (kRawAllocation): this bit, and the stack of the
// allocation call in the low 32 bits (0: stacks are off), interned when it was made (the
// malloc's caller and the runtime's shadow stack: C++'s operator new has the user's frames
// under it).
constexpr uint64_t kAllocationSite = 1ull << 32;
constinit AllocatedBlock g_last_block[WEFT_MAX_THREADS] = {};
constinit uint32_t g_last_block_tids = 0;  // tids below it may have a last block

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

// The page map's slot for `page` first: its group of 8 (pages that differ in the low three
// bits of their number share a cache line of the map) chosen by a hash, then its place in
// the group. A page that finds its slot taken goes on to the same place of the next group.
// (A multiplicative hash: the high bits of the product.)
inline uint64_t PageSlot(uint64_t page) {
  return ((page >> 3) * 0x9e3779b97f4a7c15ull) >> (64 - (kPageMapBits - 3)) << 3 | (page & 7);
}
inline uint64_t PageTag(uint64_t page) { return (page << 1 | 1) << kEntryTagShift; }
inline Granule* BlockAt(uint64_t entry) {
  return reinterpret_cast<Granule*>(reinterpret_cast<char*>(g_granules) +
                                    (entry & kEntryOffsetMask));
}
inline uint64_t SlotInBlock(uint64_t key) { return (key >> 3) & 511; }
inline uint64_t HomeBlock(uint64_t page) {
  return (page * 0x9e3779b97f4a7c15ull) >> (64 - kBlockBits);
}

// The first granule slot of the block of `page` (a user page: 1 <= page < 2^35); nullptr
// when it has none and `enter` is false, or the table is full. `enter`: give it one.
Granule* BlockOf(uint64_t page, bool enter) {
  const uint64_t home = HomeBlock(page);
  if (g_block_page[home] == page) return &g_granules[home << 9];
  const uint64_t tag = PageTag(page);
  uint64_t i = PageSlot(page);
  for (uint64_t n = 0; n < kPageMapSlots / 8; ++n, i = (i + 8) & (kPageMapSlots - 1)) {
    const uint64_t e = g_pages[i];
    if ((e & ~kEntryOffsetMask) == tag) return BlockAt(e);
    if (e == 0) {
      if (!enter) return nullptr;
      if (g_blocks_used >= kBlocks) break;
      ++g_blocks_used;
      if (g_block_page[home] == 0) {
        g_block_page[home] = page;
        return &g_granules[home << 9];
      }
      // NB: one exists (g_blocks_used was below kBlocks); the cursor passes each block once.
      while (g_block_page[g_free_cursor] != 0) g_free_cursor = (g_free_cursor + 1) & (kBlocks - 1);
      g_block_page[g_free_cursor] = page;
      g_pages[i] = tag | static_cast<uint64_t>(g_free_cursor) << 14;
      return BlockAt(g_pages[i]);
    }
  }
  if (enter) TableFull();  // NB: also when the pages of one place in their groups fill it
  return nullptr;
}

// The granule at `key`, entered (`*fresh`) if new; nullptr when the table is full.
inline Granule* Probe(uint64_t key, bool* fresh) {
  Granule* block = BlockOf(key >> 12, true);
  if (block == nullptr) return nullptr;
  Granule* g = &block[SlotInBlock(key)];
  *fresh = g->head == 0;
  if (*fresh) g->head = key;
  return g;
}

// An access as the fast path keeps it: bits 0..31 the size, 32..34 the offset of its first
// byte in the granule, 40..55 the runtime's WEFT_MEM_* flags, 63 kRawAllocation.
inline uint64_t Raw(uint64_t address, uint32_t size, uint32_t mem_flags) {
  return size | (address & 7) << 32 | static_cast<uint64_t>(mem_flags & 0xffff) << 40;
}
// LastAccess::raw: the write is the allocation of the granule's block (its pc malloc's
// caller), as ThreadSanitizer counts an allocation a write of the whole block.
constexpr uint64_t kRawAllocation = 1ull << 63;

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

// A granule's kept access in one word: the pc in bits 0..46 and, from bit 47, the access's
// size (kBigSize and above: g_big_size has it), its offset in the granule, operation,
// atomic bit, order, and kRawAllocation (bit 63 in both). What EventFlags and EventArg read.
constexpr uint32_t kPcBits = 47;
constexpr uint64_t kPcMask = (1ull << kPcBits) - 1;
constexpr uint32_t kBigSize = 127;
inline uint64_t PackInfo(uint64_t address, uint32_t size, uint32_t mem_flags) {
  const uint64_t small = size < kBigSize ? size : kBigSize;
  return (small | (address & 7) << 7 | static_cast<uint64_t>(mem_flags & 7) << 10 |
          static_cast<uint64_t>((mem_flags >> WEFT_MEM_ORDER_SHIFT) & 7) << 13)
         << kPcBits;
}
inline uint64_t PackRaw(uint64_t raw) {
  return PackInfo(raw >> 32, static_cast<uint32_t>(raw), static_cast<uint32_t>(raw >> 40)) |
         (raw & kRawAllocation);
}
inline uint64_t UnpackRaw(uint64_t word, uint32_t big_size) {
  const uint64_t info = word >> kPcBits;
  const uint64_t small = info & 127;
  const uint64_t size = small == kBigSize ? big_size : small;
  const uint64_t mem_flags = ((info >> 10) & 7) | ((info >> 13) & 7) << WEFT_MEM_ORDER_SHIFT;
  return size | ((info >> 7) & 7) << 32 | mem_flags << 40 | (word & kRawAllocation);
}
// The events count of a kept access from its low 32 bits (it is at most the count now).
inline uint64_t Widen(uint32_t before) {
  const uint64_t now = g_sched->events;
  return now - static_cast<uint32_t>(static_cast<uint32_t>(now) - before);
}
inline uint64_t Slot(const Granule* g) { return static_cast<uint64_t>(g - g_granules); }

// The owner's kept write (or read) of `g`, pc 0 = none.
LastAccess LoadAccess(const Granule* g, bool is_write) {
  const uint64_t word = is_write ? g->write : g->read;
  if (word == 0) return LastAccess{};
  return LastAccess{word & kPcMask, Widen(is_write ? g->write_before : g->read_before),
                    UnpackRaw(word, g_big_size[Slot(g) * 2 + (is_write ? 0 : 1)])};
}
void StoreAccess(Granule* g, bool is_write, const LastAccess& a) {
  uint64_t& word = is_write ? g->write : g->read;
  if (a.pc == 0) {
    word = 0;
    return;
  }
  if (static_cast<uint32_t>(a.raw) >= kBigSize)
    g_big_size[Slot(g) * 2 + (is_write ? 0 : 1)] = static_cast<uint32_t>(a.raw);
  word = (a.pc & kPcMask) | PackRaw(a.raw);
  (is_write ? g->write_before : g->read_before) = static_cast<uint32_t>(a.before);
}
// Takes the owner's kept write (or read) of `g` out: returns it, pc 0 = none.
LastAccess TakeAccess(Granule* g, bool is_write) {
  LastAccess taken = LoadAccess(g, is_write);
  (is_write ? g->write : g->read) = 0;
  return taken;
}

// The fast path's store of the owner's access (NB: `size` below kBigSize, or the slow path's
// call with a range: g_big_size then).
[[gnu::always_inline]] inline void Remember(Granule* g, bool is_write, uint64_t pc,
                                            uint64_t address, uint32_t size, uint32_t mem_flags) {
  uint64_t& word = is_write ? g->write : g->read;
  uint32_t& before = is_write ? g->write_before : g->read_before;
  const uint32_t now = static_cast<uint32_t>(g_sched->events);
  // The owner's write with no event since it allocated the block is the same access as the
  // allocation, as ThreadSanitizer has it (the same epoch): a race names the allocation.
  if (is_write && (word & kRawAllocation) != 0 && before == now) return;
  if (__builtin_expect(size >= kBigSize, false))
    g_big_size[Slot(g) * 2 + (is_write ? 0 : 1)] = size;
  word = (pc & kPcMask) | PackInfo(address, size, mem_flags);
  before = now;
}

[[gnu::noinline]] void ReadersFull() {
  if (g_readers_full) return;
  g_readers_full = true;
  __atomic_or_fetch(&g_session->memory, WEFT_MEMORY_TABLE_FULL, __ATOMIC_RELAXED);
  WriteStderr(
      "weft shim: the table of readers of shared memory is full; reads of memory many threads "
      "read are not all remembered from now on (a later write may not race with them)\n");
}

// Remembers a read of read-shared granule `g` by `tid`, not its owner.
void RememberReader(Granule* g, uint16_t tid, uint64_t pc, uint64_t raw) {
  uint32_t* head = &g_reader_of[Slot(g)];
  for (uint32_t prev = 0, i = *head; i != 0; prev = i, i = g_readers[i].next) {
    if (g_readers[i].tid == tid) {
      g_readers[i].last = LastAccess{pc, g_sched->events, raw};
      if (prev != 0) {  // to the front: the fast path looks at the first cell only
        g_readers[prev].next = g_readers[i].next;
        g_readers[i].next = *head;
        *head = i;
      }
      return;
    }
  }
  if (g_readers_used >= kReaderCells) {
    ReadersFull();
    return;
  }
  uint32_t i = static_cast<uint32_t>(g_readers_used++);
  g_readers[i].next = *head;
  g_readers[i].tid = tid;
  g_readers[i].last = LastAccess{pc, g_sched->events, raw};
  *head = i;
}

// Takes `tid`'s unlogged read of `g` out (an event logged a later one): returns it, pc 0 =
// none.
LastAccess TakeRead(Granule* g, uint16_t tid) {
  LastAccess taken{};
  if (OwnerOf(g) == tid) return TakeAccess(g, false);
  for (uint32_t i = g_reader_of[Slot(g)]; i != 0; i = g_readers[i].next) {
    if (g_readers[i].tid == tid) {
      taken = g_readers[i].last;
      g_readers[i].last.pc = 0;
    }
  }
  return taken;
}

// The allocation of `b` as the last write of its granule `key`.
LastAccess AllocationWrite(const AllocatedBlock& b, uint64_t key) {
  const uint64_t lo = b.start > key ? b.start : key;
  const uint64_t hi = b.end < key + 8 ? b.end : key + 8;
  return LastAccess{b.site, b.before,
                    Raw(lo, static_cast<uint32_t>(hi - lo), WEFT_MEM_WRITE) | kRawAllocation};
}

// New memory `g` (never touched, or handed out again) gets its owner: the thread whose last
// allocated block holds it, with the allocation as its last write (ThreadSanitizer's model:
// an allocation writes the block, so another thread's access that is not ordered after it
// races with it), else `self`. NB: only each thread's last block: a granule of an older one
// first touched now is `self`'s, as before the allocator's hooks knew of it.
void NewGranule(const Thread* self, Granule* g) {
  const uint64_t key = KeyOf(g);
  const AllocatedBlock* own = &g_last_block[self->tid];
  if (key + 8 > own->start && key < own->end) {
    SetOwner(g, self->tid);
    StoreAccess(g, true, AllocationWrite(*own, key));
    return;
  }
  for (uint32_t tid = 0; tid < g_last_block_tids; ++tid) {
    const AllocatedBlock& b = g_last_block[tid];
    if (key + 8 > b.start && key < b.end) {
      SetOwner(g, static_cast<uint16_t>(tid));
      StoreAccess(g, true, AllocationWrite(b, key));
      return;
    }
  }
  SetOwner(g, self->tid);
}

// Whether `g`'s owner has done nothing to it but allocate it (and write it in the same
// epoch, Remember): its first access by another thread takes it over.
inline bool OnlyAllocated(const Granule* g) {
  return g->write != 0 && (g->write & kRawAllocation) != 0 && g->read == 0 &&
         (g->head & kLogged) == 0;
}

// Whether a write of `owner` `before` events were emitted happened before every access of
// thread `tid`: `owner` created `tid` (or one of its creators) after it.
bool BeforeCreation(uint16_t owner, uint64_t before, uint16_t tid) {
  for (uint32_t hops = 0; hops < WEFT_MAX_THREADS; ++hops) {
    Thread* t = ThreadByTid(tid);
    if (t == nullptr || t->parent == tid) return false;  // the main thread: no creator
    if (t->parent == owner) return before <= t->created_at;
    tid = t->parent;
  }
  return false;
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

// Writes `last`, an unlogged access of thread `tid`, as a PRIOR record after the event just
// emitted; `learn`: its site becomes a candidate (never an allocation's: no access is there).
void EmitPrior(LastAccess* last, uint16_t tid, bool is_write, bool learn) {
  if (last->pc == 0) return;
  const bool allocation = (last->raw & kRawAllocation) != 0;
  weft_prior_record rec{};
  rec.type = WEFT_REC_PRIOR;
  SetPriorWrite(&rec, is_write);
  rec.flags = EventFlags(last->raw);
  rec.tid = tid;
  rec.stack = allocation ? static_cast<uint32_t>(last->pc) : AccessStack(last->pc, false);
  rec.arg = EventArg(last->raw);
  rec.before_event = last->before;
  RingWrite(&rec, 1);
  if (learn && !allocation) NoteSite(last->pc);
  last->pc = 0;
}

// The reads of read-shared `g` by threads other than its owner, as PRIOR records; the
// granule forgets its readers.
void EmitReaders(Granule* g) {
  uint32_t* head = &g_reader_of[Slot(g)];
  for (uint32_t i = *head; i != 0; i = g_readers[i].next) {
    EmitPrior(&g_readers[i].last, g_readers[i].tid, false, true);
  }
  *head = 0;  // NB: the cells are not reused: a run has room for kReaderCells readers
}

// The slow path: a schedule point, then the access's event (and its prior accesses).
[[gnu::noinline]] void AccessPoint(Thread* self, Granule* g, uint64_t key, uint64_t raw,
                                   uint64_t pc) {
  const bool is_write = IsWrite(static_cast<uint32_t>(raw >> 40));
  const uint16_t flags = EventFlags(raw);
  const int64_t arg = EventArg(raw);
  uint32_t obj = g != nullptr ? g_obj_of[Slot(g)] : 0;
  if (obj == 0) {
    Object* o = TryObjectFor(reinterpret_cast<void*>(key), WEFT_OBJ_MEMORY);
    if (o == nullptr) return;  // no id to name it by: not a point
    obj = o->id;
    if (g != nullptr) g_obj_of[Slot(g)] = obj;
  }
  uint8_t kind = is_write ? WEFT_EV_MEM_WRITE : WEFT_EV_MEM_READ;
  Op op;
  op.kind = kind;
  op.flags = flags;
  op.addr = reinterpret_cast<void*>(key);
  op.obj = obj;
  op.arg = arg;
  // A change of state is made before the decision, so that the threads that run meanwhile
  // see it: the other readers of a granule that is becoming read-shared take the fast path.
  uint8_t from = kWriteShared;  // the state this access moves the granule from
  bool learn_owner = true;      // the owner's unlogged accesses meet a conflict
  // Memory another thread only allocated: this thread takes it over (it stays exclusive, a
  // block handed to another thread is not shared memory), after the event the allocation is
  // its prior write, so the detector checks that this access is ordered after it.
  LastAccess allocation{};
  uint16_t allocator = kNoOwner;
  if (g != nullptr && OwnerOf(g) != self->tid && StateOf(g) == kExclusive && OnlyAllocated(g)) {
    allocator = OwnerOf(g);
    allocation = TakeAccess(g, true);
    SetOwner(g, self->tid);
  }
  if (g != nullptr) {
    from = StateOf(g);
    if (OwnerOf(g) != self->tid && StateOf(g) == kExclusive) {
      SetState(g, is_write ? kWriteShared : kReadShared);
      learn_owner = is_write || (g->write != 0 &&
                                 !BeforeCreation(OwnerOf(g), Widen(g->write_before), self->tid));
    } else if (StateOf(g) == kReadShared && is_write) {
      SetState(g, kWriteShared);
    } else {
      from = kWriteShared;  // no change
    }
  }
  ScheduleWithStack(self, op, AccessStack(pc, true));
  // NB: after the decision: the threads that ran meanwhile may have touched the granule.
  LastAccess earlier_read{};  // this thread's unlogged read this event supersedes
  if (g != nullptr && from == kWriteShared && StateOf(g) != kWriteShared) {
    // This event supersedes the unlogged access of its kind.
    if (is_write) {
      if (OwnerOf(g) == self->tid) g->write = 0;
    } else {
      earlier_read = TakeRead(g, self->tid);
    }
  }
  // A read with events since (the thread may have synchronized in between: a check made
  // under a lock) is reported all the same; the detector keeps it beside this one when the
  // thread did, so that a write that races with both names it.
  if (earlier_read.before == g_sched->events) earlier_read.pc = 0;
  Emit(self, kind, flags, obj, arg);
  if (g != nullptr) g->head |= kLogged;
  EmitPrior(&earlier_read, self->tid, false, false);
  if (allocator != kNoOwner) EmitPrior(&allocation, allocator, true, false);
  if (from != kWriteShared) {
    // What the threads that ran meanwhile did not report yet (EmitPrior skips what is
    // gone). NB: in any order: the detector places each after its thread's last event
    // before it.
    LastAccess owner_write = TakeAccess(g, true);
    LastAccess owner_read = TakeAccess(g, false);
    EmitPrior(&owner_write, OwnerOf(g), true, learn_owner);
    EmitPrior(&owner_read, OwnerOf(g), false, learn_owner);
    if (from == kReadShared || StateOf(g) == kWriteShared) EmitReaders(g);
    if (StateOf(g) == kReadShared && learn_owner) NoteSite(pc);
  }
  if (g != nullptr && StateOf(g) == kWriteShared) NoteSite(pc);
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
  // The null page (the access faults, weft reports the crash) and what is no user address.
  if (key < 4096 || key > kKeyMask) return;
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
    NewGranule(self, g);
    if ((g_memory_seen & source) == 0) FirstAccess(source);
  } else if (OwnerOf(g) == kNoOwner) {
    NewGranule(self, g);  // memory the allocator handed out again
  }
  if (!candidate) {
    const bool is_write = IsWrite(mem_flags);
    if (StateOf(g) == kExclusive && OwnerOf(g) == self->tid) {
      Remember(g, is_write, pc, address, size, mem_flags);  // the fast path
      return;
    }
    if (StateOf(g) == kReadShared && !is_write) {
      if (OwnerOf(g) == self->tid) {
        Remember(g, false, pc, address, size, mem_flags);
      } else {
        RememberReader(g, self->tid, pc, raw);
      }
      return;
    }
  }
  AccessPoint(self, g, key, raw, pc);
}

// Makes `g` memory only `owner` has touched, with `last_write` its last write (kNoOwner:
// new memory).
void Reset(Granule* g, uint16_t owner, const LastAccess& last_write) {
  g->head = KeyOf(g) | static_cast<uint64_t>(owner) << kOwnerShift;  // exclusive, not logged
  StoreAccess(g, true, last_write);
  g->read = 0;
  g_reader_of[Slot(g)] = 0;
}

// The granules of [addr, addr + size), for each one the table has: a page at a time.
template <typename F>
void ForEachGranule(uint64_t addr, uint64_t size, F f) {
  uint64_t end = addr + size < addr ? UINT64_MAX : addr + size;
  if (end > kKeyMask + 1) end = kKeyMask + 1;
  uint64_t key = addr & ~7ull;
  if (key < 4096) key = 4096;
  while (key < end) {
    const uint64_t page_end = (key | 4095) + 1;
    const uint64_t stop = end < page_end ? end : page_end;
    if (Granule* block = BlockOf(key >> 12, false)) {
      for (; key < stop; key += 8) {
        Granule* g = &block[SlotInBlock(key)];
        if (g->head != 0) f(g);
      }
    }
    key = page_end;
  }
}

// Forgets the last allocated blocks that overlap [addr, end): memory freed or handed out
// again is no longer theirs.
void ForgetBlocks(uint64_t addr, uint64_t end) {
  for (uint32_t tid = 0; tid < g_last_block_tids; ++tid) {
    AllocatedBlock& b = g_last_block[tid];
    if (b.end > addr && b.start < end) b.end = 0;
  }
}

// The allocator handed [addr, addr + size) out to `self` at `pc`: new memory, whoever
// touched it before, written by its allocation; `self`'s last block.
void HeapAlloc(const Thread* self, uint64_t addr, uint64_t size, uint64_t pc) {
  const uint64_t end = addr + size < addr ? UINT64_MAX : addr + size;
  ForgetBlocks(addr, end);
  AllocatedBlock& b = g_last_block[self->tid];
  b = AllocatedBlock{addr, end, kAllocationSite | AccessStack(pc, true), g_sched->events};
  if (self->tid >= g_last_block_tids) g_last_block_tids = self->tid + 1u;
  if (g_blocks_used == 0) return;
  ForEachGranule(addr, size, [](Granule* g) {
    if (OwnerOf(g) != kNoOwner) Reset(g, kNoOwner, LastAccess{});
  });
}

// `self` frees [addr, addr + size): a write of the whole block. When the detector knows of
// accesses to it (an event named one of its granules) or another thread touched it, the
// free is a schedule point and a MEM_WRITE event with WEFT_F_FREE (the detector checks it,
// then forgets the block's accesses), followed by the first granule's unlogged accesses
// when another thread owned it. Then each granule is `self`'s with the free as its last
// write: an access of another thread before the allocator hands the block out again is a
// use after free, which races with the free unless ordered after it.
void HeapFree(Thread* self, uint64_t addr, uint64_t size, uint64_t pc) {
  ForgetBlocks(addr, addr + size < addr ? UINT64_MAX : addr + size);
  if (g_blocks_used == 0) return;
  bool point = false;
  ForEachGranule(addr, size, [&](Granule* g) {
    point = point || (g->head & kLogged) != 0 || StateOf(g) != kExclusive ||
            (OwnerOf(g) != self->tid && OwnerOf(g) != kNoOwner);
  });
  const uint32_t bytes = size > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(size);
  if (point) {
    const uint64_t key = addr & ~7ull;
    bool fresh = false;
    Granule* g = Probe(key, &fresh);
    if (g != nullptr && fresh) SetOwner(g, kNoOwner);
    uint32_t obj = g != nullptr ? g_obj_of[Slot(g)] : 0;
    if (obj == 0) {
      Object* o = TryObjectFor(reinterpret_cast<void*>(key), WEFT_OBJ_MEMORY);
      if (o != nullptr) {
        obj = o->id;
        if (g != nullptr) g_obj_of[Slot(g)] = obj;
      }
    }
    if (obj != 0) {
      const int64_t arg = WEFT_MEM_ARG(bytes, addr & 7, 0);
      Op op;
      op.kind = WEFT_EV_MEM_WRITE;
      op.flags = WEFT_F_FREE;
      op.addr = reinterpret_cast<void*>(key);
      op.obj = obj;
      op.arg = arg;
      ScheduleWithStack(self, op, AccessStack(pc, true));
      Emit(self, WEFT_EV_MEM_WRITE, WEFT_F_FREE, obj, arg);
      if (g != nullptr && OwnerOf(g) != self->tid && OwnerOf(g) != kNoOwner &&
          StateOf(g) == kExclusive) {
        LastAccess owner_write = TakeAccess(g, true);
        LastAccess owner_read = TakeAccess(g, false);
        EmitPrior(&owner_write, OwnerOf(g), true, true);
        EmitPrior(&owner_read, OwnerOf(g), false, true);
      }
    }
  }
  const LastAccess freed{pc, g_sched->events, Raw(addr & ~7ull, 8, WEFT_MEM_WRITE)};
  ForEachGranule(addr, size, [&](Granule* g) { Reset(g, self->tid, freed); });
}

}  // namespace

void MemoryInit() {
  weft_session* s = g_session;
  g_granules = static_cast<Granule*>(MapTable(kGranuleSlots * sizeof(Granule)));
  g_pages = static_cast<uint64_t*>(MapTable(kPageMapSlots * sizeof(uint64_t)));
  g_block_page = static_cast<uint64_t*>(MapTable(kBlocks * sizeof(uint64_t)));
  g_found = static_cast<uint64_t*>(MapTable(kFoundSlots * sizeof(uint64_t)));
  g_reader_of = static_cast<uint32_t*>(MapTable(kGranuleSlots * sizeof(uint32_t)));
  g_readers = static_cast<Reader*>(MapTable(kReaderCells * sizeof(Reader)));
  g_obj_of = static_cast<uint32_t*>(MapTable(kGranuleSlots * sizeof(uint32_t)));
  g_big_size = static_cast<uint32_t*>(MapTable(kGranuleSlots * 2 * sizeof(uint32_t)));
  if (g_granules == nullptr || g_pages == nullptr || g_block_page == nullptr ||
      g_found == nullptr || g_reader_of == nullptr || g_readers == nullptr || g_obj_of == nullptr ||
      g_big_size == nullptr) {
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
  // NB: the runtime's malloc is the program's only when the runtime comes before libc.so.6
  // among the program's libraries (glibc's malloc is its __libc_malloc under another name).
  // Otherwise no block freed and allocated again is reported (a Rust build whose link
  // arguments put the runtime last): the supervisor says so.
  void* malloc_fn = dlsym(RTLD_DEFAULT, "malloc");
  if (shadow != nullptr && malloc_fn != nullptr &&
      malloc_fn == dlsym(RTLD_DEFAULT, "__libc_malloc")) {
    __atomic_or_fetch(&s->memory, WEFT_MEMORY_FOREIGN_HEAP, __ATOMIC_RELAXED);
  }
  g_memory_on = true;
}

}  // namespace weft::shim

namespace weft::shim {
namespace {

// The fast path of an instrumented access, inline in weft_shim_access and the entry points:
// the owner's access to an exclusive granule, or a read of a read-shared one (another
// thread's when its reader cell is the granule's first), at a site that is no candidate,
// found in its page's home block; it only remembers the access. False: take Access.
// NB: without t_depth, which costs two stores and a load per access (a third of the fast
// path): nothing here calls out or enters a granule, so a signal handler's access that
// interrupts it can at worst remember its own access of the same granule in between, and
// one of the two is kept (or a mix of both, pc of one and size of the other: an unlogged
// access only a later race report names).
// `g`: the slot where the granule of `address` is if its page has its home block.
// NB: the head holds the granule's address: in a block another page holds, or one not in
// use, it is not this one's (no page holds page 0).
[[gnu::always_inline]] inline bool FastAccessAt(const Thread* self, Granule* g, uint64_t address,
                                                uint32_t size, uint32_t mem_flags, uint64_t pc) {
  const uint64_t key = address & ~7ull;
  const uint64_t head = g->head & ~kLogged;
  const uint64_t mine = key | static_cast<uint64_t>(self->tid) << kOwnerShift;
  const bool is_write = IsWrite(mem_flags);
  if (head != mine) {  // not exclusive to this thread
    if (is_write || (head & ~(0xffffull << kOwnerShift)) != (key | kReadShared)) return false;
    if (head != (mine | kReadShared)) {
      // Another thread's read of a read-shared granule whose first reader cell is its own
      // (RememberReader moves a thread's cell to the front).
      const uint32_t cell = g_reader_of[Slot(g)];
      if (cell == 0 || g_readers[cell].tid != self->tid || IsCandidate(pc)) return false;
      g_readers[cell].last = LastAccess{pc, g_sched->events, Raw(address, size, mem_flags)};
      return true;
    }
  }
  if (IsCandidate(pc)) return false;
  Remember(g, is_write, pc, address, size, mem_flags);
  return true;
}
[[gnu::always_inline]] inline bool FastAccess(const Thread* self, uint64_t address, uint32_t size,
                                              uint32_t mem_flags, uint64_t pc) {
  Granule* g = &g_granules[HomeBlock(address >> 12) << 9 | SlotInBlock(address)];
  return FastAccessAt(self, g, address, size, mem_flags, pc);
}

// The granule of `key` when its page has a block other than its home block; else nullptr.
inline Granule* OverflowGranule(uint64_t key) {
  const uint64_t page = key >> 12;
  if (g_block_page[HomeBlock(page)] == page) return nullptr;  // where the fast path looked
  Granule* block = BlockOf(page, false);
  return block != nullptr ? &block[SlotInBlock(key)] : nullptr;
}

// New memory of `self`'s last allocated block (a granule never touched, or handed out
// again) at a site that is no candidate: what Access would do (NewGranule: `self` owns it,
// its allocation its last write; then the owner's access) without entering the shim, as the
// fast path. False: Access must. NB: no t_depth, as in FastAccess: a signal handler's access
// in between takes the same granule the same way, or remembers its own access, which this
// one may overwrite.
inline bool OwnNewMemory(const Thread* self, uint64_t address, uint32_t size, uint32_t flags,
                         uint64_t pc) {
  const uint64_t key = address & ~7ull;
  const AllocatedBlock& own = g_last_block[self->tid];
  if (key + 8 <= own.start || key >= own.end) return false;
  if ((g_memory_seen & WEFT_MEMORY_INSTRUMENTED) == 0) return false;  // FirstAccess first
  Granule* block = BlockOf(key >> 12, false);  // (a page without a block: Access enters it)
  if (block == nullptr) return false;
  Granule* g = &block[SlotInBlock(key)];
  constexpr uint64_t kNoOwnerHead = static_cast<uint64_t>(kNoOwner) << kOwnerShift;
  if ((g->head != 0 && g->head != (key | kNoOwnerHead)) || IsCandidate(pc)) return false;
  // NB: a granule handed out again was Reset: its read and reader cells are gone.
  g->head = key | static_cast<uint64_t>(self->tid) << kOwnerShift;  // exclusive, not logged
  StoreAccess(g, true, AllocationWrite(own, key));
  Remember(g, IsWrite(flags), pc, address, size, flags);
  return true;
}

// Any other access. NB: out of line, so that the fast path saves no registers.
[[gnu::noinline]] void SlowAccess(Thread* self, const void* addr, uint32_t size, uint32_t flags,
                                  const void* pc) {
  // The fast path again, in a page whose block is not its home block.
  Granule* moved = OverflowGranule(reinterpret_cast<uint64_t>(addr) & ~7ull);
  if (moved != nullptr && FastAccessAt(self, moved, reinterpret_cast<uint64_t>(addr), size, flags,
                                       reinterpret_cast<uint64_t>(pc))) {
    return;
  }
  if (OwnNewMemory(self, reinterpret_cast<uint64_t>(addr), size, flags,
                   reinterpret_cast<uint64_t>(pc))) {
    return;
  }
  // NB: the depth marks the shim as running: a signal handler's access, or a hook the
  // slow path reaches, passes through.
  t_depth = 1;
  EnterShim(self);  // (a thread whose turn was taken waits here to be picked again)
  Access(self, addr, size, flags, pc, WEFT_MEMORY_INSTRUMENTED);
  LeaveShim(self);
  t_depth = 0;
}

}  // namespace
}  // namespace weft::shim

namespace weft::shim {
namespace {

// An instrumented access of any kind once memory tracking is on (g_memory_on): the fast
// path inline, else the slow path.
[[gnu::always_inline]] inline void TrackedAccess(const void* addr, uint32_t size, uint32_t flags,
                                                 const void* pc) {
  if (g_state != ShimState::kOn || t_depth != 0) return;
  Thread* self = t_self;
  if (self == nullptr || self->state != SlotState::kLive) return;
  if ((flags & WEFT_MEM_FENCE) != 0 || size == 0) return;
  if (FastAccess(self, reinterpret_cast<uint64_t>(addr), size, flags,
                 reinterpret_cast<uint64_t>(pc))) {
    return;
  }
  SlowAccess(self, addr, size, flags, pc);
}

}  // namespace
}  // namespace weft::shim

// Called by libweft_rt.so before every instrumented access (instrument_abi.h).
WEFT_EXPORT void weft_shim_access(const void* addr, uint32_t size, uint32_t flags, const void* pc) {
  if (weft::shim::g_memory_on) weft::shim::TrackedAccess(addr, size, flags, pc);
}

// The plain access entry points of the compilers' -fsanitize=thread instrumentation, the
// commonest calls of an instrumented program, defined here as well as in libweft_rt.so: the
// shim is preloaded, so the program's calls (and those of instrumented libraries it loads
// later) reach these first, one call per access instead of the runtime's call into
// weft_shim_access. They do what the runtime's do: report the access at the caller's pc.
// NB: a program built with ThreadSanitizer's own runtime (libtsan) would reach these too and
// lose its accesses to TSan; it does not run under weft (TSan's pthread_once interceptor
// fails the shim's glibc layout check at start-up).
#define WEFT_TSAN_PLAIN_ENTRIES(N)                             \
  WEFT_PLAIN_ENTRY(__tsan_read##N, N, WEFT_MEM_READ)           \
  WEFT_PLAIN_ENTRY(__tsan_write##N, N, WEFT_MEM_WRITE)         \
  WEFT_PLAIN_ENTRY(__tsan_unaligned_read##N, N, WEFT_MEM_READ) \
  WEFT_PLAIN_ENTRY(__tsan_unaligned_write##N, N, WEFT_MEM_WRITE)
#define WEFT_PLAIN_ENTRY(name, n, flags)                                    \
  WEFT_EXPORT void name(void* addr) {                                       \
    if (__builtin_expect(!weft::shim::g_memory_on, false)) return;          \
    weft::shim::TrackedAccess(addr, n, flags, __builtin_return_address(0)); \
  }
WEFT_TSAN_PLAIN_ENTRIES(1)
WEFT_TSAN_PLAIN_ENTRIES(2)
WEFT_TSAN_PLAIN_ENTRIES(4)
WEFT_TSAN_PLAIN_ENTRIES(8)
WEFT_TSAN_PLAIN_ENTRIES(16)
#undef WEFT_PLAIN_ENTRY
#undef WEFT_TSAN_PLAIN_ENTRIES

// Called by libweft_rt.so's allocation functions (instrument_abi.h).
WEFT_EXPORT void weft_shim_heap(uint32_t op, const void* addr, uint64_t size, const void* pc) {
  using namespace weft::shim;
  if (g_state != ShimState::kOn || t_depth != 0 || !g_memory_on) return;
  Thread* self = t_self;
  if (self == nullptr || self->state != SlotState::kLive || addr == nullptr) return;
  t_depth = 1;
  EnterShim(self);
  if (op == WEFT_HEAP_ALLOC) {
    HeapAlloc(self, reinterpret_cast<uint64_t>(addr), size, reinterpret_cast<uint64_t>(pc));
  } else if (op == WEFT_HEAP_FREE) {
    HeapFree(self, reinterpret_cast<uint64_t>(addr), size, reinterpret_cast<uint64_t>(pc));
  }
  LeaveShim(self);
  t_depth = 0;
}

namespace weft::shim {

void AtomicSiteAccess(const void* addr, uint32_t size, const void* pc) {
  if (g_state != ShimState::kOn || t_depth != 0 || !g_memory_on) return;
  Thread* self = t_self;
  if (self == nullptr || self->state != SlotState::kLive) return;
  t_depth = 1;
  EnterShim(self);
  Access(self, addr, size, WEFT_MEM_READ_WRITE | WEFT_MEM_ATOMIC | 5u << WEFT_MEM_ORDER_SHIFT, pc,
         WEFT_MEMORY_ATOMIC_SITES);
  LeaveShim(self);
  t_depth = 0;
}

}  // namespace weft::shim
