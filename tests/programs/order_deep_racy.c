/* order_deep_racy.c — an order violation that needs one thread to run far ahead.
 *
 * The producer makes 60 locked steps; the consumer's first action assumes the producer has
 * not finished yet (it reads `steps` expecting a partial count, as a "progress monitor"
 * would). The bug shows only when the producer runs all 60 steps before the consumer runs
 * at all: a per-step coin flip gets there with probability 2^-60, PCT with about 1/2.
 *
 * Expected outcome: exit 0 almost always natively and under a random walk; "monitor saw
 * a finished producer" and exit 1 when the producer ran all the way first.
 * Families: mutex lock/unlock, create/join.
 */
#include <pthread.h>
#include <stdio.h>

#define STEPS 60

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int steps;

static void* producer(void* arg) {
  (void)arg;
  for (int i = 0; i < STEPS; i++) {
    pthread_mutex_lock(&lock);
    steps++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

static void* monitor(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  int seen = steps;
  pthread_mutex_unlock(&lock);
  if (seen == STEPS) {
    printf("monitor saw a finished producer\n");
    return (void*)1;
  }
  return NULL;
}

int main(void) {
  pthread_t p, m;
  void* bad = NULL;
  pthread_create(&p, NULL, producer, NULL);
  pthread_create(&m, NULL, monitor, NULL);
  pthread_join(p, NULL);
  pthread_join(m, &bad);
  printf("steps = %d\n", steps);
  return bad != NULL ? 1 : 0;
}
