/* barrier_racy.c — a missing second barrier: the reduction races with its readers.
 *
 * Two threads each compute a partial sum (10 and 20), publish it, and wait at a barrier.
 * The thread that gets PTHREAD_BARRIER_SERIAL_THREAD then stores the total; both threads
 * read the total right after the barrier. BUG: there is no second barrier between the
 * store and the reads, so the other thread can read the total before it is stored.
 * Natively the race is rare: thread 0 does some pure computation (no schedule point)
 * before arriving, so it is usually the last to arrive, which glibc makes the serial thread;
 * it stores the total at once, while the other thread still wakes up and formats its report
 * (more pure computation) before reading the total.
 *
 * Expected outcome: "total = 30" and exit 0, or "thread T read total = 0 (expected 30)"
 * and exit 1 in the racy interleaving. Natively it almost always passes.
 * Families: pthread_barrier_wait, create/join.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK0(call)                                                                \
  do {                                                                              \
    int rc_ = (call);                                                               \
    if (rc_ != 0) {                                                                 \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(rc_)); \
      exit(2);                                                                      \
    }                                                                               \
  } while (0)

static pthread_barrier_t sum_barrier;
static atomic_int partial[2];
static atomic_int total;

/* Pure computation: `iterations` rounds of arithmetic, no schedule point. */
static unsigned busy_work(int iterations) {
  volatile unsigned acc = 0;
  for (int i = 0; i < iterations; i++) acc += (unsigned)i;
  return acc;
}

static int compute(int id) {
  if (id == 0) busy_work(2000000);
  return (id + 1) * 10;
}

static void* worker(void* arg) {
  int id = (int)(intptr_t)arg;
  atomic_store(&partial[id], compute(id));
  int rc = pthread_barrier_wait(&sum_barrier);
  if (rc == PTHREAD_BARRIER_SERIAL_THREAD)
    atomic_store(&total, atomic_load(&partial[0]) + atomic_load(&partial[1]));
  else
    CHECK0(rc);
  /* BUG: a second pthread_barrier_wait belongs here. */
  busy_work(200000); /* format the report */
  int seen = atomic_load(&total);
  if (seen != 30) {
    printf("thread %d read total = %d (expected 30)\n", id, seen);
    exit(1);
  }
  return NULL;
}

int main(void) {
  CHECK0(pthread_barrier_init(&sum_barrier, NULL, 2));
  pthread_t t[2];
  for (int i = 0; i < 2; i++) CHECK0(pthread_create(&t[i], NULL, worker, (void*)(intptr_t)i));
  for (int i = 0; i < 2; i++) CHECK0(pthread_join(t[i], NULL));
  printf("total = %d\n", atomic_load(&total));
  return 0;
}
