// inst_counter.c — a counter loop for the instrumented-build benchmark (bench/instrumented.py):
// 2 threads each increment a counter of their own N times (a volatile slot, so every
// increment is a load and a store the instrumentation sees), then add it to a total under a
// mutex. Usage: inst_counter N. Prints the total.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static long n;
static volatile long slots[2][8];  // one cache line apart
static long total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void* Count(void* arg) {
  volatile long* slot = slots[(long)arg];
  for (long i = 0; i < n; i++) *slot = *slot + 1;
  pthread_mutex_lock(&lock);
  total += *slot;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char** argv) {
  n = argc > 1 ? atol(argv[1]) : 1000000;
  pthread_t a, b;
  pthread_create(&a, NULL, Count, (void*)0);
  pthread_create(&b, NULL, Count, (void*)1);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("%ld\n", total);
  return total == 2 * n ? 0 : 1;
}
