// explain_wakeup_racy: a waiter that waits without checking a predicate misses a signal
// sent before it waits (a lost wake-up: the run deadlocks) — `weft explain` must name the
// signaller's section before the waiter's.
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
static int ready = 0;

static void* waiter(void* arg) {
  pthread_mutex_lock(&m);     // WAIT-LINE
  pthread_cond_wait(&c, &m);  // no `while (!ready)`: a signal sent before this is lost
  pthread_mutex_unlock(&m);
  return arg;
}

static void* signaller(void* arg) {
  pthread_mutex_lock(&m);  // SIGNAL-LINE
  ready = 1;
  pthread_cond_signal(&c);
  pthread_mutex_unlock(&m);
  return arg;
}

int main(void) {
  pthread_t w, s;
  pthread_create(&w, NULL, waiter, NULL);
  pthread_create(&s, NULL, signaller, NULL);
  pthread_join(w, NULL);
  pthread_join(s, NULL);
  printf("ready %d\n", ready);
  return 0;
}
