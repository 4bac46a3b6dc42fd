/* cond_loop_ok.c — condition variables used right: a queue with predicate loops.
 *
 * One producer puts 20 items (1..20) into a bounded queue of 3; two consumers take them.
 * Every wait is in a `while (!predicate)` loop under the mutex; the producer signals
 * "not empty" per item, consumers signal "not full", and the producer broadcasts "done".
 *
 * Expected outcome: always "consumed 20 items, sum = 210", exit 0.
 * Families: pthread_cond_wait/signal/broadcast, pthread_mutex_lock/unlock, create/join.
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

enum { kItems = 20, kCapacity = 3 };

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int queue[kCapacity];
static int head, count, done;
static int consumed, sum;

static void* producer(void* arg) {
  for (int item = 1; item <= kItems; item++) {
    CHECK0(pthread_mutex_lock(&queue_lock));
    while (count == kCapacity) CHECK0(pthread_cond_wait(&not_full, &queue_lock));
    queue[(head + count) % kCapacity] = item;
    count++;
    CHECK0(pthread_cond_signal(&not_empty));
    CHECK0(pthread_mutex_unlock(&queue_lock));
  }
  CHECK0(pthread_mutex_lock(&queue_lock));
  done = 1;
  CHECK0(pthread_cond_broadcast(&not_empty));
  CHECK0(pthread_mutex_unlock(&queue_lock));
  return NULL;
}

static void* consumer(void* arg) {
  for (;;) {
    CHECK0(pthread_mutex_lock(&queue_lock));
    while (count == 0 && !done) CHECK0(pthread_cond_wait(&not_empty, &queue_lock));
    if (count == 0 && done) {
      CHECK0(pthread_mutex_unlock(&queue_lock));
      return NULL;
    }
    int item = queue[head];
    head = (head + 1) % kCapacity;
    count--;
    consumed++;
    sum += item;
    CHECK0(pthread_cond_signal(&not_full));
    CHECK0(pthread_mutex_unlock(&queue_lock));
  }
}

int main(void) {
  pthread_t p, c1, c2;
  CHECK0(pthread_create(&c1, NULL, consumer, NULL));
  CHECK0(pthread_create(&c2, NULL, consumer, NULL));
  CHECK0(pthread_create(&p, NULL, producer, NULL));
  CHECK0(pthread_join(p, NULL));
  CHECK0(pthread_join(c1, NULL));
  CHECK0(pthread_join(c2, NULL));
  printf("consumed %d items, sum = %d\n", consumed, sum);
  return consumed == kItems && sum == kItems * (kItems + 1) / 2 ? 0 : 1;
}
