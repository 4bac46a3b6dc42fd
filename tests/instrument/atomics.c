// atomics.c — every atomic operation of every width, from four threads at once, with the
// results checked: the runtime must perform what the instrumentation hands it.
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

enum { kThreads = 4, kRounds = 500 };

static _Atomic uint8_t a8;
static _Atomic uint16_t a16;
static _Atomic uint32_t a32;
static _Atomic uint64_t a64;
static _Atomic uint32_t bits;     // each thread sets and clears its own bit
static _Atomic uint64_t cas_sum;  // added to with compare-exchange loops
static _Atomic uint64_t swaps;    // exchanged; every value swapped in is seen once
static unsigned __int128 wide;    // 128-bit compare-exchange loops
static _Atomic int failures;

static void Check(int ok, const char* what) {
  if (!ok) {
    atomic_fetch_add(&failures, 1);
    fprintf(stderr, "failed: %s\n", what);
  }
}

static void* Work(void* arg) {
  uint32_t me = (uint32_t)(uintptr_t)arg;
  for (int i = 0; i < kRounds; i++) {
    atomic_fetch_add_explicit(&a8, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&a16, 3, memory_order_acquire);
    atomic_fetch_sub_explicit(&a32, 1, memory_order_release);
    atomic_fetch_add_explicit(&a64, 5, memory_order_acq_rel);
    uint32_t set = atomic_fetch_or(&bits, 1u << me);
    Check(!(set & (1u << me)), "fetch_or: my bit was already set");
    uint32_t cleared = atomic_fetch_and(&bits, ~(1u << me));
    Check(cleared & (1u << me), "fetch_and: my bit was not set");
    atomic_fetch_xor(&bits, 0);
    uint64_t seen = atomic_load_explicit(&cas_sum, memory_order_acquire);
    while (!atomic_compare_exchange_weak(&cas_sum, &seen, seen + 2)) {
    }
    atomic_exchange(&swaps, (uint64_t)me);
    unsigned __int128 old = __atomic_load_n(&wide, __ATOMIC_SEQ_CST);
    while (!__atomic_compare_exchange_n(&wide, &old, old + ((unsigned __int128)1 << 64) + 1, 0,
                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
    }
  }
  return NULL;
}

int main(void) {
  atomic_store(&a32, (uint32_t)(kThreads * kRounds));
  pthread_t t[kThreads];
  for (uintptr_t i = 0; i < kThreads; i++) pthread_create(&t[i], NULL, Work, (void*)i);
  for (int i = 0; i < kThreads; i++) pthread_join(t[i], NULL);
  const uint64_t n = kThreads * kRounds;
  Check(atomic_load(&a8) == (uint8_t)n, "8-bit fetch_add");
  Check(atomic_load(&a16) == (uint16_t)(3 * n), "16-bit fetch_add");
  Check(atomic_load(&a32) == 0, "32-bit fetch_sub");
  Check(atomic_load(&a64) == 5 * n, "64-bit fetch_add");
  Check(atomic_load(&bits) == 0, "fetch_or/fetch_and");
  Check(atomic_load(&cas_sum) == 2 * n, "compare_exchange_weak loop");
  Check(atomic_load(&swaps) < kThreads, "exchange");
  unsigned __int128 w = __atomic_load_n(&wide, __ATOMIC_SEQ_CST);
  Check((uint64_t)w == n && (uint64_t)(w >> 64) == n, "128-bit compare_exchange");
  uint8_t nand = 0xF0;
  _Atomic uint8_t target = 0xFF;
  Check(atomic_fetch_and(&target, nand) == 0xFF && atomic_load(&target) == 0xF0, "fetch_and");
  __atomic_fetch_nand(&nand, 0x0F, __ATOMIC_SEQ_CST);
  Check(nand == 0xFF, "fetch_nand");
  uint32_t expected = 7;
  Check(!atomic_compare_exchange_strong(&a32, &expected, 9) && expected == 0,
        "a failed compare_exchange_strong returns the current value");
  atomic_thread_fence(memory_order_seq_cst);
  printf("atomics: %d failures\n", atomic_load(&failures));
  return atomic_load(&failures) == 0 ? 0 : 1;
}
