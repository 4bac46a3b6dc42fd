/* spin_ok.c — a counter guarded by a pthread spinlock, with lock and trylock.
 *
 * Two threads each add 1 to a shared counter 50 times under a pthread_spinlock_t, one
 * with pthread_spin_lock, one with pthread_spin_trylock (retrying with sched_yield on
 * EBUSY). Each critical section reads, yields (a schedule point while holding the lock),
 * and writes back: a broken spinlock model loses increments.
 *
 * Expected outcome: "counter = 100", exit 0.
 * Families: pthread_spin_lock/trylock/unlock (init/destroy), sched_yield, create/join.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
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

enum { kIncrements = 50 };

static pthread_spinlock_t counter_spin;
static int counter;

static void* adder(void* arg) {
  int use_try = (int)(intptr_t)arg;
  for (int i = 0; i < kIncrements; i++) {
    if (use_try) {
      int rc;
      while ((rc = pthread_spin_trylock(&counter_spin)) == EBUSY) sched_yield();
      CHECK0(rc);
    } else {
      CHECK0(pthread_spin_lock(&counter_spin));
    }
    int seen = counter;
    sched_yield();
    counter = seen + 1;
    CHECK0(pthread_spin_unlock(&counter_spin));
  }
  return NULL;
}

int main(void) {
  CHECK0(pthread_spin_init(&counter_spin, PTHREAD_PROCESS_PRIVATE));
  pthread_t a, b;
  CHECK0(pthread_create(&a, NULL, adder, (void*)(intptr_t)0));
  CHECK0(pthread_create(&b, NULL, adder, (void*)(intptr_t)1));
  CHECK0(pthread_join(a, NULL));
  CHECK0(pthread_join(b, NULL));
  CHECK0(pthread_spin_destroy(&counter_spin));
  printf("counter = %d\n", counter);
  return counter == 2 * kIncrements ? 0 : 1;
}
