// fake_shim.c — stands in for weft's shim: defines weft_shim_access, counts the accesses to
// the region the program asks it to watch, and prints them at exit. Tests the contract of
// instrument_abi.h between libweft_rt.so and the shim.
#include <stdint.h>
#include <stdio.h>

#include "weft/instrument_abi.h"
#include "weft/shim_abi.h"  // the shim includes both: their names must not collide

static const char* g_begin;
static const char* g_end;
static char g_log[4096];
static size_t g_used;
static uint32_t g_max_depth;

__attribute__((visibility("default"))) void fake_shim_watch(const void* addr, size_t size) {
  g_begin = addr;
  g_end = (const char*)addr + size;
}

__attribute__((visibility("default"))) void weft_shim_access(const void* addr, uint32_t size,
                                                             uint32_t flags, const void* pc) {
  (void)pc;
  const char* p = addr;
  if (p < g_begin || p >= g_end) return;
  const char* op = (flags & WEFT_MEM_OP_MASK) == WEFT_MEM_READ    ? "read"
                   : (flags & WEFT_MEM_OP_MASK) == WEFT_MEM_WRITE ? "write"
                                                                  : "rmw";
  int n = snprintf(g_log + g_used, sizeof g_log - g_used, "%s%s %u +%ld order=%u\n",
                   flags & WEFT_MEM_ATOMIC ? "atomic " : "", op, size, (long)(p - g_begin),
                   (flags >> WEFT_MEM_ORDER_SHIFT) & 7);
  if (n > 0 && (size_t)n < sizeof g_log - g_used) g_used += (size_t)n;
  const void* pcs[16];
  uint32_t depth = weft_rt_shadow_stack(pcs, 16);
  if (depth > g_max_depth) g_max_depth = depth;
}

__attribute__((destructor)) static void Print(void) {
  fprintf(stderr, "fake_shim: abi %u, max shadow depth %u\n%s", weft_rt_abi_version(), g_max_depth,
          g_log);
}
