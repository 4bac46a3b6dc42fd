/* mt_work.c — a small multithreaded program with a realistic mix of computation and
 * synchronization: 4 threads each do 200 chunks of arithmetic (argv[1] iterations per
 * chunk, default 20000) and add each chunk's result to a shared total under a mutex.
 * Measures the slowdown of `weft record` against a native run. Exit 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { kThreads = 4, kChunks = 200 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long total;
static long chunk = 20000;

static void* worker(void* arg) {
  unsigned long seed = (unsigned long)(size_t)arg + 1;
  for (int c = 0; c < kChunks; c++) {
    unsigned long acc = 0;
    for (long i = 0; i < chunk; i++) {
      seed = seed * 6364136223846793005ul + 1442695040888963407ul;
      acc += seed >> 33;
    }
    pthread_mutex_lock(&lock);
    total += acc;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1) chunk = atol(argv[1]);
  pthread_t t[kThreads];
  for (long i = 0; i < kThreads; i++) pthread_create(&t[i], NULL, worker, (void*)i);
  for (int i = 0; i < kThreads; i++) pthread_join(t[i], NULL);
  printf("total = %lu\n", total);
  return 0;
}
