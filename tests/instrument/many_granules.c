// many_granules.c — touches more memory (9 Mi longs, 72 MiB) than the shim's granule table
// holds (64 MiB of pages), from one thread, then a second thread sums a part: the program must
// run correctly under weft (the shim says once that it stopped tracking new memory).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define N (9 * 1024 * 1024L)
static long* data;

// NB: the thread that fills the block allocates it: a block another thread allocated would
// make each granule's first touch a take-over (an event and an object each).
static void* Fill(void* arg) {
  (void)arg;
  data = malloc(N * sizeof(long));
  if (data == NULL) return NULL;
  for (long i = 0; i < N; i++) data[i] = i;
  return NULL;
}

static void* Sum(void* arg) {
  long sum = 0;
  for (long i = 0; i < 1000; i++) sum += data[i];
  *(long*)arg = sum;
  return NULL;
}

int main(void) {
  pthread_t a, b;
  long sum = 0;
  pthread_create(&a, NULL, Fill, NULL);
  pthread_join(a, NULL);
  if (data == NULL) return 2;
  pthread_create(&b, NULL, Sum, &sum);
  pthread_join(b, NULL);
  printf("sum = %ld\n", sum);
  free(data);
  return sum == 499500 ? 0 : 1;
}
