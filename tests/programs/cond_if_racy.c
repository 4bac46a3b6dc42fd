/* cond_if_racy.c — a condition wait inside an `if` instead of a `while`.
 *
 * Two consumers each take one item from a queue, waiting on a condition while it is empty;
 * two producers each add one item and signal. A consumer checks the queue with `if`, not
 * `while`: when a producer signals a waiting consumer and another consumer takes the item
 * before the woken one gets the mutex back, the woken one finds the queue empty. Before
 * the threads start, main reads its "configuration" alone: 500 locked steps in which no
 * other thread could run (a start-up of a real program does as much), which is why a PCT
 * that counts every event in its k spreads its change points over the start-up and misses
 * the bug, while PCT over the choices (decisions with more than one thread to run) does not.
 *
 * Expected outcome: "queue ok" and exit 0 almost always natively; "consumer woke to an
 * empty queue" and exit 1 when a consumer's wake-up was stolen.
 * Families: mutex lock/unlock, cond wait/signal, create/join.
 */
#include <pthread.h>
#include <stdio.h>

#define CONFIG_STEPS 500

static pthread_mutex_t config_lock = PTHREAD_MUTEX_INITIALIZER;
static int config;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t nonempty = PTHREAD_COND_INITIALIZER;
static int items, stolen;

static void* consumer(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  if (items == 0) pthread_cond_wait(&nonempty, &lock); /* the bug: `if`, not `while` */
  if (items == 0) {
    stolen = 1;
  } else {
    items--;
  }
  pthread_mutex_unlock(&lock);
  return NULL;
}

static void* producer(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  items++;
  pthread_cond_signal(&nonempty);
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  for (int i = 0; i < CONFIG_STEPS; i++) {
    pthread_mutex_lock(&config_lock);
    config++;
    pthread_mutex_unlock(&config_lock);
  }
  pthread_t c1, c2, p1, p2;
  pthread_create(&c1, NULL, consumer, NULL);
  pthread_create(&c2, NULL, consumer, NULL);
  pthread_create(&p1, NULL, producer, NULL);
  pthread_create(&p2, NULL, producer, NULL);
  pthread_join(c1, NULL);
  pthread_join(c2, NULL);
  pthread_join(p1, NULL);
  pthread_join(p2, NULL);
  if (stolen) {
    printf("consumer woke to an empty queue\n");
    return 1;
  }
  printf("queue ok\n");
  return 0;
}
