// Two threads take one mutex in turns, round after round: a flight recorder's workload
// (weft record --free --ring SIZE keeps only the last events of a long run).
//   ring_rounds abort N   each thread takes the lock N times, main joins them, says
//                         "aborting after N rounds" and abort()s (SIGABRT)
//   ring_rounds ok N      the same, then "rounds N, counter 2N" and exit 0
//   ring_rounds serve S   the threads go on for S seconds (each looks at the clock every
//                         1024 rounds), then "served R rounds, counter C" (C = R: intact)
//   ring_rounds deadlock N  after N rounds the threads meet at a barrier, each takes its own
//                         second mutex, they meet again and each wants the other's: a
//                         certain deadlock
//                         (it never ends on its own)
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;
static long rounds_limit;
static double seconds_limit;
static long done_rounds[2];
static int deadlock_mode;
static pthread_mutex_t second[2] = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};
static pthread_barrier_t meet;

static double Now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void* worker(void* arg) {
  int id = (int)(long)arg;
  double end = seconds_limit > 0 ? Now() + seconds_limit : 0;
  for (long i = 0;; ++i) {
    if (rounds_limit > 0 && i == rounds_limit) break;
    if (end > 0 && i % 1024 == 0 && Now() >= end) break;
    pthread_mutex_lock(&lock);
    ++counter;
    pthread_mutex_unlock(&lock);
    ++done_rounds[id];
  }
  if (deadlock_mode) {
    pthread_barrier_wait(&meet);  // (both take their own second mutex at the end)
    pthread_mutex_lock(&second[id]);
    pthread_barrier_wait(&meet);
    pthread_mutex_lock(&second[1 - id]);  // held by the other thread, which wants ours
    pthread_mutex_unlock(&second[1 - id]);
    pthread_mutex_unlock(&second[id]);
  }
  return NULL;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "ok";
  double n = argc > 2 ? atof(argv[2]) : 1000;
  if (strcmp(mode, "serve") == 0) {
    seconds_limit = n;
  } else {
    rounds_limit = (long)n;
  }
  deadlock_mode = strcmp(mode, "deadlock") == 0;
  pthread_barrier_init(&meet, NULL, 2);
  pthread_t threads[2];
  for (long i = 0; i < 2; ++i) pthread_create(&threads[i], NULL, worker, (void*)i);
  for (int i = 0; i < 2; ++i) pthread_join(threads[i], NULL);
  long total = done_rounds[0] + done_rounds[1];
  if (strcmp(mode, "abort") == 0) {
    printf("aborting after %ld rounds\n", rounds_limit);
    fflush(stdout);
    abort();
  }
  if (strcmp(mode, "serve") == 0) {
    printf("served %ld rounds, counter %ld\n", total, counter);
  } else {
    printf("rounds %ld, counter %ld\n", rounds_limit, counter);
  }
  return counter == total ? 0 : 1;
}
