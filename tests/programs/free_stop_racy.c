// A worker counts rounds under a lock until main raises a stop flag; the flag is a plain
// int, read and written without the lock: a data race. main starts the worker, looks at its
// rounds under the lock, does its own work, then raises the flag; the run fails (exit 1) when the
// worker ran more than 3 rounds before it saw the flag. Natively that depends on how the
// two cores interleave; a controlled replay of a free recording runs main's unsynchronized
// code as soon as it can, so the worker sees the flag at once and the replay leaves the
// recorded order (the recording has more rounds): the first divergence is reported, and
// `weft explore --from` searches around the recorded order for the schedule that fails.
//   free_stop_racy [WORK]   main's work before it raises the flag (default 100000 units, about 1
//   ms)
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { kMaxRounds = 100, kAllowed = 3 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int rounds;
static int stop;  // BUG: shared without synchronization
static volatile unsigned long sink;

static void work(unsigned units) {
  for (unsigned i = 0; i < units * 10; ++i) sink += i;
}

static void* worker(void* arg) {
  (void)arg;
  for (int i = 0; i < kMaxRounds; ++i) {
    pthread_mutex_lock(&lock);
    ++rounds;
    pthread_mutex_unlock(&lock);
    work(10000);  // about 100 us
    if (*(volatile int*)&stop) break;
  }
  return NULL;
}

int main(int argc, char** argv) {
  unsigned units = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 100000;
  pthread_t t;
  pthread_mutex_lock(&lock);  // the worker's first round waits for main to be running
  pthread_create(&t, NULL, worker, NULL);
  pthread_mutex_unlock(&lock);
  pthread_mutex_lock(&lock);
  int seen = rounds;
  pthread_mutex_unlock(&lock);
  work(units);
  *(volatile int*)&stop = 1;
  pthread_join(t, NULL);
  printf("worker ran %d rounds (%d when main looked)\n", rounds, seen);
  if (rounds > kAllowed) {
    printf("the worker ran %d rounds past the stop\n", rounds - kAllowed);
    return 1;
  }
  return 0;
}
