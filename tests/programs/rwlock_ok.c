/* rwlock_ok.c — reader/writer locks used right, with every acquisition variant.
 *
 * Phase 1 (deterministic results): a holder thread keeps a read lock while main checks
 *   trywrlock -> EBUSY, tryrdlock -> 0, timedwrlock (+30 ms) -> ETIMEDOUT,
 *   clockwrlock (CLOCK_MONOTONIC, +30 ms) -> ETIMEDOUT, timedrdlock -> 0,
 *   clockrdlock -> 0; then the holder lets go and main's wrlock succeeds.
 * Phase 2: 3 readers x 12 reads and 1 writer x 12 writes on a pair (x, y) with the
 *   invariant x + y == 100, cycling through rdlock/tryrdlock/timedrdlock/clockrdlock and
 *   wrlock/trywrlock/timedwrlock/clockwrlock (try and timed variants retry on EBUSY /
 *   ETIMEDOUT). A reader that sees x + y != 100 prints "torn read" and exits 1.
 *
 * Expected outcome: "rwlock ok: reads = 36, writes = 12, x = 88", exit 0.
 * Families: pthread_rwlock_{rd,wr,tryrd,trywr,timedrd,timedwr,clockrd,clockwr,un}lock,
 * mutex + cond (hand-shake), sched_yield, create/join.
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

enum { kReaders = 3, kReads = 12, kWrites = 12 };

static pthread_rwlock_t pair_lock = PTHREAD_RWLOCK_INITIALIZER;
static int x = 100, y = 0;
static int reads, writes;

static pthread_mutex_t hs_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hs_cond = PTHREAD_COND_INITIALIZER;
static int held, release_it;

static struct timespec deadline_in(clockid_t clock, int64_t ns) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  int64_t t = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + ns;
  ts.tv_sec = t / 1000000000;
  ts.tv_nsec = t % 1000000000;
  return ts;
}

static void* holder(void* arg) {
  CHECK0(pthread_rwlock_rdlock(&pair_lock));
  CHECK0(pthread_mutex_lock(&hs_lock));
  held = 1;
  CHECK0(pthread_cond_signal(&hs_cond));
  while (!release_it) CHECK0(pthread_cond_wait(&hs_cond, &hs_lock));
  CHECK0(pthread_mutex_unlock(&hs_lock));
  CHECK0(pthread_rwlock_unlock(&pair_lock));
  return NULL;
}

static void phase1(void) {
  pthread_t h;
  CHECK0(pthread_create(&h, NULL, holder, NULL));
  CHECK0(pthread_mutex_lock(&hs_lock));
  while (!held) CHECK0(pthread_cond_wait(&hs_cond, &hs_lock));
  CHECK0(pthread_mutex_unlock(&hs_lock));

  EXPECT(pthread_rwlock_trywrlock(&pair_lock) == EBUSY);
  EXPECT(pthread_rwlock_tryrdlock(&pair_lock) == 0);
  CHECK0(pthread_rwlock_unlock(&pair_lock));
  struct timespec d = deadline_in(CLOCK_REALTIME, 30 * 1000000L);
  EXPECT(pthread_rwlock_timedwrlock(&pair_lock, &d) == ETIMEDOUT);
  d = deadline_in(CLOCK_MONOTONIC, 30 * 1000000L);
  EXPECT(pthread_rwlock_clockwrlock(&pair_lock, CLOCK_MONOTONIC, &d) == ETIMEDOUT);
  d = deadline_in(CLOCK_REALTIME, 30 * 1000000L);
  EXPECT(pthread_rwlock_timedrdlock(&pair_lock, &d) == 0);
  CHECK0(pthread_rwlock_unlock(&pair_lock));
  d = deadline_in(CLOCK_MONOTONIC, 30 * 1000000L);
  EXPECT(pthread_rwlock_clockrdlock(&pair_lock, CLOCK_MONOTONIC, &d) == 0);
  CHECK0(pthread_rwlock_unlock(&pair_lock));

  CHECK0(pthread_mutex_lock(&hs_lock));
  release_it = 1;
  CHECK0(pthread_cond_broadcast(&hs_cond));
  CHECK0(pthread_mutex_unlock(&hs_lock));
  CHECK0(pthread_rwlock_wrlock(&pair_lock));
  CHECK0(pthread_rwlock_unlock(&pair_lock));
  CHECK0(pthread_join(h, NULL));
}

/* Takes the lock with variant i % 4; try and timed variants retry until they get it. */
static void acquire(int i, int write) {
  struct timespec d;
  int rc;
  switch (i % 4) {
    case 0:
      CHECK0(write ? pthread_rwlock_wrlock(&pair_lock) : pthread_rwlock_rdlock(&pair_lock));
      return;
    case 1:
      while ((rc = write ? pthread_rwlock_trywrlock(&pair_lock)
                         : pthread_rwlock_tryrdlock(&pair_lock)) == EBUSY)
        sched_yield();
      CHECK0(rc);
      return;
    case 2:
      do {
        d = deadline_in(CLOCK_REALTIME, 1000000L);
        rc = write ? pthread_rwlock_timedwrlock(&pair_lock, &d)
                   : pthread_rwlock_timedrdlock(&pair_lock, &d);
      } while (rc == ETIMEDOUT);
      CHECK0(rc);
      return;
    default:
      do {
        d = deadline_in(CLOCK_MONOTONIC, 1000000L);
        rc = write ? pthread_rwlock_clockwrlock(&pair_lock, CLOCK_MONOTONIC, &d)
                   : pthread_rwlock_clockrdlock(&pair_lock, CLOCK_MONOTONIC, &d);
      } while (rc == ETIMEDOUT);
      CHECK0(rc);
      return;
  }
}

static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;

static void* reader(void* arg) {
  int id = (int)(intptr_t)arg;
  for (int i = 0; i < kReads; i++) {
    acquire(i + id, 0);
    int sum = x + y;
    CHECK0(pthread_rwlock_unlock(&pair_lock));
    if (sum != 100) {
      printf("torn read: x + y = %d\n", sum);
      exit(1);
    }
    CHECK0(pthread_mutex_lock(&count_lock));
    reads++;
    CHECK0(pthread_mutex_unlock(&count_lock));
  }
  return NULL;
}

static void* writer(void* arg) {
  for (int i = 0; i < kWrites; i++) {
    acquire(i, 1);
    x -= 1;
    sched_yield(); /* a schedule point inside the write section: readers must wait */
    y += 1;
    writes++;
    CHECK0(pthread_rwlock_unlock(&pair_lock));
  }
  return NULL;
}

int main(void) {
  phase1();
  pthread_t r[kReaders], w;
  for (int i = 0; i < kReaders; i++)
    CHECK0(pthread_create(&r[i], NULL, reader, (void*)(intptr_t)i));
  CHECK0(pthread_create(&w, NULL, writer, NULL));
  for (int i = 0; i < kReaders; i++) CHECK0(pthread_join(r[i], NULL));
  CHECK0(pthread_join(w, NULL));
  printf("rwlock ok: reads = %d, writes = %d, x = %d\n", reads, writes, x);
  return reads == kReaders * kReads && writes == kWrites && x == 100 - kWrites ? 0 : 1;
}
