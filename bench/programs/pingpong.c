/* pingpong.c — lock ping-pong: two threads each lock and unlock one mutex N times
 * (argv[1], default 20000), so nearly every instruction of the run is a schedule point.
 * Measures weft's schedule points per second. Prints "count = 2N", exit 0.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long count, iterations = 20000;

static void* player(void* arg) {
  for (long i = 0; i < iterations; i++) {
    pthread_mutex_lock(&lock);
    count++;
    pthread_mutex_unlock(&lock);
  }
  return NULL;
}

int main(int argc, char** argv) {
  if (argc > 1) iterations = atol(argv[1]);
  pthread_t a, b;
  pthread_create(&a, NULL, player, NULL);
  pthread_create(&b, NULL, player, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("count = %ld\n", count);
  return count == 2 * iterations ? 0 : 1;
}
