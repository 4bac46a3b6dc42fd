/* sleep_ok.c — sleeps 2 s in total across two threads, with every sleep call, and checks
 * that the clocks advanced by at least the time slept.
 *
 * Thread "sleeper1": sleep(1).
 * Thread "sleeper2": usleep(250 ms), nanosleep(250 ms), clock_nanosleep(CLOCK_MONOTONIC,
 *   relative 250 ms), clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, now + 250 ms).
 * Each sleep is measured with clock_gettime(CLOCK_MONOTONIC) (and CLOCK_REALTIME for the
 * absolute one); main checks both clocks advanced by at least 1 s overall.
 *
 * Expected outcome: "slept 2000 ms in total", exit 0; natively it takes about 1 s of wall
 * time, under weft's virtual time a few milliseconds. A clock that did not advance enough
 * prints "... advanced only N ms ..." and exits 1.
 * Families: sleep, usleep, nanosleep, clock_nanosleep (relative, absolute), clock_gettime,
 * create/join.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK0(call)                                                                \
  do {                                                                              \
    int rc_ = (call);                                                               \
    if (rc_ != 0) {                                                                 \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(rc_)); \
      exit(2);                                                                      \
    }                                                                               \
  } while (0)

static const int64_t kMs = 1000000;

static int64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void expect_advanced(const char* what, clockid_t clock, int64_t since, int64_t ns) {
  int64_t advanced = now_ns(clock) - since;
  if (advanced < ns) {
    printf("%s: %s advanced only %lld ms of %lld ms\n", what,
           clock == CLOCK_MONOTONIC ? "CLOCK_MONOTONIC" : "CLOCK_REALTIME",
           (long long)(advanced / kMs), (long long)(ns / kMs));
    exit(1);
  }
}

static void* sleeper1(void* arg) {
  int64_t t0 = now_ns(CLOCK_MONOTONIC);
  sleep(1);
  expect_advanced("sleep(1)", CLOCK_MONOTONIC, t0, 1000 * kMs);
  return NULL;
}

static void* sleeper2(void* arg) {
  int64_t t0 = now_ns(CLOCK_MONOTONIC);
  usleep(250000);
  expect_advanced("usleep", CLOCK_MONOTONIC, t0, 250 * kMs);

  t0 = now_ns(CLOCK_MONOTONIC);
  struct timespec rel = {.tv_sec = 0, .tv_nsec = 250 * kMs};
  nanosleep(&rel, NULL);
  expect_advanced("nanosleep", CLOCK_MONOTONIC, t0, 250 * kMs);

  t0 = now_ns(CLOCK_MONOTONIC);
  CHECK0(clock_nanosleep(CLOCK_MONOTONIC, 0, &rel, NULL));
  expect_advanced("clock_nanosleep relative", CLOCK_MONOTONIC, t0, 250 * kMs);

  int64_t r0 = now_ns(CLOCK_REALTIME);
  int64_t until = r0 + 250 * kMs;
  struct timespec abs_deadline = {.tv_sec = until / 1000000000, .tv_nsec = until % 1000000000};
  CHECK0(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &abs_deadline, NULL));
  expect_advanced("clock_nanosleep absolute", CLOCK_REALTIME, r0, 250 * kMs);
  return NULL;
}

int main(void) {
  int64_t mono0 = now_ns(CLOCK_MONOTONIC);
  int64_t real0 = now_ns(CLOCK_REALTIME);
  pthread_t a, b;
  CHECK0(pthread_create(&a, NULL, sleeper1, NULL));
  CHECK0(pthread_create(&b, NULL, sleeper2, NULL));
  CHECK0(pthread_join(a, NULL));
  CHECK0(pthread_join(b, NULL));
  expect_advanced("main", CLOCK_MONOTONIC, mono0, 1000 * kMs);
  expect_advanced("main", CLOCK_REALTIME, real0, 1000 * kMs);
  printf("slept 2000 ms in total\n");
  return 0;
}
