/* barrier_racy.c — a missing second barrier: the reduction races with its readers.
 *
 * Two threads each compute a partial sum (10 and 20), publish it, and wait at a barrier.
 * The thread that gets PTHREAD_BARRIER_SERIAL_THREAD then stores the total; both threads
 * read the total right after the barrier. BUG: there is no second barrier between the
 * store and the reads, so the other thread can read the total before it is stored.
 * Thread 0 does some pure computation before arriving, so natively it is usually the last
 * to arrive, which glibc makes the serial thread, and it stores the total while the other
 * thread is still waking up.
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

#define CHECK0(call)                                                                   \
  do {                                                                                 \
    int rc_ = (call);                                                                  \
    if (rc_ != 0) {                                                                    \
      fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, strerror(rc_));    \
      exit(2);                                                                         \
    }                                                                                  \
  } while (0)

static pthread_barrier_t sum_barrier;
static atomic_int partial[2];
static atomic_int total;

static int compute(int id) {
  volatile unsigned spin = 0;
  if (id == 0)
    for (int i = 0; i < 2000000; i++) spin += (unsigned)i; /* no schedule point */
  return (id + 1) * 10 + (int)(spin & 0);
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
