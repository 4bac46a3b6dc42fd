// objects.cc — identity and shadow state of synchronization objects. An object gets an id
// at its first use (ids count up in first-use order, so they mean the same thing in every
// replay of a schedule); its address is recorded once in the ring. The table is an open-
// addressed hash over a fixed, lazily touched mapping: no allocation in hooks. Neighbouring
// objects have neighbouring slots (SlotOf), so a run touches few of the table's pages.
#include <stddef.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "control.h"
#include "glibc_layout.h"
#include "ring.h"

// Last, after every other header: the libc names the shim must not call.
#include "poison.h"

namespace weft::shim {
namespace {

constexpr uint64_t kCapacity = 1u << 20;  // objects alive at once; ~40 MiB reserved, touched lazily
constexpr uint64_t kEmpty = 0;
constexpr uint64_t kTombstone = 1;

// NB: a shared mapping (a forked child inherits it: object ids are session-wide); the ids
// and the count of slots used (live + tombstones) are in g_sched.
Object* g_table = nullptr;

// An object's key: its address in this process (the same address in another process of the
// session is another object), the process index above the 47 bits of user addresses (but
// see SharedKeyOf).
uint64_t KeyOf(const void* addr) {
  return reinterpret_cast<uint64_t>(addr) | (static_cast<uint64_t>(g_process) << 48);
}

// A process-shared mutex is one object in every process of the session (its memory is
// shared between them: bit 62, above the process index, marks such a key).
uint64_t SharedKeyOf(const void* addr) { return reinterpret_cast<uint64_t>(addr) | (1ull << 62); }

uint64_t KeyFor(const void* addr, uint8_t kind) {
  if (kind == WEFT_OBJ_MUTEX && MutexProcessShared(static_cast<const pthread_mutex_t*>(addr))) {
    return SharedKeyOf(addr);
  }
  return KeyOf(addr);
}

uint64_t Hash(uint64_t addr) {
  addr ^= addr >> 33;
  addr *= 0xff51afd7ed558ccdull;
  addr ^= addr >> 33;
  return addr;
}

// The first slot to probe for `key`. Objects in one KiB of the program's memory (a struct's
// locks, neighbouring allocations) have their slots in one 128-slot group (4 KiB of the
// table: one page), the group placed by a hash of the rest of the key: a run touches, and a
// fork server's child copies (CopySharedState), a page per group rather than a page per
// object (CPython's 234 objects: 32 pages instead of 105).
constexpr int kGroupShift = 10;  // bytes of the program's memory per group: 1 KiB
constexpr uint64_t kGroupSlots = 1u << (kGroupShift - 3);  // 8-byte words in it: 128
static_assert(kGroupSlots * sizeof(Object) == 4096);

uint64_t SlotOf(uint64_t key) {
  return ((Hash(key >> kGroupShift) * kGroupSlots) | ((key >> 3) & (kGroupSlots - 1))) &
         (kCapacity - 1);
}

void EnsureTable() {
  if (g_table != nullptr) return;
  static_assert(kCapacity * sizeof(Object) <= kSharedPartBytes);
  auto* table = static_cast<Object*>(MapShared(SharedPart::kObjects, kCapacity * sizeof(Object)));
  if (table == nullptr) Die("cannot map the object table");
  __atomic_store_n(&g_table, table, __ATOMIC_RELEASE);  // NB: read without a lock (free mode)
}

}  // namespace

const void* ObjectTable(uint64_t* bytes) {
  *bytes = kCapacity * sizeof(Object);
  return g_table;
}

void ResetObjectTable() {
  if (g_table == nullptr) return;
  // NB: the new session's part, where the old one was mapped (the same layout).
  if (MapShared(SharedPart::kObjects, kCapacity * sizeof(Object), g_table) != g_table) {
    Die("cannot map the object table");
  }
}

namespace {

Object* FindKey(uint64_t key) {
  EnsureTable();
  for (uint64_t i = SlotOf(key);; i = (i + 1) & (kCapacity - 1)) {
    Object* o = &g_table[i];
    if (o->addr == kEmpty) return nullptr;
    if (o->addr == key) return o;
  }
}

}  // namespace

Object* FindObject(const void* addr) { return FindKey(KeyOf(addr)); }

Object* ObjectFor(const void* addr, uint8_t kind, uint64_t aux) {
  Object* o = TryObjectFor(addr, kind, aux);
  if (o == nullptr) Die("too many synchronization objects (object table full)");
  return o;
}

namespace {

// The object with `key`, created on first use with `address` and `aux` in its record.
Object* TryObjectForKey(uint64_t key, uint64_t address, uint8_t kind, uint64_t aux) {
  EnsureTable();
  Object* reuse = nullptr;
  uint64_t i = SlotOf(key);
  for (;; i = (i + 1) & (kCapacity - 1)) {
    Object* o = &g_table[i];
    if (o->addr == key) return o;
    if (o->addr == kTombstone && reuse == nullptr) reuse = o;
    if (o->addr == kEmpty) break;
  }
  Object* o = reuse != nullptr ? reuse : &g_table[i];
  if (reuse == nullptr) {
    if (g_sched->objects_used + 1 > kCapacity * 3 / 4) return nullptr;
    ++g_sched->objects_used;
  }
  // NB: all but the key, which stays empty or a tombstone until the object is whole.
  ZeroBytes(&o->id, sizeof(*o) - offsetof(Object, id));
  o->id = g_sched->next_object_id++;
  o->kind = kind;
  o->owner = kNoThread;
  o->count = static_cast<uint32_t>(aux);

  weft_object_record rec{};
  rec.type = WEFT_REC_OBJECT;
  rec.kind = kind;
  rec.id = o->id;
  rec.address = address;
  rec.aux = aux;
  rec.image = g_sched->processes[g_process].image;
  rec.pid = g_sched->processes[g_process].pid;
  RingWrite(&rec, 1);
  // NB: the key last, with release, after the object's record took its ring slot: a free
  // recording's thread that finds it without the lock (PublishedObjectId) sees its id and
  // records its event after the record that names it.
  __atomic_store_n(&o->addr, key, __ATOMIC_RELEASE);
  return o;
}

}  // namespace

Object* TryObjectFor(const void* addr, uint8_t kind, uint64_t aux) {
  return TryObjectForKey(KeyFor(addr, kind), reinterpret_cast<uint64_t>(addr), kind, aux);
}

uint32_t PublishedObjectId(const void* addr, uint8_t kind) {
  const Object* table = __atomic_load_n(&g_table, __ATOMIC_ACQUIRE);
  if (table == nullptr) return 0;
  const uint64_t key = KeyFor(addr, kind);
  for (uint64_t i = SlotOf(key);; i = (i + 1) & (kCapacity - 1)) {
    // NB: acquire pairs with the release store of the key (TryObjectForKey). A slot being
    // reused reads as empty for a moment: the caller then takes the lock and looks again.
    const uint64_t at = __atomic_load_n(&table[i].addr, __ATOMIC_ACQUIRE);
    if (at == kEmpty) return 0;
    if (at == key) return table[i].id;
  }
}

namespace {

// The object with `key` (bit 63 set: one key in every process, apart from addresses, which
// have at most bit 62), named `name` in the trace at its first use.
uint32_t NamedObjectId(uint64_t key, uint64_t address, uint8_t kind, uint64_t aux,
                       const char* name) {
  uint32_t before = g_sched->next_object_id;
  Object* o = TryObjectForKey(key, address, kind, aux);
  if (o == nullptr) return 0;
  if (o->id >= before && name != nullptr) {
    weft_object_name_record rec{};
    rec.type = WEFT_REC_OBJECT_NAME;
    rec.obj = o->id;
    for (size_t i = 0; i + 1 < sizeof(rec.name) && name[i] != '\0'; ++i) rec.name[i] = name[i];
    RingWrite(&rec, 1);
  }
  return o->id;
}

}  // namespace

namespace {

uint64_t FileKey(uint64_t device, uint64_t inode) {
  return (1ull << 63) | (Hash(device * 0x9e3779b97f4a7c15ull ^ inode) >> 1);
}

}  // namespace

uint32_t FileObjectId(uint64_t device, uint64_t inode, const char* path) {
  // NB: a file is the same object wherever it is open; its name is the last part of the path.
  uint64_t key = FileKey(device, inode);
  const char* base = path;
  if (path != nullptr) {
    for (const char* p = path; *p != '\0'; ++p) {
      if (*p == '/' && p[1] != '\0') base = p + 1;
    }
  }
  return NamedObjectId(key, inode, WEFT_OBJ_FILE, device, base);
}

void ForgetFileObject(uint64_t device, uint64_t inode) {
  Object* o = FindKey(FileKey(device, inode));
  if (o != nullptr) o->addr = kTombstone;
}

uint32_t ChannelObjectId(uint64_t key, uint64_t address, const char* name) {
  return NamedObjectId((1ull << 63) | (Hash(key ^ 0xc4a7ull) >> 1), address, WEFT_OBJ_CHANNEL, 0,
                       name);
}

void ForgetObject(const void* addr) {
  Object* own = FindKey(KeyOf(addr));
  if (own != nullptr) __atomic_store_n(&own->addr, kTombstone, __ATOMIC_RELAXED);
  Object* shared = FindKey(SharedKeyOf(addr));
  if (shared != nullptr) __atomic_store_n(&shared->addr, kTombstone, __ATOMIC_RELAXED);
}

}  // namespace weft::shim
