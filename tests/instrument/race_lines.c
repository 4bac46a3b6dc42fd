// race_lines.c — which races are one report and which are two, as ThreadSanitizer has them:
// two threads, no lock, each once: `total += n` (gcc calls the runtime for its read and for
// its write: two pcs on one line) against the other thread's is one race, one report; and
// `hits += 1, misses += 1` (two variables on one line) is two races, two reports.
// `./race_lines fixed` takes a lock around both.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int fixed;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long total, hits, misses;

static void* Worker(void* arg) {
  long n = (long)arg;
  if (fixed) pthread_mutex_lock(&lock);
  total += n;              // TOTAL-LINE
  hits += 1, misses += 1;  // COUNTS-LINE
  if (fixed) pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char** argv) {
  fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  pthread_t a, b;
  pthread_create(&a, NULL, Worker, (void*)3);
  pthread_create(&b, NULL, Worker, (void*)5);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("%ld %ld %ld\n", total, hits, misses);
  return 0;
}
