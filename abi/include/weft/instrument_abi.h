/* instrument_abi.h — what the runtime of instrumented builds (libweft_rt.so, linked into a
 * program built with `weft cc`) and the shim (libweft_preload.so, preloaded when weft runs
 * the program) say to each other. Both live inside the target.
 *
 * The runtime implements the entry points the compilers' thread-sanitizer instrumentation
 * calls (__tsan_read4, __tsan_atomic32_fetch_add, ...). Before each access it calls the
 * shim's weft_shim_access when the shim is loaded (a weak reference: without weft the
 * program runs with the runtime alone, accesses cost a test and a branch, atomics are
 * performed). The shim also defines the plain read and write entry points (__tsan_readN,
 * __tsan_writeN and their unaligned variants, N = 1..16) with the same meaning: preloaded, its
 * definitions are the ones the program's calls reach, one call per access instead of two. The shim
 * reads the runtime's shadow stack with weft_rt_shadow_stack. The runtime also defines the
 * allocation functions (over glibc's __libc_malloc & co.) and tells the shim of every block
 * allocated and freed (weft_shim_heap), as ThreadSanitizer's runtime does: memory given back and
 * handed out again is new memory.
 *
 * Plain C. A change here bumps WEFT_INSTRUMENT_ABI_VERSION.
 */
#ifndef WEFT_INSTRUMENT_ABI_H
#define WEFT_INSTRUMENT_ABI_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WEFT_INSTRUMENT_ABI_VERSION 2u

/* What an access does: one of the three operations, with modifiers. */
enum weft_mem_flags {
  WEFT_MEM_READ = 1u,
  WEFT_MEM_WRITE = 2u,
  WEFT_MEM_READ_WRITE = 3u, /* a compound read-modify-write (x++ as one access) */
  WEFT_MEM_OP_MASK = 3u,
  WEFT_MEM_ATOMIC = 1u << 2,   /* an atomic operation (performed by the runtime) */
  WEFT_MEM_VOLATILE = 1u << 3, /* a volatile access */
  WEFT_MEM_RANGE = 1u << 4,    /* a range (memcpy/memset, size up to 2^32 - 1) */
  WEFT_MEM_FENCE = 1u << 5,    /* an atomic fence: addr and size are 0 */
  /* bits 8..10: the C11 memory order of an atomic (0 relaxed .. 5 seq_cst) */
  WEFT_MEM_ORDER_SHIFT = 8u,
};

/* Called by the runtime before every instrumented access, from the accessing thread, when
 * the shim is loaded. `pc` is the instruction's caller address in the program. The shim
 * decides whether the access is a schedule point. Must not be called re-entrantly. */
void weft_shim_access(const void* addr, uint32_t size, uint32_t flags, const void* pc);

/* What weft_shim_heap reports. */
enum weft_heap_op {
  WEFT_HEAP_ALLOC = 1u, /* after the allocator returned the block: it is new memory */
  WEFT_HEAP_FREE = 2u,  /* before the block is given back (free, realloc's old block) */
};

/* Called by the runtime's allocation functions (malloc, calloc, realloc, free, the aligned
 * variants; C++'s new and delete reach them), from the calling thread, when the shim is
 * loaded: the block [addr, addr + size) (its usable size) and the caller's pc. */
void weft_shim_heap(uint32_t op, const void* addr, uint64_t size, const void* pc);

/* The calling thread's shadow stack, kept by the runtime from __tsan_func_entry/exit:
 * writes up to `max` return addresses, innermost first, and returns how many it wrote. */
uint32_t weft_rt_shadow_stack(const void** pcs, uint32_t max);

/* The ABI version of the loaded runtime (WEFT_INSTRUMENT_ABI_VERSION when it was built). */
uint32_t weft_rt_abi_version(void);

#ifdef __cplusplus
}
#endif

#endif /* WEFT_INSTRUMENT_ABI_H */
