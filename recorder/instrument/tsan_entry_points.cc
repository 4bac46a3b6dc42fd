// tsan_entry_points.cc — libweft_rt.so: the runtime that `weft cc` links into an
// instrumented program in place of ThreadSanitizer's. It defines every entry point gcc 12's
// and clang 14's -fsanitize=thread instrumentation calls: plain, unaligned, volatile and
// compound accesses of 1–16 bytes (with _pc variants), ranges, vptr accesses, function
// entry and exit, atomics of 8–128 bits with every operation, and fences.
//
// Each entry point reports the access to the shim (weft_shim_access, a weak reference: it
// is there only when weft preloads its shim) and, for atomics, performs the operation.
// Without weft an access costs a test and a branch, and the program simply runs. (Under weft
// the plain reads and writes reach the preloaded shim's own definitions of them instead.)
//
// It also defines malloc, calloc, realloc, free and the aligned allocators over glibc's own
// (__libc_malloc & co., which glibc exports for this), and tells the shim of each block
// allocated and freed (weft_shim_heap, weak too): the program links this library before
// libc, so these are the program's allocator, its libraries' and C++'s new and delete.
//
// Rules: this code runs inside the target on every instrumented access, in any thread, in
// signal handlers too: no allocation, no locks, no libc calls besides memcpy/memmove/memset
// (which the memory entry points must perform) and the allocator behind the allocation
// functions, nothing that can fail.
#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "weft/instrument_abi.h"

#define WEFT_RT_EXPORT extern "C" __attribute__((visibility("default")))

// Resolved by the dynamic loader: the shim's definition when the shim is loaded, else null.
#pragma weak weft_shim_access
#pragma weak weft_shim_heap

// glibc's allocator under its own names (exported for allocators that wrap it).
extern "C" void* __libc_malloc(size_t size);
extern "C" void* __libc_calloc(size_t count, size_t size);
extern "C" void* __libc_realloc(void* block, size_t size);
extern "C" void* __libc_memalign(size_t alignment, size_t size);
extern "C" void __libc_free(void* block);

namespace {

// The shadow stack: one per thread, initial-exec TLS (the runtime is loaded with the
// program, never dlopened on its own). Deeper calls are counted but not stored.
constexpr uint32_t kShadowDepth = 64;
struct ShadowStack {
  uint32_t depth;
  const void* pcs[kShadowDepth];
};
__thread ShadowStack t_stack __attribute__((tls_model("initial-exec")));

inline void Report(const volatile void* addr, uint32_t size, uint32_t flags, const void* pc) {
  if (&weft_shim_access != nullptr)
    weft_shim_access(const_cast<const void*>(addr), size, flags, pc);
}

inline uint32_t AtomicFlags(uint32_t op, int order) {
  return op | WEFT_MEM_ATOMIC | (static_cast<uint32_t>(order & 7) << WEFT_MEM_ORDER_SHIFT);
}

#define CALLER_PC __builtin_return_address(0)

}  // namespace

// ---- set-up and function entry/exit -------------------------------------------------

WEFT_RT_EXPORT void __tsan_init() {}
WEFT_RT_EXPORT void __tsan_flush_memory() {}
WEFT_RT_EXPORT void __tsan_ignore_thread_begin() {}
WEFT_RT_EXPORT void __tsan_ignore_thread_end() {}

WEFT_RT_EXPORT void __tsan_func_entry(void* call_pc) {
  ShadowStack& s = t_stack;
  if (s.depth < kShadowDepth) s.pcs[s.depth] = call_pc;
  ++s.depth;
}

WEFT_RT_EXPORT void __tsan_func_exit() {
  ShadowStack& s = t_stack;
  if (s.depth > 0) --s.depth;  // an exit without its entry (longjmp, exceptions): ignore
}

WEFT_RT_EXPORT uint32_t weft_rt_shadow_stack(const void** pcs, uint32_t max) {
  const ShadowStack& s = t_stack;
  uint32_t stored = s.depth < kShadowDepth ? s.depth : kShadowDepth;
  uint32_t n = stored < max ? stored : max;
  for (uint32_t i = 0; i < n; ++i) pcs[i] = s.pcs[stored - 1 - i];
  return n;
}

