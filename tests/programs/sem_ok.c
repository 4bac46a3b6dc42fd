/* sem_ok.c — POSIX semaphores used right: a bounded buffer with two producers and two
 * consumers, taking slots with every wait variant.
 *
 * First, deterministic checks on an empty semaphore: sem_trywait -> -1/EAGAIN,
 * sem_timedwait (+20 ms) -> -1/ETIMEDOUT, sem_clockwait (CLOCK_MONOTONIC, +20 ms) ->
 * -1/ETIMEDOUT, and after sem_post, sem_trywait -> 0.
 * Then 2 producers x 10 items and 2 consumers x 10 items through a buffer of 4 slots:
 * `free_slots` (4) and `full_slots` (0) count, `buffer_lock` (a semaphore of 1) guards the
 * buffer. Waits cycle through sem_wait, sem_trywait (retry with sched_yield on EAGAIN),
 * sem_timedwait and sem_clockwait (retry on ETIMEDOUT, 1 ms deadlines).
 *
 * Expected outcome: "sem ok: consumed 20 items, sum = 210", exit 0.
 * Families: sem_wait/trywait/timedwait/clockwait/post, sched_yield, create/join.
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
#define CHECK_ERRNO(call)                                                             \
  do {                                                                                \
    if ((call) != 0) {                                                                \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(errno)); \
      exit(2);                                                                        \
    }                                                                                 \
  } while (0)
#define EXPECT(cond)                                                  \
  do {                                                                \
    if (!(cond)) {                                                    \
      printf("%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                        \
    }                                                                 \
  } while (0)

enum { kSlots = 4, kPerThread = 10 };

static sem_t free_slots, full_slots, buffer_lock, empty;
static int buffer[kSlots];
static int put_at, take_at, consumed, sum;

static struct timespec deadline_in(clockid_t clock, int64_t ns) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  int64_t t = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + ns;
  ts.tv_sec = t / 1000000000;
  ts.tv_nsec = t % 1000000000;
  return ts;
}

/* Waits on `s` with variant i % 4; try and timed variants retry until they succeed. */
static void take(sem_t* s, int i) {
  struct timespec d;
  switch (i % 4) {
    case 0:
      while (sem_wait(s) != 0) EXPECT(errno == EINTR);
      return;
    case 1:
      while (sem_trywait(s) != 0) {
        EXPECT(errno == EAGAIN);
        sched_yield();
      }
      return;
    case 2:
      for (;;) {
        d = deadline_in(CLOCK_REALTIME, 1000000L);
        if (sem_timedwait(s, &d) == 0) return;
        EXPECT(errno == ETIMEDOUT || errno == EINTR);
      }
    default:
      for (;;) {
        d = deadline_in(CLOCK_MONOTONIC, 1000000L);
        if (sem_clockwait(s, CLOCK_MONOTONIC, &d) == 0) return;
        EXPECT(errno == ETIMEDOUT || errno == EINTR);
      }
  }
}

static void* producer(void* arg) {
  int base = (int)(intptr_t)arg;
  for (int i = 0; i < kPerThread; i++) {
    take(&free_slots, i);
    take(&buffer_lock, i + 1);
    buffer[put_at] = base + i + 1;
    put_at = (put_at + 1) % kSlots;
    CHECK_ERRNO(sem_post(&buffer_lock));
    CHECK_ERRNO(sem_post(&full_slots));
  }
  return NULL;
}

static void* consumer(void* arg) {
  for (int i = 0; i < kPerThread; i++) {
    take(&full_slots, i + 2);
    take(&buffer_lock, i + 3);
    sum += buffer[take_at];
    take_at = (take_at + 1) % kSlots;
    consumed++;
    CHECK_ERRNO(sem_post(&buffer_lock));
    CHECK_ERRNO(sem_post(&free_slots));
  }
  return NULL;
}

int main(void) {
  CHECK_ERRNO(sem_init(&empty, 0, 0));
  EXPECT(sem_trywait(&empty) == -1 && errno == EAGAIN);
  struct timespec d = deadline_in(CLOCK_REALTIME, 20 * 1000000L);
  EXPECT(sem_timedwait(&empty, &d) == -1 && errno == ETIMEDOUT);
  d = deadline_in(CLOCK_MONOTONIC, 20 * 1000000L);
  EXPECT(sem_clockwait(&empty, CLOCK_MONOTONIC, &d) == -1 && errno == ETIMEDOUT);
  CHECK_ERRNO(sem_post(&empty));
  EXPECT(sem_trywait(&empty) == 0);

  CHECK_ERRNO(sem_init(&free_slots, 0, kSlots));
  CHECK_ERRNO(sem_init(&full_slots, 0, 0));
  CHECK_ERRNO(sem_init(&buffer_lock, 0, 1));
  pthread_t p1, p2, c1, c2;
  CHECK0(pthread_create(&c1, NULL, consumer, NULL));
  CHECK0(pthread_create(&c2, NULL, consumer, NULL));
  CHECK0(pthread_create(&p1, NULL, producer, (void*)(intptr_t)0));
  CHECK0(pthread_create(&p2, NULL, producer, (void*)(intptr_t)kPerThread));
  CHECK0(pthread_join(p1, NULL));
  CHECK0(pthread_join(p2, NULL));
  CHECK0(pthread_join(c1, NULL));
  CHECK0(pthread_join(c2, NULL));
  printf("sem ok: consumed %d items, sum = %d\n", consumed, sum);
  return consumed == 2 * kPerThread && sum == 210 ? 0 : 1;
}
