/* unstarted_racy.c — a thread that may run before its input is ready, never joined.
 *
 * main starts a reader (T1) that expects `config_ready`, then a counter (T2), then sets
 * config_ready and returns without joining either. If the reader takes the lock before
 * main sets the flag, it prints "reader saw no config" and exits 1. In many schedules the
 * reader never runs at all: the trace then has an earlier-created thread without events
 * beside a later one with events, and the reader's first operation stays pending at the
 * end. No event of the reader pairs with anything, and reversing the pairs of main and the
 * counter never lets it run: only trying the pending operation finds the bug.
 *
 * Expected outcome: a correct interleaving prints "count = 0" or "count = 1" and exits 0;
 * the racy one exits 1. Natively the reader needs a thread start before its lock while
 * main goes straight on: it mostly passes.
 * Families: pthread_create/join, pthread_mutex_lock/unlock.
 */
#include <pthread.h>
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

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static int config_ready;
static int count;

static void* reader(void* arg) {
  (void)arg;
  CHECK0(pthread_mutex_lock(&config_lock));
  if (!config_ready) {
    printf("reader saw no config\n");
    fflush(stdout);
    exit(1);
  }
  CHECK0(pthread_mutex_unlock(&config_lock));
  return NULL;
}

static void* counter(void* arg) {
  (void)arg;
  CHECK0(pthread_mutex_lock(&config_lock));
  ++count;
  CHECK0(pthread_mutex_unlock(&config_lock));
  return NULL;
}

int main(void) {
  pthread_t r, c;
  CHECK0(pthread_create(&r, NULL, reader, NULL));
  CHECK0(pthread_create(&c, NULL, counter, NULL));
  CHECK0(pthread_mutex_lock(&config_lock));
  config_ready = 1;
  int n = count;
  CHECK0(pthread_mutex_unlock(&config_lock));
  printf("count = %d\n", n);
  return 0; /* neither thread is joined */
}
