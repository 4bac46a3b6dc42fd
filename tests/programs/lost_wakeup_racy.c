/* lost_wakeup_racy.c — a lost wake-up: condition wait without a predicate loop.
 *
 * The waiter reads `ready` outside the lock and, if it is not set, locks and waits once on
 * the condition variable. The setter sets `ready` and signals under the lock. If the setter
 * runs between the waiter's read and its wait, the signal finds no waiter and is lost: the
 * waiter waits forever and main waits forever to join it.
 *
 * Expected outcome: "ready = 1" and exit 0, or a deadlock (waiter blocked in
 * pthread_cond_wait, main blocked joining it). A spurious wake-up would print
 * "woke up but not ready" and exit 1 (the missing predicate loop). Natively the window is
 * a few instructions: it almost always completes.
 * Families: pthread_cond_wait/signal, pthread_mutex_lock/unlock, pthread_create/join.
 */
#include <pthread.h>
#include <stdatomic.h>
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

static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;
static atomic_int ready;

static void* waiter(void* arg) {
  if (!atomic_load_explicit(&ready, memory_order_relaxed)) { /* BUG: checked unlocked */
    CHECK0(pthread_mutex_lock(&ready_lock));
    CHECK0(pthread_cond_wait(&ready_cond, &ready_lock)); /* BUG: no predicate loop */
    CHECK0(pthread_mutex_unlock(&ready_lock));
  }
  if (!atomic_load_explicit(&ready, memory_order_relaxed)) {
    printf("woke up but not ready\n");
    exit(1);
  }
  return NULL;
}

static void* setter(void* arg) {
  CHECK0(pthread_mutex_lock(&ready_lock));
  atomic_store_explicit(&ready, 1, memory_order_relaxed);
  CHECK0(pthread_cond_signal(&ready_cond));
  CHECK0(pthread_mutex_unlock(&ready_lock));
  return NULL;
}

int main(void) {
  pthread_t w, s;
  CHECK0(pthread_create(&w, NULL, waiter, NULL));
  CHECK0(pthread_create(&s, NULL, setter, NULL));
  CHECK0(pthread_join(w, NULL));
  CHECK0(pthread_join(s, NULL));
  printf("ready = %d\n", atomic_load(&ready));
  return 0;
}
