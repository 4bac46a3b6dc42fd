// accesses.c — a known sequence of accesses to one watched struct, made three calls deep,
// for fake_shim.c to count (built -O0 so the compiler keeps every access).
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>

struct Watched {
  int a;
  long b;
  _Atomic int c;
  char bytes[32];
};
static struct Watched w;

// Defined by fake_shim.so when it is preloaded.
void fake_shim_watch(const void* addr, size_t size) __attribute__((weak));

static int Inner(void) {
  w.a = 1;                                                   // write 4
  w.b = 2;                                                   // write 8
  int x = w.a;                                               // read 4
  atomic_fetch_add_explicit(&w.c, 1, memory_order_acquire);  // atomic rmw 4, acquire
  atomic_store_explicit(&w.c, 5, memory_order_release);      // atomic write 4, release
  return x + (int)atomic_load(&w.c);                         // atomic read 4, seq_cst
}
static int Middle(void) { return Inner() + 1; }
static int Outer(void) { return Middle() + 1; }

int main(void) {
  if (fake_shim_watch) fake_shim_watch(&w, sizeof w);
  int r = Outer();
  if (fake_shim_watch) fake_shim_watch(NULL, 0);
  printf("result %d\n", r);
  return r == 8 ? 0 : 1;
}
