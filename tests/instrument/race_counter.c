// race_counter.c — the lost update: two threads add 1000 each to a counter with `count++`
// (a load and a store, no synchronization). `./race_counter fixed` adds with an atomic
// read-modify-write instead: no race. Exit 1 when an update was lost.
#include <pthread.h>
#include <stdio.h>
#include <string.h>

static int fixed;
static long count;

static void* Add(void* arg) {
  (void)arg;
  for (int i = 0; i < 1000; i++) {
    if (fixed) {
      __atomic_fetch_add(&count, 1, __ATOMIC_RELAXED);  // RACE-FIXED
    } else {
      count++;  // RACE-LINE
    }
  }
  return NULL;
}

int main(int argc, char** argv) {
  fixed = argc > 1 && strcmp(argv[1], "fixed") == 0;
  pthread_t a, b;
  pthread_create(&a, NULL, Add, NULL);
  pthread_create(&b, NULL, Add, NULL);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  printf("count %ld\n", count);
  return count == 2000 ? 0 : 1;
}
