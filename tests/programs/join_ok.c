/* join_ok.c — every way to wait for (or not wait for) a thread.
 *
 * - slow: waits for main's go (a semaphore), sleeps 50 ms and returns 1.
 *   pthread_tryjoin_np right after creation -> EBUSY; pthread_timedjoin_np (+10 ms) ->
 *   ETIMEDOUT; then main posts go; pthread_timedjoin_np (+10 s) -> 0, value 1. (The go
 *   keeps the first two independent of timing: under weft a sleep may end early.)
 * - plain: returns 2; pthread_join -> 0, value 2.
 * - quick: returns 3; main polls pthread_tryjoin_np (sched_yield on EBUSY) -> 0, value 3.
 * - detached by pthread_detach, and one created with PTHREAD_CREATE_DETACHED: each
 *   increments a counter under a mutex and signals; main waits for both with a condvar.
 *
 * Expected outcome: "join ok", exit 0. A wrong return code or value prints the failed check
 * and exits 1.
 * Families: pthread_join/tryjoin_np/timedjoin_np/detach, thread attrs, nanosleep,
 * cond wait/signal, sched_yield.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK0(call)                                                                \
  do {                                                                              \
    int rc_ = (call);                                                               \
    if (rc_ != 0) {                                                                 \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(rc_)); \
      exit(2);                                                                      \
    }                                                                               \
  } while (0)
#define EXPECT(cond)                                                  \
  do {                                                                \
    if (!(cond)) {                                                    \
      printf("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                        \
    }                                                                 \
  } while (0)

static pthread_mutex_t detached_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t detached_cond = PTHREAD_COND_INITIALIZER;
static int detached_done;

static struct timespec deadline_in(int64_t ns) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t t = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + ns;
  ts.tv_sec = t / 1000000000;
  ts.tv_nsec = t % 1000000000;
  return ts;
}

static sem_t go;

static void* slow(void* arg) {
  while (sem_wait(&go) != 0) {
  }
  struct timespec d = {.tv_sec = 0, .tv_nsec = 50 * 1000000L};
  nanosleep(&d, NULL);
  return (void*)(intptr_t)1;
}

static void* returns(void* arg) { return arg; }

static void* detached(void* arg) {
  CHECK0(pthread_mutex_lock(&detached_lock));
  detached_done++;
  CHECK0(pthread_cond_signal(&detached_cond));
  CHECK0(pthread_mutex_unlock(&detached_lock));
  return NULL;
}

int main(void) {
  void* value = NULL;
  pthread_t t;
  CHECK0(sem_init(&go, 0, 0));
  CHECK0(pthread_create(&t, NULL, slow, NULL));
  EXPECT(pthread_tryjoin_np(t, &value) == EBUSY);
  struct timespec d = deadline_in(10 * 1000000L);
  EXPECT(pthread_timedjoin_np(t, &value, &d) == ETIMEDOUT);
  CHECK0(sem_post(&go));
  d = deadline_in(10LL * 1000000000);
  EXPECT(pthread_timedjoin_np(t, &value, &d) == 0);
  EXPECT((intptr_t)value == 1);

  CHECK0(pthread_create(&t, NULL, returns, (void*)(intptr_t)2));
  CHECK0(pthread_join(t, &value));
  EXPECT((intptr_t)value == 2);

  CHECK0(pthread_create(&t, NULL, returns, (void*)(intptr_t)3));
  int rc;
  while ((rc = pthread_tryjoin_np(t, &value)) == EBUSY) sched_yield();
  EXPECT(rc == 0 && (intptr_t)value == 3);

  CHECK0(pthread_create(&t, NULL, detached, NULL));
  CHECK0(pthread_detach(t));
  pthread_attr_t attr;
  CHECK0(pthread_attr_init(&attr));
  CHECK0(pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED));
  CHECK0(pthread_create(&t, &attr, detached, NULL));
  CHECK0(pthread_attr_destroy(&attr));
  CHECK0(pthread_mutex_lock(&detached_lock));
  while (detached_done < 2) CHECK0(pthread_cond_wait(&detached_cond, &detached_lock));
  CHECK0(pthread_mutex_unlock(&detached_lock));

  printf("join ok\n");
  return 0;
}
