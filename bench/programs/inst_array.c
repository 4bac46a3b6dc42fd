// inst_array.c — an array-heavy workload for the instrumented-build benchmark
// (bench/instrumented.py): 2 threads each own a 4096-long array and run N rounds of a prefix
// sum followed by an insertion-sort pass over a window of it, then add a checksum to a total
// under a mutex. Usage: inst_array N. Prints the total.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define LEN 4096

static long rounds;
static long arrays[2][LEN];
static long total;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void* Work(void* arg) {
  long* a = arrays[(long)arg];
  for (long i = 0; i < LEN; i++) a[i] = (i * 2654435761u) % 1000;
  for (long r = 0; r < rounds; r++) {
    for (long i = 1; i < LEN; i++) a[i] = (a[i] + a[i - 1]) % 1000003;
    long start = (r * 64) % (LEN - 64);
    for (long i = start + 1; i < start + 64; i++) {
      long v = a[i], j = i - 1;
      while (j >= start && a[j] > v) {
        a[j + 1] = a[j];
        j--;
      }
      a[j + 1] = v;
    }
  }
  long sum = 0;
  for (long i = 0; i < LEN; i++) sum += a[i];
  pthread_mutex_lock(&lock);
  total += sum;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(int argc, char** argv) {
  rounds = argc > 1 ? atol(argv[1]) : 100;
  pthread_t a, b;
  pthread_create(&a, NULL, Work, (void*)0);
  pthread_create(&b, NULL, Work, (void*)1);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("%ld\n", total);
  return 0;
}
