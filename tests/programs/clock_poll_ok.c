/* clock_poll_ok.c — waits for a deadline 60 s away by polling clock_gettime, the busy way,
 * while a second thread counts.
 *
 * Expected outcome: "waited 60 s by polling the clock", exit 0. Natively it takes 60 s of
 * wall time; under weft, virtual time advances with every clock read, so it ends in a few
 * seconds. A clock that never advanced would make it spin forever.
 * Families: clock_gettime, create/join, mutex_lock.
 */
#include <pthread.h>
#include <stdio.h>
#include <time.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long counted;

static void* counter(void* arg) {
  (void)arg;
  for (int i = 0; i < 100; i++) {
    pthread_mutex_lock(&lock);
    counted++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, counter, NULL);
  struct timespec start, now;
  clock_gettime(CLOCK_MONOTONIC, &start);
  do {
    clock_gettime(CLOCK_MONOTONIC, &now);
  } while (now.tv_sec - start.tv_sec < 60);
  pthread_join(t, NULL);
  printf("waited %ld s by polling the clock\n", (long)(now.tv_sec - start.tv_sec));
  return counted == 100 ? 0 : 1;
}
