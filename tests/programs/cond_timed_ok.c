/* cond_timed_ok.c — timed condition waits: pthread_cond_timedwait and
 * pthread_cond_clockwait, both when the deadline fires and when a signal comes first.
 *
 * 1. timedwait (CLOCK_REALTIME deadline, +50 ms) on a condition nobody signals: must
 *    return ETIMEDOUT, and CLOCK_REALTIME must have reached the deadline.
 * 2. clockwait (CLOCK_MONOTONIC, +50 ms): same.
 * 3. A signaller sleeps 20 ms then sets a flag and signals; the waiter loops on
 *    timedwait with a 10 s deadline: must wake by the signal, not time out.
 * 4. Same with clockwait and a signaller sleeping 30 ms.
 * 5. The waiter polls with 5 ms clockwait deadlines, the first before the signaller
 *    exists (it must time out), then while the signaller sleeps 40 ms: the flag is seen.
 *    (Under weft a sleep may end early as a scheduling decision: the first poll does not
 *    depend on how fast the signaller is.)
 * 6. A condition created with pthread_condattr_setclock(CLOCK_MONOTONIC): timedwait takes
 *    a CLOCK_MONOTONIC deadline (+50 ms, nobody signals: ETIMEDOUT once the monotonic
 *    clock reached it), and with a 10 s deadline it wakes by the signal.
 *
 * Expected outcome: "cond timed ok", exit 0. Any failed check prints it and exits 1.
 * Families: pthread_cond_timedwait/clockwait/signal, mutex, nanosleep, clock_gettime.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
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
static pthread_cond_t never_signalled = PTHREAD_COND_INITIALIZER;
static pthread_cond_t flag_cond = PTHREAD_COND_INITIALIZER;
static int flag;

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

static void* signaller(void* arg) {
  struct timespec delay = {.tv_sec = 0, .tv_nsec = (long)(intptr_t)arg * 1000000L};
  nanosleep(&delay, NULL);
  CHECK0(pthread_mutex_lock(&lock));
  flag = 1;
  CHECK0(pthread_cond_signal(&flag_cond));
  CHECK0(pthread_mutex_unlock(&lock));
  return NULL;
}

static void expect_timeout(int use_clockwait) {
  clockid_t clock = use_clockwait ? CLOCK_MONOTONIC : CLOCK_REALTIME;
  struct timespec deadline = deadline_in(clock, 50 * 1000000L);
  CHECK0(pthread_mutex_lock(&lock));
  int rc;
  do { /* a spurious wake-up returns 0: wait again */
    rc = use_clockwait ? pthread_cond_clockwait(&never_signalled, &lock, clock, &deadline)
                       : pthread_cond_timedwait(&never_signalled, &lock, &deadline);
  } while (rc == 0);
  CHECK0(pthread_mutex_unlock(&lock));
  EXPECT(rc == ETIMEDOUT);
  EXPECT(now_ns(clock) >= ts_ns(deadline));
}

static void expect_signal(int use_clockwait, int signaller_delay_ms) {
  clockid_t clock = use_clockwait ? CLOCK_MONOTONIC : CLOCK_REALTIME;
  flag = 0;
  pthread_t s;
  CHECK0(pthread_create(&s, NULL, signaller, (void*)(intptr_t)signaller_delay_ms));
  struct timespec deadline = deadline_in(clock, 10LL * 1000000000);
  CHECK0(pthread_mutex_lock(&lock));
  while (!flag) {
    int rc = use_clockwait ? pthread_cond_clockwait(&flag_cond, &lock, clock, &deadline)
                           : pthread_cond_timedwait(&flag_cond, &lock, &deadline);
    EXPECT(rc == 0);
  }
  CHECK0(pthread_mutex_unlock(&lock));
  CHECK0(pthread_join(s, NULL));
}

static void expect_polls(void) {
  flag = 0;
  int timeouts = 0;
  CHECK0(pthread_mutex_lock(&lock));
  /* The first poll: nobody can signal yet, it must time out. */
  struct timespec first = deadline_in(CLOCK_MONOTONIC, 5 * 1000000L);
  int rc = pthread_cond_clockwait(&flag_cond, &lock, CLOCK_MONOTONIC, &first);
  EXPECT(rc == 0 || rc == ETIMEDOUT); /* 0: a spurious wake-up */
  if (rc == ETIMEDOUT) timeouts++;
  pthread_t s;
  CHECK0(pthread_create(&s, NULL, signaller, (void*)(intptr_t)40));
  while (!flag) {
    struct timespec deadline = deadline_in(CLOCK_MONOTONIC, 5 * 1000000L);
    rc = pthread_cond_clockwait(&flag_cond, &lock, CLOCK_MONOTONIC, &deadline);
    EXPECT(rc == 0 || rc == ETIMEDOUT);
    if (rc == ETIMEDOUT) timeouts++;
  }
  CHECK0(pthread_mutex_unlock(&lock));
  CHECK0(pthread_join(s, NULL));
  EXPECT(timeouts >= 1);
}

static void expect_monotonic_condition(void) {
  pthread_condattr_t attr;
  pthread_cond_t cond;
  CHECK0(pthread_condattr_init(&attr));
  CHECK0(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC));
  CHECK0(pthread_cond_init(&cond, &attr));
  CHECK0(pthread_condattr_destroy(&attr));
  struct timespec deadline = deadline_in(CLOCK_MONOTONIC, 50 * 1000000L);
  CHECK0(pthread_mutex_lock(&lock));
  int rc;
  do {
    rc = pthread_cond_timedwait(&cond, &lock, &deadline);
  } while (rc == 0);
  CHECK0(pthread_mutex_unlock(&lock));
  EXPECT(rc == ETIMEDOUT);
  EXPECT(now_ns(CLOCK_MONOTONIC) >= ts_ns(deadline));
  CHECK0(pthread_cond_destroy(&cond));

  /* The signaller signals flag_cond: wait on a monotonic flag_cond for this part. */
  CHECK0(pthread_condattr_init(&attr));
  CHECK0(pthread_condattr_setclock(&attr, CLOCK_MONOTONIC));
  CHECK0(pthread_cond_destroy(&flag_cond));
  CHECK0(pthread_cond_init(&flag_cond, &attr));
  CHECK0(pthread_condattr_destroy(&attr));
  flag = 0;
  pthread_t s;
  CHECK0(pthread_create(&s, NULL, signaller, (void*)(intptr_t)20));
  deadline = deadline_in(CLOCK_MONOTONIC, 10LL * 1000000000);
  CHECK0(pthread_mutex_lock(&lock));
  while (!flag) EXPECT(pthread_cond_timedwait(&flag_cond, &lock, &deadline) == 0);
  CHECK0(pthread_mutex_unlock(&lock));
  CHECK0(pthread_join(s, NULL));
}

int main(void) {
  expect_timeout(0);
  expect_timeout(1);
  expect_signal(0, 20);
  expect_signal(1, 30);
  expect_polls();
  expect_monotonic_condition();
  printf("cond timed ok\n");
  return 0;
}
