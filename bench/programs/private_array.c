// private_array.c — the memory fast path: THREADS threads (default 1: natively they would
// run side by side, under weft one at a time), each adding over an array of its own
// (512 longs, a global row of its own, so that the instrumentation keeps its accesses)
// ITERATIONS times; with `weft cc` every element access is an instrumented read and write
// of memory no other thread touches.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long iterations;
static long sums[2];
static long rows[2][512];

static void* Work(void* arg) {
  long id = (long)arg;
  long* a = rows[id];
  for (int i = 0; i < 512; i++) a[i] = i;
  for (long n = 0; n < iterations; n++) {
    for (int i = 0; i < 512; i++) a[i] += n;
  }
  long sum = 0;
  for (int i = 0; i < 512; i++) sum += a[i];
  sums[id] = sum;
  return NULL;
}

int main(int argc, char** argv) {
  iterations = argc > 1 ? atol(argv[1]) : 1000;
  long threads = argc > 2 ? atol(argv[2]) : 1;
  if (threads < 1 || threads > 2) return 2;
  pthread_t t[2];
  for (long i = 0; i < threads; i++) pthread_create(&t[i], NULL, Work, (void*)i);
  for (long i = 0; i < threads; i++) pthread_join(t[i], NULL);
  printf("%ld\n", sums[0] + sums[1]);
  return 0;
}
