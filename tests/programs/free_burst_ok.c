// A quiet start, then a burst: main sleeps 300 ms, then two threads take and release one
// mutex 100,000 times each (400,000 events, three laps of a free recording's ring). While
// the program is quiet weft drains the ring less often; the burst fills the ring before the
// next drain, and its writers wait for room: every event must still reach the trace, and the
// replay must give the same count in the same order.
#include <pthread.h>
#include <stdio.h>
#include <time.h>

enum { kThreads = 2, kRounds = 100000 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static long order[kThreads];  // the counter's value when each thread finished

static void* worker(void* arg) {
  long self = (long)arg;
  for (int i = 0; i < kRounds; ++i) {
    pthread_mutex_lock(&lock);
    ++counter;
    pthread_mutex_unlock(&lock);
  }
  pthread_mutex_lock(&lock);
  order[self] = counter;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  struct timespec quiet = {0, 300 * 1000 * 1000};
  nanosleep(&quiet, NULL);
  pthread_t threads[kThreads];
  for (long i = 0; i < kThreads; ++i) pthread_create(&threads[i], NULL, worker, (void*)i);
  for (int i = 0; i < kThreads; ++i) pthread_join(threads[i], NULL);
  printf("finished at %ld and %ld\n", order[0], order[1]);
  printf("counter %ld\n", counter);
  return counter == (long)kThreads * kRounds ? 0 : 1;
}
