/* lock_counter_ok.c — two threads take and release one lock N times each (default
 * 2500000: 10 M lock operations in all), counting under it.
 *
 * Usage: lock_counter_ok [N]
 * Expected outcome: "counter = 2N", exit 0. A correct program that is merely long: a
 * livelock judgement by step count would fail it; weft judges by lack of progress.
 * Families: create/join, mutex_lock.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static long n = 2500000;

static void* work(void* arg) {
  (void)arg;
  for (long i = 0; i < n; i++) {
    pthread_mutex_lock(&lock);
    counter++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1) n = atol(argv[1]);
  pthread_t a, b;
  pthread_create(&a, NULL, work, NULL);
  pthread_create(&b, NULL, work, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("counter = %ld\n", counter);
  return counter == 2 * n ? 0 : 1;
}
