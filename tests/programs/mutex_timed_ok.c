/* mutex_timed_ok.c — pthread_mutex_trylock, pthread_mutex_timedlock and
 * pthread_mutex_clocklock, both against a holder and under contention.
 *
 * 1. A holder thread keeps `lock` until told to let go. Meanwhile main checks:
 *    trylock -> EBUSY; timedlock (CLOCK_REALTIME, +30 ms) -> ETIMEDOUT with the clock past
 *    the deadline; clocklock (CLOCK_MONOTONIC, +30 ms) -> ETIMEDOUT likewise.
 *    Then main tells the holder to let go and timedlock (+10 s) succeeds.
 * 2. Two threads each add 1 to a counter 30 times, cycling through lock, trylock (retry
 *    with sched_yield), timedlock and clocklock (retry on ETIMEDOUT, 1 ms deadlines).
 *
 * Expected outcome: "mutex timed ok: counter = 60", exit 0.
 * Families: pthread_mutex_lock/trylock/timedlock/clocklock/unlock, cond wait/signal,
 * sched_yield, clock_gettime, create/join.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
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

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t hs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hs_cond = PTHREAD_COND_INITIALIZER;
static int held, let_go, counter;

static int64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static struct timespec deadline_in(clockid_t clock, int64_t ns) {
  int64_t t = now_ns(clock) + ns;
  struct timespec ts = {.tv_sec = t / 1000000000, .tv_nsec = t % 1000000000};
  return ts;
}

static int64_t ts_ns(struct timespec ts) { return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec; }

static void* holder(void* arg) {
  CHECK0(pthread_mutex_lock(&lock));
  CHECK0(pthread_mutex_lock(&hs_lock));
  held = 1;
  CHECK0(pthread_cond_signal(&hs_cond));
  while (!let_go) CHECK0(pthread_cond_wait(&hs_cond, &hs_lock));
  CHECK0(pthread_mutex_unlock(&hs_lock));
  CHECK0(pthread_mutex_unlock(&lock));
  return NULL;
}

static void* adder(void* arg) {
  int id = (int)(intptr_t)arg;
  for (int i = 0; i < 30; i++) {
    int rc;
    struct timespec d;
    switch ((i + id) % 4) {
      case 0:
        CHECK0(pthread_mutex_lock(&lock));
        break;
      case 1:
        while ((rc = pthread_mutex_trylock(&lock)) == EBUSY) sched_yield();
        CHECK0(rc);
        break;
      case 2:
        do {
          d = deadline_in(CLOCK_REALTIME, 1000000L);
        } while ((rc = pthread_mutex_timedlock(&lock, &d)) == ETIMEDOUT);
        CHECK0(rc);
        break;
      default:
        do {
          d = deadline_in(CLOCK_MONOTONIC, 1000000L);
        } while ((rc = pthread_mutex_clocklock(&lock, CLOCK_MONOTONIC, &d)) == ETIMEDOUT);
        CHECK0(rc);
        break;
    }
    int seen = counter;
    sched_yield(); /* a schedule point while holding the lock */
    counter = seen + 1;
    CHECK0(pthread_mutex_unlock(&lock));
  }
  return NULL;
}

int main(void) {
  pthread_t h;
  CHECK0(pthread_create(&h, NULL, holder, NULL));
  CHECK0(pthread_mutex_lock(&hs_lock));
  while (!held) CHECK0(pthread_cond_wait(&hs_cond, &hs_lock));
  CHECK0(pthread_mutex_unlock(&hs_lock));

  EXPECT(pthread_mutex_trylock(&lock) == EBUSY);
  struct timespec d = deadline_in(CLOCK_REALTIME, 30 * 1000000L);
  EXPECT(pthread_mutex_timedlock(&lock, &d) == ETIMEDOUT);
  EXPECT(now_ns(CLOCK_REALTIME) >= ts_ns(d));
  d = deadline_in(CLOCK_MONOTONIC, 30 * 1000000L);
  EXPECT(pthread_mutex_clocklock(&lock, CLOCK_MONOTONIC, &d) == ETIMEDOUT);
  EXPECT(now_ns(CLOCK_MONOTONIC) >= ts_ns(d));

  CHECK0(pthread_mutex_lock(&hs_lock));
  let_go = 1;
  CHECK0(pthread_cond_signal(&hs_cond));
  CHECK0(pthread_mutex_unlock(&hs_lock));
  d = deadline_in(CLOCK_REALTIME, 10LL * 1000000000);
  EXPECT(pthread_mutex_timedlock(&lock, &d) == 0);
  CHECK0(pthread_mutex_unlock(&lock));
  CHECK0(pthread_join(h, NULL));

  pthread_t a, b;
  CHECK0(pthread_create(&a, NULL, adder, (void*)(intptr_t)0));
  CHECK0(pthread_create(&b, NULL, adder, (void*)(intptr_t)1));
  CHECK0(pthread_join(a, NULL));
  CHECK0(pthread_join(b, NULL));
  printf("mutex timed ok: counter = %d\n", counter);
  return counter == 60 ? 0 : 1;
}
