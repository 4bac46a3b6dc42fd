// lost_update_racy.c — two threads add 1000 each to a counter with a plain `count++` (a
// load, then a store): when a thread runs between the other's load and store, an update is
// lost and the program fails. Built with `weft cc -O0` so that every increment is its own
// load and store (an optimizer may fold the loop into one addition).
#include <pthread.h>
#include <stdio.h>

static long count;

static void* Add(void* arg) {
  (void)arg;
  for (int i = 0; i < 1000; i++) count++;
  return NULL;
}

int main(void) {
  pthread_t a, b;
  pthread_create(&a, NULL, Add, NULL);
  pthread_create(&b, NULL, Add, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("count = %ld\n", count);
  return count == 2000 ? 0 : 1;
}