WEFT_RT_EXPORT uint32_t weft_rt_abi_version() { return WEFT_INSTRUMENT_ABI_VERSION; }

// ---- plain accesses -------------------------------------------------------------------

#define WEFT_ACCESS_ENTRY_POINTS(N)                                                               \
  WEFT_RT_EXPORT void __tsan_read##N(void* a) { Report(a, N, WEFT_MEM_READ, CALLER_PC); }         \
  WEFT_RT_EXPORT void __tsan_write##N(void* a) { Report(a, N, WEFT_MEM_WRITE, CALLER_PC); }       \
  WEFT_RT_EXPORT void __tsan_read##N##_pc(void* a, void* pc) { Report(a, N, WEFT_MEM_READ, pc); } \
  WEFT_RT_EXPORT void __tsan_write##N##_pc(void* a, void* pc) {                                   \
    Report(a, N, WEFT_MEM_WRITE, pc);                                                             \
  }                                                                                               \
  WEFT_RT_EXPORT void __tsan_read_write##N(void* a) {                                             \
    Report(a, N, WEFT_MEM_READ_WRITE, CALLER_PC);                                                 \
  }                                                                                               \
  WEFT_RT_EXPORT void __tsan_volatile_read##N(void* a) {                                          \
    Report(a, N, WEFT_MEM_READ | WEFT_MEM_VOLATILE, CALLER_PC);                                   \
  }                                                                                               \
  WEFT_RT_EXPORT void __tsan_volatile_write##N(void* a) {                                         \
    Report(a, N, WEFT_MEM_WRITE | WEFT_MEM_VOLATILE, CALLER_PC);                                  \
  }

#define WEFT_UNALIGNED_ENTRY_POINTS(N)                                   \
  WEFT_RT_EXPORT void __tsan_unaligned_read##N(const void* a) {          \
    Report(a, N, WEFT_MEM_READ, CALLER_PC);                              \
  }                                                                      \
  WEFT_RT_EXPORT void __tsan_unaligned_write##N(void* a) {               \
    Report(a, N, WEFT_MEM_WRITE, CALLER_PC);                             \
  }                                                                      \
  WEFT_RT_EXPORT void __tsan_unaligned_read_write##N(void* a) {          \
    Report(a, N, WEFT_MEM_READ_WRITE, CALLER_PC);                        \
  }                                                                      \
  WEFT_RT_EXPORT void __tsan_unaligned_volatile_read##N(const void* a) { \
    Report(a, N, WEFT_MEM_READ | WEFT_MEM_VOLATILE, CALLER_PC);          \
  }                                                                      \
  WEFT_RT_EXPORT void __tsan_unaligned_volatile_write##N(void* a) {      \
    Report(a, N, WEFT_MEM_WRITE | WEFT_MEM_VOLATILE, CALLER_PC);         \
  }

WEFT_ACCESS_ENTRY_POINTS(1)
WEFT_ACCESS_ENTRY_POINTS(2)
WEFT_ACCESS_ENTRY_POINTS(4)
WEFT_ACCESS_ENTRY_POINTS(8)
WEFT_ACCESS_ENTRY_POINTS(16)
WEFT_UNALIGNED_ENTRY_POINTS(1)
WEFT_UNALIGNED_ENTRY_POINTS(2)
WEFT_UNALIGNED_ENTRY_POINTS(4)
WEFT_UNALIGNED_ENTRY_POINTS(8)
WEFT_UNALIGNED_ENTRY_POINTS(16)

// C++ virtual pointers: an update is a write of the object's first word, a read a read.
WEFT_RT_EXPORT void __tsan_vptr_update(void** vptr_p, void* new_val) {
  if (*vptr_p != new_val) Report(vptr_p, sizeof(void*), WEFT_MEM_WRITE, CALLER_PC);
}
WEFT_RT_EXPORT void __tsan_vptr_read(void** vptr_p) {
  Report(vptr_p, sizeof(void*), WEFT_MEM_READ, CALLER_PC);
}

