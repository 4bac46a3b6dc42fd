/* barrier_ok.c — a pthread barrier separating phases, used right.
 *
 * Three threads run 4 phases. In each phase every thread writes its slot, waits at the
 * barrier, checks every slot holds this phase's value, and waits at the barrier again
 * before the next phase overwrites the slots. Exactly one thread per barrier round gets
 * PTHREAD_BARRIER_SERIAL_THREAD.
 *
 * Expected outcome: "barrier ok: 4 phases, 8 serial", exit 0. A stale slot prints
 * "phase P: slot I = V" and exits 1.
 * Families: pthread_barrier_wait (init/destroy), create/join, mutex.
 */
#include <pthread.h>
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

enum { kThreads = 3, kPhases = 4 };

static pthread_barrier_t phase_barrier;
static pthread_mutex_t serial_lock = PTHREAD_MUTEX_INITIALIZER;
static int slots[kThreads];
static int serial_count;

static void barrier_wait(void) {
  int rc = pthread_barrier_wait(&phase_barrier);
  if (rc == PTHREAD_BARRIER_SERIAL_THREAD) {
    CHECK0(pthread_mutex_lock(&serial_lock));
    serial_count++;
    CHECK0(pthread_mutex_unlock(&serial_lock));
  } else {
    CHECK0(rc);
  }
}

static void* worker(void* arg) {
  int id = (int)(intptr_t)arg;
  for (int phase = 1; phase <= kPhases; phase++) {
    slots[id] = phase * 10 + id;
    barrier_wait();
    for (int i = 0; i < kThreads; i++) {
      if (slots[i] != phase * 10 + i) {
        printf("phase %d: slot %d = %d\n", phase, i, slots[i]);
        exit(1);
      }
    }
    barrier_wait();
  }
  return NULL;
}

int main(void) {
  CHECK0(pthread_barrier_init(&phase_barrier, NULL, kThreads));
  pthread_t t[kThreads];
  for (int i = 0; i < kThreads; i++)
    CHECK0(pthread_create(&t[i], NULL, worker, (void*)(intptr_t)i));
  for (int i = 0; i < kThreads; i++) CHECK0(pthread_join(t[i], NULL));
  CHECK0(pthread_barrier_destroy(&phase_barrier));
  printf("barrier ok: %d phases, %d serial\n", kPhases, serial_count);
  return serial_count == 2 * kPhases ? 0 : 1;
}
