// mem.cc — memcpy, memmove, memset and memcmp for the calls the compiler itself emits
// (struct copies, zeroing, -ffreestanding still allows gcc to call these four). Hidden, so
// they bind inside the library and never reach libc or a version the target interposed.
// The one shim source that does not include poison.h: it defines the poisoned names.
#include <stddef.h>

#define WEFT_MEM_FN extern "C" __attribute__((visibility("hidden"), used))

// NB: written as `rep movsb` / `rep stosb` so the compiler cannot recognize the loop and
// turn it back into a call to the function being defined.
WEFT_MEM_FN void* memcpy(void* dst, const void* src, size_t n) {
  void* d = dst;
  asm volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
  return dst;
}

WEFT_MEM_FN void* memmove(void* dst, const void* src, size_t n) {
  auto* d = static_cast<unsigned char*>(dst);
  const auto* s = static_cast<const unsigned char*>(src);
  if (d <= s || d >= s + n) return memcpy(dst, src, n);  // forward copy is safe
  // Overlapping with dst above src: copy backwards, one byte at a time.
  void* dl = d + n - 1;
  const void* sl = s + n - 1;
  asm volatile("std\n\trep movsb\n\tcld" : "+D"(dl), "+S"(sl), "+c"(n) : : "memory");
  return dst;
}

WEFT_MEM_FN void* memset(void* dst, int c, size_t n) {
  void* d = dst;
  asm volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
  return dst;
}

WEFT_MEM_FN int memcmp(const void* a, const void* b, size_t n) {
  const auto* x = static_cast<const volatile unsigned char*>(a);
  const auto* y = static_cast<const volatile unsigned char*>(b);
  for (size_t i = 0; i < n; ++i) {
    if (x[i] != y[i]) return x[i] < y[i] ? -1 : 1;
  }
  return 0;
}
