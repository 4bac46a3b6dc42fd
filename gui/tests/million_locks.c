/* million_locks.c — a large trace for weft-gui's level of detail: four threads, each doing
 * 125,000 locked increments of one counter (1,000,000 lock/unlock events in all).
 *
 * Expected outcome: prints "counter = 500000" and exits 0 in every schedule.
 * Record it with `weft record --no-stacks -o million.weft -- ./million_locks`.
 * An argument overrides the increments per thread.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { kThreads = 4 };

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter = 0;
static long increments = 125000;

static void* worker(void* arg) {
  (void)arg;
  for (long i = 0; i < increments; ++i) {
    pthread_mutex_lock(&counter_lock);
    ++counter;
    pthread_mutex_unlock(&counter_lock);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1) increments = atol(argv[1]);
  pthread_t threads[kThreads];
  for (int i = 0; i < kThreads; ++i) pthread_create(&threads[i], NULL, worker, NULL);
  for (int i = 0; i < kThreads; ++i) pthread_join(threads[i], NULL);
  printf("counter = %ld\n", counter);
  return counter == kThreads * increments ? 0 : 1;
}