// ---- ranges ---------------------------------------------------------------------------

namespace {
inline uint32_t RangeSize(unsigned long size) {
  return size > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(size);
}
}  // namespace

WEFT_RT_EXPORT void __tsan_read_range(void* a, unsigned long size) {
  if (size) Report(a, RangeSize(size), WEFT_MEM_READ | WEFT_MEM_RANGE, CALLER_PC);
}
WEFT_RT_EXPORT void __tsan_write_range(void* a, unsigned long size) {
  if (size) Report(a, RangeSize(size), WEFT_MEM_WRITE | WEFT_MEM_RANGE, CALLER_PC);
}
WEFT_RT_EXPORT void __tsan_read_range_pc(void* a, unsigned long size, void* pc) {
  if (size) Report(a, RangeSize(size), WEFT_MEM_READ | WEFT_MEM_RANGE, pc);
}
WEFT_RT_EXPORT void __tsan_write_range_pc(void* a, unsigned long size, void* pc) {
  if (size) Report(a, RangeSize(size), WEFT_MEM_WRITE | WEFT_MEM_RANGE, pc);
}

// Newer clang lowers memory intrinsics to these; they perform the operation.
// A copy of `size` bytes: a range read of src, then a range write of dst, at the caller's pc.
inline void ReportCopy(void* dst, const void* src, unsigned long size, const void* pc) {
  if (size == 0) return;
  Report(src, RangeSize(size), WEFT_MEM_READ | WEFT_MEM_RANGE, pc);
  Report(dst, RangeSize(size), WEFT_MEM_WRITE | WEFT_MEM_RANGE, pc);
}
WEFT_RT_EXPORT void* __tsan_memcpy(void* dst, const void* src, unsigned long size) {
  ReportCopy(dst, src, size, CALLER_PC);
  return memcpy(dst, src, size);
}
WEFT_RT_EXPORT void* __tsan_memmove(void* dst, const void* src, unsigned long size) {
  ReportCopy(dst, src, size, CALLER_PC);
  return memmove(dst, src, size);
}
WEFT_RT_EXPORT void* __tsan_memset(void* dst, int c, unsigned long size) {
  if (size) Report(dst, RangeSize(size), WEFT_MEM_WRITE | WEFT_MEM_RANGE, CALLER_PC);
  return memset(dst, c, size);
}

// ---- atomics --------------------------------------------------------------------------
//
// Every operation is performed sequentially consistent, whatever order the program asked
// for: a stronger order is always correct, and the order asked for is passed to the shim.
// 128-bit operations use cmpxchg16b (built with -mcx16) rather than libatomic.

