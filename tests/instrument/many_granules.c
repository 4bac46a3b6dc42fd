// many_granules.c — touches more 8-byte granules (2.5 Mi longs, 20 MiB) than the shim's
// granule table holds, from one thread, then a second thread sums a part: the program must
// run correctly under weft (the shim says once that it stopped tracking new memory).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define N (5 * 512 * 1024L)
static long* data;

static void* Fill(void* arg) {
  (void)arg;
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
  data = malloc(N * sizeof(long));
  if (data == NULL) return 2;
  pthread_t a, b;
  long sum = 0;
  pthread_create(&a, NULL, Fill, NULL);
  pthread_join(a, NULL);
  pthread_create(&b, NULL, Sum, &sum);
  pthread_join(b, NULL);
  printf("sum = %ld\n", sum);
  free(data);
  return sum == 499500 ? 0 : 1;
}
