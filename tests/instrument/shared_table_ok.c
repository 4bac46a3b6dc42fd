// shared_table_ok.c — main fills a 64 KiB table, then 4 threads each read all of it 100
// times and store their sums under a mutex: the table is read by many threads and never
// written once they run, so none of its reads can conflict. Built with `weft cc`; correct
// everywhere (exit 0 when every sum is the expected one).
#include <pthread.h>
#include <stdio.h>

#define WORDS (65536 / sizeof(long))
#define THREADS 4
#define ROUNDS 100

static long table[WORDS];
static long sums[THREADS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void* Reader(void* arg) {
  long id = (long)arg;
  long sum = 0;
  for (int r = 0; r < ROUNDS; r++) {
    for (unsigned long i = 0; i < WORDS; i++) sum += table[i];
  }
  pthread_mutex_lock(&lock);
  sums[id] = sum;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  for (unsigned long i = 0; i < WORDS; i++) table[i] = (long)i;
  pthread_t threads[THREADS];
  for (long t = 0; t < THREADS; t++) pthread_create(&threads[t], NULL, Reader, (void*)t);
  for (long t = 0; t < THREADS; t++) pthread_join(threads[t], NULL);
  long expected = (long)(WORDS * (WORDS - 1) / 2) * ROUNDS;
  int bad = 0;
  for (long t = 0; t < THREADS; t++) bad |= sums[t] != expected;
  printf("sums %s\n", bad ? "wrong" : "right");
  return bad;
}
