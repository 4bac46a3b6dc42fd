/* futex_ok.c — a correct counter and a one-shot event built on raw futexes
 * (syscall(SYS_futex, ...), as Rust's std and other runtimes do).
 *
 * 1. Deterministic checks: FUTEX_WAIT_PRIVATE with a value that differs from the word ->
 *    -1/EAGAIN; FUTEX_WAIT_PRIVATE with a 20 ms relative timeout on a word nobody wakes ->
 *    -1/ETIMEDOUT; FUTEX_WAKE_PRIVATE with no waiter -> 0.
 * 2. A three-state futex mutex (Drepper's "Mutex, Take 2": 0 free, 1 locked, 2 locked with
 *    waiters; unlock wakes only when there were waiters). Three threads add 1 to a counter
 *    20 times each; every critical section yields while holding the lock, so the others
 *    find it locked and park in FUTEX_WAIT.
 * 3. A one-shot event: two threads park on `started` (FUTEX_WAIT while it is 0) until main
 *    sets it to 1 and wakes all (FUTEX_WAKE_PRIVATE, INT_MAX).
 *
 * Expected outcome: "futex ok: counter = 60", exit 0.
 * Families: syscall(SYS_futex) FUTEX_WAIT_PRIVATE (with and without timeout),
 * FUTEX_WAKE_PRIVATE, sched_yield, create/join.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
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
#define EXPECT(cond)                                                  \
  do {                                                                \
    if (!(cond)) {                                                    \
      printf("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                        \
    }                                                                 \
  } while (0)

static long futex_wait(atomic_int* word, int expected, const struct timespec* timeout) {
  return syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, timeout, NULL, 0);
}

static long futex_wake(atomic_int* word, int count) {
  return syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

static atomic_int counter_lock; /* 0 free, 1 locked, 2 locked and contended */
static atomic_int started;
static atomic_int lonely;
static int counter;

static void lock(atomic_int* m) {
  int c = 0;
  if (atomic_compare_exchange_strong(m, &c, 1)) return;
  if (c != 2) c = atomic_exchange(m, 2);
  while (c != 0) {
    if (futex_wait(m, 2, NULL) != 0 && errno != EAGAIN && errno != EINTR) {
      perror("futex wait");
      exit(2);
    }
    c = atomic_exchange(m, 2);
  }
}

static void unlock(atomic_int* m) {
  if (atomic_fetch_sub(m, 1) != 1) {
    atomic_store(m, 0);
    futex_wake(m, 1);
  }
}

static void* adder(void* arg) {
  while (atomic_load(&started) == 0) {
    if (futex_wait(&started, 0, NULL) != 0 && errno != EAGAIN && errno != EINTR) {
      perror("futex wait");
      exit(2);
    }
  }
  for (int i = 0; i < 20; i++) {
    lock(&counter_lock);
    int seen = counter;
    sched_yield(); /* hold the lock across a schedule point */
    counter = seen + 1;
    unlock(&counter_lock);
  }
  return NULL;
}

int main(void) {
  EXPECT(futex_wait(&lonely, 1, NULL) == -1 && errno == EAGAIN);
  struct timespec timeout = {.tv_sec = 0, .tv_nsec = 20 * 1000000L};
  EXPECT(futex_wait(&lonely, 0, &timeout) == -1 && errno == ETIMEDOUT);
  EXPECT(futex_wake(&lonely, 1) == 0);

  pthread_t t[3];
  for (int i = 0; i < 3; i++) CHECK0(pthread_create(&t[i], NULL, adder, NULL));
  atomic_store(&started, 1);
  futex_wake(&started, INT_MAX);
  for (int i = 0; i < 3; i++) CHECK0(pthread_join(t[i], NULL));
  printf("futex ok: counter = %d\n", counter);
  return counter == 60 ? 0 : 1;
}
