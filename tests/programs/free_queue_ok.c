// A bounded queue (a mutex, two condition variables) between a producer (main) and three
// consumers; a semaphore counts the consumers that are done. Which consumer takes which
// item is up to the interleaving, and each prints what it took: a replay of a free
// recording (weft record --free) must print exactly the recording's lines.
//   free_queue_ok          the total is always right (exit 0)
//   free_queue_ok crash    the consumer that takes item 100 dereferences null (SIGSEGV)
//   free_queue_ok kill     main kills the whole program with SIGKILL after 150 items
//   free_queue_ok slow     main sleeps 10 ms after each item (a run of about 3 s)
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

enum { kConsumers = 3, kItems = 300, kCapacity = 4 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t not_empty = PTHREAD_COND_INITIALIZER;
static pthread_cond_t not_full = PTHREAD_COND_INITIALIZER;
static int queue[kCapacity];
static int head, count;
static sem_t done;
static long taken[kConsumers], sums[kConsumers];
static int crash_mode;

static void put(int item) {
  pthread_mutex_lock(&lock);
  while (count == kCapacity) pthread_cond_wait(&not_full, &lock);
  queue[(head + count) % kCapacity] = item;
  ++count;
  pthread_cond_signal(&not_empty);
  pthread_mutex_unlock(&lock);
}

static int take(void) {
  pthread_mutex_lock(&lock);
  while (count == 0) pthread_cond_wait(&not_empty, &lock);
  int item = queue[head];
  head = (head + 1) % kCapacity;
  --count;
  pthread_cond_signal(&not_full);
  pthread_mutex_unlock(&lock);
  return item;
}

static void* consumer(void* arg) {
  int id = (int)(long)arg;
  for (;;) {
    int item = take();
    if (item < 0) break;
    ++taken[id];
    sums[id] += item;
    if (crash_mode && item == 100) *(volatile int*)0 = item;
  }
  sem_post(&done);
  return NULL;
}

int main(int argc, char** argv) {
  crash_mode = argc > 1 && strcmp(argv[1], "crash") == 0;
  int kill_mode = argc > 1 && strcmp(argv[1], "kill") == 0;
  int slow_mode = argc > 1 && strcmp(argv[1], "slow") == 0;
  sem_init(&done, 0, 0);
  pthread_t t[kConsumers];
  for (long i = 0; i < kConsumers; ++i) pthread_create(&t[i], NULL, consumer, (void*)i);
  for (int i = 1; i <= kItems; ++i) {
    put(i);
    if (kill_mode && i == 150) raise(SIGKILL);
    if (slow_mode) {
      struct timespec pause = {0, 10 * 1000 * 1000};
      nanosleep(&pause, NULL);
    }
  }
  for (int i = 0; i < kConsumers; ++i) put(-1);
  for (int i = 0; i < kConsumers; ++i) sem_wait(&done);
  long total = 0;
  for (int i = 0; i < kConsumers; ++i) {
    printf("consumer %d took %ld items, sum %ld\n", i, taken[i], sums[i]);
    total += sums[i];
  }
  for (int i = 0; i < kConsumers; ++i) pthread_join(t[i], NULL);
  printf("total %ld\n", total);
  return total == (long)kItems * (kItems + 1) / 2 ? 0 : 1;
}
