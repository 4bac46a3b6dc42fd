/* three_thread_racy.c — a bug that needs two preemptions among three threads.
 *
 * A "publisher" fills a two-part record (name, then value), each part in its own locked
 * step; a "reader" copies both parts under one lock; a "resetter" clears the record under
 * the lock once. The reader reports a torn record — a name without its value — only if it
 * runs exactly between the publisher's two steps (preemption 1) and the resetter has not
 * run before the publisher started (it runs after the reader, or in between: a second
 * preemption is needed for the reader to come back before the publisher finishes).
 *
 * Expected outcome: "record ok" and exit 0 almost always natively; "torn record" and exit 1
 * in the interleaving publisher-step1, reader, publisher-step2.
 * Families: mutex lock/unlock, create/join.
 */
#include <pthread.h>
#include <stdio.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int name_set, value_set, torn;

static void* publisher(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  name_set = 1;
  pthread_mutex_unlock(&lock);
  pthread_mutex_lock(&lock);
  value_set = 1;
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void* reader(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  if (name_set && !value_set) torn = 1;
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void* resetter(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  if (name_set && value_set) name_set = value_set = 0;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  pthread_t p, r, z;
  pthread_create(&z, NULL, resetter, NULL);
  pthread_create(&r, NULL, reader, NULL);
  pthread_create(&p, NULL, publisher, NULL);
  pthread_join(p, NULL);
  pthread_join(r, NULL);
  pthread_join(z, NULL);
  if (torn) {
    printf("torn record\n");
    return 1;
  }
  printf("record ok\n");
  return 0;
}