namespace {

template <typename T>
inline T Load(const volatile T* a) {
  return __atomic_load_n(a, __ATOMIC_SEQ_CST);
}
template <typename T>
inline void Store(volatile T* a, T v) {
  __atomic_store_n(a, v, __ATOMIC_SEQ_CST);
}
template <typename T>
inline T Exchange(volatile T* a, T v) {
  return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST);
}
template <typename T>
inline bool CompareExchange(volatile T* a, T* expected, T v) {
  return __atomic_compare_exchange_n(a, expected, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

using u128 = unsigned __int128;
template <>
inline u128 Load<u128>(const volatile u128* a) {
  return __sync_val_compare_and_swap(const_cast<volatile u128*>(a), u128(0), u128(0));
}
template <>
inline bool CompareExchange<u128>(volatile u128* a, u128* expected, u128 v) {
  u128 seen = __sync_val_compare_and_swap(a, *expected, v);
  if (seen == *expected) return true;
  *expected = seen;
  return false;
}
template <>
inline u128 Exchange<u128>(volatile u128* a, u128 v) {
  u128 old = Load(a);
  while (!CompareExchange(a, &old, v)) {
  }
  return old;
}
template <>
inline void Store<u128>(volatile u128* a, u128 v) {
  Exchange(a, v);
}

// fetch_OP for any width, as a compare-exchange loop over `apply`.
template <typename T, typename F>
inline T FetchApply(volatile T* a, F apply) {
  T old = Load(a);
  while (!CompareExchange(a, &old, apply(old))) {
  }
  return old;
}

}  // namespace

#define WEFT_ATOMIC_ENTRY_POINTS(BITS, T)                                                          \
  WEFT_RT_EXPORT T __tsan_atomic##BITS##_load(const volatile T* a, int mo) {                       \
    Report(a, sizeof(T), AtomicFlags(WEFT_MEM_READ, mo), CALLER_PC);                               \
    return Load(a);                                                                                \
  }                                                                                                \
  WEFT_RT_EXPORT void __tsan_atomic##BITS##_store(volatile T* a, T v, int mo) {                    \
    Report(a, sizeof(T), AtomicFlags(WEFT_MEM_WRITE, mo), CALLER_PC);                              \
    Store(a, v);                                                                                   \
  }                                                                                                \
  WEFT_RT_EXPORT T __tsan_atomic##BITS##_exchange(volatile T* a, T v, int mo) {                    \
    Report(a, sizeof(T), AtomicFlags(WEFT_MEM_READ_WRITE, mo), CALLER_PC);                         \
    return Exchange(a, v);                                                                         \
  }                                                                                                \
  WEFT_RT_EXPORT T __tsan_atomic##BITS##_fetch_add(volatile T* a, T v, int mo) {                   \
    Report(a, sizeof(T), AtomicFlags(WEFT_MEM_READ_WRITE, mo), CALLER_PC);                         \
    return FetchApply(a, [v](T old) { return static_cast<T>(old + v); });                          \
  }                                                                                                \
  WEFT_RT_EXPORT T __tsan_atomic##BITS##_fetch_sub(volatile T* a, T v, int mo) {                   \
    Report(a, sizeof(T), AtomicFlags(WEFT_MEM_READ_WRITE, mo), CALLER_PC);                         \
    return FetchApply(a, [v](T old) { return static_cast<T>(old - v); });                          \
  }                                                                                                \
  WEFT_RT_EXPORT T __tsan_atomic##BITS##_fetch_and(volatile T* a, T v, int mo) {                   \
    Report(a, sizeof(T), AtomicFlags(WEFT_MEM_READ_WRITE, mo), CALLER_PC);                         \
    return FetchApply(a, [v](T old) { return static_cast<T>(old & v); });                          \
  }                                                                                                \
  WEFT_RT_EXPORT T __tsan_atomic##BITS##_fetch_or(volatile T* a, T v, int mo) {                    \
    Report(a, sizeof(T), AtomicFlags(WEFT_MEM_READ_WRITE, mo), CALLER_PC);                         \
    return FetchApply(a, [v](T old) { return static_cast<T>(old | v); });                          \
  }                                                                                                \
  WEFT_RT_EXPORT T __tsan_atomic##BITS##_fetch_xor(volatile T* a, T v, int mo) {                   \
    Report(a, sizeof(T), AtomicFlags(WEFT_MEM_READ_WRITE, mo), CALLER_PC);                         \
    return FetchApply(a, [v](T old) { return static_cast<T>(old ^ v); });                          \
  }                                                                                                \
  WEFT_RT_EXPORT T __tsan_atomic##BITS##_fetch_nand(volatile T* a, T v, int mo) {                  \
    Report(a, sizeof(T), AtomicFlags(WEFT_MEM_READ_WRITE, mo), CALLER_PC);                         \
    return FetchApply(a, [v](T old) { return static_cast<T>(~(old & v)); });                       \
  }                                                                                                \
  WEFT_RT_EXPORT int __tsan_atomic##BITS##_compare_exchange_strong(volatile T* a, T* c, T v,       \
                                                                   int mo, int fmo) {              \
    (void)fmo;                                                                                     \
    Report(a, sizeof(T), AtomicFlags(WEFT_MEM_READ_WRITE, mo), CALLER_PC);                         \
    return CompareExchange(a, c, v);                                                               \
  }                                                                                                \
  WEFT_RT_EXPORT int __tsan_atomic##BITS##_compare_exchange_weak(volatile T* a, T* c, T v, int mo, \
                                                                 int fmo) {                        \
    (void)fmo;                                                                                     \
    Report(a, sizeof(T), AtomicFlags(WEFT_MEM_READ_WRITE, mo), CALLER_PC);                         \
    return CompareExchange(a, c, v);                                                               \
  }                                                                                                \
  WEFT_RT_EXPORT T __tsan_atomic##BITS##_compare_exchange_val(volatile T* a, T c, T v, int mo,     \
                                                              int fmo) {                           \
    (void)fmo;                                                                                     \
    Report(a, sizeof(T), AtomicFlags(WEFT_MEM_READ_WRITE, mo), CALLER_PC);                         \
    CompareExchange(a, &c, v);                                                                     \
    return c;                                                                                      \
  }

WEFT_ATOMIC_ENTRY_POINTS(8, uint8_t)
WEFT_ATOMIC_ENTRY_POINTS(16, uint16_t)
WEFT_ATOMIC_ENTRY_POINTS(32, uint32_t)
WEFT_ATOMIC_ENTRY_POINTS(64, uint64_t)
WEFT_ATOMIC_ENTRY_POINTS(128, u128)

WEFT_RT_EXPORT void __tsan_atomic_thread_fence(int mo) {
  Report(nullptr, 0, AtomicFlags(WEFT_MEM_FENCE, mo), CALLER_PC);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}
WEFT_RT_EXPORT void __tsan_atomic_signal_fence(int mo) {
  (void)mo;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

// ---- the allocator ----------------------------------------------------------------------
//
// NB: a block is reported allocated after glibc handed it out and freed before glibc takes
// it back: the shim's state for it (and the free's schedule point) is never that of a block
// another thread already got.

namespace {

inline void* Allocated(void* block, const void* pc) {
  if (block != nullptr && &weft_shim_heap != nullptr)
    weft_shim_heap(WEFT_HEAP_ALLOC, block, malloc_usable_size(block), pc);
  return block;
}

inline void Freeing(void* block, const void* pc) {
  if (block != nullptr && &weft_shim_heap != nullptr)
    weft_shim_heap(WEFT_HEAP_FREE, block, malloc_usable_size(block), pc);
}

inline bool PowerOfTwo(size_t v) { return v != 0 && (v & (v - 1)) == 0; }

}  // namespace

WEFT_RT_EXPORT void* malloc(size_t size) { return Allocated(__libc_malloc(size), CALLER_PC); }
WEFT_RT_EXPORT void* calloc(size_t count, size_t size) {
  return Allocated(__libc_calloc(count, size), CALLER_PC);
}
WEFT_RT_EXPORT void free(void* block) {
  Freeing(block, CALLER_PC);
  __libc_free(block);
}
// As a free of the old block and an allocation of the new one (ThreadSanitizer's model),
// even when glibc grows the block in place.
WEFT_RT_EXPORT void* realloc(void* block, size_t size) {
  if (block == nullptr) return Allocated(__libc_malloc(size), CALLER_PC);
  if (size == 0) {
    Freeing(block, CALLER_PC);
    __libc_free(block);
    return nullptr;
  }
  Freeing(block, CALLER_PC);
  void* moved = __libc_realloc(block, size);
  // NB: when it failed the old block is still the program's: new memory to the shim too.
  Allocated(moved != nullptr ? moved : block, CALLER_PC);
  return moved;
}
WEFT_RT_EXPORT void* memalign(size_t alignment, size_t size) {
  return Allocated(__libc_memalign(alignment, size), CALLER_PC);
}
WEFT_RT_EXPORT void* aligned_alloc(size_t alignment, size_t size) {
  return Allocated(__libc_memalign(alignment, size), CALLER_PC);
}
WEFT_RT_EXPORT int posix_memalign(void** out, size_t alignment, size_t size) {
  if (alignment % sizeof(void*) != 0 || !PowerOfTwo(alignment)) return EINVAL;
  void* block = __libc_memalign(alignment, size);
  if (block == nullptr) return ENOMEM;
  *out = Allocated(block, CALLER_PC);
  return 0;
}
